// Parsing one statement's expressions (precedence climbing over the token stream of a
// segment), with the token access and error reporting the statement parser (parser.ts)
// builds on. Nesting is bounded: past maxDepth a NestingError unwinds to the statement.

import type { Argument, BinaryOp, ErrorExpr, Expr, Identifier, IndexItem, ListExpr, Span, SyntaxDiagnostic } from './ast';
import {
  resolveName,
  TokenStream,
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

import { isCloser, isPlainName } from './segment';
import { nestingMessage } from './treeDepth';

/** 10^0 .. 10^22, each exact in a double. */
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));

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

export class NestingError extends Error {
  constructor(readonly token: number) {
    super('nesting too deep');
  }
}

export abstract class ExpressionParser {
  readonly diagnostics: SyntaxDiagnostic[] = [];
  protected lines: LineIndex | undefined;
  protected readonly text: string;
  protected readonly kinds: Uint8Array;
  protected readonly starts: Int32Array;
  protected readonly ends: Int32Array;

  // Per-statement state. Token index `end` stands for the end of the statement ("eos"),
  // at offset `eosPos` (the end of the statement's last token).
  protected first = 0;
  protected pos = 0;
  protected end = 0;
  protected unclosed = -1;
  protected eosPos = 0;
  protected eosDescription = 'end of line';
  protected failed = false;
  /** Token index of the statement's parse error, or -1 (none, at its end, or not at a token). */
  failedAt = -1;
  protected nestingReported = false;
  protected depth = 0;
  protected lastEnd = 0;
  /** Spans of parenthesised expressions, parentheses included. */
  protected readonly extents = new Map<Expr, Span>();

  constructor(
    protected readonly ts: TokenStream,
    protected readonly maxDepth: number,
  ) {
    this.text = ts.text;
    this.kinds = ts.kinds;
    this.starts = ts.starts;
    this.ends = ts.ends;
  }

  // --- token access -----------------------------------------------------------------------

  /** Kind of token i; T_EOF for the end of the statement. */
  protected kind(i: number): number {
    return i < this.end ? this.kinds[i] : T_EOF;
  }

  protected tStart(i: number): number {
    return i < this.end ? this.starts[i] : this.eosPos;
  }

  protected span(i: number): Span {
    return i < this.end ? { start: this.starts[i], end: this.ends[i] } : { start: this.eosPos, end: this.eosPos };
  }

  protected is(i: number, kind: number): boolean {
    return i < this.end && this.kinds[i] === kind;
  }

  protected isWord(i: number, word: string): boolean {
    return i < this.end && this.ts.isWord(i, word);
  }

  /** Index of the token after the next one. */
  protected peek2(): number {
    let q = this.pos + 1;
    while (q < this.end && this.kinds[q] === T_NEWLINE) q++;
    return q;
  }

  protected advance(): number {
    const t = this.pos;
    if (t < this.end) {
      let q = t + 1;
      while (q < this.end && this.kinds[q] === T_NEWLINE) q++;
      this.pos = q;
      this.lastEnd = this.ends[t];
    }
    return t;
  }

  protected atEnd(): boolean {
    return this.pos >= this.end;
  }

  // --- diagnostics --------------------------------------------------------------------------

  protected lineIndex(): LineIndex {
    if (!this.lines) this.lines = new LineIndex(this.text);
    return this.lines;
  }

  protected where(i: number): string {
    const p = this.lineIndex().positionAt(this.tStart(i));
    return `${p.line + 1}:${p.character + 1}`;
  }

  protected opText(i: number): string {
    return OP_TEXTS[this.kinds[i] - OP_BASE];
  }

  protected describe(i: number): string {
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
  protected fail(i: number, message: string): ErrorExpr {
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

  protected failSpan(span: Span, message: string): void {
    if (!this.failed) {
      this.failed = true;
      this.diagnostics.push({ span: { start: span.start, end: span.end }, message, code: 'syntax' });
    }
  }

  protected failClose(open: number, close: string, found: number): ErrorExpr {
    const what = `'${close}' to close '${this.opText(open)}' at ${this.where(open)}`;
    if (isCloser(this.kind(found)) || found >= this.end) {
      return this.fail(found, `expected ${what}, found ${this.describe(found)}`);
    }
    return this.fail(found, `expected ',' or ${what}, found ${this.describe(found)}`);
  }

  protected handleNesting(e: unknown): void {
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

  protected enter(i: number): void {
    if (++this.depth > this.maxDepth) throw new NestingError(i);
  }

  protected leave(): void {
    this.depth--;
  }

  protected extent(e: Expr): Span {
    return this.extents.size > 0 ? (this.extents.get(e) ?? e.span) : e.span;
  }

  /** End of a (possibly partial) construct whose last child is `last`. */
  protected endAfter(last: Expr | undefined): number {
    return last ? Math.max(this.lastEnd, this.extent(last).end) : this.lastEnd;
  }

  protected stmtSpan(): Span {
    return { start: this.starts[this.first], end: this.eosPos };
  }

  protected ident(i: number): Identifier {
    return { name: this.ts.source(i), span: this.span(i) };
  }

  protected isPlainNameAt(i: number): boolean {
    return i < this.end && isPlainName(this.ts, i);
  }

  /** `= VALUE` after a feed target or a parameter list. */
  protected parseAssignedValue(context: string): Expr {
    const eq = this.pos;
    if (!this.is(eq, OP_ASSIGN)) return this.fail(eq, `expected '=' after ${context}, found ${this.describe(eq)}`);
    this.advance();
    return this.parseValue(true);
  }

  /**
   * The right side of a statement, up to the end of the statement. Trailing junk after a
   * complete expression turns the whole value into an ErrorExpr.
   */
  protected parseValue(allowTuple: boolean): Expr {
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

  protected trailingMessage(i: number): string {
    const hint = this.is(i, OP_ASSIGN) ? " (a statement binds one name; use '==' to compare)" : '';
    return `unexpected ${this.describe(i)} after the expression${hint}`;
  }

  // --- expressions --------------------------------------------------------------------------

  protected canStartExpression(i: number): boolean {
    const k = this.kind(i);
    if (k === T_NAME) return !this.ts.isWord(i, 'and') && !this.ts.isWord(i, 'or');
    return k === T_NUMBER || k === T_STRING || k === OP_LPAREN || k === OP_LBRACKET || k === OP_MINUS || k === OP_PLUS;
  }

  /** `a, b, c` without brackets (statement level only) is a ListExpr with bracket '('. */
  protected parseTupleOrExpr(): Expr {
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

  protected parseExpr(): Expr {
    return this.parseBinary(PREC_OR);
  }

  /** The binary operator at token i and its precedence, or 0. */
  protected binaryPrec(i: number): number {
    if (i >= this.end) return 0;
    const k = this.kinds[i];
    if (k >= OP_BASE) return BINARY_PREC[k];
    if (k === T_NAME) {
      if (this.ts.isWord(i, 'or')) return PREC_OR;
      if (this.ts.isWord(i, 'and')) return PREC_AND;
    }
    return 0;
  }

  protected parseBinary(minPrec: number): Expr {
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

  protected parseUnary(): Expr {
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

  protected parsePower(): Expr {
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

  protected parsePostfix(): Expr {
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

  protected parseAtom(): Expr {
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
  protected parseSequence(open: number, close: number, parseItem: () => void, onError: (e: ErrorExpr) => void): number {
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

  protected parseParen(): Expr {
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

  protected parseList(): Expr {
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

  protected parseCall(callee: Expr): Expr {
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

  protected parseIndex(target: Expr): Expr {
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

  protected parseIndexItem(): IndexItem {
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

  protected parseAttribute(target: Expr): Expr {
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
