// Ops that add rows into place: the segment reductions (tf.math.segment_sum, _max, _min,
// _mean and their unsorted forms), scatter_nd and the tensor_scatter_nd updates, and
// boolean_mask, which picks rows by a mask. Three primitives fold rows into segments (sum,
// max, min); the others are written with them and with the gather family, as TensorFlow
// writes them, so their gradients are gathers and scatters like every other index op's.

import { type DType, type Tensor, isInteger, sizeOf } from '../tensor';
import { type Dim, type TensorType, OpError, showShape } from '../types';
import { type BoundArgs, type Builder, BuildError } from '../builder';
import type { Node } from '../graph';
import { type Attrs, type NodeOf, type OpDef, type Param, defineOps } from './registry';
import { workCounter } from './kernels';
import { composite } from './compose';
import { firstOnly, scatter } from './dependence';

/** The segment count: given, or (sorted segments) the last id + 1 once the ids are known. */
/** The segment ops' primitive's: the count (null: from sorted ids) and whether ids are sorted. */
type SegmentAttrs = { num_segments: number | null; sorted?: boolean };

function segmentCount(ids: TensorType, attrs: SegmentAttrs): Dim {
  const given = attrs.num_segments;
  if (given !== null) return given;
  const data = (ids as Partial<Tensor>).data;
  if (!data) return null;
  return data.length === 0 ? 0 : data[data.length - 1] + 1;
}

/** The ids' values checked as TensorFlow's kernels check them. */
function checkSegmentIds(ids: Tensor, count: number, sorted: boolean): void {
  const v = ids.data;
  for (let i = 0; i < v.length; i++) {
    if (sorted) {
      if (v[i] < 0) throw new OpError(`segment ids must be >= 0, got segment_ids[${i}] = ${v[i]}`, 1, 'index-out-of-range');
      if (i > 0 && v[i] < v[i - 1])
        throw new OpError(
          `segment ids are not increasing: segment_ids[${i - 1}] = ${v[i - 1]}, segment_ids[${i}] = ${v[i]}`,
          1,
          'index-out-of-range',
        );
    } else if (v[i] >= count) {
      throw new OpError(`segment_ids[${i}] = ${v[i]} is out of range [0, ${count}) (num_segments)`, 1, 'index-out-of-range');
    }
  }
}

function segmentType(data: TensorType, ids: TensorType, attrs: SegmentAttrs): TensorType {
  if (!isInteger(ids.dtype)) throw new OpError(`segment_ids must be int32 or int64, got ${ids.dtype}`, 1, 'dtype-mismatch');
  if (data.shape === null || ids.shape === null) return { dtype: data.dtype, shape: null };
  if (attrs.sorted === true && ids.shape.length !== 1)
    throw new OpError(`segment_ids must be a vector, got shape ${showShape(ids.shape)}`, 1, 'shape-mismatch');
  const lead = data.shape.slice(0, ids.shape.length);
  if (ids.shape.length > data.shape.length || ids.shape.some((d, k) => d !== null && lead[k] !== null && d !== lead[k])) {
    throw new OpError(
      `the shape of data ${showShape(data.shape)} must start with the shape of segment_ids ${showShape(ids.shape)}`,
      1,
      'shape-mismatch',
    );
  }
  const count = segmentCount(ids, attrs);
  if ((ids as Partial<Tensor>).data && count !== null) checkSegmentIds(ids as Tensor, count, attrs.sorted === true);
  return { dtype: data.dtype, shape: [count, ...data.shape.slice(ids.shape.length)] };
}

/** Rows of `dy` at the ids, zero where an id is negative (dropped by the forward op):
 *  TensorFlow's _GatherDropNegatives. */
function gatherDropNegatives(b: Builder, dy: Node, ids: Node, sorted: boolean): Node {
  const gather = (ix: Node) => b.op('gather', [dy, ix], { axis: 0, batch_dims: 0 });
  // Sorted ids are never negative (the forward op refuses them).
  if (sorted) return gather(ids);
  const zero = b.scalar(0, ids.type.dtype);
  const rows = gather(b.op('maximum', [ids, zero]));
  const idsRank = ids.type.shape?.length;
  const rank = rows.type.shape?.length;
  let keep = b.op('greater_equal', [ids, zero]);
  if (idsRank === undefined || rank === undefined) return b.where(b.op('broadcast_like', [keep, rows]), rows, b.zerosLike(rows));
  for (let k = idsRank; k < rank; k++) keep = b.op('expand_dims', [keep], { axis: -1 });
  return b.where(b.op('broadcast_like', [keep, rows]), rows, b.zerosLike(rows));
}

/** The num_segments argument: a static non-negative count. */
function numSegmentsArg(b: Builder, args: BoundArgs): number {
  const n = b.staticInt(args.value('num_segments'), args.span('num_segments'), 'num_segments');
  if (n < 0) throw new BuildError(`num_segments must be non-negative, got ${n}`, args.span('num_segments'), 'bad-argument');
  return n;
}

/** The sum of the rows of `data` per segment: `num_segments` null for sorted segments. */
/** The segment reduction `op` of the rows of `data`: `num_segments` null for sorted segments. */
function segmentReduce(b: Builder, args: BoundArgs, sorted: boolean, op = 'unsorted_segment_sum'): Node {
  return reduceInto(b, args, args.tensor('data'), { num_segments: sorted ? null : numSegmentsArg(b, args), sorted }, op);
}

function reduceInto(b: Builder, args: BoundArgs, data: Node, attrs: Attrs, op = 'unsorted_segment_sum'): Node {
  const ids = args.tensor('segment_ids', 'int32');
  return b.apply(op, [data, ids], attrs, args.callSpan, [args.span('data'), args.span('segment_ids')], (p) =>
    args.span(p === 'num_segments' ? 'num_segments' : 'segment_ids'),
  );
}

/** The mean of the rows per segment (0 for an empty segment): the sum over the count (over
 *  its square root for `sqrtN`, TensorFlow's unsorted_segment_sqrt_n). */
function segmentMean(b: Builder, args: BoundArgs, sorted: boolean, sqrtN = false): Node {
  const attrs = { num_segments: sorted ? null : numSegmentsArg(b, args), sorted };
  const sum = reduceInto(b, args, args.tensor('data'), attrs);
  const dtype = sum.type.dtype;
  const count = reduceInto(b, args, b.cast(b.onesLike(args.tensor('segment_ids', 'int32')), dtype), attrs);
  const rank = sum.type.shape?.length;
  let shaped = b.op('maximum', [count, b.scalar(1, dtype)]);
  if (sqrtN) shaped = b.op('sqrt', [shaped]);
  if (rank !== undefined) for (let k = 1; k < rank; k++) shaped = b.op('expand_dims', [shaped], { axis: -1 });
  return b.div(sum, shaped);
}

const segmentParams = (unsorted: boolean) => [
  { name: 'data', kind: 'tensor' as const, dtypes: 'numeric' as const },
  { name: 'segment_ids', kind: 'tensor' as const, dtypes: 'int' as const },
  ...(unsorted ? [{ name: 'num_segments', kind: 'value' as const }] : []),
];

/** A zero tensor of a static shape, which only lends that shape to a scatter. */
function zerosOfShape(b: Builder, shape: number[], dtype: Node['type']['dtype']): Node {
  return b.op('broadcast_to', [b.scalar(0, dtype)], { shape });
}

/** The index tuples of a scatter into a tensor of `shape`: integers, each tuple (the last
 *  axis) no longer than the tensor's rank. */
function scatterIndices(args: BoundArgs, shape: readonly (number | null)[] | null): Node {
  const indices = args.tensor('indices', 'int32');
  if (!isInteger(indices.type.dtype))
    throw new BuildError(
      `${args.op.name}(): indices must be int32 or int64, got ${indices.type.dtype}`,
      args.span('indices'),
      'dtype-mismatch',
    );
  const ix = indices.type.shape;
  if (ix !== null && ix.length === 0)
    throw new BuildError(
      `${args.op.name}(): indices must have at least one axis (its last holds the index tuples), got a scalar`,
      args.span('indices'),
      'shape-mismatch',
    );
  const k = ix?.[ix.length - 1];
  if (shape !== null && typeof k === 'number' && k > shape.length) {
    throw new BuildError(
      `${args.op.name}(): index tuples of length ${k} (indices shape ${showShape(ix!)}) cannot index a tensor of rank ${shape.length} (shape ${showShape(shape)})`,
      args.span('indices'),
      'shape-mismatch',
    );
  }
  return indices;
}

const tensorScatterParams: Param[] = [
  { name: 'tensor', kind: 'tensor', group: 'T', dtypes: 'numeric' },
  { name: 'indices', kind: 'tensor', dtypes: 'int' },
  { name: 'updates', kind: 'tensor', group: 'T', dtypes: 'numeric' },
];

/** tensor and updates in one dtype, and `placed(v)`: zeros shaped like tensor with the rows
 *  of v added at the index tuples. */
function placeAtTuples(b: Builder, args: BoundArgs): { tensor: Node; updates: Node; placed: (v: Node) => Node } {
  const [tensor, updates] = b.unifyDTypes([args.tensor('tensor'), args.tensor('updates')], [args.span('tensor'), args.span('updates')]);
  const indices = scatterIndices(args, tensor.type.shape);
  const spans = [args.span('updates'), args.span('indices'), args.span('tensor')];
  return { tensor, updates, placed: (v) => b.apply('gather_nd_grad', [v, indices, tensor], {}, args.callSpan, spans) };
}

/** How a segment reduction folds the rows of one segment. */
type Fold = 'sum' | 'prod' | 'max' | 'min';

/** The value of an empty segment: 0 for a sum and for sorted segments, 1 for a product; for
 *  unsorted maxima and minima the dtype's lowest and highest value, as TensorFlow's. */
function emptyValue(fold: Fold, sorted: boolean, dtype: DType): number {
  if (fold === 'prod') return 1;
  if (fold === 'sum' || sorted) return 0;
  const sign = fold === 'max' ? -1 : 1;
  switch (dtype) {
    case 'float32':
      return sign * FLOAT32_MAX;
    case 'float64':
      return sign * Number.MAX_VALUE;
    case 'int32':
      return fold === 'max' ? -2147483648 : 2147483647;
    default:
      // int64's lowest is outside the exact range: the evaluator reports it.
      return sign * Infinity;
  }
}

const FLOAT32_MAX = 3.4028234663852886e38;

function segmentKernel(fold: Fold): NonNullable<OpDef['kernel']> {
  return ([data, ids], attrs, out, ctx) => {
    const sorted = attrs.sorted === true;
    checkSegmentIds(ids, out.shape[0], sorted);
    const result = ctx.alloc(out.dtype, sizeOf(out.shape));
    const inner = sizeOf(data.shape.slice(ids.shape.length));
    const seen = fold === 'sum' ? null : new Uint8Array(out.shape[0]);
    const v = ids.data;
    const src = data.data;
    const done = workCounter(ctx);
    for (let i = 0; i < v.length; i++) {
      const s = v[i];
      if (s < 0) continue;
      const from = i * inner;
      const to = s * inner;
      if (fold === 'sum') for (let j = 0; j < inner; j++) result[to + j] += src[from + j];
      else if (!seen![s]) {
        seen![s] = 1;
        for (let j = 0; j < inner; j++) result[to + j] = src[from + j];
      } else if (fold === 'prod') for (let j = 0; j < inner; j++) result[to + j] *= src[from + j];
      else if (fold === 'max') for (let j = 0; j < inner; j++) result[to + j] = Math.max(result[to + j], src[from + j]);
      else for (let j = 0; j < inner; j++) result[to + j] = Math.min(result[to + j], src[from + j]);
      done(inner);
    }
    if (seen) {
      const empty = emptyValue(fold, sorted, out.dtype);
      for (let s = 0; s < seen.length; s++) if (!seen[s] && empty !== 0) result.fill(empty, s * inner, (s + 1) * inner);
    }
    return result;
  };
}

/** TensorFlow's _SegmentMinOrMaxGrad: each segment's gradient goes to the rows equal to its
 *  extreme, shared among ties. */
function extremeGrad(b: Builder, node: NodeOf<SegmentAttrs>, dy: Node): Node {
  const [data, ids] = node.inputs;
  const sorted = node.attrs.sorted === true;
  const chosen = b.op('equal', [data, gatherDropNegatives(b, node, ids, sorted)]);
  const count = b.op('unsorted_segment_sum', [b.cast(chosen, dy.type.dtype), ids], { num_segments: node.attrs.num_segments, sorted });
  // An empty segment counts 0 rows and its share is read by no row: dividing by at least 1
  // leaves every share that is read as TensorFlow's and makes no false Inf warning (dy / 0).
  const shared = gatherDropNegatives(b, b.div(dy, b.op('maximum', [count, b.onesLike(count)])), ids, sorted);
  return b.where(chosen, shared, b.zerosLike(shared));
}

/** TensorFlow's _UnsortedSegmentProdGrad: a row's derivative is the product of the other rows
 *  of its segment, the segment's product over the row where the row is not zero, and the
 *  product of the segment's non-zero rows where it is (only that zero reaches the product;
 *  a segment with two zeros or more passes no gradient). Written with the division, as
 *  TensorFlow's, so the values are TensorFlow's to the rounding. */
function productGrad(b: Builder, node: NodeOf<SegmentAttrs>, dy: Node): Node {
  const [data, ids] = node.inputs;
  const sorted = node.attrs.sorted === true;
  const attrs = { num_segments: node.attrs.num_segments, sorted };
  const isZero = b.op('equal', [data, b.zerosLike(data)]);
  const zeros = b.op('unsorted_segment_sum', [b.cast(isZero, dy.type.dtype), ids], attrs);
  const passed = b.where(b.op('greater', [zeros, b.onesLike(zeros)]), b.zerosLike(dy), dy);
  const nonZero = b.where(isZero, b.onesLike(data), data);
  const nonZeroProduct = b.op('unsorted_segment_prod', [nonZero, ids], attrs);
  // Divided by the non-zero rows: the same quotients where they are kept, and no 0/0 (a
  // false NaN warning) where they are not.
  const others = b.where(
    isZero,
    gatherDropNegatives(b, nonZeroProduct, ids, sorted),
    b.div(gatherDropNegatives(b, node, ids, sorted), nonZero),
  );
  return b.mul(gatherDropNegatives(b, passed, ids, sorted), others);
}

const FOLDS: Record<Fold, string> = { sum: 'Sums', prod: 'The product of', max: 'The maximum of', min: 'The minimum of' };
const EMPTY: Record<Fold, string> = {
  sum: '',
  prod: '; an empty segment is 1',
  max: "; an empty segment is the dtype's lowest value",
  min: "; an empty segment is the dtype's highest value",
};

function segmentPrimitive(fold: Fold): OpDef<SegmentAttrs> {
  const name = `unsorted_segment_${fold}`;
  const what = FOLDS[fold];
  return {
    name,
    doc: `${what} the rows of \`data\` in each of \`num_segments\` segments by \`segment_ids\` (data.shape starts with segment_ids.shape; a negative id drops its row)${EMPTY[fold]}: shape [num_segments] + data.shape[ids.rank:].`,
    params: segmentParams(true),
    build: (b, args) => ({ kind: 'tensor', node: segmentReduce(b, args, false, name) }),
    infer: ([data, ids], attrs) => segmentType(data, ids, attrs),
    kernel: segmentKernel(fold),
    grad:
      fold === 'sum'
        ? // TensorFlow's _UnsortedSegmentSumGrad / _SegmentSumGrad: the gradient's rows
          // gathered back at the ids (zero for dropped rows).
          (b, node, dy) => [gatherDropNegatives(b, dy, node.inputs[1], node.attrs.sorted === true), null]
        : fold === 'prod'
          ? (b, node, dy) => [productGrad(b, node, dy), null]
          : (b, node, dy) => [extremeGrad(b, node, dy), null],
    // A sum adds each row of data into the segment its id names: the adjoint of a gather of
    // the output's rows at the ids. A product's rows scale each other, and an extreme routes
    // by value among the rows of a segment.
    dependence:
      fold === 'sum'
        ? scatter({ forward: () => ({ op: 'gather', attrs: { axis: 0, batch_dims: 0 }, inputs: [-1, 1] }), value: 0, carries: firstOnly })
        : {
            kind: 'dense',
            why:
              fold === 'prod'
                ? "a segment's product multiplies every row of its segment by the others"
                : `a segment's ${fold === 'max' ? 'maximum' : 'minimum'} is the row of its segment that holds it, chosen by value`,
            carries: firstOnly,
          },
  };
}

defineOps([
  segmentPrimitive('sum'),
  segmentPrimitive('prod'),
  segmentPrimitive('max'),
  segmentPrimitive('min'),
  composite({
    name: 'segment_sum',
    doc: 'Sums the rows of `data` by sorted `segment_ids` (a vector, non-decreasing): shape [segment_ids[-1] + 1] + data.shape[1:].',
    params: segmentParams(false),
    compose: (b, args) => segmentReduce(b, args, true),
  }),
  composite({
    name: 'segment_max',
    doc: 'The maximum of the rows of `data` per sorted segment (0 for an empty one): shape [segment_ids[-1] + 1] + data.shape[1:].',
    params: segmentParams(false),
    compose: (b, args) => segmentReduce(b, args, true, 'unsorted_segment_max'),
  }),
  composite({
    name: 'segment_min',
    doc: 'The minimum of the rows of `data` per sorted segment (0 for an empty one): shape [segment_ids[-1] + 1] + data.shape[1:].',
    params: segmentParams(false),
    compose: (b, args) => segmentReduce(b, args, true, 'unsorted_segment_min'),
  }),
  composite({
    name: 'segment_prod',
    doc: 'The product of the rows of `data` per sorted segment (1 for an empty one): shape [segment_ids[-1] + 1] + data.shape[1:].',
    params: segmentParams(false),
    compose: (b, args) => segmentReduce(b, args, true, 'unsorted_segment_prod'),
  }),
  composite({
    name: 'segment_mean',
    doc: 'The mean of the rows of `data` per sorted segment (0 for an empty one): shape [segment_ids[-1] + 1] + data.shape[1:].',
    params: segmentParams(false),
    compose: (b, args) => segmentMean(b, args, true),
  }),
  composite({
    name: 'unsorted_segment_mean',
    doc: 'The mean of the rows of `data` per segment of `segment_ids` (0 for an empty one; a negative id drops its row).',
    params: segmentParams(true),
    compose: (b, args) => segmentMean(b, args, false),
  }),
  composite({
    name: 'unsorted_segment_sqrt_n',
    doc: "The sum of the rows of `data` per segment of `segment_ids` over the square root of the segment's row count (0 for an empty one; a negative id drops its row).",
    params: segmentParams(true),
    compose: (b, args) => segmentMean(b, args, false, true),
  }),
  composite({
    name: 'scatter_nd',
    doc: 'Zeros of `shape` with the rows of `updates` added at the index tuples in the last axis of `indices` (repeats add up).',
    params: [
      { name: 'indices', kind: 'tensor', dtypes: 'int' },
      { name: 'updates', kind: 'tensor', dtypes: 'numeric' },
      { name: 'shape', kind: 'shape' },
    ],
    compose: (b, args) => {
      const updates = args.tensor('updates');
      const shape = args.shape('shape');
      if (shape === null || shape.some((d) => d === null || d < 0))
        throw new BuildError(
          `scatter_nd(): shape must be fully known, got ${shape === null ? 'None' : showShape(shape)}`,
          args.span('shape'),
          'bad-shape',
        );
      const indices = scatterIndices(args, shape);
      const like = zerosOfShape(b, shape as number[], updates.type.dtype);
      return b.apply('gather_nd_grad', [updates, indices, like], {}, args.callSpan, [
        args.span('updates'),
        args.span('indices'),
        args.span('shape'),
      ]);
    },
  }),
  composite({
    name: 'tensor_scatter_nd_add',
    aliases: ['tensor_scatter_add'],
    doc: '`tensor` with the rows of `updates` added at the index tuples in the last axis of `indices` (repeats add up).',
    params: tensorScatterParams,
    compose: (b, args) => {
      const { tensor, updates, placed } = placeAtTuples(b, args);
      return b.add(tensor, placed(updates));
    },
  }),
  composite({
    name: 'tensor_scatter_nd_update',
    aliases: ['tensor_scatter_update'],
    doc: '`tensor` with the rows at the index tuples in the last axis of `indices` replaced by the rows of `updates` (indices should be unique).',
    params: tensorScatterParams,
    compose: (b, args) => {
      const { tensor, updates, placed } = placeAtTuples(b, args);
      // Where an index tuple lands: the updated rows. TensorFlow's gradient is the same
      // split: dy where nothing was written for tensor, dy gathered at the tuples for updates.
      const hits = placed(b.onesLike(updates));
      const written = b.op('greater', [hits, b.zerosLike(hits)]);
      return b.where(written, placed(updates), tensor);
    },
  }),
  composite({
    name: 'boolean_mask',
    doc: 'The entries (rows, for a mask of lower rank) of `tensor` where `mask` is true, along `axis` (default 0): the masked axes become one of length count(mask).',
    params: [
      { name: 'tensor', kind: 'tensor' },
      { name: 'mask', kind: 'tensor', dtypes: 'bool' },
      { name: 'axis', kind: 'int', default: null },
    ],
    tf1Positional: ['tensor', 'mask', 'name', 'axis'],
    compose: (b, args) => {
      const tensor = args.tensor('tensor');
      const mask = args.tensor('mask');
      if (mask.type.dtype !== 'bool')
        throw new BuildError(`boolean_mask(): mask must be bool, got ${mask.type.dtype}`, args.span('mask'), 'dtype-mismatch');
      const shape = tensor.type.shape;
      const maskShape = mask.type.shape;
      if (shape === null || maskShape === null)
        throw new BuildError('boolean_mask(): the ranks of tensor and mask must be known', args.span('mask'), 'shape-mismatch');
      const k = maskShape.length;
      if (k === 0) throw new BuildError('boolean_mask(): mask cannot be a scalar', args.span('mask'), 'shape-mismatch');
      const axis = args.isNone('axis') ? 0 : args.int('axis');
      const a = axis < 0 ? axis + shape.length : axis;
      if (a < 0 || a + k > shape.length) {
        throw new BuildError(
          `boolean_mask(): axis ${axis} and a mask of rank ${k} do not fit a tensor of shape ${showShape(shape)}`,
          args.span(args.isNone('axis') ? 'mask' : 'axis'),
          'bad-axis',
        );
      }
      const covered = shape.slice(a, a + k);
      if (covered.some((d, j) => d !== null && maskShape[j] !== null && d !== maskShape[j])) {
        throw new BuildError(
          `boolean_mask(): the mask's shape ${showShape(maskShape)} must match the tensor's shape ${showShape(shape)} from axis ${a}`,
          args.span('mask'),
          'shape-mismatch',
        );
      }
      // As TensorFlow: the masked axes flattened into one, then the rows where the flat mask
      // is true gathered along it.
      const flatLength = covered.every((d) => d !== null) ? sizeOf(covered as number[]) : -1;
      const flat =
        k === 1
          ? tensor
          : b.op('reshape', [tensor], {
              shape: [...shape.slice(0, a).map((d) => d ?? -1), flatLength, ...shape.slice(a + k).map((d) => d ?? -1)],
            });
      const flatMask = k === 1 ? mask : b.op('reshape', [mask], { shape: [-1] });
      const where = b.op('where_indices', [flatMask]);
      const picked = b.op('squeeze', [where], { axis: [1] });
      return b.op('gather', [flat, picked], { axis: a, batch_dims: 0 });
    },
  }),
]);
