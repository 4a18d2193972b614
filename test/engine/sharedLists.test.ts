// A list can hold the same list twice (`x1 = [x0, x0]`, then `x2 = [x1, x1]` ...): n such
// lines make a DAG whose tree has 2^n leaves. The analysis walks each distinct list once, so
// the cost is n, and the values are those of the tree.
import { describe, expect, it } from 'vitest';
import { analyze, forEachNode } from '../../engine/analysis';
import type { Node } from '../../engine/graph';

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
