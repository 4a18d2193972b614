// The parser of .tgraph files: text -> Program (statements, comments, syntax diagnostics).
//
// Structure
// ---------
// 1. `lexStream` turns the text into tokens (typed arrays). It emits a newline token at every
//    physical line break (except after a trailing `\`), whatever the bracket depth.
// 2. `Segmenter` finds where each statement ends, with tables built in linear time: a
//    statement ends at the first newline where the bracket depth (counting `( [ {` up and
//    `) ] }` down, whatever their kind, and never below the statement's starting level) is
//    back to its starting level.
// 3. Each statement is parsed by recursive descent with precedence climbing. Newline tokens
//    inside a statement are inside brackets and are skipped.
//
// Error recovery
// --------------
// * At most one parse error is reported per statement: at the first error the statement
//   stops consuming tokens, every enclosing construct returns what it has so far, and parsing
//   resumes with the next statement. A statement whose target is known (`y = 2 *`,
//   `feed x = `, `def f(x) = `, `check ...`, `assert ...`) is kept, with an ErrorExpr where the
//   parser gave up; trailing junk after a complete value (`y = 3 4`) turns the whole value
//   into one ErrorExpr. A bare expression statement with an error, and an assignment whose
//   left side is not a name or a list of names, are dropped.
// * Unclosed brackets. A bracket that is never closed would swallow every following line.
//   When a statement still has open brackets at the end of the file, the outermost one is
//   reported ("unclosed '(': no matching ')' ...", spanning the bracket) and the statement is
//   cut at the first later line that starts at column 0 with something that looks like a
//   statement start: a plain name followed by `=`, or a statement keyword used as a keyword.
//   Parsing resumes there; with no such line, the statement runs to the end of the file.
//   A parse error at the very end of such a statement is not reported (the unclosed bracket
//   explains it); an earlier one is.
//   An unclosed bracket can also be "closed" by a stray closer many lines later (typing `(`
//   above a line that has an extra `)`); the statement then fails at some token on a later
//   line. If a column-0 statement-like line start lies between the statement's first line
//   and that token, the statement is cut there instead, and reported as unclosed. (Because of
//   this, a column-0 `name=` line inside a bracket, like a keyword argument, is only taken
//   for a statement start when the statement is broken anyway.) Re-parsing after such a cut
//   has a budget proportional to the file, so the parse stays linear.
// * Nesting deeper than `maxDepth` (brackets, unary operators, `not` and `**` exponents all
//   count one level) gives one 'nesting-too-deep' diagnostic for the statement and nothing
//   else for it; the recursion never goes deeper than that, so there is no stack overflow.
// * Lexical errors (unexpected characters, bad number literals) are reported by the lexer;
//   the statement that contains one fails silently at that token. An unterminated string is
//   reported by the lexer and keeps its value (up to the end of the line).
//
// Statement keywords (`feed def grad check assert`, and tgraph's `print`) are keywords only as the first token of a
// statement, and only when the next token could follow the keyword: not `=` (`check = 3`
// binds a name), nor `,` (`grad, h = ...` destructures), nor an operator that can only sit
// between two operands (`check == 3`, `check.x`, `check[0]`, ...).
//
// Other choices: a bare `a, b` (statement level only, also on the right of `=`) is a ListExpr
// with bracket '('; `(a)` is just `a`, and the parentheses are included in the span of the
// enclosing node; a dotted name after `.` (`f(x).shape.rank`) becomes nested AttributeExprs;
// a positional argument after a keyword argument is reported but the call is kept.

import type { Argument, BinaryOp, ErrorExpr, Expr, Identifier, IndexItem, ListExpr, Program, Span, Stmt, SyntaxDiagnostic } from './ast';
import { childExprs } from './ast';
import { STATEMENT_BY_KEYWORD, type StatementForm, statementExpr, statementWithoutExpr } from './statements';
import {
  lexStream,
  resolveName,
  TokenStream,
  STATEMENT_KEYWORDS,
  OPERATOR_WORDS,
  OP_TEXTS,
  OP_BASE,
  T_EOF,
  T_NEWLINE,
  T_NAME,
  T_NUMBER,
  T_STRING,
  T_INVALID,
  OP_LPAREN,
  OP_RPAREN,
  OP_LBRACKET,
  OP_RBRACKET,
  OP_LBRACE,
  OP_RBRACE,
  OP_COMMA,
  OP_COLON,
  OP_DOT,
  OP_ELLIPSIS,
  OP_ASSIGN,
  OP_PLUS,
  OP_MINUS,
  OP_POW,
  opCode,
} from './lexer';
import { LineIndex } from './lineIndex';
import { DEFAULT_BUDGETS, raiseHint } from '../budgets';

export interface ParseOptions {
  /** Maximum nesting of brackets and prefix operators in one expression (default 200). */
  maxDepth?: number;
  /** When set, maximum depth of one statement's syntax tree, where every operator of a
   *  chain `a + b + c` and every call, subscript and attribute count a level: a deeper
   *  statement gets one 'nesting-too-deep' diagnostic and no value. The analysis sets it
   *  (to `tgraph.maxNestingDepth`): its walks of the tree are recursive. */
  maxTreeDepth?: number;
}

export const DEFAULT_MAX_DEPTH = DEFAULT_BUDGETS.maxNestingDepth;

/** 10^0 .. 10^22, each exact in a double. */
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));

export function parse(text: string, options: ParseOptions = {}): Program {
  const maxDepth = Math.max(1, Math.floor(options.maxDepth ?? DEFAULT_MAX_DEPTH));
  const maxTreeDepth = options.maxTreeDepth === undefined ? Infinity : Math.max(1, Math.floor(options.maxTreeDepth));
  const lexed = lexStream(text);
  const ts = lexed.stream;
  const segmenter = new Segmenter(ts);
  const parser = new Parser(ts, maxDepth);
  const statements: Stmt[] = [];
  // Re-parsing after a cut (see "Error recovery" above) is bounded to keep the parse linear.
  let retryBudget = 2 * ts.count + 1000;
  let p = segmenter.skipNewlines(0);
  while (p < ts.count - 1) {
    let end = segmenter.statementAt(p);
    const unclosed = segmenter.unclosed;
    const mark = parser.diagnostics.length;
    let stmt = parser.parseSegment(p, end, unclosed);
    const f = parser.failedAt;
    if (f > p && f < end && retryBudget > 0) {
      const c = segmenter.candidateIn(p + 1, f);
      const k = c >= 0 ? segmenter.unclosedBefore(p, c) : -1;
      if (k >= 0) {
        retryBudget -= f - p;
        parser.diagnostics.length = mark;
        stmt = parser.parseSegment(p, c, k);
        end = c;
      }
    }
    // Every level of a syntax tree takes a token of its own: only a statement with more
    // tokens than the budget can be too deep.
    if (stmt && end - p > maxTreeDepth) stmt = withinDepth(stmt, maxTreeDepth, parser.diagnostics);
    if (stmt) statements.push(stmt);
    p = segmenter.skipNewlines(end);
  }
  const diagnostics = lexed.diagnostics.concat(parser.diagnostics);
  diagnostics.sort((x, y) => x.span.start - y.span.start);
  return { statements, comments: lexed.comments, diagnostics };
}

// ---------------------------------------------------------------------------------------------
// Token classes

function isOpener(k: number): boolean {
  return k === OP_LPAREN || k === OP_LBRACKET || k === OP_LBRACE;
}

function isCloser(k: number): boolean {
  return k === OP_RPAREN || k === OP_RBRACKET || k === OP_RBRACE;
}

const CLOSER_OF: Readonly<Record<string, string>> = { '(': ')', '[': ']', '{': '}' };

/** True when token i (the one after a statement keyword) lets the keyword be a keyword. */
function keywordMayPrecede(ts: TokenStream, i: number, end: number): boolean {
  // (`print`, `print[0]`, `print - 1` are expressions: see `operandOnly`)
  if (isOperandOnlyKeyword(ts, i - 1))
    return i < end && (ts.kinds[i] === OP_LPAREN || (ts.kinds[i] < OP_BASE && ts.kinds[i] !== T_NEWLINE && ts.kinds[i] !== T_EOF));
  if (i >= end) return true;
  const k = ts.kinds[i];
  if (k >= OP_BASE) {
    return k === OP_LPAREN || k === OP_LBRACKET || k === OP_LBRACE || k === OP_MINUS || k === OP_PLUS || k === OP_ELLIPSIS;
  }
  if (k === T_NAME) return !ts.isWord(i, 'and') && !ts.isWord(i, 'or');
  return true; // number, string, invalid, newline, eof
}

/** A name that can be bound: no dots, not reserved, not a literal (`True`, `nan`, ...). */
function isPlainName(ts: TokenStream, i: number): boolean {
  if (ts.kinds[i] !== T_NAME) return false;
  const start = ts.starts[i];
  const end = ts.ends[i];
  for (let j = start; j < end; j++) if (ts.text.charCodeAt(j) === 46 /* . */) return false;
  if (end - start > 5) return true; // longer than every reserved word
  const s = ts.source(i);
  return !(OPERATOR_WORDS.has(s) || s === 'True' || s === 'False' || s === 'None' || s === 'nan' || s === 'inf');
}

function isStatementKeyword(ts: TokenStream, i: number): boolean {
  if (ts.kinds[i] !== T_NAME) return false;
  const len = ts.ends[i] - ts.starts[i];
  if (len < 3 || len > 6) return false;
  // Compared in place rather than sliced out: nearly every statement starts with a name.
  for (const keyword of KEYWORD_LIST) if (ts.isWord(i, keyword)) return true;
  return false;
}

const KEYWORD_LIST: readonly string[] = [...STATEMENT_KEYWORDS];
const OPERAND_ONLY_KEYWORDS: readonly string[] = [...STATEMENT_BY_KEYWORD].filter(([, s]) => s.operandOnly).map(([k]) => k);

function isOperandOnlyKeyword(ts: TokenStream, i: number): boolean {
  for (const keyword of OPERAND_ONLY_KEYWORDS) if (ts.isWord(i, keyword)) return true;
  return false;
}

/** A column-0 line start that looks like the start of a statement (for unclosed-bracket resync). */
function looksLikeStatementStart(ts: TokenStream, i: number): boolean {
  if (ts.lineStarts[i] !== 1 || !isPlainName(ts, i)) return false;
  const next = i + 1;
  const nk = ts.kinds[next];
  if (nk === OP_ASSIGN) return true;
  return isStatementKeyword(ts, i) && nk !== T_NEWLINE && nk !== T_EOF && keywordMayPrecede(ts, next, ts.count);
}

// ---------------------------------------------------------------------------------------------
// Segmentation

/**
 * Cuts the tokens into statements. From a statement start p, the statement is tokens
 * [p, end): token `end` is the first newline (or eof) where the bracket depth is back to the
 * depth at p, counting every kind of bracket alike and never below the depth at p (a stray
 * closer does not open anything). Everything is precomputed in linear time.
 */
class Segmenter {
  /** depth[i]: bracket depth before token i (may go negative on stray closers). */
  private readonly depth: Int32Array;
  /**
   * next[i]: the first j > i with depth[j] <= depth[i], or -1. From a statement start p, the
   * chain p, next[p], next[next[p]], ... visits exactly the tokens at the statement's own
   * level; the first newline (or eof) in the chain ends the statement.
   */
  private readonly next: Int32Array;
  /**
   * chainEnd[i]: the first newline or eof in the chain from i (the end of a statement that
   * starts at i), or -(j + 1) when the chain stops at token j before any (j then opens a
   * bracket that is never closed). Memoised so that every statement query is O(1).
   */
  private readonly chainEnd: Int32Array;
  /** Column-0 line starts that look like statement starts, in order: found when first
   *  needed (only a broken statement needs them, and finding them reads every line start). */
  private candidates: Int32Array | undefined;

  constructor(private readonly ts: TokenStream) {
    const n = ts.count;
    const kinds = ts.kinds;
    const depth = new Int32Array(n);
    let d = 0;
    for (let i = 0; i < n; i++) {
      depth[i] = d;
      const k = kinds[i];
      if (k >= OP_BASE) {
        if (isOpener(k)) d++;
        else if (isCloser(k)) d--;
      }
    }
    const next = new Int32Array(n);
    const stack = new Int32Array(n);
    let sp = 0;
    for (let i = n - 1; i >= 0; i--) {
      while (sp > 0 && depth[stack[sp - 1]] > depth[i]) sp--;
      next[i] = sp > 0 ? stack[sp - 1] : -1;
      stack[sp++] = i;
    }
    const chainEnd = new Int32Array(n);
    for (let i = n - 1; i >= 0; i--) {
      const k = next[i];
      if (k < 0) chainEnd[i] = -(i + 1);
      else if (kinds[k] === T_NEWLINE || kinds[k] === T_EOF) chainEnd[i] = k;
      else chainEnd[i] = chainEnd[k];
    }
    this.chainEnd = chainEnd;
    this.depth = depth;
    this.next = next;
  }

  private statementLikeLineStarts(): Int32Array {
    if (this.candidates === undefined) {
      const ts = this.ts;
      const found = new Int32Array(ts.count);
      let count = 0;
      for (let i = 0; i < ts.count - 1; i++) if (looksLikeStatementStart(ts, i)) found[count++] = i;
      this.candidates = found.slice(0, count);
    }
    return this.candidates;
  }

  skipNewlines(p: number): number {
    while (p < this.ts.count - 1 && this.ts.kinds[p] === T_NEWLINE) p++;
    return p;
  }

  /** Set by statementAt: -1, or the outermost bracket of the statement that is never closed. */
  unclosed = -1;

  /**
   * The statement starting at p: returns the index of the token after it. When one of its
   * brackets is never closed (`unclosed`), the statement is cut at the first later line that
   * looks like a statement start (the result is its first token), or at the eof.
   */
  statementAt(p: number): number {
    const end = this.chainEnd[p];
    if (end >= 0) {
      this.unclosed = -1;
      return end;
    }
    // chainEnd[p] = -(j + 1): token j opens a bracket that is never closed.
    const j = -end - 1;
    const c = this.candidateIn(j + 1, this.ts.count - 1);
    this.unclosed = j;
    return c >= 0 ? c : this.ts.count - 1;
  }

  /** The first statement-like line start c with lo <= c <= hi, or -1. */
  candidateIn(lo: number, hi: number): number {
    const cs = this.statementLikeLineStarts();
    let a = 0;
    let b = cs.length;
    while (a < b) {
      const mid = (a + b) >> 1;
      if (cs[mid] < lo) a = mid + 1;
      else b = mid;
    }
    return a < cs.length && cs[a] <= hi ? cs[a] : -1;
  }

  /** The outermost bracket opened at or after p that is still open before token c, or -1. */
  unclosedBefore(p: number, c: number): number {
    let j = p;
    for (;;) {
      const k = this.next[j];
      if (k < 0 || k >= c) break;
      j = k;
    }
    return j + 1 < c && this.depth[j + 1] > this.depth[j] ? j : -1;
  }
}

// ---------------------------------------------------------------------------------------------
// Parsing

const PREC_OR = 1;
const PREC_AND = 2;
const PREC_NOT = 3;
/** Binary operator precedence by token kind (0: not a binary operator). `**` is separate. */
const BINARY_PREC = new Uint8Array(OP_BASE + OP_TEXTS.length);
for (const [op, prec] of [
  ['<', 4],
  ['<=', 4],
  ['>', 4],
  ['>=', 4],
  ['==', 4],
  ['!=', 4],
  ['+', 5],
  ['-', 5],
  ['*', 6],
  ['/', 6],
  ['//', 6],
  ['%', 6],
  ['@', 6],
] as const) {
  BINARY_PREC[opCode(op)] = prec;
}

class NestingError extends Error {
  constructor(readonly token: number) {
    super('nesting too deep');
  }
}

class Parser {
  readonly diagnostics: SyntaxDiagnostic[] = [];
  private lines: LineIndex | undefined;
  private readonly text: string;
  private readonly kinds: Uint8Array;
  private readonly starts: Int32Array;
  private readonly ends: Int32Array;

  // Per-statement state. Token index `end` stands for the end of the statement ("eos"),
  // at offset `eosPos` (the end of the statement's last token).
  private first = 0;
  private pos = 0;
  private end = 0;
  private unclosed = -1;
  private eosPos = 0;
  private eosDescription = 'end of line';
  private failed = false;
  /** Token index of the statement's parse error, or -1 (none, at its end, or not at a token). */
  failedAt = -1;
  private nestingReported = false;
  private depth = 0;
  private lastEnd = 0;
  /** Spans of parenthesised expressions, parentheses included. */
  private readonly extents = new Map<Expr, Span>();

  constructor(
    private readonly ts: TokenStream,
    private readonly maxDepth: number,
  ) {
    this.text = ts.text;
    this.kinds = ts.kinds;
    this.starts = ts.starts;
    this.ends = ts.ends;
  }

  parseSegment(start: number, end: number, unclosed: number): Stmt | undefined {
    this.first = start;
    this.pos = start;
    this.end = end;
    this.unclosed = unclosed;
    this.failed = false;
    this.failedAt = -1;
    this.nestingReported = false;
    this.depth = 0;
    if (this.extents.size > 0) this.extents.clear();
    let last = end - 1;
    while (last > start && this.kinds[last] === T_NEWLINE) last--;
    this.eosPos = this.ends[last];
    const endKind = this.kinds[end];
    this.eosDescription = endKind === T_EOF ? 'end of file' : endKind === T_NEWLINE ? 'end of line' : 'end of statement';
    this.lastEnd = this.starts[start];

    let stmt: Stmt | undefined;
    try {
      stmt = this.parseStatement();
    } catch (e) {
      this.handleNesting(e);
      stmt = undefined;
    }

    if (unclosed >= 0 && !this.nestingReported) {
      const open = OP_TEXTS[this.kinds[unclosed] - OP_BASE];
      const where =
        this.kinds[end] === T_EOF
          ? 'before the end of the file'
          : `before the next statement (line ${this.lineIndex().positionAt(this.starts[end]).line + 1})`;
      this.diagnostics.push({
        span: { start: this.starts[unclosed], end: this.ends[unclosed] },
        message: `unclosed '${open}': no matching '${CLOSER_OF[open]}' ${where}`,
        code: 'syntax',
      });
    }
    return stmt;
  }

  // --- token access -----------------------------------------------------------------------

  /** Kind of token i; T_EOF for the end of the statement. */
  private kind(i: number): number {
    return i < this.end ? this.kinds[i] : T_EOF;
  }

  private tStart(i: number): number {
    return i < this.end ? this.starts[i] : this.eosPos;
  }

  private span(i: number): Span {
    return i < this.end ? { start: this.starts[i], end: this.ends[i] } : { start: this.eosPos, end: this.eosPos };
  }

  private is(i: number, kind: number): boolean {
    return i < this.end && this.kinds[i] === kind;
  }

  private isWord(i: number, word: string): boolean {
    return i < this.end && this.ts.isWord(i, word);
  }

  /** Index of the token after the next one. */
  private peek2(): number {
    let q = this.pos + 1;
    while (q < this.end && this.kinds[q] === T_NEWLINE) q++;
    return q;
  }

  private advance(): number {
    const t = this.pos;
    if (t < this.end) {
      let q = t + 1;
      while (q < this.end && this.kinds[q] === T_NEWLINE) q++;
      this.pos = q;
      this.lastEnd = this.ends[t];
    }
    return t;
  }

  private atEnd(): boolean {
    return this.pos >= this.end;
  }

  // --- diagnostics --------------------------------------------------------------------------

  private lineIndex(): LineIndex {
    if (!this.lines) this.lines = new LineIndex(this.text);
    return this.lines;
  }

  private where(i: number): string {
    const p = this.lineIndex().positionAt(this.tStart(i));
    return `${p.line + 1}:${p.character + 1}`;
  }

  private opText(i: number): string {
    return OP_TEXTS[this.kinds[i] - OP_BASE];
  }

  private describe(i: number): string {
    if (i >= this.end) return this.eosDescription;
    const k = this.kinds[i];
    if (k >= OP_BASE) return `'${this.opText(i)}'`;
    const src = this.ts.source(i);
    switch (k) {
      case T_NAME:
        return OPERATOR_WORDS.has(src) ? `'${src}'` : `name '${src}'`;
      case T_NUMBER:
        return `number ${src}`;
      case T_STRING:
        return `string ${src.length > 24 ? src.slice(0, 20) + '...' : src}`;
      case T_NEWLINE:
        return 'end of line';
      case T_EOF:
        return 'end of file';
      default:
        return `'${src}'`;
    }
  }

  /** Reports the first error of the statement (at token i) and returns an ErrorExpr there. */
  private fail(i: number, message: string): ErrorExpr {
    const span = this.span(i);
    if (!this.failed) {
      this.failed = true;
      this.failedAt = i < this.end ? i : -1;
      const silent =
        this.kind(i) === T_INVALID || // the lexer has reported it
        (i >= this.end && this.unclosed >= 0); // the unclosed bracket explains it
      if (!silent) this.diagnostics.push({ span: { start: span.start, end: span.end }, message, code: 'syntax' });
    }
    return { kind: 'error', span };
  }

  private failSpan(span: Span, message: string): void {
    if (!this.failed) {
      this.failed = true;
      this.diagnostics.push({ span: { start: span.start, end: span.end }, message, code: 'syntax' });
    }
  }

  private failClose(open: number, close: string, found: number): ErrorExpr {
    const what = `'${close}' to close '${this.opText(open)}' at ${this.where(open)}`;
    if (isCloser(this.kind(found)) || found >= this.end) {
      return this.fail(found, `expected ${what}, found ${this.describe(found)}`);
    }
    return this.fail(found, `expected ',' or ${what}, found ${this.describe(found)}`);
  }

  private handleNesting(e: unknown): void {
    let at: number;
    if (e instanceof NestingError) at = e.token;
    else if (e instanceof RangeError && /call stack/i.test(e.message)) at = this.pos;
    else throw e;
    if (!this.nestingReported) {
      this.failed = true;
      this.nestingReported = true;
      this.diagnostics.push({
        span: this.span(at),
        message: nestingMessage(this.maxDepth),
        code: 'nesting-too-deep',
      });
    }
  }

  private enter(i: number): void {
    if (++this.depth > this.maxDepth) throw new NestingError(i);
  }

  private leave(): void {
    this.depth--;
  }

  private extent(e: Expr): Span {
    return this.extents.size > 0 ? (this.extents.get(e) ?? e.span) : e.span;
  }

  /** End of a (possibly partial) construct whose last child is `last`. */
  private endAfter(last: Expr | undefined): number {
    return last ? Math.max(this.lastEnd, this.extent(last).end) : this.lastEnd;
  }

  private stmtSpan(): Span {
    return { start: this.starts[this.first], end: this.eosPos };
  }

  private ident(i: number): Identifier {
    return { name: this.ts.source(i), span: this.span(i) };
  }

  // --- statements ---------------------------------------------------------------------------

  private parseStatement(): Stmt | undefined {
    const first = this.pos;
    if (isStatementKeyword(this.ts, first) && keywordMayPrecede(this.ts, this.peek2(), this.end)) {
      const keyword = this.ts.source(first);
      const form = STATEMENT_BY_KEYWORD.get(keyword)?.form;
      if (form) {
        switch (form.kind) {
          case 'name-value':
            return this.parseNameValue(keyword, form);
          case 'function':
            return this.parseFunctionLike(keyword, form);
          case 'expression':
            return this.parseKeywordExpression(keyword, form);
        }
      }
    }
    return this.parseAssignOrExpr();
  }

  private parseNameValue(keyword: string, form: Extract<StatementForm<Stmt>, { kind: 'name-value' }>): Stmt | undefined {
    const kw = this.advance();
    const nameTok = this.pos;
    if (!this.isPlainNameAt(nameTok)) {
      this.fail(nameTok, `expected the name of a placeholder after '${keyword}', found ${this.describe(nameTok)}`);
      return undefined;
    }
    this.advance();
    const target = this.ident(nameTok);
    const value = this.parseAssignedValue(`'${keyword} ${target.name}'`);
    return form.make(this.stmtSpan(), this.span(kw), target, value);
  }

  private isPlainNameAt(i: number): boolean {
    return i < this.end && isPlainName(this.ts, i);
  }

  private parseFunctionLike(keyword: string, form: Extract<StatementForm<Stmt>, { kind: 'function' }>): Stmt | undefined {
    const kw = this.advance();
    const nameTok = this.pos;
    if (!this.isPlainNameAt(nameTok)) {
      this.fail(nameTok, `expected a function name after '${keyword}', found ${this.describe(nameTok)}`);
      return undefined;
    }
    this.advance();
    const name = this.ident(nameTok);
    const params: Identifier[] = [];
    let body: Expr | undefined;
    const open = this.pos;
    if (!this.is(open, OP_LPAREN)) {
      body = this.fail(open, `expected '(' and a parameter list after '${keyword} ${name.name}', found ${this.describe(open)}`);
    } else {
      this.advance();
      for (;;) {
        const t = this.pos;
        if (this.is(t, OP_RPAREN)) break;
        if (!this.isPlainNameAt(t)) {
          body = this.fail(t, `expected a parameter name, found ${this.describe(t)}`);
          break;
        }
        this.advance();
        params.push(this.ident(t));
        const sep = this.pos;
        if (this.is(sep, OP_COMMA)) {
          this.advance();
          continue;
        }
        if (this.is(sep, OP_RPAREN)) break;
        body = this.failClose(open, ')', sep);
        break;
      }
      if (!body) {
        this.advance(); // ')'
        body = this.parseAssignedValue(`the parameter list of '${name.name}'`);
      }
    }
    const span = this.stmtSpan();
    const keywordSpan = this.span(kw);
    return form.make(span, keywordSpan, name, params, body);
  }

  private parseKeywordExpression(keyword: string, form: Extract<StatementForm<Stmt>, { kind: 'expression' }>): Stmt {
    const kw = this.advance();
    const expr = this.atEnd() ? this.fail(this.pos, form.missing ?? `expected an expression after '${keyword}'`) : this.parseValue(false);
    return form.make(this.stmtSpan(), this.span(kw), expr);
  }

  /** `= VALUE` after a feed target or a parameter list. */
  private parseAssignedValue(context: string): Expr {
    const eq = this.pos;
    if (!this.is(eq, OP_ASSIGN)) return this.fail(eq, `expected '=' after ${context}, found ${this.describe(eq)}`);
    this.advance();
    return this.parseValue(true);
  }

  /**
   * The right side of a statement, up to the end of the statement. Trailing junk after a
   * complete expression turns the whole value into an ErrorExpr.
   */
  private parseValue(allowTuple: boolean): Expr {
    const start = this.tStart(this.pos);
    let value: Expr;
    try {
      value = allowTuple ? this.parseTupleOrExpr() : this.parseExpr();
    } catch (e) {
      this.handleNesting(e);
      return { kind: 'error', span: { start, end: Math.max(start, this.eosPos) } };
    }
    if (!this.failed && !this.atEnd()) {
      this.fail(this.pos, this.trailingMessage(this.pos));
      return { kind: 'error', span: { start: this.extent(value).start, end: this.eosPos } };
    }
    return value;
  }

  private trailingMessage(i: number): string {
    const hint = this.is(i, OP_ASSIGN) ? " (a statement binds one name; use '==' to compare)" : '';
    return `unexpected ${this.describe(i)} after the expression${hint}`;
  }

  private parseAssignOrExpr(): Stmt | undefined {
    // Usual case, `name = value`: the target straight from its token.
    const first = this.pos;
    if (this.kind(first + 1) === OP_ASSIGN && this.isPlainNameAt(first)) {
      const target: Identifier = { name: this.ts.source(first), span: this.span(first) };
      this.advance();
      this.advance();
      const value = this.parseValue(true);
      return { kind: 'assign', span: this.stmtSpan(), target, value };
    }
    const lhs = this.parseTupleOrExpr();
    if (this.failed) return undefined;
    const t = this.pos;
    if (this.is(t, OP_ASSIGN)) {
      const targets = this.assignTargets(lhs);
      if (!targets) return undefined;
      this.advance();
      const value = this.parseValue(true);
      if (lhs.kind === 'name') {
        return { kind: 'assign', span: this.stmtSpan(), target: targets[0], value };
      }
      return { kind: 'destructure', span: this.stmtSpan(), targets, value };
    }
    if (!this.atEnd()) {
      this.fail(t, this.trailingMessage(t));
      return undefined;
    }
    return { kind: 'expr', span: this.stmtSpan(), expr: lhs };
  }

  private describeTarget(e: Expr): string {
    switch (e.kind) {
      case 'name':
        return `the dotted name '${e.text}'`;
      case 'number':
        return 'a number';
      case 'string':
        return 'a string';
      case 'constant':
        return `'${e.value === null ? 'None' : e.value ? 'True' : 'False'}'`;
      case 'call':
        return 'a function call';
      case 'index':
        return 'an indexing expression';
      case 'attribute':
        return 'an attribute';
      case 'list':
        return 'a nested list';
      default:
        return 'an expression';
    }
  }

  /** The names an assignment binds: one for `NAME =`, several for a list; undefined on error. */
  private assignTargets(lhs: Expr): Identifier[] | undefined {
    if (lhs.kind === 'name' && !lhs.text.includes('.')) return [{ name: lhs.text, span: lhs.span }];
    if (lhs.kind === 'list') {
      if (lhs.elements.length === 0) {
        this.failSpan(this.extent(lhs), "expected at least one name before '='");
        return undefined;
      }
      const targets: Identifier[] = [];
      for (const el of lhs.elements) {
        if (el.kind !== 'name' || el.text.includes('.')) {
          this.failSpan(this.extent(el), `cannot assign to ${this.describeTarget(el)}: the names to destructure into must be plain names`);
          return undefined;
        }
        targets.push({ name: el.text, span: el.span });
      }
      return targets;
    }
    this.failSpan(this.extent(lhs), `cannot assign to ${this.describeTarget(lhs)}: the left side of '=' must be a name or a list of names`);
    return undefined;
  }

  // --- expressions --------------------------------------------------------------------------

  private canStartExpression(i: number): boolean {
    const k = this.kind(i);
    if (k === T_NAME) return !this.ts.isWord(i, 'and') && !this.ts.isWord(i, 'or');
    return k === T_NUMBER || k === T_STRING || k === OP_LPAREN || k === OP_LBRACKET || k === OP_MINUS || k === OP_PLUS;
  }

  /** `a, b, c` without brackets (statement level only) is a ListExpr with bracket '('. */
  private parseTupleOrExpr(): Expr {
    const first = this.parseExpr();
    if (this.failed || !this.is(this.pos, OP_COMMA)) return first;
    const elements: Expr[] = [first];
    while (!this.failed && this.is(this.pos, OP_COMMA)) {
      this.advance();
      if (!this.canStartExpression(this.pos)) break; // trailing comma
      elements.push(this.parseExpr());
    }
    const list: ListExpr = {
      kind: 'list',
      bracket: '(',
      elements,
      span: { start: this.extent(first).start, end: this.endAfter(elements[elements.length - 1]) },
    };
    return list;
  }

  private parseExpr(): Expr {
    return this.parseBinary(PREC_OR);
  }

  /** The binary operator at token i and its precedence, or 0. */
  private binaryPrec(i: number): number {
    if (i >= this.end) return 0;
    const k = this.kinds[i];
    if (k >= OP_BASE) return BINARY_PREC[k];
    if (k === T_NAME) {
      if (this.ts.isWord(i, 'or')) return PREC_OR;
      if (this.ts.isWord(i, 'and')) return PREC_AND;
    }
    return 0;
  }

  private parseBinary(minPrec: number): Expr {
    let left: Expr;
    const t = this.pos;
    if (minPrec <= PREC_NOT && this.isWord(t, 'not')) {
      this.advance();
      this.enter(t);
      const operand = this.parseBinary(PREC_NOT);
      this.leave();
      left = { kind: 'unary', op: 'not', opSpan: this.span(t), operand, span: { start: this.starts[t], end: this.endAfter(operand) } };
    } else {
      left = this.parseUnary();
    }
    while (!this.failed) {
      const opTok = this.pos;
      const prec = this.binaryPrec(opTok);
      if (prec === 0 || prec < minPrec) break;
      const op = (this.kinds[opTok] >= OP_BASE ? this.opText(opTok) : this.ts.source(opTok)) as BinaryOp;
      this.advance();
      const right = this.parseBinary(prec + 1);
      left = {
        kind: 'binary',
        op,
        opSpan: this.span(opTok),
        left,
        right,
        span: { start: this.extent(left).start, end: this.endAfter(right) },
      };
    }
    return left;
  }

  private parseUnary(): Expr {
    const t = this.pos;
    const k = this.kind(t);
    if (k === OP_MINUS || k === OP_PLUS) {
      this.advance();
      this.enter(t);
      const operand = this.parseUnary();
      this.leave();
      return {
        kind: 'unary',
        op: k === OP_MINUS ? '-' : '+',
        opSpan: this.span(t),
        operand,
        span: { start: this.starts[t], end: this.endAfter(operand) },
      };
    }
    return this.parsePower();
  }

  private parsePower(): Expr {
    const base = this.parsePostfix();
    if (this.failed) return base;
    const t = this.pos;
    if (!this.is(t, OP_POW)) return base;
    this.advance();
    this.enter(t);
    const exponent = this.parseUnary(); // `2**-1`; right-associative through parseUnary -> parsePower
    this.leave();
    return {
      kind: 'binary',
      op: '**',
      opSpan: this.span(t),
      left: base,
      right: exponent,
      span: { start: this.extent(base).start, end: this.endAfter(exponent) },
    };
  }

  private parsePostfix(): Expr {
    let expr = this.parseAtom();
    while (!this.failed) {
      const k = this.kind(this.pos);
      if (k === OP_LPAREN) expr = this.parseCall(expr);
      else if (k === OP_LBRACKET) expr = this.parseIndex(expr);
      else if (k === OP_DOT) expr = this.parseAttribute(expr);
      else break;
    }
    return expr;
  }

  private parseAtom(): Expr {
    const t = this.pos;
    const k = this.kind(t);
    switch (k) {
      case T_NAME: {
        const text = this.ts.source(t);
        // (Every reserved word and literal name is at most 5 characters.)
        const short = text.length <= 5;
        if (short && (text === 'True' || text === 'False' || text === 'None')) {
          this.advance();
          return { kind: 'constant', span: this.span(t), value: text === 'None' ? null : text === 'True' };
        }
        if (short && OPERATOR_WORDS.has(text)) {
          const hint = text === 'not' ? " (put 'not ...' in parentheses here)" : '';
          return this.fail(t, `expected an expression, found '${text}'${hint}`);
        }
        this.advance();
        const name = resolveName(text);
        if (name === 'nan' || name === 'inf') {
          return { kind: 'number', span: this.span(t), value: name === 'nan' ? NaN : Infinity, isInteger: false };
        }
        return { kind: 'name', span: this.span(t), text, name };
      }
      case T_NUMBER: {
        this.advance();
        // Digits, then at most `.` and more digits: read here (exactly, as Number would: a
        // mantissa below 2^53 divided by a power of ten up to 10^22 rounds once). Anything
        // else (exponents, long literals) goes through Number.
        let isInteger = true;
        let simple = this.ends[t] - this.starts[t] <= 15;
        let mantissa = 0;
        let decimals = 0;
        for (let j = this.starts[t]; j < this.ends[t]; j++) {
          const c = this.text.charCodeAt(j);
          if (c >= 48 && c <= 57) {
            mantissa = mantissa * 10 + (c - 48);
            if (!isInteger) decimals++;
          } else if (c === 46 /* . */ && isInteger) {
            isInteger = false;
          } else {
            isInteger = false; // e, E: an exponent
            simple = false;
            break;
          }
        }
        const value = simple ? (decimals === 0 ? mantissa : mantissa / POWERS_OF_TEN[decimals]) : Number(this.ts.source(t));
        return { kind: 'number', span: this.span(t), value, isInteger };
      }
      case T_STRING:
        this.advance();
        return { kind: 'string', span: this.span(t), value: this.ts.strings.get(t) ?? '' };
      case OP_LPAREN:
        return this.parseParen();
      case OP_LBRACKET:
        return this.parseList();
      case OP_ELLIPSIS:
        return this.fail(t, "'...' is only allowed in an index, as in x[..., 0]");
      case OP_LBRACE:
        return this.fail(t, "unexpected '{': braces are not part of the language");
      default:
        return this.fail(t, `expected an expression, found ${this.describe(t)}`);
    }
  }

  /**
   * Parses `item (',' item)* ','? CLOSE` after the opening bracket (and possibly some items)
   * was consumed. Returns the index of the closing token, or -1 when the statement failed;
   * when the failure is a missing separator or closer, `onError` receives the ErrorExpr placed
   * there (the caller appends it, so that the partial node shows where it broke).
   */
  private parseSequence(open: number, close: number, parseItem: () => void, onError: (e: ErrorExpr) => void): number {
    const closeText = OP_TEXTS[close - OP_BASE];
    for (;;) {
      if (this.failed) return -1;
      if (this.is(this.pos, close)) return this.advance();
      parseItem();
      if (this.failed) return -1;
      const t = this.pos;
      if (this.is(t, OP_COMMA)) {
        this.advance();
        continue;
      }
      if (this.is(t, close)) return this.advance();
      onError(this.failClose(open, closeText, t));
      return -1;
    }
  }

  private parseParen(): Expr {
    const open = this.advance();
    this.enter(open);
    let result: Expr;
    if (this.is(this.pos, OP_RPAREN)) {
      const close = this.advance();
      result = { kind: 'list', bracket: '(', elements: [], span: { start: this.starts[open], end: this.ends[close] } };
    } else {
      const first = this.parseExpr();
      if (this.failed) {
        result = first;
      } else if (this.is(this.pos, OP_COMMA)) {
        this.advance();
        const elements: Expr[] = [first];
        const close = this.parseSequence(
          open,
          OP_RPAREN,
          () => {
            elements.push(this.parseExpr());
          },
          (e) => elements.push(e),
        );
        result = {
          kind: 'list',
          bracket: '(',
          elements,
          span: { start: this.starts[open], end: close >= 0 ? this.ends[close] : this.endAfter(elements[elements.length - 1]) },
        };
      } else if (this.is(this.pos, OP_RPAREN)) {
        const close = this.advance();
        this.extents.set(first, { start: this.starts[open], end: this.ends[close] });
        result = first;
      } else {
        const err = this.failClose(open, ')', this.pos);
        result = { kind: 'error', span: { start: this.starts[open], end: Math.max(this.lastEnd, err.span.end) } };
      }
    }
    this.leave();
    return result;
  }

  private parseList(): Expr {
    const open = this.advance();
    this.enter(open);
    const elements: Expr[] = [];
    const close = this.parseSequence(
      open,
      OP_RBRACKET,
      () => {
        elements.push(this.parseExpr());
      },
      (e) => elements.push(e),
    );
    this.leave();
    return {
      kind: 'list',
      bracket: '[',
      elements,
      span: { start: this.starts[open], end: close >= 0 ? this.ends[close] : this.endAfter(elements[elements.length - 1]) },
    };
  }

  private parseCall(callee: Expr): Expr {
    const open = this.advance();
    this.enter(open);
    const args: Argument[] = [];
    let sawKeyword = false;
    const close = this.parseSequence(
      open,
      OP_RPAREN,
      () => {
        const t = this.pos;
        if (this.isPlainNameAt(t) && this.is(this.peek2(), OP_ASSIGN)) {
          this.advance();
          this.advance();
          const value = this.parseExpr();
          args.push({ span: { start: this.starts[t], end: this.endAfter(value) }, keyword: this.ident(t), value });
          sawKeyword = true;
          return;
        }
        const value = this.parseExpr();
        const span = { start: this.extent(value).start, end: this.endAfter(value) };
        if (sawKeyword && !this.failed) {
          // Not fatal: the call is still well formed enough to keep parsing.
          this.diagnostics.push({ span: { ...span }, message: 'positional argument follows a keyword argument', code: 'syntax' });
        }
        args.push({ span, value });
      },
      (e) => args.push({ span: e.span, value: e }),
    );
    this.leave();
    const lastArg = args.length > 0 ? args[args.length - 1].value : undefined;
    const end = close >= 0 ? this.ends[close] : this.endAfter(lastArg);
    return {
      kind: 'call',
      callee,
      args,
      argsSpan: { start: this.starts[open], end },
      span: { start: this.extent(callee).start, end },
    };
  }

  private parseIndex(target: Expr): Expr {
    const open = this.advance();
    this.enter(open);
    const items: IndexItem[] = [];
    const close = this.parseSequence(
      open,
      OP_RBRACKET,
      () => {
        items.push(this.parseIndexItem());
      },
      (e) => items.push(e),
    );
    this.leave();
    if (close >= 0 && items.length === 0) items.push(this.fail(close, "expected an index between '[' and ']'"));
    const last = items.length > 0 ? items[items.length - 1] : undefined;
    const end = close >= 0 ? this.ends[close] : Math.max(this.lastEnd, last ? last.span.end : 0);
    return { kind: 'index', target, items, span: { start: this.extent(target).start, end } };
  }

  private parseIndexItem(): IndexItem {
    const t = this.pos;
    if (this.is(t, OP_ELLIPSIS)) {
      this.advance();
      return { kind: 'ellipsis', span: this.span(t) };
    }
    let start: Expr | undefined;
    if (!this.is(t, OP_COLON)) {
      start = this.parseExpr();
      if (this.failed || !this.is(this.pos, OP_COLON)) return start;
    }
    const colon = this.advance();
    let stop: Expr | undefined;
    let step: Expr | undefined;
    if (this.canStartExpression(this.pos)) stop = this.parseExpr();
    if (!this.failed && this.is(this.pos, OP_COLON)) {
      this.advance();
      if (this.canStartExpression(this.pos)) step = this.parseExpr();
    }
    const begin = start ? this.extent(start).start : this.starts[colon];
    return { kind: 'slice', span: { start: begin, end: this.endAfter(step ?? stop) }, start, stop, step };
  }

  private parseAttribute(target: Expr): Expr {
    const dot = this.advance();
    const t = this.pos;
    if (this.kind(t) !== T_NAME || OPERATOR_WORDS.has(this.ts.source(t))) {
      const err = this.fail(t, `expected an attribute name after '.', found ${this.describe(t)}`);
      return { kind: 'error', span: { start: this.extent(target).start, end: Math.max(this.ends[dot], err.span.end) } };
    }
    this.advance();
    // The lexer joins `shape.rank` in `f(x).shape.rank` into one name: split it again.
    let expr = target;
    const start = this.extent(target).start;
    let offset = this.starts[t];
    for (const part of this.ts.source(t).split('.')) {
      expr = {
        kind: 'attribute',
        target: expr,
        attribute: { name: part, span: { start: offset, end: offset + part.length } },
        span: { start, end: offset + part.length },
      };
      offset += part.length + 1;
    }
    return expr;
  }
}

// ---------------------------------------------------------------------------------------------
// The depth of the syntax tree

function nestingMessage(maxDepth: number): string {
  return `expression nested too deeply: more than ${maxDepth} levels of brackets or operators ${raiseHint('maxNestingDepth')}`;
}

/** The parser's recursion is bounded by `maxDepth`, but an operator chain (`1 + 1 + ...`,
 *  `x[0][0]...`, `f(1)(2)...`) is parsed in a loop and still builds a tree one level deeper
 *  per operator, which the analyzer descends recursively. With `maxTreeDepth` set, a
 *  statement whose tree is deeper than `maxDepth` gets one
 *  'nesting-too-deep' diagnostic, at the operator or bracket where the innermost construct
 *  crosses the budget, and loses its value (an ErrorExpr: nothing else is reported for it). */
function withinDepth(stmt: Stmt, maxDepth: number, diagnostics: SyntaxDiagnostic[]): Stmt | undefined {
  const root = statementExpr(stmt);
  const tooDeep = firstDeeperThan(root, maxDepth);
  if (!tooDeep) return stmt;
  diagnostics.push({ span: whereDeep(tooDeep), message: nestingMessage(maxDepth), code: 'nesting-too-deep' });
  const error: ErrorExpr = { kind: 'error', span: root.span };
  return statementWithoutExpr(stmt, error) ?? undefined;
}

/** The first node, in post-order (so the innermost), whose subtree is more than `limit`
 *  levels deep; a leaf is 0 levels, every construct with operands one more than its
 *  deepest operand. Iterative: the tree may be far deeper than the stack. */
function firstDeeperThan(root: Expr, limit: number): Expr | null {
  const nodes: Expr[] = [root];
  const children: Expr[][] = [childExprs(root)];
  const next: number[] = [0];
  const height: number[] = [0];
  while (nodes.length > 0) {
    const top = nodes.length - 1;
    const kids = children[top];
    if (next[top] < kids.length) {
      const child = kids[next[top]++];
      nodes.push(child);
      children.push(childExprs(child));
      next.push(0);
      height.push(0);
      continue;
    }
    const e = nodes[top];
    const h = kids.length > 0 || e.kind === 'list' || e.kind === 'call' ? height[top] + 1 : 0;
    if (h > limit) return e;
    nodes.pop();
    children.pop();
    next.pop();
    height.pop();
    if (top > 0 && h > height[top - 1]) height[top - 1] = h;
  }
  return null;
}

/** The operator or bracket of a construct: where a chain crosses the budget. */
function whereDeep(e: Expr): Span {
  switch (e.kind) {
    case 'binary':
    case 'unary':
      return e.opSpan;
    case 'call':
      return { start: e.argsSpan.start, end: e.argsSpan.start + 1 };
    case 'attribute':
      return e.attribute.span;
    case 'index':
      return { start: e.target.span.end, end: e.span.end };
    case 'list':
      return { start: e.span.start, end: e.span.start + 1 };
    default:
      return e.span;
  }
}
