// Semantic tokens: what only the analysis knows, on top of the TextMate grammar (the
// snapshot's occurrences carry each name's token type and modifiers).
//
// Legend (types / modifiers):
//   placeholder          parameter  + placeholder        (+ declaration where bound)
//   variable (trainable) variable   + trainable
//   gradient             variable   + gradient, readonly
//   other tensors, lists variable   + readonly           (names are bound once)
//   def function         function
//   def/grad parameter   parameter                        (no `placeholder` modifier)
//   op name              function   + defaultLibrary
//   dtype                type       + defaultLibrary
//   feed/def/grad/check/assert at the start of a statement: keyword (they are keywords only
//   there, which a grammar cannot tell)

import type { SemanticTokens, SemanticTokensLegend } from 'vscode-languageserver';
import { OCC_END, OCC_FIELDS, OCC_MODIFIERS, OCC_START, OCC_TOKEN, TOKEN_MODIFIERS, TOKEN_TYPES } from '../engine/api/snapshot';
import type { View } from './positions';

export const legend: SemanticTokensLegend = { tokenTypes: [...TOKEN_TYPES], tokenModifiers: [...TOKEN_MODIFIERS] };

/** Tokens in the LSP's relative encoding, optionally only those on lines [fromLine, toLine]. */
export function semanticTokens(view: View, fromLine = 0, toLine = Number.MAX_SAFE_INTEGER): SemanticTokens {
  const occ = view.snapshot.occurrences;
  const data: number[] = [];
  let prevLine = 0;
  let prevChar = 0;
  let lastEnd = -1;
  for (let at = 0; at < occ.length; at += OCC_FIELDS) {
    const type = occ[at + OCC_TOKEN];
    const start = occ[at + OCC_START];
    const end = occ[at + OCC_END];
    if (type < 0 || start < lastEnd || end <= start) continue; // no overlaps
    const p = view.position(start);
    const q = view.position(end);
    if (!p || !q || q.line !== p.line || p.line < fromLine || p.line > toLine) continue;
    lastEnd = end;
    const deltaLine = p.line - prevLine;
    data.push(deltaLine, deltaLine === 0 ? p.character - prevChar : p.character, q.character - p.character, type, occ[at + OCC_MODIFIERS]);
    prevLine = p.line;
    prevChar = p.character;
  }
  return { data };
}
