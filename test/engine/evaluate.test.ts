// Evaluator.evaluate: values of some targets, with the intermediate buffers released and
// reused by liveness. Its values must be exactly valueOf's, feeds and earlier values must
// never be overwritten, and a released node must compute again when read.

import { describe, expect, it } from 'vitest';
import { analyze, type Analysis } from '../../engine/analysis';
import { Evaluator } from '../../engine/evaluate';
import type { Node } from '../../engine/graph';
import type { Tensor } from '../../engine/tensor';
import { mlpSource } from '../../bench/workloads';
import { retainedBufferBytes } from '../../engine/bufferPool';

const BUDGET = { maxElements: 1e8, maxTotalElements: 1e10, deadline: Infinity };

function nodeOf(a: Analysis, name: string): Node {
  const b = a.lookup(name);
  if (!b || b.value.kind !== 'tensor') throw new Error(name);
  return b.value.node;
}

function fresh(a: Analysis, precision: 'float32' | 'float64' = 'float32'): Evaluator {
  return new Evaluator({ precision, feeds: a.feeds, budget: BUDGET });
}

/** The buffers of `size` elements the evaluator hands to kernels from now on. */
function buffersHandedOut(ev: Evaluator, size: number): Set<ArrayBufferLike> {
  const buffers = new Set<ArrayBufferLike>();
  const alloc = ev.alloc.bind(ev);
  ev.alloc = (dtype, n) => {
    const data = alloc(dtype, n);
    if (n === size) buffers.add(data.buffer);
    return data;
  };
  return buffers;
}

const SOURCES: Record<string, [string, string[]]> = {
  mlp: [mlpSource(16, 30, 20, 5), ['loss', 'dW1', 'db1', 'dW2', 'db2']],
  elementwise: [
    `x = placeholder(float32, [None])
feed x = normal([1000], seed=1)
y = tanh(x) * sigmoid(x) + exp(-x * x)
z = reshape(y, [10, 100])
dy_dx = gradients(y, x)[0]
`,
    ['y', 'dy_dx', 'z'],
  ],
  conv: [
    `x = placeholder(float32, [None, 6, 6, 3])
feed x = normal([2, 6, 6, 3], seed=1)
f = placeholder(float32, [3, 3, 3, 4])
feed f = normal([3, 3, 3, 4], seed=2)
y = conv2d(x, f, strides=[1, 1, 1, 1], padding='SAME')
[dx, df] = gradients(reduce_sum(y * y), [x, f])
`,
    ['dx', 'df'],
  ],
};

describe('Evaluator.evaluate', () => {
  for (const [name, [source, targets]] of Object.entries(SOURCES)) {
    for (const precision of ['float32', 'float64'] as const) {
      it(`${name} (${precision}): the same values as valueOf, feeds untouched`, () => {
        const a = analyze(source);
        expect(a.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
        const nodes = targets.map((t) => nodeOf(a, t));
        const feedsBefore = [...a.feeds.values()].map((t) => Array.from(t.data as ArrayLike<number>));
        const expected = nodes.map((n) => fresh(a, precision).valueOf(n)!);
        const ev = fresh(a, precision);
        const got = ev.evaluate(nodes);
        got.forEach((t, i) => {
          expect(t!.shape).toEqual(expected[i].shape);
          expect(Array.from(t!.data as ArrayLike<number>)).toEqual(Array.from(expected[i].data as ArrayLike<number>));
        });
        expect([...a.feeds.values()].map((t) => Array.from(t.data as ArrayLike<number>))).toEqual(feedsBefore);
        // Every node read afterwards, released or not, has its value.
        const all = a.graph.nodes;
        for (const n of all.slice(0, 200)) {
          const reference = fresh(a, precision).valueOf(n);
          const again = ev.valueOf(n);
          if (reference)
            expect(Array.from(again!.data as ArrayLike<number>), n.op.name).toEqual(Array.from(reference.data as ArrayLike<number>));
        }
      });
    }
  }

  it('reuses buffers: a long chain holds a few live values, not one per node', () => {
    const lines = ['x = placeholder(float32, [None])', 'feed x = normal([4096], seed=3)', 'h0 = x'];
    for (let i = 1; i <= 40; i++) lines.push(`h${i} = tanh(h${i - 1}) * 0.9 + 0.1`);
    const a = analyze(lines.join('\n') + '\n');
    const ev = fresh(a);
    const allocated = buffersHandedOut(ev, 4096);
    const [last] = ev.evaluate([nodeOf(a, 'h40')]) as Tensor[];
    expect(last.data.length).toBe(4096);
    expect(Array.from(last.data)).toEqual(Array.from(fresh(a).valueOf(nodeOf(a, 'h40'))!.data));
    // 120 results of 4096 elements (and scalar constants); with reuse a handful of buffers.
    expect(allocated.size).toBeLessThanOrEqual(6);
  });

  it('keeps released buffers for the next evaluation, never one holding a value it returned', () => {
    const lines = ['x = placeholder(float32, [None])', 'feed x = normal([4096], seed=3)', 'h0 = x'];
    for (let i = 1; i <= 20; i++) lines.push(`h${i} = tanh(h${i - 1}) * 0.9 + 0.1`);
    lines.push('g = gradients(reduce_sum(h20 * h20), x)[0]');
    const a = analyze(lines.join('\n') + '\n');
    const targets = [nodeOf(a, 'h20'), nodeOf(a, 'g')];
    const expected = targets.map((n) => Array.from(fresh(a).valueOf(n)!.data));
    const seen = new Set<ArrayBufferLike>();
    const returned: Tensor[] = [];
    for (let round = 0; round < 4; round++) {
      const ev = fresh(a);
      const taken = buffersHandedOut(ev, 4096);
      const got = ev.evaluate(targets) as Tensor[];
      got.forEach((t, i) => expect(Array.from(t.data)).toEqual(expected[i]));
      // No buffer of a value returned earlier is handed out again, and those values stand.
      for (const t of returned) expect(taken.has(t.data.buffer)).toBe(false);
      returned.forEach((t, i) => expect(Array.from(t.data)).toEqual(expected[i % 2]));
      // After the first evaluation, new buffers are needed only for the two results the caller keeps.
      const fresh4096 = [...taken].filter((b) => !seen.has(b)).length;
      if (round > 0) expect(fresh4096).toBeLessThanOrEqual(2);
      else expect(fresh4096).toBeGreaterThan(2);
      for (const b of taken) seen.add(b);
      returned.push(...got);
    }
    expect(retainedBufferBytes()).toBeGreaterThan(0);
  });

  it('evaluateAndRelease: the targets read, then released too, so repeated evaluations take no new buffers', () => {
    const lines = ['x = placeholder(float32, [None])', 'feed x = normal([4096], seed=3)', 'h0 = x'];
    for (let i = 1; i <= 20; i++) lines.push(`h${i} = tanh(h${i - 1}) * 0.9 + 0.1`);
    lines.push('g = gradients(reduce_sum(h20 * h20), x)[0]');
    const a = analyze(lines.join('\n') + '\n');
    const targets = [nodeOf(a, 'h20'), nodeOf(a, 'g'), nodeOf(a, 'x')];
    const expected = targets.map((n) => Array.from(fresh(a).valueOf(n)!.data));
    const seen = new Set<ArrayBufferLike>();
    for (let round = 0; round < 4; round++) {
      const ev = fresh(a);
      const taken = buffersHandedOut(ev, 4096);
      const sums = ev.evaluateAndRelease(targets, (values) => values.map((t) => Array.from(t!.data)));
      expect(sums).toEqual(expected);
      // After the first round every buffer of 4096 elements is one released before.
      const fresh4096 = [...taken].filter((b) => !seen.has(b)).length;
      if (round > 0) expect(fresh4096).toBe(0);
      for (const b of taken) seen.add(b);
      // Released: read again, a target is computed again (the feed is not released).
      const before = ev.evaluations;
      expect(Array.from(ev.valueOf(targets[0])!.data)).toEqual(expected[0]);
      expect(ev.evaluations).toBeGreaterThan(before);
      expect(ev.valueOf(targets[2])!.data).toBe(a.feeds.get(targets[2])!.data);
    }
    expect(Array.from(a.feeds.get(targets[2])!.data)).toEqual(expected[2]);
  });
});

describe("the document evaluator's slabs", () => {
  it('holds every small value apart: carved views equal values computed with buffers of their own', () => {
    // A chain with gradients (float32), comparisons (bool) and integer arithmetic (int32), all
    // depending on the feed, so every result is carved from the slabs, many to a slab.
    const lines = [
      'x = placeholder(float32, [None, 8])',
      'feed x = uniform([16, 8], seed=3) - 0.5',
      'w = variable(uniform([8, 8], seed=4))',
      'h0 = x',
    ];
    for (let i = 1; i <= 60; i++) lines.push(`h${i} = tanh(h${i - 1} @ w) + 0.01 * h${i - 1}`);
    lines.push('g = gradients(reduce_sum(h60), w)', 'big = h60 > 0.1', 'n = cast(h60 * 100., int32) * 3 - 1', 'k = argmax(h60, axis=1)');
    const a = analyze(lines.join('\n') + '\n');
    expect(a.diagnostics).toEqual([]);
    const own = fresh(a);
    let carved = 0;
    for (const node of a.graph.nodes) {
      const v = a.valueOf(node);
      const w = own.valueOf(node);
      expect(v === undefined).toBe(w === undefined);
      if (!v || !w) continue;
      if (v.data.byteLength < v.data.buffer.byteLength) carved++;
      expect(v.dtype).toBe(w.dtype);
      expect(v.shape).toEqual(w.shape);
      expect(Array.from(v.data)).toEqual(Array.from(w.data));
    }
    expect(carved).toBeGreaterThan(500);
  });
});

describe("the document's memory passed by a value folded while building", () => {
  // normal([100000]) is 400,000 bytes, folded into `c` while the file is built: the budget
  // stops building there, with one diagnostic, and the statements before it keep their values.
  const source = `w = uniform([1], high=2.)
c = constant(normal([100000], seed=4))
${Array.from({ length: 300 }, (_, i) => `z${i} = w * ${i}.`).join('\n')}
`;

  it('reports it once, as memory, and evaluates the statements before it', () => {
    const a = analyze(source, { maxTotalBytes: 200_000 });
    const errors = a.diagnostics.filter((d) => d.severity === 'error');
    expect(errors.map((d) => [d.code, a.lines.positionAt(d.span.start).line])).toEqual([['budget-memory', 1]]);
    const w = a.lookup('w')!;
    expect(w.value.kind === 'tensor' && a.valueOf(w.value.node)?.shape).toEqual([1]);
    // Building stopped in the statement after it: nothing later is bound.
    expect(a.lookup('z0')?.value.kind).toBe('error');
    expect(a.lookup('z1')).toBeUndefined();
  });

  it('leaves the file as it was within the budget', () => {
    const a = analyze(source, { maxTotalBytes: 10_000_000 });
    expect(a.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const z = a.lookup('z299')!;
    expect(z.value.kind === 'tensor' && a.valueOf(z.value.node)?.shape).toEqual([1]);
  });
});
