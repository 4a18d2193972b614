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
import { constants, monitorEventLoopDelay, PerformanceObserver, type IntervalHistogram } from 'perf_hooks';
import { isMainThread, Worker } from 'worker_threads';
import { runInNewContext } from 'vm';
import { LONG_TASK_MS } from './longTask';

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
  /** Protocol thread only: how many of the event loop's checks (every 1 ms) since the
   *  previous line found it held longer than LONG_TASK_MS: about the number of tasks longer
   *  than that (a task of d ms delays one check by d minus where in the interval it began). */
  longTasks?: number;
  /** Protocol thread only: time in garbage collection since the previous line, ms. */
  gcMs?: number;
  /** Protocol thread only: of that, the full (mark-compact) collections, which pause the
   *  thread for their final marking, and how long they took. */
  majorGcs?: number;
  majorGcMs?: number;
  /** With TGRAPH_BENCH_PROBE_DETAIL: each heap space's reserved / used size. */
  spaces?: Record<string, { sizeMb: number; usedMb: number }>;
  /** With TGRAPH_BENCH_PROBE_DETAIL: the isolate's array buffers (WebAssembly memories
   *  included), and the code and its metadata. */
  arrayBuffersMb?: number;
  codeMb?: number;
}

/** How many of a delay histogram's samples exceed `ms`: the percentile where the delays pass
 *  it, found by bisection (the histogram's list of percentiles is too coarse near 100% for
 *  the few long ones among thousands of checks). */
function samplesOver(delay: IntervalHistogram, ms: number): number {
  if (delay.count === 0 || delay.max <= ms * 1e6) return 0;
  let below = 0;
  let above = 100;
  for (let k = 0; k < 30 && above - below > 1e-6; k++) {
    const mid = (below + above) / 2;
    if (delay.percentile(mid) > ms * 1e6) above = mid;
    else below = mid;
  }
  return Math.max(1, Math.round((delay.count * (100 - above)) / 100));
}

/** Performance entries' `detail.kind` for garbage collections (perf_hooks' constants). */
export const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'scavenge',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'mark-compact',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak-callbacks',
};

const file = process.env.TGRAPH_BENCH_PROBE;
if (file) {
  const detail = process.env.TGRAPH_BENCH_PROBE_DETAIL === '1';
  const thread: ProbeLine['thread'] = isMainThread ? 'protocol' : 'worker';
  const delay = isMainThread ? monitorEventLoopDelay({ resolution: 1 }) : undefined;
  delay?.enable();
  let gcMs = 0;
  let majorGcs = 0;
  let majorGcMs = 0;
  if (isMainThread)
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        gcMs += e.duration;
        if ((e as unknown as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
          majorGcs++;
          majorGcMs += e.duration;
        }
      }
    }).observe({ entryTypes: ['gc'] });
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
      longTasks: delay ? samplesOver(delay, LONG_TASK_MS) : undefined,
      gcMs: delay ? gcMs : undefined,
      majorGcs: delay ? majorGcs : undefined,
      majorGcMs: delay ? majorGcMs : undefined,
    };
    delay?.reset();
    gcMs = majorGcs = majorGcMs = 0;
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

/** One event of the edit timeline (TGRAPH_BENCH_TIMELINE names the file): wall-clock ms.
 *  `stdin`: bytes of a didChange arrived on the protocol thread; `post`: the protocol thread
 *  posted a message to the worker; `recv`: it ran the handler of a message from the worker
 *  (`end`: when that returned); `out`: it wrote a notification to stdout; `gc`: a garbage
 *  collection of either thread (`end`: when it ended). */
export interface TimelineEvent {
  thread: 'protocol' | 'worker';
  kind: 'stdin' | 'post' | 'recv' | 'out' | 'gc';
  t: number;
  end?: number;
  /** The message's type, the notification's method, or the collection's kind. */
  what?: string;
  version?: number;
}

const timelineFile = process.env.TGRAPH_BENCH_TIMELINE;
if (timelineFile) {
  const thread: TimelineEvent['thread'] = isMainThread ? 'protocol' : 'worker';
  const wallClock = () => performance.timeOrigin + performance.now();
  const events: TimelineEvent[] = [];
  const flush = () => {
    if (events.length === 0) return;
    fs.appendFileSync(timelineFile, events.map((e) => JSON.stringify(e) + '\n').join(''));
    events.length = 0;
  };
  setInterval(flush, 250).unref();
  process.on('exit', flush);
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0;
      const t = performance.timeOrigin + e.startTime;
      events.push({ thread, kind: 'gc', t, end: t + e.duration, what: GC_KINDS[kind] ?? String(kind) });
    }
  }).observe({ entryTypes: ['gc'] });
  if (isMainThread) {
    const versionIn = (s: string) => Number(/"version":(\d+)/.exec(s)?.[1] ?? NaN);
    const stdin = process.stdin;
    const emit = stdin.emit;
    stdin.emit = function (this: typeof stdin, event: string | symbol, ...args: unknown[]) {
      if (event === 'data') {
        const text = String(args[0]);
        if (text.includes('"textDocument/didChange"')) events.push({ thread, kind: 'stdin', t: wallClock(), version: versionIn(text) });
      }
      return emit.apply(this, [event, ...args] as Parameters<typeof emit>);
    } as typeof stdin.emit;
    const write = process.stdout.write;
    process.stdout.write = function (this: typeof process.stdout, chunk: unknown, ...rest: unknown[]) {
      const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : '';
      const method = /"method":"(tgraph\/analysed|textDocument\/publishDiagnostics)"/.exec(text)?.[1];
      if (method) events.push({ thread, kind: 'out', t: wallClock(), what: method, version: versionIn(text) });
      return write.apply(this, [chunk, ...rest] as Parameters<typeof write>);
    } as typeof process.stdout.write;
    const proto = Worker.prototype;
    const postMessage = proto.postMessage;
    proto.postMessage = function (this: Worker, message: unknown, ...rest: unknown[]) {
      const m = message as { type?: string; version?: number };
      if (m?.type === 'analyse') events.push({ thread, kind: 'post', t: wallClock(), what: m.type, version: m.version });
      return postMessage.apply(this, [message, ...rest] as Parameters<typeof postMessage>);
    };
    const workerEmit = proto.emit;
    proto.emit = function (this: Worker, event: string | symbol, ...args: unknown[]) {
      const m = args[0] as { type?: string; version?: number } | undefined;
      const watched = event === 'message' && (m?.type === 'diagnostics' || m?.type === 'snapshotDelta' || m?.type === 'snapshot');
      const t = watched ? wallClock() : 0;
      const result = workerEmit.apply(this, [event, ...args] as Parameters<typeof workerEmit>);
      if (watched) events.push({ thread, kind: 'recv', t, end: wallClock(), what: m!.type, version: m!.version });
      return result;
    } as typeof proto.emit;
  }
}
