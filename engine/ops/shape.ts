// Shape and movement ops: reshape, transpose, expand_dims, squeeze, stack/unstack,
// concat/split, tile, broadcast_to, pad, reverse, and the shape queries shape/size/rank.
// Gradients move the upstream gradient back the same way (inverse permutation, reshape to
// the input's runtime shape, slices of dy, sums over tiles, ...). Where a gradient needs a
// size that may be unknown statically, it is an internal op that reads the size from its
// inputs at evaluation time, and that op has its own gradient so grad-of-grad works.
//
// Most movement kernels share one idea: every output axis reads one input axis through a
// coordinate map (a tile wraps around, a reverse counts down, a pad reflects or falls
// outside). `sourceOffsets` turns those maps into one flat source offset per output
// element; the forward op gathers through it and its gradient scatter-adds through it.

import { type DType, type Tensor, type TypedData, isInteger, sizeOf, stridesOf } from '../tensor';
import { ArgError, type Dim, type Shape, type TensorType, OpError, isFullyKnown, normalizeAxis, showShape } from '../types';
import { type BoundArgs, type Builder, type Value, BuildError, tensorValue } from '../builder';
import type { Node } from '../graph';
import type { Span } from '../syntax/ast';
import { type Attrs, type OpDef, defineOps } from './registry';
import { broadcastData, transposeData } from './kernels';
import { type Creation, axisIn, elementwise, firstOnly, indexMap, joinFlow, positionalFlow, reshapeFlow, scatter } from './dependence';

// ---- blaming static arguments ------------------------------------------------------------

/** Normalises an axis given in static argument `param`, blaming that argument. */
export function axisArg(axis: number, shape: readonly Dim[], param: string, what = 'axis'): number {
  const rank = shape.length;
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new ArgError(`${what} ${axis} is out of range for a tensor of rank ${rank} (shape ${showShape(shape)})`, param, 'bad-axis');
  }
  return axis < 0 ? axis + rank : axis;
}

/** Adds a primitive node for a surface call whose inputs the caller prepared: an ArgError
 *  points at the static argument it names, other errors at `inputSpans[argIndex]`. */
/** Most parts one split or unstack may make (each part is a graph node). */
const MAX_SPLIT_PARTS = 10_000;

export function applyBlaming(
  b: Builder,
  args: BoundArgs,
  op: OpDef | string,
  inputs: readonly Node[],
  attrs: Attrs,
  inputSpans: readonly Span[],
): Node {
  return b.apply(op, inputs, attrs, args.callSpan, inputSpans, (param) => args.span(param));
}

/** The usual build of a primitive (Builder.buildPrimitive); `ignored` parameters are accepted
 *  for TensorFlow compatibility and dropped. */
export function buildBlaming(b: Builder, args: BoundArgs, ignored: readonly string[] = []): Value {
  return tensorValue(b.buildPrimitive(args.op, args, ignored));
}

/** The build of stack/concat. A nested list of numbers (`concat([[1, 2], [3, 4]], 0)`)
 *  arrives as one literal tensor, but TensorFlow sees a list of its rows. */
function buildListOp(b: Builder, args: BoundArgs): Value {
  const v = args.value('values');
  if (v.kind !== 'tensor' || !v.node.weak || v.node.op.name !== 'const' || v.node.type.shape?.length === 0) return buildBlaming(b, args);
  const t = v.node.attrs.value as Tensor;
  const inner = sizeOf(t.shape.slice(1));
  const span = args.span('values');
  const rows = Array.from({ length: t.shape[0] }, (_, i) =>
    b.constant({ dtype: t.dtype, shape: t.shape.slice(1), data: t.data.slice(i * inner, (i + 1) * inner) }, span, true),
  );
  return tensorValue(
    applyBlaming(
      b,
      args,
      args.op,
      rows,
      { axis: args.int('axis'), valuesCount: rows.length },
      rows.map(() => span),
    ),
  );
}

// ---- gather/scatter through per-axis coordinate maps -------------------------------------

/** Output axis k reads input coordinate `map[i]` (or nothing when it is -1) along an input
 *  axis of stride `stride` (0 for a new axis). */
export interface AxisMap {
  map: Int32Array;
  stride: number;
}

/** A map reading `start, start + step, ...` (`length` entries). */
export function rangeMap(length: number, start: number, step: number, stride: number): AxisMap {
  const map = new Int32Array(length);
  for (let i = 0; i < length; i++) map[i] = start + i * step;
  return { map, stride };
}

/** The flat input offset of every output element (row-major over `outShape`), `base`
 *  plus each axis's mapped coordinate times its stride; -1 where any axis maps outside. */
export function sourceOffsets(outShape: readonly number[], axes: readonly AxisMap[], base = 0): Int32Array {
  const n = sizeOf(outShape);
  const offsets = new Int32Array(n);
  const rank = outShape.length;
  if (n === 0) return offsets;
  if (rank === 0) {
    offsets[0] = base;
    return offsets;
  }
  // Per-axis contributions; -Infinity marks "outside" and absorbs every sum.
  const contrib = axes.map(({ map, stride }) => {
    const c = new Float64Array(map.length);
    for (let i = 0; i < map.length; i++) c[i] = map[i] < 0 ? -Infinity : map[i] * stride;
    return c;
  });
  const last = rank - 1;
  // partial[k]: base plus the contributions of axes 0..k-1 at the current index.
  const partial = new Float64Array(rank);
  partial[0] = base;
  for (let k = 1; k < rank; k++) partial[k] = partial[k - 1] + contrib[k - 1][0];
  const idx = new Int32Array(rank);
  const lastContrib = contrib[last];
  const lastSize = outShape[last];
  let o = 0;
  for (;;) {
    const p = partial[last];
    for (let j = 0; j < lastSize; j++) {
      const v = p + lastContrib[j];
      offsets[o++] = v >= 0 ? v : -1;
    }
    let k = last - 1;
    while (k >= 0) {
      if (++idx[k] < outShape[k]) break;
      idx[k] = 0;
      k--;
    }
    if (k < 0) break;
    for (let j = k + 1; j <= last; j++) partial[j] = partial[j - 1] + contrib[j - 1][idx[j - 1]];
  }
  return offsets;
}

/** data[i] = src[offsets[i]], or `fill` where the offset is -1. */
export function gatherOffsets(src: TypedData, offsets: Int32Array, data: TypedData, fill = 0): TypedData {
  for (let i = 0; i < offsets.length; i++) {
    const s = offsets[i];
    data[i] = s >= 0 ? src[s] : fill;
  }
  return data;
}

/** data[offsets[i]] += src[i]: the adjoint of `gatherOffsets` (repeated offsets accumulate). */
export function scatterAddOffsets(src: TypedData, offsets: Int32Array, data: TypedData): TypedData {
  for (let i = 0; i < offsets.length; i++) {
    const s = offsets[i];
    if (s >= 0) data[s] += src[i];
  }
  return data;
}

/** Copies `len` entries along `axis` starting at `begin` from a tensor of `shape` (block copies). */
function sliceAxis(src: TypedData, shape: readonly number[], axis: number, begin: number, len: number, data: TypedData): TypedData {
  const inner = sizeOf(shape.slice(axis + 1));
  const outer = sizeOf(shape.slice(0, axis));
  const d = shape[axis];
  for (let o = 0; o < outer; o++) {
    const from = (o * d + begin) * inner;
    data.set(src.subarray(from, from + len * inner) as never, o * len * inner);
  }
  return data;
}

/** The adjoint of `sliceAxis`: writes `src` (len entries along axis) into `data` of `shape` at `begin`. */
function placeAxis(src: TypedData, shape: readonly number[], axis: number, begin: number, len: number, data: TypedData): TypedData {
  const inner = sizeOf(shape.slice(axis + 1));
  const outer = sizeOf(shape.slice(0, axis));
  const d = shape[axis];
  for (let o = 0; o < outer; o++) {
    data.set(src.subarray(o * len * inner, (o + 1) * len * inner) as never, (o * d + begin) * inner);
  }
  return data;
}

/** Merges two static sizes that must agree (null where both are unknown). */
function mergeDim(a: Dim, b: Dim): Dim {
  return a ?? b;
}

function dimsConflict(a: Dim, b: Dim): boolean {
  return a !== null && b !== null && a !== b;
}

// ---- concat / split helpers ---------------------------------------------------------------

interface SplitAttrs {
  axis: number;
  /** `num` equal parts, or explicit `sizes` (one may be -1). */
  num: number | null;
  sizes: number[] | null;
  index: number;
}

/** Resolves the sizes of every part of a split of an axis of size `d` (null when unknown).
 *  Throws the errors TensorFlow raises for bad splits. */
function splitSizes(d: Dim, a: { num: number | null; sizes: number[] | null }, shape: Shape, blame: (msg: string) => Error): Dim[] {
  if (a.num !== null) {
    if (d === null) return new Array<Dim>(a.num).fill(null);
    if (d % a.num !== 0)
      throw blame(
        `axis of size ${d} (shape ${showShape(shape)}) cannot be split into ${a.num} equal parts: ${d} is not divisible by ${a.num}`,
      );
    return new Array<Dim>(a.num).fill(d / a.num);
  }
  const sizes = a.sizes!;
  const free = sizes.indexOf(-1);
  const knownSum = sizes.reduce((s, v) => (v === -1 ? s : s + v), 0);
  if (d === null) return sizes.map((v) => (v === -1 ? null : v));
  if (free < 0) {
    if (knownSum !== d)
      throw blame(`sizes ${showShape(sizes)} add up to ${knownSum} but the axis has size ${d} (shape ${showShape(shape)})`);
    return sizes.slice();
  }
  if (knownSum > d)
    throw blame(
      `sizes ${showShape(sizes.map((v) => (v === -1 ? null : v)))} add up to more than the axis size ${d} (shape ${showShape(shape)})`,
    );
  return sizes.map((v) => (v === -1 ? d - knownSum : v));
}

/** The runtime begin and length of part `index` of a split along `axis` of `shape`. */
function splitBounds(shape: readonly number[], attrs: SplitAttrs): { axis: number; begin: number; len: number } {
  const axis = normalizeAxis(attrs.axis, shape.length, 0);
  const sizes = splitSizes(shape[axis], attrs, shape, (m) => new OpError(m, 0)) as number[];
  let begin = 0;
  for (let i = 0; i < attrs.index; i++) begin += sizes[i];
  return { axis, begin, len: sizes[attrs.index] };
}

// ---- pad helpers --------------------------------------------------------------------------

type PadMode = 'CONSTANT' | 'REFLECT' | 'SYMMETRIC';

/** Where output coordinate i of a padded axis reads from (-1: the constant). */
function padMap(d: number, before: number, after: number, mode: PadMode, stride: number): AxisMap {
  const n = d + before + after;
  const map = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let c = i - before;
    if (c < 0) c = mode === 'CONSTANT' ? -1 : mode === 'REFLECT' ? -c : -c - 1;
    else if (c >= d) c = mode === 'CONSTANT' ? -1 : mode === 'REFLECT' ? 2 * (d - 1) - c : 2 * d - 1 - c;
    map[i] = c;
  }
  return { map, stride };
}

function checkPaddings(x: TensorType, paddings: number[][], mode: PadMode): void {
  if (x.shape === null) return;
  const rank = x.shape.length;
  if (paddings.length !== rank) {
    throw new ArgError(
      `paddings has ${paddings.length} row${paddings.length === 1 ? '' : 's'} but the tensor has rank ${rank} (shape ${showShape(x.shape)}); give one [before, after] pair per axis`,
      'paddings',
    );
  }
  paddings.forEach(([before, after], k) => {
    const d = x.shape![k];
    if (before < 0 || after < 0) throw new ArgError(`paddings must be non-negative, got [${before}, ${after}] for axis ${k}`, 'paddings');
    if (d === null || mode === 'CONSTANT') return;
    const limit = mode === 'REFLECT' ? d - 1 : d;
    if (before > limit || after > limit) {
      throw new ArgError(
        `${mode} padding of axis ${k} (size ${d}, shape ${showShape(x.shape)}) can add at most ${limit} on each side, got [${before}, ${after}]`,
        'paddings',
      );
    }
  });
}

function inversePermutation(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
}

function resolvePerm(perm: readonly number[] | null, rank: number): number[] {
  if (perm === null) return Array.from({ length: rank }, (_, i) => rank - 1 - i);
  if (perm.length !== rank)
    throw new ArgError(`perm ${showShape(perm)} has ${perm.length} entries for a tensor of rank ${rank}`, 'perm', 'bad-axis');
  const seen = new Set<number>();
  const out = perm.map((p) => {
    if (!Number.isInteger(p) || p < -rank || p >= rank)
      throw new ArgError(`perm entry ${p} is out of range for a tensor of rank ${rank}`, 'perm', 'bad-axis');
    return p < 0 ? p + rank : p;
  });
  for (const p of out) {
    if (seen.has(p)) throw new ArgError(`perm ${showShape(perm)} is not a permutation`, 'perm', 'bad-axis');
    seen.add(p);
  }
  return out;
}

/** Static result of reshaping `from` to `to` (which may hold one -1). */
export function reshapeShape(from: Shape, to: readonly (number | null)[]): Shape {
  const minusOnes = to.filter((d) => d === -1 || d === null).length;
  if (minusOnes > 1)
    throw new ArgError(`shape ${showShape(to.map((d) => (d === -1 ? null : d)))} has more than one unknown (-1) size`, 'shape');
  const known = to.reduce<number>((p, d) => (d === -1 || d === null ? p : p * d), 1);
  const total = from === null || from.some((d) => d === null) ? null : sizeOf(from as number[]);
  return to.map((d) => {
    if (d !== -1 && d !== null) return d;
    if (total === null) return null;
    if (known === 0 || total % known !== 0)
      throw new ArgError(
        `cannot reshape ${total} elements (shape ${showShape(from)}) to ${showShape(to.map((x) => (x === -1 ? null : x)))}`,
        'shape',
      );
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
    build: buildBlaming,
    infer: ([x], attrs) => {
      const to = attrs.shape as (number | null)[] | null;
      if (to === null) throw new ArgError('reshape needs a shape', 'shape');
      const shape = reshapeShape(x.shape, to);
      if (shape && x.shape && x.shape.every((d) => d !== null) && shape.every((d) => d !== null)) {
        const a = sizeOf(x.shape as number[]);
        const b = sizeOf(shape as number[]);
        if (a !== b)
          throw new ArgError(`cannot reshape ${a} elements (shape ${showShape(x.shape)}) to ${showShape(shape)} (${b} elements)`, 'shape');
      }
      return { dtype: x.dtype, shape };
    },
    kernel: ([x]) => x.data,
    grad: (b, node, dy) => [b.reshapeLike(dy, node.inputs[0])],
    dependence: indexMap(reshapeFlow),
  },
  {
    name: 'transpose',
    doc: 'Permutes the axes (reverses them when perm is None).',
    params: [
      { name: 'a', kind: 'tensor', aliases: ['x'] },
      { name: 'perm', kind: 'ints', default: null },
      // Conjugation is the identity on tgraph's real dtypes.
      { name: 'conjugate', kind: 'bool', default: false },
    ],
    tf1Positional: ['a', 'perm', 'name', 'conjugate'],
    build: (b, args) => buildBlaming(b, args, ['conjugate']),
    infer: ([x], attrs) => {
      const given = (attrs.perm as number[] | null) ?? null;
      if (x.shape === null) return { dtype: x.dtype, shape: given === null ? null : given.map(() => null) };
      const perm = resolvePerm((attrs.perm as number[] | null) ?? null, x.shape.length);
      return { dtype: x.dtype, shape: perm.map((p) => x.shape![p]) };
    },
    kernel: ([x], attrs, out, ctx) =>
      transposeData(x, resolvePerm((attrs.perm as number[] | null) ?? null, x.shape.length), ctx.alloc(out.dtype, x.data.length)),
    // The inverse permutation; reversing the axes (perm None) is its own inverse, so no
    // rank is needed even when it is unknown statically.
    grad: (b, node, dy) => {
      const given = (node.attrs.perm as number[] | null) ?? null;
      return [b.op('transpose', [dy], { perm: given === null ? null : inversePermutation(resolvePerm(given, given.length)) })];
    },
    dependence: indexMap(({ attrs, output }) => {
      const rank = output.length;
      const perm = (attrs.perm as number[] | null | undefined) ?? Array.from({ length: rank }, (_, k) => rank - 1 - k);
      if (perm.length !== rank || perm.some((p) => axisIn(p, rank) === null)) return null;
      return { from: perm.map((p) => [{ slot: 0, axis: axisIn(p, rank)! }]) };
    }),
  },
  {
    name: 'expand_dims',
    doc: 'Inserts a size-1 axis at `axis`.',
    params: [
      { name: 'input', kind: 'tensor', aliases: ['x'] },
      { name: 'axis', kind: 'axis', aliases: ['dim'] },
    ],
    build: buildBlaming,
    infer: ([x], attrs) => {
      if (x.shape === null) return { dtype: x.dtype, shape: null };
      const axis = axisArg(attrs.axis as number, [...x.shape, 1], 'axis');
      const shape = x.shape.slice();
      shape.splice(axis, 0, 1);
      return { dtype: x.dtype, shape };
    },
    kernel: ([x]) => x.data,
    grad: (b, node, dy) => [b.reshapeLike(dy, node.inputs[0])],
    dependence: indexMap(reshapeFlow),
  },
  {
    name: 'stack',
    aliases: ['pack'],
    doc: 'Stacks tensors of one shape along a new axis.',
    params: [
      { name: 'values', kind: 'tensors', group: 'T' },
      { name: 'axis', kind: 'axis', default: 0 },
    ],
    build: buildListOp,
    infer: (inputs, attrs) => {
      if (inputs.length === 0) throw new ArgError('needs at least one tensor', 'values');
      let shape: Shape = inputs[0].shape;
      inputs.forEach((t, i) => {
        if (t.dtype !== inputs[0].dtype)
          throw new OpError(`element ${i} is ${t.dtype} but element 0 is ${inputs[0].dtype}`, i, 'dtype-mismatch');
        if (shape === null || t.shape === null) return;
        if (t.shape.length !== shape.length || t.shape.some((d, k) => d !== null && shape![k] !== null && d !== shape![k])) {
          throw new OpError(`element ${i} has shape ${showShape(t.shape)} but element 0 has ${showShape(inputs[0].shape)}`, i);
        }
        shape = shape.map((d, k) => d ?? t.shape![k]);
      });
      if (shape === null) return { dtype: inputs[0].dtype, shape: null };
      const axis = axisArg(attrs.axis as number, [...shape, 1], 'axis');
      const out = shape.slice();
      out.splice(axis, 0, inputs.length);
      return { dtype: inputs[0].dtype, shape: out };
    },
    kernel: (inputs, attrs, out, ctx) => {
      const axis = normalizeAxis(attrs.axis as number, inputs[0].shape.length + 1, 0);
      const inner = sizeOf(inputs[0].shape.slice(axis));
      const outer = sizeOf(inputs[0].shape.slice(0, axis));
      for (const t of inputs)
        if (t.data.length !== inner * outer)
          throw new OpError(`stacked tensors have different shapes (${showShape(t.shape)} vs ${showShape(inputs[0].shape)})`);
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
    dependence: indexMap((ctx) => joinFlow(ctx, 'stack'), { joins: true }),
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
      if (size !== null && (index < 0 || index >= size))
        throw new OpError(`index ${index} is out of range for axis ${axis} of size ${size}`);
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
    dependence: indexMap(({ attrs, inputs: [x], output }) => {
      const ax = x && axisIn(attrs.axis, x.length);
      if (ax === null || ax === undefined) return null;
      return { from: output.map((_, o) => [{ slot: 0, axis: o < ax ? o : o + 1 }]) };
    }),
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
    dependence: scatter({ forward: (attrs) => ({ op: 'unstack_part', attrs, inputs: [-1] }), value: 0, carries: firstOnly }),
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
      const axisValue = args.int('axis');
      if (x.type.shape === null) throw new BuildError('unstack needs a tensor of known rank', args.span('value'), 'unknown-shape');
      let axis: number;
      try {
        axis = normalizeAxis(axisValue, x.type.shape.length, 0);
      } catch (e) {
        throw new BuildError((e as Error).message, args.span('axis'), 'bad-axis');
      }
      const n = args.optionalInt('num') ?? x.type.shape[axis];
      if (n !== null && (n < 0 || n > MAX_SPLIT_PARTS))
        throw new BuildError(
          `unstack would make ${n} parts; at most ${MAX_SPLIT_PARTS} are supported`,
          args.span(args.has('num') ? 'num' : 'value'),
          'bad-argument',
        );
      if (n === null)
        throw new BuildError(`unstack needs the size of axis ${axis} (it is unknown, ?); pass num=`, args.span('value'), 'unknown-shape');
      return {
        kind: 'list',
        items: Array.from({ length: n }, (_, index) =>
          tensorValue(b.apply('unstack_part', [x], { axis, index }, args.callSpan, [args.span('value')])),
        ),
      };
    },
  },
]);

defineOps([
  {
    name: 'squeeze',
    doc: 'Removes size-1 axes: all of them, or those listed in `axis` (which must have size 1).',
    params: [
      { name: 'input', kind: 'tensor', aliases: ['x'] },
      { name: 'axis', kind: 'axes', default: null, aliases: ['squeeze_dims'] },
    ],
    build: buildBlaming,
    infer: ([x], attrs) => {
      if (x.shape === null) return { dtype: x.dtype, shape: null };
      const shape = x.shape;
      const axes = (attrs.axis as number[] | null) ?? null;
      if (axes === null) {
        // As TensorFlow: an unknown size might be 1, so the result's rank is unknown.
        if (shape.some((d) => d === null)) return { dtype: x.dtype, shape: null };
        return { dtype: x.dtype, shape: shape.filter((d) => d !== 1) };
      }
      const drop = new Set(axes.map((a) => axisArg(a, shape, 'axis')));
      for (const a of drop) {
        const d = shape[a];
        if (d !== null && d !== 1) {
          throw new ArgError(
            `cannot squeeze axis ${a} of size ${d} (input shape ${showShape(shape)}): only size-1 axes can be squeezed`,
            'axis',
          );
        }
      }
      return { dtype: x.dtype, shape: shape.filter((_, k) => !drop.has(k)) };
    },
    kernel: ([x]) => x.data,
    grad: (b, node, dy) => [b.reshapeLike(dy, node.inputs[0])],
    dependence: indexMap(reshapeFlow),
  },
  {
    name: 'concat',
    aliases: ['concatenate'],
    doc: 'Joins tensors along an existing axis; the other sizes must agree.',
    params: [
      { name: 'values', kind: 'tensors', group: 'T' },
      { name: 'axis', kind: 'axis' },
    ],
    build: buildListOp,
    infer: (inputs, attrs) => {
      if (inputs.length === 0) throw new ArgError('needs at least one tensor', 'values');
      const dtype = inputs[0].dtype;
      inputs.forEach((t, i) => {
        if (t.dtype !== dtype) throw new OpError(`element ${i} is ${t.dtype} but element 0 is ${dtype}`, i, 'dtype-mismatch');
      });
      const firstKnown = inputs.findIndex((t) => t.shape !== null);
      if (firstKnown < 0) return { dtype, shape: null };
      const ref = inputs[firstKnown].shape!;
      const rank = ref.length;
      if (rank === 0) throw new OpError('cannot concatenate scalars (use stack)', firstKnown);
      const axis = axisArg(attrs.axis as number, ref, 'axis');
      const out: Dim[] = ref.slice();
      // Which element each known size came from, to name both sides of a conflict.
      const from: number[] = ref.map(() => firstKnown);
      let axisSize: Dim = 0;
      inputs.forEach((t, i) => {
        if (t.shape === null) {
          axisSize = null;
          return;
        }
        if (t.shape.length !== rank) {
          throw new OpError(
            `element ${i} has shape ${showShape(t.shape)} but element ${firstKnown} has shape ${showShape(ref)}: ranks differ (${t.shape.length} vs ${rank})`,
            i,
          );
        }
        t.shape.forEach((d, k) => {
          if (k === axis) return;
          if (dimsConflict(d, out[k])) {
            throw new OpError(
              `element ${i} has shape ${showShape(t.shape)} but element ${from[k]} has shape ${showShape(inputs[from[k]].shape)}: sizes must agree on every axis but the concat axis ${axis} (axis ${k}: ${d} vs ${out[k]})`,
              i,
            );
          }
          if (out[k] === null && d !== null) from[k] = i;
          out[k] = mergeDim(out[k], d);
        });
        const d = t.shape[axis];
        axisSize = axisSize === null || d === null ? null : axisSize + d;
      });
      out[axis] = axisSize;
      return { dtype, shape: out };
    },
    kernel: (inputs, attrs, out, ctx) => {
      const axis = normalizeAxis(attrs.axis as number, out.shape.length, 0);
      const inner = sizeOf(out.shape.slice(axis + 1));
      const outer = sizeOf(out.shape.slice(0, axis));
      const data = ctx.alloc(out.dtype, sizeOf(out.shape));
      let dst = 0;
      for (let o = 0; o < outer; o++) {
        for (const t of inputs) {
          const chunk = t.shape[axis] * inner;
          data.set(t.data.subarray(o * chunk, (o + 1) * chunk) as never, dst);
          dst += chunk;
        }
      }
      return data;
    },
    // TensorFlow's _ConcatGrad: each input gets its slice of dy, at offsets read from the
    // inputs' runtime shapes.
    grad: (b, node, dy) => node.inputs.map((_, index) => b.op('concat_part', [dy, ...node.inputs], { axis: node.attrs.axis, index })),
    dependence: indexMap((ctx) => joinFlow(ctx, 'concat'), { joins: true }),
  },
  {
    name: 'concat_part',
    internal: true,
    doc: "The slice of a concat result `dy` that came from input `index` (offsets from the inputs' runtime shapes).",
    params: [],
    infer: ([dy, ...parts], attrs) => {
      const part = parts[attrs.index as number];
      if (part.shape === null || dy.shape === null) return { dtype: dy.dtype, shape: part.shape };
      const axis = normalizeAxis(attrs.axis as number, dy.shape.length, 0);
      return { dtype: dy.dtype, shape: part.shape.map((d, k) => (k === axis ? d : mergeDim(d, dy.shape![k]))) };
    },
    kernel: ([dy, ...parts], attrs, out, ctx) => {
      const axis = normalizeAxis(attrs.axis as number, dy.shape.length, 0);
      const index = attrs.index as number;
      let begin = 0;
      for (let i = 0; i < index; i++) begin += parts[i].shape[axis];
      return sliceAxis(dy.data, dy.shape, axis, begin, parts[index].shape[axis], ctx.alloc(out.dtype, sizeOf(out.shape)));
    },
    // Its adjoint puts the slice back between zeros: a concat.
    grad: (b, node, ddy) => {
      const parts = node.inputs.slice(1);
      const index = node.attrs.index as number;
      const pieces = parts.map((p, j) => (j === index ? ddy : b.zerosLike(p)));
      return [b.op('concat', pieces, { axis: node.attrs.axis }), ...parts.map(() => null)];
    },
    dependence: indexMap(({ output }) => positionalFlow(output.length), { carries: firstOnly }),
  },
  {
    name: 'split',
    doc: 'Splits a tensor along `axis` into `num_or_size_splits` equal parts, or parts of the given sizes (one may be -1).',
    params: [
      { name: 'value', kind: 'tensor', aliases: ['x', 'input'] },
      { name: 'num_or_size_splits', kind: 'value', aliases: ['num_or_sizes', 'num_split', 'size_splits'] },
      { name: 'axis', kind: 'axis', default: 0 },
      { name: 'num', kind: 'int', default: null },
    ],
    build: (b, args): Value => {
      const x = args.tensor('value');
      const splitsNode = b.toTensor(args.value('num_or_size_splits'), args.span('num_or_size_splits'));
      const isNum = splitsNode.type.shape !== null && splitsNode.type.shape.length === 0;
      const num = isNum ? args.int('num_or_size_splits') : null;
      const sizes = isNum ? null : args.ints('num_or_size_splits');
      const blame = (m: string) => new BuildError(`split: ${m}`, args.span('num_or_size_splits'), 'shape-mismatch');
      if (num !== null && num <= 0) throw blame(`the number of parts must be positive, got ${num}`);
      if (sizes !== null) {
        if (sizes.length === 0) throw blame('the list of sizes is empty');
        if (sizes.filter((v) => v === -1).length > 1)
          throw blame(`sizes ${showShape(sizes.map((v) => (v === -1 ? null : v)))} may hold at most one -1`);
        if (sizes.some((v) => v < -1)) throw blame(`sizes must be non-negative (or one -1), got [${sizes.join(', ')}]`);
      }
      const count = num ?? sizes!.length;
      // Each part is a node: bound the count before making them.
      if (count > MAX_SPLIT_PARTS) throw blame(`split would make ${count} parts; at most ${MAX_SPLIT_PARTS} are supported`);
      const givenNum = args.optionalInt('num');
      if (givenNum !== null && givenNum !== count)
        throw new BuildError(`split: num=${givenNum} but the split makes ${count} parts`, args.span('num'), 'bad-argument');
      let axis = args.int('axis');
      const shape = x.type.shape;
      if (shape !== null) {
        try {
          axis = normalizeAxis(axis, shape.length, 0);
        } catch (e) {
          throw new BuildError(`split: ${(e as Error).message} (shape ${showShape(shape)})`, args.span('axis'), 'bad-axis');
        }
        splitSizes(shape[axis], { num, sizes }, shape, blame);
      }
      const spans = [args.span('value')];
      // When the axis size is unknown statically, one `split` node checks the sizes at
      // evaluation and passes x through, so a bad split is reported once, not per part.
      const checked =
        shape !== null && shape[axis] !== null
          ? x
          : b.apply('split', [x], { axis, num, sizes, index: 0 } satisfies SplitAttrs, args.callSpan, spans);
      return {
        kind: 'list',
        items: Array.from({ length: count }, (_, index) =>
          tensorValue(b.apply('split_part', [checked], { axis, num, sizes, index } satisfies SplitAttrs, args.callSpan, spans)),
        ),
      };
    },
    infer: ([x], attrs) => {
      if (x.shape !== null) {
        const a = attrs as unknown as SplitAttrs;
        splitSizes(x.shape[normalizeAxis(a.axis, x.shape.length, 0)], a, x.shape, (m) => new OpError(m, 0));
      }
      return x;
    },
    kernel: ([x]) => x.data,
    grad: (_b, _node, dy) => [dy],
    dependence: indexMap(({ output }) => positionalFlow(output.length)),
  },
  {
    name: 'split_part',
    internal: true,
    doc: 'Part `index` of a split of `x` along `axis`.',
    params: [],
    infer: ([x], attrs) => {
      if (x.shape === null) return { dtype: x.dtype, shape: null };
      const a = attrs as unknown as SplitAttrs;
      const axis = normalizeAxis(a.axis, x.shape.length, 0);
      const sizes = splitSizes(x.shape[axis], a, x.shape, (m) => new OpError(m, 0));
      return { dtype: x.dtype, shape: x.shape.map((d, k) => (k === axis ? sizes[a.index] : d)) };
    },
    kernel: ([x], attrs, out, ctx) => {
      const { axis, begin, len } = splitBounds(x.shape, attrs as unknown as SplitAttrs);
      return sliceAxis(x.data, x.shape, axis, begin, len, ctx.alloc(out.dtype, sizeOf(out.shape)));
    },
    // TensorFlow's _SplitGrad concatenates the parts' gradients; per part, that is the
    // part's gradient placed at its offset among zeros.
    grad: (b, node, dy) => [b.op('split_place', [dy, node.inputs[0]], node.attrs)],
    dependence: indexMap(({ output }) => positionalFlow(output.length)),
  },
  {
    name: 'split_place',
    internal: true,
    doc: 'Zeros shaped like `like`, with `x` at the place of split part `index`.',
    params: [],
    infer: ([x, like]) => ({ dtype: x.dtype, shape: like.shape }),
    kernel: ([x, like], attrs, out, ctx) => {
      const { axis, begin, len } = splitBounds(like.shape, attrs as unknown as SplitAttrs);
      if (x.data.length !== sizeOf(like.shape.map((d, k) => (k === axis ? len : d))))
        throw new OpError(`gradient of shape ${showShape(x.shape)} does not fit split part ${attrs.index} of ${showShape(like.shape)}`);
      return placeAxis(x.data, like.shape, axis, begin, len, ctx.alloc(out.dtype, sizeOf(out.shape)));
    },
    grad: (b, node, dy) => [b.op('split_part', [dy], node.attrs), null],
    dependence: scatter({ forward: (attrs) => ({ op: 'split_part', attrs, inputs: [-1] }), value: 0, carries: firstOnly }),
  },
  {
    name: 'tile',
    doc: 'Repeats the tensor `multiples[k]` times along each axis k.',
    params: [
      { name: 'input', kind: 'tensor', aliases: ['x'] },
      { name: 'multiples', kind: 'ints' },
    ],
    build: buildBlaming,
    infer: ([x], attrs) => {
      const multiples = attrs.multiples as number[];
      multiples.forEach((m) => {
        if (m < 0) throw new ArgError(`multiples must be non-negative, got ${showShape(multiples)}`, 'multiples');
      });
      if (x.shape === null) return { dtype: x.dtype, shape: multiples.map((m) => (m === 0 ? 0 : null)) };
      if (multiples.length !== x.shape.length) {
        throw new ArgError(
          `multiples ${showShape(multiples)} has ${multiples.length} entr${multiples.length === 1 ? 'y' : 'ies'} but the input has rank ${x.shape.length} (shape ${showShape(x.shape)}); give one per axis`,
          'multiples',
        );
      }
      return { dtype: x.dtype, shape: x.shape.map((d, k) => (multiples[k] === 0 ? 0 : d === null ? null : d * multiples[k])) };
    },
    kernel: ([x], _attrs, out, ctx) => {
      const strides = stridesOf(x.shape);
      const maps = out.shape.map((n, k) => {
        const map = new Int32Array(n);
        const d = x.shape[k];
        for (let i = 0; i < n; i++) map[i] = i % d;
        return { map, stride: strides[k] };
      });
      return gatherOffsets(x.data, sourceOffsets(out.shape, maps), ctx.alloc(out.dtype, sizeOf(out.shape)));
    },
    // TensorFlow's _TileGrad sums dy over the tiles (reshape to [m0, d0, m1, d1, ...] and
    // reduce the m axes); here one op reads x's runtime shape and sums directly.
    grad: (b, node, dy) => [b.op('tile_grad', [dy, node.inputs[0]], { multiples: node.attrs.multiples })],
    dependence: indexMap(({ attrs, output }) => {
      const multiples = (attrs.multiples as number[] | undefined) ?? [];
      const creates: (Creation | null)[] = output.map((_, o) => (multiples[o] > 1 ? { origin: 'tile', size: multiples[o] } : null));
      return { ...positionalFlow(output.length), creates };
    }),
  },
  {
    name: 'tile_grad',
    internal: true,
    doc: 'Sums a tiled gradient `dy` over its tiles, back to the shape of `like`.',
    params: [],
    infer: ([dy, like]) => ({ dtype: dy.dtype, shape: like.shape }),
    kernel: ([dy, like], attrs, out, ctx) => {
      const multiples = attrs.multiples as number[];
      const expected = like.shape.map((d, k) => d * multiples[k]);
      if (expected.length !== dy.shape.length || expected.some((d, k) => d !== dy.shape[k])) {
        throw new OpError(`gradient of shape ${showShape(dy.shape)} does not match the tiled shape ${showShape(expected)}`);
      }
      // Nothing to sum from an empty dy (tiled 0 times somewhere): zeros, without per-axis
      // tables as long as dy's other axes (2^32 entries for tile(x, [0, 2^31])).
      if (dy.data.length === 0) return ctx.alloc(out.dtype, sizeOf(out.shape));
      const strides = stridesOf(like.shape);
      const maps = dy.shape.map((n, k) => {
        const map = new Int32Array(n);
        const d = like.shape[k];
        for (let i = 0; i < n; i++) map[i] = i % d;
        return { map, stride: strides[k] };
      });
      return scatterAddOffsets(dy.data, sourceOffsets(dy.shape, maps), ctx.alloc(out.dtype, sizeOf(out.shape)));
    },
    grad: (b, node, ddy) => [b.op('tile', [ddy], { multiples: node.attrs.multiples }), null],
    dependence: scatter({
      forward: (attrs) => ({ op: 'tile', attrs: { multiples: attrs.multiples }, inputs: [-1] }),
      value: 0,
      carries: firstOnly,
    }),
  },
  {
    name: 'broadcast_to',
    doc: 'Broadcasts the tensor to `shape` (NumPy rules: sizes 1 stretch, leading axes are added).',
    params: [
      { name: 'input', kind: 'tensor', aliases: ['x'] },
      { name: 'shape', kind: 'shape' },
    ],
    build: buildBlaming,
    infer: ([x], attrs) => {
      const target = attrs.shape as (number | null)[] | null;
      if (target === null || target.some((d) => d === null || d < 0)) {
        throw new ArgError(
          `the target shape must be fully known, got ${target === null ? 'None' : showShape(target.map((d) => (d === -1 ? null : d)))}`,
          'shape',
          'bad-shape',
        );
      }
      if (x.shape === null) return { dtype: x.dtype, shape: target };
      const lead = target.length - x.shape.length;
      if (lead < 0)
        throw new OpError(
          `cannot broadcast shape ${showShape(x.shape)} to ${showShape(target)}: the input has more axes than the target`,
          0,
        );
      x.shape.forEach((d, k) => {
        const t = target[lead + k];
        if (d !== null && d !== 1 && d !== t) {
          throw new OpError(`cannot broadcast shape ${showShape(x.shape)} to ${showShape(target)} (axis ${lead + k}: ${d} vs ${t})`, 0);
        }
      });
      return { dtype: x.dtype, shape: target };
    },
    kernel: ([x], _attrs, out, ctx) => broadcastData(x, out.shape, ctx.alloc(out.dtype, sizeOf(out.shape))),
    grad: (b, node, dy) => [b.sumToLike(dy, node.inputs[0])],
    dependence: elementwise(),
  },
  {
    name: 'pad',
    doc: "Pads with `constant_values` (mode 'CONSTANT') or mirrors the edges ('REFLECT', 'SYMMETRIC'); paddings is [[before, after], ...].",
    params: [
      { name: 'tensor', kind: 'tensor', aliases: ['x', 'input'] },
      { name: 'paddings', kind: 'value' },
      { name: 'mode', kind: 'string', default: 'CONSTANT' },
      { name: 'constant_values', kind: 'float', default: 0 },
    ],
    tf1Positional: ['tensor', 'paddings', 'mode', 'name', 'constant_values'],
    build: (b, args) => {
      const x = args.tensor('tensor');
      const span = args.span('paddings');
      const node = b.toTensor(args.value('paddings'), span, 'int32');
      if (!node.constant)
        throw new BuildError('`paddings` must be known without feeds (it depends on a placeholder)', span, 'not-constant');
      const t = b.oracle.constantValue(node);
      if (!t) throw new BuildError('`paddings` could not be evaluated', span, 'not-constant');
      if (!isInteger(t.dtype) || t.shape.length !== 2 || t.shape[1] !== 2) {
        throw new BuildError(
          `pad: paddings must be an integer list of [before, after] pairs (shape [rank, 2]), got ${t.dtype} of shape ${showShape(t.shape)}`,
          span,
          'bad-argument',
        );
      }
      const paddings = Array.from({ length: t.shape[0] }, (_, k) => [t.data[2 * k], t.data[2 * k + 1]]);
      const mode = args.string('mode').toUpperCase();
      if (mode !== 'CONSTANT' && mode !== 'REFLECT' && mode !== 'SYMMETRIC') {
        throw new BuildError(
          `pad: mode must be 'CONSTANT', 'REFLECT' or 'SYMMETRIC', got '${args.string('mode')}'`,
          args.span('mode'),
          'bad-argument',
        );
      }
      const constant = args.float('constant_values');
      if (isInteger(x.type.dtype) && !Number.isInteger(constant)) {
        throw new BuildError(
          `pad: constant_values ${constant} cannot be converted to ${x.type.dtype}`,
          args.span('constant_values'),
          'dtype-mismatch',
        );
      }
      return tensorValue(applyBlaming(b, args, 'pad', [x], { paddings, mode, constant_values: constant }, [args.span('tensor')]));
    },
    infer: ([x], attrs) => {
      const paddings = attrs.paddings as number[][];
      const mode = attrs.mode as PadMode;
      checkPaddings(x, paddings, mode);
      if (x.shape === null) return { dtype: x.dtype, shape: paddings.map(() => null) };
      return { dtype: x.dtype, shape: x.shape.map((d, k) => (d === null ? null : d + paddings[k][0] + paddings[k][1])) };
    },
    kernel: ([x], attrs, out, ctx) => {
      const paddings = attrs.paddings as number[][];
      const strides = stridesOf(x.shape);
      const maps = x.shape.map((d, k) => padMap(d, paddings[k][0], paddings[k][1], attrs.mode as PadMode, strides[k]));
      return gatherOffsets(
        x.data,
        sourceOffsets(out.shape, maps),
        ctx.alloc(out.dtype, sizeOf(out.shape)),
        attrs.constant_values as number,
      );
    },
    // TensorFlow: CONSTANT mode's gradient slices dy; MirrorPadGrad also folds the mirrored
    // border back onto the entries it copied. Both are the adjoint of the same gather.
    grad: (b, node, dy) => [b.op('pad_grad', [dy], { paddings: node.attrs.paddings, mode: node.attrs.mode })],
    dependence: indexMap(({ output }) => positionalFlow(output.length)),
  },
  {
    name: 'pad_grad',
    internal: true,
    doc: 'The adjoint of pad: the interior of `dy`, plus the mirrored borders for REFLECT/SYMMETRIC.',
    params: [],
    infer: ([dy], attrs) => {
      const paddings = attrs.paddings as number[][];
      if (dy.shape === null) return { dtype: dy.dtype, shape: paddings.map(() => null) };
      if (dy.shape.length !== paddings.length)
        throw new OpError(`gradient of shape ${showShape(dy.shape)} does not match ${paddings.length} paddings`);
      return {
        dtype: dy.dtype,
        shape: dy.shape.map((d, k) => {
          const inner = d === null ? null : d - paddings[k][0] - paddings[k][1];
          if (inner !== null && inner < 0) throw new OpError(`gradient of shape ${showShape(dy.shape)} is smaller than the paddings`);
          return inner;
        }),
      };
    },
    kernel: ([dy], attrs, out, ctx) => {
      const paddings = attrs.paddings as number[][];
      const strides = stridesOf(out.shape);
      const maps = out.shape.map((d, k) => padMap(d, paddings[k][0], paddings[k][1], attrs.mode as PadMode, strides[k]));
      return scatterAddOffsets(dy.data, sourceOffsets(dy.shape, maps), ctx.alloc(out.dtype, sizeOf(out.shape)));
    },
    grad: (b, node, ddy) => [b.op('pad', [ddy], { paddings: node.attrs.paddings, mode: node.attrs.mode, constant_values: 0 })],
    dependence: scatter({
      forward: (attrs) => ({ op: 'pad', attrs: { paddings: attrs.paddings, mode: attrs.mode, constant_values: 0 }, inputs: [-1] }),
      value: 0,
    }),
  },
  {
    name: 'reverse',
    aliases: ['reverse_v2'],
    doc: 'Reverses the order of entries along each axis in the list `axis`.',
    params: [
      { name: 'tensor', kind: 'tensor', aliases: ['x'] },
      { name: 'axis', kind: 'ints', aliases: ['dims'] },
    ],
    build: buildBlaming,
    infer: ([x], attrs) => {
      if (x.shape === null) return { dtype: x.dtype, shape: null };
      const seen = new Set<number>();
      for (const a of attrs.axis as number[]) {
        const k = axisArg(a, x.shape, 'axis');
        if (seen.has(k)) throw new ArgError(`axis ${k} is listed more than once`, 'axis', 'bad-axis');
        seen.add(k);
      }
      return x;
    },
    kernel: ([x], attrs, out, ctx) => {
      const reversed = new Set((attrs.axis as number[]).map((a) => normalizeAxis(a, x.shape.length)));
      const strides = stridesOf(x.shape);
      const maps = x.shape.map((d, k) => (reversed.has(k) ? rangeMap(d, d - 1, -1, strides[k]) : rangeMap(d, 0, 1, strides[k])));
      return gatherOffsets(x.data, sourceOffsets(x.shape, maps), ctx.alloc(out.dtype, x.data.length));
    },
    grad: (b, node, dy) => [b.op('reverse', [dy], { axis: node.attrs.axis })],
    dependence: indexMap(({ output }) => positionalFlow(output.length)),
  },
  shapeQuery({
    name: 'shape',
    doc: "The input's shape as an int32 (or `out_type` int64) vector, known without feeds when the static shape is fully known.",
    outType: true,
    known: (s) => (isFullyKnown(s) ? [...s] : null),
    outShape: (s) => [s === null ? null : s.length],
    value: (s) => [...s],
  }),
  shapeQuery({
    name: 'size',
    doc: 'The number of elements of the input, an int32 (or `out_type` int64) scalar.',
    outType: true,
    known: (s) => (isFullyKnown(s) ? [...s] : null),
    outShape: () => [],
    value: (s) => [sizeOf(s)],
  }),
  shapeQuery({
    name: 'rank',
    doc: 'The number of axes of the input, an int32 scalar.',
    // The rank is known whenever the static rank is, even with unknown sizes.
    known: (s) => (s === null ? null : s.map((d) => d ?? 0)),
    outShape: () => [],
    value: (s) => [s.length],
  }),
]);

/** shape/size/rank: a regular node reading its input's runtime shape, or, when the static
 *  shape already determines the answer, a node without inputs holding that shape, so the
 *  value is known without feeds (`reshape(y, shape(x))` works with an unfed x). */
function shapeQuery(spec: {
  name: string;
  doc: string;
  /** Takes TensorFlow's `out_type` (int32 or int64); rank is always int32. */
  outType?: boolean;
  known: (s: Shape) => number[] | null;
  outShape: (s: Shape) => Dim[];
  value: (s: readonly number[]) => number[];
}): OpDef {
  return {
    name: spec.name,
    doc: spec.doc,
    params: [
      { name: 'input', kind: 'tensor', aliases: ['x', 'tensor'] },
      ...(spec.outType ? [{ name: 'out_type', kind: 'dtype' as const, default: 'int32' }] : []),
    ],
    // TensorFlow 1: shape(input, name=None, out_type=tf.int32).
    tf1Positional: spec.outType ? ['input', 'name', 'out_type'] : undefined,
    build: (b, args) => {
      const x = args.tensor('input');
      const outType = spec.outType ? args.dtype('out_type') : 'int32';
      if (!isInteger(outType))
        throw new BuildError(`${spec.name}: out_type must be int32 or int64, got ${outType}`, args.span('out_type'), 'bad-argument');
      const known = spec.known(x.type.shape);
      if (known !== null) return tensorValue(b.apply(spec.name, [], { known, out_type: outType }, args.callSpan));
      return tensorValue(b.apply(spec.name, [x], { out_type: outType }, args.callSpan, [args.span('input')]));
    },
    infer: (inputs, attrs) => ({
      dtype: attrs.out_type as DType,
      shape: spec.outShape(inputs.length ? inputs[0].shape : (attrs.known as number[])),
    }),
    kernel: (inputs, attrs, out, ctx) => {
      const values = spec.value(inputs.length ? inputs[0].shape : (attrs.known as number[]));
      // As TensorFlow: an int32 answer that does not fit is an error, never a wrapped number.
      const big = values.find((v) => v > 0x7fffffff);
      if (big !== undefined)
        throw new OpError(`${spec.name} is ${big}, which does not fit in int32 (tgraph has no int64)`, 0, 'int32-overflow');
      const data = ctx.alloc(out.dtype, values.length);
      data.set(values);
      return data;
    },
  };
}

export { ArgError };
