// "Open as graph": the graph a script built, written as a .tgraph document. The script is
// already analysed (a Python script, or a .tgraph file), so whatever it did to get there —
// loops, functions, classes, Keras losses lowered to primitives, several sess.run calls —
// is behind us: what is written is the graph itself, one statement per named tensor, every
// op through its own record's spelling, gradients as `gradients(...)` calls (so the file
// explains them as the script's analysis does), and the numbers the script fed as feeds.
//
// The document is then analysed, and every tensor it names is compared with the script's:
// a statement that does not reproduce its value (an op that cannot be spelled with these
// attributes, a random op the file would draw differently) is written as the value itself,
// with a comment saying so. The exported file is never wrong, only sometimes less alive.

import type { Analysis, Binding } from '../analysis/types';
import { analyze } from '../analysis';
import type { Node } from '../graph';
import { isNode } from '../graph';
import type { GradientSite } from '../autodiff';
import { jacobianCallOf } from '../ops/differentiation';
import { attrsOf, lookupOp } from '../ops/registry';
import type { Tensor } from '../tensor';
import type { Span } from '../syntax/ast';
import { attributeLiteral, constantExpression, tensorLiteral } from './literal';
import { placeholderOp } from '../ops/sources';

export interface GraphDocument {
  /** The .tgraph text. */
  text: string;
  /** Named tensors written as computations, and those written as their values only. */
  computed: number;
  valuesOnly: number;
  /** Why a tensor was written as its value, or the export stopped early (also in the text). */
  notes: string[];
}

export interface ExportOptions {
  /** Only the bindings of statements that meet this span, with what they need (default: all). */
  selection?: Span;
  /** The script's file name, for the first comment. */
  source?: string;
  /** Largest literal written, in elements (default 100,000). */
  maxLiteralElements?: number;
}

// Names .tgraph gives a meaning of its own: a binding spelled so is renamed.
const RESERVED = new Set(['True', 'False', 'None', 'and', 'or', 'not', 'nan', 'inf', 'feed', 'def', 'grad', 'check', 'assert', 'print']);
/** How deep an unnamed subexpression is inlined before it gets a name of its own. */
const MAX_INLINE_DEPTH = 6;

/** How a node is written. */
type Form =
  | { kind: 'placeholder' }
  | { kind: 'variable' }
  | { kind: 'constant' }
  | { kind: 'gradient'; site: GradientSite; index: number }
  | { kind: 'jacobian'; batched: boolean; y: Node; x: Node }
  | { kind: 'call' }
  | { kind: 'value'; why: string };

export function exportGraph(analysis: Analysis, options: ExportOptions = {}): GraphDocument {
  const forcedValues = new Map<Node, string>();
  let result = write(analysis, options, forcedValues);
  // Two rounds of repair: a statement that failed may hide another behind it (its
  // consumers had no value to compare).
  for (let round = 0; round < 2; round++) {
    const wrong = verify(analysis, result);
    if (wrong.size === 0) break;
    for (const [node, why] of wrong) forcedValues.set(node, why);
    result = write(analysis, options, forcedValues);
  }
  return result.document;
}

interface Written {
  document: GraphDocument;
  /** Each named node and the name the document gives it. */
  named: Map<Node, string>;
}

function write(analysis: Analysis, options: ExportOptions, forcedValues: ReadonlyMap<Node, string>): Written {
  const maxLiteral = options.maxLiteralElements ?? 100_000;
  const maxBytes = analysis.budgets.maxFileBytes;
  const notes: string[] = [];
  const sites = new Map<Node, { site: GradientSite; index: number }>();
  for (const site of analysis.gradientSites)
    site.grads.forEach((g, index) => {
      if (g && !sites.has(g)) sites.set(g, { site, index });
    });

  // The roots: the tensors bound by the selected statements, under their own names.
  const names = new NameTable();
  const named = new Map<Node, string>();
  const roots: Node[] = [];
  const siteNames = new Map<GradientSite, string>();
  const namedLists = new Set<Binding['value']>();
  for (const binding of analysis.bindings) {
    if (options.selection && !meets(binding.stmt.span, options.selection)) continue;
    nameValue(binding, binding.value, binding.name);
  }
  function nameValue(binding: Binding, value: Binding['value'], name: string): void {
    if (value.kind === 'tensor') {
      if (!named.has(value.node)) named.set(value.node, names.take(name));
      roots.push(value.node);
    } else if (value.kind === 'list') {
      // A list held twice (`x2 = [x1, x1]`) is named once: its tree can be exponential.
      if (namedLists.has(value)) return;
      namedLists.add(value);
      if (binding.gradient && value === binding.value && !siteNames.has(binding.gradient))
        siteNames.set(binding.gradient, names.take(name));
      value.items.forEach((item, i) => {
        if (item.kind === 'tensor' && binding.gradient && sites.get(item.node)?.site === binding.gradient) roots.push(item.node);
        else nameValue(binding, item, `${name}_${i}`);
      });
    }
  }

  // Every node the roots need, cut at sources and at gradients (written as the call that
  // made them, not as their backward graph).
  const forms = new Map<Node, Form>();
  const uses = new Map<Node, number>();
  const stack = [...roots];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (forms.has(node)) continue;
    const form = formOf(node);
    forms.set(node, form);
    for (const input of dependencies(node, form)) {
      uses.set(input, (uses.get(input) ?? 0) + 1);
      stack.push(input);
    }
  }
  function formOf(node: Node): Form {
    const forced = forcedValues.get(node);
    if (forced) return { kind: 'value', why: forced };
    const site = sites.get(node);
    if (site) return { kind: 'gradient', ...site };
    const jacobian = jacobianCallOf(node);
    if (jacobian) return { kind: 'jacobian', ...jacobian };
    switch (node.op.name) {
      case 'placeholder':
        return { kind: 'placeholder' };
      case 'variable_value':
        return { kind: 'variable' };
      case 'const':
        return { kind: 'constant' };
    }
    // A value known from no input (a static `size`, `shape`) is its literal.
    if (node.inputs.length === 0 && node.constant) return { kind: 'constant' };
    if (node.origin.kind !== 'user' && !node.op.spell) return { kind: 'value', why: 'computed inside a gradient, with no call of its own' };
    return spell(
      node,
      node.inputs.map(() => 'x'),
    ) === null
      ? { kind: 'value', why: `\`${node.op.name}\` cannot be written as a call with these arguments` }
      : { kind: 'call' };
  }
  function dependencies(node: Node, form: Form): readonly Node[] {
    if (form.kind === 'call') return node.inputs;
    if (form.kind === 'jacobian') return [form.y, form.x];
    if (form.kind !== 'gradient') return [];
    const { ys, xs, gradYs, stopGradients } = form.site;
    return [...ys, ...xs, ...gradYs.filter((g): g is Node => g !== null), ...stopGradients];
  }

  // Names for the rest: a node used more than once, or too deep to inline, gets one.
  const order = [...forms.keys()].sort((a, b) => a.id - b.id);
  const depth = new Map<Node, number>();
  for (const node of order) {
    const form = forms.get(node)!;
    if (named.has(node)) continue;
    if (form.kind === 'gradient') continue; // written as its list's item: `grads[0]`
    const inlinable =
      form.kind === 'call' ||
      form.kind === 'jacobian' ||
      (form.kind === 'constant' && (analysis.valueOf(node)?.data.length ?? Infinity) <= 16);
    let d = 0;
    if (inlinable) for (const input of dependencies(node, form)) d = Math.max(d, 1 + (named.has(input) ? 0 : (depth.get(input) ?? 0)));
    if (!inlinable || (uses.get(node) ?? 0) > 1 || d > MAX_INLINE_DEPTH)
      named.set(node, names.take(node.label ? sanitise(node.label) : 't'));
    else depth.set(node, d);
  }

  const lines: string[] = [];
  lines.push(`# ${options.source ?? 'The script'}${options.selection ? ' (the selection)' : ''}, as a graph: every named tensor, its`);
  lines.push('# inputs and the feeds of the run it was evaluated in. tgraph wrote it ("Open as graph").');
  const header = lines.length;
  let bytes = 0;
  let computed = 0;
  let valuesOnly = 0;
  let stopped = false;
  const sitesWritten = new Set<GradientSite>();

  function expression(node: Node): string {
    const name = named.get(node);
    if (name !== undefined) return name;
    const form = forms.get(node)!;
    if (form.kind === 'constant') return literalOf(node) ?? 'None';
    if (form.kind === 'gradient') return `${writeSite(form.site)}[${form.index}]`;
    if (form.kind === 'jacobian') return jacobianCall(form);
    return spell(node, node.inputs.map(expression)) ?? 'None';
  }
  function literalOf(node: Node): string | null {
    const value = analysis.valueOf(node);
    if (!value) return null;
    // A Python literal stays one, so that it takes the dtype of the tensor it meets; so does
    // any constant whose bare literal reads back in its own dtype (`3`, `[1.5, 2.0]`).
    if (node.weak || bareLiteralKeeps(value)) return tensorLiteral(value, maxLiteral);
    return constantExpression(value, maxLiteral);
  }
  function emit(line: string): boolean {
    if (bytes + line.length + 1 > maxBytes) {
      stopped = true;
      return false;
    }
    bytes += line.length + 1;
    lines.push(line);
    return true;
  }
  function writeSite(site: GradientSite): string {
    let name = siteNames.get(site);
    if (name === undefined) {
      name = names.take('grads');
      siteNames.set(site, name);
    }
    if (!sitesWritten.has(site)) {
      sitesWritten.add(site);
      emit(`${name} = ${siteCall(site)}`);
    }
    return name;
  }
  function jacobianCall(form: Extract<Form, { kind: 'jacobian' }>): string {
    return `${form.batched ? 'batch_jacobian' : 'jacobian'}(${expression(form.y)}, ${expression(form.x)})`;
  }
  function siteCall(site: GradientSite): string {
    const list = (nodes: readonly (Node | null)[]) =>
      nodes.length === 1 ? (nodes[0] ? expression(nodes[0]) : 'None') : `[${nodes.map((n) => (n ? expression(n) : 'None')).join(', ')}]`;
    const options = [
      site.gradYs.some((g) => g !== null) ? `grad_ys=${list(site.gradYs)}` : '',
      site.stopGradients.length > 0 ? `stop_gradients=${list(site.stopGradients)}` : '',
      site.unconnected === 'zero' ? "unconnected_gradients='zero'" : '',
    ].filter((o) => o !== '');
    return `gradients(${[list(site.ys), list(site.xs), ...options].join(', ')})`;
  }
  function valueStatement(node: Node, name: string, why: string): void {
    const value = analysis.valueOf(node);
    const literal = value ? constantExpression(value, maxLiteral) : null;
    if (literal === null) {
      notes.push(`${name}: not written (${value ? `over ${maxLiteral.toLocaleString('en-US')} elements` : 'it has no value'}; ${why})`);
      emit(`# ${name}: not written (${value ? 'too large to write as a literal' : 'no value'}; ${why})`);
      return;
    }
    notes.push(`${name}: its value only (${why})`);
    valuesOnly++;
    emit(`${name} = ${literal}  # its value only: ${why}`);
  }

  for (const node of order) {
    if (stopped) break;
    const name = named.get(node);
    const form = forms.get(node)!;
    // A gradient list the script bound as a whole goes where its call was.
    if (name === undefined && form.kind === 'gradient' && siteNames.has(form.site)) writeSite(form.site);
    if (name === undefined) continue;
    switch (form.kind) {
      case 'placeholder': {
        const shape = attrsOf(node, placeholderOp)?.shape ?? null;
        emit(`${name} = placeholder(${node.type.dtype}, ${shape === null ? 'None' : attributeLiteral(shape)})`);
        const fed = analysis.valueOf(node);
        // A feed is converted to its placeholder's dtype: the bare literal says it all.
        const literal = fed ? tensorLiteral(fed, maxLiteral) : null;
        if (fed && literal === null) notes.push(`${name}: its feed is over ${maxLiteral.toLocaleString('en-US')} elements: not written`);
        else if (fed) emit(`feed ${name} = ${literal}${fedNote(analysis, node)}`);
        computed++;
        break;
      }
      case 'variable': {
        const value = analysis.valueOf(node);
        const literal = value ? constantExpression(value, maxLiteral) : null;
        if (literal === null) valueStatement(node, name, 'its value is unknown or too large');
        else {
          emit(`${name} = variable(${literal})`);
          computed++;
        }
        break;
      }
      case 'constant': {
        const value = analysis.valueOf(node);
        const literal = !value ? null : bareLiteralKeeps(value) ? tensorLiteral(value, maxLiteral) : constantExpression(value, maxLiteral);
        if (literal === null) valueStatement(node, name, 'too large to write');
        else {
          emit(`${name} = ${literal}`);
          computed++;
        }
        break;
      }
      case 'gradient': {
        // Alone in its call and named: `dz_dx = gradients(z, x)[0]`, no list of its own.
        const alone = !siteNames.has(form.site) && form.site.grads.filter((g) => g !== null && forms.has(g)).length === 1;
        if (alone) emit(`${name} = ${siteCall(form.site)}[${form.index}]`);
        else emit(`${name} = ${writeSite(form.site)}[${form.index}]`);
        computed++;
        break;
      }
      case 'jacobian':
        emit(`${name} = ${jacobianCall(form)}`);
        computed++;
        break;
      case 'call':
        emit(`${name} = ${spell(node, node.inputs.map(expression))}`);
        computed++;
        break;
      case 'value':
        valueStatement(node, name, form.why);
        break;
    }
  }
  // Gradient lists bound as a whole (`dz_dx = gradients(z, x)`) whose items nothing else
  // named or used.
  for (const site of siteNames.keys()) if (!stopped && site.grads.some((g) => g !== null && forms.has(g))) writeSite(site);
  if (stopped) notes.push(`the document stopped at ${maxBytes.toLocaleString('en-US')} bytes (tgraph.maxFileBytes)`);
  if (notes.length > 0) lines.splice(header, 0, ...notes.map((n) => `# - ${n}`));
  return { document: { text: lines.join('\n') + '\n', computed, valuesOnly, notes }, named };
}

/** The call that makes `node` from its inputs' expressions: the op record's own spelling
 *  where it has one, else its parameters in order (tensors positional, the rest by keyword,
 *  every keyword when TensorFlow refuses positional arguments). Null when the attributes
 *  are not all parameters (an internal form the surface call cannot give). */
export function spell(node: Node, inputs: readonly string[]): string | null {
  const op = node.op;
  if (op.spell) return op.spell(node.attrs, inputs);
  // The name must call this op again (a Python front end's copy of a record keeps its name).
  if (op.internal || lookupOp(op.name)?.name !== op.name) return null;
  const args: string[] = [];
  const used = new Set<string>();
  let next = 0;
  let keywords = op.sentinel === true;
  for (const p of op.params) {
    if (p.kind === 'tensor') {
      if (next >= inputs.length) {
        keywords = true;
        continue;
      }
      args.push(keywords ? `${p.name}=${inputs[next++]}` : inputs[next++]);
      continue;
    }
    if (p.kind === 'tensors') {
      const count = typeof node.attrs.valuesCount === 'number' ? node.attrs.valuesCount : inputs.length - next;
      used.add('valuesCount');
      const list = `[${inputs.slice(next, next + count).join(', ')}]`;
      next += count;
      args.push(keywords ? `${p.name}=${list}` : list);
      continue;
    }
    keywords = true;
    if (!(p.name in node.attrs)) continue;
    const literal = attributeLiteral(node.attrs[p.name]);
    if (literal === null) return null;
    used.add(p.name);
    args.push(`${p.name}=${literal}`);
  }
  if (next !== inputs.length) return null;
  for (const [key, value] of Object.entries(node.attrs)) if (!used.has(key) && (isNode(value) || value !== undefined)) return null;
  return `${op.name}(${args.join(', ')})`;
}

/** Analyses the document and returns the named nodes whose statements do not give the
 *  script's value, with the reason. */
function verify(analysis: Analysis, written: Written): Map<Node, string> {
  const check = analyze(written.document.text, { ...analysis.budgets, language: 'tgraph' });
  const wrong = new Map<Node, string>();
  const errorLines = new Set<number>();
  for (const d of check.diagnostics) if (d.severity === 'error') errorLines.add(check.lines.positionAt(d.span.start).line);
  for (const [node, name] of written.named) {
    const binding = check.lookup(name);
    const expected = analysis.valueOf(node);
    if (!binding) continue;
    const line = check.lines.positionAt(binding.span.start).line;
    if (binding.value.kind !== 'tensor') {
      if (errorLines.has(line)) wrong.set(node, 'the call failed in .tgraph');
      continue;
    }
    const got = check.valueOf(binding.value.node);
    if (expected && !sameValue(expected, got))
      wrong.set(node, got ? 'the call gives other values in .tgraph' : 'the call failed in .tgraph');
    else if (errorLines.has(line)) wrong.set(node, 'the call failed in .tgraph');
  }
  return wrong;
}

/** Whether a bare literal of `value` reads back in its dtype: .tgraph's literals are int32
 *  when every element is an integer, float32 otherwise (a float32 tensor of whole numbers is
 *  written `2.0`), bool for True/False. */
function bareLiteralKeeps(value: Tensor): boolean {
  return value.data.length > 0 && (value.dtype === 'int32' || value.dtype === 'float32' || value.dtype === 'bool');
}

/** Same dtype and shape, and values within float32 rounding (NaN equals NaN). */
function sameValue(a: Tensor, b: Tensor | undefined): boolean {
  if (!b || a.dtype !== b.dtype || a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) return false;
  const tolerance = a.dtype === 'float64' ? 1e-12 : 1e-6;
  for (let i = 0; i < a.data.length; i++) {
    const x = Number(a.data[i]);
    const y = Number(b.data[i]);
    if (x === y || (x !== x && y !== y)) continue;
    if (!(Math.abs(x - y) <= tolerance * Math.max(Math.abs(x), Math.abs(y)))) return false;
  }
  return true;
}

function fedNote(analysis: Analysis, node: Node): string {
  const run = analysis.python?.runOf(node);
  return run ? `  # as fed by the run at line ${run.line}` : '';
}

function meets(a: Span, b: Span): boolean {
  return a.start < b.end && b.start < a.end;
}

function sanitise(label: string): string {
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(label)) return label;
  // `self.out`, a non-ASCII Python name: its letters and digits, joined by underscores.
  const s = label.replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
  return /^[A-Za-z_]/.test(s) ? s : `t_${s}`;
}

/** Unique names, none of them an op's or a keyword. */
class NameTable {
  private readonly taken = new Set<string>();
  take(wanted: string): string {
    const base = sanitise(wanted) || 't';
    const free = (n: string) => !this.taken.has(n) && !RESERVED.has(n) && lookupOp(n) === undefined;
    let name = base;
    for (let k = 2; !free(name); k++) name = `${base}_${k}`;
    this.taken.add(name);
    return name;
  }
}
