// The scans (`cumsum`, `cumprod`, `cumulative_logsumexp`) and `argmax`/`argmin` along one axis.

import type { Builder } from '../../builder';
import type { Node } from '../../graph';
import { type DType, type Tensor, type TypedData, isInteger, sizeOf, stridesOf } from '../../tensor';
import { OpError } from '../../types';
import { resolveAxes } from '../kernels';
import { type AxisAttrs, type ConcreteType, type KernelContext, type OpDef, defineOps } from '../registry';
import { divNoNaN } from './folds';
import { axisErrorsAtAxis, checkAxes, groupIndex } from './reduction';

/** Axes a scan (`cumsum`/`cumprod`) runs along: the public ops take one `axis`; the
 *  gradient of reduce_prod scans the flattened group of its reduced axes (`axes`, null
 *  meaning all), as TensorFlow's _ProdGrad does after its transpose and reshape. */
/** cumsum's and cumprod's (`axes` only on reduce_prod's gradient's). */
type ScanAttrs = { axis?: number | null; axes?: number[] | null; exclusive?: boolean; reverse?: boolean };

function scanAxes(attrs: ScanAttrs, rank: number): number[] {
  if (attrs.axes !== undefined) {
    const axes = attrs.axes;
    if (axes) checkAxes(axes, rank);
    return resolveAxes(axes, rank);
  }
  if (attrs.axis === null || attrs.axis === undefined) throw new OpError('axis must be an integer, not None', 0, 'bad-axis');
  return checkAxes([attrs.axis], rank);
}

/** How a scan folds: a sum, a product, or log(exp(a) + exp(b)). */
type ScanFold = 'sum' | 'prod' | 'logsumexp';

/** log(exp(a) + exp(b)) as TensorFlow's scan computes it: log1p(exp(min − max)) + max, and
 *  −Inf while both are −Inf (its start value). */
function logAddExp(a: number, b: number): number {
  const high = Math.max(a, b);
  if (high === -Infinity) return high;
  return Math.log1p(Math.exp(Math.min(a, b) - high)) + high;
}

function scanKernel(fold: ScanFold, x: Tensor, attrs: ScanAttrs, out: ConcreteType, ctx: KernelContext): TypedData {
  const isProd = fold === 'prod';
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
  if (fold === 'logsumexp') acc.fill(-Infinity);
  const start = reverse ? n - 1 : 0;
  const step = reverse ? -1 : 1;
  for (let k = 0, i = start; k < n; k++, i += step) {
    const g = group[i];
    const before = acc[g];
    const after =
      fold === 'logsumexp'
        ? logAddExp(before, src[i])
        : isProd
          ? isInt
            ? Math.imul(before, src[i])
            : before * src[i]
          : isInt
            ? (before + src[i]) | 0
            : before + src[i];
    acc[g] = after;
    data[i] = exclusive ? before : after;
  }
  return data;
}

function argKernel(isMax: boolean, x: Tensor, attrs: AxisAttrs, out: ConcreteType, ctx: KernelContext): TypedData {
  const axis = checkAxes([attrs.axis], x.shape.length)[0];
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
/** TensorFlow's _CumulativeLogsumexpGrad: dy split into its positive and negative parts so
 *  that their logs exist (the dtype's lowest where a part is empty), each scanned in the other
 *  direction against the output, in log space. */
function logsumexpGrad(b: Builder, node: Node, dy: Node): Node {
  const x = node.inputs[0];
  const dtype = dy.type.dtype;
  const lowest = b.scalar(dtype === 'float64' ? -Number.MAX_VALUE : -FLOAT32_MAX, dtype);
  const zero = b.scalar(0, dtype);
  const one = b.scalar(1, dtype);
  // (the log of 1 where the part is empty, not of dy: no NaN made only to be thrown away)
  const logPart = (positive: boolean) => {
    const inPart = positive ? b.op('greater', [dy, zero]) : b.op('less', [dy, zero]);
    const size = positive ? dy : b.op('negative', [dy]);
    return b.op('where', [inPart, b.op('log', [b.op('where', [inPart, size, one])]), lowest]);
  };
  const part = (positive: boolean) =>
    b.op('exp', [
      b.add(b.op('cumulative_logsumexp', [b.sub(logPart(positive), node)], { ...node.attrs, reverse: node.attrs.reverse !== true }), x),
    ]);
  return b.sub(part(true), part(false));
}

const FLOAT32_MAX = 3.4028234663852886e38;

const SCAN_DOCS: Record<ScanFold, string> = {
  sum: 'Cumulative sum along `axis` (exclusive: leave each element out; reverse: from the end).',
  prod: "Cumulative product along `axis` (exclusive: leave each element out; reverse: from the end); its gradient is TensorFlow's, 0 at a zero input.",
  logsumexp:
    'Cumulative log(sum(exp(x))) along `axis`, without overflow (exclusive: leave each element out, -inf first; reverse: from the end).',
};

function scanOp(fold: ScanFold): OpDef<ScanAttrs> {
  const isProd = fold === 'prod';
  const name = fold === 'logsumexp' ? 'cumulative_logsumexp' : isProd ? 'cumprod' : 'cumsum';
  return axisErrorsAtAxis({
    name,
    doc: SCAN_DOCS[fold],
    params: [
      { name: 'x', kind: 'tensor', dtypes: fold === 'logsumexp' ? 'float' : 'numeric', aliases: ['input', 'a'] },
      { name: 'axis', kind: 'axis', default: 0 },
      { name: 'exclusive', kind: 'bool', default: false },
      { name: 'reverse', kind: 'bool', default: false },
    ],
    infer: ([x], attrs) => {
      if (x.shape !== null) scanAxes(attrs, x.shape.length);
      return x;
    },
    kernel: ([x], attrs, out, ctx) => scanKernel(fold, x, attrs, out, ctx),
    makesInfinity: fold === 'logsumexp' ? (attrs) => attrs.exclusive === true : undefined,
    grad:
      fold === 'logsumexp'
        ? (b, node, dy) => [logsumexpGrad(b, node, dy)]
        : isProd
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

function argOp(isMax: boolean): OpDef<{ axis: number | null; output_type: DType }> {
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
      const dtype = attrs.output_type;
      if (!isInteger(dtype)) throw new OpError(`output_type must be int32 or int64, got ${String(dtype)}`, undefined, 'dtype-mismatch');
      if (x.shape === null) return { dtype, shape: null };
      const axis = checkAxes([attrs.axis ?? 0], x.shape.length)[0];
      return { dtype, shape: x.shape.filter((_, i) => i !== axis) };
    },
    kernel: ([x], attrs, out, ctx) => argKernel(isMax, x, { axis: attrs.axis ?? 0 }, out, ctx),
    // No gradient: the output is an integer index (TensorFlow registers none).
  });
}
defineOps([argOp(true), argOp(false), scanOp('sum'), scanOp('prod'), scanOp('logsumexp')]);
