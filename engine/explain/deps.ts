// Which elements of x each element of every node on the path depends on: the structural
// sparsity of the Jacobian, element by element. Each node's dependence is a bit matrix
// (one row per element, one bit per tracked element of x), propagated in topological order
// from the rows of its inputs through the op's own pattern:
//
//  - elementwise ops (with broadcasting), reductions, `sum_to_like` and `matmul` by rule;
//  - movement ops (reshape, stack, concat, tile, slices, gathers, pads, ...) by running
//    their kernel on inputs that hold their own element indices: every output element then
//    names the input element it copies (checked with a second, shifted encoding);
//  - any other op by probing: its kernel at a generic point, then with each input element
//    moved in turn; the output elements that change depend on it;
//  - what is over the probing budget is assumed dense (reported as conservative).
//
// Structure, not values: relu switched off or x = 0 in x**2 give a zero derivative at the
// sample point but still count, because the sum tf.gradients forms includes that term.

import type { Analysis } from '../analysis';
import type { Node } from '../graph';
import type { UserFunction } from '../builder';
import { type Tensor, type TypedData, allocData, sizeOf, stridesOf } from '../tensor';
import type { KernelContext } from '../ops/registry';
import { broadcastStrides, resolveAxes } from '../ops/kernels';
import { type SitePath, carries } from './path';

export interface DepBudget {
  /** Most 32-bit words all bit matrices may hold together. */
  maxWords: number;
  /** Most kernel element-operations one probed op may cost. */
  maxProbeWork: number;
  /** Wall clock (ms since epoch) after which propagation gives up. */
  deadline: number;
}

export const DEFAULT_DEP_BUDGET: Omit<DepBudget, 'deadline'> = { maxWords: 1 << 22, maxProbeWork: 4_000_000 };

export interface DepResult {
  /** Bit b of a row stands for x's flat element tracked[b]. */
  tracked: Int32Array;
  /** Words per row. */
  W: number;
  /** Row-major bit matrix per node of the path (rows = the node's elements). */
  deps: Map<Node, Uint32Array>;
  /** Ops whose pattern was assumed dense (over the probing budget, or a `grad` rule). */
  conservative: string[];
  /** Ops whose pattern was found by probing their kernel. */
  probed: string[];
}

export const ELEMENTWISE = new Set([
  'negative', 'abs', 'sign', 'exp', 'expm1', 'log', 'log1p', 'sqrt', 'rsqrt', 'square', 'reciprocal', 'sin', 'cos', 'tan',
  'asin', 'acos', 'atan', 'sinh', 'cosh', 'tanh', 'sigmoid', 'relu', 'relu6', 'leaky_relu', 'elu', 'selu', 'softplus',
  'softsign', 'erf', 'floor', 'ceil', 'round', 'identity', 'cast', 'add', 'subtract', 'multiply', 'divide', 'floordiv',
  'mod', 'pow', 'maximum', 'minimum', 'squared_difference', 'atan2', 'where', 'clip_by_value', 'add_n', 'variable_value',
  'broadcast_to', 'broadcast_like',
]);

export const REDUCTIONS = new Set(['reduce_sum', 'reduce_mean', 'reduce_prod', 'reduce_max', 'reduce_min', 'reduce_logsumexp', 'reduce_euclidean_norm']);

/** Ops whose output elements are copies of input elements (or constants). */
export const MOVEMENT = new Set([
  'reshape', 'reshape_like', 'expand_dims', 'squeeze', 'transpose', 'matrix_transpose', 'stack', 'unstack_part', 'place_part',
  'concat', 'concat_part', 'split', 'split_part', 'split_place', 'tile', 'pad', 'reverse', 'strided_slice', 'strided_slice_grad',
  'slice', 'gather', 'gather_nd', 'custom_gradient', 'broadcast_prepend_dims', 'matrix_diag_part', 'matrix_diag_embed_like',
]);

const CTX: KernelContext = {
  precision: 'float64',
  alloc: (dtype, size) => allocData(dtype, size, 'float64'),
  evaluateWith: () => undefined,
  deadline: Infinity,
};

/** Propagates element dependence along the path. `tracked`: the x elements to follow
 *  (all when null). Null when a value is missing or a budget is exceeded. */
export function elementDeps(analysis: Analysis, path: SitePath, tracked: Int32Array | null, budget: DepBudget): DepResult | null {
  const xValue = analysis.valueOf(path.x);
  if (!xValue) return null;
  const nx = xValue.data.length;
  const track = tracked ?? Int32Array.from({ length: nx }, (_, i) => i);
  const T = track.length;
  const W = Math.max(1, Math.ceil(T / 32));
  let words = nx * W;
  if (words > budget.maxWords) return null;
  const xRows = new Uint32Array(nx * W);
  for (let b = 0; b < T; b++) {
    const k = track[b];
    if (k < 0 || k >= nx) return null;
    xRows[k * W + (b >>> 5)] |= 1 << (b & 31);
  }
  const result: DepResult = { tracked: track, W, deps: new Map([[path.x, xRows]]), conservative: [], probed: [] };
  for (const node of path.order) {
    if (node === path.x) continue;
    if (Date.now() > budget.deadline) return null;
    const out = analysis.valueOf(node);
    if (!out) return null;
    const inputs: Tensor[] = [];
    for (const i of node.inputs) {
      const v = analysis.valueOf(i);
      if (!v) return null;
      inputs.push(v);
    }
    const size = out.data.length;
    words += size * W;
    if (words > budget.maxWords) return null;
    const slots: number[] = [];
    node.inputs.forEach((i, s) => {
      if (carries(node, s) && result.deps.has(i)) slots.push(s);
    });
    const rows = new Uint32Array(size * W);
    const inRows = (s: number) => result.deps.get(node.inputs[s])!;
    const name = node.op.name;
    let done = false;
    if (size === 0) {
      // An empty result depends on nothing, and no kernel or pattern walk runs for it (as in
      // the evaluator: per-axis tables or a batch of 9e15 empty matrices must not be looped over).
      done = true;
    } else if (ELEMENTWISE.has(name)) {
      for (const s of slots) orBroadcast(rows, out.shape, inRows(s), inputs[s].shape, W);
      done = true;
    } else if (REDUCTIONS.has(name) || name === 'sum_to_like') {
      const strides = reductionStrides(node, inputs, out.shape);
      if (strides) {
        orProject(rows, inRows(0), inputs[0].shape, strides, W);
        done = true;
      }
    } else if (name === 'matmul') {
      done = orMatmul(rows, node, inputs, out.shape, slots.map((s) => [s, inRows(s)] as [number, Uint32Array]), W);
    } else if (name === 'custom_gradient' && (node.attrs.fn as UserFunction | undefined)?.customGrad) {
      // A grad rule replaces the body: its pattern is whatever the rule computes.
      result.conservative.push(`${(node.attrs.fn as UserFunction).name} (grad rule)`);
      orDense(rows, slots.map(inRows), W);
      done = true;
    }
    if (!done && MOVEMENT.has(name)) {
      const moved = movementSources(node, inputs, slots, out.shape);
      if (moved) {
        for (let e = 0; e < size; e++) {
          const s = moved.slot[e];
          if (s < 0) continue;
          const src = inRows(s);
          const from = moved.index[e] * W;
          for (let w = 0; w < W; w++) rows[e * W + w] |= src[from + w];
        }
        done = true;
      }
    }
    if (!done) {
      if (probe(rows, node, inputs, slots, out.shape, W, inRows, budget.maxProbeWork)) result.probed.push(name);
      else {
        result.conservative.push(name);
        orDense(rows, slots.map(inRows), W);
      }
    }
    result.deps.set(node, rows);
  }
  return result;
}

/** rows[o] |= src[broadcast index of o] for a broadcasting elementwise input. */
function orBroadcast(rows: Uint32Array, outShape: readonly number[], src: Uint32Array, inShape: readonly number[], W: number): void {
  const rank = outShape.length;
  const n = sizeOf(outShape);
  if (n === 0) return;
  if (sizeOf(inShape) === n && inShape.length === rank) {
    for (let i = 0; i < rows.length; i++) rows[i] |= src[i];
    return;
  }
  const strides = broadcastStrides(inShape, outShape);
  const idx = new Int32Array(rank);
  let from = 0;
  for (let o = 0; o < n; o++) {
    const a = o * W;
    const b = from * W;
    for (let w = 0; w < W; w++) rows[a + w] |= src[b + w];
    for (let k = rank - 1; k >= 0; k--) {
      idx[k]++;
      from += strides[k];
      if (idx[k] < outShape[k]) break;
      from -= strides[k] * outShape[k];
      idx[k] = 0;
    }
  }
}

/** rows[project(i)] |= src[i]: every input element folds into the output element whose
 *  offset is Σ coord[k] * outStrides[k] (0 along summed axes). */
function orProject(rows: Uint32Array, src: Uint32Array, inShape: readonly number[], outStrides: readonly number[], W: number): void {
  const rank = inShape.length;
  const n = sizeOf(inShape);
  if (n === 0) return;
  const idx = new Int32Array(rank);
  let to = 0;
  for (let i = 0; i < n; i++) {
    const a = to * W;
    const b = i * W;
    for (let w = 0; w < W; w++) rows[a + w] |= src[b + w];
    for (let k = rank - 1; k >= 0; k--) {
      idx[k]++;
      to += outStrides[k];
      if (idx[k] < inShape[k]) break;
      to -= outStrides[k] * inShape[k];
      idx[k] = 0;
    }
  }
}

/** Output strides of each input axis of a reduction (0 for reduced axes), or null when
 *  the output does not have the shape the rule expects. */
function reductionStrides(node: Node, inputs: readonly Tensor[], outShape: readonly number[]): number[] | null {
  const inShape = inputs[0].shape;
  const rank = inShape.length;
  if (node.op.name === 'sum_to_like') {
    const like = inputs[1].shape;
    const lead = rank - like.length;
    if (lead < 0) return null;
    const likeStrides = stridesOf(like);
    const strides = inShape.map((d, k) => (k < lead || like[k - lead] !== d ? 0 : likeStrides[k - lead]));
    return sizeOf(like) === sizeOf(outShape) ? strides : null;
  }
  const axis = node.attrs.axis as number[] | number | null | undefined;
  const axes = axis === undefined || axis === null ? null : Array.isArray(axis) ? axis : [axis];
  let reduced: Set<number>;
  try {
    reduced = new Set(resolveAxes(axes, rank));
  } catch {
    return null;
  }
  const kept: number[] = [];
  for (let k = 0; k < rank; k++) if (!reduced.has(k)) kept.push(k);
  const strides = new Array<number>(rank).fill(0);
  let s = 1;
  for (let j = kept.length - 1; j >= 0; j--) {
    strides[kept[j]] = s;
    s *= inShape[kept[j]];
  }
  return s === sizeOf(outShape) ? strides : null;
}

/** matmul: out[..., m, n] depends on row m of a and column n of b. */
function orMatmul(rows: Uint32Array, node: Node, inputs: readonly Tensor[], outShape: readonly number[], slots: [number, Uint32Array][], W: number): boolean {
  const [a, b] = inputs;
  if (a.shape.length < 2 || b.shape.length < 2 || outShape.length < 2) return false;
  const ta = node.attrs.transpose_a === true;
  const tb = node.attrs.transpose_b === true;
  const R = outShape.length;
  const M = outShape[R - 2];
  const N = outShape[R - 1];
  const batchShape = outShape.slice(0, R - 2);
  const batches = sizeOf(batchShape);
  // Per operand: the OR over k of its rows (a) or columns (b), per batch matrix.
  const folded = (t: Tensor, src: Uint32Array, isA: boolean): { or: Uint32Array; strides: number[] } => {
    const r = t.shape.length;
    const rowsN = t.shape[r - 2];
    const colsN = t.shape[r - 1];
    const mats = sizeOf(t.shape.slice(0, r - 2));
    // a: m indexes rows unless transposed; b: n indexes columns unless transposed.
    const keepRows = isA ? !ta : tb;
    const P = keepRows ? rowsN : colsN;
    const or = new Uint32Array(mats * P * W);
    for (let mat = 0; mat < mats; mat++) {
      for (let i = 0; i < rowsN; i++) {
        for (let j = 0; j < colsN; j++) {
          const p = keepRows ? i : j;
          const from = (mat * rowsN * colsN + i * colsN + j) * W;
          const to = (mat * P + p) * W;
          for (let w = 0; w < W; w++) or[to + w] |= src[from + w];
        }
      }
    }
    return { or, strides: broadcastStrides(t.shape.slice(0, r - 2), batchShape) };
  };
  const parts = slots.map(([s, src]) => ({ slot: s, ...folded(inputs[s], src, s === 0) }));
  const idx = new Int32Array(batchShape.length);
  for (let batch = 0; batch < batches; batch++) {
    for (const part of parts) {
      let mat = 0;
      for (let k = 0; k < idx.length; k++) mat += idx[k] * part.strides[k];
      const P = part.slot === 0 ? M : N;
      for (let m = 0; m < M; m++) {
        for (let n = 0; n < N; n++) {
          const p = part.slot === 0 ? m : n;
          const from = (mat * P + p) * W;
          const to = ((batch * M + m) * N + n) * W;
          for (let w = 0; w < W; w++) rows[to + w] |= part.or[from + w];
        }
      }
    }
    for (let k = idx.length - 1; k >= 0; k--) {
      if (++idx[k] < batchShape[k]) break;
      idx[k] = 0;
    }
  }
  return true;
}

/** Every output row depends on every row of every path input. */
function orDense(rows: Uint32Array, srcs: readonly Uint32Array[], W: number): void {
  const all = new Uint32Array(W);
  for (const src of srcs) for (let i = 0; i < src.length; i++) all[i % W] |= src[i];
  for (let i = 0; i < rows.length; i++) rows[i] = all[i % W];
}

const SLOT_BASE = 2 ** 34;
const SHIFT = 2 ** 33;

/** Runs a movement kernel on index-encoded inputs: for each output element, the input
 *  (slot, flat index) it copies, or slot -1 for a constant. Null when the op turns out not
 *  to copy (some output is neither a constant nor exactly one encoded input element). */
function movementSources(node: Node, inputs: readonly Tensor[], slots: readonly number[], outShape: readonly number[]): { slot: Int32Array; index: Int32Array } | null {
  if (slots.length === 0 || slots.length * SLOT_BASE > 2 ** 52) return null;
  const encoded = (shift: number) =>
    inputs.map((t, s) => {
      if (!slots.includes(s)) return t;
      const data = new Float64Array(t.data.length);
      const base = (s + 1) * SLOT_BASE + shift;
      for (let k = 0; k < data.length; k++) data[k] = base + k;
      return { dtype: t.dtype, shape: t.shape, data } as Tensor;
    });
  const a = runKernel(node, encoded(0), outShape);
  const b = runKernel(node, encoded(SHIFT), outShape);
  if (!a || !b) return null;
  const n = a.length;
  const isPath = new Uint8Array(inputs.length);
  for (const s of slots) isPath[s] = 1;
  const slot = new Int32Array(n).fill(-1);
  const index = new Int32Array(n);
  for (let e = 0; e < n; e++) {
    const va = a[e];
    const vb = b[e];
    if (va === vb || (va !== va && vb !== vb)) continue;
    if (vb - va !== SHIFT) return null;
    const s = Math.floor(va / SLOT_BASE) - 1;
    const k = va - (s + 1) * SLOT_BASE;
    if (s < 0 || s >= inputs.length || !isPath[s] || !Number.isInteger(k) || k < 0 || k >= inputs[s].data.length) return null;
    slot[e] = s;
    index[e] = k;
  }
  return { slot, index };
}

function runKernel(node: Node, inputs: readonly Tensor[], outShape: readonly number[]): TypedData | null {
  if (!node.op.kernel) return null;
  try {
    const data = node.op.kernel(inputs, node.attrs, { dtype: node.type.dtype, shape: outShape }, CTX);
    return data.length === sizeOf(outShape) ? data : null;
  } catch {
    return null;
  }
}

/** Deterministic values in [0.5, 1.5): a generic point away from zeros and kinks. */
function genericValues(n: number, salt: number): Float64Array {
  const out = new Float64Array(n);
  let s = (0x9e3779b9 ^ salt) >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    out[i] = 0.5 + s / 4294967296;
  }
  return out;
}

/** Finds the pattern by moving each path input element in turn. False when over budget or
 *  when the kernel fails. */
function probe(
  rows: Uint32Array,
  node: Node,
  inputs: readonly Tensor[],
  slots: readonly number[],
  outShape: readonly number[],
  W: number,
  inRows: (s: number) => Uint32Array,
  maxWork: number,
): boolean {
  if (!node.op.kernel) return false;
  const outSize = sizeOf(outShape);
  const perRun = outSize + inputs.reduce((n, t) => n + t.data.length, 0);
  const runs = slots.reduce((n, s) => n + inputs[s].data.length, 1);
  if (runs * perRun > maxWork) return false;
  // Float inputs (path or not) at a generic point, so that a zero weight or a switched-off
  // branch at the sample point does not hide a dependence; integer/bool inputs as they are.
  const generic = inputs.map((t, s) => (t.dtype === 'float32' || t.dtype === 'float64' ? ({ dtype: t.dtype, shape: t.shape, data: genericValues(t.data.length, s + 1) } as Tensor) : t));
  const base = runKernel(node, generic, outShape);
  if (!base) return false;
  const baseCopy = Float64Array.from(base as ArrayLike<number>);
  for (const s of slots) {
    const data = generic[s].data as Float64Array;
    const src = inRows(s);
    for (let k = 0; k < data.length; k++) {
      const keep = data[k];
      data[k] = keep + 1;
      // Compare before restoring: a kernel may return its input's own buffer.
      const moved = runKernel(node, generic, outShape);
      if (!moved) return false;
      for (let e = 0; e < outSize; e++) {
        const v = moved[e];
        const v0 = baseCopy[e];
        if (v === v0 || (v !== v && v0 !== v0)) continue;
        for (let w = 0; w < W; w++) rows[e * W + w] |= src[k * W + w];
      }
      data[k] = keep;
    }
  }
  return true;
}

// ---- reading the bit matrices -------------------------------------------------------------

/** Per tracked x element, how many elements of `node` depend on it (added to `counts`). */
export function addCounts(dep: Uint32Array, W: number, counts: Int32Array): void {
  for (let i = 0; i < dep.length; i++) {
    let v = dep[i];
    const base = (i % W) * 32;
    while (v !== 0) {
      const low = v & -v;
      counts[base + 31 - Math.clz32(low)]++;
      v ^= low;
    }
  }
}

/** Per axis of `shape`: over the tracked x elements that reach the node, the least and the
 *  most distinct coordinates along that axis among the elements they reach. Null when the
 *  bookkeeping would exceed `maxCells`. */
export function axisSpans(dep: Uint32Array, shape: readonly number[], W: number, T: number, maxCells = 8_000_000): { min: number; max: number }[] | null {
  const rank = shape.length;
  const cells = shape.reduce((n, d) => n + d, 0) * T;
  if (cells > maxCells) return null;
  const offsets: number[] = [];
  let total = 0;
  for (const d of shape) {
    offsets.push(total);
    total += d;
  }
  const seen = new Uint8Array(T * total);
  const reached = new Uint8Array(T);
  const n = sizeOf(shape);
  const idx = new Int32Array(rank);
  for (let e = 0; e < n; e++) {
    for (let w = 0; w < W; w++) {
      let v = dep[e * W + w];
      while (v !== 0) {
        const low = v & -v;
        const b = w * 32 + 31 - Math.clz32(low);
        v ^= low;
        reached[b] = 1;
        for (let k = 0; k < rank; k++) seen[b * total + offsets[k] + idx[k]] = 1;
      }
    }
    for (let k = rank - 1; k >= 0; k--) {
      if (++idx[k] < shape[k]) break;
      idx[k] = 0;
    }
  }
  return shape.map((d, k) => {
    let min = Infinity;
    let max = 0;
    for (let b = 0; b < T; b++) {
      if (!reached[b]) continue;
      let c = 0;
      for (let i = 0; i < d; i++) c += seen[b * total + offsets[k] + i];
      if (c < min) min = c;
      if (c > max) max = c;
    }
    return { min: min === Infinity ? 0 : min, max };
  });
}

/** Flat indices of the elements of a node that depend on tracked bit `b`. */
export function reachedBy(dep: Uint32Array, W: number, b: number, limit: number): number[] {
  const out: number[] = [];
  const w = b >>> 5;
  const mask = 1 << (b & 31);
  const n = dep.length / W;
  for (let e = 0; e < n && out.length < limit; e++) if (dep[e * W + w] & mask) out.push(e);
  return out;
}
