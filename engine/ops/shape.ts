// Shape and movement ops: reshape, transpose, expand_dims, stack/unstack and friends.
// Gradients move the upstream gradient back the same way (inverse permutation, reshape to
// the input's runtime shape, ...).

import { sizeOf, stridesOf } from '../tensor';
import { type Dim, type Shape, OpError, normalizeAxis, showShape } from '../types';
import { type Value, BuildError, tensorValue } from '../builder';
import { defineOps } from './registry';
import { transposeData } from './kernels';

function inversePermutation(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
}

function resolvePerm(perm: readonly number[] | null, rank: number): number[] {
  if (perm === null) return Array.from({ length: rank }, (_, i) => rank - 1 - i);
  if (perm.length !== rank) throw new OpError(`perm ${showShape(perm)} has ${perm.length} entries for a tensor of rank ${rank}`, 0);
  const seen = new Set<number>();
  const out = perm.map((p) => normalizeAxis(p, rank, 0, 'perm entry'));
  for (const p of out) {
    if (seen.has(p)) throw new OpError(`perm ${showShape(perm)} is not a permutation`, 0);
    seen.add(p);
  }
  return out;
}

/** Static result of reshaping `from` to `to` (which may hold one -1). */
export function reshapeShape(from: Shape, to: readonly (number | null)[]): Shape {
  const minusOnes = to.filter((d) => d === -1 || d === null).length;
  if (minusOnes > 1) throw new OpError(`shape ${showShape(to.map((d) => (d === -1 ? null : d)))} has more than one unknown (-1) size`, 1);
  const known = to.reduce<number>((p, d) => (d === -1 || d === null ? p : p * d), 1);
  const total = from === null || from.some((d) => d === null) ? null : sizeOf(from as number[]);
  return to.map((d) => {
    if (d !== -1 && d !== null) return d;
    if (total === null) return null;
    if (known === 0 || total % known !== 0) throw new OpError(`cannot reshape ${total} elements (shape ${showShape(from)}) to ${showShape(to.map((x) => (x === -1 ? null : x)))}`, 1);
    return total / known;
  }) as Dim[];
}

defineOps([
  {
    name: 'reshape',
    doc: 'Gives a tensor a new shape with the same elements (one size may be -1).',
    params: [
      { name: 'tensor', kind: 'tensor', aliases: ['x', 'a'] },
      { name: 'shape', kind: 'shape' },
    ],
    infer: ([x], attrs) => {
      const to = attrs.shape as (number | null)[] | null;
      if (to === null) throw new OpError('reshape needs a shape');
      const shape = reshapeShape(x.shape, to);
      if (shape && x.shape && x.shape.every((d) => d !== null) && shape.every((d) => d !== null)) {
        const a = sizeOf(x.shape as number[]);
        const b = sizeOf(shape as number[]);
        if (a !== b) throw new OpError(`cannot reshape ${a} elements (shape ${showShape(x.shape)}) to ${showShape(shape)} (${b} elements)`, 1);
      }
      return { dtype: x.dtype, shape };
    },
    kernel: ([x]) => x.data,
    grad: (b, node, dy) => [b.reshapeLike(dy, node.inputs[0])],
  },
  {
    name: 'transpose',
    doc: 'Permutes the axes (reverses them when perm is None).',
    params: [
      { name: 'a', kind: 'tensor', aliases: ['x'] },
      { name: 'perm', kind: 'ints', default: null },
    ],
    infer: ([x], attrs) => {
      if (x.shape === null) return { dtype: x.dtype, shape: null };
      const perm = resolvePerm((attrs.perm as number[] | null) ?? null, x.shape.length);
      return { dtype: x.dtype, shape: perm.map((p) => x.shape![p]) };
    },
    kernel: ([x], attrs, out, ctx) => transposeData(x, resolvePerm((attrs.perm as number[] | null) ?? null, x.shape.length), ctx.alloc(out.dtype, x.data.length)),
    grad: (b, node, dy) => {
      const rank = node.inputs[0].type.shape?.length;
      if (rank === undefined) throw new BuildError('transpose of a tensor of unknown rank cannot be differentiated', node.span, 'unknown-shape');
      const perm = resolvePerm((node.attrs.perm as number[] | null) ?? null, rank);
      return [b.op('transpose', [dy], { perm: inversePermutation(perm) })];
    },
  },
  {
    name: 'expand_dims',
    doc: 'Inserts a size-1 axis at `axis`.',
    params: [
      { name: 'input', kind: 'tensor', aliases: ['x'] },
      { name: 'axis', kind: 'axis' },
    ],
    infer: ([x], attrs) => {
      if (x.shape === null) return { dtype: x.dtype, shape: null };
      const axis = normalizeAxis(attrs.axis as number, x.shape.length + 1, 0);
      const shape = x.shape.slice();
      shape.splice(axis, 0, 1);
      return { dtype: x.dtype, shape };
    },
    kernel: ([x]) => x.data,
    grad: (b, node, dy) => [b.reshapeLike(dy, node.inputs[0])],
  },
  {
    name: 'stack',
    aliases: ['pack'],
    doc: 'Stacks tensors of one shape along a new axis.',
    params: [
      { name: 'values', kind: 'tensors', group: 'T' },
      { name: 'axis', kind: 'axis', default: 0 },
    ],
    infer: (inputs, attrs) => {
      if (inputs.length === 0) throw new OpError('stack needs at least one tensor');
      let shape: Shape = inputs[0].shape;
      inputs.forEach((t, i) => {
        if (t.dtype !== inputs[0].dtype) throw new OpError(`element ${i} is ${t.dtype} but element 0 is ${inputs[0].dtype}`, i, 'dtype-mismatch');
        if (shape === null || t.shape === null) return;
        if (t.shape.length !== shape.length || t.shape.some((d, k) => d !== null && shape![k] !== null && d !== shape![k])) {
          throw new OpError(`element ${i} has shape ${showShape(t.shape)} but element 0 has ${showShape(inputs[0].shape)}`, i);
        }
        shape = shape.map((d, k) => d ?? t.shape![k]);
      });
      if (shape === null) return { dtype: inputs[0].dtype, shape: null };
      const axis = normalizeAxis(attrs.axis as number, shape.length + 1, 0);
      const out = shape.slice();
      out.splice(axis, 0, inputs.length);
      return { dtype: inputs[0].dtype, shape: out };
    },
    kernel: (inputs, attrs, out, ctx) => {
      const axis = normalizeAxis(attrs.axis as number, inputs[0].shape.length + 1, 0);
      const inner = sizeOf(inputs[0].shape.slice(axis));
      const outer = sizeOf(inputs[0].shape.slice(0, axis));
      for (const t of inputs) if (t.data.length !== inner * outer) throw new OpError(`stacked tensors have different shapes (${showShape(t.shape)} vs ${showShape(inputs[0].shape)})`);
      const n = inputs.length;
      const data = ctx.alloc(out.dtype, inner * outer * n);
      for (let o = 0; o < outer; o++) {
        for (let k = 0; k < n; k++) {
          data.set(inputs[k].data.subarray(o * inner, (o + 1) * inner) as never, (o * n + k) * inner);
        }
      }
      return data;
    },
    grad: (b, node, dy) => node.inputs.map((_, index) => b.op('unstack_part', [dy], { axis: node.attrs.axis, index })),
  },
  {
    name: 'unstack_part',
    internal: true,
    doc: 'Entry `index` along `axis` (that axis removed).',
    params: [],
    infer: ([x], attrs) => {
      if (x.shape === null) return { dtype: x.dtype, shape: null };
      const axis = normalizeAxis(attrs.axis as number, x.shape.length, 0);
      const size = x.shape[axis];
      const index = attrs.index as number;
      if (size !== null && (index < 0 || index >= size)) throw new OpError(`index ${index} is out of range for axis ${axis} of size ${size}`);
      return { dtype: x.dtype, shape: x.shape.filter((_, i) => i !== axis) };
    },
    kernel: ([x], attrs, out, ctx) => {
      const axis = normalizeAxis(attrs.axis as number, x.shape.length, 0);
      const index = attrs.index as number;
      const strides = stridesOf(x.shape);
      const inner = strides[axis];
      const outer = sizeOf(x.shape.slice(0, axis));
      const data = ctx.alloc(out.dtype, inner * outer);
      for (let o = 0; o < outer; o++) {
        const src = o * x.shape[axis] * inner + index * inner;
        data.set(x.data.subarray(src, src + inner) as never, o * inner);
      }
      return data;
    },
    grad: (b, node, dy) => [b.op('place_part', [dy, node.inputs[0]], node.attrs)],
  },
  {
    name: 'place_part',
    internal: true,
    doc: 'Zeros shaped like `like`, with `x` at entry `index` along `axis`.',
    params: [],
    infer: ([x, like]) => ({ dtype: x.dtype, shape: like.shape }),
    kernel: ([x, like], attrs, out, ctx) => {
      const axis = normalizeAxis(attrs.axis as number, like.shape.length, 0);
      const index = attrs.index as number;
      const inner = stridesOf(like.shape)[axis];
      const outer = sizeOf(like.shape.slice(0, axis));
      const data = ctx.alloc(out.dtype, sizeOf(like.shape));
      for (let o = 0; o < outer; o++) {
        const dst = o * like.shape[axis] * inner + index * inner;
        data.set(x.data.subarray(o * inner, (o + 1) * inner) as never, dst);
      }
      return data;
    },
    grad: (b, node, dy) => [b.op('unstack_part', [dy], node.attrs), null],
  },
  {
    name: 'unstack',
    aliases: ['unpack'],
    doc: 'Splits a tensor along `axis` into a list of tensors (the axis size must be known).',
    params: [
      { name: 'value', kind: 'tensor', aliases: ['x'] },
      { name: 'num', kind: 'int', default: null },
      { name: 'axis', kind: 'axis', default: 0 },
    ],
    build: (b, args): Value => {
      const x = args.tensor('value');
      const axisArg = args.int('axis');
      if (x.type.shape === null) throw new BuildError('unstack needs a tensor of known rank', args.span('value'), 'unknown-shape');
      let axis: number;
      try {
        axis = normalizeAxis(axisArg, x.type.shape.length, 0);
      } catch (e) {
        throw new BuildError((e as Error).message, args.span('axis'), 'bad-axis');
      }
      const n = args.optionalInt('num') ?? x.type.shape[axis];
      if (n === null) throw new BuildError(`unstack needs the size of axis ${axis} (it is unknown, ?); pass num=`, args.span('value'), 'unknown-shape');
      return { kind: 'list', items: Array.from({ length: n }, (_, index) => tensorValue(b.apply('unstack_part', [x], { axis, index }, args.callSpan, [args.span('value')]))) };
    },
  },
]);
