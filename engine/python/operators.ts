// Python's operators on Python's own values: exact integers, doubles, bools (an int
// subclass), strings, lists and tuples. Library objects (arrays, tensors) take their
// operators first through their `binaryOp` (interpreter.ts); what reaches here is plain
// Python.

import type { Span } from '../syntax/ast';
import { type OpSite, PyBuiltin, PyDict, PyList, PyObject, PyRange, PyTuple, type PyValue, typeName } from './values';
import { type PyErrorKind, pyError } from './errors';
import { formatSpec, pyRepr, pyStr } from './format';
import { MAX_INT_BITS, type PyBinaryOp, PyError, bitLength, pyBinary, pyFloat, pyUnary } from '../pynumber';
import type { Interpreter } from './interpreter';

function isNumber(v: PyValue): v is bigint | number | boolean {
  return typeof v === 'bigint' || typeof v === 'number' || typeof v === 'boolean';
}

function asBig(v: bigint | boolean): bigint {
  return typeof v === 'boolean' ? (v ? 1n : 0n) : v;
}

/** A Python int or bool as a double (OverflowError past the double range, as Python). */
export function toFloat(v: bigint | number | boolean, span: Span): number {
  return pyNumberOp(() => pyFloat(v), span);
}

/** Runs Python's number arithmetic (engine/pynumber.ts), its exceptions as diagnostics. */
function pyNumberOp<T>(op: () => T, span: Span, zeroSpan = span): T {
  try {
    return op();
  } catch (e) {
    if (!(e instanceof PyError)) throw e;
    const kind = (
      ['ZeroDivisionError', 'OverflowError', 'ValueError', 'TypeError'].includes(e.type) ? e.type : 'ValueError'
    ) as PyErrorKind;
    throw pyError(kind, e.message, kind === 'ZeroDivisionError' ? zeroSpan : span);
  }
}

function checkedShift(x: bigint, y: bigint, span: Span): bigint {
  if (y < 0n) throw pyError('ValueError', 'negative shift count', span);
  if (BigInt(bitLength(x)) + y > BigInt(MAX_INT_BITS))
    throw pyError('OverflowError', "int too large (tgraph's bound on Python ints)", span);
  return x << y;
}

export function pythonBinary(rt: Interpreter, op: string, a: PyValue, b: PyValue, site: OpSite): PyValue {
  if (isNumber(a) && isNumber(b)) return numberBinary(op, a, b, site);
  if (op === '+') {
    if (typeof a === 'string' && typeof b === 'string') return a + b;
    if (a instanceof PyList && b instanceof PyList) return new PyList([...a.items, ...b.items]);
    if (a instanceof PyTuple && b instanceof PyTuple) return new PyTuple([...a.items, ...b.items]);
  }
  if (op === '*') {
    const seq =
      typeof a === 'string' || a instanceof PyList || a instanceof PyTuple
        ? a
        : typeof b === 'string' || b instanceof PyList || b instanceof PyTuple
          ? b
          : null;
    const times = seq === a ? b : a;
    if (seq !== null && (typeof times === 'bigint' || typeof times === 'boolean')) {
      const n = Math.max(0, Number(asBig(times)));
      const len = typeof seq === 'string' ? seq.length : (seq as PyList).items.length;
      if (n * len > rt.rt.budgets.maxElements) {
        throw pyError(
          'OverflowError',
          `repeating a sequence of ${len} ${n} times is over the ${rt.rt.budgets.maxElements}-element budget (raise tgraph.maxElements)`,
          site.span,
        );
      }
      if (typeof seq === 'string') return seq.repeat(n);
      const items: PyValue[] = [];
      for (let i = 0; i < n; i++) items.push(...(seq as PyList).items);
      return seq instanceof PyTuple ? new PyTuple(items) : new PyList(items);
    }
  }
  if (op === '%' && typeof a === 'string') return percentFormat(a, b, site);
  throw pyError('TypeError', `unsupported operand type(s) for ${op}: '${typeName(a)}' and '${typeName(b)}'`, site.span);
}

const NUMBER_OPS = new Set(['+', '-', '*', '/', '//', '%', '**']);

function numberBinary(op: string, a: bigint | number | boolean, b: bigint | number | boolean, site: OpSite): PyValue {
  if (NUMBER_OPS.has(op)) return pyNumberOp(() => pyBinary(op as PyBinaryOp, a, b), site.span, site.rightSpan);
  if (typeof a !== 'number' && typeof b !== 'number') {
    // The bitwise operators (bools stay bools, as Python's).
    const x = asBig(a);
    const y = asBig(b);
    switch (op) {
      case '<<':
        return checkedShift(x, y, site.span);
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
  }
  throw pyError('TypeError', `unsupported operand type(s) for ${op}: '${typeName(a)}' and '${typeName(b)}'`, site.span);
}

export function pythonUnary(op: '-' | '+' | '~', v: PyValue, span: Span): PyValue {
  if (isNumber(v)) return pyNumberOp(() => pyUnary(op, v), span);
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
  if (isNumber(a) && isNumber(b)) return pyBinary('==', a, b) as boolean;
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
  // Two lookups of one type (`type(x) == float`, through `np.float` or the builtins) are one type.
  if (a instanceof PyBuiltin && b instanceof PyBuiltin && a.isInstance && b.isInstance) return a.name === b.name;
  return a === b;
}

function order(rt: Interpreter, a: PyValue, b: PyValue, op: string, site: OpSite): number {
  if (isNumber(a) && isNumber(b)) {
    if (pyBinary('<', a, b)) return -1;
    if (pyBinary('>', a, b)) return 1;
    return pyBinary('==', a, b) ? 0 : NaN;
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

export function truthOf(v: PyValue): boolean {
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
  return v instanceof PyObject;
}

/** `'%.3f loss %d' % (x, n)`: printf-style formatting of strings. */
function percentFormat(format: string, args: PyValue, site: OpSite): string {
  const values = args instanceof PyTuple ? args.items.slice() : [args];
  let k = 0;
  const next = (): PyValue => {
    if (k >= values.length) throw pyError('TypeError', 'not enough arguments for format string', site.span);
    return values[k++];
  };
  const out = format.replace(
    /%(\([^)]*\))?([-+ #0]*)(\*|\d+)?(?:\.(\*|\d+))?([diouxXeEfFgGcrsa%])/g,
    (_m, key: string | undefined, flags: string, width: string | undefined, precision: string | undefined, conv: string) => {
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
    },
  );
  if (k < values.length && !(args instanceof PyDict))
    throw pyError('TypeError', 'not all arguments converted during string formatting', site.span);
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
