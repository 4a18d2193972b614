// tile, broadcast_to, pad and reverse: each output axis reads its input through a
// coordinate map (`sourceOffsets`), and each gradient scatter-adds back through it.

import { BuildError, tensorValue } from '../../builder';
import { type Tensor, isInteger, sizeOf, stridesOf } from '../../tensor';
import { type Dim, type TensorType, ArgError, OpError, normalizeAxis, showShape } from '../../types';
import { type Creation, elementwise, firstOnly, indexMap, positionalFlow, scatter } from '../dependence';
import { broadcastData } from '../kernels';
import { composite } from '../compose';
import { type ConcreteType, defineOps, op } from '../registry';
import { checkedSize } from '../sources';
import { applyBlaming, axisArg, buildBlaming } from './arguments';
import { buildWithFedSizes, checkShapeInput, fedSizes } from './fedShape';
import { type AxisMap, gatherOffsets, rangeMap, scatterAddOffsets, sourceOffsets } from './offsets';

// ---- pad helpers --------------------------------------------------------------------------

type PadMode = 'CONSTANT' | 'REFLECT' | 'SYMMETRIC';

/** pad's and pad_grad's: [before, after] per axis (pad_grad has no constant). */
type PadAttrs = { paddings: number[][]; mode: PadMode; constant_values?: number };

type TileAttrs = { multiples: number[] };

/** tile_fed's: the multiples known while building (None where they depend on the feed). */
type TileFedAttrs = { known: (number | null)[] };

/** tile_grad's: the multiples, or (the gradient of tile_fed) `known`, the sizes then read
 *  from its third input. */
type TileGradAttrs = { multiples?: number[]; known?: (number | null)[] };

function checkMultiples(multiples: readonly (number | null)[]): void {
  if (multiples.some((m) => m !== null && m < 0))
    throw new ArgError(`multiples must be non-negative, got ${showShape(multiples)}`, 'multiples');
}

/** The shape of `x` tiled `multiples` times (None where a multiple is unknown). */
function tiledShape(x: TensorType, multiples: readonly (number | null)[]): Dim[] {
  checkMultiples(multiples);
  if (x.shape === null) return multiples.map((m) => (m === 0 ? 0 : null));
  if (multiples.length !== x.shape.length) {
    throw new ArgError(
      `multiples ${showShape(multiples)} has ${multiples.length} entr${multiples.length === 1 ? 'y' : 'ies'} but the input has rank ${x.shape.length} (shape ${showShape(x.shape)}); give one per axis`,
      'multiples',
    );
  }
  return x.shape.map((d, k) => {
    const m = multiples[k];
    return m === 0 ? 0 : d === null || m === null ? null : d * m;
  });
}

/** The offsets in the input of each element of its tiling: along each axis, element i
 *  reads input element i mod the input's size. */
function tileOffsets(tiled: readonly number[], input: readonly number[]): ReturnType<typeof sourceOffsets> {
  const strides = stridesOf(input);
  const maps = tiled.map((n, k) => {
    const map = new Int32Array(n);
    const d = input[k];
    for (let i = 0; i < n; i++) map[i] = i % d;
    return { map, stride: strides[k] };
  });
  return sourceOffsets(tiled, maps);
}

function tileData(x: Tensor, out: ConcreteType, into: Tensor['data']): Tensor['data'] {
  return gatherOffsets(x.data, tileOffsets(out.shape, x.shape), into);
}

/** A tile's output axes with more than one copy (or an unknown number) create elements. */
function tileCreations(multiples: readonly (number | null)[], rank: number): (Creation | null)[] {
  return Array.from({ length: rank }, (_, o) => {
    const m = multiples[o];
    return m === null || m > 1 ? { origin: 'tile' as const, size: m } : null;
  });
}

/** Where output coordinate i of a padded axis reads from (-1: the constant). */
function padMap(d: number, before: number, after: number, mode: PadMode, stride: number): AxisMap {
  const n = d + before + after;
  const map = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let c = i - before;
    if (c < 0) c = mode === 'CONSTANT' ? -1 : mode === 'REFLECT' ? -c : -c - 1;
    else if (c >= d) c = mode === 'CONSTANT' ? -1 : mode === 'REFLECT' ? 2 * (d - 1) - c : 2 * d - 1 - c;
    map[i] = c;
  }
  return { map, stride };
}

function checkPaddings(x: TensorType, paddings: number[][], mode: PadMode): void {
  if (x.shape === null) return;
  const rank = x.shape.length;
  if (paddings.length !== rank) {
    throw new ArgError(
      `paddings has ${paddings.length} row${paddings.length === 1 ? '' : 's'} but the tensor has rank ${rank} (shape ${showShape(x.shape)}); give one [before, after] pair per axis`,
      'paddings',
    );
  }
  paddings.forEach(([before, after], k) => {
    const d = x.shape![k];
    if (before < 0 || after < 0) throw new ArgError(`paddings must be non-negative, got [${before}, ${after}] for axis ${k}`, 'paddings');
    if (d === null || mode === 'CONSTANT') return;
    const limit = mode === 'REFLECT' ? d - 1 : d;
    if (before > limit || after > limit) {
      throw new ArgError(
        `${mode} padding of axis ${k} (size ${d}, shape ${showShape(x.shape)}) can add at most ${limit} on each side, got [${before}, ${after}]`,
        'paddings',
      );
    }
  });
}

defineOps([
  op<TileAttrs>({
    name: 'tile',
    doc: 'Repeats the tensor `multiples[k]` times along each axis k.',
    params: [
      { name: 'input', kind: 'tensor', aliases: ['x'] },
      { name: 'multiples', kind: 'ints' },
    ],
    // Multiples that depend on a feed (`tile(x, [tf.shape(x)[0], 1])`) become an int input.
    build: (b, args) => buildWithFedSizes(b, args, 'input', 'multiples', 'tile_fed'),
    infer: ([x], attrs) => ({ dtype: x.dtype, shape: tiledShape(x, attrs.multiples) }),
    kernel: ([x], _attrs, out, ctx) => tileData(x, out, ctx.alloc(out.dtype, sizeOf(out.shape))),
    // TensorFlow's _TileGrad sums dy over the tiles (reshape to [m0, d0, m1, d1, ...] and
    // reduce the m axes); here one op reads x's runtime shape and sums directly.
    grad: (b, node, dy) => [b.op('tile_grad', [dy, node.inputs[0]], { multiples: node.attrs.multiples })],
    dependence: indexMap(({ attrs, output }) => ({
      ...positionalFlow(output.length),
      creates: tileCreations(attrs.multiples ?? [], output.length),
    })),
  }),
  op<TileFedAttrs>({
    name: 'tile_fed',
    internal: true,
    shownAs: 'tile',
    doc: 'tile by multiples that depend on a fed value.',
    params: [
      { name: 'input', kind: 'tensor' },
      { name: 'multiples', kind: 'tensor' },
    ],
    infer: ([x, multiples], attrs) => {
      checkShapeInput(multiples);
      return { dtype: x.dtype, shape: tiledShape(x, fedSizes(multiples) ?? attrs.known) };
    },
    kernel: ([x], _attrs, out, ctx) => tileData(x, out, ctx.alloc(out.dtype, sizeOf(out.shape))),
    grad: (b, node, dy) => [b.op('tile_grad', [dy, node.inputs[0], node.inputs[1]], { known: node.attrs.known }), null],
    // The multiples lend the shape only.
    dependence: indexMap(
      ({ attrs, output }) => ({ ...positionalFlow(output.length), creates: tileCreations(attrs.known, output.length) }),
      {
        carries: firstOnly,
      },
    ),
  }),
  op<TileGradAttrs>({
    name: 'tile_grad',
    internal: true,
    doc: 'Sums a tiled gradient `dy` over its tiles, back to the shape of `like` (the multiples an attribute, or a third, fed input).',
    params: [],
    infer: ([dy, like]) => ({ dtype: dy.dtype, shape: like.shape }),
    kernel: ([dy, like, fed], attrs, out, ctx) => {
      const multiples = attrs.multiples ?? Array.from(fed.data as ArrayLike<number>, Number);
      const expected = like.shape.map((d, k) => d * multiples[k]);
      if (expected.length !== dy.shape.length || expected.some((d, k) => d !== dy.shape[k])) {
        throw new OpError(`gradient of shape ${showShape(dy.shape)} does not match the tiled shape ${showShape(expected)}`);
      }
      // Nothing to sum from an empty dy (tiled 0 times somewhere): zeros, without per-axis
      // tables as long as dy's other axes (2^32 entries for tile(x, [0, 2^31])).
      if (dy.data.length === 0) return ctx.alloc(out.dtype, sizeOf(out.shape));
      return scatterAddOffsets(dy.data, tileOffsets(dy.shape, like.shape), ctx.alloc(out.dtype, sizeOf(out.shape)));
    },
    grad: (b, node, ddy) =>
      node.attrs.multiples === undefined
        ? [b.op('tile_fed', [ddy, node.inputs[2]], { known: node.attrs.known }), null, null]
        : [b.op('tile', [ddy], { multiples: node.attrs.multiples }), null],
    dependence: scatter({
      forward: (attrs) =>
        attrs.multiples === undefined
          ? { op: 'tile_fed', attrs: { known: attrs.known }, inputs: [-1, 2] }
          : { op: 'tile', attrs: { multiples: attrs.multiples }, inputs: [-1] },
      value: 0,
      carries: firstOnly,
    }),
  }),
  op<{ shape: (number | null)[] | null }>({
    name: 'broadcast_to',
    doc: 'Broadcasts the tensor to `shape` (NumPy rules: sizes 1 stretch, leading axes are added).',
    params: [
      { name: 'input', kind: 'tensor', aliases: ['x'] },
      { name: 'shape', kind: 'shape' },
    ],
    build: buildBlaming,
    infer: ([x], attrs) => {
      const target = attrs.shape;
      if (target === null || target.some((d) => d === null || d < 0)) {
        throw new ArgError(
          `the target shape must be fully known, got ${target === null ? 'None' : showShape(target.map((d) => (d === -1 ? null : d)))}`,
          'shape',
          'bad-shape',
        );
      }
      if (x.shape === null) return { dtype: x.dtype, shape: target };
      const lead = target.length - x.shape.length;
      if (lead < 0)
        throw new OpError(
          `cannot broadcast shape ${showShape(x.shape)} to ${showShape(target)}: the input has more axes than the target`,
          0,
        );
      x.shape.forEach((d, k) => {
        const t = target[lead + k];
        if (d !== null && d !== 1 && d !== t) {
          throw new OpError(`cannot broadcast shape ${showShape(x.shape)} to ${showShape(target)} (axis ${lead + k}: ${d} vs ${t})`, 0);
        }
      });
      return { dtype: x.dtype, shape: target };
    },
    kernel: ([x], _attrs, out, ctx) => broadcastData(x, out.shape, ctx.alloc(out.dtype, sizeOf(out.shape))),
    grad: (b, node, dy) => [b.sumToLike(dy, node.inputs[0])],
    dependence: elementwise(),
  }),
  composite({
    name: 'meshgrid',
    doc: "Coordinate grids from N vectors: output k repeats vector k along its own axis; indexing='xy' (the default) swaps the first two axes, as for plotting, 'ij' keeps them (tf.meshgrid).",
    params: [
      { name: 'args', kind: 'tensors', group: 'T', variadic: true },
      { name: 'indexing', kind: 'string', default: 'xy', keywordOnly: true },
    ],
    compose: (b, args) => {
      const vectors = args.tensors('args');
      const indexing = args.string('indexing');
      if (indexing !== 'xy' && indexing !== 'ij')
        throw new BuildError(`meshgrid(): indexing must be 'xy' or 'ij', got '${indexing}'`, args.span('indexing'), 'bad-argument');
      const sizes = vectors.map((v) => {
        const n = v.type.shape === null ? null : v.type.shape.reduce<number | null>((a, d) => (a === null || d === null ? null : a * d), 1);
        if (n === null) throw new BuildError('meshgrid(): the sizes of the inputs must be known', args.span('args'), 'unknown-shape');
        return n;
      });
      const swap = indexing === 'xy' && vectors.length > 1;
      const axisOf = (k: number) => (swap && k < 2 ? 1 - k : k);
      const shape = vectors.map((_, ax) => sizes[vectors.findIndex((__, k) => axisOf(k) === ax)]);
      // As TensorFlow: each input flattened onto its own axis, then broadcast (its gradient
      // sums over the others).
      const items = vectors.map((v, k) => {
        const along = shape.map((_, ax) => (ax === axisOf(k) ? -1 : 1));
        return tensorValue(b.op('broadcast_to', [b.op('reshape', [v], { shape: along })], { shape }));
      });
      return { kind: 'list', items };
    },
  }),
  op<PadAttrs>({
    name: 'pad',
    doc: "Pads with `constant_values` (mode 'CONSTANT') or mirrors the edges ('REFLECT', 'SYMMETRIC'); paddings is [[before, after], ...].",
    params: [
      { name: 'tensor', kind: 'tensor', aliases: ['x', 'input'] },
      { name: 'paddings', kind: 'value' },
      { name: 'mode', kind: 'string', default: 'CONSTANT' },
      { name: 'constant_values', kind: 'float', default: 0 },
    ],
    tf1Positional: ['tensor', 'paddings', 'mode', 'name', 'constant_values'],
    build: (b, args) => {
      const x = args.tensor('tensor');
      const span = args.span('paddings');
      const node = b.toTensor(args.value('paddings'), span, 'int32');
      if (!node.constant)
        throw new BuildError('`paddings` must be known without feeds (it depends on a placeholder)', span, 'not-constant');
      const t = b.oracle.constantValue(node);
      if (!t) throw new BuildError('`paddings` could not be evaluated', span, 'not-constant');
      if (!isInteger(t.dtype) || t.shape.length !== 2 || t.shape[1] !== 2) {
        throw new BuildError(
          `pad: paddings must be an integer list of [before, after] pairs (shape [rank, 2]), got ${t.dtype} of shape ${showShape(t.shape)}`,
          span,
          'bad-argument',
        );
      }
      const paddings = Array.from({ length: t.shape[0] }, (_, k) => [t.data[2 * k], t.data[2 * k + 1]]);
      const mode = args.string('mode').toUpperCase();
      if (mode !== 'CONSTANT' && mode !== 'REFLECT' && mode !== 'SYMMETRIC') {
        throw new BuildError(
          `pad: mode must be 'CONSTANT', 'REFLECT' or 'SYMMETRIC', got '${args.string('mode')}'`,
          args.span('mode'),
          'bad-argument',
        );
      }
      const constant = args.float('constant_values');
      if (isInteger(x.type.dtype) && !Number.isInteger(constant)) {
        throw new BuildError(
          `pad: constant_values ${constant} cannot be converted to ${x.type.dtype}`,
          args.span('constant_values'),
          'dtype-mismatch',
        );
      }
      return tensorValue(applyBlaming(b, args, 'pad', [x], { paddings, mode, constant_values: constant }, [args.span('tensor')]));
    },
    infer: ([x], attrs) => {
      const paddings = attrs.paddings;
      const mode = attrs.mode;
      checkPaddings(x, paddings, mode);
      if (x.shape === null) return { dtype: x.dtype, shape: paddings.map(() => null) };
      return { dtype: x.dtype, shape: x.shape.map((d, k) => (d === null ? null : d + paddings[k][0] + paddings[k][1])) };
    },
    kernel: ([x], attrs, out, ctx) => {
      const paddings = attrs.paddings;
      const strides = stridesOf(x.shape);
      const maps = x.shape.map((d, k) => padMap(d, paddings[k][0], paddings[k][1], attrs.mode, strides[k]));
      return gatherOffsets(x.data, sourceOffsets(out.shape, maps), ctx.alloc(out.dtype, sizeOf(out.shape)), attrs.constant_values);
    },
    // TensorFlow: CONSTANT mode's gradient slices dy; MirrorPadGrad also folds the mirrored
    // border back onto the entries it copied. Both are the adjoint of the same gather.
    grad: (b, node, dy) => [b.op('pad_grad', [dy], { paddings: node.attrs.paddings, mode: node.attrs.mode })],
    dependence: indexMap(({ output }) => positionalFlow(output.length)),
  }),
  op<PadAttrs>({
    name: 'pad_grad',
    internal: true,
    doc: 'The adjoint of pad: the interior of `dy`, plus the mirrored borders for REFLECT/SYMMETRIC.',
    params: [],
    infer: ([dy], attrs) => {
      const paddings = attrs.paddings;
      if (dy.shape === null) return { dtype: dy.dtype, shape: paddings.map(() => null) };
      if (dy.shape.length !== paddings.length)
        throw new OpError(`gradient of shape ${showShape(dy.shape)} does not match ${paddings.length} paddings`);
      return {
        dtype: dy.dtype,
        shape: dy.shape.map((d, k) => {
          const inner = d === null ? null : d - paddings[k][0] - paddings[k][1];
          if (inner !== null && inner < 0) throw new OpError(`gradient of shape ${showShape(dy.shape)} is smaller than the paddings`);
          return inner;
        }),
      };
    },
    kernel: ([dy], attrs, out, ctx) => {
      const paddings = attrs.paddings;
      const strides = stridesOf(out.shape);
      const maps = out.shape.map((d, k) => padMap(d, paddings[k][0], paddings[k][1], attrs.mode, strides[k]));
      return scatterAddOffsets(dy.data, sourceOffsets(dy.shape, maps), ctx.alloc(out.dtype, sizeOf(out.shape)));
    },
    grad: (b, node, ddy) => [b.op('pad', [ddy], { paddings: node.attrs.paddings, mode: node.attrs.mode, constant_values: 0 })],
    dependence: scatter({
      forward: (attrs) => ({ op: 'pad', attrs: { paddings: attrs.paddings, mode: attrs.mode, constant_values: 0 }, inputs: [-1] }),
      value: 0,
    }),
  }),
  op<{ axis: number[] }>({
    name: 'reverse',
    aliases: ['reverse_v2'],
    doc: 'Reverses the order of entries along each axis in the list `axis`.',
    params: [
      { name: 'tensor', kind: 'tensor', aliases: ['x'] },
      { name: 'axis', kind: 'ints', aliases: ['dims'] },
    ],
    build: buildBlaming,
    infer: ([x], attrs) => {
      if (x.shape === null) return { dtype: x.dtype, shape: null };
      const seen = new Set<number>();
      for (const a of attrs.axis) {
        const k = axisArg(a, x.shape, 'axis');
        if (seen.has(k)) throw new ArgError(`axis ${k} is listed more than once`, 'axis', 'bad-axis');
        seen.add(k);
      }
      return x;
    },
    kernel: ([x], attrs, out, ctx) => {
      const reversed = new Set(attrs.axis.map((a) => normalizeAxis(a, x.shape.length)));
      const strides = stridesOf(x.shape);
      const maps = x.shape.map((d, k) => (reversed.has(k) ? rangeMap(d, d - 1, -1, strides[k]) : rangeMap(d, 0, 1, strides[k])));
      return gatherOffsets(x.data, sourceOffsets(x.shape, maps), ctx.alloc(out.dtype, x.data.length));
    },
    grad: (b, node, dy) => [b.op('reverse', [dy], { axis: node.attrs.axis })],
    dependence: indexMap(({ output }) => positionalFlow(output.length)),
  }),
]);

// ---- repeat -------------------------------------------------------------------------------

defineOps([
  composite({
    name: 'repeat',
    doc: 'Repeats each element along `axis` (None: of the flattened tensor) `repeats` times, or `repeats[i]` times for element i (tf.repeat, np.repeat): a gather of each index as many times.',
    params: [
      { name: 'input', kind: 'tensor', aliases: ['x'] },
      { name: 'repeats', kind: 'ints' },
      { name: 'axis', kind: 'int', default: null },
    ],
    compose: (b, args) => {
      let x = args.tensor('input');
      let axis = args.optionalInt('axis');
      if (axis === null) {
        x = b.op('reshape', [x], { shape: [-1] });
        axis = 0;
      }
      const shape = x.type.shape;
      if (shape === null) throw new BuildError('repeat(): the rank of input must be known', args.span('input'), 'shape-mismatch');
      if (axis < -shape.length || axis >= shape.length)
        throw new BuildError(
          `repeat(): axis ${axis} is out of range for a tensor of rank ${shape.length} (shape ${showShape(shape)})`,
          args.span('axis'),
          'bad-axis',
        );
      if (axis < 0) axis += shape.length;
      const n = shape[axis];
      if (n === null)
        throw new BuildError(
          `repeat(): the size of axis ${axis} must be known (shape ${showShape(shape)})`,
          args.span('input'),
          'shape-mismatch',
        );
      const given = args.ints('repeats');
      if (given.length !== 1 && given.length !== n)
        throw new BuildError(
          `repeat(): repeats has ${given.length} entries but axis ${axis} has ${n} elements: give one, or one per element`,
          args.span('repeats'),
          'shape-mismatch',
        );
      if (given.some((r) => r < 0))
        throw new BuildError(`repeat(): repeats must be non-negative, got ${showShape(given)}`, args.span('repeats'), 'bad-argument');
      const times = (i: number) => (given.length === 1 ? given[0] : given[i]);
      let total = 0;
      for (let i = 0; i < n; i++) total += times(i);
      checkedSize(b, [total], args.span('repeats'), 'repeat() indices');
      const indices = new Int32Array(total);
      let at = 0;
      for (let i = 0; i < n; i++) for (let r = times(i); r > 0; r--) indices[at++] = i;
      const picked = b.constant({ dtype: 'int32', shape: [total], data: indices });
      return b.op('gather', [x, picked], { axis, batch_dims: 0 });
    },
  }),
]);
