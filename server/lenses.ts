// Code lenses: above each statement that differentiates, "Compute gradients", "Check
// gradients" (its title becomes the result once run) and "Explain sum"; above each
// placeholder, its fed shape and "Randomise feed".

import type { CodeLens } from 'vscode-languageserver';
import type { DocumentState } from './documents';
import { showShape } from '../engine/types';
import { gradientCalls } from './gradients';
import { Commands } from './protocol';
import type { View } from './positions';

export function codeLenses(view: View, state: DocumentState | undefined): CodeLens[] {
  const a = view.analysis;
  const lenses: CodeLens[] = [];
  const lensAt = (offset: number, title: string, command: string, line: number): CodeLens | null => {
    const p = view.position(offset);
    if (!p) return null;
    return { range: { start: p, end: p }, command: { title, command, arguments: command ? [view.uri, line] : undefined } };
  };
  const push = (...items: (CodeLens | null)[]) => {
    for (const l of items) if (l) lenses.push(l);
  };

  for (const stmt of a.program.statements) {
    if (gradientCalls(stmt).length === 0) continue;
    const line = view.line(stmt.span.start);
    if (line === null) continue;
    const checked = state?.lensChecks.get(a.text.slice(stmt.span.start, stmt.span.end));
    push(
      lensAt(stmt.span.start, 'Compute gradients', Commands.computeGradients, line),
      lensAt(stmt.span.start, checked ? checked.title : 'Check gradients', Commands.checkGradients, line),
      lensAt(stmt.span.start, 'Explain sum', Commands.explainSum, line),
    );
  }

  for (const b of a.bindings) {
    if (b.kind !== 'placeholder' || b.value.kind !== 'tensor') continue;
    const line = view.line(b.stmt.span.start);
    if (line === null) continue;
    const node = b.value.node;
    const fed = a.valueOf(node);
    const title = fed ? `fed ${node.type.dtype}${showShape(fed.shape)}` : `not fed · ${node.type.dtype}${showShape(node.type.shape)}`;
    push(lensAt(b.stmt.span.start, title, '', line), lensAt(b.stmt.span.start, 'Randomise feed', Commands.randomiseFeed, line));
  }
  return lenses;
}
