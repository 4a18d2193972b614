// The interpreter: Python statements and expressions over the values of values.ts. Python's
// own semantics for Python values (operators.ts), the data model for library objects (their
// `binaryOp`, `getAttr`, `call`, ... methods), and the document (runtime.ts) for what the
// tools see: bindings, prints, asserts, diagnostics.
//
// Loops are unrolled over Python values, every iteration counted against
// tgraph.maxUnrolledIterations; calls of user functions nest at most tgraph.maxCallDepth.

import { callRecorded } from './tensorflow/functional';
import type { Span } from '../syntax/ast';
import { BuildError } from '../builder';
import { formatCount, raiseHint } from '../budgets';
import * as P from './ast';
import {
  type CallSite,
  type KeywordArg,
  NOT_IMPLEMENTED,
  type OpSite,
  PyDict,
  PyFunction,
  PyIterator,
  PyList,
  PyModule,
  PyObject,
  PyRange,
  PySlice,
  PyTuple,
  type PyValue,
  Scope,
  Unknown,
  typeName,
} from './values';
import { rangeContains, rangeItem, rangeLength } from './ranges';
import { OutsideSubset, QuietError, Skipped, pyError } from './errors';
import { pyRepr, pyStr } from './format';
import { extendList, pythonBinary, pythonCompare, truthOf } from './operators';
import type { Runtime } from './runtime';
import { evaluateExpr, indexSpan, subscriptIndex } from './expressions';
import { bindArguments, sliceItems } from './calls';
import { defineClass } from './classes';

export { sliceItems };

/** How a block of statements ended. */
type Flow = undefined | typeof BREAK | typeof CONTINUE | { value: PyValue };
const BREAK = Symbol('break');
const CONTINUE = Symbol('continue');

export const ELLIPSIS_VALUE = new (class extends PyObject {
  get typeName(): string {
    return 'ellipsis';
  }
  override repr(): string {
    return 'Ellipsis';
  }
})();

export class Interpreter {
  readonly globals = new Scope(null, true);
  private callDepth = 0;
  private readonly callStack: string[] = [];
  iterations = 0;

  constructor(readonly rt: Runtime) {}

  // ---- statements ---------------------------------------------------------------------------

  /** Runs the statements of the module, each on its own: one that fails, is outside the
   *  subset or reads an unknown name leaves its names unknown and the rest goes on. */
  runModule(body: readonly P.Stmt[]): void {
    this.guardedBlock(body, this.globals, true);
  }

  /** A block at module level (the module, or a loop/if/with body in it): statements one by
   *  one, each failure contained. */
  private guardedBlock(body: readonly P.Stmt[], scope: Scope, outermost = false): Flow {
    for (const stmt of body) {
      // A budget that stops building (graph nodes, time) or a newer text stops the script.
      if (this.rt.b.exhausted || this.rt.options.cancelled?.()) return undefined;
      if (outermost) this.rt.options.progress?.('building', stmt.span);
      let flow: Flow;
      try {
        flow = this.exec(stmt, scope);
      } catch (e) {
        if (e instanceof LoopBudget && !outermost) throw e; // stops the whole loop it is in
        this.rt.statementFailed(stmt, e, this.boundNames(stmt));
        continue;
      } finally {
        if (outermost) this.rt.settleBindings();
      }
      if (flow !== undefined) return flow;
    }
    return undefined;
  }

  private block(body: readonly P.Stmt[], scope: Scope): Flow {
    if (scope.isModule) return this.guardedBlock(body, scope);
    for (const stmt of body) {
      const flow = this.exec(stmt, scope);
      if (flow !== undefined) return flow;
    }
    return undefined;
  }

  exec(s: P.Stmt, scope: Scope): Flow {
    switch (s.kind) {
      case 'Assign': {
        const value = this.evaluate(s.value, scope);
        for (const t of s.targets) this.assign(t, value, scope, s);
        return undefined;
      }
      case 'AugAssign':
        return this.augAssign(s, scope);
      case 'Expr': {
        this.evaluate(s.value, scope);
        return undefined;
      }
      case 'Import':
        for (const alias of s.names) {
          if (alias.asname) this.bindName(alias.asname, alias.span, this.rt.importModule(alias.name, alias.span), scope, s);
          else {
            // `import a.b` binds `a`
            const head = alias.name.split('.')[0];
            this.rt.importModule(alias.name, alias.span);
            this.bindName(
              head,
              { start: alias.span.start, end: alias.span.start + head.length },
              this.rt.importModule(head, alias.span),
              scope,
              s,
            );
          }
        }
        return undefined;
      case 'ImportFrom': {
        if (s.module === '__future__') return undefined;
        if (s.level > 0 || s.module === null) throw new OutsideSubset("relative imports are outside tgraph's subset", s.span);
        const module = this.rt.importModule(s.module, s.span);
        if (s.star) throw new OutsideSubset(`\`from ${s.module} import *\` is outside tgraph's subset (import the names you use)`, s.span);
        for (const alias of s.names) {
          const v = this.getAttr(module, alias.name, alias.span);
          this.bindName(alias.asname ?? alias.name, alias.span, v, scope, s);
        }
        return undefined;
      }
      case 'FunctionDef': {
        const defaults = this.defaults(s.params, scope);
        const decorators = s.decorators.map((d) => this.evaluate(d, scope));
        let fn: PyValue = new PyFunction(s.name, s.params, s.body, defaults, scope, s.nameSpan, decorators);
        if (s.async) throw new OutsideSubset("`async def` is outside tgraph's subset", s.span);
        for (let i = decorators.length - 1; i >= 0; i--) fn = this.rt.decorate(decorators[i], fn, s.decorators[i].span);
        this.bindName(s.name, s.nameSpan, fn, scope, s);
        return undefined;
      }
      case 'Return':
        if (scope.isModule) throw pyError('RuntimeError', "'return' outside function", s.span);
        return { value: s.value ? this.evaluate(s.value, scope) : null };
      case 'If': {
        const test = this.truth(this.evaluate(s.test, scope), s.test.span);
        return this.block(test ? s.body : s.orelse, scope);
      }
      case 'For':
        return this.forLoop(s, scope);
      case 'While':
        return this.whileLoop(s, scope);
      case 'With':
        return this.withBlock(s, scope, 0);
      case 'Assert':
        return this.assertStmt(s, scope);
      case 'Delete':
        for (const t of s.targets) this.deleteTarget(t, scope);
        return undefined;
      case 'Pass':
        return undefined;
      case 'Break':
        return BREAK;
      case 'Continue':
        return CONTINUE;
      case 'ClassDef':
        this.bindName(
          s.name,
          s.nameSpan,
          defineClass(this, s, scope, (body, namespace) => this.block(body, namespace)),
          scope,
          s,
        );
        return undefined;
      case 'UnsupportedStmt':
        throw new OutsideSubset(`${s.what} is outside tgraph's subset`, headerSpan(s, this.rt.text));
      case 'Unparsed':
        throw new NotPython();
      case 'TooDeep':
        throw new BuildError(
          `this statement nests more than ${formatCount(this.rt.budgets.maxNestingDepth)} levels deep ${raiseHint('maxNestingDepth')}`,
          s.at,
          'nesting-too-deep',
        );
    }
  }

  /** The names a statement binds (when it is not evaluated, they become unknown). */
  boundNames(s: P.Stmt): P.Name[] {
    const out: P.Name[] = [];
    const targets = (t: P.Expr) => {
      if (t.kind === 'Name') out.push(t);
      else if (t.kind === 'Tuple' || t.kind === 'List') t.elts.forEach(targets);
      else if (t.kind === 'Starred') targets(t.value);
    };
    const walk = (st: P.Stmt) => {
      switch (st.kind) {
        case 'Assign':
          st.targets.forEach(targets);
          break;
        case 'AugAssign':
          targets(st.target);
          break;
        case 'Import':
          for (const a of st.names) {
            const name = a.asname ?? a.name.split('.')[0];
            out.push({ kind: 'Name', id: name, span: a.span });
          }
          break;
        case 'ImportFrom':
          for (const a of st.names) out.push({ kind: 'Name', id: a.asname ?? a.name, span: a.span });
          break;
        case 'FunctionDef':
        case 'ClassDef':
          out.push({ kind: 'Name', id: st.name, span: st.nameSpan });
          break;
        case 'For':
          targets(st.target);
          st.body.forEach(walk);
          st.orelse.forEach(walk);
          break;
        case 'While':
        case 'If':
          st.body.forEach(walk);
          st.orelse.forEach(walk);
          break;
        case 'With':
          for (const item of st.items) if (item.target) targets(item.target);
          st.body.forEach(walk);
          break;
        case 'UnsupportedStmt':
        case 'Unparsed':
        case 'TooDeep':
          out.push(...st.binds);
          break;
      }
    };
    walk(s);
    return out;
  }

  defaults(params: readonly P.Param[], scope: Scope): Map<string, PyValue> {
    const out = new Map<string, PyValue>();
    for (const p of params) if (p.default) out.set(p.name, this.evaluate(p.default, scope));
    return out;
  }

  private augAssign(s: P.AugAssign, scope: Scope): Flow {
    const t = s.target;
    const site: OpSite = { span: s.span, leftSpan: t.span, rightSpan: s.value.span };
    if (t.kind === 'Name') {
      const current = this.loadName(t.id, t.span, scope);
      const value = this.evaluate(s.value, scope);
      this.bindName(t.id, t.span, this.inplace(s.op, current, value, site), scope, s);
      return undefined;
    }
    if (t.kind === 'Attribute') {
      const obj = this.evaluate(t.value, scope);
      const current = this.getAttr(obj, t.attr, t.attrSpan);
      const value = this.evaluate(s.value, scope);
      this.setAttr(obj, t.attr, this.inplace(s.op, current, value, site), t.attrSpan);
      return undefined;
    }
    if (t.kind === 'Subscript') {
      const obj = this.evaluate(t.value, scope);
      const index = subscriptIndex(this, t, scope);
      const current = this.getItem(obj, index, t.span, indexSpan(t));
      const value = this.evaluate(s.value, scope);
      this.setItem(obj, index, this.inplace(s.op, current, value, site), t.span, indexSpan(t));
      return undefined;
    }
    throw pyError('TypeError', "'" + t.kind + "' is an illegal expression for augmented assignment", t.span);
  }

  /** `a += b`: lists extend in place, arrays update in place (their `binaryOp` with `op=`),
   *  everything else rebinds. */
  private inplace(op: P.BinaryOperator, a: PyValue, b: PyValue, site: OpSite): PyValue {
    if (a instanceof PyList && op === '+') {
      extendList(this, a, this.iterate(b, site.rightSpan), site.span);
      return a;
    }
    if (a instanceof PyObject && a.binaryOp) {
      const r = a.binaryOp(this, op + '=', b, false, site);
      if (r !== NOT_IMPLEMENTED) return r;
    }
    return this.binary(op, a, b, site);
  }

  private forLoop(s: P.For, scope: Scope): Flow {
    if (s.async) throw new OutsideSubset("`async for` is outside tgraph's subset", s.span);
    const items = this.iterate(this.evaluate(s.iter, scope), s.iter.span);
    let broke = false;
    for (const item of items) {
      this.countIteration(s.span);
      this.assign(s.target, item, scope, s);
      const flow = this.block(s.body, scope);
      if (flow === BREAK) {
        broke = true;
        break;
      }
      if (flow === CONTINUE || flow === undefined) continue;
      return flow;
    }
    return broke ? undefined : this.block(s.orelse, scope);
  }

  private whileLoop(s: P.While, scope: Scope): Flow {
    for (;;) {
      if (!this.truth(this.evaluate(s.test, scope), s.test.span)) break;
      this.countIteration(s.span);
      const flow = this.block(s.body, scope);
      if (flow === BREAK) return undefined;
      if (flow === CONTINUE || flow === undefined) continue;
      return flow;
    }
    return this.block(s.orelse, scope);
  }

  /** Pure Python work (a loop adding ints, a recursive function, a builtin making millions of
   *  Python objects) builds no graph node, so the builder's clock never sees it: iterations,
   *  calls and such builtins read the clock here, once in STEPS_PER_CLOCK steps. */
  private clockSteps = 0;

  checkClock(at: Span): void {
    if (++this.clockSteps % STEPS_PER_CLOCK !== 0) return;
    const budget = this.rt.budget;
    if (!budget.stopped && Date.now() <= budget.deadline && !budget.cancelled?.()) return;
    budget.stopped = true;
    this.rt.b.exhausted ??= 'time';
    throw new LoopBudget(
      new BuildError(
        `evaluation stopped here: the time budget ran out; the rest of the file is not analysed ${raiseHint('evaluationTimeoutMs')}`,
        { start: at.start, end: Math.min(at.end, this.rt.lineEnd(at.start)) },
        'budget-time',
      ),
    );
  }

  /** One more unrolled iteration (loops and comprehensions), within the budget. */
  countIteration(loopSpan: Span): void {
    this.checkClock(loopSpan);
    if (++this.iterations > this.rt.budgets.maxUnrolledIterations) {
      throw new LoopBudget(
        new BuildError(
          `loops ran more than ${formatCount(this.rt.budgets.maxUnrolledIterations)} iterations in all: this one was stopped ${raiseHint('maxUnrolledIterations')}`,
          { start: loopSpan.start, end: Math.min(loopSpan.end, this.rt.lineEnd(loopSpan.start)) },
          'budget-iterations',
        ),
      );
    }
  }

  private withBlock(s: P.With, scope: Scope, i: number): Flow {
    if (s.async) throw new OutsideSubset("`async with` is outside tgraph's subset", s.span);
    if (i === s.items.length) return this.block(s.body, scope);
    const item = s.items[i];
    const manager = this.evaluate(item.context, scope);
    if (!(manager instanceof PyObject) || !manager.enter) {
      throw new OutsideSubset(`\`with\` on ${describeType(manager)} is outside tgraph's subset`, item.context.span);
    }
    const entered = manager.enter(this, item.context.span);
    try {
      if (item.target) this.assign(item.target, entered, scope, s);
      return this.withBlock(s, scope, i + 1);
    } finally {
      manager.exit?.(this);
    }
  }

  private assertStmt(s: P.Assert, scope: Scope): Flow {
    let passed: boolean;
    try {
      passed = this.truth(this.evaluate(s.test, scope), s.test.span);
    } catch (e) {
      this.rt.assertResult(s, false, null);
      throw e;
    }
    let message: string | null = null;
    if (!passed) {
      const msg = s.msg ? pyStr(this.evaluate(s.msg, scope)) : '';
      message = `AssertionError${msg ? ': ' + msg : ''}: ${this.rt.text.slice(s.test.span.start, s.test.span.end)}${this.assertDetail(s.test, scope)}`;
    }
    this.rt.assertResult(s, passed, message);
    return undefined;
  }

  /** The operands of a failed `assert a == b` (or of a call's first two arguments). */
  private assertDetail(test: P.Expr, scope: Scope): string {
    const operands: P.Expr[] =
      test.kind === 'Compare' ? [test.left, ...test.comparators] : test.kind === 'Call' ? test.args.slice(0, 2) : [];
    const parts: string[] = [];
    for (const o of operands) {
      if (o.kind === 'Constant') continue;
      try {
        const text = pyRepr(this.evaluate(o, scope));
        parts.push(`${this.rt.text.slice(o.span.start, o.span.end)} = ${text.length > 400 ? text.slice(0, 400) + '…' : text}`);
      } catch {
        // an operand that fails on its own says nothing more
      }
    }
    return parts.length ? '; ' + parts.join('; ') : '';
  }

  private deleteTarget(t: P.Expr, scope: Scope): void {
    if (t.kind === 'Name') {
      if (!scope.vars.delete(t.id)) throw pyError('NameError', `name '${t.id}' is not defined`, t.span);
      if (scope.isModule) this.rt.unbind(t.id);
      return;
    }
    if (t.kind === 'Tuple' || t.kind === 'List') return t.elts.forEach((e) => this.deleteTarget(e, scope));
    if (t.kind === 'Subscript') {
      const obj = this.evaluate(t.value, scope);
      const index = subscriptIndex(this, t, scope);
      if (obj instanceof PyList) {
        const i = this.listIndex(index, obj.items.length, indexSpan(t), true);
        obj.items.splice(i, 1);
        return;
      }
      if (obj instanceof PyDict) {
        if (!obj.delete(index)) throw pyError('KeyError', pyRepr(index), indexSpan(t));
        return;
      }
    }
    throw new OutsideSubset("this `del` is outside tgraph's subset", t.span);
  }

  // ---- names and assignment -----------------------------------------------------------------

  loadName(name: string, span: Span, scope: Scope): PyValue {
    const v = scope.lookup(name);
    if (v instanceof Unknown) throw new Skipped(v, name);
    if (v !== undefined) {
      if (this.globals.vars.get(name) === v) this.rt.reference(name, span);
      return v;
    }
    const builtin = this.rt.builtin(name, span);
    if (builtin !== undefined) return builtin;
    throw pyError('NameError', `name '${name}' is not defined`, span);
  }

  bindName(name: string, span: Span, value: PyValue, scope: Scope, stmt: P.Stmt, destructured = false): void {
    scope.vars.set(name, value);
    if (scope.isModule) this.rt.bind(name, span, value, stmt, destructured);
  }

  /** Assigns to a target: a name, an attribute, a subscript, or a tuple/list to unpack. */
  assign(t: P.Expr, value: PyValue, scope: Scope, stmt: P.Stmt, destructured = false): void {
    switch (t.kind) {
      case 'Name':
        return this.bindName(t.id, t.span, value, scope, stmt, destructured);
      case 'Tuple':
      case 'List':
        return this.unpack(t.elts, value, t.span, scope, stmt);
      case 'Attribute':
        return this.setAttr(this.evaluate(t.value, scope), t.attr, value, t.attrSpan);
      case 'Subscript': {
        const obj = this.evaluate(t.value, scope);
        return this.setItem(obj, subscriptIndex(this, t, scope), value, t.span, indexSpan(t));
      }
      case 'Starred':
        throw pyError('TypeError', 'starred assignment target must be in a list or tuple', t.span);
      default:
        throw pyError('TypeError', `cannot assign to ${t.kind === 'Call' ? 'function call' : 'expression'}`, t.span);
    }
  }

  private unpack(targets: readonly P.Expr[], value: PyValue, span: Span, scope: Scope, stmt: P.Stmt): void {
    const items = this.iterate(value, span);
    const star = targets.findIndex((t) => t.kind === 'Starred');
    if (star < 0) {
      if (items.length !== targets.length) {
        throw pyError(
          'ValueError',
          items.length > targets.length
            ? `too many values to unpack (expected ${targets.length})`
            : `not enough values to unpack (expected ${targets.length}, got ${items.length})`,
          span,
        );
      }
      targets.forEach((t, i) => this.assign(t, items[i], scope, stmt, true));
      return;
    }
    const after = targets.length - star - 1;
    if (items.length < targets.length - 1)
      throw pyError('ValueError', `not enough values to unpack (expected at least ${targets.length - 1}, got ${items.length})`, span);
    targets.slice(0, star).forEach((t, i) => this.assign(t, items[i], scope, stmt, true));
    this.assign((targets[star] as P.Starred).value, new PyList(items.slice(star, items.length - after)), scope, stmt, true);
    targets.slice(star + 1).forEach((t, i) => this.assign(t, items[items.length - after + i], scope, stmt, true));
  }

  // ---- expressions --------------------------------------------------------------------------

  evaluate(e: P.Expr, scope: Scope): PyValue {
    return evaluateExpr(this, e, scope);
  }

  // ---- the data model -----------------------------------------------------------------------

  binary(op: string, a: PyValue, b: PyValue, site: OpSite): PyValue {
    const r = this.dataModel(op, a, b, site);
    return r !== NOT_IMPLEMENTED ? r : pythonBinary(this, op, a, b, site);
  }

  /** `a OP b` by the operands' own methods, the left one first (Python's order), or
   *  NOT_IMPLEMENTED when neither takes it. */
  private dataModel(op: string, a: PyValue, b: PyValue, site: OpSite): PyValue | typeof NOT_IMPLEMENTED {
    if (a instanceof PyObject && a.binaryOp) {
      const r = a.binaryOp(this, op, b, false, site);
      if (r !== NOT_IMPLEMENTED) return r;
    }
    if (b instanceof PyObject && b.binaryOp) return b.binaryOp(this, op, a, true, site);
    return NOT_IMPLEMENTED;
  }

  compare(op: P.CompareOperator, a: PyValue, b: PyValue, site: OpSite): PyValue {
    if (op === 'is' || op === 'is not') {
      const same = a === b || (a instanceof PyObject ? false : a === b);
      return op === 'is' ? same : !same;
    }
    if (op === 'in' || op === 'not in') {
      const found = this.contains(b, a, site);
      return op === 'in' ? found : !found;
    }
    const r = this.dataModel(op, a, b, site);
    return r !== NOT_IMPLEMENTED ? r : pythonCompare(this, op, a, b, site);
  }

  private contains(container: PyValue, item: PyValue, site: OpSite): boolean {
    if (typeof container === 'string') {
      if (typeof item !== 'string')
        throw pyError('TypeError', `'in <string>' requires string as left operand, not ${typeName(item)}`, site.leftSpan);
      return container.includes(item);
    }
    if (container instanceof PyDict) return container.has(item);
    if (container instanceof PyRange) return rangeContains(container, item);
    const items = this.iterate(container, site.rightSpan);
    return items.some((x) => this.truth(this.compare('==', x, item, site), site.span));
  }

  truth(v: PyValue, span: Span): boolean {
    if (v instanceof PyObject && v.truth) return v.truth(this, span);
    return truthOf(v);
  }

  /** The items of an iterable, materialised (loops over them are counted by the caller). */
  iterate(v: PyValue, span: Span): PyValue[] {
    if (typeof v === 'string') return [...v];
    if (v instanceof PyList || v instanceof PyTuple) return v.items.slice();
    if (v instanceof PyIterator) return v.items.slice();
    if (v instanceof PyDict) return v.keys();
    if (v instanceof PyRange) {
      const n = v.count;
      const budget = BigInt(this.rt.budgets.maxUnrolledIterations);
      if (n > budget) {
        throw new BuildError(
          `range of ${n} items is longer than the ${formatCount(this.rt.budgets.maxUnrolledIterations)} iterations a loop may unroll ${raiseHint('maxUnrolledIterations')}`,
          span,
          'budget-iterations',
        );
      }
      const out: PyValue[] = [];
      for (let i = 0n; i < n; i++) out.push(v.at(i));
      return out;
    }
    if (v instanceof PyObject && v.iterate) return v.iterate(this, span);
    throw pyError('TypeError', `'${typeName(v)}' object is not iterable`, span);
  }

  length(v: PyValue, span: Span): number {
    if (typeof v === 'string') return v.length;
    if (v instanceof PyList || v instanceof PyTuple || v instanceof PyIterator) return v.items.length;
    if (v instanceof PyDict) return v.entries.size;
    if (v instanceof PyRange) return rangeLength(v, span);
    if (v instanceof PyObject && v.length) return v.length(this, span);
    throw pyError('TypeError', `object of type '${typeName(v)}' has no len()`, span);
  }

  getAttr(obj: PyValue, name: string, span: Span): PyValue {
    if (obj instanceof PyObject && obj.getAttr) {
      const v = obj.getAttr(this, name, span);
      if (v !== undefined) return v;
      if (obj instanceof PyModule) throw this.rt.missingModuleAttribute(obj, name, span);
    } else {
      const method = this.rt.builtinMethod(obj, name, span);
      if (method !== undefined) return method;
    }
    // `x.__class__` is `type(x)` for every value (`(1).__class__` is <class 'int'>)
    const type = name === '__class__' && !(obj instanceof PyModule) ? this.rt.builtin('type', span) : undefined;
    if (type !== undefined) return this.call(type, [obj], [], { span, funcSpan: span, argSpans: [span], argsSpan: span });
    throw pyError('AttributeError', `'${typeName(obj)}' object has no attribute '${name}'`, span);
  }

  setAttr(obj: PyValue, name: string, value: PyValue, span: Span): void {
    if (obj instanceof PyObject && obj.setAttr) return obj.setAttr(this, name, value, span);
    throw new OutsideSubset(`setting attributes of ${describeType(obj)} is outside tgraph's subset`, span);
  }

  getItem(obj: PyValue, index: PyValue, span: Span, indexSpan: Span): PyValue {
    if (obj instanceof PyList || obj instanceof PyTuple || typeof obj === 'string') {
      const items: readonly PyValue[] = typeof obj === 'string' ? [...obj] : obj.items;
      if (index instanceof PySlice) {
        const picked = sliceItems(items, index, this, indexSpan);
        return typeof obj === 'string' ? picked.join('') : obj instanceof PyTuple ? new PyTuple(picked) : new PyList(picked);
      }
      return items[this.listIndex(index, items.length, indexSpan, obj instanceof PyList)];
    }
    if (obj instanceof PyDict) {
      const v = obj.get(index);
      if (v === undefined) throw pyError('KeyError', pyRepr(index), indexSpan);
      return v;
    }
    if (obj instanceof PyRange) return rangeItem(obj, index, indexSpan);
    if (obj instanceof PyObject && obj.getItem) return obj.getItem(this, index, span, indexSpan);
    throw pyError('TypeError', `'${typeName(obj)}' object is not subscriptable`, span);
  }

  setItem(obj: PyValue, index: PyValue, value: PyValue, span: Span, indexSpan: Span): void {
    if (obj instanceof PyList) {
      if (index instanceof PySlice) throw new OutsideSubset("assigning to a list slice is outside tgraph's subset", indexSpan);
      obj.items[this.listIndex(index, obj.items.length, indexSpan, true)] = value;
      return;
    }
    if (obj instanceof PyDict) return obj.set(index, value);
    if (obj instanceof PyObject && obj.setItem) return obj.setItem(this, index, value, span, indexSpan);
    throw pyError('TypeError', `'${typeName(obj)}' object does not support item assignment`, span);
  }

  /** A Python integer index into a sequence of `n`, negative from the end. */
  listIndex(index: PyValue, n: number, span: Span, isList: boolean): number {
    const i = this.rt.indexValue(index, span);
    if (i < -n || i >= n) throw pyError('IndexError', `${isList ? 'list' : 'tuple'} index out of range`, span);
    return i < 0 ? i + n : i;
  }

  // ---- calls --------------------------------------------------------------------------------

  call(fn: PyValue, args: PyValue[], kwargs: KeywordArg[], site: CallSite): PyValue {
    if (fn instanceof PyFunction) return this.callFunction(fn, args, kwargs, site);
    if (fn instanceof PyObject && fn.call) return callRecorded(this, fn, args, kwargs, site);
    throw pyError('TypeError', `'${typeName(fn)}' object is not callable`, site.funcSpan);
  }

  callFunction(fn: PyFunction, args: PyValue[], kwargs: KeywordArg[], site: CallSite): PyValue {
    const maxCalls = this.rt.budgets.maxCallDepth;
    if (this.callDepth >= maxCalls) {
      throw new BuildError(
        `function calls are nested more than ${formatCount(maxCalls)} deep (${callChain([...this.callStack, fn.name])}) ${raiseHint('maxCallDepth')}`,
        site.span,
        'too-deep',
      );
    }
    this.checkClock(site.span);
    const scope = new Scope(fn.closure, false);
    bindArguments(fn, args, kwargs, site, scope);
    this.callDepth++;
    this.callStack.push(fn.name);
    try {
      if (!Array.isArray(fn.body)) return this.evaluate(fn.body as P.Expr, scope);
      const flow = this.block(fn.body as P.Stmt[], scope);
      return flow !== undefined && typeof flow === 'object' ? flow.value : null;
    } catch (e) {
      // An error inside the function: said where it happened, and from where it was called.
      if (e instanceof BuildError && !e.related.some((r) => r.span === site.span)) {
        e.related.push({ span: site.span, message: `in \`${fn.name}\`, called here` });
      }
      throw e;
    } finally {
      this.callDepth--;
      this.callStack.pop();
    }
  }
}

/** Loop iterations and calls between two readings of the clock (a reading is ~25 ns; an
 *  iteration of the cheapest loop ~1 µs). */
const STEPS_PER_CLOCK = 256;

/** Stops a loop that went over tgraph.maxUnrolledIterations: it unwinds every block up to
 *  the statement at module level that started the loop. */
export class LoopBudget extends QuietError {
  constructor(readonly error: BuildError) {
    super(error.message);
  }
}

/** A statement that is not valid Python: not evaluated, quietly. */
export class NotPython extends QuietError {
  constructor() {
    super('not valid Python');
  }
}

/** The first line of a statement (a `try:` header rather than its whole body). */
function headerSpan(s: P.Stmt, text: string): Span {
  const nl = text.indexOf('\n', s.span.start);
  return { start: s.span.start, end: nl < 0 || nl > s.span.end ? s.span.end : nl };
}

function describeType(v: PyValue): string {
  return `a${/^[aeiou]/i.test(typeName(v)) ? 'n' : ''} \`${typeName(v)}\``;
}

function callChain(names: readonly string[]): string {
  return names.length <= 6 ? names.join(' → ') : [...names.slice(0, 3), '…', ...names.slice(-2)].join(' → ');
}
