// The lexer of .tgraph files: text -> tokens, comments and lexical diagnostics.
//
// The lexer knows nothing about brackets: it emits a newline token at every physical line
// break that is not escaped by a trailing `\`, and the parser decides which of them end a
// statement (those at bracket depth 0). Offsets are UTF-16 offsets into the original text;
// a leading byte order mark is skipped but still counts in the offsets.
//
// Tokens are stored column-wise in typed arrays (`TokenStream`): a 100,000-line file has
// millions of tokens, and one object per token costs more in garbage collection than the
// whole parse. `lex()` gives the same tokens as objects, for tools that want them.

import type { Comment, SyntaxDiagnostic } from './ast';

// Token kinds. Operators have one kind each, from OP_BASE on (see OP_TEXTS).
export const T_EOF = 0;
export const T_NEWLINE = 1;
export const T_NAME = 2;
export const T_NUMBER = 3;
export const T_STRING = 4;
export const T_INVALID = 5;
export const OP_BASE = 16;
export const OP_TEXTS: readonly string[] = [
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  ',',
  ':',
  '.',
  '...',
  '=',
  '+',
  '-',
  '*',
  '/',
  '//',
  '%',
  '@',
  '**',
  '<',
  '<=',
  '>',
  '>=',
  '==',
  '!=',
];
/** The kind code of an operator (`opCode('**')`), or -1. */
export function opCode(op: string): number {
  const i = OP_TEXTS.indexOf(op);
  return i < 0 ? -1 : OP_BASE + i;
}
export const OP_LPAREN = opCode('(');
export const OP_RPAREN = opCode(')');
export const OP_LBRACKET = opCode('[');
export const OP_RBRACKET = opCode(']');
export const OP_LBRACE = opCode('{');
export const OP_RBRACE = opCode('}');
export const OP_COMMA = opCode(',');
export const OP_COLON = opCode(':');
export const OP_DOT = opCode('.');
export const OP_ELLIPSIS = opCode('...');
export const OP_ASSIGN = opCode('=');
export const OP_PLUS = opCode('+');
export const OP_MINUS = opCode('-');
export const OP_STAR = opCode('*');
export const OP_SLASH = opCode('/');
export const OP_DSLASH = opCode('//');
export const OP_PERCENT = opCode('%');
export const OP_AT = opCode('@');
export const OP_POW = opCode('**');
export const OP_LT = opCode('<');
export const OP_LE = opCode('<=');
export const OP_GT = opCode('>');
export const OP_GE = opCode('>=');
export const OP_EQ = opCode('==');
export const OP_NE = opCode('!=');

/** Statement keywords: keywords only at the start of a statement (see the parser). */
export { STATEMENT_KEYWORDS } from './statements';

/** Operator words: always reserved. */
export const OPERATOR_WORDS: ReadonlySet<string> = new Set(['and', 'or', 'not']);

/** The accepted prefixes of a dotted name (`tf.nn.softmax` -> `softmax`). */
export const ACCEPTED_PREFIXES: readonly string[] = ['tf.compat.v1.', 'tf.math.', 'tf.nn.', 'tf.linalg.', 'tf.', 'np.'];
const PREFIX_SET: ReadonlySet<string> = new Set(ACCEPTED_PREFIXES);

/**
 * The name a dotted name resolves to: the part after the last dot when everything up to
 * and including the last dot is one of the accepted prefixes (`tf.compat.v1.placeholder`
 * -> `placeholder`, `np.float32` -> `float32`); otherwise the text itself (`foo.bar`,
 * `tf.random.normal`), so that the binder reports it as unknown.
 */
export function resolveName(text: string): string {
  const dot = text.lastIndexOf('.');
  if (dot < 0) return text;
  return PREFIX_SET.has(text.slice(0, dot + 1)) ? text.slice(dot + 1) : text;
}

/** The value of a number literal as written (`2.5`, `.5`, `1.`, `1e-3`). */
export function numberLiteral(literal: string): { value: number; isInteger: boolean } {
  return { value: Number(literal), isInteger: !/[.eE]/.test(literal) };
}

/** The tokens of a text, column-wise. Token `count - 1` is always the eof token. */
export class TokenStream {
  count = 0;
  kinds: Uint8Array;
  starts: Int32Array;
  ends: Int32Array;
  /** 1 for the first token of a physical line (not a `\` continuation line), at column 0. */
  lineStarts: Uint8Array;
  /** Decoded values of string tokens, by token index. */
  readonly strings = new Map<number, string>();

  /** `from`: where lexing starts (the characters before it are not read). */
  constructor(
    readonly text: string,
    from = 0,
  ) {
    // Typical code has about one token per 3 characters; the arrays grow when needed.
    const length = text.length - from;
    const capacity = Math.max(16, Math.min(length + 2, Math.floor(length / 3) + 16));
    this.kinds = new Uint8Array(capacity);
    this.starts = new Int32Array(capacity);
    this.ends = new Int32Array(capacity);
    this.lineStarts = new Uint8Array(capacity);
  }

  push(kind: number, start: number, end: number, atLineStart: boolean): number {
    if (this.count === this.kinds.length) this.grow();
    const i = this.count++;
    this.kinds[i] = kind;
    this.starts[i] = start;
    this.ends[i] = end;
    this.lineStarts[i] = atLineStart ? 1 : 0;
    return i;
  }

  private grow(): void {
    const cap = this.kinds.length * 2;
    const kinds = new Uint8Array(cap);
    kinds.set(this.kinds);
    const starts = new Int32Array(cap);
    starts.set(this.starts);
    const ends = new Int32Array(cap);
    ends.set(this.ends);
    const lineStarts = new Uint8Array(cap);
    lineStarts.set(this.lineStarts);
    this.kinds = kinds;
    this.starts = starts;
    this.ends = ends;
    this.lineStarts = lineStarts;
  }

  /** The source text of token i. */
  source(i: number): string {
    return this.text.slice(this.starts[i], this.ends[i]);
  }

  /** True when token i is the name `word` (no allocation). */
  isWord(i: number, word: string): boolean {
    return this.kinds[i] === T_NAME && this.ends[i] - this.starts[i] === word.length && this.text.startsWith(word, this.starts[i]);
  }
}

export type TokenKind = 'name' | 'number' | 'string' | 'op' | 'newline' | 'eof' | 'invalid';

export interface Token {
  kind: TokenKind;
  start: number;
  end: number;
  /**
   * name: the (possibly dotted) name as written; op: the operator (`**`, `(`, `...`);
   * number: the literal as written; string: the decoded value; invalid: the source text;
   * newline and eof: ''.
   */
  text: string;
  /** number: the value (0 for other kinds). */
  value: number;
  /** number: true for integer literals (no `.`, no exponent). */
  isInteger: boolean;
  /** The first token of a physical line (not a `\` continuation line), at column 0. */
  atLineStart: boolean;
}

export interface LexResult {
  /** Always ends with one `eof` token. */
  tokens: Token[];
  comments: Comment[];
  diagnostics: SyntaxDiagnostic[];
}

export interface StreamLexResult {
  stream: TokenStream;
  comments: Comment[];
  diagnostics: SyntaxDiagnostic[];
}

/** The tokens as objects (for highlighting and other tools; the parser uses `lexStream`). */
export function lex(text: string): LexResult {
  const { stream, comments, diagnostics } = lexStream(text);
  const tokens: Token[] = [];
  for (let i = 0; i < stream.count; i++) {
    const k = stream.kinds[i];
    const start = stream.starts[i];
    const end = stream.ends[i];
    const atLineStart = stream.lineStarts[i] === 1;
    const base = { start, end, value: 0, isInteger: false, atLineStart };
    if (k >= OP_BASE) tokens.push({ kind: 'op', text: OP_TEXTS[k - OP_BASE], ...base });
    else if (k === T_NAME) tokens.push({ kind: 'name', text: stream.source(i), ...base });
    else if (k === T_NUMBER) {
      const text = stream.source(i);
      tokens.push({ kind: 'number', text, ...base, ...numberLiteral(text) });
    } else if (k === T_STRING) tokens.push({ kind: 'string', text: stream.strings.get(i) ?? '', ...base });
    else if (k === T_INVALID) tokens.push({ kind: 'invalid', text: stream.source(i), ...base });
    else tokens.push({ kind: k === T_NEWLINE ? 'newline' : 'eof', text: '', ...base });
  }
  return { tokens, comments, diagnostics };
}

const CH_TAB = 9;
const CH_LF = 10;
const CH_VT = 11;
const CH_FF = 12;
const CH_CR = 13;
const CH_SPACE = 32;
const CH_BANG = 33;
const CH_DQUOTE = 34;
const CH_HASH = 35;
const CH_PERCENT = 37;
const CH_SQUOTE = 39;
const CH_LPAREN = 40;
const CH_RPAREN = 41;
const CH_STAR = 42;
const CH_PLUS = 43;
const CH_COMMA = 44;
const CH_MINUS = 45;
const CH_DOT = 46;
const CH_SLASH = 47;
const CH_0 = 48;
const CH_9 = 57;
const CH_COLON = 58;
const CH_LT = 60;
const CH_EQ = 61;
const CH_GT = 62;
const CH_AT = 64;
const CH_LBRACKET = 91;
const CH_BACKSLASH = 92;
const CH_RBRACKET = 93;
const CH_LBRACE = 123;
const CH_RBRACE = 125;

function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}

function isIdentPart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || (c >= CH_0 && c <= CH_9);
}

function isDigit(c: number): boolean {
  return c >= CH_0 && c <= CH_9;
}

function describeChar(ch: string): string {
  const cp = ch.codePointAt(0) ?? 0;
  if (cp < 0x20 || cp === 0x7f || (cp >= 0x80 && cp <= 0xa0) || cp === 0xfeff) {
    return `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  }
  return `'${ch}'`;
}

/** The tokens of `text`, or of its end from offset `from` on, lexed as if every character
 *  before `from` but the newlines were a space: the same tokens, at the same offsets, as the
 *  text with its beginning so blanked out gives after its newlines, without reading that
 *  beginning (an edit near the end of a long file parses only what follows the statements
 *  it keeps). */
export function lexStream(text: string, from = 0): StreamLexResult {
  const n = text.length;
  const stream = new TokenStream(text, from);
  const comments: Comment[] = [];
  const diagnostics: SyntaxDiagnostic[] = [];

  let i = from > 0 ? from : n > 0 && text.charCodeAt(0) === 0xfeff ? 1 : 0;
  // (a blanked beginning keeps only its newlines: the line holding `from` starts after the last)
  let lineStart = from > 0 ? text.lastIndexOf('\n', from - 1) + 1 : i;
  let firstOnLine = true;

  const push = (kind: number, start: number, end: number): number => {
    const idx = stream.push(kind, start, end, firstOnLine && start === lineStart);
    firstOnLine = false;
    return idx;
  };
  const report = (start: number, end: number, message: string): void => {
    diagnostics.push({ span: { start, end }, message, code: 'syntax' });
  };

  while (i < n) {
    const c = text.charCodeAt(i);

    if (c === CH_SPACE || c === CH_TAB || c === CH_FF || c === CH_VT) {
      i++;
      continue;
    }

    if (isIdentStart(c)) {
      let j = i + 1;
      for (;;) {
        while (j < n && isIdentPart(text.charCodeAt(j))) j++;
        // A dot directly followed by a name character joins the two into one dotted name.
        if (j + 1 < n && text.charCodeAt(j) === CH_DOT && isIdentStart(text.charCodeAt(j + 1))) {
          j += 2;
          continue;
        }
        break;
      }
      push(T_NAME, i, j);
      i = j;
      continue;
    }

    if (c === CH_LF || c === CH_CR) {
      const len = c === CH_CR && text.charCodeAt(i + 1) === CH_LF ? 2 : 1;
      push(T_NEWLINE, i, i + len);
      i += len;
      lineStart = i;
      firstOnLine = true;
      continue;
    }

    if (isDigit(c) || (c === CH_DOT && isDigit(text.charCodeAt(i + 1)))) {
      i = lexNumber(i);
      continue;
    }

    let op = -1;
    const c1 = i + 1 < n ? text.charCodeAt(i + 1) : -1;
    switch (c) {
      case CH_LPAREN:
        op = OP_LPAREN;
        break;
      case CH_RPAREN:
        op = OP_RPAREN;
        break;
      case CH_LBRACKET:
        op = OP_LBRACKET;
        break;
      case CH_RBRACKET:
        op = OP_RBRACKET;
        break;
      case CH_LBRACE:
        op = OP_LBRACE;
        break;
      case CH_RBRACE:
        op = OP_RBRACE;
        break;
      case CH_COMMA:
        op = OP_COMMA;
        break;
      case CH_COLON:
        op = OP_COLON;
        break;
      case CH_PLUS:
        op = OP_PLUS;
        break;
      case CH_MINUS:
        op = OP_MINUS;
        break;
      case CH_PERCENT:
        op = OP_PERCENT;
        break;
      case CH_AT:
        op = OP_AT;
        break;
      case CH_STAR:
        op = c1 === CH_STAR ? OP_POW : OP_STAR;
        break;
      case CH_SLASH:
        op = c1 === CH_SLASH ? OP_DSLASH : OP_SLASH;
        break;
      case CH_LT:
        op = c1 === CH_EQ ? OP_LE : OP_LT;
        break;
      case CH_GT:
        op = c1 === CH_EQ ? OP_GE : OP_GT;
        break;
      case CH_EQ:
        op = c1 === CH_EQ ? OP_EQ : OP_ASSIGN;
        break;
      case CH_BANG:
        op = c1 === CH_EQ ? OP_NE : -1;
        break;
      case CH_DOT:
        op = c1 === CH_DOT && text.charCodeAt(i + 2) === CH_DOT ? OP_ELLIPSIS : OP_DOT;
        break;
    }
    if (op >= 0) {
      const len = OP_TEXTS[op - OP_BASE].length;
      push(op, i, i + len);
      i += len;
      continue;
    }

    if (c === CH_DQUOTE || c === CH_SQUOTE) {
      i = lexString(i, c);
      continue;
    }

    if (c === CH_HASH) {
      let j = i + 1;
      while (j < n) {
        const d = text.charCodeAt(j);
        if (d === CH_LF || d === CH_CR) break;
        j++;
      }
      comments.push({ span: { start: i, end: j }, text: text.slice(i + 1, j) });
      i = j;
      continue;
    }

    if (c === CH_BACKSLASH) {
      // Line continuation: `\`, optional spaces or tabs, then the line break (or the end of file).
      let j = i + 1;
      while (j < n && (text.charCodeAt(j) === CH_SPACE || text.charCodeAt(j) === CH_TAB)) j++;
      if (j >= n) {
        i = j;
        continue;
      }
      const d = text.charCodeAt(j);
      if (d === CH_LF || d === CH_CR) {
        i = j + (d === CH_CR && text.charCodeAt(j + 1) === CH_LF ? 2 : 1);
        lineStart = i;
        firstOnLine = false; // a continuation line never starts a statement
        continue;
      }
      report(i, i + 1, "unexpected '\\': a line continuation must be the last character on its line");
      push(T_INVALID, i, i + 1);
      i++;
      continue;
    }

    // Anything else: one character (one code point) reported, then lexing continues.
    const cp = text.codePointAt(i) ?? c;
    const len = cp > 0xffff ? 2 : 1;
    const ch = text.slice(i, i + len);
    let message = `unexpected character ${describeChar(ch)}`;
    if (ch === ';') message += ': put each statement on its own line';
    else if (ch === '!') message += ": use 'not' (or '!=' for inequality)";
    else if (ch === '&' || ch === '|') message += `: use '${ch === '&' ? 'and' : 'or'}'`;
    report(i, i + len, message);
    push(T_INVALID, i, i + len);
    i += len;
  }

  push(T_EOF, n, n);
  return { stream, comments, diagnostics };

  /** `3`, `2.5`, `.5`, `1.`, `1e-3`, `1E5`; returns the offset after the literal. */
  function lexNumber(start: number): number {
    let j = start;
    while (j < n && isDigit(text.charCodeAt(j))) j++;
    if (j < n && text.charCodeAt(j) === CH_DOT) {
      j++;
      while (j < n && isDigit(text.charCodeAt(j))) j++;
    }
    const e = j < n ? text.charCodeAt(j) : -1;
    if (e === 101 || e === 69) {
      // e E
      let k = j + 1;
      const sign = k < n ? text.charCodeAt(k) : -1;
      if (sign === CH_PLUS || sign === CH_MINUS) k++;
      if (k < n && isDigit(text.charCodeAt(k))) {
        while (k < n && isDigit(text.charCodeAt(k))) k++;
        j = k;
      }
    }
    if (j < n && isIdentPart(text.charCodeAt(j))) {
      // `3x`, `1e`, `2j`: one invalid token for the whole run.
      while (j < n && (isIdentPart(text.charCodeAt(j)) || text.charCodeAt(j) === CH_DOT)) j++;
      report(start, j, `invalid number literal '${text.slice(start, j)}'`);
      push(T_INVALID, start, j);
      return j;
    }
    push(T_NUMBER, start, j);
    return j;
  }

  /** Lexes a string literal starting at the quote at `start`; returns the offset after it. */
  function lexString(start: number, quote: number): number {
    const pieces: string[] = [];
    let j = start + 1;
    let seg = j;
    let terminated = false;
    while (j < n) {
      const d = text.charCodeAt(j);
      if (d === quote) {
        terminated = true;
        break;
      }
      if (d === CH_LF || d === CH_CR) break;
      if (d !== CH_BACKSLASH) {
        j++;
        continue;
      }
      if (j + 1 >= n) break; // a backslash at the very end: unterminated
      const e = text.charCodeAt(j + 1);
      let decoded: string | undefined;
      let skip = 2;
      switch (e) {
        case CH_BACKSLASH:
          decoded = '\\';
          break;
        case CH_SQUOTE:
          decoded = "'";
          break;
        case CH_DQUOTE:
          decoded = '"';
          break;
        case 110 /* n */:
          decoded = '\n';
          break;
        case 116 /* t */:
          decoded = '\t';
          break;
        case 114 /* r */:
          decoded = '\r';
          break;
        case 48 /* 0 */:
          decoded = '\0';
          break;
        case CH_LF:
          decoded = '';
          break; // an escaped line break continues the string
        case CH_CR:
          decoded = '';
          skip = text.charCodeAt(j + 2) === CH_LF ? 3 : 2;
          break;
        default:
          decoded = undefined; // unknown escape: kept as written, as Python does
      }
      if (decoded !== undefined) {
        pieces.push(text.slice(seg, j), decoded);
        j += skip;
        seg = j;
      } else {
        j += 2;
      }
    }
    pieces.push(text.slice(seg, j));
    const value = pieces.length === 1 ? pieces[0] : pieces.join('');
    if (terminated) {
      stream.strings.set(push(T_STRING, start, j + 1), value);
      return j + 1;
    }
    report(start, j, `unterminated string literal: missing the closing ${String.fromCharCode(quote)}`);
    stream.strings.set(push(T_STRING, start, j), value);
    return j;
  }
}
