// NumPy's functions that move, cut, pad and repeat elements without computing new ones
// (np.split, np.pad, np.roll, np.meshgrid, np.diag, ...): each output element is read from
// one input element (or is a fill value), so they are written as index maps over the data,
// in NumPy's own dtypes and with NumPy's errors.

import type { Span } from '../../syntax/ast';
import { sizeOf, stridesOf } from '../../tensor';
import { PyList, type PyValue } from '../values';
import { OutsideSubset, pyError } from '../errors';
import type { Interpreter } from '../interpreter';
import type { BoundPyArgs } from '../signature';
import { NDArray, allocNp, castData } from './ndarray';
import { asArray, hostCall } from './compute';
import { checkArraySize } from './convert';
import { type NpFunction, arr, common, dtypeOr, filled, scalarValue, sequenceOfArrays, shapeArg } from './functionSupport';

/** An axis argument in [-rank, rank), as NumPy's AxisError words it. */
export function axisOf(rt: Interpreter, v: PyValue, rank: number, span: Span): number {
  const axis = rt.rt.indexValue(v, span);
  if (axis < -rank || axis >= rank) throw pyError('AxisError', `axis ${axis} is out of bounds for array of dimension ${rank}`, span);
  return axis < 0 ? axis + rank : axis;
}

/** An array whose element at each output coordinate is `source(coordinates)`'s element of
 *  `a` (or `fill` where it says -1): the one loop behind every function of this file. */
function gathered(a: NDArray, shape: number[], source: (coords: number[]) => number, fill = 0): NDArray {
  const n = sizeOf(shape);
  const out = allocNp(a.dtype, n);
  const coords = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < n; i++) {
    const from = source(coords);
    out[i] = from < 0 ? fill : a.data[from];
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++coords[d] < shape[d]) break;
      coords[d] = 0;
    }
  }
  return new NDArray(a.dtype, shape, out);
}

/** The elements of `a` whose index along `axis` is in [start, stop). */
function sliceAlong(a: NDArray, axis: number, start: number, stop: number): NDArray {
  const shape = a.shape.slice();
  shape[axis] = Math.max(0, stop - start);
  const strides = stridesOf(a.shape);
  return gathered(a, shape, (c) => c.reduce((at, x, d) => at + (d === axis ? x + start : x) * strides[d], 0));
}

/** np.split / np.array_split: sections (equal, or as equal as they can be) or cut indices. */
function split(rt: Interpreter, p: BoundPyArgs, equalOnly: boolean): PyList {
  const a = arr(rt, p, 'ary');
  const axis = axisOf(rt, p.get('axis', 0n), a.shape.length, p.span('axis'));
  const length = a.shape[axis];
  const how = p.get('indices_or_sections');
  let bounds: number[];
  if (typeof how === 'bigint' || typeof how === 'number') {
    const sections = rt.rt.indexValue(how, p.span('indices_or_sections'));
    if (sections <= 0) throw pyError('ValueError', 'number sections must be larger than 0.', p.span('indices_or_sections'));
    // One piece (an array) per section, listed before any is made: np.array_split(a, 10**12)
    // grew the list of bounds until V8 aborted the whole process. Each piece counts as an
    // element of the budget.
    checkArraySize(rt, [sections], p.span('indices_or_sections'), (count) => `${count} sections make as many arrays,`);
    if (equalOnly && length % sections !== 0)
      throw pyError('ValueError', 'array split does not result in an equal division', p.span('indices_or_sections'));
    const base = Math.floor(length / sections);
    const extra = length % sections;
    bounds = [0];
    for (let k = 0; k < sections; k++) bounds.push(bounds[k] + base + (k < extra ? 1 : 0));
  } else {
    const cuts = rt.iterate(how, p.span('indices_or_sections')).map((x) => rt.rt.indexValue(x, p.span('indices_or_sections')));
    bounds = [0, ...cuts, length];
  }
  // Each piece is a[bounds[k]:bounds[k+1]] with Python's slice clamping.
  const clamp = (i: number) => Math.min(length, Math.max(0, i < 0 ? i + length : i));
  const pieces: NDArray[] = [];
  for (let k = 0; k + 1 < bounds.length; k++) {
    const start = clamp(bounds[k]);
    pieces.push(sliceAlong(a, axis, start, Math.max(start, clamp(bounds[k + 1]))));
  }
  return new PyList(pieces);
}

/** pad_width in any of NumPy's spellings (n, (before, after), ((b0, a0), (b1, a1), ...)),
 *  as one [before, after] pair per axis. */
function padWidths(rt: Interpreter, v: PyValue, rank: number, span: Span): [number, number][] {
  const read = (x: PyValue): number => {
    const n = rt.rt.indexValue(x, span);
    if (n < 0) throw pyError('ValueError', "index can't contain negative values", span);
    return n;
  };
  if (typeof v === 'bigint' || typeof v === 'number') return Array.from({ length: rank }, () => [read(v), read(v)]);
  const outer = rt.iterate(v, span);
  const pairs = outer.map((x) => (typeof x === 'bigint' || typeof x === 'number' ? [read(x)] : rt.iterate(x, span).map(read)));
  const flatOnly = outer.every((x) => typeof x === 'bigint' || typeof x === 'number');
  const asPair = (q: number[]): [number, number] => {
    if (q.length === 1) return [q[0], q[0]];
    if (q.length === 2) return [q[0], q[1]];
    throw pyError(
      'ValueError',
      `operands could not be broadcast together with remapped shapes [original->remapped]: (${q.length},) and requested shape (${rank},2)`,
      span,
    );
  };
  if (flatOnly) return Array.from({ length: rank }, () => asPair(pairs.map((q) => q[0])));
  if (pairs.length === 1) return Array.from({ length: rank }, () => asPair(pairs[0]));
  if (pairs.length !== rank)
    throw pyError(
      'ValueError',
      `operands could not be broadcast together with remapped shapes [original->remapped]: (${pairs.length},2) and requested shape (${rank},2)`,
      span,
    );
  return pairs.map(asPair);
}

/** Where output index j of an axis of length n padded by `before` reads from, by mode
 *  (-1: the constant). Reflections repeat as far as the padding reaches, as NumPy's do. */
function padSource(mode: string, j: number, before: number, n: number): number {
  const i = j - before;
  if (i >= 0 && i < n) return i;
  if (mode === 'constant' || n === 0) return -1;
  if (mode === 'edge') return i < 0 ? 0 : n - 1;
  if (mode === 'wrap') return ((i % n) + n) % n;
  if (mode === 'reflect') {
    if (n === 1) return 0;
    const period = 2 * (n - 1);
    const k = ((i % period) + period) % period;
    return k < n ? k : period - k;
  }
  // symmetric: the edge element repeats.
  const period = 2 * n;
  const k = ((i % period) + period) % period;
  return k < n ? k : period - 1 - k;
}

const PAD_MODES = ['constant', 'edge', 'reflect', 'symmetric', 'wrap'];

function pad(rt: Interpreter, p: BoundPyArgs): NDArray {
  const a = arr(rt, p, 'array');
  const mode = p.get('mode', 'constant');
  if (typeof mode !== 'string' || !PAD_MODES.includes(mode))
    throw new OutsideSubset(
      `np.pad(mode=${typeof mode === 'string' ? JSON.stringify(mode) : '...'}) is not modelled by tgraph`,
      p.span('mode'),
    );
  const widths = padWidths(rt, p.get('pad_width'), a.shape.length, p.span('pad_width'));
  const fillValue = p.get('constant_values', 0n);
  if (!(typeof fillValue === 'bigint' || typeof fillValue === 'number' || typeof fillValue === 'boolean' || fillValue instanceof NDArray))
    throw new OutsideSubset('np.pad(constant_values=...) per axis is not modelled by tgraph (one value only)', p.span('constant_values'));
  const fill = castData(Float64Array.of(scalarValue(fillValue, p.span('constant_values'))), 'float64', a.dtype)[0];
  if (mode !== 'constant' && a.size === 0 && widths.some(([b, e]) => b + e > 0))
    throw pyError('ValueError', `can't extend empty axis 0 using modes other than 'constant' or 'empty'`, p.span('mode'));
  const shape = a.shape.map((d, k) => d + widths[k][0] + widths[k][1]);
  shapeArg(rt, new PyList(shape.map(BigInt)), p.span('pad_width'));
  const strides = stridesOf(a.shape);
  return gathered(
    a,
    shape,
    (c) => {
      let at = 0;
      for (let d = 0; d < c.length; d++) {
        const i = padSource(mode, c[d], widths[d][0], a.shape[d]);
        if (i < 0) return -1;
        at += i * strides[d];
      }
      return at;
    },
    fill,
  );
}

/** np.roll: elements shifted along the axes (the flattened array without one), wrapping. */
function roll(rt: Interpreter, p: BoundPyArgs): NDArray {
  const a = arr(rt, p, 'a');
  const shifts = p.get('shift');
  const axisArg = p.get('axis', null);
  if (axisArg === null) {
    const flat = new NDArray(a.dtype, [a.size], a.data);
    const s = rt.rt.indexValue(shifts, p.span('shift'));
    const rolled = gathered(flat, [a.size], ([i]) => (a.size === 0 ? 0 : (((i - s) % a.size) + a.size) % a.size));
    return new NDArray(a.dtype, a.shape, rolled.data);
  }
  const list = (v: PyValue, span: Span) => (typeof v === 'bigint' ? [v] : rt.iterate(v, span));
  const axes = list(axisArg, p.span('axis')).map((x) => axisOf(rt, x, a.shape.length, p.span('axis')));
  let by = list(shifts, p.span('shift')).map((x) => rt.rt.indexValue(x, p.span('shift')));
  if (by.length === 1) by = axes.map(() => by[0]);
  if (by.length !== axes.length) throw pyError('ValueError', "'shift' and 'axis' should be scalars or 1D sequences", p.span('shift'));
  const total = a.shape.map(() => 0);
  axes.forEach((ax, k) => (total[ax] += by[k]));
  const strides = stridesOf(a.shape);
  return gathered(a, a.shape.slice(), (c) =>
    c.reduce((at, x, d) => {
      const n = a.shape[d];
      return at + ((((x - total[d]) % n) + n) % n) * strides[d];
    }, 0),
  );
}

function permuted(rt: Interpreter, a: NDArray, perm: number[], span: Span): NDArray {
  return hostCall(rt, 'transpose', [a], a.dtype, a.dtype, span, { perm: new PyList(perm.map(BigInt)) });
}

/** np.moveaxis: the source axes moved to the destinations, the others keeping their order. */
function moveaxis(rt: Interpreter, p: BoundPyArgs, span: Span): NDArray {
  const a = arr(rt, p, 'a');
  const rank = a.shape.length;
  const list = (name: string) => {
    const v = p.get(name);
    return (typeof v === 'bigint' ? [v] : rt.iterate(v, p.span(name))).map((x) => axisOf(rt, x, rank, p.span(name)));
  };
  const source = list('source');
  const destination = list('destination');
  if (source.length !== destination.length)
    throw pyError('ValueError', '`source` and `destination` arguments must have the same number of elements', span);
  const order = Array.from({ length: rank }, (_, k) => k).filter((k) => !source.includes(k));
  [...destination.map((d, k) => [d, source[k]])].sort((x, y) => x[0] - y[0]).forEach(([d, s]) => order.splice(d, 0, s));
  return permuted(rt, a, order, span);
}

/** np.repeat: each element (of the flattened array, or along an axis) `repeats` times. */
function repeat(rt: Interpreter, p: BoundPyArgs): NDArray {
  const a0 = arr(rt, p, 'a');
  const axisArg = p.get('axis', null);
  const a = axisArg === null ? new NDArray(a0.dtype, [a0.size], a0.data) : a0;
  const axis = axisArg === null ? 0 : axisOf(rt, axisArg, a.shape.length, p.span('axis'));
  const n = a.shape[axis];
  const counts = asArray(rt, p.get('repeats'), p.span('repeats'));
  // A count per entry of the axis, which an empty array may make long (np.zeros((10**12, 0))).
  checkArraySize(rt, [n], p.span('a'));
  const times = Array.from({ length: n }, (_, i) => Math.trunc(counts.data[counts.size === 1 ? 0 : i]));
  if (counts.size !== 1 && counts.size !== n)
    throw pyError('ValueError', `operands could not be broadcast together with shape (${n},) (${counts.size},)`, p.span('repeats'));
  if (times.some((t) => t < 0)) throw pyError('ValueError', 'repeats may not contain negative values.', p.span('repeats'));
  // The result's size is checked against the budget before the index of each of its
  // elements is listed (np.repeat(a, 10**11) filled an array until V8 aborted the process).
  const shape = a.shape.slice();
  shape[axis] = times.reduce((sum, t) => sum + t, 0);
  shapeArg(rt, new PyList(shape.map(BigInt)), p.span('repeats'));
  const from: number[] = [];
  times.forEach((t, i) => {
    for (let k = 0; k < t; k++) from.push(i);
  });
  const strides = stridesOf(a.shape);
  return gathered(a, shape, (c) => c.reduce((at, x, d) => at + (d === axis ? from[x] : x) * strides[d], 0));
}

/** np.diag: a vector on diagonal k of a square matrix, or diagonal k of a matrix. */
function diag(rt: Interpreter, p: BoundPyArgs): NDArray {
  const v = arr(rt, p, 'v');
  const k = rt.rt.indexValue(p.get('k', 0n), p.span('k'));
  if (v.shape.length === 1) {
    const n = v.size + Math.abs(k);
    shapeArg(rt, new PyList([BigInt(n), BigInt(n)]), p.span('v'));
    return gathered(v, [n, n], ([i, j]) => (j - i === k && (k >= 0 ? i : j) < v.size ? (k >= 0 ? i : j) : -1));
  }
  if (v.shape.length === 2) return diagonalOf(v, k, 0, 1);
  throw pyError('ValueError', 'Input must be 1- or 2-d.', p.span('v'));
}

/** The diagonal `offset` of the planes of axes (axis1, axis2), as the last axis (np.diagonal). */
function diagonalOf(a: NDArray, offset: number, axis1: number, axis2: number): NDArray {
  const rest = a.shape.map((_, d) => d).filter((d) => d !== axis1 && d !== axis2);
  const rows = a.shape[axis1];
  const cols = a.shape[axis2];
  const length = Math.max(0, offset >= 0 ? Math.min(rows, cols - offset) : Math.min(rows + offset, cols));
  const strides = stridesOf(a.shape);
  return gathered(a, [...rest.map((d) => a.shape[d]), length], (c) => {
    const t = c[c.length - 1];
    let at = (offset >= 0 ? t : t - offset) * strides[axis1] + (offset >= 0 ? t + offset : t) * strides[axis2];
    rest.forEach((d, k) => (at += c[k] * strides[d]));
    return at;
  });
}

/** np.meshgrid: coordinate arrays, 'xy' (the first two axes swapped, for plotting) or 'ij'. */
function meshgrid(rt: Interpreter, p: BoundPyArgs, span: Span): PyList {
  const vectors = p.rest.map((v) => {
    const a = asArray(rt, v, span);
    return new NDArray(a.dtype, [a.size], a.data);
  });
  const indexing = p.get('indexing', 'xy');
  if (indexing !== 'xy' && indexing !== 'ij')
    throw pyError('ValueError', "Valid values for `indexing` are 'xy' and 'ij'.", p.span('indexing'));
  const sparse = rt.truth(p.get('sparse', false), p.span('sparse'));
  const swap = indexing === 'xy' && vectors.length > 1;
  // Axis of the output that vector k varies along.
  const axisOfVector = (k: number) => (swap && k < 2 ? 1 - k : k);
  const full = vectors.map((_, k) => vectors[vectors.findIndex((__, j) => axisOfVector(j) === k)].size);
  shapeArg(rt, new PyList(full.map(BigInt)), span);
  return new PyList(
    vectors.map((v, k) => {
      const along = axisOfVector(k);
      const shape = sparse ? full.map((d, ax) => (ax === along ? d : 1)) : full;
      return gathered(v, shape, (c) => c[along]);
    }),
  );
}

/** np.atleast_1d / np.atleast_2d: scalars and vectors given leading axes of length 1. */
function atLeast(rt: Interpreter, p: BoundPyArgs, rank: 1 | 2, span: Span): PyValue {
  const out = p.rest.map((v) => {
    const a = asArray(rt, v, span);
    if (a.shape.length >= rank) return a;
    return new NDArray(a.dtype, [...Array<number>(rank - a.shape.length).fill(1), ...a.shape], a.data);
  });
  return out.length === 1 ? out[0] : new PyList(out);
}

export const ARRANGEMENT_FUNCTIONS: Record<string, NpFunction> = {
  split: { params: ['ary', 'indices_or_sections', 'axis'], impl: (rt, p) => split(rt, p, true) },
  array_split: { params: ['ary', 'indices_or_sections', 'axis'], impl: (rt, p) => split(rt, p, false) },
  pad: { params: ['array', 'pad_width', 'mode', 'constant_values'], impl: (rt, p) => pad(rt, p) },
  roll: { params: ['a', 'shift', 'axis'], impl: (rt, p) => roll(rt, p) },
  swapaxes: {
    params: ['a', 'axis1', 'axis2'],
    impl: (rt, p, site) => {
      const a = arr(rt, p, 'a');
      const i = axisOf(rt, p.get('axis1'), a.shape.length, p.span('axis1'));
      const j = axisOf(rt, p.get('axis2'), a.shape.length, p.span('axis2'));
      const perm = a.shape.map((_, d) => (d === i ? j : d === j ? i : d));
      return permuted(rt, a, perm, site.span);
    },
  },
  moveaxis: { params: ['a', 'source', 'destination'], impl: (rt, p, site) => moveaxis(rt, p, site.span) },
  repeat: { params: ['a', 'repeats', 'axis'], impl: (rt, p) => repeat(rt, p) },
  diag: { params: ['v', 'k'], impl: (rt, p) => diag(rt, p) },
  diagonal: {
    params: ['a', 'offset', 'axis1', 'axis2'],
    impl: (rt, p) => {
      const a = arr(rt, p, 'a');
      if (a.shape.length < 2) throw pyError('ValueError', 'diag requires an array of at least two dimensions', p.span('a'));
      const axis1 = axisOf(rt, p.get('axis1', 0n), a.shape.length, p.span('axis1'));
      const axis2 = axisOf(rt, p.get('axis2', 1n), a.shape.length, p.span('axis2'));
      if (axis1 === axis2) throw pyError('ValueError', 'axis1 and axis2 cannot be the same', p.span('axis2'));
      return diagonalOf(a, rt.rt.indexValue(p.get('offset', 0n), p.span('offset')), axis1, axis2);
    },
  },
  meshgrid: { params: [], varargs: true, keywordOnly: ['indexing', 'sparse', 'copy'], impl: (rt, p, site) => meshgrid(rt, p, site.span) },
  atleast_1d: { params: [], varargs: true, impl: (rt, p, site) => atLeast(rt, p, 1, site.span) },
  atleast_2d: { params: [], varargs: true, impl: (rt, p, site) => atLeast(rt, p, 2, site.span) },
  column_stack: {
    params: ['tup'],
    impl: (rt, p, site) => {
      const arrays = sequenceOfArrays(rt, p, 'tup').map((a) => (a.shape.length < 2 ? new NDArray(a.dtype, [a.size, 1], a.data) : a));
      const d = common(arrays);
      return hostCall(rt, 'concat', [], d, d, site.span, {
        values: new PyList(arrays.map((a) => new NDArray(d, a.shape, castData(a.data, a.dtype, d)))),
        axis: 1n,
      });
    },
  },
  empty_like: {
    params: ['prototype', 'dtype'],
    impl: (rt, p) => {
      const a = arr(rt, p, 'prototype');
      return filled(dtypeOr(p, 'dtype', a.dtype), a.shape.slice(), 0);
    },
  },
};
