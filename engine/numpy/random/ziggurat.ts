// Generator.standard_normal's double-precision ziggurat (NumPy 1.17 to 2.x,
// random_standard_normal; the tables are zigguratTables.ts):
//
// one 64-bit draw r gives the strip idx = r & 0xff, a sign bit (bit 8) and a 52-bit
// magnitude rabs (bits 9..60); x = rabs · wi[idx], negated if the sign bit is set, is
// returned at once when rabs < ki[idx]. Otherwise, in strip 0 the tail is sampled by
// Marsaglia's method on 1 − U (xx = −log1p(−U1)/r, yy = −log1p(−U2), until 2·yy > xx², the
// sign from bit 8 of rabs); in the other strips x is returned when
// fi[idx] + (fi[idx−1] − fi[idx])·U < exp(−x²/2), and a new 64-bit draw starts over.
//
// exp and log1p come from the platform's C library in NumPy and from V8 here; they differ in
// the last bit for a few percent of arguments, which only matters when a comparison falls on
// that bit (never seen) or, for log1p, on the rare tail values (about 1 in 4,000 draws take the
// tail, and V8's log1p agrees with glibc's on 99.9% of them). Some earlier versions sampled the
// tail with log(1 − U) instead of log1p(−U): the same values up to the last bit of the libm.
//
// The float32 variant (standard_normal(dtype=float32)) is the same on one 32-bit draw: strip
// bits 0..7, sign bit 8, a 23-bit magnitude (bits 9..31), float32 tables and arithmetic
// (each operation rounded to float32, as C does on floats), the density compared in double.

import type { BitGenerator, Word64 } from './bitGenerator';
import {
  FI_DOUBLE,
  FI_FLOAT,
  KI_DOUBLE,
  KI_FLOAT,
  WI_DOUBLE,
  WI_FLOAT,
  ZIGGURAT_NOR_INV_R,
  ZIGGURAT_NOR_INV_R_F,
  ZIGGURAT_NOR_R,
  ZIGGURAT_NOR_R_F,
} from './zigguratTables';

export function standardNormal(bitgen: BitGenerator, word: Word64): number {
  for (;;) {
    bitgen.nextUint64(word);
    const idx = word.lo & 0xff;
    const negative = (word.lo >>> 8) & 1;
    const rabs = (word.hi & 0x1fffffff) * 8388608 + (word.lo >>> 9); // bits 9..60
    let x = rabs * WI_DOUBLE[idx];
    if (negative) x = -x;
    if (rabs < KI_DOUBLE[idx]) return x;
    if (idx === 0) {
      for (;;) {
        const xx = -ZIGGURAT_NOR_INV_R * Math.log1p(-bitgen.nextDouble());
        const yy = -Math.log1p(-bitgen.nextDouble());
        if (yy + yy > xx * xx) {
          return (word.lo >>> 17) & 1 ? -(ZIGGURAT_NOR_R + xx) : ZIGGURAT_NOR_R + xx;
        }
      }
    }
    if ((FI_DOUBLE[idx - 1] - FI_DOUBLE[idx]) * bitgen.nextDouble() + FI_DOUBLE[idx] < Math.exp(-0.5 * x * x)) {
      return x;
    }
  }
}

const f32 = Math.fround;

/** A float32 uniform in [0, 1): NumPy's next_float. */
function nextFloat(bitgen: BitGenerator): number {
  return (bitgen.nextUint32() >>> 8) * 5.9604644775390625e-8;
}

export function standardNormalFloat32(bitgen: BitGenerator): number {
  for (;;) {
    const r = bitgen.nextUint32();
    const idx = r & 0xff;
    const negative = (r >>> 8) & 1;
    const rabs = r >>> 9;
    let x = f32(rabs * WI_FLOAT[idx]);
    if (negative) x = -x;
    if (rabs < KI_FLOAT[idx]) return x;
    if (idx === 0) {
      for (;;) {
        const xx = f32(-ZIGGURAT_NOR_INV_R_F * f32(Math.log1p(-nextFloat(bitgen))));
        const yy = -f32(Math.log1p(-nextFloat(bitgen)));
        if (f32(yy + yy) > f32(xx * xx)) {
          return (rabs >>> 8) & 1 ? -f32(ZIGGURAT_NOR_R_F + xx) : f32(ZIGGURAT_NOR_R_F + xx);
        }
      }
    }
    const density = f32(f32(f32(FI_FLOAT[idx - 1] - FI_FLOAT[idx]) * nextFloat(bitgen)) + FI_FLOAT[idx]);
    if (density < Math.exp(-0.5 * x * x)) return x;
  }
}
