// Grammar-aware generation of random .tgraph programs.
//
// The generator reads the op registry (every non-internal op, its parameters, their kinds,
// dtype classes and defaults), so an op added by anyone is fuzzed without touching this file.
// It keeps a rough model of what each generated name holds (dtype, a guessed concrete shape,
// which placeholders/variables it depends on) so that most calls are plausible — the
// interesting bugs live behind the shape rules, in kernels and gradients — while a steady
// fraction of arguments are deliberately wrong: mismatched shapes and dtypes, axes out of
// range, bad keywords, huge sizes, non-finite numbers, names used before their definition,
// recursive defs.

import type { Rng } from './rng';
import { CallGenerator } from './arguments';
import {
  type CallContext,
  type DType,
  type GenerateOptions,
  type Sym,
  BOOL_RESULT,
  INT_RESULT,
  LIST_RESULT,
  broadcastGuess,
  sameShape,
} from './generatorBase';
import { RECIPES } from './recipes';

export type { GenerateOptions };

export class ProgramGenerator extends CallGenerator {
  // ---- body statements -----------------------------------------------------------------

  protected statement(): void {
    const r = this.rng;
    r.weighted<() => void>([
      [10, () => this.opStatement()],
      [5, () => this.operatorStatement()],
      [2, () => this.indexStatement()],
      [1, () => this.attributeStatement()],
      [4, () => this.gradientStatement()],
      [2, () => this.defStatement()],
      [1, () => this.destructureStatement()],
      [3, () => this.checkStatement()],
      [2, () => this.assertStatement()],
      [1, () => this.bareStatement()],
      [this.errorRate > 0 ? 1 : 0, () => this.brokenStatement()],
      [0.5, () => this.source()],
    ])();
  }

  /** A plausible tensor operand: an existing name most of the time. */
  protected operand(want?: (s: Sym) => boolean): { text: string; sym: Sym | null } {
    const r = this.rng;
    const pool = this.tensors(want);
    const any = this.tensors();
    if (pool.length && r.chance(0.85)) {
      const s = r.pick(pool);
      return { text: s.name, sym: s };
    }
    if (any.length && r.chance(0.6)) {
      const s = r.pick(any);
      return { text: s.name, sym: s };
    }
    const shape = this.randomShape(1);
    const dtype: DType = r.chance(0.8) ? 'float32' : 'int32';
    return { text: this.literal(shape, dtype), sym: { name: '', kind: 'tensor', dtype, shape, deps: new Set(), source: false } };
  }

  protected assign(text: string, sym: Omit<Sym, 'name'>, prefix = 't'): Sym {
    const name = this.fresh(prefix);
    this.emit(`${name} = ${text}`);
    return this.add({ ...sym, name });
  }

  protected opStatement(): void {
    const r = this.rng;
    const op = r.pick(this.ops);
    if (op.name === 'placeholder' && r.chance(0.7)) return this.placeholder();
    // Ops whose arguments must fit each other (conv2d's filters, einsum's equation, ...) get
    // a well-formed call half of the time: random arguments almost never reach their kernels
    // and gradients.
    const recipe = RECIPES[op.name];
    if (recipe && r.chance(0.5)) {
      const made = recipe(this, op.name);
      const sym = this.assign(made.text, {
        kind: made.list ? 'list' : 'tensor',
        dtype: made.dtype ?? 'float32',
        shape: made.shape ?? null,
        deps: made.deps,
        source: false,
        arity: made.list,
      });
      if (sym.kind === 'tensor' && sym.deps.size && sym.dtype !== 'int32' && sym.dtype !== 'bool' && r.chance(0.3)) {
        this.emit(`check ${this.opName('gradients')}(${sym.name}, ${r.pick([...sym.deps])}${r.chance(0.2) ? ", mode='fast'" : ''})`);
      }
      return;
    }
    const call = this.call(op);
    const isList = LIST_RESULT.has(op.name);
    const dtype: DType = BOOL_RESULT.has(op.name) ? 'bool' : INT_RESULT.has(op.name) ? 'int32' : call.dtype;
    this.assign(call.text, {
      kind: isList ? 'list' : 'tensor',
      dtype,
      shape: call.shape,
      deps: call.deps,
      source: false,
      arity: isList ? 2 : undefined,
    });
  }

  protected operatorExpression(): { text: string; dtype: DType; shape: number[] | null; deps: Set<string> } {
    const r = this.rng;
    const a = this.operand((s) => s.dtype !== 'bool');
    const kind = r.weighted<string>([
      [8, 'arith'],
      [2, 'compare'],
      [1, 'logic'],
      [1, 'unary'],
      [1, 'matmul'],
      [1, 'pow'],
    ]);
    const deps = new Set(a.sym?.deps ?? []);
    const dtype = a.sym?.dtype ?? 'float32';
    if (kind === 'unary') return { text: `-${a.text}`, dtype, shape: a.sym?.shape ?? null, deps };
    if (kind === 'pow')
      return { text: `${a.text} ** ${r.pick(['2', '3', '0.5', '-1', '0', '2.', 'nan'])}`, dtype, shape: a.sym?.shape ?? null, deps };
    if (kind === 'logic') {
      const b = this.operand((s) => s.dtype !== 'bool');
      return {
        text: `${r.pick(['not ', ''])}(${a.text} > 0) ${r.pick(['and', 'or'])} (${b.text} < 1)`,
        dtype: 'bool',
        shape: null,
        deps: new Set(),
      };
    }
    const sameShape_ = (s: Sym) =>
      s.dtype === dtype && !!s.shape && !!a.sym?.shape && (sameShape(s.shape, a.sym.shape) || s.shape.length <= 1);
    const b = r.chance(0.3) ? { text: this.number(dtype === 'int32' ? 'int32' : 'float32'), sym: null } : this.operand(sameShape_);
    for (const d of b.sym?.deps ?? []) deps.add(d);
    const shape = a.sym?.shape && (b.sym ? b.sym.shape && broadcastGuess(a.sym.shape, b.sym.shape) : a.sym.shape);
    if (kind === 'compare')
      return {
        text: `${a.text} ${r.pick(['<', '<=', '>', '>=', '==', '!='])} ${b.text}`,
        dtype: 'bool',
        shape: shape ?? null,
        deps: new Set(),
      };
    if (kind === 'matmul') {
      // Mostly matrices whose inner sizes agree.
      const matrices = this.tensors((s) => s.dtype !== 'bool' && !!s.shape && s.shape.length >= 2);
      if (matrices.length && r.chance(0.8)) {
        const m = r.pick(matrices);
        const inner = m.shape![m.shape!.length - 1];
        const partners = this.tensors((s) => s.dtype === m.dtype && !!s.shape && s.shape.length === 2 && s.shape[0] === inner);
        const other = partners.length
          ? r.pick(partners).name
          : r.chance(0.5)
            ? `transpose(${m.name})`
            : this.literal([inner, r.int(1, 3)], m.dtype === 'int32' ? 'int32' : 'float32');
        return {
          text: `${m.name} @ ${other}`,
          dtype: m.dtype,
          shape: null,
          deps: new Set([...m.deps, ...(partners.length ? [] : m.deps)]),
        };
      }
      return { text: `${a.text} @ ${b.text}`, dtype, shape: null, deps };
    }
    const op = r.pick(['+', '-', '*', '/', '//', '%', '+', '*']);
    const text = r.chance(0.2)
      ? `(${a.text} ${op} ${b.text}) ${r.pick(['+', '*'])} ${this.number('float32')}`
      : `${a.text} ${op} ${b.text}`;
    return { text, dtype, shape: shape ?? null, deps };
  }

  protected operatorStatement(): void {
    const e = this.operatorExpression();
    this.assign(e.text, { kind: 'tensor', dtype: e.dtype, shape: e.shape, deps: e.deps, source: false });
  }

  protected indexStatement(): void {
    const r = this.rng;
    const lists = this.syms.filter((s) => s.kind === 'list');
    if (lists.length && r.chance(0.4)) {
      const l = r.pick(lists);
      const i = !this.wrong() ? r.int(-1, (l.arity ?? 1) - 1) : r.int(2, 9);
      this.assign(`${l.name}[${i}]`, { kind: 'tensor', dtype: l.dtype, shape: null, deps: l.deps, source: false }, 'g');
      return;
    }
    const a = this.operand();
    const rank = a.sym?.shape?.length ?? 2;
    const dim = (k: number) => a.sym?.shape?.[k] ?? 2;
    const item = (k: number): string =>
      r.weighted<() => string>([
        [4, () => String(r.int(-dim(k), dim(k) - 1))],
        [3, () => ':'],
        [2, () => `${r.int(0, dim(k))}:${r.int(0, dim(k) + 1)}`],
        [1, () => `::${r.pick([2, -1, 3, 1])}`],
        [1, () => 'None'],
        [0.5, () => '...'],
        [0.3, () => String(r.pick([dim(k), 99, -99]))],
        [0.2, () => '::0'],
      ])();
    const n = Math.max(1, r.int(1, Math.max(1, rank)));
    const items = Array.from({ length: n }, (_, k) => item(k));
    this.assign(`${a.text}[${items.join(', ')}]`, {
      kind: 'tensor',
      dtype: a.sym?.dtype ?? 'float32',
      shape: null,
      deps: a.sym?.deps ?? new Set(),
      source: false,
    });
  }

  protected attributeStatement(): void {
    const r = this.rng;
    const a = this.operand();
    const attr = this.wrong() ? r.pick(['size', 'foo', 'shape.x']) : r.pick(['T', 'shape', 'dtype', 'ndim', 'shape[0]', 'T.T']);
    const isList = attr === 'shape';
    // `x.T` lexes as one dotted name; attribute access needs an expression on the left.
    const target = a.sym?.name && r.chance(0.8) ? `(${a.text})` : a.text;
    this.assign(`${target}.${attr}`, {
      kind: isList ? 'list' : 'tensor',
      dtype: attr === 'T' || attr === 'T.T' ? (a.sym?.dtype ?? 'float32') : 'int32',
      shape: null,
      deps: attr.startsWith('T') ? (a.sym?.deps ?? new Set()) : new Set(),
      source: false,
      arity: a.sym?.shape?.length ?? 1,
    });
  }

  protected gradientStatement(): void {
    const r = this.rng;
    const which = r.weighted<string>([
      [6, 'gradients'],
      [3, 'gradient'],
      [2, 'jacobian'],
      [1, 'batch_jacobian'],
      [1, 'hessian'],
      [1, 'hessians'],
    ]);
    if (!this.has(which)) return this.opStatement();
    const ctx: CallContext = { first: null, deps: new Set(), dtype: 'float32' };
    const ys = this.ysArgument(ctx);
    const xs = this.xsArgument(ctx);
    const extras: string[] = [];
    if (which === 'gradients') {
      if (r.chance(0.25)) extras.push(`grad_ys=${this.valueArgument({ name: 'grad_ys', kind: 'value' }, ctx)}`);
      if (r.chance(0.1)) extras.push(`stop_gradients=${this.valueArgument({ name: 'stop_gradients', kind: 'value' }, ctx)}`);
      if (r.chance(0.15)) extras.push(`unconnected_gradients=${this.wrong() ? "'bad'" : r.pick(["'zero'", "'none'"])}`);
    }
    const text = `${this.opName(which)}(${[ys, xs, ...extras].join(', ')})`;
    const isList = which === 'gradients' || which === 'hessians';
    const index = isList && r.chance(0.6) ? `[${r.chance(0.95) ? 0 : r.int(1, 3)}]` : '';
    const y = ctx.ys;
    const dtype = y?.dtype ?? 'float32';
    const shape = which === 'gradient' || (which === 'gradients' && index) ? (ctx.x?.shape ?? null) : null;
    const sym = this.assign(
      text + index,
      { kind: isList && !index ? 'list' : 'tensor', dtype, shape, deps: new Set([...(y?.deps ?? [])]), source: false, arity: 1 },
      'd',
    );
    // A gradient of a gradient, sometimes.
    if (r.chance(0.1) && sym.kind === 'tensor' && sym.deps.size) {
      const x = r.pick([...sym.deps]);
      this.assign(
        `${this.opName('gradients')}(${sym.name}, ${x})[0]`,
        { kind: 'tensor', dtype, shape: null, deps: new Set([x]), source: false },
        'dd',
      );
    }
  }

  protected defStatement(): void {
    const r = this.rng;
    const name = this.fresh('f');
    const arity = r.int(1, 3);
    const params = Array.from({ length: arity }, (_, i) => `p${i}`);
    const unaryOps = this.ops.filter(
      (o) =>
        o.params.length >= 1 &&
        o.params[0].kind === 'tensor' &&
        (o.params[0].dtypes === 'float' || o.params[0].dtypes === 'numeric') &&
        !o.build &&
        o.params.slice(1).every((p) => 'default' in p),
    );
    const body = (): string => {
      const p = r.pick(params);
      return r.weighted<() => string>([
        [4, () => `${p} ${r.pick(['*', '+', '-', '/'])} ${r.chance(0.5) ? r.pick(params) : this.number('float32')}`],
        [3, () => `${this.opName(r.pick(unaryOps).name)}(${p})${r.chance(0.5) ? ` * ${r.pick(params)}` : ''}`],
        [1, () => `${this.opName('reduce_sum')}(${p} * ${r.pick(params)})`],
        // Recursion, direct or through a function defined later.
        [0.4, () => `${name}(${params.join(', ')}) + 1`],
        [0.3, () => `f${this.counter + 1}(${p})`],
        [0.4, () => `${p} * ${this.operand().text}`],
      ])();
    };
    this.emit(`def ${name}(${params.join(', ')}) = ${body()}`);
    const fn = this.add({ name, kind: 'function', dtype: 'float32', shape: null, deps: new Set(), source: false, arity });
    if (r.chance(0.4)) {
      const dy = 'dy';
      const grads = params.map((p) =>
        r.pick([
          `${dy} * ${p}`,
          `${dy}`,
          `${dy} * 2.`,
          `${dy} * ${this.opName('cos')}(${p})`,
          'None',
          `${this.opName('zeros_like')}(${p})`,
        ]),
      );
      const wrongArity = this.wrong();
      const list = grads.length === 1 && !wrongArity && r.chance(0.7) ? grads[0] : `[${(wrongArity ? grads.slice(1) : grads).join(', ')}]`;
      this.emit(`grad ${name}(${params.join(', ')}${this.wrong() ? '' : `, ${dy}`}) = ${list}`);
    }
    // Calls of it, usually one or two.
    const calls = r.int(0, 2);
    for (let i = 0; i < calls; i++) {
      const args: Sym[] = [];
      const first = this.operand((s) => s.dtype === 'float32' || s.dtype === 'float64');
      const n = this.wrong() ? arity + r.pick([-1, 1]) : arity;
      const texts: string[] = [];
      for (let k = 0; k < n; k++) {
        const o =
          k === 0
            ? first
            : this.operand(
                (s) =>
                  s.dtype === first.sym?.dtype &&
                  !!s.shape &&
                  !!first.sym?.shape &&
                  (sameShape(s.shape, first.sym.shape) || s.shape.length === 0),
              );
        texts.push(o.text);
        if (o.sym) args.push(o.sym);
      }
      const deps = new Set(args.flatMap((a) => [...a.deps]));
      const sym = this.assign(
        `${fn.name}(${texts.join(', ')})`,
        { kind: 'tensor', dtype: first.sym?.dtype ?? 'float32', shape: first.sym?.shape ?? null, deps, source: false },
        'u',
      );
      if (deps.size && r.chance(0.5)) this.emit(`check ${this.opName('gradients')}(${sym.name}, ${r.pick([...deps])})`);
    }
    if (r.chance(0.15)) {
      // mutual recursion: g calls f, f's body may call g (defined after)
      const g = this.fresh('f');
      this.emit(`def ${g}(q) = ${name}(${Array.from({ length: arity }, () => 'q').join(', ')})`);
      this.add({ name: g, kind: 'function', dtype: 'float32', shape: null, deps: new Set(), source: false, arity: 1 });
      const x = this.operand((s) => s.dtype === 'float32');
      this.assign(
        `${g}(${x.text})`,
        { kind: 'tensor', dtype: 'float32', shape: x.sym?.shape ?? null, deps: x.sym?.deps ?? new Set(), source: false },
        'u',
      );
    }
  }

  protected destructureStatement(): void {
    const r = this.rng;
    const a = this.operand();
    const n = r.int(1, 3);
    const names = Array.from({ length: this.wrong() ? n + 1 : n }, () => this.fresh('e'));
    const axis = r.int(0, Math.max(0, (a.sym?.shape?.length ?? 1) - 1));
    const dim = a.sym?.shape?.[axis] ?? n;
    const rhs = r.weighted<() => string>([
      [3, () => `${this.opName('unstack')}(${a.text}${axis ? `, axis=${axis}` : ''})`],
      [2, () => `${this.opName('split')}(${a.text}, ${n}${axis ? `, axis=${axis}` : ''})`],
      [
        2,
        () => {
          const deps = [...(a.sym?.deps ?? [])];
          const xs = deps.length && !this.wrong() ? deps : this.tensors((s) => s.source).map((s) => s.name);
          const list = Array.from({ length: n }, () => (xs.length ? r.pick(xs) : a.text));
          return `${this.opName('gradients')}(${a.text}, [${list.join(', ')}])`;
        },
      ],
      [1, () => `[${Array.from({ length: n }, () => this.operand().text).join(', ')}]`],
    ])();
    const lhs = r.chance(0.8) ? `[${names.join(', ')}]` : names.join(', ');
    this.emit(`${lhs} = ${rhs}`);
    void dim;
    for (const name of names)
      this.add({ name, kind: 'tensor', dtype: a.sym?.dtype ?? 'float32', shape: null, deps: a.sym?.deps ?? new Set(), source: false });
  }

  protected checkStatement(): void {
    const r = this.rng;
    const ctx: CallContext = { first: null, deps: new Set(), dtype: 'float32' };
    const ys = this.ysArgument(ctx);
    const xs = this.xsArgument(ctx);
    const opts: string[] = [];
    if (r.chance(0.2)) opts.push(`mode=${this.wrong() ? "'other'" : r.pick(["'fast'", "'full'"])}`);
    if (r.chance(0.1))
      opts.push(`eps=${this.wrong() ? r.pick(['0.', '-1e-3', 'nan', '1e39', '1e-30']) : r.pick(['1e-3', '1e-2', '1e-4'])}`);
    if (r.chance(0.1)) opts.push(`atol=${this.wrong() ? r.pick(['inf', '-1.', 'nan']) : r.pick(['1e-5', '0.', '1e-2'])}`);
    if (r.chance(0.1)) opts.push(`rtol=${this.wrong() ? r.pick(['nan', '-1.', 'inf']) : r.pick(['1e-3', '0.', '1e-2'])}`);
    if (r.chance(0.1)) opts.push(`grad_ys=${this.valueArgument({ name: 'grad_ys', kind: 'value' }, ctx)}`);
    const callee = !this.wrong() ? r.pick(['gradients', 'gradients', 'gradient']) : r.pick(['jacobian', 'foo']);
    this.emit(`check ${callee}(${[ys, xs, ...opts].join(', ')})`);
  }

  protected assertStatement(): void {
    const r = this.rng;
    const a = this.operand((s) => s.dtype !== 'bool');
    const same = this.tensors((s) => !!s.shape && !!a.sym?.shape && sameShape(s.shape, a.sym.shape) && s.dtype === a.sym.dtype);
    const b = same.length && r.chance(0.7) ? r.pick(same).name : this.operand().text;
    const expr = r.weighted<() => string>([
      [
        4,
        () =>
          `${this.opName('allclose')}(${a.text}, ${b}${r.chance(0.3) ? `, rtol=${r.pick(['1e-5', '1e-3', '0.'])}, atol=${r.pick(['1e-6', '1e-2'])}` : ''})`,
      ],
      [2, () => `${this.opName('reduce_all')}(${a.text} ${r.pick(['<', '<=', '>', '>=', '==', '!='])} ${b})`],
      [1, () => `${a.text} == ${b}`],
      [1, () => `${this.opName('all')}(${this.opName('is_finite')}(${a.text}))`],
      [this.errorRate > 0 ? 0.3 : 0, () => a.text], // not a bool
    ])();
    if (this.wrong()) this.lines.push('# expect-fail');
    this.emit(`assert ${expr}`);
  }

  protected bareStatement(): void {
    const r = this.rng;
    const e = r.chance(0.5) ? this.operatorExpression().text : this.call(this.pickOp(() => true)).text;
    this.emit(e);
  }

  /** Deliberately wrong statements: the analysis must answer each with a diagnostic. */
  protected brokenStatement(): void {
    const r = this.rng;
    const taken = this.syms.length ? r.pick(this.syms).name : 'x0';
    const lines = [
      `${taken} = 1.`, // bound twice
      `${this.fresh('t')} = later_name + 1`,
      `${this.fresh('t')} = reduce_summ(${taken})`, // did you mean
      `${this.fresh('t')} = ${taken}(1)`, // not callable
      `feed ${taken} = [1., 2.]`,
      `${this.fresh('t')} = (((${taken}))`,
      `${this.fresh('t')} = ${taken} +`,
      `def ${this.fresh('f')}(a, a) = a`,
      `grad ${taken}(a, dy) = dy`,
      `check ${taken}`,
      `assert`,
      `${this.fresh('t')} = [${taken}, ${taken}][5]`,
      `[a${this.counter}, b${this.counter}] = ${taken}`,
      `${this.fresh('t')} = ${taken}.shape.nope`,
      `${this.fresh('t')} = \\\n  ${taken} * 2`,
      `${this.fresh('t')} = ${taken}[${'['.repeat(r.int(1, 3))}`,
      `${this.fresh('t')} = '${'unterminated'}`,
      `${this.fresh('t')} = ${taken} @ ${taken} @ ${taken}`,
      `${this.fresh('t')} = {1: 2}`,
    ];
    this.lines.push(r.pick(lines));
  }
}

/** One random program for this generator state. */
export function generateProgram(rng: Rng, options?: GenerateOptions): string {
  return new ProgramGenerator(rng, options).generate();
}
