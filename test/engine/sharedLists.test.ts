// A list can hold the same list twice (`x1 = [x0, x0]`, then `x2 = [x1, x1]` ...): n such
// lines make a DAG whose tree has 2^n leaves. The analysis walks each distinct list once, so
// the cost is n, and the values are those of the tree.
import { describe, expect, it } from 'vitest';
import { analyze, forEachNode } from '../../engine/analysis';
import type { Node } from '../../engine/graph';
import { exportGraph } from '../../engine/export/graph';
import { runReport } from '../../engine/api/report';

function sharedLists(levels: number, extra = ''): string {
  const lines = ['x0 = constant(1.5)'];
  for (let i = 1; i <= levels; i++) lines.push(`x${i} = [x${i - 1}, x${i - 1}]`);
  return lines.join('\n') + '\n' + extra;
}

describe('lists that share lists', () => {
  it('visits each distinct list once, in order', () => {
    const a = analyze(sharedLists(12));
    const top = a.bindings.find((b) => b.name === 'x12')!;
    const seen: Node[] = [];
    forEachNode(top.value, (n) => seen.push(n));
    // Only x1 holds tensors (twice); every other list holds lists, each walked once.
    expect(seen.length).toBe(2);
    expect(seen[0]).toBe(seen[1]);
    expect(a.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('keeps the items in order when lists are not shared', () => {
    const a = analyze('a = constant(1.)\nb = constant(2.)\nc = constant(3.)\nl = [a, [b, [c, a]], b]\n');
    const labels: number[] = [];
    forEachNode(a.bindings.find((b) => b.name === 'l')!.value, (n) => labels.push(a.valueOf(n)!.data[0]));
    expect(labels).toEqual([1, 2, 3, 1, 2]);
  });

  it('computes with a deep shared list as with its tree', () => {
    const a = analyze(sharedLists(30, 'y = stack(x3)\nz = reduce_sum(y)\n'));
    const value = (name: string) => a.valueOf((a.bindings.find((b) => b.name === name)!.value as { node: Node }).node)!;
    expect(value('y').shape).toEqual([2, 2, 2]);
    expect(value('z').data[0]).toBe(12);
  });
});

describe('lists that flatten past the element budget', () => {
  const cases = ['y = stack(x30)', 'print(x30)', 'g = gradients(x30, x0)', 'check gradients(x30, x0)', 'z = x30 + 1.'];
  for (const statement of cases) {
    it(`\`${statement}\` is refused at the list, and the next statement is analysed`, () => {
      const text = sharedLists(30, `${statement}\nafter = constant(2.)\n`);
      const a = analyze(text);
      const errors = a.diagnostics.filter((d) => d.severity === 'error');
      expect(errors.map((d) => d.code)).toEqual(['budget-elements']);
      expect(errors[0].message).toContain('flattens to more than 10,000,000 items');
      const line = text.split('\n').indexOf(statement);
      expect(a.lines.positionAt(errors[0].span.start).line).toBe(line);
      const after = a.bindings.find((b) => b.name === 'after')!;
      expect(a.valueOf((after.value as { node: Node }).node)!.data[0]).toBe(2);
    });
  }

  it('open as graph names a shared list once', () => {
    const doc = exportGraph(analyze(sharedLists(40)));
    expect(JSON.stringify(doc).length).toBeLessThan(100_000);
  });
});

describe('tgraph run on a list that shares lists', () => {
  it('prints a bounded text and a valid JSON object', { timeout: 60_000 }, () => {
    const a = analyze(sharedLists(40));
    let text = '';
    runReport(a, 'f.tgraph', { json: false, maxBytes: 50_000_000 }, (chunk) => (text += chunk));
    // (each binding shows at most 10,000 of its 2^40 items, and the lists' headers)
    expect(text).toContain('x40: list of 2');
    expect(text.split('\n').filter((l) => l.startsWith('x40[')).length).toBeLessThan(20_000);
    let json = '';
    runReport(a, 'f.tgraph', { json: true, maxBytes: 50_000_000 }, (chunk) => (json += chunk));
    expect(json.length).toBeLessThan(60_000_000);
    expect(() => JSON.parse(json)).not.toThrow();
  });
});
