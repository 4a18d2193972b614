// Folding ranges: statements that span several lines and runs of two or more comment lines
// (the snapshot's), at the current text's lines.

import { FoldingRangeKind, type FoldingRange } from 'vscode-languageserver';
import type { View } from './positions';

export function foldingRanges(view: View): FoldingRange[] {
  const ranges: FoldingRange[] = [];
  for (const span of view.snapshot.folding.statements) {
    const r = view.range(span);
    if (r && r.end.line > r.start.line) ranges.push({ startLine: r.start.line, endLine: r.end.line });
  }
  for (const run of view.snapshot.folding.commentRuns) {
    const r = view.range(run);
    if (r && r.end.line > r.start.line) ranges.push({ startLine: r.start.line, endLine: r.end.line, kind: FoldingRangeKind.Comment });
  }
  return ranges.sort((x, y) => x.startLine - y.startLine);
}
