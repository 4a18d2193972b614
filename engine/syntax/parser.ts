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

import type { Expr, Identifier, Program, Stmt } from './ast';
import { STATEMENT_BY_KEYWORD, type StatementForm } from './statements';
import { lexStream, OP_TEXTS, OP_BASE, T_EOF, T_NEWLINE, OP_LPAREN, OP_RPAREN, OP_COMMA, OP_ASSIGN } from './lexer';
import { DEFAULT_BUDGETS } from '../budgets';

import { ExpressionParser } from './expressionParser';
import { CLOSER_OF, Segmenter, isStatementKeyword, keywordMayPrecede } from './segment';
import { withinDepth } from './treeDepth';

export interface ParseOptions {
  /** Maximum nesting of brackets and prefix operators in one expression (default 200). */
  maxDepth?: number;
  /** When set, maximum depth of one statement's syntax tree, where every operator of a
   *  chain `a + b + c` and every call, subscript and attribute count a level: a deeper
   *  statement gets one 'nesting-too-deep' diagnostic and no value. The analysis sets it
   *  (to `tgraph.maxNestingDepth`): its walks of the tree are recursive. */
  maxTreeDepth?: number;
  /** Parse only the text from this offset on, at its own offsets, as if every character
   *  before it but the newlines were a space (what an incremental analysis parses again). */
  from?: number;
}

export const DEFAULT_MAX_DEPTH = DEFAULT_BUDGETS.maxNestingDepth;

export function parse(text: string, options: ParseOptions = {}): Program {
  const maxDepth = Math.max(1, Math.floor(options.maxDepth ?? DEFAULT_MAX_DEPTH));
  const maxTreeDepth = options.maxTreeDepth === undefined ? Infinity : Math.max(1, Math.floor(options.maxTreeDepth));
  const lexed = lexStream(text, Math.max(0, Math.min(text.length, Math.floor(options.from ?? 0))));
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

class Parser extends ExpressionParser {
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
}
