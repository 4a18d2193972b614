// Keras' image convolutions beyond Conv2D, each the registry op TensorFlow's layer calls, with
// Keras' weight names and shapes (so set_weights loads what get_weights of Keras would give):
// Conv2DTranspose (kernel [height, width, filters, in]) and Conv1DTranspose ([width, filters, in]), DepthwiseConv2D (depthwise_kernel
// [height, width, in, depth_multiplier]) and SeparableConv2D (that, then pointwise_kernel
// [1, 1, in·depth_multiplier, filters]).

import type { Node } from '../../graph';
import { type CallSite, PyList, type PyValue } from '../values';
import { OutsideSubset, pyError } from '../errors';
import type { Interpreter } from '../interpreter';
import type { BoundPyArgs } from '../signature';
import { GraphTensor, callOp } from './tensor';
import { Ops } from './losses';
import { expectRank, intTuple, keyword, lastAxis, nodeArg, optionalBias, positional, withActivation } from './layerArgs';
import type { PyVariable } from './variables';
import type { Activation, LayerKind, MakeInitializer } from './weightedLayers';

const WINDOW_PARAMS = ['kernel_size', 'strides', 'padding', 'data_format', 'dilation_rate', 'activation', 'use_bias', 'bias_initializer'];

export const CONVOLUTION_PARAMS: Record<'Conv2DTranspose' | 'DepthwiseConv2D' | 'SeparableConv2D', string[]> = {
  Conv2DTranspose: ['filters', ...WINDOW_PARAMS, 'output_padding', 'kernel_initializer'],
  DepthwiseConv2D: [...WINDOW_PARAMS, 'depth_multiplier', 'depthwise_initializer'],
  SeparableConv2D: ['filters', ...WINDOW_PARAMS, 'depth_multiplier', 'depthwise_initializer', 'pointwise_initializer'],
};

interface Window {
  size: number[];
  strides: number[];
  dilations: number[];
  padding: 'valid' | 'same';
}

function windowOf(rt: Interpreter, p: BoundPyArgs, layer: string, spatial: 1 | 2 = 2): Window {
  const padding = p.get('padding', 'valid');
  if (padding !== 'valid' && padding !== 'same')
    throw pyError('ValueError', `${layer}: padding must be 'valid' or 'same', got ${JSON.stringify(padding)}`, p.span('padding'));
  // A sequence is an image one row high: its window is 1 along that row.
  const tuple = (name: string, fallback?: PyValue) => {
    const given = intTuple(rt, p.get(name, fallback), spatial, p.span(name));
    return spatial === 1 ? [1, ...given] : given;
  };
  return { size: tuple('kernel_size'), strides: tuple('strides', 1n), dilations: tuple('dilation_rate', 1n), padding };
}

/** The registry op's window arguments, as tf.nn's 4-element strides and dilations. */
function windowArgs(rt: Interpreter, w: Window, p: BoundPyArgs) {
  return [
    keyword(rt, 'strides', new PyList([1n, ...w.strides.map(BigInt), 1n]), p.span('strides')),
    keyword(rt, 'padding', w.padding.toUpperCase(), p.span('padding')),
    keyword(rt, 'dilations', new PyList(w.dilations.map(BigInt)), p.span('dilation_rate')),
  ];
}

/** y + bias, then the activation. */
function finish(rt: Interpreter, y: PyValue, w: Map<string, PyVariable>, p: BoundPyArgs, activation: Activation, site: CallSite): PyValue {
  const bias = w.get('bias');
  const biased = bias ? callOp(rt, 'bias_add', [positional(rt, y, site.span), nodeArg(bias.node, site.span)], site.span) : y;
  return withActivation(rt, biased, activation(rt, p.get('activation', null), p.span('activation')), site);
}

/** Keras' output length of a transposed convolution along one axis (its deconv_output_length). */
function transposedLength(
  input: number,
  kernel: number,
  stride: number,
  dilation: number,
  padding: 'valid' | 'same',
  extra: number | null,
): number {
  const span = kernel + (kernel - 1) * (dilation - 1);
  if (extra === null) return padding === 'valid' ? input * stride + Math.max(span - stride, 0) : input * stride;
  const pad = padding === 'valid' ? 0 : Math.floor(span / 2);
  return (input - 1) * stride + span - 2 * pad + extra;
}

/** Conv2DTranspose, or Conv1DTranspose as TensorFlow computes it: the sequence an image one
 *  row high (kernel [width, filters, in] one row high too), through conv2d_transpose. */
export function convolutionTranspose(spatial: 1 | 2, init: MakeInitializer, activation: Activation): LayerKind {
  const name = `Conv${spatial}DTranspose`;
  return {
    name,
    scope: `conv${spatial}d_transpose`,
    weights: (rt, x, p, site) => {
      expectRank(x, spatial + 2, `conv${spatial}d_transpose`, site.span);
      const filters = rt.rt.indexValue(p.get('filters'), p.span('filters'));
      return [
        {
          name: 'kernel',
          shape: [...intTuple(rt, p.get('kernel_size'), spatial, p.span('kernel_size')), filters, lastAxis(x, name, site.span)],
          initializer: init(p.get('kernel_initializer', null), 'glorot_uniform', p.span('kernel_initializer')),
          span: p.span('kernel_initializer'),
        },
        ...optionalBias(p, init, filters),
      ];
    },
    apply: (rt, x, w, p, site) => {
      const window = windowOf(rt, p, name, spatial);
      const o = new Ops(rt, site.span);
      const image = spatial === 1 ? o.call('expand_dims', [x], { axis: 1 }) : x;
      const shape = image.type.shape!;
      if (shape[0] === null || shape[1] === null || shape[2] === null)
        throw new OutsideSubset(`${name} of an input whose batch or size is known only at run time is not modelled by tgraph`, site.span);
      const given =
        p.get('output_padding', null) === null ? null : intTuple(rt, p.get('output_padding'), spatial, p.span('output_padding'));
      const extra = given && spatial === 1 ? [0, ...given] : given;
      const kernel = spatial === 1 ? o.call('expand_dims', [w.get('kernel')!.node], { axis: 0 }) : w.get('kernel')!.node;
      const out = [0, 1].map((k) =>
        transposedLength(shape[k + 1]!, window.size[k], window.strides[k], window.dilations[k], window.padding, extra ? extra[k] : null),
      );
      const filters = kernel.type.shape![2]!;
      const y = callOp(
        rt,
        'conv2d_transpose',
        [
          nodeArg(image, site.span),
          nodeArg(kernel, site.span),
          keyword(rt, 'output_shape', new PyList([shape[0], ...out, filters].map(BigInt)), site.span),
          ...windowArgs(rt, window, p),
        ],
        site.span,
      );
      const sequence = spatial === 1 ? new GraphTensor(o.call('squeeze', [o.tensor(y, site.span)], { axis: 1 }), rt.rt) : y;
      return finish(rt, sequence, w, p, activation, site);
    },
  };
}

function depthwiseKernel(rt: Interpreter, x: Node, p: BoundPyArgs, init: MakeInitializer, layer: string, site: CallSite) {
  const channels = lastAxis(x, layer, site.span);
  const multiplier = rt.rt.indexValue(p.get('depth_multiplier', 1n), p.span('depth_multiplier'));
  return {
    channels: channels * multiplier,
    spec: {
      name: 'depthwise_kernel',
      shape: [...intTuple(rt, p.get('kernel_size'), 2, p.span('kernel_size')), channels, multiplier],
      initializer: init(p.get('depthwise_initializer', null), 'glorot_uniform', p.span('depthwise_initializer')),
      span: p.span('depthwise_initializer'),
    },
  };
}

export function depthwiseConvolution(init: MakeInitializer, activation: Activation): LayerKind {
  return {
    name: 'DepthwiseConv2D',
    scope: 'depthwise_conv2d',
    weights: (rt, x, p, site) => {
      expectRank(x, 4, 'depthwise_conv2d', site.span);
      const { channels, spec } = depthwiseKernel(rt, x, p, init, 'DepthwiseConv2D', site);
      return [spec, ...optionalBias(p, init, channels)];
    },
    apply: (rt, x, w, p, site) => {
      const window = windowOf(rt, p, 'DepthwiseConv2D');
      const kernel = w.get('depthwise_kernel')!.node;
      const y = callOp(
        rt,
        'depthwise_conv2d',
        [nodeArg(x, site.span), nodeArg(kernel, site.span), ...windowArgs(rt, window, p)],
        site.span,
      );
      return finish(rt, y, w, p, activation, site);
    },
  };
}

export function separableConvolution(init: MakeInitializer, activation: Activation): LayerKind {
  return {
    name: 'SeparableConv2D',
    scope: 'separable_conv2d',
    weights: (rt, x, p, site) => {
      expectRank(x, 4, 'separable_conv2d', site.span);
      const { channels, spec } = depthwiseKernel(rt, x, p, init, 'SeparableConv2D', site);
      const filters = rt.rt.indexValue(p.get('filters'), p.span('filters'));
      return [
        spec,
        {
          name: 'pointwise_kernel',
          shape: [1, 1, channels, filters],
          initializer: init(p.get('pointwise_initializer', null), 'glorot_uniform', p.span('pointwise_initializer')),
          span: p.span('pointwise_initializer'),
        },
        ...optionalBias(p, init, filters),
      ];
    },
    apply: (rt, x, w, p, site) => {
      const window = windowOf(rt, p, 'SeparableConv2D');
      const y = callOp(
        rt,
        'separable_conv2d',
        [
          nodeArg(x, site.span),
          nodeArg(w.get('depthwise_kernel')!.node, site.span),
          nodeArg(w.get('pointwise_kernel')!.node, site.span),
          ...windowArgs(rt, window, p),
        ],
        site.span,
      );
      return finish(rt, y, w, p, activation, site);
    },
  };
}

/** Conv3DTranspose (NDHWC input, kernel [depth, height, width, filters, in]) as TensorFlow's
 *  conv3d_transpose computes it, composed as conv3d is: each depth tap kd a conv2d_transpose of
 *  every input plane (the layer's padding and sizes along height and width), the planes then
 *  spread `stride` apart and shifted to output plane d·stride + kd − (the SAME padding before),
 *  and the taps summed. Keras' layer passes no dilation to the op, so only 1 is modelled. */
export function convolutionTranspose3d(init: MakeInitializer, activation: Activation): LayerKind {
  const name = 'Conv3DTranspose';
  return {
    name,
    scope: 'conv3d_transpose',
    weights: (rt, x, p, site) => {
      expectRank(x, 5, 'conv3d_transpose', site.span);
      const filters = rt.rt.indexValue(p.get('filters'), p.span('filters'));
      return [
        {
          name: 'kernel',
          shape: [...intTuple(rt, p.get('kernel_size'), 3, p.span('kernel_size')), filters, lastAxis(x, name, site.span)],
          initializer: init(p.get('kernel_initializer', null), 'glorot_uniform', p.span('kernel_initializer')),
          span: p.span('kernel_initializer'),
        },
        ...optionalBias(p, init, filters),
      ];
    },
    apply: (rt, x, w, p, site) => {
      const o = new Ops(rt, site.span);
      const padding = p.get('padding', 'valid');
      if (padding !== 'valid' && padding !== 'same')
        throw pyError('ValueError', `${name}: padding must be 'valid' or 'same', got ${JSON.stringify(padding)}`, p.span('padding'));
      const size = intTuple(rt, p.get('kernel_size'), 3, p.span('kernel_size'));
      const strides = intTuple(rt, p.get('strides', 1n), 3, p.span('strides'));
      if (intTuple(rt, p.get('dilation_rate', 1n), 3, p.span('dilation_rate')).some((d) => d !== 1))
        throw new OutsideSubset(`${name} with a dilation_rate other than 1 is not modelled by tgraph`, p.span('dilation_rate'));
      const extra = p.get('output_padding', null) === null ? null : intTuple(rt, p.get('output_padding'), 3, p.span('output_padding'));
      const shape = x.type.shape!;
      if (shape.some((d) => d === null))
        throw new OutsideSubset(`${name} of an input whose batch or size is known only at run time is not modelled by tgraph`, site.span);
      const [batch, depth, height, width, channels] = shape as number[];
      const out = [0, 1, 2].map((k) => transposedLength(shape[k + 1]!, size[k], strides[k], 1, padding, extra ? extra[k] : null));
      const kernel = w.get('kernel')!.node;
      const filters = kernel.type.shape![3]!;
      const [stride, taps] = [strides[0], size[0]];
      // TensorFlow's padding before the first output plane: SAME's half (rounded down) of what
      // the planes reach beyond the output.
      const before = padding === 'same' ? Math.floor(Math.max((depth - 1) * stride + taps - out[0], 0) / 2) : 0;
      const ints = (dims: number[]) => positional(rt, new PyList(dims.map(BigInt)), site.span);
      const node = (v: PyValue) => o.tensor(v, site.span);
      const padded = (t: Node, pairs: number[][]) =>
        node(
          callOp(
            rt,
            'pad',
            [nodeArg(t, site.span), positional(rt, new PyList(pairs.map((pair) => new PyList(pair.map(BigInt)))), site.span)],
            site.span,
          ),
        );
      const planes = node(callOp(rt, 'reshape', [nodeArg(x, site.span), ints([batch * depth, height, width, channels])], site.span));
      const reach = (depth - 1) * stride + 1;
      const parts = Array.from({ length: taps }, (_, kd) => {
        const tap = node(
          callOp(
            rt,
            'gather',
            [nodeArg(kernel, site.span), positional(rt, BigInt(kd), site.span), keyword(rt, 'axis', 0n, site.span)],
            site.span,
          ),
        );
        const flat = callOp(
          rt,
          'conv2d_transpose',
          [
            nodeArg(planes, site.span),
            nodeArg(tap, site.span),
            keyword(rt, 'output_shape', new PyList([batch * depth, out[1], out[2], filters].map(BigInt)), site.span),
            keyword(rt, 'strides', new PyList([1n, BigInt(strides[1]), BigInt(strides[2]), 1n]), p.span('strides')),
            keyword(rt, 'padding', padding.toUpperCase(), p.span('padding')),
          ],
          site.span,
        );
        let y = node(callOp(rt, 'reshape', [positional(rt, flat, site.span), ints([batch, depth, 1, out[1], out[2], filters])], site.span));
        // The planes `stride` apart: each followed by stride − 1 planes of zeros.
        y = padded(y, [
          [0, 0],
          [0, 0],
          [0, stride - 1],
          [0, 0],
          [0, 0],
          [0, 0],
        ]);
        y = node(callOp(rt, 'reshape', [nodeArg(y, site.span), ints([batch, depth * stride, out[1], out[2], filters])], site.span));
        // Input plane d lands on output plane d·stride + kd − before: cut or pad to out[0].
        const shift = kd - before;
        const start = Math.max(-shift, 0);
        const kept = Math.max(Math.min(reach - start, out[0] - Math.max(shift, 0)), 0);
        const cut = node(callOp(rt, 'slice', [nodeArg(y, site.span), ints([0, start, 0, 0, 0]), ints([-1, kept, -1, -1, -1])], site.span));
        const lead = Math.max(shift, 0);
        return padded(cut, [
          [0, 0],
          [lead, out[0] - lead - kept],
          [0, 0],
          [0, 0],
          [0, 0],
        ]);
      });
      const summed = parts.reduce((sum, part) => o.call('add', [sum, part]));
      return finish(rt, new GraphTensor(summed, rt.rt), w, p, activation, site);
    },
  };
}
