// What users' own scripts hit that CPython does otherwise (session 15): format specs with
// nested fields and `%*d`, widths past the element budget, ranges of big ints, messages.
// Every expected line is CPython 3.11's / NumPy 1.26's output, pasted from python3 on this
// machine.

import { describe, expect, it } from 'vitest';
import { analyzePython } from '../../engine/python/analysis';
import { describeDiagnostic, printed, py } from './support';

/** What `print(...)` of each expression writes, one line each. */
function prints(exprs: string[], setup = ''): string[] {
  const src = `import numpy as np\n${setup}\n${exprs.map((e) => `print(${e})`).join('\n')}\n`;
  return printed(py(src)).split('\n').slice(0, -1);
}

/** Each error diagnostic as `the text it covers: message`. */
function errors(src: string): string[] {
  const a = analyzePython(src);
  return a.diagnostics.filter((d) => d.severity === 'error').map((d) => describeDiagnostic(src, d));
}

describe('format specs', () => {
  it('evaluates nested replacement fields in f-strings and str.format, numbered as CPython numbers them', () => {
    expect(
      prints(
        [
          'f"[{1:>{5}}]", "[{:{}}]".format(3, 4), f"[{x:{w}.{p}f}]", "[{:{}.{}f}]".format(x, w, p)',
          '"[{0:{1}}]".format("ab", 6), "[{a:{b}}]".format(a=5, b=4), "[{:{fill}^{w}}]".format("x", fill="*", w=7)',
          'f"[{\'ab\':{\'>\'}{6}}]", f"[{x:{\'.2e\'}}]", "[{:{}}]".format(1, ""), "[{:{}{}}]".format(1, "<", 4)',
          '"{:,}".format(1234567), "{:_x}".format(2**40), "{:_b}".format(37), "{0[1]} {0[a]}".format({1: "one", "a": "A"})',
          '"{x.real}".format(x=3), "{!r:>6}".format("a"), "{{{}}}".format(7)',
        ],
        'x = 3.14159; w = 10; p = 3',
      ),
    ).toEqual([
      '[    1] [   3] [     3.142] [     3.142]',
      '[ab    ] [   5] [***x***]',
      '[    ab] [3.14e+00] [1] [1   ]',
      '1,234,567 100_0000_0000 10_0101 one A',
      "3    'a' {7}",
    ]);
  });

  it("takes %*d's width and %.*f's precision before the value, a negative width left-justifying", () => {
    expect(
      prints(
        ['"[%*d]" % (5, 3), "[%-*d]" % (5, 3), "[%.*f]" % (2, x), "[%*.*f]" % (9, 2, x)', '"[%*d]" % (-5, 3), "[%.*f]" % (-2, x)'],
        'x = 3.14159',
      ),
    ).toEqual(['[    3] [3    ] [3.14] [     3.14]', '[3    ] [3]']);
  });

  it('pads with str.center, ljust, rjust and zfill as CPython does (the odd space of center on the left for odd widths)', () => {
    expect(prints(['"a".center(4), "ab".center(5), "ab".center(5, "*"), "abc".center(6), "-5".zfill(4), "x".ljust(3, "-") + "|"'])).toEqual(
      [' a     ab  **ab*  abc   -005 x--|'],
    );
  });

  it('writes any precision exactly: past the 1,074 places a double has, zeros', () => {
    expect(prints(['len("{:.20000f}".format(1)), "{:.20000f}".format(0.1)[1070:1080]', '"{:.1100e}".format(0.1)[1090:1110]'])).toEqual([
      '20002 0000000000',
      '000000000000e-01',
    ]);
  });

  it("gives the element budget's diagnostic at the width that is over it (CPython allocates a gigabyte, or raises MemoryError)", () => {
    const src = [
      'a = f"{1:>{10**9}}"',
      'b = "%*d" % (10**9, 1)',
      'c = "{:{}}".format(1, 10**9)',
      "d = format(1, '1000000000')",
      'e = "x".center(10**9)',
      'g = f"{1:{10**20}}"',
      'h = "{:.1000000000f}".format(1.5)',
      'i = "{:>2000000000}".format("x")',
      'j = "[%*d]" % (2.0, 1)',
      '',
    ].join('\n');
    const over = (field: string) =>
      `OverflowError: a format ${field} of 1,000,000,000 makes a string over the 10,000,000-element budget (raise tgraph.maxElements)`;
    expect(errors(src)).toEqual([
      `{10**9}: ${over('width')}`,
      `(10**9, 1): ${over('width')}`,
      `10**9: ${over('width')}`,
      `'1000000000': ${over('width')}`,
      '10**9: OverflowError: a sequence of 1,000,000,000 items is over the 10,000,000-element budget (raise tgraph.maxElements)',
      '{10**20}: ValueError: Too many decimal digits in format string',
      `1.5: ${over('precision')}`,
      `"x": ${over('width').replace('1,000,000,000', '2,000,000,000')}`,
      '(2.0, 1): TypeError: * wants int',
    ]);
  });

  it("says str.format's own errors as CPython does", () => {
    expect(
      errors(
        [
          'a = "{".format(1)',
          'b = "}".format(1)',
          'c = "{0} {}".format(1, 2)',
          'd = "{} {}".format(1)',
          'e = "{x}".format(1)',
          'f = "{!x}".format(1)',
          'g = "{:{}".format(1, 2)',
          'h = "{:{:{}}}".format(1, 2, 3)',
          '',
        ].join('\n'),
      ).map((e) => e.slice(e.indexOf(': ') + 2)),
    ).toEqual([
      "ValueError: Single '{' encountered in format string",
      "ValueError: Single '}' encountered in format string",
      'ValueError: cannot switch from manual field specification to automatic field numbering',
      'IndexError: Replacement index 1 out of range for positional args tuple',
      "KeyError: 'x'",
      'ValueError: Unknown conversion specifier x',
      "ValueError: unmatched '{' in format spec",
      'ValueError: Max string recursion exceeded',
    ]);
  });
});
