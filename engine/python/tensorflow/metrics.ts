// `tf.keras.metrics`: the accuracy functions as Keras defines them (a value per sample, or per
// element for `accuracy`), the losses under their metric names, and the stateful metric objects
// (Mean and the accuracies) whose update_state adds to a weighted total and count and whose
// result() is total / count, as Keras' Mean does. Objects keep their total in eager execution
// only (a TF 1.x graph's metric variables and update ops are outside the subset).

import type { Span } from '../../syntax/ast';
import type { Node } from '../../graph';
import { type CallSite, type KeywordArg, PyBuiltin, PyModule, PyObject, type PyValue } from '../values';
import { OutsideSubset } from '../errors';
import type { Interpreter } from '../interpreter';
import { type BoundPyArgs, args as bindArgs } from '../signature';
import { GraphTensor } from './tensor';
import { Ops, kerasLossesModule, matchedWeight } from './losses';
import { isEager } from './eager';

type MetricFunction = (o: Ops, yTrue: Node, yPred: Node, p: BoundPyArgs) => Node;

function asFloat(o: Ops, x: Node): Node {
  return x.type.dtype === 'float32' ? x : o.rt.rt.b.cast(x, 'float32');
}

/** 1 where equal, else 0, as float32 (the second cast to the first's dtype, as Keras does). */
function matches(o: Ops, a: Node, b: Node): Node {
  return asFloat(o, o.call('equal', [a, b.type.dtype === a.type.dtype ? b : o.rt.rt.b.cast(b, a.type.dtype)]));
}

/** Sparse labels of the predictions' rank lose their trailing axis of 1. */
function sparseLabels(o: Ops, yTrue: Node, yPred: Node): Node {
  const rank = yTrue.type.shape?.length;
  return rank !== undefined && rank === yPred.type.shape?.length ? o.call('squeeze', [yTrue], { axis: -1 }) : yTrue;
}

function topK(o: Ops, targets: Node, yPred: Node, p: BoundPyArgs): Node {
  const k = Number(p.get('k', 5n));
  const ids = targets.type.dtype === 'int32' ? targets : o.rt.rt.b.cast(targets, 'int32');
  return asFloat(o, o.call('in_top_k', [], { targets: ids, predictions: yPred, k }));
}

const FUNCTIONS: Record<string, { params: string[]; fn: MetricFunction }> = {
  accuracy: { params: [], fn: (o, t, p) => matches(o, t, p) },
  binary_accuracy: {
    params: ['threshold'],
    fn: (o, t, p, a) => {
      const threshold = Number(a.get('threshold', 0.5));
      const decided = o.rt.rt.b.cast(o.call('greater', [p, threshold]), p.type.dtype);
      return o.call('reduce_mean', [matches(o, t, decided)], { axis: -1 });
    },
  },
  categorical_accuracy: {
    params: [],
    fn: (o, t, p) => matches(o, o.call('argmax', [t], { axis: -1 }), o.call('argmax', [p], { axis: -1 })),
  },
  sparse_categorical_accuracy: {
    params: [],
    fn: (o, t, p) => matches(o, sparseLabels(o, t, p), o.call('argmax', [p], { axis: -1 })),
  },
  top_k_categorical_accuracy: { params: ['k'], fn: (o, t, p, a) => topK(o, o.call('argmax', [t], { axis: -1 }), p, a) },
  sparse_top_k_categorical_accuracy: { params: ['k'], fn: (o, t, p, a) => topK(o, sparseLabels(o, t, p), p, a) },
};

function metricValues(rt: Interpreter, name: string, p: BoundPyArgs, site: CallSite): Node {
  const o = new Ops(rt, site.span);
  return FUNCTIONS[name].fn(o, o.tensor(p.get('y_true'), p.span('y_true')), o.tensor(p.get('y_pred'), p.span('y_pred')), p);
}

/** A stateful metric: Keras' Mean over the values its function gives (the values themselves
 *  for Mean). */
class Metric extends PyObject {
  total: Node | null = null;
  count: Node | null = null;
  constructor(
    readonly cls: string,
    /** The metric function's name; null for Mean. */
    readonly fn: string | null,
    readonly options: KeywordArg[],
  ) {
    super();
  }
  get typeName(): string {
    return this.cls;
  }
  override repr(): string {
    return `<keras.metrics.${this.cls} object>`;
  }
  private update(rt: Interpreter, a: PyValue[], kw: KeywordArg[], site: CallSite): void {
    if (!isEager(rt.rt)) throw new OutsideSubset(`\`${this.cls}\` metric objects in a TF 1.x graph are outside tgraph's subset`, site.span);
    const o = new Ops(rt, site.span);
    const p = bindArgs('update_state', this.fn ? ['y_true', 'y_pred', 'sample_weight'] : ['values', 'sample_weight'], a, kw, site);
    const values = this.fn
      ? metricValues(
          rt,
          this.fn,
          bindArgs(this.fn, ['y_true', 'y_pred', ...FUNCTIONS[this.fn].params], [p.get('y_true'), p.get('y_pred')], this.options, site),
          site,
        )
      : asFloat(o, o.tensor(p.get('values'), p.span('values')));
    const given = p.get('sample_weight', null);
    // A weight is broadcast to the values: it counts once per value it weighs.
    const weight = given === null ? null : matchedWeight(o, values, o.tensor(given, p.span('sample_weight'), 'float32'));
    const sum = o.sum(weight ? o.call('multiply', [values, weight]) : values);
    const count = weight ? o.sum(o.call('multiply', [weight, o.call('ones_like', [values])])) : o.count(values);
    this.total = this.total ? o.call('add', [this.total, sum]) : sum;
    this.count = this.count ? o.call('add', [this.count, count]) : count;
  }
  private result(rt: Interpreter, site: CallSite): PyValue {
    // Before any update, 0 (Keras' 0 / 0 with divide_no_nan).
    if (!this.total || !this.count) return new GraphTensor(rt.rt.b.scalar(0, 'float32', site.span), rt.rt);
    return new GraphTensor(new Ops(rt, site.span).call('divide_no_nan', [this.total, this.count]), rt.rt);
  }
  override call(rt: Interpreter, a: PyValue[], kw: KeywordArg[], site: CallSite): PyValue {
    this.update(rt, a, kw, site);
    return this.result(rt, site);
  }
  override getAttr(rt: Interpreter, name: string): PyValue | undefined {
    switch (name) {
      case 'update_state':
        return new PyBuiltin(name, (a, kw, site) => {
          this.update(rt, a, kw, site);
          return null;
        });
      case 'result':
        return new PyBuiltin(name, (_a, _kw, site) => this.result(rt, site));
      case 'reset_state':
      case 'reset_states':
        return new PyBuiltin(name, () => {
          this.total = this.count = null;
          return null;
        });
    }
    return undefined;
  }
}

/** Metric classes: the function each averages (null: Mean of the values given). */
const CLASSES: Record<string, string | null> = {
  Mean: null,
  Accuracy: 'accuracy',
  BinaryAccuracy: 'binary_accuracy',
  CategoricalAccuracy: 'categorical_accuracy',
  SparseCategoricalAccuracy: 'sparse_categorical_accuracy',
  TopKCategoricalAccuracy: 'top_k_categorical_accuracy',
  SparseTopKCategoricalAccuracy: 'sparse_top_k_categorical_accuracy',
};

export function kerasMetricsModule(rt: Interpreter): PyModule {
  const losses = kerasLossesModule(rt, 'tensorflow.keras.metrics');
  return new PyModule('tensorflow.keras.metrics', (name, span: Span) => {
    if (Object.hasOwn(FUNCTIONS, name))
      return new PyBuiltin(
        `tf.keras.metrics.${name}`,
        (a, kw, site) =>
          new GraphTensor(
            metricValues(rt, name, bindArgs(name, ['y_true', 'y_pred', ...FUNCTIONS[name].params], a, kw, site), site),
            rt.rt,
          ),
      );
    if (Object.hasOwn(CLASSES, name)) {
      const fn = CLASSES[name];
      return new PyBuiltin(`tf.keras.metrics.${name}`, (a, kw, site) => {
        const p = bindArgs(name, [...(fn ? FUNCTIONS[fn].params : []), 'name', 'dtype'], a, kw, site);
        const options = (fn ? FUNCTIONS[fn].params : [])
          .filter((k) => p.has(k))
          .map((k) => ({ name: k, value: p.get(k), span: p.span(k) }));
        return new Metric(name, fn, options);
      });
    }
    // The losses are metrics under their function names (tf.keras.metrics.mean_squared_error).
    return /^[a-z_]+$/.test(name) ? losses.getAttr(rt, name, span) : undefined;
  });
}
