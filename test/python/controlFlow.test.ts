// tf.cond, tf.while_loop, tf.map_fn, tf.scan and the folds, unrolled into the graph: values and
// gradients against TensorFlow.js computing the same steps, the taken branch alone when the
// predicate is known, and the unrolling bounded by the iteration budget.

import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import type { Tensor } from '../../engine/tensor';
import { quietCpuBackend } from '../support/numeric';
import { nearTf, py, val } from './support';

beforeAll(quietCpuBackend);

const near = (actual: Tensor, expected: tf.Tensor, what: string) => nearTf(actual, expected, what, 1e-5, 1e-6);
const W = [
  [1, 2],
  [3, 4],
  [5, 6],
];

describe('tf.cond', () => {
  it('on a fed predicate (TF 1.x): the branch the feed picks, its gradient only', () => {
    const a = py(`import tensorflow as tf
x = tf.placeholder(tf.float32, [None, 3])
w = tf.Variable(${JSON.stringify(W)}, dtype=tf.float32)
y = tf.cond(tf.reduce_sum(x) > 0, lambda: tf.matmul(x, w), lambda: -2. * tf.matmul(x, w))
g = tf.gradients(y, w)[0]
sess = tf.Session()
sess.run(tf.global_variables_initializer())
pos, gpos = sess.run([y, g], {x: [[1., -2., 3.]]})
neg, gneg = sess.run([y, g], {x: [[-1., -2., 3.5], [0., 0., -1.]]})
`);
    const w = tf.tensor2d(W);
    const xp = tf.tensor2d([[1, -2, 3]]);
    const xn = tf.tensor2d([
      [-1, -2, 3.5],
      [0, 0, -1],
    ]);
    near(val(a, 'pos'), tf.matMul(xp, w), 'true branch');
    near(val(a, 'gpos'), tf.grad((v: tf.Tensor) => tf.matMul(xp, v))(w), 'its gradient');
    near(val(a, 'neg'), tf.mul(-2, tf.matMul(xn, w)), 'false branch');
    near(val(a, 'gneg'), tf.grad((v: tf.Tensor) => tf.mul(-2, tf.matMul(xn, v)))(w), 'its gradient');
  });

  it('on a known predicate (eager TF 2): only the taken branch runs, so an error in the other is never raised', () => {
    const a = py(`import tensorflow as tf
x = tf.constant([1., 2., 3.])
y = tf.cond(tf.reduce_max(x) > 2., lambda: x * 10., lambda: tf.reshape(x, [7]))
z, k = tf.cond(False, lambda: (x, 1), lambda: (x + 1., 2))
`);
    expect(a.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    near(val(a, 'y'), tf.tensor1d([10, 20, 30]), 'true branch');
    near(val(a, 'z'), tf.tensor1d([2, 3, 4]), 'false branch, two outputs');
  });
});

describe('loops', () => {
  it('tf.while_loop with a known trip count, and the gradient through every step', () => {
    const a = py(`import tensorflow as tf
w = tf.Variable(${JSON.stringify(W)}, dtype=tf.float32)
i, acc = tf.while_loop(lambda i, a: i < 4, lambda i, a: (i + 1, tf.tanh(a) * 1.5), [tf.constant(0), w])
g = tf.gradients(tf.reduce_sum(acc), w)[0]
j = tf.while_loop(lambda j: j < 100, lambda j: j + 7, [0], maximum_iterations=5)[0]
`);
    const steps = (v: tf.Tensor) => [0, 1, 2, 3].reduce((s) => tf.mul(tf.tanh(s), 1.5), v);
    const w = tf.tensor2d(W);
    expect(Array.from(val(a, 'i').data)).toEqual([4]);
    near(val(a, 'acc'), steps(w), 'four steps');
    near(val(a, 'g'), tf.grad((v: tf.Tensor) => tf.sum(steps(v)))(w), 'gradient through them');
    expect(Array.from(val(a, 'j').data)).toEqual([35]);
  });

  it('tf.while_loop on a fed condition is not evaluated, with one information diagnostic', () => {
    const a = py(
      `import tensorflow as tf
n = tf.placeholder(tf.int32, [])
k = tf.while_loop(lambda k: k < n, lambda k: k + 1, [0])
`,
      { strict: false },
    );
    expect(a.diagnostics.map((d) => `${d.severity}: ${d.message}`)).toEqual([
      'information: not evaluated: the condition of tf.while_loop depends on a placeholder, so its trip count is not known',
    ]);
  });

  it('tf.map_fn, tf.scan (forward and reversed), tf.foldl and tf.foldr, with gradients', () => {
    const a = py(`import tensorflow as tf
w = tf.Variable(${JSON.stringify(W)}, dtype=tf.float32)
rows = tf.map_fn(lambda r: tf.reduce_sum(r ** 2), w)
pairs = tf.map_fn(lambda t: (t[0] * 2., t[1] + 1.), (w, w))
cums = tf.scan(lambda acc, r: acc * 0.5 + r, w)
back = tf.scan(lambda acc, r: acc + r, w, initializer=tf.zeros([2]), reverse=True)
left = tf.foldl(lambda acc, r: acc * r, w)
right = tf.foldr(lambda acc, r: acc * 2. + r, w, initializer=tf.ones([2]))
g = tf.gradients([rows, cums, left, right], w)[0]
`);
    const w = tf.tensor2d(W);
    const rowsOf = (v: tf.Tensor) => tf.sum(tf.square(v), 1);
    const cumsOf = (v: tf.Tensor) => {
      const r = tf.unstack(v);
      const out = [r[0]];
      for (let i = 1; i < 3; i++) out.push(tf.add(tf.mul(out[i - 1], 0.5), r[i]));
      return tf.stack(out);
    };
    const leftOf = (v: tf.Tensor) => tf.unstack(v).reduce((acc, r) => tf.mul(acc, r));
    // Written as a loop: TF.js's gradient through a reversed unstack is wrong.
    const rightOf = (v: tf.Tensor) => {
      const r = tf.unstack(v);
      let acc: tf.Tensor = tf.ones([2]);
      for (let i = 2; i >= 0; i--) acc = tf.add(tf.mul(acc, 2), r[i]);
      return acc;
    };
    near(val(a, 'rows'), rowsOf(w), 'map_fn');
    near(val(a, 'cums'), cumsOf(w), 'scan');
    near(val(a, 'back'), tf.reverse(tf.cumsum(tf.reverse(w, 0), 0), 0), 'scan reversed: outputs in the elements order');
    near(val(a, 'left'), leftOf(w), 'foldl');
    near(val(a, 'right'), rightOf(w), 'foldr');
    const total = (v: tf.Tensor) => tf.addN([tf.sum(rowsOf(v)), tf.sum(cumsOf(v)), tf.sum(leftOf(v)), tf.sum(rightOf(v))]);
    near(val(a, 'g'), tf.grad(total)(w), 'gradient of all four');
  });

  it('an unrolling past the iteration budget stops with the budget diagnostic', () => {
    const a = py(
      `import tensorflow as tf
k = tf.while_loop(lambda k: k < 10 ** 9, lambda k: k + 1, [0])
m = tf.constant(2.) * 3.
`,
      { strict: false, maxUnrolledIterations: 50 },
    );
    expect(a.diagnostics.map((d) => `${d.code}: ${d.message}`)).toEqual([
      'budget-iterations: loops ran more than 50 iterations in all: this one was stopped (raise tgraph.maxUnrolledIterations)',
    ]);
    // The rest of the script still runs.
    near(val(a, 'm'), tf.scalar(6), 'the next statement');
  });
});
