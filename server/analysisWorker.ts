// The entry point of dist/analysisWorker.js: the analysis worker on Node. A bundle of its own
// holding the engine and nothing of the server or the CLI, so the protocol thread (or the
// CLI's main thread) and the worker each load only the code they run.

import { parentPort, workerData } from 'worker_threads';
import { AnalysisService } from '../engine/api/worker/service';
import type { ToWorker } from '../engine/api/worker/messages';
import { lowerThisThreadPriority } from './threadPriority';
import type { WorkerData } from './workerChannel';

const port = parentPort;
if (port) {
  // The server's worker yields the cores to its protocol thread (threadPriority.ts).
  const niceIncrement = (workerData as WorkerData | undefined)?.niceIncrement ?? 0;
  if (niceIncrement > 0) lowerThisThreadPriority(niceIncrement);
  const service = new AnalysisService((m, transfer) => port.postMessage(m, transfer));
  port.on('message', (m: ToWorker) => service.handle(m));
}
