// TF 1.x variables: `tf.Variable`, `tf.get_variable` with the usual initializers, and the
// operations that initialise them. A variable is a `variable_value` node (a usual x of
// gradients) whose value in a session is that session's state: set by running an
// initializer, read by every run (so an optimizer's step, later, writes the same state).
//
// Random initializers draw from the documented generator of engine/ops/random.ts (TensorFlow's
// own stream cannot be reproduced), seeded as the random ops are (engine/ops/sampling.ts), so
// a script gives the same values on every run.

import type { Span } from '../../syntax/ast';
import type { Node } from '../../graph';
import { BuildError, Poisoned, tensorValue } from '../../builder';
import { type DType, type Tensor, allocData, sizeOf } from '../../tensor';
import { lookupOp } from '../../ops/registry';
import { Random } from '../../ops/random';
import { nextStreamSeed } from '../../ops/sampling';
import { checkedSize } from '../../ops/sources';
import { type CallSite, type KeywordArg, NOT_IMPLEMENTED, type OpSite, PyList, PyObject, type PyValue } from '../values';
import { OutsideSubset, pyError } from '../errors';
import type { Interpreter } from '../interpreter';
import type { Runtime } from '../runtime';
import type { PySession } from './session';
import { eagerArray, eagerValue, eagerVariableRepr, isEager } from './eager';
import { GraphTensor, PyDType, TensorShape, graphDType, method, sliceTensor, tensorBinary, tfShape, toGraphValue } from './tensor';
import { NDArray, type NpDType } from '../numpy/ndarray';
import { args as bindArgs } from '../signature';

type Assignment = 'assign' | 'assign_add' | 'assign_sub';

export class PyVariable extends PyObject {
  constructor(
    /** Its value's node; an eager variable's is replaced at each assignment. */
    public node: Node,
    readonly name: string,
    readonly trainable: boolean,
    readonly rt: Runtime,
  ) {
    super();
  }
  get typeName(): string {
    return 'Variable';
  }
  /** The node its initial value comes from. */
  get init(): Node {
    return this.node.inputs[0];
  }
  override repr(): string {
    if (isEager(this.rt)) return eagerVariableRepr(this.rt, this.node, this.name, this.node.span);
    return `<tf.Variable '${this.name}:0' shape=${tfShape(this.node.type.shape)} dtype=${this.node.type.dtype}_ref>`;
  }
  override toNumber(): bigint | number | boolean | undefined {
    return new GraphTensor(this.node, this.rt).toNumber();
  }
  override length(rt: Interpreter, span: Span): number {
    return new GraphTensor(this.node, this.rt).length(rt, span);
  }
  override iterate(rt: Interpreter, span: Span): PyValue[] {
    return new GraphTensor(this.node, this.rt).iterate(rt, span);
  }

  /** `v.assign(value)`, `v.assign_add(delta)`, `v.assign_sub(delta)` in eager execution: the
   *  new value becomes a new node (what was computed from the old one keeps its value). */
  assignEager(rt: Interpreter, how: Assignment, value: PyValue, span: Span, site: CallSite): PyVariable {
    const next = this.assigned(rt, how, value, span, site);
    const t = eagerValue(rt.rt, next, span);
    this.checkAssignedShape(t.shape, span);
    this.setValue(t, site.span);
    return this;
  }

  /** The same in a TF 1.x graph: an op that gives the variable its new value, computed from the
   *  values of the session run that runs it (fetched, it is that value, as TensorFlow's). */
  assignInGraph(rt: Interpreter, how: Assignment, value: PyValue, span: Span, site: CallSite): PyOperation {
    const next = this.assigned(rt, how, value, span, site);
    if (next.type.shape !== null && next.type.shape.every((d) => d !== null)) this.checkAssignedShape(next.type.shape as number[], span);
    const result = new GraphTensor(next, rt.rt);
    return new PyOperation(
      `${this.name}/${how === 'assign' ? 'Assign' : how === 'assign_add' ? 'AssignAdd' : 'AssignSub'}`,
      [],
      [result],
      (valueOf, session) => {
        const t = valueOf(next);
        if (t) session.variables.set(this, t);
      },
      result,
    );
  }

  /** The value an assignment gives: the value itself, or the variable's plus or minus it. */
  private assigned(rt: Interpreter, how: Assignment, value: PyValue, span: Span, site: CallSite): Node {
    const b = rt.rt.b;
    const next = b.toTensor(toGraphValue(rt, value, span), span, this.node.type.dtype);
    if (how === 'assign') return next;
    const sum = b.call(
      lookupOp(how === 'assign_add' ? 'add' : 'subtract')!,
      [
        { value: tensorValue(this.node), span: site.funcSpan },
        { value: tensorValue(next), span },
      ],
      site.span,
    );
    if (sum.kind !== 'tensor') throw new Poisoned();
    return sum.node;
  }

  private checkAssignedShape(assigned: readonly number[], span: Span): void {
    const shape = this.node.type.shape ?? [];
    if (assigned.length !== shape.length || assigned.some((d, i) => d !== shape[i])) {
      throw pyError(
        'ValueError',
        `Cannot assign value to variable ' ${this.name}:0': Shape mismatch.The variable shape ${tfShape(shape)}, and the assigned value shape ${tfShape(assigned)} are incompatible.`,
        span,
      );
    }
  }

  /** Gives an eager variable a new value (an optimizer's step, an assignment). */
  setValue(t: Tensor, span: Span): void {
    const b = this.rt.b;
    const node = b.apply('variable_value', [b.constant(t, span)], {}, span);
    node.label = this.node.label;
    this.node = node;
  }
  override binaryOp(rt: Interpreter, op: string, other: PyValue, reflected: boolean, site: OpSite): PyValue | typeof NOT_IMPLEMENTED {
    return tensorBinary(
      rt,
      this.node,
      op.endsWith('=') && !['<=', '>=', '==', '!='].includes(op) ? op.slice(0, -1) : op,
      other,
      reflected,
      site,
    );
  }
  override unaryOp(rt: Interpreter, op: '-' | '+' | '~', span: Span): PyValue {
    return new GraphTensor(this.node, rt.rt).unaryOp(rt, op, span);
  }
  override getItem(rt: Interpreter, index: PyValue, span: Span, indexSpan: Span): PyValue {
    return sliceTensor(rt, this.node, index, span, indexSpan);
  }
  override truth(rt: Interpreter, span: Span): boolean {
    return new GraphTensor(this.node, rt.rt).truth(rt, span);
  }
  override getAttr(rt: Interpreter, name: string, span: Span): PyValue | undefined {
    switch (name) {
      case 'name':
        return this.name + ':0';
      case 'shape':
        return new TensorShape(this.node.type.shape, !isEager(rt.rt));
      case 'get_shape':
        return method('get_shape', () => new TensorShape(this.node.type.shape, !isEager(rt.rt)));
      case 'dtype':
        return new PyDType(this.node.type.dtype as NpDType, 'tf');
      case 'initializer':
        return new PyOperation('init_' + this.name, [this]);
      case 'initial_value':
        return new GraphTensor(this.init, rt.rt);
      case 'initialized_value':
      case 'value':
      case 'read_value':
        return method(name, () => new GraphTensor(this.node, rt.rt));
      case 'eval':
        return method('eval', (args, kwargs, site) => rt.rt.evalTensor(this, args, kwargs, site));
      case 'trainable':
        return this.trainable;
      case 'numpy':
        return method('numpy', (_a, _kw, site) => eagerArray(rt.rt, this.node, site.span));
      case 'ndim':
        return this.node.type.shape === null ? null : BigInt(this.node.type.shape.length);
      case 'assign':
      case 'assign_add':
      case 'assign_sub':
        return method(name, (a, kw, site) => {
          const p = bindArgs(name, [name === 'assign' ? 'value' : 'delta', 'use_locking', 'name', 'read_value'], a, kw, site);
          const key = name === 'assign' ? 'value' : 'delta';
          return isEager(rt.rt)
            ? this.assignEager(rt, name, p.get(key), p.span(key), site)
            : this.assignInGraph(rt, name, p.get(key), p.span(key), site);
        });
      case 'load':
        throw new OutsideSubset(`\`Variable.${name}\` is not evaluated yet`, span);
    }
    return undefined;
  }
}

/** Something `sess.run` can run that returns None: variable initializers, `tf.group`,
 *  `tf.no_op`. */
export class PyOperation extends PyObject {
  constructor(
    readonly name: string,
    /** The variables it initialises. */
    readonly initializes: readonly PyVariable[],
    /** What else it runs (`tf.group(a, b)`). */
    readonly runs: readonly PyValue[] = [],
    /** What running it changes in the session (an optimizer's step), given the run's values. */
    readonly update?: (valueOf: (node: Node) => Tensor | undefined, session: PySession) => void,
    /** What fetching it gives (an assignment's new value); None otherwise. */
    readonly result?: GraphTensor,
  ) {
    super();
  }
  get typeName(): string {
    return 'Operation';
  }
  override repr(): string {
    return `<tf.Operation '${this.name}' type=NoOp>`;
  }
  override getAttr(rt: Interpreter, name: string): PyValue | undefined {
    if (name === 'name') return this.name;
    if (name === 'run') return method('run', (args, kwargs, site) => rt.rt.runOperation(this, args, kwargs, site));
    return undefined;
  }
}

/** Variables of the document, in creation order (tf.global_variables()). */
export function variablesOf(rt: Runtime): PyVariable[] {
  return variableState(rt).all;
}

interface VariableState {
  all: PyVariable[];
  byName: Map<string, PyVariable>;
  /** Every proper prefix of the names in `byName` ('d0' and 'd0/bn' of 'd0/bn/gamma'): the
   *  scopes and layer names taken. */
  prefixes: Set<string>;
  /** `tf.variable_scope` prefixes, innermost last, and whether each reuses. */
  scopes: { name: string; reuse: boolean }[];
}

const states = new WeakMap<Runtime, VariableState>();
function variableState(rt: Runtime): VariableState {
  let s = states.get(rt);
  if (!s) states.set(rt, (s = { all: [], byName: new Map(), prefixes: new Set(), scopes: [] }));
  return s;
}

function uniqueName(s: VariableState, base: string): string {
  if (!s.byName.has(base)) return base;
  for (let i = 1; ; i++) if (!s.byName.has(`${base}_${i}`)) return `${base}_${i}`;
}

function register(rt: Runtime, node: Node, name: string, trainable: boolean): PyVariable {
  const s = variableState(rt);
  const v = new PyVariable(node, name, trainable, rt);
  s.all.push(v);
  s.byName.set(name, v);
  for (let at = name.indexOf('/'); at >= 0; at = name.indexOf('/', at + 1)) s.prefixes.add(name.slice(0, at));
  return v;
}

/** `tf.Variable(initial_value, trainable=True, name=None, dtype=None, ...)`. */
export function makeVariable(rt: Interpreter, a: PyValue[], kw: KeywordArg[], site: CallSite): PyValue {
  const p = bindArgs(
    'Variable',
    [
      'initial_value',
      'trainable',
      'collections',
      'validate_shape',
      'caching_device',
      'name',
      'variable_def',
      'dtype',
      'expected_shape',
      'import_scope',
      'constraint',
      'use_resource',
      'synchronization',
      'aggregation',
      'shape',
    ],
    a,
    kw,
    site,
  );
  if (!p.has('initial_value')) throw pyError('ValueError', 'initial_value must be specified.', site.span);
  const init = p.get('initial_value');
  if (init instanceof PyInitializer)
    throw pyError('ValueError', 'an initializer needs a shape: pass it to tf.get_variable, or call it with one', p.span('initial_value'));
  const dtype = p.has('dtype') && p.get('dtype') !== null ? p.get('dtype') : null;
  const eager = isEager(rt.rt);
  let initValue = toGraphValue(rt, init, p.span('initial_value'));
  // An eager initial value is a value, whatever computed it.
  if (eager && initValue.kind === 'tensor' && !initValue.node.constant)
    initValue = tensorValue(rt.rt.b.constant(eagerValue(rt.rt, initValue.node, p.span('initial_value')), p.span('initial_value')));
  const args = [{ value: initValue, span: p.span('initial_value') }];
  if (dtype !== null)
    args.push({
      keyword: { name: 'dtype', span: p.span('dtype') },
      value: toGraphValue(rt, dtype, p.span('dtype')),
      span: p.span('dtype'),
    } as never);
  const made = rt.rt.b.call(lookupOp('variable')!, args, site.span);
  if (made.kind !== 'tensor') throw pyError('TypeError', 'a variable needs a tensor value', site.span);
  const s = variableState(rt.rt);
  const given = p.has('name') && typeof p.get('name') === 'string' ? (p.get('name') as string) : 'Variable';
  const scoped = [...s.scopes.map((x) => x.name), given].join('/');
  // Eager variables' names need not be unique (TF 2 does not number them).
  const name = eager ? scoped : uniqueName(s, scoped);
  return register(rt.rt, made.node, name, p.get('trainable', true) !== false);
}

/** `tf.get_variable(name, shape=None, dtype=None, initializer=None, ...)`. */
export function getVariable(rt: Interpreter, a: PyValue[], kw: KeywordArg[], site: CallSite): PyValue {
  const p = bindArgs(
    'get_variable',
    [
      'name',
      'shape',
      'dtype',
      'initializer',
      'regularizer',
      'trainable',
      'collections',
      'caching_device',
      'partitioner',
      'validate_shape',
      'use_resource',
      'custom_getter',
      'constraint',
      'synchronization',
      'aggregation',
    ],
    a,
    kw,
    site,
  );
  const base = p.get('name');
  if (typeof base !== 'string') throw pyError('TypeError', 'get_variable() needs a name (a string)', p.span('name'));
  const dtypeValue = p.get('dtype', null);
  return scopedVariable(rt, base, {
    shape: p.get('shape', null),
    dtype: dtypeValue instanceof PyDType ? graphDType(dtypeValue, p.span('dtype')) : 'float32',
    initializer: p.get('initializer', null),
    trainable: p.get('trainable', true) !== false,
    spans: { name: p.span('name'), shape: p.span('shape'), initializer: p.span('initializer'), call: site.span },
  });
}

/** The variable `name` of the current variable scope: the existing one where the scope
 *  reuses, a new one otherwise (tf.get_variable's rules; tf.layers.dense uses them too). */
export function scopedVariable(
  rt: Interpreter,
  name: string,
  o: {
    shape: PyValue;
    dtype: DType;
    initializer: PyValue;
    trainable: boolean;
    spans: { name: Span; shape: Span; initializer: Span; call: Span };
    /** A Keras layer's weight in eager execution: TF 2 names variables without numbering them,
     *  so two layers given one name each have their own `head/kernel:0`. */
    duplicateAllowed?: boolean;
  },
): PyVariable {
  const s = variableState(rt.rt);
  const fullName = [...s.scopes.map((x) => x.name), name].join('/');
  const reuse = s.scopes.some((x) => x.reuse);
  const existing = o.duplicateAllowed ? undefined : s.byName.get(fullName);
  if (existing) {
    if (reuse) return existing;
    throw pyError(
      'ValueError',
      `Variable ${fullName} already exists, disallowed. Did you mean to set reuse=True or reuse=tf.AUTO_REUSE in VarScope?`,
      o.spans.name,
    );
  }
  if (reuse && !s.scopes.some((x) => x.reuse && x.name === 'AUTO_REUSE')) {
    throw pyError(
      'ValueError',
      `Variable ${fullName} does not exist, or was not created with tf.get_variable(). Did you mean to set reuse=tf.AUTO_REUSE in VarScope?`,
      o.spans.name,
    );
  }
  let initNode: Node;
  if (o.initializer === null || o.initializer instanceof PyInitializer) {
    const shape = staticShape(rt, o.shape, o.spans.shape);
    if (!shape)
      throw pyError('ValueError', `Shape of a new variable (${fullName}) must be fully defined, but instead was <unknown>.`, o.spans.shape);
    const init = o.initializer ?? new PyInitializer('glorot_uniform', {});
    initNode = init.build(rt.rt, shape, o.dtype, o.spans.call);
  } else {
    const v = toGraphValue(rt, o.initializer, o.spans.initializer);
    initNode = rt.rt.b.toTensor(v, o.spans.initializer, o.dtype);
    if (!initNode.constant)
      throw new BuildError('get_variable() needs an initializer known without feeds', o.spans.initializer, 'not-constant');
  }
  if (initNode.type.dtype !== o.dtype) initNode = rt.rt.b.cast(initNode, o.dtype);
  const node = rt.rt.b.apply('variable_value', [initNode], {}, o.spans.call);
  return register(rt.rt, node, fullName, o.trainable);
}

/** `tf.layers.dense(inputs, units, activation=None, use_bias=True, ...)`: a kernel (glorot
 *  uniform unless given) and a bias (zeros) made as get_variable makes them, under the
 *  scope `dense`, `dense_1`, ... (or `name`). */
export function dense(rt: Interpreter, a: PyValue[], kw: KeywordArg[], site: CallSite): PyValue {
  const p = bindArgs(
    'dense',
    [
      'inputs',
      'units',
      'activation',
      'use_bias',
      'kernel_initializer',
      'bias_initializer',
      'kernel_regularizer',
      'bias_regularizer',
      'activity_regularizer',
      'kernel_constraint',
      'bias_constraint',
      'trainable',
      'name',
      'reuse',
    ],
    a,
    kw,
    site,
  );
  const x = rt.rt.b.toTensor(toGraphValue(rt, p.get('inputs'), p.span('inputs')), p.span('inputs'));
  const given = p.get('name', null);
  const { kernel, bias } = denseVariables(rt, x, p.get('units'), {
    name: typeof given === 'string' ? given : null,
    useBias: p.get('use_bias', true) !== false,
    kernelInitializer: p.get('kernel_initializer', null),
    biasInitializer: p.get('bias_initializer', null),
    trainable: p.get('trainable', true) !== false,
    reuse: p.get('reuse', false) === true,
    spans: {
      inputs: p.span('inputs'),
      units: p.span('units'),
      kernelInitializer: p.span('kernel_initializer'),
      biasInitializer: p.span('bias_initializer'),
      call: site.span,
    },
  });
  return denseApply(rt, x, kernel, bias, p.get('activation', null), site);
}

/** A dense layer's kernel (glorot uniform unless given) and bias (zeros), made as
 *  get_variable makes them under the scope `dense`, `dense_1`, ... (or `name`). */
export function denseVariables(
  rt: Interpreter,
  x: Node,
  unitsValue: PyValue,
  o: {
    name: string | null;
    /** The Keras Dense layer's `layer.name` (layerVariables). */
    kerasName?: string;
    useBias: boolean;
    kernelInitializer: PyValue;
    biasInitializer: PyValue;
    trainable: boolean;
    reuse: boolean;
    spans: { inputs: Span; units: Span; kernelInitializer: Span; biasInitializer: Span; call: Span };
  },
): { kernel: PyVariable; bias: PyVariable | null } {
  const shape = x.type.shape;
  const last = shape && shape.length ? shape[shape.length - 1] : null;
  if (last === null)
    throw pyError('ValueError', 'The last dimension of the inputs to `Dense` should be defined. Found `None`.', o.spans.inputs);
  const units = rt.rt.indexValue(unitsValue, o.spans.units);
  const [kernel, bias] = layerVariables(rt, {
    layer: 'dense',
    name: o.name,
    kerasName: o.kerasName,
    dtype: x.type.dtype,
    trainable: o.trainable,
    reuse: o.reuse,
    call: o.spans.call,
    weights: [
      { name: 'kernel', shape: [last, units], initializer: o.kernelInitializer, span: o.spans.kernelInitializer },
      ...(o.useBias
        ? [
            {
              name: 'bias',
              shape: [units],
              initializer: o.biasInitializer ?? new PyInitializer('zeros', {}),
              span: o.spans.biasInitializer,
            },
          ]
        : []),
    ],
  });
  return { kernel, bias: bias ?? null };
}

/** A layer's weights, made in its own variable scope (`dense`, `conv2d_1`: Keras' unique
 *  layer names, or the `name` given), as tf.get_variable makes them. */
export function layerVariables(
  rt: Interpreter,
  o: {
    layer: string;
    name: string | null;
    /** A Keras layer's own `layer.name`: its weights are `<name>/kernel:0` whatever order the
     *  layers are built in. Eagerly, two layers of one name share the prefix (TF 2 does not
     *  number variables); in a TF 1.x graph the scope is numbered past the names taken, as
     *  graph name scopes are. */
    kerasName?: string;
    dtype: DType;
    trainable: boolean;
    reuse: boolean;
    call: Span;
    /** `trainable: false`: a layer's statistics (BatchNormalization's moving mean). */
    weights: { name: string; shape: number[]; initializer: PyValue; span: Span; trainable?: boolean }[];
  },
): PyVariable[] {
  const s = variableState(rt.rt);
  const eager = isEager(rt.rt);
  const scope = o.kerasName === undefined ? (o.name ?? uniqueLayerName(s, o.layer)) : eager ? o.kerasName : uniqueLayerName(s, o.kerasName);
  s.scopes.push({ name: scope, reuse: o.reuse || s.scopes.some((x) => x.reuse) });
  try {
    return o.weights.map((w) =>
      scopedVariable(rt, w.name, {
        shape: new PyList(w.shape.map(BigInt)),
        dtype: o.dtype,
        initializer: w.initializer,
        trainable: o.trainable && w.trainable !== false,
        spans: { name: o.call, shape: o.call, initializer: w.span, call: o.call },
        duplicateAllowed: o.kerasName !== undefined && eager,
      }),
    );
  } finally {
    s.scopes.pop();
  }
}

/** activation(x · kernel + bias), over the last axis of x. */
export function denseApply(
  rt: Interpreter,
  x: Node,
  kernel: PyVariable,
  bias: PyVariable | null,
  activation: PyValue,
  site: CallSite,
): PyValue {
  const b = rt.rt.b;
  const shape = x.type.shape!;
  let y =
    shape.length === 2
      ? b.apply('matmul', [x, kernel.node], { transpose_a: false, transpose_b: false }, site.span)
      : (
          b.call(
            lookupOp('tensordot')!,
            [
              { value: tensorValue(x), span: site.span },
              { value: tensorValue(kernel.node), span: site.span },
              {
                value: toGraphValue(rt, new PyList([new PyList([BigInt(shape.length - 1)]), new PyList([0n])]), site.span),
                span: site.span,
              },
            ],
            site.span,
          ) as { node: Node }
        ).node;
  if (bias) y = b.apply('add', [y, bias.node], {}, site.span);
  const out = new GraphTensor(y, rt.rt);
  return activation === null ? out : rt.call(activation, [out], [], site);
}

function uniqueLayerName(s: VariableState, base: string): string {
  const prefix = [...s.scopes.map((x) => x.name)].join('/');
  const taken = (n: string) => s.prefixes.has((prefix ? prefix + '/' : '') + n);
  if (!taken(base)) return base;
  for (let i = 1; ; i++) if (!taken(`${base}_${i}`)) return `${base}_${i}`;
}

export function staticShape(rt: Interpreter, v: PyValue, span: Span): number[] | null {
  if (v === null) return null;
  if (typeof v === 'bigint') return [rt.rt.indexValue(v, span)];
  if (v instanceof TensorShape) return v.dims && v.dims.every((d) => d !== null) ? (v.dims as number[]) : null;
  if (v instanceof NDArray) return Array.from(v.data as ArrayLike<number>);
  const items = rt.iterate(v, span);
  return items.map((x) => {
    const n = rt.rt.indexValue(x, span);
    if (n < 0) throw pyError('ValueError', `Dimension ${n} must be >= 0`, span);
    return n;
  });
}

/** `tf.variable_scope(name, reuse=...)`: names of get_variable inside it. */
export class VariableScope extends PyObject {
  constructor(
    readonly rt: Runtime,
    readonly name: string,
    readonly reuse: boolean,
  ) {
    super();
  }
  get typeName(): string {
    return 'variable_scope';
  }
  override enter(): PyValue {
    variableState(this.rt).scopes.push({ name: this.name, reuse: this.reuse });
    return this;
  }
  override exit(): void {
    variableState(this.rt).scopes.pop();
  }
  override getAttr(_rt: Interpreter, name: string): PyValue | undefined {
    if (name === 'name') return this.name;
    if (name === 'reuse_variables') {
      return method('reuse_variables', () => {
        const scopes = variableState(this.rt).scopes;
        if (scopes.length) scopes[scopes.length - 1].reuse = true;
        return null;
      });
    }
    return undefined;
  }
}

// ---- initializers -------------------------------------------------------------------------------

type InitKind =
  | 'zeros'
  | 'ones'
  | 'constant'
  | 'random_normal'
  | 'truncated_normal'
  | 'random_uniform'
  | 'glorot_uniform'
  | 'glorot_normal'
  | 'he_normal'
  | 'he_uniform'
  | 'lecun_normal'
  | 'lecun_uniform'
  | 'variance_scaling'
  | 'orthogonal';

/** An initializer object (`tf.zeros_initializer()`, `tf.glorot_uniform_initializer()`, ...):
 *  called with a shape, or given to get_variable. */
export class PyInitializer extends PyObject {
  constructor(
    readonly kind: InitKind,
    readonly options: {
      value?: PyValue;
      mean?: number;
      stddev?: number;
      minval?: number;
      maxval?: number;
      seed?: number | null;
      scale?: number;
      mode?: string;
      distribution?: string;
    },
  ) {
    super();
  }
  get typeName(): string {
    return 'Initializer';
  }
  override call(rt: Interpreter, a: PyValue[], kw: KeywordArg[], site: CallSite): PyValue {
    const p = bindArgs('initializer', ['shape', 'dtype', 'partition_info'], a, kw, site);
    const shape = staticShape(rt, p.get('shape'), p.span('shape'));
    if (!shape) throw pyError('ValueError', 'an initializer needs a fully known shape', p.span('shape'));
    const d = p.get('dtype', null);
    return new GraphTensor(this.build(rt.rt, shape, d instanceof PyDType ? graphDType(d, p.span('dtype')) : 'float32', site.span), rt.rt);
  }

  /** The initial value, as a constant node. */
  build(rt: Runtime, shape: number[], dtype: DType, span: Span): Node {
    const n = checkedSize(rt.b, shape, span, 'initial value');
    const o = this.options;
    if (this.kind === 'constant') {
      const v = toGraphValue(rt.interpreter, o.value ?? 0n, span);
      const t = rt.b.toTensor(v, span, dtype);
      return rt.b.apply('broadcast_to', [t.type.dtype === dtype ? t : rt.b.cast(t, dtype)], { shape }, span);
    }
    const data = allocData(dtype, n, 'float64');
    if (this.kind === 'ones') data.fill(1);
    else if (this.kind !== 'zeros') {
      // Seeded as TensorFlow's random ops are (engine/ops/sampling.ts): the global seed of
      // tf.set_random_seed, the op's seed or its number among the random ops.
      const random = new Random(nextStreamSeed(rt.b, o.seed ?? null));
      const [fanIn, fanOut] = fans(shape);
      const normal = () => random.normal();
      const truncated = () => {
        for (;;) {
          const z = random.normal();
          if (Math.abs(z) <= 2) return z;
        }
      };
      let draw: () => number = normal;
      switch (this.kind) {
        case 'orthogonal':
          break;
        case 'random_normal':
          draw = () => (o.mean ?? 0) + (o.stddev ?? 1) * normal();
          break;
        case 'truncated_normal':
          draw = () => (o.mean ?? 0) + (o.stddev ?? 1) * truncated();
          break;
        case 'random_uniform': {
          const lo = o.minval ?? (o.maxval === undefined ? -0.05 : 0);
          const hi = o.maxval ?? 0.05;
          draw = () => lo + (hi - lo) * random.uniform();
          break;
        }
        default: {
          // variance scaling: glorot = fan_avg/1.0, he = fan_in/2.0, lecun = fan_in/1.0
          const mode = o.mode ?? (this.kind.startsWith('glorot') ? 'fan_avg' : this.kind === 'variance_scaling' ? 'fan_in' : 'fan_in');
          const scale = o.scale ?? (this.kind.startsWith('he') ? 2 : 1);
          const fan = mode === 'fan_in' ? fanIn : mode === 'fan_out' ? fanOut : (fanIn + fanOut) / 2;
          const variance = scale / Math.max(1, fan);
          const dist = o.distribution ?? (this.kind.endsWith('uniform') ? 'uniform' : 'truncated_normal');
          if (dist === 'uniform') {
            const limit = Math.sqrt(3 * variance);
            draw = () => -limit + 2 * limit * random.uniform();
          } else if (dist === 'untruncated_normal' || dist === 'normal') {
            const sd = Math.sqrt(variance);
            draw = () => sd * normal();
          } else {
            // a normal truncated at two standard deviations has a stddev of .87962566103423978
            const sd = Math.sqrt(variance) / 0.87962566103423978;
            draw = () => sd * truncated();
          }
        }
      }
      if (this.kind === 'orthogonal') orthogonal(shape, normal, o.scale ?? 1, data);
      else for (let i = 0; i < n; i++) data[i] = draw();
    }
    const t = { dtype, shape, data: dtype === 'float32' ? Float32Array.from(data) : data };
    return rt.b.constant(t, span);
  }
}

/** Keras' Orthogonal: the shape as a [rows, columns] matrix (the last axis its columns) with
 *  orthonormal rows or columns (whichever are fewer), times `gain`: the Q of a QR factorization
 *  of a matrix of normal samples (taller than wide), its column signs those of R's diagonal,
 *  transposed when the matrix is wide. Gram–Schmidt, twice over, keeps Q orthonormal to
 *  rounding. */
function orthogonal(shape: readonly number[], normal: () => number, gain: number, out: { length: number; [index: number]: number }): void {
  if (shape.length === 0) {
    out[0] = gain * normal();
    return;
  }
  const columns = shape[shape.length - 1];
  const rows = out.length / Math.max(columns, 1);
  const [tall, narrow] = rows >= columns ? [rows, columns] : [columns, rows];
  // q[j]: column j of the tall matrix, drawn row by row as NumPy's normal(size=(tall, narrow)).
  const q = Array.from({ length: narrow }, () => new Float64Array(tall));
  for (let i = 0; i < tall; i++) for (let j = 0; j < narrow; j++) q[j][i] = normal();
  const dot = (a: Float64Array, b: Float64Array) => a.reduce((sum, x, i) => sum + x * b[i], 0);
  for (let j = 0; j < narrow; j++) {
    const original = q[j].slice();
    for (let pass = 0; pass < 2; pass++)
      for (let k = 0; k < j; k++) {
        const along = dot(q[k], q[j]);
        for (let i = 0; i < tall; i++) q[j][i] -= along * q[k][i];
      }
    const norm = Math.sqrt(dot(q[j], q[j]));
    // R's diagonal entry is q·original; a negative one flips the column (Keras' sign fix).
    const sign = norm > 0 && dot(q[j], original) < 0 ? -1 : 1;
    for (let i = 0; i < tall; i++) q[j][i] = norm > 0 ? (sign * q[j][i]) / norm : 0;
  }
  for (let r = 0; r < rows; r++) for (let c = 0; c < columns; c++) out[r * columns + c] = gain * (rows >= columns ? q[c][r] : q[r][c]);
}

function fans(shape: readonly number[]): [number, number] {
  if (shape.length === 0) return [1, 1];
  if (shape.length === 1) return [shape[0], shape[0]];
  if (shape.length === 2) return [shape[0], shape[1]];
  const receptive = sizeOf(shape.slice(0, -2));
  return [shape[shape.length - 2] * receptive, shape[shape.length - 1] * receptive];
}

/** The initializer functions of `tf.*_initializer`, `tf.initializers.*`, `tf.keras.initializers.*`. */
export function initializerFactory(rt: Interpreter, kind: InitKind, params: string[]) {
  return (a: PyValue[], kw: KeywordArg[], site: CallSite): PyValue => {
    const p = bindArgs(kind, params, a, kw, site);
    const num = (name: string): number | undefined => {
      if (!p.has(name) || p.get(name) === null) return undefined;
      const v = p.get(name);
      if (typeof v === 'number') return v;
      if (typeof v === 'bigint') return Number(v);
      throw pyError('TypeError', `${name} must be a number`, p.span(name));
    };
    const str = (name: string): string | undefined =>
      p.has(name) && typeof p.get(name) === 'string' ? (p.get(name) as string) : undefined;
    void rt;
    return new PyInitializer(kind, {
      value: p.has('value') ? p.get('value') : undefined,
      mean: num('mean'),
      stddev: num('stddev'),
      minval: num('minval'),
      maxval: num('maxval'),
      seed: num('seed') ?? null,
      scale: num('scale') ?? num('gain'),
      mode: str('mode'),
      distribution: str('distribution'),
    });
  };
}
