// Loaded into the language server by the editor benchmark (`node --require
// dist/bench-server-probe.js dist/server.js`; worker threads inherit the option, so the
// analysis worker loads it too). Every 100 ms each thread appends one JSON line to the file
// named by TGRAPH_BENCH_PROBE: its V8 heap and buffers, and on the protocol thread the longest
// event-loop delay since the previous line (the longest task that ran there). The process's
// RSS is the bench's to read (/proc): reading it here costs the protocol thread more than the
// rest of the probe. The shipped server knows nothing of it.

import * as fs from 'fs';
import * as v8 from 'v8';
import { monitorEventLoopDelay } from 'perf_hooks';
import { isMainThread } from 'worker_threads';

/** One line of the probe's file. */
export interface ProbeLine {
  t: number;
  thread: 'protocol' | 'worker';
  heapUsedMb: number;
  heapTotalMb: number;
  /** Memory outside the V8 heap held by this thread's objects (typed arrays' buffers). */
  externalMb: number;
  /** Protocol thread only: the longest event-loop delay since the previous line. */
  delayMaxMs?: number;
}

const file = process.env.TGRAPH_BENCH_PROBE;
if (file) {
  const delay = isMainThread ? monitorEventLoopDelay({ resolution: 2 }) : undefined;
  delay?.enable();
  const mb = (bytes: number) => bytes / 2 ** 20;
  const timer = setInterval(() => {
    const heap = v8.getHeapStatistics();
    const line: ProbeLine = {
      t: Date.now(),
      thread: isMainThread ? 'protocol' : 'worker',
      heapUsedMb: mb(heap.used_heap_size),
      heapTotalMb: mb(heap.total_heap_size),
      externalMb: mb(heap.external_memory),
      delayMaxMs: delay ? delay.max / 1e6 : undefined,
    };
    delay?.reset();
    fs.appendFileSync(file, JSON.stringify(line) + '\n');
  }, 100);
  timer.unref();
}
