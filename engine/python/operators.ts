// Python's operators on Python's own values: exact integers, doubles, bools (an int
// subclass), strings, lists and tuples. Library objects (arrays, tensors) take their
// operators first through their `binaryOp` (interpreter.ts); what reaches here is plain
// Python.

import type { Span } from '../syntax/ast';
import { type OpSite, PyBuiltin, PyDict, PyList, PyObject, PyRange, PyTuple, type PyValue, typeName } from './values';
import { rangesEqual } from './ranges';
import { type PyErrorKind, pyError } from './errors';
import { formatSpec, FormatTooLong, pyRepr, pyStr, ValueTooManyDigits } from './format';
import { MAX_INT_BITS, type PyBinaryOp, PyError, bitLength, pyBinary, pyFloat, pyUnary } from '../pynumber';
import type { Interpreter } from './interpreter';
import { BuildError } from '../builder';
import { formatCount, raiseHint } from '../budgets';

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
    if (typeof a === 'string' && typeof b === 'string') {
      checkSequenceSize(rt, a.length + b.length, site.span);
      return a + b;
    }
    if ((a instanceof PyList && b instanceof PyList) || (a instanceof PyTuple && b instanceof PyTuple)) {
      checkSequenceSize(rt, a.items.length + b.items.length, site.span);
      const items = a.items.concat(b.items);
      return a instanceof PyList ? new PyList(items) : new PyTuple(items);
    }
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
      checkSequenceSize(rt, n * len, site.span);
      // An empty sequence repeated 2**63 times is empty (the loop below would run 2**63 times).
      if (n * len === 0) return typeof seq === 'string' ? '' : seq instanceof PyTuple ? new PyTuple([]) : new PyList([]);
      if (typeof seq === 'string') return seq.repeat(n);
      const items: PyValue[] = [];
      for (let i = 0; i < n; i++) for (const x of (seq as PyList).items) items.push(x);
      return seq instanceof PyTuple ? new PyTuple(items) : new PyList(items);
    }
  }
  if (op === '%' && typeof a === 'string') {
    return percentFormat(rt, a, b, site);
  }
  throw pyError('TypeError', `unsupported operand type(s) for ${op}: '${typeName(a)}' and '${typeName(b)}'`, site.span);
}

/** `list += items` and `list.extend(items)`, within the element budget. */
export function extendList(rt: Interpreter, list: PyList, items: readonly PyValue[], span: Span): void {
  appendWithin(rt, list.items, items, span);
}

/** Appends `items` to `out` within the element budget, one at a time (`out.push(...items)`
 *  overflows V8's stack past ~100,000 items; `x = [*x, *x]` in a loop doubles each time). */
export function appendWithin(rt: Interpreter, out: PyValue[], items: readonly PyValue[], span: Span): void {
  const n = items.length; // `x.extend(x)` adds x's items once
  checkSequenceSize(rt, out.length + n, span);
  for (let i = 0; i < n; i++) out.push(items[i]);
}

/** `sep.join(parts)` within the element budget. */
export function joinStrings(rt: Interpreter, parts: readonly string[], sep: string, span: Span): string {
  let length = sep.length * Math.max(0, parts.length - 1);
  for (const p of parts) length += p.length;
  checkSequenceSize(rt, length, span);
  return parts.join(sep);
}

/** Strings, lists and tuples hold at most the element budget (a string doubled in a loop
 *  passes any length JavaScript can hold after thirty iterations). */
export function checkSequenceSize(rt: Interpreter, length: number, span: Span): void {
  const budget = rt.rt.budgets.maxElements;
  if (length > budget)
    throw pyError(
      'OverflowError',
      `a sequence of ${formatCount(length)} items is over the ${formatCount(budget)}-element budget ${raiseHint('maxElements')}`,
      span,
    );
}

/** `format(value, spec)` within the element budget: a width or precision past it (which Python
 *  would allocate, a gigabyte for 10**9) is said at `span`, where it came from. */
export function formatWithin(rt: Interpreter, value: PyValue, spec: string, span: Span): string {
  try {
    return formatSpec(value, spec, rt.rt.budgets.maxElements);
  } catch (e) {
    if (e instanceof FormatTooLong) {
      throw pyError(
        'OverflowError',
        `a format ${e.field} of ${formatCount(e.amount)} makes a string over the ${formatCount(e.budget)}-element budget ${raiseHint('maxElements')}`,
        span,
      );
    }
    if (e instanceof ValueTooManyDigits) throw pyError('ValueError', e.message, span);
    throw e;
  }
}

/** The text of a replacement field of an f-string or `str.format`: its conversion (`!r`, `!s`,
 *  `!a`) applied, then its spec (null: none, str() of it) within the element budget, a bad
 *  width or precision said at `span`. */
export function formatField(rt: Interpreter, value: PyValue, conversion: string | null, spec: string | null, span: Span): string {
  const shown = conversion === 'r' || conversion === 'a' ? pyRepr(value) : conversion === 's' ? pyStr(value) : value;
  return spec === null ? pyStr(shown) : formatWithin(rt, shown, spec, span);
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
    return withinComparison(rt, site, () => a.items.every((x, i) => itemsEqual(rt, x, b.items[i], site)));
  }
  if (a instanceof PyDict && b instanceof PyDict) {
    if (a.entries.size !== b.entries.size) return false;
    return withinComparison(rt, site, () => {
      for (const [k, e] of a.entries) {
        const other = b.entries.get(k);
        if (!other || !itemsEqual(rt, e.value, other.value, site)) return false;
      }
      return true;
    });
  }
  if (a instanceof PyRange && b instanceof PyRange) return rangesEqual(a, b);
  // Two lookups of one type (`type(x) == float`, through `np.float` or the builtins) are one type.
  if (a instanceof PyBuiltin && b instanceof PyBuiltin && a.isInstance && b.isInstance) return a.name === b.name;
  return a === b;
}

/** Items of two containers compared as Python does: the same object is equal to itself
 *  without a look inside (a list holding itself equals itself). */
function itemsEqual(rt: Interpreter, x: PyValue, y: PyValue, site: OpSite): boolean {
  if (x === y && x instanceof PyObject) return true;
  return rt.truth(rt.compare('==', x, y, site), site.span);
}

/** The nesting and the items of the comparison of two containers under way: lists that hold
 *  each other are Python's RecursionError, and lists sharing their items (a few objects
 *  expanding to millions) are compared within the element budget. */
const comparison = { depth: 0, items: 0 };
const MAX_COMPARISON_DEPTH = 1000;

function withinComparison<T>(rt: Interpreter, site: OpSite, compare: () => T): T {
  if (comparison.depth === 0) comparison.items = 0;
  if (comparison.depth >= MAX_COMPARISON_DEPTH)
    throw pyError('RecursionError', 'maximum recursion depth exceeded in comparison', site.span);
  const budget = rt.rt.budgets.maxTotalElements;
  if (++comparison.items > budget)
    throw new BuildError(
      `this comparison looks at more than ${formatCount(budget)} items of nested lists ${raiseHint('maxTotalElements')}`,
      site.span,
      'budget-elements',
    );
  comparison.depth++;
  try {
    return compare();
  } finally {
    comparison.depth--;
  }
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
    return withinComparison(rt, site, () => {
      for (let i = 0; i < n; i++) {
        if (itemsEqual(rt, a.items[i], b.items[i], site)) continue;
        return rt.truth(rt.compare('<', a.items[i], b.items[i], site), site.span) ? -1 : 1;
      }
      return a.items.length - b.items.length;
    });
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
function percentFormat(rt: Interpreter, format: string, args: PyValue, site: OpSite): string {
  let length = format.length;
  const counted = (piece: string): string => {
    checkSequenceSize(rt, (length += piece.length), site.span);
    return piece;
  };
  const values = args instanceof PyTuple ? args.items.slice() : [args];
  let k = 0;
  const next = (): PyValue => {
    if (k >= values.length) throw pyError('TypeError', 'not enough arguments for format string', site.span);
    return values[k++];
  };
  const out = format.replace(
    /%(\([^)]*\))?([-+ #0]*)(\*|\d+)?(?:\.(\*|\d+))?([diouxXeEfFgGcrsa%])/g,
    (_m, key: string | undefined, flags: string, width: string | undefined, precision: string | undefined, conv: string) =>
      counted(conversion(key, flags, width, precision, conv)),
  );
  if (k < values.length && !(args instanceof PyDict))
    throw pyError('TypeError', 'not all arguments converted during string formatting', site.span);
  return out;

  function conversion(
    key: string | undefined,
    flags: string,
    width: string | undefined,
    precision: string | undefined,
    conv: string,
  ): string {
    if (conv === '%') return '%';
    // `%*.*f`: the width, then the precision, come before the value they format
    let w = width === '*' ? starArgument() : width === undefined ? undefined : BigInt(width);
    let p = precision === '*' ? starArgument() : precision === undefined ? undefined : BigInt(precision);
    let left = flags.includes('-');
    if (w !== undefined && w < 0n) [w, left] = [-w, true];
    if (p !== undefined && p < 0n) p = 0n;
    let v: PyValue;
    if (key) {
      if (!(args instanceof PyDict)) throw pyError('TypeError', 'format requires a mapping', site.rightSpan);
      const got = args.get(key.slice(1, -1));
      if (got === undefined) throw pyError('KeyError', pyRepr(key.slice(1, -1)), site.rightSpan);
      v = got;
    } else v = next();
    let spec = '';
    if (left) spec += '<';
    if (flags.includes('+')) spec += '+';
    else if (flags.includes(' ')) spec += ' ';
    if (flags.includes('#')) spec += '#';
    if (flags.includes('0') && !left) spec += '0';
    if (w !== undefined) spec += String(w);
    if (p !== undefined) spec += '.' + p;
    const format = (x: PyValue, s: string): string => formatWithin(rt, x, s, site.rightSpan);
    switch (conv) {
      case 's':
        return format(pyStr(v), spec);
      case 'r':
      case 'a':
        return format(pyRepr(v), spec);
      case 'i':
      case 'u':
        return format(numberArg(v, site), spec + 'd');
      case 'c':
        return typeof v === 'string' ? v : String.fromCharCode(Number(v));
      default:
        return format(numberArg(v, site), spec + conv);
    }
  }

  function starArgument(): bigint {
    const n = next();
    if (typeof n === 'bigint') return n;
    if (typeof n === 'boolean') return n ? 1n : 0n;
    throw pyError('TypeError', '* wants int', site.rightSpan);
  }
}

function numberArg(v: PyValue, site: OpSite): PyValue {
  if (isNumber(v)) return v;
  if (v instanceof PyObject && v.toNumber) {
    const n = v.toNumber();
    if (n !== undefined) return n;
  }
  throw pyError('TypeError', `a real number is required, not ${typeName(v)}`, site.rightSpan);
}
