// The `tensorflow` module (also `tensorflow.compat.v1`): the TF 1.x graph API that the
// interpreter implements itself (sessions, variables, initializers, scopes), and every op
// of the registry under TensorFlow's prefixed names (`tf.nn.conv2d`, `tf.math.exp`, as
// LANGUAGE.md resolves them). Anything else is outside the subset, said where it is used.

import { ControlDependencies, getCollection, graphKeysModule } from './collections';
import { lookupOp } from '../../ops/registry';
import { type CallSite, type KeywordArg, PyBuiltin, PyFunction, PyList, PyModule, PyObject, type PyValue, typeName } from '../values';
import { OutsideSubset, pyError } from '../errors';
import { CustomGradientFunction, tfFunction } from './customGradient';
import type { Interpreter } from '../interpreter';
import type { Runtime } from '../runtime';
import { args as bindArgs } from '../signature';
import { GraphTensor, PyDType, PyOp, TensorShape, method, toGraphValue } from './tensor';
import {
  PyInitializer,
  PyOperation,
  PyVariable,
  VariableScope,
  dense,
  getVariable,
  initializerFactory,
  makeVariable,
  variablesOf,
} from './variables';
import { PySession, defaultSession, sessionStack } from './session';
import { PyGradientTape, UNCONNECTED } from './tape';
import { kerasLossesModule, v1LossesModule } from './losses';
import { activationsModule, kerasLayersModule, sequentialClass } from './layers';
import { kerasMetricsModule } from './metrics';
import { inputFunction, kerasLayerClass, kerasModelsModule, modelClass } from './functional';
import { kerasOptimizersModule, trainModule } from './optimizers';
import { isEager } from './eager';
import { IndexedSlices, withIndexedSlices } from './indexedSlices';
import { kerasBackendModule } from './kerasBackend';
import { controlFlowFunctions } from './controlFlow';
import type { NpDType } from '../numpy/ndarray';

const DTYPES: Record<string, NpDType> = {
  float32: 'float32',
  float64: 'float64',
  double: 'float64',
  int32: 'int32',
  int64: 'int64',
  bool: 'bool',
};

/** A `with` block that changes nothing tgraph models (name scopes, devices, graphs). */
class NoEffectScope extends PyObject {
  constructor(
    readonly what: string,
    readonly value: PyValue = null,
  ) {
    super();
  }
  get typeName(): string {
    return this.what;
  }
  override enter(): PyValue {
    return this.value ?? this;
  }
  override exit(): void {}
  override getAttr(_rt: Interpreter, name: string): PyValue | undefined {
    if (name === 'as_default') return method('as_default', () => new NoEffectScope('graph context', this));
    return undefined;
  }
}

/** `tf.ConfigProto()`, `tf.GPUOptions(...)`: session settings, accepted and without effect
 *  (`config.gpu_options.allow_growth = True` sets nothing tgraph reads). */
class Settings extends PyObject {
  private readonly fields = new Map<string, PyValue>();
  constructor(readonly what: string) {
    super();
  }
  get typeName(): string {
    return this.what;
  }
  override getAttr(_rt: Interpreter, name: string): PyValue | undefined {
    let v = this.fields.get(name);
    if (v === undefined) this.fields.set(name, (v = new Settings(name)));
    return v;
  }
  override setAttr(_rt: Interpreter, name: string, value: PyValue): void {
    this.fields.set(name, value);
  }
}

const RESIZE_METHODS: Record<string, string> = {
  BILINEAR: 'bilinear',
  NEAREST_NEIGHBOR: 'nearest',
  BICUBIC: 'bicubic',
  AREA: 'area',
  LANCZOS3: 'lanczos3',
  LANCZOS5: 'lanczos5',
  GAUSSIAN: 'gaussian',
  MITCHELLCUBIC: 'mitchellcubic',
};

const SUBMODULES = [
  'nn',
  'math',
  'linalg',
  'random',
  'train',
  'layers',
  'keras',
  'initializers',
  'dtypes',
  'contrib',
  'losses',
  'errors',
  'summary',
  'logging',
  'image',
  'data',
  'estimator',
  'saved_model',
  'metrics',
  'sparse',
  'signal',
  'bitwise',
  'debugging',
  'io',
  'config',
  'experimental',
  'distribute',
  'autograph',
  'strings',
  'lite',
  'test',
  'sysconfig',
  'graph_util',
  'python_io',
  'app',
  'flags',
  'gfile',
  'tpu',
  'user_ops',
  'profiler',
  'quantization',
  'queue',
  'resource_loader',
  'spectral',
  'manip',
  'ragged',
  'audio',
  'feature_column',
  'mixed_precision',
  'types',
  'tools',
  'core',
  'python',
];

/** TF 1.x's functional layers and the layer class each one makes and calls. */
const FUNCTIONAL_LAYERS: Record<string, string> = {
  conv2d: 'Conv2D',
  batch_normalization: 'BatchNormalization',
  max_pooling2d: 'MaxPooling2D',
  average_pooling2d: 'AveragePooling2D',
  flatten: 'Flatten',
  dropout: 'Dropout',
};

export function tensorflowModule(rt: Runtime): PyModule {
  const interp = rt.interpreter;
  const fn = (name: string, body: (a: PyValue[], kw: KeywordArg[], site: CallSite) => PyValue) => new PyBuiltin(`tf.${name}`, body);
  const noOpFn = (name: string, result: () => PyValue = () => null) => fn(name, () => result());
  const initializers: Record<string, PyBuiltin> = {};
  const init = (names: string[], kind: ConstructorParameters<typeof PyInitializer>[0], params: string[]) => {
    for (const n of names) initializers[n] = fn(n, initializerFactory(interp, kind, params));
  };
  init(['zeros_initializer', 'zeros', 'Zeros'], 'zeros', ['dtype']);
  init(['ones_initializer', 'ones', 'Ones'], 'ones', ['dtype']);
  init(['constant_initializer', 'constant', 'Constant'], 'constant', ['value', 'dtype', 'verify_shape']);
  init(['random_normal_initializer', 'random_normal', 'RandomNormal'], 'random_normal', ['mean', 'stddev', 'seed', 'dtype']);
  init(['truncated_normal_initializer', 'truncated_normal', 'TruncatedNormal'], 'truncated_normal', ['mean', 'stddev', 'seed', 'dtype']);
  init(['random_uniform_initializer', 'random_uniform', 'RandomUniform'], 'random_uniform', ['minval', 'maxval', 'seed', 'dtype']);
  init(['glorot_uniform_initializer', 'glorot_uniform', 'GlorotUniform', 'xavier_initializer'], 'glorot_uniform', ['seed', 'dtype']);
  init(['glorot_normal_initializer', 'glorot_normal', 'GlorotNormal'], 'glorot_normal', ['seed', 'dtype']);
  init(['he_normal', 'HeNormal'], 'he_normal', ['seed']);
  init(['he_uniform', 'HeUniform'], 'he_uniform', ['seed']);
  init(['lecun_normal', 'LecunNormal'], 'lecun_normal', ['seed']);
  init(['lecun_uniform', 'LecunUniform'], 'lecun_uniform', ['seed']);
  init(['orthogonal_initializer', 'orthogonal', 'Orthogonal'], 'orthogonal', ['gain', 'seed', 'dtype']);
  init(['variance_scaling_initializer', 'variance_scaling', 'VarianceScaling'], 'variance_scaling', [
    'scale',
    'mode',
    'distribution',
    'seed',
    'dtype',
  ]);

  const session = (interactive: boolean) =>
    fn(interactive ? 'InteractiveSession' : 'Session', () => {
      const s = new PySession(rt, interactive);
      if (interactive) sessionStack(rt).push(s);
      return s;
    });

  const api: Record<string, () => PyValue> = {
    ...controlFlowFunctions(rt),
    Session: () => session(false),
    InteractiveSession: () => session(true),
    get_default_session: () => noOpFn('get_default_session', () => defaultSession(rt)),
    Variable: () => fn('Variable', (a, kw, site) => makeVariable(interp, a, kw, site)),
    get_variable: () => fn('get_variable', (a, kw, site) => getVariable(interp, a, kw, site)),
    global_variables_initializer: () => noOpFn('global_variables_initializer', () => new PyOperation('init', variablesOf(rt).slice())),
    initialize_all_variables: () => noOpFn('initialize_all_variables', () => new PyOperation('init', variablesOf(rt).slice())),
    local_variables_initializer: () => noOpFn('local_variables_initializer', () => new PyOperation('init_1', [])),
    variables_initializer: () =>
      fn('variables_initializer', (a, kw, site) => {
        const p = bindArgs('variables_initializer', ['var_list'], a, kw, site);
        const vars = interp.iterate(p.get('var_list'), p.span('var_list')).filter((v): v is PyVariable => v instanceof PyVariable);
        return new PyOperation('init', vars);
      }),
    trainable_variables: () => noOpFn('trainable_variables', () => new PyList(variablesOf(rt).filter((v) => v.trainable))),
    global_variables: () => noOpFn('global_variables', () => new PyList(variablesOf(rt).slice())),
    all_variables: () => noOpFn('all_variables', () => new PyList(variablesOf(rt).slice())),
    group: () => fn('group', (a) => new PyOperation('group_deps', [], a)),
    no_op: () => noOpFn('no_op', () => new PyOperation('NoOp', [])),
    disable_v2_behavior: () => noOpFn('disable_v2_behavior'),
    disable_eager_execution: () => noOpFn('disable_eager_execution'),
    enable_eager_execution: () => noOpFn('enable_eager_execution'),
    enable_v2_behavior: () => noOpFn('enable_v2_behavior'),
    executing_eagerly: () => noOpFn('executing_eagerly', () => isEager(rt)),
    reset_default_graph: () => noOpFn('reset_default_graph'),
    Graph: () => fn('Graph', () => new NoEffectScope('Graph')),
    ConfigProto: () => fn('ConfigProto', () => new Settings('ConfigProto')),
    GPUOptions: () => fn('GPUOptions', () => new Settings('GPUOptions')),
    RunOptions: () => fn('RunOptions', () => new Settings('RunOptions')),
    RunMetadata: () => fn('RunMetadata', () => new Settings('RunMetadata')),
    get_default_graph: () => noOpFn('get_default_graph', () => new NoEffectScope('Graph')),
    name_scope: () => fn('name_scope', () => new NoEffectScope('name_scope')),
    device: () => fn('device', () => new NoEffectScope('device')),
    control_dependencies: () =>
      fn('control_dependencies', (a, kw, site) => {
        const p = bindArgs('control_dependencies', ['control_inputs'], a, kw, site);
        const inputs = p.get('control_inputs');
        return new ControlDependencies(rt, inputs === null ? [] : interp.iterate(inputs, p.span('control_inputs')));
      }),
    // TF 1.x's functional spellings of Variable.assign / assign_add / assign_sub.
    ...Object.fromEntries(
      (['assign', 'assign_add', 'assign_sub'] as const).map((how) => [
        how,
        () =>
          fn(how, (a, kw, site) => {
            const p = bindArgs(how, ['ref', how === 'assign' ? 'value' : 'delta', 'validate_shape', 'use_locking', 'name'], a, kw, site);
            const ref = p.get('ref');
            if (!(ref instanceof PyVariable))
              throw pyError('TypeError', `${how}(): ref must be a variable, got ${typeName(ref)}`, p.span('ref'));
            const key = how === 'assign' ? 'value' : 'delta';
            return isEager(rt)
              ? ref.assignEager(interp, how, p.get(key), p.span(key), site)
              : ref.assignInGraph(interp, how, p.get(key), p.span(key), site);
          }),
      ]),
    ),
    get_collection: () =>
      fn('get_collection', (a, kw, site) => {
        const p = bindArgs('get_collection', ['key', 'scope'], a, kw, site);
        return getCollection(rt, p.get('key'), p.get('scope', null), p.span('key'));
      }),
    GraphKeys: () => graphKeysModule(),
    variable_scope: () =>
      fn('variable_scope', (a, kw, site) => {
        const p = bindArgs(
          'variable_scope',
          [
            'name_or_scope',
            'default_name',
            'values',
            'initializer',
            'regularizer',
            'caching_device',
            'partitioner',
            'custom_getter',
            'reuse',
            'dtype',
            'use_resource',
            'constraint',
            'auxiliary_name_scope',
          ],
          a,
          kw,
          site,
        );
        const name = p.get('name_or_scope', null);
        const reuse = p.get('reuse', null);
        const scopeName =
          typeof name === 'string'
            ? name
            : name instanceof VariableScope
              ? name.name
              : typeof p.get('default_name', null) === 'string'
                ? (p.get('default_name') as string)
                : 'scope';
        const auto = reuse instanceof PyObject && reuse.typeName === 'AUTO_REUSE';
        return new VariableScope(rt, auto ? ('AUTO_REUSE' === scopeName ? scopeName : scopeName) : scopeName, reuse === true || auto);
      }),
    AUTO_REUSE: () => new NoEffectScope('AUTO_REUSE'),
    function: () => new PyBuiltin('tf.function', (a) => tfFunction(a)),
    custom_gradient: () =>
      fn('custom_gradient', (a, _kw, site) => {
        const f = a[0];
        if (!(f instanceof PyFunction)) throw pyError('TypeError', 'tf.custom_gradient decorates a Python function', site.span);
        return new CustomGradientFunction(f, rt.text.slice(f.span.start, f.span.end));
      }),
    newaxis: () => null,
    TensorShape: () =>
      fn(
        'TensorShape',
        (a, _kw, site) =>
          new TensorShape(
            a[0] === null ? null : interp.iterate(a[0], site.span).map((d) => (d === null ? null : rt.indexValue(d, site.span))),
            !isEager(rt),
          ),
      ),
    Tensor: () =>
      new PyBuiltin(
        'tf.Tensor',
        () => null,
        (v) => v instanceof GraphTensor,
      ),
    convert_to_tensor: () =>
      fn('convert_to_tensor', (a, kw, site) => {
        const p = bindArgs('convert_to_tensor', ['value', 'dtype', 'dtype_hint', 'preferred_dtype'], a, kw, site);
        const args = [{ value: toGraphValue(interp, p.get('value'), p.span('value')), span: p.span('value') }];
        const d = p.get('dtype', null);
        if (d !== null)
          args.push({
            keyword: { name: 'dtype', span: p.span('dtype') },
            value: toGraphValue(interp, d, p.span('dtype')),
            span: p.span('dtype'),
          } as never);
        const v = args[0].value;
        if (d === null && v.kind === 'tensor' && !v.node.weak) return new GraphTensor(v.node, rt);
        return interp.call(
          new PyOp(lookupOp('constant')!, 'tf.convert_to_tensor'),
          [p.get('value')],
          d === null ? [] : [{ name: 'dtype', value: d, span: p.span('dtype') }],
          site,
        );
      }),
    GradientTape: () =>
      fn('GradientTape', (a, kw, site) => {
        const p = bindArgs('GradientTape', ['persistent', 'watch_accessed_variables'], a, kw, site);
        return new PyGradientTape(
          rt,
          interp.truth(p.get('persistent', false), p.span('persistent')),
          interp.truth(p.get('watch_accessed_variables', true), p.span('watch_accessed_variables')),
        );
      }),
    UnconnectedGradients: () => new PyModule('tensorflow.UnconnectedGradients', (name) => UNCONNECTED[name]),
    // The registry's gradients, with TensorFlow's IndexedSlices for a variable read by gathers.
    gradients: () =>
      fn('gradients', (a, kw, site) => {
        const sites = rt.b.gradientSites.length;
        const result = interp.call(new PyOp(lookupOp('gradients')!, 'tf.gradients'), a, kw, site);
        return rt.b.gradientSites.length === sites + 1 && result instanceof PyList
          ? new PyList(withIndexedSlices(rt, result.items, rt.b.gradientSites[sites], site.span))
          : result;
      }),
    IndexedSlices: () =>
      new PyBuiltin(
        'tf.IndexedSlices',
        (_a, _kw, site) => {
          throw new OutsideSubset('constructing tf.IndexedSlices directly', site.span);
        },
        (v) => v instanceof IndexedSlices,
      ),
  };

  const submodule = (path: string, extra: Record<string, () => PyValue> = {}): PyModule =>
    new PyModule(path, (name) => {
      if (name in extra) return extra[name]();
      if (path.endsWith('initializers') && name in initializers) return initializers[name];
      return registryOp(path, name);
    });

  // tf.random.normal is the registry's random_normal (tf.random.uniform, ... likewise).
  const random = new PyModule('tensorflow.random', (name) =>
    registryOp('tensorflow.random', lookupOp(`random_${name}`) ? `random_${name}` : name),
  );
  const modules: Record<string, () => PyModule> = {
    nn: () => submodule('tensorflow.nn'),
    math: () => submodule('tensorflow.math'),
    debugging: () => submodule('tensorflow.debugging'),
    // TensorFlow's tf.linalg names where the registry's differ (tf.transpose is the full one).
    linalg: () =>
      submodule('tensorflow.linalg', {
        transpose: () => registryOp('tensorflow.linalg', 'matrix_transpose')!,
        diag_part: () => registryOp('tensorflow.linalg', 'matrix_diag_part')!,
        diag: () => registryOp('tensorflow.linalg', 'matrix_diag')!,
        set_diag: () => registryOp('tensorflow.linalg', 'matrix_set_diag')!,
        band_part: () => registryOp('tensorflow.linalg', 'matrix_band_part')!,
        // Real tensors only: the conjugate transpose is the transpose.
        adjoint: () => registryOp('tensorflow.linalg', 'matrix_transpose')!,
      }),
    random: () => random,
    // tf.image.resize and its ResizeMethod names (the method strings resize takes).
    image: () =>
      submodule('tensorflow.image', {
        ResizeMethod: () => new PyModule('tensorflow.image.ResizeMethod', (name) => RESIZE_METHODS[name]),
      }),
    initializers: () => submodule('tensorflow.initializers'),
    dtypes: () =>
      submodule('tensorflow.dtypes', Object.fromEntries(Object.entries(DTYPES).map(([k, d]) => [k, () => new PyDType(d, 'tf')]))),
    contrib: () =>
      new PyModule('tensorflow.contrib', (name) => {
        if (name === 'layers')
          return new PyModule('tensorflow.contrib.layers', (n) =>
            n === 'xavier_initializer' ? initializers.xavier_initializer : undefined,
          );
        return undefined;
      }),
    keras: () =>
      new PyModule('tensorflow.keras', (name) => {
        if (name === 'initializers') return submodule('tensorflow.keras.initializers');
        if (name === 'losses') return kerasLossesModule(interp);
        if (name === 'metrics') return kerasMetricsModule(interp);
        if (name === 'activations') return activationsModule();
        if (name === 'layers') return kerasLayersModule(interp);
        if (name === 'Sequential') return kerasLayerClass(interp, sequentialClass(interp));
        if (name === 'Input') return inputFunction(interp);
        if (name === 'Model') return modelClass(interp);
        if (name === 'models') return kerasModelsModule(interp, () => kerasLayerClass(interp, sequentialClass(interp)));
        if (name === 'optimizers') return kerasOptimizersModule(rt);
        if (name === 'backend') return kerasBackendModule(interp);
        return undefined;
      }),
    losses: () => (isEager(rt) ? kerasLossesModule(interp, 'tensorflow.losses') : v1LossesModule(interp)),
    train: () => trainModule(rt),
    // Logging changes nothing tgraph evaluates: accepted, without effect.
    logging: () =>
      new PyModule('tensorflow.logging', (name) =>
        /^[A-Z]+$/.test(name)
          ? BigInt(['DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'].indexOf(name) * 10 + 10)
          : ['set_verbosity', 'info', 'warn', 'warning', 'error', 'debug', 'log'].includes(name)
            ? noOpFn(`logging.${name}`)
            : undefined,
      ),
    layers: () =>
      new PyModule('tensorflow.layers', (name) => {
        if (name === 'dense') return fn('layers.dense', (a, kw, site) => dense(interp, a, kw, site));
        if (Object.hasOwn(FUNCTIONAL_LAYERS, name)) {
          // tf.layers.conv2d(inputs, ...) is tf.layers.Conv2D(...)(inputs) (the same class as Keras').
          const layerClass = kerasLayersModule(interp).getAttr(interp, FUNCTIONAL_LAYERS[name], { start: 0, end: 0 })!;
          return fn(`layers.${name}`, (a, kw, site) => {
            const inputs = a.length > 0 ? a[0] : (kw.find((k) => k.name === 'inputs')?.value ?? null);
            const training = kw.find((k) => k.name === 'training');
            const config = kw.filter((k) => k.name !== 'inputs' && k.name !== 'training');
            const layer = interp.call(layerClass, a.slice(1), config, site);
            return interp.call(layer, [inputs], training ? [training] : [], site);
          });
        }
        return kerasLayersModule(interp).getAttr(interp, name, { start: 0, end: 0 });
      }),
  };

  let root: PyModule;
  // tf.compat.v1 is TF 1.x's API in either mode: its losses are TF 1.x's (one weighted scalar)
  // also under eager execution, where tf.losses means Keras' (one loss per sample).
  const v1 = new PyModule('tensorflow', (name, span) => (name === 'losses' ? v1LossesModule(interp) : root.getAttr(interp, name, span)));
  const compat = new PyModule('tensorflow.compat', (name) => (name === 'v1' ? v1 : name === 'v2' ? root : undefined));
  root = new PyModule('tensorflow', (name) => {
    if (name === 'compat') return compat;
    if (name in DTYPES) return new PyDType(DTYPES[name], 'tf');
    if (name in api) return api[name]();
    if (name in modules) return modules[name]();
    if (name.endsWith('_initializer') && name in initializers) return initializers[name];
    if (SUBMODULES.includes(name)) return new PyModule(`tensorflow.${name}`, () => undefined);
    return registryOp('tensorflow', name);
  });
  return root;
}

/** An op of the registry under a TensorFlow name (`tf.nn.softmax` is the registry's
 *  `softmax`); internal ops and .tgraph-only names are not TensorFlow's. */
function registryOp(module: string, name: string): PyValue | undefined {
  if (TGRAPH_ONLY.has(name)) return undefined;
  const op = lookupOp(name);
  if (!op || op.internal) return undefined;
  return new PyOp(op, `${module.replace(/^tensorflow/, 'tf')}.${name}`);
}

/** Registry names that are not TensorFlow's (the .tgraph feed generators and checks). */
const TGRAPH_ONLY = new Set([
  'randint',
  'uniform',
  'normal',
  'load',
  'allclose',
  'variable',
  'gradient',
  'jacobian',
  'batch_jacobian',
  'hessian',
]);
