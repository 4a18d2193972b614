// Gradient checks as an analysis asks for them: a `check gradients(...)` call's arguments
// read into a request, and the full check of one gradient site on request (the lens).

import type * as AST from '../syntax/ast';
import { type Node } from '../graph';
import { Builder, BuildError, type CallArg, type Value } from '../builder';
import { Evaluator } from '../evaluate';
import { type GradientSite } from '../autodiff';
import { differentiate } from '../ops/differentiation';
import { buildGradients } from '../autodiff';
import { runCheck, type CheckResult, type CheckRequest } from '../check';
import type { Analysis } from './types';
import { analyzers } from './incremental';

/** What a `check gradients(ys, xs, ...)` asks for, built in `b` from the call's arguments
 *  (a .tgraph `check` statement, or a Python script's `# tgraph: check` comment). `xsText` is
 *  how the xs argument is written, for naming an x that has no name. */
export function checkRequest(
  b: Builder,
  stmt: CheckRequest['stmt'],
  args: readonly CallArg[],
  callSpan: AST.Span,
  defaults: { eps?: number; atol?: number; rtol?: number },
  maxEvaluations: number,
  expectFail: boolean,
  xsText: string,
): CheckRequest {
  const bound = b.bind(CHECK_SIGNATURE, args, callSpan);
  const mode = bound.string('mode');
  if (mode !== 'full' && mode !== 'fast')
    throw new BuildError(`mode must be 'full' or 'fast', got '${mode}'`, bound.span('mode'), 'bad-argument');
  const opt = (name: 'eps' | 'atol' | 'rtol') => {
    const v = bound.has(name) ? bound.float(name) : (defaults[name] ?? (CHECK_DEFAULTS[name] as number));
    if (!Number.isFinite(v) || v < 0 || (name === 'eps' && v === 0)) {
      throw new BuildError(
        `${name} must be a finite number ${name === 'eps' ? '> 0' : '>= 0'}, got ${v}`,
        bound.span(name),
        'bad-argument',
      );
    }
    return v;
  };
  let site: GradientSite;
  try {
    site = differentiate(b, bound, 'ys', 'xs', 'grad_ys').site;
  } catch (e) {
    // A grad rule that returns the wrong shape fails this check (where expect-fail applies)
    // rather than the file.
    if (!(e instanceof BuildError) || e.code !== 'bad-grad') throw e;
    return {
      stmt,
      failure: e.message,
      site: null,
      eps: 0,
      atol: 0,
      rtol: 0,
      mode,
      seeds: null,
      fastGrads: null,
      expectFail,
      xNames: [],
      maxEvaluations,
    };
  }
  b.gradientSites.pop(); // a check's own gradients are not a user-visible site
  const seeds = mode === 'fast' ? site.ys.map((y) => b.apply('seed', [], { dtype: y.type.dtype, shape: y.type.shape }, callSpan)) : null;
  let fastGrads: (Node | null)[] | null = null;
  if (seeds) {
    fastGrads = buildGradients(b, {
      ys: site.ys,
      xs: site.xs,
      gradYs: seeds,
      stopGradients: [],
      unconnected: 'zero',
      span: callSpan,
    }).grads;
  }
  return {
    stmt,
    site,
    eps: opt('eps'),
    atol: opt('atol'),
    rtol: opt('rtol'),
    mode,
    seeds,
    fastGrads,
    expectFail,
    maxEvaluations,
    xNames: argumentNames(bound.value('xs'), site.xs.length, xsText || 'x'),
  };
}

const CHECK_DEFAULTS = { eps: 1e-3, atol: 1e-5, rtol: 1e-3 };

const CHECK_SIGNATURE = {
  name: 'check gradients',
  doc: 'Gradient check against float64 central differences.',
  params: [
    { name: 'ys', kind: 'value' as const },
    { name: 'xs', kind: 'value' as const },
    { name: 'grad_ys', kind: 'value' as const, default: null },
    { name: 'eps', kind: 'float' as const, default: CHECK_DEFAULTS.eps },
    { name: 'atol', kind: 'float' as const, default: CHECK_DEFAULTS.atol },
    { name: 'rtol', kind: 'float' as const, default: CHECK_DEFAULTS.rtol },
    { name: 'mode', kind: 'string' as const, default: 'full' },
  ],
};

function argumentNames(v: Value, count: number, fallback: string): string[] {
  if (v.kind === 'list') return v.items.map((item, i) => (item.kind === 'tensor' && item.node.label) || `xs[${i}]`);
  if (v.kind === 'tensor') return [v.node.label ?? fallback];
  return Array.from({ length: count }, (_, i) => `xs[${i}]`);
}

/** The full finite-difference check of one gradient site of an analysis, as `check
 *  gradients(ys, xs, grad_ys, mode='full')` would run it there: the analysis's values, a
 *  time budget of its own (the "Check gradients" lens runs it on request, after the
 *  analysis). `span` is where the result points (the gradient call). */
export function checkGradientSite(
  analysis: Analysis,
  site: GradientSite,
  span: AST.Span,
  options: { eps?: number; atol?: number; rtol?: number; xNames: string[]; cancelled?: () => boolean },
): CheckResult {
  const made = analyzers.get(analysis);
  if (!made) throw new Error('checkGradientSite needs an analysis made by analyze()');
  const budgets = analysis.budgets;
  const defaults = { ...CHECK_DEFAULTS, ...made.analyzer.options.check };
  const evaluator = new Evaluator({
    precision: 'float32',
    feeds: new Map(),
    budget: {
      maxElements: budgets.maxElements,
      maxTotalElements: budgets.maxTotalElements,
      deadline: Date.now() + budgets.evaluationTimeoutMs,
      cancelled: options.cancelled,
    },
    base: made.analyzer.evaluator,
  });
  const stmt: AST.CheckStmt = { kind: 'check', span, keywordSpan: span, call: { kind: 'error', span } };
  return runCheck(evaluator, {
    stmt,
    site,
    eps: options.eps ?? defaults.eps,
    atol: options.atol ?? defaults.atol,
    rtol: options.rtol ?? defaults.rtol,
    mode: 'full',
    seeds: null,
    fastGrads: null,
    expectFail: false,
    xNames: options.xNames,
    maxEvaluations: budgets.maxCheckEvaluations,
  });
}
