// NumPy operations computed with the engine's kernels: the result dtype by NumPy's rules
// (ndarray.ts), the operands cast to it, then the engine op on constants (Runtime.compute).
// int64 is computed in float64 until the engine has an int64 of its own (exact to 2^53).

import type { Span } from '../../syntax/ast';
import { type CallArg, tensorValue } from '../../builder';
import type { DType } from '../../tensor';
import { lookupOp } from '../../ops/registry';
import { npyFloorDivide } from '../../pynumber';
import { PyList, PyTuple, type PyValue } from '../values';
import { pyError } from '../errors';
import type { Interpreter } from '../interpreter';
import { toGraphValue } from '../tensorflow/tensor';
import {
  ENGINE_INT64,
  NDArray,
  type NpDType,
  type Operand,
  castData,
  engineDType,
  fromTensor,
  isFloatNp,
  isIntNp,
  resultType,
  toTensor,
} from './ndarray';
import { convertToArray, pythonScalarDType } from './convert';
import { COMPARISON_OPERATORS, ELEMENTWISE_OPERATOR_OPS, PYTHON_LOGICAL_OPS } from '../../ops/operators';

/** Where int64 values are computed: the engine's int64, or float64 (exact to 2^53). */
export function computeDType(d: NpDType): DType {
  return d === 'int64' && !ENGINE_INT64 ? 'float64' : engineDType(d);
}

export function operandOf(v: PyValue): Operand | null {
  if (v instanceof NDArray) return { dtype: v.dtype, scalar: v.shape.length === 0 };
  if (typeof v === 'bigint') return { dtype: 'int64', scalar: true, value: Number(v) };
  if (typeof v === 'number' || typeof v === 'boolean') return { dtype: pythonScalarDType(v), scalar: true };
  return null;
}

/** An operand as an array: arrays as they are, numbers and lists converted. */
export function asArray(rt: Interpreter, v: PyValue, span: Span): NDArray {
  return convertToArray(rt, v, span);
}

/**
 * Runs engine op `op` on arrays: `arrays` become the op's leading tensor arguments (cast to
 * `inputDType`), `keywords` its other arguments; the result is read as `outDType`.
 */
export function hostCall(
  rt: Interpreter,
  op: string,
  arrays: readonly NDArray[],
  inputDType: NpDType,
  outDType: NpDType,
  span: Span,
  keywords: Record<string, PyValue> = {},
  scalar?: boolean,
  /** Arrays (by position) that keep their own dtype (indices). */
  ownDType: readonly number[] = [],
): NDArray {
  const def = lookupOp(op);
  if (!def) throw new Error(`internal: no op ${op}`);
  const t = rt.rt.compute(span, (b) => {
    const args: CallArg[] = arrays.map((a, i) => ({
      value: tensorValue(b.constant(toTensor(a, computeDType(ownDType.includes(i) ? a.dtype : inputDType)), span)),
      span,
    }));
    for (const [k, v] of Object.entries(keywords)) args.push({ keyword: { name: k, span }, value: toGraphValue(rt, v, span, b), span });
    return b.toTensor(b.call(def, args, span), span);
  });
  const out = fromTensor(t, undefined, scalar ?? t.shape.length === 0);
  if (out.dtype !== outDType) return new NDArray(outDType, out.shape, castData(out.data, out.dtype, outDType), out.scalar);
  return out;
}

const ARITHMETIC: Record<string, string> = { ...ELEMENTWISE_OPERATOR_OPS, ...PYTHON_LOGICAL_OPS };

const COMPARISON = COMPARISON_OPERATORS;

/** `a OP b` with NumPy's broadcasting and dtypes; null when an operand is not an array, a
 *  number or a list of numbers. */
export function arrayBinary(
  rt: Interpreter,
  op: string,
  a: PyValue,
  b: PyValue,
  span: Span,
  leftSpan: Span,
  rightSpan: Span,
): NDArray | null {
  if (op === '@') return matmul(rt, asArray(rt, a, leftSpan), asArray(rt, b, rightSpan), span);
  const opName = ARITHMETIC[op];
  if (!opName) return null;
  const la = a instanceof PyList || a instanceof PyTuple ? asArray(rt, a, leftSpan) : a;
  const lb = b instanceof PyList || b instanceof PyTuple ? asArray(rt, b, rightSpan) : b;
  const oa = operandOf(la);
  const ob = operandOf(lb);
  if (!oa || !ob) return null;
  // A Python int meeting a float array is float(int), as NumPy makes it (2**63 is a float
  // there, not an int64 overflow; 10**400 is float's OverflowError).
  const asFloat = (v: PyValue, other: PyValue) =>
    typeof v === 'bigint' && other instanceof NDArray && isFloatNp(other.dtype) ? 'float64' : undefined;
  const x = convertToArray(rt, la, leftSpan, asFloat(la, lb));
  const y = convertToArray(rt, lb, rightSpan, asFloat(lb, la));
  let common = resultType([oa, ob]);
  if ((op === '&' || op === '|' || op === '^') && common !== 'bool') {
    throw pyError(
      'TypeError',
      `ufunc 'bitwise_${op === '&' ? 'and' : op === '|' ? 'or' : 'xor'}' on ${common} arrays is outside what tgraph computes (use booleans)`,
      span,
    );
  }
  if (op === '**' && isIntNp(common) && y.data.some((v) => v < 0))
    throw pyError('ValueError', 'Integers to negative integer powers are not allowed.', rightSpan);
  if (op === '/' && !isFloatNp(common)) common = 'float64';
  if ((op === '//' || op === '%') && common === 'bool') common = 'int64';
  if (op === '-' && common === 'bool')
    throw pyError(
      'TypeError',
      'numpy boolean subtract, the `-` operator, is not supported, use the bitwise_xor, the `^` operator, or the logical_xor function instead.',
      span,
    );
  if (op === '//' || op === '%') {
    const zero = y.data.some((v) => v === 0);
    if (zero && isIntNp(common)) {
      // NumPy gives 0 with a warning; the engine's float path would give inf.
      return intDivisionByZero(rt, op, x, y, common, span);
    }
  }
  const out = COMPARISON.has(op) ? 'bool' : common;
  const bothScalar = x.scalar && y.scalar;
  const result = hostCall(rt, opName, [x, y], common, out, span, {}, bothScalar || (x.shape.length === 0 && y.shape.length === 0));
  if (op === '//' && isFloatNp(common)) floorDivideAsNumPy(rt, result, x, y, common, span);
  if (op === '%' && isFloatNp(common)) zeroRemainderAsNumPy(rt, result, y, common, span);
  return result;
}

/** NumPy's float remainder is a zero with the divisor's sign where it is zero (npy_divmod:
 *  `copysign(0, b)`); TensorFlow's FloorMod, the op computing r, keeps fmod's (the dividend's):
 *  np.remainder(-0., 3.) is 0.0, np.remainder(4., -2.) is -0.0. */
function zeroRemainderAsNumPy(rt: Interpreter, r: NDArray, y: NDArray, dtype: NpDType, span: Span): void {
  if (!r.data.some((v) => v === 0)) return;
  const ys = hostCall(rt, 'broadcast_to', [y], dtype, dtype, span, { shape: new PyTuple(r.shape.map(BigInt)) }).data;
  for (let i = 0; i < r.data.length; i++) if (r.data[i] === 0) r.data[i] = ys[i] < 0 || Object.is(ys[i], -0) ? -0 : 0;
}

/** np.fmod: C's fmod, the remainder with the dividend's sign (TensorFlow's truncatemod);
 *  an integer divisor of 0 gives 0, as NumPy's (with its warning). */
export function fmod(rt: Interpreter, a: PyValue, b: PyValue, span: Span): NDArray {
  const oa = operandOf(a);
  const ob = operandOf(b);
  if (!oa || !ob) throw pyError('TypeError', "ufunc 'fmod' not supported for the input types", span);
  const x = asArray(rt, a, span);
  const y = asArray(rt, b, span);
  let dtype = resultType([oa, ob]);
  if (dtype === 'bool') dtype = 'int64';
  const scalar = (x.scalar && y.scalar) || (x.shape.length === 0 && y.shape.length === 0);
  if (isFloatNp(dtype) || !y.data.some((v) => v === 0)) return hostCall(rt, 'truncatemod', [x, y], dtype, dtype, span, {}, scalar);
  const r = hostCall(rt, 'truncatemod', [x, y], 'float64', 'float64', span, {}, scalar);
  for (let i = 0; i < r.data.length; i++) if (!Number.isFinite(r.data[i])) r.data[i] = 0;
  return new NDArray(dtype, r.shape, castData(r.data, 'float64', dtype), r.scalar);
}

/** Rewrites `q`, TensorFlow's floordiv of x and y (floor of the rounded quotient), as NumPy's
 *  floor_divide of floats (engine/pynumber.ts' npyFloorDivide): they differ where the quotient
 *  rounds up to an integer. */
function floorDivideAsNumPy(rt: Interpreter, q: NDArray, x: NDArray, y: NDArray, dtype: NpDType, span: Span): void {
  const shape = { shape: new PyTuple(q.shape.map(BigInt)) };
  const xs = hostCall(rt, 'broadcast_to', [x], dtype, dtype, span, shape).data;
  const ys = hostCall(rt, 'broadcast_to', [y], dtype, dtype, span, shape).data;
  const round = dtype === 'float32' ? Math.fround : (v: number) => v;
  for (let i = 0; i < q.data.length; i++) q.data[i] = npyFloorDivide(xs[i], ys[i], round);
}

function intDivisionByZero(rt: Interpreter, op: string, x: NDArray, y: NDArray, dtype: NpDType, span: Span): NDArray {
  const q = hostCall(rt, op === '//' ? 'floordiv' : 'mod', [x, y], 'float64', 'float64', span);
  for (let i = 0; i < q.data.length; i++) if (!Number.isFinite(q.data[i])) q.data[i] = 0;
  return new NDArray(dtype, q.shape, castData(q.data, 'float64', dtype), q.scalar);
}

/** np.matmul / `@`: 1-D operands are a row (left) or a column (right), dropped afterwards. */
export function matmul(rt: Interpreter, a: NDArray, b: NDArray, span: Span): NDArray {
  if (a.shape.length === 0 || b.shape.length === 0)
    throw pyError(
      'ValueError',
      'matmul: Input operand does not have enough dimensions (has 0, gufunc core with signature (n?,k),(k,m?)->(n?,m?) requires 1)',
      span,
    );
  const dtype = resultType([
    { dtype: a.dtype, scalar: false },
    { dtype: b.dtype, scalar: false },
  ]);
  const a2 = a.shape.length === 1 ? reshaped(a, [1, a.shape[0]]) : a;
  const b2 = b.shape.length === 1 ? reshaped(b, [b.shape[0], 1]) : b;
  const r = hostCall(rt, 'matmul', [a2, b2], dtype === 'bool' ? 'int64' : dtype, dtype, span);
  let shape = r.shape.slice();
  if (b.shape.length === 1) shape = shape.slice(0, -1);
  if (a.shape.length === 1) shape.splice(shape.length - (b.shape.length === 1 ? 0 : 1), 1);
  return new NDArray(r.dtype, shape, r.data, shape.length === 0);
}

/** np.dot: matmul for up to 2-D, the sum over the last axis of a and the first of b otherwise. */
export function dot(rt: Interpreter, a: NDArray, b: NDArray, span: Span): NDArray {
  if (a.shape.length === 0 || b.shape.length === 0) return arrayBinary(rt, '*', a, b, span, span, span)!;
  if (b.shape.length <= 2 && a.shape.length <= 2) return matmul(rt, a, b, span);
  const dtype = resultType([
    { dtype: a.dtype, scalar: false },
    { dtype: b.dtype, scalar: false },
  ]);
  const axes = new PyList([new PyList([BigInt(a.shape.length - 1)]), new PyList([BigInt(b.shape.length === 1 ? 0 : b.shape.length - 2)])]);
  return hostCall(rt, 'tensordot', [a, b], dtype, dtype, span, { axes });
}

export function reshaped(a: NDArray, shape: number[]): NDArray {
  return new NDArray(a.dtype, shape, a.data);
}
