// Inputs written by hand that the fuzzer's grammar cannot make (issue 15, "inputs you do not see
// will be tried"): each found a crash, a lost line or work that grew as the square of the
// input. Work that grew as a square is tested by counting (the calls it makes) or by a size at
// which the square would take ten times the test's timeout while the linear work takes a
// fiftieth of it: no assertion depends on this machine's speed.

import { describe, expect, it, vi } from 'vitest';
import { analyze } from '../../engine/analysis';
import { analyzePython } from '../../engine/python/analysis';
import { LineIndex } from '../../engine/syntax/lineIndex';
import { nodeOf } from '../python/support';

describe('Python source as editors save it', () => {
  it('a byte order mark before the first line is nothing, as CPython reads it (the first line was lost)', () => {
    const text = '\ufeffimport tensorflow as tf\r\nx = tf.constant(1.5)\r\ny = x * 2\r\n';
    const a = analyzePython(text);
    expect(a.diagnostics).toEqual([]);
    expect(a.valueOf(nodeOf(a.lookup('y')))?.data[0]).toBe(3);
    // Offsets are the text's own: the binding of y covers `y`.
    const y = a.lookup('y')!;
    expect(text.slice(y.span.start, y.span.end)).toBe('y');
  });
});

describe('work that grew as the square of the input', () => {
  it("each line that is not Python finds Python's words for it by binary search, not a scan of every error", () => {
    const lines = 2000;
    const text = 'import tensorflow as tf\n' + 'x = 1 y = 2\n'.repeat(lines) + 'z = tf.constant(2.)\n';
    const positionAt = vi.spyOn(LineIndex.prototype, 'positionAt');
    try {
      const a = analyzePython(text, { evaluationTimeoutMs: 600_000 });
      // A scan looked up the line of every error for each broken line: 2000² calls.
      expect(positionAt.mock.calls.length).toBeLessThan(50 * lines);
      expect(a.python!.notEvaluated).toHaveLength(2 * lines);
      expect(a.python!.notEvaluated[2 * lines - 1].refused).toBe('SyntaxError: invalid syntax');
      expect(a.valueOf(nodeOf(a.lookup('z')))?.data[0]).toBe(2);
    } finally {
      positionAt.mockRestore();
    }
  });

  it('a def of 200,000 parameters finds its repeated one in one pass (a scan per parameter: 6 s for 20,000)', () => {
    const params = Array.from({ length: 200_000 }, (_, i) => `a${i}`);
    const text = `def f(${[...params, 'a7'].join(',\n')}) = a0\ny = 2.\n`;
    // Linear, this takes about a second here; the scan would take ten minutes.
    const a = analyze(text, { evaluationTimeoutMs: 600_000 });
    expect(a.diagnostics.map((d) => `${d.code} ${text.slice(d.span.start, d.span.end)} ${d.message}`)).toEqual([
      'double-binding a7 parameter `a7` appears twice',
    ]);
    expect(a.diagnostics[0].span.start).toBe(text.lastIndexOf('a7'));
    expect(a.valueOf(nodeOf(a.lookup('y')))?.data[0]).toBe(2);
  }, 60_000);
});

describe('pure Python work reads the clock', () => {
  it('tolist() of a long array stops at its call when the time runs out (ten million ints took 18 s, past the grace)', () => {
    const text = 'import numpy as np\na = np.arange(100000)\nb = a.tolist()\nc = 1\n';
    // The budget runs out as the statement starts (what the deadline passing there does),
    // without timing: only a look at the clock inside tolist() can notice it.
    let reached = false;
    const a = analyzePython(text, {
      progress: (_phase, span) => (reached ||= text.startsWith('b =', span.start)),
      cancelled: () => reached,
    });
    const stops = a.diagnostics.filter((d) => d.code === 'budget-time');
    expect(stops).toHaveLength(1);
    expect(text.slice(stops[0].span.start, stops[0].span.end)).toBe('a.tolist()');
  });
});
