// Inputs written by hand that the fuzzer's grammar cannot make (issue 15, "inputs you do not see
// will be tried"): each found a crash, a lost line or work that grew as the square of the
// input. Work that grew as a square is tested by counting (the calls it makes) or by a size at
// which the square would take ten times the test's timeout while the linear work takes a
// fiftieth of it: no assertion depends on this machine's speed.

import { describe, expect, it, vi } from 'vitest';
import { analyze } from '../../engine/analysis';
import { analyzePython } from '../../engine/python/analysis';
import { LineIndex } from '../../engine/syntax/lineIndex';
import { coerceNumber, truncateToInt } from '../../engine/tensor';
import { nodeOf, printed } from '../python/support';

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

describe('Python source nested past what the grammar reads', () => {
  it('3,000 nested parentheses are one statement left out with one syntax error (each closing one was a note of its own)', () => {
    const text = `import numpy as np\nx = ${'('.repeat(3000)}1${')'.repeat(3000)}\nz = 2\n`;
    const a = analyzePython(text);
    expect(a.python!.notEvaluated.map((n) => [text.slice(n.span.start, n.span.start + 5), n.refused])).toEqual([
      ['x = (', 'SyntaxError: invalid syntax'],
    ]);
    expect(a.valueOf(nodeOf(a.lookup('z')))?.data[0]).toBe(2);
  });
});

describe("repr of containers nested past Python's recursion limit", () => {
  it("is CPython's RecursionError at its statement, and the hover's description elides the depth past it", () => {
    const text = [
      'deep = []',
      'for i in range(5000):',
      '    deep = [deep]',
      's = f"{deep}"',
      'r = repr(deep)',
      'ok = len(repr([[[1]]]))',
    ].join('\n');
    const a = analyzePython(text + '\n');
    // CPython 3.11: RecursionError: maximum recursion depth exceeded while getting the repr of an object
    const message = 'RecursionError: maximum recursion depth exceeded while getting the repr of an object';
    expect(a.diagnostics.map((d) => `${text.slice(d.span.start, d.span.end)}: ${d.message}`)).toEqual([
      "deep: `deep` is a list nested more than 100 deep: it is shown as Python's text, not item by item",
      `s = f"{deep}": ${message}`,
      `r = repr(deep): ${message}`,
    ]);
    expect(a.valueOf(nodeOf(a.lookup('ok')))?.data[0]).toBe(7);
  });
});

describe('Python string formatting with hostile widths', () => {
  it('a field is made as wide as asked within the element budget, and past it is the budget diagnostic at the argument that asked for it (it was cut to 10,000 characters with nothing said)', () => {
    const text = [
      'l = "{:>100000000}".format(1)',
      'm = f"{1:>100000000}"',
      'h = "x".ljust(10**9)',
      'p = "%*d" % (10**9, 1)',
      'q = format(1.5, ".100000000f")',
      'ok = len(f"{1:>1000000}")',
    ].join('\n');
    const a = analyzePython(text + '\n');
    const budget = 'over the 10,000,000-element budget (raise tgraph.maxElements)';
    expect(a.diagnostics.map((d) => `${text.slice(d.span.start, d.span.end)}: ${d.message}`)).toEqual([
      `1: OverflowError: a format width of 100,000,000 makes a string ${budget}`,
      `{1:>100000000}: OverflowError: a format width of 100,000,000 makes a string ${budget}`,
      `10**9: OverflowError: a sequence of 1,000,000,000 items is ${budget}`,
      `(10**9, 1): OverflowError: a format width of 1,000,000,000 makes a string ${budget}`,
      `".100000000f": OverflowError: a format precision of 100,000,000 makes a string ${budget}`,
    ]);
    expect(a.valueOf(nodeOf(a.lookup('ok')))?.data[0]).toBe(1_000_000);
  });

  it("'%*d' takes its width from the arguments before the value, as Python ('%0*d' % (20, 1) was '20')", () => {
    const a = analyzePython('print("%0*d" % (20, 1))\nprint("%*.*f" % (9, 2, 3.14159))\nprint("%-*s|" % (4, "a"))\n');
    expect(a.diagnostics).toEqual([]);
    // CPython 3.12's output.
    expect(printed(a)).toBe('00000000000000000001\n     3.14\na   |\n');
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

describe('numbers converted to an integer dtype at the limits: one definition, as TensorFlow', () => {
  it('coerceNumber is tf.cast (a C cast on x86: truncation, and the smallest integer for NaN, ±Inf and out of range)', () => {
    // It had saturated ±Inf, made NaN 0 and wrapped 3e9 to -1294967296.
    for (const v of [3e9, -3e9, 2 ** 31, NaN, Infinity, -Infinity, 2.9, -2.9, -0, 2147483647, -2147483648]) {
      expect(coerceNumber('int32', v), String(v)).toBe(truncateToInt(v, 'int32'));
      expect(coerceNumber('int64', v), String(v)).toBe(truncateToInt(v, 'int64'));
    }
    expect([3e9, NaN, Infinity, -Infinity, 2.9, -2.9].map((v) => coerceNumber('int32', v))).toEqual([
      -2147483648, -2147483648, -2147483648, -2147483648, 2, -2,
    ]);
    expect(coerceNumber('int64', 2 ** 63)).toBe(-(2 ** 63));
    expect([NaN, 0.5, 0].map((v) => coerceNumber('bool', v))).toEqual([0, 1, 0]);
  });

  it('tf.cast of floats past int32 gives what TensorFlow gives on x86', () => {
    const a = analyze('c = cast(constant([3e9, -3e9, nan, inf, -2.9, 2.9]), int32)\n');
    expect(a.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect([...a.valueOf(nodeOf(a.lookup('c')))!.data]).toEqual([-2147483648, -2147483648, -2147483648, -2147483648, -2, 2]);
  });

  it("range with an integer dtype refuses a Python number TensorFlow's convert_to_tensor refuses, at it", () => {
    const text = [
      'a = range(0.5, 3, dtype=int32)',
      'b = range(0, 3e9, 1e9, dtype=int32)',
      'c = range(0, 5, 1.5, dtype=int32)',
      'd = range(0, 5, 2, dtype=int32)',
      'e = range(0., 3., dtype=int32)',
      'f = range(0.5, 3)',
    ].join('\n');
    const a = analyze(text + '\n');
    expect(a.diagnostics.map((d) => `${text.slice(d.span.start, d.span.end)}: ${d.message}`)).toEqual([
      '0.5: cannot convert 0.5 to int32 (a float literal where an int32 tensor is expected)',
      '3e9: cannot convert 3000000000.0 to int32: it is outside the range of int32 (an int64 tensor holds it)',
      '1.5: cannot convert 1.5 to int32 (a float literal where an int32 tensor is expected)',
    ]);
    // Before, these were silently [0 1 2], an int32 overflow and [0 1 3 4].
    expect([...a.valueOf(nodeOf(a.lookup('d')))!.data]).toEqual([0, 2, 4]);
    expect([...a.valueOf(nodeOf(a.lookup('e')))!.data]).toEqual([0, 1, 2]);
    expect([...a.valueOf(nodeOf(a.lookup('f')))!.data]).toEqual([0.5, 1.5, 2.5]);
  });
});
