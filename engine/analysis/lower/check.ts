// `check gradients(ys, xs, ...)`: a gradient check, requested while building and run after
// evaluation (float64 re-evaluation against finite differences; see ../check.ts).

import type * as AST from '../../syntax/ast';
import { BuildError } from '../../builder';
import { type CheckResult } from '../../check';
import type { Analyzer } from '../analyzer';
import { checkRequest } from '../check';
import { callArgs } from '../expressions';

export function lowerCheck(analyzer: Analyzer, stmt: AST.CheckStmt): void {
  const call = stmt.call;
  const expectFail = analyzer.expectFail(stmt);
  if (call.kind !== 'call' || call.callee.kind !== 'name' || !['gradients', 'gradient'].includes(call.callee.name)) {
    throw new BuildError(
      "check expects a call: check gradients(ys, xs, eps=1e-3, atol=1e-5, rtol=1e-3, mode='full')",
      call.span,
      'bad-check',
    );
  }
  const xsText = call.args[1]?.value ? analyzer.text.slice(call.args[1].value.span.start, call.args[1].value.span.end) : '';
  analyzer.pendingChecks.push(
    checkRequest(
      analyzer.b,
      stmt,
      callArgs(analyzer, call, null),
      call.span,
      analyzer.options.check ?? {},
      analyzer.budgets.maxCheckEvaluations,
      expectFail,
      xsText,
    ),
  );
}

/** The diagnostics of a check that ran: a failure (information when expected), an
 *  unexpected pass, and the check's notes. */
export function reportCheck(analyzer: Analyzer, r: CheckResult): void {
  if (r.passed && r.expectFail) {
    analyzer.report(r.stmt.span, 'error', 'unexpected-pass', `this check is marked expect-fail but passed (${r.summary})`);
  } else if (!r.passed) {
    analyzer.report(
      r.span ?? r.stmt.span,
      r.expectFail ? 'information' : 'error',
      'check-failed',
      (r.expectFail ? '(expected to fail) ' : '') + r.message,
    );
  }
  for (const note of r.notes) analyzer.report(note.span ?? r.stmt.span, 'information', note.code, note.message);
}
