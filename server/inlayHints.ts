// Inlay hints: `: float32[4, 3]` after each bound name (the fed shape once evaluated, else
// the static shape with `?`), and `→ 12.5` at the end of statements whose value is a scalar.
// Both are settings (tgraph.inlayHints.shapes / .values).

import { InlayHintKind, type InlayHint, type Range } from 'vscode-languageserver';
import type { Binding } from '../engine/analysis';
import { formatTensor } from '../engine/format/numpy';
import type { Settings } from './settings';
import { valueTypeLabel } from './describe';
import type { View } from './positions';

function inRange(p: { line: number; character: number }, r: Range): boolean {
  const after = (a: typeof p, b: typeof p) => a.line > b.line || (a.line === b.line && a.character >= b.character);
  return after(p, r.start) && after(r.end, p);
}

/** `x_dims = 3` needs no `→ 3`. */
function isLiteral(b: Binding): boolean {
  if (b.stmt.kind !== 'assign') return false;
  const v = b.stmt.value;
  return v.kind === 'number' || (v.kind === 'unary' && v.operand.kind === 'number');
}

export function inlayHints(view: View, range: Range, settings: Settings['inlayHints']): InlayHint[] {
  const a = view.analysis;
  const hints: InlayHint[] = [];
  for (const b of a.bindings) {
    const v = b.value;
    if (v.kind !== 'tensor' && v.kind !== 'list') continue;
    if (settings.shapes) {
      const p = view.position(b.span.end);
      if (p && inRange(p, range)) hints.push({ position: p, label: `: ${valueTypeLabel(a, v)}`, kind: InlayHintKind.Type });
    }
    if (settings.values && v.kind === 'tensor' && !b.destructured && !isLiteral(b)) {
      const t = a.valueOf(v.node);
      if (!t || t.shape.length !== 0) continue;
      const p = view.position(b.stmt.span.end);
      if (p && inRange(p, range)) hints.push({ position: p, label: `→ ${formatTensor(t)}`, paddingLeft: true });
    }
  }
  return hints.sort((x, y) => x.position.line - y.position.line || x.position.character - y.position.character);
}
