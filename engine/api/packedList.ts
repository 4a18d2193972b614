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
//
// A column of long texts (a snapshot's hovers: half a megabyte of markdown on a deep model,
// all of it new after a feed edit) crosses as UTF-8 bytes, handed over, and is decoded
// only where it is read: the receiver's objects hold the text as an accessor over the bytes,
// so an arrival allocates no strings on the receiving thread's heap (they were its largest
// allocation, and the garbage its collector paused for). The accessor reads like the value;
// assigning the key replaces it with a plain value.

import { runSteps, stepEnds, type Steps } from './steps';

/** One key's values: spans as [start, end] pairs (start -1: absent); long texts as UTF-8
 *  bytes with [start, end] byte offsets per item (start -1: absent); else as they are. */
type Column =
  { key: string; spans: Int32Array } | { key: string; text: Uint8Array; bounds: Int32Array } | { key: string; values: unknown[] };

/** A column of strings totalling at least this many characters, and this many on average,
 *  crosses as bytes: short texts (names, types, inlay hints) cost more as lazy ones (an
 *  accessor and its offsets per object) than as strings. */
const TEXT_COLUMN_MIN_CHARS = 16 * 1024;
const TEXT_COLUMN_MIN_AVERAGE = 64;

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
    const values = items.map((item) => (item as Record<string, unknown>)[key]);
    return textColumn(key, values) ?? { key, values };
  });
  return { length: items.length, columns };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** `values` as UTF-8 bytes, when they are all strings (or absent) and long. */
function textColumn(key: string, values: readonly unknown[]): Column | undefined {
  let chars = 0;
  let count = 0;
  for (const v of values) {
    if (v === undefined) continue;
    if (typeof v !== 'string') return undefined;
    chars += v.length;
    count++;
  }
  if (chars < TEXT_COLUMN_MIN_CHARS || chars < TEXT_COLUMN_MIN_AVERAGE * count) return undefined;
  // (a UTF-16 code unit is at most 3 bytes of UTF-8)
  const bytes = new Uint8Array(chars * 3);
  const bounds = new Int32Array(values.length * 2).fill(-1);
  let at = 0;
  values.forEach((v, i) => {
    if (v === undefined) return;
    bounds[2 * i] = at;
    at += encoder.encodeInto(v as string, bytes.subarray(at)).written;
    bounds[2 * i + 1] = at;
  });
  return { key, text: bytes.slice(0, at), bounds };
}

/** Where a lazily decoded text is: its column's bytes and its offsets there. */
interface TextAt {
  bytes: Uint8Array;
  start: number;
  end: number;
}

/** Per key, the hidden property holding an object's `TextAt`, and the accessor over it
 *  (one per key, shared by every object: their hidden classes stay shared too). */
const textAccessors = new Map<string, { at: symbol; descriptor: PropertyDescriptor }>();

function textAccessor(key: string): { at: symbol; descriptor: PropertyDescriptor } {
  let accessor = textAccessors.get(key);
  if (!accessor) {
    const at = Symbol(`${key} bytes`);
    accessor = {
      at,
      descriptor: {
        enumerable: true,
        configurable: true,
        get(this: Record<symbol, TextAt>) {
          const t = this[at];
          return decoder.decode(t.bytes.subarray(t.start, t.end));
        },
        set(this: Record<symbol, unknown>, value: unknown) {
          Object.defineProperty(this, key, { value, writable: true, enumerable: true, configurable: true });
          // The bytes are not read any more (copies and compaction look for this).
          this[at] = undefined;
        },
      },
    };
    textAccessors.set(key, accessor);
  }
  return accessor;
}

/** A copy of an object with its lazily decoded texts still lazy (a spread would decode them).
 *  An edit that changes the text's length copies every item after it whose offsets move (a
 *  thousand on a deep model, on every keystroke in its middle): key by key, with the shared
 *  accessor, as `unpackList` makes them, not through property descriptors of every key. */
export function copyWithTexts<T extends object>(item: T): T {
  const from = item as Record<string | symbol, unknown>;
  const out: Record<string | symbol, unknown> = {};
  for (const key of Object.keys(item)) {
    const accessor = textAccessors.get(key);
    const at = accessor && (from[accessor.at] as TextAt | undefined);
    if (at) {
      Object.defineProperty(out, key, accessor.descriptor);
      Object.defineProperty(out, accessor.at, { value: at, writable: true });
    } else out[key] = from[key];
  }
  return out as T;
}

/** Rewrites the texts that `items` still read from the bytes of earlier lists (kept items of
 *  a delta) into one buffer of their own, once those buffers hold more than twice what the
 *  items read: kept items would otherwise hold every earlier arrival's bytes alive. */
export function compactTexts(items: readonly object[]): void {
  runSteps(compactTextsSteps(items));
}

export function* compactTextsSteps(items: readonly object[]): Steps<void> {
  for (const { at } of textAccessors.values()) {
    const buffers = new Set<Uint8Array>();
    let used = 0;
    for (let i = 0; i < items.length; i++) {
      const t = (items[i] as Record<symbol, TextAt | undefined>)[at];
      if (t) {
        buffers.add(t.bytes);
        used += t.end - t.start;
      }
      if (stepEnds(i)) yield;
    }
    let held = 0;
    for (const b of buffers) held += b.byteLength;
    if (buffers.size <= 1 || held <= 2 * used) continue;
    const bytes = new Uint8Array(used);
    let to = 0;
    for (let i = 0; i < items.length; i++) {
      const item = items[i] as Record<symbol, TextAt>;
      const t = item[at];
      if (t) {
        bytes.set(t.bytes.subarray(t.start, t.end), to);
        // Every holder of this item (an older snapshot too, read between steps) reads the
        // same text from the copy as from the bytes it had.
        item[at] = { bytes, start: to, end: to + t.end - t.start };
        to += t.end - t.start;
      }
      if (stepEnds(i)) yield;
    }
  }
}

export function unpackList<T>(packed: PackedList): T[] {
  return runSteps(unpackListSteps<T>(packed));
}

export function* unpackListSteps<T>(packed: PackedList): Steps<T[]> {
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < packed.length; i++) out.push({});
  for (const column of packed.columns) {
    const key = column.key;
    if ('spans' in column) {
      const pairs = column.spans;
      for (let i = 0; i < packed.length; i++) {
        if (pairs[2 * i] >= 0) out[i][key] = { start: pairs[2 * i], end: pairs[2 * i + 1] };
        if (stepEnds(i)) yield;
      }
    } else if ('text' in column) {
      const { at, descriptor } = textAccessor(key);
      const { text: bytes, bounds } = column;
      for (let i = 0; i < packed.length; i++) {
        if (bounds[2 * i] >= 0) {
          Object.defineProperty(out[i], key, descriptor);
          Object.defineProperty(out[i], at, { value: { bytes, start: bounds[2 * i], end: bounds[2 * i + 1] }, writable: true });
        }
        if (stepEnds(i)) yield;
      }
    } else {
      const values = column.values;
      for (let i = 0; i < packed.length; i++) {
        if (values[i] !== undefined) out[i][key] = values[i];
        if (stepEnds(i)) yield;
      }
    }
  }
  return out as T[];
}

/** The buffers of a packed list, to hand over with the message that carries it. */
export function packedTransfers(packed: PackedList, into: ArrayBuffer[] = []): ArrayBuffer[] {
  for (const c of packed.columns) {
    if ('spans' in c && c.spans.byteLength > 0) into.push(c.spans.buffer as ArrayBuffer);
    if ('text' in c) for (const b of [c.text, c.bounds]) if (b.byteLength > 0) into.push(b.buffer as ArrayBuffer);
  }
  return into;
}
