// The values of the languages as the builder sees them (a tensor is a graph node; lists,
// None, strings, dtypes, functions and ops are values of their own) and the errors of
// building them, positioned at the source.

import type { Span } from './syntax/ast';
import type { Node } from './graph';
import type { DType, Tensor } from './tensor';
import type { OpDef } from './ops/registry';
import type { Builder } from './builder';
import { expandedTreeSize } from './treeSize';

export interface UserFunction {
  name: string;
  span: Span;
  params: string[];
  /** The text of the def (and grad) statements: part of the content key of its calls. */
  source: string;
  /** Inlines the body with the given arguments. */
  call(b: Builder, args: Value[], callSpan: Span): Value;
  /** With a `grad` rule: the gradients for each input given the inputs and upstream dy. */
  customGrad?: (b: Builder, inputs: Node[], dy: Node) => (Node | null)[];
}

export type Value =
  | { kind: 'tensor'; node: Node }
  /** `fields`: a Python front end shows it as a named tuple (top_k's TopKV2(values, indices)). */
  | { kind: 'list'; items: Value[]; fields?: NamedFields }
  | { kind: 'none' }
  | { kind: 'string'; value: string }
  | { kind: 'dtype'; dtype: DType }
  | { kind: 'function'; fn: UserFunction }
  | { kind: 'op'; op: OpDef }
  /** Stands for a value whose computation already failed and was reported. */
  | { kind: 'error' };

/** The type and field names of a result TensorFlow returns as a collections.namedtuple. */
export interface NamedFields {
  readonly type: string;
  readonly names: readonly string[];
}

/** How many items `v` flattens to (a list the sum of its items', anything else one). Lists
 *  share lists (`x2 = [x1, x1]`), so the flat count can be exponential in the text: each
 *  distinct list is counted once, and counting stops once past `limit`. */
export function flatCount(v: Value, limit: number): number {
  return expandedTreeSize(v, (x) => (x.kind === 'list' ? x.items : null), false, limit);
}

export const NONE: Value = { kind: 'none' };
export const ERROR: Value = { kind: 'error' };

export function tensorValue(node: Node): Value {
  return { kind: 'tensor', node };
}

/** A user-facing error at a precise span; the analysis turns it into a diagnostic. It has
 *  no stack trace: it is how a statement reports a mistake in the file (a file can have one
 *  per line), not an engine failure, and capturing a stack costs more than the rest of it. */
export class BuildError extends Error {
  readonly span: Span;
  readonly code: string;
  readonly related: { span: Span; message: string }[];

  constructor(message: string, span: Span, code = 'error', related: { span: Span; message: string }[] = []) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
    this.span = span;
    this.code = code;
    this.related = related;
  }
}

/** Thrown when an input is a value that already failed: no new diagnostic (and, as a
 *  BuildError, no stack trace). */
export class Poisoned extends Error {
  constructor() {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super('poisoned');
    Error.stackTraceLimit = limit;
  }
}

export interface CallArg {
  keyword?: { name: string; span: Span };
  value: Value;
  span: Span;
}

export interface BoundArg {
  value: Value;
  span: Span;
}

/** Answers constant values while the graph is being built (axes, shapes, dtypes must be
 *  known without feeds). Implemented by the evaluator. */
export interface ConstantOracle {
  constantValue(node: Node): Tensor | undefined;
}

// A Map, not an object: `constructor` or `toString` is not a dtype.
const DTYPE_NAMES: ReadonlyMap<string, DType> = new Map([
  ['float32', 'float32'],
  ['float64', 'float64'],
  ['int32', 'int32'],
  ['int64', 'int64'],
  ['bool', 'bool'],
  ['float', 'float32'],
  ['double', 'float64'],
  ['bool_', 'bool'],
]);

/** The dtype a name spells (`float32`, `tf.float32`, `np.double`), or undefined. Every name
 *  that is not bound goes through here: no regular expression. */
export function parseDType(name: string): DType | undefined {
  const direct = DTYPE_NAMES.get(name);
  if (direct !== undefined) return direct;
  if (name.length > 3 && name.charCodeAt(2) === 46 /* . */ && (name.startsWith('tf') || name.startsWith('np')))
    return DTYPE_NAMES.get(name.slice(3));
  return undefined;
}
