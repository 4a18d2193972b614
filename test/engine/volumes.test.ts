// 3-D convolution and pooling (NDHWC) against TensorFlow.js's conv3d, maxPool3d and avgPool3d
// (strides, SAME and VALID padding, dilations), gradients against float64 central
// differences, and the refusals at the argument that causes them.

import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { analyze } from '../../engine/analysis';
import { diagnostic, expectChecksPass, expectClose, run, toTf, value } from '../support/ops';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const inputs = `
x = variable(uniform([2, 4, 3, 4, 2], low=-1, high=1, seed=1))
k = variable(uniform([2, 3, 2, 2, 3], low=-1, high=1, seed=2))
`;

describe('conv3d, max_pool3d and avg_pool3d', () => {
  it('conv3d matches tf.conv3d: SAME with strides, VALID with a dilation', () => {
    const a = run(`${inputs}
c1 = conv3d(x, k, strides=[1, 2, 1, 2, 1], padding='SAME')
c2 = tf.nn.conv3d(x, k, [1, 1, 1, 1, 1], 'VALID', dilations=[1, 2, 1, 1, 1])
check gradients(reduce_sum(c1 * c1) + reduce_sum(sin(c2)), [x, k])
`);
    const x = toTf(value(a, 'x')) as tf.Tensor5D;
    const k = toTf(value(a, 'k')) as tf.Tensor5D;
    expect(value(a, 'c1').shape).toEqual([2, 2, 3, 2, 3]);
    expectClose(value(a, 'c1'), tf.conv3d(x, k, [2, 1, 2], 'same'), 1e-5);
    expectClose(value(a, 'c2'), tf.conv3d(x, k, 1, 'valid', 'NDHWC', [2, 1, 1]), 1e-5);
    expectChecksPass(a, 1);
  });

  it('max_pool3d and avg_pool3d match tf.maxPool3d and tf.avgPool3d (SAME averages only the inside)', () => {
    const a = run(`${inputs}
m1 = max_pool3d(x, ksize=2, strides=2, padding='VALID')
m2 = max_pool3d(x, [3, 2, 2], [2, 1, 2], 'SAME')
a1 = avg_pool3d(x, ksize=[1, 3, 2, 3, 1], strides=[1, 2, 1, 2, 1], padding='SAME')
a2 = tf.nn.avg_pool3d(x, 2, 1, 'VALID')
check gradients(reduce_sum(sin(m1)) + reduce_sum(m2 * m2) + reduce_sum(a1 * a1) + reduce_sum(cos(a2)), x)
`);
    const x = toTf(value(a, 'x')) as tf.Tensor5D;
    expectClose(value(a, 'm1'), tf.maxPool3d(x, 2, 2, 'valid'), 1e-6);
    expectClose(value(a, 'm2'), tf.maxPool3d(x, [3, 2, 2], [2, 1, 2], 'same'), 1e-6);
    expectClose(value(a, 'a1'), tf.avgPool3d(x, [3, 2, 3], [2, 1, 2], 'same'), 1e-6);
    expectClose(value(a, 'a2'), tf.avgPool3d(x, 2, 1, 'valid'), 1e-6);
    expectChecksPass(a, 1);
  });

  it('refuses what TensorFlow refuses, at the argument', () => {
    const channels = analyze(`${inputs}\nf = zeros([1, 1, 1, 3, 1])\nc = conv3d(x, f, [1, 1, 1, 1, 1], 'SAME')`);
    expect(diagnostic(channels, 'channels').at).toBe('f');
    const strides = analyze(`${inputs}\nc = conv3d(x, k, [1, 1, 1], 'SAME')`);
    expect(diagnostic(strides, 'list of 5 ints').at).toBe('[1, 1, 1]');
    const batch = analyze(`${inputs}\nm = max_pool3d(x, 2, [2, 1, 1, 1, 1], 'SAME')`);
    expect(diagnostic(batch, 'batch and depth').at).toBe('[2, 1, 1, 1, 1]');
    const format = analyze(`${inputs}\nm = avg_pool3d(x, 2, 2, 'SAME', data_format='NCDHW')`);
    expect(diagnostic(format, 'NDHWC').at).toBe("'NCDHW'");
    const deep = analyze(`${inputs}\nf = zeros([6, 1, 1, 2, 1])\nc = conv3d(x, f, [1, 1, 1, 1, 1], 'VALID')`);
    expect(diagnostic(deep, 'depth window').message).toContain('larger than the input');
  });
});
