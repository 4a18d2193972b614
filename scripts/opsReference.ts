// docs/ops.md, the op reference, written from the op registry: every op a file may call, its
// arguments with their defaults, how its gradient is made, and its one-line description.
// The build rewrites the page (scripts/build.mjs); test/engine/opsReference.test.ts fails when the
// committed page is stale.

import '../engine/ops/index';
import { allOps, type OpDef } from '../engine/ops/registry';
import { paramLabel } from '../engine/api/describe';

/** How the op's gradient comes about, as the reference says it. */
function gradientKind(op: OpDef): string {
  if (op.differentiates) return 'takes derivatives';
  if (op.grad) return 'own rule';
  if (op.build) return "its parts' rules";
  return 'none';
}

/** Markdown table cells hold no pipes or line breaks. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

export function opsReference(): string {
  const ops = allOps()
    .filter((op) => !op.internal)
    .slice()
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const lines = [
    '# Op reference',
    '',
    '<!-- Generated from the op registry (engine/ops/) by `npm run build`: do not edit. -->',
    '',
    `Every op a \`.tgraph\` file may call (${ops.length} ops), with TensorFlow's argument names and`,
    'defaults; aliases are other names of the same op. [LANGUAGE.md](LANGUAGE.md) is the contract;',
    '[engine.md](engine.md) says how an op is defined. "Gradient" says where the gradient comes from:',
    "the op's own rule (written with other ops, so gradients are graph nodes), the rules of the ops",
    'it is built from (none where those have none: indices, comparisons), or none at all.',
    '',
    '| op | arguments | gradient | what it does |',
    '| --- | --- | --- | --- |',
  ];
  for (const op of ops) {
    const aliases = op.aliases?.length ? `<br>(${op.aliases.map((a) => `\`${a}\``).join(', ')})` : '';
    const args = op.params.map((p) => `\`${cell(paramLabel(p))}\``).join(', ');
    lines.push(`| \`${op.name}\`${aliases} | ${args} | ${gradientKind(op)} | ${cell(op.doc)} |`);
  }
  return lines.join('\n') + '\n';
}
