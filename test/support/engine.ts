// Shared helpers for the engine test suites: analyse a .tgraph source and read its values as
// plain nested arrays, its diagnostics with 1-based positions, and literals for sources.

import { analyze, type Analysis, type AnalysisOptions, type Diagnostic } from '../../engine/analysis';
import type { Value } from '../../engine/builder';
import type { Tensor } from '../../engine/tensor';
import { lookupOp } from '../../engine/ops/registry';

export type Nested = number | boolean | Nested[];
/** A bound value as plain data: a tensor as nested arrays, a list as an array (None → null). */
export type Plain = Nested | null | Plain[];

/** Nested row-major arrays for a tensor (bools as booleans), as `tensor.arraySync()`. */
export function toNested(t: Tensor): Nested {
  const flat = Array.from(t.data as ArrayLike<number>, (v) => (t.dtype === 'bool' ? v !== 0 : v));
  if (t.shape.length === 0) return flat[0];
  const build = (axis: number, offset: number): Nested[] => {
    const size = t.shape[axis];
    const stride = t.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
    const out: Nested[] = [];
    for (let i = 0; i < size; i++) {
      out.push(axis === t.shape.length - 1 ? flat[offset + i] : build(axis + 1, offset + i * stride));
    }
    return out;
  };
  return build(0, 0);
}

export interface Pos {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

export interface Run {
  a: Analysis;
  /** The value bound to `name` (nested arrays, or a list of them); throws when unknown. */
  value(name: string): Plain;
  /** The concrete tensor bound to `name`; throws when it has none. */
  tensor(name: string): Tensor;
  /** The static shape of `name` (null entries are unknown sizes). */
  staticShape(name: string): (number | null)[] | null;
  /** Diagnostics of a severity (all when omitted). */
  diags(severity?: Diagnostic['severity']): readonly Diagnostic[];
  errors(): readonly Diagnostic[];
  /** 1-based start and end of a span, as the CLI's JSON reports them. */
  pos(span: { start: number; end: number }): Pos;
  /** A compact "line:col code: message" list, for readable failure output. */
  describe(): string;
}

function plainOf(a: Analysis, v: Value, name: string): Plain {
  if (v.kind === 'none') return null;
  if (v.kind === 'list') return v.items.map((item, i) => plainOf(a, item, `${name}[${i}]`));
  if (v.kind === 'tensor') {
    const t = a.valueOf(v.node);
    if (!t) throw new Error(`\`${name}\` has no value`);
    return toNested(t);
  }
  throw new Error(`\`${name}\` is a ${v.kind}, not a tensor or list`);
}

export function run(source: string, options?: AnalysisOptions): Run {
  const a = analyze(source, options);
  const binding = (name: string) => {
    const b = a.lookup(name);
    if (!b) throw new Error(`\`${name}\` is not bound. Diagnostics:\n${describe()}`);
    return b;
  };
  const pos = (span: { start: number; end: number }): Pos => {
    const s = a.lines.positionAt(span.start);
    const e = a.lines.positionAt(span.end);
    return { line: s.line + 1, column: s.character + 1, endLine: e.line + 1, endColumn: e.character + 1 };
  };
  const describe = () =>
    a.diagnostics
      .map((d) => {
        const p = pos(d.span);
        return `${p.line}:${p.column} ${d.severity} ${d.code}: ${d.message}`;
      })
      .join('\n');
  return {
    a,
    value: (name) => plainOf(a, binding(name).value, name),
    tensor: (name) => {
      const v = binding(name).value;
      if (v.kind !== 'tensor') throw new Error(`\`${name}\` is not a tensor`);
      const t = a.valueOf(v.node);
      if (!t) throw new Error(`\`${name}\` has no value. Diagnostics:\n${describe()}`);
      return t;
    },
    staticShape: (name) => {
      const v = binding(name).value;
      if (v.kind !== 'tensor') throw new Error(`\`${name}\` is not a tensor`);
      return v.node.type.shape ? [...v.node.type.shape] : null;
    },
    diags: (severity) => (severity ? a.diagnostics.filter((d) => d.severity === severity) : a.diagnostics),
    errors: () => a.diagnostics.filter((d) => d.severity === 'error'),
    pos,
    describe,
  };
}

/** True when every named op is registered (tests of ops still being written skip until they land). */
export function hasOps(...names: string[]): boolean {
  return names.every((n) => lookupOp(n) !== undefined);
}

// ---- deterministic inputs --------------------------------------------------------------

/** A small seeded generator (mulberry32), independent of the engine's own. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor((hi - lo) * this.next());
  }
}

/** A nested array of the given shape filled by `f(flatIndex)`. */
export function filled(shape: readonly number[], f: (i: number) => number): Nested {
  let k = 0;
  const build = (axis: number): Nested => {
    if (axis === shape.length) return f(k++);
    return Array.from({ length: shape[axis] }, () => build(axis + 1));
  };
  return build(0);
}

/** Random values in [lo, hi), rounded to 3 decimals so that the source text stays short and
 *  both engines read the same float32 values; `avoid` keeps them `margin` away from kinks. */
export function randomArray(
  rng: Rng,
  shape: readonly number[],
  lo: number,
  hi: number,
  opts: { avoid?: readonly number[]; margin?: number; integer?: boolean } = {},
): Nested {
  const margin = opts.margin ?? 0.05;
  return filled(shape, () => {
    for (;;) {
      const raw = rng.uniform(lo, hi);
      const v = opts.integer ? Math.floor(raw) : Math.round(raw * 1000) / 1000;
      if (!(opts.avoid ?? []).some((k) => Math.abs(v - k) < margin)) return v;
    }
  });
}

/** A nested array as .tgraph literal text (`[[1.5, -2.0], ...]`); floats keep a decimal
 *  point so that the literal is float32, integers stay integers when `integer` is set. */
export function lit(x: Nested, integer = false): string {
  if (Array.isArray(x)) return `[${x.map((v) => lit(v, integer)).join(', ')}]`;
  if (typeof x === 'boolean') return x ? 'True' : 'False';
  if (integer) return String(x);
  const s = String(x);
  return /[.eE]/.test(s) || !Number.isFinite(x) ? s : `${s}.0`;
}

export function shapeOf(x: Nested): number[] {
  const shape: number[] = [];
  let cur: Nested = x;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    cur = cur[0];
  }
  return shape;
}

export function flatten(x: Plain): (number | boolean | null)[] {
  if (Array.isArray(x)) return x.flatMap((v) => flatten(v));
  return [x];
}
