// The gradient actions behind the lenses: "Compute gradients" (the values of every gradient a
// statement computes), "Check gradients" (the full finite-difference check of each gradient
// call in the statement) and "Explain sum". Each is a custom request answering JSON that the
// client shows (side view, output channel, lens title).

import type { Analysis, AnalysisOptions } from '../engine/analysis';
import type { CheckResult } from '../engine/check';
import type * as AST from '../engine/syntax/ast';
import { analyze } from '../engine/analysis';
import { formatTensor } from '../engine/format/numpy';
import { tensorToJson } from '../engine/format/json';
import { showShape } from '../engine/types';
import { nodeName } from './describe';
import { explainSite } from './explanation';
import { explainPictures } from './explainPayload';
import { statementOnLine, walk, statementExprs } from './positions';
import type {
  CheckGradientsResult, CheckOutcomeJson, ComputeGradientsResult, ExplainResult, GradientValueJson,
} from './protocol';

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

/** The `check` statement that verifies one gradient call, as source text. `check` accepts
 *  `gradients`/`gradient` with ys, xs and grad_ys; a jacobian is checked through the
 *  gradient of its sum, a hessian through the gradient of the gradient. */
function checkSource(text: string, call: AST.CallExpr): string | null {
  if (call.callee.kind !== 'name') return null;
  const op = call.callee.name;
  const src = (e: AST.Expr) => text.slice(e.span.start, e.span.end);
  const positional = call.args.filter((a) => !a.keyword);
  const keyword = (...names: string[]) => call.args.find((a) => a.keyword && names.includes(a.keyword.name));
  const ys = keyword('ys', 'y', 'target') ?? positional[0];
  const xs = keyword('xs', 'x', 'sources', 'source') ?? positional[1];
  if (!ys || !xs || ys.value.kind === 'error' || xs.value.kind === 'error') return null;
  const gradYs = op === 'gradients' || op === 'gradient' ? keyword('grad_ys', 'output_gradients') ?? positional[2] : undefined;
  const weighted = gradYs ? `, grad_ys=${src(gradYs.value)}` : '';
  if (op === 'hessians' || op === 'hessian') return `check gradients(gradients(${src(ys.value)}, ${src(xs.value)}), ${src(xs.value)})`;
  return `check gradients(${src(ys.value)}, ${src(xs.value)}${weighted}, mode='full')`;
}

/** Runs the full check of every gradient call in the statement on a line: the document is
 *  analysed again with `check` lines appended (its own checks blanked out, offsets kept). */
export function checkGradients(uri: string, a: Analysis, line: number, options: AnalysisOptions): CheckGradientsResult {
  const stmt = gradientStatement(a, line);
  if (typeof stmt === 'string') return { uri, line, statement: '', passed: false, title: stmt, results: [] };
  const calls = gradientCalls(stmt);
  let copy = a.text;
  for (const s of a.program.statements) {
    if (s.kind === 'check') copy = copy.slice(0, s.span.start) + copy.slice(s.span.start, s.span.end).replace(/[^\r\n]/g, ' ') + copy.slice(s.span.end);
  }
  const appendedAt = copy.length + 1;
  const lines = calls.map((c) => checkSource(a.text, c));
  copy += '\n' + lines.map((l) => l ?? '').join('\n') + '\n';
  const checked = analyze(copy, options);
  const results: CheckOutcomeJson[] = [];
  let offset = appendedAt;
  lines.forEach((source, i) => {
    const callText = a.text.slice(calls[i].span.start, calls[i].span.end);
    const start = offset;
    const end = offset + (source?.length ?? 0);
    offset = end + 1;
    if (!source) {
      results.push({ call: callText, check: '', passed: false, ran: false, message: 'this call has no ys or xs to check' });
      return;
    }
    const result = checked.checks.find((c) => c.stmt.span.start >= start && c.stmt.span.start <= end);
    if (!result) {
      const problem = checked.diagnostics.find((d) => d.span.start >= start && d.span.start <= end && d.severity === 'error');
      results.push({ call: callText, check: source, passed: false, ran: false, message: problem?.message ?? 'the check could not run' });
      return;
    }
    results.push({ call: callText, check: source, ran: true, ...checkJson(result) });
  });
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

export function shortNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a >= 1e-3 && a < 1e5 ? String(Number(x.toPrecision(4))) : x.toExponential(1);
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

/** The markdown a hover on a `check` statement shows. */
export function formatCheck(r: CheckResult): string {
  const head = `**check ${r.passed ? 'passed ✓' : 'FAILED ✗'}**${r.expectFail ? ' (marked expect-fail)' : ''} · ${r.mode} mode, ${r.compared} ${r.mode === 'full' ? 'elements' : 'directions'} compared`;
  const lines = [head, `max abs error ${shortNumber(r.maxAbsError)} · max rel error ${shortNumber(r.maxRelError)}`];
  if (r.worst) {
    const at = r.worst.index.length ? `${r.worst.x}[${r.worst.index.join(', ')}]` : r.worst.x;
    lines.push(`${r.passed ? 'largest error' : 'worst'} at \`${at}\`: analytic ${r.worst.analytic}, numeric ${r.worst.numeric}, difference ${shortNumber(Math.abs(r.worst.analytic - r.worst.numeric))}`);
  }
  if (!r.passed && r.message) lines.push(r.message);
  for (const n of r.notes) lines.push(`note: ${n.message}`);
  return lines.join('\n\n');
}
