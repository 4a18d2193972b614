// Bundles the benchmark (bench/run.ts) to dist/bench.js, a loop over one workload for
// profiling (bench/profile.ts) to dist/bench-profile.js, and one cold measurement of the
// hostile benchmark (bench/hostile-worker.ts) to dist/bench-hostile-worker.js. TensorFlow.js
// stays external: it is a devDependency loaded from node_modules, not part of the shipped
// bundles.
import { build } from 'esbuild';

for (const [entry, outfile] of [
  ['bench/run.ts', 'dist/bench.js'],
  ['bench/profile.ts', 'dist/bench-profile.js'],
  ['bench/hostile-worker.ts', 'dist/bench-hostile-worker.js'],
  ['bench/serverProbe.ts', 'dist/bench-server-probe.js'],
  ['bench/turnWaits.ts', 'dist/bench-turn-waits.js'],
  ['bench/editorArrival.ts', 'dist/bench-editor-arrival.js'],
]) {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: true,
    logLevel: 'warning',
    // TypeScript is the hostile benchmark's peer, loaded from node_modules as TF.js is.
    external: ['@tensorflow/*', 'typescript'],
  });
}
