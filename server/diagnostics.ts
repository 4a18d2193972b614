// Every engine diagnostic as an LSP diagnostic: precise range, code, source `tgraph`, and the
// related places (both bindings of a double binding, the placeholder a feed must match...).

import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver';
import type { Analysis, Severity } from '../engine/analysis';
import { rangeOf } from './positions';

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
};

/** The diagnostics of an analysis (or of a build not yet evaluated: what it has so far). */
export function toDiagnostics(uri: string, analysis: Pick<Analysis, 'diagnostics' | 'lines'> | undefined, failure?: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (analysis) {
    for (const d of analysis.diagnostics) {
      const diagnostic: Diagnostic = {
        range: rangeOf(analysis.lines, d.span),
        severity: SEVERITY[d.severity] ?? DiagnosticSeverity.Error,
        code: d.code,
        source: 'tgraph',
        message: d.message,
      };
      if (d.related?.length) {
        diagnostic.relatedInformation = d.related.map((r) => ({
          location: { uri, range: rangeOf(analysis.lines, r.span) },
          message: r.message,
        }));
      }
      out.push(diagnostic);
    }
  }
  if (failure) {
    out.push({
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
      severity: DiagnosticSeverity.Error,
      code: 'internal-error',
      source: 'tgraph',
      message: failure,
    });
  }
  return out;
}
