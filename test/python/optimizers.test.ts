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
    expect(printed(a)).toBe("<tf.Variable 'iteration:0' shape=() dtype=int64, numpy=3>\n");
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

describe('TF 1.x training flags, update ops and tensor learning rates', () => {
  // A dense layer, batch normalization and dropout switched by a fed `is_training`, the moving
  // averages run through tf.GraphKeys.UPDATE_OPS under tf.control_dependencies, and a fed rate.
  const src = `import tensorflow.compat.v1 as tf
import numpy as np
tf.disable_v2_behavior()
x = tf.placeholder(tf.float32, [None, 3])
is_training = tf.placeholder(tf.bool)
lr = tf.placeholder(tf.float32, shape=[])
h = tf.layers.dense(x, 2, kernel_initializer=tf.constant_initializer([[1., -1.], [0.5, 2.], [-1., 0.25]]))
hn = tf.layers.batch_normalization(h, training=is_training)
out = tf.layers.dropout(hn, rate=0.5, training=is_training)
loss = tf.reduce_sum(hn * hn * tf.constant([1., 3.]))
update_ops = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
with tf.control_dependencies(update_ops):
    train = tf.train.GradientDescentOptimizer(lr).minimize(loss)
named = {v.name: v for v in tf.global_variables()}
gamma = named['batch_normalization/gamma:0']
moving_mean = named['batch_normalization/moving_mean:0']
moving_variance = named['batch_normalization/moving_variance:0']
xv = np.array([[1., 2., 3.], [0., -1., 4.], [2., 2., -2.]], dtype=np.float32)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    h0, out0 = sess.run([h, out], {x: xv, is_training: False})
    g0, mm0 = sess.run([tf.gradients(loss, gamma)[0], moving_mean], {x: xv, is_training: True})
    sess.run(train, {x: xv, is_training: True, lr: 0.25})
    gamma1, mm1, mv1 = sess.run([gamma, moving_mean, moving_variance])
    sess.run(train, {x: xv, is_training: False, lr: 0.25})
    mm2 = sess.run(moving_mean)
`;

  it('builds both branches of a fed flag, with the static shapes TensorFlow gives', () => {
    const a = py(src);
    expect(a.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const h0 = data(val(a, 'h0'));
    // Not training: the moving statistics (mean 0, variance 1) and no dropout.
    const eps = 1e-3;
    data(val(a, 'out0')).forEach((v, i) => expect(v).toBeCloseTo(h0[i] / Math.sqrt(1 + eps), 5));
    expect(printed(a)).toBe('');
  });

  it('runs the moving averages with the step, not when the flag is false, and reads the rate when run', () => {
    const a = py(src);
    const h0 = data(val(a, 'h0'));
    const column = (k: number) => [0, 1, 2].map((r) => h0[r * 2 + k]);
    const mean = [0, 1].map((k) => column(k).reduce((s, v) => s + v, 0) / 3);
    const variance = [0, 1].map((k) => column(k).reduce((s, v) => s + (v - mean[k]) ** 2, 0) / 3);
    const f = Math.fround;
    // Keras' assign_moving_average in float32: moving − (moving − batch)·(1 − 0.99); rank 2
    // is not the fused kernel's: the biased variance.
    const decay = f(1 - 0.99);
    const mm1 = data(val(a, 'mm1'));
    const mv1 = data(val(a, 'mv1'));
    [0, 1].forEach((k) => {
      expect(mm1[k]).toBeCloseTo(f(0 - f(f(0 - mean[k]) * decay)), 6);
      expect(mv1[k]).toBeCloseTo(f(1 - f(f(1 - variance[k]) * decay)), 6);
    });
    expect(data(val(a, 'mm0'))).toEqual([0, 0]);
    // A step with is_training False leaves them.
    expect(data(val(a, 'mm2'))).toEqual(mm1);
    // The step used the fed rate: gamma1 = 1 − 0.25·dloss/dgamma.
    const g0 = data(val(a, 'g0'));
    data(val(a, 'gamma1')).forEach((v, k) => expect(v).toBeCloseTo(1 - 0.25 * g0[k], 5));
  });
});

describe('a step that diverges says so', () => {
  const script = (momentum: string) => `import numpy as np
import tensorflow as tf
x = tf.placeholder(tf.float32, [None, 2])
W = tf.Variable([[0.2, -0.1], [0.0, 0.3]])
loss = tf.reduce_sum(tf.square(tf.matmul(x, W)))
train = tf.train.MomentumOptimizer(learning_rate=0.5, momentum=${momentum}).minimize(loss)
sess = tf.Session()
sess.run(tf.global_variables_initializer())
for i in range(4):
    sess.run(train, {x: np.array([[1.0, 0.0], [0.0, 1.0]])})
`;
  const warnings = (src: string) => py(src, { strict: false }).diagnostics.filter((d) => d.code === 'non-finite');

  it('a momentum of 1e18 makes Inf in W: one warning at the optimizer, naming the variable, however many steps', () => {
    const src = script('10**18');
    // (the loss's square overflows too, on its own line: its own warning)
    const found = warnings(src).filter((d) => d.message.includes('step made'));
    expect(found).toHaveLength(1);
    expect(found[0].message).toMatch(
      /^MomentumOptimizer's step made -?Inf in Variable at index \d+ from a finite value and gradient: training diverged/,
    );
    expect(src.slice(found[0].span.start, found[0].span.end)).toContain('MomentumOptimizer');
  });

  it('a momentum of 0.9 trains without a warning', () => {
    expect(warnings(script('0.9'))).toEqual([]);
  });
});

describe("Keras optimizers' and schedules' argument errors are Keras' and point at the argument", () => {
  const failure = (src: string) => {
    const a = py(src, { strict: false });
    const errors = a.diagnostics.filter((d) => d.severity === 'error');
    expect(errors).toHaveLength(1);
    return { message: errors[0].message, at: src.slice(errors[0].span.start, errors[0].span.end), a };
  };
  const header = 'import tensorflow as tf\nw = tf.Variable([1.0, 2.0])\n';

  it('two kinds of clipping at once', () => {
    const f = failure(`${header}opt = tf.keras.optimizers.Adam(0.1, clipnorm=1.0, clipvalue=0.5)\n`);
    expect(f.message).toMatch(
      /ValueError: Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. Received: clipnorm, clipvalue/,
    );
    expect(f.at).toBe('tf.keras.optimizers.Adam(0.1, clipnorm=1.0, clipvalue=0.5)');
  });

  it('a piecewise schedule with as many values as boundaries', () => {
    const f = failure(`${header}s = tf.keras.optimizers.schedules.PiecewiseConstantDecay([1, 2], [0.1, 0.01])\n`);
    expect(f.message).toMatch(/ValueError: The length of boundaries should be 1 less than the length of values \(got 2 and 2\)/);
    expect(f.at).toBe('[0.1, 0.01]');
  });

  it("setting the rate of an optimizer made with a schedule, and an unknown optimizer's name", () => {
    const f = failure(
      `${header}opt = tf.keras.optimizers.SGD(tf.keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.9))\nopt.learning_rate = 0.5\n`,
    );
    expect(f.message).toMatch(/TypeError: This optimizer was created with a `LearningRateSchedule`/);
    const g = failure(`${header}opt = tf.keras.optimizers.get('adamm')\n`);
    expect(g.message).toMatch(/ValueError: Could not interpret optimizer identifier: adamm/);
    expect(g.at).toBe("'adamm'");
  });

  it('after an optimizer refused, the rest of the script still runs', () => {
    const f = failure(`${header}opt = tf.keras.optimizers.Adam(0.1, clipnorm=1.0, global_clipnorm=0.5)\nv = w * 2\n`);
    expect(f.message).toMatch(/Only one of/);
    expect(data(val(f.a, 'v'))).toEqual([2, 4]);
  });
});

describe("TF 1.x's sparse updates: an IndexedSlices gradient changes only the rows it looked up", () => {
  // emb is read through tf.gather of fed ids; the loss sums the rows, so each looked-up row's
  // gradient is 1 (a repeated id's rows summed). Steps look up [0], [2], [0]. TF 1.x's
  // SparseApplyMomentum / SparseApplyRMSProp step only those rows, slots included: row 0's
  // momentum does not decay nor move it while step 2 looks up row 2. Hand-computed:
  //   Momentum(0.1, 0.9): row 0 = 1 - 0.1·1 = 0.9, then unchanged, then accum 0.9·1 + 1 = 1.9:
  //     0.9 - 0.19 = 0.71 (the dense update, and PyTorch's SGD on a sparse gradient: 0.629).
  //   RMSProp(0.1) (mean square starts at 1, decay 0.9): row 0's ms stays 1 at every step it
  //     is looked up, so each step is 0.1/√(1 + 1e-10): 1 → 0.9 → 0.8 (dense: ms decays to 0.9
  //     at step 2, and step 3 is 0.1/√0.91 → 0.795172).
  //   Adam stays the dense update (its _apply_sparse decays m and v everywhere).
  const script = (optimizer: string) => `import tensorflow.compat.v1 as tf
tf.disable_eager_execution()
emb = tf.Variable([[1., 2.], [3., 4.], [5., 6.]])
ids = tf.placeholder(tf.int32, [None])
loss = tf.reduce_sum(tf.nn.embedding_lookup(emb, ids))
train = tf.train.${optimizer}.minimize(loss)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in [[0], [2], [0]]:
        sess.run(train, feed_dict={ids: step})
    print(sess.run(emb).tolist())
`;
  it('MomentumOptimizer and RMSPropOptimizer in a session; AdamOptimizer stays dense', () => {
    const rows = (optimizer: string) => {
      const a = py(script(optimizer));
      return JSON.parse(printed(a).trim()) as number[][];
    };
    const momentum = rows('MomentumOptimizer(0.1, momentum=0.9)');
    expect(momentum[0][0]).toBeCloseTo(0.71, 6);
    expect(momentum[0][1]).toBeCloseTo(1.71, 6);
    expect(momentum[1]).toEqual([3, 4]);
    expect(momentum[2][0]).toBeCloseTo(4.9, 6);
    const rms = rows('RMSPropOptimizer(0.1)');
    expect(rms[0][0]).toBeCloseTo(0.8, 6);
    expect(rms[2][1]).toBeCloseTo(5.9, 6);
    // Adam: dense. Step 2 moves row 0 by lr·m̂/(√v̂ + ε) with m = 0.1·0.9, v = 0.001·0.999.
    const adam = rows('AdamOptimizer(0.1)');
    const lr2 = (0.1 * Math.sqrt(1 - 0.999 ** 2)) / (1 - 0.9 ** 2);
    const step2 = (lr2 * 0.09) / (Math.sqrt(0.000999) + 1e-8);
    const lr3 = (0.1 * Math.sqrt(1 - 0.999 ** 3)) / (1 - 0.9 ** 3);
    const [m3, v3] = [0.081 + 0.1, 0.000998001 + 0.001];
    expect(adam[0][0]).toBeCloseTo(1 - 0.1 - step2 - (lr3 * m3) / (Math.sqrt(v3) + 1e-8), 5);
  });
});

describe("Keras' legacy optimizers' sparse updates (OptimizerV2's _resource_apply_sparse)", () => {
  // The same three lookups, [0], [2], [0], through a GradientTape. Legacy SGD with momentum
  // (ResourceSparseApplyKerasMomentum: v = 0.9·v - 0.1·g on the rows looked up): row 0 is
  // 1 - 0.1 = 0.9, unchanged at step 2, then v = -0.09 - 0.1: 0.71. Keras' SGD (TF 2.11+)
  // decays the momentum everywhere first: 0.629, as the dense update.
  const script = (optimizer: string) => `import tensorflow as tf
emb = tf.Variable([[1., 2.], [3., 4.], [5., 6.]])
opt = tf.keras.optimizers.${optimizer}
for ids in [[0], [2], [0]]:
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.gather(emb, ids))
    grads = tape.gradient(loss, [emb])
    opt.apply_gradients(zip(grads, [emb]))
print(emb.numpy().tolist())
`;
  const rows = (optimizer: string) => JSON.parse(printed(py(script(optimizer))).trim()) as number[][];
  it('legacy SGD with momentum steps only the rows looked up; Keras 3-style SGD stays dense', () => {
    const legacy = rows('legacy.SGD(0.1, momentum=0.9)');
    expect(legacy[0][0]).toBeCloseTo(0.71, 6);
    expect(legacy[1]).toEqual([3, 4]);
    expect(legacy[2][1]).toBeCloseTo(5.9, 6);
    expect(rows('SGD(0.1, momentum=0.9)')[0][0]).toBeCloseTo(0.629, 6);
  });
});
