// Code lenses: the snapshot's (above each statement that differentiates, "Compute
// gradients", "Check gradients" — whose title becomes the result once run — and "Explain
// sum"; above each placeholder, its fed shape and "Randomise feed"), at the current text's
// lines.

import type { CodeLens } from 'vscode-languageserver';
import { Commands } from '../protocol';
import type { View } from './positions';

/** The outcome of "Check gradients" run from a lens, kept for the lens title. */
export interface LensCheck {
  passed: boolean;
  title: string;
}

export function codeLenses(view: View, checks: ReadonlyMap<string, LensCheck> | undefined): CodeLens[] {
  const lenses: CodeLens[] = [];
  for (const lens of view.snapshot.lenses) {
    const p = view.position(lens.offset);
    if (!p) continue;
    let title = lens.title;
    if (lens.statement && checks?.size)
      title = checks.get(view.analysedText.slice(lens.statement.start, lens.statement.end))?.title ?? title;
    const command = lens.command ? Commands[lens.command] : '';
    lenses.push({ range: { start: p, end: p }, command: { title, command, arguments: command ? [view.uri, p.line] : undefined } });
  }
  return lenses;
}
