// The subset's boundary: what is outside gets one information diagnostic per statement,
// at the construct that is outside, and what depends on it is skipped quietly with the
// reason on its binding; a syntax error is one information diagnostic where Python's caret
// points, and only the broken statements are left out; every diagnostic's range is
// exact; budgets bound loops, calls, nesting and hostile files.

import { describe, expect, it } from 'vitest';
import { analyzePython } from '../../engine/python/analysis';
import type { Analysis, AnalysisOptions } from '../../engine/analysis';
import { DEFAULT_BUDGETS } from '../../engine/budgets';
import { nodeOf } from './support';

/** Each diagnostic as `severity code 'the text it covers'`. */
function diags(a: Analysis, src: string): string[] {
  return a.diagnostics.map((d) => `${d.severity} ${d.code} '${src.slice(d.span.start, d.span.end)}'`);
}

/** Options that stop the analysis from the first module-level statement starting with
 *  `start` on (what the deadline passing there does), without timing. */
function stopAtStatement(text: string, start: string): AnalysisOptions {
  let reached = false;
  return {
    progress: (_phase, span) => (reached ||= text.startsWith(start, span.start)),
    cancelled: () => reached,
  };
}

function describeOf(a: Analysis, name: string): string | undefined {
  return a.lookup(name)?.describe;
}

describe('outside the subset', () => {
  const src = [
    'import os', // 1
    'import tensorflow as tf',
    'import matplotlib.pyplot as plt',
    'from keras.models import Sequential',
    'model = Sequential()', // 5: uses an unknown name: quiet
    'model.add(3)',
    'y = model.predict(4)',
    'x = tf.placeholder(tf.float32, [2])',
    'try:',
    '    z = x * 2',
    'except Exception:',
    '    pass',
    'w = z + 1',
    'class Net(tf.keras.Model):',
    '    pass',
    'n = Net()',
    'r = open("data.txt")',
    'opt = tf.train.Saver()',
    'step = opt.save(x)',
    'k = x * 3.0',
    '',
  ].join('\n');

  it('gives one information diagnostic per outside statement, at what is outside, and no errors', () => {
    const a = analyzePython(src);
    expect(diags(a, src)).toEqual([
      "information not-evaluated 'os'",
      "information not-evaluated 'matplotlib.pyplot as plt'",
      "information not-evaluated 'from keras.models import Sequential'",
      "information not-evaluated 'try:'",
      "information not-evaluated 'tf.keras.Model'",
      "information not-evaluated 'open'",
      "information not-evaluated 'Saver'",
    ]);
  });

  it('skips what depends on an unknown name quietly, and says why on its binding', () => {
    const a = analyzePython(src);
    expect(describeOf(a, 'model')).toBe("not evaluated: depends on `Sequential`, which is outside tgraph's subset (line 4)");
    expect(describeOf(a, 'y')).toBe("not evaluated: depends on `Sequential`, which is outside tgraph's subset (line 4)");
    expect(describeOf(a, 'w')).toBe("not evaluated: depends on `z`, which is outside tgraph's subset (line 9)");
    expect(describeOf(a, 'n')).toBe("not evaluated: depends on `Net`, which is outside tgraph's subset (line 14)");
    expect(describeOf(a, 'step')).toBe("not evaluated: depends on `opt`, which is outside tgraph's subset (line 18)");
    expect(a.python!.notEvaluated.map((n) => a.lines.positionAt(n.span.start).line + 1)).toEqual([
      1, 3, 4, 5, 6, 7, 9, 13, 14, 16, 17, 18, 19,
    ]);
    // What does not depend on them is evaluated.
    expect(a.lookup('k')?.value.kind).toBe('tensor');
  });

  it("leaves a line that is not Python out without a diagnostic, says why in Python's words, and makes its names unknown", () => {
    const text = 'import tensorflow as tf\nx = tf.constant(2.)\ny = x +* 3\nz = y + 1\nprint x\nw = x * 4\n';
    const a = analyzePython(text);
    // PYTHON.md: never a Python syntax complaint in a .py file (the user's tooling owns them).
    expect(diags(a, text)).toEqual([]);
    expect(a.python!.module.syntaxErrors.map((e) => text.slice(e.span.start, e.span.end))).toEqual(['*', 'print x']);
    expect(a.python!.notEvaluated.map((n) => n.refused)).toEqual([
      'SyntaxError: invalid syntax',
      undefined, // z: skipped for depending on y, not refused
      "SyntaxError: Missing parentheses in call to 'print'. Did you mean print(...)?",
    ]);
    expect(describeOf(a, 'y')).toBe('not evaluated: `y`, which is bound at line 3, a line that is not valid Python');
    expect(describeOf(a, 'z')).toBe('not evaluated: depends on `y`, which is bound at line 3, a line that is not valid Python');
    expect(a.valueOf(nodeOf(a.lookup('w')))?.data[0]).toBe(8);
  });

  it('says once, with the imports it assumed, when a script imports nothing', () => {
    const text = 'x = tf.placeholder(tf.float32, [None, 2])\ny = np.zeros(3)\nz = tf.reduce_sum(x)\n';
    const a = analyzePython(text);
    expect(diags(a, text)).toEqual(["information assumed-imports 'tf'"]);
    const withImport = analyzePython('import numpy as np\ny = np.zeros(3)\nz = tf.constant(1.)\n');
    expect(diags(withImport, 'import numpy as np\ny = np.zeros(3)\nz = tf.constant(1.)\n')).toEqual(["error name-error 'tf'"]);
  });

  it("makes a Python if on a tensor an error with TensorFlow's hint", () => {
    const text = 'import tensorflow as tf\nx = tf.placeholder(tf.float32)\nif x > 0:\n    y = 1\n';
    const a = analyzePython(text);
    expect(diags(a, text)).toEqual(["error type-error 'x > 0'"]);
    expect(a.diagnostics[0].message).toContain('tf.cond');
  });
});

describe('syntax errors the grammar recovers from', () => {
  // Each: the script, where Python's caret points (text covered: message), the names left
  // without a value, and a name evaluated after the error with its value. No diagnostic.
  const cases: [string, string, string[], string[], [string, number]][] = [
    ['two statements on one line with no separator', 'x = 1 y = 2\nz = 3\n', ["'y': SyntaxError: invalid syntax"], ['x', 'y'], ['z', 3]],
    [
      'the same inside a block',
      'if True:\n    a = 1 b = 2\n    c = 3\nd = 4\n',
      ["'b': SyntaxError: invalid syntax"],
      ['a', 'b'],
      ['c', 3],
    ],
    ['after a semicolon', 'a = 1; b = 2 c = 3\nd = 4\n', ["'c': SyntaxError: invalid syntax"], ['b', 'c'], ['a', 1]],
    ['an unmatched bracket', 'c = 5)\nd = 4\n', ["')': SyntaxError: unmatched ')'"], ['c'], ['d', 4]],
    ['a bracket never closed', 'd = 4\nc = (5 +\n', ["'(': SyntaxError: '(' was never closed"], ['c'], ['d', 4]],
    ['a missing comma', 'v = max(3 4)\nd = 4\n', ["'4': SyntaxError: invalid syntax"], ['v'], ['d', 4]],
    [
      'a statement indented unlike its block (which the grammar reads as part of it)',
      'a = 1\n    b = 2\nif a:\n    h = 1\n      i = 2\nd = 4\n',
      ["'b = 2': IndentationError: unexpected indent", "'i = 2': IndentationError: unexpected indent"],
      ['b', 'i'],
      ['h', 1],
    ],
    [
      'a dedent to no level seen',
      'if True:\n        c = 3\n    e = 5\nd = 4\n',
      ["'e = 5': IndentationError: unindent does not match any outer indentation level"],
      ['e'],
      ['c', 3],
    ],
    ['a broken def', 'def f(:\n    return 1\nd = 4\n', ["':': SyntaxError: invalid syntax"], ['f'], ['d', 4]],
  ];
  for (const [what, text, expected, unknown, [name, value]] of cases) {
    it(what, () => {
      const a = analyzePython(text);
      expect(
        a.python!.module.syntaxErrors.map((e) => `'${text.slice(e.span.start, e.span.end)}': ${e.error ?? 'SyntaxError'}: ${e.message}`),
      ).toEqual(expected);
      expect(a.diagnostics).toEqual([]);
      for (const n of unknown) expect(a.lookup(n)?.describe, n).toMatch(/not valid Python/);
      expect(a.valueOf(nodeOf(a.lookup(name)))?.data[0]).toBe(value);
    });
  }

  it('notes one error per broken statement, not one per error node', () => {
    const text = 'x = ((1 +* 2 )) ) ]\ny = 1\n';
    const a = analyzePython(text);
    expect(a.python!.module.syntaxErrors.length).toBe(1);
    expect(a.python!.module.syntaxErrors[0].span.start).toBeGreaterThan(0);
  });
});

describe('errors at their exact range', () => {
  const cases: [string, string, string][] = [
    [
      'import tensorflow as tf\nx = tf.placeholder(tf.float32, [None, 3])\ny = tf.matmul(x, tf.ones([2, 2]))\n',
      'shape-mismatch',
      'tf.ones([2, 2])',
    ],
    [
      'import tensorflow as tf\nx = tf.placeholder(tf.float32, [None, 3])\nsess = tf.Session()\nv = sess.run(x * 2)\n',
      'invalid-argument',
      'x * 2',
    ],
    [
      'import tensorflow as tf\nx = tf.placeholder(tf.float32, [None, 3])\nsess = tf.Session()\nv = sess.run(x, {x: [[1., 2.]]})\n',
      'value-error',
      '[[1., 2.]]',
    ],
    ['import tensorflow as tf\nw = tf.Variable(tf.ones([2]))\nsess = tf.Session()\nv = sess.run(w * 2)\n', 'failed-precondition', 'w * 2'],
    ['x = 1\ny = x + "a"\n', 'type-error', 'x + "a"'],
    ['y = undefined_name + 1\n', 'name-error', 'undefined_name'],
    ['a = [1, 2]\nb = a[5]\n', 'index-error', '5'],
    ['d = {"a": 1}\nb = d["b"]\n', 'key-error', '"b"'],
    ['import numpy as np\na = np.ones((2, 3)) + np.ones((4,))\n', 'shape-mismatch', 'np.ones((2, 3)) + np.ones((4,))'],
    ['def f(a, b):\n    return a\ny = f(1)\n', 'type-error', 'f(1)'],
    ['x = 1 / 0\n', 'zero-division', '0'],
    ['import tensorflow as tf\nx = tf.placeholder(tf.float32, [None, 3])\ny = tf.reduce_sum(x, axis=5)\n', 'bad-axis', '5'],
  ];
  for (const [text, code, covered] of cases) {
    it(`${code}: ${covered}`, () => {
      const a = analyzePython(text);
      const errors = a.diagnostics.filter((d) => d.severity === 'error');
      expect(errors.map((d) => `${d.code} '${text.slice(d.span.start, d.span.end)}'`)).toEqual([`${code} '${covered}'`]);
    });
  }

  it('points into a helper function, and names the call it came from', () => {
    const text = 'import tensorflow as tf\ndef layer(x, w):\n    return tf.matmul(x, w)\nh = layer(tf.ones([2, 3]), tf.ones([2, 2]))\n';
    const a = analyzePython(text);
    const [d] = a.diagnostics;
    expect(text.slice(d.span.start, d.span.end)).toBe('w');
    expect(d.related?.map((r) => text.slice(r.span.start, r.span.end))).toEqual(['layer(tf.ones([2, 3]), tf.ones([2, 2]))']);
  });
});

describe('budgets', () => {
  it('maxUnrolledIterations: loops in all, the setting named; the rest of the script goes on', () => {
    const text = 'total = 0\nfor i in range(50):\n    for j in range(50):\n        total += 1\nafter = 7\n';
    const small = analyzePython(text, { maxUnrolledIterations: 100 });
    expect(small.diagnostics.map((d) => `${d.code} ${text.slice(d.span.start, d.span.end)}`)).toEqual([
      'budget-iterations for j in range(50):',
    ]);
    expect(small.diagnostics[0].message).toContain('(raise tgraph.maxUnrolledIterations)');
    expect(small.lookup('after')?.value.kind).toBe('tensor');
    const enough = analyzePython(text);
    expect(enough.diagnostics).toEqual([]);
    expect(enough.valueOf(nodeOf(enough.lookup('total')))?.data[0]).toBe(2500);
    const forever = analyzePython('x = 0\nwhile True:\n    x += 1\ny = 1\n');
    expect(forever.diagnostics.map((d) => d.code)).toEqual(['budget-iterations']);
    expect(DEFAULT_BUDGETS.maxUnrolledIterations).toBe(10_000);
  });

  it('time running out at a later statement: the values before it are made, the ones it stops say why, one diagnostic', () => {
    const text = [
      'import tensorflow as tf',
      'a = tf.constant(3.0)',
      'b = a * 2',
      's = tf.constant(0.0)',
      'for i in range(5000):', // 5: the time runs out while this loop builds
      '    s = s + a',
      'c = b + 1',
    ].join('\n');
    const a = analyzePython(text, stopAtStatement(text, 'for'));
    expect(diags(a, text)).toEqual(["error budget-time 'for i in range(5000):'"]);
    expect(['a', 'b'].map((n) => a.valueOf(nodeOf(a.lookup(n)))?.data[0])).toEqual([3, 6]);
    for (const n of ['i', 's']) {
      expect(a.lookup(n)?.describe, n).toMatch(/^not evaluated: `[is]`, whose statement at line 5 failed$/);
    }
    expect(a.lookup('c')).toBeUndefined();
  });

  it('time running out in pure Python (a loop of ints, recursion): stopped there, with the setting named', () => {
    const loop = 'n = 0\nfor i in range(5000):\n    n += 1\nm = 2\n';
    const stopped = analyzePython(loop, stopAtStatement(loop, 'for'));
    expect(diags(stopped, loop)).toEqual(["error budget-time 'for i in range(5000):'"]);
    expect(stopped.diagnostics[0].message).toContain('(raise tgraph.evaluationTimeoutMs)');
    expect(stopped.lookup('m')).toBeUndefined();
    const recursion = 'def f(n):\n    return 0 if n == 0 else 1 + f(n - 1) + f(n - 1)\nk = f(12)\n';
    const deep = analyzePython(recursion, stopAtStatement(recursion, 'k ='));
    expect(diags(deep, recursion)).toEqual(["error budget-time 'f(n - 1)'"]);
    expect(deep.lookup('k')?.describe).toBe('not evaluated: `k`, whose statement at line 3 failed');
    const unhurried = analyzePython(recursion);
    expect(unhurried.valueOf(nodeOf(unhurried.lookup('k')))?.data[0]).toBe(4095);
  });

  it('a tensor whose run never came (the time ran out first) says so instead of "no value"', () => {
    const text = [
      'import tensorflow.compat.v1 as tf',
      'x = tf.placeholder(tf.float32, [2])',
      'y = x * 3',
      'n = 0',
      'for i in range(5000):',
      '    n += 1',
      'with tf.Session() as sess:',
      '    v = sess.run(y, {x: [1., 2.]})',
    ].join('\n');
    const a = analyzePython(text, stopAtStatement(text, 'for'));
    expect(a.diagnostics.map((d) => `${d.code} line ${a.lines.positionAt(d.span.start).line + 1}`)).toEqual(['budget-time line 5']);
    expect(a.lookup('y')?.describe).toBe(
      'no value: evaluation stopped at line 5 before it was made (evaluation stopped here: the time budget ran out; the rest of the file is not analysed (raise tgraph.evaluationTimeoutMs))',
    );
  });

  it('maxCallDepth: recursion is allowed, as Python, up to the budget', () => {
    const text = 'def fact(n):\n    return 1 if n <= 1 else n * fact(n - 1)\na = fact(20)\nb = fact(100)\n';
    const r = analyzePython(text);
    expect(r.lookup('a')?.describe).toContain('int 2432902008176640000 ');
    expect(r.diagnostics.map((d) => d.code)).toEqual(['too-deep']);
    expect(r.diagnostics[0].message).toContain('(raise tgraph.maxCallDepth)');
  });

  it('maxNestingDepth: a statement deeper than the budget is one diagnostic', () => {
    const deep = 'x = ' + '['.repeat(150) + '1' + ']'.repeat(150) + '\ny = 2\n';
    const r = analyzePython(deep, { maxNestingDepth: 100 });
    expect(r.diagnostics.map((d) => d.code)).toEqual(['nesting-too-deep']);
    expect(r.lookup('y')?.value.kind).toBe('tensor');
  });
});

describe('hostile Python', () => {
  it('a 100,000-deep nest of parentheses is not Python (as CPython says): left out quietly', () => {
    const text = 'x = ' + '('.repeat(100_000) + '1' + ')'.repeat(100_000) + '\ny = 2\n';
    // (a time budget that a loaded machine cannot run out of: this is about the nesting)
    const a = analyzePython(text, { evaluationTimeoutMs: 120_000 });
    expect(a.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(a.lookup('y')?.value.kind).toBe('tensor');
  }, 60_000);

  it('a 1 MB line: a list of numbers summed in Python; a line over maxLineLength is one diagnostic', () => {
    const numbers = (n: number) => Array.from({ length: n }, (_, i) => i).join(', ');
    const text = 'x = [' + numbers(138_000) + ']\ns = sum(x)\n';
    expect(text.length).toBeGreaterThan(990_000);
    expect(text.length).toBeLessThan(DEFAULT_BUDGETS.maxLineLength);
    // (a time budget that a loaded machine cannot run out of: this is about the length)
    const a = analyzePython(text, { evaluationTimeoutMs: 120_000 });
    expect(a.diagnostics).toEqual([]);
    expect(a.valueOf(nodeOf(a.lookup('s')))?.data[0]).toBe((138_000 * 137_999) / 2);
    const longer = 'x = [' + numbers(150_000) + ']\ny = 2\n';
    const b = analyzePython(longer, { evaluationTimeoutMs: 120_000 });
    expect(b.diagnostics.map((d) => `${d.code} ${d.span.start}`)).toEqual(['budget-line-length 0']);
    expect(b.lookup('y')?.value.kind).toBe('tensor');
  }, 60_000);

  it('numbers too big to compute, repetitions past the element budget: errors, not hangs', () => {
    const text = 'a = 2 ** 10 ** 9\nb = [0] * 10 ** 9\nc = "a" * 10 ** 10\nd = 10 ** 400 * 1.0\ne = 1\n';
    const a = analyzePython(text);
    expect(a.diagnostics.map((d) => d.code)).toEqual(['overflow', 'overflow', 'overflow', 'overflow']);
    expect(a.lookup('e')?.value.kind).toBe('tensor');
  });

  it('a page of garbage is not analysed past the time budget, and says where it stopped', () => {
    const text = 'import tensorflow as tf\n' + Array.from({ length: 20_000 }, () => ')]}{[(:=!@#$%^&*').join('\n') + '\nz = 2\n';
    const a = analyzePython(text, { evaluationTimeoutMs: 200 });
    expect(a.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const stopped = a.diagnostics.filter((d) => d.code === 'budget-time');
    expect(stopped.length).toBeLessThanOrEqual(1);
    if (stopped.length) expect(stopped[0].message).toContain('(raise tgraph.evaluationTimeoutMs)');
  }, 60_000);
});
