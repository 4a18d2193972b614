// The fast kernel paths (engine/ops/kernels.ts: per-op loops, broadcasting by rows, the
// summing reduction, add_n two at a time, buffers shared by no-op gradients) must give
// bit-for-bit the values of the plain definitions they replace: each op's value per element
// (Math.*), a naive broadcast, a row-major float64 sum, add_n as repeated stored additions.
// Inputs include ±0, ±Inf, NaN, subnormal-sized and large values; float32 (rounded stores)
// and float64 evaluation are both checked.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lookupOp } from '../../engine/ops/registry';
import '../../engine/ops';
import { type DType, type Tensor, type TypedData, allocData, sizeOf, stridesOf } from '../../engine/tensor';
import type { KernelContext } from '../../engine/ops/registry';
import { Random } from '../../engine/ops/random';
import { setKernelBackend } from '../../engine/wasm/runtime';

const ctxOf = (precision: 'float32' | 'float64'): KernelContext => ({
  precision,
  alloc: (dtype, size) => allocData(dtype, size, precision),
  evaluateWith: () => undefined,
  deadline: Infinity,
});

const SPECIAL = [
  0,
  -0,
  1,
  -1,
  0.5,
  -0.5,
  2,
  -3,
  1e-30,
  -1e-30,
  20,
  -20,
  88,
  -88,
  89,
  -104,
  1e30,
  -1e30,
  Infinity,
  -Infinity,
  NaN,
  3.4e38,
  0.1,
];

function values(n: number, seed: number): number[] {
  const rng = new Random(seed);
  const out = SPECIAL.slice();
  while (out.length < n) out.push(rng.normal() * (rng.uniform() < 0.2 ? 30 : 2));
  return out.slice(0, n);
}

function tensor(dtype: DType, shape: number[], data: number[], precision: 'float32' | 'float64' = 'float32'): Tensor {
  const d = allocData(dtype, data.length, precision);
  data.forEach((v, i) => (d[i] = v));
  return { dtype, shape, data: d };
}

/** Bit-level equality (so -0 differs from 0 and NaN equals NaN). */
function same(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): string {
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (!Object.is(a[i], b[i])) return `index ${i}: ${a[i]} vs ${b[i]}`;
  return 'none';
}

function run(op: string, inputs: Tensor[], precision: 'float32' | 'float64', attrs: Record<string, unknown> = {}): TypedData {
  const def = lookupOp(op)!;
  const out = def.infer!(inputs, attrs);
  return def.kernel!(inputs, attrs, { dtype: out.dtype, shape: out.shape as number[] }, ctxOf(precision));
}

/** What storing `v` into a fresh array of the output's class gives. */
function stored(dtype: DType, precision: 'float32' | 'float64', v: number[]): TypedData {
  const d = allocData(dtype, v.length, precision);
  v.forEach((x, i) => (d[i] = x));
  return d;
}

const sigmoid = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

const UNARY: Record<string, (x: number) => number> = {
  negative: (x) => -x,
  abs: Math.abs,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  square: (x) => x * x,
  reciprocal: (x) => 1 / x,
  tanh: Math.tanh,
  sigmoid,
  relu: (x) => (x < 0 ? 0 : x), // Eigen's max(x, 0), as TensorFlow's Relu: NaN and -0 kept
};

const BINARY: Record<string, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  subtract: (a, b) => a - b,
  multiply: (a, b) => a * b,
  divide: (a, b) => a / b,
  maximum: (a, b) => (a >= b || a !== a ? a : b),
  minimum: (a, b) => (a <= b || a !== a ? a : b),
  squared_difference: (a, b) => (a - b) * (a - b),
  less: (a, b) => (a < b ? 1 : 0),
  less_equal: (a, b) => (a <= b ? 1 : 0),
  greater: (a, b) => (a > b ? 1 : 0),
  greater_equal: (a, b) => (a >= b ? 1 : 0),
};

describe('per-op loops compute exactly the per-element definition', () => {
  // These loops are the reference kernels; test/engine/wasm.test.ts holds the WebAssembly ones to them.
  beforeAll(() => setKernelBackend('js'));
  afterAll(() => setKernelBackend('wasm'));
  for (const precision of ['float32', 'float64'] as const) {
    for (const [op, f] of Object.entries(UNARY)) {
      it(`${op} (${precision})`, () => {
        const x = tensor('float32', [64], values(64, 3), precision);
        const got = run(op, [x], precision);
        const want = stored('float32', precision, Array.from(x.data as ArrayLike<number>, f));
        expect(same(got, want), firstDifference(got, want)).toBe(true);
      });
    }
    it(`sigmoid with one exp equals the two-branch formula (${precision})`, () => {
      const x = tensor('float32', [2000], values(2000, 11), precision);
      const got = run('sigmoid', [x], precision);
      const want = stored('float32', precision, Array.from(x.data as ArrayLike<number>, sigmoid));
      expect(same(got, want)).toBe(true);
    });
  }

  it('cast to a float type converts as assignment does (int32, bool, float64 → float32)', () => {
    const ints = tensor('int32', [4], [16777217, -3, 0, 2147483647]);
    expect(Array.from(run('cast', [ints], 'float32', { dtype: 'float32' }))).toEqual([16777216, -3, 0, 2147483648]);
    const bools = tensor('bool', [3], [1, 0, 1]);
    expect(Array.from(run('cast', [bools], 'float32', { dtype: 'float32' }))).toEqual([1, 0, 1]);
    const doubles = tensor('float64', [2], [0.1, 1e40]);
    expect(Array.from(run('cast', [doubles], 'float32', { dtype: 'float32' }))).toEqual([Math.fround(0.1), Infinity]);
  });
});

/** The reference broadcast: every output index mapped to each input by its strides. */
function naiveBinary(a: Tensor, b: Tensor, outShape: number[], f: (x: number, y: number) => number): number[] {
  const rank = outShape.length;
  const strides = (s: readonly number[]) => {
    const st = stridesOf(s);
    return outShape.map((_, i) => {
      const j = i - (rank - s.length);
      return j < 0 || s[j] === 1 ? 0 : st[j];
    });
  };
  const sa = strides(a.shape);
  const sb = strides(b.shape);
  const outStrides = stridesOf(outShape);
  const out: number[] = [];
  for (let o = 0; o < sizeOf(outShape); o++) {
    let ia = 0;
    let ib = 0;
    for (let k = 0; k < rank; k++) {
      const idx = Math.floor(o / outStrides[k]) % outShape[k];
      ia += idx * sa[k];
      ib += idx * sb[k];
    }
    out.push(f(a.data[ia], b.data[ib]));
  }
  return out;
}

const SHAPES: [number[], number[]][] = [
  [
    [5, 7],
    [5, 7],
  ],
  [[5, 7], []],
  [[], [5, 7]],
  [[5, 7], [7]],
  [
    [5, 7],
    [5, 1],
  ],
  [
    [1, 7],
    [5, 1],
  ],
  [
    [2, 3, 4],
    [3, 1],
  ],
  [
    [2, 1, 4],
    [1, 3, 4],
  ],
  [
    [2, 3, 4, 5],
    [2, 1, 4, 1],
  ],
  [
    [3, 1, 1],
    [1, 1, 6],
  ],
  [[0, 3], [3]],
];

describe('broadcasting by rows matches a naive index walk', () => {
  for (const [sa, sb] of SHAPES) {
    it(`[${sa}] with [${sb}]`, () => {
      for (const [op, f] of Object.entries(BINARY)) {
        for (const precision of ['float32', 'float64'] as const) {
          const a = tensor('float32', sa, values(sizeOf(sa), 5), precision);
          const b = tensor('float32', sb, values(sizeOf(sb), 9).reverse(), precision);
          const def = lookupOp(op)!;
          const outShape = def.infer!([a, b], {}).shape as number[];
          const got = run(op, [a, b], precision);
          const want = stored(def.infer!([a, b], {}).dtype, precision, naiveBinary(a, b, outShape, f));
          expect(same(got, want), `${op} ${precision}: ${firstDifference(got, want)}`).toBe(true);
        }
      }
    });
  }

  it('int32 operands keep the integer rules (wrapping products, add wraps on store)', () => {
    const a = tensor('int32', [3], [2147483647, -7, 65536]);
    const b = tensor('int32', [3], [2, 3, 65536]);
    expect(Array.from(run('multiply', [a, b], 'float32'))).toEqual([-2, -21, 0]);
    expect(Array.from(run('add', [a, b], 'float32'))).toEqual([-2147483647, -4, 131072]);
    expect(Array.from(run('maximum', [a, b], 'float32'))).toEqual([2147483647, 3, 65536]);
  });

  it('where broadcasts condition and branches as a naive walk does', () => {
    const c = tensor('bool', [2, 1, 4], [1, 0, 1, 1, 0, 0, 1, 0]);
    const x = tensor('float32', [3, 1], [1, 2, 3]);
    const y = tensor('float32', [], [-1]);
    const got = Array.from(run('where', [c, x, y], 'float32'));
    const want: number[] = [];
    for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) want.push(c.data[i * 4 + k] ? x.data[j] : -1);
    expect(got).toEqual(want);
    const full = run(
      'where',
      [tensor('bool', [3], [1, 0, 1]), tensor('float32', [3], [1, 2, 3]), tensor('float32', [3], [7, 8, 9])],
      'float32',
    );
    expect(Array.from(full)).toEqual([1, 8, 3]);
  });

  it('broadcast_to copies rows, fills broadcast rows and single values', () => {
    const x = tensor('float32', [3, 1], [1, 2, 3]);
    expect(Array.from(run('broadcast_like', [x, tensor('float32', [2, 3, 2], new Array(12).fill(0))], 'float32'))).toEqual([
      1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3,
    ]);
    const row = tensor('float32', [3], [1, 2, 3]);
    expect(Array.from(run('broadcast_like', [row, tensor('float32', [2, 3], new Array(6).fill(0))], 'float32'))).toEqual([
      1, 2, 3, 1, 2, 3,
    ]);
    const one = tensor('float32', [], [5]);
    expect(Array.from(run('broadcast_like', [one, tensor('float32', [2, 2], [0, 0, 0, 0])], 'float32'))).toEqual([5, 5, 5, 5]);
  });
});

describe('summing reductions', () => {
  /** Row-major float64 accumulation per output element: the definition. */
  function naiveSum(x: Tensor, axes: number[]): number[] {
    const kept = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
    const outShape = kept.map((i) => x.shape[i]);
    const acc = new Float64Array(sizeOf(outShape));
    const st = stridesOf(x.shape);
    const ost = stridesOf(outShape);
    for (let i = 0; i < x.data.length; i++) {
      let o = 0;
      kept.forEach((ax, k) => (o += (Math.floor(i / st[ax]) % x.shape[ax]) * ost[k]));
      acc[o] += x.data[i];
    }
    return Array.from(acc);
  }

  const cases: [number[], number[]][] = [
    [[64, 256], [0]],
    [[64, 256], [1]],
    [
      [64, 256],
      [0, 1],
    ],
    [
      [2, 3, 4, 5],
      [1, 3],
    ],
    [
      [2, 3, 4, 5],
      [0, 2],
    ],
    [
      [2, 3, 4, 5],
      [1, 2],
    ],
    [[4, 1, 6], [0]],
    [[1, 1, 7], [2]],
    [[3, 4], []],
  ];
  for (const [shape, axes] of cases) {
    it(`reduce_sum and reduce_mean of [${shape}] over [${axes}]`, () => {
      for (const precision of ['float32', 'float64'] as const) {
        const x = tensor('float32', shape, values(sizeOf(shape), 13), precision);
        const sums = naiveSum(x, axes);
        const got = run('reduce_sum', [x], precision, { axis: axes, keepdims: false });
        expect(same(got, stored('float32', precision, sums)), firstDifference(got, stored('float32', precision, sums))).toBe(true);
        const count = axes.reduce((n, a) => n * shape[a], 1);
        const mean = run('reduce_mean', [x], precision, { axis: axes, keepdims: false });
        expect(
          same(
            mean,
            stored(
              'float32',
              precision,
              sums.map((s) => s / count),
            ),
          ),
        ).toBe(true);
      }
    });
  }

  it('sum_to_like sums broadcast axes and shares the buffer when nothing is summed', () => {
    const x = tensor(
      'float32',
      [3, 4],
      values(12, 17).map((v) => (Number.isFinite(v) ? v : 1)),
    );
    const like = tensor('float32', [4], [0, 0, 0, 0]);
    const summed = run('sum_to_like', [x, like], 'float32');
    expect(same(summed, stored('float32', 'float32', naiveSum(x, [0])))).toBe(true);
    expect(run('sum_to_like', [x, tensor('float32', [3, 4], new Array(12).fill(0))], 'float32')).toBe(x.data);
    expect(run('reshape_like', [x, tensor('float32', [2, 6], new Array(12).fill(0))], 'float32')).toBe(x.data);
  });
});

describe('add_n adds two at a time with the rounding of one at a time', () => {
  for (const count of [1, 2, 3, 4, 5]) {
    it(`${count} inputs`, () => {
      for (const precision of ['float32', 'float64'] as const) {
        const inputs = Array.from({ length: count }, (_, k) =>
          tensor(
            'float32',
            [300],
            values(300, 100 + k).map((v) => v * 1.37),
            precision,
          ),
        );
        inputs.push(); // keep the literal list
        const got = run('add_n', inputs, precision, { inputsCount: count });
        const want = allocData('float32', 300, precision);
        for (const t of inputs) for (let i = 0; i < 300; i++) want[i] += t.data[i];
        expect(same(got, want), firstDifference(got, want)).toBe(true);
      }
    });
  }

  it('-0 + -0 stays +0, as accumulating into zeros gives', () => {
    const got = run('add_n', [tensor('float32', [1], [-0]), tensor('float32', [1], [-0])], 'float32', { inputsCount: 2 });
    expect(Object.is(got[0], 0)).toBe(true);
  });

  it('int32 sums wrap on every addition', () => {
    const a = tensor('int32', [2], [2147483647, 5]);
    const got = run('add_n', [a, a, tensor('int32', [2], [1, 1])], 'float32', { inputsCount: 3 });
    expect(Array.from(got)).toEqual([-1, 11]);
  });
});
