// "Randomise feed": the edit that gives a placeholder a seeded random feed of the right
// shape. Unknown sizes (`None`) take the size fed now, or 4. An existing feed statement is
// rewritten; otherwise the feed is inserted on the line after the placeholder.

import type * as AST from '../syntax/ast';
import type { Analysis, Binding } from '../analysis';
import { statementOnLine } from './syntax';

const DEFAULT_SIZE = 4;

/** An edit of the analysed text: replace [start, end) with `newText`. */
export interface OffsetEdit {
  start: number;
  end: number;
  newText: string;
}

function placeholderOnLine(a: Analysis, line: number): Binding | undefined {
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

/** The edit that feeds the placeholder on `line` (or whose feed is on it) a fresh random
 *  value, or null when there is none. */
export function randomiseFeedEdit(a: Analysis, line: number): OffsetEdit | null {
  const binding = placeholderOnLine(a, line);
  if (!binding || binding.value.kind !== 'tensor') return null;
  const node = binding.value.node;
  const fed = a.valueOf(node);
  const declared = node.type.shape;
  const shape =
    declared === null
      ? (fed?.shape.slice() ?? [DEFAULT_SIZE])
      : declared.map((d, i) => d ?? (fed && fed.shape.length === declared.length ? fed.shape[i] : DEFAULT_SIZE));
  const feed = feedOf(a.program, binding.name);
  const seed = nextSeed(feed);
  const dims = `[${shape.join(', ')}]`;
  const generator =
    node.type.dtype === 'bool'
      ? `randint(0, 2, ${dims}, seed=${seed})`
      : node.type.dtype === 'int32' || node.type.dtype === 'int64'
        ? `randint(0, 10, ${dims}, seed=${seed})`
        : `uniform(${dims}, seed=${seed})`;
  const text = `feed ${binding.name} = ${generator}`;
  if (feed) return { start: feed.span.start, end: feed.span.end, newText: text };
  const at = a.lines.lineEnd(a.lines.positionAt(binding.stmt.span.end).line);
  return { start: at, end: at, newText: `\n${text}` };
}
