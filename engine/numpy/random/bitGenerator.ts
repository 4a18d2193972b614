// What the distributions need from a bit generator: NumPy's `bitgen_t` interface (NumPy 1.17
// on: next_uint32, next_uint64, next_double), with 64-bit words as two unsigned 32-bit halves
// so that no draw allocates.

/** A 64-bit word as two unsigned 32-bit halves; the caller owns one and reuses it. */
export interface Word64 {
  hi: number;
  lo: number;
}

export interface BitGenerator {
  /** NumPy's next_uint32. */
  nextUint32(): number;
  /** NumPy's next_uint64, written into `into`. */
  nextUint64(into: Word64): void;
  /** NumPy's next_double: a double in [0, 1) with 53 random bits. */
  nextDouble(): number;
}

export function word64(): Word64 {
  return { hi: 0, lo: 0 };
}
