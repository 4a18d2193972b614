// Runs one workload's tgraph side (or TF.js side) in a loop, for `node --cpu-prof`:
//   node bench/build.mjs && node --cpu-prof dist/bench-profile.js seed [tgraph|tfjs] [seconds] [scale]
import { WORKLOADS, initTfjs } from './workloads';
import { enableRelaxedSimd } from '../engine/wasm/nodeFeatures';

enableRelaxedSimd();

async function main(): Promise<void> {
  const [name = 'seed', side = 'tgraph', seconds = '5', scale = '1'] = process.argv.slice(2);
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
