// One Analysis per version of a document: the syntax tree, the graph, every bound name with
// its value, the diagnostics, the gradient sites, the checks and asserts. The CLI, the
// language server and the tests all read it; none of them recomputes anything.

import type * as AST from './syntax/ast';
import type * as PyAST from './python/ast';
import type { PythonDetails } from './python/details';
import { analyzePython } from './python/analysis';
import { parse } from './syntax/parser';
import { LineIndex } from './syntax/lineIndex';
import { Graph, type Node } from './graph';
import {
  Builder, BuildError, type CallArg, ERROR, NONE, Poisoned, type UserFunction, type Value, isBinaryPrimitive, parseDType, tensorValue,
} from './builder';
import { Evaluator, type Budget } from './evaluate';
import { ValueCache } from './valueCache';
import { type Tensor, isFloat } from './tensor';
import { type PyBinaryOp, type PyNumber, PyError, pyBinary, pyUnary } from './pynumber';
import { showShape } from './types';
import { lookupOp } from './ops/registry';
import { type GradientSite, differentiate } from './ops/differentiation';
import { buildGradients } from './autodiff';
import { IndexedNameMap, didYouMeanAmong, publicNames, publicOpNames } from './suggest';
import { runCheck, type CheckResult, type CheckRequest } from './check';
import { formatTensor } from './format/numpy';
import './ops';
import { type LoadContext, getLoadContext, setLoadContext } from './ops/npy';
import { type Budgets, formatCount, raiseHint, resolveBudgets, sameBudgets } from './budgets';
import { firstAtLeast } from './sorted';

export type Severity = 'error' | 'warning' | 'information';

export interface Related {
  span: AST.Span;
  message: string;
}

export interface Diagnostic {
  span: AST.Span;
  severity: Severity;
  code: string;
  message: string;
  related?: Related[];
}

export type BindingKind = 'placeholder' | 'variable' | 'gradient' | 'function' | 'tensor' | 'list' | 'other';

export interface Binding {
  name: string;
  /** The span of the name where it is bound. */
  span: AST.Span;
  /** The statement that binds it: of a .tgraph file, or of a Python script. */
  stmt: AST.Stmt | PyAST.Stmt;
  value: Value;
  kind: BindingKind;
  /** True for names bound by destructuring (not reported in `--json` values). */
  destructured: boolean;
  /** For names bound to a `gradients`/`gradient` result. */
  gradient?: GradientSite;
  /** Python scripts: what the value is when it has no tensor form (a session, a dict), why
   *  the name has no value ("not evaluated: depends on `model`, ..."), or a note on a
   *  tensor's value ("samples of NumPy's stream from seed 0: ..."). */
  describe?: string;
}

export interface AssertResult {
  /** A .tgraph `assert`, or a Python `assert`. */
  stmt: AST.AssertStmt | PyAST.Assert;
  passed: boolean;
  message: string;
  expectFail: boolean;
}

/** The budgets (engine/budgets.ts: maxElements, maxNestingDepth, maxDiagnostics, ...) are
 *  fields of their own; a missing or malformed one takes its default. */
export interface AnalysisOptions extends Partial<Budgets> {
  /** Defaults for `check` statements. */
  check?: { eps?: number; atol?: number; rtol?: number };
  /** `valueCache` of the previous analysis of the same document: unchanged nodes reuse it. */
  cache?: ValueCache;
  /** Where `load('x.npy')` may read: the document's folder and the workspace roots. Without
   *  it, load() reports that it needs a file on disk. */
  load?: Partial<LoadContext>;
  /** The previous analysis of the same document, with the same options: when the edit leaves
   *  a prefix of statements untouched (and nothing after it can change them), its graph is
   *  taken over and only the statements from the edit on are built again. The previous
   *  analysis must not be used afterwards (its graph becomes this one's). Pass `cache` too. */
  previous?: Analysis;
  /** Asked between statements, bindings and kernel blocks: true stops the analysis (a newer
   *  text is waiting). A stopped analysis is never shown, but may be `previous` to the next:
   *  only the statements it built before stopping are taken over. */
  cancelled?: () => boolean;
  /** Told which statement is being built, and which binding evaluated (the analysis worker
   *  names it if it has to be stopped). */
  progress?: (phase: 'building' | 'evaluating', span: AST.Span) => void;
  /** The document's language: a `.tgraph` file (the default) or a Python script, which the
   *  Python front end (engine/python) analyses into the same Analysis. */
  language?: 'tgraph' | 'python';
}

export interface Analysis {
  readonly text: string;
  readonly program: AST.Program;
  readonly lines: LineIndex;
  readonly graph: Graph;
  /** Top-level bindings in source order. */
  readonly bindings: readonly Binding[];
  readonly diagnostics: readonly Diagnostic[];
  readonly checks: readonly CheckResult[];
  readonly asserts: readonly AssertResult[];
  readonly gradientSites: readonly GradientSite[];
  /** Placeholders and their feeds. */
  readonly feeds: ReadonlyMap<Node, Tensor>;
  /** Every use of a name: its span and the binding it resolves to (definition, references, rename). */
  readonly references: readonly { span: AST.Span; binding: Binding }[];
  valueOf(node: Node): Tensor | undefined;
  lookup(name: string): Binding | undefined;
  /** Values by node key, to pass as `cache` to the next analysis of this document. */
  readonly valueCache: ValueCache;
  /** How many node values were reused from `options.cache` and how many computed. */
  readonly stats: { reused: number; computed: number; milliseconds: number };
  /** The budgets this analysis ran under (options with defaults filled in): the explainer
   *  and the editor's pictures read theirs here. */
  readonly budgets: Readonly<Budgets>;
  /** Python scripts only (engine/python): what the script printed, the statements it did not
   *  evaluate, and which `sess.run` each graph tensor's value comes from. `program` is then
   *  empty: the script's own tree is `python.module`. */
  readonly python?: PythonDetails;
}

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

class Analyzer {
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

  /** A new evaluator (fresh budget) that reuses values by key from `options.cache`. */
  private startEvaluator(): void {
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
    this.reportedNaN = new Set();
    this.notedKinks = new Set();
    this.checks = [];
    this.asserts = [];
    this.text = text;
    this.program = program;
    this.options = options;
    this.budgets = resolveBudgets(options);
    this.lines = new LineIndex(text);
    this.startEvaluator();
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
        this.report(stmt.span, 'error', 'budget-statements', `this file has ${formatCount(statements.length)} statements: the ${formatCount(statements.length - maxStatements)} from here on are not analysed ${raiseHint('maxStatements')}`);
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
    this.checks = this.pendingChecks.map((req) => {
      const result = runCheck(this.evaluator, req);
      this.reportCheck(result);
      return result;
    });
  }

  checks: CheckResult[] = [];
  asserts: AssertResult[] = [];

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
      case 'expr':
        this.expr(stmt.expr, null);
        return;
    }
  }

  private bind(target: AST.Identifier, stmt: AST.Stmt, compute: () => Value, destructured = false): void {
    const previous = this.byName.get(target.name);
    if (previous) {
      this.report(target.span, 'error', 'double-binding', `\`${target.name}\` is already bound at line ${this.line(previous.span)}; a name is bound once`, [
        { span: previous.span, message: `first binding of \`${target.name}\`` },
      ]);
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
      if (value.kind !== 'list') throw new BuildError(`cannot destructure ${describe(value)}: expected a list of ${stmt.targets.length}`, stmt.value.span, 'type-mismatch');
      if (value.items.length !== stmt.targets.length) {
        throw new BuildError(`cannot destructure a list of ${value.items.length} into ${stmt.targets.length} names`, stmt.value.span, 'type-mismatch');
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
      throw new BuildError(`\`${stmt.target.name}\` is already fed at line ${this.line(earlier)}; one feed per placeholder`, stmt.target.span, 'double-feed', [
        { span: earlier, message: 'first feed' },
      ]);
    }
    this.feedSpans.set(ph, stmt.target.span);
    const value = this.expr(stmt.value, null);
    let node = this.b.toTensor(value, stmt.value.span, ph.type.dtype);
    if (!node.constant) throw new BuildError('a feed must be known without other feeds (a literal or a generator)', stmt.value.span, 'not-constant');
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
          throw new BuildError(`${stmt.name.name}() takes ${stmt.params.length} argument${stmt.params.length === 1 ? '' : 's'}, got ${args.length}`, callSpan, 'bad-arguments');
        }
        if (analyzer.callStack.includes(stmt.name.name)) {
          throw new BuildError(`\`${stmt.name.name}\` calls itself (${[...analyzer.callStack, stmt.name.name].join(' → ')}); recursive functions are not supported`, callSpan, 'recursive-def');
        }
        const maxCalls = analyzer.budgets.maxCallDepth;
        if (analyzer.callStack.length >= maxCalls) {
          throw new BuildError(`function calls are nested more than ${formatCount(maxCalls)} deep (${callChain([...analyzer.callStack, stmt.name.name])}) ${raiseHint('maxCallDepth')}`, callSpan, 'too-deep');
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
      throw new BuildError(`\`${stmt.name.name}\` is not a function defined with def; a grad rule needs one`, stmt.name.span, 'grad-target');
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
        throw new BuildError(`grad ${fn.name} must return ${inputs.length} gradient${inputs.length === 1 ? '' : 's'} (one per input), got ${items.length}`, stmt.body.span, 'bad-grad');
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
      throw new BuildError('check expects a call: check gradients(ys, xs, eps=1e-3, atol=1e-5, rtol=1e-3, mode=\'full\')', call.span, 'bad-check');
    }
    const xsText = call.args[1]?.value ? this.text.slice(call.args[1].value.span.start, call.args[1].value.span.end) : '';
    this.pendingChecks.push(checkRequest(this.b, stmt, this.args(call, null), call.span, this.options.check ?? {}, this.budgets.maxCheckEvaluations, expectFail, xsText));
  }

  private reportCheck(r: CheckResult): void {
    if (r.passed && r.expectFail) {
      this.report(r.stmt.span, 'error', 'unexpected-pass', `this check is marked expect-fail but passed (${r.summary})`);
    } else if (!r.passed) {
      this.report(r.span ?? r.stmt.span, r.expectFail ? 'information' : 'error', 'check-failed', (r.expectFail ? '(expected to fail) ' : '') + r.message);
    }
    for (const note of r.notes) this.report(note.span ?? r.stmt.span, 'information', note.code, note.message);
  }

  private finishAssert(a: { stmt: AST.AssertStmt; node: Node | null; expectFail: boolean }): void {
    const push = (passed: boolean, message: string) => {
      this.asserts.push({ stmt: a.stmt, passed, message, expectFail: a.expectFail });
      if (passed && a.expectFail) this.report(a.stmt.span, 'error', 'unexpected-pass', 'this assert is marked expect-fail but passed');
      else if (!passed) this.report(a.stmt.expr.span, a.expectFail ? 'information' : 'error', 'assert-failed', (a.expectFail ? '(expected to fail) ' : '') + message);
    };
    if (!a.node) {
      // Its expression already has a diagnostic; count the assert as failed without a second one.
      this.asserts.push({ stmt: a.stmt, passed: false, message: 'assert could not be evaluated', expectFail: a.expectFail });
      return;
    }
    if (a.node.type.dtype !== 'bool') {
      throw new BuildError(`assert needs a bool tensor (a comparison, allclose, all), got ${a.node.type.dtype}`, a.stmt.expr.span, 'dtype-mismatch');
    }
    const v = this.evaluator.valueOf(a.node);
    if (!v) return push(false, 'assert could not be evaluated (an input is not fed or failed)');
    let ok = true;
    for (let i = 0; i < v.data.length; i++) if (!v.data[i]) ok = false;
    if (ok) return push(true, 'assert passed');
    const detail = describeAssert(a.stmt.expr, (e) => {
      const n = this.exprNodes.get(e);
      const t = n && this.evaluator.valueOf(n);
      return t ? formatTensor(t, { threshold: 20 }) : undefined;
    }, this.text);
    push(false, `assert failed: ${this.text.slice(a.stmt.expr.span.start, a.stmt.expr.span.end)} is ${formatTensor(v, { threshold: 20 })}${detail}`);
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
        if (Number.isSafeInteger(e.value)) return tensorValue(b.literal(e.value, e.value >= -2147483648 && e.value <= 2147483647 ? 'int32' : 'int64', e.span));
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
    return this.operator(BINARY_OPS[e.op], [
      { value: left, span: e.left.span },
      { value: right, span: e.right.span },
    ], e.span);
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
    const result = this.b.call(op, args.map((a, i) => ({ ...a, value: tensorValue(wide[i]) })), span);
    if (result.kind !== 'tensor') return result;
    const t = this.evaluator.valueOf(result.node);
    return tensorValue(t ? this.b.literalFrom(t, span) : result.node);
  }

  private list(e: AST.ListExpr, scope: Map<string, Value> | null): Value {
    const literal = numericLiteral(e);
    if (literal) {
      const size = literal.data.length;
      if (size > this.b.maxElements) {
        throw new BuildError(`a literal of ${formatCount(size)} elements is over the ${formatCount(this.b.maxElements)}-element budget ${raiseHint('maxElements')}`, e.span, 'budget-elements');
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
    if (!this.futureBindings && ++this.futureQueries <= 8 && this.futureQueries * statements.length <= 200_000) return firstBoundIn(statements, name);
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
          throw new BuildError(`\`${e.callee.name}\` is used before it is defined (at line ${this.line(later)})`, e.callee.span, 'use-before-definition', [
            { span: later, message: `\`${e.callee.name}\` is defined here` },
          ]);
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
      return callee.fn.call(this.b, args.map((a) => a.value), e.span);
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
        return { kind: 'slice' as const, start: part(item.start, 'slice start'), stop: part(item.stop, 'slice stop'), step: part(item.step, 'slice step') };
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
    throw new BuildError(`${describe(target)} has no attribute \`${name}\` (tensors have .shape, .dtype, .T, .ndim)`, nameSpan, 'unknown-attribute');
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
    if (this.reportedNaN.size >= 20) return;
    const message = nonFiniteMessage(node, value, inputs);
    if (message === null) return;
    this.reportedNaN.add(node);
    this.report(node.span, 'warning', 'non-finite', message);
  }

}

/** What a `check gradients(ys, xs, ...)` asks for, built in `b` from the call's arguments
 *  (a .tgraph `check` statement, or a Python script's `# tgraph: check` comment). `xsText` is
 *  how the xs argument is written, for naming an x that has no name. */
export function checkRequest(
  b: Builder,
  stmt: CheckRequest['stmt'],
  args: readonly CallArg[],
  callSpan: AST.Span,
  defaults: { eps?: number; atol?: number; rtol?: number },
  maxEvaluations: number,
  expectFail: boolean,
  xsText: string,
): CheckRequest {
  const bound = b.bind(CHECK_SIGNATURE, args, callSpan);
  const mode = bound.string('mode');
  if (mode !== 'full' && mode !== 'fast') throw new BuildError(`mode must be 'full' or 'fast', got '${mode}'`, bound.span('mode'), 'bad-argument');
  const opt = (name: 'eps' | 'atol' | 'rtol') => {
    const v = bound.has(name) ? bound.float(name) : defaults[name] ?? (CHECK_DEFAULTS[name] as number);
    if (!Number.isFinite(v) || v < 0 || (name === 'eps' && v === 0)) {
      throw new BuildError(`${name} must be a finite number ${name === 'eps' ? '> 0' : '>= 0'}, got ${v}`, bound.span(name), 'bad-argument');
    }
    return v;
  };
  let site: GradientSite;
  try {
    site = differentiate(b, bound, 'ys', 'xs', 'grad_ys').site;
  } catch (e) {
    // A grad rule that returns the wrong shape fails this check (where expect-fail applies)
    // rather than the file.
    if (!(e instanceof BuildError) || e.code !== 'bad-grad') throw e;
    return { stmt, failure: e.message, site: null, eps: 0, atol: 0, rtol: 0, mode, seeds: null, fastGrads: null, expectFail, xNames: [], maxEvaluations };
  }
  b.gradientSites.pop(); // a check's own gradients are not a user-visible site
  const seeds = mode === 'fast' ? site.ys.map((y) => b.apply('seed', [], { dtype: y.type.dtype, shape: y.type.shape }, callSpan)) : null;
  let fastGrads: (Node | null)[] | null = null;
  if (seeds) {
    fastGrads = buildGradients(b, { ys: site.ys, xs: site.xs, gradYs: seeds, stopGradients: [], unconnected: 'zero', span: callSpan }).grads;
  }
  return {
    stmt,
    site,
    eps: opt('eps'),
    atol: opt('atol'),
    rtol: opt('rtol'),
    mode,
    seeds,
    fastGrads,
    expectFail,
    maxEvaluations,
    xNames: argumentNames(bound.value('xs'), site.xs.length, xsText || 'x'),
  };
}

// A checkpoint: counts before a statement, to roll an analyzer back to it.
const CP_NODES = 0;
const CP_BINDINGS = 1;
const CP_REFERENCES = 2;
const CP_SITES = 3;
const CP_CHECKS = 4;
const CP_ASSERTS = 5;
const CP_LABELLED = 6;
const CP_FEEDS = 7;
/** The random ops' seed state (Builder.random): whether a global seed is set, its 32-bit
 *  value, and how many random ops were made. */
const CP_SEEDED = 8;
const CP_SEED = 9;
const CP_RANDOM_OPS = 10;
const CHECKPOINT_FIELDS = 11;

const CHECK_DEFAULTS = { eps: 1e-3, atol: 1e-5, rtol: 1e-3 };

const CHECK_SIGNATURE = {
  name: 'check gradients',
  doc: 'Gradient check against float64 central differences.',
  params: [
    { name: 'ys', kind: 'value' as const },
    { name: 'xs', kind: 'value' as const },
    { name: 'grad_ys', kind: 'value' as const, default: null },
    { name: 'eps', kind: 'float' as const, default: CHECK_DEFAULTS.eps },
    { name: 'atol', kind: 'float' as const, default: CHECK_DEFAULTS.atol },
    { name: 'rtol', kind: 'float' as const, default: CHECK_DEFAULTS.rtol },
    { name: 'mode', kind: 'string' as const, default: 'full' },
  ],
};

/** The warning for a node that made NaN or Inf out of finite inputs, or null. */
export function nonFiniteMessage(node: Node, value: Tensor, inputs: readonly Tensor[]): string | null {
  if (!isFloat(value.dtype)) return null;
  const bad = firstNonFinite(value);
  if (bad === null) return null;
  if (inputs.some((t) => isFloat(t.dtype) && firstNonFinite(t) !== null)) return null;
  if (node.op.name === 'const' || node.origin.kind === 'literal') return null;
  const what = Number.isNaN(bad.value) ? 'NaN' : bad.value > 0 ? 'Inf' : '-Inf';
  const label = node.label ? ` (in \`${node.label}\`)` : '';
  return `${node.op.name} produced ${what} at index ${bad.index} from finite inputs${label}`;
}

function firstNonFinite(t: Tensor): { index: number; value: number } | null {
  const d = t.data;
  for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i])) return { index: i, value: d[i] };
  return null;
}

function argumentNames(v: Value, count: number, fallback: string): string[] {
  if (v.kind === 'list') return v.items.map((item, i) => (item.kind === 'tensor' && item.node.label) || `xs[${i}]`);
  if (v.kind === 'tensor') return [v.node.label ?? fallback];
  return Array.from({ length: count }, (_, i) => `xs[${i}]`);
}

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
  const ints = isBool || isFloatLiteral ? null : values.every((v) => v >= -2147483648 && v <= 2147483647) ? 'int32' : values.every(Number.isSafeInteger) ? 'int64' : null;
  if (!isBool && !isFloatLiteral && ints === null) return null;
  const dtype = isBool ? 'bool' : isFloatLiteral ? 'float32' : ints!;
  // Float literals keep full precision until they meet a dtype (0.1 stays 0.1 in float64).
  const data = dtype === 'bool' ? Uint8Array.from(values) : dtype === 'int32' ? Int32Array.from(values) : Float64Array.from(values);
  return { dtype, shape, data };
}

/** What an analysis shares with the analyses made from it with `options.previous`: the same
 *  `owner` and `labelEpoch` mean a gradient site of both (the same object) has the same nodes,
 *  values, names and lines, so what was derived from it (an explanation) still holds. */
export function analysisLineage(analysis: Analysis): { owner: object; labelEpoch: number } | undefined {
  const made = analyzers.get(analysis);
  return made && { owner: made.analyzer, labelEpoch: made.labelEpoch };
}

/** The analyzer behind each analysis and which of its analyses it is, for `options.previous`:
 *  a hidden property rather than a WeakMap, whose ephemeron bookkeeping cost a third of a
 *  small analysis in garbage collection. */
const ANALYZER = Symbol('tgraph.analyzer');
type Lineage = { analyzer: Analyzer; generation: number; labelEpoch: number };
const analyzers = {
  get: (a: Analysis): Lineage | undefined => (a as unknown as { [ANALYZER]?: Lineage })[ANALYZER],
  set: (a: Analysis, l: Lineage): void => {
    Object.defineProperty(a, ANALYZER, { value: l, enumerable: false });
  },
};

/** Statements that act on names bound earlier (a feed changes its placeholder's value and so
 *  every key downstream; a grad rule changes its function): rolling back past one is not exact. */
function actsOnEarlier(stmt: AST.Stmt): boolean {
  return stmt.kind === 'feed' || stmt.kind === 'grad';
}

/** `text` up to `end` with every character but newlines made a space (built line by line:
 *  a regex replace of every character costs a millisecond on a 1,000-line file). */
function blankedOut(text: string, end: number): string {
  const parts: string[] = [];
  let i = 0;
  for (;;) {
    const j = text.indexOf('\n', i);
    if (j < 0 || j >= end) {
      parts.push(' '.repeat(end - i));
      break;
    }
    parts.push(' '.repeat(j - i), '\n');
    i = j + 1;
  }
  return parts.join('');
}

/** Whether the kept statements would be built the same way under `next` (budgets, check
 *  defaults, where load() may read). */
function sameSettings(prev: AnalysisOptions, next: AnalysisOptions): boolean {
  return (
    sameBudgets(prev, next) &&
    JSON.stringify(prev.check ?? null) === JSON.stringify(next.check ?? null) &&
    JSON.stringify(loadPlace(prev)) === JSON.stringify(loadPlace(next))
  );
}

/** Where load() may read, without the files a host read for it: a text that calls load()
 *  is never reused (reusablePrefix), so their bytes need no comparing. */
function loadPlace(options: AnalysisOptions): Partial<LoadContext> | null {
  if (!options.load) return null;
  const { preloaded: _preloaded, ...place } = options.load;
  return place;
}

/** When `previous` can be taken over for `text`: its analyzer rolled back to before statement
 *  `k`, and the program of `text` (sharing the first `k` statements). */
function reusablePrefix(previous: Analysis, text: string, options: AnalysisOptions): { a: Analyzer; k: number; program: AST.Program } | null {
  const made = analyzers.get(previous);
  if (!made || made.analyzer.generation !== made.generation) return null;
  const a = made.analyzer;
  const old = a.program;
  const oldText = a.text;
  // Where the texts first differ: halves compared natively, then characters.
  const limit = Math.min(text.length, oldText.length);
  let lo = 0;
  let hi = limit;
  while (hi - lo > 64) {
    const mid = (lo + hi) >>> 1;
    if (text.slice(lo, mid) === oldText.slice(lo, mid)) lo = mid;
    else hi = mid;
  }
  let p = lo;
  while (p < limit && text.charCodeAt(p) === oldText.charCodeAt(p)) p++;
  // Statements ending before the first difference (and not right at it: an edit may extend
  // the statement it touches) are kept; the last of them is parsed again to make sure the
  // edit did not extend it (a def's body, a continuation line).
  let k = 0;
  while (k < old.statements.length && old.statements[k].span.end < p) k++;
  // Statements that reported diagnostics while they were built are built again (their
  // diagnostics would have to be replayed otherwise): a diagnostic near the end of a file,
  // typically in the line being typed, does not cost the statements above it.
  k = Math.min(k, a.firstReportingStatement);
  // Parse errors are made anew only for the text parsed again: keep the statements before
  // the first one (a half-typed last line is the usual parse error).
  let firstParseError = Infinity;
  for (const d of a.program.diagnostics) firstParseError = Math.min(firstParseError, d.span.start);
  while (k > 0 && old.statements[k - 1].span.end + 1 > firstParseError) k--;
  if (k < 2) return null;
  if (!sameSettings(a.options, options)) return null;
  const c = a.checkpoints;
  if (c.length < (old.statements.length + 1) * CHECKPOINT_FIELDS) return null;
  const resumeAt = old.statements[k - 1].span.start;
  // load() reads a file when its statement is built: the file may have changed since.
  if (/\bload\s*\(/.test(text.slice(0, resumeAt))) return null;
  for (let i = k; i < old.statements.length; i++) if (actsOnEarlier(old.statements[i])) return null;
  // Parse the text from the last kept statement on, with what comes before blanked out (same
  // offsets, so spans need no shifting; newlines kept so lines stay where they are).
  const blanked = blankedOut(text, resumeAt) + text.slice(resumeAt);
  const rest = parse(blanked, { maxDepth: a.budgets.maxNestingDepth, maxTreeDepth: a.budgets.maxNestingDepth });
  const first = rest.statements[0];
  const lastKept = old.statements[k - 1];
  if (!first || first.span.start !== lastKept.span.start || first.span.end !== lastKept.span.end || first.kind !== lastKept.kind) return null;
  if (rest.diagnostics.some((d) => d.span.start <= lastKept.span.end)) return null;
  for (let i = 1; i < rest.statements.length; i++) if (actsOnEarlier(rest.statements[i])) return null;
  const program: AST.Program = {
    statements: [...old.statements.slice(0, k), ...rest.statements.slice(1)],
    comments: [...old.comments.filter((cm) => cm.span.end < resumeAt), ...rest.comments],
    diagnostics: rest.diagnostics,
  };
  return { a, k, program };
}

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
  readonly gradientSites: readonly GradientSite[];
  readonly feeds: ReadonlyMap<Node, Tensor>;
  readonly stats: { reused: number; computed: number; milliseconds: number };
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
    this.gradientSites = analyzer.b.gradientSites;
    this.feeds = analyzer.feeds;
    this.evaluator = analyzer.evaluator;
    this.referenceCount = analyzer.referenceSpans.length;
    this.stats = { reused: this.evaluator.reused, computed: this.evaluator.evaluations, milliseconds };
    this.budgets = analyzer.budgets;
  }

  get references(): Analysis['references'] {
    this.referenceObjects ??= this.analyzer.referencesUpTo(this.referenceCount);
    return this.referenceObjects;
  }

  get valueCache(): ValueCache {
    return this.evaluator.keyed;
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
  const reuse = options.previous && !oversize && !long ? reusablePrefix(options.previous, text, options) : null;
  let a: Analyzer;
  let from = 0;
  if (reuse) {
    a = reuse.a;
    a.generation++; // the previous analysis is no longer this analyzer's, even if this one fails
    a.rollBack(reuse.k, text, reuse.program, options);
    from = reuse.k;
  } else {
    // Over the file budget nothing is parsed: the one diagnostic is the analysis.
    const parsed = long ? long.text : text;
    const program = oversize ? { statements: [], comments: [], diagnostics: [] } : parse(parsed, { maxDepth: budgets.maxNestingDepth, maxTreeDepth: budgets.maxNestingDepth });
    a = new Analyzer(text, program, options);
    if (oversize) a.diagnostics.push(oversize);
    for (const d of long?.diagnostics ?? []) a.diagnostics.push(d);
  }
  inLoadContext(options, () => a.build(from));
  return new StagedAnalysis(a, options, started);
}

/** load() reads its context while the graph is built: set for one step of one analysis. */
function inLoadContext(options: AnalysisOptions, step: () => void): void {
  const previousLoad = getLoadContext();
  setLoadContext(options.load ?? {});
  try {
    step();
  } finally {
    setLoadContext(previousLoad);
  }
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
    private readonly options: AnalysisOptions,
    private readonly started: number,
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
      inLoadContext(this.options, () => a.evaluate());
      // The build's diagnostics, when they were asked for and the evaluation added none:
      // sorting and capping a file's tens of thousands of errors again is not free.
      const diagnostics = this.built && a.diagnostics.length === this.builtCount ? this.built : this.ordered(a.diagnostics.length);
      const made = new DocumentAnalysis(a, a.text, a.program, diagnostics, Date.now() - this.started);
      analyzers.set(made, { analyzer: a, generation: a.generation, labelEpoch: a.labelEpoch });
      this.analysis = made;
    }
    return this.analysis;
  }

  /** The first `count` diagnostics in source order, capped. */
  private ordered(count: number): Diagnostic[] {
    return capDiagnostics(this.analyzer.diagnostics.slice(0, count).sort((x, y) => x.span.start - y.span.start), this.analyzer.budgets.maxDiagnostics);
  }
}

// ---- budgets ------------------------------------------------------------------------------

/** `f → g → h`, or its ends when the chain is long. */
function callChain(names: readonly string[]): string {
  return names.length <= 6 ? names.join(' → ') : [...names.slice(0, 3), '…', ...names.slice(-2)].join(' → ');
}

/** One diagnostic at the start of a file over `maxFileBytes` (UTF-8), or null. */
export function fileSizeDiagnostic(text: string, maxFileBytes: number): Diagnostic | null {
  // A UTF-16 unit is 1 to 3 bytes of UTF-8 (a surrogate pair, 2 units, is 4 bytes): most
  // files are decided without counting.
  if (text.length * 3 <= maxFileBytes) return null;
  let bytes = 0;
  for (let i = 0; i < text.length && bytes <= maxFileBytes; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  if (bytes <= maxFileBytes) return null;
  return {
    span: { start: 0, end: 0 },
    severity: 'error',
    code: 'budget-file-size',
    message: `this file is not analysed: it is larger than the budget of ${formatCount(maxFileBytes)} bytes ${raiseHint('maxFileBytes')}`,
  };
}

const SEVERITY_RANK: Record<Severity, number> = { error: 0, warning: 1, information: 2 };

/** Lines longer than `maxLineLength`: one diagnostic each, and the text with them blanked
 *  (same length, so every other offset holds) for the parser; null when there are none. */
export function longLines(text: string, maxLineLength: number): { text: string; diagnostics: Diagnostic[] } | null {
  if (text.length <= maxLineLength) return null;
  let found: [number, number][] | null = null;
  for (let start = 0; start <= text.length; ) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    if (end - start > maxLineLength) (found ??= []).push([start, end]);
    start = end + 1;
  }
  if (!found) return null;
  const parts: string[] = [];
  let at = 0;
  for (const [start, end] of found) {
    parts.push(text.slice(at, start), ' '.repeat(end - start));
    at = end;
  }
  parts.push(text.slice(at));
  return {
    text: parts.join(''),
    diagnostics: found.map(([start, end]) => ({
      span: { start, end: start },
      severity: 'error' as const,
      code: 'budget-line-length',
      message: `this line is not analysed: it has ${formatCount(end - start)} characters, over the budget of ${formatCount(maxLineLength)} ${raiseHint('maxLineLength')}`,
    })),
  };
}

/** Longest diagnostic message: one that quotes the user's text (a string of megabytes, a
 *  name as long as the file) keeps its start and end. */
const MAX_MESSAGE_CHARS = 2000;

function boundedMessage(message: string): string {
  if (message.length <= MAX_MESSAGE_CHARS) return message;
  const keep = MAX_MESSAGE_CHARS / 2 - 20;
  return `${message.slice(0, keep)} …(${formatCount(message.length - 2 * keep)} characters)… ${message.slice(-keep)}`;
}


/** Diagnostics in source order, capped at `max` as an analysis's are. */
export function orderDiagnostics(diagnostics: readonly Diagnostic[], max: number): Diagnostic[] {
  return capDiagnostics(diagnostics.slice().sort((x, y) => x.span.start - y.span.start), max);
}

/** At most `max` diagnostics, in source order, and one more saying how many were left out.
 *  Errors are kept first: they decide whether the file fails (the CLI's exit code), and a
 *  page of notes or warnings must not hide the one error that matters. */
function capDiagnostics(sorted: Diagnostic[], max: number): Diagnostic[] {
  if (sorted.length <= max) return sorted;
  // The first `max` by (severity, source order): counted per severity rather than sorted,
  // as a file of errors on every line has a hundred thousand of them.
  const bySeverity = [0, 0, 0];
  for (const d of sorted) bySeverity[SEVERITY_RANK[d.severity]]++;
  const quota = [0, 0, 0];
  let left = max;
  for (let r = 0; r < 3; r++) left -= quota[r] = Math.min(bySeverity[r], left);
  const kept = new Uint8Array(sorted.length);
  for (let i = 0; i < sorted.length; i++) {
    const r = SEVERITY_RANK[sorted[i].severity];
    if (quota[r] > 0) {
      quota[r]--;
      kept[i] = 1;
    }
  }
  const out: Diagnostic[] = [];
  let firstHidden: Diagnostic | null = null;
  let hiddenSeverity: Severity = 'information';
  for (let i = 0; i < sorted.length; i++) {
    const d = sorted[i];
    if (kept[i]) {
      out.push(d);
      continue;
    }
    firstHidden ??= d;
    if (SEVERITY_RANK[d.severity] < SEVERITY_RANK[hiddenSeverity]) hiddenSeverity = d.severity;
  }
  const hidden = sorted.length - max;
  // Last in the list (the CLI prints it last), at the first hidden problem: where the
  // unseen problems start.
  const summary: Diagnostic = {
    span: firstHidden!.span,
    severity: hiddenSeverity,
    code: 'budget-diagnostics',
    message: `${formatCount(hidden)} more problem${hidden === 1 ? '' : 's'} not shown, the first of them here ${raiseHint('maxDiagnostics')}`,
  };
  out.push(summary);
  return out;
}

/** The full finite-difference check of one gradient site of an analysis, as `check
 *  gradients(ys, xs, grad_ys, mode='full')` would run it there: the analysis's values, a
 *  time budget of its own (the "Check gradients" lens runs it on request, after the
 *  analysis). `span` is where the result points (the gradient call). */
export function checkGradientSite(
  analysis: Analysis,
  site: GradientSite,
  span: AST.Span,
  options: { eps?: number; atol?: number; rtol?: number; xNames: string[]; cancelled?: () => boolean },
): CheckResult {
  const made = analyzers.get(analysis);
  if (!made) throw new Error('checkGradientSite needs an analysis made by analyze()');
  const budgets = analysis.budgets;
  const defaults = { ...CHECK_DEFAULTS, ...made.analyzer.options.check };
  const evaluator = new Evaluator({
    precision: 'float32',
    feeds: new Map(),
    budget: { maxElements: budgets.maxElements, maxTotalElements: budgets.maxTotalElements, deadline: Date.now() + budgets.evaluationTimeoutMs, cancelled: options.cancelled },
    base: made.analyzer.evaluator,
  });
  const stmt: AST.CheckStmt = { kind: 'check', span, keywordSpan: span, call: { kind: 'error', span } };
  return runCheck(evaluator, {
    stmt,
    site,
    eps: options.eps ?? defaults.eps,
    atol: options.atol ?? defaults.atol,
    rtol: options.rtol ?? defaults.rtol,
    mode: 'full',
    seeds: null,
    fastGrads: null,
    expectFail: false,
    xNames: options.xNames,
    maxEvaluations: budgets.maxCheckEvaluations,
  });
}
