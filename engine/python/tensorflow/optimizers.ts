// Optimizers: TF 1.x's `tf.train.GradientDescentOptimizer/MomentumOptimizer/AdamOptimizer`
// and Keras' `tf.keras.optimizers.SGD/Adam`. Their gradients are the registry's gradients op
// (explained like tf.gradients); a step applies TensorFlow's update rule to the variables'
// values: at once in eager execution (the variable gets its new value), or, in a TF 1.x
// graph, as an operation whose `sess.run` writes the session's variables (the state every
// later run reads).
//
// The rules are TensorFlow's kernels' (ApplyGradientDescent, ApplyMomentum/KerasMomentum,
// ApplyAdam): Adam's step is lr·√(1-β2^t)/(1-β1^t) · m / (√v + ε) in both, with ε = 1e-8 in
// TF 1.x and 1e-7 in Keras.

import { controlInputs } from './collections';
import type { Span } from '../../syntax/ast';
import { tensorValue } from '../../builder';
import { type Tensor, isFloat } from '../../tensor';
import { lookupOp } from '../../ops/registry';
import {
  type CallSite,
  type KeywordArg,
  PyBuiltin,
  PyIterator,
  PyList,
  PyModule,
  PyObject,
  PyTuple,
  type PyValue,
  typeName,
} from '../values';
import { OutsideSubset, pyError } from '../errors';
import type { Interpreter } from '../interpreter';
import type { Runtime } from '../runtime';
import { args as bindArgs } from '../signature';
import { GraphTensor, fromGraphValue, method, toGraphValue } from './tensor';
import { PyOperation, PyVariable, variablesOf } from './variables';
import { eagerNumber, eagerValue, isEager, needsFeed } from './eager';
import type { PySession } from './session';

type Kind = 'sgd' | 'momentum' | 'adam';

interface Hyper {
  learningRate: number;
  /** A TF 1.x rate given as a tensor that needs feeds (a placeholder, a decay of the global
   *  step): read in each session run that steps. */
  learningRateTensor?: GraphTensor;
  momentum: number;
  nesterov: boolean;
  beta1: number;
  beta2: number;
  epsilon: number;
}

/** An optimizer's state in one session (or in eager execution): its step count and each
 *  variable's slots (momentum accumulator; Adam's m and v). */
interface State {
  steps: number;
  slots: Map<PyVariable, Float64Array[]>;
}

class PyOptimizer extends PyObject {
  private readonly states = new Map<PySession | 'eager', State>();

  constructor(
    readonly rt: Runtime,
    readonly kind: Kind,
    readonly keras: boolean,
    readonly name: string,
    readonly hyper: Hyper,
  ) {
    super();
  }
  get typeName(): string {
    return this.name;
  }
  override repr(): string {
    return this.keras
      ? `<keras.optimizers.${this.name} object>`
      : `<tensorflow.python.training.${this.name.toLowerCase()}.${this.name} object>`;
  }

  override getAttr(rt: Interpreter, name: string): PyValue | undefined {
    switch (name) {
      case 'compute_gradients':
        return method('compute_gradients', (a, kw, site) => {
          const p = bindArgs(
            'compute_gradients',
            ['loss', 'var_list', 'gate_gradients', 'aggregation_method', 'colocate_gradients_with_ops', 'grad_loss'],
            a,
            kw,
            site,
          );
          return this.computeGradients(rt, p.get('loss'), p.get('var_list', null), p.span('loss'), site);
        });
      case 'apply_gradients':
        return method('apply_gradients', (a, kw, site) => {
          const p = bindArgs(
            'apply_gradients',
            ['grads_and_vars', 'global_step', 'name', 'skip_gradients_aggregation', 'experimental_aggregate_gradients'],
            a,
            kw,
            site,
          );
          return this.applyGradients(rt, pairsOf(rt, p.get('grads_and_vars'), p.span('grads_and_vars')), p.get('global_step', null), site);
        });
      case 'minimize':
        return method('minimize', (a, kw, site) => {
          const p = bindArgs(
            'minimize',
            this.keras
              ? ['loss', 'var_list', 'tape']
              : [
                  'loss',
                  'global_step',
                  'var_list',
                  'gate_gradients',
                  'aggregation_method',
                  'colocate_gradients_with_ops',
                  'name',
                  'grad_loss',
                ],
            a,
            kw,
            site,
          );
          let loss = p.get('loss');
          if (this.keras || isEager(rt.rt)) {
            if (loss instanceof GraphTensor && this.keras)
              throw pyError('ValueError', '`tape` is required when a `Tensor` loss is passed.', p.span('loss'));
            if (!(loss instanceof GraphTensor)) loss = rt.call(loss, [], [], site);
          }
          const pairs = this.computeGradients(rt, loss, p.get('var_list', null), p.span('loss'), site);
          return this.applyGradients(rt, pairsOf(rt, pairs, site.span), p.get('global_step', null), site);
        });
      case 'learning_rate':
      case 'lr':
        return this.hyper.learningRateTensor ?? this.hyper.learningRate;
      case 'iterations':
        return BigInt(this.states.get('eager')?.steps ?? 0);
      case 'get_name':
        return method('get_name', () => this.name);
    }
    return undefined;
  }

  override setAttr(_rt: Interpreter, name: string, value: PyValue, span: Span): void {
    if ((name === 'learning_rate' || name === 'lr') && (typeof value === 'number' || typeof value === 'bigint')) {
      this.hyper.learningRate = Number(value);
      return;
    }
    throw pyError('AttributeError', `can't set attribute '${name}' of ${this.name}`, span);
  }

  /** `compute_gradients(loss, var_list=None)`: a list of (gradient, variable) pairs. */
  private computeGradients(rt: Interpreter, loss: PyValue, varList: PyValue, lossSpan: Span, site: CallSite): PyList {
    const vars =
      varList === null
        ? variablesOf(rt.rt).filter((v) => v.trainable)
        : rt.iterate(varList, site.span).filter((v): v is PyVariable => v instanceof PyVariable);
    if (vars.length === 0) throw pyError('ValueError', 'No variables to optimize.', site.span);
    const grads = fromGraphValue(
      rt.rt,
      rt.rt.b.call(
        lookupOp('gradients')!,
        [
          { value: toGraphValue(rt, loss, lossSpan), span: lossSpan },
          { value: { kind: 'list', items: vars.map((v) => tensorValue(v.node)) }, span: site.span },
        ],
        site.span,
      ),
    );
    const list = grads instanceof PyList ? grads.items : [grads];
    return new PyList(vars.map((v, i) => new PyTuple([list[i] ?? null, v])));
  }

  private applyGradients(rt: Interpreter, pairs: [PyValue, PyVariable][], globalStep: PyValue, site: CallSite): PyValue {
    const live = pairs.filter(([g]) => g !== null) as [GraphTensor, PyVariable][];
    if (live.length === 0)
      throw pyError(
        'ValueError',
        `No gradients provided for any variable: (${pairs.map(([, v]) => `'${v.name}:0'`).join(', ')}).`,
        site.span,
      );
    for (const [g] of live)
      if (!(g instanceof GraphTensor)) throw pyError('TypeError', `a gradient must be a tensor, got ${typeName(g)}`, site.span);
    if (isEager(rt.rt)) {
      this.step(
        'eager',
        live.map(([g, v]) => [eagerValue(rt.rt, g.node, site.span), v, eagerValue(rt.rt, v.node, site.span)]),
        (v, t) => v.setValue(t, site.span),
        undefined,
        site.span,
      );
      if (globalStep instanceof PyVariable) globalStep.assignEager(rt, 'assign_add', 1n, site.span, site);
      return null;
    }
    const step = globalStep instanceof PyVariable ? globalStep : null;
    return new PyOperation(
      this.name,
      [],
      // A step made inside `tf.control_dependencies(update_ops)` runs those updates too.
      [...live.map(([g]) => g), ...(this.hyper.learningRateTensor ? [this.hyper.learningRateTensor] : []), ...controlInputs(rt.rt)],
      (valueOf, session) => {
        const inputs: [Tensor, PyVariable, Tensor][] = live.map(([g, v]) => [valueOf(g.node)!, v, session.variables.get(v)!]);
        if (inputs.some(([g, , x]) => !g || !x)) return;
        const rate = this.hyper.learningRateTensor ? valueOf(this.hyper.learningRateTensor.node) : undefined;
        if (this.hyper.learningRateTensor && !rate) return;
        this.step(session, inputs, (v, t) => session.variables.set(v, t), rate ? Number(rate.data[0]) : undefined, site.span);
        const current = step && session.variables.get(step);
        if (step && current)
          session.variables.set(step, { ...current, data: current.data.map((x: number) => x + 1) as typeof current.data });
      },
    );
  }

  /** Variables whose step already said it made NaN or Inf (a training loop says it once). */
  private readonly diverged = new Set<PyVariable>();

  /** The update rule is computed here, not by graph ops, so the evaluator's NaN/Inf watch does
   *  not see it: a step that makes NaN or Inf from a finite value and gradient (a learning rate
   *  or momentum too large: training diverged) says so, as an op would. */
  private warnIfDiverged(v: PyVariable, before: Tensor, grad: Tensor, after: ArrayLike<number>, span: Span): void {
    if (this.diverged.has(v)) return;
    const bad = Array.prototype.findIndex.call(after, (y: number) => !Number.isFinite(y));
    if (bad < 0) return;
    const finite = (t: Tensor) => Array.prototype.every.call(t.data, (y: number) => Number.isFinite(y));
    if (!finite(before) || !finite(grad)) return;
    this.diverged.add(v);
    const value = after[bad];
    const what = Number.isNaN(value) ? 'NaN' : value > 0 ? 'Inf' : '-Inf';
    this.rt.report(
      span,
      'warning',
      'non-finite',
      `${this.name}'s step made ${what} in ${v.name} at index ${bad} from a finite value and gradient: training diverged (the learning rate or momentum is too large)`,
    );
  }

  /** One step of the update rule on every (gradient, variable, value). */
  private step(
    key: PySession | 'eager',
    items: [Tensor, PyVariable, Tensor][],
    write: (v: PyVariable, t: Tensor) => void,
    learningRate = this.hyper.learningRate,
    span?: Span,
  ): void {
    let state = this.states.get(key);
    if (!state) this.states.set(key, (state = { steps: 0, slots: new Map() }));
    state.steps++;
    const t = state.steps;
    const h = { ...this.hyper, learningRate };
    for (const [grad, v, value] of items) {
      if (!isFloat(value.dtype)) throw pyError('TypeError', `cannot optimize variable ${v.name} of dtype ${value.dtype}`, v.node.span);
      const n = value.data.length;
      let slots = state.slots.get(v);
      if (!slots) state.slots.set(v, (slots = [new Float64Array(n), new Float64Array(n)]));
      const x = Float64Array.from(value.data as ArrayLike<number>);
      const g = grad.data as ArrayLike<number>;
      const [m, s] = slots;
      const round = value.dtype === 'float32' ? Math.fround : (y: number) => y;
      switch (this.kind) {
        case 'sgd':
          for (let i = 0; i < n; i++) x[i] = round(x[i] - h.learningRate * g[i]);
          break;
        case 'momentum':
          // TF 1.x: accum = μ·accum + g; x -= lr·accum (nesterov: lr·g + lr·μ·accum). Keras'
          // velocity is -lr·accum: the same steps.
          for (let i = 0; i < n; i++) {
            m[i] = round(h.momentum * m[i] + g[i]);
            x[i] = round(x[i] - (h.nesterov ? h.learningRate * g[i] + h.learningRate * h.momentum * m[i] : h.learningRate * m[i]));
          }
          break;
        case 'adam': {
          const lrT = (h.learningRate * Math.sqrt(1 - h.beta2 ** t)) / (1 - h.beta1 ** t);
          for (let i = 0; i < n; i++) {
            m[i] = round(m[i] + (g[i] - m[i]) * (1 - h.beta1));
            s[i] = round(s[i] + (g[i] * g[i] - s[i]) * (1 - h.beta2));
            x[i] = round(x[i] - (lrT * m[i]) / (Math.sqrt(s[i]) + h.epsilon));
          }
          break;
        }
      }
      const data = value.dtype === 'float32' ? Float32Array.from(x) : x;
      if (span) this.warnIfDiverged(v, value, grad, data, span);
      write(v, { dtype: value.dtype, shape: value.shape.slice(), data });
    }
  }
}

/** `zip(grads, vars)`, a list of (gradient, variable) pairs. */
function pairsOf(rt: Interpreter, v: PyValue, span: Span): [PyValue, PyVariable][] {
  const items = v instanceof PyIterator || v instanceof PyList || v instanceof PyTuple ? v.items : rt.iterate(v, span);
  return items.map((pair) => {
    const parts = rt.iterate(pair, span);
    if (parts.length !== 2 || !(parts[1] instanceof PyVariable))
      throw pyError('TypeError', 'grads_and_vars must be (gradient, variable) pairs', span);
    return [parts[0], parts[1]];
  });
}

function number(p: ReturnType<typeof bindArgs>, name: string, fallback: number | null): number {
  const v = p.get(name, fallback === null ? undefined : fallback);
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  throw pyError('TypeError', `${name} must be a number, got ${typeName(v)}`, p.span(name));
}

/** `tf.train` (TF 1.x optimizers). */
export function trainModule(rt: Runtime): PyModule {
  const make = (name: string, kind: Kind, params: string[], defaults: Partial<Record<string, number>>) =>
    new PyBuiltin(`tf.train.${name}`, (a: PyValue[], kw: KeywordArg[], site: CallSite) => {
      const p = bindArgs(name, params, a, kw, site);
      const get = (k: string) => (params.includes(k) ? number(p, k, defaults[k] ?? null) : (defaults[k] ?? 0));
      // TF 1.x takes a tensor rate (a placeholder, tf.train.exponential_decay's): read when run.
      const rate = p.get('learning_rate', defaults.learning_rate ?? null);
      const rateTensor = rate instanceof GraphTensor && needsFeed(rate.node) ? rate : undefined;
      return new PyOptimizer(rt, kind, false, name, {
        learningRate: rateTensor
          ? NaN
          : rate instanceof GraphTensor
            ? Number(eagerNumber(rt, rate.node, p.span('learning_rate')))
            : get('learning_rate'),
        learningRateTensor: rateTensor,
        momentum: get('momentum'),
        nesterov: rt.interpreter.truth(p.get('use_nesterov', false), p.span('use_nesterov')),
        beta1: get('beta1'),
        beta2: get('beta2'),
        epsilon: get('epsilon'),
      });
    });
  return new PyModule('tensorflow.train', (name) => {
    switch (name) {
      case 'GradientDescentOptimizer':
        return make(name, 'sgd', ['learning_rate', 'use_locking', 'name'], {});
      case 'MomentumOptimizer':
        return make(name, 'momentum', ['learning_rate', 'momentum', 'use_locking', 'name', 'use_nesterov'], {});
      case 'AdamOptimizer':
        return make(name, 'adam', ['learning_rate', 'beta1', 'beta2', 'epsilon', 'use_locking', 'name'], {
          learning_rate: 0.001,
          beta1: 0.9,
          beta2: 0.999,
          epsilon: 1e-8,
        });
    }
    return undefined;
  });
}

/** `tf.keras.optimizers` (SGD with momentum, Adam). */
export function kerasOptimizersModule(rt: Runtime): PyModule {
  const make = (name: string, kind: 'sgd' | 'adam', params: string[], defaults: Record<string, number>) =>
    new PyBuiltin(`tf.keras.optimizers.${name}`, (a: PyValue[], kw: KeywordArg[], site: CallSite) => {
      // `lr` is Keras' old spelling of learning_rate.
      const renamed = kw.map((k) => (k.name === 'lr' ? { ...k, name: 'learning_rate' } : k));
      const p = bindArgs(
        name,
        [
          ...params,
          'name',
          'clipnorm',
          'clipvalue',
          'global_clipnorm',
          'weight_decay',
          'use_ema',
          'ema_momentum',
          'ema_overwrite_frequency',
          'jit_compile',
        ],
        a,
        renamed,
        site,
      );
      for (const unsupported of ['clipnorm', 'clipvalue', 'global_clipnorm', 'weight_decay', 'amsgrad']) {
        const v = p.get(unsupported, null);
        if (v !== null && v !== false)
          throw new OutsideSubset(`${name}(${unsupported}=...) is not modelled by tgraph`, p.span(unsupported));
      }
      const get = (k: string) => number(p, k, defaults[k]);
      const momentum = kind === 'sgd' ? get('momentum') : 0;
      return new PyOptimizer(rt, kind === 'sgd' && momentum !== 0 ? 'momentum' : kind, true, name, {
        learningRate: get('learning_rate'),
        momentum,
        nesterov: rt.interpreter.truth(p.get('nesterov', false), p.span('nesterov')),
        beta1: kind === 'adam' ? get('beta_1') : 0,
        beta2: kind === 'adam' ? get('beta_2') : 0,
        epsilon: kind === 'adam' ? get('epsilon') : 0,
      });
    });
  return new PyModule('tensorflow.keras.optimizers', (name) => {
    switch (name) {
      case 'SGD':
        return make(name, 'sgd', ['learning_rate', 'momentum', 'nesterov'], { learning_rate: 0.01, momentum: 0 });
      case 'Adam':
        return make(name, 'adam', ['learning_rate', 'beta_1', 'beta_2', 'epsilon', 'amsgrad'], {
          learning_rate: 0.001,
          beta_1: 0.9,
          beta_2: 0.999,
          epsilon: 1e-7,
        });
    }
    return undefined;
  });
}
