// Keras' recurrent layers — SimpleRNN, LSTM, GRU — unrolled over the known number of steps
// with registry ops, so values, gradients and their explanations are those of the ops. The
// weights and gate orders are Keras': LSTM's kernel, recurrent_kernel and bias hold the input,
// forget, cell and output gates side by side; GRU's the update, reset and candidate ones, with
// a separate recurrent bias (reset_after=True, TensorFlow 2's default). With go_backwards the
// steps are taken from the last (wrapperLayers.ts' Bidirectional runs such a copy).

import type { Span } from '../../syntax/ast';
import type { Node } from '../../graph';
import { lookupOp } from '../../ops/registry';
import { checkedSize } from '../../ops/sources';
import { type CallSite, PyList, PyTuple, type PyValue } from '../values';
import { OutsideSubset, pyError } from '../errors';
import { Poisoned } from '../../builder';
import type { Interpreter } from '../interpreter';
import type { BoundPyArgs } from '../signature';
import { GraphTensor, tfShape, toGraphValue } from './tensor';
import { Ops } from './losses';
import { expectRank } from './layerArgs';
import { whereStep } from './kerasMasks';
import { PyInitializer, type PyVariable } from './variables';
import type { LayerKind, MakeInitializer, Activation } from './weightedLayers';

type Cell = 'SimpleRNN' | 'LSTM' | 'GRU';
const GATES: Record<Cell, number> = { SimpleRNN: 1, LSTM: 4, GRU: 3 };

export const RECURRENT_PARAMS = [
  'units',
  'activation',
  'recurrent_activation',
  'use_bias',
  'kernel_initializer',
  'recurrent_initializer',
  'bias_initializer',
  'unit_forget_bias',
  'kernel_regularizer',
  'recurrent_regularizer',
  'bias_regularizer',
  'activity_regularizer',
  'kernel_constraint',
  'recurrent_constraint',
  'bias_constraint',
  'dropout',
  'recurrent_dropout',
  'return_sequences',
  'return_state',
  'go_backwards',
  'stateful',
  'unroll',
  'time_major',
  'reset_after',
  // Keras' RNN keyword: masked steps output zeros instead of the previous output
  // (Bidirectional sets it to return_sequences).
  'zero_output_for_mask',
];

/** Columns [start, start + size) of a [batch, n] tensor. */
function columns(rt: Interpreter, x: Node, start: number, size: number, span: Span): Node {
  const list = (a: number[]) => ({ value: toGraphValue(rt, new PyList(a.map(BigInt)), span), span });
  const r = rt.rt.b.call(lookupOp('slice')!, [{ value: { kind: 'tensor', node: x }, span }, list([0, start]), list([-1, size])], span);
  if (r.kind !== 'tensor') throw new Poisoned();
  return r.node;
}

/** x[index] along `axis` (tf.gather with an int index: that axis dropped). */
function at(rt: Interpreter, x: Node, index: number, axis: number, span: Span): Node {
  const r = rt.rt.b.call(
    lookupOp('gather')!,
    [
      { value: { kind: 'tensor', node: x }, span },
      { value: toGraphValue(rt, BigInt(index), span), span },
      { value: toGraphValue(rt, BigInt(axis), span), span, keyword: { name: 'axis', span } },
    ],
    span,
  );
  if (r.kind !== 'tensor') throw new Poisoned();
  return r.node;
}

/** tf.stack(steps, axis=1): [batch, steps, units]. */
function stacked(rt: Interpreter, steps: Node[], span: Span): Node {
  const r = rt.rt.b.call(
    lookupOp('stack')!,
    [
      { value: { kind: 'list', items: steps.map((node) => ({ kind: 'tensor' as const, node })) }, span },
      { value: toGraphValue(rt, 1n, span), span, keyword: { name: 'axis', span } },
    ],
    span,
  );
  if (r.kind !== 'tensor') throw new Poisoned();
  return r.node;
}

export function recurrent(cell: Cell, init: MakeInitializer, activation: Activation): LayerKind {
  const scope = cell === 'SimpleRNN' ? 'simple_rnn' : cell.toLowerCase();
  return {
    name: cell,
    scope,
    weights: (rt, x, p, site) => {
      expectRank(x, 3, scope, site.span);
      const shape = x.type.shape;
      for (const k of ['stateful', 'time_major'])
        if (p.get(k, false) === true) throw new OutsideSubset(`${cell}(${k}=True) is not modelled by tgraph`, p.span(k));
      if (cell === 'GRU' && p.get('reset_after', true) === false)
        throw new OutsideSubset('GRU(reset_after=False) is not modelled by tgraph', p.span('reset_after'));
      const units = rt.rt.indexValue(p.get('units'), p.span('units'));
      const width = GATES[cell] * units;
      const inputs = shape?.[2];
      if (inputs === null || inputs === undefined)
        throw pyError('ValueError', `The last dimension of the inputs to \`${cell}\` should be defined. Found \`None\`.`, site.span);
      // The largest weight, refused at `units` before any initial value is made: the forget
      // bias below is a Python list of its width.
      checkedSize(rt.rt.b, [units, width], p.span('units'), `${cell}'s recurrent kernel`);
      let bias = init(p.get('bias_initializer', null), 'zeros', p.span('bias_initializer'));
      if (cell === 'LSTM' && p.get('unit_forget_bias', true) !== false) {
        if (p.get('bias_initializer', null) !== null && p.get('bias_initializer') !== 'zeros')
          throw new OutsideSubset(
            'LSTM(bias_initializer=...) with unit_forget_bias=True is not modelled by tgraph (set the bias with set_weights)',
            p.span('bias_initializer'),
          );
        // Keras' forget-gate bias of 1, the other gates' 0.
        const value = Array.from({ length: width }, (_, i) => (i >= units && i < 2 * units ? 1 : 0));
        bias = new PyInitializer('constant', { value: new PyList(value) });
      }
      return [
        {
          name: 'kernel',
          shape: [inputs, width],
          initializer: init(p.get('kernel_initializer', null), 'glorot_uniform', p.span('kernel_initializer')),
          span: p.span('kernel_initializer'),
        },
        {
          name: 'recurrent_kernel',
          // Keras' orthogonal (seeded samples of tgraph's stream, as every random initializer).
          shape: [units, width],
          initializer: init(p.get('recurrent_initializer', null), 'orthogonal', p.span('recurrent_initializer')),
          span: p.span('recurrent_initializer'),
        },
        ...(p.get('use_bias', true) !== false
          ? [{ name: 'bias', shape: cell === 'GRU' ? [2, width] : [width], initializer: bias, span: p.span('bias_initializer') }]
          : []),
      ];
    },
    // The sequence keeps the input's mask; the last output and the states have none.
    outputMask: (_rt, _x, mask, p) => (p.get('return_sequences', false) === true ? mask : null),
    callParams: ['inputs', 'mask', 'training', 'initial_state'],
    apply: (rt, x, w, p, site, training, _flag, call, mask) => {
      if (training && ['dropout', 'recurrent_dropout'].some((k) => Number(p.get(k, 0) ?? 0) !== 0))
        throw new OutsideSubset(`${cell} dropout in training is not modelled by tgraph`, site.span);
      const initial = initialStates(rt, cell, call, rt.rt.indexValue(p.get('units'), p.span('units')));
      return unrolled(rt, cell, x, w, p, site, activation, mask, initial);
    },
  };
}

/** The call's initial_state: a tensor or a list of them, [h] (LSTM: [h, c]) each [batch,
 *  units]; null for zeros. */
function initialStates(rt: Interpreter, cell: Cell, call: BoundPyArgs, units: number): Node[] | null {
  const given = call.get('initial_state', null);
  if (given === null) return null;
  const span = call.span('initial_state');
  const items = given instanceof PyList || given instanceof PyTuple ? given.items : [given];
  const count = cell === 'LSTM' ? 2 : 1;
  if (items.length !== count)
    throw pyError(
      'ValueError',
      `An initial_state was passed that is not compatible with \`cell.state_size\`: ${cell} has ${count} state${count === 1 ? '' : 's'}, got ${items.length}`,
      span,
    );
  return items.map((v) => {
    const node = rt.rt.b.toTensor(toGraphValue(rt, v, span), span);
    const shape = node.type.shape;
    if (shape !== null && (shape.length !== 2 || (shape[1] !== null && shape[1] !== units)))
      throw pyError('ValueError', `${cell}: each initial state should be [batch, ${units}], got ${tfShape(shape)}`, span);
    return node;
  });
}

function unrolled(
  rt: Interpreter,
  cell: Cell,
  x: Node,
  w: Map<string, PyVariable>,
  p: BoundPyArgs,
  site: CallSite,
  activation: Activation,
  mask: Node | null,
  initial: Node[] | null,
): PyValue {
  const o = new Ops(rt, site.span);
  const steps = x.type.shape?.[1];
  if (steps === null || steps === undefined)
    throw new OutsideSubset(`${cell} over a number of steps known only at run time is not modelled by tgraph`, site.span);
  if (mask && (mask.type.shape?.length ?? 2) !== 2)
    throw pyError('ValueError', `${cell}: the mask should be [batch, steps], got rank ${mask.type.shape!.length}`, site.span);
  const zeroOutput = p.get('zero_output_for_mask', false) === true;
  const units = rt.rt.indexValue(p.get('units'), p.span('units'));
  const act = (name: string, fallback: string) => {
    const f = activation(rt, p.get(name, fallback) ?? 'linear', p.span(name));
    return (v: Node) =>
      f === null ? v : rt.rt.b.toTensor(toGraphValue(rt, rt.call(f, [new GraphTensor(v, rt.rt)], [], site), site.span), site.span);
  };
  const squash = act('activation', 'tanh');
  const gate = act('recurrent_activation', 'sigmoid');
  const kernel = w.get('kernel')!.node;
  const recurrentKernel = w.get('recurrent_kernel')!.node;
  const bias = w.get('bias')?.node ?? null;
  const gates = (z: Node, k: number) => columns(rt, z, k * units, units, site.span);
  let h: Node | null = initial?.[0] ?? null;
  let c: Node | null = initial?.[1] ?? null;
  const outputs: Node[] = [];
  for (let t = 0; t < steps; t++) {
    // Each step is an unrolled iteration, within the same budget as the user's loops.
    rt.countIteration(site.span);
    // go_backwards: the steps from the last, the outputs in that order (as Keras returns them).
    const step = p.get('go_backwards', false) === true ? steps - 1 - t : t;
    const xt = at(rt, x, step, 1, site.span);
    const [hBefore, cBefore] = [h, c];
    let inputPart = o.call('matmul', [xt, kernel]);
    if (cell === 'GRU') {
      // reset_after: the recurrent bias is added before the reset gate scales the candidate's part.
      if (bias) inputPart = o.call('add', [inputPart, at(rt, bias, 0, 0, site.span)]);
      let inner: Node | null = h ? o.call('matmul', [h, recurrentKernel]) : null;
      if (bias) inner = inner ? o.call('add', [inner, at(rt, bias, 1, 0, site.span)]) : at(rt, bias, 1, 0, site.span);
      const part = (k: number) => gates(inputPart, k);
      const innerPart = (k: number) =>
        inner
          ? columns(rt, inner.type.shape!.length === 1 ? o.call('expand_dims', [inner], { axis: 0 }) : inner, k * units, units, site.span)
          : null;
      const plus = (a: Node, b: Node | null) => (b ? o.call('add', [a, b]) : a);
      const update = gate(plus(part(0), innerPart(0)));
      const reset = gate(plus(part(1), innerPart(1)));
      const recurrentCandidate = innerPart(2);
      const candidate = squash(recurrentCandidate ? o.call('add', [part(2), o.call('multiply', [reset, recurrentCandidate])]) : part(2));
      const fresh = o.call('multiply', [o.call('subtract', [1, update]), candidate]);
      h = h ? o.call('add', [o.call('multiply', [update, h]), fresh]) : fresh;
    } else {
      let z = h ? o.call('add', [inputPart, o.call('matmul', [h, recurrentKernel])]) : inputPart;
      if (bias) z = o.call('add', [z, bias]);
      if (cell === 'SimpleRNN') h = squash(z);
      else {
        const kept = gate(gates(z, 0));
        const written = o.call('multiply', [kept, squash(gates(z, 2))]);
        c = c ? o.call('add', [o.call('multiply', [gate(gates(z, 1)), c]), written]) : written;
        h = o.call('multiply', [gate(gates(z, 3)), squash(c)]);
      }
    }
    if (mask) {
      // A masked step leaves the states as they were and outputs the previous output (zeros
      // before the first real step, or always with zero_output_for_mask).
      const kept = at(rt, mask, step, 1, site.span);
      const fresh = h!;
      const zeros = () => o.call('zeros_like', [fresh]);
      h = whereStep(o, kept, fresh, hBefore ?? zeros());
      if (c) c = whereStep(o, kept, c, cBefore ?? o.call('zeros_like', [c]));
      const previous = zeroOutput ? null : (outputs[outputs.length - 1] ?? null);
      outputs.push(whereStep(o, kept, fresh, previous ?? zeros()));
      continue;
    }
    outputs.push(h);
  }
  const last = mask ? outputs[outputs.length - 1] : h!;
  const output = p.get('return_sequences', false) === true ? stacked(rt, outputs, site.span) : last;
  const tensor = (n: Node) => new GraphTensor(n, rt.rt);
  if (p.get('return_state', false) !== true) return tensor(output);
  return new PyList([tensor(output), tensor(h!), ...(cell === 'LSTM' ? [tensor(c!)] : [])]);
}
