// The analysis worker on Node: a `worker_threads` Worker running the engine's own bundle
// (dist/analysisWorker.js, beside the server's and the CLI's), with a heap limit
// (`tgraph.maxWorkerHeapMb`). The browser build implements the same Channel over a Web Worker.

import * as path from 'path';
import { Worker } from 'worker_threads';
import type { Channel, FromWorker, ToWorker } from '../engine/api/worker/messages';

/** The worker's bundle, beside this one in dist/. Under a test runner that loads the sources
 *  (no bundle), the built one in the repository's dist/. */
function workerBundle(): string {
  const dist = __filename.endsWith('.js') ? __dirname : path.resolve(__dirname, '..', 'dist');
  return path.join(dist, 'analysisWorker.js');
}

/** The worker's young generation (two semi-spaces and the new large objects, a third each).
 *  V8's default on 64-bit is 48 MB, which a deep model's evaluation fills and keeps committed
 *  for the life of the server; at 24 MB its scavenges cost no more (a chain's edits measured
 *  alike), at 12 MB they took twice the time. */
const YOUNG_GENERATION_MB = 24;

/** What the worker is started with. */
export interface WorkerData {
  /** How far below this thread's priority the worker runs (niceness steps; see
   *  threadPriority.ts): the server's worker yields to its protocol thread, the CLI's does not
   *  (its main thread only waits). */
  niceIncrement?: number;
}

export function nodeWorkerChannel(heapMb: number, data: WorkerData = {}): Channel {
  const worker = new Worker(workerBundle(), {
    workerData: data,
    resourceLimits: { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
    stdout: false,
    stderr: false,
  });
  let exitListener: ((reason: 'memory' | 'crash', detail: string) => void) | undefined;
  let failure: Error | undefined;
  let terminated = false;
  worker.on('error', (e) => {
    failure = e;
  });
  worker.on('exit', (code) => {
    if (terminated) return;
    const memory = (failure as NodeJS.ErrnoException | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY';
    exitListener?.(memory ? 'memory' : 'crash', failure?.message ?? `exit code ${code}`);
  });
  return {
    post: (m: ToWorker) => {
      if (!terminated) worker.postMessage(m);
    },
    onMessage: (listener) => worker.on('message', (m: FromWorker) => listener(m)),
    onExit: (listener) => {
      exitListener = listener;
    },
    terminate: () => {
      terminated = true;
      void worker.terminate();
    },
  };
}
