// Completion: op names (with signature and doc), names in scope (bound before the cursor),
// keyword argument names inside a call, dtypes, constants, statement keywords at the start
// of a statement, and tensor attributes after `name.`. Works on the current text's syntax
// tree: completion runs right after a keystroke, before that text is analysed; the latest
// analysis adds each name's shape.

import { CompletionItemKind, MarkupKind, type CompletionItem, type Position } from 'vscode-languageserver';
import type * as AST from '../engine/syntax/ast';
import type { LineIndex } from '../engine/syntax/lineIndex';
import { allOps, lookupOp, type OpDef } from '../engine/ops/registry';
import { DTYPES, STATEMENT_KEYWORDS, opSignature, paramLabel, valueTypeLabel } from './describe';
import { activeArgument, enclosingCall, statementAt, wordBefore, type View } from './positions';

export interface CurrentText {
  text: string;
  program: AST.Program;
  lines: LineIndex;
}

const PREFIXES = /^(tf\.|tf\.math\.|tf\.nn\.|tf\.linalg\.|tf\.compat\.v1\.|np\.|tf\.random\.)$/;

let opItems: CompletionItem[] | undefined;

/** One item per op name and alias (built once: the registry does not change). */
function opCompletions(): CompletionItem[] {
  if (opItems) return opItems;
  opItems = [];
  for (const op of allOps()) {
    if (op.internal) continue;
    const sig = opSignature(op);
    for (const name of [op.name, ...(op.aliases ?? [])]) {
      opItems.push({
        label: name,
        kind: CompletionItemKind.Function,
        detail: name === op.name ? sig.label : `${sig.label} (${name} is an alias)`,
        documentation: { kind: MarkupKind.Markdown, value: op.doc },
        sortText: `2${name}`,
      });
    }
  }
  return opItems;
}

function boundNames(stmt: AST.Stmt): AST.Identifier[] {
  if (stmt.kind === 'assign') return [stmt.target];
  if (stmt.kind === 'destructure') return stmt.targets;
  if (stmt.kind === 'def') return [stmt.name];
  return [];
}

function inComment(program: AST.Program, offset: number): boolean {
  return program.comments.some((c) => c.span.start < offset && offset <= c.span.end);
}

export function completion(current: CurrentText, position: Position, view: View | undefined): CompletionItem[] {
  const { text, program, lines } = current;
  const offset = lines.offsetAt(position);
  if (inComment(program, offset)) return [];
  const { start, word } = wordBefore(text, offset);
  const dot = word.lastIndexOf('.');
  const qualifier = dot >= 0 ? word.slice(0, dot + 1) : '';
  const stmt = statementAt(program, offset, text);

  // `x.` on a bound name: tensor attributes.
  if (qualifier && !PREFIXES.test(qualifier)) {
    if (/^[A-Za-z_][A-Za-z0-9_]*\.$/.test(qualifier)) {
      return ['shape', 'dtype', 'T', 'ndim'].map((name) => ({ label: name, kind: CompletionItemKind.Property }));
    }
    return [];
  }

  const items: CompletionItem[] = [];
  if (!qualifier) {
    // Keyword arguments of the call around the cursor.
    const call = enclosingCall(program, text, offset);
    const op = call?.callee.kind === 'name' ? lookupOp(call.callee.name) : undefined;
    if (call && op && !op.internal) items.push(...keywordArguments(op, call, text, offset));

    // Names bound before the statement being typed, and a function's parameters in its body.
    const seen = new Set<string>();
    for (const s of program.statements) {
      if (s.span.start >= (stmt?.span.start ?? offset)) break;
      for (const id of boundNames(s)) {
        if (seen.has(id.name)) continue;
        seen.add(id.name);
        const binding = view?.analysis.lookup(id.name);
        items.push({
          label: id.name,
          kind: binding?.kind === 'function' ? CompletionItemKind.Function : CompletionItemKind.Variable,
          detail: binding ? `${binding.kind} ${valueTypeLabel(view!.analysis, binding.value)}` : undefined,
          sortText: `1${id.name}`,
        });
      }
    }
    if (stmt && (stmt.kind === 'def' || stmt.kind === 'grad') && offset > stmt.name.span.end) {
      for (const p of stmt.params) if (!seen.has(p.name)) items.push({ label: p.name, kind: CompletionItemKind.Variable, detail: 'parameter', sortText: `0${p.name}` });
    }

    // Statement keywords where a statement starts.
    if (/^[ \t]*$/.test(text.slice(lines.lineStart(position.line), start)) && (!stmt || stmt.span.start >= start)) {
      for (const k of STATEMENT_KEYWORDS) items.push({ label: k, kind: CompletionItemKind.Keyword, sortText: `3${k}` });
    }
    for (const c of ['True', 'False', 'None']) items.push({ label: c, kind: CompletionItemKind.Constant, sortText: `4${c}` });
  }
  for (const d of DTYPES) items.push({ label: d, kind: CompletionItemKind.TypeParameter, detail: 'dtype', sortText: `3${d}` });
  items.push(...opCompletions());
  return items;
}

/** `axis=`, `keepdims=`... for the op being called, minus those already given. */
function keywordArguments(op: OpDef, call: AST.CallExpr, text: string, offset: number): CompletionItem[] {
  const given = new Set(call.args.filter((a) => a.keyword && !(a.span.start <= offset && offset <= a.span.end)).map((a) => a.keyword!.name));
  const positional = call.args.filter((a) => !a.keyword && a.value.kind !== 'error' && a.span.end < offset).length;
  const { keyword } = activeArgument(call, text, offset);
  if (keyword) return []; // typing a keyword argument's value
  return op.params
    .filter((p, i) => i >= positional && !given.has(p.name) && !(p.aliases ?? []).some((al) => given.has(al)))
    .map((p) => ({
      label: `${p.name}=`,
      kind: CompletionItemKind.Field,
      detail: paramLabel(p),
      documentation: p.doc,
      insertText: `${p.name}=`,
      filterText: p.name,
      sortText: `0${String(op.params.indexOf(p)).padStart(2, '0')}`,
    }));
}
