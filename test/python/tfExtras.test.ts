// TensorFlow functions that count, enumerate and rearrange (tf.unique, tf.math.bincount,
// tf.math.confusion_matrix, tf.meshgrid, tf.math.invert_permutation), and the small functions
// built from other ops (crelu, polyval, pool1d, linalg.cross/triangular_solve/slogdet,
// check_numerics, accumulate_n, rint): values against TensorFlow.js where it has the
// function, against the defining identity where it has not.

import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import type { Tensor } from '../../engine/tensor';
import { quietCpuBackend } from '../support/numeric';
import { data, describeDiagnostic, expectNear, nearTf, printed, py, val } from './support';

beforeAll(quietCpuBackend);

const near = (actual: Tensor, expected: tf.Tensor, what: string) => nearTf(actual, expected, what, 1e-5, 1e-6);
const script = (body: string) => `import tensorflow as tf\n${body}\n`;

describe('counting and enumerating', () => {
  it("tf.unique: values in order of first appearance and each element's index, as TF.js", () => {
    const xs = [3, 1, 3, 2, -0, 0, 1, 7];
    const a = py(
      script(
        `x = tf.constant(${JSON.stringify(xs)}, dtype=tf.float32)\nu = tf.unique(x)\ny, idx = tf.unique(x, out_idx=tf.int64)\nyy = u.y\nii = u.idx`,
      ),
    );
    const { values, indices } = tf.unique(tf.tensor1d(xs));
    near(val(a, 'y'), values, 'y');
    near(val(a, 'yy'), values, 'u.y');
    near(val(a, 'idx'), indices, 'idx');
    expect(val(a, 'idx').dtype).toBe('int64');
    expect(val(a, 'ii').dtype).toBe('int32');
  });

  it('tf.unique_with_counts counts; every NaN is a value of its own (NaN != NaN, as TensorFlow compares)', () => {
    const a = py(script("y, idx, count = tf.unique_with_counts(tf.constant([4., float('nan'), 4., float('nan'), 1.]))"));
    expect(data(val(a, 'y')).map(String)).toEqual(['4', 'NaN', 'NaN', '1']);
    expect(data(val(a, 'idx'))).toEqual([0, 1, 0, 2, 3]);
    expect(data(val(a, 'count'))).toEqual([2, 1, 1, 1]);
  });

  it('tf.math.bincount: counts, weights, minlength and maxlength, as TF.js', () => {
    const arr = [0, 2, 2, 5, 1, 2];
    const w = [0.5, 1, 2, 0.25, 3, 1];
    const a = py(
      script(
        `arr = tf.constant(${JSON.stringify(arr)})\nc = tf.math.bincount(arr)\nlong = tf.math.bincount(arr, minlength=9)\nshort = tf.math.bincount(arr, maxlength=3)\nweighted = tf.math.bincount(arr, weights=tf.constant(${JSON.stringify(w)}))\npresent = tf.math.bincount(arr, binary_output=True)`,
      ),
    );
    const counts = tf.bincount(tf.tensor1d(arr, 'int32'), tf.tensor1d([], 'float32'), 6);
    near(val(a, 'c'), counts, 'counts');
    near(val(a, 'long'), tf.bincount(tf.tensor1d(arr, 'int32'), tf.tensor1d([], 'float32'), 9), 'minlength');
    expect(data(val(a, 'short'))).toEqual([1, 1, 3]);
    expect(data(val(a, 'present'))).toEqual([1, 1, 1, 0, 0, 1]);
    near(val(a, 'weighted'), tf.bincount(tf.tensor1d(arr, 'int32'), tf.tensor1d(w), 6), 'weights');
  });

  it('tf.math.confusion_matrix, with num_classes from the data or given, as TF.js', () => {
    const labels = [0, 1, 2, 1, 3, 0];
    const predictions = [0, 2, 2, 1, 0, 0];
    const a = py(
      script(
        `cm = tf.math.confusion_matrix(${JSON.stringify(labels)}, ${JSON.stringify(predictions)})\nwide = tf.math.confusion_matrix(${JSON.stringify(labels)}, ${JSON.stringify(predictions)}, num_classes=5)`,
      ),
    );
    near(val(a, 'cm'), tf.math.confusionMatrix(tf.tensor1d(labels, 'int32'), tf.tensor1d(predictions, 'int32'), 4), 'confusion matrix');
    near(val(a, 'wide'), tf.math.confusionMatrix(tf.tensor1d(labels, 'int32'), tf.tensor1d(predictions, 'int32'), 5), 'num_classes=5');
  });

  it('tf.math.invert_permutation inverts; a repeated entry is an error at that call', () => {
    const src = script('p = tf.math.invert_permutation(tf.constant([2, 0, 3, 1]))\nq = tf.math.invert_permutation(tf.constant([0, 0]))');
    const a = py(src, { strict: false });
    expect(data(val(a, 'p'))).toEqual([1, 3, 0, 2]);
    const errors = a.diagnostics.filter((d) => d.severity === 'error').map((d) => describeDiagnostic(src, d));
    expect(errors).toEqual([expect.stringContaining('0 is duplicated')]);
  });

  it("tf.meshgrid: 'xy' and 'ij' grids as TF.js, and its gradient sums over the grid", () => {
    const a = py(
      script(
        'x = tf.constant([1., 2., 3.])\ny = tf.constant([10., 20.])\ngx, gy = tf.meshgrid(x, y)\nix, iy = tf.meshgrid(x, y, indexing="ij")\nwith tf.GradientTape() as t:\n    t.watch(x)\n    s = tf.reduce_sum(tf.meshgrid(x, y)[0] * 2.)\ndx = t.gradient(s, x)',
      ),
    );
    const [tx, ty] = tf.meshgrid(tf.tensor1d([1, 2, 3]), tf.tensor1d([10, 20]));
    near(val(a, 'gx'), tx, 'xy: x');
    near(val(a, 'gy'), ty, 'xy: y');
    const [ux, uy] = tf.meshgrid(tf.tensor1d([1, 2, 3]), tf.tensor1d([10, 20]), { indexing: 'ij' });
    near(val(a, 'ix'), ux, 'ij: x');
    near(val(a, 'iy'), uy, 'ij: y');
    expect(data(val(a, 'dx'))).toEqual([4, 4, 4]);
  });
});

describe('functions built from other ops', () => {
  it('crelu, polyval, accumulate_n, rint (half to even), as TF.js computes their definitions', () => {
    const a = py(
      script(
        'x = tf.constant([[-1.5, 2.], [0.5, -3.]])\nc = tf.nn.crelu(x)\nc0 = tf.nn.crelu(x, axis=0)\np = tf.math.polyval([2., -1., 0.5], x)\nn = tf.math.accumulate_n([x, x, x])\nr = tf.math.rint(tf.constant([0.5, 1.5, 2.5, -0.5, -1.7]))\ns = tf.add_n([1., 2., 4.])',
      ),
    );
    const x = tf.tensor2d([
      [-1.5, 2],
      [0.5, -3],
    ]);
    near(val(a, 'c'), tf.concat([tf.relu(x), tf.relu(tf.neg(x))], -1), 'crelu');
    near(val(a, 'c0'), tf.concat([tf.relu(x), tf.relu(tf.neg(x))], 0), 'crelu axis 0');
    near(val(a, 'p'), tf.add(tf.mul(tf.add(tf.mul(2, x), -1), x), 0.5), 'polyval');
    near(val(a, 'n'), tf.mul(x, 3), 'accumulate_n');
    expect(data(val(a, 'r'))).toEqual([0, 2, 2, -0, -2]);
    expect(data(val(a, 's'))).toEqual([7]);
  });

  it('max_pool1d and avg_pool1d are the 2-D pools over a height of 1, as TF.js', () => {
    const values = Array.from({ length: 14 }, (_, i) => Math.sin(i) * 3);
    const a = py(
      script(
        `x = tf.reshape(tf.constant(${JSON.stringify(values)}), [1, 7, 2])\nm = tf.nn.max_pool1d(x, 3, 2, 'VALID')\nv = tf.nn.avg_pool1d(x, ksize=[2], strides=1, padding='SAME')`,
      ),
    );
    const x = tf.tensor4d(values, [1, 1, 7, 2]);
    near(val(a, 'm'), tf.maxPool(x, [1, 3], [1, 2], 'valid').reshape([1, 3, 2]), 'max_pool1d');
    near(val(a, 'v'), tf.avgPool(x, [1, 2], [1, 1], 'same').reshape([1, 7, 2]), 'avg_pool1d');
  });

  it('linalg.cross, triangular_solve (reading one triangle) and slogdet, checked against their definitions', () => {
    const a = py(
      script(
        'u = tf.constant([[1., 2., 3.], [0., -1., 4.]])\nv = tf.constant([[4., 5., 6.], [2., 0., 1.]])\nc = tf.linalg.cross(u, v)\nm = tf.constant([[2., 7., 7.], [1., 4., 7.], [3., -1., 5.]], dtype=tf.float64)\nb = tf.constant([[2.], [9.], [1.]], dtype=tf.float64)\nlo = tf.linalg.triangular_solve(m, b)\nup = tf.linalg.triangular_solve(m, b, lower=False)\nupt = tf.linalg.triangular_solve(m, b, lower=False, adjoint=True)\nsign, logabs = tf.linalg.slogdet(tf.constant([[1., 2.], [3., 4.]], dtype=tf.float64))',
      ),
    );
    expect(data(val(a, 'c'))).toEqual([2 * 6 - 3 * 5, 3 * 4 - 1 * 6, 1 * 5 - 2 * 4, -1 * 1 - 4 * 0, 4 * 2 - 0 * 1, 0 * 0 - -1 * 2]);
    // Substitution by hand on the triangle each call reads (the other entries are ignored).
    const exact = (name: string, expected: number[]) => expectNear(val(a, name), { shape: [3, 1], data: expected }, name, 1e-12, 1e-12);
    exact('lo', [1, 2, 0]);
    exact('up', [(2 - 7 * 1.9 - 7 * 0.2) / 2, (9 - 7 * 0.2) / 4, 0.2]);
    exact('upt', [1, 0.5, (1 - 7 - 7 * 0.5) / 5]);
    expect(data(val(a, 'sign'))).toEqual([-1]);
    expectNear(val(a, 'logabs'), { shape: [], data: [Math.log(2)] }, 'log|det|', 1e-12, 1e-12);
  });

  it('check_numerics passes finite values through and stops at a NaN with its message (TensorFlow wording)', () => {
    const src = script(
      "ok = tf.debugging.check_numerics(tf.constant([1., 2.]), 'fine')\nbad = tf.debugging.check_numerics(tf.constant([1., float('nan')]), 'loss')\nprint(ok.numpy())",
    );
    const a = py(src, { strict: false });
    expect(data(val(a, 'ok'))).toEqual([1, 2]);
    expect(printed(a)).toBe('[1. 2.]\n');
    const errors = a.diagnostics.filter((d) => d.severity === 'error').map((d) => describeDiagnostic(src, d));
    expect(errors).toEqual([expect.stringContaining('loss : Tensor had NaN values')]);
  });
});
