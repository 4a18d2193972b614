// NumPy's legacy RandomState (np.random.seed, np.random.rand, ...): MT19937 and the legacy
// distributions, whose streams NumPy keeps frozen (NumPy 1.17 to 2.x reproduce NumPy 1.16's
// randomkit; messages are NumPy 1.24's). One RandomState per document: the module-level
// np.random.* functions of a script all share one instance.
//
// - seed: an int in [0, 2^32) is init_genrand; a 1-d list of such ints is init_by_array
//   (a NumPy array that squeezes to 0-d counts as its scalar: pass the scalar). Larger ints
//   are refused ("Seed must be between 0 and 2**32 - 1"), as NumPy does. No seed (None):
//   seed 0, by tgraph's contract (NumPy would draw entropy from the OS).
// - random_sample / rand / random: next_double; uniform: low + (high − low)·next_double.
// - randn / standard_normal / normal: the polar Box–Muller method, x1, x2 = 2U − 1 until
//   0 < r2 = x1² + x2² < 1, f = sqrt(−2 log(r2)/r2); returns f·x2 and keeps f·x1 for the next
//   call (the cached Gaussian survives between calls and is part of get_state; seed clears
//   it). log is correctly rounded (correctlyRoundedLog.ts): glibc's log rounds differently
//   in about 1 call in 1,200, which changes about 1 Gaussian in 1,700 in its last bit.
// - randint: masked rejection (bounded.ts, integers.ts); choice, shuffle, permutation below.

import {
  type ArrayArg,
  checkedShape,
  type FloatParam,
  isArrayArg,
  normalDraws,
  type RandomArray,
  resolveSize,
  type Size,
  uniformDraws,
} from './arguments';
import { intervalDraw } from './bounded';
import { allocateLike, checkedProbabilities, cumulative, dtypeOf, searchRight, type WritableValues } from './choice';
import { correctlyRoundedLog } from './correctlyRoundedLog';
import { NumpyError, RandomBudgetError } from './errors';
import { boundedIntegers, type IntegerArray, type IntegerDType, type IntegerParam, pythonInt } from './integers';
import { MT19937 } from './mt19937';

/** A legacy seed: an int, a 1-d list or array of ints, or null/undefined for tgraph's
 *  default (0). Nested lists are accepted to be refused as NumPy refuses them. */
export type LegacySeed = number | bigint | readonly LegacySeedItem[] | ArrayArg<number | bigint> | null | undefined;
type LegacySeedItem = number | bigint | readonly LegacySeedItem[];

export interface RandomOptions {
  /** Most elements one call may produce (tgraph.maxElements); more is a RandomBudgetError. */
  readonly maxElements?: number;
}

export const DEFAULT_MAX_ELEMENTS = 10_000_000;

/** NumPy's get_state() tuple ('MT19937', key, pos, has_gauss, cached_gaussian), by name. */
export interface LegacyState {
  readonly key: Uint32Array;
  readonly pos: number;
  readonly has_gauss: boolean;
  readonly cached_gaussian: number;
}

export type FloatArray = RandomArray<'float64'>;

const SEED_RANGE = 'Seed must be between 0 and 2**32 - 1';

function seedWords(seed: Exclude<LegacySeed, null | undefined>): number | number[] {
  if (typeof seed === 'number' || typeof seed === 'bigint') {
    if (typeof seed === 'number' && !Number.isInteger(seed)) {
      throw new NumpyError('TypeError', "Cannot cast scalar from dtype('float64') to dtype('int64') according to the rule 'safe'");
    }
    if (seed < 0 || seed > 0xffffffff) throw new NumpyError('ValueError', SEED_RANGE);
    return Number(seed);
  }
  const values: readonly LegacySeedItem[] = isArrayArg(seed) ? Array.from(seed.data) : seed;
  const rank = isArrayArg(seed) ? seed.shape.length : values.some((v) => typeof v === 'object') ? 2 : 1;
  if (values.length === 0) throw new NumpyError('ValueError', 'Seed must be non-empty');
  const isFractional = (v: LegacySeedItem): boolean =>
    typeof v === 'number' ? !Number.isInteger(v) : typeof v === 'object' && v.some(isFractional);
  if (values.some(isFractional)) {
    throw new NumpyError('TypeError', "Cannot cast array data from dtype('float64') to dtype('int64') according to the rule 'safe'");
  }
  if (rank !== 1) throw new NumpyError('ValueError', 'Seed array must be 1-d');
  const integers = values as readonly (number | bigint)[];
  if (integers.some((v) => v < 0 || v > 0xffffffff)) throw new NumpyError('ValueError', SEED_RANGE);
  return integers.map(Number);
}

export class RandomState {
  private readonly mt = new MT19937();
  private hasGauss = false;
  private gauss = 0;
  readonly maxElements: number;

  constructor(seed?: LegacySeed, options: RandomOptions = {}) {
    this.maxElements = options.maxElements ?? DEFAULT_MAX_ELEMENTS;
    this.seed(seed);
  }

  seed(seed?: LegacySeed): void {
    const words = seedWords(seed ?? 0);
    if (typeof words === 'number') this.mt.seedInteger(words);
    else this.mt.seedArray(words);
    this.hasGauss = false;
    this.gauss = 0;
  }

  get_state(): LegacyState {
    return { key: this.mt.key.slice(), pos: this.mt.pos, has_gauss: this.hasGauss, cached_gaussian: this.gauss };
  }

  set_state(state: LegacyState): void {
    if (state.key.length !== 624) throw new NumpyError('ValueError', 'state must be 624 longs');
    if (!Number.isInteger(state.pos) || state.pos < 0 || state.pos > 624) {
      throw new NumpyError('ValueError', 'pos must be an integer in [0, 624]'); // tgraph's check
    }
    this.mt.key.set(state.key);
    this.mt.pos = state.pos;
    this.hasGauss = state.has_gauss;
    this.gauss = state.cached_gaussian;
  }

  // --- uniform doubles ---

  random_sample(size?: Size): FloatArray {
    const { shape, count, isNone } = resolveSize(size, this.maxElements, 'random_sample');
    const data = new Float64Array(count);
    for (let i = 0; i < count; i++) data[i] = this.mt.nextDouble();
    return { dtype: 'float64', shape, data, scalar: isNone };
  }

  random(size?: Size): FloatArray {
    return this.random_sample(size);
  }

  ranf(size?: Size): FloatArray {
    return this.random_sample(size);
  }

  sample(size?: Size): FloatArray {
    return this.random_sample(size);
  }

  /** rand(d0, d1, ...): no arguments is a scalar. */
  rand(...dims: number[]): FloatArray {
    return this.random_sample(dims.length === 0 ? null : dims);
  }

  uniform(low: FloatParam = 0, high: FloatParam = 1, size?: Size): FloatArray {
    const rule = { scalarOverflow: 'Range exceeds valid bounds', range: 'none' } as const;
    return uniformDraws(low, high, size, this.maxElements, rule, () => this.mt.nextDouble());
  }

  // --- Gaussians ---

  private nextGauss(): number {
    if (this.hasGauss) {
      this.hasGauss = false;
      const cached = this.gauss;
      this.gauss = 0;
      return cached;
    }
    let x1: number;
    let x2: number;
    let r2: number;
    do {
      x1 = 2 * this.mt.nextDouble() - 1;
      x2 = 2 * this.mt.nextDouble() - 1;
      r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1 || r2 === 0);
    const f = Math.sqrt((-2 * correctlyRoundedLog(r2)) / r2);
    this.gauss = f * x1;
    this.hasGauss = true;
    return f * x2;
  }

  standard_normal(size?: Size): FloatArray {
    const { shape, count, isNone } = resolveSize(size, this.maxElements, 'standard_normal');
    const data = new Float64Array(count);
    for (let i = 0; i < count; i++) data[i] = this.nextGauss();
    return { dtype: 'float64', shape, data, scalar: isNone };
  }

  /** randn(d0, d1, ...): no arguments is a scalar. */
  randn(...dims: number[]): FloatArray {
    return this.standard_normal(dims.length === 0 ? null : dims);
  }

  normal(loc: FloatParam = 0, scale: FloatParam = 1, size?: Size): FloatArray {
    return normalDraws(loc, scale, size, this.maxElements, () => this.nextGauss());
  }

  // --- integers ---

  /** randint(low, high=None, size=None, dtype='int64'): [low, high), or [0, low) without high. */
  randint(low: IntegerParam, high: IntegerParam | null = null, size?: Size, dtype: IntegerDType = 'int64'): IntegerArray {
    return boundedIntegers(this.mt, {
      low: high === null ? 0 : low,
      high: high === null ? low : high,
      size,
      dtype,
      masked: true,
      closed: false,
      maxElements: this.maxElements,
      what: 'randint',
    });
  }

  /** The deprecated random_integers(low, high=None, size=None): [low, high], or [1, low]. */
  random_integers(low: IntegerParam, high: IntegerParam | null = null, size?: Size): IntegerArray {
    const [lo, hi] = high === null ? [1, low] : [low, high];
    if (isArrayArg(hi)) throw new NumpyError('TypeError', 'only size-1 arrays can be converted to Python scalars');
    return this.randint(lo, pythonInt(hi) + 1n, size, 'int64');
  }

  // --- permutations and choice ---

  /** Shuffle `x` in place along its first axis: for i from n − 1 down to 1, swap rows i and
   *  random_interval(i). An empty array draws nothing. */
  shuffle<T>(x: { readonly shape: readonly number[]; readonly data: WritableValues<T> }): void {
    if (!isArrayArg(x) || x.shape.length === 0) throw new NumpyError('TypeError', 'len() of unsized object');
    const n = x.shape[0];
    const data = x.data;
    if (data.length === 0) return;
    const row = data.length / n;
    const swap = new Array<T>(row);
    const word = { hi: 0, lo: 0 };
    for (let i = n - 1; i > 0; i--) {
      const j = intervalDraw(this.mt, i, word);
      if (j === i) continue;
      for (let k = 0; k < row; k++) swap[k] = data[j * row + k];
      for (let k = 0; k < row; k++) data[j * row + k] = data[i * row + k];
      for (let k = 0; k < row; k++) data[i * row + k] = swap[k];
    }
  }

  /** permutation(n): a shuffled arange(n) (int64 values in a Float64Array);
   *  permutation(array): a shuffled copy along axis 0, of the same kind of data. */
  permutation(x: number | bigint): RandomArray<'int64'>;
  permutation<T>(x: ArrayArg<T>): RandomArray<string, WritableValues<T>>;
  permutation<T>(x: number | bigint | ArrayArg<T>): RandomArray<string, Float64Array | WritableValues<T>> {
    if (typeof x === 'number' || typeof x === 'bigint') {
      if (typeof x === 'number' && !Number.isInteger(x)) {
        throw new NumpyError('IndexError', 'x must be an integer or at least 1-dimensional');
      }
      const n = Math.max(0, Number(x));
      checkedShape([n], this.maxElements, `permutation(${n})`);
      const data = new Float64Array(n);
      for (let i = 0; i < n; i++) data[i] = i;
      this.shuffle({ shape: [n], data });
      return { dtype: 'int64', shape: [n], data, scalar: false };
    }
    if (!isArrayArg(x) || x.shape.length === 0) {
      throw new NumpyError('IndexError', 'x must be an integer or at least 1-dimensional');
    }
    const data = allocateLike(x.data, x.data.length);
    for (let i = 0; i < x.data.length; i++) data[i] = x.data[i];
    this.shuffle({ shape: x.shape, data });
    return { dtype: dtypeOf(x), shape: [...x.shape], data, scalar: false };
  }

  /** choice(a, size=None, replace=True, p=None). `a` is an int n (indices into arange(n),
   *  int64 values in a Float64Array) or a 1-d array (its values, the same kind of data).
   *  A Float32Array `p` is a float32 array to NumPy: its total may be off by float32's
   *  tolerance. */
  choice(a: number | bigint, size?: Size, replace?: boolean, p?: ArrayLike<number> | null): RandomArray<'int64'>;
  choice<T>(
    a: ArrayArg<T>,
    size?: Size,
    replace?: boolean,
    p?: ArrayLike<number> | null,
  ): RandomArray<string, WritableValues<T> | Float64Array>;
  choice<T>(
    a: number | bigint | ArrayArg<T>,
    size?: Size,
    replace = true,
    p: ArrayLike<number> | null = null,
  ): RandomArray<string, WritableValues<T> | Float64Array> {
    const sampleCount = size === null || size === undefined ? null : (typeof size === 'number' ? [size] : size).reduce((s, d) => s * d, 1);
    const population = isArrayArg(a) && a.shape.length === 0 ? a.data[0] : a;
    let populationSize: number;
    if (!isArrayArg(population)) {
      if (typeof population !== 'bigint' && (typeof population !== 'number' || !Number.isInteger(population))) {
        throw new NumpyError('ValueError', 'a must be 1-dimensional or an integer');
      }
      populationSize = Number(population);
      if (populationSize <= 0 && sampleCount !== 0) {
        throw new NumpyError('ValueError', 'a must be greater than 0 unless no samples are taken');
      }
    } else if (population.shape.length !== 1) {
      throw new NumpyError('ValueError', 'a must be 1-dimensional');
    } else {
      populationSize = population.shape[0];
      if (populationSize === 0 && sampleCount !== 0) {
        throw new NumpyError('ValueError', "'a' cannot be empty unless no samples are taken");
      }
    }
    const probabilities = p === null ? null : checkedProbabilities(p, populationSize);

    const { shape, count, isNone } = resolveSize(size, this.maxElements, 'choice');
    let indices: Float64Array;
    if (replace) {
      if (probabilities !== null) {
        const cdf = cumulative(probabilities);
        indices = this.random_sample(size).data;
        for (let i = 0; i < indices.length; i++) indices[i] = searchRight(cdf, indices[i]);
      } else {
        indices = this.randint(0, populationSize, size).data as Float64Array;
      }
    } else {
      if (count > populationSize) {
        throw new NumpyError('ValueError', "Cannot take a larger sample than population when 'replace=False'");
      }
      if (probabilities !== null) {
        indices = this.distinctWeighted(probabilities, count);
      } else {
        indices = this.permutation(populationSize).data.slice(0, count);
      }
    }
    if (!isArrayArg(population)) return { dtype: 'int64', shape, data: indices, scalar: isNone };
    const picked = allocateLike(population.data, indices.length);
    for (let i = 0; i < indices.length; i++) picked[i] = population.data[indices[i]];
    return { dtype: dtypeOf(population), shape, data: picked, scalar: isNone };
  }

  /** Sampling without replacement with probabilities, as NumPy does it: draw as many as are
   *  missing, keep the indices not drawn before in the order first drawn, zero the found
   *  ones' probabilities, repeat. Each round finds at least one new index, but with a skewed
   *  p the rounds can draw about size²/2 values: their total is bounded by the element budget. */
  private distinctWeighted(probabilities: Float64Array, count: number): Float64Array {
    let positive = 0;
    for (const v of probabilities) if (v > 0) positive++;
    if (positive < count) throw new NumpyError('ValueError', 'Fewer non-zero entries in p than size');
    const weights = probabilities.slice();
    const found = new Float64Array(count);
    const isFound = new Uint8Array(weights.length);
    let distinct = 0;
    let drawn = 0;
    while (distinct < count) {
      const missing = count - distinct;
      drawn += missing;
      if (drawn > this.maxElements) {
        throw new RandomBudgetError(drawn, this.maxElements, 'choice(replace=False, p=...) (its repeated draws)');
      }
      const u = this.random_sample(missing).data;
      for (let i = 0; i < distinct; i++) weights[found[i]] = 0;
      const cdf = cumulative(weights);
      for (let i = 0; i < missing; i++) {
        // A found index has probability 0 now, so it is never drawn again.
        const index = searchRight(cdf, u[i]);
        if (isFound[index] === 0) {
          isFound[index] = 1;
          found[distinct++] = index;
        }
      }
    }
    return found;
  }
}
