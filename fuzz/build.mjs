// Bundles the fuzz driver (fuzz/run.ts) to dist/fuzz.js, as scripts/build.mjs bundles the CLI.
// `npm run fuzz` runs dist/fuzz.js; run this first (or add the entry to scripts/build.mjs).
import { build } from 'esbuild';
import { fileURLToPath } from 'url';
import * as path from 'path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
await build({
  absWorkingDir: root,
  entryPoints: ['fuzz/run.ts'],
  outfile: 'dist/fuzz.js',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
});
