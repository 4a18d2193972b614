// Snapshots and deltas as they cross the analysis worker's boundary: every list packed as
// columns (packedList.ts), every typed array handed over. The protocol thread receives a
// document's first snapshot (a thousand targets, symbols and hints, a megabyte of hover
// text) without one long structured-clone task, and turns it back into the plain
// `DocumentSnapshot` in code that allocates only the objects themselves.

import type { Span } from '../syntax/ast';
import { packList, packedTransfers, unpackListSteps, type PackedList } from './packedList';
import { runSteps, type Steps } from './steps';
import type { DocumentSnapshot, HintData, LensData, NameTarget, SymbolData } from './snapshot';
import type { OccurrenceSplice, SnapshotDelta, Splice } from './snapshotDelta';

export interface WireSnapshot extends Omit<DocumentSnapshot, 'targets' | 'lenses' | 'hints' | 'symbols' | 'folding'> {
  targets: PackedList;
  lenses: PackedList;
  hints: PackedList;
  symbols: PackedList;
  folding: { statements: PackedList; commentRuns: PackedList };
}

interface WireSplice {
  head: number;
  tail: number;
  middle: PackedList;
}

export interface WireDelta extends Omit<SnapshotDelta, 'targets' | 'lenses' | 'hints' | 'symbols' | 'statementFolds' | 'commentFolds'> {
  targets: WireSplice;
  lenses: WireSplice;
  hints: WireSplice;
  symbols: WireSplice;
  statementFolds: WireSplice;
  commentFolds: WireSplice;
  occurrences: OccurrenceSplice;
}

/** A message's payload and the buffers to hand over with it (gone on the sender's side). */
export interface Wire<T> {
  wire: T;
  transfer: ArrayBuffer[];
}

/** `occurrences` is copied: the worker keeps its own table to diff the next snapshot with. */
export function snapshotToWire(s: DocumentSnapshot): Wire<WireSnapshot> {
  const occurrences = s.occurrences.slice();
  const wire: WireSnapshot = {
    ...s,
    occurrences,
    targets: packList(s.targets),
    lenses: packList(s.lenses),
    hints: packList(s.hints),
    symbols: packList(s.symbols),
    folding: { statements: packList(s.folding.statements), commentRuns: packList(s.folding.commentRuns) },
  };
  const transfer = [occurrences.buffer as ArrayBuffer];
  for (const list of [wire.targets, wire.lenses, wire.hints, wire.symbols, wire.folding.statements, wire.folding.commentRuns])
    packedTransfers(list, transfer);
  return { wire, transfer };
}

export function snapshotFromWire(w: WireSnapshot): DocumentSnapshot {
  return runSteps(snapshotFromWireSteps(w));
}

export function* snapshotFromWireSteps(w: WireSnapshot): Steps<DocumentSnapshot> {
  return {
    ...w,
    targets: yield* unpackListSteps<NameTarget>(w.targets),
    lenses: yield* unpackListSteps<LensData>(w.lenses),
    hints: yield* unpackListSteps<HintData>(w.hints),
    symbols: yield* unpackListSteps<SymbolData>(w.symbols),
    folding: {
      statements: yield* unpackListSteps<Span>(w.folding.statements),
      commentRuns: yield* unpackListSteps<Span>(w.folding.commentRuns),
    },
  };
}

function spliceToWire<T extends object>(s: Splice<T>, transfer: ArrayBuffer[]): WireSplice {
  const middle = packList(s.middle);
  packedTransfers(middle, transfer);
  return { head: s.head, tail: s.tail, middle };
}

function* spliceFromWireSteps<T>(s: WireSplice): Steps<Splice<T>> {
  return { head: s.head, tail: s.tail, middle: yield* unpackListSteps<T>(s.middle) };
}

/** The delta's occurrences are its own (a slice of the worker's table): handed over too. */
export function deltaToWire(d: SnapshotDelta): Wire<WireDelta> {
  const transfer: ArrayBuffer[] = [];
  if (d.occurrences.middle.byteLength > 0) transfer.push(d.occurrences.middle.buffer as ArrayBuffer);
  const wire: WireDelta = {
    ...d,
    targets: spliceToWire(d.targets, transfer),
    lenses: spliceToWire(d.lenses, transfer),
    hints: spliceToWire(d.hints, transfer),
    symbols: spliceToWire(d.symbols, transfer),
    statementFolds: spliceToWire(d.statementFolds, transfer),
    commentFolds: spliceToWire(d.commentFolds, transfer),
  };
  return { wire, transfer };
}

export function deltaFromWire(w: WireDelta): SnapshotDelta {
  return runSteps(deltaFromWireSteps(w));
}

export function* deltaFromWireSteps(w: WireDelta): Steps<SnapshotDelta> {
  return {
    ...w,
    targets: yield* spliceFromWireSteps<NameTarget>(w.targets),
    lenses: yield* spliceFromWireSteps<LensData>(w.lenses),
    hints: yield* spliceFromWireSteps<HintData>(w.hints),
    symbols: yield* spliceFromWireSteps<SymbolData>(w.symbols),
    statementFolds: yield* spliceFromWireSteps<Span>(w.statementFolds),
    commentFolds: yield* spliceFromWireSteps<Span>(w.commentFolds),
  };
}
