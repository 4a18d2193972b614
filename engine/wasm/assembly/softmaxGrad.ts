// The gradients of softmax and log_softmax along contiguous rows, one pass over each row for
// its sum and one for the result (engine/wasm/elementwise.ts stages the rows):
//   softmax:     dx = (dy - Σ dy·y) · y
//   log_softmax: dx = dy - Σ dy · exp(y)
// Each row's sum is taken in float64 in four partial sums (element j into sum j mod 4), then
// (s0 + s2) + (s1 + s3), then the last n mod 4 elements in order: the reference
// (engine/ops/nn/softmax.ts) sums in the same order, so the two agree bit for bit wherever
// no exp is taken. Products and the result are rounded to the data's width, as the ops they
// replace would round them.

import { exp4 } from './elementwise';

/** Σ a[j]·b[j] over a row of n float32 values (Σ b[j] when `products` is false), in float64. */
// @ts-ignore: decorator
@inline
function rowSumF32(a: usize, b: usize, n: i32, products: bool): f64 {
  const n4 = n & ~3;
  let lo = f64x2.splat(0);
  let hi = f64x2.splat(0);
  let j = 0;
  for (; j < n4; j += 4) {
    let p = v128.load(b + (<usize>j << 2));
    if (products) p = f32x4.mul(v128.load(a + (<usize>j << 2)), p);
    lo = f64x2.add(lo, f64x2.promote_low_f32x4(p));
    hi = f64x2.add(hi, f64x2.promote_low_f32x4(v128.shuffle<i64>(p, p, 1, 0)));
  }
  const pairs = f64x2.add(lo, hi);
  let s = f64x2.extract_lane(pairs, 0) + f64x2.extract_lane(pairs, 1);
  for (; j < n; j++) {
    const bj = load<f32>(b + (<usize>j << 2));
    s += <f64>(products ? load<f32>(a + (<usize>j << 2)) * bj : bj);
  }
  return s;
}

/** Σ a[j]·b[j] over a row of n float64 values (Σ b[j] when `products` is false). */
// @ts-ignore: decorator
@inline
function rowSumF64(a: usize, b: usize, n: i32, products: bool): f64 {
  const n4 = n & ~3;
  let lo = f64x2.splat(0);
  let hi = f64x2.splat(0);
  let j = 0;
  for (; j < n4; j += 4) {
    let p0 = v128.load(b + (<usize>j << 3));
    let p1 = v128.load(b + (<usize>(j + 2) << 3));
    if (products) {
      p0 = f64x2.mul(v128.load(a + (<usize>j << 3)), p0);
      p1 = f64x2.mul(v128.load(a + (<usize>(j + 2) << 3)), p1);
    }
    lo = f64x2.add(lo, p0);
    hi = f64x2.add(hi, p1);
  }
  const pairs = f64x2.add(lo, hi);
  let s = f64x2.extract_lane(pairs, 0) + f64x2.extract_lane(pairs, 1);
  for (; j < n; j++) {
    const bj = load<f64>(b + (<usize>j << 3));
    s += products ? load<f64>(a + (<usize>j << 3)) * bj : bj;
  }
  return s;
}

/** dx of `rows` contiguous float32 rows of n, from softmax's (or log_softmax's) output y and
 *  the incoming gradient dy; dst may be dy. */
export function softmaxGradRowsF32(y: usize, dy: usize, dst: usize, rows: i32, n: i32, log: bool): void {
  const n4 = n & ~3;
  for (let r = 0; r < rows; r++) {
    const at = <usize>(r * n) << 2;
    const ry = y + at;
    const rdy = dy + at;
    const rd = dst + at;
    const s = <f32>rowSumF32(ry, rdy, n, !log);
    const sv = f32x4.splat(s);
    let j = 0;
    if (log) {
      for (; j < n4; j += 4) {
        const o = <usize>j << 2;
        v128.store(rd + o, f32x4.sub(v128.load(rdy + o), f32x4.mul(sv, exp4(v128.load(ry + o)))));
      }
      for (; j < n; j++) {
        const o = <usize>j << 2;
        store<f32>(rd + o, load<f32>(rdy + o) - s * f32x4.extract_lane(exp4(f32x4.splat(load<f32>(ry + o))), 0));
      }
    } else {
      for (; j < n4; j += 4) {
        const o = <usize>j << 2;
        v128.store(rd + o, f32x4.mul(f32x4.sub(v128.load(rdy + o), sv), v128.load(ry + o)));
      }
      for (; j < n; j++) {
        const o = <usize>j << 2;
        store<f32>(rd + o, (load<f32>(rdy + o) - s) * load<f32>(ry + o));
      }
    }
  }
}

/** softmax's dx of `rows` contiguous float64 rows of n; dst may be dy. */
export function softmaxGradRowsF64(y: usize, dy: usize, dst: usize, rows: i32, n: i32): void {
  const n2 = n & ~1;
  for (let r = 0; r < rows; r++) {
    const at = <usize>(r * n) << 3;
    const ry = y + at;
    const rdy = dy + at;
    const rd = dst + at;
    const s = rowSumF64(ry, rdy, n, true);
    const sv = f64x2.splat(s);
    let j = 0;
    for (; j < n2; j += 2) {
      const o = <usize>j << 3;
      v128.store(rd + o, f64x2.mul(f64x2.sub(v128.load(rdy + o), sv), v128.load(ry + o)));
    }
    if (j < n) {
      const o = <usize>j << 3;
      store<f64>(rd + o, (load<f64>(rdy + o) - s) * load<f64>(ry + o));
    }
  }
}
