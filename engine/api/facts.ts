// Builds the DocumentSnapshot of an analysis (see snapshot.ts): every name occurrence with
// what it stands for, hovers, lenses, inlay hints, the outline and the folds. Runs where the
// analysis is (the worker); what it returns is plain data.

import { analysisReuse, type Analysis, type Binding } from '../analysis';
import type * as AST from '../syntax/ast';
import { lookupOp } from '../ops/registry';
import { parseDType } from '../builder';
import { formatTensor } from '../format/numpy';
import { showShape } from '../types';
import { awaitsExplanation, bindingHover, formatCheck, opHover, shortNumber } from './hover';
import { RESERVED_WORDS, valueTypeLabel } from './describe';
import { gradientCalls } from './gradients';
import { statementExprs, walk } from './syntax';
import { pythonFacts, pythonOutline } from './pythonFacts';
import {
  OCC_END,
  OCC_FIELDS,
  OCC_START,
  OCC_TARGET,
  TOKEN_MODIFIERS,
  TOKEN_TYPES,
  type DocumentSnapshot,
  type HintData,
  type LensData,
  type NameTarget,
  type SymbolData,
  type TokenModifier,
  type TokenType,
} from './snapshot';

export interface SnapshotOptions {
  version: number;
  /** Compute explanations now (else gradient hovers say they are coming: `explainTarget`). */
  explain?: boolean;
  /** Checked every few hundred items: true stops the work (throws `Cancelled`). */
  cancelled?: () => boolean;
  /** The snapshot made of the analysis this one took over: the statements kept from it are
   *  not described again. */
  previous?: DocumentSnapshot;
}

/** Thrown when `SnapshotOptions.cancelled` says so: a newer version waits. */
export class Cancelled extends Error {
  constructor() {
    super('cancelled: a newer version of the document is waiting');
  }
}

/** What a binding shows: its hover, its detail (outline, completion) and its inlay hints. */
interface BindingDescription {
  hover: string;
  detail: string;
  hints: HintData[];
}

/** A binding's description and its snapshot target, kept while what they are made of is the
 *  same (`descriptionKey`): an incremental analysis keeps the Binding objects of the
 *  statements before an edit, and a node's key (op, attributes, the keys of its inputs, the
 *  content of feeds) says whether its value is the same. An edit at the end of a long file so
 *  describes only the statements after the kept ones, and the kept targets are the same
 *  objects from one snapshot to the next (a delta compares them at a glance). */
interface KeptDescription extends BindingDescription {
  key: number[];
  /** Where the binding's name and statement ended when its hints were placed: a feed's edit
   *  moves the spans after it in place (`shiftSpans`), and the hints must move with them. */
  nameEnd: number;
  statementEnd: number;
  target?: NameTarget;
}
const descriptionCache = new WeakMap<Binding, KeptDescription>();

/** Each binding's index in its analysis's bindings, which is its target's in the snapshot: the
 *  bindings an incremental analysis keeps are the same objects at the same indices, so an
 *  edit sets only the new ones' (a map of every binding made per snapshot was a third of what
 *  an end edit of a 1,000-layer file allocated). Read through a check that the index holds. */
const bindingIndex = new WeakMap<Binding, number>();

function tokenOf(kind: Binding['kind']): { type: TokenType; modifiers: TokenModifier[] } {
  switch (kind) {
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

function modifierBits(mods: readonly TokenModifier[]): number {
  let bits = 0;
  for (const m of mods) bits |= 1 << TOKEN_MODIFIERS.indexOf(m);
  return bits;
}

/** `x_dims = 3` needs no `→ 3`. */
function isLiteral(b: Binding): boolean {
  if (b.stmt.kind !== 'assign') return false;
  const v = b.stmt.value;
  return v.kind === 'number' || (v.kind === 'unary' && v.operand.kind === 'number');
}

/** What a binding's description depends on besides the binding itself: whether it is a
 *  gradient with its explanation in, then the key of each tensor it holds and whether that
 *  has a value. Null: it cannot be told (a function, an error, a node without a key). */
function descriptionKey(a: Analysis, b: Binding, explain: boolean): number[] | null {
  const v = b.value;
  const items = v.kind === 'tensor' ? [v] : v.kind === 'list' ? v.items : null;
  if (!items) return null;
  const key = [b.gradient ? (explain || !awaitsExplanation(a, b) ? 1 : 0) : 2];
  for (const item of items) {
    if (item.kind !== 'tensor' || !item.node.keyed) return null;
    key.push(item.node.keyHash1, item.node.keyHash2, a.valueOf(item.node) !== undefined ? 1 : 0);
  }
  return key;
}

function sameKey(x: readonly number[], y: readonly number[]): boolean {
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** The description of one binding (kept while what it is made of is the same). */
function describeBinding(a: Analysis, b: Binding, explain: boolean): BindingDescription {
  const key = descriptionKey(a, b, explain);
  if (!key) return freshDescription(a, b, explain);
  const cached = descriptionCache.get(b);
  if (cached && sameKey(cached.key, key) && cached.nameEnd === b.span.end && cached.statementEnd === b.stmt.span.end) return cached;
  const description: KeptDescription = { key, nameEnd: b.span.end, statementEnd: b.stmt.span.end, ...freshDescription(a, b, explain) };
  descriptionCache.set(b, description);
  return description;
}

/** A binding's target in a snapshot (the same object while its description is). */
function bindingTarget(b: Binding, described: BindingDescription): NameTarget {
  const kept = described as Partial<KeptDescription>;
  if (kept.target) return kept.target;
  const target: NameTarget = {
    kind: 'binding',
    name: b.name,
    hover: described.hover,
    definition: b.span,
    bindingKind: b.kind,
    detail: described.detail,
    params: b.value.kind === 'function' ? b.value.fn.params.slice() : undefined,
  };
  if (kept.key) kept.target = target;
  return target;
}

function freshDescription(a: Analysis, b: Binding, explain: boolean): BindingDescription {
  return {
    hover: bindingHover(a, b, explain),
    detail: b.kind === 'function' ? valueTypeLabel(a, b.value) : `${b.kind} ${valueTypeLabel(a, b.value)}`,
    hints: bindingHints(a, b, isLiteral),
  };
}

/** The hover of one binding (cached while its value is the same). */
export function hoverOf(a: Analysis, b: Binding, explain: boolean): string {
  return describeBinding(a, b, explain).hover;
}

/** What the worker keeps of a snapshot it made, to make the next one from the statements the
 *  next analysis took over (`analysisReuse`): which analysis it describes, and how its
 *  targets and name lookups fall per statement. */
interface Layout {
  /** Whether explanations were computed (`SnapshotOptions.explain`). */
  explain: boolean;
  owner: object;
  generation: number;
  /** Binding targets (they come first). */
  bindings: number;
  /** Other targets (parameters, checks, keywords, ops...) made before each statement
   *  (statements + 1 entries). */
  madeBefore: Int32Array;
  /** The key of each of those targets that later statements share (`op:tanh`), else ''. */
  sharedKeys: string[];
  /** Every name looked up, with the offset of its first lookup: a binding added after the
   *  kept statements must not be one of their names (a lookup finds the binding of a name
   *  wherever it is, so a kept occurrence would stand for it). */
  names: Map<string, number>;
}
const layouts = new WeakMap<DocumentSnapshot, Layout>();

/** What `previous` (made from the analysis `a` took over) gives for the statements `a`
 *  kept: their bindings' targets (the first `bindings`), their occurrences (target indices
 *  read in `a`'s numbering) and inlay hints, and the other targets they made. Null when it
 *  gives nothing exact. */
function keptPrefix(
  a: Analysis,
  previous: DocumentSnapshot,
  explain: boolean,
): { statements: number; bindings: number; occurrences: Int32Array; hints: HintData[]; layout: Layout; cut: number } | null {
  const layout = layouts.get(previous);
  const reuse = analysisReuse(a);
  if (!layout || layout.explain !== explain || !reuse || reuse.owner !== layout.owner || reuse.generation !== layout.generation + 1)
    return null;
  const k = reuse.keptStatements;
  const statements = a.program.statements;
  if (k < 1 || k > statements.length || k >= layout.madeBefore.length) return null;
  // The kept statements end at `cut`; every later occurrence and hint is after it.
  const cut = statements[k - 1].span.end;
  let bindings = a.bindings.length;
  while (bindings > 0 && a.bindings[bindings - 1].stmt.span.start >= cut) bindings--;
  if (bindings > layout.bindings) return null;
  for (let i = bindings; i < a.bindings.length; i++) {
    const first = layout.names.get(a.bindings[i].name);
    if (first !== undefined && first < cut) return null;
  }
  const occ = previous.occurrences;
  const occurrences = occ.slice(0, countBefore(occ.length / OCC_FIELDS, (i) => occ[i * OCC_FIELDS + OCC_START] < cut) * OCC_FIELDS);
  const shift = a.bindings.length - layout.bindings;
  for (let at = OCC_TARGET; at < occurrences.length; at += OCC_FIELDS) {
    const t = occurrences[at];
    if (t >= layout.bindings) occurrences[at] = t + shift;
    else if (t >= bindings) return null; // a binding the edit removed
  }
  const hints = previous.hints.slice(
    0,
    countBefore(previous.hints.length, (i) => previous.hints[i].offset <= cut),
  );
  return { statements: k, bindings, occurrences, hints, layout, cut };
}

/** How many items at the start of a sorted list pass `before` (binary search). */
function countBefore(count: number, before: (i: number) => boolean): number {
  let lo = 0;
  let hi = count;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (before(mid)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function snapshotOf(a: Analysis, options: SnapshotOptions): DocumentSnapshot {
  const explain = options.explain ?? true;
  const cancelled = options.cancelled ?? (() => false);
  const targets: NameTarget[] = [];
  const explaining: number[] = [];

  // The statements the analysis kept from the one `previous` describes are taken as they
  // were described there (with the explanations that came since): only the later ones are.
  const kept = options.previous && !a.python ? keptPrefix(a, options.previous, explain) : null;
  const keptTargets = kept ? options.previous!.targets : [];

  // One target per binding, in binding order: a binding's target is its index.
  const targetOf = (b: Binding): number | undefined => {
    const i = bindingIndex.get(b);
    return i !== undefined && a.bindings[i] === b ? i : undefined;
  };
  const hints: HintData[] = [];
  a.bindings.forEach((b, i) => {
    if ((i & 255) === 255 && cancelled()) throw new Cancelled();
    if (bindingIndex.get(b) !== i) bindingIndex.set(b, i);
    if (!explain && b.gradient && awaitsExplanation(a, b)) explaining.push(targets.length);
    if (kept && i < kept.bindings) {
      targets.push(keptTargets[i]);
      return;
    }
    const described = describeBinding(a, b, explain);
    for (const h of described.hints) hints.push(h);
    targets.push(bindingTarget(b, described));
  });

  if (a.python) {
    const facts = pythonFacts(a, targetOf, targets);
    return {
      version: options.version,
      diagnostics: a.diagnostics.slice(),
      status: statusOf(a),
      occurrences: sortedOccurrences(facts.occurrences),
      targets,
      lenses: facts.lenses,
      hints: facts.hints,
      ...pythonOutline(),
      explaining,
    };
  }

  const statements = a.program.statements;
  const reuse = analysisReuse(a);
  const layout: Layout = {
    explain,
    owner: reuse?.owner ?? a,
    generation: reuse?.generation ?? 0,
    bindings: a.bindings.length,
    madeBefore: new Int32Array(statements.length + 1),
    sharedKeys: [],
    names: new Map(),
  };
  const shared = new Map<string, number>();
  const newTarget = (t: NameTarget, key = ''): number => {
    targets.push(t);
    layout.sharedKeys.push(key);
    if (key) shared.set(key, targets.length - 1);
    return targets.length - 1;
  };
  let from = 0;
  let keptOccurrences: Int32Array | undefined;
  let keptHints: HintData[] = [];
  if (kept) {
    from = kept.statements;
    keptOccurrences = kept.occurrences;
    keptHints = kept.hints;
    const made = kept.layout.madeBefore[from];
    for (let j = 0; j < made; j++) newTarget(keptTargets[kept.layout.bindings + j], kept.layout.sharedKeys[j]);
    layout.madeBefore.set(kept.layout.madeBefore.subarray(0, from + 1));
    for (const [name, at] of kept.layout.names) if (at < kept.cut) layout.names.set(name, at);
  }
  const namedTarget = (key: string, make: () => NameTarget): number => shared.get(key) ?? newTarget(make(), key);
  const occ: number[] = [];
  const add = (span: AST.Span, target: number, token: TokenType | null, modifiers: readonly TokenModifier[] = []) => {
    occ.push(span.start, span.end, target, token === null ? -1 : TOKEN_TYPES.indexOf(token), modifierBits(modifiers));
  };
  const lookup = (name: string, at: number): Binding | undefined => {
    if (!layout.names.has(name)) layout.names.set(name, at);
    return a.lookup(name);
  };
  const bindingOccurrence = (span: AST.Span, name: string, declaration: boolean) => {
    const b = lookup(name, span.start);
    if (!b) return;
    const t = tokenOf(b.kind);
    add(span, targetOf(b)!, t.type, declaration && b.span.start === span.start ? ['declaration', ...t.modifiers] : t.modifiers);
  };

  for (let si = from; si < statements.length; si++) {
    if ((si & 255) === 255 && cancelled()) throw new Cancelled();
    layout.madeBefore[si] = targets.length - layout.bindings;
    const stmt = statements[si];
    let checkCallee: AST.Expr | undefined;
    let checkTarget = -1;
    if ('keywordSpan' in stmt) {
      const word = a.text.slice(stmt.keywordSpan.start, stmt.keywordSpan.end);
      let target: number;
      if (stmt.kind === 'check') {
        const result = a.checks.find((c) => c.stmt === stmt);
        target = checkTarget = newTarget({
          kind: 'check',
          name: 'check',
          hoverSpan: stmt.keywordSpan,
          hover: result ? formatCheck(result) : 'check: not run (the statement has an error; see the diagnostics)',
          refusal: keywordRefusal(word),
        });
        if (stmt.call.kind === 'call') checkCallee = stmt.call.callee;
      } else if (stmt.kind === 'assert') {
        const r = a.asserts.find((s) => s.stmt === stmt);
        target = newTarget({
          kind: 'assert',
          name: 'assert',
          hover: r ? `assert ${r.passed ? 'passed ✓' : 'FAILED ✗'}${r.passed ? '' : `\n\n${r.message}`}` : 'assert: not evaluated',
          refusal: keywordRefusal(word),
        });
      } else {
        target = namedTarget(`keyword:${word}`, () => ({ kind: 'keyword', name: word, hover: '', refusal: keywordRefusal(word) }));
      }
      add(stmt.keywordSpan, target, 'keyword');
    }
    let locals: ReadonlyMap<string, number> = new Map();
    switch (stmt.kind) {
      case 'assign':
        bindingOccurrence(stmt.target.span, stmt.target.name, true);
        break;
      case 'destructure':
        for (const t of stmt.targets) bindingOccurrence(t.span, t.name, true);
        break;
      case 'feed':
        bindingOccurrence(stmt.target.span, stmt.target.name, false);
        break;
      case 'def':
      case 'grad': {
        bindingOccurrence(stmt.name.span, stmt.name.name, stmt.kind === 'def');
        const params = new Map<string, number>();
        const names = stmt.params.map((p) => p.name);
        for (const p of stmt.params) {
          let t = params.get(p.name);
          if (t === undefined) {
            t = newTarget({
              kind: 'parameter',
              name: p.name,
              hover: `**${p.name}** · parameter of \`${stmt.name.name}\``,
              definition: p.span,
              siblings: names,
            });
            params.set(p.name, t);
          }
          add(p.span, t, 'parameter', ['declaration']);
        }
        locals = params;
        break;
      }
    }
    walk(statementExprs(stmt), (e) => {
      if (e.kind !== 'name') return;
      const local = e.text === e.name ? locals.get(e.name) : undefined;
      if (local !== undefined) {
        add(e.span, local, 'parameter');
        return;
      }
      const op = lookupOp(e.name);
      if (e === checkCallee) {
        add(e.span, checkTarget, op && !op.internal ? 'function' : null, op ? ['defaultLibrary'] : []);
        return;
      }
      const bound = lookup(e.name, e.span.start);
      // A name bound later in the file that an op also has is the op until then (a name is
      // bound before it is used): `tanh(x)` above `tanh = 2.` calls the op.
      if (bound && !(op && !op.internal && bound.span.start > e.span.start)) {
        bindingOccurrence(e.span, e.name, false);
        return;
      }
      const dtype = parseDType(e.text) ?? parseDType(e.name);
      if (dtype) {
        add(
          e.span,
          namedTarget(`dtype:${dtype}`, () => ({
            kind: 'dtype',
            name: dtype,
            hover: `\`${dtype}\` · dtype`,
            refusal: `\`${e.text}\` is a dtype and cannot be renamed`,
          })),
          'type',
          ['defaultLibrary'],
        );
        return;
      }
      if (op && !op.internal) {
        add(
          e.span,
          namedTarget(`op:${e.text}`, () => ({
            kind: 'op',
            name: e.name,
            hover: opHover(op),
            refusal: `\`${e.text}\` is a built-in op and cannot be renamed`,
          })),
          'function',
          ['defaultLibrary'],
        );
        return;
      }
      if (RESERVED_WORDS.has(e.name)) {
        add(
          e.span,
          namedTarget(`reserved:${e.text}`, () => ({ kind: 'other', name: e.name, hover: '', refusal: keywordRefusal(e.text) })),
          null,
        );
      }
    });
  }
  layout.madeBefore[statements.length] = targets.length - layout.bindings;

  const snapshot: DocumentSnapshot = {
    version: options.version,
    diagnostics: a.diagnostics.slice(),
    status: statusOf(a),
    occurrences: sortedOccurrences(occ, keptOccurrences),
    targets,
    lenses: lensesOf(a),
    hints: keptHints.concat(hints.sort((x, y) => x.offset - y.offset)),
    symbols: symbolsOf(a, targets),
    folding: foldsOf(a),
    explaining,
  };
  layouts.set(snapshot, layout);
  return snapshot;
}

function keywordRefusal(word: string): string {
  return `\`${word}\` is a keyword and cannot be renamed`;
}

export function statusOf(a: Analysis): DocumentSnapshot['status'] {
  const counts = { error: 0, warning: 0, information: 0 };
  for (const d of a.diagnostics) counts[d.severity]++;
  return { milliseconds: a.stats.milliseconds, errors: counts.error, warnings: counts.warning, information: counts.information };
}

/** Sorted by start, exact duplicates (a name reached twice) dropped; after `head` (already
 *  so, and ending before the first of `flat`). */
function sortedOccurrences(flat: number[], head: Int32Array = new Int32Array(0)): Int32Array {
  const count = flat.length / OCC_FIELDS;
  const order = Array.from({ length: count }, (_, i) => i).sort(
    (x, y) => flat[x * OCC_FIELDS] - flat[y * OCC_FIELDS] || flat[y * OCC_FIELDS + 1] - flat[x * OCC_FIELDS + 1],
  );
  const out = new Int32Array(head.length + flat.length);
  out.set(head);
  let n = head.length / OCC_FIELDS;
  const first = n;
  for (const i of order) {
    const at = i * OCC_FIELDS;
    if (n > first && out[(n - 1) * OCC_FIELDS + OCC_START] === flat[at] && out[(n - 1) * OCC_FIELDS + OCC_END] === flat[at + 1]) continue;
    for (let f = 0; f < OCC_FIELDS; f++) out[n * OCC_FIELDS + f] = flat[at + f];
    n++;
  }
  return n * OCC_FIELDS === out.length ? out : out.slice(0, n * OCC_FIELDS);
}

/** The gradient lenses of a statement, by statement: the statements an incremental analysis
 *  keeps are the same objects (at the same offsets), so their syntax is not walked again and
 *  their lenses are the objects of the previous snapshot (a delta compares them at a glance).
 *  A feed's edit moves the statements after it in place (`shiftSpans`): theirs are made again. */
const gradientLenses = new WeakMap<AST.Stmt, LensData[]>();

function lensesOf(a: Analysis): LensData[] {
  const lenses: LensData[] = [];
  for (const stmt of a.program.statements) {
    let own = gradientLenses.get(stmt);
    if (own === undefined || (own.length > 0 && own[0].offset !== stmt.span.start)) {
      const at = stmt.span.start;
      own =
        gradientCalls(stmt).length === 0
          ? []
          : [
              { offset: at, title: 'Compute gradients', command: 'computeGradients' },
              { offset: at, title: 'Check gradients', command: 'checkGradients', statement: stmt.span },
              { offset: at, title: 'Explain sum', command: 'explainSum' },
            ];
      gradientLenses.set(stmt, own);
    }
    for (const lens of own) lenses.push(lens);
  }
  for (const b of a.bindings) {
    if (b.kind !== 'placeholder' || b.value.kind !== 'tensor') continue;
    const node = b.value.node;
    const fed = a.valueOf(node);
    const title = fed ? `fed ${node.type.dtype}${showShape(fed.shape)}` : `not fed · ${node.type.dtype}${showShape(node.type.shape)}`;
    lenses.push(
      { offset: b.stmt.span.start, title, command: null },
      { offset: b.stmt.span.start, title: 'Randomise feed', command: 'randomiseFeed' },
    );
  }
  return lenses;
}

/** The shape after each binding and the value of scalars (unless bound to a literal),
 *  sorted by offset. */
export function hintsOf(a: Analysis, literal: (b: Binding) => boolean = isLiteral): HintData[] {
  const hints: HintData[] = [];
  for (const b of a.bindings) hints.push(...bindingHints(a, b, literal));
  return hints.sort((x, y) => x.offset - y.offset);
}

function bindingHints(a: Analysis, b: Binding, literal: (b: Binding) => boolean): HintData[] {
  const v = b.value;
  if (v.kind !== 'tensor' && v.kind !== 'list') return [];
  const hints: HintData[] = [{ offset: b.span.end, label: `: ${valueTypeLabel(a, v)}`, kind: 'type' }];
  if (v.kind === 'tensor' && !b.destructured && !literal(b)) {
    const t = a.valueOf(v.node);
    if (t && t.shape.length === 0) hints.push({ offset: b.stmt.span.end, label: `→ ${formatTensor(t)}`, kind: 'value' });
  }
  return hints;
}

/** A binding's outline entry, the same object while its detail is (as its target). */
const bindingSymbols = new WeakMap<Binding, SymbolData>();

function symbolsOf(a: Analysis, targets: readonly NameTarget[]): SymbolData[] {
  const symbols: SymbolData[] = [];
  // (a binding's target is its index)
  for (let i = 0; i < a.bindings.length; i++) {
    const b = a.bindings[i];
    const detail = targets[i].detail!;
    let symbol = bindingSymbols.get(b);
    if (symbol?.detail !== detail)
      bindingSymbols.set(b, (symbol = { name: b.name, kind: b.kind, detail, span: b.stmt.span, selection: b.span }));
    symbols.push(symbol);
  }
  for (const stmt of a.program.statements) {
    if (stmt.kind !== 'check' && stmt.kind !== 'assert') continue;
    const source = a.text.slice(stmt.span.start, Math.min(stmt.span.end, stmt.span.start + 200)).replace(/\s+/g, ' ');
    let detail = 'not run (an error in the statement)';
    if (stmt.kind === 'check') {
      const r = a.checks.find((c) => c.stmt === stmt);
      if (r) detail = r.passed ? `passed · max err ${shortNumber(r.maxAbsError)}` : 'FAILED';
    } else {
      const r = a.asserts.find((s) => s.stmt === stmt);
      if (r) detail = r.passed ? 'passed' : 'FAILED';
    }
    symbols.push({
      name: source.length > 60 ? source.slice(0, 57) + '...' : source,
      kind: stmt.kind,
      detail,
      span: stmt.span,
      selection: stmt.keywordSpan,
    });
  }
  return symbols.sort((x, y) => x.span.start - y.span.start);
}

function foldsOf(a: Analysis): DocumentSnapshot['folding'] {
  const statements: AST.Span[] = [];
  for (const stmt of a.program.statements) {
    if (a.lines.positionAt(stmt.span.end).line > a.lines.positionAt(stmt.span.start).line) statements.push(stmt.span);
  }
  const commentRuns: AST.Span[] = [];
  let run: { first: AST.Span; last: AST.Span; line: number } | null = null;
  const flush = () => {
    if (run && run.first !== run.last) commentRuns.push({ start: run.first.start, end: run.last.start });
  };
  for (const c of a.program.comments) {
    const p = a.lines.positionAt(c.span.start);
    // Only comments alone on their line make a foldable block.
    if (a.text.slice(c.span.start - p.character, c.span.start).trim() !== '') continue;
    if (run && p.line === run.line + 1) {
      run.last = c.span;
      run.line = p.line;
    } else {
      flush();
      run = { first: c.span, last: c.span, line: p.line };
    }
  }
  flush();
  return { statements, commentRuns };
}

/** The hover of the binding behind target `index` (bindings come first), explanations
 *  computed: what completes a snapshot's `explaining` targets. */
export function explainedHover(a: Analysis, index: number): string | undefined {
  const b = a.bindings[index];
  return b ? hoverOf(a, b, true) : undefined;
}
