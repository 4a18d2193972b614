// Hover content, as markdown: on a bound name (at its definition or any use) its dtype,
// static and fed shapes, value in NumPy style and the line that defined it; on a gradient its
// meaning ∂(Σys)/∂x and explanation; on an op its signature and doc; on a `check` its result.

import type { Analysis, Binding } from '../analysis';
import type { Value } from '../builder';
import type { Node } from '../graph';
import type { OpDef } from '../ops/registry';
import type { CheckResult } from '../check';
import { tensorFacts } from './values';
import { opSignature, valueTypeLabel } from './describe';
import { bindingXs, explainBinding } from './explanation';
import { isExplained } from '../explain';
import { EXPLANATION_PENDING } from './snapshot';

/** Values past this many elements are summarised (NumPy's `...`); hovers stay readable. */
const HOVER_THRESHOLD = 100;
const MAX_LIST_ITEMS = 6;

export function opHover(op: OpDef): string {
  const sig = opSignature(op);
  const aliases = op.aliases?.length ? `\n\nAlso: ${op.aliases.map((n) => `\`${n}\``).join(', ')}` : '';
  return '```python\n' + sig.label + '\n```\n' + op.doc + aliases;
}

function kindLabel(b: Binding): string {
  if (b.kind === 'tensor') return 'tensor';
  return b.kind;
}

/** Whether the hover of a gradient binding still waits for an explanation to be computed
 *  (of the gradients it shows). */
export function awaitsExplanation(a: Analysis, b: Binding): boolean {
  const site = b.gradient;
  if (site === undefined) return false;
  const view = a.python?.explainView(b) ?? a;
  return bindingXs(b)
    .slice(0, MAX_LIST_ITEMS)
    .some((x) => !isExplained(view, site, x));
}

/** The hover of a binding. `explain: false` leaves out explanations not computed yet (they
 *  can take tens of ms each) and says they are coming. */
export function bindingHover(a: Analysis, b: Binding, explain = true): string {
  // A Python value with no tensor form (a session, a dict, a name left unknown) says what it is.
  const pythonNote = b.describe !== undefined && b.value.kind !== 'tensor';
  const [typeLine, ...value] = pythonNote ? [b.describe!] : describeValue(a, b.value);
  const parts: string[] = [`**${b.name}** · ${kindLabel(b)}`, typeLine];
  if (b.describe !== undefined && !pythonNote) parts.push(`_${b.describe}_`);
  // On a gradient, the sum it stands for comes before its value: that is the point of it.
  // A script's gradient is explained with the feeds of the run that fetched it.
  if (!explain && awaitsExplanation(a, b)) parts.push(EXPLANATION_PENDING);
  else {
    // A list of gradients (one per weight of a deep model) shows its first few, as its values.
    for (const e of explainBinding(a.python?.explainView(b) ?? a, b, MAX_LIST_ITEMS)) {
      parts.push(`**${e.meaning}** — ${e.text.startsWith(e.meaning) ? e.text.slice(e.meaning.length).replace(/^[:\s]+/, '') : e.text}`);
    }
    const more = bindingXs(b).length - MAX_LIST_ITEMS;
    if (more > 0) parts.push(`_… and ${more} more gradient${more === 1 ? '' : 's'}: \`tgraph run\` and "Explain sum" explain them all_`);
  }
  parts.push(...value);
  const run = a.python ? runLines(a, b.value) : '';
  if (run) parts.push(`value from \`sess.run\` at line ${run}`);
  parts.push(definedAt(a, b));
  return parts.join('\n\n');
}

/** The lines of the `sess.run` calls a script's value (a tensor, or a list's tensors) is from. */
function runLines(a: Analysis, v: Value): string {
  const items = v.kind === 'tensor' ? [v] : v.kind === 'list' ? v.items.slice(0, MAX_LIST_ITEMS) : [];
  const lines = new Set<number>();
  for (const item of items) {
    const run = item.kind === 'tensor' ? a.python?.runOf(item.node) : undefined;
    if (run) lines.add(run.line);
  }
  return [...lines].join(', ');
}

function definedAt(a: Analysis, b: Binding): string {
  const line = a.lines.positionAt(b.stmt.span.start).line;
  const start = a.lines.lineStart(line);
  let source = a.text.slice(start, a.lines.lineEnd(line)).trim();
  if (source.length > 120) source = source.slice(0, 117) + '...';
  if (a.lines.positionAt(b.stmt.span.end).line > line) source += ' ...';
  return `defined at line ${line + 1}:\n\`\`\`${a.python ? 'python' : 'tgraph'}\n${source}\n\`\`\``;
}

function describeValue(a: Analysis, v: Value): string[] {
  switch (v.kind) {
    case 'tensor':
      return describeTensor(a, v.node);
    case 'list': {
      const out = [`list of ${v.items.length}: \`${valueTypeLabel(a, v)}\``];
      v.items.slice(0, MAX_LIST_ITEMS).forEach((item, i) => {
        if (item.kind !== 'tensor') return;
        const text = tensorFacts(a, item.node, HOVER_THRESHOLD).text;
        if (text !== null) out.push(`[${i}] \`${valueTypeLabel(a, item)}\`\n\`\`\`python\n${text}\n\`\`\``);
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
  const f = tensorFacts(a, node, HOVER_THRESHOLD);
  if (f.text === null)
    return [
      `\`${f.staticType}\` · ${f.missing === 'not fed' ? 'not fed' : 'no value: it or an input failed or is not fed (see the diagnostics)'}`,
    ];
  const shapes =
    f.valueShape === null ? `\`${f.staticType}\`` : `\`${f.staticType}\` · ${f.placeholder ? 'fed' : 'value'} shape \`${f.valueShape}\``;
  const summary = f.size > HOVER_THRESHOLD ? ` (${f.size} elements, summarised)` : '';
  return [shapes + summary, '```python\n' + f.text + '\n```'];
}

export function shortNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a >= 1e-3 && a < 1e5 ? String(Number(x.toPrecision(4))) : x.toExponential(1);
}

/** The markdown a hover on a `check` statement shows. */
export function formatCheck(r: CheckResult): string {
  const head = `**check ${r.passed ? 'passed ✓' : 'FAILED ✗'}**${r.expectFail ? ' (marked expect-fail)' : ''} · ${r.mode} mode, ${r.compared} ${r.mode === 'full' ? 'elements' : 'directions'} compared`;
  const lines = [head, `max abs error ${shortNumber(r.maxAbsError)} · max rel error ${shortNumber(r.maxRelError)}`];
  if (r.worst) {
    const at = r.worst.index.length ? `${r.worst.x}[${r.worst.index.join(', ')}]` : r.worst.x;
    lines.push(
      `${r.passed ? 'largest error' : 'worst'} at \`${at}\`: analytic ${r.worst.analytic}, numeric ${r.worst.numeric}, difference ${shortNumber(Math.abs(r.worst.analytic - r.worst.numeric))}`,
    );
  }
  if (!r.passed && r.message) lines.push(r.message);
  for (const n of r.notes) lines.push(`note: ${n.message}`);
  return lines.join('\n\n');
}
