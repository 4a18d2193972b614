// Calls of Python functions: binding arguments to parameters as Python does, and Python's
// slices of sequences.

import type { Span } from '../syntax/ast';
import { type CallSite, type KeywordArg, PyDict, type PyFunction, type PySlice, PyTuple, type PyValue, type Scope } from './values';
import { pyError } from './errors';
import type { Interpreter } from './interpreter';

/** Python's slice of a sequence. */
export function sliceItems<T>(items: readonly T[], s: PySlice, rt: Interpreter, span: Span): T[] {
  const n = items.length;
  const step = s.step === null ? 1 : rt.rt.indexValue(s.step, span);
  if (step === 0) throw pyError('ValueError', 'slice step cannot be zero', span);
  const clamp = (v: PyValue, dflt: number): number => {
    if (v === null) return dflt;
    let i = rt.rt.indexValue(v, span);
    if (i < 0) i += n;
    if (step > 0) return Math.min(Math.max(i, 0), n);
    return Math.min(Math.max(i, -1), n - 1);
  };
  const start = clamp(s.start, step > 0 ? 0 : n - 1);
  const stop = clamp(s.stop, step > 0 ? n : -1);
  const out: T[] = [];
  if (step > 0) for (let i = start; i < stop; i += step) out.push(items[i]);
  else for (let i = start; i > stop; i += step) out.push(items[i]);
  return out;
}

/** Binds a call's arguments to a def's parameters, as Python does. */
export function bindArguments(fn: PyFunction, args: PyValue[], kwargs: KeywordArg[], site: CallSite, scope: Scope): void {
  const params = fn.params;
  const positional = params.filter((p) => p.kind === 'positional');
  const varargs = params.find((p) => p.kind === 'varargs');
  const varkw = params.find((p) => p.kind === 'kwargs');
  const bound = new Map<string, PyValue>();
  positional.forEach((p, i) => {
    if (i < args.length) bound.set(p.name, args[i]);
  });
  if (args.length > positional.length) {
    if (!varargs) {
      throw pyError(
        'TypeError',
        `${fn.name}() takes ${positional.length} positional argument${positional.length === 1 ? '' : 's'} but ${args.length} were given`,
        site.argSpans[positional.length] ?? site.span,
      );
    }
  }
  if (varargs) bound.set(varargs.name, new PyTuple(args.slice(positional.length)));
  const extra = new PyDict();
  for (const k of kwargs) {
    const p = params.find((q) => q.name === k.name && (q.kind === 'positional' || q.kind === 'keyword'));
    if (!p) {
      if (!varkw) throw pyError('TypeError', `${fn.name}() got an unexpected keyword argument '${k.name}'`, k.span);
      extra.set(k.name, k.value);
      continue;
    }
    if (bound.has(p.name)) throw pyError('TypeError', `${fn.name}() got multiple values for argument '${p.name}'`, k.span);
    bound.set(p.name, k.value);
  }
  if (varkw) bound.set(varkw.name, extra);
  const missing: string[] = [];
  for (const p of params) {
    if (bound.has(p.name)) continue;
    if (fn.defaults.has(p.name)) bound.set(p.name, fn.defaults.get(p.name)!);
    else if (p.kind === 'positional' || p.kind === 'keyword') missing.push(p.name);
  }
  if (missing.length) {
    throw pyError(
      'TypeError',
      `${fn.name}() missing ${missing.length} required argument${missing.length === 1 ? '' : 's'}: ${missing.map((m) => `'${m}'`).join(' and ')}`,
      site.span,
    );
  }
  for (const [k, v] of bound) scope.vars.set(k, v);
}
