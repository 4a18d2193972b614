// NumPy's `_rand_<dtype>` (random/_bounded_integers.pyx), behind RandomState.randint and
// Generator.integers: bounds as NumPy converts and checks them (NumPy 1.24's messages;
// "high <= 0" for a zero `low` is from 1.21 on, earlier versions say "low >= high"), one
// algorithm per dtype width (bounded.ts), scalar bounds or broadcast arrays of bounds.
//
// Values come back in a Float64Array when every value the bounds allow lies within
// ±(2^53 − 1) (decided from the bounds, before drawing: for any sane bound), otherwise in a
// BigInt64Array (int64) or BigUint64Array (uint64).

import {
  type ArrayArg,
  BroadcastWalk,
  broadcastShapes,
  checkedShape,
  isArrayArg,
  pythonTuple,
  type RandomArray,
  scalarIfZeroDimensional,
  type Size,
} from './arguments';
import type { BitGenerator, Word64 } from './bitGenerator';
import { BoundedDraw, type IntegerBits } from './bounded';
import { NumpyError } from './errors';

export type IntegerDType = 'int64' | 'int32' | 'int16' | 'int8' | 'uint64' | 'uint32' | 'uint16' | 'uint8' | 'bool';

/** A bound: a Python int (number or bigint; a float is truncated as int() does) or an array. */
export type IntegerParam = number | bigint | ArrayArg<number | bigint>;

export type IntegerData = Float64Array | BigInt64Array | BigUint64Array;

export type IntegerArray = RandomArray<IntegerDType, IntegerData>;

interface IntegerType {
  readonly bits: IntegerBits;
  readonly min: bigint;
  readonly max: bigint;
}

const signed = (bits: 8 | 16 | 32 | 64): IntegerType => ({ bits, min: -(1n << BigInt(bits - 1)), max: (1n << BigInt(bits - 1)) - 1n });
const unsigned = (bits: 8 | 16 | 32 | 64): IntegerType => ({ bits, min: 0n, max: (1n << BigInt(bits)) - 1n });

export const INTEGER_TYPES: Readonly<Record<IntegerDType, IntegerType>> = {
  int64: signed(64),
  int32: signed(32),
  int16: signed(16),
  int8: signed(8),
  uint64: unsigned(64),
  uint32: unsigned(32),
  uint16: unsigned(16),
  uint8: unsigned(8),
  bool: { bits: 1, min: 0n, max: 1n },
};

const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Python's int(x) for a bound. */
export function pythonInt(value: number | bigint): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value !== 'number') {
    throw new NumpyError(
      'TypeError',
      `int() argument must be a string, a bytes-like object or a real number, not '${pythonTypeName(value)}'`,
    );
  }
  if (Number.isNaN(value)) throw new NumpyError('ValueError', 'cannot convert float NaN to integer');
  if (!Number.isFinite(value)) throw new NumpyError('OverflowError', 'cannot convert float infinity to integer');
  return BigInt(Math.trunc(value));
}

/** The Python type name of a value that reached us where a number was expected. */
export function pythonTypeName(value: unknown): string {
  return value === null || value === undefined ? 'NoneType' : typeof value === 'string' ? 'str' : typeof value;
}

function boundsMessage(closed: boolean, lowIsZero: boolean): string {
  if (lowIsZero) return closed ? 'high < 0' : 'high <= 0';
  return closed ? 'low > high' : 'low >= high';
}

export interface IntegerRequest {
  readonly low: IntegerParam;
  readonly high: IntegerParam;
  readonly size: Size;
  readonly dtype: IntegerDType;
  /** Masked rejection (RandomState) or Lemire's algorithm (Generator). */
  readonly masked: boolean;
  /** high is included (Generator's endpoint=True). */
  readonly closed: boolean;
  readonly maxElements: number;
  readonly what: string;
}

/** Writes low + value (value in [0, rng]) for each element. */
class IntegerWriter {
  private readonly words: Uint32Array | undefined;

  constructor(readonly data: IntegerData) {
    this.words = data instanceof Float64Array ? undefined : new Uint32Array(data.buffer);
  }

  /** `low` as a number when data is a Float64Array, `offHi`/`offLo` its 64-bit two's
   *  complement otherwise. */
  write(i: number, low: number, offHi: number, offLo: number, valueHi: number, valueLo: number): void {
    if (this.words === undefined) {
      // Both steps stay within the bounds, so both are exact.
      this.data[i] = low + valueHi * 4294967296 + valueLo;
      return;
    }
    const lo = offLo + valueLo;
    const carry = lo >= 4294967296 ? 1 : 0;
    this.words[2 * i] = lo >>> 0;
    this.words[2 * i + 1] = (offHi + valueHi + carry) >>> 0;
  }
}

function allocate(dtype: IntegerDType, count: number, lowest: bigint, highest: bigint): IntegerData {
  if (lowest >= -SAFE && highest <= SAFE) return new Float64Array(count);
  return dtype === 'uint64' ? new BigUint64Array(count) : new BigInt64Array(count);
}

function emptyResult(dtype: IntegerDType, shape: number[]): IntegerArray {
  return { dtype, shape, data: new Float64Array(0), scalar: false };
}

/** One element's range: rng = high − low as 32-bit halves, and low as the writer needs it. */
class ElementRange {
  lowNumber = 0;
  offHi = 0;
  offLo = 0;
  rngHi = 0;
  rngLo = 0;

  set(low: bigint, highInclusive: bigint): void {
    const rng = highInclusive - low;
    this.rngHi = Number(rng >> 32n);
    this.rngLo = Number(rng & 0xffffffffn);
    this.lowNumber = Number(low);
    const off = BigInt.asUintN(64, low);
    this.offHi = Number(off >> 32n);
    this.offLo = Number(off & 0xffffffffn);
  }
}

function drawInto(writer: IntegerWriter, i: number, range: ElementRange, draw: BoundedDraw, word: Word64): void {
  if (range.rngHi === 0) {
    writer.write(i, range.lowNumber, range.offHi, range.offLo, 0, draw.draw());
  } else {
    draw.draw64(word);
    writer.write(i, range.lowNumber, range.offHi, range.offLo, word.hi, word.lo);
  }
}

export function boundedIntegers(bitgen: BitGenerator, request: IntegerRequest): IntegerArray {
  const { dtype, closed, size, maxElements, what } = request;
  if (!Object.hasOwn(INTEGER_TYPES, dtype)) {
    throw new NumpyError('TypeError', `Unsupported dtype dtype('${dtype}') for ${what}`);
  }
  const type = INTEGER_TYPES[dtype];
  let sizeShape: number[] | undefined;
  if (size !== null && size !== undefined) {
    sizeShape = typeof size === 'number' ? [size] : [...size];
    if (sizeShape.reduce((a, b) => a * b, 1) === 0) {
      checkedShape(sizeShape, maxElements, what);
      return emptyResult(dtype, sizeShape);
    }
  }
  const low = scalarIfZeroDimensional(request.low);
  const high = scalarIfZeroDimensional(request.high);
  if (isArrayArg(low) || isArrayArg(high)) return broadcastIntegers(bitgen, request, low, high, sizeShape);

  const lowInt = pythonInt(low);
  let highInt = pythonInt(high);
  if (!closed) highInt -= 1n;
  if (lowInt < type.min) throw new NumpyError('ValueError', `low is out of bounds for ${dtype}`);
  if (highInt > type.max) throw new NumpyError('ValueError', `high is out of bounds for ${dtype}`);
  if (lowInt > highInt) throw new NumpyError('ValueError', boundsMessage(closed, lowInt === 0n));

  const shape = sizeShape ?? [];
  const count = sizeShape === undefined ? 1 : checkedShape(sizeShape, maxElements, `${what} with size ${pythonTuple(sizeShape)}`);
  const data = allocate(dtype, count, lowInt, highInt);
  const writer = new IntegerWriter(data);
  const range = new ElementRange();
  range.set(lowInt, highInt);
  const draw = new BoundedDraw(bitgen, type.bits, request.masked);
  draw.setRange(range.rngHi, range.rngLo);
  const word: Word64 = { hi: 0, lo: 0 };
  for (let i = 0; i < count; i++) drawInto(writer, i, range, draw, word);
  return { dtype, shape, data, scalar: sizeShape === undefined };
}

function integerElements(value: number | bigint | ArrayArg<number | bigint>): bigint[] {
  if (!isArrayArg(value)) return [pythonInt(value)];
  const out: bigint[] = [];
  for (let i = 0; i < value.data.length; i++) out.push(pythonInt(value.data[i]));
  return out;
}

function broadcastIntegers(
  bitgen: BitGenerator,
  request: IntegerRequest,
  low: IntegerParam,
  high: IntegerParam,
  sizeShape: number[] | undefined,
): IntegerArray {
  const { dtype, closed, maxElements, what } = request;
  const type = INTEGER_TYPES[dtype];
  const lows = integerElements(low);
  const highs = integerElements(high).map((h) => (closed ? h : h - 1n));
  if (lows.some((l) => l < type.min)) throw new NumpyError('ValueError', `low is out of bounds for ${dtype}`);
  if (highs.some((h) => h > type.max)) throw new NumpyError('ValueError', `high is out of bounds for ${dtype}`);
  const lowShape = isArrayArg(low) ? low.shape : [];
  const highShape = isArrayArg(high) ? high.shape : [];
  const paramShape = broadcastShapes([lowShape, highShape]);
  const pairs = new BroadcastWalk(paramShape, [lowShape, highShape]);
  const pairCount = paramShape.reduce((a, b) => a * b, 1);
  for (let i = 0; i < pairCount; i++, pairs.advance()) {
    if (lows[pairs.offsets[0]] > highs[pairs.offsets[1]]) {
      throw new NumpyError(
        'ValueError',
        boundsMessage(
          closed,
          lows.every((l) => l === 0n),
        ),
      );
    }
  }
  let shape = paramShape;
  if (sizeShape !== undefined) {
    const joint = broadcastShapes([lowShape, highShape, sizeShape]);
    if (pythonTuple(joint) !== pythonTuple(sizeShape)) {
      throw new NumpyError(
        'ValueError',
        `Output size ${pythonTuple(sizeShape)} is not compatible with broadcast dimensions of inputs ${pythonTuple(joint)}.`,
      );
    }
    shape = sizeShape;
  }
  const count = checkedShape(shape, maxElements, what);
  const lowest = lows.reduce((a, b) => (b < a ? b : a), 0n);
  const highest = highs.reduce((a, b) => (b > a ? b : a), 0n);
  const data = allocate(dtype, count, lowest, highest);
  const writer = new IntegerWriter(data);
  const walk = new BroadcastWalk(shape, [lowShape, highShape]);
  const draw = new BoundedDraw(bitgen, type.bits, request.masked);
  const range = new ElementRange();
  const word: Word64 = { hi: 0, lo: 0 };
  let lastLow = -1;
  let lastHigh = -1;
  for (let i = 0; i < count; i++) {
    const li = walk.offsets[0];
    const hi = walk.offsets[1];
    if (li !== lastLow || hi !== lastHigh) {
      range.set(lows[li], highs[hi]);
      draw.setRange(range.rngHi, range.rngLo);
      lastLow = li;
      lastHigh = hi;
    }
    drawInto(writer, i, range, draw, word);
    walk.advance();
  }
  return { dtype, shape, data, scalar: false };
}
