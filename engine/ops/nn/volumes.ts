// 3-D convolution and pooling (NDHWC: [batch, depth, height, width, channels]), written
// with their 2-D forms: the depth axis is the one loop. For each depth tap kd, the depth
// planes that tap reads for every output plane are one strided slice of the (depth-padded)
// input; folded into the batch, they are a 2-D convolution (pooling) by that tap's filter
// plane, and the taps' results add up (their maximum, for max pooling). So values,
// gradients, second derivatives and the explanation of the window are the 2-D ops'.

import { type BoundArgs, type Builder, BuildError } from '../../builder';
import type { Node } from '../../graph';
import { allocData, makeTensor } from '../../tensor';
import { showShape } from '../../types';
import { composite, floatInput } from '../compose';
import { defineOps } from '../registry';
import { type SpecItem } from '../indexing';
import { lowestFinite, paddingArg } from './windows';

type Triple = [number, number, number];

/** strides/ksize/dilations of a 3-D op: an int, [d, h, w] or TensorFlow's [1, d, h, w, 1]. */
function spatialTriple(args: BoundArgs, name: string, fallback: Triple | null, lengths: readonly number[]): Triple {
  if (!args.has(name) || args.isNone(name)) {
    if (fallback) return fallback;
    throw new BuildError(`${args.op.name}() is missing argument \`${name}\``, args.callSpan, 'missing-argument');
  }
  const v = args.ints(name);
  const span = args.span(name);
  if (!lengths.includes(v.length))
    throw new BuildError(
      `\`${name}\` must be a list of ${lengths.join(', ').replace(/, (\d+)$/, ' or $1')} ints, got ${v.length}`,
      span,
      'bad-argument',
    );
  if (v.length === 5 && (v[0] !== 1 || v[4] !== 1))
    throw new BuildError(
      `\`${name}\` ${JSON.stringify(v)}: TensorFlow does not support ${name} in the batch and depth dimensions (the first and last entries must be 1)`,
      span,
      'bad-argument',
    );
  const triple: Triple = v.length === 1 ? [v[0], v[0], v[0]] : v.length === 3 ? [v[0], v[1], v[2]] : [v[1], v[2], v[3]];
  if (triple.some((p) => p < 1)) throw new BuildError(`\`${name}\` must be positive, got ${JSON.stringify(v)}`, span, 'bad-argument');
  return triple;
}

function channelsLast(args: BoundArgs): void {
  if (args.isNone('data_format')) return;
  const f = args.string('data_format').toUpperCase();
  if (f !== 'NDHWC')
    throw new BuildError(
      `data_format '${f}' is not supported: tgraph computes 3-D convolution and pooling in NDHWC ([batch, depth, height, width, channels]), as TensorFlow's CPU kernels; transpose the input`,
      args.span('data_format'),
      'bad-argument',
    );
}

/** The input's depth, height, width and channels, which the loop over depth taps needs. */
function knownVolume(args: BoundArgs, x: Node): [number, number, number, number] {
  const s = x.type.shape;
  if (s === null || s.length !== 5 || s.slice(1).some((d) => d === null))
    throw new BuildError(
      `${args.op.name}(): input must be 5-D [batch, depth, height, width, channels] with known depth, height, width and channels, got ${showShape(s)}`,
      args.span('input'),
      'shape-mismatch',
    );
  return s.slice(1) as [number, number, number, number];
}

/** Output planes along depth and the padding before them, as TensorFlow's windowed output
 *  size: VALID keeps windows inside; SAME gives ceil(depth / stride) planes, the shortfall
 *  padded with the smaller half before. */
function depthWindows(args: BoundArgs, depth: number, taps: number, stride: number, dilation: number, padding: 'SAME' | 'VALID') {
  const span = (taps - 1) * dilation + 1;
  if (padding === 'VALID') {
    if (depth < span)
      throw new BuildError(
        `${args.op.name}(): the depth window (effective size ${span}) is larger than the input's depth (${depth}) with padding 'VALID': the output would be empty`,
        args.callSpan,
        'shape-mismatch',
      );
    return { planes: Math.floor((depth - span) / stride) + 1, before: 0, after: 0 };
  }
  const planes = Math.ceil(depth / stride);
  const total = Math.max((planes - 1) * stride + span - depth, 0);
  return { planes, before: Math.floor(total / 2), after: total - Math.floor(total / 2) };
}

/** For depth tap kd: the planes it reads for each output plane, folded into the batch
 *  ([batch · planes, height, width, channels]). */
function tapPlanes(b: Builder, x: Node, kd: number, planes: number, stride: number, dilation: number, hwc: number[]): Node {
  const all: SpecItem = { kind: 'slice', start: null, stop: null, step: null };
  const first = kd * dilation;
  const spec: SpecItem[] = [all, { kind: 'slice', start: first, stop: first + (planes - 1) * stride + 1, step: stride }, all, all, all];
  return b.op('reshape', [b.op('strided_slice', [x], { spec })], { shape: [-1, ...hwc] });
}

/** `x` padded along depth by `before`/`after` planes of `value`. */
function padDepth(b: Builder, x: Node, before: number, after: number, value: number): Node {
  if (before === 0 && after === 0) return x;
  const paddings = [
    [0, 0],
    [before, after],
    [0, 0],
    [0, 0],
    [0, 0],
  ];
  return b.op('pad', [x], { paddings, mode: 'CONSTANT', constant_values: value });
}

const volumeParams = (filter: boolean) => [
  { name: 'input', kind: 'tensor' as const, group: 'T', dtypes: 'float' as const, aliases: ['value', 'x'] },
  ...(filter
    ? [{ name: 'filters', kind: 'tensor' as const, group: 'T', dtypes: 'float' as const, aliases: ['filter'] }]
    : [{ name: 'ksize', kind: 'ints' as const, aliases: ['pool_size', 'window_shape'] }]),
  { name: 'strides', kind: 'ints' as const },
  { name: 'padding', kind: 'string' as const },
  { name: 'data_format', kind: 'string' as const, default: 'NDHWC' },
  ...(filter ? [{ name: 'dilations', kind: 'ints' as const, default: null }] : []),
];

function conv3d(b: Builder, args: BoundArgs): Node {
  const spans = [args.span('input'), args.span('filters')];
  const [x, f] = b.unifyDTypes([floatInput(args, 'input'), floatInput(args, 'filters')], spans);
  channelsLast(args);
  const [depth, height, width, channels] = knownVolume(args, x);
  const fs = f.type.shape;
  if (fs === null || fs.length !== 5 || fs.some((d) => d === null))
    throw new BuildError(
      `conv3d(): filters must be 5-D [depth, height, width, in_channels, out_channels] with known sizes, got ${showShape(fs)}`,
      spans[1],
      'shape-mismatch',
    );
  const [taps, , , inChannels] = fs as number[];
  if (inChannels !== channels)
    throw new BuildError(
      `conv3d(): input ${showShape(x.type.shape)} has ${channels} channels but filters ${showShape(fs)} expect ${inChannels} (axis 3)`,
      spans[1],
      'shape-mismatch',
    );
  const strides = spatialTriple(args, 'strides', null, [5]);
  const dilations = spatialTriple(args, 'dilations', [1, 1, 1], [5]);
  const padding = paddingArg(args);
  const along = depthWindows(args, depth, taps, strides[0], dilations[0], padding);
  const padded = padDepth(b, x, along.before, along.after, 0);
  const window = { strides: [strides[1], strides[2]], padding, dilations: [dilations[1], dilations[2]] };
  // The builder's node budget bounds the loop (a few nodes per depth tap).
  const parts = Array.from({ length: taps }, (_, kd) => {
    const plane = b.op('squeeze', [b.op('slice', [f], { begin: [kd, 0, 0, 0, 0], size: [1, -1, -1, -1, -1] })], { axis: [0] });
    const flat = b.apply(
      'conv2d',
      [tapPlanes(b, padded, kd, along.planes, strides[0], dilations[0], [height, width, channels]), plane],
      window,
      args.callSpan,
      spans,
    );
    const [, oh, ow, o] = flat.type.shape as number[];
    return b.op('reshape', [flat], { shape: [-1, along.planes, oh, ow, o] });
  });
  return parts.length === 1 ? parts[0] : b.op('add_n', parts);
}

function pool3d(b: Builder, args: BoundArgs, kind: 'max' | 'avg'): Node {
  const x = floatInput(args, 'input');
  channelsLast(args);
  const [depth, height, width, channels] = knownVolume(args, x);
  const ksize = spatialTriple(args, 'ksize', null, [1, 3, 5]);
  const strides = spatialTriple(args, 'strides', null, [1, 3, 5]);
  const padding = paddingArg(args);
  const along = depthWindows(args, depth, ksize[0], strides[0], 1, padding);
  const dtype = x.type.dtype;
  const padded = padDepth(b, x, along.before, along.after, kind === 'max' ? lowestFinite(dtype) : 0);
  const window = { ksize: [ksize[1], ksize[2]], strides: [strides[1], strides[2]], padding };
  const op = kind === 'max' ? 'max_pool2d' : 'avg_pool2d';
  const parts = Array.from({ length: ksize[0] }, (_, kd) => {
    const flat = b.apply(op, [tapPlanes(b, padded, kd, along.planes, strides[0], 1, [height, width, channels])], window, args.callSpan, [
      args.span('input'),
    ]);
    const [, oh, ow] = flat.type.shape as number[];
    return b.op('reshape', [flat], { shape: [-1, along.planes, oh, ow, channels] });
  });
  // The first maximum wins ties (maximum's gradient goes to its first input on a tie), as
  // in each 2-D window and as PyTorch's. TensorFlow's CPU kernel differs on ties only: it
  // gives the whole gradient to every element within 1e-5 of the maximum.
  if (kind === 'max') return parts.reduce((m, p) => b.op('maximum', [m, p]));
  // Each plane's average counts only its in-bounds rows and columns, the same number for
  // every plane of a window: the window's average is the sum of its in-bounds planes'
  // averages (padding planes average 0) over their count.
  const sum = parts.length === 1 ? parts[0] : b.op('add_n', parts);
  const counts = Array.from({ length: along.planes }, (_, p) => {
    const start = p * strides[0] - along.before;
    return Math.min(start + ksize[0], depth) - Math.max(start, 0);
  });
  if (counts.every((c) => c === ksize[0])) return b.div(sum, b.scalar(ksize[0], dtype));
  const data = allocData(dtype, counts.length);
  counts.forEach((c, p) => (data[p] = c));
  return b.div(sum, b.constant(makeTensor(dtype, [1, along.planes, 1, 1, 1], data)));
}

defineOps([
  composite({
    name: 'conv3d',
    doc: "3-D convolution (cross-correlation) of NDHWC input with [depth, height, width, in, out] filters; strides and dilations [1, d, h, w, 1], 'SAME' or 'VALID'.",
    params: volumeParams(true),
    tf1Positional: ['input', 'filter', 'strides', 'padding', 'data_format', 'dilations', 'name'],
    compose: conv3d,
  }),
  composite({
    name: 'max_pool3d',
    doc: "Maximum over ksize windows of NDHWC input (strides, 'SAME'/'VALID'); the gradient goes to the first maximum of each window.",
    params: volumeParams(false),
    compose: (b, args) => pool3d(b, args, 'max'),
  }),
  composite({
    name: 'avg_pool3d',
    doc: "Mean over ksize windows of NDHWC input (strides, 'SAME'/'VALID'); with SAME, windows average only the elements inside the input.",
    params: volumeParams(false),
    compose: (b, args) => pool3d(b, args, 'avg'),
  }),
]);
