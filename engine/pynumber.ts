// Python's numbers as Python computes them. A literal in either front end (`1. / 3.`,
// `2 ** 40`, `x_dims * 2`) is a Python value until it meets a tensor: ints are exact (any
// size), floats are doubles, bools are ints that print as True/False, and arithmetic between
// them follows Python (true division, floor division and modulo with the divisor's sign,
// int ** negative int is a float, errors such as ZeroDivisionError). Only when a value meets
// a dtype is it converted, with TensorFlow's rules (engine/builder.ts `castWeak`).
//
// The representation is JavaScript's own primitives: a Python int is a bigint, a float is a
// number, a bool is a boolean.

import { type DType, INT64_EXACT_MAX } from './tensor';
import { formatFloatScalar } from './format/numpy';
import { pow } from './pow';

export type PyNumber = bigint | number | boolean;

export type PyBinaryOp = '+' | '-' | '*' | '/' | '//' | '%' | '**' | '<' | '<=' | '>' | '>=' | '==' | '!=' | 'and' | 'or';
export type PyUnaryOp = '-' | '+' | 'not' | '~';

/** An exception Python would raise: `type` is its class (ZeroDivisionError, OverflowError,
 *  ValueError, TypeError), `message` its text. */
export class PyError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }

  /** `ZeroDivisionError: division by zero`, as Python prints it. */
  get text(): string {
    return `${this.type}: ${this.message}`;
  }
}

/** Integers longer than this (in bits) are refused: Python would make them, but a literal
 *  such as `2 ** 10 ** 9` must not stall the analysis. */
export const MAX_INT_BITS = 1 << 16;

const INT32_MIN = -(2n ** 31n);
const INT32_MAX = 2n ** 31n - 1n;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

export function isPyInt(v: PyNumber): v is bigint {
  return typeof v === 'bigint';
}

export function isPyFloat(v: PyNumber): v is number {
  return typeof v === 'number';
}

/** `int(v)` for an int or bool (bools are ints in Python). */
function asInt(v: bigint | boolean): bigint {
  return typeof v === 'boolean' ? (v ? 1n : 0n) : v;
}

/** `float(v)`: exact for floats, correctly rounded for ints (OverflowError past the doubles). */
export function pyFloat(v: PyNumber): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  const x = Number(v);
  if (!Number.isFinite(x)) throw new PyError('OverflowError', 'int too large to convert to float');
  return x;
}

/** The number of bits of |v| (Python's `int.bit_length`). */
export function bitLength(v: bigint): number {
  if (v < 0n) v = -v;
  if (v === 0n) return 0;
  const hex = v.toString(16);
  // Leading zero bits of the first hex digit (1..15) within its 4 bits.
  return hex.length * 4 - (Math.clz32(parseInt(hex[0], 16)) - 28);
}

function tooLarge(): PyError {
  return new PyError('OverflowError', `the integer has more than ${MAX_INT_BITS} bits, past what tgraph computes with`);
}

function checkedInt(v: bigint): bigint {
  if (bitLength(v) > MAX_INT_BITS) throw tooLarge();
  return v;
}

/** x * 2^e without overflow or underflow in the scaling factor. */
function ldexp(x: number, e: number): number {
  while (e > 1000) {
    x *= 2 ** 1000;
    e -= 1000;
  }
  while (e < -1000) {
    x *= 2 ** -1000;
    e += 1000;
  }
  return x * 2 ** e;
}

/** a / b for ints, correctly rounded as Python's int true division. */
function intTrueDivide(a: bigint, b: bigint): number {
  if (b === 0n) throw new PyError('ZeroDivisionError', 'division by zero');
  const safe = (v: bigint) => v <= BigInt(INT64_EXACT_MAX) && v >= -BigInt(INT64_EXACT_MAX);
  if (safe(a) && safe(b)) return Number(a) / Number(b);
  const negative = a < 0n !== b < 0n;
  if (a < 0n) a = -a;
  if (b < 0n) b = -b;
  if (a === 0n) return negative ? -0 : 0;
  // A quotient of 56 or 57 bits plus a sticky bit for the remainder: converting it to a
  // double rounds once, to nearest, as the exact quotient would.
  const shift = 57 - (bitLength(a) - bitLength(b));
  const num = shift >= 0 ? a << BigInt(shift) : a;
  const den = shift >= 0 ? b : b << BigInt(-shift);
  let q = num / den;
  if (num % den !== 0n) q |= 1n;
  const x = ldexp(Number(q), -shift);
  if (!Number.isFinite(x)) throw new PyError('OverflowError', 'integer division result too large for a float');
  return negative ? -x : x;
}

function intFloorDivide(a: bigint, b: bigint): bigint {
  if (b === 0n) throw new PyError('ZeroDivisionError', 'integer division or modulo by zero');
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

function intModulo(a: bigint, b: bigint): bigint {
  if (b === 0n) throw new PyError('ZeroDivisionError', 'integer division or modulo by zero');
  const r = a % b;
  return r !== 0n && r < 0n !== b < 0n ? r + b : r;
}

function copySign(x: number, sign: number): number {
  return sign < 0 || Object.is(sign, -0) ? -Math.abs(x) : Math.abs(x);
}

/** Python's float divmod (Objects/floatobject.c): the quotient floored, the remainder with
 *  the divisor's sign. */
function floatDivmod(vx: number, wx: number, what: string): [number, number] {
  if (wx === 0) throw new PyError('ZeroDivisionError', what);
  return divmodSteps(vx, wx, (v) => v);
}

/** NumPy's floor_divide of floats (npy_divmod, Python's steps with each one rounded by `round`
 *  to the arrays' precision: Math.fround for float32): 7 // 0.1 is 69, where floor(7 / 0.1)
 *  is 70; a zero divisor gives x / y (inf or NaN) instead of raising. */
export function npyFloorDivide(vx: number, wx: number, round: (v: number) => number): number {
  return wx === 0 ? round(vx / wx) : divmodSteps(vx, wx, round)[0];
}

function divmodSteps(vx: number, wx: number, round: (v: number) => number): [number, number] {
  let mod = vx % wx;
  let div = round(round(vx - mod) / wx);
  // (C's `if (mod)`: NaN counts as true.)
  if (mod !== 0) {
    if (wx < 0 !== mod < 0) {
      mod = round(mod + wx);
      div = round(div - 1);
    }
  } else {
    mod = copySign(0, wx);
  }
  let floorDiv: number;
  if (div !== 0) {
    floorDiv = Math.floor(div);
    if (round(div - floorDiv) > 0.5) floorDiv += 1;
  } else {
    floorDiv = copySign(0, vx / wx);
  }
  return [floorDiv, mod];
}

/** Python's float ** float (Objects/floatobject.c): C's pow, correctly rounded (engine/pow.ts),
 *  with Python's errors where the arguments are finite. */
function floatPow(x: number, y: number): number {
  if (!Number.isFinite(x) || !Number.isFinite(y)) return pow(x, y);
  if (x === 0 && y < 0) throw new PyError('ZeroDivisionError', '0.0 cannot be raised to a negative power');
  if (x < 0 && !Number.isInteger(y)) {
    throw new PyError('ValueError', 'a negative number to a fractional power is complex in Python; tgraph has no complex numbers');
  }
  const r = pow(x, y);
  if (!Number.isFinite(r)) throw new PyError('OverflowError', "(34, 'Numerical result out of range')");
  return r;
}

function intPow(a: bigint, b: bigint): PyNumber {
  if (b < 0n) {
    if (a === 0n) throw new PyError('ZeroDivisionError', '0.0 cannot be raised to a negative power');
    return floatPow(pyFloat(a), pyFloat(b));
  }
  const magnitude = a < 0n ? -a : a;
  if (magnitude > 1n && Number(b) * (bitLength(magnitude) - 1) > MAX_INT_BITS) throw tooLarge();
  return a ** b;
}

/** Compares an int with a float exactly, as Python does (not through a rounded float). */
function compareIntFloat(i: bigint, f: number): number {
  if (f !== f) return NaN;
  if (f === Infinity) return -1;
  if (f === -Infinity) return 1;
  const floor = Math.floor(f);
  const fi = BigInt(floor);
  if (i < fi) return -1;
  if (i > fi) return 1;
  return f === floor ? 0 : -1;
}

/** <0, 0, >0, or NaN when unordered (a NaN operand). */
function compare(a: PyNumber, b: PyNumber): number {
  if (typeof a === 'number' || typeof b === 'number') {
    if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : a === b ? 0 : NaN;
    if (typeof a === 'number') return -compareIntFloat(asInt(b as bigint | boolean), a);
    return compareIntFloat(asInt(a), b as number);
  }
  const x = asInt(a);
  const y = asInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export function pyTruthy(v: PyNumber): boolean {
  return typeof v === 'boolean' ? v : typeof v === 'bigint' ? v !== 0n : v !== 0;
}

/** `a op b` in Python. Throws PyError for what Python raises. */
export function pyBinary(op: PyBinaryOp, a: PyNumber, b: PyNumber): PyNumber {
  switch (op) {
    case 'and':
      return pyTruthy(a) ? b : a;
    case 'or':
      return pyTruthy(a) ? a : b;
    case '<':
      return compare(a, b) < 0;
    case '<=':
      return compare(a, b) <= 0;
    case '>':
      return compare(a, b) > 0;
    case '>=':
      return compare(a, b) >= 0;
    case '==':
      return compare(a, b) === 0;
    case '!=':
      return !(compare(a, b) === 0);
  }
  if (typeof a !== 'number' && typeof b !== 'number') {
    const x = asInt(a);
    const y = asInt(b);
    switch (op) {
      case '+':
        return checkedInt(x + y);
      case '-':
        return checkedInt(x - y);
      case '*':
        if (bitLength(x) + bitLength(y) > MAX_INT_BITS + 1) throw tooLarge();
        return checkedInt(x * y);
      case '/':
        return intTrueDivide(x, y);
      case '//':
        return intFloorDivide(x, y);
      case '%':
        return intModulo(x, y);
      case '**':
        return intPow(x, y);
    }
  }
  const x = pyFloat(a);
  const y = pyFloat(b);
  switch (op) {
    case '+':
      return x + y;
    case '-':
      return x - y;
    case '*':
      return x * y;
    case '/':
      if (y === 0) throw new PyError('ZeroDivisionError', 'float division by zero');
      return x / y;
    case '//':
      return floatDivmod(x, y, 'float floor division by zero')[0];
    case '%':
      return floatDivmod(x, y, 'float modulo')[1];
    case '**':
      return floatPow(x, y);
  }
}

export function pyUnary(op: PyUnaryOp, a: PyNumber): PyNumber {
  switch (op) {
    case 'not':
      return !pyTruthy(a);
    case '+':
      return typeof a === 'boolean' ? asInt(a) : a;
    case '-':
      return typeof a === 'number' ? -a : -asInt(a);
    case '~':
      if (typeof a === 'number') throw new PyError('TypeError', "bad operand type for unary ~: 'float'");
      return -asInt(a) - 1n;
  }
}

/** `str(v)` (and `repr(v)`): `3`, `0.1`, `1e-05`, `True`. */
export function pyStr(v: PyNumber): string {
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'bigint') return v.toString();
  return formatFloatScalar(v, false);
}

/** A Python numeric literal (`3`, `1_000`, `0x1F`, `0o17`, `0b101`, `2.5`, `.5`, `1e-3`) as
 *  its value; undefined for what is not one (imaginary `2j` included). */
export function parsePyNumber(text: string): PyNumber | undefined {
  if (text.includes('_')) {
    // One underscore at a time, between digits (or after a base prefix).
    if (/__|^_|_$|[^0-9a-zA-Z]_|_[^0-9a-zA-Z]/.test(text)) return undefined;
    text = text.replace(/_/g, '');
  }
  if (/^0[xX][0-9a-fA-F]+$|^0[oO][0-7]+$|^0[bB][01]+$/.test(text)) return BigInt(text);
  if (/^[0-9]+$/.test(text)) {
    // Python refuses leading zeros in a decimal int (`007`), but `000` is 0.
    if (text.length > 1 && text[0] === '0' && /[1-9]/.test(text)) return undefined;
    return BigInt(text);
  }
  if (/^([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/.test(text)) return Number(text);
  return undefined;
}

/** The dtype `tf.constant(v)` gives a Python number: bool, float32 for a float, int32 for an
 *  int that fits, else int64 (TensorFlow's conversion tries int32 first). */
export function pyDefaultDType(v: PyNumber): DType {
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return 'float32';
  return v >= INT32_MIN && v <= INT32_MAX ? 'int32' : 'int64';
}

/** The value a Python number takes in a tensor of `dtype`, with TensorFlow's refusals: an
 *  int outside the dtype's range, a fractional float for an integer dtype, a number for bool.
 *  Also refuses an int64 beyond ±(2^53 - 1), which tgraph cannot hold exactly. float32 values
 *  are returned as doubles (the tensor's store rounds them). */
export function pyToDType(v: PyNumber, dtype: DType): number {
  switch (dtype) {
    case 'bool':
      if (typeof v !== 'boolean') throw new PyError('TypeError', `cannot convert the number ${pyStr(v)} to bool`);
      return v ? 1 : 0;
    case 'int32':
    case 'int64': {
      if (typeof v === 'boolean') throw new PyError('TypeError', `cannot convert ${pyStr(v)} to ${dtype}`);
      let i: bigint;
      if (typeof v === 'number') {
        if (!Number.isInteger(v))
          throw new PyError('TypeError', `cannot convert ${pyStr(v)} to ${dtype} (a float literal where an ${dtype} tensor is expected)`);
        i = BigInt(v);
      } else i = v;
      const [lo, hi] = dtype === 'int32' ? [INT32_MIN, INT32_MAX] : [INT64_MIN, INT64_MAX];
      if (i < lo || i > hi) {
        throw new PyError(
          'OverflowError',
          `cannot convert ${pyStr(v)} to ${dtype}: it is outside the range of ${dtype}${dtype === 'int32' ? ' (an int64 tensor holds it)' : ''}`,
        );
      }
      if (dtype === 'int64' && (i > BigInt(INT64_EXACT_MAX) || i < -BigInt(INT64_EXACT_MAX))) {
        throw new PyError('OverflowError', `cannot hold ${pyStr(v)} exactly: tgraph's int64 is exact only within ±(2^53 - 1)`);
      }
      return Number(i);
    }
    case 'float32':
    case 'float64':
      return pyFloat(v);
  }
}
