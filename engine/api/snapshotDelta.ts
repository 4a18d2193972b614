// What changed between two snapshots of one document, so that an edit sends only that across
// the worker's boundary (a 1,000-layer file's snapshot is megabytes of hover markdown; an edit
// at its end changes a few statements' worth).
//
// Every list of a snapshot is sorted by offset (or, for targets, by binding then first use),
// and an edit changes one region of the text: each list is sent as a splice — how many items
// at its head and tail are kept, and the new ones between. Kept items are read through a
// `Remap`: offsets after the edited region move by the length the edit added, and target
// indices after the kept head move by the number of targets added. The worker keeps an item
// only when remapping the old one gives exactly the new one, so applying a delta to the
// snapshot it was made from gives the new snapshot exactly, whatever the edit was.

import type { Span } from '../syntax/ast';
import { copyWithTexts } from './packedList';
import { runSteps, stepEnds, type Steps } from './steps';
import { commonEnds } from '../syntax/commonEnds';

export { commonEnds };
import {
  OCC_END,
  OCC_FIELDS,
  OCC_START,
  OCC_TARGET,
  type DocumentSnapshot,
  type HintData,
  type LensData,
  type NameTarget,
  type SymbolData,
} from './snapshot';

/** Offsets at or after `from` (in the old text) move by `by`. */
export interface TextShift {
  from: number;
  by: number;
}

/** A list's new value: `head` items kept from its start, `tail` from its end (remapped), and
 *  `middle` between them. */
export interface Splice<T> {
  head: number;
  tail: number;
  middle: T[];
}

export interface OccurrenceSplice {
  head: number;
  tail: number;
  middle: Int32Array;
}

export interface SnapshotDelta {
  /** The version of the snapshot this applies to. */
  base: number;
  version: number;
  shift: TextShift;
  diagnostics: DocumentSnapshot['diagnostics'];
  failure?: DocumentSnapshot['failure'];
  status: DocumentSnapshot['status'];
  explaining: number[];
  targets: Splice<NameTarget>;
  occurrences: OccurrenceSplice;
  lenses: Splice<LensData>;
  hints: Splice<HintData>;
  symbols: Splice<SymbolData>;
  statementFolds: Splice<Span>;
  commentFolds: Splice<Span>;
}

/** What the maker of `after` knows it took over from `before` unchanged (facts.ts,
 *  `keptHeads`): the first items of each list are the very same (occurrence rows: the same
 *  numbers), and none of them is at or after `cut`. The delta's comparisons start after them
 *  (an edit at the end of a long file compares what it changed, not the file). */
export interface KnownHeads {
  cut: number;
  targets: number;
  /** Kept occurrence rows: the same numbers when every target they point at keeps its index.
   *  They point at the first `targets` (the kept bindings) and at the targets the kept
   *  statements made after the bindings, `madeTargetsFrom` up to `occurrenceTargets`
   *  (Infinity: those moved, the rows are compared). */
  occurrences: number;
  madeTargetsFrom: number;
  occurrenceTargets: number;
  lenses: number;
  hints: number;
  symbols: number;
  statementFolds: number;
}

/** The shift of an edit from `before` to `after`: their common prefix and suffix are kept. */
export function textShift(before: string, after: string): TextShift {
  const { suffix } = commonEnds(before, after);
  return { from: before.length - suffix, by: after.length - before.length };
}

/** How a kept item of the old snapshot reads in the new one. */
class Remap {
  constructor(
    private readonly shift: TextShift,
    /** Targets kept at the head; targets past `oldTargets - targetTail` move by `targetsBy`. */
    private readonly targetHead = 0,
    private readonly targetTailFrom = Infinity,
    private readonly targetsBy = 0,
  ) {}

  get identity(): boolean {
    return this.shift.by === 0 && this.targetsBy === 0;
  }

  offset(x: number): number {
    return x >= this.shift.from ? x + this.shift.by : x;
  }

  span(s: Span): Span {
    const start = this.offset(s.start);
    const end = this.offset(s.end);
    return start === s.start && end === s.end ? s : { start, end };
  }

  /** Whether every target index in [from, to) stays as it is: in the kept head, or in the
   *  kept tail when no target was added or removed. An edit at the end sends its own
   *  binding's target, which sits between the kept bindings and the op and keyword targets
   *  after them: those are kept as the tail. */
  keepsTargets(from: number, to: number): boolean {
    if (from >= to || to <= this.targetHead) return true;
    return this.targetsBy === 0 && Number.isFinite(to) && Math.max(from, this.targetHead) >= this.targetTailFrom;
  }

  /** -1: a target that is not kept (an occurrence pointing at it is not kept either). */
  target(t: number): number {
    if (t < this.targetHead) return t;
    if (t >= this.targetTailFrom) return t + this.targetsBy;
    return -1;
  }

  // A kept item whose offsets do not move is the old object itself: an edit near the end of
  // a long file moves few of them, and every copy would be garbage for the receiving thread.
  nameTarget(t: NameTarget): NameTarget {
    if (this.shift.by === 0 || (!t.definition && !t.hoverSpan)) return t;
    const definition = t.definition && this.span(t.definition);
    const hoverSpan = t.hoverSpan && this.span(t.hoverSpan);
    if (definition === t.definition && hoverSpan === t.hoverSpan) return t;
    const out = copyWithTexts(t);
    if (definition) out.definition = definition;
    if (hoverSpan) out.hoverSpan = hoverSpan;
    return out;
  }

  lens(l: LensData): LensData {
    if (this.shift.by === 0) return l;
    const offset = this.offset(l.offset);
    const statement = l.statement && this.span(l.statement);
    if (offset === l.offset && statement === l.statement) return l;
    const out = copyWithTexts(l);
    out.offset = offset;
    if (statement) out.statement = statement;
    return out;
  }

  hint(h: HintData): HintData {
    const offset = this.offset(h.offset);
    if (offset === h.offset) return h;
    const out = copyWithTexts(h);
    out.offset = offset;
    return out;
  }

  symbol(s: SymbolData): SymbolData {
    if (this.shift.by === 0) return s;
    const span = this.span(s.span);
    const selection = this.span(s.selection);
    if (span === s.span && selection === s.selection) return s;
    const out = copyWithTexts(s);
    out.span = span;
    out.selection = selection;
    return out;
  }
}

/** What the deltas made on this thread compared, old against new: occurrence rows, and
 *  items of the other lists (tests count them: an edit at the end of a long file compares
 *  what it changed, not the file). */
export const deltaComparisons = { occurrences: 0, items: 0 };

/** Plain data equal (what a structured clone would keep). */
function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!same(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  // (counted, not listed: an edit compares every item of a list it did not keep the same
  // object, and arrays of keys per item were a seventh of what its turn allocated)
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let defined = 0;
  for (const k in x) {
    if (x[k] === undefined) continue;
    if (!same(x[k], y[k])) return false;
    defined++;
  }
  for (const k in y) if (y[k] !== undefined) defined--;
  return defined === 0;
}

/** `known`: how many first items are known to remap to the new ones (not compared again). */
function splice<T>(before: readonly T[], after: readonly T[], remap: (item: T) => T, known = 0): Splice<T> {
  const limit = Math.min(before.length, after.length);
  let head = Math.min(known, limit);
  while (head < limit && same(remap(before[head]), after[head])) head++;
  let tail = 0;
  while (tail < limit - head && same(remap(before[before.length - 1 - tail]), after[after.length - 1 - tail])) tail++;
  // (each loop compared at most one item more than it kept)
  deltaComparisons.items += head - Math.min(known, limit) + tail + 2;
  return { head, tail, middle: after.slice(head, after.length - tail) };
}

function* applySpliceSteps<T>(before: readonly T[], s: Splice<T>, remap: (item: T) => T): Steps<T[]> {
  const out: T[] = [];
  for (let i = 0; i < s.head; i++) {
    out.push(remap(before[i]));
    if (stepEnds(i)) yield;
  }
  for (const item of s.middle) out.push(item);
  for (let i = before.length - s.tail; i < before.length; i++) {
    out.push(remap(before[i]));
    if (stepEnds(i)) yield;
  }
  return out;
}

function sameOccurrence(before: Int32Array, i: number, after: Int32Array, j: number, remap: Remap): boolean {
  const a = i * OCC_FIELDS;
  const b = j * OCC_FIELDS;
  for (let f = 0; f < OCC_FIELDS; f++) {
    const old = before[a + f];
    const mapped = f === OCC_START || f === OCC_END ? remap.offset(old) : f === OCC_TARGET ? remap.target(old) : old;
    if (mapped !== after[b + f]) return false;
  }
  return true;
}

function spliceOccurrences(before: Int32Array, after: Int32Array, remap: Remap, known = 0): OccurrenceSplice {
  const oldCount = before.length / OCC_FIELDS;
  const newCount = after.length / OCC_FIELDS;
  const limit = Math.min(oldCount, newCount);
  let head = Math.min(known, limit);
  while (head < limit && sameOccurrence(before, head, after, head, remap)) head++;
  let tail = 0;
  while (tail < limit - head && sameOccurrence(before, oldCount - 1 - tail, after, newCount - 1 - tail, remap)) tail++;
  deltaComparisons.occurrences += head - Math.min(known, limit) + tail + 2;
  return { head, tail, middle: after.slice(head * OCC_FIELDS, (newCount - tail) * OCC_FIELDS) };
}

function applyOccurrences(before: Int32Array, s: OccurrenceSplice, remap: Remap): Int32Array {
  const oldCount = before.length / OCC_FIELDS;
  const out = new Int32Array((s.head + s.tail) * OCC_FIELDS + s.middle.length);
  // Kept rows are copied as a block; only their offsets and targets move (nothing, when the
  // edit kept the length and the targets).
  const copy = (from: number, count: number, to: number) => {
    out.set(before.subarray(from * OCC_FIELDS, (from + count) * OCC_FIELDS), to * OCC_FIELDS);
    if (remap.identity) return;
    for (let b = to * OCC_FIELDS, end = (to + count) * OCC_FIELDS; b < end; b += OCC_FIELDS) {
      out[b + OCC_START] = remap.offset(out[b + OCC_START]);
      out[b + OCC_END] = remap.offset(out[b + OCC_END]);
      out[b + OCC_TARGET] = remap.target(out[b + OCC_TARGET]);
    }
  };
  copy(0, s.head, 0);
  out.set(s.middle, s.head * OCC_FIELDS);
  copy(oldCount - s.tail, s.tail, s.head + s.middle.length / OCC_FIELDS);
  return out;
}

function targetRemap(shift: TextShift, oldTargets: number, targets: Splice<NameTarget>): Remap {
  const newTargets = targets.head + targets.middle.length + targets.tail;
  return new Remap(shift, targets.head, oldTargets - targets.tail, newTargets - oldTargets);
}

/** The delta that turns `before` (a snapshot of `beforeText`) into `after` (of `afterText`).
 *  `known`: what `after` took over from `before` (its maker says). */
export function snapshotDelta(
  before: DocumentSnapshot,
  beforeText: string,
  after: DocumentSnapshot,
  afterText: string,
  known?: KnownHeads | null,
): SnapshotDelta {
  const shift = textShift(beforeText, afterText);
  const offsets = new Remap(shift);
  // The kept items stay where they are only when the edit's shift starts after them (an
  // insertion right at their end moves what ends there).
  const heads = known && shift.from > known.cut ? known : null;
  const targets = splice(before.targets, after.targets, (t) => offsets.nameTarget(t), heads?.targets);
  const remap = targetRemap(shift, before.targets.length, targets);
  const rowsKept =
    heads !== null && remap.keepsTargets(0, heads.targets) && remap.keepsTargets(heads.madeTargetsFrom, heads.occurrenceTargets);
  const occurrenceHead = rowsKept ? heads.occurrences : 0;
  return {
    base: before.version,
    version: after.version,
    shift,
    diagnostics: after.diagnostics,
    failure: after.failure,
    status: after.status,
    explaining: after.explaining,
    targets,
    occurrences: spliceOccurrences(before.occurrences, after.occurrences, remap, occurrenceHead),
    lenses: splice(before.lenses, after.lenses, (l) => offsets.lens(l), heads?.lenses),
    hints: splice(before.hints, after.hints, (h) => offsets.hint(h), heads?.hints),
    symbols: splice(before.symbols, after.symbols, (s) => offsets.symbol(s), heads?.symbols),
    statementFolds: splice(before.folding.statements, after.folding.statements, (s) => offsets.span(s), heads?.statementFolds),
    commentFolds: splice(before.folding.commentRuns, after.folding.commentRuns, (s) => offsets.span(s)),
  };
}

/** The snapshot `delta` describes, from the one it was made against (left as it was). */
export function applySnapshotDelta(before: DocumentSnapshot, delta: SnapshotDelta): DocumentSnapshot {
  return runSteps(applySnapshotDeltaSteps(before, delta));
}

export function* applySnapshotDeltaSteps(before: DocumentSnapshot, delta: SnapshotDelta): Steps<DocumentSnapshot> {
  const offsets = new Remap(delta.shift);
  const remap = targetRemap(delta.shift, before.targets.length, delta.targets);
  const snapshot: DocumentSnapshot = {
    version: delta.version,
    diagnostics: delta.diagnostics,
    status: delta.status,
    occurrences: applyOccurrences(before.occurrences, delta.occurrences, remap),
    targets: yield* applySpliceSteps(before.targets, delta.targets, (t) => offsets.nameTarget(t)),
    lenses: yield* applySpliceSteps(before.lenses, delta.lenses, (l) => offsets.lens(l)),
    hints: yield* applySpliceSteps(before.hints, delta.hints, (h) => offsets.hint(h)),
    symbols: yield* applySpliceSteps(before.symbols, delta.symbols, (s) => offsets.symbol(s)),
    folding: {
      statements: yield* applySpliceSteps(before.folding.statements, delta.statementFolds, (s) => offsets.span(s)),
      commentRuns: yield* applySpliceSteps(before.folding.commentRuns, delta.commentFolds, (s) => offsets.span(s)),
    },
    explaining: delta.explaining,
  };
  if (delta.failure) snapshot.failure = delta.failure;
  return snapshot;
}
