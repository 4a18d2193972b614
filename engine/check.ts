// `check gradients(...)`: compares the analytic gradients with central finite differences,
// everything re-evaluated in float64. `full` mode differentiates along every element of
// every x; `fast` mode compares random directional derivatives vᵀJu (PyTorch's
// gradcheck(fast_mode=True)), two evaluations per x whatever its size.

import type * as AST from './syntax/ast';
import type { CheckComment } from './python/ast';
import type { Node } from './graph';
import type { Evaluator } from './evaluate';
import type { GradientSite } from './autodiff';
import { type Tensor, isFloat, unravelIndex } from './tensor';
import { checkDirection, checkWeights } from './checkDirections';
import { BufferPool } from './bufferPool';
import { DEFAULT_BUDGETS, formatCount, raiseHint } from './budgets';

/** A check's statement: `check gradients(...)` in a .tgraph file, or a Python script's
 *  `# tgraph: check gradients(...)` comment. */
export type CheckStatement = AST.CheckStmt | CheckComment;

export interface CheckRequest {
  stmt: CheckStatement;
  /** Null when the gradients could not be built: `failure` says why. */
  site: GradientSite | null;
  failure?: string;
  eps: number;
  atol: number;
  rtol: number;
  mode: 'full' | 'fast';
  /** Fast mode: one seed per y (the random v) and the gradients built with them. */
  seeds: Node[] | null;
  fastGrads: (Node | null)[] | null;
  expectFail: boolean;
  /** Display names of the xs. */
  xNames: string[];
  /** Most finite-difference evaluations a full check may make before it asks for fast mode. */
  maxEvaluations?: number;
}

export interface CheckNote {
  span?: AST.Span;
  code: string;
  message: string;
}

export interface CheckResult {
  stmt: CheckStatement;
  span?: AST.Span;
  mode: 'full' | 'fast';
  passed: boolean;
  expectFail: boolean;
  maxAbsError: number;
  maxRelError: number;
  /** The element that failed worst (or had the largest error when all passed). */
  worst: { x: string; index: number[]; analytic: number; numeric: number } | null;
  /** Elements (full) or directions (fast) compared. */
  compared: number;
  /** Forward evaluations of the graph made by the check. */
  evaluations: number;
  message: string;
  summary: string;
  notes: CheckNote[];
}

const DEFAULT_MAX_EVALUATIONS = DEFAULT_BUDGETS.maxCheckEvaluations;

function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a >= 1e-3 && a < 1e6 ? String(Number(x.toPrecision(6))) : x.toExponential(2);
}

export function runCheck(main: Evaluator, req: CheckRequest): CheckResult {
  const result: CheckResult = {
    stmt: req.stmt,
    mode: req.mode,
    passed: true,
    expectFail: req.expectFail,
    maxAbsError: 0,
    maxRelError: 0,
    worst: null,
    compared: 0,
    evaluations: 0,
    message: '',
    summary: '',
    notes: [],
  };
  const fail = (message: string): CheckResult => {
    result.passed = false;
    result.message = message;
    result.summary = message;
    return result;
  };

  if (!req.site) return fail(`gradient check failed: ${req.failure ?? 'the gradients could not be built'}`);
  const site = req.site;
  // The first evaluation error explains a check that cannot run (a grad rule's wrong shape).
  let problem = '';
  const onProblem = (p: { message: string }) => {
    problem ||= ` (${p.message})`;
  };
  const ev64 = main.withFeeds(new Map(), 'float64', onProblem);
  const { ys, xs } = site;
  const weights: (Tensor | null)[] = [];
  for (let k = 0; k < ys.length; k++) {
    const y = ev64.valueOf(ys[k]);
    if (!y) return fail(`check could not run: ys[${k}] has no value (a placeholder is not fed, or an error upstream)${problem}`);
    const g = site.gradYs[k];
    if (req.mode === 'fast' && !g) {
      weights.push({ dtype: y.dtype, shape: y.shape, data: checkWeights(k, y.data.length) });
    } else {
      weights.push(g ? (ev64.valueOf(g) ?? null) : null);
    }
  }

  /** Σ_k Σ_i w_k[i] y_k[i] under the given evaluator. No value is kept: the buffers go back
   *  to the pool for the next evaluation (a kink's report computes the values it reads
   *  again). */
  const objective = (ev: Evaluator): number => {
    result.evaluations++;
    return ev.evaluateAndRelease(ys, (values) => {
      let total = 0;
      ys.forEach((_yNode, k) => {
        const y = values[k];
        if (!y) throw new CheckAbort(`ys[${k}] could not be evaluated at a perturbed point`);
        const w = weights[k];
        const d = y.data;
        if (!isFloat(y.dtype)) return;
        if (w) for (let i = 0; i < d.length; i++) total += w.data[i] * d[i];
        else for (let i = 0; i < d.length; i++) total += d[i];
      });
      return total;
    });
  };

  /** x0 + scale·u as x's feed, written into `data`. */
  const perturbed = (x: Node, x0: Tensor, u: Float64Array, scale: number, data: Float64Array): Evaluator => {
    addScaled(x0.data, scale, u, data);
    return ev64.withFeeds(new Map([[x, { dtype: x0.dtype, shape: x0.shape, data }]]), undefined, onProblem);
  };

  const seedFeeds = new Map<Node, Tensor>();
  if (req.mode === 'fast' && req.seeds) req.seeds.forEach((s, k) => seedFeeds.set(s, weights[k] ?? onesLike(ev64.valueOf(ys[k])!)));
  const gradEvaluator = req.mode === 'fast' ? ev64.withFeeds(seedFeeds, undefined, onProblem) : ev64;
  // Fast mode's analytic vᵀJu of each x (undefined: its gradient has no value), from one
  // evaluation of the gradients that keeps none of them (ev64's own values stay: the
  // perturbed evaluations reuse what x cannot reach).
  const fastAnalytic: (number | undefined)[] = [];
  const fastGrads = req.mode === 'fast' ? req.fastGrads : null;
  if (fastGrads) {
    const nodes = fastGrads.filter((n): n is Node => n !== null);
    const position = new Map(nodes.map((n, i) => [n, i]));
    gradEvaluator.evaluateAndRelease(nodes, (values) =>
      fastGrads.forEach((n, xi) => {
        const g = n && values[position.get(n)!];
        const size = ev64.valueOf(xs[xi])?.data.length;
        if (g && size !== undefined && isFloat(xs[xi].type.dtype)) fastAnalytic[xi] = dot(g.data, checkDirection(xi, size));
      }),
    );
  }

  // Every node the ys depend on: a kink may sit where no gradient flows (floor).
  let forward: Node[] | null = null;
  const forwardNodes = (): Node[] => {
    if (forward) return forward;
    const seen = new Set<Node>();
    const stack = [...ys];
    while (stack.length) {
      const n = stack.pop()!;
      if (seen.has(n)) continue;
      seen.add(n);
      for (const i of n.inputs) stack.push(i);
    }
    forward = [...seen].filter((n) => n.op.kink).sort((a, b) => a.id - b.id);
    return forward;
  };

  /** The first kinked node whose branch differs between the two sides of a finite
   *  difference (the difference straddled a non-differentiable point), if any. */
  const straddledKink = (plus: Evaluator, minus: Evaluator): { node: Node; index: number } | null => {
    for (const node of forwardNodes()) {
      const kink = node.op.kink;
      if (!kink || !plus.isAffected(node)) continue;
      const a = node.inputs.map((i) => plus.valueOf(i));
      const b = node.inputs.map((i) => minus.valueOf(i));
      const outP = plus.valueOf(node);
      const outM = minus.valueOf(node);
      if (a.some((t) => !t) || b.some((t) => !t) || !outP || !outM) continue;
      const ca = kink.codes(a as Tensor[], node.attrs, outP);
      const cb = kink.codes(b as Tensor[], node.attrs, outM);
      for (let i = 0; i < ca.length && i < cb.length; i++) if (ca[i] !== cb[i]) return { node, index: i };
    }
    return null;
  };

  let worstExcess = -Infinity;
  const consider = (
    xName: string,
    x0: Tensor,
    flat: number | null,
    analytic: number,
    numeric: number,
    sides: () => [Evaluator, Evaluator],
  ) => {
    result.compared++;
    const abs = Math.abs(analytic - numeric);
    const rel = abs / Math.max(Math.abs(numeric), 1e-300);
    const bad = !(abs <= req.atol + req.rtol * Math.abs(numeric)) || Number.isNaN(analytic) !== Number.isNaN(numeric);
    if (bad) {
      const kink = straddledKink(...sides());
      if (kink) {
        const at =
          flat === null
            ? `${xName} (along a random direction)`
            : `${xName}[${unravelIndex(flat, x0.shape).join(', ')}] = ${fmt(x0.data[flat])}`;
        const where = kink.node.label ? ` in \`${kink.node.label}\`` : '';
        result.notes.push({
          span: kink.node.span,
          code: 'kink',
          message: `${at} is a kink of ${kink.node.op.kink!.what}${where}: analytic ${fmt(analytic)}, numeric ${fmt(numeric)} (not differentiable there; not counted as a failure)`,
        });
        return;
      }
    }
    if (abs > result.maxAbsError || Number.isNaN(abs)) result.maxAbsError = abs;
    if (abs !== 0 && rel > result.maxRelError) result.maxRelError = rel;
    const excess = Number.isNaN(abs) ? Infinity : abs - (req.atol + req.rtol * Math.abs(numeric));
    if (excess > worstExcess) {
      worstExcess = excess;
      result.worst = { x: xName, index: flat === null ? [] : unravelIndex(flat, x0.shape), analytic, numeric };
    }
    if (bad) result.passed = false;
  };

  // Fast mode's perturbed point: one buffer, written for x0 + eps·u, evaluated, then
  // written for x0 - eps·u (the objective keeps no value of the first side; a side reported
  // as a kink is made again in buffers of its own). Taken from the buffers evaluations
  // release and given back to them: an x of a million elements would otherwise be fresh
  // pages every check.
  const buffers = new BufferPool();
  let scratch: Float64Array = new Float64Array(0);
  try {
    const maxEvaluations = req.maxEvaluations ?? DEFAULT_MAX_EVALUATIONS;
    if (req.mode === 'full') {
      const planned = xs.reduce((n, x) => n + 2 * (ev64.valueOf(x)?.data.length ?? 0), 0);
      if (planned > maxEvaluations) {
        return fail(
          `a full check would take ${formatCount(planned)} evaluations, over the budget of ${formatCount(maxEvaluations)}: use mode='fast' ${raiseHint('maxCheckEvaluations')}`,
        );
      }
    }
    for (let xi = 0; xi < xs.length; xi++) {
      const x = xs[xi];
      const name = req.xNames[xi] ?? `xs[${xi}]`;
      if (!isFloat(x.type.dtype)) {
        result.notes.push({ code: 'check-skipped', message: `${name} is ${x.type.dtype}: its gradient is None and is not checked` });
        continue;
      }
      const x0 = ev64.valueOf(x);
      if (!x0) return fail(`check could not run: ${name} has no value (a placeholder is not fed, or an error upstream)`);
      const gradNode = fastGrads ? fastGrads[xi] : site.grads[xi];
      const g = gradNode && !fastGrads ? ev64.valueOf(gradNode) : null;
      if (gradNode && (fastGrads ? fastAnalytic[xi] === undefined : !g)) {
        return fail(`check could not run: the gradient for ${name} could not be evaluated${problem}`);
      }
      result.evaluations++;
      if (req.mode === 'full') {
        const analyticAt = (i: number) => (g ? g.data[i] : 0);
        // One copy of x per side, nudged one element at a time (a copy per element would
        // make a full check quadratic in the size of x).
        const plusData = Float64Array.from(x0.data as ArrayLike<number>);
        const minusData = Float64Array.from(x0.data as ArrayLike<number>);
        const side = (data: Float64Array) =>
          ev64.withFeeds(new Map([[x, { dtype: x0.dtype, shape: x0.shape, data }]]), undefined, onProblem);
        for (let i = 0; i < x0.data.length; i++) {
          if ((i & 63) === 0 && Date.now() > main.options.budget.deadline) {
            return fail(
              `the gradient check stopped at ${name}[${unravelIndex(i, x0.shape).join(', ')}]: the evaluation time budget ran out (raise tgraph.evaluationTimeoutMs, or use mode='fast')`,
            );
          }
          plusData[i] = x0.data[i] + req.eps;
          minusData[i] = x0.data[i] - req.eps;
          const plusEv = side(plusData);
          const minusEv = side(minusData);
          const numeric = (objective(plusEv) - objective(minusEv)) / (2 * req.eps);
          consider(name, x0, i, analyticAt(i), numeric, () => [plusEv, minusEv]);
          plusData[i] = minusData[i] = x0.data[i];
        }
      } else {
        const size = x0.data.length;
        const u = checkDirection(xi, size);
        const analytic = fastAnalytic[xi] ?? 0;
        if (scratch.length !== size) {
          if (scratch.length) buffers.give(scratch);
          scratch = buffers.take('float64', size, 'float64', () => new Float64Array(size), true) as Float64Array;
        }
        const plus = objective(perturbed(x, x0, u, req.eps, scratch));
        const minus = objective(perturbed(x, x0, u, -req.eps, scratch));
        const numeric = (plus - minus) / (2 * req.eps);
        consider(name, x0, null, analytic, numeric, () => [
          perturbed(x, x0, u, req.eps, new Float64Array(size)),
          perturbed(x, x0, u, -req.eps, new Float64Array(size)),
        ]);
      }
    }
  } catch (e) {
    if (e instanceof CheckAbort) return fail(`check could not run: ${e.message}`);
    throw e;
  } finally {
    if (scratch.length) buffers.give(scratch);
    buffers.retainFree();
  }

  const w = result.worst;
  const where = w ? `${w.x}${w.index.length ? `[${w.index.join(', ')}]` : req.mode === 'fast' ? ' (random direction)' : ''}` : '';
  const errors = `max abs error ${fmt(result.maxAbsError)}, max rel error ${fmt(result.maxRelError)}`;
  if (result.passed) {
    result.summary = `${errors} over ${result.compared} ${req.mode === 'fast' ? 'directions' : 'elements'} ✓`;
    result.message = `gradient check passed (${req.mode}): ${result.summary}`;
  } else if (w) {
    result.summary = `worst at ${where}: analytic ${fmt(w.analytic)}, numeric ${fmt(w.numeric)}`;
    result.message = `gradient check failed (${req.mode}) at ${where}: analytic ${fmt(w.analytic)}, numeric ${fmt(w.numeric)}, difference ${fmt(Math.abs(w.analytic - w.numeric))} (atol ${req.atol}, rtol ${req.rtol}; ${errors})`;
  }
  return result;
}

class CheckAbort extends Error {}

/** Σ a[i]·b[i], in element order. */
function dot(a: ArrayLike<number>, b: Float64Array): number {
  let total = 0;
  for (let i = 0; i < b.length; i++) total += a[i] * b[i];
  return total;
}

/** out = x + scale·u, element by element. */
function addScaled(x: ArrayLike<number>, scale: number, u: Float64Array, out: Float64Array): void {
  for (let i = 0; i < out.length; i++) out[i] = x[i] + scale * u[i];
}

function onesLike(t: Tensor): Tensor {
  return { dtype: t.dtype, shape: t.shape, data: new Float64Array(t.data.length).fill(1) };
}
