// Keras' layers around another layer or a function: Bidirectional (a forward and a backward
// copy of a recurrent layer, their outputs merged), TimeDistributed (a layer applied to every
// step of a sequence, as one call on the steps side by side) and Lambda (a Python function as
// a layer).

import type { Span } from '../../syntax/ast';
import type { Node } from '../../graph';
import { type CallSite, type KeywordArg, PyBuiltin, PyDict, PyList, PyObject, type PyValue } from '../values';
import { OutsideSubset, pyError } from '../errors';
import type { Interpreter } from '../interpreter';
import { type BoundPyArgs, args as bindArgs } from '../signature';
import { callOp, toGraphValue } from './tensor';
import { keyword, nodeArg, positional } from './layerArgs';
import { layerWeightMethod } from './layerWeights';
import type { PyVariable } from './variables';
import { WeightedLayer } from './weightedLayers';
import { callMask, withMask } from './kerasMasks';
import { kerasLayerName } from './layerNames';

const RECURRENT = new Set(['SimpleRNN', 'LSTM', 'GRU', 'RNN']);
const MERGE_MODES = ['concat', 'sum', 'mul', 'ave', null];

function tensorNode(rt: Interpreter, v: PyValue, span: Span): Node {
  return rt.rt.b.toTensor(toGraphValue(rt, v, span), span);
}

const WEIGHT_LISTS = new Set(['trainable_variables', 'trainable_weights', 'variables', 'weights']);

class Bidirectional extends PyObject {
  constructor(
    readonly forward: WeightedLayer,
    readonly backward: WeightedLayer,
    readonly mergeMode: PyValue,
  ) {
    super();
  }
  get typeName(): string {
    return 'Bidirectional';
  }
  override repr(): string {
    return '<keras.layers.Bidirectional object>';
  }
  /** The forward copy's weights, then the backward's (Keras' order). */
  variables(): PyVariable[] {
    return [this.forward, this.backward].flatMap((l) => (l.weights ? [...l.weights.values()] : []));
  }
  override call(rt: Interpreter, a: PyValue[], kw: KeywordArg[], site: CallSite): PyValue {
    const p = bindArgs('Bidirectional', ['inputs', 'training', 'mask', 'initial_state'], a, kw, site);
    // Both copies read the mask (given, or the input's own); initial_state is the forward
    // copy's states, then the backward's.
    const passed = kw.filter((k) => k.name === 'training' || k.name === 'mask');
    const [forwardStates, backwardStates] = this.initialStates(rt, p);
    const run = (layer: WeightedLayer, states: PyValue) =>
      rt.call(
        layer,
        [p.get('inputs')],
        states === null ? passed : [...passed, { name: 'initial_state', value: states, span: p.span('initial_state') }],
        site,
      );
    let forward = run(this.forward, forwardStates);
    let backward = run(this.backward, backwardStates);
    // return_state: each copy gives [output, *states]; the states follow the merged output.
    const states: PyValue[] = [];
    if (this.forward.p.get('return_state', false) === true) {
      const [f, b] = [forward, backward].map((v) => rt.iterate(v, site.span));
      [forward, backward] = [f[0], b[0]];
      states.push(...f.slice(1), ...b.slice(1));
    }
    const sequences = this.forward.p.get('return_sequences', false) === true;
    const mask = sequences ? callMask(rt, p, p.get('inputs')) : null;
    const merged = withMask(this.merged(rt, forward, backward, site), mask);
    if (states.length === 0) return merged;
    return new PyList([...(merged instanceof PyList ? merged.items : [merged]), ...states]);
  }
  /** The initial states given to each copy (half each), or nulls. */
  private initialStates(rt: Interpreter, p: BoundPyArgs): [PyValue, PyValue] {
    const given = p.get('initial_state', null);
    if (given === null) return [null, null];
    const items = rt.iterate(given, p.span('initial_state'));
    if (items.length === 0 || items.length % 2 !== 0)
      throw pyError(
        'ValueError',
        `When passing \`initial_state\` to a Bidirectional RNN, the state should be a list containing the states of the underlying RNNs (forward first, then backward); got ${items.length} tensor(s)`,
        p.span('initial_state'),
      );
    const half = items.length / 2;
    return [new PyList(items.slice(0, half)), new PyList(items.slice(half))];
  }
  private merged(rt: Interpreter, forward: PyValue, backward: PyValue, site: CallSite): PyValue {
    // The backward copy's sequence runs from the last step: reversed, each output meets its step.
    if (this.forward.p.get('return_sequences', false) === true)
      backward = callOp(rt, 'reverse', [positional(rt, backward, site.span), keyword(rt, 'axis', new PyList([1n]), site.span)], site.span);
    const both = [forward, backward].map((v) => positional(rt, v, site.span));
    switch (this.mergeMode) {
      case 'concat':
        return callOp(
          rt,
          'concat',
          [{ value: { kind: 'list', items: both.map((b) => b.value) }, span: site.span }, keyword(rt, 'axis', -1n, site.span)],
          site.span,
        );
      case 'sum':
        return callOp(rt, 'add', both, site.span);
      case 'mul':
        return callOp(rt, 'multiply', both, site.span);
      case 'ave':
        return callOp(
          rt,
          'multiply',
          [positional(rt, callOp(rt, 'add', both, site.span), site.span), positional(rt, 0.5, site.span)],
          site.span,
        );
    }
    return new PyList([forward, backward]);
  }
  override getAttr(rt: Interpreter, name: string): PyValue | undefined {
    if (name === 'name') return kerasLayerName(this);
    if (WEIGHT_LISTS.has(name)) return new PyList(this.variables());
    if (name === 'forward_layer') return this.forward;
    if (name === 'backward_layer') return this.backward;
    return layerWeightMethod(
      rt,
      {
        variables: () => this.variables(),
        build: (rt, x, site) => [this.forward, this.backward].forEach((l) => l.build(rt, x, site)),
      },
      name,
    );
  }
}

function bidirectionalClass(): PyBuiltin {
  return new PyBuiltin('tf.keras.layers.Bidirectional', (a, kw, site) => {
    const p = bindArgs('Bidirectional', ['layer', 'merge_mode', 'weights', 'backward_layer', 'name', 'input_shape'], a, kw, site);
    const layer = p.get('layer');
    if (!(layer instanceof WeightedLayer) || !RECURRENT.has(layer.kind.name))
      throw new OutsideSubset(
        'Bidirectional around a layer other than SimpleRNN, LSTM, GRU or RNN is not modelled by tgraph',
        p.span('layer'),
      );
    for (const k of ['weights', 'backward_layer'])
      if (p.get(k, null) !== null) throw new OutsideSubset(`Bidirectional(${k}=...) is not modelled by tgraph`, p.span(k));
    const mode = p.get('merge_mode', 'concat');
    if (!MERGE_MODES.includes(mode as string | null))
      throw pyError(
        'ValueError',
        `Invalid merge mode. Received: ${JSON.stringify(mode)}. Merge mode should be one of {"sum", "mul", "ave", "concat", None}`,
        p.span('merge_mode'),
      );
    const wrapped = layer.layerName() ?? layer.kind.scope;
    const backwards = layer.p.get('go_backwards', false) === true;
    // Keras' Bidirectional has its copies output zeros at masked steps of a sequence.
    const zero_output_for_mask = layer.p.get('return_sequences', false) === true;
    // Keras names the copies after the wrapped layer's name: forward_lstm, backward_lstm_1.
    const copy = (direction: string, replaced: Record<string, PyValue>) => layer.variant({ ...replaced, name: `${direction}_${wrapped}` });
    return new Bidirectional(
      copy('forward', { zero_output_for_mask }),
      copy('backward', { go_backwards: !backwards, zero_output_for_mask }),
      mode,
    );
  });
}

/** TimeDistributed: [batch, steps, ...] as [batch·steps, ...] through the layer, then back. */
class TimeDistributed extends PyObject {
  constructor(readonly layer: PyValue) {
    super();
  }
  get typeName(): string {
    return 'TimeDistributed';
  }
  override repr(): string {
    return '<keras.layers.TimeDistributed object>';
  }
  override call(rt: Interpreter, a: PyValue[], kw: KeywordArg[], site: CallSite): PyValue {
    const p = bindArgs('TimeDistributed', ['inputs', 'training', 'mask'], a, kw, site);
    const x = tensorNode(rt, p.get('inputs'), p.span('inputs'));
    const shape = x.type.shape;
    if (shape === null || shape.length < 3 || shape.slice(1).some((d) => d === null))
      throw new OutsideSubset(
        'TimeDistributed of an input without a known number of steps and step shape (rank 3 or more) is not modelled by tgraph',
        p.span('inputs'),
      );
    const steps = BigInt(shape[1]!);
    const merged = callOp(
      rt,
      'reshape',
      [nodeArg(x, site.span), positional(rt, new PyList([-1n, ...shape.slice(2).map((d) => BigInt(d!))]), site.span)],
      site.span,
    );
    const y = tensorNode(
      rt,
      rt.call(
        this.layer,
        [merged],
        kw.filter((k) => k.name === 'training'),
        site,
      ),
      site.span,
    );
    const out = y.type.shape;
    if (out === null || out.slice(1).some((d) => d === null))
      throw new OutsideSubset(
        "TimeDistributed of a layer whose output's step shape is known only at run time is not modelled by tgraph",
        site.span,
      );
    const output = callOp(
      rt,
      'reshape',
      [nodeArg(y, site.span), positional(rt, new PyList([-1n, steps, ...out.slice(1).map((d) => BigInt(d!))]), site.span)],
      site.span,
    );
    // The steps stay the input's: so does their mask.
    return withMask(output, callMask(rt, p, p.get('inputs')));
  }
  override getAttr(rt: Interpreter, name: string, span: Span): PyValue | undefined {
    if (name === 'name') return kerasLayerName(this);
    if (name === 'layer') return this.layer;
    if (name === 'build')
      // The wrapped layer sees one step: the steps axis dropped from the shape.
      return new PyBuiltin('build', (a, kw, site) => {
        const p = bindArgs('build', ['input_shape'], a, kw, site);
        const dims = rt.iterate(p.get('input_shape'), p.span('input_shape'));
        return rt.call(rt.getAttr(this.layer, 'build', site.span), [new PyList([dims[0] ?? null, ...dims.slice(2)])], [], site);
      });
    return this.layer instanceof PyObject ? this.layer.getAttr?.(rt, name, span) : undefined;
  }
}

/** Lambda: the function called on the inputs, with `arguments` as keywords. */
class Lambda extends PyObject {
  constructor(
    readonly fn: PyValue,
    readonly keywords: KeywordArg[],
  ) {
    super();
  }
  get typeName(): string {
    return 'Lambda';
  }
  override repr(): string {
    return '<keras.layers.Lambda object>';
  }
  override call(rt: Interpreter, a: PyValue[], kw: KeywordArg[], site: CallSite): PyValue {
    const p = bindArgs('Lambda', ['inputs', 'mask', 'training'], a, kw, site);
    return rt.call(this.fn, [p.get('inputs')], this.keywords, site);
  }
  override getAttr(_rt: Interpreter, name: string): PyValue | undefined {
    if (name === 'name') return kerasLayerName(this);
    return WEIGHT_LISTS.has(name) ? new PyList([]) : undefined;
  }
}

function lambdaClass(): PyBuiltin {
  return new PyBuiltin('tf.keras.layers.Lambda', (a, kw, site) => {
    const p = bindArgs('Lambda', ['function', 'output_shape', 'mask', 'arguments', 'name', 'dtype', 'input_shape'], a, kw, site);
    const given = p.get('arguments', null);
    if (given !== null && !(given instanceof PyDict)) throw pyError('TypeError', 'Lambda: `arguments` must be a dict', p.span('arguments'));
    const keywords = given
      ? [...given.entries.values()].map(({ key, value }) => {
          if (typeof key !== 'string') throw pyError('TypeError', 'Lambda: the keys of `arguments` must be strings', p.span('arguments'));
          return { name: key, value, span: p.span('arguments'), nameSpan: p.span('arguments') };
        })
      : [];
    return new Lambda(p.get('function'), keywords);
  });
}

export function wrapperLayers(): Record<string, () => PyBuiltin> {
  return {
    Bidirectional: bidirectionalClass,
    TimeDistributed: () =>
      new PyBuiltin('tf.keras.layers.TimeDistributed', (a, kw, site) => {
        const p = bindArgs('TimeDistributed', ['layer', 'name', 'input_shape'], a, kw, site);
        return new TimeDistributed(p.get('layer'));
      }),
    Lambda: lambdaClass,
  };
}
