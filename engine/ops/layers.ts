// The pieces of layers that TensorFlow's tutorials call directly: tf.nn.bias_add,
// tf.nn.dropout (TensorFlow 2's `rate`, and TensorFlow 1's `keep_prob` by keyword),
// tf.nn.embedding_lookup and tf.nn.conv1d, built from primitives as TensorFlow builds them.

import { type BoundArgs, type Builder, BuildError, type Value, tensorValue } from '../builder';
import type { Node } from '../graph';
import type { Span } from '../syntax/ast';
import { type Param, defineOps } from './registry';
import { composite, floatInput } from './compose';
import { nextStreamSeed } from './sampling';
import { clipByNorm } from './normalize';
import type { SpecItem } from './indexing';
import { showShape } from '../types';
import { isInteger } from '../tensor';

/** A rate or keep probability given as a number: its value (checked against [low, high)),
 *  or null when it is a tensor (fed at run time, such as a `keep_prob` placeholder). */
function numberIn(b: Builder, args: BoundArgs, name: string, ok: (v: number) => boolean, range: string): number | null {
  const v = args.value(name);
  if (v.kind !== 'tensor') return null;
  const n = b.pythonValue(v.node);
  if (n === undefined) return null;
  const x = Number(n);
  if (!ok(x))
    throw new BuildError(
      `dropout(): \`${name}\` must be a scalar tensor or a float in the range ${range}, got ${x}`,
      args.span(name),
      'bad-argument',
    );
  return x;
}

/** The shape the dropout mask is drawn in: x itself, or x sliced to size 1 along the axes
 *  where `noise_shape` is 1 (the mask then broadcasts along them, as TensorFlow's). */
function noiseSource(b: Builder, args: BoundArgs, x: Node): Node {
  if (args.isNone('noise_shape')) return x;
  const noise = args.shape('noise_shape');
  const shape = x.type.shape;
  if (noise === null || shape === null) return x;
  if (noise.length !== shape.length) {
    throw new BuildError(
      `dropout(): noise_shape ${showShape(noise)} must have the rank of x ${showShape(shape)}`,
      args.span('noise_shape'),
      'shape-mismatch',
    );
  }
  const spec: SpecItem[] = noise.map((d, k) => {
    if (d === null || d === -1 || d === shape[k]) return { kind: 'slice', start: null, stop: null, step: null };
    if (d === 1) return { kind: 'slice', start: 0, stop: 1, step: null };
    throw new BuildError(
      `dropout(): noise_shape ${showShape(noise)} does not broadcast to x's shape ${showShape(shape)} (axis ${k})`,
      args.span('noise_shape'),
      'shape-mismatch',
    );
  });
  return spec.every((s) => s.kind === 'slice' && s.start === null) ? x : b.op('strided_slice', [x], { spec });
}

const dropoutParams: readonly Param[] = [
  { name: 'x', kind: 'tensor', dtypes: 'float' },
  { name: 'rate', kind: 'tensor', default: null },
  { name: 'noise_shape', kind: 'shape', default: null },
  { name: 'seed', kind: 'int', default: null },
  // TensorFlow 1's spelling (rate = 1 - keep_prob); keyword only, TensorFlow 2 has no such parameter.
  { name: 'keep_prob', kind: 'tensor', default: null, keywordOnly: true },
];
/** TensorFlow 1's dropout(x, keep_prob, noise_shape, seed, name, rate). */
const dropoutTf1 = ['x', 'keep_prob', 'noise_shape', 'seed', 'name', 'rate'];

/** The 1-D ops compute channels-last ('NWC') only. */
function channelsLastOnly(args: BoundArgs): void {
  if (!args.isNone('data_format') && args.string('data_format').toUpperCase() !== 'NWC') {
    throw new BuildError(
      `${args.op.name}(): data_format '${args.string('data_format')}' is not supported: tgraph computes channels-last ('NWC')`,
      args.span('data_format'),
      'bad-argument',
    );
  }
}

/** A 1-D op's window size, stride or dilation: an int, [s] or [1, s, 1]. */
function alongWidth(args: BoundArgs, name: string, fallback: number): number {
  if (args.isNone(name)) return fallback;
  const v = args.ints(name);
  const along = v.length === 1 ? v[0] : v.length === 3 && v[0] === 1 && v[2] === 1 ? v[1] : null;
  if (along !== null && along < 1)
    throw new BuildError(`${args.op.name}(): \`${name}\` must be positive, got ${JSON.stringify(v)}`, args.span(name), 'bad-argument');
  if (along !== null) return along;
  throw new BuildError(
    `${args.op.name}(): \`${name}\` must be an int or a list of 1 or 3 ints [1, s, 1], got ${JSON.stringify(v)}`,
    args.span(name),
    'bad-argument',
  );
}

function paddingOf(args: BoundArgs): string {
  const padding = args.string('padding').toUpperCase();
  if (padding !== 'SAME' && padding !== 'VALID')
    throw new BuildError(`padding must be 'SAME' or 'VALID', got '${args.string('padding')}'`, args.span('padding'), 'bad-argument');
  return padding;
}

/** max_pool1d / avg_pool1d: the 2-D pooling over a height of 1, as TensorFlow computes them. */
function pool1d(name: 'max_pool1d' | 'avg_pool1d', pool2d: 'max_pool2d' | 'avg_pool2d') {
  return composite({
    name,
    doc: `${pool2d === 'max_pool2d' ? 'Maximum' : 'Mean'} over windows of [batch, width, channels] input: ${pool2d} over a height of 1 (tf.nn.${name}).`,
    params: [
      { name: 'input', kind: 'tensor', dtypes: 'float', aliases: ['value', 'x'] },
      { name: 'ksize', kind: 'ints' },
      { name: 'strides', kind: 'ints' },
      { name: 'padding', kind: 'string' },
      { name: 'data_format', kind: 'string', default: 'NWC' },
    ],
    compose: (b, args) => {
      channelsLastOnly(args);
      const attrs = { ksize: [1, alongWidth(args, 'ksize', 1)], strides: [1, alongWidth(args, 'strides', 1)], padding: paddingOf(args) };
      const wide = b.apply(pool2d, [b.op('expand_dims', [floatInput(args, 'input')], { axis: 1 })], attrs, args.callSpan, [
        args.span('input'),
      ]);
      return b.op('squeeze', [wide], { axis: [1] });
    },
  });
}

/** value + bias along the channel axis that `format` names, with TensorFlow's checks of the
 *  bias's rank and size (shared by bias_add and xw_plus_b). */
function addBias(b: Builder, value: Node, bias: Node, format: string, spans: { value: Span; bias: Span; format: Span }): Node {
  const channelsFirst = format.startsWith('NC');
  if (!channelsFirst && !(format.startsWith('N') && format.endsWith('C'))) {
    throw new BuildError(`bias_add(): data_format must be 'N...C' or 'NC...', got '${format}'`, spans.format, 'bad-argument');
  }
  const vs = value.type.shape;
  const bs = bias.type.shape;
  if (bs !== null && bs.length !== 1)
    throw new BuildError(`bias_add(): bias must be 1-D, got shape ${showShape(bs)}`, spans.bias, 'shape-mismatch');
  if (vs !== null && vs.length < 2)
    throw new BuildError(`bias_add(): value must have at least 2 dimensions, got shape ${showShape(vs)}`, spans.value, 'shape-mismatch');
  if (vs !== null && bs !== null) {
    const channels = channelsFirst ? vs[1] : vs[vs.length - 1];
    if (channels !== null && bs[0] !== null && channels !== bs[0]) {
      throw new BuildError(
        `bias_add(): must provide as many biases as the ${channelsFirst ? 'channel' : 'last'} dimension of the input tensor: ${showShape(bs)} vs. ${showShape(vs)}`,
        spans.bias,
        'shape-mismatch',
      );
    }
  }
  if (!channelsFirst) return b.add(value, bias);
  if (vs === null) throw new BuildError("bias_add(): data_format 'NC...' needs the value's rank", spans.value, 'shape-mismatch');
  const shaped = b.op('reshape', [bias], { shape: [-1, ...new Array(vs.length - 2).fill(1)] });
  return b.add(value, shaped);
}

defineOps([
  composite({
    name: 'bias_add',
    doc: "value + bias along the channel axis (the last; axis 1 for data_format 'NC...'): the bias is shared by every example and position (tf.nn.bias_add).",
    params: [
      { name: 'value', kind: 'tensor', group: 'T', dtypes: 'numeric', aliases: ['x'] },
      { name: 'bias', kind: 'tensor', group: 'T', dtypes: 'numeric' },
      { name: 'data_format', kind: 'string', default: null },
    ],
    compose: (b, args) => {
      const [value, bias] = b.unifyDTypes([args.tensor('value'), args.tensor('bias')], [args.span('value'), args.span('bias')]);
      const format = args.isNone('data_format') ? 'NHWC' : args.string('data_format');
      return addBias(b, value, bias, format, { value: args.span('value'), bias: args.span('bias'), format: args.span('data_format') });
    },
  }),
  composite({
    name: 'xw_plus_b',
    doc: 'matmul(x, weights) + biases, the bias shared by every row: a dense layer (tf.compat.v1.nn.xw_plus_b).',
    params: [
      { name: 'x', kind: 'tensor', group: 'T', dtypes: 'float' },
      { name: 'weights', kind: 'tensor', group: 'T', dtypes: 'float' },
      { name: 'biases', kind: 'tensor', group: 'T', dtypes: 'float' },
    ],
    compose: (b, args) => {
      const [x, weights, biases] = b.unifyDTypes(
        [args.tensor('x'), args.tensor('weights'), args.tensor('biases')],
        [args.span('x'), args.span('weights'), args.span('biases')],
      );
      const product = b.apply('matmul', [x, weights], { transpose_a: false, transpose_b: false }, args.callSpan, [
        args.span('x'),
        args.span('weights'),
      ]);
      return addBias(b, product, biases, 'NHWC', { value: args.callSpan, bias: args.span('biases'), format: args.callSpan });
    },
  }),
  composite({
    name: 'dropout',
    doc: 'Zeroes each element with probability `rate` (TensorFlow 1: 1 - keep_prob, by keyword) and scales the rest by 1 / (1 - rate); the mask is seeded (tf.nn.dropout).',
    params: dropoutParams,
    tf1Positional: dropoutTf1,
    compose: (b, args) => {
      const x = floatInput(args, 'x');
      const dtype = x.type.dtype;
      const hasRate = !args.isNone('rate');
      const hasKeep = !args.isNone('keep_prob');
      if (hasRate === hasKeep)
        throw new BuildError(
          'dropout(): give exactly one of `rate` and `keep_prob`',
          args.callSpan,
          hasRate ? 'bad-argument' : 'missing-argument',
        );
      // The rate: a number (checked, and the scale computed in Python's doubles, as TensorFlow),
      // or a tensor (a placeholder fed 0.5 in training, 0 in evaluation).
      let rateNumber: number | null;
      let rate: Node;
      if (hasRate) {
        rateNumber = numberIn(b, args, 'rate', (r) => r >= 0 && r < 1, '[0, 1)');
        rate = args.tensor('rate', dtype);
      } else {
        const keep = numberIn(b, args, 'keep_prob', (k) => k > 0 && k <= 1, '(0, 1]');
        rateNumber = keep === null ? null : 1 - keep;
        rate = keep === null ? b.sub(b.scalar(1, dtype), args.tensor('keep_prob', dtype)) : b.scalar(1 - keep, dtype);
      }
      if (rate.type.dtype !== dtype)
        throw new BuildError(
          `dropout(): the rate is ${rate.type.dtype} but x is ${dtype}`,
          args.span(hasRate ? 'rate' : 'keep_prob'),
          'dtype-mismatch',
        );
      if (rate.type.shape !== null && rate.type.shape.length !== 0) {
        throw new BuildError(
          `dropout(): the rate must be a scalar, got shape ${showShape(rate.type.shape)}`,
          args.span(hasRate ? 'rate' : 'keep_prob'),
          'shape-mismatch',
        );
      }
      if (rateNumber === 0) return x;
      // A rate of unknown rank (`keep_prob = tf.placeholder(tf.float32)`, TensorFlow 1's tutorials)
      // is a scalar at run time; TensorFlow gives the result x's static shape, so later layers
      // still see the feature count.
      if (rate.type.shape === null) rate = b.op('reshape', [rate], { shape: [] });
      const scaled = rateNumber !== null ? b.mul(x, b.scalar(1 / (1 - rateNumber), dtype)) : b.div(x, b.sub(b.scalar(1, dtype), rate));
      const noise = b.op('uniform_noise', [noiseSource(b, args, x)], { seed: nextStreamSeed(b, args.optionalInt('seed')) });
      const keepMask = b.op('greater_equal', [noise, rate]);
      return b.where(keepMask, scaled, b.zerosLike(scaled));
    },
  }),
  pool1d('max_pool1d', 'max_pool2d'),
  pool1d('avg_pool1d', 'avg_pool2d'),
  composite({
    name: 'conv1d',
    doc: '1-D convolution of [batch, width, in] input with [width, in, out] filters: conv2d over a height of 1, as TensorFlow computes it (tf.nn.conv1d).',
    params: [
      { name: 'input', kind: 'tensor', group: 'T', dtypes: 'float', aliases: ['value', 'x'] },
      { name: 'filters', kind: 'tensor', group: 'T', dtypes: 'float', aliases: ['filter'] },
      { name: 'stride', kind: 'ints', aliases: ['strides'] },
      { name: 'padding', kind: 'string' },
      { name: 'data_format', kind: 'string', default: 'NWC' },
      { name: 'dilations', kind: 'ints', default: null },
      // TensorFlow 1's device hint: the values are the same either way.
      { name: 'use_cudnn_on_gpu', kind: 'bool', default: null, keywordOnly: true },
    ],
    tf1Positional: ['value', 'filters', 'stride', 'padding', 'use_cudnn_on_gpu', 'data_format', 'name'],
    compose: (b, args) => {
      const [x, f] = b.unifyDTypes([floatInput(args, 'input'), floatInput(args, 'filters')], [args.span('input'), args.span('filters')]);
      channelsLastOnly(args);
      const single = (name: string, fallback: number) => alongWidth(args, name, fallback);
      const padding = paddingOf(args);
      const attrs = { strides: [1, single('stride', 1)], padding, dilations: [1, single('dilations', 1)] };
      const wide = b.apply('conv2d', [b.op('expand_dims', [x], { axis: 1 }), b.op('expand_dims', [f], { axis: 0 })], attrs, args.callSpan, [
        args.span('input'),
        args.span('filters'),
      ]);
      return b.op('squeeze', [wide], { axis: [1] });
    },
  }),
  composite({
    name: 'embedding_lookup',
    doc: 'The rows of `params` at `ids` (gather along axis 0), each clipped to L2 norm max_norm if given (tf.nn.embedding_lookup; one shard).',
    params: [
      { name: 'params', kind: 'value' },
      { name: 'ids', kind: 'tensor', dtypes: 'int' },
      { name: 'max_norm', kind: 'tensor', default: null },
      { name: 'partition_strategy', kind: 'string', default: 'mod', keywordOnly: true },
      // TensorFlow 1's, deprecated there and ignored.
      { name: 'validate_indices', kind: 'value', default: true, keywordOnly: true },
    ],
    tf1Positional: ['params', 'ids', 'partition_strategy', 'name', 'validate_indices', 'max_norm'],
    compose: (b, args): Value | Node => {
      const raw = args.value('params');
      let params: Node;
      if (raw.kind === 'list') {
        if (raw.items.length !== 1) {
          throw new BuildError(
            `embedding_lookup(): params sharded over ${raw.items.length} tensors is not supported; pass one tensor (concatenate the shards)`,
            args.span('params'),
            'bad-argument',
          );
        }
        params = b.toTensor(raw.items[0], args.span('params'));
      } else params = b.toTensor(raw, args.span('params'));
      const ids = args.tensor('ids', 'int32');
      if (!isInteger(ids.type.dtype))
        throw new BuildError(`embedding_lookup(): ids must be int32 or int64, got ${ids.type.dtype}`, args.span('ids'), 'dtype-mismatch');
      const rows = b.apply('gather', [params, ids], { axis: 0, batch_dims: 0 }, args.callSpan, [args.span('params'), args.span('ids')]);
      if (args.isNone('max_norm')) return tensorValue(rows);
      const idsRank = ids.type.shape?.length;
      const rank = rows.type.shape?.length;
      if (idsRank === undefined || rank === undefined)
        throw new BuildError('embedding_lookup(): max_norm needs the ranks of ids and params', args.span('max_norm'), 'shape-mismatch');
      const axes = Array.from({ length: rank - idsRank }, (_, k) => idsRank + k);
      return clipByNorm(b, rows, args.tensor('max_norm', rows.type.dtype), axes);
    },
  }),
]);
