// Comparisons of float data into bool bytes (greater, greater_equal, less, less_equal,
// equal, not_equal, with the broadcast modes of binary.ts), and `where` choosing between two
// float tensors by bool bytes. IEEE comparisons as the reference's (NaN compares false, and
// unequal), so both agree bit for bit.

import { alongRow, rowStart } from './modes';

// Comparison codes (engine/wasm/binary.ts names them), after the arithmetic ones.
const GREATER = 6;
const GREATER_EQUAL = 7;
const LESS = 8;
const LESS_EQUAL = 9;
const EQUAL = 10;
const NOT_EQUAL = 11;

// @ts-ignore: decorator
@inline
function mask4(op: i32, a: v128, b: v128): v128 {
  if (op == GREATER) return f32x4.gt(a, b);
  if (op == GREATER_EQUAL) return f32x4.ge(a, b);
  if (op == LESS) return f32x4.lt(a, b);
  if (op == LESS_EQUAL) return f32x4.le(a, b);
  if (op == EQUAL) return f32x4.eq(a, b);
  return f32x4.ne(a, b);
}

// @ts-ignore: decorator
@inline
function mask2(op: i32, a: v128, b: v128): v128 {
  if (op == GREATER) return f64x2.gt(a, b);
  if (op == GREATER_EQUAL) return f64x2.ge(a, b);
  if (op == LESS) return f64x2.lt(a, b);
  if (op == LESS_EQUAL) return f64x2.le(a, b);
  if (op == EQUAL) return f64x2.eq(a, b);
  return f64x2.ne(a, b);
}

/** The four 32-bit lane masks of m as bytes 0/1 in the low four bytes. */
// @ts-ignore: decorator
@inline
function bytes4(m: v128): v128 {
  const narrow = i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(m, m), i16x8.narrow_i32x4_s(m, m));
  return v128.and(narrow, i8x16.splat(1));
}

// @ts-ignore: decorator
@inline
function compareBlockF32(op: i32, a: usize, aMode: i32, b: usize, bMode: i32, d: usize, rows: i32, cols: i32): void {
  const aStep: usize = alongRow(aMode) ? 4 : 0;
  const bStep: usize = alongRow(bMode) ? 4 : 0;
  const c4 = cols & ~3;
  for (let r = 0; r < rows; r++) {
    let pa = rowStart(a, aMode, r, cols, 2);
    let pb = rowStart(b, bMode, r, cols, 2);
    const pd = d + <usize>(r * cols);
    let c = 0;
    for (; c < c4; c += 4) {
      const av = aStep ? v128.load(pa) : v128.load32_splat(pa);
      const bv = bStep ? v128.load(pb) : v128.load32_splat(pb);
      v128.store32_lane(pd + <usize>c, bytes4(mask4(op, av, bv)), 0);
      pa += aStep << 2;
      pb += bStep << 2;
    }
    for (; c < cols; c++) {
      const m = mask4(op, v128.load32_splat(pa), v128.load32_splat(pb));
      store<u8>(pd + <usize>c, <u8>(i32x4.extract_lane(m, 0) & 1));
      pa += aStep;
      pb += bStep;
    }
  }
}

// @ts-ignore: decorator
@inline
function compareBlockF64(op: i32, a: usize, aMode: i32, b: usize, bMode: i32, d: usize, rows: i32, cols: i32): void {
  const aStep: usize = alongRow(aMode) ? 8 : 0;
  const bStep: usize = alongRow(bMode) ? 8 : 0;
  for (let r = 0; r < rows; r++) {
    let pa = rowStart(a, aMode, r, cols, 3);
    let pb = rowStart(b, bMode, r, cols, 3);
    const pd = d + <usize>(r * cols);
    for (let c = 0; c < cols; c++) {
      const m = mask2(op, v128.load64_splat(pa), v128.load64_splat(pb));
      store<u8>(pd + <usize>c, <u8>(i64x2.extract_lane(m, 0) & 1));
      pa += aStep;
      pb += bStep;
    }
  }
}

/** d[r, c] = op(a[r, c], b[r, c]) as bytes 0/1, a rows × cols block of float32 operands in
 *  the modes of binaryF32. */
export function compareF32(op: i32, a: usize, aMode: i32, b: usize, bMode: i32, d: usize, rows: i32, cols: i32): void {
  if (op == GREATER) compareBlockF32(GREATER, a, aMode, b, bMode, d, rows, cols);
  else if (op == GREATER_EQUAL) compareBlockF32(GREATER_EQUAL, a, aMode, b, bMode, d, rows, cols);
  else if (op == LESS) compareBlockF32(LESS, a, aMode, b, bMode, d, rows, cols);
  else if (op == LESS_EQUAL) compareBlockF32(LESS_EQUAL, a, aMode, b, bMode, d, rows, cols);
  else if (op == EQUAL) compareBlockF32(EQUAL, a, aMode, b, bMode, d, rows, cols);
  else compareBlockF32(NOT_EQUAL, a, aMode, b, bMode, d, rows, cols);
}

/** compareF32 of float64 operands. */
export function compareF64(op: i32, a: usize, aMode: i32, b: usize, bMode: i32, d: usize, rows: i32, cols: i32): void {
  if (op == GREATER) compareBlockF64(GREATER, a, aMode, b, bMode, d, rows, cols);
  else if (op == GREATER_EQUAL) compareBlockF64(GREATER_EQUAL, a, aMode, b, bMode, d, rows, cols);
  else if (op == LESS) compareBlockF64(LESS, a, aMode, b, bMode, d, rows, cols);
  else if (op == LESS_EQUAL) compareBlockF64(LESS_EQUAL, a, aMode, b, bMode, d, rows, cols);
  else if (op == EQUAL) compareBlockF64(EQUAL, a, aMode, b, bMode, d, rows, cols);
  else compareBlockF64(NOT_EQUAL, a, aMode, b, bMode, d, rows, cols);
}

/** d[i] = cond[i] ? x[i] : y[i] for i < n, float32 values, bool bytes (any non-zero is true). */
export function selectF32(cond: usize, x: usize, y: usize, d: usize, n: i32): void {
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const bytes = v128.load32_zero(cond + <usize>i);
    const m = i32x4.ne(i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(bytes)), i32x4.splat(0));
    const o = <usize>i << 2;
    v128.store(d + o, v128.bitselect(v128.load(x + o), v128.load(y + o), m));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(d + o, load<u8>(cond + <usize>i) ? load<f32>(x + o) : load<f32>(y + o));
  }
}

/** selectF32 of float64 values. */
export function selectF64(cond: usize, x: usize, y: usize, d: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 3;
    store<f64>(d + o, load<u8>(cond + <usize>i) ? load<f64>(x + o) : load<f64>(y + o));
  }
}
