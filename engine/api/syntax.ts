// Lookups in a document's syntax tree by offset, shared by the engine API's features (hover,
// navigation, lenses, commands) and the server's completion and signature help, which read
// the current text's tree before it is analysed. Offsets are UTF-16 offsets into the text.

import type { Analysis, Binding } from '../analysis';
import * as AST from '../syntax/ast';
import { statementExpr } from '../syntax/statements';

/** A position is on a span when it is inside it or just after its last character (where the
 *  cursor sits after typing a name). */
export function touches(span: AST.Span, offset: number): boolean {
  return span.start <= offset && offset <= span.end;
}

// ---- the syntax tree ---------------------------------------------------------------------

/** The direct sub-expressions of an expression. */
export const children = AST.childExprs;

/** The expressions a statement holds directly. */
export function statementExprs(stmt: AST.Stmt): AST.Expr[] {
  return [statementExpr(stmt)];
}

/** Visits every expression under `roots` in source order. Iterative, because a chain like
 *  `a + a + ... + a` nests as deep as it is long. `visit` returning false skips the children. */
export function walk(roots: readonly AST.Expr[], visit: (e: AST.Expr) => boolean | void): void {
  const stack: AST.Expr[] = roots.slice().reverse();
  while (stack.length) {
    const e = stack.pop()!;
    if (visit(e) === false) continue;
    const kids = children(e);
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]);
  }
}

/** The statement containing `offset`, or (for offsets past the end of an unfinished
 *  statement, on its line) the last statement that starts before it. */
export function statementAt(program: AST.Program, offset: number, text?: string): AST.Stmt | undefined {
  const stmts = program.statements;
  let lo = 0;
  let hi = stmts.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (stmts[mid].span.start <= offset) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (found < 0) return undefined;
  const stmt = stmts[found];
  if (offset <= stmt.span.end) return stmt;
  // Only blanks (no line break) between the statement's end and the offset: still on it.
  if (text !== undefined && /^[ \t]*$/.test(text.slice(stmt.span.end, offset))) return stmt;
  return undefined;
}

/** The statements starting on a given 0-based line of the analysed text. */
export function statementOnLine(analysis: Analysis, line: number): AST.Stmt | undefined {
  return (
    analysis.program.statements.find((s) => analysis.lines.positionAt(s.span.start).line === line) ??
    analysis.program.statements.find((s) => {
      const a = analysis.lines.positionAt(s.span.start).line;
      const b = analysis.lines.positionAt(s.span.end).line;
      return a <= line && line <= b;
    })
  );
}

/** The innermost name expression (`x`, `reduce_sum`, `tf.float32`) at an offset. */
export function nameExprAt(stmt: AST.Stmt, offset: number): AST.NameExpr | undefined {
  let found: AST.NameExpr | undefined;
  walk(statementExprs(stmt), (e) => {
    if (!touches(e.span, offset)) return false;
    if (e.kind === 'name') found = e;
    return true;
  });
  return found;
}

const sortedReferences = new WeakMap<Analysis, Analysis['references']>();

/** The use or definition of a bound name at an offset (binary search over the analysis's
 *  references, sorted once per analysis). */
export function referenceAt(analysis: Analysis, offset: number): { span: AST.Span; binding: Binding } | undefined {
  let refs = sortedReferences.get(analysis);
  if (!refs) {
    refs = analysis.references.slice().sort((a, b) => a.span.start - b.span.start);
    sortedReferences.set(analysis, refs);
  }
  let lo = 0;
  let hi = refs.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (refs[mid].span.start <= offset) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  // The cursor may sit just after one name and just before the next: prefer the one it is in.
  for (let i = found; i >= 0 && i >= found - 2; i--) if (refs[i].span.start <= offset && offset < refs[i].span.end) return refs[i];
  for (let i = found; i >= 0 && i >= found - 2; i--) if (touches(refs[i].span, offset)) return refs[i];
  return undefined;
}

/** A parameter of a `def`/`grad` statement and its uses inside the body. */
export interface LocalName {
  name: string;
  stmt: AST.DefStmt | AST.GradStmt;
  definition: AST.Span;
  uses: AST.Span[];
}

/** A function parameter at an offset (at its declaration or a use in the body). */
export function localNameAt(stmt: AST.Stmt | undefined, offset: number): LocalName | undefined {
  if (!stmt || (stmt.kind !== 'def' && stmt.kind !== 'grad')) return undefined;
  let name: string | undefined;
  const param = stmt.params.find((p) => touches(p.span, offset));
  if (param) name = param.name;
  else {
    const e = nameExprAt(stmt, offset);
    if (e && stmt.params.some((p) => p.name === e.name && e.text === e.name)) name = e.name;
  }
  if (name === undefined) return undefined;
  const definition = stmt.params.find((p) => p.name === name)!.span;
  const uses: AST.Span[] = [];
  walk([stmt.body], (e) => {
    if (e.kind === 'name' && e.name === name && e.text === name) uses.push(e.span);
  });
  return { name, stmt, definition, uses };
}

/** The innermost call whose argument list contains the offset. A call left unclosed (the
 *  parser recovers it up to where the statement stops) extends to the cursor on its line. */
export function enclosingCall(program: AST.Program, text: string, offset: number): AST.CallExpr | undefined {
  const stmt = statementAt(program, offset, text);
  if (!stmt) return undefined;
  let found: AST.CallExpr | undefined;
  walk(statementExprs(stmt), (e) => {
    if (e.kind !== 'call') return e.span.start <= offset;
    const open = e.argsSpan.start;
    const closed = text.charCodeAt(e.argsSpan.end - 1) === 41; // ')'
    const inside = open < offset && (!closed || offset < e.argsSpan.end);
    if (inside) found = e;
    return e.span.start <= offset;
  });
  return found;
}

/** Which argument of a call the cursor is in: its position (commas before the cursor) and
 *  its keyword, if it has one. */
export function activeArgument(call: AST.CallExpr, text: string, offset: number): { index: number; keyword?: string } {
  let index = 0;
  for (let i = 0; i < call.args.length; i++) {
    const arg = call.args[i];
    if (arg.span.start <= offset && offset <= arg.span.end && (arg.keyword || arg.span.end > arg.span.start)) {
      return { index, keyword: arg.keyword && offset > arg.keyword.span.end ? arg.keyword.name : undefined };
    }
    if (arg.span.end >= offset) break;
    const next = i + 1 < call.args.length ? Math.min(call.args[i + 1].span.start, offset) : offset;
    if (text.slice(arg.span.end, next).includes(',')) index++;
  }
  return { index };
}

/** The word (name characters and dots) that ends at the offset: what is being typed. */
export function wordBefore(text: string, offset: number): { start: number; word: string } {
  let start = offset;
  while (start > 0 && /[A-Za-z0-9_.]/.test(text[start - 1])) start--;
  return { start, word: text.slice(start, offset) };
}
