// Reductions over axes (`axis=None` reduces everything, negative axes count from the end).
// Their gradients broadcast the upstream gradient back over the reduced axes.

import type { Builder } from '../builder';
import type { Node } from '../graph';
import { sizeOf } from '../tensor';
import { type TensorType, OpError, normalizeAxis } from '../types';
import { type Attrs, type OpDef, defineOps } from './registry';
import { reduceAxes, resolveAxes } from './kernels';

/** Output type of reducing `x` over `attrs.axis` (keepdims as `attrs.keepdims`). */
export function reducedType(x: TensorType, attrs: Attrs, dtype = x.dtype): TensorType {
  if (x.shape === null) return { dtype, shape: null };
  const rank = x.shape.length;
  const axes = attrs.axis === null || attrs.axis === undefined ? null : (attrs.axis as number[]);
  if (axes) axes.forEach((a) => normalizeAxis(a, Math.max(rank, 1), 0));
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
  let g = dy;
  for (const axis of reducedAxes(node)) g = b.op('expand_dims', [g], { axis });
  return g;
}

/** dy of a reduction broadcast back to the input's shape. */
export function spreadBack(b: Builder, node: Node, dy: Node): Node {
  return b.broadcastLike(keepDims(b, node, dy), node.inputs[0]);
}

export const reductionParams = [
  { name: 'input_tensor', kind: 'tensor' as const, aliases: ['x', 'input', 'tensor'], dtypes: 'numeric' as const },
  { name: 'axis', kind: 'axes' as const, default: null, aliases: ['reduction_indices', 'axes'] },
  { name: 'keepdims', kind: 'bool' as const, default: false, aliases: ['keep_dims'] },
];

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
}): OpDef {
  return {
    name: spec.name,
    aliases: spec.aliases,
    doc: spec.doc,
    params: reductionParams.map((p, i) => (i === 0 && spec.dtypes ? { ...p, dtypes: spec.dtypes } : p)),
    infer: ([x], attrs) => reducedType(x, attrs, spec.outDType),
    kernel: ([x], attrs, out, ctx) =>
      reduceAxes(x, resolveAxes((attrs.axis as number[] | null) ?? null, x.shape.length), ctx.alloc(out.dtype, sizeOf(out.shape)), spec.init, spec.combine, spec.finish),
    grad: spec.grad,
  };
}

defineOps([
  reduction({
    name: 'reduce_sum',
    aliases: ['sum'],
    doc: 'Sum of elements across axes.',
    init: 0,
    combine: (a, v) => a + v,
    grad: (b, node, dy) => [spreadBack(b, node, dy)],
  }),
  reduction({
    name: 'reduce_mean',
    aliases: ['mean'],
    doc: 'Mean of elements across axes.',
    init: 0,
    combine: (a, v) => a + v,
    finish: (a, n) => a / n,
    grad: (b, node, dy) => [b.div(spreadBack(b, node, dy), b.op('reduced_count', [node.inputs[0]], { axis: node.attrs.axis ?? null }))],
  }),
  {
    name: 'reduced_count',
    internal: true,
    doc: 'How many elements a reduction over `axis` folds into each output (runtime sizes).',
    params: [{ name: 'x', kind: 'tensor' }, { name: 'axis', kind: 'axes', default: null }],
    infer: ([x]) => ({ dtype: x.dtype, shape: [] }),
    kernel: ([x], attrs, out, ctx) => {
      const axes = resolveAxes((attrs.axis as number[] | null) ?? null, x.shape.length);
      const data = ctx.alloc(out.dtype, 1);
      data[0] = axes.reduce((n, a) => n * x.shape[a], 1);
      return data;
    },
  },
]);

export { OpError };
