// The walk that finds an x's path (explain/path.ts sitePath) goes forward from x through the
// consumers of what it reaches, instead of over every node of the gradient's path: for a
// model with a thousand weights, each weight's walk was the whole model. These tests hold it
// to the scan it replaced (kept here as the reference: same nodes, same order, same input
// positions) on generated deep graphs, and count the nodes it looks at: the count must grow
// linearly when the depth (or the number of weights) doubles. Counts, never time.

import { describe, expect, it } from 'vitest';
import { type Analysis, analyze } from '../../engine/analysis';
import type { GradientSite } from '../../engine/autodiff';
import type { Node } from '../../engine/graph';
import { isFloat } from '../../engine/tensor';
import { factsFor } from '../../engine/explain/declared';
import { type SitePath, sitePath, walkVisits } from '../../engine/explain/path';
import { explainSite } from '../../engine/explain';
import { chainFile, fanFile, residualFile } from '../../bench/explain';

/** The scan the walk replaced: every node of the site's path in creation order, kept when a
 *  carried input is on x's path and the gradient passes through it. */
function scannedPath(site: GradientSite, xIndex: number): Pick<SitePath, 'order' | 'inputPositions' | 'inputsFrom' | 'ysReached'> {
  const x = site.xs[xIndex];
  const sorted = [...site.path].sort((a, b) => a.id - b.id);
  const reaches = new Map<Node, number>([[x, 0]]);
  const order: Node[] = [x];
  const inputPositions: number[] = [];
  const inputsFrom: number[] = [0, 0];
  const stops = new Set(site.stopGradients);
  for (const n of sorted) {
    if (n === x || n.id < x.id) continue;
    const carried = factsFor(n).carried;
    const at = n.inputs.map((i, s) => (carried[s] ? (reaches.get(i) ?? -1) : -1));
    if (at.some((p) => p >= 0) && n.op.grad !== undefined && isFloat(n.type.dtype) && !stops.has(n)) {
      reaches.set(n, order.length);
      order.push(n);
      inputPositions.push(...at);
      inputsFrom.push(inputPositions.length);
    }
  }
  return {
    order,
    inputPositions: Int32Array.from(inputPositions),
    inputsFrom: Int32Array.from(inputsFrom),
    ysReached: site.ys.map((y) => reaches.has(y)),
  };
}

const UNTIMED = { evaluationTimeoutMs: 600_000, explainTimeoutMs: 600_000 };

function analysed(text: string): Analysis {
  const a = analyze(text, UNTIMED);
  const errors = a.diagnostics.filter((d) => d.severity === 'error');
  expect(errors.map((d) => d.message)).toEqual([]);
  return a;
}

function expectSamePaths(a: Analysis): number {
  let compared = 0;
  for (const site of a.gradientSites) {
    for (let i = 0; i < site.xs.length; i++) {
      const walked = sitePath(site, i);
      const scanned = scannedPath(site, i);
      expect(walked.order.map((n) => n.id)).toEqual(scanned.order.map((n) => n.id));
      expect(walked.inputPositions).toEqual(scanned.inputPositions);
      expect(walked.inputsFrom).toEqual(scanned.inputsFrom);
      expect(walked.ysReached).toEqual(scanned.ysReached);
      expect([...walked.reaches.entries()].map(([n, k]) => [n.id, k])).toEqual(scanned.order.map((n, k) => [n.id, k]));
      compared++;
    }
  }
  return compared;
}

/** Nodes and input slots the path walks looked at while `run` ran. */
function visitsOf(run: () => void): { nodes: number; slots: number } {
  const before = { ...walkVisits };
  run();
  return { nodes: walkVisits.nodes - before.nodes, slots: walkVisits.slots - before.slots };
}

describe("the walk along an x's path", () => {
  it('finds the same path as a scan of the whole gradient, on a 1,000-layer chain with a gradient every 50 layers', () => {
    const a = analysed(chainFile(1000, 50));
    expect(expectSamePaths(a)).toBe(20);
  });

  it('finds the same paths on a fan of 1,000 weights into one loss', () => {
    const a = analysed(fanFile(1000));
    expect(expectSamePaths(a)).toBe(1000);
  });

  it('finds the same paths on a ResNet-like net with skips of one and two blocks', () => {
    const a = analysed(residualFile(60));
    expect(expectSamePaths(a)).toBe(61);
  });

  it('stops where stop_gradients says, and skips ops the gradient does not pass', () => {
    const a = analysed(
      [
        'x = placeholder(float32, [None, 3])',
        'feed x = uniform([2, 3], seed=1)',
        'w = variable(uniform([3, 3], seed=2))',
        'v = variable(uniform([3, 3], seed=3))',
        'a = tanh(x @ w)',
        'b = a @ v + stop_gradient(a) * 2.0',
        'c = b * a + cast(argmax(b, axis=1), float32)[:, None]',
        'g = gradients(reduce_sum(c) + reduce_sum(a), [w, a, v], stop_gradients=[a])',
        'h = gradients([reduce_sum(c), reduce_sum(b)], [x, w, v])',
        '',
      ].join('\n'),
    );
    expect(expectSamePaths(a)).toBe(6);
  });

  it('looks at nodes in proportion to the fan, not its square, when the weights double', () => {
    const count = (weights: number) => {
      const a = analysed(fanFile(weights));
      const site = a.gradientSites[0];
      return visitsOf(() => {
        for (let i = 0; i < site.xs.length; i++) explainSite(a, site, i);
      });
    };
    const small = count(200);
    const large = count(400);
    // Each weight's path is its layer and the tree of sums above it (log₂ of the fan): the
    // whole 400-weight gradient is looked at ~2.2 times as much as the 200-weight one. The
    // scan looked at every node of the gradient for each weight: 4 times as much.
    expect(small.nodes).toBeGreaterThan(200 * 5);
    expect(large.nodes / small.nodes).toBeGreaterThan(1.9);
    expect(large.nodes / small.nodes).toBeLessThan(2.5);
    expect(large.slots / small.slots).toBeLessThan(2.5);
  });

  it('looks at nodes in proportion to the depth when the depth doubles', () => {
    const count = (text: string, site: (a: Analysis) => GradientSite, xIndex: number) => {
      const a = analysed(text);
      return visitsOf(() => explainSite(a, site(a), xIndex));
    };
    const last = (a: Analysis) => a.gradientSites[a.gradientSites.length - 1];
    // A chain's one gradient at its end, and a residual net's gradient w.r.t. its input.
    for (const [small, large] of [
      [count(chainFile(250, 0, { last: true }), last, 0), count(chainFile(500, 0, { last: true }), last, 0)],
      [count(residualFile(100), last, 0), count(residualFile(200), last, 0)],
    ]) {
      expect(small.nodes).toBeGreaterThan(250);
      expect(large.nodes / small.nodes).toBeGreaterThan(1.9);
      expect(large.nodes / small.nodes).toBeLessThan(2.1);
      expect(large.slots / small.slots).toBeLessThan(2.1);
    }
  });

  it('says for each weight what it says for it alone, though the rows every weight reaches whole are shared', () => {
    // Past two blocks every element depends on every element of a weight below: those rows
    // are one shared array, and what a node gives from them is kept for the next weight.
    for (const text of [residualFile(12), fanFile(16)]) {
      const a = analysed(text);
      const site = a.gradientSites[0];
      const all = site.xs.map((_, i) => explainSite(a, site, i));
      expect(all.filter((e) => e.method === 'exact')).toHaveLength(site.xs.length);
      for (const i of [0, 1, Math.floor(site.xs.length / 2), site.xs.length - 1]) {
        const alone = analysed(text);
        expect(explainSite(alone, alone.gradientSites[0], i)).toEqual(all[i]);
      }
    }
  });
});
