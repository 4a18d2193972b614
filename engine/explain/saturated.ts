// Bit matrices in which every element depends on every tracked element of x: past two
// layers of a dense net, each unit depends on every weight below. Each x's rows are
// propagated along its own path (deps.ts), so a model's thousand weights each walked the
// layers above them through their ops' patterns. A saturated matrix is the same for every x
// with as many tracked elements, so it is one shared array per analysis, size and tracked
// count, and what a node gives from shared inputs (its pattern depends on nothing else but
// its op and values) is kept per node and given to every later x at once, as are the spans
// read from it (deps.ts axisSpans keeps them per array).

import type { Analysis } from '../analysis';
import type { Node } from '../graph';

export interface SharedRows {
  rows: Uint32Array;
  conservative: string | null;
}

/** Most nodes whose shared rows one analysis keeps. */
const MAX_KEPT_NODES = 1 << 20;

export class SaturatedRows {
  private readonly shared = new WeakMap<Analysis, Map<string, Uint32Array>>();
  private readonly isShared = new WeakSet<Uint32Array>();
  private readonly given = new WeakMap<Analysis, Map<Node, Map<string, SharedRows>>>();

  /** `rows`, or the shared array with the same content when every element depends on every
   *  one of the `T` tracked elements. */
  canonical(analysis: Analysis, rows: Uint32Array, T: number, W: number): Uint32Array {
    if (this.isShared.has(rows) || !saturated(rows, T, W)) return rows;
    let byShape = this.shared.get(analysis);
    if (!byShape) this.shared.set(analysis, (byShape = new Map()));
    const key = `${rows.length / W}:${T}`;
    const kept = byShape.get(key);
    if (kept) return kept;
    byShape.set(key, rows);
    this.isShared.add(rows);
    return rows;
  }

  /** What a node's inputs bring, as a key, when each one on the path is a shared array (its
   *  content is then the slot and `T`); null otherwise. */
  keyOf(from: readonly (Uint32Array | undefined)[], T: number): string | null {
    let key = `${T}:`;
    let any = false;
    for (const rows of from) {
      if (rows === undefined) key += '-';
      else if (this.isShared.has(rows)) {
        key += '1';
        any = true;
      } else return null;
    }
    return any ? key : null;
  }

  get(analysis: Analysis, node: Node, key: string): SharedRows | undefined {
    return this.given.get(analysis)?.get(node)?.get(key);
  }

  set(analysis: Analysis, node: Node, key: string, value: SharedRows): void {
    let byNode = this.given.get(analysis);
    if (!byNode) this.given.set(analysis, (byNode = new Map()));
    let byKey = byNode.get(node);
    if (!byKey) {
      if (byNode.size >= MAX_KEPT_NODES) return;
      byNode.set(node, (byKey = new Map()));
    }
    byKey.set(key, value);
  }
}

/** Whether every row has all of the `T` tracked bits set. */
function saturated(rows: Uint32Array, T: number, W: number): boolean {
  if (rows.length === 0 || T === 0) return false;
  const lastBits = T - 32 * (W - 1);
  const last = lastBits === 32 ? 0xffffffff : (1 << lastBits) - 1;
  for (let i = 0; i < rows.length; i += W) {
    for (let w = 0; w < W - 1; w++) if (rows[i + w] !== 0xffffffff) return false;
    if (rows[i + W - 1] >>> 0 !== last >>> 0) return false;
  }
  return true;
}
