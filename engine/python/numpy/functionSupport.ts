// What the `numpy` module's functions share: how a function is declared (its Python
// parameters and its implementation) and the argument readers every group of them uses.

import type { Span } from '../../syntax/ast';
import type { CallSite, PyValue } from '../values';
import { pyError } from '../errors';
import type { Interpreter } from '../interpreter';
import type { BoundPyArgs } from '../signature';
import { NDArray, type NpDType, allocNp, isFloatNp, resultType } from './ndarray';
import { asArray } from './compute';
import { checkArraySize } from './convert';
import { dtypeArg } from './methods';

export type Impl = (rt: Interpreter, p: BoundPyArgs, site: CallSite) => PyValue;

export interface NpFunction {
  params: string[];
  impl: Impl;
  varargs?: boolean;
  /** Parameters only a keyword fills (after `*args`). */
  keywordOnly?: string[];
}

export function floatDType(d: NpDType): NpDType {
  return isFloatNp(d) ? d : 'float64';
}

export function arr(rt: Interpreter, p: BoundPyArgs, name: string): NDArray {
  return asArray(rt, p.get(name), p.span(name));
}

export function dtypeOr(p: BoundPyArgs, name: string, fallback: NpDType): NpDType {
  const v = p.get(name, null);
  return v === null ? fallback : dtypeArg(v, p.span(name));
}

export function shapeArg(rt: Interpreter, v: PyValue, span: Span): number[] {
  const dims = typeof v === 'bigint' ? [v] : rt.iterate(v, span);
  const shape = dims.map((d) => {
    const n = rt.rt.indexValue(d, span);
    if (n < 0) throw pyError('ValueError', 'negative dimensions are not allowed', span);
    return n;
  });
  checkArraySize(rt, shape, span);
  return shape;
}

export function filled(dtype: NpDType, shape: number[], value: number): NDArray {
  const data = allocNp(
    dtype,
    shape.reduce((a, d) => a * d, 1),
  );
  if (value !== 0) data.fill(value);
  return new NDArray(dtype, shape, data);
}

export function scalarValue(v: PyValue, span: Span): number {
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof NDArray && v.size === 1) return v.data[0];
  throw pyError('TypeError', 'a number is required', span);
}

/** The arrays that concatenate, stack and their kin join. The result holds them all, so their
 *  total size is checked against the element budget before any is converted: a list of one
 *  array 100,000 times made a graph constant of each copy, until the worker was killed. */
export function sequenceOfArrays(rt: Interpreter, p: BoundPyArgs, name: string): NDArray[] {
  const arrays = rt.iterate(p.get(name), p.span(name)).map((x) => asArray(rt, x, p.span(name)));
  checkArraySize(rt, [arrays.reduce((total, a) => total + a.size, 0)], p.span(name));
  return arrays;
}

export function common(arrays: NDArray[]): NpDType {
  return resultType(arrays.map((a) => ({ dtype: a.dtype, scalar: false })));
}
