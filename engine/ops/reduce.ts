// Reductions over axes (`axis=None` reduces everything, negative axes count from the end),
// the scans (`cumsum`, `cumprod`), `argmax`/`argmin`, `allclose` and `norm`.
// Reduction gradients broadcast the upstream gradient back over the reduced axes; where
// TensorFlow's rule is more than that (prod with zeros, ties of max/min) it is reproduced
// from python/ops/math_grad.py with other ops, so gradients of gradients work.

import { type Builder, BuildError, checkDTypeClass, tensorValue } from '../builder';
import type { Node } from '../graph';
import { type DType, type Tensor, type TypedData, isInteger, sizeOf, stridesOf } from '../tensor';
import { type TensorType, OpError, broadcastShapes } from '../types';
import { type Attrs, type ConcreteType, type KernelContext, type OpDef, defineOps } from './registry';
import { ADD, reduceAxes, resolveAxes } from './kernels';
import { type Dependence, firstOnly, indexMap, reductionOver, reshapeFlow } from './dependence';

/** Validates `axes` against `rank` as TensorFlow does: each in [-rank, rank), no axis named
 *  twice. Errors carry the code `bad-axis`, which `axisErrorsAtAxis` moves to the axis
 *  argument. */
export function checkAxes(axes: readonly number[], rank: number, what = 'axis'): number[] {
  const seen = new Map<number, number>();
  return axes.map((a) => {
    if (!Number.isInteger(a) || a < -rank || a >= rank) {
      throw new OpError(`${what} ${a} is out of range for a tensor of rank ${rank}`, 0, 'bad-axis');
    }
    const n = a < 0 ? a + rank : a;
    const earlier = seen.get(n);
    if (earlier !== undefined) throw new OpError(`${what} names axis ${n} twice (${earlier} and ${a})`, 0, 'bad-axis');
    seen.set(n, a);
    return n;
  });
}

/** Output type of reducing `x` over `attrs.axis` (keepdims as `attrs.keepdims`). */
export function reducedType(x: TensorType, attrs: Attrs, dtype = x.dtype): TensorType {
  if (x.shape === null) return { dtype, shape: null };
  const rank = x.shape.length;
  const axes = attrs.axis === null || attrs.axis === undefined ? null : (attrs.axis as number[]);
  if (axes) checkAxes(axes, rank);
  const reduced = new Set(resolveAxes(axes, rank));
  const keep = attrs.keepdims === true;
  const shape = keep ? x.shape.map((d, i) => (reduced.has(i) ? 1 : d)) : x.shape.filter((_, i) => !reduced.has(i));
  return { dtype, shape };
}

export function reducedAxes(node: Node): number[] {
  const rank = node.inputs[0].type.shape?.length ?? 0;
  return resolveAxes((node.attrs.axis as number[] | null) ?? null, rank);
}

/** dy of a reduction, with the reduced axes restored as size-1 axes. */
export function keepDims(b: Builder, node: Node, dy: Node): Node {
  if (node.attrs.keepdims) return dy;
  // Unknown rank (a placeholder of shape None): which axes were reduced is known only at
  // run time.
  if (node.inputs[0].type.shape === null) return b.op('keep_reduced_dims', [dy, node.inputs[0]], { axis: node.attrs.axis ?? null });
  let g = dy;
  for (const axis of reducedAxes(node)) g = b.op('expand_dims', [g], { axis });
  return g;
}

/** dy of a reduction broadcast back to the input's shape. */
export function spreadBack(b: Builder, node: Node, dy: Node): Node {
  return b.broadcastLike(keepDims(b, node, dy), node.inputs[0]);
}

export const reductionParams = [
  { name: 'input_tensor', kind: 'tensor' as const, aliases: ['x', 'input', 'tensor', 'a'], dtypes: 'numeric' as const },
  { name: 'axis', kind: 'axes' as const, default: null, aliases: ['reduction_indices', 'axes'] },
  { name: 'keepdims', kind: 'bool' as const, default: false, aliases: ['keep_dims'] },
];

/** Gives a primitive op a surface `build` that reports axis errors (code `bad-axis`) at the
 *  `axis` argument instead of at the input tensor. The node made is the same primitive. */
export function axisErrorsAtAxis(def: OpDef, axisParam = 'axis'): OpDef {
  return {
    ...def,
    build: (b, args) => {
      try {
        return tensorValue(b.buildPrimitive(def, args));
      } catch (e) {
        if (e instanceof BuildError && e.code === 'bad-axis' && args.has(axisParam))
          throw new BuildError(e.message, args.span(axisParam), e.code);
        throw e;
      }
    },
  };
}

/** A reduction whose kernel folds with `combine` from `init`, then `finish`. */
export function reduction(spec: {
  name: string;
  aliases?: string[];
  doc: string;
  init: number;
  combine: (acc: number, v: number) => number;
  finish?: (acc: number, count: number) => number;
  grad?: OpDef['grad'];
  dtypes?: 'numeric' | 'bool' | 'float';
  outDType?: TensorType['dtype'];
  /** The sum divided by the count (reduce_mean). */
  mean?: boolean;
}): OpDef {
  return axisErrorsAtAxis({
    name: spec.name,
    aliases: spec.aliases,
    doc: spec.doc,
    params: reductionParams.map((p, i) => (i === 0 && spec.dtypes ? { ...p, dtypes: spec.dtypes } : p)),
    infer: ([x], attrs) => reducedType(x, attrs, spec.outDType),
    kernel: ([x], attrs, out, ctx) =>
      reduceAxes(
        x,
        resolveAxes((attrs.axis as number[] | null) ?? null, x.shape.length),
        ctx.alloc(out.dtype, sizeOf(out.shape)),
        spec.init,
        spec.combine,
        spec.finish,
      ),
    grad: spec.grad,
    dependence: reductionOver({ mean: spec.mean }),
  });
}

// ---- kernels ---------------------------------------------------------------------------

/** For every element of a tensor of `shape` (row-major), the index of the output element a
 *  reduction over `axes` folds it into. Computed once per kernel call so the folding loops
 *  below are plain array walks. Visiting i in increasing order visits each group's
 *  elements in row-major order of the reduced axes. */
export function groupIndex(shape: readonly number[], axes: readonly number[]): Int32Array {
  const rank = shape.length;
  const reduced = new Set(axes);
  const outStrides = new Array<number>(rank).fill(0);
  let s = 1;
  for (let i = rank - 1; i >= 0; i--) {
    if (!reduced.has(i)) {
      outStrides[i] = s;
      s *= shape[i];
    }
  }
  const n = sizeOf(shape);
  const group = new Int32Array(n);
  const idx = new Array<number>(rank).fill(0);
  let o = 0;
  for (let i = 0; i < n; i++) {
    group[i] = o;
    for (let k = rank - 1; k >= 0; k--) {
      idx[k]++;
      o += outStrides[k];
      if (idx[k] < shape[k]) break;
      o -= outStrides[k] * shape[k];
      idx[k] = 0;
    }
  }
  return group;
}

function axesOf(attrs: Attrs, rank: number): number[] {
  return resolveAxes((attrs.axis as number[] | null) ?? null, rank);
}

type Fold = 'prod' | 'max' | 'min' | 'all' | 'any' | 'count_nonzero' | 'logsumexp';

/** The identities of max and min for integer dtypes: their extremes (TensorFlow's lowest()
 *  and highest(); int64's are beyond what tgraph holds exactly, which the evaluator reports). */
const INT_EXTREMES: Partial<Record<string, [number, number]>> = {
  int32: [-2147483648, 2147483647],
  int64: [-(2 ** 63), 2 ** 63],
};

/** The folding kernels of the reductions below: one tight loop per kind. */
function fold(kind: Fold, x: Tensor, attrs: Attrs, out: ConcreteType, ctx: KernelContext): TypedData {
  const data = ctx.alloc(out.dtype, sizeOf(out.shape));
  const m = data.length;
  const src = x.data;
  const n = src.length;
  const group = groupIndex(x.shape, axesOf(attrs, x.shape.length));
  switch (kind) {
    case 'prod': {
      if (x.dtype === 'int32') {
        // int32 products wrap around as TensorFlow's do.
        const acc = new Int32Array(m).fill(1);
        for (let i = 0; i < n; i++) acc[group[i]] = Math.imul(acc[group[i]], src[i]);
        data.set(acc);
      } else {
        const acc = new Float64Array(m).fill(1);
        for (let i = 0; i < n; i++) acc[group[i]] *= src[i];
        data.set(acc);
      }
      return data;
    }
    case 'max':
    case 'min': {
      // Empty groups give the identity (-inf/+inf for floats, the integer extremes), as
      // TensorFlow. A NaN propagates (NumPy and TensorFlow 2 agree).
      const isMax = kind === 'max';
      const [lowest, highest] = INT_EXTREMES[x.dtype] ?? [-Infinity, Infinity];
      const acc = new Float64Array(m).fill(isMax ? lowest : highest);
      if (isMax) {
        for (let i = 0; i < n; i++) {
          const v = src[i];
          const g = group[i];
          if (v > acc[g] || v !== v) acc[g] = v;
        }
      } else {
        for (let i = 0; i < n; i++) {
          const v = src[i];
          const g = group[i];
          if (v < acc[g] || v !== v) acc[g] = v;
        }
      }
      data.set(acc);
      return data;
    }
    case 'all': {
      data.fill(1);
      for (let i = 0; i < n; i++) if (!src[i]) data[group[i]] = 0;
      return data;
    }
    case 'any': {
      for (let i = 0; i < n; i++) if (src[i]) data[group[i]] = 1;
      return data;
    }
    case 'count_nonzero': {
      // NaN != 0, so NaN counts (TensorFlow compares with not_equal).
      const acc = new Float64Array(m);
      for (let i = 0; i < n; i++) if (src[i] !== 0) acc[group[i]]++;
      data.set(acc);
      return data;
    }
    case 'logsumexp': {
      // TensorFlow's reduce_logsumexp: m = max (0 where it is not finite), then
      // log(sum(exp(x - m))) + m, so large inputs do not overflow.
      const max = new Float64Array(m).fill(-Infinity);
      for (let i = 0; i < n; i++) {
        const v = src[i];
        const g = group[i];
        if (v > max[g] || v !== v) max[g] = v;
      }
      for (let g = 0; g < m; g++) if (!Number.isFinite(max[g])) max[g] = 0;
      const sum = new Float64Array(m);
      for (let i = 0; i < n; i++) sum[group[i]] += Math.exp(src[i] - max[group[i]]);
      for (let g = 0; g < m; g++) data[g] = Math.log(sum[g]) + max[g];
      return data;
    }
  }
}

/** Branch codes of reduce_max/reduce_min for gradient checks (OpDef.kink): per output,
 *  1 + the flat index of the element that wins, or 0 where several tie. */
function extremeCodes(isMax: boolean) {
  return (inputs: readonly Tensor[], attrs: Attrs, out: ConcreteType): Int32Array => {
    const x = inputs[0];
    const codes = new Int32Array(sizeOf(out.shape));
    const best = new Float64Array(codes.length);
    const tied = new Uint8Array(codes.length);
    const group = groupIndex(x.shape, axesOf(attrs, x.shape.length));
    const src = x.data;
    for (let i = 0; i < src.length; i++) {
      const g = group[i];
      const v = src[i];
      if (codes[g] === 0 && !tied[g]) {
        best[g] = v;
        codes[g] = i + 1;
      } else if (isMax ? v > best[g] : v < best[g]) {
        best[g] = v;
        codes[g] = i + 1;
        tied[g] = 0;
      } else if (v === best[g]) tied[g] = 1;
    }
    for (let g = 0; g < codes.length; g++) if (tied[g]) codes[g] = 0;
    return codes;
  };
}

/** Axes a scan (`cumsum`/`cumprod`) runs along: the public ops take one `axis`; the
 *  gradient of reduce_prod scans the flattened group of its reduced axes (`axes`, null
 *  meaning all), as TensorFlow's _ProdGrad does after its transpose and reshape. */
function scanAxes(attrs: Attrs, rank: number): number[] {
  if (attrs.axes !== undefined) {
    const axes = attrs.axes as number[] | null;
    if (axes) checkAxes(axes, rank);
    return resolveAxes(axes, rank);
  }
  if (attrs.axis === null || attrs.axis === undefined) throw new OpError('axis must be an integer, not None', 0, 'bad-axis');
  return checkAxes([attrs.axis as number], rank);
}

function scanKernel(isProd: boolean, x: Tensor, attrs: Attrs, out: ConcreteType, ctx: KernelContext): TypedData {
  const src = x.data;
  const n = src.length;
  const data = ctx.alloc(out.dtype, n);
  const axes = scanAxes(attrs, x.shape.length);
  const groups = sizeOf(x.shape.filter((_, i) => !axes.includes(i)));
  const group = groupIndex(x.shape, axes);
  const exclusive = attrs.exclusive === true;
  const reverse = attrs.reverse === true;
  // int32 sums and products wrap around as TensorFlow's do; int64 ones are exact below 2^53.
  const isInt = x.dtype === 'int32';
  const acc = isInt ? new Int32Array(groups) : new Float64Array(groups);
  if (isProd) acc.fill(1);
  const start = reverse ? n - 1 : 0;
  const step = reverse ? -1 : 1;
  for (let k = 0, i = start; k < n; k++, i += step) {
    const g = group[i];
    const before = acc[g];
    const after = isProd ? (isInt ? Math.imul(before, src[i]) : before * src[i]) : isInt ? (before + src[i]) | 0 : before + src[i];
    acc[g] = after;
    data[i] = exclusive ? before : after;
  }
  return data;
}

function argKernel(isMax: boolean, x: Tensor, attrs: Attrs, out: ConcreteType, ctx: KernelContext): TypedData {
  const axis = checkAxes([attrs.axis as number], x.shape.length)[0];
  const data = ctx.alloc(out.dtype, sizeOf(out.shape));
  const m = data.length;
  const size = x.shape[axis];
  if (size === 0 && m > 0) throw new OpError(`${isMax ? 'argmax' : 'argmin'} of an empty axis (axis ${axis} has size 0)`, 0);
  const stride = stridesOf(x.shape)[axis];
  const group = groupIndex(x.shape, [axis]);
  const best = new Float64Array(m);
  const seen = new Uint8Array(m);
  const src = x.data;
  // Each group is visited in increasing position along the axis: a strict comparison keeps
  // the first index at ties, and a NaN is kept only when it comes first (Eigen's ArgMax,
  // which TensorFlow uses, and TensorFlow.js agree).
  for (let i = 0; i < src.length; i++) {
    const g = group[i];
    const v = src[i];
    if (!seen[g]) {
      seen[g] = 1;
      best[g] = v;
      data[g] = Math.floor(i / stride) % size;
    } else if (isMax ? v > best[g] : v < best[g]) {
      best[g] = v;
      data[g] = Math.floor(i / stride) % size;
    }
  }
  return data;
}

/** numpy.isclose for one pair: equal values (equal infinities included) are close; NaN is
 *  close to nothing unless `equalNaN`; else |a - b| <= atol + rtol * |b|. */
function isClose(a: number, b: number, rtol: number, atol: number, equalNaN: boolean): boolean {
  if (a === b) return true;
  if (a !== a || b !== b) return equalNaN && a !== a && b !== b;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  return Math.abs(a - b) <= atol + rtol * Math.abs(b);
}

// ---- ops -------------------------------------------------------------------------------

/** A reduction primitive with one of the folding kernels above. */
function folding(spec: {
  name: string;
  aliases?: string[];
  doc: string;
  kind: Fold;
  dtypes: 'numeric' | 'bool' | 'float' | 'any';
  grad?: OpDef['grad'];
  kink?: OpDef['kink'];
  dependence?: Dependence;
}): OpDef {
  return axisErrorsAtAxis({
    name: spec.name,
    aliases: spec.aliases,
    doc: spec.doc,
    params: reductionParams.map((p, i) => (i === 0 ? { ...p, dtypes: spec.dtypes } : p)),
    infer: ([x], attrs) => reducedType(x, attrs),
    kernel: ([x], attrs, out, ctx) => fold(spec.kind, x, attrs, out, ctx),
    grad: spec.grad,
    dependence: spec.dependence,
    kink: spec.kink,
  });
}

/** TensorFlow's _MinOrMaxGrad: the upstream gradient is split equally among the elements
 *  equal to the result (TensorFlow.js instead gives each tied element all of it). */
function minOrMaxGrad(b: Builder, node: Node, dy: Node): Node[] {
  const x = node.inputs[0];
  const yKept = keepDims(b, node, node);
  const indicators = b.cast(b.op('equal', [yKept, x]), x.type.dtype);
  const selected = b.op('reduce_sum', [indicators], { axis: node.attrs.axis ?? null, keepdims: true });
  return [b.mul(b.div(indicators, selected), keepDims(b, node, dy))];
}

/** TensorFlow's div_no_nan(a, b) (0 where b == 0) from where/divide, with the inner where
 *  keeping the unused branch finite so that its gradient is div_no_nan's too. */
export function divNoNaN(b: Builder, num: Node, den: Node): Node {
  const zero = b.op('equal', [den, b.scalar(0, den.type.dtype)]);
  const safe = b.where(zero, b.onesLike(den), den);
  return b.where(zero, b.zerosLike(num), b.div(num, safe));
}

function scanOp(isProd: boolean): OpDef {
  const name = isProd ? 'cumprod' : 'cumsum';
  return axisErrorsAtAxis({
    name,
    doc: isProd
      ? "Cumulative product along `axis` (exclusive: leave each element out; reverse: from the end); its gradient is TensorFlow's, 0 at a zero input."
      : 'Cumulative sum along `axis` (exclusive: leave each element out; reverse: from the end).',
    params: [
      { name: 'x', kind: 'tensor', dtypes: 'numeric', aliases: ['input', 'a'] },
      { name: 'axis', kind: 'axis', default: 0 },
      { name: 'exclusive', kind: 'bool', default: false },
      { name: 'reverse', kind: 'bool', default: false },
    ],
    infer: ([x], attrs) => {
      if (x.shape !== null) scanAxes(attrs, x.shape.length);
      return x;
    },
    kernel: ([x], attrs, out, ctx) => scanKernel(isProd, x, attrs, out, ctx),
    grad: isProd
      ? // TensorFlow's _CumprodGrad: div_no_nan(cumsum(cumprod(x) * dy, reversed), x). Exact
        // where x has no zeros (and 0 at a zero, as TensorFlow).
        (b, node, dy) => {
          const x = node.inputs[0];
          const out = b.op('cumsum', [b.mul(node, dy)], { ...node.attrs, reverse: node.attrs.reverse !== true });
          return [divNoNaN(b, out, x)];
        }
      : // TensorFlow's _CumsumGrad: the cumsum of dy in the other direction.
        (b, node, dy) => [b.op('cumsum', [dy], { ...node.attrs, reverse: node.attrs.reverse !== true })],
    dependence: {
      kind: 'scan',
      // reduce_prod's gradient scans the flattened group of its reduced axes (`axes`).
      axes: ({ attrs, inputs: [x] }) => {
        if (!x) return null;
        try {
          return scanAxes(attrs, x.length);
        } catch {
          return null;
        }
      },
      reverse: (attrs) => attrs.reverse === true,
      exclusive: (attrs) => attrs.exclusive === true,
    },
  });
}

function argOp(isMax: boolean): OpDef {
  return axisErrorsAtAxis({
    name: isMax ? 'argmax' : 'argmin',
    aliases: isMax ? ['arg_max'] : ['arg_min'],
    doc: `Index of the ${isMax ? 'largest' : 'smallest'} value along \`axis\` (default 0; the first at ties), as int64 (or \`output_type\` int32).`,
    params: [
      { name: 'input', kind: 'tensor', dtypes: 'numeric', aliases: ['x', 'a'] },
      { name: 'axis', kind: 'axis', default: null, aliases: ['dimension'] },
      { name: 'output_type', kind: 'dtype', default: 'int64' },
    ],
    tf1Positional: ['input', 'axis', 'name', 'dimension', 'output_type'],
    infer: ([x], attrs) => {
      const dtype = attrs.output_type as DType;
      if (!isInteger(dtype)) throw new OpError(`output_type must be int32 or int64, got ${String(dtype)}`, undefined, 'dtype-mismatch');
      if (x.shape === null) return { dtype, shape: null };
      const axis = checkAxes([(attrs.axis as number | null) ?? 0], x.shape.length)[0];
      return { dtype, shape: x.shape.filter((_, i) => i !== axis) };
    },
    kernel: ([x], attrs, out, ctx) => argKernel(isMax, x, { axis: (attrs.axis as number | null) ?? 0 }, out, ctx),
    // No gradient: the output is an integer index (TensorFlow registers none).
  });
}

defineOps([
  reduction({
    name: 'reduce_sum',
    aliases: ['sum'],
    doc: 'Sum of elements across axes.',
    init: 0,
    combine: ADD,
    grad: (b, node, dy) => [spreadBack(b, node, dy)],
  }),
  reduction({
    name: 'reduce_mean',
    aliases: ['mean'],
    doc: 'Mean of elements across axes.',
    init: 0,
    combine: ADD,
    finish: (a, n) => a / n,
    mean: true,
    grad: (b, node, dy) => [b.div(spreadBack(b, node, dy), b.op('reduced_count', [node.inputs[0]], { axis: node.attrs.axis ?? null }))],
  }),
  {
    name: 'reduced_count',
    internal: true,
    doc: 'How many elements a reduction over `axis` folds into each output (runtime sizes).',
    params: [
      { name: 'x', kind: 'tensor' },
      { name: 'axis', kind: 'axes', default: null },
    ],
    infer: ([x]) => ({ dtype: x.dtype, shape: [] }),
    kernel: ([x], attrs, out, ctx) => {
      const axes = resolveAxes((attrs.axis as number[] | null) ?? null, x.shape.length);
      const data = ctx.alloc(out.dtype, 1);
      data[0] = axes.reduce((n, a) => n * x.shape[a], 1);
      return data;
    },
  },
  {
    name: 'keep_reduced_dims',
    internal: true,
    doc: 'Reshapes the result of a reduction of `like` over `axis` to keep the reduced axes as size 1.',
    params: [],
    infer: ([x, like], attrs) => {
      if (like.shape === null) return { dtype: x.dtype, shape: null };
      return reducedType({ dtype: x.dtype, shape: like.shape }, { axis: attrs.axis, keepdims: true });
    },
    kernel: ([x], _attrs, out, ctx) => {
      const n = sizeOf(out.shape);
      if (x.data.length !== n)
        throw new OpError(`cannot restore the reduced axes: ${x.data.length} values for shape [${out.shape.join(', ')}]`);
      const data = ctx.alloc(out.dtype, n);
      data.set(x.data as never);
      return data;
    },
    grad: (b, node, dy) => [b.reshapeLike(dy, node.inputs[0]), null],
    dependence: indexMap(reshapeFlow, { carries: firstOnly }),
  },
  folding({
    name: 'reduce_prod',
    aliases: ['prod'],
    doc: 'Product of elements across axes (the gradient is exact with zeros in the input).',
    kind: 'prod',
    dtypes: 'numeric',
    // TensorFlow's _ProdGrad: each element's gradient is dy times the product of the other
    // elements of its group, from two exclusive cumprods (left and right of it), never
    // dividing by the element, so zeros are handled: with one zero, the zero's gradient is
    // the product of the others and every other gradient is 0.
    grad: (b, node, dy) => {
      const x = node.inputs[0];
      const axes = (node.attrs.axis as number[] | null) ?? null;
      const left = b.op('cumprod', [x], { axes, exclusive: true, reverse: false });
      const right = b.op('cumprod', [x], { axes, exclusive: true, reverse: true });
      return [b.mul(spreadBack(b, node, dy), b.mul(left, right))];
    },
    dependence: reductionOver({ verb: 'multiplies' }),
  }),
  folding({
    name: 'reduce_max',
    doc: 'Maximum of elements across axes; at ties the gradient is split equally (TensorFlow).',
    kind: 'max',
    dtypes: 'numeric',
    grad: minOrMaxGrad,
    dependence: reductionOver({ verb: 'takes the maximum of', select: 'max' }),
    kink: { what: 'reduce_max (a tie for the maximum)', codes: extremeCodes(true) },
  }),
  folding({
    name: 'reduce_min',
    doc: 'Minimum of elements across axes; at ties the gradient is split equally (TensorFlow).',
    kind: 'min',
    dtypes: 'numeric',
    grad: minOrMaxGrad,
    dependence: reductionOver({ verb: 'takes the minimum of', select: 'min' }),
    kink: { what: 'reduce_min (a tie for the minimum)', codes: extremeCodes(false) },
  }),
  folding({
    name: 'reduce_logsumexp',
    aliases: ['logsumexp'],
    doc: 'log(sum(exp(x))) across axes, computed stably (shifted by the maximum).',
    kind: 'logsumexp',
    dtypes: 'float',
    // d/dx log Σ exp(x) = exp(x - y): the softmax of the group. TensorFlow's composite
    // (log, reduce_sum, exp, with the max shift under stop_gradient) gives the same.
    grad: (b, node, dy) => {
      const x = node.inputs[0];
      return [b.mul(keepDims(b, node, dy), b.op('exp', [b.sub(x, keepDims(b, node, node))]))];
    },
    dependence: reductionOver({ verb: 'combines' }),
  }),
  folding({ name: 'reduce_all', aliases: ['all'], doc: 'Logical AND across axes (True for an empty group).', kind: 'all', dtypes: 'bool' }),
  folding({ name: 'reduce_any', aliases: ['any'], doc: 'Logical OR across axes (False for an empty group).', kind: 'any', dtypes: 'bool' }),
  axisErrorsAtAxis({
    name: 'count_nonzero',
    doc: 'Number of non-zero (or True) elements across axes, as `dtype` (int64 by default).',
    params: [
      { name: 'input', kind: 'tensor', dtypes: 'any', aliases: ['input_tensor', 'x', 'a'] },
      ...reductionParams.slice(1),
      { name: 'dtype', kind: 'dtype', default: 'int64' },
    ],
    infer: ([x], attrs) => {
      if (attrs.dtype === 'bool' || attrs.dtype === null || attrs.dtype === undefined) {
        throw new OpError(
          `dtype must be numeric (int32, int64, float32, float64), got ${attrs.dtype === 'bool' ? 'bool' : 'None'}`,
          undefined,
          'dtype-mismatch',
        );
      }
      return reducedType(x, attrs, attrs.dtype as TensorType['dtype']);
    },
    kernel: ([x], attrs, out, ctx) => fold('count_nonzero', x, attrs, out, ctx),
  }),
  argOp(true),
  argOp(false),
  scanOp(false),
  scanOp(true),
  {
    name: 'allclose',
    doc: 'True when every |a - b| <= atol + rtol * |b| (NumPy; broadcasting; NaN is never close unless equal_nan).',
    params: [
      { name: 'a', kind: 'tensor', dtypes: 'numeric', aliases: ['x'] },
      { name: 'b', kind: 'tensor', dtypes: 'numeric', aliases: ['y'] },
      { name: 'rtol', kind: 'float', default: 1e-5 },
      { name: 'atol', kind: 'float', default: 1e-8 },
      { name: 'equal_nan', kind: 'bool', default: false },
    ],
    // NumPy compares values whatever their dtypes, so a and b need not share one.
    infer: ([a, b]) => {
      broadcastShapes(a.shape, b.shape, 1);
      return { dtype: 'bool', shape: [] };
    },
    kernel: ([a, b], attrs, out, ctx) => {
      const data = ctx.alloc(out.dtype, 1);
      const shape = broadcastShapes(a.shape, b.shape, 1) as number[];
      const rtol = attrs.rtol as number;
      const atol = attrs.atol as number;
      const equalNaN = attrs.equal_nan === true;
      const A = a.data;
      const B = b.data;
      const n = sizeOf(shape);
      data[0] = 1;
      if (A.length === n && B.length === n) {
        for (let i = 0; i < n; i++) {
          if (!isClose(A[i], B[i], rtol, atol, equalNaN)) {
            data[0] = 0;
            break;
          }
        }
        return data;
      }
      // Broadcast: walk the output index, reading each side through its own strides.
      const rank = shape.length;
      const stride = (s: readonly number[]) => {
        const st = stridesOf(s);
        const lead = rank - s.length;
        return shape.map((_, i) => (i < lead || s[i - lead] === 1 ? 0 : st[i - lead]));
      };
      const sa = stride(a.shape);
      const sb = stride(b.shape);
      const idx = new Array<number>(rank).fill(0);
      let ia = 0;
      let ib = 0;
      for (let o = 0; o < n; o++) {
        if (!isClose(A[ia], B[ib], rtol, atol, equalNaN)) {
          data[0] = 0;
          break;
        }
        for (let k = rank - 1; k >= 0; k--) {
          idx[k]++;
          ia += sa[k];
          ib += sb[k];
          if (idx[k] < shape[k]) break;
          ia -= sa[k] * shape[k];
          ib -= sb[k] * shape[k];
          idx[k] = 0;
        }
      }
      return data;
    },
  },
  normOp(),
]);

// ---- norm ------------------------------------------------------------------------------

/** tf.norm: built from other ops exactly as TensorFlow's linalg_ops.norm, so its values and
 *  gradient are TensorFlow's (the euclidean norm's gradient x / norm is NaN at 0). */
function normOp(): OpDef {
  const op: OpDef = {
    name: 'norm',
    doc: "Vector norm (ord 'euclidean'/2, 1, inf or p > 0) over axis (None: all elements), or a matrix norm over a pair of axes ('fro', 1, inf).",
    params: [
      { name: 'tensor', kind: 'tensor', dtypes: 'float', aliases: ['x', 'input', 'a'] },
      { name: 'ord', kind: 'value', default: 'euclidean' },
      { name: 'axis', kind: 'axes', default: null },
      { name: 'keepdims', kind: 'bool', default: false, aliases: ['keep_dims'] },
    ],
    build: (b, args) => {
      const x = args.tensor('tensor');
      checkDTypeClass(op, op.params[0], x, args.span('tensor'));
      const keepdims = args.bool('keepdims');
      const rawAxes = args.axes('axis');
      const ordValue = args.value('ord');
      let ord: string | number;
      if (ordValue.kind === 'string') ord = ordValue.value.toLowerCase();
      else if (ordValue.kind === 'none') ord = 'euclidean';
      else ord = args.float('ord');
      const isMatrix = rawAxes !== null && rawAxes.length === 2;
      if (rawAxes !== null && rawAxes.length !== 1 && rawAxes.length !== 2) {
        throw new BuildError('norm(): axis must be None, an integer, or a pair of distinct integers', args.span('axis'), 'bad-axis');
      }
      let axes = rawAxes;
      if (rawAxes && x.type.shape !== null) {
        try {
          axes = checkAxes(rawAxes, x.type.shape.length);
        } catch (e) {
          if (e instanceof OpError) throw new BuildError(`norm(): ${e.message}`, args.span('axis'), 'bad-axis');
          throw e;
        }
      } else if (isMatrix && rawAxes![0] === rawAxes![1]) {
        throw new BuildError('norm(): a matrix norm needs two distinct axes', args.span('axis'), 'bad-axis');
      }
      const ordText = typeof ord === 'string' ? `'${ord}'` : String(ord);
      if (isMatrix) {
        if (ord === 2) {
          throw new BuildError(
            "norm(): ord=2 of a matrix is its largest singular value, which needs an SVD (not available); use 'fro', 1 or inf",
            args.span('ord'),
            'bad-argument',
          );
        }
        if (ord !== 'euclidean' && ord !== 'fro' && ord !== 1 && ord !== Infinity) {
          throw new BuildError(
            `norm(): a matrix norm takes ord 'euclidean', 'fro', 1, 2 or inf, got ${ordText}`,
            args.span('ord'),
            'bad-argument',
          );
        }
      } else if (ord === 'fro') {
        throw new BuildError(
          "norm(): ord='fro' is a matrix norm: pass axis=[a, b] (the vector equivalent is 'euclidean')",
          args.span('ord'),
          'bad-argument',
        );
      } else if (typeof ord === 'string' ? ord !== 'euclidean' : !(ord > 0)) {
        throw new BuildError(
          `norm(): ord must be 'euclidean', 1, 2, inf or a positive number, got ${ordText}`,
          args.span('ord'),
          'bad-argument',
        );
      }
      const at = (name: string, inputs: Node[], attrs: Attrs = {}) => b.apply(name, inputs, attrs, args.callSpan, [args.span('tensor')]);
      const dtype = x.type.dtype;
      let result: Node;
      if (ord === 'euclidean' || ord === 'fro' || ord === 2) {
        result = at('sqrt', [at('reduce_sum', [at('multiply', [x, x])], { axis: axes, keepdims })]);
      } else {
        const magnitude = at('abs', [x]);
        if (ord === 1) {
          if (!isMatrix) result = at('reduce_sum', [magnitude], { axis: axes, keepdims });
          else {
            // Largest column sum: sum over axis[0], then max over axis[1] (and the now
            // size-1 axis[0], which drops it unless keepdims).
            const sums = at('reduce_sum', [magnitude], { axis: [axes![0]], keepdims: true });
            result = at('reduce_max', [sums], { axis: axes, keepdims });
          }
        } else if (ord === Infinity) {
          if (!isMatrix) result = at('reduce_max', [magnitude], { axis: axes, keepdims });
          else {
            // Largest row sum.
            const sums = at('reduce_sum', [magnitude], { axis: [axes![1]], keepdims: true });
            result = at('reduce_max', [sums], { axis: axes, keepdims });
          }
        } else {
          const p = ord as number;
          const powered = at('pow', [magnitude, b.scalar(p, dtype, args.span('ord'))]);
          result = at('pow', [at('reduce_sum', [powered], { axis: axes, keepdims }), b.scalar(1 / p, dtype, args.span('ord'))]);
        }
      }
      return tensorValue(result);
    },
  };
  return op;
}

export { OpError };
