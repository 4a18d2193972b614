// The feed plans of one analyzer (engine/plan.ts): the plan of evaluating again what depends
// on a placeholder, for its feed edits. A plan holds while the graph and the bindings are
// kept, so the first feed edit after a structural edit makes it: a walk over every dependent
// (a deep model's hundred thousand nodes), the larger part of that edit. So it is also made
// ahead, a slice at a time while the worker has nothing to do (`prepare`), for the
// placeholder fed last (or the first one fed); a feed edit takes it as far as it is made and
// finishes it. A structural edit forgets both.

import type { Node } from '../graph';
import type { Evaluator } from '../evaluate';
import type { ConcreteType } from '../ops/registry';
import { type EvaluationPlan, PlanMaker, recomputedMark } from '../plan';
import type { Binding } from './types';
import type { FeedDependents } from './dependents';
import { forEachNode } from './analyzer';

/** What a plan was made for: it holds for a feed edit of `placeholder` on a graph of `nodes`
 *  nodes (the last one `last`) and `bindings` bindings. */
interface Made {
  placeholder: Node;
  bindings: number;
  nodes: number;
  last: Node | undefined;
}

export class FeedPlans {
  /** The plan made by a feed edit, reused by the next ones. */
  private made: (Made & { plan: EvaluationPlan | null }) | null = null;
  /** The plan being made ahead. */
  private ahead: (Made & { maker: PlanMaker; typeOf: (node: Node) => ConcreteType | undefined }) | null = null;

  /** The graph was cut back or the bindings changed: no plan holds. */
  forget(): void {
    this.made = null;
    this.ahead = null;
  }

  /** The plan of evaluating again what depends on `placeholder` after its feed edit, the
   *  graph's first `nodes` nodes kept (`evaluator` took them over, computing again those
   *  that depend on it). Made now unless a previous edit made it or it was made ahead (as far
   *  as it was: the rest now, until `stop`; stopped, null, and it is taken up next time). */
  planFor(
    placeholder: Node,
    bindings: readonly Binding[],
    graph: readonly Node[],
    nodes: number,
    evaluator: Evaluator,
    stop: () => boolean,
  ): EvaluationPlan | null {
    const made = this.made;
    if (made !== null && holds(made, placeholder, bindings, graph, nodes)) return made.plan;
    const ahead = this.ahead;
    let plan: EvaluationPlan | null;
    if (ahead !== null && holds(ahead, placeholder, bindings, graph, nodes)) {
      if (!ahead.maker.advance(stop, evaluator.planTypeOf)) return null;
      plan = ahead.maker.plan!;
    } else plan = evaluator.planRecomputation(groupsOf(bindings));
    this.ahead = null;
    this.made = { placeholder, bindings: bindings.length, nodes, last: graph[nodes - 1], plan };
    return plan;
  }

  /** Makes ahead, until `stop`, the plan of a feed edit of `placeholder` on the graph as it
   *  is: true once it is made (or one made by a feed edit holds). */
  prepare(
    placeholder: Node,
    bindings: readonly Binding[],
    graph: readonly Node[],
    dependents: FeedDependents,
    feeds: ReadonlyMap<Node, unknown>,
    evaluator: Evaluator,
    stop: () => boolean,
  ): boolean {
    const nodes = graph.length;
    if (this.made !== null && holds(this.made, placeholder, bindings, graph, nodes)) return true;
    let ahead = this.ahead;
    if (ahead === null || !holds(ahead, placeholder, bindings, graph, nodes)) {
      // What the feed edit's evaluator computes again (`Evaluator` takeOver's `except`).
      const dependent = new Uint8Array(nodes);
      for (const node of dependents.of(graph, placeholder, nodes)) if (node.id < nodes) dependent[node.id] = 1;
      const maker = new PlanMaker(groupsOf(bindings), recomputedMark(dependent, feeds), Infinity);
      // The types as that evaluator has them: its values of the nodes computed again are gone.
      const typeOf = evaluator.planTypeOfBeside(dependent);
      ahead = { placeholder, bindings: bindings.length, nodes, last: graph[nodes - 1], maker, typeOf };
      this.ahead = ahead;
    }
    return ahead.maker.advance(stop, ahead.typeOf);
  }
}

function holds(made: Made, placeholder: Node, bindings: readonly Binding[], graph: readonly Node[], nodes: number): boolean {
  return made.placeholder === placeholder && made.bindings === bindings.length && made.nodes === nodes && made.last === graph[nodes - 1];
}

/** Each binding's nodes, in order: the targets of a plan's groups. */
function groupsOf(bindings: readonly Binding[]): Node[][] {
  return bindings.map((binding) => {
    const nodes: Node[] = [];
    forEachNode(binding.value, (n) => nodes.push(n));
    return nodes;
  });
}
