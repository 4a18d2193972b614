// Binding a call's arguments to an op's parameters: which argument is which (keywords,
// aliases, positionals, TensorFlow 1's order), and reading each as the kind its parameter
// declares (static ints, axes, dtypes, shapes, tensors).

import type { Span } from './syntax/ast';
import type { Node } from './graph';
import { type DType, isFloat, isInteger, sizeOf } from './tensor';
import { constantOf } from './ops/registry';
import type { OpDef, Param } from './ops/registry';
import { didYouMean } from './suggest';
import type { Builder } from './builder';
import { type BoundArg, BuildError, type CallArg, NONE, Poisoned, type Value, tensorValue } from './values';

export class BoundArgs {
  constructor(
    readonly b: Builder,
    readonly op: OpDef,
    readonly callSpan: Span,
    /** The argument given for each parameter, by the parameter's position (an array rather
     *  than a Map: one is made for every operator of a file). */
    private readonly args: readonly (BoundArg | undefined)[],
  ) {}

  param(name: string): Param {
    const p = this.op.params.find((q) => q.name === name);
    if (!p) throw new Error(`op ${this.op.name} has no parameter ${name}`);
    return p;
  }

  private arg(name: string): BoundArg | undefined {
    const params = this.op.params;
    for (let i = 0; i < params.length; i++) if (params[i].name === name) return this.args[i];
    return undefined;
  }

  has(name: string): boolean {
    return this.arg(name) !== undefined;
  }

  /** The argument's span, or the call's when the argument was omitted. */
  span(name: string): Span {
    return this.arg(name)?.span ?? this.callSpan;
  }

  /** The raw value, or the parameter's default converted to a Value. */
  value(name: string): Value {
    const a = this.arg(name);
    if (a) return a.value;
    const p = this.param(name);
    if (p.default === undefined)
      throw new BuildError(`${this.op.name}() is missing argument \`${name}\``, this.callSpan, 'missing-argument');
    return defaultToValue(this.b, p.default, this.callSpan);
  }

  isNone(name: string): boolean {
    return this.value(name).kind === 'none';
  }

  tensor(name: string, dtypeHint?: DType): Node {
    return this.b.toTensor(this.value(name), this.span(name), dtypeHint);
  }

  /** A list parameter's tensors. A literal list of numbers (`add_n([1., 2.])`) arrives as
   *  one constant: its rows are the list's items, as TensorFlow converts them one by one. */
  tensors(name: string): Node[] {
    const v = this.value(name);
    if (v.kind === 'error') throw new Poisoned();
    if (v.kind !== 'list') return literalRows(this.b, v, this.span(name)) ?? [this.b.toTensor(v, this.span(name))];
    return v.items.map((item) => this.b.toTensor(item, this.span(name)));
  }

  int(name: string): number {
    return this.b.staticInt(this.value(name), this.span(name), name);
  }
  optionalInt(name: string): number | null {
    return this.isNone(name) ? null : this.int(name);
  }
  ints(name: string): number[] {
    return this.b.staticInts(this.value(name), this.span(name), name);
  }
  /** `None` → null (all axes). */
  axes(name: string): number[] | null {
    return this.isNone(name) ? null : this.b.staticInts(this.value(name), this.span(name), name);
  }
  float(name: string): number {
    return this.b.staticNumber(this.value(name), this.span(name), name);
  }
  bool(name: string): boolean {
    return this.b.staticBool(this.value(name), this.span(name), name);
  }
  string(name: string): string {
    const v = this.value(name);
    if (v.kind === 'error') throw new Poisoned();
    if (v.kind !== 'string') throw new BuildError(`\`${name}\` must be a string`, this.span(name), 'type-mismatch');
    return v.value;
  }
  dtype(name: string): DType {
    return this.b.staticDType(this.value(name), this.span(name), name);
  }
  optionalDType(name: string): DType | null {
    return this.isNone(name) ? null : this.dtype(name);
  }
  shape(name: string): (number | null)[] | null {
    return this.b.staticShape(this.value(name), this.span(name), name);
  }
}

function defaultToValue(b: Builder, d: unknown, span: Span): Value {
  if (d === null) return NONE;
  if (typeof d === 'string') return { kind: 'string', value: d };
  if (typeof d === 'number') return tensorValue(b.literal(d, Number.isInteger(d) ? 'int32' : 'float32', span));
  if (typeof d === 'boolean') return tensorValue(b.literal(d ? 1 : 0, 'bool', span));
  if (Array.isArray(d)) return { kind: 'list', items: d.map((x) => defaultToValue(b, x, span)) };
  throw new Error(`unsupported default ${String(d)}`);
}

/** Binds call arguments to `op`'s signature: keywords by name or alias, positionals in
 *  order (TensorFlow 1's order for a TensorFlow 1 script), every required one present. */
export function bindArguments(b: Builder, op: OpDef, args: readonly CallArg[], callSpan: Span, options: { tf1?: boolean }): BoundArgs {
  const params = op.params;
  const slots = new Array<BoundArg | undefined>(params.length).fill(undefined);
  // A TensorFlow 1.x script's positional arguments bind by TensorFlow 1's order.
  const order = options.tf1 && op.tf1Positional ? tf1Order(op) : undefined;
  let positional = 0;
  let sawKeyword = false;
  // A variadic parameter (Python's *args) takes every positional argument from its place on.
  const variadic: CallArg[] = [];
  for (const a of args) {
    if (a.keyword) {
      sawKeyword = true;
      const kw = a.keyword.name;
      if (kw === 'name') continue; // every TensorFlow op takes `name=`; it changes nothing here
      const at = params.findIndex((q) => q.name === kw || q.aliases?.includes(kw));
      if (at < 0) {
        const names = params.flatMap((q) => [q.name, ...(q.aliases ?? [])]);
        throw new BuildError(`${op.name}() has no argument \`${kw}\`${didYouMean(kw, names)}`, a.keyword.span, 'unknown-argument');
      }
      if (slots[at]) throw new BuildError(`${op.name}() got argument \`${params[at].name}\` twice`, a.span, 'duplicate-argument');
      slots[at] = a;
    } else {
      if (sawKeyword) throw new BuildError('a positional argument cannot follow keyword arguments', a.span, 'syntax');
      // TensorFlow's `_sentinel` functions take the first positional argument as the
      // sentinel and refuse it: `f(logits, labels)` would otherwise swap the two silently.
      if (op.sentinel)
        throw new BuildError(`Only call \`${op.name}\` with named arguments (labels=..., logits=..., ...)`, a.span, 'positional-argument');
      if (order) {
        const k = positional++;
        if (k >= order.length)
          throw new BuildError(
            `${op.name}() takes at most ${order.length} positional argument${order.length === 1 ? '' : 's'} in TensorFlow 1`,
            a.span,
            'too-many-arguments',
          );
        const at = order[k];
        if (at < 0) continue; // TensorFlow's `name`
        // Two TensorFlow 1 spellings of one parameter (argmax's axis and dimension): None
        // leaves the other's value.
        const held = slots[at];
        if (held && a.value.kind === 'none') continue;
        if (held && held.value.kind !== 'none')
          throw new BuildError(`${op.name}() got argument \`${params[at].name}\` twice`, a.span, 'duplicate-argument');
        slots[at] = a;
        continue;
      }
      while (positional < params.length && params[positional].keywordOnly) positional++;
      if (params[positional]?.variadic) {
        variadic.push(a);
        continue;
      }
      const at = positional++;
      if (at >= params.length) {
        const count = params.filter((q) => !q.keywordOnly).length;
        throw new BuildError(
          `${op.name}() takes at most ${count} positional argument${count === 1 ? '' : 's'}`,
          a.span,
          'too-many-arguments',
        );
      }
      slots[at] = a;
    }
  }
  if (variadic.length > 0) {
    const at = params.findIndex((q) => q.variadic);
    if (slots[at]) throw new BuildError(`${op.name}() got argument \`${params[at].name}\` twice`, slots[at]!.span, 'duplicate-argument');
    const span = { start: variadic[0].span.start, end: variadic[variadic.length - 1].span.end };
    slots[at] = { value: { kind: 'list', items: variadic.map((a) => a.value) }, span };
  }
  for (let i = 0; i < params.length; i++) {
    const a = slots[i];
    if (params[i].default === undefined && !a) {
      throw new BuildError(`${op.name}() is missing argument \`${params[i].name}\``, callSpan, 'missing-argument');
    }
    if (a && a.value.kind === 'error') throw new Poisoned();
  }
  return new BoundArgs(b, op, callSpan, slots);
}

/** The parameter index of each entry of an op's TensorFlow 1 positional order (-1: `name`). */
function tf1Order(op: OpDef): number[] {
  return op.tf1Positional!.map((n) => (n === 'name' ? -1 : op.params.findIndex((q) => q.name === n || q.aliases?.includes(n))));
}

export function staticAttr(bound: BoundArgs, p: Param): unknown {
  const present = bound.has(p.name);
  if (!present) {
    if (p.default === undefined)
      throw new BuildError(`${bound.op.name}() is missing argument \`${p.name}\``, bound.callSpan, 'missing-argument');
    return p.default;
  }
  if (bound.isNone(p.name)) {
    // None means "unknown rank" for a shape and "all axes" for axes; an optional parameter
    // takes it as "the default" (the op reads null); a required one cannot be None.
    if (p.default !== undefined || p.kind === 'shape' || p.kind === 'axes' || p.kind === 'value') return null;
    throw new BuildError(`${bound.op.name}(): \`${p.name}\` cannot be None`, bound.span(p.name), 'type-mismatch');
  }
  switch (p.kind) {
    case 'int':
    case 'axis':
      return bound.int(p.name);
    case 'ints':
      return bound.ints(p.name);
    case 'axes':
      return bound.axes(p.name);
    case 'float':
      return bound.float(p.name);
    case 'bool':
      return bound.bool(p.name);
    case 'string':
      return bound.string(p.name);
    case 'dtype':
      return bound.dtype(p.name);
    case 'shape':
      return bound.shape(p.name);
    case 'value':
      return bound.value(p.name);
    default:
      throw new Error(`unexpected param kind ${p.kind}`);
  }
}

const CLASS_TEST: Record<string, (d: DType) => boolean> = {
  any: () => true,
  float: isFloat,
  numeric: (d) => d !== 'bool',
  intOrFloat: (d) => d !== 'bool',
  int: isInteger,
  bool: (d) => d === 'bool',
};

const CLASS_WORDS: Record<string, string> = {
  float: 'a float tensor (float32 or float64)',
  numeric: 'a numeric tensor',
  intOrFloat: 'a numeric tensor',
  int: 'an integer tensor (int32 or int64)',
  bool: 'a bool tensor',
};

export function checkDTypeClass(op: OpDef, p: Param, node: Node, span: Span): void {
  const cls = p.dtypes ?? 'any';
  if (!CLASS_TEST[cls](node.type.dtype)) {
    throw new BuildError(
      `${op.name}() expects ${CLASS_WORDS[cls]} for \`${p.name}\`, got ${node.type.dtype}${cls === 'float' && isInteger(node.type.dtype) ? ' (cast it, or write 2. for a float literal)' : ''}`,
      span,
      'dtype-mismatch',
    );
  }
}

/** The rows of a literal (a weak constant of rank >= 1) as weak constants of their own, or
 *  undefined when the value is not one. */
export function literalRows(b: Builder, v: Value, span: Span): Node[] | undefined {
  const t = v.kind === 'tensor' && v.node.weak ? constantOf(v.node)?.value : undefined;
  if (!t || t.shape.length === 0) return undefined;
  const inner = sizeOf(t.shape.slice(1));
  return Array.from({ length: t.shape[0] }, (_, i) =>
    b.constant({ dtype: t.dtype, shape: t.shape.slice(1), data: t.data.slice(i * inner, (i + 1) * inner) }, span, true),
  );
}
