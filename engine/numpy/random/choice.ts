// The pieces of NumPy's legacy RandomState.choice (NumPy 1.17 to 2.x, unchanged; messages are
// NumPy 1.24's): checking `p`, its cumulative distribution, and the search that turns a
// uniform draw into an index.

import type { ArrayArg } from './arguments';
import { NumpyError } from './errors';

const FLOAT64_SUM_TOLERANCE = Math.sqrt(2 ** -52);
const FLOAT32_SUM_TOLERANCE = Math.fround(Math.sqrt(2 ** -23));

/** NumPy's kahan_sum over the probabilities, as choice checks their total. */
function kahanSum(values: Float64Array): number {
  let sum = values[0];
  let compensation = 0;
  for (let i = 1; i < values.length; i++) {
    const y = values[i] - compensation;
    const t = sum + y;
    compensation = t - sum - y;
    sum = t;
  }
  return sum;
}

/** `p` as float64, checked as NumPy checks it. A Float32Array is a float32 array to NumPy:
 *  its total may be off by float32's tolerance rather than float64's. */
export function checkedProbabilities(p: ArrayLike<number>, populationSize: number): Float64Array {
  const tolerance = p instanceof Float32Array ? FLOAT32_SUM_TOLERANCE : FLOAT64_SUM_TOLERANCE;
  const values = Float64Array.from(p);
  if (values.length !== populationSize) throw new NumpyError('ValueError', "'a' and 'p' must have same size");
  const total = values.length === 0 ? 0 : kahanSum(values);
  if (Number.isNaN(total)) throw new NumpyError('ValueError', 'probabilities contain NaN');
  if (values.some((v) => v < 0)) throw new NumpyError('ValueError', 'probabilities are not non-negative');
  if (Math.abs(total - 1) > tolerance) throw new NumpyError('ValueError', 'probabilities do not sum to 1');
  return values;
}

/** cumsum(p) / cumsum(p)[-1]: a sequential sum, each entry divided by the total. */
export function cumulative(weights: Float64Array): Float64Array {
  const cdf = new Float64Array(weights.length);
  let sum = 0;
  for (let i = 0; i < weights.length; i++) {
    sum += weights[i];
    cdf[i] = sum;
  }
  const total = cdf[cdf.length - 1];
  for (let i = 0; i < cdf.length; i++) cdf[i] /= total;
  return cdf;
}

/** searchsorted(cdf, u, side='right'): the first index whose cdf exceeds u. */
export function searchRight(cdf: Float64Array, u: number): number {
  let lo = 0;
  let hi = cdf.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cdf[mid] <= u) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Indexable, writable data: a typed array or a plain array. */
export interface WritableValues<T> {
  [index: number]: T;
  readonly length: number;
}

/** An empty array of `length` of the same kind as `data` (its typed-array class, or an array). */
export function allocateLike<T>(data: ArrayLike<T>, length: number): WritableValues<T> {
  if (ArrayBuffer.isView(data)) {
    const kind = (data as unknown as { constructor: new (n: number) => WritableValues<T> }).constructor;
    return new kind(length);
  }
  return new Array<T>(length);
}

export function dtypeOf(array: ArrayArg<unknown>): string {
  return array.dtype ?? 'float64';
}
