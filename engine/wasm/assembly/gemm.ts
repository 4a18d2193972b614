// Matrix products C (+)= A·B, in float32 and float64, blocked and packed for 128-bit SIMD.
//
// Operands are addressed by strides (elements), so transposes and views need no copy:
// A[i, k] is at a + (i·ars + k·acs), B[k, j] at b + (k·brs + j·bcs), C[i, j] at c + i·ldc + j.
// The product is computed in blocks of k: the block of B is packed into panels of NR
// columns (k-major: each step of k is NR contiguous values), blocks of MC rows of A into
// panels of MR rows, and a micro-kernel keeps an MR×NR tile of C in eight registers while it
// walks k. Edges are packed with zeros, computed into a scratch tile and copied back.
// Packing is the transpose: a panel gathers values that lie across memory (rows of A, a
// transposed B's columns) by loading whole vectors along memory and shuffling them.
// One generic body serves both widths: T is f32 (NR = 8, two f32x4 per row) or f64 (NR = 4,
// two f64x2 per row).
//
// Summation order: each C[i, j] sums its products in increasing k within a block, and
// blocks are added to C in increasing k. float32 operands are multiplied and summed in
// float32 (as TensorFlow's and PyTorch's CPU kernels do), float64 in float64.

import { madd } from './madd';

const KC: i32 = 256;
const MC: i32 = 96;
const MR: i32 = 4;

/** Columns of a panel: two vectors. */
// @ts-ignore: decorator
@inline
function nr<T>(): i32 {
  return <i32>(32 / sizeof<T>());
}

// @ts-ignore: decorator
@inline
function at<T>(base: usize, index: i32): usize {
  return base + <usize>index * sizeof<T>();
}

function roundUp(n: i32, m: i32): i32 {
  return ((n + m - 1) / m) * m;
}

function scratchBytes<T>(n: i32): i32 {
  return (MC * KC + KC * roundUp(n, nr<T>()) + MR * nr<T>()) * <i32>sizeof<T>();
}

/** Lanes of a vector: how many lines one transpose interleaves. */
// @ts-ignore: decorator
@inline
function lanes<T>(): i32 {
  return <i32>(16 / sizeof<T>());
}

/** Interleaves `lanes<T>()` lines of kc values (the first at `src`, the next `srcStride`
 *  bytes on): step k's vector, line by line, goes to dst + k·dstStride. Panels read rows of
 *  A and transposed columns of B so, a whole square of vectors at a time. */
function interleave<T>(src: usize, srcStride: usize, kc: i32, dst: usize, dstStride: usize): void {
  const e = <usize>sizeof<T>();
  const L = lanes<T>();
  const full = kc - (kc % L);
  let s = src;
  let d = dst;
  if (sizeof<T>() == 4) {
    for (let k = 0; k < full; k += 4) {
      const x0 = v128.load(s);
      const x1 = v128.load(s + srcStride);
      const x2 = v128.load(s + 2 * srcStride);
      const x3 = v128.load(s + 3 * srcStride);
      const lo01 = i32x4.shuffle(x0, x1, 0, 4, 1, 5);
      const lo23 = i32x4.shuffle(x2, x3, 0, 4, 1, 5);
      const hi01 = i32x4.shuffle(x0, x1, 2, 6, 3, 7);
      const hi23 = i32x4.shuffle(x2, x3, 2, 6, 3, 7);
      v128.store(d, i64x2.shuffle(lo01, lo23, 0, 2));
      v128.store(d + dstStride, i64x2.shuffle(lo01, lo23, 1, 3));
      v128.store(d + 2 * dstStride, i64x2.shuffle(hi01, hi23, 0, 2));
      v128.store(d + 3 * dstStride, i64x2.shuffle(hi01, hi23, 1, 3));
      s += 16;
      d += 4 * dstStride;
    }
  } else {
    for (let k = 0; k < full; k += 2) {
      const x0 = v128.load(s);
      const x1 = v128.load(s + srcStride);
      v128.store(d, i64x2.shuffle(x0, x1, 0, 2));
      v128.store(d + dstStride, i64x2.shuffle(x0, x1, 1, 3));
      s += 16;
      d += 2 * dstStride;
    }
  }
  for (let k = full; k < kc; k++) {
    for (let line = 0; line < L; line++) store<T>(d + <usize>line * e, load<T>(s + <usize>line * srcStride));
    s += e;
    d += dstStride;
  }
}

/** Rows [i0, i0 + mc) × steps [p0, p0 + kc) of A into panels of MR rows, zero past m. */
function packA<T>(a: usize, ars: i32, acs: i32, m: i32, i0: i32, mc: i32, p0: i32, kc: i32, dst: usize): void {
  const e = <usize>sizeof<T>();
  const dStep = <usize>MR * e;
  for (let ip = 0; ip < mc; ip += MR) {
    const panel = at<T>(dst, ip * kc);
    const first = i0 + ip;
    if (first + MR <= m && (acs == 1 || ars == 1)) {
      let s = at<T>(a, first * ars + p0 * acs);
      if (acs == 1) {
        // Rows along memory: each step's MR values are a column of a square transposed.
        for (let r = 0; r < MR; r += lanes<T>()) interleave<T>(s + <usize>(r * ars) * e, <usize>ars * e, kc, panel + <usize>r * e, dStep);
      } else {
        // A transposed: each step's MR values are contiguous.
        const step = <usize>acs * e;
        let d = panel;
        for (let k = 0; k < kc; k++) {
          v128.store(d, v128.load(s));
          if (sizeof<T>() == 8) v128.store(d, v128.load(s, 16), 16);
          s += step;
          d += dStep;
        }
      }
      continue;
    }
    for (let r = 0; r < MR; r++) {
      const i = first + r;
      let d = panel + <usize>r * e;
      if (i < m) {
        let s = at<T>(a, i * ars + p0 * acs);
        const step = <usize>acs * e;
        for (let k = 0; k < kc; k++) {
          store<T>(d, load<T>(s));
          s += step;
          d += dStep;
        }
      } else {
        for (let k = 0; k < kc; k++) {
          store<T>(d, <T>0);
          d += dStep;
        }
      }
    }
  }
}

/** Steps [p0, p0 + kc) × all n columns of B into panels of NR columns, zero past n. */
function packB<T>(b: usize, brs: i32, bcs: i32, n: i32, p0: i32, kc: i32, dst: usize): void {
  const NR = nr<T>();
  const full = n - (n % NR);
  const panelRow = <usize>NR * sizeof<T>();
  let d = dst;
  let j0 = 0;
  if (bcs == 1) {
    // Two panels per pass: each row's 64 bytes are one cache line read once (a panel alone
    // uses half of each line, and rows n apart share few cache sets: the other half would
    // be evicted before the next panel reads it).
    const panelBytes = <usize>kc * panelRow;
    const step = <usize>brs * sizeof<T>();
    for (; j0 + 2 * NR <= full; j0 += 2 * NR) {
      let s = at<T>(b, p0 * brs + j0);
      let d2 = d + panelBytes;
      for (let k = 0; k < kc; k++) {
        v128.store(d, v128.load(s));
        v128.store(d, v128.load(s, 16), 16);
        v128.store(d2, v128.load(s, 32));
        v128.store(d2, v128.load(s, 48), 16);
        s += step;
        d += panelRow;
        d2 += panelRow;
      }
      d += panelBytes;
    }
  }
  for (; j0 < full; j0 += NR) {
    if (bcs == 1) {
      let s = at<T>(b, p0 * brs + j0);
      const step = <usize>brs * sizeof<T>();
      for (let k = 0; k < kc; k++) {
        v128.store(d, v128.load(s));
        v128.store(d, v128.load(s, 16), 16);
        s += step;
        d += panelRow;
      }
    } else if (brs == 1) {
      // B transposed: its columns lie along memory, a square of vectors is transposed at a time.
      for (let c = 0; c < NR; c += lanes<T>()) {
        interleave<T>(at<T>(b, p0 + (j0 + c) * bcs), <usize>bcs * sizeof<T>(), kc, at<T>(d, c), panelRow);
      }
      d += <usize>kc * panelRow;
    } else {
      for (let k = 0; k < kc; k++) {
        const s = at<T>(b, (p0 + k) * brs + j0 * bcs);
        for (let c = 0; c < NR; c++) store<T>(at<T>(d, c), load<T>(at<T>(s, c * bcs)));
        d += panelRow;
      }
    }
  }
  if (full < n) {
    for (let k = 0; k < kc; k++) {
      const s = at<T>(b, (p0 + k) * brs);
      for (let c = 0; c < NR; c++) {
        const j = full + c;
        store<T>(at<T>(d, c), j < n ? load<T>(at<T>(s, j * bcs)) : <T>0);
      }
      d += panelRow;
    }
  }
}

/** The MR×NR tile at c (row stride ldc bytes) = (its old value if `add`, else 0) + the
 *  kc-step product of the packed panels pa and pb. */
// @ts-ignore: decorator
@inline
function tile<T>(kc: i32, pa: usize, pb: usize, c: usize, ldc: usize, add: bool): void {
  const e = sizeof<T>();
  let c00 = v128.splat<T>(0), c01 = v128.splat<T>(0);
  let c10 = v128.splat<T>(0), c11 = v128.splat<T>(0);
  let c20 = v128.splat<T>(0), c21 = v128.splat<T>(0);
  let c30 = v128.splat<T>(0), c31 = v128.splat<T>(0);
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let a = v128.load_splat<T>(pa);
    c00 = madd<T>(a, b0, c00);
    c01 = madd<T>(a, b1, c01);
    a = v128.load_splat<T>(pa + e);
    c10 = madd<T>(a, b0, c10);
    c11 = madd<T>(a, b1, c11);
    a = v128.load_splat<T>(pa + 2 * e);
    c20 = madd<T>(a, b0, c20);
    c21 = madd<T>(a, b1, c21);
    a = v128.load_splat<T>(pa + 3 * e);
    c30 = madd<T>(a, b0, c30);
    c31 = madd<T>(a, b1, c31);
    pa += <usize>MR * e;
    pb += 32;
  }
  if (add) {
    c00 = v128.add<T>(v128.load(c), c00);
    c01 = v128.add<T>(v128.load(c, 16), c01);
    c10 = v128.add<T>(v128.load(c + ldc), c10);
    c11 = v128.add<T>(v128.load(c + ldc, 16), c11);
    c20 = v128.add<T>(v128.load(c + 2 * ldc), c20);
    c21 = v128.add<T>(v128.load(c + 2 * ldc, 16), c21);
    c30 = v128.add<T>(v128.load(c + 3 * ldc), c30);
    c31 = v128.add<T>(v128.load(c + 3 * ldc, 16), c31);
  }
  v128.store(c, c00);
  v128.store(c, c01, 16);
  v128.store(c + ldc, c10);
  v128.store(c + ldc, c11, 16);
  v128.store(c + 2 * ldc, c20);
  v128.store(c + 2 * ldc, c21, 16);
  v128.store(c + 3 * ldc, c30);
  v128.store(c + 3 * ldc, c31, 16);
}

function gemm<T>(a: usize, ars: i32, acs: i32, b: usize, brs: i32, bcs: i32, c: usize, ldc: i32, m: i32, n: i32, k: i32, accumulate: bool, scratch: usize): void {
  const NR = nr<T>();
  const e = sizeof<T>();
  const packedA = scratch;
  const packedB = at<T>(packedA, MC * KC);
  const tileScratch = at<T>(packedB, KC * roundUp(n, NR));
  const ldcBytes = <usize>ldc * e;
  if (k == 0) {
    if (!accumulate) for (let i = 0; i < m; i++) memory.fill(c + <usize>i * ldcBytes, 0, <usize>n * e);
    return;
  }
  // Blocks of k as even as possible (784 = 4 × 196, not 3 × 256 + 16): a short last block
  // would pay a whole pass over C for few steps.
  const blocks = (k + KC - 1) / KC;
  const step = (k + blocks - 1) / blocks;
  for (let p0 = 0; p0 < k; p0 += step) {
    const kc = min(step, k - p0);
    const add = accumulate || p0 > 0;
    packB<T>(b, brs, bcs, n, p0, kc, packedB);
    for (let i0 = 0; i0 < m; i0 += MC) {
      const mc = min(MC, m - i0);
      packA<T>(a, ars, acs, m, i0, roundUp(mc, MR), p0, kc, packedA);
      for (let j0 = 0; j0 < n; j0 += NR) {
        const pb = at<T>(packedB, j0 * kc);
        const cols = min(NR, n - j0);
        for (let ip = 0; ip < mc; ip += MR) {
          const pa = at<T>(packedA, ip * kc);
          const rows = min(MR, mc - ip);
          const ct = c + <usize>(i0 + ip) * ldcBytes + <usize>j0 * e;
          if (rows == MR && cols == NR) {
            tile<T>(kc, pa, pb, ct, ldcBytes, add);
          } else {
            tile<T>(kc, pa, pb, tileScratch, <usize>NR * e, false);
            for (let r = 0; r < rows; r++) {
              for (let q = 0; q < cols; q++) {
                const dst = ct + <usize>r * ldcBytes + <usize>q * e;
                const v = load<T>(at<T>(tileScratch, r * NR + q));
                store<T>(dst, add ? load<T>(dst) + v : v);
              }
            }
          }
        }
      }
    }
  }
}

/** Bytes of scratch `gemmF32` needs for an n-column product. */
export function gemmScratchF32(n: i32): i32 {
  return scratchBytes<f32>(n);
}

/** Bytes of scratch `gemmF64` needs for an n-column product. */
export function gemmScratchF64(n: i32): i32 {
  return scratchBytes<f64>(n);
}

/** C[m×n] = A·B (or C += A·B when `accumulate`), float32; `scratch` holds gemmScratchF32(n) bytes. */
export function gemmF32(a: usize, ars: i32, acs: i32, b: usize, brs: i32, bcs: i32, c: usize, ldc: i32, m: i32, n: i32, k: i32, accumulate: bool, scratch: usize): void {
  gemm<f32>(a, ars, acs, b, brs, bcs, c, ldc, m, n, k, accumulate, scratch);
}

/** As gemmF32, in float64. */
export function gemmF64(a: usize, ars: i32, acs: i32, b: usize, brs: i32, bcs: i32, c: usize, ldc: i32, m: i32, n: i32, k: i32, accumulate: bool, scratch: usize): void {
  gemm<f64>(a, ars, acs, b, brs, bcs, c, ldc, m, n, k, accumulate, scratch);
}
