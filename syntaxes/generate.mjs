#!/usr/bin/env node
// Regenerates the op-name list of syntaxes/tgraph.tmLanguage.json from the engine's op
// registry (every non-internal op and alias) joined with the ops the language spec names,
// so ops the engine does not implement yet are still highlighted as ops.
//
// VS Code reads the grammar as a static file, so the list is committed; test/grammar.test.ts
// fails (and names this script) when an op in the registry is not highlighted.
//
//   node syntaxes/generate.mjs          rewrite the grammar
//   node syntaxes/generate.mjs --check  exit 1 if the grammar is stale
import { build } from 'esbuild';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { createRequire } from 'node:module';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const grammarPath = path.join(root, 'syntaxes', 'tgraph.tmLanguage.json');

// The ops of LANGUAGE.md ("Sources of tensors", "Feed generators", "Ops"), with the
// aliases it gives.
export const SPEC_OPS = `
placeholder constant variable Variable zeros ones fill zeros_like ones_like range linspace eye one_hot
randint uniform normal load
negative neg abs sign exp expm1 log log1p sqrt rsqrt square reciprocal sin cos tan asin acos atan
sinh cosh tanh sigmoid relu relu6 leaky_relu elu selu softplus softsign erf floor ceil round identity
stop_gradient cast is_nan is_finite
add subtract multiply divide truediv floordiv mod pow maximum minimum squared_difference atan2 equal
not_equal less less_equal greater greater_equal logical_and logical_or logical_not where clip_by_value
reduce_sum reduce_mean reduce_prod reduce_max reduce_min reduce_logsumexp reduce_all reduce_any argmax
argmin norm cumsum allclose all any
reshape transpose expand_dims squeeze stack unstack concat split tile broadcast_to slice gather pad
reverse shape size rank
matmul tensordot einsum trace matrix_transpose
softmax log_softmax l2_loss sigmoid_cross_entropy_with_logits softmax_cross_entropy_with_logits
sparse_softmax_cross_entropy_with_logits moments conv2d max_pool2d avg_pool2d
gradients gradient jacobian batch_jacobian hessians hessian
`.split(/\s+/).filter(Boolean);

/** Non-internal op names and aliases from engine/ops (bundled with esbuild, run in a vm). */
export async function registryOpNames() {
  const entry = `
    require('./engine/ops/index');
    const { allOps } = require('./engine/ops/registry');
    const names = [];
    for (const op of allOps()) if (!op.internal) names.push(op.name, ...(op.aliases || []));
    module.exports = names;`;
  const out = await build({
    stdin: { contents: entry, resolveDir: root, loader: 'js' },
    bundle: true, platform: 'node', format: 'cjs', write: false, logLevel: 'error',
  });
  const module = { exports: {} };
  const require = createRequire(path.join(root, 'package.json'));
  vm.runInThisContext(`(function (module, exports, require) {${out.outputFiles[0].text}\n})`)(module, module.exports, require);
  return module.exports;
}

/** Longest first, so that `reduce_sum` is not cut to `reduce` by an alternation. */
export function opNamesPattern(names) {
  const unique = [...new Set(names)].sort((a, b) => b.length - a.length || a.localeCompare(b));
  return unique.join('|');
}

/** The grammar with its op list regenerated, and whether that changes the file. */
async function regenerated() {
  const names = [...SPEC_OPS, ...(await registryOpNames())];
  const grammar = JSON.parse(readFileSync(grammarPath, 'utf8'));
  const rule = grammar.repository['op-names'];
  const prefix = rule.match.slice(0, rule.match.lastIndexOf('(')); // the names group is last
  const next = `${prefix}(${opNamesPattern(names)})\\b`;
  const changed = next !== rule.match;
  rule.match = next;
  return { grammar, changed, count: new Set(names).size };
}

/** Rewrites syntaxes/tgraph.tmLanguage.json when the registry has new ops (a build step:
 *  `await (await import('../syntaxes/generate.mjs')).writeGrammar()`). */
export async function writeGrammar() {
  const { grammar, changed, count } = await regenerated();
  if (changed) writeFileSync(grammarPath, JSON.stringify(grammar, null, 2) + '\n');
  return { changed, count };
}

async function main() {
  if (process.argv.includes('--check')) {
    if ((await regenerated()).changed) {
      process.stderr.write('syntaxes/tgraph.tmLanguage.json is stale: run node syntaxes/generate.mjs\n');
      process.exit(1);
    }
    return;
  }
  const { changed, count } = await writeGrammar();
  process.stdout.write(`op names: ${count}${changed ? ' (grammar updated)' : ' (grammar unchanged)'}\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
