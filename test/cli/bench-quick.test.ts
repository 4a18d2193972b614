// The correctness half of `npm run bench -- --quick`: every workload, at its quick size,
// gives the same results as TensorFlow.js (to 1e-4), so the benchmark cannot rot into
// timing something wrong. No timing is asserted.

import { beforeAll, describe, expect, it } from 'vitest';
import { ATOL, RTOL, WORKLOADS, compare, initTfjs } from '../../bench/workloads';

describe('benchmark workloads agree with TensorFlow.js (quick sizes)', () => {
  beforeAll(() => initTfjs());

  it('compares what it says it compares', () => {
    expect(compare('same', [1, 2, 3], [1, 2, 3]).ok).toBe(true);
    expect(compare('close', [1, 2, 3.0002], [1, 2, 3]).ok).toBe(true);
    const off = compare('off', [1, 2, 3.01], [1, 2, 3]);
    expect(off.ok).toBe(false);
    expect(off.maxAbsError).toBeCloseTo(0.01, 6);
    expect(compare('length', [1, 2], [1, 2, 3]).ok).toBe(false);
    expect(compare('nan', [NaN], [1]).ok).toBe(false);
    expect(ATOL).toBe(1e-4);
    expect(RTOL).toBe(1e-4);
  });

  for (const w of WORKLOADS) {
    it(`${w.name}: every output matches`, () => {
      const p = w.prepare(1, true);
      try {
        const results = p.verify();
        expect(results.length).toBeGreaterThan(0);
        for (const r of results) {
          expect(r.elements, r.name).toBeGreaterThan(0);
          expect({ name: r.name, ok: r.ok, maxAbsError: r.maxAbsError }).toEqual({ name: r.name, ok: true, maxAbsError: r.maxAbsError });
        }
        // One repetition of each side runs without throwing.
        p.tgraph();
        p.tfjs();
      } finally {
        p.dispose();
      }
    });
  }
});
