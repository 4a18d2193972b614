// Where Python would refuse a script, and with which words. The grammar recovers from every
// syntax error (an error node, sometimes of zero length where a token is missing); tgraph
// leaves the statement out and says so at the place Python's caret would point, in Python's
// own terms where they are cheap to tell apart, "invalid syntax" otherwise.

import type { SyntaxNode } from '@lezer/common';
import type * as P from './ast';

const CLOSING = new Set([')', ']', '}']);
const OPENING: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
const TOKEN = /^(?:[A-Za-z_\d]+|\S)/;

/** The syntax error an error node stands for. */
export function syntaxErrorAt(text: string, error: SyntaxNode): P.SyntaxErrorNote {
  const own = text.slice(error.from, error.to).trim();
  if (own.length === 1 && CLOSING.has(own)) {
    const at = error.from + text.slice(error.from, error.to).indexOf(own);
    return { span: { start: at, end: at + 1 }, message: `unmatched '${own}'` };
  }
  const open = error.from === error.to ? unclosedOpening(text, error) : null;
  if (open) return { span: { start: open.from, end: open.to }, message: `'${text[open.from]}' was never closed` };
  return { span: caretSpan(text, error), message: 'invalid syntax' };
}

/** Python 2's `print x`. */
export function printStatementError(text: string, statement: SyntaxNode): P.SyntaxErrorNote {
  return {
    span: { start: statement.from, end: Math.min(statement.to, lineEnd(text, statement.from)) },
    message: "Missing parentheses in call to 'print'. Did you mean print(...)?",
  };
}

/** An opening bracket the missing token was to close, when nothing but blanks and comments
 *  follow (Python then says the bracket was never closed; elsewhere the next line is read
 *  as part of the bracket and the error is "invalid syntax"). */
function unclosedOpening(text: string, error: SyntaxNode): SyntaxNode | null {
  if (!/^(?:\s|#[^\n]*)*$/.test(text.slice(error.to))) return null;
  for (let parent = error.parent; parent; parent = parent.parent) {
    const first = parent.firstChild;
    const last = parent.lastChild;
    if (first && first.to - first.from === 1 && OPENING[text[first.from]]) {
      const close = OPENING[text[first.from]];
      const closed = last !== null && last !== first && last.to - last.from === 1 && text[last.from] === close;
      if (!closed) return first;
    }
  }
  return null;
}

/** Where Python's caret points: the token at the error (a missing token: the next token on
 *  its line, else the character before it); a long error node's first line only. */
function caretSpan(text: string, error: SyntaxNode): P.Span {
  if (error.from < error.to) {
    const end = lineEnd(text, error.from);
    return { start: error.from, end: end > error.from ? Math.min(error.to, end) : error.to };
  }
  let at = error.from;
  while (text[at] === ' ' || text[at] === '\t') at++;
  const token = at < text.length && text[at] !== '\n' && text[at] !== '\r' ? TOKEN.exec(text.slice(at, at + 200)) : null;
  if (token) return { start: at, end: at + token[0].length };
  return error.from > 0 ? { start: error.from - 1, end: error.from } : { start: 0, end: 0 };
}

function lineEnd(text: string, from: number): number {
  const nl = text.indexOf('\n', from);
  return nl < 0 ? text.length : nl;
}
