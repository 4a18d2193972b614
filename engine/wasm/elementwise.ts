// The WebAssembly path of the float32 unary ops whose reference loops call Math.exp or
// Math.tanh per element (exp, tanh, sigmoid), and of softmax / log_softmax along a
// contiguous last axis. float64 data (float64 tensors, and every float tensor while a check
// re-evaluates in float64) stays on the reference kernels: the module's functions are
// float32 polynomials.

import type { Tensor, TypedData } from '../tensor';
import type { ConcreteType, KernelContext } from '../ops/registry';
import { checkTime, wasmKernels } from './runtime';

/** The module's float32 functions (engine/wasm/assembly/elementwise.ts), by their codes. */
export const WASM_UNARY = { exp: 0, tanh: 1, sigmoid: 2 } as const;
export type WasmUnary = keyof typeof WASM_UNARY;

/** Elements per call: small enough that the copy in, the kernel and the copy out stay in the
 *  processor's cache (the data crosses memory once each way, not three times). */
const BLOCK = 1 << 13;
/** Elements between checks of the time. */
const CHECK_EVERY = 1 << 20;

/** f(x) in float32 by the module, or null when the reference kernel must compute it. */
export function unaryWasm(fn: WasmUnary, x: Tensor, out: ConcreteType, ctx: KernelContext): TypedData | null {
  if (!(x.data instanceof Float32Array) || out.dtype !== 'float32' || ctx.precision !== 'float32') return null;
  const w = wasmKernels();
  if (!w) return null;
  const n = x.data.length;
  const data = ctx.alloc(out.dtype, n) as Float32Array;
  const block = Math.min(n, BLOCK);
  const [buffer] = w.reserve([block * 4]);
  try {
    for (let i0 = 0; i0 < n; i0 += block) {
      if (i0 > 0 && i0 % CHECK_EVERY === 0) checkTime(ctx);
      const count = Math.min(block, n - i0);
      w.f32(buffer, count).set(x.data.subarray(i0, i0 + count));
      w.exports.unaryF32(WASM_UNARY[fn], buffer, buffer, count);
      data.set(w.f32(buffer, count), i0);
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
