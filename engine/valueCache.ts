// Values by content key (engine/keys.ts): what one analysis hands to the next, so that an
// edit re-evaluates only the nodes whose key changed.
//
// A key is two 32-bit hash lanes. The table is open addressing keyed by the lanes
// themselves: a Map keyed by strings made from them cost more than evaluating 100,000 small
// nodes (a string per node, hashed again by the Map, and traced by the collector). The lanes
// are kept in plain arrays (small integers, stored unboxed), not typed arrays: an evaluator
// makes a table or two, and an analysis several evaluators; typed arrays of this size live
// outside the heap and each one made counts towards the next full collection.

import type { Tensor } from './tensor';

const MIN_CAPACITY = 16;

export class ValueCache {
  /** Empty until the first value: most tables of gradient checks and jacobians stay so. */
  private lane1: number[] = [];
  private lane2: number[] = [];
  /** undefined: an empty slot. */
  private values: (Tensor | undefined)[] = [];
  private count = 0;

  /** `expected`: how many values it will hold, when known (growing to 100,000 values one
   *  doubling at a time places each value several times). */
  constructor(expected = 0) {
    if (expected > 0) this.resize(Math.max(MIN_CAPACITY, 2 ** Math.ceil(Math.log2(expected * 2 + 1))));
  }

  /** How many keys have a value. */
  get size(): number {
    return this.count;
  }

  get(h1: number, h2: number): Tensor | undefined {
    if (this.count === 0) return undefined;
    const mask = this.values.length - 1;
    for (let i = slotOf(h1, h2, mask); ; i = (i + 1) & mask) {
      const v = this.values[i];
      if (v === undefined) return undefined;
      if (this.lane1[i] === h1 && this.lane2[i] === h2) return v;
    }
  }

  /** Sets the value of a key (replacing the one it had). */
  set(h1: number, h2: number, value: Tensor): void {
    if ((this.count + 1) * 2 > this.values.length) this.grow();
    this.place(h1, h2, value);
  }

  private place(h1: number, h2: number, value: Tensor): void {
    const mask = this.values.length - 1;
    for (let i = slotOf(h1, h2, mask); ; i = (i + 1) & mask) {
      if (this.values[i] === undefined) {
        this.lane1[i] = h1;
        this.lane2[i] = h2;
        this.values[i] = value;
        this.count++;
        return;
      }
      if (this.lane1[i] === h1 && this.lane2[i] === h2) {
        this.values[i] = value;
        return;
      }
    }
  }

  private grow(): void {
    this.resize(Math.max(MIN_CAPACITY, this.values.length * 2));
  }

  private resize(capacity: number): void {
    const { lane1, lane2, values } = this;
    this.lane1 = new Array<number>(capacity).fill(0);
    this.lane2 = new Array<number>(capacity).fill(0);
    this.values = new Array<Tensor | undefined>(capacity).fill(undefined);
    this.count = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v !== undefined) this.place(lane1[i], lane2[i], v);
    }
  }
}

/** The lanes are already well mixed hashes: their low bits pick the slot. */
function slotOf(h1: number, h2: number, mask: number): number {
  return (h1 ^ Math.imul(h2, 0x9e3779b1)) & mask;
}
