// The dataflow graph: one node per primitive op application. Nodes are created after their
// inputs, so creation order (`id`) is a topological order.

import type { Span } from './syntax/ast';
import type { Tensor } from './tensor';
import type { TensorType } from './types';
import type { Attrs, OpDef } from './ops/registry';

/** Why a node exists, when it is not the direct result of user code. The explainer and
 *  hovers read this. */
export type NodeOrigin =
  | { kind: 'user' }
  | { kind: 'gradient'; of: Node; call: Span }
  | { kind: 'literal' };

export class Node {
  /** Concrete value once evaluated (at the document's precision). */
  value?: Tensor;
  /** Error met while evaluating this node (already reported as a diagnostic). */
  failed?: boolean;
  /** Content key: the op, its attributes and its inputs' keys (data hash for sources). */
  key?: string;
  /** The key's two 32-bit hash lanes (keys.ts mixes inputs' lanes, not their strings). */
  keyHash1 = 0;
  keyHash2 = 0;
  /** The name a statement bound this node to, for messages ("first NaN at `y`"). */
  label?: string;

  constructor(
    readonly id: number,
    readonly op: OpDef,
    readonly inputs: readonly Node[],
    readonly attrs: Attrs,
    readonly type: TensorType,
    readonly span: Span,
    /** Depends on no placeholder: can be evaluated while the graph is still being built. */
    readonly constant: boolean,
    /** A Python literal whose dtype adapts to the tensor it meets (`2` in `2 * x`). */
    readonly weak: boolean,
    readonly origin: NodeOrigin,
  ) {}
}

export class Graph {
  readonly nodes: Node[] = [];

  add(
    op: OpDef,
    inputs: readonly Node[],
    attrs: Attrs,
    type: TensorType,
    span: Span,
    options: { weak?: boolean; origin?: NodeOrigin; constant?: boolean } = {},
  ): Node {
    const constant = options.constant ?? inputs.every((n) => n.constant);
    const node = new Node(
      this.nodes.length,
      op,
      inputs,
      attrs,
      type,
      span,
      constant,
      options.weak ?? false,
      options.origin ?? { kind: 'user' },
    );
    this.nodes.push(node);
    return node;
  }
}
