// Rescaling by norms, as TensorFlow writes it in Python (python/ops/clip_ops.py, nn_impl.py):
// clip_by_norm, global_norm, clip_by_global_norm, l2_normalize, batch_normalization. Each is
// built from the same ops in the same order, so values round as TensorFlow's do and the
// gradients are the ones TensorFlow's autodiff gives (its where-tricks that keep gradients
// finite at a zero norm included).

import { type BoundArgs, type Builder, BuildError, NONE, type Value, tensorValue } from '../builder';
import type { Node } from '../graph';
import { defineOps } from './registry';
import { composite, floatInput } from './compose';
import { showShape } from '../types';

/** A scalar argument (a number or a 0-d tensor) in `dtype`. */
function scalarIn(_b: Builder, args: BoundArgs, name: string, dtype: Node['type']['dtype']): Node {
  const t = args.tensor(name, dtype);
  if (t.type.dtype !== dtype)
    throw new BuildError(
      `${args.op.name}(): \`${name}\` is ${t.type.dtype} but the values are ${dtype}`,
      args.span(name),
      'dtype-mismatch',
    );
  if (t.type.shape !== null && t.type.shape.length !== 0)
    throw new BuildError(
      `${args.op.name}(): \`${name}\` must be a scalar, got shape ${showShape(t.type.shape)}`,
      args.span(name),
      'shape-mismatch',
    );
  return t;
}

/** The tensors of a `t_list` argument, None entries kept as null (gradients of unconnected xs). */
function tensorList(b: Builder, args: BoundArgs, name: string): (Node | null)[] {
  const v = args.value(name);
  if (v.kind !== 'list')
    throw new BuildError(
      `${args.op.name}(): \`${name}\` should be a sequence of tensors (a list), got ${v.kind === 'tensor' ? 'a tensor' : v.kind}`,
      args.span(name),
      'type-mismatch',
    );
  return v.items.map((item) => (item.kind === 'none' ? null : b.toTensor(item, args.span(name))));
}

/** t * clip_norm / max(||t||, clip_norm), the norm over `axes` (null: all), as
 *  tf.clip_by_norm: TensorFlow's two-tap where never takes the sqrt of 0, so gradients stay
 *  finite at a zero norm. */
export function clipByNorm(b: Builder, t: Node, clipNorm: Node, axes: number[] | null): Node {
  const l2sum = b.reduceSum(b.mul(t, t), axes, true);
  const positive = b.op('greater', [l2sum, b.zerosLike(l2sum)]);
  const safe = b.where(positive, l2sum, b.onesLike(l2sum));
  const l2norm = b.where(positive, b.op('sqrt', [safe]), l2sum);
  return b.div(b.mul(t, clipNorm), b.op('maximum', [l2norm, clipNorm]));
}

/** sqrt(sum of every tensor's squares), from l2_loss as tf.linalg.global_norm. */
function globalNorm(b: Builder, args: BoundArgs, list: (Node | null)[]): Node {
  const present = list.filter((t): t is Node => t !== null);
  if (present.length === 0)
    throw new BuildError(`${args.op.name}(): \`t_list\` has no tensors (only None)`, args.span('t_list'), 'bad-argument');
  const halves = b.unifyDTypes(
    present.map((t) => b.op('l2_loss', [t])),
    present.map(() => args.span('t_list')),
  );
  const half = b.reduceSum(b.op('stack', halves, { axis: 0 }), null);
  return b.op('sqrt', [b.scale(half, 2)]);
}

defineOps([
  composite({
    name: 'clip_by_norm',
    doc: 'Rescales t so that its L2 norm over `axes` (all by default) is at most clip_norm (tf.clip_by_norm).',
    params: [
      { name: 't', kind: 'tensor', dtypes: 'float' },
      { name: 'clip_norm', kind: 'tensor' },
      { name: 'axes', kind: 'axes', default: null },
    ],
    compose: (b, args) => {
      const t = floatInput(args, 't');
      return clipByNorm(b, t, scalarIn(b, args, 'clip_norm', t.type.dtype), args.axes('axes'));
    },
  }),
  composite({
    name: 'global_norm',
    doc: 'sqrt(sum of the squares of every tensor of t_list); None entries are skipped (tf.linalg.global_norm).',
    params: [{ name: 't_list', kind: 'value' }],
    compose: (b, args) => globalNorm(b, args, tensorList(b, args, 't_list')),
  }),
  composite({
    name: 'clip_by_global_norm',
    doc: '[t_list scaled by clip_norm / max(global_norm, clip_norm), global_norm] (tf.clip_by_global_norm; None entries stay None).',
    params: [
      { name: 't_list', kind: 'value' },
      { name: 'clip_norm', kind: 'tensor' },
      { name: 'use_norm', kind: 'tensor', default: null },
    ],
    compose: (b, args): Value => {
      const list = tensorList(b, args, 't_list');
      const norm = args.isNone('use_norm') ? globalNorm(b, args, list) : args.tensor('use_norm');
      const dtype = norm.type.dtype;
      const clipNorm = scalarIn(b, args, 'clip_norm', dtype);
      // clip_norm * min(1 / norm, 1 / clip_norm), plus (norm - norm): NaN when the norm is not
      // finite, as TensorFlow.
      const one = b.scalar(1, dtype);
      const finite = b.mul(clipNorm, b.op('minimum', [b.div(one, norm), b.div(one, clipNorm)]));
      const scale = b.add(finite, b.sub(norm, norm));
      const clipped: Value[] = list.map((t) => (t === null ? NONE : tensorValue(b.mul(t, b.cast(scale, t.type.dtype)))));
      return { kind: 'list', items: [{ kind: 'list', items: clipped }, tensorValue(norm)] };
    },
  }),
  composite({
    name: 'l2_normalize',
    doc: 'x / sqrt(max(sum(x ** 2, axis), epsilon)): x scaled to unit L2 norm along `axis` (all by default) (tf.math.l2_normalize).',
    params: [
      { name: 'x', kind: 'tensor', dtypes: 'float' },
      { name: 'axis', kind: 'axes', default: null, aliases: ['dim'] },
      { name: 'epsilon', kind: 'float', default: 1e-12 },
    ],
    compose: (b, args) => {
      const x = floatInput(args, 'x');
      const squareSum = b.reduceSum(b.op('square', [x]), args.axes('axis'), true);
      const inverse = b.op('rsqrt', [b.op('maximum', [squareSum, b.scalar(args.float('epsilon'), x.type.dtype)])]);
      return b.mul(x, inverse);
    },
  }),
  composite({
    name: 'batch_normalization',
    doc: '(x - mean) * scale / sqrt(variance + variance_epsilon) + offset, with offset and scale optional (tf.nn.batch_normalization).',
    params: [
      { name: 'x', kind: 'tensor', dtypes: 'float' },
      { name: 'mean', kind: 'tensor' },
      { name: 'variance', kind: 'tensor' },
      { name: 'offset', kind: 'tensor' },
      { name: 'scale', kind: 'tensor' },
      { name: 'variance_epsilon', kind: 'float' },
    ],
    compose: (b, args) => {
      const x = floatInput(args, 'x');
      const dtype = x.type.dtype;
      const mean = args.tensor('mean', dtype);
      const variance = args.tensor('variance', dtype);
      // inv = rsqrt(variance + epsilon) * scale; x * inv + (offset - mean * inv), as TensorFlow.
      let inv = b.op('rsqrt', [b.add(variance, b.scalar(args.float('variance_epsilon'), dtype))]);
      if (!args.isNone('scale')) inv = b.mul(inv, args.tensor('scale', dtype));
      const shift = args.isNone('offset') ? b.neg(b.mul(mean, inv)) : b.sub(args.tensor('offset', dtype), b.mul(mean, inv));
      return b.add(b.mul(x, inv), shift);
    },
  }),
]);
