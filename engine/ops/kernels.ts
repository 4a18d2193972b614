// Loops shared by kernels: elementwise maps, broadcasting, reductions over axes and strided
// index walks. Kernels stay small by delegating here; hot paths avoid per-element
// allocation.

import { type Tensor, type TypedData, stridesOf } from '../tensor';
import type { ConcreteType, KernelContext } from './registry';

export type Unary = (x: number) => number;
export type Binary = (a: number, b: number) => number;

export function mapUnary(x: Tensor, out: ConcreteType, ctx: KernelContext, f: Unary): TypedData {
  const n = x.data.length;
  const data = ctx.alloc(out.dtype, n);
  const src = x.data;
  for (let i = 0; i < n; i++) data[i] = f(src[i]);
  return data;
}

/** Strides of `shape` seen from a broadcast `outShape` (0 along broadcast axes). */
export function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const strides = stridesOf(shape);
  const lead = outShape.length - shape.length;
  const result = new Array<number>(outShape.length).fill(0);
  for (let i = 0; i < shape.length; i++) result[lead + i] = shape[i] === 1 ? 0 : strides[i];
  return result;
}

/** Calls `visit(outIndex, offsetA, offsetB)` for every element of the broadcast result. */
function walkBroadcast2(
  outShape: readonly number[],
  sa: readonly number[],
  sb: readonly number[],
  visit: (o: number, ia: number, ib: number) => void,
): void {
  const rank = outShape.length;
  let total = 1;
  for (const d of outShape) total *= d;
  if (total === 0) return;
  if (rank === 0) {
    visit(0, 0, 0);
    return;
  }
  const last = rank - 1;
  const n = outShape[last];
  const la = sa[last];
  const lb = sb[last];
  const idx = new Array<number>(rank).fill(0);
  let ia = 0;
  let ib = 0;
  for (let o = 0; o < total; o += n) {
    for (let j = 0; j < n; j++) visit(o + j, ia + j * la, ib + j * lb);
    // advance the outer index (all but the last axis)
    for (let ax = last - 1; ax >= 0; ax--) {
      idx[ax]++;
      ia += sa[ax];
      ib += sb[ax];
      if (idx[ax] < outShape[ax]) break;
      ia -= sa[ax] * outShape[ax];
      ib -= sb[ax] * outShape[ax];
      idx[ax] = 0;
    }
  }
}

export function mapBinary(a: Tensor, b: Tensor, out: ConcreteType, ctx: KernelContext, f: Binary): TypedData {
  const size = out.shape.reduce((p, d) => p * d, 1);
  const data = ctx.alloc(out.dtype, size);
  const A = a.data;
  const B = b.data;
  if (A.length === size && B.length === size) {
    for (let i = 0; i < size; i++) data[i] = f(A[i], B[i]);
    return data;
  }
  if (B.length === 1 && A.length === size) {
    const bv = B[0];
    for (let i = 0; i < size; i++) data[i] = f(A[i], bv);
    return data;
  }
  if (A.length === 1 && B.length === size) {
    const av = A[0];
    for (let i = 0; i < size; i++) data[i] = f(av, B[i]);
    return data;
  }
  const sa = broadcastStrides(a.shape, out.shape);
  const sb = broadcastStrides(b.shape, out.shape);
  walkBroadcast2(out.shape, sa, sb, (o, ia, ib) => {
    data[o] = f(A[ia], B[ib]);
  });
  return data;
}

export function mapTernary(
  a: Tensor,
  b: Tensor,
  c: Tensor,
  out: ConcreteType,
  ctx: KernelContext,
  f: (a: number, b: number, c: number) => number,
): TypedData {
  const size = out.shape.reduce((p, d) => p * d, 1);
  const data = ctx.alloc(out.dtype, size);
  const sa = broadcastStrides(a.shape, out.shape);
  const sb = broadcastStrides(b.shape, out.shape);
  const sc = broadcastStrides(c.shape, out.shape);
  const rank = out.shape.length;
  const idx = new Array<number>(rank).fill(0);
  for (let o = 0; o < size; o++) {
    let ia = 0;
    let ib = 0;
    let ic = 0;
    for (let k = 0; k < rank; k++) {
      ia += idx[k] * sa[k];
      ib += idx[k] * sb[k];
      ic += idx[k] * sc[k];
    }
    data[o] = f(a.data[ia], b.data[ib], c.data[ic]);
    for (let k = rank - 1; k >= 0; k--) {
      if (++idx[k] < out.shape[k]) break;
      idx[k] = 0;
    }
  }
  return data;
}

/** Copies `src` broadcast to `outShape`. */
export function broadcastData(src: Tensor, outShape: readonly number[], data: TypedData): TypedData {
  const size = data.length;
  if (src.data.length === size) {
    data.set(src.data as never);
    return data;
  }
  const zero = new Array<number>(outShape.length).fill(0);
  const ss = broadcastStrides(src.shape, outShape);
  const S = src.data;
  walkBroadcast2(outShape, ss, zero, (o, i) => {
    data[o] = S[i];
  });
  return data;
}

/** Normalised, sorted, de-duplicated axes; `null` means all. */
export function resolveAxes(axes: readonly number[] | null, rank: number): number[] {
  if (axes === null) return Array.from({ length: rank }, (_, i) => i);
  const set = new Set(axes.map((a) => (a < 0 ? a + rank : a)));
  return [...set].sort((a, b) => a - b);
}

/**
 * Folds `x` over `axes` into `outSize` accumulators: `combine(acc, value)` starting from
 * `init`, then `finish(acc, count)`. The output is laid out row-major over the kept axes.
 */
export function reduceAxes(
  x: Tensor,
  axes: readonly number[],
  data: TypedData,
  init: number,
  combine: Binary,
  finish?: (acc: number, count: number) => number,
): TypedData {
  const shape = x.shape;
  const rank = shape.length;
  const reduced = new Set(axes);
  // output strides for kept axes, 0 for reduced ones
  const outStrides = new Array<number>(rank).fill(0);
  let s = 1;
  for (let i = rank - 1; i >= 0; i--) {
    if (!reduced.has(i)) {
      outStrides[i] = s;
      s *= shape[i];
    }
  }
  const outSize = data.length;
  const acc = new Float64Array(outSize).fill(init);
  let count = 1;
  for (const a of axes) count *= shape[a];
  const src = x.data;
  const n = src.length;
  if (rank === 0 || n === 0) {
    for (let i = 0; i < outSize; i++) data[i] = finish ? finish(n === 0 ? init : combine(init, src[0]), n === 0 ? 0 : 1) : n === 0 ? init : src[0];
    return data;
  }
  const idx = new Array<number>(rank).fill(0);
  let o = 0;
  for (let i = 0; i < n; i++) {
    acc[o] = combine(acc[o], src[i]);
    for (let k = rank - 1; k >= 0; k--) {
      idx[k]++;
      o += outStrides[k];
      if (idx[k] < shape[k]) break;
      o -= outStrides[k] * shape[k];
      idx[k] = 0;
    }
  }
  for (let i = 0; i < outSize; i++) data[i] = finish ? finish(acc[i], count) : acc[i];
  return data;
}

/** Permutes the axes of `x` (out[i...] = x[perm...]). */
export function transposeData(x: Tensor, perm: readonly number[], data: TypedData): TypedData {
  const rank = perm.length;
  const inStrides = stridesOf(x.shape);
  const outShape = perm.map((p) => x.shape[p]);
  const permStrides = perm.map((p) => inStrides[p]);
  const n = data.length;
  const idx = new Array<number>(rank).fill(0);
  let src = 0;
  const X = x.data;
  for (let o = 0; o < n; o++) {
    data[o] = X[src];
    for (let k = rank - 1; k >= 0; k--) {
      idx[k]++;
      src += permStrides[k];
      if (idx[k] < outShape[k]) break;
      src -= permStrides[k] * outShape[k];
      idx[k] = 0;
    }
  }
  return data;
}

/** A KernelContext that allocates branch codes (for `OpDef.kink`). */
const codeContext: KernelContext = {
  precision: 'float64',
  alloc: (_dtype, size) => new Int32Array(size),
  evaluateWith: () => undefined,
};

/** Kink codes of an elementwise unary op from a per-value code function. */
export function unaryCodes(code: Unary) {
  return (inputs: readonly Tensor[], _attrs: unknown, out: ConcreteType): Int32Array =>
    mapUnary(inputs[0], { dtype: 'int32', shape: out.shape }, codeContext, code) as Int32Array;
}

/** Kink codes of a broadcasting binary op from a per-pair code function. */
export function binaryCodes(code: Binary) {
  return (inputs: readonly Tensor[], _attrs: unknown, out: ConcreteType): Int32Array =>
    mapBinary(inputs[0], inputs[1], { dtype: 'int32', shape: out.shape }, codeContext, code) as Int32Array;
}
