// Lists packed as columns for the worker's boundary (engine/api/packedList.ts,
// engine/api/snapshotWire.ts): after a structured clone with the buffers handed over, the
// objects rebuilt are the ones packed, whatever keys they have or lack; and a real snapshot
// crosses whole as a few arrays and typed arrays, not as a thousand cloned objects.

import { setFlagsFromString } from 'v8';
import { runInNewContext } from 'vm';
import { describe, expect, it } from 'vitest';
import { analyzeInStages } from '../../engine/analysis';
import { snapshotOf } from '../../engine/api/facts';
import { compactTexts, copyWithTexts, packList, packedTransfers, unpackList } from '../../engine/api/packedList';
import { deltaFromWire, deltaToWire, snapshotFromWire, snapshotToWire } from '../../engine/api/snapshotWire';
import { applySnapshotDelta, snapshotDelta } from '../../engine/api/snapshotDelta';
import type { NameTarget } from '../../engine/api/snapshot';
import { generatedChainFile } from '../../bench/editorScenarios';

setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

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

  it('carry a column of long texts as UTF-8 bytes, decoded where read', () => {
    const items = Array.from({ length: 300 }, (_, i) => ({
      name: `n${i}`,
      hover: i % 7 === 3 ? undefined : `**n${i}** · tensor ∂(Σy)/∂x — ${'0.125 '.repeat(20 + (i % 50))}😀`,
    }));
    const packed = packList(items);
    const column = packed.columns.find((c) => c.key === 'hover')!;
    expect('text' in column).toBe(true);
    expect(packedTransfers(packed)).toHaveLength(2);
    const back = unpackList<{ name: string; hover?: string }>(structuredClone(packed, { transfer: packedTransfers(packed) }));
    const expected = items.map((o) => (o.hover === undefined ? { name: o.name } : o));
    expect(back).toEqual(expected);
    expect(back.map((o) => Object.keys(o))).toEqual(expected.map((o) => Object.keys(o)));
    // A copy keeps the text undecoded; assigning the key replaces it with a plain value.
    const copy = copyWithTexts(back[0]);
    expect(typeof Object.getOwnPropertyDescriptor(copy, 'hover')?.get).toBe('function');
    expect(copy).toEqual(items[0]);
    copy.hover = 'new';
    expect(Object.getOwnPropertyDescriptor(copy, 'hover')).toMatchObject({ value: 'new', writable: true, enumerable: true });
    expect(back[0].hover).toBe(items[0].hover);
    expect({ ...back[1] }).toEqual(items[1]);
    // A copy of a copy is still lazy; a copy of an item whose text was assigned has that text.
    const again = copyWithTexts(copyWithTexts(back[2]));
    expect(typeof Object.getOwnPropertyDescriptor(again, 'hover')?.get).toBe('function');
    expect(Object.keys(again)).toEqual(Object.keys(items[2]));
    expect(again).toEqual(items[2]);
    expect(copyWithTexts(copy)).toEqual({ name: 'n0', hover: 'new' });
    expect(Object.getOwnPropertyDescriptor(copyWithTexts(copy), 'hover')).toMatchObject({ value: 'new', writable: true });
    // Short texts stay a plain column.
    expect(packList([{ hover: 'short' }]).columns[0]).toEqual({ key: 'hover', values: ['short'] });
  });

  it('rewrite texts kept from earlier lists into one buffer once those hold twice what is read', () => {
    const arrival = (tag: string) =>
      unpackList<{ hover: string }>(packList(Array.from({ length: 100 }, (_, i) => ({ hover: `${tag} ${i} ${'x'.repeat(400)}` }))));
    // Each "edit" keeps one item of the previous arrival and takes the rest from a new one.
    let kept: { hover: string }[] = arrival('a');
    for (const tag of ['b', 'c', 'd', 'e']) {
      kept = [kept[0], ...arrival(tag).slice(1)];
      compactTexts(kept);
    }
    const buffers = new Set(
      kept.map((item) => {
        const at = Object.getOwnPropertySymbols(item)[0];
        return (item as unknown as Record<symbol, { bytes: Uint8Array }>)[at].bytes;
      }),
    );
    let held = 0;
    for (const b of buffers) held += b.byteLength;
    const used = kept.reduce((n, item) => n + Buffer.byteLength(item.hover), 0);
    expect(held).toBeLessThanOrEqual(2 * used);
    expect(kept[0].hover).toBe(`a 0 ${'x'.repeat(400)}`);
    expect(kept[99].hover).toBe(`e 99 ${'x'.repeat(400)}`);
  });

  it("hold no hover strings on the receiving side after the chain file's snapshot crosses", async () => {
    const text = generatedChainFile(1000, 50);
    const snapshot = snapshotOf(analyzeInStages(text, {}).finish(), { version: 1, explain: false });
    const hoverChars = snapshot.targets.reduce((n, t) => n + t.hover.length, 0);
    expect(hoverChars).toBeGreaterThan(400_000);
    const { wire, transfer } = snapshotToWire(snapshot);
    const crossedWire = structuredClone(wire, { transfer });
    await new Promise((resolve) => setTimeout(resolve, 0));
    collect();
    collect();
    const before = process.memoryUsage().heapUsed;
    const targets = unpackList<NameTarget>(crossedWire.targets);
    collect();
    collect();
    const retained = process.memoryUsage().heapUsed - before;
    expect(targets.length).toBe(snapshot.targets.length);
    // The targets themselves (about 1,000 small objects: measured 0.3 MB), less than their
    // texts alone would be as strings (each text decoded: 1.0 MB).
    expect(retained).toBeLessThan(hoverChars);
    expect(targets[500].hover).toBe(snapshot.targets[500].hover);
    expect(snapshotFromWire(crossedWire)).toEqual(structuredClone(snapshot));
  });

  it("keep the moved items' texts undecoded when an edit in the chain file's middle changes its length", () => {
    const text = generatedChainFile(200, 50);
    const edited = text.replace('h100 = tanh(h99 @ w0) + 0.01 * h99', 'h100 = tanh(h99 @ w0) + 0.012 * h99');
    const before = snapshotOf(analyzeInStages(text, {}).finish(), { version: 1, explain: false });
    const after = snapshotOf(analyzeInStages(edited, {}).finish(), { version: 2, explain: false });
    const delta = deltaToWire(snapshotDelta(before, text, after, edited));
    // The receiving side: the previous snapshot as it crossed, then the delta.
    const base = snapshotFromWire(structuredClone(snapshotToWire(before).wire));
    const applied = applySnapshotDelta(base, deltaFromWire(structuredClone(delta.wire, { transfer: delta.transfer })));
    expect(applied).toEqual(structuredClone(after));
    // The kept tail: items of the previous snapshot, their offsets moved by the edit.
    const { tail } = delta.wire.targets;
    const kept = base.targets.slice(base.targets.length - tail);
    const moved = applied.targets.slice(applied.targets.length - tail).filter((t, i) => t !== kept[i]);
    expect(moved.length).toBeGreaterThan(100);
    // Copied with the offsets moved, the hover still read from the bytes that crossed.
    for (const t of moved) expect(typeof Object.getOwnPropertyDescriptor(t, 'hover')?.get).toBe('function');
  }, 60_000);
});
