// Nodes of the path used more than once on the way to the ys: their gradient is an add_n of
// one part per use, so each entry adds one contribution per use, when the uses meet again
// in an op that combines them elementwise (x * tanh(x)). Uses that meet only in a stack or
// concat land at different positions (that op's axis explains them), and uses that never
// meet reach different ys (the list of ys explains them).
//
// One pass over the path: every use of a reused node gets a bit, the bits flow forward with
// the values, and the first node where two uses' bits arrive together (from different
// inputs) is where they meet. A node whose uses met is done, and its bits stop flowing.

import type { Node } from '../graph';
import { type SitePath, checkTime } from './path';
import { carried, declarationOf } from './declared';

/** A node x reaches through several uses (its gradient is an add_n of their parts). */
export interface ReuseRecord {
  node: Node;
  uses: number;
  consumers: Node[];
}

/** Most words the use bits of the whole path may take; past them, uses count as meeting. */
const MAX_USE_WORDS = 1 << 22;

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
  const index = new Map<Node, number>();
  for (let k = 0; k < order.length; k++) index.set(order[k], k);
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
    const carry = carried(c);
    for (let s = 0; s < inputs.length; s++) {
      if (!carry[s]) continue;
      const i = inputs[s];
      const at = index.get(i);
      if (at === undefined) continue;
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
  // The use ids each consumer starts, and the candidate each id belongs to.
  const starts = new Map<Node, number[]>();
  const owner: number[] = [];
  candidates.forEach((cand, i) => {
    for (const c of cand.bits) {
      const list = starts.get(c) ?? [];
      list.push(owner.length);
      owner.push(i);
      starts.set(c, list);
    }
  });
  const sets = new Map<Node, number[]>();
  const counts = new Int32Array(candidates.length);
  const best = new Int32Array(candidates.length);
  const local = new Int32Array(candidates.length);
  const inSet = new Uint8Array(owner.length);
  for (let k = 0; k < path.order.length; k++) {
    const n = path.order[k];
    checkTime(k, deadline, "the gradient's path has", path.order.length);
    const own = starts.get(n);
    const inputs: number[][] = [];
    const carry = carried(n);
    for (let s = 0; s < n.inputs.length; s++) {
      const set = carry[s] ? sets.get(n.inputs[s]) : undefined;
      if (set && !inputs.includes(set)) inputs.push(set);
    }
    if (inputs.length === 0 && !own) continue;
    if (inputs.length === 1 && !own) {
      // Nothing meets here: the ids flow on, less the finished candidates'.
      const live = inputs[0].filter((id) => !met[owner[id]]);
      if (live.length) sets.set(n, live.length === inputs[0].length ? inputs[0] : live);
      continue;
    }
    const set: number[] = [];
    const add = (id: number) => {
      if (met[owner[id]] || inSet[id]) return;
      inSet[id] = 1;
      set.push(id);
    };
    for (const ids of inputs) for (const id of ids) add(id);
    if (own) for (const id of own) add(id);
    for (const id of set) inSet[id] = 0;
    if (set.length > MAX_SET) {
      for (const id of set) met[owner[id]] = true;
      continue;
    }
    if (!joins(n)) {
      // The candidates whose uses arriving here outnumber those of every input: they meet.
      const touched: number[] = [];
      for (const id of set) if (counts[owner[id]]++ === 0) touched.push(owner[id]);
      if (touched.some((i) => counts[i] >= 2)) {
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
    const live = set.filter((id) => !met[owner[id]]);
    if (live.length) sets.set(n, live);
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
