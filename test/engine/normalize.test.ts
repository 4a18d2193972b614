// Rescaling by norms as TensorFlow writes it (clip_ops.py, nn_impl.py): clip_by_norm,
// global_norm, clip_by_global_norm, l2_normalize, batch_normalization. TensorFlow.js has
// none of the clipping functions: the references are TensorFlow's formulas in TF.js ops.
// Gradients against float64 central differences, including at a zero norm, where
// TensorFlow's where-tricks keep them finite.

import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { expectChecksPass, expectClose, listValues, run, toTf, value } from '../support/ops';
import { run as runLoose } from '../support/engine';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const SRC = `
g1 = placeholder(float32, [2, 3])
feed g1 = [[3., -4., 0.5], [1., 2., -2.]]
g2 = placeholder(float32, [3])
feed g2 = [0.25, -1., 2.]
`;

function tfClipByNorm(t: tf.Tensor, clip: number, axes?: number[]): tf.Tensor {
  const l2 = tf.sqrt(tf.sum(tf.mul(t, t), axes, true));
  return tf.div(tf.mul(t, clip), tf.maximum(l2, clip));
}

describe('clip_by_norm, global_norm, clip_by_global_norm', () => {
  it("match TensorFlow's formulas, with gradients", () => {
    const a = run(`${SRC}
c = clip_by_norm(g1, 2.)
ca = tf.clip_by_norm(g1, 2., axes=[1])
big = clip_by_norm(g1, 100.)
n = tf.linalg.global_norm([g1, None, g2])
[clipped, norm] = tf.clip_by_global_norm([g1, None, g2], 3.)
[same, norm2] = clip_by_global_norm([g1, g2], 100.)
[used, un] = clip_by_global_norm([g1, g2], 1., use_norm=10.)
check gradients(reduce_sum(c * c) + reduce_sum(ca), g1)
check gradients(n + reduce_sum(clipped[0] * g1) + reduce_sum(clipped[2]), [g1, g2])
`);
    const g1 = toTf(value(a, 'g1'));
    const g2 = toTf(value(a, 'g2'));
    expectClose(value(a, 'c'), tfClipByNorm(g1, 2));
    expectClose(value(a, 'ca'), tfClipByNorm(g1, 2, [1]));
    expectClose(value(a, 'big'), g1);
    const norm = Math.sqrt(tf.sum(tf.square(g1)).dataSync()[0] + tf.sum(tf.square(g2)).dataSync()[0]);
    expect(value(a, 'n').data[0]).toBeCloseTo(norm, 5);
    expect(value(a, 'norm').data[0]).toBeCloseTo(norm, 5);
    const [c0, c1, c2] =
      a.lookup('clipped')!.value.kind === 'list' ? (a.lookup('clipped')!.value as { items: { kind: string }[] }).items : [];
    expect([c0.kind, c1.kind, c2.kind]).toEqual(['tensor', 'none', 'tensor']);
    const clippedValues = listValues(run(`${SRC}\n[clipped, norm] = clip_by_global_norm([g1, g2], 3.)`), 'clipped');
    expectClose(clippedValues[0], tf.mul(g1, 3 / norm));
    expectClose(clippedValues[1], tf.mul(g2, 3 / norm));
    expectClose(listValues(a, 'same')[0], g1);
    expectClose(listValues(a, 'used')[1], tf.mul(g2, 0.1));
    expect(value(a, 'un').data[0]).toBe(10);
    expectChecksPass(a, 2);
  });

  it('keep the gradient finite at a zero norm, and refuse a tensor where a list is expected', () => {
    const a = run('z = placeholder(float32, [2])\nfeed z = [0., 0.]\nc = clip_by_norm(z, 1.)\ng = gradients(reduce_sum(c), z)[0]');
    expect(Array.from(value(a, 'g').data)).toEqual([1, 1]);
    const r = runLoose('x = constant([1., 2.])\nn = global_norm(x)');
    expect(r.errors().map((d) => d.code)).toEqual(['type-mismatch']);
    expect(r.errors()[0].message).toContain('should be a sequence of tensors');
  });
});

describe('l2_normalize and batch_normalization', () => {
  it('match TensorFlow (tf.batchNorm for batch_normalization), with gradients', () => {
    const a = run(`${SRC}
l = l2_normalize(g1, axis=1)
la = tf.math.l2_normalize(g1)
ld = tf.nn.l2_normalize(g1, dim=0, epsilon=1e-3)
[mean, variance] = moments(g1, axes=[0])
b = batch_normalization(g1, mean, variance, offset=[0.1, 0.2, 0.3], scale=[1., 2., 3.], variance_epsilon=0.001)
bn = tf.nn.batch_normalization(g1, mean, variance, None, None, 0.001)
check gradients(reduce_sum(l * la) + reduce_sum(ld * ld), g1)
check gradients(reduce_sum(b * b) + reduce_sum(bn), g1)
`);
    const g1 = toTf(value(a, 'g1'));
    const normalise = (axis: number[] | undefined, eps: number) => tf.mul(g1, tf.rsqrt(tf.maximum(tf.sum(tf.square(g1), axis, true), eps)));
    expectClose(value(a, 'l'), normalise([1], 1e-12));
    expectClose(value(a, 'la'), normalise(undefined, 1e-12));
    expectClose(value(a, 'ld'), normalise([0], 1e-3));
    const m = tf.moments(g1, 0);
    expectClose(value(a, 'b'), tf.batchNorm(g1, m.mean, m.variance, tf.tensor([0.1, 0.2, 0.3]), tf.tensor([1, 2, 3]), 0.001), 1e-5);
    expectClose(value(a, 'bn'), tf.batchNorm(g1, m.mean, m.variance, undefined, undefined, 0.001), 1e-5);
    expectChecksPass(a, 2);
  });
});
