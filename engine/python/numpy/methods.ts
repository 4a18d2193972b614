// The array's Python data model: operators, attributes and methods, indexing (basic through
// the engine's strided slice, integer lists through gather, boolean masks), truth, iteration.

import { roundDecimals } from './rounding';
import type { Span } from '../../syntax/ast';
import type { SpecItem } from '../../ops/indexing';
import {
  NOT_IMPLEMENTED,
  type OpSite,
  PyBuiltin,
  PyList,
  PyObject,
  PyTuple,
  type PyValue,
  type KeywordArg,
  type CallSite,
} from '../values';
import { OutsideSubset, pyError } from '../errors';
import type { Interpreter } from '../interpreter';
import { basicSpec } from '../indexing';
import { checkSequenceSize } from '../operators';
import { args as bindArgs } from '../signature';
import { PyDType } from '../tensorflow/tensor';
import { NDArray, type NpDType, allocNp, astype, castData, isFloatNp, isIntNp, resultType, scalarArray, toTensor } from './ndarray';
import { arrayBinary, asArray, computeDType, dot, hostCall, reshaped } from './compute';
import { convertToArray } from './convert';
import { arrayRepr, arrayStr } from './print';
import { pyRepr } from '../format';
import { largest } from '../../extremes';

export function ndRepr(a: NDArray): string {
  return arrayRepr(a);
}

export function ndStr(a: NDArray): string {
  return arrayStr(a);
}

export function ndBinary(
  rt: Interpreter,
  a: NDArray,
  op: string,
  other: PyValue,
  reflected: boolean,
  site: OpSite,
): PyValue | typeof NOT_IMPLEMENTED {
  // A graph tensor takes the operator (TensorFlow's tensors outrank arrays).
  if (other instanceof PyObject && 'node' in other) return NOT_IMPLEMENTED;
  const inplace = op.length >= 2 && op.endsWith('=') && !['<=', '>=', '==', '!='].includes(op);
  const base = inplace ? op.slice(0, -1) : op;
  const [l, r] = reflected ? [other, a] : [a, other];
  const result = arrayBinary(rt, base, l, r, site.span, site.leftSpan, site.rightSpan);
  if (!result) return NOT_IMPLEMENTED;
  if (inplace) {
    // `a += b` writes into a, in a's dtype (NumPy's same_kind casting).
    if (result.dtype !== a.dtype && !(isIntNp(a.dtype) && isIntNp(result.dtype))) {
      if (!(a.dtype === 'float32' && result.dtype === 'float64')) {
        throw pyError(
          'TypeError',
          `Cannot cast ufunc '${base}' output from dtype('${result.dtype}') to dtype('${a.dtype}') with casting rule 'same_kind'`,
          site.span,
        );
      }
    }
    if (result.shape.length !== a.shape.length || result.shape.some((d, i) => d !== a.shape[i])) {
      throw pyError(
        'ValueError',
        `non-broadcastable output operand with shape (${a.shape.join(',')}) doesn't match the broadcast shape (${result.shape.join(',')})`,
        site.span,
      );
    }
    a.data.set(castData(result.data, result.dtype, a.dtype) as never);
    return a;
  }
  return result;
}

export function ndUnary(rt: Interpreter, a: NDArray, op: '-' | '+' | '~', span: Span): PyValue {
  if (op === '+') return a;
  if (op === '~') {
    if (a.dtype !== 'bool') throw pyError('TypeError', "ufunc 'invert' on integers is outside what tgraph computes", span);
    return hostCall(rt, 'logical_not', [a], 'bool', 'bool', span, {}, a.scalar);
  }
  if (a.dtype === 'bool')
    throw pyError(
      'TypeError',
      'The numpy boolean negative, the `-` operator, is not supported, use the `~` operator or the logical_not function instead.',
      span,
    );
  return hostCall(rt, 'negative', [a], a.dtype, a.dtype, span, {}, a.scalar);
}

// ---- reductions ---------------------------------------------------------------------------------

export type Reduction = 'sum' | 'mean' | 'max' | 'min' | 'prod' | 'all' | 'any' | 'argmax' | 'argmin' | 'std' | 'var' | 'cumsum';

const REDUCE_OPS: Record<Reduction, string> = {
  sum: 'reduce_sum',
  mean: 'reduce_mean',
  max: 'reduce_max',
  min: 'reduce_min',
  prod: 'reduce_prod',
  all: 'reduce_all',
  any: 'reduce_any',
  argmax: 'argmax',
  argmin: 'argmin',
  std: 'reduce_mean',
  var: 'reduce_mean',
  cumsum: 'cumsum',
};

/** NumPy's reductions: `np.sum(a, axis=None, keepdims=False)` and friends. */
export function reduce(rt: Interpreter, a: NDArray, kind: Reduction, axis: PyValue, keepdims: boolean, span: Span, ddof = 0): NDArray {
  const axes =
    axis === null
      ? null
      : axis instanceof PyTuple || axis instanceof PyList
        ? axis.items.map((x) => rt.rt.indexValue(x, span))
        : [rt.rt.indexValue(axis, span)];
  if (axes)
    for (const ax of axes)
      if (ax < -a.shape.length || ax >= a.shape.length)
        throw pyError('ValueError', `axis ${ax} is out of bounds for array of dimension ${a.shape.length}`, span);
  const floatOf = (d: NpDType): NpDType => (d === 'float32' || d === 'float64' ? d : 'float64');
  const wideInt = (d: NpDType): NpDType => (d === 'bool' || d === 'int32' ? 'int64' : d);
  if ((kind === 'max' || kind === 'min' || kind === 'argmax' || kind === 'argmin') && a.size === 0) {
    throw pyError(
      'ValueError',
      `zero-size array to reduction operation ${kind === 'max' ? 'maximum' : kind === 'min' ? 'minimum' : kind} which has no identity`,
      span,
    );
  }
  if (kind === 'argmax' || kind === 'argmin') {
    if (axes && axes.length > 1) throw pyError('TypeError', "'tuple' object cannot be interpreted as an integer", span);
    const flat = axes === null ? reshaped(a, [a.size]) : a;
    const axis = { axis: axes === null ? 0n : BigInt(axes[0]) };
    let r = hostCall(rt, REDUCE_OPS[kind], [flat], a.dtype === 'bool' ? 'int32' : a.dtype, 'int64', span, axis);
    if (isFloatNp(a.dtype) && flat.data.some((v) => v !== v)) {
      // NumPy's argmax and argmin stop at the first NaN (NaN is the extreme both ways);
      // TensorFlow's ArgMax, the op computing r, passes over it.
      const isNaN = hostCall(rt, 'is_nan', [flat], a.dtype, 'bool', span);
      const firstNaN = hostCall(rt, 'argmax', [isNaN], 'int32', 'int64', span, axis);
      const anyNaN = hostCall(rt, 'reduce_any', [isNaN], 'bool', 'bool', span, axis);
      r = hostCall(rt, 'where', [anyNaN, firstNaN, r], 'int64', 'int64', span, {}, r.scalar, [0]);
    }
    return keepdims && axes !== null ? keep(r, a.shape, axes) : asScalarIfEmpty(r);
  }
  if (kind === 'cumsum') {
    const flat = axes === null ? reshaped(a, [a.size]) : a;
    const out = wideInt(a.dtype);
    return hostCall(rt, 'cumsum', [flat], out, out, span, { axis: BigInt(axes === null ? 0 : axes[0]) });
  }
  if (kind === 'std' || kind === 'var') {
    const dtype = floatOf(a.dtype);
    const mean = reduce(rt, astype(a, dtype), 'mean', axis, true, span);
    const dev = arrayBinary(rt, '-', astype(a, dtype), mean, span, span, span)!;
    const sq = arrayBinary(rt, '*', dev, dev, span, span, span)!;
    const n = axes === null ? a.size : axes.reduce((p, ax) => p * a.shape[ax < 0 ? ax + a.shape.length : ax], 1);
    const total = reduce(rt, sq, 'sum', axis, keepdims, span);
    let v = arrayBinary(rt, '/', total, scalarArray(dtype, Math.max(0, n - ddof)), span, span, span)!;
    if (kind === 'std') v = hostCall(rt, 'sqrt', [v], dtype, dtype, span, {}, v.scalar);
    return v;
  }
  const out =
    kind === 'all' || kind === 'any'
      ? 'bool'
      : kind === 'mean'
        ? floatOf(a.dtype)
        : kind === 'sum' || kind === 'prod'
          ? wideInt(a.dtype)
          : a.dtype;
  const input = kind === 'all' || kind === 'any' ? 'bool' : out;
  const r = hostCall(rt, REDUCE_OPS[kind], [a], input, out, span, { axis: axes === null ? null : new PyList(axes.map(BigInt)), keepdims });
  return asScalarIfEmpty(r);
}

function asScalarIfEmpty(r: NDArray): NDArray {
  return r.shape.length === 0 ? new NDArray(r.dtype, [], r.data, true) : r;
}

function keep(r: NDArray, shape: readonly number[], axes: number[]): NDArray {
  const out = shape.slice();
  for (const ax of axes) out[ax < 0 ? ax + shape.length : ax] = 1;
  return reshaped(r, out);
}

// ---- attributes and methods -------------------------------------------------------------------

function fn(name: string, body: (args: PyValue[], kwargs: KeywordArg[], site: CallSite) => PyValue): PyBuiltin {
  return new PyBuiltin(name, body);
}

/** `a.reshape(2, 3)`, `a.reshape((2, 3))`, `np.reshape(a, [2, -1])`. */
export function reshape(rt: Interpreter, a: NDArray, shapeArgs: PyValue[], span: Span): NDArray {
  const items = shapeArgs.length === 1 && !(typeof shapeArgs[0] === 'bigint') ? rt.iterate(shapeArgs[0], span) : shapeArgs;
  const dims = items.map((x) => rt.rt.indexValue(x, span));
  const unknown = dims.indexOf(-1);
  const known = dims.reduce((p, d) => (d === -1 ? p : p * d), 1);
  if (unknown >= 0) dims[unknown] = known === 0 ? 0 : a.size / known;
  if (dims.some((d) => !Number.isInteger(d) || d < 0) || dims.reduce((p, d) => p * d, 1) !== a.size) {
    throw pyError(
      'ValueError',
      `cannot reshape array of size ${a.size} into shape (${items.map((x) => String(x)).join(', ')}${items.length === 1 ? ',' : ''})`,
      span,
    );
  }
  return new NDArray(a.dtype, dims, a.data);
}

export function transpose(rt: Interpreter, a: NDArray, axes: PyValue[], span: Span): NDArray {
  const perm =
    axes.length === 0 || (axes.length === 1 && axes[0] === null)
      ? null
      : (axes.length === 1 && typeof axes[0] !== 'bigint' ? rt.iterate(axes[0], span) : axes).map((x) => rt.rt.indexValue(x, span));
  if (a.shape.length < 2 && perm === null) return a;
  return hostCall(rt, 'transpose', [a], a.dtype, a.dtype, span, perm ? { perm: new PyList(perm.map(BigInt)) } : {});
}

/** A Python scalar from an element (int64 to int, floats to float, bools to bool). */
export function pythonScalar(dtype: NpDType, x: number): PyValue {
  if (dtype === 'bool') return x !== 0;
  if (isIntNp(dtype)) return BigInt(x);
  return x;
}

/** ndarray.tolist(): nested lists of Python numbers. What it makes is counted against the
 *  element budget first, lists included (an array of shape [1e12, 0] has no elements and
 *  would make 1e12 empty lists), and each item reads the clock (ten million ints took 18 s). */
function toList(rt: Interpreter, a: NDArray, span: Span): PyValue {
  if (a.shape.length === 0) return pythonScalar(a.dtype, a.data[0]);
  let made = 0;
  let lists = 1;
  for (const d of a.shape) made += lists *= d;
  checkSequenceSize(rt, made, span);
  const rec = (axis: number, offset: number, stride: number): PyValue => {
    const n = a.shape[axis];
    const inner = n === 0 ? 0 : stride / n;
    const items: PyValue[] = [];
    for (let i = 0; i < n; i++) {
      rt.checkClock(span);
      items.push(axis === a.shape.length - 1 ? pythonScalar(a.dtype, a.data[offset + i]) : rec(axis + 1, offset + i * inner, inner));
    }
    return new PyList(items);
  };
  return rec(0, 0, a.size);
}

export function ndAttr(rt: Interpreter, a: NDArray, name: string, span: Span): PyValue | undefined {
  const reduction = (kind: Reduction) =>
    fn(kind, (args, kwargs, site) => {
      const p = bindArgs(
        kind,
        kind === 'std' || kind === 'var' ? ['axis', 'dtype', 'out', 'ddof', 'keepdims'] : ['axis', 'out', 'keepdims'],
        args,
        kwargs,
        site,
      );
      return reduce(rt, a, kind, p.get('axis', null), p.get('keepdims', false) === true, site.span, Number(p.get('ddof', 0n)));
    });
  switch (name) {
    case 'shape':
      return new PyTuple(a.shape.map(BigInt));
    case 'ndim':
      return BigInt(a.shape.length);
    case 'size':
      return BigInt(a.size);
    case 'dtype':
      return new PyDType(a.dtype, 'np-dtype');
    case 'itemsize':
      return BigInt(a.dtype === 'bool' ? 1 : a.dtype === 'int32' || a.dtype === 'float32' ? 4 : 8);
    case 'nbytes':
      return BigInt(a.size * (a.dtype === 'bool' ? 1 : a.dtype === 'int32' || a.dtype === 'float32' ? 4 : 8));
    case 'T':
      return transpose(rt, a, [], span);
    case 'reshape':
      return fn('reshape', (args, _kw, site) => reshape(rt, a, args, site.span));
    case 'transpose':
      return fn('transpose', (args, _kw, site) => transpose(rt, a, args, site.span));
    case 'astype':
      return fn('astype', (args, kwargs, site) => {
        const p = bindArgs('astype', ['dtype', 'order', 'casting', 'subok', 'copy'], args, kwargs, site);
        return astype(a, dtypeArg(p.get('dtype'), p.span('dtype')));
      });
    case 'copy':
      return fn('copy', () => new NDArray(a.dtype, a.shape, a.data.slice(), a.scalar));
    case 'flatten':
    case 'ravel':
      return fn(name, () => new NDArray(a.dtype, [a.size], name === 'flatten' ? a.data.slice() : a.data));
    case 'tolist':
      return fn('tolist', (_args, _kwargs, site) => toList(rt, a, site.span));
    case 'item':
      return fn('item', (_args, _kw, site) => {
        if (a.size !== 1) throw pyError('ValueError', 'can only convert an array of size 1 to a Python scalar', site.span);
        return pythonScalar(a.dtype, a.data[0]);
      });
    case 'squeeze':
      return fn('squeeze', (args, kwargs, site) => {
        const p = bindArgs('squeeze', ['axis'], args, kwargs, site);
        return hostCall(rt, 'squeeze', [a], a.dtype, a.dtype, site.span, p.has('axis') ? { axis: p.get('axis') } : {});
      });
    case 'dot':
      return fn('dot', (args, _kw, site) => dot(rt, a, asArray(rt, args[0], site.argSpans[0] ?? site.span), site.span));
    case 'clip':
      return fn('clip', (args, kwargs, site) => {
        const p = bindArgs('clip', ['min', 'max'], args, kwargs, site);
        return clip(rt, a, p.get('min', null), p.get('max', null), site.span);
      });
    case 'round':
      return fn('round', (args, kwargs, site) => {
        const p = bindArgs('round', ['decimals', 'out'], args, kwargs, site);
        const decimals = rt.rt.indexValue(p.get('decimals', 0n), p.span('decimals'));
        if (decimals !== 0) return roundDecimals(a, decimals);
        return isIntNp(a.dtype) ? a : hostCall(rt, 'round', [a], a.dtype, a.dtype, site.span, {}, a.scalar);
      });
    case 'fill':
      return fn('fill', (args, _kw, site) => {
        const v = convertToArray(rt, args[0], site.argSpans[0] ?? site.span, a.dtype);
        a.data.fill(v.data[0]);
        return null;
      });
    case 'sum':
    case 'mean':
    case 'max':
    case 'min':
    case 'prod':
    case 'all':
    case 'any':
    case 'argmax':
    case 'argmin':
    case 'std':
    case 'var':
    case 'cumsum':
      return reduction(name);
  }
  return undefined;
}

export function clip(rt: Interpreter, a: NDArray, lo: PyValue, hi: PyValue, span: Span): NDArray {
  let r = a;
  if (lo !== null) r = maximum(rt, r, lo, span, 'maximum');
  if (hi !== null) r = maximum(rt, r, hi, span, 'minimum');
  return r;
}

/** np.maximum / np.minimum (NumPy's dtype rules). */
export function maximum(rt: Interpreter, a: PyValue, b: PyValue, span: Span, op: 'maximum' | 'minimum'): NDArray {
  const x = asArray(rt, a, span);
  const y = asArray(rt, b, span);
  const dtype = resultType([
    { dtype: x.dtype, scalar: x.shape.length === 0 && !(a instanceof NDArray) },
    { dtype: y.dtype, scalar: y.shape.length === 0 && !(b instanceof NDArray) },
  ]);
  return hostCall(rt, op, [x, y], dtype, dtype, span);
}

export function dtypeArg(v: PyValue, span: Span): NpDType {
  if (v instanceof PyDType) return v.name;
  if (typeof v === 'string') {
    const names: Record<string, NpDType> = {
      float32: 'float32',
      float64: 'float64',
      float: 'float64',
      double: 'float64',
      int32: 'int32',
      int64: 'int64',
      int: 'int64',
      bool: 'bool',
    };
    const d = names[v];
    if (d) return d;
    if (!NUMPY_DTYPE_NAMES.test(v)) throw pyError('TypeError', `data type '${v}' not understood`, span);
    throw new OutsideSubset(`the dtype '${v}' is outside tgraph's subset (float32, float64, int32, int64, bool)`, span);
  }
  if (v instanceof PyBuiltin && (v.name === 'float' || v.name === 'int' || v.name === 'bool'))
    return v.name === 'float' ? 'float64' : v.name === 'int' ? 'int64' : 'bool';
  return notADType(v, span);
}

/** Names NumPy has dtypes for beyond tgraph's five (np.zeros(3, dtype='uint8') is NumPy's;
 *  'foo' is not understood by NumPy either). */
const NUMPY_DTYPE_NAMES =
  /^(?:u?int(?:8|16)|uint(?:32|64)?|float16|half|single|complex(?:64|128)?|str|object|bytes|[OUSabBhHiIlLqQuefdgFDGc?]\d*|[<>=|][a-zA-Z]\d*)$/;

/** What NumPy says of a dtype argument that is not one: types it has but tgraph does not
 *  model (object, str, complex: `np.zeros(3, dtype=object)`) are outside the subset. */
export function notADType(v: PyValue, span: Span): never {
  if (v instanceof PyBuiltin && (v.isInstance || v.name === 'object'))
    throw new OutsideSubset(`arrays of dtype=${v.name} are outside tgraph's subset (float32, float64, int32, int64, bool)`, span);
  throw pyError('TypeError', `Cannot interpret '${pyRepr(v)}' as a data type`, span);
}

// ---- indexing -----------------------------------------------------------------------------------

export function ndGetItem(rt: Interpreter, a: NDArray, index: PyValue, span: Span, indexSpan: Span): PyValue {
  const spec = basicSpec(rt, index, indexSpan);
  if (spec) {
    const r = slice(rt, a, spec, span, indexSpan);
    return r.shape.length === 0 ? new NDArray(r.dtype, [], r.data, true) : r;
  }
  const { positions, shape } = advancedPositions(rt, a, index, indexSpan);
  return new NDArray(a.dtype, shape, pick(a, positions));
}

/** The flat positions an advanced index selects, and the result's shape: a boolean mask of
 *  the array's shape, or integer arrays (and integers) for the leading axes, broadcast
 *  together (`a[np.arange(n), labels]`), the other axes whole. */
function advancedPositions(rt: Interpreter, a: NDArray, index: PyValue, span: Span): { positions: number[]; shape: number[] } {
  const items = index instanceof PyTuple ? index.items : [index];
  if (items.length === 1) {
    const only = asArray(rt, items[0], span);
    if (only.dtype === 'bool') {
      const positions = maskPositions(a, only, span);
      return { positions, shape: [positions.length] };
    }
  }
  if (items.length > a.shape.length)
    throw pyError(
      'IndexError',
      `too many indices for array: array is ${a.shape.length}-dimensional, but ${items.length} were indexed`,
      span,
    );
  const arrays = items.map((item) => {
    const idx = asArray(rt, item, span);
    if (!isIntNp(idx.dtype))
      throw new OutsideSubset(
        "this kind of array indexing (slices mixed with index arrays, or boolean masks with others) is outside tgraph's subset",
        span,
      );
    return idx;
  });
  // Broadcast the index arrays together.
  const rank = largest(arrays.map((x) => x.shape.length));
  const bshape: number[] = [];
  for (let i = 0; i < rank; i++) {
    let d = 1;
    for (const x of arrays) {
      const xd = x.shape[i - (rank - x.shape.length)] ?? 1;
      if (xd !== 1) {
        if (d !== 1 && d !== xd)
          throw pyError(
            'IndexError',
            `shape mismatch: indexing arrays could not be broadcast together with shapes ${arrays.map((y) => `(${y.shape.join(',')}${y.shape.length === 1 ? ',' : ''})`).join(' ')}`,
            span,
          );
        d = xd;
      }
    }
    bshape.push(d);
  }
  const count = bshape.reduce((p, d) => p * d, 1);
  const rest = a.shape.slice(items.length);
  const inner = rest.reduce((p, d) => p * d, 1);
  const strides = a.shape.map((_, i) => a.shape.slice(i + 1).reduce((p, d) => p * d, 1));
  const positions: number[] = [];
  for (let k = 0; k < count; k++) {
    let base = 0;
    arrays.forEach((x, axis) => {
      // the element of x that broadcasts to position k
      let off = 0;
      let rem = k;
      let stride = 1;
      for (let i = rank - 1; i >= 0; i--) {
        const coord = rem % bshape[i];
        rem = Math.floor(rem / bshape[i]);
        const xi = i - (rank - x.shape.length);
        if (xi >= 0) {
          if (x.shape[xi] !== 1) off += coord * stride;
          stride *= x.shape[xi];
        }
      }
      let v = x.data[off];
      const n = a.shape[axis];
      if (v < -n || v >= n) throw pyError('IndexError', `index ${v} is out of bounds for axis ${axis} with size ${n}`, span);
      if (v < 0) v += n;
      base += v * strides[axis];
    });
    for (let j = 0; j < inner; j++) positions.push(base + j);
  }
  return { positions, shape: [...bshape, ...rest] };
}

function slice(rt: Interpreter, a: NDArray, spec: SpecItem[], span: Span, indexSpan: Span): NDArray {
  checkBounds(a, spec, indexSpan);
  const t = rt.rt.compute(span, (b) => b.apply('strided_slice', [b.constant(toTensor(a, computeDType(a.dtype)), span)], { spec }, span));
  return new NDArray(a.dtype, t.shape.slice(), castData(t.data, t.dtype as NpDType, a.dtype));
}

/** NumPy's IndexError for an integer index out of range (the engine would say it too, in
 *  its own words). */
function checkBounds(a: NDArray, spec: SpecItem[], span: Span): void {
  let axis = 0;
  const explicit = spec.filter((s) => s.kind === 'index' || s.kind === 'slice').length;
  for (const s of spec) {
    if (s.kind === 'ellipsis') axis += a.shape.length - explicit;
    else if (s.kind === 'newaxis') continue;
    else {
      if (axis >= a.shape.length)
        throw pyError(
          'IndexError',
          `too many indices for array: array is ${a.shape.length}-dimensional, but ${explicit} were indexed`,
          span,
        );
      if (s.kind === 'index') {
        const n = a.shape[axis];
        if (s.index < -n || s.index >= n)
          throw pyError('IndexError', `index ${s.index} is out of bounds for axis ${axis} with size ${n}`, span);
      }
      axis++;
    }
  }
}

function maskPositions(a: NDArray, mask: NDArray, span: Span): number[] {
  if (mask.shape.length > a.shape.length || mask.shape.some((d, i) => d !== a.shape[i])) {
    throw pyError(
      'IndexError',
      `boolean index did not match indexed array along dimension 0; dimension is ${a.shape[0]} but corresponding boolean dimension is ${mask.shape[0]}`,
      span,
    );
  }
  if (mask.shape.length !== a.shape.length) throw new OutsideSubset("a boolean mask over some axes only is outside tgraph's subset", span);
  const out: number[] = [];
  for (let i = 0; i < mask.data.length; i++) if (mask.data[i]) out.push(i);
  return out;
}

function pick(a: NDArray, positions: number[]): ReturnType<typeof allocNp> {
  const data = allocNp(a.dtype, positions.length);
  positions.forEach((p, i) => (data[i] = a.data[p]));
  return data;
}

/** `a[...] = value`: the positions the index selects get the value (broadcast, cast to a's
 *  dtype as NumPy does). */
export function ndSetItem(rt: Interpreter, a: NDArray, index: PyValue, value: PyValue, span: Span, indexSpan: Span): void {
  let positions: ArrayLike<number>;
  let shape: readonly number[];
  const spec = basicSpec(rt, index, indexSpan);
  if (spec) {
    const iota = new NDArray(
      'int32',
      a.shape,
      Int32Array.from({ length: a.size }, (_, i) => i),
    );
    const sel = slice(rt, iota, spec, span, indexSpan);
    positions = sel.data;
    shape = sel.shape;
  } else {
    ({ positions, shape } = advancedPositions(rt, a, index, indexSpan));
  }
  const v = convertToArray(rt, value, span, a.dtype);
  let data = v.data;
  if (v.size !== positions.length) {
    const b = hostCall(rt, 'broadcast_to', [v], a.dtype, a.dtype, span, { shape: new PyTuple(shape.map(BigInt)) });
    data = b.data;
  }
  for (let i = 0; i < positions.length; i++) a.data[positions[i]] = data[i];
}

export function ndTruth(a: NDArray, span: Span): boolean {
  if (a.size !== 1) {
    if (a.size === 0) return false;
    throw pyError('ValueError', 'The truth value of an array with more than one element is ambiguous. Use a.any() or a.all()', span);
  }
  return a.data[0] !== 0 && a.data[0] === a.data[0] ? true : a.data[0] !== a.data[0];
}

export function ndIterate(rt: Interpreter, a: NDArray, span: Span): PyValue[] {
  if (a.shape.length === 0) throw pyError('TypeError', 'iteration over a 0-d array', span);
  const n = a.shape[0];
  // An empty array may be long (np.zeros((10**12, 0)): no elements): one row object each
  // grew a list until V8 aborted the whole process.
  checkSequenceSize(rt, n, span);
  const inner = a.shape.slice(1);
  const size = inner.reduce((p, d) => p * d, 1);
  const out: PyValue[] = [];
  for (let i = 0; i < n; i++) out.push(new NDArray(a.dtype, inner, a.data.subarray(i * size, (i + 1) * size), inner.length === 0));
  return out;
}

export function ndLength(a: NDArray, span: Span): number {
  if (a.shape.length === 0) throw pyError('TypeError', 'len() of unsized object', span);
  return a.shape[0];
}
