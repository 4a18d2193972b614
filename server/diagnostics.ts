// Every engine diagnostic as an LSP diagnostic: precise range, code, source `tgraph`, and the
// related places (both bindings of a double binding, the placeholder a feed must match...).

import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver';
import type { Diagnostic as EngineDiagnostic, Severity } from '../engine/analysis';
import type { LineIndex } from '../engine/syntax/lineIndex';
import { rangeOf } from './positions';

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
};

/** Engine diagnostics (spans into the text `lines` indexes) as LSP ones. */
export function toDiagnostics(uri: string, diagnostics: readonly EngineDiagnostic[], lines: LineIndex): Diagnostic[] {
  const out: Diagnostic[] = [];
  {
    for (const d of diagnostics) {
      const diagnostic: Diagnostic = {
        range: rangeOf(lines, d.span),
        severity: SEVERITY[d.severity] ?? DiagnosticSeverity.Error,
        code: d.code,
        source: 'tgraph',
        message: d.message,
      };
      if (d.related?.length) {
        diagnostic.relatedInformation = d.related.map((r) => ({
          location: { uri, range: rangeOf(lines, r.span) },
          message: r.message,
        }));
      }
      out.push(diagnostic);
    }
  }
  return out;
}
