// Elementwise float32 functions over f32x4, for the unary ops whose TypeScript loops call
// Math.exp/Math.tanh per element (engine/wasm/elementwise.ts), and softmax's exponentials.
//
// exp is Cephes' expf: n = round(x·log2 e), r = x - n·ln 2 in two parts, a degree-7
// polynomial for e^r, scaled by 2^n (in two steps when the result is subnormal or infinite,
// so that results down to the smallest subnormals are reached). Its error is about 1 ulp of float32, where the reference rounds
// the float64 Math.exp once: the two differ by at most a couple of ulps (TensorFlow's own
// float32 exp is such a polynomial too).

import { madd } from './madd';

const LOG2E: f32 = 1.44269504088896341;
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.12194440e-4;
const EXP_MAX: f32 = 88.72283935546875;
const EXP_MIN: f32 = -103.972084;
/** Where e^x and every intermediate of exp4's quick path are normal floats: n within
 *  [-125, 127] and the polynomial in [0.70, 1.42]. */
const EXP_NORMAL_MIN: f32 = -86.5;
const EXP_NORMAL_MAX: f32 = 88.0;
/** 1.5·2^23: adding it to |v| < 2^22 rounds v to an integer held in the low mantissa bits. */
const ROUNDING_BIAS: f32 = 12582912.0;

// @ts-ignore: decorator
@inline
function scale2(p: v128, n: v128): v128 {
  // 2^n as two factors 2^(n>>1)·2^(n - (n>>1)), each a valid normal float for |n| <= 254.
  const half = i32x4.shr_s(n, 1);
  const rest = i32x4.sub(n, half);
  const bias = i32x4.splat(127);
  const a = i32x4.shl(i32x4.add(half, bias), 23);
  const b = i32x4.shl(i32x4.add(rest, bias), 23);
  return f32x4.mul(f32x4.mul(p, a), b);
}

/** e^x for four floats anywhere (NaN stays NaN, +inf and overflow give +inf, -inf gives 0,
 *  results down to the smallest subnormals). */
// @ts-ignore: decorator
@inline
function expAnywhere4(x: v128): v128 {
  const big = f32x4.gt(x, f32x4.splat(EXP_MAX));
  const xc = f32x4.max(f32x4.min(x, f32x4.splat(EXP_MAX)), f32x4.splat(EXP_MIN));
  const fn = f32x4.nearest(f32x4.mul(xc, f32x4.splat(LOG2E)));
  const result = scale2(expReduced4(xc, fn), i32x4.trunc_sat_f32x4_s(fn));
  return v128.bitselect(f32x4.splat(Infinity), result, big);
}

/** e^r for r = x - fn·ln 2 (|r| <= ln 2 / 2): Cephes' polynomial. */
// @ts-ignore: decorator
@inline
function expReduced4(x: v128, fn: v128): v128 {
  let r = madd<f32>(fn, f32x4.splat(-LN2_HI), x);
  r = madd<f32>(fn, f32x4.splat(-LN2_LO), r);
  const r2 = f32x4.mul(r, r);
  let p = f32x4.splat(1.9875691500e-4);
  p = madd<f32>(p, r, f32x4.splat(1.3981999507e-3));
  p = madd<f32>(p, r, f32x4.splat(8.3334519073e-3));
  p = madd<f32>(p, r, f32x4.splat(4.1665795894e-2));
  p = madd<f32>(p, r, f32x4.splat(1.6666665459e-1));
  p = madd<f32>(p, r, f32x4.splat(5.0000001201e-1));
  return f32x4.add(madd<f32>(p, r2, r), f32x4.splat(1));
}

/** e^x for four floats, as expAnywhere4. When every lane's result is a normal float (the
 *  usual case: softmax's x - max, activations), n = round(x·log2 e) comes from adding
 *  1.5·2^23 (the sum's low mantissa bits hold n) and 2^n is applied by adding n to the
 *  polynomial's exponent field: no rounding instruction, conversion or two-step scaling. */
// @ts-ignore: decorator
@inline
export function exp4(x: v128): v128 {
  const normal = v128.and(f32x4.ge(x, f32x4.splat(EXP_NORMAL_MIN)), f32x4.le(x, f32x4.splat(EXP_NORMAL_MAX)));
  if (!i32x4.all_true(normal)) return expAnywhere4(x);
  const shifted = f32x4.add(f32x4.mul(x, f32x4.splat(LOG2E)), f32x4.splat(ROUNDING_BIAS));
  const fn = f32x4.sub(shifted, f32x4.splat(ROUNDING_BIAS));
  return i32x4.add(expReduced4(x, fn), i32x4.shl(shifted, 23));
}

/** tanh: an odd polynomial below 0.625 (Cephes' tanhf), else 1 - 2/(e^{2|x|} + 1); x's sign. */
// @ts-ignore: decorator
@inline
function tanh4(x: v128): v128 {
  const ax = f32x4.abs(x);
  const z = f32x4.mul(x, x);
  let p = f32x4.splat(-5.70498872745e-3);
  p = madd<f32>(p, z, f32x4.splat(2.06390887954e-2));
  p = madd<f32>(p, z, f32x4.splat(-5.37397155531e-2));
  p = madd<f32>(p, z, f32x4.splat(1.33314422036e-1));
  p = madd<f32>(p, z, f32x4.splat(-3.33332819422e-1));
  const small = madd<f32>(f32x4.mul(p, z), ax, ax);
  const e = exp4(f32x4.add(ax, ax));
  const large = f32x4.sub(f32x4.splat(1), f32x4.div(f32x4.splat(2), f32x4.add(e, f32x4.splat(1))));
  // |tanh x| from either branch, with x's sign bit (so tanh(-0) is -0).
  const magnitude = v128.bitselect(small, large, f32x4.lt(ax, f32x4.splat(0.625)));
  return v128.or(magnitude, v128.and(x, i32x4.splat(0x80000000)));
}

/** sigmoid with one exp of -|x| (never overflows), as the reference computes it: 1/(1 + e)
 *  for x >= 0, e/(1 + e) below, the numerator chosen before the one division. */
// @ts-ignore: decorator
@inline
function sigmoid4(x: v128): v128 {
  const e = exp4(f32x4.neg(f32x4.abs(x)));
  const numerator = v128.bitselect(f32x4.splat(1), e, f32x4.ge(x, f32x4.splat(0)));
  return f32x4.div(numerator, f32x4.add(f32x4.splat(1), e));
}

// Function codes of unaryF32 (engine/wasm/elementwise.ts names them).
const EXP = 0;
const TANH = 1;
const SIGMOID = 2;

/** dst[i] = f(src[i]) for i < n, f chosen by `fn`; src and dst may be the same. */
export function unaryF32(fn: i32, src: usize, dst: usize, n: i32): void {
  const n4 = n & ~3;
  let i = 0;
  if (fn == EXP) {
    for (; i < n4; i += 4) v128.store(dst + (<usize>i << 2), exp4(v128.load(src + (<usize>i << 2))));
  } else if (fn == TANH) {
    for (; i < n4; i += 4) v128.store(dst + (<usize>i << 2), tanh4(v128.load(src + (<usize>i << 2))));
  } else if (fn == SIGMOID) {
    for (; i < n4; i += 4) v128.store(dst + (<usize>i << 2), sigmoid4(v128.load(src + (<usize>i << 2))));
  }
  // The last n % 4 through the same vector code, one lane used.
  for (; i < n; i++) {
    const x = f32x4.splat(load<f32>(src + (<usize>i << 2)));
    const y = fn == EXP ? exp4(x) : fn == TANH ? tanh4(x) : sigmoid4(x);
    store<f32>(dst + (<usize>i << 2), f32x4.extract_lane(y, 0));
  }
}

/**
 * softmax (or log-softmax) of `rows` contiguous rows of n floats: the row maximum is
 * subtracted before exponentiating; the sum of exponentials is taken in float32 over four
 * lanes, then the lanes in order.
 */
export function softmaxRowsF32(src: usize, dst: usize, rows: i32, n: i32, log: bool): void {
  const n4 = n & ~3;
  const n8 = n & ~7;
  for (let r = 0; r < rows; r++) {
    const s = src + (<usize>(r * n) << 2);
    const d = dst + (<usize>(r * n) << 2);
    // pmax (one instruction; a NaN in the row is skipped here but still makes its sum, and
    // so the whole row, NaN) in two chains: wasm's max is a long dependent sequence on x86.
    let mx = f32x4.splat(-Infinity);
    let mx1 = mx;
    let j = 0;
    for (; j < n8; j += 8) {
      mx = f32x4.pmax(mx, v128.load(s + (<usize>j << 2)));
      mx1 = f32x4.pmax(mx1, v128.load(s + (<usize>j << 2), 16));
    }
    for (; j < n4; j += 4) mx = f32x4.pmax(mx, v128.load(s + (<usize>j << 2)));
    mx = f32x4.pmax(mx, mx1);
    let m = max(max(f32x4.extract_lane(mx, 0), f32x4.extract_lane(mx, 1)), max(f32x4.extract_lane(mx, 2), f32x4.extract_lane(mx, 3)));
    for (; j < n; j++) m = max(m, load<f32>(s + (<usize>j << 2)));
    const mv = f32x4.splat(m);
    let acc = f32x4.splat(0);
    j = 0;
    for (; j < n4; j += 4) {
      const e = exp4(f32x4.sub(v128.load(s + (<usize>j << 2)), mv));
      if (!log) v128.store(d + (<usize>j << 2), e);
      acc = f32x4.add(acc, e);
    }
    let sum = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
    for (; j < n; j++) {
      const e = f32x4.extract_lane(exp4(f32x4.splat(load<f32>(s + (<usize>j << 2)) - m)), 0);
      if (!log) store<f32>(d + (<usize>j << 2), e);
      sum += e;
    }
    if (log) {
      const shift = f32x4.splat(m + <f32>Math.log(<f64>sum));
      j = 0;
      for (; j < n4; j += 4) v128.store(d + (<usize>j << 2), f32x4.sub(v128.load(s + (<usize>j << 2)), shift));
      const sh = f32x4.extract_lane(shift, 0);
      for (; j < n; j++) store<f32>(d + (<usize>j << 2), load<f32>(s + (<usize>j << 2)) - sh);
    } else {
      // A multiply by 1/sum (within 1.5 ulps of the quotient) instead of a division per element.
      const inv: f32 = 1 / sum;
      const iv = f32x4.splat(inv);
      j = 0;
      for (; j < n4; j += 4) v128.store(d + (<usize>j << 2), f32x4.mul(v128.load(d + (<usize>j << 2)), iv));
      for (; j < n; j++) store<f32>(d + (<usize>j << 2), load<f32>(d + (<usize>j << 2)) * inv);
    }
  }
}
