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

/** Parses a non-negative JS decimal string (`123.45`, `0.001`, `1.5e-7`, `1e+21`). Slices
 *  the digits out once where no point falls between them (`0.00123`: most printed values). */
function parseDec(s: string): Dec {
  let exp = 0;
  let end = s.length;
  const ei = s.indexOf('e');
  if (ei >= 0) {
    exp = Number(s.slice(ei + 1));
    end = ei;
  }
  const di = s.indexOf('.');
  const point = di >= 0 && di < end ? di : -1;
  const intLen = point >= 0 ? point : end;
  // The first and last digits that are not zero (the point skipped).
  let first = 0;
  while (first < end && (s.charCodeAt(first) === 48 || first === point)) first++;
  if (first === end) return ZERO_DEC;
  let last = end - 1;
  while (s.charCodeAt(last) === 48 || last === point) last--;
  const digits = point > first && point < last ? s.slice(first, point) + s.slice(point + 1, last + 1) : s.slice(first, last + 1);
  // (leading zeros counted without the point)
  const start = point >= 0 && point < first ? first - 1 : first;
  return { digits, point: intLen - start + exp };
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
// The text being written

/** The text of one array, written in place as UTF-16 code units and decoded once: made by
 *  concatenation, each element cost a handful of strings and each axis copied the text of the
 *  axes inside it again (a [16, 8] value's 500 characters took 30 KB of strings, and an
 *  editor's snapshot prints a thousand values after each edit of a feed). One buffer, reused:
 *  printing calls nothing that prints. */
class TextBuffer {
  codes = new Uint16Array(1024);
  length = 0;

  private room(n: number): void {
    if (this.length + n <= this.codes.length) return;
    const grown = new Uint16Array(Math.max(2 * this.codes.length, this.length + n));
    grown.set(this.codes.subarray(0, this.length));
    this.codes = grown;
  }

  char(c: number): void {
    this.room(1);
    this.codes[this.length++] = c;
  }

  repeat(c: number, n: number): void {
    if (n <= 0) return;
    this.room(n);
    this.codes.fill(c, this.length, this.length + n);
    this.length += n;
  }

  text(s: string, from = 0, to = s.length): void {
    this.room(to - from);
    for (let i = from; i < to; i++) this.codes[this.length++] = s.charCodeAt(i);
  }

  /** Drops the whitespace that ends the text after `from` (Python's `rstrip`). */
  trimEndTo(from: number): void {
    while (this.length > from && isSpace(this.codes[this.length - 1])) this.length--;
  }

  /** The text written since `from`, which is then dropped. */
  take(from = 0): string {
    const s = decoder.decode(this.codes.subarray(from, this.length));
    this.length = from;
    // (a huge array's text is not kept alive in the module)
    if (from === 0 && this.codes.length > 1 << 16) this.codes = new Uint16Array(1024);
    return s;
  }
}

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** (V8 makes a one-byte string of one-byte characters: 500 characters take 520 bytes.) */
const decoder = new TextDecoder('utf-16le');
const SPACE = 32;
const ZERO_CODE = 48;
const MINUS = 45;
const DOT = 46;
const buffer = new TextBuffer();
let moved = new Uint16Array(64);

// ---------------------------------------------------------------------------------------
// Element formatters (FloatingFormat, IntegerFormat, BoolFormat)

/** Writes element number `k` of the values the format was made for (in the order printed),
 *  whose value is `x`. */
type ElementFormat = (k: number, x: number, out: TextBuffer) => void;

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
  // The positional digits of each element, found while measuring and used again to print
  // (finding them is most of the cost of printing a value).
  const positional: (Dec | undefined)[] = expFormat ? [] : new Array<Dec | undefined>(values.length);
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
        positional[i] = d;
        padLeft = Math.max(padLeft, intLengthOf(d) + sign);
        padRight = Math.max(padRight, fracLengthOf(d));
      }
    }
    if (expFormat) padRight = expSize + 2 + fracDigits;
  }
  if (anyNonFinite) {
    const offset = padRight + 1;
    padLeft = Math.max(padLeft, 3 - offset, 3 + (negInf ? 1 : 0) - offset);
  }
  const width = padLeft + padRight + 1;

  return (k: number, x: number, out: TextBuffer): void => {
    if (x !== x || x === Infinity || x === -Infinity) {
      const word = x !== x ? 'nan' : x === Infinity ? 'inf' : '-inf';
      out.repeat(SPACE, width - word.length);
      out.text(word);
      return;
    }
    const ax = Math.abs(x);
    const negative = isNegative(x);
    if (expFormat) {
      // min_digits=precision: a value whose shortest digits are fewer than the column's gets
      // more digits of its exact value (rounded), not zeros.
      let d = scientificDec(ax, f32, fracDigits);
      if (d !== ZERO_DEC && d.digits.length - 1 < fracDigits) d = roundExact(ax, (n) => ax.toExponential(n), fracDigits);
      out.repeat(SPACE, padLeft - (negative ? 2 : 1));
      if (negative) out.char(MINUS);
      out.text(d.digits, 0, 1);
      out.char(DOT);
      out.text(d.digits, 1);
      out.repeat(ZERO_CODE, fracDigits - (d.digits.length - 1));
      out.text(exponentOf(d, expSize));
      return;
    }
    const d = positional[k] ?? positionalDec(ax, f32, precision);
    const { digits, point } = d;
    out.repeat(SPACE, padLeft - intLengthOf(d) - (negative ? 1 : 0));
    if (negative) out.char(MINUS);
    // The integer part (intPartOf), the point, the fraction (fracPartOf) padded to the column.
    if (point <= 0) out.char(ZERO_CODE);
    else {
      out.text(digits, 0, Math.min(point, digits.length));
      out.repeat(ZERO_CODE, point - digits.length);
    }
    out.char(DOT);
    if (point <= 0) out.repeat(ZERO_CODE, -point);
    if (point < digits.length) out.text(digits, Math.max(point, 0));
    out.repeat(SPACE, padRight - fracLengthOf(d));
  };
}

/** The length of intPartOf(d) and fracPartOf(d), without making them. */
function intLengthOf(d: Dec): number {
  return d.point <= 0 ? 1 : d.point;
}

function fracLengthOf(d: Dec): number {
  if (d.point <= 0) return -d.point + d.digits.length;
  return d.point >= d.digits.length ? 0 : d.digits.length - d.point;
}

function integerFormat(values: ArrayLike<number>): ElementFormat {
  let width = 0;
  for (let i = 0; i < values.length; i++) width = Math.max(width, String(values[i]).length);
  return (_k: number, x: number, out: TextBuffer) => {
    const s = String(x);
    out.repeat(SPACE, width - s.length);
    out.text(s);
  };
}

function elementFormat(dtype: DType, values: ArrayLike<number>): ElementFormat {
  switch (dtype) {
    case 'bool':
      return (_k: number, x: number, out: TextBuffer) => out.text(x ? ' True' : 'False');
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
  let shownFlat: Float64Array | null = null;
  if (summarise) {
    let offsets = new Float64Array(1);
    for (let axis = 0; axis < ndim; axis++) {
      const n = shape[axis];
      const cut = n > 2 * edgeItems;
      const count = cut ? 2 * edgeItems : n;
      const stride = strides[axis];
      const next = new Float64Array(offsets.length * count);
      let at = 0;
      for (let o = 0; o < offsets.length; o++)
        for (let j = 0; j < count; j++) next[at++] = offsets[o] + (cut && j >= edgeItems ? n - 2 * edgeItems + j : j) * stride;
      offsets = next;
    }
    shownFlat = offsets;
  }
  let shownValues: ArrayLike<number> = data;
  if (shownFlat) {
    const vals = new Float64Array(shownFlat.length);
    for (let i = 0; i < shownFlat.length; i++) vals[i] = data[shownFlat[i]];
    shownValues = vals;
  }
  const fmt = elementFormat(t.dtype, shownValues);
  // Elements are printed in the order they were listed in (row-major, shown ones only).
  let printed = 0;
  const out = buffer;
  const start = out.length;
  const element = (offset: number) => fmt(printed++, data[offset], out);
  // NumPy nests one bracket per axis and stops at 64 axes; past that the brackets would be
  // most of the text (and the indents grow with the square of the rank): a flat listing.
  if (ndim > MAX_NESTED_RANK) {
    const shown: ArrayLike<number> = shownFlat ?? Array.from({ length: size }, (_, i) => i);
    const summaryAt = shownFlat ? Math.trunc(shown.length / 2) : -1;
    out.text(`rank-${ndim} array, flat: [`);
    for (let i = 0; i < shown.length; i++) {
      if (i > 0) out.char(SPACE);
      if (i === summaryAt) out.text(summaryInsertFlat + ' ');
      element(shown[i]);
    }
    if (summaryAt === shown.length) out.text(' ' + summaryInsertFlat);
    out.char(93 /* ] */);
    return out.take(start);
  }
  const separator = options.separator ?? ' ';
  const trimmedSeparator = separator.trimEnd();
  const summaryInsert = '...';
  const lineSeps: string[] = [];
  const lineSep = (axesLeft: number) => (lineSeps[axesLeft] ??= trimmedSeparator + '\n'.repeat(axesLeft - 1));
  // The line of the innermost axis being written: its indent, its length as NumPy counts it
  // (the indent included), where it is written, and its width.
  let indent = 0;
  let lineLength = 0;
  let lineStart = 0;
  let elemWidth = 0;
  /** _extendLine: the word just written from `from` on, wrapped unless the line held nothing
   *  but the indent. */
  const extended = (from: number): void => {
    const length = out.length - from;
    if (lineLength + length > elemWidth && lineLength > indent) {
      // A word that goes to the next line is moved there (its length is known once written).
      if (moved.length < length) moved = new Uint16Array(2 * length);
      for (let i = 0; i < length; i++) moved[i] = out.codes[from + i];
      out.length = from;
      out.trimEndTo(lineStart);
      out.char(10 /* \n */);
      out.repeat(SPACE, indent);
      lineStart = out.length;
      lineLength = indent;
      for (let i = 0; i < length; i++) out.char(moved[i]);
    }
    lineLength += length;
  };
  const item = (at: number): void => {
    const from = out.length;
    element(at);
    extended(from);
  };
  const separate = () => {
    out.text(separator);
    lineLength += separator.length;
  };

  /** Writes the array at `axis` ('[' ... ']'), its lines after the first indented by
   *  `hanging` (NumPy's hanging indent; the first line's is its caller's). */
  const write = (axis: number, offset: number, hanging: number, currWidth: number): void => {
    const nextWidth = currWidth - 1; // len(']')
    const n = shape[axis];
    const stride = strides[axis];
    const showSummary = summarise && 2 * edgeItems < n;
    const leadingItems = showSummary ? edgeItems : 0;
    const trailingItems = showSummary ? edgeItems : n;
    const axesLeft = ndim - axis;
    out.char(91 /* [ */);

    if (axesLeft === 1) {
      elemWidth = currWidth - Math.max(trimmedSeparator.length, 1);
      indent = hanging;
      lineLength = hanging;
      lineStart = out.length;
      for (let i = 0; i < leadingItems; i++) {
        item(offset + i * stride);
        separate();
      }
      if (showSummary) {
        const from = out.length;
        out.text(summaryInsert);
        extended(from);
        separate();
      }
      for (let i = trailingItems; i > 1; i--) {
        item(offset + (n - i) * stride);
        separate();
      }
      item(offset + (n - 1) * stride);
    } else {
      const sep = lineSep(axesLeft);
      for (let i = 0; i < leadingItems; i++) {
        if (i > 0) out.repeat(SPACE, hanging);
        write(axis + 1, offset + i * stride, hanging + 1, nextWidth);
        out.text(sep);
      }
      if (showSummary) {
        out.repeat(SPACE, hanging);
        out.text(summaryInsert);
        out.text(sep);
      }
      for (let i = trailingItems; i > 1; i--) {
        if (showSummary || i < trailingItems) out.repeat(SPACE, hanging);
        write(axis + 1, offset + (n - i) * stride, hanging + 1, nextWidth);
        out.text(sep);
      }
      if (showSummary || n > 1) out.repeat(SPACE, hanging);
      write(axis + 1, offset + (n - 1) * stride, hanging + 1, nextWidth);
    }
    out.char(93 /* ] */);
  };

  write(0, 0, 1 + (options.prefixWidth ?? 0), lineWidth);
  return out.take(start);
}
