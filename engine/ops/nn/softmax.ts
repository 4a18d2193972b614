// `softmax` and `log_softmax` along an axis. Their gradients follow TensorFlow's nn_grad.py:
// softmax's uses its output.

import { type Builder } from '../../builder';
import type { Node } from '../../graph';
import { type Tensor, type TypedData, sizeOf } from '../../tensor';
import { type TensorType, OpError, normalizeAxis } from '../../types';
import { softmaxWasm } from '../../wasm/elementwise';
import { axisIn, rowwise } from '../dependence';
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
    grad: (b, node, dy) => {
      const axis = axisOf(node.attrs);
      return [b.mul(b.sub(dy, sumKeep(b, b.mul(dy, node), axis)), node)];
    },
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
    grad: (b, node, dy) => {
      const axis = axisOf(node.attrs);
      return [b.sub(dy, b.mul(sumKeep(b, dy, axis), b.op('exp', [node])))];
    },
    dependence: rowwise(({ attrs, inputs: [x] }) => (x ? axisIn(axisOf(attrs), x.length) : null), 'mixes'),
  }),
]);
