// The generator's calls: an op's arguments chosen from its parameters' kinds, dtype classes
// and names, with a steady fraction deliberately wrong.

import type { OpDef, Param } from '../engine/ops/registry';
import {
  type CallContext,
  type DType,
  type Sym,
  EXTREME_NUMBERS,
  GeneratorBase,
  HUGE_SIZES,
  broadcastGuess,
  divisors,
  sameShape,
} from './generatorBase';

export abstract class CallGenerator extends GeneratorBase {
  // The statements' (fuzz/generate.ts): an argument may be any operand or operator expression.
  protected abstract operand(want?: (s: Sym) => boolean): { text: string; sym: Sym | null };
  protected abstract operatorExpression(): { text: string; dtype: DType; shape: number[] | null; deps: Set<string> };

  /** `op(args...)` for any op, arguments chosen from the parameter kinds and names. */
  protected call(op: OpDef): { text: string; dtype: DType; shape: number[] | null; deps: Set<string> } {
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
  protected argument(op: OpDef, p: Param, ctx: CallContext): string {
    const r = this.rng;
    const rank = ctx.first?.shape?.length ?? r.int(0, 3);
    if (this.wrong()) return this.garbage();
    // An explicit None where the parameter has a default: TensorFlow takes it as the default
    // for most parameters and refuses it for some; either way never an internal error.
    if (p.default !== undefined && p.kind !== 'tensor' && p.kind !== 'tensors' && r.chance(0.04)) return 'None';
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

  protected garbage(): string {
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

  protected tensorArgument(p: Param, ctx: CallContext): { text: string; sym: Sym | null } {
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

  protected pickOp(filter: (o: OpDef) => boolean): OpDef {
    const pool = this.ops.filter(filter);
    return this.rng.pick(pool.length ? pool : this.ops);
  }

  protected intArgument(p: Param, ctx: CallContext): string {
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

  protected intsArgument(p: Param, ctx: CallContext, rank: number): string {
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

  protected axis(rank: number, p?: Param): string {
    const r = this.rng;
    if (p && 'default' in p && p.default === null && r.chance(0.15)) return 'None';
    if (rank === 0 || r.chance(0.06)) return String(r.pick([rank, -rank - 1, 5, -7, 0]));
    return String(r.int(-rank, rank - 1));
  }

  protected distinctAxes(rank: number): number[] {
    const r = this.rng;
    const all = Array.from({ length: rank }, (_, i) => (r.chance(0.3) ? i - rank : i));
    return r.shuffle(all).slice(0, r.int(0, rank));
  }

  protected stringArgument(op: OpDef, p: Param, ctx: CallContext): string {
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

  protected einsumEquation(ctx: CallContext): string {
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

  protected shapeArgument(op: OpDef, p: Param, ctx: CallContext): string {
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

  protected valueArgument(p: Param, ctx: CallContext): string {
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

  protected ysArgument(ctx: CallContext): string {
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

  protected xsArgument(ctx: CallContext): string {
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
}
