// Timing: warm-up, interleaved repetitions (tgraph, TF.js, tgraph, ...) so that both sides
// see the same machine state, and the median of each side.

import { type OutputComparison, type Workload, WORKLOADS } from './workloads';
import { type Peer, type PeerRun, type Sample, timeSync } from './peers/index';

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
  /** Floating-point operations of one repetition (matmul, conv), for GFLOP/s. */
  flops: number | null;
  /** The peers named with --peers, in their order. */
  peers: PeerMeasurement[];
}

export interface PeerMeasurement {
  peer: string;
  /** False when the peer has no version of this workload (nothing compared or timed). */
  present: boolean;
  verified: boolean;
  comparisons: OutputComparison[];
  /** Median CPU ms of one repetition (the peer's own process), and tgraph's over it. */
  ms: number | null;
  wallMs: number | null;
  ratio: number | null;
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

/** One side of the alternation: tgraph, TF.js (CPU) or a peer. */
interface Side {
  run(): Sample | Promise<Sample>;
  samples: Sample[];
  total: number;
}

/** Runs every workload once on every side, results compared, before any is timed. CPU time
 *  is the whole process's: without this, the first workload's samples carry one-time costs
 *  that belong to all of them (the JIT compiling the engine's and TF.js's code paths, V8
 *  compiling the peers' WebAssembly on background threads). */
export async function warmUp(workloads: readonly Workload[], scale: number, quick: boolean, peers: readonly Peer[] = []): Promise<void> {
  for (const workload of workloads) {
    const prepared = workload.prepare(scale, quick);
    try {
      if (!prepared.verify().every((c) => c.ok)) continue;
      prepared.tgraph();
      prepared.tfjs();
      for (const peer of peers) {
        const run = await peer.prepare(workload, prepared, scale, quick);
        if (!run) continue;
        try {
          if ((await run.verify()).every((c) => c.ok)) await run.time();
        } finally {
          await run.dispose();
        }
      }
    } finally {
      prepared.dispose();
    }
  }
}

/** Verifies one workload at one scale (tgraph against TF.js, then against every peer), then
 *  times every side whose results agreed, in alternation. */
export async function measure(
  workload: Workload,
  scale: number,
  quick: boolean,
  timing: TimingOptions | null,
  peers: readonly Peer[] = [],
): Promise<Measurement> {
  const prepared = workload.prepare(scale, quick);
  const runs: (PeerRun | null)[] = [];
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
      flops: prepared.flops ?? null,
      peers: [],
    };
    for (const peer of peers) {
      const run = await peer.prepare(workload, prepared, scale, quick);
      runs.push(run);
      const checked = run ? await run.verify() : [];
      m.peers.push({
        peer: peer.name,
        present: run !== null,
        verified: run !== null && checked.every((c) => c.ok),
        comparisons: checked,
        ms: null,
        wallMs: null,
        ratio: null,
      });
    }
    if (!verified || !timing) return m;
    const sides: Side[] = [
      { run: () => timeSync(prepared.tgraph), samples: [], total: 0 },
      { run: () => timeSync(prepared.tfjs), samples: [], total: 0 },
    ];
    const peerSides = runs.map((run, i) =>
      run && m.peers[i].verified ? { run: () => run.time(), samples: [] as Sample[], total: 0 } : null,
    );
    for (const s of peerSides) if (s) sides.push(s);
    // Warm-up (JIT, caches); a second round only when a round is short.
    for (let i = 0; i < timing.warmup; i++) {
      let t = 0;
      for (const side of sides) t += (await side.run()).wall;
      if (t > 2 * timing.targetMs) break;
    }
    // At least minSamples (3 when one side has already run 5× the target), and more until
    // every side has run targetMs.
    const enough = () => {
      const n = sides[0].samples.length;
      const least = Math.min(...sides.map((s) => s.total));
      const most = Math.max(...sides.map((s) => s.total));
      return n >= timing.maxSamples || (n >= timing.minSamples && least >= timing.targetMs) || (n >= 3 && most > 5 * timing.targetMs);
    };
    for (let round = 0; !enough(); round++) {
      // Each round starts with the next side, so no side always follows another's garbage.
      for (let j = 0; j < sides.length; j++) {
        const side = sides[(round + j) % sides.length];
        const sample = await side.run();
        side.samples.push(sample);
        side.total += sample.wall;
      }
    }
    const [ours, theirs] = sides;
    m.tgraphMs = median(ours.samples.map((s) => s.cpu));
    m.tfjsMs = median(theirs.samples.map((s) => s.cpu));
    m.ratio = m.tgraphMs / m.tfjsMs;
    m.tgraphWallMs = median(ours.samples.map((s) => s.wall));
    m.tfjsWallMs = median(theirs.samples.map((s) => s.wall));
    m.wallRatio = m.tgraphWallMs / m.tfjsWallMs;
    m.samples = ours.samples.length;
    peerSides.forEach((side, i) => {
      if (!side) return;
      const pm = m.peers[i];
      pm.ms = median(side.samples.map((s) => s.cpu));
      pm.wallMs = median(side.samples.map((s) => s.wall));
      pm.ratio = m.tgraphMs! / pm.ms;
    });
    return m;
  } finally {
    prepared.dispose();
    for (const run of runs) await run?.dispose();
  }
}

/** The workloads named in `only` (all when empty), in the order. */
export function selectWorkloads(only: readonly string[]): Workload[] {
  if (only.length === 0) return WORKLOADS.slice();
  const unknown = only.filter((n) => !WORKLOADS.some((w) => w.name === n));
  if (unknown.length) throw new Error(`unknown workload ${unknown.join(', ')} (known: ${WORKLOADS.map((w) => w.name).join(', ')})`);
  return WORKLOADS.filter((w) => only.includes(w.name));
}
