// The dependence declarations of the op table (engine/ops/dependence.ts), op by op:
//
//  - every primitive with a gradient declares one, so the explainer never guesses;
//  - every declaring op has instances here (one small node each), and on every instance the
//    declaration gives both readings the explainer needs: the element pattern and the axis
//    correspondence;
//  - the declared element pattern is the Jacobian's: measured by float64 central differences
//    of the op's own kernel on a few draws of its inputs, every draw's nonzeros are declared,
//    their union is the whole declared pattern (so fan-out counts are exact), ops that route
//    by value (max pooling, reduce_max) are exact draw by draw, and inputs that only lend a
//    shape have no derivative at all.
//
// An op added without a declaration, or without an instance here, fails, naming it.

import { describe, expect, it } from 'vitest';
import '../../engine/ops/index';
import { type Attrs, type KernelContext, type OpDef, allOps, lookupOp } from '../../engine/ops/registry';
import { resolveDependence } from '../../engine/ops/dependence';
import { type DType, type Tensor, allocData, sizeOf } from '../../engine/tensor';
import { declaredPattern } from '../../engine/explain/deps';
import { declaredCorrespondence } from '../../engine/explain/axes';

describe('every differentiable primitive declares its dependence', () => {
  const primitives = allOps().filter((op) => op.grad && (op.kernel || op.infer));

  it('covers the table', () => {
    expect(primitives.length).toBeGreaterThan(100);
  });

  it('no primitive with a gradient lacks a declaration', () => {
    const missing = primitives.filter((op) => !op.dependence).map((op) => op.name);
    expect(missing).toEqual([]);
  });
});

// ---- instances ---------------------------------------------------------------------------

/** One input: a float tensor of `shape` (drawn), or fixed integer/bool `values`. */
interface In {
  shape: number[];
  dtype?: DType;
  values?: number[];
}

interface Instance {
  inputs: In[];
  attrs?: Attrs;
  /** Inputs must stay positive (log, sqrt, pow's base). */
  positive?: boolean;
}

const f = (...shape: number[]): In => ({ shape });
const ints = (shape: number[], values: number[]): In => ({ shape, dtype: 'int32', values });

/** Ops whose derivative is zero wherever it exists (TensorFlow's sign): their pattern only
 *  bounds the measured one. */
const ZERO_DERIVATIVE = new Set(['sign']);
const POSITIVE = new Set(['lgamma', 'digamma', 'log', 'sqrt', 'rsqrt', 'pow', 'log1p', 'reciprocal', 'acos', 'asin']);

const spec = (s: string): unknown => JSON.parse(s);

const conv = { strides: [1, 1], padding: 'SAME', dilations: [1, 1] };
const convValid = { strides: [2, 2], padding: 'VALID', dilations: [1, 1] };
const convDilated = { strides: [1, 1], padding: 'SAME', dilations: [2, 2] };
const pool = { ksize: [2, 2], strides: [2, 2], padding: 'VALID' };
const poolOverlap = { ksize: [2, 2], strides: [1, 1], padding: 'SAME' };

/** Instances of the ops the families do not cover (unary and binary ops get theirs from
 *  their parameters, below). */
const INSTANCES: Record<string, Instance[]> = {
  leaky_relu: [{ inputs: [f(2, 3)], attrs: { alpha: 0.2 } }],
  cast: [{ inputs: [f(2, 3)], attrs: { dtype: 'float64' } }],
  check_numerics: [{ inputs: [f(2, 3)], attrs: { message: 'checked' } }],
  where: [{ inputs: [{ shape: [2, 3], dtype: 'bool' }, f(2, 3), f(3)] }],
  sum_to_like: [{ inputs: [f(2, 3), f(3)] }, { inputs: [f(2, 3), f(2, 1)] }],
  broadcast_like: [{ inputs: [f(3), f(2, 3)] }, { inputs: [f(2, 1), f(2, 3)] }],
  reshape_like: [{ inputs: [f(2, 3), f(3, 2)] }],
  reshape_fed: [{ inputs: [f(2, 3), ints([2], [3, -1])], attrs: { known: [3, -1] } }],
  fill_fed: [{ inputs: [f(), ints([2], [2, 3])], attrs: { known: [null, 3] } }],
  add_n: [{ inputs: [f(2, 3), f(2, 3), f(2, 3)] }],
  reduce_sum: [
    { inputs: [f(2, 3, 2)], attrs: { axis: [1], keepdims: false } },
    { inputs: [f(2, 3)], attrs: { axis: null, keepdims: true } },
  ],
  reduce_mean: [{ inputs: [f(2, 3, 2)], attrs: { axis: [0, 2], keepdims: false } }],
  reduce_prod: [{ inputs: [f(2, 3)], attrs: { axis: [1], keepdims: true } }],
  reduce_max: [
    { inputs: [f(2, 3, 2)], attrs: { axis: [1], keepdims: false } },
    { inputs: [f(2, 3)], attrs: { axis: null, keepdims: false } },
  ],
  reduce_min: [{ inputs: [f(3, 2)], attrs: { axis: [0], keepdims: false } }],
  reduce_logsumexp: [{ inputs: [f(2, 3)], attrs: { axis: [-1], keepdims: false } }],
  keep_reduced_dims: [{ inputs: [f(2, 2), f(2, 3, 2)], attrs: { axis: [1] } }],
  cumsum: [
    { inputs: [f(3, 4)], attrs: { axis: 1, exclusive: false, reverse: false } },
    { inputs: [f(3, 4)], attrs: { axis: 0, exclusive: true, reverse: true } },
  ],
  cumulative_logsumexp: [
    { inputs: [f(3, 4)], attrs: { axis: 1, exclusive: false, reverse: false } },
    { inputs: [f(3, 4)], attrs: { axis: 0, exclusive: false, reverse: true } },
  ],
  cumprod: [
    { inputs: [f(3, 4)], attrs: { axis: 1, exclusive: false, reverse: true } },
    { inputs: [f(2, 3)], attrs: { axes: [0, 1], exclusive: true, reverse: false } },
  ],
  reshape: [
    { inputs: [f(2, 3)], attrs: { shape: [3, 2] } },
    { inputs: [f(2, 3, 2)], attrs: { shape: [6, 2] } },
  ],
  transpose: [
    { inputs: [f(2, 3, 4)], attrs: { perm: [2, 0, 1] } },
    { inputs: [f(2, 3)], attrs: { perm: null } },
  ],
  expand_dims: [{ inputs: [f(2, 3)], attrs: { axis: 1 } }],
  squeeze: [{ inputs: [f(2, 1, 3)], attrs: { axis: [1] } }],
  stack: [{ inputs: [f(2, 3), f(2, 3), f(2, 3)], attrs: { axis: 1 } }],
  unstack_part: [{ inputs: [f(3, 2)], attrs: { axis: 0, index: 1 } }],
  place_part: [{ inputs: [f(2), f(3, 2)], attrs: { axis: 0, index: 1 } }],
  concat: [{ inputs: [f(2, 3), f(2, 2)], attrs: { axis: 1 } }],
  concat_part: [{ inputs: [f(2, 5), f(2, 3), f(2, 2)], attrs: { axis: 1, index: 1 } }],
  split: [{ inputs: [f(4, 3)], attrs: { axis: 0, num: 2, sizes: null, index: 0 } }],
  split_part: [{ inputs: [f(4, 3)], attrs: { axis: 0, num: null, sizes: [1, 3], index: 1 } }],
  split_place: [{ inputs: [f(2, 3), f(4, 3)], attrs: { axis: 0, num: 2, sizes: null, index: 1 } }],
  tile: [{ inputs: [f(2, 3)], attrs: { multiples: [2, 3] } }],
  tile_fed: [{ inputs: [f(2, 3), ints([2], [2, 1])], attrs: { known: [null, 1] } }],
  tile_grad: [
    { inputs: [f(4, 3), f(2, 3)], attrs: { multiples: [2, 1] } },
    { inputs: [f(2, 6), f(2, 3), ints([2], [1, 2])], attrs: { known: [1, null] } },
  ],
  broadcast_to: [{ inputs: [f(3)], attrs: { shape: [2, 3] } }],
  pad: [
    {
      inputs: [f(2, 3)],
      attrs: {
        paddings: [
          [1, 0],
          [0, 2],
        ],
        mode: 'CONSTANT',
        constant_values: 0,
      },
    },
    {
      inputs: [f(3, 3)],
      attrs: {
        paddings: [
          [1, 1],
          [2, 0],
        ],
        mode: 'REFLECT',
        constant_values: 0,
      },
    },
  ],
  pad_grad: [
    {
      inputs: [f(3, 5)],
      attrs: {
        paddings: [
          [1, 0],
          [0, 2],
        ],
        mode: 'CONSTANT',
      },
    },
    {
      inputs: [f(5, 5)],
      attrs: {
        paddings: [
          [1, 1],
          [2, 0],
        ],
        mode: 'SYMMETRIC',
      },
    },
  ],
  reverse: [{ inputs: [f(2, 3)], attrs: { axis: [1] } }],
  strided_slice: [
    {
      inputs: [f(4, 3)],
      attrs: { spec: spec('[{"kind":"slice","start":null,"stop":null,"step":2},{"kind":"slice","start":1,"stop":null,"step":null}]') },
    },
    {
      inputs: [f(4, 3)],
      attrs: { spec: spec('[{"kind":"index","index":-1},{"kind":"newaxis"},{"kind":"slice","start":null,"stop":null,"step":-1}]') },
    },
  ],
  strided_slice_grad: [
    {
      inputs: [f(2, 2), f(4, 3)],
      attrs: { spec: spec('[{"kind":"slice","start":null,"stop":null,"step":2},{"kind":"slice","start":1,"stop":null,"step":null}]') },
    },
  ],
  slice: [{ inputs: [f(3, 4)], attrs: { begin: [1, 0], size: [2, 3] } }],
  gather: [
    { inputs: [f(4, 3), ints([5], [0, 2, 2, 1, 0])], attrs: { axis: 0, batch_dims: 0 } },
    { inputs: [f(2, 4), ints([2, 2], [3, 3, 0, 1])], attrs: { axis: 1, batch_dims: 0 } },
  ],
  gather_grad: [{ inputs: [f(5, 3), ints([5], [0, 2, 2, 1, 0]), f(4, 3)], attrs: { axis: 0, batch_dims: 0 } }],
  gather_nd: [{ inputs: [f(3, 4), ints([3, 2], [0, 1, 2, 3, 0, 1])], attrs: { batch_dims: 0 } }],
  gather_nd_grad: [{ inputs: [f(3), ints([3, 2], [0, 1, 2, 3, 0, 1]), f(3, 4)] }],
  unsorted_segment_sum: [
    { inputs: [f(4, 3), ints([4], [2, 0, 2, 1])], attrs: { num_segments: 4, sorted: false } },
    { inputs: [f(2, 3), ints([2, 3], [1, 0, 1, 2, 2, 0])], attrs: { num_segments: 3, sorted: false } },
    { inputs: [f(4, 2), ints([4], [0, 0, 1, 3])], attrs: { num_segments: null, sorted: true } },
  ],
  // Dense within a segment: every row of it moves every entry of its product (no zeros here).
  unsorted_segment_prod: [
    { inputs: [f(4, 3), ints([4], [2, 0, 2, -1])], attrs: { num_segments: 4, sorted: false } },
    { inputs: [f(4, 2), ints([4], [0, 0, 1, 3])], attrs: { num_segments: null, sorted: true } },
  ],
  // The order a is a whole number in x's dtype: it routes, with no derivative.
  polygamma: [
    { inputs: [{ shape: [2, 3], dtype: 'float64', values: [1, 2, 0, 1, 3, 1] }, f(2, 3)], positive: true },
    { inputs: [{ shape: [], dtype: 'float64', values: [1] }, f(2, 3)], positive: true },
  ],
  matmul: [
    { inputs: [f(2, 3, 4), f(4, 2)], attrs: { transpose_a: false, transpose_b: false } },
    { inputs: [f(4, 3), f(2, 4)], attrs: { transpose_a: true, transpose_b: true } },
    { inputs: [f(2, 1, 2, 3), f(3, 3, 2)], attrs: { transpose_a: false, transpose_b: false } },
  ],
  einsum: [
    { inputs: [f(3, 4), f(4, 2)], attrs: { equation: 'bi,ij->bj' } },
    { inputs: [f(3, 3)], attrs: { equation: 'ii->i' } },
    { inputs: [f(2, 3, 4)], attrs: { equation: 'abc->ca' } },
    { inputs: [f(2, 2, 3), f(3, 2)], attrs: { equation: '...ij,jk->...ik' } },
    { inputs: [f(1, 2, 3), f(4, 3, 2)], attrs: { equation: '...ij,...jk->...ik' } },
  ],
  broadcast_prepend_dims: [{ inputs: [f(3), f(2, 5)], attrs: { axes: [0] } }],
  sum_ellipsis_to_like: [{ inputs: [f(2, 3, 4), f(3, 4)], attrs: { start: 0, after: 2 } }],
  broadcast_ellipsis_to_like: [{ inputs: [f(3, 4), f(2, 3, 4)], attrs: { start: 0, after: 2 } }],
  matrix_diag_part: [{ inputs: [f(2, 3, 4)] }],
  matrix_diag_embed_like: [{ inputs: [f(2, 3), f(2, 3, 4)] }],
  matrix_diag: [{ inputs: [f(2, 3)] }],
  matrix_set_diag: [{ inputs: [f(2, 3, 4), f(2, 3)] }],
  matrix_band_part: [
    { inputs: [f(2, 3, 4)], attrs: { num_lower: -1, num_upper: 0 } },
    { inputs: [f(4, 3)], attrs: { num_lower: 1, num_upper: 1 } },
  ],
  matrix_transpose: [{ inputs: [f(2, 3, 4)], attrs: { conjugate: false } }],
  softmax: [
    { inputs: [f(2, 4)], attrs: { axis: -1 } },
    { inputs: [f(3, 2)], attrs: { axis: 0 } },
  ],
  log_softmax: [{ inputs: [f(2, 4)], attrs: { axis: -1 } }],
  softmax_grad: [
    { inputs: [f(2, 4), f(2, 4)], attrs: { axis: -1 } },
    { inputs: [f(3, 2), f(3, 2)], attrs: { axis: 0 } },
  ],
  log_softmax_grad: [{ inputs: [f(2, 4), f(2, 4)], attrs: { axis: -1 } }],
  l2_loss: [{ inputs: [f(2, 3)] }],
  softmax_cross_entropy_with_logits: [
    { inputs: [f(2, 4), f(2, 4)], attrs: { axis: -1 } },
    { inputs: [f(3, 2), f(3, 2)], attrs: { axis: 0 } },
  ],
  softmax_cross_entropy_with_logits_v2: [{ inputs: [f(2, 3), f(2, 3)], attrs: { axis: -1 } }],
  sparse_softmax_cross_entropy_with_logits: [{ inputs: [ints([3], [1, 3, 0]), f(3, 4)] }],
  conv2d: [
    { inputs: [f(2, 5, 5, 2), f(3, 3, 2, 3)], attrs: conv },
    { inputs: [f(1, 5, 5, 1), f(3, 3, 1, 2)], attrs: convValid },
    { inputs: [f(1, 5, 5, 1), f(2, 2, 1, 1)], attrs: convDilated },
  ],
  conv2d_backprop_input: [
    { inputs: [f(1, 4, 4, 2), f(3, 3, 2, 2), f(1, 4, 4, 2)], attrs: conv },
    { inputs: [f(1, 5, 5, 1), f(3, 3, 1, 2), f(1, 2, 2, 2)], attrs: convValid },
  ],
  conv2d_backprop_filter: [
    { inputs: [f(1, 4, 4, 2), f(3, 3, 2, 2), f(1, 4, 4, 2)], attrs: conv },
    { inputs: [f(1, 5, 5, 1), f(3, 3, 1, 2), f(1, 2, 2, 2)], attrs: convValid },
  ],
  max_pool2d: [
    { inputs: [f(1, 4, 4, 2)], attrs: pool },
    { inputs: [f(1, 3, 3, 1)], attrs: poolOverlap },
  ],
  max_pool2d_grad: [
    { inputs: [f(1, 4, 4, 2), f(1, 2, 2, 2)], attrs: pool },
    { inputs: [f(1, 3, 3, 1), f(1, 3, 3, 1)], attrs: poolOverlap },
  ],
  max_pool2d_grad_grad: [{ inputs: [f(1, 4, 4, 2), f(1, 4, 4, 2)], attrs: pool }],
  avg_pool2d: [
    { inputs: [f(1, 4, 4, 1)], attrs: pool },
    { inputs: [f(1, 3, 3, 2)], attrs: poolOverlap },
  ],
  avg_pool2d_grad: [
    { inputs: [f(1, 4, 4, 1), f(1, 2, 2, 1)], attrs: pool },
    { inputs: [f(1, 3, 3, 2), f(1, 3, 3, 2)], attrs: poolOverlap },
  ],
};

/** The instances of `op`: its own, or, for the elementwise families, from its parameters (a
 *  unary op on [2, 3]; a binary op with a broadcast second operand and without). */
function instancesOf(op: OpDef): Instance[] {
  const own = INSTANCES[op.name];
  if (own) return own;
  const d = op.dependence && resolveDependence(op.dependence, {});
  const tensors = op.params.filter((p) => p.kind === 'tensor');
  if (d?.kind !== 'relation' || d.family !== 'elementwise' || tensors.length !== op.params.length) return [];
  const positive = POSITIVE.has(op.name);
  if (tensors.length === 1) return [{ inputs: [f(2, 3)], positive }];
  if (tensors.length === 2)
    return [
      { inputs: [f(2, 3), f(3)], positive },
      { inputs: [f(2, 3), f(2, 3)], positive },
    ];
  return [];
}

/** Ops whose pattern no lone node shows: a Jacobian evaluated row by row (declared dense), a
 *  user function (its body or its rule). */
function standalone(op: OpDef): boolean {
  const d = op.dependence!;
  return d.kind !== 'dense' && d.kind !== 'chosen' && d.kind !== 'user-rule';
}

// ---- measuring ---------------------------------------------------------------------------

const CTX: KernelContext = {
  precision: 'float64',
  alloc: (dtype, n) => allocData(dtype, n, 'float64'),
  evaluateWith: () => undefined,
  deadline: Infinity,
};

/** Deterministic draws: the first two put the inputs on opposite sides (slot by slot, so a
 *  comparison, a max or a relu goes each way), the others are spread. */
function draw(spec: In, slot: number, k: number, positive: boolean, seed: number): Tensor {
  const n = sizeOf(spec.shape);
  if (spec.values) return { dtype: spec.dtype ?? 'int32', shape: spec.shape, data: Int32Array.from(spec.values) };
  let s = (seed * 7919 + slot * 104729 + k * 1299709 + 17) >>> 0;
  const next = () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return s / 4294967296;
  };
  if (spec.dtype === 'bool') {
    const data = new Uint8Array(n);
    for (let i = 0; i < n; i++) data[i] = k === 0 ? 1 : k === 1 ? 0 : next() < 0.5 ? 1 : 0;
    return { dtype: 'bool', shape: spec.shape, data };
  }
  const data = new Float64Array(n);
  const high = (k + slot) % 2 === 0;
  for (let i = 0; i < n; i++) {
    const u = next();
    if (k < 2) data[i] = positive ? (high ? 1.1 + 0.8 * u : 0.2 + 0.7 * u) : high ? 0.3 + 0.6 * u : -0.9 + 0.6 * u;
    else data[i] = positive ? 0.2 + 1.6 * u : -0.9 + 1.8 * u;
  }
  return { dtype: 'float64', shape: spec.shape, data };
}

function outShapeOf(op: OpDef, inputs: readonly Tensor[], attrs: Attrs): number[] {
  return op.infer!(
    inputs.map((t) => ({ dtype: t.dtype, shape: t.shape })),
    attrs,
  ).shape as number[];
}

/** Per output element, which elements of input `slot` move it (central differences). */
function measured(op: OpDef, inputs: Tensor[], attrs: Attrs, outShape: number[], slot: number): Uint8Array {
  const run = () => Float64Array.from(op.kernel!(inputs, attrs, { dtype: 'float64', shape: outShape }, CTX) as ArrayLike<number>);
  const x = inputs[slot].data as Float64Array;
  const m = sizeOf(outShape);
  const out = new Uint8Array(m * x.length);
  for (let k = 0; k < x.length; k++) {
    const v = x[k];
    const h = 1e-6 * Math.max(1, Math.abs(v));
    x[k] = v + h;
    const up = run();
    x[k] = v - h;
    const down = run();
    x[k] = v;
    for (let e = 0; e < m; e++) {
      const d = up[e] - down[e];
      if (d !== 0 && Math.abs(d) > 1e-12 * (1 + Math.abs(up[e]))) out[e * x.length + k] = 1;
    }
  }
  return out;
}

const DRAWS = 5;

describe('each declaration, op by op, against the measured Jacobian', () => {
  // Ops without a gradient declare too (batch axes are followed through comparisons and
  // casts), but their outputs are piecewise constant: only differentiable ones are measured.
  const ops = allOps().filter((op) => op.dependence && op.kernel && op.grad);

  it('every op that declares a dependence has instances here', () => {
    const missing = ops.filter((op) => standalone(op) && instancesOf(op).length === 0).map((op) => op.name);
    expect(missing).toEqual([]);
  });

  for (const op of ops.filter(standalone)) {
    it(`${op.name}`, () => {
      const routed = (attrs: Attrs, inputs: Tensor[], out: number[]) => {
        const d = resolveDependence(op.dependence!, attrs);
        return d.kind === 'relation' && !!d.relate({ attrs, inputs: inputs.map((t) => t.shape), output: out })?.select;
      };
      instancesOf(op).forEach((inst, i) => {
        const attrs = inst.attrs ?? {};
        const where = `${op.name} #${i}`;
        const first = inst.inputs.map((s, slot) => draw(s, slot, 0, !!inst.positive, i));
        const out = outShapeOf(op, first, attrs);
        // Both readings of the declaration exist for this node: nothing is left to guess.
        expect(
          declaredCorrespondence(
            op,
            attrs,
            first.map((t) => t.shape),
            out,
          ),
          `${where}: axis correspondence`,
        ).not.toBeNull();
        inst.inputs.forEach((spec, slot) => {
          if (spec.values || spec.dtype === 'bool') return;
          const unionM = new Uint8Array(sizeOf(out) * sizeOf(spec.shape));
          const unionD = new Uint8Array(unionM.length);
          let carried = true;
          for (let k = 0; k < DRAWS; k++) {
            const inputs = inst.inputs.map((s, j) => draw(s, j, k, !!inst.positive, i));
            const D = declaredPattern(op, attrs, inputs, out, slot);
            const M = measured(op, inputs, attrs, out, slot);
            if (!D) {
              // A slot that carries no value: no derivative through it.
              carried = false;
              expect(
                M.every((v) => v === 0),
                `${where}: slot ${slot} carries no value but moves the output`,
              ).toBe(true);
              continue;
            }
            for (let j = 0; j < M.length; j++) {
              if (M[j] && !D[j])
                throw new Error(
                  `${where}, draw ${k}: output ${Math.floor(j / sizeOf(spec.shape))} moves with input ${slot}[${j % sizeOf(spec.shape)}], which the declaration does not list`,
                );
              unionM[j] |= M[j];
              unionD[j] |= D[j];
            }
            if (routed(attrs, inputs, out)) expect(Array.from(M), `${where}, draw ${k}: the routing`).toEqual(Array.from(D));
          }
          if (carried && !ZERO_DERIVATIVE.has(op.name)) {
            const missing = unionD.reduce((n, v, j) => n + (v && !unionM[j] ? 1 : 0), 0);
            expect(missing, `${where}: declared dependences of slot ${slot} never measured`).toBe(0);
          }
        });
      });
    });
  }
});

describe('the instances run their kernels', () => {
  it('softmax_cross_entropy_with_logits_v2 and every alias resolve to declaring ops', () => {
    for (const name of ['softmax_cross_entropy_with_logits_v2', 'sum', 'mean', 'neg', 'pack']) {
      const op = lookupOp(name);
      if (op) expect(op.dependence, name).toBeDefined();
    }
  });
});
