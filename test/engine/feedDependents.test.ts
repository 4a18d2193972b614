// The dependents of a fed placeholder (engine/analysis/dependents.ts) are kept from one feed
// edit to the next and cut back with the graph: after any structural edit they must be the
// nodes a walk of the whole new graph finds.
import { describe, expect, it } from 'vitest';
import { analyze } from '../../engine/analysis';
import { FeedDependents } from '../../engine/analysis/dependents';
import { type Node, isNode } from '../../engine/graph';
import { generatedChainFile } from '../../bench/editorScenarios';

/** The nodes that depend on `source`, by a memoised recursion over inputs and attributes. */
function dependentsByWalk(nodes: readonly Node[], source: Node): Node[] {
  const memo = new Map<Node, boolean>();
  const depends = (n: Node): boolean => {
    if (n === source) return true;
    const known = memo.get(n);
    if (known !== undefined) return known;
    const inAttrs = (v: unknown): boolean =>
      typeof v === 'object' && v !== null && (Array.isArray(v) ? v.some(inAttrs) : isNode(v) && depends(v));
    const result = n.inputs.some(depends) || Object.values(n.attrs).some(inAttrs);
    memo.set(n, result);
    return result;
  };
  return nodes.filter(depends);
}

describe('the dependents of a fed placeholder', () => {
  const chain = generatedChainFile(120, 40);
  const edits = [
    chain.replace('h60 = tanh(h59 @ w0) + 0.01 * h59', 'h60 = 0.5 * tanh(h59 @ w0) + 0.01 * h59'),
    chain.replace('h60 = tanh(h59 @ w0) + 0.01 * h59', 'h60 = tanh(w0 @ w0)[0:1] + 0.01 * h59'),
    chain,
    chain.replace('h100 = tanh(h99 @ w0) + 0.01 * h99', 'h100 = reduce_sum(h99) + w0[0:1]'),
    chain.replace('h10 = tanh(h9 @ w0) + 0.01 * h9', 'h10 = tanh(h9 @ w0) + 0.02 * h9'),
  ];

  it('kept and cut back with the graph, are those a walk of the whole graph finds', () => {
    let analysis = analyze(chain);
    const x = (analysis.lookup('x')!.value as { node: Node }).node;
    const dependents = new FeedDependents();
    const first = dependents.of(analysis.graph.nodes, x, analysis.graph.nodes.length);
    expect(first).toEqual(dependentsByWalk(analysis.graph.nodes, x));
    for (const text of edits) {
      const before = analysis.graph.nodes.slice();
      analysis = analyze(text, { previous: analysis, cache: analysis.valueCache });
      const nodes = analysis.graph.nodes;
      expect((analysis.lookup('x')!.value as { node: Node }).node, text).toBe(x);
      let kept = 0;
      while (kept < nodes.length && kept < before.length && nodes[kept] === before[kept]) kept++;
      expect(kept, text).toBeGreaterThan(x.id);
      expect(kept, text).toBeLessThan(nodes.length);
      dependents.cutBack(nodes, kept);
      const found = dependents.of(nodes, x, nodes.length);
      expect(found.length, text).toBeGreaterThan(100);
      expect(found, text).toEqual(dependentsByWalk(nodes, x));
    }
  });

  it('found again from the start when the graph was cut back without being told', () => {
    let analysis = analyze(chain);
    const x = (analysis.lookup('x')!.value as { node: Node }).node;
    const dependents = new FeedDependents();
    dependents.of(analysis.graph.nodes, x, analysis.graph.nodes.length);
    analysis = analyze(edits[1], { previous: analysis, cache: analysis.valueCache });
    expect(dependents.of(analysis.graph.nodes, x, analysis.graph.nodes.length)).toEqual(dependentsByWalk(analysis.graph.nodes, x));
  });
});
