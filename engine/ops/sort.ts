// Sorting: tf.argsort (a primitive: the sorting permutation, an integer tensor with no
// gradient), and tf.sort and tf.math.top_k built on it by gathering the values along the
// sorted axis, so their gradient is gather's (dy goes back to the element it came from; for
// top_k, elements outside the top k get 0, as TensorFlow's _TopKGrad).

import { type BoundArgs, type Builder, BuildError, tensorValue } from '../builder';
import type { Node } from '../graph';
import { type TensorType, OpError, showShape } from '../types';
import { type Tensor, type TypedData, sizeOf, stridesOf } from '../tensor';
import { defineOps, op } from './registry';
import { composite } from './compose';
import type { SpecItem } from './indexing';
import { workCounter } from './kernels';

function sortAxis(x: TensorType, axis: number): number | null {
  if (x.shape === null) return null;
  const rank = x.shape.length;
  if (rank === 0) throw new OpError('values must have at least one axis, got a scalar', 0);
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank)
    throw new OpError(`axis ${axis} is out of range for a tensor of rank ${rank}`, 0, 'bad-axis');
  return axis < 0 ? axis + rank : axis;
}

/** values' entries along `axis`, in the order `indices` gives them (NumPy's take_along_axis),
 *  as a gather with every other axis a batch axis. */
function takeAlongAxis(b: Builder, values: Node, indices: Node, axis: number): Node {
  const rank = values.type.shape!.length;
  if (axis === rank - 1) return b.op('gather', [values, indices], { axis, batch_dims: rank - 1 });
  const perm = Array.from({ length: rank }, (_, k) => (k === axis ? rank - 1 : k === rank - 1 ? axis : k));
  const moved = b.op('gather', [b.op('transpose', [values], { perm }), b.op('transpose', [indices], { perm })], {
    axis: rank - 1,
    batch_dims: rank - 1,
  });
  return b.op('transpose', [moved], { perm });
}

type SortAttrs = { axis: number; descending?: boolean };

/** The permutation that sorts each row of `x` along attrs.axis (stable: ties keep their
 *  order), written into `data` at the row's positions. `done(n)` counts the comparisons, in
 *  blocks (a kernel's `workCounter`: one sort of 10⁷ values makes 2·10⁸ of them, and the
 *  deadline must be seen inside it). */
function argsortData<T extends TypedData>(x: Tensor, attrs: SortAttrs, data: T, done: (n: number) => void): T {
  const axis = sortAxis(x, attrs.axis)!;
  const descending = attrs.descending === true;
  const n = x.shape[axis];
  const stride = stridesOf(x.shape)[axis];
  const src = x.data;
  const order = new Array<number>(n);
  const rows = n === 0 ? 0 : sizeOf(x.shape) / n;
  for (let r = 0; r < rows; r++) {
    // Row r starts at (r / stride) * n * stride + r % stride and steps by `stride`.
    const base = Math.floor(r / stride) * n * stride + (r % stride);
    for (let i = 0; i < n; i++) order[i] = i;
    let compared = 0;
    order.sort((i, j) => {
      if (++compared === COMPARISONS_PER_COUNT) {
        compared = 0;
        done(COMPARISONS_PER_COUNT);
      }
      const a = src[base + i * stride];
      const c = src[base + j * stride];
      return a === c ? i - j : descending ? (a > c ? -1 : 1) : a < c ? -1 : 1;
    });
    for (let i = 0; i < n; i++) data[base + i * stride] = order[i];
    done(n);
  }
  return data;
}

/** Comparisons between two calls of a sort's work counter (a call per comparison would cost
 *  more than the comparison). */
const COMPARISONS_PER_COUNT = 1024;

const uncounted = (): void => undefined;

function direction(args: BoundArgs): boolean {
  const d = args.string('direction');
  if (d !== 'ASCENDING' && d !== 'DESCENDING')
    throw new BuildError(`direction must be 'ASCENDING' or 'DESCENDING', got '${d}'`, args.span('direction'), 'bad-argument');
  return d === 'DESCENDING';
}

/** The values, of known rank, and their sorting permutation along `axis`. */
function sorted(b: Builder, args: BoundArgs, descending: boolean): { values: Node; indices: Node; axis: number } {
  const values = args.tensor('values');
  if (values.type.dtype === 'bool') throw new BuildError('values must be numeric, got bool', args.span('values'), 'dtype-mismatch');
  if (values.type.shape === null)
    throw new BuildError('sorting needs the rank of the values (the shape is unknown)', args.span('values'), 'unknown-shape');
  let axis: number;
  try {
    axis = sortAxis(values.type, args.int('axis'))!;
  } catch (e) {
    if (e instanceof OpError) throw new BuildError(e.message, args.span(e.code === 'bad-axis' ? 'axis' : 'values'), e.code);
    throw e;
  }
  const indices = b.apply('argsort', [values], { axis, descending }, args.callSpan, [args.span('values')]);
  return { values, indices, axis };
}

const sortParams = [
  { name: 'values', kind: 'tensor' as const, dtypes: 'numeric' as const },
  { name: 'axis', kind: 'axis' as const, default: -1 },
  { name: 'direction', kind: 'string' as const, default: 'ASCENDING' },
];

defineOps([
  op<SortAttrs>({
    name: 'argsort',
    doc: 'The int32 indices that sort `values` along `axis` (ties keep their order, as TensorFlow).',
    params: [...sortParams, { name: 'stable', kind: 'bool', default: false, doc: 'Accepted: the sort is always stable.' }],
    build: (b, args) => tensorValue(sorted(b, args, direction(args)).indices),
    infer: ([x], attrs) => {
      sortAxis(x, attrs.axis);
      return { dtype: 'int32', shape: x.shape };
    },
    kernel: ([x], attrs, out, ctx) => argsortData(x, attrs, ctx.alloc(out.dtype, x.data.length), workCounter(ctx)),
    // Sorting is not differentiable where values tie: a finite difference there reorders them.
    kink: {
      what: 'sorting (a tie)',
      codes: ([x], attrs) => {
        const order = argsortData(x, attrs, new Int32Array(x.data.length), uncounted);
        const codes = new Int32Array(order.length);
        const axis = sortAxis(x, attrs.axis)!;
        const stride = stridesOf(x.shape)[axis];
        const n = x.shape[axis];
        for (let i = 0; i < codes.length; i++) {
          const position = Math.floor(i / stride) % n;
          const at = i - position * stride;
          const v = x.data[at + order[i] * stride];
          const tied =
            (position > 0 && x.data[at + order[i - stride] * stride] === v) ||
            (position < n - 1 && x.data[at + order[i + stride] * stride] === v);
          codes[i] = tied ? 0 : order[i] + 1;
        }
        return codes;
      },
    },
  }),
  composite({
    name: 'sort',
    doc: 'The values sorted along `axis` (ascending by default); the gradient goes back to where each value came from.',
    params: sortParams,
    compose: (b, args) => {
      const { values, indices, axis } = sorted(b, args, direction(args));
      return takeAlongAxis(b, values, indices, axis);
    },
  }),
  composite({
    name: 'top_k',
    doc: '[values, indices] of the k largest entries along the last axis, largest first (ties: the lower index first), as tf.math.top_k.',
    params: [
      { name: 'input', kind: 'tensor', dtypes: 'numeric', aliases: ['values'] },
      { name: 'k', kind: 'int', default: 1 },
      { name: 'sorted', kind: 'bool', default: true, doc: 'Accepted: the values always come sorted.' },
    ],
    compose: (b, args) => {
      const input = args.tensor('input');
      const shape = input.type.shape;
      if (shape === null || shape.length === 0)
        throw new BuildError(
          `top_k(): input must have at least one axis and a known rank, got ${showShape(shape)}`,
          args.span('input'),
          'shape-mismatch',
        );
      const k = args.int('k');
      const last = shape[shape.length - 1];
      if (k < 0) throw new BuildError(`top_k(): k must be non-negative, got ${k}`, args.span('k'), 'bad-argument');
      if (last !== null && last < k)
        throw new BuildError(`top_k(): input must have at least k columns. Had ${last}, needed ${k}`, args.span('k'), 'bad-argument');
      if (input.type.dtype === 'bool')
        throw new BuildError('top_k(): input must be numeric, got bool', args.span('input'), 'dtype-mismatch');
      const axis = shape.length - 1;
      const order = b.apply('argsort', [input], { axis, descending: true }, args.callSpan, [args.span('input')]);
      const spec: SpecItem[] = [{ kind: 'ellipsis' }, { kind: 'slice', start: 0, stop: k, step: null }];
      const indices = b.op('strided_slice', [order], { spec });
      return {
        kind: 'list',
        items: [tensorValue(takeAlongAxis(b, input, indices, axis)), tensorValue(indices)],
        fields: { type: 'TopKV2', names: ['values', 'indices'] },
      };
    },
  }),
]);
