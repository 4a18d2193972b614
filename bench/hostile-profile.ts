// The two large hostile inputs of test/engine/hostile.test.ts (a 100,000-line chain and 100,000
// erroneous lines), analysed and presented as the hostile runner does, with the time of each
// phase; for `node --cpu-prof`:
//   npx esbuild bench/hostile-profile.ts --bundle --platform=node --outfile=/tmp/hp.js
//   node --cpu-prof --cpu-prof-dir=/tmp/prof /tmp/hp.js chain|errors [repetitions] [maxDiagnostics]
// The diagnostics cap is lifted by default (every diagnostic of the erroneous lines is made
// and presented): the engine must be fast without it.
import * as fs from 'fs';
import { analyze } from '../engine/analysis';
import { formatRun, runJson, stringifyJson } from '../engine/api/report';
import { hostileText } from './hostileInputs';

/** CPU time of this thread in ms (Linux): unlike the wall clock, it does not grow when other
 *  processes take the cores. NaN elsewhere. */
function threadCpuMs(): number {
  try {
    return Number(fs.readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return NaN;
  }
}

function main(): void {
  const [which = 'chain', reps = '1', cap = '1000000000'] = process.argv.slice(2);
  const text = hostileText(which === 'errors' ? 'errors' : 'chain');
  for (let r = 0; r < Number(reps); r++) {
    const rss0 = process.memoryUsage.rss() / 1048576;
    const cpu0 = process.cpuUsage();
    const thread0 = threadCpuMs();
    const t0 = performance.now();
    const a = analyze(text, { maxDiagnostics: Number(cap) });
    const t1 = performance.now();
    formatRun(a, 'hostile.tgraph');
    const t2 = performance.now();
    stringifyJson(runJson(a));
    const t3 = performance.now();
    const rss1 = process.memoryUsage.rss() / 1048576;
    const cpu = process.cpuUsage(cpu0);
    const thread = threadCpuMs() - thread0;
    process.stdout.write(
      `${which}: analyze ${(t1 - t0).toFixed(0)} ms, formatRun ${(t2 - t1).toFixed(0)} ms, json ${(t3 - t2).toFixed(0)} ms, total ${(t3 - t0).toFixed(0)} ms (main thread CPU ${thread.toFixed(0)} ms, all threads ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms); ` +
        `${a.diagnostics.length} diagnostics; rss ${rss0.toFixed(0)} -> ${rss1.toFixed(0)} MiB, peak ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB\n`,
    );
  }
}

main();
