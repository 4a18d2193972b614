// `tf.keras.backend` (also `from tensorflow.keras import backend as K`): reading and writing a
// variable's value from Python (`K.get_value(model.optimizer.learning_rate)`,
// `K.set_value(v, 0.5)`), as Keras does: eagerly its value and its assign; in a TF 1.x graph
// the variable's value in the default session, and an assignment run there at once.

import { type CallSite, PyBuiltin, PyList, PyModule, PyTuple, type PyValue } from '../values';
import { pyError } from '../errors';
import type { Interpreter } from '../interpreter';
import { args as bindArgs } from '../signature';
import { NDArray } from '../numpy/ndarray';
import { convertToArray } from '../numpy/convert';
import { isEager } from './eager';
import { PyOperation } from './variables';
import { evalTensor } from './session';

function getValue(interp: Interpreter, x: PyValue, site: CallSite): PyValue {
  if (x instanceof NDArray) return x;
  if (typeof x === 'number' || typeof x === 'bigint' || typeof x === 'boolean') return convertToArray(interp, x, site.span);
  if (isEager(interp.rt)) return interp.call(interp.getAttr(x, 'numpy', site.span), [], [], site);
  return evalTensor(interp, x, [], [], site);
}

function setValue(interp: Interpreter, x: PyValue, value: PyValue, site: CallSite): null {
  const assigned = interp.call(interp.getAttr(x, 'assign', site.span), [value], [], site);
  // In a graph the assignment is an op: Keras runs it in its session at once.
  if (!isEager(interp.rt) && assigned instanceof PyOperation) evalTensor(interp, assigned, [], [], site);
  return null;
}

export function kerasBackendModule(interp: Interpreter): PyModule {
  const fn = (name: string, params: string[], body: (p: ReturnType<typeof bindArgs>, site: CallSite) => PyValue) =>
    new PyBuiltin(`tf.keras.backend.${name}`, (a, kw, site) => body(bindArgs(name, params, a, kw, site), site));
  const pairs = (v: PyValue, site: CallSite) =>
    interp.iterate(v, site.span).map((t) => {
      const pair = interp.iterate(t, site.span);
      if (pair.length !== 2) throw pyError('ValueError', 'batch_set_value takes (variable, value) pairs', site.span);
      return pair;
    });
  const functions: Record<string, PyBuiltin> = {
    get_value: fn('get_value', ['x'], (p, site) => getValue(interp, p.get('x'), site)),
    set_value: fn('set_value', ['x', 'value'], (p, site) => setValue(interp, p.get('x'), p.get('value'), site)),
    batch_get_value: fn(
      'batch_get_value',
      ['tensors'],
      (p, site) => new PyList(interp.iterate(p.get('tensors'), site.span).map((t) => getValue(interp, t, site))),
    ),
    batch_set_value: fn('batch_set_value', ['tuples'], (p, site) => {
      for (const [x, value] of pairs(p.get('tuples'), site)) setValue(interp, x, value, site);
      return null;
    }),
    epsilon: fn('epsilon', [], () => 1e-7),
    floatx: fn('floatx', [], () => 'float32'),
    image_data_format: fn('image_data_format', [], () => 'channels_last'),
    clear_session: fn('clear_session', ['free_memory'], () => null),
    int_shape: fn('int_shape', ['x'], (p, site) => {
      const shape = interp.getAttr(p.get('x'), 'shape', site.span);
      return new PyTuple(interp.iterate(shape, site.span));
    }),
  };
  return new PyModule('tensorflow.keras.backend', (name) => functions[name]);
}
