// Python expressions: evaluated over the values of values.ts with the interpreter's data
// model (operators, attributes, items, calls) and scopes.

import type { Span } from '../syntax/ast';
import * as P from './ast';
import {
  type KeywordArg,
  PyDict,
  PyFunction,
  PyIterator,
  PyList,
  PyObject,
  PySlice,
  PyTuple,
  type PyValue,
  Scope,
  typeName,
} from './values';
import { OutsideSubset, pyError } from './errors';
import { appendWithin, formatField, joinStrings, pythonUnary } from './operators';
import { ELLIPSIS_VALUE, type Interpreter } from './interpreter';

export function evaluateExpr(rt: Interpreter, e: P.Expr, scope: Scope): PyValue {
  switch (e.kind) {
    case 'Name':
      return rt.loadName(e.id, e.span, scope);
    case 'Constant':
      return e.value === P.ELLIPSIS ? ELLIPSIS_VALUE : (e.value as PyValue);
    case 'JoinedStr': {
      const parts = e.parts.map((p) => (typeof p === 'string' ? p : formattedValue(rt, p, scope)));
      return joinStrings(rt, parts, '', e.span);
    }
    case 'BinOp': {
      const left = evaluateExpr(rt, e.left, scope);
      const right = evaluateExpr(rt, e.right, scope);
      return rt.binary(e.op, left, right, { span: e.span, leftSpan: e.left.span, rightSpan: e.right.span });
    }
    case 'UnaryOp': {
      const v = evaluateExpr(rt, e.operand, scope);
      if (e.op === 'not') return !rt.truth(v, e.operand.span);
      if (v instanceof PyObject) {
        if (!v.unaryOp) throw pyError('TypeError', `bad operand type for unary ${e.op}: '${typeName(v)}'`, e.span);
        return v.unaryOp(rt, e.op, e.span);
      }
      return pythonUnary(e.op, v, e.span);
    }
    case 'BoolOp': {
      const left = evaluateExpr(rt, e.left, scope);
      const t = rt.truth(left, e.left.span);
      if (e.op === 'and' ? !t : t) return left;
      return evaluateExpr(rt, e.right, scope);
    }
    case 'Compare': {
      let left = evaluateExpr(rt, e.left, scope);
      let result: PyValue = true;
      for (let i = 0; i < e.ops.length; i++) {
        const right = evaluateExpr(rt, e.comparators[i], scope);
        const leftSpan = i === 0 ? e.left.span : e.comparators[i - 1].span;
        result = rt.compare(e.ops[i], left, right, { span: e.span, leftSpan, rightSpan: e.comparators[i].span });
        if (i < e.ops.length - 1 && !rt.truth(result, e.span)) return result;
        left = right;
      }
      return result;
    }
    case 'Call':
      return callExpr(rt, e, scope);
    case 'Attribute':
      return rt.getAttr(evaluateExpr(rt, e.value, scope), e.attr, e.attrSpan);
    case 'Subscript':
      return rt.getItem(evaluateExpr(rt, e.value, scope), subscriptIndex(rt, e, scope), e.span, indexSpan(e));
    case 'Starred':
      throw pyError('RuntimeError', "can't use starred expression here", e.span);
    case 'Tuple':
      return new PyTuple(elements(rt, e.elts, scope));
    case 'List':
      return new PyList(elements(rt, e.elts, scope));
    case 'Set': {
      const set = new PyDict(true);
      for (const v of elements(rt, e.elts, scope)) set.set(v, null);
      return set;
    }
    case 'Dict': {
      const d = new PyDict();
      e.keys.forEach((k, i) => {
        if (k === null) {
          const other = evaluateExpr(rt, e.values[i], scope);
          if (!(other instanceof PyDict)) throw pyError('TypeError', `'${typeName(other)}' object is not a mapping`, e.values[i].span);
          for (const entry of other.entries.values()) d.set(entry.key, entry.value);
        } else d.set(evaluateExpr(rt, k, scope), evaluateExpr(rt, e.values[i], scope));
      });
      return d;
    }
    case 'ListComp':
    case 'SetComp':
    case 'GeneratorExp':
    case 'DictComp':
      return comprehension(rt, e, scope);
    case 'Lambda':
      return new PyFunction('<lambda>', e.params, e.body, rt.defaults(e.params, scope), scope, e.span);
    case 'IfExp':
      return rt.truth(evaluateExpr(rt, e.test, scope), e.test.span) ? evaluateExpr(rt, e.body, scope) : evaluateExpr(rt, e.orelse, scope);
    case 'UnsupportedExpr':
      throw new OutsideSubset(`${e.what} is outside tgraph's subset`, e.span);
  }
}

/** The items of a list/tuple display, `*xs` spliced in. */
function elements(rt: Interpreter, elts: readonly P.Expr[], scope: Scope): PyValue[] {
  const out: PyValue[] = [];
  for (const x of elts) {
    if (x.kind === 'Starred') appendWithin(rt, out, rt.iterate(evaluateExpr(rt, x.value, scope), x.value.span), x.span);
    else out.push(evaluateExpr(rt, x, scope));
  }
  return out;
}

function comprehension(rt: Interpreter, e: P.ListComp | P.DictComp, scope: Scope): PyValue {
  const inner = new Scope(scope, false);
  const out: PyValue[] = [];
  const dict = e.kind === 'DictComp' ? new PyDict() : null;
  const loop = (g: number): void => {
    if (g === e.generators.length) {
      if (e.kind === 'DictComp') dict!.set(evaluateExpr(rt, e.key, inner), evaluateExpr(rt, e.value, inner));
      else out.push(evaluateExpr(rt, e.elt, inner));
      return;
    }
    const gen = e.generators[g];
    const items = rt.iterate(evaluateExpr(rt, gen.iter, g === 0 ? scope : inner), gen.iter.span);
    for (const item of items) {
      rt.countIteration(e.span);
      rt.assign(gen.target, item, inner, COMPREHENSION_STMT);
      if (gen.ifs.every((c) => rt.truth(evaluateExpr(rt, c, inner), c.span))) loop(g + 1);
    }
  };
  loop(0);
  if (dict) return dict;
  if (e.kind === 'SetComp') {
    const set = new PyDict(true);
    for (const v of out) set.set(v, null);
    return set;
  }
  return e.kind === 'GeneratorExp' ? new PyIterator('generator', out) : new PyList(out);
}

export function subscriptIndex(rt: Interpreter, e: P.Subscript, scope: Scope): PyValue {
  const items = e.items.map((i) => (i.kind === 'Slice' ? slice(rt, i, scope) : evaluateExpr(rt, i, scope)));
  return e.tuple || items.length > 1 ? new PyTuple(items) : items[0];
}

function slice(rt: Interpreter, s: P.Slice, scope: Scope): PySlice {
  const part = (x: P.Expr | null) => (x ? evaluateExpr(rt, x, scope) : null);
  return new PySlice(part(s.lower), part(s.upper), part(s.step));
}

function callExpr(rt: Interpreter, e: P.Call, scope: Scope): PyValue {
  const fn = evaluateExpr(rt, e.func, scope);
  const args: PyValue[] = [];
  const argSpans: Span[] = [];
  for (const a of e.args) {
    if (a.kind === 'Starred') {
      const items = rt.iterate(evaluateExpr(rt, a.value, scope), a.value.span);
      appendWithin(rt, args, items, a.span);
      for (let i = 0; i < items.length; i++) argSpans.push(a.span);
    } else {
      args.push(evaluateExpr(rt, a, scope));
      argSpans.push(a.span);
    }
  }
  const kwargs: KeywordArg[] = [];
  for (const k of e.keywords) {
    const v = evaluateExpr(rt, k.value, scope);
    if (k.name === null) {
      if (!(v instanceof PyDict)) throw pyError('TypeError', `argument after ** must be a mapping, not ${typeName(v)}`, k.value.span);
      for (const entry of v.entries.values()) {
        if (typeof entry.key !== 'string') throw pyError('TypeError', 'keywords must be strings', k.value.span);
        kwargs.push({ name: entry.key, value: entry.value, span: k.value.span });
      }
    } else kwargs.push({ name: k.name, value: v, span: k.value.span, nameSpan: k.nameSpan ?? k.span });
  }
  return rt.call(fn, args, kwargs, { span: e.span, funcSpan: e.func.span, argSpans, argsSpan: e.argsSpan, expr: e });
}

/** Comprehension variables are bound by no statement of their own. */
const COMPREHENSION_STMT: P.Stmt = { kind: 'Pass', span: { start: 0, end: 0 } };

export function indexSpan(e: P.Subscript): Span {
  const items = e.items;
  if (items.length === 0) return e.span;
  return { start: items[0].span.start, end: items[items.length - 1].span.end };
}

/** One `{value!conv:spec}` of an f-string, its nested fields (`{x:{w}.{p}f}`) evaluated first:
 *  a width or precision past the budget is said at the nested field that gave it. */
function formattedValue(rt: Interpreter, p: P.FormattedValue, scope: Scope): string {
  const v = evaluateExpr(rt, p.value, scope);
  let where = p.span;
  const spec = p.spec?.map((part) => {
    if (typeof part === 'string') return part;
    where = part.span;
    return formattedValue(rt, part, scope);
  });
  return (p.selfDoc ?? '') + formatField(rt, v, p.conversion, spec === undefined ? null : spec.join(''), where);
}
