// Python text → the typed tree of ast.ts. The syntax is read by @lezer/python (the Lezer
// grammar CodeMirror uses: error-tolerant, exact offsets, no recursion in the parser); this
// file converts its concrete tree into ours, one statement at a time (the expressions in
// convertExpressions.ts):
//
// - A statement that does not parse (an error node inside it, or a missing separator next to
//   it: `x = 1 y = 2`) becomes `Unparsed`, and its first error one of the module's
//   `syntaxErrors` (syntaxErrors.ts words it): Python would refuse the whole script, tgraph
//   leaves out the broken statements, says where, and evaluates the rest.
// - The grammar reads `1.` (a float with nothing after the point) as the attribute access
//   `1.<missing name>`, and `1.e-3` as `1.e - 3`: a node whose whole text is a Python float
//   literal is that float.
// - Parsing stops at a deadline (error recovery on pages of garbage is slow); the rest of the
//   file is then `truncatedAt`.
// - Conversion is recursive: a statement deeper than `maxDepth` becomes `TooDeep`.

import { parser } from '@lezer/python';
import type { SyntaxNode, Tree } from '@lezer/common';
import * as P from './ast';
import { ExpressionConverter, TooDeepSignal, childrenOf, joinSpans, span } from './convertExpressions';
import { deeperLineFollows, indentOf, indentationError, printStatementError, syntaxErrorAt } from './syntaxErrors';

export interface ParseOptions {
  /** Deepest expression or statement nesting converted (tgraph.maxNestingDepth). */
  maxDepth?: number;
  /** Milliseconds since the epoch after which parsing stops where it is. */
  deadline?: number;
}

/** Parses `text`. Never throws on any input. */
export function parsePython(source: string, options: ParseOptions = {}): P.Module {
  const text = withoutByteOrderMark(source);
  const { tree, stoppedAt } = parseTree(text, options.deadline);
  const converter = new Converter(text, options.maxDepth ?? 200);
  const body: P.Stmt[] = [];
  const top = childrenOf(tree.topNode).filter((n) => stoppedAt === null || n.from < stoppedAt);
  converter.statementList(top, body, 0);
  return {
    body,
    checks: checkComments(text, tree, converter),
    truncatedAt: stoppedAt,
    syntaxErrors: converter.syntaxErrors.sort((a, b) => a.span.start - b.span.start),
  };
}

/** CPython reads a UTF-8 byte order mark at the start of a file as nothing (an editor saved
 *  it); the grammar reads it as a name, and the script's first line was lost. It becomes a
 *  line break: one character for one, so every offset stays the same. */
function withoutByteOrderMark(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? '\n' + text.slice(1) : text;
}

function parseTree(text: string, deadline: number | undefined): { tree: Tree; stoppedAt: number | null } {
  if (deadline === undefined) return { tree: parser.parse(text), stoppedAt: null };
  const parse = parser.startParse(text);
  let stoppedAt: number | null = null;
  for (let steps = 0; ; steps++) {
    const tree = parse.advance();
    if (tree) return { tree, stoppedAt };
    if ((steps & 255) === 0 && stoppedAt === null && Date.now() > deadline) {
      stoppedAt = parse.parsedPos;
      parse.stopAt(stoppedAt);
    }
  }
}

class Converter extends ExpressionConverter {
  // ---- statements ---------------------------------------------------------------------------

  readonly syntaxErrors: P.SyntaxErrorNote[] = [];

  /** Converts a sequence of sibling statement nodes (a file's, a block's) into `out`. A
   *  zero-length error node between two of them is a missing line break: both statements
   *  are on the broken line, and neither is evaluated. */
  statementList(siblings: readonly SyntaxNode[], out: P.Stmt[], depth: number): void {
    // `a = 1; b = 2 c = 3`: the missing break is the group's last child, `c` the next sibling.
    const nodes = siblings.flatMap((n) => (n.name === 'StatementGroup' ? childrenOf(n).filter((c) => c.name !== ';') : [n]));
    const statementAt = (from: number, step: number): number => {
      let i = from;
      while (i >= 0 && i < nodes.length && (nodes[i].name === 'Comment' || nodes[i].type.isError)) i += step;
      return i;
    };
    // The grammar takes a statement indented unlike its block's first as part of the block
    // (or leaves a missing separator before it); Python refuses it.
    const firstStatement = statementAt(0, 1);
    const blockIndent = depth === 0 ? '' : firstStatement < nodes.length ? indentOf(this.text, nodes[firstStatement].from) : null;
    const misindented = (n: SyntaxNode): boolean => {
      const indent = n.type.isError || n.name === 'Comment' ? null : indentOf(this.text, n.from);
      return indent !== null && blockIndent !== null && indent !== blockIndent;
    };
    const broken = new Map<number, SyntaxNode>();
    nodes.forEach((n, i) => {
      if (!n.type.isError || n.from < n.to) return;
      const before = statementAt(i - 1, -1);
      const after = statementAt(i + 1, 1);
      if (after < nodes.length && misindented(nodes[after])) return;
      // At a block's end, before a line indented deeper than the block: that line's indent is
      // the error (the enclosing block says so), not this statement.
      if (after >= nodes.length && blockIndent !== null && deeperLineFollows(this.text, n.to, blockIndent)) return;
      if (before >= 0 && !broken.has(before)) broken.set(before, n);
      if (after < nodes.length) broken.set(after, n);
    });
    const reported = new Set<SyntaxNode>();
    const place = (n: SyntaxNode, i: number): void => {
      if (misindented(n)) {
        this.syntaxErrors.push(indentationError(this.text, n, blockIndent ?? ''));
        out.push({ kind: 'Unparsed', span: span(n), binds: this.apparentBindings(n) });
        return;
      }
      const error = broken.get(i);
      if (!error) return this.statementInto(n, out, depth);
      if (!reported.has(error)) {
        reported.add(error);
        this.syntaxErrors.push(syntaxErrorAt(this.text, error));
      }
      out.push({ kind: 'Unparsed', span: span(n), binds: this.apparentBindings(n) });
    };
    nodes.forEach((n, i) => {
      const before = { statements: out.length, errors: this.syntaxErrors.length };
      place(n, i);
      this.joinStrayTokens(out, before);
    });
  }

  /** Past a few thousand nested brackets the grammar gives up and leaves every closing one a
   *  statement of its own: one line made 31,140 notes and as many errors. A statement left
   *  out that binds nothing, right after one left out on the same line, joins it with no
   *  error of its own (CPython stops at the first error). */
  private joinStrayTokens(out: P.Stmt[], before: { statements: number; errors: number }): void {
    if (out.length !== before.statements + 1 || before.statements === 0) return;
    const previous = out[before.statements - 1];
    const added = out[before.statements];
    if (previous.kind !== 'Unparsed' || added.kind !== 'Unparsed' || added.binds.length > 0) return;
    if (!/^[ \t]*$/.test(this.text.slice(previous.span.end, added.span.start))) return;
    previous.span = { start: previous.span.start, end: Math.max(previous.span.end, added.span.end) };
    out.length = before.statements;
    this.syntaxErrors.length = before.errors;
  }

  /** Converts the statement node `n` into `out`. */
  private statementInto(n: SyntaxNode, out: P.Stmt[], depth: number): void {
    const name = n.name;
    if (name === 'Comment') return;
    if (n.type.isError) {
      // A missing token between statements is statementList's; a stray one is reported here.
      if (n.from < n.to) {
        this.syntaxErrors.push(syntaxErrorAt(this.text, n));
        out.push({ kind: 'Unparsed', span: span(n), binds: [] });
      }
      return;
    }
    if (name === 'PrintStatement') {
      this.syntaxErrors.push(printStatementError(this.text, n));
      out.push({ kind: 'Unparsed', span: span(n), binds: [] });
      return;
    }
    const compound = COMPOUND.has(name);
    const error = this.firstError(n, !compound);
    if (error) {
      this.syntaxErrors.push(syntaxErrorAt(this.text, error));
      out.push({ kind: 'Unparsed', span: span(n), binds: this.apparentBindings(n) });
      return;
    }
    const saved = this.depth;
    this.depth = depth;
    try {
      out.push(this.statement(n, depth));
    } catch (e) {
      if (!(e instanceof TooDeepSignal)) throw e;
      out.push({ kind: 'TooDeep', span: span(n), at: e.at, binds: this.apparentBindings(n) });
    } finally {
      this.depth = saved;
    }
  }

  private block(body: SyntaxNode | null, depth: number): P.Stmt[] {
    const out: P.Stmt[] = [];
    if (!body) return out;
    if (depth > this.maxDepth) throw new TooDeepSignal(span(body));
    this.statementList(
      childrenOf(body).filter((c) => c.name !== ':'),
      out,
      depth + 1,
    );
    return out;
  }

  private statement(n: SyntaxNode, depth: number): P.Stmt {
    const s = span(n);
    const kids = childrenOf(n);
    switch (n.name) {
      case 'AssignStatement':
        return this.assign(n, kids);
      case 'UpdateStatement': {
        const opAt = kids.findIndex((k) => k.name === 'UpdateOp');
        const opText = this.src(kids[opAt]);
        return {
          kind: 'AugAssign',
          span: s,
          target: this.exprList(kids.slice(0, opAt)),
          op: opText.slice(0, -1) as P.BinaryOperator,
          opSpan: span(kids[opAt]),
          value: this.exprList(kids.slice(opAt + 1)),
        };
      }
      case 'ExpressionStatement':
        return { kind: 'Expr', span: s, value: this.exprList(kids) };
      case 'PassStatement':
        return { kind: 'Pass', span: s };
      case 'BreakStatement':
        return { kind: 'Break', span: s };
      case 'ContinueStatement':
        return { kind: 'Continue', span: s };
      case 'ReturnStatement':
        return { kind: 'Return', span: s, value: kids.length > 1 ? this.exprList(kids.slice(1)) : null };
      case 'DeleteStatement':
        return { kind: 'Delete', span: s, targets: this.commaGroups(kids.slice(1)).map((g) => this.exprList(g)) };
      case 'AssertStatement': {
        const groups = this.commaGroups(kids.slice(1));
        return { kind: 'Assert', span: s, test: this.exprList(groups[0] ?? []), msg: groups[1] ? this.exprList(groups[1]) : null };
      }
      case 'ImportStatement':
        return this.importStatement(n, kids);
      case 'IfStatement':
        return this.ifStatement(kids, 0, depth, s);
      case 'WhileStatement': {
        const bodies = kids.filter((k) => k.name === 'Body');
        return {
          kind: 'While',
          span: s,
          test: this.expr(kids[1]),
          body: this.block(bodies[0], depth),
          orelse: this.block(bodies[1] ?? null, depth),
        };
      }
      case 'ForStatement': {
        const isAsync = kids[0].name === 'async';
        const forAt = kids.findIndex((k) => k.name === 'for');
        const inAt = kids.findIndex((k) => k.name === 'in');
        const bodyAt = kids.findIndex((k) => k.name === 'Body');
        const bodies = kids.filter((k) => k.name === 'Body');
        return {
          kind: 'For',
          span: s,
          target: this.exprList(kids.slice(forAt + 1, inAt)),
          iter: this.exprList(kids.slice(inAt + 1, bodyAt)),
          body: this.block(bodies[0], depth),
          orelse: this.block(bodies[1] ?? null, depth),
          async: isAsync,
        };
      }
      case 'WithStatement': {
        const isAsync = kids[0].name === 'async';
        const bodyAt = kids.findIndex((k) => k.name === 'Body');
        const withAt = kids.findIndex((k) => k.name === 'with');
        const items: P.WithItem[] = this.commaGroups(kids.slice(withAt + 1, bodyAt)).map((g) => {
          const asAt = g.findIndex((k) => k.name === 'as');
          return asAt < 0
            ? { context: this.exprList(g), target: null }
            : { context: this.exprList(g.slice(0, asAt)), target: this.exprList(g.slice(asAt + 1)) };
        });
        return { kind: 'With', span: s, items, body: this.block(kids[bodyAt], depth), async: isAsync };
      }
      case 'FunctionDefinition':
        return this.functionDef(n, kids, [], depth);
      case 'ClassDefinition':
        return this.classDef(kids, [], depth, s);
      case 'DecoratedStatement': {
        const decorators = kids.filter((k) => k.name === 'Decorator').map((d) => this.decorator(d));
        const def = kids[kids.length - 1];
        const defKids = childrenOf(def);
        if (def.name === 'FunctionDefinition') {
          const f = this.functionDef(def, defKids, decorators, depth);
          return { ...f, span: s };
        }
        return this.classDef(defKids, decorators, depth, s);
      }
      case 'TryStatement':
        return { kind: 'UnsupportedStmt', span: s, what: '`try`', binds: this.apparentBindings(n) };
      case 'RaiseStatement':
        return { kind: 'UnsupportedStmt', span: s, what: '`raise`', binds: [] };
      case 'ScopeStatement':
        return {
          kind: 'UnsupportedStmt',
          span: s,
          what: `\`${kids[0].name}\``,
          binds: kids.filter((k) => k.name === 'VariableName').map((k) => this.name(k)),
        };
      case 'MatchStatement':
        return { kind: 'UnsupportedStmt', span: s, what: '`match`', binds: this.apparentBindings(n) };
      case 'TypeDefinition':
        return { kind: 'UnsupportedStmt', span: s, what: '`type` aliases', binds: [] };
      case 'YieldStatement':
        return { kind: 'UnsupportedStmt', span: s, what: '`yield`', binds: [] };
      default:
        return { kind: 'UnsupportedStmt', span: s, what: n.name, binds: [] };
    }
  }

  private assign(n: SyntaxNode, kids: SyntaxNode[]): P.Stmt {
    // expressions (TypeDef? (= value)+ | TypeDef): split at each `=`.
    const groups: SyntaxNode[][] = [[]];
    let annotated = false;
    for (const k of kids) {
      if (k.name === 'AssignOp') groups.push([]);
      else if (k.name === 'TypeDef') annotated = true;
      else groups[groups.length - 1].push(k);
    }
    if (groups.length === 1) {
      // `x: int` alone declares nothing at run time.
      return annotated ? { kind: 'Pass', span: span(n) } : { kind: 'Expr', span: span(n), value: this.exprList(groups[0]) };
    }
    const values = groups.map((g) => this.exprList(g));
    return { kind: 'Assign', span: span(n), targets: values.slice(0, -1), value: values[values.length - 1] };
  }

  private ifStatement(kids: SyntaxNode[], from: number, depth: number, s: P.Span): P.If {
    // kids[from] is `if` or `elif`: test, Body, then elif/else.
    const test = this.expr(kids[from + 1]);
    const body = this.block(kids[from + 2], depth);
    const next = kids[from + 3];
    let orelse: P.Stmt[] = [];
    if (next && next.name === 'elif') orelse = [this.ifStatement(kids, from + 3, depth, { start: next.from, end: s.end })];
    else if (next && next.name === 'else') orelse = this.block(kids[from + 4], depth);
    return { kind: 'If', span: s, test, body, orelse };
  }

  private functionDef(n: SyntaxNode, kids: SyntaxNode[], decorators: P.Expr[], depth: number): P.FunctionDef {
    const nameNode = kids.find((k) => k.name === 'VariableName')!;
    const params = kids.find((k) => k.name === 'ParamList');
    const body = kids.find((k) => k.name === 'Body') ?? null;
    return {
      kind: 'FunctionDef',
      span: span(n),
      name: this.src(nameNode),
      nameSpan: span(nameNode),
      params: params ? this.params(childrenOf(params)) : [],
      body: this.block(body, depth),
      decorators,
      async: kids[0].name === 'async',
    };
  }

  private classDef(kids: SyntaxNode[], decorators: P.Expr[], depth: number, s: P.Span): P.ClassDef {
    const nameNode = kids.find((k) => k.name === 'VariableName')!;
    const args = kids.find((k) => k.name === 'ArgList');
    const body = kids.find((k) => k.name === 'Body') ?? null;
    return {
      kind: 'ClassDef',
      span: s,
      name: this.src(nameNode),
      nameSpan: span(nameNode),
      bases: args ? this.callArguments(args).args : [],
      body: this.block(body, depth),
      decorators,
    };
  }

  private decorator(d: SyntaxNode): P.Expr {
    const kids = childrenOf(d).filter((k) => k.name !== 'At');
    let e: P.Expr | null = null;
    for (const k of kids) {
      if (k.name === 'VariableName') {
        const nm = this.name(k);
        e = e ? { kind: 'Attribute', span: joinSpans(e.span, nm.span), value: e, attr: nm.id, attrSpan: nm.span } : nm;
      } else if (k.name === 'ArgList' && e) {
        const { args, keywords } = this.callArguments(k);
        e = { kind: 'Call', span: joinSpans(e.span, span(k)), func: e, args, keywords, argsSpan: span(k) };
      }
    }
    return e ?? { kind: 'UnsupportedExpr', span: span(d), what: 'this decorator' };
  }

  private importStatement(n: SyntaxNode, kids: SyntaxNode[]): P.Stmt {
    const s = span(n);
    if (kids[0].name === 'import') return { kind: 'Import', span: s, names: this.aliases(kids.slice(1)) };
    // `from` dots and a dotted name, `import`, then `*`, parenthesised names or names
    const importAt = kids.findIndex((k) => k.name === 'import');
    let level = 0;
    const moduleParts: string[] = [];
    for (const k of kids.slice(1, importAt)) {
      if (k.name === 'VariableName') moduleParts.push(this.src(k));
      else if (moduleParts.length > 0)
        continue; // the dots between a dotted name's parts
      else if (k.name === '.') level++;
      else if (k.name === 'Ellipsis' || k.name === '...') level += 3;
    }
    const rest = kids.slice(importAt + 1).filter((k) => k.name !== '(' && k.name !== ')');
    const star = rest.length === 1 && rest[0].name === '*';
    return {
      kind: 'ImportFrom',
      span: s,
      module: moduleParts.length ? moduleParts.join('.') : null,
      level,
      names: star ? [] : this.aliases(rest),
      star,
    };
  }

  /** `a.b as c, d` → aliases. */
  private aliases(kids: SyntaxNode[]): P.Alias[] {
    return this.commaGroups(kids)
      .filter((g) => g.length > 0)
      .map((g) => {
        const asAt = g.findIndex((k) => k.name === 'as');
        const dotted = (asAt < 0 ? g : g.slice(0, asAt)).filter((k) => k.name === 'VariableName').map((k) => this.src(k));
        const asname = asAt >= 0 ? this.src(g[asAt + 1]) : null;
        return { name: dotted.join('.'), asname, span: { start: g[0].from, end: g[g.length - 1].to } };
      });
  }

  /** The names a statement appears to bind, read from its syntax without converting it (for
   *  statements that are not evaluated: those names become unknown). */
  apparentBindings(n: SyntaxNode): P.Name[] {
    const out: P.Name[] = [];
    const visit = (node: SyntaxNode) => {
      const kids = childrenOf(node);
      switch (node.name) {
        case 'AssignStatement':
        case 'UpdateStatement': {
          const last = kids.map((k) => k.name).lastIndexOf(node.name === 'AssignStatement' ? 'AssignOp' : 'UpdateOp');
          for (const k of kids.slice(0, Math.max(0, last))) this.targetNames(k, out);
          return;
        }
        case 'FunctionDefinition':
        case 'ClassDefinition': {
          const nm = kids.find((k) => k.name === 'VariableName');
          if (nm) out.push(this.name(nm));
          return;
        }
        case 'ImportStatement': {
          const asNames = kids.filter((k, i) => k.name === 'VariableName' && kids[i - 1]?.name === 'as');
          if (asNames.length) for (const k of asNames) out.push(this.name(k));
          else {
            const first = kids.find((k) => k.name === 'VariableName');
            if (first && kids[0].name === 'import') out.push(this.name(first));
          }
          return;
        }
        case 'ForStatement': {
          const inAt = kids.findIndex((k) => k.name === 'in');
          for (const k of kids.slice(1, Math.max(1, inAt))) this.targetNames(k, out);
          break;
        }
        case 'WithStatement':
        case 'TryStatement':
          kids.forEach((k, i) => {
            if (k.name === 'VariableName' && kids[i - 1]?.name === 'as') out.push(this.name(k));
          });
          break;
      }
      for (const k of kids) if (k.name === 'Body' || STATEMENT_NAMES.has(k.name)) visit(k);
    };
    visit(n);
    return out;
  }

  private targetNames(k: SyntaxNode, out: P.Name[]): void {
    if (k.name === 'VariableName') out.push(this.name(k));
    else if (k.name === 'TupleExpression' || k.name === 'ArrayExpression' || k.name === 'ParenthesizedExpression') {
      for (const c of childrenOf(k)) this.targetNames(c, out);
    }
  }
}

const COMPOUND = new Set([
  'IfStatement',
  'WhileStatement',
  'ForStatement',
  'WithStatement',
  'FunctionDefinition',
  'ClassDefinition',
  'DecoratedStatement',
  'TryStatement',
  'MatchStatement',
]);
const STATEMENT_NAMES = new Set([...COMPOUND, 'AssignStatement', 'UpdateStatement', 'ImportStatement', 'StatementGroup']);

// ---- `# tgraph: check gradients(...)` ---------------------------------------------------------

const CHECK_COMMENT = /#\s*tgraph:\s*check\s+/g;

/** `name(...)` at the start of `text`, to its matching parenthesis (strings skipped), or
 *  the whole text when it has none. */
function balancedCall(text: string): string {
  let depth = 0;
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      if (--depth === 0) return text.slice(0, i + 1);
    }
  }
  return text;
}

/** `node` with every span in it moved by `offset` (a small tree: a comment's call). */
function shiftSpans<T>(node: T, offset: number): T {
  const seen = new Set<object>();
  const visit = (o: unknown): void => {
    if (o === null || typeof o !== 'object' || seen.has(o)) return;
    seen.add(o);
    const rec = o as Record<string, unknown>;
    if (typeof rec.start === 'number' && typeof rec.end === 'number' && Object.keys(rec).length === 2) {
      rec.start = (rec.start as number) + offset;
      rec.end = (rec.end as number) + offset;
      return;
    }
    for (const k of Object.keys(rec)) visit(rec[k]);
  };
  visit(node);
  return node;
}

function checkComments(text: string, tree: Tree, converter: Converter): P.CheckComment[] {
  const out: P.CheckComment[] = [];
  CHECK_COMMENT.lastIndex = 0;
  for (let m = CHECK_COMMENT.exec(text); m && out.length < 10_000; m = CHECK_COMMENT.exec(text)) {
    const node = tree.resolveInner(m.index, 1);
    if (node.name !== 'Comment' || node.from !== m.index) continue;
    const callStart = m.index + m[0].length;
    // The call (up to its closing parenthesis: a note may follow it) is parsed on its own
    // and its spans moved to where it is in the file.
    const callText = balancedCall(text.slice(callStart, node.to));
    const sub = parser.parse(callText);
    const own = new Converter(callText, converter.maxDepth);
    let call: P.Call | null = null;
    const stmt = sub.topNode.firstChild;
    const first = stmt?.firstChild;
    if (
      stmt &&
      first &&
      stmt.name === 'ExpressionStatement' &&
      first.name === 'CallExpression' &&
      !stmt.nextSibling &&
      !own.hasError(stmt)
    ) {
      try {
        const e = own.expr(first);
        if (e.kind === 'Call') call = shiftSpans(e, callStart);
      } catch (e) {
        if (!(e instanceof TooDeepSignal)) throw e;
      }
    }
    out.push({ kind: 'CheckComment', span: span(node), call });
  }
  return out;
}
