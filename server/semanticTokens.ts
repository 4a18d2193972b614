// Semantic tokens: what only the analysis knows, on top of the TextMate grammar.
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
import type { Binding } from '../engine/analysis';
import type * as AST from '../engine/syntax/ast';
import { lookupOp } from '../engine/ops/registry';
import { parseDType } from '../engine/builder';
import { statementExprs, walk, type View } from './positions';

const TYPES = ['variable', 'parameter', 'function', 'type', 'keyword'] as const;
const MODIFIERS = ['declaration', 'readonly', 'defaultLibrary', 'placeholder', 'gradient', 'trainable'] as const;

export const legend: SemanticTokensLegend = { tokenTypes: [...TYPES], tokenModifiers: [...MODIFIERS] };

type TokenType = (typeof TYPES)[number];
type Modifier = (typeof MODIFIERS)[number];

interface Token {
  span: AST.Span;
  type: TokenType;
  modifiers: Modifier[];
}

function bindingToken(b: Binding): { type: TokenType; modifiers: Modifier[] } {
  switch (b.kind) {
    case 'placeholder':
      return { type: 'parameter', modifiers: ['placeholder'] };
    case 'variable':
      return { type: 'variable', modifiers: ['trainable'] };
    case 'gradient':
      return { type: 'variable', modifiers: ['gradient', 'readonly'] };
    case 'function':
      return { type: 'function', modifiers: [] };
    default:
      return { type: 'variable', modifiers: ['readonly'] };
  }
}

function collect(view: View): Token[] {
  const a = view.analysis;
  const tokens: Token[] = [];
  const named = (span: AST.Span, name: string, declaration: boolean) => {
    const b = a.lookup(name);
    if (!b) return;
    const t = bindingToken(b);
    tokens.push({ span, type: t.type, modifiers: declaration && b.span.start === span.start ? ['declaration', ...t.modifiers] : t.modifiers });
  };
  for (const stmt of a.program.statements) {
    if ('keywordSpan' in stmt) tokens.push({ span: stmt.keywordSpan, type: 'keyword', modifiers: [] });
    let locals: ReadonlySet<string> = new Set();
    switch (stmt.kind) {
      case 'assign':
        named(stmt.target.span, stmt.target.name, true);
        break;
      case 'destructure':
        for (const t of stmt.targets) named(t.span, t.name, true);
        break;
      case 'feed':
        named(stmt.target.span, stmt.target.name, false);
        break;
      case 'def':
      case 'grad':
        named(stmt.name.span, stmt.name.name, stmt.kind === 'def');
        for (const p of stmt.params) tokens.push({ span: p.span, type: 'parameter', modifiers: ['declaration'] });
        locals = new Set(stmt.params.map((p) => p.name));
        break;
    }
    walk(statementExprs(stmt), (e) => {
      if (e.kind !== 'name') return;
      if (locals.has(e.name) && e.text === e.name) tokens.push({ span: e.span, type: 'parameter', modifiers: [] });
      else if (a.lookup(e.name)) named(e.span, e.name, false);
      else if (parseDType(e.text) || parseDType(e.name)) tokens.push({ span: e.span, type: 'type', modifiers: ['defaultLibrary'] });
      else if (lookupOp(e.name) && !lookupOp(e.name)!.internal) tokens.push({ span: e.span, type: 'function', modifiers: ['defaultLibrary'] });
    });
  }
  return tokens.sort((x, y) => x.span.start - y.span.start);
}

/** Tokens in the LSP's relative encoding, optionally only those on lines [fromLine, toLine]. */
export function semanticTokens(view: View, fromLine = 0, toLine = Number.MAX_SAFE_INTEGER): SemanticTokens {
  const data: number[] = [];
  let prevLine = 0;
  let prevChar = 0;
  let lastEnd = -1;
  for (const t of collect(view)) {
    if (t.span.start < lastEnd || t.span.end <= t.span.start) continue; // no overlaps
    const start = view.position(t.span.start);
    const end = view.position(t.span.end);
    if (!start || !end || end.line !== start.line || start.line < fromLine || start.line > toLine) continue;
    lastEnd = t.span.end;
    const deltaLine = start.line - prevLine;
    const deltaChar = deltaLine === 0 ? start.character - prevChar : start.character;
    let mods = 0;
    for (const m of t.modifiers) mods |= 1 << MODIFIERS.indexOf(m);
    data.push(deltaLine, deltaChar, end.character - start.character, TYPES.indexOf(t.type), mods);
    prevLine = start.line;
    prevChar = start.character;
  }
  return { data };
}
