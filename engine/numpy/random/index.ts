// NumPy's random streams, bit for bit: the legacy RandomState (np.random.seed, rand, randn,
// randint, ...) over MT19937, and default_rng's Generator over PCG64. docs/engine.md
// ("NumPy's random streams") lists the API; each file says which NumPy version it follows.

export type { ArrayArg, FloatParam, RandomArray, Size } from './arguments';
export { NumpyError, RandomBudgetError, type PythonExceptionType } from './errors';
export { default_rng, Generator, type FloatDType, type GeneratorSeed } from './generator';
export type { IntegerArray, IntegerData, IntegerDType, IntegerParam } from './integers';
export { DEFAULT_MAX_ELEMENTS, type FloatArray, type LegacySeed, type LegacyState, RandomState, type RandomOptions } from './legacy';
export { MT19937 } from './mt19937';
export { PCG64, type PCG64State } from './pcg64';
export { type Entropy, SeedSequence } from './seedSequence';
export { RANDOM_SIGNATURES, type RandomSignature } from './signatures';
