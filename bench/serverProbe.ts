// Loaded into the language server by the editor benchmark (`node --require
// dist/bench-server-probe.js dist/server.js`; worker threads inherit the option, so the
// analysis worker loads it too). Every 100 ms each thread appends one JSON line to the file
// named by TGRAPH_BENCH_PROBE: its V8 heap and buffers, and on the protocol thread the longest
// event-loop delay since the previous line (the longest task that ran there). The process's
// RSS is the bench's to read (/proc): reading it here costs the protocol thread more than the
// rest of the probe. The shipped server knows nothing of it.
//
// For accounting where the memory goes, TGRAPH_BENCH_PROBE_DETAIL=1 adds each heap space's
// size and the isolate's array buffers to every line, and a thread writes a heap snapshot
// when a file `<probe file>.snapshot-<thread>` appears (its content: the snapshot's path), or
// runs a full garbage collection when `<probe file>.gc-<thread>` appears (how much of the
// memory is garbage not collected yet).

import * as fs from 'fs';
import * as v8 from 'v8';
import { monitorEventLoopDelay } from 'perf_hooks';
import { isMainThread } from 'worker_threads';
import { runInNewContext } from 'vm';

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
  /** With TGRAPH_BENCH_PROBE_DETAIL: each heap space's reserved / used size. */
  spaces?: Record<string, { sizeMb: number; usedMb: number }>;
  /** With TGRAPH_BENCH_PROBE_DETAIL: the isolate's array buffers (WebAssembly memories
   *  included), and the code and its metadata. */
  arrayBuffersMb?: number;
  codeMb?: number;
}

const file = process.env.TGRAPH_BENCH_PROBE;
if (file) {
  const detail = process.env.TGRAPH_BENCH_PROBE_DETAIL === '1';
  const thread: ProbeLine['thread'] = isMainThread ? 'protocol' : 'worker';
  const delay = isMainThread ? monitorEventLoopDelay({ resolution: 2 }) : undefined;
  delay?.enable();
  const mb = (bytes: number) => bytes / 2 ** 20;
  const timer = setInterval(() => {
    const heap = v8.getHeapStatistics();
    const line: ProbeLine = {
      t: Date.now(),
      thread,
      heapUsedMb: mb(heap.used_heap_size),
      heapTotalMb: mb(heap.total_heap_size),
      externalMb: mb(heap.external_memory),
      delayMaxMs: delay ? delay.max / 1e6 : undefined,
    };
    delay?.reset();
    if (detail) {
      line.spaces = {};
      for (const s of v8.getHeapSpaceStatistics()) line.spaces[s.space_name] = { sizeMb: mb(s.space_size), usedMb: mb(s.space_used_size) };
      line.arrayBuffersMb = mb(process.memoryUsage().arrayBuffers);
      const code = v8.getHeapCodeStatistics();
      line.codeMb = mb(code.code_and_metadata_size + code.bytecode_and_metadata_size);
      const collect = `${file}.gc-${thread}`;
      if (fs.existsSync(collect)) {
        fs.rmSync(collect);
        v8.setFlagsFromString('--expose-gc');
        (runInNewContext('gc') as () => void)();
      }
      const trigger = `${file}.snapshot-${thread}`;
      if (fs.existsSync(trigger)) {
        const target = fs.readFileSync(trigger, 'utf8').trim();
        fs.rmSync(trigger);
        v8.writeHeapSnapshot(target);
      }
    }
    fs.appendFileSync(file, JSON.stringify(line) + '\n');
  }, 100);
  timer.unref();
}
