// What an edit near the end of a deep model costs, counted: the chain file of the editor
// bench (1,000 layers, a gradient every 50), edited in its last lines. The analysis takes the
// statements before the edit over (their nodes, values and shared gradient nodes) and builds,
// evaluates and keys only what the edited statements make.

import { describe, expect, it } from 'vitest';
import { analyze, analysisReuse } from '../../engine/analysis';
import { generatedChainFile } from '../../bench/editorScenarios';

describe('an edit near the end of the chain file', () => {
  const text = generatedChainFile(1000, 50);

  it('computes only the edited statement’s values and keeps every statement before it', () => {
    const previous = analyze(text);
    const edited = text.replace(/loss = reduce_sum\((h\d+) \* 1\.5\)/, 'loss = reduce_sum($1 * 2.5)');
    const a = analyze(edited, { previous, cache: previous.valueCache });
    expect(analysisReuse(a)?.keptStatements).toBe(a.program.statements.length - 1);
    // reduce_sum(h1000 * 2.5): the constant, the product and the sum.
    expect(a.stats.computed).toBeLessThanOrEqual(3);
    expect(a.graph.nodes.length).toBe(analyze(edited).graph.nodes.length);
  }, 120_000);

  it('rebuilds a gradient at the end sharing the kept layers’ nodes, as a full analysis does', () => {
    // The last statement takes a gradient through the whole chain: its rule's nodes built
    // from forward nodes alone (1 - tanh² of each layer) are those the earlier gradients
    // built, kept with their statements; those the previous version of that statement built
    // are rolled back and must not be found again.
    const withGradient = (scale: string) => `${text}gl = gradients(reduce_sum(h1000 * ${scale}), w0)\n`;
    let previous = analyze(withGradient('1.5'));
    for (const scale of ['2.5', '3.5', '1.5']) {
      const a = analyze(withGradient(scale), { previous, cache: previous.valueCache });
      const full = analyze(withGradient(scale));
      expect(analysisReuse(a)?.keptStatements).toBe(a.program.statements.length - 1);
      expect(a.graph.nodes.length).toBe(full.graph.nodes.length);
      const gradientOf = (x: typeof a) => {
        const v = x.lookup('gl')!.value;
        const item = v.kind === 'list' ? v.items[0] : v;
        if (item.kind !== 'tensor') throw new Error('gl is not a gradient');
        return x.valueOf(item.node)!.data;
      };
      expect(Array.from(gradientOf(a))).toEqual(Array.from(gradientOf(full)));
      previous = a;
    }
  }, 240_000);
});
