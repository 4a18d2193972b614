// Rewrites docs/ops.md from the op registry (scripts/opsReference.ts); returns whether the
// page changed. The build calls it, as it regenerates the grammar's op list.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runBundled } from './runBundled.mjs';

const page = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'ops.md');

export async function writeOpsReference() {
  const { opsReference } = await runBundled(`module.exports = require('./scripts/opsReference.ts');`);
  const text = opsReference();
  const changed = !existsSync(page) || readFileSync(page, 'utf8') !== text;
  if (changed) writeFileSync(page, text);
  return changed;
}
