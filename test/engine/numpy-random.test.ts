// NumPy's random streams against draws from real NumPy (test/fixtures/numpy-random, made by
// scripts/fixtures/numpy_random.py with NumPy 1.24): every value compared exactly, doubles
// bit for bit, errors by Python type and message.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type ArrayArg,
  default_rng,
  Generator,
  NumpyError,
  RANDOM_SIGNATURES,
  RandomBudgetError,
  type RandomArray,
  RandomState,
  SeedSequence,
} from '../../engine/numpy/random';
import { correctlyRoundedLog, slowCorrectlyRoundedLog } from '../../engine/numpy/random/correctlyRoundedLog';

type Encoded = number | string | boolean | null | { int: string } | EncodedArray | Encoded[];
interface EncodedArray {
  array: (number | string | { int: string })[];
  shape: number[];
  dtype: string;
}
interface EncodedResult {
  dtype: string;
  shape: number[];
  scalar: boolean;
  values?: (number | string | { int: string })[];
  sha256?: string;
  head?: (number | string | { int: string })[];
}
interface Call {
  method: string;
  args: Encoded[];
  kwargs: Record<string, Encoded>;
  result?: EncodedResult | null;
  error?: { type: string; message: string };
  state?: { key_sha256: string; key_head: number[]; pos: number; has_gauss: boolean; cached_gaussian: number };
  libm_differs?: { index: number; numpy: number; correctly_rounded: number }[];
}
interface Case {
  name: string;
  kind: 'RandomState' | 'default_rng';
  seed: Encoded;
  error?: { type: string; message: string };
  calls: Call[];
}
interface Fixture {
  numpy: string;
  cases: Case[];
  seed_sequences: { entropy: Encoded; spawn_key: number[]; pool: number[]; state32: number[]; state64: string[] }[];
  correctly_rounded_log: [number, number][];
}

const fixture: Fixture = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'numpy-random', 'streams.json'), 'utf8'));

function decodeScalar(v: number | string | { int: string }): number | bigint {
  if (typeof v === 'object') return BigInt(v.int);
  if (v === 'nan') return NaN;
  if (v === 'inf') return Infinity;
  if (v === '-inf') return -Infinity;
  return v as number;
}

function decode(v: Encoded): unknown {
  if (v === null || typeof v === 'number' || typeof v === 'boolean') return v;
  if (typeof v === 'string') return v === 'nan' || v === 'inf' || v === '-inf' ? decodeScalar(v) : v;
  if (Array.isArray(v)) return v.map(decode);
  if ('int' in v) return BigInt(v.int);
  const values = v.array.map(decodeScalar);
  const data = values.some((x) => typeof x === 'bigint')
    ? values.map(BigInt)
    : v.dtype === 'float32'
      ? Float32Array.from(values as number[])
      : Float64Array.from(values as number[]);
  return { shape: v.shape, data, dtype: v.dtype } satisfies ArrayArg<number | bigint>;
}

function expectedValue(v: number | string | { int: string }): string {
  const x = decodeScalar(v);
  return typeof x === 'bigint' ? x.toString() : Object.is(x, -0) ? '-0' : String(x);
}

function actualValue(x: unknown): string {
  return typeof x === 'bigint' ? x.toString() : Object.is(x, -0) ? '-0' : String(x);
}

function bytesOf(result: RandomArray<string, ArrayLike<unknown>>): Uint8Array {
  const { dtype, data } = result;
  if (dtype === 'float64') return new Uint8Array(Float64Array.from(data as ArrayLike<number>).buffer);
  if (dtype === 'float32') return new Uint8Array(Float32Array.from(data as ArrayLike<number>).buffer);
  const values = Array.from(data as ArrayLike<number | bigint>, (v) => BigInt(v));
  return new Uint8Array((dtype === 'uint64' ? BigUint64Array.from(values) : BigInt64Array.from(values)).buffer);
}

/** Call `method` with the fixture's Python arguments bound through NumPy's signature. */
function invoke(target: RandomState | Generator, kind: Case['kind'], call: Call): unknown {
  const signatures = RANDOM_SIGNATURES[kind === 'RandomState' ? 'RandomState' : 'Generator'] as Record<
    string,
    { params: readonly string[] }
  >;
  const params = signatures[call.method].params;
  const args = call.args.map(decode);
  const method = (target as unknown as Record<string, (...a: unknown[]) => unknown>)[call.method].bind(target);
  if (params[0] === '*dims') return method(...args);
  const positional: unknown[] = [...args];
  for (const [name, value] of Object.entries(call.kwargs)) {
    const at = params.indexOf(name);
    expect(at, `${call.method} takes ${name}`).toBeGreaterThanOrEqual(0);
    positional[at] = decode(value);
  }
  const p = params.indexOf('p');
  const probabilities = positional[p];
  if (p >= 0 && probabilities !== undefined && probabilities !== null && !Array.isArray(probabilities)) {
    positional[p] = (probabilities as ArrayArg).data; // an array: its data, Float32Array for float32
  }
  if (call.method === 'shuffle') {
    const x = positional[0] as ArrayArg;
    const copy = { shape: x.shape, data: Float64Array.from(x.data), dtype: x.dtype };
    method(copy);
    return { dtype: x.dtype ?? 'float64', shape: x.shape, data: copy.data, scalar: false };
  }
  return method(...positional);
}

function expectError(thunk: () => unknown, error: { type: string; message: string }, where: string): void {
  let thrown: unknown;
  try {
    thunk();
  } catch (e) {
    thrown = e;
  }
  expect(thrown, `${where} raises ${error.type}`).toBeInstanceOf(NumpyError);
  expect({ type: (thrown as NumpyError).pythonType, message: (thrown as NumpyError).message }, where).toEqual(error);
}

function checkResult(actual: RandomArray<string, ArrayLike<unknown>>, call: Call, where: string): number {
  const expected = call.result!;
  expect({ dtype: actual.dtype, shape: [...actual.shape], scalar: actual.scalar }, where).toEqual({
    dtype: expected.dtype,
    shape: expected.shape,
    scalar: expected.scalar,
  });
  const values = Array.from(actual.data);
  // Where the platform's log is not correctly rounded, NumPy's value differs from the
  // correctly rounded one that tgraph gives: check ours is that one, then compare the rest.
  for (const d of call.libm_differs ?? []) {
    expect(actualValue(values[d.index]), `${where} [${d.index}] (correctly rounded log)`).toBe(expectedValue(d.correctly_rounded));
    values[d.index] = d.numpy;
  }
  if (expected.values !== undefined) {
    expect(values.map(actualValue), where).toEqual(expected.values.map(expectedValue));
    return values.length;
  }
  expect(values.slice(0, expected.head!.length).map(actualValue), `${where} head`).toEqual(expected.head!.map(expectedValue));
  const patched = { ...actual, data: values } as RandomArray<string, ArrayLike<unknown>>;
  expect(createHash('sha256').update(bytesOf(patched)).digest('hex'), `${where} sha256`).toBe(expected.sha256);
  return values.length;
}

function runCase(c: Case): number {
  const seed = decode(c.seed);
  const make = () => (c.kind === 'RandomState' ? new RandomState(seed as never) : default_rng(seed as never));
  if (c.error) {
    expectError(make, c.error, `${c.name}: seeding`);
    return 0;
  }
  const target = make();
  let compared = 0;
  c.calls.forEach((call, i) => {
    const where = `${c.name}, call ${i}: ${call.method}(${JSON.stringify(call.args).slice(1, -1)}${
      Object.keys(call.kwargs).length ? ', ' + JSON.stringify(call.kwargs) : ''
    })`;
    if (call.method === 'get_state') {
      const state = (target as RandomState).get_state();
      const s = call.state!;
      expect(
        {
          key_sha256: createHash('sha256').update(new Uint8Array(state.key.buffer)).digest('hex'),
          key_head: Array.from(state.key.slice(0, 4)),
          pos: state.pos,
          has_gauss: state.has_gauss,
          cached_gaussian: state.cached_gaussian,
        },
        where,
      ).toEqual(s);
      return;
    }
    if (call.method === 'seed') {
      (target as RandomState).seed(...(call.args.map(decode) as [never]));
      return;
    }
    if (call.error) {
      expectError(() => invoke(target, c.kind, call), call.error, where);
      return;
    }
    compared += checkResult(invoke(target, c.kind, call) as RandomArray<string, ArrayLike<unknown>>, call, where);
  });
  return compared;
}

describe('NumPy random streams (fixtures from NumPy ' + fixture.numpy + ')', () => {
  it('the spec example: np.random.seed(0); np.random.randint(0, 10, (4, 3))', () => {
    const rs = new RandomState();
    rs.seed(0);
    const x = rs.randint(0, 10, [4, 3]);
    expect(x.shape).toEqual([4, 3]);
    expect(Array.from(x.data as Float64Array)).toEqual([5, 0, 3, 3, 7, 9, 3, 5, 2, 4, 7, 6]);
  });

  for (const c of fixture.cases) {
    it(c.name, () => {
      const compared = runCase(c);
      if (!c.error) expect(compared, 'values compared').toBeGreaterThan(0);
    });
  }

  it('covers every method named in the brief, drawing and failing', () => {
    const called = new Set(fixture.cases.flatMap((c) => c.calls.filter((k) => k.result).map((k) => `${c.kind}.${k.method}`)));
    for (const m of [
      'rand',
      'randn',
      'randint',
      'random',
      'random_sample',
      'uniform',
      'normal',
      'choice',
      'shuffle',
      'permutation',
      'standard_normal',
    ]) {
      expect(called, m).toContain(`RandomState.${m}`);
    }
    for (const m of ['integers', 'random', 'uniform', 'normal', 'standard_normal']) expect(called, m).toContain(`default_rng.${m}`);
    const libm = fixture.cases.flatMap((c) => c.calls.flatMap((k) => k.libm_differs ?? []));
    // The correctly rounded log is what differs from this machine's glibc, and only rarely.
    expect(libm.length).toBeGreaterThan(0);
    expect(libm.length).toBeLessThan(100);
  });

  it('SeedSequence: pool and generate_state', () => {
    for (const s of fixture.seed_sequences) {
      const seq = new SeedSequence(decode(s.entropy) as never, s.spawn_key);
      expect(Array.from(seq.pool), JSON.stringify(s.entropy)).toEqual(s.pool);
      expect(Array.from(seq.generate_state(9) as Uint32Array)).toEqual(s.state32);
      expect(Array.from(seq.generate_state(3, 'uint64') as BigUint64Array, String)).toEqual(s.state64);
    }
  });
});

describe('NumPy random: state and budgets', () => {
  it('set_state restores the stream, cached Gaussian included', () => {
    const rs = new RandomState(5);
    rs.randn(3);
    const state = rs.get_state();
    expect(state.has_gauss).toBe(true);
    const first = Array.from(rs.randn(4).data);
    rs.randint(0, 100, 7);
    rs.set_state(state);
    expect(Array.from(rs.randn(4).data)).toEqual(first);
    expect(() => rs.set_state({ ...state, pos: 1000 })).toThrow(NumpyError);
    expect(() => rs.set_state({ ...state, key: new Uint32Array(3) })).toThrow(NumpyError);
  });

  it('PCG64 state round-trips, its uint32 buffer included', () => {
    const g = default_rng(3);
    g.integers(0, 10, 3); // leaves half a 64-bit word buffered
    const state = g.bit_generator.getState();
    expect(state.has_uint32).toBe(true);
    const first = Array.from(g.integers(0, 1000, 5).data as Float64Array);
    g.random(4);
    g.bit_generator.setState(state);
    expect(Array.from(g.integers(0, 1000, 5).data as Float64Array)).toEqual(first);
  });

  it('refuses a size over the budget before allocating, and keeps the stream', () => {
    const rs = new RandomState(0, { maxElements: 100 });
    expect(() => rs.rand(11, 10)).toThrow(RandomBudgetError);
    expect(() => rs.randint(0, 5, [1000, 1000, 1000])).toThrow(/1000000000 elements, more than the budget of 100/);
    expect(() => rs.permutation(101)).toThrow(RandomBudgetError);
    expect(() => rs.choice(1000, 3, false)).toThrow(RandomBudgetError);
    expect(() => default_rng(0, { maxElements: 100 }).standard_normal([20, 20])).toThrow(RandomBudgetError);
    expect(Array.from(rs.randint(0, 10, [4, 3]).data as Float64Array)).toEqual([5, 0, 3, 3, 7, 9, 3, 5, 2, 4, 7, 6]);
  });

  it('bounds the repeated draws of choice without replacement (up to size²/2 for a skewed p)', () => {
    const weights = Array.from({ length: 500 }, (_, i) => 0.98 ** i);
    const total = weights.reduce((a, b) => a + b);
    const p = weights.map((w) => w / total);
    expect(() => new RandomState(0, { maxElements: 1000 }).choice(500, 500, false, p)).toThrow(RandomBudgetError);
    const all = new RandomState(0, { maxElements: 1_000_000 }).choice(500, 500, false, p);
    expect(new Set(all.data).size).toBe(500);
  });

  it('integer draws beyond 2^53 come back as BigInt, within it as numbers', () => {
    const rs = new RandomState(1);
    expect(rs.randint(0, 2 ** 53 - 1, 3).data).toBeInstanceOf(Float64Array);
    expect(rs.randint(0, 2n ** 53n + 1n, 3).data).toBeInstanceOf(BigInt64Array);
    expect(default_rng(1).integers(0, 2n ** 64n, 2, 'uint64').data).toBeInstanceOf(BigUint64Array);
  });
});

describe('correctly rounded log', () => {
  it('matches logs computed to 60 digits (Python decimal), fast and slow paths alike', () => {
    const references = fixture.correctly_rounded_log;
    expect(references.length).toBeGreaterThan(1000);
    for (const [x, log] of references) {
      expect(correctlyRoundedLog(x), `log(${x})`).toBe(log);
      expect(slowCorrectlyRoundedLog(x), `log(${x}), fixed point`).toBe(log);
    }
  });

  it('agrees with its fixed-point reference on random doubles and around 1', () => {
    const words = new Uint32Array(2);
    const asDouble = new Float64Array(words.buffer);
    let state = 12345;
    const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0);
    for (let i = 0; i < 4000; i++) {
      words[0] = next();
      words[1] = next() % 0x7ff00000; // positive, finite, subnormals included
      const nearOne = (asDouble[0] % 1) / 64;
      const x = i % 3 === 0 ? asDouble[0] : i % 3 === 1 ? 1 + nearOne : 1 - nearOne;
      if (!(x > 0)) continue;
      expect(correctlyRoundedLog(x), `log(${x})`).toBe(slowCorrectlyRoundedLog(x));
    }
  });

  it('handles the special values as C does', () => {
    expect(correctlyRoundedLog(1)).toBe(0);
    expect(correctlyRoundedLog(0)).toBe(-Infinity);
    expect(correctlyRoundedLog(Infinity)).toBe(Infinity);
    expect(correctlyRoundedLog(-1)).toBeNaN();
    expect(correctlyRoundedLog(NaN)).toBeNaN();
    expect(correctlyRoundedLog(Math.E)).toBe(1); // log of e's double is 1 − 5.3e-17: rounds to 1
  });
});

describe('NumPy random: hostile arguments', () => {
  it('fails only with NumPy errors or budget errors, and within the budget', () => {
    const floats: unknown[] = [
      0,
      1,
      -1,
      -0,
      2.5,
      NaN,
      Infinity,
      -Infinity,
      1e308,
      { shape: [2], data: [1, NaN] },
      { shape: [0], data: [] },
      { shape: [2, 2], data: [1, -2, 3, 4] },
      { shape: [], data: [3] },
      undefined,
    ];
    const integers: unknown[] = [
      0,
      1,
      -1,
      2.5,
      NaN,
      Infinity,
      2 ** 53,
      2 ** 64,
      -(2 ** 63),
      1e300,
      10n ** 30n,
      -5n,
      2n ** 63n,
      { shape: [2], data: [1, 7] },
      { shape: [0], data: [] },
      { shape: [2, 1], data: [0, 2n ** 40n] },
      null,
    ];
    const sizes: unknown[] = [null, undefined, 0, -1, 3, [2, 3], [2, -1], [1e9, 1e9], [2.5], NaN, Infinity, [], [0, -1]];
    const dtypes = ['int64', 'int8', 'uint64', 'bool', 'uint16', 'float64', 'toString'];
    let state = 7;
    const pick = <T>(items: readonly T[]): T => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return items[state % items.length];
    };
    const rs = new RandomState(0, { maxElements: 1000 });
    const g = default_rng(0, { maxElements: 1000 });
    const calls: (() => unknown)[] = [
      () => rs.randint(pick(integers) as never, pick(integers) as never, pick(sizes) as never, pick(dtypes) as never),
      () => g.integers(pick(integers) as never, pick(integers) as never, pick(sizes) as never, pick(dtypes) as never, pick([true, false])),
      () => rs.uniform(pick(floats) as never, pick(floats) as never, pick(sizes) as never),
      () => g.uniform(pick(floats) as never, pick(floats) as never, pick(sizes) as never),
      () => rs.normal(pick(floats) as never, pick(floats) as never, pick(sizes) as never),
      () => g.normal(pick(floats) as never, pick(floats) as never, pick(sizes) as never),
      () => rs.choice(pick(integers) as never, pick(sizes) as never, pick([true, false]), pick([null, [0.5, 0.5], [NaN], [1, 0, 0, 0, 0]])),
      () => rs.permutation(pick(integers) as never),
      () => rs.random_sample(pick(sizes) as never),
      () => g.random(pick(sizes) as never, pick(['float64', 'float32', 'int32']) as never),
      () => {
        const dims = pick(sizes);
        return rs.randn(...((Array.isArray(dims) ? dims : []) as number[]));
      },
      () => new RandomState(pick(integers) as never),
      () => default_rng(pick(integers) as never),
    ];
    let failures = 0;
    for (let i = 0; i < 5000; i++) {
      try {
        const result = pick(calls)() as RandomArray<string, ArrayLike<unknown>> | RandomState | Generator;
        if ('data' in result) expect(result.data.length).toBeLessThanOrEqual(1000);
      } catch (e) {
        failures++;
        if (!(e instanceof NumpyError || e instanceof RandomBudgetError)) throw e;
      }
    }
    expect(failures).toBeGreaterThan(500); // the hostile arguments did reach the checks
  });
});
