// Keras' implicit masks: `Embedding(mask_zero=True)` and `Masking(mask_value=…)` give their
// output a [batch, steps] mask of the steps that are real, and the layers after them read it
// without being told — the recurrent layers carry their state over masked steps,
// GlobalAveragePooling1D averages the real steps only, the attention layers do not attend to
// masked positions — or pass it on (Dense, Dropout, the activations, LayerNormalization,
// TimeDistributed, a recurrent layer returning its sequence), or drop it (every other layer,
// as Keras' layers that do not support masking). Keras keeps the mask on the output tensor
// (`_keras_mask`); here it is kept beside the output's graph node.

import type { Span } from '../../syntax/ast';
import type { Node } from '../../graph';
import { PyList, PyTuple, type PyValue } from '../values';
import type { Interpreter } from '../interpreter';
import type { BoundPyArgs } from '../signature';
import { GraphTensor, toGraphValue } from './tensor';
import { Ops } from './losses';

const MASKS = new WeakMap<Node, Node>();

/** The mask a layer gave this tensor (bool [batch, steps]), if any. */
export function maskOf(v: PyValue): Node | null {
  return v instanceof GraphTensor ? (MASKS.get(v.node) ?? null) : null;
}

/** The mask a layer gave the tensor of this node, if any. */
export function nodeMask(node: Node): Node | null {
  return MASKS.get(node) ?? null;
}

/** `tensor._keras_mask`: the mask a layer gave it, or None. */
export function kerasMaskAttribute(rt: Interpreter, node: Node): PyValue {
  const mask = MASKS.get(node);
  return mask ? new GraphTensor(mask, rt.rt) : null;
}

/** The layer's output `v` with `mask` kept beside it (the first item of a list of outputs, as
 *  Keras masks a recurrent layer's output and not its states). */
export function withMask(v: PyValue, mask: Node | null): PyValue {
  if (mask === null) return v;
  const first = v instanceof PyList || v instanceof PyTuple ? v.items[0] : v;
  if (first instanceof GraphTensor && first.node !== mask) MASKS.set(first.node, mask);
  return v;
}

/** A mask as bool (Keras casts one given as numbers). */
export function boolMask(rt: Interpreter, v: PyValue, span: Span): Node {
  const node = rt.rt.b.toTensor(toGraphValue(rt, v, span), span);
  return node.type.dtype === 'bool' ? node : new Ops(rt, span).call('not_equal', [node, 0]);
}

/** The mask a layer call uses: its `mask` argument when given, else the inputs' own (Keras
 *  fills `mask` from the inputs when the call takes one). */
export function callMask(rt: Interpreter, call: BoundPyArgs, inputs: PyValue): Node | null {
  if (call.has('mask') && call.get('mask', null) !== null) return boolMask(rt, call.get('mask'), call.span('mask'));
  return maskOf(inputs);
}

/** The masks of a list of inputs, one per input (null where it has none), as Keras collects
 *  them for a layer called on a list; null when no input has one. */
export function inputMasks(rt: Interpreter, call: BoundPyArgs, inputs: PyValue, span: Span): (Node | null)[] | null {
  if (call.has('mask') && call.get('mask', null) !== null)
    return rt.iterate(call.get('mask'), call.span('mask')).map((m) => (m === null ? null : boolMask(rt, m, call.span('mask'))));
  const masks = rt.iterate(inputs, span).map(maskOf);
  return masks.some((m) => m !== null) ? masks : null;
}

/** Where the mask is true, `kept`; elsewhere `otherwise` (the mask [batch] of one step,
 *  broadcast over the features). */
export function whereStep(o: Ops, stepMask: Node, kept: Node, otherwise: Node): Node {
  // [batch] against [batch, units] (ConvLSTM2D's states: [batch, rows, columns, filters]).
  let mask = stepMask;
  for (let axis = 1; axis < (kept.type.shape?.length ?? 2); axis++) mask = o.call('expand_dims', [mask], { axis: -1 });
  return o.call('where', [mask, kept, otherwise]);
}
