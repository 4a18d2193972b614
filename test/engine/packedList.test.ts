// Lists packed as columns for the worker's boundary (engine/api/packedList.ts,
// engine/api/snapshotWire.ts): after a structured clone with the buffers handed over, the
// objects rebuilt are the ones packed, whatever keys they have or lack; and a real snapshot
// crosses whole as a few arrays and typed arrays, not as a thousand cloned objects.

import { describe, expect, it } from 'vitest';
import { analyzeInStages } from '../../engine/analysis';
import { snapshotOf } from '../../engine/api/facts';
import { packList, packedTransfers, unpackList } from '../../engine/api/packedList';
import { snapshotFromWire, snapshotToWire } from '../../engine/api/snapshotWire';
import { generatedChainFile } from '../../bench/editorScenarios';

function crossed<T extends object>(items: T[]): T[] {
  const packed = packList(items);
  return unpackList<T>(structuredClone(packed, { transfer: packedTransfers(packed) }));
}

describe('packed lists', () => {
  it('rebuild objects with missing, undefined, span, nested and mixed values', () => {
    const items: Record<string, unknown>[] = [
      { name: 'a', span: { start: 0, end: 3 }, hover: 'x', params: ['p', 'q'] },
      { name: 'b', span: { start: 7, end: 7 }, detail: undefined, flag: true, n: 1.5 },
      { name: 'c', extra: { start: 1, end: 2, more: 3 }, n: null },
      // A span-like value that is not a span (negative offset) keeps the column plain.
      { name: 'd', mixed: { start: 1, end: 2 } },
      { name: 'e', mixed: { start: -1, end: 2 } },
      {},
    ];
    const back = crossed(items);
    const expected = structuredClone(items).map((o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)));
    expect(back).toEqual(expected);
    expect(back.map((o) => Object.keys(o).sort())).toEqual(expected.map((o) => Object.keys(o).sort()));
  });

  it('pack an empty list', () => {
    expect(crossed([])).toEqual([]);
  });

  it('carry spans as typed arrays, handed over', () => {
    const packed = packList([{ span: { start: 2, end: 5 } }, { other: 1 }]);
    const column = packed.columns.find((c) => c.key === 'span')!;
    expect('spans' in column && Array.from(column.spans)).toEqual([2, 5, -1, -1]);
    expect(packedTransfers(packed)).toHaveLength(1);
  });

  it('send a whole snapshot of the chain file as arrays, and rebuild it exactly', () => {
    const text = generatedChainFile(120, 20);
    const snapshot = snapshotOf(analyzeInStages(text, {}).finish(), { version: 3, explain: false });
    const { wire, transfer } = snapshotToWire(snapshot);
    // Nothing in what crosses is a list of objects: each list is a handful of columns.
    for (const list of [wire.targets, wire.symbols, wire.hints, wire.lenses]) {
      expect(list.length).toBeGreaterThan(0);
      for (const c of list.columns)
        if ('values' in c) expect(c.values.every((v) => typeof v !== 'object' || v === null || Array.isArray(v))).toBe(true);
    }
    const rebuilt = snapshotFromWire(structuredClone(wire, { transfer }));
    expect(rebuilt).toEqual(structuredClone(snapshot));
    // The sender's own table of occurrences stays usable (a copy was handed over).
    expect(snapshot.occurrences.length).toBeGreaterThan(0);
  });
});
