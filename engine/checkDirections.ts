// The random numbers of a fast gradient check (engine/check.ts): the weight v of each y and
// the unit direction u of each x, drawn with the documented generator (engine/ops/random.ts)
// from fixed seeds, so a check gives the same numbers on every run:
//
//   v of ys[k]: normals from the seed 7919 + k, one per element of ys[k];
//   u of xs[i]: normals from the seed 104729 + i, one per element of xs[i], divided by their
//               Euclidean norm (summed in element order; a zero norm divides by 1).
//
// Both depend only on the position and the size of their tensor, and the editor runs a
// document's checks again on every analysis: drawing a direction (a logarithm and a cosine
// per element) costs more than a fast check's evaluations of a small model. So they are kept
// between checks by (seed, size), the most recently used last, up to KEPT_BYTES. They are
// shared: nothing may write into an array returned here.

import { Random } from './ops/random';

const WEIGHT_SEED = 7919;
const DIRECTION_SEED = 104729;

/** What the kept arrays may hold together, in bytes (8 per element). */
const KEPT_BYTES = 32 * 2 ** 20;

const kept = new Map<string, Float64Array>();
let keptBytes = 0;

/** Normals drawn since the process started (tests count what a check draws). */
export const drawn = { normals: 0 };

/** The fast check's weight v of `ys[k]`, of `size` elements. */
export function checkWeights(k: number, size: number): Float64Array {
  return keptOrDrawn(`v${k}:${size}`, () => normals(WEIGHT_SEED + k, size));
}

/** The fast check's unit direction u of `xs[i]`, of `size` elements. */
export function checkDirection(i: number, size: number): Float64Array {
  return keptOrDrawn(`u${i}:${size}`, () => {
    const u = normals(DIRECTION_SEED + i, size);
    let norm = 0;
    for (let j = 0; j < size; j++) norm += u[j] * u[j];
    norm = Math.sqrt(norm) || 1;
    for (let j = 0; j < size; j++) u[j] /= norm;
    return u;
  });
}

function normals(seed: number, size: number): Float64Array {
  const out = new Float64Array(size);
  new Random(seed).normals(out);
  drawn.normals += size;
  return out;
}

function keptOrDrawn(key: string, draw: () => Float64Array): Float64Array {
  const known = kept.get(key);
  if (known) {
    kept.delete(key);
    kept.set(key, known);
    return known;
  }
  const made = draw();
  if (made.byteLength > KEPT_BYTES) return made;
  while (keptBytes + made.byteLength > KEPT_BYTES) {
    const [oldestKey, oldest] = kept.entries().next().value as [string, Float64Array];
    kept.delete(oldestKey);
    keptBytes -= oldest.byteLength;
  }
  kept.set(key, made);
  keptBytes += made.byteLength;
  return made;
}
