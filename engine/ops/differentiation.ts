// Differentiation as surface functions: `gradients` (TensorFlow 1.x semantics), `gradient`,
// `jacobian`, `batch_jacobian`, `hessians`, `hessian`. All build ordinary graph nodes via
// autodiff; jacobians add one node whose kernel evaluates the gradient subgraph once per
// output element, with that element's one-hot seed as grad_ys.

import { type Builder, type BoundArgs, BuildError, NONE, type Value, tensorValue } from '../builder';
import type { Span } from '../syntax/ast';
import type { Node } from '../graph';
import { type GradientSite, buildGradients } from '../autodiff';
import { type Tensor, isFloat, sizeOf } from '../tensor';
import { type Shape, OpError } from '../types';
import { defineOps, op, type KernelContext } from './registry';
import { raiseHint } from '../budgets';

/** Accepts a tensor or a (possibly nested) list of tensors; `None` entries are refused. */
function tensorList(b: Builder, value: Value, span: Span, what: string): Node[] {
  b.checkFlatCount(value, span);
  return flatTensors(b, value, span, what);
}

function flatTensors(b: Builder, value: Value, span: Span, what: string): Node[] {
  if (value.kind === 'list') return value.items.flatMap((v) => flatTensors(b, v, span, what));
  if (value.kind === 'none') throw new BuildError(`${what} contains None`, span, 'type-mismatch');
  return [b.toTensor(value, span)];
}

function optionalList(b: Builder, args: BoundArgs, name: string): Node[] {
  return args.isNone(name) ? [] : tensorList(b, args.value(name), args.span(name), name);
}

function unconnectedMode(args: BoundArgs): 'none' | 'zero' {
  if (!args.has('unconnected_gradients')) return 'none';
  const raw = args
    .string('unconnected_gradients')
    .toLowerCase()
    .replace(/^unconnectedgradients\./, '');
  if (raw !== 'none' && raw !== 'zero') {
    throw new BuildError(
      `unconnected_gradients must be 'none' or 'zero', got '${raw}'`,
      args.span('unconnected_gradients'),
      'bad-argument',
    );
  }
  return raw;
}

/** Runs autodiff for a bound `gradients`-like call and records the site. */
export function differentiate(
  b: Builder,
  args: BoundArgs,
  ysName: string,
  xsName: string,
  gradYsName: string | null,
): { site: GradientSite; xsWasList: boolean } {
  const ysValue = args.value(ysName);
  const xsValue = args.value(xsName);
  const ys = tensorList(b, ysValue, args.span(ysName), ysName);
  const xs = tensorList(b, xsValue, args.span(xsName), xsName);
  let gradYs: (Node | null)[] = ys.map(() => null);
  if (gradYsName && !args.isNone(gradYsName)) {
    const gv = args.value(gradYsName);
    const items = ysValue.kind === 'list' ? (gv.kind === 'list' ? gv.items : [gv]) : [gv];
    if (items.length !== ys.length) {
      throw new BuildError(`${gradYsName} has ${items.length} entries but ys has ${ys.length}`, args.span(gradYsName), 'bad-argument');
    }
    gradYs = items.map((v, k) => (v.kind === 'none' ? null : b.toTensor(v, args.span(gradYsName), ys[k].type.dtype)));
  }
  const stopGradients = args.op.params.some((p) => p.name === 'stop_gradients') ? optionalList(b, args, 'stop_gradients') : [];
  const unconnected = args.op.params.some((p) => p.name === 'unconnected_gradients') ? unconnectedMode(args) : 'none';
  const result = buildGradients(b, {
    ys,
    xs,
    gradYs,
    stopGradients,
    unconnected,
    span: args.callSpan,
    gradYsSpans: ys.map(() => (gradYsName ? args.span(gradYsName) : args.callSpan)),
  });
  const site: GradientSite = {
    span: args.callSpan,
    ys,
    xs,
    gradYs,
    stopGradients,
    unconnected,
    context: b.context,
    grads: result.grads,
    path: result.path,
  };
  b.gradientSites.push(site);
  return { site, xsWasList: xsValue.kind === 'list' };
}

/** Large Jacobians are evaluated row by row, not as nodes: say so rather than give None. */
function refuseSecondOrder(node: Node): never {
  throw new BuildError(
    `cannot differentiate this Jacobian: it has more than ${UNROLLED_JACOBIAN_ROWS} rows or sizes unknown before feeding, so it is evaluated row by row rather than built from gradient nodes`,
    node.span,
    'not-differentiable',
  );
}

const asValue = (n: Node | null): Value => (n ? tensorValue(n) : NONE);

function concat(a: Shape, b: Shape): Shape {
  return a === null || b === null ? null : [...a, ...b];
}

/** Jacobians of at most this many rows are built as ordinary gradient nodes (one gradient
 *  graph per row of y), so they can be differentiated again; larger ones evaluate row by row. */
const UNROLLED_JACOBIAN_ROWS = 64;

/** A row-by-row Jacobian stops at the evaluation's deadline (a diagnostic on the node). */
function checkDeadline(ctx: KernelContext, row: number, rows: number): void {
  if ((row & 15) === 0 && Date.now() > ctx.deadline) throw outOfTime(row, rows);
  ctx.checkDeadline?.();
}

function outOfTime(row: number, rows: number): OpError {
  return new OpError(
    `stopped after ${row} of ${rows} rows: the time budget ran out ${raiseHint('evaluationTimeoutMs')}`,
    undefined,
    'budget-time',
  );
}

/** A row's gradient that could not be evaluated: the deadline passed inside it, or one of
 *  its nodes failed (its own diagnostic says why). */
function rowFailed(ctx: KernelContext, row: number, rows: number): OpError {
  if (Date.now() > ctx.deadline) return outOfTime(row, rows);
  return new OpError(`the gradient of row ${row} could not be evaluated`, undefined, 'evaluation-failed');
}

/** J[i..., j...] = ∂y[i...]/∂x[j...]. Small ones: a stack of one gradient per element of y
 *  (ordinary nodes: a Jacobian can be differentiated again); larger ones: one gradient graph
 *  with a seed as grad_ys, evaluated once per element. */
/** The Jacobians built, by their result node: the call that made them, whatever graph
 *  computes them (unrolled rows, or one row-by-row node), so that "Open as graph" writes
 *  `jacobian(y, x)` again. Weak: it lives as long as the graph. */
const jacobianCalls = new WeakMap<Node, { batched: boolean; y: Node; x: Node }>();

export function jacobianCallOf(node: Node): { batched: boolean; y: Node; x: Node } | undefined {
  return jacobianCalls.get(node);
}

export function buildJacobian(b: Builder, y: Node, x: Node, span: Span, batched: boolean): Node | null {
  const result = buildJacobianGraph(b, y, x, span, batched);
  if (result) jacobianCalls.set(result, { batched, y, x });
  return result;
}

function buildJacobianGraph(b: Builder, y: Node, x: Node, span: Span, batched: boolean): Node | null {
  if (!isFloat(y.type.dtype) || !isFloat(x.type.dtype)) return null;
  const yShape = y.type.shape;
  const xShape = x.type.shape;
  const rows = yShape && yShape.every((d) => d !== null) ? sizeOf(yShape as number[]) : null;
  if (
    !batched &&
    rows !== null &&
    rows > 0 &&
    rows <= UNROLLED_JACOBIAN_ROWS &&
    xShape &&
    (xShape.every((d) => d !== null) || yShape!.length === 1)
  ) {
    const columns = Array.from({ length: rows }, (_, i) => {
      const oneHot = new Float64Array(rows);
      oneHot[i] = 1;
      const seed = b.constant({ dtype: y.type.dtype, shape: yShape as number[], data: oneHot }, span);
      const { grads } = buildGradients(b, { ys: [y], xs: [x], gradYs: [seed], stopGradients: [], unconnected: 'zero', span });
      return grads[0]!;
    });
    const stacked = b.apply('stack', columns, { axis: 0, valuesCount: rows }, span);
    return yShape!.length === 1
      ? stacked
      : b.apply('reshape', [stacked], { shape: [...(yShape as number[]), ...(xShape as number[])] }, span);
  }
  const inner = yShape && yShape.length >= 1 && yShape.slice(1).every((d) => d !== null) ? sizeOf(yShape.slice(1) as number[]) : null;
  const xInner = xShape && xShape.length >= 1 && xShape.slice(1).every((d) => d !== null) ? (xShape.slice(1) as number[]) : null;
  if (batched && inner !== null && inner > 0 && inner <= UNROLLED_JACOBIAN_ROWS && xInner) {
    // Row i of every example at once: a one-hot over y's non-batch axes, broadcast over the batch.
    const columns = Array.from({ length: inner }, (_, i) => {
      const oneHot = new Float64Array(inner);
      oneHot[i] = 1;
      const row = b.constant({ dtype: y.type.dtype, shape: [1, ...(yShape!.slice(1) as number[])], data: oneHot }, span);
      const seed = b.broadcastLike(row, y);
      const { grads } = buildGradients(b, { ys: [y], xs: [x], gradYs: [seed], stopGradients: [], unconnected: 'zero', span });
      return grads[0]!;
    });
    const stacked = b.apply('stack', columns, { axis: 1, valuesCount: inner }, span);
    return b.apply('reshape', [stacked], { shape: [-1, ...(yShape!.slice(1) as number[]), ...xInner] }, span);
  }
  const seed = b.apply('seed', [], { dtype: y.type.dtype, shape: y.type.shape }, span);
  const { grads, path } = buildGradients(b, { ys: [y], xs: [x], gradYs: [seed], stopGradients: [], unconnected: 'zero', span });
  // A y that x does not reach has a Jacobian of zeros: no row needs evaluating (there may be
  // 100,000 of them, each seeded with a fresh one-hot of as many elements).
  return b.apply(batched ? 'batch_jacobian_eval' : 'jacobian_eval', [y, x], { grad: grads[0], seed, connected: path.has(y) }, span);
}

/** jacobian_eval's: the gradient of y's seeded row, and the seed node set per row. */
type JacobianAttrs = { grad: Node; seed: Node; connected: boolean };

function jacobianRows(inputs: readonly Tensor[], attrs: JacobianAttrs, batched: boolean) {
  const [y, x] = inputs;
  const batch = batched ? y.shape[0] : 1;
  const rows = batched ? sizeOf(y.shape.slice(1)) : sizeOf(y.shape);
  const cols = batched ? sizeOf(x.shape.slice(1)) : sizeOf(x.shape);
  return { y, x, batch, rows, cols, grad: attrs.grad, seed: attrs.seed };
}

defineOps([
  {
    name: 'gradients',
    differentiates: true,
    doc: 'Symbolic derivatives of sum(ys) w.r.t. each x in xs: a list with one entry per x (TensorFlow 1.x).',
    params: [
      { name: 'ys', kind: 'value' },
      { name: 'xs', kind: 'value' },
      { name: 'grad_ys', kind: 'value', default: null },
      { name: 'gate_gradients', kind: 'bool', default: false },
      { name: 'aggregation_method', kind: 'value', default: null },
      { name: 'stop_gradients', kind: 'value', default: null },
      { name: 'unconnected_gradients', kind: 'string', default: 'none' },
      // TensorFlow 1 only (placement): accepted by keyword.
      { name: 'colocate_gradients_with_ops', kind: 'bool', default: false, keywordOnly: true },
    ],
    tf1Positional: [
      'ys',
      'xs',
      'grad_ys',
      'name',
      'colocate_gradients_with_ops',
      'gate_gradients',
      'aggregation_method',
      'stop_gradients',
      'unconnected_gradients',
    ],
    build: (b, args) => {
      const { site } = differentiate(b, args, 'ys', 'xs', 'grad_ys');
      return { kind: 'list', items: site.grads.map(asValue) };
    },
  },
  {
    name: 'gradient',
    differentiates: true,
    doc: 'The gradient of sum(y) w.r.t. x, as a tensor (a list when x is a list), like GradientTape.gradient.',
    params: [
      { name: 'target', kind: 'value', aliases: ['y', 'ys'] },
      { name: 'sources', kind: 'value', aliases: ['x', 'xs'] },
      { name: 'output_gradients', kind: 'value', default: null, aliases: ['grad_ys'] },
      { name: 'unconnected_gradients', kind: 'string', default: 'none' },
    ],
    build: (b, args) => {
      const { site, xsWasList } = differentiate(b, args, 'target', 'sources', 'output_gradients');
      return xsWasList ? { kind: 'list', items: site.grads.map(asValue) } : asValue(site.grads[0]);
    },
  },
  {
    name: 'jacobian',
    differentiates: true,
    doc: 'The Jacobian of y w.r.t. x: shape y.shape + x.shape.',
    params: [
      { name: 'target', kind: 'tensor', aliases: ['y'] },
      { name: 'sources', kind: 'tensor', aliases: ['x'] },
    ],
    build: (b, args) => asValue(buildJacobian(b, args.tensor('target'), args.tensor('sources'), args.callSpan, false)),
  },
  {
    name: 'batch_jacobian',
    differentiates: true,
    doc: 'Per-example Jacobians: shape [b] + y.shape[1:] + x.shape[1:] (rows of the batch must be independent).',
    params: [
      { name: 'target', kind: 'tensor', aliases: ['y'] },
      { name: 'source', kind: 'tensor', aliases: ['x'] },
    ],
    build: (b, args) => asValue(buildJacobian(b, args.tensor('target'), args.tensor('source'), args.callSpan, true)),
  },
  {
    name: 'hessians',
    differentiates: true,
    doc: 'The Hessian of sum(ys) w.r.t. each x in xs: a list, each of shape x.shape + x.shape.',
    params: [
      { name: 'ys', kind: 'value' },
      { name: 'xs', kind: 'value' },
      // How TensorFlow builds its graph, not what it computes.
      { name: 'gate_gradients', kind: 'bool', default: false },
      { name: 'aggregation_method', kind: 'value', default: null },
      { name: 'colocate_gradients_with_ops', kind: 'bool', default: false, keywordOnly: true },
    ],
    tf1Positional: ['ys', 'xs', 'name', 'colocate_gradients_with_ops', 'gate_gradients', 'aggregation_method'],
    build: (b, args) => {
      const { site } = differentiate(b, args, 'ys', 'xs', null);
      return {
        kind: 'list',
        items: site.grads.map((g, i) => asValue(g && buildJacobian(b, g, site.xs[i], args.callSpan, false))),
      };
    },
  },
  {
    name: 'hessian',
    differentiates: true,
    doc: 'The Hessian of sum(y) w.r.t. x: shape x.shape + x.shape.',
    params: [
      { name: 'y', kind: 'value', aliases: ['ys', 'target'] },
      { name: 'x', kind: 'tensor', aliases: ['xs', 'sources'] },
    ],
    build: (b, args) => {
      const { site } = differentiate(b, args, 'y', 'x', null);
      const g = site.grads[0];
      return asValue(g && buildJacobian(b, g, site.xs[0], args.callSpan, false));
    },
  },
  op<JacobianAttrs>({
    name: 'jacobian_eval',
    internal: true,
    doc: 'Evaluates a Jacobian row by row.',
    params: [],
    infer: ([y, x]) => ({ dtype: y.dtype, shape: concat(y.shape, x.shape) }),
    grad: (_b, node) => refuseSecondOrder(node),
    dependence: { kind: 'dense', why: 'a Jacobian evaluated row by row' },
    kernel: (inputs, attrs, out, ctx) => {
      const { y, rows, cols, grad, seed } = jacobianRows(inputs, attrs, false);
      const data = ctx.alloc(out.dtype, rows * cols);
      if (cols === 0 || attrs.connected === false) return data;
      for (let i = 0; i < rows; i++) {
        checkDeadline(ctx, i, rows);
        const oneHot = ctx.alloc(y.dtype, rows);
        oneHot[i] = 1;
        const g = ctx.evaluateWith(grad, new Map([[seed, { dtype: y.dtype, shape: y.shape, data: oneHot }]]));
        if (!g) throw rowFailed(ctx, i, rows);
        data.set(g.data as never, i * cols);
      }
      return data;
    },
  }),
  op<JacobianAttrs>({
    name: 'batch_jacobian_eval',
    internal: true,
    doc: 'Evaluates per-example Jacobians.',
    params: [],
    grad: (_b, node) => refuseSecondOrder(node),
    dependence: { kind: 'dense', why: 'a Jacobian evaluated row by row' },
    infer: ([y, x]) => {
      if (y.shape !== null && y.shape.length === 0) throw new OpError('batch_jacobian needs y of rank >= 1', 0);
      if (x.shape !== null && x.shape.length === 0) throw new OpError('batch_jacobian needs x of rank >= 1', 1);
      if (y.shape && x.shape && y.shape[0] !== null && x.shape[0] !== null && y.shape[0] !== x.shape[0]) {
        throw new OpError(`batch sizes differ: y has ${y.shape[0]}, x has ${x.shape[0]}`, 1);
      }
      return { dtype: y.dtype, shape: y.shape && x.shape ? [y.shape[0], ...y.shape.slice(1), ...x.shape.slice(1)] : null };
    },
    kernel: (inputs, attrs, out, ctx) => {
      const { y, batch, rows, cols, grad, seed } = jacobianRows(inputs, attrs, true);
      const data = ctx.alloc(out.dtype, batch * rows * cols);
      if (cols === 0 || batch === 0 || attrs.connected === false) return data;
      for (let i = 0; i < rows; i++) {
        checkDeadline(ctx, i, rows);
        const oneHot = ctx.alloc(y.dtype, batch * rows);
        for (let k = 0; k < batch; k++) oneHot[k * rows + i] = 1;
        const g = ctx.evaluateWith(grad, new Map([[seed, { dtype: y.dtype, shape: y.shape, data: oneHot }]]));
        if (!g) throw rowFailed(ctx, i, rows);
        for (let k = 0; k < batch; k++) {
          for (let j = 0; j < cols; j++) data[(k * rows + i) * cols + j] = g.data[k * cols + j];
        }
      }
      return data;
    },
  }),
]);
