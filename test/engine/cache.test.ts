import { describe, expect, it } from 'vitest';
import { analyze } from '../../engine/analysis';

const seed = `x = placeholder(float32, [None, 3])
feed x = [[5, 3, 7], [2, 2, 5], [7, 5, 0], [3, 7, 6]]
y = 2 * x**2
z = stack([y, y])
dz_dx = gradients(z, x)[0]
`;

describe('value cache across analyses', () => {
  it('reuses every value when nothing changed', () => {
    const first = analyze(seed);
    expect(first.stats.reused).toBe(0);
    const second = analyze(seed, { cache: first.valueCache });
    expect(second.stats.computed).toBe(0);
    expect(second.stats.reused).toBeGreaterThan(5);
    const v = second.lookup('dz_dx')!.value;
    expect(v.kind === 'tensor' && Array.from(second.valueOf(v.node)!.data)).toEqual([40, 24, 56, 16, 16, 40, 56, 40, 0, 24, 56, 48]);
  });

  it('recomputes only what an edit reaches', () => {
    const first = analyze(seed);
    const edited = seed + 'w = 3 * y\n';
    const second = analyze(edited, { cache: first.valueCache });
    // only the new multiply (and its literal) are computed
    expect(second.stats.computed).toBeLessThanOrEqual(2);
    const changedFeed = seed.replace('[3, 7, 6]', '[3, 7, 1]');
    const third = analyze(changedFeed, { cache: first.valueCache });
    expect(third.stats.computed).toBeGreaterThan(3);
    const v = third.lookup('dz_dx')!.value;
    expect(v.kind === 'tensor' && third.valueOf(v.node)!.data[11]).toBe(8);
  });
});
