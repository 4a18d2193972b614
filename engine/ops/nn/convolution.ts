// `conv2d` and its two backprop ops, whose own gradients are conv2d and each other (as
// TensorFlow's nn_grad.py), so second derivatives work.

import { type Value, checkDTypeClass, tensorValue } from '../../builder';
import { type Tensor, type TypedData, sizeOf } from '../../tensor';
import { conv2dBackpropFilterWasm, conv2dBackpropInputWasm, conv2dWasm } from '../../wasm/nn';
import { deadlineCheck } from '../kernels';
import { gemm } from '../linalg/matmul';
import { type KernelContext, defineOps, op } from '../registry';
import {
  type Geometry,
  type WindowOpAttrs,
  checkGradShape,
  conv2dType,
  convDependence,
  dataFormatArg,
  geometry,
  explicitPaddingArg,
  explicitlyPadded,
  paddingArg,
  spatialPair,
  windowAttrs,
} from './windows';

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

defineOps([
  op<WindowOpAttrs>({
    name: 'conv2d',
    doc: "2-D convolution (cross-correlation) of NHWC input with [height, width, in, out] filters; strides, 'SAME'/'VALID' or explicit [[0, 0], [top, bottom], [left, right], [0, 0]] padding, dilations.",
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
      const explicit = explicitPaddingArg(b, args);
      const attrs = {
        strides: spatialPair(args, 'strides', null),
        padding: explicit ? ('VALID' as const) : paddingArg(args),
        dilations: spatialPair(args, 'dilations', [1, 1]),
      };
      return tensorValue(b.apply(args.op, [explicitlyPadded(b, args, x, explicit), f], attrs, args.callSpan, spans));
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
  }),
  op<WindowOpAttrs>({
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
  }),
  op<WindowOpAttrs>({
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
  }),
]);
