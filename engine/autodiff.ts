// Reverse-mode autodiff with TensorFlow 1.x `tf.gradients` semantics. It builds gradient
// nodes out of ordinary ops (each op's `grad` rule), so gradients have shapes and values like
// any other node and can be differentiated again. This walk is the only place that knows
// about accumulation, stop_gradients and unconnected xs; ops know only their local rule.

import type { Span } from './syntax/ast';
import type { Node } from './graph';
import { type Builder, BuildError } from './builder';
import type { BuildContext } from './buildContext';
import { isFloat } from './tensor';
import { showShape } from './types';

export interface GradientRequest {
  ys: readonly Node[];
  xs: readonly Node[];
  /** One per y; null means ones (the gradient of sum(y)). */
  gradYs: readonly (Node | null)[];
  /** Treated as constants: gradient reaches them but does not flow through them. */
  stopGradients: readonly Node[];
  unconnected: 'none' | 'zero';
  /** The `gradients(...)` call: gradient nodes point here. */
  span: Span;
  gradYsSpans?: readonly Span[];
  /** Wall-clock time (ms since the epoch) past which building stops with a `budget-time`
   *  BuildError: tools that rebuild a document's gradient privately (the explainer) bound it
   *  by their own time. The document's gradients are bounded by its size instead. */
  deadline?: number;
}

export interface GradientResult {
  /** One per x: the gradient of Σ_k sum(grad_ys[k] * ys[k]) with respect to x, or null. */
  grads: (Node | null)[];
  /** Every node the gradient flowed through (the explainer follows these). */
  path: ReadonlySet<Node>;
}

/** A record of one differentiation of a document, for hovers, checks and the explainer:
 *  everything the gradient was built with (the request and the builder's context) and what
 *  it built, so that whoever rebuilds it (the explainer's rows) builds the same gradient. */
export interface GradientSite extends GradientResult {
  /** The `gradients(...)` call. */
  span: Span;
  ys: Node[];
  xs: Node[];
  gradYs: (Node | null)[];
  stopGradients: readonly Node[];
  unconnected: 'none' | 'zero';
  /** What user functions on the path (a def body, a grad rule) build with when called again. */
  context: BuildContext;
}

/** Whether gradient can flow through `node` into its inputs. */
function passesGradient(node: Node, stops: ReadonlySet<Node>): boolean {
  return !stops.has(node) && isFloat(node.type.dtype) && node.op.grad !== undefined;
}

export function buildGradients(b: Builder, req: GradientRequest): GradientResult {
  const stops = new Set(req.stopGradients);
  const xsSet = new Set(req.xs);

  // Nodes that can carry gradient from the ys back toward the xs.
  const ancestors = new Set<Node>();
  const stack: Node[] = [];
  for (const y of req.ys) if (isFloat(y.type.dtype)) stack.push(y);
  let steps = 0;
  while (stack.length) {
    checkDeadline(req, steps++);
    const n = stack.pop()!;
    if (ancestors.has(n)) continue;
    ancestors.add(n);
    if (!passesGradient(n, stops)) continue;
    for (const i of n.inputs) if (isFloat(i.type.dtype) && !ancestors.has(i)) stack.push(i);
  }
  const ordered = [...ancestors].sort((a, c) => a.id - c.id);
  const reachesX = new Set<Node>();
  for (const n of ordered) {
    if (xsSet.has(n) || (passesGradient(n, stops) && n.inputs.some((i) => reachesX.has(i)))) reachesX.add(n);
  }

  const contributions = new Map<Node, Node[]>();
  const contribute = (n: Node, g: Node) => {
    const list = contributions.get(n);
    if (list) list.push(g);
    else contributions.set(n, [g]);
  };

  req.ys.forEach((y, k) => {
    if (!reachesX.has(y)) return;
    const given = req.gradYs[k];
    const seed = b.within(req.span, { kind: 'gradient', of: y, call: req.span }, () => {
      if (!given) return b.onesLike(y);
      const converted = given.weak ? b.castWeak(given, y.type.dtype, req.gradYsSpans?.[k] ?? req.span) : given;
      if (converted.type.dtype !== y.type.dtype) {
        throw new BuildError(
          `grad_ys[${k}] is ${converted.type.dtype} but ys[${k}] is ${y.type.dtype}`,
          req.gradYsSpans?.[k] ?? req.span,
          'dtype-mismatch',
        );
      }
      if (!compatibleShapes(converted.type.shape, y.type.shape)) {
        throw new BuildError(
          `grad_ys[${k}] has shape ${showShape(converted.type.shape)} but ys[${k}] has shape ${showShape(y.type.shape)}`,
          req.gradYsSpans?.[k] ?? req.span,
          'shape-mismatch',
        );
      }
      return converted;
    });
    contribute(y, seed);
  });

  const finalGrad = new Map<Node, Node>();
  for (let idx = ordered.length - 1; idx >= 0; idx--) {
    checkDeadline(req, idx);
    const n = ordered[idx];
    const parts = contributions.get(n);
    if (!parts || !reachesX.has(n)) continue;
    const origin = { kind: 'gradient' as const, of: n, call: req.span };
    const total = parts.length === 1 ? parts[0] : b.within(req.span, origin, () => b.op('add_n', parts));
    if (xsSet.has(n)) finalGrad.set(n, total);
    if (!passesGradient(n, stops)) continue;
    const needs = n.inputs.map((input) => reachesX.has(input));
    const inputGrads = b.within(req.span, origin, () => b.sharingForwardOnly(() => n.op.grad!(b, n, total, needs)));
    n.inputs.forEach((input, i) => {
      const g = inputGrads[i];
      if (g && reachesX.has(input)) contribute(input, g);
    });
  }

  const grads = req.xs.map((x) => {
    if (!isFloat(x.type.dtype)) return null;
    const g = finalGrad.get(x);
    if (g) return g;
    if (req.unconnected === 'zero') return b.within(req.span, { kind: 'gradient', of: x, call: req.span }, () => b.zerosLike(x));
    return null;
  });
  return { grads, path: reachesX };
}

/** Reads the clock every 256th step only: a step is a few microseconds. */
function checkDeadline(req: GradientRequest, step: number): void {
  if (req.deadline !== undefined && (step & 255) === 0 && Date.now() > req.deadline) {
    throw new BuildError('the gradient took longer to build than its time budget', req.span, 'budget-time');
  }
}

function compatibleShapes(a: readonly (number | null)[] | null, b: readonly (number | null)[] | null): boolean {
  if (a === null || b === null) return true;
  if (a.length !== b.length) return false;
  return a.every((d, i) => d === null || b[i] === null || d === b[i]);
}
