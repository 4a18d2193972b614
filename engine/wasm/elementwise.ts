// The WebAssembly path of the unary ops: the float32 ones whose reference loops call
// Math.exp or Math.tanh per element (exp, tanh, sigmoid: the module's float32 polynomials,
// so float64 data stays on the reference), the ones that are a single IEEE operation
// (negative, abs, square, sqrt, reciprocal, relu: both widths, bit for bit as the
// reference), add_n, and softmax / log_softmax and their gradients along a contiguous last
// axis.

import type { Tensor, TypedData } from '../tensor';
import type { ConcreteType, KernelContext } from '../ops/registry';
import { bytesOf, checkTime, copyIn, copyOut, floatWidth, wasmKernels } from './runtime';

/** The module's functions (engine/wasm/assembly/elementwise.ts and exact.ts), by their codes. */
export const WASM_UNARY = {
  exp: 0,
  tanh: 1,
  sigmoid: 2,
  negative: 3,
  abs: 4,
  square: 5,
  sqrt: 6,
  reciprocal: 7,
  relu: 8,
} as const;
export type WasmUnary = keyof typeof WASM_UNARY;

/** The functions computed in float32 polynomials: float32 data in a float32 evaluation only. */
const FLOAT32_ONLY: ReadonlySet<WasmUnary> = new Set(['exp', 'tanh', 'sigmoid']);

/** Elements per call: small enough that the copy in, the kernel and the copy out stay in the
 *  processor's cache (the data crosses memory once each way, not three times). */
const BLOCK = 1 << 13;
/** Elements between checks of the time. */
const CHECK_EVERY = 1 << 20;
/** Below this many elements the reference loop is as fast as a call into the module. */
const MIN_SIZE = 64;
/** add_n below this many elements: the reference's two-at-a-time loop costs less than
 *  staging every operand in the module. */
const ADD_N_MIN_SIZE = 256;

/** f(x) by the module, or null when the reference kernel must compute it. */
export function unaryWasm(fn: WasmUnary, x: Tensor, out: ConcreteType, ctx: KernelContext): TypedData | null {
  const n = x.data.length;
  if (n < MIN_SIZE || x.dtype !== out.dtype || (out.dtype !== 'float32' && out.dtype !== 'float64')) return null;
  if (FLOAT32_ONLY.has(fn) && (!(x.data instanceof Float32Array) || out.dtype !== 'float32' || ctx.precision !== 'float32')) return null;
  const w = wasmKernels();
  if (!w) return null;
  const data = ctx.alloc(out.dtype, n, true);
  const width = floatWidth(data, x.data);
  if (width === null) return null;
  const code = WASM_UNARY[fn];
  const kernel = FLOAT32_ONLY.has(fn) ? w.exports.unaryF32 : width === 'f32' ? w.exports.mapF32 : w.exports.mapF64;
  const block = Math.min(n, BLOCK);
  const [buffer] = w.reserve([block * bytesOf(width)]);
  try {
    for (let i0 = 0; i0 < n; i0 += block) {
      if (i0 > 0 && i0 % CHECK_EVERY === 0) checkTime(ctx);
      const count = Math.min(block, n - i0);
      copyIn(w, width, buffer, x.data.subarray(i0, i0 + count));
      kernel(code, buffer, buffer, count);
      copyOut(w, width, buffer, data, i0, count);
    }
    return data;
  } finally {
    w.release();
  }
}

/** The sum of same-shape float tensors, each partial sum rounded to the data's width (as
 *  TensorFlow's AddN), by the module; null when the reference kernel must compute it. */
export function addNWasm(inputs: readonly Tensor[], data: TypedData, ctx: KernelContext): TypedData | null {
  const n = data.length;
  if (n < ADD_N_MIN_SIZE || inputs.length > 64) return null;
  const width = floatWidth(data, ...inputs.map((t) => t.data));
  if (width === null || inputs.some((t) => t.dtype !== 'float32' && t.dtype !== 'float64')) return null;
  const w = wasmKernels();
  if (!w) return null;
  const e = bytesOf(width);
  const block = Math.min(n, Math.max(1024, Math.floor((4 * BLOCK) / inputs.length)));
  const stride = Math.ceil((block * e) / 16) * 16;
  const [staged, sum] = w.reserve([stride * inputs.length, block * e]);
  const kernel = width === 'f32' ? w.exports.addNF32 : w.exports.addNF64;
  try {
    for (let i0 = 0; i0 < n; i0 += block) {
      if (i0 > 0 && i0 % CHECK_EVERY < block) checkTime(ctx);
      const count = Math.min(block, n - i0);
      inputs.forEach((t, k) => copyIn(w, width, staged + k * stride, t.data.subarray(i0, i0 + count)));
      kernel(staged, stride, inputs.length, sum, count);
      copyOut(w, width, sum, data, i0, count);
    }
    return data;
  } finally {
    w.release();
  }
}

/** softmax (or log_softmax) of float32 rows along a last axis, or null for the reference. */
export function softmaxWasm(x: Tensor, inner: number, data: TypedData, log: boolean, ctx: KernelContext): TypedData | null {
  if (inner !== 1 || !(x.data instanceof Float32Array) || !(data instanceof Float32Array)) return null;
  const w = wasmKernels();
  if (!w) return null;
  const shape = x.shape;
  const n = shape[shape.length - 1];
  const rows = x.data.length / n;
  const rowsPerBlock = Math.max(1, Math.min(rows, Math.floor(BLOCK / n)));
  const rowsPerCheck = Math.max(1, Math.floor(CHECK_EVERY / n));
  let checked = 0;
  const [buffer] = w.reserve([rowsPerBlock * n * 4]);
  try {
    for (let r0 = 0; r0 < rows; r0 += rowsPerBlock) {
      if (r0 - checked >= rowsPerCheck) {
        checkTime(ctx);
        checked = r0;
      }
      const count = Math.min(rowsPerBlock, rows - r0) * n;
      const at = r0 * n;
      w.f32(buffer, count).set(x.data.subarray(at, at + count));
      w.exports.softmaxRowsF32(buffer, buffer, count / n, n, log ? 1 : 0);
      data.set(w.f32(buffer, count), at);
    }
    return data;
  } finally {
    w.release();
  }
}

/** softmax's (or log_softmax's) gradient from its output y and the incoming dy, along a
 *  contiguous last axis, or null for the reference. log_softmax's takes exp of y: float32 only. */
export function softmaxGradWasm(y: Tensor, dy: Tensor, inner: number, data: TypedData, log: boolean, ctx: KernelContext): TypedData | null {
  if (inner !== 1 || data.length < MIN_SIZE || y.shape.length === 0) return null;
  const width = floatWidth(data, y.data, dy.data);
  if (width === null || (log && width === 'f64')) return null;
  const w = wasmKernels();
  if (!w) return null;
  const n = y.shape[y.shape.length - 1];
  const rows = data.length / n;
  const e = bytesOf(width);
  const rowsPerBlock = Math.max(1, Math.min(rows, Math.floor(BLOCK / n)));
  const rowsPerCheck = Math.max(1, Math.floor(CHECK_EVERY / n));
  let checked = 0;
  const [py, pdy] = w.reserve([rowsPerBlock * n * e, rowsPerBlock * n * e]);
  const k = w.exports;
  try {
    for (let r0 = 0; r0 < rows; r0 += rowsPerBlock) {
      if (r0 - checked >= rowsPerCheck) {
        checkTime(ctx);
        checked = r0;
      }
      const count = Math.min(rowsPerBlock, rows - r0);
      const at = r0 * n;
      copyIn(w, width, py, y.data.subarray(at, at + count * n));
      copyIn(w, width, pdy, dy.data.subarray(at, at + count * n));
      if (width === 'f32') k.softmaxGradRowsF32(py, pdy, pdy, count, n, log ? 1 : 0);
      else k.softmaxGradRowsF64(py, pdy, pdy, count, n);
      copyOut(w, width, pdy, data, at, count * n);
    }
    return data;
  } finally {
    w.release();
  }
}
