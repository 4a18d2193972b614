// Python values as the interpreter holds them. Python's own scalars are JavaScript
// primitives (int: bigint, exact at any size; float: number, a double; bool; None: null;
// str: string); everything else is an object of a class below (NumPy arrays are in
// numpy/ndarray.ts, graph tensors and sessions in tensorflow/).

import type { Span } from '../syntax/ast';
import type * as P from './ast';
import type { Interpreter } from './interpreter';

export type PyValue = bigint | number | boolean | null | string | PyObject;

/** Returned by `binaryOp` for an operand it does not handle: the other side is asked. */
export const NOT_IMPLEMENTED = Symbol('NotImplemented');

/** Where an operator is: its spans, for diagnostics at the operand that caused them. */
export interface OpSite {
  span: Span;
  leftSpan: Span;
  rightSpan: Span;
}

/** Every non-primitive value: its Python type name (for messages and `type(x)`), how
 *  `repr` and `str` show it, and the parts of Python's data model it implements (a
 *  method left out is the TypeError Python would raise). */
export abstract class PyObject {
  abstract get typeName(): string;
  repr(): string {
    return `<${this.typeName} object>`;
  }
  str(): string {
    return this.repr();
  }
  /** `self OP other` (or `other OP self` when `reflected`); comparisons too. */
  binaryOp?(rt: Interpreter, op: string, other: PyValue, reflected: boolean, site: OpSite): PyValue | typeof NOT_IMPLEMENTED;
  unaryOp?(rt: Interpreter, op: '-' | '+' | '~', span: Span): PyValue;
  /** An attribute, or undefined (AttributeError). */
  getAttr?(rt: Interpreter, name: string, span: Span): PyValue | undefined;
  setAttr?(rt: Interpreter, name: string, value: PyValue, span: Span): void;
  getItem?(rt: Interpreter, index: PyValue, span: Span, indexSpan: Span): PyValue;
  setItem?(rt: Interpreter, index: PyValue, value: PyValue, span: Span, indexSpan: Span): void;
  /** `bool(self)`; may raise (a tensor in an `if`). */
  truth?(rt: Interpreter, span: Span): boolean;
  /** The items of `for x in self` (bounded by the caller's budget). */
  iterate?(rt: Interpreter, span: Span): PyValue[];
  length?(rt: Interpreter, span: Span): number;
  call?(rt: Interpreter, args: PyValue[], kwargs: KeywordArg[], site: CallSite): PyValue;
  /** The Python number it stands for (`__float__`/`__index__`: a NumPy scalar), if any. */
  toNumber?(): bigint | number | boolean | undefined;
  /** Entering and leaving a `with` block. */
  enter?(rt: Interpreter, span: Span): PyValue;
  exit?(rt: Interpreter): void;
}

export class PyList extends PyObject {
  constructor(public items: PyValue[]) {
    super();
  }
  get typeName(): string {
    return 'list';
  }
}

export class PyTuple extends PyObject {
  constructor(readonly items: readonly PyValue[]) {
    super();
  }
  get typeName(): string {
    return 'tuple';
  }
}

/** A collections.namedtuple TensorFlow returns (`tf.math.top_k`'s TopKV2): a tuple whose
 *  items are also attributes. */
export class PyNamedTuple extends PyTuple {
  constructor(
    readonly type: string,
    readonly names: readonly string[],
    items: readonly PyValue[],
  ) {
    super(items);
  }
  override get typeName(): string {
    return this.type;
  }
  override getAttr(_rt: Interpreter, name: string): PyValue | undefined {
    const at = this.names.indexOf(name);
    return at >= 0 ? this.items[at] : undefined;
  }
}

/** dict and set: entries by a hash key (equal Python keys, equal strings). */
export class PyDict extends PyObject {
  readonly entries = new Map<string, { key: PyValue; value: PyValue }>();
  constructor(readonly isSet = false) {
    super();
  }
  get typeName(): string {
    return this.isSet ? 'set' : 'dict';
  }
  get(key: PyValue): PyValue | undefined {
    return this.entries.get(hashKey(key))?.value;
  }
  set(key: PyValue, value: PyValue): void {
    const h = hashKey(key);
    const old = this.entries.get(h);
    if (old) old.value = value;
    else this.entries.set(h, { key, value });
  }
  has(key: PyValue): boolean {
    return this.entries.has(hashKey(key));
  }
  delete(key: PyValue): boolean {
    return this.entries.delete(hashKey(key));
  }
  keys(): PyValue[] {
    return [...this.entries.values()].map((e) => e.key);
  }
}

export class PySlice extends PyObject {
  constructor(
    readonly start: PyValue,
    readonly stop: PyValue,
    readonly step: PyValue,
  ) {
    super();
  }
  get typeName(): string {
    return 'slice';
  }
}

export class PyRange extends PyObject {
  constructor(
    readonly start: bigint,
    readonly stop: bigint,
    readonly step: bigint,
  ) {
    super();
  }
  get typeName(): string {
    return 'range';
  }
  get count(): bigint {
    const { start, stop, step } = this;
    if (step > 0n) return stop > start ? (stop - start + step - 1n) / step : 0n;
    return start > stop ? (start - stop - step - 1n) / -step : 0n;
  }
  at(i: bigint): bigint {
    return this.start + i * this.step;
  }
  override repr(): string {
    return `range(${this.start}, ${this.stop}${this.step === 1n ? '' : ', ' + this.step})`;
  }
}

/** What `zip`, `enumerate`, `map`, `reversed`, `dict.items()` return: materialised, as the
 *  interpreter's loops are bounded anyway. */
export class PyIterator extends PyObject {
  constructor(
    readonly name: string,
    readonly items: PyValue[],
  ) {
    super();
  }
  get typeName(): string {
    return this.name;
  }
}

/** A scope: a function's locals or the module's globals. */
export class Scope {
  readonly vars = new Map<string, PyValue | Unknown>();
  constructor(
    readonly parent: Scope | null,
    readonly isModule: boolean,
  ) {}

  lookup(name: string): PyValue | Unknown | undefined {
    for (let s: Scope | null = this; s; s = s.parent) {
      const v = s.vars.get(name);
      if (v !== undefined) return v;
    }
    return undefined;
  }
}

/** A name whose value tgraph does not know: bound by a statement outside the subset, or by
 *  one that failed or was skipped. Reading it skips the statement quietly. */
export class Unknown {
  constructor(
    /** The name everything downstream depends on (the root of the chain). */
    readonly root: string,
    /** Why the root has no value, as a clause after its name: "which is outside tgraph's
     *  subset (line 3)". */
    readonly clause: string,
  ) {}

  /** What a hover on `name` says. */
  reasonFor(name: string): string {
    return `not evaluated: ${name === this.root ? `\`${name}\`, ${this.clause}` : `depends on \`${this.root}\`, ${this.clause}`}`;
  }
}

/** A `def` or `lambda`: called by interpreting its body in a new scope (traced into the
 *  graph per call, as `tf.function` would). */
export class PyFunction extends PyObject {
  constructor(
    readonly name: string,
    readonly params: P.Param[],
    /** Statements of a def, or the expression of a lambda. */
    readonly body: P.Stmt[] | P.Expr,
    readonly defaults: Map<string, PyValue>,
    readonly closure: Scope,
    readonly span: Span,
    readonly decorators: readonly PyValue[] = [],
  ) {
    super();
  }
  get typeName(): string {
    return 'function';
  }
  override repr(): string {
    return `<function ${this.name}>`;
  }
}

export interface KeywordArg {
  name: string;
  value: PyValue;
  /** The value's span. */
  span: Span;
  /** The keyword's own span (`axis` in `axis=1`). */
  nameSpan?: Span;
}

/** Where a call is: the spans its errors point at. */
export interface CallSite {
  span: Span;
  /** The callee expression. */
  funcSpan: Span;
  argSpans: Span[];
  argsSpan: Span;
  /** The call's syntax, when it came from the source (fetch spans of `sess.run([...])`). */
  expr?: P.Call;
}

/** A function of the interpreter itself (a builtin, a library function, a bound method).
 *  A builtin that is also a type (`int`, `list`, `np.ndarray`) tests membership for
 *  `isinstance`. */
export class PyBuiltin extends PyObject {
  constructor(
    readonly name: string,
    readonly fn: (args: PyValue[], kwargs: KeywordArg[], site: CallSite) => PyValue,
    readonly isInstance?: (v: PyValue) => boolean,
  ) {
    super();
  }
  get typeName(): string {
    return this.isInstance ? 'type' : 'builtin_function_or_method';
  }
  override repr(): string {
    return this.isInstance ? `<class '${this.name}'>` : `<built-in function ${this.name}>`;
  }
  override getAttr(_rt: Interpreter, name: string): PyValue | undefined {
    const dot = this.name.lastIndexOf('.');
    if (name === '__name__' || name === '__qualname__') return this.name.slice(dot + 1);
    if (name === '__module__') return dot < 0 ? 'builtins' : this.name.slice(0, dot);
    return undefined;
  }
  override call(_rt: Interpreter, args: PyValue[], kwargs: KeywordArg[], site: CallSite): PyValue {
    return this.fn(args, kwargs, site);
  }
}

/** A module (tf, np, math, tf.nn, ...): attributes looked up on demand, and memoised (a
 *  module's attribute is one object, as in Python). */
export class PyModule extends PyObject {
  private readonly cache = new Map<string, PyValue | undefined>();
  constructor(
    readonly name: string,
    private readonly lookup: (name: string, span: Span) => PyValue | undefined,
  ) {
    super();
  }
  get typeName(): string {
    return 'module';
  }
  override getAttr(_rt: Interpreter, name: string, span: Span): PyValue | undefined {
    if (this.cache.has(name)) return this.cache.get(name);
    const v = this.lookup(name, span);
    if (v !== undefined) this.cache.set(name, v);
    return v;
  }
}

/** A stand-in for something of a known library that tgraph does not model further
 *  (`tf.train.Saver()`): using it is outside the subset. */
export class Opaque extends PyObject {
  constructor(readonly what: string) {
    super();
  }
  get typeName(): string {
    return this.what;
  }
}

export function isInt(v: PyValue): v is bigint {
  return typeof v === 'bigint';
}

/** Python's type name of a value. */
export function typeName(v: PyValue): string {
  switch (typeof v) {
    case 'bigint':
      return 'int';
    case 'number':
      return 'float';
    case 'boolean':
      return 'bool';
    case 'string':
      return 'str';
    default:
      return v === null ? 'NoneType' : v.typeName;
  }
}

const objectIds = new WeakMap<object, number>();
let nextObjectId = 1;

/** A key equal for equal Python keys: 1, 1.0 and True are one key; tuples by content;
 *  other objects by identity. */
export function hashKey(v: PyValue): string {
  switch (typeof v) {
    case 'bigint':
      return 'i' + v;
    case 'number':
      return Number.isInteger(v) ? 'i' + BigInt(v) : 'f' + v;
    case 'boolean':
      return v ? 'i1' : 'i0';
    case 'string':
      return 's' + v;
    default:
      if (v === null) return 'N';
      if (v instanceof PyTuple) return tupleKey(v);
      let id = objectIds.get(v);
      if (id === undefined) objectIds.set(v, (id = nextObjectId++));
      return 'o' + id;
  }
}

/** A tuple's key, made once per tuple (a tuple of tuples sharing their items, `x = (x, x)` in
 *  a loop, is a few objects whose keys written out would double at each level); a long key
 *  is kept as its digest and length. */
const tupleKeys = new WeakMap<PyTuple, string>();
const MAX_KEY_LENGTH = 1000;

function tupleKey(t: PyTuple): string {
  const known = tupleKeys.get(t);
  if (known !== undefined) return known;
  const written = 't(' + t.items.map(hashKey).join(',') + ')';
  const key = written.length <= MAX_KEY_LENGTH ? written : `T${digest(written)}:${written.length}`;
  tupleKeys.set(t, key);
  return key;
}

/** A 53-bit digest of a string (cyrb53). */
function digest(s: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}
