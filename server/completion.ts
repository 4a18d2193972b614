// Completion: op names (with signature and doc), names in scope (bound before the cursor),
// keyword argument names inside a call, dtypes, constants, statement keywords at the start
// of a statement, and tensor attributes after `name.`. Works on the current text's syntax
// tree: completion runs right after a keystroke, before that text is analysed; the latest
// analysis adds each name's shape.

import { CompletionItemKind, MarkupKind, type CompletionItem, type Position } from 'vscode-languageserver';
import type * as AST from '../engine/syntax/ast';
import type { LineIndex } from '../engine/syntax/lineIndex';
import { allOps, lookupOp, type OpDef } from '../engine/ops/registry';
import { DTYPES, STATEMENT_KEYWORDS, opSignature, paramLabel } from '../engine/api/describe';
import { activeArgument, enclosingCall, statementAt, wordBefore } from '../engine/api/syntax';
import type { DocumentSnapshot, NameTarget } from '../engine/api/snapshot';

export interface CurrentText {
  text: string;
  program: AST.Program;
  lines: LineIndex;
  /** When `text` is a window of a long document: the names bound before it, and the
   *  parameters of the functions among them. */
  boundBefore?: readonly string[];
  functionsBefore?: ReadonlyMap<string, readonly string[]>;
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

const bindingsBySnapshot = new WeakMap<DocumentSnapshot, Map<string, NameTarget>>();

/** The bound names of a snapshot, by name. */
function bindingsOf(snapshot: DocumentSnapshot): Map<string, NameTarget> {
  let m = bindingsBySnapshot.get(snapshot);
  if (!m) {
    m = new Map();
    for (const t of snapshot.targets) if (t.kind === 'binding' && !m.has(t.name)) m.set(t.name, t);
    bindingsBySnapshot.set(snapshot, m);
  }
  return m;
}

export function completion(current: CurrentText, position: Position, snapshot: DocumentSnapshot | undefined): CompletionItem[] {
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
    const bound = (name: string) => {
      if (seen.has(name)) return;
      seen.add(name);
      const binding = snapshot && bindingsOf(snapshot).get(name);
      items.push({
        label: name,
        kind: binding?.bindingKind === 'function' ? CompletionItemKind.Function : CompletionItemKind.Variable,
        detail: binding ? (binding.bindingKind === 'function' ? `function ${binding.detail}` : binding.detail) : undefined,
        sortText: `1${name}`,
      });
    };
    for (const name of current.boundBefore ?? []) bound(name);
    for (const s of program.statements) {
      if (s.span.start >= (stmt?.span.start ?? offset)) break;
      for (const id of boundNames(s)) bound(id.name);
    }
    if (stmt && (stmt.kind === 'def' || stmt.kind === 'grad') && offset > stmt.name.span.end) {
      for (const p of stmt.params)
        if (!seen.has(p.name))
          items.push({ label: p.name, kind: CompletionItemKind.Variable, detail: 'parameter', sortText: `0${p.name}` });
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
  const given = new Set(
    call.args.filter((a) => a.keyword && !(a.span.start <= offset && offset <= a.span.end)).map((a) => a.keyword!.name),
  );
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
