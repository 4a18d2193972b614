// Evaluation of graph nodes to typed arrays, with budgets. One Evaluator per precision and
// set of overrides: the document's own (float32, its feeds) and the float64 ones a gradient
// check makes (with perturbed xs), which share every node the perturbation cannot reach.

import type { Node } from './graph';
import { type DType, type Precision, type Tensor, type TypedData, allocData, sizeOf } from './tensor';
import { OpError, isFullyKnown, showShape } from './types';
import type { ConcreteType, KernelContext } from './ops/registry';
import { nodeKey } from './keys';

export interface Budget {
  /** Largest tensor, in elements. */
  maxElements: number;
  /** All tensors one evaluator makes, in elements. */
  maxTotalElements: number;
  /** Wall-clock deadline (ms since epoch) after which evaluation stops with a diagnostic. */
  deadline: number;
}

export const DEFAULT_BUDGET: Omit<Budget, 'deadline'> & { timeoutMs: number } = {
  maxElements: 10_000_000,
  maxTotalElements: 100_000_000,
  timeoutMs: 10_000,
};

export interface EvalProblem {
  node: Node;
  message: string;
  code: string;
}

export class EvaluationError extends Error {
  constructor(message: string, readonly code = 'evaluation-error') {
    super(message);
  }
}

export interface EvaluatorOptions {
  precision: Precision;
  /** Values of placeholders (and the seeds that jacobians and checks set). */
  feeds: ReadonlyMap<Node, Tensor>;
  budget: Budget;
  /** Nodes not reachable from `feeds`' keys are read from this evaluator instead. */
  base?: Evaluator;
  /** Receives every failure once (the document's evaluator turns them into diagnostics). */
  onProblem?: (p: EvalProblem) => void;
  /** Sees every value computed (the document's evaluator watches for NaN/Inf). */
  onValue?: (node: Node, value: Tensor, inputs: readonly Tensor[]) => void;
  /** Values of the previous analysis by node key: a node whose key is here is not
   *  recomputed. Every value this evaluator makes is recorded in `keyed` for the next. */
  cache?: ReadonlyMap<string, Tensor>;
}

export class Evaluator implements KernelContext {
  readonly values = new Map<Node, Tensor>();
  private readonly failed = new Set<Node>();
  private readonly affectedMemo = new Map<Node, boolean>();
  private totalElements = 0;
  /** Number of node evaluations performed (tests count these for gradient checks). */
  evaluations = 0;
  /** Cache hits (values reused from the previous analysis). */
  reused = 0;
  /** Values by node key, when keyed caching is on (`options.cache`). */
  readonly keyed = new Map<string, Tensor>();

  constructor(readonly options: EvaluatorOptions) {}

  get precision(): Precision {
    return this.options.precision;
  }

  alloc(dtype: DType, size: number): TypedData {
    return allocData(dtype, size, this.options.precision);
  }

  /** The node's value, evaluating its inputs as needed; undefined when it cannot be known
   *  (an unfed placeholder upstream, or an error that was reported). */
  valueOf(target: Node): Tensor | undefined {
    const known = this.lookup(target);
    if (known !== null) return known;
    // Iterative post-order so deep graphs cannot overflow the stack.
    const stack: Node[] = [target];
    while (stack.length) {
      const node = stack[stack.length - 1];
      if (this.lookup(node) !== null) {
        stack.pop();
        continue;
      }
      let ready = true;
      for (const input of node.inputs) {
        if (this.lookup(input) === null) {
          stack.push(input);
          ready = false;
        }
      }
      if (!ready) continue;
      stack.pop();
      this.compute(node);
    }
    return this.lookup(target) ?? undefined;
  }

  /** null: not computed yet; undefined: computed, no value. */
  private lookup(node: Node): Tensor | undefined | null {
    const v = this.values.get(node);
    if (v) return v;
    if (this.failed.has(node)) return undefined;
    const feed = this.options.feeds.get(node);
    if (feed) return feed;
    if (this.options.base && !this.isAffected(node)) {
      return this.options.base.valueOf(node);
    }
    return null;
  }

  /** Whether a node depends on any of this evaluator's feeds (only meaningful with a base). */
  isAffected(node: Node): boolean {
    const memo = this.affectedMemo.get(node);
    if (memo !== undefined) return memo;
    const stack: Node[] = [node];
    while (stack.length) {
      const n = stack[stack.length - 1];
      if (this.affectedMemo.has(n)) {
        stack.pop();
        continue;
      }
      if (this.options.feeds.has(n)) {
        this.affectedMemo.set(n, true);
        stack.pop();
        continue;
      }
      let pending = false;
      let affected = false;
      for (const i of n.inputs) {
        const m = this.affectedMemo.get(i);
        if (m === undefined) {
          stack.push(i);
          pending = true;
        } else if (m) affected = true;
      }
      if (pending) continue;
      stack.pop();
      this.affectedMemo.set(n, affected);
    }
    return this.affectedMemo.get(node)!;
  }

  private fail(node: Node, message: string, code: string): void {
    this.failed.add(node);
    this.options.onProblem?.({ node, message, code });
  }

  private compute(node: Node): void {
    const inputs: Tensor[] = [];
    for (const i of node.inputs) {
      const v = this.lookup(i);
      if (!v) {
        this.failed.add(node); // unknown upstream: silently unknown here
        return;
      }
      inputs.push(v);
    }
    const op = node.op;
    if (!op.kernel || !op.infer) {
      this.failed.add(node);
      return;
    }
    let key: string | undefined;
    if (this.options.cache) {
      key = nodeKey(node, this.options.feeds);
      const hit = this.options.cache.get(key);
      if (hit) {
        this.reused++;
        this.keyed.set(key, hit);
        this.values.set(node, hit);
        this.options.onValue?.(node, hit, inputs);
        return;
      }
    }
    const budget = this.options.budget;
    if (Date.now() > budget.deadline) {
      this.fail(node, 'evaluation stopped: the time budget ran out (raise tgraph.evaluationTimeoutMs)', 'budget-time');
      return;
    }
    let out: ConcreteType;
    try {
      const t = op.infer(inputs.map((x) => ({ dtype: x.dtype, shape: x.shape })), node.attrs);
      if (!isFullyKnown(t.shape)) throw new OpError(`output shape ${showShape(t.shape)} is not fully known`);
      out = { dtype: t.dtype, shape: t.shape };
    } catch (e) {
      if (e instanceof OpError) {
        this.fail(node, `${op.name}: ${e.message}`, e.code);
        return;
      }
      throw e;
    }
    const size = sizeOf(out.shape);
    if (size > budget.maxElements) {
      this.fail(node, `${op.name} would make ${size.toExponential(1)} elements, over the ${budget.maxElements.toExponential(0)} budget (raise tgraph.maxElements)`, 'budget-elements');
      return;
    }
    if (this.totalElements + size > budget.maxTotalElements) {
      this.fail(node, `evaluation stopped: the document's tensors exceed ${budget.maxTotalElements.toExponential(0)} elements in all (raise tgraph.maxTotalElements)`, 'budget-elements');
      return;
    }
    let data: TypedData;
    try {
      data = op.kernel(inputs, node.attrs, out, this);
    } catch (e) {
      if (e instanceof OpError || e instanceof EvaluationError) {
        this.fail(node, `${op.name}: ${e.message}`, (e as OpError).code ?? 'evaluation-error');
        return;
      }
      throw e;
    }
    this.evaluations++;
    this.totalElements += size;
    const value: Tensor = { dtype: out.dtype, shape: out.shape, data };
    this.values.set(node, value);
    if (key !== undefined) this.keyed.set(key, value);
    this.options.onValue?.(node, value, inputs);
  }

  /** Evaluates `target` with some nodes' values replaced (jacobian seeds, perturbed xs),
   *  reusing this evaluator's values for everything the replacements cannot reach. */
  withFeeds(feeds: ReadonlyMap<Node, Tensor>, precision: Precision = this.options.precision): Evaluator {
    if (precision === this.options.precision) {
      return new Evaluator({ precision, feeds, budget: this.options.budget, base: this });
    }
    const merged = new Map(this.rootFeeds());
    for (const [k, v] of feeds) merged.set(k, v);
    return new Evaluator({ precision, feeds: merged, budget: this.options.budget });
  }

  /** All feeds in force: this evaluator's and its bases'. */
  private rootFeeds(): Map<Node, Tensor> {
    const merged = this.options.base ? this.options.base.rootFeeds() : new Map<Node, Tensor>();
    for (const [k, v] of this.options.feeds) merged.set(k, v);
    return merged;
  }

  /** For kernels that evaluate a subgraph (jacobian): `target`'s value with `feeds` set. */
  evaluateWith(target: Node, feeds: ReadonlyMap<Node, Tensor>): Tensor | undefined {
    return this.withFeeds(feeds).valueOf(target);
  }
}
