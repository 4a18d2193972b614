// Ops that keep the elements and change the axes: reshape, transpose, expand_dims, squeeze,
// and the shape queries shape/size/rank. Gradients move the upstream gradient back the same
// way (inverse permutation, reshape to the input's runtime shape).

import { BuildError, tensorValue } from '../../builder';
import { type DType, isInteger, sizeOf } from '../../tensor';
import { type Dim, type Shape, ArgError, OpError, isFullyKnown, showShape } from '../../types';
import { axisIn, firstOnly, indexMap, reshapeFlow } from '../dependence';
import { transposeData } from '../kernels';
import { type AxisAttrs, type OpDef, defineOps, op } from '../registry';
import { axisArg, buildBlaming } from './arguments';
import { buildWithFedSizes, checkShapeInput, fedSizes } from './fedShape';

function inversePermutation(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
}

function resolvePerm(perm: readonly number[] | null, rank: number): number[] {
  if (perm === null) return Array.from({ length: rank }, (_, i) => rank - 1 - i);
  if (perm.length !== rank)
    throw new ArgError(`perm ${showShape(perm)} has ${perm.length} entries for a tensor of rank ${rank}`, 'perm', 'bad-axis');
  const seen = new Set<number>();
  const out = perm.map((p) => {
    if (!Number.isInteger(p) || p < -rank || p >= rank)
      throw new ArgError(`perm entry ${p} is out of range for a tensor of rank ${rank}`, 'perm', 'bad-axis');
    return p < 0 ? p + rank : p;
  });
  for (const p of out) {
    if (seen.has(p)) throw new ArgError(`perm ${showShape(perm)} is not a permutation`, 'perm', 'bad-axis');
    seen.add(p);
  }
  return out;
}

/** Static result of reshaping `from` to `to` (which may hold one -1). */
export function reshapeShape(from: Shape, to: readonly (number | null)[]): Shape {
  const minusOnes = to.filter((d) => d === -1 || d === null).length;
  if (minusOnes > 1)
    throw new ArgError(`shape ${showShape(to.map((d) => (d === -1 ? null : d)))} has more than one unknown (-1) size`, 'shape');
  const known = to.reduce<number>((p, d) => (d === -1 || d === null ? p : p * d), 1);
  const total = from === null || from.some((d) => d === null) ? null : sizeOf(from as number[]);
  return to.map((d) => {
    if (d !== -1 && d !== null) return d;
    if (total === null) return null;
    if (known === 0 || total % known !== 0)
      throw new ArgError(
        `cannot reshape ${total} elements (shape ${showShape(from)}) to ${showShape(to.map((x) => (x === -1 ? null : x)))}`,
        'shape',
      );
    return total / known;
  }) as Dim[];
}

defineOps([
  op<{ shape: (number | null)[] | null }>({
    name: 'reshape',
    doc: 'Gives a tensor a new shape with the same elements (one size may be -1).',
    params: [
      { name: 'tensor', kind: 'tensor', aliases: ['x', 'a'] },
      { name: 'shape', kind: 'shape' },
    ],
    build: (b, args) => buildWithFedSizes(b, args, 'tensor', 'shape', 'reshape_fed'),
    infer: ([x], attrs) => {
      const to = attrs.shape;
      if (to === null) throw new ArgError('reshape needs a shape', 'shape');
      const shape = reshapeShape(x.shape, to);
      if (shape && x.shape && x.shape.every((d) => d !== null) && shape.every((d) => d !== null)) {
        const a = sizeOf(x.shape as number[]);
        const b = sizeOf(shape as number[]);
        if (a !== b)
          throw new ArgError(`cannot reshape ${a} elements (shape ${showShape(x.shape)}) to ${showShape(shape)} (${b} elements)`, 'shape');
      }
      return { dtype: x.dtype, shape };
    },
    kernel: ([x]) => x.data,
    viewOf: () => 0,
    grad: (b, node, dy) => [b.reshapeLike(dy, node.inputs[0])],
    dependence: indexMap(reshapeFlow),
  }),
  op<{ known: (number | null)[] }>({
    name: 'reshape_fed',
    internal: true,
    shownAs: 'reshape',
    doc: 'reshape to a shape that depends on a fed value (one size may be -1).',
    params: [
      { name: 'tensor', kind: 'tensor' },
      { name: 'shape', kind: 'tensor' },
    ],
    infer: ([x, shape], attrs) => {
      checkShapeInput(shape);
      const sizes = fedSizes(shape);
      if (sizes === null) {
        // While building: a size that depends on the feed, or a -1 beside one, is unknown.
        const unknowns = attrs.known.filter((d) => d === null).length;
        const to = unknowns === 0 ? attrs.known : attrs.known.map((d) => (d === -1 ? null : d));
        return { dtype: x.dtype, shape: unknowns === 0 ? reshapeShape(x.shape, to) : to };
      }
      if (sizes.some((d) => d < -1)) throw new ArgError(`shape ${showShape(sizes)} has a negative size`, 'shape');
      const out = reshapeShape(x.shape, sizes);
      const from = sizeOf(x.shape as number[]);
      if (sizeOf(out as number[]) !== from)
        throw new ArgError(`cannot reshape ${from} elements (shape ${showShape(x.shape)}) to ${showShape(out)}`, 'shape');
      return { dtype: x.dtype, shape: out };
    },
    kernel: ([x]) => x.data,
    viewOf: () => 0,
    grad: (b, node, dy) => [b.reshapeLike(dy, node.inputs[0]), null],
    // The sizes lend the shape only, as reshape_like's reference does.
    dependence: indexMap(reshapeFlow, { carries: firstOnly }),
  }),
  op<{ perm?: number[] | null; conjugate?: boolean }>({
    name: 'transpose',
    doc: 'Permutes the axes (reverses them when perm is None).',
    params: [
      { name: 'a', kind: 'tensor', aliases: ['x'] },
      { name: 'perm', kind: 'ints', default: null },
      // Conjugation is the identity on tgraph's real dtypes.
      { name: 'conjugate', kind: 'bool', default: false },
    ],
    tf1Positional: ['a', 'perm', 'name', 'conjugate'],
    build: (b, args) => buildBlaming(b, args, ['conjugate']),
    infer: ([x], attrs) => {
      const given = attrs.perm ?? null;
      if (x.shape === null) return { dtype: x.dtype, shape: given === null ? null : given.map(() => null) };
      const perm = resolvePerm(attrs.perm ?? null, x.shape.length);
      return { dtype: x.dtype, shape: perm.map((p) => x.shape![p]) };
    },
    kernel: ([x], attrs, out, ctx) =>
      transposeData(x, resolvePerm(attrs.perm ?? null, x.shape.length), ctx.alloc(out.dtype, x.data.length)),
    // The inverse permutation; reversing the axes (perm None) is its own inverse, so no
    // rank is needed even when it is unknown statically.
    grad: (b, node, dy) => {
      const given = node.attrs.perm ?? null;
      return [b.op('transpose', [dy], { perm: given === null ? null : inversePermutation(resolvePerm(given, given.length)) })];
    },
    dependence: indexMap(({ attrs, output }) => {
      const rank = output.length;
      const perm = attrs.perm ?? Array.from({ length: rank }, (_, k) => rank - 1 - k);
      if (perm.length !== rank || perm.some((p) => axisIn(p, rank) === null)) return null;
      return { from: perm.map((p) => [{ slot: 0, axis: axisIn(p, rank)! }]) };
    }),
  }),
  op<AxisAttrs>({
    name: 'expand_dims',
    doc: 'Inserts a size-1 axis at `axis`.',
    params: [
      { name: 'input', kind: 'tensor', aliases: ['x'] },
      { name: 'axis', kind: 'axis', aliases: ['dim'] },
    ],
    build: buildBlaming,
    infer: ([x], attrs) => {
      if (x.shape === null) return { dtype: x.dtype, shape: null };
      const axis = axisArg(attrs.axis, [...x.shape, 1], 'axis');
      const shape = x.shape.slice();
      shape.splice(axis, 0, 1);
      return { dtype: x.dtype, shape };
    },
    kernel: ([x]) => x.data,
    viewOf: () => 0,
    grad: (b, node, dy) => [b.reshapeLike(dy, node.inputs[0])],
    dependence: indexMap(reshapeFlow),
  }),
  op<{ axis: number[] | null }>({
    name: 'squeeze',
    doc: 'Removes size-1 axes: all of them, or those listed in `axis` (which must have size 1).',
    params: [
      { name: 'input', kind: 'tensor', aliases: ['x'] },
      { name: 'axis', kind: 'axes', default: null, aliases: ['squeeze_dims'] },
    ],
    build: buildBlaming,
    infer: ([x], attrs) => {
      if (x.shape === null) return { dtype: x.dtype, shape: null };
      const shape = x.shape;
      const axes = attrs.axis ?? null;
      if (axes === null) {
        // As TensorFlow: an unknown size might be 1, so the result's rank is unknown.
        if (shape.some((d) => d === null)) return { dtype: x.dtype, shape: null };
        return { dtype: x.dtype, shape: shape.filter((d) => d !== 1) };
      }
      const drop = new Set(axes.map((a) => axisArg(a, shape, 'axis')));
      for (const a of drop) {
        const d = shape[a];
        if (d !== null && d !== 1) {
          throw new ArgError(
            `cannot squeeze axis ${a} of size ${d} (input shape ${showShape(shape)}): only size-1 axes can be squeezed`,
            'axis',
          );
        }
      }
      return { dtype: x.dtype, shape: shape.filter((_, k) => !drop.has(k)) };
    },
    kernel: ([x]) => x.data,
    viewOf: () => 0,
    grad: (b, node, dy) => [b.reshapeLike(dy, node.inputs[0])],
    dependence: indexMap(reshapeFlow),
  }),
  shapeQuery({
    name: 'shape',
    doc: "The input's shape as an int32 (or `out_type` int64) vector, known without feeds when the static shape is fully known.",
    outType: true,
    known: (s) => (isFullyKnown(s) ? [...s] : null),
    outShape: (s) => [s === null ? null : s.length],
    value: (s) => [...s],
  }),
  shapeQuery({
    name: 'size',
    doc: 'The number of elements of the input, an int32 (or `out_type` int64) scalar.',
    outType: true,
    known: (s) => (isFullyKnown(s) ? [...s] : null),
    outShape: () => [],
    value: (s) => [sizeOf(s)],
  }),
  shapeQuery({
    name: 'rank',
    doc: 'The number of axes of the input, an int32 scalar.',
    // The rank is known whenever the static rank is, even with unknown sizes.
    known: (s) => (s === null ? null : s.map((d) => d ?? 0)),
    outShape: () => [],
    value: (s) => [s.length],
  }),
]);

/** `known`: the answer, on a node without inputs (the static shape determined it). */
type ShapeQueryAttrs = { out_type: DType; known?: number[] };

/** shape/size/rank: a regular node reading its input's runtime shape, or, when the static
 *  shape already determines the answer, a node without inputs holding that shape, so the
 *  value is known without feeds (`reshape(y, shape(x))` works with an unfed x). */
function shapeQuery(spec: {
  name: string;
  doc: string;
  /** Takes TensorFlow's `out_type` (int32 or int64); rank is always int32. */
  outType?: boolean;
  known: (s: Shape) => number[] | null;
  outShape: (s: Shape) => Dim[];
  value: (s: readonly number[]) => number[];
}): OpDef<ShapeQueryAttrs> {
  return {
    name: spec.name,
    doc: spec.doc,
    params: [
      { name: 'input', kind: 'tensor', aliases: ['x', 'tensor'] },
      ...(spec.outType ? [{ name: 'out_type', kind: 'dtype' as const, default: 'int32' }] : []),
    ],
    // TensorFlow 1: shape(input, name=None, out_type=tf.int32).
    tf1Positional: spec.outType ? ['input', 'name', 'out_type'] : undefined,
    build: (b, args) => {
      const x = args.tensor('input');
      const outType = spec.outType ? args.dtype('out_type') : 'int32';
      if (!isInteger(outType))
        throw new BuildError(`${spec.name}: out_type must be int32 or int64, got ${outType}`, args.span('out_type'), 'bad-argument');
      const known = spec.known(x.type.shape);
      if (known !== null) return tensorValue(b.apply(spec.name, [], { known, out_type: outType }, args.callSpan));
      return tensorValue(b.apply(spec.name, [x], { out_type: outType }, args.callSpan, [args.span('input')]));
    },
    infer: (inputs, attrs) => ({
      dtype: attrs.out_type,
      shape: spec.outShape(inputs.length ? inputs[0].shape : (attrs.known ?? null)),
    }),
    kernel: (inputs, attrs, out, ctx) => {
      const values = spec.value(inputs.length ? inputs[0].shape : (attrs.known ?? []));
      // As TensorFlow: an int32 answer that does not fit is an error, never a wrapped number.
      const big = values.find((v) => v > 0x7fffffff);
      if (big !== undefined)
        throw new OpError(`${spec.name} is ${big}, which does not fit in int32 (tgraph has no int64)`, 0, 'int32-overflow');
      const data = ctx.alloc(out.dtype, values.length);
      data.set(values);
      return data;
    },
  };
}
