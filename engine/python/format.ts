// `str()` and `repr()` of Python values, as Python 3 prints them (NumPy arrays as NumPy 1.x
// prints them: numpy/print.ts).

import { pyStr as pyNumberStr } from '../pynumber';
import { exponentDigits, fixedDigits, generalDigits } from './floatDigits';
import { type PyValue, PyDict, PyFunction, PyIterator, PyList, PyModule, PyNamedTuple, PyObject, PySlice, PyTuple } from './values';

/** Bounds the text made for one value: a list of a million floats prints its start, and a
 *  list sharing its items (`x = [x, x]` in a loop) the start of its expansion. */
const MAX_ITEMS = 10_000;
const MAX_CHARACTERS = 1_000_000;

/** Python's recursion limit, which its repr of nested containers goes through: past it
 *  CPython raises RecursionError, and our recursion would overflow a small thread's stack. */
const MAX_REPR_DEPTH = 1000;

/** repr() or str() of containers nested past Python's recursion limit: the statement that
 *  asked for it gets CPython's RecursionError. */
export class ReprTooDeep extends Error {
  constructor() {
    super('RecursionError: maximum recursion depth exceeded while getting the repr of an object');
  }
}

export function pyStr(v: PyValue): string {
  if (typeof v === 'string') return v;
  if (v instanceof PyObject && !(v instanceof PyList || v instanceof PyTuple || v instanceof PyDict)) return v.str();
  return pyRepr(v);
}

/** Text being made: its pieces, their length, and the containers it is inside of (one met
 *  again is shown as Python shows a list holding itself, `[...]`). */
class ReprText {
  readonly parts: string[] = [];
  length = 0;
  readonly open = new Set<object>();
  constructor(
    readonly maxCharacters: number,
    readonly elideTooDeep: boolean,
  ) {}
  add(piece: string): void {
    this.parts.push(piece);
    this.length += piece.length;
  }
  get full(): boolean {
    return this.length >= this.maxCharacters;
  }
}

/** `repr(v)`; past `maxCharacters`, its start and `...`. Containers nested past Python's
 *  recursion limit throw ReprTooDeep, as Python raises, unless `elideTooDeep` (a description
 *  for a hover, where the part past the limit is `...`). */
export function pyRepr(v: PyValue, maxCharacters = MAX_CHARACTERS, elideTooDeep = false): string {
  const text = new ReprText(maxCharacters, elideTooDeep);
  reprInto(v, text);
  const s = text.parts.join('');
  return s.length > maxCharacters ? s.slice(0, maxCharacters) + '...' : s;
}

function reprInto(v: PyValue, text: ReprText): void {
  if (text.full) return;
  if (v instanceof PyList || v instanceof PyTuple || v instanceof PyDict) {
    if (text.open.has(v)) {
      text.add(v instanceof PyList ? '[...]' : v instanceof PyDict ? '{...}' : '(...)');
      return;
    }
    if (text.open.size >= MAX_REPR_DEPTH) {
      if (!text.elideTooDeep) throw new ReprTooDeep();
      text.add('...');
      return;
    }
    text.open.add(v);
    containerInto(v, text);
    text.open.delete(v);
    return;
  }
  text.add(scalarRepr(v));
}

function containerInto(v: PyList | PyTuple | PyDict, text: ReprText): void {
  if (v instanceof PyList) {
    text.add('[');
    itemsInto(v.items, text);
    text.add(']');
  } else if (v instanceof PyNamedTuple) {
    text.add(`${v.type}(`);
    v.names.forEach((n, i) => {
      if (i > 0) text.add(', ');
      text.add(`${n}=`);
      reprInto(v.items[i], text);
    });
    text.add(')');
  } else if (v instanceof PyTuple) {
    text.add('(');
    itemsInto(v.items, text);
    text.add(v.items.length === 1 ? ',)' : ')');
  } else if (v.isSet) {
    if (v.entries.size === 0) text.add('set()');
    else {
      text.add('{');
      itemsInto(v.keys(), text);
      text.add('}');
    }
  } else {
    text.add('{');
    let n = 0;
    for (const e of v.entries.values()) {
      if (text.full) break;
      if (n > 0) text.add(', ');
      if (n++ >= MAX_ITEMS) {
        text.add('...');
        break;
      }
      reprInto(e.key, text);
      text.add(': ');
      reprInto(e.value, text);
    }
    text.add('}');
  }
}

function itemsInto(list: readonly PyValue[], text: ReprText): void {
  for (let i = 0; i < list.length && !text.full; i++) {
    if (i > 0) text.add(', ');
    if (i >= MAX_ITEMS) {
      text.add('...');
      break;
    }
    reprInto(list[i], text);
  }
}

function scalarRepr(v: Exclude<PyValue, PyList | PyTuple | PyDict>): string {
  switch (typeof v) {
    case 'bigint':
      return v.toString();
    case 'number':
      return floatRepr(v);
    case 'boolean':
      return v ? 'True' : 'False';
    case 'string':
      return stringRepr(v);
  }
  if (v === null) return 'None';
  if (v instanceof PySlice) return `slice(${pyRepr(v.start)}, ${pyRepr(v.stop)}, ${pyRepr(v.step)})`;
  if (v instanceof PyFunction) return `<function ${v.name}>`;
  if (v instanceof PyModule) return `<module '${v.name}'>`;
  if (v instanceof PyIterator) return `<${v.name} object>`;
  return v.repr();
}

/** `repr(float)` (Python's shortest round-trip digits). */
export function floatRepr(x: number): string {
  return pyNumberStr(x);
}

/** `repr(str)`: single quotes unless the text has one and no double quote. */
export function stringRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === quote || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + quote;
}

/** A format width or precision that would make a string past the element budget (Python
 *  would allocate it: f"{1:>{10**9}}" is a gigabyte of spaces). */
export class FormatTooLong extends Error {
  constructor(
    readonly field: 'width' | 'precision',
    readonly amount: number,
    readonly budget: number,
  ) {
    super(`a format ${field} of ${amount}`);
  }
}

/** CPython's `ValueError: Too many decimal digits in format string`. */
export class ValueTooManyDigits extends Error {
  constructor() {
    super('Too many decimal digits in format string');
  }
}

/** Python's own limit on a width or precision: past sys.maxsize its parser gives up. */
function specNumber(text: string | undefined, field: 'width' | 'precision', maxLength: number): number | undefined {
  if (text === undefined) return undefined;
  if (BigInt(text) > 2n ** 63n - 1n) throw new ValueTooManyDigits();
  const n = Number(text);
  if (n > maxLength) throw new FormatTooLong(field, n, maxLength);
  return n;
}

/** `format(value, spec)` for the specs f-strings use on numbers (`.3f`, `>8`, `d`, `e`, `%`);
 *  a width or precision over `maxLength` throws FormatTooLong for the caller to place. */
export function formatSpec(value: PyValue, spec: string, maxLength: number): string {
  const given = value instanceof PyObject && value.toNumber ? (value.toNumber() ?? value) : value;
  // a bool with a spec is formatted as the int it is (format(True, '5') is '    1')
  const v = typeof given === 'boolean' && spec !== '' ? BigInt(given) : given;
  const m = /^(?:(.)?([<>^=]))?([+\- ])?(#)?(0)?(\d+)?([,_])?(?:\.(\d+))?([bcdeEfFgGnosxX%])?$/.exec(spec);
  if (!m) return pyStr(v);
  const [, fillChar, align, signFlag, alternate, zero, widthText, grouping, precisionText, type] = m;
  const precision = specNumber(precisionText, 'precision', maxLength);
  const width = specNumber(widthText, 'width', maxLength) ?? 0;
  let body: string;
  // sign and 0x/0o/0b prefix: '=' alignment (and the 0 flag) pads between them and the digits
  let lead = '';
  const num = typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : typeof v === 'boolean' ? Number(v) : null;
  if (num === null || type === 's' || (!type && typeof v === 'string')) {
    body = pyStr(v);
    if (precision !== undefined) body = body.slice(0, precision);
  } else {
    const neg = num < 0 || Object.is(num, -0);
    const a = Math.abs(num);
    const finite = Number.isFinite(a);
    switch (type) {
      case 'f':
      case 'F':
        body = finite ? fixedDigits(a, precision ?? 6) : floatRepr(a);
        if (type === 'F') body = body.toUpperCase();
        break;
      case 'e':
      case 'E': {
        body = finite ? exponentDigits(a, precision ?? 6) : floatRepr(a);
        if (type === 'E') body = body.toUpperCase();
        break;
      }
      case '%':
        body = (finite ? fixedDigits(a * 100, precision ?? 6) : floatRepr(a)) + '%';
        break;
      case 'g':
      case 'G': {
        body = finite ? generalDigits(a, precision ?? 6, false, alternate !== undefined) : floatRepr(a);
        if (type === 'G') body = body.toUpperCase();
        break;
      }
      case 'd':
      case 'n':
        body = typeof v === 'bigint' ? (v < 0n ? -v : v).toString() : String(Math.trunc(a));
        break;
      case 'x':
      case 'X':
      case 'o':
      case 'b': {
        const radix = type === 'b' ? 2 : type === 'o' ? 8 : 16;
        body = (typeof v === 'bigint' ? (v < 0n ? -v : v) : BigInt(Math.trunc(a))).toString(radix);
        if (type === 'X') body = body.toUpperCase();
        if (alternate) lead = `0${type}`;
        break;
      }
      case 'c':
        body = String.fromCodePoint(Math.trunc(a));
        break;
      default:
        body =
          typeof v === 'bigint'
            ? (v < 0n ? -v : v).toString()
            : precision !== undefined && finite
              ? generalDigits(a, precision, true, alternate !== undefined)
              : floatRepr(a);
    }
    if (grouping) {
      const [int, frac] = body.split('.');
      // hexadecimal, octal and binary digits are grouped by four, as Python does
      const group = type !== undefined && 'xXob'.includes(type) ? /\B(?=(?:[0-9a-fA-F]{4})+(?![0-9a-fA-F]))/g : /\B(?=(\d{3})+(?!\d))/g;
      body = int.replace(group, grouping) + (frac !== undefined ? '.' + frac : '');
    }
    lead = (neg ? '-' : signFlag === '+' ? '+' : signFlag === ' ' ? ' ' : '') + lead;
  }
  const total = lead.length + body.length;
  if (total >= width) return lead + body;
  const zeroFill = zero !== undefined && !align && lead + body !== '' && num !== null && typeof v !== 'string';
  const fill = zeroFill ? '0' : (fillChar ?? ' ');
  const pad = width - total;
  const how = zeroFill ? '=' : (align ?? (num !== null && typeof v !== 'string' ? '>' : '<'));
  if (how === '=') return lead + fill.repeat(pad) + body;
  body = lead + body;
  if (how === '<') return body + fill.repeat(pad);
  if (how === '^') return fill.repeat(Math.floor(pad / 2)) + body + fill.repeat(Math.ceil(pad / 2));
  return fill.repeat(pad) + body;
}
