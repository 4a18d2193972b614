// Buffers of released values, for `Evaluator.evaluate`: reused within one evaluation by
// liveness, and kept between evaluations up to RETAIN_BYTES.
//
// Why keep them between evaluations: a fresh typed array of a few megabytes costs far more
// than the loop that fills it (the engine maps new pages and the garbage collector runs for
// the external memory), several times a 1,000,000-element multiply. Repeated evaluations of
// one graph (a check's perturbed points, a run per input, a bench) need the same sizes each
// time; keeping the released buffers makes every evaluation after the first allocate
// almost nothing. The bound keeps an idle language server from pinning a large evaluation's
// memory: the oldest retained buffers are dropped first.

import type { DType, Precision, TypedData } from './tensor';

const RETAIN_BYTES = 128 * 2 ** 20;

/** The typed-array class a value of `dtype` is held in under `precision`, as a number. */
function arrayClassOf(dtype: DType, precision: Precision): number {
  if (dtype === 'float64' || dtype === 'int64' || (dtype === 'float32' && precision === 'float64')) return FLOAT64;
  return dtype === 'float32' ? FLOAT32 : dtype === 'int32' ? INT32 : UINT8;
}
const FLOAT32 = 0;
const FLOAT64 = 1;
const INT32 = 2;
const UINT8 = 3;

/** Free lists are keyed by class and length in one number: not a string made per take (the
 *  document's evaluation takes one buffer per node). */
function keyFor(arrayClass: number, length: number): number {
  return length * 4 + arrayClass;
}

function keyOf(data: TypedData): number {
  const arrayClass =
    data instanceof Float32Array ? FLOAT32 : data instanceof Float64Array ? FLOAT64 : data instanceof Int32Array ? INT32 : UINT8;
  return keyFor(arrayClass, data.length);
}

/** Free buffers by array class and length. */
class FreeLists {
  private readonly lists = new Map<number, TypedData[]>();

  add(data: TypedData): void {
    const key = keyOf(data);
    const list = this.lists.get(key);
    if (list) list.push(data);
    else this.lists.set(key, [data]);
  }

  take(key: number): TypedData | undefined {
    return this.lists.get(key)?.pop();
  }

  remove(data: TypedData): void {
    const list = this.lists.get(keyOf(data));
    const at = list ? list.indexOf(data) : -1;
    if (at >= 0) list!.splice(at, 1);
  }

  *all(): Iterable<TypedData> {
    for (const list of this.lists.values()) yield* list;
  }
}

/** Buffers no value holds, kept between evaluations (oldest first out). */
const retained = new FreeLists();
/** The retained buffers in the order they were retained, for dropping the oldest. */
const retainedOrder = new Set<TypedData>();
let retainedBytes = 0;

function retain(data: TypedData): void {
  if (data.byteLength > RETAIN_BYTES) return;
  while (retainedBytes + data.byteLength > RETAIN_BYTES) {
    const oldest = retainedOrder.values().next().value as TypedData;
    retainedOrder.delete(oldest);
    retained.remove(oldest);
    retainedBytes -= oldest.byteLength;
  }
  retained.add(data);
  retainedOrder.add(data);
  retainedBytes += data.byteLength;
}

function takeRetained(key: number): TypedData | undefined {
  const data = retained.take(key);
  if (data) {
    retainedOrder.delete(data);
    retainedBytes -= data.byteLength;
  }
  return data;
}

/** Bytes held between evaluations (for tests). */
export function retainedBufferBytes(): number {
  return retainedBytes;
}

/** The buffers of one `Evaluator.evaluate`. Only buffers this evaluation owns are taken back
 *  (those it allocated or took from the retained ones; never a feed's or a base evaluator's). */
export class BufferPool {
  private readonly owned = new Set<ArrayBufferLike>();
  private readonly free = new FreeLists();

  /** A buffer for a value of `dtype` and `size` elements: a released one when there is,
   *  zeroed unless the kernel will overwrite every element (`overwritten`). */
  take(dtype: DType, size: number, precision: Precision, allocate: () => TypedData, overwritten = false): TypedData {
    const key = keyFor(arrayClassOf(dtype, precision), size);
    const reused = this.free.take(key) ?? takeRetained(key);
    if (reused) {
      this.owned.add(reused.buffer);
      return overwritten ? reused : reused.fill(0);
    }
    const data = allocate();
    this.owned.add(data.buffer);
    return data;
  }

  /** A released value's buffer, which no live value holds. */
  give(data: TypedData): void {
    if (!this.owned.has(data.buffer) || data.byteOffset !== 0 || data.byteLength !== data.buffer.byteLength) return;
    this.free.add(data);
  }

  /** Ends the evaluation: its free buffers are kept for the next ones. */
  retainFree(): void {
    for (const data of this.free.all()) retain(data);
  }
}
