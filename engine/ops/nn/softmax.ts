// `softmax` and `log_softmax` along an axis. Their gradients follow TensorFlow's nn_grad.py
// and use the op's output; each is one op (`softmax_grad`, `log_softmax_grad`) whose kernel
// takes a row's sum and its result in one pass per row, rounding as the ops it stands for.

import { type Builder } from '../../builder';
import type { Node } from '../../graph';
import { type Tensor, type TypedData, sizeOf } from '../../tensor';
import { type TensorType, OpError, normalizeAxis, showShape } from '../../types';
import { softmaxGradWasm, softmaxWasm } from '../../wasm/elementwise';
import { type DependenceContext, type RelationDependence, axisIn, axisLabels, rowwise } from '../dependence';
import { type KernelContext, defineOps, op } from '../registry';

// ---- softmax family ------------------------------------------------------------------------

/** The tensor seen as [outer, n, inner] around `axis`. */
export function aroundAxis(shape: readonly number[], axis: number): { outer: number; n: number; inner: number } {
  return { outer: sizeOf(shape.slice(0, axis)), n: shape[axis], inner: sizeOf(shape.slice(axis + 1)) };
}

export function softmaxAxisType(x: TensorType, axis: number, argIndex = 0): number | null {
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

/**
 * The gradient of softmax (`log` false: (dy - Σ dy·y) · y) or of log_softmax (dy - Σ dy ·
 * exp(y)) along `axis`, from the op's output y. Each row's sum is taken in float64 in four
 * partial sums (element j into sum j mod 4), added as (s0 + s2) + (s1 + s3), then the last
 * n mod 4 elements in order, and rounded to the data's width; products and the result are
 * rounded to it too, as the mul, reduce_sum and sub they stand for would round them.
 */
function softmaxGradKernel(y: Tensor, dy: Tensor, axis: number, data: TypedData, log: boolean, ctx: KernelContext): TypedData {
  if (y.shape.length !== dy.shape.length || y.shape.some((d, k) => d !== dy.shape[k]))
    throw new OpError(`the gradient has shape ${showShape(dy.shape)}, the output ${showShape(y.shape)}`, 1);
  const ax = normalizeAxis(axis, y.shape.length);
  const { outer, n, inner } = aroundAxis(y.shape, ax);
  const fast = softmaxGradWasm(y, dy, inner, data, log, ctx);
  if (fast) return fast;
  const Y = y.data;
  const DY = dy.data;
  const round = data instanceof Float32Array ? Math.fround : (v: number) => v;
  const n4 = n - (n % 4);
  const partial = [0, 0, 0, 0];
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      partial.fill(0);
      let j = 0;
      for (; j < n4; j++) partial[j % 4] += log ? DY[base + j * inner] : round(DY[base + j * inner] * Y[base + j * inner]);
      let s = partial[0] + partial[2] + (partial[1] + partial[3]);
      for (; j < n; j++) s += log ? DY[base + j * inner] : round(DY[base + j * inner] * Y[base + j * inner]);
      s = round(s);
      for (j = 0; j < n; j++) {
        const p = base + j * inner;
        data[p] = log ? DY[p] - round(s * round(Math.exp(Y[p]))) : round(DY[p] - s) * Y[p];
      }
    }
  }
  return data;
}

/** The gradient ops' inputs y and dy: the same shape, and the softmax's axis in range. */
function softmaxGradType([y, dy]: readonly TensorType[], attrs: SoftmaxAttrs): TensorType {
  softmaxAxisType(y, axisOf(attrs));
  const differ = (a: number | null, b: number | null) => a !== null && b !== null && a !== b;
  if (y.shape !== null && dy.shape !== null && (y.shape.length !== dy.shape.length || y.shape.some((d, k) => differ(d, dy.shape![k]))))
    throw new OpError(`the gradient has shape ${showShape(dy.shape)}, the output ${showShape(y.shape)}`, 1);
  return y;
}

/** The gradient ops' parameters (the op's output y, the incoming dy, the axis) and type. */
const gradOpSignature = {
  params: [
    { name: 'y', kind: 'tensor' },
    { name: 'dy', kind: 'tensor' },
    { name: 'axis', kind: 'axis', default: -1 },
  ],
  infer: softmaxGradType,
} as const;

/** Each output element reads the row through `axis` of the slots in `mixing`, and the same
 *  element of the others. */
function rowsOf(mixing: readonly number[]): RelationDependence<SoftmaxAttrs> {
  return {
    kind: 'relation',
    family: 'rowwise',
    verb: 'mixes',
    relate: ({ attrs, inputs }: DependenceContext<SoftmaxAttrs>) => {
      const shape = inputs[0];
      const axis = shape ? axisIn(axisOf(attrs), shape.length) : null;
      if (!shape || axis === null || axis < 0 || axis >= shape.length) return null;
      const labels = axisLabels(shape.length);
      const row = labels.map((l, k) => (k === axis ? 'row' : l));
      return {
        inputs: inputs.map((_, slot) => (mixing.includes(slot) ? row : labels)),
        output: labels,
        sizes: { row: shape[axis] },
        roles: { row: 'classes' },
      };
    },
  };
}

/** softmax's, log_softmax's and the softmax cross entropy's. */
export type SoftmaxAttrs = { axis?: number | null };

/** The softmax axis; `axis=None` means the last axis, as TensorFlow. */
export function axisOf(attrs: SoftmaxAttrs): number {
  return attrs.axis ?? -1;
}

function sumKeep(b: Builder, x: Node, axis: number): Node {
  return b.reduceSum(x, [axis], true);
}

/** Cross entropy of each row: Σ labels · (logsumexp(x) - x), stably. */
defineOps([
  op<SoftmaxAttrs>({
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
    kernel: ([x], attrs, out, ctx) => softmaxKernel(x, axisOf(attrs), ctx.alloc(out.dtype, x.data.length, true), false, ctx),
    // TensorFlow's _SoftmaxGrad: (dy - sum(dy * y, axis, keepdims)) * y.
    grad: (b, node, dy) => [b.op('softmax_grad', [node, dy], { axis: axisOf(node.attrs) })],
    dependence: rowwise(({ attrs, inputs: [x] }) => (x ? axisIn(axisOf(attrs), x.length) : null), 'mixes'),
  }),
  op<SoftmaxAttrs>({
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
    kernel: ([x], attrs, out, ctx) => softmaxKernel(x, axisOf(attrs), ctx.alloc(out.dtype, x.data.length, true), true, ctx),
    // TensorFlow's _LogSoftmaxGrad: dy - sum(dy, axis, keepdims) * exp(y).
    grad: (b, node, dy) => [b.op('log_softmax_grad', [node, dy], { axis: axisOf(node.attrs) })],
    dependence: rowwise(({ attrs, inputs: [x] }) => (x ? axisIn(axisOf(attrs), x.length) : null), 'mixes'),
  }),
  op<SoftmaxAttrs>({
    name: 'softmax_grad',
    internal: true,
    doc: "softmax's gradient from its output y and the incoming dy: (dy - sum(dy * y, axis, keepdims)) * y.",
    ...gradOpSignature,
    kernel: ([y, dy], attrs, out, ctx) => softmaxGradKernel(y, dy, axisOf(attrs), ctx.alloc(out.dtype, y.data.length, true), false, ctx),
    // With s = sum(dy * y) and g the incoming gradient: d/d(dy) is this op of (y, g); d/dy
    // is g * (dy - s) - dy * sum(g * y).
    grad: (b, node, g) => {
      const [y, dy] = node.inputs;
      const axis = axisOf(node.attrs);
      const s = sumKeep(b, b.mul(dy, y), axis);
      return [b.sub(b.mul(g, b.sub(dy, s)), b.mul(dy, sumKeep(b, b.mul(g, y), axis))), b.op('softmax_grad', [y, g], { axis })];
    },
    dependence: rowsOf([0, 1]),
  }),
  op<SoftmaxAttrs>({
    name: 'log_softmax_grad',
    internal: true,
    doc: "log_softmax's gradient from its output y and the incoming dy: dy - sum(dy, axis, keepdims) * exp(y).",
    ...gradOpSignature,
    kernel: ([y, dy], attrs, out, ctx) => softmaxGradKernel(y, dy, axisOf(attrs), ctx.alloc(out.dtype, y.data.length, true), true, ctx),
    // With g the incoming gradient: d/dy is -g * sum(dy) * exp(y); d/d(dy) is
    // g - sum(g * exp(y)).
    grad: (b, node, g) => {
      const [y, dy] = node.inputs;
      const axis = axisOf(node.attrs);
      const e = b.op('exp', [y]);
      return [b.neg(b.mul(g, b.mul(sumKeep(b, dy, axis), e))), b.sub(g, sumKeep(b, b.mul(g, e), axis))];
    },
    // y meets only its own element (through exp); dy's whole row is summed.
    dependence: rowsOf([1]),
  }),
]);
