// The last two axes as a batch of matrices: `matrix_diag_part`, `matrix_diag`, `matrix_set_diag`,
// `matrix_band_part`, `trace`, `matrix_transpose`.

import { type Value, checkDTypeClass, tensorValue } from '../../builder';
import { type TypedData, sizeOf } from '../../tensor';
import { type Dim, type TensorType, OpError, showShape } from '../../types';
import { type RelationAxis, axisLabels, contraction, firstOnly, indexMap, positionalFlow } from '../dependence';

type BandAttrs = { readonly num_lower: number; readonly num_upper: number };
import { defineOps, lookupOp } from '../registry';

/** The batched diagonal of the last two axes: [batch..., i, i] ↔ [batch..., i]. */
function diagonalRelation(
  matrix: readonly Dim[] | null,
  diagonalSize: Dim,
): { matrix: RelationAxis[]; diagonal: RelationAxis[]; sizes: Record<string, Dim> } | null {
  if (!matrix || matrix.length < 2) return null;
  const batch = axisLabels(matrix.length - 2, 'b');
  return { matrix: [...batch, 'i', 'i'], diagonal: [...batch, 'i'], sizes: { i: diagonalSize } };
}

// ---- diagonal ----------------------------------------------------------------------------

function diagPartType(x: TensorType): TensorType {
  if (x.shape === null) return { dtype: x.dtype, shape: null };
  if (x.shape.length < 2) throw new OpError(`needs a tensor of rank >= 2 (a batch of matrices), got shape ${showShape(x.shape)}`, 0);
  const m = x.shape[x.shape.length - 2];
  const n = x.shape[x.shape.length - 1];
  return { dtype: x.dtype, shape: [...x.shape.slice(0, -2), m === null || n === null ? null : Math.min(m, n)] };
}

/** Refuses a diagonal whose static shape is not the diagonal of `matrices` (argument `arg`). */
function checkDiagonalFits(diagonal: TensorType, matrices: TensorType, arg: number): void {
  const expected = diagPartType(matrices).shape;
  const given = diagonal.shape;
  if (expected && given && (expected.length !== given.length || expected.some((n, i) => n !== null && given[i] !== null && n !== given[i])))
    throw new OpError(
      `diagonal of shape ${showShape(given)} does not fit matrices of shape ${showShape(matrices.shape)} (it needs ${showShape(expected)})`,
      arg,
    );
}

/** Writes each batch's `diagonal` on the main diagonal of `data`, a batch of matrices of `shape`. */
function writeDiagonal(data: TypedData, shape: readonly number[], diagonal: TypedData): TypedData {
  const r = shape.length;
  const m = shape[r - 2];
  const n = shape[r - 1];
  const d = Math.min(m, n);
  const batches = sizeOf(shape.slice(0, -2));
  for (let t = 0; t < batches; t++) for (let i = 0; i < d; i++) data[t * m * n + i * n + i] = diagonal[t * d + i];
  return data;
}

defineOps([
  {
    name: 'matrix_diag_part',
    doc: 'The main diagonal of the last two axes (batched; min(rows, columns) entries).',
    params: [{ name: 'input', kind: 'tensor', dtypes: 'numeric', aliases: ['x', 'a'] }],
    infer: ([x]) => diagPartType(x),
    kernel: ([x], _attrs, out, ctx) => {
      const r = x.shape.length;
      const m = x.shape[r - 2];
      const n = x.shape[r - 1];
      const d = Math.min(m, n);
      const batches = sizeOf(x.shape.slice(0, -2));
      const data = ctx.alloc(out.dtype, batches * d);
      for (let t = 0; t < batches; t++) for (let i = 0; i < d; i++) data[t * d + i] = x.data[t * m * n + i * n + i];
      return data;
    },
    // TensorFlow: matrix_set_diag(zeros_like(x), grad).
    grad: (b, node, dy) => [b.op('matrix_diag_embed_like', [dy, node.inputs[0]])],
    dependence: contraction(({ inputs: [x], output }) => {
      const r = diagonalRelation(x, output[output.length - 1] ?? null);
      return r && { inputs: [r.matrix], output: r.diagonal, sizes: r.sizes };
    }),
  },
  {
    name: 'matrix_diag_embed_like',
    internal: true,
    doc: 'Zeros shaped like `like` (a batch of matrices) with `x` on the main diagonal.',
    params: [
      { name: 'x', kind: 'tensor' },
      { name: 'like', kind: 'tensor' },
    ],
    infer: ([x, like]) => {
      checkDiagonalFits(x, like, 0);
      return { dtype: x.dtype, shape: like.shape };
    },
    kernel: ([x, like], _attrs, out, ctx) => writeDiagonal(ctx.alloc(out.dtype, sizeOf(like.shape)), like.shape, x.data),
    grad: (b, _node, dy) => [b.op('matrix_diag_part', [dy]), null],
    dependence: contraction(
      ({ inputs: [x], output }) => {
        const r = diagonalRelation(output, x?.[x.length - 1] ?? null);
        return r && { inputs: [r.diagonal, null], output: r.matrix, sizes: r.sizes };
      },
      { carries: firstOnly },
    ),
  },
  {
    name: 'matrix_diag',
    doc: 'Square matrices with `diagonal` on their main diagonal and zeros elsewhere: [..., n] → [..., n, n] (tf.linalg.diag).',
    params: [{ name: 'diagonal', kind: 'tensor', aliases: ['x', 'input'] }],
    infer: ([d]) => {
      if (d.shape === null) return { dtype: d.dtype, shape: null };
      if (d.shape.length < 1) throw new OpError(`needs a tensor of rank >= 1 (a batch of diagonals), got shape ${showShape(d.shape)}`, 0);
      const n = d.shape[d.shape.length - 1];
      return { dtype: d.dtype, shape: [...d.shape, n] };
    },
    kernel: ([d], _attrs, out, ctx) => writeDiagonal(ctx.alloc(out.dtype, sizeOf(out.shape)), out.shape, d.data),
    // TensorFlow: matrix_diag_part(grad).
    grad: (b, _node, dy) => [b.op('matrix_diag_part', [dy])],
    dependence: contraction(({ inputs: [d], output }) => {
      const r = diagonalRelation(output, d?.[d.length - 1] ?? null);
      return r && { inputs: [r.diagonal], output: r.matrix, sizes: r.sizes };
    }),
  },
  {
    name: 'matrix_set_diag',
    doc: '`input` with its main diagonal (of the last two axes, batched) replaced by `diagonal` (tf.linalg.set_diag).',
    params: [
      { name: 'input', kind: 'tensor', group: 'T', aliases: ['x'] },
      { name: 'diagonal', kind: 'tensor', group: 'T' },
    ],
    infer: ([x, d]) => {
      checkDiagonalFits(d, x, 1);
      if (x.dtype !== d.dtype) throw new OpError(`diagonal is ${d.dtype} but input is ${x.dtype}`, 1);
      return { dtype: x.dtype, shape: x.shape };
    },
    kernel: ([x, d], _attrs, out, ctx) => {
      const data = ctx.alloc(out.dtype, x.data.length, true);
      data.set(x.data as never);
      return writeDiagonal(data, x.shape, d.data);
    },
    // TensorFlow's _MatrixSetDiagGrad: the input's gradient is dy with a zero diagonal, the
    // diagonal's is dy's diagonal.
    grad: (b, _node, dy) => {
      const onDiagonal = b.op('matrix_diag_part', [dy]);
      return [b.op('matrix_set_diag', [dy, b.zerosLike(onDiagonal)]), onDiagonal];
    },
    dependence: indexMap(({ output }) => {
      const r = output.length;
      if (r < 2) return null;
      const flow = positionalFlow(r);
      const last = [...flow.from[r - 1], { slot: 1, axis: r - 2 }];
      return { from: flow.from.map((f, k) => (k === r - 1 ? last : k < r - 2 ? [...f, { slot: 1, axis: k }] : f)) };
    }),
  },
  {
    name: 'matrix_band_part',
    doc: 'Keeps a band of each matrix (the last two axes): `num_lower` diagonals below the main one and `num_upper` above (-1: all of them), zeros elsewhere; band_part(x, -1, 0) is the lower triangle (tf.linalg.band_part).',
    params: [
      { name: 'input', kind: 'tensor', aliases: ['x'] },
      { name: 'num_lower', kind: 'int' },
      { name: 'num_upper', kind: 'int' },
    ],
    infer: ([x]) => {
      if (x.shape !== null && x.shape.length < 2)
        throw new OpError(`needs a tensor of rank >= 2 (a batch of matrices), got shape ${showShape(x.shape)}`, 0);
      return x;
    },
    kernel: ([x], attrs: BandAttrs, out, ctx) => {
      const r = x.shape.length;
      const m = x.shape[r - 2];
      const n = x.shape[r - 1];
      const batches = sizeOf(x.shape.slice(0, -2));
      const data = ctx.alloc(out.dtype, x.data.length);
      const { num_lower: lower, num_upper: upper } = attrs;
      for (let t = 0; t < batches; t++) {
        for (let i = 0; i < m; i++) {
          // Columns i - lower .. i + upper of row i (all of them on a side given as negative).
          const from = lower < 0 ? 0 : Math.max(0, i - lower);
          const to = upper < 0 ? n : Math.min(n, i + upper + 1);
          const row = t * m * n + i * n;
          for (let j = from; j < to; j++) data[row + j] = x.data[row + j];
        }
      }
      return data;
    },
    // TensorFlow's _MatrixBandPartGrad: the same band of dy.
    grad: (b, node, dy) => [b.op('matrix_band_part', [dy], node.attrs)],
    dependence: indexMap(({ output }) => positionalFlow(output.length)),
  },
  {
    name: 'trace',
    doc: 'Sum of the main diagonal of the last two axes (batched), as tf.linalg.trace.',
    params: [{ name: 'x', kind: 'tensor', dtypes: 'numeric', aliases: ['input', 'a'] }],
    // TensorFlow: reduce_sum(matrix_diag_part(x), axis=-1).
    build: (b, args): Value => {
      const x = args.tensor('x');
      const op = lookupOp('trace')!;
      checkDTypeClass(op, op.params[0], x, args.span('x'));
      const diag = b.apply('matrix_diag_part', [x], {}, args.callSpan, [args.span('x')]);
      return tensorValue(b.apply('reduce_sum', [diag], { axis: [-1], keepdims: false }, args.callSpan));
    },
  },
  {
    name: 'matrix_transpose',
    doc: 'Swaps the last two axes (transposes each matrix of a batch).',
    params: [
      { name: 'a', kind: 'tensor', aliases: ['x', 'input'] },
      { name: 'conjugate', kind: 'bool', default: false },
    ],
    tf1Positional: ['a', 'name', 'conjugate'],
    infer: ([x]) => {
      if (x.shape === null) return { dtype: x.dtype, shape: null };
      if (x.shape.length < 2) throw new OpError(`needs a tensor of rank >= 2, got shape ${showShape(x.shape)}`, 0);
      const s = x.shape.slice();
      const r = s.length;
      [s[r - 2], s[r - 1]] = [s[r - 1], s[r - 2]];
      return { dtype: x.dtype, shape: s };
    },
    kernel: ([x], _attrs, out, ctx) => {
      const r = x.shape.length;
      const m = x.shape[r - 2];
      const n = x.shape[r - 1];
      const batches = sizeOf(x.shape.slice(0, -2));
      const data = ctx.alloc(out.dtype, x.data.length);
      const X = x.data;
      for (let t = 0; t < batches; t++) {
        const base = t * m * n;
        for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) data[base + j * m + i] = X[base + i * n + j];
      }
      return data;
    },
    grad: (b, node, dy) => [b.op('matrix_transpose', [dy], node.attrs)],
    dependence: indexMap(({ output }) => {
      const r = output.length;
      if (r < 2) return null;
      const flow = positionalFlow(r);
      return { from: flow.from.map((f, k) => (k === r - 2 ? [{ slot: 0, axis: r - 1 }] : k === r - 1 ? [{ slot: 0, axis: r - 2 }] : f)) };
    }),
  },
]);
