// How an operand of a broadcasting kernel (binary.ts, select.ts) sits against the rows ×
// cols block it is computed over (engine/wasm/binary.ts lays the operands out so).

/** rows × cols values, row-major. */
export const FULL = 0;
/** cols values, the same for every row. */
export const ROW = 1;
/** rows values, one for the whole of each row. */
export const COLUMN = 2;
/** One value for the whole block. */
export const SCALAR = 3;

/** Where row r's values of an operand start (bytes; `shift` is log2 of the element size). */
// @ts-ignore: decorator
@inline
export function rowStart(base: usize, mode: i32, r: i32, cols: i32, shift: i32): usize {
  if (mode == FULL) return base + (<usize>(r * cols) << shift);
  if (mode == COLUMN) return base + (<usize>r << shift);
  return base;
}

/** Whether an operand's values advance along a row (else one value is splatted). */
// @ts-ignore: decorator
@inline
export function alongRow(mode: i32): bool {
  return mode == FULL || mode == ROW;
}
