// JSON form of a tensor value (the `tgraph run --json` contract) and the shortest float32
// decimal shared with the NumPy-style printer.

import type { Tensor } from '../tensor';

export interface TensorJson {
  dtype: string;
  shape: number[];
  data: (number | boolean | string)[];
}

/** Exact powers of ten representable as doubles (10^0 … 10^22). */
const POW10_EXACT: number[] = [];
for (let i = 0; i <= 22; i++) POW10_EXACT.push(Number(`1e${i}`));

/** Correctly rounded 10^n for the float32 exponent range (index n + 50). */
const POW10_ANY: number[] = [];
for (let n = -50; n <= 50; n++) POW10_ANY.push(Number(`1e${n}`));
function pow10(n: number): number {
  return n >= -50 && n <= 50 ? POW10_ANY[n + 50] : Number(`1e${n}`);
}

/**
 * For a positive finite float32 value `ax` (held exactly in a double), the double nearest to
 * the shortest decimal that rounds back to the same float32 (when several decimals of that
 * length do, the one closest to `ax`). As NumPy's `repr(np.float32(x))` / Ryu.
 */
function shortestFloat32Positive(ax: number): number {
  let e = Math.floor(Math.log10(ax));
  if (ax >= pow10(e + 1)) e++;
  else if (ax < pow10(e)) e--;
  // A float32 needs at most 9 significant digits, and if the closest p-digit decimal rounds
  // back to ax so does the closest (p+1)-digit one. Most data need 8 or 9 digits: try 8 and
  // 7 first, then binary search below 7.
  const d8 = closestDecimal(ax, e - 7, 8);
  if (Math.fround(d8) !== ax) return closestDecimal(ax, e - 8, 9);
  const d7 = closestDecimal(ax, e - 6, 7);
  if (Math.fround(d7) !== ax) return d8;
  let lo = 1;
  let hi = 7;
  let best = d7;
  while (lo < hi) {
    const p = (lo + hi) >> 1;
    const d = closestDecimal(ax, e - p + 1, p);
    if (Math.fround(d) === ax) {
      hi = p;
      best = d;
    } else {
      lo = p + 1;
    }
  }
  return best;
}

/** The double nearest to the p-significant-digit decimal m × 10^k closest to ax. */
function closestDecimal(ax: number, k: number, p: number): number {
  if (k > 22 || k < -22) return Number(ax.toPrecision(p));
  // scaled < 10^9, so its rounding error (< 1e-7) matters only next to a .5 tie.
  const scaled = k >= 0 ? ax / POW10_EXACT[k] : ax * POW10_EXACT[-k];
  const fl = Math.floor(scaled);
  const fr = scaled - fl;
  if (Math.abs(fr - 0.5) < 1e-6) return Number(ax.toPrecision(p));
  const m = fr > 0.5 ? fl + 1 : fl;
  // m < 2^53 and 10^|k| exact: one correctly rounded operation, as Number(`${m}e${k}`).
  return k >= 0 ? m * POW10_EXACT[k] : m / POW10_EXACT[-k];
}

/**
 * The double whose JS shortest form is the shortest decimal that round-trips to the same
 * float32 as `x` (so `Math.fround(0.1)` gives `0.1`). Values that are not float32 (a float32
 * tensor re-evaluated in float64) and non-finite values are returned unchanged.
 */
export function shortestFloat32Value(x: number): number {
  if (x === 0 || x !== x || x === Infinity || x === -Infinity) return x;
  if (Math.fround(x) !== x) return x;
  return x < 0 ? -shortestFloat32Positive(-x) : shortestFloat32Positive(x);
}

/**
 * The shortest decimal string (JS number syntax: `0.1`, `1e-7`, `3.4028235e+38`) that rounds
 * to the same float32 as `x`. `NaN`, `Infinity`, `-Infinity`, and `-0` for negative zero.
 * A value that is not exactly a float32 is written as its JS shortest double form.
 */
export function shortestFloat32(x: number): string {
  if (x !== x) return 'NaN';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  return String(shortestFloat32Value(x));
}

function jsonNumber(x: number): number | string {
  if (x === x && x !== Infinity && x !== -Infinity) return x;
  return x !== x ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity';
}

/** `{"dtype", "shape", "data"}` with `data` flat and row-major; non-finite numbers as the
 *  strings "NaN", "Infinity", "-Infinity"; bools as true/false; float32 values as their
 *  shortest float32 decimal. */
export function tensorToJson(t: Tensor): TensorJson {
  const src = t.data;
  const n = src.length;
  const data: (number | boolean | string)[] = new Array(n);
  switch (t.dtype) {
    case 'bool':
      for (let i = 0; i < n; i++) data[i] = src[i] !== 0;
      break;
    case 'int32':
    case 'int64':
      for (let i = 0; i < n; i++) data[i] = src[i];
      break;
    case 'float32':
      for (let i = 0; i < n; i++) {
        const x = src[i];
        data[i] = x === x && x !== Infinity && x !== -Infinity ? shortestFloat32Value(x) : jsonNumber(x);
      }
      break;
    default:
      for (let i = 0; i < n; i++) data[i] = jsonNumber(src[i]);
      break;
  }
  return { dtype: t.dtype, shape: t.shape.slice(), data };
}
