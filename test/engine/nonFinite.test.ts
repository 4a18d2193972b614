// The numerics watch names the first NaN or ±Inf a node made from finite inputs, whatever the
// array that holds the value (float32 data, float64 data, a float32 tensor held in float64
// while a check re-evaluates it).
import { describe, expect, it } from 'vitest';
import { analyze } from '../../engine/analysis';
import { nonFiniteMessage } from '../../engine/analysis/numerics';
import type { Node } from '../../engine/graph';
import type { Tensor, TypedData } from '../../engine/tensor';

function nodeOf(text: string, name: string): Node {
  const a = analyze(text);
  return (a.lookup(name)!.value as { node: Node }).node;
}

describe('nonFiniteMessage', () => {
  const node = nodeOf('x = constant([1., 2.])\ny = x * 2.\n', 'y');
  const finite: Tensor = { dtype: 'float32', shape: [2], data: new Float32Array([1, 2]) };
  const arrays: [string, (values: number[]) => TypedData][] = [
    ['float32 data', (v) => new Float32Array(v)],
    ['float64 data', (v) => new Float64Array(v)],
  ];
  for (const [what, make] of arrays) {
    for (const [bad, word] of [
      [NaN, 'NaN'],
      [Infinity, 'Inf'],
      [-Infinity, '-Inf'],
    ] as const) {
      it(`${what}: ${word} first, last, or alone`, () => {
        for (const [values, index] of [
          [[bad, 1, 2, 3, 4, 5, 6], 0],
          [[0, 1, 2, 3, 4, 5, bad], 6],
          [[bad], 0],
        ] as [number[], number][]) {
          const value: Tensor = { dtype: 'float32', shape: [values.length], data: make(values) };
          expect(nonFiniteMessage(node, value, [finite])).toBe(`multiply produced ${word} at index ${index} from finite inputs (in \`y\`)`);
          // Not from finite inputs: the input's own non-finite value is the cause.
          expect(nonFiniteMessage(node, value, [{ ...value, data: make(values) }])).toBeNull();
        }
      });
    }
    it(`${what}: the first of several, at every position within and after a block of four`, () => {
      for (let at = 0; at < 11; at++) {
        // (the largest finite values around it: their sum would overflow, each one times 0 does not)
        const values = Array.from({ length: 11 }, (_, i): number => (i % 2 === 0 ? 3.4e38 : -0));
        values[at] = NaN;
        if (at + 2 < 11) values[at + 2] = Infinity;
        const value: Tensor = { dtype: 'float32', shape: [11], data: make(values) };
        expect(nonFiniteMessage(node, value, [finite])).toBe(`multiply produced NaN at index ${at} from finite inputs (in \`y\`)`);
      }
    });
    it(`${what}: finite values (the largest, -0, subnormals) make no warning`, () => {
      const value: Tensor = { dtype: 'float32', shape: [5], data: make([3.4e38, -3.4e38, -0, 1e-45, 0]) };
      expect(nonFiniteMessage(node, value, [finite])).toBeNull();
    });
  }
});
