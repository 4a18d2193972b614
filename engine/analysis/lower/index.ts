// The lowering table: how each statement kind becomes graph nodes and bindings. A mapped type
// over `Stmt['kind']`, as the statement table of the syntax (../../syntax/statements.ts), so
// a kind added to the syntax tree and not lowered here is a type error. The analyzer keeps
// what is common to every kind: checkpoints, budgets, the diagnostics policy.

import type * as AST from '../../syntax/ast';
import type { StmtOf } from '../../syntax/statements';
import type { Analyzer } from '../analyzer';
import { assignedValue, lowerExpr } from '../expressions';
import { lowerAssert } from './assert';
import { lowerCheck } from './check';
import { lowerDef } from './def';
import { lowerDestructure } from './destructure';
import { lowerFeed } from './feed';
import { lowerGrad } from './grad';
import { lowerPrint } from './print';

type Lowering<K extends AST.Stmt['kind']> = (analyzer: Analyzer, stmt: StmtOf<K>) => void;

const LOWERINGS: { readonly [K in AST.Stmt['kind']]: Lowering<K> } = {
  assign: (analyzer, stmt) => analyzer.bind(stmt.target, stmt, () => assignedValue(analyzer, stmt.value)),
  destructure: lowerDestructure,
  feed: lowerFeed,
  def: lowerDef,
  grad: lowerGrad,
  check: lowerCheck,
  assert: lowerAssert,
  print: lowerPrint,
  expr: (analyzer, stmt) => void lowerExpr(analyzer, stmt.expr, null),
};

/** Lowers one statement; what it cannot build it throws (the analyzer reports it). */
export function lowerStatement(analyzer: Analyzer, stmt: AST.Stmt): void {
  (LOWERINGS[stmt.kind] as Lowering<AST.Stmt['kind']>)(analyzer, stmt);
}
