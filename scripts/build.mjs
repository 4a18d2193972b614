// Bundles the CLI, the language server and the VS Code extension with esbuild.
import { build } from 'esbuild';
import { existsSync } from 'fs';
import { buildWasm } from './build-wasm.mjs';

// The WebAssembly kernels first: the bundles embed them (engine/wasm/kernels.generated.ts).
await buildWasm();

const common = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', sourcemap: true, logLevel: 'warning' };
const entries = [
  { entryPoints: ['cli/main.ts'], outfile: 'dist/cli.js' },
  { entryPoints: ['server/main.ts'], outfile: 'dist/server.js', optional: true },
  { entryPoints: ['client/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'], optional: true },
  { entryPoints: ['fuzz/run.ts'], outfile: 'dist/fuzz.js', optional: true },
];
for (const { optional, ...entry } of entries) {
  if (optional && !existsSync(entry.entryPoints[0])) continue;
  await build({ ...common, ...entry });
}

// The grammar's op list follows the op registry (VS Code reads the grammar as a static file).
await (await import('../syntaxes/generate.mjs')).writeGrammar();
