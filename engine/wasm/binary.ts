// The WebAssembly path of the broadcasting arithmetic ops (add, subtract, multiply, divide,
// maximum, minimum) and comparisons (into bool) on float data, and of `where`. A broadcast whose axes coalesce into at most a
// rows × cols block (same shapes, a scalar, a row vector, a column vector, an outer
// product) is computed by the module in staging blocks that stay in cache; other strides,
// and integer data, stay on the reference loops.

import { isFloat, sizeOf, type Tensor, type TypedData } from '../tensor';
import type { ConcreteType, KernelContext } from '../ops/registry';
import { coalesceBroadcast } from '../ops/kernels';
import { type FloatWidth, type WasmKernels, bytesOf, checkTime, copyIn, copyOut, floatWidth, wasmKernels } from './runtime';

/** The module's operations (engine/wasm/assembly/binary.ts), by their codes. */
export const WASM_BINARY = {
  add: 0,
  subtract: 1,
  multiply: 2,
  divide: 3,
  maximum: 4,
  minimum: 5,
  greater: 6,
  greater_equal: 7,
  less: 8,
  less_equal: 9,
  equal: 10,
  not_equal: 11,
} as const;
/** The first comparison's code (engine/wasm/assembly/select.ts): its result is bool bytes. */
const FIRST_COMPARISON = WASM_BINARY.greater;
export type WasmBinary = keyof typeof WASM_BINARY;

/** How an operand's values sit against the rows × cols block (the module's codes). */
const enum Mode {
  /** rows × cols values, row-major. */
  Full = 0,
  /** cols values, the same for every row. */
  Row = 1,
  /** rows values, one per row. */
  Column = 2,
  /** one value. */
  Scalar = 3,
}

/** Outputs per staging block: the operands' and the result's blocks stay in cache. */
const BLOCK = 1 << 13;
/** Below this many outputs the reference loop is as fast as a call into the module. */
const MIN_SIZE = 64;
/** The arithmetic's threshold: below it, working out the broadcast and staging both operands
 *  costs more than the reference's loop (a deep model's small tensors, one op after another). */
const BINARY_MIN_SIZE = 256;
/** Outputs between checks of the time. */
const CHECK_EVERY = 1 << 20;

/** The broadcast of `a` and `b` to `outShape` as a rows × cols block and each operand's
 *  mode, or null when its axes do not coalesce to two. */
function asBlock(
  a: readonly number[],
  b: readonly number[],
  outShape: readonly number[],
): { rows: number; cols: number; modes: [Mode, Mode] } | null {
  const { dims, sa, sb } = coalesceBroadcast(outShape, a, b);
  if (dims.length > 2) return null;
  const cols = dims[0] ?? 1;
  const rows = dims[1] ?? 1;
  const modeOf = (s: number[]): Mode | null => {
    const inner = s[0] ?? 0;
    const outer = s[1] ?? 0;
    if (inner === 1) return outer === cols ? Mode.Full : outer === 0 ? Mode.Row : null;
    if (inner === 0) return outer === 1 ? Mode.Column : outer === 0 ? Mode.Scalar : null;
    return null;
  };
  const ma = modeOf(sa);
  const mb = modeOf(sb);
  return ma === null || mb === null ? null : { rows, cols, modes: [ma, mb] };
}

/** op(x, y) broadcast by the module, or null when the reference kernel must compute it. */
export function binaryWasm(op: WasmBinary, x: Tensor, y: Tensor, out: ConcreteType, ctx: KernelContext): TypedData | null {
  const code = WASM_BINARY[op];
  const comparison = code >= FIRST_COMPARISON;
  // Integer operands (and a true division's float64 result of them) stay on the reference.
  if (!isFloat(x.dtype) || y.dtype !== x.dtype || (!comparison && out.dtype !== x.dtype)) return null;
  const size = sizeOf(out.shape);
  if (size < BINARY_MIN_SIZE) return null;
  const block = asBlock(x.shape, y.shape, out.shape);
  if (!block) return null;
  const w = wasmKernels();
  if (!w) return null;
  const data = ctx.alloc(out.dtype, size, true);
  // A comparison reads float32 operands as float32 (float64 ones, or a float32 tensor's
  // float64 data in a check, as float64: the outcome is the same).
  const width = comparison
    ? x.data instanceof Float32Array && y.data instanceof Float32Array
      ? 'f32'
      : 'f64'
    : floatWidth(data, x.data, y.data);
  if (width === null) return null;
  const { rows, cols, modes } = block;
  // A block is whole rows, or a slice of one row when a row is longer than a block.
  const chunk = Math.min(cols, BLOCK);
  const rowsPerBlock = cols >= BLOCK ? 1 : Math.min(rows, Math.floor(BLOCK / cols));
  const e = bytesOf(width);
  const stagedLength = (mode: Mode): number =>
    mode === Mode.Full ? rowsPerBlock * chunk : mode === Mode.Row ? chunk : mode === Mode.Column ? rowsPerBlock : 1;
  const [pa, pb, pd] = w.reserve([stagedLength(modes[0]) * e, stagedLength(modes[1]) * e, rowsPerBlock * chunk * (comparison ? 1 : e)]);
  const operands: [Tensor, number, Mode][] = [
    [x, pa, modes[0]],
    [y, pb, modes[1]],
  ];
  const k = w.exports;
  const kernel = comparison ? (width === 'f32' ? k.compareF32 : k.compareF64) : width === 'f32' ? k.binaryF32 : k.binaryF64;
  try {
    // A row vector and a scalar are the same in every block unless rows are sliced.
    for (const [t, at, mode] of operands)
      if (mode === Mode.Scalar || (mode === Mode.Row && chunk === cols)) stage(w, width, at, t.data, 0, stagedLength(mode));
    let done = 0;
    for (let r0 = 0; r0 < rows; r0 += rowsPerBlock) {
      const count = Math.min(rowsPerBlock, rows - r0);
      for (let c0 = 0; c0 < cols; c0 += chunk) {
        const length = Math.min(chunk, cols - c0);
        if ((done += count * length) >= CHECK_EVERY) {
          checkTime(ctx);
          done = 0;
        }
        for (const [t, at, mode] of operands) {
          if (mode === Mode.Full) stage(w, width, at, t.data, r0 * cols + c0, (count - 1) * cols + length);
          else if (mode === Mode.Row && chunk < cols) stage(w, width, at, t.data, c0, length);
          else if (mode === Mode.Column) stage(w, width, at, t.data, r0, count);
        }
        kernel(code, pa, modes[0], pb, modes[1], pd, count, length);
        if (comparison) data.set(w.u8(pd, count * length), r0 * cols + c0);
        else copyOut(w, width, pd, data, r0 * cols + c0, count * length);
      }
    }
    return data;
  } finally {
    w.release();
  }
}

/** Copies `length` values of `src` from `from` into the module's memory at `at`. */
function stage(w: WasmKernels, width: FloatWidth, at: number, src: TypedData, from: number, length: number): void {
  copyIn(w, width, at, length === src.length ? src : src.subarray(from, from + length));
}

/** where(cond, x, y) of same-shape float tensors by the module, or null for the reference. */
export function whereWasm(cond: Tensor, x: Tensor, y: Tensor, out: ConcreteType, ctx: KernelContext): TypedData | null {
  const size = sizeOf(out.shape);
  if (size < MIN_SIZE || !isFloat(out.dtype) || !(cond.data instanceof Uint8Array)) return null;
  if (cond.data.length !== size || x.data.length !== size || y.data.length !== size) return null;
  const w = wasmKernels();
  if (!w) return null;
  const data = ctx.alloc(out.dtype, size, true);
  const width = floatWidth(data, x.data, y.data);
  if (width === null) return null;
  const e = bytesOf(width);
  const block = Math.min(size, BLOCK);
  const [pc, px, py] = w.reserve([block, block * e, block * e]);
  const kernel = width === 'f32' ? w.exports.selectF32 : w.exports.selectF64;
  try {
    for (let i0 = 0; i0 < size; i0 += block) {
      if (i0 > 0 && i0 % CHECK_EVERY < block) checkTime(ctx);
      const count = Math.min(block, size - i0);
      w.u8(pc, count).set(cond.data.subarray(i0, i0 + count));
      stage(w, width, px, x.data, i0, count);
      stage(w, width, py, y.data, i0, count);
      kernel(pc, px, py, px, count);
      copyOut(w, width, px, data, i0, count);
    }
    return data;
  } finally {
    w.release();
  }
}
