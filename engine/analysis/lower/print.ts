// `print(a, b)`: lowered to the values it prints; written once evaluated, each value as
// NumPy (a tensor) or Python (the rest) prints it, separated by a space, as Python's print.

import type * as AST from '../../syntax/ast';
import { BuildError, type Value } from '../../builder';
import { formatTensor } from '../../format/numpy';
import type { Analyzer } from '../analyzer';
import { lowerExpr } from '../expressions';

export function lowerPrint(analyzer: Analyzer, stmt: AST.PrintStmt): void {
  const e = stmt.expr;
  const parts = e.kind === 'list' && e.bracket === '(' ? e.elements : [e];
  analyzer.pendingPrints.push({ stmt, values: parts.map((part) => lowerExpr(analyzer, part, null)) });
}

/** A value as `print` writes it: a tensor as NumPy prints it, a list item by item. */
export function printedValue(analyzer: Analyzer, v: Value, span: AST.Span): string {
  if (v.kind === 'list') analyzer.b.checkFlatCount(v, span);
  return printed(analyzer, v, span);
}

function printed(analyzer: Analyzer, v: Value, span: AST.Span): string {
  switch (v.kind) {
    case 'tensor': {
      const t = analyzer.evaluator.valueOf(v.node);
      if (!t) throw new BuildError('this value could not be evaluated', span, 'print-not-evaluated');
      return formatTensor(t);
    }
    case 'list':
      return `[${v.items.map((item) => printed(analyzer, item, span)).join(', ')}]`;
    case 'none':
      return 'None';
    case 'string':
      return v.value;
    case 'dtype':
      return `<dtype: '${v.dtype}'>`;
    case 'function':
      return `<function ${v.fn.name}>`;
    case 'op':
      return `<op ${v.op.name}>`;
    case 'error':
      throw new BuildError('this value has an error (see the diagnostics)', span, 'print-not-evaluated');
  }
}
