// Bundles the CLI, the language server and the VS Code extension with esbuild.
import { build } from 'esbuild';
import { existsSync } from 'fs';
import { buildWasm } from './build-wasm.mjs';
import { NODE_BUNDLE, NODE_BUNDLES } from './nodeBundles.mjs';

// The WebAssembly kernels first: the bundles embed them (engine/wasm/kernels.generated.ts).
await buildWasm();

const common = { ...NODE_BUNDLE, sourcemap: true, logLevel: 'warning' };
const entries = [
  ...NODE_BUNDLES.map(({ entry, file, plugins }) => ({ entryPoints: [entry], outfile: `dist/${file}`, plugins })),
  { entryPoints: ['client/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'], optional: true },
  { entryPoints: ['fuzz/run.ts'], outfile: 'dist/fuzz.js', optional: true },
];
for (const { optional, ...entry } of entries) {
  if (optional && !existsSync(entry.entryPoints[0])) continue;
  await build({ ...common, ...entry });
}

// The web extension (VS Code for the Web): the client for the browser extension host, and the
// server for a Web Worker, with POSIX paths for Node's 'path' and no file system (load()
// reads through the client). The client bundles the server too, for hosts that refuse it a
// Worker (client/browser.ts).
const web = { bundle: true, platform: 'browser', target: 'es2022', sourcemap: true, logLevel: 'warning' };
const webAliases = { path: './server/web/path.cjs', fs: './server/web/noFs.ts' };
await build({ ...web, entryPoints: ['server/webWorker.ts'], outfile: 'dist/web/server.js', format: 'iife', alias: webAliases });
await build({
  ...web,
  entryPoints: ['client/browser.ts'],
  outfile: 'dist/web/extension.js',
  format: 'cjs',
  external: ['vscode'],
  alias: webAliases,
});

// The grammar's op list follows the op registry (VS Code reads the grammar as a static file).
await (await import('../syntaxes/generate.mjs')).writeGrammar();
// So is the op reference page (docs/ops.md).
await (await import('./writeOpsReference.mjs')).writeOpsReference();
