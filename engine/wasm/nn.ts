// The WebAssembly path of conv2d and its two backprops (engine/ops/nn/convolution.ts): the patch matrix
// (im2col) of a chunk of output positions times the filters, by the module's gemm, with
// the time checked between chunks. The whole input, filters and result stay in the
// module's memory for the call; chunks bound the patch matrix.

import type { TypedData } from '../tensor';
import type { KernelContext } from '../ops/registry';
import type { Geometry } from '../ops/nn/windows';
import { type FloatWidth, type WasmKernels, bytesOf, checkTime, copyIn, copyOut, floatWidth, wasmKernels } from './runtime';

/** The window geometry engine/ops/nn/windows.ts computes (TensorFlow's output sizes and padding). */
type ConvGeometry = Geometry;

const GEOMETRY_BYTES = 14 * 4;

/** Output positions per chunk: a chunk's patch matrix stays about 1 MB of float32. */
function chunkRows(K: number): number {
  return Math.max(4, Math.min(1024, Math.floor(262_144 / Math.max(K, 1))));
}

interface Conv {
  w: WasmKernels;
  width: FloatWidth;
  /** Bytes per element. */
  e: number;
  /** Columns of the patch matrix (KH·KW·C) and its rows (output positions). */
  K: number;
  positions: number;
  step: number;
  im2col(x: number, geometry: number, p0: number, rows: number, patch: number): void;
  col2imAdd(cols: number, geometry: number, p0: number, rows: number, acc: number): void;
  gemm(
    a: number,
    ars: number,
    acs: number,
    b: number,
    brs: number,
    bcs: number,
    c: number,
    ldc: number,
    m: number,
    n: number,
    k: number,
    accumulate: number,
    scratch: number,
  ): void;
  scratch(n: number): number;
}

/** The module's functions for this call's width; null when the JS kernel must run. */
function begin(g: ConvGeometry, out: TypedData, inputs: readonly TypedData[]): Conv | null {
  const width = floatWidth(out, ...inputs);
  if (width === null) return null;
  const w = wasmKernels();
  if (!w) return null;
  const k = w.exports;
  const K = g.KH * g.KW * g.C;
  const f32 = width === 'f32';
  return {
    w,
    width,
    e: bytesOf(width),
    K,
    positions: g.N * g.OH * g.OW,
    step: chunkRows(K),
    im2col: f32 ? k.im2colF32 : k.im2colF64,
    col2imAdd: f32 ? k.col2imAddF32 : k.col2imAddF64,
    gemm: f32 ? k.gemmF32 : k.gemmF64,
    scratch: f32 ? k.gemmScratchF32 : k.gemmScratchF64,
  };
}

function writeGeometry(w: WasmKernels, address: number, g: ConvGeometry): void {
  w.i32(address, 14).set([g.N, g.H, g.W, g.C, g.KH, g.KW, g.OH, g.OW, g.padTop, g.padLeft, g.sh, g.sw, g.dh, g.dw]);
}

/** y = conv2d(x, f): each chunk's patch matrix [rows × K] times the filters [K × O]. */
export function conv2dWasm(x: TypedData, f: TypedData, O: number, g: ConvGeometry, data: TypedData, ctx: KernelContext): TypedData | null {
  const c = begin(g, data, [x, f]);
  if (!c) return null;
  const { w, e, K, positions, step } = c;
  try {
    const [geometry, px, pf, py, patch, scratch] = w.reserve([
      GEOMETRY_BYTES,
      x.length * e,
      f.length * e,
      data.length * e,
      step * K * e,
      c.scratch(O),
    ]);
    writeGeometry(w, geometry, g);
    copyIn(w, c.width, px, x);
    copyIn(w, c.width, pf, f);
    for (let p0 = 0; p0 < positions; p0 += step) {
      if (p0 > 0) checkTime(ctx);
      const rows = Math.min(step, positions - p0);
      c.im2col(px, geometry, p0, rows, patch);
      c.gemm(patch, K, 1, pf, O, 1, py + p0 * O * e, O, rows, O, K, 0, scratch);
    }
    copyOut(w, c.width, py, data);
    return data;
  } finally {
    w.release();
  }
}

/** dL/dinput: each chunk's output gradients [rows × O] times the filters transposed
 *  [O × K], added back into the input positions its patch read. */
export function conv2dBackpropInputWasm(
  f: TypedData,
  dy: TypedData,
  O: number,
  g: ConvGeometry,
  data: TypedData,
  ctx: KernelContext,
): TypedData | null {
  const c = begin(g, data, [f, dy]);
  if (!c) return null;
  const { w, e, K, positions, step } = c;
  try {
    const [geometry, pf, pdy, acc, cols, scratch] = w.reserve([
      GEOMETRY_BYTES,
      f.length * e,
      dy.length * e,
      data.length * e,
      step * K * e,
      c.scratch(K),
    ]);
    writeGeometry(w, geometry, g);
    copyIn(w, c.width, pf, f);
    copyIn(w, c.width, pdy, dy);
    w.zero(acc, data.length * e);
    for (let p0 = 0; p0 < positions; p0 += step) {
      if (p0 > 0) checkTime(ctx);
      const rows = Math.min(step, positions - p0);
      // B[o, k] = f[k, o]: the filters [K × O] read transposed.
      c.gemm(pdy + p0 * O * e, O, 1, pf, 1, O, cols, K, rows, K, O, 0, scratch);
      c.col2imAdd(cols, geometry, p0, rows, acc);
    }
    copyOut(w, c.width, acc, data);
    return data;
  } finally {
    w.release();
  }
}

/** dL/dfilters: the patch matrix transposed [K × rows] times the chunk's output gradients
 *  [rows × O], summed over chunks. */
export function conv2dBackpropFilterWasm(
  x: TypedData,
  dy: TypedData,
  O: number,
  g: ConvGeometry,
  data: TypedData,
  ctx: KernelContext,
): TypedData | null {
  const c = begin(g, data, [x, dy]);
  if (!c) return null;
  const { w, e, K, positions, step } = c;
  try {
    const [geometry, px, pdy, acc, patch, scratch] = w.reserve([
      GEOMETRY_BYTES,
      x.length * e,
      dy.length * e,
      data.length * e,
      step * K * e,
      c.scratch(O),
    ]);
    writeGeometry(w, geometry, g);
    copyIn(w, c.width, px, x);
    copyIn(w, c.width, pdy, dy);
    if (positions === 0) w.zero(acc, data.length * e);
    for (let p0 = 0; p0 < positions; p0 += step) {
      if (p0 > 0) checkTime(ctx);
      const rows = Math.min(step, positions - p0);
      c.im2col(px, geometry, p0, rows, patch);
      // A[k, r] = patch[r, k]: the patch matrix read transposed.
      c.gemm(patch, 1, K, pdy + p0 * O * e, O, 1, acc, O, K, O, rows, p0 > 0 ? 1 : 0, scratch);
    }
    copyOut(w, c.width, acc, data);
    return data;
  } finally {
    w.release();
  }
}
