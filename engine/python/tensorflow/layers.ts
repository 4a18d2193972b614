// Keras layers as callable objects: `tf.keras.layers.Dense(units, activation=...)` makes its
// kernel and bias (seeded, as get_variable does) on its first call and reuses them after;
// `tf.keras.Sequential([...])` calls its layers in turn (statelessLayers.ts: the layers without
// weights). And Keras' activations by name.

import type { Span } from '../../syntax/ast';
import type { Node } from '../../graph';
import { lookupOp } from '../../ops/registry';
import { type CallSite, type KeywordArg, PyBuiltin, PyList, PyModule, PyObject, type PyValue } from '../values';
import { OutsideSubset, pyError } from '../errors';
import type { Interpreter } from '../interpreter';
import { args as bindArgs } from '../signature';
import { GraphTensor, PyOp, toGraphValue } from './tensor';
import { PyInitializer, PyVariable, denseApply, denseVariables } from './variables';
import { layerWeightMethod } from './layerWeights';
import { WEIGHT_PENALTIES, noWeightPenalties } from './layerArgs';
import { statelessLayers } from './statelessLayers';
import { weightedLayers } from './weightedLayers';
import { wrapperLayers } from './wrapperLayers';
import { resizingLayers } from './resizingLayers';
import { preprocessingLayers } from './preprocessingLayers';
import { callMask, withMask } from './kerasMasks';
import { inputFunction, kerasLayerClass } from './functional';
import { kerasLayerName } from './layerNames';

/** Keras' activation names for the registry's ops. */
const ACTIVATIONS: Record<string, string> = {
  relu: 'relu',
  sigmoid: 'sigmoid',
  tanh: 'tanh',
  softmax: 'softmax',
  softplus: 'softplus',
  softsign: 'softsign',
  elu: 'elu',
  selu: 'selu',
  exponential: 'exp',
  gelu: 'gelu',
  swish: 'silu',
  silu: 'silu',
  log_softmax: 'log_softmax',
  relu6: 'relu6',
  linear: 'identity',
};

/** `tf.keras.activations`: functions (and `get('relu')`, as Dense's `activation='relu'`). */
export function activationsModule(): PyModule {
  const module: PyModule = new PyModule('tensorflow.keras.activations', (name) => {
    if (name in ACTIVATIONS) return new PyOp(lookupOp(ACTIVATIONS[name])!, `tf.keras.activations.${name}`);
    if (name === 'get') return new PyBuiltin('tf.keras.activations.get', (a, _kw, site) => activation(module, a[0] ?? null, site.span));
    return undefined;
  });
  return module;
}

/** An activation given by name or as a function (None: linear). */
export function activation(module: PyModule, v: PyValue, span: Span): PyValue {
  if (typeof v !== 'string') return v;
  if (!(v in ACTIVATIONS))
    throw pyError(
      'ValueError',
      `Unknown activation function: '${v}'. Please ensure you are using a \`keras.utils.custom_object_scope\` and that this object is included in the scope.`,
      span,
    );
  return module.getAttr(null as never, v, span) ?? null;
}

/** Keras' initializer names (`kernel_initializer='he_normal'`). */
const INITIALIZERS: Record<string, ConstructorParameters<typeof PyInitializer>[0]> = {
  glorot_uniform: 'glorot_uniform',
  glorot_normal: 'glorot_normal',
  he_normal: 'he_normal',
  he_uniform: 'he_uniform',
  lecun_normal: 'lecun_normal',
  lecun_uniform: 'lecun_uniform',
  zeros: 'zeros',
  ones: 'ones',
  random_normal: 'random_normal',
  random_uniform: 'random_uniform',
  truncated_normal: 'truncated_normal',
  orthogonal: 'orthogonal',
};

function initializer(v: PyValue, fallback: ConstructorParameters<typeof PyInitializer>[0], span: Span): PyValue {
  if (v === null) return new PyInitializer(fallback, {});
  if (typeof v !== 'string') return v;
  const kind = INITIALIZERS[v];
  if (!kind) throw pyError('ValueError', `Unknown initializer: '${v}'`, span);
  return new PyInitializer(kind, kind === 'random_normal' ? { stddev: 0.05 } : {});
}

class DenseLayer extends PyObject {
  kernel: PyVariable | null = null;
  bias: PyVariable | null = null;

  constructor(
    readonly units: PyValue,
    readonly activation: PyValue,
    readonly useBias: boolean,
    readonly kernelInitializer: PyValue,
    readonly biasInitializer: PyValue,
    readonly name: string | null,
    readonly spans: { units: Span; kernelInitializer: Span; biasInitializer: Span },
  ) {
    super();
  }
  get typeName(): string {
    return 'Dense';
  }
  override repr(): string {
    return '<keras.layers.core.dense.Dense object>';
  }
  get variables(): PyVariable[] {
    return this.kernel ? [this.kernel, ...(this.bias ? [this.bias] : [])] : [];
  }
  build(rt: Interpreter, x: Node, site: CallSite, inputsSpan: Span = site.span): void {
    const made = denseVariables(rt, x, this.units, {
      name: this.name,
      kerasName: kerasLayerName(this),
      useBias: this.useBias,
      kernelInitializer: this.kernelInitializer,
      biasInitializer: this.biasInitializer,
      trainable: true,
      reuse: false,
      spans: {
        inputs: inputsSpan,
        units: this.spans.units,
        kernelInitializer: this.spans.kernelInitializer,
        biasInitializer: this.spans.biasInitializer,
        call: site.span,
      },
    });
    this.kernel = made.kernel;
    this.bias = made.bias;
  }
  override call(rt: Interpreter, a: PyValue[], kw: KeywordArg[], site: CallSite): PyValue {
    const p = bindArgs('Dense', ['inputs', 'training', 'mask'], a, kw, site);
    const x = rt.rt.b.toTensor(toGraphValue(rt, p.get('inputs'), p.span('inputs')), p.span('inputs'));
    if (!this.kernel) this.build(rt, x, site, p.span('inputs'));
    // Dense passes its input's mask on (a masked sequence stays masked).
    return withMask(denseApply(rt, x, this.kernel!, this.bias, this.activation, site), callMask(rt, p, p.get('inputs')));
  }
  override getAttr(rt: Interpreter, name: string, _span: Span): PyValue | undefined {
    if (name === 'name') return kerasLayerName(this);
    switch (name) {
      case 'kernel':
        return this.kernel;
      case 'bias':
        return this.bias;
      case 'units':
        return this.units;
      case 'built':
        return this.kernel !== null;
      case 'trainable_variables':
      case 'trainable_weights':
      case 'variables':
      case 'weights':
        return new PyList(this.variables);
    }
    return layerWeightMethod(rt, { variables: () => this.variables, build: (rt, x, site) => this.build(rt, x, site) }, name);
  }
}

function denseClass(activations: PyModule): PyBuiltin {
  return new PyBuiltin('tf.keras.layers.Dense', (a, kw, site) => {
    const p = bindArgs(
      'Dense',
      [
        'units',
        'activation',
        'use_bias',
        'kernel_initializer',
        'bias_initializer',
        ...WEIGHT_PENALTIES,
        'input_shape',
        'input_dim',
        'name',
        'dtype',
        'trainable',
      ],
      a,
      kw,
      site,
    );
    noWeightPenalties(p, 'Dense');
    const name = p.get('name', null);
    return new DenseLayer(
      p.get('units'),
      activation(activations, p.get('activation', null), p.span('activation')),
      p.get('use_bias', true) !== false,
      initializer(p.get('kernel_initializer', null), 'glorot_uniform', p.span('kernel_initializer')),
      initializer(p.get('bias_initializer', null), 'zeros', p.span('bias_initializer')),
      typeof name === 'string' ? name : null,
      { units: p.span('units'), kernelInitializer: p.span('kernel_initializer'), biasInitializer: p.span('bias_initializer') },
    );
  });
}

/** Keras model methods that train, save or describe (their effect is outside what tgraph
 *  evaluates: one information diagnostic where they are called, not an AttributeError). */
export const OUTSIDE_MODEL_METHODS = new Set([
  'compile',
  'fit',
  'fit_generator',
  'evaluate',
  'train_on_batch',
  'test_on_batch',
  'summary',
  'save',
  'save_weights',
  'load_weights',
  'to_json',
  'get_config',
]);

/** `tf.keras.Sequential(layers)`: calls its layers in turn. */
class Sequential extends PyObject {
  constructor(readonly layers: PyValue[]) {
    super();
  }
  get typeName(): string {
    return 'Sequential';
  }
  override call(rt: Interpreter, a: PyValue[], kw: KeywordArg[], site: CallSite): PyValue {
    const p = bindArgs('Sequential', ['inputs', 'training', 'mask'], a, kw, site);
    let x = p.get('inputs');
    for (const layer of this.layers) x = rt.call(layer, [x], [], site);
    return x;
  }
  override getAttr(rt: Interpreter, name: string, span: Span): PyValue | undefined {
    switch (name) {
      case 'add':
        return new PyBuiltin('add', (a) => {
          this.layers.push(a[0] ?? null);
          return null;
        });
      case 'layers':
        return new PyList(this.layers.slice());
      case 'trainable_variables':
      case 'trainable_weights':
      case 'variables':
      case 'weights':
        return new PyList(this.layers.flatMap((l) => (l instanceof PyObject ? rt.iterate(rt.getAttr(l, name, span), span) : [])));
      // The model called on the inputs, as NumPy (Keras batches; the values are the same).
      case 'predict':
      case 'predict_on_batch':
        return new PyBuiltin(name, (a, kw, site) => {
          const p = bindArgs(name, ['x', 'batch_size', 'verbose', 'steps', 'callbacks'], a, kw, site);
          return rt.call(rt.getAttr(this.call(rt, [p.get('x')], [], site), 'numpy', site.span), [], [], site);
        });
    }
    // build, get_weights, set_weights: over every layer's weights in order; building calls the
    // model on a stand-in input, which builds each layer from the one before's output.
    const weights = layerWeightMethod(
      rt,
      {
        variables: () => rt.iterate(this.getAttr(rt, 'weights', span)!, span).filter((v): v is PyVariable => v instanceof PyVariable),
        build: (rt, x, site) => void this.call(rt, [new GraphTensor(x, rt.rt)], [], site),
      },
      name,
    );
    if (weights) return weights;
    if (OUTSIDE_MODEL_METHODS.has(name))
      return new PyBuiltin(name, (_a, _kw, site) => {
        throw new OutsideSubset(`\`Sequential.${name}\` is not modelled by tgraph (training loops and I/O are Keras' own)`, site.span);
      });
    return undefined;
  }
}

export function sequentialClass(rt: Interpreter): PyBuiltin {
  return new PyBuiltin('tf.keras.Sequential', (a, kw, site) => {
    const p = bindArgs('Sequential', ['layers', 'name'], a, kw, site);
    const layers = p.get('layers', null);
    return new Sequential(layers === null ? [] : rt.iterate(layers, p.span('layers')));
  });
}

/** The merging layers' functional forms: `tf.keras.layers.add(inputs, **kwargs)` is
 *  `Add(**kwargs)(inputs)` (`concatenate(inputs, axis=-1)` likewise). */
const MERGE_FUNCTIONS: Record<string, string> = {
  add: 'Add',
  subtract: 'Subtract',
  multiply: 'Multiply',
  average: 'Average',
  maximum: 'Maximum',
  minimum: 'Minimum',
  concatenate: 'Concatenate',
  dot: 'Dot',
};

class MergeFunction extends PyObject {
  constructor(
    readonly name: string,
    readonly layerClass: PyBuiltin,
  ) {
    super();
  }
  get typeName(): string {
    return 'function';
  }
  override repr(): string {
    return `<function ${this.name}>`;
  }
  override call(rt: Interpreter, a: PyValue[], kw: KeywordArg[], site: CallSite): PyValue {
    const given = kw.find((k) => k.name === 'inputs');
    const inputs = a.length > 0 ? a[0] : (given?.value ?? null);
    const layer = rt.call(
      this.layerClass,
      a.slice(1),
      kw.filter((k) => k !== given),
      site,
    );
    return rt.call(layer, [inputs], [], site);
  }
}

/** `tf.keras.layers`: Dense and the layers without weights (other layers are outside the
 *  subset, said where they are used). */
export function kerasLayersModule(rt: Interpreter): PyModule {
  const activations = activationsModule();
  const activationOf = (_rt: Interpreter, v: PyValue, span: Span) => activation(activations, v, span);
  const classes = {
    ...statelessLayers(activationOf),
    ...weightedLayers(initializer, activationOf),
    ...wrapperLayers(),
    ...resizingLayers(),
    ...preprocessingLayers(),
  };
  return new PyModule('tensorflow.keras.layers', (name) => {
    if (name === 'Dense') return kerasLayerClass(rt, denseClass(activations));
    if (name === 'Input') return inputFunction(rt);
    if (Object.hasOwn(MERGE_FUNCTIONS, name)) return new MergeFunction(name, kerasLayerClass(rt, classes[MERGE_FUNCTIONS[name]]()));
    return Object.hasOwn(classes, name) ? kerasLayerClass(rt, classes[name]()) : undefined;
  });
}
