// Bundles the benchmark (bench/run.ts) to dist/bench.js. TensorFlow.js stays external: it is
// a devDependency loaded from node_modules, not part of the shipped bundles.
import { build } from 'esbuild';

await build({
  entryPoints: ['bench/run.ts'],
  outfile: 'dist/bench.js',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
  external: ['@tensorflow/*'],
});

// A loop over one workload, for profiling (see bench/profile.ts).
await build({
  entryPoints: ['bench/profile.ts'],
  outfile: 'dist/bench-profile.js',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
  external: ['@tensorflow/*'],
});
