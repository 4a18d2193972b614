// TF 1.x's learning-rate decays and the global step: `tf.train.get_or_create_global_step()`
// is one non-trainable int64 variable that `minimize(..., global_step=...)` increments, and
// `tf.train.exponential_decay` / `inverse_time_decay` / `piecewise_constant` are graph
// tensors of it, so each `sess.run` that steps reads the rate of the step it is at (the
// optimizer takes a rate that depends on a variable as it takes a fed one).

import type { Span } from '../../syntax/ast';
import { type CallSite, type KeywordArg, PyBuiltin, PyList, PyTuple, type PyValue } from '../values';
import { pyError } from '../errors';
import type { Interpreter } from '../interpreter';
import type { Runtime } from '../runtime';
import { args as bindArgs } from '../signature';
import { GraphTensor, PyDType, callOp, toGraphValue } from './tensor';
import { PyVariable, makeVariable } from './variables';

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

/** global_step / decay_steps, floored when `staircase`. */
function progress(rt: Interpreter, p: ReturnType<typeof bindArgs>, span: Span): PyValue {
  const fraction = op(rt, 'divide', [floatStep(rt, p.get('global_step'), span), p.get('decay_steps')], span);
  return rt.truth(p.get('staircase', false), p.span('staircase')) ? op(rt, 'floor', [fraction], span) : fraction;
}

const DECAY_PARAMS = ['learning_rate', 'global_step', 'decay_steps', 'decay_rate', 'staircase', 'name'];

/** The `tf.train` names this file answers, or undefined. */
export function trainSchedule(rt: Interpreter, name: string): PyValue | undefined {
  const builtin = (fn: (a: PyValue[], kw: KeywordArg[], site: CallSite) => PyValue) => new PyBuiltin(`tf.train.${name}`, fn);
  switch (name) {
    case 'get_or_create_global_step':
    case 'create_global_step':
      return builtin((_a, _kw, site) => globalStep(rt, site));
    case 'get_global_step':
      return builtin(() => globalSteps.get(rt.rt) ?? null);
    // lr · rate^(step / decay_steps)
    case 'exponential_decay':
      return builtin((a, kw, site) => {
        const p = bindArgs(name, DECAY_PARAMS, a, kw, site);
        return op(
          rt,
          'multiply',
          [p.get('learning_rate'), op(rt, 'pow', [p.get('decay_rate'), progress(rt, p, site.span)], site.span)],
          site.span,
        );
      });
    // lr / (1 + rate · step / decay_steps)
    case 'inverse_time_decay':
      return builtin((a, kw, site) => {
        const p = bindArgs(name, DECAY_PARAMS, a, kw, site);
        const denominator = op(rt, 'add', [1, op(rt, 'multiply', [p.get('decay_rate'), progress(rt, p, site.span)], site.span)], site.span);
        return op(rt, 'divide', [p.get('learning_rate'), denominator], site.span);
      });
    // values[i] while x <= boundaries[i], the last value past the last boundary.
    case 'piecewise_constant':
      return builtin((a, kw, site) => {
        const p = bindArgs(name, ['x', 'boundaries', 'values', 'name'], a, kw, site);
        const list = (k: string) => {
          const v = p.get(k);
          return v instanceof PyList || v instanceof PyTuple ? v.items : rt.iterate(v, p.span(k));
        };
        const [boundaries, values] = [list('boundaries'), list('values')];
        if (values.length !== boundaries.length + 1)
          throw pyError('ValueError', 'The length of boundaries should be 1 less than the length of values', p.span('values'));
        const x = p.get('x');
        let rate = op(rt, 'multiply', [values[values.length - 1], 1.0], site.span);
        for (let i = boundaries.length - 1; i >= 0; i--)
          rate = op(rt, 'where', [op(rt, 'less_equal', [x, boundaries[i]], site.span), values[i], rate], site.span);
        return rate;
      });
  }
  return undefined;
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
