// Inputs written by hand that the fuzzer's grammar cannot make (issue 15, "inputs you do not see
// will be tried"): each found a crash, a lost line or work that grew as the square of the
// input. Work that grew as a square is tested by counting (the calls it makes) or by a size at
// which the square would take ten times the test's timeout while the linear work takes a
// fiftieth of it: no assertion depends on this machine's speed.

import { describe, expect, it } from 'vitest';
import { analyzePython } from '../../engine/python/analysis';
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
