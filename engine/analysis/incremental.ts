// Incremental analysis: the checkpoints an analyzer keeps before each statement, the lineage
// of analyses made from one analyzer, and which prefix of a previous analysis an edited text
// can take over.

import type * as AST from '../syntax/ast';
import { parse } from '../syntax/parser';
import { commonEnds } from '../syntax/commonEnds';
import { actsOnEarlier } from '../syntax/statements';
import { type LoadContext } from '../buildContext';
import { sameBudgets } from '../budgets';
import type { AnalysisOptions, Analysis } from './types';
import type { Analyzer } from './analyzer';

// A checkpoint: counts before a statement, to roll an analyzer back to it.
export const CP_NODES = 0;
export const CP_BINDINGS = 1;
export const CP_REFERENCES = 2;
export const CP_SITES = 3;
export const CP_CHECKS = 4;
export const CP_ASSERTS = 5;
export const CP_LABELLED = 6;
export const CP_FEEDS = 7;
/** The random ops' seed state (Builder.random): whether a global seed is set, its 32-bit
 *  value, and how many random ops were made. */
export const CP_SEEDED = 8;
export const CP_SEED = 9;
export const CP_RANDOM_OPS = 10;
export const CP_PRINTS = 11;
export const CHECKPOINT_FIELDS = 12;

/** What an analysis shares with the analyses made from it with `options.previous`: the same
 *  `owner` and `labelEpoch` mean a gradient site of both (the same object) has the same nodes,
 *  names and lines, and with the same `valueEpoch` the same values too, so what was derived
 *  from it (an explanation) still holds (one that read no value a feed edit changed, across
 *  `valueEpoch`s). */
export function analysisLineage(analysis: Analysis): { owner: object; labelEpoch: number; valueEpoch: number } | undefined {
  const made = analyzers.get(analysis);
  return made && { owner: made.analyzer, labelEpoch: made.labelEpoch, valueEpoch: made.valueEpoch };
}

/** How an analysis was made from the previous one of its lineage: the analyzer, which of its
 *  analyses this is (the previous one is `generation - 1`), and how many of its first
 *  statements it took over (the same statement objects, bindings, nodes and values; 0: built
 *  from scratch). What is derived from those statements alone (an editor's facts) can be
 *  taken over too. */
export function analysisReuse(analysis: Analysis): { owner: object; generation: number; keptStatements: number } | undefined {
  const made = analyzers.get(analysis);
  return made && { owner: made.analyzer, generation: made.generation, keptStatements: made.keptStatements };
}

/** The analyzer behind each analysis and which of its analyses it is, for `options.previous`:
 *  a hidden property rather than a WeakMap, whose ephemeron bookkeeping cost a third of a
 *  small analysis in garbage collection. */
const ANALYZER = Symbol('tgraph.analyzer');
type Lineage = { analyzer: Analyzer; generation: number; labelEpoch: number; valueEpoch: number; keptStatements: number };
export const analyzers = {
  get: (a: Analysis): Lineage | undefined => (a as unknown as { [ANALYZER]?: Lineage })[ANALYZER],
  set: (a: Analysis, l: Lineage): void => {
    Object.defineProperty(a, ANALYZER, { value: l, enumerable: false });
  },
};

/** Whether the kept statements would be built the same way under `next` (budgets, check
 *  defaults, where load() may read). */
function sameSettings(prev: AnalysisOptions, next: AnalysisOptions): boolean {
  return (
    sameBudgets(prev, next) &&
    JSON.stringify(prev.check ?? null) === JSON.stringify(next.check ?? null) &&
    JSON.stringify(loadPlace(prev)) === JSON.stringify(loadPlace(next))
  );
}

/** Where load() may read, without the files a host read for it: a text that calls load()
 *  is never reused (reusablePrefix), so their bytes need no comparing. */
function loadPlace(options: AnalysisOptions): Partial<LoadContext> | null {
  if (!options.load) return null;
  const { preloaded: _preloaded, ...place } = options.load;
  return place;
}

/** When `previous` can be taken over for `text`: its analyzer rolled back to before statement
 *  `k`, and the program of `text` (sharing the first `k` statements). */
export function reusablePrefix(
  previous: Analysis,
  text: string,
  options: AnalysisOptions,
): { a: Analyzer; k: number; program: AST.Program } | null {
  const made = analyzers.get(previous);
  if (!made || made.analyzer.generation !== made.generation) return null;
  const a = made.analyzer;
  const old = a.program;
  const oldText = a.text;
  // Where the texts first differ.
  const p = commonEnds(oldText, text).prefix;
  // Statements ending before the first difference (and not right at it: an edit may extend
  // the statement it touches) are kept; the last of them is parsed again to make sure the
  // edit did not extend it (a def's body, a continuation line).
  let k = 0;
  while (k < old.statements.length && old.statements[k].span.end < p) k++;
  // Statements that reported diagnostics while they were built are built again (their
  // diagnostics would have to be replayed otherwise): a diagnostic near the end of a file,
  // typically in the line being typed, does not cost the statements above it.
  k = Math.min(k, a.firstReportingStatement);
  // Parse errors are made anew only for the text parsed again: keep the statements before
  // the first one (a half-typed last line is the usual parse error).
  let firstParseError = Infinity;
  for (const d of a.program.diagnostics) firstParseError = Math.min(firstParseError, d.span.start);
  while (k > 0 && old.statements[k - 1].span.end + 1 > firstParseError) k--;
  if (k < 2) return null;
  if (!sameSettings(a.options, options)) return null;
  const c = a.checkpoints;
  if (c.length < (old.statements.length + 1) * CHECKPOINT_FIELDS) return null;
  const resumeAt = old.statements[k - 1].span.start;
  // load() reads a file when its statement is built: the file may have changed since.
  if (/\bload\s*\(/.test(text.slice(0, resumeAt))) return null;
  for (let i = k; i < old.statements.length; i++) if (actsOnEarlier(old.statements[i])) return null;
  // Parse the text from the last kept statement on, at its own offsets (spans need no
  // shifting), without reading what comes before.
  const rest = parse(text, { maxDepth: a.budgets.maxNestingDepth, maxTreeDepth: a.budgets.maxNestingDepth, from: resumeAt });
  const first = rest.statements[0];
  const lastKept = old.statements[k - 1];
  if (!first || first.span.start !== lastKept.span.start || first.span.end !== lastKept.span.end || first.kind !== lastKept.kind)
    return null;
  if (rest.diagnostics.some((d) => d.span.start <= lastKept.span.end)) return null;
  for (let i = 1; i < rest.statements.length; i++) if (actsOnEarlier(rest.statements[i])) return null;
  const program: AST.Program = {
    statements: [...old.statements.slice(0, k), ...rest.statements.slice(1)],
    comments: [...old.comments.filter((cm) => cm.span.end < resumeAt), ...rest.comments],
    diagnostics: rest.diagnostics,
  };
  return { a, k, program };
}

/** A previous analysis whose text differs from `text` only inside the value of one `feed`
 *  statement: its analyzer, which statement, and that statement parsed again from `text`,
 *  with what it takes to place the rest (`at`: where the old text's unchanged tail starts,
 *  `delta`: how far it moved). The graph depends on a feed's value through the evaluation
 *  alone (the placeholder's static shape is declared), so `Analyzer.refeed` keeps it. */
export interface FeedEdit {
  a: Analyzer;
  index: number;
  stmt: AST.FeedStmt;
  comments: AST.Comment[];
  at: number;
  delta: number;
}

export function feedOnlyEdit(previous: Analysis, text: string, options: AnalysisOptions): FeedEdit | null {
  const made = analyzers.get(previous);
  if (!made || made.analyzer.generation !== made.generation) return null;
  const a = made.analyzer;
  const old = a.program;
  // Only a fully built analysis that reported nothing while building: its diagnostics are
  // then all made again by the evaluation.
  if (a.firstReportingStatement !== Infinity || old.diagnostics.length > 0 || a.b.exhausted) return null;
  if (a.checkpoints.length < (old.statements.length + 1) * CHECKPOINT_FIELDS) return null;
  if (!sameSettings(a.options, options) || /\bload\s*\(/.test(text)) return null;
  const oldText = a.text;
  const { prefix: p, suffix: q } = commonEnds(oldText, text);
  const at = oldText.length - q;
  if (p === text.length && at === p) return null; // the same text
  const statements = old.statements;
  // The statement whose value holds the edit (statements are in source order).
  let lo = 0;
  let hi = statements.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (statements[mid].span.start <= p) lo = mid;
    else hi = mid - 1;
  }
  const index = lo;
  const stmt = statements[index];
  if (!stmt || stmt.kind !== 'feed' || p < stmt.value.span.start || at > stmt.value.span.end) return null;
  const delta = text.length - oldText.length;
  // Lines stay where they are: what is cached per binding while its value is the same (a
  // hover's "defined at line") names them.
  if (newlines(oldText, p, at) !== newlines(text, p, at + delta)) return null;
  // The statement parsed again, with the text up to the next statement (its comments), at
  // its own offsets: it must stay one feed of the same name, ending where the old one did.
  const nextStart = index + 1 < statements.length ? statements[index + 1].span.start : oldText.length;
  const piece = text.slice(0, nextStart + delta);
  const parsed = parse(piece, { maxDepth: a.budgets.maxNestingDepth, maxTreeDepth: a.budgets.maxNestingDepth, from: stmt.span.start });
  const fed = parsed.statements[0];
  if (parsed.diagnostics.length > 0 || parsed.statements.length !== 1 || fed.kind !== 'feed') return null;
  if (fed.target.name !== stmt.target.name || fed.span.start !== stmt.span.start || fed.span.end !== stmt.span.end + delta) return null;
  return { a, index, stmt: fed, comments: parsed.comments, at, delta };
}

function newlines(text: string, from: number, to: number): number {
  let count = 0;
  for (let i = text.indexOf('\n', from); i >= 0 && i < to; i = text.indexOf('\n', i + 1)) count++;
  return count;
}

/** Moves every position at or after `at` by `delta`: the spans of statements after an edited
 *  feed, and of what they made (nodes, bindings, references, gradient sites), which share
 *  their span objects with the tree or have their own. Each object is moved once. */
export function shiftSpans(a: Analyzer, after: number, at: number, delta: number, nodesEnd: number): void {
  if (delta === 0) return;
  const spans = new Set<{ start: number; end: number }>();
  const seen = new Set<object>();
  const walk = (v: unknown): void => {
    if (typeof v !== 'object' || v === null || seen.has(v)) return;
    seen.add(v);
    if (Array.isArray(v)) {
      for (const item of v) walk(item);
      return;
    }
    const o = v as Record<string, unknown>;
    if (typeof o.start === 'number' && typeof o.end === 'number' && Object.keys(o).length === 2) {
      spans.add(o as { start: number; end: number });
      return;
    }
    for (const key in o) walk(o[key]);
  };
  const statements = a.program.statements;
  for (let i = after + 1; i < statements.length; i++) walk(statements[i]);
  for (const c of a.program.comments) walk(c.span);
  const cp = (after + 1) * CHECKPOINT_FIELDS;
  const c = a.checkpoints;
  const nodes = a.graph.nodes;
  for (let id = c[cp + CP_NODES]; id < nodesEnd; id++) {
    walk(nodes[id].span);
    const origin = nodes[id].origin;
    if (origin.kind === 'gradient') walk(origin.call);
  }
  for (let i = c[cp + CP_BINDINGS]; i < a.bindings.length; i++) walk(a.bindings[i].span);
  for (let i = c[cp + CP_REFERENCES]; i < a.referenceSpans.length; i++) walk(a.referenceSpans[i]);
  for (let i = c[cp + CP_SITES]; i < a.b.gradientSites.length; i++) walk(a.b.gradientSites[i].span);
  for (const span of a.feedSpans.values()) walk(span);
  for (const span of spans) {
    if (span.start < at) continue;
    span.start += delta;
    span.end += delta;
  }
}
