// Graph tensors (tf.Tensor in a TF 1.x graph) and the bridge between Python values and the
// Builder: a TF call lowers through `b.call(op, args, span)`, as a .tgraph call does, so every
// op, shape and dtype diagnostic, check and explanation is shared by both front ends.

import { checkExpandable } from '../walk';
import type { Span } from '../../syntax/ast';
import type { Node } from '../../graph';
import { type Builder, type CallArg, NONE, Poisoned, type Value, tensorValue } from '../../builder';
import type { DType, Tensor } from '../../tensor';
import { type OpDef, lookupOp } from '../../ops/registry';
import {
  type CallSite,
  type KeywordArg,
  NOT_IMPLEMENTED,
  type OpSite,
  PyBuiltin,
  PyList,
  PyNamedTuple,
  PyObject,
  PyTuple,
  type PyValue,
  typeName,
} from '../values';
import { convertToArray } from '../numpy/convert';
import { OutsideSubset, pyError } from '../errors';
import type { Interpreter } from '../interpreter';
import { basicSpec } from '../indexing';
import { NDArray, type NpDType, engineDType, scalarArray, toTensor } from '../numpy/ndarray';
import { eagerArray, eagerNumber, eagerRepr, eagerStr, eagerTruth, isEager } from './eager';
import type { Runtime } from '../runtime';
import { kerasMaskAttribute } from './kerasMasks';
import { kerasTensorRepr } from './functional';
import { COMPARISON_OPERATORS, ELEMENTWISE_OPERATOR_OPS, PYTHON_LOGICAL_OPS } from '../../ops/operators';

// ---- dtypes -----------------------------------------------------------------------------------

/** `tf.float32`, `np.float32`, ... (equal to each other, as in TensorFlow). NumPy's dtypes are
 *  also callable: `np.float32(3)`. */
export class PyDType extends PyObject {
  constructor(
    readonly name: NpDType,
    /** `tf.float32`; `np.float32` (a NumPy scalar type); `a.dtype` (a NumPy dtype). */
    readonly library: 'tf' | 'np' | 'np-dtype',
  ) {
    super();
  }
  get typeName(): string {
    return this.library === 'tf' ? 'DType' : 'type';
  }
  override repr(): string {
    if (this.library === 'np-dtype') return `dtype('${this.name}')`;
    return this.library === 'tf' ? `tf.${this.name}` : `<class 'numpy.${this.name === 'bool' ? 'bool_' : this.name}'>`;
  }
  override str(): string {
    if (this.library === 'np-dtype') return this.name;
    return this.library === 'tf' ? `<dtype: '${this.name}'>` : this.repr();
  }
  override binaryOp(_rt: Interpreter, op: string, other: PyValue): PyValue | typeof NOT_IMPLEMENTED {
    if (op !== '==' && op !== '!=') return NOT_IMPLEMENTED;
    const same = other instanceof PyDType ? other.name === this.name : typeof other === 'string' ? other === this.name : false;
    return op === '==' ? same : !same;
  }
  override getAttr(_rt: Interpreter, name: string): PyValue | undefined {
    switch (name) {
      case 'name':
        return this.name;
      case 'is_floating':
        return this.name === 'float32' || this.name === 'float64';
      case 'is_integer':
        return this.name === 'int32' || this.name === 'int64';
      case 'is_bool':
        return this.name === 'bool';
      case 'base_dtype':
      case 'as_numpy_dtype':
        return this;
    }
    return undefined;
  }
  override call(rt: Interpreter, args: PyValue[], _kwargs: KeywordArg[], site: CallSite): PyValue {
    if (this.library !== 'np') throw pyError('TypeError', `'${this.typeName}' object is not callable`, site.funcSpan);
    const a = convertToArray(rt, args[0] ?? 0n, site.argSpans[0] ?? site.span, this.name);
    if (a.shape.length === 0) return scalarArray(this.name, a.data[0]);
    return a;
  }
}

/** The engine dtype a dtype value names (int64 arrays meet the graph as the engine's int64
 *  once it has one). */
export function graphDType(d: PyDType, _span: Span): DType {
  return engineDType(d.name);
}

// ---- names, as TensorFlow 1.x gives them ---------------------------------------------------------

const TF_TYPE: Record<string, string> = {
  placeholder: 'Placeholder',
  variable_value: 'Variable',
  const: 'Const',
  add: 'add',
  subtract: 'sub',
  multiply: 'mul',
  divide: 'truediv',
  pow: 'pow',
  matmul: 'MatMul',
  stack: 'stack',
  reduce_sum: 'Sum',
  reduce_mean: 'Mean',
  negative: 'Neg',
  square: 'Square',
  exp: 'Exp',
  log: 'Log',
  sigmoid: 'Sigmoid',
  tanh: 'Tanh',
  relu: 'Relu',
  softmax: 'Softmax',
  reshape: 'Reshape',
  gather: 'GatherV2',
  transpose: 'transpose',
};

const tfNames = new WeakMap<Node, string>();
const nameCounts = new WeakMap<object, Map<string, number>>();
/** How far into each graph's nodes names have been given (they are given in order). */
const namedUpTo = new WeakMap<object, number>();

/** TensorFlow's name for a node: its op type, numbered `_1`, `_2` in order of creation. */
export function tfName(rt: Runtime, node: Node): string {
  const known = tfNames.get(node);
  if (known) return known;
  let counts = nameCounts.get(rt.graph);
  if (!counts) nameCounts.set(rt.graph, (counts = new Map()));
  const nodes = rt.graph.nodes;
  let i = namedUpTo.get(rt.graph) ?? 0;
  for (; i < nodes.length && i <= node.id; i++) {
    const n = nodes[i];
    if (tfNames.has(n) || n.weak) continue;
    const base = n.origin.kind === 'gradient' ? `gradients/${TF_TYPE[n.op.name] ?? n.op.name}` : (TF_TYPE[n.op.name] ?? n.op.name);
    const k = counts.get(base) ?? 0;
    counts.set(base, k + 1);
    tfNames.set(n, k === 0 ? base : `${base}_${k}`);
  }
  namedUpTo.set(rt.graph, i);
  return tfNames.get(node) ?? node.op.name;
}

/** `name=` given to an op: its node's TensorFlow name (made unique as TensorFlow does). */
export function nameNode(rt: Runtime, node: Node, name: string): void {
  if (tfNames.has(node)) return;
  let counts = nameCounts.get(rt.graph);
  if (!counts) nameCounts.set(rt.graph, (counts = new Map()));
  const k = counts.get(name) ?? 0;
  counts.set(name, k + 1);
  tfNames.set(node, k === 0 ? name : `${name}_${k}`);
}

/** A static shape as TensorFlow 1.x prints it: `(?, 3)`. */
export function tfShape(shape: readonly (number | null)[] | null): string {
  if (shape === null) return '<unknown>';
  const dims = shape.map((d) => (d === null ? '?' : String(d)));
  return '(' + dims.join(', ') + (dims.length === 1 ? ',' : '') + ')';
}

// ---- tensors ----------------------------------------------------------------------------------

/** A graph tensor (tf.Tensor in a TF 1.x graph): a node, evaluated by `sess.run`. */
export class GraphTensor extends PyObject {
  constructor(
    readonly node: Node,
    readonly rt: Runtime,
  ) {
    super();
  }
  get typeName(): string {
    return 'Tensor';
  }
  get eager(): boolean {
    return isEager(this.rt);
  }
  override repr(): string {
    if (this.eager) return kerasTensorRepr(this.rt, this.node) ?? eagerRepr(this.rt, this.node, this.node.span);
    return `<tf.Tensor '${tfName(this.rt, this.node)}:0' shape=${tfShape(this.node.type.shape)} dtype=${this.node.type.dtype}>`;
  }
  override str(): string {
    if (this.eager) return kerasTensorRepr(this.rt, this.node) ?? eagerStr(this.rt, this.node, this.node.span);
    return `Tensor("${tfName(this.rt, this.node)}:0", shape=${tfShape(this.node.type.shape)}, dtype=${this.node.type.dtype})`;
  }
  override binaryOp(rt: Interpreter, op: string, other: PyValue, reflected: boolean, site: OpSite): PyValue | typeof NOT_IMPLEMENTED {
    return tensorBinary(
      rt,
      this.node,
      op.endsWith('=') && op.length <= 3 && !COMPARISONS.has(op) ? op.slice(0, -1) : op,
      other,
      reflected,
      site,
    );
  }
  override toNumber(): bigint | number | boolean | undefined {
    return this.eager ? eagerNumber(this.rt, this.node, this.node.span) : undefined;
  }
  override length(_rt: Interpreter, span: Span): number {
    const shape = this.node.type.shape;
    if (!shape || shape.length === 0 || shape[0] === null)
      throw pyError('TypeError', 'len is not well defined for a tensor of unknown or 0-d shape', span);
    return shape[0];
  }
  override unaryOp(rt: Interpreter, op: '-' | '+' | '~', span: Span): PyValue {
    if (op === '+') return this;
    return callOp(rt, op === '-' ? 'negative' : 'logical_not', [{ value: tensorValue(this.node), span }], span);
  }
  override getAttr(rt: Interpreter, name: string, span: Span): PyValue | undefined {
    return tensorAttribute(rt, this, this.node, name, span);
  }
  override getItem(rt: Interpreter, index: PyValue, span: Span, indexSpan: Span): PyValue {
    return sliceTensor(rt, this.node, index, span, indexSpan);
  }
  override truth(_rt: Interpreter, span: Span): boolean {
    if (this.eager) return eagerTruth(this.rt, this.node, span);
    throw pyError(
      'TypeError',
      'Using a `tf.Tensor` as a Python `bool` is not allowed in Graph execution. Use `if t is not None:` instead of `if t:` to test if a tensor is defined, and use TensorFlow ops such as tf.cond (or tf.where) to execute subgraphs conditioned on the value of a tensor.',
      span,
    );
  }
  override iterate(rt: Interpreter, span: Span): PyValue[] {
    if (this.eager) return Array.from({ length: this.length(rt, span) }, (_, i) => sliceTensor(rt, this.node, BigInt(i), span, span));
    throw pyError(
      'TypeError',
      'Tensor objects are only iterable when eager execution is enabled. To iterate over this tensor use tf.map_fn (or tf.unstack).',
      span,
    );
  }
}

const COMPARISONS = COMPARISON_OPERATORS;

const OPERATOR_OPS: Record<string, string> = { ...ELEMENTWISE_OPERATOR_OPS, '@': 'matmul', ...PYTHON_LOGICAL_OPS };

/** `t OP other`: the op TensorFlow's operator overload calls. `==` and `!=` are Python's
 *  identity in a TF 1.x graph. */
export function tensorBinary(
  rt: Interpreter,
  node: Node,
  op: string,
  other: PyValue,
  reflected: boolean,
  site: OpSite,
): PyValue | typeof NOT_IMPLEMENTED {
  // TF 2's `==` is elementwise (TensorFlow's equal, as NumPy's); TF 1.x's is Python's identity.
  if ((op === '==' || op === '!=') && isEager(rt.rt) && other !== null && typeof other !== 'string') {
    const self: CallArg = { value: tensorValue(node), span: reflected ? site.rightSpan : site.leftSpan };
    const that: CallArg = {
      value: toGraphValue(rt, other, reflected ? site.leftSpan : site.rightSpan),
      span: reflected ? site.leftSpan : site.rightSpan,
    };
    return callOp(rt, op === '==' ? 'equal' : 'not_equal', reflected ? [that, self] : [self, that], site.span);
  }
  if (op === '==' || op === '!=') {
    const same = other instanceof PyObject && 'node' in other && (other as { node: Node }).node === node;
    return op === '==' ? same : !same;
  }
  const opName = OPERATOR_OPS[op];
  if (!opName) return NOT_IMPLEMENTED;
  const self: CallArg = { value: tensorValue(node), span: reflected ? site.rightSpan : site.leftSpan };
  const that: CallArg = {
    value: toGraphValue(rt, other, reflected ? site.leftSpan : site.rightSpan),
    span: reflected ? site.leftSpan : site.rightSpan,
  };
  // Python's reflected operator: `2 - t` is subtract(2, t).
  return callOp(rt, opName, reflected ? [that, self] : [self, that], site.span);
}

/** Calls a registry op with graph values and makes the result a Python value. */
export function callOp(rt: Interpreter, name: string, args: CallArg[], span: Span): PyValue {
  const op = lookupOp(name)!;
  return fromGraphValue(rt.rt, rt.rt.b.call(op, args, span));
}

function tensorAttribute(rt: Interpreter, self: PyValue, node: Node, name: string, span: Span): PyValue | undefined {
  switch (name) {
    case 'shape':
      return new TensorShape(node.type.shape, !isEager(rt.rt));
    case 'dtype':
      return new PyDType(node.type.dtype as NpDType, 'tf');
    case 'name':
      return tfName(rt.rt, node) + ':0';
    case 'graph':
    case 'op':
    case 'device':
    case 'consumers':
      throw new OutsideSubset(`\`Tensor.${name}\` is not modelled by tgraph`, span);
    case 'get_shape':
      return method(`get_shape`, () => new TensorShape(node.type.shape, !isEager(rt.rt)));
    case 'eval':
      return method('eval', (args, kwargs, site) => rt.rt.evalTensor(self, args, kwargs, site));
    case 'numpy':
      return method('numpy', (_a, _kw, site) => eagerArray(rt.rt, node, site.span));
    case 'ndim':
      return node.type.shape === null ? null : BigInt(node.type.shape.length);
    case '_keras_mask':
      return kerasMaskAttribute(rt, node);
    case 'set_shape':
      throw new OutsideSubset("`Tensor.set_shape` is outside tgraph's subset", span);
  }
  return undefined;
}

export function method(name: string, fn: (args: PyValue[], kwargs: KeywordArg[], site: CallSite) => PyValue): PyObject {
  return new PyBuiltin(name, fn);
}

/** `t[...]`: a strided slice (integers, slices, None, ...). */
export function sliceTensor(rt: Interpreter, node: Node, index: PyValue, span: Span, indexSpan: Span): PyValue {
  const spec = basicSpec(rt, index, indexSpan);
  if (!spec)
    throw new OutsideSubset(
      "indexing a tensor with a list or an array is outside tgraph's subset (use tf.gather or tf.boolean_mask)",
      indexSpan,
    );
  return new GraphTensor(rt.rt.b.apply('strided_slice', [node], { spec }, span, [span, indexSpan]), rt.rt);
}

/** `t.shape` / `t.get_shape()`: a TensorShape whose unknown sizes are None. */
export class TensorShape extends PyObject {
  constructor(
    readonly dims: readonly (number | null)[] | null,
    /** TensorFlow 1's repr (`TensorShape([Dimension(8)])`), in graph-mode scripts; TensorFlow
     *  2's is `TensorShape([8])`. */
    readonly v1: boolean,
  ) {
    super();
  }
  get typeName(): string {
    return 'TensorShape';
  }
  override repr(): string {
    return this.dims === null
      ? 'TensorShape(None)'
      : `TensorShape([${this.dims.map((d) => (this.v1 ? `Dimension(${d === null ? 'None' : d})` : d === null ? 'None' : `${d}`)).join(', ')}])`;
  }
  override str(): string {
    // TensorFlow 2 prints an unknown size as None: `(None, 3)`.
    return this.v1 ? tfShape(this.dims) : tfShape(this.dims).replace(/\?/g, 'None');
  }
  private known(span: Span): readonly (number | null)[] {
    if (this.dims === null) throw pyError('ValueError', 'as_list() is not defined on an unknown TensorShape.', span);
    return this.dims;
  }
  override getAttr(_rt: Interpreter, name: string, span: Span): PyValue | undefined {
    if (name === 'as_list') return method('as_list', () => new PyList(this.known(span).map((d) => (d === null ? null : BigInt(d)))));
    if (name === 'ndims' || name === 'rank') return this.dims === null ? null : BigInt(this.dims.length);
    if (name === 'is_fully_defined') return method('is_fully_defined', () => this.dims !== null && this.dims.every((d) => d !== null));
    if (name === 'num_elements')
      return method('num_elements', () =>
        this.dims === null || this.dims.some((d) => d === null) ? null : BigInt(this.dims.reduce<number>((a, d) => a * (d as number), 1)),
      );
    return undefined;
  }
  override getItem(rt: Interpreter, index: PyValue, _span: Span, indexSpan: Span): PyValue {
    const dims = this.known(indexSpan);
    const items = dims.map((d) => (d === null ? null : BigInt(d)));
    if (index !== null && typeof index === 'object' && index.typeName === 'slice')
      return new TensorShape(
        (rt.getItem(new PyList(items), index, indexSpan, indexSpan) as PyList).items.map((x) => (x === null ? null : Number(x))),
        this.v1,
      );
    return items[rt.listIndex(index, items.length, indexSpan, false)];
  }
  override iterate(_rt: Interpreter, span: Span): PyValue[] {
    return this.known(span).map((d) => (d === null ? null : BigInt(d)));
  }
  override length(_rt: Interpreter, span: Span): number {
    return this.known(span).length;
  }
  override binaryOp(rt: Interpreter, op: string, other: PyValue, _reflected: boolean, site: OpSite): PyValue | typeof NOT_IMPLEMENTED {
    if (op !== '==' && op !== '!=') return NOT_IMPLEMENTED;
    const mine = this.dims === null ? null : new PyTuple(this.dims.map((d) => (d === null ? null : BigInt(d))));
    const theirs =
      other instanceof TensorShape
        ? other.dims === null
          ? null
          : new PyTuple(other.dims.map((d) => (d === null ? null : BigInt(d))))
        : other instanceof PyList
          ? new PyTuple(other.items)
          : other;
    const eq = mine !== null && theirs !== null && rt.truth(rt.compare('==', mine, theirs, site), site.span);
    return op === '==' ? eq : !eq;
  }
}

// ---- Python values ↔ graph values --------------------------------------------------------------

/** A Python value as the Builder takes it: numbers as weak literals (they take the dtype of
 *  the tensor they meet), arrays as weak constants of their dtype, lists as lists. */
export function toGraphValue(rt: Interpreter, v: PyValue, span: Span, b: Builder = rt.rt.b): Value {
  checkExpandable(v, span, rt.rt.budgets.maxElements, 'a nested list made a tensor');
  return graphValueOf(rt, v, span, b);
}

function graphValueOf(rt: Interpreter, v: PyValue, span: Span, b: Builder): Value {
  switch (typeof v) {
    case 'bigint':
    case 'number':
    case 'boolean':
      // TensorFlow's converter reads a Python int as a C long long, or a double for a float
      // tensor: past both (10**400) it gives up with this message.
      if (typeof v === 'bigint' && !Number.isFinite(Number(v)))
        throw pyError('ValueError', "Can't convert Python sequence with out-of-range integer to Tensor.", span);
      // A Python number stays exact until it meets a dtype (castWeak applies TensorFlow's rules).
      return tensorValue(b.pyNumber(v, span));
    case 'string':
      return { kind: 'string', value: v };
  }
  if (v === null) return NONE;
  if (v instanceof GraphTensor) return tensorValue(v.node);
  if (v instanceof PyObject && 'node' in v && (v as { node?: unknown }).node && typeof (v as { node: Node }).node.id === 'number')
    return tensorValue((v as unknown as { node: Node }).node);
  if (v instanceof NDArray) return tensorValue(b.constant(toTensor(v), span, true));
  if (v instanceof PyList || v instanceof PyTuple) {
    const packed = packNumbers(v);
    if (packed) return tensorValue(b.constant(packed, span, true));
    return { kind: 'list', items: v.items.map((x) => graphValueOf(rt, x, span, b)) };
  }
  if (v instanceof PyDType) return { kind: 'dtype', dtype: graphDType(v, span) };
  if (v instanceof TensorShape) {
    if (v.dims === null) return NONE;
    return { kind: 'list', items: v.dims.map((d) => (d === null ? NONE : tensorValue(b.literal(d, 'int32', span)))) };
  }
  if (v instanceof PyOp) return { kind: 'op', op: v.op };
  throw pyError('TypeError', `Failed to convert object of type ${typeName(v)} to Tensor.`, span);
}

/** A nested list of Python numbers as one weak constant (as a .tgraph literal list). */
function packNumbers(v: PyList | PyTuple): Tensor | null {
  const shape: number[] = [];
  const values: number[] = [];
  let sawFloat = false;
  let sawBool = false;
  let sawInt = false;
  let bigInt = false;
  const walk = (x: PyValue, depth: number): boolean => {
    if (x instanceof PyList || x instanceof PyTuple) {
      if (depth === shape.length) shape.push(x.items.length);
      else if (shape[depth] !== x.items.length) return false;
      return x.items.every((y) => walk(y, depth + 1));
    }
    if (depth !== shape.length) return false;
    if (typeof x === 'bigint') {
      sawInt = true;
      if (x > 2147483647n || x < -2147483648n) bigInt = true;
      if (!Number.isSafeInteger(Number(x))) return false;
      values.push(Number(x));
    } else if (typeof x === 'number') {
      sawFloat = true;
      values.push(x);
    } else if (typeof x === 'boolean') {
      sawBool = true;
      values.push(x ? 1 : 0);
    } else return false;
    return true;
  };
  if (!walk(v, 0)) return null;
  if (sawBool && (sawInt || sawFloat)) return null;
  if (values.length !== shape.reduce((a, d) => a * d, 1)) return null;
  // The dtype tf.constant gives the list: float32 with a float, int64 with an int past int32.
  const dtype: DType = sawBool ? 'bool' : sawFloat ? 'float32' : bigInt ? 'int64' : 'int32';
  const data = dtype === 'bool' ? Uint8Array.from(values) : dtype === 'int32' ? Int32Array.from(values) : Float64Array.from(values);
  return { dtype, shape, data };
}

/** An op's result as a Python value: tensors, lists (TensorFlow returns Python lists), None. */
export function fromGraphValue(rt: Runtime, v: Value): PyValue {
  switch (v.kind) {
    case 'tensor':
      return new GraphTensor(v.node, rt);
    case 'list':
      if (v.fields)
        return new PyNamedTuple(
          v.fields.type,
          v.fields.names,
          v.items.map((x) => fromGraphValue(rt, x)),
        );
      return new PyList(v.items.map((x) => fromGraphValue(rt, x)));
    case 'none':
      return null;
    case 'string':
      return v.value;
    case 'dtype':
      return new PyDType(v.dtype as NpDType, 'tf');
    case 'op':
      return new PyOp(v.op, v.op.name);
    case 'error':
      throw new Poisoned();
    default:
      throw pyError('TypeError', `unexpected value of kind ${v.kind}`, { start: 0, end: 0 });
  }
}

/** A TensorFlow function that is one op of the registry: called through the Builder with
 *  the op's signature (positional order, keyword names). */
export class PyOp extends PyObject {
  constructor(
    readonly op: OpDef,
    readonly qualified: string,
  ) {
    super();
  }
  get typeName(): string {
    return 'function';
  }
  override repr(): string {
    return `<function ${this.qualified}>`;
  }
  override call(rt: Interpreter, args: PyValue[], kwargs: KeywordArg[], site: CallSite): PyValue {
    const callArgs: CallArg[] = args.map((a, i) => ({
      value: toGraphValue(rt, a, site.argSpans[i] ?? site.span),
      span: site.argSpans[i] ?? site.span,
    }));
    for (const k of kwargs)
      callArgs.push({ keyword: { name: k.name, span: k.nameSpan ?? k.span }, value: toGraphValue(rt, k.value, k.span), span: k.span });
    const result = fromGraphValue(rt.rt, rt.rt.b.call(this.op, callArgs, site.span));
    const name = kwargs.find((k) => k.name === 'name')?.value;
    if (typeof name === 'string' && result instanceof GraphTensor) nameNode(rt.rt, result.node, name);
    return result;
  }
}
