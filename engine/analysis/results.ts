// `analyze` and `analyzeInStages`, and the analysis objects they return.

import type * as AST from '../syntax/ast';
import { analyzePython } from '../python/analysis';
import { parse } from '../syntax/parser';
import { LineIndex } from '../syntax/lineIndex';
import { Graph, type Node } from '../graph';
import { Evaluator } from '../evaluate';
import { ValueCache } from '../valueCache';
import { type Tensor } from '../tensor';
import { type GradientSite } from '../autodiff';
import { type CheckResult } from '../check';
import { type Budgets, resolveBudgets } from '../budgets';
import type { Diagnostic, Binding, AssertResult, AnalysisOptions, Analysis, PrintResult } from './types';
import { Analyzer } from './analyzer';
import { analyzers, feedOnlyEdit, reusablePrefix } from './incremental';
import { capDiagnostics, fileSizeDiagnostic, longLines } from './diagnostics';

/** What `analyze` returns. A class rather than an object literal so that the parts made on
 *  demand (references, the value cache) are getters on the prototype: getters defined in a
 *  literal made per analysis cost the garbage collector more than the analysis itself
 *  (BENCHMARKS.md, "Engine changes made for speed"). */
class DocumentAnalysis implements Analysis {
  readonly lines: LineIndex;
  readonly graph: Graph;
  readonly bindings: readonly Binding[];
  readonly checks: readonly CheckResult[];
  readonly asserts: readonly AssertResult[];
  readonly prints: readonly PrintResult[];
  readonly gradientSites: readonly GradientSite[];
  readonly feeds: ReadonlyMap<Node, Tensor>;
  readonly stats: { reused: number; computed: number; planned: number; slotted: number; keptPlanSteps: number; milliseconds: number };
  readonly budgets: Readonly<Budgets>;
  private readonly evaluator: Evaluator;
  private readonly referenceCount: number;
  private referenceObjects: Analysis['references'] | undefined;

  constructor(
    private readonly analyzer: Analyzer,
    readonly text: string,
    readonly program: AST.Program,
    readonly diagnostics: readonly Diagnostic[],
    milliseconds: number,
  ) {
    this.lines = analyzer.lines;
    this.graph = analyzer.graph;
    this.bindings = analyzer.bindings;
    this.checks = analyzer.checks;
    this.asserts = analyzer.asserts;
    this.prints = analyzer.prints;
    this.gradientSites = analyzer.b.gradientSites;
    this.feeds = analyzer.feeds;
    this.evaluator = analyzer.evaluator;
    this.referenceCount = analyzer.referenceSpans.length;
    this.stats = {
      reused: this.evaluator.reused,
      computed: this.evaluator.evaluations,
      planned: this.evaluator.plannedSteps,
      slotted: this.evaluator.slottedSteps,
      keptPlanSteps: analyzer.keptPlanSteps,
      milliseconds,
    };
    this.budgets = analyzer.budgets;
  }

  get references(): Analysis['references'] {
    this.referenceObjects ??= this.analyzer.referencesUpTo(this.referenceCount);
    return this.referenceObjects;
  }

  get valueCache(): ValueCache {
    return this.evaluator.keyed;
  }

  prepareValueCache(stop: () => boolean): boolean {
    return this.evaluator.prepareKeyed(stop);
  }

  get valueCacheSoFar(): ValueCache {
    return this.evaluator.keyedSoFarTable;
  }

  // Own functions, not methods: callers may pass them around.
  readonly valueOf = (n: Node): Tensor | undefined => this.analyzer.evaluator.valueOf(n);
  readonly lookup = (name: string): Binding | undefined => this.analyzer.byName.get(name);
}

export function analyze(text: string, options: AnalysisOptions = {}): Analysis {
  return analyzeInStages(text, options).finish();
}

/** An analysis whose graph is built and whose evaluation is still to run. */
export interface BuiltAnalysis {
  /** The diagnostics of parsing and building (syntax, names, shapes, dtypes...), in order and
   *  capped like the analysis's: the evaluation adds its own (non-finite values, checks,
   *  asserts, evaluation budgets). */
  readonly builtDiagnostics: readonly Diagnostic[];
  /** The lines of the text, for the diagnostics' positions. */
  readonly lines: LineIndex;
  /** Evaluates, and returns the analysis `analyze` would have (the same one on every call). */
  finish(): Analysis;
}

/** `analyze` in two steps, so that an editor can show the diagnostics of a long file's
 *  build before its evaluation (a fifth of the analysis) has run. The previous analysis
 *  (`options.previous`) is taken over at once: read only the finished one. */
export function analyzeInStages(text: string, options: AnalysisOptions = {}): BuiltAnalysis {
  if (options.language === 'python') {
    // A script is interpreted in one go (its evaluations are its sess.run calls, made while
    // it runs): built and finished at once.
    const script = analyzePython(text, options);
    return { builtDiagnostics: script.diagnostics, lines: script.lines, finish: () => script };
  }
  const started = Date.now();
  const budgets = resolveBudgets(options);
  const oversize = fileSizeDiagnostic(text, budgets.maxFileBytes);
  const long = oversize ? null : longLines(text, budgets.maxLineLength);
  const reusable = options.previous && !oversize && !long;
  const feedEdit = reusable ? feedOnlyEdit(options.previous!, text, options) : null;
  const reuse = reusable && !feedEdit ? reusablePrefix(options.previous!, text, options) : null;
  // The analyzer keeps its options: without `previous`, or every analysis made from scratch
  // after an edit (a feed's) would hold the one before it, and an editor's worker every
  // version of the document since it was opened.
  const { previous: _previous, ...own } = options;
  options = own;
  let a: Analyzer;
  let from = 0;
  if (feedEdit) {
    a = feedEdit.a;
    a.generation++;
    // Only the feed is built again: the rest of the graph stays, and `build` finishes it.
    if (a.refeed(feedEdit, text, options)) {
      a.build(a.program.statements.length);
      // Nothing is taken over as it was: the placeholder's statement (before the feed)
      // shows the new values, and everything after the feed has moved or changed value.
      return new StagedAnalysis(a, started, 0);
    }
    a = analyzerFromScratch(text, options, budgets, oversize, long);
  } else if (reuse) {
    a = reuse.a;
    a.generation++; // the previous analysis is no longer this analyzer's, even if this one fails
    a.rollBack(reuse.k, text, reuse.program, options);
    from = reuse.k;
  } else a = analyzerFromScratch(text, options, budgets, oversize, long);
  a.build(from);
  return new StagedAnalysis(a, started, from);
}

function analyzerFromScratch(
  text: string,
  options: AnalysisOptions,
  budgets: Budgets,
  oversize: Diagnostic | null,
  long: ReturnType<typeof longLines>,
): Analyzer {
  // Over the file budget nothing is parsed: the one diagnostic is the analysis.
  const parsed = long ? long.text : text;
  const program = oversize
    ? { statements: [], comments: [], diagnostics: [] }
    : parse(parsed, { maxDepth: budgets.maxNestingDepth, maxTreeDepth: budgets.maxNestingDepth });
  const a = new Analyzer(text, program, options);
  if (oversize) a.diagnostics.push(oversize);
  for (const d of long?.diagnostics ?? []) a.diagnostics.push(d);
  return a;
}

/** The BuiltAnalysis of `analyzeInStages`. A class with its getter on the prototype: an
 *  object literal with a getter upsets V8's pretenuring of everything the analysis
 *  allocates, as DocumentAnalysis's getters did. */
class StagedAnalysis implements BuiltAnalysis {
  /** The build's diagnostics are the first `builtCount` of the analyzer's. */
  private readonly builtCount: number;
  private built: readonly Diagnostic[] | undefined;
  private analysis: Analysis | undefined;
  readonly lines: LineIndex;

  constructor(
    private readonly analyzer: Analyzer,
    private readonly started: number,
    /** Statements taken over from the previous analysis. */
    private readonly keptStatements: number,
  ) {
    this.builtCount = analyzer.diagnostics.length;
    this.lines = analyzer.lines;
  }

  get builtDiagnostics(): readonly Diagnostic[] {
    this.built ??= this.ordered(this.builtCount);
    return this.built;
  }

  finish(): Analysis {
    if (!this.analysis) {
      const a = this.analyzer;
      a.evaluate();
      // The build's diagnostics, when they were asked for and the evaluation added none:
      // sorting and capping a file's tens of thousands of errors again is not free.
      const diagnostics = this.built && a.diagnostics.length === this.builtCount ? this.built : this.ordered(a.diagnostics.length);
      const made = new DocumentAnalysis(a, a.text, a.program, diagnostics, Date.now() - this.started);
      analyzers.set(made, {
        analyzer: a,
        generation: a.generation,
        labelEpoch: a.labelEpoch,
        valueEpoch: a.valueEpoch,
        keptStatements: this.keptStatements,
      });
      this.analysis = made;
    }
    return this.analysis;
  }

  /** The first `count` diagnostics in source order, capped. */
  private ordered(count: number): Diagnostic[] {
    return capDiagnostics(
      this.analyzer.diagnostics.slice(0, count).sort((x, y) => x.span.start - y.span.start),
      this.analyzer.budgets.maxDiagnostics,
    );
  }
}
