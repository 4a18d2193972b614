// `range` as CPython has it: exact at any size (range(2**60, 2**60 + 9, 3)[-1]), indexed,
// sliced into another range, searched (`x in r`, r.index, r.count) and compared without
// listing its items, so range(10**18) answers these at once as Python does.

import type { Span } from '../syntax/ast';
import { pyError } from './errors';
import { pyRepr } from './format';
import { NDArray } from './numpy/ndarray';
import { PyBuiltin, PyRange, PySlice, type PyValue, typeName } from './values';

/** sys.maxsize: the longest sequence len() can report. */
const MAX_SIZE = 2n ** 63n - 1n;

/** `len(r)`: past sys.maxsize CPython cannot say it. */
export function rangeLength(r: PyRange, span: Span): number {
  const n = r.count;
  if (n > MAX_SIZE) throw pyError('OverflowError', 'Python int too large to convert to C ssize_t', span);
  return Number(n);
}

/** A Python integer (or an object with __index__), exactly. */
function exactIndex(v: PyValue, span: Span, message: string): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'boolean') return v ? 1n : 0n;
  if (v instanceof NDArray && v.shape.length === 0 && (v.dtype === 'int32' || v.dtype === 'int64')) return BigInt(v.data[0]);
  throw pyError('TypeError', message.replace('%s', typeName(v)), span);
}

/** `r[i]` or `r[a:b:c]`. */
export function rangeItem(r: PyRange, index: PyValue, span: Span): PyValue {
  if (index instanceof PySlice) return rangeSlice(r, index, span);
  const n = r.count;
  let i = exactIndex(index, span, 'range indices must be integers or slices, not %s');
  if (i < 0n) i += n;
  if (i < 0n || i >= n) throw pyError('IndexError', 'range object index out of range', span);
  return r.at(i);
}

/** CPython's slice.indices on a length of any size, and the range those indices pick. */
function rangeSlice(r: PyRange, s: PySlice, span: Span): PyRange {
  const message = 'slice indices must be integers or None or have an __index__ method';
  const n = r.count;
  const step = s.step === null ? 1n : exactIndex(s.step, span, message);
  if (step === 0n) throw pyError('ValueError', 'slice step cannot be zero', span);
  const [lower, upper] = step > 0n ? [0n, n] : [-1n, n - 1n];
  const clamp = (v: PyValue, missing: bigint): bigint => {
    if (v === null) return missing;
    const i = exactIndex(v, span, message);
    if (i < 0n) return i + n < lower ? lower : i + n;
    return i > upper ? upper : i;
  };
  const start = clamp(s.start, step > 0n ? lower : upper);
  const stop = clamp(s.stop, step > 0n ? upper : lower);
  return new PyRange(r.start + start * r.step, r.start + stop * r.step, r.step * step);
}

/** The position of an integer in the range, or -1; `x in r` for ints and integral floats is
 *  arithmetic in CPython (a float 2.0 is found, 2.5 is not). */
function positionOf(r: PyRange, x: PyValue): bigint {
  let v: bigint;
  if (typeof x === 'bigint') v = x;
  else if (typeof x === 'boolean') v = x ? 1n : 0n;
  else if (typeof x === 'number' && Number.isInteger(x)) v = BigInt(x);
  else return -1n;
  const offset = v - r.start;
  if (offset % r.step !== 0n) return -1n;
  const i = offset / r.step;
  return i >= 0n && i < r.count ? i : -1n;
}

export function rangeContains(r: PyRange, x: PyValue): boolean {
  return positionOf(r, x) >= 0n;
}

/** `range(0) == range(2, 1)` and `range(0, 3, 2) == range(0, 4, 2)`: equal as sequences. */
export function rangesEqual(a: PyRange, b: PyRange): boolean {
  const n = a.count;
  if (n !== b.count) return false;
  if (n === 0n) return true;
  return a.start === b.start && (n === 1n || a.step === b.step);
}

/** r.start, r.stop, r.step, r.index(x), r.count(x). */
export function rangeAttribute(r: PyRange, name: string): PyValue | undefined {
  switch (name) {
    case 'start':
      return r.start;
    case 'stop':
      return r.stop;
    case 'step':
      return r.step;
    case 'index':
      return new PyBuiltin('index', (args, _kw, site) => {
        const i = positionOf(r, args[0]);
        if (i < 0n) throw pyError('ValueError', `${pyRepr(args[0])} is not in range`, site.argSpans[0] ?? site.span);
        return i;
      });
    case 'count':
      return new PyBuiltin('count', (args) => (positionOf(r, args[0]) >= 0n ? 1n : 0n));
  }
  return undefined;
}
