// `int(text, base)` as CPython 3.11 reads it: any base from 2 to 36 or 0 (the prefix says),
// a 0x/0o/0b prefix that agrees with the base, underscores between digits, and the limit of
// 4,300 digits CPython puts on bases that are not powers of two (sys.int_info).

import { MAX_INT_BITS } from '../pynumber';

/** CPython's sys.get_int_max_str_digits() default. */
export const MAX_STR_DIGITS = 4300;

/** What is wrong with a text, as CPython's ValueError says it. */
export class IntTextError extends Error {
  constructor(
    message: string,
    readonly kind: 'ValueError' | 'OverflowError' = 'ValueError',
  ) {
    super(message);
  }
}

const PREFIXES: Record<string, number> = { x: 16, o: 8, b: 2 };

export function parseIntText(text: string, base: number, shown: string): bigint {
  if (base !== 0 && (base < 2 || base > 36)) throw new IntTextError('int() base must be >= 2 and <= 36, or 0');
  const invalid = () => new IntTextError(`invalid literal for int() with base ${base}: ${shown}`);
  const m = /^[ \t\n\r\f\v]*([+-]?)(.*?)[ \t\n\r\f\v]*$/s.exec(text)!;
  const negative = m[1] === '-';
  let body = m[2];
  let radix = base;
  const prefix = /^0([xob])_?/i.exec(body);
  if (prefix && (base === 0 || base === PREFIXES[prefix[1].toLowerCase()])) {
    radix = PREFIXES[prefix[1].toLowerCase()];
    body = body.slice(prefix[0].length);
  } else if (base === 0) {
    radix = 10;
    // base 0 reads literals as Python source does: 010 is not one, 000 is
    if (/^0/.test(body) && !/^0+(?:_0+)*$/.test(body)) throw invalid();
  }
  if (!/^[0-9a-z]+(?:_[0-9a-z]+)*$/i.test(body)) throw invalid();
  const digits = body.replace(/_/g, '').toLowerCase();
  for (const c of digits) if (parseInt(c, 36) >= radix) throw invalid();
  const powerOfTwo = (radix & (radix - 1)) === 0;
  if (!powerOfTwo && digits.length > MAX_STR_DIGITS)
    throw new IntTextError(
      `Exceeds the limit (${MAX_STR_DIGITS} digits) for integer string conversion: value has ${digits.length} digits; use sys.set_int_max_str_digits() to increase the limit`,
    );
  if (powerOfTwo && digits.length * Math.log2(radix) > MAX_INT_BITS + 8)
    throw new IntTextError(`the integer has more than ${MAX_INT_BITS} bits, past what tgraph computes with`, 'OverflowError');
  let n: bigint;
  if (radix === 10) n = BigInt(digits);
  else if (radix === 16 || radix === 8 || radix === 2) n = BigInt(`0${radix === 16 ? 'x' : radix === 8 ? 'o' : 'b'}${digits}`);
  else {
    // at most 4,300 digits here: a loop over them is bounded
    n = 0n;
    const r = BigInt(radix);
    for (const c of digits) n = n * r + BigInt(parseInt(c, 36));
  }
  return negative ? -n : n;
}
