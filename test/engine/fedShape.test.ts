// Shapes that depend on a fed value, as TF 1.x graphs with a None batch write them:
// `reshape(x, [shape(x)[0], -1])`, `zeros([shape(x)[0], units])`, `fill(shape(s), -1e9)`,
// `tile(mean, [shape(x)[0], 1])`.
// Static shapes keep what is known without the feed; values follow each feed; gradients
// flow through; a fed size that does not fit is a diagnostic at the call, not a crash.

import { describe, expect, it } from 'vitest';
import { run } from '../support/engine';
import { items, py } from '../python/support';

const data = (t: { data: ArrayLike<number> }) => Array.from(t.data);

describe('shapes that depend on a feed', () => {
  it('reshape, zeros, ones and fill take sizes from shape(x): static ?, values from the feed', () => {
    const r = run(`
x = placeholder(float32, [None, 3, 2])
feed x = reshape(range(12.), [2, 3, 2]) - 5
flat = reshape(x, [shape(x)[0], -1])
state = zeros([shape(x)[0], 4])
count = ones(stack([shape(x)[0], 2]), dtype=int32)
scores = reduce_sum(x, -1)
masked = where(scores > 0, scores, fill(shape(scores), -1e9))
g = gradients(reduce_sum(flat * flat) + reduce_sum(fill([shape(x)[0], 3, 2], 0.5) * x), x)[0]
check gradients(reduce_sum(flat * flat) + reduce_sum(fill([shape(x)[0], 3, 2], 0.5) * x), x)
`);
    expect(r.errors()).toEqual([]);
    expect(r.staticShape('flat')).toEqual([null, null]);
    expect(r.staticShape('state')).toEqual([null, 4]);
    expect(r.staticShape('masked')).toEqual([null, 3]);
    expect(r.value('flat')).toEqual([
      [-5, -4, -3, -2, -1, 0],
      [1, 2, 3, 4, 5, 6],
    ]);
    expect(r.value('state')).toEqual([
      [0, 0, 0, 0],
      [0, 0, 0, 0],
    ]);
    expect(r.value('count')).toEqual([
      [1, 1],
      [1, 1],
    ]);
    expect(r.value('masked')).toEqual([
      [-1e9, -1e9, -1e9],
      [3, 7, 11],
    ]);
    // d/dx of Σ x² + Σ 0.5·x is 2x + 0.5.
    expect(data(r.tensor('g'))).toEqual(data(r.tensor('x')).map((v) => 2 * v + 0.5));
    expect(r.a.checks.map((c) => c.passed)).toEqual([true]);
  });

  it('a fed size that does not fit is an error at that call; the rest still evaluates', () => {
    const r = run(`
x = placeholder(float32, [None, 3, 2])
feed x = ones([2, 3, 2])
bad = reshape(x, [shape(x)[0], 5])
negative = zeros([shape(x)[0] - 3, 2])
good = reshape(x, [shape(x)[0], -1])
`);
    expect(r.errors().map((d) => [r.pos(d.span).line, d.message])).toEqual([
      [4, 'reshape: cannot reshape 12 elements (shape [2, 3, 2]) to [2, 5]'],
      [5, 'fill: dims [-1, 2] has a negative size'],
    ]);
    expect(r.staticShape('good')).toEqual([null, null]);
    expect(data(r.tensor('good'))).toEqual(new Array(12).fill(1));
  });

  it('a TF 1.x graph run with two batch sizes: each sess.run has its own shapes', () => {
    const a = py(`
import numpy as np
import tensorflow as tf
x = tf.placeholder(tf.float32, [None, 2])
h = tf.zeros([tf.shape(x)[0], 3]) + tf.reduce_sum(x, axis=1, keepdims=True)
flat = tf.reshape(tf.stack([x, x], axis=1), [tf.shape(x)[0], -1])
sess = tf.Session()
small = sess.run([h, flat], {x: np.ones((1, 2))})
large = sess.run([h, flat], {x: np.arange(6.).reshape(3, 2)})
`);
    const [h1, flat1] = items(a, 'small');
    const [h3, flat3] = items(a, 'large');
    expect([...h1.shape]).toEqual([1, 3]);
    expect(data(h1)).toEqual([2, 2, 2]);
    expect([...flat1.shape]).toEqual([1, 4]);
    expect([...h3.shape]).toEqual([3, 3]);
    expect(data(h3)).toEqual([1, 1, 1, 5, 5, 5, 9, 9, 9]);
    expect([...flat3.shape]).toEqual([3, 4]);
    expect(data(flat3)).toEqual([0, 1, 0, 1, 2, 3, 2, 3, 4, 5, 4, 5]);
  });

  it('tile by multiples from shape(x): static ?, values and the gradient (summed over the copies) per feed', () => {
    const r = run(`
x = placeholder(float32, [None, 3])
feed x = reshape(range(6.), [2, 3])
mean = reduce_mean(x, 0, keepdims=True)
centred = x - tile(mean, [shape(x)[0], 1])
wide = tile(x, stack([1, shape(x)[0]]))
loss = reduce_sum(centred * centred * [1., 2., 3.]) + reduce_sum(tile(x * x, [shape(x)[0], 2]))
g = gradients(loss, x)[0]
check gradients(loss, x)
check gradients(reduce_sum(g * g), x)
bad = tile(x, [shape(x)[0] - 3, 1])
`);
    expect(r.errors().map((d) => [r.pos(d.span).line, d.message])).toEqual([[11, 'tile: multiples must be non-negative, got [-1, 1]']]);
    expect(r.staticShape('centred')).toEqual([null, 3]);
    expect(r.staticShape('wide')).toEqual([null, null]);
    expect(r.value('centred')).toEqual([
      [-1.5, -1.5, -1.5],
      [1.5, 1.5, 1.5],
    ]);
    expect(r.value('wide')).toEqual([
      [0, 1, 2, 0, 1, 2],
      [3, 4, 5, 3, 4, 5],
    ]);
    // Centring's own gradient: 2·w·(x - mean) (the mean's part sums to zero); each x² is
    // tiled 2 rows × 2 columns, so 4 copies of 2x.
    const x = data(r.tensor('x'));
    const w = [1, 2, 3];
    const mean = [1.5, 2.5, 3.5];
    expect(data(r.tensor('g'))).toEqual(x.map((v, i) => 2 * w[i % 3] * (v - mean[i % 3]) + 8 * v));
    // The second check differentiates tile_grad, which tiles by the same fed multiples.
    expect(r.a.checks.map((c) => c.passed)).toEqual([true, true]);
  });

  it('a TF 1.x graph tiles a row to the fed batch: a second batch size gets its own copies', () => {
    const a = py(`
import numpy as np
import tensorflow as tf
x = tf.placeholder(tf.float32, [None, 2])
bias = tf.constant([[10.0, 20.0]])
y = x + tf.tile(bias, [tf.shape(x)[0], 1])
dbias = tf.gradients(tf.reduce_sum(y * y), bias)[0]
sess = tf.Session()
small = sess.run([y, dbias], {x: np.ones((1, 2))})
large = sess.run([y, dbias], {x: np.arange(6.).reshape(3, 2)})
`);
    const [y1, d1] = items(a, 'small');
    const [y3, d3] = items(a, 'large');
    expect([...y1.shape]).toEqual([1, 2]);
    expect(data(y1)).toEqual([11, 21]);
    expect(data(d1)).toEqual([22, 42]);
    expect([...y3.shape]).toEqual([3, 2]);
    expect(data(y3)).toEqual([10, 21, 12, 23, 14, 25]);
    expect(data(d3)).toEqual([2 * (10 + 12 + 14), 2 * (21 + 23 + 25)]);
  });
});
