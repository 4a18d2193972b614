// x ** y on doubles, correctly rounded, as the C library under CPython (glibc) computes it.
// JavaScript's Math.pow is not correctly rounded: on random arguments it differs from CPython
// in the last bit about one time in fifteen (integer exponents included), and a Python
// literal such as `2 ** 0.5` must be the double Python makes. The result is computed as
// exp(y · log x) in double-double arithmetic (about 100 bits), then rounded once.

/** A double-double: hi + lo with |lo| <= ulp(hi) / 2. */
type DD = [number, number];

const SPLITTER = 134217729; // 2^27 + 1

function twoSum(a: number, b: number): DD {
  const s = a + b;
  const v = s - a;
  return [s, a - (s - v) + (b - v)];
}

function twoProd(a: number, b: number): DD {
  const p = a * b;
  let t = SPLITTER * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLITTER * b;
  const bh = t - (t - b);
  const bl = b - bh;
  return [p, ah * bh - p + ah * bl + al * bh + al * bl];
}

function add(a: DD, b: DD): DD {
  const [s, e] = twoSum(a[0], b[0]);
  const [t, f] = twoSum(a[1], b[1]);
  const [s2, e2] = twoSum(s, e + t);
  return twoSum(s2, e2 + f);
}

function mul(a: DD, b: DD): DD {
  const [p, e] = twoProd(a[0], b[0]);
  return twoSum(p, e + (a[0] * b[1] + a[1] * b[0]));
}

function div(a: DD, b: DD): DD {
  const q1 = a[0] / b[0];
  const r = add(a, neg(mul(b, [q1, 0])));
  const q2 = r[0] / b[0];
  const r2 = add(r, neg(mul(b, [q2, 0])));
  const q3 = r2[0] / b[0];
  return add(twoSum(q1, q2), [q3, 0]);
}

function neg(a: DD): DD {
  return [-a[0], -a[1]];
}

const LN2: DD = [0.6931471805599453, 2.3190468138462996e-17];

/** log(x) for a finite x > 0. */
function logDD(x: number): DD {
  // x = m · 2^e with m in [sqrt(1/2), sqrt(2)): log x = e·ln 2 + 2·atanh((m - 1) / (m + 1)).
  let e = Math.floor(Math.log2(x));
  let m = x / 2 ** e;
  if (!Number.isFinite(m) || m === 0) {
    // Subnormal x (2^e underflows the division's scaling): scale it up first.
    const scaled = logDD(x * 2 ** 600);
    return add(scaled, neg(mul(LN2, [600, 0])));
  }
  while (m >= Math.SQRT2) {
    m /= 2;
    e++;
  }
  while (m < Math.SQRT1_2) {
    m *= 2;
    e--;
  }
  const s = div(twoSum(m, -1), twoSum(m, 1));
  const s2 = mul(s, s);
  // atanh(s) = s + s^3/3 + s^5/5 + ...; |s| < 0.172, so 24 terms pass 2^-106.
  let term = s;
  let sum: DD = s;
  for (let k = 3; k < 51; k += 2) {
    term = mul(term, s2);
    sum = add(sum, div(term, [k, 0]));
  }
  return add(mul(LN2, [e, 0]), mul(sum, [2, 0]));
}

/** exp(a) for a double-double whose value stays within the doubles' range after scaling. */
function expDD(a: DD): { mantissa: DD; exponent: number } {
  const k = Math.round(a[0] / LN2[0]);
  // r = a - k·ln 2, |r| <= ln 2 / 2, then exp(r) = exp(r / 256)^256.
  const r = add(a, neg(mul(LN2, [k, 0])));
  const small: DD = [r[0] / 256, r[1] / 256];
  let term: DD = [1, 0];
  let sum: DD = [1, 0];
  for (let n = 1; n <= 12; n++) {
    term = div(mul(term, small), [n, 0]);
    sum = add(sum, term);
  }
  for (let i = 0; i < 8; i++) sum = mul(sum, sum);
  return { mantissa: sum, exponent: k };
}

function scale(x: number, e: number): number {
  while (e > 1000) {
    x *= 2 ** 1000;
    e -= 1000;
  }
  while (e < -1000) {
    x *= 2 ** -1000;
    e += 1000;
  }
  return x * 2 ** e;
}

function isOddInteger(y: number): boolean {
  return Number.isInteger(y) && Math.abs(y) < 2 ** 53 && Math.abs(y % 2) === 1;
}

/** C99's pow(x, y), correctly rounded: the special cases of C99 Annex F (where they differ
 *  from Math.pow: pow(1, NaN) = 1, pow(-1, ±inf) = 1), NaN for a negative x and a
 *  non-integer y. */
export function pow(x: number, y: number): number {
  if (y === 0 || x === 1) return 1;
  if (x !== x || y !== y) return NaN;
  if (y === Infinity || y === -Infinity) {
    const ax = Math.abs(x);
    if (ax === 1) return 1;
    return ax > 1 === y > 0 ? Infinity : 0;
  }
  if (x === 0) {
    const odd = isOddInteger(y);
    if (y < 0) return odd ? 1 / x : Infinity;
    return odd ? x : 0;
  }
  if (x === Infinity || x === -Infinity) {
    const odd = isOddInteger(y);
    if (x > 0) return y > 0 ? Infinity : 0;
    return y > 0 ? (odd ? -Infinity : Infinity) : odd ? -0 : 0;
  }
  if (x < 0 && !Number.isInteger(y)) return NaN;
  const sign = x < 0 && isOddInteger(y) ? -1 : 1;
  const ax = Math.abs(x);
  const product = mul(logDD(ax), [y, 0]);
  if (product[0] > 710) return sign * Infinity;
  if (product[0] < -746) return sign * 0;
  const { mantissa, exponent } = expDD(product);
  const rounded = mantissa[0] + mantissa[1];
  if (exponent >= -1021) return sign * scale(rounded, exponent);
  // A subnormal result: round once, at the subnormal's precision.
  const shifted = scale(mantissa[0], exponent + 1074);
  const shiftedLo = scale(mantissa[1], exponent + 1074);
  return sign * scale(Math.round(shifted + shiftedLo), -1074);
}
