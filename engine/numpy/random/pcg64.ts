// PCG64 (O'Neill's PCG XSL-RR 128/64) as NumPy's Generator uses it (NumPy 1.17 to 2.x;
// PCG64DXSM, a different output function, is not the default there):
//
// - state' = state · 0x2360ED051FC65DA44385DF649FCCF645 + inc (mod 2^128), and the output
//   of the new state is rotr64(high64 XOR low64, state >> 122);
// - seeding from a SeedSequence: four 64-bit words w0..w3 from generate_state; the initial
//   state is (w0 << 64 | w1), the stream (w2 << 64 | w3); inc = stream << 1 | 1; state = 0,
//   step, state += initial, step;
// - next_uint32 hands out the two halves of one 64-bit output, low half first (the high half
//   is kept for the next call); next_uint64 and next_double do not touch that buffer;
//   next_double = (next_uint64 >> 11) · 2^-53.
//
// The 128-bit arithmetic works on eight 16-bit limbs held in doubles, so that partial
// products and their sums stay exact without BigInt allocations.

import type { BitGenerator, Word64 } from './bitGenerator';
import { SeedSequence } from './seedSequence';

const LIMBS = 8;
const LIMB = 65536;
const LIMB_INVERSE = 1 / 65536;
// The multiplier 0x2360ED051FC65DA44385DF649FCCF645 in 16-bit limbs, least significant first.
const M0 = 0xf645;
const M1 = 0x9fcc;
const M2 = 0xdf64;
const M3 = 0x4385;
const M4 = 0x5da4;
const M5 = 0x1fc6;
const M6 = 0xed05;
const M7 = 0x2360;

function limbsOf(value: bigint): Float64Array {
  const out = new Float64Array(LIMBS);
  for (let i = 0; i < LIMBS; i++) out[i] = Number((value >> BigInt(16 * i)) & 0xffffn);
  return out;
}

function bigintOf(limbs: Float64Array): bigint {
  let value = 0n;
  for (let i = LIMBS - 1; i >= 0; i--) value = (value << 16n) | BigInt(limbs[i]);
  return value;
}

export interface PCG64State {
  state: bigint;
  inc: bigint;
  has_uint32: boolean;
  uinteger: number;
}

export class PCG64 implements BitGenerator {
  private readonly state = new Float64Array(LIMBS);
  private readonly inc = new Float64Array(LIMBS);
  private readonly columns = new Float64Array(LIMBS);
  private hasUint32 = false;
  private uinteger = 0;

  constructor(seedSequence: SeedSequence) {
    const w = seedSequence.generateWords(8);
    // 64-bit word k is (w[2k+1] << 32 | w[2k]); the 128-bit values take word 0 (or 2) high.
    const word64 = (k: number) => (BigInt(w[2 * k + 1]) << 32n) | BigInt(w[2 * k]);
    const initialState = (word64(0) << 64n) | word64(1);
    const stream = (word64(2) << 64n) | word64(3);
    this.inc.set(limbsOf(((stream << 1n) | 1n) & ((1n << 128n) - 1n)));
    this.state.fill(0);
    this.step();
    this.state.set(limbsOf((bigintOf(this.state) + initialState) & ((1n << 128n) - 1n)));
    this.step();
  }

  private step(): void {
    // Column sums of the product (each below 2^36, exact in a double), then carries upwards.
    const s = this.state;
    const inc = this.inc;
    const col = this.columns;
    const s0 = s[0],
      s1 = s[1],
      s2 = s[2],
      s3 = s[3],
      s4 = s[4],
      s5 = s[5],
      s6 = s[6],
      s7 = s[7];
    col[0] = inc[0] + s0 * M0;
    col[1] = inc[1] + s0 * M1 + s1 * M0;
    col[2] = inc[2] + s0 * M2 + s1 * M1 + s2 * M0;
    col[3] = inc[3] + s0 * M3 + s1 * M2 + s2 * M1 + s3 * M0;
    col[4] = inc[4] + s0 * M4 + s1 * M3 + s2 * M2 + s3 * M1 + s4 * M0;
    col[5] = inc[5] + s0 * M5 + s1 * M4 + s2 * M3 + s3 * M2 + s4 * M1 + s5 * M0;
    col[6] = inc[6] + s0 * M6 + s1 * M5 + s2 * M4 + s3 * M3 + s4 * M2 + s5 * M1 + s6 * M0;
    col[7] = inc[7] + s0 * M7 + s1 * M6 + s2 * M5 + s3 * M4 + s4 * M3 + s5 * M2 + s6 * M1 + s7 * M0;
    let carry = 0;
    for (let k = 0; k < LIMBS; k++) {
      const value = col[k] + carry;
      carry = Math.floor(value * LIMB_INVERSE);
      s[k] = value - carry * LIMB; // the carry out of limb 7 is the part beyond 2^128
    }
  }

  /** One 64-bit output of the generator, into `into`. */
  private next(into: Word64): void {
    this.step();
    const s = this.state;
    const xorHi = ((s[7] * 65536 + s[6]) ^ (s[3] * 65536 + s[2])) >>> 0;
    const xorLo = ((s[5] * 65536 + s[4]) ^ (s[1] * 65536 + s[0])) >>> 0;
    const rot = s[7] >>> 10;
    if (rot === 0) {
      into.hi = xorHi;
      into.lo = xorLo;
    } else if (rot < 32) {
      into.hi = ((xorHi >>> rot) | (xorLo << (32 - rot))) >>> 0;
      into.lo = ((xorLo >>> rot) | (xorHi << (32 - rot))) >>> 0;
    } else if (rot === 32) {
      into.hi = xorLo;
      into.lo = xorHi;
    } else {
      const r = rot - 32;
      into.hi = ((xorLo >>> r) | (xorHi << (32 - r))) >>> 0;
      into.lo = ((xorHi >>> r) | (xorLo << (32 - r))) >>> 0;
    }
  }

  private readonly scratch: Word64 = { hi: 0, lo: 0 };

  nextUint64(into: Word64): void {
    this.next(into);
  }

  nextUint32(): number {
    if (this.hasUint32) {
      this.hasUint32 = false;
      return this.uinteger;
    }
    this.next(this.scratch);
    this.hasUint32 = true;
    this.uinteger = this.scratch.hi;
    return this.scratch.lo;
  }

  nextDouble(): number {
    this.next(this.scratch);
    return (this.scratch.hi * 2097152 + (this.scratch.lo >>> 11)) / 9007199254740992;
  }

  /** NumPy's bit_generator.state['state'] plus the uint32 buffer, for inspection. */
  getState(): PCG64State {
    return { state: bigintOf(this.state), inc: bigintOf(this.inc), has_uint32: this.hasUint32, uinteger: this.uinteger };
  }

  setState(value: PCG64State): void {
    const mask = (1n << 128n) - 1n;
    this.state.set(limbsOf(value.state & mask));
    this.inc.set(limbsOf(value.inc & mask));
    this.hasUint32 = value.has_uint32;
    this.uinteger = value.uinteger >>> 0;
  }
}
