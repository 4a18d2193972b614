// `tf.Session` and `sess.run(fetches, feed_dict)`: each run is its own evaluation of the
// graph with its own feeds (placeholders fed, variables read from the session's state), and
// returns NumPy values in the structure of its fetches. The document remembers each run, so
// a graph tensor shows the value of the last run that fetched it.

import { IndexedSlices, indexedSlicesValue } from './indexedSlices';
import { checkExpandable } from '../walk';
import type { Span } from '../../syntax/ast';
import type { Node } from '../../graph';
import { BuildError, Poisoned } from '../../builder';
import { Evaluator } from '../../evaluate';
import type { Tensor } from '../../tensor';
import { numericWarning } from '../../analysis';
import type * as P from '../ast';
import { type CallSite, type KeywordArg, PyDict, PyList, PyObject, PyTuple, type PyValue, typeName } from '../values';
import { OutsideSubset, pyError } from '../errors';
import type { Interpreter } from '../interpreter';
import type { Runtime } from '../runtime';
import { GraphTensor, method, tfName, tfShape } from './tensor';
import { PyOperation, PyVariable, variablesOf } from './variables';
import { NDArray, type NpDType, fromTensor, npDType, toTensor } from '../numpy/ndarray';
import { convertToArray } from '../numpy/convert';
import { args as bindArgs } from '../signature';

/** One evaluation of the graph: a `sess.run` or a `t.eval`. */
export interface SessionRun {
  span: Span;
  line: number;
  /** Its place among the script's runs. */
  order: number;
  evaluator: Evaluator;
  session: PySession;
}

export class PySession extends PyObject {
  closed = false;
  /** The value of each initialised variable in this session. */
  readonly variables = new Map<PyVariable, Tensor>();

  constructor(
    readonly rt: Runtime,
    readonly interactive = false,
  ) {
    super();
  }
  get typeName(): string {
    return this.interactive ? 'InteractiveSession' : 'Session';
  }
  override repr(): string {
    return `<tensorflow.python.client.session.${this.typeName} object>`;
  }
  override getAttr(rt: Interpreter, name: string, span: Span): PyValue | undefined {
    switch (name) {
      case 'run':
        return method('run', (a, kw, site) => runSession(rt, this, a, kw, site));
      case 'close':
        return method('close', () => {
          this.closed = true;
          return null;
        });
      case 'as_default':
        return method('as_default', () => new DefaultSession(this));
      case 'graph':
      case 'graph_def':
        throw new OutsideSubset(`\`Session.${name}\` is not modelled by tgraph`, span);
    }
    return undefined;
  }
  override enter(): PyValue {
    sessionStack(this.rt).push(this);
    return this;
  }
  override exit(): void {
    sessionStack(this.rt).pop();
    this.closed = true;
  }
}

/** `with sess.as_default():` */
class DefaultSession extends PyObject {
  constructor(readonly session: PySession) {
    super();
  }
  get typeName(): string {
    return 'contextmanager';
  }
  override enter(): PyValue {
    sessionStack(this.session.rt).push(this.session);
    return this.session;
  }
  override exit(): void {
    sessionStack(this.session.rt).pop();
  }
}

const stacks = new WeakMap<Runtime, PySession[]>();
export function sessionStack(rt: Runtime): PySession[] {
  let s = stacks.get(rt);
  if (!s) stacks.set(rt, (s = []));
  return s;
}

export function defaultSession(rt: Runtime): PySession | null {
  const s = sessionStack(rt);
  return s.length ? s[s.length - 1] : null;
}

/** `sess.run(fetches, feed_dict=None, options=None, run_metadata=None)`. */
export function runSession(rt: Interpreter, session: PySession, a: PyValue[], kw: KeywordArg[], site: CallSite): PyValue {
  const p = bindArgs('run', ['fetches', 'feed_dict', 'options', 'run_metadata'], a, kw, site);
  const fetchesExpr =
    site.expr && site.expr.args.length > 0 ? site.expr.args[0] : site.expr?.keywords.find((k) => k.name === 'fetches')?.value;
  const feedExpr =
    site.expr && site.expr.args.length > 1 ? site.expr.args[1] : site.expr?.keywords.find((k) => k.name === 'feed_dict')?.value;
  return run(
    rt,
    session,
    p.get('fetches'),
    fetchesExpr ?? null,
    p.span('fetches'),
    p.get('feed_dict', null),
    feedExpr ?? null,
    p.span('feed_dict'),
    site.span,
  );
}

/** `t.evaluate(feed_dict=None, session=None)`. */
export function evalTensor(rt: Interpreter, t: PyValue, a: PyValue[], kw: KeywordArg[], site: CallSite): PyValue {
  const p = bindArgs('eval', ['feed_dict', 'session'], a, kw, site);
  const given = p.get('session', null);
  const session = given instanceof PySession ? given : defaultSession(rt.rt);
  if (!session) {
    throw pyError(
      'ValueError',
      'Cannot evaluate tensor using `eval`: No default session is registered. Use `with sess.as_default()` or pass an explicit session to `eval` (session=sess)',
      site.span,
    );
  }
  const feedExpr =
    site.expr && site.expr.args.length > 0 ? site.expr.args[0] : site.expr?.keywords.find((k) => k.name === 'feed_dict')?.value;
  return run(rt, session, t, null, site.funcSpan, p.get('feed_dict', null), feedExpr ?? null, p.span('feed_dict'), site.span);
}

/** `op.run(feed_dict=None, session=None)`. */
export function runOperation(rt: Interpreter, op: PyOperation, a: PyValue[], kw: KeywordArg[], site: CallSite): PyValue {
  return evalTensor(rt, op, a, kw, site);
}

interface Leaf {
  value: GraphTensor | PyVariable | PyOperation;
  span: Span;
}

function run(
  rt: Interpreter,
  session: PySession,
  fetches: PyValue,
  fetchesExpr: P.Expr | null,
  fetchesSpan: Span,
  feedDict: PyValue,
  feedExpr: P.Expr | null,
  feedSpan: Span,
  span: Span,
): PyValue {
  const doc = rt.rt;
  if (session.closed) throw pyError('RuntimeError', 'Attempted to use a closed Session.', span);
  const leaves: Leaf[] = [];
  checkExpandable(fetches, fetchesSpan, rt.rt.budgets.maxElements, 'the fetches of sess.run');
  const structure = flatten(rt, fetches, fetchesExpr, fetchesSpan, leaves);
  const feeds = new Map<Node, Tensor>();
  if (feedDict !== null) {
    if (!(feedDict instanceof PyDict))
      throw pyError('TypeError', `The value of a feed_dict must be a dict, got ${typeName(feedDict)}`, feedSpan);
    const keySpans = feedKeySpans(feedExpr?.kind === 'Dict' ? feedExpr : null, feedDict.entries.size);
    let i = 0;
    for (const entry of feedDict.entries.values()) {
      const keySpan = keySpans?.[i]?.key ?? feedSpan;
      const valueSpan = keySpans?.[i]?.value ?? feedSpan;
      i++;
      const key = entry.key;
      const node = key instanceof GraphTensor || key instanceof PyVariable ? key.node : null;
      if (!node) throw pyError('TypeError', `The key of a feed_dict must be a tensor (a placeholder), got ${typeName(key)}`, keySpan);
      feeds.set(node, feedValue(rt, node, entry.value, valueSpan));
    }
  }
  for (const [v, t] of session.variables) if (!feeds.has(v.node)) feeds.set(v.node, t);
  const initialising = leaves.flatMap((l) => (l.value instanceof PyOperation ? operationVariables(l.value) : []));
  // What each fetch needs: an unfed placeholder or an uninitialised variable is TensorFlow's
  // error, at the fetch. (A node one fetch needed and passed is passed for all: a deep
  // model's 1,000 gradient fetches share most of their graph.)
  const needs = new FetchNeeds(doc, feeds, session);
  for (const leaf of leaves) {
    if (leaf.value instanceof PyOperation) {
      for (const r of leaf.value.runs) if (r instanceof GraphTensor) needs.check(r.node, leaf.span);
      continue;
    }
    needs.check(leaf.value.node, leaf.span);
  }
  for (const v of initialising) needs.check(v.init, fetchesSpan);
  const record: SessionRun = {
    span,
    line: doc.lineOf(span),
    order: doc.runs.length,
    session,
    evaluator: new Evaluator({
      precision: 'float32',
      feeds,
      budget: doc.budget,
      onProblem: (p) => doc.report(p.node.span, 'error', p.code, p.message),
      onValue: (node, value, inputs) => {
        doc.lastComputed.set(node, record);
        const warning = numericWarning(node, value, inputs, doc.text);
        if (warning) doc.report(warning.span, 'warning', warning.code, warning.message);
      },
    }),
  };
  doc.runs.push(record);
  for (const [node] of feeds) doc.lastComputed.set(node, record);
  const results: PyValue[] = leaves.map((leaf) => {
    if (leaf.value instanceof PyOperation) {
      for (const r of leaf.value.runs) if (r instanceof GraphTensor) record.evaluator.valueOf(r.node);
      const result = leaf.value.result && record.evaluator.valueOf(leaf.value.result.node);
      return result ? fromTensor(result, npDType(result.dtype)) : null;
    }
    const node = leaf.value.node;
    const t = record.evaluator.valueOf(node);
    if (!t) throw new Poisoned();
    doc.lastFetch.set(node, record);
    return fromTensor(t, npDType(t.dtype));
  });
  for (const v of initialising) {
    const t = record.evaluator.valueOf(v.init);
    if (!t) throw new Poisoned();
    session.variables.set(v, t);
  }
  // Updates (optimizer steps) after every fetch is computed: the fetches see the values the
  // run started with.
  // Each once, however many fetches reach it (a train op and the update ops it depends on).
  for (const op of new Set(leaves.flatMap((l) => (l.value instanceof PyOperation ? operationUpdates(l.value) : []))))
    op.update!((n) => record.evaluator.valueOf(n), session);
  return structure(results);
}

function operationUpdates(op: PyOperation): PyOperation[] {
  const out = op.update ? [op] : [];
  for (const r of op.runs) if (r instanceof PyOperation) out.push(...operationUpdates(r));
  return out;
}

function operationVariables(op: PyOperation): PyVariable[] {
  const out = [...op.initializes];
  for (const r of op.runs) if (r instanceof PyOperation) out.push(...operationVariables(r));
  return out;
}

/** The leaves of a fetch structure, and how to put results back in its shape. */
function flatten(rt: Interpreter, v: PyValue, expr: P.Expr | null, span: Span, leaves: Leaf[]): (results: PyValue[]) => PyValue {
  const here = expr?.span ?? span;
  if (v instanceof GraphTensor || v instanceof PyVariable || v instanceof PyOperation) {
    const k = leaves.length;
    leaves.push({ value: v, span: here });
    return (r) => r[k];
  }
  if (v instanceof IndexedSlices) {
    // Fetched as TensorFlow fetches it: its three tensors, as an IndexedSlicesValue.
    const k = leaves.length;
    for (const n of [v.values, v.indices, v.denseShape]) leaves.push({ value: new GraphTensor(n, rt.rt), span: here });
    return (r) => indexedSlicesValue(r[k], r[k + 1], r[k + 2]);
  }
  if (v instanceof PyList || v instanceof PyTuple) {
    const exprs = expr && (expr.kind === 'List' || expr.kind === 'Tuple') && expr.elts.length === v.items.length ? expr.elts : null;
    const parts = v.items.map((item, i) => flatten(rt, item, exprs ? exprs[i] : null, exprs ? exprs[i].span : here, leaves));
    return v instanceof PyList ? (r) => new PyList(parts.map((f) => f(r))) : (r) => new PyTuple(parts.map((f) => f(r)));
  }
  if (v instanceof PyDict) {
    const entries = [...v.entries.values()];
    const parts = entries.map((e, i) => {
      const valueExpr = expr && expr.kind === 'Dict' && expr.values.length === entries.length ? expr.values[i] : null;
      return flatten(rt, e.value, valueExpr, valueExpr?.span ?? here, leaves);
    });
    return (r) => {
      const d = new PyDict();
      entries.forEach((e, i) => d.set(e.key, parts[i](r)));
      return d;
    };
  }
  if (v === null) throw pyError('TypeError', "Fetch argument None has invalid type <class 'NoneType'>", here);
  throw pyError(
    'TypeError',
    `Fetch argument ${typeof v === 'string' ? `'${v}'` : typeName(v)} has invalid type ${typeName(v)}, must be a string or Tensor. (Can not convert a ${typeName(v)} into a Tensor or Operation.)`,
    here,
  );
}

/** The feed_dict's key and value spans when it is written as a dict display in the call. */
function feedKeySpans(d: P.Dict | null, n: number): { key: Span; value: Span }[] | null {
  if (!d || d.keys.length !== n || d.keys.some((k) => k === null)) return null;
  return d.keys.map((k, i) => ({ key: k!.span, value: d.values[i].span }));
}

/** A fed value, converted to the placeholder's dtype as TensorFlow does (NumPy's astype),
 *  its shape checked against the placeholder's. */
function feedValue(rt: Interpreter, node: Node, value: PyValue, span: Span): Tensor {
  if (value instanceof GraphTensor || value instanceof PyVariable) {
    throw pyError(
      'TypeError',
      'The value of a feed cannot be a tf.Tensor object. Acceptable feed values include Python scalars, strings, lists, numpy ndarrays, or TensorHandles.',
      span,
    );
  }
  const array: NDArray = convertToArray(rt, value, span, npDType(node.type.dtype) as NpDType);
  const t = toTensor(array, node.type.dtype);
  const declared = node.type.shape;
  if (declared !== null) {
    const ok = declared.length === t.shape.length && declared.every((d, i) => d === null || d === t.shape[i]);
    if (!ok) {
      throw pyError(
        'ValueError',
        `Cannot feed value of shape ${tfShape(t.shape)} for Tensor '${tfName(rt.rt, node)}:0', which has shape '${tfShape(declared)}'`,
        span,
        [{ span: node.span, message: 'the tensor is made here' }],
      );
    }
  }
  return t;
}

/** TensorFlow's errors for a fetch that needs an unfed placeholder or an uninitialised
 *  variable: a walk over what the fetches of one run depend on, stopping at what is fed and
 *  at what an earlier fetch of the run already passed. */
class FetchNeeds {
  private readonly passed = new Set<Node>();
  private readonly initialised: Set<Node>;

  constructor(
    private readonly rt: Runtime,
    private readonly feeds: ReadonlyMap<Node, Tensor>,
    session: PySession,
  ) {
    this.initialised = new Set([...session.variables.keys()].map((v) => v.node));
  }

  check(target: Node, span: Span): void {
    const { rt, feeds, passed } = this;
    const stack = [target];
    while (stack.length) {
      const n = stack.pop()!;
      if (passed.has(n) || feeds.has(n)) continue;
      if (n.op.name === 'placeholder') {
        const shape = n.type.shape === null ? '<unknown>' : `[${n.type.shape.map((d) => (d === null ? '?' : d)).join(',')}]`;
        throw pyError(
          'InvalidArgumentError',
          `You must feed a value for placeholder tensor '${tfName(rt, n)}' with dtype ${n.type.dtype === 'float32' ? 'float' : n.type.dtype === 'float64' ? 'double' : n.type.dtype} and shape ${shape}`,
          span,
          [{ span: n.span, message: 'the placeholder' }],
        );
      }
      if (n.op.name === 'variable_value' && !this.initialised.has(n)) {
        const name = variableName(rt, n);
        throw pyError(
          'FailedPreconditionError',
          `Attempting to use uninitialized value ${name} (run tf.global_variables_initializer() first)`,
          span,
          [{ span: n.span, message: 'the variable' }],
        );
      }
      passed.add(n);
      if (n.op.name === 'variable_value') continue;
      for (const i of n.inputs) stack.push(i);
    }
    if (passed.size > rt.graph.nodes.length) throw new BuildError('internal: the walk of a fetch did not end', span, 'internal-error');
  }
}

function variableName(rt: Runtime, n: Node): string {
  return variablesOf(rt).find((v) => v.node === n)?.name ?? 'Variable';
}
