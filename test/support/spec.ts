// The ops the language contract names, read from the project's copy of it (docs/LANGUAGE.md,
// kept word for word), so that no test keeps its own copy of the spec's op table.

import * as fs from 'fs';
import * as path from 'path';
import '../../engine/ops/index';
import { allOps, lookupOp } from '../../engine/ops/registry';
import { STATEMENT_KEYWORDS } from '../../engine/syntax/lexer';

const SPEC = path.join(__dirname, '..', '..', 'docs', 'LANGUAGE.md');
/** The sections that list the ops: every tensor source, feed generator and op. */
const OP_SECTIONS = ['Sources of tensors', 'Ops (TensorFlow names and arguments)'];

function section(text: string, heading: string): string {
  const start = text.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`docs/LANGUAGE.md has no section "${heading}"`);
  const end = text.indexOf('\n## ', start + 4);
  return text.slice(start, end < 0 ? text.length : end);
}

function codeNames(text: string): string[] {
  return [...new Set([...text.matchAll(/`([A-Za-z_][A-Za-z0-9_]*)(?:\([^`]*\))?`/g)].map((m) => m[1]))];
}

/** Every `name` or `name(...)` code span of the op sections: the ops, and the argument
 *  names, keywords and literals their prose mentions. */
export function specNames(): string[] {
  const text = fs.readFileSync(SPEC, 'utf8');
  return [...new Set(OP_SECTIONS.flatMap((heading) => codeNames(section(text, heading))))];
}

/** The feed generators (`randint`, `uniform`, ...): the ops the paragraph of "Sources of
 *  tensors" that begins "Feed generators" introduces (it also names `constant`, where they
 *  may be used). */
export function specFeedGenerators(): string[] {
  const sources = section(fs.readFileSync(SPEC, 'utf8'), OP_SECTIONS[0]);
  const start = sources.indexOf('\nFeed generators');
  if (start < 0) throw new Error('docs/LANGUAGE.md\'s "Sources of tensors" has no feed generators paragraph');
  const end = sources.indexOf('\n\n', start + 1);
  const before = new Set(codeNames(sources.slice(0, start)));
  return codeNames(sources.slice(start, end < 0 ? sources.length : end)).filter(
    (name) => lookupOp(name) !== undefined && !before.has(name),
  );
}

/** What a spec name that is not an op may be: an op's argument, a statement keyword, a literal. */
export function isProseName(name: string): boolean {
  if (STATEMENT_KEYWORDS.has(name) || name === 'None' || name === 'True' || name === 'False') return true;
  return allOps().some((op) => op.params.some((p) => p.name === name || (p.aliases ?? []).includes(name)));
}

/** The ops of the spec: its names the registry defines (aliases included). */
export function specOps(): string[] {
  return specNames().filter((name) => lookupOp(name) !== undefined);
}
