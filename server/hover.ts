// Hover: a lookup in the latest published snapshot (the worker computed every hover's
// markdown), never an evaluation. While a newer version of the text is being analysed the
// hover says its values are from the previous version.

// Types only: the CLI's `hover` command uses this file without loading the LSP library.
import type { Hover, Position } from 'vscode-languageserver';
import { EXPLANATION_PENDING, OCC_END, OCC_FIELDS, OCC_START, OCC_TARGET, occurrenceAt } from '../engine/api/snapshot';
import type { View } from './positions';

export const STALE_NOTE = '_(values from the previous version of the text: the current one is being analysed)_';

/** The target under a position whose hover still waits for its explanation. */
export function unexplainedTarget(view: View, position: Position): number | undefined {
  const offset = view.offsetAt(position);
  if (offset === null) return undefined;
  const i = occurrenceAt(view.snapshot.occurrences, offset);
  if (i < 0) return undefined;
  const target = view.snapshot.occurrences[i * OCC_FIELDS + OCC_TARGET];
  return view.snapshot.targets[target]?.hover.includes(EXPLANATION_PENDING) ? target : undefined;
}

export function hover(view: View, position: Position, pending: boolean): Hover | null {
  const offset = view.offsetAt(position);
  if (offset === null) return null;
  const { occurrences, targets } = view.snapshot;
  const i = occurrenceAt(occurrences, offset);
  if (i < 0) return null;
  const at = i * OCC_FIELDS;
  const target = targets[occurrences[at + OCC_TARGET]];
  if (!target?.hover) return null;
  const span = target.hoverSpan ?? { start: occurrences[at + OCC_START], end: occurrences[at + OCC_END] };
  const stale = pending && (target.kind === 'binding' || target.kind === 'check' || target.kind === 'assert');
  return {
    contents: { kind: 'markdown', value: stale ? `${target.hover}\n\n${STALE_NOTE}` : target.hover },
    range: view.range(span) ?? undefined,
  };
}
