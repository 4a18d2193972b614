// TF 1.x's learning-rate decays and the global step: `tf.train.get_or_create_global_step()`
// is one non-trainable int64 variable that `minimize(..., global_step=...)` increments, and
// the decays (`tf.train.exponential_decay`, …, written once in decayFormulas.ts) are built
// here as graph tensors of it, so each `sess.run` that steps reads the rate of the step it is at (the
// optimizer takes a rate that depends on a variable as it takes a fed one).

import type { Span } from '../../syntax/ast';
import { type CallSite, type KeywordArg, PyBuiltin, type PyValue } from '../values';
import { pyError } from '../errors';
import type { Interpreter } from '../interpreter';
import type { Runtime } from '../runtime';
import { args as bindArgs } from '../signature';
import { GraphTensor, PyDType, callOp, toGraphValue } from './tensor';
import { PyVariable, makeVariable } from './variables';
import { isEager } from './eager';
import { type Arithmetic, DECAYS } from './decayFormulas';
import { decayArgs } from './learningRateSchedules';
import { nextStreamSeed } from '../../ops/sampling';

const globalSteps = new WeakMap<Runtime, PyVariable>();

function globalStep(rt: Interpreter, site: CallSite): PyVariable {
  let step = globalSteps.get(rt.rt);
  if (!step) {
    const keyword = (name: string, value: PyValue): KeywordArg => ({ name, value, span: site.span });
    const made = makeVariable(
      rt,
      [0n],
      [keyword('trainable', false), keyword('name', 'global_step'), keyword('dtype', new PyDType('int64', 'tf'))],
      site,
    );
    if (!(made instanceof PyVariable)) throw pyError('TypeError', 'the global step must be a variable', site.span);
    globalSteps.set(rt.rt, (step = made));
  }
  return step;
}

/** A registry op of Python values. */
function op(rt: Interpreter, name: string, args: PyValue[], span: Span): PyValue {
  return callOp(
    rt,
    name,
    args.map((v) => ({ value: toGraphValue(rt, v, span), span })),
    span,
  );
}

/** The step as float32, as the decays compute with it. */
function floatStep(rt: Interpreter, step: PyValue, span: Span): PyValue {
  return callOp(
    rt,
    'cast',
    [
      { value: toGraphValue(rt, step, span), span },
      { value: { kind: 'dtype', dtype: 'float32' }, span },
    ],
    span,
  );
}

/** Graph ops on tensors and Python numbers, for decayFormulas.ts. */
function opArithmetic(rt: Interpreter, span: Span): Arithmetic<PyValue> {
  const unary = (name: string) => (a: PyValue) => op(rt, name, [a], span);
  const binary = (name: string) => (a: PyValue, b: PyValue) => op(rt, name, [a, b], span);
  const select = (compare: string) => (a: PyValue, b: PyValue, then: PyValue, otherwise: PyValue) =>
    op(rt, 'where', [op(rt, compare, [a, b], span), then, otherwise], span);
  return {
    lift: (x) => x,
    add: binary('add'),
    subtract: binary('subtract'),
    multiply: binary('multiply'),
    divide: binary('divide'),
    pow: binary('pow'),
    minimum: binary('minimum'),
    floor: unary('floor'),
    ceil: unary('ceil'),
    cos: unary('cos'),
    exp: unary('exp'),
    log: unary('log'),
    sqrt: unary('sqrt'),
    // TensorFlow's random_normal(linear_decayed.shape), drawn at each run: one float32 sample
    // of the graph's generator per value of the step (a constant would repeat one sample at
    // every training step).
    standardNormal: (step) => {
      const b = rt.rt.b;
      const stepNode = b.toTensor(toGraphValue(rt, step, span), span);
      return new GraphTensor(b.op('step_normal_noise', [stepNode], { seed: nextStreamSeed(b, null) }), rt.rt);
    },
    ifLessEqual: select('less_equal'),
    ifLess: select('less'),
  };
}

const TF1_DECAYS = new Map(DECAYS.filter((d) => d.tf1).map((d) => [d.tf1!.name, d]));

/** The `tf.train` names this file answers, or undefined. */
export function trainSchedule(rt: Interpreter, name: string): PyValue | undefined {
  const builtin = (fn: (a: PyValue[], kw: KeywordArg[], site: CallSite) => PyValue) => new PyBuiltin(`tf.train.${name}`, fn);
  switch (name) {
    case 'get_or_create_global_step':
    case 'create_global_step':
      return builtin((_a, _kw, site) => globalStep(rt, site));
    case 'get_global_step':
      return builtin(() => globalSteps.get(rt.rt) ?? null);
  }
  const decay = TF1_DECAYS.get(name);
  if (!decay) return undefined;
  const { params } = decay.tf1!;
  const stepName = params[1] === 'global_step' ? 'global_step' : 'x';
  return builtin((a, kw, site) => {
    const p = bindArgs(name, params, a, kw, site);
    if (p.get(stepName, null) === null) throw pyError('ValueError', `global_step is required for ${name}.`, site.span);
    const build = () => {
      const step = stepName === 'global_step' ? floatStep(rt, p.get(stepName), site.span) : p.get(stepName);
      return decay.rate(
        opArithmetic(rt, site.span),
        step,
        decayArgs(rt, p, 'learning_rate', (v) => v),
      );
    };
    // Executing eagerly, TensorFlow gives a function of no arguments that reads the step each
    // time it is called (a Keras optimizer calls it before each step); the arguments are
    // checked at once all the same.
    const now = build();
    return isEager(rt.rt) ? new PyBuiltin(`${name}.<locals>.decayed_lr`, () => build()) : now;
  });
}

/** Whether a rate tensor reads a variable (a decay of the global step): read when run. */
export function readsVariable(v: PyValue): boolean {
  if (!(v instanceof GraphTensor)) return false;
  const seen = new Set([v.node]);
  const stack = [v.node];
  while (stack.length) {
    const n = stack.pop()!;
    if (n.op.name === 'variable_value') return true;
    for (const input of n.inputs)
      if (!seen.has(input)) {
        seen.add(input);
        stack.push(input);
      }
  }
  return false;
}
