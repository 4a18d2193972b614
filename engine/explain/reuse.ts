// Nodes of the path used more than once on the way to the ys: their gradient is an add_n of
// one part per use, so each entry adds one contribution per use, when the uses meet again
// in an op that combines them elementwise (x * tanh(x)). Uses that meet only in a stack or
// concat land at different positions (that op's axis explains them), and uses that never
// meet reach different ys (the list of ys explains them).
//
// Two passes over the path by position: one counts the uses, the other gives every use of
// a reused node an id and lets the ids flow forward with the values; the first node where
// two uses' ids arrive together (from different inputs) is where they meet. A node whose
// uses met is done, and its ids stop flowing, so the sets stay small.

import type { Node } from '../graph';
import { type SitePath, checkTime } from './path';
import { declarationOf } from './declared';

/** A node x reaches through several uses (its gradient is an add_n of their parts). */
export interface ReuseRecord {
  node: Node;
  uses: number;
  consumers: Node[];
}

/** An op that places its inputs side by side (stack, concat): one use per input, at
 *  different positions, is that op's axis, not a reuse. */
function joins(node: Node): boolean {
  const d = declarationOf(node);
  return d?.kind === 'index-map' && d.joins === true;
}

const sameSpan = (a: Node, b: Node) => a.span.start === b.span.start && a.span.end === b.span.end;

export function reuseOf(path: SitePath, deadline = Infinity): ReuseRecord[] {
  // Uses on the path of each path node (a slot of a consumer that carries its value); the
  // consumers are listed only for nodes used more than once.
  const order = path.order;
  const uses = new Int32Array(order.length);
  const first = new Array<Node | undefined>(order.length);
  const consumers = new Map<Node, Map<Node, number>>();
  // A consumer inside a composite op (norm's x * x) shares the call's span with the node it
  // feeds: those uses belong to that op's derivative, not to the user's graph.
  const internal = new Set<Node>();
  for (let k = 0; k < order.length; k++) {
    const c = order[k];
    checkTime(k, deadline, "the gradient's path has", order.length);
    const inputs = c.inputs;
    const slot0 = path.inputsFrom[k];
    for (let s = 0; s < path.inputsFrom[k + 1] - slot0; s++) {
      const at = path.inputPositions[slot0 + s];
      if (at < 0) continue;
      const i = inputs[s];
      if (sameSpan(i, c)) internal.add(i);
      if (++uses[at] === 1) {
        first[at] = c;
        continue;
      }
      let m = consumers.get(i);
      if (!m) consumers.set(i, (m = new Map([[first[at]!, 1]])));
      m.set(c, (m.get(c) ?? 0) + 1);
    }
  }
  const candidates: { node: Node; uses: number; consumers: Node[]; bits: Node[] }[] = [];
  for (const [node, uses] of consumers) {
    // Consumers made by one call share its span (rare: grouped by text only then).
    const starts = new Set<number>();
    let shared = false;
    for (const c of uses.keys()) {
      if (starts.has(c.span.start)) shared = true;
      starts.add(c.span.start);
    }
    const bySpan = new Map<string | Node, Node[]>();
    for (const c of uses.keys()) {
      const key = shared ? `${c.span.start}:${c.span.end}` : c;
      const list = bySpan.get(key);
      if (list) list.push(c);
      else bySpan.set(key, [c]);
    }
    let count = 0;
    for (const group of bySpan.values()) {
      if (group.length === 1) {
        const c = group[0];
        count += joins(c) ? 1 : uses.get(c)!;
      } else {
        count += group.filter((c) => !group.some((d) => d !== c && descendsFrom(c, d, path))).length;
      }
    }
    if (count < 2) continue;
    candidates.push({ node, uses: count, consumers: [...uses.keys()], bits: [...uses.keys()].filter((c) => !internal.has(c)) });
  }
  if (candidates.length === 0) return [];
  const met = meetings(path, candidates, consumers, deadline);
  return candidates.filter((_, i) => met[i]).map(({ node, uses, consumers }) => ({ node, uses, consumers }));
}

/** Most use ids one node's set may hold; past them, the remaining reuses count as meeting. */
const MAX_SET = 4096;

/** Per candidate, whether two of its uses meet in a node that is not a join. Each use is an
 *  id; a node's set holds the ids of the uses it descends from (those of finished
 *  candidates dropped, so the sets stay small). */
function meetings(
  path: SitePath,
  candidates: readonly { node: Node; bits: Node[] }[],
  consumers: ReadonlyMap<Node, ReadonlyMap<Node, number>>,
  deadline: number,
): boolean[] {
  const met = candidates.map(() => false);
  // A consumer that uses the node twice itself (x * x) meets them at once.
  candidates.forEach((cand, i) => {
    const uses = consumers.get(cand.node)!;
    if (cand.bits.some((c) => uses.get(c)! >= 2 && !joins(c))) met[i] = true;
  });
  // The use ids each consumer starts (by its position on the path), and the candidate each
  // id belongs to.
  const ownAt: (number[] | undefined)[] = new Array(path.order.length);
  const owner: number[] = [];
  candidates.forEach((cand, i) => {
    for (const c of cand.bits) {
      const k = path.reaches.get(c)!;
      (ownAt[k] ??= []).push(owner.length);
      owner.push(i);
    }
  });
  const sets: (number[] | undefined)[] = new Array(path.order.length);
  const counts = new Int32Array(candidates.length);
  const best = new Int32Array(candidates.length);
  const local = new Int32Array(candidates.length);
  const inSet = new Uint8Array(owner.length);
  const inputs: number[][] = [];
  const set: number[] = [];
  const touched: number[] = [];
  const alive = (ids: readonly number[]) => {
    for (const id of ids) if (met[owner[id]]) return false;
    return true;
  };
  for (let k = 0; k < path.order.length; k++) {
    checkTime(k, deadline, "the gradient's path has", path.order.length);
    const own = ownAt[k];
    const first = path.inputsFrom[k];
    inputs.length = 0;
    for (let s = first; s < path.inputsFrom[k + 1]; s++) {
      const at = path.inputPositions[s];
      const ids = at >= 0 ? sets[at] : undefined;
      if (ids && !inputs.includes(ids)) inputs.push(ids);
    }
    if (inputs.length === 0 && !own) continue;
    if (inputs.length === 1 && !own) {
      // Nothing meets here: the ids flow on, less the finished candidates'.
      const ids = inputs[0];
      if (alive(ids)) sets[k] = ids;
      else {
        const live = ids.filter((id) => !met[owner[id]]);
        if (live.length) sets[k] = live;
      }
      continue;
    }
    set.length = 0;
    for (const ids of inputs) {
      for (const id of ids) {
        if (met[owner[id]] || inSet[id]) continue;
        inSet[id] = 1;
        set.push(id);
      }
    }
    if (own) {
      for (const id of own) {
        if (met[owner[id]] || inSet[id]) continue;
        inSet[id] = 1;
        set.push(id);
      }
    }
    for (const id of set) inSet[id] = 0;
    if (set.length > MAX_SET) {
      for (const id of set) met[owner[id]] = true;
      continue;
    }
    const d = path.declared[k];
    if (!(d?.kind === 'index-map' && d.joins === true)) {
      // The candidates whose uses arriving here outnumber those of every input: they meet.
      touched.length = 0;
      let several = false;
      for (const id of set) {
        const i = owner[id];
        if (counts[i]++ === 0) touched.push(i);
        else several = true;
      }
      if (several) {
        for (const ids of inputs) {
          for (const id of ids) if (!met[owner[id]]) local[owner[id]]++;
          for (const id of ids) {
            const i = owner[id];
            best[i] = Math.max(best[i], local[i]);
          }
          for (const id of ids) local[owner[id]] = 0;
        }
        for (const i of touched) if (counts[i] >= 2 && counts[i] > best[i]) met[i] = true;
      }
      for (const i of touched) {
        counts[i] = 0;
        best[i] = 0;
      }
    }
    let live = 0;
    for (const id of set) if (!met[owner[id]]) live++;
    if (live) sets[k] = set.filter((id) => !met[owner[id]]);
  }
  return met;
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
