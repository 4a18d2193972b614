// The explainer's element walks count every label assignment they read against the probe
// budget, the candidates of a routing op's window included: a max pool whose ksize is far
// past its input (a fuzz find: [1, 3, 10**6, 1] on a 4×4 input) walked 3·10⁶ candidates per
// output element with no check, and `tgraph run` stopped after 30 s.

import { describe, expect, it } from 'vitest';
import { analyze } from '../../engine/analysis';
import { explainSite } from '../../engine/explain';

describe('a routing window past its input', () => {
  it('is followed conservatively within the budget, not walked candidate by candidate', () => {
    const a = analyze(`
x = placeholder(float32, [None, 4, 4, 2])
feed x = uniform([3, 4, 4, 2], seed=1)
p = max_pool2d(x, ksize=[1, 3, 1000000, 1], strides=[1, 2, 2, 1], padding="SAME")
g = gradients(reduce_sum(p), x)[0]
`);
    expect(a.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const site = a.lookup('g')!.gradient!;
    const e = explainSite(a, site, 0);
    expect(e.conservative).toEqual([expect.stringContaining('max_pool2d')]);
    // A small window is still followed exactly: elements that are no window's maximum get 0.
    const small = analyze(`
x = placeholder(float32, [None, 4, 4, 2])
feed x = uniform([3, 4, 4, 2], seed=1)
p = max_pool2d(x, ksize=[1, 3, 3, 1], strides=[1, 2, 2, 1], padding="SAME")
g = gradients(reduce_sum(p), x)[0]
`);
    const exact = explainSite(small, small.lookup('g')!.gradient!, 0);
    expect(exact.conservative).toEqual([]);
    expect(exact.fanOut).toEqual([0, 1]);
  });
});
