// Neural-network ops: softmax, log_softmax, l2_loss, the three cross entropies, moments,
// conv2d, max_pool2d and avg_pool2d. Values against TensorFlow.js (CPU), gradients against
// float64 central differences with `check gradients` (first and second order), and
// TensorFlow's own values where TF.js differs (avg_pool's SAME gradient, the gradient of
// softmax cross entropy w.r.t. labels, sigmoid cross entropy at logits = 0).

import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { arr, errorsOf, expectChecksPass, expectClose, expectCloseTf, quietCpuBackend, run, toTf, value } from '../support/numeric';

beforeAll(quietCpuBackend);

/**
 * A literal of the given shape holding a shuffled lattice k/16 (k = 0..n-1) minus an offset:
 * distinct values 1/16 apart, so a finite-difference step never changes which element of a
 * pooling window is the maximum.
 */
function spaced(shape: number[], seed: number): string {
  const n = shape.reduce((p, d) => p * d, 1);
  const values = Array.from({ length: n }, (_, k) => k / 16 - n / 32);
  let state = seed >>> 0;
  for (let i = n - 1; i > 0; i--) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const j = state % (i + 1);
    [values[i], values[j]] = [values[j], values[i]];
  }
  let k = 0;
  const build = (axis: number): string =>
    axis === shape.length ? values[k++].toFixed(4) : `[${Array.from({ length: shape[axis] }, () => build(axis + 1)).join(', ')}]`;
  return build(0);
}

// ---- softmax family ------------------------------------------------------------------------

describe('softmax and log_softmax', () => {
  it('agree with tf.softmax / tf.logSoftmax on the last axis and on other axes', () => {
    const a = run(`x = constant(normal([2, 3, 4], seed=1) * 3)
s = softmax(x)
s1 = softmax(x, axis=1)
s0 = softmax(x, 0)
l = log_softmax(x)
l1 = log_softmax(x, axis=-2)
sn = tf.nn.softmax(x, axis=None)
big = softmax([1000., 0., -1000.])
lbig = log_softmax([1000., 0., -1000.])
`);
    const X = toTf(value(a, 'x'));
    expectCloseTf(value(a, 's'), tf.softmax(X), 'softmax');
    // TF.js softmax only takes the last axis: move the axis there and back.
    expectCloseTf(value(a, 's1'), tf.transpose(tf.softmax(tf.transpose(X, [0, 2, 1])), [0, 2, 1]), 'softmax axis 1');
    expectCloseTf(value(a, 's0'), tf.transpose(tf.softmax(tf.transpose(X, [2, 1, 0])), [2, 1, 0]), 'softmax axis 0');
    expectCloseTf(value(a, 'l'), tf.logSoftmax(X), 'log_softmax');
    expect(arr(value(a, 'sn'))).toEqual(arr(value(a, 's')));
    expectCloseTf(value(a, 'l1'), tf.transpose(tf.logSoftmax(tf.transpose(X, [0, 2, 1])), [0, 2, 1]), 'log_softmax axis -2');
    // Stable: no overflow for large logits.
    expect(arr(value(a, 'big'))).toEqual([1, 0, 0]);
    expect(arr(value(a, 'lbig'))).toEqual([0, -1000, -2000]);
  });

  it('gradients match finite differences (first and second order)', () => {
    expectChecksPass(
      `x = constant(normal([2, 3, 4], seed=2))
w = constant(normal([2, 3, 4], seed=3))
check gradients(softmax(x) * w, x)
check gradients(softmax(x, axis=0) * w, x)
check gradients(log_softmax(x) * w, x)
check gradients(log_softmax(x, axis=1) * w, x)
g = gradients(reduce_sum(softmax(x) * w), x)[0]
check gradients(g * w, x)
h = gradients(reduce_sum(log_softmax(x, 1) * w), x)[0]
check gradients(h * w, x)
`,
      6,
    );
  });

  it("the gradient is TensorFlow's (dy - sum(dy * y)) * y: zero for sum(softmax)", () => {
    const a = run(`x = constant([[1., 2., 3.]])
g = gradients(softmax(x), x)[0]
gl = gradients(log_softmax(x), x)[0]
`);
    for (const v of arr(value(a, 'g'))) expect(Math.abs(v)).toBeLessThan(1e-7);
    // d sum(log_softmax) / dx = 1 - n * softmax(x)
    const s = tf.softmax(tf.tensor([[1, 2, 3]])).dataSync();
    expectClose(value(a, 'gl'), { shape: [1, 3], data: Array.from(s, (p) => 1 - 3 * p) }, 'log_softmax grad');
  });

  it('axis and rank errors', () => {
    expect(errorsOf(`x = constant([[1., 2.]])\ny = softmax(x, axis=2)\n`)).toHaveLength(1);
    expect(errorsOf(`y = softmax(3.)\n`)[0][1]).toMatch(/rank/);
    expect(errorsOf(`y = softmax([1, 2])\n`)[0][1]).toMatch(/float/);
  });
});

describe('l2_loss', () => {
  it('is sum(t ** 2) / 2 with gradient t', () => {
    const a = run(`t = constant(normal([3, 4], seed=4))
l = l2_loss(t)
g = gradients(l, t)[0]
`);
    const T = toTf(value(a, 't'));
    expectCloseTf(value(a, 'l'), tf.div(tf.sum(tf.square(T)), 2), 'l2_loss');
    expect(arr(value(a, 'g'))).toEqual(arr(value(a, 't')));
    expectChecksPass(`t = constant(normal([3, 4], seed=4))\ncheck gradients(l2_loss(t) ** 2, t)\n`, 1);
  });
});

// ---- cross entropies -----------------------------------------------------------------------

describe('sigmoid_cross_entropy_with_logits', () => {
  it('values agree with TF.js and with the plain formula, stably for large logits', () => {
    const a = run(`x = constant(normal([3, 4], seed=5) * 4)
z = constant(uniform([3, 4], seed=6))
l = sigmoid_cross_entropy_with_logits(labels=z, logits=x)
e = sigmoid_cross_entropy_with_logits(labels=[0., 1., 0., 1.], logits=[100., 100., -100., -100.])
`);
    const X = toTf(value(a, 'x'));
    const Z = toTf(value(a, 'z'));
    // TF.js's sigmoidCrossEntropy with no reduction is the same stable formula.
    expectCloseTf(value(a, 'l'), tf.losses.sigmoidCrossEntropy(Z, X, undefined, 0, tf.Reduction.NONE), 'vs tf.losses');
    const plain = tf.neg(tf.add(tf.mul(Z, tf.log(tf.sigmoid(X))), tf.mul(tf.sub(1, Z), tf.log(tf.sub(1, tf.sigmoid(X))))));
    expectCloseTf(value(a, 'l'), plain, 'vs -z log σ(x) - (1-z) log(1-σ(x))', 1e-4, 1e-4);
    expectClose(value(a, 'e'), { shape: [4], data: [100, 0, 0, 100] }, 'large logits');
  });

  it('the gradient at logits = 0 is sigmoid(0) - labels, as TensorFlow differentiates its composite', () => {
    const a = run(`x = constant([0., 0., 0., 0.])
z = constant([0., 0.25, 0.5, 1.])
[gx, gz] = gradients(sigmoid_cross_entropy_with_logits(labels=z, logits=x), [x, z])
dx = gx
dz = gz
`);
    expect(arr(value(a, 'dx'))).toEqual([0.5, 0.25, 0, -0.5]);
    // d/dz (max(x,0) - x z + log1p(exp(-|x|))) = -x = 0 here.
    expect(arr(value(a, 'dz')).map(Math.abs)).toEqual([0, 0, 0, 0]);
  });

  it('gradients elsewhere: sigmoid(x) - z for logits and -x for labels, vs finite differences', () => {
    const a = expectChecksPass(
      `x = constant(normal([3, 4], seed=7) * 3)
z = constant(uniform([3, 4], seed=8))
l = sigmoid_cross_entropy_with_logits(labels=z, logits=x)
check gradients(l * l, [x, z])
g = gradients(l, x)[0]
check gradients(g * g, x)
`,
      2,
    );
    const X = toTf(value(a, 'x'));
    expectCloseTf(value(a, 'g'), tf.sub(tf.sigmoid(X), toTf(value(a, 'z'))), 'sigmoid(x) - z');
  });

  it('labels and logits must have the same shape (the error is at labels)', () => {
    const e = errorsOf(`x = constant(normal([2, 3]))
y = sigmoid_cross_entropy_with_logits(labels=[1., 0., 1.], logits=x)
`);
    expect(e).toHaveLength(1);
    expect(e[0][0]).toBe('[1., 0., 1.]');
    expect(e[0][1]).toContain('[3]');
    expect(e[0][1]).toContain('[2, 3]');
  });
});

describe('softmax_cross_entropy_with_logits', () => {
  it('agrees with tf.losses.softmaxCrossEntropy (no reduction), on any axis', () => {
    const a = run(`x = constant(normal([4, 5], seed=9) * 2)
p = softmax(constant(normal([4, 5], seed=10)))
l = softmax_cross_entropy_with_logits(labels=p, logits=x)
y = constant(normal([3, 4, 2], seed=11))
q = softmax(constant(normal([3, 4, 2], seed=12)), axis=1)
l1 = softmax_cross_entropy_with_logits(labels=q, logits=y, axis=1)
v2 = softmax_cross_entropy_with_logits_v2(p, x)
`);
    const X = toTf(value(a, 'x'));
    const P = toTf(value(a, 'p'));
    expectCloseTf(value(a, 'l'), tf.losses.softmaxCrossEntropy(P, X, undefined, 0, tf.Reduction.NONE), 'xent');
    const Y = tf.transpose(toTf(value(a, 'y')), [0, 2, 1]);
    const Q = tf.transpose(toTf(value(a, 'q')), [0, 2, 1]);
    expectCloseTf(value(a, 'l1'), tf.losses.softmaxCrossEntropy(Q, Y, undefined, 0, tf.Reduction.NONE), 'xent axis 1');
    expect(arr(value(a, 'v2'))).toEqual(arr(value(a, 'l')));
  });

  it('gradients: softmax - labels for logits, -log_softmax for labels (TensorFlow 2), vs finite differences', () => {
    const a = expectChecksPass(
      `x = constant(normal([4, 5], seed=13))
p = softmax(constant(normal([4, 5], seed=14)))
w = constant([1., -2., 0.5, 3.])
l = softmax_cross_entropy_with_logits(labels=p, logits=x)
check gradients(l * w, [x, p])
check gradients(l * l, [x, p])
y = constant(normal([3, 4, 2], seed=15))
q = softmax(constant(normal([3, 4, 2], seed=16)), axis=1)
check gradients(softmax_cross_entropy_with_logits(labels=q, logits=y, axis=1) ** 2, [y, q])
[gx, gp] = gradients(l, [x, p])
dx = gx
dp = gp
check gradients(gx * gx, x)
`,
      4,
    );
    const X = toTf(value(a, 'x'));
    expectCloseTf(value(a, 'dx'), tf.sub(tf.softmax(X), toTf(value(a, 'p'))), 'd/dlogits');
    expectCloseTf(value(a, 'dp'), tf.neg(tf.logSoftmax(X)), 'd/dlabels');
  });

  it('shape mismatch is reported at labels with both shapes', () => {
    const e = errorsOf(`x = constant(normal([4, 5]))
y = softmax_cross_entropy_with_logits(labels=ones([4, 3]), logits=x)
`);
    expect(e).toHaveLength(1);
    expect(e[0][0]).toBe('ones([4, 3])');
    expect(e[0][1]).toMatch(/\[4, 3\].*\[4, 5\]/);
  });
});

describe('sparse_softmax_cross_entropy_with_logits', () => {
  it('agrees with the dense loss on one-hot labels; labels get no gradient', () => {
    const a = run(`x = constant(normal([4, 5], seed=17) * 2)
labels = constant([0, 4, 2, 2])
l = sparse_softmax_cross_entropy_with_logits(labels=labels, logits=x)
y = constant(normal([2, 3, 4], seed=18))
l3 = sparse_softmax_cross_entropy_with_logits(labels=[[0, 1, 3], [3, 2, 1]], logits=y)
g = gradients(l, [x, labels])
gx = g[0]
`);
    const X = toTf(value(a, 'x'));
    const onehot = tf.oneHot(tf.tensor1d([0, 4, 2, 2], 'int32'), 5);
    expectCloseTf(value(a, 'l'), tf.losses.softmaxCrossEntropy(onehot, X, undefined, 0, tf.Reduction.NONE), 'sparse xent');
    expectCloseTf(value(a, 'gx'), tf.sub(tf.softmax(X), onehot), 'softmax - one_hot');
    const g = a.lookup('g')!.value;
    expect(g.kind === 'list' && g.items[1].kind).toBe('none');
    const Y = toTf(value(a, 'y'));
    const oh3 = tf.oneHot(
      tf.tensor2d(
        [
          [0, 1, 3],
          [3, 2, 1],
        ],
        undefined,
        'int32',
      ),
      4,
    );
    expectCloseTf(value(a, 'l3'), tf.losses.softmaxCrossEntropy(oh3, Y, undefined, 0, tf.Reduction.NONE), 'rank 3');
  });

  it('gradients vs finite differences, and a second derivative', () => {
    expectChecksPass(
      `x = constant(normal([4, 5], seed=19))
l = sparse_softmax_cross_entropy_with_logits(labels=[1, 0, 4, 3], logits=x)
check gradients(l * l, x)
g = gradients(reduce_sum(l), x)[0]
check gradients(g * g, x)
`,
      2,
    );
  });

  it('bad labels: float dtype, wrong shape, out of range', () => {
    expect(errorsOf(`y = sparse_softmax_cross_entropy_with_logits(labels=[0., 1.], logits=ones([2, 3]))`)[0][1]).toMatch(/int32/);
    const shape = errorsOf(`y = sparse_softmax_cross_entropy_with_logits(labels=[0, 1, 2], logits=ones([2, 3]))`);
    expect(shape[0][0]).toBe('[0, 1, 2]');
    expect(shape[0][1]).toContain('[2, 3]');
    const range = errorsOf(`y = sparse_softmax_cross_entropy_with_logits(labels=[0, 3], logits=ones([2, 3]))`);
    expect(range).toHaveLength(1);
    expect(range[0][1]).toMatch(/label value of 3.*\[0, 3\)/);
  });
});

// ---- moments -------------------------------------------------------------------------------

describe('moments', () => {
  it('agrees with tf.moments, with and without keepdims', () => {
    const a = run(`x = constant(normal([3, 4, 5], seed=20) * 2 + 1)
[m, v] = moments(x, axes=[0, 2])
[mk, vk] = moments(x, [1], keepdims=True)
mean = m
variance = v
mean_k = mk
variance_k = vk
`);
    const X = toTf(value(a, 'x'));
    const ref = tf.moments(X, [0, 2]);
    expectCloseTf(value(a, 'mean'), ref.mean, 'mean');
    expectCloseTf(value(a, 'variance'), ref.variance, 'variance');
    const refK = tf.moments(X, [1], true);
    expectCloseTf(value(a, 'mean_k'), refK.mean, 'mean keepdims');
    expectCloseTf(value(a, 'variance_k'), refK.variance, 'variance keepdims');
  });

  it('gradients (variance through stop_gradient(mean), as TensorFlow) vs finite differences', () => {
    expectChecksPass(
      `x = constant(normal([3, 4], seed=21))
[m, v] = moments(x, [0])
check gradients(m * m + v * v, x)
[mk, vk] = moments(x, [0, 1], keepdims=True)
check gradients(vk * vk, x)
g = gradients(reduce_sum(v * v), x)[0]
check gradients(g * g, x)
`,
      3,
    );
  });
});

// ---- conv2d --------------------------------------------------------------------------------

describe('conv2d', () => {
  const cases: [string, number[], number[], string, number | number[], string, number?][] = [
    // [name, input shape, filter shape, call args, tfjs strides, tfjs padding, tfjs dilation]
    ['same_s1', [2, 5, 6, 3], [3, 3, 3, 4], `strides=1, padding='SAME'`, 1, 'same'],
    ['valid_s1', [2, 5, 6, 3], [3, 2, 3, 4], `strides=[1, 1, 1, 1], padding='VALID'`, 1, 'valid'],
    ['same_s2', [1, 7, 6, 2], [3, 3, 2, 3], `strides=2, padding='SAME'`, 2, 'same'],
    ['same_even', [1, 6, 6, 2], [4, 4, 2, 3], `strides=[2, 2], padding='SAME'`, 2, 'same'],
    ['valid_s21', [2, 7, 5, 2], [2, 3, 2, 2], `strides=[1, 2, 1, 1], padding='VALID'`, [2, 1], 'valid'],
    ['dilated', [1, 7, 7, 2], [3, 3, 2, 2], `strides=1, padding='SAME', dilations=2`, 1, 'same', 2],
    ['dilated_valid', [1, 8, 7, 1], [2, 3, 1, 2], `strides=1, padding='VALID', dilations=[1, 2, 2, 1]`, 1, 'valid', 2],
  ];

  it('agrees with tf.conv2d: SAME/VALID, strides, dilations', () => {
    const src = cases
      .map(
        ([name, xs, ws, call], k) => `x_${name} = constant(normal([${xs.join(', ')}], seed=${100 + k}))
w_${name} = constant(normal([${ws.join(', ')}], seed=${200 + k}))
y_${name} = conv2d(x_${name}, w_${name}, ${call})`,
      )
      .join('\n');
    const a = run(src);
    for (const [name, , , , strides, padding, dilation] of cases) {
      const X = toTf(value(a, `x_${name}`)) as tf.Tensor4D;
      const W = toTf(value(a, `w_${name}`)) as tf.Tensor4D;
      const ref = tf.conv2d(X, W, strides as [number, number], padding as 'same' | 'valid', 'NHWC', dilation ?? 1);
      expectCloseTf(value(a, `y_${name}`), ref, name, 1e-4, 1e-4);
    }
  });

  it('gradients agree with tf.grads of tf.conv2d', () => {
    const a = run(`x = constant(normal([2, 5, 6, 3], seed=31))
w = constant(normal([3, 2, 3, 4], seed=32))
y = conv2d(x, w, strides=2, padding='SAME')
[gx, gw] = gradients(y * y, [x, w])
dx = gx
dw = gw
`);
    const X = toTf(value(a, 'x')) as tf.Tensor4D;
    const W = toTf(value(a, 'w')) as tf.Tensor4D;
    const [rx, rw] = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.square(tf.conv2d(p as tf.Tensor4D, q as tf.Tensor4D, 2, 'same'))))([
      X,
      W,
    ]);
    expectCloseTf(value(a, 'dx'), rx, 'd/dinput', 1e-4, 1e-4);
    expectCloseTf(value(a, 'dw'), rw, 'd/dfilters', 1e-4, 1e-4);
  });

  it('gradients vs finite differences, and second order through the backprop ops', () => {
    expectChecksPass(
      `x = constant(normal([2, 5, 6, 3], seed=33))
w = constant(normal([3, 2, 3, 2], seed=34))
y = conv2d(x, w, strides=[1, 2, 1, 1], padding='SAME')
check gradients(y * y, [x, w])
check gradients(conv2d(x, w, 1, 'VALID', dilations=2) ** 2, [x, w])
gx = gradients(reduce_sum(y * y), x)[0]
check gradients(gx * gx, [x, w])
gw = gradients(reduce_sum(y * y), w)[0]
check gradients(gw * gw, [x, w])
`,
      4,
    );
  });

  it('errors: channels, strides, padding, data_format, window larger than input', () => {
    const src = (call: string) => `x = constant(normal([1, 4, 4, 3]))
w = constant(normal([2, 2, 2, 5]))
w3 = constant(normal([2, 2, 3, 5]))
y = ${call}
`;
    const ch = errorsOf(src(`conv2d(x, w, 1, 'SAME')`));
    expect(ch).toHaveLength(1);
    expect(ch[0][0]).toBe('w');
    expect(ch[0][1]).toContain('[1, 4, 4, 3]');
    expect(ch[0][1]).toContain('[2, 2, 2, 5]');
    expect(errorsOf(src(`conv2d(x, w3, [2, 1, 1, 1], 'SAME')`))[0][0]).toBe('[2, 1, 1, 1]');
    expect(errorsOf(src(`conv2d(x, w3, [1, 1, 1], 'SAME')`))[0][0]).toBe('[1, 1, 1]');
    expect(errorsOf(src(`conv2d(x, w3, 1, 'FULL')`))[0][0]).toBe(`'FULL'`);
    expect(errorsOf(src(`conv2d(x, w3, 1, 'SAME', data_format='NCHW')`))[0][0]).toBe(`'NCHW'`);
    expect(errorsOf(src(`conv2d(x, constant(normal([5, 5, 3, 1])), 1, 'VALID')`))).toHaveLength(1);
    expect(errorsOf(src(`conv2d(constant(normal([4, 4, 3])), w3, 1, 'VALID')`))[0][1]).toMatch(/rank 4/);
  });

  it('unknown batch size stays unknown; the static shape is computed from the rest', () => {
    const a = run(`x = placeholder(float32, [None, 7, 6, 2])
feed x = ones([3, 7, 6, 2])
y = conv2d(x, ones([3, 3, 2, 4]), strides=2, padding='SAME')
`);
    const b = a.lookup('y')!.value;
    expect(b.kind === 'tensor' && b.node.type.shape).toEqual([null, 4, 3, 4]);
    expect([...value(a, 'y').shape]).toEqual([3, 4, 3, 4]);
  });
});

// ---- pooling -------------------------------------------------------------------------------

describe('max_pool2d and avg_pool2d', () => {
  const cases: [string, number | number[], number | number[], string][] = [
    ['a', 2, 2, 'VALID'],
    ['b', 3, 2, 'SAME'],
    ['c', [2, 3], [1, 2], 'SAME'],
    ['d', [1, 2, 2, 1], [1, 1, 1, 1], 'VALID'],
    ['e', 3, 1, 'SAME'],
  ];
  const lit = (v: number | number[]) => (Array.isArray(v) ? `[${v.join(', ')}]` : String(v));
  const tfPair = (v: number | number[]): [number, number] => (Array.isArray(v) ? (v.length === 4 ? [v[1], v[2]] : [v[0], v[1]]) : [v, v]);

  it('values agree with tf.maxPool / tf.avgPool (SAME averages only inside the input)', () => {
    const src =
      `x = constant(normal([2, 5, 7, 3], seed=41))\n` +
      cases
        .map(
          ([n, k, s, p]) =>
            `mp_${n} = max_pool2d(x, ${lit(k)}, ${lit(s)}, '${p}')\nap_${n} = avg_pool2d(x, ksize=${lit(k)}, strides=${lit(s)}, padding='${p}')`,
        )
        .join('\n');
    const a = run(src);
    const X = toTf(value(a, 'x')) as tf.Tensor4D;
    for (const [n, k, s, p] of cases) {
      const pad = p.toLowerCase() as 'same' | 'valid';
      expectCloseTf(value(a, `mp_${n}`), tf.maxPool(X, tfPair(k), tfPair(s), pad), `max_pool ${n}`);
      expectCloseTf(value(a, `ap_${n}`), tf.avgPool(X, tfPair(k), tfPair(s), pad), `avg_pool ${n}`);
    }
    const m = run(
      `y = max_pool([[[[1.], [2.]], [[3.], [4.]]]], 2, 2, 'VALID')\nz = avg_pool([[[[1.], [2.]], [[3.], [4.]]]], 2, 2, 'VALID')\n`,
    );
    expect(arr(value(m, 'y'))).toEqual([4]);
    expect(arr(value(m, 'z'))).toEqual([2.5]);
  });

  it('max_pool2d gradients agree with tf.grads (no ties) and with finite differences', () => {
    const a = run(`x = constant(normal([2, 5, 7, 3], seed=42))
g = gradients(max_pool2d(x, 3, 2, 'SAME') ** 2, x)[0]
`);
    const X = toTf(value(a, 'x')) as tf.Tensor4D;
    const ref = tf.grad((v: tf.Tensor) => tf.sum(tf.square(tf.maxPool(v as tf.Tensor4D, 3, 2, 'same'))))(X);
    expectCloseTf(value(a, 'g'), ref, 'max_pool grad');
    expectChecksPass(
      `x = constant(${spaced([2, 5, 7, 3], 43)})
check gradients(max_pool2d(x, 3, 2, 'SAME') ** 2, x)
check gradients(max_pool2d(x, [2, 3], [1, 2], 'VALID') ** 2, x)
g = gradients(reduce_sum(max_pool2d(x, 2, 1, 'SAME') ** 3), x)[0]
check gradients(g * g, x)
`,
      3,
    );
  });

  it('ties: the whole gradient goes to the first maximum of each window (TensorFlow)', () => {
    const a = run(`x = constant([[[[1.], [1.]], [[1.], [0.]]]])
g = gradients(max_pool2d(x, 2, 2, 'VALID'), x)[0]
r = constant([[[[2.], [2.], [2.], [1.]]]])
h = gradients(max_pool2d(r, [1, 2], 1, 'VALID'), r)[0]
k = gradients(max_pool2d(r, [1, 3], 1, 'SAME'), r)[0]
`);
    expect(arr(value(a, 'g'))).toEqual([1, 0, 0, 0]);
    // Windows {0,1}, {1,2}, {2,3}: the first maximum of each is element 0, 1, 2.
    expect(arr(value(a, 'h'))).toEqual([1, 1, 1, 0]);
    // SAME pads one column on each side: windows {0,1}, {0,1,2}, {1,2,3}, {2,3}.
    expect(arr(value(a, 'k'))).toEqual([2, 1, 1, 0]);
  });

  it("avg_pool2d's SAME gradient divides by the window's count inside the input (TensorFlow; TF.js uses the full window)", () => {
    const a = run(`x = ones([1, 3, 3, 1])
g = gradients(avg_pool2d(x, 2, 2, 'SAME'), x)[0]
`);
    // Windows: rows/cols {0,1} and {2}: counts 4, 2, 2, 1.
    expect(arr(value(a, 'g'))).toEqual([0.25, 0.25, 0.5, 0.25, 0.25, 0.5, 0.5, 0.5, 1]);
    expectChecksPass(
      `x = constant(${spaced([2, 5, 7, 3], 44)})
check gradients(avg_pool2d(x, 3, 2, 'SAME') ** 2, x)
check gradients(avg_pool2d(x, [2, 3], [2, 1], 'VALID') ** 2, x)
g = gradients(reduce_sum(avg_pool2d(x, 3, 2, 'SAME') ** 3), x)[0]
check gradients(g * g, x)
`,
      3,
    );
  });

  it('errors: window in the batch axis, VALID window larger than the input, rank', () => {
    expect(errorsOf(`y = max_pool2d(ones([1, 4, 4, 1]), [2, 2, 2, 1], 1, 'VALID')`)[0][0]).toBe('[2, 2, 2, 1]');
    expect(errorsOf(`y = avg_pool2d(ones([1, 2, 2, 1]), 3, 1, 'VALID')`)).toHaveLength(1);
    expect(errorsOf(`y = max_pool2d(ones([4, 4, 1]), 2, 1, 'VALID')`)[0][1]).toMatch(/rank 4/);
    expect(errorsOf(`y = max_pool2d(ones([1, 4, 4, 1]), 2, 0, 'VALID')`)[0][0]).toBe('0');
  });
});
