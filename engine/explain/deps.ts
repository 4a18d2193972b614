// Which elements of x each element of every node on the path depends on: the structural
// sparsity of the Jacobian, element by element. Each node's dependence is a bit matrix
// (one row per element, one bit per tracked element of x), propagated in topological order
// from the rows of its inputs through what the node's op declares (OpDef.dependence):
//
//  - a relation (elementwise, reduction, contraction, window, row-wise): relation.ts walks
//    its labels; value-routed ones (max pooling, reduce_max) keep the extreme elements;
//  - an index map (reshape, stack, concat, tile, slices, gathers, pads, ...): its kernel runs
//    on inputs that hold their own element indices, so every output element names the input
//    element it copies (checked with a second, shifted encoding);
//  - a scatter (the adjoint of an index map): the forward map's kernel, read backwards;
//  - a scan: each element reads the elements before it along the scanned axes;
//  - a user rule, or a dense declaration: every element of every value input (reported as
//    conservative, with the reason).
//
// Structure, not values: relu switched off or x = 0 in x**2 give a zero derivative at the
// sample point but still count, because the sum tf.gradients forms includes that term. Only
// ops that select by value (max) route, as their gradients do.
//
// The rows of a node depend on its op, its values and its inputs' rows only: they are kept
// per analysis and x, and a later gradient site of the same x reuses them whenever its
// inputs' rows are the very same (a 1,000-layer chain with a gradient every 50 layers is
// followed once, not twenty times).

import type { Analysis } from '../analysis';
import type { Node } from '../graph';
import { type Tensor, type TypedData, allocData, sizeOf } from '../tensor';
import { attrsOf, type KernelContext, lookupOp } from '../ops/registry';
import { groupIndex } from '../ops/reduce/reduction';
import { type DependenceContext, type Relation, type ScanDependence, type ScatterDependence, resolveDependence } from '../ops/dependence';
import type { Attrs, OpDef } from '../ops/registry';
import { AlongPath, type SitePath } from './path';
import { type Declared, contextOf, declarationOf, relationOf } from './declared';
import { orRelation } from './relation';
import { KeptPerX } from './memo';
import { SaturatedRows } from './saturated';
import { checkInterrupt } from './interrupt';
import { customGradient } from '../ops/functions';

export interface DepBudget {
  /** Most 32-bit words all bit matrices may hold together. */
  maxWords: number;
  /** Most label assignments one relation may walk. */
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
  deps: { get(node: Node): Uint32Array | undefined };
  /** Ops whose pattern was assumed dense (a `grad` rule, a dense declaration, a pattern over
   *  its budget), with the reason. */
  conservative: string[];
  /** Ops on the path that declare no dependence (none should: the registry's test). */
  undeclared: string[];
}

const CTX: KernelContext = {
  precision: 'float64',
  alloc: (dtype, size) => allocData(dtype, size, 'float64'),
  evaluateWith: () => undefined,
  deadline: Infinity,
};

/** Rows kept per analysis and x (all of x's elements tracked), with the input rows they were
 *  made from: reused when a node's inputs bring the same rows. */
interface Kept {
  rows: Uint32Array;
  from: (Uint32Array | undefined)[];
  conservative: string | null;
}
const kept = new KeptPerX<Kept>();
/** Most words kept per analysis (past them, rows are computed per site). */
const MAX_KEPT_WORDS = 1 << 23;
const keptWords = new WeakMap<Analysis, number>();
/** Rows in which every element depends on every tracked element, shared by every x. */
const saturatedRows = new SaturatedRows();

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
  const memo = tracked === null ? kept.of(analysis, path.x) : null;
  // (Only the xs of one gradient share rows: a site of one x would keep them for no one.)
  const share = path.site.xs.length > 1;
  let xRows = memo?.get(path.x)?.rows;
  if (!xRows) {
    xRows = new Uint32Array(nx * W);
    for (let b = 0; b < T; b++) {
      const k = track[b];
      if (k < 0 || k >= nx) return null;
      xRows[k * W + (b >>> 5)] |= 1 << (b & 31);
    }
    if (share) xRows = saturatedRows.canonical(analysis, xRows, T, W);
    memo?.set(path.x, { rows: xRows, from: [], conservative: null });
  }
  const along = new AlongPath<Uint32Array>(path);
  along.at[0] = xRows;
  const result: DepResult = { tracked: track, W, deps: along, conservative: [], undeclared: [] };
  for (let k = 1; k < path.order.length; k++) {
    const node = path.order[k];
    if ((k & 63) === 0) {
      checkInterrupt();
      if (Date.now() > budget.deadline) return null;
    }
    const hit = memo?.get(node);
    if (hit && along.same(k, hit.from)) {
      along.at[k] = hit.rows;
      if (hit.conservative) result.conservative.push(hit.conservative);
      continue;
    }
    const from = along.inputsOf(k);
    const out = analysis.valueOf(node);
    if (!out) return null;
    const size = out.data.length;
    const d = declarationOf(node);
    // Inputs that every element of x reaches whole give what they gave another x.
    const sharedKey = share ? saturatedRows.keyOf(from, T) : null;
    const shared = sharedKey === null ? undefined : saturatedRows.get(analysis, node, sharedKey);
    let rows: Uint32Array;
    let conservative: string | null;
    if (shared) {
      words += size * W;
      if (words > budget.maxWords) return null;
      if (!d) result.undeclared.push(node.op.name);
      rows = shared.rows;
      conservative = shared.conservative;
    } else {
      const inputs: Tensor[] = [];
      for (const i of node.inputs) {
        const v = analysis.valueOf(i);
        if (!v) return null;
        inputs.push(v);
      }
      words += size * W;
      if (words > budget.maxWords) return null;
      rows = new Uint32Array(size * W);
      // An empty result depends on nothing, and no kernel or pattern walk runs for it (as in
      // the evaluator: per-axis tables or a batch of 9e15 empty matrices must not be looped over).
      if (!d) result.undeclared.push(node.op.name);
      conservative =
        size === 0
          ? null
          : propagate(
              node,
              d,
              () => contextOf(analysis, node),
              () => relationOf(analysis, node),
              inputs,
              from,
              out.shape,
              rows,
              W,
              budget.maxProbeWork,
            );
      if (share) rows = saturatedRows.canonical(analysis, rows, T, W);
      if (sharedKey !== null) saturatedRows.set(analysis, node, sharedKey, { rows, conservative });
    }
    if (conservative) result.conservative.push(conservative);
    along.at[k] = rows;
    if (memo) {
      const total = (keptWords.get(analysis) ?? 0) + rows.length;
      if (total <= MAX_KEPT_WORDS) {
        keptWords.set(analysis, total);
        memo.set(node, { rows, from, conservative });
      }
    }
  }
  return result;
}

/** Fills `rows` from the declaration `d` of `node` (its context and relation given lazily);
 *  returns the reason when the pattern was assumed dense, else null. */
function propagate(
  node: Node,
  d: Declared | null,
  context: () => DependenceContext | null,
  relation: () => Relation | null,
  inputs: readonly Tensor[],
  from: readonly (Uint32Array | undefined)[],
  outShape: readonly number[],
  rows: Uint32Array,
  W: number,
  budget: number,
): string | null {
  const sources = from.map((r) => r ?? null);
  const present = sources.filter((r): r is Uint32Array => r !== null);
  const dense = (why: string) => {
    orDense(rows, present, W);
    return why;
  };
  const name = node.op.name;
  if (!d) return dense(name);
  switch (d.kind) {
    case 'relation': {
      const r = relation();
      return r && orRelation(r, { rows, W, sources, values: inputs, outShape, budget }) ? null : dense(name);
    }
    case 'index-map': {
      const slots = sources.map((r, s) => (r ? s : -1)).filter((s) => s >= 0);
      const moved = movementSources(node, inputs, slots, outShape);
      if (!moved) return dense(name);
      for (let e = 0; e < moved.slot.length; e++) {
        const s = moved.slot[e];
        if (s < 0) continue;
        const src = sources[s]!;
        const at = moved.index[e] * W;
        for (let w = 0; w < W; w++) rows[e * W + w] |= src[at + w];
      }
      return null;
    }
    case 'scatter':
      return orScatter(d, node, inputs, sources, outShape, rows, W) ? null : dense(name);
    case 'scan':
      return orScan(d, context(), sources[0], inputs[0], rows, W) ? null : dense(name);
    case 'user-rule':
      // A grad rule replaces the body: its pattern is whatever the rule computes.
      return dense(`${attrsOf(node, customGradient)?.fn.name ?? name} (grad rule)`);
    case 'dense':
      return dense(`${name} (${d.why})`);
  }
}

/** The pattern `op`'s declaration gives one node with these inputs: per output element (row-
 *  major), 1 for each element of input `slot` it depends on, 0 elsewhere; null when the
 *  declaration does not apply (no declaration, or `slot` carries no value). Reads no graph:
 *  the registry's tests compare it with measured Jacobians. */
export function declaredPattern(
  op: OpDef,
  attrs: Attrs,
  inputs: readonly Tensor[],
  outShape: readonly number[],
  slot: number,
): Uint8Array | null {
  if (!op.dependence) return null;
  const d = resolveDependence(op.dependence, attrs);
  if (d.carries && !d.carries(slot, inputs.length, attrs)) return null;
  const node = { op, attrs, inputs: inputs.map(() => ({})), type: { dtype: 'float64', shape: outShape } } as unknown as Node;
  const n = inputs[slot].data.length;
  const W = Math.max(1, Math.ceil(n / 32));
  const src = new Uint32Array(n * W);
  for (let k = 0; k < n; k++) src[k * W + (k >>> 5)] |= 1 << (k & 31);
  const from = inputs.map((_, s) => (s === slot ? src : undefined));
  const size = sizeOf(outShape);
  const rows = new Uint32Array(size * W);
  const ctx: DependenceContext = { attrs, inputs: inputs.map((t) => t.shape), output: outShape };
  const relation = () => (d.kind === 'relation' ? d.relate(ctx) : null);
  if (size > 0 && propagate(node, d, () => ctx, relation, inputs, from, outShape, rows, W, DEFAULT_DEP_BUDGET.maxProbeWork)) return null;
  const out = new Uint8Array(size * n);
  for (let e = 0; e < size; e++) for (let k = 0; k < n; k++) if (rows[e * W + (k >>> 5)] & (1 << (k & 31))) out[e * n + k] = 1;
  return out;
}

/** Each element of the value input lands where the forward index map read it from. */
function orScatter(
  d: ScatterDependence,
  node: Node,
  inputs: readonly Tensor[],
  sources: readonly (Uint32Array | null)[],
  outShape: readonly number[],
  rows: Uint32Array,
  W: number,
): boolean {
  const src = sources[d.value];
  if (!src) return true;
  const fwd = d.forward(node.attrs);
  const op = lookupOp(fwd.op);
  if (!op?.kernel) return false;
  const valueShape = inputs[d.value].shape;
  const size = sizeOf(outShape);
  const run = (shift: number) => {
    const main: Tensor = {
      dtype: 'float64',
      shape: outShape.slice(),
      data: Float64Array.from({ length: size }, (_, k) => SLOT_BASE + shift + k),
    };
    const args = fwd.inputs.map((s) => (s < 0 ? main : inputs[s]));
    try {
      const data = op.kernel!(args, fwd.attrs, { dtype: 'float64', shape: valueShape }, CTX);
      return data.length === sizeOf(valueShape) ? data : null;
    } catch {
      return null;
    }
  };
  const a = run(0);
  const b = run(SHIFT);
  if (!a || !b) return false;
  for (let e = 0; e < a.length; e++) {
    if (a[e] === b[e]) continue; // a constant of the forward map (a pad): nothing lands
    const k = a[e] - SLOT_BASE;
    if (b[e] - a[e] !== SHIFT || !Number.isInteger(k) || k < 0 || k >= size) return false;
    for (let w = 0; w < W; w++) rows[k * W + w] |= src[e * W + w];
  }
  return true;
}

/** Element i of a scan group reads the group's elements up to i in scan order. */
function orScan(
  d: ScanDependence,
  ctx: DependenceContext | null,
  src: Uint32Array | null,
  x: Tensor,
  rows: Uint32Array,
  W: number,
): boolean {
  if (!src) return true;
  const axes = ctx && d.axes(ctx);
  if (!ctx || !axes) return false;
  const group = groupIndex(x.shape, axes);
  const groups = sizeOf(x.shape.filter((_, k) => !axes.includes(k)));
  const acc = new Uint32Array(groups * W);
  const reverse = d.reverse(ctx.attrs);
  const exclusive = d.exclusive(ctx.attrs);
  const n = x.data.length;
  for (let j = 0; j < n; j++) {
    const e = reverse ? n - 1 - j : j;
    const g = group[e] * W;
    if (!exclusive) for (let w = 0; w < W; w++) acc[g + w] |= src[e * W + w];
    for (let w = 0; w < W; w++) rows[e * W + w] |= acc[g + w];
    if (exclusive) for (let w = 0; w < W; w++) acc[g + w] |= src[e * W + w];
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
function movementSources(
  node: Node,
  inputs: readonly Tensor[],
  slots: readonly number[],
  outShape: readonly number[],
): { slot: Int32Array; index: Int32Array } | null {
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
 *  bookkeeping would exceed `maxCells` words. Kept per bit matrix (they are shared between
 *  the gradient sites of one x). */
export function axisSpans(
  dep: Uint32Array,
  shape: readonly number[],
  W: number,
  T: number,
  maxCells = 8_000_000,
): { min: number; max: number }[] | null {
  const hit = spansKept.get(dep);
  if (hit && hit.shape.length === shape.length && hit.shape.every((d, k) => d === shape[k])) return hit.spans;
  const n = sizeOf(shape);
  if (shape.reduce((a, d) => a + d, 0) * W > maxCells) return null;
  const reached = new Uint32Array(W);
  for (let i = 0; i < n * W; i++) reached[i % W] |= dep[i];
  const counts = new Int32Array(T);
  let stride = n;
  const spans = shape.map((d) => {
    stride /= d;
    // The x elements reaching each coordinate along the axis, then per element how many.
    const slices = new Uint32Array(d * W);
    for (let e = 0; e < n; e++) {
      const at = (Math.floor(e / stride) % d) * W;
      for (let w = 0; w < W; w++) slices[at + w] |= dep[e * W + w];
    }
    counts.fill(0);
    for (let i = 0; i < slices.length; i++) {
      let v = slices[i];
      const base = (i % W) * 32;
      while (v !== 0) {
        const low = v & -v;
        counts[base + 31 - Math.clz32(low)]++;
        v ^= low;
      }
    }
    let min = Infinity;
    let max = 0;
    for (let b = 0; b < T; b++) {
      if (!(reached[b >>> 5] & (1 << (b & 31)))) continue;
      if (counts[b] < min) min = counts[b];
      if (counts[b] > max) max = counts[b];
    }
    return { min: min === Infinity ? 0 : min, max };
  });
  spansKept.set(dep, { shape: shape.slice(), spans });
  return spans;
}

const spansKept = new WeakMap<Uint32Array, { shape: number[]; spans: { min: number; max: number }[] }>();

/** Flat indices of the elements of a node that depend on tracked bit `b`. */
export function reachedBy(dep: Uint32Array, W: number, b: number, limit: number): number[] {
  const out: number[] = [];
  const w = b >>> 5;
  const mask = 1 << (b & 31);
  const n = dep.length / W;
  for (let e = 0; e < n && out.length < limit; e++) if (dep[e * W + w] & mask) out.push(e);
  return out;
}
