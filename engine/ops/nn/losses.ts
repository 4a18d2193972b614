// The losses: the cross entropies (sigmoid, weighted, softmax, sparse softmax), `l2_loss`,
// the log Poisson loss and `moments`. As TensorFlow's nn_grad.py, the softmax cross entropies' gradients use
// softmax - labels.

import { type Value, BuildError, checkDTypeClass, tensorValue } from '../../builder';
import type { Node } from '../../graph';
import { type Tensor, type TypedData, isInteger, sizeOf } from '../../tensor';
import { type Shape, OpError, normalizeAxis, showShape } from '../../types';
import { type DependenceContext, type Relation, axisLabels, contraction, reductionOver } from '../dependence';
import { defineOps, lookupOp, op } from '../registry';
import { composite } from '../compose';
import { aroundAxis, axisOf, softmaxAxisType, type SoftmaxAttrs } from './softmax';

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

/** softmax_cross_entropy_with_logits: labels and logits summed over the class axis. */
function softmaxXentRelation({ attrs, inputs: [labels], output }: DependenceContext<SoftmaxAttrs>): Relation | null {
  if (!labels) return null;
  const rank = labels.length;
  const axis = axisOf(attrs);
  const ax = axis < 0 ? axis + rank : axis;
  if (ax < 0 || ax >= rank || output.length !== rank - 1) return null;
  const labelsOf = axisLabels(rank);
  const classes = labelsOf[ax];
  return { inputs: [labelsOf, labelsOf], output: labelsOf.filter((l) => l !== classes), roles: { [classes]: 'classes' } };
}
defineOps([
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
  composite({
    name: 'log_poisson_loss',
    doc: "Poisson negative log-likelihood of `targets` given `log_input` (the log of the rate): exp(log_input) - log_input * targets, plus Stirling's approximation of log(targets!) where targets > 1 with `compute_full_loss` (tf.nn.log_poisson_loss).",
    params: [
      { name: 'targets', kind: 'tensor', group: 'T', dtypes: 'float' },
      { name: 'log_input', kind: 'tensor', group: 'T', dtypes: 'float' },
      { name: 'compute_full_loss', kind: 'bool', default: false },
    ],
    // TensorFlow's formulation. One change: Stirling's term is computed on targets where it
    // is kept (1 where it is not), so a target of 0 — the commonest count — makes no log(0):
    // the same values, no false -Inf warning, and a targets' gradient of 0 there where
    // TensorFlow's is NaN (0 · log(0) through its where).
    compose: (b, args) => {
      const spans = [args.span('targets'), args.span('log_input')];
      const [z, x] = b.unifyDTypes([args.tensor('targets'), args.tensor('log_input')], spans);
      checkDTypeClass(args.op, args.param('log_input'), x, spans[1]);
      try {
        sameShapeOrThrow(z.type.shape, x.type.shape, 'targets and log_input must have the same shape');
      } catch (e) {
        throw new BuildError(`log_poisson_loss: ${(e as Error).message}`, spans[0], 'shape-mismatch');
      }
      const loss = b.sub(b.op('exp', [x]), b.mul(x, z));
      if (!args.bool('compute_full_loss')) return loss;
      const dtype = z.type.dtype;
      const zeros = b.zerosLike(z);
      const ones = b.onesLike(z);
      const small = b.op('logical_and', [b.op('greater_equal', [z, zeros]), b.op('less_equal', [z, ones])]);
      const kept = b.where(small, ones, z);
      const stirling = b.add(
        b.sub(b.mul(kept, b.op('log', [kept])), kept),
        b.mul(b.scalar(0.5, dtype), b.op('log', [b.mul(b.scalar(2 * Math.PI, dtype), kept)])),
      );
      return b.add(loss, b.where(small, zeros, stirling));
    },
  }),
  op<SoftmaxAttrs>({
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
  }),
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
]);

// TensorFlow 1.14 on (tf.compat.v1 in TensorFlow 2) defines the _v2 name without a sentinel,
// labels then logits: it takes positional arguments, which the name above refuses.
defineOps([{ ...lookupOp('softmax_cross_entropy_with_logits')!, name: 'softmax_cross_entropy_with_logits_v2', sentinel: undefined }]);
