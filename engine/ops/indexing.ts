// Indexing: NumPy-style `x[...]` (the `strided_slice` op the analysis makes for it, also
// callable with TensorFlow's begin/end/strides and masks), `slice`, `gather` and
// `gather_nd`. Gradients scatter dy back into zeros of the input's runtime shape; each
// scatter is an internal op whose own gradient is the forward gather again, so gradients
// of gradients work. Repeated gather indices accumulate, as TensorFlow's
// unsorted_segment_sum does.

import { type TypedData, isInteger, makeTensor, sizeOf, stridesOf } from '../tensor';
import { type Dim, type TensorType, OpError, showShape } from '../types';
import { type BoundArgs, type Builder, BuildError, tensorValue } from '../builder';
import type { Node } from '../graph';
import { defineOps, op } from './registry';
import { workCounter } from './kernels';
import { ArgError, buildBlaming } from './shape/arguments';
import { type AxisMap, gatherOffsets, rangeMap, sourceOffsets } from './shape/offsets';
import { type AxisFlow, type Creation, type DependenceContext, firstOnly, indexMap, positionalFlow, scatter } from './dependence';

// ---- strided slices ----------------------------------------------------------------------

/** One item of an index expression, as the analysis builds it (`attrs.spec`). */
export type SpecItem =
  | { kind: 'index'; index: number }
  | { kind: 'slice'; start: number | null; stop: number | null; step: number | null }
  | { kind: 'newaxis' }
  | { kind: 'ellipsis' };

/** One output axis: a new axis (`inAxis` -1), or `len` entries of input axis `inAxis`
 *  read from `start` by `step` (start/len null when the size is unknown statically). */
interface OutAxis {
  inAxis: number;
  start: number | null;
  step: number;
  len: Dim;
}

interface ResolvedSpec {
  out: OutAxis[];
  /** Input axes removed by an integer index, with the normalised index (null: unknown yet). */
  fixed: { inAxis: number; index: number | null }[];
}

function showSpec(spec: readonly SpecItem[]): string {
  const part = (v: number | null) => (v === null ? '' : String(v));
  return (
    '[' +
    spec
      .map((s) => {
        switch (s.kind) {
          case 'index':
            return String(s.index);
          case 'newaxis':
            return 'None';
          case 'ellipsis':
            return '...';
          case 'slice':
            return `${part(s.start)}:${part(s.stop)}${s.step === null ? '' : ':' + s.step}`;
        }
      })
      .join(', ') +
    ']'
  );
}

/** Python's slice.indices(d): bounds clamp, negatives count from the end. Returns the start
 *  and the number of entries. */
export function sliceIndices(d: number, start: number | null, stop: number | null, step: number): { start: number; len: number } {
  const lower = step > 0 ? 0 : -1;
  const upper = step > 0 ? d : d - 1;
  const adjust = (v: number | null, dflt: number) => {
    if (v === null) return dflt;
    if (v < 0) return Math.max(v + d, lower);
    return Math.min(v, upper);
  };
  const s = adjust(start, step > 0 ? lower : upper);
  const e = adjust(stop, step > 0 ? upper : lower);
  const len = step > 0 ? (s < e ? Math.floor((e - s - 1) / step) + 1 : 0) : e < s ? Math.floor((s - e - 1) / -step) + 1 : 0;
  return { start: s, len };
}

/** Resolves an index expression against a shape, with NumPy's rules: one ellipsis at most
 *  (an implicit one at the end), integer indices remove their axis and must be in range,
 *  slices clamp, `None` adds an axis. */
function resolveSpec(spec: readonly SpecItem[], shape: readonly Dim[]): ResolvedSpec {
  const rank = shape.length;
  const ellipses = spec.filter((s) => s.kind === 'ellipsis').length;
  if (ellipses > 1) throw new OpError(`an index can hold only one ellipsis (...), got ${showSpec(spec)}`, undefined, 'bad-index');
  const consuming = spec.filter((s) => s.kind === 'index' || s.kind === 'slice').length;
  if (consuming > rank) {
    throw new OpError(
      `too many indices: ${showSpec(spec)} indexes ${consuming} axes but the tensor has rank ${rank} (shape ${showShape(shape)})`,
      undefined,
      'bad-index',
    );
  }
  const full: SpecItem = { kind: 'slice', start: null, stop: null, step: null };
  // Each expanded item with its position in `spec` (-1 for the ones an ellipsis stands for).
  const items: { s: SpecItem; at: number }[] = [];
  spec.forEach((s, at) => {
    if (s.kind === 'ellipsis') for (let i = 0; i < rank - consuming; i++) items.push({ s: full, at: -1 });
    else items.push({ s, at });
  });
  if (ellipses === 0) for (let i = 0; i < rank - consuming; i++) items.push({ s: full, at: -1 });

  const out: OutAxis[] = [];
  const fixed: ResolvedSpec['fixed'] = [];
  let inAxis = 0;
  for (const { s, at } of items) {
    if (s.kind === 'newaxis') {
      out.push({ inAxis: -1, start: 0, step: 1, len: 1 });
      continue;
    }
    const d = shape[inAxis];
    if (s.kind === 'index') {
      if (!Number.isInteger(s.index)) throw new OpError(`index ${s.index} is not an integer`, undefined, 'bad-index');
      if (d !== null && (s.index < -d || s.index >= d)) {
        // argIndex 1 + k names item k of the index, for a caller that passes item spans
        // after the tensor's (else the diagnostic covers the whole expression).
        throw new OpError(
          `index ${s.index} is out of range for axis ${inAxis} of size ${d} (shape ${showShape(shape)})`,
          1 + at,
          'index-out-of-range',
        );
      }
      fixed.push({ inAxis, index: s.index >= 0 ? s.index : d === null ? null : s.index + d });
    } else if (s.kind === 'slice') {
      const step = s.step ?? 1;
      if (step === 0) throw new OpError(`slice step cannot be zero (in ${showSpec(spec)})`, 1 + at, 'bad-index');
      if (d === null) out.push({ inAxis, start: null, step, len: null });
      else {
        const r = sliceIndices(d, s.start, s.stop, step);
        out.push({ inAxis, start: r.start, step, len: r.len });
      }
    }
    inAxis++;
  }
  return { out, fixed };
}

/** The flat input offset of every output element of a strided slice of `shape`. */
function strideOffsets(spec: readonly SpecItem[], shape: readonly number[]): { outShape: number[]; offsets: Int32Array } {
  const r = resolveSpec(spec, shape);
  const strides = stridesOf(shape);
  let base = 0;
  for (const f of r.fixed) base += f.index! * strides[f.inAxis];
  const outShape = r.out.map((a) => a.len as number);
  const maps: AxisMap[] = r.out.map((a) => (a.inAxis < 0 ? rangeMap(1, 0, 1, 0) : rangeMap(a.len!, a.start!, a.step, strides[a.inAxis])));
  return { outShape, offsets: sourceOffsets(outShape, maps, base) };
}

function stridedSliceType(x: TensorType, spec: readonly SpecItem[]): TensorType {
  // With an unknown rank, the checks that need no shape still run now.
  if (x.shape === null) {
    if (spec.filter((s) => s.kind === 'ellipsis').length > 1) resolveSpec(spec, []);
    for (const s of spec)
      if (s.kind === 'slice' && s.step === 0) throw new OpError(`slice step cannot be zero (in ${showSpec(spec)})`, undefined, 'bad-index');
    return { dtype: x.dtype, shape: null };
  }
  return { dtype: x.dtype, shape: resolveSpec(spec, x.shape).out.map((a) => a.len) };
}

/** strided_slice's and its gradient's: the index expression, item by item. */
type StridedSliceAttrs = { spec: SpecItem[] };

/** gather's and gather_nd's (gather_nd has no axis). */
type GatherAttrs = { axis?: number | null; batch_dims?: number | null };

/** Which input axis each output axis of a strided slice reads (a new axis reads none). */
function stridedSliceFlow({ attrs, inputs: [x], output }: DependenceContext<StridedSliceAttrs>): AxisFlow | null {
  const spec = attrs.spec;
  if (!x || !Array.isArray(spec)) return null;
  const consumed = spec.filter((s) => s.kind === 'index' || s.kind === 'slice').length;
  const from: { slot: number; axis: number }[][] = [];
  const creates: (Creation | null)[] = [];
  let inAxis = 0;
  const keep = () => {
    from.push([{ slot: 0, axis: inAxis++ }]);
    creates.push(null);
  };
  for (const item of spec) {
    if (item.kind === 'index') inAxis++;
    else if (item.kind === 'slice') keep();
    else if (item.kind === 'newaxis') {
      from.push([]);
      creates.push({ origin: null, size: 1 });
    } else for (let k = 0; k < x.length - consumed; k++) keep();
  }
  while (inAxis < x.length) keep();
  return from.length === output.length ? { from, creates } : null;
}

/** The bits of a mask, as TensorFlow's strided_slice reads them. */
const bit = (mask: number, i: number) => ((mask >> i) & 1) === 1;

// ---- gather -------------------------------------------------------------------------------

interface GatherLayout {
  axis: number;
  batchDims: number;
}

/** Normalises gather's axis and batch_dims against the ranks (blaming those arguments). */
function gatherLayout(paramsRank: number, indicesRank: number, attrs: GatherAttrs, shapeNote = ''): GatherLayout {
  let batchDims = attrs.batch_dims ?? 0;
  if (batchDims < 0) batchDims += indicesRank;
  if (batchDims < 0 || batchDims > indicesRank) {
    throw new ArgError(
      `batch_dims ${attrs.batch_dims} is out of range for indices of rank ${indicesRank}${shapeNote}`,
      'batch_dims',
      'bad-axis',
    );
  }
  let axis = attrs.axis ?? batchDims;
  if (axis < 0) axis += paramsRank;
  if (axis < 0 || axis >= paramsRank) {
    throw new ArgError(`axis ${attrs.axis} is out of range for params of rank ${paramsRank}${shapeNote}`, 'axis', 'bad-axis');
  }
  if (batchDims > axis) throw new ArgError(`batch_dims (${batchDims}) must be at most axis (${axis})`, 'batch_dims', 'bad-axis');
  return { axis, batchDims };
}

function gatherType(params: TensorType, indices: TensorType, attrs: GatherAttrs): TensorType {
  if (!isInteger(indices.dtype)) throw new OpError(`indices must be int32 or int64, got ${indices.dtype}`, 1, 'dtype-mismatch');
  const p = params.shape;
  const ix = indices.shape;
  if (p === null || ix === null) return { dtype: params.dtype, shape: null };
  if (p.length === 0) throw new OpError('params must have at least one axis, got a scalar', 0);
  const { axis, batchDims } = gatherLayout(p.length, ix.length, attrs, ` (params shape ${showShape(p)}, indices shape ${showShape(ix)})`);
  const batch: Dim[] = [];
  for (let k = 0; k < batchDims; k++) {
    if (p[k] !== null && ix[k] !== null && p[k] !== ix[k]) {
      throw new OpError(
        `params of shape ${showShape(p)} and indices of shape ${showShape(ix)} differ on batch axis ${k} (${p[k]} vs ${ix[k]})`,
        1,
      );
    }
    batch.push(p[k] ?? ix[k]);
  }
  return { dtype: params.dtype, shape: [...batch, ...p.slice(batchDims, axis), ...ix.slice(batchDims), ...p.slice(axis + 1)] };
}

function unravel(flat: number, shape: readonly number[]): string {
  const strides = stridesOf(shape);
  return shape.map((d, k) => Math.floor(flat / strides[k]) % d).join(', ');
}

/** Walks a gather: for each (batch, outer, index, inner block) calls `visit` with the params
 *  offset and the output offset of a block of `inner` elements. Checks every index. */
function gatherBlocks(
  paramsShape: readonly number[],
  indices: { shape: readonly number[]; data: TypedData },
  layout: GatherLayout,
  visit: (src: number, dst: number, inner: number) => void,
): void {
  const { axis, batchDims } = layout;
  const B = sizeOf(paramsShape.slice(0, batchDims));
  const P = sizeOf(paramsShape.slice(batchDims, axis));
  const N = paramsShape[axis];
  const I = sizeOf(indices.shape.slice(batchDims));
  const inner = sizeOf(paramsShape.slice(axis + 1));
  const ix = indices.data;
  for (let b = 0; b < B; b++) {
    for (let q = 0; q < P; q++) {
      for (let i = 0; i < I; i++) {
        const v = ix[b * I + i];
        if (!(v >= 0 && v < N))
          throw new OpError(
            `indices[${unravel(b * I + i, indices.shape)}] = ${v} is not in [0, ${N}) (axis ${axis} of params of shape ${showShape(paramsShape)})`,
            1,
            'index-out-of-range',
          );
        visit(((b * P + q) * N + v) * inner, ((b * P + q) * I + i) * inner, inner);
      }
    }
  }
}

// ---- gather_nd ----------------------------------------------------------------------------

function gatherNdType(params: TensorType, indices: TensorType): TensorType {
  if (!isInteger(indices.dtype)) throw new OpError(`indices must be int32 or int64, got ${indices.dtype}`, 1, 'dtype-mismatch');
  const p = params.shape;
  const ix = indices.shape;
  if (ix !== null && ix.length === 0) throw new OpError('indices must have at least one axis (its last axis holds the index tuples)', 1);
  if (p === null || ix === null) return { dtype: params.dtype, shape: null };
  const K = ix[ix.length - 1];
  if (K === null) return { dtype: params.dtype, shape: null };
  if (K > p.length) {
    throw new OpError(
      `index tuples of length ${K} (indices shape ${showShape(ix)}) cannot index params of rank ${p.length} (shape ${showShape(p)})`,
      1,
    );
  }
  return { dtype: params.dtype, shape: [...ix.slice(0, -1), ...p.slice(K)] };
}

/** For each index tuple: the params offset of its block, checked against params' shape. */
function gatherNdBlocks(
  paramsShape: readonly number[],
  indices: { shape: readonly number[]; data: TypedData },
  visit: (src: number, dst: number, inner: number) => void,
): void {
  const K = indices.shape[indices.shape.length - 1];
  const M = sizeOf(indices.shape.slice(0, -1));
  const inner = sizeOf(paramsShape.slice(K));
  const strides = stridesOf(paramsShape);
  const ix = indices.data;
  for (let m = 0; m < M; m++) {
    let src = 0;
    for (let k = 0; k < K; k++) {
      const v = ix[m * K + k];
      if (!(v >= 0 && v < paramsShape[k])) {
        const tuple = Array.from(ix.subarray(m * K, (m + 1) * K)).join(', ');
        throw new OpError(
          `indices[${unravel(m, indices.shape.slice(0, -1))}] = [${tuple}] does not index into params of shape ${showShape(paramsShape)}`,
          1,
          'index-out-of-range',
        );
      }
      src += v * strides[k];
    }
    visit(src, m * inner, inner);
  }
}

function copyBlock(src: TypedData, from: number, data: TypedData, to: number, n: number): void {
  for (let j = 0; j < n; j++) data[to + j] = src[from + j];
}

function addBlock(src: TypedData, from: number, data: TypedData, to: number, n: number): void {
  for (let j = 0; j < n; j++) data[to + j] += src[from + j];
}

// ---- slice --------------------------------------------------------------------------------

function sliceType(x: TensorType, begin: readonly number[], size: readonly number[]): TensorType {
  if (begin.length !== size.length)
    throw new ArgError(`begin ${showShape(begin)} has ${begin.length} entries but size ${showShape(size)} has ${size.length}`, 'size');
  begin.forEach((v, k) => {
    if (v < 0) throw new ArgError(`begin[${k}] = ${v} is negative (slice takes offsets from the start)`, 'begin', 'bad-index');
  });
  size.forEach((v, k) => {
    if (v < -1) throw new ArgError(`size[${k}] = ${v} is negative (-1 means "to the end")`, 'size', 'bad-index');
  });
  if (x.shape === null) return { dtype: x.dtype, shape: size.map((s) => (s === -1 ? null : s)) };
  if (begin.length !== x.shape.length) {
    throw new ArgError(
      `begin ${showShape(begin)} has ${begin.length} entries but the input has rank ${x.shape.length} (shape ${showShape(x.shape)})`,
      'begin',
    );
  }
  return {
    dtype: x.dtype,
    shape: x.shape.map((d, k) => {
      const b = begin[k];
      const s = size[k];
      if (d === null) return s === -1 ? null : s;
      if (b > d)
        throw new ArgError(
          `begin[${k}] = ${b} is past the end of axis ${k} of size ${d} (input shape ${showShape(x.shape)})`,
          'begin',
          'index-out-of-range',
        );
      if (s !== -1 && b + s > d) {
        throw new ArgError(
          `slice [${b}, ${b + s}) of axis ${k} runs past its size ${d} (input shape ${showShape(x.shape)}, begin ${showShape(begin)}, size ${showShape(size)})`,
          'size',
          'index-out-of-range',
        );
      }
      return s === -1 ? d - b : s;
    }),
  };
}

/** One item of a spec as indexing writes it: `1`, `1:3`, `::2`, `None`, `...`. */
function specSource(item: SpecItem): string {
  switch (item.kind) {
    case 'index':
      return String(item.index);
    case 'newaxis':
      return 'None';
    case 'ellipsis':
      return '...';
    case 'slice': {
      const bound = (v: number | null) => (v === null ? '' : String(v));
      const range = `${bound(item.start)}:${bound(item.stop)}`;
      return item.step === null || item.step === 1 ? range : `${range}:${item.step}`;
    }
  }
}

/** slice(begin, size) as the equivalent strided-slice spec (once validated, they agree). */
function sliceSpec(begin: readonly number[], size: readonly number[]): SpecItem[] {
  return begin.map((b, k) => ({ kind: 'slice', start: b, stop: size[k] === -1 ? null : b + size[k], step: 1 }));
}

defineOps([
  op<StridedSliceAttrs>({
    name: 'strided_slice',
    doc: "x[begin:end:strides] per axis with TensorFlow's masks; `x[...]` indexing (NumPy rules) makes this op.",
    params: [
      { name: 'input_', kind: 'tensor', aliases: ['x', 'input'] },
      { name: 'begin', kind: 'ints' },
      { name: 'end', kind: 'ints' },
      { name: 'strides', kind: 'ints', default: null },
      { name: 'begin_mask', kind: 'int', default: 0 },
      { name: 'end_mask', kind: 'int', default: 0 },
      { name: 'ellipsis_mask', kind: 'int', default: 0 },
      { name: 'new_axis_mask', kind: 'int', default: 0 },
      { name: 'shrink_axis_mask', kind: 'int', default: 0 },
    ],
    // The TensorFlow call, translated to the spec `x[...]` makes (as TensorFlow's own
    // __getitem__ does the other way round).
    build: (b, args) => {
      const x = args.tensor('input_');
      const begin = args.ints('begin');
      const end = args.ints('end');
      const strides = args.isNone('strides') ? begin.map(() => 1) : args.ints('strides');
      if (end.length !== begin.length)
        throw new BuildError(
          `strided_slice: end has ${end.length} entries but begin has ${begin.length}`,
          args.span('end'),
          'bad-argument',
        );
      if (strides.length !== begin.length)
        throw new BuildError(
          `strided_slice: strides has ${strides.length} entries but begin has ${begin.length}`,
          args.span('strides'),
          'bad-argument',
        );
      const [bm, em, elm, nm, sm] = ['begin_mask', 'end_mask', 'ellipsis_mask', 'new_axis_mask', 'shrink_axis_mask'].map((m) =>
        args.int(m),
      );
      const spec: SpecItem[] = begin.map((_, i) => {
        if (bit(elm, i)) return { kind: 'ellipsis' };
        if (bit(nm, i)) return { kind: 'newaxis' };
        if (bit(sm, i)) return { kind: 'index', index: begin[i] };
        return { kind: 'slice', start: bit(bm, i) ? null : begin[i], stop: bit(em, i) ? null : end[i], step: strides[i] };
      });
      return tensorValue(b.apply('strided_slice', [x], { spec }, args.callSpan, [args.span('input_')]));
    },
    spell: (attrs, [x]) => `${x}[${attrs.spec.map(specSource).join(', ')}]`,
    infer: ([x], attrs) => stridedSliceType(x, attrs.spec),
    kernel: ([x], attrs, out, ctx) => {
      const { offsets } = strideOffsets(attrs.spec, x.shape);
      return gatherOffsets(x.data, offsets, ctx.alloc(out.dtype, offsets.length));
    },
    // TensorFlow's StridedSliceGrad: dy scattered into zeros of x's runtime shape.
    grad: (b, node, dy) => [b.op('strided_slice_grad', [dy, node.inputs[0]], { spec: node.attrs.spec })],
    dependence: indexMap(stridedSliceFlow),
  }),
  op<StridedSliceAttrs>({
    name: 'strided_slice_grad',
    internal: true,
    doc: 'Zeros shaped like `like` with `dy` written where the strided slice `spec` reads.',
    params: [],
    infer: ([dy, like], attrs) => {
      const sliced = stridedSliceType(like, attrs.spec);
      if (sliced.shape !== null && dy.shape !== null) {
        const bad = sliced.shape.length !== dy.shape.length || sliced.shape.some((d, k) => dimsDiffer(d, dy.shape![k]));
        if (bad) throw new OpError(`gradient of shape ${showShape(dy.shape)} does not match the slice's shape ${showShape(sliced.shape)}`);
      }
      return { dtype: dy.dtype, shape: like.shape };
    },
    kernel: ([dy, like], attrs, out, ctx) => {
      const { offsets } = strideOffsets(attrs.spec, like.shape);
      const data = ctx.alloc(out.dtype, sizeOf(like.shape));
      const g = dy.data;
      // A strided slice reads each element at most once: plain writes suffice.
      for (let i = 0; i < offsets.length; i++) data[offsets[i]] = g[i];
      return data;
    },
    grad: (b, node, ddy) => [b.op('strided_slice', [ddy], { spec: node.attrs.spec }), null],
    dependence: scatter({
      forward: (attrs) => ({ op: 'strided_slice', attrs: { spec: attrs.spec }, inputs: [-1] }),
      value: 0,
      carries: firstOnly,
    }),
  }),
  op<{ begin: number[]; size: number[] }>({
    name: 'slice',
    doc: 'The block of `size` entries from `begin` (size -1: to the end of that axis).',
    params: [
      { name: 'input_', kind: 'tensor', aliases: ['x', 'input'] },
      { name: 'begin', kind: 'ints' },
      { name: 'size', kind: 'ints' },
    ],
    build: buildBlaming,
    infer: ([x], attrs) => sliceType(x, attrs.begin, attrs.size),
    kernel: ([x], attrs, out, ctx) => {
      const begin = attrs.begin;
      const strides = stridesOf(x.shape);
      const maps = out.shape.map((n, k) => rangeMap(n, begin[k], 1, strides[k]));
      return gatherOffsets(x.data, sourceOffsets(out.shape, maps), ctx.alloc(out.dtype, sizeOf(out.shape)));
    },
    // TensorFlow pads dy back to x's runtime shape; the strided-slice scatter does that.
    grad: (b, node, dy) => [b.op('strided_slice_grad', [dy, node.inputs[0]], { spec: sliceSpec(node.attrs.begin, node.attrs.size) })],
    dependence: indexMap(({ output }) => positionalFlow(output.length)),
  }),
  op<GatherAttrs>({
    name: 'gather',
    doc: 'Entries of `params` along `axis` at `indices` (int32 or int64, any shape): shape params[:axis] + indices + params[axis+1:].',
    params: [
      { name: 'params', kind: 'tensor', aliases: ['x'] },
      { name: 'indices', kind: 'tensor', dtypes: 'int' },
      // Third, as in TensorFlow 1 and 2: tf.gather(x, i, 1) does not gather along axis 1.
      { name: 'validate_indices', kind: 'value', default: null, doc: 'Ignored (TensorFlow ignores it too).' },
      { name: 'axis', kind: 'int', default: null },
      { name: 'batch_dims', kind: 'int', default: 0 },
    ],
    tf1Positional: ['params', 'indices', 'validate_indices', 'name', 'axis', 'batch_dims'],
    build: (b, args) => buildBlaming(b, args, ['validate_indices']),
    infer: ([params, indices], attrs) => gatherType(params, indices, attrs),
    kernel: ([params, indices], attrs, out, ctx) => {
      const data = ctx.alloc(out.dtype, sizeOf(out.shape));
      const src = params.data;
      const done = workCounter(ctx);
      gatherBlocks(
        params.shape,
        indices,
        gatherLayout(params.shape.length, indices.shape.length, attrs),
        (from, to, n) => (copyBlock(src, from, data, to, n), done(n)),
      );
      return data;
    },
    // TensorFlow's _GatherV2Grad: an unsorted segment sum of dy into zeros of params'
    // shape, so repeated indices accumulate. Indices get no gradient.
    grad: (b, node, dy) => {
      const [params, indices] = node.inputs;
      return [b.op('gather_grad', [dy, indices, params], { axis: node.attrs.axis, batch_dims: node.attrs.batch_dims }), null];
    },
    // Output axes before and after the gathered ones follow params; the gathered axes follow
    // the indices (a params row reaches as many positions as its index appears).
    dependence: indexMap(
      ({ attrs, inputs: [p, ix], output }) => {
        if (!p || !ix) return null;
        const layout = gatherAxes(p.length, ix.length, attrs);
        if (!layout || output.length !== p.length - 1 - layout.batchDims + ix.length) return null;
        const { axis, batchDims } = layout;
        const gathered = ix.length - batchDims;
        const creates: (Creation | null)[] = output.map(() => null);
        const from = output.map((_, o) => {
          if (o < axis) return [{ slot: 0, axis: o }, ...(o < batchDims ? [{ slot: 1, axis: o }] : [])];
          if (o >= axis + gathered) return [{ slot: 0, axis: o - gathered + 1 }];
          // A params row lands along the first gathered axis (as often as its index appears:
          // the explainer counts the indices); the other gathered axes place it once.
          if (o > axis) creates[o] = { origin: null, size: 1 };
          return [...(o === axis ? [{ slot: 0, axis }] : []), { slot: 1, axis: batchDims + o - axis }];
        });
        return { from, creates };
      },
      {
        carries: firstOnly,
        gathers: {
          params: 0,
          indices: 1,
          axis: ({ attrs, inputs: [p, ix] }) => (p && ix ? (gatherAxes(p.length, ix.length, attrs)?.axis ?? 0) : 0),
        },
      },
    ),
  }),
  op<GatherAttrs>({
    name: 'gather_grad',
    internal: true,
    doc: 'Zeros shaped like `like`, with each block of `dy` added at the entry `indices` names (repeats accumulate).',
    params: [],
    infer: ([dy, indices, like], attrs) => {
      gatherType(like, indices, attrs);
      return { dtype: dy.dtype, shape: like.shape };
    },
    kernel: ([dy, indices, like], attrs, out, ctx) => {
      const layout = gatherLayout(like.shape.length, indices.shape.length, attrs);
      const expected = gatherType(like, indices, attrs).shape as number[];
      if (sizeOf(expected) !== dy.data.length)
        throw new OpError(`gradient of shape ${showShape(dy.shape)} does not match the gather's shape ${showShape(expected)}`);
      const data = ctx.alloc(out.dtype, sizeOf(out.shape));
      const g = dy.data;
      const done = workCounter(ctx);
      gatherBlocks(like.shape, indices, layout, (at, from, n) => (addBlock(g, from, data, at, n), done(n)));
      return data;
    },
    grad: (b, node, ddy) => [b.op('gather', [ddy, node.inputs[1]], node.attrs), null, null],
    dependence: scatter({ forward: (attrs) => ({ op: 'gather', attrs, inputs: [-1, 1] }), value: 0, carries: firstOnly }),
  }),
  op<GatherAttrs>({
    name: 'gather_nd',
    doc: 'Entries of `params` at the index tuples in the last axis of `indices`: shape indices[:-1] + params[K:].',
    params: [
      { name: 'params', kind: 'tensor', aliases: ['x'] },
      { name: 'indices', kind: 'tensor', dtypes: 'int' },
      { name: 'batch_dims', kind: 'int', default: 0 },
    ],
    tf1Positional: ['params', 'indices', 'name', 'batch_dims'],
    build: (b, args) => (args.int('batch_dims') === 0 ? buildBlaming(b, args) : tensorValue(batchGatherNd(b, args))),
    infer: ([params, indices], attrs) => {
      if ((attrs.batch_dims ?? 0) !== 0) throw new ArgError('batch_dims must be 0 here', 'batch_dims', 'unsupported');
      return gatherNdType(params, indices);
    },
    kernel: ([params, indices], _attrs, out, ctx) => {
      const data = ctx.alloc(out.dtype, sizeOf(out.shape));
      const src = params.data;
      const done = workCounter(ctx);
      gatherNdBlocks(params.shape, indices, (from, to, n) => (copyBlock(src, from, data, to, n), done(n)));
      return data;
    },
    // TensorFlow's _GatherNdGrad: scatter_nd of dy (repeats accumulate).
    grad: (b, node, dy) => [b.op('gather_nd_grad', [dy, node.inputs[1], node.inputs[0]]), null],
    // The leading output axes follow the indices' tuples; the others params' trailing axes.
    dependence: indexMap(
      ({ inputs: [p, ix], output }) => {
        if (!p || !ix || ix.length === 0) return null;
        const lead = ix.length - 1;
        const K = p.length - (output.length - lead);
        if (K < 0) return null;
        const creates: (Creation | null)[] = output.map((_, o) => (o > 0 && o < lead ? { origin: null, size: 1 } : null));
        const from = output.map((_, o) =>
          o < lead ? [...(o === 0 && K > 0 ? [{ slot: 0, axis: 0 }] : []), { slot: 1, axis: o }] : [{ slot: 0, axis: K + o - lead }],
        );
        return { from, creates };
      },
      { carries: firstOnly, gathers: { params: 0, indices: 1, axis: () => 0, tuples: true } },
    ),
  }),
  op<GatherAttrs>({
    name: 'gather_nd_grad',
    internal: true,
    doc: 'Zeros shaped like `like`, with each block of `dy` added at its index tuple (repeats accumulate).',
    params: [],
    infer: ([dy, indices, like]) => {
      gatherNdType(like, indices);
      return { dtype: dy.dtype, shape: like.shape };
    },
    kernel: ([dy, indices, like], _attrs, out, ctx) => {
      const expected = gatherNdType(like, indices).shape as number[];
      if (sizeOf(expected) !== dy.data.length)
        throw new OpError(`gradient of shape ${showShape(dy.shape)} does not match the gather's shape ${showShape(expected)}`);
      const data = ctx.alloc(out.dtype, sizeOf(out.shape));
      const g = dy.data;
      const done = workCounter(ctx);
      gatherNdBlocks(like.shape, indices, (at, from, n) => (addBlock(g, from, data, at, n), done(n)));
      return data;
    },
    grad: (b, node, ddy) => [b.op('gather_nd', [ddy, node.inputs[1]], { batch_dims: 0 }), null, null],
    dependence: scatter({ forward: () => ({ op: 'gather_nd', attrs: { batch_dims: 0 }, inputs: [-1, 1] }), value: 0, carries: firstOnly }),
  }),
]);

/** gather_nd with batch_dims B, as TensorFlow computes it: each of the B leading batch
 *  positions gathers from its own params. The batch axes are flattened into one, each index
 *  tuple gets its batch position in front, and one gather_nd (whose gradient sums repeats)
 *  does the rest; the result is reshaped to indices[:-1] + params[B + K:]. */
function batchGatherNd(b: Builder, args: BoundArgs): Node {
  const params = args.tensor('params');
  const indices = args.tensor('indices');
  const B = args.int('batch_dims');
  const span = args.span('batch_dims');
  const p = params.type.shape;
  const ix = indices.type.shape;
  if (!isInteger(indices.type.dtype))
    throw new BuildError(`indices must be int32 or int64, got ${indices.type.dtype}`, args.span('indices'), 'dtype-mismatch');
  if (p === null || ix === null || p.some((d) => d === null) || ix.some((d) => d === null))
    throw new BuildError('gather_nd with batch_dims needs the shapes of params and indices known', span, 'unknown-shape');
  const ps = p as number[];
  const is = ix as number[];
  if (B < 0 || B >= is.length || B > ps.length)
    throw new BuildError(`batch_dims ${B} must be between 0 and the rank of indices less one (${is.length - 1})`, span, 'bad-axis');
  const batch = is.slice(0, B);
  if (batch.some((d, k) => d !== ps[k]))
    throw new BuildError(
      `the batch axes of params (shape ${showShape(ps)}) and indices (shape ${showShape(is)}) must match for batch_dims=${B}`,
      span,
      'shape-mismatch',
    );
  const K = is[is.length - 1];
  if (B + K > ps.length)
    throw new BuildError(
      `index tuples of length ${K} after ${B} batch axes cannot index params of rank ${ps.length} (shape ${showShape(ps)})`,
      args.span('indices'),
      'shape-mismatch',
    );
  const n = sizeOf(batch);
  const middle = is.slice(B, -1);
  const tuples = sizeOf(middle);
  const flatParams = b.op('reshape', [params], { shape: [n, ...ps.slice(B)] });
  const flatIndices = b.op('reshape', [indices], { shape: [n, ...middle, K] });
  const positions = new Int32Array(n * tuples);
  for (let i = 0; i < positions.length; i++) positions[i] = Math.floor(i / tuples);
  const position = b.cast(b.constant(makeTensor('int32', [n, ...middle, 1], positions), span), indices.type.dtype);
  const tupled = b.op('concat', [position, flatIndices], { axis: middle.length + 1, valuesCount: 2 });
  const gathered = b.op('gather_nd', [flatParams, tupled], { batch_dims: 0 });
  return b.op('reshape', [gathered], { shape: [...is.slice(0, -1), ...ps.slice(B + K)] });
}

/** gather's axis and batch_dims normalised, or null when they are out of range. */
function gatherAxes(paramsRank: number, indicesRank: number, attrs: GatherAttrs): GatherLayout | null {
  try {
    return gatherLayout(paramsRank, indicesRank, attrs);
  } catch {
    return null;
  }
}

function dimsDiffer(a: Dim, b: Dim): boolean {
  return a !== null && b !== null && a !== b;
}
