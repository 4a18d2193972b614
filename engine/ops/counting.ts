// Ops that count or enumerate the values of a tensor, so their result's length is known
// only from the data: tf.unique (and unique_with_counts), tf.math.bincount,
// tf.math.confusion_matrix, tf.math.invert_permutation. None has a gradient, as in
// TensorFlow (their outputs are indices and counts; unique's values are picked, not computed).

import { type BoundArgs, type Builder, type Value, BuildError, tensorValue } from '../builder';
import type { Node } from '../graph';
import { type DType, type Tensor, type TypedData, isInteger, sizeOf } from '../tensor';
import { type TensorType, ArgError, OpError, showShape } from '../types';
import { defineOps, op } from './registry';
import { workCounter } from './kernels';
import { composite } from './compose';

type UniquePart = 'values' | 'index' | 'counts';
type UniqueAttrs = { part: UniquePart; out_idx: DType };

/** Distinct values in order of first appearance: for each element, the number of its value
 *  (written into `index`). Values compare with ==, as TensorFlow's hash map does: -0 is 0,
 *  and every NaN is a value of its own. `done` counts the elements, in blocks: the kernel's
 *  deadline (a hash map of 10⁷ values takes seconds). */
function enumerateValues(x: Tensor, index: TypedData, done: (n: number) => void): void {
  const seen = new Map<number, number>();
  let distinct = 0;
  for (let i = 0; i < x.data.length; i++) {
    const v = x.data[i] === 0 ? 0 : x.data[i];
    let k = v === v ? seen.get(v) : undefined;
    if (k === undefined) {
      k = distinct++;
      if (v === v) seen.set(v, k);
    }
    index[i] = k;
    if ((i & 1023) === 1023) done(1024);
  }
}

/** How many distinct values an enumeration found: one more than its largest number, as
 *  they are numbered in order of first appearance. */
function distinctCount(index: Tensor): number {
  let count = 0;
  for (let i = 0; i < index.data.length; i++) if (index.data[i] >= count) count = index.data[i] + 1;
  return count;
}

function vectorArg(x: TensorType): void {
  if (x.shape !== null && x.shape.length !== 1) throw new OpError(`x must be a vector, got shape ${showShape(x.shape)}`, 0);
}

function outIdx(args: BoundArgs): DType {
  const d = args.dtype('out_idx');
  if (d !== 'int32' && d !== 'int64')
    throw new BuildError(`out_idx must be int32 or int64, got ${d}`, args.span('out_idx'), 'dtype-mismatch');
  return d;
}

/** unique / unique_with_counts: the named tuple TensorFlow returns. */
function uniqueTuple(b: Builder, args: BoundArgs, withCounts: boolean): Value {
  const x = args.tensor('x');
  const out_idx = outIdx(args);
  // The index is the one enumeration (a hash map, in the kernel that checks the deadline);
  // the values and counts read it.
  const index = b.apply('unique_part', [x], { part: 'index', out_idx }, args.callSpan, [args.span('x')]);
  const part = (p: UniquePart): Node =>
    p === 'index' ? index : b.apply('unique_part', [x, index], { part: p, out_idx }, args.callSpan, [args.span('x')]);
  const parts: UniquePart[] = withCounts ? ['values', 'index', 'counts'] : ['values', 'index'];
  return {
    kind: 'list',
    items: parts.map((p) => tensorValue(part(p))),
    fields: { type: withCounts ? 'UniqueWithCounts' : 'Unique', names: withCounts ? ['y', 'idx', 'count'] : ['y', 'idx'] },
  };
}

const uniqueParams = [
  { name: 'x', kind: 'tensor' as const },
  { name: 'out_idx', kind: 'dtype' as const, default: 'int32' },
];

/** The counts' dtype without weights: `dtype=None` given explicitly is refused, as TensorFlow
 *  refuses it (the default is int32). */
function countDType(dtype: DType | null): DType {
  if (dtype === null)
    throw new OpError('dtype must be a numeric dtype (int32, int64, float32, float64), got None', undefined, 'dtype-mismatch');
  return dtype;
}

defineOps([
  op<UniqueAttrs>({
    name: 'unique_part',
    shownAs: 'unique',
    internal: true,
    doc: "One part of tf.unique of a vector: each element's position among the distinct values in order of first appearance ('index', of x), or, from x and that index, the distinct values ('values') or how often each occurs ('counts').",
    params: [
      { name: 'x', kind: 'tensor' },
      { name: 'index', kind: 'tensor', default: null },
    ],
    // The number of distinct values is known only from the data: at evaluation the rule is
    // given the index and reads it.
    infer: ([x, index], attrs) => {
      vectorArg(x);
      if (attrs.part === 'index') return { dtype: attrs.out_idx, shape: x.shape };
      const data = (index as Partial<Tensor> | undefined)?.data;
      return { dtype: attrs.part === 'values' ? x.dtype : attrs.out_idx, shape: [data ? distinctCount(index as Tensor) : null] };
    },
    kernel: ([x, index], attrs, out, ctx) => {
      const done = workCounter(ctx);
      const data = ctx.alloc(out.dtype, attrs.part === 'index' ? x.data.length : sizeOf(out.shape), attrs.part !== 'counts');
      if (attrs.part === 'index') enumerateValues(x, data, done);
      else if (attrs.part === 'values') {
        // Each value at its first appearance: where the index reaches a new number.
        let next = 0;
        for (let i = 0; i < index.data.length; i++) if (index.data[i] === next) data[next++] = x.data[i];
      } else for (let i = 0; i < index.data.length; i++) data[index.data[i]]++;
      return data;
    },
  }),
  composite({
    name: 'unique',
    doc: "The distinct values of a vector in order of first appearance, and each element's index into them: (y, idx), as tf.unique (no gradient).",
    params: uniqueParams,
    compose: (b, args) => uniqueTuple(b, args, false),
  }),
  composite({
    name: 'unique_with_counts',
    doc: 'tf.unique with how often each distinct value occurs: (y, idx, count).',
    params: uniqueParams,
    compose: (b, args) => uniqueTuple(b, args, true),
  }),
  op<{ minlength: number | null; maxlength: number | null; dtype: DType; axis: number | null; binary_output: boolean }>({
    name: 'bincount',
    doc: 'How often each value 0, 1, ... occurs in a tensor of non-negative ints (summing `weights` instead of counting, if given; 1 for present with binary_output), length max(arr) + 1, at least minlength, at most maxlength (tf.math.bincount, axis=None).',
    params: [
      { name: 'arr', kind: 'tensor', dtypes: 'int' },
      { name: 'weights', kind: 'tensor', default: null, dtypes: 'intOrFloat' },
      { name: 'minlength', kind: 'int', default: null },
      { name: 'maxlength', kind: 'int', default: null },
      { name: 'dtype', kind: 'dtype', default: 'int32' },
      { name: 'axis', kind: 'int', default: null },
      { name: 'binary_output', kind: 'bool', default: false },
    ],
    infer: ([arr, weights], attrs) => {
      if (attrs.axis !== null) throw new ArgError('only axis=None (counting over the whole tensor) is supported', 'axis', 'bad-argument');
      for (const name of ['minlength', 'maxlength'] as const) {
        const v = attrs[name];
        if (v !== null && v < 0) throw new ArgError(`${name} must be non-negative, got ${v}`, name, 'bad-argument');
      }
      if (weights && arr.shape && weights.shape && showShape(arr.shape) !== showShape(weights.shape))
        throw new OpError(`weights must have the shape of arr ${showShape(arr.shape)}, got ${showShape(weights.shape)}`, 1);
      const data = (arr as Partial<Tensor>).data;
      let n: number | null = null;
      if (data) {
        let top = -1;
        for (let i = 0; i < data.length; i++) {
          if (data[i] < 0) throw new OpError(`arr must be non-negative, got ${data[i]} at ${i}`, 0, 'index-out-of-range');
          if (data[i] > top) top = data[i];
        }
        n = Math.max(top + 1, attrs.minlength ?? 0);
        if (attrs.maxlength !== null) n = Math.min(n, attrs.maxlength);
      }
      return { dtype: weights ? weights.dtype : countDType(attrs.dtype), shape: [n] };
    },
    kernel: ([arr, weights], attrs, out, ctx) => {
      const n = out.shape[0];
      const data = ctx.alloc(out.dtype, n);
      for (let i = 0; i < arr.data.length; i++) {
        if (arr.data[i] >= n) continue;
        if (attrs.binary_output) data[arr.data[i]] = 1;
        else data[arr.data[i]] += weights ? weights.data[i] : 1;
      }
      return data;
    },
  }),
  op<{ num_classes: number | null; dtype: DType }>({
    name: 'confusion_matrix',
    doc: 'Counts of (label, prediction) pairs: entry [i, j] is how many examples of class i were predicted as j, num_classes from the data when not given (tf.math.confusion_matrix; `weights` sum instead of counting).',
    params: [
      { name: 'labels', kind: 'tensor', dtypes: 'int' },
      { name: 'predictions', kind: 'tensor', dtypes: 'int' },
      { name: 'num_classes', kind: 'int', default: null },
      { name: 'weights', kind: 'tensor', default: null },
      { name: 'dtype', kind: 'dtype', default: 'int32' },
    ],
    infer: ([labels, predictions, weights], attrs) => {
      if (attrs.num_classes !== null && attrs.num_classes < 0)
        throw new ArgError(`num_classes must be non-negative, got ${attrs.num_classes}`, 'num_classes', 'bad-argument');
      for (const [t, what] of [
        [labels, 'labels'],
        [predictions, 'predictions'],
      ] as const)
        if (t.shape !== null && t.shape.length !== 1)
          throw new OpError(`${what} must be a vector, got shape ${showShape(t.shape)}`, what === 'labels' ? 0 : 1);
      if (labels.shape?.[0] != null && predictions.shape?.[0] != null && labels.shape[0] !== predictions.shape[0])
        throw new OpError(`labels and predictions must have the same length, got ${labels.shape[0]} and ${predictions.shape[0]}`, 1);
      let n = attrs.num_classes;
      const l = (labels as Partial<Tensor>).data;
      const p = (predictions as Partial<Tensor>).data;
      if (n === null && l && p) {
        n = 0;
        for (const v of [...l, ...p]) n = Math.max(n, v + 1);
      }
      return { dtype: weights ? weights.dtype : countDType(attrs.dtype), shape: [n, n] };
    },
    kernel: ([labels, predictions, weights], _attrs, out, ctx) => {
      const n = out.shape[0];
      const data = ctx.alloc(out.dtype, n * n);
      for (let i = 0; i < labels.data.length; i++) {
        const [l, p] = [labels.data[i], predictions.data[i]];
        if (l < 0 || p < 0)
          throw new OpError(
            `labels and predictions must be non-negative, got ${l < 0 ? `labels[${i}] = ${l}` : `predictions[${i}] = ${p}`}`,
            l < 0 ? 0 : 1,
            'index-out-of-range',
          );
        if (l >= n || p >= n)
          throw new OpError(
            `labels and predictions must be < num_classes ${n}, got ${l >= n ? `labels[${i}] = ${l}` : `predictions[${i}] = ${p}`}`,
            l >= n ? 0 : 1,
            'index-out-of-range',
          );
        data[l * n + p] += weights ? weights.data[i] : 1;
      }
      return data;
    },
  }),
  op({
    name: 'invert_permutation',
    doc: 'The inverse of a permutation vector of 0..n-1: y[x[i]] = i (tf.math.invert_permutation).',
    params: [{ name: 'x', kind: 'tensor', dtypes: 'int' }],
    infer: ([x]) => {
      vectorArg(x);
      if (!isInteger(x.dtype)) throw new OpError(`x must be int32 or int64, got ${x.dtype}`, 0, 'dtype-mismatch');
      return x;
    },
    kernel: ([x], _attrs, out, ctx) => {
      const n = x.data.length;
      const data = ctx.alloc(out.dtype, n);
      const filled = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        const v = x.data[i];
        if (v < 0 || v >= n) throw new OpError(`${v} is not between 0 and ${n}`, 0, 'index-out-of-range');
        if (filled[v]) throw new OpError(`${v} is duplicated in the input`, 0, 'bad-argument');
        filled[v] = 1;
        data[v] = i;
      }
      return data;
    },
  }),
]);
