// The documented generator behind `randint`, `uniform` and `normal`, so that a seed gives
// the same feed on every machine and in every version:
//
//   state: one 32-bit integer, initialised to `seed` (taken modulo 2^32).
//   next(): Mulberry32 —
//       state = (state + 0x6D2B79F5) mod 2^32
//       t = state; t = (t XOR (t >>> 15)) * (t | 1); t ^= t + (t XOR (t >>> 7)) * (t | 61)
//       return (t XOR (t >>> 14)) >>> 0            (32-bit multiplications, Math.imul)
//   uniform() = next() / 2^32                       in [0, 1)
//   integer(low, high) = low + floor(uniform() * (high - low))
//   normal(): Box–Muller on two uniforms u1, u2 (u1 = 1 - uniform() so it is never 0):
//       sqrt(-2 ln u1) * cos(2π u2); each call consumes two uniforms.
//
// Elements are generated in row-major order.

const STEP = 0x6d2b79f5;

/** Mulberry32's output for a state. */
function mix(state: number): number {
  let t = Math.imul(state ^ (state >>> 15), state | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return (t ^ (t >>> 14)) >>> 0;
}

/** A normal from two uniforms, u1 in (0, 1]. */
function boxMuller(u1: number, u2: number): number {
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + STEP) >>> 0;
    return mix(this.state);
  }

  uniform(): number {
    return this.next() / 4294967296;
  }

  integer(low: number, high: number): number {
    return low + Math.floor(this.uniform() * (high - low));
  }

  normal(): number {
    const u1 = 1 - this.uniform();
    const u2 = this.uniform();
    return boxMuller(u1, u2);
  }

  /** Fills `out` with the next `out.length` normals: the numbers `normal()` would give, one
   *  after the other, drawn in one loop with the state in a local (three method calls per
   *  normal cost as much as its logarithm and cosine on a check's million-element direction). */
  normals(out: Float64Array): void {
    let state = this.state;
    for (let i = 0; i < out.length; i++) {
      state = (state + STEP) >>> 0;
      const u1 = 1 - mix(state) / 4294967296;
      state = (state + STEP) >>> 0;
      const u2 = mix(state) / 4294967296;
      out[i] = boxMuller(u1, u2);
    }
    this.state = state;
  }
}
