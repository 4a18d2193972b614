// Runs one workload's tgraph side (or TF.js side) in a loop, for `node --cpu-prof`:
//   node bench/build.mjs && node --cpu-prof dist/bench-profile.js seed [tgraph|tfjs] [seconds] [scale]
// or one kind of edit of the bench's 1,000-layer chain file, analysed in process as an editor's
// edits are (each takes the previous analysis over):
//   node --cpu-prof dist/bench-profile.js chain-feed|chain-middle|chain-end [seconds]
import { WORKLOADS, initTfjs } from './workloads';
import { enableRelaxedSimd } from '../engine/wasm/nodeFeatures';
import { profileChainEdits } from './engineChain';

enableRelaxedSimd();

async function main(): Promise<void> {
  const [name = 'seed', side = 'tgraph', seconds = '5', scale = '1'] = process.argv.slice(2);
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
