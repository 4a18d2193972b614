// Ops that gradients are made of but users rarely write: unbroadcasting (`sum_to_like`), its
// transpose (`broadcast_like`), `reshape_like` and `add_n` (aggregation of a reused
// tensor's gradients). The second input of the `*_like` ops only lends its runtime shape,
// so they work when static sizes are unknown, as TensorFlow's BroadcastGradientArgs does.

import { type TensorType, OpError, broadcastShapes, showShape } from '../types';
import { sizeOf } from '../tensor';
import { defineOps } from './registry';
import { broadcastData, reduceAxes } from './kernels';
import { broadcastAxes } from '../types';

function sumToShape(from: TensorType, to: TensorType): TensorType {
  return { dtype: from.dtype, shape: to.shape };
}

defineOps([
  {
    name: 'sum_to_like',
    internal: true,
    doc: 'Sums `x` over the axes along which `like` was broadcast, giving `like`\'s shape (unbroadcast).',
    params: [
      { name: 'x', kind: 'tensor' },
      { name: 'like', kind: 'tensor' },
    ],
    infer: ([x, like]) => {
      broadcastShapes(x.shape, like.shape);
      return sumToShape(x, like);
    },
    kernel: ([x, like], _attrs, out, ctx) => {
      const data = ctx.alloc(out.dtype, sizeOf(out.shape));
      if (x.data.length === data.length) {
        data.set(x.data as never);
        return data;
      }
      const axes = broadcastAxes(like.shape, x.shape);
      return reduceAxes(x, axes, data, 0, (a, v) => a + v);
    },
    grad: (b, node, dy) => [b.broadcastLike(dy, node.inputs[0]), null],
  },
  {
    name: 'broadcast_like',
    internal: true,
    doc: 'Broadcasts `x` to the shape of `like`.',
    params: [
      { name: 'x', kind: 'tensor' },
      { name: 'like', kind: 'tensor' },
    ],
    infer: ([x, like]) => {
      const s = broadcastShapes(x.shape, like.shape);
      if (s && like.shape && s.length !== like.shape.length) {
        throw new OpError(`cannot broadcast ${showShape(x.shape)} to ${showShape(like.shape)}`);
      }
      return { dtype: x.dtype, shape: like.shape };
    },
    kernel: ([x], _attrs, out, ctx) => broadcastData(x, out.shape, ctx.alloc(out.dtype, sizeOf(out.shape))),
    grad: (b, node, dy) => [b.sumToLike(dy, node.inputs[0]), null],
  },
  {
    name: 'reshape_like',
    internal: true,
    doc: 'Reshapes `x` to the shape of `like` (same number of elements).',
    params: [
      { name: 'x', kind: 'tensor' },
      { name: 'like', kind: 'tensor' },
    ],
    infer: ([x, like]) => ({ dtype: x.dtype, shape: like.shape }),
    kernel: ([x, like], _attrs, out, ctx) => {
      if (x.data.length !== sizeOf(like.shape)) {
        throw new OpError(`cannot reshape ${x.data.length} elements to ${showShape(like.shape)}`);
      }
      const data = ctx.alloc(out.dtype, x.data.length);
      data.set(x.data as never);
      return data;
    },
    grad: (b, node, dy) => [b.reshapeLike(dy, node.inputs[0]), null],
  },
  {
    name: 'add_n',
    doc: 'Adds all input tensors elementwise (they must have the same shape).',
    params: [{ name: 'inputs', kind: 'tensors', group: 'T', dtypes: 'numeric' }],
    infer: (inputs) => {
      if (inputs.length === 0) throw new OpError('add_n needs at least one tensor');
      let shape = inputs[0].shape;
      inputs.forEach((t, i) => {
        if (t.dtype !== inputs[0].dtype) throw new OpError(`dtype ${t.dtype} differs from ${inputs[0].dtype}`, i, 'dtype-mismatch');
        const s = broadcastShapes(shape, t.shape, i);
        if (s && shape && t.shape && (s.length !== t.shape.length || s.length !== shape.length)) {
          throw new OpError(`shapes ${showShape(shape)} and ${showShape(t.shape)} differ`, i);
        }
        shape = s;
      });
      return { dtype: inputs[0].dtype, shape };
    },
    kernel: (inputs, _attrs, out, ctx) => {
      const n = sizeOf(out.shape);
      const data = ctx.alloc(out.dtype, n);
      for (const t of inputs) {
        if (t.data.length !== n) throw new OpError(`add_n: shapes ${showShape(t.shape)} and ${showShape(out.shape)} differ`);
        const src = t.data;
        for (let i = 0; i < n; i++) data[i] += src[i];
      }
      return data;
    },
    grad: (_b, node, dy) => node.inputs.map(() => dy),
  },
]);
