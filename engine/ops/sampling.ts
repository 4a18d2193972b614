// TensorFlow's random ops — tf.random.normal, tf.random.uniform, tf.random.truncated_normal
// (TensorFlow 1.x: tf.random_normal, tf.random_uniform, tf.truncated_normal) — and their
// seeds (tf.random.set_seed, tf.set_random_seed).
//
// TensorFlow's own stream (Philox, and how each kernel draws from it) is not reproduced: the
// values are samples from tgraph's documented generator (engine/ops/random.ts), a constant
// made when the op is built, the same on every run and every machine. The seeds are picked
// as TensorFlow picks them (random_seed.get_seed):
//   - the global seed g: the last set_seed before the op, else 87654321 (TensorFlow's
//     default graph seed) when the op has a seed of its own;
//   - the op seed o: the `seed` argument, else the number of random ops made before this one
//     in the document (TensorFlow uses the graph's op count);
//   - the generator starts from mix(g, o) (`streamSeed` below; both taken modulo 2^32).
// With neither seed TensorFlow draws a fresh stream each run; tgraph uses g = 87654321 and the
// op's place, so two random ops never share a stream unless given the same seeds.

import { type DType, allocData, isFloat, isInteger } from '../tensor';
import { type Builder, BuildError, NONE, type BoundArgs, tensorValue } from '../builder';
import type { Node } from '../graph';
import { defineOps, op, type Param } from './registry';
import { Random } from './random';
import { checkedSize, concreteShape } from './sources';

const DEFAULT_GRAPH_SEED = 87654321;

/** A seed as 32 bits (Python seeds are any integer). */
function seed32(v: number): number {
  return (((v % 4294967296) + 4294967296) % 4294967296) | 0;
}

/** The generator's starting state for a global and an op seed (murmur3's finaliser over
 *  the two, so nearby seeds give unrelated streams). */
export function streamSeed(globalSeed: number, opSeed: number): number {
  let h = Math.imul(globalSeed ^ 0x9e3779b9, 0x85ebca6b) ^ opSeed;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The generator for the next random op, with its seeds picked as TensorFlow picks them. */
function nextStream(b: Builder, args: BoundArgs): Random {
  return new Random(nextStreamSeed(b, args.optionalInt('seed')));
}

/** The stream of the next random op, as `nextStream`, for an op that samples when it is
 *  evaluated (its shape known only then): the generator's starting state. */
export function nextStreamSeed(b: Builder, opSeed: number | null): number {
  const index = b.random.ops++;
  return streamSeed(b.random.globalSeed ?? DEFAULT_GRAPH_SEED, opSeed === null ? index : seed32(opSeed));
}

/** A constant of the op's static shape and dtype, element i drawn by `draw` in row-major order. */
function sample(b: Builder, args: BoundArgs, dtype: DType, draw: (rng: Random) => number): Node {
  const shape = concreteShape(b, args.shape('shape'), args.span('shape'), `${args.op.name}()`);
  const n = checkedSize(b, shape, args.span('shape'), `${args.op.name}()`);
  const rng = nextStream(b, args);
  const data = allocData(dtype, n);
  for (let i = 0; i < n; i++) data[i] = draw(rng);
  return b.constant({ dtype, shape, data }, args.callSpan);
}

function floatDType(args: BoundArgs): DType {
  const dtype = args.dtype('dtype');
  if (!isFloat(dtype))
    throw new BuildError(`${args.op.name}(): dtype must be float32 or float64, got ${dtype}`, args.span('dtype'), 'dtype-mismatch');
  return dtype;
}

const SAMPLES_NOTE = "samples from tgraph's documented generator, not TensorFlow's stream";

const normalParams: readonly Param[] = [
  { name: 'shape', kind: 'shape' },
  { name: 'mean', kind: 'float', default: 0 },
  { name: 'stddev', kind: 'float', default: 1 },
  { name: 'dtype', kind: 'dtype', default: 'float32' },
  { name: 'seed', kind: 'int', default: null },
];

defineOps([
  {
    name: 'random_normal',
    doc: `Normal samples with the given mean and stddev, as tf.random.normal (${SAMPLES_NOTE}).`,
    params: normalParams,
    build: (b, args) => {
      const dtype = floatDType(args);
      const mean = args.float('mean');
      const stddev = args.float('stddev');
      return tensorValue(sample(b, args, dtype, (rng) => mean + stddev * rng.normal()));
    },
  },
  {
    name: 'truncated_normal',
    doc: `Normal samples redrawn until within two stddevs of the mean, as tf.random.truncated_normal (${SAMPLES_NOTE}).`,
    params: normalParams,
    build: (b, args) => {
      const dtype = floatDType(args);
      const mean = args.float('mean');
      const stddev = args.float('stddev');
      return tensorValue(
        sample(b, args, dtype, (rng) => {
          let z = rng.normal();
          while (z > 2 || z < -2) z = rng.normal();
          return mean + stddev * z;
        }),
      );
    },
  },
  {
    name: 'random_uniform',
    doc: `Uniform samples in [minval, maxval) (maxval 1 for floats; required for integers), as tf.random.uniform (${SAMPLES_NOTE}).`,
    params: [
      { name: 'shape', kind: 'shape' },
      { name: 'minval', kind: 'float', default: 0 },
      { name: 'maxval', kind: 'float', default: null },
      { name: 'dtype', kind: 'dtype', default: 'float32' },
      { name: 'seed', kind: 'int', default: null },
    ],
    build: (b, args) => {
      const dtype = args.dtype('dtype');
      const low = args.float('minval');
      if (isInteger(dtype)) {
        if (args.isNone('maxval'))
          throw new BuildError(
            `random_uniform(): an integer dtype needs maxval (${dtype} has no default range)`,
            args.callSpan,
            'missing-argument',
          );
        const high = args.float('maxval');
        if (!Number.isInteger(low) || !Number.isInteger(high))
          throw new BuildError(`random_uniform(): minval and maxval must be integers for ${dtype}`, args.span('minval'), 'dtype-mismatch');
        if (!(low < high))
          throw new BuildError(`random_uniform(): need minval < maxval, got ${low} >= ${high}`, args.span('maxval'), 'bad-argument');
        return tensorValue(sample(b, args, dtype, (rng) => rng.integer(low, high)));
      }
      if (!isFloat(dtype))
        throw new BuildError(
          `random_uniform(): dtype must be a float or integer dtype, got ${dtype}`,
          args.span('dtype'),
          'dtype-mismatch',
        );
      const high = args.isNone('maxval') ? 1 : args.float('maxval');
      return tensorValue(sample(b, args, dtype, (rng) => low + (high - low) * rng.uniform()));
    },
  },
  op<{ seed: number }>({
    name: 'uniform_noise',
    internal: true,
    doc: "Uniform samples in [0, 1) of the input's shape and dtype, from the stream `seed` (dropout's mask, whose shape may be known only when fed).",
    params: [],
    infer: ([x]) => x,
    kernel: ([x], attrs, out, ctx) => {
      const rng = new Random(attrs.seed);
      const data = ctx.alloc(out.dtype, x.data.length);
      for (let i = 0; i < data.length; i++) data[i] = rng.uniform();
      return data;
    },
  }),
  op<{ seed: number }>({
    name: 'step_normal_noise',
    internal: true,
    doc: 'One standard normal sample (float32) per value of the scalar step, from the stream `seed` mixed with the step: noise TensorFlow draws at each run, drawn here once per training step (tf.train.noisy_linear_cosine_decay).',
    params: [],
    infer: () => ({ dtype: 'float32', shape: [] }),
    kernel: ([step], attrs, out, ctx) => {
      const at = Number(step.data[0]);
      const rng = new Random(streamSeed(attrs.seed, Number.isFinite(at) ? Math.trunc(at) : 0));
      const data = ctx.alloc(out.dtype, 1);
      data[0] = rng.normal();
      return data;
    },
  }),
  {
    name: 'set_seed',
    aliases: ['set_random_seed'],
    doc: "Sets the global seed of the random ops after it (tgraph's generator, not TensorFlow's stream: see random_normal).",
    params: [{ name: 'seed', kind: 'int' }],
    build: (b, args) => {
      b.random.globalSeed = seed32(args.int('seed'));
      return NONE;
    },
  },
]);
