// Converting the expressions of @lezer/python's concrete tree into ours (ast.ts), with the
// node access and error tests the statement converter (parse.ts) builds on. Conversion is
// recursive: past maxDepth a TooDeepSignal unwinds to the statement.

import type { SyntaxNode } from '@lezer/common';
import * as P from './ast';
import { decodeString, unescapeBody } from './strings';

const FLOAT_LITERAL = /^(?:\d[\d_]*\.(?:\d[\d_]*)?(?:[eE][+-]?\d[\d_]*)?|\.\d[\d_]*(?:[eE][+-]?\d[\d_]*)?|\d[\d_]*[eE][+-]?\d[\d_]*)$/;
/** `1.` as the grammar sees it: a member access whose name is missing. */
const TRAILING_DOT_FLOAT = /^\d[\d_]*\.$/;

export class TooDeepSignal {
  constructor(readonly at: P.Span) {}
}

/** The children of a node (anonymous grouping nodes are looked through). */
export function childrenOf(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) out.push(c);
  return out;
}

export function span(n: { from: number; to: number }): P.Span {
  return { start: n.from, end: n.to };
}

export function joinSpans(a: P.Span, b: P.Span): P.Span {
  return { start: a.start, end: b.end };
}

const COMPARE_OPS = new Set(['<', '<=', '>', '>=', '==', '!=', '<>', 'in', 'not in', 'is', 'is not']);

export abstract class ExpressionConverter {
  constructor(
    readonly text: string,
    readonly maxDepth: number,
  ) {}

  protected depth = 0;

  protected src(n: { from: number; to: number }): string {
    return this.text.slice(n.from, n.to);
  }

  /** Whether the node holds a syntax error (not counting the grammar's reading of `1.`),
   *  looking into Body nodes only when `intoBodies`. */
  hasError(node: SyntaxNode, intoBodies = false): boolean {
    return this.firstError(node, intoBodies) !== null;
  }

  /** The first error node in `node` (itself included; not the grammar's reading of `1.`),
   *  looking into Body nodes only when `intoBodies`. */
  firstError(node: SyntaxNode, intoBodies = false): SyntaxNode | null {
    if (node.type.isError) return this.isTrailingDotFloatError(node) ? null : node;
    const cursor = node.cursor();
    if (!cursor.firstChild()) return null;
    let depth = 1;
    for (;;) {
      if (cursor.type.isError && !this.isTrailingDotFloatError(cursor.node)) return cursor.node;
      if ((intoBodies || cursor.name !== 'Body') && cursor.firstChild()) {
        depth++;
        continue;
      }
      while (!cursor.nextSibling()) {
        if (!cursor.parent() || --depth === 0) return null;
      }
    }
  }

  protected isTrailingDotFloatError(error: SyntaxNode): boolean {
    const parent = error.parent;
    return (
      error.from === error.to &&
      parent !== null &&
      parent.name === 'MemberExpression' &&
      TRAILING_DOT_FLOAT.test(this.src(parent).trimEnd())
    );
  }

  /** Parameters of a def (`ParamList` with parentheses) or a lambda (without). */
  protected params(kids: SyntaxNode[]): P.Param[] {
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

  // ---- expressions ----------------------------------------------------------------------------

  protected name(n: SyntaxNode): P.Name {
    return { kind: 'Name', span: span(n), id: this.src(n) };
  }

  /** Splits tokens at top-level commas. */
  protected commaGroups(kids: SyntaxNode[]): SyntaxNode[][] {
    const groups: SyntaxNode[][] = [[]];
    for (const k of kids) {
      if (k.name === ',') groups.push([]);
      else if (k.name !== 'Comment') groups[groups.length - 1].push(k);
    }
    if (groups.length > 1 && groups[groups.length - 1].length === 0) groups.pop();
    return groups;
  }

  /** `a, *b, c` (a bare tuple, as on either side of `=`), or one expression. */
  protected exprList(kids: SyntaxNode[]): P.Expr {
    const real = kids.filter((k) => k.name !== 'Comment');
    if (real.length === 0) return { kind: 'Tuple', span: { start: 0, end: 0 }, elts: [] };
    const hasComma = real.some((k) => k.name === ',');
    const groups = this.commaGroups(real);
    const elts = groups.map((g) => this.starredOrExpr(g));
    if (!hasComma) return elts[0];
    return { kind: 'Tuple', span: { start: real[0].from, end: real[real.length - 1].to }, elts };
  }

  protected starredOrExpr(g: SyntaxNode[]): P.Expr {
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

  protected exprInner(n: SyntaxNode): P.Expr {
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

  protected number(n: SyntaxNode): P.Expr {
    const s = span(n);
    const text = this.src(n).replace(/_/g, '');
    if (/[jJ]$/.test(text)) return { kind: 'UnsupportedExpr', span: s, what: 'complex numbers' };
    if (/^0[xX]/.test(text) || /^0[oO]/.test(text) || /^0[bB]/.test(text)) return { kind: 'Constant', span: s, value: BigInt(text) };
    if (/^\d+$/.test(text)) return { kind: 'Constant', span: s, value: BigInt(text) };
    return { kind: 'Constant', span: s, value: Number(text) };
  }

  protected floatLiteral(n: SyntaxNode): P.Expr | null {
    if (n.to - n.from > 400) return null;
    // (the grammar's reading of `1. ` takes the space after the point into the node)
    const text = this.src(n).trimEnd();
    if (!FLOAT_LITERAL.test(text)) return null;
    return { kind: 'Constant', span: { start: n.from, end: n.from + text.length }, value: Number(text.replace(/_/g, '')) };
  }

  protected member(n: SyntaxNode, s: P.Span): P.Expr {
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

  protected subscriptItem(g: SyntaxNode[], whole: P.Span): P.Expr | P.Slice {
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

  protected binary(n: SyntaxNode, s: P.Span): P.Expr {
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

  protected comprehension(kids: SyntaxNode[], s: P.Span, kind: P.ListComp['kind']): P.Expr {
    const forAt = kids.findIndex((k) => k.name === 'for' || k.name === 'async');
    if (forAt < 1) return { kind: 'UnsupportedExpr', span: s, what: 'this comprehension' };
    const elt = this.starredOrExpr(kids.slice(0, forAt));
    return { kind, span: s, elt, generators: this.generators(kids.slice(forAt)) };
  }

  /** `for t in it if c for u in v ...` */
  protected generators(kids: SyntaxNode[]): P.Comprehension[] {
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

  protected formatString(n: SyntaxNode): P.JoinedStr {
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

  protected replacement(r: SyntaxNode): P.FormattedValue {
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
      spec: spec ? this.specParts(spec) : null,
      selfDoc: selfDoc ? this.text.slice(r.from + 1, selfDoc.to) : null,
    };
  }

  /** A format spec's text after its `:`, and the replacement fields nested in it. */
  protected specParts(spec: SyntaxNode): (string | P.FormattedValue)[] {
    const parts: (string | P.FormattedValue)[] = [];
    let at = spec.from + 1;
    for (const r of childrenOf(spec).filter((k) => k.name === 'FormatReplacement')) {
      if (r.from > at) parts.push(this.text.slice(at, r.from));
      parts.push(this.replacement(r));
      at = r.to;
    }
    if (spec.to > at) parts.push(this.text.slice(at, spec.to));
    return parts;
  }

  protected continuedString(n: SyntaxNode): P.Expr {
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
