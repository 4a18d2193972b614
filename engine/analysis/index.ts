// One Analysis per version of a document: the syntax tree, the graph, every bound name with
// its value, the diagnostics, the gradient sites, the checks and asserts. The CLI, the
// language server and the tests all read it; none of them recomputes anything.
//
// engine/analysis/ by job: types.ts (what an analysis is), analyzer.ts (lowering the
// statements into the graph and evaluating it), incremental.ts (checkpoints and reuse of a
// previous analysis), diagnostics.ts (the diagnostics policy), numerics.ts (the NaN/Inf
// watch), check.ts (gradient checks), results.ts (`analyze` and what it returns).

export type { Severity, Related, Diagnostic, BindingKind, Binding, AssertResult, AnalysisOptions, Analysis, PrintResult } from './types';
export { analyze, analyzeInStages, type BuiltAnalysis } from './results';
export { kindOf, producedBy, forEachNode } from './analyzer';
export { checkRequest, checkGradientSite } from './check';
export { numericWarning } from './numerics';
export { analysisLineage, analysisReuse } from './incremental';
export { fileSizeDiagnostic, longLines, orderDiagnostics } from './diagnostics';
