// Reductions TensorFlow writes from other reductions (python/ops/math_ops.py):
// reduce_variance, reduce_std, and reduce_euclidean_norm (a kernel of its own in TensorFlow,
// whose gradient x / norm is what the composite's gives).

import { BuildError } from '../builder';
import type { Node } from '../graph';
import { defineOps } from './registry';
import { composite, floatInput } from './compose';
import { reductionParams } from './reduce/reduction';
import type { BoundArgs, Builder } from '../builder';

const floatParams = reductionParams.map((p, i) => (i === 0 ? { ...p, dtypes: 'float' as const } : p));

/** A reduction of the composite's input with its `axis` (axis errors at the axis argument). */
function reduce(b: Builder, args: BoundArgs, op: string, x: Node, keepdims: boolean): Node {
  try {
    return b.op(op, [x], { axis: args.axes('axis'), keepdims });
  } catch (e) {
    if (e instanceof BuildError && e.code === 'bad-axis' && args.has('axis')) throw new BuildError(e.message, args.span('axis'), e.code);
    throw e;
  }
}

/** mean((x - mean(x, keepdims))^2) over the axes, as tf.math.reduce_variance. */
function variance(b: Builder, args: BoundArgs): Node {
  const x = floatInput(args, 'input_tensor');
  const means = reduce(b, args, 'reduce_mean', x, true);
  return reduce(b, args, 'reduce_mean', b.op('square', [b.sub(x, means)]), args.bool('keepdims'));
}

defineOps([
  composite({
    name: 'reduce_variance',
    doc: 'Variance of elements across axes (the mean squared deviation from the mean, as tf.math.reduce_variance).',
    params: floatParams,
    compose: variance,
  }),
  composite({
    name: 'reduce_std',
    doc: 'Standard deviation of elements across axes (the square root of reduce_variance).',
    params: floatParams,
    compose: (b, args) => b.op('sqrt', [variance(b, args)]),
  }),
  composite({
    name: 'reduce_euclidean_norm',
    doc: 'sqrt(sum(x ** 2)) across axes (tf.math.reduce_euclidean_norm).',
    params: floatParams,
    compose: (b, args) =>
      b.op('sqrt', [reduce(b, args, 'reduce_sum', b.op('square', [floatInput(args, 'input_tensor')]), args.bool('keepdims'))]),
  }),
]);
