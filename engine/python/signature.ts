// Binding a call's arguments to a library function's parameter names (positional order and
// keywords, as the Python signature has them), for the functions the interpreter implements
// itself (registry ops bind through the Builder).

import type { Span } from '../syntax/ast';
import type { CallSite, KeywordArg, PyValue } from './values';
import { pyError } from './errors';

export interface BoundPyArgs {
  has(name: string): boolean;
  /** The argument, or `fallback` (a missing argument without one is Python's TypeError). */
  get(name: string, fallback?: PyValue): PyValue;
  span(name: string): Span;
  /** Positional arguments beyond the named parameters (`*args`). */
  rest: PyValue[];
}

export function args(
  fn: string,
  params: readonly string[],
  positional: PyValue[],
  keywords: KeywordArg[],
  site: CallSite,
  varargs = false,
  /** Parameters only a keyword fills (after `*args` in the Python signature). */
  keywordOnly: readonly string[] = [],
): BoundPyArgs {
  const values = new Map<string, { value: PyValue; span: Span }>();
  const rest: PyValue[] = [];
  positional.forEach((v, i) => {
    if (i < params.length) values.set(params[i], { value: v, span: site.argSpans[i] ?? site.span });
    else if (varargs) rest.push(v);
    else
      throw pyError(
        'TypeError',
        `${fn}() takes at most ${params.length} positional argument${params.length === 1 ? '' : 's'} (${positional.length} given)`,
        site.argSpans[i] ?? site.span,
      );
  });
  for (const k of keywords) {
    if (k.name === 'name' && !params.includes('name')) continue;
    if (!params.includes(k.name) && !keywordOnly.includes(k.name))
      throw pyError('TypeError', `${fn}() got an unexpected keyword argument '${k.name}'`, k.nameSpan ?? k.span);
    if (values.has(k.name)) throw pyError('TypeError', `${fn}() got multiple values for argument '${k.name}'`, k.nameSpan ?? k.span);
    values.set(k.name, { value: k.value, span: k.span });
  }
  return {
    has: (name) => values.has(name),
    get: (name, fallback) => {
      const v = values.get(name);
      if (v) return v.value;
      if (fallback !== undefined) return fallback;
      throw pyError('TypeError', `${fn}() missing required argument '${name}'`, site.span);
    },
    span: (name) => values.get(name)?.span ?? site.span,
    rest,
  };
}
