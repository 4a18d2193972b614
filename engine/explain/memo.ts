// What the explainer keeps between gradient sites: per analysis and node, readings that also
// hold for every node of the same op, attributes and shapes (a deep net's layers share them);
// per analysis and x, what each node of x's paths gave (rows, labels), which later sites of
// the same x reuse when a node's inputs bring the same (kept only for an x of several sites).

import type { Analysis } from '../analysis';
import type { Node } from '../graph';
import type { Dim } from '../types';
import { ExplainInterrupted } from './interrupt';

/** A reading of a node (its relation, its axis correspondence), memoised per analysis and
 *  shared by structural key. `read` may throw: the reading is then null. */
export class NodeReadings<T> {
  private readonly perAnalysis = new WeakMap<Analysis, Map<Node, T | null>>();
  private readonly shared = new Map<string, T | null>();

  get(analysis: Analysis, node: Node, shapeOf: (node: Node) => readonly Dim[] | null, read: () => T | null): T | null {
    let m = this.perAnalysis.get(analysis);
    if (!m) this.perAnalysis.set(analysis, (m = new Map()));
    let r = m.get(node);
    if (r === undefined) {
      const key = structuralKey(node, shapeOf);
      r = key === null ? undefined : this.shared.get(key);
      if (r === undefined) {
        try {
          r = read();
        } catch (e) {
          // (an interrupted reading is no reading: it is made again next time)
          if (e instanceof ExplainInterrupted) throw e;
          r = null;
        }
        if (key !== null) {
          if (this.shared.size >= 20_000) this.shared.clear();
          this.shared.set(key, r);
        }
      }
      m.set(node, r);
    }
    return r;
  }
}

/** Per analysis and x: what each node gave, kept for later sites. */
export class KeptPerX<T> {
  private readonly byAnalysis = new WeakMap<Analysis, Map<Node, Map<Node, T>>>();

  /** Null for an x that only one gradient of the analysis differentiates by: no later site
   *  would read what is kept (a deep model's one `tf.gradients(loss, every weight)` paid a
   *  fifth of its explanations' CPU for keeping every node's readings of every weight). */
  of(analysis: Analysis, x: Node): Map<Node, T> | null {
    if (timesDifferentiated(analysis, x) < 2) return null;
    let byX = this.byAnalysis.get(analysis);
    if (!byX) this.byAnalysis.set(analysis, (byX = new Map()));
    let m = byX.get(x);
    if (!m) byX.set(x, (m = new Map()));
    return m;
  }
}

/** How often each node is an x of the analysis's gradient sites, counted again when the
 *  list of sites has changed length (an edit's analysis can extend the one it takes over). */
const xCounts = new WeakMap<Analysis, { sites: number; counts: Map<Node, number> }>();

function timesDifferentiated(analysis: Analysis, x: Node): number {
  const sites = analysis.gradientSites;
  let kept = xCounts.get(analysis);
  if (!kept || kept.sites !== sites.length) {
    const counts = new Map<Node, number>();
    for (const site of sites) for (const n of site.xs) counts.set(n, (counts.get(n) ?? 0) + 1);
    xCounts.set(analysis, (kept = { sites: sites.length, counts }));
  }
  return kept.counts.get(x) ?? 0;
}

/** A key for what a node's relation and correspondence depend on (the op, its plain
 *  attributes, the shapes); null when an attribute is not plain data (a user function).
 *  Value-dependent readings (a gather's picks, a max's routing) are not part of them. */
export function structuralKey(node: Node, shapeOf: (node: Node) => readonly Dim[] | null): string | null {
  let key = node.op.name;
  for (const k in node.attrs) {
    const v = node.attrs[k];
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) return null;
    if (typeof v === 'function') return null;
    key += `|${k}=${Array.isArray(v) ? JSON.stringify(v) : String(v)}`;
  }
  const shape = (s: readonly Dim[] | null) => (s === null ? '*' : s.join(','));
  key += `>${shape(shapeOf(node))}`;
  for (const i of node.inputs) key += `<${shape(shapeOf(i))}`;
  return key;
}
