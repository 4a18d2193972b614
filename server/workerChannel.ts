// The analysis worker on Node: a `worker_threads` Worker running this same bundle (the
// server's or the CLI's), with a heap limit (`tgraph.maxWorkerHeapMb`). A browser build would
// implement the same Channel over a Web Worker.

import * as path from 'path';
import { Worker, isMainThread, parentPort, workerData } from 'worker_threads';
import { AnalysisService } from '../engine/api/worker/service';
import type { Channel, FromWorker, ToWorker } from '../engine/api/worker/messages';

const WORKER_FLAG = 'tgraphAnalysisWorker';

/** This bundle's file: the worker runs it again. Under a test runner that loads the sources
 *  (no bundle), the built server bundle. */
function bundleFile(): string {
  return __filename.endsWith('.js') ? __filename : path.resolve(__dirname, '..', 'dist', 'server.js');
}

export function nodeWorkerChannel(heapMb: number): Channel {
  const worker = new Worker(bundleFile(), {
    workerData: { [WORKER_FLAG]: true },
    resourceLimits: { maxOldGenerationSizeMb: heapMb },
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

/** True in the analysis worker's thread. */
export const isAnalysisWorker = !isMainThread && (workerData as Record<string, unknown> | null)?.[WORKER_FLAG] === true;

/** The worker's side: serve the host's messages. */
export function serveAnalysisWorker(): void {
  const port = parentPort!;
  const service = new AnalysisService((m) => port.postMessage(m));
  port.on('message', (m: ToWorker) => service.handle(m));
}

if (isAnalysisWorker) serveAnalysisWorker();
