// `tf.keras.optimizers.schedules`: learning rates that depend on the step. A Keras optimizer
// given one reads it at its step count before each step (the first step is step 0); called by
// the script, `schedule(step)` is the rate as a float32 scalar, as Keras returns it. The
// formulas are decayFormulas.ts', evaluated here as float64 numbers.

import type { Span } from '../../syntax/ast';
import { type CallSite, type KeywordArg, PyBuiltin, PyList, PyModule, PyObject, PyTuple, type PyValue, typeName } from '../values';
import { pyError } from '../errors';
import type { Interpreter } from '../interpreter';
import { args as bindArgs } from '../signature';
import { GraphTensor } from './tensor';
import { PyVariable } from './variables';
import { eagerValue } from './eager';
import { DECAYS, type DecayArgs, NUMBERS } from './decayFormulas';
import { InterfaceBase, type PyInstance } from '../classes';

export class PySchedule extends PyObject {
  constructor(
    readonly name: string,
    /** The rate at a step (0 before the first). */
    readonly rate: (step: number) => number,
  ) {
    super();
  }
  get typeName(): string {
    return this.name;
  }
  override repr(): string {
    return `<keras.optimizers.schedules.${this.name} object>`;
  }
  override call(rt: Interpreter, a: PyValue[], kw: KeywordArg[], site: CallSite): PyValue {
    const p = bindArgs(this.name, ['step'], a, kw, site);
    return this.tensorAt(rt, stepNumber(rt, p.get('step'), p.span('step')), site.span);
  }
  /** The rate at a step as Keras gives it: a float32 scalar. */
  tensorAt(rt: Interpreter, step: number, span: Span): GraphTensor {
    const rate = Math.fround(this.rate(step));
    return new GraphTensor(rt.rt.b.constant({ dtype: 'float32', shape: [], data: Float32Array.of(rate) }, span), rt.rt);
  }
}

function stepNumber(rt: Interpreter, v: PyValue, span: Span, what = "a schedule's step must be a scalar number"): number {
  if (typeof v === 'number' || typeof v === 'bigint') return Number(v);
  if (v instanceof GraphTensor || v instanceof PyVariable) {
    const t = eagerValue(rt.rt, v.node, span);
    if (t.shape.length === 0) return Number(t.data[0]);
  }
  throw pyError('TypeError', `${what}, got ${typeName(v)}`, span);
}

type Params = ReturnType<typeof bindArgs>;

function pyNumber(p: Params, name: string, fallback?: number): number {
  const v = p.get(name, fallback);
  if (typeof v === 'number' || typeof v === 'bigint') return Number(v);
  throw pyError('TypeError', `${name} must be a number, got ${typeName(v)}`, p.span(name));
}

/** A decay's bound Python arguments as decayFormulas.ts reads them: the starting rate is
 *  `rateName`'s, and each rate-like value (a rate, a list's item) goes through `convert`
 *  (to a number for Keras, as it is for TF 1.x's ops). */
export function decayArgs<T>(rt: Interpreter, p: Params, rateName: string, convert: (v: PyValue, name: string) => T): DecayArgs<T> {
  return {
    rate: () => convert(p.get(rateName), rateName),
    value: (name, fallback) => convert(p.get(name, fallback), name),
    number: (name, fallback) => pyNumber(p, name, fallback),
    positive: (name) => {
      const v = pyNumber(p, name);
      if (!(v > 0)) throw pyError('ValueError', `${name} must be positive, got ${v}`, p.span(name));
      return v;
    },
    flag: (name) => rt.truth(p.get(name, false), p.span(name)),
    isNone: (name) => p.get(name, null) === null,
    values: (name) => {
      const v = p.get(name);
      return (v instanceof PyList || v instanceof PyTuple ? v.items : rt.iterate(v, p.span(name))).map((x) => convert(x, name));
    },
    invalid: (name, message) => {
      throw pyError('ValueError', message, p.span(name));
    },
  };
}

/** Keras' schedules take numbers. */
function numberArgs(rt: Interpreter, p: Params): DecayArgs<number> {
  return decayArgs(rt, p, 'initial_learning_rate', (v, name) => {
    if (typeof v === 'number' || typeof v === 'bigint') return Number(v);
    throw pyError('TypeError', `${name} must be a number, got ${typeName(v)}`, p.span(name));
  });
}

/** `LearningRateSchedule`: a script's own schedule derives from it and is its `__call__(step)`. */
export const LEARNING_RATE_SCHEDULE = new InterfaceBase('keras.optimizers.schedules.LearningRateSchedule');

/** A script's LearningRateSchedule as a schedule: Keras calls it with the step count (an int64
 *  scalar) before each step; it returns the rate. */
export function scriptSchedule(rt: Interpreter, schedule: PyInstance, span: Span): PySchedule {
  const site: CallSite = { span, funcSpan: span, argSpans: [span], argsSpan: span };
  return new PySchedule(schedule.cls.name, (step) => {
    const count = new GraphTensor(rt.rt.b.constant({ dtype: 'int64', shape: [], data: Float64Array.of(step) }, span), rt.rt);
    return stepNumber(rt, rt.call(schedule, [count], [], site), span, 'a LearningRateSchedule must return a scalar rate');
  });
}

const KERAS_SCHEDULES = new Map(DECAYS.filter((d) => d.keras).map((d) => [d.keras!.name, d]));

/** `tf.keras.optimizers.schedules`. */
export function schedulesModule(rt: Interpreter): PyModule {
  return new PyModule('tensorflow.keras.optimizers.schedules', (name) => {
    if (name === 'LearningRateSchedule') return LEARNING_RATE_SCHEDULE;
    const decay = KERAS_SCHEDULES.get(name);
    if (!decay) return undefined;
    return new PyBuiltin(`tf.keras.optimizers.schedules.${name}`, (a, kw, site) => {
      const args = numberArgs(rt, bindArgs(name, decay.keras!.params, a, kw, site));
      // The arguments are checked when the schedule is made, as Keras checks them.
      decay.rate(NUMBERS, 0, args);
      return new PySchedule(name, (step) => decay.rate(NUMBERS, step, args));
    });
  });
}
