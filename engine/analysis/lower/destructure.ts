// `a, b = VALUE`: binds each name to an item of a list of as many. When the value is not such
// a list, every name is still bound (to an error), so later uses do not report it again.

import type * as AST from '../../syntax/ast';
import { BuildError, ERROR, type Value } from '../../builder';
import type { Analyzer } from '../analyzer';
import { describe, lowerExpr } from '../expressions';

export function lowerDestructure(analyzer: Analyzer, stmt: AST.DestructureStmt): void {
  let value: Value = ERROR;
  try {
    value = lowerExpr(analyzer, stmt.value, null);
    if (value.kind !== 'list')
      throw new BuildError(
        `cannot destructure ${describe(value)}: expected a list of ${stmt.targets.length}`,
        stmt.value.span,
        'type-mismatch',
      );
    if (value.items.length !== stmt.targets.length) {
      throw new BuildError(
        `cannot destructure a list of ${value.items.length} into ${stmt.targets.length} names`,
        stmt.value.span,
        'type-mismatch',
      );
    }
  } finally {
    const items = value.kind === 'list' && value.items.length === stmt.targets.length ? value.items : null;
    stmt.targets.forEach((t, i) => analyzer.bind(t, stmt, () => (items ? items[i] : ERROR), true));
  }
}
