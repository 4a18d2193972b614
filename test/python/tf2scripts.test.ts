// The TF 2 and training-loop example scripts of examples/python/, each run as it is and its
// numbers compared with TensorFlow.js computing the same model (its optimizers for the
// training loops), or with closed forms.

import type { Tensor } from '../../engine/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { quietCpuBackend } from '../support/numeric';
import { data, example, nearTf, items, printed, py, val } from './support';

beforeAll(quietCpuBackend);

const t2 = (rows: number[][]) => tf.tensor2d(rows);
const near = (actual: Tensor, expected: tf.Tensor, what: string, rtol = 1e-4, atol = 1e-5) => nearTf(actual, expected, what, rtol, atol);

/** Steps of a TensorFlow.js optimizer on loss(vars): the losses before each step. */
function train(optimizer: tf.Optimizer, vars: tf.Variable[], loss: () => tf.Scalar, steps: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < steps; i++) out.push((optimizer.minimize(loss, true, vars) as tf.Scalar).dataSync()[0]);
  return out;
}

describe('tf2_linear_regression.py', () => {
  it('five hand-written SGD steps over a GradientTape, as TensorFlow.js', () => {
    const a = py(example('tf2_linear_regression.py'));
    const X = t2([
      [1, 2],
      [2, 0.5],
      [3, -1],
      [0.5, 1.5],
    ]);
    const Y = t2([[3], [2.5], [1], [2]]);
    const W = tf.variable(t2([[0.1], [-0.1]]));
    const b = tf.variable(tf.tensor1d([0]));
    const losses = train(tf.train.sgd(0.05), [W, b], () => tf.mean(tf.square(tf.sub(tf.add(tf.matMul(X, W), b), Y))) as tf.Scalar, 5);
    near(val(a, 'W_final'), W, 'W');
    near(val(a, 'b_final'), b, 'b');
    expect(printed(a).split('\n').slice(0, 5)).toEqual(losses.map((l, i) => `step ${i}: loss ${l.toFixed(5)}`));
  });
});

describe('tf2_keras_adam.py', () => {
  it("four Adam steps on MeanSquaredError, as TensorFlow.js's Adam", () => {
    const a = py(example('tf2_keras_adam.py'));
    const x = t2([
      [0, 1],
      [1, 0],
      [1, 1],
      [0, 0],
    ]);
    const y = t2([[1], [1], [0], [0]]);
    const W1 = tf.variable(
      t2([
        [0.5, -0.3, 0.2],
        [0.1, 0.4, -0.6],
      ]),
    );
    const b1 = tf.variable(tf.tensor1d([0, 0.1, -0.1]));
    const W2 = tf.variable(t2([[0.3], [-0.2], [0.5]]));
    const model = () => tf.sigmoid(tf.matMul(tf.relu(tf.add(tf.matMul(x, W1), b1)), W2));
    const loss = () => tf.mean(tf.square(tf.sub(model(), y))) as tf.Scalar;
    train(tf.train.adam(0.01, 0.9, 0.999, 1e-7), [W1, b1, W2], loss, 4);
    near(val(a, 'W2_final'), W2, 'W2');
    near(val(a, 'final_loss'), loss(), 'final loss');
  });
});

describe('tf2_sgd_momentum.py', () => {
  it('six momentum steps through minimize(callable), as TensorFlow.js', () => {
    const a = py(example('tf2_sgd_momentum.py'));
    const theta = tf.variable(tf.tensor1d([3, -2]));
    const A = t2([
      [2, 0.5],
      [0.5, 1],
    ]);
    train(
      tf.train.momentum(0.1, 0.9),
      [theta],
      () => tf.mul(0.5, tf.sum(tf.matMul(tf.reshape(theta, [1, 2]), tf.matMul(A, tf.reshape(theta, [2, 1]))))) as tf.Scalar,
      6,
    );
    near(val(a, 'theta_final'), theta, 'theta');
  });
});

describe('tf1_adam_training.py', () => {
  it("each sess.run of the Adam train op steps the session's variables, as TensorFlow.js's Adam", () => {
    const a = py(example('tf1_adam_training.py'));
    const X = t2([
      [1, 0.5, -1],
      [0.2, -0.3, 0.8],
      [-1, 1, 0.1],
      [0.7, 0.7, 0.7],
    ]);
    const T = t2([[1], [0], [0], [1]]);
    const W = tf.variable(tf.zeros([3, 1]));
    const b = tf.variable(tf.zeros([1]));
    const losses = train(
      tf.train.adam(0.1, 0.9, 0.999, 1e-8),
      [W, b],
      () => tf.mean(tf.losses.sigmoidCrossEntropy(T, tf.add(tf.matMul(X, W), b), undefined, 0, tf.Reduction.NONE)) as tf.Scalar,
      6,
    );
    near(val(a, 'W_val'), W, 'W');
    near(val(a, 'b_val'), b, 'b');
    items(a, 'losses').forEach((l, i) => expect(data(l)[0]).toBeCloseTo(losses[i], 5));
  });
});

describe('tf1_momentum_training.py', () => {
  it('compute_gradients then four momentum steps, as TensorFlow.js', () => {
    const a = py(example('tf1_momentum_training.py'));
    const X = t2([
      [1, 0],
      [0, 1],
      [1, 1],
    ]);
    const Y = tf.oneHot(tf.tensor1d([0, 1, 2], 'int32'), 3);
    const W = tf.variable(
      t2([
        [0.2, -0.1, 0],
        [0, 0.3, -0.2],
      ]),
    );
    const b = tf.variable(tf.zeros([3]));
    const loss = () => tf.losses.softmaxCrossEntropy(Y, tf.add(tf.matMul(X, W), b)) as tf.Scalar;
    const [gW, gb] = tf.grads((w, bb) => tf.losses.softmaxCrossEntropy(Y, tf.add(tf.matMul(X, w as tf.Tensor2D), bb)))([W, b]);
    const first = items(a, 'first_grads');
    near(first[0], gW, 'dW');
    near(first[1], gb, 'db');
    train(tf.train.momentum(0.5, 0.9), [W, b], loss, 4);
    near(val(a, 'W_val'), W, 'W');
    near(val(a, 'loss_val'), loss(), 'loss');
  });
});

describe('DDPG actor updates', () => {
  const S = t2([
    [0.5, -0.2, 0.1],
    [1, 0.3, -0.5],
    [-0.4, 0.8, 0.2],
    [0, 0.1, 0.9],
  ]);
  const G = t2([
    [1, -0.5],
    [0.2, 0.3],
    [-1, 0],
    [0.5, 0.5],
  ]);
  const W1 = t2([
    [0.1, -0.2, 0.3],
    [0.4, 0, -0.1],
    [-0.3, 0.2, 0.2],
  ]);
  const B1 = tf.tensor1d([0.05, -0.05, 0]);
  const W2 = t2([
    [0.5, -0.4],
    [0.3, 0.2],
    [-0.2, 0.6],
  ]);

  it('ddpg_actor_class.py: a class as a namespace, grad_ys = -dQ/da, divided by the batch; the Adam step moves the actions', () => {
    const a = py(example('ddpg_actor_class.py'));
    const out = (w1: tf.Tensor, b1: tf.Tensor, w2: tf.Tensor) =>
      tf.mul(2, tf.tanh(tf.matMul(tf.relu(tf.add(tf.matMul(S, w1 as tf.Tensor2D), b1)), w2 as tf.Tensor2D)));
    near(val(a, 'actions'), out(W1, B1, W2), 'actions');
    const grads = tf.grads((w1, b1, w2) => tf.sum(tf.mul(out(w1, b1, w2), tf.neg(G))))([W1, B1, W2]);
    const got = items(a, 'grads');
    grads.forEach((g, i) => near(got[i], tf.div(g, 4), `actor_gradients[${i}]`));
    // One Adam step on the same gradients.
    const vars = [tf.variable(W1), tf.variable(B1), tf.variable(W2)];
    tf.train.adam(0.001, 0.9, 0.999, 1e-8).applyGradients(vars.map((v, i) => ({ name: v.name, tensor: tf.div(grads[i], 4) })));
    near(val(a, 'actions_after'), out(vars[0], vars[1], vars[2]), 'actions after the step');
    expect(printed(a)).toBe('3 [(3, 3), (3,), (3, 2)]\n');
  });

  it('tf2_ddpg_actor.py: output_gradients = -dQ/da through a tape, divided by the batch', () => {
    const a = py(example('tf2_ddpg_actor.py'));
    const out = (w1: tf.Tensor, w2: tf.Tensor) =>
      tf.mul(2, tf.tanh(tf.matMul(tf.relu(tf.matMul(S, w1 as tf.Tensor2D)), w2 as tf.Tensor2D)));
    const grads = tf.grads((w1, w2) => tf.sum(tf.mul(out(w1, w2), tf.neg(G))))([W1, W2]);
    const got = items(a, 'actor_gradients');
    grads.forEach((g, i) => near(got[i], tf.div(g, 4), `actor_gradients[${i}]`));
    const w2 = tf.variable(W2);
    tf.train.adam(0.001, 0.9, 0.999, 1e-7).applyGradients([{ name: w2.name, tensor: tf.div(grads[1], 4) }]);
    near(val(a, 'w2_after'), w2, 'w2 after Adam');
  });
});

describe('custom_gradient.py and tf_function.py', () => {
  it('the hand-written rules give sigmoid(x) and a clipped upstream gradient', () => {
    const a = py(example('custom_gradient.py'));
    const X = tf.tensor1d([-3, 0, 2, 10]);
    near(val(a, 'dy_dx'), tf.sigmoid(X), 'log1pexp rule');
    near(val(a, 'y'), tf.sum(tf.softplus(X)), 'log1pexp value');
    near(val(a, 'dz_dx'), tf.ones([4]), 'clipped: 5 → 1');
  });

  it('a tf.function forward and loss, differentiated as TensorFlow.js', () => {
    const a = py(example('tf_function.py'));
    const X = t2([
      [1, 0, 2],
      [0.5, -1, 0],
    ]);
    const L = t2([
      [0, 1],
      [1, 0],
    ]);
    const f = (w: tf.Tensor, b: tf.Tensor) => {
      const p = tf.clipByValue(tf.softmax(tf.add(tf.matMul(X, w as tf.Tensor2D), b)), 1e-7, 1 - 1e-7);
      return tf.mean(tf.neg(tf.sum(tf.mul(L, tf.log(p)), -1)));
    };
    const W = t2([
      [0.2, -0.4],
      [0.6, 0.1],
      [-0.3, 0.5],
    ]);
    const B = tf.tensor1d([0.1, -0.1]);
    near(val(a, 'loss'), f(W, B), 'loss');
    const [dW, db] = tf.grads((w, b) => f(w, b))([W, B]);
    near(val(a, 'dW'), dW, 'dW');
    near(val(a, 'db'), db, 'db');
  });
});

describe('gradient_clipping.py', () => {
  it('clips by the global norm (and one gradient by its own) before the SGD step', () => {
    const a = py(example('gradient_clipping.py'));
    const X = t2([
      [2, 1],
      [-1, 3],
      [0.5, 0.5],
    ]);
    const T = t2([
      [0, 1],
      [1, 0],
      [0.5, 0.5],
    ]);
    const W = t2([
      [1.5, -2],
      [0.5, 3],
    ]);
    const B = tf.tensor1d([0.5, -0.5]);
    const [gW, gb] = tf.grads((w, b) => tf.sum(tf.square(tf.sub(tf.add(tf.matMul(X, w as tf.Tensor2D), b), T))))([W, B]);
    const norm = Math.sqrt(tf.sum(tf.square(gW)).dataSync()[0] + tf.sum(tf.square(gb)).dataSync()[0]);
    near(val(a, 'norm'), tf.scalar(norm), 'global norm');
    const scale = 5 / Math.max(norm, 5);
    const clipped = items(a, 'clipped');
    near(clipped[0], tf.mul(gW, scale), 'clipped dW');
    near(clipped[1], tf.mul(gb, scale), 'clipped db');
    const gbNorm = Math.sqrt(tf.sum(tf.square(gb)).dataSync()[0]);
    near(val(a, 'b_clipped'), tf.mul(gb, 1 / Math.max(gbNorm, 1)), 'clip_by_norm');
    near(val(a, 'W_after'), tf.sub(W, tf.mul(0.1, tf.mul(gW, scale))), 'W after the step');
  });
});

describe('conv_net_tf2.py and attention_tf2.py', () => {
  it("a conv net's loss and filter, bias and dense gradients, as TensorFlow.js", () => {
    const a = py(example('conv_net_tf2.py'));
    const image = tf.sin(tf.range(0, 72)).reshape([2, 6, 6, 1]) as tf.Tensor4D;
    const labels = t2([
      [1, 0, 0],
      [0, 0, 1],
    ]);
    const filters = tf.mul(tf.cos(tf.range(0, 18)).reshape([3, 3, 1, 2]), 0.5) as tf.Tensor4D;
    const bias = tf.tensor1d([0.1, -0.1]);
    const dense = tf.linspace(-0.5, 0.5, 54).reshape([18, 3]);
    const f = (w: tf.Tensor, b: tf.Tensor, d: tf.Tensor) => {
      const conv = tf.relu(tf.add(tf.conv2d(image, w as tf.Tensor4D, 1, 'same'), b));
      const pooled = tf.maxPool(conv as tf.Tensor4D, 2, 2, 'valid');
      return tf.losses.softmaxCrossEntropy(labels, tf.matMul(tf.reshape(pooled, [2, -1]) as tf.Tensor2D, d as tf.Tensor2D));
    };
    near(val(a, 'loss'), f(filters, bias, dense), 'loss');
    const [dw, db, dd] = tf.grads((w, b, d) => f(w, b, d))([filters, bias, dense]);
    near(val(a, 'd_filters'), dw, 'd filters');
    near(val(a, 'd_bias'), db, 'd bias');
    near(val(a, 'd_dense'), dd, 'd dense');
  });

  it("attention's gradients with respect to the queries and the key projection", () => {
    const a = py(example('attention_tf2.py'));
    const base = tf.range(0, 24).reshape([2, 3, 4]);
    const q = tf.mul(tf.sin(base), 0.5);
    const x = tf.mul(tf.cos(base), 0.5);
    const v = tf.div(base, 10);
    const Wk = tf.add(tf.eye(4), 0.1);
    const f = (qq: tf.Tensor, wk: tf.Tensor) => {
      const k = tf.matMul(x as tf.Tensor3D, tf.broadcastTo(wk, [2, 4, 4]) as tf.Tensor3D);
      const w = tf.softmax(tf.div(tf.matMul(qq as tf.Tensor3D, k, false, true), 2));
      return tf.sum(tf.square(tf.matMul(w, v as tf.Tensor3D)));
    };
    near(val(a, 'loss'), f(q, Wk), 'loss');
    const [dq, dWk] = tf.grads((qq, wk) => f(qq, wk))([q, Wk]);
    near(val(a, 'dq'), dq, 'dq');
    near(val(a, 'dWk'), dWk, 'dWk');
    expect(a.asserts.map((s) => s.passed)).toEqual([true]);
  });
});

describe('hessian_tape.py, jacobians_tape.py and keras_softmax_regression.py', () => {
  it('nested tapes give the Hessian-vector product and the Hessian of a closed form', () => {
    const a = py(example('hessian_tape.py'));
    const x = [0.5, -1, 2];
    // y = Σ sin(x) x² + x0 x1: diagonal (2 - x²) sin x + 4x cos x, off-diagonal 1 at (0, 1)
    const d = x.map((t) => (2 - t * t) * Math.sin(t) + 4 * t * Math.cos(t));
    const H = [
      [d[0], 1, 0],
      [1, d[1], 0],
      [0, 0, d[2]],
    ];
    near(val(a, 'hessian'), t2(H), 'Hessian');
    const v = [1, 0, -1];
    near(val(a, 'hvp'), tf.tensor1d(H.map((row) => row.reduce((s, h, j) => s + h * v[j], 0))), 'H v');
  });

  it('full and batch Jacobians of tanh(x W)', () => {
    const a = py(example('jacobians_tape.py'));
    const X = t2([
      [1, 2],
      [0.5, -1],
      [0, 3],
    ]);
    const W = t2([
      [0.5, -1, 0.2],
      [0.3, 0.8, -0.4],
    ]);
    const s = tf.sub(1, tf.square(tf.tanh(tf.matMul(X, W)))).arraySync() as number[][];
    const w = W.arraySync() as number[][];
    // dy[b,j]/dx[b,i] = s[b,j] W[i,j]; across examples it is 0.
    const batch = s.map((row) => row.map((sj, j) => [0, 1].map((i) => sj * w[i][j])));
    near(val(a, 'batch_jac'), tf.tensor3d(batch), 'batch_jacobian');
    const full = s.map((row, b) => row.map((sj, j) => [0, 1, 2].map((c) => [0, 1].map((i) => (c === b ? sj * w[i][j] : 0)))));
    near(val(a, 'jac'), tf.tensor4d(full), 'jacobian');
  });

  it("Keras cross entropy three ways agrees, and its gradients are TensorFlow.js's", () => {
    const a = py(example('keras_softmax_regression.py'));
    const X = t2([
      [1, 2, 3, 4],
      [0.5, -1, 2, 0],
      [3, 1, 0, -2],
    ]);
    const Y = tf.oneHot(tf.tensor1d([0, 2, 1], 'int32'), 3);
    const W = t2([
      [0.1, -0.2, 0.3],
      [0, 0.5, -0.1],
      [0.2, 0.2, 0.2],
      [-0.3, 0.1, 0.4],
    ]);
    const B = tf.tensor1d([0.05, -0.05, 0]);
    const ce = (w: tf.Tensor, b: tf.Tensor) => tf.losses.softmaxCrossEntropy(Y, tf.add(tf.matMul(X, w as tf.Tensor2D), b));
    for (const name of ['ce_logits', 'ce_probs', 'ce_sparse']) near(val(a, name), ce(W, B), name);
    const [gW, gb] = tf.grads((w, b) => ce(w, b))([W, B]);
    near(val(a, 'gW'), gW, 'dW');
    near(val(a, 'gb'), gb, 'db');
  });
});

describe('keras_sequential.py', () => {
  it("Dense layers make their variables once, with Keras' names; two Adam steps as TensorFlow.js", () => {
    const a = py(example('keras_sequential.py'));
    const x = t2([
      [0, 1, 0.5],
      [1, 0, -0.5],
      [0.5, 0.5, 0.5],
      [-1, 0.2, 0],
    ]);
    const y = t2([[1], [0], [1], [0]]);
    const W1 = tf.variable(tf.fill([3, 4], 0.1));
    const b1 = tf.variable(tf.zeros([4]));
    const W2 = tf.variable(tf.ones([4, 1]));
    const b2 = tf.variable(tf.zeros([1]));
    const model = () => tf.sigmoid(tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, W1), b1)), W2), b2));
    const eps = 1e-7;
    const bce = () => {
      const p = tf.clipByValue(model(), eps, 1 - eps);
      return tf.mean(
        tf.neg(tf.add(tf.mul(y, tf.log(tf.add(p, eps))), tf.mul(tf.sub(1, y), tf.log(tf.add(tf.sub(1, p), eps))))),
      ) as tf.Scalar;
    };
    train(tf.train.adam(0.05, 0.9, 0.999, 1e-7), [W1, b1, W2, b2], bce, 2);
    near(val(a, 'kernel0'), W1, 'first kernel');
    near(val(a, 'predictions'), model(), 'predictions');
    expect(printed(a)).toBe("['dense/kernel:0', 'dense/bias:0', 'dense_1/kernel:0', 'dense_1/bias:0']\n");
  });
});
