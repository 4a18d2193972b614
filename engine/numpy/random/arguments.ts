// Arguments as NumPy's random functions take them: `size` (None, an int or a tuple), array
// parameters that broadcast against each other and against `size`, and NumPy's messages
// when they do not (NumPy 1.24's wording; the checks themselves are the same from 1.17 on).

import { NumpyError, RandomBudgetError } from './errors';
import { largest } from '../../extremes';

/** NumPy's `size`: None (one value, returned as a scalar), an int, or a tuple of ints. */
export type Size = number | readonly number[] | null | undefined;

/** An n-dimensional array argument: row-major data and its shape. */
export interface ArrayArg<T = number> {
  readonly shape: readonly number[];
  readonly data: ArrayLike<T>;
  /** NumPy's dtype name, kept on values picked from the array (choice, permutation). */
  readonly dtype?: string;
}

/** A scalar or an array of numbers (a float parameter such as `loc`, `scale`, `low`). */
export type FloatParam = number | ArrayArg;

/** Every random function's result: row-major values and their shape. `scalar` is true when
 *  NumPy returns a scalar rather than an array (size None and scalar parameters). */
export interface RandomArray<D extends string = string, A = Float64Array> {
  readonly dtype: D;
  readonly shape: readonly number[];
  readonly data: A;
  readonly scalar: boolean;
}

export interface ResolvedSize {
  /** The output shape ([] when size is None). */
  readonly shape: number[];
  readonly count: number;
  /** size was None. */
  readonly isNone: boolean;
}

export function pythonTuple(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

/** Check a dimension list as NumPy's np.empty(size) does, and the caller's budget. */
export function checkedShape(dims: readonly number[], maxElements: number, what: string): number {
  for (const d of dims) {
    if (typeof d !== 'number' || !Number.isInteger(d)) {
      throw new NumpyError('TypeError', `'${typeof d === 'number' ? 'float' : typeof d}' object cannot be interpreted as an integer`);
    }
  }
  for (const d of dims) {
    if (d < 0) throw new NumpyError('ValueError', 'negative dimensions are not allowed');
  }
  let count = 1;
  for (const d of dims) count *= d;
  if (count > maxElements) throw new RandomBudgetError(count, maxElements, what);
  return count;
}

export function resolveSize(size: Size, maxElements: number, what: string): ResolvedSize {
  if (size === null || size === undefined) return { shape: [], count: 1, isNone: true };
  const shape = typeof size === 'number' ? [size] : [...size];
  return { shape, count: checkedShape(shape, maxElements, `${what} with size ${pythonTuple(shape)}`), isNone: false };
}

export function isArrayArg(value: unknown): value is ArrayArg<unknown> {
  return typeof value === 'object' && value !== null && 'shape' in value && 'data' in value;
}

export function shapeOf(value: number | bigint | ArrayArg<unknown>): readonly number[] {
  return isArrayArg(value) ? value.shape : [];
}

/** The broadcast of several shapes, or NumPy's "shape mismatch" error naming the first pair
 *  of arguments (in order) that disagree, as np.broadcast reports it. */
export function broadcastShapes(shapes: readonly (readonly number[])[]): number[] {
  const rank = Math.max(0, largest(shapes.map((s) => s.length)));
  const out = new Array<number>(rank).fill(1);
  for (let axis = 0; axis < rank; axis++) {
    let source = -1;
    for (let arg = 0; arg < shapes.length; arg++) {
      const shape = shapes[arg];
      const k = axis + shape.length - rank;
      if (k < 0 || shape[k] === 1) continue;
      if (out[axis] === 1) {
        out[axis] = shape[k];
        source = arg;
      } else if (out[axis] !== shape[k]) {
        throw new NumpyError(
          'ValueError',
          'shape mismatch: objects cannot be broadcast to a single shape.  Mismatch is between ' +
            `arg ${source} with shape ${pythonTuple(shapes[source])} and arg ${arg} with shape ${pythonTuple(shape)}.`,
        );
      }
    }
  }
  return out;
}

/** Walks an output shape in row-major order, giving the flat index of each broadcast
 *  argument's element (allocates once per call, nothing per element). */
export class BroadcastWalk {
  private readonly counter: Int32Array;
  private readonly strides: Int32Array[];
  /** The current element's flat index in each argument. */
  readonly offsets: Int32Array;

  constructor(
    private readonly outShape: readonly number[],
    argShapes: readonly (readonly number[])[],
  ) {
    const rank = outShape.length;
    this.counter = new Int32Array(rank);
    this.offsets = new Int32Array(argShapes.length);
    this.strides = argShapes.map((shape) => {
      const strides = new Int32Array(rank);
      let stride = 1;
      for (let k = shape.length - 1; k >= 0; k--) {
        const axis = k + rank - shape.length;
        strides[axis] = shape[k] === 1 ? 0 : stride;
        stride *= shape[k];
      }
      return strides;
    });
  }

  /** Move to the next output element. */
  advance(): void {
    for (let axis = this.outShape.length - 1; axis >= 0; axis--) {
      this.counter[axis]++;
      for (let a = 0; a < this.offsets.length; a++) this.offsets[a] += this.strides[a][axis];
      if (this.counter[axis] < this.outShape[axis]) return;
      for (let a = 0; a < this.offsets.length; a++) this.offsets[a] -= this.strides[a][axis] * this.counter[axis];
      this.counter[axis] = 0;
    }
  }
}

export type Constraint = 'none' | 'non-negative';

export interface FloatParamSpec {
  readonly value: FloatParam;
  /** The name NumPy's messages use ('scale', 'high - low'). */
  readonly name: string;
  readonly constraint: Constraint;
}

/** A 0-d array is a scalar to NumPy's random functions (the result is then a scalar too). */
export function scalarIfZeroDimensional<T>(value: T | ArrayArg<T>): T | ArrayArg<T> {
  return isArrayArg(value) && value.shape.length === 0 ? value.data[0] : value;
}

function violates(value: number, constraint: Constraint): boolean {
  // NumPy's CONS_NON_NEGATIVE: not NaN and the sign bit set (so -0.0 is refused too).
  return constraint === 'non-negative' && (value < 0 || Object.is(value, -0));
}

/** NumPy's `cont` for float distributions of float parameters: check the constraints, then
 *  draw one value per output element (row-major) with each parameter's broadcast element.
 *  `draw` receives the parameters' values in order. */
export function continuous(
  size: Size,
  params: readonly FloatParamSpec[],
  maxElements: number,
  what: string,
  draw: (a: number, b: number) => number,
): RandomArray<'float64'> {
  for (const p of params) {
    if (typeof p.value !== 'number' && !isArrayArg(p.value)) {
      throw new NumpyError('TypeError', `${p.name} must be a float or an array of floats`);
    }
    const values = typeof p.value === 'number' ? [p.value] : p.value.data;
    for (let i = 0; i < values.length; i++) {
      if (violates(values[i], p.constraint)) throw new NumpyError('ValueError', `${p.name} < 0`);
    }
  }
  const a = scalarIfZeroDimensional(params[0]?.value ?? 0);
  const b = scalarIfZeroDimensional(params[1]?.value ?? 0);
  if (typeof a === 'number' && typeof b === 'number') {
    const { shape, count, isNone } = resolveSize(size, maxElements, what);
    const data = new Float64Array(count);
    for (let i = 0; i < count; i++) data[i] = draw(a, b);
    return { dtype: 'float64', shape, data, scalar: isNone };
  }
  const paramShapes = params.map((p) => shapeOf(p.value));
  let shape: number[];
  if (size === null || size === undefined) {
    shape = broadcastShapes(paramShapes);
  } else {
    shape = typeof size === 'number' ? [size] : [...size];
    checkedShape(shape, maxElements, `${what} with size ${pythonTuple(shape)}`);
    const joint = broadcastShapes([shape, ...paramShapes]);
    if (pythonTuple(joint) !== pythonTuple(shape)) {
      throw new NumpyError(
        'ValueError',
        `Output size ${pythonTuple(shape)} is not compatible with broadcast dimensions of inputs ${pythonTuple(joint)}.`,
      );
    }
  }
  const count = checkedShape(shape, maxElements, what);
  const data = new Float64Array(count);
  const walk = new BroadcastWalk(shape, paramShapes);
  const aData = typeof a === 'number' ? [a] : a.data;
  const bData = typeof b === 'number' ? [b] : b.data;
  for (let i = 0; i < count; i++) {
    data[i] = draw(aData[walk.offsets[0]], bData[walk.offsets[1] ?? 0]);
    walk.advance();
  }
  return { dtype: 'float64', shape, data, scalar: false };
}

/** a − b with broadcasting (NumPy's np.subtract on float parameters), within the budget. */
export function subtract(a: FloatParam, b: FloatParam, maxElements: number, what: string): FloatParam {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  for (const [name, value] of [
    ['high', a],
    ['low', b],
  ] as const) {
    if (typeof value !== 'number' && !isArrayArg(value)) {
      throw new NumpyError('TypeError', `${name} must be a float or an array of floats`);
    }
  }
  const shapeA = shapeOf(a);
  const shapeB = shapeOf(b);
  let shape: number[];
  try {
    shape = broadcastShapes([shapeA, shapeB]);
  } catch {
    throw new NumpyError(
      'ValueError',
      `operands could not be broadcast together with shapes ${pythonTuple(shapeA)} ${pythonTuple(shapeB)} `,
    );
  }
  const count = checkedShape(shape, maxElements, what);
  const data = new Float64Array(count);
  const walk = new BroadcastWalk(shape, [shapeA, shapeB]);
  const aData = typeof a === 'number' ? [a] : a.data;
  const bData = typeof b === 'number' ? [b] : b.data;
  for (let i = 0; i < count; i++, walk.advance()) data[i] = aData[walk.offsets[0]] - bData[walk.offsets[1]];
  return { shape, data };
}

/** NumPy's uniform(low, high, size): low + (high − low) · U. A range that is not finite is
 *  refused (an OverflowError whose scalar-case wording differs between RandomState and
 *  Generator); the Generator also refuses a negative range ('high - low < 0'). */
export function uniformDraws(
  low: FloatParam,
  high: FloatParam,
  size: Size,
  maxElements: number,
  rule: { readonly scalarOverflow: string; readonly range: Constraint },
  nextDouble: () => number,
): RandomArray<'float64'> {
  const start = scalarIfZeroDimensional(low);
  const range = subtract(scalarIfZeroDimensional(high), start, maxElements, 'uniform');
  const values = typeof range === 'number' ? [range] : range.data;
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new NumpyError('OverflowError', typeof range === 'number' ? rule.scalarOverflow : 'Range exceeds valid bounds');
    }
  }
  return continuous(
    size,
    [
      { value: start, name: 'low', constraint: 'none' },
      { value: range, name: 'high - low', constraint: rule.range },
    ],
    maxElements,
    'uniform',
    (lowest, width) => lowest + width * nextDouble(),
  );
}

/** NumPy's normal(loc, scale, size): loc + scale · z for each standard normal z the
 *  generator gives (the legacy polar method or the ziggurat); scale must not be negative. */
export function normalDraws(
  loc: FloatParam,
  scale: FloatParam,
  size: Size,
  maxElements: number,
  standardNormal: () => number,
): RandomArray<'float64'> {
  return continuous(
    size,
    [
      { value: loc, name: 'loc', constraint: 'none' },
      { value: scale, name: 'scale', constraint: 'non-negative' },
    ],
    maxElements,
    'normal',
    (mean, deviation) => mean + deviation * standardNormal(),
  );
}
