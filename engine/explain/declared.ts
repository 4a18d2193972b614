// What a node's op declares about its dependence (OpDef.dependence), resolved for the node:
// the declaration that applies to its attributes, which inputs carry a value, the context
// the declaration reads (the node's shapes) and its relation, memoised per analysis.

import type { Analysis } from '../analysis';
import type { Node } from '../graph';
import { type Dependence, type DependenceContext, type Relation, resolveDependence } from '../ops/dependence';
import { shapeOf } from './path';
import { NodeReadings } from './memo';

export type Declared = Exclude<Dependence, { kind: 'chosen' }>;

interface Facts {
  declared: Declared | null;
  /** Per input slot: whether it carries a value. */
  carried: readonly boolean[];
}

const facts = new WeakMap<Node, Facts>();

function factsOf(node: Node): Facts {
  let f = facts.get(node);
  if (!f) {
    const declared = node.op.dependence ? resolveDependence(node.op.dependence, node.attrs) : null;
    const n = node.inputs.length;
    const carried = new Array<boolean>(n);
    for (let s = 0; s < n; s++) carried[s] = !declared?.carries || declared.carries(s, n, node.attrs);
    f = { declared, carried };
    facts.set(node, f);
  }
  return f;
}

/** The declaration that applies to `node`, or null for an op that declares none (an op with
 *  no gradient never is on a gradient's path; the registry's test keeps the others declared). */
export function declarationOf(node: Node): Declared | null {
  return factsOf(node).declared;
}

/** Whether input `slot` of `node` carries a value (not only a shape, or integer indices that
 *  route without a derivative) into it. Undeclared ops: every input, conservatively. */
export function carries(node: Node, slot: number): boolean {
  return factsOf(node).carried[slot] ?? true;
}

/** `carries` for every slot of `node` at once (the walks over a path read it per node). */
export function carried(node: Node): readonly boolean[] {
  return factsOf(node).carried;
}

/** The declaration and the carried slots of `node` together. */
export function factsFor(node: Node): { readonly declared: Declared | null; readonly carried: readonly boolean[] } {
  return factsOf(node);
}

/** The node's shapes as its declaration reads them; null when its rank is unknown. */
export function contextOf(analysis: Analysis, node: Node): DependenceContext | null {
  const output = shapeOf(analysis, node);
  if (!output) return null;
  return { attrs: node.attrs, inputs: node.inputs.map((i) => shapeOf(analysis, i)), output };
}

const relations = new NodeReadings<Relation>();

/** The relation a relation-declaring node has with its inputs (memoised per analysis: the
 *  element and the axis readings share it). */
export function relationOf(analysis: Analysis, node: Node): Relation | null {
  const d = declarationOf(node);
  if (d?.kind !== 'relation') return null;
  return relations.get(
    analysis,
    node,
    (n) => shapeOf(analysis, n),
    () => {
      const ctx = contextOf(analysis, node);
      return ctx ? d.relate(ctx) : null;
    },
  );
}
