// Ops that gradients are made of but users rarely write: unbroadcasting (`sum_to_like`), its
// transpose (`broadcast_like`), `reshape_like` and `add_n` (aggregation of a reused
// tensor's gradients). The second input of the `*_like` ops only lends its runtime shape,
// so they work when static sizes are unknown, as TensorFlow's BroadcastGradientArgs does.
// When nothing is summed, broadcast or reshaped (most gradients of same-shape elementwise
// ops), they return their input's data as is: values are never written after they are made,
// so sharing a buffer is safe, as the shape ops' reshape does.

import { type TensorType, OpError, broadcastShapes, showShape } from '../types';
import { sizeOf } from '../tensor';
import { addNWasm } from '../wasm/elementwise';
import { defineOps, firstWhenSameSize } from './registry';
import { ADD, broadcastData, reduceAxes } from './kernels';
import { broadcastAxes } from '../types';
import { axisLabels, contraction, elementwise, firstOnly, indexMap, reshapeFlow } from './dependence';

function sumToShape(from: TensorType, to: TensorType): TensorType {
  return { dtype: from.dtype, shape: to.shape };
}

defineOps([
  {
    name: 'sum_to_like',
    internal: true,
    doc: "Sums `x` over the axes along which `like` was broadcast, giving `like`'s shape (unbroadcast).",
    params: [
      { name: 'x', kind: 'tensor' },
      { name: 'like', kind: 'tensor' },
    ],
    infer: ([x, like]) => {
      broadcastShapes(x.shape, like.shape);
      return sumToShape(x, like);
    },
    kernel: ([x, like], _attrs, out, ctx) => {
      const size = sizeOf(out.shape);
      if (x.data.length === size) return x.data;
      const axes = broadcastAxes(like.shape, x.shape);
      return reduceAxes(x, axes, ctx.alloc(out.dtype, size), 0, ADD);
    },
    viewOf: firstWhenSameSize,
    grad: (b, node, dy) => [b.broadcastLike(dy, node.inputs[0]), null],
    // A reduction over the axes `like` lacks or has as size 1.
    dependence: contraction(
      ({ inputs: [x], output }) => {
        if (!x || x.length < output.length) return null;
        const labels = axisLabels(x.length);
        const lead = x.length - output.length;
        return { inputs: [labels, null], output: output.map((d, o) => (d === 1 && x[o + lead] !== 1 ? null : labels[o + lead])) };
      },
      { carries: firstOnly },
    ),
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
      // x must broadcast TO like: never shrink an axis (a wrong-shaped gradient is an error,
      // not silently its first row).
      const s = broadcastShapes(x.shape, like.shape);
      const grows =
        s &&
        like.shape &&
        x.shape &&
        (s.length !== like.shape.length ||
          x.shape.some((d, i) => {
            const target = like.shape![i + like.shape!.length - x.shape!.length];
            return d !== null && d !== 1 && target !== null && d !== target;
          }));
      if (grows)
        throw new OpError(
          `cannot broadcast ${showShape(x.shape)} to ${showShape(like.shape)} (a gradient must have its input's shape: sum over the broadcast axes)`,
        );
      return { dtype: x.dtype, shape: like.shape };
    },
    kernel: ([x], _attrs, out, ctx) => {
      const size = sizeOf(out.shape);
      return x.data.length === size ? x.data : broadcastData(x, out.shape, ctx.alloc(out.dtype, size));
    },
    viewOf: firstWhenSameSize,
    grad: (b, node, dy) => [b.sumToLike(dy, node.inputs[0]), null],
    dependence: elementwise({ carries: firstOnly }),
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
    kernel: ([x, like], _attrs, _out, _ctx) => {
      if (x.data.length !== sizeOf(like.shape)) {
        throw new OpError(`cannot reshape ${x.data.length} elements to ${showShape(like.shape)}`);
      }
      return x.data;
    },
    viewOf: firstWhenSameSize,
    grad: (b, node, dy) => [b.reshapeLike(dy, node.inputs[0]), null],
    dependence: indexMap(reshapeFlow, { carries: firstOnly }),
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
    // Adds the inputs in order into zeros, as TensorFlow's AddN: each partial sum is stored,
    // so rounded to the dtype. For float32 the rounding is written out (Math.fround) so the
    // inputs can be added two at a time with the same result and half the stores.
    kernel: (inputs, _attrs, out, ctx) => {
      const n = sizeOf(out.shape);
      const data = ctx.alloc(out.dtype, n);
      for (const t of inputs) {
        if (t.data.length !== n) throw new OpError(`add_n: shapes ${showShape(t.shape)} and ${showShape(out.shape)} differ`);
      }
      if (addNWasm(inputs, data, ctx)) return data;
      let k = 0;
      if (data instanceof Float32Array) {
        for (; k + 1 < inputs.length; k += 2) {
          const A = inputs[k].data;
          const B = inputs[k + 1].data;
          for (let i = 0; i < n; i++) data[i] = Math.fround(data[i] + A[i]) + B[i];
        }
      }
      for (; k < inputs.length; k++) {
        const A = inputs[k].data;
        for (let i = 0; i < n; i++) data[i] += A[i];
      }
      return data;
    },
    grad: (_b, node, dy) => node.inputs.map(() => dy),
    dependence: elementwise(),
  },
]);
