// tf.linalg's decompositions and what is built on them: the inverse, the determinant, the
// solution of a linear system (LU with partial pivoting, as Eigen's PartialPivLU behind
// TensorFlow's kernels), the Cholesky factor, and logdet from it. Each works on the last
// two axes, matrix by matrix through the batch. Gradients are TensorFlow's
// (python/ops/linalg_grad.py), written with matmul and these ops, so they are graph nodes
// and can be differentiated again.

import { type TypedData, sizeOf } from '../tensor';
import { type Dim, type TensorType, OpError, showShape } from '../types';
import { type Builder, BuildError, checkDTypeClass, tensorValue } from '../builder';
import type { Node } from '../graph';
import { type KernelContext, type OpDef, defineOps } from './registry';
import { deadlineCheck, workCounter } from './kernels';
import { composite } from './compose';
import type { Dependence } from './dependence';

/** The batch and the matrix size of a square-matrix input (at least 2-D, last two equal). */
function squareType(a: TensorType, what: string, slot = 0): { batch: Dim[] | null; n: Dim } {
  if (a.dtype !== 'float32' && a.dtype !== 'float64')
    throw new OpError(`${what} must be float32 or float64, got ${a.dtype}`, slot, 'dtype-mismatch');
  if (a.shape === null) return { batch: null, n: null };
  if (a.shape.length < 2)
    throw new OpError(`${what} must be at least 2-D (a matrix or a batch of them), got shape ${showShape(a.shape)}`, slot);
  const [r, c] = a.shape.slice(-2);
  if (r !== null && c !== null && r !== c)
    throw new OpError(`${what} must be square (its last two axes equal), got shape ${showShape(a.shape)}`, slot);
  return { batch: a.shape.slice(0, -2), n: r ?? c };
}

/** Where matrix `m` of a batch is named in a message: nothing for a single matrix. */
function which(batch: readonly number[], m: number): string {
  if (batch.length === 0) return '';
  const at: number[] = [];
  let rest = m;
  for (let k = batch.length - 1; k >= 0; k--) {
    at.unshift(rest % batch[k]);
    rest = Math.floor(rest / batch[k]);
  }
  return ` (matrix [${at.join(', ')}] of the batch)`;
}

/** An LU factorisation with partial pivoting of the n×n matrix at `offset` of `data`
 *  (transposed when `transpose`), in place in `lu`; the row permutation in `perm`. Returns
 *  the permutation's sign, 0 when a pivot is exactly zero (the matrix is singular). `done`
 *  counts the multiply-adds of each column's elimination (a 3000×3000 matrix takes 1.8·10¹⁰
 *  of them: the deadline must be seen inside one matrix). */
function luFactor(
  data: TypedData,
  offset: number,
  n: number,
  transpose: boolean,
  lu: Float64Array,
  perm: Int32Array,
  done: (work: number) => void,
): number {
  for (let i = 0; i < n; i++) {
    perm[i] = i;
    for (let j = 0; j < n; j++) lu[i * n + j] = transpose ? data[offset + j * n + i] : data[offset + i * n + j];
  }
  let sign = 1;
  for (let k = 0; k < n; k++) {
    let p = k;
    let best = Math.abs(lu[k * n + k]);
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(lu[i * n + k]);
      if (v > best) {
        best = v;
        p = i;
      }
    }
    if (!(best > 0)) return 0;
    if (p !== k) {
      for (let j = 0; j < n; j++) {
        const t = lu[k * n + j];
        lu[k * n + j] = lu[p * n + j];
        lu[p * n + j] = t;
      }
      const t = perm[k];
      perm[k] = perm[p];
      perm[p] = t;
      sign = -sign;
    }
    const pivot = lu[k * n + k];
    for (let i = k + 1; i < n; i++) {
      const f = (lu[i * n + k] /= pivot);
      if (f === 0) continue;
      for (let j = k + 1; j < n; j++) lu[i * n + j] -= f * lu[k * n + j];
    }
    done((n - k) * (n - k));
  }
  return sign;
}

/** Solves LU·x = P·b for `cols` right-hand sides (b at `offset` of `rhs`, n×cols row-major),
 *  writing x at `offset` of `out`; `done` counts each column's n² multiply-adds. */
function luSolve(
  lu: Float64Array,
  perm: Int32Array,
  n: number,
  rhs: TypedData,
  offset: number,
  cols: number,
  out: TypedData,
  col: Float64Array,
  done: (work: number) => void,
): void {
  for (let c = 0; c < cols; c++) {
    for (let i = 0; i < n; i++) col[i] = rhs[offset + perm[i] * cols + c];
    for (let i = 1; i < n; i++) {
      let s = col[i];
      for (let j = 0; j < i; j++) s -= lu[i * n + j] * col[j];
      col[i] = s;
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = col[i];
      for (let j = i + 1; j < n; j++) s -= lu[i * n + j] * col[j];
      col[i] = s / lu[i * n + i];
    }
    for (let i = 0; i < n; i++) out[offset + i * cols + c] = col[i];
    done(n * n);
  }
}

/** Runs `each(m, done)` for every matrix of a batch, checking the deadline between them and,
 *  inside one, each time `done` has counted a block of work. */
function perMatrix(count: number, ctx: KernelContext, each: (m: number, done: (work: number) => void) => void): void {
  const check = deadlineCheck(ctx);
  const done = workCounter(ctx);
  for (let m = 0; m < count; m++) {
    each(m, done);
    check();
  }
}

const identity = (n: number): Float64Array => {
  const eye = new Float64Array(n * n);
  for (let i = 0; i < n; i++) eye[i * n + i] = 1;
  return eye;
};

/** Every entry of the result may depend on every entry of its matrix (and of the batch, as
 *  far as the pattern says). */
const wholeMatrix = (what: string): Dependence => ({ kind: 'dense', why: what });

const transposeLast = (b: Builder, x: Node): Node => b.op('matrix_transpose', [x], { conjugate: false });
const matmul = (b: Builder, x: Node, y: Node, ta = false, tb = false): Node => b.op('matmul', [x, y], { transpose_a: ta, transpose_b: tb });

/** `x` with two size-1 axes appended, to scale each matrix of a batch. */
const perMatrixScale = (b: Builder, x: Node): Node => b.op('expand_dims', [b.op('expand_dims', [x], { axis: -1 })], { axis: -1 });

function invertible(sign: number, batch: readonly number[], m: number, what: string): void {
  if (sign === 0) throw new OpError(`${what} is not invertible${which(batch, m)}`, 0, 'not-invertible');
}

/** The rule of an op whose output has its square input's type. */
const sameSquare = ([a]: readonly TensorType[]): TensorType => {
  squareType(a, 'input');
  return a;
};

/** The matrix size and the batch axes of a concrete square-matrix input. */
const layoutOf = (a: { shape: readonly number[] }) => ({ n: a.shape[a.shape.length - 1], batch: a.shape.slice(0, -2) });

const matrixParam = { name: 'input', kind: 'tensor' as const, dtypes: 'float' as const, aliases: ['matrix', 'a', 'x'] };

const OPS: OpDef[] = [
  {
    name: 'matrix_inverse',
    aliases: ['inv'],
    doc: "The inverse of each square matrix in the last two axes (its transpose's inverse with adjoint=True); a singular matrix is an error.",
    params: [matrixParam, { name: 'adjoint', kind: 'bool', default: false }],
    infer: sameSquare,
    kernel: ([a], attrs, out, ctx) => {
      const { n, batch } = layoutOf(a);
      const result = ctx.alloc(out.dtype, sizeOf(out.shape));
      const lu = new Float64Array(n * n);
      const perm = new Int32Array(n);
      const col = new Float64Array(n);
      const eye = identity(n);
      perMatrix(sizeOf(batch), ctx, (m, done) => {
        invertible(luFactor(a.data, m * n * n, n, attrs.adjoint === true, lu, perm, done), batch, m, 'the input');
        const inv = new Float64Array(n * n);
        luSolve(lu, perm, n, eye, 0, n, inv, col, done);
        result.set(inv, m * n * n);
      });
      return result;
    },
    // TensorFlow's _MatrixInverseGrad: -A⁻ᵀ·dy·A⁻ᵀ (the adjoint's mirror image).
    grad: (b, node, dy) => {
      const inv = node;
      const adjoint = node.attrs.adjoint === true;
      const g = adjoint ? matmul(b, matmul(b, inv, dy, false, true), inv) : matmul(b, inv, matmul(b, dy, inv, false, true), true, false);
      return [b.neg(g)];
    },
    dependence: wholeMatrix('every entry of an inverse depends on every entry of its matrix'),
  },
  {
    name: 'matrix_determinant',
    aliases: ['det'],
    doc: 'The determinant of each square matrix in the last two axes: shape input.shape[:-2].',
    params: [matrixParam],
    infer: ([a]) => {
      const { batch } = squareType(a, 'input');
      return { dtype: a.dtype, shape: batch };
    },
    kernel: ([a], _attrs, out, ctx) => {
      const { n } = layoutOf(a);
      const result = ctx.alloc(out.dtype, sizeOf(out.shape));
      const lu = new Float64Array(n * n);
      const perm = new Int32Array(n);
      perMatrix(result.length, ctx, (m, done) => {
        let det = luFactor(a.data, m * n * n, n, false, lu, perm, done);
        for (let i = 0; i < n && det !== 0; i++) det *= lu[i * n + i];
        result[m] = det;
      });
      return result;
    },
    // TensorFlow's _MatrixDeterminantGrad: dy·det(A)·A⁻ᵀ per matrix.
    grad: (b, node, dy) => {
      const scale = perMatrixScale(b, b.mul(dy, node));
      return [b.mul(scale, transposeLast(b, b.op('matrix_inverse', [node.inputs[0]], { adjoint: false })))];
    },
    dependence: wholeMatrix('a determinant depends on every entry of its matrix'),
  },
  {
    name: 'matrix_solve',
    aliases: ['solve'],
    doc: 'The solution X of A·X = rhs (Aᵀ·X = rhs with adjoint=True) for each square matrix A of the batch; rhs is [..., n, k] with the same batch.',
    params: [
      { name: 'matrix', kind: 'tensor', group: 'T', dtypes: 'float', aliases: ['a'] },
      { name: 'rhs', kind: 'tensor', group: 'T', dtypes: 'float', aliases: ['b'] },
      { name: 'adjoint', kind: 'bool', default: false },
    ],
    infer: ([a, r]) => {
      const { batch, n } = squareType(a, 'matrix');
      if (r.dtype !== a.dtype) throw new OpError(`rhs is ${r.dtype} but matrix is ${a.dtype}`, 1, 'dtype-mismatch');
      if (r.shape === null) return { dtype: a.dtype, shape: null };
      if (r.shape.length < 2) throw new OpError(`rhs must be at least 2-D ([..., n, k]), got shape ${showShape(r.shape)}`, 1);
      const rows = r.shape[r.shape.length - 2];
      if (n !== null && rows !== null && rows !== n)
        throw new OpError(`rhs has ${rows} rows but matrix is ${n}×${n} (shapes ${showShape(a.shape)} and ${showShape(r.shape)})`, 1);
      const rb = r.shape.slice(0, -2);
      if (batch !== null && (rb.length !== batch.length || rb.some((d, k) => d !== null && batch[k] !== null && d !== batch[k]))) {
        throw new OpError(`matrix and rhs must have the same batch axes, got shapes ${showShape(a.shape)} and ${showShape(r.shape)}`, 1);
      }
      return { dtype: a.dtype, shape: r.shape };
    },
    kernel: ([a, r], attrs, out, ctx) => {
      const { n, batch } = layoutOf(a);
      const cols = r.shape[r.shape.length - 1];
      const result = ctx.alloc(out.dtype, sizeOf(out.shape));
      const lu = new Float64Array(n * n);
      const perm = new Int32Array(n);
      const col = new Float64Array(n);
      perMatrix(sizeOf(batch), ctx, (m, done) => {
        invertible(luFactor(a.data, m * n * n, n, attrs.adjoint === true, lu, perm, done), batch, m, 'the matrix');
        luSolve(lu, perm, n, r.data, m * n * cols, cols, result, col, done);
      });
      return result;
    },
    // TensorFlow's _MatrixSolveGrad: rhs gets A⁻ᵀ·dy (a solve with the other adjoint), the
    // matrix minus that times Xᵀ (X times its transpose with adjoint=True).
    grad: (b, node, dy) => {
      const [a] = node.inputs;
      const adjoint = node.attrs.adjoint === true;
      const gradRhs = b.op('matrix_solve', [a, dy], { adjoint: !adjoint });
      const gradA = adjoint ? matmul(b, node, gradRhs, false, true) : matmul(b, gradRhs, node, false, true);
      return [b.neg(gradA), gradRhs];
    },
    dependence: wholeMatrix('a solution depends on every entry of its matrix and of its right-hand side'),
  },
  {
    name: 'cholesky',
    doc: 'The lower-triangular Cholesky factor L (L·Lᵀ = input) of each symmetric positive definite matrix; reads the lower triangle, as TensorFlow.',
    params: [matrixParam],
    infer: sameSquare,
    kernel: ([a], _attrs, out, ctx) => {
      const { n, batch } = layoutOf(a);
      const result = ctx.alloc(out.dtype, sizeOf(out.shape));
      const L = new Float64Array(n * n);
      perMatrix(sizeOf(batch), ctx, (m, done) => {
        const at = m * n * n;
        L.fill(0);
        for (let j = 0; j < n; j++) {
          let d = a.data[at + j * n + j];
          for (let k = 0; k < j; k++) d -= L[j * n + k] * L[j * n + k];
          if (!(d > 0))
            throw new OpError(
              `Cholesky decomposition was not successful: the input is not symmetric positive definite${which(batch, m)}`,
              0,
              'not-positive-definite',
            );
          const djj = Math.sqrt(d);
          L[j * n + j] = djj;
          for (let i = j + 1; i < n; i++) {
            let s = a.data[at + i * n + j];
            for (let k = 0; k < j; k++) s -= L[i * n + k] * L[j * n + k];
            L[i * n + j] = s / djj;
          }
          done(n * (j + 1));
        }
        result.set(L, at);
      });
      return result;
    },
    // TensorFlow's _CholeskyGrad: with Φ the lower triangle of Lᵀ·dy with its diagonal
    // halved, the symmetric part of L⁻ᵀ·Φ·L⁻¹.
    grad: (b, node, dy) => {
      const n = node.type.shape?.[node.type.shape.length - 1];
      if (typeof n !== 'number') throw new BuildError('the gradient of cholesky needs the matrix size', node.span!, 'shape-mismatch');
      const mask = new Float64Array(n * n);
      for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) mask[i * n + j] = i === j ? 0.5 : 1;
      const dtype = node.type.dtype;
      const phi = b.mul(
        matmul(b, node, dy, true, false),
        b.constant({ dtype, shape: [n, n], data: dtype === 'float64' ? mask : Float32Array.from(mask) }),
      );
      const lInv = b.op('matrix_inverse', [node], { adjoint: false });
      const g = matmul(b, matmul(b, lInv, phi, true, false), lInv);
      return [b.scale(b.add(g, transposeLast(b, g)), 0.5)];
    },
    dependence: wholeMatrix('each entry of a Cholesky factor depends on the entries of its matrix up to its row'),
  },
  composite({
    name: 'slogdet',
    doc: '(sign, log|det|) of each square matrix: the sign of its determinant and the log of its absolute value (tf.linalg.slogdet).',
    params: [matrixParam],
    compose: (b, args) => {
      const det = b.apply('matrix_determinant', [args.tensor('input')], {}, args.callSpan, [args.span('input')]);
      return { kind: 'list', items: [tensorValue(b.op('sign', [det])), tensorValue(b.op('log', [b.op('abs', [det])]))] };
    },
  }),
  composite({
    name: 'triangular_solve',
    doc: 'Solves matrix @ x = rhs for a lower (or upper) triangular matrix, reading only that triangle; adjoint solves with its transpose (tf.linalg.triangular_solve).',
    params: [
      { name: 'matrix', kind: 'tensor', group: 'T', dtypes: 'float' },
      { name: 'rhs', kind: 'tensor', group: 'T', dtypes: 'float' },
      { name: 'lower', kind: 'bool', default: true },
      { name: 'adjoint', kind: 'bool', default: false },
    ],
    compose: (b, args) => {
      const [m, rhs] = b.unifyDTypes([args.tensor('matrix'), args.tensor('rhs')], [args.span('matrix'), args.span('rhs')]);
      // The other triangle is not read: its gradient is zero, as TensorFlow's band part.
      const triangle = b.op(
        'matrix_band_part',
        [m],
        args.bool('lower') ? { num_lower: -1, num_upper: 0 } : { num_lower: 0, num_upper: -1 },
      );
      return b.apply('matrix_solve', [triangle, rhs], { adjoint: args.bool('adjoint') }, args.callSpan, [
        args.span('matrix'),
        args.span('rhs'),
      ]);
    },
  }),
  composite({
    name: 'cross',
    doc: 'The cross product of 3-vectors along the last axis, broadcasting the others (tf.linalg.cross).',
    params: [
      { name: 'a', kind: 'tensor', group: 'T', dtypes: 'numeric' },
      { name: 'b', kind: 'tensor', group: 'T', dtypes: 'numeric' },
    ],
    compose: (b, args) => {
      const [u, v] = b.unifyDTypes([args.tensor('a'), args.tensor('b')], [args.span('a'), args.span('b')]);
      for (const [t, name] of [
        [u, 'a'],
        [v, 'b'],
      ] as const) {
        const shape = t.type.shape;
        if (shape === null || shape.length === 0 || (shape[shape.length - 1] !== null && shape[shape.length - 1] !== 3))
          throw new BuildError(
            `cross(): the last axis of \`${name}\` must have size 3, got shape ${showShape(shape)}`,
            args.span(name),
            'shape-mismatch',
          );
      }
      // u × v = u.yzx · v.zxy − u.zxy · v.yzx, the rotations gathered along the last axis.
      const rotated = (t: Node, order: number[]) =>
        b.op('gather', [t, b.constant({ dtype: 'int32', shape: [3], data: Int32Array.from(order) })], {
          axis: t.type.shape!.length - 1,
          batch_dims: 0,
        });
      return b.sub(b.mul(rotated(u, [1, 2, 0]), rotated(v, [2, 0, 1])), b.mul(rotated(u, [2, 0, 1]), rotated(v, [1, 2, 0])));
    },
  }),
  composite({
    name: 'logdet',
    doc: 'log(det(input)) of each Hermitian positive definite matrix, from its Cholesky factor: 2·Σ log diag(L).',
    params: [{ name: 'matrix', kind: 'tensor', dtypes: 'float', aliases: ['input', 'x'] }],
    compose: (b, args) => {
      const a = args.tensor('matrix');
      checkDTypeClass(args.op, args.param('matrix'), a, args.span('matrix'));
      const chol = b.apply('cholesky', [a], {}, args.callSpan, [args.span('matrix')]);
      const logs = b.op('log', [b.op('matrix_diag_part', [chol])]);
      return b.scale(b.reduceSum(logs, [-1]), 2);
    },
  }),
];

defineOps(OPS);
