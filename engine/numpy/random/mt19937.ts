// The Mersenne Twister MT19937 as NumPy's legacy RandomState drives it (NumPy 1.17 to 2.x;
// the legacy stream is frozen by NumPy's compatibility policy, and the seeding below is the
// same as in NumPy 1.16's randomkit):
//
// - `seed(s)` for an integer 0 ≤ s < 2^32 is Matsumoto and Nishimura's init_genrand(s);
// - `seed([k0, k1, ...])` (a 1-d list or array of such integers) is their
//   init_by_array(keys), whose first word is then forced to 0x80000000;
// - next_uint32 is the tempered output; next_uint64 is two of them, the first in the high
//   half; next_double is (a >> 5) · 2^26 + (b >> 6) over 2^53 for two successive words a, b.

import type { BitGenerator, Word64 } from './bitGenerator';

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;

export class MT19937 implements BitGenerator {
  /** The 624 words of state (NumPy's `key`) and the index of the next one to temper. */
  readonly key = new Uint32Array(N);
  pos = N;

  /** init_genrand: the state for a 32-bit seed. */
  seedInteger(seed: number): void {
    const key = this.key;
    key[0] = seed >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = key[i - 1];
      key[i] = (Math.imul(1812433253, prev ^ (prev >>> 30)) + i) >>> 0;
    }
    this.pos = N;
  }

  /** init_by_array: the state for a list of 32-bit words (at least one). */
  seedArray(words: ArrayLike<number>): void {
    const key = this.key;
    const length = words.length;
    this.seedInteger(19650218);
    let i = 1;
    let j = 0;
    for (let k = Math.max(N, length); k > 0; k--) {
      const prev = key[i - 1];
      key[i] = ((key[i] ^ Math.imul(prev ^ (prev >>> 30), 1664525)) + words[j] + j) >>> 0;
      i++;
      j++;
      if (i >= N) {
        key[0] = key[N - 1];
        i = 1;
      }
      if (j >= length) j = 0;
    }
    for (let k = N - 1; k > 0; k--) {
      const prev = key[i - 1];
      key[i] = ((key[i] ^ Math.imul(prev ^ (prev >>> 30), 1566083941)) - i) >>> 0;
      i++;
      if (i >= N) {
        key[0] = key[N - 1];
        i = 1;
      }
    }
    key[0] = UPPER_MASK;
    this.pos = N;
  }

  private regenerate(): void {
    const key = this.key;
    let i = 0;
    for (; i < N - M; i++) {
      const y = (key[i] & UPPER_MASK) | (key[i + 1] & LOWER_MASK);
      key[i] = key[i + M] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    for (; i < N - 1; i++) {
      const y = (key[i] & UPPER_MASK) | (key[i + 1] & LOWER_MASK);
      key[i] = key[i + M - N] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    const y = (key[N - 1] & UPPER_MASK) | (key[0] & LOWER_MASK);
    key[N - 1] = key[M - 1] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    this.pos = 0;
  }

  nextUint32(): number {
    if (this.pos === N) this.regenerate();
    let y = this.key[this.pos++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  nextUint64(into: Word64): void {
    into.hi = this.nextUint32();
    into.lo = this.nextUint32();
  }

  nextDouble(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }
}
