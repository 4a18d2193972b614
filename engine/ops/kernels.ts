// Loops shared by kernels: elementwise maps, broadcasting, reductions over axes and strided
// index walks. Kernels stay small by delegating here; hot paths avoid per-element
// allocation.
//
// Speed: a loop shared by every op that calls `f(x)` per element cannot inline `f` (its
// call site sees every op), which makes it several times slower than a loop written for
// one op. Hot ops therefore pass a `UnaryLoop`/`BinaryLoop` written out for them, which
// must compute exactly what their `f` computes (test/engine/kernels.test.ts holds them to it).

import { type Tensor, type TypedData, stridesOf } from '../tensor';
import type { ConcreteType, KernelContext } from './registry';
import { sumWasm } from '../wasm/reduce';

export type Unary = (x: number) => number;
export type Binary = (a: number, b: number) => number;

/** dst[i] = f(src[i]) for i < n, with f written inline. */
export type UnaryLoop = (src: TypedData, dst: TypedData, n: number) => void;

/** dst[o + j] = f(A[ia + j·sa], B[ib + j·sb]) for j < n, with f written inline. Strides are
 *  1 along a contiguous run and 0 for a broadcast operand. */
export type BinaryLoop = (
  A: TypedData,
  ia: number,
  sa: number,
  B: TypedData,
  ib: number,
  sb: number,
  dst: TypedData,
  o: number,
  n: number,
) => void;

export function mapUnary(x: Tensor, out: ConcreteType, ctx: KernelContext, f: Unary, loop?: UnaryLoop): TypedData {
  const n = x.data.length;
  const data = ctx.alloc(out.dtype, n, true);
  const src = x.data;
  if (loop) {
    loop(src, data, n);
    return data;
  }
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

/** The broadcast of two operands to `outShape` with its axes coalesced where both operands
 *  are contiguous (or both broadcast) across them, innermost first, size-1 axes dropped:
 *  the sizes and each operand's strides along them. */
export function coalesceBroadcast(outShape: readonly number[], aShape: readonly number[], bShape: readonly number[]) {
  const sa0 = broadcastStrides(aShape, outShape);
  const sb0 = broadcastStrides(bShape, outShape);
  const dims: number[] = [];
  const sa: number[] = [];
  const sb: number[] = [];
  for (let k = outShape.length - 1; k >= 0; k--) {
    const d = outShape[k];
    if (d === 1) continue;
    const last = dims.length - 1;
    if (last >= 0 && sa0[k] === sa[last] * dims[last] && sb0[k] === sb[last] * dims[last]) {
      dims[last] *= d;
    } else {
      dims.push(d);
      sa.push(sa0[k]);
      sb.push(sb0[k]);
    }
  }
  return { dims, sa, sb };
}

/** The broadcast of two operands as a walk over rows: the last coalesced axis is the row,
 *  and `row(ia, sa, ib, sb, o, n)` is called once per row. */
function walkRows(
  outShape: readonly number[],
  aShape: readonly number[],
  bShape: readonly number[],
  row: (ia: number, sa: number, ib: number, sb: number, o: number, n: number) => void,
): void {
  const { dims, sa, sb } = coalesceBroadcast(outShape, aShape, bShape);
  let total = 1;
  for (const d of outShape) total *= d;
  if (total === 0) return;
  if (dims.length === 0) {
    row(0, 0, 0, 0, 0, 1);
    return;
  }
  // dims[0] is the innermost (the row); walk the others as an odometer.
  const n = dims[0];
  const outer = dims.length;
  const idx = new Array<number>(outer).fill(0);
  let ia = 0;
  let ib = 0;
  for (let o = 0; o < total; o += n) {
    row(ia, sa[0], ib, sb[0], o, n);
    for (let k = 1; k < outer; k++) {
      idx[k]++;
      ia += sa[k];
      ib += sb[k];
      if (idx[k] < dims[k]) break;
      ia -= sa[k] * dims[k];
      ib -= sb[k] * dims[k];
      idx[k] = 0;
    }
  }
}

export function mapBinary(a: Tensor, b: Tensor, out: ConcreteType, ctx: KernelContext, f: Binary, loop?: BinaryLoop): TypedData {
  const size = out.shape.reduce((p, d) => p * d, 1);
  const data = ctx.alloc(out.dtype, size, true);
  const A = a.data;
  const B = b.data;
  if (loop) {
    if (A.length === size && B.length === size) loop(A, 0, 1, B, 0, 1, data, 0, size);
    else if (B.length === 1 && A.length === size) loop(A, 0, 1, B, 0, 0, data, 0, size);
    else if (A.length === 1 && B.length === size) loop(A, 0, 0, B, 0, 1, data, 0, size);
    else walkRows(out.shape, a.shape, b.shape, (ia, sa, ib, sb, o, n) => loop(A, ia, sa, B, ib, sb, data, o, n));
    return data;
  }
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
  walkRows(out.shape, a.shape, b.shape, (ia, sa, ib, sb, o, n) => {
    for (let j = 0; j < n; j++, ia += sa, ib += sb) data[o + j] = f(A[ia], B[ib]);
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
  const data = ctx.alloc(out.dtype, size, true);
  const A = a.data;
  const B = b.data;
  const C = c.data;
  // Every operand full-size or a single value (the common case): no index arithmetic.
  if ((A.length === size || A.length === 1) && (B.length === size || B.length === 1) && (C.length === size || C.length === 1)) {
    const sa = A.length === 1 ? 0 : 1;
    const sb = B.length === 1 ? 0 : 1;
    const sc = C.length === 1 ? 0 : 1;
    for (let o = 0, ia = 0, ib = 0, ic = 0; o < size; o++, ia += sa, ib += sb, ic += sc) data[o] = f(A[ia], B[ib], C[ic]);
    return data;
  }
  const sa = broadcastStrides(a.shape, out.shape);
  const sb = broadcastStrides(b.shape, out.shape);
  const sc = broadcastStrides(c.shape, out.shape);
  const rank = out.shape.length;
  const idx = new Array<number>(rank).fill(0);
  let ia = 0;
  let ib = 0;
  let ic = 0;
  for (let o = 0; o < size; o++) {
    data[o] = f(A[ia], B[ib], C[ic]);
    for (let k = rank - 1; k >= 0; k--) {
      idx[k]++;
      ia += sa[k];
      ib += sb[k];
      ic += sc[k];
      if (idx[k] < out.shape[k]) break;
      ia -= sa[k] * out.shape[k];
      ib -= sb[k] * out.shape[k];
      ic -= sc[k] * out.shape[k];
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
  const S = src.data;
  if (S.length === 1) {
    data.fill(S[0]);
    return data;
  }
  walkRows(outShape, src.shape, [], (is, ss, _ib, _sb, o, n) => {
    if (ss === 1) data.set(S.subarray(is, is + n) as never, o);
    else if (ss === 0) data.fill(S[is], o, o + n);
    else for (let j = 0; j < n; j++, is += ss) data[o + j] = S[is];
  });
  return data;
}

/** Normalised, sorted, de-duplicated axes; `null` means all. */
export function resolveAxes(axes: readonly number[] | null, rank: number): number[] {
  if (axes === null) return Array.from({ length: rank }, (_, i) => i);
  const set = new Set(axes.map((a) => (a < 0 ? a + rank : a)));
  return [...set].sort((a, b) => a - b);
}

/** The `combine` of sums: reductions that pass this one get the summing loop below. */
export const ADD: Binary = (acc, v) => acc + v;

/**
 * Folds `x` over `axes` into `outSize` accumulators: `combine(acc, value)` starting from
 * `init`, then `finish(acc, count)`. The output is laid out row-major over the kept axes.
 * Every accumulator folds its elements in row-major order of `x`, in float64.
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
    for (let i = 0; i < outSize; i++)
      data[i] = finish ? finish(n === 0 ? init : combine(init, src[0]), n === 0 ? 0 : 1) : n === 0 ? init : src[0];
    return data;
  }
  if (combine === ADD) sumRuns(src, shape, outStrides, reduced, acc);
  else {
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
  }
  if (finish) for (let i = 0; i < outSize; i++) data[i] = finish(acc[i], count);
  else data.set(acc as never);
  return data;
}

/** The axes of a reduction coalesced where adjacent axes are all reduced or all kept and
 *  contiguous in the output, innermost first, size-1 axes dropped: their sizes, output
 *  strides and whether each is reduced. */
function coalesceReduction(shape: readonly number[], outStrides: readonly number[], reduced: ReadonlySet<number>) {
  const dims: number[] = [];
  const outS: number[] = [];
  const isReduced: boolean[] = [];
  for (let k = shape.length - 1; k >= 0; k--) {
    const d = shape[k];
    if (d === 1) continue;
    const r = reduced.has(k);
    const last = dims.length - 1;
    if (last >= 0 && isReduced[last] === r && outStrides[k] === outS[last] * dims[last]) dims[last] *= d;
    else {
      dims.push(d);
      outS.push(outStrides[k]);
      isReduced.push(r);
    }
  }
  return { dims, outS, isReduced };
}

/**
 * acc[out(i)] += src[i] for every i in row-major order, walking runs of adjacent axes that
 * are all reduced or all kept: the innermost run is one tight loop (a running sum, or an
 * elementwise add into a row of accumulators), so each accumulator adds the same values in
 * the same order as an element-by-element walk would.
 */
function sumRuns(
  src: TypedData,
  shape: readonly number[],
  outStrides: readonly number[],
  reduced: ReadonlySet<number>,
  acc: Float64Array,
): void {
  const { dims, outS, isReduced } = coalesceReduction(shape, outStrides, reduced);
  if (sumWasm(src, dims, isReduced, outS, acc)) return;
  const n = src.length;
  if (dims.length === 0) {
    acc[0] += src[0];
    return;
  }
  const inner = dims[0];
  const innerReduced = isReduced[0];
  const idx = new Array<number>(dims.length).fill(0);
  let o = 0;
  for (let i = 0; i < n; i += inner) {
    if (innerReduced) {
      let sum = acc[o];
      for (let j = 0; j < inner; j++) sum += src[i + j];
      acc[o] = sum;
    } else {
      for (let j = 0; j < inner; j++) acc[o + j] += src[i + j];
    }
    for (let k = 1; k < dims.length; k++) {
      idx[k]++;
      o += outS[k];
      if (idx[k] < dims[k]) break;
      o -= outS[k] * dims[k];
      idx[k] = 0;
    }
  }
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

const NO_CHECK = (): void => undefined;

/** The deadline check of a kernel context, as a function a kernel body calls between blocks
 *  of its work (`KernelContext.checkDeadline`; nothing for contexts without one). */
export function deadlineCheck(ctx: KernelContext): () => void {
  return ctx.checkDeadline ? () => ctx.checkDeadline!() : NO_CHECK;
}

/** Units of work (elements read or written) between two deadline checks of a kernel. */
export const BLOCK_WORK = 1 << 16;

/** A counter for kernels whose blocks vary in size (gathers): `done(n)` after each block of
 *  n elements, the deadline checked every BLOCK_WORK of them. */
export function workCounter(ctx: KernelContext): (n: number) => void {
  const check = deadlineCheck(ctx);
  let work = 0;
  return (n) => {
    if ((work += n) >= BLOCK_WORK) {
      work = 0;
      check();
    }
  };
}

/** A KernelContext that allocates branch codes (for `OpDef.kink`). */
const codeContext: KernelContext = {
  precision: 'float64',
  alloc: (_dtype, size) => new Int32Array(size),
  evaluateWith: () => undefined,
  deadline: Infinity,
  checkDeadline: () => undefined,
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
