// The analysis worker's own part of an edit near the end, in process: the AnalysisService
// (engine/api/worker/service.ts) given the editor scenarios' files and their end edits as the
// protocol thread sends them, its turns run one after the other with nothing else waiting,
// and what it posts thrown away. With TGRAPH_WORKER_TURNS=1 each analysis's stages are read
// from its `stages:` log line; CPU time is counted around each edit's turn. For
// `node --cpu-prof`:
//   TGRAPH_WORKER_TURNS=1 node --cpu-prof dist/bench-profile.js worker-end-chain|worker-end-blocks [edits]
// (TGRAPH_PROFILE_WINDOWS=FILE writes the edits' turns there, to read the profile's samples
// of those turns alone.) `middle` times edits of the chain's middle statement instead.

import * as v8 from 'v8';
import { AnalysisService } from '../engine/api/worker/service';
import type { FromWorker } from '../engine/api/worker/messages';
import { generatedModelFile } from './editor';
import { generatedChainFile } from './editorScenarios';

export interface WorkerEditsResult {
  edits: number;
  /** Each edit's turn: CPU ms (this thread's process, user + system) and wall ms. */
  cpuMs: number[];
  wallMs: number[];
  /** Each edit's stages (ms between the worker's marks), where TGRAPH_WORKER_TURNS=1. */
  stages: Record<string, number>[];
  /** Each edit's turn on the monotonic clock (µs, as a CPU profile's sample times), to read
   *  a profile's samples of the edits alone. */
  windows: [number, number][];
  /** Each edit's turn: growth of the V8 heap's used size, MB (what it allocated, when no
   *  collection ran in the turn: run with a young generation large enough for that). */
  allocatedMb: number[];
}

const STAGE_MARKS = ['start', 'tableMade', 'built', 'evaluated', 'diagnosticsPosted', 'described', 'delta', 'wire', 'posted'];

/** `beforeEdits`: called once the file is opened (and its value table made), before the
 *  first edit (to start a profiler there). `kind`: 'end' times edits of the last line;
 *  'first-feed' times the first feed edit after an edit in the middle (each measured edit
 *  of the feed follows one of the middle), the feed plan made anew, with the worker's idle
 *  turns run between the two ('idle') or none of them ('busy': the feed edit comes as soon
 *  as the middle edit's turn ends, as an editor's bench sends it). */
export function profileWorkerEndEdits(
  file: 'chain' | 'blocks',
  edits: number,
  beforeEdits?: () => void,
  kind: 'end' | 'middle' | 'first-feed-idle' | 'first-feed-busy' | 'first-feed-after-end' = 'end',
): WorkerEditsResult {
  const text = file === 'chain' ? generatedChainFile(1000, 50) : generatedModelFile(1000);
  const logs: string[] = [];
  const queue: (() => void)[] = [];
  const service = new AnalysisService(
    (m: FromWorker) => {
      if (m.type === 'log') logs.push(m.message);
    },
    null,
    (turn) => queue.push(turn),
  );
  const drain = () => {
    while (queue.length > 0) queue.shift()!();
  };
  service.handle({ type: 'init', control: null, epoch: Date.now() });
  const lines = text.split('\n');
  const lastLine = lines.length - 2;
  const analyse = (version: number) =>
    service.handle({ type: 'analyse', doc: 0, version, text: lines.join('\n'), options: {}, generation: version, fresh: false });
  analyse(1);
  drain(); // the analysis, then the value table's slices
  const result: WorkerEditsResult = { edits, cpuMs: [], wallMs: [], stages: [], windows: [], allocatedMb: [] };
  beforeEdits?.();
  const micros = () => Number(process.hrtime.bigint() / 1000n);
  const middle = lines.findIndex((l, k) => k >= lines.length / 2 && /\d\.\d+/.test(l));
  let version = 1;
  for (let i = 0; i < edits; i++) {
    if (kind === 'end') lines[lastLine] = lines[lastLine].replace(/\d+\.\d/, `${(i % 9) + 1}.${i % 10}`);
    else if (kind === 'middle') lines[middle] = lines[middle].replace(/\d\.\d+/, `0.0${(i % 8) + 1}`);
    else {
      if (kind === 'first-feed-after-end') lines[lastLine] = lines[lastLine].replace(/\d+\.\d/, `${(i % 9) + 1}.${i % 10}`);
      else lines[middle] = lines[middle].replace(/\d\.\d+/, `0.0${(i % 8) + 1}`);
      analyse(++version);
      if (kind === 'first-feed-idle') drain();
      else queue.shift()?.(); // the middle edit's analysis turn alone
      lines[1] = lines[1].replace(/seed=\d+/, `seed=${i + 3}`);
    }
    logs.length = 0;
    const cpu = process.cpuUsage();
    const wall = performance.now();
    const heapBefore = v8.getHeapStatistics().used_heap_size;
    const from = micros();
    analyse(++version);
    queue.shift()?.(); // the edit's analysis turn
    result.windows.push([from, micros()]);
    result.allocatedMb.push((v8.getHeapStatistics().used_heap_size - heapBefore) / 2 ** 20);
    result.wallMs.push(performance.now() - wall);
    const used = process.cpuUsage(cpu);
    result.cpuMs.push((used.user + used.system) / 1000);
    const line = logs.find((l) => l.startsWith('stages: '));
    if (line) {
      const marks = JSON.parse(line.slice('stages: '.length)) as Record<string, number>;
      const stages: Record<string, number> = {};
      for (let k = 1; k < STAGE_MARKS.length; k++) stages[STAGE_MARKS[k]] = marks[STAGE_MARKS[k]] - marks[STAGE_MARKS[k - 1]];
      result.stages.push(stages);
    }
    drain(); // the value table between edits, as the worker makes it while the user reads
  }
  return result;
}
