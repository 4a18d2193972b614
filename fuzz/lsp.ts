// The language server's features on one analysis, as an editor would ask for them: hover,
// go-to-definition, references, rename, completion at every class of position (each token's
// start and end — names, numbers, strings, operators, brackets, keywords, comments —, line
// ends, the end of the file), then inlay hints, code lenses, symbols, folding, diagnostics,
// and the "Compute gradients" / "Explain sum" commands on every line that differentiates.
// The same positions are asked again through a stale view (the text edited after the
// analysis), as happens while the user types. Every answer goes through JSON.stringify, as
// the LSP connection does.
//
// Called by the harness; an exception here is a `crash` (phase `lsp:<feature>`).

import { ResponseError, type Position } from 'vscode-languageserver';
import type { Analysis } from '../engine/analysis';
import { View } from '../server/positions';
import { hover } from '../server/hover';
import { snapshotOf } from '../engine/api/facts';
import { semanticTokens } from '../server/semanticTokens';
import { definition, documentSymbols, prepareRename, references } from '../server/navigation';
import { completion } from '../server/completion';
import { inlayHints } from '../server/inlayHints';
import { codeLenses } from '../server/lenses';
import { foldingRanges } from '../server/folding';
import { toDiagnostics } from '../server/diagnostics';
import { computeGradients, explainStatement, gradientCalls } from '../engine/api/gradients';
import { tokenize } from './mutate';
import type { Rng } from './rng';

const URI = 'file:///fuzz/input.tgraph';

/** Token boundaries, line ends and the file's ends: one offset of each position class,
 *  several of the common ones, at most `max` in all (evenly spread, always the ends). */
export function probeOffsets(text: string, max: number): number[] {
  const set = new Set<number>([0, text.length]);
  let offset = 0;
  for (const t of tokenize(text)) {
    set.add(offset);
    if (t.length > 1) set.add(offset + 1);
    offset += t.length;
    set.add(offset);
  }
  const all = [...set].filter((o) => o >= 0 && o <= text.length).sort((a, b) => a - b);
  if (all.length <= max) return all;
  const picked: number[] = [];
  for (let i = 0; i < max; i++) picked.push(all[Math.round((i * (all.length - 1)) / (max - 1))]);
  return [...new Set(picked)];
}

/** Runs every feature; throws what a feature throws, with the feature's name in front. */
export function exerciseLsp(a: Analysis, rng: Rng, maxPositions = 40): void {
  const step = <T>(feature: string, f: () => T): T | undefined => {
    try {
      const result = f();
      JSON.stringify(result);
      return result;
    } catch (e) {
      // A ResponseError is an answer of the protocol (prepareRename refusing a keyword).
      if (e instanceof ResponseError) return undefined;
      if (e instanceof Error) e.message = `lsp:${feature}: ${e.message}`;
      throw e;
    }
  };
  const snapshot = step('snapshot', () => snapshotOf(a, { version: 1, explain: true }))!;
  // What crosses to the protocol thread is structured-cloned: it must survive that.
  step('snapshot:clone', () => structuredClone(snapshot));
  const views: { view: View; text: string }[] = [{ view: new View(URI, snapshot, a.text, a.text), text: a.text }];
  // A stale view: the user typed a character after this analysis was made.
  const at = rng.int(0, a.text.length);
  const edited = a.text.slice(0, at) + rng.pick(['x', ' ', '\n', '(', '1', '.', '#']) + a.text.slice(at);
  views.push({ view: new View(URI, snapshot, a.text, edited), text: edited });

  for (const { view, text } of views) {
    const current = { text, program: a.program, lines: view.lines };
    probeOffsets(text, maxPositions).forEach((offset, k) => {
      const p: Position = view.lines.positionAt(offset);
      step('hover', () => hover(view, p, !view.fresh));
      step('definition', () => definition(view, p));
      step('references', () => references(view, p, true));
      step('prepareRename', () => prepareRename(view, p));
      // Completion lists every op (its answer is large): at every fourth position only.
      if (view.fresh && k % 4 === 0) step('completion', () => completion(current, p, snapshot));
    });
    const end = view.lines.positionAt(text.length);
    step('inlayHints', () => inlayHints(view, { start: { line: 0, character: 0 }, end }, { shapes: true, values: true }));
    step('codeLenses', () => codeLenses(view, undefined));
    step('documentSymbols', () => documentSymbols(view));
    step('foldingRanges', () => foldingRanges(view));
    step('semanticTokens', () => semanticTokens(view));
  }
  step('diagnostics', () => toDiagnostics(URI, a.diagnostics, a.lines));
  let commands = 0;
  for (const stmt of a.program.statements) {
    if (commands >= 5 || gradientCalls(stmt).length === 0) continue;
    commands++;
    const line = a.lines.positionAt(stmt.span.start).line;
    step('computeGradients', () => computeGradients(URI, a, line));
    step('explainStatement', () => explainStatement(URI, a, line));
  }
}
