// The syntax tree of a .tgraph file. Every node carries the source span it came from
// (UTF-16 offsets into the text, end exclusive) so that diagnostics, hovers and the
// explainer can point at the exact characters.

export interface Span {
  readonly start: number;
  readonly end: number;
}

export interface NameExpr {
  kind: 'name';
  span: Span;
  /** The name as written, prefixes included (`tf.nn.softmax`). */
  text: string;
  /** The name after the accepted prefixes (`tf.`, `tf.math.`, `np.` ...) are stripped. */
  name: string;
}

export interface NumberExpr {
  kind: 'number';
  span: Span;
  value: number;
  /** True for integer literals (`3`), false for `3.`, `2.5`, `1e-3`, `nan`, `inf`. */
  isInteger: boolean;
}

export interface StringExpr {
  kind: 'string';
  span: Span;
  value: string;
}

/** `True`, `False`, `None`. */
export interface ConstantExpr {
  kind: 'constant';
  span: Span;
  value: boolean | null;
}

/** `[a, b]` or `(a, b)`; a parenthesised single expression is not a list. */
export interface ListExpr {
  kind: 'list';
  span: Span;
  bracket: '[' | '(';
  elements: Expr[];
}

export type UnaryOp = '-' | '+' | 'not';

export interface UnaryExpr {
  kind: 'unary';
  span: Span;
  op: UnaryOp;
  opSpan: Span;
  operand: Expr;
}

export type BinaryOp = '+' | '-' | '*' | '/' | '//' | '%' | '@' | '**' | '<' | '<=' | '>' | '>=' | '==' | '!=' | 'and' | 'or';

export interface BinaryExpr {
  kind: 'binary';
  span: Span;
  op: BinaryOp;
  opSpan: Span;
  left: Expr;
  right: Expr;
}

export interface Argument {
  span: Span;
  /** Present for keyword arguments (`axis=1`). */
  keyword?: { name: string; span: Span };
  value: Expr;
}

export interface CallExpr {
  kind: 'call';
  span: Span;
  callee: Expr;
  args: Argument[];
  /** Span of the parenthesised argument list, `(` to `)` inclusive. */
  argsSpan: Span;
}

export interface SliceItem {
  kind: 'slice';
  span: Span;
  start?: Expr;
  stop?: Expr;
  step?: Expr;
}

export interface EllipsisItem {
  kind: 'ellipsis';
  span: Span;
}

/** One subscript: an index expression, a slice `a:b:c`, or `...`. `None` is a new axis. */
export type IndexItem = Expr | SliceItem | EllipsisItem;

export interface IndexExpr {
  kind: 'index';
  span: Span;
  target: Expr;
  items: IndexItem[];
}

export interface AttributeExpr {
  kind: 'attribute';
  span: Span;
  target: Expr;
  attribute: { name: string; span: Span };
}

/** Stands where the parser could not make sense of the input (a diagnostic was reported). */
export interface ErrorExpr {
  kind: 'error';
  span: Span;
}

export type Expr =
  NameExpr | NumberExpr | StringExpr | ConstantExpr | ListExpr | UnaryExpr | BinaryExpr | CallExpr | IndexExpr | AttributeExpr | ErrorExpr;

export interface Identifier {
  name: string;
  span: Span;
}

/** `NAME = EXPR` */
export interface AssignStmt {
  kind: 'assign';
  span: Span;
  target: Identifier;
  value: Expr;
}

/** `[A, B] = EXPR` (also `A, B = EXPR`) */
export interface DestructureStmt {
  kind: 'destructure';
  span: Span;
  targets: Identifier[];
  value: Expr;
}

/** `feed NAME = EXPR` */
export interface FeedStmt {
  kind: 'feed';
  span: Span;
  keywordSpan: Span;
  target: Identifier;
  value: Expr;
}

/** `def NAME(P1, P2) = EXPR` */
export interface DefStmt {
  kind: 'def';
  span: Span;
  keywordSpan: Span;
  name: Identifier;
  params: Identifier[];
  body: Expr;
}

/** `grad NAME(P1, ..., DY) = EXPR` or `= [E1, E2]` */
export interface GradStmt {
  kind: 'grad';
  span: Span;
  keywordSpan: Span;
  name: Identifier;
  params: Identifier[];
  body: Expr;
}

/** `check gradients(YS, XS, eps=..., atol=..., rtol=..., mode=...)` */
export interface CheckStmt {
  kind: 'check';
  span: Span;
  keywordSpan: Span;
  call: Expr;
}

/** `assert EXPR` */
export interface AssertStmt {
  kind: 'assert';
  span: Span;
  keywordSpan: Span;
  expr: Expr;
}

/** `print EXPR` (usually `print(EXPR)`; `print(a, b)` prints both, separated by a space):
 *  writes the value, as `tgraph run` shows it. An extension of LANGUAGE.md, keyword like its
 *  statement keywords, so `print = x` still binds a name. */
export interface PrintStmt {
  kind: 'print';
  span: Span;
  keywordSpan: Span;
  expr: Expr;
}

/** A bare expression on its own line: evaluated and shown, not bound. */
export interface ExprStmt {
  kind: 'expr';
  span: Span;
  expr: Expr;
}

export type Stmt = AssignStmt | DestructureStmt | FeedStmt | DefStmt | GradStmt | CheckStmt | AssertStmt | PrintStmt | ExprStmt;

export interface Comment {
  span: Span;
  /** The text after `#`, untrimmed. */
  text: string;
}

export interface SyntaxDiagnostic {
  span: Span;
  message: string;
  code: string;
}

export interface Program {
  statements: Stmt[];
  comments: Comment[];
  diagnostics: SyntaxDiagnostic[];
}

/** The direct sub-expressions of an expression, in source order. */
export function childExprs(e: Expr): Expr[] {
  switch (e.kind) {
    case 'list':
      return e.elements;
    case 'unary':
      return [e.operand];
    case 'binary':
      return [e.left, e.right];
    case 'call':
      return [e.callee, ...e.args.map((a) => a.value)];
    case 'index': {
      const out: Expr[] = [e.target];
      for (const item of e.items) {
        if (item.kind === 'slice') {
          for (const part of [item.start, item.stop, item.step]) if (part) out.push(part);
        } else if (item.kind !== 'ellipsis') out.push(item);
      }
      return out;
    }
    case 'attribute':
      return [e.target];
    default:
      return [];
  }
}
