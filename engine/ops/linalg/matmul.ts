// `matmul`: batched, with TensorFlow 2's broadcasting of the batch axes. Its kernel and
// einsum's multiply with one cache-friendly blocked loop, `gemm`.

import { type Builder, tensorValue } from '../../builder';
import type { Node } from '../../graph';
import { type Tensor, type TypedData, sizeOf } from '../../tensor';
import { type Dim, type Shape, type TensorType, OpError, broadcastShapes, showShape } from '../../types';
import { matmulWasm } from '../../wasm/linalg';
import { type DependenceContext, type Relation, axisLabels, contraction } from '../dependence';
import { broadcastStrides, deadlineCheck } from '../kernels';
import { defineOps, op } from '../registry';

// ---- matmul ------------------------------------------------------------------------------

function matmulType(a: TensorType, b: TensorType, ta: boolean, tb: boolean): TensorType {
  if (a.dtype !== b.dtype) throw new OpError(`a is ${a.dtype} but b is ${b.dtype}`, 1, 'dtype-mismatch');
  if (a.dtype === 'bool') throw new OpError('matmul needs numeric tensors', 0, 'dtype-mismatch');
  if (a.shape !== null && a.shape.length < 2) throw new OpError(`matmul needs rank >= 2, a has shape ${showShape(a.shape)}`, 0);
  if (b.shape !== null && b.shape.length < 2) throw new OpError(`matmul needs rank >= 2, b has shape ${showShape(b.shape)}`, 1);
  if (a.shape === null || b.shape === null) return { dtype: a.dtype, shape: null };
  const ra = a.shape.length;
  const rb = b.shape.length;
  const [m, ka] = ta ? [a.shape[ra - 1], a.shape[ra - 2]] : [a.shape[ra - 2], a.shape[ra - 1]];
  const [kb, n] = tb ? [b.shape[rb - 1], b.shape[rb - 2]] : [b.shape[rb - 2], b.shape[rb - 1]];
  if (ka !== null && kb !== null && ka !== kb) {
    throw new OpError(
      `inner dimensions differ: a ${showShape(a.shape)}${ta ? ' (transposed)' : ''} has ${ka} columns, b ${showShape(b.shape)}${tb ? ' (transposed)' : ''} has ${kb} rows`,
      1,
    );
  }
  let batch: Shape;
  try {
    batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2), 1);
  } catch {
    throw new OpError(
      `batch dimensions do not broadcast: a ${showShape(a.shape)} has batch ${showShape(a.shape.slice(0, -2))}, b ${showShape(b.shape)} has batch ${showShape(b.shape.slice(0, -2))}`,
      1,
    );
  }
  return { dtype: a.dtype, shape: [...(batch as Dim[]), m, n] };
}

/** matmul's labels: a [batch..., m, k], b [batch..., k, n] (swapped when transposed) give
 *  [batch..., m, n]; the batch axes broadcast, k is summed. */
type MatmulAttrs = { transpose_a?: boolean; transpose_b?: boolean };

function matmulRelation({ attrs, inputs: [a, b], output }: DependenceContext<MatmulAttrs>): Relation | null {
  if (!a || !b || a.length < 2 || b.length < 2 || output.length < 2) return null;
  const batch = axisLabels(output.length - 2, 'b');
  const batchOf = (shape: readonly Dim[]) => {
    const lead = batch.length - (shape.length - 2);
    if (lead < 0) return null;
    return shape.slice(0, -2).map((d, k) => (d === 1 && output[k + lead] !== 1 ? null : batch[k + lead]));
  };
  const ba = batchOf(a);
  const bb = batchOf(b);
  if (!ba || !bb) return null;
  const ta = attrs.transpose_a === true;
  const tb = attrs.transpose_b === true;
  return {
    inputs: [
      [...ba, ...(ta ? ['k', 'm'] : ['m', 'k'])],
      [...bb, ...(tb ? ['n', 'k'] : ['k', 'n'])],
    ],
    output: [...batch, 'm', 'n'],
    broadcast: batch,
  };
}

function mm(b: Builder, x: Node, y: Node, ta: boolean, tb: boolean): Node {
  return b.op('matmul', [x, y], { transpose_a: ta, transpose_b: tb });
}

let panelScratch = new Float64Array(0);
const noCheck = (): void => undefined;

/**
 * C[M×N] = A[M×K] · B[K×N] (or C += A·B with `accumulate`) for dense row-major float64
 * matrices. B is copied four columns at a time into a contiguous panel, and each 4×4 block
 * of C is summed in sixteen locals over k: one load of A and B feeds four multiply-adds,
 * and no element of C is touched inside the k loop. Every C[i, j] still sums its K products
 * in increasing k, exactly as the textbook loop does.
 */
export function gemm(
  A: Float64Array,
  B: Float64Array,
  C: Float64Array,
  M: number,
  K: number,
  N: number,
  accumulate = false,
  check: () => void = noCheck,
): void {
  const N4 = N - (N % 4);
  const M4 = M - (M % 4);
  if (panelScratch.length < K * 4) panelScratch = new Float64Array(K * 4);
  const P = panelScratch;
  for (let j = 0; j < N4; j += 4) {
    // Between panels of four columns (M·K·4 multiply-adds): the evaluation's deadline.
    check();
    for (let k = 0, p = 0; k < K; k++, p += 4) {
      const b = k * N + j;
      P[p] = B[b];
      P[p + 1] = B[b + 1];
      P[p + 2] = B[b + 2];
      P[p + 3] = B[b + 3];
    }
    for (let i = 0; i < M4; i += 4) {
      let c00 = 0,
        c01 = 0,
        c02 = 0,
        c03 = 0,
        c10 = 0,
        c11 = 0,
        c12 = 0,
        c13 = 0;
      let c20 = 0,
        c21 = 0,
        c22 = 0,
        c23 = 0,
        c30 = 0,
        c31 = 0,
        c32 = 0,
        c33 = 0;
      const a0 = i * K;
      const a1 = a0 + K;
      const a2 = a1 + K;
      const a3 = a2 + K;
      for (let k = 0, p = 0; k < K; k++, p += 4) {
        const b0 = P[p],
          b1 = P[p + 1],
          b2 = P[p + 2],
          b3 = P[p + 3];
        const x0 = A[a0 + k],
          x1 = A[a1 + k],
          x2 = A[a2 + k],
          x3 = A[a3 + k];
        c00 += x0 * b0;
        c01 += x0 * b1;
        c02 += x0 * b2;
        c03 += x0 * b3;
        c10 += x1 * b0;
        c11 += x1 * b1;
        c12 += x1 * b2;
        c13 += x1 * b3;
        c20 += x2 * b0;
        c21 += x2 * b1;
        c22 += x2 * b2;
        c23 += x2 * b3;
        c30 += x3 * b0;
        c31 += x3 * b1;
        c32 += x3 * b2;
        c33 += x3 * b3;
      }
      let o = i * N + j;
      if (accumulate) {
        C[o] += c00;
        C[o + 1] += c01;
        C[o + 2] += c02;
        C[o + 3] += c03;
        o += N;
        C[o] += c10;
        C[o + 1] += c11;
        C[o + 2] += c12;
        C[o + 3] += c13;
        o += N;
        C[o] += c20;
        C[o + 1] += c21;
        C[o + 2] += c22;
        C[o + 3] += c23;
        o += N;
        C[o] += c30;
        C[o + 1] += c31;
        C[o + 2] += c32;
        C[o + 3] += c33;
      } else {
        C[o] = c00;
        C[o + 1] = c01;
        C[o + 2] = c02;
        C[o + 3] = c03;
        o += N;
        C[o] = c10;
        C[o + 1] = c11;
        C[o + 2] = c12;
        C[o + 3] = c13;
        o += N;
        C[o] = c20;
        C[o + 1] = c21;
        C[o + 2] = c22;
        C[o + 3] = c23;
        o += N;
        C[o] = c30;
        C[o + 1] = c31;
        C[o + 2] = c32;
        C[o + 3] = c33;
      }
    }
    for (let i = M4; i < M; i++) {
      let c0 = 0,
        c1 = 0,
        c2 = 0,
        c3 = 0;
      const a = i * K;
      for (let k = 0, p = 0; k < K; k++, p += 4) {
        const x = A[a + k];
        c0 += x * P[p];
        c1 += x * P[p + 1];
        c2 += x * P[p + 2];
        c3 += x * P[p + 3];
      }
      const o = i * N + j;
      if (accumulate) {
        C[o] += c0;
        C[o + 1] += c1;
        C[o + 2] += c2;
        C[o + 3] += c3;
      } else {
        C[o] = c0;
        C[o + 1] = c1;
        C[o + 2] = c2;
        C[o + 3] = c3;
      }
    }
  }
  // The last N % 4 columns: one dot product each.
  for (let j = N4; j < N; j++) {
    check();
    for (let i = 0; i < M; i++) {
      let acc = 0;
      const a = i * K;
      for (let k = 0; k < K; k++) acc += A[a + k] * B[k * N + j];
      if (accumulate) C[i * N + j] += acc;
      else C[i * N + j] = acc;
    }
  }
}

function matmulKernel(
  a: Tensor,
  b: Tensor,
  ta: boolean,
  tb: boolean,
  outShape: readonly number[],
  data: TypedData,
  check: () => void,
): TypedData {
  const rank = outShape.length;
  const M = outShape[rank - 2];
  const N = outShape[rank - 1];
  const K = ta ? a.shape[a.shape.length - 2] : a.shape[a.shape.length - 1];
  const kb = tb ? b.shape[b.shape.length - 1] : b.shape[b.shape.length - 2];
  if (K !== kb) throw new OpError(`inner dimensions differ: a ${showShape(a.shape)} and b ${showShape(b.shape)}`, 1);
  const batchShape = outShape.slice(0, -2);
  const batches = sizeOf(batchShape);
  const aMatrix = M * K;
  const bMatrix = K * N;
  const aBatch = broadcastStrides(a.shape.slice(0, -2), batchShape);
  const bBatch = broadcastStrides(b.shape.slice(0, -2), batchShape);
  // Each operand matrix is copied once into float64 row-major (m, k) and (k, n) order, which
  // undoes the transposes; a batch that broadcasts one matrix reuses its copy.
  const A = new Float64Array(aMatrix);
  const B = new Float64Array(bMatrix);
  const C = new Float64Array(M * N);
  let aLoaded = -1;
  let bLoaded = -1;
  const idx = new Array<number>(batchShape.length).fill(0);
  for (let batch = 0; batch < batches; batch++) {
    let aOff = 0;
    let bOff = 0;
    for (let d = 0; d < idx.length; d++) {
      aOff += idx[d] * aBatch[d];
      bOff += idx[d] * bBatch[d];
    }
    aOff *= aMatrix;
    bOff *= bMatrix;
    if (aOff !== aLoaded) {
      loadMatrix(a.data, aOff, M, K, ta, A);
      aLoaded = aOff;
    }
    if (bOff !== bLoaded) {
      loadMatrix(b.data, bOff, K, N, tb, B);
      bLoaded = bOff;
    }
    gemm(A, B, C, M, K, N, false, check);
    const o = batch * M * N;
    for (let i = 0; i < C.length; i++) data[o + i] = C[i];
    for (let d = idx.length - 1; d >= 0; d--) {
      if (++idx[d] < batchShape[d]) break;
      idx[d] = 0;
    }
  }
  return data;
}

/** Copies the rows×cols matrix at `offset` (stored transposed when `transposed`) into `out`. */
function loadMatrix(src: TypedData, offset: number, rows: number, cols: number, transposed: boolean, out: Float64Array): void {
  if (!transposed) {
    for (let i = 0; i < rows * cols; i++) out[i] = src[offset + i];
    return;
  }
  for (let c = 0; c < cols; c++) {
    const s = offset + c * rows;
    for (let r = 0; r < rows; r++) out[r * cols + c] = src[s + r];
  }
}
defineOps([
  op<MatmulAttrs>({
    name: 'matmul',
    doc: 'Matrix product of the last two axes, batched over the leading ones, which broadcast (`a @ b`).',
    params: [
      { name: 'a', kind: 'tensor', group: 'T', dtypes: 'numeric', aliases: ['x'] },
      { name: 'b', kind: 'tensor', group: 'T', dtypes: 'numeric', aliases: ['y'] },
      { name: 'transpose_a', kind: 'bool', default: false, aliases: ['adjoint_a'] },
      { name: 'transpose_b', kind: 'bool', default: false, aliases: ['adjoint_b'] },
      // TensorFlow's hints for a sparse kernel: the values are the same without them.
      { name: 'a_is_sparse', kind: 'bool', default: false, keywordOnly: true },
      { name: 'b_is_sparse', kind: 'bool', default: false, keywordOnly: true },
    ],
    build: (b, args) => tensorValue(b.buildPrimitive(args.op, args, ['a_is_sparse', 'b_is_sparse'])),
    infer: ([a, b], attrs) => matmulType(a, b, attrs.transpose_a === true, attrs.transpose_b === true),
    kernel: ([a, b], attrs, out, ctx) => {
      const ta = attrs.transpose_a === true;
      const tb = attrs.transpose_b === true;
      const data = ctx.alloc(out.dtype, sizeOf(out.shape));
      return matmulWasm(a, b, ta, tb, out.shape, data, ctx) ?? matmulKernel(a, b, ta, tb, out.shape, data, deadlineCheck(ctx));
    },
    // TensorFlow's _BatchMatMulV2 rule, then summed over the batch axes each side broadcast.
    // A side no x needs (the data of `x @ W`) is left out.
    grad: (b, node, dy, needs) => {
      const [x, y] = node.inputs;
      const ta = node.attrs.transpose_a === true;
      const tb = node.attrs.transpose_b === true;
      const gx = !needs[0]
        ? null
        : !ta && !tb
          ? mm(b, dy, y, false, true)
          : !ta && tb
            ? mm(b, dy, y, false, false)
            : ta && !tb
              ? mm(b, y, dy, false, true)
              : mm(b, y, dy, true, true);
      const gy = !needs[1]
        ? null
        : !ta && !tb
          ? mm(b, x, dy, true, false)
          : !ta && tb
            ? mm(b, dy, x, true, false)
            : ta && !tb
              ? mm(b, x, dy, false, false)
              : mm(b, dy, x, true, true);
      return [gx && b.sumToLike(gx, x), gy && b.sumToLike(gy, y)];
    },
    dependence: contraction(matmulRelation),
  }),
]);
