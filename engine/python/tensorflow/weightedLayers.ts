// Keras layers with weights besides Dense: Conv1D, Conv2D, Conv3D (and convolutionLayers.ts' kinds),
// Embedding, the recurrent layers, BatchNormalization and normalizationLayers.ts' kinds. As Dense, each
// makes its weights on its first call (when the input's shape is known), in its own variable
// scope with Keras' names and default initializers, and reuses them after.

import type { Span } from '../../syntax/ast';
import type { Node } from '../../graph';
import type { Value } from '../../values';
import { type CallSite, type KeywordArg, PyBuiltin, PyList, PyObject, PyTuple, type PyValue, typeName } from '../values';
import { OutsideSubset, pyError } from '../errors';
import type { Interpreter } from '../interpreter';
import { type BoundPyArgs, args as bindArgs } from '../signature';
import { GraphTensor, callOp, toGraphValue } from './tensor';
import { channelsLastOnly, expectRank, intTuple, keyword, lastAxis, nodeArg, optionalBias, positional, withActivation } from './layerArgs';
import { PyInitializer, PyOperation, type PyVariable, layerVariables } from './variables';
import { eagerValue, isEager, needsFeed } from './eager';
import { byTrainingFlag } from './controlFlow';
import { addUpdateOp } from './collections';
import { layerWeightMethod } from './layerWeights';
import {
  CELL_PARAMS,
  CONV_LSTM_PARAMS,
  RECURRENT_PARAMS,
  RNN_LOOP_PARAMS,
  cellOf,
  convLstm,
  recurrent,
  recurrentCell,
  recurrentNetwork,
} from './recurrentLayers';
import { Ops } from './losses';
import { DENSE_ATTENTION_PARAMS, MULTI_HEAD_ATTENTION_PARAMS, denseAttention, multiHeadAttention } from './attentionLayers';
import {
  CONVOLUTION_PARAMS,
  convolutionTranspose,
  convolutionTranspose3d,
  depthwiseConvolution,
  separableConvolution,
} from './convolutionLayers';
import { makeTensor, type Tensor } from '../../tensor';
import { boolMask, callMask, withMask } from './kerasMasks';
import { momentsOver, normalizationKinds, normalizationLayers, normalize } from './normalizationLayers';
import { kerasLayerName } from './layerNames';

export type MakeInitializer = (v: PyValue, fallback: ConstructorParameters<typeof PyInitializer>[0], span: Span) => PyValue;
export type Activation = (rt: Interpreter, v: PyValue, span: Span) => PyValue;

/** What a layer kind declares: its weights (given the input's static shape) and its call. */
export interface LayerKind {
  readonly name: string;
  /** The scope's base name (Keras' snake_case of the class). */
  readonly scope: string;
  /** The call's parameters when they are not (inputs, training, mask). */
  readonly callParams?: readonly string[];
  /** The tensor the weights are sized by when it is not `inputs` (an attention layer's query). */
  sizedBy?(rt: Interpreter, call: BoundPyArgs): PyValue;
  /** `call`: the first call's arguments (absent when `build(input_shape)` makes the weights). */
  weights(
    rt: Interpreter,
    input: Node,
    p: BoundPyArgs,
    site: CallSite,
    call?: BoundPyArgs,
  ): { name: string; shape: number[]; initializer: PyValue; span: Span }[];
  /** How its output's mask follows from the call's (kerasMasks.ts): passed on, made from the
   *  input (`x`, `mask`: the call's), or (absent) dropped. */
  readonly outputMask?: 'propagate' | ((rt: Interpreter, x: Node, mask: Node | null, p: BoundPyArgs, site: CallSite) => Node | null);
  /** The kind for a copy of the layer when it holds objects of its own (RNN's cells: Keras'
   *  from_config makes new ones), so the copy builds its own weights. */
  copied?(): LayerKind;
  /** Reads the masks of its several inputs itself (the attention layers). */
  readonly ownMasks?: true;
  /** `training`: the branch built; `flag`: the call's `training` argument (a tensor fed at run
   *  time when both branches are built); `mask`: the call's mask (its `mask` argument, else its
   *  input's), bool [batch, steps]. */
  apply(
    rt: Interpreter,
    input: Node,
    weights: Map<string, PyVariable>,
    p: BoundPyArgs,
    site: CallSite,
    training: boolean,
    flag: PyValue,
    call: BoundPyArgs,
    mask: Node | null,
  ): PyValue;
}

export class WeightedLayer extends PyObject {
  weights: Map<string, PyVariable> | null = null;
  constructor(
    readonly kind: LayerKind,
    readonly p: BoundPyArgs,
    /** The scope's name when the layer is not named (made unique, as Keras numbers layers). */
    readonly scopeBase: string = kind.scope,
  ) {
    super();
  }
  /** A new, unbuilt layer of the same kind with some constructor arguments replaced (the
   *  forward and backward copies Bidirectional makes), its scope named from `scopeBase`. */
  variant(replaced: Record<string, PyValue>, scopeBase = this.scopeBase): WeightedLayer {
    const p = this.p;
    const has = (name: string) => Object.hasOwn(replaced, name);
    return new WeightedLayer(
      this.kind.copied?.() ?? this.kind,
      {
        has: (name) => has(name) || p.has(name),
        get: (name, fallback) => (has(name) ? replaced[name] : p.get(name, fallback)),
        span: (name) => p.span(name),
        rest: p.rest,
      },
      scopeBase,
    );
  }
  get typeName(): string {
    return this.kind.name;
  }
  override repr(): string {
    return `<keras.layers.${this.kind.name} object>`;
  }
  /** Makes the weights for an input like `x` (`site.span`: where the input is). */
  build(rt: Interpreter, x: Node, site: CallSite, call?: BoundPyArgs): void {
    const name = this.p.get('name', null);
    const specs = this.kind.weights(rt, x, this.p, site, call);
    const made = layerVariables(rt, {
      layer: this.scopeBase,
      name: typeof name === 'string' ? name : null,
      kerasName: this.layerName(),
      dtype: this.kind.name === 'Embedding' ? 'float32' : x.type.dtype,
      trainable: this.p.get('trainable', true) !== false,
      reuse: false,
      call: site.span,
      weights: specs,
    });
    this.weights = new Map(specs.map((w, i) => [w.name, made[i]]));
  }
  override call(rt: Interpreter, a: PyValue[], kw: KeywordArg[], site: CallSite): PyValue {
    const params = this.kind.callParams ?? ['inputs', 'training', 'mask'];
    const call = bindArgs(this.kind.name, params, a, kw, site);
    const input = this.kind.sizedBy ? this.kind.sizedBy(rt, call) : call.get(params[0]);
    const x = rt.rt.b.toTensor(toGraphValue(rt, input, call.span(params[0])), call.span(params[0]));
    if (!this.weights) this.build(rt, x, { ...site, span: call.span(params[0]) }, call);
    const weights = this.weights!;
    const flag = call.get('training', null);
    const mask = this.kind.ownMasks ? null : callMask(rt, call, input);
    const apply = (training: boolean) => this.kind.apply(rt, x, weights, this.p, site, training, flag, call, mask);
    const output = byTrainingFlag(rt, flag, call.span('training'), site, apply);
    const rule = this.kind.outputMask;
    return withMask(output, rule === 'propagate' ? mask : rule ? rule(rt, x, mask, this.p, site) : null);
  }
  /** Keras' `layer.name`: the name it was made with, or (a copy Bidirectional makes, not made
   *  by the script) the `name` its copy was given. */
  layerName(): string | undefined {
    const given = this.p.get('name', null);
    return kerasLayerName(this) ?? (typeof given === 'string' ? given : undefined);
  }
  override getAttr(rt: Interpreter, name: string, _span: Span): PyValue | undefined {
    if (name === 'name') return this.layerName();
    const all = this.weights ? [...this.weights.values()] : [];
    switch (name) {
      case 'built':
        return this.weights !== null;
      case 'compute_mask':
        return new PyBuiltin(name, (a, kw, site) => {
          const p = bindArgs('compute_mask', ['inputs', 'mask'], a, kw, site);
          const x = rt.rt.b.toTensor(toGraphValue(rt, p.get('inputs'), p.span('inputs')), p.span('inputs'));
          const mask = p.get('mask', null) === null ? null : boolMask(rt, p.get('mask'), p.span('mask'));
          const rule = this.kind.outputMask;
          const out = rule === 'propagate' ? mask : rule ? rule(rt, x, mask, this.p, site) : null;
          return out === null ? null : new GraphTensor(out, rt.rt);
        });
      case 'trainable_variables':
      case 'trainable_weights':
        return new PyList(all.filter((v) => v.trainable));
      case 'non_trainable_variables':
      case 'non_trainable_weights':
        return new PyList(all.filter((v) => !v.trainable));
      case 'variables':
      case 'weights':
        return new PyList(all);
    }
    return (
      this.weights?.get(name) ??
      layerWeightMethod(
        rt,
        { variables: () => (this.weights ? [...this.weights.values()] : []), build: (rt, x, site) => this.build(rt, x, site) },
        name,
      )
    );
  }
}

/** Conv1D (input [batch, width, channels], kernel [width, in, out]), Conv2D (NHWC input, HWIO
 *  kernel) or Conv3D (NDHWC input, [depth, height, width, in, out] kernel). Conv1D's 'causal' padding is Keras': (kernel − 1)·dilation zeros before the
 *  sequence, then a VALID convolution, so no output sees a later step. */
function convolution(spatial: 1 | 2 | 3, init: MakeInitializer, activation: Activation): LayerKind {
  const name = `Conv${spatial}D`;
  return {
    name,
    scope: `conv${spatial}d`,
    weights: (rt, x, p, site) => {
      expectRank(x, spatial + 2, `conv${spatial}d`, site.span);
      const size = intTuple(rt, p.get('kernel_size'), spatial, p.span('kernel_size'));
      const filters = rt.rt.indexValue(p.get('filters'), p.span('filters'));
      return [
        {
          name: 'kernel',
          shape: [...size, lastAxis(x, name, site.span), filters],
          initializer: init(p.get('kernel_initializer', null), 'glorot_uniform', p.span('kernel_initializer')),
          span: p.span('kernel_initializer'),
        },
        ...optionalBias(p, init, filters),
      ];
    },
    apply: (rt, x, w, p, site) => {
      const strides = intTuple(rt, p.get('strides', 1n), spatial, p.span('strides')).map(BigInt);
      const dilations = intTuple(rt, p.get('dilation_rate', 1n), spatial, p.span('dilation_rate')).map(BigInt);
      let padding = p.get('padding', 'valid');
      if (typeof padding !== 'string') throw pyError('TypeError', 'padding must be a string', p.span('padding'));
      const kernel = w.get('kernel')!.node;
      let input: PyValue = new GraphTensor(x, rt.rt);
      if (padding === 'causal') {
        if (spatial !== 1)
          throw pyError('ValueError', `The \`causal\` padding is only compatible with \`Conv1D\` layer.`, p.span('padding'));
        const before = BigInt(kernel.type.shape![0]! - 1) * dilations[0];
        const paddings = new PyList([new PyList([0n, 0n]), new PyList([before, 0n]), new PyList([0n, 0n])]);
        input = callOp(rt, 'pad', [nodeArg(x, site.span), keyword(rt, 'paddings', paddings, p.span('padding'))], site.span);
        padding = 'valid';
      }
      const window =
        spatial === 1
          ? [keyword(rt, 'stride', strides[0], p.span('strides')), keyword(rt, 'dilations', dilations[0], p.span('dilation_rate'))]
          : [
              keyword(rt, 'strides', new PyList([1n, ...strides, 1n]), p.span('strides')),
              keyword(rt, 'dilations', new PyList([1n, ...dilations, 1n]), p.span('dilation_rate')),
            ];
      let y = callOp(
        rt,
        `conv${spatial}d`,
        [
          positional(rt, input, site.span),
          nodeArg(kernel, site.span),
          keyword(rt, 'padding', padding.toUpperCase(), p.span('padding')),
          ...window,
        ],
        site.span,
      );
      const bias = w.get('bias');
      if (bias) y = callOp(rt, 'bias_add', [positional(rt, y, site.span), nodeArg(bias.node, site.span)], site.span);
      return withActivation(rt, y, activation(rt, p.get('activation', null), p.span('activation')), site);
    },
  };
}

function embedding(init: MakeInitializer): LayerKind {
  return {
    name: 'Embedding',
    scope: 'embedding',
    weights: (rt, _x, p) => [
      {
        name: 'embeddings',
        shape: [rt.rt.indexValue(p.get('input_dim'), p.span('input_dim')), rt.rt.indexValue(p.get('output_dim'), p.span('output_dim'))],
        // Keras' 'uniform' is RandomUniform(-0.05, 0.05).
        initializer:
          p.get('embeddings_initializer', null) === null
            ? new PyInitializer('random_uniform', {})
            : init(p.get('embeddings_initializer'), 'random_uniform', p.span('embeddings_initializer')),
        span: p.span('embeddings_initializer'),
      },
    ],
    // mask_zero: the id 0 is padding, masked for the layers after.
    outputMask: (rt, ids, _mask, p, site) =>
      p.get('mask_zero', false) === true ? new Ops(rt, site.span).call('not_equal', [ids, 0]) : null,
    apply: (rt, x, w, _p, site) => {
      // Keras casts float ids to int32 before the lookup.
      const ids = x.type.dtype === 'int32' || x.type.dtype === 'int64' ? x : rt.rt.b.cast(x, 'int32');
      return callOp(rt, 'gather', [nodeArg(w.get('embeddings')!.node, site.span), nodeArg(ids, site.span)], site.span);
    },
  };
}

/** Keras' moving averages after a training call: moving − (moving − batch)·(1 − momentum). At
 *  once in eager execution; in a graph, an op in tf.GraphKeys.UPDATE_OPS (what the session runs
 *  when a fetch depends on it), which changes nothing when a fed `training` flag is false.
 *  On 4-D input Keras computes with the fused kernel (unless `fused=False`), whose batch
 *  variance it averages with Bessel's correction (n / (n − 1)); on other ranks the biased one. */
function updateMovingStatistics(
  rt: Interpreter,
  x: Node,
  w: Map<string, PyVariable>,
  batch: Value[],
  momentum: number,
  fused: boolean,
  flag: PyValue,
  span: Span,
): void {
  const moving = [w.get('moving_mean')!, w.get('moving_variance')!];
  const nodes = batch.map((v) => {
    if (v.kind !== 'tensor') throw pyError('TypeError', 'moments did not give tensors', span);
    return v.node;
  });
  const averaged = (statistic: number, batchValue: Tensor, movingValue: Tensor, inputShape: readonly number[]) => {
    const channels = movingValue.data.length;
    const count = inputShape.reduce((a, d) => a * d, 1) / Math.max(channels, 1);
    const correction = statistic === 1 && fused && count > 1 ? count / (count - 1) : 1;
    return movingAverage(movingValue, batchValue, momentum, correction);
  };
  if (isEager(rt.rt)) {
    const inputShape = eagerValue(rt.rt, x, span).shape;
    const updated = moving.map((v, i) => averaged(i, eagerValue(rt.rt, nodes[i], span), eagerValue(rt.rt, v.node, span), inputShape));
    moving.forEach((v, i) => v.setValue(updated[i], span));
    return;
  }
  const when = flag instanceof GraphTensor && needsFeed(flag.node) ? flag.node : null;
  const scope = moving[0].name.slice(0, moving[0].name.lastIndexOf('/') + 1);
  addUpdateOp(
    rt.rt,
    new PyOperation(`${scope}AssignMovingAvg`, [], [], (valueOf, session) => {
      if (when && !valueOf(when)?.data[0]) return;
      const input = valueOf(x);
      const values = moving.map((v, i) => {
        const b = valueOf(nodes[i]);
        const m = session.variables.get(v);
        return input && b && m ? averaged(i, b, m, input.shape) : null;
      });
      moving.forEach((v, i) => {
        const t = values[i];
        if (t) session.variables.set(v, t);
      });
    }),
  );
}

/** moving − (moving − batch·correction)·(1 − momentum), rounded as the variable's dtype is. */
function movingAverage(moving: Tensor, batch: Tensor, momentum: number, correction: number): Tensor {
  const round = moving.dtype === 'float32' ? Math.fround : (v: number) => v;
  const decay = round(1 - momentum);
  const scale = round(correction);
  const data = moving.data.slice() as Float32Array | Float64Array;
  for (let i = 0; i < data.length; i++) {
    const b = correction === 1 ? Number(batch.data[i]) : round(Number(batch.data[i]) * scale);
    data[i] = round(data[i] - round(round(data[i] - b) * decay));
  }
  return makeTensor(moving.dtype, moving.shape, data);
}

/** BatchNormalization over the last axis: in training, the batch's moments over every other
 *  axis, and the moving statistics updated; otherwise the moving statistics. */
function batchNormalization(init: MakeInitializer): LayerKind {
  return {
    name: 'BatchNormalization',
    scope: 'batch_normalization',
    outputMask: 'propagate',
    weights: (_rt, x, p, site) => {
      const axis = p.get('axis', -1n);
      if (axis !== -1n && !(typeof axis === 'bigint' && x.type.shape && Number(axis) === x.type.shape.length - 1))
        throw new OutsideSubset('BatchNormalization over an axis other than the last is not modelled by tgraph', p.span('axis'));
      if (p.get('renorm', false) === true)
        throw new OutsideSubset('BatchNormalization with renorm is not modelled by tgraph', p.span('renorm'));
      const n = lastAxis(x, 'BatchNormalization', site.span);
      const weight = (name: string, param: string, fallback: 'ones' | 'zeros', trainable = true) => ({
        name,
        shape: [n],
        initializer: init(p.get(param, null), fallback, p.span(param)),
        span: p.span(param),
        trainable,
      });
      return [
        ...(p.get('scale', true) !== false ? [weight('gamma', 'gamma_initializer', 'ones')] : []),
        ...(p.get('center', true) !== false ? [weight('beta', 'beta_initializer', 'zeros')] : []),
        weight('moving_mean', 'moving_mean_initializer', 'zeros', false),
        weight('moving_variance', 'moving_variance_initializer', 'ones', false),
      ];
    },
    apply: (rt, x, w, p, site, training, flag, _call, mask) => {
      const rank = x.type.shape!.length;
      // Newer Keras takes the moments over the unmasked steps only.
      if (training && mask) throw new OutsideSubset('BatchNormalization in training on masked steps is not modelled by tgraph', site.span);
      if (!training) {
        const [mean, variance] = [w.get('moving_mean')!, w.get('moving_variance')!].map((v): Value => ({ kind: 'tensor', node: v.node }));
        return normalize(rt, x, mean, variance, w, p.get('epsilon', 0.001), p.span('epsilon'), site.span);
      }
      const [mean, variance] = momentsOver(
        rt,
        x,
        Array.from({ length: rank - 1 }, (_, k) => k),
        site.span,
      );
      const momentum = p.get('momentum', 0.99);
      if (typeof momentum !== 'number' && typeof momentum !== 'bigint')
        throw new OutsideSubset('BatchNormalization with a momentum that is not a number is not modelled by tgraph', p.span('momentum'));
      const fused = rank === 4 && p.get('fused', null) !== false;
      updateMovingStatistics(rt, x, w, [mean, variance], Number(momentum), fused, flag, site.span);
      return normalize(rt, x, mean, variance, w, p.get('epsilon', 0.001), p.span('epsilon'), site.span);
    },
  };
}

/** PReLU: relu(x) − alpha·relu(−x), alpha learnt per entry of a sample (one per axis listed in
 *  shared_axes, counted from the batch axis as 0). */
function parametricRelu(init: MakeInitializer): LayerKind {
  return {
    name: 'PReLU',
    outputMask: 'propagate',
    scope: 'p_re_lu',
    weights: (rt, x, p, site) => {
      const shape = x.type.shape;
      if (shape === null || shape.slice(1).some((d) => d === null))
        throw pyError('ValueError', 'PReLU needs the static shape of every axis but the first', site.span);
      for (const k of ['alpha_regularizer', 'alpha_constraint'])
        if (p.get(k, null) !== null) throw new OutsideSubset(`PReLU(${k}=...) is not modelled by tgraph`, p.span(k));
      const given = p.get('shared_axes', null);
      const shared = given === null ? [] : typeof given === 'bigint' ? [given] : rt.iterate(given, p.span('shared_axes'));
      const axes = new Set(shared.map((a) => rt.rt.indexValue(a, p.span('shared_axes'))));
      return [
        {
          name: 'alpha',
          shape: shape.slice(1).map((d, k) => (axes.has(k + 1) ? 1 : (d as number))),
          initializer: init(p.get('alpha_initializer', null), 'zeros', p.span('alpha_initializer')),
          span: p.span('alpha_initializer'),
        },
      ];
    },
    apply: (rt, x, w, _p, site) => {
      const o = new Ops(rt, site.span);
      const negative = o.call('multiply', [w.get('alpha')!.node, o.call('relu', [o.call('negative', [x])])]);
      return new GraphTensor(o.call('subtract', [o.call('relu', [x]), negative]), rt.rt);
    },
  };
}

/** `tf.keras.layers.<Class>` for the weighted layers, given the module's initializer and
 *  activation readers. */
export function weightedLayers(init: MakeInitializer, activation: Activation): Record<string, () => PyBuiltin> {
  const kinds: { kind: LayerKind; params: string[] }[] = [
    ...([1, 2, 3] as const).map((spatial) => ({
      kind: convolution(spatial, init, activation),
      params: [
        'filters',
        'kernel_size',
        'strides',
        'padding',
        'data_format',
        'dilation_rate',
        'groups',
        'activation',
        'use_bias',
        'kernel_initializer',
        'bias_initializer',
      ],
    })),
    ...([1, 2] as const).map((spatial) => ({
      kind: convolutionTranspose(spatial, init, activation),
      params: CONVOLUTION_PARAMS.Conv2DTranspose,
    })),
    { kind: convolutionTranspose3d(init, activation), params: CONVOLUTION_PARAMS.Conv2DTranspose },
    { kind: depthwiseConvolution(init, activation), params: CONVOLUTION_PARAMS.DepthwiseConv2D },
    { kind: separableConvolution(init, activation), params: CONVOLUTION_PARAMS.SeparableConv2D },
    { kind: multiHeadAttention(init), params: MULTI_HEAD_ATTENTION_PARAMS },
    ...[false, true].map((additive) => ({ kind: denseAttention(additive, init), params: DENSE_ATTENTION_PARAMS })),
    { kind: parametricRelu(init), params: ['alpha_initializer', 'alpha_regularizer', 'alpha_constraint', 'shared_axes'] },
    {
      kind: embedding(init),
      params: [
        'input_dim',
        'output_dim',
        'embeddings_initializer',
        'embeddings_regularizer',
        'activity_regularizer',
        'embeddings_constraint',
        'mask_zero',
        'input_length',
      ],
    },
    ...(['SimpleRNN', 'LSTM', 'GRU'] as const).map((cell) => ({ kind: recurrent(cell, init, activation), params: RECURRENT_PARAMS })),
    { kind: convLstm(init, activation), params: CONV_LSTM_PARAMS },
    ...(['SimpleRNN', 'LSTM', 'GRU'] as const).map((cell) => ({ kind: recurrentCell(cell, init, activation), params: CELL_PARAMS[cell] })),
    ...normalizationKinds(init),
    {
      kind: batchNormalization(init),
      params: [
        'axis',
        'momentum',
        'epsilon',
        'center',
        'scale',
        'beta_initializer',
        'gamma_initializer',
        'moving_mean_initializer',
        'moving_variance_initializer',
        'beta_regularizer',
        'gamma_regularizer',
        'beta_constraint',
        'gamma_constraint',
        'renorm',
        'renorm_clipping',
        'renorm_momentum',
        'fused',
      ],
    },
  ];
  return Object.fromEntries([
    ...kinds.map(({ kind, params }) => [
      kind.name,
      () =>
        new PyBuiltin(`tf.keras.layers.${kind.name}`, (a, kw, site) => {
          const p = bindArgs(kind.name, [...params, 'name', 'dtype', 'trainable', 'input_shape'], a, kw, site);
          channelsLastOnly(p, kind.name);
          // A grouped convolution's groups (GroupNormalization's are its own).
          if (kind.name.startsWith('Conv') && p.get('groups', 1n) !== 1n)
            throw new OutsideSubset(`${kind.name}(groups=...) is not modelled by tgraph`, p.span('groups'));
          return new WeightedLayer(kind, p);
        }),
    ]),
    ...Object.entries(normalizationLayers()),
    ...Object.entries(recurrentNetworks(init, activation)),
  ]);
}

/** The cells a StackedRNNCells holds. */
class StackedCells extends PyObject {
  constructor(readonly cells: readonly WeightedLayer[]) {
    super();
  }
  get typeName(): string {
    return 'StackedRNNCells';
  }
}

/** RNN over a Keras cell, a list of them or StackedRNNCells, and StackedRNNCells itself. */
function recurrentNetworks(init: MakeInitializer, activation: Activation): Record<string, () => PyBuiltin> {
  const cellsOf = (v: PyValue, span: Span): WeightedLayer[] => {
    const items = v instanceof StackedCells ? v.cells : v instanceof PyList || v instanceof PyTuple ? v.items : [v];
    return items.map((c) => {
      if (!(c instanceof WeightedLayer) || cellOf(c.kind) === null)
        throw new OutsideSubset(
          `RNN over ${typeName(c)} is not modelled by tgraph (SimpleRNNCell, LSTMCell, GRUCell, or a list of them)`,
          span,
        );
      return c;
    });
  };
  return {
    RNN: () =>
      new PyBuiltin('tf.keras.layers.RNN', (a, kw, site) => {
        const p = bindArgs('RNN', ['cell', ...RNN_LOOP_PARAMS, 'name', 'dtype', 'trainable', 'input_shape'], a, kw, site);
        const given = p.get('cell');
        const cells = cellsOf(given, p.span('cell'));
        const stacked = !(given instanceof WeightedLayer);
        if (cells.length === 0) throw pyError('ValueError', 'RNN needs at least one cell', p.span('cell'));
        return new WeightedLayer(recurrentNetwork(cells, stacked, activation, init), p);
      }),
    StackedRNNCells: () =>
      new PyBuiltin('tf.keras.layers.StackedRNNCells', (a, kw, site) => {
        const p = bindArgs('StackedRNNCells', ['cells', 'name'], a, kw, site);
        return new StackedCells(cellsOf(p.get('cells'), p.span('cells')));
      }),
  };
}
