// The document a Python script builds: its graph (through the same Builder and op registry
// as a .tgraph file), the bindings of module-level names (each a version), what `print`
// printed, the asserts, the `sess.run` evaluations, and the diagnostics. The interpreter
// calls it; engine/python/analysis.ts turns it into an Analysis.

import { IndexedSlices } from './tensorflow/indexedSlices';
import type { Span } from '../syntax/ast';
import { LineIndex } from '../syntax/lineIndex';
import { firstAtLeast } from '../sorted';
import { Graph, type Node } from '../graph';
import { Builder, BuildError, ERROR, NONE, Poisoned, type UserFunction, type Value, tensorValue } from '../builder';
import type { GradientSite } from '../autodiff';
import { Evaluator, type Budget } from '../evaluate';
import type { Tensor } from '../tensor';
import { type Budgets, formatCount, raiseHint } from '../budgets';
import {
  type AnalysisOptions,
  type Binding,
  type Diagnostic,
  type Related,
  type Severity,
  kindOf,
  numericWarning,
  producedBy,
} from '../analysis';
import type * as P from './ast';
import {
  type CallSite,
  type KeywordArg,
  PyDict,
  PyFunction,
  PyList,
  PyModule,
  PyObject,
  PyTuple,
  type PyValue,
  Unknown,
  typeName,
} from './values';
import { OutsideSubset, Skipped, pyError } from './errors';
import { pyRepr, ReprTooDeep } from './format';
import { anyContained, expandedSize, nestedDeeperThan } from './walk';
import { Interpreter, LoopBudget, NotPython } from './interpreter';
import { NDArray, toTensor } from './numpy/ndarray';
import { GraphTensor, PyDType, graphDType } from './tensorflow/tensor';
import { type PyOperation, PyVariable } from './tensorflow/variables';
import { makeBuiltins, builtinMethod } from './builtins';
import { tensorflowModule } from './tensorflow/module';
import { numpyModule } from './numpy/module';
import { SAMPLED } from './numpy/random';
import { mathModule } from './mathmodule';
import { type SessionRun, evalTensor, runOperation } from './tensorflow/session';

/** One `print(...)`: where, and the text Python would write (without the final newline when
 *  `end` is the default). */
export interface Printed {
  span: Span;
  text: string;
}

/** A statement tgraph did not evaluate, and why (for hovers and `tgraph run`). */
export interface NotEvaluated {
  span: Span;
  reason: string;
  /** For a statement that is not valid Python: Python's words for it (`SyntaxError: …`). */
  refused?: string;
}

export interface PyAssertResult {
  stmt: P.Assert;
  passed: boolean;
  message: string;
}

const KNOWN_MODULES = ['tensorflow', 'numpy', 'math'];

export class Runtime {
  readonly graph = new Graph();
  readonly b: Builder;
  readonly lines: LineIndex;
  readonly interpreter: Interpreter;
  readonly diagnostics: Diagnostic[] = [];
  private readonly reported = new Set<string>();
  readonly bindings: Binding[] = [];
  readonly byName = new Map<string, Binding>();
  /** The binding made at each target (a loop rebinding a name at one place updates it). */
  private readonly bindingAt = new Map<number, Binding>();
  readonly references = new Map<number, { span: Span; binding: Binding }>();
  readonly prints: Printed[] = [];
  readonly notEvaluated: NotEvaluated[] = [];
  readonly asserts = new Map<P.Assert, PyAssertResult>();
  /** Every `sess.run`, in order. */
  readonly runs: SessionRun[] = [];
  /** The run whose value a node shows: the last that fetched it, else the last that computed it. */
  readonly lastFetch = new Map<Node, SessionRun>();
  readonly lastComputed = new Map<Node, SessionRun>();
  /** Values without feeds: constants (and so, while the graph is built, shapes and axes). */
  readonly constants: Evaluator;
  readonly budget: Budget;
  /** Whether the script imports anything (without imports, tf and np are assumed). */
  readonly assumeImports: boolean;
  private assumedNoted = false;
  private readonly builtins: Map<string, PyValue>;
  private readonly modules = new Map<string, PyModule>();

  /** Python's words for why the statement at `span` is not valid Python: the module's first
   *  syntax error on its lines (the two statements of `x = 1 y = 2` share the one at `y`). No
   *  diagnostic carries them: PYTHON.md leaves syntax to the user's Python tooling. */
  private refusalOf(span: Span): string {
    // By binary search over the errors (in order of offset): a scan of them all for each
    // broken statement took 85 s on 50,000 broken lines.
    const errors = this.module.syntaxErrors;
    this.syntaxErrorStarts ??= errors.map((e) => e.span.start);
    const from = this.lines.lineStart(this.lines.positionAt(span.start).line);
    const last = this.lines.positionAt(span.end).line;
    const to = last + 1 < this.lines.lineCount ? this.lines.lineStart(last + 1) - 1 : this.text.length;
    const note = errors[firstAtLeast(this.syntaxErrorStarts, from)];
    return note && note.span.start <= to ? `${note.error ?? 'SyntaxError'}: ${note.message}` : 'SyntaxError: invalid syntax';
  }
  private syntaxErrorStarts: number[] | undefined;

  constructor(
    readonly text: string,
    readonly module: P.Module,
    readonly budgets: Budgets,
    readonly options: Pick<AnalysisOptions, 'cancelled' | 'progress'> = {},
  ) {
    this.lines = new LineIndex(text);
    this.budget = {
      maxElements: budgets.maxElements,
      maxTotalElements: budgets.maxTotalElements,
      maxTotalBytes: budgets.maxTotalBytes,
      deadline: Date.now() + budgets.evaluationTimeoutMs,
      cancelled: options.cancelled,
    };
    this.constants = new Evaluator({
      precision: 'float32',
      feeds: new Map(),
      budget: this.budget,
      onProblem: (p) => this.report(p.node.span, 'error', p.code, p.message),
      // Eager values (TensorFlow 2, constants) warn of NaN and Inf made from finite inputs as
      // a session's runs do, and of literals float32 cannot hold.
      onValue: (node, value, inputs) => {
        const warning = numericWarning(node, value, inputs, text);
        if (warning) this.report(warning.span, 'warning', warning.code, warning.message);
      },
    });
    this.b = new Builder(this.graph, { constantValue: (n) => this.constants.valueOf(n) });
    this.b.maxElements = budgets.maxElements;
    // Building is bounded as a .tgraph file's is: nodes (loops and calls expand into the
    // graph) and the document's time.
    this.b.limits = { maxNodes: budgets.maxGraphNodes, budget: this.budget };
    this.interpreter = new Interpreter(this);
    this.builtins = makeBuiltins(this);
    this.assumeImports = !module.body.some((s) => containsImport(s));
  }

  run(): void {
    try {
      this.interpreter.runModule(this.module.body);
    } finally {
      this.settleBindings();
    }
  }

  // ---- diagnostics ----------------------------------------------------------------------------

  report(span: Span, severity: Severity, code: string, message: string, related?: Related[]): void {
    // A statement in a loop fails the same way on every iteration: said once.
    const key = `${span.start}:${span.end}:${code}:${message}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    // The document's time or memory running out stops everything after it: one diagnostic,
    // where it ran out, not one more at each value that could then not be made.
    if (DOCUMENT_STOPS.has(code)) {
      if (this.documentStop) return;
      this.documentStop = { span, message };
    }
    this.diagnostics.push({ span, severity, code, message, related: related?.length ? related : undefined });
  }

  /** Where the document's time or memory ran out, and the diagnostic's message. */
  documentStop: { span: Span; message: string } | undefined;

  /** Why a value was not made, when the document's time or memory ran out before it. */
  stoppedNote(): string | undefined {
    const stop = this.documentStop;
    return stop && `no value: evaluation stopped at line ${this.lineOf(stop.span)} before it was made (${stop.message})`;
  }

  /** What a statement that did not complete leaves: a diagnostic (or none), and its names
   *  unknown, with the reason their hovers give. */
  statementFailed(stmt: P.Stmt, thrown: unknown, names: readonly P.Name[]): void {
    const e = thrown instanceof LoopBudget ? thrown.error : thrown;
    const line = this.lineOf(stmt.span);
    let unknown: (name: string) => Unknown;
    if (e instanceof Skipped) {
      const root = e.unknown;
      unknown = () => root;
      this.notEvaluated.push({ span: stmt.span, reason: root.reasonFor(e.unknownName) });
    } else if (e instanceof OutsideSubset) {
      this.report(e.span, 'information', 'not-evaluated', `not evaluated: ${e.message}`);
      this.notEvaluated.push({ span: stmt.span, reason: `not evaluated: ${e.message} (line ${line})` });
      unknown = (name) => new Unknown(name, `which is outside tgraph's subset (line ${line})`);
    } else if (e instanceof NotPython) {
      const refused = this.refusalOf(stmt.span);
      this.notEvaluated.push({ span: stmt.span, reason: `not evaluated: line ${line} is not valid Python (${refused})`, refused });
      unknown = (name) => new Unknown(name, `which is bound at line ${line}, a line that is not valid Python`);
    } else {
      if (e instanceof BuildError) this.report(e.span, 'error', e.code, e.message, e.related);
      else if (e instanceof ReprTooDeep) this.report(stmt.span, 'error', 'too-deep', e.message);
      else if (e instanceof RangeError)
        this.report(stmt.span, 'error', 'too-complex', `this statement is too complex to analyse (${e.message})`);
      else if (!(e instanceof Poisoned))
        this.report(stmt.span, 'error', 'internal-error', `internal error: ${(e as Error)?.message ?? String(e)}`);
      unknown = (name) => new Unknown(name, `whose statement at line ${line} failed`);
    }
    for (const n of names) {
      const u = unknown(n.id);
      this.interpreter.globals.vars.set(n.id, u);
      this.bindUnknown(n, u, stmt);
    }
  }

  // ---- bindings -------------------------------------------------------------------------------

  /** Bindings whose graph value is still to be made, with the gradient site they were made
   *  under. A loop rebinding a name makes its value once, at the end of its module-level
   *  statement: a list grown by a loop is converted once, not once per iteration. */
  private readonly unsettled = new Map<Binding, { value: PyValue; site: GradientSite | undefined }>();

  bind(name: string, span: Span, value: PyValue, stmt: P.Stmt, destructured: boolean): void {
    let binding = this.bindingAt.get(span.start);
    if (binding && binding.name === name) {
      // A loop's rebinding is the same binding: it is the latest version again.
      const at = this.bindings.indexOf(binding);
      if (at >= 0 && at !== this.bindings.length - 1) {
        this.bindings.splice(at, 1);
        this.bindings.push(binding);
      }
    } else {
      binding = { name, span, stmt, value: NONE, kind: 'other', destructured };
      this.bindingAt.set(span.start, binding);
      this.bindings.push(binding);
    }
    this.byName.set(name, binding);
    this.references.set(span.start, { span, binding });
    const sites = this.b.gradientSites;
    this.unsettled.set(binding, { value, site: sites.length > 0 ? sites[sites.length - 1] : undefined });
    // Tensors take the name they were first bound to (explanations name them), each one.
    const label = (v: PyValue) => {
      const node = v instanceof GraphTensor || v instanceof PyVariable || v instanceof IndexedSlices ? v.node : undefined;
      if (node && node.label === undefined) node.label = name;
    };
    label(value);
    if ((value instanceof PyList || value instanceof PyTuple) && value.items.length <= MAX_SHOWN_ITEMS) value.items.forEach(label);
  }

  /** Makes the graph values of the bindings made since the last call (after each
   *  module-level statement). */
  settleBindings(): void {
    for (const [binding, { value, site }] of this.unsettled) {
      let graphValue: Value;
      let describe: string | undefined;
      try {
        const tooLarge = this.tooLargeToShow(binding.name, value, binding.span);
        graphValue = tooLarge === undefined ? this.bindingValue(value, binding.span) : ERROR;
        // (a tensor's text may read its value: a failed one is Poisoned)
        describe = tooLarge ?? describeValue(value);
      } catch (e) {
        // A budget (graph nodes, time) spent while its value is made.
        if (e instanceof BuildError) this.report(e.span, 'error', e.code, e.message, e.related);
        else if (!(e instanceof Poisoned)) throw e;
        binding.value = ERROR;
        binding.kind = 'other';
        binding.describe =
          this.stoppedNote() ?? `not evaluated: \`${binding.name}\`'s value could not be shown (line ${this.lineOf(binding.span)})`;
        continue;
      }
      binding.value = graphValue;
      binding.kind = kindOf(graphValue);
      binding.describe = describe;
      this.computeEagerValues(graphValue);
      binding.gradient = undefined;
      if (site && producedBy(graphValue, site)) {
        binding.kind = 'gradient';
        binding.gradient = site;
      }
    }
    this.unsettled.clear();
  }

  /** Computes a binding's value when it needs no feed (an eager TensorFlow 2 tensor, a
   *  constant) as its statement ends, as Python would: a kernel's error (an index out of
   *  range, a budget) is then a diagnostic at once, and a later statement that runs the time
   *  out leaves the values before it made. A tensor that needs feeds has its values from the
   *  session runs. */
  private computeEagerValues(v: Value): void {
    if (v.kind === 'list') for (const item of v.items) this.computeEagerValues(item);
    else if (v.kind === 'tensor' && v.node.constant && v.node.op.kernel) {
      try {
        this.constants.valueOf(v.node);
      } catch {
        // Reported by the evaluator's onProblem, or a budget stop reported where it ran out.
      }
    }
  }

  private bindUnknown(n: P.Name, u: Unknown, stmt: P.Stmt): void {
    let binding = this.bindingAt.get(n.span.start);
    if (binding) this.unsettled.delete(binding);
    if (!binding || binding.name !== n.id) {
      binding = { name: n.id, span: n.span, stmt, value: ERROR, kind: 'other', destructured: false };
      this.bindingAt.set(n.span.start, binding);
      this.bindings.push(binding);
    }
    binding.value = ERROR;
    binding.kind = 'other';
    binding.describe = u.reasonFor(n.id);
    binding.gradient = undefined;
    this.byName.set(n.id, binding);
  }

  unbind(name: string): void {
    this.byName.delete(name);
  }

  reference(name: string, span: Span): void {
    const binding = this.byName.get(name);
    if (binding) this.references.set(span.start, { span, binding });
  }

  /** Why a list or tuple is not shown item by item, if it is not: it holds itself, or more
   *  items than a value shows once its nested lists are expanded (lists share their items,
   *  so a few objects can expand to millions). Said once per binding, at the name. */
  private tooLargeToShow(name: string, v: PyValue, span: Span): string | undefined {
    if (!(v instanceof PyList || v instanceof PyTuple)) return undefined;
    // A long list is plainly long: no note.
    if (v.items.length > MAX_SHOWN_ITEMS) return `${v.typeName} of ${formatCount(v.items.length)}: ${pyRepr(v, MAX_DESCRIBED, true)}`;
    const size = expandedSize(v, MAX_SHOWN_ITEMS + 1) - 1;
    // (the walk below visits at most that many items)
    const deep = size <= MAX_SHOWN_ITEMS && nestedDeeperThan(v, MAX_SHOWN_DEPTH);
    if (size <= MAX_SHOWN_ITEMS && !deep) return undefined;
    const what =
      size === Infinity
        ? `a ${v.typeName} with no end (it, or a list in it, holds itself)`
        : deep
          ? `a ${v.typeName} nested more than ${MAX_SHOWN_DEPTH} deep`
          : `a ${v.typeName} of more than ${formatCount(MAX_SHOWN_ITEMS)} items once its nested lists are expanded`;
    this.report(span, 'information', 'budget-elements', `\`${name}\` is ${what}: it is shown as Python's text, not item by item`);
    return `${v.typeName} of ${formatCount(v.items.length)}: ${pyRepr(v, MAX_DESCRIBED, true)}`;
  }

  /** The graph value a binding shows (its hover, `run`, `--json`): tensors as they are, host
   *  values as constants (copied: an array may be changed in place later). Those constants
   *  are only shown, never computed with: made weak, they take no TensorFlow name. */
  bindingValue(v: PyValue, span: Span): Value {
    if (v instanceof GraphTensor) return tensorValue(v.node);
    if (v instanceof PyVariable) return tensorValue(v.node);
    // Shown dense (its note says what TensorFlow holds): the sum the explainer explains.
    if (v instanceof IndexedSlices) return tensorValue(v.node);
    if (v instanceof NDArray) {
      const t = toTensor(v);
      return tensorValue(
        this.b.constant({ dtype: t.dtype, shape: t.shape, data: t.data === v.data ? t.data.slice() : t.data }, span, true),
      );
    }
    switch (typeof v) {
      case 'bigint':
        if (v >= -2147483648n && v <= 2147483647n) return tensorValue(this.b.scalar(Number(v), 'int32', span));
        // An int past int64's exact range has no tensor form.
        return Number.isSafeInteger(Number(v)) ? tensorValue(this.b.scalar(Number(v), 'int64', span)) : ERROR;
      case 'number':
        return tensorValue(this.b.scalar(v, 'float64', span));
      case 'boolean':
        return tensorValue(this.b.scalar(v ? 1 : 0, 'bool', span));
      case 'string':
        return { kind: 'string', value: v };
    }
    if (v === null) return NONE;
    if ((v instanceof PyList || v instanceof PyTuple) && v.items.length <= MAX_SHOWN_ITEMS)
      return { kind: 'list', items: v.items.map((x) => this.bindingValue(x, span)) };
    if (v instanceof PyDType) return { kind: 'dtype', dtype: graphDType(v, span) };
    if (v instanceof PyFunction) return { kind: 'function', fn: functionShim(v, this.text) };
    return ERROR;
  }

  // ---- what the script does -------------------------------------------------------------------

  /** Characters printed so far: what a script prints is kept (for `run` and hovers) up to
   *  the output budget, and the prints past it are dropped with one diagnostic. */
  private printed = 0;

  print(span: Span, text: string): void {
    this.printed += text.length;
    if (this.printed > this.budgets.maxOutputBytes) {
      this.report(
        span,
        'warning',
        'budget-output',
        `the script printed more than ${formatCount(this.budgets.maxOutputBytes)} characters: this print and the ones after it are not kept ${raiseHint('maxOutputBytes')}`,
      );
      return;
    }
    this.prints.push({ span, text });
  }

  assertResult(stmt: P.Assert, passed: boolean, message: string | null): void {
    const previous = this.asserts.get(stmt);
    // An assert in a loop passes when every iteration did.
    if (previous && !previous.passed) return;
    this.asserts.set(stmt, { stmt, passed, message: message ?? (passed ? 'assert passed' : 'assert could not be evaluated') });
  }

  lineOf(span: Span): number {
    return this.lines.positionAt(span.start).line + 1;
  }

  lineEnd(pos: number): number {
    const nl = this.text.indexOf('\n', pos);
    return nl < 0 ? this.text.length : nl;
  }

  /** A Python int (or bool, or NumPy integer scalar) used as an index or a count. */
  indexValue(v: PyValue, span: Span): number {
    if (typeof v === 'bigint') {
      if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER))
        throw pyError('IndexError', "cannot fit 'int' into an index-sized integer", span);
      return Number(v);
    }
    if (typeof v === 'boolean') return v ? 1 : 0;
    if (v instanceof NDArray && v.shape.length === 0 && (v.dtype === 'int32' || v.dtype === 'int64')) return v.data[0];
    throw pyError('TypeError', `indices must be integers, not ${typeName(v)}`, span);
  }

  // ---- names: builtins and modules -------------------------------------------------------------

  builtin(name: string, span: Span): PyValue | undefined {
    const b = this.builtins.get(name);
    if (b !== undefined) return b;
    if (this.assumeImports && (name === 'tf' || name === 'np')) {
      if (!this.assumedNoted) {
        this.assumedNoted = true;
        this.report(
          span,
          'information',
          'assumed-imports',
          'this script imports nothing: `tf` is taken to be `import tensorflow as tf` and `np` to be `import numpy as np`',
        );
      }
      return this.importModule(name === 'tf' ? 'tensorflow' : 'numpy', span);
    }
    return undefined;
  }

  builtinMethod(obj: PyValue, name: string, span: Span): PyValue | undefined {
    return builtinMethod(this, obj, name, span);
  }

  importModule(name: string, span: Span): PyModule {
    const known = this.modules.get(name);
    if (known) return known;
    const parts = name.split('.');
    if (!KNOWN_MODULES.includes(parts[0]))
      throw new OutsideSubset(
        `\`${parts[0]}\` is not a module tgraph evaluates (it knows tensorflow, numpy and math); what it binds is unknown`,
        span,
      );
    let module: PyModule;
    if (parts.length === 1) {
      module = parts[0] === 'tensorflow' ? tensorflowModule(this) : parts[0] === 'numpy' ? numpyModule(this) : mathModule(this);
    } else {
      let v: PyValue = this.importModule(parts[0], span);
      for (const p of parts.slice(1)) {
        v = this.interpreter.getAttr(v, p, span);
        if (!(v instanceof PyModule)) throw new OutsideSubset(`\`${name}\` is not a module tgraph evaluates`, span);
      }
      module = v as PyModule;
    }
    this.modules.set(name, module);
    return module;
  }

  missingModuleAttribute(module: PyModule, name: string, span: Span): Error {
    const spelled = module.name.replace(/^tensorflow(?=\.|$)/, 'tf').replace(/^numpy(?=\.|$)/, 'np');
    return new OutsideSubset(`\`${spelled}.${name}\` is not modelled by tgraph`, span);
  }

  /** `@decorator def f` is `f = decorator(f)`, as in Python (`tf.function` gives f back,
   *  `tf.custom_gradient` a function whose calls carry the grad rule). */
  decorate(decorator: PyValue, fn: PyValue, span: Span): PyValue {
    if (decorator instanceof PyObject && decorator.call) return this.interpreter.call(decorator, [fn], [], this.callSiteAt(span));
    throw new OutsideSubset(`the decorator is outside tgraph's subset`, span);
  }

  /** Values of engine ops on host arrays: a small graph of constants, evaluated at once
   *  under the document's budgets (NumPy computed with the engine's kernels). */
  compute(span: Span, build: (b: Builder) => Node): Tensor {
    const graph = new Graph();
    let evaluator: Evaluator | undefined;
    const first: { problem?: { message: string; code: string } } = {};
    const b = new Builder(graph, { constantValue: (n) => evaluator!.valueOf(n) });
    b.maxElements = this.budgets.maxElements;
    evaluator = new Evaluator({
      precision: 'float32',
      feeds: new Map(),
      budget: this.budget,
      onProblem: (p) => {
        first.problem ??= p;
      },
    });
    const node = b.within(span, undefined, () => build(b));
    const t = evaluator.valueOf(node);
    // The kernel's own code goes with its message (a singular matrix is NumPy's LinAlgError).
    if (!t)
      throw new BuildError(first.problem?.message ?? 'this value could not be computed', span, first.problem?.code ?? 'evaluation-error');
    return t;
  }

  evalTensor(t: PyValue, args: PyValue[], kwargs: KeywordArg[], site: CallSite): PyValue {
    return evalTensor(this.interpreter, t, args, kwargs, site);
  }

  runOperation(op: PyOperation, args: PyValue[], kwargs: KeywordArg[], site: CallSite): PyValue {
    return runOperation(this.interpreter, op, args, kwargs, site);
  }

  callSiteAt(span: Span): CallSite {
    return { span, funcSpan: span, argSpans: [], argsSpan: span };
  }
}

/** Diagnostic codes of a budget that stops the whole document. */
const DOCUMENT_STOPS = new Set(['budget-time', 'budget-memory']);

function containsImport(s: P.Stmt): boolean {
  switch (s.kind) {
    case 'Import':
    case 'ImportFrom':
      return true;
    case 'If':
    case 'For':
    case 'While':
      return s.body.some(containsImport) || s.orelse.some(containsImport);
    case 'With':
    case 'FunctionDef':
    case 'ClassDef':
      return s.body.some(containsImport);
    case 'Unparsed':
    case 'UnsupportedStmt':
      return false;
    default:
      return false;
  }
}

/** What a value is, for `run` and hovers, when it has no tensor form. */
function describeValue(v: PyValue): string | undefined {
  if (v instanceof NDArray && SAMPLED.has(v)) return "samples of NumPy's stream from seed 0: the script sets no np.random.seed";
  if (typeof v === 'bigint' && !Number.isSafeInteger(Number(v)))
    return `int ${v} (beyond ±(2^53 - 1), which tgraph's int64 holds exactly: no tensor form)`;
  if (v instanceof PyDict) return `${v.isSet ? 'set' : 'dict'} of ${v.entries.size}`;
  if (v instanceof PyModule) return `module ${v.name}`;
  if (v instanceof IndexedSlices) return v.note();
  if (withoutTensorForm(v)) return (v as PyObject).repr();
  // A list holding such an object (`tf.get_collection(tf.GraphKeys.UPDATE_OPS)`) is shown as
  // Python shows it, not item by item.
  if ((v instanceof PyList || v instanceof PyTuple) && anyContained(v, withoutTensorForm)) return pyRepr(v, MAX_DESCRIBED, true);
  return undefined;
}

const MAX_DESCRIBED = 300;

/** The items (nested ones included) a list binding shows one by one. */
const MAX_SHOWN_ITEMS = 10_000;

/** The nesting a list binding shows item by item: its shown value is made by recursion. */
const MAX_SHOWN_DEPTH = 100;

function withoutTensorForm(v: PyValue): boolean {
  return (
    v instanceof PyObject &&
    !(v instanceof PyList || v instanceof PyTuple || v instanceof NDArray || v instanceof GraphTensor || v instanceof PyVariable)
  );
}

function functionShim(f: PyFunction, text: string): UserFunction {
  return {
    name: f.name,
    span: f.span,
    params: f.params.map((p) => p.name),
    source: text.slice(f.span.start, f.span.end),
    call(_b, _args, span) {
      throw new BuildError(`${f.name} is a Python function: it is called from Python`, span, 'not-callable');
    },
  };
}
