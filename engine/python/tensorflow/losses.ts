// Loss functions as TensorFlow defines them, composed of registry ops (so their gradients
// and explanations are the ops'): Keras' (`tf.keras.losses.*`, and `tf.losses.*` in TF 2) as
// functions of (y_true, y_pred) giving one loss per sample, and as loss objects reducing
// them (SUM_OVER_BATCH_SIZE by default); TF 1.x's `tf.losses.*` (graph mode, compat.v1) with
// their weights and SUM_BY_NONZERO_WEIGHTS reduction.

import type { Span } from '../../syntax/ast';
import type { Node } from '../../graph';
import { type CallArg, Poisoned, type Value, tensorValue } from '../../builder';
import { lookupOp } from '../../ops/registry';
import { isFloat } from '../../tensor';
import { type CallSite, type KeywordArg, PyBuiltin, PyModule, PyObject, type PyValue } from '../values';
import { pyError } from '../errors';
import type { Interpreter } from '../interpreter';
import { args as bindArgs } from '../signature';
import { GraphTensor, toGraphValue } from './tensor';

type Arg = Node | number | string;

/** Registry ops called from TypeScript, at one call site. */
export class Ops {
  constructor(
    readonly rt: Interpreter,
    readonly span: Span,
  ) {}
  private value(a: Arg): Value {
    if (typeof a === 'object') return tensorValue(a);
    if (typeof a === 'string') return { kind: 'string', value: a };
    return toGraphValue(this.rt, a, this.span);
  }
  call(name: string, args: Arg[], kw: Record<string, Arg> = {}): Node {
    const callArgs: CallArg[] = args.map((a) => ({ value: this.value(a), span: this.span }));
    for (const [k, v] of Object.entries(kw))
      callArgs.push({ keyword: { name: k, span: this.span }, value: this.value(v), span: this.span });
    const r = this.rt.rt.b.call(lookupOp(name)!, callArgs, this.span);
    if (r.kind !== 'tensor') throw new Poisoned();
    return r.node;
  }
  /** A Python argument as a tensor (of `dtype` when given: Keras casts y_true to y_pred's). */
  tensor(v: PyValue, span: Span, dtype?: Node['type']['dtype']): Node {
    const b = this.rt.rt.b;
    const n = b.toTensor(toGraphValue(this.rt, v, span), span, dtype);
    return dtype && n.type.dtype !== dtype ? b.cast(n, dtype) : n;
  }
  /** The number of elements of x, in x's dtype. */
  count(x: Node): Node {
    return this.rt.rt.b.cast(this.call('size', [x]), x.type.dtype);
  }
  mean(x: Node, axis?: number): Node {
    return axis === undefined ? this.call('reduce_mean', [x]) : this.call('reduce_mean', [x], { axis });
  }
  sum(x: Node, axis?: number): Node {
    return axis === undefined ? this.call('reduce_sum', [x]) : this.call('reduce_sum', [x], { axis });
  }
}

const EPSILON = 1e-7;

interface LossOptions {
  fromLogits: boolean;
  delta: number;
  axis: number;
  labelSmoothing: number;
}

/** Label smoothing as TensorFlow and Keras define it: the labels pulled toward the uniform
 *  distribution, y·(1 − s) + s / classes, where a binary (sigmoid) label has 2 classes and a
 *  categorical one as many as its class axis (counted at run time, so an unknown size works). */
function smoothLabels(o: Ops, labels: Node, smoothing: number, classAxis: number | 'binary'): Node {
  if (smoothing === 0) return labels;
  const kept = o.call('multiply', [labels, 1 - smoothing]);
  if (classAxis === 'binary') return o.call('add', [kept, smoothing / 2]);
  const classes = o.call('divide', [o.count(labels), o.count(o.sum(labels, classAxis))]);
  return o.call('add', [kept, o.call('divide', [smoothing, classes])]);
}

/** A Keras loss: one value per sample (the last axis reduced). */
type KerasLoss = (o: Ops, yTrue: Node, yPred: Node, opt: LossOptions) => Node;

const huberElements = (o: Ops, err: Node, delta: number) => {
  const abs = o.call('abs', [err]);
  const quadratic = o.call('multiply', [0.5, o.call('square', [err])]);
  const linear = o.call('subtract', [o.call('multiply', [delta, abs]), 0.5 * delta * delta]);
  return o.call('where', [o.call('less_equal', [abs, delta]), quadratic, linear]);
};

const bceElements = (o: Ops, t: Node, p: Node, fromLogits: boolean) => {
  if (fromLogits) return o.call('sigmoid_cross_entropy_with_logits', [], { labels: t, logits: p });
  const out = o.call('clip_by_value', [p, EPSILON, 1 - EPSILON]);
  const pos = o.call('multiply', [t, o.call('log', [o.call('add', [out, EPSILON])])]);
  const neg = o.call('multiply', [o.call('subtract', [1, t]), o.call('log', [o.call('add', [o.call('subtract', [1, out]), EPSILON])])]);
  return o.call('negative', [o.call('add', [pos, neg])]);
};

/** 1 − y·ŷ clipped at 0. Keras takes labels that are all 0 or 1 as {−1, 1} (2y − 1), decided
 *  on the values at run time; other labels as given. */
const hingeElements = (o: Ops, t: Node, p: Node) => {
  const binary = o.call('reduce_all', [o.call('logical_or', [o.call('equal', [t, 0]), o.call('equal', [t, 1])])]);
  const signs = o.call('where', [binary, o.call('subtract', [o.call('multiply', [2, t]), 1]), t]);
  return o.call('relu', [o.call('subtract', [1, o.call('multiply', [signs, p])])]);
};

const KERAS_LOSSES: Record<string, { fn: KerasLoss; options: string[]; sparse?: boolean }> = {
  mean_squared_error: { fn: (o, t, p) => o.mean(o.call('square', [o.call('subtract', [p, t])]), -1), options: [] },
  mean_absolute_error: { fn: (o, t, p) => o.mean(o.call('abs', [o.call('subtract', [p, t])]), -1), options: [] },
  mean_squared_logarithmic_error: {
    fn: (o, t, p) => {
      const logOf = (x: Node) => o.call('log', [o.call('add', [o.call('maximum', [x, EPSILON]), 1])]);
      return o.mean(o.call('square', [o.call('subtract', [logOf(p), logOf(t)])]), -1);
    },
    options: [],
  },
  huber: { fn: (o, t, p, opt) => o.mean(huberElements(o, o.call('subtract', [p, t]), opt.delta), -1), options: ['delta'] },
  log_cosh: {
    fn: (o, t, p) => {
      const x = o.call('subtract', [p, t]);
      return o.mean(o.call('subtract', [o.call('add', [x, o.call('softplus', [o.call('multiply', [-2, x])])]), Math.LN2]), -1);
    },
    options: [],
  },
  binary_crossentropy: {
    fn: (o, t, p, opt) => o.mean(bceElements(o, smoothLabels(o, t, opt.labelSmoothing, 'binary'), p, opt.fromLogits), opt.axis),
    options: ['from_logits', 'label_smoothing', 'axis'],
  },
  categorical_crossentropy: {
    fn: (o, labels, p, opt) => {
      const t = smoothLabels(o, labels, opt.labelSmoothing, opt.axis);
      if (opt.fromLogits) return o.call('softmax_cross_entropy_with_logits', [], { labels: t, logits: p, axis: opt.axis });
      const normalised = o.call('divide', [p, o.call('reduce_sum', [p], { axis: opt.axis, keepdims: 1 })]);
      const out = o.call('clip_by_value', [normalised, EPSILON, 1 - EPSILON]);
      return o.call('negative', [o.sum(o.call('multiply', [t, o.call('log', [out])]), opt.axis)]);
    },
    options: ['from_logits', 'label_smoothing', 'axis'],
  },
  sparse_categorical_crossentropy: {
    fn: (o, t, p, opt) => {
      const logits = opt.fromLogits ? p : o.call('log', [o.call('clip_by_value', [p, EPSILON, 1 - EPSILON])]);
      return o.call('sparse_softmax_cross_entropy_with_logits', [], { labels: t, logits });
    },
    options: ['from_logits', 'axis', 'ignore_class'],
    sparse: true,
  },
  kl_divergence: {
    fn: (o, t, p) => {
      const tc = o.call('clip_by_value', [t, EPSILON, 1]);
      const pc = o.call('clip_by_value', [p, EPSILON, 1]);
      return o.sum(o.call('multiply', [tc, o.call('log', [o.call('divide', [tc, pc])])]), -1);
    },
    options: [],
  },
  hinge: { fn: (o, t, p) => o.mean(hingeElements(o, t, p), -1), options: [] },
  squared_hinge: { fn: (o, t, p) => o.mean(o.call('square', [hingeElements(o, t, p)]), -1), options: [] },
  categorical_hinge: {
    fn: (o, t, p) => {
      const positive = o.sum(o.call('multiply', [t, p]), -1);
      const negative = o.call('reduce_max', [o.call('multiply', [o.call('subtract', [1, t]), p])], { axis: -1 });
      return o.call('relu', [o.call('add', [o.call('subtract', [negative, positive]), 1])]);
    },
    options: [],
  },
  poisson: {
    fn: (o, t, p) => o.mean(o.call('subtract', [p, o.call('multiply', [t, o.call('log', [o.call('add', [p, EPSILON])])])]), -1),
    options: [],
  },
  mean_absolute_percentage_error: {
    fn: (o, t, p) => {
      const relative = o.call('divide', [o.call('subtract', [t, p]), o.call('maximum', [o.call('abs', [t]), EPSILON])]);
      return o.call('multiply', [100, o.mean(o.call('abs', [relative]), -1)]);
    },
    options: [],
  },
  cosine_similarity: {
    fn: (o, t, p, opt) => {
      const unit = (x: Node) => o.call('l2_normalize', [x], { axis: opt.axis });
      return o.call('negative', [o.sum(o.call('multiply', [unit(t), unit(p)]), opt.axis)]);
    },
    options: ['axis'],
  },
};

const ALIASES: Record<string, string> = {
  mse: 'mean_squared_error',
  MSE: 'mean_squared_error',
  mae: 'mean_absolute_error',
  MAE: 'mean_absolute_error',
  msle: 'mean_squared_logarithmic_error',
  MSLE: 'mean_squared_logarithmic_error',
  kld: 'kl_divergence',
  KLD: 'kl_divergence',
  kullback_leibler_divergence: 'kl_divergence',
  logcosh: 'log_cosh',
  mape: 'mean_absolute_percentage_error',
  MAPE: 'mean_absolute_percentage_error',
};

const CLASSES: Record<string, string> = {
  MeanSquaredError: 'mean_squared_error',
  MeanAbsoluteError: 'mean_absolute_error',
  MeanSquaredLogarithmicError: 'mean_squared_logarithmic_error',
  Huber: 'huber',
  LogCosh: 'log_cosh',
  BinaryCrossentropy: 'binary_crossentropy',
  CategoricalCrossentropy: 'categorical_crossentropy',
  SparseCategoricalCrossentropy: 'sparse_categorical_crossentropy',
  KLDivergence: 'kl_divergence',
  Hinge: 'hinge',
  SquaredHinge: 'squared_hinge',
  CategoricalHinge: 'categorical_hinge',
  Poisson: 'poisson',
  MeanAbsolutePercentageError: 'mean_absolute_percentage_error',
  CosineSimilarity: 'cosine_similarity',
};

function lossOptions(p: ReturnType<typeof bindArgs>, rt: Interpreter): LossOptions {
  const num = (name: string, fallback: number) => {
    const v = p.get(name, null);
    return typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : fallback;
  };
  return {
    fromLogits: rt.truth(p.get('from_logits', false), p.span('from_logits')),
    delta: num('delta', 1),
    axis: num('axis', -1),
    labelSmoothing: num('label_smoothing', 0),
  };
}

/** The per-sample losses of `name` for (y_true, y_pred). */
function kerasLoss(
  rt: Interpreter,
  name: string,
  yTrue: PyValue,
  yPred: PyValue,
  spans: [Span, Span],
  opt: LossOptions,
  site: CallSite,
): Node {
  const o = new Ops(rt, site.span);
  const def = KERAS_LOSSES[name];
  const p = o.tensor(yPred, spans[1]);
  const t = def.sparse ? o.tensor(yTrue, spans[0]) : o.tensor(yTrue, spans[0], p.type.dtype);
  const labels = def.sparse && isFloat(t.type.dtype) ? rt.rt.b.cast(t, 'int32') : t;
  // Keras squeezes a trailing axis of 1 from sparse labels (y_true of shape [batch, 1]).
  const squeezed =
    def.sparse && labels.type.shape && p.type.shape && labels.type.shape.length === p.type.shape.length
      ? o.call('squeeze', [labels], { axis: -1 })
      : labels;
  return def.fn(o, squeezed, p, opt);
}

/** `tf.keras.losses.mean_squared_error(y_true, y_pred)` and the other functions. */
function lossFunction(rt: Interpreter, name: string): PyBuiltin {
  return new PyBuiltin(`tf.keras.losses.${name}`, (a, kw, site) => {
    const p = bindArgs(name, ['y_true', 'y_pred', ...KERAS_LOSSES[name].options], a, kw, site);
    return new GraphTensor(
      kerasLoss(rt, name, p.get('y_true'), p.get('y_pred'), [p.span('y_true'), p.span('y_pred')], lossOptions(p, rt), site),
      rt.rt,
    );
  });
}

/** `tf.keras.losses.MeanSquaredError(reduction=..., name=...)`: called with
 *  (y_true, y_pred, sample_weight=None). */
class KerasLossObject extends PyObject {
  constructor(
    readonly fn: string,
    readonly options: LossOptions,
    readonly reduction: string,
  ) {
    super();
  }
  get typeName(): string {
    return 'Loss';
  }
  override call(rt: Interpreter, a: PyValue[], kw: KeywordArg[], site: CallSite): PyValue {
    const p = bindArgs('__call__', ['y_true', 'y_pred', 'sample_weight'], a, kw, site);
    let losses = kerasLoss(rt, this.fn, p.get('y_true'), p.get('y_pred'), [p.span('y_true'), p.span('y_pred')], this.options, site);
    const o = new Ops(rt, site.span);
    const weight = p.get('sample_weight', null);
    if (weight !== null)
      losses = o.call('multiply', [losses, matchedWeight(o, losses, o.tensor(weight, p.span('sample_weight'), losses.type.dtype))]);
    switch (this.reduction) {
      case 'none':
        return new GraphTensor(losses, rt.rt);
      case 'sum':
        return new GraphTensor(o.sum(losses), rt.rt);
      default:
        // SUM_OVER_BATCH_SIZE: the sum over the number of per-sample losses.
        return new GraphTensor(o.call('divide', [o.sum(losses), o.count(losses)]), rt.rt);
    }
  }
}

/** Keras' sample weights against the per-sample losses, one rank apart either way: a weight
 *  of one more rank loses its trailing axis of 1 (a [batch, 1] column weighs each sample, not
 *  broadcast into a [batch, batch] table); one of one less rank gains it (a weight per
 *  sequence over per-step losses). */
export function matchedWeight(o: Ops, losses: Node, weight: Node): Node {
  const lossRank = losses.type.shape?.length;
  const weightRank = weight.type.shape?.length;
  if (lossRank === undefined || weightRank === undefined || weightRank === 0) return weight;
  if (weightRank === lossRank + 1) return o.call('squeeze', [weight], { axis: -1 });
  if (weightRank === lossRank - 1) return o.call('expand_dims', [weight], { axis: -1 });
  return weight;
}

function lossClass(rt: Interpreter, cls: string): PyBuiltin {
  const fn = CLASSES[cls];
  return new PyBuiltin(`tf.keras.losses.${cls}`, (a, kw, site) => {
    const params = [
      ...KERAS_LOSSES[fn].options.filter((x) => x !== 'axis' || fn.includes('crossentropy') || fn === 'cosine_similarity'),
      'reduction',
      'name',
    ];
    const p = bindArgs(cls, fn === 'huber' ? ['delta', 'reduction', 'name'] : params, a, kw, site);
    const reduction = p.get('reduction', 'auto');
    if (typeof reduction !== 'string' || !['auto', 'none', 'sum', 'sum_over_batch_size'].includes(reduction))
      throw pyError('ValueError', `Invalid Reduction Key: ${String(reduction)}.`, p.span('reduction'));
    return new KerasLossObject(fn, lossOptions(p, rt), reduction);
  });
}

/** `tf.keras.losses`: functions, their short names, loss classes and `Reduction`. */
export function kerasLossesModule(rt: Interpreter, path = 'tensorflow.keras.losses'): PyModule {
  return new PyModule(path, (name) => {
    const fn = ALIASES[name] ?? name;
    if (fn in KERAS_LOSSES) return lossFunction(rt, fn);
    if (name in CLASSES) return lossClass(rt, name);
    if (name === 'Reduction')
      return new PyModule(`${path}.Reduction`, (r) =>
        ['AUTO', 'NONE', 'SUM', 'SUM_OVER_BATCH_SIZE'].includes(r) ? r.toLowerCase() : undefined,
      );
    if (name === 'get')
      return new PyBuiltin('tf.keras.losses.get', (a, _kw, site) =>
        typeof a[0] === 'string' ? (kerasLossesModule(rt).getAttr(rt, a[0], site.span) ?? null) : (a[0] ?? null),
      );
    return undefined;
  });
}

// ---- TF 1.x tf.losses ------------------------------------------------------------------------

type V1Loss = (o: Ops, labels: Node, predictions: Node, extra: Record<string, number>) => Node;

const V1_LOSSES: Record<string, { params: [string, string]; extra: Record<string, number>; fn: V1Loss; sparse?: boolean }> = {
  mean_squared_error: { params: ['labels', 'predictions'], extra: {}, fn: (o, l, p) => o.call('squared_difference', [p, l]) },
  absolute_difference: { params: ['labels', 'predictions'], extra: {}, fn: (o, l, p) => o.call('abs', [o.call('subtract', [p, l])]) },
  huber_loss: {
    params: ['labels', 'predictions'],
    extra: { delta: 1 },
    fn: (o, l, p, e) => huberElements(o, o.call('subtract', [p, l]), e.delta),
  },
  log_loss: {
    params: ['labels', 'predictions'],
    extra: { epsilon: 1e-7 },
    fn: (o, l, p, e) => {
      const pos = o.call('multiply', [l, o.call('log', [o.call('add', [p, e.epsilon])])]);
      const neg = o.call('multiply', [o.call('subtract', [1, l]), o.call('log', [o.call('add', [o.call('subtract', [1, p]), e.epsilon])])]);
      return o.call('subtract', [o.call('negative', [pos]), neg]);
    },
  },
  hinge_loss: {
    params: ['labels', 'logits'],
    extra: {},
    fn: (o, l, p) =>
      o.call('relu', [o.call('subtract', [1, o.call('multiply', [o.call('subtract', [o.call('multiply', [2, l]), 1]), p])])]),
  },
  sigmoid_cross_entropy: {
    params: ['multi_class_labels', 'logits'],
    extra: { label_smoothing: 0 },
    fn: (o, l, p, e) =>
      o.call('sigmoid_cross_entropy_with_logits', [], { labels: smoothLabels(o, l, e.label_smoothing, 'binary'), logits: p }),
  },
  softmax_cross_entropy: {
    params: ['onehot_labels', 'logits'],
    extra: { label_smoothing: 0 },
    fn: (o, l, p, e) => o.call('softmax_cross_entropy_with_logits', [], { labels: smoothLabels(o, l, e.label_smoothing, -1), logits: p }),
  },
  sparse_softmax_cross_entropy: {
    params: ['labels', 'logits'],
    extra: {},
    fn: (o, l, p) => o.call('sparse_softmax_cross_entropy_with_logits', [], { labels: l, logits: p }),
    sparse: true,
  },
};

/** TF 1.x `tf.losses.mean_squared_error(labels, predictions, weights=1.0, ...)`: the
 *  weighted losses summed over the number of non-zero weights (SUM_BY_NONZERO_WEIGHTS). */
function v1Loss(rt: Interpreter, name: string): PyBuiltin {
  const def = V1_LOSSES[name];
  return new PyBuiltin(`tf.losses.${name}`, (a, kw, site) => {
    const [first, second] = def.params;
    const p = bindArgs(name, [first, second, 'weights', ...Object.keys(def.extra), 'scope', 'loss_collection', 'reduction'], a, kw, site);
    const o = new Ops(rt, site.span);
    const pred = o.tensor(p.get(second), p.span(second));
    const labels = def.sparse ? o.tensor(p.get(first), p.span(first)) : o.tensor(p.get(first), p.span(first), pred.type.dtype);
    const extra = Object.fromEntries(Object.entries(def.extra).map(([k, d]) => [k, Number(p.get(k, d))]));
    const losses = def.fn(o, labels, pred, extra);
    const weights = o.tensor(p.get('weights', 1), p.span('weights'), losses.type.dtype);
    const weighted = o.call('multiply', [losses, weights]);
    const reduction = p.get('reduction', 'weighted_sum_by_nonzero_weights');
    if (reduction === 'none') return new GraphTensor(weighted, rt.rt);
    const total = o.sum(weighted);
    if (reduction === 'weighted_sum') return new GraphTensor(total, rt.rt);
    if (reduction === 'weighted_mean')
      return new GraphTensor(o.call('divide', [total, o.sum(o.call('multiply', [o.call('ones_like', [losses]), weights]))]), rt.rt);
    if (reduction === 'weighted_sum_over_batch_size') return new GraphTensor(o.call('divide', [total, o.count(losses)]), rt.rt);
    const nonzero = rt.rt.b.cast(
      o.call('count_nonzero', [o.call('multiply', [o.call('ones_like', [losses]), weights])]),
      losses.type.dtype,
    );
    return new GraphTensor(o.call('divide', [total, nonzero]), rt.rt);
  });
}

/** `tf.losses` / `tf.compat.v1.losses` in a TF 1.x graph. */
export function v1LossesModule(rt: Interpreter): PyModule {
  return new PyModule('tensorflow.losses', (name) => {
    if (name in V1_LOSSES) return v1Loss(rt, name);
    if (name === 'Reduction') {
      const keys: Record<string, string> = {
        NONE: 'none',
        SUM: 'weighted_sum',
        MEAN: 'weighted_mean',
        SUM_BY_NONZERO_WEIGHTS: 'weighted_sum_by_nonzero_weights',
        SUM_OVER_NONZERO_WEIGHTS: 'weighted_sum_by_nonzero_weights',
        SUM_OVER_BATCH_SIZE: 'weighted_sum_over_batch_size',
      };
      return new PyModule('tensorflow.losses.Reduction', (r) => keys[r]);
    }
    return undefined;
  });
}
