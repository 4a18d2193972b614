// `tgraph run` explains its gradients while it writes the report; the worker is told which one,
// so a run stopped there names that statement ("explaining a gradient of", at its line) rather
// than "printing the result of" line 1 (as a max pool's unbounded explanation walk once showed).

import { describe, expect, it } from 'vitest';
import { analyze } from '../../engine/analysis';
import { runReport } from '../../engine/api/report';

const source = `x = placeholder(float32, [2])
feed x = [1., 2.]
y = x * x
g = gradients(reduce_sum(y), x)
h = gradients(reduce_sum(y * 3.), x)
`;

describe('the report says which gradient it explains', () => {
  for (const json of [false, true]) {
    it(json ? 'run --json' : 'run', () => {
      const a = analyze(source);
      const told: (string | null)[] = [];
      runReport(
        a,
        'f.tgraph',
        { json, maxBytes: 1 << 20, onExplaining: (span) => told.push(span && source.slice(span.start, span.end)) },
        () => {},
      );
      // Each gradient's statement while it is explained, and null once it is done.
      expect(told.filter((t) => t !== null).map((t) => t!.split('(')[0])).toEqual(['gradients', 'gradients']);
      expect(told.length).toBe(4);
      expect(told[1]).toBeNull();
      expect(told[3]).toBeNull();
    });
  }
});
