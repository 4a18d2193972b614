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

export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
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
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
}
