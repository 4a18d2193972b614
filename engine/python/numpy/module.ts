// The `numpy` module: the functions scripts use around a graph (making arrays, the ufuncs
// and reductions of LANGUAGE.md's table, dot/matmul, shape functions), with NumPy's dtypes
// and computed with the engine's kernels. A name not here is outside the subset (one
// information diagnostic where it is used).

import { type CallSite, type KeywordArg, PyBuiltin, PyList, PyModule, PyTuple, type PyValue } from '../values';
import { OutsideSubset, pyError } from '../errors';
import type { Interpreter } from '../interpreter';
import type { Runtime } from '../runtime';
import { args as bindArgs, type BoundPyArgs } from '../signature';
import { PyDType } from '../tensorflow/tensor';
import { NDArray, type NpDType, allocNp, astype, isFloatNp, resultType, scalarArray } from './ndarray';
import { arrayBinary, asArray, dot, fmod, hostCall, matmul, operandOf } from './compute';
import { NAN_FUNCTIONS } from './nanFunctions';
import { roundDecimals } from './rounding';
import { convertToArray } from './convert';
import { type Reduction, clip, dtypeArg, maximum, reduce, reshape, transpose } from './methods';
import { numpyRandomModule } from './random';
import { type NpFunction, arr, common, dtypeOr, filled, floatDType, scalarValue, sequenceOfArrays, shapeArg } from './functionSupport';
import { ARRANGEMENT_FUNCTIONS } from './arrangement';
import { ORDER_FUNCTIONS } from './ordering';
import { linalgModule } from './linalg';

/** Float ufuncs: ints and bools become float64, float32 stays float32. */
const FLOAT_UFUNCS: Record<string, string> = {
  exp: 'exp',
  log: 'log',
  log1p: 'log1p',
  expm1: 'expm1',
  sqrt: 'sqrt',
  sin: 'sin',
  cos: 'cos',
  tan: 'tan',
  arcsin: 'asin',
  arccos: 'acos',
  arctan: 'atan',
  sinh: 'sinh',
  cosh: 'cosh',
  tanh: 'tanh',
  reciprocal: 'reciprocal',
};

/** Float ufuncs the engine has no op for, computed here in float64 and rounded to the
 *  result's dtype (NumPy computes float32 in float32: the results agree but for rare last
 *  bits). */
const HOST_FLOAT_UFUNCS: Record<string, (x: number) => number> = {
  log2: Math.log2,
  log10: Math.log10,
  exp2: (x) => 2 ** x,
  cbrt: Math.cbrt,
  trunc: Math.trunc,
  fix: Math.trunc,
  fabs: Math.abs,
  // NumPy multiplies by the constant pi/180 (180/pi), as here.
  deg2rad: (x) => x * (Math.PI / 180),
  radians: (x) => x * (Math.PI / 180),
  rad2deg: (x) => x * (180 / Math.PI),
  degrees: (x) => x * (180 / Math.PI),
};

/** Whether a float ufunc's result is a NumPy scalar: its argument was one, or a Python number. */
function scalarResult(a: NDArray, given: PyValue): boolean {
  return a.scalar || (!(given instanceof NDArray) && a.shape.length === 0);
}

/** Ufuncs that keep the dtype. */
const SAME_UFUNCS: Record<string, string> = { abs: 'abs', absolute: 'abs', negative: 'negative', sign: 'sign', square: 'square' };

const BINARY_UFUNCS: Record<string, string> = {
  add: '+',
  subtract: '-',
  multiply: '*',
  divide: '/',
  true_divide: '/',
  floor_divide: '//',
  mod: '%',
  remainder: '%',
  power: '**',
  equal: '==',
  not_equal: '!=',
  less: '<',
  less_equal: '<=',
  greater: '>',
  greater_equal: '>=',
  logical_and: '&',
  logical_or: '|',
  logical_xor: '^',
};

/** Binary float ufuncs with an engine op: ints and bools become float64. */
const BINARY_FLOAT_UFUNCS: Record<string, string> = { arctan2: 'atan2' };

const REDUCTIONS: Record<string, Reduction> = {
  sum: 'sum',
  mean: 'mean',
  max: 'max',
  amax: 'max',
  min: 'min',
  amin: 'min',
  prod: 'prod',
  all: 'all',
  any: 'any',
  argmax: 'argmax',
  argmin: 'argmin',
  std: 'std',
  var: 'var',
  cumsum: 'cumsum',
};

/** np.tril / np.triu: the matrices of the last two axes with the elements above diagonal `k`
 *  (tril) or below it (triu) set to zero; a vector stands for the square matrix of its rows. */
function triangle(rt: Interpreter, p: BoundPyArgs, keep: 'lower' | 'upper'): NDArray {
  const m = arr(rt, p, 'm');
  const k = rt.rt.indexValue(p.get('k', 0n), p.span('k'));
  const shape = m.shape.length === 1 ? [m.shape[0], m.shape[0]] : m.shape.slice();
  if (shape.length < 2) throw pyError('ValueError', `input must be at least 1-d, got a ${m.shape.length}-d array`, p.span('m'));
  const rows = shape[shape.length - 2];
  const cols = shape[shape.length - 1];
  const out = filled(m.dtype, shapeArg(rt, new PyList(shape.map(BigInt)), p.span('m')), 0);
  const batches = out.data.length / Math.max(1, rows * cols);
  for (let t = 0; t < batches; t++) {
    for (let i = 0; i < rows; i++) {
      // tril keeps columns j <= i + k; triu keeps j >= i + k.
      const from = keep === 'lower' ? 0 : Math.max(0, i + k);
      const to = keep === 'lower' ? Math.min(cols, i + k + 1) : cols;
      const row = t * rows * cols + i * cols;
      const source = m.shape.length === 1 ? -i * cols : 0;
      for (let j = from; j < to; j++) out.data[row + j] = m.data[row + source + j];
    }
  }
  return out;
}

const FUNCTIONS: Record<string, NpFunction> = {
  array: {
    params: ['object', 'dtype', 'copy', 'order', 'subok', 'ndmin'],
    impl: (rt, p) => {
      const a = convertToArray(
        rt,
        p.get('object'),
        p.span('object'),
        p.get('dtype', null) === null ? undefined : dtypeArg(p.get('dtype'), p.span('dtype')),
      );
      return a === p.get('object') ? new NDArray(a.dtype, a.shape, a.data.slice()) : new NDArray(a.dtype, a.shape, a.data);
    },
  },
  asarray: {
    params: ['a', 'dtype', 'order'],
    impl: (rt, p) =>
      convertToArray(rt, p.get('a'), p.span('a'), p.get('dtype', null) === null ? undefined : dtypeArg(p.get('dtype'), p.span('dtype'))),
  },
  zeros: {
    params: ['shape', 'dtype', 'order'],
    impl: (rt, p) => filled(dtypeOr(p, 'dtype', 'float64'), shapeArg(rt, p.get('shape'), p.span('shape')), 0),
  },
  empty: {
    params: ['shape', 'dtype', 'order'],
    impl: (rt, p) => filled(dtypeOr(p, 'dtype', 'float64'), shapeArg(rt, p.get('shape'), p.span('shape')), 0),
  },
  ones: {
    params: ['shape', 'dtype', 'order'],
    impl: (rt, p) => filled(dtypeOr(p, 'dtype', 'float64'), shapeArg(rt, p.get('shape'), p.span('shape')), 1),
  },
  full: {
    params: ['shape', 'fill_value', 'dtype', 'order'],
    impl: (rt, p) => {
      const v = convertToArray(rt, p.get('fill_value'), p.span('fill_value'));
      return filled(dtypeOr(p, 'dtype', v.dtype), shapeArg(rt, p.get('shape'), p.span('shape')), v.data[0]);
    },
  },
  zeros_like: {
    params: ['a', 'dtype'],
    impl: (rt, p) => {
      const a = arr(rt, p, 'a');
      return filled(dtypeOr(p, 'dtype', a.dtype), a.shape.slice(), 0);
    },
  },
  ones_like: {
    params: ['a', 'dtype'],
    impl: (rt, p) => {
      const a = arr(rt, p, 'a');
      return filled(dtypeOr(p, 'dtype', a.dtype), a.shape.slice(), 1);
    },
  },
  full_like: {
    params: ['a', 'fill_value', 'dtype'],
    impl: (rt, p) => {
      const a = arr(rt, p, 'a');
      return filled(dtypeOr(p, 'dtype', a.dtype), a.shape.slice(), scalarValue(p.get('fill_value'), p.span('fill_value')));
    },
  },
  arange: {
    params: ['start', 'stop', 'step', 'dtype'],
    impl: (rt, p, site) => {
      const given = ['start', 'stop', 'step'].filter((n) => p.has(n) && p.get(n) !== null);
      const vals = given.map((n) => p.get(n));
      const [start, stop, step]: PyValue[] = given.length === 1 ? [0n, vals[0], 1n] : [vals[0], vals[1], vals[2] ?? 1n];
      const isFloat = [start, stop, step].some((v) => typeof v === 'number' || (v instanceof NDArray && isFloatNp(v.dtype)));
      const s0 = scalarValue(start, site.span);
      const s1 = scalarValue(stop, site.span);
      const st = scalarValue(step, site.span);
      if (st === 0) throw pyError('ZeroDivisionError', 'division by zero', site.span);
      const length = Math.ceil((s1 - s0) / st);
      // NumPy's own errors for an infinite or undefined length (arange(1e400), arange(nan)).
      if (Number.isNaN(length)) throw pyError('ValueError', 'arange: cannot compute length', site.span);
      if (!Number.isFinite(length) && length > 0) throw pyError('ValueError', 'Maximum allowed size exceeded', site.span);
      const n = Math.max(0, length);
      const dtype = dtypeOr(p, 'dtype', isFloat ? 'float64' : 'int64');
      shapeArg(rt, new PyList([BigInt(n)]), site.span);
      const data = allocNp(dtype, n);
      for (let i = 0; i < n; i++) data[i] = s0 + i * st;
      return new NDArray(dtype, [n], data);
    },
  },
  linspace: {
    params: ['start', 'stop', 'num', 'endpoint', 'retstep', 'dtype', 'axis'],
    impl: (rt, p, site) => {
      const a = scalarValue(p.get('start'), p.span('start'));
      const b = scalarValue(p.get('stop'), p.span('stop'));
      const n = rt.rt.indexValue(p.get('num', 50n), p.span('num'));
      const endpoint = p.get('endpoint', true) !== false;
      shapeArg(rt, new PyList([BigInt(n)]), site.span);
      const div = endpoint ? n - 1 : n;
      const step = div > 0 ? (b - a) / div : NaN;
      const data = new Float64Array(n);
      for (let i = 0; i < n; i++) data[i] = a + i * step;
      if (endpoint && n > 1) data[n - 1] = b;
      return astype(new NDArray('float64', [n], data), dtypeOr(p, 'dtype', 'float64'));
    },
  },
  eye: {
    params: ['N', 'M', 'k', 'dtype'],
    impl: (rt, p, site) => {
      const n = rt.rt.indexValue(p.get('N'), p.span('N'));
      const m = p.get('M', null) === null ? n : rt.rt.indexValue(p.get('M'), p.span('M'));
      const k = rt.rt.indexValue(p.get('k', 0n), p.span('k'));
      const a = filled(dtypeOr(p, 'dtype', 'float64'), shapeArg(rt, new PyList([BigInt(n), BigInt(m)]), site.span), 0);
      for (let i = 0; i < n; i++) if (i + k >= 0 && i + k < m) a.data[i * m + i + k] = 1;
      return a;
    },
  },
  identity: {
    params: ['n', 'dtype'],
    impl: (rt, p, site) => FUNCTIONS.eye.impl(rt, bindArgs('eye', ['N', 'dtype'], [p.get('n'), p.get('dtype', null)], [], site), site),
  },
  tril: { params: ['m', 'k'], impl: (rt, p) => triangle(rt, p, 'lower') },
  triu: { params: ['m', 'k'], impl: (rt, p) => triangle(rt, p, 'upper') },
  dot: { params: ['a', 'b'], impl: (rt, p, site) => dot(rt, arr(rt, p, 'a'), arr(rt, p, 'b'), site.span) },
  matmul: { params: ['x1', 'x2'], impl: (rt, p, site) => matmul(rt, arr(rt, p, 'x1'), arr(rt, p, 'x2'), site.span) },
  outer: {
    params: ['a', 'b'],
    impl: (rt, p, site) => {
      const a = arr(rt, p, 'a');
      const b = arr(rt, p, 'b');
      return matmul(rt, new NDArray(a.dtype, [a.size, 1], a.data), new NDArray(b.dtype, [1, b.size], b.data), site.span);
    },
  },
  reshape: { params: ['a', 'newshape', 'order'], impl: (rt, p, site) => reshape(rt, arr(rt, p, 'a'), [p.get('newshape')], site.span) },
  transpose: {
    params: ['a', 'axes'],
    impl: (rt, p, site) => transpose(rt, arr(rt, p, 'a'), p.has('axes') ? [p.get('axes')] : [], site.span),
  },
  expand_dims: {
    params: ['a', 'axis'],
    impl: (rt, p, site) => {
      const a = arr(rt, p, 'a');
      return hostCall(rt, 'expand_dims', [a], a.dtype, a.dtype, site.span, { axis: p.get('axis') });
    },
  },
  squeeze: {
    params: ['a', 'axis'],
    impl: (rt, p, site) => {
      const a = arr(rt, p, 'a');
      return hostCall(rt, 'squeeze', [a], a.dtype, a.dtype, site.span, p.has('axis') ? { axis: p.get('axis') } : {});
    },
  },
  concatenate: {
    params: ['arrays', 'axis'],
    impl: (rt, p, site) => {
      const arrays = sequenceOfArrays(rt, p, 'arrays');
      const d = common(arrays);
      return hostCall(rt, 'concat', [], d, d, site.span, { values: new PyList(arrays.map((a) => astype(a, d))), axis: p.get('axis', 0n) });
    },
  },
  stack: {
    params: ['arrays', 'axis'],
    impl: (rt, p, site) => {
      const arrays = sequenceOfArrays(rt, p, 'arrays');
      const d = common(arrays);
      return hostCall(rt, 'stack', [], d, d, site.span, { values: new PyList(arrays.map((a) => astype(a, d))), axis: p.get('axis', 0n) });
    },
  },
  vstack: {
    params: ['tup'],
    impl: (rt, p, site) => {
      const arrays = sequenceOfArrays(rt, p, 'tup').map((a) => (a.shape.length < 2 ? new NDArray(a.dtype, [1, a.size], a.data) : a));
      const d = common(arrays);
      return hostCall(rt, 'concat', [], d, d, site.span, { values: new PyList(arrays.map((a) => astype(a, d))), axis: 0n });
    },
  },
  hstack: {
    params: ['tup'],
    impl: (rt, p, site) => {
      const arrays = sequenceOfArrays(rt, p, 'tup');
      const d = common(arrays);
      return hostCall(rt, 'concat', [], d, d, site.span, {
        values: new PyList(arrays.map((a) => astype(a, d))),
        axis: arrays[0]?.shape.length === 1 ? 0n : 1n,
      });
    },
  },
  tile: {
    params: ['A', 'reps'],
    impl: (rt, p, site) => {
      const a = arr(rt, p, 'A');
      return hostCall(rt, 'tile', [a], a.dtype, a.dtype, site.span, { multiples: p.get('reps') });
    },
  },
  where: {
    params: ['condition', 'x', 'y'],
    impl: (rt, p, site) => {
      if (!p.has('x')) throw new OutsideSubset("np.where with one argument is outside tgraph's subset", site.span);
      const c = astype(arr(rt, p, 'condition'), 'bool');
      const ox = operandOf(p.get('x'))!;
      const oy = operandOf(p.get('y'))!;
      const d = resultType([ox, oy]);
      return hostCall(rt, 'where', [c, astype(arr(rt, p, 'x'), d), astype(arr(rt, p, 'y'), d)], d, d, site.span);
    },
  },
  clip: {
    params: ['a', 'a_min', 'a_max'],
    impl: (rt, p, site) => clip(rt, arr(rt, p, 'a'), p.get('a_min', null), p.get('a_max', null), site.span),
  },
  maximum: { params: ['x1', 'x2'], impl: (rt, p, site) => maximum(rt, p.get('x1'), p.get('x2'), site.span, 'maximum') },
  minimum: { params: ['x1', 'x2'], impl: (rt, p, site) => maximum(rt, p.get('x1'), p.get('x2'), site.span, 'minimum') },
  allclose: {
    params: ['a', 'b', 'rtol', 'atol', 'equal_nan'],
    impl: (rt, p, site) => {
      const r = isclose(rt, p, site);
      return r.data.every((v) => v !== 0);
    },
  },
  isclose: { params: ['a', 'b', 'rtol', 'atol', 'equal_nan'], impl: (rt, p, site) => isclose(rt, p, site) },
  array_equal: {
    params: ['a1', 'a2'],
    impl: (rt, p, site) => {
      const a = arr(rt, p, 'a1');
      const b = arr(rt, p, 'a2');
      if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) return false;
      return arrayBinary(rt, '==', a, b, site.span, site.span, site.span)!.data.every((v) => v !== 0);
    },
  },
  isnan: {
    params: ['x'],
    impl: (rt, p, site) => {
      const a = arr(rt, p, 'x');
      return hostCall(rt, 'is_nan', [a], floatDType(a.dtype), 'bool', site.span, {}, a.scalar);
    },
  },
  isinf: {
    params: ['x'],
    impl: (rt, p, site) => {
      const a = arr(rt, p, 'x');
      return hostCall(rt, 'is_inf', [a], floatDType(a.dtype), 'bool', site.span, {}, a.scalar);
    },
  },
  isfinite: {
    params: ['x'],
    impl: (rt, p, site) => {
      const a = arr(rt, p, 'x');
      return hostCall(rt, 'is_finite', [a], floatDType(a.dtype), 'bool', site.span, {}, a.scalar);
    },
  },
  floor: { params: ['x'], impl: (rt, p, site) => roundLike(rt, p, site, 'floor') },
  ceil: { params: ['x'], impl: (rt, p, site) => roundLike(rt, p, site, 'ceil') },
  round: { params: ['a', 'decimals', 'out'], impl: (rt, p, site) => roundFunction(rt, p, site) },
  around: { params: ['a', 'decimals', 'out'], impl: (rt, p, site) => roundFunction(rt, p, site) },
  round_: { params: ['a', 'decimals', 'out'], impl: (rt, p, site) => roundFunction(rt, p, site) },
  fmod: { params: ['x1', 'x2'], impl: (rt, p, site) => fmod(rt, p.get('x1'), p.get('x2'), site.span) },
  einsum: {
    params: ['subscripts'],
    varargs: true,
    impl: (rt, p, site) => {
      const arrays = p.rest.map((x) => asArray(rt, x, site.span));
      const d = common(arrays);
      // The equation is the op's first parameter: the operands go by keyword after it.
      const operands = Object.fromEntries(arrays.map((a, i) => [`x${i}`, astype(a, d)]));
      return hostCall(rt, 'einsum', [], d, d, site.span, { equation: p.get('subscripts'), ...operands });
    },
  },
  tensordot: {
    params: ['a', 'b', 'axes'],
    impl: (rt, p, site) => {
      const a = arr(rt, p, 'a');
      const b = arr(rt, p, 'b');
      const d = common([a, b]);
      return hostCall(rt, 'tensordot', [a, b], d, d, site.span, { axes: p.get('axes', 2n) });
    },
  },
  trace: {
    params: ['a'],
    impl: (rt, p, site) => {
      const a = arr(rt, p, 'a');
      const d = a.dtype === 'int32' || a.dtype === 'bool' ? 'int64' : a.dtype;
      return hostCall(rt, 'trace', [a], d, d, site.span, {}, true);
    },
  },
  shape: { params: ['a'], impl: (rt, p) => new PyTuple(arr(rt, p, 'a').shape.map(BigInt)) },
  size: { params: ['a'], impl: (rt, p) => BigInt(arr(rt, p, 'a').size) },
  ndim: { params: ['a'], impl: (rt, p) => BigInt(arr(rt, p, 'a').shape.length) },
  copy: {
    params: ['a'],
    impl: (rt, p) => {
      const a = arr(rt, p, 'a');
      return new NDArray(a.dtype, a.shape, a.data.slice());
    },
  },
  ravel: {
    params: ['a'],
    impl: (rt, p) => {
      const a = arr(rt, p, 'a');
      return new NDArray(a.dtype, [a.size], a.data);
    },
  },
  flip: {
    params: ['m', 'axis'],
    impl: (rt, p, site) => {
      const a = arr(rt, p, 'm');
      return hostCall(rt, 'reverse', [a], a.dtype, a.dtype, site.span, {
        axis: p.get('axis', new PyList(a.shape.map((_, i) => BigInt(i)))),
      });
    },
  },
  broadcast_to: {
    params: ['array', 'shape'],
    impl: (rt, p, site) => {
      const a = arr(rt, p, 'array');
      return hostCall(rt, 'broadcast_to', [a], a.dtype, a.dtype, site.span, { shape: p.get('shape') });
    },
  },
};

/** np.round(a, decimals=0): the engine's round (half to even) at 0 decimals, NumPy's scaling
 *  otherwise (rounding.ts). */
function roundFunction(rt: Interpreter, p: BoundPyArgs, site: CallSite): NDArray {
  const decimals = rt.rt.indexValue(p.get('decimals', 0n), p.span('decimals'));
  const a = arr(rt, p, 'a');
  if (decimals !== 0 || !isFloatNp(a.dtype))
    return roundDecimals(scalarResult(a, p.get('a')) ? new NDArray(a.dtype, a.shape, a.data, true) : a, decimals);
  return roundLike(rt, bindArgs('round', ['x'], [p.get('a')], [], site), site, 'round');
}

function roundLike(rt: Interpreter, p: BoundPyArgs, site: CallSite, op: string): NDArray {
  const a = arr(rt, p, 'x');
  const d = floatDType(a.dtype);
  return hostCall(rt, op, [astype(a, d)], d, d, site.span, {}, a.scalar);
}

function isclose(rt: Interpreter, p: BoundPyArgs, site: CallSite): NDArray {
  const a = arr(rt, p, 'a');
  const b = arr(rt, p, 'b');
  const rtol = p.has('rtol') ? scalarValue(p.get('rtol'), p.span('rtol')) : 1e-5;
  const atol = p.has('atol') ? scalarValue(p.get('atol'), p.span('atol')) : 1e-8;
  const equalNan = p.get('equal_nan', false) === true;
  // |a - b| <= atol + rtol * |b|, in float64 (NumPy's formula), elementwise with broadcasting.
  const fa = astype(a, 'float64');
  const fb = astype(b, 'float64');
  const diff = hostCall(rt, 'abs', [arrayBinary(rt, '-', fa, fb, site.span, site.span, site.span)!], 'float64', 'float64', site.span);
  const bound = arrayBinary(
    rt,
    '+',
    scalarArray('float64', atol),
    arrayBinary(
      rt,
      '*',
      scalarArray('float64', rtol),
      hostCall(rt, 'abs', [fb], 'float64', 'float64', site.span),
      site.span,
      site.span,
      site.span,
    )!,
    site.span,
    site.span,
    site.span,
  )!;
  const close = arrayBinary(rt, '<=', diff, bound, site.span, site.span, site.span)!;
  const both = arrayBinary(rt, '==', fa, fb, site.span, site.span, site.span)!;
  const out = new Uint8Array(close.size);
  for (let i = 0; i < out.length; i++) {
    const x = fa.data[fa.size === 1 ? 0 : i];
    const y = fb.data[fb.size === 1 ? 0 : i];
    out[i] = close.data[i] || both.data[i] || (equalNan && x !== x && y !== y) ? 1 : 0;
  }
  return new NDArray('bool', close.shape, out, close.scalar);
}

const DTYPE_NAMES: Record<string, NpDType> = {
  float32: 'float32',
  float64: 'float64',
  double: 'float64',
  int32: 'int32',
  int64: 'int64',
  bool_: 'bool',
  float_: 'float64',
  int_: 'int64',
};

const CONSTANTS: Record<string, PyValue> = {
  pi: Math.PI,
  e: Math.E,
  inf: Infinity,
  Inf: Infinity,
  infty: Infinity,
  nan: NaN,
  NaN: NaN,
  newaxis: null,
  euler_gamma: 0.5772156649015329,
};

export function numpyModule(rt: Runtime): PyModule {
  const interp = rt.interpreter;
  const make = (name: string, f: NpFunction) =>
    new PyBuiltin(`numpy.${name}`, (a: PyValue[], kw: KeywordArg[], site: CallSite) =>
      f.impl(interp, bindArgs(name, f.params, a, kw, site, f.varargs, f.keywordOnly), site),
    );
  const linalg = linalgModule(interp);
  return new PyModule('numpy', (name) => {
    if (name === 'random') return numpyRandomModule(rt);
    if (name === 'linalg') return linalg;
    if (name in CONSTANTS) return CONSTANTS[name];
    if (name in DTYPE_NAMES) return new PyDType(DTYPE_NAMES[name], 'np');
    if (name === 'float' || name === 'int' || name === 'bool') return rt.builtin(name, { start: 0, end: 0 });
    if (name === 'ndarray')
      return new PyBuiltin(
        'numpy.ndarray',
        () => null,
        (v) => v instanceof NDArray,
      );
    if (name in FLOAT_UFUNCS) {
      return make(name, {
        params: ['x'],
        impl: (r, p, site) => {
          const a = arr(r, p, 'x');
          const d = floatDType(a.dtype);
          return hostCall(r, FLOAT_UFUNCS[name], [a], d, d, site.span, {}, scalarResult(a, p.get('x')));
        },
      });
    }
    if (name in HOST_FLOAT_UFUNCS) {
      const f = HOST_FLOAT_UFUNCS[name];
      return make(name, {
        params: ['x'],
        impl: (r, p) => {
          const a = arr(r, p, 'x');
          const out = astype(a, floatDType(a.dtype));
          return new NDArray(out.dtype, out.shape, out.data.map(f), scalarResult(a, p.get('x')));
        },
      });
    }
    if (name in BINARY_FLOAT_UFUNCS) {
      return make(name, {
        params: ['x1', 'x2'],
        impl: (r, p, site) => {
          const x = arr(r, p, 'x1');
          const y = arr(r, p, 'x2');
          const d = floatDType(resultType([operandOf(p.get('x1'))!, operandOf(p.get('x2'))!]));
          return hostCall(r, BINARY_FLOAT_UFUNCS[name], [x, y], d, d, site.span, {}, x.shape.length === 0 && y.shape.length === 0);
        },
      });
    }
    if (name in SAME_UFUNCS) {
      return make(name, {
        params: ['x'],
        impl: (r, p, site) => {
          const a = arr(r, p, 'x');
          return hostCall(r, SAME_UFUNCS[name], [a], a.dtype, a.dtype, site.span, {}, a.scalar || a.shape.length === 0);
        },
      });
    }
    if (name in BINARY_UFUNCS) {
      return make(name, {
        params: ['x1', 'x2'],
        impl: (r, p, site) => {
          const out = arrayBinary(r, BINARY_UFUNCS[name], p.get('x1'), p.get('x2'), site.span, p.span('x1'), p.span('x2'));
          if (!out) throw pyError('TypeError', `ufunc '${name}' not supported for the input types`, site.span);
          return out;
        },
      });
    }
    if (name in REDUCTIONS) {
      const kind = REDUCTIONS[name];
      return make(name, {
        params: kind === 'std' || kind === 'var' ? ['a', 'axis', 'dtype', 'out', 'ddof', 'keepdims'] : ['a', 'axis', 'out', 'keepdims'],
        impl: (r, p, site) =>
          reduce(r, arr(r, p, 'a'), kind, p.get('axis', null), p.get('keepdims', false) === true, site.span, Number(p.get('ddof', 0n))),
      });
    }
    if (name in FUNCTIONS) return make(name, FUNCTIONS[name]);
    if (name in ARRANGEMENT_FUNCTIONS) return make(name, ARRANGEMENT_FUNCTIONS[name]);
    if (name in ORDER_FUNCTIONS) return make(name, ORDER_FUNCTIONS[name]);
    if (name in NAN_FUNCTIONS) return make(name, NAN_FUNCTIONS[name]);
    return undefined;
  });
}
