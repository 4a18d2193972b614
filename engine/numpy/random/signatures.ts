// The Python signatures of the methods this module implements (NumPy 1.24's parameter names,
// order and defaults), so that a front end can bind positional and keyword arguments the way
// NumPy does, then call the method with them in this order. `*dims` marks rand/randn's
// variadic dimensions.

export interface RandomSignature {
  /** Parameter names in positional order. */
  readonly params: readonly string[];
  /** Defaults as Python literals would give them (null for None); absent: required. */
  readonly defaults: Readonly<Record<string, number | boolean | string | null>>;
}

const sig = (params: string[], defaults: Record<string, number | boolean | string | null> = {}): RandomSignature => ({
  params,
  defaults,
});

export const RANDOM_SIGNATURES = {
  RandomState: {
    seed: sig(['seed'], { seed: null }),
    get_state: sig([]),
    set_state: sig(['state']),
    random_sample: sig(['size'], { size: null }),
    random: sig(['size'], { size: null }),
    ranf: sig(['size'], { size: null }),
    sample: sig(['size'], { size: null }),
    rand: sig(['*dims']),
    randn: sig(['*dims']),
    standard_normal: sig(['size'], { size: null }),
    normal: sig(['loc', 'scale', 'size'], { loc: 0, scale: 1, size: null }),
    uniform: sig(['low', 'high', 'size'], { low: 0, high: 1, size: null }),
    randint: sig(['low', 'high', 'size', 'dtype'], { high: null, size: null, dtype: 'int64' }),
    random_integers: sig(['low', 'high', 'size'], { high: null, size: null }),
    choice: sig(['a', 'size', 'replace', 'p'], { size: null, replace: true, p: null }),
    shuffle: sig(['x']),
    permutation: sig(['x']),
  },
  Generator: {
    integers: sig(['low', 'high', 'size', 'dtype', 'endpoint'], { high: null, size: null, dtype: 'int64', endpoint: false }),
    random: sig(['size', 'dtype', 'out'], { size: null, dtype: 'float64', out: null }),
    uniform: sig(['low', 'high', 'size'], { low: 0, high: 1, size: null }),
    normal: sig(['loc', 'scale', 'size'], { loc: 0, scale: 1, size: null }),
    standard_normal: sig(['size', 'dtype', 'out'], { size: null, dtype: 'float64', out: null }),
  },
  default_rng: sig(['seed'], { seed: null }),
} as const;
