// Following axes through the graph. Every op says, per output axis, which input axes move
// with it (`correspond`); from that, two labelings are propagated in topological order:
//
//  - batch tags: which axes descend from the `None` axis of a placeholder (a batch axis);
//  - labels relative to one x: for each axis of a node x reaches, the axis of x it follows
//    (null when it has no counterpart in x) and its multiplicity — how many positions along
//    it one element of x reaches — with the causes of that multiplicity: a stack, concat or
//    tile of copies, a broadcast, a batch axis shared by a parameter.
//
// An axis of multiplicity m > 1 that reaches the ys is summed by tf.gradients (Σys); one
// that a reduction folds on the way is summed by that reduction. This is the structural
// explanation; the element-level dependence (deps.ts) gives exact counts when affordable.

import type { Analysis } from '../analysis';
import type { Node } from '../graph';
import type { UserFunction } from '../builder';
import type { Dim } from '../types';
import { ELEMENTWISE, REDUCTIONS } from './deps';
import { type SitePath, carries, checkTime, shapeOf } from './path';

export type Origin = 'stack' | 'concat' | 'tile' | 'broadcast' | 'batch' | 'reduction' | 'ys-list' | 'reuse' | 'other';

/** An axis that descends from axis `axis` (a `None` size) of `placeholder`. */
export interface BatchTag {
  placeholder: Node;
  axis: number;
}

/** Why one element of x reaches several positions along an axis. */
export interface Cause {
  origin: Origin;
  /** The op that created the multiplicity. */
  node: Node;
  /** How many positions it multiplies by (null: unknown size). */
  size: number | null;
  /** For stack/concat/tile of one tensor: that tensor (the sum is size × its gradient). */
  copiesOf: Node | null;
  batch: BatchTag | null;
}

export interface Label {
  /** The axis of x this axis follows, or null when it has no counterpart in x. */
  x: number | null;
  /** Positions along this axis one element of x reaches (null: unknown). */
  mult: number | null;
  causes: Cause[];
}

export type Labels = Label[] | null;

/** Per output axis: the input axes whose coordinate moves with it. */
interface Corr {
  from: { slot: number; axis: number }[][];
  /** Candidates are pieces of one merged axis (reshape): multiplicities multiply. */
  product: boolean[];
  /** Whether size-1 inputs broadcast along this axis (elementwise semantics). */
  bcast: boolean[];
  /** Later axes of a reshape group: they share the group's causes, its multiplicity stays
   *  on the group's first axis (which may then exceed that axis's size). */
  follower: boolean[];
  /** Multiplicity this op creates along the axis; `origin` null for a plain new axis
   *  that x reaches at one position (expand_dims, the placed slice of a gradient). */
  created: ({ origin: Origin | null; size: Dim; countSlots?: boolean } | null)[];
  /** Per input slot: axes summed away (reductions, matmul's contraction). */
  summed: number[][];
  /** False when the correspondence is a guess (an op the explainer does not know). */
  exact: boolean;
  /** Slots whose every axis is accounted for (all inputs of a broadcasting op, scalars
   *  too); by default, the slots that appear in `from`. */
  mapped?: number[];
}

function emptyCorr(outRank: number, slots: number): Corr {
  return {
    from: Array.from({ length: outRank }, () => []),
    product: new Array(outRank).fill(false),
    bcast: new Array(outRank).fill(false),
    follower: new Array(outRank).fill(false),
    created: new Array(outRank).fill(null),
    summed: Array.from({ length: slots }, () => []),
    exact: true,
  };
}

function norm(axis: unknown, rank: number): number | null {
  if (typeof axis !== 'number' || !Number.isInteger(axis) || axis < -rank || axis >= rank) return null;
  return axis < 0 ? axis + rank : axis;
}

/** Right-aligned broadcasting correspondence of every slot. */
function broadcastCorr(ins: readonly (Dim[] | null)[], out: readonly Dim[], slots: readonly number[]): Corr {
  const c = emptyCorr(out.length, ins.length);
  for (const s of slots) {
    const shape = ins[s];
    if (!shape) continue;
    const lead = out.length - shape.length;
    for (let k = 0; k < shape.length; k++) if (k + lead >= 0) c.from[k + lead].push({ slot: s, axis: k });
  }
  c.bcast.fill(true);
  c.mapped = [...slots];
  return c;
}

function positionalCorr(out: readonly Dim[], slots: number, slot = 0): Corr {
  const c = emptyCorr(out.length, slots);
  for (let o = 0; o < out.length; o++) c.from[o].push({ slot, axis: o });
  return c;
}

/** Groups of input and output axes of a reshape whose sizes multiply to the same number. */
function reshapeGroups(a: readonly Dim[], b: readonly Dim[]): { ins: number[]; outs: number[] }[] | null {
  if (a.some((d) => d === null || d === 0) || b.some((d) => d === null || d === 0)) return null;
  const A = a as number[];
  const B = b as number[];
  const groups: { ins: number[]; outs: number[] }[] = [];
  let i = 0;
  let j = 0;
  while (i < A.length || j < B.length) {
    const oneA = i < A.length && A[i] === 1;
    const oneB = j < B.length && B[j] === 1;
    if (oneA && oneB) {
      groups.push({ ins: [i++], outs: [j++] });
      continue;
    }
    if (oneA || j >= B.length) {
      if (!oneA) return null;
      groups.push({ ins: [i++], outs: [] });
      continue;
    }
    if (oneB || i >= A.length) {
      if (!oneB) return null;
      groups.push({ ins: [], outs: [j++] });
      continue;
    }
    const ins = [i];
    const outs = [j];
    let pa = A[i++];
    let pb = B[j++];
    while (pa !== pb) {
      if (pa < pb) {
        if (i >= A.length) return null;
        ins.push(i);
        pa *= A[i++];
      } else {
        if (j >= B.length) return null;
        outs.push(j);
        pb *= B[j++];
      }
    }
    groups.push({ ins, outs });
  }
  return groups;
}

/** The axis correspondence of one node, or null when the explainer cannot tell. */
export function correspond(node: Node, ins: readonly (Dim[] | null)[], out: readonly Dim[]): Corr | null {
  const name = node.op.name;
  const n = ins.length;
  const all = ins.map((_, s) => s);
  const rank0 = ins[0]?.length ?? -1;
  const attrs = node.attrs;
  if (ELEMENTWISE.has(name)) return broadcastCorr(ins, out, all);
  if (REDUCTIONS.has(name)) {
    if (!ins[0]) return null;
    const raw = attrs.axis as number[] | number | null | undefined;
    const list = raw === undefined || raw === null ? null : Array.isArray(raw) ? raw : [raw];
    const axes = list === null ? Array.from({ length: rank0 }, (_, k) => k) : list.map((a) => norm(a, rank0));
    if (axes.some((a) => a === null)) return null;
    const reduced = new Set(axes as number[]);
    const keep = attrs.keepdims === true;
    const c = emptyCorr(out.length, n);
    let o = 0;
    for (let k = 0; k < rank0; k++) {
      if (reduced.has(k)) {
        if (keep) c.created[o++] = { origin: null, size: 1 };
        continue;
      }
      if (o >= out.length) return null;
      c.from[o++].push({ slot: 0, axis: k });
    }
    if (o !== out.length) return null;
    c.summed[0] = [...reduced].sort((p, q) => p - q);
    return c;
  }
  switch (name) {
    case 'sum_to_like': {
      const x = ins[0];
      if (!x) return null;
      const lead = x.length - out.length;
      if (lead < 0) return null;
      const c = emptyCorr(out.length, n);
      for (let k = 0; k < lead; k++) c.summed[0].push(k);
      for (let o = 0; o < out.length; o++) {
        if (out[o] === 1 && x[o + lead] !== 1) {
          c.summed[0].push(o + lead);
          c.created[o] = { origin: null, size: 1 };
        } else c.from[o].push({ slot: 0, axis: o + lead });
      }
      return c;
    }
    case 'matmul': {
      const [a, b] = ins;
      if (!a || !b || a.length < 2 || b.length < 2 || out.length < 2) return null;
      const ta = attrs.transpose_a === true;
      const tb = attrs.transpose_b === true;
      const R = out.length;
      const c = broadcastCorr([a.slice(0, -2), b.slice(0, -2)], out.slice(0, -2), [0, 1]);
      c.from.push([{ slot: 0, axis: ta ? a.length - 1 : a.length - 2 }], [{ slot: 1, axis: tb ? b.length - 2 : b.length - 1 }]);
      c.product.push(false, false);
      c.bcast.push(false, false);
      c.follower.push(false, false);
      c.created.push(null, null);
      c.summed = [[ta ? a.length - 2 : a.length - 1], [tb ? b.length - 1 : b.length - 2]];
      return c.from.length === R ? c : null;
    }
    case 'reshape':
    case 'reshape_like':
    case 'expand_dims':
    case 'squeeze': {
      if (!ins[0]) return null;
      const groups = reshapeGroups(ins[0], out);
      if (!groups) return null;
      const c = emptyCorr(out.length, n);
      for (const g of groups) {
        if (g.outs.length === 0) continue;
        const [first, ...rest] = g.outs;
        if (g.ins.length === 0) c.created[first] = { origin: null, size: 1 };
        for (const k of g.ins) c.from[first].push({ slot: 0, axis: k });
        c.product[first] = g.ins.length > 1;
        for (const r of rest) {
          for (const k of g.ins) c.from[r].push({ slot: 0, axis: k });
          c.product[r] = g.ins.length > 1;
          c.follower[r] = true;
        }
        if (g.outs.length > 1) c.follower[first] = false;
      }
      return c;
    }
    case 'transpose': {
      const perm = (attrs.perm as number[] | null | undefined) ?? Array.from({ length: rank0 }, (_, k) => rank0 - 1 - k);
      if (perm.length !== out.length) return null;
      const c = emptyCorr(out.length, n);
      perm.forEach((p, o) => c.from[o].push({ slot: 0, axis: p }));
      return c;
    }
    case 'matrix_transpose': {
      if (out.length < 2 || rank0 !== out.length) return null;
      const c = positionalCorr(out, n);
      c.from[out.length - 2] = [{ slot: 0, axis: out.length - 1 }];
      c.from[out.length - 1] = [{ slot: 0, axis: out.length - 2 }];
      return c;
    }
    case 'stack': {
      const ax = norm(attrs.axis ?? 0, out.length);
      if (ax === null) return null;
      const c = emptyCorr(out.length, n);
      for (let o = 0; o < out.length; o++) {
        if (o === ax) continue;
        for (const s of all) c.from[o].push({ slot: s, axis: o < ax ? o : o - 1 });
      }
      c.created[ax] = { origin: 'stack', size: n, countSlots: true };
      return c;
    }
    case 'concat': {
      const ax = norm(attrs.axis, out.length);
      if (ax === null) return null;
      const c = emptyCorr(out.length, n);
      for (let o = 0; o < out.length; o++) for (const s of all) c.from[o].push({ slot: s, axis: o });
      c.created[ax] = { origin: 'concat', size: n, countSlots: true };
      return c;
    }
    case 'unstack_part': {
      const ax = norm(attrs.axis, rank0);
      if (ax === null) return null;
      const c = emptyCorr(out.length, n);
      for (let o = 0; o < out.length; o++) c.from[o].push({ slot: 0, axis: o < ax ? o : o + 1 });
      return c;
    }
    case 'place_part': {
      const ax = norm(attrs.axis, out.length);
      if (ax === null) return null;
      const c = emptyCorr(out.length, n);
      for (let o = 0; o < out.length; o++) {
        if (o === ax) c.created[o] = { origin: null, size: 1 };
        else c.from[o].push({ slot: 0, axis: o < ax ? o : o - 1 });
      }
      return c;
    }
    case 'tile': {
      if (rank0 !== out.length) return null;
      const multiples = (attrs.multiples as number[] | undefined) ?? [];
      const c = positionalCorr(out, n);
      multiples.forEach((m, o) => {
        if (m > 1 && o < out.length) c.created[o] = { origin: 'tile', size: m };
      });
      return c;
    }
    case 'split':
    case 'split_place':
    case 'concat_part':
    case 'split_part':
    case 'pad':
    case 'pad_grad':
    case 'reverse':
    case 'slice':
    case 'strided_slice_grad':
      return rank0 === out.length ? positionalCorr(out, n) : null;
    case 'strided_slice':
      return stridedSliceCorr(attrs.spec, rank0, out, n);
    case 'gather': {
      const [p, idx] = ins;
      if (!p || !idx || ((attrs.batch_dims as number | null) ?? 0) !== 0) return null;
      const ax = norm((attrs.axis as number | null) ?? 0, p.length);
      if (ax === null || out.length !== p.length - 1 + idx.length) return null;
      const c = emptyCorr(out.length, n);
      for (let o = 0; o < out.length; o++) {
        if (o < ax) c.from[o].push({ slot: 0, axis: o });
        else if (o < ax + idx.length) {
          // Positions along the gathered axis come from the indices: the first index axis
          // follows the params axis; the others place x at one position each.
          if (o === ax) c.from[o].push({ slot: 0, axis: ax });
          else c.created[o] = { origin: null, size: 1 };
          c.from[o].push({ slot: 1, axis: o - ax });
        } else c.from[o].push({ slot: 0, axis: o - idx.length + 1 });
      }
      return c;
    }
    case 'einsum': {
      // 'bi,ij->bj': an output axis follows every input axis with its label; labels absent
      // from the output are summed (ellipses are left to the element-level analysis).
      const eq = typeof attrs.equation === 'string' ? attrs.equation.replace(/\s+/g, '') : '';
      const [lhs, rhs] = eq.split('->');
      if (rhs === undefined || /[^A-Za-z,]/.test(lhs) || /[^A-Za-z]/.test(rhs) || rhs.length !== out.length) return null;
      const subs = lhs.split(',');
      if (subs.length !== n || subs.some((sub, i) => ins[i] !== null && ins[i]!.length !== sub.length)) return null;
      const c = emptyCorr(out.length, n);
      c.bcast.fill(true);
      c.mapped = [...all];
      [...rhs].forEach((label, o) => subs.forEach((sub, slot) => [...sub].forEach((l, axis) => l === label && c.from[o].push({ slot, axis }))));
      c.summed = subs.map((sub) => [...sub].flatMap((l, axis) => (rhs.includes(l) ? [] : [axis])));
      return c;
    }
    case 'custom_gradient': {
      const fn = attrs.fn as UserFunction | undefined;
      if (fn?.customGrad) return null;
      return positionalCorr(out, n, n - 1);
    }
  }
  // An op the explainer does not know: a guess when an input has the output's shape.
  for (let s = 0; s < n; s++) {
    const shape = ins[s];
    if (!carries(node, s) || !shape || shape.length !== out.length) continue;
    if (shape.every((d, k) => d === out[k])) {
      const c = positionalCorr(out, n, s);
      c.exact = false;
      return c;
    }
  }
  return null;
}

interface SpecItem {
  kind: 'index' | 'slice' | 'newaxis' | 'ellipsis';
}

function stridedSliceCorr(spec: unknown, rank: number, out: readonly Dim[], n: number): Corr | null {
  if (!Array.isArray(spec) || rank < 0) return null;
  const items = spec as SpecItem[];
  const consumed = items.filter((s) => s.kind === 'index' || s.kind === 'slice').length;
  const c = emptyCorr(out.length, n);
  let inAxis = 0;
  let o = 0;
  const keep = () => {
    if (o >= out.length) return false;
    c.from[o++].push({ slot: 0, axis: inAxis++ });
    return true;
  };
  let sawEllipsis = false;
  for (const item of items) {
    if (item.kind === 'index') inAxis++;
    else if (item.kind === 'slice') {
      if (!keep()) return null;
    } else if (item.kind === 'newaxis') {
      if (o >= out.length) return null;
      c.created[o++] = { origin: null, size: 1 };
    } else {
      if (sawEllipsis) return null;
      sawEllipsis = true;
      for (let k = 0; k < rank - consumed; k++) if (!keep()) return null;
    }
  }
  while (inAxis < rank) if (!keep()) return null;
  return o === out.length ? c : null;
}

// ---- batch tags ---------------------------------------------------------------------------

const tagCache = new WeakMap<Analysis, Map<Node, (BatchTag | null)[] | null>>();

/** Batch tags of every ancestor of `targets` (memoised per analysis). */
export function batchTags(analysis: Analysis, targets: readonly Node[], deadline = Infinity): Map<Node, (BatchTag | null)[] | null> {
  let tags = tagCache.get(analysis);
  if (!tags) {
    tags = new Map();
    tagCache.set(analysis, tags);
  }
  const todo: Node[] = [];
  const seen = new Set<Node>();
  const stack = targets.filter((t) => !tags!.has(t));
  while (stack.length) {
    const n = stack.pop()!;
    if (seen.has(n) || tags.has(n)) continue;
    seen.add(n);
    todo.push(n);
    for (const i of n.inputs) if (!seen.has(i) && !tags.has(i)) stack.push(i);
  }
  todo.sort((a, b) => a.id - b.id);
  for (let k = 0; k < todo.length; k++) {
    const node = todo[k];
    checkTime(k, deadline, 'the ys descend from', todo.length);
    if (node.op.name === 'placeholder') {
      const s = node.type.shape;
      tags.set(node, s ? s.map((d, axis) => (d === null ? { placeholder: node, axis } : null)) : null);
      continue;
    }
    const out = shapeOf(analysis, node);
    if (!out) {
      tags.set(node, null);
      continue;
    }
    const ins = node.inputs.map((i) => shapeOf(analysis, i));
    const corr = correspond(node, ins, out);
    if (!corr) {
      tags.set(node, out.map(() => null));
      continue;
    }
    tags.set(
      node,
      out.map((size, o) => {
        for (const { slot, axis } of corr.from[o]) {
          const t = tags!.get(node.inputs[slot])?.[axis] ?? null;
          const d = ins[slot]?.[axis];
          if (t && !(corr.bcast[o] && d === 1 && size !== 1)) return t;
        }
        return null;
      }),
    );
  }
  return tags;
}

// ---- labels relative to one x ---------------------------------------------------------------

/** A reduction that folded an axis x reaches at several positions: a sum inside the graph. */
export interface ReductionRecord {
  node: Node;
  slot: number;
  axis: number;
  label: Label;
  mean: boolean;
}

/** A node x reaches through several uses (its gradient is an add_n of their parts). */
export interface ReuseRecord {
  node: Node;
  uses: number;
  consumers: Node[];
}

export interface AxisAnalysis {
  labels: Map<Node, Labels>;
  reductions: ReductionRecord[];
  reuse: ReuseRecord[];
  /** Ops on the path whose axes were guessed or unknown. */
  opaque: Node[];
}

/** Two causes that explain the same multiplicity (one batch axis reached by two routes). */
function sameCause(a: Cause, b: Cause): boolean {
  if (a === b) return true;
  if (a.origin !== b.origin || a.size !== b.size) return false;
  if (a.batch || b.batch) return !!a.batch && !!b.batch && a.batch.placeholder === b.batch.placeholder && a.batch.axis === b.batch.axis;
  return a.origin === 'broadcast';
}

/** The most times one value occurs in an integer tensor (bounded by its size). */
function maxRepeat(analysis: Analysis, node: Node): number {
  const t = analysis.valueOf(node);
  if (!t || t.data.length > 1_000_000) return 1;
  const counts = new Map<number, number>();
  let most = 1;
  for (let i = 0; i < t.data.length; i++) {
    const c = (counts.get(t.data[i]) ?? 0) + 1;
    counts.set(t.data[i], c);
    if (c > most) most = c;
  }
  return most;
}

function mulDim(a: number | null, b: number | null): number | null {
  return a === null || b === null ? null : a * b;
}

export function propagateLabels(analysis: Analysis, path: SitePath, deadline = Infinity): AxisAnalysis {
  const tags = batchTags(analysis, path.site.ys, deadline);
  const labels = new Map<Node, Labels>();
  const reductions: ReductionRecord[] = [];
  const opaque: Node[] = [];
  const xShape = shapeOf(analysis, path.x);
  labels.set(path.x, xShape ? xShape.map((_, k) => ({ x: k, mult: 1, causes: [] })) : null);
  for (let k = 0; k < path.order.length; k++) {
    const node = path.order[k];
    checkTime(k, deadline, "the gradient's path has", path.order.length);
    if (node === path.x) continue;
    const out = shapeOf(analysis, node);
    const slots = node.inputs.map((i, s) => (carries(node, s) && labels.has(i) ? s : -1)).filter((s) => s >= 0);
    const ins = node.inputs.map((i) => shapeOf(analysis, i));
    const corr = out ? correspond(node, ins, out) : null;
    if (!out || !corr || slots.some((s) => labels.get(node.inputs[s]) === null)) {
      if (out && !corr) opaque.push(node);
      labels.set(node, null);
      continue;
    }
    if (!corr.exact) opaque.push(node);
    const slotSet = new Set(slots);
    const inLabels = (s: number) => labels.get(node.inputs[s]) as Label[];
    const pathInputs = slots.map((s) => node.inputs[s]);
    const copiesOf = pathInputs.length > 0 && pathInputs.every((i) => i === pathInputs[0]) ? pathInputs[0] : null;
    const nodeTags = tags.get(node) ?? null;
    // Slots the correspondence maps at all: a mapped path input that lacks an axis (or is
    // broadcast along it) reaches every position along it.
    const mapped = new Set<number>(corr.mapped ?? []);
    for (const list of corr.from) for (const { slot } of list) mapped.add(slot);
    const result: Label[] = out.map((size, o) => {
      const cands = corr.from[o].filter(({ slot, axis }) => slotSet.has(slot) && !(corr.bcast[o] && ins[slot]?.[axis] === 1 && size !== 1));
      const routes: Label[] = cands.map(({ slot, axis }) => inLabels(slot)[axis]).filter((l) => l !== undefined);
      const spread = !corr.created[o] && size !== 1 && slots.some((s) => mapped.has(s) && !cands.some((c) => c.slot === s));
      if (spread && !corr.follower[o]) {
        // x is spread along an axis it has no counterpart in: a broadcast, or the batch axis
        // of another input when that axis descends from a placeholder's None.
        const tag = nodeTags?.[o] ?? null;
        routes.push({ x: null, mult: size, causes: [{ origin: tag ? 'batch' : 'broadcast', node, size, copiesOf: null, batch: tag }] });
      }
      let label: Label = { x: null, mult: 1, causes: [] };
      if (routes.length > 0) {
        let mult: number | null = corr.product[o] ? 1 : 0;
        const causes: Cause[] = [];
        for (const l of routes) {
          mult = corr.product[o] ? mulDim(mult, l.mult) : mult === null || l.mult === null ? null : Math.max(mult, l.mult);
          for (const cause of l.causes) if (!causes.some((c) => sameCause(c, cause))) causes.push(cause);
        }
        label = { x: routes.find((l) => l.x !== null)?.x ?? null, mult: corr.follower[o] ? 1 : mult, causes };
      }
      const created = corr.created[o];
      if (created?.origin) {
        const count = created.countSlots ? slots.length : created.size;
        if (count === null || count > 1) {
          label = {
            x: label.x,
            mult: mulDim(label.mult, count),
            causes: [...label.causes, { origin: created.origin, node, size: count, copiesOf: created.origin === 'tile' ? node.inputs[0] : copiesOf, batch: null }],
          };
        }
      }
      if (node.op.name === 'gather' && o === norm((node.attrs.axis as number | null) ?? 0, ins[0]?.length ?? 0) && cands.some((c) => c.slot === 0)) {
        // Repeated indices gather one row several times.
        const repeats = maxRepeat(analysis, node.inputs[1]);
        if (repeats > 1) label = { ...label, mult: mulDim(label.mult, repeats), causes: [...label.causes, { origin: 'other', node, size: repeats, copiesOf: null, batch: null }] };
      }
      // A slice keeps at most as many positions as it has (a merged reshape axis may not).
      const merged = corr.product[o] || corr.follower.some((f) => f);
      if (!merged && size !== null && label.mult !== null && label.mult > size) label = { ...label, mult: size };
      return label;
    });
    for (const s of slots) {
      for (const axis of corr.summed[s] ?? []) {
        const l = inLabels(s)[axis];
        if (l && (l.mult === null || l.mult > 1)) reductions.push({ node, slot: s, axis, label: l, mean: node.op.name === 'reduce_mean' });
      }
    }
    labels.set(node, result);
  }
  return { labels, reductions, reuse: reuseOf(path), opaque };
}

/** Nodes of the path used more than once on the way to the ys. Uses by one stack or concat
 *  are that op's axis, not a reuse; several consumers made by one call (a composite op)
 *  count once unless they are independent of each other. */
const MAX_REUSE_PATH = 4000;

function reuseOf(path: SitePath): ReuseRecord[] {
  // The reconvergence test walks the path once per use: skipped on very large paths.
  if (path.order.length > MAX_REUSE_PATH) return [];
  const consumers = new Map<Node, Map<Node, number>>();
  for (const c of path.order) {
    c.inputs.forEach((i, s) => {
      if (!path.reaches.has(i) || !carries(c, s)) return;
      let m = consumers.get(i);
      if (!m) consumers.set(i, (m = new Map()));
      m.set(c, (m.get(c) ?? 0) + 1);
    });
  }
  const out: ReuseRecord[] = [];
  for (const [node, uses] of consumers) {
    const bySpan = new Map<string, Node[]>();
    for (const c of uses.keys()) {
      const key = `${c.span.start}:${c.span.end}`;
      const list = bySpan.get(key);
      if (list) list.push(c);
      else bySpan.set(key, [c]);
    }
    let count = 0;
    for (const group of bySpan.values()) {
      if (group.length === 1) {
        const c = group[0];
        count += c.op.name === 'stack' || c.op.name === 'concat' ? 1 : uses.get(c)!;
      } else {
        count += group.filter((c) => !group.some((d) => d !== c && descendsFrom(c, d, path))).length;
      }
    }
    if (count >= 2 && reconverges(uses, path)) out.push({ node, uses: count, consumers: [...uses.keys()] });
  }
  return out;
}

/** Whether the uses of a node meet again before the ys in an op that combines them
 *  elementwise (x * tanh(x)): only then do they add terms per ys element. Uses that meet
 *  only in a stack or concat land at different positions (that op's axis explains them),
 *  and uses that never meet reach different ys (the list of ys explains them). */
function reconverges(uses: ReadonlyMap<Node, number>, path: SitePath): boolean {
  // Uses inside one composite op (norm's x * x) belong to that op's derivative, not to
  // the user's graph: its nodes share the call's span with a node that follows them.
  const internal = (c: Node) => path.order.some((n) => n.id > c.id && n.span.start === c.span.start && n.span.end === c.span.end && n.inputs.includes(c));
  const consumers = [...uses.keys()].filter((c) => !internal(c));
  for (const c of consumers) if (uses.get(c)! >= 2 && c.op.name !== 'stack' && c.op.name !== 'concat') return true;
  // How many uses reach each node (forward closure of each consumer, bounded by the path).
  const count = new Map<Node, number>();
  for (const c of consumers) {
    const reach = new Set<Node>([c]);
    for (const n of path.order) {
      if (n.id > c.id && n.inputs.some((i) => reach.has(i))) reach.add(n);
    }
    for (const n of reach) count.set(n, (count.get(n) ?? 0) + 1);
  }
  for (const [n, k] of count) {
    if (k < 2) continue;
    const first = n.inputs.every((i) => (count.get(i) ?? 0) < k);
    if (first && n.op.name !== 'stack' && n.op.name !== 'concat') return true;
  }
  return false;
}

/** Whether `a` depends on `b` within the path (bounded by the path's size). */
function descendsFrom(a: Node, b: Node, path: SitePath): boolean {
  if (a.id <= b.id) return false;
  const stack = [a];
  const seen = new Set<Node>();
  while (stack.length) {
    const n = stack.pop()!;
    if (n === b) return true;
    if (seen.has(n) || n.id < b.id) continue;
    seen.add(n);
    for (const i of n.inputs) if (path.reaches.has(i)) stack.push(i);
  }
  return false;
}
