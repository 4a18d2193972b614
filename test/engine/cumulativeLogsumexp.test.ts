// cumulative_logsumexp: log(cumsum(exp(x))) without overflow, in the four directions
// (exclusive, reverse) against TensorFlow.js's log of cumsum of exp where that is finite, exact
// where it overflows, gradients (TensorFlow's, in log space) against float64 finite differences.

import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { diagnostic, expectChecksPass, expectClose, run, toTf, value } from '../support/ops';
import { analyze } from '../../engine/analysis';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('cumulative_logsumexp', () => {
  it('is log(cumsum(exp(x))) along the axis, exclusive and reversed too', () => {
    const a = run(`
x = variable(uniform([3, 5], low=-2, high=2, seed=4))
forward = cumulative_logsumexp(x, axis=1)
down = cumulative_logsumexp(x)
back = cumulative_logsumexp(x, 1, reverse=True)
before = cumulative_logsumexp(x, axis=1, exclusive=True)
after = cumulative_logsumexp(x, axis=-1, exclusive=True, reverse=True)
before_rest = before[:, 1:]
after_rest = after[:, :4]
w = range(15.)
check gradients(reduce_sum(forward * reshape(w, [3, 5])) + reduce_sum(sin(down)) + reduce_sum(back ** 2) + reduce_sum(before[:, 1:] * 0.5) + reduce_sum(cos(after[:, :4])), x)
`);
    const x = toTf(value(a, 'x'));
    const reference = (axis: number, exclusive: boolean, reverse: boolean) => tf.log(tf.cumsum(tf.exp(x), axis, exclusive, reverse));
    expectClose(value(a, 'forward'), reference(1, false, false), 1e-5);
    expectClose(value(a, 'down'), reference(0, false, false), 1e-5);
    expectClose(value(a, 'back'), reference(1, false, true), 1e-5);
    expectClose(value(a, 'before_rest'), reference(1, true, false).slice([0, 1], [-1, 4]), 1e-5);
    expectClose(value(a, 'after_rest'), reference(1, true, true).slice([0, 0], [-1, 4]), 1e-5);
    // Nothing comes before the first: log(0).
    expect(value(a, 'before').data[0]).toBe(-Infinity);
    expectChecksPass(a, 1);
  });

  it('does not overflow where exp does, and keeps -inf inputs', () => {
    const a = run(`
big = cumulative_logsumexp(constant([1000., 1000., -1000., 0.]))
empty = cumulative_logsumexp(constant([-inf, -inf, 0.]))
wide = constant([-1000., 0.], dtype=float64)
g = gradients(reduce_sum(cumulative_logsumexp(wide) * constant([1., -2.], dtype=float64)), wide)[0]
`);
    expect(Array.from(value(a, 'big').data)).toEqual([
      1000,
      Math.fround(1000 + Math.log(2)),
      Math.fround(1000 + Math.log(2)),
      Math.fround(1000 + Math.log(2)),
    ]);
    expect(Array.from(value(a, 'empty').data)).toEqual([-Infinity, -Infinity, 0]);
    // d/dx0 of out0 - 2 out1 = 1 - 2 e^-1000/(e^-1000 + 1) = 1; d/dx1 = -2 / (1 + e^-1000) = -2.
    expect(Array.from(value(a, 'g').data)).toEqual([1, -2]);
  });

  it('takes float tensors only, and an axis within the rank', () => {
    expect(diagnostic(analyze('y = cumulative_logsumexp(constant([1, 2]))'), 'float').at).toBe('constant([1, 2])');
    expect(diagnostic(analyze('y = cumulative_logsumexp(constant([1., 2.]), axis=3)'), 'axis').at).toBe('3');
  });
});
