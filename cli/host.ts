// The analysis worker as the CLI uses it, and its output.

import { DEFAULT_BUDGETS } from '../engine/budgets';
import { AnalysisHost, type HostEvents } from '../engine/api/worker/host';
import { nodeWorkerChannel } from '../server/workerChannel';
import type { Parsed } from './options';

/** Writes to stdout; a reader that went away (`| head -1`) ends the command quietly. */
export function out(text: string): void {
  process.stdout.write(text);
}

/** A worker host. `events`: the analysed documents' snapshots and the worker's stops, for
 *  the commands that print what the editor shows (run and test get their answers instead). */
export function newHost(budgets: Parsed['budgets'], events: Partial<Pick<HostEvents, 'snapshot' | 'stopped'>> = {}): AnalysisHost {
  const limits = {
    graceMs: budgets.workerStopTimeoutMs ?? DEFAULT_BUDGETS.workerStopTimeoutMs,
    heapMb: budgets.maxWorkerHeapMb ?? DEFAULT_BUDGETS.maxWorkerHeapMb,
  };
  return new AnalysisHost(
    {
      snapshot: events.snapshot ?? (() => undefined),
      stopped: events.stopped ?? (() => undefined),
      // What the worker logs is for the editor's output channel: the CLI's own output says
      // what went wrong, positioned.
      log: () => undefined,
    },
    { connect: nodeWorkerChannel, limits: () => limits },
  );
}
