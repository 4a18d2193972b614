// The analyzer: lowers a program into the graph statement by statement, each through its
// kind's entry in the lowering table (lower/), with a checkpoint before each (incremental.ts
// rolls back to one), then evaluates it, running the checks and asserts and watching for
// non-finite values. What every statement shares lives here: the bindings and references,
// the budgets, the diagnostics policy, the numerics watch.

import type * as AST from '../syntax/ast';
import { LineIndex } from '../syntax/lineIndex';
import { Graph, type Node } from '../graph';
import { Builder, BuildError, ERROR, Poisoned, type Value } from '../builder';
import { buildContext } from '../buildContext';
import { Evaluator, type Budget, type EvaluatorOptions } from '../evaluate';
import { type EvaluationPlan, type PlanPrefix, cutPlan } from '../plan';
import { type Tensor, shapesEqual } from '../tensor';
import { type GradientSite } from '../autodiff';
import { IndexedNameMap } from '../suggest';
import { runCheck, type CheckResult, type CheckRequest } from '../check';
import '../ops';
import { type Budgets, formatCount, raiseHint, resolveBudgets } from '../budgets';
import { firstAtLeast } from '../sorted';
import type { Severity, Related, Diagnostic, BindingKind, Binding, AssertResult, AnalysisOptions, PrintResult } from './types';
import { boundedMessage } from './diagnostics';
import { numericWarning } from './numerics';
import { FeedDependents } from './dependents';
import {
  CP_NODES,
  CP_BINDINGS,
  CP_REFERENCES,
  CP_SITES,
  CP_CHECKS,
  CP_ASSERTS,
  CP_LABELLED,
  CP_FEEDS,
  CP_SEEDED,
  CP_SEED,
  CP_RANDOM_OPS,
  CP_PRINTS,
  CHECKPOINT_FIELDS,
  type FeedEdit,
  shiftSpans,
} from './incremental';
import { lowerStatement } from './lower';
import { finishAssert } from './lower/assert';
import { reportCheck } from './lower/check';
import { printedValue } from './lower/print';

/** An assert lowered, waiting for evaluation. */
export interface PendingAssert {
  stmt: AST.AssertStmt;
  node: Node | null;
  expectFail: boolean;
}

export interface CallState {
  names: string[];
  /** Where each call is (the first is in the statement being analysed). */
  spans: AST.Span[];
  exprDepth: number;
}

const EXPECT_FAIL = /\bexpect[-_ ]?fail/i;

export class Analyzer {
  readonly graph = new Graph();
  readonly diagnostics: Diagnostic[] = [];
  readonly bindings: Binding[] = [];
  /** Bound names; functions marked, to suggest them for unknown ops. */
  readonly byName = new IndexedNameMap<Binding>((b) => b.value.kind === 'function');
  /** Every use of a name (see Analysis.references), as two columns: a 100,000-line file has
   *  200,000 of them, and the objects are made only when an editor asks (rename, references). */
  readonly referenceSpans: AST.Span[] = [];
  readonly referenceBindings: Binding[] = [];
  readonly feeds = new Map<Node, Tensor>();
  readonly feedSpans = new Map<Node, AST.Span>();
  readonly pendingChecks: CheckRequest[] = [];
  readonly pendingAsserts: PendingAssert[] = [];
  /** The values of each `print` statement, written once evaluated. */
  readonly pendingPrints: { stmt: AST.PrintStmt; values: Value[] }[] = [];
  /** The builder expressions build with: the document's, except while a user function runs
   *  for another builder (see `buildingWith`). */
  b: Builder;
  evaluator!: Evaluator;
  lines: LineIndex;
  /** Where each top-level name is first bound, to explain use-before-definition (made by
   *  the expression lowering, ../expressions.ts, when a name is missing). */
  futureBindings: Map<string, AST.Span> | null = null;
  futureQueries = 0;
  /** The user functions being called while an expression is lowered, and how deep the
   *  expressions nest through their bodies (the budgets bound both). */
  readonly calls: CallState = { names: [], spans: [], exprDepth: 0 };
  private reportedNaN = new Set<Node>();
  /** The nodes warned of while the graph was built and evaluated (not by later reads). */
  private nanWhenEvaluated: Node[] = [];
  /** The state before each statement (see `Checkpoint`), for reusing a prefix next time. */
  checkpoints: Int32Array = new Int32Array(0);
  /** Nodes labelled by each binding, in order (a later binding may label an earlier node). */
  readonly labelled: Node[] = [];
  /** Counts the analyses this analyzer has made: only the newest may be taken over. */
  generation = 0;
  /** Counts changes of the label of a node made by an earlier statement (a later binding
   *  naming it, or a roll-back forgetting that): what is derived from a kept statement (an
   *  explanation) stays valid while this does not change. */
  labelEpoch = 0;
  /** Counts feed edits (`refeed`): the values of the nodes that depend on the feed changed,
   *  while the nodes, their names and their lines did not. An explanation that read no such
   *  value holds across them (explain.ts checks). */
  valueEpoch = 0;
  /** Nodes before this id were made by earlier statements. */
  private statementFirstNode = 0;
  /** The first statement that reported a diagnostic while it was built (Infinity: none). An
   *  incremental analysis keeps only statements before it: every other diagnostic (parse
   *  errors after the kept statements, statements built again, evaluation, checks, asserts)
   *  is made anew by the new analysis. */
  firstReportingStatement = Infinity;

  budgets: Budgets;

  constructor(
    public text: string,
    public program: AST.Program,
    public options: AnalysisOptions,
  ) {
    this.budgets = resolveBudgets(options);
    this.lines = new LineIndex(text);
    this.b = new Builder(this.graph, { constantValue: (n) => this.evaluator.valueOf(n) }, buildContext(options.load));
    this.startEvaluator();
  }

  /** A new evaluator (fresh budget) that reuses values by key from `options.cache`, and
   *  `takeOver`'s values of the kept nodes (see `rollBack`). */
  private startEvaluator(takeOver?: EvaluatorOptions['takeOver']): void {
    const options = this.options;
    const budgets = this.budgets;
    const budget: Budget = {
      maxElements: budgets.maxElements,
      maxTotalElements: budgets.maxTotalElements,
      maxTotalBytes: budgets.maxTotalBytes,
      deadline: Date.now() + budgets.evaluationTimeoutMs,
      cancelled: options.cancelled,
    };
    this.b.limits = { maxNodes: budgets.maxGraphNodes, budget };
    this.b.exhausted = null;
    this.evaluator = new Evaluator({
      precision: 'float32',
      feeds: this.feeds,
      budget,
      onProblem: (p) => this.report(p.node.span, 'error', p.code, p.message),
      onValue: (node, value, inputs) => this.watchNonFinite(node, value, inputs),
      cache: options.cache,
      keyValues: true,
      takeOver,
    });
    this.b.maxElements = budget.maxElements;
  }

  private checkpoint(i: number): void {
    const c = this.checkpoints;
    const at = i * CHECKPOINT_FIELDS;
    c[at + CP_NODES] = this.graph.nodes.length;
    c[at + CP_BINDINGS] = this.bindings.length;
    c[at + CP_REFERENCES] = this.referenceSpans.length;
    c[at + CP_SITES] = this.b.gradientSites.length;
    c[at + CP_CHECKS] = this.pendingChecks.length;
    c[at + CP_ASSERTS] = this.pendingAsserts.length;
    c[at + CP_PRINTS] = this.pendingPrints.length;
    c[at + CP_LABELLED] = this.labelled.length;
    c[at + CP_FEEDS] = this.feeds.size;
    const random = this.b.random;
    c[at + CP_SEEDED] = random.globalSeed === null ? 0 : 1;
    c[at + CP_SEED] = random.globalSeed ?? 0;
    c[at + CP_RANDOM_OPS] = random.ops;
  }

  /** Takes this analyzer back to the state before statement `k` of its program, then makes it
   *  the analyzer of `text`/`program` (whose first `k` statements are the same objects), to
   *  build only statements `k..`. `reuse` checked that rolling back is exact. */
  rollBack(k: number, text: string, program: AST.Program, options: AnalysisOptions): void {
    const c = this.checkpoints;
    const at = k * CHECKPOINT_FIELDS;
    this.graph.nodes.length = c[at + CP_NODES];
    this.b.forgetNodesFrom(c[at + CP_NODES]);
    this.feedDependents.cutBack(this.graph.nodes, c[at + CP_NODES]);
    this.b.random.globalSeed = c[at + CP_SEEDED] ? c[at + CP_SEED] : null;
    this.b.random.ops = c[at + CP_RANDOM_OPS];
    for (let i = c[at + CP_BINDINGS]; i < this.bindings.length; i++) {
      const binding = this.bindings[i];
      if (this.byName.get(binding.name) === binding) this.byName.delete(binding.name);
    }
    this.bindings.length = c[at + CP_BINDINGS];
    this.referenceSpans.length = c[at + CP_REFERENCES];
    this.referenceBindings.length = c[at + CP_REFERENCES];
    this.b.gradientSites.length = c[at + CP_SITES];
    this.pendingChecks.length = c[at + CP_CHECKS];
    this.pendingAsserts.length = c[at + CP_ASSERTS];
    this.pendingPrints.length = c[at + CP_PRINTS];
    const kept = c[at + CP_NODES];
    for (let i = c[at + CP_LABELLED]; i < this.labelled.length; i++) {
      const n = this.labelled[i];
      n.label = undefined;
      if (n.id < kept) this.labelEpoch++;
    }
    this.labelled.length = c[at + CP_LABELLED];
    // Only assert operands are recorded; keep those of the kept asserts.
    const keep = new Set(this.pendingAsserts.map((a) => a.stmt));
    for (const [e, stmt] of this.exprAssert) {
      if (!keep.has(stmt)) {
        this.exprAssert.delete(e);
        this.exprNodes.delete(e);
      }
    }
    this.feedNodesFrom = null;
    this.refed = null;
    // The feed plan's groups of the kept bindings hold (their nodes are kept): the next feed
    // edit's plan starts from them.
    const plan = this.feedPlan;
    if (plan?.plan) {
      const keptGroups = Math.min(plan.keptGroups, c[at + CP_BINDINGS]);
      this.feedPlan = { ...plan, plan: cutPlan(plan.plan, keptGroups), bindings: -1, keptGroups };
    } else this.feedPlan = null;
    this.startVersion(text, program, options, kept);
  }

  /** Makes this analyzer the analyzer of `text`/`program`, keeping the values of the nodes
   *  before `kept` but those in `recomputed`. */
  private startVersion(text: string, program: AST.Program, options: AnalysisOptions, kept: number, recomputed: readonly Node[] = []): void {
    this.diagnostics.length = 0;
    this.firstReportingStatement = Infinity; // (only statements that reported nothing are kept)
    // The kept nodes' values are taken over as they are, and their NaN warnings said again
    // (a full analysis evaluates the kept nodes the previous one did), unless the warnings'
    // cap was reached (which ones are said then depends on what is evaluated first).
    const takeOver =
      this.nanWhenEvaluated.length < MAX_NAN_WARNINGS ? { from: this.evaluator, below: kept, except: recomputed } : undefined;
    const warnedBefore = this.nanWhenEvaluated;
    this.reportedNaN = new Set();
    this.nanWhenEvaluated = [];
    this.notedKinks = new Set();
    this.checks = [];
    this.asserts = [];
    this.text = text;
    this.program = program;
    this.options = options;
    this.b.context = buildContext(options.load);
    this.budgets = resolveBudgets(options);
    this.lines = new LineIndex(text);
    this.startEvaluator(takeOver);
    if (takeOver)
      for (const node of warnedBefore)
        if (node.id < kept && this.graph.nodes[node.id] === node && this.evaluator.peek(node)) this.reportNonFiniteAgain(node);
  }

  /** Where the nodes of feeds built again by `refeed` start, after every statement's (null:
   *  none). Nothing reads them once the feed's value is in `feeds`: the next refeed drops
   *  them, and the nodes of the feeds' first values stay, unused. */
  private feedNodesFrom: number | null = null;
  /** The placeholder whose feed this version took (`refeed`), and the plan of evaluating
   *  again what depends on it, made by the first such edit: it holds while the graph and the
   *  bindings are kept. */
  private refed: Node | null = null;
  private feedPlan: FeedPlan | null = null;
  /** The dependents of the placeholder fed last, kept from one feed edit to the next. */
  private readonly feedDependents = new FeedDependents();

  /** Takes `edit` (a text that differs from this analyzer's only inside one feed's value,
   *  see `feedOnlyEdit`) without building the graph again: the feed's value is built again,
   *  the positions after it move, and only what depends on the placeholder is evaluated
   *  again. False when the feed cannot be taken this way (its shape changed, it reported
   *  something, it made other random ops or references than before): this analyzer is then
   *  not usable, and the text is analysed from scratch. */
  refeed(edit: FeedEdit, text: string, options: AnalysisOptions): boolean {
    const { index, stmt } = edit;
    const old = this.program.statements[index] as AST.FeedStmt;
    let placeholder: Node | undefined;
    for (const [ph, span] of this.feedSpans) if (span === old.target.span) placeholder = ph;
    const before = placeholder && this.feeds.get(placeholder);
    if (!placeholder || !before) return false;
    if (this.feedNodesFrom !== null) this.graph.nodes.length = this.feedNodesFrom;
    const nodesEnd = this.graph.nodes.length;
    const recomputed = this.feedDependents.of(this.graph.nodes, placeholder, nodesEnd);
    const c = this.checkpoints;
    const at = index * CHECKPOINT_FIELDS;
    const next = at + CHECKPOINT_FIELDS;
    shiftSpans(this, index, edit.at, edit.delta, nodesEnd);
    const statements = this.program.statements.slice();
    statements[index] = stmt;
    const nextStart = index + 1 < statements.length ? statements[index + 1].span.start : text.length;
    const comments = [
      ...this.program.comments.filter((cm) => cm.span.end <= stmt.span.start),
      ...edit.comments,
      ...this.program.comments.filter((cm) => cm.span.start >= nextStart),
    ];
    // The values that depend on the feed change; the names and lines explanations give do not
    // (a feed edit keeps the number of lines: `feedOnlyEdit`).
    this.valueEpoch++;
    this.feedNodesFrom = nodesEnd;
    this.refed = placeholder;
    this.startVersion(text, { statements, comments, diagnostics: [] }, options, nodesEnd, recomputed);
    // The feed built again as statement `index` was: the random ops' state before it, its
    // references in its own place.
    const random = this.b.random;
    const after = { globalSeed: random.globalSeed, ops: random.ops };
    random.globalSeed = c[at + CP_SEEDED] ? c[at + CP_SEED] : null;
    random.ops = c[at + CP_RANDOM_OPS];
    const references = this.referenceSpans.length;
    const sites = this.b.gradientSites.length;
    this.feedSpans.delete(placeholder);
    this.statementFirstNode = nodesEnd;
    try {
      lowerStatement(this, stmt);
    } catch {
      return false;
    }
    const made = this.referenceSpans.length - references;
    const sameState =
      this.diagnostics.length === 0 &&
      !this.b.exhausted &&
      this.b.gradientSites.length === sites &&
      made === c[next + CP_REFERENCES] - c[at + CP_REFERENCES] &&
      (random.globalSeed === null ? 0 : 1) === c[next + CP_SEEDED] &&
      (random.globalSeed ?? 0) === c[next + CP_SEED] &&
      random.ops === c[next + CP_RANDOM_OPS];
    const fed = this.feeds.get(placeholder);
    if (!sameState || !fed || !shapesEqual(fed.shape, before.shape)) return false;
    for (let i = 0; i < made; i++) {
      this.referenceSpans[c[at + CP_REFERENCES] + i] = this.referenceSpans[references + i];
      this.referenceBindings[c[at + CP_REFERENCES] + i] = this.referenceBindings[references + i];
    }
    this.referenceSpans.length = references;
    this.referenceBindings.length = references;
    random.globalSeed = after.globalSeed;
    random.ops = after.ops;
    // Keys fold the feeds' values: those of the placeholder's dependents are made again.
    for (const node of recomputed) node.keyed = false;
    return true;
  }

  report(span: AST.Span, severity: Severity, code: string, message: string, related?: Related[]): void {
    this.diagnostics.push({ span, severity, code, message: boundedMessage(message), related });
    if (severity === 'error' && this.buildErrorStarts) {
      const starts = this.buildErrorStarts;
      if (starts.length > 0 && span.start < starts[starts.length - 1]) this.buildErrorsInOrder = false;
      starts.push(span.start);
    }
  }

  // Where the errors of the current build start: its parse errors (sorted), then those its
  // statements reported, which come in source order but for rare cases (then nothing is
  // concluded). A file of typos on every line has 100,000 of them, and the cap shows the
  // first `maxDiagnostics` in source order: "did you mean" is not worth finding for the others.
  private parseErrorStarts = new Int32Array(0);
  private buildErrorStarts: number[] | null = null;
  private buildErrorsInOrder = true;

  /** Whether a diagnostic at `start` is sure to be left out by the cap: at least
   *  `maxDiagnostics` errors already start before it. */
  hiddenByCap(start: number): boolean {
    if (!this.buildErrorStarts || !this.buildErrorsInOrder) return false;
    return firstAtLeast(this.parseErrorStarts, start) + firstAtLeast(this.buildErrorStarts, start) >= this.budgets.maxDiagnostics;
  }

  line(span: AST.Span): number {
    return this.lines.positionAt(span.start).line + 1;
  }

  // ---- statements ----------------------------------------------------------------------

  /** Builds the program's statements from `from` on (those before are already in the
   *  graph: see `rollBack`); `evaluate` then evaluates what they bound. */
  build(from = 0): void {
    this.buildErrorStarts = null;
    for (const d of this.program.diagnostics) this.report(d.span, 'error', d.code, d.message);
    this.parseErrorStarts = Int32Array.from(this.program.diagnostics, (d) => d.span.start).sort();
    this.buildErrorStarts = [];
    this.buildErrorsInOrder = true;
    this.futureBindings = null; // made when names are missing (see firstBinding)
    this.futureQueries = 0;
    this.expectFailLines = null;
    // The checks and asserts kept from the previous analysis (all there are before the first
    // statement built) read their expect-fail comments again: an edit may have added or
    // removed one on their lines.
    for (const p of this.pendingAsserts) p.expectFail = this.expectFail(p.stmt);
    for (const c of this.pendingChecks) c.expectFail = this.expectFail(c.stmt);
    const statements = this.program.statements;
    const previous = this.checkpoints;
    this.checkpoints = new Int32Array((statements.length + 1) * CHECKPOINT_FIELDS);
    this.checkpoints.set(previous.subarray(0, (from + 1) * CHECKPOINT_FIELDS));
    const { cancelled, progress } = this.options;
    const maxStatements = this.budgets.maxStatements;
    for (let i = from; i < statements.length; i++) {
      this.checkpoint(i);
      this.statementFirstNode = this.graph.nodes.length;
      const stmt = statements[i];
      progress?.('building', stmt.span);
      if (cancelled?.()) {
        this.report(stmt.span, 'information', 'cancelled', 'not analysed: a newer version of the text is waiting');
        return this.stopBuilding(i);
      }
      if (i >= maxStatements) {
        this.report(
          stmt.span,
          'error',
          'budget-statements',
          `this file has ${formatCount(statements.length)} statements: the ${formatCount(statements.length - maxStatements)} from here on are not analysed ${raiseHint('maxStatements')}`,
        );
        return this.stopBuilding(i);
      }
      this.calls.exprDepth = 0;
      const reported = this.diagnostics.length;
      // (try/catch here rather than `guard`: a closure per statement of a 100,000-line file)
      try {
        lowerStatement(this, stmt);
      } catch (e) {
        this.failed(e, stmt.span);
      }
      if (this.diagnostics.length !== reported && i < this.firstReportingStatement) this.firstReportingStatement = i;
      // A limit of the whole document stopped building (its one diagnostic is reported).
      if (this.b.exhausted) return this.stopBuilding(i + 1);
    }
    this.checkpoint(statements.length);
    this.buildingDone();
  }

  /** The document's graph is built: what builds nodes later (an explanation, a picture, a
   *  check run from a lens, possibly minutes later) has budgets of its own, not the
   *  document's deadline. */
  private buildingDone(): void {
    this.b.limits = null;
  }

  /** Ends building before statement `i`: the next analysis may take over only the
   *  statements before it, and every later checkpoint is the state now. */
  private stopBuilding(i: number): void {
    if (i < this.firstReportingStatement) this.firstReportingStatement = i;
    for (let k = i; k <= this.program.statements.length; k++) this.checkpoint(k);
    this.buildingDone();
  }

  /** Evaluates everything bound, then the checks and asserts. */
  evaluate(): void {
    // Building had the time budget; evaluating gets its own (what the setting has always
    // bounded), unless building ran out of it.
    const budget = this.evaluator.options.budget;
    // A value folded while building (a constant's argument) may have passed the document's
    // memory: building stopped there, but the statements before it still get their values.
    const memoryStopAt = budget.stopped ? budget.memoryStopAt : undefined;
    if (memoryStopAt !== undefined) budget.stopped = false;
    if (!budget.stopped) budget.deadline = Date.now() + this.budgets.evaluationTimeoutMs;
    const evaluate = (n: Node) => this.evaluator.valueOf(n);
    // (indexed: this loop is entered once and runs optimised only from the middle, where a
    // `for of` makes an iterator result per binding)
    const progress = this.options.progress;
    // Only the bindings' values outlive the evaluation (what hovers, explanations and the
    // next edit read); any other is computed again if asked for.
    this.keptPlanSteps = 0;
    const plan = this.feedPlanOf();
    this.evaluator.releaseWhileEvaluating(this.graph.nodes, (n) => n.label !== undefined, undefined, plan ?? undefined);
    const planned = plan !== null && this.evaluator.startPlan(plan);
    try {
      for (let i = 0; i < this.bindings.length; i++) {
        const binding = this.bindings[i];
        if (memoryStopAt !== undefined && binding.stmt.span.end > memoryStopAt) budget.stopped = true;
        progress?.('evaluating', binding.stmt.span);
        try {
          if (planned) this.evaluator.runPlanGroup(i);
          forEachNode(binding.value, evaluate);
        } catch (e) {
          this.failed(e, binding.span);
        }
      }
    } finally {
      this.evaluator.endPlan();
      this.evaluator.stopReleasing();
    }
    for (const site of this.b.gradientSites) this.guard(site.span, () => this.noteKinks(site));
    for (const a of this.pendingAsserts) this.guard(a.stmt.span, () => finishAssert(this, a));
    this.prints = [];
    for (const p of this.pendingPrints)
      this.guard(p.stmt.span, () =>
        this.prints.push({ span: p.stmt.span, text: p.values.map((v) => printedValue(this, v, p.stmt.span)).join(' ') + '\n' }),
      );
    this.checks = this.pendingChecks.map((req) => {
      const result = runCheck(this.evaluator, req);
      reportCheck(this, result);
      return result;
    });
    this.nanWhenEvaluated = [...this.reportedNaN];
    // The previous version's values were for this evaluation: keeping them would keep two
    // versions' values alive until the next edit.
    this.evaluator.releaseCache();
    if (this.options.cache) this.options = { ...this.options, cache: undefined };
  }

  /** After a feed edit (`refeed`): the plan of computing again what depends on the feed (made
   *  now if this graph has none for that placeholder yet), or null. */
  private feedPlanOf(): EvaluationPlan | null {
    const placeholder = this.refed;
    if (placeholder === null) return null;
    let made = this.feedPlan;
    if (made === null || made.placeholder !== placeholder || made.bindings !== this.bindings.length || made.nodes !== this.feedNodesFrom) {
      const groups = this.bindings.map((binding) => {
        const nodes: Node[] = [];
        forEachNode(binding.value, (n) => nodes.push(n));
        return nodes;
      });
      // (the types of the kept groups' steps hold while every feed keeps its shape)
      const prefix: PlanPrefix | undefined =
        made !== null && made.plan !== null && made.placeholder === placeholder && this.sameFeedShapes(made.feedShapes)
          ? { plan: made.plan, groups: made.keptGroups }
          : undefined;
      const plan = this.evaluator.planRecomputation(groups, Infinity, prefix);
      this.keptPlanSteps = plan?.keptSteps ?? 0;
      made = {
        placeholder,
        bindings: this.bindings.length,
        nodes: this.feedNodesFrom ?? -1,
        plan,
        keptGroups: this.bindings.length,
        feedShapes: [...this.feeds].map(([node, value]) => [node, value.shape] as const),
      };
      this.feedPlan = made;
    }
    return made.plan;
  }

  /** Of the steps of the plan this version made, those it took from the plan before a
   *  structural edit (0 when it made none). */
  keptPlanSteps = 0;

  private sameFeedShapes(shapes: FeedPlan['feedShapes']): boolean {
    if (shapes.length !== this.feeds.size) return false;
    for (const [node, shape] of shapes) {
      const fed = this.feeds.get(node);
      if (fed === undefined || !shapesEqual(fed.shape, shape)) return false;
    }
    return true;
  }

  checks: CheckResult[] = [];
  asserts: AssertResult[] = [];
  prints: PrintResult[] = [];

  /** Runs `fn`, turning build errors into diagnostics and anything unexpected into an
   *  internal-error diagnostic, so one statement never stops the analysis of the rest. */
  private guard(span: AST.Span, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.failed(e, span);
    }
  }

  /** What `guard` does with what a statement threw. */
  private failed(e: unknown, span: AST.Span): void {
    if (e instanceof Poisoned) return;
    if (e instanceof BuildError) {
      this.report(e.span, 'error', e.code, e.message, e.related.length ? e.related : undefined);
      return;
    }
    if (e instanceof RangeError) {
      // A safety net: tgraph.maxNestingDepth and tgraph.maxCallDepth stop nesting well
      // before the stack runs out, unless they were raised far.
      this.report(span, 'error', 'too-complex', `this statement is too complex to analyse (${e.message})`);
      return;
    }
    this.report(span, 'error', 'internal-error', `internal error: ${(e as Error).message ?? String(e)}`);
  }

  /** A comment saying `expect-fail` on the statement's line, or standing alone on the line
   *  above (a trailing comment marks only its own line). */
  expectFail(stmt: { span: AST.Span }): boolean {
    const line = this.lines.positionAt(stmt.span.start).line;
    // The expect-fail comments by line (true: alone on its line), found once: a file with
    // 50,000 asserts and as many comments must not scan the comments for each assert.
    if (!this.expectFailLines) {
      const byLine = new Map<number, boolean>();
      for (const c of this.program.comments) {
        if (!EXPECT_FAIL.test(c.text)) continue;
        const p = this.lines.positionAt(c.span.start);
        const before = this.text.slice(c.span.start - p.character, c.span.start);
        byLine.set(p.line, byLine.get(p.line) === true || before.trim() === '');
      }
      this.expectFailLines = byLine;
    }
    return this.expectFailLines.has(line) || this.expectFailLines.get(line - 1) === true;
  }
  private expectFailLines: Map<number, boolean> | null = null;

  bind(target: AST.Identifier, stmt: AST.Stmt, compute: () => Value, destructured = false): void {
    const previous = this.byName.get(target.name);
    if (previous) {
      this.report(
        target.span,
        'error',
        'double-binding',
        `\`${target.name}\` is already bound at line ${this.line(previous.span)}; a name is bound once`,
        [{ span: previous.span, message: `first binding of \`${target.name}\`` }],
      );
      try {
        compute();
      } catch (e) {
        if (!(e instanceof Poisoned) && !(e instanceof BuildError)) throw e;
        if (e instanceof BuildError) this.report(e.span, 'error', e.code, e.message);
      }
      return;
    }
    let value: Value = ERROR;
    try {
      value = compute();
    } finally {
      this.addBinding(target, stmt, value, destructured);
    }
  }

  private addBinding(target: AST.Identifier, stmt: AST.Stmt, value: Value, destructured: boolean): Binding {
    const binding: Binding = { name: target.name, span: target.span, stmt, value, kind: kindOf(value), destructured };
    const sites = this.b.gradientSites;
    const site = sites.length > 0 ? sites[sites.length - 1] : undefined;
    if (site && stmt.kind !== 'def' && value.kind !== 'error' && producedBy(value, site)) {
      binding.kind = 'gradient';
      binding.gradient = site;
    }
    if (value.kind === 'tensor') this.label(value.node, target.name);
    else if (value.kind === 'list') forEachNode(value, (n) => this.label(n, target.name));
    this.bindings.push(binding);
    this.byName.set(target.name, binding);
    this.addReference(target.span, binding);
    return binding;
  }

  addReference(span: AST.Span, binding: Binding): void {
    this.referenceSpans.push(span);
    this.referenceBindings.push(binding);
  }

  /** The first `count` references, as objects. */
  referencesUpTo(count: number): { span: AST.Span; binding: Binding }[] {
    const out = new Array<{ span: AST.Span; binding: Binding }>(count);
    for (let i = 0; i < count; i++) out[i] = { span: this.referenceSpans[i], binding: this.referenceBindings[i] };
    return out;
  }

  private label(n: Node, name: string): void {
    if (n.label === undefined) {
      n.label = name;
      this.labelled.push(n);
      if (n.id < this.statementFirstNode) this.labelEpoch++;
    }
  }

  /** Runs `build` with expressions building through `b`. A user function (a def body, a
   *  grad rule) is called by whichever builder differentiates or calls it: the explainer's
   *  builds a graph of its own after the analysis, and the function's nodes belong there,
   *  not appended to the document's graph under ids the explainer's graph also gives out. */
  buildingWith<T>(b: Builder, build: () => T): T {
    if (b === this.b) return build();
    const previous = this.b;
    this.b = b;
    try {
      return build();
    } finally {
      this.b = previous;
    }
  }

  /** Nodes made for each expression of an assert (so that failed asserts can show their
   *  operands), and the assert each belongs to. */
  readonly exprNodes = new Map<AST.Expr, Node>();
  readonly exprAssert = new Map<AST.Expr, AST.AssertStmt>();
  /** The assert being lowered, if any. */
  currentAssert: AST.AssertStmt | null = null;

  // ---- numerics ------------------------------------------------------------------------

  private notedKinks = new Set<Node>();

  /** Information where a gradient is taken exactly at a non-differentiable point. */
  private noteKinks(site: GradientSite): void {
    for (const node of kinkNodesOf(site)) {
      const kink = node.op.kink!;
      if (this.notedKinks.has(node) || this.notedKinks.size >= 20) continue;
      const out = this.evaluator.valueOf(node);
      const inputs = node.inputs.map((i) => this.evaluator.valueOf(i));
      if (!out || inputs.some((t) => !t)) continue;
      const codes = kink.codes(inputs as Tensor[], node.attrs, out);
      const at = codes.indexOf(0);
      if (at < 0) continue;
      this.notedKinks.add(node);
      const count = codes.reduce((n, c) => n + (c === 0 ? 1 : 0), 0);
      const where = node.label ? ` in \`${node.label}\`` : '';
      this.report(
        node.span,
        'information',
        'kink',
        `the gradient passes ${kink.what}${where} exactly at a non-differentiable point (element ${at}${count > 1 ? ` and ${count - 1} more` : ''}); TensorFlow's convention gives the value there`,
      );
    }
  }

  /** Warns at the first node that turns finite inputs into NaN or Inf, and at a literal that
   *  float32 cannot hold. */
  private watchNonFinite(node: Node, value: Tensor, inputs: readonly Tensor[]): void {
    if (this.reportedNaN.size >= MAX_NAN_WARNINGS) return;
    const warning = numericWarning(node, value, inputs, this.text);
    if (warning === null) return;
    this.reportedNaN.add(node);
    this.report(warning.span, 'warning', warning.code, warning.message);
  }

  /** The warning of a value taken over from the previous analysis (its label may have
   *  changed since). */
  private reportNonFiniteAgain(node: Node): void {
    // (an input's value may have been released: computed again)
    const value = this.evaluator.peek(node);
    const inputs = value ? node.inputs.map((i) => this.evaluator.valueOf(i)) : [];
    if (value && inputs.every((t) => t !== undefined)) this.watchNonFinite(node, value, inputs as Tensor[]);
  }
}

/** The nodes of a gradient's path whose op has a kink, in path order: found once per site (a
 *  site kept by an incremental analysis is the same object, with the same path), so that
 *  each analysis looks at those nodes' values, not again at every node of every path (a deep
 *  model's twenty gradients' paths hold a hundred thousand nodes, few or none with a kink). */
const kinkNodes = new WeakMap<GradientSite, Node[]>();
function kinkNodesOf(site: GradientSite): readonly Node[] {
  let nodes = kinkNodes.get(site);
  if (nodes === undefined) {
    nodes = [];
    for (const node of site.path) if (node.op.kink) nodes.push(node);
    kinkNodes.set(site, nodes);
  }
  return nodes;
}

/** NaN/Inf warnings per analysis: the first ones are where to look. */
const MAX_NAN_WARNINGS = 20;

export function kindOf(v: Value): BindingKind {
  if (v.kind === 'function') return 'function';
  if (v.kind === 'list') return 'list';
  if (v.kind !== 'tensor') return 'other';
  const op = v.node.op.name;
  if (op === 'placeholder') return 'placeholder';
  if (op === 'variable_value') return 'variable';
  return 'tensor';
}

export function producedBy(v: Value, site: GradientSite): boolean {
  const grads = new Set(site.grads.filter((g): g is Node => g !== null));
  if (v.kind === 'tensor') return grads.has(v.node);
  if (v.kind === 'list') return v.items.length > 0 && v.items.every((i) => i.kind === 'none' || (i.kind === 'tensor' && grads.has(i.node)));
  return false;
}

/** Calls `f` on every tensor in `v`, in order. Lists share items (`x2 = [x1, x1]`, repeated,
 *  makes a DAG whose tree has 2^n leaves): each distinct list is walked once, without
 *  recursion. */
/** A feed edit's plan (engine/plan.ts) and what it holds for: the placeholder fed, the graph
 *  (its bindings and nodes; -1 bindings once a structural edit changed it), and the feeds'
 *  shapes. `keptGroups`: how many of its first groups (bindings) a structural edit kept. */
interface FeedPlan {
  placeholder: Node;
  bindings: number;
  nodes: number;
  plan: EvaluationPlan | null;
  keptGroups: number;
  feedShapes: readonly (readonly [Node, readonly number[]])[];
}

export function forEachNode(v: Value, f: (n: Node) => void): void {
  if (v.kind === 'tensor') {
    f(v.node);
    return;
  }
  if (v.kind !== 'list') return;
  type List = Extract<Value, { kind: 'list' }>;
  const seen = new Set<Value>([v]);
  const lists: List[] = [v];
  const next: number[] = [0];
  while (lists.length > 0) {
    const top = lists.length - 1;
    const list = lists[top];
    if (next[top] === list.items.length) {
      lists.pop();
      next.pop();
      continue;
    }
    const item = list.items[next[top]++];
    if (item.kind === 'tensor') f(item.node);
    else if (item.kind === 'list' && !seen.has(item)) {
      seen.add(item);
      lists.push(item);
      next.push(0);
    }
  }
}
