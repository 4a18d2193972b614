// Folding ranges: statements that span several lines (a long call, a nested literal, a
// continued line) and runs of two or more comment lines.

import { FoldingRangeKind, type FoldingRange } from 'vscode-languageserver';
import type { View } from './positions';

export function foldingRanges(view: View): FoldingRange[] {
  const a = view.analysis;
  const ranges: FoldingRange[] = [];
  for (const stmt of a.program.statements) {
    const r = view.range(stmt.span);
    if (r && r.end.line > r.start.line) ranges.push({ startLine: r.start.line, endLine: r.end.line });
  }
  let runStart = -1;
  let runEnd = -1;
  const flush = () => {
    if (runStart >= 0 && runEnd > runStart) ranges.push({ startLine: runStart, endLine: runEnd, kind: FoldingRangeKind.Comment });
  };
  for (const c of a.program.comments) {
    const line = view.line(c.span.start);
    if (line === null) continue;
    // Only comments alone on their line make a foldable block.
    const lineStart = a.lines.lineStart(a.lines.positionAt(c.span.start).line);
    if (a.text.slice(lineStart, c.span.start).trim() !== '') continue;
    if (line === runEnd + 1 && runStart >= 0) runEnd = line;
    else {
      flush();
      runStart = runEnd = line;
    }
  }
  flush();
  return ranges.sort((x, y) => x.startLine - y.startLine);
}
