// What an editor shows of a Python script (Analysis.python), as the parts of a
// DocumentSnapshot: names are the script's references (each use points at the binding version
// live there), hints add what each `print` printed, lenses sit on the statements that
// differentiate and on the `# tgraph: check` comments (their results). Colouring, the outline and folding are
// the user's Python extension's: a script gives no semantic tokens, symbols or folds.

import type { Analysis, Binding } from '../analysis';
import type { GradientSite } from '../autodiff';
import type { Span } from '../syntax/ast';
import type * as P from '../python/ast';
import { formatCheck, shortNumber } from './hover';
import { hintsOf as bindingHints } from './facts';
import type { DocumentSnapshot, HintData, LensData, NameTarget } from './snapshot';

/** A printed line longer than this is cut in its hint (the whole text is in `tgraph run`). */
const MAX_PRINT_HINT = 120;

/** Every statement of a script, compound ones before the statements they hold, in source
 *  order. Iterative: nesting is bounded by the parser, not by the stack. */
export function pythonStatements(module: P.Module): P.Stmt[] {
  const out: P.Stmt[] = [];
  const stack: P.Stmt[] = module.body.slice().reverse();
  while (stack.length) {
    const s = stack.pop()!;
    out.push(s);
    const inner: P.Stmt[] = 'body' in s ? [...s.body, ...('orelse' in s ? s.orelse : [])] : [];
    for (let i = inner.length - 1; i >= 0; i--) stack.push(inner[i]);
  }
  return out;
}

function isCompound(s: P.Stmt): boolean {
  return 'body' in s;
}

function within(outer: Span, inner: Span): boolean {
  return outer.start <= inner.start && inner.end <= outer.end;
}

/** The simple statement holding `span`, among a script's simple statements (disjoint, in
 *  source order): a binary search. */
function statementHolding(simple: readonly P.Stmt[], span: Span): P.Stmt | undefined {
  let lo = 0;
  let hi = simple.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (simple[mid].span.start <= span.start) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found >= 0 && within(simple[found].span, span) ? simple[found] : undefined;
}

/** The simple statement of a script starting on a 0-based line, else the one spanning it. */
export function pythonStatementOnLine(a: Analysis, line: number): Span | undefined {
  if (!a.python) return undefined;
  const simple = pythonStatements(a.python.module).filter((s) => !isCompound(s));
  const lineOf = (offset: number) => a.lines.positionAt(offset).line;
  const stmt =
    simple.find((s) => lineOf(s.span.start) === line) ?? simple.find((s) => lineOf(s.span.start) <= line && line <= lineOf(s.span.end));
  return stmt?.span;
}

/** The analysis a gradient site is read through: in a script, the values of the run that
 *  fetched the gradient (its feeds), else the analysis itself. */
export function siteAnalysis(a: Analysis, site: GradientSite): Analysis {
  if (!a.python) return a;
  for (let i = a.bindings.length - 1; i >= 0; i--) if (a.bindings[i].gradient === site) return a.python.explainView(a.bindings[i]);
  return a;
}

/** `x_dims = 3` needs no `→ 3`. */
function isLiteral(b: Binding): boolean {
  const s = b.stmt as P.Stmt;
  if (s.kind !== 'Assign' && s.kind !== 'AugAssign') return false;
  const v = s.value;
  return v.kind === 'Constant' || (v.kind === 'UnaryOp' && v.operand.kind === 'Constant');
}

export interface PythonFacts {
  occurrences: number[];
  lenses: LensData[];
  hints: HintData[];
}

/** Occurrences (OCC_FIELDS ints each, no semantic token), lenses and hints of a script.
 *  `bindingTarget` gives the target of every binding of the script (undefined for another
 *  binding); check and assert targets are added to `targets`. */
export function pythonFacts(a: Analysis, bindingTarget: (b: Binding) => number | undefined, targets: NameTarget[]): PythonFacts {
  const python = a.python!;
  const occurrences: number[] = [];
  const add = (span: Span, target: number) => occurrences.push(span.start, span.end, target, -1, 0);
  for (const b of a.bindings) add(b.span, bindingTarget(b)!);
  for (const r of a.references) {
    const t = bindingTarget(r.binding);
    if (t !== undefined) add(r.span, t);
  }
  for (const c of a.checks) {
    const t = targets.length;
    targets.push({ kind: 'check', name: 'check', hover: formatCheck(c), refusal: 'a check comment cannot be renamed' });
    add(c.stmt.span, t);
  }
  for (const r of a.asserts) {
    const t = targets.length;
    targets.push({
      kind: 'assert',
      name: 'assert',
      hover: `assert ${r.passed ? 'passed ✓' : 'FAILED ✗'}${r.passed ? '' : `\n\n${r.message}`}`,
      refusal: '`assert` is a keyword and cannot be renamed',
    });
    add({ start: r.stmt.span.start, end: r.stmt.span.start + 'assert'.length }, t);
  }
  return { occurrences, lenses: lensesOf(a, python.module), hints: hintsOf(a) };
}

function lensesOf(a: Analysis, module: P.Module): LensData[] {
  const lenses: LensData[] = [];
  const simple = pythonStatements(module).filter((s) => !isCompound(s));
  const seen = new Set<number>();
  for (const site of a.gradientSites) {
    const stmt = statementHolding(simple, site.span);
    if (!stmt || seen.has(stmt.span.start)) continue;
    seen.add(stmt.span.start);
    const at = stmt.span.start;
    // (a script's gradients are checked by `# tgraph: check gradients(...)` comments, whose
    // results get lenses below)
    lenses.push(
      { offset: at, title: 'Compute gradients', command: 'computeGradients' },
      { offset: at, title: 'Explain sum', command: 'explainSum' },
    );
  }
  for (const c of a.checks) {
    const title = c.passed
      ? `check passed ✓ · max err ${shortNumber(c.maxAbsError)}`
      : `check FAILED ✗${c.worst ? ` at ${c.worst.x}` : ''}`;
    lenses.push({ offset: c.stmt.span.start, title, command: null });
  }
  return lenses.sort((x, y) => x.offset - y.offset);
}

function hintsOf(a: Analysis): HintData[] {
  const hints = bindingHints(a, isLiteral);
  // What each print printed, at the end of its line; a print that ran several times (in a
  // loop) shows each output in order.
  const printed = new Map<number, string>();
  for (const p of a.python?.prints ?? []) {
    const at = a.lines.lineEnd(a.lines.positionAt(p.span.end).line);
    const before = printed.get(at);
    if (before !== undefined && before.length > MAX_PRINT_HINT) continue;
    const text = p.text
      .slice(0, MAX_PRINT_HINT * 4)
      .replace(/\s*\n\s*/g, ' ')
      .trim();
    printed.set(at, before === undefined ? text : `${before} | ${text}`);
  }
  for (const [offset, text] of printed) {
    const label = text.length > MAX_PRINT_HINT ? text.slice(0, MAX_PRINT_HINT - 1) + '…' : text;
    hints.push({ offset, label: `▷ ${label}`, kind: 'value' });
  }
  return hints.sort((x, y) => x.offset - y.offset);
}

/** The parts of a script's snapshot that a .tgraph file fills from its syntax tree. */
export function pythonOutline(): Pick<DocumentSnapshot, 'symbols' | 'folding'> {
  return { symbols: [], folding: { statements: [], commentRuns: [] } };
}
