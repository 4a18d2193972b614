// Sources of tensors: constants, placeholders, variables, filled tensors, ranges, and the
// deterministic feed generators.

import { type DType, type Tensor, allocData, coerceNumber, sizeOf } from '../tensor';
import { type Dim, type Shape, type TensorType, ArgError, OpError, showShape } from '../types';
import { type BoundArgs, type Builder, BuildError, Poisoned, type Value, tensorValue } from '../builder';
import type { Span } from '../syntax/ast';
import type { Node } from '../graph';
import { type ConstAttrs, defineOps, op } from './registry';
import { broadcastData } from './kernels';
import { elementwise, firstOnly } from './dependence';
import { Random } from './random';
import { formatCount, raiseHint } from '../budgets';
import { checkShapeInput, fedShape, fedSizes, fillFed } from './shape/fedShape';

/** Refuses shapes whose element count is over the builder's budget before allocating. */
export function checkedSize(b: Builder, shape: readonly number[], span: Span, what: string): number {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0)
      throw new BuildError(`${what}: sizes must be non-negative integers, got ${showShape(shape)}`, span, 'bad-shape');
  }
  const n = sizeOf(shape);
  if (n > b.maxElements) {
    throw new BuildError(
      `${what} of ${formatCount(n)} elements is over the ${formatCount(b.maxElements)} budget ${raiseHint('maxElements')}`,
      span,
      'budget-elements',
    );
  }
  return n;
}

export function concreteShape(_b: Builder, shape: (number | null)[] | null, span: Span, what: string): number[] {
  if (shape === null || shape.some((d) => d === null || d < 0)) {
    throw new BuildError(
      `${what} needs a fully known shape, got ${shape === null ? 'None' : showShape(shape.map((d) => (d === -1 ? null : d)))}`,
      span,
      'bad-shape',
    );
  }
  return shape as number[];
}

function filled(b: Builder, shape: number[], dtype: DType, value: number, span: Span): Node {
  const n = checkedSize(b, shape, span, 'tensor');
  const data = allocData(dtype, n);
  if (value !== 0) data.fill(coerceNumber(dtype, value));
  return b.constant({ dtype, shape, data }, span);
}

/** zeros / ones: `value` filled to the shape argument `param`, which may depend on a feed. */
function filledTo(b: Builder, args: BoundArgs, param: string, value: number, what: string): Value {
  const dtype = args.dtype('dtype');
  const fed = fedShape(b, args, param);
  if (fed) return tensorValue(fillFed(b, b.scalar(value, dtype), fed, args.callSpan));
  return tensorValue(filled(b, concreteShape(b, args.shape(param), args.span(param), what), dtype, value, args.callSpan));
}

/** A generator's output: a weak constant so that `feed` converts it to the placeholder's dtype. */
function generated(b: Builder, dtype: DType, shape: number[], values: (i: number) => number, span: Span): Value {
  const n = checkedSize(b, shape, span, 'generated tensor');
  const data = allocData(dtype, n, 'float64'); // rounded when it meets a dtype, as literals
  for (let i = 0; i < n; i++) data[i] = values(i);
  return tensorValue(b.constant({ dtype, shape, data }, span, true));
}

/** A node whose value is given while evaluating (a feed, a jacobian seed). */
type SourceAttrs = { dtype: DType; shape: Shape };

const RANGE_DTYPES: readonly DType[] = ['int32', 'int64', 'float32', 'float64'];

// TensorFlow's dtype: the result's, the input's when None.
const likeParams = [
  { name: 'input', kind: 'tensor' as const, aliases: ['tensor', 'x'] },
  { name: 'dtype', kind: 'dtype' as const, default: null },
  // TensorFlow 1's graph optimisation hint.
  { name: 'optimize', kind: 'bool' as const, default: true, keywordOnly: true },
];
const buildLike = (b: Builder, args: BoundArgs): Value => tensorValue(b.buildPrimitive(args.op, args, ['optimize']));
type LikeAttrs = { dtype?: DType | null };
const likeType = ([x]: readonly TensorType[], attrs: LikeAttrs): TensorType => ({
  dtype: attrs.dtype ?? x.dtype,
  shape: x.shape,
});

/** An input of the graph; "Open as graph" reads its shape. */
export const placeholderOp = op<SourceAttrs>({
  name: 'placeholder',
  doc: 'An input of the graph; its sample value comes from a `feed` statement.',
  params: [
    { name: 'dtype', kind: 'dtype' },
    { name: 'shape', kind: 'shape', default: null },
  ],
  infer: (_inputs, attrs) => ({ dtype: attrs.dtype, shape: attrs.shape }),
  // No kernel: a placeholder's value is its feed.
});

defineOps([
  op<ConstAttrs>({
    name: 'const',
    internal: true,
    doc: 'A constant tensor.',
    params: [],
    infer: (_inputs, attrs) => {
      const t = attrs.value;
      return { dtype: t.dtype, shape: t.shape };
    },
    kernel: (_inputs, attrs, out, ctx) => {
      const t = attrs.value;
      // Weak float literals hold doubles: round them where the document computes in float32.
      const wanted = ctx.alloc(out.dtype, 0).constructor;
      if (t.data.constructor === wanted) return t.data;
      const data = ctx.alloc(out.dtype, t.data.length);
      data.set(t.data as never);
      return data;
    },
  }),
  placeholderOp,
  op<SourceAttrs>({
    name: 'seed',
    internal: true,
    doc: 'A value set while evaluating (jacobian rows, gradient-check directions).',
    params: [],
    infer: (_inputs, attrs) => ({ dtype: attrs.dtype, shape: attrs.shape }),
  }),
  {
    name: 'variable',
    aliases: ['Variable'],
    doc: 'A variable with an initial value; a usual x of gradients.',
    params: [
      { name: 'initial_value', kind: 'tensor', aliases: ['value'] },
      { name: 'dtype', kind: 'dtype', default: null },
    ],
    build: (b, args) => {
      const dtype = args.optionalDType('dtype') ?? undefined;
      const init = args.tensor('initial_value', dtype);
      if (!init.constant)
        throw new BuildError('variable() needs an initial value known without feeds', args.span('initial_value'), 'not-constant');
      const cast = dtype && init.type.dtype !== dtype ? b.cast(init, dtype) : init;
      return tensorValue(b.apply('variable_value', [cast], {}, args.callSpan));
    },
  },
  {
    name: 'variable_value',
    internal: true,
    doc: 'The current value of a variable.',
    params: [{ name: 'initial_value', kind: 'tensor' }],
    infer: ([x]) => x,
    kernel: ([x]) => x.data,
    // A variable is a source: gradient reaches it (it can be an x) but not its initializer.
  },
  {
    name: 'constant',
    doc: 'A constant tensor from a value, optionally cast to `dtype` and filled to `shape`.',
    params: [
      { name: 'value', kind: 'tensor' },
      { name: 'dtype', kind: 'dtype', default: null },
      { name: 'shape', kind: 'shape', default: null },
      // TensorFlow 1's check that value already has `shape` (by keyword): tgraph checks the shape anyway.
      { name: 'verify_shape', kind: 'bool', default: false, keywordOnly: true },
    ],
    build: (b, args) => {
      const dtype = args.optionalDType('dtype') ?? undefined;
      let node = args.tensor('value', dtype);
      if (!node.constant) throw new BuildError('constant() needs a value known without feeds', args.span('value'), 'not-constant');
      if (dtype && node.type.dtype !== dtype) node = b.cast(node, dtype);
      const value = b.oracle.constantValue(node);
      // (Its evaluation failed, and said why.)
      if (!value) throw new Poisoned();
      let t: Tensor = value;
      const shape = args.shape('shape');
      if (shape) {
        const target = concreteShape(b, shape, args.span('shape'), 'constant()');
        const n = checkedSize(b, target, args.span('shape'), 'constant()');
        if (t.data.length === 1) t = { dtype: t.dtype, shape: target, data: broadcastData(t, target, allocData(t.dtype, n)) };
        else if (t.data.length === n) t = { dtype: t.dtype, shape: target, data: t.data };
        else
          throw new BuildError(
            `constant(): ${t.data.length} values do not fill shape ${showShape(target)}`,
            args.span('shape'),
            'shape-mismatch',
          );
      }
      return tensorValue(b.constant(t, args.callSpan));
    },
  },
  {
    name: 'zeros',
    doc: 'A tensor of zeros.',
    params: [
      { name: 'shape', kind: 'shape' },
      { name: 'dtype', kind: 'dtype', default: 'float32' },
    ],
    build: (b, args) => filledTo(b, args, 'shape', 0, 'zeros()'),
  },
  {
    name: 'ones',
    doc: 'A tensor of ones.',
    params: [
      { name: 'shape', kind: 'shape' },
      { name: 'dtype', kind: 'dtype', default: 'float32' },
    ],
    build: (b, args) => filledTo(b, args, 'shape', 1, 'ones()'),
  },
  {
    name: 'fill',
    doc: "A tensor of shape `dims` filled with `value` (its dtype is the value's).",
    params: [
      { name: 'dims', kind: 'shape', aliases: ['shape'] },
      { name: 'value', kind: 'tensor' },
    ],
    build: (b, args) => {
      const v = args.tensor('value');
      if (v.type.shape !== null && v.type.shape.length !== 0)
        throw new BuildError('fill(): value must be a scalar', args.span('value'), 'shape-mismatch');
      const fed = fedShape(b, args, 'dims');
      if (fed) return tensorValue(fillFed(b, v.weak ? b.castWeak(v, v.type.dtype, args.span('value')) : v, fed, args.callSpan));
      const shape = concreteShape(b, args.shape('dims'), args.span('dims'), 'fill()');
      checkedSize(b, shape, args.span('dims'), 'fill()');
      const zeros = filled(b, shape, v.type.dtype, 0, args.callSpan);
      return tensorValue(
        b.apply('broadcast_like', [v.weak ? b.castWeak(v, v.type.dtype, args.span('value')) : v, zeros], {}, args.callSpan),
      );
    },
  },
  op<{ known: (number | null)[] }>({
    name: 'fill_fed',
    internal: true,
    shownAs: 'fill',
    doc: 'A tensor of a shape that depends on a fed value, filled with a scalar.',
    params: [
      { name: 'value', kind: 'tensor' },
      { name: 'dims', kind: 'tensor' },
    ],
    infer: ([value, dims], attrs) => {
      checkShapeInput(dims);
      if (value.shape !== null && value.shape.length !== 0)
        throw new OpError(`value must be a scalar, got shape ${showShape(value.shape)}`, 0);
      const sizes = fedSizes(dims);
      if (sizes === null) return { dtype: value.dtype, shape: attrs.known as Dim[] };
      if (sizes.some((d) => d < 0)) throw new ArgError(`dims ${showShape(sizes)} has a negative size`, 'dims');
      return { dtype: value.dtype, shape: sizes };
    },
    kernel: ([value], _attrs, out, ctx) => ctx.alloc(out.dtype, sizeOf(out.shape), true).fill(value.data[0] as never),
    // Every element is the value: its gradient is the sum of the upstream gradient.
    grad: (b, _node, dy) => [b.reduceSum(dy, null), null],
    // The value broadcast to every element; the sizes lend the shape only.
    dependence: elementwise({ carries: firstOnly }),
  }),
  op<LikeAttrs>({
    name: 'zeros_like',
    doc: 'Zeros with the shape and dtype of the input.',
    params: likeParams,
    build: buildLike,
    infer: likeType,
    kernel: ([x], _attrs, out, ctx) => ctx.alloc(out.dtype, x.data.length),
  }),
  op<LikeAttrs>({
    name: 'ones_like',
    doc: 'Ones with the shape and dtype of the input.',
    params: likeParams,
    build: buildLike,
    infer: likeType,
    kernel: ([x], _attrs, out, ctx) => ctx.alloc(out.dtype, x.data.length).fill(1),
  }),
  {
    name: 'range',
    doc: 'Numbers from start (inclusive) to limit (exclusive) by delta; range(n) is 0..n-1.',
    params: [
      { name: 'start', kind: 'tensor' },
      { name: 'limit', kind: 'tensor', default: null },
      { name: 'delta', kind: 'tensor', default: 1 },
      { name: 'dtype', kind: 'dtype', default: null },
    ],
    build: (b, args) => {
      const nums = ['start', 'limit', 'delta'].filter((p) => !args.isNone(p));
      const tensors = nums.map((p) => args.tensor(p));
      const values = nums.map((p) => args.float(p));
      let [start, limit, delta] = values;
      if (nums.length === 2 && nums[1] === 'delta') [start, limit, delta] = [0, values[0], values[1]];
      else if (args.isNone('limit')) [start, limit, delta] = [0, values[0], values[1] ?? 1];
      delta = delta ?? 1;
      if (delta === 0) throw new BuildError('range(): delta must not be 0', args.span('delta'), 'bad-argument');
      // TensorFlow: the widest of the arguments' dtypes in int32 < int64 < float32 < float64.
      const widest = tensors.reduce((w, t) => Math.max(w, RANGE_DTYPES.indexOf(t.type.dtype)), 0);
      if (tensors.some((t) => !RANGE_DTYPES.includes(t.type.dtype))) {
        const bad = nums.find((_, i) => !RANGE_DTYPES.includes(tensors[i].type.dtype))!;
        throw new BuildError(`range(): \`${bad}\` must be int32, int64, float32 or float64`, args.span(bad), 'dtype-mismatch');
      }
      const explicit = args.optionalDType('dtype');
      // A Python number converts to an explicit dtype as tf.range's convert_to_tensor does:
      // range(0.5, 3, dtype=int32) and 3e9 for int32 are TensorFlow's errors, not truncations.
      if (explicit) nums.forEach((p, i) => tensors[i].weak && b.castWeak(tensors[i], explicit, args.span(p)));
      const dtype = explicit ?? RANGE_DTYPES[widest];
      const count = Math.max(0, Math.ceil((limit - start) / delta));
      checkedSize(b, [count], args.callSpan, 'range()');
      const data = allocData(dtype, count);
      for (let i = 0; i < count; i++) data[i] = coerceNumber(dtype, start + i * delta);
      return tensorValue(b.constant({ dtype, shape: [count], data }, args.callSpan));
    },
  },
  // ---- feed generators: deterministic for a seed on every machine (see random.ts) ----
  {
    name: 'randint',
    doc: 'Random integers in [low, high) of the given shape (deterministic for a seed).',
    params: [
      { name: 'low', kind: 'int' },
      { name: 'high', kind: 'int' },
      { name: 'shape', kind: 'shape', aliases: ['size'] },
      { name: 'seed', kind: 'int', default: 0 },
    ],
    build: (b, args) => {
      const low = args.int('low');
      const high = args.int('high');
      if (high <= low)
        throw new BuildError(`randint(): high (${high}) must be greater than low (${low})`, args.span('high'), 'bad-argument');
      const shape = concreteShape(b, args.shape('shape'), args.span('shape'), 'randint()');
      const rng = new Random(args.int('seed'));
      return generated(b, 'int32', shape, () => rng.integer(low, high), args.callSpan);
    },
  },
  {
    name: 'uniform',
    doc: 'Uniform random floats in [low, high) of the given shape (deterministic for a seed).',
    params: [
      { name: 'shape', kind: 'shape' },
      { name: 'low', kind: 'float', default: 0, aliases: ['minval'] },
      { name: 'high', kind: 'float', default: 1, aliases: ['maxval'] },
      { name: 'seed', kind: 'int', default: 0 },
    ],
    build: (b, args) => {
      const shape = concreteShape(b, args.shape('shape'), args.span('shape'), 'uniform()');
      const low = args.float('low');
      const high = args.float('high');
      const rng = new Random(args.int('seed'));
      return generated(b, 'float32', shape, () => low + (high - low) * rng.uniform(), args.callSpan);
    },
  },
  {
    name: 'normal',
    doc: 'Normal random floats with the given mean and stddev (deterministic for a seed).',
    params: [
      { name: 'shape', kind: 'shape' },
      { name: 'mean', kind: 'float', default: 0 },
      { name: 'stddev', kind: 'float', default: 1 },
      { name: 'seed', kind: 'int', default: 0 },
    ],
    build: (b, args) => {
      const shape = concreteShape(b, args.shape('shape'), args.span('shape'), 'normal()');
      const mean = args.float('mean');
      const stddev = args.float('stddev');
      const rng = new Random(args.int('seed'));
      return generated(b, 'float32', shape, () => mean + stddev * rng.normal(), args.callSpan);
    },
  },
]);

export { OpError };
