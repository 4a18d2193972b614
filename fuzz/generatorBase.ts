// The generator's vocabulary and its base: what a generated name holds (its dtype, a guessed
// shape, what it depends on), the lists of numbers worth trying, and the helpers and
// sources every statement draws on. fuzz/generate.ts says what the generator is for.

import { allOps, type OpDef } from '../engine/ops/registry';
import '../engine/ops';
import type { Rng } from './rng';

export type DType = 'float32' | 'float64' | 'int32' | 'bool';

/** What the generator believes a name holds. `shape` is a guess (null: unknown). */
export interface Sym {
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

export const FLOAT_DTYPES: readonly DType[] = ['float32', 'float64'];
export const BOOL_RESULT = new Set([
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
export const INT_RESULT = new Set([
  'argmax',
  'argmin',
  'shape',
  'size',
  'rank',
  'count_nonzero',
  'randint',
  'range',
  'bincount',
  'confusion_matrix',
  'invert_permutation',
]);
/** Ops whose result is a list. */
export const LIST_RESULT = new Set([
  'gradients',
  'hessians',
  'unstack',
  'split',
  'moments',
  'meshgrid',
  'unique',
  'unique_with_counts',
  'top_k',
  'slogdet',
]);

export const EXTREME_NUMBERS = [
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
export const HUGE_SIZES = ['1000000000', '2147483648', '1e9', '100000', '65536', '4294967297', '-1', '-5', '0', '1e5', '3.5', 'nan'];
export const PREFIXES = ['', '', '', '', 'tf.', 'tf.math.', 'tf.nn.', 'tf.compat.v1.', 'np.', 'tf.linalg.'];

export interface CallContext {
  first: Sym | null;
  second?: Sym | null;
  deps: Set<string>;
  dtype: DType;
  castTo?: DType;
  ys?: Sym;
  x?: Sym | null;
}

export interface Made {
  text: string;
  dtype?: DType;
  shape?: number[] | null;
  deps: Set<string>;
  /** For a list result: how many items. */
  list?: number;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function broadcastGuess(a: readonly number[], b: readonly number[]): number[] | null {
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

export function divisors(n: number): number[] {
  const out: number[] = [];
  for (let d = 1; d <= n; d++) if (n % d === 0) out.push(d);
  return out;
}

export abstract class GeneratorBase {
  protected readonly lines: string[] = [];
  protected readonly syms: Sym[] = [];
  protected counter = 0;
  protected readonly maxDim: number;
  protected readonly errorRate: number;
  protected readonly maxStatements: number;
  protected readonly ops: OpDef[];
  protected depth = 0;

  constructor(
    protected readonly rng: Rng,
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

  protected wrong(): boolean {
    return this.rng.chance(this.errorRate);
  }

  protected fresh(prefix: string): string {
    return `${prefix}${this.counter++}`;
  }

  protected emit(line: string): void {
    const r = this.rng;
    if (r.chance(0.05)) line += `  # ${this.wrong() ? 'expect-fail' : r.pick(['note', 'why?', 'ünïcödé ∂y/∂x', 'TODO', ''])}`;
    this.lines.push(line);
    if (r.chance(0.04)) this.lines.push('');
  }

  protected comment(): void {
    this.lines.push(`# ${this.rng.pick(['generated program', 'expect-fail', 'a comment with = and ( [', '∑ over the batch'])}`);
  }

  protected add(sym: Sym): Sym {
    this.syms.push(sym);
    return sym;
  }

  protected tensors(filter?: (s: Sym) => boolean): Sym[] {
    return this.syms.filter((s) => s.kind === 'tensor' && (!filter || filter(s)));
  }

  protected opName(name: string): string {
    const r = this.rng;
    const op = this.ops.find((o) => o.name === name);
    const spelling = op && op.aliases?.length && r.chance(0.2) ? r.pick(op.aliases) : name;
    return r.pick(PREFIXES) + spelling;
  }

  protected dtypeText(d: DType): string {
    return this.rng.weighted<string>([
      [5, d],
      [2, `tf.${d}`],
      [1, `'${d}'`],
      [1, `np.${d}`],
    ]);
  }

  protected randomDType(): DType {
    return this.rng.weighted<DType>([
      [6, 'float32'],
      [2, 'float64'],
      [2, 'int32'],
      [1, 'bool'],
    ]);
  }

  protected randomShape(maxRank = 3): number[] {
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

  protected shapeText(shape: readonly (number | string | null)[]): string {
    return `[${shape.map((d) => (d === null ? 'None' : String(d))).join(', ')}]`;
  }

  protected number(dtype: DType): string {
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
  protected literal(shape: readonly number[], dtype: DType): string {
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
  protected filler(shape: readonly number[], dtype: DType): string {
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

  protected source(): void {
    const r = this.rng;
    r.weighted<() => void>([
      [5, () => this.placeholder()],
      [3, () => this.variable()],
      [3, () => this.constantSource()],
      [1, () => this.creationSource()],
    ])();
  }

  protected placeholder(): void {
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

  protected variable(): void {
    const r = this.rng;
    const name = this.fresh('w');
    const shape = this.randomShape();
    const dtype: DType = r.chance(0.85) ? 'float32' : this.randomDType();
    const init = this.filler(shape, dtype === 'float64' ? 'float32' : dtype);
    const dt = dtype === 'float64' ? `, dtype=${this.dtypeText('float64')}` : '';
    this.emit(`${name} = ${this.opName(r.chance(0.8) ? 'variable' : 'Variable')}(${init}${dt})`);
    this.add({ name, kind: 'tensor', dtype, shape, deps: new Set([name]), source: true });
  }

  protected constantSource(): void {
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

  protected creationSource(): void {
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

  protected has(opName: string): boolean {
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

  protected abstract statement(): void;
}
