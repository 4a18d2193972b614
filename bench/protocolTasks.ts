// The tasks of one thread in a V8 CPU profile (`--cpu-prof`), longest first by their samples:
// what a hover waited behind on the server's protocol thread. The editor bench starts the
// server profiled with TGRAPH_BENCH_SERVER_NODE_ARGS='--cpu-prof --cpu-prof-interval 100
// --cpu-prof-dir=DIR'; each thread writes its own profile as the server exits.
//
// A task is a run of samples with no idle one between them. Its samples, at the profile's
// interval, count the work in it (at least: the sampling thread too waits for a core on a
// loaded machine, and misses some); its span from first to last sample also holds the time
// the thread was not running (another process or thread had the core). On a loaded machine
// the two differ by ten times: the samples say what to make shorter, the span what a hover
// felt.

import * as fs from 'fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfiledTask {
  /** From the profile's start, ms. */
  atMs: number;
  /** First sample to the next idle one, ms (work and waiting for a core). */
  spanMs: number;
  samples: number;
  /** Samples × the profile's interval: the work, ms (a lower bound, see above). */
  workMs: number;
  /** Of the samples, those in garbage collection. */
  gcSamples: number;
  /** The functions most samples ran under (own code's, else the outermost), with counts. */
  under: [string, number][];
}

const IDLE = new Set(['(idle)', '(program)']);

export function profiledTasks(file: string, intervalUs: number): ProfiledTask[] {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parents = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parents.set(c, n.id);
  const label = (n: ProfileNode) =>
    `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber + 1}`;
  /** The innermost frame of the server's own bundle a sample ran under, else its leaf. */
  const owner = (id: number) => {
    for (let at: number | undefined = id; at !== undefined; at = parents.get(at)) {
      const n = nodes.get(at)!;
      if (/dist\/(server|analysisWorker)\.js$/.test(n.callFrame.url)) return label(n);
    }
    return label(nodes.get(id)!);
  };
  const tasks: ProfiledTask[] = [];
  let t = profile.startTime;
  let open: { start: number; ids: number[] } | undefined;
  const close = (end: number) => {
    if (!open) return;
    const counts = new Map<string, number>();
    let gcSamples = 0;
    for (const id of open.ids) {
      if (nodes.get(id)!.callFrame.functionName === '(garbage collector)') gcSamples++;
      const key = owner(id);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    tasks.push({
      atMs: (open.start - profile.startTime) / 1000,
      spanMs: (end - open.start) / 1000,
      samples: open.ids.length,
      workMs: (open.ids.length * intervalUs) / 1000,
      gcSamples,
      under: [...counts].sort((a, b) => b[1] - a[1]).slice(0, 4),
    });
    open = undefined;
  };
  profile.samples.forEach((id, i) => {
    const previous = t;
    t += profile.timeDeltas[i];
    if (IDLE.has(nodes.get(id)!.callFrame.functionName)) close(t);
    else (open ??= { start: previous, ids: [] }).ids.push(id);
  });
  close(t);
  return tasks.sort((a, b) => b.samples - a.samples);
}

/** The tasks whose work is at least `minWorkMs`, one per line. */
export function protocolTasksReport(file: string, intervalUs: number, minWorkMs: number): string {
  const tasks = profiledTasks(file, intervalUs);
  const long = tasks.filter((k) => k.workMs >= minWorkMs);
  const work = tasks.reduce((sum, k) => sum + k.workMs, 0);
  const lines = long.map(
    (k) =>
      `  at ${(k.atMs / 1000).toFixed(2)} s: work ${k.workMs.toFixed(1)} ms (gc ${((k.gcSamples * intervalUs) / 1000).toFixed(1)}), span ${k.spanMs.toFixed(1)} ms; ${k.under.map(([f, n]) => `${n} ${f}`).join(', ')}`,
  );
  return `${tasks.length} tasks, ${work.toFixed(0)} ms of work; ${long.length} with ≥ ${minWorkMs} ms of work, ${tasks.filter((k) => k.spanMs >= minWorkMs).length} spanning ≥ ${minWorkMs} ms\n${lines.join('\n')}\n`;
}
