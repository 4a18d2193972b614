// What the explainer needs to know about one gradient site and one x: which nodes carry
// x's influence to the ys (the nodes the gradient flowed back through, restricted to the
// descendants of x), their concrete shapes, and how to name them in a sentence.

import type { Analysis } from '../analysis';
import type { Node } from '../graph';
import type { GradientSite } from '../autodiff';
import type { Span } from '../syntax/ast';
import { isFloat } from '../tensor';
import type { Dim } from '../types';
import { formatCount } from '../budgets';
import { type Declared, carries, declarationOf, factsFor } from './declared';
import { checkInterrupt } from './interrupt';

/** A gradient site's path in creation order, sorted once (for a site of one x). */
const sortedPaths = new WeakMap<GradientSite, Node[]>();

/** A gradient site's path as a graph to walk forward: each node's consumers on the path
 *  (an input's consumers may include nodes that do not carry it), made once per site. */
const forwardEdges = new WeakMap<GradientSite, Map<Node, Node[]>>();

function consumersOnPath(site: GradientSite): Map<Node, Node[]> {
  let edges = forwardEdges.get(site);
  if (edges) return edges;
  edges = new Map();
  for (const n of site.path) {
    const inputs = n.inputs;
    for (let i = 0; i < inputs.length; i++) {
      const input = inputs[i];
      if (inputs.indexOf(input) !== i) continue; // (x * x lists its consumer once)
      const list = edges.get(input);
      if (list) list.push(n);
      else edges.set(input, [n]);
    }
  }
  forwardEdges.set(site, edges);
  return edges;
}

/** How many nodes (and their input slots) the walk that finds an x's path has looked at,
 *  since the process started: the tests read its growth to see that it is linear in what it
 *  follows. (The explainer's other walks go over the path it finds, node by node.) */
export const walkVisits = { nodes: 0, slots: 0 };

export { carries };

/** The explanation's time ran out while following a long gradient path (thrown by the walks
 *  over the path; the explanation then says why it has no counts). */
export class ExplainTimeout extends Error {}

/** Throws ExplainTimeout once `deadline` (ms since the epoch) has passed, saying that
 *  `what` (a count of nodes) is more than can be followed in time; reads the clock on every
 *  64th step only, and there sees whether a newer text interrupts the explanation. */
export function checkTime(step: number, deadline: number, what: string, count: number): void {
  if ((step & 63) !== 0) return;
  checkInterrupt();
  if (Date.now() > deadline) throw new ExplainTimeout(`${what} ${formatCount(count)} nodes, more than can be followed in time`);
}

export interface SitePath {
  site: GradientSite;
  xIndex: number;
  x: Node;
  /** Nodes through which x reaches the ys (x first), in creation (topological) order. */
  order: Node[];
  /** Per node of `order`: which of its input slots carry a value (its declaration's). */
  carried: (readonly boolean[])[];
  /** Per node of `order`: its declaration (null for an op that declares none). */
  declared: (Declared | null)[];
  /** Per node of `order`, per input slot: the position in `order` of that input when it
   *  carries a value and is on the path, else -1 — node k's slots are
   *  `inputPositions[inputsFrom[k] + slot]`, up to `inputsFrom[k + 1]`. (One array for the
   *  whole path: a deep model's path has tens of thousands of nodes, kept with the
   *  explanation.) */
  inputPositions: Int32Array;
  inputsFrom: Int32Array;
  /** Membership of `order`, with each node's position in it. */
  reaches: ReadonlyMap<Node, number>;
  /** Per y: whether x reaches it. */
  ysReached: boolean[];
}

/** Every node of the site's gradient path that depends on x through value-carrying edges.
 *  Another x of the same call that was listed in stop_gradients stops x's influence. */
export function sitePath(site: GradientSite, xIndex: number, deadline = Infinity): SitePath {
  const x = site.xs[xIndex];
  const reaches = new Map<Node, number>([[x, 0]]);
  const order: Node[] = [x];
  const carriedAlong: (readonly boolean[])[] = [[]];
  const declaredAlong: (Declared | null)[] = [declarationOf(x)];
  const inputPositions: number[] = [];
  const inputsFrom: number[] = [0, 0];
  const at: number[] = [];
  const stops = site.stopGradients.length > 0 ? new Set(site.stopGradients) : null;
  const passes = (n: Node): boolean => n.op.grad !== undefined && isFloat(n.type.dtype) && !stops?.has(n);
  /** Puts `n` on the path when a carried input of it is there and the gradient passes it. */
  const consider = (n: Node): boolean => {
    walkVisits.nodes++;
    walkVisits.slots += n.inputs.length;
    let fed = false;
    const facts = factsFor(n);
    const c = facts.carried;
    at.length = 0;
    for (let i = 0; i < n.inputs.length; i++) {
      const pos = c[i] ? reaches.get(n.inputs[i]) : undefined;
      at.push(pos ?? -1);
      if (pos !== undefined) fed = true;
    }
    if (!fed || !passes(n)) return false;
    reaches.set(n, order.length);
    order.push(n);
    carriedAlong.push(c);
    declaredAlong.push(facts.declared);
    for (const pos of at) inputPositions.push(pos);
    inputsFrom.push(inputPositions.length);
    return true;
  };
  if (site.xs.length === 1) {
    // The path of a gradient of one x is that x's descendants (toward the ys): read in
    // creation order, sorted once.
    let sorted = sortedPaths.get(site);
    if (!sorted) sortedPaths.set(site, (sorted = [...site.path].sort((a, b) => a.id - b.id)));
    for (let k = 0; k < sorted.length; k++) {
      checkTime(k, deadline, "the gradient's path has", sorted.length);
      if (sorted[k].id > x.id) consider(sorted[k]);
    }
  } else {
    // Forward from x through the consumers of what it reaches, in creation order (a node's
    // id is above its inputs'): only x's descendants are looked at, not every node of the
    // site's path, which for each weight of a model with a thousand was the whole model.
    const consumers = consumersOnPath(site);
    const candidates = new IdHeap();
    const queued = new Set<Node>();
    const enqueue = (n: Node) => {
      for (const c of consumers.get(n) ?? []) {
        if (c.id <= x.id || queued.has(c)) continue;
        queued.add(c);
        candidates.push(c);
      }
    };
    enqueue(x);
    for (let step = 0; candidates.size > 0; step++) {
      checkTime(step, deadline, "the gradient's path has", site.path.size);
      const n = candidates.pop();
      if (consider(n)) enqueue(n);
    }
  }
  return {
    site,
    xIndex,
    x,
    order,
    carried: carriedAlong,
    declared: declaredAlong,
    inputPositions: Int32Array.from(inputPositions),
    inputsFrom: Int32Array.from(inputsFrom),
    reaches,
    ysReached: site.ys.map((y) => reaches.has(y)),
  };
}

/** Nodes by ascending id (a binary heap): the walk's candidates, met out of order. */
class IdHeap {
  private readonly items: Node[] = [];
  get size(): number {
    return this.items.length;
  }
  push(n: Node): void {
    const items = this.items;
    let k = items.length;
    items.push(n);
    while (k > 0) {
      const parent = (k - 1) >> 1;
      if (items[parent].id <= n.id) break;
      items[k] = items[parent];
      k = parent;
    }
    items[k] = n;
  }
  pop(): Node {
    const items = this.items;
    const top = items[0];
    const last = items.pop()!;
    const size = items.length;
    if (size > 0) {
      let k = 0;
      for (;;) {
        const left = 2 * k + 1;
        if (left >= size) break;
        const child = left + 1 < size && items[left + 1].id < items[left].id ? left + 1 : left;
        if (items[child].id >= last.id) break;
        items[k] = items[child];
        k = child;
      }
      items[k] = last;
    }
    return top;
  }
}

/** Values kept for the nodes of one path, by their position in it (no hashing but the
 *  path's own). */
export class AlongPath<T> {
  readonly at: (T | undefined)[];
  constructor(private readonly path: SitePath) {
    this.at = new Array<T | undefined>(path.order.length);
  }
  get(node: Node): T | undefined {
    const k = this.path.reaches.get(node);
    return k === undefined ? undefined : this.at[k];
  }
  /** What node `k`'s inputs bring, per slot (undefined for slots off the path or lending a
   *  shape). */
  inputsOf(k: number): (T | undefined)[] {
    const { inputPositions: positions, inputsFrom } = this.path;
    const first = inputsFrom[k];
    const out = new Array<T | undefined>(inputsFrom[k + 1] - first);
    for (let s = 0; s < out.length; s++) {
      const at = positions[first + s];
      out[s] = at >= 0 ? this.at[at] : undefined;
    }
    return out;
  }
  /** Whether node `k`'s inputs bring exactly `from`. */
  same(k: number, from: readonly (T | undefined)[]): boolean {
    const { inputPositions: positions, inputsFrom } = this.path;
    const first = inputsFrom[k];
    if (from.length !== inputsFrom[k + 1] - first) return false;
    for (let s = 0; s < from.length; s++) {
      const at = positions[first + s];
      if (from[s] !== (at >= 0 ? this.at[at] : undefined)) return false;
    }
    return true;
  }
}

/** The concrete shape of a node (its value's), else its static shape (null sizes unknown);
 *  the node's own array, not a copy. */
export function shapeOf(analysis: Analysis, node: Node): readonly Dim[] | null {
  const t = analysis.valueOf(node);
  if (t) return t.shape;
  return node.type.shape;
}

export function sizeOfDims(shape: readonly Dim[] | null): number | null {
  if (!shape) return null;
  let n = 1;
  for (const d of shape) {
    if (d === null) return null;
    n *= d;
  }
  return n;
}

/** The name a user knows a node by: its binding, else its source text when short, else the
 *  call it comes from (`softmax_cross_entropy_with_logits(…)`), else its op. */
export function nodeName(analysis: Analysis, node: Node): string {
  if (node.label) return node.label;
  const text = analysis.text.slice(node.span.start, node.span.end).replace(/\s+/g, ' ').trim();
  if (text.length > 0 && text.length <= 40) return text;
  const call = /^[A-Za-z_][A-Za-z0-9_.]*\(/.exec(text);
  return call && call[0].length <= 60 ? `${call[0]}…)` : node.op.name;
}

/** 1-based line of a span. */
export function lineOf(analysis: Analysis, span: Span): number {
  return analysis.lines.positionAt(span.start).line + 1;
}

/** `x[i,j]` for a rank-2 x: how the sentence names one element. */
export function elementName(name: string, rank: number): string {
  if (rank <= 0) return name;
  const letters = ['i', 'j', 'k', 'l', 'm', 'n'];
  const idx = rank <= letters.length ? letters.slice(0, rank) : Array.from({ length: rank }, (_, k) => `i${k}`);
  return `${name}[${idx.join(',')}]`;
}

/** `∂(Σz)/∂x`, `∂(Σy + Σw)/∂x`; a weighted y (grad_ys) shows as `Σ(g·y)`. */
export function gradientMeaning(analysis: Analysis, site: GradientSite, xIndex: number): string {
  const wrap = (s: string) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(s) ? s : `(${s})`);
  const terms = site.ys.map((y, k) => {
    const g = site.gradYs[k];
    return g ? `Σ(${wrap(nodeName(analysis, g))}·${wrap(nodeName(analysis, y))})` : `Σ${wrap(nodeName(analysis, y))}`;
  });
  const x = site.xs[xIndex];
  return `∂(${terms.join(' + ')})/∂${x ? wrap(nodeName(analysis, x)) : 'x'}`;
}
