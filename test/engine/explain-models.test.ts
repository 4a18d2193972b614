// The sum explained on real models, through `tgraph run --json` (the `explanations` the
// spec promises): a conv filter, pooling, the cross-entropy losses under reduce_mean and
// reduce_sum, an embedding lookup, batch-matmul attention, layer norm, einsum, tile, concat
// and strided slicing (test/fixtures/explain/models/). Each case asserts the facts — fan-out,
// summed axes with origin, size and the tensor they belong to, batch size, advice, method
// 'exact', nothing guessed — and the key words of the sentence.

import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const root = path.resolve(__dirname, '..', '..');
const cli = path.join(root, 'dist', 'cli.js');
const models = path.join(root, 'test', 'fixtures', 'explain', 'models');

interface Axis {
  tensor: string;
  axis: number;
  size: number | null;
  reach: number | null;
  origin: string;
  batch: boolean;
  mean?: boolean;
  summedBy: string;
  of?: { tensor: string; axis: number };
  gathered?: { repeated: { row: number; count: number; at: number[] }[]; missing: number[] };
}
interface Explanation {
  fanOut: [number, number] | null;
  summedAxes: Axis[];
  batchSize: number | null;
  advice: string | null;
  method: string;
  guessed: string[];
  routes: { op: string; to: string }[];
  text: string;
}

const runs = new Map<
  string,
  { explanations: Record<string, Explanation>; checks: { passed: boolean }[]; diagnostics: { severity: string; message: string }[] }
>();

beforeAll(() => {
  if (!fs.existsSync(cli)) spawnSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { cwd: root });
  for (const f of fs.readdirSync(models).filter((n) => n.endsWith('.tgraph'))) {
    const r = spawnSync(process.execPath, [cli, 'run', '--json', path.join(models, f)], { cwd: root, encoding: 'utf8', timeout: 120_000 });
    runs.set(f.replace(/\.tgraph$/, ''), JSON.parse(r.stdout));
  }
}, 300_000);

function explanation(file: string, name: string): Explanation {
  const run = runs.get(file)!;
  const e = run.explanations[name];
  expect(e, `${file}: ${name}`).toBeDefined();
  // Every case: counted element by element, every op read from its declaration.
  expect(e.method).toBe('exact');
  expect(e.guessed).toEqual([]);
  return e;
}

const facts = (e: Explanation) =>
  e.summedAxes.map((a) => ({ tensor: a.tensor, axis: a.axis, size: a.size, reach: a.reach, origin: a.origin, batch: a.batch }));

describe('every model file analyses cleanly and its gradients check', () => {
  it('no errors, every check passes', () => {
    expect(runs.size).toBeGreaterThanOrEqual(7);
    for (const [file, run] of runs) {
      expect(
        run.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message),
        file,
      ).toEqual([]);
      expect(
        run.checks.every((c) => c.passed),
        file,
      ).toBe(true);
    }
  });
});

describe('conv2d: a filter is applied at every position of every example', () => {
  it('df under reduce_mean: 4 examples × 5×5 positions, 100 terms, already divided by 300', () => {
    const e = explanation('conv', 'df');
    expect(e.fanOut).toEqual([1, 1]);
    expect(facts(e)).toEqual([
      { tensor: 'y', axis: 0, size: 4, reach: 4, origin: 'reduction', batch: true },
      { tensor: 'y', axis: 1, size: 5, reach: 5, origin: 'reduction', batch: false },
      { tensor: 'y', axis: 2, size: 5, reach: 5, origin: 'reduction', batch: false },
    ]);
    expect(e.summedAxes.every((a) => a.mean && a.summedBy === 'reduce_mean')).toBe(true);
    expect(e.summedAxes.map((a) => a.of)).toEqual([
      { tensor: 'x', axis: 0 },
      { tensor: 'x', axis: 1 },
      { tensor: 'x', axis: 2 },
    ]);
    expect(e.batchSize).toBeNull();
    expect(e.advice).toBe('already-mean');
    expect(e.text).toContain('conv2d at line 5 applies f at 5×5 positions of each of 4 examples');
    expect(e.text).toContain('each entry adds 100 terms');
    expect(e.text).toContain('already divided by 300');
    expect(e.text).toContain('do not divide again');
    expect(e.text).not.toContain('nothing is summed');
  });

  it('a strided VALID conv under reduce_sum: 2×2 positions, divide by the batch of 4', () => {
    const e = explanation('conv', 'dfv');
    expect(facts(e).map((a) => [a.axis, a.size, a.reach, a.batch])).toEqual([
      [0, 4, 4, true],
      [1, 2, 2, false],
      [2, 2, 2, false],
    ]);
    expect(e.batchSize).toBe(4);
    expect(e.advice).toBe('divide');
    expect(e.text).toContain('applies f at 2×2 positions of each of 4 examples');
    expect(e.text).toContain('each entry adds 16 terms');
    expect(e.text).toContain('divide by the batch size 4');
  });

  it('dx: each input element is read by up to 3×3 windows and every output channel of f', () => {
    const e = explanation('conv', 'dx');
    expect(facts(e)).toEqual([
      { tensor: 'y', axis: 1, size: 5, reach: 3, origin: 'reduction', batch: false },
      { tensor: 'y', axis: 2, size: 5, reach: 3, origin: 'reduction', batch: false },
      { tensor: 'y', axis: 3, size: 3, reach: 3, origin: 'reduction', batch: false },
    ]);
    expect(e.summedAxes[2].of).toEqual({ tensor: 'f', axis: 3 });
    expect(e.text).toContain('each element of x is in up to 3×3 windows of conv2d at line 5');
    // x's own batch axis is not summed: no advice about it.
    expect(e.advice).toBeNull();
  });
});

describe('pooling', () => {
  it('max pooling routes the gradient to the maximum of each window', () => {
    const e = explanation('pooling', 'dm');
    // 2×2 windows with stride 2: 8 windows, one maximum each, of 32 elements.
    expect(e.fanOut).toEqual([0, 1]);
    expect(e.routes.map((r) => [r.op, r.to])).toEqual([['max_pool2d', 'maximum']]);
    expect(e.summedAxes).toEqual([]);
    expect(e.text).toContain('max_pool2d at line 4 routes the gradient to the maximum of each window');
    expect(e.text).toContain('24 of the 32 elements of x reach none of them');
  });

  it('average pooling with stride 1: each element is in up to 2×2 windows', () => {
    const e = explanation('pooling', 'da');
    expect(e.fanOut).toEqual([1, 1]);
    expect(facts(e)).toEqual([
      { tensor: 'a', axis: 1, size: 3, reach: 2, origin: 'reduction', batch: false },
      { tensor: 'a', axis: 2, size: 3, reach: 2, origin: 'reduction', batch: false },
    ]);
    expect(e.routes).toEqual([]);
    expect(e.text).toContain('each element of x is in up to 2×2 windows of avg_pool2d at line 5');
  });

  it('a weight under max pooling and reduce_mean: routed, then averaged over the batch', () => {
    const e = explanation('pooling', 'dw');
    expect(e.fanOut).toEqual([0, 1]);
    expect(e.advice).toBe('already-mean');
    expect(e.text).toContain('routes the gradient to the maximum');
  });
});

describe('cross-entropy losses: the bias sums over the batch', () => {
  const batchMean = { origin: 'reduction', axis: 0, size: 3, reach: 3, batch: true };

  it('softmax cross-entropy under reduce_mean: the mean over the 3 rows, nothing to divide', () => {
    for (const name of ['db', 'dW']) {
      const e = explanation('xent', name);
      expect(e.fanOut).toEqual([1, 1]);
      expect(e.summedAxes).toHaveLength(1);
      expect(e.summedAxes[0]).toMatchObject({
        ...batchMean,
        tensor: 'softmax_cross_entropy_with_logits(…)',
        mean: true,
        summedBy: 'reduce_mean',
      });
      expect(e.batchSize).toBeNull();
      expect(e.advice).toBe('already-mean');
      expect(e.text).toContain('the batch axis of x');
      expect(e.text).toContain('already divided by the batch size 3');
      expect(e.text).not.toContain('nothing is summed');
    }
  });

  it('softmax and sparse softmax cross-entropy under reduce_sum: divide by the batch size 3', () => {
    for (const name of ['db_sum', 'sdb']) {
      const e = explanation('xent', name);
      expect(e.summedAxes).toHaveLength(1);
      expect(e.summedAxes[0]).toMatchObject({ ...batchMean, summedBy: 'reduce_sum' });
      expect(e.summedAxes[0].mean).toBeUndefined();
      expect(e.batchSize).toBe(3);
      expect(e.advice).toBe('divide');
      expect(e.text).toContain('divide by the batch size 3 for the mean');
    }
  });

  it('sparse softmax cross-entropy under reduce_mean', () => {
    const e = explanation('xent', 'sdb_mean');
    expect(e.summedAxes[0]).toMatchObject({ ...batchMean, mean: true, tensor: 'sparse_softmax_cross_entropy_with_logits(…)' });
    expect(e.advice).toBe('already-mean');
  });

  it('sigmoid cross-entropy under reduce_mean: the mean divides by all 15 elements', () => {
    const e = explanation('xent', 'gdb');
    expect(e.summedAxes).toHaveLength(1);
    expect(e.summedAxes[0]).toMatchObject({ ...batchMean, mean: true, tensor: 'sigmoid_cross_entropy_with_logits(…)' });
    expect(e.advice).toBe('already-mean');
    expect(e.text).toContain('already divided by 15');
  });
});

describe('gather: embedding rows are reached as often as their index appears', () => {
  it('ids [0, 2, 2, 1, 0]: E[0] and E[2] twice, E[3] never (0)', () => {
    const e = explanation('embedding', 'dE');
    expect(e.fanOut).toEqual([0, 2]);
    expect(facts(e)).toEqual([{ tensor: 'e', axis: 0, size: 5, reach: 2, origin: 'other', batch: false }]);
    expect(e.summedAxes[0].gathered).toMatchObject({
      repeated: [
        { row: 0, count: 2, at: [0, 4] },
        { row: 2, count: 2, at: [1, 2] },
      ],
      missing: [3],
    });
    expect(e.text).toContain('E[2] twice (ids[1], ids[2])');
    expect(e.text).toContain('E[3] is never gathered: its gradient is 0');
  });

  it("a lookup of a batch of ids: the batch is the ids', its size 3", () => {
    const e = explanation('embedding', 'dE_batch');
    expect(e.fanOut).toEqual([0, 1]);
    expect(facts(e)).toEqual([{ tensor: 'tanh(h)', axis: 0, size: 3, reach: 2, origin: 'reduction', batch: true }]);
    expect(e.batchSize).toBe(3);
    expect(e.advice).toBe('divide');
    expect(e.text).toContain('E[3] twice (batch_ids[0], batch_ids[2])');
    expect(e.text).toContain('E[0], E[2] are never gathered');
  });
});

describe("batch-matmul attention: the sequence axis is x's own axis", () => {
  it('dWv: matmul sums axis 1 of v, which is axis 1 of x (not a broadcast)', () => {
    const e = explanation('attention', 'dWv');
    const seq = e.summedAxes.find((a) => a.tensor === 'v')!;
    expect(seq).toMatchObject({ axis: 1, size: 5, reach: 5, origin: 'reduction', summedBy: 'matmul', of: { tensor: 'x', axis: 1 } });
    expect(e.summedAxes.every((a) => a.origin !== 'broadcast')).toBe(true);
    expect(e.summedAxes.filter((a) => a.batch).map((a) => [a.tensor, a.axis, a.size])).toEqual([['out', 0, 2]]);
    expect(e.advice).toBe('already-mean');
    expect(e.text).toContain('axis 1 of v (size 5, axis 1 of x)');
    expect(e.text).not.toMatch(/broadcast/);
  });

  it("dv (no loss): the batch and att's query axis are summed by tf.gradients", () => {
    const e = explanation('attention', 'dv');
    expect(e.fanOut).toEqual([10, 10]);
    expect(facts(e).slice(0, 2)).toEqual([
      { tensor: 'out', axis: 0, size: 2, reach: 2, origin: 'batch', batch: true },
      { tensor: 'out', axis: 1, size: 5, reach: 5, origin: 'other', batch: false },
    ]);
    expect(e.summedAxes[1].of).toEqual({ tensor: 'att', axis: 1 });
    expect(e.batchSize).toBe(2);
    expect(e.advice).toBe('divide');
  });

  it('dWq: through the softmax of the scores', () => {
    const e = explanation('attention', 'dWq');
    expect(e.summedAxes.some((a) => a.summedBy === 'softmax')).toBe(true);
    expect(e.text).toContain('softmax at line 10 mixes');
  });
});

describe('fixed-shape broadcasts name the tensor the axis belongs to', () => {
  it('db: the bias is broadcast over axis 0 of x', () => {
    const e = explanation('broadcast', 'db');
    expect(facts(e)).toEqual([{ tensor: 'y', axis: 0, size: 3, reach: 3, origin: 'broadcast', batch: false }]);
    expect(e.summedAxes[0].of).toEqual({ tensor: 'x', axis: 0 });
    expect(e.text).toContain('axis 0 of y, size 3, which is axis 0 of x: add at line 6 broadcasts b over it');
  });

  it('dw: a batched matmul broadcasts w over axis 0 of s and meets it at the 5 positions of axis 1', () => {
    const e = explanation('broadcast', 'dw');
    expect(e.fanOut).toEqual([10, 10]);
    expect(e.text).toContain('axis 0 of v, size 2, which is axis 0 of s: matmul at line 11 broadcasts w over it');
    expect(e.text).toContain('axis 1 of v, size 5, which is axis 1 of s');
  });
});

describe('layer norm', () => {
  it('with moments: gamma is shared by the 3 rows, reduce_mean already divided', () => {
    const e = explanation('layernorm', 'dgamma');
    expect(e.fanOut).toEqual([1, 1]);
    expect(e.summedAxes.filter((a) => a.origin === 'reduction').map((a) => [a.tensor, a.axis, a.size, a.batch, a.mean])).toEqual([
      ['y * y', 0, 3, true, true],
    ]);
    expect(e.advice).toBe('already-mean');
    expect(e.text).toContain('already divided by 18');
  });

  it('with moments: each x[i,j] reaches its whole row through the mean and the variance', () => {
    const e = explanation('layernorm', 'dx');
    expect(e.summedAxes.filter((a) => a.origin === 'reduction').every((a) => a.axis === 1 && a.size === 6 && a.reach === 6)).toBe(true);
    expect(e.summedAxes.find((a) => a.origin === 'reuse' && a.tensor === 'x')?.size).toBe(3);
    expect(e.advice).toBeNull();
  });

  it('with reduce_mean: beta and gamma sum over the batch of 3', () => {
    for (const name of ['dbeta', 'dgamma2']) {
      const e = explanation('layernorm', name);
      expect(facts(e)).toEqual([{ tensor: 'z', axis: 0, size: 3, reach: 3, origin: 'reduction', batch: true }]);
      expect(e.batchSize).toBe(3);
      expect(e.advice).toBe('divide');
    }
  });
});

describe('einsum, tile, concat, strided slicing', () => {
  it('einsum bi,ij->bj: w is shared by the batch of 4', () => {
    const e = explanation('movement', 'dw');
    expect(e.fanOut).toEqual([4, 4]);
    expect(facts(e)).toEqual([{ tensor: 'y', axis: 0, size: 4, reach: 4, origin: 'batch', batch: true }]);
    expect(e.batchSize).toBe(4);
    expect(e.text).toContain('through einsum at line 5');
  });

  it('tile [2, 3]: 6 copies, axes of sizes 8 and 9', () => {
    const e = explanation('movement', 'dt');
    expect(e.fanOut).toEqual([6, 6]);
    expect(facts(e)).toEqual([
      { tensor: 't', axis: 0, size: 8, reach: 2, origin: 'tile', batch: false },
      { tensor: 't', axis: 1, size: 9, reach: 3, origin: 'tile', batch: false },
    ]);
    expect(e.text).toContain('2 copies, from tile at line 7');
  });

  it('concat of x and 2x: 2 positions along axis 1 (size 6)', () => {
    const e = explanation('movement', 'dc');
    expect(e.fanOut).toEqual([2, 2]);
    expect(facts(e)).toEqual([{ tensor: 'c', axis: 1, size: 6, reach: 2, origin: 'concat', batch: false }]);
  });

  it('x[::2, 1:]: 4 of 12 elements read, the others get 0', () => {
    const e = explanation('movement', 'ds');
    expect(e.fanOut).toEqual([0, 1]);
    expect(e.summedAxes).toEqual([]);
    expect(e.text).toContain('8 of the 12 elements of x reach none of them: their gradient is 0');
  });
});
