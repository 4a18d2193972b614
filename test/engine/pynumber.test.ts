// Python numbers are Python's, in both front ends: literals keep their exact value (an int
// every digit, a float its double) and combine with Python's arithmetic until they meet a
// dtype. The operator results are checked against what CPython computed
// (test/fixtures/python-numbers, written by scripts/fixtures/python_numbers.py); the
// conversions against TensorFlow's rules (python/framework/constant_op.py and the eager
// conversion in python/lib/core/py_seq_tensor.cc: an int that does not fit int32 becomes
// int64).

import { describe, expect, it } from 'vitest';
import * as fs from 'fs';
import * as path from 'path';
import { type PyBinaryOp, type PyNumber, PyError, parsePyNumber, pyBinary, pyStr, pyUnary } from '../../engine/pynumber';
import { run } from '../support/engine';
import { run as runClean, value } from '../support/ops';

const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures/python-numbers/operators.json'), 'utf8')) as {
  cases: string[][];
  literals: [string, string][];
  powers: [string, string, string][];
};

function decode(s: string): PyNumber {
  const [kind, text] = [s.slice(0, 1), s.slice(2)];
  if (kind === 'i') return BigInt(text);
  if (kind === 'b') return text === 'True';
  return text === 'nan' ? NaN : text === 'inf' ? Infinity : text === '-inf' ? -Infinity : Number(text);
}

/** What our implementation gives, encoded as the fixture encodes Python's. */
function outcome(compute: () => PyNumber): string {
  try {
    const v = compute();
    if (typeof v === 'boolean') return `b:${v ? 'True' : 'False'}`;
    if (typeof v === 'bigint') return `i:${v}`;
    return `f:${pyStr(v)}`;
  } catch (e) {
    if (!(e instanceof PyError)) throw e;
    // Python's complex results (a negative base to a fractional power) are refused.
    return e.type === 'ValueError' && e.message.includes('complex') ? 'c' : `e:${e.type}`;
  }
}

describe("Python's operators on ints, floats and bools, as CPython computes them", () => {
  it(`agree with CPython on all ${fixture.cases.length} cases (values bit for bit, repr, exceptions)`, () => {
    const wrong: string[] = [];
    for (const c of fixture.cases) {
      const got =
        c.length === 3
          ? outcome(() => pyUnary(c[0] === 'not' ? 'not' : (c[0] as '-' | '+'), decode(c[1])))
          : outcome(() => pyBinary(c[0] as PyBinaryOp, decode(c[1]), decode(c[2])));
      const want = c[c.length - 1];
      if (got !== want) wrong.push(`${c.slice(0, -1).join(' ')}: got ${got}, CPython ${want}`);
    }
    expect(wrong).toEqual([]);
  });

  it("compute float powers as C does: correctly rounded (JavaScript's Math.pow is not)", () => {
    let same = 0;
    for (const [x, y, want] of fixture.powers) {
      const got = pyBinary('**', Number(x), Number(y)) as number;
      const w = Number(want);
      if (got === w) same++;
      else expect(Math.abs(got - w), `${x} ** ${y}`).toBeLessThanOrEqual(Math.abs(w) * 2 ** -52);
    }
    expect(same / fixture.powers.length).toBeGreaterThan(0.995);
  });

  it('parse literals as Python does', () => {
    for (const [text, want] of fixture.literals)
      expect(
        outcome(() => parsePyNumber(text)!),
        text,
      ).toBe(want);
    for (const bad of ['007', '1__0', '_1', '1_', '2j', '0x', '1e']) expect(parsePyNumber(bad), bad).toBeUndefined();
  });

  it('refuse integers past their bound instead of stalling', () => {
    expect(() => pyBinary('**', 10n, 10n ** 9n)).toThrow(/more than 65536 bits/);
    expect(pyBinary('**', 2n, 1000n)).toBe(2n ** 1000n);
  });
});

describe('literals in a .tgraph file are Python numbers until they meet a dtype', () => {
  it("keep a float's double and an int's every digit (issue 16's examples)", () => {
    const a = runClean(
      [
        'third = constant(1. / 3., dtype=float64)',
        'big = constant(2 ** 40, dtype=float64)',
        'exact = constant(2 ** 40, dtype=int64)',
        'inferred = constant(2 ** 40)',
        'tenth = constant(0.1, dtype=float64)',
        'sum = constant(0.1 + 0.2, dtype=float64)',
        'huge = constant(2 ** 62 + 1, dtype=float64)',
        'back = constant((2 ** 62 + 1) - 2 ** 62, dtype=int64)',
        'digits = constant(12345678901234567891 - 12345678901234567890)',
        'f32 = constant(1. / 3.)',
      ].join('\n'),
    );
    const v = (name: string) => value(a, name);
    expect(v('third').dtype).toBe('float64');
    expect(v('third').data[0]).toBe(1 / 3);
    expect(v('big').data[0]).toBe(1099511627776);
    expect(v('exact').dtype).toBe('int64');
    expect(v('exact').data[0]).toBe(1099511627776);
    // tf.constant(2**40) is int64: TensorFlow tries int32 and falls back to int64.
    expect(v('inferred').dtype).toBe('int64');
    expect(v('inferred').data[0]).toBe(1099511627776);
    expect(v('tenth').data[0]).toBe(0.1);
    expect(v('sum').data[0]).toBe(0.1 + 0.2);
    expect(v('huge').data[0]).toBe(4611686018427387904);
    expect(v('back').data[0]).toBe(1);
    expect(v('digits').dtype).toBe('int32');
    expect(v('digits').data[0]).toBe(1);
    expect(v('f32').dtype).toBe('float32');
    expect(v('f32').data[0]).toBe(Math.fround(1 / 3));
  });

  it("compute with Python's operators: floor division, modulo, powers, true division", () => {
    const a = runClean(
      [
        'a = 7 // -2',
        'b = -7 % 3',
        'c = 2 ** -1',
        'd = 7 / 2',
        'e = -7.5 // 2',
        'f = 5.5 % -2',
        'g = -(2 ** 31)',
        'h = not 0',
        'i = 3 < 2.5',
      ].join('\n'),
    );
    const v = (name: string) => value(a, name);
    expect([v('a').dtype, v('a').data[0]]).toEqual(['int32', -4]);
    expect(v('b').data[0]).toBe(2);
    expect([v('c').dtype, v('c').data[0]]).toEqual(['float32', 0.5]);
    expect(v('d').data[0]).toBe(3.5);
    expect(v('e').data[0]).toBe(-4);
    expect(v('f').data[0]).toBe(-0.5);
    expect([v('g').dtype, v('g').data[0]]).toEqual(['int32', -2147483648]);
    expect([v('h').dtype, v('h').data[0]]).toEqual(['bool', 1]);
    expect(v('i').data[0]).toBe(0);
  });

  it('a Python number adapts exactly to the tensor it meets', () => {
    const a = runClean(
      [
        'x = placeholder(float64, [2])',
        'feed x = [1., 2.]',
        'y = x * (1. / 3.)',
        'n = placeholder(int64, [1])',
        'feed n = [1]',
        'm = n + 2 ** 40',
        'l = constant([1., 2.] / 3., dtype=float64)',
        'k = constant([1, 2 ** 40])',
      ].join('\n'),
    );
    expect(Array.from(value(a, 'y').data)).toEqual([1 / 3, 2 / 3]);
    expect(Array.from(value(a, 'm').data)).toEqual([1099511627777]);
    expect(Array.from(value(a, 'l').data)).toEqual([1 / 3, 2 / 3]);
    expect(value(a, 'k').dtype).toBe('int64');
    expect(Array.from(value(a, 'k').data)).toEqual([1, 1099511627776]);
  });

  it("refuses what TensorFlow cannot convert, and Python's exceptions, at the literal", () => {
    const r = run(
      [
        'a = constant(2 ** 40, dtype=int32)',
        'x = placeholder(int32, [1])',
        'feed x = [1]',
        'b = x + 2 ** 40',
        'c = 1 / 0',
        'd = constant(2 ** 70, dtype=int64)',
        'e = constant(2 ** 60 + 1, dtype=int64)',
        'f = x * 1.5',
      ].join('\n'),
    );
    const errors = r.errors().map((d) => [r.pos(d.span).line, r.pos(d.span).column, d.code, d.message]);
    expect(errors).toEqual([
      [1, 14, 'out-of-range', 'cannot convert 1099511627776 to int32: it is outside the range of int32 (an int64 tensor holds it)'],
      [4, 9, 'out-of-range', 'cannot convert 1099511627776 to int32: it is outside the range of int32 (an int64 tensor holds it)'],
      [5, 5, 'python-error', 'ZeroDivisionError: division by zero'],
      [6, 14, 'out-of-range', 'cannot convert 1180591620717411303424 to int64: it is outside the range of int64'],
      [7, 14, 'out-of-range', "cannot hold 1152921504606846977 exactly: tgraph's int64 is exact only within ±(2^53 - 1)"],
      [8, 9, 'dtype-mismatch', 'cannot convert 1.5 to int32 (a float literal where an int32 tensor is expected)'],
    ]);
  });
});
