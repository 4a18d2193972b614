// Go to definition, find references, rename, and the outline (document symbols), from the
// snapshot's occurrences: a name is bound once and resolves globally, except where a def/grad
// parameter shadows it, so each occurrence points at its binding or parameter (also the uses
// the analysis never reached: the body of a def never called, the arguments of a failed call).

import {
  ResponseError,
  ErrorCodes,
  SymbolKind,
  type DocumentSymbol,
  type Location,
  type Position,
  type Range,
  type TextEdit,
  type WorkspaceEdit,
} from 'vscode-languageserver';
import type { BindingKind } from '../engine/analysis';
import type { Span } from '../engine/syntax/ast';
import { lookupOp } from '../engine/ops/registry';
import { parseDType } from '../engine/builder';
import { RESERVED_WORDS } from '../engine/api/describe';
import {
  OCC_END,
  OCC_FIELDS,
  OCC_START,
  OCC_TARGET,
  occurrenceAt,
  occurrencesOf,
  type NameTarget,
  type SymbolData,
} from '../engine/api/snapshot';
import type { View } from './positions';

interface Target {
  index: number;
  target: NameTarget;
  /** The occurrence under the cursor. */
  span: Span;
}

function occurrenceUnder(view: View, position: Position): Target | undefined {
  const offset = view.offsetAt(position);
  if (offset === null) return undefined;
  const occ = view.snapshot.occurrences;
  const i = occurrenceAt(occ, offset);
  if (i < 0) return undefined;
  const at = i * OCC_FIELDS;
  const index = occ[at + OCC_TARGET];
  return { index, target: view.snapshot.targets[index], span: { start: occ[at + OCC_START], end: occ[at + OCC_END] } };
}

/** A binding or a parameter under the cursor: what navigation acts on. */
function targetAt(view: View, position: Position): Target | undefined {
  const t = occurrenceUnder(view, position);
  return t && (t.target.kind === 'binding' || t.target.kind === 'parameter') ? t : undefined;
}

/** Every span where a target occurs (definition first). */
function spansOf(view: View, t: Target): Span[] {
  const spans = occurrencesOf(view.snapshot.occurrences, t.index);
  const def = t.target.definition;
  if (def && !spans.some((s) => s.start === def.start)) spans.unshift(def);
  return spans.sort((x, y) => x.start - y.start);
}

export function definition(view: View, position: Position): Location | null {
  const t = targetAt(view, position);
  const range = t?.target.definition && view.range(t.target.definition);
  return range ? { uri: view.uri, range } : null;
}

export function references(view: View, position: Position, includeDeclaration: boolean): Location[] {
  const t = targetAt(view, position);
  if (!t) return [];
  const declaration = t.target.definition;
  return spansOf(view, t)
    .filter((s) => includeDeclaration || s.start !== declaration?.start)
    .map((s) => view.range(s))
    .filter((r): r is Range => r !== null)
    .map((range) => ({ uri: view.uri, range }));
}

/** The part of an occurrence that is the name (`tf.x` is written for `x`). */
function nameSpan(view: View, span: Span, name: string): Span {
  const text = view.analysedText.slice(span.start, span.end);
  return text === name ? span : { start: span.end - name.length, end: span.end };
}

function refuse(message: string): never {
  throw new ResponseError(ErrorCodes.InvalidRequest, message);
}

export function prepareRename(view: View, position: Position): { range: Range; placeholder: string } | null {
  const under = occurrenceUnder(view, position);
  if (under && (under.target.kind === 'binding' || under.target.kind === 'parameter')) {
    const range = view.range(nameSpan(view, under.span, under.target.name));
    return range ? { range, placeholder: under.target.name } : null;
  }
  if (view.offsetAt(position) === null) return null;
  refuse(under?.target.refusal ?? 'only names bound in this file (and function parameters) can be renamed');
}

export function rename(view: View, position: Position, newName: string): WorkspaceEdit | null {
  const t = targetAt(view, position);
  if (!t) prepareRename(view, position); // refuses with the reason
  if (!t) return null;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(newName)) refuse(`\`${newName}\` is not a valid name`);
  if (RESERVED_WORDS.has(newName)) refuse(`\`${newName}\` is a keyword`);
  if (parseDType(newName)) refuse(`\`${newName}\` is a dtype`);
  if (lookupOp(newName) && !lookupOp(newName)!.internal) refuse(`\`${newName}\` is the name of an op; the new name would hide it`);
  const oldName = t.target.name;
  if (newName === oldName) return { changes: { [view.uri]: [] } };
  if (t.target.kind === 'binding' && view.snapshot.targets.some((o) => o.kind === 'binding' && o.name === newName))
    refuse(`\`${newName}\` is already bound; a name is bound once`);
  if (t.target.kind === 'parameter' && t.target.siblings?.includes(newName))
    refuse(`\`${newName}\` is already a parameter of this function`);
  const edits: TextEdit[] = [];
  for (const s of spansOf(view, t)) {
    const range = view.range(nameSpan(view, s, oldName));
    if (range) edits.push({ range, newText: newName });
  }
  return { changes: { [view.uri]: edits } };
}

// ---- outline -----------------------------------------------------------------------------

const SYMBOL_KIND: Record<BindingKind | 'check' | 'assert', SymbolKind> = {
  placeholder: SymbolKind.Field,
  variable: SymbolKind.Property,
  gradient: SymbolKind.Operator,
  function: SymbolKind.Function,
  tensor: SymbolKind.Variable,
  list: SymbolKind.Array,
  other: SymbolKind.Constant,
  check: SymbolKind.Event,
  assert: SymbolKind.Event,
};

export function documentSymbols(view: View): DocumentSymbol[] {
  const symbols: DocumentSymbol[] = [];
  for (const s of view.snapshot.symbols as SymbolData[]) {
    const range = view.range(s.span);
    const selectionRange = view.range(s.selection);
    if (range && selectionRange) symbols.push({ name: s.name, kind: SYMBOL_KIND[s.kind], detail: s.detail, range, selectionRange });
  }
  return symbols.sort((x, y) => x.range.start.line - y.range.start.line || x.range.start.character - y.range.start.character);
}
