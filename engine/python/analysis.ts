// A Python script's Analysis: parsed (parse.ts), interpreted (interpreter.ts) into the same
// graph, bindings, diagnostics, checks and asserts a .tgraph file gives, so the CLI, the
// explainer and the tests read it through the one `Analysis` interface.
//
// Values: a graph tensor's value is the one of the `sess.run` that last fetched it (else the
// last that computed it), so a gradient's explanation reads the feeds of the run that fetched
// it; a tensor no run needed shows what it is without feeds (a constant, a variable's initial
// value).

import { describeKerasTensors } from './tensorflow/functional';
import type { Span } from '../syntax/ast';
import type { Node } from '../graph';
import type { Value } from '../values';
import type { Tensor } from '../tensor';
import {
  type Analysis,
  type AnalysisOptions,
  type AssertResult,
  type Binding,
  type Diagnostic,
  orderDiagnostics,
  fileSizeDiagnostic,
  checkRequest,
  longLines,
} from '../analysis';
import { formatCount, raiseHint, resolveBudgets } from '../budgets';
import type { CheckResult } from '../check';
import { runCheck } from '../check';
import { ValueCache } from '../valueCache';
import '../ops';
import { parsePython } from './parse';
import { Runtime } from './runtime';
import type { PythonDetails } from './details';
import type * as P from './ast';
import { Skipped } from './errors';
import { type CallArg, BuildError, Poisoned } from '../builder';
import { toGraphValue } from './tensorflow/tensor';
import type { SessionRun } from './tensorflow/session';

export function analyzePython(text: string, options: AnalysisOptions = {}): Analysis {
  const started = Date.now();
  const budgets = resolveBudgets(options);
  const oversize = fileSizeDiagnostic(text, budgets.maxFileBytes);
  // Lines over maxLineLength are blanked before parsing, as in a .tgraph file.
  const long = oversize ? null : longLines(text, budgets.maxLineLength);
  const module: P.Module = oversize
    ? { body: [], checks: [], truncatedAt: null, syntaxErrors: [] }
    : parsePython(long ? long.text : text, { maxDepth: budgets.maxNestingDepth, deadline: started + budgets.evaluationTimeoutMs });
  if (module.body.length > budgets.maxStatements) {
    const first = module.body[budgets.maxStatements];
    module.body.length = budgets.maxStatements;
    module.truncatedStatement = first;
  }
  const rt = new Runtime(text, module, budgets, options);
  if (oversize) rt.diagnostics.push(oversize);
  for (const d of long?.diagnostics ?? []) rt.diagnostics.push(d);
  if (module.truncatedStatement) {
    rt.report(
      module.truncatedStatement.span,
      'error',
      'budget-statements',
      `this script has more than ${formatCount(budgets.maxStatements)} statements: the ones from here on are not analysed ${raiseHint('maxStatements')}`,
    );
  }
  if (module.truncatedAt !== null) {
    rt.report(
      { start: module.truncatedAt, end: module.truncatedAt },
      'information',
      'budget-time',
      `parsing stopped here: the rest of the file is not evaluated (it took longer than the evaluation budget) (raise tgraph.evaluationTimeoutMs)`,
    );
  }
  try {
    rt.run();
  } catch (e) {
    rt.report({ start: 0, end: 0 }, 'error', 'internal-error', `internal error: ${(e as Error)?.message ?? String(e)}`);
  }
  const checks = runChecks(rt, module.checks, options);
  const asserts: AssertResult[] = [...rt.asserts.values()].map((a) => {
    const expectFail = expectedToFail(rt, a.stmt.span.start);
    if (a.passed && expectFail) rt.report(a.stmt.span, 'error', 'unexpected-pass', 'this assert is marked expect-fail but passed');
    else if (!a.passed && a.message !== 'assert could not be evaluated')
      rt.report(
        a.stmt.test.span,
        expectFail ? 'information' : 'error',
        'assert-failed',
        (expectFail ? '(expected to fail) ' : '') + a.message,
      );
    return { stmt: a.stmt, passed: a.passed, message: a.message, expectFail };
  });
  const lateFailures = computeLateValues(rt);
  const analysis = new PythonAnalysis(
    rt,
    checks,
    asserts,
    orderDiagnostics(rt.diagnostics, budgets.maxDiagnostics),
    Date.now() - started,
    budgets,
    lateFailures,
  );
  explainStoppedValues(analysis, rt);
  describeKerasTensors(rt);
  return analysis;
}

/** A binding left without a value because the document's time or memory ran out (at a
 *  later statement, or in a run that would have fetched it) says so: "no value" alone reads
 *  as a bug in the script. */
function explainStoppedValues(analysis: PythonAnalysis, rt: Runtime): void {
  const note = rt.stoppedNote();
  if (note === undefined) return;
  const missing = (v: Value): boolean =>
    v.kind === 'tensor' ? analysis.valueOf(v.node) === undefined : v.kind === 'list' && v.items.some(missing);
  for (const b of rt.bindings) if (b.describe === undefined && missing(b.value)) b.describe = note;
}

/** `# tgraph: check gradients(z, x)`: built and run with the feeds of the last `sess.run`
 *  before the comment (or the last run of the script, or no feeds). */
function runChecks(rt: Runtime, comments: readonly P.CheckComment[], options: AnalysisOptions): CheckResult[] {
  const out: CheckResult[] = [];
  for (const c of comments) {
    if (!c.call) continue;
    try {
      const call = c.call;
      if (call.func.kind !== 'Name' || (call.func.id !== 'gradients' && call.func.id !== 'gradient')) {
        throw new BuildError(
          "a check comment reads `# tgraph: check gradients(ys, xs, eps=1e-3, atol=1e-5, rtol=1e-3, mode='full')`",
          call.span,
          'bad-check',
        );
      }
      const interp = rt.interpreter;
      const args: CallArg[] = call.args.map((a) => ({
        value: toGraphValue(interp, interp.evaluate(a, interp.globals), a.span),
        span: a.span,
      }));
      for (const k of call.keywords) {
        if (k.name === null) continue;
        args.push({
          keyword: { name: k.name, span: k.nameSpan ?? k.span },
          value: toGraphValue(interp, interp.evaluate(k.value, interp.globals), k.value.span),
          span: k.value.span,
        });
      }
      const xs = call.args[1] ?? call.keywords.find((k) => k.name === 'xs')?.value;
      const expectFail = expectedToFail(rt, c.span.start);
      const req = checkRequest(
        rt.b,
        c,
        args,
        call.span,
        options.check ?? {},
        rt.budgets.maxCheckEvaluations,
        expectFail,
        xs ? rt.text.slice(xs.span.start, xs.span.end) : '',
      );
      const run = runBefore(rt, c.span.start);
      const result = runCheck(run ? run.evaluator : rt.constants, req);
      if (result.passed && expectFail)
        rt.report(c.span, 'error', 'unexpected-pass', `this check is marked expect-fail but passed (${result.summary})`);
      else if (!result.passed)
        rt.report(
          result.span ?? c.span,
          expectFail ? 'information' : 'error',
          'check-failed',
          (expectFail ? '(expected to fail) ' : '') + result.message,
        );
      for (const note of result.notes) rt.report(note.span ?? c.span, 'information', note.code, note.message);
      out.push(result);
    } catch (e) {
      if (e instanceof BuildError) rt.report(e.span, 'error', e.code, e.message);
      else if (!(e instanceof Poisoned) && !(e instanceof Skipped)) throw e;
    }
  }
  return out;
}

const EXPECT_FAIL = /#.*\bexpect[-_ ]?fail/i;

/** A check or assert marked expect-fail as in .tgraph files: a comment saying so on its
 *  line, or alone on the line above. */
function expectedToFail(rt: Runtime, offset: number): boolean {
  const line = rt.lines.positionAt(offset).line;
  const text = (l: number) =>
    l < 0 ? '' : rt.text.slice(rt.lines.offsetAt({ line: l, character: 0 }), rt.lineEnd(rt.lines.offsetAt({ line: l, character: 0 })));
  return EXPECT_FAIL.test(text(line)) || /^\s*#.*\bexpect[-_ ]?fail/i.test(text(line - 1));
}

/** How many of the last runs a tensor that no run needed is evaluated in, for its value. */
const LATE_RUNS = 8;

/** A tensor no run needed: its value with the feeds of the latest run that has them (that run
 *  then is its run, as runOf says). One that none of them can compute (a placeholder no run
 *  feeds upstream, an error) is recorded in `failed`, and not looked for again: each later
 *  reader (the stopped-values note, every hover) would ask all LATE_RUNS evaluators anew. */
function lateRunValue(rt: Runtime, node: Node, failed: Set<Node>): Tensor | undefined {
  if (failed.has(node)) return undefined;
  const runs = rt.runs;
  try {
    for (let i = runs.length - 1; i >= Math.max(0, runs.length - LATE_RUNS); i--) {
      const t = runs[i].evaluator.valueOf(node);
      if (t) return t;
    }
  } catch {
    // (an engine fault the analysis reported once: the evaluator keeps the node as failed)
  }
  failed.add(node);
  return undefined;
}

/** The values shown for bindings no run fetched are computed with the analysis, not at the
 *  first hover or print: the NaN and Inf they make are warned of as a fetched tensor's are (the
 *  run's evaluator reports them), and a warning made after the diagnostics were published
 *  would be lost. (`sess.run([], feeds)` then `g = g * 10**100`: Inf with no word.) */
function computeLateValues(rt: Runtime): Set<Node> {
  const failed = new Set<Node>();
  if (rt.runs.length === 0) return failed;
  const visit = (v: Value): void => {
    if (v.kind === 'list') for (const item of v.items) visit(item);
    if (v.kind !== 'tensor') return;
    const node = v.node;
    if (node.constant || rt.lastFetch.has(node) || rt.lastComputed.has(node)) return;
    try {
      if (!rt.constants.valueOf(node)) lateRunValue(rt, node, failed);
    } catch {
      // Its hover says why it has no value.
    }
  };
  for (const b of rt.bindings) visit(b.value);
  return failed;
}

function latest(a: SessionRun | undefined, b: SessionRun | undefined): SessionRun | undefined {
  if (!a) return b;
  if (!b) return a;
  return b.order > a.order ? b : a;
}

function runBefore(rt: Runtime, offset: number): SessionRun | undefined {
  let found: SessionRun | undefined;
  for (const r of rt.runs) if (r.span.start < offset) found = r;
  return found ?? rt.runs[rt.runs.length - 1];
}

class PythonAnalysis implements Analysis {
  readonly program = { statements: [], comments: [], diagnostics: [] };
  readonly lines;
  readonly graph;
  readonly bindings: readonly Binding[];
  readonly gradientSites;
  readonly feeds: ReadonlyMap<Node, Tensor>;
  readonly stats: { reused: number; computed: number; milliseconds: number };
  readonly valueCache = new ValueCache();
  readonly python: PythonDetails;
  readonly prints: Analysis['prints'];
  readonly text: string;
  private referenceList: Analysis['references'] | undefined;

  constructor(
    private readonly rt: Runtime,
    readonly checks: readonly CheckResult[],
    readonly asserts: readonly AssertResult[],
    readonly diagnostics: readonly Diagnostic[],
    milliseconds: number,
    readonly budgets: ReturnType<typeof resolveBudgets>,
    /** Tensors no run could compute (see lateRunValue). */
    private readonly lateFailures: Set<Node>,
  ) {
    this.text = rt.text;
    this.lines = rt.lines;
    this.graph = rt.graph;
    this.bindings = rt.bindings;
    this.gradientSites = rt.b.gradientSites;
    const feeds = new Map<Node, Tensor>();
    for (const run of rt.runs) for (const [n, t] of run.evaluator.options.feeds) if (n.op.name === 'placeholder') feeds.set(n, t);
    this.feeds = feeds;
    this.prints = rt.prints;
    this.stats = { reused: 0, computed: rt.runs.reduce((n, r) => n + r.evaluator.evaluations, rt.constants.evaluations), milliseconds };
    this.python = {
      module: rt.module,
      prints: rt.prints,
      notEvaluated: rt.notEvaluated,
      runs: rt.runs.map((r) => ({ span: r.span, line: r.line })),
      runOf: (node) => {
        const run = this.runOf(node);
        return run ? { span: run.span, line: run.line } : undefined;
      },
      explainView: (binding) => this.explainView(binding),
    };
  }

  private runOf(node: Node): SessionRun | undefined {
    return this.rt.lastFetch.get(node) ?? this.rt.lastComputed.get(node);
  }

  /** See PythonDetails.explainView. */
  private explainView(binding: Binding): Analysis {
    // One view per binding: explanations are memoised per analysis object, so a fresh view
    // per call would explain a script's gradient again at every hover.
    let view = this.views.get(binding);
    if (!view) this.views.set(binding, (view = this.makeExplainView(binding)));
    return view;
  }

  private readonly views = new WeakMap<Binding, Analysis>();

  private makeExplainView(binding: Binding): Analysis {
    const site = binding.gradient;
    let run: SessionRun | undefined;
    if (site) for (const g of site.grads) if (g) run = latest(run, this.rt.lastFetch.get(g));
    const view = Object.create(this) as PythonAnalysis & { bindings: readonly Binding[]; valueOf: Analysis['valueOf'] };
    Object.defineProperty(view, 'bindings', { value: [binding] });
    if (run) {
      const evaluator = run.evaluator;
      Object.defineProperty(view, 'valueOf', { value: (node: Node) => evaluator.valueOf(node) });
    }
    return view;
  }

  get references(): Analysis['references'] {
    this.referenceList ??= [...this.rt.references.values()].sort((a, b) => a.span.start - b.span.start);
    return this.referenceList;
  }

  readonly valueOf = (node: Node): Tensor | undefined => {
    try {
      const run = this.runOf(node);
      if (run) return run.evaluator.valueOf(node);
      const constant = this.rt.constants.valueOf(node);
      if (constant || node.constant) return constant;
      return lateRunValue(this.rt, node, this.lateFailures);
    } catch {
      return undefined;
    }
  };

  readonly lookup = (name: string): Binding | undefined => this.rt.byName.get(name);
}

export type { Span };
