// Following axes through the graph. Every op's declaration (OpDef.dependence) says, per
// output axis, which input axes move with it (`correspond`); from that, two labelings are
// propagated in topological order:
//
//  - batch tags: which axes descend from the `None` axis of a placeholder (a batch axis);
//  - labels relative to one x: for each axis of a node x reaches, the axis of x it follows
//    (null when it has no counterpart in x) and its multiplicity — how many positions along
//    it one element of x reaches, at least and at most — with the causes of that
//    multiplicity: a stack, concat or tile of copies, a broadcast, a batch axis shared by a
//    parameter, another operand's own axis (the rows a weight meets in a matmul, the
//    positions a filter visits), a gather's repeated indices, a scan.
//
// An axis of multiplicity m > 1 that reaches the ys is summed by tf.gradients (Σys); one
// that a reduction folds on the way is summed by that reduction. This is the structural
// explanation; the element-level dependence (deps.ts) gives exact counts when affordable.
// Labels are kept per analysis and x, and reused by every gradient site whose inputs bring
// the same labels.

import type { Analysis } from '../analysis';
import type { Node } from '../graph';
import type { Dim } from '../types';
import type { AxisFlow, DependenceContext, LabelRole, Relation, RelationAxis, Verb, WindowAxis } from '../ops/dependence';
import { invertFlow, resolveDependence } from '../ops/dependence';
import { type Attrs, type OpDef, lookupOp } from '../ops/registry';
import { AlongPath, type SitePath, carries, checkTime, shapeOf } from './path';
import { type Declared, contextOf, declarationOf, relationOf } from './declared';
import { KeptPerX, NodeReadings } from './memo';
import { type ReuseRecord, reuseOf } from './reuse';

export type Origin = 'stack' | 'concat' | 'tile' | 'broadcast' | 'batch' | 'reduction' | 'ys-list' | 'reuse' | 'other';

/** What made a multiplicity, finer than its origin: the declaration's pattern. */
export type Pattern =
  'elementwise' | 'reduction' | 'contraction' | 'window' | 'rowwise' | 'index-map' | 'gather' | 'scatter' | 'scan' | 'rule' | 'dense';

export type { ReuseRecord };

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
  /** The tensor whose own axis this is: the operand a weight meets along it in a
   *  contraction, the input a filter visits in a window (`axis` of `node`). */
  from?: { node: Node; axis: number } | null;
  role?: LabelRole;
  pattern?: Pattern;
  /** For a gather: how often each row of the params is picked. */
  gathered?: GatherCount;
}

/** A gather's picks: per params row (along the gathered axis), the positions of the indices
 *  that pick it. */
export interface GatherCount {
  params: Node;
  indices: Node;
  rows: number;
  picks: Map<number, number[]>;
}

export interface Label {
  /** The axis of x this axis follows, or null when it has no counterpart in x. */
  x: number | null;
  /** Positions along this axis one element of x reaches, at most (null: unknown). */
  mult: number | null;
  /** ... and at least (an element a slice drops, a row never gathered: 0). */
  least: number | null;
  causes: Cause[];
}

export type Labels = Label[] | null;

/** A route of an output axis from an input axis; `window`: positions one input position
 *  reaches along the output axis through a window (least and most). */
interface Route {
  slot: number;
  axis: number;
  window?: { least: number; most: number } | null;
}

interface Created {
  origin: Origin | null;
  size: Dim;
  least?: number;
  /** One copy per input reaching the path (stack, concat). */
  countSlots?: boolean;
  pattern?: Pattern;
}

interface Spread {
  origin: 'broadcast' | 'other';
  from: { slot: number; axis: number } | null;
  role?: LabelRole;
  pattern: Pattern;
}

/** Per output axis: the input axes whose coordinate moves with it. */
export interface Corr {
  from: Route[][];
  /** Candidates are pieces of one merged axis (reshape): multiplicities multiply. */
  product: boolean[];
  /** Whether size-1 inputs broadcast along this axis (elementwise semantics). */
  bcast: boolean[];
  /** Later axes of a reshape group: they share the group's causes, its multiplicity stays
   *  on the group's first axis (which may then exceed that axis's size). */
  follower: boolean[];
  /** Multiplicity this op creates along the axis; `origin` null for a plain new axis that x
   *  reaches at one position (expand_dims, the placed slice of a gradient). */
  created: (Created | null)[];
  /** How an input lacking the axis is spread along it. */
  spread: (Spread | null)[];
  /** Per input slot: axes summed away (reductions, contractions, a scatter's folded copies). */
  summed: number[][];
  /** Slots whose every axis is accounted for (all inputs of a relation, scalars too); by
   *  default, the slots that appear in `from`. */
  mapped?: number[];
}

function emptyCorr(outRank: number, slots: number): Corr {
  const from: Route[][] = [];
  for (let o = 0; o < outRank; o++) from.push([]);
  const summed: number[][] = [];
  for (let s = 0; s < slots; s++) summed.push([]);
  return {
    from,
    product: new Array(outRank).fill(false),
    bcast: new Array(outRank).fill(false),
    follower: new Array(outRank).fill(false),
    created: new Array(outRank).fill(null),
    spread: new Array(outRank).fill(null),
    summed,
  };
}

function labelsOfAxis(a: RelationAxis): string[] {
  return a === null ? [] : typeof a === 'string' ? [a] : [a.position, a.tap];
}

/** Along a window axis, how many output positions one input position reaches (least, most
 *  over the input positions), by counting: (positions × taps) is small. */
export function windowReach(w: WindowAxis, inSize: Dim, positions: Dim, taps: Dim): { least: number; most: number } | null {
  if (inSize === null || positions === null || taps === null || positions * taps > 1_000_000) return null;
  // Counted only where a window reaches: the axis itself may be far longer than the windows
  // cover (a stride of 1e9 over 2^31 positions of a placeholder not yet fed).
  const hits = new Map<number, number>();
  for (let p = 0; p < positions; p++) {
    for (let t = 0; t < taps; t++) {
      const i = p * w.stride + t * w.dilation - w.before;
      if (i >= 0 && i < inSize) hits.set(i, (hits.get(i) ?? 0) + 1);
    }
  }
  let least = hits.size < inSize ? 0 : Infinity;
  let most = 0;
  for (const h of hits.values()) {
    least = Math.min(least, h);
    most = Math.max(most, h);
  }
  return { least: least === Infinity ? 0 : least, most };
}

function labelSize(r: Relation, label: string, ins: readonly (Dim[] | null)[], out: readonly Dim[]): Dim {
  if (r.sizes && label in r.sizes) return r.sizes[label];
  const o = r.output.indexOf(label);
  if (o >= 0) return out[o];
  for (let s = 0; s < r.inputs.length; s++) {
    const k = r.inputs[s]?.indexOf(label) ?? -1;
    if (k >= 0) return ins[s]?.[k] ?? null;
  }
  return null;
}

/** The correspondence a relation gives: an output axis follows the input axes with its label
 *  (through a window: a few positions each); a label an input lacks spreads it (a broadcast,
 *  or the axis of the operand that has it); input axes whose labels the output lacks are
 *  summed. */
function relationCorr(r: Relation, family: Pattern, ins: readonly (Dim[] | null)[], out: readonly Dim[]): Corr | null {
  if (r.output.length !== out.length) return null;
  const c = emptyCorr(out.length, ins.length);
  const outLabels = new Set(r.output.flatMap(labelsOfAxis));
  const size = (l: string) => labelSize(r, l, ins, out);
  r.output.forEach((a, o) => {
    if (a === null) {
      c.created[o] = { origin: null, size: 1 };
      return;
    }
    const labels = labelsOfAxis(a);
    let owner: { slot: number; axis: number } | null = null;
    r.inputs.forEach((axes, slot) => {
      axes?.forEach((b, axis) => {
        if (b === null) return;
        if (typeof a === 'string' && b === a) {
          c.from[o].push({ slot, axis });
          owner ??= { slot, axis };
        } else if (typeof a === 'string' && typeof b === 'object' && b.position === a) {
          c.from[o].push({ slot, axis, window: windowReach(b, ins[slot]?.[axis] ?? null, size(b.position), size(b.tap)) });
          owner ??= { slot, axis };
        } else if (typeof a === 'object' && typeof b === 'string' && labels.includes(b)) {
          // An output window (a convolution's input gradient): one position of the input
          // axis reaches as many output positions as the other label has values.
          const other = b === a.position ? a.tap : a.position;
          const n = size(other);
          c.from[o].push({ slot, axis, window: n === null ? null : { least: 0, most: n } });
        }
      });
    });
    if (typeof a === 'string') {
      const bcast = r.broadcast?.includes(a) ?? false;
      c.bcast[o] = bcast;
      c.spread[o] = { origin: bcast ? 'broadcast' : 'other', from: owner, role: r.roles?.[a], pattern: family };
    } else c.spread[o] = { origin: 'other', from: null, role: 'positions', pattern: 'window' };
  });
  r.inputs.forEach((axes, slot) => {
    axes?.forEach((b, axis) => {
      const labels = labelsOfAxis(b);
      if (labels.length && labels.every((l) => !outLabels.has(l))) c.summed[slot].push(axis);
    });
  });
  c.mapped = r.inputs.map((axes, slot) => (axes ? slot : -1)).filter((s) => s >= 0);
  return c;
}

/** The correspondence an index map's (or an inverted scatter's) axis flow gives. */
function flowCorr(flow: AxisFlow, ins: readonly (Dim[] | null)[], out: readonly Dim[]): Corr | null {
  if (flow.from.length !== out.length) return null;
  const c = emptyCorr(out.length, ins.length);
  flow.from.forEach((list, o) => {
    c.from[o] = list.map(({ slot, axis }) => ({ slot: slot < 0 ? ins.length + slot : slot, axis }));
    c.product[o] = flow.merged?.[o] ?? false;
    c.follower[o] = flow.follower?.[o] ?? false;
    const made = flow.creates?.[o];
    if (made) c.created[o] = { origin: made.origin, size: made.size, countSlots: made.perInput, pattern: 'index-map' };
    c.spread[o] = { origin: 'broadcast', from: null, pattern: 'index-map' };
  });
  flow.folded?.forEach((axes, slot) => {
    if (axes) c.summed[slot] = [...axes];
  });
  return c;
}

/** Every output axis is reached from every element of the value inputs (a user rule, a
 *  dense declaration), which are summed whole. */
function denseCorr(node: Node, ins: readonly (Dim[] | null)[], out: readonly Dim[], pattern: Pattern): Corr {
  const c = emptyCorr(out.length, ins.length);
  c.spread.fill({ origin: 'other', from: null, pattern });
  const values = ins.map((_, s) => s).filter((s) => carries(node, s));
  for (const s of values) c.summed[s] = (ins[s] ?? []).map((_, k) => k);
  c.mapped = values;
  return c;
}

const corrs = new NodeReadings<Corr>();

/** The axis correspondence of one node, from its declaration (memoised per analysis); null
 *  when its shapes do not fit the declaration or it declares none. */
export function correspond(analysis: Analysis, node: Node): Corr | null {
  return corrs.get(
    analysis,
    node,
    (n) => shapeOf(analysis, n),
    () => computeCorr(analysis, node),
  );
}

function computeCorr(analysis: Analysis, node: Node): Corr | null {
  const d = declarationOf(node);
  const ctx = contextOf(analysis, node);
  if (!d || !ctx) return null;
  return corrOf(node, d, ctx, () => relationOf(analysis, node));
}

/** The correspondence `op`'s declaration gives a node with these attributes and shapes (null
 *  when it gives none: no declaration, or shapes it does not fit). Reads no graph: the
 *  registry's tests check that every op has one. */
export function declaredCorrespondence(
  op: OpDef,
  attrs: Attrs,
  inputs: readonly (readonly Dim[] | null)[],
  output: readonly Dim[],
): Corr | null {
  if (!op.dependence) return null;
  const d = resolveDependence(op.dependence, attrs);
  const ctx: DependenceContext = { attrs, inputs, output };
  const node = { op, attrs, inputs: inputs.map(() => ({})) } as unknown as Node;
  return corrOf(node, d, ctx, () => (d.kind === 'relation' ? d.relate(ctx) : null));
}

function corrOf(node: Node, d: Declared, ctx: DependenceContext, relation: () => Relation | null): Corr | null {
  const ins = ctx.inputs as (Dim[] | null)[];
  const out = ctx.output;
  switch (d.kind) {
    case 'relation': {
      const r = relation();
      return r && relationCorr(r, d.family, ins, out);
    }
    case 'index-map': {
      const flow = d.flow(ctx);
      return flow && flowCorr(flow, ins, out);
    }
    case 'scatter': {
      const fwd = d.forward(node.attrs);
      const dep = lookupOp(fwd.op)?.dependence;
      if (!dep || dep.kind !== 'index-map') return null;
      const flow = dep.flow({ attrs: fwd.attrs, inputs: fwd.inputs.map((s) => (s < 0 ? out : ins[s])), output: ins[d.value] ?? [] });
      return flow && flowCorr(invertFlow(flow, out.length, d.value), ins, out);
    }
    case 'scan': {
      const axes = d.axes(ctx);
      if (!axes) return null;
      const c = emptyCorr(out.length, ins.length);
      out.forEach((size, o) => {
        c.from[o] = [{ slot: 0, axis: o }];
        if (axes.includes(o)) c.created[o] = { origin: 'other', size, least: d.exclusive(node.attrs) ? 0 : 1, pattern: 'scan' };
      });
      return c;
    }
    case 'user-rule':
      return denseCorr(node, ins, out, 'rule');
    case 'dense':
      return denseCorr(node, ins, out, 'dense');
  }
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
    const corr = node.op.dependence ? correspond(analysis, node) : null;
    if (!corr) {
      tags.set(
        node,
        out.map(() => null),
      );
      continue;
    }
    const ins = node.inputs.map((i) => shapeOf(analysis, i));
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
  verb: Verb;
}

export interface AxisAnalysis {
  labels: { get(node: Node): Labels | undefined };
  reductions: ReductionRecord[];
  reuse: ReuseRecord[];
  /** Ops on the path whose axes could not be read from their declaration (an op declaring
   *  none, or shapes the declaration does not fit). */
  opaque: Node[];
}

/** Two causes that explain the same multiplicity (one batch axis reached by two routes). */
function sameCause(a: Cause, b: Cause): boolean {
  if (a === b) return true;
  if (a.origin !== b.origin || a.size !== b.size) return false;
  if (a.batch || b.batch) return !!a.batch && !!b.batch && a.batch.placeholder === b.batch.placeholder && a.batch.axis === b.batch.axis;
  // One operand's own axis met again (a weight used by every layer of a chain).
  if (a.from && b.from) return a.from.node === b.from.node && a.from.axis === b.from.axis && a.pattern === b.pattern;
  return a.origin === 'broadcast';
}

/** How often each params row is picked by a gather's indices (bounded by their size). */
function gatherCount(analysis: Analysis, node: Node, d: Declared): GatherCount | null {
  if (d.kind !== 'index-map' || !d.gathers) return null;
  const ctx = contextOf(analysis, node);
  const params = node.inputs[d.gathers.params];
  const indices = node.inputs[d.gathers.indices];
  const p = analysis.valueOf(params);
  const ix = analysis.valueOf(indices);
  if (!ctx || !p || !ix || ix.data.length > 1_000_000) return null;
  const picks = new Map<number, number[]>();
  let rows: number;
  if (d.gathers.tuples) {
    // gather_nd: one pick per tuple of the last axis, a row a tuple's flat position.
    const K = ix.shape[ix.shape.length - 1] ?? 0;
    const strides = p.shape.slice(0, K).map((_, k) => p.shape.slice(k + 1, K).reduce((n, v) => n * v, 1));
    rows = p.shape.slice(0, K).reduce((n, v) => n * v, 1);
    for (let m = 0; m * K < ix.data.length; m++) {
      let row = 0;
      for (let k = 0; k < K; k++) row += ix.data[m * K + k] * strides[k];
      const list = picks.get(row) ?? [];
      list.push(m);
      picks.set(row, list);
    }
  } else {
    rows = p.shape[d.gathers.axis(ctx)] ?? 0;
    for (let i = 0; i < ix.data.length; i++) {
      const list = picks.get(ix.data[i]) ?? [];
      list.push(i);
      picks.set(ix.data[i], list);
    }
  }
  return { params, indices, rows, picks };
}

/** The labels of the inputs, when the op passes them through unchanged: every reached input
 *  has the same labels, lands axis by axis on the output (an elementwise op on same-shape
 *  inputs, an identity), and nothing is created, spread or summed. */
function passThrough(corr: Corr, slots: readonly number[], from: readonly (Labels | undefined)[], rank: number): Label[] | null {
  if (slots.length === 0) return null;
  const labels = from[slots[0]];
  if (!labels || labels.length !== rank) return null;
  for (const s of slots) if (from[s] !== labels || corr.summed[s]?.length) return null;
  for (let o = 0; o < rank; o++) {
    if (corr.created[o] || corr.product[o] || corr.follower[o]) return null;
    const list = corr.from[o];
    for (const s of slots) if (!list.some((r) => r.slot === s && r.axis === o && r.window === undefined)) return null;
  }
  return labels;
}

function mulDim(a: number | null, b: number | null): number | null {
  return a === null || b === null ? null : a * b;
}

/** Labels kept per analysis and x, with the input labels they were made from. */
interface KeptLabels {
  labels: Labels;
  from: (Labels | undefined)[];
  reductions: ReductionRecord[];
  opaque: boolean;
}
const keptLabels = new KeptPerX<KeptLabels>();

export function propagateLabels(analysis: Analysis, path: SitePath, deadline = Infinity): AxisAnalysis {
  const tags = batchTags(analysis, path.site.ys, deadline);
  const labels = new AlongPath<Labels>(path);
  const reductions: ReductionRecord[] = [];
  const opaque: Node[] = [];
  const memo = keptLabels.of(analysis, path.x);
  const xShape = shapeOf(analysis, path.x);
  let xLabels = memo?.get(path.x)?.labels;
  if (xLabels === undefined) {
    xLabels = xShape ? xShape.map((_, k) => ({ x: k, mult: 1, least: 1, causes: [] })) : null;
    memo?.set(path.x, { labels: xLabels, from: [], reductions: [], opaque: false });
  }
  labels.at[0] = xLabels;
  for (let k = 1; k < path.order.length; k++) {
    const node = path.order[k];
    checkTime(k, deadline, "the gradient's path has", path.order.length);
    const hit = memo?.get(node);
    if (hit && labels.same(k, hit.from)) {
      labels.at[k] = hit.labels;
      for (const r of hit.reductions) reductions.push(r);
      if (hit.opaque) opaque.push(node);
      continue;
    }
    const from = labels.inputsOf(k);
    const made = labelNode(analysis, node, from, tags);
    labels.at[k] = made.labels;
    reductions.push(...made.reductions);
    if (made.opaque) opaque.push(node);
    memo?.set(node, { ...made, from });
  }
  return { labels, reductions, reuse: reuseOf(path, deadline), opaque };
}

/** The labels of one node from its inputs' (`from`: per slot, undefined off the path). */
function labelNode(
  analysis: Analysis,
  node: Node,
  from: readonly (Labels | undefined)[],
  tags: Map<Node, (BatchTag | null)[] | null>,
): { labels: Labels; reductions: ReductionRecord[]; opaque: boolean } {
  const out = shapeOf(analysis, node);
  const slots = from.map((l, s) => (l !== undefined ? s : -1)).filter((s) => s >= 0);
  const corr = out ? correspond(analysis, node) : null;
  if (!out || !corr || slots.some((s) => from[s] === null)) return { labels: null, reductions: [], opaque: !!out && !corr };
  const d = declarationOf(node)!;
  const same = passThrough(corr, slots, from, out.length);
  if (same && !(d.kind === 'index-map' && d.gathers)) return { labels: same, reductions: [], opaque: false };
  const ins = node.inputs.map((i) => shapeOf(analysis, i));
  const slotSet = new Set(slots);
  const inLabels = (s: number) => from[s] as Label[];
  const pathInputs = slots.map((s) => node.inputs[s]);
  const copiesOf = pathInputs.length > 0 && pathInputs.every((i) => i === pathInputs[0]) ? pathInputs[0] : null;
  const nodeTags = tags.get(node) ?? null;
  const gathers = d.kind === 'index-map' && d.gathers ? d.gathers : null;
  const gatherAxis = gathers
    ? (() => {
        const ctx = contextOf(analysis, node);
        return ctx ? (gathers.tuples ? 0 : gathers.axis(ctx)) : -1;
      })()
    : -1;
  // Slots the correspondence maps at all: a mapped path input that lacks an axis (or is
  // broadcast along it) reaches every position along it.
  const mapped = new Set<number>(corr.mapped ?? []);
  for (const list of corr.from) for (const { slot } of list) mapped.add(slot);
  const result: Label[] = out.map((size, o) => {
    const cands = corr.from[o].filter(({ slot, axis }) => slotSet.has(slot) && !(corr.bcast[o] && ins[slot]?.[axis] === 1 && size !== 1));
    const routes: Label[] = [];
    for (const c of cands) {
      const l = inLabels(c.slot)[c.axis];
      if (!l) continue;
      if (c.window === undefined) {
        routes.push(l);
        continue;
      }
      // Through a window: one input position reaches a few output positions.
      const w = c.window;
      const cause: Cause = {
        origin: 'other',
        node,
        size: w?.most ?? null,
        copiesOf: null,
        batch: null,
        pattern: 'window',
        role: 'positions',
      };
      routes.push({
        x: l.x,
        mult: mulDim(l.mult, w?.most ?? null),
        least: mulDim(l.least, w?.least ?? null),
        causes: w && w.most <= 1 ? l.causes : [...l.causes, cause],
      });
    }
    const spread = !corr.created[o] && size !== 1 && slots.some((s) => mapped.has(s) && !cands.some((c) => c.slot === s));
    if (spread && !corr.follower[o]) {
      // x is spread along an axis it has no counterpart in: a broadcast, another operand's
      // own axis, or the batch axis when that axis descends from a placeholder's None.
      const tag = nodeTags?.[o] ?? null;
      const how = corr.spread[o];
      const owner = how?.from ? { node: node.inputs[how.from.slot], axis: how.from.axis } : null;
      routes.push({
        x: null,
        mult: size,
        least: size,
        causes: [
          {
            origin: tag ? 'batch' : (how?.origin ?? 'broadcast'),
            node,
            size,
            copiesOf: null,
            batch: tag,
            from: owner,
            role: how?.role,
            pattern: how?.pattern,
          },
        ],
      });
    }
    let label: Label = { x: null, mult: 1, least: 1, causes: [] };
    if (routes.length > 0) {
      let mult: number | null = corr.product[o] ? 1 : 0;
      let least: number | null = corr.product[o] ? 1 : 0;
      const causes: Cause[] = [];
      for (const l of routes) {
        mult = corr.product[o] ? mulDim(mult, l.mult) : mult === null || l.mult === null ? null : Math.max(mult, l.mult);
        least = corr.product[o] ? mulDim(least, l.least) : least === null || l.least === null ? null : Math.max(least, l.least);
        for (const cause of l.causes) if (!causes.some((c) => sameCause(c, cause))) causes.push(cause);
      }
      label = {
        x: routes.find((l) => l.x !== null)?.x ?? null,
        mult: corr.follower[o] ? 1 : mult,
        least: corr.follower[o] ? 1 : least,
        causes,
      };
    }
    const created = corr.created[o];
    if (created?.origin) {
      const count = created.countSlots ? slots.length : created.size;
      if (count === null || count > 1 || created.pattern === 'scan') {
        label = {
          x: label.x,
          mult: mulDim(label.mult, count),
          least: mulDim(label.least, created.least ?? count),
          causes: [
            ...label.causes,
            {
              origin: created.origin,
              node,
              size: count,
              copiesOf: created.origin === 'tile' ? node.inputs[0] : copiesOf,
              batch: null,
              pattern: created.pattern,
            },
          ],
        };
      }
    }
    if (gathers && o === gatherAxis && cands.some((c) => c.slot === gathers.params)) {
      // A params row lands once per index that picks it.
      const count = gatherCount(analysis, node, d);
      if (count) {
        let most = 0;
        let least = count.picks.size < count.rows ? 0 : Infinity;
        for (const list of count.picks.values()) {
          most = Math.max(most, list.length);
          least = Math.min(least, list.length);
        }
        if (least === Infinity) least = 0;
        const tag = nodeTags?.[o] ?? null;
        label = {
          ...label,
          mult: mulDim(label.mult, most),
          least: mulDim(label.least, least),
          causes:
            most > 1 || least < 1
              ? [
                  ...label.causes,
                  { origin: tag ? 'batch' : 'other', node, size: most, copiesOf: null, batch: tag, pattern: 'gather', gathered: count },
                ]
              : label.causes,
        };
      }
    }
    // A slice keeps at most as many positions as it has (a merged reshape axis may not).
    const merged = corr.product[o] || corr.follower.some((f) => f);
    if (!merged && size !== null && label.mult !== null && label.mult > size) label = { ...label, mult: size };
    if (label.least !== null && label.mult !== null && label.least > label.mult) label = { ...label, least: label.mult };
    return label;
  });
  const reductions: ReductionRecord[] = [];
  const mean = d.kind === 'relation' && d.mean === true;
  const verb: Verb = d.kind === 'relation' ? (d.verb ?? 'sums') : 'sums';
  for (const s of slots) {
    for (const axis of corr.summed[s] ?? []) {
      const l = inLabels(s)[axis];
      if (l && (l.mult === null || l.mult > 1)) reductions.push({ node, slot: s, axis, label: l, mean, verb });
    }
  }
  return { labels: result, reductions, opaque: false };
}
