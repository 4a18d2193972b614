// The convolutions real models build beside conv2d: the transposed convolution (a decoder's
// upsampling: conv2d's input gradient, with the output's shape given), the depthwise one
// (MobileNet's: every input channel filtered on its own) and the separable one (depthwise,
// then a 1×1 convolution mixing the channels). Each is written with conv2d and its backprop
// op, so values, gradients and the explanation of the window are conv2d's.

import { type BoundArgs, type Builder, BuildError, checkDTypeClass } from '../builder';
import type { Node } from '../graph';
import { type TensorType, OpError, showShape } from '../types';
import { defineOps } from './registry';
import { composite } from './compose';
import { conv2dType, dataFormatArg, explicitPaddingArg, explicitlyPadded, paddingArg, spatialPair } from './nn/windows';
import { checkedSize } from './sources';

function floatPair(b: Builder, args: BoundArgs, a: string, c: string): [Node, Node] {
  const spans = [args.span(a), args.span(c)];
  const [x, f] = b.unifyDTypes([args.tensor(a), args.tensor(c)], spans);
  checkDTypeClass(args.op, args.param(a), x, spans[0]);
  checkDTypeClass(args.op, args.param(c), f, spans[1]);
  return [x, f];
}

/** conv2d's window attributes from the call (strides, padding, dilations; TensorFlow 1's
 *  `rate` is the dilation), and TensorFlow's explicit padding when given: the window is then
 *  VALID over the input padded by those amounts. */
function windowOf(
  b: Builder,
  args: BoundArgs,
): { window: { strides: [number, number]; padding: 'SAME' | 'VALID'; dilations: [number, number] }; explicit: number[][] | null } {
  dataFormatArg(args);
  const rate = args.has('rate') && !args.isNone('rate');
  if (rate && args.has('dilations') && !args.isNone('dilations'))
    throw new BuildError(`${args.op.name}(): give \`dilations\` or \`rate\`, not both`, args.span('rate'), 'bad-argument');
  const explicit = explicitPaddingArg(b, args);
  return {
    window: {
      strides: spatialPair(args, 'strides', null),
      padding: explicit ? 'VALID' : paddingArg(args),
      dilations: spatialPair(args, rate ? 'rate' : 'dilations', [1, 1]),
    },
    explicit,
  };
}

/** Every input channel c convolved on its own with its filters f[:, :, c, :] (M of them), the
 *  results side by side: output channel c·M + m, as TensorFlow orders them. One conv2d per
 *  channel keeps each filter entry's reach exact (it meets its own channel only), for the
 *  values and for the explanation. */
function depthwise(b: Builder, args: BoundArgs, x: Node, f: Node, filterName: string): Node {
  const xs = x.type.shape;
  const fs = f.type.shape;
  if (fs === null || fs.length !== 4 || fs[2] === null) {
    throw new BuildError(
      `${args.op.name}(): \`${filterName}\` must be a 4-D filter [height, width, in_channels, channel_multiplier] with a known in_channels, got ${showShape(fs)}`,
      args.span(filterName),
      'shape-mismatch',
    );
  }
  if (xs !== null && xs.length === 4 && xs[3] !== null && xs[3] !== fs[2]) {
    throw new BuildError(
      `${args.op.name}(): input ${showShape(xs)} has ${xs[3]} channels but \`${filterName}\` ${showShape(fs)} expects ${fs[2]} (axis 2)`,
      args.span(filterName),
      'shape-mismatch',
    );
  }
  const channels = fs[2];
  const { window, explicit } = windowOf(b, args);
  const input = explicitlyPadded(b, args, x, explicit);
  const spans = [args.span('input'), args.span(filterName)];
  if (channels === 1) return b.apply('conv2d', [input, f], window, args.callSpan, spans);
  const one = (c: number, axis: number) => ({
    begin: [0, 0, 0, 0].map((_, k) => (k === axis ? c : 0)),
    size: [-1, -1, -1, -1].map((d, k) => (k === axis ? 1 : d)),
  });
  // The builder's node budget bounds the loop (a node per slice and per convolution).
  const parts = Array.from({ length: channels }, (_, c) =>
    b.apply('conv2d', [b.op('slice', [input], one(c, 3)), b.op('slice', [f], one(c, 2))], window, args.callSpan, spans),
  );
  return b.op('concat', parts, { axis: 3, valuesCount: channels });
}

const TAIL = [
  { name: 'data_format', kind: 'string' as const, default: null },
  { name: 'dilations', kind: 'ints' as const, default: null },
  // TensorFlow 1's name for the dilations.
  { name: 'rate', kind: 'ints' as const, default: null, keywordOnly: true },
];

defineOps([
  composite({
    name: 'conv2d_transpose',
    doc: "The transposed 2-D convolution (the gradient of conv2d with respect to its input): NHWC input, filters [height, width, out_channels, in_channels], the output of `output_shape`; 'SAME', 'VALID' or explicit padding.",
    params: [
      { name: 'input', kind: 'tensor', group: 'T', dtypes: 'float', aliases: ['value', 'x'] },
      { name: 'filters', kind: 'tensor', group: 'T', dtypes: 'float', aliases: ['filter'] },
      { name: 'output_shape', kind: 'shape' },
      { name: 'strides', kind: 'ints' },
      { name: 'padding', kind: 'string', default: 'SAME' },
      { name: 'data_format', kind: 'string', default: 'NHWC' },
      { name: 'dilations', kind: 'ints', default: null },
    ],
    tf1Positional: ['value', 'filter', 'output_shape', 'strides', 'padding', 'data_format', 'name'],
    compose: (b, args) => {
      const [x, f] = floatPair(b, args, 'input', 'filters');
      const { window, explicit } = windowOf(b, args);
      const shape = args.shape('output_shape');
      if (shape === null || shape.length !== 4 || shape.some((d) => d === null || d < 0)) {
        throw new BuildError(
          `conv2d_transpose(): output_shape must be 4 known sizes [batch, height, width, channels], got ${shape === null ? 'None' : showShape(shape)}`,
          args.span('output_shape'),
          'bad-shape',
        );
      }
      const wanted = shape as number[];
      checkedSize(b, wanted, args.span('output_shape'), 'conv2d_transpose() output');
      // With explicit padding the convolution this transposes reads the output padded: the
      // gradient is that padded tensor's, cropped back to output_shape.
      const out = explicit ? wanted.map((d, k) => d + explicit[k][0] + explicit[k][1]) : wanted;
      // The input must be what conv2d would make of an output_shape tensor with these filters.
      let expected: TensorType['shape'];
      try {
        expected = conv2dType({ dtype: f.type.dtype, shape: out }, f.type, window).shape;
      } catch (e) {
        // The filters (argument 1) or the output's shape do not make a convolution.
        if (!(e instanceof OpError)) throw e;
        throw new BuildError(
          `conv2d_transpose(): output_shape and filters do not make a convolution (conv2d of an output_shape tensor by the filters: ${e.message})`,
          args.span(e.argIndex === 1 ? 'filters' : 'output_shape'),
          e.code,
        );
      }
      const given = x.type.shape;
      if (
        expected &&
        given &&
        (expected.length !== given.length || expected.some((d, k) => d !== null && given[k] !== null && d !== given[k]))
      ) {
        throw new BuildError(
          `conv2d_transpose(): input ${showShape(given)} does not fit output_shape ${showShape(out)}: a convolution of that output with these filters, strides and padding has shape ${showShape(expected)}`,
          args.span('input'),
          'shape-mismatch',
        );
      }
      const like = b.op('broadcast_to', [b.scalar(0, f.type.dtype)], { shape: out });
      const full = b.apply('conv2d_backprop_input', [like, f, x], window, args.callSpan, [
        args.span('output_shape'),
        args.span('filters'),
        args.span('input'),
      ]);
      if (!explicit) return full;
      return b.op('slice', [full], { begin: explicit.map(([before]) => before), size: wanted });
    },
  }),
  composite({
    name: 'depthwise_conv2d',
    doc: "Depthwise 2-D convolution: each of the C input channels filtered on its own by filter [height, width, C, M], giving C·M channels (channel c·M + m); 'SAME', 'VALID' or explicit padding.",
    params: [
      { name: 'input', kind: 'tensor', group: 'T', dtypes: 'float', aliases: ['x'] },
      { name: 'filter', kind: 'tensor', group: 'T', dtypes: 'float', aliases: ['filters', 'depthwise_filter'] },
      { name: 'strides', kind: 'ints' },
      { name: 'padding', kind: 'string' },
      ...TAIL,
    ],
    tf1Positional: ['input', 'filter', 'strides', 'padding', 'rate', 'name', 'data_format'],
    compose: (b, args) => {
      const [x, f] = floatPair(b, args, 'input', 'filter');
      return depthwise(b, args, x, f, 'filter');
    },
  }),
  composite({
    name: 'separable_conv2d',
    doc: 'Depthwise convolution by depthwise_filter [height, width, C, M], then a 1×1 convolution by pointwise_filter [1, 1, C·M, out] mixing the channels.',
    params: [
      { name: 'input', kind: 'tensor', group: 'T', dtypes: 'float', aliases: ['x'] },
      { name: 'depthwise_filter', kind: 'tensor', group: 'T', dtypes: 'float' },
      { name: 'pointwise_filter', kind: 'tensor', group: 'T', dtypes: 'float' },
      { name: 'strides', kind: 'ints' },
      { name: 'padding', kind: 'string' },
      ...TAIL,
    ],
    tf1Positional: ['input', 'depthwise_filter', 'pointwise_filter', 'strides', 'padding', 'rate', 'name', 'data_format'],
    compose: (b, args) => {
      const [x, f] = floatPair(b, args, 'input', 'depthwise_filter');
      const [, p] = floatPair(b, args, 'input', 'pointwise_filter');
      const ps = p.type.shape;
      if (ps !== null && (ps.length !== 4 || ps[0] !== 1 || ps[1] !== 1)) {
        throw new BuildError(
          `separable_conv2d(): pointwise_filter must be [1, 1, in_channels · channel_multiplier, out_channels], got ${showShape(ps)}`,
          args.span('pointwise_filter'),
          'shape-mismatch',
        );
      }
      const fs = f.type.shape;
      if (ps !== null && fs !== null && fs.length === 4 && fs[2] !== null && fs[3] !== null && ps[2] !== null && ps[2] !== fs[2] * fs[3]) {
        throw new BuildError(
          `separable_conv2d(): pointwise_filter ${showShape(ps)} must have ${fs[2] * fs[3]} input channels (the depthwise output's ${fs[2]}·${fs[3]}), got ${ps[2]}`,
          args.span('pointwise_filter'),
          'shape-mismatch',
        );
      }
      const deep = depthwise(b, args, x, f, 'depthwise_filter');
      return b.apply('conv2d', [deep, p], { strides: [1, 1], padding: 'VALID', dilations: [1, 1] }, args.callSpan, [
        args.span('input'),
        args.span('pointwise_filter'),
      ]);
    },
  }),
]);

/** The total shift per axis of a roll, reduced modulo the axis's size. */
function rollShifts(args: BoundArgs, shape: readonly (number | null)[]): Map<number, number> {
  const shifts = args.ints('shift');
  const axes = args.ints('axis');
  if (shifts.length !== axes.length)
    throw new BuildError(
      `roll(): shift and axis must have the same length, got ${shifts.length} and ${axes.length}`,
      args.span('axis'),
      'bad-argument',
    );
  const total = new Map<number, number>();
  axes.forEach((a, k) => {
    const axis = a < 0 ? a + shape.length : a;
    if (axis < 0 || axis >= shape.length)
      throw new BuildError(`roll(): axis ${a} is out of range for a tensor of shape ${showShape(shape)}`, args.span('axis'), 'bad-axis');
    const n = shape[axis];
    if (n === null)
      throw new BuildError(
        `roll(): the size of axis ${a} must be known, got shape ${showShape(shape)}`,
        args.span('axis'),
        'shape-mismatch',
      );
    total.set(axis, (total.get(axis) ?? 0) + shifts[k]);
  });
  for (const [axis, s] of total) {
    const n = shape[axis] as number;
    total.set(axis, n === 0 ? 0 : ((s % n) + n) % n);
  }
  return total;
}

defineOps([
  composite({
    name: 'roll',
    doc: 'Rolls the elements along `axis` by `shift` (elements leaving one end come back at the other); lists of shifts and axes roll several axes, shifts of one axis adding up.',
    params: [
      { name: 'input', kind: 'tensor', aliases: ['x'] },
      { name: 'shift', kind: 'ints' },
      { name: 'axis', kind: 'ints' },
    ],
    compose: (b, args) => {
      const input = args.tensor('input');
      let x = input;
      const shape = x.type.shape;
      if (shape === null) throw new BuildError('roll(): the rank of input must be known', args.span('input'), 'shape-mismatch');
      for (const [axis, s] of rollShifts(args, shape)) {
        if (s === 0) continue;
        const n = shape[axis] as number;
        const at = (start: number, size: number) => ({
          begin: shape.map((_, k) => (k === axis ? start : 0)),
          size: shape.map((_, k) => (k === axis ? size : -1)),
        });
        // The last s elements first, then the first n - s.
        x = b.op('concat', [b.op('slice', [x], at(n - s, s)), b.op('slice', [x], at(0, n - s))], { axis, valuesCount: 2 });
      }
      // A roll by whole turns is still a new tensor, as TensorFlow's.
      return x === input ? b.op('identity', [x]) : x;
    },
  }),
]);
