// Runs TypeScript of the repository from a build script: `entry` (CommonJS source that may
// require the repository's .ts files, resolved from its root) is bundled with esbuild in
// memory and run in this process; its `module.exports` is returned.
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { createRequire } from 'node:module';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export async function runBundled(entry) {
  const out = await build({
    stdin: { contents: entry, resolveDir: root, loader: 'js' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    write: false,
    logLevel: 'error',
  });
  const module = { exports: {} };
  const require = createRequire(path.join(root, 'package.json'));
  vm.runInThisContext(`(function (module, exports, require) {${out.outputFiles[0].text}\n})`)(module, module.exports, require);
  return module.exports;
}
