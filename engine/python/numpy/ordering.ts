// NumPy's functions that depend on the order of values: sorting (np.sort, np.argsort),
// np.unique, order statistics (np.median, np.percentile, np.quantile), and the functions that
// find nonzero elements. NumPy sorts NaN after every number; its sorts are stable here (for
// ties NumPy's default quicksort may order equal elements otherwise beyond 16 of them).

import type { Span } from '../../syntax/ast';
import { PyTuple, type PyValue } from '../values';
import { OutsideSubset, pyError } from '../errors';
import type { Interpreter } from '../interpreter';
import type { BoundPyArgs } from '../signature';
import { NDArray, type NpDType, allocNp, astype } from './ndarray';
import { asArray } from './compute';
import { reduce } from './methods';
import { type NpFunction, arr, floatDType } from './functionSupport';
import { axisOf } from './arrangement';

/** NumPy's ascending order: numbers by value, NaN last. */
function ascending(a: number, b: number): number {
  if (a < b) return -1;
  if (a > b) return 1;
  const an = a !== a;
  const bn = b !== b;
  return an === bn ? 0 : an ? 1 : -1;
}

/** A step of work counted toward the interpreter's clock, for work that builds no graph node:
 *  Interpreter.checkClock counts its calls and reads the clock once in 256 of them, so a sort
 *  of 10⁷ values (2·10⁸ comparisons) stops at the time budget with its diagnostic at the call. */
function clockSteps(rt: Interpreter, at: Span): () => void {
  return () => rt.checkClock(at);
}

/** Each 1-D lane of `a` along `axis`: its element offsets, handed to `visit`. */
function forEachLane(shape: readonly number[], axis: number, visit: (offsets: number[]) => void): void {
  const n = shape[axis];
  let stride = 1;
  for (let d = axis + 1; d < shape.length; d++) stride *= shape[d];
  const total = shape.reduce((p, d) => p * d, 1);
  const lanes = n === 0 ? 0 : total / n;
  const offsets = new Array<number>(n);
  for (let r = 0; r < lanes; r++) {
    const base = Math.floor(r / stride) * n * stride + (r % stride);
    for (let i = 0; i < n; i++) offsets[i] = base + i * stride;
    visit(offsets);
  }
}

/** The array flattened when the axis argument is None, else the axis (negative allowed). */
function alongAxis(rt: Interpreter, p: BoundPyArgs, name: string, axisName: string, fallback: PyValue): { a: NDArray; axis: number } {
  const a0 = arr(rt, p, name);
  const axisArg = p.get(axisName, fallback);
  if (axisArg === null) return { a: new NDArray(a0.dtype, [a0.size], a0.data), axis: 0 };
  if (a0.shape.length === 0)
    throw pyError('AxisError', `axis ${String(axisArg)} is out of bounds for array of dimension 0`, p.span(axisName));
  return { a: a0, axis: axisOf(rt, axisArg, a0.shape.length, p.span(axisName)) };
}

/** Per lane, the stable sorting permutation; `write` gets each lane's offsets and order. */
function sortLanes(a: NDArray, axis: number, step: () => void, write: (offsets: number[], order: number[]) => void): void {
  forEachLane(a.shape, axis, (offsets) => {
    const order = offsets.map((_, i) => i);
    order.sort((i, j) => (step(), ascending(a.data[offsets[i]], a.data[offsets[j]]) || i - j));
    write(offsets, order);
  });
}

function sort(rt: Interpreter, p: BoundPyArgs, at: Span): NDArray {
  const { a, axis } = alongAxis(rt, p, 'a', 'axis', -1n);
  const out = allocNp(a.dtype, a.size);
  sortLanes(a, axis, clockSteps(rt, at), (offsets, order) => order.forEach((from, i) => (out[offsets[i]] = a.data[offsets[from]])));
  return new NDArray(a.dtype, a.shape, out);
}

function argsort(rt: Interpreter, p: BoundPyArgs, at: Span): NDArray {
  const { a, axis } = alongAxis(rt, p, 'a', 'axis', -1n);
  const out = allocNp('int64', a.size);
  sortLanes(a, axis, clockSteps(rt, at), (offsets, order) => order.forEach((from, i) => (out[offsets[i]] = from)));
  return new NDArray('int64', a.shape, out);
}

/** np.unique of the flattened array: sorted distinct values (NaNs as one, last), and on
 *  request the first index of each, the inverse map and the counts. */
function unique(rt: Interpreter, p: BoundPyArgs, at: Span): PyValue {
  if (p.get('axis', null) !== null) throw new OutsideSubset('np.unique(axis=...) is not modelled by tgraph', p.span('axis'));
  const a = arr(rt, p, 'ar');
  const step = clockSteps(rt, at);
  const order = Array.from({ length: a.size }, (_, i) => i).sort((i, j) => (step(), ascending(a.data[i], a.data[j]) || i - j));
  const values: number[] = [];
  const first: number[] = [];
  const counts: number[] = [];
  const inverse = allocNp('int64', a.size);
  for (const i of order) {
    const x = a.data[i];
    const last = values.length - 1;
    if (last >= 0 && (values[last] === x || (x !== x && values[last] !== values[last]))) counts[last]++;
    else {
      values.push(x);
      first.push(i);
      counts.push(1);
    }
    inverse[i] = values.length - 1;
  }
  const result = new NDArray(
    a.dtype,
    [values.length],
    allocNp(a.dtype, values.length).map((_, k) => values[k]),
  );
  const extras: NDArray[] = [];
  const vector = (xs: number[]) =>
    new NDArray(
      'int64',
      [xs.length],
      allocNp('int64', xs.length).map((_, k) => xs[k]),
    );
  if (rt.truth(p.get('return_index', false), p.span('return_index'))) extras.push(vector(first));
  if (rt.truth(p.get('return_inverse', false), p.span('return_inverse'))) extras.push(new NDArray('int64', [a.size], inverse));
  if (rt.truth(p.get('return_counts', false), p.span('return_counts'))) extras.push(vector(counts));
  return extras.length === 0 ? result : new PyTuple([result, ...extras]);
}

/** NumPy's linear interpolation between two order statistics (its `_lerp`: exact at both
 *  ends, the formula turned around past the middle). */
function lerp(a: number, b: number, t: number): number {
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/** np.percentile / np.quantile / np.median, method 'linear': per lane, the order statistic
 *  at position q·(n−1). Several q give a leading axis. */
function quantiles(rt: Interpreter, p: BoundPyArgs, span: Span, qs: NDArray | null, scale: number): NDArray {
  const axisArg = p.get('axis', null);
  const { a: a0, axis } = alongAxis(rt, p, 'a', 'axis', null);
  const keepdims = rt.truth(p.get('keepdims', false), p.span('keepdims'));
  const dtype: NpDType = floatDType(a0.dtype);
  const a = astype(a0, 'float64');
  const fractions = qs ? Array.from(qs.data, (q) => q / scale) : [0.5];
  if (fractions.some((q) => !(q >= 0 && q <= 1)))
    throw pyError(
      'ValueError',
      scale === 100 ? 'Percentiles must be in the range [0, 100]' : 'Quantiles must be in the range [0, 1]',
      p.span('q'),
    );
  // An empty lane has no order statistic: NumPy's median is NaN there, its quantiles fail.
  if (a.shape[axis] === 0 && qs !== null) throw pyError('IndexError', 'index -1 is out of bounds for axis 0 with size 0', span);
  const laneShape = a.shape.filter((_, d) => d !== axis);
  const lanes = laneShape.reduce((x, d) => x * d, 1);
  const out = new Float64Array(fractions.length * lanes);
  if (a.shape[axis] === 0) out.fill(NaN);
  let lane = 0;
  const round = dtype === 'float32' ? Math.fround : (x: number) => x;
  forEachLane(a.shape, axis, (offsets) => {
    const xs = offsets.map((o) => round(a.data[o])).sort(ascending);
    const n = xs.length;
    fractions.forEach((q, k) => {
      const at = q * (n - 1);
      const lo = Math.floor(at);
      const hi = at === lo ? lo : lo + 1;
      const nan = xs[n - 1] !== xs[n - 1];
      out[k * lanes + lane] = nan ? NaN : qs === null ? round((xs[lo] + xs[hi]) / 2) : lerp(xs[lo], xs[hi], at - lo);
    });
    lane++;
  });
  const shape = keepdims ? a0.shape.map((d, k) => (axisArg === null || k === axis ? 1 : d)) : axisArg === null ? [] : laneShape;
  const leading = qs && qs.shape.length > 0 ? [qs.size] : [];
  const result = astype(new NDArray('float64', [...leading, ...shape], out), dtype);
  return leading.length === 0 && shape.length === 0 ? new NDArray(dtype, [], result.data, true) : result;
}

/** The coordinates of the nonzero elements, one int64 vector per axis (np.nonzero's), each
 *  as long as the count of them: no array per element (10⁷ nonzero elements made 10⁷ small
 *  arrays, most of a gigabyte), and the clock asked as the elements are read. */
function nonzeroCoordinates(rt: Interpreter, a: NDArray, at: Span): { count: number; axes: NDArray[] } {
  const step = clockSteps(rt, at);
  let count = 0;
  for (let i = 0; i < a.size; i++) {
    if (a.data[i] !== 0) count++;
    step();
  }
  const strides = a.shape.map((_, d) => a.shape.slice(d + 1).reduce((x, y) => x * y, 1));
  const axes = a.shape.map(() => allocNp('int64', count));
  for (let i = 0, k = 0; i < a.size; i++) {
    if (a.data[i] !== 0) {
      for (let d = 0; d < axes.length; d++) axes[d][k] = Math.floor(i / strides[d]) % a.shape[d];
      k++;
    }
    step();
  }
  return { count, axes: axes.map((data) => new NDArray('int64', [count], data)) };
}

export const ORDER_FUNCTIONS: Record<string, NpFunction> = {
  sort: { params: ['a', 'axis', 'kind', 'order'], impl: (rt, p, site) => sort(rt, p, site.span) },
  argsort: { params: ['a', 'axis', 'kind', 'order'], impl: (rt, p, site) => argsort(rt, p, site.span) },
  unique: {
    params: ['ar', 'return_index', 'return_inverse', 'return_counts', 'axis', 'equal_nan'],
    impl: (rt, p, site) => unique(rt, p, site.span),
  },
  // The middle element, or the mean of the two middle ones, in the array's float dtype.
  median: { params: ['a', 'axis', 'out', 'overwrite_input', 'keepdims'], impl: (rt, p, site) => quantiles(rt, p, site.span, null, 1) },
  percentile: {
    params: ['a', 'q', 'axis', 'out', 'overwrite_input', 'method', 'keepdims'],
    impl: (rt, p, site) => quantiles(rt, p, site.span, asArray(rt, p.get('q'), p.span('q')), 100),
  },
  quantile: {
    params: ['a', 'q', 'axis', 'out', 'overwrite_input', 'method', 'keepdims'],
    impl: (rt, p, site) => quantiles(rt, p, site.span, asArray(rt, p.get('q'), p.span('q')), 1),
  },
  count_nonzero: {
    params: ['a', 'axis', 'keepdims'],
    impl: (rt, p, site) => {
      const a = arr(rt, p, 'a');
      if (p.get('axis', null) === null && !rt.truth(p.get('keepdims', false), p.span('keepdims')))
        return BigInt(Array.from(a.data).filter((x) => x !== 0).length);
      const counted = reduce(
        rt,
        astype(astype(a, 'bool'), 'int64'),
        'sum',
        p.get('axis', null),
        rt.truth(p.get('keepdims', false), p.span('keepdims')),
        site.span,
      );
      return counted;
    },
  },
  nonzero: {
    params: ['a'],
    impl: (rt, p, site) => {
      const a = arr(rt, p, 'a');
      if (a.shape.length === 0)
        throw pyError(
          'ValueError',
          'Calling nonzero on 0d arrays is not allowed. Use np.atleast_1d(scalar).nonzero() instead.',
          p.span('a'),
        );
      return new PyTuple(nonzeroCoordinates(rt, a, site.span).axes);
    },
  },
  argwhere: {
    params: ['a'],
    impl: (rt, p, site) => {
      const a = arr(rt, p, 'a');
      const { count, axes } = nonzeroCoordinates(rt, a, site.span);
      const rank = a.shape.length;
      const data = allocNp('int64', count * rank);
      for (let d = 0; d < rank; d++) for (let k = 0; k < count; k++) data[k * rank + d] = axes[d].data[k];
      return new NDArray('int64', [count, rank], data);
    },
  },
  ptp: {
    params: ['a', 'axis', 'out', 'keepdims'],
    impl: (rt, p, site) => {
      const a = arr(rt, p, 'a');
      const keep = rt.truth(p.get('keepdims', false), p.span('keepdims'));
      const hi = reduce(rt, a, 'max', p.get('axis', null), keep, site.span);
      const lo = reduce(rt, a, 'min', p.get('axis', null), keep, site.span);
      const data = allocNp(a.dtype, hi.size).map((_, i) => hi.data[i] - lo.data[i]);
      return new NDArray(a.dtype, hi.shape, data, hi.scalar);
    },
  },
};
