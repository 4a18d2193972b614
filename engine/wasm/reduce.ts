// The WebAssembly path of sums along axes (reduce_sum, reduce_mean, and every op that sums
// through reduceAxes, as the gradients' sum_to): once the axes are coalesced, a sum of
// rows (the innermost axis reduced) or a sum of columns (an outer axis reduced) of float
// data, each sum in the reference's order (so bit for bit). Other layouts, and integer
// data, stay on the reference loop.

import type { TypedData } from '../tensor';
import { type FloatWidth, bytesOf, copyIn, copyOut, wasmKernels } from './runtime';

/** Input elements per staging block (the block stays in cache). */
const BLOCK = 1 << 13;
/** Below this many input elements the reference loop is as fast as a call into the module. */
const MIN_SIZE = 256;

/**
 * acc[out] += the sums of `src` over the reduced axes, when its coalesced axes (innermost
 * first, `reduced` saying which are summed, `outStrides` their strides in the output) are a
 * sum of rows or of columns; returns false (acc untouched) when the reference must sum.
 */
export function sumWasm(
  src: TypedData,
  dims: readonly number[],
  reduced: readonly boolean[],
  outStrides: readonly number[],
  acc: Float64Array,
): boolean {
  if (src.length < MIN_SIZE || !(src instanceof Float32Array || src instanceof Float64Array)) return false;
  let rows: number;
  let cols: number;
  let ofRows: boolean;
  if (dims.length === 1 && reduced[0]) [rows, cols, ofRows] = [1, dims[0], true];
  else if (dims.length === 2 && reduced[0] && !reduced[1] && outStrides[1] === 1) [rows, cols, ofRows] = [dims[1], dims[0], true];
  else if (dims.length === 2 && !reduced[0] && reduced[1] && outStrides[0] === 1) [rows, cols, ofRows] = [dims[1], dims[0], false];
  else return false;
  const w = wasmKernels();
  if (!w) return false;
  const width: FloatWidth = src instanceof Float32Array ? 'f32' : 'f64';
  const chunk = Math.min(cols, BLOCK);
  const rowsPerBlock = cols >= BLOCK ? 1 : Math.min(rows, Math.floor(BLOCK / cols));
  const [staged, sums] = w.reserve([rowsPerBlock * chunk * bytesOf(width), Math.max(rowsPerBlock, chunk) * 8]);
  const k = w.exports;
  const kernel = ofRows ? (width === 'f32' ? k.sumRowsF32 : k.sumRowsF64) : width === 'f32' ? k.sumColumnsF32 : k.sumColumnsF64;
  const block = (r0: number, count: number, c0: number, length: number): void => {
    copyIn(w, width, staged, src.subarray(r0 * cols + c0, r0 * cols + c0 + (count - 1) * cols + length));
    kernel(staged, count, length, sums);
  };
  try {
    if (ofRows) {
      // Each block of rows: its sums staged, every chunk of its columns added in, copied out.
      for (let r0 = 0; r0 < rows; r0 += rowsPerBlock) {
        const count = Math.min(rowsPerBlock, rows - r0);
        copyIn(w, 'f64', sums, acc.subarray(r0, r0 + count));
        for (let c0 = 0; c0 < cols; c0 += chunk) block(r0, count, c0, Math.min(chunk, cols - c0));
        copyOut(w, 'f64', sums, acc, r0, count);
      }
    } else {
      // Each chunk of columns: its sums staged, every block of rows added in order, copied out.
      for (let c0 = 0; c0 < cols; c0 += chunk) {
        const length = Math.min(chunk, cols - c0);
        copyIn(w, 'f64', sums, acc.subarray(c0, c0 + length));
        for (let r0 = 0; r0 < rows; r0 += rowsPerBlock) block(r0, Math.min(rowsPerBlock, rows - r0), c0, length);
        copyOut(w, 'f64', sums, acc, c0, length);
      }
    }
    return true;
  } finally {
    w.release();
  }
}
