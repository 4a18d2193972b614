// tf.linalg's inverse, determinant, solve, Cholesky factor and logdet (TensorFlow.js has none
// of them): values against closed forms and textbook factorisations, the defining identities
// on random batches in float64, gradients against float64 central differences (the Cholesky
// factor of a symmetric matrix built from x, as its gradient is TensorFlow's symmetric one),
// and TensorFlow's errors for singular and indefinite matrices.

import { describe, expect, it } from 'vitest';
import { analyze } from '../../engine/analysis';
import { diagnostic, expectChecksPass, run, value } from '../support/ops';

const close = (got: ArrayLike<number>, want: number[], tol = 1e-12) => {
  expect(got.length).toBe(want.length);
  want.forEach((w, i) => expect(Math.abs(got[i] - w), `element ${i}: ${got[i]} vs ${w}`).toBeLessThanOrEqual(tol * (1 + Math.abs(w))));
};

describe('closed forms', () => {
  it('inverse, determinant and solve of small matrices', () => {
    const a = run(`
a = constant([[1., 2.], [3., 4.]], dtype=float64)
i = matrix_inverse(a)
ia = tf.linalg.inv(a, adjoint=True)
d = tf.linalg.det(a)
d3 = det(constant([[2., -3., 1.], [2., 0., -1.], [1., 4., 5.]], dtype=float64))
x = tf.linalg.solve(a, constant([[5.], [6.]], dtype=float64))
xa = matrix_solve(a, constant([[5.], [6.]], dtype=float64), adjoint=True)
`);
    close(value(a, 'i').data, [-2, 1, 1.5, -0.5]);
    close(value(a, 'ia').data, [-2, 1.5, 1, -0.5]);
    close(value(a, 'd').data, [-2]);
    expect(value(a, 'd').shape).toEqual([]);
    // 2(0·5 + 4) + 3(10 + 1) + (8 - 0) = 49
    close(value(a, 'd3').data, [49]);
    close(value(a, 'x').data, [-4, 4.5]);
    // Aᵀ x = b: [[1, 3], [2, 4]] x = [5, 6]
    close(value(a, 'xa').data, [-1, 2]);
  });

  it('the textbook Cholesky factor, and logdet', () => {
    const a = run(`
a = constant([[4., 12., -16.], [12., 37., -43.], [-16., -43., 98.]], dtype=float64)
l = tf.linalg.cholesky(a)
ld = tf.linalg.logdet(a)
`);
    close(value(a, 'l').data, [2, 0, 0, 6, 1, 0, -8, 5, 3]);
    close(value(a, 'ld').data, [Math.log(36)]);
  });
});

describe('the defining identities on random batches', () => {
  it('A·inv(A) = I, A·solve(A, B) = B, L·Lᵀ = A, det(A·B) = det(A)·det(B)', () => {
    const a = run(`
a = uniform([3, 4, 4], low=-1, high=1, seed=7) + 3. * eye(4, batch_shape=[3])
b = uniform([3, 4, 4], low=-1, high=1, seed=8)
a64 = cast(a, float64)
b64 = cast(b, float64)
ia = a64 @ matrix_inverse(a64)
sb = a64 @ matrix_solve(a64, b64[:, :, 0:2])
spd = a64 @ matrix_transpose(a64) + eye(4, batch_shape=[3], dtype=float64)
l = cholesky(spd)
llt = l @ matrix_transpose(l)
dab = det(a64 @ b64)
dadb = det(a64) * det(b64)
`);
    const eye = Array.from({ length: 3 }, () => [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]).flat();
    close(value(a, 'ia').data, eye, 1e-12);
    close(
      value(a, 'sb').data,
      Array.from(value(a, 'b64').data).filter((_, k) => k % 4 < 2),
      1e-12,
    );
    close(value(a, 'llt').data, Array.from(value(a, 'spd').data), 1e-12);
    const l = value(a, 'l').data;
    for (let m = 0; m < 3; m++) for (let i = 0; i < 4; i++) for (let j = i + 1; j < 4; j++) expect(l[m * 16 + i * 4 + j]).toBe(0);
    close(value(a, 'dab').data, Array.from(value(a, 'dadb').data), 1e-10);
  });
});

describe('gradients', () => {
  it('match float64 central differences, as TensorFlow writes them', () => {
    const a = run(`
x = variable(uniform([3, 3], low=-1, high=1, seed=1) + 2. * eye(3), dtype=float64)
r = variable(uniform([3, 2], low=-1, high=1, seed=2), dtype=float64)
w = constant(uniform([3, 3], low=-1, high=1, seed=3), dtype=float64)
check gradients(reduce_sum(matrix_inverse(x) * w), x)
check gradients(reduce_sum(matrix_inverse(x, adjoint=True) * w), x)
check gradients(det(x), x)
check gradients(reduce_sum(matrix_solve(x, r) * w[:, 0:2]), [x, r])
check gradients(reduce_sum(matrix_solve(x, r, adjoint=True) * w[:, 0:2]), [x, r])
spd = x @ matrix_transpose(x) + eye(3, dtype=float64)
check gradients(reduce_sum(cholesky(spd) * w), x)
check gradients(logdet(spd), x)
`);
    expectChecksPass(a, 7);
  });
});

describe('refusals', () => {
  it('a singular matrix, an indefinite one, and shapes that do not fit', () => {
    expect(diagnostic(analyze('i = matrix_inverse([[1., 2.], [2., 4.]])'), 'not invertible').code).toBe('not-invertible');
    expect(diagnostic(analyze('x = solve([[[1., 2.], [2., 4.]]], [[[1.], [2.]]])'), 'not invertible').message).toContain(
      'matrix [0] of the batch',
    );
    expect(diagnostic(analyze('l = cholesky([[1., 2.], [2., 1.]])'), 'Cholesky').code).toBe('not-positive-definite');
    expect(diagnostic(analyze('d = det([[1., 2., 3.], [4., 5., 6.]])'), 'square').at).toBe('[[1., 2., 3.], [4., 5., 6.]]');
    expect(diagnostic(analyze('x = solve([[1., 2.], [3., 4.]], [[1.], [2.], [3.]])'), 'rows').at).toBe('[[1.], [2.], [3.]]');
    expect(diagnostic(analyze('d = det([[1, 2], [3, 4]])'), 'float32 or float64').code).toBe('dtype-mismatch');
    // The determinant of a singular matrix is 0, as TensorFlow's.
    expect(Array.from(value(run('d = det([[1., 2.], [2., 4.]])'), 'd').data)).toEqual([0]);
  });
});
