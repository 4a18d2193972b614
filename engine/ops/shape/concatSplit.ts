// stack/unstack and concat/split. Gradients are slices of dy, or dy placed back; where a
// gradient needs a size that may be unknown statically, it is an internal op that reads the
// size from its inputs at evaluation time, and that op has its own gradient so grad-of-grad
// works.

import { type Value, BuildError, tensorValue } from '../../builder';
import { sizeOf, stridesOf } from '../../tensor';
import { type Dim, type Shape, ArgError, OpError, normalizeAxis, showShape } from '../../types';
import { axisIn, firstOnly, indexMap, joinFlow, positionalFlow, scatter } from '../dependence';
import { type AxisAttrs, defineOps, op } from '../registry';
import { MAX_SPLIT_PARTS, axisArg, buildListOp } from './arguments';
import { dimsConflict, mergeDim, placeAxis, sliceAxis } from './offsets';

// ---- concat / split helpers ---------------------------------------------------------------

/** An axis and one part along it (unstack_part, concat_part). */
type PartAttrs = { axis: number; index: number };

type SplitAttrs = {
  axis: number;
  /** `num` equal parts, or explicit `sizes` (one may be -1). */
  num: number | null;
  sizes: number[] | null;
  index: number;
};

/** Resolves the sizes of every part of a split of an axis of size `d` (null when unknown).
 *  Throws the errors TensorFlow raises for bad splits. */
function splitSizes(d: Dim, a: { num: number | null; sizes: number[] | null }, shape: Shape, blame: (msg: string) => Error): Dim[] {
  if (a.num !== null) {
    if (d === null) return new Array<Dim>(a.num).fill(null);
    if (d % a.num !== 0)
      throw blame(
        `axis of size ${d} (shape ${showShape(shape)}) cannot be split into ${a.num} equal parts: ${d} is not divisible by ${a.num}`,
      );
    return new Array<Dim>(a.num).fill(d / a.num);
  }
  const sizes = a.sizes!;
  const free = sizes.indexOf(-1);
  const knownSum = sizes.reduce((s, v) => (v === -1 ? s : s + v), 0);
  if (d === null) return sizes.map((v) => (v === -1 ? null : v));
  if (free < 0) {
    if (knownSum !== d)
      throw blame(`sizes ${showShape(sizes)} add up to ${knownSum} but the axis has size ${d} (shape ${showShape(shape)})`);
    return sizes.slice();
  }
  if (knownSum > d)
    throw blame(
      `sizes ${showShape(sizes.map((v) => (v === -1 ? null : v)))} add up to more than the axis size ${d} (shape ${showShape(shape)})`,
    );
  return sizes.map((v) => (v === -1 ? d - knownSum : v));
}

/** The runtime begin and length of part `index` of a split along `axis` of `shape`. */
function splitBounds(shape: readonly number[], attrs: SplitAttrs): { axis: number; begin: number; len: number } {
  const axis = normalizeAxis(attrs.axis, shape.length, 0);
  const sizes = splitSizes(shape[axis], attrs, shape, (m) => new OpError(m, 0)) as number[];
  let begin = 0;
  for (let i = 0; i < attrs.index; i++) begin += sizes[i];
  return { axis, begin, len: sizes[attrs.index] };
}

defineOps([
  op<AxisAttrs>({
    name: 'stack',
    aliases: ['pack'],
    doc: 'Stacks tensors of one shape along a new axis.',
    params: [
      { name: 'values', kind: 'tensors', group: 'T' },
      { name: 'axis', kind: 'axis', default: 0 },
    ],
    build: buildListOp,
    infer: (inputs, attrs) => {
      if (inputs.length === 0) throw new ArgError('needs at least one tensor', 'values');
      let shape: Shape = inputs[0].shape;
      inputs.forEach((t, i) => {
        if (t.dtype !== inputs[0].dtype)
          throw new OpError(`element ${i} is ${t.dtype} but element 0 is ${inputs[0].dtype}`, i, 'dtype-mismatch');
        if (shape === null || t.shape === null) return;
        if (t.shape.length !== shape.length || t.shape.some((d, k) => d !== null && shape![k] !== null && d !== shape![k])) {
          throw new OpError(`element ${i} has shape ${showShape(t.shape)} but element 0 has ${showShape(inputs[0].shape)}`, i);
        }
        shape = shape.map((d, k) => d ?? t.shape![k]);
      });
      if (shape === null) return { dtype: inputs[0].dtype, shape: null };
      const axis = axisArg(attrs.axis, [...shape, 1], 'axis');
      const out = shape.slice();
      out.splice(axis, 0, inputs.length);
      return { dtype: inputs[0].dtype, shape: out };
    },
    kernel: (inputs, attrs, out, ctx) => {
      const axis = normalizeAxis(attrs.axis, inputs[0].shape.length + 1, 0);
      const inner = sizeOf(inputs[0].shape.slice(axis));
      const outer = sizeOf(inputs[0].shape.slice(0, axis));
      for (const t of inputs)
        if (t.data.length !== inner * outer)
          throw new OpError(`stacked tensors have different shapes (${showShape(t.shape)} vs ${showShape(inputs[0].shape)})`);
      const n = inputs.length;
      const data = ctx.alloc(out.dtype, inner * outer * n);
      for (let o = 0; o < outer; o++) {
        for (let k = 0; k < n; k++) {
          data.set(inputs[k].data.subarray(o * inner, (o + 1) * inner) as never, (o * n + k) * inner);
        }
      }
      return data;
    },
    grad: (b, node, dy) => node.inputs.map((_, index) => b.op('unstack_part', [dy], { axis: node.attrs.axis, index })),
    dependence: indexMap((ctx) => joinFlow(ctx, 'stack'), { joins: true }),
  }),
  op<PartAttrs>({
    name: 'unstack_part',
    internal: true,
    doc: 'Entry `index` along `axis` (that axis removed).',
    params: [],
    spell: (attrs, [x]) => `unstack(${x}, axis=${attrs.axis})[${attrs.index}]`,
    infer: ([x], attrs) => {
      if (x.shape === null) return { dtype: x.dtype, shape: null };
      const axis = normalizeAxis(attrs.axis, x.shape.length, 0);
      const size = x.shape[axis];
      const index = attrs.index;
      if (size !== null && (index < 0 || index >= size))
        throw new OpError(`index ${index} is out of range for axis ${axis} of size ${size}`);
      return { dtype: x.dtype, shape: x.shape.filter((_, i) => i !== axis) };
    },
    kernel: ([x], attrs, out, ctx) => {
      const axis = normalizeAxis(attrs.axis, x.shape.length, 0);
      const index = attrs.index;
      const strides = stridesOf(x.shape);
      const inner = strides[axis];
      const outer = sizeOf(x.shape.slice(0, axis));
      const data = ctx.alloc(out.dtype, inner * outer);
      for (let o = 0; o < outer; o++) {
        const src = o * x.shape[axis] * inner + index * inner;
        data.set(x.data.subarray(src, src + inner) as never, o * inner);
      }
      return data;
    },
    grad: (b, node, dy) => [b.op('place_part', [dy, node.inputs[0]], node.attrs)],
    dependence: indexMap(({ attrs, inputs: [x], output }) => {
      const ax = x && axisIn(attrs.axis, x.length);
      if (ax === null || ax === undefined) return null;
      return { from: output.map((_, o) => [{ slot: 0, axis: o < ax ? o : o + 1 }]) };
    }),
  }),
  op<PartAttrs>({
    name: 'place_part',
    internal: true,
    doc: 'Zeros shaped like `like`, with `x` at entry `index` along `axis`.',
    params: [],
    infer: ([x, like]) => ({ dtype: x.dtype, shape: like.shape }),
    kernel: ([x, like], attrs, out, ctx) => {
      const axis = normalizeAxis(attrs.axis, like.shape.length, 0);
      const index = attrs.index;
      const inner = stridesOf(like.shape)[axis];
      const outer = sizeOf(like.shape.slice(0, axis));
      const data = ctx.alloc(out.dtype, sizeOf(like.shape));
      for (let o = 0; o < outer; o++) {
        const dst = o * like.shape[axis] * inner + index * inner;
        data.set(x.data.subarray(o * inner, (o + 1) * inner) as never, dst);
      }
      return data;
    },
    grad: (b, node, dy) => [b.op('unstack_part', [dy], node.attrs), null],
    dependence: scatter({ forward: (attrs) => ({ op: 'unstack_part', attrs, inputs: [-1] }), value: 0, carries: firstOnly }),
  }),
  {
    name: 'unstack',
    aliases: ['unpack'],
    doc: 'Splits a tensor along `axis` into a list of tensors (the axis size must be known).',
    params: [
      { name: 'value', kind: 'tensor', aliases: ['x'] },
      { name: 'num', kind: 'int', default: null },
      { name: 'axis', kind: 'axis', default: 0 },
    ],
    build: (b, args): Value => {
      const x = args.tensor('value');
      const axisValue = args.int('axis');
      if (x.type.shape === null) throw new BuildError('unstack needs a tensor of known rank', args.span('value'), 'unknown-shape');
      let axis: number;
      try {
        axis = normalizeAxis(axisValue, x.type.shape.length, 0);
      } catch (e) {
        throw new BuildError((e as Error).message, args.span('axis'), 'bad-axis');
      }
      const n = args.optionalInt('num') ?? x.type.shape[axis];
      if (n !== null && (n < 0 || n > MAX_SPLIT_PARTS))
        throw new BuildError(
          `unstack would make ${n} parts; at most ${MAX_SPLIT_PARTS} are supported`,
          args.span(args.has('num') ? 'num' : 'value'),
          'bad-argument',
        );
      if (n === null)
        throw new BuildError(`unstack needs the size of axis ${axis} (it is unknown, ?); pass num=`, args.span('value'), 'unknown-shape');
      return {
        kind: 'list',
        items: Array.from({ length: n }, (_, index) =>
          tensorValue(b.apply('unstack_part', [x], { axis, index }, args.callSpan, [args.span('value')])),
        ),
      };
    },
  },
  op<AxisAttrs>({
    name: 'concat',
    aliases: ['concatenate'],
    doc: 'Joins tensors along an existing axis; the other sizes must agree.',
    params: [
      { name: 'values', kind: 'tensors', group: 'T' },
      { name: 'axis', kind: 'axis' },
    ],
    build: buildListOp,
    infer: (inputs, attrs) => {
      if (inputs.length === 0) throw new ArgError('needs at least one tensor', 'values');
      const dtype = inputs[0].dtype;
      inputs.forEach((t, i) => {
        if (t.dtype !== dtype) throw new OpError(`element ${i} is ${t.dtype} but element 0 is ${dtype}`, i, 'dtype-mismatch');
      });
      const firstKnown = inputs.findIndex((t) => t.shape !== null);
      if (firstKnown < 0) return { dtype, shape: null };
      const ref = inputs[firstKnown].shape!;
      const rank = ref.length;
      if (rank === 0) throw new OpError('cannot concatenate scalars (use stack)', firstKnown);
      const axis = axisArg(attrs.axis, ref, 'axis');
      const out: Dim[] = ref.slice();
      // Which element each known size came from, to name both sides of a conflict.
      const from: number[] = ref.map(() => firstKnown);
      let axisSize: Dim = 0;
      inputs.forEach((t, i) => {
        if (t.shape === null) {
          axisSize = null;
          return;
        }
        if (t.shape.length !== rank) {
          throw new OpError(
            `element ${i} has shape ${showShape(t.shape)} but element ${firstKnown} has shape ${showShape(ref)}: ranks differ (${t.shape.length} vs ${rank})`,
            i,
          );
        }
        t.shape.forEach((d, k) => {
          if (k === axis) return;
          if (dimsConflict(d, out[k])) {
            throw new OpError(
              `element ${i} has shape ${showShape(t.shape)} but element ${from[k]} has shape ${showShape(inputs[from[k]].shape)}: sizes must agree on every axis but the concat axis ${axis} (axis ${k}: ${d} vs ${out[k]})`,
              i,
            );
          }
          if (out[k] === null && d !== null) from[k] = i;
          out[k] = mergeDim(out[k], d);
        });
        const d = t.shape[axis];
        axisSize = axisSize === null || d === null ? null : axisSize + d;
      });
      out[axis] = axisSize;
      return { dtype, shape: out };
    },
    kernel: (inputs, attrs, out, ctx) => {
      const axis = normalizeAxis(attrs.axis, out.shape.length, 0);
      const inner = sizeOf(out.shape.slice(axis + 1));
      const outer = sizeOf(out.shape.slice(0, axis));
      const data = ctx.alloc(out.dtype, sizeOf(out.shape));
      let dst = 0;
      for (let o = 0; o < outer; o++) {
        for (const t of inputs) {
          const chunk = t.shape[axis] * inner;
          data.set(t.data.subarray(o * chunk, (o + 1) * chunk) as never, dst);
          dst += chunk;
        }
      }
      return data;
    },
    // TensorFlow's _ConcatGrad: each input gets its slice of dy, at offsets read from the
    // inputs' runtime shapes.
    grad: (b, node, dy) => node.inputs.map((_, index) => b.op('concat_part', [dy, ...node.inputs], { axis: node.attrs.axis, index })),
    dependence: indexMap((ctx) => joinFlow(ctx, 'concat'), { joins: true }),
  }),
  op<PartAttrs>({
    name: 'concat_part',
    internal: true,
    doc: "The slice of a concat result `dy` that came from input `index` (offsets from the inputs' runtime shapes).",
    params: [],
    infer: ([dy, ...parts], attrs) => {
      const part = parts[attrs.index];
      if (part.shape === null || dy.shape === null) return { dtype: dy.dtype, shape: part.shape };
      const axis = normalizeAxis(attrs.axis, dy.shape.length, 0);
      return { dtype: dy.dtype, shape: part.shape.map((d, k) => (k === axis ? d : mergeDim(d, dy.shape![k]))) };
    },
    kernel: ([dy, ...parts], attrs, out, ctx) => {
      const axis = normalizeAxis(attrs.axis, dy.shape.length, 0);
      const index = attrs.index;
      let begin = 0;
      for (let i = 0; i < index; i++) begin += parts[i].shape[axis];
      return sliceAxis(dy.data, dy.shape, axis, begin, parts[index].shape[axis], ctx.alloc(out.dtype, sizeOf(out.shape)));
    },
    // Its adjoint puts the slice back between zeros: a concat.
    grad: (b, node, ddy) => {
      const parts = node.inputs.slice(1);
      const index = node.attrs.index;
      const pieces = parts.map((p, j) => (j === index ? ddy : b.zerosLike(p)));
      return [b.op('concat', pieces, { axis: node.attrs.axis }), ...parts.map(() => null)];
    },
    dependence: indexMap(({ output }) => positionalFlow(output.length), { carries: firstOnly }),
  }),
  op<SplitAttrs>({
    name: 'split',
    doc: 'Splits a tensor along `axis` into `num_or_size_splits` equal parts, or parts of the given sizes (one may be -1).',
    params: [
      { name: 'value', kind: 'tensor', aliases: ['x', 'input'] },
      { name: 'num_or_size_splits', kind: 'value', aliases: ['num_or_sizes', 'num_split', 'size_splits'] },
      { name: 'axis', kind: 'axis', default: 0 },
      { name: 'num', kind: 'int', default: null },
    ],
    // Its node only checks the sizes and passes x on: the parts spell the split.
    spell: (_attrs, [x]) => x,
    build: (b, args): Value => {
      const x = args.tensor('value');
      const splitsNode = b.toTensor(args.value('num_or_size_splits'), args.span('num_or_size_splits'));
      const isNum = splitsNode.type.shape !== null && splitsNode.type.shape.length === 0;
      const num = isNum ? args.int('num_or_size_splits') : null;
      const sizes = isNum ? null : args.ints('num_or_size_splits');
      const blame = (m: string) => new BuildError(`split: ${m}`, args.span('num_or_size_splits'), 'shape-mismatch');
      if (num !== null && num <= 0) throw blame(`the number of parts must be positive, got ${num}`);
      if (sizes !== null) {
        if (sizes.length === 0) throw blame('the list of sizes is empty');
        if (sizes.filter((v) => v === -1).length > 1)
          throw blame(`sizes ${showShape(sizes.map((v) => (v === -1 ? null : v)))} may hold at most one -1`);
        if (sizes.some((v) => v < -1)) throw blame(`sizes must be non-negative (or one -1), got [${sizes.join(', ')}]`);
      }
      const count = num ?? sizes!.length;
      // Each part is a node: bound the count before making them.
      if (count > MAX_SPLIT_PARTS) throw blame(`split would make ${count} parts; at most ${MAX_SPLIT_PARTS} are supported`);
      const givenNum = args.optionalInt('num');
      if (givenNum !== null && givenNum !== count)
        throw new BuildError(`split: num=${givenNum} but the split makes ${count} parts`, args.span('num'), 'bad-argument');
      let axis = args.int('axis');
      const shape = x.type.shape;
      if (shape !== null) {
        try {
          axis = normalizeAxis(axis, shape.length, 0);
        } catch (e) {
          throw new BuildError(`split: ${(e as Error).message} (shape ${showShape(shape)})`, args.span('axis'), 'bad-axis');
        }
        splitSizes(shape[axis], { num, sizes }, shape, blame);
      }
      const spans = [args.span('value')];
      // When the axis size is unknown statically, one `split` node checks the sizes at
      // evaluation and passes x through, so a bad split is reported once, not per part.
      const checked =
        shape !== null && shape[axis] !== null
          ? x
          : b.apply('split', [x], { axis, num, sizes, index: 0 } satisfies SplitAttrs, args.callSpan, spans);
      return {
        kind: 'list',
        items: Array.from({ length: count }, (_, index) =>
          tensorValue(b.apply('split_part', [checked], { axis, num, sizes, index } satisfies SplitAttrs, args.callSpan, spans)),
        ),
      };
    },
    infer: ([x], attrs) => {
      if (x.shape !== null) {
        const a = attrs;
        splitSizes(x.shape[normalizeAxis(a.axis, x.shape.length, 0)], a, x.shape, (m) => new OpError(m, 0));
      }
      return x;
    },
    kernel: ([x]) => x.data,
    grad: (_b, _node, dy) => [dy],
    dependence: indexMap(({ output }) => positionalFlow(output.length)),
  }),
  op<SplitAttrs>({
    name: 'split_part',
    internal: true,
    doc: 'Part `index` of a split of `x` along `axis`.',
    params: [],
    spell: (attrs, [x]) => {
      const a = attrs;
      return `split(${x}, ${a.sizes ? `[${a.sizes.join(', ')}]` : a.num}, axis=${a.axis})[${a.index}]`;
    },
    infer: ([x], attrs) => {
      if (x.shape === null) return { dtype: x.dtype, shape: null };
      const a = attrs;
      const axis = normalizeAxis(a.axis, x.shape.length, 0);
      const sizes = splitSizes(x.shape[axis], a, x.shape, (m) => new OpError(m, 0));
      return { dtype: x.dtype, shape: x.shape.map((d, k) => (k === axis ? sizes[a.index] : d)) };
    },
    kernel: ([x], attrs, out, ctx) => {
      const { axis, begin, len } = splitBounds(x.shape, attrs);
      return sliceAxis(x.data, x.shape, axis, begin, len, ctx.alloc(out.dtype, sizeOf(out.shape)));
    },
    // TensorFlow's _SplitGrad concatenates the parts' gradients; per part, that is the
    // part's gradient placed at its offset among zeros.
    grad: (b, node, dy) => [b.op('split_place', [dy, node.inputs[0]], node.attrs)],
    dependence: indexMap(({ output }) => positionalFlow(output.length)),
  }),
  op<SplitAttrs>({
    name: 'split_place',
    internal: true,
    doc: 'Zeros shaped like `like`, with `x` at the place of split part `index`.',
    params: [],
    infer: ([x, like]) => ({ dtype: x.dtype, shape: like.shape }),
    kernel: ([x, like], attrs, out, ctx) => {
      const { axis, begin, len } = splitBounds(like.shape, attrs);
      if (x.data.length !== sizeOf(like.shape.map((d, k) => (k === axis ? len : d))))
        throw new OpError(`gradient of shape ${showShape(x.shape)} does not fit split part ${attrs.index} of ${showShape(like.shape)}`);
      return placeAxis(x.data, like.shape, axis, begin, len, ctx.alloc(out.dtype, sizeOf(out.shape)));
    },
    grad: (b, node, dy) => [b.op('split_part', [dy], node.attrs), null],
    dependence: scatter({ forward: (attrs) => ({ op: 'split_part', attrs, inputs: [-1] }), value: 0, carries: firstOnly }),
  }),
]);
