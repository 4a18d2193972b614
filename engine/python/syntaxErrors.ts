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

/** The blanks before a statement that starts its line, or null for one that follows another
 *  on its line (`a = 1; b = 2`). */
export function indentOf(text: string, from: number): string | null {
  const lineStart = text.lastIndexOf('\n', from - 1) + 1;
  const before = text.slice(lineStart, from);
  return /^[ \t\f]*$/.test(before) ? before : null;
}

/** Whether the next line with code from `from`'s line on is indented deeper than `indent`. */
export function deeperLineFollows(text: string, from: number, indent: string): boolean {
  const lineBreak = text.lastIndexOf('\n', from - 1);
  const next = /\n([ \t\f]*)[^\s#]/.exec(text.slice(Math.max(0, lineBreak), from + 10_000));
  return next !== null && next[1].length > indent.length;
}

/** A statement indented unlike its block (`expected` is the block's indentation). */
export function indentationError(text: string, statement: SyntaxNode, expected: string): P.SyntaxErrorNote {
  const indent = indentOf(text, statement.from) ?? '';
  return {
    span: { start: statement.from, end: Math.min(statement.to, lineEnd(text, statement.from)) },
    // Deeper than its block but shallower than the line before (the end of a nested block):
    // a dedent to no level Python has seen.
    message:
      indent.length > expected.length && indent.length >= previousCodeIndent(text, statement.from).length
        ? 'unexpected indent'
        : 'unindent does not match any outer indentation level',
    error: 'IndentationError',
  };
}

/** The indentation of the last line with code before `from`'s line ('' when none). */
function previousCodeIndent(text: string, from: number): string {
  const before = text.slice(Math.max(0, from - 10_000), text.lastIndexOf('\n', from - 1) + 1);
  const lines = before.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = /^([ \t\f]*)[^\s#]/.exec(lines[i]);
    if (m) return m[1];
  }
  return '';
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
