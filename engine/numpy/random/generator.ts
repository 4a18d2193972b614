// NumPy's Generator over PCG64, as np.random.default_rng(seed) makes it (NumPy 1.17 to 2.x;
// the streams of these methods have not changed since 1.17, messages are NumPy 1.24's):
//
// - default_rng(s): PCG64 seeded through SeedSequence(s) (seedSequence.ts, pcg64.ts); no seed
//   (None) means seed 0 here, by tgraph's contract (NumPy would use OS entropy);
// - integers: Lemire's bounded algorithm (bounded.ts), `endpoint` for a closed interval;
// - random: next_double (float64), or (next_uint32 >> 8) · 2^-24 for float32;
// - uniform: low + (high − low) · next_double, refusing high − low < 0;
// - normal, standard_normal: the ziggurat (ziggurat.ts), loc + scale · z; standard_normal
//   also in float32 (its own ziggurat on 32-bit draws).

import { type FloatParam, normalDraws, type RandomArray, resolveSize, type Size, uniformDraws } from './arguments';
import type { Word64 } from './bitGenerator';
import { NumpyError } from './errors';
import { boundedIntegers, type IntegerArray, type IntegerDType, type IntegerParam } from './integers';
import { DEFAULT_MAX_ELEMENTS, type RandomOptions } from './legacy';
import { PCG64 } from './pcg64';
import { type Entropy, SeedSequence } from './seedSequence';
import { standardNormal, standardNormalFloat32 } from './ziggurat';

export type GeneratorSeed = Entropy | SeedSequence | null | undefined;

export type FloatDType = 'float64' | 'float32';

function unsupported(dtype: string, method: string): NumpyError {
  return new NumpyError('TypeError', `Unsupported dtype dtype('${dtype}') for ${method}`);
}

export class Generator {
  readonly maxElements: number;
  private readonly word: Word64 = { hi: 0, lo: 0 };

  constructor(
    readonly bit_generator: PCG64,
    options: RandomOptions = {},
  ) {
    this.maxElements = options.maxElements ?? DEFAULT_MAX_ELEMENTS;
  }

  /** integers(low, high=None, size=None, dtype='int64', endpoint=False): [low, high) (or
   *  [low, high] with endpoint); without high, [0, low). */
  integers(
    low: IntegerParam,
    high: IntegerParam | null = null,
    size?: Size,
    dtype: IntegerDType = 'int64',
    endpoint = false,
  ): IntegerArray {
    return boundedIntegers(this.bit_generator, {
      low: high === null ? 0 : low,
      high: high === null ? low : high,
      size,
      dtype,
      masked: false,
      closed: endpoint,
      maxElements: this.maxElements,
      what: 'integers',
    });
  }

  /** random(size=None, dtype='float64'): [0, 1). float32 values come in a Float32Array. */
  random(size?: Size, dtype: FloatDType = 'float64'): RandomArray<FloatDType, Float64Array | Float32Array> {
    const { shape, count, isNone } = resolveSize(size, this.maxElements, 'random');
    if (dtype === 'float64') {
      const data = new Float64Array(count);
      for (let i = 0; i < count; i++) data[i] = this.bit_generator.nextDouble();
      return { dtype, shape, data, scalar: isNone };
    }
    if (dtype !== 'float32') throw unsupported(dtype, 'random');
    const data = new Float32Array(count);
    for (let i = 0; i < count; i++) data[i] = (this.bit_generator.nextUint32() >>> 8) * 5.9604644775390625e-8;
    return { dtype, shape, data, scalar: isNone };
  }

  /** uniform(low=0.0, high=1.0, size=None). */
  uniform(low: FloatParam = 0, high: FloatParam = 1, size?: Size): RandomArray<'float64'> {
    const rule = { scalarOverflow: 'high - low range exceeds valid bounds', range: 'non-negative' } as const;
    return uniformDraws(low, high, size, this.maxElements, rule, () => this.bit_generator.nextDouble());
  }

  /** standard_normal(size=None, dtype='float64'). float32 values come in a Float32Array. */
  standard_normal(size?: Size, dtype: FloatDType = 'float64'): RandomArray<FloatDType, Float64Array | Float32Array> {
    if (dtype !== 'float64' && dtype !== 'float32') throw unsupported(dtype, 'standard_normal');
    const { shape, count, isNone } = resolveSize(size, this.maxElements, 'standard_normal');
    if (dtype === 'float32') {
      const data = new Float32Array(count);
      for (let i = 0; i < count; i++) data[i] = standardNormalFloat32(this.bit_generator);
      return { dtype, shape, data, scalar: isNone };
    }
    const data = new Float64Array(count);
    for (let i = 0; i < count; i++) data[i] = standardNormal(this.bit_generator, this.word);
    return { dtype, shape, data, scalar: isNone };
  }

  /** normal(loc=0.0, scale=1.0, size=None). */
  normal(loc: FloatParam = 0, scale: FloatParam = 1, size?: Size): RandomArray<'float64'> {
    return normalDraws(loc, scale, size, this.maxElements, () => standardNormal(this.bit_generator, this.word));
  }
}

/** np.random.default_rng(seed): a Generator over PCG64 seeded through SeedSequence. */
export function default_rng(seed?: GeneratorSeed, options: RandomOptions = {}): Generator {
  const sequence = seed instanceof SeedSequence ? seed : new SeedSequence(seed ?? 0);
  return new Generator(new PCG64(sequence), options);
}
