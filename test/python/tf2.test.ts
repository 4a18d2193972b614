// TF 2.x functions: @tf.function, @tf.custom_gradient (the engine's grad rule), Keras losses
// as functions and loss objects, activations, and TF 1.x tf.losses in a graph; numbers from
// TensorFlow.js computing the same formulas.

import type { Tensor } from '../../engine/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { quietCpuBackend } from '../support/numeric';
import { data, nearTf, printed, py, val } from './support';

beforeAll(quietCpuBackend);

const near = (actual: Tensor, expected: tf.Tensor, what: string, rtol = 1e-5, atol = 1e-6) => nearTf(actual, expected, what, rtol, atol);

describe('@tf.function and @tf.custom_gradient', () => {
  it('a rule of two inputs (one without a gradient), under tf.function with arguments', () => {
    const a = py(`import tensorflow as tf

@tf.custom_gradient
def scaled_square(x, scale):
    def grad(dy):
        return dy * 2.0 * x * scale, None
    return scale * x * x, grad

@tf.function(autograph=False)
def model(x):
    return tf.reduce_sum(scaled_square(x, tf.constant(3.0)))

x = tf.constant([1.0, -2.0, 0.5])
with tf.GradientTape() as tape:
    tape.watch(x)
    y = model(x)
dy = tape.gradient(y, x)
`);
    near(val(a, 'y'), tf.scalar(3 * (1 + 4 + 0.25)), 'value');
    near(val(a, 'dy'), tf.tensor1d([6, -12, 3]), 'rule: 2 · x · scale');
  });

  it('a rule returning the wrong number of gradients is an error at the call', () => {
    const a = py(
      `import tensorflow as tf

@tf.custom_gradient
def f(x):
    def grad(dy):
        return dy, dy
    return x * 2.0, grad

x = tf.constant(1.0)
with tf.GradientTape() as tape:
    tape.watch(x)
    y = f(x)
g = tape.gradient(y, x)
`,
      { strict: false },
    );
    expect(a.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([
      'the gradient function of f must return 1 gradient (one per input), got 2',
    ]);
  });
});

describe('Keras losses and activations', () => {
  const T = tf.tensor2d([
    [0, 1],
    [1, 0],
    [1, 1],
  ]);
  const P = tf.tensor2d([
    [0.2, 0.7],
    [0.9, 0.3],
    [0.6, 0.8],
  ]);
  const setup = `import tensorflow as tf
y_true = tf.constant([[0., 1.], [1., 0.], [1., 1.]])
y_pred = tf.constant([[0.2, 0.7], [0.9, 0.3], [0.6, 0.8]])
`;

  it('as functions give one loss per sample; loss objects reduce them as Keras does', () => {
    const a = py(`${setup}
mse_fn = tf.keras.losses.mean_squared_error(y_true, y_pred)
mse = tf.keras.losses.MeanSquaredError()(y_true, y_pred)
mse_sum_weighted = tf.keras.losses.MeanSquaredError(reduction=tf.keras.losses.Reduction.SUM)(y_true, y_pred, sample_weight=tf.constant([1., 2., 0.5]))
mse_none = tf.keras.losses.MeanSquaredError(reduction='none')(y_true, y_pred)
mae = tf.keras.losses.mae(y_true, y_pred)
bce = tf.keras.losses.BinaryCrossentropy()(y_true, y_pred)
bce_logits = tf.keras.losses.binary_crossentropy(y_true, y_pred, from_logits=True)
cce = tf.keras.losses.categorical_crossentropy(y_true, y_pred)
cce_logits = tf.keras.losses.CategoricalCrossentropy(from_logits=True)(y_true, y_pred)
scce = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)(tf.constant([1, 0, 1]), y_pred)
huber = tf.keras.losses.Huber(delta=0.5)(y_true, y_pred)
tf2_losses = tf.losses.mse(y_true, y_pred)
`);
    const perSample = tf.mean(tf.square(tf.sub(P, T)), -1);
    near(val(a, 'mse_fn'), perSample, 'mean_squared_error');
    near(val(a, 'tf2_losses'), perSample, 'tf.losses.mse in TF 2');
    near(val(a, 'mse'), tf.mean(perSample), 'SUM_OVER_BATCH_SIZE');
    near(val(a, 'mse_none'), perSample, 'NONE');
    near(val(a, 'mse_sum_weighted'), tf.sum(tf.mul(perSample, tf.tensor1d([1, 2, 0.5]))), 'SUM with sample_weight');
    near(val(a, 'mae'), tf.mean(tf.abs(tf.sub(P, T)), -1), 'mae');
    const eps = 1e-7;
    const clipped = tf.clipByValue(P, eps, 1 - eps);
    const bceElems = tf.neg(tf.add(tf.mul(T, tf.log(tf.add(clipped, eps))), tf.mul(tf.sub(1, T), tf.log(tf.add(tf.sub(1, clipped), eps)))));
    near(val(a, 'bce'), tf.mean(bceElems), 'BinaryCrossentropy');
    near(
      val(a, 'bce_logits'),
      tf.mean(tf.losses.sigmoidCrossEntropy(T, P, undefined, 0, tf.Reduction.NONE), -1),
      'binary_crossentropy(from_logits)',
    );
    const norm = tf.clipByValue(tf.div(P, tf.sum(P, -1, true)), eps, 1 - eps);
    near(val(a, 'cce'), tf.neg(tf.sum(tf.mul(T, tf.log(norm)), -1)), 'categorical_crossentropy');
    near(val(a, 'cce_logits'), tf.mean(tf.neg(tf.sum(tf.mul(T, tf.logSoftmax(P)), -1))), 'CategoricalCrossentropy(from_logits)');
    const logSm = tf.logSoftmax(P).arraySync() as number[][];
    near(val(a, 'scce'), tf.scalar(-(logSm[0][1] + logSm[1][0] + logSm[2][1]) / 3), 'SparseCategoricalCrossentropy');
    const err = tf.abs(tf.sub(P, T));
    const hub = tf.where(tf.lessEqual(err, 0.5), tf.mul(0.5, tf.square(err)), tf.sub(tf.mul(0.5, err), 0.125));
    near(val(a, 'huber'), tf.mean(tf.mean(hub, -1)), 'Huber');
  });

  it('activations by function and by name', () => {
    const a = py(`import tensorflow as tf
x = tf.constant([-1.5, 0.0, 2.0])
r = tf.keras.activations.relu(x)
s = tf.keras.activations.get('sigmoid')(x)
e = tf.keras.activations.elu(x)
`);
    const X = tf.tensor1d([-1.5, 0, 2]);
    near(val(a, 'r'), tf.relu(X), 'relu');
    near(val(a, 's'), tf.sigmoid(X), 'sigmoid');
    near(val(a, 'e'), tf.elu(X), 'elu');
  });

  it('tf.losses in a TF 1.x graph: the weighted mean over non-zero weights', () => {
    const a = py(`import tensorflow.compat.v1 as tf
labels = tf.placeholder(tf.float32, [None, 2])
pred = tf.constant([[0.2, 0.7], [0.9, 0.3], [0.6, 0.8]])
mse = tf.losses.mean_squared_error(labels, pred)
weighted = tf.losses.mean_squared_error(labels, pred, weights=tf.constant([[1.], [0.], [2.]]))
xent = tf.losses.softmax_cross_entropy(labels, pred)
with tf.Session() as sess:
    mse_v, weighted_v, xent_v = sess.run([mse, weighted, xent], {labels: [[0., 1.], [1., 0.], [1., 1.]]})
`);
    const sq = tf.square(tf.sub(P, T));
    near(val(a, 'mse_v'), tf.mean(sq), 'mse');
    // weights [1, 0, 2] per row broadcast over 2 columns: 4 non-zero weights
    near(val(a, 'weighted_v'), tf.div(tf.sum(tf.mul(sq, tf.tensor2d([[1], [0], [2]]))), 4), 'weighted');
    near(val(a, 'xent_v'), tf.mean(tf.neg(tf.sum(tf.mul(T, tf.logSoftmax(P)), -1))), 'softmax_cross_entropy');
    expect(a.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });
});

describe('Keras layers without weights', () => {
  it('pooling, flatten, merging and activation layers, and a gradient through them', () => {
    const a = py(`import numpy as np
import tensorflow as tf
img = tf.constant(np.sin(np.arange(2 * 4 * 4 * 3, dtype=np.float32)).reshape(2, 4, 4, 3))
layers = tf.keras.layers
maxed = layers.MaxPooling2D()(img)
avg = layers.AveragePooling2D(pool_size=(2, 1), strides=1, padding='same')(img)
glob = layers.GlobalAveragePooling2D()(img)
flat = layers.Flatten()(maxed)
both = layers.Concatenate()([glob, layers.GlobalMaxPooling2D()(img)])
mean = layers.Average()([glob, glob * 3.])
leaky = layers.LeakyReLU()(flat)
probs = layers.Softmax()(leaky)
same = layers.Dropout(0.5)(glob)
with tf.GradientTape() as tape:
    tape.watch(img)
    y = tf.reduce_sum(layers.Add()([layers.Flatten()(avg), layers.Flatten()(img)]) ** 2) + tf.reduce_sum(probs * probs)
g = tape.gradient(y, img)
`);
    const img = tf.sin(tf.range(0, 2 * 4 * 4 * 3)).reshape([2, 4, 4, 3]) as tf.Tensor4D;
    const maxed = (v: tf.Tensor4D) => tf.maxPool(v, 2, 2, 'valid');
    // TF.js's gradient of a 'same' avgPool counts the padding; the same pooling written out:
    // rows h and h + 1 averaged, the last row alone.
    const avg = (v: tf.Tensor4D) =>
      tf.concat(
        [
          tf.div(tf.add(tf.slice(v, [0, 0, 0, 0], [2, 3, 4, 3]), tf.slice(v, [0, 1, 0, 0], [2, 3, 4, 3])), 2),
          tf.slice(v, [0, 3, 0, 0], [2, 1, 4, 3]),
        ],
        1,
      );
    const glob = tf.mean(img, [1, 2]);
    // Keras' LeakyReLU slope is 0.3 by default.
    const probs = (v: tf.Tensor4D) => tf.softmax(tf.leakyRelu(tf.reshape(maxed(v), [2, -1]), 0.3));
    near(val(a, 'maxed'), maxed(img), 'MaxPooling2D');
    near(val(a, 'avg'), avg(img), "AveragePooling2D 'same', strides 1");
    near(val(a, 'avg'), tf.avgPool(img, [2, 1], 1, 'same'), "AveragePooling2D 'same', as TF.js's avgPool");
    near(val(a, 'glob'), glob, 'GlobalAveragePooling2D');
    near(val(a, 'both'), tf.concat([glob, tf.max(img, [1, 2])], -1), 'Concatenate of the global poolings');
    near(val(a, 'mean'), tf.mul(glob, 2), 'Average');
    near(val(a, 'probs'), probs(img), 'Flatten, LeakyReLU, Softmax');
    near(val(a, 'same'), glob, 'Dropout is the identity outside training');
    const f = (v: tf.Tensor) => {
      const x = v as tf.Tensor4D;
      const p = probs(x);
      return tf.add(tf.sum(tf.square(tf.add(tf.reshape(avg(x), [2, -1]), tf.reshape(x, [2, -1])))), tf.sum(tf.mul(p, p)));
    };
    near(val(a, 'g'), tf.grad(f)(img), 'gradient');
  });
});

describe('Keras layers with weights', () => {
  it("Conv2D, Embedding and LayerNormalization: Keras' weight names, values and gradients", () => {
    const a = py(`import numpy as np
import tensorflow as tf
ids = tf.constant([[1, 3, 3], [0, 2, 4]])
img = tf.constant(np.sin(np.arange(2 * 6 * 6 * 2, dtype=np.float32)).reshape(2, 6, 6, 2))
emb = tf.keras.layers.Embedding(5, 4, embeddings_initializer=tf.keras.initializers.Constant(np.cos(np.arange(20, dtype=np.float32)).reshape(5, 4)))
conv = tf.keras.layers.Conv2D(3, 3, strides=2, padding='same', activation='relu', kernel_initializer=tf.keras.initializers.Constant(np.sin(np.arange(54, dtype=np.float32) * 0.3).reshape(3, 3, 2, 3)), bias_initializer=tf.keras.initializers.Constant([0.1, -0.2, 0.3]))
norm = tf.keras.layers.LayerNormalization()
with tf.GradientTape() as tape:
    e = emb(ids)
    h = norm(e)
    c = conv(img)
    loss = tf.reduce_sum(h ** 3) + tf.reduce_sum(c ** 2)
dE, dK, dB, dgamma, dbeta = tape.gradient(loss, emb.trainable_variables + conv.trainable_variables + norm.trainable_variables)
names = ' '.join(v.name for v in conv.weights + emb.weights + norm.weights)
print(names)
`);
    expect(printed(a).trim()).toBe(
      'conv2d/kernel:0 conv2d/bias:0 embedding/embeddings:0 layer_normalization/gamma:0 layer_normalization/beta:0',
    );
    const ids = tf.tensor2d(
      [
        [1, 3, 3],
        [0, 2, 4],
      ],
      undefined,
      'int32',
    );
    const img = tf.sin(tf.range(0, 2 * 6 * 6 * 2)).reshape([2, 6, 6, 2]) as tf.Tensor4D;
    const E = tf.cos(tf.range(0, 20)).reshape([5, 4]);
    const K = tf.sin(tf.mul(tf.range(0, 54), 0.3)).reshape([3, 3, 2, 3]) as tf.Tensor4D;
    const B = tf.tensor1d([0.1, -0.2, 0.3]);
    const gamma = tf.ones([4]);
    const beta = tf.zeros([4]);
    const normed = (e: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
      const { mean, variance } = tf.moments(e, -1, true);
      return tf.add(tf.mul(tf.div(tf.sub(e, mean), tf.sqrt(tf.add(variance, 1e-3))), g), b);
    };
    const conv = (k: tf.Tensor, b: tf.Tensor) => tf.relu(tf.add(tf.conv2d(img, k as tf.Tensor4D, 2, 'same'), b));
    const loss = (e: tf.Tensor, k: tf.Tensor, b: tf.Tensor, g: tf.Tensor, bt: tf.Tensor) =>
      tf.add(tf.sum(tf.pow(normed(tf.gather(e, ids), g, bt), 3)), tf.sum(tf.square(conv(k, b))));
    near(val(a, 'h'), normed(tf.gather(E, ids), gamma, beta), 'LayerNormalization of the embeddings', 1e-4, 1e-5);
    near(val(a, 'c'), conv(K, B), "Conv2D 'same', strides 2, relu");
    const grads = tf.grads(loss)([E, K, B, gamma, beta]);
    ['dE', 'dK', 'dB', 'dgamma', 'dbeta'].forEach((name, i) => near(val(a, name), grads[i], name, 1e-4, 1e-4));
  });
});

describe('Keras layers that move values: Permute, RepeatVector, ZeroPadding1D/2D', () => {
  it('put each value where Keras does, and the gradient back on it', () => {
    const a = py(`import numpy as np
import tensorflow as tf
x = tf.constant(np.arange(24, dtype=np.float32).reshape(2, 3, 4))
with tf.GradientTape() as tape:
    tape.watch(x)
    permuted = tf.keras.layers.Permute((2, 1))(x)
    repeated = tf.keras.layers.RepeatVector(2)(x[:, 0])
    padded = tf.keras.layers.ZeroPadding1D((1, 2))(x)
    framed = tf.keras.layers.ZeroPadding2D(((1, 0), (0, 2)))(x[..., None])
    loss = tf.reduce_sum(permuted[:, 0]) + tf.reduce_sum(repeated) + tf.reduce_sum(padded) + tf.reduce_sum(framed)
g = tape.gradient(loss, x)
`);
    expect(val(a, 'permuted').shape).toEqual([2, 4, 3]);
    expect(data(val(a, 'permuted')).slice(12, 15)).toEqual([12, 16, 20]);
    expect(val(a, 'repeated').shape).toEqual([2, 2, 4]);
    expect(data(val(a, 'repeated')).slice(8, 16)).toEqual([12, 13, 14, 15, 12, 13, 14, 15]);
    expect(val(a, 'padded').shape).toEqual([2, 6, 4]);
    expect(data(val(a, 'padded')).filter((_, i) => i % 4 === 0 && i < 24)).toEqual([0, 0, 4, 8, 0, 0]);
    expect(val(a, 'framed').shape).toEqual([2, 4, 6, 1]);
    expect(data(val(a, 'framed')).slice(0, 12)).toEqual([0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 0, 0]);
    // Each x[b, t, f]: 1 from padded, 1 from framed, 1 more where t = 0 (permuted[:, 0] is
    // feature 0 of every step, so t: any, f = 0), and 2 from the two repeats of step 0.
    const expected = Array.from({ length: 24 }, (_, i) => {
      const t = Math.floor(i / 4) % 3;
      const f = i % 4;
      return 2 + (f === 0 ? 1 : 0) + (t === 0 ? 2 : 0);
    });
    expect(data(val(a, 'g'))).toEqual(expected);
  });
});

describe('Keras weights from NumPy: build, set_weights, get_weights', () => {
  it('set_weights replaces every weight (Dense after build, Conv1D after a first call); get_weights reads them back', () => {
    const a = py(`import numpy as np
import tensorflow as tf
dense = tf.keras.layers.Dense(2)
dense.build((None, 3))
dense.set_weights([np.arange(6, dtype=np.float32).reshape(3, 2), np.array([0.5, -0.5], dtype=np.float32)])
y = dense(tf.ones((1, 3)))
conv = tf.keras.layers.Conv1D(1, 2, use_bias=False)
before = conv(tf.ones((1, 3, 1)))
conv.set_weights([np.full((2, 1, 1), 3.0)])
after = conv(tf.ones((1, 3, 1)))
kernel, bias = dense.get_weights()
`);
    expect(a.diagnostics.map((d) => d.message)).toEqual([]);
    expect(data(val(a, 'y'))).toEqual([6.5, 8.5]);
    expect(data(val(a, 'after'))).toEqual([6, 6]);
    expect(data(val(a, 'kernel'))).toEqual([0, 1, 2, 3, 4, 5]);
    expect(data(val(a, 'bias'))).toEqual([0.5, -0.5]);
  });

  it("Sequential: build makes every layer's weights in turn, get_weights/set_weights go over them in order; Reshape keeps the batch axis", () => {
    const a = py(`import numpy as np
import tensorflow as tf
model = tf.keras.Sequential([tf.keras.layers.Dense(2), tf.keras.layers.Reshape((-1,)), tf.keras.layers.Dense(1, use_bias=False)])
model.build((None, 3, 2))
print([w.shape for w in model.get_weights()])
model.set_weights([np.eye(2), np.array([1.0, -1.0]), np.arange(6.0).reshape(6, 1)])
y = model(tf.ones((1, 3, 2)))
`);
    expect(printed(a).trim()).toBe('[(2, 2), (2,), (6, 1)]');
    // Each row [1, 1]·I + [1, -1] = [2, 0]; flattened [2, 0, 2, 0, 2, 0]·[0..5] = 12.
    expect(data(val(a, 'y'))).toEqual([12]);
  });

  it("a weight list of the wrong length or shape is Keras' ValueError at the call, and changes nothing", () => {
    const a = py(
      `import numpy as np
import tensorflow as tf
dense = tf.keras.layers.Dense(2, kernel_initializer='ones')
dense.build((None, 3))
dense.set_weights([np.zeros((3, 2))])
dense.set_weights([np.zeros((2, 3)), np.zeros(2)])
y = dense(tf.ones((1, 3)))
`,
      { strict: false },
    );
    expect(a.diagnostics.map((d) => [a.lines.positionAt(d.span.start).line, d.message])).toEqual([
      [4, expect.stringContaining('with a weight list of length 1, but the layer was expecting 2 weights')],
      [5, expect.stringContaining('Layer dense weight shape (3, 2) is not compatible with provided weight shape (2, 3)')],
    ]);
    expect(data(val(a, 'y'))).toEqual([3, 3]);
  });
});

describe("TF 1.x's functional layers", () => {
  it('tf.layers.conv2d, max_pooling2d, flatten and dropout make and call the Keras layer, with its weights', () => {
    const a = py(`import numpy as np
import tensorflow as tf
x = tf.placeholder(tf.float32, [None, 8, 8, 1])
h = tf.layers.conv2d(x, 4, 3, padding='same', activation=tf.nn.relu, kernel_initializer=tf.constant_initializer(0.1))
p = tf.layers.max_pooling2d(h, 2, 2)
f = tf.layers.flatten(p)
d = tf.layers.dropout(f, rate=0.3)
y = tf.layers.dense(d, 2, kernel_initializer=tf.constant_initializer(0.05))
names = ' '.join(v.name for v in tf.trainable_variables())
print(names)
sess = tf.Session()
sess.run(tf.global_variables_initializer())
out = sess.run(y, {x: np.ones([2, 8, 8, 1])})
`);
    expect(printed(a).trim()).toBe('conv2d/kernel:0 conv2d/bias:0 dense/kernel:0 dense/bias:0');
    const conv = tf.relu(tf.conv2d(tf.ones([2, 8, 8, 1]) as tf.Tensor4D, tf.fill([3, 3, 1, 4], 0.1) as tf.Tensor4D, 1, 'same'));
    const flat = tf.reshape(tf.maxPool(conv as tf.Tensor4D, 2, 2, 'valid'), [2, -1]);
    near(val(a, 'out'), tf.matMul(flat, tf.fill([64, 2], 0.05)), 'conv, pool, flatten, dropout (identity), dense');
  });
});

describe('Keras BatchNormalization', () => {
  it("in training, the batch's moments over every axis but the last (and the moving statistics updated); otherwise the moving statistics", () => {
    const a = py(`import numpy as np
import tensorflow as tf
x = tf.constant(np.cos(np.arange(2 * 3 * 3 * 4, dtype=np.float32)).reshape(2, 3, 3, 4))
bn = tf.keras.layers.BatchNormalization(gamma_initializer=tf.keras.initializers.Constant([1., 2., 0.5, -1.]))
with tf.GradientTape() as tape:
    tape.watch(x)
    y = bn(x, training=True)
    loss = tf.reduce_sum(y ** 3)
dx, dgamma, dbeta = tape.gradient(loss, [x] + bn.trainable_variables)
inference = bn(x)
counts = (len(bn.trainable_variables), len(bn.non_trainable_variables), len(bn.weights))
print(counts)
`);
    expect(printed(a).trim()).toBe('(2, 2, 4)');
    const x = tf.cos(tf.range(0, 72)).reshape([2, 3, 3, 4]);
    const gamma = tf.tensor1d([1, 2, 0.5, -1]);
    const beta = tf.zeros([4]);
    const train = (v: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
      const { mean, variance } = tf.moments(v, [0, 1, 2], true);
      // Written out: TF.js's batchNorm has no gradient for a kept-dims mean.
      return tf.add(tf.mul(tf.div(tf.sub(v, mean), tf.sqrt(tf.add(variance, 1e-3))), g), b);
    };
    near(val(a, 'y'), train(x, gamma, beta), 'training: batch moments', 1e-4, 1e-5);
    // The training call moved the moving statistics (momentum 0.99; on 4-D input Keras' fused
    // kernel averages the variance with Bessel's correction, n = 18 per channel).
    const { mean: batchMean, variance: batchVariance } = tf.moments(x, [0, 1, 2]);
    const movingMean = tf.mul(batchMean, 0.01);
    const movingVariance = tf.add(tf.mul(tf.mul(batchVariance, 18 / 17), 0.01), 0.99);
    near(val(a, 'inference'), tf.batchNorm(x, movingMean, movingVariance, beta, gamma, 1e-3), 'inference: moving statistics', 1e-4, 1e-5);
    const grads = tf.grads((v: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.pow(train(v, g, b), 3)))([x, gamma, beta]);
    ['dx', 'dgamma', 'dbeta'].forEach((name, i) => near(val(a, name), grads[i], name, 1e-4, 1e-4));
  });
});

describe('Keras model methods', () => {
  it('predict is the model called on the inputs, as NumPy; fit/compile/summary are one information each, not errors', () => {
    const src = `import tensorflow as tf
import numpy as np
model = tf.keras.Sequential([tf.keras.layers.Dense(2, kernel_initializer='ones', bias_initializer='zeros')])
x = np.array([[1., 2.], [3., -1.]], dtype=np.float32)
p = model.predict(x)
q = model(x).numpy()
model.compile(optimizer='sgd', loss='mse')
model.fit(x, p, epochs=2)
model.summary()
after = p.shape
`;
    const a = py(src);
    expect(data(val(a, 'p'))).toEqual([3, 3, 2, 2]);
    expect(data(val(a, 'q'))).toEqual([3, 3, 2, 2]);
    const infos = a.diagnostics.filter((d) => d.severity === 'information').map((d) => d.message);
    expect(infos).toEqual([
      expect.stringContaining('Sequential.compile'),
      expect.stringContaining('Sequential.fit'),
      expect.stringContaining('Sequential.summary'),
    ]);
  });
});

describe('Keras Dropout', () => {
  it("is the identity outside training, and tf.nn.dropout's rule in training", () => {
    const src = `import tensorflow as tf
d = tf.keras.layers.Dropout(0.5, seed=3)
x = tf.ones([40, 50])
y = d(x)
z = d(x, training=False)
w = d(x, training=True)
`;
    const a = py(src);
    expect(a.diagnostics).toEqual([]);
    expect(data(val(a, 'y')).every((v) => v === 1)).toBe(true);
    expect(data(val(a, 'z')).every((v) => v === 1)).toBe(true);
    const w = data(val(a, 'w'));
    expect(w.every((v) => v === 0 || v === 2)).toBe(true);
    const dropped = w.filter((v) => v === 0).length / w.length;
    expect(dropped).toBeGreaterThan(0.45);
    expect(dropped).toBeLessThan(0.55);
  });
});
