// The messages between the analysis host (the protocol thread of the server, the CLI's main
// thread) and the analysis worker, and the shared memory beside them. All plain data
// (structured clone); the transport is a `Channel`, so a Node `worker_threads` Worker, a
// browser Web Worker or a same-thread loop can carry them.

import type { AnalysisOptions, Diagnostic } from '../../analysis';
import type { DocumentSnapshot } from '../snapshot';
import type { WireDelta, WireSnapshot } from '../snapshotWire';
import type { CheckSettings } from '../gradients';

/** Analysis options that can cross the boundary (no cache, no previous analysis, no
 *  callbacks: the worker keeps those itself). */
export type PlainOptions = Omit<AnalysisOptions, 'cache' | 'previous' | 'cancelled' | 'progress'>;

export type RequestKind = 'computeGradients' | 'explain' | 'checkGradients' | 'randomiseFeed' | 'explainTarget' | 'openAsGraph';

export type ToWorker =
  /** `epoch`: the host's Date.now() that CTL_STARTED counts from. */
  | { type: 'init'; control: SharedArrayBuffer | null; epoch: number }
  | {
      type: 'analyse';
      doc: number;
      version: number;
      text: string;
      options: PlainOptions;
      /** Compared with the doc's generation slot in the shared memory: a newer one cancels. */
      generation: number;
      /** Forget the values of earlier analyses (the budgets changed), and send the next
       *  snapshot whole. */
      fresh?: boolean;
    }
  | { type: 'close'; doc: number }
  /** `line`: the statement's line; for `explainTarget`, the snapshot's target index. */
  | { type: 'request'; id: number; doc: number; uri: string; kind: RequestKind; line: number; endLine?: number; check?: CheckSettings }
  /** The CLI: analyse a file and stream what `tgraph run` prints (or its `--json`). */
  | { type: 'run'; id: number; text: string; file: string; options: PlainOptions; json: boolean; maxOutputBytes: number }
  /** The CLI: analyse a file for `tgraph test` and answer its outcomes. */
  | { type: 'test'; id: number; text: string; file: string; options: PlainOptions };

export type FromWorker =
  | { type: 'ready' }
  /** A long document's first build: its diagnostics before its evaluation. */
  | { type: 'built'; doc: number; version: number; diagnostics: Diagnostic[] }
  /** An analysis's diagnostics, as soon as it is done (its snapshot follows). */
  | { type: 'diagnostics'; doc: number; version: number; diagnostics: Diagnostic[]; status: DocumentSnapshot['status'] }
  /** A document's first snapshot (or one after a fresh start), whole (packed: snapshotWire.ts). */
  | { type: 'snapshot'; doc: number; version: number; snapshot: WireSnapshot }
  /** The next snapshot, as what changed since the previous one this document was sent. */
  | { type: 'snapshotDelta'; doc: number; version: number; delta: WireDelta }
  /** The hover of a target of the latest snapshot, its explanation computed. */
  | { type: 'explained'; doc: number; version: number; target: number; hover: string }
  | { type: 'response'; id: number; result?: unknown; error?: string }
  | { type: 'output'; id: number; chunk: string }
  | { type: 'log'; message: string };

/** What a transport between the host and the worker offers: postMessage-style. */
export interface Channel {
  post(message: ToWorker): void;
  onMessage(listener: (message: FromWorker) => void): void;
  /** The worker stopped on its own: out of memory, or crashed. */
  onExit(listener: (reason: 'memory' | 'crash', detail: string) => void): void;
  /** Stops the worker at once (it does not stop by itself). */
  terminate(): void;
}

// ---- shared memory (an Int32Array over a SharedArrayBuffer) ------------------------------
// The worker writes what it is doing, so that the host can name the statement that was
// running when it had to stop the worker; the host writes each document's newest generation,
// so that the worker sees at once (between statements and kernel blocks) that its work is
// outdated.

/** The document being worked on (-1: idle). */
export const CTL_DOC = 0;
export const CTL_VERSION = 1;
/** The statement (or binding) being built or evaluated: offsets in that version's text. */
export const CTL_START = 2;
export const CTL_END = 3;
/** What the worker does: one of PHASES. */
export const CTL_PHASE = 4;
/** When the current job started (ms since the host's epoch) and its time budget (ms). */
export const CTL_STARTED = 5;
export const CTL_BUDGET = 6;
/** Generations by document slot start here. */
export const CTL_SLOTS = 16;
export const SLOT_COUNT = 1024;
export const CONTROL_INTS = CTL_SLOTS + SLOT_COUNT;

export const PHASES = ['idle', 'building', 'evaluating', 'describing', 'explaining', 'checking', 'drawing', 'printing'] as const;
export type Phase = (typeof PHASES)[number];

/** The setting that bounds each phase, for the message of a worker stopped in it. */
export const PHASE_SETTING: Record<Phase, string> = {
  idle: 'evaluationTimeoutMs',
  building: 'evaluationTimeoutMs',
  evaluating: 'evaluationTimeoutMs',
  describing: 'evaluationTimeoutMs',
  explaining: 'explainTimeoutMs',
  checking: 'evaluationTimeoutMs',
  drawing: 'pictureTimeoutMs',
  printing: 'maxOutputBytes',
};
