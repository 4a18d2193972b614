// The WebAssembly path of matmul (engine/ops/linalg/matmul.ts): every batch's product by the
// module's packed SIMD gemm, transposes read through strides.

import { sizeOf, type Tensor, type TypedData } from '../tensor';
import type { KernelContext } from '../ops/registry';
import { broadcastStrides } from '../ops/kernels';
import { bytesOf, checkTime, copyIn, copyOut, floatWidth, regionBytes, wasmKernels } from './runtime';

/** Rows of one gemm call: the time is checked between calls, and each call packs B again,
 *  so a call covers at least this many rows. */
const MIN_ROWS_PER_CALL = 256;
/** Multiply-adds of one call, above which it is split by rows. */
const CALL_WORK = 2 ** 24;
/** The batch axes of a product that has none (never written: its loops over them are empty). */
const NO_AXES: number[] = [];

/** `data` = a·b batched (TensorFlow 2's broadcasting tf.matmul), or null when the JS kernel
 *  must compute it. */
export function matmulWasm(
  a: Tensor,
  b: Tensor,
  ta: boolean,
  tb: boolean,
  outShape: readonly number[],
  data: TypedData,
  ctx: KernelContext,
): TypedData | null {
  const width = floatWidth(data, a.data, b.data);
  if (width === null) return null;
  const w = wasmKernels();
  if (!w) return null;
  const rank = outShape.length;
  const M = outShape[rank - 2];
  const N = outShape[rank - 1];
  const K = ta ? a.shape[a.shape.length - 2] : a.shape[a.shape.length - 1];
  const e = bytesOf(width);
  const k = w.exports;
  // (the regions of `reserve`, laid out without its arrays: see `reserveBytes`)
  const aBytes = regionBytes(a.data.length * e);
  const bBytes = regionBytes(b.data.length * e);
  const cBytes = regionBytes(data.length * e);
  const pa = w.reserveBytes(aBytes + bBytes + cBytes + regionBytes(width === 'f32' ? k.gemmScratchF32(N) : k.gemmScratchF64(N)));
  const pb = pa + aBytes;
  const pc = pb + bBytes;
  const scratch = pc + cBytes;
  try {
    copyIn(w, width, pa, a.data);
    copyIn(w, width, pb, b.data);
    const gemm = width === 'f32' ? k.gemmF32 : k.gemmF64;
    // A[i, k] and B[k, j] by strides: a transposed operand is read down its columns.
    const ars = ta ? 1 : K;
    const acs = ta ? M : 1;
    const brs = tb ? 1 : N;
    const bcs = tb ? K : 1;
    const rowsPerCall = Math.max(MIN_ROWS_PER_CALL, Math.floor(CALL_WORK / Math.max(1, K * N)));
    // (a product without batch axes, the usual one, makes none of their arrays)
    const batched = rank > 2;
    const batchShape = batched ? outShape.slice(0, -2) : NO_AXES;
    const batches = batched ? sizeOf(batchShape) : 1;
    const aBatch = batched ? broadcastStrides(a.shape.slice(0, -2), batchShape) : NO_AXES;
    const bBatch = batched ? broadcastStrides(b.shape.slice(0, -2), batchShape) : NO_AXES;
    const idx = batched ? new Array<number>(batchShape.length).fill(0) : NO_AXES;
    let work = 0;
    for (let batch = 0; batch < batches; batch++) {
      let aMatrix = 0;
      let bMatrix = 0;
      for (let d = 0; d < idx.length; d++) {
        aMatrix += idx[d] * aBatch[d];
        bMatrix += idx[d] * bBatch[d];
      }
      const aBase = pa + aMatrix * M * K * e;
      const bBase = pb + bMatrix * K * N * e;
      const cBase = pc + batch * M * N * e;
      for (let i0 = 0; i0 < M; i0 += rowsPerCall) {
        const rows = Math.min(rowsPerCall, M - i0);
        if (work >= CALL_WORK) {
          checkTime(ctx);
          work = 0;
        }
        work += rows * K * N + 1;
        gemm(aBase + i0 * ars * e, ars, acs, bBase, brs, bcs, cBase + i0 * N * e, N, rows, N, K, 0, scratch);
      }
      for (let d = idx.length - 1; d >= 0; d--) {
        if (++idx[d] < batchShape[d]) break;
        idx[d] = 0;
      }
    }
    copyOut(w, width, pc, data);
    return data;
  } finally {
    w.release();
  }
}
