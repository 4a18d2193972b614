// The example scripts of examples/python/, in the styles TF 1.x users write, each run as it
// is and its numbers compared with TensorFlow.js computing the same model (or with closed
// forms). These are the scripts the brief's acceptance names: softmax regression, DDPG's
// actor update, L2 regularisation, an MLP, NumPy preprocessing, rebinding, layers in a
// loop, the Deep MNIST helpers, fetch structures, logistic regression, second order.

import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { quietCpuBackend } from '../support/numeric';
import { explanationLines } from '../../engine/explain';
import { data, example, expectNear, items, nodeOf, printed, py, val } from './support';

beforeAll(quietCpuBackend);

const t2 = (rows: number[][]) => tf.tensor2d(rows);
const near = (actual: Parameters<typeof expectNear>[0], expected: tf.Tensor, what: string, rtol = 1e-5, atol = 1e-6) =>
  expectNear(actual, { shape: expected.shape, data: expected.dataSync() }, what, rtol, atol);

describe('softmax_regression.py', () => {
  it('gives TensorFlow.js cross entropy and gradients, both spellings of the loss, and its check passes', () => {
    const a = py(example('softmax_regression.py'));
    const X = t2([
      [1, 2, 3, 4],
      [0.5, -1, 2, 0],
      [3, 1, 0, -2],
    ]);
    const Y = tf.oneHot(tf.tensor1d([0, 2, 1], 'int32'), 3).toFloat();
    const W = t2([
      [0.1, -0.2, 0.3],
      [0.0, 0.5, -0.1],
      [0.2, 0.2, 0.2],
      [-0.3, 0.1, 0.4],
    ]);
    const b = tf.tensor1d([0.05, -0.05, 0.0]);
    const ce = (w: tf.Tensor, bb: tf.Tensor) =>
      tf.mean(tf.neg(tf.sum(tf.mul(Y, tf.log(tf.softmax(tf.add(tf.matMul(X, w as tf.Tensor2D), bb)))), 1)));
    near(val(a, 'ce'), ce(W, b), 'ce');
    near(val(a, 'ce2'), ce(W, b), 'ce2');
    const [gW, gb] = tf.grads((w, bb) => ce(w, bb))([W, b]);
    near(val(a, 'gW'), gW, 'dW', 1e-4, 1e-6);
    near(val(a, 'gb'), gb, 'db', 1e-4, 1e-6);
    expect(a.checks).toHaveLength(1);
    expect(a.checks[0].passed).toBe(true);
    expect(a.asserts.map((s) => s.passed)).toEqual([true]);
    expect(printed(a)).toMatch(/^cross entropy 1\.\d+ 1\.\d+\ndW =\n \[\[/);
  });
});

describe('ddpg_actor.py', () => {
  it('divides the summed actor gradients by the batch size, as TensorFlow.js computes them', () => {
    const a = py(example('ddpg_actor.py'));
    const S = tf.sub(tf.div(tf.range(0, 12).reshape([4, 3]), 10), 0.5);
    const G = t2([
      [1.0, -0.5],
      [0.2, 0.3],
      [-1.0, 0.0],
      [0.5, 0.5],
    ]);
    const W1 = t2([
      [0.1, -0.2, 0.3, 0.0],
      [0.5, -0.1, 0.2, 0.2],
      [0.2, -0.3, 0.1, 0.4],
    ]);
    const b1 = tf.zeros([4]);
    const W2 = t2([
      [0.3, -0.1],
      [0.2, 0.4],
      [-0.5, 0.1],
      [0.1, 0.2],
    ]);
    const out = (w1: tf.Tensor, bb: tf.Tensor, w2: tf.Tensor) =>
      tf.mul(tf.tanh(tf.matMul(tf.relu(tf.add(tf.matMul(S, w1 as tf.Tensor2D), bb)), w2 as tf.Tensor2D)), 2);
    // grad_ys = -action_gradient: the gradient of sum(out * -G)
    const grads = tf.grads((w1, bb, w2) => tf.sum(tf.mul(out(w1, bb, w2), tf.neg(G))))([W1, b1, W2]);
    const got = items(a, 'grads');
    expect(got).toHaveLength(3);
    grads.forEach((g, i) => near(got[i], tf.div(g, 4), `actor_gradients[${i}]`, 1e-4, 1e-6));
    expect(a.asserts.every((s) => s.passed)).toBe(true);
  });
});

describe('l2_regularization.py', () => {
  it('adds beta * l2_loss(W) to the loss and its gradient W * beta', () => {
    const a = py(example('l2_regularization.py'));
    const X = t2([
      [1, 2, 3],
      [4, 5, 6],
      [7, 8, 10],
      [-1, 0, 2],
    ]);
    const Y = t2([[1], [2], [3], [0.5]]);
    const loss = (w: tf.Tensor, b: tf.Tensor) =>
      tf.add(tf.mean(tf.square(tf.sub(tf.add(tf.matMul(X, w as tf.Tensor2D), b), Y))), tf.mul(0.01, tf.div(tf.sum(tf.square(w)), 2)));
    const W = tf.fill([3, 1], 0.5);
    const b = tf.zeros([1]);
    near(val(a, 'loss_val'), loss(W, b), 'loss');
    const [dW, db] = tf.grads((w, bb) => loss(w, bb))([W, b]);
    near(val(a, 'dW_val'), dW, 'dW', 1e-5, 1e-5);
    near(val(a, 'db_val'), db, 'db', 1e-5, 1e-5);
  });
});

describe('mlp.py', () => {
  it('evaluates the perceptron on XOR as TensorFlow.js does, with .eval() in the session', () => {
    const a = py(example('mlp.py'));
    const X = t2([
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
    ]);
    const Y = t2([[0], [1], [1], [0]]);
    const h1 = t2([
      [0.5, -0.4, 0.3],
      [0.2, 0.6, -0.7],
    ]);
    const b1 = tf.tensor1d([0.1, 0.0, -0.1]);
    const wo = t2([[0.8], [-0.5], [0.3]]);
    const bo = tf.tensor1d([0.05]);
    const pred = (w: tf.Tensor, b: tf.Tensor, v: tf.Tensor, c: tf.Tensor) =>
      tf.sigmoid(tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(X, w as tf.Tensor2D), b)), v as tf.Tensor2D), c));
    const cost = (w: tf.Tensor, b: tf.Tensor, v: tf.Tensor, c: tf.Tensor) => tf.mean(tf.pow(tf.sub(pred(w, b, v, c), Y), 2));
    near(val(a, 'c'), cost(h1, b1, wo, bo), 'cost');
    near(val(a, 'p'), pred(h1, b1, wo, bo), 'pred');
    const grads = tf.grads((w, b, v, c) => cost(w, b, v, c))([h1, b1, wo, bo]);
    items(a, 'g').forEach((g, i) => near(g, grads[i], `grads[${i}]`, 1e-4, 1e-6));
    expect(printed(a)).toMatch(/^cost= 0\.\d{9}\n\[/);
  });
});

describe('numpy_preprocessing.py', () => {
  it('standardises in float64 as NumPy does, one-hots by fancy indexing, and feeds the result', () => {
    const a = py(example('numpy_preprocessing.py'));
    const raw = [
      [150, 50],
      [160, 60],
      [170, 65],
      [180, 80],
      [190, 95],
    ];
    const mean = [0, 1].map((j) => raw.reduce((s, r) => s + r[j], 0) / raw.length);
    const std = [0, 1].map((j) => Math.sqrt(raw.reduce((s, r) => s + (r[j] - mean[j]) ** 2, 0) / raw.length));
    const features = raw.map((r) => r.map((v, j) => Math.fround((v - mean[j]) / std[j])));
    expect(val(a, 'features').dtype).toBe('float32');
    expect(data(val(a, 'features'))).toEqual(features.flat());
    expect(data(val(a, 'one_hot'))).toEqual([1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1]);
    const X = t2(features);
    const T = t2([
      [1, 0, 0],
      [0, 1, 0],
      [0, 1, 0],
      [0, 0, 1],
      [0, 0, 1],
    ]);
    const W = t2([
      [1.0, -1.0, 0.5],
      [0.5, 0.5, -1.0],
    ]);
    const loss = (x: tf.Tensor) =>
      tf.sum(tf.losses.softmaxCrossEntropy(T, tf.matMul(x as tf.Tensor2D, W), undefined, undefined, tf.Reduction.NONE));
    near(val(a, 'l'), loss(X), 'loss');
    near(val(a, 'g'), tf.grad((x) => loss(x))(X), 'dx', 1e-4, 1e-6);
    expect(printed(a).split('\n')[0]).toBe('float32 (5, 2) [1. 2. 2.]');
  });
});

describe('rebinding.py', () => {
  it('gives each binding of h its own version and the last one its gradient', () => {
    const a = py(example('rebinding.py'));
    const xs = [1, 2, 3, 4];
    expect(data(val(a, 'h_val'))).toEqual(xs.map((x) => (2 * x + 1) ** 2));
    expect(data(val(a, 'g_val'))).toEqual(xs.map((x) => 4 * (2 * x + 1)));
    expect(a.bindings.filter((b) => b.name === 'h')).toHaveLength(4);
    expect(a.bindings.filter((b) => b.name === 'n')).toHaveLength(3);
    expect(printed(a).split('\n')[0]).toBe('20');
    // The version at line 6 (h * 2.0): its value is 2x.
    const h6 = a.bindings.find((b) => b.name === 'h' && a.lines.positionAt(b.span.start).line === 5)!;
    expect(h6.value.kind).toBe('tensor');
    expect(data(a.valueOf(nodeOf(h6))!)).toEqual(xs.map((x) => 2 * x));
  });
});

describe('layers_loop.py', () => {
  it('names the variables by scope and computes the loss of the stacked tanh layers', () => {
    const a = py(example('layers_loop.py'));
    expect(printed(a).split('\n')[0]).toBe(
      "['layer_1/weights:0', 'layer_1/biases:0', 'layer_2/weights:0', 'layer_2/biases:0', 'layer_3/weights:0', 'layer_3/biases:0']",
    );
    const x = tf.linspace(-1, 1, 6).reshape([2, 3]);
    const sizes = [3, 5, 4, 2];
    const params = sizes.slice(1).flatMap((n, i) => [tf.fill([sizes[i], n], 0.1), tf.fill([n], 0.01)]);
    const loss = (...p: tf.Tensor[]) => {
      let h: tf.Tensor = x;
      for (let i = 0; i < 3; i++) h = tf.tanh(tf.add(tf.matMul(h as tf.Tensor2D, p[2 * i] as tf.Tensor2D), p[2 * i + 1]));
      return tf.mean(tf.sum(tf.square(h), 1));
    };
    near(val(a, 'loss_val'), loss(...params), 'loss');
    const grads = tf.grads(loss)(params);
    items(a, 'grad_vals').forEach((g, i) => near(g, grads[i], `grads[${i}]`, 1e-4, 1e-7));
  });
});

describe('deep_mnist_helpers.py', () => {
  it('runs the user conv2d that shadows the op and matches TensorFlow.js conv, pool and gradients', () => {
    const a = py(example('deep_mnist_helpers.py'));
    const images = tf.tensor2d(
      Array.from({ length: 72 }, (_, i) => Math.fround((i % 7) / 7)),
      [2, 36],
    );
    const labels = t2([
      [1, 0],
      [0, 1],
    ]);
    const loss = (w: tf.Tensor, b: tf.Tensor, wfc: tf.Tensor) => {
      const img = images.reshape([2, 6, 6, 1]) as tf.Tensor4D;
      const h = tf.relu(tf.add(tf.conv2d(img, w as tf.Tensor4D, 1, 'same'), b));
      const p = tf.maxPool(h as tf.Tensor4D, 2, 2, 'same');
      const logits = tf.matMul(p.reshape([2, 18]), wfc as tf.Tensor2D);
      return tf.losses.softmaxCrossEntropy(labels, logits);
    };
    const W = tf.fill([3, 3, 1, 2], 0.1);
    const b = tf.fill([2], 0.1);
    const wfc = tf.fill([18, 2], 0.1);
    near(val(a, 'loss'), loss(W, b, wfc), 'loss');
    const grads = tf.grads(loss)([W, b, wfc]);
    items(a, 'g').forEach((g, i) => near(g, grads[i], `grads[${i}]`, 1e-4, 1e-7));
    // `conv2d` is the user's function; `tf.nn.conv2d` inside it is the library's.
    expect(a.lookup('conv2d')?.kind).toBe('function');
  });
});

describe('session_fetches.py', () => {
  it('returns nested fetches in their structure and evaluates each run with its own feeds', () => {
    const a = py(example('session_fetches.py'));
    expect(printed(a)).toBe('[3. 6.] 9.0 9.0\n90.0 2.25\n');
    // c was last fetched by the run at line 11, with a = [0.5, 0.25].
    const c = a.lookup('c')!;
    expect(data(a.valueOf(nodeOf(c))!)).toEqual([2.25]);
    expect(a.python?.runOf(nodeOf(c))?.line).toBe(11);
  });
});

describe('logistic_regression.py', () => {
  it('sums the bias gradient over the batch; reduce_mean divides it by the batch size', () => {
    const a = py(example('logistic_regression.py'));
    const X = t2([
      [1, 2],
      [2, -1],
      [-1, -1],
      [0.5, 0.5],
      [3, 0],
    ]);
    const Y = t2([[1], [0], [0], [1], [1]]);
    const w = t2([[0.4], [-0.3]]);
    const loss = (b: tf.Tensor) =>
      tf.sum(tf.losses.sigmoidCrossEntropy(Y, tf.add(tf.matMul(X, w), b), undefined, undefined, tf.Reduction.NONE));
    const db = tf.grad(loss)(tf.tensor1d([0.1]));
    near(items(a, 's')[0], db, 'db sum', 1e-5, 1e-6);
    near(items(a, 'm')[0], tf.div(db, 5), 'db mean', 1e-5, 1e-6);
    expect(a.asserts.map((s) => s.passed)).toEqual([true]);
  });
});

describe('second_order.py', () => {
  it('differentiates a gradient in float64 (closed form)', () => {
    const a = py(example('second_order.py'));
    const xs = [0.5, 1.0, -2.0];
    expectNear(val(a, 'dy_val'), { shape: [3], data: xs.map((x) => Math.cos(x) * x * x + 2 * x * Math.sin(x)) }, 'dy', 1e-12, 1e-12);
    expectNear(
      val(a, 'd2y_val'),
      { shape: [3], data: xs.map((x) => -Math.sin(x) * x * x + 4 * x * Math.cos(x) + 2 * Math.sin(x)) },
      'd2y',
      1e-12,
      1e-12,
    );
    expect(val(a, 'dy_val').dtype).toBe('float64');
  });
});

describe('dense_layers.py', () => {
  it("makes the layers' variables as TensorFlow names them and matches TensorFlow.js", () => {
    const a = py(example('dense_layers.py'));
    expect(printed(a).split('\n')[0]).toBe("['dense/kernel:0', 'dense/bias:0', 'dense_1/kernel:0', 'dense_1/bias:0']");
    const X = t2([
      [1, -1, 2],
      [0.5, 0.5, 0.5],
      [-2, 1, 0],
    ]);
    const labels = tf.oneHot(tf.tensor1d([0, 1, 1], 'int32'), 2).toFloat();
    const params = [tf.fill([3, 4], 0.2), tf.fill([4], 0.1), tf.fill([4, 2], -0.3), tf.zeros([2])];
    const loss = (k1: tf.Tensor, b1: tf.Tensor, k2: tf.Tensor, b2: tf.Tensor) =>
      tf.losses.softmaxCrossEntropy(labels, tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(X, k1 as tf.Tensor2D), b1)), k2 as tf.Tensor2D), b2));
    near(val(a, 'loss_val'), loss(...(params as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor])), 'loss');
    const grads = tf.grads((k1, b1, k2, b2) => loss(k1, b1, k2, b2))(params);
    items(a, 'grad_vals').forEach((g, i) => near(g, grads[i], `grads[${i}]`, 1e-4, 1e-6));
  });
});

describe('attention.py', () => {
  it('computes batched attention and the gradient with respect to the queries as TensorFlow.js', () => {
    const a = py(example('attention.py'));
    const base = tf.range(0, 24).reshape([2, 3, 4]);
    const Q = tf.mul(tf.sin(base), 0.5);
    const K = tf.mul(tf.cos(base), 0.5);
    const V = tf.div(base, 10);
    const context = (q: tf.Tensor) =>
      tf.matMul(tf.softmax(tf.div(tf.matMul(q as tf.Tensor3D, K as tf.Tensor3D, false, true), 2)), V as tf.Tensor3D);
    near(val(a, 'ctx_val'), context(Q), 'context', 1e-5, 1e-6);
    near(val(a, 'dq_val'), tf.grad((q) => tf.sum(tf.square(context(q))))(Q), 'dq', 1e-4, 1e-5);
    expect(a.asserts.map((s) => s.passed)).toEqual([true]);
  });
});

describe('batch_sum_vs_mean.py', () => {
  it("sums a shared parameter's gradient over the batch, and explains each with its own run's batch", () => {
    const a = py(example('batch_sum_vs_mean.py'));
    expect(data(val(a, 'dw_small'))).toEqual([4, 6]);
    expect(data(val(a, 'dw_mean_small'))).toEqual([2, 3]);
    expect(data(val(a, 'dw_large'))).toEqual([1 + 3 + 1 + 3 + 1, 2 + 4 + 2 + 4 + 2]);
    expect(a.asserts.map((s) => s.passed)).toEqual([true, true]);
    // dw was last fetched with the batch of 5, dw_mean with the batch of 2.
    const explain = (name: string) => explanationLines(a.python!.explainView(a.lookup(name)!), a.lookup(name)!).join(' ');
    expect(explain('dw')).toMatch(/divide by the batch size 5/);
    expect(explain('dw_mean')).toMatch(/already divided by the batch size 2/);
  });
});
