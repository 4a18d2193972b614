// The patch matrix of a 2-D convolution (NHWC) and its transpose, for conv2d and its two
// backprops as matrix products (engine/wasm/nn.ts drives them with the gemm).
//
// Geometry is read from 14 i32 at `g`: N, H, W, C, KH, KW, OH, OW, padTop, padLeft, sh, sw,
// dh, dw (TensorFlow's output sizes and SAME padding, computed by engine/ops/nn.ts). Row
// r of the patch matrix is output position p = p0 + r = (n·OH + oh)·OW + ow; its column
// (kh·KW + kw)·C + c is the input under that filter tap, 0 in the padding.

// @ts-ignore: decorator
@inline
function geo(g: usize, i: i32): i32 {
  return load<i32>(g + (<usize>i << 2));
}

/** Rows [p0, p0 + rows) of the patch matrix of x, into `patch`; `shift` is log2 of the element size. */
// @ts-ignore: decorator
@inline
function im2col(x: usize, g: usize, p0: i32, rows: i32, patch: usize, shift: i32): void {
  const H = geo(g, 1), W = geo(g, 2), C = geo(g, 3), KH = geo(g, 4), KW = geo(g, 5);
  const OH = geo(g, 6), OW = geo(g, 7), padTop = geo(g, 8), padLeft = geo(g, 9);
  const sh = geo(g, 10), sw = geo(g, 11), dh = geo(g, 12), dw = geo(g, 13);
  const cBytes = <usize>C << shift;
  let q = patch;
  for (let r = 0; r < rows; r++) {
    const p = p0 + r;
    const ow = p % OW;
    const oh = (p / OW) % OH;
    const n = p / (OW * OH);
    for (let kh = 0; kh < KH; kh++) {
      const ih = oh * sh - padTop + kh * dh;
      if (ih < 0 || ih >= H) {
        memory.fill(q, 0, <usize>KW * cBytes);
        q += <usize>KW * cBytes;
        continue;
      }
      for (let kw = 0; kw < KW; kw++) {
        const iw = ow * sw - padLeft + kw * dw;
        if (iw < 0 || iw >= W) memory.fill(q, 0, cBytes);
        else memory.copy(q, x + ((<usize>((n * H + ih) * W + iw) * C) << shift), cBytes);
        q += cBytes;
      }
    }
  }
}

export function im2colF32(x: usize, g: usize, p0: i32, rows: i32, patch: usize): void {
  im2col(x, g, p0, rows, patch, 2);
}

export function im2colF64(x: usize, g: usize, p0: i32, rows: i32, patch: usize): void {
  im2col(x, g, p0, rows, patch, 3);
}

/** acc += the patch-matrix rows [p0, p0 + rows) in `cols`, each added back at the input
 *  position it was read from (the transpose of im2col). */
export function col2imAddF32(cols: usize, g: usize, p0: i32, rows: i32, acc: usize): void {
  const H = geo(g, 1), W = geo(g, 2), C = geo(g, 3), KH = geo(g, 4), KW = geo(g, 5);
  const OH = geo(g, 6), OW = geo(g, 7), padTop = geo(g, 8), padLeft = geo(g, 9);
  const sh = geo(g, 10), sw = geo(g, 11), dh = geo(g, 12), dw = geo(g, 13);
  const C4 = C & ~3;
  let q = cols;
  for (let r = 0; r < rows; r++) {
    const p = p0 + r;
    const ow = p % OW;
    const oh = (p / OW) % OH;
    const n = p / (OW * OH);
    for (let kh = 0; kh < KH; kh++) {
      const ih = oh * sh - padTop + kh * dh;
      if (ih < 0 || ih >= H) {
        q += <usize>(KW * C) << 2;
        continue;
      }
      for (let kw = 0; kw < KW; kw++) {
        const iw = ow * sw - padLeft + kw * dw;
        if (iw >= 0 && iw < W) {
          const dst = acc + (<usize>((n * H + ih) * W + iw) * C << 2);
          let c = 0;
          for (; c < C4; c += 4) {
            const o = <usize>c << 2;
            v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(q + o)));
          }
          for (; c < C; c++) {
            const o = <usize>c << 2;
            store<f32>(dst + o, load<f32>(dst + o) + load<f32>(q + o));
          }
        }
        q += <usize>C << 2;
      }
    }
  }
}

export function col2imAddF64(cols: usize, g: usize, p0: i32, rows: i32, acc: usize): void {
  const H = geo(g, 1), W = geo(g, 2), C = geo(g, 3), KH = geo(g, 4), KW = geo(g, 5);
  const OH = geo(g, 6), OW = geo(g, 7), padTop = geo(g, 8), padLeft = geo(g, 9);
  const sh = geo(g, 10), sw = geo(g, 11), dh = geo(g, 12), dw = geo(g, 13);
  const C2 = C & ~1;
  let q = cols;
  for (let r = 0; r < rows; r++) {
    const p = p0 + r;
    const ow = p % OW;
    const oh = (p / OW) % OH;
    const n = p / (OW * OH);
    for (let kh = 0; kh < KH; kh++) {
      const ih = oh * sh - padTop + kh * dh;
      if (ih < 0 || ih >= H) {
        q += <usize>(KW * C) << 3;
        continue;
      }
      for (let kw = 0; kw < KW; kw++) {
        const iw = ow * sw - padLeft + kw * dw;
        if (iw >= 0 && iw < W) {
          const dst = acc + (<usize>((n * H + ih) * W + iw) * C << 3);
          let c = 0;
          for (; c < C2; c += 2) {
            const o = <usize>c << 3;
            v128.store(dst + o, f64x2.add(v128.load(dst + o), v128.load(q + o)));
          }
          if (c < C) {
            const o = <usize>c << 3;
            store<f64>(dst + o, load<f64>(dst + o) + load<f64>(q + o));
          }
        }
        q += <usize>C << 3;
      }
    }
  }
}
