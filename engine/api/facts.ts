// Builds the DocumentSnapshot of an analysis (see snapshot.ts): every name occurrence with
// what it stands for, hovers, lenses, inlay hints, the outline and the folds. Runs where the
// analysis is (the worker); what it returns is plain data.

import type { Analysis, Binding } from '../analysis';
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

/** Descriptions of unchanged bindings are kept between analyses: an incremental analysis keeps
 *  the Binding objects of the statements before an edit, and a node's key (op, attributes, the
 *  keys of its inputs, the content of feeds) says whether its value is the same. An edit at
 *  the end of a long file so describes only the statements after the kept ones. */
const descriptionCache = new WeakMap<Binding, BindingDescription & { key1: number; key2: number; hasValue: boolean }>();

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

/** The description of one binding (cached while its value is the same). */
function describeBinding(a: Analysis, b: Binding, explain: boolean): BindingDescription {
  const node = b.value.kind === 'tensor' && !b.gradient ? b.value.node : undefined;
  if (!node || !node.keyed) return freshDescription(a, b, explain);
  const hasValue = a.valueOf(node) !== undefined;
  const cached = descriptionCache.get(b);
  if (cached && cached.key1 === node.keyHash1 && cached.key2 === node.keyHash2 && cached.hasValue === hasValue) return cached;
  const description = freshDescription(a, b, explain);
  descriptionCache.set(b, { key1: node.keyHash1, key2: node.keyHash2, hasValue, ...description });
  return description;
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

export function snapshotOf(a: Analysis, options: SnapshotOptions): DocumentSnapshot {
  const explain = options.explain ?? true;
  const cancelled = options.cancelled ?? (() => false);
  const targets: NameTarget[] = [];
  const occ: number[] = [];
  const explaining: number[] = [];

  // One target per binding, in binding order.
  const bindingTarget = new Map<Binding, number>();
  const hints: HintData[] = [];
  a.bindings.forEach((b, i) => {
    if ((i & 255) === 255 && cancelled()) throw new Cancelled();
    bindingTarget.set(b, targets.length);
    if (!explain && awaitsExplanation(a, b)) explaining.push(targets.length);
    const described = describeBinding(a, b, explain);
    for (const h of described.hints) hints.push(h);
    targets.push({
      kind: 'binding',
      name: b.name,
      hover: described.hover,
      definition: b.span,
      bindingKind: b.kind,
      detail: described.detail,
      params: b.value.kind === 'function' ? b.value.fn.params.slice() : undefined,
    });
  });
  const named = new Map<string, number>();
  const namedTarget = (key: string, make: () => NameTarget): number => {
    let t = named.get(key);
    if (t === undefined) {
      t = targets.length;
      targets.push(make());
      named.set(key, t);
    }
    return t;
  };
  const add = (span: AST.Span, target: number, token: TokenType | null, modifiers: readonly TokenModifier[] = []) => {
    occ.push(span.start, span.end, target, token === null ? -1 : TOKEN_TYPES.indexOf(token), modifierBits(modifiers));
  };
  const bindingOccurrence = (span: AST.Span, name: string, declaration: boolean) => {
    const b = a.lookup(name);
    if (!b) return;
    const t = tokenOf(b.kind);
    add(span, bindingTarget.get(b)!, t.type, declaration && b.span.start === span.start ? ['declaration', ...t.modifiers] : t.modifiers);
  };

  if (a.python) {
    const facts = pythonFacts(a, bindingTarget, targets);
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
  for (let si = 0; si < statements.length; si++) {
    if ((si & 255) === 255 && cancelled()) throw new Cancelled();
    const stmt = statements[si];
    let checkCallee: AST.Expr | undefined;
    let checkTarget = -1;
    if ('keywordSpan' in stmt) {
      const word = a.text.slice(stmt.keywordSpan.start, stmt.keywordSpan.end);
      let target: number;
      if (stmt.kind === 'check') {
        const result = a.checks.find((c) => c.stmt === stmt);
        target = checkTarget = targets.length;
        targets.push({
          kind: 'check',
          name: 'check',
          hoverSpan: stmt.keywordSpan,
          hover: result ? formatCheck(result) : 'check: not run (the statement has an error; see the diagnostics)',
          refusal: keywordRefusal(word),
        });
        if (stmt.call.kind === 'call') checkCallee = stmt.call.callee;
      } else if (stmt.kind === 'assert') {
        const r = a.asserts.find((s) => s.stmt === stmt);
        target = targets.length;
        targets.push({
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
            t = targets.length;
            params.set(p.name, t);
            targets.push({
              kind: 'parameter',
              name: p.name,
              hover: `**${p.name}** · parameter of \`${stmt.name.name}\``,
              definition: p.span,
              siblings: names,
            });
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
      if (a.lookup(e.name)) {
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

  return {
    version: options.version,
    diagnostics: a.diagnostics.slice(),
    status: statusOf(a),
    occurrences: sortedOccurrences(occ),
    targets,
    lenses: lensesOf(a),
    hints: hints.sort((x, y) => x.offset - y.offset),
    symbols: symbolsOf(a, targets, bindingTarget),
    folding: foldsOf(a),
    explaining,
  };
}

function keywordRefusal(word: string): string {
  return `\`${word}\` is a keyword and cannot be renamed`;
}

export function statusOf(a: Analysis): DocumentSnapshot['status'] {
  const counts = { error: 0, warning: 0, information: 0 };
  for (const d of a.diagnostics) counts[d.severity]++;
  return { milliseconds: a.stats.milliseconds, errors: counts.error, warnings: counts.warning, information: counts.information };
}

/** Sorted by start, exact duplicates (a name reached twice) dropped. */
function sortedOccurrences(flat: number[]): Int32Array {
  const count = flat.length / OCC_FIELDS;
  const order = Array.from({ length: count }, (_, i) => i).sort(
    (x, y) => flat[x * OCC_FIELDS] - flat[y * OCC_FIELDS] || flat[y * OCC_FIELDS + 1] - flat[x * OCC_FIELDS + 1],
  );
  const out = new Int32Array(flat.length);
  let n = 0;
  for (const i of order) {
    const at = i * OCC_FIELDS;
    if (n > 0 && out[(n - 1) * OCC_FIELDS + OCC_START] === flat[at] && out[(n - 1) * OCC_FIELDS + OCC_END] === flat[at + 1]) continue;
    for (let f = 0; f < OCC_FIELDS; f++) out[n * OCC_FIELDS + f] = flat[at + f];
    n++;
  }
  return out.slice(0, n * OCC_FIELDS);
}

function lensesOf(a: Analysis): LensData[] {
  const lenses: LensData[] = [];
  for (const stmt of a.program.statements) {
    if (gradientCalls(stmt).length === 0) continue;
    const at = stmt.span.start;
    lenses.push(
      { offset: at, title: 'Compute gradients', command: 'computeGradients' },
      { offset: at, title: 'Check gradients', command: 'checkGradients', statement: stmt.span },
      { offset: at, title: 'Explain sum', command: 'explainSum' },
    );
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

function symbolsOf(a: Analysis, targets: readonly NameTarget[], bindingTarget: ReadonlyMap<Binding, number>): SymbolData[] {
  const symbols: SymbolData[] = [];
  for (const b of a.bindings) {
    const detail = targets[bindingTarget.get(b)!].detail!;
    symbols.push({ name: b.name, kind: b.kind, detail, span: b.stmt.span, selection: b.span });
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
