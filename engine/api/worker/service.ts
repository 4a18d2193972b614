// The analysis worker's side: keeps one Analysis per open document (the previous one is
// handed to the next analysis, which takes over the graph of the statements before an edit),
// analyses the newest text of each, publishes a plain snapshot, then computes the gradients'
// explanations ahead of hovers, and answers the lens requests and the CLI's runs.
//
// Work is done in turns (one analysis, one explanation, one request), each followed by a
// return to the event loop, so that newer messages are seen between them; inside a turn, a
// newer generation of the document in the shared memory cancels the work at the next
// statement or kernel block. No Node-only import: a browser Web Worker runs this too.

import { analysisReuse, analyzeInStages, type Analysis } from '../../analysis';
import { Cancelled, explainedHover, keptHeads, snapshotOf, statementsTakenOver, statusOf } from '../facts';
import { ExplainInterrupted, interruptible } from '../../explain/interrupt';
import { REQUEST_EXPLANATIONS } from '../../explain';
import { checkGradients, computeGradients, explainStatement } from '../gradients';
import { randomiseFeedEdit } from '../randomise';
import { openAsGraph } from '../openAsGraph';
import { snapshotDelta } from '../snapshotDelta';
import { deltaToWire, snapshotToWire } from '../snapshotWire';
import { OCC_FIELDS, type DocumentSnapshot } from '../snapshot';
import { runReport, testOutcomes } from '../report';
import { resolveBudgets } from '../../budgets';
import {
  CTL_BUDGET,
  CTL_DOC,
  CTL_END,
  CTL_PHASE,
  CTL_SLOTS,
  CTL_START,
  CTL_STARTED,
  CTL_VERSION,
  PHASES,
  SLOT_COUNT,
  type FromWorker,
  type Phase,
  type PlainOptions,
  type ToWorker,
} from './messages';
import { nextTask } from './nextTask';

/** The turn of a text or a request: setImmediate (nextTask.ts), not a timer of 0 ms, which
 *  waited Node's 1 ms minimum before every edit's analysis with the thread asleep (on a
 *  loaded machine, a wait for a core after it too). */
const soonTurn = nextTask;
/** Turns of work nothing waits for (the value table, explanations) keep the timer: its sleep
 *  between slices leaves the cores to the protocol thread and the editor meanwhile (slices
 *  back to back made end edits slower on a loaded machine, in the editor scenarios). */
const laterTurn = (turn: () => void) => setTimeout(turn, 0);

/** A long document's first analysis publishes its build's diagnostics before evaluating
 *  when the build takes this long, or when the document has this many lines (whatever the
 *  machine's speed: its evaluation and description take longer still). */
const EARLY_DIAGNOSTICS_MS = 100;
const EARLY_DIAGNOSTICS_LINES = 10_000;
/** Explanations are computed ahead of hovers only once no text has arrived for this long:
 *  while the user types, the worker is for the edits. */
const EXPLAIN_AFTER_IDLE_MS = 150;
/** The table of values by key is made in slices of about this long, between which the
 *  worker reads its messages (a newer text is not kept waiting for the rest). */
const VALUE_TABLE_SLICE_MS = 4;

/** TGRAPH_WORKER_TURNS=1 (where there is an environment): every turn of 1 ms or more, and
 *  every text's arrival, is logged with wall-clock times, to see what an edit waited for;
 *  and each analysis's stages (`stages: {...}`, see StageMarks), to see where its time went. */
const LOG_TURNS = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.TGRAPH_WORKER_TURNS === '1';
const wallClock = () => performance.timeOrigin + performance.now();

/** An analysis's stages, as wall-clock times (ms) and what they worked on, logged as one
 *  line after its snapshot is posted (so that logging delays nothing of the edit). */
type StageMarks = Record<string, number | string | boolean>;

/** Told of each stage of an analysis as it is reached (the names of StageMarks' times) and
 *  of the start of each idle turn ('value-table', 'explanation'): bench/workerAllocations.ts
 *  reads the heap there, to say what each stage allocates. */
export const stageProbe: { reached?: (stage: string) => void } = {};

function mark(marks: StageMarks | undefined, stage: string): void {
  if (marks) marks[stage] = wallClock();
  stageProbe.reached?.(stage);
}

/** The time an analysis is given before the host stops the worker: the time budget of
 *  building and evaluating, plus parsing and describing, which the file's size bounds (an
 *  8 MB file takes seconds on a quiet machine, tens of seconds on a busy one). */
function analysisAllowance(evaluationTimeoutMs: number, textLength = 0): number {
  return evaluationTimeoutMs + 10_000 + Math.ceil(textLength / 200);
}

interface Wanted {
  version: number;
  text: string;
  options: PlainOptions;
  generation: number;
  fresh: boolean;
  /** When the worker read the text (with LOG_TURNS). */
  arrivedAt?: number;
}

interface DocState {
  /** The newest text asked for, not analysed yet. */
  wanted?: Wanted;
  /** The latest analysis made (published unless it was cancelled). */
  analysis?: Analysis;
  version?: number;
  /** The generation of its text (a newer one in the shared memory: a newer text is coming). */
  generation?: number;
  /** The options it was made with (a check lens analyses with them again). */
  options?: PlainOptions;
  /** The analysis whose table of values by key is being made in slices (left unfinished). */
  slicing?: Analysis;
  /** The analysis whose table of values by key is made (`Analysis.valueCache`). */
  keyed?: Analysis;
  /** Targets of the published snapshot still to explain. */
  explaining: number[];
  /** The last snapshot sent (with the explanations sent since) and its text: the next one
   *  goes as a delta against it, which the host applies to its copy. */
  sent?: { snapshot: DocumentSnapshot; text: string };
}

type Request = Extract<ToWorker, { type: 'request' | 'run' | 'test' }>;

export class AnalysisService {
  private readonly docs = new Map<number, DocState>();
  private readonly requests: Request[] = [];
  /** The turn scheduled (its number; 0: none), and whether it is due soon. */
  private scheduled = 0;
  private scheduledSoon = false;
  private turnsScheduled = 0;
  private epoch = Date.now();
  /** When the last text arrived (Date.now()). */
  private lastTextAt = 0;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  /** Explanations a newer text interrupted (each is made again later), and slices the table
   *  of values by key was left after: what tests count. */
  interruptedExplanations = 0;
  valueTableSlices = 0;

  constructor(
    /** `transfer`: buffers handed over with the message (not copied; gone on this side). */
    private readonly post: (message: FromWorker, transfer?: ArrayBuffer[]) => void,
    private control: Int32Array | null = null,
    /** How to run the next turn (a macrotask, so messages are read between turns); by
     *  default, `soonTurn` and `laterTurn`. */
    later?: (turn: () => void) => void,
  ) {
    this.soon = later ?? soonTurn;
    this.later = later ?? laterTurn;
    this.setPhase('idle');
  }

  private readonly soon: (turn: () => void) => void;
  private readonly later: (turn: () => void) => void;

  handle(message: ToWorker): void {
    switch (message.type) {
      case 'init':
        this.control = message.control ? new Int32Array(message.control) : null;
        this.epoch = message.epoch;
        this.post({ type: 'ready' });
        return;
      case 'analyse': {
        const state = this.state(message.doc);
        state.wanted = {
          version: message.version,
          text: message.text,
          options: message.options,
          generation: message.generation,
          fresh: message.fresh === true,
          arrivedAt: LOG_TURNS ? wallClock() : undefined,
        };
        state.explaining = [];
        this.lastTextAt = Date.now();
        if (LOG_TURNS)
          this.post({ type: 'log', message: `turns: text ${message.doc} ${message.version} arrived ${wallClock().toFixed(1)}` });
        break;
      }
      case 'close':
        this.docs.delete(message.doc);
        break;
      default:
        // A hover waits for an explanation: it goes before the other requests.
        if (message.type === 'request' && message.kind === 'explainTarget') this.requests.unshift(message);
        else this.requests.push(message);
    }
    this.schedule();
  }

  private state(doc: number): DocState {
    let s = this.docs.get(doc);
    if (!s) {
      s = { explaining: [] };
      this.docs.set(doc, s);
    }
    return s;
  }

  /** Whether what waits is a text or a request (else: the value table, explanations). */
  private awaited(): boolean {
    if (this.requests.length > 0) return true;
    for (const state of this.docs.values()) if (state.wanted) return true;
    return false;
  }

  private schedule(): void {
    const soon = this.awaited();
    // A turn due soon replaces one due later (which then does nothing when it comes); with
    // one way to run turns (given), the one scheduled stands.
    if (this.scheduled !== 0 && (this.scheduledSoon || !soon || this.soon === this.later)) return;
    const token = ++this.turnsScheduled;
    this.scheduled = token;
    this.scheduledSoon = soon;
    (soon ? this.soon : this.later)(() => {
      if (this.scheduled !== token) return;
      this.scheduled = 0;
      if (this.turn()) this.schedule();
    });
  }

  /** What the running turn does (for LOG_TURNS). */
  private turnKind = '';

  /** One piece of work; true when more is waiting. */
  private turn(): boolean {
    const started = LOG_TURNS ? wallClock() : 0;
    this.turnKind = 'none';
    try {
      for (const [doc, state] of this.docs) {
        if (state.wanted) {
          const wanted = state.wanted;
          state.wanted = undefined;
          this.turnKind = 'analysis';
          this.analyse(doc, state, wanted);
          return true;
        }
      }
      const request = this.requests.shift();
      if (request) {
        this.turnKind = `request:${request.type === 'request' ? request.kind : request.type}`;
        this.answer(request);
        return true;
      }
      for (const state of this.docs.values()) {
        const analysis = state.analysis;
        if (!analysis || state.keyed === analysis || state.version === undefined) continue;
        // The next analysis of the document reads this one's values by key (`cache`): the
        // table is made on first use, by keying every node (up to hundreds of ms for a deep
        // model), so now, while nothing waits, rather than in the time of the next edit; in
        // slices, so that an edit arriving meanwhile is read after the slice, and analysed
        // with the table as far as it is made.
        this.turnKind = 'value-table';
        stageProbe.reached?.('value-table');
        this.setPhase('describing', -1, 0, analysisAllowance(analysis.budgets.evaluationTimeoutMs, analysis.text.length));
        const until = Date.now() + VALUE_TABLE_SLICE_MS;
        // A slice also ends once the host has written a newer generation of any document (it
        // does before posting the text): an edit arriving mid-slice waited for the rest of the
        // slice, and on a loaded machine a 4 ms slice takes tens of ms.
        const newer = this.newerText();
        if (analysis.prepareValueCache ? analysis.prepareValueCache(() => Date.now() >= until || newer()) : analysis.valueCache)
          state.keyed = analysis;
        else {
          state.slicing = analysis;
          this.valueTableSlices++;
        }
        return true;
      }
      const idleFor = Date.now() - this.lastTextAt;
      const explaining = [...this.docs.values()].some((s) => s.explaining.length > 0);
      if (explaining && idleFor < EXPLAIN_AFTER_IDLE_MS) {
        // Later, unless a newer text (which schedules a turn itself) comes first.
        clearTimeout(this.idleTimer);
        this.idleTimer = setTimeout(() => this.schedule(), EXPLAIN_AFTER_IDLE_MS - idleFor);
        return false;
      }
      for (const [doc, state] of this.docs) {
        const target = state.explaining.shift();
        if (target !== undefined && state.analysis && state.version !== undefined) {
          this.setPhase('explaining', doc, state.version, REQUEST_EXPLANATIONS * state.analysis.budgets.explainTimeoutMs);
          this.turnKind = 'explanation';
          stageProbe.reached?.('explanation');
          const hover = this.explainedHover(state, target);
          if (hover !== undefined) {
            this.explained(state, state.version, target, hover);
            this.post({ type: 'explained', doc, version: state.version, target, hover });
          }
          return true;
        }
      }
      return false;
    } catch (e) {
      this.post({ type: 'log', message: `analysis worker: ${(e as Error)?.stack ?? String(e)}` });
      return true;
    } finally {
      this.setPhase('idle');
      if (LOG_TURNS) {
        const ended = wallClock();
        if (ended - started >= 1) this.post({ type: 'log', message: `turns: ${this.turnKind} ${started.toFixed(1)} ${ended.toFixed(1)}` });
      }
    }
  }

  private cancelledFor(doc: number, generation: number): () => boolean {
    const control = this.control;
    if (!control || doc < 0 || doc >= SLOT_COUNT) return () => false;
    return () => Atomics.load(control, CTL_SLOTS + doc) !== generation;
  }

  /** Whether a newer text than the one analysed has been sent for any document. */
  private newerText(): () => boolean {
    const control = this.control;
    if (!control) return () => false;
    const slots: number[] = [];
    const generations: number[] = [];
    for (const [doc, state] of this.docs) {
      if (doc < 0 || doc >= SLOT_COUNT || state.generation === undefined) continue;
      slots.push(CTL_SLOTS + doc);
      generations.push(state.generation);
    }
    return () => {
      for (let i = 0; i < slots.length; i++) if (Atomics.load(control, slots[i]) !== generations[i]) return true;
      return false;
    };
  }

  /** The hover of a target with its explanation, or undefined when there is none or a newer
   *  text interrupted it: then the target waits to be explained again (the next snapshot
   *  lists it again too, as it is not explained). */
  private explainedHover(state: DocState, target: number): string | undefined {
    try {
      return interruptible(this.newerText(), () => explainedHover(state.analysis!, target));
    } catch (e) {
      if (!(e instanceof ExplainInterrupted)) throw e;
      this.interruptedExplanations++;
      if (!state.explaining.includes(target)) state.explaining.unshift(target);
      return undefined;
    }
  }

  private analyse(doc: number, state: DocState, wanted: Wanted): void {
    const cancelled = this.cancelledFor(doc, wanted.generation);
    if (cancelled()) return; // a newer text is on its way
    const marks: StageMarks | undefined = LOG_TURNS
      ? { doc, version: wanted.version, arrived: wanted.arrivedAt ?? 0, start: wallClock() }
      : undefined;
    const budgets = resolveBudgets(wanted.options);
    this.setPhase('building', doc, wanted.version, analysisAllowance(budgets.evaluationTimeoutMs, wanted.text.length));
    const previous = wanted.fresh ? undefined : state.analysis;
    // A table being made in slices is taken as far as it is (the rest would be made in this
    // edit's time); one not begun (the previous analysis was cancelled, or just made) is made
    // now: without it, every value the previous analysis computed would be computed again.
    const tableSoFar = previous !== undefined && state.slicing === previous;
    if (marks) marks.table = !previous ? 'none' : tableSoFar ? 'so far' : state.keyed === previous ? 'made' : 'made now';
    const cache = tableSoFar ? (previous.valueCacheSoFar ?? previous.valueCache) : previous?.valueCache;
    mark(marks, 'tableMade');
    state.slicing = undefined;
    const previousVersion = state.version;
    if (wanted.fresh) state.sent = undefined;
    // The previous analysis is taken over (its graph becomes the new one's): forget it now,
    // so that a failure below cannot leave a half-taken-over analysis to reuse, nor keep it
    // alive beside the new one (`keyed` too: only the identity of the analysis is read there).
    state.analysis = undefined;
    state.keyed = undefined;
    const started = Date.now();
    let analysis: Analysis;
    try {
      const built = analyzeInStages(wanted.text, {
        ...wanted.options,
        cache,
        previous,
        cancelled,
        progress: (phase, span) => this.progress(phase, span),
      });
      mark(marks, 'built');
      const long = Date.now() - started >= EARLY_DIAGNOSTICS_MS || built.lines.lineCount >= EARLY_DIAGNOSTICS_LINES;
      if (!previous && long && !cancelled()) {
        this.post({ type: 'built', doc, version: wanted.version, diagnostics: built.builtDiagnostics.slice() });
      }
      analysis = built.finish();
    } catch (e) {
      if (!previous) throw e;
      // A bug in reusing must not cost the document its analysis: once more from scratch.
      this.post({ type: 'log', message: `incremental analysis failed, analysing from scratch: ${(e as Error)?.stack ?? String(e)}` });
      analysis = analyzeInStages(wanted.text, {
        ...wanted.options,
        cancelled,
        progress: (phase, span) => this.progress(phase, span),
      }).finish();
    }
    state.analysis = analysis;
    state.version = wanted.version;
    state.generation = wanted.generation;
    state.options = wanted.options;
    mark(marks, 'evaluated');
    if (marks) {
      const reuse = analysisReuse(analysis);
      Object.assign(marks, {
        keptStatements: reuse?.keptStatements ?? 0,
        statements: analysis.program.statements.length,
        nodes: analysis.graph.nodes.length,
        reused: analysis.stats.reused,
        computed: analysis.stats.computed,
        planned: analysis.stats.planned,
      });
    }
    if (cancelled()) return;
    // The diagnostics first (what the user waits for after an edit), the snapshot after.
    const milliseconds = Date.now() - started;
    this.post({
      type: 'diagnostics',
      doc,
      version: wanted.version,
      diagnostics: analysis.diagnostics.slice(),
      status: { ...statusOf(analysis), milliseconds },
    });
    mark(marks, 'diagnosticsPosted');
    // Describing is linear in the statements (an 8 MB file's take seconds on a busy machine).
    this.setPhase('describing', doc, wanted.version, analysisAllowance(budgets.evaluationTimeoutMs, wanted.text.length));
    try {
      // The statements kept from the previous analysis are described as the last snapshot
      // sent did (it was made of that analysis when its version is the one taken over).
      const sent = previous && state.sent && state.sent.snapshot.version === previousVersion ? state.sent.snapshot : undefined;
      const snapshot = snapshotOf(analysis, { version: wanted.version, explain: false, cancelled, previous: sent });
      snapshot.status.milliseconds = milliseconds;
      mark(marks, 'described');
      if (marks) {
        marks.describedFrom = statementsTakenOver(snapshot);
      }
      state.explaining = snapshot.explaining.slice();
      this.send(doc, state, snapshot, wanted.text, marks);
    } catch (e) {
      if (!(e instanceof Cancelled)) throw e;
    }
    if (marks) this.post({ type: 'log', message: `stages: ${JSON.stringify(marks)}` });
  }

  /** A snapshot as a delta against the last one sent, or whole for the first, packed
   *  (snapshotWire.ts). */
  private send(doc: number, state: DocState, snapshot: DocumentSnapshot, text: string, marks?: StageMarks): void {
    const sent = state.sent;
    state.sent = { snapshot, text };
    if (sent) {
      const delta = snapshotDelta(sent.snapshot, sent.text, snapshot, text, keptHeads(sent.snapshot, snapshot));
      mark(marks, 'delta');
      if (marks) {
        marks.deltaItems =
          delta.targets.middle.length + delta.lenses.middle.length + delta.hints.middle.length + delta.symbols.middle.length;
        marks.deltaTargets = delta.targets.middle.length;
        marks.deltaOccurrences = delta.occurrences.middle.length / OCC_FIELDS;
      }
      const { wire, transfer } = deltaToWire(delta);
      mark(marks, 'wire');
      this.post({ type: 'snapshotDelta', doc, version: snapshot.version, delta: wire }, transfer);
      mark(marks, 'posted');
      return;
    }
    const { wire, transfer } = snapshotToWire(snapshot);
    mark(marks, 'wire');
    this.post({ type: 'snapshot', doc, version: snapshot.version, snapshot: wire }, transfer);
    mark(marks, 'posted');
  }

  /** An explanation sent to the host: its copy of the snapshot has it, so ours too. */
  private explained(state: DocState, version: number, target: number, hover: string): void {
    const sent = state.sent?.snapshot;
    if (sent?.version === version && sent.targets[target]) sent.targets[target] = { ...sent.targets[target], hover };
  }

  private answer(request: Request): void {
    try {
      this.post({ type: 'response', id: request.id, result: this.result(request) });
    } catch (e) {
      this.post({ type: 'response', id: request.id, error: (e as Error)?.message ?? String(e) });
    }
  }

  private result(request: Request): unknown {
    if (request.type === 'run' || request.type === 'test') {
      const budgets = resolveBudgets(request.options);
      this.setPhase('building', -1, 0, analysisAllowance(budgets.evaluationTimeoutMs, request.text.length));
      const analysis = analyzeInStages(request.text, {
        ...request.options,
        progress: (phase, span) => this.progress(phase, span),
      }).finish();
      if (request.type === 'test') return testOutcomes(analysis, request.file);
      // Printing is bounded by maxOutputBytes; its time only guards against a bug.
      this.setPhase('printing', -1, 0, 4 * budgets.evaluationTimeoutMs + 10_000);
      // While a gradient is explained the phase says which: a stop then names that statement.
      const onExplaining = (span: { start: number; end: number } | null) =>
        this.progress(span ? 'explaining' : 'printing', span ?? { start: 0, end: 0 });
      const ok = runReport(analysis, request.file, { json: request.json, maxBytes: request.maxOutputBytes, onExplaining }, (chunk) =>
        this.post({ type: 'output', id: request.id, chunk }),
      );
      return { errors: analysis.diagnostics.some((d) => d.severity === 'error'), complete: ok };
    }
    const state = this.docs.get(request.doc);
    const a = state?.analysis;
    if (!a || state.version === undefined) return null;
    const budgets = a.budgets;
    switch (request.kind) {
      case 'computeGradients':
        this.setPhase('explaining', request.doc, state.version, REQUEST_EXPLANATIONS * budgets.explainTimeoutMs);
        return computeGradients(request.uri, a, request.line);
      case 'explain':
        this.setPhase('drawing', request.doc, state.version, budgets.pictureTimeoutMs + REQUEST_EXPLANATIONS * budgets.explainTimeoutMs);
        return explainStatement(request.uri, a, request.line);
      case 'checkGradients':
        // A jacobian's or hessian's check is one more analysis of the text (values cached).
        this.setPhase(
          'checking',
          request.doc,
          state.version,
          budgets.evaluationTimeoutMs + analysisAllowance(budgets.evaluationTimeoutMs, a.text.length),
        );
        return { version: state.version, ...checkGradients(request.uri, a, request.line, request.check, state.options) };
      case 'randomiseFeed':
        return { version: state.version, edit: randomiseFeedEdit(a, request.line) };
      case 'openAsGraph':
        // The document is analysed again, once or three times, to check what it says.
        this.setPhase(
          'describing',
          request.doc,
          state.version,
          3 * (budgets.evaluationTimeoutMs + analysisAllowance(budgets.evaluationTimeoutMs, a.text.length)),
        );
        return openAsGraph(request.uri, a, request.line, request.endLine ?? request.line);
      case 'explainTarget': {
        // A hover waits for this one: it goes before the others.
        this.setPhase('explaining', request.doc, state.version, REQUEST_EXPLANATIONS * budgets.explainTimeoutMs);
        state.explaining = state.explaining.filter((t) => t !== request.line);
        const hover = this.explainedHover(state, request.line);
        if (hover !== undefined) this.explained(state, state.version, request.line, hover);
        return { version: state.version, target: request.line, hover };
      }
    }
  }

  private setPhase(phase: Phase, doc = -1, version = 0, budgetMs = 0): void {
    const c = this.control;
    if (!c) return;
    c[CTL_DOC] = doc;
    c[CTL_VERSION] = version;
    c[CTL_START] = 0;
    c[CTL_END] = 0;
    c[CTL_BUDGET] = budgetMs;
    c[CTL_STARTED] = Date.now() - this.epoch;
    Atomics.store(c, CTL_PHASE, PHASES.indexOf(phase));
  }

  private progress(phase: 'building' | 'evaluating' | 'explaining' | 'printing', span: { start: number; end: number }): void {
    const c = this.control;
    if (!c) return;
    c[CTL_START] = span.start;
    c[CTL_END] = span.end;
    c[CTL_PHASE] = PHASES.indexOf(phase);
  }
}
