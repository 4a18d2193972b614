// One row per statement kind: what the parser, the analysis and the editor features need to
// know of a statement without knowing the kind. A mapped type over `Stmt['kind']`, so a kind
// added to the syntax tree and not here is a type error.

import type { ErrorExpr, Expr, Identifier, Span, Stmt } from './ast';

export type StmtOf<K extends Stmt['kind']> = Extract<Stmt, { kind: K }>;

/** How the parser reads a statement that starts with a keyword, and what it makes of the
 *  parts (`keywordSpan`: the keyword's). */
export type StatementForm<S> =
  /** `KEYWORD EXPR`; `missing` is the message when the expression is missing. */
  | { kind: 'expression'; missing?: string; make(span: Span, keywordSpan: Span, expr: Expr): S }
  /** `KEYWORD NAME = EXPR`. */
  | { kind: 'name-value'; make(span: Span, keywordSpan: Span, target: Identifier, value: Expr): S }
  /** `KEYWORD NAME(PARAMS) = EXPR`. */
  | { kind: 'function'; make(span: Span, keywordSpan: Span, name: Identifier, params: Identifier[], body: Expr): S };

interface StatementSyntax<K extends Stmt['kind']> {
  /** The keyword that starts it (a keyword only at the start of a statement: the parser). */
  keyword: string | null;
  /** How the parser reads it after its keyword (null: a statement without one). */
  form: StatementForm<StmtOf<K>> | null;
  /** A keyword of tgraph's, not of the spec, is a keyword only before `(` or an operand, so
   *  that a file of the spec that names something so keeps its meaning. */
  operandOnly?: boolean;
  /** The one expression it holds (a value, a body, a call). */
  expr(stmt: StmtOf<K>): Expr;
  /** The statement with that expression replaced by an error (its nesting was over budget),
   *  or null where nothing of it is left to analyse. */
  withoutExpr(stmt: StmtOf<K>, error: ErrorExpr): StmtOf<K> | null;
  /** It acts on names bound earlier (a feed changes its placeholder's value, a grad rule
   *  its function), so re-analysing from after an earlier statement is not exact. */
  actsOnEarlier: boolean;
}

const valueStatement = { expr: (s: { value: Expr }) => s.value, withoutExpr: <S>(s: S, error: ErrorExpr) => ({ ...s, value: error }) };
const bodyStatement = { expr: (s: { body: Expr }) => s.body, withoutExpr: <S>(s: S, error: ErrorExpr) => ({ ...s, body: error }) };
const exprStatement = { expr: (s: { expr: Expr }) => s.expr, withoutExpr: <S>(s: S, error: ErrorExpr) => ({ ...s, expr: error }) };

export const STATEMENTS: { readonly [K in Stmt['kind']]: StatementSyntax<K> } = {
  assign: { keyword: null, form: null, ...valueStatement, actsOnEarlier: false },
  destructure: { keyword: null, form: null, ...valueStatement, actsOnEarlier: false },
  feed: {
    keyword: 'feed',
    form: { kind: 'name-value', make: (span, keywordSpan, target, value) => ({ kind: 'feed', span, keywordSpan, target, value }) },
    ...valueStatement,
    actsOnEarlier: true,
  },
  def: {
    keyword: 'def',
    form: { kind: 'function', make: (span, keywordSpan, name, params, body) => ({ kind: 'def', span, keywordSpan, name, params, body }) },
    ...bodyStatement,
    actsOnEarlier: false,
  },
  grad: {
    keyword: 'grad',
    form: { kind: 'function', make: (span, keywordSpan, name, params, body) => ({ kind: 'grad', span, keywordSpan, name, params, body }) },
    ...bodyStatement,
    actsOnEarlier: true,
  },
  check: {
    keyword: 'check',
    form: {
      kind: 'expression',
      missing: "expected a gradients(...) call after 'check'",
      make: (span, keywordSpan, call) => ({ kind: 'check', span, keywordSpan, call }),
    },
    expr: (s) => s.call,
    withoutExpr: (s, error) => ({ ...s, call: error }),
    actsOnEarlier: false,
  },
  assert: {
    keyword: 'assert',
    form: { kind: 'expression', make: (span, keywordSpan, expr) => ({ kind: 'assert', span, keywordSpan, expr }) },
    ...exprStatement,
    actsOnEarlier: false,
  },
  print: {
    keyword: 'print',
    form: { kind: 'expression', make: (span, keywordSpan, expr) => ({ kind: 'print', span, keywordSpan, expr }) },
    operandOnly: true,
    ...exprStatement,
    actsOnEarlier: false,
  },
  // A bare expression over the nesting budget leaves nothing to analyse.
  expr: { keyword: null, form: null, expr: (s) => s.expr, withoutExpr: () => null, actsOnEarlier: false },
};

function syntaxOf<K extends Stmt['kind']>(stmt: StmtOf<K>): StatementSyntax<K> {
  return STATEMENTS[stmt.kind as K];
}

/** The expression a statement holds. */
export function statementExpr(stmt: Stmt): Expr {
  return syntaxOf(stmt).expr(stmt);
}

/** The statement with its expression replaced by `error`, or null (see `withoutExpr`). */
export function statementWithoutExpr(stmt: Stmt, error: ErrorExpr): Stmt | null {
  return syntaxOf(stmt).withoutExpr(stmt, error);
}

export function actsOnEarlier(stmt: Stmt): boolean {
  return syntaxOf(stmt).actsOnEarlier;
}

type AnyStatementSyntax = StatementSyntax<Stmt['kind']>;

/** The statements that start with a keyword, by keyword. */
export const STATEMENT_BY_KEYWORD: ReadonlyMap<string, AnyStatementSyntax> = new Map(
  (Object.values(STATEMENTS) as AnyStatementSyntax[]).flatMap((s) => (s.keyword ? [[s.keyword, s] as const] : [])),
);

/** The statement keywords (`feed def grad check assert print`). */
export const STATEMENT_KEYWORDS: ReadonlySet<string> = new Set(STATEMENT_BY_KEYWORD.keys());
