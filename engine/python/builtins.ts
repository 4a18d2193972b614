// Python's builtins (print, len, range, ...) and the methods of its own types (str, list,
// dict, ...). What touches the world outside the script (open, input, exec) is outside the
// subset.

import { PyClass, PyInstance, PySuper } from './classes';
import type { Span } from '../syntax/ast';
import {
  type CallSite,
  type KeywordArg,
  PyBuiltin,
  PyDict,
  PyIterator,
  PyList,
  PyObject,
  PyRange,
  PyTuple,
  type PyValue,
  typeName,
} from './values';
import { rangeAttribute } from './ranges';
import { OutsideSubset, pyError } from './errors';
import { pyRepr, pyStr } from './format';
import { roundFloat } from './floatDigits';
import { checkSequenceSize, extendList, formatWithin, joinStrings, pyEquals, toFloat } from './operators';
import { args as bindArgs } from './signature';
import { strFormat } from './strFormat';
import { IntTextError, parseIntText } from './intText';
import type { Runtime } from './runtime';
import { NDArray } from './numpy/ndarray';
import { pythonScalar } from './numpy/methods';
import { GraphTensor } from './tensorflow/tensor';
import { smallest } from '../extremes';

const OUTSIDE = [
  'open',
  'input',
  'exec',
  'eval',
  'compile',
  '__import__',
  'exit',
  'quit',
  'globals',
  'locals',
  'vars',
  'breakpoint',
  'help',
  'setattr',
  'delattr',
  'object',
  'property',
  'staticmethod',
  'classmethod',
  'iter',
  'next',
  'memoryview',
  'bytearray',
  'bytes',
  'complex',
  'frozenset',
  'callable',
  'issubclass',
  'dir',
  'id',
  'hash',
];

export function makeBuiltins(rt: Runtime): Map<string, PyValue> {
  const interp = () => rt.interpreter;
  const m = new Map<string, PyValue>();
  const def = (
    name: string,
    fn: (args: PyValue[], kwargs: KeywordArg[], site: CallSite) => PyValue,
    isInstance?: (v: PyValue) => boolean,
  ) => m.set(name, new PyBuiltin(name, (args, kwargs, site) => fn(givenOnly(args, name, site), kwargs, site), isInstance));

  def('print', (args, kwargs, site) => {
    const sep = kwargs.find((k) => k.name === 'sep')?.value;
    const end = kwargs.find((k) => k.name === 'end')?.value;
    const file = kwargs.find((k) => k.name === 'file')?.value;
    if (file !== undefined && file !== null) throw new OutsideSubset("print(file=...) is outside tgraph's subset", site.span);
    for (const k of kwargs)
      if (!['sep', 'end', 'file', 'flush'].includes(k.name))
        throw pyError('TypeError', `'${k.name}' is an invalid keyword argument for print()`, k.nameSpan ?? k.span);
    const text =
      joinStrings(interp(), args.map(pyStr), sep === undefined || sep === null ? ' ' : String(sep), site.span) +
      (end === undefined || end === null ? '\n' : String(end));
    rt.print(site.span, text);
    return null;
  });
  def('len', (args, _kw, site) => BigInt(interp().length(one(args, site, 'len'), site.argSpans[0] ?? site.span)));
  def(
    'range',
    (args, _kw, site) => {
      const ints = args.map((a, i) => {
        if (typeof a === 'bigint') return a;
        if (typeof a === 'boolean') return a ? 1n : 0n;
        if (a instanceof NDArray && a.shape.length === 0 && (a.dtype === 'int32' || a.dtype === 'int64')) return BigInt(a.data[0]);
        throw pyError('TypeError', `'${typeName(a)}' object cannot be interpreted as an integer`, site.argSpans[i] ?? site.span);
      });
      if (ints.length === 0 || ints.length > 3)
        throw pyError('TypeError', `range expected at most 3 arguments, got ${ints.length}`, site.span);
      const [start, stop, step] = ints.length === 1 ? [0n, ints[0], 1n] : [ints[0], ints[1], ints[2] ?? 1n];
      if (step === 0n) throw pyError('ValueError', 'range() arg 3 must not be zero', site.argSpans[2] ?? site.span);
      return new PyRange(start, stop, step);
    },
    (v) => v instanceof PyRange,
  );
  def(
    'int',
    (args, kwargs, site) => {
      const base = args.length > 1 ? args[1] : kwargs.find((k) => k.name === 'base')?.value;
      if (base === undefined) return toInt(args.length ? args[0] : 0n, site);
      const baseSpan = site.argSpans[1] ?? kwargs.find((k) => k.name === 'base')?.span ?? site.span;
      if (typeof args[0] !== 'string')
        throw pyError('TypeError', "int() can't convert non-string with explicit base", site.argSpans[0] ?? site.span);
      const radix = rt.indexValue(base, baseSpan);
      if (radix !== 0 && (radix < 2 || radix > 36)) throw pyError('ValueError', 'int() base must be >= 2 and <= 36, or 0', baseSpan);
      return intFromText(args[0], radix, site.argSpans[0] ?? site.span);
    },
    (v) => typeof v === 'bigint' || typeof v === 'boolean',
  );
  def(
    'float',
    (args, _kw, site) => toFloatValue(args.length ? args[0] : 0, site),
    (v) => typeof v === 'number',
  );
  def(
    'str',
    (args) => (args.length ? pyStr(args[0]) : ''),
    (v) => typeof v === 'string',
  );
  def('repr', (args) => pyRepr(args[0]));
  def(
    'bool',
    (args, _kw, site) => (args.length ? interp().truth(args[0], site.argSpans[0] ?? site.span) : false),
    (v) => typeof v === 'boolean',
  );
  def(
    'list',
    (args, _kw, site) => new PyList(args.length ? interp().iterate(args[0], site.argSpans[0] ?? site.span) : []),
    (v) => v instanceof PyList,
  );
  def(
    'tuple',
    (args, _kw, site) => new PyTuple(args.length ? interp().iterate(args[0], site.argSpans[0] ?? site.span) : []),
    (v) => v instanceof PyTuple,
  );
  def(
    'set',
    (args, _kw, site) => {
      const s = new PyDict(true);
      if (args.length) for (const x of interp().iterate(args[0], site.argSpans[0] ?? site.span)) s.set(x, null);
      return s;
    },
    (v) => v instanceof PyDict && v.isSet,
  );
  def(
    'dict',
    (args, kwargs, site) => {
      const d = new PyDict();
      if (args.length) {
        const src = args[0];
        if (src instanceof PyDict) for (const e of src.entries.values()) d.set(e.key, e.value);
        else {
          for (const pair of interp().iterate(src, site.argSpans[0] ?? site.span)) {
            const kv = interp().iterate(pair, site.argSpans[0] ?? site.span);
            if (kv.length !== 2)
              throw pyError(
                'ValueError',
                `dictionary update sequence element has length ${kv.length}; 2 is required`,
                site.argSpans[0] ?? site.span,
              );
            d.set(kv[0], kv[1]);
          }
        }
      }
      for (const k of kwargs) d.set(k.name, k.value);
      return d;
    },
    (v) => v instanceof PyDict && !v.isSet,
  );
  def('zip', (args, _kw, site) => {
    const lists = args.map((a, i) => interp().iterate(a, site.argSpans[i] ?? site.span));
    const n = lists.length ? smallest(lists.map((l) => l.length)) : 0;
    return new PyIterator(
      'zip',
      Array.from({ length: n }, (_, i) => new PyTuple(lists.map((l) => l[i]))),
    );
  });
  def('enumerate', (args, kwargs, site) => {
    const p = bindArgs('enumerate', ['iterable', 'start'], args, kwargs, site);
    const start = p.get('start', 0n) as bigint;
    return new PyIterator(
      'enumerate',
      interp()
        .iterate(p.get('iterable'), p.span('iterable'))
        .map((x, i) => new PyTuple([start + BigInt(i), x])),
    );
  });
  def(
    'reversed',
    (args, _kw, site) =>
      new PyIterator(
        'reversed',
        interp()
          .iterate(one(args, site, 'reversed'), site.argSpans[0] ?? site.span)
          .reverse(),
      ),
  );
  def('sorted', (args, kwargs, site) => {
    const items = interp().iterate(one(args, site, 'sorted'), site.argSpans[0] ?? site.span);
    return new PyList(PYTHON_ORDERING.sort(rt, items, kwargs, site));
  });
  def('min', (args, kwargs, site) => PYTHON_ORDERING.extreme(rt, args, kwargs, site, '<'));
  def('max', (args, kwargs, site) => PYTHON_ORDERING.extreme(rt, args, kwargs, site, '>'));
  def('sum', (args, _kw, site) => {
    const items = interp().iterate(args[0], site.argSpans[0] ?? site.span);
    let acc: PyValue = args.length > 1 ? args[1] : 0n;
    const opSite = { span: site.span, leftSpan: site.span, rightSpan: site.argSpans[0] ?? site.span };
    for (const x of items) acc = interp().binary('+', acc, x, opSite);
    return acc;
  });
  def('abs', (args, _kw, site) => {
    const v = one(args, site, 'abs');
    if (typeof v === 'bigint') return v < 0n ? -v : v;
    if (typeof v === 'boolean') return v ? 1n : 0n;
    if (typeof v === 'number') return Math.abs(v);
    if (v instanceof NDArray || v instanceof GraphTensor || (v instanceof PyObject && 'node' in v)) {
      const module = v instanceof NDArray ? rt.importModule('numpy', site.span) : rt.importModule('tensorflow', site.span);
      return interp().call(interp().getAttr(module, 'abs', site.span), [v], [], site);
    }
    throw pyError('TypeError', `bad operand type for abs(): '${typeName(v)}'`, site.span);
  });
  def('round', (args, _kw, site) => {
    const v = args[0];
    const nd = args.length > 1 ? args[1] : undefined;
    if (typeof v === 'bigint') {
      // round(1250, -2) is 1200: to a multiple of 10**-ndigits, ties to even
      const digits = nd === undefined || nd === null ? 0 : Number(nd);
      if (digits >= 0) return v;
      if (-digits > v.toString().length) return 0n;
      const unit = 10n ** BigInt(-digits);
      const sign = v < 0n ? -1n : 1n;
      const q = (sign * v) / unit;
      const twice = 2n * ((sign * v) % unit);
      return sign * unit * (twice > unit || (twice === unit && q % 2n === 1n) ? q + 1n : q);
    }
    const x = toFloatValue(v, site);
    if (nd === undefined || nd === null) {
      if (!Number.isFinite(x))
        throw pyError(
          x !== x ? 'ValueError' : 'OverflowError',
          `cannot convert float ${x !== x ? 'NaN' : 'infinity'} to integer`,
          site.span,
        );
      // round half to even
      const f = Math.floor(x);
      const diff = x - f;
      return BigInt(diff > 0.5 || (diff === 0.5 && f % 2 !== 0) ? f + 1 : f);
    }
    const digits = Number(nd);
    return Number.isFinite(x) ? roundFloat(x, digits) : x;
  });
  def('divmod', (args, _kw, site) => {
    const opSite = { span: site.span, leftSpan: site.argSpans[0] ?? site.span, rightSpan: site.argSpans[1] ?? site.span };
    return new PyTuple([interp().binary('//', args[0], args[1], opSite), interp().binary('%', args[0], args[1], opSite)]);
  });
  def('pow', (args, _kw, site) =>
    interp().binary('**', args[0], args[1], {
      span: site.span,
      leftSpan: site.argSpans[0] ?? site.span,
      rightSpan: site.argSpans[1] ?? site.span,
    }),
  );
  def('any', (args, _kw, site) =>
    interp()
      .iterate(args[0], site.argSpans[0] ?? site.span)
      .some((x) => interp().truth(x, site.span)),
  );
  def('all', (args, _kw, site) =>
    interp()
      .iterate(args[0], site.argSpans[0] ?? site.span)
      .every((x) => interp().truth(x, site.span)),
  );
  def('map', (args, _kw, site) => {
    const lists = args.slice(1).map((a, i) => interp().iterate(a, site.argSpans[i + 1] ?? site.span));
    const n = lists.length ? smallest(lists.map((l) => l.length)) : 0;
    return new PyIterator(
      'map',
      Array.from({ length: n }, (_, i) =>
        interp().call(
          args[0],
          lists.map((l) => l[i]),
          [],
          site,
        ),
      ),
    );
  });
  def('filter', (args, _kw, site) => {
    const items = interp().iterate(args[1], site.argSpans[1] ?? site.span);
    return new PyIterator(
      'filter',
      items.filter((x) => interp().truth(args[0] === null ? x : interp().call(args[0], [x], [], site), site.span)),
    );
  });
  def('isinstance', (args, _kw, site) => {
    const [v, t] = args;
    const types = t instanceof PyTuple ? t.items : [t];
    return types.some((ty) => {
      if (ty instanceof PyBuiltin && ty.isInstance) return ty.isInstance(v);
      if (ty instanceof PyClass) return v instanceof PyInstance && v.cls === ty;
      throw new OutsideSubset("isinstance with this type is outside tgraph's subset", site.argSpans[1] ?? site.span);
    });
  });
  // type(x): a type object as Python's (`type(x) == np.ndarray`, `type(x).__name__`,
  // `print(type(x))`); library types by the qualified names TensorFlow 2 and NumPy give them.
  const classes = new Map<string, PyBuiltin>();
  const classNamed = (qualified: string): PyBuiltin => {
    let c = classes.get(qualified);
    if (!c) {
      c = new PyBuiltin(
        qualified,
        (_args, _kw, site) => {
          throw new OutsideSubset(`calling ${qualified} is outside tgraph's subset`, site.span);
        },
        (v) => qualifiedClassName(v) === qualified,
      );
      classes.set(qualified, c);
    }
    return c;
  };
  def('type', (args, _kw, site) => {
    const v = one(args, site, 'type');
    const builtin = m.get(typeName(v));
    if (builtin instanceof PyBuiltin && builtin.isInstance) return builtin;
    if (v instanceof PyInstance) return v.cls;
    if (v instanceof NDArray) {
      const numpy = rt.importModule('numpy', site.span);
      return interp().getAttr(numpy, v.scalar ? (v.dtype === 'bool' ? 'bool_' : v.dtype) : 'ndarray', site.span);
    }
    return classNamed(qualifiedClassName(v));
  });
  def('format', (args, _kw, site) =>
    formatWithin(interp(), args[0], args.length > 1 ? String(args[1]) : '', site.argSpans[1] ?? site.span),
  );
  def('getattr', (args, _kw, site) => {
    if (typeof args[1] !== 'string') throw pyError('TypeError', 'attribute name must be string', site.span);
    try {
      return interp().getAttr(args[0], args[1], site.span);
    } catch (e) {
      if (args.length > 2) return args[2];
      throw e;
    }
  });
  def('hasattr', (args, _kw, site) => {
    try {
      interp().getAttr(args[0], String(args[1]), site.span);
      return true;
    } catch {
      return false;
    }
  });
  def('chr', (args, _kw, site) => String.fromCodePoint(Number(toInt(args[0], site))));
  def('ord', (args, _kw, site) => {
    const s = args[0];
    if (typeof s !== 'string' || [...s].length !== 1) throw pyError('TypeError', 'ord() expected a character', site.span);
    return BigInt(s.codePointAt(0)!);
  });
  def('super', () => new PySuper());
  for (const name of OUTSIDE) {
    def(name, (_a, _k, site) => {
      throw new OutsideSubset(`\`${name}()\` is outside tgraph's subset`, site.funcSpan);
    });
  }
  m.set('None', null);
  m.set('True', true);
  m.set('False', false);
  m.set('NotImplemented', null);
  m.set('__name__', '__main__');
  return m;
}

/** The arguments of a builtin or a method as it reads them: one read past those given (`sum()`,
 *  `xs.append()`) is Python's TypeError at the call, not an `undefined` let into the
 *  script's values. */
function givenOnly(args: PyValue[], name: string, site: CallSite): PyValue[] {
  return new Proxy(args, {
    get(target, key, receiver) {
      if (typeof key === 'string' && key.length < 8 && /^\d+$/.test(key) && Number(key) >= target.length)
        throw pyError('TypeError', `${name}() missing required argument ${Number(key) + 1} (${target.length} given)`, site.span);
      return Reflect.get(target, key, receiver);
    },
  });
}

function one(args: PyValue[], site: CallSite, name: string): PyValue {
  if (args.length !== 1) throw pyError('TypeError', `${name}() takes exactly one argument (${args.length} given)`, site.span);
  return args[0];
}

function intFromText(text: string, base: number, span: Span): bigint {
  try {
    return parseIntText(text, base, pyRepr(text));
  } catch (e) {
    if (e instanceof IntTextError) throw pyError(e.kind, e.message, span);
    throw e;
  }
}

function toInt(v: PyValue, site: CallSite): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'boolean') return v ? 1n : 0n;
  if (typeof v === 'number') {
    if (!Number.isFinite(v))
      throw pyError(v !== v ? 'ValueError' : 'OverflowError', `cannot convert float ${v !== v ? 'NaN' : 'infinity'} to integer`, site.span);
    return BigInt(Math.trunc(v));
  }
  if (typeof v === 'string') return intFromText(v, 10, site.argSpans[0] ?? site.span);
  if (v instanceof NDArray && v.size === 1) return toInt(pythonScalarOrFloat(v), site);
  // `__int__` of other one-element values (an eager tensor).
  const n = v instanceof PyObject && !(v instanceof NDArray) ? v.toNumber?.() : undefined;
  if (n !== undefined) return toInt(n, site);
  throw pyError('TypeError', `int() argument must be a string, a bytes-like object or a real number, not '${typeName(v)}'`, site.span);
}

function pythonScalarOrFloat(v: NDArray): PyValue {
  const x = pythonScalar(v.dtype, v.data[0]);
  return typeof x === 'boolean' ? (x ? 1n : 0n) : x;
}

function toFloatValue(v: PyValue, site: CallSite): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint' || typeof v === 'boolean') return toFloat(v, site.span);
  if (typeof v === 'string') {
    const t = v.trim().toLowerCase();
    if (t === 'nan' || t === '+nan' || t === '-nan') return NaN;
    if (t === 'inf' || t === '+inf' || t === 'infinity') return Infinity;
    if (t === '-inf' || t === '-infinity') return -Infinity;
    const n = Number(t.replace(/_/g, ''));
    if (t === '' || Number.isNaN(n)) throw pyError('ValueError', `could not convert string to float: ${pyRepr(v)}`, site.span);
    return n;
  }
  if (v instanceof NDArray && v.size === 1) return v.data[0];
  const n = v instanceof PyObject ? v.toNumber?.() : undefined;
  if (n !== undefined) return toFloatValue(n, site);
  throw pyError('TypeError', `float() argument must be a string or a real number, not '${typeName(v)}'`, site.span);
}

function keyed(rt: Runtime, items: PyValue[], kwargs: KeywordArg[], site: CallSite): { item: PyValue; key: PyValue }[] {
  const keyFn = kwargs.find((k) => k.name === 'key')?.value ?? null;
  return items.map((item) => ({ item, key: keyFn === null ? item : rt.interpreter.call(keyFn, [item], [], site) }));
}

/** `x < y` of Python values, one step of a builtin's loop over a user's list (a sort of ten
 *  million items compares for seconds: the clock is asked at each). */
function lessStep(rt: Runtime, x: PyValue, y: PyValue, site: CallSite): boolean {
  const interp = rt.interpreter;
  interp.checkClock(site.span);
  return interp.truth(interp.compare('<', x, y, { span: site.span, leftSpan: site.span, rightSpan: site.span }), site.span);
}

function sortValues(rt: Runtime, items: PyValue[], kwargs: KeywordArg[], site: CallSite): PyValue[] {
  const withKeys = keyed(rt, items, kwargs, site);
  // reverse=True keeps equal items in their order, as CPython's stable sort does (reversing
  // an ascending sort would swap them)
  const reverse = kwargs.find((k) => k.name === 'reverse')?.value === true;
  const before = (x: PyValue, y: PyValue) => (reverse ? lessStep(rt, y, x, site) : lessStep(rt, x, y, site));
  withKeys.sort((a, b) => (before(a.key, b.key) ? -1 : before(b.key, a.key) ? 1 : 0));
  return withKeys.map((x) => x.item);
}

function extreme(rt: Runtime, args: PyValue[], kwargs: KeywordArg[], site: CallSite, op: '<' | '>'): PyValue {
  const items = args.length === 1 ? rt.interpreter.iterate(args[0], site.argSpans[0] ?? site.span) : args;
  const dflt = kwargs.find((k) => k.name === 'default');
  if (items.length === 0) {
    if (dflt) return dflt.value;
    throw pyError('ValueError', `${op === '<' ? 'min' : 'max'}() arg is an empty sequence`, site.span);
  }
  const withKeys = keyed(
    rt,
    items,
    kwargs.filter((k) => k.name !== 'default'),
    site,
  );
  let best = withKeys[0];
  for (const x of withKeys.slice(1)) if (op === '<' ? lessStep(rt, x.key, best.key, site) : lessStep(rt, best.key, x.key, site)) best = x;
  return best.item;
}

/** Python's own sorting and min/max, looked up here at each call (a test makes the clock run
 *  out from their start). */
export const PYTHON_ORDERING = { sort: sortValues, extreme };

// ---- methods of Python's own types ---------------------------------------------------------------

export function builtinMethod(rt: Runtime, obj: PyValue, name: string, _span: Span): PyValue | undefined {
  const interp = rt.interpreter;
  const method = (fn: (args: PyValue[], kwargs: KeywordArg[], site: CallSite) => PyValue) =>
    new PyBuiltin(name, (args, kwargs, site) => fn(givenOnly(args, name, site), kwargs, site));
  if (obj instanceof PyRange) return rangeAttribute(obj, name);
  if (typeof obj === 'string') {
    switch (name) {
      case 'format':
        return method((args, kwargs, site) => strFormat(interp, obj, args, kwargs, site));
      case 'join':
        return method((args, _kw, site) =>
          joinStrings(
            interp,
            interp.iterate(args[0], site.argSpans[0] ?? site.span).map((x) => {
              if (typeof x !== 'string')
                throw pyError('TypeError', `sequence item: expected str instance, ${typeName(x)} found`, site.span);
              return x;
            }),
            obj,
            site.span,
          ),
        );
      case 'split':
        return method(
          (args) =>
            new PyList(
              args.length && args[0] !== null
                ? obj.split(String(args[0]))
                : obj
                    .trim()
                    .split(/\s+/)
                    .filter((x) => x),
            ),
        );
      case 'strip':
      case 'lstrip':
      case 'rstrip':
        return method(() => (name === 'strip' ? obj.trim() : name === 'lstrip' ? obj.trimStart() : obj.trimEnd()));
      case 'lower':
        return method(() => obj.toLowerCase());
      case 'upper':
        return method(() => obj.toUpperCase());
      case 'replace':
        return method((args) => obj.split(String(args[0])).join(String(args[1])));
      case 'startswith':
        return method((args) => obj.startsWith(String(args[0])));
      case 'endswith':
        return method((args) => obj.endsWith(String(args[0])));
      case 'ljust':
      case 'rjust':
      case 'center':
        return method((args, _kw, site) => {
          const width = Number(rt.indexValue(args[0], site.argSpans[0] ?? site.span));
          checkSequenceSize(interp, width, site.argSpans[0] ?? site.span);
          const fill = args.length > 1 ? args[1] : ' ';
          if (typeof fill !== 'string' || [...fill].length !== 1)
            throw pyError('TypeError', 'The fill character must be exactly one character long', site.argSpans[1] ?? site.span);
          const pad = width - obj.length;
          if (pad <= 0) return obj;
          // CPython's center puts the odd space on the left when the width is odd
          const left = name === 'rjust' ? pad : name === 'ljust' ? 0 : Math.floor(pad / 2) + (pad & width & 1);
          return fill.repeat(left) + obj + fill.repeat(pad - left);
        });
      case 'zfill':
        return method((args, _kw, site) => {
          const width = Number(rt.indexValue(args[0], site.argSpans[0] ?? site.span));
          checkSequenceSize(interp, width, site.argSpans[0] ?? site.span);
          const sign = obj[0] === '-' || obj[0] === '+' ? obj[0] : '';
          return sign + obj.slice(sign.length).padStart(width - sign.length, '0');
        });
      case 'count':
        return method((args) => BigInt(obj.split(String(args[0])).length - 1));
      case 'find':
        return method((args) => BigInt(obj.indexOf(String(args[0]))));
    }
    return undefined;
  }
  if (obj instanceof PyList) {
    switch (name) {
      case 'append':
        return method((args) => {
          obj.items.push(args[0]);
          return null;
        });
      case 'extend':
        return method((args, _kw, site) => {
          extendList(interp, obj, interp.iterate(args[0], site.argSpans[0] ?? site.span), site.span);
          return null;
        });
      case 'insert':
        return method((args, _kw, site) => {
          const i = rt.indexValue(args[0], site.span);
          obj.items.splice(i < 0 ? Math.max(0, obj.items.length + i) : i, 0, args[1]);
          return null;
        });
      case 'pop':
        return method((args, _kw, site) => {
          if (obj.items.length === 0) throw pyError('IndexError', 'pop from empty list', site.span);
          const i = args.length ? interp.listIndex(args[0], obj.items.length, site.span, true) : obj.items.length - 1;
          return obj.items.splice(i, 1)[0];
        });
      case 'remove':
        return method((args, _kw, site) => {
          const i = indexOf(rt, obj.items, args[0], site);
          obj.items.splice(i, 1);
          return null;
        });
      case 'index':
        return method((args, _kw, site) => BigInt(indexOf(rt, obj.items, args[0], site)));
      case 'count':
        return method((args, _kw, site) => BigInt(obj.items.filter((x) => pyEquals(interp, x, args[0], opSite(site))).length));
      case 'reverse':
        return method(() => {
          obj.items.reverse();
          return null;
        });
      case 'sort':
        return method((_args, kwargs, site) => {
          obj.items = PYTHON_ORDERING.sort(rt, obj.items, kwargs, site);
          return null;
        });
      case 'copy':
        return method(() => new PyList(obj.items.slice()));
      case 'clear':
        return method(() => {
          obj.items = [];
          return null;
        });
    }
    return undefined;
  }
  if (obj instanceof PyTuple) {
    if (name === 'index') return method((args, _kw, site) => BigInt(indexOf(rt, obj.items, args[0], site)));
    if (name === 'count')
      return method((args, _kw, site) => BigInt(obj.items.filter((x) => pyEquals(interp, x, args[0], opSite(site))).length));
    return undefined;
  }
  if (obj instanceof PyDict) {
    switch (name) {
      case 'keys':
        return method(() => new PyIterator('dict_keys', obj.keys()));
      case 'values':
        return method(
          () =>
            new PyIterator(
              'dict_values',
              [...obj.entries.values()].map((e) => e.value),
            ),
        );
      case 'items':
        return method(
          () =>
            new PyIterator(
              'dict_items',
              [...obj.entries.values()].map((e) => new PyTuple([e.key, e.value])),
            ),
        );
      case 'get':
        return method((args) => obj.get(args[0]) ?? (args.length > 1 ? args[1] : null));
      case 'pop':
        return method((args, _kw, site) => {
          const v = obj.get(args[0]);
          if (v === undefined) {
            if (args.length > 1) return args[1];
            throw pyError('KeyError', pyRepr(args[0]), site.span);
          }
          obj.delete(args[0]);
          return v;
        });
      case 'setdefault':
        return method((args) => {
          const v = obj.get(args[0]);
          if (v !== undefined) return v;
          obj.set(args[0], args.length > 1 ? args[1] : null);
          return args.length > 1 ? args[1] : null;
        });
      case 'update':
        return method((args, kwargs) => {
          if (args[0] instanceof PyDict) for (const e of args[0].entries.values()) obj.set(e.key, e.value);
          for (const k of kwargs) obj.set(k.name, k.value);
          return null;
        });
      case 'copy':
        return method(() => {
          const d = new PyDict(obj.isSet);
          for (const e of obj.entries.values()) d.set(e.key, e.value);
          return d;
        });
      case 'add':
        if (obj.isSet) {
          return method((args) => {
            obj.set(args[0], null);
            return null;
          });
        }
    }
    return undefined;
  }
  if (typeof obj === 'number') {
    if (name === 'is_integer') return method(() => Number.isInteger(obj));
    if (name === 'real') return obj;
    return undefined;
  }
  if (typeof obj === 'bigint') {
    if (name === 'bit_length') return method(() => BigInt((obj < 0n ? -obj : obj).toString(2).replace(/^0$/, '').length));
    // TF 1.x's `x.shape[1].value` (a Dimension's value): tgraph's shapes hold plain ints.
    if (name === 'real' || name === 'value') return obj;
    return undefined;
  }
  return undefined;
}

function opSite(site: CallSite) {
  return { span: site.span, leftSpan: site.span, rightSpan: site.span };
}

function indexOf(rt: Runtime, items: readonly PyValue[], v: PyValue, site: CallSite): number {
  const i = items.findIndex((x) => pyEquals(rt.interpreter, x, v, opSite(site)));
  if (i < 0) throw pyError('ValueError', `${pyRepr(v)} is not in list`, site.span);
  return i;
}

/** The class a value has in TensorFlow 2 / Python, by its qualified name. */
function qualifiedClassName(v: PyValue): string {
  if (v instanceof GraphTensor) return v.eager ? 'tensorflow.python.framework.ops.EagerTensor' : 'tensorflow.python.framework.ops.Tensor';
  const name = typeName(v);
  return LIBRARY_CLASSES[name] ?? name;
}

const LIBRARY_CLASSES: Record<string, string> = {
  Variable: 'tensorflow.python.ops.resource_variable_ops.ResourceVariable',
  TensorShape: 'tensorflow.python.framework.tensor_shape.TensorShape',
};
