// Python's operators on Python's own values: exact integers, doubles, bools (an int
// subclass), strings, lists and tuples. Library objects (arrays, tensors) take their
// operators first through their `binaryOp` (interpreter.ts); what reaches here is plain
// Python.

import type { Span } from '../syntax/ast';
import { type OpSite, PyDict, PyList, PyObject, PyRange, PyTuple, type PyValue, typeName } from './values';
import { OutsideSubset, pyError } from './errors';
import { floatRepr, formatSpec, pyRepr, pyStr } from './format';
import type { Interpreter } from './interpreter';

/** Integers larger than this many bits are refused: `2 ** 10 ** 9` would take minutes. */
export const MAX_INT_BITS = 100_000;

function isNumber(v: PyValue): v is bigint | number | boolean {
  return typeof v === 'bigint' || typeof v === 'number' || typeof v === 'boolean';
}

function asBig(v: bigint | boolean): bigint {
  return typeof v === 'boolean' ? (v ? 1n : 0n) : v;
}

/** A Python int or bool as a double (OverflowError past the double range, as Python). */
export function toFloat(v: bigint | number | boolean, span: Span): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  const f = Number(v);
  if (!Number.isFinite(f)) throw pyError('OverflowError', 'int too large to convert to float', span);
  return f;
}

function bitLength(v: bigint): number {
  return (v < 0n ? -v : v).toString(16).length * 4;
}

function checkedInt(v: bigint, span: Span): bigint {
  if (v > 1n << 64n || v < -(1n << 64n)) {
    if (bitLength(v) > MAX_INT_BITS) throw pyError('OverflowError', `integer result has more than ${MAX_INT_BITS} bits (tgraph's bound on Python ints)`, span);
  }
  return v;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return (a % b !== 0n && (a < 0n) !== (b < 0n)) ? q - 1n : q;
}

function floatMod(a: number, b: number): number {
  const r = a % b;
  return r !== 0 && (r < 0) !== (b < 0) ? r + b : r === 0 ? (b < 0 ? -0 : 0) : r;
}

export function pythonBinary(rt: Interpreter, op: string, a: PyValue, b: PyValue, site: OpSite): PyValue {
  if (isNumber(a) && isNumber(b)) return numberBinary(op, a, b, site);
  if (op === '+') {
    if (typeof a === 'string' && typeof b === 'string') return a + b;
    if (a instanceof PyList && b instanceof PyList) return new PyList([...a.items, ...b.items]);
    if (a instanceof PyTuple && b instanceof PyTuple) return new PyTuple([...a.items, ...b.items]);
  }
  if (op === '*') {
    const seq = typeof a === 'string' || a instanceof PyList || a instanceof PyTuple ? a : typeof b === 'string' || b instanceof PyList || b instanceof PyTuple ? b : null;
    const times = seq === a ? b : a;
    if (seq !== null && (typeof times === 'bigint' || typeof times === 'boolean')) {
      const n = Math.max(0, Number(asBig(times)));
      const len = typeof seq === 'string' ? seq.length : (seq as PyList).items.length;
      if (n * len > rt.rt.budgets.maxElements) {
        throw pyError('OverflowError', `repeating a sequence of ${len} ${n} times is over the ${rt.rt.budgets.maxElements}-element budget (raise tgraph.maxElements)`, site.span);
      }
      if (typeof seq === 'string') return seq.repeat(n);
      const items: PyValue[] = [];
      for (let i = 0; i < n; i++) items.push(...(seq as PyList).items);
      return seq instanceof PyTuple ? new PyTuple(items) : new PyList(items);
    }
  }
  if (op === '%' && typeof a === 'string') return percentFormat(rt, a, b, site);
  throw pyError('TypeError', `unsupported operand type(s) for ${op}: '${typeName(a)}' and '${typeName(b)}'`, site.span);
}

function numberBinary(op: string, a: bigint | number | boolean, b: bigint | number | boolean, site: OpSite): PyValue {
  const span = site.span;
  if (typeof a !== 'number' && typeof b !== 'number') {
    const x = asBig(a);
    const y = asBig(b);
    switch (op) {
      case '+':
        return checkedInt(x + y, span);
      case '-':
        return checkedInt(x - y, span);
      case '*':
        if (bitLength(x) + bitLength(y) > MAX_INT_BITS) throw pyError('OverflowError', `integer result has more than ${MAX_INT_BITS} bits (tgraph's bound on Python ints)`, span);
        return x * y;
      case '/':
        if (y === 0n) throw pyError('ZeroDivisionError', 'division by zero', site.rightSpan);
        return intTrueDivide(x, y, span);
      case '//':
        if (y === 0n) throw pyError('ZeroDivisionError', 'integer division or modulo by zero', site.rightSpan);
        return floorDiv(x, y);
      case '%': {
        if (y === 0n) throw pyError('ZeroDivisionError', 'integer division or modulo by zero', site.rightSpan);
        return x - floorDiv(x, y) * y;
      }
      case '**':
        if (y < 0n) {
          if (x === 0n) throw pyError('ZeroDivisionError', '0.0 cannot be raised to a negative power', span);
          return Math.pow(toFloat(x, span), Number(y));
        }
        if (x === 0n || x === 1n || x === -1n) return x === -1n ? (y % 2n === 0n ? 1n : -1n) : x;
        if (BigInt(bitLength(x)) * y > BigInt(MAX_INT_BITS)) throw pyError('OverflowError', `integer result has more than ${MAX_INT_BITS} bits (tgraph's bound on Python ints)`, span);
        return x ** y;
      case '<<':
        if (y < 0n) throw pyError('ValueError', 'negative shift count', site.rightSpan);
        if (BigInt(bitLength(x)) + y > BigInt(MAX_INT_BITS)) throw pyError('OverflowError', `integer result has more than ${MAX_INT_BITS} bits (tgraph's bound on Python ints)`, span);
        return x << y;
      case '>>':
        if (y < 0n) throw pyError('ValueError', 'negative shift count', site.rightSpan);
        return x >> y;
      case '&':
        return typeof a === 'boolean' && typeof b === 'boolean' ? a && b : x & y;
      case '|':
        return typeof a === 'boolean' && typeof b === 'boolean' ? a || b : x | y;
      case '^':
        return typeof a === 'boolean' && typeof b === 'boolean' ? a !== b : x ^ y;
    }
  } else {
    const x = toFloat(a, site.leftSpan);
    const y = toFloat(b, site.rightSpan);
    switch (op) {
      case '+':
        return x + y;
      case '-':
        return x - y;
      case '*':
        return x * y;
      case '/':
        if (y === 0) throw pyError('ZeroDivisionError', 'float division by zero', site.rightSpan);
        return x / y;
      case '//':
        if (y === 0) throw pyError('ZeroDivisionError', 'float floor division by zero', site.rightSpan);
        return Math.floor(x / y);
      case '%':
        if (y === 0) throw pyError('ZeroDivisionError', 'float modulo', site.rightSpan);
        return floatMod(x, y);
      case '**': {
        if (x === 0 && y < 0) throw pyError('ZeroDivisionError', '0.0 cannot be raised to a negative power', span);
        if (x < 0 && !Number.isInteger(y)) throw new OutsideSubset('a negative number to a fractional power (a complex number) is outside tgraph\'s subset', span);
        const r = Math.pow(x, y);
        if (!Number.isFinite(r) && Number.isFinite(x) && Number.isFinite(y)) throw pyError('OverflowError', '(34, \'Numerical result out of range\')', span);
        return r;
      }
    }
  }
  throw pyError('TypeError', `unsupported operand type(s) for ${op}: '${typeName(a)}' and '${typeName(b)}'`, span);
}

/** int / int, correctly rounded as Python's (exact operands beyond 2^53 too). */
function intTrueDivide(x: bigint, y: bigint, span: Span): number {
  const fx = Number(x);
  const fy = Number(y);
  if (Number.isSafeInteger(fx) && Number.isSafeInteger(fy)) return fx / fy;
  // Scale so that the quotient has 64 significant bits, then round once.
  const neg = (x < 0n) !== (y < 0n);
  const ax = x < 0n ? -x : x;
  const ay = y < 0n ? -y : y;
  const shift = BigInt(Math.max(0, 64 - (bitLength(ax) - bitLength(ay))));
  const q = (ax << shift) / ay;
  const r = Number(q) / 2 ** Number(shift);
  if (!Number.isFinite(r)) throw pyError('OverflowError', 'integer division result too large for a float', span);
  return neg ? -r : r;
}

export function pythonUnary(op: '-' | '+' | '~', v: PyValue, span: Span): PyValue {
  if (typeof v === 'bigint' || typeof v === 'boolean') {
    const x = asBig(v);
    return op === '-' ? -x : op === '+' ? x : -x - 1n;
  }
  if (typeof v === 'number' && op !== '~') return op === '-' ? -v : v;
  throw pyError('TypeError', `bad operand type for unary ${op}: '${typeName(v)}'`, span);
}

/** Python's `==`, `<`, ... on Python values. */
export function pythonCompare(rt: Interpreter, op: string, a: PyValue, b: PyValue, site: OpSite): PyValue {
  if (op === '==' || op === '!=') {
    const eq = pyEquals(rt, a, b, site);
    return op === '==' ? eq : !eq;
  }
  const c = order(rt, a, b, op, site);
  switch (op) {
    case '<':
      return c < 0;
    case '<=':
      return c <= 0;
    case '>':
      return c > 0;
    default:
      return c >= 0;
  }
}

export function pyEquals(rt: Interpreter, a: PyValue, b: PyValue, site: OpSite): boolean {
  if (isNumber(a) && isNumber(b)) {
    if (typeof a !== 'number' && typeof b !== 'number') return asBig(a) === asBig(b);
    const x = typeof a === 'number' ? a : a;
    const y = typeof b === 'number' ? b : b;
    if (typeof x === 'number' && typeof y === 'number') return x === y;
    // int vs float: exact
    const f = typeof x === 'number' ? x : (y as number);
    const i = asBig((typeof x === 'number' ? y : x) as bigint | boolean);
    return Number.isInteger(f) && BigInt(f) === i;
  }
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  if (a === null || b === null) return a === b;
  if ((a instanceof PyList && b instanceof PyList) || (a instanceof PyTuple && b instanceof PyTuple)) {
    if (a.items.length !== b.items.length) return false;
    return a.items.every((x, i) => rt.truth(rt.compare('==', x, b.items[i], site), site.span));
  }
  if (a instanceof PyDict && b instanceof PyDict) {
    if (a.entries.size !== b.entries.size) return false;
    for (const [k, e] of a.entries) {
      const other = b.entries.get(k);
      if (!other || !rt.truth(rt.compare('==', e.value, other.value, site), site.span)) return false;
    }
    return true;
  }
  if (a instanceof PyRange && b instanceof PyRange) return a.start === b.start && a.stop === b.stop && a.step === b.step;
  return a === b;
}

function order(rt: Interpreter, a: PyValue, b: PyValue, op: string, site: OpSite): number {
  if (isNumber(a) && isNumber(b)) {
    if (typeof a !== 'number' && typeof b !== 'number') {
      const x = asBig(a);
      const y = asBig(b);
      return x < y ? -1 : x > y ? 1 : 0;
    }
    const x = typeof a === 'number' ? a : toFloat(a, site.leftSpan);
    const y = typeof b === 'number' ? b : toFloat(b, site.rightSpan);
    if (x !== x || y !== y) return NaN;
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if ((a instanceof PyList && b instanceof PyList) || (a instanceof PyTuple && b instanceof PyTuple)) {
    const n = Math.min(a.items.length, b.items.length);
    for (let i = 0; i < n; i++) {
      if (pyEquals(rt, a.items[i], b.items[i], site)) continue;
      return rt.truth(rt.compare('<', a.items[i], b.items[i], site), site.span) ? -1 : 1;
    }
    return a.items.length - b.items.length;
  }
  throw pyError('TypeError', `'${op}' not supported between instances of '${typeName(a)}' and '${typeName(b)}'`, site.span);
}

export function truthOf(rt: Interpreter, v: PyValue, span: Span): boolean {
  switch (typeof v) {
    case 'bigint':
      return v !== 0n;
    case 'number':
      return v !== 0 && v === v ? true : v !== v;
    case 'boolean':
      return v;
    case 'string':
      return v.length > 0;
  }
  if (v === null) return false;
  if (v instanceof PyList || v instanceof PyTuple) return v.items.length > 0;
  if (v instanceof PyDict) return v.entries.size > 0;
  if (v instanceof PyRange) return v.count > 0n;
  void rt;
  void span;
  return v instanceof PyObject;
}

/** `'%.3f loss %d' % (x, n)`: printf-style formatting of strings. */
function percentFormat(rt: Interpreter, format: string, args: PyValue, site: OpSite): string {
  const values = args instanceof PyTuple ? args.items.slice() : [args];
  let k = 0;
  const next = (): PyValue => {
    if (k >= values.length) throw pyError('TypeError', 'not enough arguments for format string', site.span);
    return values[k++];
  };
  const out = format.replace(/%(\([^)]*\))?([-+ #0]*)(\*|\d+)?(?:\.(\*|\d+))?([diouxXeEfFgGcrsa%])/g, (_m, key: string | undefined, flags: string, width: string | undefined, precision: string | undefined, conv: string) => {
    if (conv === '%') return '%';
    let v: PyValue;
    if (key) {
      if (!(args instanceof PyDict)) throw pyError('TypeError', 'format requires a mapping', site.rightSpan);
      const got = args.get(key.slice(1, -1));
      if (got === undefined) throw pyError('KeyError', pyRepr(key.slice(1, -1)), site.rightSpan);
      v = got;
    } else v = next();
    const w = width === '*' ? Number(next()) : width;
    const p = precision === '*' ? Number(next()) : precision;
    let spec = '';
    if (flags.includes('-')) spec += '<';
    if (flags.includes('+')) spec += '+';
    else if (flags.includes(' ')) spec += ' ';
    if (flags.includes('0') && !flags.includes('-')) spec += '0';
    if (w !== undefined) spec += String(w);
    if (p !== undefined) spec += '.' + p;
    switch (conv) {
      case 's':
        return formatSpec(pyStr(v), spec.replace(/^</, '<'));
      case 'r':
      case 'a':
        return formatSpec(pyRepr(v), spec);
      case 'i':
      case 'u':
        return formatSpec(numberArg(v, site), spec + 'd');
      case 'c':
        return typeof v === 'string' ? v : String.fromCharCode(Number(v));
      default:
        return formatSpec(numberArg(v, site), spec + conv);
    }
  });
  if (k < values.length && !(args instanceof PyDict)) throw pyError('TypeError', 'not all arguments converted during string formatting', site.span);
  return out;
}

function numberArg(v: PyValue, site: OpSite): PyValue {
  if (isNumber(v)) return v;
  if (v instanceof PyObject && v.toNumber) {
    const n = v.toNumber();
    if (n !== undefined) return n;
  }
  throw pyError('TypeError', `a real number is required, not ${typeName(v)}`, site.rightSpan);
}

export { floatRepr };
