// TF 2.x eager execution: a tensor's value is known at once. An eager tensor is still a graph
// node (so gradients, checks and the explainer work on it as on a TF 1.x tensor); its value is
// the node's value without feeds (the document's constants evaluator), and an eager variable
// that is assigned gets a new node, so every value a node ever had stays what it was.
//
// Whether a script runs eagerly is TensorFlow 2's default unless the script asks for TF 1.x:
// it imports `tensorflow.compat.v1`, disables v2 behaviour or eager execution, or uses what
// only TF 1.x has (sessions, placeholders, variable initializers and scopes, tf.gradients,
// tf.layers, the tf.train optimizers).

import type { Span } from '../../syntax/ast';
import type { Node } from '../../graph';
import { Poisoned } from '../../builder';
import type { Tensor } from '../../tensor';
import type { Runtime } from '../runtime';
import { type NDArray, fromTensor, npDType } from '../numpy/ndarray';
import { arrayRepr, arrayStr } from '../numpy/print';
import { pyError } from '../errors';
import { symbolicValueError } from './functional';

const GRAPH_ONLY =
  /\b(?:Session|InteractiveSession|placeholder|placeholder_with_default|disable_v2_behavior|disable_eager_execution|global_variables_initializer|initialize_all_variables|variables_initializer|get_variable|variable_scope|set_random_seed|reset_default_graph|get_default_graph|GradientDescentOptimizer|MomentumOptimizer|AdamOptimizer|AdagradOptimizer|AdadeltaOptimizer|RMSPropOptimizer)\b|\btf\.gradients\s*\(|\btf\.layers\.|\bimport\s+tensorflow\.compat\.v1\b|\bfrom\s+tensorflow\.compat\s+import\s+v1\b|\bfrom\s+tensorflow\.compat\.v1\s+import\b/;
const ASKS_EAGER = /\benable_eager_execution\s*\(/;

const modes = new WeakMap<Runtime, boolean>();

/** Whether the script runs as TensorFlow 2 does (eagerly). */
export function isEager(rt: Runtime): boolean {
  let eager = modes.get(rt);
  if (eager === undefined) {
    const text = withoutComments(rt.text);
    eager = ASKS_EAGER.test(text) || !GRAPH_ONLY.test(text);
    modes.set(rt, eager);
  }
  return eager;
}

function withoutComments(text: string): string {
  return text.replace(/#[^\n]*/g, '');
}

/** The value of an eager tensor's node (it needs no feeds). */
export function eagerValue(rt: Runtime, node: Node, span: Span): Tensor {
  const t = rt.constants.valueOf(node);
  if (!t) {
    const symbolic = symbolicValueError(rt, node, span);
    if (symbolic) throw symbolic;
    if (needsFeed(node)) throw pyError('ValueError', 'this tensor depends on a placeholder: it has no value without a session', span);
    throw new Poisoned();
  }
  return t;
}

export function needsFeed(node: Node): boolean {
  const seen = new Set<Node>();
  const stack = [node];
  while (stack.length) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    if (n.op.name === 'placeholder') return true;
    stack.push(...n.inputs);
  }
  return false;
}

/** `t.numpy()`: a NumPy array (a NumPy scalar for a 0-d tensor). */
export function eagerArray(rt: Runtime, node: Node, span: Span): NDArray {
  const t = eagerValue(rt, node, span);
  return fromTensor(t, npDType(t.dtype));
}

function shapeText(shape: readonly number[]): string {
  return '(' + shape.join(', ') + (shape.length === 1 ? ',' : '') + ')';
}

/** The value as TensorFlow's `numpy_text` shows it: on a line of its own when it spans lines. */
function numpyText(a: NDArray, repr: boolean): string {
  const text = repr ? arrayRepr(a) : arrayStr(a);
  return text.includes('\n') ? '\n' + text : text;
}

/** `print(t)`: `tf.Tensor([1. 2.], shape=(2,), dtype=float32)`. */
export function eagerStr(rt: Runtime, node: Node, span: Span): string {
  const a = eagerArray(rt, node, span);
  return `tf.Tensor(${numpyText(a, false)}, shape=${shapeText(a.shape)}, dtype=${node.type.dtype})`;
}

/** `repr(t)`: `<tf.Tensor: shape=(2,), dtype=float32, numpy=array([1., 2.], dtype=float32)>`. */
export function eagerRepr(rt: Runtime, node: Node, span: Span): string {
  const a = eagerArray(rt, node, span);
  return `<tf.Tensor: shape=${shapeText(a.shape)}, dtype=${node.type.dtype}, numpy=${numpyText(a, true)}>`;
}

/** `repr(v)` (and `print(v)`) of an eager variable. */
export function eagerVariableRepr(rt: Runtime, node: Node, name: string, span: Span): string {
  const a = eagerArray(rt, node, span);
  return `<tf.Variable '${name}:0' shape=${shapeText(a.shape)} dtype=${node.type.dtype}, numpy=${numpyText(a, true)}>`;
}

/** `bool(t)` of an eager tensor: NumPy's truth of its value. */
export function eagerTruth(rt: Runtime, node: Node, span: Span): boolean {
  const t = eagerValue(rt, node, span);
  if (t.data.length !== 1)
    throw pyError('ValueError', 'The truth value of an array with more than one element is ambiguous. Use a.any() or a.all()', span);
  return Number(t.data[0]) !== 0;
}

/** `float(t)`, `int(t)`, formatting: the Python number a one-element tensor stands for. */
export function eagerNumber(rt: Runtime, node: Node, span: Span): bigint | number | boolean | undefined {
  let t: Tensor;
  try {
    t = eagerValue(rt, node, span);
  } catch {
    return undefined;
  }
  if (t.data.length !== 1) return undefined;
  const x = Number(t.data[0]);
  return t.dtype === 'bool' ? x !== 0 : t.dtype === 'int32' || t.dtype === 'int64' ? BigInt(x) : x;
}
