// Optimizers: TF 1.x's `tf.train.*Optimizer` and Keras' `tf.keras.optimizers.*`. Their
// gradients are the registry's gradients op (explained like tf.gradients); a step applies the
// optimizer's update rule (updateRules.ts) to the variables' values: at once in eager
// execution (the variable gets its new value), or, in a TF 1.x graph, as an operation whose
// `sess.run` writes the session's variables (the state every later run reads).
//
// Keras' optimizers also clip the gradients (clipnorm, global_clipnorm, clipvalue), decay the
// weights (weight_decay: x -= x·wd·lr before the rule) and take a learning-rate schedule, read
// at the step count before each step; TF <= 2.10's `decay=` divides that rate by
// 1 + decay·iterations, and use_ema keeps a moving average of the weights.

import { IndexedSlices, withIndexedSlices } from './indexedSlices';
import { controlInputs } from './collections';
import type { Span } from '../../syntax/ast';
import type { Node } from '../../graph';
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
import { GraphTensor, PyDType, fromGraphValue, method, toGraphValue } from './tensor';
import { PyOperation, PyVariable, makeVariable, variablesOf } from './variables';
import { eagerNumber, eagerValue, isEager, needsFeed } from './eager';
import type { PySession } from './session';
import { type Hyper, NO_HYPER, type RuleName, type StepContext, UPDATE_RULES } from './updateRules';
import { LEARNING_RATE_SCHEDULE, PySchedule, schedulesModule, scriptSchedule } from './learningRateSchedules';
import { PyInstance } from '../classes';
import { readsVariable, trainSchedule } from './trainSchedules';

interface Settings {
  learningRate: number;
  /** A TF 1.x rate given as a tensor that needs feeds (a placeholder, a decay of the global
   *  step): read in each session run that steps. */
  learningRateTensor?: GraphTensor;
  /** A Keras schedule: the rate at the step count before each step. */
  schedule?: PySchedule;
  /** A Keras rate given as a callable of no arguments: called before each step. */
  rateFunction?: PyValue;
  rule: Hyper;
  /** Keras' gradient clipping (at most one) and decoupled weight decay. */
  clipnorm?: number;
  globalClipnorm?: number;
  clipvalue?: number;
  weightDecay?: number;
  /** The TF <= 2.10 optimizers' `decay`: the rate divided by 1 + decay·iterations. */
  decay?: number;
  /** Keras' moving average of the weights (use_ema): its momentum, and every how many steps
   *  it is written back over the weights (ema_overwrite_frequency). */
  ema?: { momentum: number; overwriteFrequency?: number };
}

/** An optimizer's state in one session (or in eager execution): its step count and each
 *  variable's slots (momentum accumulator; Adam's m and v). */
interface State {
  steps: number;
  slots: Map<PyVariable, Float64Array[]>;
  /** Each variable's moving average (use_ema). */
  averages: Map<PyVariable, Float64Array>;
}

class PyOptimizer extends PyObject {
  private readonly states = new Map<PySession | 'eager', State>();

  constructor(
    readonly rt: Runtime,
    readonly kind: RuleName,
    readonly keras: boolean,
    readonly name: string,
    readonly hyper: Settings,
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

  override getAttr(rt: Interpreter, name: string, span: Span): PyValue | undefined {
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
            // Given the tape that recorded it, a tensor loss is differentiated as the tape would.
            if (loss instanceof GraphTensor && this.keras && p.get('tape', null) === null)
              throw pyError('ValueError', '`tape` is required when a `Tensor` loss is passed.', p.span('loss'));
            if (!(loss instanceof GraphTensor)) loss = rt.call(loss, [], [], site);
          }
          const pairs = this.computeGradients(rt, loss, p.get('var_list', null), p.span('loss'), site);
          return this.applyGradients(rt, pairsOf(rt, pairs, site.span), p.get('global_step', null), site);
        });
      case 'learning_rate':
      case 'lr':
        if (this.hyper.schedule) return this.hyper.schedule.tensorAt(rt, this.states.get('eager')?.steps ?? 0, span);
        if (this.keras && isEager(rt.rt) && this.hyper.rateFunction === undefined) return this.readBack(rt, 'learning_rate', span);
        return this.hyper.learningRateTensor ?? this.hyper.learningRate;
      case 'iterations':
        if (this.keras && isEager(rt.rt)) return this.readBack(rt, 'iteration', span);
        return BigInt(this.states.get('eager')?.steps ?? 0);
      case 'get_name':
        return method('get_name', () => this.name);
      case 'finalize_variable_values':
        return method('finalize_variable_values', (a, kw, site) => {
          const p = bindArgs('finalize_variable_values', ['var_list'], a, kw, site);
          return this.finalize(rt, p.get('var_list'), site);
        });
    }
    return undefined;
  }

  override setAttr(_rt: Interpreter, name: string, value: PyValue, span: Span): void {
    if ((name === 'learning_rate' || name === 'lr') && (typeof value === 'number' || typeof value === 'bigint')) {
      if (this.hyper.schedule)
        throw pyError(
          'TypeError',
          'This optimizer was created with a `LearningRateSchedule` object as its `learning_rate` constructor argument, hence its learning rate is not settable.',
          span,
        );
      this.hyper.learningRate = Number(value);
      this.kept.get('learning_rate')?.setValue({ dtype: 'float32', shape: [], data: Float32Array.of(Number(value)) }, span);
      return;
    }
    throw pyError('AttributeError', `can't set attribute '${name}' of ${this.name}`, span);
  }

  /** Keras' optimizer keeps its rate and step count in variables that a script reads back
   *  (`opt.iterations.numpy()`, `opt.lr.assign(0.01)`): made when first read, from then on
   *  the rate is the variable's and the count is written to it at each step. */
  private readonly kept = new Map<'learning_rate' | 'iteration', PyVariable>();

  private readBack(rt: Interpreter, name: 'learning_rate' | 'iteration', span: Span): PyVariable {
    let v = this.kept.get(name);
    if (!v) {
      const site: CallSite = { span, funcSpan: span, argSpans: [], argsSpan: span };
      const keyword = (k: string, value: PyValue): KeywordArg => ({ name: k, value, span });
      const initial = name === 'iteration' ? BigInt(this.states.get('eager')?.steps ?? 0) : this.hyper.learningRate;
      const made = makeVariable(
        rt,
        [initial],
        [
          keyword('trainable', false),
          keyword('name', name),
          keyword('dtype', new PyDType(name === 'iteration' ? 'int64' : 'float32', 'tf')),
        ],
        site,
      );
      if (!(made instanceof PyVariable)) throw pyError('TypeError', `the optimizer's ${name} must be a variable`, span);
      this.kept.set(name, (v = made));
    }
    return v;
  }

  /** The rate now: the read-back variable's value once the script has it. */
  private currentRate(span: Span): number {
    const v = this.kept.get('learning_rate');
    return v ? Number(eagerValue(this.rt, v.node, span).data[0]) : this.hyper.learningRate;
  }

  /** `compute_gradients(loss, var_list=None)`: a list of (gradient, variable) pairs. */
  private computeGradients(rt: Interpreter, loss: PyValue, varList: PyValue, lossSpan: Span, site: CallSite): PyList {
    const vars =
      varList === null
        ? variablesOf(rt.rt).filter((v) => v.trainable)
        : rt.iterate(varList, site.span).filter((v): v is PyVariable => v instanceof PyVariable);
    if (vars.length === 0) throw pyError('ValueError', 'No variables to optimize.', site.span);
    const sites = rt.rt.b.gradientSites.length;
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
    let list = grads instanceof PyList ? grads.items : [grads];
    // An embedding read by gathers has TensorFlow's IndexedSlices for its gradient.
    if (rt.rt.b.gradientSites.length === sites + 1) list = withIndexedSlices(rt.rt, list, rt.rt.b.gradientSites[sites], site.span);
    return new PyList(vars.map((v, i) => new PyTuple([list[i] ?? null, v])));
  }

  private applyGradients(rt: Interpreter, given: [PyValue, PyVariable][], globalStep: PyValue, site: CallSite): PyValue {
    // IndexedSlices are applied as their dense sum (a repeated id's rows summed, as TF 1.x's
    // _deduplicate_indexed_slices does); rules whose sparse kernel touches only the rows looked
    // up also get those rows (sparseRows).
    const rowsOf = new Map<PyVariable, Node>();
    for (const [g, v] of given) if (g instanceof IndexedSlices && this.sparseRows()) rowsOf.set(v, g.indices);
    const pairs = given.map(([g, v]): [PyValue, PyVariable] => [g instanceof IndexedSlices ? new GraphTensor(g.node, rt.rt) : g, v]);
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
      const rows = (v: PyVariable) => {
        const indices = rowsOf.get(v);
        return indices && eagerValue(rt.rt, indices, site.span);
      };
      this.step(
        'eager',
        live.map(([g, v]) => [eagerValue(rt.rt, g.node, site.span), v, eagerValue(rt.rt, v.node, site.span), rows(v)]),
        (v, t) => v.setValue(t, site.span),
        this.currentRate(site.span),
        site.span,
      );
      const steps = this.states.get('eager')!.steps;
      this.kept.get('iteration')?.setValue({ dtype: 'int64', shape: [], data: Float64Array.of(steps) }, site.span);
      if (globalStep instanceof PyVariable) globalStep.assignEager(rt, 'assign_add', 1n, site.span, site);
      return null;
    }
    const step = globalStep instanceof PyVariable ? globalStep : null;
    return new PyOperation(
      this.name,
      [],
      // A step made inside `tf.control_dependencies(update_ops)` runs those updates too.
      [
        ...live.map(([g]) => g),
        ...[...rowsOf.values()].map((n) => new GraphTensor(n, rt.rt)),
        ...(this.hyper.learningRateTensor ? [this.hyper.learningRateTensor] : []),
        ...controlInputs(rt.rt),
      ],
      (valueOf, session) => {
        const inputs: [Tensor, PyVariable, Tensor, Tensor | undefined][] = live.map(([g, v]) => {
          const indices = rowsOf.get(v);
          return [valueOf(g.node)!, v, session.variables.get(v)!, indices && valueOf(indices)];
        });
        if (inputs.some(([g, v, x, rows]) => !g || !x || (rowsOf.has(v) && !rows))) return;
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

  /** Whether an IndexedSlices gradient changes only the rows it looks up, slots included.
   *  TF 1.x's sparse kernels for Momentum, RMSProp, Adagrad, Adadelta and Ftrl
   *  (SparseApplyMomentum, ...) read and write only those rows, so the other rows' momentum
   *  neither decays nor moves them; GradientDescent and Adam (whose _apply_sparse decays m and
   *  v everywhere) are the dense update. So are Keras' optimizers (TF 2.11+ decay their slots
   *  everywhere before scattering), but not the legacy ones (OptimizerV2): SGD's momentum is
   *  ResourceSparseApplyKerasMomentum, RMSprop's with momentum, Adagrad's, Adadelta's and
   *  Ftrl's their Sparse* kernels (RMSprop without momentum decays its mean square everywhere). */
  private sparseRows(): boolean {
    const rowRules = ['momentum', 'rmsprop', 'adagrad', 'adadelta', 'ftrl'];
    if (!this.keras) return rowRules.includes(this.kind);
    const h = this.hyper.rule;
    return h.legacy && (this.kind === 'kerasMomentum' || (this.kind === 'rmsprop' ? h.momentum > 0 : rowRules.includes(this.kind)));
  }

  /** One step of the update rule on every (gradient, variable, value, rows: the ids an
   *  IndexedSlices gradient looked up, when only they change). */
  private step(
    key: PySession | 'eager',
    items: [Tensor, PyVariable, Tensor, Tensor?][],
    write: (v: PyVariable, t: Tensor) => void,
    learningRate = this.hyper.learningRate,
    span?: Span,
  ): void {
    let state = this.states.get(key);
    if (!state) this.states.set(key, (state = { steps: 0, slots: new Map(), averages: new Map() }));
    let lr = this.hyper.schedule
      ? this.hyper.schedule.rate(state.steps)
      : this.hyper.rateFunction !== undefined && span
        ? this.calledRate(this.hyper.rateFunction, span)
        : learningRate;
    if (this.hyper.decay) lr /= 1 + this.hyper.decay * state.steps;
    state.steps++;
    const grads = this.clipped(items.map(([g]) => g.data as ArrayLike<number>));
    items.forEach(([grad, v, value, rows], k) => {
      if (!isFloat(value.dtype)) throw pyError('TypeError', `cannot optimize variable ${v.name} of dtype ${value.dtype}`, v.node.span);
      const n = value.data.length;
      const rule = UPDATE_RULES[this.kind];
      let slots = state.slots.get(v);
      if (!slots) state.slots.set(v, (slots = rule.slots(this.hyper.rule).map((start) => new Float64Array(n).fill(start))));
      const round = value.dtype === 'float32' ? Math.fround : (y: number) => y;
      const x = Float64Array.from(value.data as ArrayLike<number>);
      const decay = this.hyper.weightDecay;
      if (decay) for (let i = 0; i < n; i++) x[i] = round(x[i] - x[i] * decay * lr);
      const context = { lr, t: state.steps, h: this.hyper.rule, round };
      if (rows) applyToRows(rule, x, grads[k], slots, context, rows, value.shape[0] ?? 1);
      else rule.apply(x, grads[k], slots, context);
      if (this.hyper.ema) this.average(state, v, x, round);
      const data = value.dtype === 'float32' ? Float32Array.from(x) : x;
      if (span) this.warnIfDiverged(v, value, grad, data, span);
      write(v, { dtype: value.dtype, shape: value.shape.slice(), data });
    });
  }

  /** Keras' use_ema after a step: the average moves toward the new weights (it is the weights
   *  themselves after the first step), and every ema_overwrite_frequency steps the weights
   *  become the average. */
  private average(state: State, v: PyVariable, x: Float64Array, round: (y: number) => number): void {
    const { momentum, overwriteFrequency } = this.hyper.ema!;
    let average = state.averages.get(v);
    if (!average) state.averages.set(v, (average = new Float64Array(x.length)));
    const kept = state.steps === 1 ? 0 : momentum;
    for (let i = 0; i < x.length; i++) average[i] = round(kept * average[i] + (1 - kept) * x[i]);
    if (overwriteFrequency && state.steps % overwriteFrequency === 0) x.set(average);
  }

  /** `finalize_variable_values(var_list)`: with use_ema, each variable takes its average (what
   *  model.fit does at the end of training). */
  private finalize(rt: Interpreter, varList: PyValue, site: CallSite): null {
    const averages = this.hyper.ema && this.states.get('eager')?.averages;
    if (!averages) return null;
    for (const v of rt.iterate(varList, site.span)) {
      const average = v instanceof PyVariable && averages.get(v);
      if (!average) continue;
      const value = eagerValue(rt.rt, v.node, site.span);
      const data = value.dtype === 'float32' ? Float32Array.from(average) : Float64Array.from(average);
      v.setValue({ dtype: value.dtype, shape: value.shape.slice(), data }, site.span);
    }
    return null;
  }

  /** A callable rate's value now (Keras calls it at each step). */
  private calledRate(f: PyValue, span: Span): number {
    const interpreter = this.rt.interpreter;
    const v = interpreter.call(f, [], [], { span, funcSpan: span, argSpans: [], argsSpan: span });
    if (typeof v === 'number' || typeof v === 'bigint') return Number(v);
    if (v instanceof GraphTensor || v instanceof PyVariable) {
      const t = eagerValue(this.rt, v.node, span);
      if (t.shape.length === 0) return Number(t.data[0]);
    }
    throw pyError('TypeError', `the learning rate callable must return a scalar, got ${typeName(v)}`, span);
  }

  /** Keras' clipping of the step's gradients: each to its own norm, all to their global norm,
   *  or each element to [-clipvalue, clipvalue]. */
  private clipped(grads: ArrayLike<number>[]): ArrayLike<number>[] {
    const { clipnorm, globalClipnorm, clipvalue } = this.hyper;
    const norm = (g: ArrayLike<number>) => {
      let sum = 0;
      for (let i = 0; i < g.length; i++) sum += g[i] * g[i];
      return Math.sqrt(sum);
    };
    const scaled = (g: ArrayLike<number>, by: number) => Float64Array.from(g, (y) => y * by);
    if (clipnorm) return grads.map((g) => scaled(g, clipnorm / Math.max(norm(g), clipnorm)));
    if (globalClipnorm) {
      const total = Math.sqrt(grads.reduce((a, g) => a + norm(g) ** 2, 0));
      return grads.map((g) => scaled(g, globalClipnorm / Math.max(total, globalClipnorm)));
    }
    if (clipvalue) return grads.map((g) => Float64Array.from(g, (y) => Math.min(Math.max(y, -clipvalue), clipvalue)));
    return grads;
  }
}

/** The rule applied to the given rows of x (and of its gradient and slots) only: the rules
 *  are elementwise, so the rows are gathered, stepped and written back. An id out of range
 *  is skipped (the gather that looked it up already said so). */
function applyToRows(
  rule: (typeof UPDATE_RULES)[RuleName],
  x: Float64Array,
  g: ArrayLike<number>,
  slots: Float64Array[],
  context: StepContext,
  rows: Tensor,
  rowCount: number,
): void {
  const width = rowCount > 0 ? x.length / rowCount : 0;
  const ids = [...new Set(Array.from(rows.data as ArrayLike<number | bigint>, Number))].filter((r) => r >= 0 && r < rowCount);
  const at = new Int32Array(ids.length * width);
  ids.forEach((r, i) => {
    for (let j = 0; j < width; j++) at[i * width + j] = r * width + j;
  });
  const gather = (from: ArrayLike<number>) => Float64Array.from(at, (i) => from[i]);
  const xs = gather(x);
  const slotRows = slots.map(gather);
  rule.apply(xs, gather(g), slotRows, context);
  at.forEach((i, k) => {
    x[i] = xs[k];
    slotRows.forEach((s, m) => (slots[m][i] = s[k]));
  });
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

/** An optimizer's Python signature: its rule, its own parameters with their defaults (in
 *  order; a boolean default is a flag) and which field of the rule's settings each sets. */
interface Signature {
  rule: RuleName;
  params: [name: string, fallback: number | boolean | null][];
  /** Settings the signature does not take (TF 1.x's Adagrad has no epsilon). */
  fixed?: Partial<Hyper>;
}

const FIELDS: Record<string, keyof Hyper> = {
  momentum: 'momentum',
  use_nesterov: 'nesterov',
  nesterov: 'nesterov',
  beta1: 'beta1',
  beta_1: 'beta1',
  beta2: 'beta2',
  beta_2: 'beta2',
  epsilon: 'epsilon',
  amsgrad: 'amsgrad',
  decay: 'rho',
  rho: 'rho',
  centered: 'centered',
  initial_accumulator_value: 'initialAccumulator',
  learning_rate_power: 'learningRatePower',
  l1_regularization_strength: 'l1',
  l2_regularization_strength: 'l2',
  l2_shrinkage_regularization_strength: 'l2Shrinkage',
  beta: 'ftrlBeta',
};

function ruleSettings(rt: Runtime, sig: Signature, p: ReturnType<typeof bindArgs>): Hyper {
  const h: Hyper = { ...NO_HYPER, ...sig.fixed };
  for (const [name, fallback] of sig.params) {
    const field = FIELDS[name];
    // TF 1.x's Ftrl takes beta=None for 0.
    if (!field || (p.has(name) && p.get(name) === null)) continue;
    if (typeof fallback === 'boolean') (h[field] as boolean) = rt.interpreter.truth(p.get(name, fallback), p.span(name));
    else (h[field] as number) = number(p, name, fallback);
  }
  return h;
}

const TF1_OPTIMIZERS: Record<string, Signature> = {
  GradientDescentOptimizer: { rule: 'sgd', params: [['learning_rate', null]] },
  MomentumOptimizer: {
    rule: 'momentum',
    params: [
      ['learning_rate', null],
      ['momentum', null],
      ['use_locking', false],
      ['name', null],
      ['use_nesterov', false],
    ],
  },
  AdamOptimizer: {
    rule: 'adam',
    params: [
      ['learning_rate', 0.001],
      ['beta1', 0.9],
      ['beta2', 0.999],
      ['epsilon', 1e-8],
    ],
  },
  // TF 1.x's RMSProp starts its mean square at 1, not 0: the first steps are smaller than Keras'.
  RMSPropOptimizer: {
    rule: 'rmsprop',
    params: [
      ['learning_rate', null],
      ['decay', 0.9],
      ['momentum', 0],
      ['epsilon', 1e-10],
      ['use_locking', false],
      ['centered', false],
    ],
    fixed: { initialAccumulator: 1 },
  },
  AdagradOptimizer: {
    rule: 'adagrad',
    params: [
      ['learning_rate', null],
      ['initial_accumulator_value', 0.1],
    ],
  },
  AdadeltaOptimizer: {
    rule: 'adadelta',
    params: [
      ['learning_rate', 0.001],
      ['rho', 0.95],
      ['epsilon', 1e-8],
    ],
  },
  FtrlOptimizer: {
    rule: 'ftrl',
    params: [
      ['learning_rate', null],
      ['learning_rate_power', -0.5],
      ['initial_accumulator_value', 0.1],
      ['l1_regularization_strength', 0],
      ['l2_regularization_strength', 0],
      ['use_locking', false],
      ['name', null],
      ['accum_name', null],
      ['linear_name', null],
      ['l2_shrinkage_regularization_strength', 0],
      ['beta', 0],
    ],
  },
};

/** `tf.train` (TF 1.x optimizers). */
export function trainModule(rt: Runtime): PyModule {
  return new PyModule('tensorflow.train', (name) => {
    if (!Object.hasOwn(TF1_OPTIMIZERS, name)) return trainSchedule(rt.interpreter, name);
    const sig = TF1_OPTIMIZERS[name];
    const params = sig.params.map(([k]) => k);
    for (const common of ['use_locking', 'name']) if (!params.includes(common)) params.push(common);
    return new PyBuiltin(`tf.train.${name}`, (a: PyValue[], kw: KeywordArg[], site: CallSite) => {
      const p = bindArgs(name, params, a, kw, site);
      // TF 1.x takes a tensor rate (a placeholder, tf.train.exponential_decay's): read when run.
      const rate = p.get('learning_rate', sig.params[0][1] ?? undefined);
      const rateTensor = rate instanceof GraphTensor && (needsFeed(rate.node) || readsVariable(rate)) ? rate : undefined;
      // Executing eagerly, a callable rate (an eager tf.compat.v1 decay) is called at each step.
      const rateFunction = rate instanceof PyObject && !(rate instanceof GraphTensor) && !(rate instanceof PyVariable) ? rate : undefined;
      return new PyOptimizer(rt, sig.rule, false, name, {
        rateFunction,
        learningRate:
          rateTensor || rateFunction
            ? NaN
            : rate instanceof GraphTensor
              ? Number(eagerNumber(rt, rate.node, p.span('learning_rate')))
              : number(p, 'learning_rate', null),
        learningRateTensor: rateTensor,
        rule: ruleSettings(rt, sig, p),
      });
    });
  });
}

// Keras' defaults are TensorFlow 2.11+'s (Keras 3's): epsilon 1e-7, inside the square root
// for Adagrad as for RMSprop.
const KERAS_OPTIMIZERS: Record<string, Signature> = {
  SGD: {
    rule: 'sgd',
    params: [
      ['learning_rate', 0.01],
      ['momentum', 0],
      ['nesterov', false],
    ],
  },
  Adam: {
    rule: 'adam',
    params: [
      ['learning_rate', 0.001],
      ['beta_1', 0.9],
      ['beta_2', 0.999],
      ['epsilon', 1e-7],
      ['amsgrad', false],
    ],
  },
  RMSprop: {
    rule: 'rmsprop',
    params: [
      ['learning_rate', 0.001],
      ['rho', 0.9],
      ['momentum', 0],
      ['epsilon', 1e-7],
      ['centered', false],
    ],
  },
  Adagrad: {
    rule: 'adagrad',
    params: [
      ['learning_rate', 0.001],
      ['initial_accumulator_value', 0.1],
      ['epsilon', 1e-7],
    ],
  },
  Adadelta: {
    rule: 'adadelta',
    params: [
      ['learning_rate', 0.001],
      ['rho', 0.95],
      ['epsilon', 1e-7],
    ],
  },
  // Adam with decoupled weight decay (Keras' weight_decay, on by default).
  AdamW: {
    rule: 'adam',
    params: [
      ['learning_rate', 0.001],
      ['weight_decay', 0.004],
      ['beta_1', 0.9],
      ['beta_2', 0.999],
      ['epsilon', 1e-7],
      ['amsgrad', false],
    ],
  },
  Lion: {
    rule: 'lion',
    params: [
      ['learning_rate', 0.001],
      ['beta_1', 0.9],
      ['beta_2', 0.99],
    ],
  },
  Adamax: {
    rule: 'adamax',
    params: [
      ['learning_rate', 0.001],
      ['beta_1', 0.9],
      ['beta_2', 0.999],
      ['epsilon', 1e-7],
    ],
  },
  Nadam: {
    rule: 'nadam',
    params: [
      ['learning_rate', 0.001],
      ['beta_1', 0.9],
      ['beta_2', 0.999],
      ['epsilon', 1e-7],
    ],
  },
  Ftrl: {
    rule: 'ftrl',
    params: [
      ['learning_rate', 0.001],
      ['learning_rate_power', -0.5],
      ['initial_accumulator_value', 0.1],
      ['l1_regularization_strength', 0],
      ['l2_regularization_strength', 0],
      ['l2_shrinkage_regularization_strength', 0],
      ['beta', 0],
    ],
  },
};

const KERAS_COMMON = [
  'weight_decay',
  'clipnorm',
  'clipvalue',
  'global_clipnorm',
  'use_ema',
  'ema_momentum',
  'ema_overwrite_frequency',
  'loss_scale_factor',
  'gradient_accumulation_steps',
  'name',
  'jit_compile',
  // TF <= 2.10's spelling (the legacy optimizers'), still in older scripts.
  'decay',
];

const LEGACY_COMMON = ['name', 'clipnorm', 'clipvalue', 'global_clipnorm', 'decay', 'jit_compile'];

/** A number or None (Keras' clipping and weight decay). */
function optionalNumber(p: ReturnType<typeof bindArgs>, name: string, fallback: number | null = null): number | undefined {
  const v = p.get(name, fallback);
  return v === null ? undefined : number(p, name, fallback);
}

function defaultOf(sig: Signature, name: string): number | null {
  const entry = sig.params.find(([k]) => k === name);
  return typeof entry?.[1] === 'number' ? entry[1] : null;
}

/** `tf.keras.optimizers`. */
export function kerasOptimizersModule(rt: Runtime): PyModule {
  const constructors = new Map<string, PyBuiltin>();
  const constructor = (name: string, legacy = false): PyBuiltin => {
    const key = `${legacy ? 'legacy.' : ''}${name}`;
    let made = constructors.get(key);
    if (!made) constructors.set(key, (made = kerasOptimizer(rt, name, KERAS_OPTIMIZERS[name], legacy)));
    return made;
  };
  // TF 2.11-2.15's home of the optimizers before 2.11 (OptimizerV2): no weight decay, AdamW or Lion.
  const legacy = new PyModule('tensorflow.keras.optimizers.legacy', (name) =>
    Object.hasOwn(KERAS_OPTIMIZERS, name) && !['AdamW', 'Lion'].includes(name) ? constructor(name, true) : undefined,
  );
  // `get('adam')` is the optimizer of that name with its defaults; an optimizer is itself.
  const get = new PyBuiltin('tf.keras.optimizers.get', (a: PyValue[], kw: KeywordArg[], site: CallSite) => {
    const p = bindArgs('get', ['identifier'], a, kw, site);
    const id = p.get('identifier');
    if (id instanceof PyOptimizer) return id;
    if (typeof id === 'string') {
      const name = Object.keys(KERAS_OPTIMIZERS).find((k) => k.toLowerCase() === id.toLowerCase());
      if (name) return rt.interpreter.call(constructor(name), [], [], site);
      throw pyError('ValueError', `Could not interpret optimizer identifier: ${id}`, p.span('identifier'));
    }
    throw new OutsideSubset(`tf.keras.optimizers.get of a ${typeName(id)} is not modelled by tgraph`, p.span('identifier'));
  });
  return new PyModule('tensorflow.keras.optimizers', (name) => {
    if (name === 'schedules') return schedulesModule(rt.interpreter);
    if (name === 'get') return get;
    if (name === 'legacy') return legacy;
    return Object.hasOwn(KERAS_OPTIMIZERS, name) ? constructor(name) : undefined;
  });
}

function kerasOptimizer(rt: Runtime, name: string, sig: Signature, legacy: boolean): PyBuiltin {
  const own = sig.params.map(([k]) => k);
  const params = [...own, ...(legacy ? LEGACY_COMMON : KERAS_COMMON).filter((k) => !own.includes(k))];
  return new PyBuiltin(`tf.keras.optimizers.${legacy ? 'legacy.' : ''}${name}`, (a: PyValue[], kw: KeywordArg[], site: CallSite) => {
    // `lr` is Keras' old spelling of learning_rate.
    const renamed = kw.map((k) => (k.name === 'lr' ? { ...k, name: 'learning_rate' } : k));
    const p = bindArgs(name, params, a, renamed, site);
    for (const unsupported of ['loss_scale_factor', 'gradient_accumulation_steps'])
      if (p.get(unsupported, null) !== null)
        throw new OutsideSubset(`${name}(${unsupported}=...) is not modelled by tgraph`, p.span(unsupported));
    const clips = ['clipnorm', 'clipvalue', 'global_clipnorm'].filter((k) => p.get(k, null) !== null);
    if (clips.length > 1)
      throw pyError(
        'ValueError',
        `Only one of \`clipnorm\`, \`clipvalue\` and \`global_clipnorm\` can be set. Received: ${clips.join(', ')}`,
        site.span,
      );
    const rate = p.get('learning_rate', defaultOf(sig, 'learning_rate'));
    const schedule =
      rate instanceof PySchedule
        ? rate
        : rate instanceof PyInstance && rate.cls.base === LEARNING_RATE_SCHEDULE
          ? scriptSchedule(rt.interpreter, rate, p.span('learning_rate'))
          : undefined;
    const rateFunction =
      !schedule && rate instanceof PyObject && !(rate instanceof GraphTensor) && !(rate instanceof PyVariable) ? rate : undefined;
    const learningRate =
      schedule || rateFunction
        ? NaN
        : rate instanceof GraphTensor || rate instanceof PyVariable
          ? Number(eagerNumber(rt, rate.node, p.span('learning_rate')))
          : number(p, 'learning_rate', defaultOf(sig, 'learning_rate'));
    const decay = optionalNumber(p, 'decay', 0);
    if (decay !== undefined && decay < 0)
      throw pyError('ValueError', `decay cannot be less than 0. Received: decay=${decay}.`, p.span('decay'));
    // A rate decay is TF <= 2.10's optimizer, whichever module the script reached it through.
    const rule = { ...ruleSettings(rt, sig, p), legacy: legacy || !!decay };
    const useEma = !legacy && rt.interpreter.truth(p.get('use_ema', false), p.span('use_ema'));
    return new PyOptimizer(rt, sig.rule === 'sgd' && rule.momentum !== 0 ? 'kerasMomentum' : sig.rule, true, name, {
      learningRate,
      schedule,
      rateFunction,
      rule,
      clipnorm: optionalNumber(p, 'clipnorm'),
      clipvalue: optionalNumber(p, 'clipvalue'),
      globalClipnorm: optionalNumber(p, 'global_clipnorm'),
      weightDecay: optionalNumber(p, 'weight_decay', defaultOf(sig, 'weight_decay')),
      decay: decay || undefined,
      ema: useEma
        ? { momentum: number(p, 'ema_momentum', 0.99), overwriteFrequency: optionalNumber(p, 'ema_overwrite_frequency') }
        : undefined,
    });
  });
}
