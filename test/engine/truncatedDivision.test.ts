// tf.math.truncatediv / truncatemod: C's division, rounding toward zero, where floordiv and
// mod (Python's //, %) round down — they differ exactly when the signs differ.

import { describe, expect, it } from 'vitest';
import { analyze } from '../../engine/analysis';
import { items, py } from '../python/support';
import { diagnostic, run, value } from '../support/ops';

const data = (t: { data: ArrayLike<number> }) => Array.from(t.data, Number);

describe('truncated division', () => {
  it('rounds toward zero for int32, int64 and float; the remainder has the sign of x', () => {
    const a = run(`
x = [-7, 7, -7, 7, 6]
y = [2, -2, -2, 2, -3]
q = truncatediv(x, y)
r = truncatemod(x, y)
q64 = truncatediv(cast(x, int64), cast(y, int64))
r64 = truncatemod(cast(x, int64), cast(y, int64))
qf = truncatediv([-7.5, 7.5, 0.5], [2., -2., -1.])
rf = truncatemod([-7.5, 7.5, 0.5], [2., -2., -1.])
floored = floordiv(x, y)
`);
    expect(data(value(a, 'q'))).toEqual([-3, -3, 3, 3, -2]);
    expect(data(value(a, 'r'))).toEqual([-1, 1, -1, 1, 0]);
    expect(data(value(a, 'q64'))).toEqual([-3, -3, 3, 3, -2]);
    expect(data(value(a, 'r64'))).toEqual([-1, 1, -1, 1, 0]);
    expect(data(value(a, 'qf'))).toEqual([-3, -3, -0]);
    expect(data(value(a, 'rf'))).toEqual([-1.5, 1.5, 0.5]);
    expect(data(value(a, 'floored'))).toEqual([-4, -4, 3, 3, -2]);
  });

  it('TensorFlow spells them tf.math.truncatediv and tf.truncatemod; the gradient of the remainder', () => {
    const a = py(`
import tensorflow as tf
x = tf.Variable([-7.5, 7.5])
y = tf.Variable([2.0, -2.0])
with tf.GradientTape() as tape:
    loss = tf.reduce_sum(tf.truncatemod(x, y) * tf.constant([1.0, 3.0]))
out = [tf.math.truncatediv(tf.constant([-7, 7]), 2)] + tape.gradient(loss, [x, y])
`);
    const [q, gx, gy] = items(a, 'out');
    expect(data(q)).toEqual([-3, 3]);
    expect(data(gx)).toEqual([1, 3]);
    // -truncatediv(x, y) · dy: trunc(-3.75) is -3 for both.
    expect(data(gy)).toEqual([3, 9]);
  });

  it('integer division by zero is an error at the call', () => {
    const a = analyze('q = truncatediv([1, 2], [1, 0])\n');
    expect(diagnostic(a, 'integer division by zero').at).toBe('truncatediv([1, 2], [1, 0])');
  });
});
