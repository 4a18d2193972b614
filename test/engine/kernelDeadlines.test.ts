// Kernels whose work grows faster than their input (a sort: n·log n comparisons; an inverse:
// n³ multiply-adds) check the evaluation's deadline between blocks of their work, as matmul
// and the pools do: past it, the kernel itself stops with the budget's diagnostic at its
// call. The clock stands still until the kernel starts, then jumps an hour at each reading
// (test/support/clock.ts): the kernel's first look is past the deadline, whatever the
// machine's speed; a kernel that never looks runs to its end and leaves no diagnostic.

import { describe, expect, it } from 'vitest';
import { type Analysis, analyze } from '../../engine/analysis';
import { analyzePython } from '../../engine/python/analysis';
import { ORDER_FUNCTIONS } from '../../engine/python/numpy/ordering';
import { withClockJumpingFrom, withClockJumpingInKernel } from '../support/clock';

/** The diagnostics of `src` analysed with the clock jumping from `op`'s kernel on: code,
 *  message and the text each points at. */
function stopped(op: string, src: string) {
  let a: Analysis | undefined;
  withClockJumpingInKernel(op, () => (a = analyze(src)));
  return shown(a!, src);
}

/** Each diagnostic's code, message and the text it points at. */
function shown(a: Analysis, src: string) {
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

describe('enumerating kernels check their deadline', () => {
  it.each(['unique(x)', 'unique_with_counts(x)'])('%s of 200,000 values stops inside the kernel', (call) => {
    const src = `x = uniform([200000], seed=1)\ny = ${call}\n`;
    expect(stopped('unique_part', src)).toEqual([{ code: 'budget-time', message: expect.stringMatching(KERNEL_STOP('unique')), at: call }]);
  });
});

describe("numpy's own sorting and nonzero look at the clock", () => {
  // NumPy's functions compute on the host (no graph node, no kernel): they ask the
  // interpreter's clock as they go, and stop with its diagnostic at the call.
  it.each([
    ['np.sort(a)', 'sort'],
    ['np.argsort(a)', 'argsort'],
    ['np.unique(a)', 'unique'],
    ['np.nonzero(a)', 'nonzero'],
    ['np.argwhere(a)', 'argwhere'],
  ])('%s of 200,000 values stops at the call', (call, name) => {
    const src = `import numpy as np\na = np.random.default_rng(1).random(200000)\ny = ${call}\n`;
    let a: Analysis | undefined;
    withClockJumpingFrom(ORDER_FUNCTIONS[name], 'impl', () => (a = analyzePython(src)));
    expect(shown(a!, src)).toEqual([
      {
        code: 'budget-time',
        message:
          'evaluation stopped here: the time budget ran out; the rest of the file is not analysed (raise tgraph.evaluationTimeoutMs)',
        at: call,
      },
    ]);
  });
});

describe('a list sized by user data is checked against the element budget before it grows', () => {
  // Each grew a JS array (a list of bounds, a row object per entry) past what V8 holds, which
  // aborts the whole process, or reached the user as "too complex to analyse". A small call
  // of the same function after it still runs.
  it.each([
    [
      'np.array_split(a, 10**12)',
      '10**12',
      'budget-elements',
      '1,000,000,000,000 sections make as many arrays, over the 10,000,000-element budget (raise tgraph.maxElements)',
      'np.array_split(a, 2)',
    ],
    [
      'list(np.zeros((10**12, 0)))',
      'np.zeros((10**12, 0))',
      'overflow',
      'OverflowError: a sequence of 1,000,000,000,000 items is over the 10,000,000-element budget (raise tgraph.maxElements)',
      'list(np.zeros((2, 0)))',
    ],
    [
      'np.repeat(np.zeros((10**12, 0)), 3, axis=0)',
      'np.zeros((10**12, 0))',
      'budget-elements',
      'an array of 1,000,000,000,000 elements is over the 10,000,000-element budget (raise tgraph.maxElements)',
      'np.repeat(np.zeros((2, 0)), 3, axis=0)',
    ],
  ])('%s: the budget at %s', (call, at, code, message, small) => {
    const src = `import numpy as np\na = np.ones(3)\nb = ${call}\nc = ${small}\n`;
    expect(shown(analyzePython(src), src)).toEqual([{ code, message, at }]);
  });
});
