// Reductions over axes (`axis=None` reduces everything, negative axes count from the end):
// the axis checks, the reduction record every reduction is made from, `reduce_sum` and
// `reduce_mean`. Reduction gradients broadcast the upstream gradient back over the reduced
// axes.

import { type Builder, BuildError, tensorValue } from '../../builder';
import type { Node } from '../../graph';
import { sizeOf } from '../../tensor';
import { type TensorType, OpError } from '../../types';
import { firstOnly, indexMap, reductionOver, reshapeFlow } from '../dependence';
import { ADD, reduceAxes, resolveAxes } from '../kernels';
import { type Attrs, type NodeOf, type OpDef, defineOps, op } from '../registry';

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

/** A reduction's attributes: the axes (null: all) and whether to keep them as size 1
 *  (the gradients' own reductions leave it out). */
export type ReduceAttrs = { axis: number[] | null; keepdims?: boolean };

/** Output type of reducing `x` over `attrs.axis` (keepdims as `attrs.keepdims`). */
export function reducedType(x: TensorType, attrs: ReduceAttrs, dtype = x.dtype): TensorType {
  if (x.shape === null) return { dtype, shape: null };
  const rank = x.shape.length;
  const axes = attrs.axis ?? null;
  if (axes) checkAxes(axes, rank);
  const reduced = new Set(resolveAxes(axes, rank));
  const keep = attrs.keepdims === true;
  const shape = keep ? x.shape.map((d, i) => (reduced.has(i) ? 1 : d)) : x.shape.filter((_, i) => !reduced.has(i));
  return { dtype, shape };
}

export function reducedAxes(node: NodeOf<ReduceAttrs>): number[] {
  const rank = node.inputs[0].type.shape?.length ?? 0;
  return resolveAxes(node.attrs.axis ?? null, rank);
}

/** dy of a reduction, with the reduced axes restored as size-1 axes. */
export function keepDims(b: Builder, node: NodeOf<ReduceAttrs>, dy: Node): Node {
  if (node.attrs.keepdims) return dy;
  // Unknown rank (a placeholder of shape None): which axes were reduced is known only at
  // run time.
  if (node.inputs[0].type.shape === null) return b.op('keep_reduced_dims', [dy, node.inputs[0]], { axis: node.attrs.axis ?? null });
  let g = dy;
  for (const axis of reducedAxes(node)) g = b.op('expand_dims', [g], { axis });
  return g;
}

/** dy of a reduction broadcast back to the input's shape. */
export function spreadBack(b: Builder, node: NodeOf<ReduceAttrs>, dy: Node): Node {
  return b.broadcastLike(keepDims(b, node, dy), node.inputs[0]);
}

export const reductionParams = [
  { name: 'input_tensor', kind: 'tensor' as const, aliases: ['x', 'input', 'tensor', 'a'], dtypes: 'numeric' as const },
  { name: 'axis', kind: 'axes' as const, default: null, aliases: ['reduction_indices', 'axes'] },
  { name: 'keepdims', kind: 'bool' as const, default: false, aliases: ['keep_dims'] },
];

/** Gives a primitive op a surface `build` that reports axis errors (code `bad-axis`) at the
 *  `axis` argument instead of at the input tensor. The node made is the same primitive. */
export function axisErrorsAtAxis<A extends Attrs>(def: OpDef<A>, axisParam = 'axis'): OpDef<A> {
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
  grad?: OpDef<ReduceAttrs>['grad'];
  dtypes?: 'numeric' | 'bool' | 'float';
  outDType?: TensorType['dtype'];
  /** The sum divided by the count (reduce_mean). */
  mean?: boolean;
}): OpDef<ReduceAttrs> {
  return axisErrorsAtAxis({
    name: spec.name,
    aliases: spec.aliases,
    doc: spec.doc,
    params: reductionParams.map((p, i) => (i === 0 && spec.dtypes ? { ...p, dtypes: spec.dtypes } : p)),
    infer: ([x], attrs) => reducedType(x, attrs, spec.outDType),
    kernel: ([x], attrs, out, ctx) =>
      reduceAxes(
        x,
        resolveAxes(attrs.axis ?? null, x.shape.length),
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
  op<{ axis: number[] | null }>({
    name: 'reduced_count',
    internal: true,
    doc: 'How many elements a reduction over `axis` folds into each output (runtime sizes).',
    params: [
      { name: 'x', kind: 'tensor' },
      { name: 'axis', kind: 'axes', default: null },
    ],
    infer: ([x]) => ({ dtype: x.dtype, shape: [] }),
    kernel: ([x], attrs, out, ctx) => {
      const axes = resolveAxes(attrs.axis ?? null, x.shape.length);
      const data = ctx.alloc(out.dtype, 1);
      data[0] = axes.reduce((n, a) => n * x.shape[a], 1);
      return data;
    },
  }),
  op<{ axis: number[] | null }>({
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
  }),
]);
