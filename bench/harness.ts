// Timing: warm-up, interleaved repetitions (tgraph, TF.js, tgraph, ...) so that both sides
// see the same machine state, and the median of each side.

import { type OutputComparison, type Workload, WORKLOADS } from './workloads';

export interface TimingOptions {
  warmup: number;
  minSamples: number;
  maxSamples: number;
  /** Stop adding samples once each side has run this long (ms). */
  targetMs: number;
}

export const FULL_TIMING: TimingOptions = { warmup: 2, minSamples: 5, maxSamples: 25, targetMs: 1000 };
export const QUICK_TIMING: TimingOptions = { warmup: 1, minSamples: 3, maxSamples: 5, targetMs: 150 };

export interface Measurement {
  workload: string;
  scale: number;
  size: string;
  /** Results compared before timing; timing is skipped when any differs. */
  verified: boolean;
  comparisons: OutputComparison[];
  /** Median CPU time of one repetition (user + system, this process): what the ratios use,
   *  since wall time on a shared machine mostly measures the neighbours. */
  tgraphMs: number | null;
  tfjsMs: number | null;
  /** tgraph / TF.js on CPU time (below 1: tgraph is faster). */
  ratio: number | null;
  /** The same on wall-clock time. */
  tgraphWallMs: number | null;
  tfjsWallMs: number | null;
  wallRatio: number | null;
  samples: number;
}

export function median(xs: readonly number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function geometricMean(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  return Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length);
}

interface Sample {
  wall: number;
  cpu: number;
}

function time(fn: () => void): Sample {
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  fn();
  const wall = Number(process.hrtime.bigint() - start) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  return { wall, cpu: (cpu.user + cpu.system) / 1000 };
}

/** Verifies one workload at one scale, then times it unless results differ. */
export function measure(workload: Workload, scale: number, quick: boolean, timing: TimingOptions | null): Measurement {
  const prepared = workload.prepare(scale, quick);
  try {
    const comparisons = prepared.verify();
    const verified = comparisons.every((c) => c.ok);
    const m: Measurement = {
      workload: workload.name,
      scale,
      size: prepared.size,
      verified,
      comparisons,
      tgraphMs: null,
      tfjsMs: null,
      ratio: null,
      tgraphWallMs: null,
      tfjsWallMs: null,
      wallRatio: null,
      samples: 0,
    };
    if (!verified || !timing) return m;
    // Warm-up (JIT, caches); a second round only when a round is short.
    for (let i = 0; i < timing.warmup; i++) {
      const t = time(prepared.tgraph).wall + time(prepared.tfjs).wall;
      if (t > 2 * timing.targetMs) break;
    }
    const ours: Sample[] = [];
    const theirs: Sample[] = [];
    let oursTotal = 0;
    let theirsTotal = 0;
    // At least minSamples (3 when one side has already run 5× the target), and more until
    // both sides have run targetMs.
    const enough = () =>
      ours.length >= timing.maxSamples ||
      (ours.length >= timing.minSamples && oursTotal >= timing.targetMs && theirsTotal >= timing.targetMs) ||
      (ours.length >= 3 && Math.max(oursTotal, theirsTotal) > 5 * timing.targetMs);
    while (!enough()) {
      // Alternate which side goes first, so neither always follows the other's garbage.
      const order = ours.length % 2 === 0;
      if (order) {
        ours.push(time(prepared.tgraph));
        theirs.push(time(prepared.tfjs));
      } else {
        theirs.push(time(prepared.tfjs));
        ours.push(time(prepared.tgraph));
      }
      oursTotal += ours[ours.length - 1].wall;
      theirsTotal += theirs[theirs.length - 1].wall;
    }
    m.tgraphMs = median(ours.map((s) => s.cpu));
    m.tfjsMs = median(theirs.map((s) => s.cpu));
    m.ratio = m.tgraphMs / m.tfjsMs;
    m.tgraphWallMs = median(ours.map((s) => s.wall));
    m.tfjsWallMs = median(theirs.map((s) => s.wall));
    m.wallRatio = m.tgraphWallMs / m.tfjsWallMs;
    m.samples = ours.length;
    return m;
  } finally {
    prepared.dispose();
  }
}

/** The workloads named in `only` (all when empty), in the order. */
export function selectWorkloads(only: readonly string[]): Workload[] {
  if (only.length === 0) return WORKLOADS.slice();
  const unknown = only.filter((n) => !WORKLOADS.some((w) => w.name === n));
  if (unknown.length) throw new Error(`unknown workload ${unknown.join(', ')} (known: ${WORKLOADS.map((w) => w.name).join(', ')})`);
  return WORKLOADS.filter((w) => only.includes(w.name));
}
