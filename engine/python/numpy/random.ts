// `np.random`: NumPy's exact streams, from the engine's NumPy random module (MT19937 for the
// legacy functions and `RandomState`, PCG64 for `default_rng`). The module-level functions
// share one RandomState per script, as NumPy's do; a script that draws without seeding gets
// the stream of seed 0 (tgraph's contract), and the values' bindings say they are samples.

import type { Span } from '../../syntax/ast';
import { BuildError } from '../../builder';
import { formatCount, raiseHint } from '../../budgets';
import {
  type ArrayArg,
  type Generator,
  NumpyError,
  RANDOM_SIGNATURES,
  RandomBudgetError,
  type RandomSignature,
  RandomState,
  default_rng,
} from '../../numpy/random';
import { type CallSite, type KeywordArg, PyBuiltin, PyList, PyModule, PyObject, type PyValue, typeName } from '../values';
import { OutsideSubset, type PyErrorKind, pyError } from '../errors';
import type { Interpreter } from '../interpreter';
import type { Runtime } from '../runtime';
import { PyDType } from '../tensorflow/tensor';
import { NDArray, type NpDType, NP_DTYPES } from './ndarray';
import { convertToArray } from './convert';
import { notADType } from './methods';

interface RandomSource {
  state: RandomState;
  /** Whether the script seeded it (else its values are samples of seed 0's stream). */
  seeded: boolean;
}

const sources = new WeakMap<Runtime, RandomSource>();

/** Arrays drawn from a stream the script did not seed (their bindings say so). */
export const SAMPLED = new WeakSet<object>();

function moduleSource(rt: Runtime): RandomSource {
  let s = sources.get(rt);
  if (!s) sources.set(rt, (s = { state: new RandomState(0, { maxElements: rt.budgets.maxElements }), seeded: false }));
  return s;
}

const modules = new WeakMap<Runtime, PyModule>();

export function numpyRandomModule(rt: Runtime): PyModule {
  let m = modules.get(rt);
  if (!m) {
    const source = moduleSource(rt);
    m = new PyModule('numpy.random', (name) => {
      if (name === 'RandomState')
        return new PyBuiltin(
          'numpy.random.RandomState',
          (a, kw, site) => new PyRandomState(rt, newState(rt, a, kw, site)),
          (v) => v instanceof PyRandomState,
        );
      if (name === 'default_rng')
        return new PyBuiltin('numpy.random.default_rng', (a, kw, site) => new PyGenerator(rt, newGenerator(rt, a, kw, site)));
      if (name === 'get_state' || name === 'set_state') return undefined;
      return legacyMethod(rt, source, name, `numpy.random.${name}`);
    });
    modules.set(rt, m);
  }
  return m;
}

// ---- the objects --------------------------------------------------------------------------------

/** `np.random.RandomState(seed)`: a stream of its own. */
class PyRandomState extends PyObject {
  private readonly source: RandomSource;
  constructor(
    readonly rt: Runtime,
    state: RandomState,
  ) {
    super();
    this.source = { state, seeded: true };
  }
  get typeName(): string {
    return 'RandomState';
  }
  override repr(): string {
    return 'RandomState(MT19937)';
  }
  override getAttr(_rt: Interpreter, name: string): PyValue | undefined {
    return legacyMethod(this.rt, this.source, name, `RandomState.${name}`);
  }
}

/** `np.random.default_rng(seed)`: a PCG64 Generator. */
class PyGenerator extends PyObject {
  constructor(
    readonly rt: Runtime,
    readonly generator: Generator,
  ) {
    super();
  }
  get typeName(): string {
    return 'Generator';
  }
  override repr(): string {
    return 'Generator(PCG64)';
  }
  override getAttr(_rt: Interpreter, name: string): PyValue | undefined {
    const signature = (RANDOM_SIGNATURES.Generator as Record<string, RandomSignature>)[name];
    if (!signature) return undefined;
    const g = this.generator;
    return new PyBuiltin(`Generator.${name}`, (a, kw, site) =>
      call(this.rt, site, () => {
        const p = bind(this.rt, name, signature, a, kw, site);
        switch (name) {
          case 'integers':
            return result(
              g.integers(p.int('low'), p.intOrNone('high'), p.size(), p.dtype('dtype') as never, p.bool('endpoint')),
              false,
              true,
            );
          case 'random':
            return result(g.random(p.size(), p.dtype('dtype') as never), false, false);
          case 'uniform':
            return result(g.uniform(p.float('low'), p.float('high'), p.size()), false, false);
          case 'normal':
            return result(g.normal(p.float('loc'), p.float('scale'), p.size()), false, false);
          default:
            return result(g.standard_normal(p.size(), p.dtype('dtype') as never), false, false);
        }
      }),
    );
  }
}

function newState(rt: Runtime, a: PyValue[], kw: KeywordArg[], site: CallSite): RandomState {
  return call(
    rt,
    site,
    () =>
      new RandomState(seedArg(rt, a[0] ?? kw.find((k) => k.name === 'seed')?.value ?? null, site), { maxElements: rt.budgets.maxElements }),
  );
}

function newGenerator(rt: Runtime, a: PyValue[], kw: KeywordArg[], site: CallSite): Generator {
  return call(rt, site, () =>
    default_rng(seedArg(rt, a[0] ?? kw.find((k) => k.name === 'seed')?.value ?? null, site) as never, {
      maxElements: rt.budgets.maxElements,
    }),
  );
}

/** A seed: None, an int, or a list/array of ints, as the module takes them. */
function seedArg(rt: Runtime, v: PyValue, site: CallSite): number | bigint | ArrayArg<number> | null {
  if (v === null) return null;
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  const a = convertToArray(rt.interpreter, v, site.argSpans[0] ?? site.span);
  return { shape: a.shape, data: a.data as ArrayLike<number> };
}

// ---- the legacy functions -------------------------------------------------------------------------

function legacyMethod(rt: Runtime, source: RandomSource, name: string, qualified: string): PyValue | undefined {
  const signature = (RANDOM_SIGNATURES.RandomState as Record<string, RandomSignature>)[name];
  if (!signature) return undefined;
  return new PyBuiltin(qualified, (a, kw, site) =>
    call(rt, site, () => {
      const s = source.state;
      if (name === 'seed') {
        s.seed(seedArg(rt, a[0] ?? kw.find((k) => k.name === 'seed')?.value ?? null, site) as never);
        source.seeded = true;
        return null;
      }
      const sampled = !source.seeded;
      if (name === 'rand' || name === 'randn') {
        for (const k of kw) throw pyError('TypeError', `${name}() got an unexpected keyword argument '${k.name}'`, k.nameSpan ?? k.span);
        const dims = a.map((d, i) => rt.indexValue(d, site.argSpans[i] ?? site.span));
        return result(name === 'rand' ? s.rand(...dims) : s.randn(...dims), true, false, sampled);
      }
      const p = bind(rt, name, signature, a, kw, site);
      switch (name) {
        case 'random_sample':
        case 'random':
        case 'ranf':
        case 'sample':
          return result(s.random_sample(p.size()), true, false, sampled);
        case 'standard_normal':
          return result(s.standard_normal(p.size()), true, false, sampled);
        case 'normal':
          return result(s.normal(p.float('loc'), p.float('scale'), p.size()), true, false, sampled);
        case 'uniform':
          return result(s.uniform(p.float('low'), p.float('high'), p.size()), true, false, sampled);
        case 'randint':
          return result(s.randint(p.int('low'), p.intOrNone('high'), p.size(), p.dtype('dtype') as never), true, true, sampled);
        case 'random_integers':
          return result(s.random_integers(p.int('low'), p.intOrNone('high'), p.size()), true, true, sampled);
        case 'choice': {
          const population = p.value('a');
          const pop = typeof population === 'bigint' ? population : arrayArg(rt, population, p.span('a'));
          const probs = p.value('p');
          const weights = probs === null ? null : (convertToArray(rt.interpreter, probs, p.span('p'), 'float64').data as ArrayLike<number>);
          return result(s.choice(pop as never, p.size(), p.bool('replace'), weights), true, typeof population === 'bigint', sampled);
        }
        case 'shuffle': {
          const x = p.value('x');
          if (x instanceof NDArray) s.shuffle({ shape: x.shape, data: x.data as ArrayLike<number> } as never);
          else if (x instanceof PyList) {
            const order = Float64Array.from(x.items, (_, i) => i);
            s.shuffle({ shape: [order.length], data: order } as never);
            const items = x.items.slice();
            x.items = Array.from(order, (i) => items[i]);
          } else throw pyError('TypeError', `shuffle() takes a list or an array, not ${typeName(x)}`, p.span('x'));
          return null;
        }
        case 'permutation': {
          const x = p.value('x');
          return result(
            typeof x === 'bigint' ? s.permutation(x) : (s.permutation(arrayArg(rt, x, p.span('x')) as never) as never),
            true,
            true,
            sampled,
          );
        }
      }
      throw new OutsideSubset(`\`${qualified}\` is not modelled by tgraph`, site.funcSpan);
    }),
  );
}

function arrayArg(rt: Runtime, v: PyValue, span: Span): ArrayArg<number> {
  const a = convertToArray(rt.interpreter, v, span);
  return { shape: a.shape, data: a.data as ArrayLike<number>, dtype: a.dtype };
}

/** A drawn value as Python sees it: an array; a scalar draw of a legacy function is a Python
 *  float or int, a Generator's integer a NumPy scalar. */
function result(
  r: { dtype: string; shape: readonly number[]; data: ArrayLike<number | bigint>; scalar: boolean },
  legacy: boolean,
  integer: boolean,
  sampled = false,
): PyValue {
  if (!(NP_DTYPES as readonly string[]).includes(r.dtype)) throw new Error(`outside:${r.dtype}`);
  if (r.data instanceof BigInt64Array || r.data instanceof BigUint64Array) throw new Error('outside:int64 beyond 2^53');
  const dtype = r.dtype as NpDType;
  if (r.scalar && (legacy || !integer)) {
    const x = Number(r.data[0]);
    return dtype === 'bool' ? x !== 0 : integer || dtype === 'int64' || dtype === 'int32' ? BigInt(x) : x;
  }
  const data = r.data as Float64Array;
  const out = new NDArray(
    dtype,
    [...r.shape],
    dtype === 'float32'
      ? Float32Array.from(data)
      : dtype === 'int32'
        ? Int32Array.from(data)
        : dtype === 'bool'
          ? Uint8Array.from(data)
          : data,
    r.scalar,
  );
  if (sampled) SAMPLED.add(out);
  return out;
}

/** Runs a draw, NumPy's errors as diagnostics at the call. */
function call<T>(rt: Runtime, site: CallSite, draw: () => T): T {
  try {
    return draw();
  } catch (e) {
    if (e instanceof NumpyError) throw pyError(e.pythonType as PyErrorKind, e.message, site.span);
    if (e instanceof RandomBudgetError) {
      throw new BuildError(
        `${e.message}: over the ${formatCount(rt.budgets.maxElements)}-element budget ${raiseHint('maxElements')}`,
        site.span,
        'budget-elements',
      );
    }
    if (e instanceof Error && e.message.startsWith('outside:'))
      throw new OutsideSubset(`random values of ${e.message.slice(8)} are outside tgraph's subset`, site.span);
    throw e;
  }
}

/** A call's arguments bound to a method's NumPy signature. */
function bind(rt: Runtime, name: string, signature: RandomSignature, a: PyValue[], kw: KeywordArg[], site: CallSite) {
  const values = new Map<string, { value: PyValue; span: Span }>();
  a.forEach((v, i) => {
    const param = signature.params[i];
    if (!param)
      throw pyError(
        'TypeError',
        `${name}() takes at most ${signature.params.length} positional arguments (${a.length} given)`,
        site.argSpans[i] ?? site.span,
      );
    values.set(param, { value: v, span: site.argSpans[i] ?? site.span });
  });
  for (const k of kw) {
    if (!signature.params.includes(k.name))
      throw pyError('TypeError', `${name}() got an unexpected keyword argument '${k.name}'`, k.nameSpan ?? k.span);
    values.set(k.name, { value: k.value, span: k.span });
  }
  const value = (param: string): PyValue => {
    const v = values.get(param);
    if (v) return v.value;
    if (!(param in signature.defaults)) throw pyError('TypeError', `${name}() missing required argument '${param}'`, site.span);
    const d = signature.defaults[param];
    return typeof d === 'number'
      ? Number.isInteger(d) && param !== 'loc' && param !== 'scale' && param !== 'low' && param !== 'high'
        ? BigInt(d)
        : d
      : d;
  };
  const span = (param: string) => values.get(param)?.span ?? site.span;
  const interp = rt.interpreter;
  const intValue = (param: string): number | bigint | ArrayArg<number> => {
    const v = value(param);
    if (typeof v === 'bigint') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return Number(v);
    return arrayArg(rt, v, span(param));
  };
  return {
    value,
    span,
    size: (): number | number[] | null => {
      const v = value('size');
      if (v === null) return null;
      if (typeof v === 'bigint') return Number(v);
      return interp.iterate(v, span('size')).map((d) => rt.indexValue(d, span('size')));
    },
    float: (param: string): number | ArrayArg => {
      const v = value(param);
      if (typeof v === 'number') return v;
      if (typeof v === 'bigint' || typeof v === 'boolean') return Number(v);
      return arrayArg(rt, v, span(param));
    },
    int: (param: string): number | bigint | ArrayArg<number> => intValue(param),
    intOrNone: (param: string): number | bigint | ArrayArg<number> | null => (value(param) === null ? null : intValue(param)),
    bool: (param: string): boolean => interp.truth(value(param), span(param)),
    dtype: (param: string): string => {
      const v = value(param);
      if (v instanceof PyDType) return v.name;
      if (typeof v === 'string') return v === 'int' ? 'int64' : v === 'float' ? 'float64' : v;
      if (v instanceof PyBuiltin && (v.name === 'int' || v.name === 'float' || v.name === 'bool'))
        return v.name === 'int' ? 'int64' : v.name === 'float' ? 'float64' : 'bool';
      return notADType(v, span(param));
    },
  };
}
