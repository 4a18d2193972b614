// Max and average 2-D pooling and their gradients: max pooling sends the gradient to the
// first maximum of each window.

import { type BoundArgs, type Builder, type Value, BuildError, tensorValue } from '../../builder';
import { type Tensor, type TypedData, sizeOf } from '../../tensor';
import { BLOCK_WORK, deadlineCheck } from '../kernels';
import { defineOps, op } from '../registry';
import {
  type Geometry,
  type WindowOpAttrs,
  applyAt,
  checkGradShape,
  dataFormatArg,
  explicitPaddingArg,
  explicitlyPadded,
  floatArg,
  geometry,
  lowestFinite,
  paddingArg,
  poolDependence,
  poolType,
  spatialPair,
  windowAttrs,
  windowParams,
} from './windows';

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

function buildPool(b: Builder, args: BoundArgs): Value {
  const x = floatArg(b, args, 'input');
  dataFormatArg(args);
  const attrs = { ksize: spatialPair(args, 'ksize', null), strides: spatialPair(args, 'strides', null), padding: paddingArg(args) };
  return tensorValue(applyAt(b, args.op, [x], attrs, args, ['input']));
}

/** Max pooling also takes TensorFlow's explicit padding: the input padded with the lowest
 *  value, then VALID windows. */
function buildMaxPool(b: Builder, args: BoundArgs): Value {
  const explicit = explicitPaddingArg(b, args);
  if (!explicit) return buildPool(b, args);
  const x = floatArg(b, args, 'input');
  dataFormatArg(args);
  const attrs = { ksize: spatialPair(args, 'ksize', null), strides: spatialPair(args, 'strides', null), padding: 'VALID' as const };
  const ksize = attrs.ksize;
  if (explicit.slice(1, 3).some(([before, after], k) => before >= ksize[k] || after >= ksize[k]))
    throw new BuildError(
      `${args.op.name}(): explicit padding ${JSON.stringify(explicit)} must be smaller than the window ${JSON.stringify(ksize)} on each side, so that every window holds an input element`,
      args.span('padding'),
      'bad-argument',
    );
  return tensorValue(applyAt(b, args.op, [explicitlyPadded(b, args, x, explicit, lowestFinite(x.type.dtype))], attrs, args, ['input']));
}

function poolGeometry(x: Tensor, attrs: WindowOpAttrs): Geometry {
  const a = windowAttrs(attrs);
  return geometry(x.shape, a.ksize![0], a.ksize![1], { ...a, dilations: [1, 1] });
}

defineOps([
  op<WindowOpAttrs>({
    name: 'max_pool2d',
    aliases: ['max_pool'],
    doc: "Maximum over ksize windows of NHWC input (strides, 'SAME'/'VALID' or explicit padding); the gradient goes to the first maximum of each window.",
    params: windowParams,
    build: buildMaxPool,
    infer: ([x], attrs) => poolType(x, attrs),
    kernel: ([x], attrs, out, ctx) => maxPoolKernel(x, poolGeometry(x, attrs), ctx.alloc(out.dtype, sizeOf(out.shape)), deadlineCheck(ctx)),
    grad: (b, node, dy) => [b.op('max_pool2d_grad', [node.inputs[0], dy], node.attrs)],
    dependence: poolDependence({ input: 0, output: 'output' }, [0], 0),
  }),
  op<WindowOpAttrs>({
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
  }),
  op<WindowOpAttrs>({
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
  }),
  op<WindowOpAttrs>({
    name: 'avg_pool2d',
    aliases: ['avg_pool'],
    doc: "Mean over ksize windows of NHWC input (strides, 'SAME'/'VALID'); with SAME, windows average only the elements inside the input.",
    params: windowParams,
    build: buildPool,
    infer: ([x], attrs) => poolType(x, attrs),
    kernel: ([x], attrs, out, ctx) => avgPoolKernel(x, poolGeometry(x, attrs), ctx.alloc(out.dtype, sizeOf(out.shape)), deadlineCheck(ctx)),
    grad: (b, node, dy) => [b.op('avg_pool2d_grad', [node.inputs[0], dy], node.attrs)],
    dependence: poolDependence({ input: 0, output: 'output' }, [0]),
  }),
  op<WindowOpAttrs>({
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
  }),
]);
