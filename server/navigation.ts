// Go to definition, find references, rename, and the outline (document symbols).
// A name is bound once and resolves globally, except where a def/grad parameter shadows it,
// so a binding's occurrences are the analysis's references plus every same-named name in the
// syntax tree that no parameter shadows (this also finds uses the analysis never reached:
// the body of a def that is never called, the arguments of a call that failed).

import { ResponseError, ErrorCodes, SymbolKind, type DocumentSymbol, type Location, type Position, type Range, type TextEdit, type WorkspaceEdit } from 'vscode-languageserver';
import type { Analysis, Binding } from '../engine/analysis';
import type * as AST from '../engine/syntax/ast';
import { lookupOp } from '../engine/ops/registry';
import { parseDType } from '../engine/builder';
import { RESERVED_WORDS, valueTypeLabel } from './describe';
import { shortNumber } from './gradients';
import { localNameAt, nameExprAt, referenceAt, statementAt, statementExprs, touches, walk, type View } from './positions';

/** What is at a position: a top-level binding or a function parameter. */
type Target =
  | { kind: 'binding'; binding: Binding; span: AST.Span }
  | { kind: 'local'; name: string; definition: AST.Span; uses: AST.Span[] };

function targetAt(view: View, position: Position): Target | undefined {
  const offset = view.offsetAt(position);
  if (offset === null) return undefined;
  const a = view.analysis;
  const stmt = statementAt(a.program, offset);
  const local = localNameAt(stmt, offset);
  if (local) return { kind: 'local', name: local.name, definition: local.definition, uses: local.uses };
  const ref = referenceAt(a, offset);
  if (ref) return { kind: 'binding', binding: ref.binding, span: ref.span };
  // A use the analysis did not reach (a failed statement, an uncalled def): by name.
  const e = stmt && nameExprAt(stmt, offset);
  const binding = e ? a.lookup(e.name) : undefined;
  if (e && binding && binding.value.kind !== 'op') return { kind: 'binding', binding, span: e.span };
  return undefined;
}

/** Every span where a top-level binding's name occurs (definition first). */
export function occurrences(a: Analysis, binding: Binding): AST.Span[] {
  const spans = new Map<number, AST.Span>();
  const add = (s: AST.Span) => {
    if (!spans.has(s.start)) spans.set(s.start, s);
  };
  add(binding.span);
  for (const r of a.references) if (r.binding === binding) add(r.span);
  const name = binding.name;
  for (const stmt of a.program.statements) {
    if (stmt.kind === 'feed' && stmt.target.name === name) add(stmt.target.span);
    if (stmt.kind === 'grad' && stmt.name.name === name) add(stmt.name.span);
    const shadowed = (stmt.kind === 'def' || stmt.kind === 'grad') && stmt.params.some((p) => p.name === name);
    if (shadowed) continue;
    walk(statementExprs(stmt), (e) => {
      if (e.kind === 'name' && e.name === name) add(e.span);
    });
  }
  return [...spans.values()].sort((x, y) => x.start - y.start);
}

export function definition(view: View, position: Position): Location | null {
  const t = targetAt(view, position);
  if (!t) return null;
  const range = view.range(t.kind === 'binding' ? t.binding.span : t.definition);
  return range ? { uri: view.uri, range } : null;
}

export function references(view: View, position: Position, includeDeclaration: boolean): Location[] {
  const t = targetAt(view, position);
  if (!t) return [];
  const declaration = t.kind === 'binding' ? t.binding.span : t.definition;
  const spans = t.kind === 'binding' ? occurrences(view.analysis, t.binding) : [t.definition, ...t.uses];
  return spans
    .filter((s) => includeDeclaration || s.start !== declaration.start)
    .map((s) => view.range(s))
    .filter((r): r is Range => r !== null)
    .map((range) => ({ uri: view.uri, range }));
}

/** The part of an occurrence that is the name (`tf.x` is written for `x`). */
function nameSpan(a: Analysis, span: AST.Span, name: string): AST.Span {
  const text = a.text.slice(span.start, span.end);
  return text === name ? span : { start: span.end - name.length, end: span.end };
}

function refuse(message: string): never {
  throw new ResponseError(ErrorCodes.InvalidRequest, message);
}

export function prepareRename(view: View, position: Position): { range: Range; placeholder: string } | null {
  const offset = view.offsetAt(position);
  if (offset === null) return null;
  const a = view.analysis;
  const t = targetAt(view, position);
  if (t) {
    const name = t.kind === 'binding' ? t.binding.name : t.name;
    // A repeated parameter (`def f(a, a)`) is neither the definition nor a use: rename the definition.
    const span = t.kind === 'binding' ? nameSpan(a, t.span, name) : touches(t.definition, offset) ? t.definition : t.uses.find((u) => touches(u, offset)) ?? t.definition;
    const range = view.range(span);
    return range ? { range, placeholder: name } : null;
  }
  const stmt = statementAt(a.program, offset);
  if (stmt && 'keywordSpan' in stmt && touches(stmt.keywordSpan, offset)) refuse(`\`${a.text.slice(stmt.keywordSpan.start, stmt.keywordSpan.end)}\` is a keyword and cannot be renamed`);
  const e = stmt && nameExprAt(stmt, offset);
  if (e) {
    if (parseDType(e.text) || parseDType(e.name)) refuse(`\`${e.text}\` is a dtype and cannot be renamed`);
    const op = lookupOp(e.name);
    if (op && !op.internal) refuse(`\`${e.text}\` is a built-in op and cannot be renamed`);
    if (RESERVED_WORDS.has(e.name)) refuse(`\`${e.text}\` is a keyword and cannot be renamed`);
  }
  refuse('only names bound in this file (and function parameters) can be renamed');
}

export function rename(view: View, position: Position, newName: string): WorkspaceEdit | null {
  const a = view.analysis;
  const t = targetAt(view, position);
  if (!t) prepareRename(view, position); // refuses with the reason
  if (!t) return null;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(newName)) refuse(`\`${newName}\` is not a valid name`);
  if (RESERVED_WORDS.has(newName)) refuse(`\`${newName}\` is a keyword`);
  if (parseDType(newName)) refuse(`\`${newName}\` is a dtype`);
  if (lookupOp(newName) && !lookupOp(newName)!.internal) refuse(`\`${newName}\` is the name of an op; the new name would hide it`);
  const oldName = t.kind === 'binding' ? t.binding.name : t.name;
  if (newName === oldName) return { changes: { [view.uri]: [] } };
  if (t.kind === 'binding' && a.lookup(newName)) refuse(`\`${newName}\` is already bound; a name is bound once`);
  if (t.kind === 'local') {
    const stmt = statementAt(a.program, t.definition.start) as AST.DefStmt | AST.GradStmt;
    if (stmt.params.some((p) => p.name === newName)) refuse(`\`${newName}\` is already a parameter of \`${stmt.name.name}\``);
  }
  const spans = t.kind === 'binding' ? occurrences(a, t.binding) : [t.definition, ...t.uses];
  const edits: TextEdit[] = [];
  for (const s of spans) {
    const range = view.range(nameSpan(a, s, oldName));
    if (range) edits.push({ range, newText: newName });
  }
  return { changes: { [view.uri]: edits } };
}

// ---- outline -----------------------------------------------------------------------------

const SYMBOL_KIND: Record<Binding['kind'], SymbolKind> = {
  placeholder: SymbolKind.Field,
  variable: SymbolKind.Property,
  gradient: SymbolKind.Operator,
  function: SymbolKind.Function,
  tensor: SymbolKind.Variable,
  list: SymbolKind.Array,
  other: SymbolKind.Constant,
};

export function documentSymbols(view: View): DocumentSymbol[] {
  const a = view.analysis;
  const symbols: DocumentSymbol[] = [];
  const push = (name: string, kind: SymbolKind, detail: string, span: AST.Span, selection: AST.Span) => {
    const range = view.range(span);
    const selectionRange = view.range(selection);
    if (range && selectionRange) symbols.push({ name, kind, detail, range, selectionRange });
  };
  for (const b of a.bindings) {
    const detail = b.kind === 'function' ? valueTypeLabel(a, b.value) : `${b.kind} ${valueTypeLabel(a, b.value)}`;
    push(b.name, SYMBOL_KIND[b.kind], detail, b.stmt.span, b.span);
  }
  for (const stmt of a.program.statements) {
    if (stmt.kind !== 'check' && stmt.kind !== 'assert') continue;
    const source = a.text.slice(stmt.span.start, stmt.span.end).replace(/\s+/g, ' ');
    let detail = 'not run (an error in the statement)';
    if (stmt.kind === 'check') {
      const r = a.checks.find((c) => c.stmt === stmt);
      if (r) detail = r.passed ? `passed · max err ${shortNumber(r.maxAbsError)}` : 'FAILED';
    } else {
      const r = a.asserts.find((s) => s.stmt === stmt);
      if (r) detail = r.passed ? 'passed' : 'FAILED';
    }
    push(source.length > 60 ? source.slice(0, 57) + '...' : source, SymbolKind.Event, detail, stmt.span, stmt.keywordSpan);
  }
  return symbols.sort((x, y) => x.range.start.line - y.range.start.line || x.range.start.character - y.range.start.character);
}
