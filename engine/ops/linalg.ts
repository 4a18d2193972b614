// Linear algebra. `matmul` is batched over leading axes that broadcast (TensorFlow 2's
// tf.matmul); its gradient is TensorFlow's BatchMatMulV2 rule, unbroadcast over the batch.

import { sizeOf } from '../tensor';
import { type Dim, type TensorType, OpError, broadcastShapes, showShape } from '../types';
import { type Builder } from '../builder';
import type { Node } from '../graph';
import { defineOps } from './registry';
import { broadcastStrides } from './kernels';

function matmulType(a: TensorType, b: TensorType, ta: boolean, tb: boolean): TensorType {
  if (a.dtype !== b.dtype) throw new OpError(`a is ${a.dtype} but b is ${b.dtype}`, 1, 'dtype-mismatch');
  if (a.dtype === 'bool') throw new OpError('matmul needs numeric tensors', 0, 'dtype-mismatch');
  if (a.shape === null || b.shape === null) return { dtype: a.dtype, shape: null };
  if (a.shape.length < 2) throw new OpError(`matmul needs rank >= 2, a has shape ${showShape(a.shape)}`, 0);
  if (b.shape.length < 2) throw new OpError(`matmul needs rank >= 2, b has shape ${showShape(b.shape)}`, 1);
  const [m, ka] = ta ? [a.shape[a.shape.length - 1], a.shape[a.shape.length - 2]] : [a.shape[a.shape.length - 2], a.shape[a.shape.length - 1]];
  const [kb, n] = tb ? [b.shape[b.shape.length - 1], b.shape[b.shape.length - 2]] : [b.shape[b.shape.length - 2], b.shape[b.shape.length - 1]];
  if (ka !== null && kb !== null && ka !== kb) {
    throw new OpError(`inner dimensions differ: a ${showShape(a.shape)}${ta ? ' (transposed)' : ''} has ${ka} columns, b ${showShape(b.shape)}${tb ? ' (transposed)' : ''} has ${kb} rows`, 1);
  }
  const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2), 1) as Dim[];
  return { dtype: a.dtype, shape: [...batch, m, n] };
}

function mm(b: Builder, x: Node, y: Node, ta: boolean, tb: boolean): Node {
  return b.op('matmul', [x, y], { transpose_a: ta, transpose_b: tb });
}

defineOps([
  {
    name: 'matmul',
    doc: 'Matrix product of the last two axes, batched over the leading ones (`a @ b`).',
    params: [
      { name: 'a', kind: 'tensor', group: 'T', dtypes: 'numeric', aliases: ['x'] },
      { name: 'b', kind: 'tensor', group: 'T', dtypes: 'numeric', aliases: ['y'] },
      { name: 'transpose_a', kind: 'bool', default: false, aliases: ['adjoint_a'] },
      { name: 'transpose_b', kind: 'bool', default: false, aliases: ['adjoint_b'] },
    ],
    infer: ([a, b], attrs) => matmulType(a, b, attrs.transpose_a === true, attrs.transpose_b === true),
    kernel: ([a, b], attrs, out, ctx) => {
      const ta = attrs.transpose_a === true;
      const tb = attrs.transpose_b === true;
      const rank = out.shape.length;
      const M = out.shape[rank - 2];
      const N = out.shape[rank - 1];
      const K = ta ? a.shape[a.shape.length - 2] : a.shape[a.shape.length - 1];
      const batchShape = out.shape.slice(0, -2);
      const batches = sizeOf(batchShape);
      const aBatch = broadcastStrides(a.shape.slice(0, -2), batchShape).map((s) => s * a.shape[a.shape.length - 2] * a.shape[a.shape.length - 1]);
      const bBatch = broadcastStrides(b.shape.slice(0, -2), batchShape).map((s) => s * b.shape[b.shape.length - 2] * b.shape[b.shape.length - 1]);
      // element strides of a (m, k) and b (k, n) within one matrix
      const [aRow, aCol] = ta ? [1, M] : [K, 1];
      const [bRow, bCol] = tb ? [1, K] : [N, 1];
      const data = ctx.alloc(out.dtype, batches * M * N);
      const A = a.data;
      const B = b.data;
      const acc = new Float64Array(N);
      const idx = new Array<number>(batchShape.length).fill(0);
      for (let batch = 0; batch < batches; batch++) {
        let aOff = 0;
        let bOff = 0;
        for (let k = 0; k < idx.length; k++) {
          aOff += idx[k] * aBatch[k];
          bOff += idx[k] * bBatch[k];
        }
        const oOff = batch * M * N;
        for (let i = 0; i < M; i++) {
          acc.fill(0);
          for (let k = 0; k < K; k++) {
            const av = A[aOff + i * aRow + k * aCol];
            if (av === 0) continue;
            const bBase = bOff + k * bRow;
            for (let j = 0; j < N; j++) acc[j] += av * B[bBase + j * bCol];
          }
          for (let j = 0; j < N; j++) data[oOff + i * N + j] = acc[j];
        }
        for (let k = idx.length - 1; k >= 0; k--) {
          if (++idx[k] < batchShape[k]) break;
          idx[k] = 0;
        }
      }
      return data;
    },
    grad: (b, node, dy) => {
      const [x, y] = node.inputs;
      const ta = node.attrs.transpose_a === true;
      const tb = node.attrs.transpose_b === true;
      let gx: Node;
      let gy: Node;
      if (!ta && !tb) {
        gx = mm(b, dy, y, false, true);
        gy = mm(b, x, dy, true, false);
      } else if (!ta && tb) {
        gx = mm(b, dy, y, false, false);
        gy = mm(b, dy, x, true, false);
      } else if (ta && !tb) {
        gx = mm(b, y, dy, false, true);
        gy = mm(b, x, dy, false, false);
      } else {
        gx = mm(b, y, dy, true, true);
        gy = mm(b, dy, x, true, true);
      }
      return [b.sumToLike(gx, x), b.sumToLike(gy, y)];
    },
  },
]);
