// NumPy arrays as NumPy has them: a dtype of NumPy's, a shape, row-major data; NumPy's type
// promotion (1.x rules, which TF 1.x-era scripts were written against: Python and 0-d
// scalars do not widen an array of their own kind; `np.float32(3) * 2.` is float64).
//
// int64 data are held as doubles (Float64Array), exact up to 2^53, the convention of the
// engine's NumPy random module; a value beyond it is refused where it would be made.

import type { Span } from '../../syntax/ast';
import { DTYPES, type DType, type Tensor, type TypedData, allocData, sizeOf, truncateToInt } from '../../tensor';
import { NOT_IMPLEMENTED, type OpSite, PyObject, type PyValue } from '../values';
import type { Interpreter } from '../interpreter';
import { ndAttr, ndBinary, ndGetItem, ndIterate, ndLength, ndRepr, ndSetItem, ndStr, ndTruth, ndUnary } from './methods';
import { largest } from '../../extremes';

export type NpDType = 'bool' | 'int32' | 'int64' | 'float32' | 'float64';

export const NP_DTYPES: readonly NpDType[] = ['bool', 'int32', 'int64', 'float32', 'float64'];

export class NDArray extends PyObject {
  constructor(
    readonly dtype: NpDType,
    readonly shape: readonly number[],
    public data: TypedData,
    /** A NumPy scalar (`np.float32(3)`, a reduction over all axes, a fetched 0-d tensor)
     *  rather than a 0-d array: printed as its value. */
    readonly scalar = false,
  ) {
    super();
  }
  get typeName(): string {
    return this.scalar ? `numpy.${this.dtype}` : 'numpy.ndarray';
  }
  get size(): number {
    return this.data.length;
  }
  override repr(): string {
    return ndRepr(this);
  }
  override str(): string {
    return ndStr(this);
  }
  override binaryOp(rt: Interpreter, op: string, other: PyValue, reflected: boolean, site: OpSite): PyValue | typeof NOT_IMPLEMENTED {
    return ndBinary(rt, this, op, other, reflected, site);
  }
  override unaryOp(rt: Interpreter, op: '-' | '+' | '~', span: Span): PyValue {
    return ndUnary(rt, this, op, span);
  }
  override getAttr(rt: Interpreter, name: string, span: Span): PyValue | undefined {
    return ndAttr(rt, this, name, span);
  }
  override getItem(rt: Interpreter, index: PyValue, span: Span, indexSpan: Span): PyValue {
    return ndGetItem(rt, this, index, span, indexSpan);
  }
  override setItem(rt: Interpreter, index: PyValue, value: PyValue, span: Span, indexSpan: Span): void {
    ndSetItem(rt, this, index, value, span, indexSpan);
  }
  override truth(_rt: Interpreter, span: Span): boolean {
    return ndTruth(this, span);
  }
  override iterate(rt: Interpreter, span: Span): PyValue[] {
    return ndIterate(rt, this, span);
  }
  override length(_rt: Interpreter, span: Span): number {
    return ndLength(this, span);
  }
  override toNumber(): bigint | number | boolean | undefined {
    if (this.size !== 1) return undefined;
    const x = this.data[0];
    return this.dtype === 'bool' ? x !== 0 : this.dtype === 'int32' || this.dtype === 'int64' ? BigInt(x) : x;
  }
}

export function isFloatNp(d: NpDType): boolean {
  return d === 'float32' || d === 'float64';
}

export function isIntNp(d: NpDType): boolean {
  return d === 'int32' || d === 'int64';
}

/** bool < int < float: NumPy's kind categories. */
export function category(d: NpDType): number {
  return d === 'bool' ? 0 : isIntNp(d) ? 1 : 2;
}

/** Zeroed data for `n` elements (int64 as doubles). */
export function allocNp(dtype: NpDType, n: number): TypedData {
  return allocData(dtype === 'int64' ? 'float64' : dtype, n);
}

/** Whether the engine has an int64 dtype of its own yet (until it does, int64 arrays meet
 *  the graph as float64). */
export const ENGINE_INT64 = (DTYPES as readonly string[]).includes('int64');

/** The engine dtype that holds a NumPy dtype. */
export function engineDType(d: NpDType): DType {
  if (d === 'int64') return (ENGINE_INT64 ? 'int64' : 'float64') as DType;
  return d;
}

/** The NumPy dtype of an engine tensor's dtype. */
export function npDType(d: DType): NpDType {
  return d as string as NpDType;
}

/** np.promote_types over two dtypes. */
export function promoteTypes(a: NpDType, b: NpDType): NpDType {
  if (a === b) return a;
  const ca = category(a);
  const cb = category(b);
  if (ca === 0) return b;
  if (cb === 0) return a;
  if (ca === 1 && cb === 1) return 'int64';
  if (ca === 2 && cb === 2) return 'float64';
  // int with float: float32 holds neither int32 nor int64 exactly
  return 'float64';
}

/** An operand of a NumPy operation, for `resultType`. */
export interface Operand {
  dtype: NpDType;
  /** A Python number or a 0-d array / NumPy scalar. */
  scalar: boolean;
  /** For Python ints: the value (value-based casting widens int32 to int64 past its range). */
  value?: number;
}

/** The dtype NumPy 1.x gives an operation on these operands (value-based casting). */
export function resultType(operands: readonly Operand[]): NpDType {
  const arrays = operands.filter((o) => !o.scalar);
  const scalars = operands.filter((o) => o.scalar);
  const all = (list: readonly Operand[]) => list.map((o) => o.dtype).reduce(promoteTypes);
  if (arrays.length === 0) return all(operands);
  const arrayCat = largest(arrays.map((o) => category(o.dtype)));
  const scalarCat = scalars.length ? largest(scalars.map((o) => category(o.dtype))) : -1;
  if (scalarCat > arrayCat) return all(operands);
  let out = all(arrays);
  if (out === 'int32' && scalars.some((s) => s.value !== undefined && (s.value > 2147483647 || s.value < -2147483648))) out = 'int64';
  return out;
}

/** `data` converted to `dtype` as NumPy's astype does (floats to ints truncate toward zero;
 *  NaN and infinities become the smallest integer, as on x86). */
export function castData(data: TypedData, from: NpDType, to: NpDType): TypedData {
  if (from === to) return data;
  const out = allocNp(to, data.length);
  if (to === 'bool') {
    for (let i = 0; i < data.length; i++) out[i] = data[i] !== 0 ? 1 : 0;
  } else if (isIntNp(to) && isFloatNp(from)) {
    const width = to === 'int32' ? 'int32' : 'int64';
    for (let i = 0; i < data.length; i++) out[i] = truncateToInt(data[i], width);
  } else {
    // int32 ← int64 wraps as C does; everything else converts (float32 rounds).
    for (let i = 0; i < data.length; i++) out[i] = data[i];
  }
  return out;
}

export function astype(a: NDArray, dtype: NpDType): NDArray {
  return new NDArray(dtype, a.shape, castData(a.data, a.dtype, dtype), a.scalar);
}

/** The engine tensor holding an array (no copy when the dtypes agree). */
export function toTensor(a: NDArray, dtype: DType = engineDType(a.dtype)): Tensor {
  return { dtype, shape: a.shape.slice(), data: castData(a.data, a.dtype, npDType(dtype)) };
}

/** An array holding a tensor's value, with NumPy's dtype for it (a copy: arrays are mutable). */
export function fromTensor(t: Tensor, as?: NpDType, scalar = t.shape.length === 0): NDArray {
  const dtype = as ?? npDType(t.dtype);
  const data = allocNp(dtype, t.data.length);
  data.set(t.data as never);
  return new NDArray(dtype, t.shape.slice(), data, scalar);
}

export function scalarArray(dtype: NpDType, value: number): NDArray {
  const data = allocNp(dtype, 1);
  data[0] = dtype === 'bool' ? (value ? 1 : 0) : value;
  return new NDArray(dtype, [], data, true);
}

export function sizeOfShape(shape: readonly number[]): number {
  return sizeOf(shape);
}
