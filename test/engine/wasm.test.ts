// The WebAssembly kernels against the TypeScript ones (the reference): every op with a
// WebAssembly path, in float32 and float64 data, at sizes that are not multiples of the
// blocks (1, 7, 65, ...), with transposes, broadcast batches, strides, dilations and both
// paddings. The kernels are called through the op records, as the evaluator calls them.
//
// Tolerances: float64 data is summed in float64 by both, in different orders (blocks of
// k), so results agree to a few units in the last place of the sum of |terms|. float32 data
// is multiplied and summed in float32 by the WebAssembly kernels (the reference sums in
// float64 and rounds once), so they agree to about K·2^-24 of the sum of |terms|.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConcreteType, lookupOp, type KernelContext } from '../../engine/ops/registry';
import { allocData, type Precision, type Tensor, sizeOf } from '../../engine/tensor';
import { allowRelaxedSimd, kernelBackend, kernelVariant, setKernelBackend, wasmKernels } from '../../engine/wasm/runtime';
import { enableRelaxedSimd } from '../../engine/wasm/nodeFeatures';
import { binaryWasm, whereWasm } from '../../engine/wasm/binary';
import { unaryWasm } from '../../engine/wasm/elementwise';
import { sumWasm } from '../../engine/wasm/reduce';
import { Random } from '../../engine/ops/random';
import '../../engine/ops';

function context(precision: Precision): KernelContext {
  return { precision, alloc: (dtype, n) => allocData(dtype, n, precision), evaluateWith: () => undefined, deadline: Infinity };
}

function tensor(shape: number[], seed: number, width: 'f32' | 'f64'): Tensor {
  const rng = new Random(seed);
  const n = sizeOf(shape);
  const data = width === 'f32' ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = rng.normal();
  return { dtype: width === 'f32' ? 'float32' : 'float64', shape, data };
}

/** The op's kernel on `inputs` with each backend: [WebAssembly, reference]. */
function both(op: string, inputs: Tensor[], attrs: Record<string, unknown>): [Tensor, Tensor] {
  const def = lookupOp(op)!;
  const out = def.infer!(inputs, attrs) as { dtype: Tensor['dtype']; shape: number[] };
  const precision: Precision = inputs.some((t) => t.data instanceof Float64Array) ? 'float64' : 'float32';
  const results: Tensor[] = [];
  for (const backend of ['wasm', 'js'] as const) {
    setKernelBackend(backend);
    results.push({ dtype: out.dtype, shape: out.shape, data: def.kernel!(inputs, attrs, out, context(precision)) });
  }
  setKernelBackend('wasm');
  return [results[0], results[1]];
}

/** |wasm - reference| <= tol · (1 + |reference|), elementwise, same shapes and array classes. */
function expectAgree([wasm, reference]: [Tensor, Tensor], tol: number): void {
  expect(wasm.shape).toEqual(reference.shape);
  expect(wasm.data.constructor).toBe(reference.data.constructor);
  expect(wasm.data.length).toBe(reference.data.length);
  let worst = 0;
  for (let i = 0; i < wasm.data.length; i++) {
    const err = Math.abs(wasm.data[i] - reference.data[i]) / (1 + Math.abs(reference.data[i]));
    if (!(err <= worst)) worst = err;
  }
  expect(worst).toBeLessThanOrEqual(tol);
}

/** Tolerance for sums of `terms` products of standard normals (|terms| sum ~ terms). */
function tolerance(width: 'f32' | 'f64', terms: number): number {
  return (width === 'f32' ? 2 ** -22 : 2 ** -50) * Math.max(terms, 1);
}

// As the CLI and the language server do: Node 20 runs the relaxed-SIMD build once it is enabled.
enableRelaxedSimd();

afterAll(() => setKernelBackend('wasm'));

describe('the WebAssembly kernels run here', () => {
  it('are in effect by default, and the switch selects the reference', () => {
    expect(kernelBackend()).toBe('wasm');
    setKernelBackend('js');
    expect(kernelBackend()).toBe('js');
    setKernelBackend('wasm');
    expect(kernelBackend()).toBe('wasm');
  });
});

// The products run in both builds of the module: with relaxed SIMD (fused multiply-adds,
// rounded once) and plain SIMD (a multiply, then an add).
/** `body`'s suites in each build of the module. */
function inEachBuild(body: () => void): void {
  describe.each(['relaxed-simd', 'simd'] as const)('the %s build', (variant) => {
    beforeAll(() => allowRelaxedSimd(variant === 'relaxed-simd'));
    afterAll(() => allowRelaxedSimd(true));

    it('is the build in effect', () => {
      expect(kernelVariant()).toBe(variant);
    });

    body();
  });
}

inEachBuild(() => {
  describe.each(['f32', 'f64'] as const)('matmul, %s', (width) => {
    const sizes: [number, number, number][] = [
      [1, 1, 1],
      [7, 7, 7],
      [1, 65, 1],
      [65, 1, 65],
      [5, 300, 3],
      [97, 257, 9],
      [65, 130, 33],
      [4, 8, 8],
      // Packing: whole squares of vectors transposed and the steps past the last square;
      // float32's three full panels of B packed as a pair and one alone.
      [13, 67, 27],
    ];
    for (const [m, k, n] of sizes) {
      for (const ta of [false, true]) {
        for (const tb of [false, true]) {
          it(`[${m}×${k}] @ [${k}×${n}], transpose_a=${ta}, transpose_b=${tb}`, () => {
            const a = tensor(ta ? [k, m] : [m, k], 1, width);
            const b = tensor(tb ? [n, k] : [k, n], 2, width);
            expectAgree(both('matmul', [a, b], { transpose_a: ta, transpose_b: tb }), tolerance(width, k));
          });
        }
      }
    }
    it('broadcast batches: [2, 1, 7, 65] @ [3, 65, 9] and [1, 5, 3] @ [4, 2, 3, 6]', () => {
      expectAgree(both('matmul', [tensor([2, 1, 7, 65], 3, width), tensor([3, 65, 9], 4, width)], {}), tolerance(width, 65));
      expectAgree(
        both('matmul', [tensor([1, 5, 3], 5, width), tensor([4, 2, 3, 6], 6, width)], { transpose_a: false }),
        tolerance(width, 3),
      );
      expectAgree(
        both('matmul', [tensor([3, 7, 5], 7, width), tensor([3, 6, 7], 8, width)], { transpose_a: true, transpose_b: true }),
        tolerance(width, 7),
      );
    });
    it('an empty inner axis gives zeros', () => {
      const [wasm, reference] = both('matmul', [tensor([3, 0], 1, width), tensor([0, 4], 2, width)], {});
      expect(Array.from(wasm.data)).toEqual(Array.from(reference.data));
      expect(Array.from(wasm.data)).toEqual(new Array(12).fill(0));
    });
  });

  describe('matmul of int32 and of mixed float arrays', () => {
    it('int32 stays on the reference kernel, exactly', () => {
      const a: Tensor = { dtype: 'int32', shape: [3, 5], data: Int32Array.from({ length: 15 }, (_, i) => i - 7) };
      const b: Tensor = { dtype: 'int32', shape: [5, 2], data: Int32Array.from({ length: 10 }, (_, i) => 3 - i) };
      const [wasm, reference] = both('matmul', [a, b], {});
      expect(Array.from(wasm.data)).toEqual(Array.from(reference.data));
    });
    it('a float32 feed meeting float64 data during a check computes in float64', () => {
      // A float32 tensor holds a Float64Array while a check re-evaluates in float64.
      const computed = { ...tensor([5, 33], 2, 'f64'), dtype: 'float32' as const };
      const feed = tensor([33, 9], 1, 'f32');
      const [wasm, reference] = both('matmul', [computed, feed], {});
      expect(wasm.data).toBeInstanceOf(Float64Array);
      expectAgree([wasm, reference], tolerance('f64', 33));
    });
  });

  describe.each(['f32', 'f64'] as const)('conv2d and its backprops, %s', (width) => {
    const cases: {
      name: string;
      x: number[];
      f: number[];
      strides: [number, number];
      dilations: [number, number];
      padding: 'SAME' | 'VALID';
    }[] = [
      { name: '1×1 input and filter', x: [1, 1, 1, 1], f: [1, 1, 1, 1], strides: [1, 1], dilations: [1, 1], padding: 'SAME' },
      { name: '3×3 SAME, 7 channels in, 5 out', x: [2, 7, 9, 7], f: [3, 3, 7, 5], strides: [1, 1], dilations: [1, 1], padding: 'SAME' },
      { name: '3×2 VALID, stride 2×1', x: [1, 8, 7, 3], f: [3, 2, 3, 4], strides: [2, 1], dilations: [1, 1], padding: 'VALID' },
      { name: 'dilated 2×2, SAME, stride 3', x: [3, 10, 11, 2], f: [2, 3, 2, 6], strides: [3, 3], dilations: [2, 2], padding: 'SAME' },
      {
        name: 'more positions than a chunk, 65 channels',
        x: [2, 17, 19, 65],
        f: [3, 3, 65, 9],
        strides: [1, 1],
        dilations: [1, 1],
        padding: 'SAME',
      },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const attrs = { strides: c.strides, dilations: c.dilations, padding: c.padding };
        const x = tensor(c.x, 1, width);
        const f = tensor(c.f, 2, width);
        const y = both('conv2d', [x, f], attrs);
        const terms = c.f[0] * c.f[1] * c.f[2];
        expectAgree(y, tolerance(width, terms));
        const dy = tensor(y[1].shape as number[], 3, width);
        const positions = sizeOf(y[1].shape);
        expectAgree(both('conv2d_backprop_input', [x, f, dy], attrs), tolerance(width, c.f[0] * c.f[1] * c.f[3]));
        expectAgree(both('conv2d_backprop_filter', [x, f, dy], attrs), tolerance(width, positions / c.f[3]));
      });
    }
  });
});

/** Float32 values across exp's, tanh's and sigmoid's ranges, with their edges. */
function edgeValues(): Float32Array {
  const values = [
    0,
    -0,
    1e-30,
    -1e-30,
    1e-8,
    -1e-8,
    0.1,
    -0.1,
    0.6249,
    0.625,
    -0.625,
    0.7,
    1,
    -1,
    5,
    -5,
    9.5,
    -9.5,
    20,
    -20,
    40,
    -40,
    80,
    // exp's quick path (every lane's result normal) ends at -86.5 and 88: both sides of each.
    -86.5,
    -86.50001,
    -86.49999,
    88,
    88.00001,
    87.99999,
    88.5,
    88.72,
    88.73,
    100,
    -87,
    -87.4,
    -100,
    -103.9,
    -104,
    -120,
    1e30,
    -1e30,
    Infinity,
    -Infinity,
    NaN,
  ];
  const rng = new Random(11);
  for (let i = 0; i < 4000; i++) values.push((rng.uniform() - 0.5) * 2 * 10 ** (rng.uniform() * 4 - 2));
  return Float32Array.from(values);
}

// exp, tanh and sigmoid's polynomials are multiply-adds too.
inEachBuild(() => {
  describe('float32 exp, tanh and sigmoid', () => {
    for (const op of ['exp', 'tanh', 'sigmoid']) {
      it(`${op}: within 3 ulps of the float64 result rounded, NaN and infinities as the reference`, () => {
        const x: Tensor = { dtype: 'float32', shape: [4001 + 43], data: edgeValues() };
        expect(x.data.length).toBe(x.shape[0]);
        const [wasm, reference] = both(op, [x], {});
        for (let i = 0; i < x.data.length; i++) {
          const a = wasm.data[i];
          const b = reference.data[i];
          if (Number.isNaN(b) || !Number.isFinite(b)) {
            expect(Object.is(a, b), `${op}(${x.data[i]}) = ${a}, reference ${b}`).toBe(true);
            continue;
          }
          // ulp of float32 at b, and the smallest subnormal near 0
          const ulp = Math.max(Math.abs(b) * 2 ** -23, 2 ** -149);
          expect(Math.abs(a - b), `${op}(${x.data[i]}) = ${a}, reference ${b}`).toBeLessThanOrEqual(3 * ulp);
        }
      });
    }
    it("over several of the glue's staging blocks (8,192 elements) and a ragged last one", () => {
      const edges = edgeValues();
      const n = 2 * 8192 + 65;
      const x: Tensor = { dtype: 'float32', shape: [n], data: Float32Array.from({ length: n }, (_, i) => edges[(i * 7) % edges.length]) };
      for (const op of ['exp', 'tanh', 'sigmoid']) {
        const [wasm, reference] = both(op, [x], {});
        for (let i = 0; i < n; i++) {
          const a = wasm.data[i];
          const b = reference.data[i];
          if (!Number.isFinite(b)) expect(Object.is(a, b), `${op} at ${i}`).toBe(true);
          else expect(Math.abs(a - b), `${op} at ${i}`).toBeLessThanOrEqual(3 * Math.max(Math.abs(b) * 2 ** -23, 2 ** -149));
        }
      }
    });
    it('float64 data stays on the reference, bit for bit', () => {
      const x: Tensor = { dtype: 'float64', shape: [38], data: Float64Array.from(edgeValues().subarray(0, 38)) };
      for (const op of ['exp', 'tanh', 'sigmoid']) {
        const [wasm, reference] = both(op, [x], {});
        expect(Array.from(wasm.data)).toEqual(Array.from(reference.data));
      }
    });
  });

  describe('float32 softmax and log_softmax along the last axis', () => {
    for (const n of [1, 7, 13, 65, 1000]) {
      for (const op of ['softmax', 'log_softmax']) {
        it(`${op} of rows of ${n}`, () => {
          const x = tensor([3, 5, n], 7, 'f32');
          x.data[0] = 80; // a large logit: the maximum is subtracted first
          expectAgree(both(op, [x], { axis: -1 }), 2 ** -20);
        });
      }
    }
    it("rows across the glue's staging blocks: 20 rows of 1000, 3 rows of 9000", () => {
      for (const shape of [
        [20, 1000],
        [3, 9000],
      ]) {
        for (const op of ['softmax', 'log_softmax']) expectAgree(both(op, [tensor(shape, 9, 'f32')], { axis: -1 }), 2 ** -20);
      }
    });
    it("a NaN or +inf anywhere in a row (each of the maximum's vector chains, its tail) as the reference", () => {
      const n = 13;
      for (const special of [NaN, Infinity]) {
        for (const op of ['softmax', 'log_softmax']) {
          const x = tensor([n, n], 4, 'f32');
          for (let r = 0; r < n; r++) x.data[r * n + r] = special;
          const [wasm, reference] = both(op, [x], { axis: -1 });
          expect(Array.from(wasm.data)).toEqual(Array.from(reference.data));
        }
      }
    });
    it('rows with -inf logits, and another axis (the reference computes it)', () => {
      const x: Tensor = { dtype: 'float32', shape: [2, 3], data: Float32Array.of(-Infinity, 0, 1, -Infinity, -Infinity, -Infinity) };
      const [wasm, reference] = both('softmax', [x], { axis: -1 });
      expect(Array.from(wasm.data)).toEqual(Array.from(reference.data));
      expectAgree(both('softmax', [tensor([4, 9, 3], 8, 'f32')], { axis: 1 }), 0);
    });
  });

  describe.each(['f32', 'f64'] as const)("softmax's and log_softmax's gradients along the last axis, %s", (width) => {
    /** The op's output y (a softmax, or a log_softmax) and an incoming gradient of [rows, n]. */
    function operands(shape: number[], log: boolean, seed: number): Tensor[] {
      const x = tensor(shape, seed, width);
      const y = both(log ? 'log_softmax' : 'softmax', [x], { axis: -1 })[1];
      return [y, tensor(shape, seed + 1, width)];
    }
    for (const shape of [
      [3, 1],
      [5, 7],
      [3, 5, 65],
      [4, 1000],
      [20, 1000],
      [3, 9000],
    ]) {
      it(`softmax_grad of [${shape}]: bit for bit as the reference${sizeOf(shape) < 64 ? ' (which computes it)' : ''}`, () => {
        const [wasm, reference] = both('softmax_grad', operands(shape, false, 3), { axis: -1 });
        expectAgree([wasm, reference], 0);
        expect(Array.from(wasm.data)).toEqual(Array.from(reference.data));
      });
      it(`log_softmax_grad of [${shape}]: ${width === 'f32' ? "within the module's exp of the reference" : 'the reference computes it, bit for bit'}`, () => {
        const [wasm, reference] = both('log_softmax_grad', operands(shape, true, 5), { axis: -1 });
        // dy - s·exp(y): exp within 3 ulps, times a row sum of up to ~n standard normals.
        const n = shape[shape.length - 1];
        expectAgree([wasm, reference], width === 'f32' ? 2 ** -21 * Math.sqrt(n) : 0);
      });
    }
    it('another axis (the reference computes it), and the module on the last one agree', () => {
      const x = tensor([4, 9, 3], 8, width);
      const y = both('softmax', [x], { axis: 1 })[1];
      expectAgree(both('softmax_grad', [y, tensor([4, 9, 3], 9, width)], { axis: 1 }), 0);
    });
  });
});

/** Standard normals with the values maximum/minimum and division treat specially spread in. */
function binaryOperand(shape: number[], seed: number, width: 'f32' | 'f64'): Tensor {
  const t = tensor(shape, seed, width);
  const specials = [NaN, 0, -0, Infinity, -Infinity, 1, -1];
  for (let i = seed % 5; i < t.data.length; i += 11) t.data[i] = specials[(i + seed) % specials.length];
  return t;
}

describe.each(['f32', 'f64'] as const)('broadcasting arithmetic and comparisons, %s', (width) => {
  const ops = [
    'add',
    'subtract',
    'multiply',
    'divide',
    'maximum',
    'minimum',
    'greater',
    'greater_equal',
    'less',
    'less_equal',
    'equal',
    'not_equal',
  ] as const;
  // [x's shape, y's shape, whether the module computes it (the axes coalesce to two)]
  const cases: [number[], number[], boolean][] = [
    [[7], [7], false],
    [[257], [257], true],
    [[255], [255], false],
    [[257], [], true],
    [[], [300], true],
    [[2 * 8192 + 65], [2 * 8192 + 65], true],
    [[20, 1000], [1000], true],
    [[20, 1000], [20, 1], true],
    [[1, 1000], [20, 1000], true],
    [[65, 1], [1, 7], true],
    [[3, 9000], [3, 1], true],
    [[3, 9000], [9000], true],
    [[9000, 3], [1, 3], true],
    [[4, 5, 7], [4, 1, 7], false],
    [[2, 3, 65], [65], true],
  ];
  for (const [xs, ys, onModule] of cases) {
    it(`[${xs}] with [${ys}]: bit for bit as the reference${onModule ? '' : ' (which computes it)'}`, () => {
      const x = binaryOperand(xs, 3, width);
      const y = binaryOperand(ys, 4, width);
      for (const op of ops) {
        const def = lookupOp(op)!;
        const out = def.infer!([x, y], {}) as ConcreteType;
        const ctx = context(width === 'f32' ? 'float32' : 'float64');
        expect(binaryWasm(op, x, y, out, ctx) !== null, op).toBe(onModule);
        const [wasm, reference] = both(op, [x, y], {});
        expect(wasm.data.constructor).toBe(reference.data.constructor);
        expect(Array.from(wasm.data), op).toEqual(Array.from(reference.data));
      }
    });
  }
});

describe('broadcasting arithmetic of other data', () => {
  it('float32 operands in a float64 evaluation compute in float64', () => {
    const x = binaryOperand([20, 65], 5, 'f32');
    const y = binaryOperand([65], 6, 'f32');
    const out = lookupOp('divide')!.infer!([x, y], {}) as ConcreteType;
    const data = lookupOp('divide')!.kernel!([x, y], {}, out, context('float64'));
    expect(data).toBeInstanceOf(Float64Array);
    for (let i = 0; i < data.length; i++) expect(Object.is(data[i], x.data[i] / y.data[i % 65])).toBe(true);
  });
  it('int32 operands stay on the reference (true division gives float64)', () => {
    const x: Tensor = { dtype: 'int32', shape: [100], data: Int32Array.from({ length: 100 }, (_, i) => i - 50) };
    const y: Tensor = { dtype: 'int32', shape: [100], data: Int32Array.from({ length: 100 }, (_, i) => (i % 7) - 3) };
    for (const op of ['add', 'multiply', 'divide', 'maximum']) {
      const [wasm, reference] = both(op, [x, y], {});
      expect(Array.from(wasm.data), op).toEqual(Array.from(reference.data));
    }
  });
});

describe.each(['f32', 'f64'] as const)('single-operation unary ops and add_n, %s', (width) => {
  const ops = ['negative', 'abs', 'square', 'sqrt', 'reciprocal', 'relu'] as const;
  for (const n of [7, 65, 1001, 2 * 8192 + 65]) {
    it(`${ops.join(', ')} of ${n} values: bit for bit as the reference${n < 64 ? ' (which computes it)' : ''}`, () => {
      const x = binaryOperand([n], 2, width);
      for (const op of ops) {
        const out = lookupOp(op)!.infer!([x], {}) as ConcreteType;
        expect(unaryWasm(op, x, out, context(width === 'f32' ? 'float32' : 'float64')) !== null, op).toBe(n >= 64);
        const [wasm, reference] = both(op, [x], {});
        expect(Array.from(wasm.data), op).toEqual(Array.from(reference.data));
      }
    });
    it(`add_n of 1, 2, 3 and 7 tensors of ${n} values: each partial sum rounded, bit for bit`, () => {
      for (const count of [1, 2, 3, 7]) {
        const inputs = Array.from({ length: count }, (_, k) => binaryOperand([n], 10 + k, width));
        const [wasm, reference] = both('add_n', inputs, {});
        expect(Array.from(wasm.data), `${count} inputs`).toEqual(Array.from(reference.data));
      }
    });
  }
  it('-0 and NaN through relu and add_n as the reference', () => {
    const x: Tensor = {
      dtype: width === 'f32' ? 'float32' : 'float64',
      shape: [64],
      data: new (width === 'f32' ? Float32Array : Float64Array)(64),
    };
    x.data.fill(-0);
    x.data[3] = NaN;
    const [relu, reluReference] = both('relu', [x], {});
    expect(Array.from(relu.data)).toEqual(Array.from(reluReference.data));
    const [sum, sumReference] = both('add_n', [x, x], {});
    expect(Array.from(sum.data)).toEqual(Array.from(sumReference.data));
    expect(Object.is(sum.data[0], 0)).toBe(true);
  });
});

describe.each(['f32', 'f64'] as const)('sums along axes, %s', (width) => {
  // [shape, axes, whether the module sums it]
  const cases: [number[], number[] | null, boolean][] = [
    [[7, 9], [1], false],
    [[1000], null, true],
    [[20000], [0], true],
    [[65, 7], [1], true],
    [[65, 7], [0], true],
    [[3, 9000], [1], true],
    [[3, 9000], [0], true],
    [[9000, 3], [0], true],
    [[9000, 3], [1], true],
    [[511, 1000], [-1], true],
    [[64, 1, 256], [0, 1], true],
    [[2, 65, 7], [1], false],
    [[4, 65, 7], null, true],
  ];
  for (const [shape, axis, onModule] of cases) {
    it(`reduce_sum and reduce_mean of [${shape}] over ${axis ? `[${axis}]` : 'every axis'}, bit for bit${onModule ? '' : ' (the reference sums it)'}`, () => {
      const x = tensor(shape, 12, width);
      for (const op of ['reduce_sum', 'reduce_mean']) {
        for (const keepdims of [false, true]) {
          const [wasm, reference] = both(op, [x], { axis, keepdims });
          expect(Array.from(wasm.data), op).toEqual(Array.from(reference.data));
        }
      }
    });
  }
  it('the module is the one summing rows and columns, in the reference order', () => {
    const x = tensor([65, 7], 1, width);
    for (const [axis, dims, reduced, outStrides] of [
      [1, [7, 65], [true, false], [0, 1]],
      [0, [7, 65], [false, true], [1, 0]],
    ] as const) {
      const acc = new Float64Array(axis === 1 ? 65 : 7);
      expect(sumWasm(x.data, dims, reduced, outStrides, acc)).toBe(true);
      const [, reference] = both('reduce_sum', [x], { axis: [axis], keepdims: false });
      expect(Array.from(width === 'f32' ? Float32Array.from(acc) : acc)).toEqual(Array.from(reference.data));
    }
    expect(sumWasm(Int32Array.from({ length: 300 }), [300], [true], [0], new Float64Array(1))).toBe(false);
  });
});

describe.each(['f32', 'f64'] as const)('where, %s', (width) => {
  for (const n of [7, 65, 1001, 2 * 8192 + 65]) {
    it(`of ${n} values: bit for bit as the reference${n < 64 ? ' (which computes it)' : ''}`, () => {
      const x = binaryOperand([n], 20, width);
      const y = binaryOperand([n], 21, width);
      const cond: Tensor = { dtype: 'bool', shape: [n], data: Uint8Array.from({ length: n }, (_, i) => ((i * 7) % 3 === 0 ? 1 : 0)) };
      const out = lookupOp('where')!.infer!([cond, x, y], {}) as ConcreteType;
      expect(whereWasm(cond, x, y, out, context(width === 'f32' ? 'float32' : 'float64')) !== null).toBe(n >= 64);
      const [wasm, reference] = both('where', [cond, x, y], {});
      expect(Array.from(wasm.data)).toEqual(Array.from(reference.data));
    });
  }
  it('a broadcast condition stays on the reference', () => {
    const x = binaryOperand([20, 65], 22, width);
    const cond: Tensor = { dtype: 'bool', shape: [65], data: Uint8Array.from({ length: 65 }, (_, i) => i % 2) };
    const [wasm, reference] = both('where', [cond, x, x], {});
    expect(Array.from(wasm.data)).toEqual(Array.from(reference.data));
  });
});

// The glue copies operands in and results out through views of the module's whole memory that
// it keeps (engine/wasm/runtime.ts), and a matmul without batch axes skips their arrays
// (engine/wasm/linalg.ts). Neither may change a bit of a result: a product is the same before
// and after the memory grew (which detaches the kept views), and a product without batch axes
// is the one the batched path computes for one batch.
function matmulOf(a: Tensor, b: Tensor, attrs: Record<string, unknown> = {}): Tensor {
  const def = lookupOp('matmul')!;
  const out = def.infer!([a, b], attrs) as { dtype: Tensor['dtype']; shape: number[] };
  const precision: Precision = a.data instanceof Float64Array ? 'float64' : 'float32';
  return { ...out, data: def.kernel!([a, b], attrs, out, context(precision)) };
}

const bits = (t: Tensor) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString('hex');

describe.each(['f32', 'f64'] as const)('the WebAssembly matmul through kept views of its memory, %s', (width) => {
  it('runs on WebAssembly here', () => {
    expect(kernelBackend()).toBe('wasm');
    expect(wasmKernels()).not.toBeNull();
  });

  it('gives the same bits before and after the memory grew', () => {
    const a = tensor([16, 8], 1, width);
    const w = tensor([8, 8], 2, width);
    const before = matmulOf(a, w);
    const grownFrom = wasmKernels()!.exports.memory.buffer.byteLength;
    // Operands of 3.2 MB (float32) or 6.4 MB (float64) each: the memory grows for them.
    const big = matmulOf(tensor([400, 2000], 3, width), tensor([2000, 3], 4, width));
    expect(wasmKernels()!.exports.memory.buffer.byteLength).toBeGreaterThan(grownFrom);
    const after = matmulOf(a, w);
    expect(bits(after)).toBe(bits(before));
    // Not a copy of stale memory: the big product is its own (its first entry, summed here).
    const A = tensor([400, 2000], 3, width).data;
    const B = tensor([2000, 3], 4, width).data;
    let first = 0;
    for (let k = 0; k < 2000; k++) first += A[k * 1] * B[k * 3];
    expect(big.data[0]).toBeCloseTo(first, width === 'f32' ? 2 : 9);
    // And the small product is a·w (one entry summed in float64).
    let entry = 0;
    for (let k = 0; k < 8; k++) entry += a.data[5 * 8 + k] * w.data[k * 8 + 3];
    expect(after.data[5 * 8 + 3]).toBeCloseTo(entry, width === 'f32' ? 5 : 12);
  });

  it('without batch axes, gives the bits of the batched path for one batch', () => {
    for (const [ta, tb] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ]) {
      const a = tensor(ta ? [8, 16] : [16, 8], 5, width);
      const b = tensor(tb ? [7, 8] : [8, 7], 6, width);
      const attrs = { transpose_a: ta, transpose_b: tb };
      const plain = matmulOf(a, b, attrs);
      const batched = matmulOf({ ...a, shape: [1, ...a.shape] }, { ...b, shape: [1, ...b.shape] }, attrs);
      expect(batched.shape).toEqual([1, ...plain.shape]);
      expect(bits(batched)).toBe(bits(plain));
    }
  });
});
