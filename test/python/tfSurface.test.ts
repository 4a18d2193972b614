// Pieces of the tf.* surface real scripts reach: tf.keras.backend's get_value/set_value (a
// learning rate changed between steps), and TF 1.x's noisy_linear_cosine_decay (TensorFlow's
// formula; its noise one sample of the graph's generator).

import { describe, expect, it } from 'vitest';
import { data, items, printed, py, val } from './support';

describe('tf.keras.backend get_value / set_value', () => {
  it('reads and writes an eager variable, and a rate set between steps is the one the step uses', () => {
    const a = py(
      [
        'import tensorflow as tf',
        'from tensorflow.keras import backend as K',
        'v = tf.Variable([1., 2.])',
        'first = K.get_value(v)',
        'K.set_value(v, [3., 4.5])',
        'opt = tf.keras.optimizers.SGD(0.1)',
        'K.set_value(opt.learning_rate, 0.25)',
        'print(K.get_value(opt.learning_rate), K.int_shape(v), K.epsilon(), K.floatx())',
        'with tf.GradientTape() as tape:',
        '    loss = tf.reduce_sum(v * v)',
        'opt.apply_gradients(zip(tape.gradient(loss, [v]), [v]))',
        'after = K.get_value(v)',
        '',
      ].join('\n'),
    );
    expect(data(val(a, 'first'))).toEqual([1, 2]);
    expect(printed(a)).toBe('0.25 (2,) 1e-07 float32\n');
    // v - 0.25 · 2v with v = [3, 4.5]
    expect(data(val(a, 'after'))).toEqual([1.5, 2.25]);
  });

  it('in a TF 1.x graph reads the session value and runs the assignment at once', () => {
    const a = py(
      [
        'import tensorflow.compat.v1 as tf',
        'tf.disable_v2_behavior()',
        'K = tf.keras.backend',
        'v = tf.Variable([1., 2.])',
        'sess = tf.Session()',
        'sess.run(tf.global_variables_initializer())',
        'with sess.as_default():',
        '    K.set_value(v, [3., 4.5])',
        '    got = K.get_value(v)',
        '    both = K.batch_get_value([v, v * 2.])',
        'print(sess.run(v))',
        '',
      ].join('\n'),
    );
    expect(data(val(a, 'got'))).toEqual([3, 4.5]);
    expect(items(a, 'both').map(data)).toEqual([
      [3, 4.5],
      [6, 9],
    ]);
    expect(printed(a)).toBe('[3.  4.5]\n');
  });
});

describe('tf.train.noisy_linear_cosine_decay', () => {
  const script = (extra: string) =>
    [
      'import tensorflow.compat.v1 as tf',
      'tf.disable_v2_behavior()',
      'step = tf.Variable(3, trainable=False)',
      `lr = tf.train.noisy_linear_cosine_decay(0.1, step, 10${extra})`,
      'with tf.Session() as sess:',
      '    sess.run(tf.global_variables_initializer())',
      '    r = sess.run(lr)',
      '',
    ].join('\n');
  // TensorFlow's formula at step 3 of 10, num_periods 0.5, alpha 0, beta 0.001: without
  // noise, 0.1 · ((10 - 3) / 10 · 0.5 (1 + cos(π · 0.3)) + 0.001).
  const cosine = 0.5 * (1 + Math.cos(Math.PI * 0.3));
  const noiseless = 0.1 * (0.7 * cosine + 0.001);

  it('is linear_cosine_decay when the noise has no variance', () => {
    const r = data(val(py(script(', initial_variance=0.0')), 'r'))[0];
    expect(Math.abs(r - noiseless)).toBeLessThan(1e-7);
  });

  it('adds normal noise of variance initial_variance / (1 + step)^variance_decay to the linear part', () => {
    const r = data(val(py(script(', initial_variance=2.0, variance_decay=0.5')), 'r'))[0];
    // The sample the noise drew, recovered from the rate: a standard normal's.
    const z = ((r / 0.1 - 0.001) / cosine - 0.7) / Math.sqrt(2 / Math.sqrt(4));
    expect(Math.abs(z)).toBeGreaterThan(1e-4);
    expect(Math.abs(z)).toBeLessThan(6);
  });

  it('draws its noise anew at each step, as TensorFlow draws it at each run', () => {
    // 200 steps of decay_steps 1000: the samples recovered from the rates are standard normal
    // (mean within 0.25 of 0, variance within 0.35 of 1), none repeats; the same step read
    // twice gives the same rate (tgraph's samples are a function of the step).
    const a = py(
      [
        'import tensorflow.compat.v1 as tf',
        'tf.disable_v2_behavior()',
        'step = tf.Variable(0, trainable=False)',
        'lr = tf.train.noisy_linear_cosine_decay(0.1, step, 1000, initial_variance=1.0, variance_decay=0.0, beta=0.0)',
        'bump = tf.assign_add(step, 1)',
        'rates = []',
        'with tf.Session() as sess:',
        '    sess.run(tf.global_variables_initializer())',
        '    for _ in range(200):',
        '        rates.append(float(sess.run(lr)))',
        '        sess.run(bump)',
        '    again = float(sess.run(lr)) == float(sess.run(lr))',
        'print(rates, again)',
        '',
      ].join('\n'),
    );
    const [list, again] = printed(a).trim().split('] ');
    expect(again).toBe('True');
    const rates = JSON.parse(list + ']') as number[];
    expect(rates).toHaveLength(200);
    // rate = 0.1 · (linear + z) · cosine with linear = (1000 - s) / 1000, num_periods 0.5.
    const z = rates.map((r, s) => r / 0.1 / (0.5 * (1 + Math.cos((Math.PI * s) / 1000))) - (1000 - s) / 1000);
    const mean = z.reduce((x, y) => x + y, 0) / z.length;
    const variance = z.reduce((x, y) => x + (y - mean) ** 2, 0) / z.length;
    expect(Math.abs(mean)).toBeLessThan(0.25);
    expect(Math.abs(variance - 1)).toBeLessThan(0.35);
    expect(new Set(z.map((v) => v.toFixed(5))).size).toBe(200);
  });
});
