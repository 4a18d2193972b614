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
 * The plan of evaluating `groups` (each a binding's nodes, in order) when the nodes for which
 * `recomputed` holds have no value and every other node has one. The order is the one
 * `Evaluator.valueOf` follows for each target in turn (its stack walk: the inputs not known
 * yet pushed in order, the last one computed first), so that what a step reports (errors,
 * NaN warnings, the node that runs out of time) comes in the same order. `typeOf` gives a
 * node's value type (the inputs keep their shapes while the plan holds). Null when a walk
 * would pass `maxSteps` nodes.
 */
export function planEvaluation(
  groups: readonly (readonly Node[])[],
  recomputed: (node: Node) => boolean,
  maxSteps: number,
  typeOf: (node: Node) => ConcreteType | undefined,
): EvaluationPlan | null {
  const steps: Node[] = [];
  const stepOf = new Map<Node, number>();
  const groupStarts = new Int32Array(groups.length + 1);
  const known = (node: Node) => stepOf.has(node) || !recomputed(node);
  const place = (node: Node) => {
    stepOf.set(node, steps.length);
    steps.push(node);
  };
  for (let g = 0; g < groups.length; g++) {
    groupStarts[g] = steps.length;
    for (const target of groups[g]) {
      if (known(target)) continue;
      const stack: Node[] = [target];
      while (stack.length) {
        const node = stack[stack.length - 1];
        if (known(node)) {
          stack.pop();
          continue;
        }
        let ready = true;
        for (const input of node.inputs) {
          if (!known(input)) {
            stack.push(input);
            ready = false;
          }
        }
        if (!ready) continue;
        stack.pop();
        place(node);
        if (steps.length > maxSteps) return null;
      }
    }
  }
  groupStarts[groups.length] = steps.length;
  const externals: Node[] = [];
  const externalOf = new Map<Node, number>();
  const inputsAt = new Int32Array(steps.length + 1);
  const inputs: number[] = [];
  for (let k = 0; k < steps.length; k++) {
    inputsAt[k] = inputs.length;
    for (const input of steps[k].inputs) {
      const step = stepOf.get(input);
      if (step !== undefined) {
        inputs.push(step);
        continue;
      }
      let e = externalOf.get(input);
      if (e === undefined) {
        e = externals.length;
        externalOf.set(input, e);
        externals.push(input);
      }
      inputs.push(-1 - e);
    }
  }
  inputsAt[steps.length] = inputs.length;
  const types = steps.map(typeOf);
  const views = new Int32Array(steps.length).fill(-1);
  for (let k = 0; k < steps.length; k++) {
    const node = steps[k];
    const out = types[k];
    if (!node.op.viewOf || out === undefined) continue;
    const inputTypes = node.inputs.map(typeOf);
    if (inputTypes.every((t) => t !== undefined)) views[k] = node.op.viewOf(inputTypes as ConcreteType[], node.attrs, out);
  }
  return { steps, groupStarts, inputs: Int32Array.from(inputs), inputsAt, externals, views, types };
}
