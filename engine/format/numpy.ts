// NumPy-style printing of tensor values: `str(np.array(...))` / `print(arr)` with the
// NumPy >= 1.14 defaults (precision=8, floatmode='maxprec', threshold=1000, edgeitems=3,
// linewidth=75, suppress=False, sign='-'). Follows numpy/core/arrayprint.py: _formatArray,
// _leading_trailing, FloatingFormat, IntegerFormat, BoolFormat, and the scalar str of 0-d
// arrays (scalartypes.c + dragon4.c).

import { sizeOf, stridesOf, type DType, type Tensor, type TypedData } from '../tensor';
import { shortestFloat32 } from './json';

export interface FormatOptions {
  /** Summarise when the size is larger than this (NumPy `threshold`, 1000). */
  threshold?: number;
  /** Items shown at each end of a summarised axis (NumPy `edgeitems`, 3). */
  edgeItems?: number;
  /** Line width (NumPy `linewidth`, 75). */
  lineWidth?: number;
  /** Between elements: ' ' for `str`, ', ' for `repr` (NumPy `separator`). */
  separator?: string;
  /** Width of what comes before the array on its first line (6 for repr's `array(`): the
   *  following lines are indented past it (NumPy `prefix`). */
  prefixWidth?: number;
}

// ---------------------------------------------------------------------------------------
// Decimal digits of a float

/** |value| = 0.d1d2d3… × 10^point, i.e. `point` digits come before the decimal point.
 *  `digits` has no leading or trailing zeros, except zero itself: digits '0', point 1. */
interface Dec {
  digits: string;
  point: number;
}

const ZERO_DEC: Dec = { digits: '0', point: 1 };

/** Parses a non-negative JS decimal string (`123.45`, `0.001`, `1.5e-7`, `1e+21`). */
function parseDec(s: string): Dec {
  let exp = 0;
  const ei = s.indexOf('e');
  if (ei >= 0) {
    exp = Number(s.slice(ei + 1));
    s = s.slice(0, ei);
  }
  const di = s.indexOf('.');
  let all: string;
  let intLen: number;
  if (di >= 0) {
    all = s.slice(0, di) + s.slice(di + 1);
    intLen = di;
  } else {
    all = s;
    intLen = s.length;
  }
  let start = 0;
  while (start < all.length && all.charCodeAt(start) === 48) start++;
  if (start === all.length) return ZERO_DEC;
  let end = all.length;
  while (all.charCodeAt(end - 1) === 48) end--;
  return { digits: all.slice(start, end), point: intLen - start + exp };
}

/** Shortest round-trip digits of |x| (float32 digits when `f32` and x is a float32). */
function shortestDec(ax: number, f32: boolean): Dec {
  if (ax === 0) return ZERO_DEC;
  return parseDec(f32 ? shortestFloat32(ax) : String(ax));
}

/** Whether the non-negative double `ax` equals the decimal string `s` exactly. */
function exactlyEquals(ax: number, s: string): boolean {
  const d = parseDec(s);
  if (d === ZERO_DEC) return ax === 0;
  // ax = m × 2^e with m an integer.
  let m = ax;
  let e = 0;
  while (m !== Math.floor(m)) {
    m *= 2;
    e--;
  }
  // decimal = n × 10^q
  const n = BigInt(d.digits);
  const q = d.point - d.digits.length;
  let left = BigInt(m); // m × 2^e
  let right = n; // n × 10^q
  if (e < 0) right *= 2n ** BigInt(-e);
  if (q > 0) right *= 10n ** BigInt(q);
  else if (q < 0) left *= 10n ** BigInt(-q);
  if (e > 0) left *= 2n ** BigInt(e);
  return left === right;
}

/**
 * Rounds the exact value of `ax` with `round(n)` (a JS toFixed/toExponential call: exact,
 * ties away from zero) to Dec, turning exact ties to even as Dragon4 does.
 */
function roundExact(ax: number, round: (n: number) => string, n: number): Dec {
  const more = round(n + 1);
  const mant = more.split('e')[0];
  if (mant.charCodeAt(mant.length - 1) === 53 /* '5' */ && exactlyEquals(ax, more)) {
    // A tie: keep the truncated digits when their last digit is even.
    const truncated = mant.slice(0, -1);
    let lastDigit = truncated.charCodeAt(truncated.length - 1);
    if (lastDigit === 46 /* '.' */) lastDigit = truncated.charCodeAt(truncated.length - 2);
    if ((lastDigit - 48) % 2 === 0) {
      const ei = more.indexOf('e');
      return parseDec(ei >= 0 ? truncated + more.slice(ei) : truncated);
    }
  }
  return parseDec(round(n));
}

/** dragon4_positional(x, precision=frac, unique=True): shortest digits, but at most `frac`
 *  fractional digits (the exact value rounded, ties to even). */
function positionalDec(ax: number, f32: boolean, frac: number): Dec {
  const d = shortestDec(ax, f32);
  if (d.digits.length - d.point <= frac) return d;
  return roundExact(ax, (n) => ax.toFixed(n), frac);
}

/** dragon4_scientific(x, precision=frac, unique=True): shortest digits, but at most `frac`
 *  digits after the first one. */
function scientificDec(ax: number, f32: boolean, frac: number): Dec {
  const d = shortestDec(ax, f32);
  if (d.digits.length - 1 <= frac) return d;
  return roundExact(ax, (n) => ax.toExponential(n), frac);
}

function intPartOf(d: Dec): string {
  if (d.point <= 0) return '0';
  if (d.point >= d.digits.length) return d.digits + '0'.repeat(d.point - d.digits.length);
  return d.digits.slice(0, d.point);
}

function fracPartOf(d: Dec): string {
  if (d.point <= 0) return '0'.repeat(-d.point) + d.digits;
  if (d.point >= d.digits.length) return '';
  return d.digits.slice(d.point);
}

/** Exponent string `e+05`, `e-300`: sign and at least `minDigits` digits. */
function exponentOf(d: Dec, minDigits: number): string {
  const e = d === ZERO_DEC ? 0 : d.point - 1;
  return 'e' + (e < 0 ? '-' : '+') + String(Math.abs(e)).padStart(minDigits, '0');
}

function isNegative(x: number): boolean {
  return x < 0 || Object.is(x, -0);
}

// ---------------------------------------------------------------------------------------
// Element formatters (FloatingFormat, IntegerFormat, BoolFormat)

type ElementFormat = (x: number) => string;

function floatingFormat(values: ArrayLike<number>, f32: boolean, precision = 8): ElementFormat {
  const round = f32 ? Math.fround : (v: number) => v;
  let anyNonFinite = false;
  let negInf = false;
  let maxVal = -Infinity;
  let minVal = Infinity;
  let anyFinite = false;
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (x !== x || x === Infinity || x === -Infinity) {
      anyNonFinite = true;
      if (x === -Infinity) negInf = true;
      continue;
    }
    anyFinite = true;
    if (x !== 0) {
      const a = Math.abs(x);
      if (a > maxVal) maxVal = a;
      if (a < minVal) minVal = a;
    }
  }
  // For float32 data the comparisons run in float32, as NumPy 2 does (NEP 50).
  const expFormat = maxVal !== -Infinity && (maxVal >= round(1e8) || minVal < round(1e-4) || round(maxVal / minVal) > 1000);

  let padLeft = 0;
  let padRight = 0;
  let expSize = -1;
  let fracDigits = 0;
  // The positional digits of each magnitude, found while measuring and used again to print
  // (finding them is most of the cost of printing a value).
  const positional = new Map<number, Dec>();
  if (anyFinite) {
    for (let i = 0; i < values.length; i++) {
      const x = values[i];
      if (x !== x || x === Infinity || x === -Infinity) continue;
      const ax = Math.abs(x);
      const sign = isNegative(x) ? 1 : 0;
      if (expFormat) {
        const d = scientificDec(ax, f32, precision);
        padLeft = Math.max(padLeft, 1 + sign);
        fracDigits = Math.max(fracDigits, d.digits.length - 1);
        expSize = Math.max(expSize, exponentOf(d, 2).length - 2);
      } else {
        const d = positionalDec(ax, f32, precision);
        positional.set(ax, d);
        padLeft = Math.max(padLeft, intPartOf(d).length + sign);
        padRight = Math.max(padRight, fracPartOf(d).length);
      }
    }
    if (expFormat) padRight = expSize + 2 + fracDigits;
  }
  if (anyNonFinite) {
    const offset = padRight + 1;
    padLeft = Math.max(padLeft, 3 - offset, 3 + (negInf ? 1 : 0) - offset);
  }
  const width = padLeft + padRight + 1;

  return (x: number): string => {
    if (x !== x) return 'nan'.padStart(width);
    if (x === Infinity) return 'inf'.padStart(width);
    if (x === -Infinity) return '-inf'.padStart(width);
    const ax = Math.abs(x);
    const sign = isNegative(x) ? '-' : '';
    if (expFormat) {
      // min_digits=precision: a value whose shortest digits are fewer than the column's gets
      // more digits of its exact value (rounded), not zeros.
      let d = scientificDec(ax, f32, fracDigits);
      if (d !== ZERO_DEC && d.digits.length - 1 < fracDigits) d = roundExact(ax, (n) => ax.toExponential(n), fracDigits);
      const head = (sign + d.digits[0]).padStart(padLeft);
      return head + '.' + d.digits.slice(1).padEnd(fracDigits, '0') + exponentOf(d, expSize);
    }
    const d = positional.get(ax) ?? positionalDec(ax, f32, precision);
    return (sign + intPartOf(d)).padStart(padLeft) + '.' + fracPartOf(d).padEnd(padRight);
  };
}

function integerFormat(values: ArrayLike<number>): ElementFormat {
  let width = 0;
  for (let i = 0; i < values.length; i++) width = Math.max(width, String(values[i]).length);
  return (x: number) => String(x).padStart(width);
}

function elementFormat(dtype: DType, values: ArrayLike<number>): ElementFormat {
  switch (dtype) {
    case 'bool':
      return (x: number) => (x ? ' True' : 'False');
    case 'int32':
    case 'int64':
      return integerFormat(values);
    case 'float32':
      return floatingFormat(values, true);
    case 'float64':
      return floatingFormat(values, false);
  }
}

// ---------------------------------------------------------------------------------------
// Scalars (0-d arrays print as the scalar's str)

/** `str(np.float32(x))` / `str(np.float64(x))`: positional with at least one fractional
 *  digit when 1e-4 <= |x| < 1e16 (or x is 0), else scientific without trailing zeros. */
export function formatFloatScalar(x: number, f32: boolean): string {
  if (x !== x) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  const ax = Math.abs(x);
  const sign = isNegative(x) ? '-' : '';
  const d = shortestDec(ax, f32);
  if (ax === 0 || (ax >= 1e-4 && ax < 1e16)) {
    const frac = fracPartOf(d);
    return sign + intPartOf(d) + '.' + (frac === '' ? '0' : frac);
  }
  const rest = d.digits.slice(1);
  return sign + d.digits[0] + (rest === '' ? '' : '.' + rest) + exponentOf(d, 2);
}

function formatScalar(dtype: DType, x: number): string {
  switch (dtype) {
    case 'bool':
      return x ? 'True' : 'False';
    case 'int32':
    case 'int64':
      return String(x);
    case 'float32':
      return formatFloatScalar(x, true);
    case 'float64':
      return formatFloatScalar(x, false);
  }
}

// ---------------------------------------------------------------------------------------
// Layout (_formatArray)

/**
 * The value as NumPy's `str(arr)` / `print(arr)` shows it: nested brackets, elements aligned,
 * lines wrapped at `lineWidth`, and past `threshold` elements only the first and last
 * `edgeItems` of every axis with `...` between them.
 */
/** Most axes printed as nested brackets (NumPy's own limit on dimensions). */
const MAX_NESTED_RANK = 64;
const summaryInsertFlat = '...';

export function formatTensor(t: Tensor, options: FormatOptions = {}): string {
  const threshold = options.threshold ?? 1000;
  const edgeItems = Math.max(1, options.edgeItems ?? 3);
  const lineWidth = options.lineWidth ?? 75;
  const shape = t.shape;
  const ndim = shape.length;
  const data: TypedData = t.data;
  if (ndim === 0) return formatScalar(t.dtype, data[0]);
  const size = sizeOf(shape);
  if (size === 0) return '[]';
  const summarise = size > threshold;
  const strides = stridesOf(shape);

  // The elements that are shown (_leading_trailing): they alone set the widths.
  let shownFlat: number[] | null = null;
  if (summarise) {
    let offsets = [0];
    for (let axis = 0; axis < ndim; axis++) {
      const n = shape[axis];
      const idx: number[] = [];
      if (n > 2 * edgeItems) {
        for (let i = 0; i < edgeItems; i++) idx.push(i);
        for (let i = n - edgeItems; i < n; i++) idx.push(i);
      } else {
        for (let i = 0; i < n; i++) idx.push(i);
      }
      const next: number[] = [];
      for (const o of offsets) for (const i of idx) next.push(o + i * strides[axis]);
      offsets = next;
    }
    shownFlat = offsets;
  }
  let shownValues: ArrayLike<number> = data;
  if (shownFlat) {
    const vals = new Array<number>(shownFlat.length);
    for (let i = 0; i < shownFlat.length; i++) vals[i] = data[shownFlat[i]];
    shownValues = vals;
  }
  const fmt = elementFormat(t.dtype, shownValues);
  // NumPy nests one bracket per axis and stops at 64 axes; past that the brackets would be
  // most of the text (and the indents grow with the square of the rank): a flat listing.
  if (ndim > MAX_NESTED_RANK) {
    const shown = shownFlat ?? Array.from({ length: size }, (_, i) => i);
    const items = shown.map((i) => fmt(data[i]));
    if (shownFlat) items.splice(items.length / 2, 0, summaryInsertFlat);
    return `rank-${ndim} array, flat: [${items.join(' ')}]`;
  }
  const separator = options.separator ?? ' ';
  const summaryInsert = '...';

  const recurse = (axis: number, offset: number, hangingIndent: string, currWidth: number): string => {
    if (axis === ndim) return fmt(data[offset]);
    const nextHangingIndent = hangingIndent + ' ';
    const nextWidth = currWidth - 1; // len(']')
    const n = shape[axis];
    const stride = strides[axis];
    const showSummary = summarise && 2 * edgeItems < n;
    const leadingItems = showSummary ? edgeItems : 0;
    const trailingItems = showSummary ? edgeItems : n;
    const axesLeft = ndim - axis;
    let s = '';

    if (axesLeft === 1) {
      const elemWidth = currWidth - Math.max(separator.trimEnd().length, 1);
      let line = hangingIndent;
      const extend = (word: string): void => {
        // _extendLine: wrap unless the line holds nothing but the indent
        if (line.length + word.length > elemWidth && line.length > hangingIndent.length) {
          s += line.trimEnd() + '\n';
          line = hangingIndent;
        }
        line += word;
      };
      for (let i = 0; i < leadingItems; i++) {
        extend(recurse(axis + 1, offset + i * stride, nextHangingIndent, nextWidth));
        line += separator;
      }
      if (showSummary) {
        extend(summaryInsert);
        line += separator;
      }
      for (let i = trailingItems; i > 1; i--) {
        extend(recurse(axis + 1, offset + (n - i) * stride, nextHangingIndent, nextWidth));
        line += separator;
      }
      extend(recurse(axis + 1, offset + (n - 1) * stride, nextHangingIndent, nextWidth));
      s += line;
    } else {
      const lineSep = separator.trimEnd() + '\n'.repeat(axesLeft - 1);
      for (let i = 0; i < leadingItems; i++) {
        s += hangingIndent + recurse(axis + 1, offset + i * stride, nextHangingIndent, nextWidth) + lineSep;
      }
      if (showSummary) s += hangingIndent + summaryInsert + lineSep;
      for (let i = trailingItems; i > 1; i--) {
        s += hangingIndent + recurse(axis + 1, offset + (n - i) * stride, nextHangingIndent, nextWidth) + lineSep;
      }
      s += hangingIndent + recurse(axis + 1, offset + (n - 1) * stride, nextHangingIndent, nextWidth);
    }
    return '[' + s.slice(hangingIndent.length) + ']';
  };

  return recurse(0, 0, ' '.repeat(1 + (options.prefixWidth ?? 0)), lineWidth);
}
