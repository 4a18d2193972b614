// The dataflow graph: one node per primitive op application. Nodes are created after their
// inputs, so creation order (`id`) is a topological order.

import type { Span } from './syntax/ast';
import { type TensorType, shareType } from './types';
import type { Attrs, OpDef } from './ops/registry';

/** Why a node exists, when it is not the direct result of user code. The explainer and
 *  hovers read this. */
export type NodeOrigin = { kind: 'user' } | { kind: 'gradient'; of: Node; call: Span } | { kind: 'literal' };

/** The origin of nodes made directly by user code, and of Python literals: shared (a file
 *  has a node per operator and literal, and they all say the same). */
export const USER_ORIGIN: NodeOrigin = Object.freeze({ kind: 'user' });
export const LITERAL_ORIGIN: NodeOrigin = Object.freeze({ kind: 'literal' });

/** A node of the graph. A plain object made by `Graph.add` (an object literal, not a class:
 *  V8 allocates literals from a site whose objects all survive straight into the old
 *  generation, and a 100,000-line file keeps 100,000 nodes). */
export interface Node {
  readonly id: number;
  readonly op: OpDef;
  readonly inputs: readonly Node[];
  readonly attrs: Attrs;
  readonly type: TensorType;
  readonly span: Span;
  /** Depends on no placeholder: can be evaluated while the graph is still being built. */
  readonly constant: boolean;
  /** A Python literal whose dtype adapts to the tensor it meets (`2` in `2 * x`). */
  readonly weak: boolean;
  readonly origin: NodeOrigin;
  /** Content key (engine/keys.ts): the op, its attributes and its inputs' keys (a data
   *  hash for sources), as two 32-bit hash lanes; set when `keyed`. */
  keyed: boolean;
  keyHash1: number;
  keyHash2: number;
  /** The name a statement bound this node to, for messages ("first NaN at `y`"). */
  label: string | undefined;
}

/** Whether an attribute value is a graph node (attributes may hold one: a gradient's
 *  forward node). */
export function isNode(v: unknown): v is Node {
  return (
    typeof v === 'object' &&
    v !== null &&
    (v as Node).origin !== undefined &&
    typeof (v as Node).id === 'number' &&
    Array.isArray((v as Node).inputs)
  );
}

export class Graph {
  readonly nodes: Node[] = [];

  /** Adds a node. `constant` undefined: constant when every input is (an op without a kernel
   *  passes false). Positional rather than an options object: one is made per node. */
  add(
    op: OpDef,
    inputs: readonly Node[],
    attrs: Attrs,
    type: TensorType,
    span: Span,
    weak = false,
    origin: NodeOrigin = USER_ORIGIN,
    constant?: boolean,
  ): Node {
    if (constant === undefined) {
      constant = true;
      for (let i = 0; i < inputs.length; i++) if (!inputs[i].constant) constant = false;
    }
    const node: Node = {
      id: this.nodes.length,
      op,
      inputs,
      attrs,
      type: shareType(type),
      span,
      constant,
      weak,
      origin,
      keyed: false,
      keyHash1: 0,
      keyHash2: 0,
      label: undefined,
    };
    this.nodes.push(node);
    return node;
  }
}
