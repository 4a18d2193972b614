// NumPy's SeedSequence (NumPy 1.17 to 2.x, unchanged), the seeding behind default_rng(s):
// O'Neill's hash-mix entropy pool.
//
// - The entropy (a non-negative integer, or a nested list of them) becomes 32-bit words:
//   each integer its little-endian 32-bit words (0 is one word, 0), lists concatenated in
//   order. A spawn key, when given, is appended after zero-padding the entropy to the pool.
// - mix_entropy hashes those words into a pool of 4 words (hashmix with a multiplier that
//   itself advances: INIT_A, MULT_A), then mixes every pool word into every other
//   (mix = L·x − R·y, xorshift 16), then folds any words beyond the pool into all of it.
// - generate_state(n) runs the pool cyclically through a second hash (INIT_B, MULT_B);
//   64-bit words are pairs of 32-bit ones, the first the low half.

import { type ArrayArg, isArrayArg } from './arguments';
import { NumpyError } from './errors';

const INIT_A = 0x43b0d7e5;
const MULT_A = 0x931e8875;
const INIT_B = 0x8b51f9dd;
const MULT_B = 0x58f38ded;
const MIX_MULT_L = 0xca01f9dd;
const MIX_MULT_R = 0x4973f715;
const XSHIFT = 16;
const POOL_SIZE = 4;

/** Entropy as NumPy's SeedSequence takes it: a non-negative integer, nested lists of them,
 *  or an array of them. */
export type Entropy = number | bigint | readonly Entropy[] | ArrayArg<number | bigint>;

function integerWords(n: number | bigint, out: number[]): void {
  if (typeof n === 'number' && !Number.isInteger(n)) {
    throw new NumpyError('TypeError', 'seed must be integer');
  }
  let big = BigInt(n);
  if (big < 0n) throw new NumpyError('ValueError', 'expected non-negative integer');
  if (big === 0n) out.push(0);
  while (big > 0n) {
    out.push(Number(big & 0xffffffffn));
    big >>= 32n;
  }
}

/** The 32-bit words of an entropy value (NumPy's _coerce_to_uint32_array). */
export function entropyWords(entropy: Entropy): number[] {
  const out: number[] = [];
  const visit = (value: Entropy): void => {
    if (typeof value === 'number' || typeof value === 'bigint') integerWords(value, out);
    else if (isArrayArg(value)) for (let i = 0; i < value.data.length; i++) integerWords(value.data[i], out);
    else for (const item of value) visit(item);
  };
  if (typeof entropy === 'number' && !Number.isInteger(entropy)) {
    throw new NumpyError('TypeError', `SeedSequence expects int or sequence of ints for entropy not ${entropy}`);
  }
  visit(entropy);
  return out;
}

export class SeedSequence {
  readonly pool = new Uint32Array(POOL_SIZE);

  constructor(
    readonly entropy: Entropy,
    readonly spawnKey: readonly number[] = [],
  ) {
    let words = entropyWords(entropy);
    const spawnWords = entropyWords(spawnKey);
    if (spawnWords.length > 0 && words.length < POOL_SIZE) {
      words = words.concat(new Array<number>(POOL_SIZE - words.length).fill(0));
    }
    this.mixEntropy(words.concat(spawnWords));
  }

  private mixEntropy(words: readonly number[]): void {
    const pool = this.pool;
    let hashConst = INIT_A;
    const hashmix = (value: number): number => {
      value = (value ^ hashConst) >>> 0;
      hashConst = Math.imul(hashConst, MULT_A) >>> 0;
      value = Math.imul(value, hashConst) >>> 0;
      return (value ^ (value >>> XSHIFT)) >>> 0;
    };
    const mix = (x: number, y: number): number => {
      const result = (Math.imul(MIX_MULT_L, x) - Math.imul(MIX_MULT_R, y)) >>> 0;
      return (result ^ (result >>> XSHIFT)) >>> 0;
    };
    for (let i = 0; i < POOL_SIZE; i++) pool[i] = hashmix(i < words.length ? words[i] : 0);
    for (let src = 0; src < POOL_SIZE; src++) {
      for (let dst = 0; dst < POOL_SIZE; dst++) {
        if (src !== dst) pool[dst] = mix(pool[dst], hashmix(pool[src]));
      }
    }
    for (let src = POOL_SIZE; src < words.length; src++) {
      for (let dst = 0; dst < POOL_SIZE; dst++) pool[dst] = mix(pool[dst], hashmix(words[src]));
    }
  }

  /** NumPy's generate_state(n_words, np.uint32): n 32-bit words. */
  generateWords(nWords: number): Uint32Array {
    const out = new Uint32Array(nWords);
    let hashConst = INIT_B;
    for (let i = 0; i < nWords; i++) {
      let value = (this.pool[i % POOL_SIZE] ^ hashConst) >>> 0;
      hashConst = Math.imul(hashConst, MULT_B) >>> 0;
      value = Math.imul(value, hashConst) >>> 0;
      out[i] = (value ^ (value >>> XSHIFT)) >>> 0;
    }
    return out;
  }

  /** NumPy's generate_state(n_words, dtype): uint32 words, or uint64 words made of pairs. */
  generate_state(nWords: number, dtype: 'uint32' | 'uint64' = 'uint32'): Uint32Array | BigUint64Array {
    if (dtype === 'uint32') return this.generateWords(nWords);
    const words = this.generateWords(2 * nWords);
    const out = new BigUint64Array(nWords);
    for (let i = 0; i < nWords; i++) out[i] = (BigInt(words[2 * i + 1]) << 32n) | BigInt(words[2 * i]);
    return out;
  }
}
