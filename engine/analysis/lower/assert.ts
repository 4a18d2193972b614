// `assert EXPR`: a bool tensor that must be all true once evaluated. While it is lowered the
// analyzer records the node of each operand, so that a failed assert shows their values.

import type * as AST from '../../syntax/ast';
import { type Node } from '../../graph';
import { BuildError } from '../../builder';
import { formatTensor } from '../../format/numpy';
import type { Analyzer, PendingAssert } from '../analyzer';
import { lowerExpr } from '../expressions';

export function lowerAssert(analyzer: Analyzer, stmt: AST.AssertStmt): void {
  const expectFail = analyzer.expectFail(stmt);
  let node: Node | null = null;
  analyzer.currentAssert = stmt;
  try {
    const v = lowerExpr(analyzer, stmt.expr, null);
    node = analyzer.b.toTensor(v, stmt.expr.span);
  } finally {
    analyzer.currentAssert = null;
    analyzer.pendingAsserts.push({ stmt, node, expectFail });
  }
}

/** After evaluation: the assert's result, and its diagnostic when it failed (or passed while
 *  marked expect-fail). */
export function finishAssert(analyzer: Analyzer, a: PendingAssert): void {
  const push = (passed: boolean, message: string) => {
    analyzer.asserts.push({ stmt: a.stmt, passed, message, expectFail: a.expectFail });
    if (passed && a.expectFail) analyzer.report(a.stmt.span, 'error', 'unexpected-pass', 'this assert is marked expect-fail but passed');
    else if (!passed)
      analyzer.report(
        a.stmt.expr.span,
        a.expectFail ? 'information' : 'error',
        'assert-failed',
        (a.expectFail ? '(expected to fail) ' : '') + message,
      );
  };
  if (!a.node) {
    // Its expression already has a diagnostic; count the assert as failed without a second one.
    analyzer.asserts.push({ stmt: a.stmt, passed: false, message: 'assert could not be evaluated', expectFail: a.expectFail });
    return;
  }
  if (a.node.type.dtype !== 'bool') {
    throw new BuildError(
      `assert needs a bool tensor (a comparison, allclose, all), got ${a.node.type.dtype}`,
      a.stmt.expr.span,
      'dtype-mismatch',
    );
  }
  const v = analyzer.evaluator.valueOf(a.node);
  if (!v) return push(false, 'assert could not be evaluated (an input is not fed or failed)');
  let ok = true;
  for (let i = 0; i < v.data.length; i++) if (!v.data[i]) ok = false;
  if (ok) return push(true, 'assert passed');
  const detail = describeAssert(
    a.stmt.expr,
    (e) => {
      const n = analyzer.exprNodes.get(e);
      const t = n && analyzer.evaluator.valueOf(n);
      return t ? formatTensor(t, { threshold: 20 }) : undefined;
    },
    analyzer.text,
  );
  push(
    false,
    `assert failed: ${analyzer.text.slice(a.stmt.expr.span.start, a.stmt.expr.span.end)} is ${formatTensor(v, { threshold: 20 })}${detail}`,
  );
}

function describeAssert(expr: AST.Expr, show: (e: AST.Expr) => string | undefined, text: string): string {
  const operands: AST.Expr[] = [];
  if (expr.kind === 'binary') operands.push(expr.left, expr.right);
  if (expr.kind === 'call') for (const a of expr.args.slice(0, 2)) operands.push(a.value);
  const parts = operands
    .map((o) => {
      const s = show(o);
      return s === undefined ? null : `${text.slice(o.span.start, o.span.end)} = ${s}`;
    })
    .filter((x): x is string => x !== null);
  return parts.length ? `; ${parts.join('; ')}` : '';
}
