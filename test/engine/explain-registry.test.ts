// No explanation of any op of the table guesses: one small graph per public differentiable
// op, its gradient and a gradient of that gradient (whose path runs through the op's own
// gradient ops, the internal ones), each explained; every explanation counts element by
// element and names no op it could not read. A public differentiable op missing from the
// graphs below fails the coverage test, naming it.

import { describe, expect, it } from 'vitest';
import { analyze } from '../../engine/analysis';
import { explainSite } from '../../engine/explain';
import { windowReach } from '../../engine/explain/axes';
import { allOps } from '../../engine/ops/registry';

const PRELUDE = `
x = placeholder(float32, [None, 3])
feed x = uniform([2, 3], low=0.2, high=0.9, seed=1)
v = variable(uniform([3], low=0.2, high=0.9, seed=2))
m = variable(uniform([3, 4], low=0.2, high=0.9, seed=3))
img = placeholder(float32, [None, 4, 4, 2])
feed img = uniform([2, 4, 4, 2], low=-1, high=1, seed=4)
k = variable(normal([2, 2, 2, 3], seed=5))
onehot = [[1., 0., 0.], [0., 0., 1.]]
`;

/** Expressions of the prelude's tensors, differentiated w.r.t. the listed xs. */
const GRAPHS: { y: string; xs: string }[] = [
  { y: 'leaky_relu(x, alpha=0.1) + elu(x) + selu(x) + softplus(x) + softsign(x) + erf(x)', xs: 'x' },
  { y: 'relu(x) + relu6(x) + abs(x) + sign(x) + negative(x) + exp(x) + expm1(x) + log(x) + log1p(x)', xs: 'x' },
  { y: 'sqrt(x) + rsqrt(x) + square(x) + reciprocal(x) + sin(x) + cos(x) + tan(x) + asin(x) + acos(x)', xs: 'x' },
  { y: 'lgamma(x) + digamma(x) + polygamma(2., x)', xs: 'x' },
  {
    y: "atan(x) + sinh(x) + cosh(x) + tanh(x) + sigmoid(x) + identity(x) + cast(cast(x, float64), float32) + check_numerics(x, 'x')",
    xs: 'x',
  },
  { y: 'add(x, v) + subtract(x, v) + multiply(x, v) + divide(x, v) + mod(x, v) + pow(x, v)', xs: '[x, v]' },
  { y: 'truncatemod(x, v)', xs: '[x, v]' },
  { y: 'maximum(x, v) + minimum(x, v) + squared_difference(x, v) + atan2(x, v) + xlogy(x, v)', xs: '[x, v]' },
  { y: 'xdivy(x, v) + multiply_no_nan(x, v)', xs: '[x, v]' },
  { y: 'where(x > 0.5, x, v * 2.0) + add_n([x, x * 2.0]) + clip_by_value(x, 0.3, 0.8)', xs: '[x, v]' },
  { y: 'reduce_sum(x, axis=1) + reduce_mean(x, axis=1) + reduce_prod(x, axis=1) + reduce_logsumexp(x, axis=1)', xs: 'x' },
  { y: 'reduce_max(x, axis=1) + reduce_min(x, axis=1) + norm(x, axis=1)', xs: 'x' },
  { y: 'cumsum(x, axis=1) * cumprod(x, axis=1, exclusive=True)', xs: 'x' },
  { y: 'cumulative_logsumexp(x, axis=1) + cumulative_logsumexp(x, axis=0, reverse=True)', xs: 'x' },
  { y: 'reshape(x, [-1]) * 2.0', xs: 'x' },
  { y: 'transpose(x) @ (squeeze(expand_dims(x, 1), [1]) @ m)', xs: '[x, m]' },
  { y: 'stack([x, x * 2.0], axis=1)', xs: 'x' },
  { y: 'concat([x, x], axis=0) + tile(x, [2, 1]) + reverse(concat([x, x], axis=0), [1])', xs: 'x' },
  { y: 'split(x, 3, axis=1)[0] + unstack(m)[1][0] + split(x, 2, axis=0)[1][:, 0:1]', xs: '[x, m]' },
  { y: 'broadcast_to(v, [2, 3]) * pad(x, [[0, 0], [0, 0]]) + pad(x, [[1, 1], [1, 1]], mode="REFLECT")[1:3, 1:4]', xs: '[x, v]' },
  { y: 'x[::2, 1:] * 3.0', xs: 'x' },
  { y: 'slice(m, [1, 0], [2, 3]) + gather(m, [0, 2], axis=0)[:, 1:]', xs: 'm' },
  { y: 'gather_nd(m, [[0, 1], [2, 3], [0, 1]])', xs: 'm' },
  {
    y: 'unsorted_segment_sum(m, [1, -1, 1], 3) + segment_sum(m, [0, 0, 2]) + unsorted_segment_mean(m, [2, 2, 0], 3) + unsorted_segment_max(m, [2, 1, 0], 3) + unsorted_segment_min(m, [0, 1, 2], 3)',
    xs: 'm',
  },
  { y: 'unsorted_segment_prod(m, [1, -1, 1], 3) + segment_prod(m, [0, 0, 2])', xs: 'm' },
  {
    y: 'scatter_nd([[1]], m[1:2], [3, 4]) + tensor_scatter_nd_add(m, [[2]], m[0:1]) + tensor_scatter_nd_update(m, [[0]], m[2:3]) + reduce_sum(boolean_mask(m, [True, False, True]), axis=0)',
    xs: 'm',
  },
  { y: "x @ m + einsum('bi,ij->bj', x, m) + tensordot(x, m, 1)", xs: '[x, m]' },
  { y: "matrix_diag_part(m) + trace(m[:, 0:3]) + reduce_sum(matrix_transpose(m), axis=0) + einsum('ij->i', m)", xs: 'm' },
  {
    y: 'matrix_band_part(m, -1, 0) + matrix_set_diag(m, v) + matrix_diag(v)[:, 0:1] + reduce_sum(repeat(m, [1, 0, 2], axis=0), axis=0)',
    xs: '[m, v]',
  },
  { y: 'softmax(x @ m) * log_softmax(x @ m) + l2_loss(x)', xs: '[x, m]' },
  {
    y: 'softmax_cross_entropy_with_logits(labels=onehot, logits=x) + sparse_softmax_cross_entropy_with_logits(labels=[0, 2], logits=x)',
    xs: 'x',
  },
  {
    y: 'sigmoid_cross_entropy_with_logits(labels=onehot, logits=x) + softmax_cross_entropy_with_logits_v2(labels=onehot, logits=x)[:, None]',
    xs: 'x',
  },
  { y: "conv2d(img, k, strides=1, padding='SAME')", xs: '[img, k]' },
  { y: "max_pool2d(img, ksize=2, strides=2, padding='VALID') + avg_pool2d(img, ksize=2, strides=2, padding='VALID')", xs: 'img' },
  { y: 'moments(x, axes=[1])[1]', xs: 'x' },
  {
    y: 'matrix_inverse(m[:, 0:3] + 3. * eye(3)) + det(m[:, 1:4] + 3. * eye(3)) + matrix_solve(m[:, 0:3] + 3. * eye(3), m[:, 3:4]) + cholesky(m @ matrix_transpose(m) + eye(3))',
    xs: 'm',
  },
];

function program(g: { y: string; xs: string }): string {
  return `${PRELUDE}
y = ${g.y}
g = gradients(y, ${g.xs})
first = g[0]
h = gradients(reduce_sum(first * first), ${g.xs})
`;
}

const analyses = GRAPHS.map((g) => ({ g, a: analyze(program(g)) }));

describe('one graph per public differentiable op, explained without guessing', () => {
  for (const { g, a } of analyses) {
    it(`${g.y.slice(0, 70)} w.r.t. ${g.xs}`, () => {
      expect(a.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([]);
      expect(a.gradientSites).toHaveLength(2);
      a.gradientSites.forEach((site, order) => {
        site.xs.forEach((_, i) => {
          if (!site.grads[i]) return;
          const e = explainSite(a, site, i);
          expect(e.guessed, `${order ? 'second' : 'first'}-order, x ${i}`).toEqual([]);
          if (order === 0) expect(e.method).toBe('exact');
        });
      });
    });
  }

  it('covers every public differentiable primitive', () => {
    const seen = new Set<string>();
    for (const { a } of analyses) for (const site of a.gradientSites) for (const n of site.path) seen.add(n.op.name);
    const missing = allOps()
      .filter((op) => !op.internal && op.grad && (op.kernel || op.infer) && op.dependence)
      .map((op) => op.name)
      .filter((name) => !seen.has(name));
    expect(missing).toEqual([]);
  });
});

describe('how far a window reaches along an axis', () => {
  const axis = (stride: number, dilation = 1, before = 0) => ({ position: 'p', tap: 't', stride, dilation, before });

  it('counts the output positions each input position reaches', () => {
    // 3-wide windows, stride 1, over 5 positions (VALID: 3 outputs): the ends 1, the middle 3.
    expect(windowReach(axis(1), 5, 3, 3)).toEqual({ least: 1, most: 3 });
    // Stride 2, 2-wide windows, 4 positions: every position once.
    expect(windowReach(axis(2), 4, 2, 2)).toEqual({ least: 1, most: 1 });
    // Stride 3 leaves positions no window reaches.
    expect(windowReach(axis(3), 7, 2, 2)).toEqual({ least: 0, most: 1 });
  });

  it('counts only where the windows are, however long the axis', () => {
    // A placeholder's 2^31 positions, windows 1e9 apart: three windows of two taps (this used
    // to count on an array as long as the axis).
    expect(windowReach(axis(1e9), 2 ** 31, 3, 2)).toEqual({ least: 0, most: 1 });
  });
});
