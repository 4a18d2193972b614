// The gradient actions behind the lenses: "Compute gradients" (the values of every gradient a
// statement computes), "Check gradients" (the full finite-difference check of each gradient
// call in the statement) and "Explain sum". Each is a custom request answering JSON that the
// client shows (side view, output channel, lens title).

import type { Analysis, AnalysisOptions } from '../analysis';
import type { CheckResult } from '../check';
import type * as AST from '../syntax/ast';
import type { GradientSite } from '../autodiff';
import { analyze, checkGradientSite } from '../analysis';
import { lookupOp } from '../ops/registry';
import { shortNumber } from './hover';
import { formatTensor } from '../format/numpy';
import { tensorToJson } from '../format/json';
import { showShape } from '../types';
import { nodeName } from './describe';
import { explainSite } from './explanation';
import { SharedExplanationTime } from '../explain';
import { explainPictures } from './picture';
import { statementOnLine, walk, statementExprs } from './syntax';
import { pythonStatementOnLine, siteAnalysis } from './pythonFacts';
import type { CheckGradientsResult, CheckOutcomeJson, ComputeGradientsResult, ExplainResult, GradientValueJson } from './results';
import { largest } from '../extremes';

/** The calls of ops that differentiate: a statement holding one gets the gradient lenses. */
export function gradientCalls(stmt: AST.Stmt): AST.CallExpr[] {
  if (stmt.kind !== 'assign' && stmt.kind !== 'destructure' && stmt.kind !== 'expr') return [];
  const calls: AST.CallExpr[] = [];
  walk(statementExprs(stmt), (e) => {
    if (e.kind === 'call' && e.callee.kind === 'name' && lookupOp(e.callee.name)?.differentiates) calls.push(e);
  });
  return calls;
}

function within(outer: AST.Span, inner: AST.Span): boolean {
  return outer.start <= inner.start && inner.end <= outer.end;
}

/** The gradient sites a statement recorded; a statement run several times (a script's loop)
 *  shows its last run's. */
function sitesIn(a: Analysis, span: AST.Span): GradientSite[] {
  const last = new Map<number, GradientSite>();
  for (const s of a.gradientSites) if (within(span, s.span)) last.set(s.span.start, s);
  return [...last.values()].sort((x, y) => x.span.start - y.span.start);
}

function statementText(a: Analysis, stmt: GradientStatement): string {
  return a.text.slice(stmt.span.start, stmt.span.end);
}

/** A statement that differentiates: where it is, and (in a .tgraph file) its gradient calls. */
interface GradientStatement {
  span: AST.Span;
  calls: AST.CallExpr[];
}

/** The gradient statement on a line, or an explanation of why there is none. */
function gradientStatement(a: Analysis, line: number): GradientStatement | string {
  if (a.python) {
    const span = pythonStatementOnLine(a, line);
    if (!span) return `no statement on line ${line + 1}`;
    if (!a.gradientSites.some((s) => within(span, s.span))) return `line ${line + 1} computes no gradients`;
    return { span, calls: [] };
  }
  const stmt = statementOnLine(a, line);
  if (!stmt) return `no statement on line ${line + 1}`;
  const calls = gradientCalls(stmt);
  if (calls.length === 0) return `line ${line + 1} computes no gradients`;
  return { span: stmt.span, calls };
}

// ---- Compute gradients ---------------------------------------------------------------------

export function computeGradients(uri: string, a: Analysis, line: number): ComputeGradientsResult {
  const stmt = gradientStatement(a, line);
  if (typeof stmt === 'string') return { uri, line, statement: '', gradients: [], message: stmt };
  const gradients: GradientValueJson[] = [];
  const shared = SharedExplanationTime.forRequest(a);
  for (const site of sitesIn(a, stmt.span)) {
    site.xs.forEach((x, i) => {
      const g = site.grads[i];
      const t = g ? a.valueOf(g) : undefined;
      const e = explainSite(siteAnalysis(a, site), site, i, {}, shared);
      gradients.push({
        meaning: e.meaning,
        x: nodeName(a, x),
        ys: site.ys.map((y) => nodeName(a, y)),
        dtype: g ? g.type.dtype : null,
        shape: t ? t.shape.slice() : null,
        staticShape: g ? showShape(g.type.shape) : null,
        value: g === null ? 'None (no y depends on this x)' : t ? formatTensor(t) : 'no value (an input is not fed or failed)',
        json: t ? tensorToJson(t) : null,
        explanation: e.text,
      });
    });
  }
  // jacobian/hessian do not record a gradient site: show the values they bound.
  if (gradients.length === 0) {
    for (const b of a.bindings) {
      if (b.stmt.span.start !== stmt.span.start || b.value.kind !== 'tensor') continue;
      const t = a.valueOf(b.value.node);
      gradients.push({
        meaning: b.name,
        x: '',
        ys: [],
        dtype: b.value.node.type.dtype,
        shape: t ? t.shape.slice() : null,
        staticShape: showShape(b.value.node.type.shape),
        value: t ? formatTensor(t) : 'no value (an input is not fed or failed)',
        json: t ? tensorToJson(t) : null,
        explanation: '',
      });
    }
  }
  return { uri, line, statement: statementText(a, stmt), gradients };
}

// ---- Explain sum ---------------------------------------------------------------------------

/** The explanations of the gradient sums a statement computes, and with them the data of
 *  the "Explain sum" picture (`pictures`, one per explanation: server/explainPayload.ts). */
export function explainStatement(uri: string, a: Analysis, line: number): ExplainResult {
  const stmt = gradientStatement(a, line);
  if (typeof stmt === 'string') return { uri, line, statement: '', explanations: [], pictures: [], message: stmt };
  const sites = sitesIn(a, stmt.span);
  const shared = SharedExplanationTime.forRequest(a);
  const explanations = sites.flatMap((site) => site.xs.map((_, i) => explainSite(siteAnalysis(a, site), site, i, {}, shared)));
  return {
    uri,
    line,
    statement: statementText(a, stmt),
    explanations,
    pictures: sites.length ? explainPictures(siteAnalysis(a, sites[sites.length - 1]), sites) : [],
    message: explanations.length
      ? undefined
      : 'this statement records no gradient sum to explain (jacobian and hessian values are shown by "Compute gradients")',
  };
}

// ---- Check gradients -----------------------------------------------------------------------

/** The display name of each x of a gradient call: its argument's source text, item by item
 *  when it is a list literal. */
function xNamesOf(a: Analysis, call: AST.CallExpr | undefined, count: number): string[] {
  const positional = call?.args.filter((arg) => !arg.keyword) ?? [];
  const xs =
    call?.args.find((arg) => arg.keyword && ['xs', 'x', 'sources', 'source'].includes(arg.keyword.name))?.value ?? positional[1]?.value;
  const src = (e: AST.Expr) => a.text.slice(e.span.start, e.span.end);
  if (xs?.kind === 'list' && xs.elements.length === count) return xs.elements.map(src);
  const name = xs ? src(xs) : 'x';
  return count === 1 ? [name] : Array.from({ length: count }, (_, i) => `${name}[${i}]`);
}

export interface CheckSettings {
  eps?: number;
  atol?: number;
  rtol?: number;
  cancelled?: () => boolean;
}

/** Calls whose values are not one gradient sum: a Jacobian holds every row's gradient, a
 *  Hessian the gradient of a gradient. The sum site they record (a Hessian's first-order
 *  gradient) is not what they compute, so they are checked through `check` statements. */
const CHECKED_BY_STATEMENT = new Set(['jacobian', 'batch_jacobian', 'hessians', 'hessian']);

/** The `check` statement that verifies one jacobian or hessian call, as source text: a
 *  Jacobian through the gradient of its y (the backward rules each of its rows runs), a
 *  Hessian through the gradient of the gradient. */
function checkSource(text: string, call: AST.CallExpr): string | null {
  if (call.callee.kind !== 'name') return null;
  const op = call.callee.name;
  const src = (e: AST.Expr) => text.slice(e.span.start, e.span.end);
  const positional = call.args.filter((arg) => !arg.keyword);
  const keyword = (...names: string[]) => call.args.find((arg) => arg.keyword && names.includes(arg.keyword.name));
  const ys = keyword('ys', 'y', 'target') ?? positional[0];
  const xs = keyword('xs', 'x', 'sources', 'source') ?? positional[1];
  if (!ys || !xs || ys.value.kind === 'error' || xs.value.kind === 'error') return null;
  if (op === 'hessians' || op === 'hessian')
    return `check gradients(gradients(${src(ys.value)}, ${src(xs.value)}), ${src(xs.value)}, mode='full')`;
  return `check gradients(${src(ys.value)}, ${src(xs.value)}, mode='full')`;
}

/** Runs `check` statements after the document's own: its text with its own checks blanked
 *  (offsets kept) and the checks appended, analysed with the document's options; the values
 *  of the statements before come from the analysis's value cache, so only the checks cost. */
function runCheckStatements(
  a: Analysis,
  sources: string[],
  options: AnalysisOptions,
  settings: CheckSettings,
): { checked: Analysis; at: number[] } {
  let copy = a.text;
  for (const s of a.program.statements) {
    if (s.kind === 'check')
      copy = copy.slice(0, s.span.start) + copy.slice(s.span.start, s.span.end).replace(/[^\r\n]/g, ' ') + copy.slice(s.span.end);
  }
  const at: number[] = [];
  for (const source of sources) {
    copy += '\n';
    at.push(copy.length);
    copy += source;
  }
  const check = { ...options.check };
  if (settings.eps !== undefined) check.eps = settings.eps;
  if (settings.atol !== undefined) check.atol = settings.atol;
  if (settings.rtol !== undefined) check.rtol = settings.rtol;
  const checked = analyze(copy + '\n', {
    ...options,
    check,
    cache: a.valueCache,
    previous: undefined,
    cancelled: settings.cancelled,
    progress: undefined,
  });
  return { checked, at };
}

/** Runs the full check of every gradient the statement on a line computes: a gradients call
 *  on the analysis's own graph and values, a jacobian or hessian call through a `check`
 *  statement analysed with the document's `options`. */
export function checkGradients(
  uri: string,
  a: Analysis,
  line: number,
  settings: CheckSettings = {},
  options: AnalysisOptions = {},
): CheckGradientsResult {
  const stmt = gradientStatement(a, line);
  if (typeof stmt === 'string') return { uri, line, statement: '', passed: false, title: stmt, results: [] };
  if (a.python)
    return {
      uri,
      line,
      statement: statementText(a, stmt),
      passed: false,
      title: "check a script's gradients with a `# tgraph: check gradients(ys, xs)` comment",
      results: [],
    };
  const calls = stmt.calls;
  const hasError = a.diagnostics.some((d) => d.severity === 'error' && within(stmt.span, d.span));
  const results: CheckOutcomeJson[] = calls.map((call) => ({
    call: a.text.slice(call.span.start, call.span.end),
    check: '',
    passed: false,
    ran: false,
    message: '',
  }));
  const bySource: { index: number; source: string }[] = [];
  calls.forEach((call, i) => {
    const op = call.callee.kind === 'name' ? call.callee.name : '';
    if (CHECKED_BY_STATEMENT.has(op)) {
      const source = hasError ? null : checkSource(a.text, call);
      if (source) bySource.push({ index: i, source });
      else results[i].message = hasError ? 'the statement has an error (see the diagnostics)' : 'this call has no ys or xs to check';
      return;
    }
    const site =
      a.gradientSites.find((s) => within(call.span, s.span) && within(s.span, call.span)) ??
      a.gradientSites.find((s) => within(call.span, s.span));
    if (!site) {
      results[i].message = hasError
        ? 'the statement has an error (see the diagnostics)'
        : `${op || 'this call'} records no gradient sum to check here`;
      return;
    }
    const callText = results[i].call;
    const check = `check gradients(${callText.replace(/^[^(]*\(/, '').replace(/\)$/, '')}, mode='full')`;
    const result = checkGradientSite(a, site, call.span, { ...settings, xNames: xNamesOf(a, call, site.xs.length) });
    results[i] = { call: callText, check, ran: true, ...checkJson(result) };
  });
  if (bySource.length > 0) {
    const { checked, at } = runCheckStatements(
      a,
      bySource.map((c) => c.source),
      options,
      settings,
    );
    bySource.forEach(({ index, source }, k) => {
      const start = at[k];
      const end = start + source.length;
      const result = checked.checks.find((c) => c.stmt.span.start >= start && c.stmt.span.start <= end);
      if (result) {
        results[index] = { call: results[index].call, check: source, ran: true, ...checkJson(result) };
        return;
      }
      const problem = checked.diagnostics.find((d) => d.severity === 'error' && d.span.start >= start && d.span.start <= end);
      results[index] = { ...results[index], check: source, message: problem?.message ?? 'the check could not run' };
    });
  }
  const passed = results.length > 0 && results.every((r) => r.passed);
  return { uri, line, statement: statementText(a, stmt), passed, title: lensTitle(results), results };
}

function checkJson(r: CheckResult): Omit<CheckOutcomeJson, 'call' | 'check' | 'ran'> {
  return {
    passed: r.passed,
    mode: r.mode,
    maxAbsError: r.maxAbsError,
    maxRelError: r.maxRelError,
    compared: r.compared,
    worst: r.worst ? { ...r.worst, index: r.worst.index.slice() } : null,
    message: r.passed ? r.summary : r.message,
    summary: r.summary,
  };
}

/** `max err 3.1e-9 ✓`, or the worst element of the first failing check. */
function lensTitle(results: CheckOutcomeJson[]): string {
  const failed = results.find((r) => !r.passed);
  if (!failed) return `max err ${shortNumber(Math.max(0, largest(results.map((r) => r.maxAbsError ?? 0))))} ✓`;
  if (!failed.ran || !failed.worst) return `✗ ${failed.message}`;
  const w = failed.worst;
  const at = w.index.length ? `${w.x}[${w.index.join(', ')}]` : w.x;
  return `✗ ${at}: analytic ${shortNumber(w.analytic)} vs numeric ${shortNumber(w.numeric)}`;
}
