// Matrix products C (+)= A·B, in float32 and float64, blocked and packed for 128-bit SIMD.
//
// Operands are addressed by strides (elements), so transposes and views need no copy:
// A[i, k] is at a + (i·ars + k·acs), B[k, j] at b + (k·brs + j·bcs), C[i, j] at c + i·ldc + j.
// The product is computed in blocks of KC steps of k: the block of B is packed into panels
// of NR columns (k-major: each step of k is NR contiguous values), blocks of MC rows of A
// into panels of MR rows, and a micro-kernel keeps an MR×NR tile of C in registers while it
// walks k. Edges are packed with zeros, computed into a scratch tile and copied back.
//
// Summation order: each C[i, j] sums its products in increasing k within a block of KC, and
// blocks are added to C in increasing k. float32 operands are multiplied and summed in
// float32 (as TensorFlow's and PyTorch's CPU kernels do), float64 in float64.

const KC: i32 = 256;
const MC: i32 = 96;

// float32: 4 rows × 8 columns (two f32x4 per row).
const MR32: i32 = 4;
const NR32: i32 = 8;
// float64: 4 rows × 4 columns (two f64x2 per row).
const MR64: i32 = 4;
const NR64: i32 = 4;

function roundUp(n: i32, m: i32): i32 {
  return ((n + m - 1) / m) * m;
}

/** Bytes of scratch `gemmF32` needs for an n-column product. */
export function gemmScratchF32(n: i32): i32 {
  return (MC * KC + KC * roundUp(n, NR32) + MR32 * NR32) * 4;
}

/** Bytes of scratch `gemmF64` needs for an n-column product. */
export function gemmScratchF64(n: i32): i32 {
  return (MC * KC + KC * roundUp(n, NR64) + MR64 * NR64) * 8;
}

// ---- float32 ---------------------------------------------------------------------------------

/** Rows [i0, i0 + MC) × steps [p0, p0 + kc) of A into panels of MR32 rows, zero past m. */
function packA32(a: usize, ars: i32, acs: i32, m: i32, i0: i32, mc: i32, p0: i32, kc: i32, dst: usize): void {
  for (let ip = 0; ip < mc; ip += MR32) {
    for (let r = 0; r < MR32; r++) {
      const i = i0 + ip + r;
      let d = dst + (<usize>(ip * kc + r) << 2);
      if (i < m) {
        let s = a + (<usize>(i * ars + p0 * acs) << 2);
        const step = <usize>acs << 2;
        for (let k = 0; k < kc; k++) {
          store<f32>(d, load<f32>(s));
          s += step;
          d += MR32 << 2;
        }
      } else {
        for (let k = 0; k < kc; k++) {
          store<f32>(d, 0);
          d += MR32 << 2;
        }
      }
    }
  }
}

/** Steps [p0, p0 + kc) × all n columns of B into panels of NR32 columns, zero past n. */
function packB32(b: usize, brs: i32, bcs: i32, n: i32, p0: i32, kc: i32, dst: usize): void {
  const full = n - (n % NR32);
  let d = dst;
  for (let j0 = 0; j0 < full; j0 += NR32) {
    if (bcs == 1) {
      let s = b + (<usize>(p0 * brs + j0) << 2);
      const step = <usize>brs << 2;
      for (let k = 0; k < kc; k++) {
        v128.store(d, v128.load(s));
        v128.store(d, v128.load(s, 16), 16);
        s += step;
        d += NR32 << 2;
      }
    } else {
      for (let k = 0; k < kc; k++) {
        const s = b + (<usize>((p0 + k) * brs + j0 * bcs) << 2);
        const step = <usize>bcs << 2;
        for (let c = 0; c < NR32; c++) store<f32>(d + (<usize>c << 2), load<f32>(s + <usize>c * step));
        d += NR32 << 2;
      }
    }
  }
  if (full < n) {
    for (let k = 0; k < kc; k++) {
      const s = b + (<usize>((p0 + k) * brs) << 2);
      for (let c = 0; c < NR32; c++) {
        const j = full + c;
        store<f32>(d + (<usize>c << 2), j < n ? load<f32>(s + (<usize>(j * bcs) << 2)) : 0);
      }
      d += NR32 << 2;
    }
  }
}

/** The MR32×NR32 tile at c (row stride ldc bytes) = (its old value if `add`, else 0) + the
 *  kc-step product of the packed panels pa and pb. */
// @ts-ignore: decorator
@inline
function tile32(kc: i32, pa: usize, pb: usize, c: usize, ldc: usize, add: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let a = v128.load32_splat(pa);
    c00 = f32x4.add(c00, f32x4.mul(a, b0));
    c01 = f32x4.add(c01, f32x4.mul(a, b1));
    a = v128.load32_splat(pa, 4);
    c10 = f32x4.add(c10, f32x4.mul(a, b0));
    c11 = f32x4.add(c11, f32x4.mul(a, b1));
    a = v128.load32_splat(pa, 8);
    c20 = f32x4.add(c20, f32x4.mul(a, b0));
    c21 = f32x4.add(c21, f32x4.mul(a, b1));
    a = v128.load32_splat(pa, 12);
    c30 = f32x4.add(c30, f32x4.mul(a, b0));
    c31 = f32x4.add(c31, f32x4.mul(a, b1));
    pa += MR32 << 2;
    pb += NR32 << 2;
  }
  if (add) {
    c00 = f32x4.add(v128.load(c), c00);
    c01 = f32x4.add(v128.load(c, 16), c01);
    c10 = f32x4.add(v128.load(c + ldc), c10);
    c11 = f32x4.add(v128.load(c + ldc, 16), c11);
    c20 = f32x4.add(v128.load(c + 2 * ldc), c20);
    c21 = f32x4.add(v128.load(c + 2 * ldc, 16), c21);
    c30 = f32x4.add(v128.load(c + 3 * ldc), c30);
    c31 = f32x4.add(v128.load(c + 3 * ldc, 16), c31);
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

/**
 * C[m×n] = A·B (or C += A·B when `accumulate`), float32. `scratch` holds gemmScratchF32(n)
 * bytes.
 */
export function gemmF32(
  a: usize, ars: i32, acs: i32,
  b: usize, brs: i32, bcs: i32,
  c: usize, ldc: i32,
  m: i32, n: i32, k: i32,
  accumulate: bool, scratch: usize,
): void {
  const packedA = scratch;
  const packedB = packedA + (<usize>(MC * KC) << 2);
  const tile = packedB + (<usize>(KC * roundUp(n, NR32)) << 2);
  const ldcBytes = <usize>ldc << 2;
  if (k == 0) {
    if (!accumulate) for (let i = 0; i < m; i++) memory.fill(c + <usize>i * ldcBytes, 0, <usize>n << 2);
    return;
  }
  // Blocks of k as even as possible (784 = 4 × 196, not 3 × 256 + 16): a short last block
  // would pay a whole pass over C for few steps.
  const blocks = (k + KC - 1) / KC;
  const step = (k + blocks - 1) / blocks;
  for (let p0 = 0; p0 < k; p0 += step) {
    const kc = min(step, k - p0);
    const add = accumulate || p0 > 0;
    packB32(b, brs, bcs, n, p0, kc, packedB);
    for (let i0 = 0; i0 < m; i0 += MC) {
      const mc = min(MC, m - i0);
      const mcPadded = roundUp(mc, MR32);
      packA32(a, ars, acs, m, i0, mcPadded, p0, kc, packedA);
      for (let j0 = 0; j0 < n; j0 += NR32) {
        const pb = packedB + (<usize>(j0 * kc) << 2);
        const cols = min(NR32, n - j0);
        for (let ip = 0; ip < mc; ip += MR32) {
          const pa = packedA + (<usize>(ip * kc) << 2);
          const rows = min(MR32, mc - ip);
          const ct = c + <usize>(i0 + ip) * ldcBytes + (<usize>j0 << 2);
          if (rows == MR32 && cols == NR32) {
            tile32(kc, pa, pb, ct, ldcBytes, add);
          } else {
            tile32(kc, pa, pb, tile, NR32 << 2, false);
            for (let r = 0; r < rows; r++) {
              for (let q = 0; q < cols; q++) {
                const dst = ct + <usize>r * ldcBytes + (<usize>q << 2);
                const v = load<f32>(tile + (<usize>(r * NR32 + q) << 2));
                store<f32>(dst, add ? load<f32>(dst) + v : v);
              }
            }
          }
        }
      }
    }
  }
}

// ---- float64 ---------------------------------------------------------------------------------

function packA64(a: usize, ars: i32, acs: i32, m: i32, i0: i32, mc: i32, p0: i32, kc: i32, dst: usize): void {
  for (let ip = 0; ip < mc; ip += MR64) {
    for (let r = 0; r < MR64; r++) {
      const i = i0 + ip + r;
      let d = dst + (<usize>(ip * kc + r) << 3);
      if (i < m) {
        let s = a + (<usize>(i * ars + p0 * acs) << 3);
        const step = <usize>acs << 3;
        for (let k = 0; k < kc; k++) {
          store<f64>(d, load<f64>(s));
          s += step;
          d += MR64 << 3;
        }
      } else {
        for (let k = 0; k < kc; k++) {
          store<f64>(d, 0);
          d += MR64 << 3;
        }
      }
    }
  }
}

function packB64(b: usize, brs: i32, bcs: i32, n: i32, p0: i32, kc: i32, dst: usize): void {
  const full = n - (n % NR64);
  let d = dst;
  for (let j0 = 0; j0 < full; j0 += NR64) {
    if (bcs == 1) {
      let s = b + (<usize>(p0 * brs + j0) << 3);
      const step = <usize>brs << 3;
      for (let k = 0; k < kc; k++) {
        v128.store(d, v128.load(s));
        v128.store(d, v128.load(s, 16), 16);
        s += step;
        d += NR64 << 3;
      }
    } else {
      for (let k = 0; k < kc; k++) {
        const s = b + (<usize>((p0 + k) * brs + j0 * bcs) << 3);
        const step = <usize>bcs << 3;
        for (let c = 0; c < NR64; c++) store<f64>(d + (<usize>c << 3), load<f64>(s + <usize>c * step));
        d += NR64 << 3;
      }
    }
  }
  if (full < n) {
    for (let k = 0; k < kc; k++) {
      const s = b + (<usize>((p0 + k) * brs) << 3);
      for (let c = 0; c < NR64; c++) {
        const j = full + c;
        store<f64>(d + (<usize>c << 3), j < n ? load<f64>(s + (<usize>(j * bcs) << 3)) : 0);
      }
      d += NR64 << 3;
    }
  }
}

// @ts-ignore: decorator
@inline
function tile64(kc: i32, pa: usize, pb: usize, c: usize, ldc: usize, add: bool): void {
  let c00 = f64x2.splat(0), c01 = f64x2.splat(0);
  let c10 = f64x2.splat(0), c11 = f64x2.splat(0);
  let c20 = f64x2.splat(0), c21 = f64x2.splat(0);
  let c30 = f64x2.splat(0), c31 = f64x2.splat(0);
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let a = v128.load64_splat(pa);
    c00 = f64x2.add(c00, f64x2.mul(a, b0));
    c01 = f64x2.add(c01, f64x2.mul(a, b1));
    a = v128.load64_splat(pa, 8);
    c10 = f64x2.add(c10, f64x2.mul(a, b0));
    c11 = f64x2.add(c11, f64x2.mul(a, b1));
    a = v128.load64_splat(pa, 16);
    c20 = f64x2.add(c20, f64x2.mul(a, b0));
    c21 = f64x2.add(c21, f64x2.mul(a, b1));
    a = v128.load64_splat(pa, 24);
    c30 = f64x2.add(c30, f64x2.mul(a, b0));
    c31 = f64x2.add(c31, f64x2.mul(a, b1));
    pa += MR64 << 3;
    pb += NR64 << 3;
  }
  if (add) {
    c00 = f64x2.add(v128.load(c), c00);
    c01 = f64x2.add(v128.load(c, 16), c01);
    c10 = f64x2.add(v128.load(c + ldc), c10);
    c11 = f64x2.add(v128.load(c + ldc, 16), c11);
    c20 = f64x2.add(v128.load(c + 2 * ldc), c20);
    c21 = f64x2.add(v128.load(c + 2 * ldc, 16), c21);
    c30 = f64x2.add(v128.load(c + 3 * ldc), c30);
    c31 = f64x2.add(v128.load(c + 3 * ldc, 16), c31);
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

/** As gemmF32, in float64. */
export function gemmF64(
  a: usize, ars: i32, acs: i32,
  b: usize, brs: i32, bcs: i32,
  c: usize, ldc: i32,
  m: i32, n: i32, k: i32,
  accumulate: bool, scratch: usize,
): void {
  const packedA = scratch;
  const packedB = packedA + (<usize>(MC * KC) << 3);
  const tile = packedB + (<usize>(KC * roundUp(n, NR64)) << 3);
  const ldcBytes = <usize>ldc << 3;
  if (k == 0) {
    if (!accumulate) for (let i = 0; i < m; i++) memory.fill(c + <usize>i * ldcBytes, 0, <usize>n << 3);
    return;
  }
  // Blocks of k as even as possible (784 = 4 × 196, not 3 × 256 + 16): a short last block
  // would pay a whole pass over C for few steps.
  const blocks = (k + KC - 1) / KC;
  const step = (k + blocks - 1) / blocks;
  for (let p0 = 0; p0 < k; p0 += step) {
    const kc = min(step, k - p0);
    const add = accumulate || p0 > 0;
    packB64(b, brs, bcs, n, p0, kc, packedB);
    for (let i0 = 0; i0 < m; i0 += MC) {
      const mc = min(MC, m - i0);
      const mcPadded = roundUp(mc, MR64);
      packA64(a, ars, acs, m, i0, mcPadded, p0, kc, packedA);
      for (let j0 = 0; j0 < n; j0 += NR64) {
        const pb = packedB + (<usize>(j0 * kc) << 3);
        const cols = min(NR64, n - j0);
        for (let ip = 0; ip < mc; ip += MR64) {
          const pa = packedA + (<usize>(ip * kc) << 3);
          const rows = min(MR64, mc - ip);
          const ct = c + <usize>(i0 + ip) * ldcBytes + (<usize>j0 << 3);
          if (rows == MR64 && cols == NR64) {
            tile64(kc, pa, pb, ct, ldcBytes, add);
          } else {
            tile64(kc, pa, pb, tile, NR64 << 3, false);
            for (let r = 0; r < rows; r++) {
              for (let q = 0; q < cols; q++) {
                const dst = ct + <usize>r * ldcBytes + (<usize>q << 3);
                const v = load<f64>(tile + (<usize>(r * NR64 + q) << 3));
                store<f64>(dst, add ? load<f64>(dst) + v : v);
              }
            }
          }
        }
      }
    }
  }
}
