// Keras' recurrent layers — SimpleRNN, LSTM, GRU, their cells (called directly, or by RNN,
// alone or stacked) — unrolled over the known number of steps with registry ops, so values, gradients and their explanations are those of the ops. The
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
import { GraphTensor, callOp, tfShape, toGraphValue } from './tensor';
import { Ops } from './losses';
import { expectRank, intTuple, keyword, lastAxis, nodeArg, positional } from './layerArgs';
import { whereStep } from './kerasMasks';
import { PyInitializer, type PyVariable } from './variables';
import type { LayerKind, MakeInitializer, Activation } from './weightedLayers';

type WeightSpec = ReturnType<LayerKind['weights']>[number];

type Cell = 'SimpleRNN' | 'LSTM' | 'GRU';
const GATES: Record<Cell, number> = { SimpleRNN: 1, LSTM: 4, GRU: 3 };

const INITIALIZERS = ['kernel_initializer', 'recurrent_initializer', 'bias_initializer'];
const REGULARIZERS = ['kernel_regularizer', 'recurrent_regularizer', 'bias_regularizer'];
const CONSTRAINTS = ['kernel_constraint', 'recurrent_constraint', 'bias_constraint'];
const DROPOUTS = ['dropout', 'recurrent_dropout'];
const LOOP = ['return_sequences', 'return_state', 'go_backwards', 'stateful', 'unroll', 'time_major'];
// Keras' RNN keyword: masked steps output zeros instead of the previous output (Bidirectional
// sets it to return_sequences).
const ZERO_OUTPUT = 'zero_output_for_mask';

// The gated cells' first parameters.
const GATED = ['units', 'activation', 'recurrent_activation', 'use_bias', ...INITIALIZERS];

/** The layers' constructor parameters, in Keras' order. */
export const RECURRENT_PARAMS = [
  ...GATED,
  'unit_forget_bias',
  ...REGULARIZERS,
  'activity_regularizer',
  ...CONSTRAINTS,
  ...DROPOUTS,
  ...LOOP,
  'reset_after',
  ZERO_OUTPUT,
];

/** The cells' constructor parameters, in Keras' order. */
export const CELL_PARAMS: Record<Cell, string[]> = {
  SimpleRNN: ['units', 'activation', 'use_bias', ...INITIALIZERS, ...REGULARIZERS, ...CONSTRAINTS, ...DROPOUTS],
  LSTM: [...GATED, 'unit_forget_bias', ...REGULARIZERS, ...CONSTRAINTS, ...DROPOUTS],
  GRU: [...GATED, ...REGULARIZERS, ...CONSTRAINTS, ...DROPOUTS, 'reset_after'],
};

/** RNN's parameters after the cell. */
export const RNN_LOOP_PARAMS = [...LOOP, ZERO_OUTPUT];

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

/** The weights of a cell reading `inputs` features: Keras' names, shapes and initializers. */
function cellWeights(rt: Interpreter, cell: Cell, inputs: number, p: BoundPyArgs, init: MakeInitializer): WeightSpec[] {
  if (cell === 'GRU' && p.get('reset_after', true) === false)
    throw new OutsideSubset('GRU(reset_after=False) is not modelled by tgraph', p.span('reset_after'));
  const units = rt.rt.indexValue(p.get('units'), p.span('units'));
  const width = GATES[cell] * units;
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
}

/** A cell's step: from x_t [batch, in] and its states ([h], LSTM's [h, c]; null where zeros),
 *  its output and new states, as Keras' SimpleRNNCell, LSTMCell and GRUCell compute them. */
interface CellStep {
  readonly units: number;
  readonly stateCount: number;
  step(xt: Node, states: readonly (Node | null)[]): { output: Node; states: Node[] };
}

function cellStep(
  rt: Interpreter,
  cell: Cell,
  w: Map<string, PyVariable>,
  p: BoundPyArgs,
  site: CallSite,
  activation: Activation,
  training: boolean,
): CellStep {
  if (training && ['dropout', 'recurrent_dropout'].some((k) => Number(p.get(k, 0) ?? 0) !== 0))
    throw new OutsideSubset(`${cell} dropout in training is not modelled by tgraph`, site.span);
  const o = new Ops(rt, site.span);
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
  const step = (xt: Node, [h, c]: readonly (Node | null)[]): { output: Node; states: Node[] } => {
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
      const next = h ? o.call('add', [o.call('multiply', [update, h]), fresh]) : fresh;
      return { output: next, states: [next] };
    }
    let z = h ? o.call('add', [inputPart, o.call('matmul', [h, recurrentKernel])]) : inputPart;
    if (bias) z = o.call('add', [z, bias]);
    if (cell === 'SimpleRNN') {
      const next = squash(z);
      return { output: next, states: [next] };
    }
    const kept = gate(gates(z, 0));
    const written = o.call('multiply', [kept, squash(gates(z, 2))]);
    const memory = c ? o.call('add', [o.call('multiply', [gate(gates(z, 1)), c]), written]) : written;
    const next = o.call('multiply', [gate(gates(z, 3)), squash(memory)]);
    return { output: next, states: [next, memory] };
  };
  return { units, stateCount: cell === 'LSTM' ? 2 : 1, step };
}

function refuseLoopOptions(p: BoundPyArgs, layer: string): void {
  for (const k of ['stateful', 'time_major'])
    if (p.get(k, false) === true) throw new OutsideSubset(`${layer}(${k}=True) is not modelled by tgraph`, p.span(k));
}

export function recurrent(cell: Cell, init: MakeInitializer, activation: Activation): LayerKind {
  const scope = cell === 'SimpleRNN' ? 'simple_rnn' : cell.toLowerCase();
  return {
    name: cell,
    scope,
    weights: (rt, x, p, site) => {
      expectRank(x, 3, scope, site.span);
      refuseLoopOptions(p, cell);
      const inputs = x.type.shape?.[2];
      if (inputs === null || inputs === undefined)
        throw pyError('ValueError', `The last dimension of the inputs to \`${cell}\` should be defined. Found \`None\`.`, site.span);
      return cellWeights(rt, cell, inputs, p, init);
    },
    // The sequence keeps the input's mask; the last output and the states have none.
    outputMask: (_rt, _x, mask, p) => (p.get('return_sequences', false) === true ? mask : null),
    callParams: ['inputs', 'mask', 'training', 'initial_state'],
    apply: (rt, x, w, p, site, training, _flag, call, mask) => {
      const steps = [cellStep(rt, cell, w, p, site, activation, training)];
      return unrolled(rt, cell, x, steps, p, site, mask, initialStates(rt, cell, call, steps));
    },
  };
}

const CELL_SCOPES: Record<Cell, string> = { SimpleRNN: 'simple_rnn_cell', LSTM: 'lstm_cell', GRU: 'gru_cell' };

/** The cell of a `<Cell>Cell` layer kind's name. */
export function cellOf(kind: LayerKind): Cell | null {
  const cell = kind.name.endsWith('Cell') ? kind.name.slice(0, -'Cell'.length) : '';
  return Object.hasOwn(GATES, cell) ? (cell as Cell) : null;
}

/** SimpleRNNCell, LSTMCell, GRUCell called directly on (inputs [batch, in], states): Keras'
 *  (output, new states), the states a list as given (SimpleRNN's and GRU's a tensor when a
 *  tensor was given). */
export function recurrentCell(cell: Cell, init: MakeInitializer, activation: Activation): LayerKind {
  const name = `${cell}Cell`;
  return {
    name,
    scope: CELL_SCOPES[cell],
    callParams: ['inputs', 'states', 'training'],
    weights: (rt, x, p, site) => {
      expectRank(x, 2, CELL_SCOPES[cell], site.span);
      return cellWeights(rt, cell, lastAxis(x, name, site.span), p, init);
    },
    apply: (rt, x, w, p, site, training, _flag, call) => {
      const step = cellStep(rt, cell, w, p, site, activation, training);
      const given = call.get('states', null);
      const nested = given instanceof PyList || given instanceof PyTuple;
      const states = given === null ? null : stateNodes(rt, name, nested ? given.items : [given], [step], call.span('states'));
      const { output, states: next } = step.step(x, states ?? [null, null]);
      const tensor = (n: Node) => new GraphTensor(n, rt.rt);
      return new PyTuple([tensor(output), nested || cell === 'LSTM' ? new PyList(next.map(tensor)) : tensor(next[0])]);
    },
  };
}

/** What RNN needs of a cell layer (weightedLayers.ts' WeightedLayer). */
export interface CellLayer {
  readonly kind: LayerKind;
  readonly p: BoundPyArgs;
  readonly scopeBase: string;
  weights: Map<string, PyVariable> | null;
}

/** RNN(cell) and RNN([cells]) (StackedRNNCells): the cells' steps in turn at each step, each
 *  cell's output the next one's input, the states every cell's in order. The cells' weights are
 *  the RNN's, named as Keras names them (rnn/lstm_cell/kernel, or rnn/stacked_rnn_cells/
 *  lstm_cell_1/kernel), and the cell objects hold them too. */
export function recurrentNetwork(cells: readonly CellLayer[], stacked: boolean, activation: Activation, init: MakeInitializer): LayerKind {
  // Cells without a name are numbered within the network, as Keras numbers layers.
  const seen = new Map<string, number>();
  const prefixes = cells.map((c) => {
    const given = c.p.get('name', null);
    let name = typeof given === 'string' ? given : c.scopeBase;
    if (typeof given !== 'string') {
      const n = seen.get(name) ?? 0;
      seen.set(name, n + 1);
      if (n > 0) name = `${name}_${n}`;
    }
    return `${stacked ? 'stacked_rnn_cells/' : ''}${name}/`;
  });
  const cellWeightsOf = (w: Map<string, PyVariable>, i: number) =>
    new Map([...w].filter(([k]) => k.startsWith(prefixes[i])).map(([k, v]) => [k.slice(prefixes[i].length), v]));
  return {
    name: 'RNN',
    scope: 'rnn',
    // Bidirectional's copies: each its own unbuilt cells, configured as these.
    copied: () =>
      recurrentNetwork(
        cells.map((c) => ({ kind: c.kind, p: c.p, scopeBase: c.scopeBase, weights: null })),
        stacked,
        activation,
        init,
      ),
    weights: (rt, x, p, site) => {
      expectRank(x, 3, 'rnn', site.span);
      refuseLoopOptions(p, 'RNN');
      if (cells.some((c) => c.weights !== null))
        throw new OutsideSubset('RNN over a cell that was already called is not modelled by tgraph', site.span);
      let inputs = lastAxis(x, 'RNN', site.span);
      return cells.flatMap((c, i) => {
        const specs = cellWeights(rt, cellOf(c.kind)!, inputs, c.p, init);
        inputs = rt.rt.indexValue(c.p.get('units'), c.p.span('units'));
        return specs.map((spec) => ({ ...spec, name: prefixes[i] + spec.name }));
      });
    },
    outputMask: (_rt, _x, mask, p) => (p.get('return_sequences', false) === true ? mask : null),
    callParams: ['inputs', 'mask', 'training', 'initial_state'],
    apply: (rt, x, w, p, site, training, _flag, call, mask) => {
      const steps = cells.map((c, i) => {
        c.weights ??= cellWeightsOf(w, i);
        return cellStep(rt, cellOf(c.kind)!, c.weights, c.p, site, activation, training);
      });
      return unrolled(rt, 'RNN', x, steps, p, site, mask, initialStates(rt, 'RNN', call, steps));
    },
  };
}

/** Given states as nodes, one per state of the steps in turn, each [batch, units] (`rank` 4:
 *  ConvLSTM2D's [batch, rows, columns, filters]). */
function stateNodes(rt: Interpreter, layer: string, items: readonly PyValue[], steps: readonly CellStep[], span: Span, rank = 2): Node[] {
  const sizes = steps.flatMap((s) => Array.from({ length: s.stateCount }, () => s.units));
  if (items.length !== sizes.length)
    throw pyError(
      'ValueError',
      `An initial_state was passed that is not compatible with \`cell.state_size\`: ${layer} has ${sizes.length} state${sizes.length === 1 ? '' : 's'}, got ${items.length}`,
      span,
    );
  return items.map((v, i) => {
    const node = rt.rt.b.toTensor(toGraphValue(rt, v, span), span);
    const shape = node.type.shape;
    if (shape !== null && (shape.length !== rank || (shape[rank - 1] !== null && shape[rank - 1] !== sizes[i])))
      throw pyError(
        'ValueError',
        `${layer}: each initial state should be [batch, ${rank === 2 ? '' : 'rows, columns, '}${sizes[i]}], got ${tfShape(shape)}`,
        span,
      );
    return node;
  });
}

/** The call's initial_state: a tensor or a list of them; null for zeros. */
function initialStates(rt: Interpreter, layer: string, call: BoundPyArgs, steps: readonly CellStep[], rank = 2): Node[] | null {
  const given = call.get('initial_state', null);
  if (given === null) return null;
  const items = given instanceof PyList || given instanceof PyTuple ? given.items : [given];
  return stateNodes(rt, layer, items, steps, call.span('initial_state'), rank);
}

function unrolled(
  rt: Interpreter,
  layer: string,
  x: Node,
  cells: readonly CellStep[],
  p: BoundPyArgs,
  site: CallSite,
  mask: Node | null,
  initial: Node[] | null,
): PyValue {
  const o = new Ops(rt, site.span);
  const steps = x.type.shape?.[1];
  if (steps === null || steps === undefined)
    throw new OutsideSubset(`${layer} over a number of steps known only at run time is not modelled by tgraph`, site.span);
  // TensorFlow's loop reads the first step before it starts: no step is its error, not zeros.
  if (steps === 0)
    throw pyError(
      'InvalidArgumentError',
      `${layer}: the inputs ${tfShape(x.type.shape)} have no time steps (slice index 0 of dimension 1 out of bounds)`,
      site.span,
    );
  if (mask && (mask.type.shape?.length ?? 2) !== 2)
    throw pyError('ValueError', `${layer}: the mask should be [batch, steps], got rank ${mask.type.shape!.length}`, site.span);
  const zeroOutput = p.get('zero_output_for_mask', false) === true;
  let states: (Node | null)[] = initial ?? cells.flatMap((c) => Array.from({ length: c.stateCount }, () => null));
  let last: Node | null = null;
  const outputs: Node[] = [];
  for (let t = 0; t < steps; t++) {
    // Each step is an unrolled iteration, within the same budget as the user's loops.
    rt.countIteration(site.span);
    // go_backwards: the steps from the last, the outputs in that order (as Keras returns them).
    const step = p.get('go_backwards', false) === true ? steps - 1 - t : t;
    let input = at(rt, x, step, 1, site.span);
    let offset = 0;
    const next: Node[] = [];
    for (const cell of cells) {
      const r = cell.step(input, states.slice(offset, offset + cell.stateCount));
      offset += cell.stateCount;
      next.push(...r.states);
      input = r.output;
    }
    if (mask) {
      // A masked step leaves the states as they were and outputs the previous output (zeros
      // before the first real step, or always with zero_output_for_mask).
      const kept = at(rt, mask, step, 1, site.span);
      const fresh = input;
      states = next.map((s, i) => whereStep(o, kept, s, states[i] ?? o.call('zeros_like', [s])));
      const previous = zeroOutput ? null : (outputs[outputs.length - 1] ?? null);
      outputs.push(whereStep(o, kept, fresh, previous ?? o.call('zeros_like', [fresh])));
    } else {
      states = next;
      outputs.push(input);
    }
    last = outputs[outputs.length - 1];
  }
  if (last === null) throw new OutsideSubset(`${layer} over a sequence of no steps is not modelled by tgraph`, site.span);
  const output = p.get('return_sequences', false) === true ? stacked(rt, outputs, site.span) : last;
  const tensor = (n: Node) => new GraphTensor(n, rt.rt);
  if (p.get('return_state', false) !== true) return tensor(output);
  return new PyList([tensor(output), ...states.map((s) => tensor(s!))]);
}

/** ConvLSTM2D's constructor parameters, in Keras' order. */
export const CONV_LSTM_PARAMS = [
  'filters',
  'kernel_size',
  'strides',
  'padding',
  'data_format',
  'dilation_rate',
  'activation',
  'recurrent_activation',
  'use_bias',
  ...INITIALIZERS,
  'unit_forget_bias',
  ...REGULARIZERS,
  'activity_regularizer',
  ...CONSTRAINTS,
  ...LOOP.filter((k) => k !== 'unroll' && k !== 'time_major'),
  ...DROPOUTS,
];

/** ConvLSTM2D over [batch, steps, rows, columns, channels]: Keras' LSTM step with each matrix
 *  product a convolution — the input's with the layer's strides, padding and dilation, the
 *  state's stride 1 and SAME — and the gates (input, forget, cell, output) side by side along
 *  the kernels' last axis. Keras 2's default recurrent activation is hard_sigmoid,
 *  clip(0.2·x + 0.5, 0, 1). */
export function convLstm(init: MakeInitializer, activation: Activation): LayerKind {
  const layer = 'ConvLSTM2D';
  const filtersOf = (rt: Interpreter, p: BoundPyArgs) => rt.rt.indexValue(p.get('filters'), p.span('filters'));
  return {
    name: layer,
    scope: 'conv_lstm2d',
    callParams: ['inputs', 'mask', 'training', 'initial_state'],
    weights: (rt, x, p, site) => {
      expectRank(x, 5, 'conv_lstm2d', site.span);
      for (const k of ['stateful', 'data_format'])
        if (p.get(k, null) !== null && p.get(k) !== false && p.get(k) !== 'channels_last')
          throw new OutsideSubset(`${layer}(${k}=...) is not modelled by tgraph`, p.span(k));
      const filters = filtersOf(rt, p);
      const size = intTuple(rt, p.get('kernel_size'), 2, p.span('kernel_size'));
      const width = 4 * filters;
      checkedSize(rt.rt.b, [...size, filters, width], p.span('filters'), `${layer}'s recurrent kernel`);
      let bias = init(p.get('bias_initializer', null), 'zeros', p.span('bias_initializer'));
      if (p.get('unit_forget_bias', true) !== false && (p.get('bias_initializer', null) ?? 'zeros') === 'zeros')
        bias = new PyInitializer('constant', {
          value: new PyList(Array.from({ length: width }, (_, i) => (i >= filters && i < 2 * filters ? 1 : 0))),
        });
      return [
        {
          name: 'kernel',
          shape: [...size, lastAxis(x, layer, site.span), width],
          initializer: init(p.get('kernel_initializer', null), 'glorot_uniform', p.span('kernel_initializer')),
          span: p.span('kernel_initializer'),
        },
        {
          name: 'recurrent_kernel',
          shape: [...size, filters, width],
          initializer: init(p.get('recurrent_initializer', null), 'orthogonal', p.span('recurrent_initializer')),
          span: p.span('recurrent_initializer'),
        },
        ...(p.get('use_bias', true) !== false
          ? [{ name: 'bias', shape: [width], initializer: bias, span: p.span('bias_initializer') }]
          : []),
      ];
    },
    // As the other recurrent layers: the sequence keeps the input's mask.
    outputMask: (_rt, _x, mask, p) => (p.get('return_sequences', false) === true ? mask : null),
    apply: (rt, x, w, p, site, training, _flag, call, mask) => {
      if (training && DROPOUTS.some((k) => Number(p.get(k, 0) ?? 0) !== 0))
        throw new OutsideSubset(`${layer} dropout in training is not modelled by tgraph`, site.span);
      const o = new Ops(rt, site.span);
      const filters = filtersOf(rt, p);
      const strides = intTuple(rt, p.get('strides', 1n), 2, p.span('strides')).map(BigInt);
      const dilations = intTuple(rt, p.get('dilation_rate', 1n), 2, p.span('dilation_rate')).map(BigInt);
      const padding = p.get('padding', 'valid');
      if (padding !== 'valid' && padding !== 'same')
        throw pyError('ValueError', `${layer}: padding must be 'valid' or 'same', got ${JSON.stringify(padding)}`, p.span('padding'));
      const conv = (input: Node, kernel: Node, ownWindow: boolean) =>
        o.tensor(
          callOp(
            rt,
            'conv2d',
            [
              nodeArg(input, site.span),
              nodeArg(kernel, site.span),
              keyword(rt, 'strides', new PyList(ownWindow ? [1n, ...strides, 1n] : [1n, 1n, 1n, 1n]), site.span),
              keyword(rt, 'padding', ownWindow ? padding.toUpperCase() : 'SAME', site.span),
              keyword(rt, 'dilations', new PyList(ownWindow ? [1n, ...dilations, 1n] : [1n, 1n, 1n, 1n]), site.span),
            ],
            site.span,
          ),
          site.span,
        );
      const gateOf = (z: Node, k: number) => {
        const ints = (a: number[]) => positional(rt, new PyList(a.map(BigInt)), site.span);
        return o.tensor(
          callOp(rt, 'slice', [nodeArg(z, site.span), ints([0, 0, 0, k * filters]), ints([-1, -1, -1, filters])], site.span),
          site.span,
        );
      };
      const act = (name: string, fallback: string) => {
        const given = p.get(name, fallback) ?? 'linear';
        if (given === 'hard_sigmoid')
          return (v: Node) => o.call('clip_by_value', [o.call('add', [o.call('multiply', [v, 0.2]), 0.5]), 0, 1]);
        const f = activation(rt, given, p.span(name));
        return (v: Node) => (f === null ? v : o.tensor(rt.call(f, [new GraphTensor(v, rt.rt)], [], site), site.span));
      };
      const squash = act('activation', 'tanh');
      const gate = act('recurrent_activation', 'hard_sigmoid');
      const [kernel, recurrentKernel, bias] = [w.get('kernel')!.node, w.get('recurrent_kernel')!.node, w.get('bias')?.node ?? null];
      const step: CellStep = {
        units: filters,
        stateCount: 2,
        step: (xt, [h, c]) => {
          let z = conv(xt, kernel, true);
          if (bias) z = o.call('add', [z, bias]);
          if (h) z = o.call('add', [z, conv(h, recurrentKernel, false)]);
          const written = o.call('multiply', [gate(gateOf(z, 0)), squash(gateOf(z, 2))]);
          const memory = c ? o.call('add', [o.call('multiply', [gate(gateOf(z, 1)), c]), written]) : written;
          const next = o.call('multiply', [gate(gateOf(z, 3)), squash(memory)]);
          return { output: next, states: [next, memory] };
        },
      };
      // A masked step keeps the states and repeats the last output, as Keras' backend.rnn does
      // for every recurrent layer; initial_state is [h, c], each [batch, rows, columns, filters].
      return unrolled(rt, layer, x, [step], p, site, mask, initialStates(rt, layer, call, [step], 4));
    },
  };
}
