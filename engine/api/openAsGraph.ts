// "tgraph: Open as graph" through the engine API: the statements on a range of lines of an
// analysed document (a Python script, usually), written as a .tgraph document.

import type { Analysis } from '../analysis';
import { exportGraph, type GraphDocument } from '../export/graph';

/** `line`..`endLine` are 0-based; a selection past the end is cut to the document. */
export function openAsGraph(uri: string, analysis: Analysis, line: number, endLine: number): GraphDocument {
  const lines = analysis.lines;
  const first = Math.max(0, Math.min(line, lines.lineCount - 1));
  const last = Math.max(first, Math.min(endLine, lines.lineCount - 1));
  const selection = { start: lines.lineStart(first), end: Math.max(lines.lineEnd(last), lines.lineStart(first) + 1) };
  const whole = first === 0 && last === lines.lineCount - 1;
  return exportGraph(analysis, { selection: whole ? undefined : selection, source: fileName(uri) });
}

function fileName(uri: string): string {
  const path = uri.replace(/[?#].*$/, '');
  try {
    return decodeURIComponent(path.slice(path.lastIndexOf('/') + 1)) || uri;
  } catch {
    return path.slice(path.lastIndexOf('/') + 1) || uri;
  }
}
