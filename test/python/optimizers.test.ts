// Optimizers: TF 1.x's (a train op run in a session updates the session's variables) and
// Keras' (eager: the variables change at once), step by step against TensorFlow.js's
// optimizers on the same model (the same update rules; Adam's epsilon sits where TensorFlow
// puts it, a difference far below the tolerances here).

import type { Tensor } from '../../engine/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { quietCpuBackend } from '../support/numeric';
import { data, nearTf, items, printed, py, val } from './support';

beforeAll(quietCpuBackend);

const near = (actual: Tensor, expected: tf.Tensor, what: string, rtol = 1e-4, atol = 1e-5) => nearTf(actual, expected, what, rtol, atol);

/** Runs `steps` steps of a TensorFlow.js optimizer on loss(w) from w0; returns the losses seen
 *  before each step and the final w. */
function reference(
  optimizer: tf.Optimizer,
  w0: tf.Tensor,
  loss: (w: tf.Tensor) => tf.Scalar,
  steps: number,
): { losses: number[]; w: tf.Tensor } {
  const w = tf.variable(w0.clone());
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    const l = optimizer.minimize(() => loss(w), true, [w]) as tf.Scalar;
    losses.push(l.dataSync()[0]);
  }
  return { losses, w };
}

describe('Keras optimizers (eager)', () => {
  it('Adam with apply_gradients(zip(grads, vars)) over a GradientTape, three steps', () => {
    const a = py(`import tensorflow as tf
w = tf.Variable([1.0, -2.0])
target = tf.constant([3.0, 1.0])
opt = tf.keras.optimizers.Adam(learning_rate=0.1)
losses = []
for step in range(3):
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.square(w - target) * tf.constant([1.0, 0.5]))
    grads = tape.gradient(loss, [w])
    opt.apply_gradients(zip(grads, [w]))
    losses.append(float(loss))
final = w.numpy()
print(opt.iterations)
`);
    const target = tf.tensor1d([3, 1]);
    const ref = reference(
      tf.train.adam(0.1, 0.9, 0.999, 1e-7),
      tf.tensor1d([1, -2]),
      (w) => tf.sum(tf.mul(tf.square(tf.sub(w, target)), tf.tensor1d([1, 0.5]))) as tf.Scalar,
      3,
    );
    near(val(a, 'final'), ref.w, 'w after 3 Adam steps');
    expect(printed(a)).toBe('3\n');
    const got = items(a, 'losses').map((t) => data(t)[0]);
    got.forEach((l, i) => expect(l).toBeCloseTo(ref.losses[i], 4));
  });

  it('SGD with momentum and nesterov through minimize(callable, var_list)', () => {
    const a = py(`import tensorflow as tf
u = tf.Variable([2.0, -1.0])
sgd = tf.keras.optimizers.SGD(learning_rate=0.01, momentum=0.9, nesterov=True)
for step in range(4):
    sgd.minimize(lambda: tf.reduce_sum(u * u * u * u), [u])
u_final = u.numpy()
plain = tf.Variable(2.0)
for step in range(2):
    tf.keras.optimizers.SGD(0.05).minimize(lambda: plain * plain, var_list=[plain])
plain_final = plain.numpy()
`);
    const ref = reference(tf.train.momentum(0.01, 0.9, true), tf.tensor1d([2, -1]), (u) => tf.sum(tf.pow(u, 4)) as tf.Scalar, 4);
    near(val(a, 'u_final'), ref.w, 'u after 4 Nesterov steps');
    near(val(a, 'plain_final'), tf.scalar(2 * 0.9 * 0.9), 'plain SGD: x ← x − 0.05 · 2x, twice');
  });
});

describe('TF 1.x optimizers in a session', () => {
  const X = tf.tensor2d([
    [1, 2],
    [3, 4],
    [-1, 0.5],
  ]);
  const Y = tf.tensor2d([[1], [0], [2]]);
  const W0 = tf.tensor2d([[0.5], [-0.5]]);
  const mse = (w: tf.Tensor) => tf.mean(tf.square(tf.sub(tf.matMul(X, w as tf.Tensor2D), Y))) as tf.Scalar;
  const script = (optimizer: string) => `import tensorflow as tf
x = tf.placeholder(tf.float32, [None, 2])
y = tf.placeholder(tf.float32, [None, 1])
w = tf.Variable([[0.5], [-0.5]])
loss = tf.reduce_mean(tf.square(tf.matmul(x, w) - y))
train_op = ${optimizer}.minimize(loss)
feed = {x: [[1., 2.], [3., 4.], [-1., 0.5]], y: [[1.], [0.], [2.]]}
losses = []
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for i in range(5):
        _, l = sess.run([train_op, loss], feed_dict=feed)
        losses.append(l)
    w_final = sess.run(w)
`;

  it("AdamOptimizer: each run steps the session's variables; the fetched loss is the one before the step", () => {
    const a = py(script('tf.train.AdamOptimizer(learning_rate=0.05)'));
    const ref = reference(tf.train.adam(0.05, 0.9, 0.999, 1e-8), W0, mse, 5);
    near(val(a, 'w_final'), ref.w, 'w after 5 Adam steps');
    items(a, 'losses').forEach((l, i) => expect(data(l)[0]).toBeCloseTo(ref.losses[i], 4));
  });

  it('MomentumOptimizer and GradientDescentOptimizer (compute_gradients, apply_gradients)', () => {
    const m = py(script('tf.train.MomentumOptimizer(0.01, momentum=0.9)'));
    near(val(m, 'w_final'), reference(tf.train.momentum(0.01, 0.9), W0, mse, 5).w, 'momentum');
    const g = py(`import tensorflow as tf
x = tf.placeholder(tf.float32, [None, 2])
w = tf.Variable([[0.5], [-0.5]])
loss = tf.reduce_mean(tf.square(tf.matmul(x, w) - tf.constant([[1.], [0.], [2.]])))
opt = tf.train.GradientDescentOptimizer(0.02)
grads_and_vars = opt.compute_gradients(loss, var_list=[w])
step = opt.apply_gradients(grads_and_vars)
sess = tf.Session()
sess.run(tf.global_variables_initializer())
g0 = sess.run(grads_and_vars[0][0], {x: [[1., 2.], [3., 4.], [-1., 0.5]]})
sess.run(step, {x: [[1., 2.], [3., 4.], [-1., 0.5]]})
sess.run(step, {x: [[1., 2.], [3., 4.], [-1., 0.5]]})
w2 = sess.run(w)
`);
    near(val(g, 'g0'), tf.grad(mse)(W0), 'compute_gradients');
    near(val(g, 'w2'), reference(tf.train.sgd(0.02), W0, mse, 2).w, 'two SGD steps');
    expect(g.lookup('grads_and_vars')).toBeDefined();
  });

  it("running a train op before the initializer is TensorFlow's error", () => {
    const a = py(
      `import tensorflow as tf
w = tf.Variable(1.0)
train = tf.train.GradientDescentOptimizer(0.1).minimize(w * w)
sess = tf.Session()
sess.run(train)
`,
      { strict: false },
    );
    expect(a.diagnostics.map((d) => d.message).join('\n')).toMatch(
      /FailedPreconditionError: Attempting to use uninitialized value Variable/,
    );
  });
});
