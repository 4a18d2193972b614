// Runs one workload's tgraph side (or TF.js side) in a loop, for `node --cpu-prof`:
//   node bench/build.mjs && node --cpu-prof dist/bench-profile.js seed [tgraph|tfjs] [seconds] [scale]
// or one kind of edit of the bench's 1,000-layer chain file, analysed in process as an editor's
// edits are (each takes the previous analysis over):
//   node --cpu-prof dist/bench-profile.js chain-feed|chain-middle|chain-end [seconds]
// or the analysis worker's turn for an edit near the end (bench/workerEdits.ts):
//   TGRAPH_WORKER_TURNS=1 node --cpu-prof dist/bench-profile.js worker-end-chain|worker-middle-chain|worker-end-blocks [edits]
// or its turn for the first feed edit after an edit in the middle, with the worker's idle
// turns between the two or none:
//   TGRAPH_WORKER_TURNS=1 node dist/bench-profile.js worker-first-feed-idle-chain|worker-first-feed-busy-chain [edits]
// or the same after an edit of the last line:
//   TGRAPH_WORKER_TURNS=1 node dist/bench-profile.js worker-first-feed-after-end-chain [edits]
// or the explanation of every gradient of the explanation benchmark's inputs (bench/explain.ts),
// each run on a fresh analysis, as `tgraph run --json` explains them:
//   node --cpu-prof dist/bench-profile.js explain-chain|explain-last|explain-dense|explain-conv|explain-fan|explain-residual [runs]
// or what the analysis worker allocates per edit of a file's feed or end, by stage, with the
// idle turns after each (explanations included) or without them (`busy`), see
// bench/workerAllocations.ts:
//   node --max-semi-space-size=8 dist/bench-profile.js alloc-feed-chain|alloc-end-chain|alloc-end-blocks [edits] [busy]
// or the tasks of a thread's profile (the server's protocol thread as the editor bench drove
// it, see bench/protocolTasks.ts) with at least `min-ms` of work, at the profile's interval:
//   node dist/bench-profile.js protocol-tasks FILE.cpuprofile [interval-us=100] [min-ms=3]
import * as fs from 'fs';
import { WORKLOADS, initTfjs } from './workloads';
import { enableRelaxedSimd } from '../engine/wasm/nodeFeatures';
import { profileChainEdits } from './engineChain';
import { profileWorkerEndEdits } from './workerEdits';
import { protocolTasksReport } from './protocolTasks';
import { EXPLAIN_INPUTS, explainOnce } from './explain';
import { measureWorkerAllocations } from './workerAllocations';

enableRelaxedSimd();

async function main(): Promise<void> {
  const [name = 'seed', side = 'tgraph', seconds = '5', scale = '1'] = process.argv.slice(2);
  if (name === 'protocol-tasks') {
    const [, file, intervalUs = '100', minMs = '3'] = process.argv.slice(2);
    process.stdout.write(protocolTasksReport(file, Number(intervalUs), Number(minMs)));
    return;
  }
  const edit = /^chain-(feed|middle|end)$/.exec(name);
  if (edit) {
    const { edits, evaluateMs } = profileChainEdits(edit[1] as 'feed' | 'middle' | 'end', Number(side) || 10);
    const sorted = evaluateMs.slice(1).sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)];
    process.stdout.write(
      `${name}: ${edits} edits, evaluation median ${median.toFixed(1)} ms CPU (the first edit's ${evaluateMs[0].toFixed(1)})\n`,
    );
    return;
  }
  const explain = /^explain-(chain|last|dense|conv|fan|residual)$/.exec(name);
  if (explain) {
    const input = EXPLAIN_INPUTS[explain[1] as keyof typeof EXPLAIN_INPUTS];
    const runs = Number(side) || 3;
    for (let r = 0; r < runs; r++) {
      const m = explainOnce(input.text(), input.python);
      process.stdout.write(
        `${name}: ${m.gradients} gradients explained in ${m.cpuMs.toFixed(0)} ms CPU (analysis ${m.analysisMs.toFixed(0)} ms)\n`,
      );
    }
    return;
  }
  const alloc = /^alloc-(feed|end)-(chain|blocks)$/.exec(name);
  if (alloc) {
    const edits = Number(side) || 20;
    const r = measureWorkerAllocations(alloc[2] as 'chain' | 'blocks', alloc[1] as 'feed' | 'end', edits, seconds !== 'busy');
    const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const rest = (xs: number[]) => (xs.length > 1 ? xs.slice(1) : xs);
    const full = r.fullGcs.length;
    const fullMs = r.fullGcs.reduce((s, x) => s + x, 0);
    process.stdout.write(
      `${name}: ${edits} edits; allocated per edit p50 ${median(rest(r.totalMb)).toFixed(1)} MB; ${full} full collections (${fullMs.toFixed(0)} ms, longest ${Math.max(0, ...r.fullGcs).toFixed(0)} ms), ${r.scavenges} scavenges\n`,
    );
    for (const [stage, xs] of Object.entries(r.stages))
      process.stdout.write(
        `  ${stage.padEnd(18)} p50 ${median(rest(xs)).toFixed(2)} MB, ${median(rest(r.cpuMs[stage])).toFixed(1)} ms CPU\n`,
      );
    return;
  }
  const workerEdit = /^worker-(end|middle|first-feed-idle|first-feed-busy|first-feed-after-end)-(chain|blocks)$/.exec(name);
  if (workerEdit) {
    const kind = workerEdit[1] as 'end' | 'middle' | 'first-feed-idle' | 'first-feed-busy' | 'first-feed-after-end';
    const r = profileWorkerEndEdits(workerEdit[2] as 'chain' | 'blocks', Number(side) || 200, undefined, kind);
    if (process.env.TGRAPH_PROFILE_WINDOWS) fs.writeFileSync(process.env.TGRAPH_PROFILE_WINDOWS, JSON.stringify(r.windows));
    const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const p95 = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(xs.length * 0.95) - 1)];
    const rest = (xs: number[]) => xs.slice(1);
    process.stdout.write(
      `${name}: ${r.edits} edits; turn CPU p50 ${median(rest(r.cpuMs)).toFixed(2)} p95 ${p95(rest(r.cpuMs)).toFixed(2)} ms, wall p50 ${median(rest(r.wallMs)).toFixed(2)} p95 ${p95(rest(r.wallMs)).toFixed(2)} ms (the first edit's ${r.wallMs[0].toFixed(1)}); heap growth p50 ${median(rest(r.allocatedMb)).toFixed(2)} MB\n`,
    );
    for (const stage of Object.keys(r.stages[0] ?? {})) {
      const xs = rest(r.stages.map((s) => s[stage]));
      process.stdout.write(`  ${stage.padEnd(18)} p50 ${median(xs).toFixed(2)} p95 ${p95(xs).toFixed(2)} ms\n`);
    }
    return;
  }
  const w = WORKLOADS.find((x) => x.name === name);
  if (!w) throw new Error(`unknown workload ${name}`);
  await initTfjs();
  const p = w.prepare(Number(scale), false);
  const run = side === 'tfjs' ? p.tfjs : p.tgraph;
  const end = Date.now() + Number(seconds) * 1000;
  let reps = 0;
  const cpu0 = process.cpuUsage();
  while (Date.now() < end) {
    run();
    reps++;
  }
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(`${name} ${side}: ${reps} repetitions, ${((cpu.user + cpu.system) / 1000 / reps).toFixed(2)} ms CPU each\n`);
  p.dispose();
}

void main();
