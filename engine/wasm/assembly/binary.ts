// Broadcasting binary arithmetic (add, subtract, multiply, divide, maximum, minimum) over
// f32x4 and f64x2, for the shapes a broadcast takes once its axes are coalesced
// (engine/wasm/binary.ts): a block of `rows` × `cols` outputs, each operand laid out as
// one of the modes of modes.ts. Each output element is one IEEE operation on the two operands in
// the data's own width, which is what the reference computes (a float64 result rounded once
// to float32 is the float32 result for these operations), so the two agree bit for bit.

import { alongRow, rowStart } from './modes';

// Operation codes (engine/wasm/binary.ts names them).
const ADD = 0;
const SUB = 1;
const MUL = 2;
const DIV = 3;
const MAX = 4;
const MIN = 5;

// maximum/minimum as the reference: x where x wins or ties, or where x is NaN; else y
// (so a NaN on either side is the result, and a tie of -0 and +0 keeps x).
// @ts-ignore: decorator
@inline
function op4(op: i32, a: v128, b: v128): v128 {
  if (op == ADD) return f32x4.add(a, b);
  if (op == SUB) return f32x4.sub(a, b);
  if (op == MUL) return f32x4.mul(a, b);
  if (op == DIV) return f32x4.div(a, b);
  if (op == MAX) return v128.bitselect(a, b, v128.or(f32x4.ge(a, b), f32x4.ne(a, a)));
  return v128.bitselect(a, b, v128.or(f32x4.le(a, b), f32x4.ne(a, a)));
}

// @ts-ignore: decorator
@inline
function op2(op: i32, a: v128, b: v128): v128 {
  if (op == ADD) return f64x2.add(a, b);
  if (op == SUB) return f64x2.sub(a, b);
  if (op == MUL) return f64x2.mul(a, b);
  if (op == DIV) return f64x2.div(a, b);
  if (op == MAX) return v128.bitselect(a, b, v128.or(f64x2.ge(a, b), f64x2.ne(a, a)));
  return v128.bitselect(a, b, v128.or(f64x2.le(a, b), f64x2.ne(a, a)));
}

// The row loops, one per pair of operand kinds (a vector along the row, or one value
// splatted), so the inner loop has no branch; inlined into the exports below with `op` a
// constant, so each operation gets its own loops.
// @ts-ignore: decorator
@inline
function rowF32(op: i32, a: usize, aVector: bool, b: usize, bVector: bool, d: usize, n: i32): void {
  const n4 = n & ~3;
  let j = 0;
  if (aVector && bVector) {
    for (; j < n4; j += 4) {
      const o = <usize>j << 2;
      v128.store(d + o, op4(op, v128.load(a + o), v128.load(b + o)));
    }
  } else if (aVector) {
    const bv = v128.load32_splat(b);
    for (; j < n4; j += 4) {
      const o = <usize>j << 2;
      v128.store(d + o, op4(op, v128.load(a + o), bv));
    }
  } else if (bVector) {
    const av = v128.load32_splat(a);
    for (; j < n4; j += 4) {
      const o = <usize>j << 2;
      v128.store(d + o, op4(op, av, v128.load(b + o)));
    }
  } else {
    const v = f32x4.extract_lane(op4(op, v128.load32_splat(a), v128.load32_splat(b)), 0);
    for (; j < n; j++) store<f32>(d + (<usize>j << 2), v);
    return;
  }
  for (; j < n; j++) {
    const av = v128.load32_splat(a + (aVector ? <usize>j << 2 : 0));
    const bv = v128.load32_splat(b + (bVector ? <usize>j << 2 : 0));
    store<f32>(d + (<usize>j << 2), f32x4.extract_lane(op4(op, av, bv), 0));
  }
}

// @ts-ignore: decorator
@inline
function rowF64(op: i32, a: usize, aVector: bool, b: usize, bVector: bool, d: usize, n: i32): void {
  const n2 = n & ~1;
  let j = 0;
  if (aVector && bVector) {
    for (; j < n2; j += 2) {
      const o = <usize>j << 3;
      v128.store(d + o, op2(op, v128.load(a + o), v128.load(b + o)));
    }
  } else if (aVector) {
    const bv = v128.load64_splat(b);
    for (; j < n2; j += 2) {
      const o = <usize>j << 3;
      v128.store(d + o, op2(op, v128.load(a + o), bv));
    }
  } else if (bVector) {
    const av = v128.load64_splat(a);
    for (; j < n2; j += 2) {
      const o = <usize>j << 3;
      v128.store(d + o, op2(op, av, v128.load(b + o)));
    }
  } else {
    const v = f64x2.extract_lane(op2(op, v128.load64_splat(a), v128.load64_splat(b)), 0);
    for (; j < n; j++) store<f64>(d + (<usize>j << 3), v);
    return;
  }
  for (; j < n; j++) {
    const av = v128.load64_splat(a + (aVector ? <usize>j << 3 : 0));
    const bv = v128.load64_splat(b + (bVector ? <usize>j << 3 : 0));
    store<f64>(d + (<usize>j << 3), f64x2.extract_lane(op2(op, av, bv), 0));
  }
}

// @ts-ignore: decorator
@inline
function blockF32(op: i32, a: usize, aMode: i32, b: usize, bMode: i32, d: usize, rows: i32, cols: i32): void {
  const aVector = alongRow(aMode);
  const bVector = alongRow(bMode);
  for (let r = 0; r < rows; r++) {
    rowF32(op, rowStart(a, aMode, r, cols, 2), aVector, rowStart(b, bMode, r, cols, 2), bVector, d + (<usize>(r * cols) << 2), cols);
  }
}

// @ts-ignore: decorator
@inline
function blockF64(op: i32, a: usize, aMode: i32, b: usize, bMode: i32, d: usize, rows: i32, cols: i32): void {
  const aVector = alongRow(aMode);
  const bVector = alongRow(bMode);
  for (let r = 0; r < rows; r++) {
    rowF64(op, rowStart(a, aMode, r, cols, 3), aVector, rowStart(b, bMode, r, cols, 3), bVector, d + (<usize>(r * cols) << 3), cols);
  }
}

/** d[r, c] = op(a[r, c], b[r, c]) over a rows × cols block of float32, the operands as their
 *  modes say; d is full and may be the same memory as a full operand. */
export function binaryF32(op: i32, a: usize, aMode: i32, b: usize, bMode: i32, d: usize, rows: i32, cols: i32): void {
  if (op == ADD) blockF32(ADD, a, aMode, b, bMode, d, rows, cols);
  else if (op == SUB) blockF32(SUB, a, aMode, b, bMode, d, rows, cols);
  else if (op == MUL) blockF32(MUL, a, aMode, b, bMode, d, rows, cols);
  else if (op == DIV) blockF32(DIV, a, aMode, b, bMode, d, rows, cols);
  else if (op == MAX) blockF32(MAX, a, aMode, b, bMode, d, rows, cols);
  else blockF32(MIN, a, aMode, b, bMode, d, rows, cols);
}

/** binaryF32 over float64. */
export function binaryF64(op: i32, a: usize, aMode: i32, b: usize, bMode: i32, d: usize, rows: i32, cols: i32): void {
  if (op == ADD) blockF64(ADD, a, aMode, b, bMode, d, rows, cols);
  else if (op == SUB) blockF64(SUB, a, aMode, b, bMode, d, rows, cols);
  else if (op == MUL) blockF64(MUL, a, aMode, b, bMode, d, rows, cols);
  else if (op == DIV) blockF64(DIV, a, aMode, b, bMode, d, rows, cols);
  else if (op == MAX) blockF64(MAX, a, aMode, b, bMode, d, rows, cols);
  else blockF64(MIN, a, aMode, b, bMode, d, rows, cols);
}
