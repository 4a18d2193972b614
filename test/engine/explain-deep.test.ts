// Deep models as users bring them: a TF 1.x script differentiating its loss with respect to
// tf.trainable_variables(). Every weight gets its full explanation (element-exact counts,
// within the default budgets), and what the xs of one gradient share (the rows and labels
// kept per node for every x) never changes what any of them says: each explanation equals
// the one made for that weight alone, in a fresh analysis, and does not depend on the order
// the weights are explained in.

import { describe, expect, it } from 'vitest';
import { type Analysis, analyze } from '../../engine/analysis';
import type { GradientSite } from '../../engine/autodiff';
import { type Explanation, explainSite } from '../../engine/explain';
import { deepConvScript, deepDenseScript } from '../../bench/explain';

function gradsOf(a: Analysis): GradientSite {
  const site = a.bindings.find((b) => b.name === 'grads')?.gradient;
  if (!site) throw new Error('no gradient bound to grads');
  return site;
}

function explainAll(text: string, order: 'first-to-last' | 'last-to-first'): Explanation[] {
  const a = analyze(text, { language: 'python' });
  const site = gradsOf(a);
  const out = new Array<Explanation>(site.xs.length);
  for (let k = 0; k < site.xs.length; k++) {
    const i = order === 'first-to-last' ? k : site.xs.length - 1 - k;
    out[i] = explainSite(a, site, i);
  }
  return out;
}

function explainAlone(text: string, i: number): Explanation {
  const a = analyze(text, { language: 'python' });
  return explainSite(a, gradsOf(a), i);
}

/** Said when an explanation is not whole: a budget ran out or it failed. */
const PARTIAL = /not explained|could not be computed|took longer|Counted from the axes/;

describe('the explanation of a deep model', () => {
  it('gives each of a 24-layer dense net’s 96 weights its full explanation, as it would alone', () => {
    const text = deepDenseScript(24);
    const all = explainAll(text, 'first-to-last');
    expect(all).toHaveLength(96);
    expect(all.filter((e) => e.method === 'exact')).toHaveLength(96);
    expect(all.filter((e) => PARTIAL.test(e.text))).toEqual([]);
    // The first layer's kernel, bias, gain and shift, one in the middle, the last layer's.
    for (const i of [0, 1, 2, 3, 49, 95]) expect(explainAlone(text, i)).toEqual(all[i]);
    expect(explainAll(text, 'last-to-first')).toEqual(all);
    // Each weight's sum runs through every layer above it: the first kernel's through 24
    // matmuls, the last one's through none but its own.
    expect(all[0].text).toMatch(/^∂\(Σloss\)\/∂w: loss has 1 element; each w\[i,j\] reaches exactly 1 element of loss/);
    expect(all[0].summedAxes.some((s) => s.origin === 'reduction' && s.summedBy === 'matmul')).toBe(true);
    expect(all[92].summedAxes.some((s) => s.origin === 'reduction' && s.summedBy === 'matmul')).toBe(false);
  });

  it('gives each of a 12-block residual conv net’s 24 weights its full explanation, as it would alone', () => {
    const text = deepConvScript(12);
    const all = explainAll(text, 'first-to-last');
    expect(all).toHaveLength(24);
    expect(all.filter((e) => e.method === 'exact')).toHaveLength(24);
    expect(all.filter((e) => PARTIAL.test(e.text))).toEqual([]);
    for (const i of [0, 1, 12, 23]) expect(explainAlone(text, i)).toEqual(all[i]);
    expect(explainAll(text, 'last-to-first')).toEqual(all);
    // The residual adds reuse each block's input: a filter below them is reached twice.
    expect(all[0].summedAxes.some((s) => s.origin === 'reuse')).toBe(true);
  });
});
