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
  /** Whether every step has its value type and is a view or has a kernel and a shape rule:
   *  then its steps can be run from slots (engine/planSlots.ts). */
  readonly runnable: boolean;
  /** Each step's node id (to place a plan's first steps again without reading their nodes). */
  readonly ids: Int32Array;
  /** The first step that is not runnable (`runnable` of a plan cut to its first steps), or
   *  the number of steps. */
  readonly runnableBefore: number;
  /** How many of the first steps were taken from a previous plan (`PlanPrefix`). */
  readonly keptSteps: number;
}

/** The first `groups` groups of `plan`, to be kept by the plan of a graph that kept their
 *  nodes (see `planEvaluation`). */
export interface PlanPrefix {
  readonly plan: EvaluationPlan;
  readonly groups: number;
}

/**
 * The plan of evaluating `groups` (each a binding's nodes, in order) when the nodes marked in
 * `recomputed` (by id: 1) have no value and every other node has one. The order is the one
 * `Evaluator.valueOf` follows for each target in turn (its stack walk: the inputs not known
 * yet pushed in order, the last one computed first), so that what a step reports (errors,
 * NaN warnings, the node that runs out of time) comes in the same order. `typeOf` gives a
 * node's value type (the inputs keep their shapes while the plan holds). Null when a walk
 * would pass `maxSteps` nodes.
 *
 * Everything a step needs is found when it is placed, in the one walk: its inputs (steps or
 * externals), its type and whether it is a view. A hundred thousand nodes lie scattered in
 * memory, and each walk over them costs their cache misses, whatever it does with them: a
 * feed edit after a structural edit makes its plan anew, and three walks (the order, the
 * inputs, the types) were a fifth of its time.
 *
 * `prefix`: a plan whose first groups are those of `groups` over the same nodes, marked alike
 * and of the same types (a structural edit kept the statements that made them, the feeds kept
 * their shapes): its steps are taken as they are, and the walk starts at the group after them.
 * The first feed edit after an edit near the end then walks only the nodes the edit made.
 */
export function planEvaluation(
  groups: readonly (readonly Node[])[],
  recomputed: Uint8Array,
  maxSteps: number,
  typeOf: (node: Node) => ConcreteType | undefined,
  prefix?: PlanPrefix,
): EvaluationPlan | null {
  const n = recomputed.length;
  let steps: Node[] = [];
  /** By id: the node's step, -1 before it has one. */
  const stepAt = new Int32Array(n).fill(-1);
  const groupStarts = new Int32Array(groups.length + 1);
  const placed = new PlacedSteps(typeOf);
  let firstGroup = 0;
  if (
    prefix !== undefined &&
    prefix.groups <= groups.length &&
    prefix.groups < prefix.plan.groupStarts.length &&
    keptPrefix(prefix, recomputed)
  ) {
    const kept = prefix.plan;
    const count = kept.groupStarts[prefix.groups];
    if (count > maxSteps) return null;
    steps = kept.steps.slice(0, count);
    const ids = kept.ids;
    for (let k = 0; k < count; k++) stepAt[ids[k]] = k;
    groupStarts.set(kept.groupStarts.subarray(0, prefix.groups));
    placed.resume(kept, count);
    firstGroup = prefix.groups;
  }
  const stack: Node[] = [];
  for (let g = firstGroup; g < groups.length; g++) {
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
        placed.place(node, steps, stepAt);
      }
    }
  }
  groupStarts[groups.length] = steps.length;
  return placed.plan(steps, groupStarts, firstGroup > 0 ? groupStarts[firstGroup] : 0);
}

/** `plan` after a structural edit that kept the nodes of its first `groups` groups: what the
 *  next plan may start from. A new object over the same arrays (what was derived from the
 *  whole plan, its slots and liveness counts, is not kept alive with it), its steps cut in
 *  place to those groups' (the nodes after them left the graph). `plan` is not run again. */
export function cutPlan(plan: EvaluationPlan, groups: number): EvaluationPlan {
  const count = plan.groupStarts[Math.min(groups, plan.groupStarts.length - 1)];
  (plan.steps as Node[]).length = count;
  return { ...plan };
}

/** Whether `prefix`'s steps can be kept under `recomputed`: each is still a node computed
 *  again (a check of what the caller knows, reading no node). */
function keptPrefix(prefix: PlanPrefix, recomputed: Uint8Array): boolean {
  const count = prefix.plan.groupStarts[prefix.groups];
  const ids = prefix.plan.ids;
  for (let k = 0; k < count; k++) if (ids[k] >= recomputed.length || recomputed[ids[k]] !== 1) return false;
  return true;
}

/** What `planEvaluation` learns of each step as it places it. */
class PlacedSteps {
  private inputs = new Int32Array(1024);
  private inputCount = 0;
  private inputsAt = new Int32Array(1024);
  private views = new Int32Array(1024);
  private readonly types: (ConcreteType | undefined)[] = [];
  private readonly externals: Node[] = [];
  private readonly externalOf = new NodeIndex();
  private ids = new Int32Array(1024);
  private runnableBefore = -1;
  /** A view step's input types, for its op's `viewOf` (which keeps nothing of them). */
  private readonly inputTypes: (ConcreteType | undefined)[] = [];

  constructor(private readonly typeOf: (node: Node) => ConcreteType | undefined) {}

  /** The first `count` steps of `kept`, placed as they were. */
  resume(kept: EvaluationPlan, count: number): void {
    this.inputCount = kept.inputsAt[count];
    this.inputs = grown(kept.inputs.subarray(0, this.inputCount), this.inputCount + 1024);
    this.inputsAt = grown(kept.inputsAt.subarray(0, count + 1), count + 1024);
    this.views = grown(kept.views.subarray(0, count), count + 1024);
    this.ids = grown(kept.ids.subarray(0, count), count + 1024);
    for (let k = 0; k < count; k++) this.types.push(kept.types[k]);
    if (kept.runnableBefore < count) this.runnableBefore = kept.runnableBefore;
    // Externals are numbered as the steps first read them: the first steps' are the first.
    let externals = 0;
    for (let i = 0; i < this.inputCount; i++) if (-this.inputs[i] > externals) externals = -this.inputs[i];
    for (let e = 0; e < externals; e++) {
      this.externalOf.set(kept.externals[e], e, this.externals);
      this.externals.push(kept.externals[e]);
    }
  }

  /** `node`, just made the last of `steps`: each of its inputs is an earlier step (placed
   *  before it) or an external. */
  place(node: Node, steps: readonly Node[], stepAt: Int32Array): void {
    const k = steps.length - 1;
    const nodeInputs = node.inputs;
    if (k + 2 > this.inputsAt.length) {
      this.inputsAt = grown(this.inputsAt, k + 2);
      this.views = grown(this.views, k + 1);
      this.ids = grown(this.ids, k + 1);
    }
    this.ids[k] = node.id;
    if (this.inputCount + nodeInputs.length > this.inputs.length) this.inputs = grown(this.inputs, this.inputCount + nodeInputs.length);
    this.inputsAt[k] = this.inputCount;
    const n = stepAt.length;
    for (let i = 0; i < nodeInputs.length; i++) {
      const input = nodeInputs[i];
      const step = input.id < n ? stepAt[input.id] : -1;
      if (step >= 0 && steps[step] === input) {
        this.inputs[this.inputCount++] = step;
        continue;
      }
      let e = this.externalOf.get(input, this.externals);
      if (e < 0) {
        e = this.externals.length;
        this.externalOf.set(input, e, this.externals);
        this.externals.push(input);
      }
      this.inputs[this.inputCount++] = -1 - e;
    }
    this.inputsAt[k + 1] = this.inputCount;
    const out = this.typeOf(node);
    this.types.push(out);
    const op = node.op;
    let view = -1;
    if (op.viewOf && out !== undefined) {
      const inputTypes = this.inputTypes;
      inputTypes.length = nodeInputs.length;
      let typed = true;
      for (let i = 0; i < nodeInputs.length && typed; i++) typed = (inputTypes[i] = this.typeOf(nodeInputs[i])) !== undefined;
      if (typed) view = op.viewOf(inputTypes as ConcreteType[], node.attrs, out);
    }
    this.views[k] = view;
    if (this.runnableBefore < 0 && (out === undefined || (view < 0 && (!op.kernel || !op.infer)))) this.runnableBefore = k;
  }

  plan(steps: readonly Node[], groupStarts: Int32Array, keptSteps: number): EvaluationPlan {
    const count = steps.length;
    return {
      steps,
      groupStarts,
      inputs: this.inputs.slice(0, this.inputCount),
      inputsAt: this.inputsAt.slice(0, count + 1),
      externals: this.externals,
      views: this.views.slice(0, count),
      types: this.types,
      runnable: this.runnableBefore < 0,
      ids: this.ids.slice(0, count),
      runnableBefore: this.runnableBefore < 0 ? count : this.runnableBefore,
      keptSteps,
    };
  }
}

/** `array` copied into one of at least `length` entries (doubling, so that growing to a
 *  hundred thousand steps copies each entry about twice). */
function grown(array: Int32Array, length: number): Int32Array<ArrayBuffer> {
  const bigger = new Int32Array(Math.max(2 * array.length, length));
  bigger.set(array);
  return bigger;
}

/** The nodes a plan computes again, by id (1), for `planEvaluation`: those of `dependents`
 *  (what depends on an edited feed, marked by id) that are not fed. */
export function recomputedMark(dependents: Uint8Array, feeds: ReadonlyMap<Node, unknown>): Uint8Array {
  const mark = dependents.slice();
  for (const fed of feeds.keys()) if (fed.id < mark.length) mark[fed.id] = 0;
  return mark;
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
