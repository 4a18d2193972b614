// How each output element of an op depends on its inputs: the declaration every
// differentiable primitive carries next to its gradient (OpDef.dependence). The explainer
// (engine/explain/) is one interpreter of this vocabulary, element by element (which input
// elements each output element reads: the Jacobian's structural sparsity) and axis by axis
// (which input axis each output axis follows, and what makes one input element reach several
// positions along it). It never looks at an op's name.
//
// Most patterns are one `Relation`: every tensor's axes written with labels, as in an einsum
// equation. An output element depends on the input elements whose labels agree with its own;
// a label absent from the output is summed over (a reduction, a contraction); a label absent
// from an input spreads that input along the output axis (a broadcast, or the other operand's
// own axis); an axis may also be a window (position·stride + tap·dilation − padding) for
// convolution and pooling. Elementwise ops, reductions, contractions, windows and row-wise ops
// (softmax) are relations; ops that copy elements around (index maps), their adjoints
// (scatters), scans, user rules and ops without a value dependence have kinds of their own.

import type { Dim } from '../types';
import type { Attrs } from './registry';

/** What a declaration sees of one node: its attributes (typed as its op declares them) and
 *  its shapes, concrete once the node is evaluated, else static (null sizes are unknown). */
export interface DependenceContext<A = Attrs> {
  readonly attrs: A;
  readonly inputs: readonly (readonly Dim[] | null)[];
  readonly output: readonly Dim[];
}

/** One axis of a tensor in a relation: the label whose value is its coordinate, null for a
 *  size-1 axis (coordinate 0, e.g. a broadcast input's axis or a kept reduced axis), or a
 *  window whose coordinate is position·stride + tap·dilation − before. */
export type RelationAxis = string | null | WindowAxis;

export interface WindowAxis {
  position: string;
  tap: string;
  stride: number;
  dilation: number;
  before: number;
}

/** What a label stands for, for the sentences: the examples of a batch (NHWC's N), the
 *  positions a window visits, the classes of a loss. */
export type LabelRole = 'examples' | 'positions' | 'classes';

export interface Relation {
  /** Per input slot, its axes; null for a slot that carries no value (indices, a shape). */
  readonly inputs: readonly (readonly RelationAxis[] | null)[];
  readonly output: readonly RelationAxis[];
  /** Sizes of labels no axis sizes alone (a window's positions and taps). */
  readonly sizes?: Readonly<Record<string, Dim>>;
  /** Labels a missing operand is broadcast along (NumPy broadcasting, matmul's batch axes)
   *  rather than met as another operand's own axis (matmul's rows, a convolution's positions). */
  readonly broadcast?: readonly string[];
  readonly roles?: Readonly<Record<string, LabelRole>>;
  /** Value-routed ops (max pooling, reduce_max): among the assignments of the `over` labels,
   *  only those where tensor `by` (axes `axes`, a value slot or not) is extreme take part:
   *  every tie (TensorFlow's reduce_max splits its gradient among them) or the first in
   *  row-major order (max pooling's gradient goes to the first maximum of its window). */
  readonly select?: { by: number; axes: readonly RelationAxis[]; over: readonly string[]; extreme: 'max' | 'min'; ties: 'all' | 'first' };
}

/** How a relation-based op folds what its summed labels meet, for the sentences. */
export type Verb = 'sums' | 'averages' | 'multiplies' | 'takes the maximum of' | 'takes the minimum of' | 'mixes' | 'combines';

/** Per output axis of an index map or scatter: the input axes whose coordinate moves with it,
 *  and what it creates. */
export interface AxisFlow {
  /** Per output axis: the (slot, axis) pairs whose coordinate moves with it. */
  readonly from: readonly (readonly { slot: number; axis: number }[])[];
  /** Per output axis: the copies this op makes along it. */
  readonly creates?: readonly (Creation | null)[];
  /** Output axes made of several input axes (a reshape merging them): multiplicities multiply. */
  readonly merged?: readonly boolean[];
  /** Later axes of a reshape group: they share the group's causes, not its multiplicity. */
  readonly follower?: readonly boolean[];
  /** Per input slot: its axes with no output counterpart, folded into one position each (a
   *  scatter's summed copies). */
  readonly folded?: readonly (readonly number[])[];
}

/** Copies an index map makes along an output axis: one per input of the op (`perInput`, as
 *  stack and concat), else `size` (tile's multiple); origin null for a new axis of one
 *  position (expand_dims, a gradient placed among zeros). */
export interface Creation {
  readonly origin: 'stack' | 'concat' | 'tile' | null;
  readonly size: Dim;
  readonly perInput?: boolean;
}

/** Which inputs carry a value into the output (the others only lend a shape, or are integer
 *  indices that route but have no derivative). */
export type Carries<A = Attrs> = (slot: number, inputCount: number, attrs: A) => boolean;

// The callbacks below are declared as methods: a declaration written for one op's
// attributes then stands where any op's is expected (OpDef<A> is an OpDef).
interface Common<A> {
  /** Default: every input carries a value. */
  carries?(slot: number, inputCount: number, attrs: A): boolean;
}

/** Every output element reads input elements through labels (see Relation). */
export interface RelationDependence<A = Attrs> extends Common<A> {
  readonly kind: 'relation';
  /** The family, for the sentences and the registry's tests. */
  readonly family: 'elementwise' | 'reduction' | 'contraction' | 'window' | 'rowwise';
  relate(ctx: DependenceContext<A>): Relation | null;
  readonly verb?: Verb;
  /** A reduction that divides by the count it folds (reduce_mean, avg pooling). */
  readonly mean?: boolean;
  /** An elementwise op that scales its first input by the second (multiply, either way
   *  round) or divides it (divide): a division by a batch size after a sum is a mean. */
  readonly scales?: 'product' | 'quotient';
}

/** Every output element is a copy of one input element (or a constant): reshapes, slices,
 *  stacks, gathers. The element-level pattern comes from running the kernel on inputs that
 *  hold their own element indices; the axis flow is declared. */
export interface IndexMapDependence<A = Attrs> extends Common<A> {
  readonly kind: 'index-map';
  flow(ctx: DependenceContext<A>): AxisFlow | null;
  /** Places its inputs side by side (stack, concat): several uses of one tensor by it land
   *  at different positions, along the axis it makes, rather than adding up. */
  readonly joins?: boolean;
  /** A gather: which rows of `params` (along `axis`) the `indices` pick, for the sentences
   *  (a row gathered twice adds two rows to its gradient; a row never gathered gets 0).
   *  `tuples`: gather_nd's index tuples (the last axis of indices). */
  readonly gathers?: { params: number; indices: number; axis(ctx: DependenceContext<A>): number; tuples?: boolean };
}

/** The adjoint of an index map: every element of the value input (slot `value`) is added
 *  into one output element (the gradient ops of slices, gathers, tiles, pads). The pattern
 *  and the axis flow are the forward map's, reversed. `forward` names the index map: its
 *  op, attributes, and for each of its inputs the slot of this op that provides it, -1 for
 *  its main input, which has this op's output shape (the value input has the forward
 *  output's shape). */
export interface ScatterDependence<A = Attrs> extends Common<A> {
  readonly kind: 'scatter';
  forward(attrs: A): { op: string; attrs: Attrs; inputs: readonly number[] };
  readonly value: number;
}

/** A scan (cumsum, cumprod) along some axes, taken together in row-major order: output
 *  element i reads the inputs up to i (from the end when `reverse`; without i itself when
 *  `exclusive`). */
export interface ScanDependence<A = Attrs> extends Common<A> {
  readonly kind: 'scan';
  axes(ctx: DependenceContext<A>): number[] | null;
  reverse(attrs: A): boolean;
  exclusive(attrs: A): boolean;
}

/** A user function's `grad` rule replaces the derivative: the rule decides which inputs each
 *  output element depends on, so every one may depend on every input element. */
export interface UserRuleDependence<A = Attrs> extends Common<A> {
  readonly kind: 'user-rule';
}

/** Every output element may depend on every input element, for a reason the sentence gives. */
export interface DenseDependence<A = Attrs> extends Common<A> {
  readonly kind: 'dense';
  readonly why: string;
}

/** The pattern depends on the attributes (a user function's call: its body, or its rule). */
export interface ChosenDependence<A = Attrs> {
  readonly kind: 'chosen';
  choose(attrs: A): Dependence;
}

export type Dependence<A = Attrs> =
  | RelationDependence<A>
  | IndexMapDependence<A>
  | ScatterDependence<A>
  | ScanDependence<A>
  | UserRuleDependence<A>
  | DenseDependence<A>
  | ChosenDependence<A>;

/** The declaration that applies to a node with these attributes. */
export function resolveDependence(dep: Dependence, attrs: Attrs): Exclude<Dependence, ChosenDependence> {
  let d: Dependence = dep;
  for (let guard = 0; d.kind === 'chosen' && guard < 8; guard++) d = d.choose(attrs);
  if (d.kind === 'chosen') throw new Error('a dependence declaration chooses itself');
  return d;
}

export function carriesValue(dep: Dependence, slot: number, inputCount: number, attrs: Attrs): boolean {
  const d = resolveDependence(dep, attrs);
  return d.carries ? d.carries(slot, inputCount, attrs) : true;
}

// ---- helpers for the op files ---------------------------------------------------------------

/** Only input 0 carries a value: the others lend their shape (`*_like`) or route (indices). */
export const firstOnly = (slot: number): boolean => slot === 0;

const labelLists = new Map<string, readonly string[]>();

/** The labels `a0, a1, ...` of a tensor of `rank` (one shared list per prefix and rank). */
export function axisLabels(rank: number, prefix = 'a'): readonly string[] {
  const key = `${prefix}${rank}`;
  let list = labelLists.get(key);
  if (!list) {
    list = Object.freeze(Array.from({ length: rank }, (_, k) => `${prefix}${k}`));
    if (labelLists.size < 4096) labelLists.set(key, list);
  }
  return list;
}

/** NumPy broadcasting of every input (right-aligned; a size-1 axis against a longer one is
 *  broadcast), the relation of elementwise ops. */
export function broadcastRelation<A>(ctx: DependenceContext<A>, carries?: Carries<A>): Relation | null {
  const out = ctx.output;
  const labels = axisLabels(out.length);
  const inputs = ctx.inputs.map((shape, slot) => {
    if (carries && !carries(slot, ctx.inputs.length, ctx.attrs)) return null;
    if (!shape) return null;
    const lead = out.length - shape.length;
    if (lead < 0) return null;
    return shape.map((d, k) => (d === 1 && out[k + lead] !== 1 ? null : labels[k + lead]));
  });
  if (ctx.inputs.some((s, slot) => s === null && (!carries || carries(slot, ctx.inputs.length, ctx.attrs)))) return null;
  return { inputs, output: labels, broadcast: labels };
}

/** Every input element lands in the output at its own position: the same labels. */
export function elementwise<A = Attrs>(
  options: { carries?: Carries<A>; scales?: RelationDependence['scales'] } = {},
): RelationDependence<A> {
  return {
    kind: 'relation',
    family: 'elementwise',
    relate: (ctx) => broadcastRelation(ctx, options.carries),
    carries: options.carries,
    scales: options.scales,
    verb: 'combines',
  };
}

/** A reduction of input 0 over `axes` (null: every axis), keeping size-1 axes when `keepdims`. */
export function reductionRelation(ctx: DependenceContext<unknown>, axes: readonly number[] | null, keepdims: boolean): Relation | null {
  const shape = ctx.inputs[0];
  if (!shape) return null;
  const rank = shape.length;
  const reduced = new Set<number>();
  for (const a of axes ?? Array.from({ length: rank }, (_, k) => k)) {
    if (!Number.isInteger(a) || a < -rank || a >= rank) return null;
    reduced.add(a < 0 ? a + rank : a);
  }
  const labels = axisLabels(rank);
  const output: RelationAxis[] = [];
  labels.forEach((l, k) => {
    if (!reduced.has(k)) output.push(l);
    else if (keepdims) output.push(null);
  });
  if (output.length !== ctx.output.length) return null;
  return { inputs: [labels, ...ctx.inputs.slice(1).map(() => null)], output };
}

/** The attributes every reduction has: its axes (one, a list, or null: all) and keepdims. */
export type ReductionAttrs = { readonly axis?: readonly number[] | number | null; readonly keepdims?: boolean };

/** The attrs of a reduction (`axis`, `keepdims`) as a list of axes. */
export function attrAxes(attrs: ReductionAttrs): readonly number[] | null {
  const raw = attrs.axis;
  return raw === undefined || raw === null ? null : typeof raw === 'number' ? [raw] : raw;
}

/** A reduction over `attrs.axis`: a sum, a mean, or a value-routed max/min. */
export function reductionOver<A extends ReductionAttrs>(
  options: { verb?: Verb; mean?: boolean; select?: 'max' | 'min' } = {},
): RelationDependence<A> {
  return {
    kind: 'relation',
    family: 'reduction',
    verb: options.verb ?? (options.mean ? 'averages' : 'sums'),
    mean: options.mean,
    carries: firstOnly,
    relate: (ctx) => {
      const r = reductionRelation(ctx, attrAxes(ctx.attrs), ctx.attrs.keepdims === true);
      if (!r || !options.select) return r;
      const input = r.inputs[0]!;
      const kept = new Set(r.output.filter((a): a is string => typeof a === 'string'));
      return {
        ...r,
        select: {
          by: 0,
          axes: input,
          over: input.filter((a): a is string => typeof a === 'string' && !kept.has(a)),
          extreme: options.select,
          ties: 'all',
        },
      };
    },
  };
}

/** Labels of einsum-style subscripts (`'bij'`): each letter a label of that name. */
export function subscripts(s: string): string[] {
  return [...s];
}

/** A relation with explicit subscripts per input (null: no value) and output; labels in
 *  `broadcast` spread a missing operand as NumPy broadcasting does. */
export function contraction<A = Attrs>(
  relate: (ctx: DependenceContext<A>) => Relation | null,
  options: { carries?: Carries<A>; verb?: Verb } = {},
): RelationDependence<A> {
  return { kind: 'relation', family: 'contraction', relate, carries: options.carries, verb: options.verb ?? 'sums' };
}

/** A row-wise op along `axis` (softmax): every output element of a row reads the whole row. */
export function rowwise<A = Attrs>(axisOf: (ctx: DependenceContext<A>) => number | null, verb: Verb = 'mixes'): RelationDependence<A> {
  return {
    kind: 'relation',
    family: 'rowwise',
    verb,
    carries: firstOnly,
    relate: (ctx) => {
      const shape = ctx.inputs[0];
      const axis = axisOf(ctx);
      if (!shape || axis === null || axis < 0 || axis >= shape.length) return null;
      const labels = axisLabels(shape.length);
      const input = labels.map((l, k) => (k === axis ? 'row' : l));
      return {
        inputs: [input, ...ctx.inputs.slice(1).map(() => null)],
        output: labels,
        sizes: { row: shape[axis] },
        roles: { row: 'classes' },
      };
    },
  };
}

/** A window op (convolution, pooling) or one of its gradients: `relate` builds the relation
 *  from the geometry its attributes give (see `windowRelation`). */
export function window<A = Attrs>(
  relate: (ctx: DependenceContext<A>) => Relation | null,
  options: { carries?: Carries<A>; verb?: Verb; mean?: boolean } = {},
): RelationDependence<A> {
  return { kind: 'relation', family: 'window', relate, carries: options.carries, verb: options.verb ?? 'sums', mean: options.mean };
}

/** The geometry of a 2-D window over NHWC: taps, strides, dilations, leading padding, and
 *  the output's spatial size. */
export interface WindowGeometry {
  kh: Dim;
  kw: Dim;
  oh: Dim;
  ow: Dim;
  sh: number;
  sw: number;
  dh: number;
  dw: number;
  padTop: number;
  padLeft: number;
}

/** The tensors of a 2-D window op, in labels: the input [n, h, w, c], the filter [kh, kw, c, o]
 *  (none for pooling, where the output keeps c) and the output [n, oh, ow, o|c]. `roles`
 *  places them: which slot of the op holds which tensor (null: none, or only a shape), and
 *  which one is the op's output. */
export function windowRelation(
  g: WindowGeometry,
  roles: { input: number | 'output' | null; filter: number | 'output' | null; output: number | 'output' | null; slots: number },
  pooling: boolean,
  select?: { by: number; extreme: 'max' },
): Relation {
  const h: WindowAxis = { position: 'oh', tap: 'th', stride: g.sh, dilation: g.dh, before: g.padTop };
  const w: WindowAxis = { position: 'ow', tap: 'tw', stride: g.sw, dilation: g.dw, before: g.padLeft };
  const input: RelationAxis[] = ['n', h, w, 'c'];
  const filter: RelationAxis[] = ['th', 'tw', 'c', 'o'];
  const output: RelationAxis[] = ['n', 'oh', 'ow', pooling ? 'c' : 'o'];
  const tensors = { input, filter: pooling ? null : filter, output };
  const inputs: (RelationAxis[] | null)[] = new Array(roles.slots).fill(null);
  let result: RelationAxis[] | null = null;
  for (const role of ['input', 'filter', 'output'] as const) {
    const at = roles[role];
    const axes = tensors[role];
    if (at === null || !axes) continue;
    if (at === 'output') result = axes;
    else inputs[at] = axes;
  }
  return {
    inputs,
    output: result ?? output,
    sizes: { oh: g.oh, ow: g.ow, th: g.kh, tw: g.kw },
    roles: { n: 'examples', oh: 'positions', ow: 'positions' },
    select: select && { by: select.by, axes: input, over: ['th', 'tw'], extreme: select.extreme, ties: 'first' },
  };
}

/** An index map with the declared axis flow. */
export function indexMap<A = Attrs>(
  flow: (ctx: DependenceContext<A>) => AxisFlow | null,
  options: { carries?: Carries<A>; gathers?: IndexMapDependence<A>['gathers']; joins?: boolean } = {},
): IndexMapDependence<A> {
  return { kind: 'index-map', flow, carries: options.carries, gathers: options.gathers, joins: options.joins };
}

export function scatter<A = Attrs>(spec: Omit<ScatterDependence<A>, 'kind'>): ScatterDependence<A> {
  return { kind: 'scatter', ...spec };
}

// ---- axis flows -------------------------------------------------------------------------

/** Output axis k follows axis k of input `slot` (same rank). */
export function positionalFlow(rank: number, slot = 0): AxisFlow {
  return { from: Array.from({ length: rank }, (_, k) => [{ slot, axis: k }]) };
}

/** Groups of input and output axes of a reshape whose sizes multiply to the same number
 *  (size-1 axes on their own); null when sizes are unknown or do not match. */
export function reshapeGroups(a: readonly Dim[], b: readonly Dim[]): { ins: number[]; outs: number[] }[] | null {
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

/** A reshape of input 0 to the output's shape: each output axis follows the input axes of
 *  its group. */
export function reshapeFlow(ctx: DependenceContext<unknown>): AxisFlow | null {
  const input = ctx.inputs[0];
  if (!input) return null;
  const groups = reshapeGroups(input, ctx.output);
  if (!groups) return null;
  const rank = ctx.output.length;
  const from: { slot: number; axis: number }[][] = Array.from({ length: rank }, () => []);
  const creates: (Creation | null)[] = new Array(rank).fill(null);
  const merged = new Array<boolean>(rank).fill(false);
  const follower = new Array<boolean>(rank).fill(false);
  for (const g of groups) {
    if (g.outs.length === 0) continue;
    const [first, ...rest] = g.outs;
    if (g.ins.length === 0) creates[first] = { origin: null, size: 1 };
    for (const o of g.outs) {
      for (const k of g.ins) from[o].push({ slot: 0, axis: k });
      merged[o] = g.ins.length > 1;
    }
    for (const r of rest) follower[r] = true;
  }
  return { from, creates, merged, follower };
}

/** The inverse of a flow from one input (a scatter's, from its forward map's): input axis a
 *  of the forward becomes output axis a, fed by every forward output axis that followed it;
 *  forward output axes that followed nothing are folded. */
export function invertFlow(forward: AxisFlow, inputRank: number, valueSlot: number): AxisFlow {
  const from: { slot: number; axis: number }[][] = Array.from({ length: inputRank }, () => []);
  const creates: (Creation | null)[] = new Array(inputRank).fill(null);
  const folded: number[] = [];
  forward.from.forEach((list, o) => {
    const own = list.filter((f) => f.slot === 0);
    if (own.length === 0) folded.push(o);
    for (const f of own) if (f.axis < inputRank) from[f.axis].push({ slot: valueSlot, axis: o });
  });
  from.forEach((list, a) => {
    if (list.length === 0) creates[a] = { origin: null, size: 1 };
  });
  const foldedBySlot: number[][] = [];
  foldedBySlot[valueSlot] = folded;
  return { from, creates, folded: foldedBySlot };
}

/** `axis` normalised against `rank`, or null when it is not a valid axis. */
export function axisIn(axis: unknown, rank: number): number | null {
  if (typeof axis !== 'number' || !Number.isInteger(axis) || axis < -rank || axis >= rank) return null;
  return axis < 0 ? axis + rank : axis;
}

/** Every input placed along a new (stack) or existing (concat) axis `axis` of the output. */
export function joinFlow(ctx: DependenceContext<{ readonly axis?: number }>, origin: 'stack' | 'concat'): AxisFlow | null {
  const rank = ctx.output.length;
  const ax = axisIn(ctx.attrs.axis ?? 0, rank);
  if (ax === null) return null;
  const n = ctx.inputs.length;
  const from = Array.from({ length: rank }, (_, o) =>
    origin === 'stack' && o === ax
      ? []
      : Array.from({ length: n }, (_, slot) => ({ slot, axis: origin === 'stack' && o > ax ? o - 1 : o })),
  );
  const creates: (Creation | null)[] = new Array(rank).fill(null);
  creates[ax] = { origin, size: n, perInput: true };
  return { from, creates };
}
