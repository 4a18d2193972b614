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
  const maker = new PlanMaker(groups, recomputed, maxSteps);
  maker.advance(() => false, typeOf);
  return maker.plan!;
}

/** The nodes a plan computes again, by id (1), for `planEvaluation`: those of `dependents`
 *  (what depends on an edited feed, marked by id) that are not fed. */
export function recomputedMark(dependents: Uint8Array, feeds: ReadonlyMap<Node, unknown>): Uint8Array {
  const mark = dependents.slice();
  for (const fed of feeds.keys()) if (fed.id < mark.length) mark[fed.id] = 0;
  return mark;
}

/** Node visits (or steps) between two looks at `advance`'s `stop`. */
const SLICE_VISITS = 2048;

const WALK = 0;
const INPUTS = 1;
const TYPES = 2;
const DONE = 3;

/**
 * `planEvaluation` a slice at a time, for making a plan while nothing waits (a structural
 * edit's analysis is published and the next edit may be a feed's): `advance` goes on until
 * `stop` says to leave it, and takes up where it was on the next call. Linear in the steps
 * and their inputs: by-id arrays, one stack for every target, the inputs counted before
 * they are stored.
 */
export class PlanMaker {
  /** The plan once made (null: past `maxSteps`); undefined until then. */
  plan: EvaluationPlan | null | undefined = undefined;
  private phase = WALK;
  private readonly steps: Node[] = [];
  /** By id: the node's step, -1 before it has one. */
  private readonly stepAt: Int32Array;
  private readonly groupStarts: Int32Array;
  private readonly stack: Node[] = [];
  private group = 0;
  private target = 0;
  /** The next step of the phase after the walk. */
  private k = 0;
  private inputs = new Int32Array(0);
  private inputsAt = new Int32Array(0);
  private readonly externals: Node[] = [];
  private readonly externalOf = new NodeIndex();
  private types: (ConcreteType | undefined)[] = [];
  private views = new Int32Array(0);

  constructor(
    private readonly groups: readonly (readonly Node[])[],
    /** By id: 1 for a node computed again (not fed). */
    private readonly recomputed: Uint8Array,
    private readonly maxSteps: number,
  ) {
    this.stepAt = new Int32Array(recomputed.length).fill(-1);
    this.groupStarts = new Int32Array(groups.length + 1);
  }

  /** Makes the plan on until `stop` (asked every SLICE_VISITS visits) says to leave it: true
   *  once `plan` is made. `typeOf` as `planEvaluation`'s, asked only once the walk is done. */
  advance(stop: () => boolean, typeOf: (node: Node) => ConcreteType | undefined): boolean {
    if (this.phase === WALK) this.walk(stop);
    if (this.phase === INPUTS) this.readInputs(stop);
    if (this.phase === TYPES) this.readTypes(stop, typeOf);
    return this.phase === DONE;
  }

  private walk(stop: () => boolean): void {
    const { groups, recomputed, stepAt, steps, stack, groupStarts } = this;
    const n = recomputed.length;
    let visits = 0;
    for (; this.group < groups.length; this.group++, this.target = 0) {
      const targets = groups[this.group];
      if (this.target === 0 && stack.length === 0) groupStarts[this.group] = steps.length;
      for (; this.target < targets.length; this.target++) {
        if (stack.length === 0) {
          const id = targets[this.target].id;
          if (id >= n || recomputed[id] !== 1 || stepAt[id] >= 0) continue;
          stack.push(targets[this.target]);
        }
        while (stack.length > 0) {
          if (++visits === SLICE_VISITS) {
            visits = 0;
            if (stop()) return;
          }
          const node = stack[stack.length - 1];
          if (stepAt[node.id] >= 0) {
            stack.pop();
            continue;
          }
          let ready = true;
          const nodeInputs = node.inputs;
          for (let i = 0; i < nodeInputs.length; i++) {
            const id = nodeInputs[i].id;
            if (id < n && recomputed[id] === 1 && stepAt[id] < 0) {
              stack.push(nodeInputs[i]);
              ready = false;
            }
          }
          if (!ready) continue;
          stack.pop();
          stepAt[node.id] = steps.length;
          steps.push(node);
          if (steps.length > this.maxSteps) {
            this.phase = DONE;
            this.plan = null;
            return;
          }
        }
      }
    }
    groupStarts[groups.length] = steps.length;
    let count = 0;
    for (let k = 0; k < steps.length; k++) count += steps[k].inputs.length;
    this.inputs = new Int32Array(count);
    this.inputsAt = new Int32Array(steps.length + 1);
    this.phase = INPUTS;
  }

  private readInputs(stop: () => boolean): void {
    const { steps, stepAt, inputs, inputsAt, externals, externalOf } = this;
    const n = stepAt.length;
    let at = inputsAt[this.k];
    for (; this.k < steps.length; this.k++) {
      inputsAt[this.k] = at; // (first: where a later call takes up)
      if (this.k % SLICE_VISITS === 0 && this.k > 0 && stop()) return;
      const stepInputs = steps[this.k].inputs;
      for (let i = 0; i < stepInputs.length; i++) {
        const input = stepInputs[i];
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
    this.k = 0;
    this.types = new Array<ConcreteType | undefined>(steps.length);
    this.views = new Int32Array(steps.length).fill(-1);
    this.phase = TYPES;
  }

  private readTypes(stop: () => boolean, typeOf: (node: Node) => ConcreteType | undefined): void {
    const { steps, types, views } = this;
    for (; this.k < steps.length; this.k++) {
      if (this.k % SLICE_VISITS === 0 && this.k > 0 && stop()) return;
      const node = steps[this.k];
      const out = typeOf(node);
      types[this.k] = out;
      if (!node.op.viewOf || out === undefined) continue;
      const inputTypes = node.inputs.map(typeOf);
      if (inputTypes.every((t) => t !== undefined)) views[this.k] = node.op.viewOf(inputTypes as ConcreteType[], node.attrs, out);
    }
    const { groupStarts, inputs, inputsAt, externals } = this;
    this.plan = { steps, groupStarts, inputs, inputsAt, externals, views, types };
    this.phase = DONE;
  }
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
