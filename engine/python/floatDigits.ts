// The decimal digits of a double as Python gives them to `format`, `%`, f-strings and `round`:
// correctly rounded from the double's exact value (every double is a finite decimal: m·2^e
// is m·5^-e / 10^-e), ties to even. JavaScript's toFixed/toPrecision stop at 100 digits,
// round ties away from zero and switch to exponents at 1e21, so none of them is used here.

/** |x| = digits · 10^exp10, exactly (x finite). */
interface Exact {
  digits: bigint;
  exp10: number;
}

const view = new DataView(new ArrayBuffer(8));

function exact(x: number): Exact {
  view.setFloat64(0, Math.abs(x));
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & 0xfffffffffffffn;
  const mantissa = biased === 0 ? fraction : fraction | (1n << 52n);
  const exp2 = (biased === 0 ? 1 : biased) - 1075;
  if (exp2 >= 0) return { digits: mantissa << BigInt(exp2), exp10: 0 };
  return { digits: mantissa * 5n ** BigInt(-exp2), exp10: exp2 };
}

/** The last decimal place a double's exact value reaches (its smallest subnormal is 2^-1074),
 *  and a bound on how many significant digits it has (767 at most). */
const EXACT_PLACES = 1074;
const EXACT_DIGITS = 800;

const pow10 = (n: number): bigint => 10n ** BigInt(n);

/** |x| rounded to a whole number of units of 10^unitExp10, ties to even: that number. */
function roundedTo(e: Exact, unitExp10: number): bigint {
  const drop = unitExp10 - e.exp10;
  if (drop <= 0) return e.digits * pow10(-drop);
  const unit = pow10(drop);
  const q = e.digits / unit;
  const twice = 2n * (e.digits % unit);
  return twice > unit || (twice === unit && q % 2n === 1n) ? q + 1n : q;
}

/** The decimal exponent of |x|'s first significant digit (x finite, not 0). */
function leadingExp10(e: Exact): number {
  return e.digits.toString().length - 1 + e.exp10;
}

/** `format(abs(x), '.{precision}f')` (x finite). */
export function fixedDigits(x: number, precision: number): string {
  // A double's exact expansion ends by its 1,074th place: what a longer precision adds is zeros.
  if (precision > EXACT_PLACES) return fixedDigits(x, EXACT_PLACES) + '0'.repeat(precision - EXACT_PLACES);
  const n = roundedTo(exact(x), -precision).toString();
  if (precision === 0) return n;
  const padded = n.padStart(precision + 1, '0');
  return `${padded.slice(0, -precision)}.${padded.slice(-precision)}`;
}

/** The significant digits of abs(x) rounded to `count` of them, and the exponent of the first
 *  (x finite). */
function significant(x: number, count: number): { digits: string; exp10: number } {
  if (count > EXACT_DIGITS) {
    const { digits, exp10 } = significant(x, EXACT_DIGITS);
    return { digits: digits + '0'.repeat(count - EXACT_DIGITS), exp10 };
  }
  if (x === 0) return { digits: '0'.repeat(count), exp10: 0 };
  const e = exact(x);
  let exp10 = leadingExp10(e);
  let digits = roundedTo(e, exp10 - count + 1).toString();
  if (digits.length > count) {
    // 9.99 rounded up to 10.0: one more digit, all zeros after the 1
    exp10++;
    digits = digits.slice(0, count);
  }
  return { digits, exp10 };
}

function exponentSuffix(exp10: number): string {
  return `e${exp10 < 0 ? '-' : '+'}${String(Math.abs(exp10)).padStart(2, '0')}`;
}

/** `format(abs(x), '.{precision}e')` (x finite). */
export function exponentDigits(x: number, precision: number): string {
  const { digits, exp10 } = significant(x, precision + 1);
  return digits[0] + (precision > 0 ? '.' + digits.slice(1) : '') + exponentSuffix(exp10);
}

/** `format(abs(x), '.{precision}g')`, or with no type letter (`'.{precision}'`: a fixed
 *  form keeps a digit after the point, and exponents start one place earlier), as Python's
 *  rules choose between the fixed and the exponent form (x finite). `keepZeros` is the `#`
 *  flag. */
export function generalDigits(x: number, precision: number, noType: boolean, keepZeros: boolean): string {
  const p = precision === 0 ? 1 : precision;
  const { exp10 } = significant(x, p);
  const fixed = exp10 >= -4 && exp10 < (noType ? p - 1 : p);
  let body = fixed ? fixedDigits(x, Math.max(0, p - 1 - exp10)) : exponentDigits(x, p - 1);
  if (!keepZeros) {
    const [mantissa, suffix] = fixed ? [body, ''] : [body.slice(0, body.indexOf('e')), body.slice(body.indexOf('e'))];
    let trimmed = mantissa.includes('.') ? mantissa.replace(/0+$/, '').replace(/\.$/, '') : mantissa;
    if (noType && fixed && !trimmed.includes('.')) trimmed += '.0';
    body = trimmed + suffix;
  }
  return body;
}

/** `round(x, ndigits)` for a float x (finite): the double nearest to x rounded to a multiple
 *  of 10^-ndigits, ties to even on x's exact value (round(2.675, 2) is 2.67: 2.675 is
 *  2.67499999...). */
export function roundFloat(x: number, ndigits: number): number {
  if (x === 0) return x;
  const e = exact(x);
  // Past the double's own last digit rounding changes nothing; far left of its first, it is 0.
  if (-ndigits <= e.exp10) return x;
  if (-ndigits > leadingExp10(e) + 1) return x < 0 ? -0 : 0;
  const n = roundedTo(e, -ndigits);
  const text = ndigits >= 0 ? `${n}e-${ndigits}` : `${n}e${-ndigits}`;
  const r = Number(text);
  return x < 0 ? -r : r;
}
