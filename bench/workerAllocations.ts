// What the analysis worker allocates per edit, by stage: the AnalysisService in process, given
// the editor scenarios' files and an edit of their feed or their end as the protocol thread
// sends it, with every turn the edit brings run before the next (its analysis, the table of
// values by key, and, with `idle`, the explanations the worker computes once the user stops
// typing). Run with the worker's young generation to count its collections alike:
//   node --max-semi-space-size=8 dist/bench-profile.js alloc-feed-chain|alloc-end-chain|alloc-end-blocks [edits] [busy]
// A stage's allocation is the growth of the heap's used size across it plus what each
// collection inside it freed (v8.GCProfiler), so it holds however the collections fall.

import * as v8 from 'v8';
import { AnalysisService, stageProbe } from '../engine/api/worker/service';
import { generatedModelFile } from './editor';
import { generatedChainFile } from './editorScenarios';

export interface AllocationReport {
  edits: number;
  /** MB allocated per edit in each stage (the analysis's stages as the service marks them,
   *  then 'value-table' and 'explanation' for the idle turns after it). */
  stages: Record<string, number[]>;
  /** MB allocated per edit, all stages. */
  totalMb: number[];
  /** CPU ms per edit in each stage (this process's, user + system). */
  cpuMs: Record<string, number[]>;
  /** Full (mark-compact) collections over all the edits, with their pauses (ms). */
  fullGcs: number[];
  scavenges: number;
}

interface GcStatistic {
  gcType: string;
  cost: number;
  beforeGC: { heapStatistics: { usedHeapSize: number } };
  afterGC: { heapStatistics: { usedHeapSize: number } };
}

export function measureWorkerAllocations(file: 'chain' | 'blocks', kind: 'feed' | 'end', edits: number, idle: boolean): AllocationReport {
  const text = file === 'chain' ? generatedChainFile(1000, 50) : generatedModelFile(1000);
  const queue: (() => void)[] = [];
  const service = new AnalysisService(
    () => {},
    null,
    (turn) => queue.push(turn),
  );
  // Explanations wait until no text came for a while: the service reads its clock for that.
  const pretendIdle = () => ((service as unknown as { lastTextAt: number }).lastTextAt = 0);
  const drain = () => {
    while (queue.length > 0) {
      if (idle) pretendIdle();
      queue.shift()!();
    }
  };
  service.handle({ type: 'init', control: null, epoch: Date.now() });
  const lines = text.split('\n');
  const lastLine = lines.length - 2;
  let version = 0;
  const analyse = () =>
    service.handle({ type: 'analyse', doc: 0, version: ++version, text: lines.join('\n'), options: {}, generation: version, fresh: false });
  analyse();
  drain();

  const report: AllocationReport = { edits, stages: {}, totalMb: [], cpuMs: {}, fullGcs: [], scavenges: 0 };
  let stage = 'start';
  let profiler = new v8.GCProfiler();
  let usedAtStart = 0;
  let cpuAtStart = process.cpuUsage();
  let editIndex = -1;
  const begin = () => {
    profiler = new v8.GCProfiler();
    profiler.start();
    usedAtStart = v8.getHeapStatistics().used_heap_size;
    cpuAtStart = process.cpuUsage();
  };
  const end = () => {
    const cpu = process.cpuUsage(cpuAtStart);
    const used = v8.getHeapStatistics().used_heap_size;
    const gcs = (profiler.stop() as unknown as { statistics: GcStatistic[] }).statistics;
    let freed = 0;
    for (const gc of gcs) {
      freed += gc.beforeGC.heapStatistics.usedHeapSize - gc.afterGC.heapStatistics.usedHeapSize;
      if (gc.gcType === 'MarkSweepCompact') report.fullGcs.push(gc.cost / 1000);
      else if (gc.gcType === 'Scavenge') report.scavenges++;
    }
    const mb = (used - usedAtStart + freed) / 2 ** 20;
    const list = (report.stages[stage] ??= new Array<number>(edits).fill(0));
    list[editIndex] += mb;
    report.totalMb[editIndex] += mb;
    (report.cpuMs[stage] ??= new Array<number>(edits).fill(0))[editIndex] += (cpu.user + cpu.system) / 1000;
  };
  // An analysis's stage is named by the mark that ends it (as in its `stages:` log line); an
  // idle turn by the mark at its start.
  stageProbe.reached = (next) => {
    const idleTurn = next === 'value-table' || next === 'explanation';
    if (!idleTurn) stage = next;
    end();
    stage = idleTurn ? next : 'after ' + next;
    begin();
  };
  try {
    for (editIndex = 0; editIndex < edits; editIndex++) {
      report.totalMb.push(0);
      if (kind === 'end') lines[lastLine] = lines[lastLine].replace(/\d+\.\d/, `${(editIndex % 9) + 1}.${editIndex % 10}`);
      else lines[1] = lines[1].replace(/seed=\d+/, `seed=${editIndex + 3}`);
      stage = 'start';
      begin();
      analyse();
      while (queue.length > 0) {
        if (idle) pretendIdle();
        queue.shift()!();
        end();
        stage = 'other turns';
        begin();
      }
      end();
    }
  } finally {
    stageProbe.reached = undefined;
  }
  return report;
}
