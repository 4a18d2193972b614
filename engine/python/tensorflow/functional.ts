// Keras' functional API: `tf.keras.Input(shape)` is a symbolic tensor (a placeholder whose batch
// size is None); layers, TF ops and operators applied to it build their graph as on any tensor,
// and every call of a layer or an op on a symbolic tensor is recorded beside its outputs.
// `tf.keras.Model(inputs, outputs)` keeps the inputs and outputs; calling it replays the
// recorded calls from the outputs back to the inputs on the tensors it is given (the same layer
// objects, so the same weights, and `training=` passed to the layers that were not given one, as
// Keras does), and what no call recorded (an operator, a slice) is rebuilt node by node.
// Its layers, in Keras' order (by depth from the outputs, then by traversal), give its weights.

import type { Span } from '../../syntax/ast';
import type { Node } from '../../graph';
import { type CallSite, type KeywordArg, PyBuiltin, PyDict, PyList, PyModule, PyObject, PyTuple, type PyValue } from '../values';
import { OutsideSubset, pyError } from '../errors';
import type { Interpreter } from '../interpreter';
import type { Runtime } from '../runtime';
import { args as bindArgs } from '../signature';
import { pyRepr } from '../format';
import { anyContained, checkExpandable } from '../walk';
import { isEager } from './eager';
import { GraphTensor, PyDType, PyOp, graphDType, tfShape, toGraphValue } from './tensor';
import { PyVariable } from './variables';
import { layerWeightMethod } from './layerWeights';
import { maskOf, withMask } from './kerasMasks';
import { OUTSIDE_MODEL_METHODS } from './layers';
import { kerasLayerName, nameLayer } from './layerNames';

// ---- symbolic tensors ---------------------------------------------------------------------------

/** The Keras inputs (placeholder nodes) and the layer each is. */
const INPUT_LAYERS = new WeakMap<Node, InputLayer>();
/** Whether a node depends on a Keras input (memoized: nodes never change). */
const SYMBOLIC = new WeakMap<Node, boolean>();
/** The runtimes that made a Keras input (only their calls are recorded). */
const RECORDING = new WeakSet<Runtime>();

/** Whether `node` is computed from a `tf.keras.Input` (it has no value of its own). */
export function isSymbolic(node: Node): boolean {
  const known = SYMBOLIC.get(node);
  if (known !== undefined) return known;
  // The unknown nodes below `node`, then each from its inputs in creation (topological) order.
  const pending: Node[] = [];
  const stack = [node];
  const seen = new Set<Node>();
  while (stack.length) {
    const n = stack.pop()!;
    if (seen.has(n) || SYMBOLIC.has(n)) continue;
    seen.add(n);
    pending.push(n);
    for (const i of n.inputs) stack.push(i);
  }
  pending.sort((a, b) => a.id - b.id);
  for (const n of pending) SYMBOLIC.set(n, INPUT_LAYERS.has(n) || n.inputs.some((i) => SYMBOLIC.get(i) === true));
  return SYMBOLIC.get(node)!;
}

// Every call of an object looks through its arguments for symbolic tensors, whatever they
// are: a list holding itself (`l.append(l)`), nested ten thousand deep, or sharing its items a
// million times over (`x = [x, x]`). So these walks visit each container once, without
// recursion; the walks whose order and repeats matter (a model's inputs and outputs) take only
// values checkExpandable has bounded.

function symbolicValue(v: PyValue): boolean {
  return anyContained(v, (x) => x instanceof GraphTensor && isSymbolic(x.node));
}

/** The graph tensors' nodes a value holds, each distinct container looked at once. */
function nodesIn(v: PyValue): Set<Node> {
  const nodes = new Set<Node>();
  anyContained(v, (x) => {
    if (x instanceof GraphTensor) nodes.add(x.node);
    return false;
  });
  return nodes;
}

/** The graph tensors in a value (a tensor, or lists, tuples and dicts of them), expanded as a
 *  tree: only for a value checkExpandable has bounded. */
function tensorsIn(v: PyValue): GraphTensor[] {
  const out: GraphTensor[] = [];
  // Keras flattens a dict by its sorted keys (`model.outputs` of a dict of outputs).
  eachTensor(v, sortedKeys, false, (t) => out.push(t));
  return out;
}

function sortedKeys(d: PyDict): PyValue[] {
  const keys = d.keys();
  return keys.every((k) => typeof k === 'string') ? (keys as string[]).slice().sort() : keys;
}

/** Each node a value holds with the first place it is found (indices and keys). */
function firstPathsIn(v: PyValue): Map<Node, PyValue[]> {
  const out = new Map<Node, PyValue[]>();
  eachTensor(
    v,
    (d) => d.keys(),
    true,
    (t, path) => {
      if (!out.has(t.node)) out.set(t.node, path());
    },
  );
  return out;
}

type Place = { value: PyValue; key: PyValue; parent: Place | null };

/** Visits the graph tensors of a value in order, without recursion. `once`: each container is
 *  entered once (what is under a shared one was seen the first time); otherwise a container is
 *  entered wherever it appears except inside itself. */
function eachTensor(
  v: PyValue,
  keysOf: (d: PyDict) => PyValue[],
  once: boolean,
  visit: (t: GraphTensor, path: () => PyValue[]) => void,
): void {
  const entered = new Set<PyValue>();
  const stack: (Place | { leave: PyValue })[] = [{ value: v, key: null, parent: null }];
  while (stack.length) {
    const top = stack.pop()!;
    if ('leave' in top) {
      entered.delete(top.leave);
      continue;
    }
    const value = top.value;
    if (value instanceof GraphTensor) {
      visit(value, () => {
        const path: PyValue[] = [];
        for (let p: Place | null = top; p?.parent; p = p.parent) path.push(p.key);
        return path.reverse();
      });
      continue;
    }
    if (!(value instanceof PyList || value instanceof PyTuple || value instanceof PyDict) || entered.has(value)) continue;
    entered.add(value);
    if (!once) stack.push({ leave: value });
    const children: Place[] =
      value instanceof PyDict
        ? keysOf(value).map((k) => ({ value: value.get(k)!, key: k, parent: top }))
        : value.items.map((x, i) => ({ value: x, key: BigInt(i), parent: top }));
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
  }
}

function at(v: PyValue, path: PyValue[]): PyValue {
  for (const k of path) {
    if ((v instanceof PyList || v instanceof PyTuple) && typeof k === 'bigint') v = v.items[Number(k)] ?? null;
    else if (v instanceof PyDict) v = v.get(k) ?? null;
    else return null;
  }
  return v;
}

/** The same structure with each tensor replaced: without recursion, each container mapped
 *  once, one whose items all map to themselves kept as it is (a container inside itself too). */
function mapTensors(v: PyValue, f: (t: GraphTensor) => PyValue): PyValue {
  type Container = PyList | PyTuple | PyDict;
  const isContainer = (x: PyValue): x is Container => x instanceof PyList || x instanceof PyTuple || x instanceof PyDict;
  const done = new Map<PyValue, PyValue>();
  const itemsOf = (x: Container): readonly PyValue[] => (x instanceof PyDict ? x.keys().map((k) => x.get(k)!) : x.items);
  const rebuilt = (x: Container, original: readonly PyValue[], items: PyValue[]): PyValue => {
    if (items.every((item, i) => item === original[i])) return x;
    if (x instanceof PyList) return new PyList(items);
    if (x instanceof PyTuple) return new PyTuple(items);
    const d = new PyDict();
    x.keys().forEach((k, i) => d.set(k, items[i]));
    return d;
  };
  const stack: { x: Container; items: readonly PyValue[]; mapped: PyValue[] }[] = [];
  /** The item's mapping, or undefined once it is entered (finished later on the stack). */
  const start = (x: PyValue): PyValue | undefined => {
    if (x instanceof GraphTensor) return f(x);
    if (!isContainer(x)) return x;
    const known = done.get(x);
    if (known !== undefined) return known;
    // (met again inside itself: kept as it is)
    done.set(x, x);
    stack.push({ x, items: itemsOf(x), mapped: [] });
    return undefined;
  };
  const first = start(v);
  if (first !== undefined) return first;
  let result: PyValue = v;
  while (stack.length) {
    const top = stack[stack.length - 1];
    if (top.mapped.length < top.items.length) {
      const m = start(top.items[top.mapped.length]);
      if (m !== undefined) top.mapped.push(m);
      continue;
    }
    stack.pop();
    const out = rebuilt(top.x, top.items, top.mapped);
    done.set(top.x, out);
    if (stack.length) stack[stack.length - 1].mapped.push(out);
    else result = out;
  }
  return result;
}

/** Keras' message where a symbolic tensor's value is needed. */
export function symbolicValueError(rt: Runtime, node: Node, span: Span): Error | null {
  if (!RECORDING.has(rt) || !isSymbolic(node)) return null;
  return pyError(
    'TypeError',
    `this tensor is a Keras symbolic tensor (shape ${keras(node.type.shape)}, made from \`tf.keras.Input\`): it has no value. Call the model on real tensors (\`model(x)\`) to get one`,
    span,
  );
}

/** `print(x)` of a symbolic tensor: Keras' KerasTensor repr. */
export function kerasTensorRepr(rt: Runtime, node: Node): string | null {
  if (!RECORDING.has(rt) || !isSymbolic(node)) return null;
  const input = INPUT_LAYERS.get(node);
  const name = input ? input.name : 'keras_tensor';
  return `KerasTensor(type_spec=TensorSpec(shape=${keras(node.type.shape)}, dtype=tf.${node.type.dtype}, name=${input ? `'${name}'` : 'None'}), name='${name}'${input ? `, description="created by layer '${name}'"` : ''})`;
}

function keras(shape: readonly (number | null)[] | null): string {
  return tfShape(shape).replace(/\?/g, 'None');
}

// ---- recorded calls -------------------------------------------------------------------------------

/** A call of a layer (or an op, a model) on symbolic tensors, as Keras keeps it on its outputs. */
interface KerasCall {
  readonly callee: PyObject;
  readonly args: PyValue[];
  readonly kwargs: KeywordArg[];
  readonly site: CallSite;
  /** Where each symbolic output is in the call's result. */
  readonly outputs: Map<Node, PyValue[]>;
}

const PRODUCED_BY = new WeakMap<Node, KerasCall>();
const NAME_COUNTS = new WeakMap<Runtime, Map<string, number>>();

/** Keras' names: `dense`, `dense_1`, ... (`input_1`, `input_2`, ... when one-based). */
function uniqueName(rt: Runtime, base: string, oneBased = false): string {
  let counts = NAME_COUNTS.get(rt);
  if (!counts) NAME_COUNTS.set(rt, (counts = new Map()));
  const k = (counts.get(base) ?? 0) + (oneBased ? 1 : 0);
  counts.set(base, k + (oneBased ? 0 : 1));
  return k === 0 ? base : `${base}_${k}`;
}

/** Keras' generic_utils.to_snake_case, regex for regex: `conv2d`, `p_re_lu`, `conv_lst_m2d`. */
function snakeCase(name: string): string {
  return name
    .replace(/(.)([A-Z][a-z0-9]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

/** A layer class whose objects are known as Keras layers (named as Keras names them). */
export function kerasLayerClass(rt: Interpreter, cls: PyBuiltin): PyBuiltin {
  return new PyBuiltin(cls.name, (a, kw, site) => {
    const layer = rt.call(cls, a, kw, site);
    const given = kw.find((k) => k.name === 'name')?.value;
    const className = cls.name.slice(cls.name.lastIndexOf('.') + 1);
    if (layer instanceof PyObject) nameLayer(layer, typeof given === 'string' ? given : uniqueName(rt.rt, snakeCase(className)));
    return layer;
  });
}

/** Calls `fn`; where its arguments are symbolic, records the call on its outputs (the
 *  interpreter's hook for every call of an object). */
export function callRecorded(rt: Interpreter, fn: PyObject, args: PyValue[], kwargs: KeywordArg[], site: CallSite): PyValue {
  let result = fn.call!(rt, args, kwargs, site);
  if (!RECORDING.has(rt.rt) || !(args.some(symbolicValue) || kwargs.some((k) => symbolicValue(k.value)))) return result;
  const given = nodesIn(new PyTuple([...args, ...kwargs.map((k) => k.value)]));
  // A layer that returned its input unchanged (Dropout outside training) gets an output of its
  // own, so a replay in training calls it again.
  result = mapTensors(result, (t) =>
    given.has(t.node) ? withMask(new GraphTensor(rt.rt.b.apply('identity', [t.node], undefined, site.span), rt.rt), maskOf(t)) : t,
  );
  const outputs = new Map<Node, PyValue[]>();
  for (const [node, path] of firstPathsIn(result)) if (isSymbolic(node)) outputs.set(node, path);
  const call: KerasCall = { callee: fn, args, kwargs, site, outputs };
  // The outermost call made the output (a Sequential, not its last layer), except a function that
  // made a layer and called it (`layers.concatenate`) or applied a TF op: that layer is Keras' own.
  for (const node of outputs.keys()) {
    const inner = PRODUCED_BY.get(node);
    if (!INPUT_LAYERS.has(node) && !(inner && isLayerCall(inner) && !isLayerCall(call))) PRODUCED_BY.set(node, call);
  }
  // A TF function applied to Keras tensors is a layer of Keras' own, named when it is applied.
  if (fn instanceof PyOp && !OP_LAMBDAS.has(call)) OP_LAMBDAS.set(call, new TFOpLambda(uniqueName(rt.rt, opLambdaName(fn)), fn));
  return result;
}

// ---- TFOpLambda -----------------------------------------------------------------------------------

/** Keras' TFOpLambda layer: a TF function (`tf.nn.relu(x)`) or an operator (`x + y`, `x[:, 0]`)
 *  applied to Keras tensors, which a functional model lists among its layers under the
 *  function's canonical TensorFlow name, numbered as layers are (`tf.math.multiply_1`). */
class TFOpLambda extends PyObject {
  constructor(
    public name: string,
    /** The TF function it calls (none for an operator's). */
    readonly fn: PyOp | null,
  ) {
    super();
  }
  override call(rt: Interpreter, a: PyValue[], kw: KeywordArg[], site: CallSite): PyValue {
    if (!this.fn) throw new OutsideSubset(`calling the layer "${this.name}" of an operator is not modelled by tgraph`, site.span);
    return rt.call(this.fn, a, kw, site);
  }
  /** Keras' class: slicing is a SlicingOpLambda. */
  get typeName(): string {
    return this.name.startsWith('tf.__operators__.getitem') ? 'SlicingOpLambda' : 'TFOpLambda';
  }
  override repr(): string {
    return `<keras.layers.core.tf_op_layer.${this.typeName} object>`;
  }
  override getAttr(_rt: Interpreter, name: string): PyValue | undefined {
    if (name === 'name') return this.name;
    if (WEIGHT_LISTS.has(name)) return new PyList([]);
    return undefined;
  }
}

const WEIGHT_LISTS = new Set([
  'weights',
  'variables',
  'trainable_weights',
  'trainable_variables',
  'non_trainable_weights',
  'non_trainable_variables',
]);

/** The TFOpLambda of each recorded TF function call, and of each operator's node. */
const OP_LAMBDAS = new WeakMap<object, TFOpLambda>();

/** TensorFlow's canonical names (the first tf_export name: `tf.add` is `tf.math.add`) for the
 *  registry's ops whose name differs from the one a script used. */
const CANONICAL_NAMES: Record<string, string> = {
  add: 'tf.math.add',
  subtract: 'tf.math.subtract',
  multiply: 'tf.math.multiply',
  divide: 'tf.math.truediv',
  truediv: 'tf.math.truediv',
  pow: 'tf.math.pow',
  negative: 'tf.math.negative',
  maximum: 'tf.math.maximum',
  minimum: 'tf.math.minimum',
  abs: 'tf.math.abs',
  exp: 'tf.math.exp',
  log: 'tf.math.log',
  sqrt: 'tf.math.sqrt',
  square: 'tf.math.square',
  sigmoid: 'tf.math.sigmoid',
  tanh: 'tf.math.tanh',
  reduce_sum: 'tf.math.reduce_sum',
  reduce_mean: 'tf.math.reduce_mean',
  reduce_max: 'tf.math.reduce_max',
  reduce_min: 'tf.math.reduce_min',
  reduce_prod: 'tf.math.reduce_prod',
  softmax: 'tf.nn.softmax',
  relu: 'tf.nn.relu',
  matmul: 'tf.linalg.matmul',
};

function opLambdaName(fn: PyOp): string {
  return CANONICAL_NAMES[fn.op.name] ?? fn.qualified;
}

/** Keras' names for the operators of a Keras tensor, by the op each builds. */
const OPERATOR_NAMES: Record<string, string> = {
  add: 'tf.__operators__.add',
  subtract: 'tf.math.subtract',
  multiply: 'tf.math.multiply',
  divide: 'tf.math.truediv',
  floordiv: 'tf.math.floordiv',
  floormod: 'tf.math.floormod',
  pow: 'tf.math.pow',
  negative: 'tf.math.negative',
  abs: 'tf.math.abs',
  matmul: 'tf.linalg.matmul',
  strided_slice: 'tf.__operators__.getitem',
  greater: 'tf.math.greater',
  greater_equal: 'tf.math.greater_equal',
  less: 'tf.math.less',
  less_equal: 'tf.math.less_equal',
};

/** The symbolic tensors a node is computed from, as a replay and Keras' layer order see them: a
 *  recorded call's symbolic arguments, or an unrecorded op's symbolic inputs (none for an input). */
function dependencies(node: Node): Node[] {
  if (INPUT_LAYERS.has(node)) return [];
  const call = PRODUCED_BY.get(node);
  if (!call) return node.inputs.filter(isSymbolic);
  return call.args
    .concat(call.kwargs.map((k) => k.value))
    .flatMap((v) => [...firstPathsIn(v).keys()])
    .filter(isSymbolic);
}

/** Replays the recorded graph from symbolic outputs to given inputs. */
class Replay {
  private readonly values = new Map<Node, PyValue>();
  private readonly results = new Map<KerasCall, PyValue>();

  constructor(
    readonly rt: Interpreter,
    /** `training=` of the model's call (undefined: not given). */
    readonly training: KeywordArg | undefined,
  ) {}

  feed(input: Node, value: PyValue): void {
    this.values.set(input, value);
  }

  value(v: PyValue): PyValue {
    return mapTensors(v, (t) => (isSymbolic(t.node) ? this.node(t.node) : t));
  }

  /** The value of a symbolic node: what it depends on first, in post-order without recursion
   *  (a model may be thousands of calls deep). */
  node(target: Node): PyValue {
    const stack: { node: Node; ready: boolean }[] = [{ node: target, ready: false }];
    while (stack.length) {
      const top = stack.pop()!;
      if (this.values.has(top.node)) continue;
      if (top.ready) {
        this.values.set(top.node, this.computed(top.node));
        continue;
      }
      stack.push({ node: top.node, ready: true });
      for (const d of dependencies(top.node)) if (!this.values.has(d)) stack.push({ node: d, ready: false });
    }
    return this.values.get(target)!;
  }

  /** A node whose dependencies have their values. */
  private computed(node: Node): PyValue {
    const call = PRODUCED_BY.get(node);
    if (call) return at(this.call(call), call.outputs.get(node)!);
    if (INPUT_LAYERS.has(node))
      throw pyError(
        'ValueError',
        `Graph disconnected: the model needs a value for the input '${INPUT_LAYERS.get(node)!.name}', which is not one of its inputs`,
        node.span,
      );
    // An operator or a slice: the same op on the replayed inputs.
    const b = this.rt.rt.b;
    const inputs = node.inputs.map((i) =>
      isSymbolic(i) ? b.toTensor(toGraphValue(this.rt, this.values.get(i)!, node.span), node.span) : i,
    );
    return new GraphTensor(b.apply(node.op, inputs, node.attrs, node.span), this.rt.rt);
  }

  private call(call: KerasCall): PyValue {
    const done = this.results.get(call);
    if (done !== undefined) return done;
    const args = call.args.map((a) => this.value(a));
    const kwargs = call.kwargs.map((k) => ({ ...k, value: this.value(k.value) }));
    if (this.training && isLayer(call.callee) && !kwargs.some((k) => k.name === 'training')) kwargs.push(this.training);
    const result = this.rt.call(call.callee, args, kwargs, call.site);
    this.results.set(call, result);
    return result;
  }
}

function isLayer(v: PyValue): boolean {
  return v instanceof FunctionalModel || (v instanceof PyObject && kerasLayerName(v) !== undefined);
}

/** A call Keras keeps as a layer's: a layer's, a model's, or a TF function's (TFOpLambda). */
function isLayerCall(call: KerasCall): boolean {
  return isLayer(call.callee) || call.callee instanceof PyOp;
}

// ---- tf.keras.Input --------------------------------------------------------------------------------

/** The layer a `tf.keras.Input` belongs to (first in `model.layers`, as Keras' InputLayer). */
class InputLayer extends PyObject {
  constructor(
    readonly name: string,
    readonly node: Node,
  ) {
    super();
  }
  get typeName(): string {
    return 'InputLayer';
  }
  override repr(): string {
    return '<keras.engine.input_layer.InputLayer object>';
  }
  override getAttr(_rt: Interpreter, name: string): PyValue | undefined {
    switch (name) {
      case 'name':
        return this.name;
      case 'weights':
      case 'variables':
      case 'trainable_weights':
      case 'trainable_variables':
      case 'non_trainable_weights':
        return new PyList([]);
    }
    return undefined;
  }
}

/** `tf.keras.Input(shape, batch_size, name, dtype)`. */
export function inputFunction(rt: Interpreter): PyBuiltin {
  return new PyBuiltin('tf.keras.Input', (a, kw, site) => {
    const p = bindArgs('Input', ['shape', 'batch_size', 'name', 'dtype', 'sparse', 'tensor', 'ragged', 'type_spec'], a, kw, site);
    for (const unsupported of ['sparse', 'tensor', 'ragged', 'type_spec'])
      if (p.get(unsupported, null) !== null && p.get(unsupported, null) !== false)
        throw new OutsideSubset(`\`tf.keras.Input(${unsupported}=...)\` is outside tgraph's subset`, p.span(unsupported));
    const shape = p.get('shape', null);
    if (shape === null)
      throw pyError('ValueError', 'Please provide to Input a `shape` or a `tensor` or a `type_spec` argument.', site.span);
    const dims = rt.iterate(shape, p.span('shape')).map((d) => {
      if (d === null) return null;
      if (typeof d !== 'bigint' || d < 0n)
        throw pyError('TypeError', `Input: the shape's sizes must be integers or None, got ${pyRepr(d)}`, p.span('shape'));
      return Number(d);
    });
    const batch = p.get('batch_size', null);
    const dtypeValue = p.get('dtype', null);
    const dtype = dtypeValue === null ? 'float32' : dtypeValue instanceof PyDType ? graphDType(dtypeValue, p.span('dtype')) : dtypeValue;
    if (typeof dtype !== 'string' || !['float32', 'float64', 'int32', 'int64', 'bool'].includes(dtype))
      throw new OutsideSubset(`\`tf.keras.Input(dtype=${pyRepr(dtypeValue)})\` is outside tgraph's subset`, p.span('dtype'));
    const node = rt.rt.b.apply('placeholder', [], { dtype, shape: [typeof batch === 'bigint' ? Number(batch) : null, ...dims] }, site.span);
    const name = p.get('name', null);
    INPUT_LAYERS.set(node, new InputLayer(typeof name === 'string' ? name : uniqueName(rt.rt, 'input', true), node));
    RECORDING.add(rt.rt);
    return new GraphTensor(node, rt.rt);
  });
}

// ---- tf.keras.Model -------------------------------------------------------------------------------

/** Keras' "nodes": a recorded call, an input, or an op no call recorded (an operator's, or one
 *  inside a Python function of the script: Keras sees the ops a function applies). */
type KerasNode = { layer: PyObject | null; inputs: Node[]; key: object };

function kerasNodeOf(node: Node, operators: Node[]): KerasNode {
  const input = INPUT_LAYERS.get(node);
  if (input) return { layer: input, inputs: [], key: input };
  const call = PRODUCED_BY.get(node);
  if (call && isLayerCall(call))
    return { layer: call.callee instanceof PyOp ? (OP_LAMBDAS.get(call) ?? null) : call.callee, inputs: dependencies(node), key: call };
  let layer = OP_LAMBDAS.get(node) ?? null;
  if (!layer && Object.hasOwn(OPERATOR_NAMES, node.op.name)) {
    // Named once the walk is done, in the order the operators were applied.
    OP_LAMBDAS.set(node, (layer = new TFOpLambda('', null)));
    operators.push(node);
  }
  return { layer, inputs: node.inputs.filter(isSymbolic), key: node };
}

/** The model's layers in Keras' order: deepest first (the inputs), those at one depth in the
 *  order a walk from the outputs first reached them. */
function orderedLayers(rt: Runtime, outputs: Node[]): PyObject[] {
  const operators: Node[] = [];
  const kerasNode = (node: Node) => kerasNodeOf(node, operators);
  const finished = new Set<object>();
  const decreasing: KerasNode[] = [];
  const index = new Map<PyObject, number>();
  // The walk from each output, depth first, without recursion: a node is finished after its inputs.
  for (const output of outputs) {
    const stack: { k: KerasNode; next: number }[] = [];
    const walking = new Set<object>();
    const enter = (tensor: Node): void => {
      const k = kerasNode(tensor);
      if (finished.has(k.key) || walking.has(k.key)) return;
      walking.add(k.key);
      if (k.layer && !index.has(k.layer)) index.set(k.layer, index.size);
      stack.push({ k, next: 0 });
    };
    enter(output);
    while (stack.length) {
      const top = stack[stack.length - 1];
      if (top.next < top.k.inputs.length) enter(top.k.inputs[top.next++]);
      else {
        stack.pop();
        walking.delete(top.k.key);
        finished.add(top.k.key);
        decreasing.push(top.k);
      }
    }
  }
  // Depths from the outputs (0) back; a shared layer is as deep as its deepest call.
  const nodeDepth = new Map<object, number>();
  const layerDepth = new Map<PyObject, number>();
  for (const k of decreasing.slice().reverse()) {
    let depth = nodeDepth.get(k.key) ?? 0;
    if (k.layer) {
      depth = Math.max(depth, layerDepth.get(k.layer) ?? 0);
      layerDepth.set(k.layer, depth);
    }
    nodeDepth.set(k.key, depth);
    for (const i of k.inputs) {
      const key = kerasNode(i).key;
      nodeDepth.set(key, Math.max(depth + 1, nodeDepth.get(key) ?? 0));
    }
  }
  for (const node of operators.sort((a, b) => a.id - b.id)) OP_LAMBDAS.get(node)!.name = uniqueName(rt, OPERATOR_NAMES[node.op.name]);
  return [...layerDepth.keys()]
    .filter((l) => l instanceof InputLayer || l instanceof TFOpLambda || isLayer(l))
    .sort((a, b) => layerDepth.get(b)! - layerDepth.get(a)! || index.get(a)! - index.get(b)!);
}

class FunctionalModel extends PyObject {
  readonly layers: PyObject[];
  constructor(
    readonly inputs: PyValue,
    readonly outputs: PyValue,
    readonly name: string,
    rt: Runtime,
  ) {
    super();
    this.layers = orderedLayers(
      rt,
      tensorsIn(outputs).map((t) => t.node),
    );
  }
  get typeName(): string {
    return 'Functional';
  }
  override repr(): string {
    return '<keras.engine.functional.Functional object>';
  }
  inputNodes(): Node[] {
    return tensorsIn(this.inputs).map((t) => t.node);
  }

  override call(rt: Interpreter, a: PyValue[], kw: KeywordArg[], site: CallSite): PyValue {
    const p = bindArgs(this.name, ['inputs', 'training', 'mask'], a, kw, site);
    const given = p.get('inputs');
    const training = kw.find((k) => k.name === 'training');
    const replay = new Replay(rt, training && training.value !== null ? training : undefined);
    const inputs = this.inputNodes();
    const values = this.bindInputs(rt, given, p.span('inputs'));
    inputs.forEach((node, i) => replay.feed(node, this.checkedInput(rt, node, values[i], i, p.span('inputs'))));
    return replay.value(this.outputs);
  }

  /** The given inputs in the order of the model's (a tensor, a list, or a dict by name). */
  private bindInputs(rt: Interpreter, given: PyValue, span: Span): PyValue[] {
    if (this.inputs instanceof GraphTensor) {
      if ((given instanceof PyList || given instanceof PyTuple) && given.items.length === 1) return [given.items[0]];
      return [given];
    }
    if (this.inputs instanceof PyDict) {
      if (!(given instanceof PyDict))
        throw pyError(
          'ValueError',
          `Model "${this.name}" expects a dict of inputs keyed ${this.inputs
            .keys()
            .map((k) => pyRepr(k))
            .join(', ')}`,
          span,
        );
      return this.inputs.keys().map((k) => {
        const v = given.get(k);
        if (v === undefined) throw pyError('KeyError', `Missing data for input ${pyRepr(k)}`, span);
        return v;
      });
    }
    const count = this.inputNodes().length;
    const items =
      given instanceof PyDict ? this.inputNodes().map((n) => given.get(INPUT_LAYERS.get(n)!.name) ?? null) : rt.iterate(given, span);
    if (items.length !== count)
      throw pyError('ValueError', `Layer "${this.name}" expects ${count} input(s), but it received ${items.length} input tensors.`, span);
    return items;
  }

  /** A given input as a tensor of the input's dtype, its shape checked against the input's. */
  private checkedInput(rt: Interpreter, input: Node, value: PyValue, i: number, span: Span): PyValue {
    const b = rt.rt.b;
    let node = b.toTensor(toGraphValue(rt, value, span), span, input.type.dtype);
    if (node.type.dtype !== input.type.dtype) node = b.cast(node, input.type.dtype);
    const want = input.type.shape ?? [];
    const got = node.type.shape;
    if (got !== null && (got.length !== want.length || want.some((d, k) => d !== null && got[k] !== null && got[k] !== d)))
      throw pyError(
        'ValueError',
        `Input ${i} of layer "${this.name}" is incompatible with the layer: expected shape=${keras(want)}, found shape=${keras(got)}`,
        span,
      );
    return value instanceof GraphTensor && value.node === node ? value : withMask(new GraphTensor(node, rt.rt), maskOf(value));
  }

  private weightsOf(rt: Interpreter, which: string, span: Span): PyVariable[] {
    const seen = new Set<PyVariable>();
    for (const layer of this.layers) {
      if (layer instanceof InputLayer) continue;
      for (const v of rt.iterate(rt.getAttr(layer, which, span), span)) if (v instanceof PyVariable) seen.add(v);
    }
    return [...seen];
  }

  override getAttr(rt: Interpreter, name: string, span: Span): PyValue | undefined {
    switch (name) {
      case 'name':
        return this.name;
      case 'layers':
        return new PyList(this.layers.slice());
      case 'inputs':
        return new PyList(tensorsIn(this.inputs).map((t) => new GraphTensor(t.node, t.rt)));
      case 'outputs':
        return new PyList(tensorsIn(this.outputs).map((t) => new GraphTensor(t.node, t.rt)));
      case 'input':
        return this.inputs;
      case 'output':
        return this.outputs;
      case 'input_shape':
      case 'output_shape': {
        const shapes = tensorsIn(name === 'input_shape' ? this.inputs : this.outputs).map((t) => shapeTuple(t.node));
        return shapes.length === 1 ? shapes[0] : new PyList(shapes);
      }
      case 'trainable_variables':
      case 'trainable_weights':
        return new PyList(this.weightsOf(rt, 'trainable_variables', span));
      case 'variables':
      case 'weights':
        // Each layer's weights in turn (a BatchNormalization's moving statistics beside its own).
        return new PyList(this.weightsOf(rt, 'weights', span));
      case 'non_trainable_variables':
      case 'non_trainable_weights':
        return new PyList(this.weightsOf(rt, 'weights', span).filter((v) => !v.trainable));
      case 'get_layer':
        return new PyBuiltin('get_layer', (a, kw, site) => {
          const p = bindArgs('get_layer', ['name', 'index'], a, kw, site);
          const index = p.get('index', null);
          if (typeof index === 'bigint') {
            const layer = this.layers[Number(index)];
            if (!layer)
              throw pyError(
                'ValueError',
                `Was asked to retrieve layer at index ${index} but model only has ${this.layers.length} layers.`,
                p.span('index'),
              );
            return layer;
          }
          const wanted = p.get('name', null);
          const layer = this.layers.find((l) => layerName(l) === wanted);
          if (!layer)
            throw pyError(
              'ValueError',
              `No such layer: ${typeof wanted === 'string' ? wanted : pyRepr(wanted)}. Existing layers are: ${this.layers.map(layerName).join(', ')}.`,
              p.span('name'),
            );
          return layer;
        });
      case '__call__':
        return new PyBuiltin('__call__', (a, kw, site) => this.call(rt, a, kw, site));
      // The model called on the inputs, each output as NumPy in the outputs' structure (Keras
      // batches; the values are the same).
      case 'predict':
      case 'predict_on_batch':
        return new PyBuiltin(name, (a, kw, site) => {
          const p = bindArgs(name, ['x', 'batch_size', 'verbose', 'steps', 'callbacks'], a, kw, site);
          const outputs = this.call(rt, [p.get('x')], [], site);
          return mapTensors(outputs, (t) => rt.call(rt.getAttr(t, 'numpy', site.span), [], [], site));
        });
    }
    const weights = layerWeightMethod(
      rt,
      {
        variables: () => rt.iterate(this.getAttr(rt, 'weights', span)!, span).filter((v): v is PyVariable => v instanceof PyVariable),
        // A functional model is built when it is made: its layers were called on its inputs.
        build: () => {},
      },
      name,
    );
    if (weights) return weights;
    if (OUTSIDE_MODEL_METHODS.has(name))
      return new PyBuiltin(name, (_a, _kw, site) => {
        throw new OutsideSubset(
          `\`Model.${name}\` is not modelled by tgraph (training loops, evaluation and saving are Keras' own)`,
          site.span,
        );
      });
    return undefined;
  }
}

function shapeTuple(node: Node): PyValue {
  return new PyTuple((node.type.shape ?? []).map((d) => (d === null ? null : BigInt(d))));
}

function layerName(layer: PyObject): string {
  if (layer instanceof InputLayer || layer instanceof FunctionalModel || layer instanceof TFOpLambda) return layer.name;
  return kerasLayerName(layer) ?? layer.typeName;
}

/** `tf.keras.Model(inputs, outputs, name)` (and `tf.keras.models.Model`). */
export function modelClass(rt: Interpreter): PyBuiltin {
  return new PyBuiltin('tf.keras.Model', (a, kw, site) => {
    const p = bindArgs('Model', ['inputs', 'outputs', 'name', 'trainable'], a, kw, site);
    if (!p.has('inputs') || !p.has('outputs'))
      throw new OutsideSubset(
        "`tf.keras.Model()` without inputs and outputs (a subclassed model) is outside tgraph's subset: build it with `tf.keras.Model(inputs=..., outputs=...)`",
        site.span,
      );
    const inputs = p.get('inputs');
    const outputs = p.get('outputs');
    checkExpandable(inputs, p.span('inputs'), rt.rt.budgets.maxElements, "a model's inputs");
    checkExpandable(outputs, p.span('outputs'), rt.rt.budgets.maxElements, "a model's outputs");
    for (const t of tensorsIn(inputs))
      if (!INPUT_LAYERS.has(t.node))
        throw pyError(
          'ValueError',
          'Model inputs must come from `tf.keras.Input`: this tensor is not an input of the model',
          p.span('inputs'),
        );
    const outputTensors = tensorsIn(outputs);
    if (outputTensors.length === 0 || outputTensors.some((t) => !isSymbolic(t.node)))
      throw pyError('ValueError', "Model outputs must be tensors computed from the model's `tf.keras.Input`s", p.span('outputs'));
    const name = p.get('name', null);
    const model = new FunctionalModel(inputs, outputs, typeof name === 'string' ? name : uniqueName(rt.rt, 'model'), rt.rt);
    // Every input the outputs need is one of the model's (Keras' "Graph disconnected").
    const own = new Set(model.inputNodes());
    for (const layer of model.layers)
      if (layer instanceof InputLayer && !own.has(layer.node))
        throw pyError(
          'ValueError',
          `Graph disconnected: cannot obtain value for tensor ${kerasTensorRepr(rt.rt, layer.node)} at layer "${layer.name}". The following previous layers were accessed without issue: []`,
          p.span('inputs'),
        );
    return model;
  });
}

/** The hover and the report of a name bound to a symbolic tensor say why it has no value. */
export function describeKerasTensors(rt: Runtime): void {
  if (!RECORDING.has(rt) || !isEager(rt)) return;
  for (const b of rt.bindings)
    if (b.describe === undefined && b.value.kind === 'tensor' && isSymbolic(b.value.node))
      b.describe = 'a Keras symbolic tensor (from `tf.keras.Input`): no value until a model is called on real inputs';
}

/** `tf.keras.models`: Model and Sequential. */
export function kerasModelsModule(rt: Interpreter, sequential: () => PyValue): PyModule {
  return new PyModule('tensorflow.keras.models', (name) =>
    name === 'Model' ? modelClass(rt) : name === 'Sequential' ? sequential() : undefined,
  );
}
