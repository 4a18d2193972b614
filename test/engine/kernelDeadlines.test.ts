// Kernels whose work grows faster than their input (a sort: n·log n comparisons; an inverse:
// n³ multiply-adds) check the evaluation's deadline between blocks of their work, as matmul
// and the pools do: past it, the kernel itself stops with the budget's diagnostic at its
// call. The clock stands still until the kernel starts, then jumps an hour at each reading
// (test/support/clock.ts): the kernel's first look is past the deadline, whatever the
// machine's speed; a kernel that never looks runs to its end and leaves no diagnostic.

import { describe, expect, it } from 'vitest';
import { analyze } from '../../engine/analysis';
import { withClockJumpingInKernel } from '../support/clock';

/** The diagnostics of `src` analysed with the clock jumping from `op`'s kernel on: code,
 *  message and the text each points at. */
function stopped(op: string, src: string) {
  const a = withClockJumpingInKernel(op, () => analyze(src));
  return a.diagnostics.map((d) => ({ code: d.code, message: d.message, at: src.slice(d.span.start, d.span.end) }));
}

const KERNEL_STOP = (op: string) =>
  new RegExp(`^${op}: stopped inside the kernel: the time budget ran out \\(raise tgraph\\.evaluationTimeoutMs\\)`);

describe('sorting kernels check their deadline', () => {
  it.each([
    ['argsort(x)', 'argsort'],
    ['sort(x)', 'argsort'],
    ['tf.math.top_k(x, k=3)', 'argsort'],
  ])('%s of 200,000 values stops inside the kernel', (call, op) => {
    const src = `x = uniform([200000], seed=1)\ny = ${call}\n`;
    const found = stopped(op, src);
    expect(found).toEqual([{ code: 'budget-time', message: expect.stringMatching(KERNEL_STOP(op)), at: call }]);
  });
});

describe('linear algebra kernels check their deadline inside one matrix', () => {
  // One 300×300 matrix (9·10⁶ multiply-adds to factor) whose last row and column are zero: a
  // kernel that looks at the clock only between matrices does all the work and then finds it
  // singular (not positive definite) at the last column; one that looks inside stops first.
  // (The determinant shares the inverse's LU factorisation and raises no error to tell.)
  const MATRIX = 'a = pad(uniform([299, 299], seed=1) + 300. * eye(299), [[0, 1], [0, 1]])\n';
  it.each([
    ['matrix_inverse(a)', 'matrix_inverse'],
    ['tf.linalg.inv(a)', 'matrix_inverse'],
    ['tf.linalg.solve(a, ones([300, 2]))', 'matrix_solve'],
    ['cholesky(a)', 'cholesky'],
    ['tf.linalg.logdet(a)', 'cholesky'],
  ])('%s stops inside the kernel', (call, op) => {
    const src = `${MATRIX}y = ${call}\n`;
    expect(stopped(op, src)).toEqual([{ code: 'budget-time', message: expect.stringMatching(KERNEL_STOP(op)), at: call }]);
  });
});
