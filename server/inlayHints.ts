// Inlay hints: `: float32[4, 3]` after each bound name and `→ 12.5` after statements whose
// value is a scalar (the snapshot's), each a setting (tgraph.inlayHints.shapes / .values).

import { InlayHintKind, type InlayHint, type Range } from 'vscode-languageserver';
import type { Settings } from './settings';
import type { View } from './positions';

function inRange(p: { line: number; character: number }, r: Range): boolean {
  const after = (a: typeof p, b: typeof p) => a.line > b.line || (a.line === b.line && a.character >= b.character);
  return after(p, r.start) && after(r.end, p);
}

export function inlayHints(view: View, range: Range, settings: Settings['inlayHints']): InlayHint[] {
  const hints: InlayHint[] = [];
  for (const h of view.snapshot.hints) {
    if (h.kind === 'type' ? !settings.shapes : !settings.values) continue;
    const p = view.position(h.offset);
    if (!p || !inRange(p, range)) continue;
    hints.push(
      h.kind === 'type' ? { position: p, label: h.label, kind: InlayHintKind.Type } : { position: p, label: h.label, paddingLeft: true },
    );
  }
  return hints.sort((x, y) => x.position.line - y.position.line || x.position.character - y.position.character);
}
