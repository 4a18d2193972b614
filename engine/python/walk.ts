// Walks over a user's Python values (their text, their tensor form, what they hold) are
// bounded. Python lists and tuples share their items: `x = [x, x]` twenty times is twenty
// small objects and a million items once expanded, and `x.append(x)` makes a list that holds
// itself. A walk that expands a value as a tree must count what it visits and know which
// containers it is inside of; one that needs an answer per object must memoise it.

import type { Span } from '../syntax/ast';
import { BuildError } from '../builder';
import { formatCount, raiseHint } from '../budgets';
import { expandedTreeSize } from '../treeSize';
import { PyDict, PyList, PyTuple, type PyValue } from './values';

/** The containers a walk is inside of (a cycle is met when it enters one of them again) and
 *  the items it has visited, against a budget. */
export class ValueWalk {
  private visits = 0;
  private readonly open = new Set<object>();

  constructor(readonly maxVisits: number) {}

  /** Counts one visit; false once the budget is spent. */
  step(): boolean {
    return ++this.visits <= this.maxVisits;
  }

  get exhausted(): boolean {
    return this.visits > this.maxVisits;
  }

  /** Enters a container; false when the walk is already inside it (it holds itself). */
  enter(container: object): boolean {
    if (this.open.has(container)) return false;
    this.open.add(container);
    return true;
  }

  leave(container: object): void {
    this.open.delete(container);
  }
}

/** The items a list, tuple or dict holds (a dict's keys and values), for walks over them. */
export function containedItems(v: PyValue): readonly PyValue[] | null {
  if (v instanceof PyList || v instanceof PyTuple) return v.items;
  if (v instanceof PyDict) {
    const out: PyValue[] = [];
    for (const e of v.entries.values()) out.push(e.key, e.value);
    return out;
  }
  return null;
}

/** How many items a value holds once its lists, tuples and dicts are expanded as a tree (a
 *  shared one counted as often as it appears, each container one item too); Infinity when it
 *  holds itself. Past `limit` it stops and answers a number above it. */
export function expandedSize(root: PyValue, limit = Infinity): number {
  return expandedTreeSize(root, containedItems, true, limit);
}

/** Whether lists, tuples or dicts nest more than `limit` deep in `v`, expanded as a tree (for
 *  a value whose expanded size is bounded). */
export function nestedDeeperThan(v: PyValue, limit: number): boolean {
  const stack: [PyValue, number][] = [[v, 0]];
  while (stack.length) {
    const [x, depth] = stack.pop()!;
    const items = containedItems(x);
    if (!items) continue;
    if (depth >= limit) return true;
    for (const item of items) stack.push([item, depth + 1]);
  }
  return false;
}

/** Whether `test` holds for a value or anything it holds, each distinct container looked at
 *  once. */
export function anyContained(root: PyValue, test: (v: PyValue) => boolean): boolean {
  const seen = new Set<object>();
  const pending: PyValue[] = [root];
  while (pending.length) {
    const v = pending.pop()!;
    if (test(v)) return true;
    const items = containedItems(v);
    if (!items || typeof v !== 'object' || v === null || seen.has(v)) continue;
    seen.add(v);
    for (const item of items) pending.push(item);
  }
  return false;
}

/** How deep a structure the walks after checkExpandable (which recurse, as TensorFlow's nest
 *  does) may go: Python's default recursion limit, past which TensorFlow's own walk raises
 *  RecursionError. */
export const MAX_STRUCTURE_DEPTH = 1000;

/** Refuses, with a diagnostic at `span`, a list or tuple that a walk would expand past
 *  `maxItems` items (or for ever: one that holds itself), or nest past MAX_STRUCTURE_DEPTH
 *  (a list nested 5,000 deep within the size overflowed sess.run's walk of its fetches). */
export function checkExpandable(v: PyValue, span: Span, maxItems: number, what: string): void {
  if (!(v instanceof PyList || v instanceof PyTuple || v instanceof PyDict)) return;
  const size = expandedSize(v, maxItems + 1) - 1;
  if (size <= maxItems) {
    if (!nestedDeeperThan(v, MAX_STRUCTURE_DEPTH)) return;
    throw new BuildError(
      `RecursionError: ${what}: this ${v.typeName} nests more than ${formatCount(MAX_STRUCTURE_DEPTH)} deep, past Python's recursion limit, where TensorFlow's walk of it stops`,
      span,
      'too-deep',
    );
  }
  throw new BuildError(
    size === Infinity
      ? `${what}: this ${v.typeName} holds itself (or a list in it does), so it has no end`
      : `${what}: this ${v.typeName} holds more than ${formatCount(maxItems)} items once its nested lists are expanded ${raiseHint('maxElements')}`,
    span,
    'budget-elements',
  );
}
