// Lists of plain objects packed as columns for the analysis worker's boundary. A structured
// clone of a thousand small objects (a snapshot's targets, symbols, hints, each with span
// objects inside) is slow to deserialize — the receiving thread builds every object through
// the generic deserializer, in one task — while an array of strings or a typed array crosses
// almost for free. So a list goes as one array per key, spans as Int32Array pairs (handed
// over, not copied), and the receiver rebuilds the objects in plain JavaScript.
//
// Lossless for what snapshots hold: objects whose values are strings, numbers, booleans,
// null, spans (`{ start, end }`, offsets ≥ 0) or anything else structured-clonable (kept
// as is in its column). A key whose value is undefined is absent, as a clone would have it.

/** One key's values: spans as [start, end] pairs (start -1: absent), else as they are. */
type Column = { key: string; spans: Int32Array } | { key: string; values: unknown[] };

export interface PackedList {
  length: number;
  columns: Column[];
}

function isSpan(v: unknown): v is { start: number; end: number } {
  if (typeof v !== 'object' || v === null) return false;
  const keys = Object.keys(v);
  const s = v as { start: unknown; end: unknown };
  return (
    keys.length === 2 &&
    Number.isInteger(s.start) &&
    Number.isInteger(s.end) &&
    (s.start as number) >= 0 &&
    (s.end as number) >= 0 &&
    (s.start as number) <= 0x7fffffff &&
    (s.end as number) <= 0x7fffffff
  );
}

export function packList<T extends object>(items: readonly T[]): PackedList {
  const keys: string[] = [];
  const seen = new Set<string>();
  for (const item of items)
    for (const k of Object.keys(item))
      if (!seen.has(k)) {
        seen.add(k);
        keys.push(k);
      }
  const columns: Column[] = keys.map((key) => {
    let spans = true;
    for (const item of items) {
      const v = (item as Record<string, unknown>)[key];
      if (v !== undefined && !isSpan(v)) {
        spans = false;
        break;
      }
    }
    if (spans) {
      const pairs = new Int32Array(items.length * 2).fill(-1);
      items.forEach((item, i) => {
        const v = (item as Record<string, { start: number; end: number } | undefined>)[key];
        if (v) {
          pairs[2 * i] = v.start;
          pairs[2 * i + 1] = v.end;
        }
      });
      return { key, spans: pairs };
    }
    return { key, values: items.map((item) => (item as Record<string, unknown>)[key]) };
  });
  return { length: items.length, columns };
}

export function unpackList<T>(packed: PackedList): T[] {
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < packed.length; i++) out.push({});
  for (const column of packed.columns) {
    const key = column.key;
    if ('spans' in column) {
      const pairs = column.spans;
      for (let i = 0; i < packed.length; i++) if (pairs[2 * i] >= 0) out[i][key] = { start: pairs[2 * i], end: pairs[2 * i + 1] };
    } else {
      const values = column.values;
      for (let i = 0; i < packed.length; i++) if (values[i] !== undefined) out[i][key] = values[i];
    }
  }
  return out as T[];
}

/** The buffers of a packed list, to hand over with the message that carries it. */
export function packedTransfers(packed: PackedList, into: ArrayBuffer[] = []): ArrayBuffer[] {
  for (const c of packed.columns) if ('spans' in c && c.spans.byteLength > 0) into.push(c.spans.buffer as ArrayBuffer);
  return into;
}
