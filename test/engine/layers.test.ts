// tf.nn.bias_add, xw_plus_b, tf.nn.dropout, tf.nn.embedding_lookup and tf.nn.conv1d: values against
// TensorFlow.js (tf.add, tf.gather, tf.conv1d) and TensorFlow's rules, gradients against float64 central differences.
// Dropout's mask comes from tgraph's generator (TensorFlow's stream is not reproduced): the
// tests hold its semantics — each element kept (scaled by 1 / (1 - rate)) or zeroed, about
// `rate` of them zeroed, the same mask for the same seed, TensorFlow 1's keep_prob.

import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { expectChecksPass, expectClose, run, staticShape, toTf, value } from '../support/ops';
import { run as runLoose } from '../support/engine';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const arr = (a: ReturnType<typeof run>, name: string) => Array.from(value(a, name).data as ArrayLike<number>);

describe('bias_add', () => {
  it('adds the bias along the channel axis (last, or 1 for NC...), its gradient summed over the rest', () => {
    const a = run(`
x = placeholder(float32, [None, 2, 3])
feed x = uniform([4, 2, 3], -1, 1, seed=2)
b = variable([0.5, -1., 2.])
y = tf.nn.bias_add(x, b)
c = variable([1., -2.])
z = bias_add(x, c, data_format='NCHW')
gb = gradients(y, b)[0]
check gradients(reduce_sum(y * y), [x, b])
check gradients(reduce_sum(z * z), [x, c])
`);
    const x = toTf(value(a, 'x'));
    expectClose(value(a, 'y'), tf.add(x, tf.tensor([0.5, -1, 2])));
    expectClose(value(a, 'z'), tf.add(x, tf.tensor([[[1]], [[-2]]]).reshape([2, 1])));
    // The bias is shared by every example and position: its gradient is the count, 8.
    expect(arr(a, 'gb')).toEqual([8, 8, 8]);
    expectChecksPass(a, 2);
  });

  it("refuses a bias that does not match the channels, with TensorFlow's message", () => {
    const r = runLoose('x = zeros([2, 4])\ny = bias_add(x, [1., 2., 3.])\nz = bias_add([1., 2.], [1.])');
    const errors = r.errors();
    expect(errors.map((d) => [r.pos(d.span).line, r.pos(d.span).column, d.code])).toEqual([
      [2, 17, 'shape-mismatch'],
      [3, 14, 'shape-mismatch'],
    ]);
    expect(errors[0].message).toBe('bias_add(): must provide as many biases as the last dimension of the input tensor: [3] vs. [2, 4]');
  });
});

describe('xw_plus_b', () => {
  it('is matmul(x, weights) + biases, the bias gradient summed over the rows', () => {
    const a = run(`
x = placeholder(float32, [None, 3])
feed x = uniform([4, 3], -1, 1, seed=3)
w = variable(uniform([3, 2], -1, 1, seed=4))
b = variable([0.25, -0.5])
y = tf.nn.xw_plus_b(x, w, b)
gb = gradients(y, b)[0]
check gradients(reduce_sum(y * y), [x, w, b])
`);
    expectClose(value(a, 'y'), tf.add(tf.matMul(toTf(value(a, 'x')), toTf(value(a, 'w'))), tf.tensor([0.25, -0.5])));
    expect(arr(a, 'gb')).toEqual([4, 4]);
    expectChecksPass(a, 1);
  });

  it('refuses biases that do not match the columns of weights, at the biases', () => {
    const r = runLoose('x = zeros([2, 4])\nw = zeros([4, 3])\ny = xw_plus_b(x, w, [1., 2.])');
    const errors = r.errors();
    expect(errors.map((d) => [r.pos(d.span).line, r.pos(d.span).column, d.code])).toEqual([[3, 21, 'shape-mismatch']]);
    expect(errors[0].message).toBe('bias_add(): must provide as many biases as the last dimension of the input tensor: [2] vs. [2, 3]');
  });
});

describe('dropout', () => {
  it('keeps each element scaled by 1 / (1 - rate) or zeroes it, about rate of them, with a seeded mask', () => {
    const a = run(`
x = ones([100, 100])
d = dropout(x, rate=0.25, seed=1)
e = dropout(x, rate=0.25, seed=1)
f = dropout(x, 0.25)
k = tf.nn.dropout(x, keep_prob=0.75, seed=1)
`);
    const d = arr(a, 'd');
    const scale = Math.fround(1 / 0.75);
    expect(d.every((v) => v === 0 || v === scale)).toBe(true);
    const dropped = d.filter((v) => v === 0).length / d.length;
    expect(dropped).toBeGreaterThan(0.23);
    expect(dropped).toBeLessThan(0.27);
    expect(arr(a, 'e')).toEqual(d);
    expect(arr(a, 'f')).not.toEqual(d);
    // keep_prob = 0.75 is rate = 0.25 (TensorFlow 1's spelling): the same mask for the same seed.
    expect(arr(a, 'k')).toEqual(d);
  });

  it('takes a keep_prob placeholder (the Deep MNIST idiom): fed 1, it is the identity', () => {
    const a = run(`
x = placeholder(float32, [None, 4])
feed x = [[1., 2., 3., 4.], [5., 6., 7., 8.]]
keep_prob = placeholder(float32)
feed keep_prob = 1.
h = dropout(x, keep_prob=keep_prob)
same = dropout(x, rate=0.)
check gradients(reduce_sum(h * h), x)
`);
    expect(arr(a, 'h')).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(arr(a, 'same')).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    // The placeholder has no shape; the result keeps x's (TensorFlow sets it), so a dense
    // layer after it still knows its input size.
    expect(staticShape(a, 'h')).toEqual([null, 4]);
    expectChecksPass(a, 1);
  });

  it('noise_shape shares the mask along size-1 axes, and the gradient is the mask times the scale', () => {
    const a = run(`
x = placeholder(float32, [6, 5])
feed x = uniform([6, 5], 1, 2, seed=4)
d = dropout(x, rate=0.5, noise_shape=[6, 1], seed=9)
g = gradients(reduce_sum(d), x)[0]
check gradients(reduce_sum(d * d), x)
`);
    const d = arr(a, 'd');
    const g = arr(a, 'g');
    for (let r = 0; r < 6; r++) {
      const row = d.slice(r * 5, r * 5 + 5);
      expect(row.every((v) => v === 0) || row.every((v) => v !== 0)).toBe(true);
      expect(g.slice(r * 5, r * 5 + 5)).toEqual(new Array(5).fill(row[0] === 0 ? 0 : 2));
    }
    expectChecksPass(a, 1);
  });

  it("follows TensorFlow's rules for rate and keep_prob", () => {
    const r = runLoose(
      'x = ones([2])\na = dropout(x, rate=1.)\nb = dropout(x, keep_prob=0.)\nc = dropout(x)\nd = dropout(x, 0.5, None, 1, 0.5)\ne = dropout([1, 2], 0.5)',
    );
    expect(r.errors().map((d) => [r.pos(d.span).line, d.code])).toEqual([
      [2, 'bad-argument'],
      [3, 'bad-argument'],
      [4, 'missing-argument'],
      [5, 'too-many-arguments'],
      [6, 'dtype-mismatch'],
    ]);
    expect(r.errors()[0].message).toBe('dropout(): `rate` must be a scalar tensor or a float in the range [0, 1), got 1');
  });
});

describe('embedding_lookup', () => {
  it('gathers rows (repeated ids accumulate their gradient), clips them to max_norm', () => {
    const a = run(`
params = variable([[1., 2.], [3., 4.], [0.5, -0.5], [6., 8.]])
ids = constant([[0, 3], [3, 1]])
e = tf.nn.embedding_lookup(params, ids)
one = embedding_lookup([params], [2])
c = embedding_lookup(params, [3, 2], max_norm=5.)
g = gradients(reduce_sum(e), params)[0]
check gradients(reduce_sum(e * e) + reduce_sum(c * c), params)
`);
    const p = tf.tensor([
      [1, 2],
      [3, 4],
      [0.5, -0.5],
      [6, 8],
    ]);
    expectClose(
      value(a, 'e'),
      tf.gather(
        p,
        tf.tensor(
          [
            [0, 3],
            [3, 1],
          ],
          undefined,
          'int32',
        ),
      ),
    );
    expect(arr(a, 'one')).toEqual([0.5, -0.5]);
    expect(arr(a, 'c')).toEqual([3, 4, 0.5, -0.5]);
    expect(arr(a, 'g')).toEqual([1, 1, 1, 1, 0, 0, 2, 2]);
    expectChecksPass(a, 1);
  });
});

describe('conv1d', () => {
  it('matches tf.conv1d (SAME and VALID, strides, dilations), with gradients', () => {
    const a = run(`
x = placeholder(float32, [2, 7, 3])
feed x = uniform([2, 7, 3], -1, 1, seed=1)
f = variable(uniform([3, 3, 4], -1, 1, seed=2))
s = conv1d(x, f, 1, 'SAME')
v = tf.nn.conv1d(x, f, stride=2, padding='VALID')
d = conv1d(x, f, stride=1, padding='SAME', dilations=2)
check gradients(reduce_sum(s * s) + reduce_sum(v) + reduce_sum(d * v[0:1, 0:1]), [x, f])
`);
    const x = toTf(value(a, 'x')) as tf.Tensor3D;
    const f = toTf(value(a, 'f')) as tf.Tensor3D;
    expectClose(value(a, 's'), tf.conv1d(x, f, 1, 'same'), 1e-5);
    expectClose(value(a, 'v'), tf.conv1d(x, f, 2, 'valid'), 1e-5);
    expectClose(value(a, 'd'), tf.conv1d(x, f, 1, 'same', 'NWC', 2), 1e-5);
    expectChecksPass(a, 1);
  });
});
