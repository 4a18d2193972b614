// tf.argsort, tf.sort and tf.math.top_k against TensorFlow.js's topk (argsort and sort are
// top_k in TensorFlow too), ties keeping the lower index first; gradients of sort and top_k
// go back to where each value came from, against float64 central differences.

import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { expectChecksPass, expectClose, run, toTf, value } from '../support/ops';
import { run as runLoose } from '../support/engine';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('sorting', () => {
  it('argsort, sort and top_k match tf.topk along every axis, ties by lower index', () => {
    const a = run(`
x = placeholder(float32, [3, 4])
feed x = [[3., 1., 4., 1.], [5., 9., 2., 6.], [5., 3., 5., 8.]]
asc = argsort(x)
desc = tf.argsort(x, direction='DESCENDING')
col = argsort(x, axis=0)
s = tf.sort(x)
sd = sort(x, axis=0, direction='DESCENDING')
[v, i] = tf.math.top_k(x, k=2)
[v1, i1] = tf.nn.top_k(x)
check gradients(reduce_sum(s * [1., 2., 3., 4.]) + reduce_sum(sd * sd), x)
check gradients(reduce_sum(v * v), x)
`);
    const x = toTf(value(a, 'x'));
    const ints = (t: tf.Tensor) => Array.from(t.dataSync());
    expect(value(a, 'asc').dtype).toBe('int32');
    expect(Array.from(value(a, 'asc').data)).toEqual(ints(tf.topk(tf.neg(x), 4).indices));
    expect(Array.from(value(a, 'desc').data)).toEqual(ints(tf.topk(x, 4).indices));
    expect(Array.from(value(a, 'col').data)).toEqual(ints(tf.transpose(tf.topk(tf.neg(tf.transpose(x)), 3).indices)));
    expectClose(value(a, 's'), tf.neg(tf.topk(tf.neg(x), 4).values));
    expectClose(value(a, 'sd'), tf.transpose(tf.topk(tf.transpose(x), 3).values));
    expectClose(value(a, 'v'), tf.topk(x, 2).values);
    expect(Array.from(value(a, 'i').data)).toEqual(ints(tf.topk(x, 2).indices));
    expect(Array.from(value(run('[v1, i1] = top_k([1., 3., 2.])'), 'v1').data)).toEqual([3]);
    expectChecksPass(a, 2);
    // x has ties (1 and 1, 5 and 5): the finite differences there reorder the values, which
    // the checks report as kinks of the sort rather than as failures.
    const kinks = new Set(a.diagnostics.filter((d) => d.code === 'kink').map((d) => d.message.split(':')[0]));
    expect([...kinks].sort()).toEqual([
      'x[0, 1] = 1 is a kink of sorting (a tie)',
      'x[0, 3] = 1 is a kink of sorting (a tie)',
      'x[2, 0] = 5 is a kink of sorting (a tie)',
      'x[2, 2] = 5 is a kink of sorting (a tie)',
    ]);
  });

  it("top_k's gradient is dy at the top k and 0 elsewhere", () => {
    const a = run(
      'x = placeholder(float32, [5])\nfeed x = [0.5, 2., -1., 3., 1.]\n[v, i] = top_k(x, 2)\ng = gradients(reduce_sum(v * [10., 1.]), x)[0]',
    );
    expect(Array.from(value(a, 'g').data)).toEqual([0, 1, 0, 10, 0]);
  });

  it('refuses what TensorFlow refuses', () => {
    const r = runLoose("x = zeros([2, 3])\n[v, i] = top_k(x, 4)\ns = sort(x, direction='UP')\nt = argsort(x, axis=2)");
    expect(r.errors().map((d) => [r.pos(d.span).line, d.code])).toEqual([
      [2, 'bad-argument'],
      [3, 'bad-argument'],
      [4, 'bad-axis'],
    ]);
    expect(r.errors()[0].message).toBe('top_k(): input must have at least k columns. Had 3, needed 4');
  });
});
