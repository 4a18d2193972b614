// Hover: on a bound name (at its definition or any use) its dtype, static and fed shapes,
// value in NumPy style and the line that defined it; on a gradient its meaning ∂(Σys)/∂x and
// explanation; on an op its signature and doc; on a `check` its result.

import { MarkupKind, type Hover, type Position } from 'vscode-languageserver';
import type { Analysis, Binding } from '../engine/analysis';
import type { Value } from '../engine/builder';
import type { Node } from '../engine/graph';
import type * as AST from '../engine/syntax/ast';
import { lookupOp, type OpDef } from '../engine/ops/registry';
import { parseDType } from '../engine/builder';
import { formatTensor } from '../engine/format/numpy';
import { showShape } from '../engine/types';
import { sizeOf } from '../engine/tensor';
import { localNameAt, nameExprAt, referenceAt, statementAt, touches, type View } from './positions';
import { opSignature, valueTypeLabel } from './describe';
import { explainBinding } from './explanation';
import { formatCheck } from './gradients';

/** Values past this many elements are summarised (NumPy's `...`); hovers stay readable. */
const HOVER_THRESHOLD = 100;
const MAX_LIST_ITEMS = 6;

export function hover(view: View, position: Position): Hover | null {
  const a = view.analysis;
  const offset = view.offsetAt(position);
  if (offset === null) return null;
  const stmt = statementAt(a.program, offset);
  const markdown = (value: string, span?: AST.Span): Hover => {
    const range = span ? view.range(span) ?? undefined : undefined;
    return { contents: { kind: MarkupKind.Markdown, value }, range };
  };

  const ref = referenceAt(a, offset);
  if (ref) return markdown(bindingHover(a, ref.binding), ref.span);

  const local = localNameAt(stmt, offset);
  if (local) return markdown(`**${local.name}** · parameter of \`${local.stmt.name.name}\``, local.definition);

  if (stmt?.kind === 'check' && onCheckHead(stmt, offset)) {
    const result = a.checks.find((c) => c.stmt === stmt);
    return markdown(result ? formatCheck(result) : 'check: not run (the statement has an error; see the diagnostics)', stmt.keywordSpan);
  }
  if (stmt?.kind === 'assert' && touches(stmt.keywordSpan, offset)) {
    const result = a.asserts.find((s) => s.stmt === stmt);
    return markdown(result ? `assert ${result.passed ? 'passed ✓' : 'FAILED ✗'}${result.passed ? '' : `\n\n${result.message}`}` : 'assert: not evaluated', stmt.keywordSpan);
  }

  const name = stmt && nameExprAt(stmt, offset);
  if (name) {
    const op = lookupOp(name.name);
    if (op && !op.internal) return markdown(opHover(op), name.span);
    const dtype = parseDType(name.text) ?? parseDType(name.name);
    if (dtype) return markdown(`\`${dtype}\` · dtype`, name.span);
  }
  return null;
}

function onCheckHead(stmt: AST.CheckStmt, offset: number): boolean {
  if (touches(stmt.keywordSpan, offset)) return true;
  const call = stmt.call;
  return call.kind === 'call' && touches(call.callee.span, offset);
}

export function opHover(op: OpDef): string {
  const sig = opSignature(op);
  const aliases = op.aliases?.length ? `\n\nAlso: ${op.aliases.map((n) => `\`${n}\``).join(', ')}` : '';
  return '```python\n' + sig.label + '\n```\n' + op.doc + aliases;
}

function kindLabel(b: Binding): string {
  if (b.kind === 'tensor') return 'tensor';
  return b.kind;
}

export function bindingHover(a: Analysis, b: Binding): string {
  const [typeLine, ...value] = describeValue(a, b.value);
  const parts: string[] = [`**${b.name}** · ${kindLabel(b)}`, typeLine];
  // On a gradient, the sum it stands for comes before its value: that is the point of it.
  for (const e of explainBinding(a, b)) {
    parts.push(`**${e.meaning}** — ${e.text.startsWith(e.meaning) ? e.text.slice(e.meaning.length).replace(/^[:\s]+/, '') : e.text}`);
  }
  parts.push(...value, definedAt(a, b));
  return parts.join('\n\n');
}

function definedAt(a: Analysis, b: Binding): string {
  const line = a.lines.positionAt(b.stmt.span.start).line;
  const start = a.lines.lineStart(line);
  let source = a.text.slice(start, a.lines.lineEnd(line)).trim();
  if (source.length > 120) source = source.slice(0, 117) + '...';
  if (a.lines.positionAt(b.stmt.span.end).line > line) source += ' ...';
  return `defined at line ${line + 1}:\n\`\`\`tgraph\n${source}\n\`\`\``;
}

function describeValue(a: Analysis, v: Value): string[] {
  switch (v.kind) {
    case 'tensor':
      return describeTensor(a, v.node);
    case 'list': {
      const out = [`list of ${v.items.length}: \`${valueTypeLabel(a, v)}\``];
      v.items.slice(0, MAX_LIST_ITEMS).forEach((item, i) => {
        if (item.kind !== 'tensor') return;
        const t = a.valueOf(item.node);
        if (t) out.push(`[${i}] \`${valueTypeLabel(a, item)}\`\n\`\`\`python\n${formatTensor(t, { threshold: HOVER_THRESHOLD })}\n\`\`\``);
      });
      if (v.items.length > MAX_LIST_ITEMS) out.push(`... ${v.items.length - MAX_LIST_ITEMS} more`);
      return out;
    }
    case 'function':
      return [`\`function ${v.fn.name}(${v.fn.params.join(', ')})\`${v.fn.customGrad ? ' with a custom gradient (`grad`)' : ''}`];
    case 'error':
      return ['no value: its statement has an error (see the diagnostics)'];
    default:
      return [`\`${valueTypeLabel(a, v)}\``];
  }
}

function describeTensor(a: Analysis, node: Node): string[] {
  const t = a.valueOf(node);
  const staticType = `${node.type.dtype}${showShape(node.type.shape)}`;
  const isPlaceholder = node.op.name === 'placeholder';
  if (!t) {
    const why = isPlaceholder ? 'not fed' : 'no value: it or an input failed or is not fed (see the diagnostics)';
    return [`\`${staticType}\` · ${why}`];
  }
  const concrete = showShape(t.shape);
  const shapes = concrete === showShape(node.type.shape) ? `\`${staticType}\`` : `\`${staticType}\` · ${isPlaceholder ? 'fed' : 'value'} shape \`${concrete}\``;
  const size = sizeOf(t.shape);
  const summary = size > HOVER_THRESHOLD ? ` (${size} elements, summarised)` : '';
  return [shapes + summary, '```python\n' + formatTensor(t, { threshold: HOVER_THRESHOLD }) + '\n```'];
}
