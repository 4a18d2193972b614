// Neural-network ops: softmax and log_softmax, the cross-entropy losses, l2_loss, moments,
// conv2d and 2-D pooling (NHWC). Gradients follow TensorFlow's nn_grad.py: softmax's uses
// its output, the cross entropies use softmax - labels, conv2d's are the dedicated
// backprop ops (whose own gradients are conv2d and each other, so second derivatives work),
// max pooling sends the gradient to the first maximum of each window.

import { isInteger, sizeOf, type Tensor, type TypedData } from '../tensor';
import { type Dim, type Shape, type TensorType, OpError, normalizeAxis, showShape } from '../types';
import { type Builder, type BoundArgs, type Value, BuildError, checkDTypeClass, tensorValue } from '../builder';
import type { Node } from '../graph';
import { type Attrs, type KernelContext, type OpDef, defineOps, lookupOp } from './registry';
import { gemm } from './linalg';
import { conv2dBackpropFilterWasm, conv2dBackpropInputWasm, conv2dWasm } from '../wasm/nn';
import { softmaxWasm } from '../wasm/elementwise';
import { BLOCK_WORK, deadlineCheck } from './kernels';
import {
  type DependenceContext,
  type Relation,
  type WindowGeometry,
  axisIn,
  axisLabels,
  contraction,
  reductionOver,
  rowwise,
  window,
  windowRelation,
} from './dependence';

// ---- softmax family ------------------------------------------------------------------------

/** The tensor seen as [outer, n, inner] around `axis`. */
function aroundAxis(shape: readonly number[], axis: number): { outer: number; n: number; inner: number } {
  return { outer: sizeOf(shape.slice(0, axis)), n: shape[axis], inner: sizeOf(shape.slice(axis + 1)) };
}

function softmaxAxisType(x: TensorType, axis: number, argIndex = 0): number | null {
  if (x.shape === null) return null;
  if (x.shape.length === 0) throw new OpError('needs logits of rank >= 1, got a scalar', argIndex);
  return normalizeAxis(axis, x.shape.length, argIndex);
}

/**
 * Numerically stable softmax (or log-softmax) along `axis`: the row maximum is subtracted
 * before exponentiating. Rows are walked with the inner axes contiguous.
 */
function softmaxKernel(x: Tensor, axis: number, data: TypedData, log: boolean, ctx: KernelContext): TypedData {
  const ax = normalizeAxis(axis, x.shape.length);
  const { outer, n, inner } = aroundAxis(x.shape, ax);
  const fast = softmaxWasm(x, inner, data, log, ctx);
  if (fast) return fast;
  const X = x.data;
  const max = new Float64Array(inner);
  const sum = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner;
    max.fill(-Infinity);
    for (let j = 0; j < n; j++) {
      const row = base + j * inner;
      for (let i = 0; i < inner; i++) if (X[row + i] > max[i]) max[i] = X[row + i];
    }
    sum.fill(0);
    for (let j = 0; j < n; j++) {
      const row = base + j * inner;
      for (let i = 0; i < inner; i++) sum[i] += Math.exp(X[row + i] - max[i]);
    }
    for (let j = 0; j < n; j++) {
      const row = base + j * inner;
      if (log) for (let i = 0; i < inner; i++) data[row + i] = X[row + i] - max[i] - Math.log(sum[i]);
      else for (let i = 0; i < inner; i++) data[row + i] = Math.exp(X[row + i] - max[i]) / sum[i];
    }
  }
  return data;
}

/** The softmax axis; `axis=None` means the last axis, as TensorFlow. */
function axisOf(attrs: Attrs): number {
  return (attrs.axis as number | null | undefined) ?? -1;
}

function sumKeep(b: Builder, x: Node, axis: number): Node {
  return b.reduceSum(x, [axis], true);
}

/** Cross entropy of each row: Σ labels · (logsumexp(x) - x), stably. */
function softmaxXentKernel(labels: Tensor, logits: Tensor, axis: number, data: TypedData): TypedData {
  const ax = normalizeAxis(axis, logits.shape.length);
  const { outer, n, inner } = aroundAxis(logits.shape, ax);
  const X = logits.data;
  const L = labels.data;
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner;
    for (let i = 0; i < inner; i++) {
      let max = -Infinity;
      for (let j = 0; j < n; j++) if (X[base + j * inner + i] > max) max = X[base + j * inner + i];
      let sum = 0;
      for (let j = 0; j < n; j++) sum += Math.exp(X[base + j * inner + i] - max);
      const logSum = Math.log(sum);
      let loss = 0;
      for (let j = 0; j < n; j++) {
        const p = base + j * inner + i;
        loss += L[p] * (logSum - (X[p] - max));
      }
      data[o * inner + i] = loss;
    }
  }
  return data;
}

function sameShapeOrThrow(labels: Shape, logits: Shape, what = 'logits and labels must have the same shape'): void {
  if (labels === null || logits === null) return;
  if (labels.length !== logits.length || labels.some((d, i) => d !== null && logits[i] !== null && d !== logits[i])) {
    throw new OpError(`${what} (labels ${showShape(labels)} vs logits ${showShape(logits)})`, 0);
  }
}

// ---- windows: conv2d and pooling -----------------------------------------------------------

type Padding = 'SAME' | 'VALID';

interface WindowAttrs {
  /** [rows, cols] of the pooling window (pooling only; conv takes it from the filter). */
  ksize?: [number, number];
  strides: [number, number];
  dilations: [number, number];
  padding: Padding;
}

function windowAttrs(attrs: Attrs): WindowAttrs {
  return {
    ksize: attrs.ksize as [number, number] | undefined,
    strides: (attrs.strides as [number, number]) ?? [1, 1],
    dilations: (attrs.dilations as [number, number]) ?? [1, 1],
    padding: attrs.padding as Padding,
  };
}

/**
 * Output size and leading padding along one spatial axis, as TensorFlow's
 * GetWindowedOutputSize: VALID keeps windows inside the input; SAME gives ceil(in / stride)
 * outputs and pads the total shortfall with the smaller half before (pad_top = floor(total/2)).
 */
function windowed(inSize: Dim, k: Dim, stride: number, dilation: number, padding: Padding, what: string): { out: Dim; before: number } {
  if (inSize === null || k === null) return { out: null, before: 0 };
  const eff = (k - 1) * dilation + 1;
  if (padding === 'VALID') {
    if (inSize < eff) {
      throw new OpError(
        `the ${what} window (effective size ${eff}) is larger than the input (${inSize}) with padding 'VALID': the output would be empty`,
      );
    }
    return { out: Math.floor((inSize - eff) / stride) + 1, before: 0 };
  }
  const out = Math.ceil(inSize / stride);
  const total = Math.max((out - 1) * stride + eff - inSize, 0);
  return { out, before: Math.floor(total / 2) };
}

export interface Geometry {
  N: number;
  H: number;
  W: number;
  C: number;
  KH: number;
  KW: number;
  OH: number;
  OW: number;
  padTop: number;
  padLeft: number;
  sh: number;
  sw: number;
  dh: number;
  dw: number;
}

function geometry(input: readonly number[], kh: number, kw: number, a: WindowAttrs): Geometry {
  const rows = windowed(input[1], kh, a.strides[0], a.dilations[0], a.padding, 'row');
  const cols = windowed(input[2], kw, a.strides[1], a.dilations[1], a.padding, 'column');
  return {
    N: input[0],
    H: input[1],
    W: input[2],
    C: input[3],
    KH: kh,
    KW: kw,
    OH: rows.out as number,
    OW: cols.out as number,
    padTop: rows.before,
    padLeft: cols.before,
    sh: a.strides[0],
    sw: a.strides[1],
    dh: a.dilations[0],
    dw: a.dilations[1],
  };
}

function checkRank4(t: TensorType, argIndex: number, what: string): void {
  if (t.shape !== null && t.shape.length !== 4) throw new OpError(`${what} must have rank 4, got shape ${showShape(t.shape)}`, argIndex);
}

export function conv2dType(x: TensorType, f: TensorType, attrs: Attrs): TensorType {
  if (x.dtype !== f.dtype) throw new OpError(`input is ${x.dtype} but filters are ${f.dtype}`, 1, 'dtype-mismatch');
  checkRank4(x, 0, 'input (NHWC: [batch, height, width, channels])');
  checkRank4(f, 1, 'filters ([height, width, in_channels, out_channels])');
  if (x.shape === null || f.shape === null)
    return { dtype: x.dtype, shape: x.shape === null ? [null, null, null, f.shape?.[3] ?? null] : [x.shape[0], null, null, null] };
  if (x.shape[3] !== null && f.shape[2] !== null && x.shape[3] !== f.shape[2]) {
    throw new OpError(
      `input ${showShape(x.shape)} has ${x.shape[3]} channels but filters ${showShape(f.shape)} expect ${f.shape[2]} (axis 2)`,
      1,
    );
  }
  const a = windowAttrs(attrs);
  const rows = windowed(x.shape[1], f.shape[0], a.strides[0], a.dilations[0], a.padding, 'row');
  const cols = windowed(x.shape[2], f.shape[1], a.strides[1], a.dilations[1], a.padding, 'column');
  return { dtype: x.dtype, shape: [x.shape[0], rows.out, cols.out, f.shape[3]] };
}

function poolType(x: TensorType, attrs: Attrs): TensorType {
  checkRank4(x, 0, 'input (NHWC: [batch, height, width, channels])');
  if (x.shape === null) return { dtype: x.dtype, shape: [null, null, null, null] };
  const a = windowAttrs(attrs);
  const [kh, kw] = a.ksize!;
  const rows = windowed(x.shape[1], kh, a.strides[0], 1, a.padding, 'row');
  const cols = windowed(x.shape[2], kw, a.strides[1], 1, a.padding, 'column');
  return { dtype: x.dtype, shape: [x.shape[0], rows.out, cols.out, x.shape[3]] };
}

/** The upstream gradient of a window op must have the op's output shape. */
function checkGradShape(dy: TensorType, expected: Shape, argIndex: number): void {
  if (dy.shape === null || expected === null) return;
  if (dy.shape.length !== expected.length || dy.shape.some((d, i) => d !== null && expected[i] !== null && d !== expected[i])) {
    throw new OpError(`gradient has shape ${showShape(dy.shape)} but the op's output has shape ${showShape(expected)}`, argIndex);
  }
}

/**
 * Convolution as matrix products (im2col): the input patches of a chunk of output positions
 * are laid out as rows of a [positions × (KH·KW·C)] matrix, which multiplies the filters
 * viewed as [(KH·KW·C) × O] with the blocked gemm. Chunks bound the scratch memory.
 */
function chunkRows(K: number): number {
  return Math.max(4, Math.min(256, Math.floor(262_144 / Math.max(K, 1))));
}

/** Rows [p0, p0 + rows) of the patch matrix: row p is output position p = (n·OH + oh)·OW + ow,
 *  column (kh·KW + kw)·C + c is the input under that filter tap (0 in the padding). */
function im2col(X: TypedData, g: Geometry, p0: number, rows: number, patch: Float64Array): void {
  const { H, W, C, KH, KW, OH, OW, padTop, padLeft, sh, sw, dh, dw } = g;
  const K = KH * KW * C;
  for (let r = 0; r < rows; r++) {
    const p = p0 + r;
    const ow = p % OW;
    const oh = Math.floor(p / OW) % OH;
    const n = Math.floor(p / (OW * OH));
    let q = r * K;
    for (let kh = 0; kh < KH; kh++) {
      const ih = oh * sh - padTop + kh * dh;
      if (ih < 0 || ih >= H) {
        patch.fill(0, q, q + KW * C);
        q += KW * C;
        continue;
      }
      for (let kw = 0; kw < KW; kw++) {
        const iw = ow * sw - padLeft + kw * dw;
        if (iw < 0 || iw >= W) {
          patch.fill(0, q, q + C);
        } else {
          const src = ((n * H + ih) * W + iw) * C;
          for (let c = 0; c < C; c++) patch[q + c] = X[src + c];
        }
        q += C;
      }
    }
  }
}

/** The transpose of im2col: adds patch-matrix rows back into the input positions they read. */
function col2imAdd(cols: Float64Array, g: Geometry, p0: number, rows: number, acc: Float64Array): void {
  const { H, W, C, KH, KW, OH, OW, padTop, padLeft, sh, sw, dh, dw } = g;
  const K = KH * KW * C;
  for (let r = 0; r < rows; r++) {
    const p = p0 + r;
    const ow = p % OW;
    const oh = Math.floor(p / OW) % OH;
    const n = Math.floor(p / (OW * OH));
    let q = r * K;
    for (let kh = 0; kh < KH; kh++) {
      const ih = oh * sh - padTop + kh * dh;
      if (ih < 0 || ih >= H) {
        q += KW * C;
        continue;
      }
      for (let kw = 0; kw < KW; kw++) {
        const iw = ow * sw - padLeft + kw * dw;
        if (iw >= 0 && iw < W) {
          const dst = ((n * H + ih) * W + iw) * C;
          for (let c = 0; c < C; c++) acc[dst + c] += cols[q + c];
        }
        q += C;
      }
    }
  }
}

function toFloat64(src: TypedData, offset = 0, length = src.length - offset, out = new Float64Array(length)): Float64Array {
  for (let i = 0; i < length; i++) out[i] = src[offset + i];
  return out;
}

function conv2dKernel(x: Tensor, f: Tensor, g: Geometry, data: TypedData, ctx: KernelContext): TypedData {
  const O = f.shape[3];
  const fast = conv2dWasm(x.data, f.data, O, g, data, ctx);
  if (fast) return fast;
  const check = deadlineCheck(ctx);
  const K = g.KH * g.KW * g.C;
  const positions = g.N * g.OH * g.OW;
  const filters = toFloat64(f.data);
  const step = chunkRows(K);
  const patch = new Float64Array(step * K);
  const out = new Float64Array(step * O);
  for (let p0 = 0; p0 < positions; p0 += step) {
    const rows = Math.min(step, positions - p0);
    check();
    im2col(x.data, g, p0, rows, patch);
    gemm(patch, filters, out, rows, K, O, false, check);
    const base = p0 * O;
    for (let i = 0; i < rows * O; i++) data[base + i] = out[i];
  }
  return data;
}

/** dL/dinput: each output position's gradient times the filters transposed, added back
 *  into the input positions its patch read. */
function conv2dBackpropInputKernel(f: Tensor, dy: Tensor, g: Geometry, data: TypedData, ctx: KernelContext): TypedData {
  const O = f.shape[3];
  const fast = conv2dBackpropInputWasm(f.data, dy.data, O, g, data, ctx);
  if (fast) return fast;
  const check = deadlineCheck(ctx);
  const K = g.KH * g.KW * g.C;
  const positions = g.N * g.OH * g.OW;
  const filtersT = new Float64Array(O * K);
  for (let k = 0; k < K; k++) for (let o = 0; o < O; o++) filtersT[o * K + k] = f.data[k * O + o];
  const step = chunkRows(K);
  const grads = new Float64Array(step * O);
  const cols = new Float64Array(step * K);
  const acc = new Float64Array(g.N * g.H * g.W * g.C);
  for (let p0 = 0; p0 < positions; p0 += step) {
    const rows = Math.min(step, positions - p0);
    check();
    toFloat64(dy.data, p0 * O, rows * O, grads);
    gemm(grads, filtersT, cols, rows, O, K, false, check);
    col2imAdd(cols, g, p0, rows, acc);
  }
  for (let i = 0; i < acc.length; i++) data[i] = acc[i];
  return data;
}

/** dL/dfilters: the patch matrix transposed times the output gradients, summed over chunks. */
function conv2dBackpropFilterKernel(x: Tensor, dy: Tensor, O: number, g: Geometry, data: TypedData, ctx: KernelContext): TypedData {
  const fast = conv2dBackpropFilterWasm(x.data, dy.data, O, g, data, ctx);
  if (fast) return fast;
  const check = deadlineCheck(ctx);
  const K = g.KH * g.KW * g.C;
  const positions = g.N * g.OH * g.OW;
  const step = chunkRows(K);
  const patch = new Float64Array(step * K);
  const patchT = new Float64Array(K * step);
  const grads = new Float64Array(step * O);
  const acc = new Float64Array(K * O);
  for (let p0 = 0; p0 < positions; p0 += step) {
    const rows = Math.min(step, positions - p0);
    check();
    im2col(x.data, g, p0, rows, patch);
    for (let r = 0; r < rows; r++) for (let k = 0; k < K; k++) patchT[k * rows + r] = patch[r * K + k];
    toFloat64(dy.data, p0 * O, rows * O, grads);
    gemm(patchT, grads, acc, K, rows, O, true, check);
  }
  for (let i = 0; i < acc.length; i++) data[i] = acc[i];
  return data;
}

/** Each pooling window's rows [h0[oh], h1[oh]) and columns [w0[ow], w1[ow]), clipped to the
 *  input: SAME padding contributes nothing (max ignores it, avg does not count it). */
interface Windows {
  h0: Int32Array;
  h1: Int32Array;
  w0: Int32Array;
  w1: Int32Array;
}

function windowsOf(g: Geometry): Windows {
  const w: Windows = { h0: new Int32Array(g.OH), h1: new Int32Array(g.OH), w0: new Int32Array(g.OW), w1: new Int32Array(g.OW) };
  for (let oh = 0; oh < g.OH; oh++) {
    const start = oh * g.sh - g.padTop;
    w.h0[oh] = Math.max(start, 0);
    w.h1[oh] = Math.min(start + g.KH, g.H);
  }
  for (let ow = 0; ow < g.OW; ow++) {
    const start = ow * g.sw - g.padLeft;
    w.w0[ow] = Math.max(start, 0);
    w.w1[ow] = Math.min(start + g.KW, g.W);
  }
  return w;
}

function maxPoolKernel(x: Tensor, g: Geometry, data: TypedData, check: () => void): TypedData {
  const { N, H, W, C, OH, OW } = g;
  const { h0, h1, w0, w1 } = windowsOf(g);
  const X = x.data;
  const best = new Float64Array(C);
  const windowWork = Math.max(1, g.KH * g.KW * C);
  let work = 0;
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        // The deadline, once per block of work (a window can be large: a 3000×3000 pool).
        if ((work += windowWork) >= BLOCK_WORK) {
          work = 0;
          check();
        }
        best.fill(-Infinity);
        for (let h = h0[oh]; h < h1[oh]; h++) {
          for (let w = w0[ow]; w < w1[ow]; w++) {
            const src = ((n * H + h) * W + w) * C;
            for (let c = 0; c < C; c++) {
              const v = X[src + c];
              const b = best[c];
              best[c] = v > b ? v : b;
            }
          }
        }
        const out = ((n * OH + oh) * OW + ow) * C;
        for (let c = 0; c < C; c++) data[out + c] = best[c];
      }
    }
  }
  return data;
}

/** For each window and channel, the input index of the first maximum (-1 if none: all
 *  NaN or -inf), in TensorFlow's scan order (rows, then columns). */
function maxPoolArgmax(x: Tensor, g: Geometry, check: () => void): Int32Array {
  const { N, H, W, C, OH, OW } = g;
  const { h0, h1, w0, w1 } = windowsOf(g);
  const X = x.data;
  const arg = new Int32Array(N * OH * OW * C).fill(-1);
  const best = new Float64Array(C);
  const windowWork = Math.max(1, g.KH * g.KW * C);
  let work = 0;
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        // The deadline, once per block of work (a window can be large: a 3000×3000 pool).
        if ((work += windowWork) >= BLOCK_WORK) {
          work = 0;
          check();
        }
        const out = ((n * OH + oh) * OW + ow) * C;
        best.fill(-Infinity);
        for (let h = h0[oh]; h < h1[oh]; h++) {
          for (let w = w0[ow]; w < w1[ow]; w++) {
            const src = ((n * H + h) * W + w) * C;
            for (let c = 0; c < C; c++) {
              if (X[src + c] > best[c]) {
                best[c] = X[src + c];
                arg[out + c] = src + c;
              }
            }
          }
        }
      }
    }
  }
  return arg;
}

function avgPoolKernel(x: Tensor, g: Geometry, data: TypedData, check: () => void): TypedData {
  const { N, H, W, C, OH, OW } = g;
  const { h0, h1, w0, w1 } = windowsOf(g);
  const X = x.data;
  const sum = new Float64Array(C);
  const windowWork = Math.max(1, g.KH * g.KW * C);
  let work = 0;
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        // The deadline, once per block of work (a window can be large: a 3000×3000 pool).
        if ((work += windowWork) >= BLOCK_WORK) {
          work = 0;
          check();
        }
        sum.fill(0);
        for (let h = h0[oh]; h < h1[oh]; h++) {
          for (let w = w0[ow]; w < w1[ow]; w++) {
            const src = ((n * H + h) * W + w) * C;
            for (let c = 0; c < C; c++) sum[c] += X[src + c];
          }
        }
        const count = (h1[oh] - h0[oh]) * (w1[ow] - w0[ow]);
        const out = ((n * OH + oh) * OW + ow) * C;
        for (let c = 0; c < C; c++) data[out + c] = sum[c] / count;
      }
    }
  }
  return data;
}

/** Each window's gradient divided by the window's count, added to every element it read. */
function avgPoolGradKernel(dy: Tensor, g: Geometry, data: TypedData, check: () => void): TypedData {
  const { N, H, W, C, OH, OW } = g;
  const { h0, h1, w0, w1 } = windowsOf(g);
  const DY = dy.data;
  const acc = new Float64Array(N * H * W * C);
  const share = new Float64Array(C);
  const windowWork = Math.max(1, g.KH * g.KW * C);
  let work = 0;
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        // The deadline, once per block of work (a window can be large: a 3000×3000 pool).
        if ((work += windowWork) >= BLOCK_WORK) {
          work = 0;
          check();
        }
        const count = (h1[oh] - h0[oh]) * (w1[ow] - w0[ow]);
        const out = ((n * OH + oh) * OW + ow) * C;
        for (let c = 0; c < C; c++) share[c] = DY[out + c] / count;
        for (let h = h0[oh]; h < h1[oh]; h++) {
          for (let w = w0[ow]; w < w1[ow]; w++) {
            const dst = ((n * H + h) * W + w) * C;
            for (let c = 0; c < C; c++) acc[dst + c] += share[c];
          }
        }
      }
    }
  }
  for (let i = 0; i < acc.length; i++) data[i] = acc[i];
  return data;
}

// ---- dependence ------------------------------------------------------------------------------

/** The window geometry of a node whose NHWC input has `input`'s shape, with `kh` × `kw` taps
 *  (static sizes may be unknown); null when the attributes do not make a window. */
function windowGeometryOf(input: readonly Dim[] | null, kh: Dim, kw: Dim, attrs: Attrs, pooling: boolean): WindowGeometry | null {
  if (!input || input.length !== 4) return null;
  const a = windowAttrs(attrs);
  if (!a.strides || !a.padding) return null;
  const dilations: [number, number] = pooling ? [1, 1] : a.dilations;
  try {
    const rows = windowed(input[1], kh, a.strides[0], dilations[0], a.padding, 'row');
    const cols = windowed(input[2], kw, a.strides[1], dilations[1], a.padding, 'column');
    return {
      kh,
      kw,
      oh: rows.out,
      ow: cols.out,
      sh: a.strides[0],
      sw: a.strides[1],
      dh: dilations[0],
      dw: dilations[1],
      padTop: rows.before,
      padLeft: cols.before,
    };
  } catch {
    return null;
  }
}

/** conv2d and its two backprop ops: the tensors x [n, h, w, c], f [th, tw, c, o] and
 *  y [n, oh, ow, o], placed by `roles` (which slot holds which; the op's output is one of
 *  them); `shape` is the slot or output that has x's shape, `filter` the one with f's. */
function convDependence(roles: { input: number | 'output'; filter: number | 'output'; output: number | 'output' }) {
  const shapeOf = (ctx: DependenceContext, at: number | 'output') => (at === 'output' ? ctx.output : ctx.inputs[at]);
  return window(
    (ctx): Relation | null => {
      const f = shapeOf(ctx, roles.filter);
      const g = f && f.length === 4 ? windowGeometryOf(shapeOf(ctx, roles.input), f[0], f[1], ctx.attrs, false) : null;
      return g && windowRelation(g, { ...roles, slots: ctx.inputs.length }, false);
    },
    // The slot that lends the output's shape (x for the input's gradient) carries no value.
    { carries: (slot) => slot === roles.input || slot === roles.filter || slot === roles.output },
  );
}

/** Pooling and its gradients: x [n, h, w, c] and y [n, oh, ow, c], placed by `roles`; max
 *  pooling routes through the first maximum of each window of slot `select` (x). */
function poolDependence(roles: { input: number | 'output'; output: number | 'output' }, values: readonly number[], select?: number) {
  const input = (ctx: DependenceContext) => (roles.input === 'output' ? ctx.output : ctx.inputs[roles.input]);
  return window(
    (ctx): Relation | null => {
      const ksize = (ctx.attrs.ksize as [number, number] | undefined) ?? null;
      const g = ksize ? windowGeometryOf(input(ctx), ksize[0], ksize[1], ctx.attrs, true) : null;
      if (!g) return null;
      const r = windowRelation(
        g,
        { input: roles.input, filter: null, output: roles.output, slots: ctx.inputs.length },
        true,
        select === undefined ? undefined : { by: select, extreme: 'max' },
      );
      return { ...r, inputs: r.inputs.map((axes, slot) => (values.includes(slot) ? axes : null)) };
    },
    {
      carries: (slot) => values.includes(slot),
      verb: select === undefined ? 'averages' : 'takes the maximum of',
      mean: select === undefined,
    },
  );
}

/** softmax_cross_entropy_with_logits: labels and logits summed over the class axis. */
function softmaxXentRelation({ attrs, inputs: [labels], output }: DependenceContext): Relation | null {
  if (!labels) return null;
  const rank = labels.length;
  const axis = axisOf(attrs);
  const ax = axis < 0 ? axis + rank : axis;
  if (ax < 0 || ax >= rank || output.length !== rank - 1) return null;
  const labelsOf = axisLabels(rank);
  const classes = labelsOf[ax];
  return { inputs: [labelsOf, labelsOf], output: labelsOf.filter((l) => l !== classes), roles: { [classes]: 'classes' } };
}

// ---- argument normalisation (build) --------------------------------------------------------

/** strides/ksize/dilations: an int, [rows, cols] or TensorFlow's [1, rows, cols, 1]. */
export function spatialPair(args: BoundArgs, name: string, fallback: [number, number] | null): [number, number] {
  if (!args.has(name) || args.isNone(name)) {
    if (fallback) return fallback;
    throw new BuildError(`${args.op.name}() is missing argument \`${name}\``, args.callSpan, 'missing-argument');
  }
  const v = args.ints(name);
  const span = args.span(name);
  let pair: [number, number];
  if (v.length === 1) pair = [v[0], v[0]];
  else if (v.length === 2) pair = [v[0], v[1]];
  else if (v.length === 4) {
    if (v[0] !== 1 || v[3] !== 1) {
      throw new BuildError(
        `\`${name}\` ${JSON.stringify(v)}: TensorFlow does not support ${name} in the batch and depth dimensions (the first and last entries must be 1)`,
        span,
        'bad-argument',
      );
    }
    pair = [v[1], v[2]];
  } else {
    throw new BuildError(`\`${name}\` must be an int or a list of 1, 2 or 4 ints, got ${v.length}`, span, 'bad-argument');
  }
  if (pair.some((p) => p < 1)) throw new BuildError(`\`${name}\` must be positive, got ${JSON.stringify(v)}`, span, 'bad-argument');
  return pair;
}

export function paddingArg(args: BoundArgs): Padding {
  const raw = args.string('padding');
  const p = raw.toUpperCase();
  if (p !== 'SAME' && p !== 'VALID') {
    throw new BuildError(`padding must be 'SAME' or 'VALID', got '${raw}'`, args.span('padding'), 'bad-argument');
  }
  return p;
}

export function dataFormatArg(args: BoundArgs): void {
  if (args.isNone('data_format')) return;
  const f = args.string('data_format').toUpperCase();
  if (f !== 'NHWC') {
    throw new BuildError(
      `data_format '${f}' is not supported: tgraph computes 2-D convolution and pooling in NHWC ([batch, height, width, channels]), as TensorFlow's CPU kernels; transpose the input`,
      args.span('data_format'),
      'bad-argument',
    );
  }
}

/** The float tensor argument `name`, checked against its parameter's dtype class. */
function floatArg(_b: Builder, args: BoundArgs, name: string): Node {
  const n = args.tensor(name);
  checkDTypeClass(args.op, args.param(name), n, args.span(name));
  return n;
}

function applyAt(b: Builder, op: OpDef, inputs: Node[], attrs: Attrs, args: BoundArgs, names: string[]): Node {
  return b.apply(
    op,
    inputs,
    attrs,
    args.callSpan,
    names.map((n) => args.span(n)),
  );
}

const windowParams = [
  { name: 'input', kind: 'tensor' as const, dtypes: 'float' as const, aliases: ['value', 'x'] },
  { name: 'ksize', kind: 'ints' as const, aliases: ['pool_size', 'window_shape'] },
  { name: 'strides', kind: 'ints' as const },
  { name: 'padding', kind: 'string' as const },
  { name: 'data_format', kind: 'string' as const, default: 'NHWC' },
];

function buildPool(b: Builder, args: BoundArgs): Value {
  const x = floatArg(b, args, 'input');
  dataFormatArg(args);
  const attrs = { ksize: spatialPair(args, 'ksize', null), strides: spatialPair(args, 'strides', null), padding: paddingArg(args) };
  return tensorValue(applyAt(b, args.op, [x], attrs, args, ['input']));
}

function poolGeometry(x: Tensor, attrs: Attrs): Geometry {
  const a = windowAttrs(attrs);
  return geometry(x.shape, a.ksize![0], a.ksize![1], { ...a, dilations: [1, 1] });
}

// ---- the ops -----------------------------------------------------------------------------

defineOps([
  {
    name: 'softmax',
    doc: 'exp(x) / sum(exp(x)) along `axis` (computed stably, as tf.nn.softmax).',
    params: [
      { name: 'logits', kind: 'tensor', dtypes: 'float', aliases: ['x', 'features'] },
      { name: 'axis', kind: 'axis', default: -1, aliases: ['dim'] },
    ],
    infer: ([x], attrs) => {
      softmaxAxisType(x, axisOf(attrs));
      return x;
    },
    kernel: ([x], attrs, out, ctx) => softmaxKernel(x, axisOf(attrs), ctx.alloc(out.dtype, x.data.length), false, ctx),
    // TensorFlow's _SoftmaxGrad: (dy - sum(dy * y, axis, keepdims)) * y.
    grad: (b, node, dy) => {
      const axis = axisOf(node.attrs);
      return [b.mul(b.sub(dy, sumKeep(b, b.mul(dy, node), axis)), node)];
    },
    dependence: rowwise(({ attrs, inputs: [x] }) => (x ? axisIn(axisOf(attrs), x.length) : null), 'mixes'),
  },
  {
    name: 'log_softmax',
    doc: 'x - log(sum(exp(x))) along `axis` (computed stably, as tf.nn.log_softmax).',
    params: [
      { name: 'logits', kind: 'tensor', dtypes: 'float', aliases: ['x', 'features'] },
      { name: 'axis', kind: 'axis', default: -1, aliases: ['dim'] },
    ],
    infer: ([x], attrs) => {
      softmaxAxisType(x, axisOf(attrs));
      return x;
    },
    kernel: ([x], attrs, out, ctx) => softmaxKernel(x, axisOf(attrs), ctx.alloc(out.dtype, x.data.length), true, ctx),
    // TensorFlow's _LogSoftmaxGrad: dy - sum(dy, axis, keepdims) * exp(y).
    grad: (b, node, dy) => {
      const axis = axisOf(node.attrs);
      return [b.sub(dy, b.mul(sumKeep(b, dy, axis), b.op('exp', [node])))];
    },
    dependence: rowwise(({ attrs, inputs: [x] }) => (x ? axisIn(axisOf(attrs), x.length) : null), 'mixes'),
  },
  {
    name: 'l2_loss',
    doc: 'sum(t ** 2) / 2, a scalar (as tf.nn.l2_loss).',
    params: [{ name: 't', kind: 'tensor', dtypes: 'float', aliases: ['x', 'input'] }],
    infer: ([t]) => ({ dtype: t.dtype, shape: [] }),
    kernel: ([t], _attrs, out, ctx) => {
      const data = ctx.alloc(out.dtype, 1);
      let s = 0;
      const T = t.data;
      for (let i = 0; i < T.length; i++) s += T[i] * T[i];
      data[0] = s / 2;
      return data;
    },
    // TensorFlow's _L2LossGrad: x * dy.
    grad: (b, node, dy) => [b.mul(node.inputs[0], dy)],
    dependence: reductionOver(),
  },
  {
    name: 'sigmoid_cross_entropy_with_logits',
    sentinel: true,
    doc: "Elementwise logistic loss max(x, 0) - x * z + log(1 + exp(-|x|)) for labels z and logits x (TensorFlow's stable formulation).",
    params: [
      { name: 'labels', kind: 'tensor', group: 'T', dtypes: 'float', aliases: ['targets'] },
      { name: 'logits', kind: 'tensor', group: 'T', dtypes: 'float' },
    ],
    // Built from the same ops as TensorFlow's Python function, so its gradient is the one
    // TensorFlow's autodiff produces (sigmoid(x) - z, also at x = 0).
    build: (b, args): Value => {
      const spans = [args.span('labels'), args.span('logits')];
      const [z, x] = b.unifyDTypes([args.tensor('labels'), args.tensor('logits')], spans);
      checkDTypeClass(args.op, args.param('labels'), z, spans[0]);
      checkDTypeClass(args.op, args.param('logits'), x, spans[1]);
      try {
        sameShapeOrThrow(z.type.shape, x.type.shape);
      } catch (e) {
        throw new BuildError(`sigmoid_cross_entropy_with_logits: ${(e as Error).message}`, spans[0], 'shape-mismatch');
      }
      return b.within(args.callSpan, undefined, () => {
        const zeros = b.zerosLike(x);
        const cond = b.op('greater_equal', [x, zeros]);
        const reluLogits = b.where(cond, x, zeros);
        const negAbsLogits = b.where(cond, b.neg(x), x);
        return tensorValue(b.add(b.sub(reluLogits, b.mul(x, z)), b.op('log1p', [b.op('exp', [negAbsLogits])])));
      });
    },
  },
  {
    name: 'weighted_cross_entropy_with_logits',
    doc: 'Sigmoid cross-entropy with the positive term weighted by pos_weight: (1 - z) x + (1 + (q - 1) z) (log1p(exp(-|x|)) + relu(-x)) (tf.nn.weighted_cross_entropy_with_logits).',
    params: [
      { name: 'labels', kind: 'tensor', group: 'T', dtypes: 'float', aliases: ['targets'] },
      { name: 'logits', kind: 'tensor', group: 'T', dtypes: 'float' },
      { name: 'pos_weight', kind: 'tensor', group: 'T', dtypes: 'float' },
    ],
    // TensorFlow's formulation, with the same ops, so values and gradients are its own.
    build: (b, args): Value => {
      const spans = [args.span('labels'), args.span('logits'), args.span('pos_weight')];
      const [z, x, q] = b.unifyDTypes([args.tensor('labels'), args.tensor('logits'), args.tensor('pos_weight')], spans);
      checkDTypeClass(args.op, args.param('logits'), x, spans[1]);
      try {
        sameShapeOrThrow(z.type.shape, x.type.shape);
      } catch (e) {
        throw new BuildError(`weighted_cross_entropy_with_logits: ${(e as Error).message}`, spans[0], 'shape-mismatch');
      }
      return b.within(args.callSpan, undefined, () => {
        const one = b.scalar(1, x.type.dtype);
        const logWeight = b.add(one, b.mul(b.sub(q, one), z));
        const softplusNeg = b.add(b.op('log1p', [b.op('exp', [b.neg(b.op('abs', [x]))])]), b.op('relu', [b.neg(x)]));
        return tensorValue(b.add(b.mul(b.sub(one, z), x), b.mul(logWeight, softplusNeg)));
      });
    },
  },
  {
    name: 'softmax_cross_entropy_with_logits',
    sentinel: true,
    doc: 'Cross entropy between the distributions `labels` and softmax(logits) along `axis`, one value per row (TensorFlow 2: the gradient reaches labels too).',
    params: [
      { name: 'labels', kind: 'tensor', group: 'T', dtypes: 'float' },
      { name: 'logits', kind: 'tensor', group: 'T', dtypes: 'float' },
      { name: 'axis', kind: 'axis', default: -1, aliases: ['dim'] },
    ],
    infer: ([labels, logits], attrs) => {
      if (labels.dtype !== logits.dtype)
        throw new OpError(`labels are ${labels.dtype} but logits are ${logits.dtype}`, 0, 'dtype-mismatch');
      sameShapeOrThrow(labels.shape, logits.shape);
      const axis = softmaxAxisType(logits, axisOf(attrs), 1);
      if (axis === null) return { dtype: logits.dtype, shape: null };
      return { dtype: logits.dtype, shape: logits.shape!.filter((_, i) => i !== axis) };
    },
    kernel: ([labels, logits], attrs, out, ctx) =>
      softmaxXentKernel(labels, logits, axisOf(attrs), ctx.alloc(out.dtype, sizeOf(out.shape))),
    // TensorFlow's _SoftmaxCrossEntropyWithLogitsGrad: dy · (softmax - labels) for logits,
    // dy · -log_softmax for labels.
    grad: (b, node, dy) => {
      const [labels, logits] = node.inputs;
      const axis = axisOf(node.attrs);
      const g = b.op('expand_dims', [dy], { axis });
      const backprop = b.sub(b.op('softmax', [logits], { axis }), labels);
      return [b.mul(g, b.neg(b.op('log_softmax', [logits], { axis }))), b.mul(g, backprop)];
    },
    dependence: contraction(softmaxXentRelation),
  },
  {
    name: 'sparse_softmax_cross_entropy_with_logits',
    sentinel: true,
    doc: 'Cross entropy of softmax(logits) against integer class labels (one per row of the last axis).',
    params: [
      { name: 'labels', kind: 'tensor', dtypes: 'int' },
      { name: 'logits', kind: 'tensor', dtypes: 'float' },
    ],
    infer: ([labels, logits]) => {
      if (!isInteger(labels.dtype))
        throw new OpError(`labels must be int32 or int64 class indices, got ${labels.dtype}`, 0, 'dtype-mismatch');
      if (logits.shape !== null && logits.shape.length === 0) throw new OpError('logits must have rank >= 1, got a scalar', 1);
      if (labels.shape !== null && logits.shape !== null) {
        const lead = logits.shape.slice(0, -1);
        if (labels.shape.length !== lead.length || labels.shape.some((d, i) => d !== null && lead[i] !== null && d !== lead[i])) {
          throw new OpError(
            `labels ${showShape(labels.shape)} must have the shape of logits ${showShape(logits.shape)} without its last axis, ${showShape(lead)}`,
            0,
          );
        }
      }
      return { dtype: logits.dtype, shape: labels.shape ?? (logits.shape ? logits.shape.slice(0, -1) : null) };
    },
    kernel: ([labels, logits], _attrs, out, ctx) => {
      const n = logits.shape[logits.shape.length - 1];
      const rows = labels.data.length;
      const data = ctx.alloc(out.dtype, rows);
      const X = logits.data;
      for (let r = 0; r < rows; r++) {
        const label = labels.data[r];
        if (label < 0 || label >= n)
          throw new OpError(`received a label value of ${label} which is outside the valid range of [0, ${n})`, 0, 'index-out-of-range');
        const base = r * n;
        let max = -Infinity;
        for (let j = 0; j < n; j++) if (X[base + j] > max) max = X[base + j];
        let sum = 0;
        for (let j = 0; j < n; j++) sum += Math.exp(X[base + j] - max);
        data[r] = Math.log(sum) - (X[base + label] - max);
      }
      return data;
    },
    // TensorFlow: dy · (softmax(logits) - one_hot(labels)); none for the integer labels.
    // (TensorFlow's fused op refuses a second derivative; built from ops, ours has one.)
    grad: (b, node, dy) => {
      const [labels, logits] = node.inputs;
      const backprop = b.sub(b.op('softmax', [logits], { axis: -1 }), b.op('one_hot_like', [labels, logits]));
      return [null, b.mul(b.op('expand_dims', [dy], { axis: -1 }), backprop)];
    },
    // The integer labels pick a class but have no derivative.
    dependence: contraction(
      ({ inputs: [, logits], output }) => {
        if (!logits || logits.length === 0 || output.length !== logits.length - 1) return null;
        const labels = axisLabels(logits.length);
        return { inputs: [null, labels], output: labels.slice(0, -1), roles: { [labels[labels.length - 1]]: 'classes' } };
      },
      { carries: (slot) => slot === 1 },
    ),
  },
  {
    name: 'one_hot_like',
    internal: true,
    doc: "One-hot rows of `like`'s shape and dtype: 1 at each integer label, 0 elsewhere.",
    params: [
      { name: 'labels', kind: 'tensor' },
      { name: 'like', kind: 'tensor' },
    ],
    infer: ([, like]) => like,
    kernel: ([labels, like], _attrs, out, ctx) => {
      const n = like.shape[like.shape.length - 1];
      const data = ctx.alloc(out.dtype, like.data.length);
      for (let r = 0; r < labels.data.length; r++) {
        const label = labels.data[r];
        if (label >= 0 && label < n) data[r * n + label] = 1;
      }
      return data;
    },
  },
  {
    name: 'moments',
    doc: 'Mean and variance over `axes`, as tf.nn.moments: [mean, variance] (variance uses stop_gradient(mean), as TensorFlow).',
    params: [
      { name: 'x', kind: 'tensor', dtypes: 'numeric' },
      { name: 'axes', kind: 'axes' },
      { name: 'shift', kind: 'value', default: null },
      { name: 'keepdims', kind: 'bool', default: false, aliases: ['keep_dims'] },
    ],
    tf1Positional: ['x', 'axes', 'shift', 'name', 'keep_dims'],
    // mean = reduce_mean(x, axes, keepdims=True); variance = reduce_mean(
    // squared_difference(x, stop_gradient(mean)), axes). The unkept results reduce without
    // keepdims instead of squeezing: the same values and gradients.
    build: (b, args): Value => {
      const x = args.tensor('x');
      checkDTypeClass(args.op, args.param('x'), x, args.span('x'));
      const axes = args.axes('axes');
      if (axes === null) throw new BuildError('moments needs `axes` (a list of axes)', args.span('axes'), 'bad-argument');
      const keepdims = args.bool('keepdims');
      const reduce = (t: Node, keep: boolean) =>
        b.apply('reduce_mean', [t], { axis: axes, keepdims: keep }, args.callSpan, [args.span('x')]);
      const meanKept = reduce(x, true);
      const mean = keepdims ? meanKept : reduce(x, false);
      const sq = b.within(args.callSpan, undefined, () => b.op('squared_difference', [x, b.op('stop_gradient', [meanKept])]));
      const variance = reduce(sq, keepdims);
      return { kind: 'list', items: [tensorValue(mean), tensorValue(variance)] };
    },
  },
  {
    name: 'conv2d',
    doc: "2-D convolution (cross-correlation) of NHWC input with [height, width, in, out] filters; strides, 'SAME'/'VALID' padding, dilations.",
    params: [
      { name: 'input', kind: 'tensor', group: 'T', dtypes: 'float', aliases: ['x', 'value'] },
      { name: 'filters', kind: 'tensor', group: 'T', dtypes: 'float', aliases: ['filter', 'kernel'] },
      { name: 'strides', kind: 'ints' },
      { name: 'padding', kind: 'string' },
      { name: 'data_format', kind: 'string', default: 'NHWC' },
      { name: 'dilations', kind: 'ints', default: null, aliases: ['dilation_rate'] },
      // TensorFlow 1's device hint: the values are the same either way.
      { name: 'use_cudnn_on_gpu', kind: 'bool', default: true, keywordOnly: true },
    ],
    tf1Positional: ['input', 'filter', 'strides', 'padding', 'use_cudnn_on_gpu', 'data_format', 'dilations', 'name'],
    build: (b, args): Value => {
      const spans = [args.span('input'), args.span('filters')];
      const [x, f] = b.unifyDTypes([args.tensor('input'), args.tensor('filters')], spans);
      checkDTypeClass(args.op, args.param('input'), x, spans[0]);
      checkDTypeClass(args.op, args.param('filters'), f, spans[1]);
      dataFormatArg(args);
      const attrs = {
        strides: spatialPair(args, 'strides', null),
        padding: paddingArg(args),
        dilations: spatialPair(args, 'dilations', [1, 1]),
      };
      return tensorValue(b.apply(args.op, [x, f], attrs, args.callSpan, spans));
    },
    infer: ([x, f], attrs) => conv2dType(x, f, attrs),
    kernel: ([x, f], attrs, out, ctx) =>
      conv2dKernel(x, f, geometry(x.shape, f.shape[0], f.shape[1], windowAttrs(attrs)), ctx.alloc(out.dtype, sizeOf(out.shape)), ctx),
    // TensorFlow's _Conv2DGrad: the two backprop ops.
    grad: (b, node, dy) => {
      const [x, f] = node.inputs;
      return [b.op('conv2d_backprop_input', [x, f, dy], node.attrs), b.op('conv2d_backprop_filter', [x, f, dy], node.attrs)];
    },
    dependence: convDependence({ input: 0, filter: 1, output: 'output' }),
  },
  {
    name: 'conv2d_backprop_input',
    internal: true,
    doc: 'Gradient of conv2d with respect to its input, shaped like `input` (which only lends its shape).',
    params: [
      { name: 'input', kind: 'tensor' },
      { name: 'filters', kind: 'tensor' },
      { name: 'out_backprop', kind: 'tensor' },
    ],
    infer: ([x, f, dy], attrs) => {
      checkGradShape(dy, conv2dType({ dtype: f.dtype, shape: x.shape }, f, attrs).shape, 2);
      return { dtype: f.dtype, shape: x.shape };
    },
    kernel: ([x, f, dy], attrs, out, ctx) =>
      conv2dBackpropInputKernel(
        f,
        dy,
        geometry(x.shape, f.shape[0], f.shape[1], windowAttrs(attrs)),
        ctx.alloc(out.dtype, sizeOf(out.shape)),
        ctx,
      ),
    // TensorFlow's _Conv2DBackpropInputGrad.
    grad: (b, node, dd) => {
      const [, f, dy] = node.inputs;
      return [null, b.op('conv2d_backprop_filter', [dd, f, dy], node.attrs), b.op('conv2d', [dd, f], node.attrs)];
    },
    dependence: convDependence({ input: 'output', filter: 1, output: 2 }),
  },
  {
    name: 'conv2d_backprop_filter',
    internal: true,
    doc: 'Gradient of conv2d with respect to its filters, shaped like `filters` (which only lends its shape).',
    params: [
      { name: 'input', kind: 'tensor' },
      { name: 'filters', kind: 'tensor' },
      { name: 'out_backprop', kind: 'tensor' },
    ],
    infer: ([x, f, dy], attrs) => {
      checkGradShape(dy, conv2dType(x, { dtype: x.dtype, shape: f.shape }, attrs).shape, 2);
      return { dtype: x.dtype, shape: f.shape };
    },
    kernel: ([x, f, dy], attrs, out, ctx) =>
      conv2dBackpropFilterKernel(
        x,
        dy,
        f.shape[3],
        geometry(x.shape, f.shape[0], f.shape[1], windowAttrs(attrs)),
        ctx.alloc(out.dtype, sizeOf(out.shape)),
        ctx,
      ),
    // TensorFlow's _Conv2DBackpropFilterGrad.
    grad: (b, node, dd) => {
      const [x, , dy] = node.inputs;
      return [b.op('conv2d_backprop_input', [x, dd, dy], node.attrs), null, b.op('conv2d', [x, dd], node.attrs)];
    },
    dependence: convDependence({ input: 0, filter: 'output', output: 2 }),
  },
  {
    name: 'max_pool2d',
    aliases: ['max_pool'],
    doc: "Maximum over ksize windows of NHWC input (strides, 'SAME'/'VALID'); the gradient goes to the first maximum of each window.",
    params: windowParams,
    build: buildPool,
    infer: ([x], attrs) => poolType(x, attrs),
    kernel: ([x], attrs, out, ctx) => maxPoolKernel(x, poolGeometry(x, attrs), ctx.alloc(out.dtype, sizeOf(out.shape)), deadlineCheck(ctx)),
    grad: (b, node, dy) => [b.op('max_pool2d_grad', [node.inputs[0], dy], node.attrs)],
    dependence: poolDependence({ input: 0, output: 'output' }, [0], 0),
  },
  {
    name: 'max_pool2d_grad',
    internal: true,
    doc: "Gradient of max_pool2d: each window's upstream gradient added at its first maximum.",
    params: [
      { name: 'input', kind: 'tensor' },
      { name: 'grad', kind: 'tensor' },
    ],
    infer: ([x, dy], attrs) => {
      checkGradShape(dy, poolType(x, attrs).shape, 1);
      return x;
    },
    kernel: ([x, dy], attrs, out, ctx) => {
      const arg = maxPoolArgmax(x, poolGeometry(x, attrs), deadlineCheck(ctx));
      const acc = new Float64Array(x.data.length);
      const DY = dy.data;
      for (let i = 0; i < arg.length; i++) if (arg[i] >= 0) acc[arg[i]] += DY[i];
      const data = ctx.alloc(out.dtype, acc.length);
      for (let i = 0; i < acc.length; i++) data[i] = acc[i];
      return data;
    },
    // TensorFlow's _MaxPoolGradGrad: zeros for the input, the argmax gather for the gradient.
    grad: (b, node, dd) => [b.zerosLike(node.inputs[0]), b.op('max_pool2d_grad_grad', [node.inputs[0], dd], node.attrs)],
    // The input only routes (its derivative is zero, as TensorFlow's); the gradient is the value.
    dependence: poolDependence({ input: 'output', output: 1 }, [1], 0),
  },
  {
    name: 'max_pool2d_grad_grad',
    internal: true,
    doc: "For each max_pool2d window, the value of `grad` at the window's first maximum.",
    params: [
      { name: 'input', kind: 'tensor' },
      { name: 'grad', kind: 'tensor' },
    ],
    infer: ([x, g], attrs) => {
      checkGradShape(g, x.shape, 1);
      return poolType(x, attrs);
    },
    kernel: ([x, g], attrs, out, ctx) => {
      const arg = maxPoolArgmax(x, poolGeometry(x, attrs), deadlineCheck(ctx));
      const data = ctx.alloc(out.dtype, arg.length);
      for (let i = 0; i < arg.length; i++) data[i] = arg[i] >= 0 ? g.data[arg[i]] : 0;
      return data;
    },
    grad: (b, node, dd) => [b.zerosLike(node.inputs[0]), b.op('max_pool2d_grad', [node.inputs[0], dd], node.attrs)],
    dependence: poolDependence({ input: 1, output: 'output' }, [1], 0),
  },
  {
    name: 'avg_pool2d',
    aliases: ['avg_pool'],
    doc: "Mean over ksize windows of NHWC input (strides, 'SAME'/'VALID'); with SAME, windows average only the elements inside the input.",
    params: windowParams,
    build: buildPool,
    infer: ([x], attrs) => poolType(x, attrs),
    kernel: ([x], attrs, out, ctx) => avgPoolKernel(x, poolGeometry(x, attrs), ctx.alloc(out.dtype, sizeOf(out.shape)), deadlineCheck(ctx)),
    grad: (b, node, dy) => [b.op('avg_pool2d_grad', [node.inputs[0], dy], node.attrs)],
    dependence: poolDependence({ input: 0, output: 'output' }, [0]),
  },
  {
    name: 'avg_pool2d_grad',
    internal: true,
    doc: "Gradient of avg_pool2d, shaped like `input` (which only lends its shape): each window's gradient shared among its elements.",
    params: [
      { name: 'input', kind: 'tensor' },
      { name: 'grad', kind: 'tensor' },
    ],
    infer: ([x, dy], attrs) => {
      checkGradShape(dy, poolType(x, attrs).shape, 1);
      return { dtype: dy.dtype, shape: x.shape };
    },
    kernel: ([x, dy], attrs, out, ctx) =>
      avgPoolGradKernel(dy, poolGeometry(x, attrs), ctx.alloc(out.dtype, sizeOf(out.shape)), deadlineCheck(ctx)),
    // TensorFlow's _AvgPoolGradGrad: avg_pool of the incoming gradient.
    grad: (b, node, dd) => [null, b.op('avg_pool2d', [dd], node.attrs)],
    dependence: poolDependence({ input: 'output', output: 1 }, [1]),
  },
]);

// TensorFlow 1.14 on (tf.compat.v1 in TensorFlow 2) defines the _v2 name without a sentinel,
// labels then logits: it takes positional arguments, which the name above refuses.
defineOps([{ ...lookupOp('softmax_cross_entropy_with_logits')!, name: 'softmax_cross_entropy_with_logits_v2', sentinel: undefined }]);
