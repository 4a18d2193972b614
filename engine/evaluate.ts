// Evaluation of graph nodes to typed arrays, with budgets. One Evaluator per precision and
// set of overrides: the document's own (float32, its feeds) and the float64 ones a gradient
// check makes (with perturbed xs), which share every node the perturbation cannot reach.

import type { Node } from './graph';
import {
  type DType,
  type Precision,
  type Tensor,
  type TypedData,
  INT64_EXACT_MAX,
  allocData,
  checkInt64,
  shapesEqual,
  sizeOf,
} from './tensor';
import { OpError, isFullyKnown, showShape } from './types';
import type { ConcreteType, KernelContext } from './ops/registry';
import { keyNode } from './keys';
import { ValueCache } from './valueCache';
import { BufferPool } from './bufferPool';
import { type EvaluationPlan, type PlanPrefix, planEvaluation, recomputedMark } from './plan';
import { KEPT, type SlotLayout, layoutSlots } from './planSlots';
import { DEFAULT_BUDGETS, formatCount, raiseHint } from './budgets';

export interface Budget {
  /** Largest tensor, in elements. */
  maxElements: number;
  /** All tensors one evaluator makes, in elements. */
  maxTotalElements: number;
  /** All tensors one evaluator makes, in bytes (a float64 element is 8). */
  maxTotalBytes?: number;
  /** Wall-clock deadline (ms since epoch) after which evaluation stops with a diagnostic. */
  deadline: number;
  /** True stops the evaluation as the deadline does (a newer text is waiting). */
  cancelled?: () => boolean;
  /** Set once the time ran out (or the work was cancelled): every evaluator sharing the
   *  budget stops, and only the node that found it out reports it. */
  stopped?: boolean;
  /** Where the document's memory (maxTotalBytes / maxTotalElements) stopped it: the text
   *  offset of the node that would have passed it. Unset when the time stopped it. */
  memoryStopAt?: number;
}

/** The message of an evaluation stopped by its time budget. */
const TIME_RAN_OUT = `evaluation stopped: the time budget ran out ${raiseHint('evaluationTimeoutMs')}`;

/** The defaults of engine/budgets.ts (the settings' defaults), for evaluators made outside an analysis. */
export const DEFAULT_BUDGET: Omit<Budget, 'deadline'> & { timeoutMs: number } = {
  maxElements: DEFAULT_BUDGETS.maxElements,
  maxTotalElements: DEFAULT_BUDGETS.maxTotalElements,
  timeoutMs: DEFAULT_BUDGETS.evaluationTimeoutMs,
};

export interface EvalProblem {
  node: Node;
  message: string;
  code: string;
}

export class EvaluationError extends Error {
  constructor(
    message: string,
    readonly code = 'evaluation-error',
  ) {
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
   *  recomputed (every node is keyed as it is evaluated, to look it up). */
  cache?: ValueCache;
  /** Record values by key (`keyed`) for the next analysis, and share the values of equal
   *  sources (every `1.` of a file). Without `cache`, only sources are keyed as they are
   *  evaluated; the rest are keyed when `keyed` is first read (a one-shot analysis never
   *  reads it, and keying is a fifth of evaluating a 100,000-line file). */
  keyValues?: boolean;
  /** The evaluator of the analysis this one takes the graph over from (engine/analysis/
   *  incremental.ts): its values of the nodes before `below` (the kept statements' nodes,
   *  the same objects with the same inputs and feeds) are this evaluator's without keying or
   *  looking them up, so an edit costs what it changed, not the size of the kept graph. It
   *  must not be used afterwards. */
  takeOver?: { from: Evaluator; below: number; except?: readonly Node[] };
}

/** Elements (static sizes, all nodes to compute) below which `evaluate` keeps every value. */
const POOL_MIN_ELEMENTS = 1 << 16;

/** Nodes keyed by `prepareKeyed` between two questions whether to stop. */
const KEYED_SLICE = 256;

/** An unfinished walk of `Evaluator.prepareKeyed`, of the evaluator taken over. */
interface EarlierKeying {
  known: NodeTable<Tensor | typeof FAILED>;
  computed: readonly Node[];
  takenOverBelow: number;
  next: number;
}

/** Nodes to evaluate below which `releaseWhileEvaluating` keeps every value. */
const RELEASE_MIN_NODES = 4096;

/** What one element of each dtype takes (int64 is held in a float64). */
const BYTES_PER_ELEMENT: Record<DType, number> = { float32: 4, float64: 8, int32: 4, int64: 8, bool: 1 };

/** Holds of a buffer that are never given up (a view of it lives on). */
const PINNED = 2 ** 30;

/** Marks a node whose value cannot be known (an error reported, or unknown upstream). */
const FAILED = 0;

/** The clock is read before a node only after this many nodes or elements (inputs and
 *  outputs) since the last reading: reading it costs as much as evaluating a small node, and
 *  a deadline is then overrun by at most a few small nodes or one large one. */
const CLOCK_NODES = 16;
const CLOCK_ELEMENTS = 1 << 16;

/** Per-node state of one evaluator, indexed by node id: a Map keyed by 100,000 nodes costs
 *  more than evaluating them (hashing, growing, and the collector tracing its entries). Ids
 *  are unique within a graph and a derived graph continues its parent's numbering, but two
 *  graphs can still give one id to two nodes that meet in one evaluation (a graph derived
 *  before the document's graph grew again). The node is kept beside its entry, and a second
 *  node with a taken id goes to a Map: evicting the first would make a node that needs both
 *  recompute them in turn, forever (it happened when the explainer's user gradient rules
 *  built into the document's graph). */
class NodeTable<V> {
  private sharedIds: Map<Node, V> | undefined;

  constructor(
    private readonly nodes: (Node | undefined)[] = [],
    private readonly entries: (V | undefined)[] = [],
  ) {}

  /** The entry held by id, and its node. */
  entryAt(id: number): V | undefined {
    return this.entries[id];
  }
  nodeAt(id: number): Node | undefined {
    return this.nodes[id];
  }

  /** This table's entries of nodes before id `below` (their arrays, not a copy: this table
   *  must not be used afterwards). */
  prefix(below: number): NodeTable<V> {
    const table = new NodeTable<V>(this.nodes, this.entries);
    if (this.nodes.length > below) {
      this.nodes.length = below;
      this.entries.length = below;
    }
    return table;
  }

  get(node: Node): V | undefined {
    if (this.nodes[node.id] === node) return this.entries[node.id];
    return this.sharedIds?.get(node);
  }

  /** Whether the node's entry is in the table by its id (not another graph's node's). */
  holds(node: Node): boolean {
    return this.nodes[node.id] === node;
  }

  /** Forgets the node's entry (a value released by `Evaluator.evaluate`). */
  delete(node: Node): void {
    if (this.nodes[node.id] === node) {
      this.nodes[node.id] = undefined;
      this.entries[node.id] = undefined;
    } else this.sharedIds?.delete(node);
  }

  set(node: Node, value: V): void {
    // Filled up to the id first: an element written far past the end turns the arrays into
    // dictionaries, whose every access costs a hash lookup.
    for (let i = this.nodes.length; i < node.id; i++) {
      this.nodes.push(undefined);
      this.entries.push(undefined);
    }
    const held = this.nodes[node.id];
    if (held === undefined || held === node) {
      this.nodes[node.id] = node;
      this.entries[node.id] = value;
    } else {
      (this.sharedIds ??= new Map()).set(node, value);
    }
  }
}

export class Evaluator implements KernelContext {
  /** Every node this evaluator knows: computed values, feeds and base values it has read,
   *  and FAILED. One table, so that finding a node's state is one lookup. */
  private readonly known: NodeTable<Tensor | typeof FAILED>;
  /** Nodes computed here (not fed, not read from the base), in order. */
  private readonly computed: Node[] = [];
  /** The entries of nodes before this id were taken over (`takeOver`); those read since are
   *  marked in `readSinceTakeOver`. */
  private takenOverBelow = 0;
  private readSinceTakeOver: Uint8Array | undefined;
  /** The taken-over nodes computed again (`takeOver.except`: a feed edit's dependents), and
   *  a mark by id for each. Their keys all changed with the feed's value, so the previous
   *  analysis's table is not searched for them (it cannot hold them); their values are
   *  released by liveness as a whole evaluation's are. */
  private recomputed: readonly Node[] = [];
  private recomputedMark: Uint8Array | undefined;
  /** The type of each node's value, as its evaluation found it (the shape rule run on the
   *  inputs' values). Taken over with the graph, for a feed edit: the feed's shape is the
   *  same, so every node's inputs have the shapes they had, and no shape rule runs again. */
  private readonly valueTypes: NodeTable<ConcreteType>;
  private readonly affectedMemo = new Map<Node, boolean>();
  private totalElements = 0;
  private totalBytes = 0;
  private nodesSinceClock = CLOCK_NODES;
  private elementsSinceClock = 0;
  /** Number of node evaluations performed (tests count these for gradient checks). */
  evaluations = 0;
  /** Nodes computed by a plan's steps (`runPlanGroup`), of `evaluations`' or failed. */
  plannedSteps = 0;
  /** Of `plannedSteps`, those whose value died in the plan, in its slots (engine/planSlots.ts). */
  slottedSteps = 0;
  /** Cache hits (values reused from the previous analysis). */
  reused = 0;
  /** Values of the source nodes computed here (constants, feeds' literals) by key: every
   *  `1.` of a file shares one value. */
  private readonly sourceValues = new ValueCache();
  private keyedValues: ValueCache | undefined;
  /** `keyed` being made a slice at a time (`prepareKeyed`): the table so far, and the next
   *  position of the walk (the taken-over ids, then the computed nodes). `earlier`: the walk
   *  of the evaluator this one took over, left unfinished, to finish first (on the nodes
   *  taken over); this one's own walk then starts after the taken-over ids. */
  private keyedSoFar: { table: ValueCache; next: number; earlier?: EarlierKeying } | undefined;

  /** Values by node key, with `keyValues` or a `cache` (empty otherwise): made when first
   *  asked for (the next analysis of the document asks; a one-shot analysis never does), then
   *  kept up to date. */
  get keyed(): ValueCache {
    this.prepareKeyed(() => false);
    return this.keyedValues!;
  }

  /** Makes `keyed` on, until `stop` (asked every KEYED_SLICE nodes) says to leave it for
   *  later: true once it is made. Every node the walk passes is keyed, in evaluation order, so
   *  that no one node's key costs a walk over its whole ancestry (a deep model's last value
   *  would key 100,000 nodes at once). */
  prepareKeyed(stop: () => boolean): boolean {
    if (this.keyedValues !== undefined) return true;
    // (sized as the previous analysis's: counting the values still held first would be a
    // walk over every node that no slice bounds)
    this.keyedSoFar ??= { table: new ValueCache(this.keyedSizeHint), next: this.keying ? 0 : Infinity };
    const soFar = this.keyedSoFar;
    const { table, earlier } = soFar;
    if (earlier !== undefined) {
      for (let k = earlier.next; k < earlier.takenOverBelow + earlier.computed.length; k++) {
        if (k % KEYED_SLICE === 0 && k > earlier.next && stop()) {
          earlier.next = k;
          return false;
        }
        const n = k < earlier.takenOverBelow ? earlier.known.nodeAt(k) : earlier.computed[k - earlier.takenOverBelow];
        if (n === undefined || n.id >= this.takenOverBelow) continue;
        keyNode(n, this.options.feeds);
        const v = this.known.get(n);
        if (v !== undefined && v !== FAILED) table.set(n.keyHash1, n.keyHash2, v);
      }
      soFar.earlier = undefined;
    }
    // The values taken over, then those computed here (nodes computed meanwhile included).
    for (let k = soFar.next; k < this.takenOverBelow + this.computed.length; k++) {
      if (k % KEYED_SLICE === 0 && k > soFar.next && stop()) {
        soFar.next = k;
        return false;
      }
      const taken = k < this.takenOverBelow;
      const n = taken ? this.known.nodeAt(k) : this.computed[k - this.takenOverBelow];
      if (n === undefined) continue;
      keyNode(n, this.options.feeds);
      const v = taken ? this.known.entryAt(k) : this.known.get(n);
      if (v !== undefined && v !== FAILED) table.set(n.keyHash1, n.keyHash2, v);
    }
    this.keyedValues = table;
    this.keyedSoFar = undefined;
    return true;
  }

  /** The values by key known so far: `keyed` when it is made, else what `prepareKeyed` has
   *  made of it (fewer values, none wrong). */
  get keyedSoFarTable(): ValueCache {
    if (this.keyedValues === undefined && this.keyedSoFar === undefined) this.prepareKeyed(() => true);
    return this.keyedValues ?? this.keyedSoFar!.table;
  }

  readonly options: EvaluatorOptions;
  /** `options.cache` until `releaseCache`. */
  private cache: ValueCache | undefined;

  /** Forgets `options.cache` (the previous analysis's values): once the document is
   *  evaluated, the few nodes evaluated later (a hover's, an explanation's) do not justify
   *  keeping every value of the version before alive beside this one's. */
  releaseCache(): void {
    this.cache = undefined;
  }
  /** Whether `keyed` holds the values (`keyValues`, or a cache was given). */
  private readonly keying: boolean;
  /** How many values `keyed` will likely hold: as many as `options.cache`. */
  private readonly keyedSizeHint: number;

  constructor(options: EvaluatorOptions) {
    this.cache = options.cache;
    this.keyedSizeHint = options.cache?.size ?? 0;
    this.keying = options.keyValues === true || options.cache !== undefined;
    options = { ...options, cache: undefined };
    const takeOver = options.takeOver;
    if (takeOver === undefined) {
      this.options = options;
      this.known = new NodeTable();
      this.valueTypes = new NodeTable();
      return;
    }
    // (Not kept: a chain of evaluators, each holding the one before, would never be freed.)
    this.options = { ...options, takeOver: undefined };
    const { from, below, except } = takeOver;
    this.known = from.known.prefix(below);
    this.valueTypes = from.valueTypes.prefix(below);
    this.takenOverBelow = below;
    this.readSinceTakeOver = new Uint8Array(below);
    // Nodes whose inputs changed under them (what depends on an edited feed): computed again.
    if (except?.length) {
      this.recomputed = except;
      this.recomputedMark = new Uint8Array(below);
      for (const node of except) {
        this.known.delete(node);
        if (node.id < below) {
          this.recomputedMark[node.id] = 1;
          // (what it reports is new: a failure here is not one taken over, to report again)
          this.readSinceTakeOver[node.id] = 1;
        }
      }
    }
    // The keyed values go on in the same table (a key's value is the same in both), unless
    // it holds many values of nodes that are gone, or the values `except` replaces (they
    // would stay alive under their old keys): then it is made again when asked for.
    const keyed = from.keyedValues;
    if (keyed !== undefined && keyed.size <= 2 * below + 1024 && !except?.length) this.keyedValues = keyed;
    // So does a table still being made (an edit came before it was done): its walk goes on
    // where it was, over the nodes taken over, rather than from the start.
    const soFar = from.keyedSoFar;
    if (keyed === undefined && soFar !== undefined && soFar.earlier === undefined && this.keying && from.keying && !except?.length) {
      if (soFar.table.size <= 2 * below + 1024) {
        const earlier = { known: from.known, computed: from.computed, takenOverBelow: from.takenOverBelow, next: soFar.next };
        this.keyedSoFar = { table: soFar.table, next: below, earlier };
      }
    }
  }

  /** The values computed by this evaluator (not feeds or values read from its base). */
  get values(): ReadonlyMap<Node, Tensor> {
    const m = new Map<Node, Tensor>();
    for (const n of this.computed) {
      const v = this.known.get(n);
      if (v) m.set(n, v);
    }
    return m;
  }

  private outOfTime(): boolean {
    const budget = this.options.budget;
    return Date.now() > budget.deadline || budget.cancelled?.() === true;
  }

  /** For kernels, between blocks of work (a row of a matmul, an output channel of a
   *  convolution): throws once the evaluation's time is up or it was cancelled, so one
   *  kernel cannot outlive its budget. */
  checkDeadline(): void {
    if (this.options.budget.stopped || this.outOfTime()) {
      throw new EvaluationError(`stopped inside the kernel: the time budget ran out ${raiseHint('evaluationTimeoutMs')}`, 'budget-time');
    }
  }

  get deadline(): number {
    return this.options.budget.deadline;
  }

  get precision(): Precision {
    return this.options.precision;
  }

  alloc(dtype: DType, size: number, overwritten = false): TypedData {
    const slot = this.slot;
    if (slot !== null && slot.dtype === dtype && slot.data.length === size) {
      this.slot = null;
      return overwritten ? slot.data : slot.data.fill(0);
    }
    const precision = this.options.precision;
    if (this.pool) return (this.lastTaken = this.pool.take(dtype, size, precision, () => allocData(dtype, size, precision), overwritten));
    if (this.carving && size <= SLAB_MAX_ELEMENTS) return this.slabs.carve(dtype, size, precision);
    return allocData(dtype, size, precision);
  }

  /** The plan's slot for the result of the kernel running (`produce`), until it takes it. */
  private slot: Tensor | null = null;

  /** Small results of the document's nodes that depend on a feed are carved from shared
   *  slabs (see Slabs); set around their kernels only. */
  private carving = false;
  private readonly slabs = new Slabs();

  /** Buffers of released values, during `evaluate` and `releaseWhileEvaluating`. */
  private pool: BufferPool | null = null;

  /** While the document is evaluated (`releaseWhileEvaluating`): how many nodes of the
   *  graph still to run read each node (by id), the graph, which values outlive the
   *  evaluation, and which buffer each value computed here holds (by node id, an index
   *  into `buffers`, -1 for none it may give back) and how many live values hold each.
   *  Indices rather than a map by buffer: the map's lookups were a tenth of a feed edit. */
  private releasing: {
    readonly uses: Int32Array;
    readonly graph: readonly Node[];
    readonly keep: (node: Node) => boolean;
    readonly bufferOf: Int32Array;
    readonly buffers: TypedData[];
    readonly holders: number[];
  } | null = null;
  /** The last buffer the pool gave a kernel: a result that is it is the node's own. */
  private lastTaken: TypedData | null = null;

  /**
   * From now until `stopReleasing`, the value of a node computed here that `keep` refuses is
   * released once every node of `graph` that reads it has run, and its buffer is reused by
   * the next results of its size. A document keeps the values its hovers, explanations and
   * next edit read (its bindings'); a hundred thousand intermediate values of a deep model's
   * gradients would otherwise stay for as long as the analysis, each in fresh memory. A
   * released value is computed again if it is asked for later. Only nodes from `from` on are
   * counted: those before were taken over, and a value is released only by readers that run.
   */
  releaseWhileEvaluating(graph: readonly Node[], keep: (node: Node) => boolean, from = this.takenOverBelow, plan?: EvaluationPlan): void {
    // (a few new nodes, an edit near the end: counting costs more than their memory)
    const recomputed = this.recomputed;
    if (this.pool !== null || graph.length - from + recomputed.length < RELEASE_MIN_NODES) return;
    const uses = new Int32Array(graph.length);
    uses.set(this.recomputedReads(graph, from, plan));
    for (let id = from; id < graph.length; id++) {
      const inputs = graph[id].inputs;
      for (let i = 0; i < inputs.length; i++) {
        const input = inputs[i];
        if (input.id < uses.length && graph[input.id] === input) uses[input.id]++;
      }
    }
    this.pool = new BufferPool();
    this.releasing = { uses, graph, keep, bufferOf: new Int32Array(graph.length).fill(-1), buffers: [], holders: [] };
  }

  /** How many times the taken-over nodes computed again read each node before `from`: those
   *  reads count in the liveness too (a read of a node not computed again releases nothing: it
   *  is held for the next edit). The same for every evaluation of `plan` (its nodes computed
   *  again are the same), so counted once for it. */
  private recomputedReads(graph: readonly Node[], from: number, plan: EvaluationPlan | undefined): Int32Array {
    const counted = plan && readsByPlan.get(plan);
    if (counted !== undefined && counted.length === from) return counted;
    const reads = new Int32Array(from);
    const recomputed = this.recomputed;
    const mark = this.recomputedMark;
    for (let r = 0; r < recomputed.length; r++) {
      const inputs = recomputed[r].inputs;
      for (let i = 0; i < inputs.length; i++) {
        const input = inputs[i];
        if (input.id < from && mark![input.id] === 1 && graph[input.id] === input) reads[input.id]++;
      }
    }
    if (plan) readsByPlan.set(plan, reads);
    return reads;
  }

  /** Ends `releaseWhileEvaluating`: the values known now stay; free buffers are kept for
   *  the next evaluations. */
  stopReleasing(): void {
    if (this.releasing === null) return;
    this.releasing = null;
    this.pool!.retainFree();
    this.pool = null;
  }

  /** Whether `value` of `node`, computed here, may be released once its readers have run. */
  private releasable(node: Node): boolean {
    const r = this.releasing!;
    // (constants are kept: what the next analysis reuses, whatever the edit)
    return node.inputs.length > 0 && !node.constant && r.uses[node.id] > 0 && r.graph[node.id] === node && !r.keep(node);
  }

  /** `node` ran: its inputs' values that no later node reads are released. */
  private ran(node: Node): void {
    const r = this.releasing!;
    const inputs = node.inputs;
    for (let i = 0; i < inputs.length; i++) {
      const input = inputs[i];
      const id = input.id;
      if (id >= r.uses.length || r.graph[id] !== input || r.uses[id] === 0 || --r.uses[id] > 0) continue;
      if (!this.known.holds(input) || input.inputs.length === 0 || input.constant || r.keep(input)) continue;
      const value = this.known.entryAt(id);
      this.known.delete(input);
      if (value === undefined || value === FAILED) continue;
      const b = r.bufferOf[id];
      r.bufferOf[id] = -1;
      if (b < 0 || r.buffers[b] !== value.data) continue; // not computed in this phase
      if (--r.holders[b] === 0) this.pool!.give(value.data);
    }
  }

  /** Records which buffer `node`'s new value holds: the one the pool just gave its kernel,
   *  an input's (a reshape, an unbroadcast that summed nothing), or another (a view of an
   *  input's buffer: the buffers of its inputs are then never reused). */
  private holdBuffer(node: Node, inputs: readonly Tensor[], data: TypedData): void {
    const r = this.releasing!;
    const id = node.id;
    const own = id < r.bufferOf.length && r.graph[id] === node;
    if (data === this.lastTaken) {
      if (own) {
        r.bufferOf[id] = r.buffers.length;
        r.buffers.push(data);
        r.holders.push(1);
      }
      return;
    }
    let shared = false;
    for (let i = 0; i < inputs.length; i++) {
      const b = this.bufferHeldBy(node.inputs[i], inputs[i].data);
      if (inputs[i].data === data) {
        if (own) r.bufferOf[id] = b;
        if (b >= 0) r.holders[b] += own ? 1 : PINNED;
        return;
      }
      if (b >= 0) shared = true;
    }
    if (own) r.bufferOf[id] = -1;
    if (shared)
      for (let i = 0; i < inputs.length; i++) {
        const b = this.bufferHeldBy(node.inputs[i], inputs[i].data);
        if (b >= 0) r.holders[b] += PINNED;
      }
  }

  /** The index of the buffer `node`'s value (`data`) holds, when it was computed here. */
  private bufferHeldBy(node: Node, data: TypedData): number {
    const r = this.releasing!;
    const b = node.id < r.bufferOf.length && r.graph[node.id] === node ? r.bufferOf[node.id] : -1;
    return b >= 0 && r.buffers[b] === data ? b : -1;
  }

  /**
   * The values of `targets`, computing only what they need and keeping only them: every
   * other value computed here is released once its last consumer among the needed nodes
   * has run, and its buffer is reused (zeroed) by a later result of the same dtype and size.
   * A released node is no longer known (a later valueOf computes it again). For evaluators
   * whose intermediate values nobody reads: a check's perturbed evaluations, a run that
   * wants its outputs. Buffers a kernel returned as another value's (a reshape's) stay
   * until that value is released too; feeds and base values are never reused.
   */
  evaluate(targets: readonly Node[]): (Tensor | undefined)[] {
    return this.evaluateThen(targets, (values) => values, false);
  }

  /**
   * `read` of the targets' values, evaluated as `evaluate` does; then the targets' values are
   * released too, their buffers reused by the next evaluations (a check's objective and
   * gradients, evaluated again at every x, would otherwise take fresh pages each time). The
   * values must not be read once `read` has returned.
   */
  evaluateAndRelease<T>(targets: readonly Node[], read: (values: (Tensor | undefined)[]) => T): T {
    return this.evaluateThen(targets, read, true);
  }

  private evaluateThen<T>(targets: readonly Node[], read: (values: (Tensor | undefined)[]) => T, releaseTargets: boolean): T {
    const pooling = !this.keying && this.pool === null;
    if (!pooling) return read(targets.map((t) => this.valueOf(t)));
    // The nodes to compute, in post-order, and how many of them read each node.
    const order: Node[] = [];
    const uses = new Map<Node, number>();
    const state = new Map<Node, 1 | 2>(); // 1: inputs pushed, 2: placed
    const stack: Node[] = targets.slice().reverse();
    let work = 0;
    while (stack.length) {
      const node = stack[stack.length - 1];
      const st = state.get(node);
      if (st === 2) {
        stack.pop();
        continue;
      }
      if (st === undefined && this.lookup(node) !== null) {
        state.set(node, 2);
        stack.pop();
        continue;
      }
      if (st === undefined) {
        state.set(node, 1);
        for (let i = node.inputs.length - 1; i >= 0; i--) if (state.get(node.inputs[i]) === undefined) stack.push(node.inputs[i]);
        continue;
      }
      stack.pop();
      state.set(node, 2);
      order.push(node);
      const shape = node.type.shape;
      work += shape !== null && isFullyKnown(shape) ? sizeOf(shape as number[]) : POOL_MIN_ELEMENTS;
      for (const input of node.inputs) uses.set(input, (uses.get(input) ?? 0) + 1);
    }
    // Small graphs: the bookkeeping would cost more than the allocations it saves.
    if (work < POOL_MIN_ELEMENTS) return read(targets.map((t) => this.valueOf(t)));
    const keep = new Set(targets);
    const pool = new BufferPool();
    /** Live values computed here, by buffer: a buffer is reused only when none holds it. */
    const holders = new Map<ArrayBufferLike, number>();
    const holding = new Set<Node>();
    const release = (node: Node) => {
      const v = this.known.get(node) as Tensor;
      holding.delete(node);
      this.known.delete(node);
      const buffer = v.data.buffer;
      const held = holders.get(buffer)! - 1;
      holders.set(buffer, held);
      if (held === 0) pool.give(v.data);
    };
    this.pool = pool;
    try {
      for (const node of order) {
        if (this.lookup(node) === null) this.valueOf(node);
        const value = this.known.get(node);
        if (value) {
          holders.set(value.data.buffer, (holders.get(value.data.buffer) ?? 0) + 1);
          holding.add(node);
        }
        for (const input of node.inputs) {
          const left = uses.get(input)! - 1;
          uses.set(input, left);
          if (left > 0 || keep.has(input) || !holding.has(input)) continue;
          release(input);
        }
      }
      const result = read(targets.map((t) => this.valueOf(t)));
      if (releaseTargets) for (const target of keep) if (holding.has(target)) release(target);
      return result;
    } finally {
      this.pool = null;
      pool.retainFree();
    }
  }

  /** Whether `node` is computed again here (a taken-over node whose inputs changed), rather
   *  than taken over or fed. */
  private isRecomputed = (node: Node): boolean =>
    this.recomputedMark !== undefined &&
    node.id < this.takenOverBelow &&
    this.recomputedMark[node.id] === 1 &&
    !this.options.feeds.has(node);

  /** The plan of computing again what `groups` (the bindings' nodes, in order) need of the
   *  taken-over nodes computed again (a feed edit's dependents), or null when there are none
   *  (or more than `maxSteps`). It holds for every later evaluator that takes this graph
   *  over with the same nodes computed again. `prefix`: a previous plan's first groups, kept
   *  (see `planEvaluation`). */
  planRecomputation(groups: readonly (readonly Node[])[], maxSteps = Infinity, prefix?: PlanPrefix): EvaluationPlan | null {
    if (this.recomputed.length === 0) return null;
    // A step's value type: the one its evaluation found (taken over with the graph), else its value's.
    const typeOf = (node: Node): ConcreteType | undefined => this.valueTypes.get(node) ?? this.peek(node);
    return planEvaluation(groups, recomputedMark(this.recomputedMark!, this.options.feeds), maxSteps, typeOf, prefix);
  }

  /** The started plan: its externals' values, its steps' values this run, and its slots
   *  (null: the plan runs node by node). `slotFailed`: a step that dies in the plan failed.
   *  `interrupted`: `valueOf` gave a node computed again a value while the plan ran (between
   *  groups, or inside a step's kernel subgraph), so a step may be known before it runs. */
  private planValues: {
    plan: EvaluationPlan;
    externals: Tensor[];
    values: (Tensor | undefined)[];
    layout: SlotLayout | null;
    slotFailed: boolean;
    interrupted: boolean;
  } | null = null;

  /** Makes `plan` the one `runPlanGroup` runs: true when every value it reads is there (else
   *  what it reads must be computed node by node). */
  startPlan(plan: EvaluationPlan): boolean {
    this.planValues = null;
    const externals = new Array<Tensor>(plan.externals.length);
    for (let e = 0; e < plan.externals.length; e++) {
      const node = plan.externals[e];
      if (this.isRecomputed(node)) return false;
      const v = this.lookup(node);
      if (!v) return false;
      externals[e] = v;
    }
    this.planValues = {
      plan,
      externals,
      values: new Array(plan.steps.length),
      layout: this.slotsOf(plan),
      slotFailed: false,
      interrupted: false,
    };
    return true;
  }

  /** The plan's slots, laid out by its first run that releases values (and kept with it: the
   *  same nodes are computed again, read by the same nodes, while the plan holds). */
  private slotsOf(plan: EvaluationPlan): SlotLayout | null {
    const r = this.releasing;
    if (r === null) return null;
    let layout = slotsByPlan.get(plan);
    if (layout === undefined || (layout !== null && layout.precision !== this.options.precision)) {
      // A value may die in the plan when it would be released and every reader is a step.
      const mayDie = (node: Node, reads: number) => this.releasable(node) && r.uses[node.id] === reads;
      layout = layoutSlots(plan, mayDie, this.options.precision);
      slotsByPlan.set(plan, layout);
    }
    return layout;
  }

  /** Computes the steps of the started plan's group `group`, as `valueOf` of the group's
   *  nodes would (the same order, reports and budgets), without walking the graph. With its
   *  slots, a step that dies in the plan writes its slot (or is a view over its input's data)
   *  and is recorded nowhere else: its value is not known to the evaluator afterwards, as a
   *  released one is not. The kept ones (and every step, without slots) are computed and
   *  stored as any node is. */
  runPlanGroup(group: number): void {
    const started = this.planValues;
    if (started === null) return;
    const { plan, externals, values, layout } = started;
    const { steps, inputs, inputsAt, views, types } = plan;
    const onValue = this.options.onValue;
    const end = plan.groupStarts[group + 1];
    for (let k = plan.groupStarts[group]; k < end; k++) {
      const node = steps[k];
      // (asked for in between, or by a kernel's subgraph; looked up only then: a lookup per
      // step, over a hundred thousand nodes' table, was a tenth of a feed edit's steps)
      if (started.interrupted && this.known.get(node) !== undefined) {
        values[k] = this.peek(node);
        continue;
      }
      const from = inputsAt[k];
      const args = layout !== null ? layout.args[k] : new Array<Tensor>(inputsAt[k + 1] - from);
      let unknown = false;
      for (let i = 0; i < args.length; i++) {
        const at = inputs[from + i];
        // (a step's value dies only after its last reader, so it is still here)
        const v = at >= 0 ? values[at] : externals[-1 - at];
        if (v === undefined) unknown = true;
        else args[i] = v;
      }
      this.plannedSteps++;
      const kind = layout !== null ? layout.kinds[k] : KEPT;
      let value: Tensor | undefined;
      if (unknown) this.known.set(node, FAILED);
      else if (kind === KEPT) {
        if (views[k] >= 0) this.view(node, args, views[k], types[k]!);
        else this.compute(node, args);
        value = this.peek(node);
        if (value !== undefined && layout !== null && layout.readsSlot[k] === 1) value = this.unaliased(node, value, args);
      } else {
        this.slottedSteps++;
        const into = layout!.tensors[k];
        value = views[k] >= 0 ? this.viewValue(node, args, views[k], types[k]!, into) : this.produce(node, args, types[k], into);
        if (value !== undefined) onValue?.(node, value, args);
      }
      if (value === undefined && kind !== KEPT) started.slotFailed = true;
      values[k] = value;
      if (layout === null && this.releasing !== null) this.ran(node);
    }
  }

  /** A kept value whose kernel returned a slot's data (an input's, not declared a view):
   *  copied out, since the slot holds other values next. */
  private unaliased(node: Node, value: Tensor, args: readonly Tensor[]): Tensor {
    for (let i = 0; i < args.length; i++)
      if (args[i].data.buffer === value.data.buffer) {
        const copy = { dtype: value.dtype, shape: value.shape, data: value.data.slice() };
        this.known.set(node, copy);
        if (this.keyedValues !== undefined) this.keyedValues.set(node.keyHash1, node.keyHash2, copy);
        return copy;
      }
    return value;
  }

  /** Ends the started plan (its values are the evaluator's own from now on). The failures of
   *  steps that died in it are forgotten, as released values are (a later read computes and
   *  reports them again, as after a node-by-node run). */
  endPlan(): void {
    const started = this.planValues;
    this.planValues = null;
    if (started === null || !started.slotFailed) return;
    const { plan, layout } = started;
    for (let k = 0; k < plan.steps.length; k++)
      if (layout!.kinds[k] !== KEPT && this.known.holds(plan.steps[k])) this.known.delete(plan.steps[k]);
  }

  /** The node's value, evaluating its inputs as needed; undefined when it cannot be known
   *  (an unfed placeholder upstream, or an error that was reported). */
  valueOf(target: Node): Tensor | undefined {
    const known = this.lookup(target);
    if (known !== null) return known;
    // Usual case: the inputs are known (a file's nodes are evaluated in order).
    const direct = this.knownInputs(target);
    if (direct !== null) {
      this.offPlan(target);
      if (direct === undefined) this.known.set(target, FAILED);
      else this.compute(target, direct);
      const value = this.lookup(target) ?? undefined;
      if (this.releasing !== null) this.ran(target);
      return value;
    }
    // Iterative post-order so deep graphs cannot overflow the stack.
    const stack: Node[] = [target];
    while (stack.length) {
      const node = stack[stack.length - 1];
      if (this.lookup(node) !== null) {
        stack.pop();
        continue;
      }
      // Gather the inputs' values, pushing the ones not known yet.
      const nodeInputs = node.inputs;
      const inputs = new Array<Tensor>(nodeInputs.length);
      let ready = true;
      let unknown = false;
      for (let i = 0; i < nodeInputs.length; i++) {
        const v = this.lookup(nodeInputs[i]);
        if (v === null) {
          stack.push(nodeInputs[i]);
          ready = false;
        } else if (v === undefined) unknown = true;
        else inputs[i] = v;
      }
      if (!ready) continue;
      stack.pop();
      this.offPlan(node);
      if (unknown)
        this.known.set(node, FAILED); // unknown upstream: silently unknown here
      else this.compute(node, inputs);
      if (this.releasing !== null && node !== target) this.ran(node);
    }
    if (this.releasing !== null) {
      const value = this.lookup(target) ?? undefined;
      this.ran(target);
      return value;
    }
    return this.lookup(target) ?? undefined;
  }

  /** The values of a node's inputs when every one is computed (undefined when one has no
   *  value), else null. */
  private knownInputs(node: Node): Tensor[] | undefined | null {
    const nodeInputs = node.inputs;
    const inputs = new Array<Tensor>(nodeInputs.length);
    let unknown = false;
    for (let i = 0; i < nodeInputs.length; i++) {
      const v = this.lookup(nodeInputs[i]);
      if (v === null) return null;
      if (v === undefined) unknown = true;
      else inputs[i] = v;
    }
    return unknown ? undefined : inputs;
  }

  /** `valueOf` gives `node` a value (or FAILED) now: if a plan runs and the node is one it
   *  computes again, its steps must look for values known before they run. */
  private offPlan(node: Node): void {
    const started = this.planValues;
    const mark = this.recomputedMark;
    if (started !== null && mark !== undefined && node.id < mark.length && mark[node.id] === 1) started.interrupted = true;
  }

  /** The node's value when it is known, without computing anything. */
  peek(node: Node): Tensor | undefined {
    const v = this.known.get(node);
    return v === undefined || v === FAILED ? undefined : v;
  }

  /** null: not computed yet; undefined: computed, no value. */
  private lookup(node: Node): Tensor | undefined | null {
    const v = this.known.get(node);
    if (v !== undefined) {
      if (node.id < this.takenOverBelow && this.readSinceTakeOver![node.id] === 0 && this.known.holds(node)) {
        this.readSinceTakeOver![node.id] = 1;
        // A failure is not taken over: it is reported again by computing the node (and one
        // of the time budget may not happen again).
        if (v === FAILED) this.known.delete(node);
        else {
          this.reused++;
          return v;
        }
      } else return v === FAILED ? undefined : v;
    }
    const feed = this.options.feeds.get(node);
    if (feed) {
      this.known.set(node, feed);
      return feed;
    }
    if (this.options.base && !this.isAffected(node)) {
      const b = this.options.base.valueOf(node);
      this.known.set(node, b ?? FAILED);
      return b;
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
    this.known.set(node, FAILED);
    this.options.onProblem?.({ node, message, code });
  }

  private compute(node: Node, inputs: Tensor[]): void {
    const op = node.op;
    if (!op.kernel || !op.infer) {
      this.known.set(node, FAILED);
      return;
    }
    const isSource = node.inputs.length === 0;
    const cache = this.recomputedMark !== undefined && this.recomputedMark[node.id] === 1 ? undefined : this.cache;
    const keyed = cache !== undefined || (isSource && this.options.keyValues === true);
    if (keyed) {
      keyNode(node, this.options.feeds);
      const h1 = node.keyHash1;
      const h2 = node.keyHash2;
      let hit = cache?.get(h1, h2);
      if (hit) {
        this.reused++;
        if (isSource) this.sourceValues.set(h1, h2, hit);
      } else if (isSource) {
        // A constant computed earlier in this analysis (every `1.` of a file): shared.
        hit = this.sourceValues.get(h1, h2);
      }
      if (hit) {
        this.known.set(node, hit);
        this.computed.push(node);
        this.keyedValues?.set(h1, h2, hit);
        this.options.onValue?.(node, hit, inputs);
        return;
      }
    }
    const value = this.produce(node, inputs, this.valueTypes.get(node), undefined);
    if (value === undefined) return;
    if (keyed && isSource) this.sourceValues.set(node.keyHash1, node.keyHash2, value);
    this.store(node, value, inputs);
  }

  /** Runs `node`'s kernel within the budgets (the clock, the largest tensor, the document's
   *  memory) and counts it: its value, or undefined when it failed (reported, and FAILED
   *  known). `out` is the value's type when known, else the shape rule finds it. With `into`
   *  (a plan's slot, engine/planSlots.ts), the kernel's first result buffer of that type is
   *  the slot, and the value is `into` itself. */
  private produce(node: Node, inputs: Tensor[], out: ConcreteType | undefined, into: Tensor | undefined): Tensor | undefined {
    const op = node.op;
    const budget = this.options.budget;
    if (budget.stopped) {
      this.known.set(node, FAILED); // said once, by the node that ran out of time
      return;
    }
    if (++this.nodesSinceClock >= CLOCK_NODES || this.elementsSinceClock >= CLOCK_ELEMENTS) {
      this.nodesSinceClock = 0;
      this.elementsSinceClock = 0;
      if (this.outOfTime()) {
        budget.stopped = true;
        this.fail(node, TIME_RAN_OUT, 'budget-time');
        return undefined;
      }
    }
    if (out === undefined) {
      try {
        // The graph's type is the value's when it and every input's are fully known: shape
        // rules read dtypes and shapes only, and those are the graph's then.
        if (fullyKnownWithInputs(node)) out = node.type as ConcreteType;
        else out = this.concreteType(node, inputs);
      } catch (e) {
        if (e instanceof OpError) {
          this.fail(node, `${op.shownAs ?? op.name}: ${e.message}`, e.code);
          return undefined;
        }
        throw e;
      }
      if (this.options.keyValues === true) this.valueTypes.set(node, out);
    }
    const size = sizeOf(out.shape);
    if (size > budget.maxElements) {
      this.fail(
        node,
        `${op.name} would make ${size.toExponential(1)} elements, over the budget of ${formatCount(budget.maxElements)} ${raiseHint('maxElements')}`,
        'budget-elements',
      );
      return;
    }
    const bytes = size * BYTES_PER_ELEMENT[out.dtype];
    if (!this.withinMemory(node, size, bytes)) return undefined;
    let data: TypedData;
    // (a kernel's subgraph (jacobian) computes its nodes inside it: the slot is for its own result)
    const outerSlot = this.slot;
    try {
      // An empty result needs no work (and a kernel's per-axis tables could still be huge:
      // zeros([0, 2**31]) has an axis of 2^31 entries).
      this.carving = this.options.keyValues === true && !node.constant;
      this.lastTaken = null;
      this.slot = into ?? null;
      data = size === 0 ? this.alloc(out.dtype, 0) : op.kernel!(inputs, node.attrs, out, this);
    } catch (e) {
      this.carving = false;
      this.slot = outerSlot;
      if (e instanceof EvaluationError && e.code === 'budget-time') {
        budget.stopped = true;
        this.fail(node, `${op.shownAs ?? op.name}: ${e.message}`, e.code);
        return undefined;
      }
      if (e instanceof OpError || e instanceof EvaluationError) {
        this.fail(node, `${op.shownAs ?? op.name}: ${e.message}`, (e as OpError).code ?? 'evaluation-error');
        return undefined;
      }
      // An engine bug (or an allocation failure): the analysis reports it once; later reads
      // of this node must not run the kernel again and throw out of a hover or the CLI.
      this.known.set(node, FAILED);
      throw e;
    }
    this.carving = false;
    this.slot = outerSlot;
    if (into !== undefined && data !== into.data) into.data.set(data); // (a kernel that made its own)
    if (out.dtype === 'int64') {
      const outside = checkInt64(data);
      if (outside >= 0) {
        const v = data[outside];
        const shown = Number.isFinite(v) ? BigInt(v).toString() : String(v);
        this.fail(
          node,
          `${op.shownAs ?? op.name}: the int64 value ${shown} (index ${outside}) is outside ±${INT64_EXACT_MAX}: tgraph holds int64 exactly only within ±(2^53 - 1)`,
          'int64-range',
        );
        return undefined;
      }
    }
    this.evaluations++;
    this.totalElements += size;
    this.totalBytes += bytes;
    this.elementsSinceClock += size;
    for (let i = 0; i < inputs.length; i++) this.elementsSinceClock += inputs[i].data.length;
    return into ?? { dtype: out.dtype, shape: out.shape, data };
  }

  /** Makes `value` the one computed here for `node`. */
  private store(node: Node, value: Tensor, inputs: readonly Tensor[]): void {
    this.known.set(node, value);
    this.computed.push(node);
    const releasing = this.releasing;
    if (releasing !== null) {
      this.holdBuffer(node, inputs, value.data);
      // (a released value's buffer holds another value next: the table would lie)
      if (this.releasable(node)) {
        this.options.onValue?.(node, value, inputs);
        return;
      }
    }
    if (this.keyedValues !== undefined) {
      keyNode(node, this.options.feeds);
      this.keyedValues.set(node.keyHash1, node.keyHash2, value);
    }
    this.options.onValue?.(node, value, inputs);
  }

  /** Whether a value of `size` elements and `bytes` bytes keeps the document's tensors within
   *  their budgets; if not, the evaluation stops with one diagnostic at `node`. */
  private withinMemory(node: Node, size: number, bytes: number): boolean {
    const budget = this.options.budget;
    if (budget.maxTotalBytes !== undefined && this.totalBytes + bytes > budget.maxTotalBytes)
      return this.outOfMemory(
        node,
        `would take more than ${formatCount(budget.maxTotalBytes)} bytes in all ${raiseHint('maxTotalBytes')}`,
        'budget-memory',
      );
    if (this.totalElements + size > budget.maxTotalElements)
      return this.outOfMemory(
        node,
        `exceed ${formatCount(budget.maxTotalElements)} elements in all ${raiseHint('maxTotalElements')}`,
        'budget-elements',
      );
    return true;
  }

  /** Stops the evaluation at `node`, whose value would pass the document's memory. */
  private outOfMemory(node: Node, what: string, code: string): false {
    const budget = this.options.budget;
    budget.stopped = true; // one diagnostic: every later node would say the same
    budget.memoryStopAt = node.span.start;
    this.fail(node, `evaluation stopped: the document's tensors ${what}`, code);
    return false;
  }

  /** A plan's step whose value is its input `of`'s data (its op's `viewOf`): what `compute`
   *  does without the kernel, the clock and the shape rule. */
  private view(node: Node, inputs: Tensor[], of: number, out: ConcreteType): void {
    const value = this.viewValue(node, inputs, of, out, undefined);
    if (value === undefined) return;
    this.lastTaken = null; // (the input's buffer may be the one the pool gave last)
    this.store(node, value, inputs);
  }

  /** A view step's value (`into`, when the plan made it once), or undefined when the budgets
   *  stopped it. It is counted in the document's memory as `produce` counts a value, so the
   *  budgets stop both at the same node. */
  private viewValue(node: Node, inputs: Tensor[], of: number, out: ConcreteType, into: Tensor | undefined): Tensor | undefined {
    if (this.options.budget.stopped) {
      this.known.set(node, FAILED);
      return undefined;
    }
    const data = inputs[of].data;
    const size = data.length;
    const bytes = size * BYTES_PER_ELEMENT[out.dtype];
    if (!this.withinMemory(node, size, bytes)) return undefined;
    this.evaluations++;
    this.totalElements += size;
    this.totalBytes += bytes;
    return into !== undefined && into.data === data ? into : { dtype: out.dtype, shape: out.shape, data };
  }

  /** The value's type from the shape rule and the inputs' values (a graph type with an
   *  unknown dimension); an OpError when the rule rejects them or leaves a dimension unknown. */
  private concreteType(node: Node, inputs: readonly Tensor[]): ConcreteType {
    // A Tensor is a TensorType with data: the rule reads dtype and shape only.
    const t = node.op.infer!(inputs, node.attrs);
    if (!isFullyKnown(t.shape)) throw new OpError(`output shape ${showShape(t.shape)} is not fully known`);
    // The graph's own shape when it is the same: one array per node, not two (a
    // 100,000-line file keeps every value).
    const known = node.type.shape;
    return {
      dtype: t.dtype,
      shape: known !== null && shapesEqual(known as readonly number[], t.shape) ? (known as readonly number[]) : t.shape,
    };
  }

  /** Evaluates `target` with some nodes' values replaced (jacobian seeds, perturbed xs),
   *  reusing this evaluator's values for everything the replacements cannot reach. */
  withFeeds(
    feeds: ReadonlyMap<Node, Tensor>,
    precision: Precision = this.options.precision,
    onProblem?: (p: EvalProblem) => void,
  ): Evaluator {
    if (precision === this.options.precision) {
      return new Evaluator({ precision, feeds, budget: this.options.budget, base: this, onProblem });
    }
    const merged = new Map(this.rootFeeds());
    for (const [k, v] of feeds) merged.set(k, v);
    return new Evaluator({ precision, feeds: merged, budget: this.options.budget, onProblem });
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

/** `Evaluator.recomputedReads` of each plan, counted by its first evaluation. */
const readsByPlan = new WeakMap<EvaluationPlan, Int32Array>();

/** The slots of each plan (engine/planSlots.ts), laid out by its first evaluation. */
const slotsByPlan = new WeakMap<EvaluationPlan, SlotLayout | null>();

/** Elements up to which a result may be carved from a slab, and a slab's bytes. */
const SLAB_MAX_ELEMENTS = 512;
const SLAB_BYTES = 1 << 16;

/** Bump allocation of small typed arrays as views of shared buffers. A deep model of small
 *  tensors makes a hundred thousand values an analysis, and a typed array with a buffer of
 *  its own costs several times its kernel (a backing store allocated, tracked and swept, and
 *  the external memory it counts bringing collections forward). A slab lives while any view
 *  of it does: only values that die with their analysis are carved (those of nodes that
 *  depend on a feed; constants are what the next analysis reuses). */
class Slabs {
  private readonly open = new Map<string, { slab: TypedData; used: number }>();

  carve(dtype: DType, size: number, precision: Precision): TypedData {
    const wide = dtype === 'float64' || dtype === 'int64' || (dtype === 'float32' && precision === 'float64');
    const kind = wide ? 'float64' : dtype;
    let at = this.open.get(kind);
    if (at === undefined || at.used + size > at.slab.length) {
      at = { slab: allocData(kind, SLAB_BYTES / (wide ? 8 : kind === 'bool' ? 1 : 4), precision), used: 0 };
      this.open.set(kind, at);
    }
    const start = at.used;
    at.used += size;
    return at.slab.subarray(start, start + size);
  }
}

/** Whether a node's type and its inputs' are fully known (no unknown rank or dimension). */
function fullyKnownWithInputs(node: Node): boolean {
  if (!isFullyKnown(node.type.shape)) return false;
  const inputs = node.inputs;
  for (let i = 0; i < inputs.length; i++) if (!isFullyKnown(inputs[i].type.shape)) return false;
  return true;
}
