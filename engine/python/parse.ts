// Python text → the typed tree of ast.ts. The syntax is read by @lezer/python (the Lezer
// grammar CodeMirror uses: error-tolerant, exact offsets, no recursion in the parser); this
// file converts its concrete tree into ours, one statement at a time:
//
// - A statement that does not parse (an error node inside it) becomes `Unparsed`: Python's
//   own tooling reports syntax errors, tgraph only leaves the statement out.
// - The grammar reads `1.` (a float with nothing after the point) as the attribute access
//   `1.<missing name>`, and `1.e-3` as `1.e - 3`: a node whose whole text is a Python float
//   literal is that float.
// - Parsing stops at a deadline (error recovery on pages of garbage is slow); the rest of the
//   file is then `truncatedAt`.
// - Conversion is recursive: a statement deeper than `maxDepth` becomes `TooDeep`.

import { parser } from '@lezer/python';
import type { SyntaxNode, Tree } from '@lezer/common';
import * as P from './ast';

export interface ParseOptions {
  /** Deepest expression or statement nesting converted (tgraph.maxNestingDepth). */
  maxDepth?: number;
  /** Milliseconds since the epoch after which parsing stops where it is. */
  deadline?: number;
}

const FLOAT_LITERAL = /^(?:\d[\d_]*\.(?:\d[\d_]*)?(?:[eE][+-]?\d[\d_]*)?|\.\d[\d_]*(?:[eE][+-]?\d[\d_]*)?|\d[\d_]*[eE][+-]?\d[\d_]*)$/;
/** `1.` as the grammar sees it: a member access whose name is missing. */
const TRAILING_DOT_FLOAT = /^\d[\d_]*\.$/;

class TooDeepSignal {
  constructor(readonly at: P.Span) {}
}

/** Parses `text`. Never throws on any input. */
export function parsePython(text: string, options: ParseOptions = {}): P.Module {
  const { tree, stoppedAt } = parseTree(text, options.deadline);
  const converter = new Converter(text, options.maxDepth ?? 200);
  const body: P.Stmt[] = [];
  for (let n = tree.topNode.firstChild; n; n = n.nextSibling) {
    if (stoppedAt !== null && n.from >= stoppedAt) break;
    converter.statements(n, body, 0);
  }
  return { body, checks: checkComments(text, tree, converter), truncatedAt: stoppedAt };
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

/** The children of a node (anonymous grouping nodes are looked through). */
function childrenOf(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) out.push(c);
  return out;
}

function span(n: { from: number; to: number }): P.Span {
  return { start: n.from, end: n.to };
}

function joinSpans(a: P.Span, b: P.Span): P.Span {
  return { start: a.start, end: b.end };
}

class Converter {
  constructor(
    readonly text: string,
    readonly maxDepth: number,
  ) {}

  private depth = 0;

  private src(n: { from: number; to: number }): string {
    return this.text.slice(n.from, n.to);
  }

  /** Whether the node holds a syntax error (not counting the grammar's reading of `1.`),
   *  looking into Body nodes only when `intoBodies`. */
  hasError(node: SyntaxNode, intoBodies = false): boolean {
    if (node.type.isError) return !this.isTrailingDotFloatError(node);
    const cursor = node.cursor();
    if (!cursor.firstChild()) return false;
    let depth = 1;
    for (;;) {
      if (cursor.type.isError && !this.isTrailingDotFloatError(cursor.node)) return true;
      if ((intoBodies || cursor.name !== 'Body') && cursor.firstChild()) {
        depth++;
        continue;
      }
      while (!cursor.nextSibling()) {
        if (!cursor.parent() || --depth === 0) return false;
      }
    }
  }

  private isTrailingDotFloatError(error: SyntaxNode): boolean {
    const parent = error.parent;
    return (
      error.from === error.to &&
      parent !== null &&
      parent.name === 'MemberExpression' &&
      TRAILING_DOT_FLOAT.test(this.src(parent).trimEnd())
    );
  }

  // ---- statements ---------------------------------------------------------------------------

  /** Converts the statement node `n` (a StatementGroup may hold several) into `out`. */
  statements(n: SyntaxNode, out: P.Stmt[], depth: number): void {
    const name = n.name;
    if (name === 'Comment') return;
    if (name === 'StatementGroup') {
      for (const c of childrenOf(n)) if (c.name !== ';') this.statements(c, out, depth);
      return;
    }
    if (n.type.isError) {
      if (n.from < n.to) out.push({ kind: 'Unparsed', span: span(n), binds: [] });
      return;
    }
    const compound = COMPOUND.has(name);
    if (this.hasError(n, !compound)) {
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
    for (const c of childrenOf(body)) {
      if (c.name === ':' || c.name === 'Comment') continue;
      this.statements(c, out, depth + 1);
    }
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
      case 'PrintStatement':
        // Python 2's print statement is a syntax error in Python 3.
        return { kind: 'Unparsed', span: s, binds: [] };
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

  /** Parameters of a def (`ParamList` with parentheses) or a lambda (without). */
  private params(kids: SyntaxNode[]): P.Param[] {
    const out: P.Param[] = [];
    let afterStar = false;
    for (const g of this.commaGroups(kids.filter((k) => k.name !== '(' && k.name !== ')'))) {
      if (g.length === 0) continue;
      const first = g[0];
      if (first.name === '*' || first.name === '**') {
        const v = g.find((k) => k.name === 'VariableName');
        if (first.name === '*') afterStar = true;
        if (v) out.push({ name: this.src(v), span: span(v), default: null, kind: first.name === '*' ? 'varargs' : 'kwargs' });
        continue;
      }
      if (first.name === '/') continue;
      const eq = g.findIndex((k) => k.name === 'AssignOp');
      out.push({
        name: this.src(first),
        span: span(first),
        default: eq >= 0 ? this.expr(g[eq + 1]) : null,
        kind: afterStar ? 'keyword' : 'positional',
      });
    }
    return out;
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

  // ---- expressions ----------------------------------------------------------------------------

  private name(n: SyntaxNode): P.Name {
    return { kind: 'Name', span: span(n), id: this.src(n) };
  }

  /** Splits tokens at top-level commas. */
  private commaGroups(kids: SyntaxNode[]): SyntaxNode[][] {
    const groups: SyntaxNode[][] = [[]];
    for (const k of kids) {
      if (k.name === ',') groups.push([]);
      else if (k.name !== 'Comment') groups[groups.length - 1].push(k);
    }
    if (groups.length > 1 && groups[groups.length - 1].length === 0) groups.pop();
    return groups;
  }

  /** `a, *b, c` (a bare tuple, as on either side of `=`), or one expression. */
  private exprList(kids: SyntaxNode[]): P.Expr {
    const real = kids.filter((k) => k.name !== 'Comment');
    if (real.length === 0) return { kind: 'Tuple', span: { start: 0, end: 0 }, elts: [] };
    const hasComma = real.some((k) => k.name === ',');
    const groups = this.commaGroups(real);
    const elts = groups.map((g) => this.starredOrExpr(g));
    if (!hasComma) return elts[0];
    return { kind: 'Tuple', span: { start: real[0].from, end: real[real.length - 1].to }, elts };
  }

  private starredOrExpr(g: SyntaxNode[]): P.Expr {
    if (g.length === 2 && g[0].name === '*') return { kind: 'Starred', span: { start: g[0].from, end: g[1].to }, value: this.expr(g[1]) };
    if (g.length === 1) return this.expr(g[0]);
    if (g.length >= 2 && g[1].name === 'for') return this.comprehension(g, { start: g[0].from, end: g[g.length - 1].to }, 'GeneratorExp');
    return { kind: 'UnsupportedExpr', span: { start: g[0]?.from ?? 0, end: g[g.length - 1]?.to ?? 0 }, what: 'this expression' };
  }

  expr(n: SyntaxNode): P.Expr {
    if (++this.depth > this.maxDepth) throw new TooDeepSignal(span(n));
    try {
      return this.exprInner(n);
    } finally {
      this.depth--;
    }
  }

  private exprInner(n: SyntaxNode): P.Expr {
    const s = span(n);
    switch (n.name) {
      case 'VariableName':
        return this.name(n);
      case 'Number':
        return this.number(n);
      case 'String':
        return { kind: 'Constant', span: s, value: decodeString(this.src(n)) };
      case 'FormatString':
        return this.formatString(n);
      case 'ContinuedString':
        return this.continuedString(n);
      case 'Boolean':
        return { kind: 'Constant', span: s, value: this.src(n) === 'True' };
      case 'None':
        return { kind: 'Constant', span: s, value: null };
      case 'Ellipsis':
        return { kind: 'Constant', span: s, value: P.ELLIPSIS };
      case 'ParenthesizedExpression': {
        const inner = childrenOf(n).filter((k) => k.name !== '(' && k.name !== ')');
        if (inner.length === 1) return this.expr(inner[0]);
        if (inner.length === 2 && inner[0].name === '*') return this.starredOrExpr(inner);
        return { kind: 'UnsupportedExpr', span: s, what: 'this expression' };
      }
      case 'TupleExpression': {
        const inner = childrenOf(n).filter((k) => k.name !== '(' && k.name !== ')');
        return {
          kind: 'Tuple',
          span: s,
          elts: this.commaGroups(inner)
            .filter((g) => g.length)
            .map((g) => this.starredOrExpr(g)),
        };
      }
      case 'ArrayExpression': {
        const inner = childrenOf(n).filter((k) => k.name !== '[' && k.name !== ']');
        return {
          kind: 'List',
          span: s,
          elts: this.commaGroups(inner)
            .filter((g) => g.length)
            .map((g) => this.starredOrExpr(g)),
        };
      }
      case 'SetExpression': {
        const inner = childrenOf(n).filter((k) => k.name !== '{' && k.name !== '}');
        return {
          kind: 'Set',
          span: s,
          elts: this.commaGroups(inner)
            .filter((g) => g.length)
            .map((g) => this.starredOrExpr(g)),
        };
      }
      case 'DictionaryExpression': {
        const inner = childrenOf(n).filter((k) => k.name !== '{' && k.name !== '}');
        const keys: (P.Expr | null)[] = [];
        const values: P.Expr[] = [];
        for (const g of this.commaGroups(inner)) {
          if (g.length === 0) continue;
          if (g[0].name === '**') {
            keys.push(null);
            values.push(this.expr(g[1]));
          } else {
            const colon = g.findIndex((k) => k.name === ':');
            keys.push(this.expr(g[0]));
            values.push(this.expr(g[colon + 1]));
          }
        }
        return { kind: 'Dict', span: s, keys, values };
      }
      case 'ArrayComprehensionExpression':
        return this.comprehension(childrenOf(n).slice(1, -1), s, 'ListComp');
      case 'SetComprehensionExpression':
        return this.comprehension(childrenOf(n).slice(1, -1), s, 'SetComp');
      case 'ComprehensionExpression':
        return this.comprehension(childrenOf(n).slice(1, -1), s, 'GeneratorExp');
      case 'DictionaryComprehensionExpression': {
        const kids = childrenOf(n).slice(1, -1);
        const colon = kids.findIndex((k) => k.name === ':');
        if (colon !== 1) return { kind: 'UnsupportedExpr', span: s, what: 'this dict comprehension' };
        const rest = kids.slice(3);
        return { kind: 'DictComp', span: s, key: this.expr(kids[0]), value: this.expr(kids[2]), generators: this.generators(rest) };
      }
      case 'UnaryExpression': {
        const [op, operand] = childrenOf(n);
        const text = op.name === 'not' ? 'not' : this.src(op);
        return { kind: 'UnaryOp', span: s, op: text as P.UnaryOp['op'], operand: this.expr(operand) };
      }
      case 'BinaryExpression':
        return this.binary(n, s);
      case 'ConditionalExpression': {
        const kids = childrenOf(n);
        return { kind: 'IfExp', span: s, body: this.expr(kids[0]), test: this.expr(kids[2]), orelse: this.expr(kids[4]) };
      }
      case 'LambdaExpression': {
        const kids = childrenOf(n);
        const params = kids.find((k) => k.name === 'ParamList');
        return { kind: 'Lambda', span: s, params: params ? this.params(childrenOf(params)) : [], body: this.expr(kids[kids.length - 1]) };
      }
      case 'CallExpression': {
        const [callee, argList] = childrenOf(n);
        const { args, keywords } = this.callArguments(argList);
        return { kind: 'Call', span: s, func: this.expr(callee), args, keywords, argsSpan: span(argList) };
      }
      case 'MemberExpression':
        return this.member(n, s);
      case 'AwaitExpression':
        return { kind: 'UnsupportedExpr', span: s, what: '`await`' };
      case 'YieldExpression':
        return { kind: 'UnsupportedExpr', span: s, what: '`yield`' };
      case 'NamedExpression':
        return { kind: 'UnsupportedExpr', span: s, what: 'the walrus operator `:=`' };
      default:
        return { kind: 'UnsupportedExpr', span: s, what: 'this expression' };
    }
  }

  private number(n: SyntaxNode): P.Expr {
    const s = span(n);
    const text = this.src(n).replace(/_/g, '');
    if (/[jJ]$/.test(text)) return { kind: 'UnsupportedExpr', span: s, what: 'complex numbers' };
    if (/^0[xX]/.test(text) || /^0[oO]/.test(text) || /^0[bB]/.test(text)) return { kind: 'Constant', span: s, value: BigInt(text) };
    if (/^\d+$/.test(text)) return { kind: 'Constant', span: s, value: BigInt(text) };
    return { kind: 'Constant', span: s, value: Number(text) };
  }

  private floatLiteral(n: SyntaxNode): P.Expr | null {
    if (n.to - n.from > 400) return null;
    // (the grammar's reading of `1. ` takes the space after the point into the node)
    const text = this.src(n).trimEnd();
    if (!FLOAT_LITERAL.test(text)) return null;
    return { kind: 'Constant', span: { start: n.from, end: n.from + text.length }, value: Number(text.replace(/_/g, '')) };
  }

  private member(n: SyntaxNode, s: P.Span): P.Expr {
    const repaired = this.floatLiteral(n);
    if (repaired) return repaired;
    const kids = childrenOf(n);
    const target = this.expr(kids[0]);
    if (kids[1]?.name === '.') {
      const prop = kids[2];
      const attrSpan = prop ? span(prop) : { start: kids[1].to, end: kids[1].to };
      return { kind: 'Attribute', span: s, value: target, attr: prop ? this.src(prop) : '', attrSpan };
    }
    // Subscript: [ items ]
    const inner = kids.slice(1).filter((k) => k.name !== '[' && k.name !== ']');
    const groups = this.commaGroups(inner);
    const items = groups.map((g) => this.subscriptItem(g, s));
    return { kind: 'Subscript', span: s, value: target, items, tuple: inner.some((k) => k.name === ',') };
  }

  private subscriptItem(g: SyntaxNode[], whole: P.Span): P.Expr | P.Slice {
    if (!g.some((k) => k.name === ':')) return g.length === 1 ? this.expr(g[0]) : this.starredOrExpr(g);
    const parts: (P.Expr | null)[] = [null];
    for (const k of g) {
      if (k.name === ':') parts.push(null);
      else parts[parts.length - 1] = this.expr(k);
    }
    const first = g[0];
    const last = g[g.length - 1];
    return {
      kind: 'Slice',
      span: first && last ? { start: first.from, end: last.to } : whole,
      lower: parts[0],
      upper: parts[1] ?? null,
      step: parts[2] ?? null,
    };
  }

  private binary(n: SyntaxNode, s: P.Span): P.Expr {
    const repaired = this.floatLiteral(n);
    if (repaired) return repaired;
    const kids = childrenOf(n);
    const left = kids[0];
    const right = kids[kids.length - 1];
    const ops = kids.slice(1, -1);
    const opText = ops.map((o) => (o.name === 'ArithOp' || o.name === 'BitOp' || o.name === 'CompareOp' ? this.src(o) : o.name)).join(' ');
    const opSpan = ops.length ? { start: ops[0].from, end: ops[ops.length - 1].to } : s;
    if (opText === 'and' || opText === 'or') return { kind: 'BoolOp', span: s, op: opText, left: this.expr(left), right: this.expr(right) };
    if (COMPARE_OPS.has(opText)) {
      const op = (opText === '<>' ? '!=' : opText) as P.CompareOperator;
      // `a < b < c` arrives as (a < b) < c: one chain, as Python evaluates it.
      const l = this.expr(left);
      const r = this.expr(right);
      if (l.kind === 'Compare' && left.name === 'BinaryExpression') {
        return {
          kind: 'Compare',
          span: s,
          left: l.left,
          ops: [...l.ops, op],
          opSpans: [...l.opSpans, opSpan],
          comparators: [...l.comparators, r],
        };
      }
      return { kind: 'Compare', span: s, left: l, ops: [op], opSpans: [opSpan], comparators: [r] };
    }
    return { kind: 'BinOp', span: s, op: opText as P.BinaryOperator, opSpan, left: this.expr(left), right: this.expr(right) };
  }

  callArguments(argList: SyntaxNode): { args: P.Expr[]; keywords: P.Keyword[] } {
    const inner = childrenOf(argList).filter((k) => k.name !== '(' && k.name !== ')');
    const args: P.Expr[] = [];
    const keywords: P.Keyword[] = [];
    for (const g of this.commaGroups(inner)) {
      if (g.length === 0) continue;
      const gs = { start: g[0].from, end: g[g.length - 1].to };
      if (g[0].name === '**') keywords.push({ span: gs, name: null, nameSpan: null, value: this.expr(g[1]) });
      else if (g.length >= 3 && g[0].name === 'VariableName' && g[1].name === 'AssignOp') {
        keywords.push({
          span: gs,
          name: this.src(g[0]),
          nameSpan: span(g[0]),
          value: g.length === 3 ? this.expr(g[2]) : this.starredOrExpr(g.slice(2)),
        });
      } else args.push(this.starredOrExpr(g));
    }
    return { args, keywords };
  }

  private comprehension(kids: SyntaxNode[], s: P.Span, kind: P.ListComp['kind']): P.Expr {
    const forAt = kids.findIndex((k) => k.name === 'for' || k.name === 'async');
    if (forAt < 1) return { kind: 'UnsupportedExpr', span: s, what: 'this comprehension' };
    const elt = this.starredOrExpr(kids.slice(0, forAt));
    return { kind, span: s, elt, generators: this.generators(kids.slice(forAt)) };
  }

  /** `for t in it if c for u in v ...` */
  private generators(kids: SyntaxNode[]): P.Comprehension[] {
    const out: P.Comprehension[] = [];
    let i = 0;
    while (i < kids.length) {
      const k = kids[i];
      if (k.name === 'async') {
        i++;
        continue;
      }
      if (k.name === 'for') {
        const inAt = kids.findIndex((x, j) => j > i && x.name === 'in');
        const target = this.exprList(kids.slice(i + 1, inAt));
        const iter = this.expr(kids[inAt + 1]);
        out.push({ target, iter, ifs: [] });
        i = inAt + 2;
      } else if (k.name === 'if') {
        out[out.length - 1]?.ifs.push(this.expr(kids[i + 1]));
        i += 2;
      } else i++;
    }
    return out;
  }

  private formatString(n: SyntaxNode): P.JoinedStr {
    const text = this.src(n);
    const prefixLen = /^[A-Za-z]*/.exec(text)![0].length;
    const raw = /r/i.test(text.slice(0, prefixLen));
    const quoteLen = text.startsWith('"""', prefixLen) || text.startsWith("'''", prefixLen) ? 3 : 1;
    const contentStart = n.from + prefixLen + quoteLen;
    const contentEnd = n.to - quoteLen;
    const parts: (string | P.FormattedValue)[] = [];
    let at = contentStart;
    const literal = (to: number) => {
      if (to > at) parts.push(unescapeBody(this.text.slice(at, to).replace(/\{\{/g, '{').replace(/\}\}/g, '}'), raw));
    };
    for (const r of childrenOf(n).filter((k) => k.name === 'FormatReplacement')) {
      literal(r.from);
      parts.push(this.replacement(r));
      at = r.to;
    }
    literal(contentEnd);
    return { kind: 'JoinedStr', span: span(n), parts };
  }

  private replacement(r: SyntaxNode): P.FormattedValue {
    const kids = childrenOf(r).filter((k) => k.name !== '{' && k.name !== '}');
    const exprNodes = kids.filter((k) => k.name !== 'FormatConversion' && k.name !== 'FormatSpec' && k.name !== 'FormatSelfDoc');
    const conv = kids.find((k) => k.name === 'FormatConversion');
    const spec = kids.find((k) => k.name === 'FormatSpec');
    const selfDoc = kids.find((k) => k.name === 'FormatSelfDoc');
    const value = this.exprList(exprNodes);
    return {
      kind: 'FormattedValue',
      span: span(r),
      value,
      conversion: conv ? (this.src(conv).slice(1) as 'r' | 's' | 'a') : null,
      spec: spec ? this.src(spec).slice(1) : null,
      selfDoc: selfDoc ? this.text.slice(r.from + 1, selfDoc.to) : null,
    };
  }

  private continuedString(n: SyntaxNode): P.Expr {
    const parts = childrenOf(n).map((k) => this.expr(k));
    if (parts.every((p) => p.kind === 'Constant')) {
      return { kind: 'Constant', span: span(n), value: parts.map((p) => (p as P.Constant).value).join('') };
    }
    const joined: (string | P.FormattedValue)[] = [];
    for (const p of parts) {
      if (p.kind === 'Constant') joined.push(String(p.value));
      else if (p.kind === 'JoinedStr') joined.push(...p.parts);
    }
    return { kind: 'JoinedStr', span: span(n), parts: joined };
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
const COMPARE_OPS = new Set(['<', '<=', '>', '>=', '==', '!=', '<>', 'in', 'not in', 'is', 'is not']);

// ---- string literals ------------------------------------------------------------------------

/** The value of a Python string literal (prefix, quotes, escapes). */
export function decodeString(literal: string): string {
  const prefix = /^[A-Za-z]*/.exec(literal)![0];
  const raw = /r/i.test(prefix);
  const rest = literal.slice(prefix.length);
  const q = rest.startsWith('"""') || rest.startsWith("'''") ? 3 : 1;
  return unescapeBody(rest.slice(q, rest.length - q), raw);
}

const SIMPLE_ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  v: '\v',
  '0': '\0',
};

function unescapeBody(body: string, raw: boolean): string {
  if (raw || !body.includes('\\')) return body;
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== '\\' || i + 1 >= body.length) {
      out += c;
      continue;
    }
    const e = body[++i];
    if (e === '\n') continue;
    if (e === 'x' && /^[0-9a-fA-F]{2}$/.test(body.slice(i + 1, i + 3))) {
      out += String.fromCharCode(parseInt(body.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(body.slice(i + 1, i + 5))) {
      out += String.fromCharCode(parseInt(body.slice(i + 1, i + 5), 16));
      i += 4;
    } else if (e === 'U' && /^[0-9a-fA-F]{8}$/.test(body.slice(i + 1, i + 9))) {
      const cp = parseInt(body.slice(i + 1, i + 9), 16);
      out += cp <= 0x10ffff ? String.fromCodePoint(cp) : '\\U' + body.slice(i + 1, i + 9);
      i += 8;
    } else if (/[0-7]/.test(e) && e !== '0') {
      const m = /^[0-7]{1,3}/.exec(body.slice(i))![0];
      out += String.fromCharCode(parseInt(m, 8));
      i += m.length - 1;
    } else if (e in SIMPLE_ESCAPES) out += SIMPLE_ESCAPES[e];
    else out += '\\' + e;
  }
  return out;
}

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
