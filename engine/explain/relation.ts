// The element-level reading of a Relation (engine/ops/dependence.ts): which input elements
// each output element reads. Every tensor's flat offset is linear in the labels' values, so
// the interpreter walks the labels' assignments with an odometer, keeps the assignments
// where every window coordinate falls inside its tensor, and ORs the input's dependence rows
// into the output's. Labels that only spread the output (present in it, absent from the
// input, in no window) are walked once and copied; labels no tensor of the pair needs are
// fixed. Value-routed relations (max pooling, reduce_max) keep, per group, only the
// assignments where the routing tensor is extreme.

import type { Relation, RelationAxis } from '../ops/dependence';
import { sizeOf, stridesOf, type Tensor } from '../tensor';

/** A relation resolved against concrete shapes: label sizes and, per tensor, the offset
 *  coefficient of every label and the axes whose coordinate must be checked. */
interface Compiled {
  labels: string[];
  size: number[];
  output: TensorLayout;
  inputs: (TensorLayout | null)[];
  by: TensorLayout | null;
  /** Labels some tensor takes through a window, and the tensors whose coordinates need
   *  checking: computed once per compiled relation. */
  windowed: Set<number>;
  checked: TensorLayout[];
  /** Per input slot, how its walk goes (made on first use). */
  plans: (Plan | undefined)[];
}

/** The walk for one input slot: the labels walked, those only spread (copied afterwards),
 *  and whether the input simply lands on the output element by element. */
interface Plan {
  walk: number[];
  spread: Set<number>;
  direct: boolean;
}

function planOf(c: Compiled, s: number, t: TensorLayout): Plan {
  let plan = c.plans[s];
  if (plan) return plan;
  const spread = new Set<number>();
  for (let i = 0; i < c.labels.length; i++) {
    if (!t.uses.has(i) && c.output.pure.has(i) && !c.windowed.has(i)) spread.add(i);
  }
  const walk: number[] = [];
  for (let i = 0; i < c.labels.length; i++) {
    if (spread.has(i)) continue;
    if (t.uses.has(i) || c.output.uses.has(i) || c.windowed.has(i)) walk.push(i);
  }
  plan = { walk, spread, direct: spread.size === 0 && c.checked.length === 0 && sameLayout(t, c.output) };
  c.plans[s] = plan;
  return plan;
}

interface TensorLayout {
  shape: readonly number[];
  /** Per label: the flat offset added per unit of the label. */
  coef: number[];
  base: number;
  /** Axes whose coordinate may leave the tensor: [label index, multiplier][] terms, the
   *  constant, and the axis size. */
  checks: { terms: [number, number][]; constant: number; size: number }[];
  /** Labels the tensor's offset or checks involve. */
  uses: Set<number>;
  /** Labels that appear in it only as whole axes (no window). */
  pure: Set<number>;
}

function isWindow(a: RelationAxis): a is Exclude<RelationAxis, string | null> {
  return a !== null && typeof a === 'object';
}

/** Label sizes from the axes that carry them alone (the smallest, where a label labels axes
 *  of different sizes: a diagonal), overridden by the relation's declared sizes. */
function compile(r: Relation, inputs: readonly (readonly number[] | null)[], output: readonly number[]): Compiled | null {
  const index = new Map<string, number>();
  const labels: string[] = [];
  const size: number[] = [];
  const note = (l: string) => {
    if (!index.has(l)) {
      index.set(l, labels.length);
      labels.push(l);
      size.push(Infinity);
    }
    return index.get(l)!;
  };
  const tensors: { axes: readonly RelationAxis[]; shape: readonly number[] }[] = [{ axes: r.output, shape: output }];
  r.inputs.forEach((axes, s) => {
    if (axes && inputs[s]) tensors.push({ axes, shape: inputs[s]! });
  });
  if (r.select && inputs[r.select.by]) tensors.push({ axes: r.select.axes, shape: inputs[r.select.by]! });
  for (const t of tensors) {
    if (t.axes.length !== t.shape.length) return null;
    t.axes.forEach((a, k) => {
      if (typeof a === 'string') {
        const i = note(a);
        size[i] = Math.min(size[i], t.shape[k]);
      } else if (isWindow(a)) {
        note(a.position);
        note(a.tap);
      }
    });
  }
  for (const [l, d] of Object.entries(r.sizes ?? {})) {
    if (!index.has(l)) continue;
    if (d === null) return null;
    size[index.get(l)!] = d;
  }
  if (size.some((d) => !Number.isFinite(d))) return null;
  const layout = (axes: readonly RelationAxis[], shape: readonly number[]): TensorLayout => {
    const strides = stridesOf(shape);
    const coef = new Array<number>(labels.length).fill(0);
    const checks: TensorLayout['checks'] = [];
    const uses = new Set<number>();
    const pure = new Set<number>();
    const windowed = new Set<number>();
    let base = 0;
    axes.forEach((a, k) => {
      if (a === null) return;
      if (typeof a === 'string') {
        const i = index.get(a)!;
        coef[i] += strides[k];
        uses.add(i);
        pure.add(i);
        if (size[i] > shape[k]) checks.push({ terms: [[i, 1]], constant: 0, size: shape[k] });
        return;
      }
      const p = index.get(a.position)!;
      const t = index.get(a.tap)!;
      coef[p] += a.stride * strides[k];
      coef[t] += a.dilation * strides[k];
      base -= a.before * strides[k];
      uses.add(p);
      uses.add(t);
      windowed.add(p);
      windowed.add(t);
      checks.push({
        terms: [
          [p, a.stride],
          [t, a.dilation],
        ],
        constant: -a.before,
        size: shape[k],
      });
    });
    for (const i of windowed) pure.delete(i);
    return { shape, coef, base, checks, uses, pure };
  };
  const out = layout(r.output, output);
  const ins = r.inputs.map((axes, s) => (axes && inputs[s] ? layout(axes, inputs[s]!) : null));
  const by = r.select && inputs[r.select.by] ? layout(r.select.axes, inputs[r.select.by]!) : null;
  const everyTensor = [out, ...ins.filter((t): t is TensorLayout => t !== null), ...(by ? [by] : [])];
  const windowed = new Set<number>();
  for (const t of everyTensor) for (let i = 0; i < labels.length; i++) if (t.uses.has(i) && !t.pure.has(i)) windowed.add(i);
  const checked = everyTensor.filter((t) => t.checks.length > 0);
  return { labels, size, output: out, inputs: ins, by, windowed, checked, plans: [] };
}

/** Whether every checked coordinate of `t` is inside it for the label values `v`. */
function inside(t: TensorLayout, v: Int32Array): boolean {
  for (const c of t.checks) {
    let x = c.constant;
    for (const [i, m] of c.terms) x += m * v[i];
    if (x < 0 || x >= c.size) return false;
  }
  return true;
}

function offset(t: TensorLayout, v: Int32Array): number {
  let o = t.base;
  for (let i = 0; i < v.length; i++) o += t.coef[i] * v[i];
  return o;
}

/** Calls `visit` for every assignment of the labels in `walk` (others held at 0). Returns
 *  false, without finishing, when the walk would exceed `budget` assignments. */
function walkLabels(size: readonly number[], walk: readonly number[], v: Int32Array, budget: number, visit: () => void): boolean {
  let total = 1;
  for (const i of walk) total *= size[i];
  if (total > budget) return false;
  v.fill(0);
  if (total === 0) return true;
  for (;;) {
    visit();
    let k = walk.length - 1;
    for (; k >= 0; k--) {
      const i = walk[k];
      if (++v[i] < size[i]) break;
      v[i] = 0;
    }
    if (k < 0) return true;
  }
}

export interface RelationRows {
  /** The output's dependence rows (W words per element), OR-ed into. */
  rows: Uint32Array;
  W: number;
  /** Per input slot: its dependence rows, or null when it does not reach the path. */
  sources: readonly (Uint32Array | null)[];
  /** The node's input values (the routing tensor's are read). */
  values: readonly Tensor[];
  outShape: readonly number[];
  /** Most label assignments the walk may visit. */
  budget: number;
}

/** ORs into `rows` the dependence the relation gives; false when it does not fit the
 *  shapes or the budget (the caller then assumes a dense pattern). */
/** Compiled relations, per relation object (shared by nodes of one op, attributes and
 *  shapes) and the shapes they were compiled for. */
const compiled = new WeakMap<Relation, { shapes: string; c: Compiled | null }>();

function compiledFor(r: Relation, inputs: readonly (readonly number[] | null)[], output: readonly number[]): Compiled | null {
  const shapes = `${output.join(',')}|${inputs.map((s) => (s ? s.join(',') : '*')).join('|')}`;
  const hit = compiled.get(r);
  if (hit && hit.shapes === shapes) return hit.c;
  const c = compile(r, inputs, output);
  compiled.set(r, { shapes, c });
  return c;
}

export function orRelation(r: Relation, a: RelationRows): boolean {
  if (!r.select && orSameAxes(r, a)) return true;
  const c = compiledFor(
    r,
    a.values.map((t) => t.shape),
    a.outShape,
  );
  if (!c) return false;
  const v = new Int32Array(c.labels.length);
  const { rows, W } = a;
  const checked = c.checked;
  const valid = () => checked.every((t) => inside(t, v));

  if (r.select && c.by) {
    const by = a.values[r.select.by];
    const over = r.select.over.map((l) => c.labels.indexOf(l)).filter((i) => i >= 0);
    const overSet = new Set(over);
    const groups = c.labels.map((_, i) => i).filter((i) => !overSet.has(i));
    const max = r.select.extreme === 'max';
    const first = r.select.ties === 'first';
    const winners: number[][] = [];
    const cand = new Int32Array(c.labels.length);
    // The budget counts every candidate read, not only the groups: a pooling window's labels
    // run over the whole ksize, clipped only by the bounds checks inside.
    let candidates = 1;
    for (const i of over) candidates *= c.size[i];
    return walkLabels(c.size, groups, v, a.budget / Math.max(candidates, 1), () => {
      // The group's candidates, in row-major order of the `over` labels.
      let best = max ? -Infinity : Infinity;
      let nan = false;
      winners.length = 0;
      cand.set(v);
      walkLabels(c.size, over, v, Infinity, () => {
        for (const i of groups) v[i] = cand[i];
        if (!valid()) return;
        const x = by.data[offset(c.by!, v)];
        if (x !== x) {
          nan = true;
          return;
        }
        const better = max ? x > best : x < best;
        if (better) {
          best = x;
          winners.length = 0;
          winners.push(Array.from(v));
        } else if (x === best && !first) winners.push(Array.from(v));
      });
      // reduce_max's gradient is NaN-blind (no element equals a NaN maximum).
      if (!(nan && !first)) {
        for (const w of winners) {
          v.set(w);
          const o = offset(c.output, v) * W;
          c.inputs.forEach((t, s) => {
            const src = a.sources[s];
            if (!t || !src) return;
            const from = offset(t, v) * W;
            for (let k = 0; k < W; k++) rows[o + k] |= src[from + k];
          });
        }
      }
      v.set(cand);
    });
  }

  // A label of size 0 leaves nothing to read.
  if (c.size.some((d) => d === 0)) return true;

  for (let s = 0; s < c.inputs.length; s++) {
    const t = c.inputs[s];
    const src = a.sources[s];
    if (!t || !src) continue;
    // Labels that only spread the output: walked at 0, then copied along.
    const { walk, spread, direct } = planOf(c, s, t);
    if (direct && src.length === rows.length) {
      // The input lands on the output element by element (an elementwise op's same-shape input).
      for (let k = 0; k < rows.length; k++) rows[k] |= src[k];
      continue;
    }
    if (checked.length === 0) {
      if (!orWalk(c, walk, t, src, rows, W, a.budget)) return false;
    } else {
      const done = walkLabels(c.size, walk, v, a.budget, () => {
        if (!valid()) return;
        const o = offset(c.output, v) * W;
        const from = offset(t, v) * W;
        for (let k = 0; k < W; k++) rows[o + k] |= src[from + k];
      });
      if (!done) return false;
    }
    if (spread.size) copyAlong(rows, W, a.outShape, r.output, c, spread);
  }
  return true;
}

/** The common case, without compiling: every input that reaches the path has the output's
 *  axes and shape (an elementwise op on same-shape inputs), so its rows are the output's. */
function orSameAxes(r: Relation, a: RelationRows): boolean {
  const out = r.output;
  for (let s = 0; s < r.inputs.length; s++) {
    const axes = r.inputs[s];
    if (!axes || !a.sources[s]) continue;
    const shape = a.values[s].shape;
    if (axes.length !== out.length || shape.length !== a.outShape.length) return false;
    for (let k = 0; k < axes.length; k++) if (axes[k] !== out[k] || typeof axes[k] !== 'string' || shape[k] !== a.outShape[k]) return false;
    // A label used twice in the output (a diagonal) is not elementwise.
    if (new Set(out).size !== out.length) return false;
  }
  const { rows } = a;
  for (let s = 0; s < r.inputs.length; s++) {
    const src = a.sources[s];
    if (!r.inputs[s] || !src) continue;
    for (let k = 0; k < rows.length; k++) rows[k] |= src[k];
  }
  return true;
}

function sameLayout(a: TensorLayout, b: TensorLayout): boolean {
  if (a.base !== b.base || a.coef.length !== b.coef.length) return false;
  for (let i = 0; i < a.coef.length; i++) if (a.coef[i] !== b.coef[i]) return false;
  return true;
}

/** The walk without window checks: the output and input offsets follow the odometer
 *  incrementally (each label's step adds its coefficient, its wrap takes size × it back). */
function orWalk(
  c: Compiled,
  walk: readonly number[],
  t: TensorLayout,
  src: Uint32Array,
  rows: Uint32Array,
  W: number,
  budget: number,
): boolean {
  let total = 1;
  for (const i of walk) total *= c.size[i];
  if (total > budget) return false;
  if (total === 0) return true;
  const n = walk.length;
  const size = walk.map((i) => c.size[i]);
  const co = walk.map((i) => c.output.coef[i] * W);
  const ci = walk.map((i) => t.coef[i] * W);
  const idx = new Int32Array(n);
  let o = c.output.base * W;
  let f = t.base * W;
  for (;;) {
    if (W === 1) rows[o] |= src[f];
    else for (let k = 0; k < W; k++) rows[o + k] |= src[f + k];
    let k = n - 1;
    for (; k >= 0; k--) {
      o += co[k];
      f += ci[k];
      if (++idx[k] < size[k]) break;
      o -= co[k] * size[k];
      f -= ci[k] * size[k];
      idx[k] = 0;
    }
    if (k < 0) return true;
  }
}

/** rows[e] |= rows[e with the `spread` labels' coordinates at 0], for every output element. */
function copyAlong(
  rows: Uint32Array,
  W: number,
  shape: readonly number[],
  axes: readonly RelationAxis[],
  c: Compiled,
  spread: ReadonlySet<number>,
): void {
  const n = sizeOf(shape);
  const strides = stridesOf(shape);
  const zeroed = axes.map((a) => typeof a === 'string' && spread.has(c.labels.indexOf(a)));
  const idx = new Int32Array(shape.length);
  let back = 0;
  for (let e = 0; e < n; e++) {
    if (back !== 0) {
      const from = (e - back) * W;
      for (let k = 0; k < W; k++) rows[e * W + k] |= rows[from + k];
    }
    for (let k = shape.length - 1; k >= 0; k--) {
      idx[k]++;
      if (zeroed[k]) back += strides[k];
      if (idx[k] < shape[k]) break;
      if (zeroed[k]) back -= strides[k] * shape[k];
      idx[k] = 0;
    }
  }
}
