// Reductions, scans, argmax/argmin, allclose and norm: values against TensorFlow.js (CPU)
// where it agrees with TensorFlow, gradients against float64 central differences
// (`check gradients`) away from ties and kinks, and TensorFlow's own values (worked out by
// hand from python/ops/math_grad.py) at ties and zeros.

import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { analyze, type Analysis } from '../../engine/analysis';
import type { Tensor } from '../../engine/tensor';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function run(src: string): Analysis {
  const a = analyze(src);
  const errors = a.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) throw new Error(errors.map((d) => `${src.slice(d.span.start, d.span.end)}: ${d.message}`).join('\n'));
  return a;
}

function value(a: Analysis, name: string): Tensor {
  const b = a.lookup(name);
  if (!b || b.value.kind !== 'tensor') throw new Error(`${name} is not a tensor`);
  const t = a.valueOf(b.value.node);
  if (!t) throw new Error(`${name} has no value`);
  return t;
}

const arr = (t: Tensor) => Array.from(t.data as ArrayLike<number>);

/** The diagnostics with severity error, as [text at the span, message]. */
function errorsOf(src: string): [string, string][] {
  return analyze(src)
    .diagnostics.filter((d) => d.severity === 'error')
    .map((d) => [src.slice(d.span.start, d.span.end), d.message]);
}

/** Deterministic inputs (mulberry32), rounded to 1/64 so they are exact in float32. */
function random(n: number, lo: number, hi: number, seed: number): number[] {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Array.from({ length: n }, () => Math.round((lo + (hi - lo) * next()) * 64) / 64);
}

const size = (shape: number[]) => shape.reduce((p, d) => p * d, 1);
const literal = (data: number[], shape: number[], dtype = 'float32') =>
  `constant([${data.join(', ')}], dtype=${dtype}, shape=[${shape.join(', ')}])`;
const axisText = (axis: number | number[] | null) => (axis === null ? 'None' : Array.isArray(axis) ? `[${axis.join(', ')}]` : String(axis));

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol = 2e-6, atol = 1e-6): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e)) expect(a, `element ${i}`).toBeNaN();
    else if (!Number.isFinite(e)) expect(a, `element ${i}`).toBe(e);
    else expect(Math.abs(a - e), `element ${i}: ${a} vs ${e}`).toBeLessThanOrEqual(atol + rtol * Math.abs(e));
  }
}

const SHAPES: number[][] = [[5], [3, 4], [2, 3, 4]];
const AXES: Record<number, (number | number[] | null)[]> = {
  1: [null, 0, -1, [0]],
  2: [null, 0, 1, -1, [0, 1], [-1, 0]],
  3: [null, 0, 2, -2, [0, 2], [1, 2], [2, 0, 1]],
};

type TfReduce = (x: tf.Tensor, axis: number | number[] | undefined, keepdims: boolean) => tf.Tensor;

const FLOAT_REDUCTIONS: [string, TfReduce, number, number][] = [
  ['reduce_prod', (x, a, k) => tf.prod(x, a, k), 0.5, 1.5],
  ['reduce_max', (x, a, k) => tf.max(x, a, k), -3, 3],
  ['reduce_min', (x, a, k) => tf.min(x, a, k), -3, 3],
  ['reduce_logsumexp', (x, a, k) => tf.logSumExp(x, a, k), -4, 4],
  ['reduce_sum', (x, a, k) => tf.sum(x, a, k), -3, 3],
  ['reduce_mean', (x, a, k) => tf.mean(x, a, k), -3, 3],
];

describe('reductions: values against TensorFlow.js', () => {
  for (const [name, tfOp, lo, hi] of FLOAT_REDUCTIONS) {
    it(`${name} over several shapes, axes and keepdims`, () => {
      let seed = 1;
      for (const shape of SHAPES) {
        const data = random(size(shape), lo, hi, seed++);
        const cases = AXES[shape.length].flatMap((axis) => [false, true].map((keepdims) => ({ axis, keepdims })));
        const src = [
          `x = ${literal(data, shape)}`,
          ...cases.map((c, i) => `r${i} = ${name}(x, axis=${axisText(c.axis)}, keepdims=${c.keepdims ? 'True' : 'False'})`),
        ].join('\n');
        const a = run(src);
        cases.forEach((c, i) => {
          const ours = value(a, `r${i}`);
          const theirs = tfOp(tf.tensor(data, shape, 'float32'), c.axis ?? undefined, c.keepdims);
          expect(ours.shape, `${name} ${JSON.stringify(c)} on ${shape}`).toEqual(theirs.shape);
          expect(ours.dtype).toBe('float32');
          expectClose(ours.data, theirs.dataSync());
        });
      }
    });
  }

  it('reduce_prod and reduce_max/min of int32 stay int32 and match TensorFlow.js', () => {
    const data = [3, -1, 4, 1, -5, 9, 2, 6, -5, 3, 5, 8];
    const a = run(`x = ${literal(data, [3, 4], 'int32')}\np = reduce_prod(x, axis=1)\nmx = reduce_max(x, axis=0)\nmn = reduce_min(x)`);
    const x = tf.tensor(data, [3, 4], 'int32');
    expect(value(a, 'p').dtype).toBe('int32');
    expect(arr(value(a, 'p'))).toEqual(Array.from(tf.prod(x, 1).dataSync()));
    expect(arr(value(a, 'mx'))).toEqual(Array.from(tf.max(x, 0).dataSync()));
    expect(arr(value(a, 'mn'))).toEqual([-5]);
  });

  it('reduce_all / reduce_any (and the aliases all / any) match TensorFlow.js', () => {
    const bits = [1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 1, 1];
    const shape = [2, 3, 2];
    const axes: (number | number[] | null)[] = [null, 0, 1, -1, [0, 2]];
    const lines = [`x = cast(${literal(bits, shape, 'int32')}, bool)`];
    axes.forEach((axis, i) => {
      lines.push(`all${i} = reduce_all(x, axis=${axisText(axis)})`, `any${i} = any(x, axis=${axisText(axis)}, keepdims=True)`);
      lines.push(`alias${i} = all(x, axis=${axisText(axis)})`);
    });
    const a = run(lines.join('\n'));
    const x = tf.tensor(bits, shape, 'bool');
    axes.forEach((axis, i) => {
      const all = value(a, `all${i}`);
      expect(all.dtype).toBe('bool');
      expect(arr(all)).toEqual(Array.from(tf.all(x, axis ?? undefined).dataSync()));
      expect(arr(value(a, `alias${i}`))).toEqual(arr(all));
      const any = value(a, `any${i}`);
      expect(any.shape).toEqual(tf.any(x, axis ?? undefined, true).shape);
      expect(arr(any)).toEqual(Array.from(tf.any(x, axis ?? undefined, true).dataSync()));
    });
  });

  it('empty reductions give the identities (TensorFlow: prod 1, max -inf, min inf, all True, any False, logsumexp -inf)', () => {
    const a = run(
      [
        'e = zeros([0, 3])',
        'p = reduce_prod(e, axis=0)',
        'mx = reduce_max(e, axis=0)',
        'mn = reduce_min(e, axis=0)',
        'l = reduce_logsumexp(e, axis=0)',
        'al = reduce_all(e > 0, axis=0)',
        'an = reduce_any(e > 0, axis=0)',
        'c = count_nonzero(e, axis=0)',
        'imx = reduce_max(zeros([0], int32))',
      ].join('\n'),
    );
    expect(arr(value(a, 'p'))).toEqual([1, 1, 1]);
    expect(arr(value(a, 'mx'))).toEqual([-Infinity, -Infinity, -Infinity]);
    expect(arr(value(a, 'mn'))).toEqual([Infinity, Infinity, Infinity]);
    expect(arr(value(a, 'l'))).toEqual([-Infinity, -Infinity, -Infinity]);
    expect(arr(value(a, 'al'))).toEqual([1, 1, 1]);
    expect(arr(value(a, 'an'))).toEqual([0, 0, 0]);
    expect(arr(value(a, 'c'))).toEqual([0, 0, 0]);
    expect(arr(value(a, 'imx'))).toEqual([-2147483648]);
  });

  it('reduce_logsumexp is stable for large and infinite inputs', () => {
    const a = run(
      [
        'big = reduce_logsumexp([1000., 1000.])',
        'small = reduce_logsumexp([-1000., -1000.])',
        'neg = reduce_logsumexp([-inf, -inf])',
        'pos = reduce_logsumexp([inf, 1.])',
        'mixed = reduce_logsumexp([-inf, 0.])',
      ].join('\n'),
    );
    expectClose(arr(value(a, 'big')), [1000 + Math.LN2], 1e-7);
    expectClose(arr(value(a, 'small')), [-1000 + Math.LN2], 1e-7);
    expect(arr(value(a, 'neg'))).toEqual([-Infinity]);
    expect(arr(value(a, 'pos'))).toEqual([Infinity]);
    expect(arr(value(a, 'mixed'))).toEqual([0]);
    // TensorFlow.js agrees on the finite cases.
    expectClose(arr(value(a, 'big')), tf.logSumExp(tf.tensor([1000, 1000])).dataSync(), 1e-7);
  });

  it('reduce_max/min propagate NaN (as TensorFlow.js and NumPy)', () => {
    const a = run('mx = reduce_max([1., nan, 5.])\nmn = reduce_min([[nan, 1.], [2., 3.]], axis=1)');
    expect(arr(value(a, 'mx'))[0]).toBeNaN();
    expect(Number.isNaN(tf.max(tf.tensor([1, NaN, 5])).dataSync()[0])).toBe(true);
    const mn = arr(value(a, 'mn'));
    expect(mn[0]).toBeNaN();
    expect(mn[1]).toBe(2);
  });

  it("count_nonzero counts non-zero and True elements (int64, TensorFlow's default; dtype= changes it)", () => {
    const a = run(
      [
        'x = [[0., 1., nan], [0., 0., -2.]]',
        'all_ = count_nonzero(x)',
        'rows = count_nonzero(x, axis=1, keepdims=True)',
        'b = count_nonzero([True, False, True])',
        'f = count_nonzero(x, axis=0, dtype=float32)',
        'i = count_nonzero(x, axis=0, dtype=int32)',
      ].join('\n'),
    );
    expect(value(a, 'all_').dtype).toBe('int64');
    expect(value(a, 'i').dtype).toBe('int32');
    expect(arr(value(a, 'i'))).toEqual([0, 1, 2]);
    expect(arr(value(a, 'all_'))).toEqual([3]); // NaN != 0 counts, as tf.not_equal
    expect(value(a, 'rows').shape).toEqual([2, 1]);
    expect(arr(value(a, 'rows'))).toEqual([2, 1]);
    expect(arr(value(a, 'b'))).toEqual([2]);
    expect(value(a, 'f').dtype).toBe('float32');
    expect(arr(value(a, 'f'))).toEqual([0, 1, 2]);
  });
});

describe('argmax / argmin', () => {
  it("match TensorFlow.js along every axis, first index at ties; int64 as TensorFlow's output_type default (TF.js has int32 only)", () => {
    // Values on a coarse grid so that ties happen.
    const shape = [3, 4, 2];
    const data = random(size(shape), -2, 2, 11).map((v) => Math.round(v));
    const lines = [`x = ${literal(data, shape)}`];
    const axes = [0, 1, 2, -1, -3];
    axes.forEach((axis, i) => lines.push(`mx${i} = argmax(x, axis=${axis})`, `mn${i} = argmin(x, ${axis}, output_type=int32)`));
    const a = run(lines.join('\n'));
    const x = tf.tensor(data, shape);
    axes.forEach((axis, i) => {
      const mx = value(a, `mx${i}`);
      expect(mx.dtype).toBe('int64');
      expect(value(a, `mn${i}`).dtype).toBe('int32');
      expect(mx.shape).toEqual(tf.argMax(x, axis).shape);
      expect(arr(mx)).toEqual(Array.from(tf.argMax(x, axis).dataSync()));
      expect(arr(value(a, `mn${i}`))).toEqual(Array.from(tf.argMin(x, axis).dataSync()));
    });
  });

  it('axis defaults to 0 (tf.argmax(input, axis=None) means axis 0); ties give the first index', () => {
    const a = run(
      'x = [[1., 7., 3.], [7., 2., 3.]]\nd = argmax(x)\nn = argmax(x, axis=None)\nt = argmax(x, axis=1)\nm = argmin([2, 1, 1, 5])',
    );
    expect(arr(value(a, 'd'))).toEqual([1, 0, 0]);
    expect(arr(value(a, 'n'))).toEqual([1, 0, 0]);
    expect(arr(value(a, 't'))).toEqual([1, 0]);
    expect(arr(value(a, 'm'))).toEqual([1]);
  });

  it('NaN wins only where it comes first (Eigen ArgMax, as TensorFlow.js)', () => {
    const a = run('a = argmax([nan, 1., 5.])\nb = argmax([1., nan, 5.])');
    expect(arr(value(a, 'a'))).toEqual([tf.argMax(tf.tensor([NaN, 1, 5])).dataSync()[0]]);
    expect(arr(value(a, 'b'))).toEqual([2]);
  });

  it('have no gradient and refuse a non-int32 output_type', () => {
    const a = analyze('x = constant([1., 3., 2.])\ng = gradients(cast(argmax(x), float32), x)[0]');
    expect(a.lookup('g')!.value.kind).toBe('none');
    const errs = errorsOf('x = constant([1., 3.])\ni = argmax(x, output_type=float32)');
    expect(errs).toHaveLength(1);
    expect(errs[0][1]).toMatch(/output_type must be int32/);
  });

  it('an empty axis is an error, not a crash', () => {
    const errs = errorsOf('x = zeros([0, 2])\ni = argmax(x, axis=0)');
    expect(errs).toHaveLength(1);
    expect(errs[0][1]).toMatch(/argmax of an empty axis/);
  });
});

describe('cumsum / cumprod', () => {
  it('match TensorFlow.js for every axis, exclusive and reverse', () => {
    const shape = [2, 3, 4];
    const data = random(size(shape), 0.5, 1.5, 21);
    const cases: { axis: number; exclusive: boolean; reverse: boolean }[] = [];
    for (const axis of [0, 1, 2, -1])
      for (const exclusive of [false, true]) for (const reverse of [false, true]) cases.push({ axis, exclusive, reverse });
    const py = (b: boolean) => (b ? 'True' : 'False');
    const lines = [`x = ${literal(data, shape)}`];
    cases.forEach((c, i) => {
      lines.push(`s${i} = cumsum(x, axis=${c.axis}, exclusive=${py(c.exclusive)}, reverse=${py(c.reverse)})`);
      lines.push(`p${i} = cumprod(x, ${c.axis}, ${py(c.exclusive)}, ${py(c.reverse)})`);
    });
    const a = run(lines.join('\n'));
    const x = tf.tensor(data, shape);
    cases.forEach((c, i) => {
      // TensorFlow.js returns an empty tensor for a negative axis: give it the positive one.
      const axis = c.axis < 0 ? c.axis + shape.length : c.axis;
      expect(value(a, `s${i}`).shape).toEqual(shape);
      expectClose(value(a, `s${i}`).data, tf.cumsum(x, axis, c.exclusive, c.reverse).dataSync());
      expectClose(value(a, `p${i}`).data, tf.cumprod(x, axis, c.exclusive, c.reverse).dataSync());
    });
  });

  it('axis defaults to 0; int32 stays int32', () => {
    const a = run('c = cumsum([[1, 2], [3, 4]])\np = cumprod([1, 2, 3, 4], exclusive=True)');
    expect(value(a, 'c').dtype).toBe('int32');
    expect(arr(value(a, 'c'))).toEqual([1, 2, 4, 6]);
    expect(arr(value(a, 'p'))).toEqual([1, 1, 2, 6]);
  });
});

describe('allclose', () => {
  const cases: [string, boolean][] = [
    ['allclose([1., 2.], [1., 2.])', true],
    ['allclose([1e10, 1e-7], [1.00001e10, 1e-8])', false], // NumPy's documented example
    // (NumPy's other example, [1e10, 1e-8] vs [1.00001e10, 1e-9], is True only in float64.)
    ['allclose([1024., 1e-8], [1024.0078125, 1e-9])', true], // within rtol * |b| = 0.0102
    ['allclose([1024.], [1024.015625])', false],
    ['allclose([1., nan], [1., nan])', false], // NaNs are unequal
    ['allclose([1., nan], [1., nan], equal_nan=True)', true],
    ['allclose([inf, -inf], [inf, -inf])', true], // equal infinities are close
    ['allclose([inf], [-inf])', false],
    ['allclose([inf], [1e38])', false],
    ['allclose([[1., 2.], [3., 4.]], [1., 2.])', false], // broadcasting: row 2 differs
    ['allclose([[1., 2.], [1., 2.]], [1., 2.])', true],
    ['allclose([1., 2.], 1.)', false],
    ['allclose([1., 1.], 1.)', true],
    ['allclose([100.], [101.], rtol=0.01)', true],
    ['allclose([100.], [101.], rtol=0.001)', false],
    ['allclose([0.], [0.5], atol=0.5)', true],
    ['allclose([1, 2], [1., 2.])', true], // dtypes need not agree (NumPy)
    ['allclose(zeros([0]), [1.])', true], // nothing to compare
    // The tolerance is asymmetric, as NumPy's: |a - b| <= atol + rtol * |b|.
    ['allclose([1.], [0.75], rtol=0.25, atol=0.)', false],
    ['allclose([0.75], [1.], rtol=0.25, atol=0.)', true],
  ];
  it('follows numpy.allclose and returns a bool scalar', () => {
    const src = cases.map(([expr], i) => `c${i} = ${expr}`).join('\n');
    const a = run(src);
    cases.forEach(([expr, expected], i) => {
      const t = value(a, `c${i}`);
      expect(t.dtype).toBe('bool');
      expect(t.shape).toEqual([]);
      expect(t.data[0] === 1, expr).toBe(expected);
    });
  });

  it('works in assert statements', () => {
    const a = analyze('x = constant([1., 2.])\nassert allclose(2 * x, [2., 4.])\nassert allclose(x, [1., 3.])');
    expect(a.asserts.map((s) => s.passed)).toEqual([true, false]);
  });

  it('reports shapes that do not broadcast at the second argument', () => {
    const errs = errorsOf('c = allclose([1., 2., 3.], [1., 2.])');
    expect(errs).toHaveLength(1);
    expect(errs[0][0]).toBe('[1., 2.]');
    expect(errs[0][1]).toMatch(/cannot be broadcast/);
  });
});

describe('norm', () => {
  it('matches TensorFlow.js for vector norms over axis=None (flattened), an axis, and keepdims', () => {
    const shape = [3, 4];
    const data = random(size(shape), -2, 2, 31);
    const cases: { ord: string; tfOrd: number | 'euclidean' | 'fro'; axis: number | null; keepdims: boolean }[] = [];
    for (const [ord, tfOrd] of [
      ["'euclidean'", 'euclidean'],
      ['2', 2],
      ['1', 1],
      ['np.inf', Infinity],
      ['inf', Infinity],
    ] as const) {
      for (const axis of [null, 0, 1, -1]) for (const keepdims of [false, true]) cases.push({ ord, tfOrd, axis, keepdims });
    }
    const lines = [`x = ${literal(data, shape)}`];
    cases.forEach((c, i) =>
      lines.push(`n${i} = norm(x, ord=${c.ord}, axis=${c.axis === null ? 'None' : c.axis}, keepdims=${c.keepdims ? 'True' : 'False'})`),
    );
    lines.push('d = norm(x)');
    const a = run(lines.join('\n'));
    const x = tf.tensor(data, shape);
    cases.forEach((c, i) => {
      const theirs = tf.norm(x, c.tfOrd, c.axis ?? undefined, c.keepdims);
      const ours = value(a, `n${i}`);
      expect(ours.shape, JSON.stringify(c)).toEqual(theirs.shape);
      expectClose(ours.data, theirs.dataSync());
    });
    expectClose(value(a, 'd').data, [Math.sqrt(data.reduce((s, v) => s + v * v, 0))]);
  });

  it("matches TensorFlow.js for matrix norms ('fro', 1, inf) over a pair of axes", () => {
    const shape = [2, 3, 4];
    const data = random(size(shape), -2, 2, 41);
    // The TensorFlow.js side of each case: its matrix norms assume axis[0] < axis[1], so a
    // reversed pair is compared with the equivalent norm over the sorted pair (TensorFlow:
    // ord=1 sums over axis[0] then takes the max over axis[1]; ord=inf the other way round).
    const cases: [string, [number, number], 'fro' | number, [number, number]][] = [
      ["'fro'", [1, 2], 'fro', [1, 2]],
      ["'euclidean'", [1, 2], 'euclidean' as 'fro', [1, 2]],
      ['1', [1, 2], 1, [1, 2]],
      ['1', [2, 1], Infinity, [1, 2]],
      ['inf', [1, 2], Infinity, [1, 2]],
      ['inf', [-1, -2], 1, [1, 2]],
      ['1', [0, 2], 1, [0, 2]],
    ];
    const a = run(
      [`x = ${literal(data, shape)}`, ...cases.map(([ord, axis], i) => `m${i} = norm(x, ord=${ord}, axis=[${axis.join(', ')}])`)].join(
        '\n',
      ),
    );
    const x = tf.tensor(data, shape);
    cases.forEach(([, , tfOrd, tfAxis], i) => {
      const theirs = tf.norm(x, tfOrd, tfAxis);
      expect(value(a, `m${i}`).shape).toEqual(theirs.shape);
      expectClose(value(a, `m${i}`).data, theirs.dataSync());
    });
  });

  it('p-norms for other positive ord', () => {
    const a = run('n = norm([3., -4., 1.], ord=3)\nh = norm([1., 4.], ord=0.5)');
    expectClose(value(a, 'n').data, [Math.cbrt(27 + 64 + 1)], 1e-6);
    expectClose(value(a, 'h').data, [9], 1e-6);
  });

  it('refuses what tf.norm refuses, at the offending argument', () => {
    const cases: [string, string, RegExp][] = [
      ["n = norm(constant([1., 2.]), ord='fro')", "'fro'", /matrix norm/],
      ['n = norm(constant([[1., 2.]]), ord=2, axis=[0, 1])', '2', /SVD/],
      ['n = norm(constant([1., 2.]), ord=-1)', '-1', /positive/],
      ["n = norm(constant([1., 2.]), ord='max')", "'max'", /ord must be/],
      ['n = norm(constant([[1., 2.]]), axis=[0, 1, 1])', '[0, 1, 1]', /pair/],
      ['n = norm(constant([[1., 2.]]), axis=[1, -1])', '[1, -1]', /twice/],
      ['n = norm(constant([[1., 2.]]), axis=2)', '2', /axis 2 is out of range for a tensor of rank 2/],
      ['n = norm([1, 2])', '[1, 2]', /float/],
    ];
    for (const [src, at, message] of cases) {
      const errs = errorsOf(src);
      expect(errs, src).toHaveLength(1);
      expect(errs[0][0], src).toBe(at);
      expect(errs[0][1], src).toMatch(message);
    }
  });
});

describe('static errors name the argument', () => {
  const cases: [string, string, RegExp][] = [
    ['x = zeros([2, 3])\ny = reduce_sum(x, axis=3)', '3', /axis 3 is out of range for a tensor of rank 2/],
    ['x = zeros([2, 3])\ny = reduce_max(x, axis=[0, -3])', '[0, -3]', /axis -3 is out of range for a tensor of rank 2/],
    ['x = zeros([2, 3])\ny = reduce_prod(x, [1, -1])', '[1, -1]', /names axis 1 twice/],
    ['x = zeros([2, 3])\ny = reduce_logsumexp(x, axis=2, keepdims=True)', '2', /out of range/],
    ['x = zeros([2, 3])\ny = argmax(x, axis=2)', '2', /axis 2 is out of range for a tensor of rank 2/],
    ['x = zeros([2, 3])\ny = argmin(x, dimension=-3)', '-3', /out of range/],
    ['x = zeros([2, 3])\ny = cumsum(x, axis=2)', '2', /out of range/],
    ['x = zeros([2, 3])\ny = cumprod(x, axis=None)', 'None', /axis must be an integer/],
    ['x = zeros([2, 3])\ny = count_nonzero(x, axis=5)', '5', /out of range/],
    // TensorFlow refuses axis 0 of a scalar ("Invalid reduction dimension").
    ['y = reduce_mean(constant(3.), axis=0)', '0', /axis 0 is out of range for a tensor of rank 0/],
    ['x = zeros([2, 3])\ny = reduce_all(x)', 'x', /bool/],
    ['x = zeros([2], int32)\ny = reduce_logsumexp(x)', 'x', /float/],
  ];
  for (const [src, at, message] of cases) {
    it(src.split('\n').pop()!, () => {
      const errs = errorsOf(src);
      expect(errs).toHaveLength(1);
      expect(errs[0][0]).toBe(at);
      expect(errs[0][1]).toMatch(message);
    });
  }

  it('unknown rank: gradients restore the reduced axes at run time', () => {
    // Statically, a reduction of a tensor of unknown rank cannot tell where its reduced
    // axes go back (axis=[-1, -2] of a rank-3 tensor): the gradient finds out when fed.
    const data = random(24, 0.5, 2, 71).map((v, i) => v + i / 1024);
    const ops = [
      'reduce_max(x, axis=[-1, -2])',
      'reduce_prod(x, axis=[0, -1])',
      'reduce_logsumexp(x, axis=[1])',
      'reduce_sum(x, axis=-1)',
      'reduce_min(x)',
      'reduce_mean(x, axis=[2, 1])',
    ];
    const lines = ['x = placeholder(float32, None)', `feed x = ${literal(data, [2, 3, 4])}`, `k = ${literal(data, [2, 3, 4])}`];
    ops.forEach((op, i) => lines.push(`u${i} = gradients(${op}, x)[0]`, `k${i} = gradients(${op.replace('(x', '(k')}, k)[0]`));
    const a = run(lines.join('\n'));
    ops.forEach((op, i) => {
      expect(value(a, `u${i}`).shape).toEqual([2, 3, 4]);
      expect(arr(value(a, `u${i}`)), op).toEqual(arr(value(a, `k${i}`)));
    });
  });

  it('unknown rank: shapes stay unknown until fed, then evaluate', () => {
    const a = run('x = placeholder(float32, None)\ny = reduce_max(x, axis=1)\nfeed x = [[1., 5.], [7., 2.]]');
    const b = a.lookup('y')!;
    expect(b.value.kind === 'tensor' && b.value.node.type.shape).toBe(null);
    expect(arr(value(a, 'y'))).toEqual([5, 7]);
  });
});

// ---- gradients -----------------------------------------------------------------------------

/** Analyses `check gradients(...)` lines and expects every check to pass. */
function expectChecksPass(src: string, count: number): void {
  const a = analyze(src);
  const errors = a.diagnostics.filter((d) => d.severity === 'error');
  expect(errors.map((d) => d.message)).toEqual([]);
  expect(a.checks).toHaveLength(count);
  for (const c of a.checks) expect(c.passed, c.message).toBe(true);
}

describe('gradients against float64 central differences', () => {
  const shape = [2, 3, 4];
  // No zeros and no ties: every op is smooth here.
  const data = random(size(shape), 0.5, 2, 51).map((v, i) => v + i / 1024);
  const x = `x = variable(${literal(data, shape)})`;
  const combos = ['axis=None', 'axis=1', 'axis=-1, keepdims=True', 'axis=[0, 2]', 'axis=[2, 0], keepdims=True'];

  for (const op of ['reduce_prod', 'reduce_max', 'reduce_min', 'reduce_logsumexp']) {
    it(op, () => {
      const lines = [x, 'w = variable(uniform([2, 3, 4], seed=5))'];
      for (const c of combos) lines.push(`check gradients(${op}(x, ${c}), x)`);
      // A non-trivial upstream gradient, through a product.
      lines.push(`check gradients(${op}(x * w, axis=1), [x, w])`);
      expectChecksPass(lines.join('\n'), combos.length + 1);
    });
  }

  it('norm (euclidean, 1, inf, p, matrix fro/1/inf)', () => {
    const signed = data.map((v, i) => (i % 3 === 0 ? -v : v));
    const lines = [`x = variable(${literal(signed, shape)})`];
    const variants = [
      '',
      ', axis=1',
      ', ord=2, axis=-1, keepdims=True',
      ', ord=1',
      ', ord=1, axis=0',
      ', ord=inf, axis=2',
      ', ord=3, axis=1',
      ", ord='fro', axis=[1, 2]",
      ', ord=1, axis=[1, 2]',
      ', ord=inf, axis=[0, 2], keepdims=True',
    ];
    for (const v of variants) lines.push(`check gradients(norm(x${v}), x)`);
    expectChecksPass(lines.join('\n'), variants.length);
  });

  it('cumsum and cumprod, every direction', () => {
    const lines = [x];
    for (const op of ['cumsum', 'cumprod']) {
      for (const axis of [0, 1, -1]) {
        for (const flags of ['', ', exclusive=True', ', reverse=True', ', exclusive=True, reverse=True'])
          lines.push(`check gradients(${op}(x, axis=${axis}${flags}), x)`);
      }
    }
    expectChecksPass(lines.join('\n'), 24);
  });

  it('second derivatives (gradients of gradients) of prod, logsumexp, max and norm', () => {
    const small = data.slice(0, 6);
    const lines = [
      `x = variable(${literal(small, [2, 3])})`,
      'check gradients(gradients(reduce_prod(x, axis=1), x)[0], x)',
      'check gradients(gradients(reduce_prod(x), x)[0], x)',
      'check gradients(gradients(reduce_logsumexp(x, axis=0), x)[0], x)',
      'check gradients(gradients(reduce_max(x * x, axis=1), x)[0], x)',
      'check gradients(gradients(norm(x), x)[0], x)',
      'check gradients(gradients(cumprod(x, axis=1, exclusive=True), x)[0], x)',
    ];
    expectChecksPass(lines.join('\n'), 6);
  });
});

describe("gradients: TensorFlow's values at zeros and ties", () => {
  it('reduce_prod with one zero: the zero gets the product of the others, the rest 0', () => {
    const a = run(
      [
        'x = constant([[2., 0., 3.], [1., 4., 5.], [0., 0., 7.]])',
        'g = gradients(reduce_prod(x, axis=1), x)[0]',
        'all_ = gradients(reduce_prod(x[:2]), x)[0]',
        'v = constant([2., 0., 3., 4.])',
        'gv = gradients(reduce_prod(v), v)[0]',
        'weighted = gradients(reduce_prod(x, axis=0, keepdims=True), x, grad_ys=[[1., 10., 100.]])[0]',
      ].join('\n'),
    );
    // Row 0: the zero gets 2 * 3; row 1 has no zero: products of the others; row 2 has two
    // zeros: every product of the others contains a zero.
    expect(arr(value(a, 'g'))).toEqual([0, 6, 0, 20, 5, 4, 0, 0, 0]);
    // Over x[:2] (one zero among six): only the zero's gradient, 2*3*1*4*5 = 120, survives.
    expect(arr(value(a, 'all_'))).toEqual([0, 120, 0, 0, 0, 0, 0, 0, 0]);
    expect(arr(value(a, 'gv'))).toEqual([0, 24, 0, 0]);
    // Columns: [2,1,0] -> (0, 0, 2), [0,4,0] -> (0, 0, 0) * 10, [3,5,7] -> (35, 21, 15) * 100.
    expect(arr(value(a, 'weighted'))).toEqual([0, 0, 3500, 0, 0, 2100, 2, 0, 1500]);
  });

  it('reduce_prod gradient matches TensorFlow.js (same cumprod rule) with zeros, over several axes', async () => {
    const shape = [2, 3, 2];
    const data = [2, 0, 3, 1, 4, 5, 0, 0, 7, 1, 2, 3];
    const src = [`x = ${literal(data, shape)}`];
    const axes: (number | number[] | null)[] = [0, 1, 2, [0, 2], [1, 2], null];
    axes.forEach((axis, i) => src.push(`g${i} = gradients(reduce_prod(x, axis=${axisText(axis)}), x)[0]`));
    const a = run(src.join('\n'));
    for (let i = 0; i < axes.length; i++) {
      const theirs = tf.grad((t: tf.Tensor) => tf.prod(t, axes[i] ?? undefined))(tf.tensor(data, shape));
      expect(arr(value(a, `g${i}`)), `axis ${JSON.stringify(axes[i])}`).toEqual(Array.from(theirs.dataSync()));
    }
  });

  it('reduce_max/min split the gradient equally among ties (TensorFlow, NOT TensorFlow.js)', () => {
    // TensorFlow.js gives every tied element the whole gradient ([0, 1, 1] for [1, 3, 3]);
    // TensorFlow's _MinOrMaxGrad divides by the number of ties, which we follow.
    const a = run(
      [
        't = constant([[1., 3., 3.], [2., 2., 2.]])',
        'gmax = gradients(reduce_max(t, axis=1), t)[0]',
        'gmin = gradients(reduce_min(t, axis=1, keepdims=True), t)[0]',
        'gall = gradients(reduce_max(t), t)[0]',
        'gcol = gradients(reduce_max(t, axis=0), t, grad_ys=[10., 20., 30.])[0]',
      ].join('\n'),
    );
    expect(arr(value(a, 'gmax'))).toEqual([0, 0.5, 0.5, 1 / 3, 1 / 3, 1 / 3].map(Math.fround));
    expect(arr(value(a, 'gmin'))).toEqual([1, 0, 0, 1 / 3, 1 / 3, 1 / 3].map(Math.fround));
    expect(arr(value(a, 'gall'))).toEqual([0, 0.5, 0.5, 0, 0, 0]);
    // Column 0: 2 wins alone; column 1: 3 wins; column 2: 3 wins.
    expect(arr(value(a, 'gcol'))).toEqual([0, 20, 30, 10, 0, 0]);
  });

  it('reduce_max gradient matches TensorFlow.js away from ties', () => {
    const shape = [3, 4];
    const data = random(size(shape), -2, 2, 61).map((v, i) => v + i / 4096);
    const a = run(`x = ${literal(data, shape)}\ng = gradients(reduce_max(x, axis=1), x)[0]\nh = gradients(reduce_min(x, axis=0), x)[0]`);
    expect(arr(value(a, 'g'))).toEqual(
      Array.from(
        tf
          .grad((t: tf.Tensor) => tf.max(t, 1))(tf.tensor(data, shape))
          .dataSync(),
      ),
    );
    expect(arr(value(a, 'h'))).toEqual(
      Array.from(
        tf
          .grad((t: tf.Tensor) => tf.min(t, 0))(tf.tensor(data, shape))
          .dataSync(),
      ),
    );
  });

  it('reduce_logsumexp gradient is the softmax of the group (and matches TensorFlow.js)', () => {
    const data = [1, 2, 3, -1, 0, 1000];
    const a = run(`x = ${literal(data, [2, 3])}\ng = gradients(reduce_logsumexp(x, axis=1), x)[0]`);
    const z0 = Math.exp(1) + Math.exp(2) + Math.exp(3);
    expectClose(value(a, 'g').data, [Math.exp(1) / z0, Math.exp(2) / z0, Math.exp(3) / z0, 0, 0, 1], 1e-6, 1e-7);
    expectClose(
      value(a, 'g').data,
      tf
        .grad((t: tf.Tensor) => tf.logSumExp(t, 1))(tf.tensor(data, [2, 3]))
        .dataSync(),
      1e-6,
      1e-7,
    );
  });

  it("norm: the euclidean gradient is x / norm, NaN at 0 (TensorFlow's); ord=inf splits ties of |x|", () => {
    const a = run(
      [
        'x = constant([3., -4.])',
        'g = gradients(norm(x), x)[0]',
        'z = constant([0., 0.])',
        'gz = gradients(norm(z), z)[0]',
        'g1 = gradients(norm(x, ord=1), x)[0]',
        'm = constant([2., -2., 1.])',
        'ginf = gradients(norm(m, ord=inf), m)[0]',
      ].join('\n'),
    );
    expectClose(value(a, 'g').data, [0.6, -0.8]);
    const gz = arr(value(a, 'gz'));
    expect(gz[0]).toBeNaN();
    expect(gz[1]).toBeNaN();
    expect(arr(value(a, 'g1'))).toEqual([1, -1]);
    expect(arr(value(a, 'ginf'))).toEqual([0.5, -0.5, 0]);
  });

  it('cumsum gradient is the reverse cumsum (TensorFlow and TensorFlow.js agree)', () => {
    const a = run(
      [
        'x = constant([1., 2., 3.])',
        'g = gradients(cumsum(x), x)[0]',
        'ge = gradients(cumsum(x, exclusive=True), x)[0]',
        'gr = gradients(cumsum(x, reverse=True), x)[0]',
        'gw = gradients(cumsum(x), x, grad_ys=[1., 10., 100.])[0]',
      ].join('\n'),
    );
    expect(arr(value(a, 'g'))).toEqual([3, 2, 1]);
    expect(arr(value(a, 'ge'))).toEqual([2, 1, 0]);
    expect(arr(value(a, 'gr'))).toEqual([1, 2, 3]);
    expect(arr(value(a, 'gw'))).toEqual([111, 110, 100]);
    expect(arr(value(a, 'ge'))).toEqual(
      Array.from(
        tf
          .grad((t: tf.Tensor) => tf.cumsum(t, 0, true))(tf.tensor([1, 2, 3]))
          .dataSync(),
      ),
    );
  });

  it("cumprod gradient is TensorFlow's div_no_nan rule: exact without zeros, 0 at a zero", () => {
    // TensorFlow's _CumprodGrad divides by x (div_no_nan), so at a zero it gives 0 where the
    // true derivative of sum(cumprod([2, 0, 3])) w.r.t. x[1] is 2 + 2*3 = 8. We keep
    // TensorFlow's value; the check below is marked expect-fail to show the difference.
    const a = analyze(
      [
        'x = constant([2., 5., 3.])',
        'g = gradients(cumprod(x), x)[0]',
        'z = constant([2., 0., 3.])',
        'gz = gradients(cumprod(z), z)[0]',
        'check gradients(cumprod(z), z)  # expect-fail: TensorFlow gives 0 at the zero',
      ].join('\n'),
    );
    expect(a.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    // d/dx0 (x0 + x0 x1 + x0 x1 x2) = 1 + 5 + 15; d/dx1 = 2 + 6; d/dx2 = 10.
    expect(arr(value(a, 'g'))).toEqual([21, 8, 10]);
    expect(arr(value(a, 'gz'))).toEqual([1, 0, 0]);
    expect(a.checks[0].passed).toBe(false);
  });

  it('no gradient flows through reduce_all/any, count_nonzero or allclose', () => {
    const a = analyze(
      [
        'x = constant([1., 2.])',
        'g1 = gradients(cast(count_nonzero(x), float32), x)[0]',
        'g2 = gradients(cast(allclose(x, x), float32), x)[0]',
        'g3 = gradients(cast(reduce_any(x > 1.), float32), x)[0]',
      ].join('\n'),
    );
    for (const n of ['g1', 'g2', 'g3']) expect(a.lookup(n)!.value.kind, n).toBe('none');
  });
});
