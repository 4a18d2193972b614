// The gradient actions behind the lenses: "Compute gradients" (the values of every gradient a
// statement computes), "Check gradients" (the full finite-difference check of each gradient
// call in the statement) and "Explain sum". Each is a custom request answering JSON that the
// client shows (side view, output channel, lens title).

import type { Analysis } from '../analysis';
import type { CheckResult } from '../check';
import type * as AST from '../syntax/ast';
import { checkGradientSite } from '../analysis';
import { shortNumber } from './hover';
import { formatTensor } from '../format/numpy';
import { tensorToJson } from '../format/json';
import { showShape } from '../types';
import { nodeName } from './describe';
import { explainSite } from './explanation';
import { explainPictures } from './picture';
import { statementOnLine, walk, statementExprs } from './syntax';
import type {
  CheckGradientsResult, CheckOutcomeJson, ComputeGradientsResult, ExplainResult, GradientValueJson,
} from './results';

/** Calls that differentiate: a statement holding one gets the gradient lenses. */
export const GRADIENT_OPS = new Set(['gradients', 'gradient', 'jacobian', 'batch_jacobian', 'hessians', 'hessian']);

export function gradientCalls(stmt: AST.Stmt): AST.CallExpr[] {
  if (stmt.kind !== 'assign' && stmt.kind !== 'destructure' && stmt.kind !== 'expr') return [];
  const calls: AST.CallExpr[] = [];
  walk(statementExprs(stmt), (e) => {
    if (e.kind === 'call' && e.callee.kind === 'name' && GRADIENT_OPS.has(e.callee.name)) calls.push(e);
  });
  return calls;
}

function within(outer: AST.Span, inner: AST.Span): boolean {
  return outer.start <= inner.start && inner.end <= outer.end;
}

function statementText(a: Analysis, stmt: AST.Stmt): string {
  return a.text.slice(stmt.span.start, stmt.span.end);
}

/** The gradient statement on a line, or an explanation of why there is none. */
function gradientStatement(a: Analysis, line: number): AST.Stmt | string {
  const stmt = statementOnLine(a, line);
  if (!stmt) return `no statement on line ${line + 1}`;
  if (gradientCalls(stmt).length === 0) return `line ${line + 1} computes no gradients`;
  return stmt;
}

// ---- Compute gradients ---------------------------------------------------------------------

export function computeGradients(uri: string, a: Analysis, line: number): ComputeGradientsResult {
  const stmt = gradientStatement(a, line);
  if (typeof stmt === 'string') return { uri, line, statement: '', gradients: [], message: stmt };
  const gradients: GradientValueJson[] = [];
  for (const site of a.gradientSites) {
    if (!within(stmt.span, site.span)) continue;
    site.xs.forEach((x, i) => {
      const g = site.grads[i];
      const t = g ? a.valueOf(g) : undefined;
      const e = explainSite(a, site, i);
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
      if (b.stmt !== stmt || b.value.kind !== 'tensor') continue;
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
  const sites = a.gradientSites.filter((s) => within(stmt.span, s.span));
  const explanations = sites.flatMap((site) => site.xs.map((_, i) => explainSite(a, site, i)));
  return {
    uri,
    line,
    statement: statementText(a, stmt),
    explanations,
    pictures: explainPictures(a, sites),
    message: explanations.length ? undefined : 'this statement records no gradient sum to explain (jacobian and hessian values are shown by "Compute gradients")',
  };
}

// ---- Check gradients -----------------------------------------------------------------------

/** The display name of each x of a gradient call: its argument's source text, item by item
 *  when it is a list literal. */
function xNamesOf(a: Analysis, call: AST.CallExpr | undefined, count: number): string[] {
  const positional = call?.args.filter((arg) => !arg.keyword) ?? [];
  const xs = call?.args.find((arg) => arg.keyword && ['xs', 'x', 'sources', 'source'].includes(arg.keyword.name))?.value ?? positional[1]?.value;
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

/** Runs the full check of every gradient the statement on a line computes, on the
 *  analysis's own graph and values (nothing is re-analysed). */
export function checkGradients(uri: string, a: Analysis, line: number, settings: CheckSettings = {}): CheckGradientsResult {
  const stmt = gradientStatement(a, line);
  if (typeof stmt === 'string') return { uri, line, statement: '', passed: false, title: stmt, results: [] };
  const calls = gradientCalls(stmt);
  const results: CheckOutcomeJson[] = [];
  for (const call of calls) {
    const callText = a.text.slice(call.span.start, call.span.end);
    const site = a.gradientSites.find((s) => within(call.span, s.span) && within(s.span, call.span)) ?? a.gradientSites.find((s) => within(call.span, s.span));
    if (!site) {
      const op = call.callee.kind === 'name' ? call.callee.name : 'this call';
      results.push({
        call: callText, check: '', passed: false, ran: false,
        message: a.diagnostics.some((d) => d.severity === 'error' && within(stmt.span, d.span))
          ? 'the statement has an error (see the diagnostics)'
          : `${op} records no gradient sum to check here: check it with \`check gradients(...)\` of the sum it differentiates`,
      });
      continue;
    }
    const check = `check gradients(${callText.replace(/^[^(]*\(/, '').replace(/\)$/, '')}, mode='full')`;
    const result = checkGradientSite(a, site, call.span, { ...settings, xNames: xNamesOf(a, call, site.xs.length) });
    results.push({ call: callText, check, ran: true, ...checkJson(result) });
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
  if (!failed) return `max err ${shortNumber(Math.max(0, ...results.map((r) => r.maxAbsError ?? 0)))} ✓`;
  if (!failed.ran || !failed.worst) return `✗ ${failed.message}`;
  const w = failed.worst;
  const at = w.index.length ? `${w.x}[${w.index.join(', ')}]` : w.x;
  return `✗ ${at}: analytic ${shortNumber(w.analytic)} vs numeric ${shortNumber(w.numeric)}`;
}

