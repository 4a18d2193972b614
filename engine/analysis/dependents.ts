// What depends on a placeholder, for its feed edits (`Analyzer.refeed`): the nodes computed
// again when only the feed's values change. Found by one pass over the graph in id order
// (nodes come after their inputs), and kept: the graph's nodes are only ever appended or
// cut back (an edit rolls back to a statement), so a later feed edit scans only the nodes
// made since, none when the graph was kept, and the nodes after a structural edit's
// statement when it was not.

import { type Node, isNode } from '../graph';
import type { Attrs } from '../ops/registry';

export class FeedDependents {
  /** By node id, below `scanned`: 1 when the node depends on `source`. */
  private mark = new Uint8Array(0);
  /** The marked nodes, in id order. */
  private found: Node[] = [];
  private scanned = 0;
  /** The node at `scanned - 1` when it was scanned: another one there means the graph was
   *  cut back and built again past it without `cutBack` being told. */
  private boundary: Node | undefined;
  private source: Node | null = null;

  /** `source` and the nodes of `nodes` before `end` that depend on it, through inputs or
   *  node-valued attributes, in id order (a new array: the caller may keep it). */
  of(nodes: readonly Node[], source: Node, end: number): Node[] {
    const stale = this.source !== source || this.scanned > end || (this.scanned > 0 && nodes[this.scanned - 1] !== this.boundary);
    if (stale) {
      this.source = source;
      this.mark = new Uint8Array(Math.max(end, source.id + 1));
      this.mark[source.id] = 1;
      this.found = [source];
      this.scanned = source.id + 1;
    }
    if (this.mark.length < end) {
      const grown = new Uint8Array(Math.max(end, 2 * this.mark.length));
      grown.set(this.mark.subarray(0, this.scanned));
      this.mark = grown;
    }
    const mark = this.mark;
    let clearAttrs: object | undefined;
    for (let id = this.scanned; id < end; id++) {
      const node = nodes[id];
      const inputs = node.inputs;
      let depends = false;
      for (let i = 0; i < inputs.length; i++) {
        if (mark[inputs[i].id] === 1) {
          depends = true;
          break;
        }
      }
      // (Attributes shared by consecutive nodes, every literal's, are looked at once.)
      if (!depends && node.attrs !== clearAttrs) {
        depends = attrsDependOn(node.attrs, mark);
        if (!depends) clearAttrs = node.attrs;
      }
      mark[id] = depends ? 1 : 0;
      if (depends) this.found.push(node);
    }
    if (end > this.scanned) {
      this.scanned = end;
      this.boundary = nodes[end - 1];
    }
    return this.found.slice();
  }

  /** `nodes` was cut back to its first `kept` nodes (the same objects as before). */
  cutBack(nodes: readonly Node[], kept: number): void {
    if (this.scanned <= kept) return;
    if (this.source === null || kept <= this.source.id) {
      this.source = null;
      return;
    }
    const found = this.found;
    while (found.length > 0 && found[found.length - 1].id >= kept) found.pop();
    this.scanned = kept;
    this.boundary = nodes[kept - 1];
  }
}

function attrsDependOn(attrs: Attrs, dependent: Uint8Array): boolean {
  for (const key in attrs) if (attrDependsOn(attrs[key], dependent)) return true;
  return false;
}

/** Whether an attribute holds a node marked in `dependent` (directly or in a list). */
function attrDependsOn(v: unknown, dependent: Uint8Array): boolean {
  if (typeof v !== 'object' || v === null) return false;
  if (Array.isArray(v)) return v.some((item) => attrDependsOn(item, dependent));
  return isNode(v) && dependent[v.id] === 1;
}
