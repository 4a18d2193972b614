// The depth of a statement's syntax tree, bounded: the analysis's walks of the tree are
// recursive, so a statement deeper than the budget is reported and left out.

import type { ErrorExpr, Expr, Span, Stmt, SyntaxDiagnostic } from './ast';
import { childExprs } from './ast';
import { statementExpr, statementWithoutExpr } from './statements';
import { raiseHint } from '../budgets';

// ---------------------------------------------------------------------------------------------
// The depth of the syntax tree

export function nestingMessage(maxDepth: number): string {
  return `expression nested too deeply: more than ${maxDepth} levels of brackets or operators ${raiseHint('maxNestingDepth')}`;
}

/** The parser's recursion is bounded by `maxDepth`, but an operator chain (`1 + 1 + ...`,
 *  `x[0][0]...`, `f(1)(2)...`) is parsed in a loop and still builds a tree one level deeper
 *  per operator, which the analyzer descends recursively. With `maxTreeDepth` set, a
 *  statement whose tree is deeper than `maxDepth` gets one
 *  'nesting-too-deep' diagnostic, at the operator or bracket where the innermost construct
 *  crosses the budget, and loses its value (an ErrorExpr: nothing else is reported for it). */
export function withinDepth(stmt: Stmt, maxDepth: number, diagnostics: SyntaxDiagnostic[]): Stmt | undefined {
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
