// The Builder turns language values into graph nodes: it binds call arguments to an op's
// signature, converts literals, unifies dtypes, runs the op's shape rule and adds the node.
// The analysis uses it for user code and autodiff uses it for gradients, so both make the
// same kind of node.

import { type BuildContext, DEFAULT_BUILD_CONTEXT } from './buildContext';
import type { Span } from './syntax/ast';
import { Graph, LITERAL_ORIGIN, Node, type NodeOrigin } from './graph';
import {
  DTYPES,
  type DType,
  type Tensor,
  allocData,
  coerceNumber,
  firstLostToFloat32,
  isFloat,
  isInteger,
  shapesEqual,
  sizeOf,
} from './tensor';
import { ArgError, OpError, type TensorType, isFullyKnown, showShape } from './types';
import { lookupOp, type Attrs, type OpDef, type Param, constantOf } from './ops/registry';
import { didYouMean } from './suggest';
import { type PyNumber, PyError, pyDefaultDType, pyToDType } from './pynumber';
import { formatCount, raiseHint } from './budgets';
import type { GradientSite } from './autodiff';
import { BuildError, type CallArg, type ConstantOracle, Poisoned, type Value, flatCount, parseDType, tensorValue } from './values';
import { BoundArgs, bindArguments, checkDTypeClass, staticAttr } from './arguments';

// The values and argument binding the builder works with, for the ops and the front ends.
export * from './values';
export { BoundArgs, checkDTypeClass } from './arguments';

/** What bounds graph building: nodes (`tgraph.maxGraphNodes`: function calls expanded,
 *  gradients, gradients of gradients all make nodes) and the document's time. */
export interface BuildLimits {
  maxNodes: number;
  /** The evaluation's budget: building shares its deadline and cancellation. */
  budget: { deadline: number; cancelled?: () => boolean; stopped?: boolean; memoryStopAt?: number };
}

/** Nodes made between two looks at the clock. */
const NODES_PER_CLOCK = 256;

export class Builder {
  /** Every differentiation made so far (hovers and the explainer read them). */
  readonly gradientSites: GradientSite[] = [];
  /** Largest tensor a source may create, in elements. */
  maxElements = 10_000_000;
  /** The seeds of TensorFlow's random ops (engine/ops/sampling.ts): the global seed that
   *  `set_seed` sets (null: none), and how many random ops were made, which gives an op
   *  without a seed of its own its place in the stream (as TensorFlow's graph does). The
   *  analysis keeps both in its checkpoints. */
  readonly random = { globalSeed: null as number | null, ops: 0 };
  limits: BuildLimits | null = null;
  /** While above zero, nodes built as functions of forward nodes alone are shared (see
   *  `sharingForwardOnly`). */
  private sharingDepth = 0;
  /** The shared nodes by content (op, attributes, input ids), and the set of them. */
  private readonly forwardOnlyByKey = new Map<string, Node>();
  private readonly forwardOnly = new Set<Node>();
  /** The keys shared, with their nodes, in the order they were built (by id: nodes are
   *  added at the graph's end), so that a rollback forgets the last ones without a look at
   *  the others. */
  private readonly sharedInOrder: { key: string; node: Node }[] = [];
  /** Set once a limit stopped building: the analysis builds no further statement. */
  exhausted: 'nodes' | 'time' | 'memory' | null = null;
  /** Span given to nodes made without a source position of their own (gradient nodes). */
  private spanStack: Span[] = [];
  private originStack: NodeOrigin[] = [];

  constructor(
    readonly graph: Graph,
    readonly oracle: ConstantOracle,
    /** The analysis's settings that ops read while building (where load() reads from); an
     *  incremental analysis sets its new options' here. */
    public context: BuildContext = DEFAULT_BUILD_CONTEXT,
  ) {}

  // ---- context -------------------------------------------------------------------------

  /** Nodes made inside `fn` get `span` and `origin` (autodiff wraps gradient building). */
  within<T>(span: Span, origin: NodeOrigin | undefined, fn: () => T): T {
    this.spanStack.push(span);
    if (origin) this.originStack.push(origin);
    try {
      return fn();
    } finally {
      this.spanStack.pop();
      if (origin) this.originStack.pop();
    }
  }

  private currentSpan(fallback?: Span): Span {
    // (Reading index -1 of an empty array is a slow named-property lookup.)
    const stack = this.spanStack;
    return fallback ?? (stack.length > 0 ? stack[stack.length - 1] : { start: 0, end: 0 });
  }

  private currentOrigin(): NodeOrigin | undefined {
    const stack = this.originStack;
    return stack.length > 0 ? stack[stack.length - 1] : undefined;
  }

  // ---- nodes ---------------------------------------------------------------------------

  /** Applies a primitive op to nodes. Shape/dtype errors point at `argSpans[i]` for the
   *  input that caused them, else at `span`. */
  apply(
    opOrName: OpDef | string,
    inputs: readonly Node[],
    attrs: Attrs = NO_ATTRS,
    span?: Span,
    argSpans?: readonly Span[],
    /** Spans of static arguments by parameter name, for ArgErrors. */
    paramSpans?: (param: string) => Span | undefined,
  ): Node {
    const op = typeof opOrName === 'string' ? requireOp(opOrName) : opOrName;
    if (!op.infer) throw new Error(`op ${op.name} is not a primitive`);
    const key = this.sharingDepth > 0 ? this.forwardOnlyKey(op, inputs, attrs) : null;
    if (key !== null) {
      const shared = this.sharedNode(key);
      if (shared) return shared;
    }
    const at = this.currentSpan(span);
    let type: TensorType;
    try {
      const types = new Array<TensorType>(inputs.length);
      for (let i = 0; i < inputs.length; i++) types[i] = inputs[i].type;
      type = op.infer(types, attrs);
    } catch (e) {
      if (e instanceof OpError) {
        const blamed = e instanceof ArgError ? paramSpans?.(e.param) : undefined;
        const where = blamed ?? (e.argIndex !== undefined && argSpans?.[e.argIndex] ? argSpans[e.argIndex] : at);
        throw new BuildError(`${op.shownAs ?? op.name}: ${e.message}`, where, e.code);
      }
      throw e;
    }
    this.checkLimits(at);
    // An op without a kernel (placeholder, seed) takes its value from outside: never constant.
    const node = this.graph.add(op, inputs, attrs, type, at, false, this.currentOrigin(), op.kernel ? undefined : false);
    if (key !== null) this.share(key, node);
    return node;
  }

  // ---- nodes shared between gradients ----------------------------------------------------

  /** Runs a gradient rule with the nodes it builds from forward nodes alone shared: every
   *  gradient through a layer needs its 1 − tanh² or its constants, and twenty gradients of
   *  a deep chain built them twenty times, as nodes and as kernels. Such a node is a pure
   *  function of the forward graph, so sharing it changes no value (the same kernel on the
   *  same inputs); the nodes that carry the incoming gradient are never shared, so a
   *  gradient's result stays its own node. */
  sharingForwardOnly<T>(fn: () => T): T {
    this.sharingDepth++;
    try {
      return fn();
    } finally {
      this.sharingDepth--;
    }
  }

  /** The content key of a node `op(inputs, attrs)` when it may be shared: every input a
   *  forward node or a shared one, every attribute a plain value. Null otherwise. */
  private forwardOnlyKey(op: OpDef, inputs: readonly Node[], attrs: Attrs): string | null {
    let key = op.name;
    for (let i = 0; i < inputs.length; i++) {
      const input = inputs[i];
      if (input.origin.kind === 'gradient' && !this.forwardOnly.has(input)) return null;
      key += ',' + input.id;
    }
    for (const name in attrs) {
      const text = plainAttrText(attrs[name]);
      if (text === null) return null;
      key += ';' + name + '=' + text;
    }
    return key;
  }

  /** The node shared under `key`, unless it left the graph (an incremental analysis rolled
   *  it back) or a binding named it (it has an identity of its own then). */
  private sharedNode(key: string): Node | undefined {
    const node = this.forwardOnlyByKey.get(key);
    if (node === undefined) return undefined;
    if (this.graph.nodes[node.id] === node && node.label === undefined) return node;
    this.forwardOnlyByKey.delete(key);
    this.forwardOnly.delete(node);
    return undefined;
  }

  private share(key: string, node: Node): void {
    this.forwardOnlyByKey.set(key, node);
    this.forwardOnly.add(node);
    this.sharedInOrder.push({ key, node });
  }

  /** Forgets the shared nodes from id `first` on: an incremental analysis rolled them back.
   *  (One left behind would never be shared: `sharedNode` checks it is in the graph.) */
  forgetNodesFrom(first: number): void {
    const shared = this.sharedInOrder;
    while (shared.length > 0 && shared[shared.length - 1].node.id >= first) {
      const { key, node } = shared.pop()!;
      if (this.forwardOnlyByKey.get(key) === node) this.forwardOnlyByKey.delete(key);
      this.forwardOnly.delete(node);
    }
  }

  /** Before each node: a graph past `maxNodes`, or building past the deadline, stops with
   *  one diagnostic where it happened (a user function expanded a million times, sixteen
   *  nested gradients). */
  private checkLimits(at: Span): void {
    const limits = this.limits;
    if (limits === null) return;
    const count = this.graph.nodes.length;
    if (count >= limits.maxNodes) {
      this.exhausted = 'nodes';
      throw new BuildError(
        `building stopped: the graph passed ${formatCount(limits.maxNodes)} nodes here (function calls, gradients and their gradients all add nodes); the rest of the file is not analysed ${raiseHint('maxGraphNodes')}`,
        at,
        'budget-nodes',
      );
    }
    if (limits.budget.memoryStopAt !== undefined) {
      // A value folded while building passed the document's memory: that node said so, and
      // no later statement could be evaluated.
      this.exhausted = 'memory';
      throw new Poisoned();
    }
    if (count % NODES_PER_CLOCK === 0 && (limits.budget.stopped || Date.now() > limits.budget.deadline || limits.budget.cancelled?.())) {
      this.exhausted = 'time';
      limits.budget.stopped = true;
      throw new BuildError(
        `building stopped here: the time budget ran out; the rest of the file is not analysed ${raiseHint('evaluationTimeoutMs')}`,
        at,
        'budget-time',
      );
    }
  }

  /** A constant node holding `tensor`. Weak constants are Python literals whose dtype
   *  adapts to the tensor they meet. */
  constant(tensor: Tensor, span?: Span, weak = false): Node {
    return this.constantNode({ value: tensor }, { dtype: tensor.dtype, shape: tensor.shape.slice() }, span, weak);
  }

  private constantNode(attrs: Attrs, type: TensorType, span: Span | undefined, weak: boolean): Node {
    this.checkLimits(this.currentSpan(span));
    return this.graph.add(
      constOp(),
      NO_INPUTS,
      attrs,
      type,
      this.currentSpan(span),
      weak,
      weak ? LITERAL_ORIGIN : this.currentOrigin(),
      true,
    );
  }

  /** The attributes and type of scalar literals by dtype and value: every `1.` of a file
   *  shares one tensor (values are never written to once made). */
  private readonly literals = new Map<string, Map<number, { attrs: Attrs; type: TensorType }>>();

  /** A Python number as a weak scalar literal, in the dtype `tf.constant` would give it (int32,
   *  int64 for an int beyond int32, float32, bool). It keeps its exact value (`pythonValue`)
   *  until it meets a dtype: a float its double, an int every digit. */
  pyNumber(value: PyNumber, span?: Span): Node {
    if (typeof value === 'boolean') return this.literal(value ? 1 : 0, 'bool', span);
    if (typeof value === 'number') return this.literal(value, 'float32', span);
    const dtype = pyDefaultDType(value);
    const n = Number(value);
    if (Number.isSafeInteger(n)) return this.literal(n, dtype, span);
    // Past 2^53 the double is not the int: the int itself goes with it (not shared).
    const data = Float64Array.of(n);
    return this.constantNode({ value: { dtype, shape: [], data }, exact: value }, { dtype, shape: [] }, span, true);
  }

  /** The Python number a weak scalar literal stands for (undefined for anything else): an int
   *  for int32/int64, a float for float32/float64 (its double), a bool. */
  pythonValue(node: Node): PyNumber | undefined {
    if (!node.weak) return undefined;
    const t = constantOf(node)?.value;
    if (!t || t.shape.length !== 0) return undefined;
    const v = t.data[0];
    switch (t.dtype) {
      case 'bool':
        return v !== 0;
      case 'int32':
      case 'int64':
        return constantOf(node)?.exact ?? BigInt(v);
      default:
        return v;
    }
  }

  /** A weak scalar literal (a Python number in user code). */
  literal(value: number, dtype: DType, span?: Span): Node {
    let byValue = this.literals.get(dtype);
    if (!byValue) this.literals.set(dtype, (byValue = new Map()));
    // Map keys do not tell -0 from 0.
    const shared = Object.is(value, -0) ? undefined : byValue.get(value);
    if (shared) return this.constantNode(shared.attrs, shared.type, span, true);
    // A float literal keeps double precision until it meets a dtype (castWeak rounds it).
    const data = allocData(dtype, 1, 'float64');
    data[0] = dtype === 'float32' ? value : coerceNumber(dtype, value);
    const made = { attrs: { value: { dtype, shape: [], data } }, type: { dtype, shape: [] } };
    if (!Object.is(value, -0) && byValue.size < MAX_SHARED_LITERALS) byValue.set(value, made);
    return this.constantNode(made.attrs, made.type, span, true);
  }

  /** Weak literals in Python's precision, for an operator between literals: strong float64
   *  when any is a float, else int64, so that the op computes in doubles or exact integers
   *  (bools stay as they are). `literalFrom` makes the result a literal again. */
  widenLiterals(nodes: readonly Node[], spans: readonly Span[]): Node[] {
    const wide: DType = nodes.some((n) => isFloat(n.type.dtype)) ? 'float64' : 'int64';
    return nodes.map((n, i) => (n.type.dtype === 'bool' ? n : this.strongLiteral(n, wide, spans[i])));
  }

  private strongLiteral(node: Node, dtype: DType, span: Span): Node {
    const t = constantOf(node)?.value;
    if (!node.weak || !t) return node;
    if (t.dtype !== dtype) return this.castWeak(node, dtype, span);
    return this.constant(t, node.span, false);
  }

  /** A value computed from literals as a weak literal again: float64 becomes a float literal
   *  (float32 holding its doubles), int64 an int32 one where every element fits. */
  literalFrom(t: Tensor, span: Span): Node {
    let dtype = t.dtype;
    if (dtype === 'float64') dtype = 'float32';
    else if (dtype === 'int64' && t.data.every((v) => v >= -2147483648 && v <= 2147483647)) dtype = 'int32';
    if (dtype === t.dtype) return this.constant(t, span, true);
    const data = allocData(dtype, t.data.length, 'float64');
    data.set(t.data as never);
    return this.constant({ dtype, shape: t.shape.slice(), data }, span, true);
  }

  scalar(value: number, dtype: DType, span?: Span): Node {
    const data = allocData(dtype, 1);
    data[0] = coerceNumber(dtype, value);
    if (this.sharingDepth === 0) return this.constant({ dtype, shape: [], data }, span);
    // A gradient rule's constant (the 1 of 1 − tanh²) is shared as the nodes built on it are.
    const key = `const;${dtype}=${plainAttrText(data[0])}`;
    const shared = this.sharedNode(key);
    if (shared) return shared;
    const node = this.constant({ dtype, shape: [], data }, span);
    this.share(key, node);
    return node;
  }

  // ---- conversions ---------------------------------------------------------------------

  /** Refuses a list that flattens to more items than a tensor may have elements (a list
   *  that holds the same list twice, nested 30 times, is a billion items in ten lines). */
  checkFlatCount(value: Value, span: Span): void {
    const n = flatCount(value, this.maxElements);
    if (n > this.maxElements)
      throw new BuildError(
        `this list flattens to more than ${formatCount(this.maxElements)} items (counting the items of its nested lists), over the element budget ${raiseHint('maxElements')}`,
        span,
        'budget-elements',
      );
  }

  /** Converts a language value to a tensor node: lists are packed (as `tf.stack` does
   *  for `tf.convert_to_tensor`), weak literals are cast to `dtypeHint`. */
  toTensor(value: Value, span: Span, dtypeHint?: DType): Node {
    switch (value.kind) {
      case 'tensor':
        return dtypeHint && value.node.weak ? this.castWeak(value.node, dtypeHint, span) : value.node;
      case 'list': {
        if (value.items.length === 0) {
          return this.constant({ dtype: dtypeHint ?? 'float32', shape: [0], data: allocData(dtypeHint ?? 'float32', 0) }, span, !dtypeHint);
        }
        this.checkFlatCount(value, span);
        const nodes = value.items.map((item) => this.toTensor(item, span));
        const unified = this.unifyDTypes(
          nodes,
          nodes.map(() => span),
          dtypeHint,
        );
        if (unified.every((n) => n.weak && n.op.name === 'const')) return this.packConstants(unified, span);
        return this.apply('stack', unified, { axis: 0 }, span);
      }
      case 'error':
        throw new Poisoned();
      case 'none':
        throw new BuildError('expected a tensor, got None', span, 'type-mismatch');
      case 'string':
        throw new BuildError(`expected a tensor, got the string '${value.value}'`, span, 'type-mismatch');
      case 'dtype':
        throw new BuildError(`expected a tensor, got the dtype ${value.dtype}`, span, 'type-mismatch');
      case 'function':
        throw new BuildError(`expected a tensor, got the function \`${value.fn.name}\` (call it)`, span, 'type-mismatch');
      case 'op':
        throw new BuildError(`expected a tensor, got the op \`${value.op.name}\` (call it)`, span, 'type-mismatch');
    }
    throw new BuildError('expected a tensor', span, 'type-mismatch');
  }

  /** Packs weak constant nodes of equal shape into one weak constant. */
  private packConstants(nodes: Node[], span: Span): Node {
    const first = nodes[0].type;
    for (const n of nodes) {
      if (showShape(n.type.shape) !== showShape(first.shape)) {
        throw new BuildError(
          `list elements have different shapes: ${showShape(first.shape)} and ${showShape(n.type.shape)}`,
          span,
          'shape-mismatch',
        );
      }
    }
    const parts = nodes.map(constantTensor);
    const inner = parts[0].shape;
    const innerSize = sizeOf(inner);
    const data = allocData(first.dtype, innerSize * parts.length, 'float64');
    parts.forEach((p, i) => data.set(p.data as never, i * innerSize));
    return this.constant({ dtype: first.dtype, shape: [parts.length, ...inner], data }, span, true);
  }

  /** Casts a weak literal to `dtype`, refusing lossy conversions as TensorFlow does. A Python
   *  number converts from its exact value (`pythonValue`). */
  castWeak(node: Node, dtype: DType, span: Span): Node {
    const t = constantOf(node)?.value;
    if (!t) return node;
    // (An int past 2^53 converts from its digits even to its own dtype: int64 refuses it.)
    if (t.dtype === dtype && node.attrs.exact === undefined) return node;
    const out = allocData(dtype, t.data.length);
    const exact = this.pythonValue(node);
    try {
      if (exact !== undefined) out[0] = pyToDType(exact, dtype);
      else {
        // Elements that convert as they are go straight through; pyToDType says why not.
        const fromBool = t.dtype === 'bool';
        const fits = (v: number) =>
          fromBool || dtype === 'bool'
            ? fromBool && dtype === 'bool'
            : isFloat(dtype)
              ? true
              : dtype === 'int32'
                ? Number.isInteger(v) && v >= -2147483648 && v <= 2147483647
                : Number.isSafeInteger(v);
        const src = t.data;
        for (let i = 0; i < src.length; i++) {
          const v = src[i];
          out[i] = fits(v) ? v : pyToDType(fromBool ? v !== 0 : isInteger(t.dtype) ? BigInt(v) : v, dtype);
        }
      }
    } catch (e) {
      if (e instanceof PyError) throw new BuildError(e.message, span, e.type === 'OverflowError' ? 'out-of-range' : 'dtype-mismatch');
      throw e;
    }
    const value = { dtype, shape: t.shape.slice(), data: out };
    const lostLiteral = dtype === 'float32' ? lostToFloat32(exact !== undefined ? [Number(exact)] : t.data, out) : undefined;
    if (lostLiteral === undefined) return this.constant(value, node.span, false);
    // The cast value no longer holds the literal: the numerics watch reads it here.
    return this.constantNode({ value, lostLiteral }, { dtype, shape: value.shape.slice() }, node.span, false);
  }

  /** Makes nodes share one dtype: strong tensors must agree; weak literals follow them.
   *  With only literals: float32 if any is a float, else their common dtype. */
  unifyDTypes(nodes: readonly Node[], spans: readonly Span[], hint?: DType): Node[] {
    return this.unifyInPlace(nodes.slice(), spans, hint);
  }

  /** `unifyDTypes` replacing the elements of `nodes`, an array of the caller's own. */
  private unifyInPlace(nodes: Node[], spans: readonly Span[], hint?: DType): Node[] {
    let target: DType | undefined;
    let targetIndex = -1;
    for (let i = 0; i < nodes.length; i++) {
      const n = nodes[i];
      if (n.weak) continue;
      if (target === undefined) {
        target = n.type.dtype;
        targetIndex = i;
      } else if (n.type.dtype !== target) {
        throw new BuildError(
          `dtype mismatch: this is ${n.type.dtype} but argument ${targetIndex + 1} is ${target} (use cast() to convert)`,
          spans[i],
          'dtype-mismatch',
        );
      }
    }
    if (target === undefined) target = hint;
    if (target === undefined) {
      let anyFloat = false;
      let oneDType = true;
      for (const n of nodes) {
        const d = n.type.dtype;
        if (d === 'float32' || d === 'float64') anyFloat = true;
        if (d !== nodes[0].type.dtype) oneDType = false;
      }
      if (anyFloat) target = 'float32';
      else if (oneDType) return nodes;
      else target = nodes.some((n) => n.type.dtype === 'int64') ? 'int64' : 'int32';
      // A list of literals only is one weak value: keep it weak so it can still adapt.
      for (let i = 0; i < nodes.length; i++) if (nodes[i].type.dtype !== target) nodes[i] = this.weakRetype(nodes[i], target, spans[i]);
      return nodes;
    }
    for (let i = 0; i < nodes.length; i++) {
      const n = nodes[i];
      if (n.weak) nodes[i] = this.castWeak(n, target, spans[i]);
    }
    return nodes;
  }

  private weakRetype(node: Node, dtype: DType, span: Span): Node {
    // An int literal among float ones becomes a float literal: its double, rounded where the
    // document computes in float32 as every float literal is (the numerics watch then sees
    // what rounding lost, as for `10**100` in `[10**100, 0.0]`).
    const t = constantOf(node)?.value;
    if (dtype === 'float32' && t && isInteger(t.dtype)) {
      const exact = this.pythonValue(node);
      const data = exact === undefined ? Float64Array.from(t.data) : Float64Array.of(Number(exact));
      if (data.every(Number.isFinite)) return this.constant({ dtype, shape: t.shape.slice(), data }, node.span, true);
    }
    const strong = this.castWeak(node, dtype, span);
    return this.constant(constantTensor(strong), node.span, true);
  }

  // ---- static (attribute) values -------------------------------------------------------

  private constantTensor(value: Value, span: Span, what: string): Tensor {
    if (value.kind === 'error') throw new Poisoned();
    const node = this.toTensor(value, span);
    if (!node.constant) throw new BuildError(`\`${what}\` must be known without feeds (it depends on a placeholder)`, span, 'not-constant');
    const t = this.oracle.constantValue(node);
    if (!t) throw new Poisoned();
    return t;
  }

  staticInt(value: Value, span: Span, what: string): number {
    const t = this.constantTensor(value, span, what);
    if (t.shape.length !== 0)
      throw new BuildError(`\`${what}\` must be a single integer, got shape ${showShape(t.shape)}`, span, 'type-mismatch');
    const v = t.data[0];
    if (t.dtype === 'bool' || !Number.isInteger(v))
      throw new BuildError(`\`${what}\` must be an integer, got ${t.dtype === 'bool' ? (v ? 'True' : 'False') : v}`, span, 'type-mismatch');
    return v;
  }

  staticInts(value: Value, span: Span, what: string): number[] {
    const t = this.constantTensor(value, span, what);
    if (t.shape.length > 1) throw new BuildError(`\`${what}\` must be an integer or a list of integers`, span, 'type-mismatch');
    const out = Array.from(t.data as ArrayLike<number>);
    if (t.dtype === 'bool' || out.some((v) => !Number.isInteger(v)))
      throw new BuildError(`\`${what}\` must contain integers`, span, 'type-mismatch');
    return out;
  }

  staticNumber(value: Value, span: Span, what: string): number {
    const t = this.constantTensor(value, span, what);
    if (t.shape.length !== 0)
      throw new BuildError(`\`${what}\` must be a single number, got shape ${showShape(t.shape)}`, span, 'type-mismatch');
    return t.data[0];
  }

  staticBool(value: Value, span: Span, what: string): boolean {
    const t = this.constantTensor(value, span, what);
    if (t.shape.length !== 0) throw new BuildError(`\`${what}\` must be True or False`, span, 'type-mismatch');
    return t.data[0] !== 0;
  }

  staticDType(value: Value, span: Span, what: string): DType {
    if (value.kind === 'error') throw new Poisoned();
    if (value.kind === 'dtype') return value.dtype;
    if (value.kind === 'string') {
      const d = parseDType(value.value);
      if (d) return d;
      throw new BuildError(
        `unknown dtype '${value.value}'${didYouMean(value.value, DTYPES)}; tgraph supports ${DTYPES.join(', ')}`,
        span,
        'unknown-dtype',
      );
    }
    throw new BuildError(`\`${what}\` must be a dtype (${DTYPES.join(', ')})`, span, 'type-mismatch');
  }

  /** A shape: list of sizes with `None` for unknown ones, a constant int vector, or `None`
   *  for an unknown rank. */
  staticShape(value: Value, span: Span, what: string): (number | null)[] | null {
    if (value.kind === 'error') throw new Poisoned();
    if (value.kind === 'none') return null;
    if (value.kind === 'list') {
      return value.items.map((item) => {
        if (item.kind === 'none') return null;
        const v = this.staticInt(item, span, what);
        if (v < -1) throw new BuildError(`\`${what}\` has a negative size ${v}`, span, 'bad-shape');
        return v === -1 ? -1 : v;
      });
    }
    const ints = this.staticInts(value, span, what);
    if (ints.some((v) => v < -1)) throw new BuildError(`\`${what}\` has a negative size`, span, 'bad-shape');
    return ints;
  }

  // ---- calls ---------------------------------------------------------------------------

  /** Binds call arguments to `op`'s signature and builds its result. */
  call(op: OpDef, args: readonly CallArg[], callSpan: Span, options: { tf1?: boolean } = {}): Value {
    const bound = this.bind(op, args, callSpan, options);
    if (op.build) return op.build(this, bound);
    return tensorValue(this.buildPrimitive(op, bound));
  }

  bind(op: OpDef, args: readonly CallArg[], callSpan: Span, options: { tf1?: boolean } = {}): BoundArgs {
    return bindArguments(this, op, args, callSpan, options);
  }

  /** `call(op, [a, b])` for an op that `isBinaryPrimitive` accepts (the binary operators):
   *  the same dtype unification, checks and node, without the call's argument objects (a
   *  file has an operator on nearly every line). */
  binary(op: OpDef, a: Node, aSpan: Span, b: Node, bSpan: Span, span: Span): Node {
    const [pa, pb] = op.params;
    const inputs = [a, b];
    const spans = [aSpan, bSpan];
    this.unifyInPlace(inputs, spans);
    checkDTypeClass(op, pa, inputs[0], aSpan);
    checkDTypeClass(op, pb, inputs[1], bSpan);
    return this.apply(op, inputs, NO_ATTRS, span, spans, (param) => (param === pa.name ? aSpan : param === pb.name ? bSpan : span));
  }

  /** Default build of a primitive: tensor parameters become inputs (with dtype groups
   *  unified), the others become attributes. */
  buildPrimitive(op: OpDef, bound: BoundArgs, ignored: readonly string[] = []): Node {
    // The inputs, their spans and their parameters, in arrays made to size when the count is
    // known (an array grown by push starts with room for 17, and a file has a primitive per
    // operator).
    let count = 0;
    let lists = false;
    for (const p of op.params) {
      if (p.kind === 'tensor') {
        if (p.default !== null || bound.has(p.name)) count++;
      } else if (p.kind === 'tensors') lists = true;
    }
    const inputs: Node[] = lists ? [] : new Array<Node>(count);
    const spans: Span[] = lists ? [] : new Array<Span>(count);
    const params: Param[] = lists ? [] : new Array<Param>(count);
    let k = 0;
    // Made on the first static argument: most ops take none and share NO_ATTRS.
    let attrs: Record<string, unknown> | undefined;
    for (const p of op.params) {
      switch (p.kind) {
        case 'tensor': {
          if (!bound.has(p.name) && p.default === null) continue;
          inputs[k] = bound.tensor(p.name);
          spans[k] = bound.span(p.name);
          params[k++] = p;
          break;
        }
        case 'tensors': {
          const list = bound.tensors(p.name);
          for (const n of list) {
            inputs[k] = n;
            spans[k] = bound.span(p.name);
            params[k++] = p;
          }
          (attrs ??= {})[p.name + 'Count'] = list.length;
          break;
        }
        default:
          // `ignored` parameters are accepted for TensorFlow compatibility and dropped.
          if (!ignored.includes(p.name)) (attrs ??= {})[p.name] = staticAttr(bound, p);
      }
    }
    const unified = this.unifyGroups(inputs, spans, params);
    for (let i = 0; i < unified.length; i++) checkDTypeClass(op, params[i], unified[i], spans[i]);
    return this.apply(op, unified, attrs ?? NO_ATTRS, bound.callSpan, spans, (param) => bound.span(param));
  }

  /** Unifies the dtypes of the inputs of each `group`. `inputs` is the caller's own array:
   *  it may be rewritten and returned. */
  private unifyGroups(inputs: Node[], spans: Span[], params: readonly Param[]): Node[] {
    // Usual case: every input in one group (`add`, `matmul`) or none.
    let only: string | undefined;
    let oneGroup = true;
    let ungrouped = 0;
    for (const p of params) {
      const g = p.group;
      if (g === undefined) ungrouped++;
      else if (only === undefined) only = g;
      else if (g !== only) oneGroup = false;
    }
    if (only === undefined) return inputs;
    if (oneGroup && ungrouped === 0) return this.unifyInPlace(inputs, spans);
    const out = inputs.slice();
    const byGroup = new Map<string, number[]>();
    params.forEach((p, i) => {
      const g = p.group;
      if (g === undefined) return;
      const list = byGroup.get(g) ?? [];
      list.push(i);
      byGroup.set(g, list);
    });
    for (const idx of byGroup.values()) {
      const unified = this.unifyDTypes(
        idx.map((i) => inputs[i]),
        idx.map((i) => spans[i]),
      );
      idx.forEach((i, k) => (out[i] = unified[k]));
    }
    // Ungrouped literals: int literals stay int32, float literals float32 (as tf.constant).
    return out;
  }

  // ---- shorthand for gradient code -----------------------------------------------------

  op(name: string, inputs: readonly Node[], attrs: Attrs = NO_ATTRS): Node {
    return this.apply(name, inputs, attrs);
  }
  add(a: Node, b: Node): Node {
    return this.apply('add', [a, b]);
  }
  sub(a: Node, b: Node): Node {
    return this.apply('subtract', [a, b]);
  }
  mul(a: Node, b: Node): Node {
    return this.apply('multiply', [a, b]);
  }
  div(a: Node, b: Node): Node {
    return this.apply('divide', [a, b]);
  }
  neg(a: Node): Node {
    return this.apply('negative', [a]);
  }
  /** `s * x` where `s` is a number in x's dtype. */
  scale(x: Node, s: number): Node {
    return this.mul(x, this.scalar(s, x.type.dtype));
  }
  cast(x: Node, dtype: DType): Node {
    return x.type.dtype === dtype ? x : this.apply('cast', [x], { dtype });
  }
  zerosLike(x: Node): Node {
    return this.apply('zeros_like', [x]);
  }
  onesLike(x: Node): Node {
    return this.apply('ones_like', [x]);
  }
  /** Sums `g` over the axes along which `ref` was broadcast, back to `ref`'s shape: the
   *  gradient of every broadcasting op. */
  sumToLike(g: Node, ref: Node): Node {
    // Nothing to sum when both shapes are known and the same: the gradient is `g` itself (a
    // node fewer per operand of every elementwise op on a gradient's path).
    const gs = g.type.shape;
    const rs = ref.type.shape;
    if (g.type.dtype === ref.type.dtype && isFullyKnown(gs) && isFullyKnown(rs) && shapesEqual(gs, rs)) return g;
    return this.apply('sum_to_like', [g, ref]);
  }
  broadcastLike(g: Node, ref: Node): Node {
    return this.apply('broadcast_like', [g, ref]);
  }
  reshapeLike(g: Node, ref: Node): Node {
    return this.apply('reshape_like', [g, ref]);
  }
  reduceSum(x: Node, axis: number[] | null, keepdims = false): Node {
    return this.apply('reduce_sum', [x], { axis, keepdims });
  }
  where(cond: Node, a: Node, b: Node): Node {
    return this.apply('where', [cond, a, b]);
  }
}

/** An op that `Builder.binary` builds as `call` would: a primitive of exactly two required
 *  tensor parameters in one dtype group. */
export function isBinaryPrimitive(op: OpDef): boolean {
  const ps = op.params;
  if (op.build || !op.infer || ps.length !== 2) return false;
  const [pa, pb] = ps;
  return (
    pa.kind === 'tensor' &&
    pb.kind === 'tensor' &&
    pa.default === undefined &&
    pb.default === undefined &&
    pa.group !== undefined &&
    pa.group === pb.group
  );
}

/** An attribute value as text for a content key, when it is a plain value (a number, bool,
 *  string, null, or a list of them); null for anything else (a tensor, a node, a function),
 *  which keeps its node from being shared. */
function plainAttrText(v: unknown): string | null {
  switch (typeof v) {
    case 'number':
      return Object.is(v, -0) ? '-0' : String(v);
    case 'bigint':
      return v + 'n';
    case 'boolean':
    case 'undefined':
      return String(v);
    case 'string':
      return JSON.stringify(v);
    case 'object': {
      if (v === null) return 'null';
      if (!Array.isArray(v)) return null;
      let text = '[';
      for (const item of v) {
        if (Array.isArray(item)) return null;
        const part = plainAttrText(item);
        if (part === null) return null;
        text += part + ',';
      }
      return text + ']';
    }
    default:
      return null;
  }
}

/** Inputs of source nodes, and attributes of ops that take none: shared, never written. */
const NO_INPUTS: readonly Node[] = Object.freeze([]);
const NO_ATTRS: Attrs = Object.freeze({});

/** How many distinct values of one dtype share their literal tensors. */
const MAX_SHARED_LITERALS = 4096;

let constDef: OpDef | undefined;
function constOp(): OpDef {
  return (constDef ??= requireOp('const'));
}

/** The first literal that float32 turned into ±Inf or 0, with what it became. */
function lostToFloat32(literals: ArrayLike<number>, rounded: ArrayLike<number>): { literal: number; rounded: number } | undefined {
  const at = firstLostToFloat32(literals, rounded);
  return at < 0 ? undefined : { literal: literals[at], rounded: rounded[at] };
}

/** The tensor of a node the caller knows is a constant (a weak literal). */
function constantTensor(node: Node): Tensor {
  const c = constantOf(node);
  if (!c) throw new Error(`internal: ${node.op.name} is not a constant`);
  return c.value;
}

function requireOp(name: string): OpDef {
  const op = lookupOp(name);
  if (!op) throw new Error(`internal: op ${name} is not registered`);
  return op;
}
