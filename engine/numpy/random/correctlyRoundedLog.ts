// The natural logarithm of a double, correctly rounded (round to nearest, ties to even).
//
// NumPy's legacy Gaussian (polar Box–Muller) calls the C library's `log`, and its result goes
// straight into the value the user sees. `Math.log` in V8 (a port of fdlibm) differs from
// glibc's `log` in the last bit for about 7% of the arguments that generator produces; glibc's
// `log` is itself not correctly rounded (about 0.08% of those arguments), and it even differs
// between machines (glibc picks an FMA or a non-FMA build of the same routine at run time).
// The correctly rounded value is the one every platform's `log` approximates, so it is the
// reproducible choice: it agrees with glibc wherever glibc is correctly rounded.
//
// Method: x = 2^e · m with m in [0.75, 1.5); m lies in one of 192 intervals of width 1/256
// with centre c (c = 1 for the two intervals next to 1, so that logs of values near 1 keep
// their relative precision); log x = e·ln2 + log c + log1p(u), u = (m − c)/c, summed in
// double-double arithmetic. The largest error is the u³ term's, computed in doubles: under
// 2^-69 of the result. When the double-double result could round either way within a bound
// of 2^-66 (about one argument in 6,000), the logarithm is computed again with 320-bit
// fixed-point integers, far beyond any hard-to-round case of log on doubles.

const SPLITTER = 134217729; // 2^27 + 1, Veltkamp's splitting constant for doubles
const TABLE_STEPS = 256;
const TABLE_FIRST = 192; // m ≥ 0.75 = 192 / 256
const TABLE_END = 384; // m < 1.5 = 384 / 256
const FIXED_BITS = 320n;

// --- Exact reference in fixed point (scale 2^FIXED_BITS) ------------------------------------

const ONE = 1n << FIXED_BITS;

/** log(p/q) · 2^FIXED_BITS for positive integers p, q with p/q in about [0.5, 2], by the
 *  series 2·atanh(s), s = (p − q)/(p + q). Truncation error: a few units of 2^-FIXED_BITS. */
function fixedLogRatio(p: bigint, q: bigint): bigint {
  const s = ((p - q) * ONE) / (p + q);
  const s2 = (s * s) >> FIXED_BITS;
  let power = s;
  let sum = 0n;
  for (let k = 1n; power !== 0n; k += 2n) {
    sum += power / k;
    power = (power * s2) / ONE; // truncates toward zero, so the loop ends for s < 0 too
  }
  return 2n * sum;
}

let fixedLn2: bigint | undefined;
function ln2Fixed(): bigint {
  if (fixedLn2 === undefined) fixedLn2 = fixedLogRatio(2n, 1n);
  return fixedLn2;
}

/** A fixed-point value as the nearest double. Number(bigint) rounds to nearest, ties to even;
 *  the division by a power of two is exact. */
function fixedToDouble(v: bigint): number {
  return Number(v) / 2 ** Number(FIXED_BITS);
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const HIGH_WORD = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0; // little-endian: word 1

/** x = mantissa · 2^exponent with an integer mantissa (for finite x > 0, normal or not). */
function decompose(x: number): { mantissa: bigint; exponent: number } {
  f64[0] = x;
  const hi = u32[HIGH_WORD];
  const lo = u32[1 - HIGH_WORD];
  const biased = (hi >>> 20) & 0x7ff;
  const fraction = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  return biased === 0 ? { mantissa: fraction, exponent: -1074 } : { mantissa: fraction | (1n << 52n), exponent: biased - 1075 };
}

/** log(x), correctly rounded, the slow way (fixed-point integers throughout). */
export function slowCorrectlyRoundedLog(x: number): number {
  const { mantissa, exponent } = decompose(x);
  // Bring mantissa · 2^exponent to m · 2^e with m = mantissa / 2^k in [0.75, 1.5).
  const bits = mantissa.toString(2).length;
  let k = BigInt(bits - 1);
  let e = exponent + bits - 1;
  if (mantissa * 2n >= 3n << k) {
    k += 1n;
    e += 1;
  }
  const value = fixedLogRatio(mantissa, 1n << k) + BigInt(e) * ln2Fixed();
  return fixedToDouble(value);
}

// --- The table: centres c and log c as double-doubles ---------------------------------------

let tableBuilt = false;
const logCentreHi = new Float64Array(TABLE_END - TABLE_FIRST);
const logCentreLo = new Float64Array(TABLE_END - TABLE_FIRST);
const centre = new Float64Array(TABLE_END - TABLE_FIRST);
const inverseCentre = new Float64Array(TABLE_END - TABLE_FIRST);
let ln2Hi = 0;
let ln2Lo = 0;
// ln2Hi in two 26-bit halves, so that e · ln2Hi's rounding error is exact (Dekker).
let ln2HiHigh = 0;
let ln2HiLow = 0;

function buildTable(): void {
  const n = TABLE_END - TABLE_FIRST;
  const hi = logCentreHi;
  const lo = logCentreLo;
  for (let i = 0; i < n; i++) {
    const j = TABLE_FIRST + i;
    const nearOne = j === TABLE_STEPS - 1 || j === TABLE_STEPS;
    // c = (2j + 1) / 512 has 9 significant bits, so m − c is exact (Sterbenz).
    const numerator = nearOne ? 512 : 2 * j + 1;
    centre[i] = numerator / 512;
    inverseCentre[i] = 512 / numerator;
    const v = fixedLogRatio(BigInt(numerator), 512n);
    hi[i] = fixedToDouble(v);
    lo[i] = fixedToDouble(v - BigInt(hi[i] * 2 ** Number(FIXED_BITS)));
  }
  const l2 = ln2Fixed();
  ln2Hi = fixedToDouble(l2);
  ln2Lo = fixedToDouble(l2 - BigInt(ln2Hi * 2 ** Number(FIXED_BITS)));
  const t = SPLITTER * ln2Hi;
  ln2HiHigh = t - (t - ln2Hi);
  ln2HiLow = ln2Hi - ln2HiHigh;
  tableBuilt = true;
}

/** log(x) correctly rounded to the nearest double (NaN below 0, −∞ at 0, as C's log). */
export function correctlyRoundedLog(x: number): number {
  if (!(x > 0) || x === Infinity) {
    if (x === 0) return -Infinity;
    return x === Infinity ? Infinity : NaN;
  }
  if (x === 1) return 0;
  if (!tableBuilt) buildTable();
  let scaled = x;
  let e = 0;
  if (scaled < 2.2250738585072014e-308) {
    scaled *= 18014398509481984; // 2^54: subnormals become normal
    e = -54;
  }
  f64[0] = scaled;
  const hiWord = u32[HIGH_WORD];
  e += ((hiWord >>> 20) & 0x7ff) - 1023;
  u32[HIGH_WORD] = (hiWord & 0x800fffff) | 0x3ff00000; // same fraction, exponent 0: m in [1, 2)
  let m = f64[0];
  if (m >= 1.5) {
    m *= 0.5;
    e += 1;
  }
  const i = Math.floor(m * TABLE_STEPS) - TABLE_FIRST;
  const c = centre[i];
  const inverse = inverseCentre[i];
  const d = m - c; // exact (Sterbenz)

  // u = d / c as uHi + uLo. With uHi split into 26-bit halves uh + ul, uh·c and ul·c are
  // exact (c has 9 significant bits), and so is the remainder d − uh·c − ul·c.
  const uHi = d * inverse;
  let t = SPLITTER * uHi;
  const uh = t - (t - uHi);
  const ul = uHi - uh;
  const uLo = (d - uh * c - ul * c) * inverse;

  // log1p(u) = u − u²/2 + u³ · tail(u); u² as a double-double (Dekker), the rest in doubles.
  const sqHi = uHi * uHi;
  const sqLo = uh * uh - sqHi + 2 * uh * ul + ul * ul + 2 * uHi * uLo;
  const tail = 1 / 3 + uHi * (-1 / 4 + uHi * (1 / 5 + uHi * (-1 / 6 + uHi * (1 / 7 + uHi * (-1 / 8 + uHi * (1 / 9 - uHi / 10))))));
  const half = -0.5 * sqHi;
  const cube = sqHi * uHi * tail;
  const small = half + cube; // |cube| < |half|: its rounding error is exactly smallLo
  const smallLo = cube - (small - half);

  // + u, then + log c, then + e·ln2, each a two-sum of the leading parts (Knuth).
  let hi = uHi + small;
  t = hi - uHi;
  let lo = uHi - (hi - t) + (small - t) + smallLo + uLo - 0.5 * sqLo;
  const logC = logCentreHi[i];
  let sum = hi + logC;
  t = sum - hi;
  lo += hi - (sum - t) + (logC - t) + logCentreLo[i];
  hi = sum;
  if (e !== 0) {
    const eHi = e * ln2Hi;
    const eLo = e * ln2HiHigh - eHi + e * ln2HiLow + e * ln2Lo; // Dekker: e·ln2Hi − eHi exactly
    sum = hi + eHi;
    t = sum - hi;
    lo += hi - (sum - t) + (eHi - t) + eLo;
    hi = sum;
  }
  sum = hi + lo;
  lo -= sum - hi;
  hi = sum;
  // Error bound of the double-double value: 2^-66 relative, a generous margin over the
  // series' 2^-70 and the double-double operations' 2^-100.
  const bound = Math.abs(hi) * 1.3552527156068805e-20;
  const down = hi + (lo - bound);
  const up = hi + (lo + bound);
  if (down === up) return down;
  return slowCorrectlyRoundedLog(x);
}
