// One row per statement kind: what the parser, the analysis and the editor features need to
// know of a statement without knowing the kind. A mapped type over `Stmt['kind']`, so a kind
// added to the syntax tree and not here is a type error.

import type { ErrorExpr, Expr, Stmt } from './ast';

export type StmtOf<K extends Stmt['kind']> = Extract<Stmt, { kind: K }>;

interface StatementSyntax<K extends Stmt['kind']> {
  /** The keyword that starts it (a keyword only at the start of a statement: the parser). */
  keyword: string | null;
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
  assign: { keyword: null, ...valueStatement, actsOnEarlier: false },
  destructure: { keyword: null, ...valueStatement, actsOnEarlier: false },
  feed: { keyword: 'feed', ...valueStatement, actsOnEarlier: true },
  def: { keyword: 'def', ...bodyStatement, actsOnEarlier: false },
  grad: { keyword: 'grad', ...bodyStatement, actsOnEarlier: true },
  check: { keyword: 'check', expr: (s) => s.call, withoutExpr: (s, error) => ({ ...s, call: error }), actsOnEarlier: false },
  assert: { keyword: 'assert', ...exprStatement, actsOnEarlier: false },
  print: { keyword: 'print', ...exprStatement, actsOnEarlier: false },
  // A bare expression over the nesting budget leaves nothing to analyse.
  expr: { keyword: null, expr: (s) => s.expr, withoutExpr: () => null, actsOnEarlier: false },
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

/** The statement keywords (`feed def grad check assert print`). */
export const STATEMENT_KEYWORDS: ReadonlySet<string> = new Set(
  Object.values(STATEMENTS).flatMap((s: { keyword: string | null }) => (s.keyword ? [s.keyword] : [])),
);
