// Keras' normalization layers other than BatchNormalization (weightedLayers.ts, with its moving
// statistics): LayerNormalization over one or several axes, GroupNormalization (the channels
// split into groups, each normalized over its channels and every spatial axis), UnitNormalization
// (statelessLayers.ts: tf.math.l2_normalize) and Normalization (fixed statistics: given, or adapted from an array).
// Each is tf.nn.moments and tf.nn.batch_normalization as Keras calls them, so gradients are the
// ops'.

import type { Span } from '../../syntax/ast';
import type { Node } from '../../graph';
import type { Value } from '../../values';
import { lookupOp } from '../../ops/registry';
import { type CallSite, type KeywordArg, PyBuiltin, PyList, PyObject, PyTuple, type PyValue } from '../values';
import { OutsideSubset, pyError } from '../errors';
import type { Interpreter } from '../interpreter';
import { type BoundPyArgs, args as bindArgs } from '../signature';
import { GraphTensor, callOp } from './tensor';
import { Ops } from './losses';
import { pyRepr } from '../format';
import { keyword, nodeArg, positional } from './layerArgs';
import type { PyVariable } from './variables';
import type { LayerKind, MakeInitializer } from './weightedLayers';
import { kerasLayerName } from './layerNames';

/** tf.nn.moments of x over `axes`, kept as size-1 axes: [mean, variance]. */
export function momentsOver(rt: Interpreter, x: Node, axes: number[], span: Span): Value[] {
  const moments = rt.rt.b.call(
    lookupOp('moments')!,
    [nodeArg(x, span), keyword(rt, 'axes', new PyList(axes.map(BigInt)), span), keyword(rt, 'keepdims', true, span)],
    span,
  );
  if (moments.kind !== 'list') throw pyError('TypeError', 'moments did not give (mean, variance)', span);
  return moments.items;
}

/** tf.reshape(x, shape) as a node. */
function reshaped(rt: Interpreter, x: Node, shape: number[], span: Span): Node {
  const y = callOp(rt, 'reshape', [nodeArg(x, span), positional(rt, new PyList(shape.map(BigInt)), span)], span);
  return new Ops(rt, span).tensor(y, span);
}

/** Keras' normalization: tf.nn.batch_normalization(x, mean, variance, beta, gamma, epsilon),
 *  gamma and beta reshaped to `weightShape` where they do not broadcast as they are. */
export function normalize(
  rt: Interpreter,
  x: Node,
  mean: Value,
  variance: Value,
  w: Map<string, PyVariable>,
  epsilon: PyValue,
  epsilonSpan: Span,
  span: Span,
  weightShape: number[] | null = null,
): PyValue {
  const weight = (name: string) => {
    const v = w.get(name);
    if (!v) return null;
    return new GraphTensor(weightShape ? reshaped(rt, v.node, weightShape, span) : v.node, rt.rt);
  };
  return callOp(
    rt,
    'batch_normalization',
    [
      nodeArg(x, span),
      { value: mean, span },
      { value: variance, span },
      keyword(rt, 'offset', weight('beta'), span),
      keyword(rt, 'scale', weight('gamma'), span),
      keyword(rt, 'variance_epsilon', epsilon, epsilonSpan),
    ],
    span,
  );
}

/** Keras' `axis` (an int or a list of them, negative from the end) as the sorted axes of a
 *  rank-`rank` input. */
function axesOf(given: PyValue, rank: number, layer: string, span: Span): number[] {
  const items = given instanceof PyList || given instanceof PyTuple ? given.items : [given];
  const axes = items.map((a) => {
    const k = typeof a === 'bigint' ? Number(a) : NaN;
    if (!Number.isInteger(k) || k < -rank || k >= rank)
      throw pyError('ValueError', `${layer}: invalid axis ${pyRepr(a)} for an input of rank ${rank}`, span);
    return k < 0 ? k + rank : k;
  });
  if (new Set(axes).size !== axes.length) throw pyError('ValueError', `${layer}: duplicate axis in ${pyRepr(given)}`, span);
  return axes.sort((a, b) => a - b);
}

/** The sizes of `axes` in x's static shape, which the layer's weights are sized by. */
function knownSizes(x: Node, axes: number[], layer: string, span: Span): number[] {
  return axes.map((k) => {
    const n = x.type.shape?.[k];
    if (n === null || n === undefined)
      throw pyError(
        'ValueError',
        `${layer}: axis ${k} of the input must have a known size, got ${n === null ? 'None' : 'an unknown rank'}`,
        span,
      );
    return n;
  });
}

/** gamma (ones) unless scale=False, and beta (zeros) unless center=False, of `shape`. */
function scaleAndCenter(p: BoundPyArgs, init: MakeInitializer, shape: number[]) {
  const weight = (name: string, fallback: 'ones' | 'zeros') => ({
    name,
    shape,
    initializer: init(p.get(`${name}_initializer`, null), fallback, p.span(`${name}_initializer`)),
    span: p.span(`${name}_initializer`),
  });
  return [
    ...(p.get('scale', true) !== false ? [weight('gamma', 'ones')] : []),
    ...(p.get('center', true) !== false ? [weight('beta', 'zeros')] : []),
  ];
}

const rankOf = (x: Node, layer: string, span: Span): number => {
  if (x.type.shape === null) throw new OutsideSubset(`${layer} of an input of unknown rank is not modelled by tgraph`, span);
  return x.type.shape.length;
};

/** LayerNormalization: each sample's moments over `axis` (one or several); gamma and beta
 *  span those axes. */
function layerNormalization(init: MakeInitializer): LayerKind {
  const axes = (x: Node, p: BoundPyArgs, span: Span) =>
    axesOf(p.get('axis', -1n), rankOf(x, 'LayerNormalization', span), 'LayerNormalization', p.span('axis'));
  return {
    name: 'LayerNormalization',
    outputMask: 'propagate',
    scope: 'layer_normalization',
    weights: (_rt, x, p, site) => scaleAndCenter(p, init, knownSizes(x, axes(x, p, site.span), 'LayerNormalization', site.span)),
    apply: (rt, x, w, p, site) => {
      const over = axes(x, p, site.span);
      const rank = x.type.shape!.length;
      // gamma [d1, d2] broadcasts as it is over trailing axes; otherwise size-1 axes between.
      const trailing = over.every((k, i) => k === rank - over.length + i);
      const shape = trailing ? null : x.type.shape!.map((n, k) => (over.includes(k) ? (n as number) : 1));
      const [mean, variance] = momentsOver(rt, x, over, site.span);
      return normalize(rt, x, mean, variance, w, p.get('epsilon', 0.001), p.span('epsilon'), site.span, shape);
    },
  };
}

/** GroupNormalization: the channels (`axis`) split into `groups` of consecutive channels; each
 *  sample's group normalized over its channels and every other non-batch axis; gamma and beta
 *  per channel. */
function groupNormalization(init: MakeInitializer): LayerKind {
  const layout = (rt: Interpreter, x: Node, p: BoundPyArgs, span: Span) => {
    const rank = rankOf(x, 'GroupNormalization', span);
    const [axis] = axesOf(p.get('axis', -1n), rank, 'GroupNormalization', p.span('axis'));
    if (axis === 0) throw pyError('ValueError', 'GroupNormalization: the axis cannot be the batch axis', p.span('axis'));
    const [channels] = knownSizes(x, [axis], 'GroupNormalization', span);
    const groups = rt.rt.indexValue(p.get('groups', 32n), p.span('groups'));
    if (groups < 1 || groups > channels)
      throw pyError(
        'ValueError',
        `Number of groups (${groups}) cannot be more than the number of channels (${channels}).`,
        p.span('groups'),
      );
    if (channels % groups !== 0)
      throw pyError(
        'ValueError',
        `Number of groups (${groups}) must be a multiple of the number of channels (${channels}).`,
        p.span('groups'),
      );
    return { rank, axis, channels, groups };
  };
  return {
    name: 'GroupNormalization',
    outputMask: 'propagate',
    scope: 'group_normalization',
    weights: (rt, x, p, site) => scaleAndCenter(p, init, [layout(rt, x, p, site.span).channels]),
    apply: (rt, x, w, p, site) => {
      const { rank, axis, channels, groups } = layout(rt, x, p, site.span);
      const shape = x.type.shape!;
      if (shape.some((n, k) => k > 0 && n === null))
        throw new OutsideSubset('GroupNormalization of an input whose size is known only at run time is not modelled by tgraph', site.span);
      const split = (batch: number) => [
        batch,
        ...(shape.slice(1, axis) as number[]),
        groups,
        channels / groups,
        ...(shape.slice(axis + 1) as number[]),
      ];
      const grouped = reshaped(rt, x, split(-1), site.span);
      // Every axis of the grouped input but the batch's and the groups'.
      const over = Array.from({ length: rank }, (_, k) => k + 1).filter((k) => k !== axis);
      const [mean, variance] = momentsOver(rt, grouped, over, site.span);
      const weightShape = split(1).map((n, k) => (k === axis || k === axis + 1 ? n : 1));
      const y = normalize(rt, grouped, mean, variance, w, p.get('epsilon', 0.001), p.span('epsilon'), site.span, weightShape);
      return new GraphTensor(
        reshaped(rt, new Ops(rt, site.span).tensor(y, site.span), [-1, ...(shape.slice(1) as number[])], site.span),
        rt.rt,
      );
    },
  };
}

export function normalizationKinds(init: MakeInitializer): { kind: LayerKind; params: string[] }[] {
  const weightParams = ['center', 'scale', 'beta_initializer', 'gamma_initializer'];
  return [
    { kind: layerNormalization(init), params: ['axis', 'epsilon', ...weightParams] },
    {
      kind: groupNormalization(init),
      params: [
        'groups',
        'axis',
        'epsilon',
        ...weightParams,
        'beta_regularizer',
        'gamma_regularizer',
        'beta_constraint',
        'gamma_constraint',
      ],
    },
  ];
}

/** Normalization: (x − mean) / max(√variance, 1e-7) (with invert, x·max(√variance, 1e-7) +
 *  mean), the statistics per entry of the kept `axis` — given, or adapt()ed from an array:
 *  its mean and (biased) variance over every other axis, in float32 as Keras computes them. */
class NormalizationLayer extends PyObject {
  private statistics: { mean: Node; variance: Node } | null = null;
  constructor(readonly p: BoundPyArgs) {
    super();
  }
  get typeName(): string {
    return 'Normalization';
  }
  override repr(): string {
    return '<keras.layers.Normalization object>';
  }
  /** The kept axes of a rank-`rank` input (none for axis=None: one mean and variance). */
  private kept(rank: number): number[] {
    const given = this.p.get('axis', -1n);
    if (given === null) return [];
    const axes = axesOf(given, rank, 'Normalization', this.p.span('axis'));
    if (axes.includes(0)) throw pyError('ValueError', 'Normalization: the batch axis cannot be kept (axis=0)', this.p.span('axis'));
    return axes;
  }
  /** The statistics broadcast against an input like x: [1, ..., size of each kept axis, ...]. */
  private broadcastShape(x: Node, span: Span): number[] {
    const rank = rankOf(x, 'Normalization', span);
    const kept = this.kept(rank);
    const sizes = knownSizes(x, kept, 'Normalization', span);
    return Array.from({ length: rank }, (_, k) => (kept.includes(k) ? sizes[kept.indexOf(k)] : 1));
  }
  private adapt(rt: Interpreter, data: PyValue, span: Span): void {
    const o = new Ops(rt, span);
    const x = o.tensor(data, span, 'float32');
    if (x.type.shape === null || x.type.shape.some((n) => n === null))
      throw new OutsideSubset('Normalization.adapt() of data whose shape is known only at run time is not modelled by tgraph', span);
    const kept = this.kept(x.type.shape.length);
    const over = Array.from({ length: x.type.shape.length }, (_, k) => k).filter((k) => !kept.includes(k));
    const [mean, variance] = momentsOver(rt, x, over, span).map((v) => {
      if (v.kind !== 'tensor') throw pyError('TypeError', 'moments did not give tensors', span);
      return v.node;
    });
    this.statistics = { mean, variance };
  }
  /** The given mean or variance, or the adapted one, or Keras' starting 0 and 1. */
  private statistic(rt: Interpreter, name: 'mean' | 'variance', shape: number[], span: Span): Node {
    const o = new Ops(rt, span);
    const given = this.p.get(name, null);
    const value =
      given !== null
        ? o.tensor(given, this.p.span(name), 'float32')
        : this.statistics
          ? this.statistics[name]
          : o.call(name === 'mean' ? 'zeros' : 'ones', [], { shape: 1 });
    const size = shape.reduce((a, n) => a * n, 1);
    const count = value.type.shape?.reduce<number>((a, n) => a * (n ?? 0), 1);
    if (count !== 1 && count !== size)
      throw pyError(
        'ValueError',
        `Normalization: the ${name} has ${count} entries, the kept axes ${size}`,
        given !== null ? this.p.span(name) : span,
      );
    return count === 1 ? reshaped(rt, value, [], span) : reshaped(rt, value, shape, span);
  }
  override call(rt: Interpreter, a: PyValue[], kw: KeywordArg[], site: CallSite): PyValue {
    const call = bindArgs('Normalization', ['inputs'], a, kw, site);
    const span = call.span('inputs');
    const o = new Ops(rt, site.span);
    const x = o.tensor(call.get('inputs'), span, 'float32');
    const shape = this.broadcastShape(x, span);
    const mean = this.statistic(rt, 'mean', shape, site.span);
    const deviation = o.call('maximum', [o.call('sqrt', [this.statistic(rt, 'variance', shape, site.span)]), 1e-7]);
    const y =
      this.p.get('invert', false) === true
        ? o.call('add', [mean, o.call('multiply', [x, deviation])])
        : o.call('divide', [o.call('subtract', [x, mean]), deviation]);
    return new GraphTensor(y, rt.rt);
  }
  override getAttr(rt: Interpreter, name: string): PyValue | undefined {
    if (name === 'name') return kerasLayerName(this);
    switch (name) {
      case 'adapt':
        return new PyBuiltin('adapt', (a, kw, site) => {
          const p = bindArgs('adapt', ['data', 'batch_size', 'steps'], a, kw, site);
          this.adapt(rt, p.get('data'), p.span('data'));
          return null;
        });
      case 'trainable_variables':
      case 'trainable_weights':
        return new PyList([]);
    }
    return undefined;
  }
}

/** `tf.keras.layers.<Class>` for the normalizations that are not LayerKinds. */
export function normalizationLayers(): Record<string, () => PyBuiltin> {
  return {
    Normalization: () =>
      new PyBuiltin('tf.keras.layers.Normalization', (a, kw, site) => {
        const p = bindArgs('Normalization', ['axis', 'mean', 'variance', 'invert', 'name', 'dtype'], a, kw, site);
        if ((p.get('mean', null) === null) !== (p.get('variance', null) === null))
          throw pyError('ValueError', 'When setting values directly, both `mean` and `variance` must be set.', site.span);
        return new NormalizationLayer(p);
      }),
  };
}
