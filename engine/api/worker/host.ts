// The analysis host: the side of the protocol thread (the server) or the CLI's main thread.
// It sends texts to the analysis worker and receives plain snapshots; it never analyses.
// A newer text of a document cancels the work in progress on it (through the shared memory,
// seen by the worker between statements and kernel blocks). Work that will not stop — past
// its time budget, or past a cancellation, by more than `workerStopTimeoutMs` — and a worker that
// runs out of heap are ended by stopping the worker and starting a new one; the document gets
// one diagnostic on the statement that was running, naming the setting that bounds it.
//
// Depends only on a `Channel` (messages.ts), so a browser Web Worker can carry it too.

import type { Diagnostic } from '../../analysis';
import { DEFAULT_BUDGETS, formatCount } from '../../budgets';
import type { DocumentSnapshot } from '../snapshot';
import { applySnapshotDeltaSteps } from '../snapshotDelta';
import { deltaFromWireSteps, snapshotFromWireSteps } from '../snapshotWire';
import { compactTextsSteps, copyWithTexts } from '../packedList';
import type { Steps } from '../steps';
import type { CheckSettings } from '../gradients';
import type { TestOutcome } from '../report';
import {
  CONTROL_INTS,
  CTL_BUDGET,
  CTL_DOC,
  CTL_END,
  CTL_PHASE,
  CTL_SLOTS,
  CTL_START,
  CTL_STARTED,
  CTL_VERSION,
  PHASES,
  PHASE_SETTING,
  SLOT_COUNT,
  type Channel,
  type FromWorker,
  type Phase,
  type PlainOptions,
  type RequestKind,
  type ToWorker,
} from './messages';
import { nextTask } from './nextTask';

export interface HostEvents {
  /** An analysis's diagnostics, before its snapshot. */
  diagnostics?(uri: string, version: number, diagnostics: Diagnostic[], status: DocumentSnapshot['status'], text: string): void;
  snapshot(uri: string, version: number, snapshot: DocumentSnapshot, text: string): void;
  explained?(uri: string, version: number, target: number, hover: string): void;
  built?(uri: string, version: number, diagnostics: Diagnostic[], text: string): void;
  /** The worker had to be stopped while it worked on this document's `version`. */
  stopped(uri: string, version: number, diagnostic: Diagnostic, text: string): void;
  log(message: string): void;
}

export interface HostOptions {
  /** Makes a new worker (the first one, and one after each stop). */
  connect(heapMb: number): Channel;
  /** The budgets that bound the worker itself, read at each check. */
  limits(): { graceMs: number; heapMb: number };
  /** How often the host looks at the worker while it works (ms). */
  watchEveryMs?: number;
  /** How long one task may take a snapshot in before the thread is let go (ms; 0: one step
   *  per task, as tests use to see every gap). */
  arrivalSliceMs?: number;
  /** Whether a task of the protocol's own (a message to handle, a response to write) is
   *  queued: a slice is put off behind it (the server counts them, see protocolTurns.ts). */
  yieldToProtocol?(): boolean;
}

interface DocEntry {
  uri: string;
  id: number;
  /** The newest text sent, and the texts of versions whose snapshot may still come. */
  texts: Map<number, string>;
  latest?: { version: number; text: string; options: PlainOptions };
  /** This version stopped the worker: it is not sent again (its next edit is). */
  stoppedVersion?: number;
  /** The last snapshot the worker sent, with the explanations since: its next one comes as
   *  a delta against this. */
  base?: DocumentSnapshot;
  /** Deltas applied to `base` (see COMPACT_EVERY_DELTAS). */
  deltas: number;
}

const COMPACT_EVERY_DELTAS = 8;

/** A snapshot from the worker is taken in by steps for at most this long per task, then the
 *  thread answers what waits (a hover) before it goes on: a thousand targets' objects, built
 *  in one task, held a hover for tens of ms. */
const ARRIVAL_SLICE_MS = 2;

/** A message from the worker, with the worker it came from (one stopped since is ignored). */
interface Arrival {
  message: FromWorker;
  worker: number;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  onChunk?(chunk: string): void;
  /** Sees the result before it resolves (in the order of the worker's messages). */
  onResult?(result: unknown): void;
  doc: number;
}

const STOP_WORDS: Record<Phase, string> = {
  idle: 'working on',
  building: 'building',
  evaluating: 'evaluating',
  describing: 'describing the values of',
  explaining: 'explaining a gradient of',
  checking: 'checking the gradients of',
  drawing: 'drawing the picture of',
  printing: 'printing the result of',
};

export class AnalysisHost {
  private channel!: Channel;
  private readonly control: Int32Array | null;
  private readonly shared: SharedArrayBuffer | null;
  private readonly epoch = Date.now();
  private readonly docs = new Map<string, DocEntry>();
  private readonly byId = new Map<number, DocEntry>();
  private readonly freeIds: number[] = [];
  private nextId = 0;
  private generation = 1;
  private nextRequest = 1;
  private readonly pending = new Map<number, Pending>();
  private watch: ReturnType<typeof setInterval> | undefined;
  /** The job a cancellation was asked of: its start time and when it was asked. */
  private cancelAsked: { started: number; at: number } | undefined;
  private stopping = false;
  /** The worker's messages in order, while a snapshot is being taken in by steps (and the
   *  steps of that snapshot): what comes after it waits for it (a delta builds on it, an
   *  explanation completes it, a response may read it). */
  private readonly inbox: Arrival[] = [];
  private taking: { steps: Steps<void>; worker: number } | undefined;
  private workers = 0;
  /** How many workers were stopped by force (tests and the bench read it). */
  restarts = 0;

  constructor(
    private readonly events: HostEvents,
    private readonly options: HostOptions,
  ) {
    this.shared = typeof SharedArrayBuffer === 'function' ? new SharedArrayBuffer(CONTROL_INTS * 4) : null;
    this.control = this.shared ? new Int32Array(this.shared) : null;
    this.start();
  }

  private heapMb = 0;

  private start(): void {
    this.heapMb = this.options.limits().heapMb;
    // A new worker has sent nothing: its first snapshot of each document comes whole.
    for (const e of this.docs.values()) e.base = undefined;
    this.channel = this.options.connect(this.heapMb);
    const worker = ++this.workers;
    this.channel.onMessage((message) => {
      this.inbox.push({ message, worker });
      if (this.inbox.length === 1 && !this.taking) this.drain();
    });
    this.channel.onExit((reason, detail) => this.exited(reason, detail));
    this.channel.post({ type: 'init', control: this.shared, epoch: this.epoch });
  }

  // ---- documents ---------------------------------------------------------------------------

  private entry(uri: string): DocEntry {
    let e = this.docs.get(uri);
    if (!e) {
      const id = this.freeIds.pop() ?? this.nextId++;
      e = { uri, id, texts: new Map(), deltas: 0 };
      this.docs.set(uri, e);
      this.byId.set(id, e);
    }
    return e;
  }

  /** Analyses `text` as `version` of the document (cancelling older work on it). */
  analyse(uri: string, version: number, text: string, options: PlainOptions, fresh = false): void {
    const e = this.entry(uri);
    e.latest = { version, text, options };
    e.stoppedVersion = undefined;
    e.texts.set(version, text);
    // Versions older than the newest sent and not yet answered will never be published.
    for (const v of e.texts.keys()) if (v < version - 8) e.texts.delete(v);
    this.send(e, fresh);
  }

  private send(e: DocEntry, fresh: boolean): void {
    if (!e.latest) return;
    const generation = this.generation++;
    if (this.control && e.id < SLOT_COUNT) {
      Atomics.store(this.control, CTL_SLOTS + e.id, generation);
      // The worker is busy with an older text of this document: it should stop soon.
      if (this.control[CTL_DOC] === e.id && this.control[CTL_PHASE] !== 0) {
        const started = this.control[CTL_STARTED];
        if (!this.cancelAsked || this.cancelAsked.started !== started) this.cancelAsked = { started, at: Date.now() };
      }
    }
    this.post({ type: 'analyse', doc: e.id, version: e.latest.version, text: e.latest.text, options: e.latest.options, generation, fresh });
  }

  close(uri: string): void {
    const e = this.docs.get(uri);
    if (!e) return;
    this.docs.delete(uri);
    this.byId.delete(e.id);
    if (this.control && e.id < SLOT_COUNT) Atomics.store(this.control, CTL_SLOTS + e.id, this.generation++);
    this.post({ type: 'close', doc: e.id });
    this.freeIds.push(e.id);
  }

  /** The text of a version sent for a document (to read a snapshot's offsets). */
  textOf(uri: string, version: number): string | undefined {
    return this.docs.get(uri)?.texts.get(version);
  }

  /** Drops the texts older than a published version. */
  published(uri: string, version: number): void {
    const e = this.docs.get(uri);
    if (e) for (const v of e.texts.keys()) if (v < version) e.texts.delete(v);
  }

  // ---- requests ----------------------------------------------------------------------------

  /** A lens request on the latest analysis of a document. */
  request<R>(uri: string, kind: RequestKind, line: number, check?: CheckSettings, endLine?: number): Promise<R> {
    const e = this.entry(uri);
    // An explanation answered to a hover is the worker's too: it diffs the next snapshot
    // against the one holding it.
    const onResult =
      kind === 'explainTarget'
        ? (r: unknown) => {
            const answer = r as { version: number; target: number; hover?: string } | null;
            if (answer?.hover !== undefined) this.explained(e, answer.version, answer.target, answer.hover);
          }
        : undefined;
    return this.ask<R>(e.id, (id) => ({ type: 'request', id, doc: e.id, uri, kind, line, endLine, check }), undefined, onResult);
  }

  private explained(e: DocEntry, version: number, target: number, hover: string): void {
    if (e.base?.version === version && e.base.targets[target]) e.base.targets[target] = withHover(e.base.targets[target], hover);
  }

  /** The CLI's `tgraph run`: `onChunk` receives the output as it is made. */
  run(
    text: string,
    file: string,
    options: PlainOptions,
    json: boolean,
    maxOutputBytes: number,
    onChunk: (chunk: string) => void,
  ): Promise<{ errors: boolean; complete: boolean }> {
    return this.ask(-1, (id) => ({ type: 'run', id, text, file, options, json, maxOutputBytes }), onChunk);
  }

  test(text: string, file: string, options: PlainOptions): Promise<TestOutcome> {
    return this.ask(-1, (id) => ({ type: 'test', id, text, file, options }));
  }

  /** A request that jumps the queue of waiting requests (a hover waits for it). */
  private ask<R>(
    doc: number,
    build: (id: number) => ToWorker,
    onChunk?: (chunk: string) => void,
    onResult?: (result: unknown) => void,
  ): Promise<R> {
    const id = this.nextRequest++;
    return new Promise<R>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, onChunk, onResult, doc });
      this.post(build(id));
    });
  }

  // ---- the worker --------------------------------------------------------------------------

  private post(message: ToWorker): void {
    this.channel.post(message);
    this.watchWorker();
  }

  /** Handles the worker's messages in order; a snapshot is taken in by steps of at most
   *  ARRIVAL_SLICE_MS, with the thread free between them. Until its last step the published
   *  snapshot is the previous one, whole: a hover meanwhile answers from it. */
  private drain(): void {
    if ((this.taking || this.inbox.length > 0) && this.options.yieldToProtocol?.()) {
      nextTask(() => this.drain());
      return;
    }
    const sliceEnd = performance.now() + (this.options.arrivalSliceMs ?? ARRIVAL_SLICE_MS);
    for (;;) {
      // A message that fails is logged and left: the ones after it are still handled.
      try {
        if (this.taking) {
          const { steps, worker } = this.taking;
          // A stopped worker's snapshot is dropped half-taken: the documents are analysed again.
          while (worker === this.workers && !steps.next().done)
            if (performance.now() >= sliceEnd) {
              nextTask(() => this.drain());
              return;
            }
          this.taking = undefined;
        }
        const next = this.inbox.shift();
        if (!next) return;
        if (next.worker !== this.workers) continue;
        const steps = this.received(next.message);
        if (steps) this.taking = { steps, worker: next.worker };
      } catch (e) {
        this.taking = undefined;
        this.events.log(`a message from the analysis worker failed: ${(e as Error)?.stack ?? String(e)}`);
      }
    }
  }

  /** Handles a message at once, or returns the steps that take in its snapshot. */
  private received(m: FromWorker): Steps<void> | undefined {
    switch (m.type) {
      case 'ready':
        return;
      case 'log':
        this.events.log(m.message);
        return;
      case 'output':
        this.pending.get(m.id)?.onChunk?.(m.chunk);
        return;
      case 'response': {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (m.error !== undefined) p.reject(new Error(m.error));
        else {
          p.onResult?.(m.result);
          p.resolve(m.result);
        }
        return;
      }
    }
    const e = this.byId.get(m.doc);
    if (!e) return; // closed meanwhile
    if (m.type === 'snapshot' || m.type === 'snapshotDelta') return this.takeSnapshot(e, m);
    if (m.type === 'explained') this.explained(e, m.version, m.target, m.hover);
    const text = e.texts.get(m.version);
    if (text === undefined) return;
    if (m.type === 'diagnostics') this.events.diagnostics?.(e.uri, m.version, m.diagnostics, m.status, text);
    else if (m.type === 'explained') this.events.explained?.(e.uri, m.version, m.target, m.hover);
    else if (m.type === 'built') this.events.built?.(e.uri, m.version, m.diagnostics, text);
  }

  /** Every snapshot is taken in, even one too old to show: the next delta builds on it. */
  private *takeSnapshot(e: DocEntry, m: Extract<FromWorker, { type: 'snapshot' | 'snapshotDelta' }>): Steps<void> {
    let snapshot: DocumentSnapshot;
    if (m.type === 'snapshot') snapshot = yield* snapshotFromWireSteps(m.snapshot);
    else {
      if (e.base?.version !== m.delta.base) {
        this.events.log(`a snapshot delta for ${e.uri} came without its base (${m.delta.base}): analysing it again`);
        e.base = undefined;
        this.send(e, true);
        return;
      }
      snapshot = yield* applySnapshotDeltaSteps(e.base, yield* deltaFromWireSteps(m.delta));
      // Every few deltas (a look at every item of every list): what earlier arrivals' bytes
      // the kept items hold stays within that many arrivals.
      if (++e.deltas % COMPACT_EVERY_DELTAS === 0)
        for (const list of [snapshot.targets, snapshot.hints, snapshot.symbols, snapshot.lenses]) yield* compactTextsSteps(list);
    }
    // Publishing it (diagnostics, refreshes) is a step of its own.
    yield;
    // Closed while it was taken in.
    if (this.byId.get(m.doc) !== e) return;
    e.base = snapshot;
    const text = e.texts.get(m.version);
    if (text !== undefined) this.events.snapshot(e.uri, m.version, snapshot, text);
  }

  /** Looks at the worker every few hundred ms while it works. */
  private watchWorker(): void {
    if (this.watch || !this.control) return;
    this.watch = setInterval(() => this.inspect(), this.options.watchEveryMs ?? 100);
    (this.watch as { unref?: () => void }).unref?.();
  }

  private inspect(): void {
    const c = this.control!;
    const phase = PHASES[c[CTL_PHASE]] ?? 'idle';
    if (phase === 'idle') {
      if (this.pending.size === 0 && this.docs.size === 0) {
        clearInterval(this.watch);
        this.watch = undefined;
      }
      this.cancelAsked = undefined;
      return;
    }
    const { graceMs } = this.options.limits();
    const now = Date.now();
    const started = c[CTL_STARTED];
    const ranFor = now - (this.epoch + started);
    const overBudget = ranFor > c[CTL_BUDGET] + graceMs;
    const ignoredCancel = this.cancelAsked !== undefined && this.cancelAsked.started === started && now - this.cancelAsked.at > graceMs;
    if (overBudget || ignoredCancel) {
      this.stop('time', `${formatCount(graceMs)} ms`);
    }
  }

  private exited(reason: 'memory' | 'crash', detail: string): void {
    if (this.stopping) return;
    this.stop(reason, detail);
  }

  /** Stops the worker, names what it was doing, and starts a new one. */
  private stop(reason: 'time' | 'memory' | 'crash', detail: string): void {
    const c = this.control;
    const phase: Phase = c ? (PHASES[c[CTL_PHASE]] ?? 'idle') : 'idle';
    const docId = c ? c[CTL_DOC] : -1;
    const version = c ? c[CTL_VERSION] : 0;
    const span = c ? { start: c[CTL_START], end: c[CTL_END] } : { start: 0, end: 0 };
    this.stopping = true;
    try {
      this.channel.terminate();
    } catch {
      // already gone
    }
    this.stopping = false;
    this.restarts++;
    this.cancelAsked = undefined;
    if (c) {
      c[CTL_PHASE] = 0;
      c[CTL_DOC] = -1;
    }
    const { heapMb, graceMs } = this.options.limits();
    // A CLI run (no document) explains within its own budget, not an editor request's.
    const setting =
      reason === 'memory' ? 'maxWorkerHeapMb' : phase === 'explaining' && docId < 0 ? 'explainRunTimeoutMs' : PHASE_SETTING[phase];
    const why =
      reason === 'memory'
        ? `it needed more than the ${formatCount(heapMb)} MB the analysis may use`
        : reason === 'time'
          ? `it did not stop within ${formatCount(graceMs)} ms of its time budget or of a newer edit`
          : `the analysis worker failed (${detail})`;
    const message = `the analysis was stopped while ${STOP_WORDS[phase]} this statement: ${why} (raise tgraph.${setting}${reason === 'time' ? ', or tgraph.workerStopTimeoutMs' : ''})`;
    const diagnostic: Diagnostic = { span, severity: 'error', code: reason === 'memory' ? 'budget-memory' : 'budget-time', message };
    this.events.log(
      `analysis worker stopped (${reason}${detail ? `: ${detail}` : ''}) while ${STOP_WORDS[phase]} ${docId >= 0 ? (this.byId.get(docId)?.uri ?? '?') : 'a file'}`,
    );
    // Every request in flight is lost with the worker: the CLI's own run gets the diagnostic.
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      if (p.doc === -1 && docId === -1) p.resolve({ stopped: diagnostic });
      else p.reject(new Error(`the analysis worker was stopped: ${message}`));
    }
    this.start();
    for (const e of this.docs.values()) {
      if (e.id === docId && e.latest?.version === version) {
        e.stoppedVersion = version;
        const text = e.texts.get(version) ?? e.latest.text;
        this.events.stopped(e.uri, version, diagnostic, text);
        continue;
      }
      // Other documents start again from their newest text (their values are recomputed).
      if (e.latest) this.send(e, true);
    }
  }

  /** Starts a new worker when the heap limit changed (the settings did); every document is
   *  analysed again there. */
  applyLimits(): void {
    if (this.options.limits().heapMb === this.heapMb) return;
    this.stopping = true;
    try {
      this.channel.terminate();
    } catch {
      // already gone
    }
    this.stopping = false;
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.reject(new Error('the analysis worker was restarted with a new heap limit'));
    }
    this.start();
    for (const e of this.docs.values()) this.send(e, true);
  }

  dispose(): void {
    if (this.watch) clearInterval(this.watch);
    this.watch = undefined;
    this.stopping = true;
    try {
      this.channel.terminate();
    } catch {
      // already gone
    }
  }
}

/** A target with its explanation in place of the one pending: a copy that keeps its other
 *  texts lazy (a spread would decode the old hover only to drop it). */
export function withHover<T extends { hover: string }>(target: T, hover: string): T {
  const out = copyWithTexts(target);
  out.hover = hover;
  return out;
}

/** Default limits, for callers without settings. */
export const DEFAULT_LIMITS = { graceMs: DEFAULT_BUDGETS.workerStopTimeoutMs, heapMb: DEFAULT_BUDGETS.maxWorkerHeapMb };
