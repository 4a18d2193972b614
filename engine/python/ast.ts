// The syntax tree of a Python file, as tgraph reads it: the shapes of Python's own `ast`
// module (Assign, Call, Subscript, ...), each node with the span it came from (UTF-16
// offsets into the text, end exclusive, as the .tgraph tree). Kinds are capitalised as in
// Python's `ast`, so they never collide with the .tgraph tree's lowercase kinds where an
// interface holds either (`Binding.stmt`).
//
// Syntax tgraph does not evaluate still has a node (`Unsupported`, `Unparsed`): the
// interpreter says once that it was not evaluated, and the names it binds become unknown.

import type { Span } from '../syntax/ast';

export type { Span };

// ---- expressions ----------------------------------------------------------------------------

export interface Name {
  kind: 'Name';
  span: Span;
  id: string;
}

/** A literal: an int (exact, bigint), a float, a string, True/False, None or `...`. */
export interface Constant {
  kind: 'Constant';
  span: Span;
  value: bigint | number | string | boolean | null | typeof ELLIPSIS;
}

export const ELLIPSIS = Symbol('Ellipsis');

/** An f-string: literal parts and replacement fields, in order. */
export interface JoinedStr {
  kind: 'JoinedStr';
  span: Span;
  parts: (string | FormattedValue)[];
}

export interface FormattedValue {
  kind: 'FormattedValue';
  span: Span;
  value: Expr;
  /** `!r`, `!s`, `!a`. */
  conversion: 'r' | 's' | 'a' | null;
  /** The format spec after `:`: its text and nested replacement fields (`f'{x:{w}.{p}f}'`). */
  spec: (string | FormattedValue)[] | null;
  /** `f'{x=}'`: the expression's text and `=` come first. */
  selfDoc: string | null;
}

export type BinaryOperator = '+' | '-' | '*' | '/' | '//' | '%' | '**' | '@' | '<<' | '>>' | '&' | '|' | '^';

export interface BinOp {
  kind: 'BinOp';
  span: Span;
  op: BinaryOperator;
  opSpan: Span;
  left: Expr;
  right: Expr;
}

export interface UnaryOp {
  kind: 'UnaryOp';
  span: Span;
  op: '-' | '+' | '~' | 'not';
  operand: Expr;
}

export interface BoolOp {
  kind: 'BoolOp';
  span: Span;
  op: 'and' | 'or';
  left: Expr;
  right: Expr;
}

export type CompareOperator = '<' | '<=' | '>' | '>=' | '==' | '!=' | 'in' | 'not in' | 'is' | 'is not';

/** `a < b <= c`: one chain, each comparison's operands evaluated once. */
export interface Compare {
  kind: 'Compare';
  span: Span;
  left: Expr;
  ops: CompareOperator[];
  opSpans: Span[];
  comparators: Expr[];
}

export interface Keyword {
  span: Span;
  /** null for `**mapping`. */
  name: string | null;
  nameSpan: Span | null;
  value: Expr;
}

export interface Call {
  kind: 'Call';
  span: Span;
  func: Expr;
  /** Positional arguments; `*xs` is a Starred. */
  args: Expr[];
  keywords: Keyword[];
  /** `(` to `)` inclusive. */
  argsSpan: Span;
}

export interface Attribute {
  kind: 'Attribute';
  span: Span;
  value: Expr;
  attr: string;
  attrSpan: Span;
}

export interface Slice {
  kind: 'Slice';
  span: Span;
  lower: Expr | null;
  upper: Expr | null;
  step: Expr | null;
}

export interface Subscript {
  kind: 'Subscript';
  span: Span;
  value: Expr;
  /** The items between the brackets; `tuple` when there was a comma (`x[1, 2]`, `x[1,]`). */
  items: (Expr | Slice)[];
  tuple: boolean;
}

export interface Starred {
  kind: 'Starred';
  span: Span;
  value: Expr;
}

export interface Tuple {
  kind: 'Tuple';
  span: Span;
  elts: Expr[];
}

export interface List {
  kind: 'List';
  span: Span;
  elts: Expr[];
}

export interface Set {
  kind: 'Set';
  span: Span;
  elts: Expr[];
}

export interface Dict {
  kind: 'Dict';
  span: Span;
  /** null key: `**mapping`. */
  keys: (Expr | null)[];
  values: Expr[];
}

export interface Comprehension {
  target: Expr;
  iter: Expr;
  ifs: Expr[];
}

export interface ListComp {
  kind: 'ListComp' | 'SetComp' | 'GeneratorExp';
  span: Span;
  elt: Expr;
  generators: Comprehension[];
}

export interface DictComp {
  kind: 'DictComp';
  span: Span;
  key: Expr;
  value: Expr;
  generators: Comprehension[];
}

export interface Lambda {
  kind: 'Lambda';
  span: Span;
  params: Param[];
  body: Expr;
}

export interface IfExp {
  kind: 'IfExp';
  span: Span;
  test: Expr;
  body: Expr;
  orelse: Expr;
}

/** Syntax that parses but that tgraph does not evaluate (`await`, `yield`, `:=`, complex
 *  numbers, ...): evaluating it makes the statement not evaluated. */
export interface UnsupportedExpr {
  kind: 'UnsupportedExpr';
  span: Span;
  what: string;
}

export type Expr =
  | Name
  | Constant
  | JoinedStr
  | BinOp
  | UnaryOp
  | BoolOp
  | Compare
  | Call
  | Attribute
  | Subscript
  | Starred
  | Tuple
  | List
  | Set
  | Dict
  | ListComp
  | DictComp
  | Lambda
  | IfExp
  | UnsupportedExpr;

// ---- statements -----------------------------------------------------------------------------

export interface Param {
  name: string;
  span: Span;
  default: Expr | null;
  /** `*args`, `**kwargs`; 'keyword' for the parameters after a bare `*` or `*args`. */
  kind: 'positional' | 'keyword' | 'varargs' | 'kwargs';
}

/** `a = b = value`: every target gets the value. */
export interface Assign {
  kind: 'Assign';
  span: Span;
  targets: Expr[];
  value: Expr;
}

export interface AugAssign {
  kind: 'AugAssign';
  span: Span;
  target: Expr;
  op: BinaryOperator;
  opSpan: Span;
  value: Expr;
}

export interface ExprStmt {
  kind: 'Expr';
  span: Span;
  value: Expr;
}

export interface Alias {
  /** Dotted: `tensorflow.compat.v1`. */
  name: string;
  asname: string | null;
  span: Span;
}

export interface Import {
  kind: 'Import';
  span: Span;
  names: Alias[];
}

export interface ImportFrom {
  kind: 'ImportFrom';
  span: Span;
  /** null for `from . import x`. */
  module: string | null;
  /** Leading dots (relative imports). */
  level: number;
  /** Empty for `import *`. */
  names: Alias[];
  star: boolean;
}

export interface FunctionDef {
  kind: 'FunctionDef';
  span: Span;
  name: string;
  nameSpan: Span;
  params: Param[];
  body: Stmt[];
  decorators: Expr[];
  async: boolean;
}

export interface Return {
  kind: 'Return';
  span: Span;
  value: Expr | null;
}

export interface If {
  kind: 'If';
  span: Span;
  test: Expr;
  body: Stmt[];
  /** An `elif` is an If alone in orelse. */
  orelse: Stmt[];
}

export interface For {
  kind: 'For';
  span: Span;
  target: Expr;
  iter: Expr;
  body: Stmt[];
  orelse: Stmt[];
  async: boolean;
}

export interface While {
  kind: 'While';
  span: Span;
  test: Expr;
  body: Stmt[];
  orelse: Stmt[];
}

export interface WithItem {
  context: Expr;
  target: Expr | null;
}

export interface With {
  kind: 'With';
  span: Span;
  items: WithItem[];
  body: Stmt[];
  async: boolean;
}

export interface Assert {
  kind: 'Assert';
  span: Span;
  test: Expr;
  msg: Expr | null;
}

export interface Delete {
  kind: 'Delete';
  span: Span;
  targets: Expr[];
}

export interface Simple {
  kind: 'Pass' | 'Break' | 'Continue';
  span: Span;
}

export interface ClassDef {
  kind: 'ClassDef';
  span: Span;
  name: string;
  nameSpan: Span;
  bases: Expr[];
  body: Stmt[];
  decorators: Expr[];
}

/** A statement Python has and tgraph does not evaluate (`try`, `raise`, `global`, `match`,
 *  ...): one information diagnostic, the names it binds unknown. */
export interface UnsupportedStmt {
  kind: 'UnsupportedStmt';
  span: Span;
  what: string;
  /** The names it would bind (`try` bodies, `global x`). */
  binds: Name[];
}

/** A statement that is not valid Python (a syntax error): not evaluated, the names it
 *  appears to bind unknown. The error itself is one of the module's `syntaxErrors`. */
export interface Unparsed {
  kind: 'Unparsed';
  span: Span;
  binds: Name[];
}

/** Where Python would refuse the script, and its message (without "SyntaxError: "). */
export interface SyntaxErrorNote {
  span: Span;
  message: string;
  /** Python's exception when it is not SyntaxError. */
  error?: 'IndentationError';
}

/** A statement deeper than `maxNestingDepth`: a budget diagnostic, not evaluated. */
export interface TooDeep {
  kind: 'TooDeep';
  span: Span;
  /** Where the depth went over. */
  at: Span;
  binds: Name[];
}

export type Stmt =
  | Assign
  | AugAssign
  | ExprStmt
  | Import
  | ImportFrom
  | FunctionDef
  | Return
  | If
  | For
  | While
  | With
  | Assert
  | Delete
  | Simple
  | ClassDef
  | UnsupportedStmt
  | Unparsed
  | TooDeep;

/** `# tgraph: check gradients(z, x)`: a check written as a comment. */
export interface CheckComment {
  kind: 'CheckComment';
  /** The comment. */
  span: Span;
  /** The `gradients(...)` call, parsed from the comment's text with its own offsets. */
  call: Call | null;
}

export interface Module {
  body: Stmt[];
  checks: CheckComment[];
  /** Where parsing stopped early (its time budget ran out), or null. */
  truncatedAt: number | null;
  /** Each statement's first syntax error (the statement is Unparsed), in file order. */
  syntaxErrors: SyntaxErrorNote[];
  /** The first statement past tgraph.maxStatements, when the script has more. */
  truncatedStatement?: Stmt;
}
