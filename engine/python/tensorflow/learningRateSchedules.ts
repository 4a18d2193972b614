// `tf.keras.optimizers.schedules`: learning rates that depend on the step. A Keras optimizer
// given one reads it at its step count before each step (the first step is step 0); called by
// the script, `schedule(step)` is the rate as a float32 scalar, as Keras returns it.

import type { Span } from '../../syntax/ast';
import { type CallSite, type KeywordArg, PyBuiltin, PyList, PyModule, PyObject, PyTuple, type PyValue, typeName } from '../values';
import { OutsideSubset, pyError } from '../errors';
import type { Interpreter } from '../interpreter';
import { args as bindArgs } from '../signature';
import { GraphTensor } from './tensor';
import { PyVariable } from './variables';
import { eagerValue } from './eager';

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

function stepNumber(rt: Interpreter, v: PyValue, span: Span): number {
  if (typeof v === 'number' || typeof v === 'bigint') return Number(v);
  if (v instanceof GraphTensor || v instanceof PyVariable) {
    const t = eagerValue(rt.rt, v.node, span);
    if (t.shape.length === 0) return Number(t.data[0]);
  }
  throw pyError('TypeError', `a schedule's step must be a scalar number, got ${typeName(v)}`, span);
}

type Params = ReturnType<typeof bindArgs>;

function num(p: Params, name: string, fallback?: number): number {
  const v = p.get(name, fallback);
  if (typeof v === 'number' || typeof v === 'bigint') return Number(v);
  throw pyError('TypeError', `${name} must be a number, got ${typeName(v)}`, p.span(name));
}

function numbers(rt: Interpreter, p: Params, name: string): number[] {
  const v = p.get(name);
  const items = v instanceof PyList || v instanceof PyTuple ? v.items : rt.iterate(v, p.span(name));
  return items.map((x) => {
    if (typeof x === 'number' || typeof x === 'bigint') return Number(x);
    throw pyError('TypeError', `${name} must be a list of numbers, got an item of type ${typeName(x)}`, p.span(name));
  });
}

/** Floor of the step's fraction of decay_steps when `staircase` (the rate drops in stairs). */
function progress(rt: Interpreter, p: Params, step: number, decaySteps: number): number {
  const fraction = step / decaySteps;
  return rt.truth(p.get('staircase', false), p.span('staircase')) ? Math.floor(fraction) : fraction;
}

function positive(p: Params, name: string): number {
  const v = num(p, name);
  if (!(v > 0)) throw pyError('ValueError', `${name} must be positive, got ${v}`, p.span(name));
  return v;
}

type Definition = { params: string[]; make: (rt: Interpreter, p: Params) => (step: number) => number };

const SCHEDULES: Record<string, Definition> = {
  ExponentialDecay: {
    params: ['initial_learning_rate', 'decay_steps', 'decay_rate', 'staircase'],
    make: (rt, p) => {
      const [initial, steps, rate] = [num(p, 'initial_learning_rate'), positive(p, 'decay_steps'), num(p, 'decay_rate')];
      return (step) => initial * rate ** progress(rt, p, step, steps);
    },
  },
  InverseTimeDecay: {
    params: ['initial_learning_rate', 'decay_steps', 'decay_rate', 'staircase'],
    make: (rt, p) => {
      const [initial, steps, rate] = [num(p, 'initial_learning_rate'), positive(p, 'decay_steps'), num(p, 'decay_rate')];
      return (step) => initial / (1 + rate * progress(rt, p, step, steps));
    },
  },
  // values[i] while step <= boundaries[i], the last value past the last boundary.
  PiecewiseConstantDecay: {
    params: ['boundaries', 'values'],
    make: (rt, p) => {
      const [boundaries, values] = [numbers(rt, p, 'boundaries'), numbers(rt, p, 'values')];
      if (values.length !== boundaries.length + 1)
        throw pyError(
          'ValueError',
          `The length of boundaries should be 1 less than the length of values (got ${boundaries.length} and ${values.length})`,
          p.span('values'),
        );
      return (step) => {
        const i = boundaries.findIndex((b) => step <= b);
        return values[i < 0 ? values.length - 1 : i];
      };
    },
  },
  PolynomialDecay: {
    params: ['initial_learning_rate', 'decay_steps', 'end_learning_rate', 'power', 'cycle'],
    make: (rt, p) => {
      if (rt.truth(p.get('cycle', false), p.span('cycle')))
        throw new OutsideSubset('PolynomialDecay(cycle=True) is not modelled by tgraph', p.span('cycle'));
      const [initial, steps, end, power] = [
        num(p, 'initial_learning_rate'),
        positive(p, 'decay_steps'),
        num(p, 'end_learning_rate', 0.0001),
        num(p, 'power', 1),
      ];
      return (step) => (initial - end) * (1 - Math.min(step, steps) / steps) ** power + end;
    },
  },
  // Half a cosine from the initial rate down to alpha times it, then flat.
  CosineDecay: {
    params: ['initial_learning_rate', 'decay_steps', 'alpha', 'warmup_target', 'warmup_steps'],
    make: (_rt, p) => {
      if (p.get('warmup_target', null) !== null)
        throw new OutsideSubset('CosineDecay with a warmup is not modelled by tgraph', p.span('warmup_target'));
      const [initial, steps, alpha] = [num(p, 'initial_learning_rate'), positive(p, 'decay_steps'), num(p, 'alpha', 0)];
      return (step) => initial * ((1 - alpha) * 0.5 * (1 + Math.cos((Math.PI * Math.min(step, steps)) / steps)) + alpha);
    },
  },
};

/** `tf.keras.optimizers.schedules`. */
export function schedulesModule(rt: Interpreter): PyModule {
  return new PyModule('tensorflow.keras.optimizers.schedules', (name) => {
    if (!Object.hasOwn(SCHEDULES, name)) return undefined;
    const { params, make } = SCHEDULES[name];
    return new PyBuiltin(`tf.keras.optimizers.schedules.${name}`, (a, kw, site) => {
      const p = bindArgs(name, [...params, 'name'], a, kw, site);
      return new PySchedule(name, make(rt, p));
    });
  });
}
