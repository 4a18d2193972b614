// Keras layers without weights, as callable objects built from registry ops (resizingLayers.ts
// adds UpSampling and Cropping): Flatten, Reshape, Permute, RepeatVector, ZeroPadding1D/2D/3D,
// Activation and the activation layers, Dropout (the identity outside training), the 1-D, 2-D
// and 3-D pooling layers and their global forms, and the merging layers (Add, Multiply, Subtract,
// Average, Maximum, Minimum, Concatenate, Dot). The constructor's arguments are kept as given and
// read when the layer is called, where their errors point.

import type { Span } from '../../syntax/ast';
import type { CallArg } from '../../values';
import { type CallSite, type KeywordArg, PyBuiltin, PyList, PyObject, PyTuple, type PyValue, typeName } from '../values';
import { OutsideSubset, pyError } from '../errors';
import type { Interpreter } from '../interpreter';
import { type BoundPyArgs, args as bindArgs } from '../signature';
import type { Node } from '../../graph';
import { GraphTensor, callOp, toGraphValue } from './tensor';
import { Ops } from './losses';
import { callMask, inputMasks, withMask } from './kerasMasks';
import { channelsLastOnly, intTuple, keyword, positional } from './layerArgs';
import { byTrainingFlag } from './controlFlow';
import { maskedSoftmax } from './attentionLayers';
import { kerasLayerName } from './layerNames';

/** What a layer does to its inputs when called (`training`: which branch is built; only
 *  Dropout reads it; `mask`: the call's mask, its `mask` argument or its input's). */
/** `call`: the call's arguments (a layer's own call parameters, as CategoryEncoding's count_weights). */
type Apply = (
  rt: Interpreter,
  inputs: PyValue,
  inputSpan: Span,
  site: CallSite,
  training: boolean,
  mask: Node | null,
  call?: BoundPyArgs,
) => PyValue;

/** Its output's mask (kerasMasks.ts): the input's passed on, none (Keras' layers that do not
 *  support masking, and those that consume it), or made from the inputs (the merging layers'). */
type MaskRule = 'propagate' | 'drop' | ((rt: Interpreter, p: BoundPyArgs, inputs: PyValue, site: CallSite) => Node | null);

class StatelessLayer extends PyObject {
  constructor(
    readonly kind: string,
    readonly apply: Apply,
    /** Whether `training` changes what it computes (Dropout): a flag fed at run time then
     *  builds both. */
    readonly readsTraining: boolean,
    readonly masks: MaskRule,
    /** Call parameters after (inputs, training, mask). */
    readonly callParams: readonly string[] = [],
  ) {
    super();
  }
  get typeName(): string {
    return this.kind;
  }
  override repr(): string {
    return `<keras.layers.${this.kind} object>`;
  }
  override call(rt: Interpreter, a: PyValue[], kw: KeywordArg[], site: CallSite): PyValue {
    const p = bindArgs(this.kind, ['inputs', 'training', 'mask', ...this.callParams], a, kw, site);
    const flag = p.get('training', null);
    const inputs = p.get('inputs');
    const mask = inputs instanceof PyList || inputs instanceof PyTuple ? null : callMask(rt, p, inputs);
    const apply = (training: boolean) => this.apply(rt, inputs, p.span('inputs'), site, training, mask, p);
    const output = byTrainingFlag(rt, this.readsTraining ? flag : null, p.span('training'), site, apply);
    const rule = this.masks;
    return withMask(output, rule === 'propagate' ? mask : rule === 'drop' ? null : rule(rt, p, inputs, site));
  }
  override getAttr(_rt: Interpreter, name: string): PyValue | undefined {
    if (name === 'name') return kerasLayerName(this);
    if (name === 'trainable_variables' || name === 'trainable_weights' || name === 'variables' || name === 'weights') return new PyList([]);
    return undefined;
  }
}

/** A layer class: binds the constructor's arguments, and makes the layer. */
export function layerClass(
  layer: string,
  params: string[],
  make: (p: BoundPyArgs) => Apply,
  check?: (p: BoundPyArgs) => void,
  readsTraining = false,
  masks: MaskRule = 'drop',
  callParams: readonly string[] = [],
): PyBuiltin {
  return new PyBuiltin(`tf.keras.layers.${layer}`, (a, kw, site) => {
    const p = bindArgs(layer, [...params, 'name', 'dtype', 'input_shape'], a, kw, site);
    check?.(p);
    return new StatelessLayer(layer, make(p), readsTraining, masks, callParams);
  });
}

/** MaxPooling1D/2D/3D, AveragePooling1D/2D/3D: windows of pool_size, strides pool_size unless
 *  given. */
function pooling(layer: string, op: `${'max' | 'avg'}_pool${1 | 2 | 3}d`): PyBuiltin {
  const spatial = Number(op.charAt(op.length - 2));
  return layerClass(
    layer,
    ['pool_size', 'strides', 'padding', 'data_format'],
    (p) => (rt, x, xSpan, site) => {
      const size = intTuple(rt, p.get('pool_size', 2n), spatial, p.span('pool_size')).map(BigInt);
      const strides = p.get('strides', null) === null ? size : intTuple(rt, p.get('strides'), spatial, p.span('strides')).map(BigInt);
      const padding = p.get('padding', 'valid');
      if (typeof padding !== 'string') throw pyError('TypeError', 'padding must be a string', p.span('padding'));
      return callOp(
        rt,
        op,
        [
          positional(rt, x, xSpan),
          keyword(rt, 'ksize', new PyList([1n, ...size, 1n]), p.span('pool_size')),
          keyword(rt, 'strides', new PyList([1n, ...strides, 1n]), p.span('strides')),
          keyword(rt, 'padding', padding.toUpperCase(), p.span('padding')),
        ],
        site.span,
      );
    },
    (p) => channelsLastOnly(p, layer),
  );
}

/** The global poolings: the mean or maximum over every spatial axis (1 of a sequence, 2 of an
 *  image, 3 of a volume). A masked sequence's mean is over its real steps (Keras' GlobalAveragePooling1D; its
 *  maximum, as Keras', takes every step). */
function globalPooling(layer: string, op: 'reduce_mean' | 'reduce_max'): PyBuiltin {
  const rank = Number(layer.charAt(layer.length - 2));
  const spatial = Array.from({ length: rank }, (_, k) => BigInt(k + 1));
  return layerClass(
    layer,
    ['data_format', 'keepdims'],
    (p) => (rt, x, xSpan, site, _training, mask) => {
      const keepdims = p.get('keepdims', false);
      if (mask && op === 'reduce_mean' && spatial.length === 1) {
        const o = new Ops(rt, site.span);
        const input = o.tensor(x, xSpan);
        const weights = o.call('expand_dims', [rt.rt.b.cast(mask, input.type.dtype)], { axis: -1 });
        const mean = o.call('divide', [o.sum(o.call('multiply', [input, weights]), 1), o.sum(weights, 1)]);
        return new GraphTensor(keepdims === true ? o.call('expand_dims', [mean], { axis: 1 }) : mean, rt.rt);
      }
      return callOp(
        rt,
        op,
        [
          positional(rt, x, xSpan),
          keyword(rt, 'axis', new PyList(spatial), site.span),
          keyword(rt, 'keepdims', keepdims, p.span('keepdims')),
        ],
        site.span,
      );
    },
    (p) => channelsLastOnly(p, layer),
  );
}

/** Zeros around the spatial axes: `padding` an int (every side), one int per axis (both
 *  sides), or per axis a (before, after) pair. */
function zeroPadding(layer: string, spatial: number): PyBuiltin {
  return layerClass(
    layer,
    ['padding', 'data_format'],
    (p) => (rt, x, xSpan, site) => {
      const given = p.get('padding', 1n);
      const sides = (v: PyValue): PyValue[] => (typeof v === 'bigint' ? [v, v] : rt.iterate(v, p.span('padding')));
      const perAxis =
        typeof given === 'bigint'
          ? Array.from({ length: spatial }, () => [given, given])
          : spatial === 1
            ? [sides(given)]
            : rt.iterate(given, p.span('padding')).map(sides);
      if (perAxis.length !== spatial || perAxis.some((pair) => pair.length !== 2))
        throw pyError('ValueError', `\`padding\` should have ${spatial} elements of 1 or 2 ints`, p.span('padding'));
      const paddings = new PyList([new PyList([0n, 0n]), ...perAxis.map((pair) => new PyList(pair)), new PyList([0n, 0n])]);
      return callOp(rt, 'pad', [positional(rt, x, xSpan), positional(rt, paddings, p.span('padding'))], site.span);
    },
    (p) => channelsLastOnly(p, layer),
  );
}

/** A merging layer, called on a list of at least two tensors. */
function merging(
  layer: string,
  params: string[],
  combine: (rt: Interpreter, p: BoundPyArgs, items: CallArg[], site: CallSite) => PyValue,
  masks: MaskRule = mergedMasks,
): PyBuiltin {
  return layerClass(
    layer,
    params,
    (p) => (rt, inputs, span, site) => {
      if (!(inputs instanceof PyList || inputs instanceof PyTuple))
        throw pyError(
          'ValueError',
          `A merge layer should be called on a list of inputs. Received: inputs=${typeName(inputs)} (not a list of tensors)`,
          span,
        );
      const items = inputs.items;
      if (items.length < 2)
        throw pyError(
          'ValueError',
          `A \`${layer}\` layer should be called on a list of at least 2 inputs. Received: input_shape=${items.length} input(s)`,
          span,
        );
      return combine(
        rt,
        p,
        items.map((x) => positional(rt, x, span)),
        site,
      );
    },
    undefined,
    false,
    masks,
  );
}

/** A merging layer's mask: the steps every masked input keeps (Keras' _Merge). */
function mergedMasks(rt: Interpreter, p: BoundPyArgs, inputs: PyValue, site: CallSite): Node | null {
  const masks = inputMasks(rt, p, inputs, p.span('inputs'))?.filter((m): m is Node => m !== null) ?? [];
  if (masks.length === 0) return null;
  const o = new Ops(rt, site.span);
  return masks.slice(1).reduce((all, m) => o.call('logical_and', [all, m]), masks[0]);
}

/** Concatenate's mask: the inputs' masks (all true for an input without one) joined along the
 *  axis, a step kept where every joined entry is (Keras' Concatenate). */
function concatenatedMasks(rt: Interpreter, p: BoundPyArgs, inputs: PyValue, site: CallSite): Node | null {
  const masks = inputMasks(rt, p, inputs, p.span('inputs'));
  if (masks === null) return null;
  const o = new Ops(rt, site.span);
  const items = rt.iterate(inputs, p.span('inputs')).map((x, i) => {
    const input = o.tensor(x, p.span('inputs'));
    const m = masks[i];
    if (m === null) return o.call('ones_like', [input], { dtype: 'bool' });
    return (m.type.shape?.length ?? 0) < (input.type.shape?.length ?? 0) ? o.call('expand_dims', [m], { axis: -1 }) : m;
  });
  const joined = callOp(
    rt,
    'concat',
    [
      { value: { kind: 'list', items: items.map((node) => ({ kind: 'tensor', node })) }, span: site.span },
      keyword(rt, 'axis', p.get('axis', -1n), p.span('axis')),
    ],
    site.span,
  );
  return o.call('reduce_all', [o.tensor(joined, site.span)], { axis: -1 });
}

/** Keras' Dot: the two samples' product over `axes` (one for both, or one each; negative from
 *  the end), each input l2-normalized along its axis first with normalize=True; Keras'
 *  batch_dot keeps the first input's other axes, then the second's, a [batch, 1] when none. */
function dotProduct(rt: Interpreter, p: BoundPyArgs, items: CallArg[], site: CallSite): PyValue {
  const o = new Ops(rt, site.span);
  let [x, y] = items.map((item) => rt.rt.b.toTensor(item.value, item.span));
  const ranks = [x, y].map((t) => {
    if (t.type.shape === null) throw new OutsideSubset('Dot of an input of unknown rank is not modelled by tgraph', site.span);
    return t.type.shape.length;
  });
  const given = p.get('axes');
  const pair = typeof given === 'bigint' ? [given, given] : rt.iterate(given, p.span('axes'));
  if (pair.length !== 2)
    throw pyError('ValueError', `Dot: axes should be an int or a pair of ints, got ${pair.length} values`, p.span('axes'));
  const axes = pair.map((a, i) => {
    const k = rt.rt.indexValue(a, p.span('axes'));
    const axis = k < 0 ? k + ranks[i] : k;
    if (axis < 1 || axis >= ranks[i])
      throw pyError('ValueError', `Dot: axis ${k} of input ${i} (rank ${ranks[i]}) is not a non-batch axis`, p.span('axes'));
    return axis;
  });
  if (p.get('normalize', false) === true) {
    x = o.call('l2_normalize', [x], { axis: axes[0] });
    y = o.call('l2_normalize', [y], { axis: axes[1] });
  }
  // einsum letters: 'a' the batch, 'b' the contracted axis, the others from 'c'.
  const others = 'cdefghijklmnopqrstuvwxyz';
  const lettersOf = (rank: number, axis: number, from: number) =>
    Array.from({ length: rank }, (_, k) => (k === 0 ? 'a' : k === axis ? 'b' : others[from + k]));
  const left = lettersOf(ranks[0], axes[0], 0);
  const right = lettersOf(ranks[1], axes[1], ranks[0]);
  const kept = [...left.filter((l) => l !== 'b'), ...right.slice(1).filter((l) => l !== 'b')];
  const product = o.call('einsum', [`${left.join('')},${right.join('')}->${kept.join('')}`, x, y]);
  return new GraphTensor(kept.length === 1 ? o.call('expand_dims', [product], { axis: 1 }) : product, rt.rt);
}

/** Folds the inputs pairwise with a binary op (Keras' _merge_function). */
function pairwise(op: string): (rt: Interpreter, p: BoundPyArgs, items: CallArg[], site: CallSite) => PyValue {
  return (rt, _p, items, site) => {
    let acc = items[0];
    for (const next of items.slice(1)) acc = positional(rt, callOp(rt, op, [acc, next], site.span), site.span);
    return callOp(rt, 'identity', [acc], site.span);
  };
}

/** `activation(x)` for a layer that applies one op with fixed keyword arguments. */
function activationLayer(layer: string, op: string, params: { name: string; keyword: string; fallback: PyValue }[] = []): PyBuiltin {
  return layerClass(
    layer,
    params.map((q) => q.name),
    (p) => (rt, x, xSpan, site) =>
      callOp(
        rt,
        op,
        [positional(rt, x, xSpan), ...params.map((q) => keyword(rt, q.keyword, p.get(q.name, q.fallback), p.span(q.name)))],
        site.span,
      ),
    undefined,
    false,
    'propagate',
  );
}

/** The layers that add noise in training and are the identity otherwise (GaussianNoise,
 *  GaussianDropout, AlphaDropout, SpatialDropout1D/2D/3D), and ActivityRegularization, whose
 *  penalty goes to the model's losses and whose output is its input. In training the noise is
 *  random: refused. */
function noiseLayers(): Record<string, () => PyBuiltin> {
  const layers: Record<string, string[]> = {
    GaussianNoise: ['stddev', 'seed'],
    GaussianDropout: ['rate', 'seed'],
    AlphaDropout: ['rate', 'noise_shape', 'seed'],
    SpatialDropout1D: ['rate'],
    SpatialDropout2D: ['rate', 'data_format'],
    SpatialDropout3D: ['rate', 'data_format'],
    ActivityRegularization: ['l1', 'l2'],
  };
  return Object.fromEntries(
    Object.entries(layers).map(([layer, params]) => [
      layer,
      () =>
        layerClass(
          layer,
          params,
          () => (rt, x, xSpan, site, training) => {
            if (training && layer !== 'ActivityRegularization')
              throw new OutsideSubset(`${layer} in training is not modelled by tgraph (its noise is random)`, site.span);
            return callOp(rt, 'identity', [positional(rt, x, xSpan)], site.span);
          },
          (p) => channelsLastOnly(p, layer),
          true,
          'propagate',
        ),
    ]),
  );
}

/** The weightless layers of `tf.keras.layers`, by class name. */
export function statelessLayers(activation: (rt: Interpreter, v: PyValue, span: Span) => PyValue): Record<string, () => PyBuiltin> {
  return {
    Flatten: () =>
      layerClass(
        'Flatten',
        ['data_format'],
        () => (rt, x, xSpan, site) => {
          const node = rt.rt.b.toTensor(toGraphValue(rt, x, xSpan), xSpan);
          const shape = node.type.shape;
          if (shape === null || shape.length === 0 || shape.slice(1).some((d) => d === null))
            throw pyError('ValueError', 'Flatten needs the static shape of every axis but the first', xSpan);
          const rest = shape.slice(1).reduce<number>((n, d) => n * (d as number), 1);
          return callOp(rt, 'reshape', [positional(rt, x, xSpan), positional(rt, new PyList([-1n, BigInt(rest)]), site.span)], site.span);
        },
        (p) => channelsLastOnly(p, 'Flatten'),
      ),
    Reshape: () =>
      layerClass('Reshape', ['target_shape'], (p) => (rt, x, xSpan, site) => {
        const target = rt.iterate(p.get('target_shape'), p.span('target_shape'));
        // The batch axis is kept as it is (Keras reshapes to (tf.shape(x)[0],) + target_shape),
        // so the target may itself hold the one -1; a batch known only at run time is the -1.
        const size = rt.rt.b.toTensor(toGraphValue(rt, x, xSpan), xSpan).type.shape?.[0];
        const batch = typeof size === 'number' ? BigInt(size) : -1n;
        return callOp(
          rt,
          'reshape',
          [positional(rt, x, xSpan), positional(rt, new PyList([batch, ...target]), p.span('target_shape'))],
          site.span,
        );
      }),
    // Permute's dims count from 1 (the batch axis stays first).
    Permute: () =>
      layerClass('Permute', ['dims'], (p) => (rt, x, xSpan, site) => {
        const dims = rt.iterate(p.get('dims'), p.span('dims')).map((d) => rt.rt.indexValue(d, p.span('dims')));
        return callOp(
          rt,
          'transpose',
          [positional(rt, x, xSpan), keyword(rt, 'perm', new PyList([0n, ...dims.map(BigInt)]), p.span('dims'))],
          site.span,
        );
      }),
    // [batch, features] -> [batch, n, features].
    RepeatVector: () =>
      layerClass('RepeatVector', ['n'], (p) => (rt, x, xSpan, site) => {
        const n = BigInt(rt.rt.indexValue(p.get('n'), p.span('n')));
        const column = callOp(rt, 'expand_dims', [positional(rt, x, xSpan), keyword(rt, 'axis', 1n, site.span)], site.span);
        return callOp(rt, 'tile', [positional(rt, column, site.span), positional(rt, new PyList([1n, n, 1n]), p.span('n'))], site.span);
      }),
    ZeroPadding1D: () => zeroPadding('ZeroPadding1D', 1),
    ZeroPadding2D: () => zeroPadding('ZeroPadding2D', 2),
    ZeroPadding3D: () => zeroPadding('ZeroPadding3D', 3),
    Activation: () =>
      layerClass(
        'Activation',
        ['activation'],
        (p) => (rt, x, _xSpan, site) => {
          const f = activation(rt, p.get('activation'), p.span('activation'));
          return f === null ? x : rt.call(f, [x], [], site);
        },
        undefined,
        false,
        'propagate',
      ),
    ReLU: () => activationLayer('ReLU', 'relu'),
    // x over its L2 norm along axis (Keras' UnitNormalization is tf.math.l2_normalize).
    UnitNormalization: () => activationLayer('UnitNormalization', 'l2_normalize', [{ name: 'axis', keyword: 'axis', fallback: -1n }]),
    // A masked position's score is lowered by 1e9 first, as Keras' Softmax(...)(x, mask).
    Softmax: () =>
      layerClass(
        'Softmax',
        ['axis'],
        (p) => (rt, x, xSpan, site, _training, mask) => {
          const o = new Ops(rt, site.span);
          const input = o.tensor(x, xSpan);
          const axis = p.get('axis', -1n);
          if (typeof axis !== 'bigint') throw new OutsideSubset('Softmax over several axes is not modelled by tgraph', p.span('axis'));
          return new GraphTensor(maskedSoftmax(o, input, mask ? rt.rt.b.cast(mask, input.type.dtype) : null, Number(axis)), rt.rt);
        },
        undefined,
        false,
        'propagate',
      ),
    // Keras' LeakyReLU slope defaults to 0.3 (tf.nn.leaky_relu's to 0.2).
    LeakyReLU: () => activationLayer('LeakyReLU', 'leaky_relu', [{ name: 'alpha', keyword: 'alpha', fallback: 0.3 }]),
    // Keras' ELU with a slope alpha: alpha·(e^x − 1) below zero (tf.nn.elu's where alpha is 1).
    ELU: () =>
      layerClass(
        'ELU',
        ['alpha'],
        (p) => (rt, x, xSpan, site) => {
          const elu = callOp(rt, 'elu', [positional(rt, x, xSpan)], site.span);
          const alpha = p.get('alpha', 1.0);
          if (alpha === 1.0 || alpha === 1n) return elu;
          const positive = callOp(rt, 'greater', [positional(rt, x, xSpan), positional(rt, 0.0, site.span)], site.span);
          const scaled = callOp(rt, 'multiply', [positional(rt, elu, site.span), positional(rt, alpha, p.span('alpha'))], site.span);
          return callOp(
            rt,
            'where',
            [positional(rt, positive, site.span), positional(rt, elu, site.span), positional(rt, scaled, site.span)],
            site.span,
          );
        },
        undefined,
        false,
        'propagate',
      ),
    Dropout: () =>
      layerClass(
        'Dropout',
        ['rate', 'noise_shape', 'seed'],
        // In training, tf.nn.dropout's rule (a seeded mask: not TensorFlow's random stream).
        (p) => (rt, x, xSpan, site, training) => {
          if (!training) return callOp(rt, 'identity', [positional(rt, x, xSpan)], site.span);
          return callOp(
            rt,
            'dropout',
            [
              positional(rt, x, xSpan),
              keyword(rt, 'rate', p.get('rate'), p.span('rate')),
              keyword(rt, 'noise_shape', p.get('noise_shape', null), p.span('noise_shape')),
              keyword(rt, 'seed', p.get('seed', null), p.span('seed')),
            ],
            site.span,
          );
        },
        undefined,
        true,
        'propagate',
      ),
    ...noiseLayers(),
    Identity: () =>
      layerClass(
        'Identity',
        [],
        () => (rt, x, xSpan, site) => callOp(rt, 'identity', [positional(rt, x, xSpan)], site.span),
        undefined,
        false,
        'propagate',
      ),
    // x·scale + offset, an integer input cast to float32 first (Keras' Rescaling).
    Rescaling: () =>
      layerClass('Rescaling', ['scale', 'offset'], (p) => (rt, x, xSpan, site) => {
        const o = new Ops(rt, site.span);
        const input = o.tensor(x, xSpan);
        const real = input.type.dtype === 'float32' || input.type.dtype === 'float64' ? input : rt.rt.b.cast(input, 'float32');
        const scaled = o.call('multiply', [real, o.tensor(p.get('scale'), p.span('scale'), real.type.dtype)]);
        return new GraphTensor(o.call('add', [scaled, o.tensor(p.get('offset', 0.0), p.span('offset'), real.type.dtype)]), rt.rt);
      }),
    MaxPooling1D: () => pooling('MaxPooling1D', 'max_pool1d'),
    MaxPool1D: () => pooling('MaxPool1D', 'max_pool1d'),
    AveragePooling1D: () => pooling('AveragePooling1D', 'avg_pool1d'),
    AvgPool1D: () => pooling('AvgPool1D', 'avg_pool1d'),
    GlobalAveragePooling1D: () => globalPooling('GlobalAveragePooling1D', 'reduce_mean'),
    GlobalAvgPool1D: () => globalPooling('GlobalAvgPool1D', 'reduce_mean'),
    GlobalMaxPooling1D: () => globalPooling('GlobalMaxPooling1D', 'reduce_max'),
    GlobalMaxPool1D: () => globalPooling('GlobalMaxPool1D', 'reduce_max'),
    MaxPooling2D: () => pooling('MaxPooling2D', 'max_pool2d'),
    MaxPool2D: () => pooling('MaxPool2D', 'max_pool2d'),
    AveragePooling2D: () => pooling('AveragePooling2D', 'avg_pool2d'),
    AvgPool2D: () => pooling('AvgPool2D', 'avg_pool2d'),
    GlobalAveragePooling2D: () => globalPooling('GlobalAveragePooling2D', 'reduce_mean'),
    GlobalAvgPool2D: () => globalPooling('GlobalAvgPool2D', 'reduce_mean'),
    GlobalMaxPooling2D: () => globalPooling('GlobalMaxPooling2D', 'reduce_max'),
    GlobalMaxPool2D: () => globalPooling('GlobalMaxPool2D', 'reduce_max'),
    MaxPooling3D: () => pooling('MaxPooling3D', 'max_pool3d'),
    MaxPool3D: () => pooling('MaxPool3D', 'max_pool3d'),
    AveragePooling3D: () => pooling('AveragePooling3D', 'avg_pool3d'),
    AvgPool3D: () => pooling('AvgPool3D', 'avg_pool3d'),
    GlobalAveragePooling3D: () => globalPooling('GlobalAveragePooling3D', 'reduce_mean'),
    GlobalAvgPool3D: () => globalPooling('GlobalAvgPool3D', 'reduce_mean'),
    GlobalMaxPooling3D: () => globalPooling('GlobalMaxPooling3D', 'reduce_max'),
    GlobalMaxPool3D: () => globalPooling('GlobalMaxPool3D', 'reduce_max'),
    Add: () => merging('Add', [], pairwise('add')),
    Multiply: () => merging('Multiply', [], pairwise('multiply')),
    Maximum: () => merging('Maximum', [], pairwise('maximum')),
    Minimum: () => merging('Minimum', [], pairwise('minimum')),
    Subtract: () =>
      merging('Subtract', [], (rt, _p, items, site) => {
        if (items.length !== 2) throw pyError('ValueError', 'A `Subtract` layer should be called on exactly 2 inputs', site.span);
        return callOp(rt, 'subtract', items, site.span);
      }),
    Average: () =>
      merging('Average', [], (rt, p, items, site) => {
        const sum = pairwise('add')(rt, p, items, site);
        return callOp(rt, 'divide', [positional(rt, sum, site.span), positional(rt, items.length * 1.0, site.span)], site.span);
      }),
    Dot: () =>
      merging('Dot', ['axes', 'normalize'], (rt, p, items, site) => {
        if (items.length !== 2) throw pyError('ValueError', 'A `Dot` layer should be called on exactly 2 inputs', site.span);
        return dotProduct(rt, p, items, site);
      }),
    Concatenate: () =>
      merging(
        'Concatenate',
        ['axis'],
        (rt, p, items, site) =>
          callOp(
            rt,
            'concat',
            [
              { value: { kind: 'list', items: items.map((i) => i.value) }, span: site.span },
              keyword(rt, 'axis', p.get('axis', -1n), p.span('axis')),
            ],
            site.span,
          ),
        concatenatedMasks,
      ),
    Masking: () =>
      layerClass(
        'Masking',
        ['mask_value'],
        // A step is masked when every feature equals mask_value; its features become zeros.
        (p) => (rt, x, xSpan, site) => {
          const o = new Ops(rt, site.span);
          const input = o.tensor(x, xSpan);
          const given = p.get('mask_value', 0.0);
          const value = typeof given === 'bigint' ? Number(given) : given;
          const kept = o.call('reduce_any', [o.call('not_equal', [input, value as number])], { axis: -1 });
          const zeroed = o.call('multiply', [input, o.call('expand_dims', [rt.rt.b.cast(kept, input.type.dtype)], { axis: -1 })]);
          return withMask(new GraphTensor(zeroed, rt.rt), kept);
        },
      ),
  };
}
