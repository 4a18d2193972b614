// The reductions with their own folding kernels: prod, max, min, logsumexp, all, any,
// count_nonzero. Where TensorFlow's gradient is more than a broadcast (prod with zeros, ties
// of max/min) it is reproduced from python/ops/math_grad.py with other ops, so gradients of
// gradients work.

import { type Builder } from '../../builder';
import type { Node } from '../../graph';
import { type DType, type Tensor, type TypedData, sizeOf } from '../../tensor';
import { OpError } from '../../types';
import { type Dependence, reductionOver } from '../dependence';
import { resolveAxes } from '../kernels';
import { type ConcreteType, type KernelContext, type NodeOf, type OpDef, defineOps } from '../registry';
import { axisErrorsAtAxis, groupIndex, keepDims, reducedType, reductionParams, spreadBack, type ReduceAttrs } from './reduction';

function axesOf(attrs: ReduceAttrs, rank: number): number[] {
  return resolveAxes(attrs.axis ?? null, rank);
}

type Fold = 'prod' | 'max' | 'min' | 'all' | 'any' | 'count_nonzero' | 'logsumexp';

/** The identities of max and min for integer dtypes: their extremes (TensorFlow's lowest()
 *  and highest(); int64's are beyond what tgraph holds exactly, which the evaluator reports). */
const INT_EXTREMES: Partial<Record<string, [number, number]>> = {
  int32: [-2147483648, 2147483647],
  int64: [-(2 ** 63), 2 ** 63],
};

/** The folding kernels of the reductions below: one tight loop per kind. */
function fold(kind: Fold, x: Tensor, attrs: ReduceAttrs, out: ConcreteType, ctx: KernelContext): TypedData {
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
  return (inputs: readonly Tensor[], attrs: ReduceAttrs, out: ConcreteType): Int32Array => {
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

/** A reduction primitive with one of the folding kernels above. */
function folding(spec: {
  name: string;
  aliases?: string[];
  doc: string;
  kind: Fold;
  dtypes: 'numeric' | 'bool' | 'float' | 'any';
  grad?: OpDef<ReduceAttrs>['grad'];
  kink?: OpDef<ReduceAttrs>['kink'];
  dependence?: Dependence<ReduceAttrs>;
}): OpDef<ReduceAttrs> {
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
function minOrMaxGrad(b: Builder, node: NodeOf<ReduceAttrs>, dy: Node): Node[] {
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
defineOps([
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
      const axes = node.attrs.axis ?? null;
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
  axisErrorsAtAxis<ReduceAttrs & { dtype: DType | null }>({
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
      return reducedType(x, attrs, attrs.dtype);
    },
    kernel: ([x], attrs, out, ctx) => fold('count_nonzero', x, attrs, out, ctx),
  }),
]);
