// The analyzer: lowers a program's statements and expressions into the graph, statement by
// statement with a checkpoint before each (incremental.ts rolls back to one), then evaluates
// it, running the checks and asserts and watching for non-finite values.

import type * as AST from '../syntax/ast';
import { LineIndex } from '../syntax/lineIndex';
import { Graph, type Node } from '../graph';
import {
  Builder,
  BuildError,
  type CallArg,
  ERROR,
  NONE,
  Poisoned,
  type UserFunction,
  type Value,
  isBinaryPrimitive,
  parseDType,
  tensorValue,
} from '../builder';
import { Evaluator, type Budget, type EvaluatorOptions } from '../evaluate';
import { type Tensor } from '../tensor';
import { type PyBinaryOp, type PyNumber, PyError, pyBinary, pyUnary } from '../pynumber';
import { showShape } from '../types';
import { lookupOp } from '../ops/registry';
import { type GradientSite } from '../ops/differentiation';
import { IndexedNameMap, didYouMeanAmong, publicNames, publicOpNames } from '../suggest';
import { runCheck, type CheckResult, type CheckRequest } from '../check';
import { formatTensor } from '../format/numpy';
import '../ops';
import { type Budgets, formatCount, raiseHint, resolveBudgets } from '../budgets';
import { firstAtLeast } from '../sorted';
import type { Severity, Related, Diagnostic, BindingKind, Binding, AssertResult, AnalysisOptions, PrintResult } from './types';
import { boundedMessage } from './diagnostics';
import { nonFiniteMessage } from './numerics';
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
} from './incremental';
import { checkRequest } from './check';

const BINARY_OPS: Record<AST.BinaryOp, string> = {
  '+': 'add',
  '-': 'subtract',
  '*': 'multiply',
  '/': 'divide',
  '//': 'floordiv',
  '%': 'mod',
  '@': 'matmul',
  '**': 'pow',
  '<': 'less',
  '<=': 'less_equal',
  '>': 'greater',
  '>=': 'greater_equal',
  '==': 'equal',
  '!=': 'not_equal',
  and: 'logical_and',
  or: 'logical_or',
};

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
  readonly pendingAsserts: { stmt: AST.AssertStmt; node: Node | null; expectFail: boolean }[] = [];
  /** The values of each `print` statement, written once evaluated. */
  readonly pendingPrints: { stmt: AST.PrintStmt; values: Value[] }[] = [];
  /** The builder expressions build with: the document's, except while a user function runs
   *  for another builder (see `buildingWith`). */
  b: Builder;
  evaluator!: Evaluator;
  lines: LineIndex;
  /** Where each top-level name is first bound, to explain use-before-definition. */
  private futureBindings: Map<string, AST.Span> | null = null;
  private futureQueries = 0;
  private readonly callStack: string[] = [];
  /** Where each call on `callStack` is (the first is in the statement being analysed). */
  private readonly callSpans: AST.Span[] = [];
  /** How deep `expr` is, through the bodies of the functions called. */
  private exprDepth = 0;
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
    this.b = new Builder(this.graph, { constantValue: (n) => this.evaluator.valueOf(n) });
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
    this.diagnostics.length = 0;
    this.firstReportingStatement = Infinity; // (only statements that reported nothing are kept)
    // The kept nodes' values are taken over as they are, and their NaN warnings said again
    // (a full analysis evaluates the kept nodes the previous one did), unless the warnings'
    // cap was reached (which ones are said then depends on what is evaluated first).
    const takeOver = this.nanWhenEvaluated.length < MAX_NAN_WARNINGS ? { from: this.evaluator, below: kept } : undefined;
    const warnedBefore = this.nanWhenEvaluated;
    this.reportedNaN = new Set();
    this.nanWhenEvaluated = [];
    this.notedKinks = new Set();
    this.checks = [];
    this.asserts = [];
    this.text = text;
    this.program = program;
    this.options = options;
    this.budgets = resolveBudgets(options);
    this.lines = new LineIndex(text);
    this.startEvaluator(takeOver);
    if (takeOver)
      for (const node of warnedBefore) if (node.id < kept && this.graph.nodes[node.id] === node) this.reportNonFiniteAgain(node);
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
  private hiddenByCap(start: number): boolean {
    if (!this.buildErrorStarts || !this.buildErrorsInOrder) return false;
    return firstAtLeast(this.parseErrorStarts, start) + firstAtLeast(this.buildErrorStarts, start) >= this.budgets.maxDiagnostics;
  }

  private line(span: AST.Span): number {
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
      this.exprDepth = 0;
      const reported = this.diagnostics.length;
      // (try/catch here rather than `guard`: a closure per statement of a 100,000-line file)
      try {
        this.statement(stmt);
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
    if (!budget.stopped) budget.deadline = Date.now() + this.budgets.evaluationTimeoutMs;
    const evaluate = (n: Node) => this.evaluator.valueOf(n);
    // (indexed: this loop is entered once and runs optimised only from the middle, where a
    // `for of` makes an iterator result per binding)
    const progress = this.options.progress;
    for (let i = 0; i < this.bindings.length; i++) {
      const binding = this.bindings[i];
      progress?.('evaluating', binding.stmt.span);
      try {
        forEachNode(binding.value, evaluate);
      } catch (e) {
        this.failed(e, binding.span);
      }
    }
    for (const site of this.b.gradientSites) this.guard(site.span, () => this.noteKinks(site));
    for (const a of this.pendingAsserts) this.guard(a.stmt.span, () => this.finishAssert(a));
    this.prints = [];
    for (const p of this.pendingPrints)
      this.guard(p.stmt.span, () =>
        this.prints.push({ span: p.stmt.span, text: p.values.map((v) => this.printed(v, p.stmt.span)).join(' ') + '\n' }),
      );
    this.checks = this.pendingChecks.map((req) => {
      const result = runCheck(this.evaluator, req);
      this.reportCheck(result);
      return result;
    });
    this.nanWhenEvaluated = [...this.reportedNaN];
  }

  checks: CheckResult[] = [];
  asserts: AssertResult[] = [];
  prints: PrintResult[] = [];

  /** A value as `print` writes it: a tensor as NumPy prints it, a list item by item. */
  private printed(v: Value, span: AST.Span): string {
    switch (v.kind) {
      case 'tensor': {
        const t = this.evaluator.valueOf(v.node);
        if (!t) throw new BuildError('this value could not be evaluated', span, 'print-not-evaluated');
        return formatTensor(t);
      }
      case 'list':
        return `[${v.items.map((item) => this.printed(item, span)).join(', ')}]`;
      case 'none':
        return 'None';
      case 'string':
        return v.value;
      case 'dtype':
        return `<dtype: '${v.dtype}'>`;
      case 'function':
        return `<function ${v.fn.name}>`;
      case 'op':
        return `<op ${v.op.name}>`;
      case 'error':
        throw new BuildError('this value has an error (see the diagnostics)', span, 'print-not-evaluated');
    }
  }

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
  private expectFail(stmt: { span: AST.Span }): boolean {
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

  private statement(stmt: AST.Stmt): void {
    switch (stmt.kind) {
      case 'assign':
        return this.bind(stmt.target, stmt, () => this.assignedValue(stmt.value));
      case 'destructure':
        return this.destructure(stmt);
      case 'feed':
        return this.feed(stmt);
      case 'def':
        return this.def(stmt);
      case 'grad':
        return this.grad(stmt);
      case 'check':
        return this.check(stmt);
      case 'assert': {
        const expectFail = this.expectFail(stmt);
        let node: Node | null = null;
        this.currentAssert = stmt;
        try {
          const v = this.expr(stmt.expr, null);
          node = this.b.toTensor(v, stmt.expr.span);
        } finally {
          this.currentAssert = null;
          this.pendingAsserts.push({ stmt, node, expectFail });
        }
        return;
      }
      case 'print': {
        // `print(a, b)` prints each value, separated by a space, as Python's print.
        const e = stmt.expr;
        const parts = e.kind === 'list' && e.bracket === '(' ? e.elements : [e];
        this.pendingPrints.push({ stmt, values: parts.map((part) => this.expr(part, null)) });
        return;
      }
      case 'expr':
        this.expr(stmt.expr, null);
        return;
      default:
        return unhandled(stmt);
    }
  }

  private bind(target: AST.Identifier, stmt: AST.Stmt, compute: () => Value, destructured = false): void {
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

  private addReference(span: AST.Span, binding: Binding): void {
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

  private destructure(stmt: AST.DestructureStmt): void {
    let value: Value = ERROR;
    try {
      value = this.expr(stmt.value, null);
      if (value.kind !== 'list')
        throw new BuildError(
          `cannot destructure ${describe(value)}: expected a list of ${stmt.targets.length}`,
          stmt.value.span,
          'type-mismatch',
        );
      if (value.items.length !== stmt.targets.length) {
        throw new BuildError(
          `cannot destructure a list of ${value.items.length} into ${stmt.targets.length} names`,
          stmt.value.span,
          'type-mismatch',
        );
      }
    } finally {
      const items = value.kind === 'list' && value.items.length === stmt.targets.length ? value.items : null;
      stmt.targets.forEach((t, i) => this.bind(t, stmt, () => (items ? items[i] : ERROR), true));
    }
  }

  private feed(stmt: AST.FeedStmt): void {
    const binding = this.resolve(stmt.target.name, stmt.target.span, null);
    if (binding.kind === 'error') return;
    const ph = binding.kind === 'tensor' ? binding.node : null;
    if (!ph || ph.op.name !== 'placeholder') {
      throw new BuildError(`\`${stmt.target.name}\` is not a placeholder; only placeholders take a feed`, stmt.target.span, 'feed-target');
    }
    const earlier = this.feedSpans.get(ph);
    if (earlier) {
      throw new BuildError(
        `\`${stmt.target.name}\` is already fed at line ${this.line(earlier)}; one feed per placeholder`,
        stmt.target.span,
        'double-feed',
        [{ span: earlier, message: 'first feed' }],
      );
    }
    this.feedSpans.set(ph, stmt.target.span);
    const value = this.expr(stmt.value, null);
    let node = this.b.toTensor(value, stmt.value.span, ph.type.dtype);
    if (!node.constant)
      throw new BuildError('a feed must be known without other feeds (a literal or a generator)', stmt.value.span, 'not-constant');
    if (node.type.dtype !== ph.type.dtype) node = this.b.cast(node, ph.type.dtype);
    const t = this.evaluator.valueOf(node);
    if (!t) return;
    const declared = ph.type.shape;
    if (declared !== null) {
      const ok = declared.length === t.shape.length && declared.every((d, i) => d === null || d === t.shape[i]);
      if (!ok) {
        throw new BuildError(
          `feed of shape ${showShape(t.shape)} does not match placeholder \`${stmt.target.name}\` of shape ${showShape(declared)}`,
          stmt.value.span,
          'shape-mismatch',
          [{ span: ph.span, message: 'placeholder declared here' }],
        );
      }
    }
    this.feeds.set(ph, { dtype: ph.type.dtype, shape: t.shape.slice(), data: t.data });
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

  private def(stmt: AST.DefStmt): void {
    const analyzer = this;
    const fn: UserFunction = {
      name: stmt.name.name,
      span: stmt.name.span,
      params: stmt.params.map((p) => p.name),
      source: this.text.slice(stmt.span.start, stmt.span.end),
      call(b, args, callSpan) {
        if (args.length !== stmt.params.length) {
          throw new BuildError(
            `${stmt.name.name}() takes ${stmt.params.length} argument${stmt.params.length === 1 ? '' : 's'}, got ${args.length}`,
            callSpan,
            'bad-arguments',
          );
        }
        if (analyzer.callStack.includes(stmt.name.name)) {
          throw new BuildError(
            `\`${stmt.name.name}\` calls itself (${[...analyzer.callStack, stmt.name.name].join(' → ')}); recursive functions are not supported`,
            callSpan,
            'recursive-def',
          );
        }
        const maxCalls = analyzer.budgets.maxCallDepth;
        if (analyzer.callStack.length >= maxCalls) {
          throw new BuildError(
            `function calls are nested more than ${formatCount(maxCalls)} deep (${callChain([...analyzer.callStack, stmt.name.name])}) ${raiseHint('maxCallDepth')}`,
            callSpan,
            'too-deep',
          );
        }
        analyzer.callStack.push(stmt.name.name);
        analyzer.callSpans.push(callSpan);
        const depth = analyzer.exprDepth;
        try {
          const scope = new Map<string, Value>();
          stmt.params.forEach((p, i) => scope.set(p.name, args[i]));
          const inputs = args.map((a) => (a.kind === 'tensor' ? a.node : null));
          const out = analyzer.buildingWith(b, () => b.within(callSpan, undefined, () => analyzer.expr(stmt.body, scope)));
          // Route the call through a node whose gradient is the `grad` rule when there is one.
          if (out.kind !== 'tensor' || inputs.some((n) => n === null)) return out;
          return tensorValue(b.apply('custom_gradient', [...(inputs as Node[]), out.node], { fn }, callSpan));
        } finally {
          analyzer.callStack.pop();
          analyzer.callSpans.pop();
          analyzer.exprDepth = depth;
        }
      },
    };
    for (const p of stmt.params) {
      const dup = stmt.params.filter((q) => q.name === p.name);
      if (dup.length > 1 && dup[0] !== p) this.report(p.span, 'error', 'double-binding', `parameter \`${p.name}\` appears twice`);
    }
    this.bind(stmt.name, stmt, () => ({ kind: 'function', fn }));
  }

  private grad(stmt: AST.GradStmt): void {
    const target = this.resolve(stmt.name.name, stmt.name.span, null);
    if (target.kind === 'error') return;
    if (target.kind !== 'function') {
      throw new BuildError(
        `\`${stmt.name.name}\` is not a function defined with def; a grad rule needs one`,
        stmt.name.span,
        'grad-target',
      );
    }
    const fn = target.fn;
    if (fn.customGrad) throw new BuildError(`\`${fn.name}\` already has a grad rule`, stmt.name.span, 'double-binding');
    if (stmt.params.length !== fn.params.length + 1) {
      throw new BuildError(
        `grad ${fn.name} takes the function's ${fn.params.length} input${fn.params.length === 1 ? '' : 's'} and the upstream gradient: ${fn.params.length + 1} parameters, got ${stmt.params.length}`,
        stmt.name.span,
        'bad-arguments',
      );
    }
    fn.source += '\n' + this.text.slice(stmt.span.start, stmt.span.end);
    fn.customGrad = (b, inputs, dy) => {
      const scope = new Map<string, Value>();
      stmt.params.forEach((p, i) => scope.set(p.name, tensorValue(i < inputs.length ? inputs[i] : dy)));
      const result = this.buildingWith(b, () => b.within(stmt.body.span, undefined, () => this.expr(stmt.body, scope)));
      const items = inputs.length === 1 && result.kind !== 'list' ? [result] : result.kind === 'list' ? result.items : [result];
      if (items.length !== inputs.length) {
        throw new BuildError(
          `grad ${fn.name} must return ${inputs.length} gradient${inputs.length === 1 ? '' : 's'} (one per input), got ${items.length}`,
          stmt.body.span,
          'bad-grad',
        );
      }
      return items.map((v, i) => {
        if (v.kind === 'none') return null;
        const g = b.toTensor(v, stmt.body.span, inputs[i].type.dtype);
        // A rule may return a scalar or anything that broadcasts up to its input; a gradient
        // larger than its input is the classic missing unbroadcast, and TensorFlow refuses it.
        let spread: Node;
        try {
          spread = b.apply('broadcast_like', [g, inputs[i]], {}, stmt.body.span);
        } catch (e) {
          if (!(e instanceof BuildError)) throw e;
          const param = stmt.params[i]?.name ?? `input ${i + 1}`;
          throw new BuildError(
            `grad ${fn.name} returned shape ${showShape(g.type.shape)} for \`${param}\` of shape ${showShape(inputs[i].type.shape)}: a gradient has its input's shape (sum over the broadcast axes, e.g. reduce_sum(${stmt.params[stmt.params.length - 1]?.name ?? 'dy'}, 0))`,
            stmt.body.span,
            'bad-grad',
          );
        }
        return b.apply('reshape_like', [spread, inputs[i]], {}, stmt.body.span);
      });
    };
    this.addReference(stmt.name.span, this.byName.get(stmt.name.name)!);
  }

  private check(stmt: AST.CheckStmt): void {
    const call = stmt.call;
    const expectFail = this.expectFail(stmt);
    if (call.kind !== 'call' || call.callee.kind !== 'name' || !['gradients', 'gradient'].includes(call.callee.name)) {
      throw new BuildError(
        "check expects a call: check gradients(ys, xs, eps=1e-3, atol=1e-5, rtol=1e-3, mode='full')",
        call.span,
        'bad-check',
      );
    }
    const xsText = call.args[1]?.value ? this.text.slice(call.args[1].value.span.start, call.args[1].value.span.end) : '';
    this.pendingChecks.push(
      checkRequest(
        this.b,
        stmt,
        this.args(call, null),
        call.span,
        this.options.check ?? {},
        this.budgets.maxCheckEvaluations,
        expectFail,
        xsText,
      ),
    );
  }

  private reportCheck(r: CheckResult): void {
    if (r.passed && r.expectFail) {
      this.report(r.stmt.span, 'error', 'unexpected-pass', `this check is marked expect-fail but passed (${r.summary})`);
    } else if (!r.passed) {
      this.report(
        r.span ?? r.stmt.span,
        r.expectFail ? 'information' : 'error',
        'check-failed',
        (r.expectFail ? '(expected to fail) ' : '') + r.message,
      );
    }
    for (const note of r.notes) this.report(note.span ?? r.stmt.span, 'information', note.code, note.message);
  }

  private finishAssert(a: { stmt: AST.AssertStmt; node: Node | null; expectFail: boolean }): void {
    const push = (passed: boolean, message: string) => {
      this.asserts.push({ stmt: a.stmt, passed, message, expectFail: a.expectFail });
      if (passed && a.expectFail) this.report(a.stmt.span, 'error', 'unexpected-pass', 'this assert is marked expect-fail but passed');
      else if (!passed)
        this.report(
          a.stmt.expr.span,
          a.expectFail ? 'information' : 'error',
          'assert-failed',
          (a.expectFail ? '(expected to fail) ' : '') + message,
        );
    };
    if (!a.node) {
      // Its expression already has a diagnostic; count the assert as failed without a second one.
      this.asserts.push({ stmt: a.stmt, passed: false, message: 'assert could not be evaluated', expectFail: a.expectFail });
      return;
    }
    if (a.node.type.dtype !== 'bool') {
      throw new BuildError(
        `assert needs a bool tensor (a comparison, allclose, all), got ${a.node.type.dtype}`,
        a.stmt.expr.span,
        'dtype-mismatch',
      );
    }
    const v = this.evaluator.valueOf(a.node);
    if (!v) return push(false, 'assert could not be evaluated (an input is not fed or failed)');
    let ok = true;
    for (let i = 0; i < v.data.length; i++) if (!v.data[i]) ok = false;
    if (ok) return push(true, 'assert passed');
    const detail = describeAssert(
      a.stmt.expr,
      (e) => {
        const n = this.exprNodes.get(e);
        const t = n && this.evaluator.valueOf(n);
        return t ? formatTensor(t, { threshold: 20 }) : undefined;
      },
      this.text,
    );
    push(
      false,
      `assert failed: ${this.text.slice(a.stmt.expr.span.start, a.stmt.expr.span.end)} is ${formatTensor(v, { threshold: 20 })}${detail}`,
    );
  }

  // ---- expressions ---------------------------------------------------------------------

  /** Nodes made for each expression of an assert (so that failed asserts can show their
   *  operands), and the assert each belongs to. */
  readonly exprNodes = new Map<AST.Expr, Node>();
  private readonly exprAssert = new Map<AST.Expr, AST.AssertStmt>();
  private currentAssert: AST.AssertStmt | null = null;

  expr(e: AST.Expr, scope: Map<string, Value> | null): Value {
    // The parser bounds the depth of one statement; a call of a def adds the depth of its
    // body to the caller's, so within calls the sum is bounded here (the stack is finite).
    if (++this.exprDepth > this.budgets.maxNestingDepth && this.callStack.length > 0) {
      this.exprDepth--;
      throw new BuildError(
        `this call nests expressions more than ${formatCount(this.budgets.maxNestingDepth)} levels deep, counting the bodies of the functions it calls (${callChain(this.callStack)}) ${raiseHint('maxNestingDepth')}`,
        this.callSpans[0],
        'nesting-too-deep',
      );
    }
    // No try/finally: a thrown error unwinds to a statement (or a function call), which
    // resets the depth; rethrowing at every level made an unknown name cost microseconds.
    const v = this.exprInner(e, scope);
    this.exprDepth--;
    if (v.kind === 'tensor' && this.currentAssert) {
      this.exprNodes.set(e, v.node);
      this.exprAssert.set(e, this.currentAssert);
    }
    return v;
  }

  private exprInner(e: AST.Expr, scope: Map<string, Value> | null): Value {
    const b = this.b;
    switch (e.kind) {
      case 'number': {
        // A Python number: a float is its double; an int is exact (past 2^53 it is read again
        // from its digits) and int32 when it fits, else int64, as tf.constant.
        if (!e.isInteger) return tensorValue(b.literal(e.value, 'float32', e.span));
        if (Number.isSafeInteger(e.value))
          return tensorValue(b.literal(e.value, e.value >= -2147483648 && e.value <= 2147483647 ? 'int32' : 'int64', e.span));
        return tensorValue(b.pyNumber(BigInt(this.text.slice(e.span.start, e.span.end)), e.span));
      }
      case 'string':
        return { kind: 'string', value: e.value };
      case 'constant':
        return e.value === null ? NONE : tensorValue(b.literal(e.value ? 1 : 0, 'bool', e.span));
      case 'name':
        return this.resolve(e.name, e.span, scope, e.text);
      case 'list':
        return this.list(e, scope);
      case 'unary': {
        const operand = this.expr(e.operand, scope);
        if (e.op === '+') return operand;
        const number = operand.kind === 'tensor' ? b.pythonValue(operand.node) : undefined;
        if (number !== undefined) return this.python(() => pyUnary(e.op === '-' ? '-' : 'not', number), e.span);
        const opName = e.op === '-' ? 'negative' : 'logical_not';
        return this.operator(opName, [{ value: operand, span: e.operand.span }], e.span);
      }
      case 'binary':
        return this.binary(e, this.expr(e.left, scope), this.expr(e.right, scope));
      case 'call':
        return this.call(e, scope);
      case 'index':
        return this.index(e, scope);
      case 'attribute':
        return this.attribute(e, scope);
      case 'error':
        throw new Poisoned();
    }
  }

  private binary(e: AST.BinaryExpr, left: Value, right: Value): Value {
    const op = lookupOp(BINARY_OPS[e.op])!;
    if (left.kind === 'tensor' && right.kind === 'tensor') {
      if (left.node.weak && right.node.weak) {
        // Python numbers: Python's arithmetic, before any tensor exists.
        const a = this.b.pythonValue(left.node);
        const c = a === undefined || e.op === '@' ? undefined : this.b.pythonValue(right.node);
        if (c !== undefined) return this.python(() => pyBinary(e.op as PyBinaryOp, a!, c), e.span);
      } else if (isBinaryPrimitive(op)) {
        return tensorValue(this.b.binary(op, left.node, e.left.span, right.node, e.right.span, e.span));
      }
    }
    return this.operator(
      BINARY_OPS[e.op],
      [
        { value: left, span: e.left.span },
        { value: right, span: e.right.span },
      ],
      e.span,
    );
  }

  /** A Python number computed by `compute` as a literal, or Python's exception at `span`. */
  private python(compute: () => PyNumber, span: AST.Span): Value {
    let value: PyNumber;
    try {
      value = compute();
    } catch (e) {
      if (e instanceof PyError) throw new BuildError(e.text, span, 'python-error');
      throw e;
    }
    return tensorValue(this.b.pyNumber(value, span));
  }

  /** Operators: like a call of the op, except that literals (lists of numbers here: numbers
   *  alone combine in Python above) combine into a literal, computed in Python's precision
   *  (doubles, exact integers) so that `[1., 2.] / 3.` adapts to the tensor it later meets. */
  private operator(opName: string, args: CallArg[], span: AST.Span): Value {
    const op = lookupOp(opName)!;
    let allWeak = true;
    for (const a of args) if (a.value.kind !== 'tensor' || !a.value.node.weak) allWeak = false;
    if (!allWeak) return this.b.call(op, args, span);
    const wide = this.b.widenLiterals(
      args.map((a) => (a.value as { node: Node }).node),
      args.map((a) => a.span),
    );
    const result = this.b.call(
      op,
      args.map((a, i) => ({ ...a, value: tensorValue(wide[i]) })),
      span,
    );
    if (result.kind !== 'tensor') return result;
    const t = this.evaluator.valueOf(result.node);
    return tensorValue(t ? this.b.literalFrom(t, span) : result.node);
  }

  private list(e: AST.ListExpr, scope: Map<string, Value> | null): Value {
    const literal = numericLiteral(e);
    if (literal) {
      const size = literal.data.length;
      if (size > this.b.maxElements) {
        throw new BuildError(
          `a literal of ${formatCount(size)} elements is over the ${formatCount(this.b.maxElements)}-element budget ${raiseHint('maxElements')}`,
          e.span,
          'budget-elements',
        );
      }
      return tensorValue(this.b.constant(literal, e.span, true));
    }
    return { kind: 'list', items: e.elements.map((x) => this.expr(x, scope)) };
  }

  /** Where a top-level name is first bound in the program, to explain a use before it. Most
   *  files have no unknown name, and most that do have few: the first ones scan the
   *  statements, and a table is made only when there are more. (In a 100,000-line file a scan
   *  takes a few milliseconds, the table 40: two scans, then the table.) */
  private firstBinding(name: string): AST.Span | undefined {
    const statements = this.program.statements;
    if (!this.futureBindings && ++this.futureQueries <= 8 && this.futureQueries * statements.length <= 200_000)
      return firstBoundIn(statements, name);
    if (!this.futureBindings) {
      const first = new Map<string, AST.Span>();
      for (const stmt of this.program.statements) {
        for (const id of boundNames(stmt)) if (!first.has(id.name)) first.set(id.name, id.span);
      }
      this.futureBindings = first;
    }
    return this.futureBindings.get(name);
  }

  /** The value of a name. One that cannot be resolved is a BuildError, thrown; with
   *  `reportMissing` it is reported here and the result is ERROR (for `assignedValue`). */
  private resolve(name: string, span: AST.Span, scope: Map<string, Value> | null, text = name, reportMissing = false): Value {
    const local = scope?.get(name);
    if (local) return local;
    if (text.includes('.') && !this.byName.has(name)) {
      const attribute = this.dottedAttribute(text, span, scope);
      if (attribute) return attribute;
    }
    const binding = this.byName.get(name);
    if (binding) {
      this.addReference(span, binding);
      if (binding.value.kind === 'error') {
        if (reportMissing) return ERROR;
        throw new Poisoned();
      }
      return binding.value;
    }
    const dtype = parseDType(name);
    if (dtype) return { kind: 'dtype', dtype };
    const op = lookupOp(name);
    if (op && !op.internal) return { kind: 'op', op };
    const later = this.firstBinding(name);
    let message: string;
    let code: string;
    let related: Related[] = [];
    if (later && later.start > span.start) {
      message = `\`${name}\` is used before it is defined (at line ${this.line(later)})`;
      code = 'use-before-definition';
      related = [{ span: later, message: `\`${name}\` is defined here` }];
    } else {
      const candidates = [this.byName.names(), scope ? scope.keys() : [], publicNames()];
      message = `unknown name \`${text}\`${this.hiddenByCap(span.start) ? '' : didYouMeanAmong(name, candidates)}`;
      code = 'unknown-name';
    }
    if (!reportMissing) throw new BuildError(message, span, code, related);
    this.report(span, 'error', code, message, related.length ? related : undefined);
    return ERROR;
  }

  /** The value of an assignment (`stmt.value`): `expr`, except that an unresolved name in it,
   *  alone or an operand of binary operators, is reported without an exception: the value is
   *  then ERROR, which the binding takes just as it does when the statement throws. (A file of
   *  typos made one exception per line, and unwinding one costs microseconds.) */
  private assignedValue(e: AST.Expr): Value {
    if (e.kind === 'name') return this.resolve(e.name, e.span, null, e.text, true);
    if (e.kind === 'binary') {
      const left = this.assignedValue(e.left);
      if (left.kind === 'error') return ERROR;
      const right = this.assignedValue(e.right);
      if (right.kind === 'error') return ERROR;
      return this.binary(e, left, right);
    }
    return this.expr(e, null);
  }

  private args(call: AST.CallExpr, scope: Map<string, Value> | null): CallArg[] {
    return call.args.map((a) => ({ keyword: a.keyword, value: this.expr(a.value, scope), span: a.value.span }));
  }

  private call(e: AST.CallExpr, scope: Map<string, Value> | null): Value {
    let callee: Value;
    if (e.callee.kind === 'name') {
      const local = scope?.get(e.callee.name) ?? this.byName.get(e.callee.name)?.value;
      const op = lookupOp(e.callee.name);
      if (!local && (!op || op.internal)) {
        const candidates = [publicOpNames(), this.byName.markedNames()];
        const later = this.firstBinding(e.callee.name);
        if (later && later.start > e.span.start) {
          throw new BuildError(
            `\`${e.callee.name}\` is used before it is defined (at line ${this.line(later)})`,
            e.callee.span,
            'use-before-definition',
            [{ span: later, message: `\`${e.callee.name}\` is defined here` }],
          );
        }
        throw new BuildError(`unknown op \`${e.callee.text}\`${didYouMeanAmong(e.callee.name, candidates)}`, e.callee.span, 'unknown-op');
      }
      callee = this.expr(e.callee, scope);
    } else {
      callee = this.expr(e.callee, scope);
    }
    const args = this.args(e, scope);
    if (callee.kind === 'op') return this.b.call(callee.op, args, e.span);
    if (callee.kind === 'function') {
      const kw = args.find((a) => a.keyword);
      if (kw) throw new BuildError(`${callee.fn.name}() takes positional arguments only`, kw.keyword!.span, 'bad-arguments');
      return callee.fn.call(
        this.b,
        args.map((a) => a.value),
        e.span,
      );
    }
    if (callee.kind === 'dtype') {
      // `float32(x)` / `np.float32(3)`: a cast, as NumPy's scalar constructors.
      if (args.length !== 1) throw new BuildError(`${callee.dtype}() takes one argument`, e.argsSpan, 'bad-arguments');
      const node = this.b.toTensor(args[0].value, args[0].span, callee.dtype);
      return tensorValue(this.b.cast(node, callee.dtype));
    }
    throw new BuildError(`${describe(callee)} is not callable`, e.callee.span, 'not-callable');
  }

  private index(e: AST.IndexExpr, scope: Map<string, Value> | null): Value {
    const target = this.expr(e.target, scope);
    if (target.kind === 'list') {
      if (e.items.length !== 1 || e.items[0].kind === 'slice' || e.items[0].kind === 'ellipsis') {
        if (e.items.length === 1 && e.items[0].kind === 'slice') return this.sliceList(target, e.items[0], scope);
        throw new BuildError('a list takes one integer index', e.span, 'bad-index');
      }
      const item = e.items[0] as AST.Expr;
      const i = this.b.staticInt(this.expr(item, scope), item.span, 'index');
      const n = target.items.length;
      if (i < -n || i >= n) throw new BuildError(`index ${i} is out of range for a list of ${n}`, item.span, 'index-out-of-range');
      return target.items[i < 0 ? i + n : i];
    }
    const node = this.b.toTensor(target, e.target.span);
    const spec = e.items.map((item) => {
      if (item.kind === 'ellipsis') return { kind: 'ellipsis' as const };
      if (item.kind === 'slice') {
        const part = (x: AST.Expr | undefined, what: string) => (x ? this.b.staticInt(this.expr(x, scope), x.span, what) : null);
        return {
          kind: 'slice' as const,
          start: part(item.start, 'slice start'),
          stop: part(item.stop, 'slice stop'),
          step: part(item.step, 'slice step'),
        };
      }
      if (item.kind === 'constant' && item.value === null) return { kind: 'newaxis' as const };
      return { kind: 'index' as const, index: this.b.staticInt(this.expr(item, scope), item.span, 'index') };
    });
    return tensorValue(this.b.apply('strided_slice', [node], { spec }, e.span, [e.target.span, ...e.items.map((i) => i.span)]));
  }

  private sliceList(target: Extract<Value, { kind: 'list' }>, s: AST.SliceItem, scope: Map<string, Value> | null): Value {
    const part = (x: AST.Expr | undefined) => (x ? this.b.staticInt(this.expr(x, scope), x.span, 'slice') : undefined);
    const step = part(s.step) ?? 1;
    if (step !== 1) throw new BuildError('list slices take no step', s.span, 'bad-index');
    return { kind: 'list', items: target.items.slice(part(s.start), part(s.stop)) };
  }

  private attribute(e: AST.AttributeExpr, scope: Map<string, Value> | null): Value {
    return this.attributeOf(this.expr(e.target, scope), e.attribute.name, e.span, e.attribute.span);
  }

  /** `.shape`, `.dtype`, `.T`, `.ndim` of a tensor. */
  private attributeOf(target: Value, name: string, span: AST.Span, nameSpan: AST.Span): Value {
    if (target.kind === 'tensor') {
      const node = target.node;
      if (name === 'shape') {
        const shape = node.type.shape;
        if (!shape) throw new BuildError('the shape has unknown rank', span, 'unknown-shape');
        return { kind: 'list', items: shape.map((d) => (d === null ? NONE : tensorValue(this.b.literal(d, 'int32', span)))) };
      }
      if (name === 'dtype') return { kind: 'dtype', dtype: node.type.dtype };
      if (name === 'T') return tensorValue(this.b.apply('transpose', [node], { perm: null }, span));
      if (name === 'ndim') {
        if (!node.type.shape) throw new BuildError('the rank is unknown', span, 'unknown-shape');
        return tensorValue(this.b.literal(node.type.shape.length, 'int32', span));
      }
    }
    throw new BuildError(
      `${describe(target)} has no attribute \`${name}\` (tensors have .shape, .dtype, .T, .ndim)`,
      nameSpan,
      'unknown-attribute',
    );
  }

  /** `x.shape` lexes as one dotted name: when its head is a bound name, read the rest as
   *  attribute accesses. */
  private dottedAttribute(text: string, span: AST.Span, scope: Map<string, Value> | null): Value | undefined {
    const parts = text.split('.');
    if (parts.length < 2) return undefined;
    const head = parts[0];
    const headBinding = scope?.get(head) ?? this.byName.get(head)?.value;
    if (!headBinding) return undefined;
    let value = this.resolve(head, { start: span.start, end: span.start + head.length }, scope);
    let offset = span.start + head.length;
    for (const attr of parts.slice(1)) {
      const nameSpan = { start: offset + 1, end: offset + 1 + attr.length };
      value = this.attributeOf(value, attr, { start: span.start, end: nameSpan.end }, nameSpan);
      offset = nameSpan.end;
    }
    return value;
  }

  // ---- numerics ------------------------------------------------------------------------

  private notedKinks = new Set<Node>();

  /** Information where a gradient is taken exactly at a non-differentiable point. */
  private noteKinks(site: GradientSite): void {
    for (const node of site.path) {
      const kink = node.op.kink;
      if (!kink || this.notedKinks.has(node) || this.notedKinks.size >= 20) continue;
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

  /** Warns at the first node that turns finite inputs into NaN or Inf. */
  private watchNonFinite(node: Node, value: Tensor, inputs: readonly Tensor[]): void {
    if (this.reportedNaN.size >= MAX_NAN_WARNINGS) return;
    const message = nonFiniteMessage(node, value, inputs);
    if (message === null) return;
    this.reportedNaN.add(node);
    this.report(node.span, 'warning', 'non-finite', message);
  }

  /** The warning of a value taken over from the previous analysis (its label may have
   *  changed since). */
  private reportNonFiniteAgain(node: Node): void {
    const value = this.evaluator.peek(node);
    const inputs = node.inputs.map((i) => this.evaluator.peek(i));
    if (value && inputs.every((t) => t !== undefined)) this.watchNonFinite(node, value, inputs as Tensor[]);
  }
}

/** NaN/Inf warnings per analysis: the first ones are where to look. */
const MAX_NAN_WARNINGS = 20;

function describeAssert(expr: AST.Expr, show: (e: AST.Expr) => string | undefined, text: string): string {
  const operands: AST.Expr[] = [];
  if (expr.kind === 'binary') operands.push(expr.left, expr.right);
  if (expr.kind === 'call') for (const a of expr.args.slice(0, 2)) operands.push(a.value);
  const parts = operands
    .map((o) => {
      const s = show(o);
      return s === undefined ? null : `${text.slice(o.span.start, o.span.end)} = ${s}`;
    })
    .filter((x): x is string => x !== null);
  return parts.length ? `; ${parts.join('; ')}` : '';
}

function describe(v: Value): string {
  switch (v.kind) {
    case 'tensor':
      return `a ${v.node.type.dtype} tensor`;
    case 'list':
      return `a list of ${v.items.length}`;
    case 'none':
      return 'None';
    case 'string':
      return `the string '${v.value}'`;
    case 'dtype':
      return `the dtype ${v.dtype}`;
    case 'function':
      return `the function \`${v.fn.name}\``;
    case 'op':
      return `the op \`${v.op.name}\``;
    default:
      return 'an erroneous value';
  }
}

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

export function forEachNode(v: Value, f: (n: Node) => void): void {
  if (v.kind === 'tensor') f(v.node);
  else if (v.kind === 'list') for (const item of v.items) forEachNode(item, f);
}

/** The span where `name` is first bound among `statements` (as `boundNames`, without
 *  making an array per statement). */
function firstBoundIn(statements: readonly AST.Stmt[], name: string): AST.Span | undefined {
  // (an indexed loop: this runs once or a few times, unoptimised, where `for of` makes an
  // iterator result per statement)
  for (let i = 0; i < statements.length; i++) {
    const stmt = statements[i];
    if (stmt.kind === 'assign') {
      if (stmt.target.name === name) return stmt.target.span;
    } else if (stmt.kind === 'def') {
      if (stmt.name.name === name) return stmt.name.span;
    } else if (stmt.kind === 'destructure') {
      for (const t of stmt.targets) if (t.name === name) return t.span;
    }
  }
  return undefined;
}

function boundNames(stmt: AST.Stmt): AST.Identifier[] {
  switch (stmt.kind) {
    case 'assign':
      return [stmt.target];
    case 'destructure':
      return stmt.targets;
    case 'def':
      return [stmt.name];
    default:
      return [];
  }
}

/** A nested list of number literals becomes one constant directly (fast for big feeds). */
function numericLiteral(e: AST.ListExpr): Tensor | null {
  const shape: number[] = [];
  const values: number[] = [];
  let isFloatLiteral = false;
  let isBool = false;
  let isNumber = false;
  const walk = (x: AST.Expr, depth: number): boolean => {
    if (x.kind === 'list') {
      if (depth === shape.length) shape.push(x.elements.length);
      else if (shape[depth] !== x.elements.length) return false;
      return x.elements.every((el) => walk(el, depth + 1));
    }
    if (depth !== shape.length) return false;
    let v: number;
    if (x.kind === 'number') {
      v = x.value;
      isNumber = true;
      if (!x.isInteger) isFloatLiteral = true;
    } else if (x.kind === 'unary' && x.op === '-' && x.operand.kind === 'number') {
      v = -x.operand.value;
      isNumber = true;
      if (!x.operand.isInteger) isFloatLiteral = true;
    } else if (x.kind === 'constant' && x.value !== null) {
      v = x.value ? 1 : 0;
      isBool = true;
    } else return false;
    values.push(v);
    return true;
  };
  if (!walk(e, 0)) return null;
  if (isBool && isNumber) return null;
  // every leaf must sit at the deepest level
  const size = shape.reduce((a, d) => a * d, 1);
  if (size !== values.length) return null;
  // Ints are int32 when all fit, else int64 (as tf.constant); past 2^53 each element is read
  // exactly on its own.
  const ints =
    isBool || isFloatLiteral
      ? null
      : values.every((v) => v >= -2147483648 && v <= 2147483647)
        ? 'int32'
        : values.every(Number.isSafeInteger)
          ? 'int64'
          : null;
  if (!isBool && !isFloatLiteral && ints === null) return null;
  const dtype = isBool ? 'bool' : isFloatLiteral ? 'float32' : ints!;
  // Float literals keep full precision until they meet a dtype (0.1 stays 0.1 in float64).
  const data = dtype === 'bool' ? Uint8Array.from(values) : dtype === 'int32' ? Int32Array.from(values) : Float64Array.from(values);
  return { dtype, shape, data };
}

// ---- budgets ------------------------------------------------------------------------------

/** `f → g → h`, or its ends when the chain is long. */
function callChain(names: readonly string[]): string {
  return names.length <= 6 ? names.join(' → ') : [...names.slice(0, 3), '…', ...names.slice(-2)].join(' → ');
}

/** The end of a switch over every kind of a union: a kind added to the union and not to the
 *  switch is a type error here. */
function unhandled(kind: never): never {
  throw new Error(`unhandled kind ${JSON.stringify((kind as { kind?: unknown }).kind)}`);
}
