// The patch matrix of a 2-D convolution (NHWC) and its transpose, for conv2d and its two
// backprops as matrix products (engine/wasm/nn.ts drives them with the gemm).
//
// Geometry is read from 14 i32 at `g`: N, H, W, C, KH, KW, OH, OW, padTop, padLeft, sh, sw,
// dh, dw (TensorFlow's output sizes and SAME padding, computed by engine/ops/nn/windows.ts). Row
// r of the patch matrix is output position p = p0 + r = (n·OH + oh)·OW + ow; its column
// (kh·KW + kw)·C + c is the input under that filter tap, 0 in the padding.

// @ts-ignore: decorator
@inline
function geo(g: usize, i: i32): i32 {
  return load<i32>(g + (<usize>i << 2));
}

/** Rows [p0, p0 + rows) of the patch matrix of x, into `patch`. */
function im2col<T>(x: usize, g: usize, p0: i32, rows: i32, patch: usize): void {
  const H = geo(g, 1), W = geo(g, 2), C = geo(g, 3), KH = geo(g, 4), KW = geo(g, 5);
  const OH = geo(g, 6), OW = geo(g, 7), padTop = geo(g, 8), padLeft = geo(g, 9);
  const sh = geo(g, 10), sw = geo(g, 11), dh = geo(g, 12), dw = geo(g, 13);
  const cBytes = <usize>C * sizeof<T>();
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
        else memory.copy(q, x + <usize>((n * H + ih) * W + iw) * cBytes, cBytes);
        q += cBytes;
      }
    }
  }
}

/** acc += the patch-matrix rows [p0, p0 + rows) in `cols`, each added back at the input
 *  position it was read from (the transpose of im2col). */
function col2imAdd<T>(cols: usize, g: usize, p0: i32, rows: i32, acc: usize): void {
  const H = geo(g, 1), W = geo(g, 2), C = geo(g, 3), KH = geo(g, 4), KW = geo(g, 5);
  const OH = geo(g, 6), OW = geo(g, 7), padTop = geo(g, 8), padLeft = geo(g, 9);
  const sh = geo(g, 10), sw = geo(g, 11), dh = geo(g, 12), dw = geo(g, 13);
  const e = sizeof<T>();
  const lanes = <i32>(16 / e);
  const vectorEnd = C - (C % lanes);
  const cBytes = <usize>C * e;
  let q = cols;
  for (let r = 0; r < rows; r++) {
    const p = p0 + r;
    const ow = p % OW;
    const oh = (p / OW) % OH;
    const n = p / (OW * OH);
    for (let kh = 0; kh < KH; kh++) {
      const ih = oh * sh - padTop + kh * dh;
      if (ih < 0 || ih >= H) {
        q += <usize>KW * cBytes;
        continue;
      }
      for (let kw = 0; kw < KW; kw++) {
        const iw = ow * sw - padLeft + kw * dw;
        if (iw >= 0 && iw < W) {
          const dst = acc + <usize>((n * H + ih) * W + iw) * cBytes;
          let c = 0;
          for (; c < vectorEnd; c += lanes) {
            const o = <usize>c * e;
            v128.store(dst + o, v128.add<T>(v128.load(dst + o), v128.load(q + o)));
          }
          for (; c < C; c++) {
            const o = <usize>c * e;
            store<T>(dst + o, load<T>(dst + o) + load<T>(q + o));
          }
        }
        q += cBytes;
      }
    }
  }
}

export function im2colF32(x: usize, g: usize, p0: i32, rows: i32, patch: usize): void {
  im2col<f32>(x, g, p0, rows, patch);
}

export function im2colF64(x: usize, g: usize, p0: i32, rows: i32, patch: usize): void {
  im2col<f64>(x, g, p0, rows, patch);
}

export function col2imAddF32(cols: usize, g: usize, p0: i32, rows: i32, acc: usize): void {
  col2imAdd<f32>(cols, g, p0, rows, acc);
}

export function col2imAddF64(cols: usize, g: usize, p0: i32, rows: i32, acc: usize): void {
  col2imAdd<f64>(cols, g, p0, rows, acc);
}
