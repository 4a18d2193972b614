// The arguments Keras layers pass to registry ops, and the constructor arguments they read the
// same way (statelessLayers.ts, weightedLayers.ts).

import type { Span } from '../../syntax/ast';
import type { Node } from '../../graph';
import type { CallArg } from '../../values';
import type { CallSite, PyValue } from '../values';
import { OutsideSubset, pyError } from '../errors';
import type { Interpreter } from '../interpreter';
import type { BoundPyArgs } from '../signature';
import { toGraphValue } from './tensor';
import type { MakeInitializer } from './weightedLayers';

export function positional(rt: Interpreter, v: PyValue, span: Span): CallArg {
  return { value: toGraphValue(rt, v, span), span };
}

export function nodeArg(node: Node, span: Span): CallArg {
  return { value: { kind: 'tensor', node }, span };
}

export function keyword(rt: Interpreter, name: string, v: PyValue, span: Span): CallArg {
  return { value: toGraphValue(rt, v, span), span, keyword: { name, span } };
}

/** An int or a pair of ints, as Keras' kernel_size, pool_size, strides and dilation_rate. */
export function intPair(rt: Interpreter, v: PyValue, span: Span): number[] {
  return intTuple(rt, v, 2, span);
}

/** An int or a tuple of `n` ints (one per spatial axis of a 1-D or 2-D layer). */
export function intTuple(rt: Interpreter, v: PyValue, n: number, span: Span): number[] {
  if (typeof v === 'bigint') return Array.from({ length: n }, () => rt.rt.indexValue(v, span));
  const items = rt.iterate(v, span);
  if (items.length !== n)
    throw pyError('ValueError', `expected an int or a tuple of ${n} int${n === 1 ? '' : 's'}, got ${items.length} values`, span);
  return items.map((x) => rt.rt.indexValue(x, span));
}

export function channelsLastOnly(p: BoundPyArgs, layer: string): void {
  const format = p.get('data_format', null);
  if (format !== null && format !== 'channels_last')
    throw new OutsideSubset(
      `${layer}(data_format=${JSON.stringify(format)}) is not modelled by tgraph (channels_last only)`,
      p.span('data_format'),
    );
}

/** The size of the input's last axis (the channels or features a layer's weights are sized by). */
export function lastAxis(input: Node, layer: string, span: Span): number {
  const shape = input.type.shape;
  const last = shape && shape.length ? shape[shape.length - 1] : null;
  if (last === null)
    throw pyError('ValueError', `The last dimension of the inputs to \`${layer}\` should be defined. Found \`None\`.`, span);
  return last;
}

/** `activation(y)`, or y for no activation. */
export function withActivation(rt: Interpreter, y: PyValue, activation: PyValue, site: CallSite): PyValue {
  return activation === null ? y : rt.call(activation, [y], [], site);
}

/** A layer's bias of `size` (bias_initializer, zeros by default), unless `use_bias=False`. */
export function optionalBias(
  p: BoundPyArgs,
  init: MakeInitializer,
  size: number,
): { name: string; shape: number[]; initializer: PyValue; span: Span }[] {
  if (p.get('use_bias', true) === false) return [];
  return [
    {
      name: 'bias',
      shape: [size],
      initializer: init(p.get('bias_initializer', null), 'zeros', p.span('bias_initializer')),
      span: p.span('bias_initializer'),
    },
  ];
}

/** Keras' check of an input's rank where a layer needs one (`scope`: the layer's name in the
 *  message); an unknown rank passes. */
export function expectRank(x: Node, rank: number, scope: string, span: Span): void {
  const shape = x.type.shape;
  if (shape !== null && shape.length !== rank)
    throw pyError(
      'ValueError',
      `Input 0 of layer "${scope}" is incompatible with the layer: expected ndim=${rank}, found ndim=${shape.length}`,
      span,
    );
}

/** The penalties and constraints Keras layers take on their weights (none is modelled). */
export const WEIGHT_PENALTIES = ['kernel_regularizer', 'bias_regularizer', 'activity_regularizer', 'kernel_constraint', 'bias_constraint'];

/** Refuses a penalty or constraint given to `layer`, where it is given. */
export function noWeightPenalties(p: BoundPyArgs, layer: string): void {
  for (const k of WEIGHT_PENALTIES)
    if (p.get(k, null) !== null) throw new OutsideSubset(`${layer}(${k}=...) is not modelled by tgraph`, p.span(k));
}
