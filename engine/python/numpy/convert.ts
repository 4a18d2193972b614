// `np.array(obj, dtype=None)`: Python numbers and nested lists to arrays, with NumPy's dtype
// for them (ints int64, floats float64, bools bool, mixed by promotion).

import type { Node } from '../../graph';
import { eagerArray, isEager } from '../tensorflow/eager';
import type { Span } from '../../syntax/ast';
import { formatCount, raiseHint } from '../../budgets';
import { BuildError } from '../../builder';
import { PyIterator, PyList, PyObject, PyTuple, type PyValue, typeName } from '../values';
import { OutsideSubset, pyError } from '../errors';
import type { Interpreter } from '../interpreter';
import { NDArray, type NpDType, allocNp, astype, castData, promoteTypes } from './ndarray';

/** The largest int64 tgraph holds exactly (int64 data are doubles). */
const MAX_EXACT = 2 ** 53;

export function pythonScalarDType(v: bigint | number | boolean): NpDType {
  return typeof v === 'boolean' ? 'bool' : typeof v === 'bigint' ? 'int64' : 'float64';
}

/** A value as an array (`np.asarray`: an array of the wanted dtype is returned as it is). */
export function convertToArray(rt: Interpreter, v: PyValue, span: Span, dtype?: NpDType): NDArray {
  if (v instanceof NDArray) return dtype && dtype !== v.dtype ? astype(v, dtype) : v;
  if (typeof v === 'bigint' || typeof v === 'number' || typeof v === 'boolean') {
    // An int made a float is float(int) in NumPy: past the doubles, its OverflowError.
    if (typeof v === 'bigint' && (dtype === 'float32' || dtype === 'float64')) {
      if (!Number.isFinite(Number(v))) throw pyError('OverflowError', 'int too large to convert to float', span);
      return astype(new NDArray('float64', [], Float64Array.of(Number(v))), dtype);
    }
    const d = pythonScalarDType(v);
    const data = allocNp(d, 1);
    data[0] = numberOf(v, span);
    const a = new NDArray(d, [], data);
    return dtype && dtype !== d ? astype(a, dtype) : a;
  }
  if (v instanceof PyList || v instanceof PyTuple || v instanceof PyIterator) return fromNested(rt, v, span, dtype);
  if (v instanceof PyObject && 'node' in v) {
    // An eager tensor's value is known (np.array(t), np.mean(t), t + array).
    if (isEager(rt.rt)) {
      const a = eagerArray(rt.rt, (v as unknown as { node: Node }).node, span);
      return dtype && dtype !== a.dtype ? astype(a, dtype) : a;
    }
    throw pyError('TypeError', 'a graph tensor has no value until a session runs it: fetch it with sess.run(...) first', span);
  }
  if (typeof v === 'string') throw new OutsideSubset("arrays of strings are outside tgraph's subset", span);
  if (v === null) throw new OutsideSubset("arrays of None (object arrays) are outside tgraph's subset", span);
  throw pyError('TypeError', `cannot make an array of ${typeName(v)}`, span);
}

function numberOf(v: bigint | number | boolean, span: Span): number {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number') return v;
  if (v > 9223372036854775807n || v < -9223372036854775808n)
    throw pyError('OverflowError', 'Python int too large to convert to C long', span);
  const n = Number(v);
  if (Math.abs(n) > MAX_EXACT) throw new OutsideSubset(`the integer ${v} is beyond 2^53, the largest int64 tgraph holds exactly`, span);
  return n;
}

function fromNested(rt: Interpreter, v: PyList | PyTuple | PyIterator, span: Span, dtype?: NpDType): NDArray {
  const shape: number[] = [];
  let depth0 = 0;
  // The shape: follow the first element down.
  for (let x: PyValue = v; ;) {
    if (x instanceof PyList || x instanceof PyTuple || x instanceof PyIterator) {
      shape.push(x.items.length);
      if (x.items.length === 0) break;
      x = x.items[0];
    } else {
      if (x instanceof NDArray) shape.push(...x.shape);
      break;
    }
    if (++depth0 > 64) throw new BuildError('a nested list more than 64 levels deep', span, 'nesting-too-deep');
  }
  const size = checkArraySize(rt, shape, span);
  const values = new Float64Array(size);
  let inferred: NpDType | null = null;
  let k = 0;
  const inhomogeneous = (depth: number): never => {
    throw pyError(
      'ValueError',
      `setting an array element with a sequence. The requested array has an inhomogeneous shape after ${depth} dimension${depth === 1 ? '' : 's'}. The detected shape was (${shape.slice(0, depth).join(', ')}${depth === 1 ? ',' : ''}) + inhomogeneous part.`,
      span,
    );
  };
  const walk = (x: PyValue, depth: number): void => {
    if (x instanceof PyList || x instanceof PyTuple || x instanceof PyIterator) {
      if (depth >= shape.length || x.items.length !== shape[depth]) inhomogeneous(depth);
      for (const y of x.items) walk(y, depth + 1);
      return;
    }
    if (x instanceof NDArray) {
      const rest = shape.slice(depth);
      if (rest.length !== x.shape.length || rest.some((d, i) => d !== x.shape[i])) inhomogeneous(depth);
      inferred = inferred === null ? x.dtype : promoteTypes(inferred, x.dtype);
      values.set(x.data as never, k);
      k += x.data.length;
      return;
    }
    if (depth !== shape.length) inhomogeneous(depth);
    if (typeof x === 'bigint' || typeof x === 'number' || typeof x === 'boolean') {
      const d = pythonScalarDType(x);
      inferred = inferred === null ? d : promoteTypes(inferred, d);
      values[k++] = numberOf(x, span);
      return;
    }
    convertToArray(rt, x, span); // says why this element cannot be in an array
  };
  walk(v, 0);
  const from: NpDType = inferred ?? 'float64';
  const target = dtype ?? from;
  const data = castData(castData(values, 'float64', from), from, target);
  return new NDArray(target, shape, data);
}

/** The element count of an array of `shape`, or the budget's error when it is over it;
 *  `what` says what is counted when it is not one array's elements (np.array_split's pieces). */
export function checkArraySize(
  rt: Interpreter,
  shape: readonly number[],
  span: Span,
  what = (count: string) => `an array of ${count} elements is`,
): number {
  const size = shape.reduce((a, d) => a * d, 1);
  if (size > rt.rt.budgets.maxElements) {
    throw new BuildError(
      `${what(formatCount(size))} over the ${formatCount(rt.rt.budgets.maxElements)}-element budget ${raiseHint('maxElements')}`,
      span,
      'budget-elements',
    );
  }
  return size;
}
