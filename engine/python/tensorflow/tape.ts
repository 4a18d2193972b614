// `tf.GradientTape`: gradients of eager (or graph) tensors. A tape's gradient is the gradient
// of sum(target), which is what `tf.gradients` computes: it lowers to the same registry op, so
// it is the same graph nodes, explained the same way. What the tape watches decides which
// sources get a gradient (an unwatched one gets None, as in TensorFlow).

import { withIndexedSlices } from './indexedSlices';
import { checkExpandable } from '../walk';
import type { Span } from '../../syntax/ast';
import type { Node } from '../../graph';
import { type CallArg, tensorValue } from '../../builder';
import { lookupOp } from '../../ops/registry';
import { type CallSite, type KeywordArg, PyDict, PyList, PyObject, PyTuple, type PyValue, typeName } from '../values';
import { pyError } from '../errors';
import type { Interpreter } from '../interpreter';
import type { Runtime } from '../runtime';
import { args as bindArgs } from '../signature';
import { GraphTensor, fromGraphValue, method, toGraphValue } from './tensor';
import { PyVariable, variablesOf } from './variables';

/** `tf.UnconnectedGradients.NONE` / `.ZERO`: the registry's spelling of each. */
export const UNCONNECTED: Record<string, string> = { NONE: 'none', ZERO: 'zero' };

/** A source of a gradient: a tensor or a variable (its value's node when the gradient is taken). */
type Source = GraphTensor | PyVariable;

export class PyGradientTape extends PyObject {
  private readonly watched = new Set<Node>();
  private readonly watchedVariables = new Set<PyVariable>();
  /** Whether a gradient or Jacobian was taken (a non-persistent tape gives one). */
  private used = false;

  constructor(
    readonly rt: Runtime,
    readonly persistent: boolean,
    readonly watchAccessedVariables: boolean,
  ) {
    super();
  }
  get typeName(): string {
    return 'GradientTape';
  }
  override repr(): string {
    return '<tensorflow.python.eager.backprop.GradientTape object>';
  }
  override enter(): PyValue {
    return this;
  }
  override exit(): void {}

  override getAttr(rt: Interpreter, name: string): PyValue | undefined {
    switch (name) {
      case 'watch':
        return method('watch', (a, kw, site) => {
          const p = bindArgs('watch', ['tensor'], a, kw, site);
          for (const s of sourcesOf(rt, p.get('tensor'), p.span('tensor'))) this.watch(s);
          return null;
        });
      case 'watched_variables':
        return method('watched_variables', () => new PyTuple(this.variables()));
      case 'reset':
        return method('reset', () => {
          this.watched.clear();
          this.watchedVariables.clear();
          this.used = false;
          return null;
        });
      case 'stop_recording':
        return method('stop_recording', () => new StopRecording());
      case 'gradient':
        return method('gradient', (a, kw, site) => this.gradient(rt, a, kw, site));
      case 'jacobian':
        return method('jacobian', (a, kw, site) => this.jacobian(rt, a, kw, site, false));
      case 'batch_jacobian':
        return method('batch_jacobian', (a, kw, site) => this.jacobian(rt, a, kw, site, true));
    }
    return undefined;
  }

  private watch(s: Source): void {
    if (s instanceof PyVariable) this.watchedVariables.add(s);
    else this.watched.add(s.node);
  }

  private variables(): PyVariable[] {
    const auto = this.watchAccessedVariables ? variablesOf(this.rt).filter((v) => v.trainable) : [];
    return [...new Set([...auto, ...this.watchedVariables])];
  }

  private isWatched(s: Source): boolean {
    if (s instanceof PyVariable) return this.variables().includes(s);
    return this.watched.has(s.node) || this.variables().some((v) => v.node === s.node);
  }

  /** A second use of a non-persistent tape is TensorFlow's error. */
  private use(span: Span): void {
    if (this.used && !this.persistent) {
      throw pyError('RuntimeError', 'A non-persistent GradientTape can only be used to compute one set of gradients (or jacobians)', span);
    }
    this.used = true;
  }

  /** `tape.gradient(target, sources, output_gradients=None, unconnected_gradients=NONE)`. */
  private gradient(rt: Interpreter, a: PyValue[], kw: KeywordArg[], site: CallSite): PyValue {
    const p = bindArgs('gradient', ['target', 'sources', 'output_gradients', 'unconnected_gradients'], a, kw, site);
    this.use(site.span);
    const { leaves, rebuild } = structure(rt, p.get('sources'), p.span('sources'));
    const unconnected = unconnectedOf(p.get('unconnected_gradients', 'none'), p.span('unconnected_gradients'));
    const watched = leaves.filter((s) => this.isWatched(s));
    const results = new Map<Source, PyValue>();
    if (watched.length) {
      const args: CallArg[] = [
        { value: toGraphValue(rt, p.get('target'), p.span('target')), span: p.span('target') },
        { value: { kind: 'list', items: watched.map((s) => tensorValue(s.node)) }, span: p.span('sources') },
      ];
      const out = p.get('output_gradients', null);
      if (out !== null) args.push({ value: toGraphValue(rt, out, p.span('output_gradients')), span: p.span('output_gradients') });
      else args.push({ value: { kind: 'none' }, span: site.span });
      args.push({
        keyword: { name: 'unconnected_gradients', span: p.span('unconnected_gradients') },
        value: { kind: 'string', value: unconnected },
        span: p.span('unconnected_gradients'),
      });
      const sites = rt.rt.b.gradientSites.length;
      const grads = fromGraphValue(rt.rt, rt.rt.b.call(lookupOp('gradients')!, args, site.span));
      let list = grads instanceof PyList ? grads.items : [grads];
      // A variable read by gathers has TensorFlow's IndexedSlices for its gradient.
      if (rt.rt.b.gradientSites.length === sites + 1) list = withIndexedSlices(rt.rt, list, rt.rt.b.gradientSites[sites], site.span);
      watched.forEach((s, i) => results.set(s, list[i] ?? null));
    }
    return rebuild((s) => results.get(s) ?? (unconnected === 'zero' ? zerosLike(rt, s, site) : null));
  }

  /** `tape.jacobian(target, sources, ...)` and `tape.batch_jacobian(target, source, ...)`. */
  private jacobian(rt: Interpreter, a: PyValue[], kw: KeywordArg[], site: CallSite, batched: boolean): PyValue {
    const sourceName = batched ? 'source' : 'sources';
    const p = bindArgs(
      batched ? 'batch_jacobian' : 'jacobian',
      ['target', sourceName, 'unconnected_gradients', 'parallel_iterations', 'experimental_use_pfor'],
      a,
      kw,
      site,
    );
    this.use(site.span);
    const { leaves, rebuild } = structure(rt, p.get(sourceName), p.span(sourceName));
    const target = toGraphValue(rt, p.get('target'), p.span('target'));
    const results = new Map<Source, PyValue>();
    for (const s of leaves) {
      if (!this.isWatched(s)) continue;
      const args: CallArg[] = [
        { value: target, span: p.span('target') },
        { value: tensorValue(s.node), span: p.span(sourceName) },
      ];
      results.set(s, fromGraphValue(rt.rt, rt.rt.b.call(lookupOp(batched ? 'batch_jacobian' : 'jacobian')!, args, site.span)));
    }
    return rebuild((s) => results.get(s) ?? null);
  }
}

/** `with tape.stop_recording():` accepted without effect: what a gradient reaches is decided
 *  by the graph and by what the tape watches, not by when an op ran. */
class StopRecording extends PyObject {
  get typeName(): string {
    return 'contextmanager';
  }
  override enter(): PyValue {
    return null;
  }
  override exit(): void {}
}

function unconnectedOf(v: PyValue, span: Span): string {
  if (v === null) return 'none';
  if (typeof v === 'string' && (v === 'none' || v === 'zero')) return v;
  throw pyError('ValueError', `Unknown value for unconnected_gradients: ${typeof v === 'string' ? v : typeName(v)}`, span);
}

function zerosLike(rt: Interpreter, s: Source, site: CallSite): PyValue {
  return fromGraphValue(rt.rt, rt.rt.b.call(lookupOp('zeros_like')!, [{ value: tensorValue(s.node), span: site.span }], site.span));
}

function sourcesOf(rt: Interpreter, v: PyValue, span: Span): Source[] {
  return structure(rt, v, span).leaves;
}

/** The tensors and variables of a (nested) structure of sources, and how to put one result
 *  per source back in its shape (TensorFlow's nest). */
function structure(rt: Interpreter, v: PyValue, span: Span): { leaves: Source[]; rebuild: (f: (s: Source) => PyValue) => PyValue } {
  checkExpandable(v, span, rt.rt.budgets.maxElements, 'a structure of tensors');
  const leaves: Source[] = [];
  const walk = (x: PyValue): ((f: (s: Source) => PyValue) => PyValue) => {
    if (x instanceof GraphTensor || x instanceof PyVariable) {
      leaves.push(x);
      return (f) => f(x);
    }
    if (x instanceof PyList || x instanceof PyTuple) {
      const parts = x.items.map(walk);
      return x instanceof PyList ? (f) => new PyList(parts.map((g) => g(f))) : (f) => new PyTuple(parts.map((g) => g(f)));
    }
    if (x instanceof PyDict && !x.isSet) {
      const entries = [...x.entries.values()];
      const parts = entries.map((e) => walk(e.value));
      return (f) => {
        const d = new PyDict();
        entries.forEach((e, i) => d.set(e.key, parts[i](f)));
        return d;
      };
    }
    throw pyError(
      'ValueError',
      `a gradient source must be a tensor or a variable (or a list, tuple or dict of them), got ${typeName(x)}`,
      span,
    );
  };
  const rebuild = walk(v);
  void rt;
  return { leaves, rebuild };
}
