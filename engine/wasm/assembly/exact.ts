// Elementwise functions that are one correctly rounded IEEE operation (or none) per
// element: negative, abs, square, sqrt, reciprocal, relu, and the running sum of add_n. On
// float32 data the reference computes them in float64 and rounds once, which for these
// operations is the float32 operation itself, so both widths agree bit for bit with it.

// Function codes of mapF32/mapF64 (engine/wasm/elementwise.ts names them).
const NEGATIVE = 3;
const ABS = 4;
const SQUARE = 5;
const SQRT = 6;
const RECIPROCAL = 7;
const RELU = 8;

// @ts-ignore: decorator
@inline
function f4(fn: i32, x: v128): v128 {
  if (fn == NEGATIVE) return f32x4.neg(x);
  if (fn == ABS) return f32x4.abs(x);
  if (fn == SQUARE) return f32x4.mul(x, x);
  if (fn == SQRT) return f32x4.sqrt(x);
  if (fn == RECIPROCAL) return f32x4.div(f32x4.splat(1), x);
  // relu: 0 where x < 0, else x (NaN and -0 kept, as the reference).
  return v128.andnot(x, f32x4.lt(x, f32x4.splat(0)));
}

// @ts-ignore: decorator
@inline
function f2(fn: i32, x: v128): v128 {
  if (fn == NEGATIVE) return f64x2.neg(x);
  if (fn == ABS) return f64x2.abs(x);
  if (fn == SQUARE) return f64x2.mul(x, x);
  if (fn == SQRT) return f64x2.sqrt(x);
  if (fn == RECIPROCAL) return f64x2.div(f64x2.splat(1), x);
  return v128.andnot(x, f64x2.lt(x, f64x2.splat(0)));
}

// @ts-ignore: decorator
@inline
function mapLoopF32(fn: i32, src: usize, dst: usize, n: i32): void {
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) v128.store(dst + (<usize>i << 2), f4(fn, v128.load(src + (<usize>i << 2))));
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), f32x4.extract_lane(f4(fn, v128.load32_splat(src + (<usize>i << 2))), 0));
}

// @ts-ignore: decorator
@inline
function mapLoopF64(fn: i32, src: usize, dst: usize, n: i32): void {
  const n2 = n & ~1;
  let i = 0;
  for (; i < n2; i += 2) v128.store(dst + (<usize>i << 3), f2(fn, v128.load(src + (<usize>i << 3))));
  if (i < n) store<f64>(dst + (<usize>i << 3), f64x2.extract_lane(f2(fn, v128.load64_splat(src + (<usize>i << 3))), 0));
}

/** dst[i] = f(src[i]) for i < n over float32, f chosen by `fn`; src and dst may be the same. */
export function mapF32(fn: i32, src: usize, dst: usize, n: i32): void {
  // Each function gets its own loop (fn a constant once inlined).
  if (fn == NEGATIVE) mapLoopF32(NEGATIVE, src, dst, n);
  else if (fn == ABS) mapLoopF32(ABS, src, dst, n);
  else if (fn == SQUARE) mapLoopF32(SQUARE, src, dst, n);
  else if (fn == SQRT) mapLoopF32(SQRT, src, dst, n);
  else if (fn == RECIPROCAL) mapLoopF32(RECIPROCAL, src, dst, n);
  else mapLoopF32(RELU, src, dst, n);
}

/** mapF32 over float64. */
export function mapF64(fn: i32, src: usize, dst: usize, n: i32): void {
  if (fn == NEGATIVE) mapLoopF64(NEGATIVE, src, dst, n);
  else if (fn == ABS) mapLoopF64(ABS, src, dst, n);
  else if (fn == SQUARE) mapLoopF64(SQUARE, src, dst, n);
  else if (fn == SQRT) mapLoopF64(SQRT, src, dst, n);
  else if (fn == RECIPROCAL) mapLoopF64(RECIPROCAL, src, dst, n);
  else mapLoopF64(RELU, src, dst, n);
}

/** dst[i] = ((0 + s_0[i]) + s_1[i]) + ... for the `count` arrays of n floats at src,
 *  src + stride, ... (bytes): each partial sum rounded to float32, as TensorFlow's AddN. */
export function addNF32(src: usize, stride: usize, count: i32, dst: usize, n: i32): void {
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    let acc = f32x4.splat(0);
    for (let k = 0; k < count; k++) acc = f32x4.add(acc, v128.load(src + <usize>k * stride + o));
    v128.store(dst + o, acc);
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    let acc: f32 = 0;
    for (let k = 0; k < count; k++) acc += load<f32>(src + <usize>k * stride + o);
    store<f32>(dst + o, acc);
  }
}

/** addNF32 over float64. */
export function addNF64(src: usize, stride: usize, count: i32, dst: usize, n: i32): void {
  const n2 = n & ~1;
  let i = 0;
  for (; i < n2; i += 2) {
    const o = <usize>i << 3;
    let acc = f64x2.splat(0);
    for (let k = 0; k < count; k++) acc = f64x2.add(acc, v128.load(src + <usize>k * stride + o));
    v128.store(dst + o, acc);
  }
  if (i < n) {
    const o = <usize>i << 3;
    let acc: f64 = 0;
    for (let k = 0; k < count; k++) acc += load<f64>(src + <usize>k * stride + o);
    store<f64>(dst + o, acc);
  }
}
