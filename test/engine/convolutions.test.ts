// conv2d_transpose, depthwise_conv2d and separable_conv2d against TensorFlow.js's
// conv2dTranspose, depthwiseConv2d and separableConv2d (strides, padding, dilations,
// channel multipliers; explicit padding, and max_pool2d's), roll against its definition,
// gradients against float64 central differences, and the shape errors at the argument that
// causes them.

import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { analyze } from '../../engine/analysis';
import { explainSite } from '../../engine/explain';
import { diagnostic, expectChecksPass, expectClose, run, toTf, value } from '../support/ops';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const inputs = `
x = variable(uniform([2, 5, 5, 3], low=-1, high=1, seed=1))
dw = variable(uniform([3, 3, 3, 2], low=-1, high=1, seed=2))
pw = variable(uniform([1, 1, 6, 4], low=-1, high=1, seed=3))
ft = variable(uniform([3, 3, 4, 3], low=-1, high=1, seed=4))
`;

describe('convolutions beside conv2d', () => {
  it('depthwise_conv2d and separable_conv2d match TensorFlow.js', () => {
    const a = run(`${inputs}
d1 = depthwise_conv2d(x, dw, strides=[1, 1, 1, 1], padding='SAME')
d2 = tf.nn.depthwise_conv2d(x, dw, [1, 2, 2, 1], 'VALID')
d3 = depthwise_conv2d(x, dw, strides=[1, 1, 1, 1], padding='SAME', dilations=[2, 2])
s1 = separable_conv2d(x, dw, pw, strides=[1, 1, 1, 1], padding='SAME')
s2 = tf.nn.separable_conv2d(x, dw, pw, [1, 2, 2, 1], 'VALID')
check gradients(reduce_sum(d2 * d2) + reduce_sum(s1 * s1), [x, dw, pw])
`);
    const x = toTf(value(a, 'x')) as tf.Tensor4D;
    const dw = toTf(value(a, 'dw')) as tf.Tensor4D;
    const pw = toTf(value(a, 'pw')) as tf.Tensor4D;
    expectClose(value(a, 'd1'), tf.depthwiseConv2d(x, dw, 1, 'same'), 1e-5);
    expectClose(value(a, 'd2'), tf.depthwiseConv2d(x, dw, 2, 'valid'), 1e-5);
    expectClose(value(a, 'd3'), tf.depthwiseConv2d(x, dw, 1, 'same', 'NHWC', 2), 1e-5);
    expectClose(value(a, 's1'), tf.separableConv2d(x, dw, pw, 1, 'same'), 1e-5);
    expectClose(value(a, 's2'), tf.separableConv2d(x, dw, pw, 2, 'valid'), 1e-5);
    expect(value(a, 'd1').shape).toEqual([2, 5, 5, 6]);
    expectChecksPass(a, 1);
  });

  it("conv2d_transpose matches tf.conv2dTranspose and is conv2d's input gradient", () => {
    const a = run(`${inputs}
y = variable(uniform([2, 3, 3, 3], low=-1, high=1, seed=5))
t1 = conv2d_transpose(y, ft, [2, 5, 5, 4], strides=[1, 2, 2, 1], padding='SAME')
t2 = tf.nn.conv2d_transpose(y, ft, output_shape=[2, 5, 5, 4], strides=1, padding='VALID')
t3 = conv2d_transpose(y, ft, [2, 6, 6, 4], 2)
check gradients(reduce_sum(t1 * t1) + reduce_sum(t3 * t3), [y, ft])
`);
    const y = toTf(value(a, 'y')) as tf.Tensor4D;
    const f = toTf(value(a, 'ft')) as tf.Tensor4D;
    expectClose(value(a, 't1'), tf.conv2dTranspose(y, f, [2, 5, 5, 4], 2, 'same'), 1e-5);
    expectClose(value(a, 't2'), tf.conv2dTranspose(y, f, [2, 5, 5, 4], 1, 'valid'), 1e-5);
    expectClose(value(a, 't3'), tf.conv2dTranspose(y, f, [2, 6, 6, 4], 2, 'same'), 1e-5);
    expectChecksPass(a, 1);
  });

  it('conv2d with explicit padding [[0, 0], [top, bottom], [left, right], [0, 0]] matches tf.conv2d', () => {
    const a = run(`${inputs}
k = variable(uniform([2, 3, 3, 4], low=-1, high=1, seed=6))
e1 = conv2d(x, k, strides=[1, 2, 1, 1], padding=[[0, 0], [1, 2], [0, 1], [0, 0]])
e2 = tf.nn.conv2d(x, k, 1, [[0, 0], [0, 0], [2, 0], [0, 0]], dilations=2)
check gradients(reduce_sum(e1 * e1) + reduce_sum(sin(e2)), [x, k])
`);
    const x = toTf(value(a, 'x')) as tf.Tensor4D;
    const k = toTf(value(a, 'k')) as tf.Tensor4D;
    const e1 = tf.conv2d(
      x,
      k,
      [2, 1],
      [
        [0, 0],
        [1, 2],
        [0, 1],
        [0, 0],
      ],
    );
    expect(value(a, 'e1').shape).toEqual([2, 4, 4, 4]);
    expectClose(value(a, 'e1'), e1, 1e-5);
    const e2 = tf.conv2d(
      x,
      k,
      1,
      [
        [0, 0],
        [0, 0],
        [2, 0],
        [0, 0],
      ],
      'NHWC',
      2,
    );
    expectClose(value(a, 'e2'), e2, 1e-5);
    expectChecksPass(a, 1);
    const batch = analyze(`${inputs}\nk = zeros([2, 2, 3, 1])\ne = conv2d(x, k, 1, [[1, 0], [0, 0], [0, 0], [0, 0]])`);
    expect(diagnostic(batch, 'batch and channel axes').at).toBe('[[1, 0], [0, 0], [0, 0], [0, 0]]');
  });

  it('refuses shapes that do not fit, at the argument', () => {
    // What the fuzzer found: filters of the wrong rank, and an output_shape whose channels
    // are not the filters' (diagnostics, not internal errors).
    expect(diagnostic(analyze('c = constant(2.)\nt = conv2d_transpose(c, c, [2, 4, 1, 3], [1, 2, 1, 1])'), 'must have rank 4').at).toBe(
      'c',
    );
    expect(diagnostic(analyze(`${inputs}\nt = conv2d_transpose(x, ft, [2, 5, 5, 3], strides=1)`), 'do not make a convolution').at).toBe(
      'ft',
    );
    const bad = analyze(`${inputs}\nt = conv2d_transpose(x, ft, [2, 5, 5, 4], strides=2)`);
    expect(diagnostic(bad, 'does not fit output_shape').at).toBe('x');
    const channels = analyze(`${inputs}\nd = depthwise_conv2d(x, ft, strides=1, padding='SAME')`);
    expect(diagnostic(channels, 'channels').at).toBe('ft');
    const pointwise = analyze(`${inputs}\ns = separable_conv2d(x, dw, ft, strides=1, padding='SAME')`);
    expect(diagnostic(pointwise, 'pointwise_filter').at).toBe('ft');
  });
});

describe('explicit padding of depthwise convolution and pooling', () => {
  it('depthwise_conv2d and max_pool2d take it; avg_pool2d refuses it as TensorFlow does', () => {
    const a = run(`
y = variable(uniform([1, 5, 4, 2], low=-1, high=1, seed=3))
d = variable(uniform([3, 2, 2, 2], low=-1, high=1, seed=4))
e = depthwise_conv2d(y, d, [1, 1, 2, 1], [[0, 0], [1, 2], [0, 1], [0, 0]])
m = max_pool2d(y, 3, 2, [[0, 0], [1, 1], [2, 0], [0, 0]])
check gradients(reduce_sum(e * e) + reduce_sum(sin(m)), [y, d])
`);
    const y = toTf(value(a, 'y')) as tf.Tensor4D;
    const d = toTf(value(a, 'd')) as tf.Tensor4D;
    const padded = tf.pad(y, [
      [0, 0],
      [1, 2],
      [0, 1],
      [0, 0],
    ]);
    expectClose(value(a, 'e'), tf.depthwiseConv2d(padded, d, [1, 2], 'valid'), 1e-5);
    const lowest = tf.pad(
      y,
      [
        [0, 0],
        [1, 1],
        [2, 0],
        [0, 0],
      ],
      -1e9,
    );
    expectClose(value(a, 'm'), tf.maxPool(lowest, 3, 2, 'valid'), 1e-6);
    expectChecksPass(a, 1);
    const avg = analyze(`y = zeros([1, 4, 4, 1])\np = avg_pool2d(y, 2, 2, [[0, 0], [1, 1], [1, 1], [0, 0]])`);
    expect(diagnostic(avg, 'not explicit padding').at).toBe('[[0, 0], [1, 1], [1, 1], [0, 0]]');
    // A window wholly in the padding would have no maximum: TensorFlow refuses it.
    const wide = analyze(`y = zeros([1, 4, 4, 1])\np = max_pool2d(y, 2, 1, [[0, 0], [2, 0], [0, 0], [0, 0]])`);
    expect(diagnostic(wide, 'smaller than the window').at).toBe('[[0, 0], [2, 0], [0, 0], [0, 0]]');
  });
});

describe('the explanation of a depthwise filter', () => {
  it('each filter entry meets its own channel only: 4 examples × 5×5 positions, 100 terms', () => {
    const a = run(`
x = placeholder(float32, [4, 5, 5, 2])
feed x = uniform([4, 5, 5, 2], seed=1)
f = variable(uniform([3, 3, 2, 1], seed=2))
loss = reduce_mean(depthwise_conv2d(x, f, strides=[1, 1, 1, 1], padding='SAME'))
df = gradients(loss, f)[0]
`);
    const e = explainSite(a, a.gradientSites[0], 0);
    expect(e.guessed).toEqual([]);
    expect(e.text).toContain('applies f at 5×5 positions of each of 4 examples');
    expect(e.text).toContain('each entry adds 100 terms, each divided by 200');
  });
});

describe('roll', () => {
  it('rolls along one or several axes as TensorFlow, shifts of one axis adding up', () => {
    const a = run(`
x = variable([[1., 2., 3., 4.], [5., 6., 7., 8.], [9., 10., 11., 12.]])
r1 = roll(x, 1, 1)
r2 = tf.roll(x, shift=[-1, 5], axis=[0, 1])
r3 = roll(x, [2, -1], [1, 1])
r4 = roll(x, 4, axis=-1)
i = roll([1, 2, 3], 2, 0)
check gradients(reduce_sum(r2 * x), x)
`);
    expect(Array.from(value(a, 'r1').data)).toEqual([4, 1, 2, 3, 8, 5, 6, 7, 12, 9, 10, 11]);
    expect(Array.from(value(a, 'r2').data)).toEqual([8, 5, 6, 7, 12, 9, 10, 11, 4, 1, 2, 3]);
    expect(Array.from(value(a, 'r3').data)).toEqual([4, 1, 2, 3, 8, 5, 6, 7, 12, 9, 10, 11]);
    expect(Array.from(value(a, 'r4').data)).toEqual(Array.from(value(a, 'x').data));
    expect(value(a, 'i').dtype).toBe('int32');
    expect(Array.from(value(a, 'i').data)).toEqual([2, 3, 1]);
    expectChecksPass(a, 1);
  });

  it('refuses mismatched shift and axis lists', () => {
    const a = analyze('r = roll([1., 2.], [1, 2], [0])');
    expect(diagnostic(a, 'same length').at).toBe('[0]');
  });
});
