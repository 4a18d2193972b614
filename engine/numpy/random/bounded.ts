// NumPy's bounded integers: a uniform integer in [0, rng] for a dtype of 8, 16, 32 or 64 bits
// (or bool), by the algorithm of NumPy 1.17 to 2.x's random/src/distributions (the legacy
// RandomState and the Generator share it; only the choice of algorithm differs):
//
// - rng = 0 draws nothing; rng = the dtype's all-ones draws one raw word (8-, 16-bit: from
//   the buffer below; 32-bit: next_uint32; 64-bit: next_uint64);
// - masked rejection (RandomState): draw, AND with the smallest all-ones mask ≥ rng, retry
//   while > rng;
// - Lemire's multiply-shift rejection (Generator): m = draw · (rng + 1) in twice the width;
//   the high half is the value, retried while the low half < (2^width − rng − 1) mod (rng + 1);
// - a 64-bit dtype whose rng fits in 32 bits uses the 32-bit algorithms on next_uint32;
// - 8- and 16-bit draws (and bool bits) come from one 32-bit word at a time, low bits first,
//   in a buffer that lives for one NumPy call (a new call starts a new word).

import type { BitGenerator, Word64 } from './bitGenerator';

export type IntegerBits = 1 | 8 | 16 | 32 | 64;

/** The smallest all-ones value ≥ v, for 0 ≤ v < 2^32. */
function smear(v: number): number {
  v |= v >>> 1;
  v |= v >>> 2;
  v |= v >>> 4;
  v |= v >>> 8;
  v |= v >>> 16;
  return v >>> 0;
}

/** 16-bit limbs of a 64-bit word, least significant first. */
function splitLimbs(hi: number, lo: number, out: Float64Array, at: number): void {
  out[at] = lo & 0xffff;
  out[at + 1] = lo >>> 16;
  out[at + 2] = hi & 0xffff;
  out[at + 3] = hi >>> 16;
}

function lessThan64(aHi: number, aLo: number, bHi: number, bLo: number): boolean {
  return aHi < bHi || (aHi === bHi && aLo < bLo);
}

export class BoundedDraw {
  private buffer = 0;
  private buffered = 0;
  private rngHi = 0;
  private rngLo = 0;
  private maskHi = 0;
  private maskLo = 0;
  private thresholdHi = 0;
  private thresholdLo = 0;
  private exclHi = 0;
  private exclLo = 0;
  private readonly word: Word64 = { hi: 0, lo: 0 };
  private readonly limbs = new Float64Array(16);

  constructor(
    private readonly bitgen: BitGenerator,
    private readonly bits: IntegerBits,
    private readonly masked: boolean,
  ) {}

  /** Set rng (the largest value to draw) as two 32-bit halves; for widths ≤ 32, rngHi is 0. */
  setRange(rngHi: number, rngLo: number): void {
    this.rngHi = rngHi;
    this.rngLo = rngLo;
    if (rngHi === 0) {
      this.maskHi = 0;
      this.maskLo = smear(rngLo);
      const excl = rngLo + 1;
      const width = this.bits === 64 ? 32 : this.bits;
      this.thresholdHi = 0;
      this.thresholdLo = (2 ** width - excl) % excl;
      return;
    }
    this.maskHi = smear(rngHi);
    this.maskLo = 0xffffffff;
    const rng = (BigInt(rngHi) << 32n) | BigInt(rngLo);
    const excl = rng + 1n;
    const threshold = ((1n << 64n) - excl) % excl;
    this.exclHi = Number(excl >> 32n);
    this.exclLo = Number(excl & 0xffffffffn);
    this.thresholdHi = Number(threshold >> 32n);
    this.thresholdLo = Number(threshold & 0xffffffffn);
  }

  /** A value in [0, rng] for rng < 2^32. */
  draw(): number {
    const rng = this.rngLo;
    if (rng === 0) return 0;
    switch (this.bits) {
      case 1:
        return this.fromBuffer(1);
      case 8:
      case 16:
        if (rng === 2 ** this.bits - 1) return this.fromBuffer(this.bits);
        return this.masked ? this.maskedSmall(this.bits) : this.lemireSmall(this.bits);
      default:
        if (rng === 0xffffffff) return this.bitgen.nextUint32();
        return this.masked ? this.masked32() : this.lemire32();
    }
  }

  /** A value in [0, rng] for a 64-bit rng ≥ 2^32, into `into`. */
  draw64(into: Word64): void {
    if (this.rngHi === 0xffffffff && this.rngLo === 0xffffffff) {
      this.bitgen.nextUint64(into);
    } else if (this.masked) {
      do {
        this.bitgen.nextUint64(into);
        into.hi = (into.hi & this.maskHi) >>> 0;
        into.lo = (into.lo & this.maskLo) >>> 0;
      } while (lessThan64(this.rngHi, this.rngLo, into.hi, into.lo));
    } else {
      this.lemire64(into);
    }
  }

  /** The next `width` bits of the buffered 32-bit word (a new word when it is used up). */
  private fromBuffer(width: 1 | 8 | 16): number {
    if (this.buffered === 0) {
      this.buffer = this.bitgen.nextUint32();
      this.buffered = 32 / width - 1;
    } else {
      this.buffer >>>= width;
      this.buffered--;
    }
    return this.buffer & ((1 << width) - 1);
  }

  private maskedSmall(width: 8 | 16): number {
    let value: number;
    do value = this.fromBuffer(width) & this.maskLo;
    while (value > this.rngLo);
    return value;
  }

  private masked32(): number {
    let value: number;
    do value = (this.bitgen.nextUint32() & this.maskLo) >>> 0;
    while (value > this.rngLo);
    return value;
  }

  /** Lemire for 8 and 16 bits: the product fits a double exactly. */
  private lemireSmall(width: 8 | 16): number {
    const excl = this.rngLo + 1;
    const modulus = 2 ** width;
    let m = this.fromBuffer(width) * excl;
    let leftover = m % modulus;
    if (leftover < excl) {
      while (leftover < this.thresholdLo) {
        m = this.fromBuffer(width) * excl;
        leftover = m % modulus;
      }
    }
    return Math.floor(m / modulus);
  }

  private lemire32(): number {
    const excl = this.rngLo + 1;
    let x = this.bitgen.nextUint32();
    let leftover = Math.imul(x, excl) >>> 0;
    if (leftover < excl) {
      while (leftover < this.thresholdLo) {
        x = this.bitgen.nextUint32();
        leftover = Math.imul(x, excl) >>> 0;
      }
    }
    // floor(x · excl / 2^32) from two exact partial products of 16 and 32 bits.
    const low = (x & 0xffff) * excl;
    const high = (x >>> 16) * excl;
    return Math.floor((high + Math.floor(low / 65536)) / 65536);
  }

  /** Lemire for 64 bits: the 128-bit product in 16-bit limbs. */
  private lemire64(into: Word64): void {
    const limbs = this.limbs;
    splitLimbs(this.exclHi, this.exclLo, limbs, 12);
    for (;;) {
      this.bitgen.nextUint64(this.word);
      splitLimbs(this.word.hi, this.word.lo, limbs, 8);
      let carry = 0;
      for (let k = 0; k < 8; k++) {
        let acc = carry;
        for (let i = Math.max(0, k - 3); i <= Math.min(k, 3); i++) acc += limbs[8 + i] * limbs[12 + k - i];
        carry = Math.floor(acc / 65536);
        limbs[k] = acc - carry * 65536;
      }
      const leftoverHi = limbs[3] * 65536 + limbs[2];
      const leftoverLo = limbs[1] * 65536 + limbs[0];
      into.hi = limbs[7] * 65536 + limbs[6];
      into.lo = limbs[5] * 65536 + limbs[4];
      // Retry only when leftover < threshold, which can only happen if leftover < rng + 1.
      if (!lessThan64(leftoverHi, leftoverLo, this.thresholdHi, this.thresholdLo)) return;
    }
  }
}

/** NumPy's random_interval(max), the draw behind shuffle and permutation: a value in
 *  [0, max] by masked rejection, on next_uint32 when max < 2^32, else on next_uint64. */
export function intervalDraw(bitgen: BitGenerator, max: number, word: Word64): number {
  if (max === 0) return 0;
  if (max <= 0xffffffff) {
    const mask = smear(max);
    let value: number;
    do value = (bitgen.nextUint32() & mask) >>> 0;
    while (value > max);
    return value;
  }
  const maxHi = Math.floor(max / 4294967296);
  const maskHi = smear(maxHi);
  let value: number;
  do {
    bitgen.nextUint64(word);
    value = ((word.hi & maskHi) >>> 0) * 4294967296 + word.lo;
  } while (value > max);
  return value;
}
