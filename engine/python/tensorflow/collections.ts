// TensorFlow 1's graph collections as scripts read them — tf.get_collection(tf.GraphKeys.UPDATE_OPS)
// holds batch normalization's moving-average updates — and tf.control_dependencies, whose ops
// (an optimizer's step made inside it) run those updates too.

import type { Span } from '../../syntax/ast';
import { PyList, PyModule, PyObject, type PyValue } from '../values';
import { pyError } from '../errors';
import type { Interpreter } from '../interpreter';
import type { Runtime } from '../runtime';
import { PyOperation, variablesOf } from './variables';

interface CollectionState {
  /** Moving-average updates made by layers called in training, in creation order. */
  updateOps: PyOperation[];
  /** The `tf.control_dependencies` blocks open, innermost last. */
  dependencies: PyValue[][];
}

const states = new WeakMap<Runtime, CollectionState>();
function stateOf(rt: Runtime): CollectionState {
  let s = states.get(rt);
  if (!s) {
    s = { updateOps: [], dependencies: [] };
    states.set(rt, s);
  }
  return s;
}

export function addUpdateOp(rt: Runtime, op: PyOperation): void {
  stateOf(rt).updateOps.push(op);
}

/** What the ops made now must run first: every open `tf.control_dependencies` block's. */
export function controlInputs(rt: Runtime): PyValue[] {
  return stateOf(rt).dependencies.flat();
}

const GRAPH_KEYS: Record<string, string> = {
  UPDATE_OPS: 'update_ops',
  TRAINABLE_VARIABLES: 'trainable_variables',
  GLOBAL_VARIABLES: 'variables',
  MODEL_VARIABLES: 'model_variables',
  LOCAL_VARIABLES: 'local_variables',
  LOSSES: 'losses',
  REGULARIZATION_LOSSES: 'regularization_losses',
  SUMMARIES: 'summaries',
};

export function graphKeysModule(): PyModule {
  return new PyModule('tensorflow.GraphKeys', (name) => (Object.hasOwn(GRAPH_KEYS, name) ? GRAPH_KEYS[name] : undefined));
}

/** tf.get_collection(key, scope=None): a new list; `scope` keeps the items whose name starts
 *  with it (TensorFlow matches it as a regular expression at the name's start). */
export function getCollection(rt: Runtime, key: PyValue, scope: PyValue, keySpan: Span): PyList {
  if (typeof key !== 'string') throw pyError('TypeError', 'get_collection(): the key must be a string (a tf.GraphKeys name)', keySpan);
  const s = stateOf(rt);
  const items: { name: string; value: PyValue }[] =
    key === 'update_ops'
      ? s.updateOps.map((op) => ({ name: op.name, value: op }))
      : key === 'trainable_variables' || key === 'variables' || key === 'model_variables'
        ? variablesOf(rt)
            .filter((v) => key !== 'trainable_variables' || v.trainable)
            .map((v) => ({ name: v.name, value: v }))
        : [];
  const prefix = typeof scope === 'string' ? scope : null;
  return new PyList(items.filter((i) => prefix === null || i.name.startsWith(prefix)).map((i) => i.value));
}

/** `with tf.control_dependencies([...]):` */
export class ControlDependencies extends PyObject {
  constructor(
    private readonly rt: Runtime,
    private readonly inputs: PyValue[],
  ) {
    super();
  }
  get typeName(): string {
    return 'control_dependencies';
  }
  override enter(): PyValue {
    stateOf(this.rt).dependencies.push(this.inputs);
    return null;
  }
  override exit(_rt?: Interpreter): void {
    stateOf(this.rt).dependencies.pop();
  }
}
