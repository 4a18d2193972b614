// Models as deep as users build them: hundreds of layers made in a Python loop, every weight
// fetched in one sess.run. Layer names and what each fetch needs are found per layer and per
// fetch, not by scanning everything made before (which made a 300-layer script take 20 s).
import { describe, expect, it } from 'vitest';
import { items, printed, py } from './support';

const deep = (layers: number) => `import numpy as np
import tensorflow as tf
tf.compat.v1.disable_eager_execution()
np.random.seed(0)
x = tf.compat.v1.placeholder(tf.float32, [None, 8])
h = x
for i in range(${layers}):
    h = tf.compat.v1.layers.dense(h, 8, activation=tf.nn.tanh)
    h = tf.compat.v1.layers.batch_normalization(h, training=True)
loss = tf.reduce_mean(tf.square(h))
params = tf.compat.v1.trainable_variables()
names = [p.name for p in params]
grads = tf.gradients(loss, params)
with tf.compat.v1.Session() as sess:
    sess.run(tf.compat.v1.global_variables_initializer())
    g = sess.run(grads, {x: np.random.randn(4, 8)})
print(len(g), names[0], names[-4], names[-1])
`;

describe('deep models built in a loop', () => {
  it('names 120 layers as TensorFlow does, and fetches every gradient', () => {
    const a = py(deep(60));
    expect(printed(a)).toBe('240 dense/kernel:0 dense_59/kernel:0 batch_normalization_59/beta:0\n');
    const g = items(a, 'g');
    expect(g).toHaveLength(240);
    expect(g[0].shape).toEqual([8, 8]);
    for (const t of g) expect(Array.from(t.data).every(Number.isFinite)).toBe(true);
  });

  it('a later fetch that needs an unfed placeholder is still refused, at that fetch', () => {
    const a = py(
      `import tensorflow as tf
x = tf.compat.v1.placeholder(tf.float32, [2])
y = tf.compat.v1.placeholder(tf.float32, [2])
a = x * 2.
b = a + y
with tf.compat.v1.Session() as sess:
    r = sess.run([a, b], {x: [1., 2.]})
`,
      { strict: false },
    );
    const errors = a.diagnostics.filter((d) => d.severity === 'error');
    expect(errors.map((d) => d.message)).toEqual([
      expect.stringMatching(/You must feed a value for placeholder tensor 'Placeholder_1' with dtype float and shape \[2\]/),
    ]);
  });

  it('a later fetch of an uninitialised variable is still refused', () => {
    const a = py(
      `import tensorflow as tf
v = tf.Variable([1., 2.])
with tf.compat.v1.Session() as sess:
    r = sess.run([tf.constant(1.), v * 2.])
`,
      { strict: false },
    );
    expect(a.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([
      expect.stringMatching(/FailedPreconditionError: Attempting to use uninitialized value Variable/),
    ]);
  });
});
