// What users' own scripts hit that CPython does otherwise (session 15): format specs with
// nested fields and `%*d`, widths past the element budget, ranges of big ints, messages.
// Every expected line is CPython 3.11's / NumPy 1.26's output, pasted from python3 on this
// machine.

import { describe, expect, it } from 'vitest';
import type { Analysis } from '../../engine/analysis';
import { analyzePython } from '../../engine/python/analysis';
import { PYTHON_ORDERING } from '../../engine/python/builtins';
import { withClockJumpingFrom } from '../support/clock';
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

  it("writes #'s 0x/0o/0b prefixes, pads '=' between the sign and the digits, formats a bool with a spec as its int, and 'c' as a character", () => {
    expect(
      prints([
        '"{:#010x}|{:#X}|{:#o}|{:#b}|{:#x}".format(255, 255, 8, 5, -255)',
        '"%#x %#o %#X" % (255, 8, 255)',
        '"{:=+8d}|{:=8.2f}|{:*=+9}".format(42, -3.14159, 7)',
        '"{:c}".format(65), "{:>5s}|".format("ab"), repr("{:5}".format(True)), "{}".format(True), "{:d}".format(True), "{:08.3f}".format(-3.14159)',
      ]),
    ).toEqual(['0x000000ff|0XFF|0o10|0b101|-0xff', '0xff 0o10 0XFF', '+     42|-   3.14|+*******7', "A    ab| '    1' True 1 -003.142"]);
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

describe('range', () => {
  it('is exact past 2**53, and indexes, slices, searches and compares without listing its items', () => {
    expect(
      prints(
        [
          'r[-1], r[1], 2**60+3 in r, 2**60+4 in r, list(reversed(r)), len(r)',
          'r, repr(range(5)), range(1,5,2), str(range(-3, 0))',
          'range(0,10,2)[1:4], range(10)[::-1], range(10)[::-3], range(10)[100:], range(10)[-100:3], range(5)[::-1][1:]',
          'range(3) == range(0,3), range(0) == range(2,1), range(0,3,2) == range(0,4,2), range(1) == range(1, 2, 5)',
          'r.start, r.stop, r.step, r.index(2**60+6), r.count(2**60+6), r.count(5)',
          'big[10**19], 10**19 in big, 2.0 in range(3), 2.5 in range(3), True in range(2), big[::10**19], big[-1]',
          'len(range(2**62)), range(10**20)[2**70:][:3]',
        ],
        'r = range(2**60, 2**60+9, 3)\nbig = range(10**20)',
      ),
    ).toEqual([
      '1152921504606846982 1152921504606846979 True False [1152921504606846982, 1152921504606846979, 1152921504606846976] 3',
      'range(1152921504606846976, 1152921504606846985, 3) range(0, 5) range(1, 5, 2) range(-3, 0)',
      'range(2, 8, 2) range(9, -1, -1) range(9, -1, -3) range(10, 10) range(0, 3) range(3, -1, -1)',
      'True True True False',
      '1152921504606846976 1152921504606846985 3 2 1 0',
      '10000000000000000000 True True False True range(0, 100000000000000000000, 10000000000000000000) 99999999999999999999',
      '4611686018427387904 range(100000000000000000000, 100000000000000000000)',
    ]);
  });

  it("raises CPython's errors at the index", () => {
    expect(
      errors(
        [
          'a = len(range(10**20))',
          'b = range(5)[10]',
          'c = range(5)["a"]',
          'd = range(5).index(7)',
          'e = range(5)[::0]',
          'f = range(5)[1.5:]',
          '',
        ].join('\n'),
      ),
    ).toEqual([
      'range(10**20): OverflowError: Python int too large to convert to C ssize_t',
      '10: IndexError: range object index out of range',
      '"a": TypeError: range indices must be integers or slices, not str',
      '7: ValueError: 7 is not in range',
      '::0: ValueError: slice step cannot be zero',
      '1.5:: TypeError: slice indices must be integers or None or have an __index__ method',
    ]);
  });
});

describe("CPython's, NumPy's and TensorFlow's own messages", () => {
  it('says what NumPy 2.4 says of a dtype that is not one, and leaves the ones it has but tgraph does not outside the subset', () => {
    const src = [
      'import numpy as np',
      'a = np.zeros(3, dtype=object)',
      'b = np.zeros(3, dtype=len)',
      "c = np.zeros(3, dtype='foo')",
      "d = np.zeros(3, dtype='uint8')",
      'e = np.random.randint(0, 3, size=2, dtype=3)',
      '',
    ].join('\n');
    const a = analyzePython(src);
    expect(a.diagnostics.map((d) => `${d.severity} ${describeDiagnostic(src, d)}`)).toEqual([
      "information object: not evaluated: arrays of dtype=object are outside tgraph's subset (float32, float64, int32, int64, bool)",
      "error len: TypeError: Cannot interpret '<built-in function len>' as a data type",
      "error 'foo': TypeError: data type 'foo' not understood",
      "information 'uint8': not evaluated: the dtype 'uint8' is outside tgraph's subset (float32, float64, int32, int64, bool)",
      "error 3: TypeError: Cannot interpret '3' as a data type",
    ]);
  });

  it('has x.__class__ as type(x)', () => {
    expect(prints(['(1).__class__, ((1.5).__class__, "s".__class__, [].__class__, np.float32(1).__class__)'])).toEqual([
      "<class 'int'> (<class 'float'>, <class 'str'>, <class 'list'>, <class 'numpy.float32'>)",
    ]);
  });

  it("makes a Python int float(int) where it meets a float array, and says float's OverflowError past the doubles", () => {
    expect(prints(['np.ones(3) * 2**63, np.float64(2**70)'])).toEqual([
      '[9.22337204e+18 9.22337204e+18 9.22337204e+18] 1.1805916207174113e+21',
    ]);
    expect(
      errors(
        [
          'import numpy as np',
          'import tensorflow as tf',
          'b = np.ones(3) * 10**400',
          'd = np.float64(10**400)',
          'e = tf.constant(10**400)',
          'f = tf.constant([1, 10**400])',
          '',
        ].join('\n'),
      ),
    ).toEqual([
      '10**400: OverflowError: int too large to convert to float',
      '10**400: OverflowError: int too large to convert to float',
      "10**400: ValueError: Can't convert Python sequence with out-of-range integer to Tensor.",
      "[1, 10**400]: ValueError: Can't convert Python sequence with out-of-range integer to Tensor.",
    ]);
  });
});

describe('sorted, list.sort, min and max', () => {
  it('keep equal items in their order with reverse=True, as CPython 3.11', () => {
    expect(
      prints([
        "sorted([(1, 'a'), (0, 'z'), (1, 'b')], key=lambda t: t[0], reverse=True), max([(1, 'a'), (1, 'b')], key=lambda t: t[0]), min([3, 1, 1.0])",
        'sorted([1, 1.0, True], reverse=True), sorted([2, 1.0, 1, 2.0], reverse=True)',
      ]),
    ).toEqual(["[(1, 'a'), (1, 'b'), (0, 'z')] (1, 'a') 1", '[1, 1.0, True] [2, 2.0, 1.0, 1]']);
  });

  // Python's comparisons build no graph node: the sort itself asks the interpreter's clock.
  it.each([
    ['sorted(a)', 'sort'],
    ['a.sort()', 'sort'],
    ['sorted(a, reverse=True)', 'sort'],
    ['max(a)', 'extreme'],
  ] as const)('%s of 200,000 floats stops at the call when the time budget runs out', (call, name) => {
    const src = `a = [((i * 7919) % 200003) / 7.0 for i in range(200000)]\ny = ${call}\n`;
    let a: Analysis | undefined;
    withClockJumpingFrom(PYTHON_ORDERING, name, () => (a = analyzePython(src, { maxUnrolledIterations: 1_000_000 })));
    expect(a!.diagnostics.map((d) => `${d.code} ${describeDiagnostic(src, d)}`)).toEqual([
      `budget-time ${call}: evaluation stopped here: the time budget ran out; the rest of the file is not analysed (raise tgraph.evaluationTimeoutMs)`,
    ]);
  });
});

describe('int(text, base)', () => {
  it('reads any base from 2 to 36, or 0 by its prefix, as CPython 3.11 (the base was ignored: int("12", 3) was 12)', () => {
    expect(
      prints([
        'int("12", 3), int("0x1f", 16), int("z", 36), int("ff", base=16), int(" -0b1_01 ", 0), int("0o17", 0), int("000", 0), int("1_000"), int("  42\\n")',
        'int("9" * 4300) % 97, int("f" * 5000, 16) % 97, int("+7", 8)',
      ]),
    ).toEqual(['5 31 35 255 -5 15 0 1000 42', '3 34 7']);
  });

  it("says CPython's errors, the 4,300-digit limit on decimal text included", () => {
    expect(
      errors(
        ['a = int("9" * 4301)', 'b = int("010", 0)', 'c = int("12", 37)', 'd = int(12, 10)', 'e = int("1__0")', 'f = int("8", 8)', ''].join(
          '\n',
        ),
      ),
    ).toEqual([
      '"9" * 4301: ValueError: Exceeds the limit (4300 digits) for integer string conversion: value has 4301 digits; use sys.set_int_max_str_digits() to increase the limit',
      `"010": ValueError: invalid literal for int() with base 0: '010'`,
      '37: ValueError: int() base must be >= 2 and <= 36, or 0',
      "12: TypeError: int() can't convert non-string with explicit base",
      `"1__0": ValueError: invalid literal for int() with base 10: '1__0'`,
      `"8": ValueError: invalid literal for int() with base 8: '8'`,
    ]);
  });
});

describe('starred items', () => {
  it('splice 300,000 items into a call or a list (a JavaScript spread of them overflowed the stack)', () => {
    expect(prints(['f(*y), len([*y, 0]), max(*y)'], 'y = list(range(3000)) * 100\ndef f(*a):\n    return len(a)')).toEqual([
      '300000 300001 2999',
    ]);
  });

  it('stay within the element budget when they double a list in a loop', () => {
    expect(errors('x = [1]\nfor i in range(40):\n    x = [*x, *x]\n')).toEqual([
      '*x: OverflowError: a sequence of 16,777,216 items is over the 10,000,000-element budget (raise tgraph.maxElements)',
    ]);
  });
});
