// `'{} {:.3f} {name}'.format(...)` as CPython's str.format parses it: fields numbered
// automatically or by hand (not both), `.attr` and `[key]` after the name, a conversion, and a
// spec that may itself hold replacement fields (`'{:{}.{}f}'.format(x, w, p)`), one level deep.

import type { Span } from '../syntax/ast';
import type { CallSite, KeywordArg, PyValue } from './values';
import { pyError } from './errors';
import { pyRepr } from './format';
import { formatField, joinStrings } from './operators';
import type { Interpreter } from './interpreter';

/** An argument picked by a field, and the span of the argument (where a bad width is said). */
interface Picked {
  value: PyValue;
  span: Span;
}

export function strFormat(rt: Interpreter, fmt: string, args: PyValue[], kwargs: KeywordArg[], site: CallSite): string {
  let auto: 'unset' | 'auto' | 'manual' = 'unset';
  let nextIndex = 0;
  const fail = (message: string): never => {
    throw pyError('ValueError', message, site.span);
  };

  const pick = (field: string): Picked => {
    const head = /^[^.[]*/.exec(field)![0];
    let picked: Picked;
    if (head === '') {
      if (auto === 'manual') fail('cannot switch from manual field specification to automatic field numbering');
      auto = 'auto';
      picked = positional(nextIndex++);
    } else if (/^\d+$/.test(head)) {
      if (auto === 'auto') fail('cannot switch from automatic field numbering to manual field specification');
      auto = 'manual';
      picked = positional(Number(head));
    } else {
      const k = kwargs.find((a) => a.name === head);
      if (!k) throw pyError('KeyError', pyRepr(head), site.span);
      picked = { value: k.value, span: k.span };
    }
    for (const [, attr, key] of field.slice(head.length).matchAll(/\.([^.[]*)|\[([^\]]*)\]/g)) {
      if (attr !== undefined) picked = { value: rt.getAttr(picked.value, attr, picked.span), span: picked.span };
      else picked = { value: itemOf(picked.value, key, picked.span), span: picked.span };
    }
    return picked;
  };

  const positional = (i: number): Picked => {
    if (i >= args.length) throw pyError('IndexError', `Replacement index ${i} out of range for positional args tuple`, site.span);
    return { value: args[i], span: site.argSpans[i] ?? site.span };
  };

  // `'{0[1]}'` indexes by the integer 1, `'{0[a]}'` by the string 'a'
  const itemOf = (v: PyValue, key: string, span: Span): PyValue => rt.getItem(v, /^\d+$/.test(key) ? BigInt(key) : key, span, span);

  /** One field `{name!conv:spec}` from just after its `{`; returns its text and where it ended. */
  const field = (at: number, depth: number): { text: string; end: number; span: Span } => {
    let i = at;
    let bracket = false;
    while (i < fmt.length && (bracket || !'}!:'.includes(fmt[i]))) {
      if (fmt[i] === '[') bracket = true;
      else if (fmt[i] === ']') bracket = false;
      else if (fmt[i] === '{') fail("unexpected '{' in field name");
      i++;
    }
    const name = fmt.slice(at, i);
    let conversion = '';
    if (fmt[i] === '!') {
      conversion = fmt[i + 1] ?? '';
      if (!'rsa'.includes(conversion) || conversion === '') fail(`Unknown conversion specifier ${conversion || '\\x00'}`);
      i += 2;
      if (fmt[i] !== ':' && fmt[i] !== '}') fail("expected ':' after conversion specifier");
    }
    // the field's own argument is numbered before those nested in its spec
    const picked = pick(name);
    let spec = '';
    let specSpan = site.span;
    if (fmt[i] === ':') {
      i++;
      const parts: string[] = [];
      for (;;) {
        if (i >= fmt.length) fail("unmatched '{' in format spec");
        const c = fmt[i];
        if (c === '}') break;
        if (c === '{') {
          if (depth >= 1) fail('Max string recursion exceeded');
          const nested = field(i + 1, depth + 1);
          parts.push(nested.text);
          specSpan = nested.span;
          i = nested.end;
          continue;
        }
        parts.push(c);
        i++;
      }
      spec = parts.join('');
    }
    if (fmt[i] !== '}') fail("expected '}' before end of string");
    // A width taken from another argument is said at that argument; a literal one at the value.
    const text = formatField(rt, picked.value, conversion, spec === '' ? null : spec, specSpan === site.span ? picked.span : specSpan);
    return { text, end: i + 1, span: picked.span };
  };

  const out: string[] = [];
  let i = 0;
  let literalStart = 0;
  while (i < fmt.length) {
    const c = fmt[i];
    if (c !== '{' && c !== '}') {
      i++;
      continue;
    }
    out.push(fmt.slice(literalStart, i));
    if (fmt[i + 1] === c) {
      out.push(c);
      i += 2;
    } else if (c === '}') {
      fail("Single '}' encountered in format string");
    } else {
      if (i + 1 >= fmt.length) fail("Single '{' encountered in format string");
      const f = field(i + 1, 0);
      out.push(f.text);
      i = f.end;
    }
    literalStart = i;
  }
  out.push(fmt.slice(literalStart));
  return joinStrings(rt, out, '', site.span);
}
