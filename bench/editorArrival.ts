// What taking in one snapshot from the analysis worker costs the protocol thread, measured by
// CPU time rather than by the hovers' wall time (which, on a loaded machine, is mostly the
// wait for a core): the chain file's first snapshot, and the deltas of an edit of its feed
// and of its middle, taken in at once (one task, as a hover would wait behind) and by the
// host's slices (engine/api/worker/host.ts: ARRIVAL_SLICE_MS). The longest slice bounds
// what a hover waits behind; the total says what slicing costs.
//
//   node bench/build.mjs && node dist/bench-editor-arrival.js [--cold-sliced]

import { analyzeInStages } from '../engine/analysis';
import { snapshotOf } from '../engine/api/facts';
import { snapshotDelta, applySnapshotDeltaSteps } from '../engine/api/snapshotDelta';
import { deltaFromWireSteps, deltaToWire, snapshotFromWireSteps, snapshotToWire } from '../engine/api/snapshotWire';
import { runSteps, type Steps } from '../engine/api/steps';
import type { DocumentSnapshot } from '../engine/api/snapshot';
import { generatedChainFile } from './editorScenarios';

const SLICE_MS = 2;
const RUNS = 7;

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Whole: one task's CPU. Sliced: each slice runs steps until SLICE_MS of wall time. */
function measure(make: () => Steps<unknown>): { wholeMs: number; slices: number; longestSliceMs: number; slicedTotalMs: number } {
  const whole: number[] = [];
  const longest: number[] = [];
  const totals: number[] = [];
  let slices = 0;
  for (let run = 0; run < RUNS; run++) {
    let steps = make();
    const t0 = cpuMs();
    runSteps(steps);
    whole.push(cpuMs() - t0);
    steps = make();
    let worst = 0;
    let total = 0;
    slices = 0;
    for (let done = false; !done;) {
      const c0 = cpuMs();
      const end = performance.now() + SLICE_MS;
      while (!(done = !!steps.next().done) && performance.now() < end);
      const c = cpuMs() - c0;
      worst = Math.max(worst, c);
      total += c;
      slices++;
    }
    longest.push(worst);
    totals.push(total);
  }
  return { wholeMs: median(whole), slices, longestSliceMs: median(longest), slicedTotalMs: median(totals) };
}

const text = generatedChainFile(1000, 50);
const feedEdit = text.replace(/seed=\d+/, 'seed=7');
const middleEdit = text.replace('h500 = tanh(h499 @ w0) + 0.01 * h499', 'h500 = tanh(h499 @ w0) + 0.012 * h499');
const snapshot = (t: string, version: number) => snapshotOf(analyzeInStages(t, {}).finish(), { version, explain: false });
const base = snapshot(text, 1);
const crossed = <T>(x: { wire: T; transfer: ArrayBuffer[] }): T => structuredClone(x.wire);
const baseWire = crossed(snapshotToWire(base));
// The first arrival in a process runs its code cold (as a server's first snapshot does): in
// one task, or with `--cold-sliced` by slices (then the longest slice).
const coldSliced = process.argv.includes('--cold-sliced');
let coldMs = 0;
let received!: DocumentSnapshot;
{
  const steps = snapshotFromWireSteps(structuredClone(baseWire));
  for (let done = false; !done;) {
    const c0 = cpuMs();
    const end = coldSliced ? performance.now() + SLICE_MS : Infinity;
    let next = steps.next();
    while (!next.done && performance.now() < end) next = steps.next();
    if (next.done) {
      received = next.value;
      done = true;
    }
    coldMs = Math.max(coldMs, cpuMs() - c0);
  }
}

const rows: [string, ReturnType<typeof measure>][] = [
  ['first snapshot (whole)', measure(() => snapshotFromWireSteps(structuredClone(baseWire)))],
];
for (const [name, edited] of [
  ['feed edit (delta)', feedEdit],
  ['middle edit (delta)', middleEdit],
] as const) {
  const wire = crossed(deltaToWire(snapshotDelta(base, text, snapshot(edited, 2), edited)));
  rows.push([
    name,
    measure(function* () {
      return yield* applySnapshotDeltaSteps(received, yield* deltaFromWireSteps(structuredClone(wire)));
    }),
  ]);
}
const f = (x: number) => x.toFixed(2).padStart(8);
process.stdout.write(
  `chain file (1,000 layers): CPU ms of taking a snapshot in on one thread, medians of ${RUNS}; slices of ${SLICE_MS} ms wall\n` +
    `${'arrival'.padEnd(24)}  one task  slices  longest slice  sliced total\n` +
    rows
      .map(
        ([n, r]) => `${n.padEnd(24)}  ${f(r.wholeMs)}  ${String(r.slices).padStart(6)}  ${f(r.longestSliceMs)}       ${f(r.slicedTotalMs)}`,
      )
      .join('\n') +
    `\nthe first snapshot taken in cold (the first arrival in the process), ${coldSliced ? 'longest slice' : 'in one task'}: ${coldMs.toFixed(2)} ms\n`,
);
