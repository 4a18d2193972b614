// The explanation of the sum behind each gradient (engine/explain.ts): the issue's acceptance
// cases, one fixture per ORIGIN (test/fixtures/explain/), the exact element-level method
// against the structural one and against the document's own `jacobian`, the per-element
// contributions against the gradient entries, budgets, and the JSON contract.

import { describe, expect, it } from 'vitest';
import * as fs from 'fs';
import * as path from 'path';
import { analyze, type Analysis, type Binding } from '../../engine/analysis';
import type { GradientSite } from '../../engine/autodiff';
import type { Node } from '../../engine/graph';
import { type Explanation, explainBinding, explainSite, explanationLines, explanationsJson } from '../../engine/explain';
import { contributions, jacobianOf } from '../../engine/explain/elements';
import { hasOps } from '../support/engine';
import { withJumpingClock } from '../support/clock';
import { VjpRows } from '../../engine/explain/numeric';
import { ExplainTimeout } from '../../engine/explain/path';

const dir = path.join(__dirname, '..', 'fixtures', 'explain');
const fixture = (name: string) => fs.readFileSync(path.join(dir, `${name}.tgraph`), 'utf8');

function load(source: string): Analysis {
  const a = analyze(source);
  const errors = a.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) throw new Error(errors.map((d) => `${d.code}: ${d.message}`).join('\n'));
  return a;
}

function binding(a: Analysis, name: string): Binding {
  const b = a.lookup(name);
  if (!b) throw new Error(`${name} is not bound`);
  return b;
}

function tensorOf(a: Analysis, name: string) {
  const v = binding(a, name).value;
  if (v.kind !== 'tensor') throw new Error(`${name} is not a tensor`);
  return a.valueOf(v.node)!;
}

/** The explanation of a gradient binding holding one tensor. */
function explain(a: Analysis, name: string, options = {}): Explanation {
  const b = binding(a, name);
  expect(b.kind).toBe('gradient');
  const site = b.gradient!;
  const node = b.value.kind === 'tensor' ? b.value.node : null;
  const i = node ? site.grads.indexOf(node) : 0;
  return explainSite(a, site, i, options);
}

function siteOf(a: Analysis, name: string): { site: GradientSite; xIndex: number } {
  const b = binding(a, name);
  const site = b.gradient!;
  const node = b.value.kind === 'tensor' ? b.value.node : null;
  return { site, xIndex: node ? site.grads.indexOf(node) : 0 };
}

const axesOf = (e: Explanation) => e.summedAxes.map((s) => ({ tensor: s.tensor, axis: s.axis, size: s.size, origin: s.origin }));

describe('acceptance: the seed example', () => {
  const a = load(fixture('seed'));

  it('dz_dx: 24 ys elements, every x reaches 2, axis 0 of z (size 2) summed from stack', () => {
    const e = explain(a, 'dz_dx');
    expect(e.ysElements).toBe(24);
    expect(e.xElements).toBe(12);
    expect(e.fanOut).toEqual([2, 2]);
    expect(e.method).toBe('exact');
    expect(axesOf(e)).toEqual([{ tensor: 'z', axis: 0, size: 2, origin: 'stack' }]);
    expect(e.summedAxes[0]).toMatchObject({ line: 6, op: 'stack', copiesOf: 'y', batch: false });
    expect(e.batchSize).toBeNull();
    expect(e.advice).toBeNull();
    expect(e.text).toBe(
      '∂(Σz)/∂x: z has 24 elements; each x[i,j] reaches 2 of them (axis 0 of z, size 2, from stack at line 6), so each entry is a sum of 2 terms — 2 × ∂y/∂x.',
    );
  });

  it('dy_dx: fan-out 1, nothing summed (even where the derivative is 0: x[2,2] = 0)', () => {
    const e = explain(a, 'dy_dx');
    expect(e.ysElements).toBe(12);
    expect(e.fanOut).toEqual([1, 1]);
    expect(e.summedAxes).toEqual([]);
    expect(e.batchSize).toBeNull();
    expect(e.text).toBe(
      '∂(Σy)/∂x: y has 12 elements; each x[i,j] reaches exactly 1 element of y, so nothing is summed: the gradient is the per-element derivative.',
    );
    // x[2,2] = 0: dy/dx = 4x = 0 there, but the term is in the sum all the same.
    const { site, xIndex } = siteOf(a, 'dy_dx');
    const c = contributions(a, site, xIndex, 2 * 3 + 2)!;
    expect(c.count).toBe(1);
    expect(c.terms).toEqual([{ ysTensor: 'y', ysIndex: 0, yIndex: [2, 2], weight: 1, derivative: 0, partial: 0 }]);
  });

  it('dz_dx at x[0,0] = 5: two terms of 4x = 20 each, adding up to the entry 40', () => {
    const { site, xIndex } = siteOf(a, 'dz_dx');
    const c = contributions(a, site, xIndex, 0)!;
    expect(c.xIndex).toEqual([0, 0]);
    expect(c.terms.map((t) => [t.yIndex, t.partial])).toEqual([
      [[0, 0, 0], 20],
      [[1, 0, 0], 20],
    ]);
    expect(c.total).toBe(40);
    expect(c.gradient).toBe(40);
  });
});

describe('acceptance: the DDPG actor gradient', () => {
  const a = load(fixture('ddpg'));
  const e = explain(a, 'actor_grad');

  it('sums the batch axis of 4 and advises dividing by the batch size', () => {
    expect(e.ysElements).toBe(8);
    expect(e.fanOut).toEqual([4, 4]);
    expect(axesOf(e)).toEqual([{ tensor: 'actions', axis: 0, size: 4, origin: 'batch' }]);
    expect(e.summedAxes[0]).toMatchObject({ batch: true, batchOf: 's', op: 'matmul', line: 7 });
    expect(e.batchSize).toBe(4);
    expect(e.advice).toBe('divide');
    expect(e.meaning).toBe('∂(Σ((-action_grads)·actions))/∂w');
    expect(e.text).toContain('the batch axis of s');
    expect(e.text).toContain('divide by the batch size 4 for the mean');
  });

  it('its terms are the per-example gradients, weighted by grad_ys, adding up to the entry', () => {
    const { site, xIndex } = siteOf(a, 'actor_grad');
    const [s, ag, act, grad] = ['s', 'action_grads', 'actions', 'actor_grad'].map((n) => tensorOf(a, n));
    // w[1, 0]: row b contributes -ag[b,0] * (1 - actions[b,0]²) * s[b,1].
    const c = contributions(a, site, xIndex, 1 * 2 + 0)!;
    expect(c.count).toBe(4);
    expect(c.terms.map((t) => t.yIndex)).toEqual([
      [0, 0],
      [1, 0],
      [2, 0],
      [3, 0],
    ]);
    c.terms.forEach((t, b) => {
      expect(t.weight).toBeCloseTo(-ag.data[b * 2], 6);
      const expected = -ag.data[b * 2] * (1 - act.data[b * 2] ** 2) * s.data[b * 3 + 1];
      expect(t.partial).toBeCloseTo(expected, 5);
    });
    expect(c.total).toBeCloseTo(grad.data[2], 5);
    expect(c.gradient).toBe(grad.data[2]);
  });
});

describe('acceptance: a bias broadcast over [None, 2, 3]', () => {
  it('fan-out 4, two summed axes: the batch axis and a broadcast axis', () => {
    const a = load(fixture('broadcast'));
    const e = explain(a, 'db');
    expect(e.fanOut).toEqual([4, 4]);
    expect(axesOf(e)).toEqual([
      { tensor: 'y', axis: 0, size: 2, origin: 'batch' },
      { tensor: 'y', axis: 1, size: 2, origin: 'broadcast' },
    ]);
    expect(e.summedAxes[0]).toMatchObject({ batch: true, batchOf: 'h', op: 'add' });
    expect(e.summedAxes[1].batch).toBe(false);
    expect(e.batchSize).toBe(2);
    expect(e.advice).toBe('divide');
  });
});

describe('acceptance: reduce_sum vs reduce_mean over the batch inside the loss', () => {
  const a = load(fixture('reduction'));

  it('reduce_sum(square(x @ w)): a batch sum of 4 inside the loss, batchSize 4', () => {
    const e = explain(a, 'g_sum');
    expect(e.fanOut).toEqual([1, 1]);
    expect(axesOf(e)).toEqual([{ tensor: 'square(x @ w)', axis: 0, size: 4, origin: 'reduction' }]);
    expect(e.summedAxes[0]).toMatchObject({ batch: true, batchOf: 'x', createdBy: 'batch', summedBy: 'reduce_sum', line: 5 });
    expect(e.summedAxes[0].mean).toBeUndefined();
    expect(e.batchSize).toBe(4);
    expect(e.advice).toBe('divide');
    expect(e.text).toContain('reduce_sum at line 5 sums axis 0 of square(x @ w) (size 4, the batch axis of x)');
    expect(e.text).toContain('divide by the batch size 4');
  });

  it('reduce_mean(reduce_sum(..., axis=1)): already a mean, nothing to divide', () => {
    const e = explain(a, 'g_mean');
    expect(axesOf(e)).toEqual([{ tensor: 'reduce_sum(square(x @ w), axis=1)', axis: 0, size: 4, origin: 'reduction' }]);
    expect(e.summedAxes[0]).toMatchObject({ batch: true, mean: true, meanBy: 'reduce_mean at line 6', summedBy: 'reduce_mean' });
    expect(e.batchSize).toBeNull();
    expect(e.advice).toBe('already-mean');
    expect(e.text).toContain('already divided by the batch size 4');
    expect(e.text).not.toContain('divide by the batch size');
  });

  it('a division by the batch size after the sum is a mean too', () => {
    const e = explain(a, 'g_div');
    expect(e.summedAxes[0]).toMatchObject({ origin: 'reduction', batch: true, mean: true, meanBy: 'divide at line 9' });
    expect(e.advice).toBe('already-mean');
    expect(e.batchSize).toBeNull();
  });
});

describe('one fixture per origin', () => {
  // `size` is the axis's length; `reach` how many of its positions one element of x reaches.
  const cases: {
    file: string;
    name: string;
    ops?: string[];
    fanOut: [number, number];
    axes: ReturnType<typeof axesOf>;
    copiesOf?: string;
    reach?: number;
  }[] = [
    { file: 'seed', name: 'dz_dx', fanOut: [2, 2], axes: [{ tensor: 'z', axis: 0, size: 2, origin: 'stack' }], copiesOf: 'y' },
    { file: 'stack', name: 'g', fanOut: [3, 3], axes: [{ tensor: 'z', axis: 1, size: 3, origin: 'stack' }] },
    {
      file: 'concat',
      name: 'g',
      ops: ['concat'],
      fanOut: [2, 2],
      axes: [{ tensor: 'z', axis: 1, size: 6, origin: 'concat' }],
      copiesOf: 'y',
      reach: 2,
    },
    {
      file: 'tile',
      name: 'g',
      ops: ['tile'],
      fanOut: [3, 3],
      axes: [{ tensor: 'z', axis: 1, size: 6, origin: 'tile' }],
      copiesOf: 'y',
      reach: 3,
    },
    {
      file: 'broadcast',
      name: 'db',
      fanOut: [4, 4],
      axes: [
        { tensor: 'y', axis: 0, size: 2, origin: 'batch' },
        { tensor: 'y', axis: 1, size: 2, origin: 'broadcast' },
      ],
    },
    { file: 'batch', name: 'gw', fanOut: [4, 4], axes: [{ tensor: 'y', axis: 0, size: 4, origin: 'batch' }] },
    // Not a broadcast: the columns of y are w's own axis, which x meets in the product.
    { file: 'batch', name: 'gx', fanOut: [2, 2], axes: [{ tensor: 'y', axis: 1, size: 2, origin: 'other' }] },
    { file: 'reduction', name: 'g_sum', fanOut: [1, 1], axes: [{ tensor: 'square(x @ w)', axis: 0, size: 4, origin: 'reduction' }] },
    { file: 'ys-list', name: 'g', fanOut: [2, 2], axes: [{ tensor: '[y1, y2]', axis: 0, size: 2, origin: 'ys-list' }] },
    { file: 'reuse', name: 'g', fanOut: [1, 1], axes: [{ tensor: 'x', axis: 0, size: 2, origin: 'reuse' }] },
    { file: 'other', name: 'g', ops: ['cumsum'], fanOut: [1, 4], axes: [{ tensor: 'y', axis: 0, size: 4, origin: 'other' }] },
  ];
  for (const c of cases) {
    it.skipIf(!hasOps(...(c.ops ?? [])))(`${c.file}: ${c.name} → ${c.axes.map((x) => x.origin).join(', ')}`, () => {
      const a = load(fixture(c.file));
      const e = explain(a, c.name);
      expect(e.fanOut).toEqual(c.fanOut);
      expect(axesOf(e)).toEqual(c.axes);
      if (c.copiesOf) expect(e.summedAxes[0].copiesOf).toBe(c.copiesOf);
      expect(e.summedAxes[0].reach).toBe(c.reach ?? c.axes[0].size);
      expect(e.text.endsWith('.')).toBe(true);
      expect(e.text.split('. ').length).toBe(1);
    });
  }

  it('concat and tile name the copies: the sum is k × the copied gradient', () => {
    if (!hasOps('concat', 'tile')) return;
    expect(explain(load(fixture('concat')), 'g').text).toContain('2 × ∂y/∂x');
    expect(explain(load(fixture('tile')), 'g').text).toContain('3 × ∂y/∂x');
  });

  it('reuse: the uses meet again elementwise; a stack of different functions of x is not a reuse', () => {
    const reuse = explain(load(fixture('reuse')), 'g');
    expect(reuse.text).toContain('x is used 2 times');
    const stack = explain(load(fixture('stack')), 'g');
    expect(stack.summedAxes.some((s) => s.origin === 'reuse')).toBe(false);
    const list = explain(load(fixture('ys-list')), 'g');
    expect(list.summedAxes.some((s) => s.origin === 'reuse')).toBe(false);
  });
});

/** Every gradient binding of every fixture whose ops are registered. */
function allGradients(): { file: string; a: Analysis; name: string; site: GradientSite; xIndex: number }[] {
  const out: { file: string; a: Analysis; name: string; site: GradientSite; xIndex: number }[] = [];
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.tgraph'))) {
    const source = fs.readFileSync(path.join(dir, f), 'utf8');
    let a: Analysis;
    try {
      a = load(source);
    } catch {
      continue; // an op of the fixture is not there yet (written concurrently)
    }
    for (const b of a.bindings) {
      if (b.kind !== 'gradient' || b.value.kind !== 'tensor') continue;
      out.push({ file: f, a, name: b.name, ...siteOf(a, b.name) });
    }
  }
  return out;
}

describe('exact and structural methods agree', () => {
  const gradients = allGradients();
  it('covers the fixtures', () => expect(gradients.length).toBeGreaterThanOrEqual(14));
  for (const g of gradients) {
    it(`${g.file}: ${g.name}`, () => {
      const exact = explainSite(g.a, g.site, g.xIndex);
      const structural = explainSite(g.a, g.site, g.xIndex, { maxJacobianEntries: 0 });
      expect(exact.method).toBe('exact');
      expect(structural.method).toBe('structure');
      if (exact.guessed.length) {
        // cumsum: the structure only guesses its axes; the exact pattern is the truth.
        expect(structural.guessed).toEqual(exact.guessed);
        return;
      }
      expect(structural.fanOut).toEqual(exact.fanOut);
      expect(axesOf(structural)).toEqual(axesOf(exact));
      expect(structural.batchSize).toBe(exact.batchSize);
    });
  }
});

describe('the exact pattern against the numbers', () => {
  it("jacobianOf equals the document's own jacobian(), and its pattern covers every nonzero", () => {
    let compared = 0;
    for (const f of fs.readdirSync(dir)) {
      let a: Analysis;
      try {
        a = load(fs.readFileSync(path.join(dir, f), 'utf8'));
      } catch {
        continue;
      }
      const J = a.lookup('J') ?? a.lookup('Jw');
      if (!J || J.value.kind !== 'tensor') continue;
      const jNode = J.value.node;
      // `J = jacobian(y, x)`: find the gradient binding with the same y and x
      const m = /jacobian\((\w+), (\w+)\)/.exec(a.text.slice(J.stmt.span.start, J.stmt.span.end))!;
      const [yNode, xNode] = [m[1], m[2]].map((n) => (binding(a, n).value as { node: Node }).node);
      const g = a.bindings.find(
        (b) => b.gradient && b.gradient.ys.length === 1 && b.gradient.ys[0] === yNode && b.gradient.xs.includes(xNode),
      );
      expect(g, f).toBeDefined();
      const site = g!.gradient!;
      const pic = jacobianOf(a, site, site.xs.indexOf(xNode))!;
      expect(pic, f).not.toBeNull();
      const want = a.valueOf(jNode)!;
      expect(pic.rows * pic.cols).toBe(want.data.length);
      for (let i = 0; i < want.data.length; i++) {
        expect(pic.values[i], `${f} entry ${i}`).toBeCloseTo(want.data[i], 4);
        if (want.data[i] !== 0) expect(pic.pattern[i], `${f} entry ${i} is a term`).toBe(1);
      }
      // Rows with disjoint patterns share an evaluation.
      expect(pic.evaluations).toBeLessThanOrEqual(pic.rows);
      compared++;
    }
    expect(compared).toBeGreaterThanOrEqual(6);
  });

  it('the seed Jacobian takes 2 evaluations, not 24 (one per stacked copy)', () => {
    const a = load(fixture('seed'));
    const { site, xIndex } = siteOf(a, 'dz_dx');
    const pic = jacobianOf(a, site, xIndex)!;
    expect(pic.rows).toBe(24);
    expect(pic.cols).toBe(12);
    expect(pic.evaluations).toBe(2);
    expect(pic.pattern.reduce((n, v) => n + v, 0)).toBe(24);
  });

  it('contributions add up to every gradient entry, one term per ys element reached', () => {
    for (const g of allGradients()) {
      const e = explainSite(g.a, g.site, g.xIndex);
      const grad = g.a.valueOf(g.site.grads[g.xIndex]!)!;
      const n = Math.min(grad.data.length, 12);
      for (let i = 0; i < n; i++) {
        const c = contributions(g.a, g.site, g.xIndex, i)!;
        expect(c, `${g.file} ${g.name}[${i}]`).not.toBeNull();
        expect(c.count).toBeGreaterThanOrEqual(e.fanOut![0]);
        expect(c.count).toBeLessThanOrEqual(e.fanOut![1]);
        expect(c.truncated).toBe(false);
        const tol = 1e-4 * Math.max(1, Math.abs(grad.data[i]), ...c.terms.map((t) => Math.abs(t.partial)));
        expect(Math.abs(c.total - grad.data[i]), `${g.file} ${g.name}[${i}]: ${c.total} vs ${grad.data[i]}`).toBeLessThanOrEqual(tol);
      }
    }
  });

  it('contributions are bounded by maxTerms', () => {
    const a = load(fixture('batch'));
    const { site, xIndex } = siteOf(a, 'gw');
    const c = contributions(a, site, xIndex, 0, { maxTerms: 3 })!;
    expect(c.count).toBe(4);
    expect(c.terms.length).toBe(3);
    expect(c.truncated).toBe(true);
  });
});

describe('beyond the budget, unfed, unconnected, stopped', () => {
  it('a Jacobian over 1e5 entries is explained from the structure, fast', () => {
    const a = load(`
x = placeholder(float32, [None, 60])
feed x = uniform([500, 60], seed=1)
w = variable(normal([60, 20], seed=2))
b = variable(zeros([20]))
y = relu(x @ w + b)
gw = gradients(y, w)[0]
gb = gradients(reduce_mean(y), b)[0]
`);
    const t0 = Date.now();
    const gw = explain(a, 'gw');
    expect(gw.method).toBe('structure');
    expect(gw.ysElements).toBe(10000);
    expect(gw.fanOut).toEqual([500, 500]);
    expect(axesOf(gw)).toEqual([{ tensor: 'y', axis: 0, size: 500, origin: 'batch' }]);
    expect(gw.batchSize).toBe(500);
    const gb = explain(a, 'gb');
    expect(gb.fanOut).toEqual([1, 1]);
    expect(gb.method).toBe('exact'); // 1 ys element × 20
    expect(gb.summedAxes.map((s) => [s.origin, s.size, s.mean, s.createdBy])).toEqual([['reduction', 500, true, 'batch']]);
    expect(gb.advice).toBe('already-mean');
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  it('a gradient path too long to follow in the time budget: the plain meaning, and why', () => {
    // A chain of 3,000 statements (a path of 6,000 nodes) explained on a clock that moves an
    // hour at each reading: the budget has run out at its first look, however fast or busy the
    // machine (a 1 ms race against the walk would depend on it).
    const lines = ['a0 = placeholder(float32, [2])', 'feed a0 = [1., 2.]'];
    for (let i = 1; i < 3000; i++) lines.push(`a${i} = a${i - 1} * 1.0001 + 1.`);
    lines.push('g = gradients(a2999, a0)[0]');
    const a = load(lines.join('\n') + '\n');
    const site = binding(a, 'g').gradient!;
    const quick = withJumpingClock(() => explainSite(a, site, 0, { timeMs: 1000 }));
    expect(quick.method).toBe('none');
    expect(quick.fanOut).toBeNull();
    expect(quick.text).toMatch(
      /^∂\(Σa2999\)\/∂a0.*the explanation could not be computed: the (gradient's path has [\d,]+ nodes|ys descend from [\d,]+ nodes), more than can be followed in time\)\.$/,
    );
    // Given the time, the same path is followed.
    const full = explainSite(a, site, 0, { timeMs: 600_000 });
    expect(full.method).toBe('exact');
    expect(full.fanOut).toEqual([1, 1]);
  });

  it('without feeds, the structure still counts what it can', () => {
    const a = analyze(fixture('seed').replace(/^feed .*$/m, ''));
    const e = explain(a, 'dz_dx');
    expect(e.ysElements).toBeNull();
    expect(e.method).toBe('structure');
    expect(e.fanOut).toEqual([2, 2]);
    expect(axesOf(e)).toEqual([{ tensor: 'z', axis: 0, size: 2, origin: 'stack' }]);
    expect(e.text).toContain('unknown number of elements');
    const d = analyze(fixture('ddpg').replace(/^feed s .*$/m, ''));
    const ddpg = explain(d, 'actor_grad');
    expect(ddpg.fanOut).toBeNull();
    expect(ddpg.summedAxes.map((s) => [s.origin, s.size])).toEqual([['batch', null]]);
    expect(ddpg.advice).toBe('divide');
  });

  it('an x no y depends on: None in a list, zeros with unconnected_gradients', () => {
    const a = load(`
x = placeholder(float32, [3])
feed x = [1., 2., 3.]
u = variable([1., 2.])
y = x * 2
gs = gradients(y, [x, u])
gz = gradients(y, u, unconnected_gradients='zero')[0]
`);
    const list = explainBinding(a, binding(a, 'gs')) as (Explanation | null)[];
    expect(list).toHaveLength(2);
    expect(list[0]!.fanOut).toEqual([1, 1]);
    expect(list[1]).toBeNull();
    const json = explanationsJson(a);
    expect(Array.isArray(json.gs)).toBe(true);
    expect((json.gs as unknown[])[1]).toBeNull();
    const z = explain(a, 'gz');
    expect(z.method).toBe('none');
    expect(z.fanOut).toEqual([0, 0]);
    expect(z.text).toContain('nothing to sum');
  });

  it("stop_gradients cut a route: TensorFlow's own example is not a reuse", () => {
    const a = load(`
a = variable(0.)
b = 2 * a
g = gradients(a + b, [a, b], stop_gradients=[a, b])
[ga, gb] = g
assert allclose(ga, 1.)
`);
    const [ea, eb] = explainBinding(a, binding(a, 'g')) as Explanation[];
    expect(ea.fanOut).toEqual([1, 1]);
    expect(ea.summedAxes).toEqual([]);
    expect(eb.fanOut).toEqual([1, 1]);
  });

  it('second-order gradients are explained through the gradient ops', () => {
    const a = load(`
x = placeholder(float32, [2, 3])
feed x = [[1., 2., 3.], [4., 5., 6.]]
g = gradients(reduce_sum(x**3), x)[0]
h = gradients(g, x)[0]
assert allclose(h, 6 * x)
`);
    const e = explain(a, 'h');
    expect(e.fanOut).toEqual([1, 1]);
    expect(e.summedAxes).toEqual([]);
    expect(e.conservative).toEqual([]);
  });

  it('a def with a grad rule is followed conservatively', () => {
    const a = load(`
x = placeholder(float32, [3])
feed x = [1., 2., 3.]
def f(v) = v * 2
grad f(v, dy) = dy * 2
g = gradients(f(x), x)[0]
`);
    const e = explain(a, 'g');
    expect(e.conservative).toEqual(['f (grad rule)']);
    expect(e.fanOut).toEqual([3, 3]);
  });

  it("explaining through a grad rule and a def builds in its own graph, not the document's", () => {
    // The exact method differentiates again in a graph of its own; the user's rule (and the
    // def it calls) must build there too: nodes appended to the document's graph after the
    // analysis once shared ids with the explainer's and made an evaluation loop forever.
    const a = load(`
x = placeholder(float32, [3])
feed x = [1., 2., 3.]
def h(v) = v * v
def f(v) = h(v) * 2
grad f(v, dy) = dy * h(v) * 3
y = f(x) * x
g = gradients(y, x)[0]
`);
    const nodes = a.graph.nodes.length;
    const site = a.gradientSites[0];
    const terms = contributions(a, site, 0, 1);
    // ∂y/∂x[1]: the rule is followed conservatively (every y may depend on every x), and only
    // y[1]'s term is not zero: the rule's x · 3x² plus f(x) = 2x², at x = 2.
    expect(terms?.terms.map((t) => t.partial)).toEqual([0, 32, 0]);
    expect(a.graph.nodes.length).toBe(nodes);
    // The gradient itself: d/dx (f(x) * x) = rule(x, dy = x) + f(x) = 3x³ + 2x².
    expect(Array.from(tensorOf(a, 'g').data)).toEqual([5, 32, 99]);
  });
});

describe('the numeric rows keep to a deadline', () => {
  const src = `
x = variable([1., 2., 3.])
y = stack([x * x, 3. * x])
g = gradients(y, x)[0]
`;
  it('past it, rebuilding the gradient, the terms and the whole Jacobian throw ExplainTimeout', () => {
    const a = load(src);
    const site = a.gradientSites[0];
    const past = Date.now() - 1;
    expect(() => VjpRows.build(a, site, 0, past)).toThrow(ExplainTimeout);
    expect(() => contributions(a, site, 0, 1, { deadline: past })).toThrow(ExplainTimeout);
    expect(() => jacobianOf(a, site, 0, { deadline: past })).toThrow(ExplainTimeout);
    // Rows asked for after the deadline passed throw too, however cheap each is.
    const rows = VjpRows.build(a, site, 0, Date.now() + 60_000)!;
    expect(Array.from(rows.rowSum([{ k: 0, e: 1 }])!)).toEqual([0, 4, 0]);
    (rows as unknown as { deadline: number }).deadline = past;
    expect(() => rows.rowSum([{ k: 0, e: 1 }])).toThrow(ExplainTimeout);
  });

  it('within it, the same calls give the terms and the Jacobian', () => {
    const a = load(src);
    const site = a.gradientSites[0];
    const later = Date.now() + 60_000;
    expect(contributions(a, site, 0, 1, { deadline: later })?.terms.map((t) => t.partial)).toEqual([4, 3]);
    const j = jacobianOf(a, site, 0, { deadline: later })!;
    expect(Array.from(j.values)).toEqual([2, 0, 0, 0, 4, 0, 0, 0, 6, 3, 0, 0, 0, 3, 0, 0, 0, 3]);
  });
});

describe('the JSON contract and the CLI lines', () => {
  it("explanations: every gradient name, with the spec's fields", () => {
    const a = load(fixture('seed'));
    const json = JSON.parse(JSON.stringify(explanationsJson(a)));
    expect(Object.keys(json).sort()).toEqual(['dy_dx', 'dz_dx']);
    const e = json.dz_dx;
    expect(e).toMatchObject({ ysElements: 24, fanOut: [2, 2], batchSize: null, method: 'exact' });
    expect(e.summedAxes).toEqual([
      {
        tensor: 'z',
        axis: 0,
        size: 2,
        reach: 2,
        origin: 'stack',
        line: 6,
        op: 'stack',
        summedBy: 'gradients',
        batch: false,
        pattern: 'index-map',
        copiesOf: 'y',
      },
    ]);
    expect(typeof e.text).toBe('string');
  });

  it('destructured gradients appear one by one; lists as arrays', () => {
    const a = load(fixture('tile').replace('[g] = gradients(z, x)', 'g = gradients(z, x)\n[g0] = g'));
    const json = explanationsJson(a);
    expect(Array.isArray(json.g)).toBe(true);
    expect((json.g as { fanOut: number[] }[])[0].fanOut).toEqual([3, 3]);
    expect((json.g0 as { fanOut: number[] }).fanOut).toEqual([3, 3]);
    expect(explanationLines(a, binding(a, 'g'))).toEqual([`[0] ${(json.g0 as { text: string }).text}`]);
    expect(explanationLines(a, binding(a, 'x'))).toEqual([]);
  });
});

describe("op coverage: the exact pattern is the Jacobian's, the structure agrees", () => {
  // y as a function of x [4, 3] (a batch) and w [3, 2]; each differentiated w.r.t. both.
  const cases: { y: string; ops?: string[] }[] = [
    { y: 'tanh(x @ w)' },
    { y: 'reduce_sum(x @ w, axis=0, keepdims=True) * tanh(w[0:1, :])' },
    { y: 'transpose(x @ w)' },
    { y: 'reshape(x @ w, [2, 4])' },
    { y: 'concat([x @ w, sin(x @ w)], axis=1)', ops: ['concat'] },
    { y: 'tile(x @ w, [2, 1])', ops: ['tile'] },
    { y: 'stack([x @ w, exp(x @ w)], axis=2)' },
    { y: 'x @ w @ transpose(w)' },
    { y: 'reduce_mean(tanh(x @ w), axis=1)' },
    { y: 'reshape(x, [2, 2, 3]) @ w' },
    { y: 'matmul(w, x, transpose_a=True, transpose_b=True)' },
    { y: 'gather(x @ w, [0, 2, 2])', ops: ['gather'] },
    { y: '(x @ w)[:, 1]' },
    { y: 'pad(x @ w, [[1, 0], [0, 2]])', ops: ['pad'] },
    { y: 'reverse(x @ w, [0])', ops: ['reverse'] },
    { y: 'squeeze(expand_dims(x @ w, 0))', ops: ['squeeze'] },
    { y: 'cumsum(x @ w, axis=0)', ops: ['cumsum'] },
    { y: 'x @ w + reduce_sum(w)' },
    { y: 'broadcast_to(reduce_sum(w, axis=0), [4, 2]) * (x @ w)', ops: ['broadcast_to'] },
    { y: 'reduce_max(x @ w, axis=1)' },
    { y: 'reduce_prod(exp(x @ w), axis=0)', ops: ['reduce_prod'] },
    { y: 'concat([x, x * 2], axis=0) @ w', ops: ['concat'] },
    { y: 'reduce_logsumexp(x @ w, axis=1)', ops: ['reduce_logsumexp'] },
    { y: "einsum('bi,ij->bj', x, w)", ops: ['einsum'] },
    { y: 'norm(x @ w, axis=1)', ops: ['norm'] },
    { y: 'x @ w * (x @ w)' },
    { y: 'slice(x @ w, [1, 0], [2, 2])', ops: ['slice'] },
    { y: 'gather_nd(x @ w, [[0, 1], [3, 0]])', ops: ['gather_nd'] },
    { y: 'split(x @ w, 2, axis=0)[1]', ops: ['split'] },
    { y: 'where(x[:, 0:2] > 100., x @ w, exp(x @ w))' },
  ];
  for (const c of cases) {
    for (const wrt of ['w', 'x']) {
      it.skipIf(!hasOps(...(c.ops ?? [])))(`${c.y} w.r.t. ${wrt}`, () => {
        const a = load(`x = placeholder(float32, [None, 3])
feed x = uniform([4, 3], low=-1, high=1, seed=7)
w = variable(normal([3, 2], seed=3))
y = ${c.y}
g = gradients(y, ${wrt})[0]
J = jacobian(y, ${wrt})
`);
        const { site, xIndex } = siteOf(a, 'g');
        const exact = explainSite(a, site, xIndex);
        expect(exact.method).toBe('exact');
        const pic = jacobianOf(a, site, xIndex)!;
        const J = tensorOf(a, 'J');
        for (let i = 0; i < J.data.length; i++) {
          expect(pic.values[i]).toBeCloseTo(J.data[i], 4);
          if (J.data[i] !== 0) expect(pic.pattern[i]).toBe(1);
        }
        // At this generic point only reduce_max's routing hides structural terms.
        if (!c.y.startsWith('reduce_max')) {
          for (let i = 0; i < J.data.length; i++) expect(pic.pattern[i]).toBe(J.data[i] !== 0 ? 1 : 0);
        }
        const structural = explainSite(a, site, xIndex, { maxJacobianEntries: 0 });
        if (!structural.guessed.length && exact.fanOut![0] === exact.fanOut![1] && !/gather|\[:, 1\]|slice|split/.test(c.y)) {
          expect(structural.fanOut).toEqual(exact.fanOut);
          expect(structural.batchSize).toBe(exact.batchSize);
        }
      });
    }
  }
});

describe('batchSize counts each batch axis once', () => {
  it('a batch summed inside the loss and at the ys of the same call', () => {
    const a = load(`
x = placeholder(float32, [None, 3])
feed x = [[1, 2, 0], [0, 1, 1], [2, 0, 1], [1, 1, 1]]
w = variable([[0.5, -1.0], [0.25, 2.0], [-0.5, 1.0]])
h = x @ w
loss = reduce_sum(h)
g = gradients([loss, h], w)[0]
`);
    const e = explain(a, 'g');
    expect(e.summedAxes.filter((s) => s.batch).map((s) => [s.origin, s.size])).toEqual([
      ['batch', 4],
      ['reduction', 4],
    ]);
    expect(e.batchSize).toBe(4);
    expect(e.fanOut).toEqual([5, 5]);
  });
});
