// The explanation of the sum behind a gradient: `tf.gradients(ys, xs)` differentiates
// Σ over every element of every y (weighted by grad_ys), so an entry of the gradient for x
// is a sum with one term per element of ys that x reaches. This says, for each x of each
// `gradients`/`gradient` call:
//
//  - ysElements: how many elements the ys have together;
//  - fanOut [min, max]: over x's elements, how many ys elements each reaches. `method`
//    'exact': from the Jacobian's structural sparsity, element by element (deps.ts), when
//    ysElements × xElements ≤ 1e5; 'structure': from the axes followed through the graph
//    (axes.ts) beyond that budget or when an element pattern cannot be had;
//  - summedAxes: the axes along which one x element reaches several positions, and why
//    (stack, concat, tile, broadcast, batch, an internal reduction, a list of ys, reuse);
//  - batchSize and advice: a batch axis summed without dividing by its size means the
//    gradient is the sum of the per-example gradients (DDPG divides by the batch size);
//  - text: the sentence the hover and `tgraph run` show.
//
// explain/elements.ts reads the same explanation element by element (`contributions`, the
// terms of one gradient entry) and as the whole Jacobian for a picture (`jacobianOf`).
// Every loop over user-sized data is bounded by the budgets below.

import { type Analysis, type Binding, analysisLineage } from './analysis';
import type { Span } from './syntax/ast';
import type { Node } from './graph';
import type { GradientSite } from './autodiff';
import { isFloat } from './tensor';
import {
  type BatchTag,
  type Cause,
  type GatherCount,
  type Label,
  type Origin,
  type ReductionRecord,
  type ReuseRecord,
  propagateLabels,
} from './explain/axes';
import { relationOf } from './explain/declared';
import { DEFAULT_DEP_BUDGET, type DepResult, addCounts, axisSpans, elementDeps } from './explain/deps';
import {
  ExplainTimeout,
  type SitePath,
  elementName,
  gradientMeaning,
  lineOf,
  nodeName,
  shapeOf,
  sitePath,
  sizeOfDims,
} from './explain/path';
import { type Route, type SummedAxis, composeSentence, describeAxis } from './explain/text';
import { ExplainInterrupted, checkInterrupt } from './explain/interrupt';
import { DEFAULT_BUDGETS, formatCount, raiseHint } from './budgets';
import { largest } from './extremes';

export type { SummedAxis, Origin, Route };
export { describeAxis, elementName };
// (types only: explain/elements.ts imports this module)
export type { Contribution, Contributions, JacobianPicture } from './explain/elements';

export interface ExplainOptions {
  /** Largest Jacobian (ys elements × x elements) whose sparsity is computed exactly; by
   *  default the analysis's `tgraph.maxJacobianEntries` budget. */
  maxJacobianEntries?: number;
  /** Milliseconds the explanation of one x may take: past them, the element-level analysis
   *  gives way to the counts from the axes, and a path too long to follow at all to the
   *  plain meaning, saying why; by default the analysis's `tgraph.explainTimeoutMs`. */
  timeMs?: number;
}

/** For analyses made without budgets (tools): the settings' defaults. */
const DEFAULTS = { maxJacobianEntries: DEFAULT_BUDGETS.maxJacobianEntries, timeMs: DEFAULT_BUDGETS.explainTimeoutMs };

export interface Explanation {
  /** The x, the ys and the derivative they name: `∂(Σz)/∂x`. */
  x: string;
  ys: string[];
  meaning: string;
  ysElements: number | null;
  xElements: number | null;
  fanOut: [number, number] | null;
  summedAxes: SummedAxis[];
  batchSize: number | null;
  /** 'divide': a batch was summed, dividing by batchSize gives the mean; 'already-mean': a
   *  reduce_mean (or a division) already did. */
  advice: 'divide' | 'already-mean' | null;
  text: string;
  /** How fanOut was found: 'exact' (element-level structural sparsity), 'structure' (axes
   *  followed through the graph), 'none' (x is not reached). */
  method: 'exact' | 'structure' | 'none';
  /** Ops whose element pattern was assumed dense: fanOut may overcount through them. */
  conservative: string[];
  /** Ops on the path whose axes the explainer could not read from their declaration (none
   *  should: every differentiable op declares one): the counts through them are approximate. */
  guessed: string[];
  /** Ops on the path that route the gradient by value (max pooling, reduce_max). */
  routes: Route[];
}

/** What the Jacobian picture reads again (elements.ts): which ys x reaches and, when it was
 *  counted element by element, the ys' rows. Only these are kept with the explanation: the
 *  rows and positions of the whole path, kept for each of a deep model's 1,200 weights, were
 *  most of what its explanations allocated and held. */
interface Internals {
  ysReached: boolean[];
  ysRows: { W: number; rows: (Uint32Array | undefined)[] } | null;
}

/** Explanations by gradient site. A site belongs to one analysis, or, when the next analysis
 *  kept the statements before an edit (`AnalysisOptions.previous`), to it as well: such an
 *  explanation is reused while the lineage's label epoch is unchanged (nothing renamed a
 *  node of the kept statements, no line moved), so after an edit near the end a hover is a
 *  lookup. A feed edit changes values, not names or lines (its `valueEpoch`): an explanation
 *  is then reused when what it read of the values is the same (`ValueFootprint`), which for a
 *  deep model's gradients it is (their sums are made of shapes), so that they are not all
 *  explained again after every edit of the feed. */
interface SiteExplanations {
  analysis: Analysis;
  owner: object | undefined;
  labelEpoch: number;
  /** The value epoch of `analysis`: explanations checked at another are checked again. */
  valueEpoch: number;
  byX: Map<number, Explained>;
}

interface Explained {
  ex: Explanation;
  internals: Internals | null;
  /** Null: it holds only for the values it was made with. */
  footprint: ValueFootprint | null;
  /** The value epoch it is known to hold at. */
  valueEpoch: number;
}

const cache = new WeakMap<GradientSite, SiteExplanations>();

/** The site's explanations, taken over from an earlier analysis of the lineage when its
 *  names and lines are the same (null: none can be). */
function lineageEntry(analysis: Analysis, site: GradientSite): SiteExplanations | null {
  const entry = cache.get(site);
  if (!entry) return null;
  if (entry.analysis === analysis) return entry;
  const lineage = analysisLineage(analysis);
  if (!lineage || entry.owner !== lineage.owner || entry.labelEpoch !== lineage.labelEpoch) return null;
  entry.analysis = analysis;
  entry.valueEpoch = lineage.valueEpoch;
  return entry;
}

function explanationsOf(analysis: Analysis, site: GradientSite): SiteExplanations {
  const entry = lineageEntry(analysis, site);
  if (entry) return entry;
  const lineage = analysisLineage(analysis);
  const fresh: SiteExplanations = {
    analysis,
    owner: lineage?.owner,
    labelEpoch: lineage?.labelEpoch ?? 0,
    valueEpoch: lineage?.valueEpoch ?? 0,
    byX: new Map(),
  };
  cache.set(site, fresh);
  return fresh;
}

/** The explanation of x number `xIndex` kept in `entry`, when it holds at the entry's values
 *  (one that does not is forgotten). */
function heldExplanation(entry: SiteExplanations, xIndex: number): Explained | undefined {
  const hit = entry.byX.get(xIndex);
  if (!hit || hit.valueEpoch === entry.valueEpoch) return hit;
  if (hit.footprint && footprintHash(entry.analysis, hit.footprint) === hit.footprint.hash) {
    hit.valueEpoch = entry.valueEpoch;
    return hit;
  }
  entry.byX.delete(xIndex);
  return undefined;
}

export function cached(analysis: Analysis, site: GradientSite, xIndex: number, options: ExplainOptions): Explained {
  // Only the default budgets are memoised: other options are for tests and tools.
  if (options.maxJacobianEntries !== undefined || options.timeMs !== undefined) return guarded(analysis, site, xIndex, options);
  const entry = explanationsOf(analysis, site);
  let hit = heldExplanation(entry, xIndex);
  if (!hit) entry.byX.set(xIndex, (hit = guarded(analysis, site, xIndex, options)));
  return hit;
}

/** Whether x number `xIndex` of `site` is explained already (a hover would be a lookup). */
export function isExplained(analysis: Analysis, site: GradientSite, xIndex: number): boolean {
  const entry = lineageEntry(analysis, site);
  return entry !== null && heldExplanation(entry, xIndex) !== undefined;
}

/** What an explanation was made of that a feed edit can change: the shapes of the nodes on
 *  its path, of their inputs and of the ys (every count and axis is read from them), and the
 *  values it read (a gather's indices, the tensor a maximum routes by, a scaling's factor),
 *  by their content keys; `hash` folds them as they were when it was made. */
interface ValueFootprint {
  order: readonly Node[];
  ys: readonly Node[];
  read: readonly Node[];
  hash: number;
}

function footprintOf(analysis: Analysis, order: readonly Node[], ys: readonly Node[], read: readonly Node[]): ValueFootprint | null {
  const hash = footprintHash(analysis, { order, ys, read, hash: 0 });
  return hash === null ? null : { order, ys, read, hash };
}

/** The nodes whose values (not only shapes) the explanation of a path reads: the inputs off
 *  the path of the ops that move elements by them (a gather's indices; the path's own are
 *  replaced by their positions) and of the scalings a mean is found by (`x / 4`), and every
 *  input of the ops that route by value (maximum, pooling). */
function valuesRead(analysis: Analysis, path: SitePath): Node[] {
  const read: Node[] = [];
  for (let k = 1; k < path.order.length; k++) {
    const d = path.declared[k];
    if (!d) continue;
    const n = path.order[k];
    if (d.kind === 'relation' && relationOf(analysis, n)?.select) {
      for (const i of n.inputs) read.push(i);
    } else if (d.kind === 'index-map' || d.kind === 'scatter' || (d.kind === 'relation' && d.scales)) {
      const from = path.inputsFrom[k];
      for (let s = 0; s < n.inputs.length; s++) if (path.inputPositions[from + s] < 0) read.push(n.inputs[s]);
    }
  }
  return read;
}

/** The footprint's hash at `analysis`'s values: null when a value read has no content key.
 *  (Read at every hover of a gradient after a feed edit: it walks the path without
 *  allocating.) */
function footprintHash(analysis: Analysis, f: ValueFootprint): number | null {
  hashLanes[0] = 0x811c9dc5;
  hashLanes[1] = 0x2545f491;
  for (let k = 0; k < f.order.length; k++) {
    const n = f.order[k];
    mixShape(analysis, n);
    for (let i = 0; i < n.inputs.length; i++) mixShape(analysis, n.inputs[i]);
  }
  for (let k = 0; k < f.ys.length; k++) mixShape(analysis, f.ys[k]);
  for (let k = 0; k < f.read.length; k++) {
    const n = f.read[k];
    if (!n.keyed || !analysis.valueOf(n)) return null;
    mixLanes(n.keyHash1);
    mixLanes(n.keyHash2);
  }
  return (hashLanes[0] >>> 0) * 2 ** 21 + ((hashLanes[1] >>> 0) & 0x1fffff);
}

const hashLanes = new Int32Array(2);

function mixLanes(v: number): void {
  hashLanes[0] = Math.imul(hashLanes[0] ^ v, 0x01000193);
  const h = Math.imul(hashLanes[1] ^ v, 0x5bd1e995);
  hashLanes[1] = h ^ (h >>> 15);
}

function mixShape(analysis: Analysis, n: Node): void {
  const t = analysis.valueOf(n);
  if (!t) return mixLanes(-1);
  mixLanes(t.shape.length);
  for (let i = 0; i < t.shape.length; i++) mixLanes(t.shape[i]);
}

/** `compute`, or, should it fail (a bug, or an op it cannot read), the plain meaning: an
 *  explanation never stops `tgraph run` or a hover. */
function guarded(analysis: Analysis, site: GradientSite, xIndex: number, options: ExplainOptions): Explained {
  const valueEpoch = analysisLineage(analysis)?.valueEpoch ?? 0;
  try {
    return { ...compute(analysis, site, xIndex, options), valueEpoch };
  } catch (e) {
    // Interrupted is not failed: the explanation is made again, whole, later.
    if (e instanceof ExplainInterrupted) throw e;
    const why = `the explanation could not be computed: ${(e as Error)?.message ?? String(e)}${e instanceof ExplainTimeout && options.timeMs === undefined ? ` ${raiseHint('explainTimeoutMs')}` : ''}`;
    return { ex: plainExplanation(analysis, site, xIndex, why), internals: null, footprint: null, valueEpoch };
  }
}

/** The plain meaning of a gradient, and why it is all that is said. */
function plainExplanation(analysis: Analysis, site: GradientSite, xIndex: number, why: string): Explanation {
  const x = site.xs[xIndex];
  const meaning = gradientMeaning(analysis, site, xIndex);
  return {
    x: x ? nodeName(analysis, x) : 'x',
    ys: site.ys.map((y) => nodeName(analysis, y)),
    meaning,
    ysElements: null,
    xElements: null,
    fanOut: null,
    summedAxes: [],
    batchSize: null,
    advice: null,
    text: `${meaning}: the gradient of the sum of every element of the ys (${why}).`,
    method: 'none',
    conservative: [],
    guessed: [],
    routes: [],
  };
}

/**
 * One time budget shared by the explanations of many gradients. A deep model has a gradient
 * per weight, each explained along its own path through the layers above it: a 300-layer net's
 * 1,200 weights take minutes one by one. Once the budget is spent, the rest get their plain
 * meaning and say which setting to raise.
 *
 * - `forRun`: what `tgraph run` prints (`tgraph.explainRunTimeoutMs`); the last explanation
 *   is cut to the time left.
 * - `forRequest`: a hover's or a command's explanations of one statement
 *   (`tgraph.explainTimeoutMs`). Each is memoised whole (a later hover is a lookup): the last
 *   one started may take its own full budget, so the request takes at most twice
 *   `explainTimeoutMs` (`REQUEST_EXPLANATIONS`).
 */
export class SharedExplanationTime {
  private readonly deadline: number;
  /** How many gradients were left with their plain meaning. */
  skipped = 0;

  private constructor(
    readonly ms: number,
    private readonly cutLast: boolean,
    private readonly why: string,
    private readonly onSite?: (span: Span | null) => void,
  ) {
    this.deadline = Date.now() + ms;
  }

  /** `onSite` is told which gradient is being explained (null when done): a run that has to be
   *  stopped then names that statement, not the report being written. */
  static forRun(analysis: Analysis, onSite?: (span: Span | null) => void): SharedExplanationTime {
    const ms = analysis.budgets?.explainRunTimeoutMs ?? DEFAULT_BUDGETS.explainRunTimeoutMs;
    return new SharedExplanationTime(
      ms,
      true,
      `not explained: \`tgraph run\` spent its ${formatCount(ms)} ms for explanations on the gradients before this one ${raiseHint('explainRunTimeoutMs')}`,
      onSite,
    );
  }

  static forRequest(analysis: Analysis): SharedExplanationTime {
    const ms = analysis.budgets?.explainTimeoutMs ?? DEFAULTS.timeMs;
    return new SharedExplanationTime(
      ms,
      false,
      `not explained yet: the ${formatCount(ms)} ms for explaining these gradients went to the ones before this one ${raiseHint('explainTimeoutMs')}`,
    );
  }

  explain(analysis: Analysis, site: GradientSite, xIndex: number): Explanation {
    this.onSite?.(site.span);
    try {
      return this.explainWithin(analysis, site, xIndex);
    } finally {
      this.onSite?.(null);
    }
  }

  private explainWithin(analysis: Analysis, site: GradientSite, xIndex: number): Explanation {
    const left = this.deadline - Date.now();
    const each = analysis.budgets?.explainTimeoutMs ?? DEFAULTS.timeMs;
    // (an explanation made already, by an earlier binding of the same gradient, is free)
    if (isExplained(analysis, site, xIndex) || (left > 0 && (left >= each || !this.cutLast))) return explainSite(analysis, site, xIndex);
    if (left > 0) return explainSite(analysis, site, xIndex, { timeMs: left });
    this.skipped++;
    return plainExplanation(analysis, site, xIndex, this.why);
  }
}

/** A request that explains several gradients (a hover, "Compute gradients", "Explain sum")
 *  takes at most this many times `explainTimeoutMs` (see SharedExplanationTime). */
export const REQUEST_EXPLANATIONS = 2;

/** The explanation of x number `xIndex` of a gradient site (memoised per analysis). */
export function explainSite(analysis: Analysis, site: GradientSite, xIndex: number, options: ExplainOptions = {}): Explanation {
  return cached(analysis, site, xIndex, options).ex;
}

/** The explanations of a binding: one for a gradient tensor, a list (null for None
 *  entries) for a list of gradients, null for a binding that is not a gradient. */
export function explainBinding(
  analysis: Analysis,
  binding: Binding,
  run?: SharedExplanationTime,
): Explanation | (Explanation | null)[] | null {
  const site = binding.gradient;
  if (!site) return null;
  const one = (node: Node): Explanation | null => {
    const i = site.grads.indexOf(node);
    if (i < 0) return null;
    return run ? run.explain(analysis, site, i) : explainSite(analysis, site, i);
  };
  const v = binding.value;
  if (v.kind === 'tensor') return one(v.node);
  if (v.kind === 'list') return v.items.map((item) => (item.kind === 'tensor' ? one(item.node) : null));
  return null;
}

/** The `explanations` object of `tgraph run --json`: every name bound to a gradient result
 *  (destructured names included), one EXPLANATION per x when the value is a list. */
export function explanationsJson(
  analysis: Analysis,
  run?: SharedExplanationTime,
): Record<string, ExplanationJson | (ExplanationJson | null)[]> {
  const out: Record<string, ExplanationJson | (ExplanationJson | null)[]> = {};
  for (const b of analysis.bindings) {
    if (b.kind !== 'gradient' || !b.gradient) continue;
    const ex = explainBinding(analysis, b, run);
    if (ex === null) continue;
    out[b.name] = Array.isArray(ex) ? ex.map((e) => (e ? toJson(e) : null)) : toJson(ex);
  }
  return out;
}

export type ExplanationJson = Omit<Explanation, 'summedAxes'> & { summedAxes: Record<string, unknown>[] };

function toJson(e: Explanation): ExplanationJson {
  return {
    ...e,
    fanOut: e.fanOut ? [e.fanOut[0], e.fanOut[1]] : null,
    summedAxes: e.summedAxes.map((a) => Object.fromEntries(Object.entries(a).filter(([, v]) => v !== undefined))),
  };
}

/** The sentences for `tgraph run`: one per x of a gradient binding (prefixed with the entry
 *  for lists), empty for other bindings. */
export function explanationLines(analysis: Analysis, binding: Binding, run?: SharedExplanationTime): string[] {
  const ex = explainBinding(analysis, binding, run);
  if (ex === null) return [];
  if (!Array.isArray(ex)) return [ex.text];
  return ex.flatMap((e, i) => (e ? [`[${i}] ${e.text}`] : []));
}

// ---- the computation ------------------------------------------------------------------------

function compute(
  analysis: Analysis,
  site: GradientSite,
  xIndex: number,
  options: ExplainOptions,
): { ex: Explanation; internals: Internals | null; footprint: ValueFootprint | null } {
  // One time budget for the whole explanation: its walks over the gradient's path are linear
  // in the path's length, and a 100,000-line chain makes a path of 100,000 nodes.
  const timeMs = options.timeMs ?? analysis.budgets?.explainTimeoutMs ?? DEFAULTS.timeMs;
  const deadline = Date.now() + timeMs;
  const maxEntries = options.maxJacobianEntries ?? analysis.budgets?.maxJacobianEntries ?? DEFAULTS.maxJacobianEntries;
  const x = site.xs[xIndex];
  const ysSizes = site.ys.map((y) => sizeOfDims(shapeOf(analysis, y)));
  const ysElements = ysSizes.some((n) => n === null) ? null : (ysSizes as number[]).reduce((a, b) => a + b, 0);
  const xShape = x ? shapeOf(analysis, x) : null;
  const xElements = sizeOfDims(xShape);
  const base = {
    x: x ? nodeName(analysis, x) : 'x',
    ys: site.ys.map((y) => nodeName(analysis, y)),
    meaning: gradientMeaning(analysis, site, xIndex),
    ysElements,
    xElements,
  };
  const sentenceBase = {
    meaning: base.meaning,
    ys: site.ys.map((_, k) => ({ name: base.ys[k], size: ysSizes[k] })),
    ysElements,
    x: base.x,
    xRank: xShape?.length ?? 0,
  };
  const path = x && site.grads[xIndex] && isFloat(x.type.dtype) ? sitePath(site, xIndex, deadline) : null;
  if (!x || !path || !path.ysReached.some(Boolean)) {
    const ex: Explanation = {
      ...base,
      fanOut: xElements === null ? null : [0, 0],
      summedAxes: [],
      batchSize: null,
      advice: null,
      method: 'none',
      conservative: [],
      guessed: [],
      routes: [],
      text: composeSentence({ ...sentenceBase, connected: false, fanOut: null, summedAxes: [], batchSize: null, advice: null }),
    };
    return { ex, internals: null, footprint: footprintOf(analysis, path?.order ?? (x ? [x] : []), site.ys, []) };
  }

  const axes = propagateLabels(analysis, path, deadline);
  let deps: DepResult | null = null;
  // The budget that made the counts structural, said in the sentence when it is the setting's.
  const overBudget =
    ysElements !== null && xElements !== null && ysElements * xElements > maxEntries && options.maxJacobianEntries === undefined
      ? ` Counted from the axes: this Jacobian has ${formatCount(ysElements * xElements)} entries, more than the ${formatCount(maxEntries)} counted element by element ${raiseHint('maxJacobianEntries')}.`
      : '';
  let countOutOfTime = '';
  if (ysElements !== null && xElements !== null && ysElements * xElements <= maxEntries) {
    deps = elementDeps(analysis, path, null, { ...DEFAULT_DEP_BUDGET, deadline });
    if (!deps && Date.now() > deadline && options.timeMs === undefined) {
      countOutOfTime = ` Counted from the axes: counting element by element took longer than the explanation's ${formatCount(timeMs)} ms ${raiseHint('explainTimeoutMs')}.`;
    }
  }

  // (what follows is linear in the path too, without a check of its own)
  checkInterrupt();

  // fan-out
  let fanOut: [number, number] | null;
  let method: Explanation['method'] = 'structure';
  let unreached: number | null = null;
  if (deps) {
    method = 'exact';
    const counts = new Int32Array(deps.tracked.length);
    // A y listed twice is summed twice: its elements count once per listing.
    site.ys.forEach((y, k) => {
      if (path.ysReached[k]) addCounts(deps!.deps.get(y)!, deps!.W, counts);
    });
    let lo = Infinity;
    let hi = 0;
    unreached = 0;
    for (let i = 0; i < counts.length; i++) {
      lo = Math.min(lo, counts[i]);
      hi = Math.max(hi, counts[i]);
      if (counts[i] === 0) unreached++;
    }
    fanOut = counts.length ? [lo, hi] : [0, 0];
  } else {
    let most: number | null = 0;
    let least: number | null = 0;
    site.ys.forEach((y, k) => {
      if (!path.ysReached[k]) return;
      const labels = axes.labels.get(y);
      let m: number | null = labels ? 1 : null;
      let l: number | null = labels ? 1 : null;
      for (const a of labels ?? []) {
        m = mul(m, a.mult);
        l = mul(l, a.least);
      }
      most = most === null || m === null ? null : most + m;
      least = least === null || l === null ? null : least + l;
    });
    fanOut = most === null || least === null ? null : [least, most];
  }

  // summed axes: at the ys (Σys), inside (reductions), the list of ys, reuse
  const records = new RecordMaker(analysis, path);
  const summed: SummedAxis[] = [];
  site.ys.forEach((y, k) => {
    if (!path.ysReached[k] || site.ys.indexOf(y) !== k) return;
    const shape = shapeOf(analysis, y);
    if (!shape) return;
    const labels = axes.labels.get(y) ?? null;
    const spans =
      deps && shape.every((d) => d !== null) ? axisSpans(deps.deps.get(y)!, shape as number[], deps.W, deps.tracked.length) : null;
    shape.forEach((_, a) => {
      summed.push(...records.axis(y, a, labels?.[a] ?? null, spans ? spans[a].max : null, null));
    });
  });
  for (const group of alike(analysis, axes.reductions)) {
    const r = group[0];
    const input = r.node.inputs[r.slot];
    const shape = shapeOf(analysis, input);
    const dep = deps?.deps.get(input);
    const spans = dep && shape && shape.every((d) => d !== null) ? axisSpans(dep, shape as number[], deps!.W, deps!.tracked.length) : null;
    const made = records.axis(input, r.axis, r.label, spans ? spans[r.axis].max : null, r);
    if (group.length > 1) {
      for (const m of made) {
        m.count = group.length;
        m.lines = group.map((g) => lineOf(analysis, g.node.span));
      }
    }
    summed.push(...made);
  }
  const reached = site.ys.filter((_, k) => path.ysReached[k]);
  if (reached.length >= 2) {
    summed.push({
      tensor: `[${reached.map((y) => nodeName(analysis, y)).join(', ')}]`,
      axis: 0,
      size: reached.length,
      reach: reached.length,
      origin: 'ys-list',
      line: lineOf(analysis, site.span),
      op: 'gradients',
      summedBy: 'gradients',
      batch: false,
      implicit: true,
    });
  }
  // The reuses of x itself one by one; those of the tensors on the way (a residual net's
  // layers) one record per count of uses when they are many.
  const reuses = new Map<number, ReuseRecord[]>();
  for (const r of axes.reuse) {
    const key = r.node === x ? -1 : r.uses;
    const list = reuses.get(key);
    if (list) list.push(r);
    else reuses.set(key, [r]);
  }
  for (const [key, list] of reuses) {
    const groups = key >= 0 && list.length > MAX_ALIKE ? [list] : list.map((r) => [r]);
    for (const group of groups) {
      const r = group[0];
      const rec: SummedAxis = {
        tensor: nodeName(analysis, r.node),
        axis: 0,
        size: r.uses,
        reach: r.uses,
        origin: 'reuse',
        line: lineOf(analysis, r.node.span),
        op: null,
        summedBy: 'gradients',
        batch: false,
        implicit: true,
        lines: group.length > 1 ? group.map((g) => lineOf(analysis, g.node.span)) : r.consumers.map((c) => lineOf(analysis, c.span)),
      };
      if (group.length > 1) {
        rec.count = group.length;
        rec.tensors = group.slice(0, 3).map((g) => nodeName(analysis, g.node));
      }
      summed.push(rec);
    }
  }

  // means: a reduce_mean over the axis, or a later division by its size
  const divisions = new Divisions(analysis, path);
  for (const s of summed) {
    if (!s.batch || s.mean || s.size === null) continue;
    const division = divisions.after(records.startOf(s), s.size);
    if (division) {
      s.mean = true;
      s.meanBy = `${division.op.name} at line ${lineOf(analysis, division.span)}`;
    }
  }
  const batchAxes = summed.filter((s) => s.batch);
  const open = batchAxes.filter((s) => !s.mean);
  // One batch axis summed in two places (ys [loss, h] with loss = reduce_sum(h)) is one
  // batch: the largest of its places. Within one tensor its pieces multiply (a batch of 4
  // reshaped to [2, 2] is summed over both axes). A batch fed to a placeholder has the size
  // it was fed with, even where x reaches fewer of its examples (a row gathered by 2 ids of 3).
  const perTag = new Map<string, Map<string, number | null>>();
  const fed = new Map<string, number>();
  for (const s of open) {
    const tag = records.tagOf(s);
    const key = tag ? `${tag.placeholder.id}:${tag.axis}` : `${s.tensor}:${s.axis}`;
    const places = perTag.get(key) ?? new Map<string, number | null>();
    perTag.set(key, places);
    const place = `${s.summedBy} ${s.line} ${s.tensor}`;
    const prev = places.get(place);
    places.set(place, prev === undefined ? s.reach : mul(prev, s.reach));
    const length = tag && analysis.valueOf(tag.placeholder)?.shape[tag.axis];
    if (length !== undefined && length !== null) fed.set(key, length);
  }
  let batchSize: number | null = open.length ? 1 : null;
  for (const [key, places] of perTag) {
    const sizes = [...places.values()];
    batchSize = mul(batchSize, fed.get(key) ?? (sizes.includes(null) ? null : largest(sizes as number[])));
  }
  const advice: Explanation['advice'] = open.length ? 'divide' : batchAxes.length ? 'already-mean' : null;

  const routes = routesOf(analysis, path);
  const ex: Explanation = {
    ...base,
    fanOut,
    summedAxes: summed,
    batchSize,
    advice,
    method,
    conservative: deps ? deps.conservative : [],
    guessed: [...new Set([...axes.opaque.map((n) => n.op.name), ...(deps?.undeclared ?? [])])],
    routes,
    text:
      composeSentence({ ...sentenceBase, connected: true, fanOut, summedAxes: summed, batchSize, advice, routes, unreached, xElements }) +
      overBudget +
      countOutOfTime,
  };
  const ysRows = deps ? { W: deps.W, rows: site.ys.map((y) => deps!.deps.get(y)) } : null;
  return {
    ex,
    internals: { ysReached: path.ysReached, ysRows },
    footprint: footprintOf(analysis, path.order, site.ys, valuesRead(analysis, path)),
  };
}

/** The ops on the path that route the gradient by value, from their declarations. */
function routesOf(analysis: Analysis, path: SitePath): Route[] {
  const routes: Route[] = [];
  for (let k = 1; k < path.order.length; k++) {
    const n = path.order[k];
    const d = path.declared[k];
    if (d?.kind !== 'relation') continue;
    const select = relationOf(analysis, n)?.select;
    if (!select) continue;
    routes.push({
      op: n.op.name,
      line: lineOf(analysis, n.span),
      to: select.extreme === 'max' ? 'maximum' : 'minimum',
      among: d.family === 'window' ? 'window' : 'group',
      ties: select.ties,
    });
  }
  return routes;
}

/** Groups of reductions alike enough to be said once (the same op summing an axis of the same
 *  size that x reaches at as many positions, for the same reason: the layers of a deep net),
 *  when more than MAX_ALIKE of them are; batch axes are never grouped. */
const MAX_ALIKE = 3;

function alike(analysis: Analysis, reductions: readonly ReductionRecord[]): ReductionRecord[][] {
  const groups = new Map<string, ReductionRecord[]>();
  const order: ReductionRecord[][] = [];
  for (const r of reductions) {
    const batch = r.label.causes.some((c) => c.batch);
    const size = shapeOf(analysis, r.node.inputs[r.slot])?.[r.axis];
    let causes = '';
    for (const c of r.label.causes) causes += `,${c.origin}/${c.pattern}/${c.from ? `${c.from.node.id}.${c.from.axis}` : ''}`;
    const key = batch ? null : `${r.node.op.name}|${r.verb}|${r.slot}|${r.axis}|${size}|${r.label.mult}|${causes}`;
    const group = key === null ? undefined : groups.get(key);
    if (group) group.push(r);
    else {
      const g = [r];
      if (key !== null) groups.set(key, g);
      order.push(g);
    }
  }
  return order.flatMap((g) => (g.length > MAX_ALIKE ? [g] : g.map((r) => [r])));
}

function mul(a: number | null, b: number | null): number | null {
  return a === null || b === null ? null : a * b;
}

/** Makes the summed-axis records of one explanation, remembering for each where its sum
 *  starts (for a later division) and the batch axis it sums (to count each batch once). */
class RecordMaker {
  private readonly starts = new WeakMap<SummedAxis, Node>();
  private readonly tags = new WeakMap<SummedAxis, BatchTag>();
  constructor(
    private readonly analysis: Analysis,
    private readonly path: SitePath,
  ) {}

  startOf(s: SummedAxis): Node | null {
    return this.starts.get(s) ?? null;
  }

  tagOf(s: SummedAxis): BatchTag | null {
    return this.tags.get(s) ?? null;
  }

  /** The records for one axis that one element of x reaches at several positions: one per
   *  cause. `exact`: the element-level count along the axis, when known, which wins over
   *  the structural one. */
  axis(tensor: Node, axis: number, label: Label | null, exact: number | null, reduction: ReductionRecord | null): SummedAxis[] {
    const analysis = this.analysis;
    const reach = exact ?? label?.mult ?? null;
    if (reach !== null && reach <= 1) return [];
    if (reach === null && !label) return [];
    const length = shapeOf(analysis, tensor)?.[axis] ?? null;
    // A tensor made inside a composite op (the squares inside norm) shares the call's text
    // with the reduction that consumes it: say which op made it.
    const inside =
      reduction && !tensor.label && tensor.span.start === reduction.node.span.start && tensor.span.end === reduction.node.span.end;
    const name = inside ? `${tensor.op.name} inside ${nodeName(analysis, tensor)}` : nodeName(analysis, tensor);
    const causes = label?.causes ?? [];
    const product = causes.reduce<number | null>((n, c) => (n === null || c.size === null ? null : n * c.size), 1);
    const make = (cause: Cause | null, n: number | null): SummedAxis => {
      const origin: Origin = cause ? cause.origin : 'other';
      const at = reduction ? reduction.node : cause ? cause.node : null;
      const rec: SummedAxis = {
        tensor: name,
        axis,
        size: length,
        reach: n,
        origin: reduction ? 'reduction' : origin,
        line: at ? lineOf(analysis, at.span) : null,
        op: at ? at.op.name : null,
        summedBy: reduction ? reduction.node.op.name : 'gradients',
        batch: !!cause?.batch,
      };
      if (reduction) {
        rec.createdBy = origin;
        if (cause) {
          rec.createdAt = lineOf(analysis, cause.node.span);
          rec.createdOp = cause.node.op.name;
        }
        rec.verb = reduction.verb;
      }
      if (cause?.pattern) rec.pattern = cause.pattern;
      if (cause?.role) rec.role = cause.role;
      if (cause?.batch) {
        rec.batchOf = nodeName(analysis, cause.batch.placeholder);
        this.tags.set(rec, cause.batch);
      }
      if (cause?.from && cause.from.node !== tensor) rec.of = { tensor: nodeName(analysis, cause.from.node), axis: cause.from.axis };
      if (cause && cause.origin === 'other' && cause.pattern !== 'window' && cause.from) {
        const other = cause.node.inputs.find((i) => !this.path.reaches.has(i) && i === cause.from!.node);
        if (other) rec.with = nodeName(analysis, other);
      }
      if (cause?.gathered) rec.gathered = gatheredOf(analysis, cause.gathered);
      if (reduction?.mean) {
        rec.mean = true;
        rec.meanBy = `${reduction.node.op.name} at line ${lineOf(analysis, reduction.node.span)}`;
        rec.meanOver = reducedCount(analysis, reduction);
      }
      if (cause?.copiesOf && (origin === 'stack' || origin === 'concat' || origin === 'tile'))
        rec.copiesOf = nodeName(analysis, cause.copiesOf);
      const from = reduction ? reduction.node : cause?.node;
      if (from) this.starts.set(rec, from);
      return rec;
    };
    if (causes.length === 0) return [make(null, reach)];
    if (causes.length === 1) return [make(causes[0], reach)];
    if (product !== null && reach !== null && product !== reach) {
      // The structural causes do not multiply to the exact count (a partial concat, a
      // slice): report them with the exact total on the first.
      return causes.map((c, i) => make(c, i === 0 ? reach : c.size));
    }
    return causes.map((c) => make(c, c.size));
  }
}

/** How many elements a mean reduction divides by: the product of the axes it folds. */
function reducedCount(analysis: Analysis, r: ReductionRecord): number | null {
  const inShape = shapeOf(analysis, r.node.inputs[r.slot]);
  const outShape = shapeOf(analysis, r.node);
  if (!inShape || !outShape) return null;
  const inSize = sizeOfDims(inShape);
  const outSize = sizeOfDims(outShape);
  return inSize === null || outSize === null || outSize === 0 ? null : inSize / outSize;
}

/** A gather's picks as the sentence and the JSON give them: rows picked more than once,
 *  with the index positions that pick them, and rows never picked. */
function gatheredOf(analysis: Analysis, g: GatherCount): NonNullable<SummedAxis['gathered']> {
  const repeated: { row: number; count: number; at: number[] }[] = [];
  for (const [row, at] of [...g.picks.entries()].sort((a, b) => a[0] - b[0]))
    if (at.length > 1) repeated.push({ row, count: at.length, at: at.slice(0, 8) });
  const missing: number[] = [];
  for (let row = 0; row < g.rows && missing.length < 16; row++) if (!g.picks.has(row)) missing.push(row);
  let missingCount = 0;
  for (let row = 0; row < g.rows; row++) if (!g.picks.has(row)) missingCount++;
  return { params: nodeName(analysis, g.params), indices: nodeName(analysis, g.indices), rows: g.rows, repeated, missing, missingCount };
}

/** Divisions of a sum by the size of the axis it summed, after the point where it is summed:
 *  `... / 4`, `... * 0.25`, or a division by a tensor whose value is 4. The scaling ops come
 *  from their declarations (elementwise ops that scale); one forward pass per distinct start. */
class Divisions {
  private scalings: { node: Node; factor: number }[] | null = null;
  private readonly descendants = new Map<Node, Set<Node>>();
  constructor(
    private readonly analysis: Analysis,
    private readonly path: SitePath,
  ) {}

  /** The scaling ops of the path, found on the first question (most sites ask none). */
  private scalingsOf(): { node: Node; factor: number }[] {
    if (this.scalings) return this.scalings;
    const { analysis, path } = this;
    this.scalings = [];
    for (let k = 0; k < path.order.length; k++) {
      const n = path.order[k];
      const d = path.declared[k];
      if (d?.kind !== 'relation' || !d.scales || n.inputs.length !== 2) continue;
      const [a, b] = n.inputs;
      // The factor the value on the path is multiplied by: 1/v for x / v, v for x * v.
      const other =
        path.reaches.has(a) && !path.reaches.has(b) ? b : d.scales === 'product' && path.reaches.has(b) && !path.reaches.has(a) ? a : null;
      const t = other && analysis.valueOf(other);
      if (!t || t.data.length !== 1) continue;
      this.scalings.push({ node: n, factor: d.scales === 'quotient' ? 1 / t.data[0] : t.data[0] });
    }
    return this.scalings;
  }

  after(from: Node | null, size: number): Node | null {
    if (!from || this.scalingsOf().length === 0) return null;
    let desc = this.descendants.get(from);
    if (!desc) {
      if (this.descendants.size >= 16) return null;
      desc = new Set<Node>([from]);
      for (const n of this.path.order) if (n.id > from.id && n.inputs.some((i) => desc!.has(i))) desc.add(n);
      this.descendants.set(from, desc);
    }
    for (const { node, factor } of this.scalingsOf()) {
      if (node.id > from.id && desc.has(node) && Math.abs(factor * size - 1) <= 1e-6) return node;
    }
    return null;
  }
}
