// "Randomise feed": the edit that gives a placeholder a seeded random feed of the right
// shape. Unknown sizes (`None`) take the size fed now, or 4. An existing feed statement is
// rewritten; otherwise the feed is inserted on the line after the placeholder.

import type { TextEdit, WorkspaceEdit } from 'vscode-languageserver';
import type * as AST from '../engine/syntax/ast';
import type { Binding } from '../engine/analysis';
import { statementOnLine, type View } from './positions';

const DEFAULT_SIZE = 4;

function placeholderOnLine(view: View, line: number): Binding | undefined {
  const a = view.analysis;
  const stmt = statementOnLine(a, line);
  if (!stmt) return undefined;
  const name = stmt.kind === 'feed' ? stmt.target.name : undefined;
  return a.bindings.find((b) => b.kind === 'placeholder' && (name ? b.name === name : b.stmt === stmt));
}

function feedOf(program: AST.Program, name: string): AST.FeedStmt | undefined {
  return program.statements.find((s): s is AST.FeedStmt => s.kind === 'feed' && s.target.name === name);
}

/** The seed after the one the current feed uses (1 when it has none). */
function nextSeed(feed: AST.FeedStmt | undefined): number {
  const v = feed?.value;
  if (v?.kind !== 'call') return 1;
  const seed = v.args.find((a) => a.keyword?.name === 'seed')?.value;
  return seed?.kind === 'number' && Number.isInteger(seed.value) ? seed.value + 1 : 1;
}

export function randomiseFeedEdit(view: View, line: number): WorkspaceEdit | null {
  const a = view.analysis;
  const binding = placeholderOnLine(view, line);
  if (!binding || binding.value.kind !== 'tensor') return null;
  const node = binding.value.node;
  const fed = a.valueOf(node);
  const declared = node.type.shape;
  const shape = declared === null
    ? fed?.shape.slice() ?? [DEFAULT_SIZE]
    : declared.map((d, i) => d ?? (fed && fed.shape.length === declared.length ? fed.shape[i] : DEFAULT_SIZE));
  const feed = feedOf(a.program, binding.name);
  const seed = nextSeed(feed);
  const dims = `[${shape.join(', ')}]`;
  const generator = node.type.dtype === 'bool'
    ? `randint(0, 2, ${dims}, seed=${seed})`
    : node.type.dtype === 'int32' || node.type.dtype === 'int64'
      ? `randint(0, 10, ${dims}, seed=${seed})`
      : `uniform(${dims}, seed=${seed})`;
  const text = `feed ${binding.name} = ${generator}`;
  let edit: TextEdit;
  if (feed) {
    const range = view.range(feed.span);
    if (!range) return null;
    edit = { range, newText: text };
  } else {
    const endLine = a.lines.positionAt(binding.stmt.span.end).line;
    const at = view.position(a.lines.lineEnd(endLine));
    if (!at) return null;
    edit = { range: { start: at, end: at }, newText: `\n${text}` };
  }
  return { changes: { [view.uri]: [edit] } };
}
