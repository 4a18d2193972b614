// Classes used as namespaces (PYTHON.md): `class ActorNetwork(object):` with `__init__`
// storing tensors and variables on `self`, and methods building and returning tensors. A
// class with any base but `object` or a library base that is itself only an interface (Keras'
// LearningRateSchedule: a script's schedule is its own `__call__(step)`) is outside the subset
// (a Keras model is).

import type * as P from './ast';
import type { Span } from '../syntax/ast';
import { type CallSite, type KeywordArg, PyBuiltin, PyFunction, PyObject, type PyValue, Scope, Unknown, typeName } from './values';
import { OutsideSubset, Skipped, pyError } from './errors';
import type { Interpreter } from './interpreter';

/** A library class a script's class may derive from as it derives from `object`: its
 *  `__init__` does nothing and the script's class supplies everything it needs. */
export class InterfaceBase extends PyObject {
  constructor(readonly qualifiedName: string) {
    super();
  }
  get typeName(): string {
    return 'type';
  }
  override repr(): string {
    return `<class '${this.qualifiedName}'>`;
  }
}

/** `super()`: what it reaches of `object` and the interface bases, their `__init__`, which does
 *  nothing. */
export class PySuper extends PyObject {
  get typeName(): string {
    return 'super';
  }
  override getAttr(_rt: Interpreter, name: string, span: Span): PyValue | undefined {
    if (name === '__init__') return new PyBuiltin('__init__', () => null);
    throw new OutsideSubset(`\`super().${name}\` is outside tgraph's subset (a class's bases are \`object\` or an interface)`, span);
  }
}

export class PyClass extends PyObject {
  constructor(
    readonly name: string,
    readonly attributes: Map<string, PyValue>,
    readonly base?: InterfaceBase,
  ) {
    super();
  }
  get typeName(): string {
    return 'type';
  }
  override repr(): string {
    return `<class '__main__.${this.name}'>`;
  }
  override getAttr(_rt: Interpreter, name: string): PyValue | undefined {
    if (name === '__name__') return this.name;
    return this.attributes.get(name);
  }
  override setAttr(_rt: Interpreter, name: string, value: PyValue): void {
    this.attributes.set(name, value);
  }
  override call(rt: Interpreter, args: PyValue[], kwargs: KeywordArg[], site: CallSite): PyValue {
    const self = new PyInstance(this);
    const init = this.attributes.get('__init__');
    if (init instanceof PyFunction) {
      const result = rt.callFunction(init, [self, ...args], kwargs, withSelf(site));
      if (result !== null) throw pyError('TypeError', `__init__() should return None, not '${typeName(result)}'`, site.span);
    } else if (args.length || kwargs.length) throw pyError('TypeError', `${this.name}() takes no arguments`, site.span);
    return self;
  }
}

/** An instance: its own attributes first, then its class's (functions bound to it). */
export class PyInstance extends PyObject {
  readonly attributes = new Map<string, PyValue>();
  constructor(readonly cls: PyClass) {
    super();
  }
  get typeName(): string {
    return this.cls.name;
  }
  override repr(): string {
    return `<__main__.${this.cls.name} object>`;
  }
  override getAttr(_rt: Interpreter, name: string): PyValue | undefined {
    const own = this.attributes.get(name);
    if (own !== undefined) return own;
    if (name === '__class__') return this.cls;
    const v = this.cls.attributes.get(name);
    if (v instanceof PyFunction) return new BoundMethod(this, v);
    return v;
  }
  override setAttr(_rt: Interpreter, name: string, value: PyValue): void {
    this.attributes.set(name, value);
  }
  override call(rt: Interpreter, args: PyValue[], kwargs: KeywordArg[], site: CallSite): PyValue {
    const call = this.cls.attributes.get('__call__');
    if (!(call instanceof PyFunction)) throw pyError('TypeError', `'${this.cls.name}' object is not callable`, site.funcSpan);
    return rt.callFunction(call, [this, ...args], kwargs, withSelf(site));
  }
}

class BoundMethod extends PyObject {
  constructor(
    readonly self: PyInstance,
    readonly fn: PyFunction,
  ) {
    super();
  }
  get typeName(): string {
    return 'method';
  }
  override repr(): string {
    return `<bound method ${this.self.cls.name}.${this.fn.name} of ${this.self.repr()}>`;
  }
  override call(rt: Interpreter, args: PyValue[], kwargs: KeywordArg[], site: CallSite): PyValue {
    return rt.callFunction(this.fn, [this.self, ...args], kwargs, withSelf(site));
  }
}

/** The call site with `self` as its first argument (argument errors point at the right one). */
function withSelf(site: CallSite): CallSite {
  return { ...site, argSpans: [site.funcSpan, ...site.argSpans] };
}

/** `class Name(object): body`: the body runs in the class's namespace; its functions become
 *  methods (closing over the scope around the class, as Python's do). */
export function defineClass(
  rt: Interpreter,
  s: P.ClassDef,
  scope: Scope,
  run: (body: readonly P.Stmt[], namespace: Scope) => void,
): PyClass {
  let interfaceBase: InterfaceBase | undefined;
  for (const base of s.bases) {
    const value = base.kind === 'Name' ? (scope.lookup(base.id) ?? rt.rt.builtin(base.id, base.span)) : libraryBase(rt, base, scope);
    if (value instanceof Unknown) throw new Skipped(value, base.kind === 'Name' ? base.id : s.name);
    if (value instanceof InterfaceBase) interfaceBase = value;
    else if (!(base.kind === 'Name' && base.id === 'object')) {
      throw new OutsideSubset(
        `a class inheriting from \`${rt.rt.text.slice(base.span.start, base.span.end)}\` is outside tgraph's subset (classes are namespaces, with no base but \`object\`)`,
        base.span,
      );
    }
  }
  if (s.decorators.length) throw new OutsideSubset("a decorated class is outside tgraph's subset", s.decorators[0].span);
  const namespace = new Scope(scope, false);
  run(s.body, namespace);
  const attributes = new Map<string, PyValue>();
  for (const [name, value] of namespace.vars) {
    if (value instanceof Unknown) continue;
    attributes.set(name, value instanceof PyFunction && value.closure === namespace ? rebind(value, scope) : value);
  }
  return new PyClass(s.name, attributes, interfaceBase);
}

/** A dotted base (`tf.keras.optimizers.schedules.LearningRateSchedule`): its value, or
 *  undefined where it is none tgraph has (then the class is outside the subset, as before). */
function libraryBase(rt: Interpreter, base: P.Expr, scope: Scope): PyValue | undefined {
  try {
    return rt.evaluate(base, scope);
  } catch {
    return undefined;
  }
}

function rebind(f: PyFunction, scope: Scope): PyFunction {
  return new PyFunction(f.name, f.params, f.body, f.defaults, scope, f.span, f.decorators);
}
