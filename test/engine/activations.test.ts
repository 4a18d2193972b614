// Functions TensorFlow writes from other ops — activations (log_sigmoid, silu/swish, gelu),
// statistics (reduce_variance, reduce_std, reduce_euclidean_norm), weighted sigmoid
// cross-entropy, the log Poisson loss, divide_no_nan, reciprocal_no_nan, scalar_mul, matvec, in_top_k,
// sequence_mask and TensorFlow 1's casts: values against
// TensorFlow.js (its kernel where it has one, else TensorFlow's formula in TF.js ops),
// gradients against float64 central differences.

import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { expectChecksPass, expectClose, run, toTf, value } from '../support/ops';
import { run as runLoose } from '../support/engine';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const X = `x = placeholder(float32, [2, 4])
feed x = [[1.5, -2., 0.25, 3.], [-0.5, 0.75, -3., 1.]]`;

describe('activations', () => {
  it('log_sigmoid, silu/swish and gelu (exact and tanh) match TensorFlow', () => {
    const a = run(`${X}
ls = log_sigmoid(x)
si = tf.nn.silu(x)
sw = swish(x, beta=2.)
ge = gelu(x)
ga = gelu(x, approximate=True)
check gradients(reduce_sum(ls * si * sw), x)
check gradients(reduce_sum(ge + ga * ga), x)
`);
    const x = toTf(value(a, 'x'));
    expectClose(value(a, 'ls'), tf.logSigmoid(x));
    expectClose(value(a, 'si'), tf.mul(x, tf.sigmoid(x)));
    expectClose(value(a, 'sw'), tf.mul(x, tf.sigmoid(tf.mul(x, 2))));
    expectClose(value(a, 'ge'), tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.div(x, Math.SQRT2)))));
    const inner = tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), Math.sqrt(2 / Math.PI));
    expectClose(value(a, 'ga'), tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(inner))));
    expectChecksPass(a, 2);
  });
});

describe('statistics', () => {
  it('reduce_variance, reduce_std and reduce_euclidean_norm match tf.moments and tf.norm', () => {
    const a = run(`${X}
v = reduce_variance(x)
v1 = reduce_variance(x, axis=1, keepdims=True)
s0 = tf.math.reduce_std(x, 0)
e = reduce_euclidean_norm(x, axis=[0, 1])
e1 = reduce_euclidean_norm(x, 1)
check gradients(v + reduce_sum(v1 * s0[0:1]) + e + reduce_sum(e1), x)
`);
    const x = toTf(value(a, 'x'));
    expectClose(value(a, 'v'), tf.moments(x).variance);
    expectClose(value(a, 'v1'), tf.moments(x, 1, true).variance);
    expectClose(value(a, 's0'), tf.sqrt(tf.moments(x, 0).variance));
    expectClose(value(a, 'e'), tf.norm(x));
    expectClose(value(a, 'e1'), tf.norm(x, 'euclidean', 1));
    expectChecksPass(a, 1);
  });

  it('refuse integer input and report a bad axis at the axis', () => {
    const r = runLoose('a = reduce_variance([1, 2, 3])\nb = reduce_std([1., 2.], axis=3)');
    expect(r.errors().map((d) => [r.pos(d.span).line, r.pos(d.span).column, d.code])).toEqual([
      [1, 21, 'dtype-mismatch'],
      [2, 31, 'bad-axis'],
    ]);
  });
});

describe('weighted sigmoid cross-entropy and small math functions', () => {
  it("weighted_cross_entropy_with_logits is TensorFlow's formula, pos_weight 1 the plain sigmoid cross-entropy", () => {
    const a = run(`${X}
z = [[1., 0., 0.5, 1.], [0., 1., 1., 0.]]
w = tf.nn.weighted_cross_entropy_with_logits(labels=z, logits=x, pos_weight=3.)
p = weighted_cross_entropy_with_logits(z, x, 1.)
s = sigmoid_cross_entropy_with_logits(labels=z, logits=x)
check gradients(reduce_sum(w), x)
`);
    const x = toTf(value(a, 'x'));
    const z = tf.tensor([
      [1, 0, 0.5, 1],
      [0, 1, 1, 0],
    ]);
    const logWeight = tf.add(1, tf.mul(2, z));
    const want = tf.add(tf.mul(tf.sub(1, z), x), tf.mul(logWeight, tf.add(tf.log1p(tf.exp(tf.neg(tf.abs(x)))), tf.relu(tf.neg(x)))));
    expectClose(value(a, 'w'), want);
    expectClose(value(a, 'p'), toTf(value(a, 's')));
    expectChecksPass(a, 1);
  });

  it("log_poisson_loss is TensorFlow's formula; the full loss adds Stirling's term where targets > 1, and a target of 0 warns of nothing", () => {
    const a = run(`${X}
t = [[0., 0.5, 1., 2.], [3., 7., 0., 1.5]]
p = tf.nn.log_poisson_loss(t, x)
f = log_poisson_loss(targets=t, log_input=x, compute_full_loss=True)
check gradients(reduce_sum(f * f), x)
`);
    const x = toTf(value(a, 'x'));
    const t = tf.tensor([
      [0, 0.5, 1, 2],
      [3, 7, 0, 1.5],
    ]);
    const plain = tf.sub(tf.exp(x), tf.mul(x, t));
    expectClose(value(a, 'p'), plain);
    const stirling = tf.add(tf.sub(tf.mul(t, tf.log(t)), t), tf.mul(0.5, tf.log(tf.mul(2 * Math.PI, t))));
    const small = tf.logicalAnd(tf.greaterEqual(t, 0), tf.lessEqual(t, 1));
    expectClose(value(a, 'f'), tf.add(plain, tf.where(small, tf.zerosLike(t), stirling)));
    expect(a.diagnostics.filter((d) => d.severity === 'warning')).toEqual([]);
    expectChecksPass(a, 1);
  });

  it('divide_no_nan is 0 (with gradient 0) where y is 0; scalar_mul, matvec and the TensorFlow 1 casts', () => {
    const a = run(`${X}
y = placeholder(float32, [2, 4])
feed y = [[2., 0., -1., 4.], [0., 0.5, 3., -2.]]
d = divide_no_nan(x, y)
m = tf.math.scalar_mul(2., x)
mv = tf.linalg.matvec(x, [1., 2., 3., 4.])
mt = matvec(x, [1., 2.], transpose_a=True)
f = tf.to_float([1, 2])
i = tf.to_int32(x)
l = to_int64(x)
g = tf.to_double(x)
check gradients(reduce_sum(d * d), [x, y])
check gradients(reduce_sum(mv * mv) + reduce_sum(mt), x)
`);
    const x = toTf(value(a, 'x'));
    const y = toTf(value(a, 'y'));
    expectClose(value(a, 'd'), tf.divNoNan(x, y));
    expectClose(value(a, 'm'), tf.mul(2, x));
    expectClose(value(a, 'mv'), tf.squeeze(tf.matMul(x, tf.tensor([[1], [2], [3], [4]])), [1]));
    expectClose(value(a, 'mt'), tf.squeeze(tf.matMul(x, tf.tensor([[1], [2]]), true), [1]));
    expect(value(a, 'f').dtype).toBe('float32');
    expect(Array.from(value(a, 'i').data)).toEqual([1, -2, 0, 3, 0, 0, -3, 1]);
    expect(value(a, 'l').dtype).toBe('int64');
    expect(value(a, 'g').dtype).toBe('float64');
    expectChecksPass(a, 2);
    // The gradient where y = 0 is 0 for both, as TensorFlow's DivNoNan gradient.
    const g = run(`${X}
y = placeholder(float32, [2, 4])
feed y = [[2., 0., -1., 4.], [0., 0.5, 3., -2.]]
[gx, gy] = gradients(divide_no_nan(x, y), [x, y])`);
    expect(Array.from(value(g, 'gx').data)).toEqual([0.5, 0, -1, 0.25, 0, 2, 1 / 3, -0.5].map(Math.fround));
    expect(value(g, 'gy').data[1]).toBe(0);
    expect(value(g, 'gy').data[4]).toBe(0);
  });
});

describe('in_top_k, sequence_mask, reciprocal_no_nan', () => {
  it("in_top_k counts the classes scoring strictly more (ties at the boundary are in; a NaN score never is), as TensorFlow's InTopK", () => {
    const a = run(`
p = [[0.1, 0.5, 0.4], [0.3, 0.3, 0.2], [0.2, 0.7, nan], [0.9, 0.05, 0.05]]
t1 = in_top_k([1, 0, 2, 0], p, 1)
t2 = tf.math.in_top_k(targets=[2, 1, 0, 2], predictions=p, k=2)
`);
    expect(Array.from(value(a, 't1').data)).toEqual([1, 1, 0, 1]);
    expect(Array.from(value(a, 't2').data)).toEqual([1, 1, 1, 1]);
    // Against TF.js's topk where there are no ties or NaNs.
    const q = tf.tensor([
      [0.1, 0.5, 0.4],
      [0.9, 0.05, 0.06],
    ]);
    const top = Array.from(tf.topk(q, 1).indices.dataSync());
    const b = run('q = [[0.1, 0.5, 0.4], [0.9, 0.05, 0.06]]\nhit = in_top_k([1, 2], q, 1)');
    expect(Array.from(value(b, 'hit').data)).toEqual([1, 2].map((t, i) => (top[i] === t ? 1 : 0)));
  });

  it('sequence_mask and reciprocal_no_nan', () => {
    const a = run(`
m = sequence_mask([1, 3, 0])
f = tf.sequence_mask([[1], [2]], maxlen=3, dtype=float32)
r = reciprocal_no_nan([2., 0., -4.])
`);
    expect(value(a, 'm').shape).toEqual([3, 3]);
    expect(Array.from(value(a, 'm').data)).toEqual([1, 0, 0, 1, 1, 1, 0, 0, 0]);
    expect(value(a, 'f').shape).toEqual([2, 1, 3]);
    expect(Array.from(value(a, 'f').data)).toEqual([1, 0, 0, 1, 1, 0]);
    expect(Array.from(value(a, 'r').data)).toEqual([0.5, 0, -0.25]);
    const r = runLoose('n = placeholder(int32, [2])\nm = sequence_mask(n)');
    expect(r.errors().map((d) => d.code)).toEqual(['not-constant']);
  });

  it('sequence_mask: a maxlen over the element budget is a diagnostic, and long lengths have a largest one', () => {
    const over = runLoose('m = sequence_mask([1, 3], maxlen=1e9)');
    expect(over.errors().map((d) => [d.code, d.span.start])).toEqual([['budget-elements', 'm = sequence_mask([1, 3], maxlen='.length]]);
    // A million lengths: the default maxlen is their largest, found without spreading them
    // into one call's arguments (past ~120,000 that overflows the stack: an internal error).
    const long = runLoose('m = sequence_mask(range(1000000))');
    expect(long.errors().map((d) => d.code)).toEqual(['budget-elements']);
  });
});
