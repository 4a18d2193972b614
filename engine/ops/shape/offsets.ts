// Most movement kernels share one idea: every output axis reads one input axis through a
// coordinate map (a tile wraps around, a reverse counts down, a pad reflects or falls
// outside). `sourceOffsets` turns those maps into one flat source offset per output
// element; the forward op gathers through it and its gradient scatter-adds through it.

import { type TypedData, sizeOf } from '../../tensor';
import { type Dim } from '../../types';

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
export function sliceAxis(src: TypedData, shape: readonly number[], axis: number, begin: number, len: number, data: TypedData): TypedData {
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
export function placeAxis(src: TypedData, shape: readonly number[], axis: number, begin: number, len: number, data: TypedData): TypedData {
  const inner = sizeOf(shape.slice(axis + 1));
  const outer = sizeOf(shape.slice(0, axis));
  const d = shape[axis];
  for (let o = 0; o < outer; o++) {
    data.set(src.subarray(o * len * inner, (o + 1) * len * inner) as never, (o * d + begin) * inner);
  }
  return data;
}

/** Merges two static sizes that must agree (null where both are unknown). */
export function mergeDim(a: Dim, b: Dim): Dim {
  return a ?? b;
}

export function dimsConflict(a: Dim, b: Dim): boolean {
  return a !== null && b !== null && a !== b;
}
