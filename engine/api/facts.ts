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
import { FirstLookups } from './firstLookups';
import type { KnownHeads } from './snapshotDelta';
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
  /** Every name looked up, with the offset of its first lookup (firstLookups.ts). */
  names: FirstLookups;
  /** The indices of the gradient bindings (whose hovers may wait for an explanation). */
  gradients: number[];
  /** How many statements were taken over from the previous snapshot (not described again). */
  taken: number;
  /** This layout's number, and the number of the one of the snapshot this one took its
   *  first items from, with how many (`keptHeads`). */
  id: number;
  heads?: { from: number; known: KnownHeads };
}
let layoutsMade = 0;
const layouts = new WeakMap<DocumentSnapshot, Layout>();

/** What `after` took over unchanged from `before` (null: it was not made from it), for
 *  `snapshotDelta`: the first items of its lists are the very same. */
export function keptHeads(before: DocumentSnapshot, after: DocumentSnapshot): KnownHeads | null {
  const heads = layouts.get(after)?.heads;
  return heads && heads.from === layouts.get(before)?.id ? heads.known : null;
}

/** How many of its first statements a snapshot took over from the one it was made from
 *  (`SnapshotOptions.previous`), not describing them again: 0 when made from scratch. */
export function statementsTakenOver(snapshot: DocumentSnapshot): number {
  return layouts.get(snapshot)?.taken ?? 0;
}

/** What `previous` (made from the analysis `a` took over) gives for the statements `a`
 *  kept: their bindings' targets (the first `bindings`), their occurrences (the first
 *  `occurrences` rows, target indices past the old bindings moved by `shift`), and, for each
 *  list sorted by offset, how many of its first items are theirs; and the other targets they
 *  made. Null when it gives nothing exact. Finding that out reads only what the edit changed. */
interface KeptPrefix {
  statements: number;
  bindings: number;
  /** Where the kept statements end: every later item is at or after it. */
  cut: number;
  occurrences: number;
  shift: number;
  hints: number;
  lenses: number;
  symbols: number;
  statementFolds: number;
  layout: Layout;
}

function keptPrefix(a: Analysis, previous: DocumentSnapshot, explain: boolean): KeptPrefix | null {
  const layout = layouts.get(previous);
  const reuse = analysisReuse(a);
  if (!layout || layout.explain !== explain || !reuse || reuse.owner !== layout.owner || reuse.generation !== layout.generation + 1)
    return null;
  const k = reuse.keptStatements;
  const statements = a.program.statements;
  if (k < 1 || k > statements.length || k >= layout.madeBefore.length) return null;
  const cut = statements[k - 1].span.end;
  let bindings = a.bindings.length;
  while (bindings > 0 && a.bindings[bindings - 1].stmt.span.start >= cut) bindings--;
  if (bindings > layout.bindings) return null;
  for (let i = bindings; i < a.bindings.length; i++) {
    const first = layout.names.get(a.bindings[i].name);
    if (first !== undefined && first < cut) return null;
  }
  // A kept occurrence of a binding the edit removed: its name was looked up before the cut.
  for (let i = bindings; i < layout.bindings; i++) {
    const first = layout.names.get(previous.targets[i].name);
    if (first !== undefined && first < cut) return null;
  }
  const occ = previous.occurrences;
  const startsBefore = (list: readonly { span: AST.Span }[]) => countBefore(list.length, (i) => list[i].span.start < cut);
  return {
    statements: k,
    bindings,
    cut,
    occurrences: countBefore(occ.length / OCC_FIELDS, (i) => occ[i * OCC_FIELDS + OCC_START] < cut),
    shift: a.bindings.length - layout.bindings,
    hints: countBefore(previous.hints.length, (i) => previous.hints[i].offset <= cut),
    lenses: countBefore(previous.lenses.length, (i) => previous.lenses[i].offset < cut),
    symbols: startsBefore(previous.symbols),
    statementFolds: countBefore(previous.folding.statements.length, (i) => previous.folding.statements[i].start < cut),
    layout,
  };
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
  const explaining: number[] = [];

  // The statements the analysis kept from the one `previous` describes are taken as they
  // were described there (with the explanations that came since): only the later ones are.
  const previous = options.previous;
  const kept = previous && !a.python ? keptPrefix(a, previous, explain) : null;
  const keptBindings = kept?.bindings ?? 0;
  const targets: NameTarget[] = kept ? previous!.targets.slice(0, keptBindings) : [];
  const gradients = kept
    ? kept.layout.gradients.slice(
        0,
        countBefore(kept.layout.gradients.length, (i) => kept.layout.gradients[i] < keptBindings),
      )
    : [];
  if (!explain) for (const i of gradients) if (awaitsExplanation(a, a.bindings[i])) explaining.push(i);

  // One target per binding, in binding order: a binding's target is its index.
  const targetOf = (b: Binding): number | undefined => {
    const i = bindingIndex.get(b);
    return i !== undefined && a.bindings[i] === b ? i : undefined;
  };
  const hints: HintData[] = [];
  for (let i = keptBindings; i < a.bindings.length; i++) {
    if ((i & 255) === 255 && cancelled()) throw new Cancelled();
    const b = a.bindings[i];
    if (bindingIndex.get(b) !== i) bindingIndex.set(b, i);
    if (b.gradient) {
      gradients.push(i);
      if (!explain && awaitsExplanation(a, b)) explaining.push(i);
    }
    const described = describeBinding(a, b, explain);
    for (const h of described.hints) hints.push(h);
    targets.push(bindingTarget(b, described));
  }

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
    names: kept ? kept.layout.names.before(kept.cut) : FirstLookups.empty(),
    gradients,
    taken: kept?.statements ?? 0,
    id: ++layoutsMade,
  };
  const shared = new Map<string, number>();
  const newTarget = (t: NameTarget, key = ''): number => {
    targets.push(t);
    layout.sharedKeys.push(key);
    if (key) shared.set(key, targets.length - 1);
    return targets.length - 1;
  };
  const from = kept ? kept.statements : 0;
  if (kept) {
    const made = kept.layout.madeBefore[from];
    for (let j = 0; j < made; j++) newTarget(previous!.targets[kept.layout.bindings + j], kept.layout.sharedKeys[j]);
    layout.madeBefore.set(kept.layout.madeBefore.subarray(0, from + 1));
  }
  const namedTarget = (key: string, make: () => NameTarget): number => shared.get(key) ?? newTarget(make(), key);
  const occ: number[] = [];
  const add = (span: AST.Span, target: number, token: TokenType | null, modifiers: readonly TokenModifier[] = []) => {
    occ.push(span.start, span.end, target, token === null ? -1 : TOKEN_TYPES.indexOf(token), modifierBits(modifiers));
  };
  const lookup = (name: string, at: number): Binding | undefined => {
    layout.names.note(name, at);
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

  // Every list sorted by offset: the kept statements' items are the first of the previous
  // snapshot's, the rest are made from the statements after them.
  const keptOf = <T>(list: readonly T[], count: number | undefined): T[] => (count ? list.slice(0, count) : []);
  const snapshot: DocumentSnapshot = {
    version: options.version,
    diagnostics: a.diagnostics.slice(),
    status: statusOf(a),
    occurrences: sortedOccurrences(
      occ,
      kept ? { rows: previous!.occurrences, count: kept.occurrences, from: kept.layout.bindings, by: kept.shift } : undefined,
    ),
    targets,
    lenses: keptOf(previous?.lenses ?? [], kept?.lenses).concat(lensesOf(a, from, keptBindings)),
    hints: keptOf(previous?.hints ?? [], kept?.hints).concat(hints.sort((x, y) => x.offset - y.offset)),
    symbols: keptOf(previous?.symbols ?? [], kept?.symbols).concat(symbolsOf(a, targets, from, keptBindings)),
    folding: {
      statements: keptOf(previous?.folding.statements ?? [], kept?.statementFolds).concat(statementFolds(a, from)),
      commentRuns: commentRunsOf(a, kept ? { runs: previous!.folding.commentRuns, cut: kept.cut } : undefined),
    },
    explaining,
  };
  if (kept) {
    layout.heads = {
      from: kept.layout.id,
      known: {
        cut: kept.cut,
        targets: keptBindings,
        // Kept rows point at kept bindings, or at the targets the kept statements made after
        // the bindings: those keep their index when the bindings' count does.
        occurrences: kept.occurrences,
        madeTargetsFrom: kept.layout.bindings,
        occurrenceTargets: kept.shift === 0 ? kept.layout.bindings + kept.layout.madeBefore[from] : Infinity,
        lenses: kept.lenses,
        hints: kept.hints,
        symbols: kept.symbols,
        statementFolds: kept.statementFolds,
      },
    };
  }
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

/** Rows taken over from a previous table: its first `count`, target indices at or past `from`
 *  moved by `by`. */
interface KeptRows {
  rows: Int32Array;
  count: number;
  from: number;
  by: number;
}

/** Sorted by start, exact duplicates (a name reached twice) dropped; after the `kept` rows
 *  (already so, and ending before the first of `flat`). */
function sortedOccurrences(flat: number[], kept?: KeptRows): Int32Array {
  const count = flat.length / OCC_FIELDS;
  const order = Array.from({ length: count }, (_, i) => i).sort(
    (x, y) => flat[x * OCC_FIELDS] - flat[y * OCC_FIELDS] || flat[y * OCC_FIELDS + 1] - flat[x * OCC_FIELDS + 1],
  );
  const head = (kept?.count ?? 0) * OCC_FIELDS;
  const out = new Int32Array(head + flat.length);
  if (kept) {
    out.set(kept.rows.subarray(0, head));
    if (kept.by !== 0) for (let at = OCC_TARGET; at < head; at += OCC_FIELDS) if (out[at] >= kept.from) out[at] += kept.by;
  }
  let n = head / OCC_FIELDS;
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

/** The lenses of the statements from `from` and of the bindings from `fromBinding` (theirs),
 *  sorted by offset (a statement's gradient lenses before its feed's). */
function lensesOf(a: Analysis, from: number, fromBinding: number): LensData[] {
  const lenses: LensData[] = [];
  const statements = a.program.statements;
  for (let si = from; si < statements.length; si++) {
    const stmt = statements[si];
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
  const gradientLensCount = lenses.length;
  for (let i = fromBinding; i < a.bindings.length; i++) {
    const b = a.bindings[i];
    if (b.kind !== 'placeholder' || b.value.kind !== 'tensor') continue;
    const node = b.value.node;
    const fed = a.valueOf(node);
    const title = fed ? `fed ${node.type.dtype}${showShape(fed.shape)}` : `not fed · ${node.type.dtype}${showShape(node.type.shape)}`;
    lenses.push(
      { offset: b.stmt.span.start, title, command: null },
      { offset: b.stmt.span.start, title: 'Randomise feed', command: 'randomiseFeed' },
    );
  }
  return lenses.length === gradientLensCount ? lenses : lenses.sort((x, y) => x.offset - y.offset);
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

/** The outline entries of the bindings from `fromBinding` and of the checks and asserts
 *  from statement `from`, sorted by offset. */
function symbolsOf(a: Analysis, targets: readonly NameTarget[], from: number, fromBinding: number): SymbolData[] {
  const symbols: SymbolData[] = [];
  // (a binding's target is its index)
  for (let i = fromBinding; i < a.bindings.length; i++) {
    const b = a.bindings[i];
    const detail = targets[i].detail!;
    let symbol = bindingSymbols.get(b);
    if (symbol?.detail !== detail)
      bindingSymbols.set(b, (symbol = { name: b.name, kind: b.kind, detail, span: b.stmt.span, selection: b.span }));
    symbols.push(symbol);
  }
  const statements = a.program.statements;
  for (let si = from; si < statements.length; si++) {
    const stmt = statements[si];
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

/** The statements from `from` that span several lines. */
function statementFolds(a: Analysis, from: number): AST.Span[] {
  const folds: AST.Span[] = [];
  const statements = a.program.statements;
  for (let si = from; si < statements.length; si++) {
    const span = statements[si].span;
    if (a.lines.positionAt(span.end).line > a.lines.positionAt(span.start).line) folds.push(span);
  }
  return folds;
}

/** Runs of comments alone on consecutive lines, as their first and last comment. With
 *  `kept`, the runs of the previous snapshot before `cut` (whose text is the same) are taken
 *  over: the comments are read again only from the first of the run the cut may be in. */
function commentRunsOf(a: Analysis, kept?: { runs: readonly AST.Span[]; cut: number }): AST.Span[] {
  const comments = a.program.comments;
  const lineOfAlone = (i: number): number => {
    const start = comments[i].span.start;
    const p = a.lines.positionAt(start);
    // Only comments alone on their line make a foldable block.
    return a.text.slice(start - p.character, start).trim() === '' ? p.line : -1;
  };
  let from = 0;
  const runs: AST.Span[] = [];
  if (kept) {
    // Back from the first comment after the cut over the comments alone on the lines just
    // before it: the run they make may go on past the cut.
    from = countBefore(comments.length, (i) => comments[i].span.start < kept.cut);
    let line = from < comments.length ? lineOfAlone(from) : -1;
    for (let i = from - 1; i >= 0; i--) {
      const own = lineOfAlone(i);
      if (own < 0) continue;
      if (line >= 0 && own !== line - 1) break;
      from = i;
      line = own;
    }
    const before = from < comments.length ? Math.min(kept.cut, comments[from].span.start) : kept.cut;
    for (let r = 0; r < kept.runs.length && kept.runs[r].end < before; r++) runs.push(kept.runs[r]);
  }
  let run: { first: AST.Span; last: AST.Span; line: number } | null = null;
  const flush = () => {
    if (run && run.first !== run.last) runs.push({ start: run.first.start, end: run.last.start });
  };
  for (let i = from; i < comments.length; i++) {
    const line = lineOfAlone(i);
    if (line < 0) continue;
    const c = comments[i];
    if (run && line === run.line + 1) {
      run.last = c.span;
      run.line = line;
    } else {
      flush();
      run = { first: c.span, last: c.span, line };
    }
  }
  flush();
  return runs;
}

/** The hover of the binding behind target `index` (bindings come first), explanations
 *  computed: what completes a snapshot's `explaining` targets. */
export function explainedHover(a: Analysis, index: number): string | undefined {
  const b = a.bindings[index];
  return b ? hoverOf(a, b, true) : undefined;
}
