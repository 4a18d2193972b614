// TF 2.x eager execution and tf.GradientTape: values known at once, printed as TensorFlow
// prints them, variables assigned in place, and tape gradients (watch, persistent, nested,
// output_gradients, unconnected, Jacobians) compared with TensorFlow.js.

import type { Tensor } from '../../engine/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { quietCpuBackend } from '../support/numeric';
import { nearTf, printed, py, val } from './support';

beforeAll(quietCpuBackend);

const near = (actual: Tensor, expected: tf.Tensor, what: string, rtol = 1e-5, atol = 1e-6) => nearTf(actual, expected, what, rtol, atol);

describe('eager tensors', () => {
  it('have values at once, printed as TensorFlow 2 prints them', () => {
    const a = py(`import tensorflow as tf
x = tf.constant([[1., 2.], [3., 4.]])
y = x * 2 + 1
print(y)
print(tf.reduce_sum(y))
print(repr(tf.constant([1, 2])))
print(y.numpy())
print(float(tf.reduce_mean(x)), int(tf.reduce_sum(tf.constant([1, 2]))), len(x))
print(f"{tf.reduce_mean(x):.3f}")
if tf.reduce_sum(x) > 5:
    print("big")
rows = [r.numpy().tolist() for r in x]
print(rows)
`);
    expect(printed(a)).toBe(
      'tf.Tensor(\n[[3. 5.]\n [7. 9.]], shape=(2, 2), dtype=float32)\n' +
        'tf.Tensor(24.0, shape=(), dtype=float32)\n' +
        '<tf.Tensor: shape=(2,), dtype=int32, numpy=array([1, 2], dtype=int32)>\n' +
        '[[3. 5.]\n [7. 9.]]\n' +
        '2.5 3 2\n' +
        '2.500\n' +
        'big\n' +
        '[[1.0, 2.0], [3.0, 4.0]]\n',
    );
  });

  it('stay TF 1.x graph tensors in a script that uses a session', () => {
    const a = py(`import tensorflow as tf
x = tf.constant([1., 2.])
print(x)
with tf.Session() as sess:
    print(sess.run(x))
`);
    expect(printed(a)).toBe('Tensor("Const:0", shape=(2,), dtype=float32)\n[1. 2.]\n');
  });

  it('meet NumPy: np.array(t) and arithmetic with arrays', () => {
    const a = py(`import tensorflow as tf
import numpy as np
t = tf.constant([1., 2., 3.])
arr = np.array(t)
m = np.mean(t)
s = t + np.array([1., 1., 1.], dtype=np.float32)
print(arr, m, s.numpy())
`);
    expect(printed(a)).toBe('[1. 2. 3.] 2.0 [2. 3. 4.]\n');
  });
});

describe('eager variables', () => {
  it('assign, assign_add and assign_sub change the value; what was computed before keeps its own', () => {
    const a = py(`import tensorflow as tf
v = tf.Variable([1.0, 2.0])
before = v * 10
v.assign_add([1.0, 1.0])
v.assign_sub(tf.constant([0.5, 0.5]))
after = v * 10
print(v)
v.assign([7.0, 8.0])
print(v.numpy(), before.numpy(), after.numpy())
`);
    expect(printed(a)).toBe(
      "<tf.Variable 'Variable:0' shape=(2,) dtype=float32, numpy=array([1.5, 2.5], dtype=float32)>\n" + '[7. 8.] [10. 20.] [15. 25.]\n',
    );
  });

  it('refuses an assignment of another shape, as TensorFlow does', () => {
    const a = py(
      `import tensorflow as tf
v = tf.Variable([1.0, 2.0])
v.assign([1.0, 2.0, 3.0])
`,
      { strict: false },
    );
    expect(a.diagnostics.map((d) => d.message).join('\n')).toMatch(/Shape mismatch/);
  });
});

describe('tf.GradientTape', () => {
  it('gives the gradients TensorFlow.js gives, for watched tensors and trainable variables, explained as tf.gradients', () => {
    const a = py(`import tensorflow as tf
x = tf.constant([1.0, 2.0, 3.0])
w = tf.Variable([[0.5], [0.25], [-1.0]])
with tf.GradientTape(persistent=True) as tape:
    tape.watch(x)
    y = tf.reduce_sum(tf.square(x)) + tf.reduce_sum(tf.tanh(tf.matmul(tf.reshape(x, [1, 3]), w)))
dy_dx = tape.gradient(y, x)
dy_dw = tape.gradient(y, w)
both = tape.gradient(y, {'x': x, 'w': w})
`);
    const X = tf.tensor1d([1, 2, 3]);
    const W = tf.tensor2d([[0.5], [0.25], [-1.0]]);
    const f = (x: tf.Tensor, w: tf.Tensor) =>
      tf.add(tf.sum(tf.square(x)), tf.sum(tf.tanh(tf.matMul(tf.reshape(x, [1, 3]) as tf.Tensor2D, w as tf.Tensor2D))));
    const [gx, gw] = tf.grads((x, w) => f(x, w))([X, W]);
    near(val(a, 'dy_dx'), gx, 'dy/dx');
    near(val(a, 'dy_dw'), gw, 'dy/dw');
    expect(a.lookup('dy_dx')!.kind).toBe('gradient');
    expect(a.lookup('dy_dx')!.gradient).toBeDefined();
    expect(a.lookup('both')!.kind).not.toBe('error');
  });

  it('gives None for what it does not watch, zeros with UnconnectedGradients.ZERO, and refuses a second use when not persistent', () => {
    const a = py(
      `import tensorflow as tf
x = tf.constant(3.0)
z = tf.constant(2.0)
with tf.GradientTape() as tape:
    y = x * x
print(tape.gradient(y, x))
with tf.GradientTape(persistent=True) as tape2:
    tape2.watch(x)
    y2 = x * x
print(tape2.gradient(y2, z), tape2.gradient(y2, z, unconnected_gradients=tf.UnconnectedGradients.ZERO))
with tf.GradientTape() as tape3:
    tape3.watch(x)
    y3 = x * x
g3 = tape3.gradient(y3, x)
again = tape3.gradient(y3, x)
`,
      { strict: false },
    );
    expect(printed(a)).toBe('None\nNone tf.Tensor(0.0, shape=(), dtype=float32)\n');
    expect(a.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([
      'RuntimeError: A non-persistent GradientTape can only be used to compute one set of gradients (or jacobians)',
    ]);
  });

  it('nests for second order, takes output_gradients, and gives Jacobians as TensorFlow.js', () => {
    const a = py(`import tensorflow as tf
x = tf.constant([0.5, -1.0, 2.0])
with tf.GradientTape() as outer:
    outer.watch(x)
    with tf.GradientTape() as inner:
        inner.watch(x)
        y = tf.reduce_sum(tf.sin(x) * x ** 2)
    dy = inner.gradient(y, x)
d2y = outer.gradient(dy, x)
with tf.GradientTape(persistent=True) as t:
    t.watch(x)
    q = tf.exp(x) * 2.0
weighted = t.gradient(q, x, output_gradients=tf.constant([1.0, 0.5, -2.0]))
jac = t.jacobian(q, x)
xb = tf.constant([[1.0, 2.0], [3.0, 4.0]])
with tf.GradientTape() as tb:
    tb.watch(xb)
    yb = xb * xb * 3.0
bj = tb.batch_jacobian(yb, xb)
`);
    const X = tf.tensor1d([0.5, -1.0, 2.0]);
    const dy = (x: tf.Tensor) => tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.sin(v), tf.square(v))))(x);
    near(val(a, 'dy'), dy(X), 'dy', 1e-5, 1e-5);
    const d2y = tf.grad((v: tf.Tensor) => tf.sum(dy(v)))(X);
    near(val(a, 'd2y'), d2y, 'd2y', 1e-4, 1e-5);
    const ex = tf.exp(X).dataSync();
    near(val(a, 'weighted'), tf.tensor1d([2 * ex[0] * 1, 2 * ex[1] * 0.5, 2 * ex[2] * -2]), 'output_gradients', 1e-5, 1e-5);
    near(
      val(a, 'jac'),
      tf.tensor2d([
        [2 * ex[0], 0, 0],
        [0, 2 * ex[1], 0],
        [0, 0, 2 * ex[2]],
      ]),
      'jacobian',
      1e-5,
      1e-5,
    );
    near(
      val(a, 'bj'),
      tf.tensor3d([
        [
          [6, 0],
          [0, 12],
        ],
        [
          [18, 0],
          [0, 24],
        ],
      ]),
      'batch_jacobian',
    );
  });
});
