// Tensors made from a few numbers: one_hot (an op on its indices), eye and linspace
// (constants, known without feeds). None of them has a gradient: TensorFlow's OneHot
// gradient is None for every input, and eye/linspace depend on no tensor here.

import { type DType, allocData, coerceNumber, isFloat, isInteger, sizeOf } from '../tensor';
import { type Dim, OpError, showShape } from '../types';
import { type BoundArgs, type Builder, BuildError, tensorValue } from '../builder';
import { defineOps, op } from './registry';
import { ArgError, applyBlaming } from './shape/arguments';
import { checkedSize } from './sources';

/** A static scalar argument converted to `dtype`: literals adapt, tensors must match. */
function scalarIn(b: Builder, args: BoundArgs, name: string, dtype: DType, fallback: number): number {
  if (args.isNone(name)) return fallback;
  const span = args.span(name);
  const node = b.toTensor(args.value(name), span, dtype);
  if (node.type.dtype !== dtype)
    throw new BuildError(`\`${name}\` is ${node.type.dtype} but the result is ${dtype}`, span, 'dtype-mismatch');
  if (node.type.shape === null || node.type.shape.length !== 0)
    throw new BuildError(`\`${name}\` must be a scalar, got shape ${showShape(node.type.shape)}`, span, 'shape-mismatch');
  return args.float(name);
}

/** The dtype of an optional value argument, when it is a tensor that fixes one. */
function dtypeOf(b: Builder, args: BoundArgs, name: string): DType | null {
  if (args.isNone(name)) return null;
  return b.toTensor(args.value(name), args.span(name)).type.dtype;
}

defineOps([
  op<{ dtype: DType; depth: number; axis: number; on_value: number; off_value: number }>({
    name: 'one_hot',
    doc: 'A one-hot encoding of integer `indices` with `depth` entries along a new `axis` (out-of-range indices give all off_value).',
    params: [
      { name: 'indices', kind: 'tensor', dtypes: 'int' },
      { name: 'depth', kind: 'int' },
      { name: 'on_value', kind: 'value', default: null },
      { name: 'off_value', kind: 'value', default: null },
      { name: 'axis', kind: 'int', default: -1 },
      { name: 'dtype', kind: 'dtype', default: null },
    ],
    build: (b, args) => {
      const indices = args.tensor('indices', 'int32');
      if (!isInteger(indices.type.dtype))
        throw new BuildError(
          `one_hot() expects an int32 or int64 tensor for \`indices\`, got ${indices.type.dtype}`,
          args.span('indices'),
          'dtype-mismatch',
        );
      // TensorFlow: dtype, else the dtype of on_value/off_value, else float32.
      const dtype = args.optionalDType('dtype') ?? dtypeOf(b, args, 'on_value') ?? dtypeOf(b, args, 'off_value') ?? 'float32';
      const on = scalarIn(b, args, 'on_value', dtype, 1);
      const off = scalarIn(b, args, 'off_value', dtype, 0);
      const depth = args.int('depth');
      if (depth < 0) throw new BuildError(`one_hot: depth must be non-negative, got ${depth}`, args.span('depth'), 'bad-argument');
      const attrs = { depth, on_value: coerceNumber(dtype, on), off_value: coerceNumber(dtype, off), axis: args.int('axis'), dtype };
      return tensorValue(applyBlaming(b, args, 'one_hot', [indices], attrs, [args.span('indices')]));
    },
    infer: ([indices], attrs) => {
      if (!isInteger(indices.dtype)) throw new OpError(`indices must be int32 or int64, got ${indices.dtype}`, 0, 'dtype-mismatch');
      const dtype = attrs.dtype;
      const depth = attrs.depth;
      if (indices.shape === null) return { dtype, shape: null };
      const rank = indices.shape.length;
      const axis = attrs.axis;
      if (axis < -1 || axis > rank)
        throw new ArgError(
          `axis ${axis} is out of range for indices of rank ${rank} (shape ${showShape(indices.shape)}): it must be in [-1, ${rank}]`,
          'axis',
          'bad-axis',
        );
      const shape: Dim[] = indices.shape.slice();
      shape.splice(axis === -1 ? rank : axis, 0, depth);
      return { dtype, shape };
    },
    kernel: ([indices], attrs, out, ctx) => {
      const depth = attrs.depth;
      const rank = indices.shape.length;
      const axis = attrs.axis === -1 ? rank : attrs.axis;
      const outer = sizeOf(indices.shape.slice(0, axis));
      const inner = sizeOf(indices.shape.slice(axis));
      const data = ctx.alloc(out.dtype, sizeOf(out.shape));
      const off = attrs.off_value;
      const on = attrs.on_value;
      if (off !== 0) data.fill(off);
      const ix = indices.data;
      for (let o = 0; o < outer; o++) {
        for (let i = 0; i < inner; i++) {
          const v = ix[o * inner + i];
          if (v >= 0 && v < depth) data[(o * depth + v) * inner + i] = on;
        }
      }
      return data;
    },
  }),
  {
    name: 'eye',
    doc: 'The identity matrix num_rows × num_columns (square by default), optionally repeated over batch_shape.',
    params: [
      { name: 'num_rows', kind: 'int' },
      { name: 'num_columns', kind: 'int', default: null },
      { name: 'batch_shape', kind: 'shape', default: null },
      { name: 'dtype', kind: 'dtype', default: 'float32' },
    ],
    build: (b, args) => {
      const rows = args.int('num_rows');
      const cols = args.optionalInt('num_columns') ?? rows;
      if (rows < 0) throw new BuildError(`eye: num_rows must be non-negative, got ${rows}`, args.span('num_rows'), 'bad-argument');
      if (cols < 0) throw new BuildError(`eye: num_columns must be non-negative, got ${cols}`, args.span('num_columns'), 'bad-argument');
      const batch = args.shape('batch_shape') ?? [];
      if (batch.some((d) => d === null || d < 0))
        throw new BuildError(
          `eye: batch_shape must be fully known, got ${showShape(batch.map((d) => (d === -1 ? null : d)))}`,
          args.span('batch_shape'),
          'bad-shape',
        );
      const dtype = args.dtype('dtype');
      const shape = [...(batch as number[]), rows, cols];
      const n = checkedSize(b, shape, args.callSpan, 'eye()');
      const data = allocData(dtype, n);
      // No matrices to fill when the result is empty: a batch of 2^32 × 1e9 empty matrices
      // must not be looped over.
      const matrices = n === 0 ? 0 : sizeOf(batch as number[]);
      const diag = Math.min(rows, cols);
      for (let m = 0; m < matrices; m++) for (let i = 0; i < diag; i++) data[m * rows * cols + i * cols + i] = 1;
      return tensorValue(b.constant({ dtype, shape, data }, args.callSpan));
    },
  },
  {
    name: 'linspace',
    aliases: ['lin_space'],
    doc: '`num` evenly spaced numbers from start to stop, both included (float32 unless start/stop are float64).',
    params: [
      { name: 'start', kind: 'tensor' },
      { name: 'stop', kind: 'tensor' },
      { name: 'num', kind: 'int' },
      // After TensorFlow's `name` (linspace(start, stop, num, name=None, axis=0)): by keyword.
      { name: 'axis', kind: 'int', default: 0, keywordOnly: true },
    ],
    build: (b, args) => {
      const ends = ['start', 'stop'].map((name) => {
        const node = args.tensor(name);
        if (node.type.shape === null || node.type.shape.length !== 0) {
          throw new BuildError(
            `linspace: \`${name}\` must be a scalar, got shape ${showShape(node.type.shape)}`,
            args.span(name),
            'shape-mismatch',
          );
        }
        if (!node.weak && !isFloat(node.type.dtype)) {
          throw new BuildError(
            `linspace: \`${name}\` must be float32 or float64, got ${node.type.dtype}`,
            args.span(name),
            'dtype-mismatch',
          );
        }
        return node;
      });
      const strong = ends.find((n) => !n.weak);
      const dtype: DType = strong ? strong.type.dtype : 'float32';
      if (ends.some((n) => !n.weak && n.type.dtype !== dtype))
        throw new BuildError(
          `linspace: start is ${ends[0].type.dtype} but stop is ${ends[1].type.dtype}`,
          args.span('stop'),
          'dtype-mismatch',
        );
      const num = args.int('num');
      if (num < 0) throw new BuildError(`linspace: num must be non-negative, got ${num}`, args.span('num'), 'bad-argument');
      const axis = args.int('axis');
      if (axis !== 0 && axis !== -1)
        throw new BuildError(
          `linspace: axis ${axis} is out of range for scalar start/stop (the result has rank 1)`,
          args.span('axis'),
          'bad-axis',
        );
      checkedSize(b, [num], args.span('num'), 'linspace()');
      // As TensorFlow 2's linspace: start + i * delta in the result's dtype, and the last
      // entry is exactly stop.
      const r = (v: number) => coerceNumber(dtype, v);
      const start = r(args.float('start'));
      const stop = r(args.float('stop'));
      const delta = r(r(stop - start) / Math.max(num - 1, 1));
      const data = allocData(dtype, num);
      for (let i = 0; i < num; i++) data[i] = i === num - 1 && num > 1 ? stop : r(start + r(i * delta));
      return tensorValue(b.constant({ dtype, shape: [num], data }, args.callSpan));
    },
  },
]);
