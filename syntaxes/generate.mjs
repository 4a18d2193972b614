#!/usr/bin/env node
// Regenerates the op-name list of syntaxes/tgraph.tmLanguage.json from the engine's op
// registry (every non-internal op and alias). The registry holds every op the language spec
// names (test/engine/conformance.test.ts reads the spec's op list and checks it).
//
// VS Code reads the grammar as a static file, so the list is committed; test/vscode/grammar.test.ts
// fails (and names this script) when an op in the registry is not highlighted.
//
//   node syntaxes/generate.mjs          rewrite the grammar
//   node syntaxes/generate.mjs --check  exit 1 if the grammar is stale
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runBundled } from '../scripts/runBundled.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const grammarPath = path.join(root, 'syntaxes', 'tgraph.tmLanguage.json');

/** Non-internal op names and aliases from engine/ops. */
export async function registryOpNames() {
  return runBundled(`
    require('./engine/ops/index');
    const { allOps } = require('./engine/ops/registry');
    const names = [];
    for (const op of allOps()) if (!op.internal) names.push(op.name, ...(op.aliases || []));
    module.exports = names;`);
}

/** Longest first, so that `reduce_sum` is not cut to `reduce` by an alternation. */
export function opNamesPattern(names) {
  const unique = [...new Set(names)].sort((a, b) => b.length - a.length || a.localeCompare(b));
  return unique.join('|');
}

/** The grammar with its op list regenerated, and whether that changes the file. */
async function regenerated() {
  const names = await registryOpNames();
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
