// The op registry. Every op is one record: its surface signature (what a user may call,
// with keyword names and defaults), its doc line, and — for primitives — its shape/dtype
// rule, kernel and gradient, side by side. Gradients are written with other ops through
// the Builder, so they are graph nodes like any other (grad of grad comes free).

import { type DType, type Precision, type Tensor, type TypedData, sizeOf } from '../tensor';
import type { Shape, TensorType } from '../types';
import type { Node } from '../graph';
import type { Builder, BoundArgs, Value } from '../builder';
import type { Dependence } from './dependence';

export type ParamKind =
  | 'tensor' // a tensor or anything convertible (literal, nested list)
  | 'tensors' // a list of tensors (stack, concat)
  | 'int' // a static integer
  | 'ints' // a static list of integers (an int is accepted as a list of one)
  | 'axis' // a static integer axis, may be negative
  | 'axes' // a static axis, list of axes, or None
  | 'float' // a static number
  | 'bool' // a static boolean
  | 'string'
  | 'dtype'
  | 'shape' // a static list of sizes, `None`/-1 allowed where the op says so
  | 'value'; // any language value, unconverted (gradients' ys/xs, ...)

/** Which dtypes a tensor parameter accepts. */
export type DTypeClass = 'any' | 'float' | 'numeric' | 'int' | 'bool' | 'intOrFloat';

export interface Param {
  name: string;
  kind: ParamKind;
  /** Omitted: the parameter is required. */
  default?: unknown;
  /** Other keyword spellings TensorFlow accepts (`input_tensor` vs `input`). */
  aliases?: readonly string[];
  dtypes?: DTypeClass;
  /** Never filled by position: a keyword TensorFlow 1.x took that TensorFlow 2's signature
   *  dropped (dropout's `keep_prob`), or a keyword-only argument. */
  keywordOnly?: boolean;
  /** Tensor parameters with the same group share one dtype (TensorFlow's type attr `T`);
   *  Python literals among them take that dtype. */
  group?: string;
  /** A 'tensors' parameter that takes the call's remaining positional arguments, as a
   *  Python `*args` (tf.meshgrid(x, y)); a list given by keyword works too. */
  variadic?: boolean;
  doc?: string;
}

export type Attrs = Readonly<Record<string, unknown>>;

/** The attributes of an op along one static axis (stack, concat, sort, ...). */
export type AxisAttrs = { readonly axis: number };

/** A node of an op whose attributes have type `A`: what that op's gradient receives. */
export type NodeOf<A> = Node & { readonly attrs: A };

export interface ConcreteType {
  readonly dtype: DType;
  readonly shape: readonly number[];
}

export interface KernelContext {
  readonly precision: Precision;
  /** A buffer for a result: zeroed, unless `overwritten` says the kernel writes every element
   *  (a reused buffer then keeps its old contents instead of being cleared first). */
  alloc(dtype: DType, size: number, overwritten?: boolean): TypedData;
  /** Evaluates a subgraph with some nodes set (jacobian seeds). */
  evaluateWith(target: Node, feeds: ReadonlyMap<Node, Tensor>): Tensor | undefined;
  /** When evaluation must stop (ms since epoch, `tgraph.evaluationTimeoutMs`): a kernel that
   *  loops over evaluations (a row-by-row Jacobian) checks it between them. */
  readonly deadline: number;
  /** Throws (stopping this evaluation with one diagnostic) once the time budget ran out or
   *  the work was cancelled. Kernels call it between blocks of work: per row, per output
   *  channel, per block of a few thousand multiply-adds. */
  checkDeadline?(): void;
}

/** One op. `A` is the type of its attributes (its static parameters and whatever its
 *  builder and gradients pass): its rule, kernel, gradient, dependence and kink receive them
 *  typed. A record declares it once, as `op<{ axis: number }>({ ... })`. */
export interface OpDef<A = Attrs> {
  name: string;
  aliases?: readonly string[];
  /** One line: shown in hovers, completion and signature help. */
  doc: string;
  params: readonly Param[];
  /** Used only inside gradients (e.g. `sum_to_like`): not offered to users. */
  internal?: boolean;
  /** The op the user wrote, where an internal op stands in for it (`reshape` for
   *  `reshape_fed`): messages name it, since the user never wrote the internal name. */
  shownAs?: string;
  /** Whether, with these attributes, the op's own definition gives ±Inf from finite inputs
   *  (an exclusive cumulative_logsumexp starts with log(0) = -inf): the numerics watch does not
   *  take that for a fault. */
  makesInfinity?(attrs: A): boolean;
  /** TensorFlow's `_sentinel` functions: every argument must be given by name, and a
   *  positional one is refused with TensorFlow's message. */
  sentinel?: boolean;
  /** TensorFlow 1.x's positional order, where it differs from `params`' (TensorFlow 2's):
   *  each entry a parameter's name or alias, or `name` for TensorFlow's own `name` argument
   *  (a positional one is accepted and changes nothing). Builder.bind follows it for a
   *  TensorFlow 1.x script (`{ tf1: true }`): `tf.nn.in_top_k(predictions, targets, k)`,
   *  `tf.nn.dropout(x, keep_prob)`, `tf.argmax(x, 1, 'name', ...)`. */
  tf1Positional?: readonly string[];

  /** Static shape and dtype rule. Runs on static shapes at build time and on concrete
   *  shapes at evaluation time. Throws OpError naming the offending input. */
  infer?(inputs: readonly TensorType[], attrs: A): TensorType;
  /** Computes the output data; `out` is the rule's result on the concrete input shapes. */
  kernel?(inputs: readonly Tensor[], attrs: A, out: ConcreteType, ctx: KernelContext): TypedData;
  /** The input whose data the value is, decided by the types alone (a reshape; an
   *  unbroadcast that sums nothing), or -1. The kernel then returns that input's data; a
   *  prepared evaluation (engine/plan.ts) makes such a value without running it. */
  viewOf?(inputs: readonly ConcreteType[], attrs: A, out: ConcreteType): number;
  /** One gradient per input (null where none flows), built from other ops. `needs[i]` says
   *  whether input i's gradient is wanted (it reaches an x): a rule may leave the others out
   *  (null) rather than build nodes nobody reads; it may also build them. */
  grad?(b: Builder, node: NodeOf<A>, dy: Node, needs: readonly boolean[]): readonly (Node | null)[];
  /** How each output element depends on the inputs (engine/ops/dependence.ts): what the
   *  explainer reads to say which elements of the inputs reach which elements of the output,
   *  and how often. Every primitive with a gradient declares one. */
  dependence?: Dependence<A>;
  /** Where the op is not differentiable (relu at 0, ties of maximum, floor at integers):
   *  `codes` gives each output element a discrete branch, 0 exactly at a kink. A gradient
   *  check whose finite difference changes a branch reports a kink instead of a failure;
   *  the analysis notes gradients taken exactly at one. */
  kink?: {
    what: string;
    codes(inputs: readonly Tensor[], attrs: A, out: ConcreteType): Int32Array;
  };
  /** The call that makes this node again from its inputs' source (`x[1:, None]` for a
   *  strided slice), where the attributes are not the parameters of a call: "Open as graph"
   *  writes every other op as its parameters in order (engine/export/graph.ts). */
  spell?(attrs: A, inputs: readonly string[]): string | null;
  /** Surface functions that are not one primitive node (composites, multi-output ops,
   *  differentiation) build their result here instead. */
  build?(b: Builder, args: BoundArgs): Value;
  /** Takes derivatives of its arguments (`gradients`, `jacobian`, ...): its calls are the
   *  gradient sites that get the gradient lenses and actions. */
  differentiates?: boolean;
}

/** An op record with its attribute type: `op<{ axis: number }>({ name: ..., infer: ([x],
 *  attrs) => ... })`. The type is checked where attributes are read; the values come from
 *  the op's static parameters (Builder.bind) and from the builders and gradients that apply
 *  the op by name. */
export function op<A>(def: OpDef<A>): OpDef<A> {
  return def;
}

/** The attributes of `node` typed as `def` declares them, when `def` is its op. */
export function attrsOf<A>(node: Node, def: OpDef<A>): A | undefined {
  return node.op === def ? (node as NodeOf<A>).attrs : undefined;
}

/** A `const` node's attributes: its tensor, and for an int literal past 2^53 the int itself
 *  (the double is not it). */
export type ConstAttrs = {
  readonly value: Tensor;
  readonly exact?: bigint;
  /** A literal that casting to float32 turned into ±Inf or 0, with what it became (the
   *  numerics watch warns of it). */
  readonly lostLiteral?: { readonly literal: number; readonly rounded: number };
};

let constDef: OpDef<ConstAttrs> | undefined;

/** The attributes of `node` when it is a constant (undefined for any other node). */
export function constantOf(node: Node): ConstAttrs | undefined {
  constDef ??= lookupOp('const');
  return constDef && attrsOf(node, constDef);
}

const registry = new Map<string, OpDef>();
const canonical: OpDef[] = [];

export function defineOp(def: OpDef): OpDef {
  for (const name of [def.name, ...(def.aliases ?? [])]) {
    if (registry.has(name)) throw new Error(`op ${name} is defined twice`);
    registry.set(name, def);
  }
  canonical.push(def);
  return def;
}

export function defineOps(defs: readonly OpDef[]): void {
  for (const d of defs) defineOp(d);
}

export function lookupOp(name: string): OpDef | undefined {
  return registry.get(name);
}

export function allOps(): readonly OpDef[] {
  return canonical;
}

export function allOpNames(): string[] {
  return [...registry.keys()];
}

/** `viewOf` of an op whose value is its first input's data whenever it has as many elements
 *  (a reshape, an unbroadcast that sums nothing). */
export function firstWhenSameSize(inputs: readonly ConcreteType[], _attrs: unknown, out: ConcreteType): number {
  return sizeOf(inputs[0].shape) === sizeOf(out.shape) ? 0 : -1;
}

/** The rule of an op whose output has the type of its first input. */
export function sameAsFirst(inputs: readonly TensorType[]): TensorType {
  return inputs[0];
}

export function unknownShape(rank: number | null): Shape {
  return rank === null ? null : new Array(rank).fill(null);
}
