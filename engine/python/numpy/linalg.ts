// `numpy.linalg`: the norm, inverse, determinant and solve that scripts check their
// TensorFlow results against, computed in float64 with the engine's kernels (the same LU
// factorisation as tf.linalg's: NumPy's LAPACK may round the last bits otherwise). A singular
// matrix is NumPy's LinAlgError, as an exact zero pivot makes LAPACK's.

import type { Span } from '../../syntax/ast';
import { PyBuiltin, PyModule } from '../values';
import { OutsideSubset, pyError } from '../errors';
import type { Interpreter } from '../interpreter';
import { args as bindArgs } from '../signature';
import { NDArray, astype } from './ndarray';
import { arrayBinary, asArray, hostCall } from './compute';
import { reduce } from './methods';
import { BuildError } from '../../builder';

/** The array as float64 square matrices in its last two axes, or NumPy's LinAlgError. */
function squareMatrices(rt: Interpreter, v: Parameters<typeof asArray>[1], span: Span): NDArray {
  const a = astype(asArray(rt, v, span), 'float64');
  const r = a.shape.length;
  if (r < 2) throw pyError('LinAlgError', `${r}-dimensional array given. Array must be at least two-dimensional`, span);
  if (a.shape[r - 1] !== a.shape[r - 2]) throw pyError('LinAlgError', 'Last 2 dimensions of the array must be square', span);
  return a;
}

/** The determinants, in float64 with the engine's LU factorisation (NumPy's LAPACK may
 *  differ in the last bits: it takes them through slogdet). */
function determinant(rt: Interpreter, a: NDArray, span: Span): NDArray {
  return hostCall(rt, 'matrix_determinant', [a], 'float64', 'float64', span, {}, a.shape.length === 2);
}

/** An op of the factorisation, whose exact zero pivot is NumPy's LinAlgError. */
function factorised(rt: Interpreter, op: 'matrix_inverse' | 'matrix_solve', arrays: NDArray[], span: Span): NDArray {
  try {
    return hostCall(rt, op, arrays, 'float64', 'float64', span);
  } catch (e) {
    if (e instanceof BuildError && e.code === 'not-invertible') throw pyError('LinAlgError', 'Singular matrix', span);
    throw e;
  }
}

export function linalgModule(interp: Interpreter): PyModule {
  const fn = (name: string, params: string[], body: (p: ReturnType<typeof bindArgs>, span: Span) => NDArray) =>
    new PyBuiltin(`numpy.linalg.${name}`, (a, kw, site) => body(bindArgs(name, params, a, kw, site), site.span));
  const functions: Record<string, () => PyBuiltin> = {
    norm: () =>
      fn('norm', ['x', 'ord', 'axis', 'keepdims'], (p, span) => {
        if (p.get('ord', null) !== null) throw new OutsideSubset("np.linalg.norm(ord=...) is outside tgraph's subset", p.span('ord'));
        const x = astype(asArray(interp, p.get('x'), p.span('x')), 'float64');
        const sq = arrayBinary(interp, '*', x, x, span, span, span)!;
        const s = reduce(interp, sq, 'sum', p.get('axis', null), p.get('keepdims', false) === true, span);
        return hostCall(interp, 'sqrt', [s], 'float64', 'float64', span, {}, s.scalar);
      }),
    det: () => fn('det', ['a'], (p) => determinant(interp, squareMatrices(interp, p.get('a'), p.span('a')), p.span('a'))),
    inv: () =>
      fn('inv', ['a'], (p) => {
        const a = squareMatrices(interp, p.get('a'), p.span('a'));
        return factorised(interp, 'matrix_inverse', [a], p.span('a'));
      }),
    solve: () =>
      fn('solve', ['a', 'b'], (p, span) => {
        const a = squareMatrices(interp, p.get('a'), p.span('a'));
        const b0 = astype(asArray(interp, p.get('b'), p.span('b')), 'float64');
        // A vector right-hand side is one column, and the result a vector again.
        const vector = b0.shape.length === 1;
        const b = vector ? new NDArray('float64', [b0.size, 1], b0.data) : b0;
        const n = a.shape[a.shape.length - 1];
        if (b.shape[b.shape.length - 2] !== n)
          throw pyError(
            'ValueError',
            `solve: Input operand 1 has a mismatch in its core dimension 0 (size ${b.shape[b.shape.length - 2]} is different from ${n})`,
            p.span('b'),
          );
        const x = factorised(interp, 'matrix_solve', [a, b], span);
        return vector ? new NDArray('float64', [n], x.data) : x;
      }),
  };
  return new PyModule('numpy.linalg', (name) => functions[name]?.());
}
