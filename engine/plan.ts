// A feed edit's evaluation, prepared once. When only a feed's values change (its shape is
// the same and the graph is kept), the nodes that depend on it are computed again, in the
// same order every time: the plan holds that order and where each step's inputs are (an
// earlier step's value, or a value held outside the plan), so the evaluation does not walk
// the graph or look values up by node, and the evaluator's per-node work (budgets, shape,
// kernel, liveness) is all that is left. A step whose value is a view of an input's data
// (an unbroadcast that sums nothing, a reshape: the op's record says so from the types) is
// marked, and made without its kernel.

import type { Node } from './graph';
import type { ConcreteType } from './ops/registry';

export interface EvaluationPlan {
  /** The nodes to compute, in the order the node-by-node evaluation computes them. */
  readonly steps: readonly Node[];
  /** The steps of target group g (a binding's nodes) are steps[groupStarts[g]] up to
   *  steps[groupStarts[g + 1]]. */
  readonly groupStarts: Int32Array;
  /** Step k's inputs are inputs[inputsAt[k]] up to inputs[inputsAt[k + 1]]: a step index
   *  (>= 0), or -1 - e for externals[e]. */
  readonly inputs: Int32Array;
  readonly inputsAt: Int32Array;
  /** What the steps read that they do not compute: values held by the evaluator, feeds. */
  readonly externals: readonly Node[];
  /** Step k's value is its input views[k]'s data (>= 0), or is computed by its kernel (-1). */
  readonly views: Int32Array;
  /** Step k's value's type, as the evaluation that made the plan found it (undefined when
   *  it had none: such a step runs its shape rule). */
  readonly types: readonly (ConcreteType | undefined)[];
}

/**
 * The plan of evaluating `groups` (each a binding's nodes, in order) when the nodes marked in
 * `recomputed` (by id: 1) have no value and every other node has one. The order is the one
 * `Evaluator.valueOf` follows for each target in turn (its stack walk: the inputs not known
 * yet pushed in order, the last one computed first), so that what a step reports (errors,
 * NaN warnings, the node that runs out of time) comes in the same order. `typeOf` gives a
 * node's value type (the inputs keep their shapes while the plan holds). Null when a walk
 * would pass `maxSteps` nodes.
 */
export function planEvaluation(
  groups: readonly (readonly Node[])[],
  recomputed: Uint8Array,
  maxSteps: number,
  typeOf: (node: Node) => ConcreteType | undefined,
): EvaluationPlan | null {
  const order = stepOrder(groups, recomputed, maxSteps);
  if (order === null) return null;
  const { steps, stepAt, groupStarts } = order;
  const { inputs, inputsAt, externals } = stepInputs(steps, stepAt);
  const types = new Array<ConcreteType | undefined>(steps.length);
  const views = new Int32Array(steps.length).fill(-1);
  for (let k = 0; k < steps.length; k++) {
    const node = steps[k];
    const out = typeOf(node);
    types[k] = out;
    if (!node.op.viewOf || out === undefined) continue;
    const inputTypes = node.inputs.map(typeOf);
    if (inputTypes.every((t) => t !== undefined)) views[k] = node.op.viewOf(inputTypes as ConcreteType[], node.attrs, out);
  }
  return { steps, groupStarts, inputs, inputsAt, externals, views, types };
}

/** The nodes a plan computes again, by id (1), for `planEvaluation`: those of `dependents`
 *  (what depends on an edited feed, marked by id) that are not fed. */
export function recomputedMark(dependents: Uint8Array, feeds: ReadonlyMap<Node, unknown>): Uint8Array {
  const mark = dependents.slice();
  for (const fed of feeds.keys()) if (fed.id < mark.length) mark[fed.id] = 0;
  return mark;
}

/** The steps in `Evaluator.valueOf`'s order, with by-id arrays rather than a Map lookup per
 *  input (linear in the steps and their inputs); null past `maxSteps`. */
function stepOrder(groups: readonly (readonly Node[])[], recomputed: Uint8Array, maxSteps: number) {
  const n = recomputed.length;
  const steps: Node[] = [];
  /** By id: the node's step, -1 before it has one. */
  const stepAt = new Int32Array(n).fill(-1);
  const groupStarts = new Int32Array(groups.length + 1);
  const stack: Node[] = [];
  for (let g = 0; g < groups.length; g++) {
    groupStarts[g] = steps.length;
    for (const target of groups[g]) {
      const id = target.id;
      if (id >= n || recomputed[id] !== 1 || stepAt[id] >= 0) continue;
      stack.push(target);
      while (stack.length > 0) {
        const node = stack[stack.length - 1];
        if (stepAt[node.id] >= 0) {
          stack.pop();
          continue;
        }
        let ready = true;
        const nodeInputs = node.inputs;
        for (let i = 0; i < nodeInputs.length; i++) {
          const inputId = nodeInputs[i].id;
          if (inputId < n && recomputed[inputId] === 1 && stepAt[inputId] < 0) {
            stack.push(nodeInputs[i]);
            ready = false;
          }
        }
        if (!ready) continue;
        stack.pop();
        stepAt[node.id] = steps.length;
        steps.push(node);
        if (steps.length > maxSteps) return null;
      }
    }
  }
  groupStarts[groups.length] = steps.length;
  return { steps, stepAt, groupStarts };
}

/** Where each step's inputs are: an earlier step, or an external (counted first, so that
 *  the inputs are one array). */
function stepInputs(steps: readonly Node[], stepAt: Int32Array) {
  const n = stepAt.length;
  let count = 0;
  for (let k = 0; k < steps.length; k++) count += steps[k].inputs.length;
  const inputs = new Int32Array(count);
  const inputsAt = new Int32Array(steps.length + 1);
  const externals: Node[] = [];
  const externalOf = new NodeIndex();
  let at = 0;
  for (let k = 0; k < steps.length; k++) {
    inputsAt[k] = at;
    for (const input of steps[k].inputs) {
      const step = input.id < n ? stepAt[input.id] : -1;
      if (step >= 0 && steps[step] === input) {
        inputs[at++] = step;
        continue;
      }
      let e = externalOf.get(input, externals);
      if (e < 0) {
        e = externals.length;
        externalOf.set(input, e, externals);
        externals.push(input);
      }
      inputs[at++] = -1 - e;
    }
  }
  inputsAt[steps.length] = at;
  return { inputs, inputsAt, externals };
}

/** Positions of nodes in a list (`list[position] === node`), by node id: a Map keyed by a
 *  hundred thousand nodes cost more than the walk that fills it. Two nodes with one id (from
 *  two graphs) go to a Map. */
class NodeIndex {
  private at = new Int32Array(1024).fill(-1);
  private shared: Map<Node, number> | undefined;

  get(node: Node, list: readonly Node[]): number {
    const id = node.id;
    if (id < this.at.length) {
      const p = this.at[id];
      if (p >= 0 && list[p] === node) return p;
    }
    return this.shared?.get(node) ?? -1;
  }

  set(node: Node, position: number, list: readonly Node[]): void {
    const id = node.id;
    if (id >= this.at.length) {
      const grown = new Int32Array(Math.max(2 * this.at.length, id + 1)).fill(-1);
      grown.set(this.at);
      this.at = grown;
    }
    const held = this.at[id];
    if (held >= 0 && list[held] !== node) (this.shared ??= new Map()).set(node, position);
    else this.at[id] = position;
  }
}
