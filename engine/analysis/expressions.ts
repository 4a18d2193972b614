// Lowering expressions: each expression of a statement (or of a function body, within a
// call) becomes a Value, building graph nodes through the analyzer's current builder. Names
// resolve against the call's scope, then the document's bindings, then dtypes and ops.

import type * as AST from '../syntax/ast';
import { type Node } from '../graph';
import { BuildError, type CallArg, ERROR, NONE, Poisoned, type Value, isBinaryPrimitive, parseDType, tensorValue } from '../builder';
import { type Tensor } from '../tensor';
import { type PyBinaryOp, type PyNumber, PyError, pyBinary, pyUnary } from '../pynumber';
import { lookupOp } from '../ops/registry';
import { didYouMeanAmong, publicNames, publicOpNames } from '../suggest';
import { formatCount, raiseHint } from '../budgets';
import type { Related } from './types';
import type { Analyzer } from './analyzer';
import { ELEMENTWISE_OPERATOR_OPS } from '../ops/operators';

const BINARY_OPS: Record<AST.BinaryOp, string> = { ...ELEMENTWISE_OPERATOR_OPS, '@': 'matmul', and: 'logical_and', or: 'logical_or' };

export function lowerExpr(analyzer: Analyzer, e: AST.Expr, scope: Map<string, Value> | null): Value {
  // The parser bounds the depth of one statement; a call of a def adds the depth of its
  // body to the caller's, so within calls the sum is bounded here (the stack is finite).
  if (++analyzer.calls.exprDepth > analyzer.budgets.maxNestingDepth && analyzer.calls.names.length > 0) {
    analyzer.calls.exprDepth--;
    throw new BuildError(
      `this call nests expressions more than ${formatCount(analyzer.budgets.maxNestingDepth)} levels deep, counting the bodies of the functions it calls (${callChain(analyzer.calls.names)}) ${raiseHint('maxNestingDepth')}`,
      analyzer.calls.spans[0],
      'nesting-too-deep',
    );
  }
  // No try/finally: a thrown error unwinds to a statement (or a function call), which
  // resets the depth; rethrowing at every level made an unknown name cost microseconds.
  const v = exprInner(analyzer, e, scope);
  analyzer.calls.exprDepth--;
  if (v.kind === 'tensor' && analyzer.currentAssert) {
    analyzer.exprNodes.set(e, v.node);
    analyzer.exprAssert.set(e, analyzer.currentAssert);
  }
  return v;
}

function exprInner(analyzer: Analyzer, e: AST.Expr, scope: Map<string, Value> | null): Value {
  const b = analyzer.b;
  switch (e.kind) {
    case 'number': {
      // A Python number: a float is its double; an int is exact (past 2^53 it is read again
      // from its digits) and int32 when it fits, else int64, as tf.constant.
      if (!e.isInteger) return tensorValue(b.literal(e.value, 'float32', e.span));
      if (Number.isSafeInteger(e.value))
        return tensorValue(b.literal(e.value, e.value >= -2147483648 && e.value <= 2147483647 ? 'int32' : 'int64', e.span));
      return tensorValue(b.pyNumber(BigInt(analyzer.text.slice(e.span.start, e.span.end)), e.span));
    }
    case 'string':
      return { kind: 'string', value: e.value };
    case 'constant':
      return e.value === null ? NONE : tensorValue(b.literal(e.value ? 1 : 0, 'bool', e.span));
    case 'name':
      return resolve(analyzer, e.name, e.span, scope, e.text);
    case 'list':
      return list(analyzer, e, scope);
    case 'unary': {
      const operand = lowerExpr(analyzer, e.operand, scope);
      if (e.op === '+') return operand;
      const number = operand.kind === 'tensor' ? b.pythonValue(operand.node) : undefined;
      if (number !== undefined) return python(analyzer, () => pyUnary(e.op === '-' ? '-' : 'not', number), e.span);
      const opName = e.op === '-' ? 'negative' : 'logical_not';
      return operator(analyzer, opName, [{ value: operand, span: e.operand.span }], e.span);
    }
    case 'binary':
      return binary(analyzer, e, lowerExpr(analyzer, e.left, scope), lowerExpr(analyzer, e.right, scope));
    case 'call':
      return call(analyzer, e, scope);
    case 'index':
      return index(analyzer, e, scope);
    case 'attribute':
      return attribute(analyzer, e, scope);
    case 'error':
      throw new Poisoned();
  }
}

function binary(analyzer: Analyzer, e: AST.BinaryExpr, left: Value, right: Value): Value {
  const op = lookupOp(BINARY_OPS[e.op])!;
  if (left.kind === 'tensor' && right.kind === 'tensor') {
    if (left.node.weak && right.node.weak) {
      // Python numbers: Python's arithmetic, before any tensor exists.
      const a = analyzer.b.pythonValue(left.node);
      const c = a === undefined || e.op === '@' ? undefined : analyzer.b.pythonValue(right.node);
      if (c !== undefined) return python(analyzer, () => pyBinary(e.op as PyBinaryOp, a!, c), e.span);
    } else if (isBinaryPrimitive(op)) {
      return tensorValue(analyzer.b.binary(op, left.node, e.left.span, right.node, e.right.span, e.span));
    }
  }
  return operator(
    analyzer,
    BINARY_OPS[e.op],
    [
      { value: left, span: e.left.span },
      { value: right, span: e.right.span },
    ],
    e.span,
  );
}

/** A Python number computed by `compute` as a literal, or Python's exception at `span`. */
function python(analyzer: Analyzer, compute: () => PyNumber, span: AST.Span): Value {
  let value: PyNumber;
  try {
    value = compute();
  } catch (e) {
    if (e instanceof PyError) throw new BuildError(e.text, span, 'python-error');
    throw e;
  }
  return tensorValue(analyzer.b.pyNumber(value, span));
}

/** Operators: like a call of the op, except that literals (lists of numbers here: numbers
 *  alone combine in Python above) combine into a literal, computed in Python's precision
 *  (doubles, exact integers) so that `[1., 2.] / 3.` adapts to the tensor it later meets. */
function operator(analyzer: Analyzer, opName: string, args: CallArg[], span: AST.Span): Value {
  const op = lookupOp(opName)!;
  let allWeak = true;
  for (const a of args) if (a.value.kind !== 'tensor' || !a.value.node.weak) allWeak = false;
  if (!allWeak) return analyzer.b.call(op, args, span);
  const wide = analyzer.b.widenLiterals(
    args.map((a) => (a.value as { node: Node }).node),
    args.map((a) => a.span),
  );
  const result = analyzer.b.call(
    op,
    args.map((a, i) => ({ ...a, value: tensorValue(wide[i]) })),
    span,
  );
  if (result.kind !== 'tensor') return result;
  const t = analyzer.evaluator.valueOf(result.node);
  return tensorValue(t ? analyzer.b.literalFrom(t, span) : result.node);
}

function list(analyzer: Analyzer, e: AST.ListExpr, scope: Map<string, Value> | null): Value {
  const literal = numericLiteral(e);
  if (literal) {
    const size = literal.data.length;
    if (size > analyzer.b.maxElements) {
      throw new BuildError(
        `a literal of ${formatCount(size)} elements is over the ${formatCount(analyzer.b.maxElements)}-element budget ${raiseHint('maxElements')}`,
        e.span,
        'budget-elements',
      );
    }
    return tensorValue(analyzer.b.constant(literal, e.span, true));
  }
  return { kind: 'list', items: e.elements.map((x) => lowerExpr(analyzer, x, scope)) };
}

/** Where a top-level name is first bound in the program, to explain a use before it. Most
 *  files have no unknown name, and most that do have few: the first ones scan the
 *  statements, and a table is made only when there are more. (In a 100,000-line file a scan
 *  takes a few milliseconds, the table 40: two scans, then the table.) */
function firstBinding(analyzer: Analyzer, name: string): AST.Span | undefined {
  const statements = analyzer.program.statements;
  if (!analyzer.futureBindings && ++analyzer.futureQueries <= 8 && analyzer.futureQueries * statements.length <= 200_000)
    return firstBoundIn(statements, name);
  if (!analyzer.futureBindings) {
    const first = new Map<string, AST.Span>();
    for (const stmt of analyzer.program.statements) {
      for (const id of boundNames(stmt)) if (!first.has(id.name)) first.set(id.name, id.span);
    }
    analyzer.futureBindings = first;
  }
  return analyzer.futureBindings.get(name);
}

/** The value of a name. One that cannot be resolved is a BuildError, thrown; with
 *  `reportMissing` it is reported here and the result is ERROR (for `assignedValue`). */
export function resolve(
  analyzer: Analyzer,
  name: string,
  span: AST.Span,
  scope: Map<string, Value> | null,
  text = name,
  reportMissing = false,
): Value {
  const local = scope?.get(name);
  if (local) return local;
  if (text.includes('.') && !analyzer.byName.has(name)) {
    const attribute = dottedAttribute(analyzer, text, span, scope);
    if (attribute) return attribute;
  }
  const binding = analyzer.byName.get(name);
  if (binding) {
    analyzer.addReference(span, binding);
    if (binding.value.kind === 'error') {
      if (reportMissing) return ERROR;
      throw new Poisoned();
    }
    return binding.value;
  }
  const dtype = parseDType(name);
  if (dtype) return { kind: 'dtype', dtype };
  const op = lookupOp(name);
  if (op && !op.internal) return { kind: 'op', op };
  const later = firstBinding(analyzer, name);
  let message: string;
  let code: string;
  let related: Related[] = [];
  if (later && later.start > span.start) {
    message = `\`${name}\` is used before it is defined (at line ${analyzer.line(later)})`;
    code = 'use-before-definition';
    related = [{ span: later, message: `\`${name}\` is defined here` }];
  } else {
    const candidates = [analyzer.byName.names(), scope ? scope.keys() : [], publicNames()];
    message = `unknown name \`${text}\`${analyzer.hiddenByCap(span.start) ? '' : didYouMeanAmong(name, candidates)}`;
    code = 'unknown-name';
  }
  if (!reportMissing) throw new BuildError(message, span, code, related);
  analyzer.report(span, 'error', code, message, related.length ? related : undefined);
  return ERROR;
}

/** The value of an assignment (`stmt.value`): `expr`, except that an unresolved name in it,
 *  alone or an operand of binary operators, is reported without an exception: the value is
 *  then ERROR, which the binding takes just as it does when the statement throws. (A file of
 *  typos made one exception per line, and unwinding one costs microseconds.) */
export function assignedValue(analyzer: Analyzer, e: AST.Expr): Value {
  if (e.kind === 'name') return resolve(analyzer, e.name, e.span, null, e.text, true);
  if (e.kind === 'binary') {
    const left = assignedValue(analyzer, e.left);
    if (left.kind === 'error') return ERROR;
    const right = assignedValue(analyzer, e.right);
    if (right.kind === 'error') return ERROR;
    return binary(analyzer, e, left, right);
  }
  return lowerExpr(analyzer, e, null);
}

export function callArgs(analyzer: Analyzer, call: AST.CallExpr, scope: Map<string, Value> | null): CallArg[] {
  return call.args.map((a) => ({ keyword: a.keyword, value: lowerExpr(analyzer, a.value, scope), span: a.value.span }));
}

function call(analyzer: Analyzer, e: AST.CallExpr, scope: Map<string, Value> | null): Value {
  let callee: Value;
  if (e.callee.kind === 'name') {
    const local = scope?.get(e.callee.name) ?? analyzer.byName.get(e.callee.name)?.value;
    const op = lookupOp(e.callee.name);
    if (!local && (!op || op.internal)) {
      const candidates = [publicOpNames(), analyzer.byName.markedNames()];
      const later = firstBinding(analyzer, e.callee.name);
      if (later && later.start > e.span.start) {
        throw new BuildError(
          `\`${e.callee.name}\` is used before it is defined (at line ${analyzer.line(later)})`,
          e.callee.span,
          'use-before-definition',
          [{ span: later, message: `\`${e.callee.name}\` is defined here` }],
        );
      }
      throw new BuildError(`unknown op \`${e.callee.text}\`${didYouMeanAmong(e.callee.name, candidates)}`, e.callee.span, 'unknown-op');
    }
    callee = lowerExpr(analyzer, e.callee, scope);
  } else {
    callee = lowerExpr(analyzer, e.callee, scope);
  }
  const args = callArgs(analyzer, e, scope);
  if (callee.kind === 'op') return analyzer.b.call(callee.op, args, e.span);
  if (callee.kind === 'function') {
    const kw = args.find((a) => a.keyword);
    if (kw) throw new BuildError(`${callee.fn.name}() takes positional arguments only`, kw.keyword!.span, 'bad-arguments');
    return callee.fn.call(
      analyzer.b,
      args.map((a) => a.value),
      e.span,
    );
  }
  if (callee.kind === 'dtype') {
    // `float32(x)` / `np.float32(3)`: a cast, as NumPy's scalar constructors.
    if (args.length !== 1) throw new BuildError(`${callee.dtype}() takes one argument`, e.argsSpan, 'bad-arguments');
    const node = analyzer.b.toTensor(args[0].value, args[0].span, callee.dtype);
    return tensorValue(analyzer.b.cast(node, callee.dtype));
  }
  throw new BuildError(`${describe(callee)} is not callable`, e.callee.span, 'not-callable');
}

function index(analyzer: Analyzer, e: AST.IndexExpr, scope: Map<string, Value> | null): Value {
  const target = lowerExpr(analyzer, e.target, scope);
  if (target.kind === 'list') {
    if (e.items.length !== 1 || e.items[0].kind === 'slice' || e.items[0].kind === 'ellipsis') {
      if (e.items.length === 1 && e.items[0].kind === 'slice') return sliceList(analyzer, target, e.items[0], scope);
      throw new BuildError('a list takes one integer index', e.span, 'bad-index');
    }
    const item = e.items[0] as AST.Expr;
    const i = analyzer.b.staticInt(lowerExpr(analyzer, item, scope), item.span, 'index');
    const n = target.items.length;
    if (i < -n || i >= n) throw new BuildError(`index ${i} is out of range for a list of ${n}`, item.span, 'index-out-of-range');
    return target.items[i < 0 ? i + n : i];
  }
  const node = analyzer.b.toTensor(target, e.target.span);
  const spec = e.items.map((item) => {
    if (item.kind === 'ellipsis') return { kind: 'ellipsis' as const };
    if (item.kind === 'slice') {
      const part = (x: AST.Expr | undefined, what: string) =>
        x ? analyzer.b.staticInt(lowerExpr(analyzer, x, scope), x.span, what) : null;
      return {
        kind: 'slice' as const,
        start: part(item.start, 'slice start'),
        stop: part(item.stop, 'slice stop'),
        step: part(item.step, 'slice step'),
      };
    }
    if (item.kind === 'constant' && item.value === null) return { kind: 'newaxis' as const };
    return { kind: 'index' as const, index: analyzer.b.staticInt(lowerExpr(analyzer, item, scope), item.span, 'index') };
  });
  return tensorValue(analyzer.b.apply('strided_slice', [node], { spec }, e.span, [e.target.span, ...e.items.map((i) => i.span)]));
}

function sliceList(
  analyzer: Analyzer,
  target: Extract<Value, { kind: 'list' }>,
  s: AST.SliceItem,
  scope: Map<string, Value> | null,
): Value {
  const part = (x: AST.Expr | undefined) => (x ? analyzer.b.staticInt(lowerExpr(analyzer, x, scope), x.span, 'slice') : undefined);
  const step = part(s.step) ?? 1;
  if (step !== 1) throw new BuildError('list slices take no step', s.span, 'bad-index');
  return { kind: 'list', items: target.items.slice(part(s.start), part(s.stop)) };
}

function attribute(analyzer: Analyzer, e: AST.AttributeExpr, scope: Map<string, Value> | null): Value {
  return attributeOf(analyzer, lowerExpr(analyzer, e.target, scope), e.attribute.name, e.span, e.attribute.span);
}

/** `.shape`, `.dtype`, `.T`, `.ndim` of a tensor. */
function attributeOf(analyzer: Analyzer, target: Value, name: string, span: AST.Span, nameSpan: AST.Span): Value {
  if (target.kind === 'tensor') {
    const node = target.node;
    if (name === 'shape') {
      const shape = node.type.shape;
      if (!shape) throw new BuildError('the shape has unknown rank', span, 'unknown-shape');
      return { kind: 'list', items: shape.map((d) => (d === null ? NONE : tensorValue(analyzer.b.literal(d, 'int32', span)))) };
    }
    if (name === 'dtype') return { kind: 'dtype', dtype: node.type.dtype };
    if (name === 'T') return tensorValue(analyzer.b.apply('transpose', [node], { perm: null }, span));
    if (name === 'ndim') {
      if (!node.type.shape) throw new BuildError('the rank is unknown', span, 'unknown-shape');
      return tensorValue(analyzer.b.literal(node.type.shape.length, 'int32', span));
    }
  }
  throw new BuildError(
    `${describe(target)} has no attribute \`${name}\` (tensors have .shape, .dtype, .T, .ndim)`,
    nameSpan,
    'unknown-attribute',
  );
}

/** `x.shape` lexes as one dotted name: when its head is a bound name, read the rest as
 *  attribute accesses. */
function dottedAttribute(analyzer: Analyzer, text: string, span: AST.Span, scope: Map<string, Value> | null): Value | undefined {
  const parts = text.split('.');
  if (parts.length < 2) return undefined;
  const head = parts[0];
  const headBinding = scope?.get(head) ?? analyzer.byName.get(head)?.value;
  if (!headBinding) return undefined;
  let value = resolve(analyzer, head, { start: span.start, end: span.start + head.length }, scope);
  let offset = span.start + head.length;
  for (const attr of parts.slice(1)) {
    const nameSpan = { start: offset + 1, end: offset + 1 + attr.length };
    value = attributeOf(analyzer, value, attr, { start: span.start, end: nameSpan.end }, nameSpan);
    offset = nameSpan.end;
  }
  return value;
}

export function describe(v: Value): string {
  switch (v.kind) {
    case 'tensor':
      return `a ${v.node.type.dtype} tensor`;
    case 'list':
      return `a list of ${v.items.length}`;
    case 'none':
      return 'None';
    case 'string':
      return `the string '${v.value}'`;
    case 'dtype':
      return `the dtype ${v.dtype}`;
    case 'function':
      return `the function \`${v.fn.name}\``;
    case 'op':
      return `the op \`${v.op.name}\``;
    default:
      return 'an erroneous value';
  }
}

/** The span where `name` is first bound among `statements` (as `boundNames`, without
 *  making an array per statement). */
function firstBoundIn(statements: readonly AST.Stmt[], name: string): AST.Span | undefined {
  // (an indexed loop: this runs once or a few times, unoptimised, where `for of` makes an
  // iterator result per statement)
  for (let i = 0; i < statements.length; i++) {
    const stmt = statements[i];
    if (stmt.kind === 'assign') {
      if (stmt.target.name === name) return stmt.target.span;
    } else if (stmt.kind === 'def') {
      if (stmt.name.name === name) return stmt.name.span;
    } else if (stmt.kind === 'destructure') {
      for (const t of stmt.targets) if (t.name === name) return t.span;
    }
  }
  return undefined;
}

function boundNames(stmt: AST.Stmt): AST.Identifier[] {
  switch (stmt.kind) {
    case 'assign':
      return [stmt.target];
    case 'destructure':
      return stmt.targets;
    case 'def':
      return [stmt.name];
    default:
      return [];
  }
}

/** A nested list of number literals becomes one constant directly (fast for big feeds). */
function numericLiteral(e: AST.ListExpr): Tensor | null {
  const shape: number[] = [];
  const values: number[] = [];
  let isFloatLiteral = false;
  let isBool = false;
  let isNumber = false;
  const walk = (x: AST.Expr, depth: number): boolean => {
    if (x.kind === 'list') {
      if (depth === shape.length) shape.push(x.elements.length);
      else if (shape[depth] !== x.elements.length) return false;
      return x.elements.every((el) => walk(el, depth + 1));
    }
    if (depth !== shape.length) return false;
    let v: number;
    if (x.kind === 'number') {
      v = x.value;
      isNumber = true;
      if (!x.isInteger) isFloatLiteral = true;
    } else if (x.kind === 'unary' && x.op === '-' && x.operand.kind === 'number') {
      v = -x.operand.value;
      isNumber = true;
      if (!x.operand.isInteger) isFloatLiteral = true;
    } else if (x.kind === 'constant' && x.value !== null) {
      v = x.value ? 1 : 0;
      isBool = true;
    } else return false;
    values.push(v);
    return true;
  };
  if (!walk(e, 0)) return null;
  if (isBool && isNumber) return null;
  // every leaf must sit at the deepest level
  const size = shape.reduce((a, d) => a * d, 1);
  if (size !== values.length) return null;
  // Ints are int32 when all fit, else int64 (as tf.constant); past 2^53 each element is read
  // exactly on its own.
  const ints =
    isBool || isFloatLiteral
      ? null
      : values.every((v) => v >= -2147483648 && v <= 2147483647)
        ? 'int32'
        : values.every(Number.isSafeInteger)
          ? 'int64'
          : null;
  if (!isBool && !isFloatLiteral && ints === null) return null;
  const dtype = isBool ? 'bool' : isFloatLiteral ? 'float32' : ints!;
  // Float literals keep full precision until they meet a dtype (0.1 stays 0.1 in float64).
  const data = dtype === 'bool' ? Uint8Array.from(values) : dtype === 'int32' ? Int32Array.from(values) : Float64Array.from(values);
  return { dtype, shape, data };
}

export /** `f → g → h`, or its ends when the chain is long. */
function callChain(names: readonly string[]): string {
  return names.length <= 6 ? names.join(' → ') : [...names.slice(0, 3), '…', ...names.slice(-2)].join(' → ');
}
