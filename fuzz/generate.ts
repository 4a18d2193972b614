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

import { allOps, type OpDef, type Param } from '../engine/ops/registry';
import '../engine/ops';
import type { Rng } from './rng';

type DType = 'float32' | 'float64' | 'int32' | 'bool';

/** What the generator believes a name holds. `shape` is a guess (null: unknown). */
interface Sym {
  name: string;
  kind: 'tensor' | 'list' | 'function';
  dtype: DType;
  shape: number[] | null;
  /** Placeholders and variables this value depends on (candidates for gradients' xs). */
  deps: Set<string>;
  /** Is a placeholder or variable (a natural `x`). */
  source: boolean;
  /** For lists: how many items; for functions: how many parameters. */
  arity?: number;
}

export interface GenerateOptions {
  /** Upper bound on body statements (besides the sources). */
  maxStatements?: number;
  /** Largest size of one axis in ordinary shapes. */
  maxDim?: number;
  /** Probability that any given choice is deliberately wrong. */
  errorRate?: number;
}

const FLOAT_DTYPES: readonly DType[] = ['float32', 'float64'];
const BOOL_RESULT = new Set([
  'equal',
  'not_equal',
  'less',
  'less_equal',
  'greater',
  'greater_equal',
  'logical_and',
  'logical_or',
  'logical_xor',
  'logical_not',
  'is_nan',
  'is_finite',
  'is_inf',
  'allclose',
  'reduce_all',
  'reduce_any',
  'in_top_k',
]);
const INT_RESULT = new Set(['argmax', 'argmin', 'shape', 'size', 'rank', 'count_nonzero', 'randint', 'range']);
/** Ops whose result is a list. */
const LIST_RESULT = new Set(['gradients', 'hessians', 'unstack', 'split', 'moments', 'meshgrid', 'unique', 'top_k']);

const EXTREME_NUMBERS = [
  '1e39',
  '-1e39',
  '-0',
  '-0.',
  'nan',
  'inf',
  '-inf',
  '1e-45',
  '3.4028235e38',
  '2147483647',
  '2147483648',
  '-2147483649',
  '1e308',
  '1e309',
  '5e-324',
  '0.',
  '1e9',
  '4294967296',
];
const HUGE_SIZES = ['1000000000', '2147483648', '1e9', '100000', '65536', '4294967297', '-1', '-5', '0', '1e5', '3.5', 'nan'];
const PREFIXES = ['', '', '', '', 'tf.', 'tf.math.', 'tf.nn.', 'tf.compat.v1.', 'np.', 'tf.linalg.'];

export class ProgramGenerator {
  private readonly lines: string[] = [];
  private readonly syms: Sym[] = [];
  private counter = 0;
  private readonly maxDim: number;
  private readonly errorRate: number;
  private readonly maxStatements: number;
  private readonly ops: OpDef[];
  private depth = 0;

  constructor(
    private readonly rng: Rng,
    options: GenerateOptions = {},
  ) {
    this.maxDim = options.maxDim ?? 4;
    // Some programs are meant to be right (their gradients, checks and asserts are where
    // the numerical bugs are), others are riddled with mistakes.
    this.errorRate = options.errorRate ?? rng.pick([0, 0, 0.01, 0.03, 0.08]);
    this.maxStatements = options.maxStatements ?? 10;
    // Sorted by name so that the choice of op depends only on the seed, not on the order in
    // which op files were imported.
    this.ops = allOps()
      .filter((op) => !op.internal)
      .slice()
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  generate(): string {
    const r = this.rng;
    if (r.chance(0.15)) this.comment();
    const sources = r.int(1, 4);
    for (let i = 0; i < sources; i++) this.source();
    const body = r.int(1, this.maxStatements);
    for (let i = 0; i < body; i++) this.statement();
    return this.lines.join(r.chance(0.03) ? '\r\n' : '\n') + (r.chance(0.9) ? '\n' : '');
  }

  // ---- helpers -------------------------------------------------------------------------

  private wrong(): boolean {
    return this.rng.chance(this.errorRate);
  }

  private fresh(prefix: string): string {
    return `${prefix}${this.counter++}`;
  }

  private emit(line: string): void {
    const r = this.rng;
    if (r.chance(0.05)) line += `  # ${this.wrong() ? 'expect-fail' : r.pick(['note', 'why?', 'ünïcödé ∂y/∂x', 'TODO', ''])}`;
    this.lines.push(line);
    if (r.chance(0.04)) this.lines.push('');
  }

  private comment(): void {
    this.lines.push(`# ${this.rng.pick(['generated program', 'expect-fail', 'a comment with = and ( [', '∑ over the batch'])}`);
  }

  private add(sym: Sym): Sym {
    this.syms.push(sym);
    return sym;
  }

  private tensors(filter?: (s: Sym) => boolean): Sym[] {
    return this.syms.filter((s) => s.kind === 'tensor' && (!filter || filter(s)));
  }

  private opName(name: string): string {
    const r = this.rng;
    const op = this.ops.find((o) => o.name === name);
    const spelling = op && op.aliases?.length && r.chance(0.2) ? r.pick(op.aliases) : name;
    return r.pick(PREFIXES) + spelling;
  }

  private dtypeText(d: DType): string {
    return this.rng.weighted<string>([
      [5, d],
      [2, `tf.${d}`],
      [1, `'${d}'`],
      [1, `np.${d}`],
    ]);
  }

  private randomDType(): DType {
    return this.rng.weighted<DType>([
      [6, 'float32'],
      [2, 'float64'],
      [2, 'int32'],
      [1, 'bool'],
    ]);
  }

  private randomShape(maxRank = 3): number[] {
    const r = this.rng;
    const rank = r.weighted(
      [
        [2, 0],
        [4, 1],
        [4, 2],
        [2, 3],
        [1, Math.min(4, maxRank + 1)],
      ].filter(([, k]) => k <= maxRank + 1) as [number, number][],
    );
    const shape: number[] = [];
    for (let i = 0; i < rank; i++) shape.push(r.chance(0.04) ? 0 : r.int(1, this.maxDim));
    return shape;
  }

  private shapeText(shape: readonly (number | string | null)[]): string {
    return `[${shape.map((d) => (d === null ? 'None' : String(d))).join(', ')}]`;
  }

  private number(dtype: DType): string {
    const r = this.rng;
    if (r.chance(0.02)) return r.pick(EXTREME_NUMBERS);
    if (dtype === 'bool') return r.pick(['True', 'False']);
    if (dtype === 'int32') return String(r.int(-4, 6));
    return r.weighted([
      [3, () => String(r.int(-3, 5)) + '.'],
      [5, () => (r.next() * 6 - 3).toFixed(r.int(1, 3))],
      [1, () => `${r.int(1, 9)}e-${r.int(1, 4)}`],
      [1, () => `.${r.int(1, 9)}`],
    ])();
  }

  /** A nested list literal of the given shape. */
  private literal(shape: readonly number[], dtype: DType): string {
    const total = shape.reduce((a, b) => a * b, 1);
    if (total > 200) return `zeros(${this.shapeText(shape)})`;
    const build = (k: number): string => {
      if (k === shape.length) return this.number(dtype);
      const items: string[] = [];
      for (let i = 0; i < shape[k]; i++) items.push(build(k + 1));
      return `[${items.join(', ')}]`;
    };
    return build(0);
  }

  /** A feed value / constant initialiser of the given shape: a literal or a generator. */
  private filler(shape: readonly number[], dtype: DType): string {
    const r = this.rng;
    const s = this.shapeText(shape);
    const seed = r.chance(0.7) ? `, seed=${r.int(0, 9)}` : '';
    if (dtype === 'int32') return r.chance(0.5) ? `randint(${r.int(-3, 0)}, ${r.int(1, 5)}, ${s}${seed})` : this.literal(shape, dtype);
    if (dtype === 'bool') return this.literal(shape, dtype);
    return r.weighted<() => string>([
      [3, () => this.literal(shape, dtype)],
      [2, () => `uniform(${s}, low=${r.int(-2, 0)}, high=${r.int(1, 3)}${seed})`],
      [2, () => `normal(${s}${r.chance(0.5) ? `, stddev=${r.pick(['0.5', '1', '2'])}` : ''}${seed})`],
      [1, () => `randint(${r.int(-3, 0)}, ${r.int(1, 5)}, ${s}${seed})`],
    ])();
  }

  // ---- sources -------------------------------------------------------------------------

  private source(): void {
    const r = this.rng;
    r.weighted<() => void>([
      [5, () => this.placeholder()],
      [3, () => this.variable()],
      [3, () => this.constantSource()],
      [1, () => this.creationSource()],
    ])();
  }

  private placeholder(): void {
    const r = this.rng;
    const name = this.fresh('x');
    const dtype = r.chance(0.85) ? r.pick(FLOAT_DTYPES.concat(['float32', 'float32'])) : this.randomDType();
    const shape = this.randomShape();
    const declared = shape.map((d, i) => (i === 0 && r.chance(0.4) ? null : r.chance(0.1) ? null : d));
    const unknownRank = r.chance(0.05);
    this.emit(`${name} = ${this.opName('placeholder')}(${this.dtypeText(dtype)}${unknownRank ? '' : `, ${this.shapeText(declared)}`})`);
    const sym = this.add({ name, kind: 'tensor', dtype, shape, deps: new Set([name]), source: true });
    if (r.chance(0.07)) return; // not fed: everything downstream has no value
    let feedShape = shape;
    if (this.wrong()) feedShape = this.randomShape();
    const feedDType = this.wrong() ? this.randomDType() : dtype;
    if (this.wrong() && r.chance(0.3))
      this.lines.splice(this.lines.length - 1, 0, `feed ${name} = ${this.filler(feedShape, feedDType)}`); // before its placeholder
    else this.emit(`feed ${name} = ${this.filler(feedShape, feedDType)}`);
    if (this.wrong() && r.chance(0.3)) this.emit(`feed ${name} = ${this.filler(feedShape, feedDType)}`); // fed twice
    sym.shape = feedShape;
  }

  private variable(): void {
    const r = this.rng;
    const name = this.fresh('w');
    const shape = this.randomShape();
    const dtype: DType = r.chance(0.85) ? 'float32' : this.randomDType();
    const init = this.filler(shape, dtype === 'float64' ? 'float32' : dtype);
    const dt = dtype === 'float64' ? `, dtype=${this.dtypeText('float64')}` : '';
    this.emit(`${name} = ${this.opName(r.chance(0.8) ? 'variable' : 'Variable')}(${init}${dt})`);
    this.add({ name, kind: 'tensor', dtype, shape, deps: new Set([name]), source: true });
  }

  private constantSource(): void {
    const r = this.rng;
    const name = this.fresh('c');
    const shape = this.randomShape();
    const dtype = this.randomDType();
    if (r.chance(0.5)) {
      this.emit(`${name} = ${this.literal(shape, dtype)}`);
      this.add({ name, kind: 'tensor', dtype: dtype === 'float64' ? 'float32' : dtype, shape, deps: new Set(), source: false });
    } else {
      const literalDType = dtype === 'float64' ? 'float32' : dtype;
      this.emit(
        `${name} = ${this.opName('constant')}(${this.filler(shape, literalDType)}${r.chance(0.4) ? `, dtype=${this.dtypeText(dtype)}` : ''})`,
      );
      this.add({ name, kind: 'tensor', dtype, shape, deps: new Set(), source: false });
    }
  }

  private creationSource(): void {
    const r = this.rng;
    const name = this.fresh('k');
    const shape = this.randomShape();
    const s = this.shapeText(shape);
    const [text, dtype, actual] = r.weighted<() => [string, DType, number[] | null]>([
      [2, () => [`${this.opName('zeros')}(${s})`, 'float32', shape]],
      [2, () => [`${this.opName('ones')}(${s}, ${this.dtypeText('float64')})`, 'float64', shape]],
      [1, () => [`${this.opName('fill')}(${s}, ${this.number('float32')})`, 'float32', shape]],
      [
        2,
        () => {
          const n = r.int(0, 8);
          return [`${this.opName('range')}(${n})`, 'int32', [n]];
        },
      ],
      [
        1,
        () => {
          const a = r.int(-3, 2);
          const b = r.int(-3, 5);
          const d = r.pick([1, 2, -1, 0.5]);
          return [`${this.opName('range')}(${a}, ${b}, ${d})`, Number.isInteger(d) ? 'int32' : 'float32', null];
        },
      ],
      [1, () => [`${this.opName('range')}(${r.int(1, 4)}.)`, 'float32', null]],
      [
        1,
        () =>
          this.has('linspace')
            ? [`linspace(${r.int(-2, 0)}., ${r.int(1, 3)}., ${r.int(1, 6)})`, 'float32', null]
            : [`${this.opName('zeros')}([2])`, 'float32', [2]],
      ],
      [
        1,
        () => (this.has('eye') ? ((n) => [`eye(${n})`, 'float32', [n, n]])(r.int(1, 4)) : [`${this.opName('ones')}([1])`, 'float32', [1]]),
      ],
      // Hostile sizes: the element budget must answer with a diagnostic, quickly.
      [
        0.4,
        () => [
          `${this.opName(r.pick(['zeros', 'ones']))}([${r.pick(HUGE_SIZES)}${r.chance(0.5) ? `, ${r.pick(HUGE_SIZES)}` : ''}])`,
          'float32',
          null,
        ],
      ],
      [
        0.3,
        () => [
          `${this.opName('range')}(${r.pick(['1e12', '1000000000000', '1e9', '2147483648', 'inf', 'nan', '0', '-5'])})`,
          'int32',
          null,
        ],
      ],
    ])();
    this.emit(`${name} = ${text}`);
    this.add({ name, kind: 'tensor', dtype, shape: actual, deps: new Set(), source: false });
  }

  private has(opName: string): boolean {
    return this.ops.some((o) => o.name === opName || o.aliases?.includes(opName));
  }

  // ---- helpers for recipes ---------------------------------------------------------------

  /** A float tensor of exactly this shape: an existing one sometimes, else a new variable. */
  tensorOf(shape: number[], dtype: DType = 'float32'): Sym {
    const r = this.rng;
    const same = this.tensors((s) => s.dtype === dtype && !!s.shape && sameShape(s.shape, shape));
    if (same.length && r.chance(0.4)) return r.pick(same);
    const name = this.fresh('w');
    const init =
      dtype === 'int32'
        ? `randint(0, 3, ${this.shapeText(shape)}, seed=${r.int(0, 9)})`
        : `normal(${this.shapeText(shape)}, seed=${r.int(0, 9)})`;
    this.emit(`${name} = ${this.opName('variable')}(${init}${dtype === 'float64' ? ', dtype=float64' : ''})`);
    return this.add({ name, kind: 'tensor', dtype, shape, deps: new Set(dtype === 'int32' ? [] : [name]), source: dtype !== 'int32' });
  }

  /** An int32 literal of `n` indices in [0, bound). */
  indices(n: number, bound: number): string {
    return `[${Array.from({ length: n }, () => this.rng.int(0, Math.max(0, bound - 1))).join(', ')}]`;
  }

  get random(): Rng {
    return this.rng;
  }

  name(op: string): string {
    return this.opName(op);
  }

  shapeOf(shape: readonly (number | null)[]): string {
    return this.shapeText(shape);
  }

  // ---- body statements -----------------------------------------------------------------

  private statement(): void {
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
  private operand(want?: (s: Sym) => boolean): { text: string; sym: Sym | null } {
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

  private assign(text: string, sym: Omit<Sym, 'name'>, prefix = 't'): Sym {
    const name = this.fresh(prefix);
    this.emit(`${name} = ${text}`);
    return this.add({ ...sym, name });
  }

  private opStatement(): void {
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

  /** `op(args...)` for any op, arguments chosen from the parameter kinds and names. */
  private call(op: OpDef): { text: string; dtype: DType; shape: number[] | null; deps: Set<string> } {
    const r = this.rng;
    this.depth++;
    const args: { param: Param; text: string }[] = [];
    const ctx: CallContext = { first: null, deps: new Set(), dtype: 'float32' };
    for (const p of op.params) {
      const optional = 'default' in p;
      if (optional && !r.chance(0.35)) continue;
      if (!optional && this.wrong()) continue; // a missing required argument
      const text = this.argument(op, p, ctx);
      args.push({ param: p, text });
    }
    this.depth--;
    // Positional until the first skipped parameter, keywords after it (or everywhere, often).
    const parts: string[] = [];
    let positional = !r.chance(0.25);
    let expected = 0;
    for (const a of args) {
      const index = op.params.indexOf(a.param);
      if (index !== expected) positional = false;
      expected = index + 1;
      if (positional && !r.chance(0.05)) parts.push(a.text);
      else {
        positional = false;
        const kw = a.param.aliases?.length && r.chance(0.3) ? r.pick(a.param.aliases) : a.param.name;
        parts.push(`${kw}=${a.text}`);
      }
    }
    if (this.wrong()) parts.push(`${r.pick(['bogus', 'axis', 'name', 'dtype'])}=${r.pick(['1', 'None', "'x'"])}`);
    if (this.wrong()) parts.push(this.operand().text);
    if (this.wrong() && parts.length > 1) r.shuffle(parts);
    const unary = op.params.filter((p) => p.kind === 'tensor').length === 1 && !op.build && op.params.length === 1;
    const binary = op.params.filter((p) => p.kind === 'tensor').length === 2 && !op.build && op.params.length === 2;
    let shape: number[] | null = null;
    if (unary && ctx.first?.shape) shape = ctx.first.shape;
    if (binary && ctx.first?.shape && ctx.second?.shape) shape = broadcastGuess(ctx.first.shape, ctx.second.shape);
    if (op.name === 'transpose' && ctx.first?.shape && !args.some((a) => a.param.name === 'perm'))
      shape = ctx.first.shape.slice().reverse();
    const dtype = ctx.castTo ?? ctx.first?.dtype ?? 'float32';
    return { text: `${this.opName(op.name)}(${parts.join(', ')})`, dtype, shape, deps: ctx.deps };
  }

  /** One argument for parameter `p` of `op`. */
  private argument(op: OpDef, p: Param, ctx: CallContext): string {
    const r = this.rng;
    const rank = ctx.first?.shape?.length ?? r.int(0, 3);
    if (this.wrong()) return this.garbage();
    switch (p.kind) {
      case 'tensor': {
        const t = this.tensorArgument(p, ctx);
        if (t.sym) {
          for (const d of t.sym.deps) ctx.deps.add(d);
          if (!ctx.first) ctx.first = t.sym;
          else if (!ctx.second) ctx.second = t.sym;
        }
        return t.text;
      }
      case 'tensors': {
        const n = r.weighted([
          [1, 0],
          [4, 1],
          [6, 2],
          [3, 3],
          [1, 5],
        ]);
        const base = this.operand((s) => s.dtype !== 'bool');
        const items: string[] = [];
        for (let i = 0; i < n; i++) {
          // Mostly the same name or names of the same shape, so that stack/concat succeed.
          const same = this.tensors(
            (s) => !!base.sym?.shape && !!s.shape && sameShape(s.shape, base.sym.shape) && s.dtype === base.sym.dtype,
          );
          items.push(r.chance(0.7) ? base.text : same.length ? r.pick(same).name : this.operand().text);
        }
        if (base.sym) {
          for (const d of base.sym.deps) ctx.deps.add(d);
          ctx.first ??= base.sym;
        }
        return r.chance(0.9) ? `[${items.join(', ')}]` : `(${items.join(', ')}${items.length === 1 ? ',' : ''})`;
      }
      case 'int':
        return this.intArgument(p, ctx);
      case 'ints':
        return this.intsArgument(p, ctx, rank);
      case 'axis':
        return this.axis(rank, p);
      case 'axes':
        return r.weighted<() => string>([
          [2, () => 'None'],
          [4, () => this.axis(rank, p)],
          [3, () => `[${this.distinctAxes(rank).join(', ')}]`],
          [0.3, () => `[0, 0]`],
        ])();
      case 'float':
        if (r.chance(0.05)) return r.pick(EXTREME_NUMBERS);
        return r.pick(['0.', '0.5', '1e-3', '1e-5', '2', '0.2', '-1.', '1e-8', '3']);
      case 'bool':
        return r.chance(0.95) ? r.pick(['True', 'False']) : r.pick(['1', '0', "'yes'"]);
      case 'string':
        return this.stringArgument(op, p, ctx);
      case 'dtype': {
        const d = r.chance(0.97) ? this.randomDType() : null;
        if (d && p.name === 'dtype' && op.name === 'cast') ctx.castTo = d;
        return d ? this.dtypeText(d) : r.pick(["'complex64'", "'float16'", 'int64', "'garbage'", 'None']);
      }
      case 'shape':
        return this.shapeArgument(op, p, ctx);
      case 'value':
        return this.valueArgument(p, ctx);
      default:
        return this.operand().text;
    }
  }

  private garbage(): string {
    const r = this.rng;
    return r.pick([
      'None',
      "'text'",
      '[]',
      '[[1, 2], [3]]',
      'True',
      'float32',
      '1e39',
      'nan',
      '-1',
      '2147483648',
      '[None]',
      '(1, 2)',
      'placeholder',
      'gradients',
      this.syms.length ? r.pick(this.syms).name : 'x',
      '[[[[[[1]]]]]]',
      '""',
      "'∂'",
    ]);
  }

  private tensorArgument(p: Param, ctx: CallContext): { text: string; sym: Sym | null } {
    const r = this.rng;
    const dclass = p.dtypes ?? 'any';
    const fits = (s: Sym) =>
      dclass === 'float'
        ? s.dtype === 'float32' || s.dtype === 'float64'
        : dclass === 'numeric' || dclass === 'intOrFloat'
          ? s.dtype !== 'bool'
          : dclass === 'int'
            ? s.dtype === 'int32'
            : dclass === 'bool'
              ? s.dtype === 'bool'
              : true;
    const name = p.name;
    if ((/indices|^labels$/.test(name) && dclass === 'int') || name === 'indices') {
      const dim = ctx.first?.shape?.[0] ?? 3;
      if (r.chance(0.5)) {
        const n = r.int(0, 4);
        const items = Array.from({ length: n }, () => String(r.chance(0.05) ? r.pick([-1, dim, 1e9]) : r.int(0, Math.max(0, dim - 1))));
        return { text: `[${items.join(', ')}]`, sym: null };
      }
    }
    if (dclass === 'bool' && r.chance(0.4)) {
      const x = this.operand((s) => s.dtype !== 'bool');
      return {
        text: `${x.text} ${r.pick(['>', '<', '>=', '==', '!='])} ${this.number(x.sym?.dtype === 'int32' ? 'int32' : 'float32')}`,
        sym: x.sym ? { ...x.sym, dtype: 'bool' } : null,
      };
    }
    // Same shape as the first tensor argument for the second one, mostly (labels/logits,
    // x/y of binary ops, where's branches).
    if (ctx.first?.shape && r.chance(0.6)) {
      const same = this.tensors(
        (s) => fits(s) && s.dtype === ctx.first!.dtype && !!s.shape && (sameShape(s.shape, ctx.first!.shape!) || s.shape.length === 0),
      );
      if (same.length) {
        const s = r.pick(same);
        return { text: s.name, sym: s };
      }
    }
    if (r.chance(0.12) && this.depth < 3) {
      const sub = r.chance(0.5) ? this.operatorExpression() : this.call(this.pickOp((o) => !o.differentiates && o.name !== 'placeholder'));
      return { text: sub.text, sym: { name: '', kind: 'tensor', dtype: sub.dtype, shape: sub.shape, deps: sub.deps, source: false } };
    }
    if (r.chance(0.1)) {
      const dtype: DType = dclass === 'int' ? 'int32' : dclass === 'bool' ? 'bool' : r.chance(0.7) ? 'float32' : 'int32';
      return { text: this.number(dtype), sym: { name: '', kind: 'tensor', dtype, shape: [], deps: new Set(), source: false } };
    }
    // Tensors of one call share a dtype (TensorFlow's type attribute T), mostly.
    const first = ctx.first;
    if (first && !this.wrong()) {
      const same = this.tensors((s) => fits(s) && s.dtype === first.dtype);
      if (same.length) {
        const s = r.pick(same);
        return { text: s.name, sym: s };
      }
    }
    return this.operand(fits);
  }

  private pickOp(filter: (o: OpDef) => boolean): OpDef {
    const pool = this.ops.filter(filter);
    return this.rng.pick(pool.length ? pool : this.ops);
  }

  private intArgument(p: Param, ctx: CallContext): string {
    const r = this.rng;
    if (r.chance(0.02)) return r.pick(HUGE_SIZES);
    const n = p.name;
    if (n === 'seed') return String(r.int(0, 20));
    if (/num|depth|^k$|^n$/.test(n)) return String(r.chance(0.9) ? r.int(1, 4) : r.int(-1, 0));
    if (/mask/.test(n)) return String(r.int(0, 7));
    if (n === 'batch_dims') return String(r.int(0, 1));
    if (/axis/.test(n)) return this.axis(ctx.first?.shape?.length ?? 2, p);
    return String(r.int(-2, 5));
  }

  private intsArgument(p: Param, ctx: CallContext, rank: number): string {
    const r = this.rng;
    const n = p.name;
    const shape = ctx.first?.shape ?? null;
    const list = (xs: number[]) => (xs.length === 1 && r.chance(0.3) ? String(xs[0]) : `[${xs.join(', ')}]`);
    if (n === 'perm') {
      const perm = r.shuffle(Array.from({ length: rank }, (_, i) => i));
      if (this.wrong()) perm.push(rank);
      return list(perm);
    }
    if (n === 'multiples') return list(Array.from({ length: rank }, () => r.int(1, 3)));
    if (n === 'begin') return list(Array.from({ length: rank }, (_, i) => r.int(0, Math.max(0, (shape?.[i] ?? 2) - 1))));
    if (n === 'size') return list(Array.from({ length: rank }, (_, i) => (r.chance(0.2) ? -1 : r.int(0, shape?.[i] ?? 2))));
    if (n === 'end') return list(Array.from({ length: rank }, (_, i) => r.int(0, shape?.[i] ?? 2)));
    if (/strides|ksize|dilations/.test(n)) return list(r.chance(0.5) ? [1, r.int(1, 2), r.int(1, 2), 1] : [r.int(1, 2)]);
    if (/axis|axes/.test(n)) return list(this.distinctAxes(rank));
    return list(Array.from({ length: r.int(0, 3) }, () => r.int(-1, 3)));
  }

  private axis(rank: number, p?: Param): string {
    const r = this.rng;
    if (p && 'default' in p && p.default === null && r.chance(0.15)) return 'None';
    if (rank === 0 || r.chance(0.06)) return String(r.pick([rank, -rank - 1, 5, -7, 0]));
    return String(r.int(-rank, rank - 1));
  }

  private distinctAxes(rank: number): number[] {
    const r = this.rng;
    const all = Array.from({ length: rank }, (_, i) => (r.chance(0.3) ? i - rank : i));
    return r.shuffle(all).slice(0, r.int(0, rank));
  }

  private stringArgument(op: OpDef, p: Param, ctx: CallContext): string {
    const r = this.rng;
    const n = p.name;
    if (n === 'padding') return r.pick(["'SAME'", "'VALID'", "'same'", "'FULL'"]);
    if (n === 'mode')
      return op.name === 'pad'
        ? r.pick(["'CONSTANT'", "'REFLECT'", "'SYMMETRIC'", "'constant'", "'WRAP'"])
        : r.pick(["'full'", "'fast'", "'other'"]);
    if (n === 'data_format') return r.pick(["'NHWC'", "'NCHW'"]);
    if (n === 'unconnected_gradients') return r.pick(["'none'", "'zero'", "'zeros'"]);
    if (n === 'equation') return `'${this.einsumEquation(ctx)}'`;
    if (n === 'file' || n === 'path')
      return r.pick(["'missing.npy'", "'../../etc/passwd'", "'/etc/passwd'", "'test/fixtures/npy/f4_2x3.npy'", "''", "'.'", "'examples'"]);
    if (n === 'ord') return r.pick(["'euclidean'", "'fro'", "'nuc'", '1', '2', 'inf']);
    return r.pick(["'x'", "''", "'SAME'", "'ij->ji'", "'none'", "'∂'", `'${'a'.repeat(r.int(0, 300))}'`]);
  }

  private einsumEquation(ctx: CallContext): string {
    const r = this.rng;
    const rank = ctx.first?.shape?.length ?? 2;
    const letters = 'ijkl'.slice(0, Math.min(4, rank));
    return r.pick([
      `${letters}->${[...letters].reverse().join('')}`,
      'ij,jk->ik',
      'i,i->',
      'ij->',
      'ii->i',
      `${letters}`,
      'bij,bjk->bik',
      'i,j->ij',
      '...ij->...ji',
      'ij,jk',
      '->',
      'iij',
    ]);
  }

  private shapeArgument(op: OpDef, p: Param, ctx: CallContext): string {
    const r = this.rng;
    if (r.chance(0.03)) return `[${r.pick(HUGE_SIZES)}, ${r.pick(HUGE_SIZES)}]`;
    const shape = ctx.first?.shape;
    if (op.name === 'reshape' && shape) {
      const size = shape.reduce((a, b) => a * b, 1);
      return r.weighted<() => string>([
        [3, () => '[-1]'],
        [2, () => `[${size}]`],
        [
          2,
          () => {
            const f = divisors(size);
            const a = r.pick(f.length ? f : [1]);
            return r.chance(0.5) ? `[${a}, -1]` : `[-1, ${a}]`;
          },
        ],
        [1, () => `[${size + 1}]`],
        [1, () => '[-1, -1]'],
        [1, () => this.shapeText(this.randomShape())],
      ])();
    }
    if (op.name === 'broadcast_to' && shape) {
      const lead = r.chance(0.5) ? [r.int(1, 3)] : [];
      return this.shapeText([...lead, ...shape.map((d) => (d === 1 && r.chance(0.5) ? r.int(1, 3) : d))]);
    }
    const s = this.randomShape();
    return this.shapeText(s.map((d) => (p.name === 'shape' && op.name === 'placeholder' && r.chance(0.2) ? null : d)));
  }

  private valueArgument(p: Param, ctx: CallContext): string {
    const r = this.rng;
    const n = p.name;
    if (['ys', 'target', 'y'].includes(n)) return this.ysArgument(ctx);
    if (['xs', 'sources', 'x', 'source'].includes(n)) return this.xsArgument(ctx);
    if (['grad_ys', 'output_gradients'].includes(n)) {
      const y = ctx.ys;
      if (y && r.chance(0.6)) {
        const same = this.tensors((s) => !!s.shape && !!y.shape && sameShape(s.shape, y.shape) && s.dtype === y.dtype);
        if (same.length) return r.chance(0.3) ? `-${r.pick(same).name}` : r.pick(same).name;
        if (y.shape) return this.literal(y.shape, 'float32');
      }
      return r.pick(['None', '1.', '[1.]', this.operand().text]);
    }
    if (n === 'stop_gradients') {
      const pool = this.tensors();
      return pool.length
        ? `[${r
            .shuffle(pool.slice())
            .slice(0, r.int(0, 2))
            .map((s) => s.name)
            .join(', ')}]`
        : '[]';
    }
    if (n === 'num_or_size_splits') {
      const dim = ctx.first?.shape?.[0] ?? 2;
      if (r.chance(0.5)) return String(r.pick(divisors(dim).concat([dim + 1])));
      const a = r.int(0, dim);
      return r.chance(0.7) ? `[${a}, ${dim - a}]` : `[${a}, -1]`;
    }
    if (n === 'paddings') {
      const rank = ctx.first?.shape?.length ?? 1;
      return `[${Array.from({ length: rank }, () => `[${r.int(0, 2)}, ${r.int(0, 2)}]`).join(', ')}]`;
    }
    if (n === 'ord') return r.pick(["'euclidean'", "'fro'", '1', '2', 'inf', "'nuc'", '-1', '0']);
    if (['validate_indices', 'aggregation_method', 'name'].includes(n)) return 'None';
    return this.operand().text;
  }

  private ysArgument(ctx: CallContext): string {
    const r = this.rng;
    const withDeps = this.tensors((s) => s.deps.size > 0 && s.dtype !== 'bool');
    const pool = withDeps.length ? withDeps : this.tensors();
    if (!pool.length) return '1.';
    const y = r.pick(pool);
    ctx.ys = y;
    for (const d of y.deps) ctx.deps.add(d);
    if (r.chance(0.12) && pool.length > 1) return `[${y.name}, ${r.pick(pool).name}]`;
    return y.name;
  }

  private xsArgument(ctx: CallContext): string {
    const r = this.rng;
    const deps = [...ctx.deps];
    const sources = this.tensors((s) => s.source);
    const pick = () => (deps.length && r.chance(0.85) ? r.pick(deps) : sources.length ? r.pick(sources).name : this.operand().text);
    const x = pick();
    ctx.x = this.syms.find((s) => s.name === x) ?? null;
    if (r.chance(0.2)) return `[${x}, ${pick()}]`;
    if (r.chance(0.08)) {
      const any = this.tensors();
      if (any.length) return r.pick(any).name; // an intermediate tensor as x
    }
    return x;
  }

  private operatorExpression(): { text: string; dtype: DType; shape: number[] | null; deps: Set<string> } {
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

  private operatorStatement(): void {
    const e = this.operatorExpression();
    this.assign(e.text, { kind: 'tensor', dtype: e.dtype, shape: e.shape, deps: e.deps, source: false });
  }

  private indexStatement(): void {
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

  private attributeStatement(): void {
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

  private gradientStatement(): void {
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

  private defStatement(): void {
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

  private destructureStatement(): void {
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

  private checkStatement(): void {
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

  private assertStatement(): void {
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

  private bareStatement(): void {
    const r = this.rng;
    const e = r.chance(0.5) ? this.operatorExpression().text : this.call(this.pickOp(() => true)).text;
    this.emit(e);
  }

  /** Deliberately wrong statements: the analysis must answer each with a diagnostic. */
  private brokenStatement(): void {
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

interface CallContext {
  first: Sym | null;
  second?: Sym | null;
  deps: Set<string>;
  dtype: DType;
  castTo?: DType;
  ys?: Sym;
  x?: Sym | null;
}

interface Made {
  text: string;
  dtype?: DType;
  shape?: number[] | null;
  deps: Set<string>;
  /** For a list result: how many items. */
  list?: number;
}

type Recipe = (g: ProgramGenerator, op: string) => Made;

const depsOf = (...syms: Sym[]) => new Set(syms.flatMap((s) => [...s.deps]));

/** Well-formed calls of ops whose arguments must agree with each other. */
const RECIPES: Record<string, Recipe> = {
  conv2d: (g) => {
    const r = g.random;
    const [b, h, w, c, o] = [r.int(1, 2), r.int(2, 5), r.int(2, 5), r.int(1, 3), r.int(1, 3)];
    const [fh, fw] = [r.int(1, Math.min(3, h)), r.int(1, Math.min(3, w))];
    const x = g.tensorOf([b, h, w, c]);
    const f = g.tensorOf([fh, fw, c, o]);
    const dilated = r.chance(0.15);
    const strides = dilated ? '1' : r.pick(['1', '2', '[1, 2, 2, 1]', '[1, 1, 2, 1]', '[2, 1]']);
    const padding = r.pick(["'SAME'", "'VALID'"]);
    return {
      text: `${g.name('conv2d')}(${x.name}, ${f.name}, strides=${strides}, padding=${padding}${dilated ? ', dilations=[1, 2, 2, 1]' : ''})`,
      deps: depsOf(x, f),
    };
  },
  max_pool2d: (g, op) => pool(g, op),
  avg_pool2d: (g, op) => pool(g, op),
  einsum: (g) => {
    const r = g.random;
    const [i, j, k, b] = [r.int(1, 3), r.int(1, 3), r.int(1, 3), r.int(1, 2)];
    const forms: [string, number[][]][] = [
      [
        'ij,jk->ik',
        [
          [i, j],
          [j, k],
        ],
      ],
      ['ij->ji', [[i, j]]],
      ['ij->', [[i, j]]],
      ['ij->j', [[i, j]]],
      ['i,i->', [[i], [i]]],
      ['i,j->ij', [[i], [j]]],
      [
        'bij,bjk->bik',
        [
          [b, i, j],
          [b, j, k],
        ],
      ],
      ['ii->i', [[i, i]]],
      ['ii', [[i, i]]],
      [
        'ij,ij->ij',
        [
          [i, j],
          [i, j],
        ],
      ],
      ['ijk->kji', [[i, j, k]]],
      [
        'ij,jk,kl->il',
        [
          [i, j],
          [j, k],
          [k, 2],
        ],
      ],
      ['...ij->...ji', [[b, i, j]]],
    ];
    const [eq, shapes] = r.pick(forms);
    const xs = shapes.map((sh) => g.tensorOf(sh));
    return { text: `${g.name('einsum')}('${eq}', ${xs.map((x) => x.name).join(', ')})`, deps: depsOf(...xs) };
  },
  tensordot: (g) => {
    const r = g.random;
    const [i, j, k] = [r.int(1, 3), r.int(1, 3), r.int(1, 3)];
    const [sa, sb, axes] = r.pick<[number[], number[], string]>([
      [[i, j], [j, k], '1'],
      [[i, j], [j, k], '[[1], [0]]'],
      [[i, j], [k], '0'],
      [[i, j], [i, j], '2'],
      [[i, j, k], [k, j], '[[1, 2], [1, 0]]'],
    ]);
    const a = g.tensorOf(sa);
    const b = g.tensorOf(sb);
    return { text: `${g.name('tensordot')}(${a.name}, ${b.name}, ${axes})`, deps: depsOf(a, b) };
  },
  trace: (g) => {
    const n = g.random.int(1, 4);
    const x = g.tensorOf(g.random.chance(0.7) ? [n, n] : [2, n, n]);
    return { text: `${g.name('trace')}(${x.name})`, deps: depsOf(x) };
  },
  matrix_diag_part: (g) => {
    const x = g.tensorOf([g.random.int(1, 3), g.random.int(1, 3)]);
    return { text: `${g.name('matrix_diag_part')}(${x.name})`, deps: depsOf(x) };
  },
  sigmoid_cross_entropy_with_logits: (g) => {
    const shape = [g.random.int(1, 3), g.random.int(1, 3)];
    const z = g.tensorOf(shape);
    const labels = `uniform(${g.shapeOf(shape)}, seed=${g.random.int(0, 9)})`;
    return { text: `${g.name('sigmoid_cross_entropy_with_logits')}(labels=constant(${labels}), logits=${z.name})`, shape, deps: depsOf(z) };
  },
  softmax_cross_entropy_with_logits: (g) => {
    const [b, k] = [g.random.int(1, 3), g.random.int(2, 4)];
    const z = g.tensorOf([b, k]);
    const labels = `one_hot(${g.indices(b, k)}, ${k})`;
    return { text: `${g.name('softmax_cross_entropy_with_logits')}(labels=${labels}, logits=${z.name})`, shape: [b], deps: depsOf(z) };
  },
  sparse_softmax_cross_entropy_with_logits: (g) => {
    const [b, k] = [g.random.int(1, 3), g.random.int(2, 4)];
    const z = g.tensorOf([b, k]);
    return {
      text: `${g.name('sparse_softmax_cross_entropy_with_logits')}(labels=${g.indices(b, k)}, logits=${z.name})`,
      shape: [b],
      deps: depsOf(z),
    };
  },
  moments: (g) => {
    const x = g.tensorOf([g.random.int(1, 4), g.random.int(1, 3)]);
    return { text: `${g.name('moments')}(${x.name}, axes=${g.random.pick(['[0]', '[1]', '[0, 1]', '0'])})`, deps: depsOf(x), list: 2 };
  },
  norm: (g) => {
    const r = g.random;
    const x = g.tensorOf([r.int(1, 3), r.int(1, 3)]);
    const [ord, axis] = r.pick<[string, string]>([
      ["'euclidean'", 'None'],
      ['2', '0'],
      ['1', '1'],
      ['inf', '-1'],
      ["'fro'", '[0, 1]'],
      ['1', '[0, 1]'],
      ['inf', '[-2, -1]'],
    ]);
    return { text: `${g.name('norm')}(${x.name}, ord=${ord}, axis=${axis})`, deps: depsOf(x) };
  },
  clip_by_value: (g) => {
    const x = g.tensorOf([g.random.int(1, 4)]);
    const lo = g.random.pick(['-0.5', '0.', '-1.']);
    const hi = g.random.pick(['0.5', '1.', '2.']);
    return { text: `${g.name('clip_by_value')}(${x.name}, ${lo}, ${hi})`, deps: depsOf(x) };
  },
  one_hot: (g) => {
    const k = g.random.int(1, 4);
    return {
      text: `${g.name('one_hot')}(${g.indices(g.random.int(0, 4), k)}, ${k}${g.random.chance(0.3) ? ', on_value=2., off_value=-1.' : ''})`,
      deps: new Set(),
    };
  },
  gather: (g) => {
    const [n, m] = [g.random.int(1, 4), g.random.int(1, 3)];
    const x = g.tensorOf([n, m]);
    const axis = g.random.int(0, 1);
    return { text: `${g.name('gather')}(${x.name}, ${g.indices(g.random.int(1, 4), axis ? m : n)}, axis=${axis})`, deps: depsOf(x) };
  },
  gather_nd: (g) => {
    const [n, m] = [g.random.int(1, 4), g.random.int(1, 3)];
    const x = g.tensorOf([n, m]);
    const full = g.random.chance(0.5);
    const idx = Array.from({ length: g.random.int(1, 3) }, () =>
      full ? `[${g.random.int(0, n - 1)}, ${g.random.int(0, m - 1)}]` : `[${g.random.int(0, n - 1)}]`,
    );
    return { text: `${g.name('gather_nd')}(${x.name}, [${idx.join(', ')}])`, deps: depsOf(x) };
  },
  pad: (g) => {
    const shape = [g.random.int(2, 4), g.random.int(2, 4)];
    const x = g.tensorOf(shape);
    const mode = g.random.pick(["'CONSTANT'", "'REFLECT'", "'SYMMETRIC'"]);
    const p = () => g.random.int(0, 1);
    return { text: `${g.name('pad')}(${x.name}, [[${p()}, ${p()}], [${p()}, ${p()}]], mode=${mode})`, deps: depsOf(x) };
  },
  split: (g) => {
    const n = g.random.int(1, 3);
    const x = g.tensorOf([n * 2, g.random.int(1, 3)]);
    const how = g.random.chance(0.5) ? String(n) : `[${n}, ${n}]`;
    return { text: `${g.name('split')}(${x.name}, ${how})`, deps: depsOf(x), list: g.random.chance(0.5) ? n : 2 };
  },
  unstack: (g) => {
    const n = g.random.int(1, 3);
    const x = g.tensorOf([n, g.random.int(1, 3)]);
    return { text: `${g.name('unstack')}(${x.name})`, deps: depsOf(x), list: n };
  },
  linspace: (g) => ({
    text: `${g.name('linspace')}(${g.random.pick(['0.', '-1.', '2.'])}, ${g.random.pick(['1.', '3.', '-2.'])}, ${g.random.int(1, 6)})`,
    deps: new Set(),
  }),
  eye: (g) => ({
    text: `${g.name('eye')}(${g.random.int(1, 3)}${g.random.chance(0.4) ? `, ${g.random.int(1, 3)}` : ''}${g.random.chance(0.2) ? ', batch_shape=[2]' : ''})`,
    deps: new Set(),
  }),
  batch_jacobian: (g) => {
    const [b, n, m] = [g.random.int(1, 3), g.random.int(1, 3), g.random.int(1, 3)];
    const x = g.tensorOf([b, n]);
    const w = g.tensorOf([n, m]);
    return { text: `${g.name('batch_jacobian')}(${g.name('tanh')}(${x.name} @ ${w.name}), ${x.name})`, deps: depsOf(x, w) };
  },
  jacobian: (g) => {
    const x = g.tensorOf([g.random.int(1, 3)]);
    const f = g.random.pick(['sin', 'exp', 'square', 'tanh', 'softplus']);
    return { text: `${g.name('jacobian')}(${g.name(f)}(${x.name}) * ${x.name}, ${x.name})`, deps: depsOf(x) };
  },
  hessian: (g) => {
    const x = g.tensorOf([g.random.int(1, 3)]);
    return {
      text: `${g.name('hessian')}(${g.name('reduce_sum')}(${x.name} ** 3 + ${g.name('sin')}(${x.name})), ${x.name})`,
      deps: depsOf(x),
    };
  },
  hessians: (g) => {
    const x = g.tensorOf([g.random.int(1, 2), 2]);
    return {
      text: `${g.name('hessians')}(${g.name('reduce_sum')}(${g.name('tanh')}(${x.name}) * ${x.name}), ${x.name})`,
      deps: depsOf(x),
      list: 1,
    };
  },
  cumsum: (g, op) => cumulative(g, op),
  cumprod: (g, op) => cumulative(g, op),
  slice: (g) => {
    const [n, m] = [g.random.int(1, 4), g.random.int(1, 4)];
    const x = g.tensorOf([n, m]);
    const [b0, b1] = [g.random.int(0, n - 1), g.random.int(0, m - 1)];
    return {
      text: `${g.name('slice')}(${x.name}, [${b0}, ${b1}], [${g.random.chance(0.3) ? -1 : g.random.int(0, n - b0)}, ${g.random.int(0, m - b1)}])`,
      deps: depsOf(x),
    };
  },
  strided_slice: (g) => {
    const [n, m] = [g.random.int(1, 4), g.random.int(1, 4)];
    const x = g.tensorOf([n, m]);
    const mask = () => g.random.int(0, 3);
    return {
      text: `${g.name('strided_slice')}(${x.name}, [0, ${g.random.int(0, m - 1)}], [${n}, ${m}], [${g.random.pick([1, 2, -1])}, 1], begin_mask=${mask()}, end_mask=${mask()}, shrink_axis_mask=${g.random.pick([0, 0, 2])})`,
      deps: depsOf(x),
    };
  },
  where: (g) => {
    const shape = [g.random.int(1, 4)];
    const x = g.tensorOf(shape);
    const y = g.tensorOf(shape);
    return { text: `${g.name('where')}(${x.name} > ${y.name}, ${x.name}, ${y.name})`, shape, deps: depsOf(x, y) };
  },
  softmax: (g, op) => {
    const x = g.tensorOf([g.random.int(1, 3), g.random.int(1, 4)]);
    return { text: `${g.name(op)}(${x.name}${g.random.chance(0.4) ? `, axis=${g.random.pick([0, 1, -1])}` : ''})`, deps: depsOf(x) };
  },
  log_softmax: (g, op) => RECIPES.softmax(g, op),
  reduce_logsumexp: (g) => {
    const x = g.tensorOf([g.random.int(1, 3), g.random.int(1, 4)]);
    return { text: `${g.name('reduce_logsumexp')}(${x.name}, axis=${g.random.pick(['None', '0', '1', '[0, 1]'])})`, deps: depsOf(x) };
  },
  matmul: (g) => {
    const r = g.random;
    const [b, i, j, k] = [r.int(1, 2), r.int(1, 3), r.int(1, 3), r.int(1, 3)];
    const ta = r.chance(0.3);
    const tb = r.chance(0.3);
    const batched = r.chance(0.3);
    const lead = batched ? [b] : [];
    const a = g.tensorOf([...lead, ...(ta ? [j, i] : [i, j])]);
    const c = g.tensorOf(r.chance(0.2) && batched ? (tb ? [k, j] : [j, k]) : [...lead, ...(tb ? [k, j] : [j, k])]);
    return {
      text: `${g.name('matmul')}(${a.name}, ${c.name}${ta ? ', transpose_a=True' : ''}${tb ? ', transpose_b=True' : ''})`,
      deps: depsOf(a, c),
    };
  },
};

function pool(g: ProgramGenerator, op: string): Made {
  const r = g.random;
  const x = g.tensorOf([r.int(1, 2), r.int(2, 5), r.int(2, 5), r.int(1, 2)]);
  const k = r.pick(['1', '2', '3', '[1, 2, 2, 1]', '[2, 2]']);
  const s = r.pick(['1', '2', '[1, 2, 2, 1]', '[1, 1]']);
  return { text: `${g.name(op)}(${x.name}, ksize=${k}, strides=${s}, padding=${r.pick(["'SAME'", "'VALID'"])})`, deps: depsOf(x) };
}

function cumulative(g: ProgramGenerator, op: string): Made {
  const r = g.random;
  const x = g.tensorOf([r.int(1, 4), r.int(1, 3)]);
  return {
    text: `${g.name(op)}(${x.name}, axis=${r.pick([0, 1, -1])}${r.chance(0.3) ? ', exclusive=True' : ''}${r.chance(0.3) ? ', reverse=True' : ''})`,
    deps: depsOf(x),
  };
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function broadcastGuess(a: readonly number[], b: readonly number[]): number[] | null {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return null;
    out.push(x === 1 ? y : x);
  }
  return out;
}

function divisors(n: number): number[] {
  const out: number[] = [];
  for (let d = 1; d <= n; d++) if (n % d === 0) out.push(d);
  return out;
}

/** One random program for this generator state. */
export function generateProgram(rng: Rng, options?: GenerateOptions): string {
  return new ProgramGenerator(rng, options).generate();
}
