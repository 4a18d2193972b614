// The evaluation's buffer store: a released buffer comes back zeroed to a kernel that may
// leave elements unwritten, and as it is (no clearing pass) to one that writes every element.

import { describe, expect, it } from 'vitest';
import { BufferPool } from '../../engine/bufferPool';
import type { TypedData } from '../../engine/tensor';

describe('BufferPool.take', () => {
  const fresh = (): TypedData => new Float32Array(5);

  it('zeroes a reused buffer unless the kernel overwrites every element', () => {
    const pool = new BufferPool();
    const first = pool.take('float32', 5, 'float32', fresh);
    first.set([1, 2, 3, 4, 5]);
    pool.give(first);
    const zeroed = pool.take('float32', 5, 'float32', fresh);
    expect(zeroed).toBe(first);
    expect(Array.from(zeroed)).toEqual([0, 0, 0, 0, 0]);
    zeroed.set([6, 7, 8, 9, 10]);
    pool.give(zeroed);
    const kept = pool.take('float32', 5, 'float32', fresh, true);
    expect(kept).toBe(first);
    expect(Array.from(kept)).toEqual([6, 7, 8, 9, 10]);
  });

  it('allocates when no released buffer has the size and class', () => {
    const pool = new BufferPool();
    const a = pool.take('float32', 5, 'float32', fresh);
    pool.give(a);
    const b = pool.take('float32', 5, 'float64', () => new Float64Array(5), true);
    expect(b).not.toBe(a);
    expect(b).toBeInstanceOf(Float64Array);
  });
});
