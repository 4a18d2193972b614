// Conformance with TensorFlow.js (CPU backend): each case is a .tgraph source that our engine
// analyses and a TF.js computation on the same inputs; values AND gradients must agree to
// 1e-4 (absolute + relative). TensorFlow (Python) is the reference: where TF.js differs from
// it (ties in reduce_max/min, gradients w.r.t. integer tensors, ops TF registers without a
// gradient), the case asserts TensorFlow's documented value and says why.
//
// Every case lists the ops it exercises: a case whose ops are not all registered yet is
// skipped (it activates by itself when the op lands), and the last test checks that every
// op of the spec's table is exercised by some case.

import { beforeAll, describe, expect, it } from 'vitest';
import { hasOps, lit, randomArray, Rng, run, type Nested, type Plain } from '../support/engine';
import { expectClose } from '../support/compare';
import { initTf, plain, tf } from '../support/tfjs';
import { isProseName, specFeedGenerators, specNames, specOps } from '../support/spec';
import { lookupOp } from '../../engine/ops/registry';

beforeAll(initTf);

type Expected = Record<string, Plain>;

interface Case {
  name: string;
  /** Ops the case exercises (it is skipped until all of them are registered). */
  ops: string[];
  src: string;
  /** The reference values by bound name, computed with TF.js or from TensorFlow's docs. */
  expected: () => Expected;
  tol?: { atol?: number; rtol?: number };
}

const cases: Case[] = [];
const conform = (c: Case) => cases.push(c);

const T = (x: Nested, dtype: 'float32' | 'int32' | 'bool' = 'float32') => tf.tensor(x as never, undefined, dtype);
/** The gradient of `f` at `xs` weighted by `dy` (TF.js sums over the output when dy is omitted). */
const grads = (f: (...xs: tf.Tensor[]) => tf.Tensor, xs: tf.Tensor[], dy?: tf.Tensor) => plain(tf.grads(f)(xs, dy));
const rng = new Rng(20240601);
const R = (shape: number[], lo = -2, hi = 2, avoid?: number[]) => randomArray(rng, shape, lo, hi, { avoid });

// ---- the seed example and the classic graphs -------------------------------------------

const SEED_X = [
  [5, 3, 7],
  [2, 2, 5],
  [7, 5, 0],
  [3, 7, 6],
];
conform({
  name: 'seed example: dy/dx per element, dz/dx twice that (stack)',
  ops: ['placeholder', 'pow', 'multiply', 'stack', 'gradients'],
  src: `
x_dims = 3
x = placeholder(float32, [None, x_dims])
feed x = ${lit(SEED_X, true)}
y = 2 * x**2
z = stack([y, y])
dy_dx = gradients(y, x)[0]
dz_dx = gradients(z, x)[0]
`,
  expected: () => {
    const f = (x: tf.Tensor) => tf.mul(2, tf.pow(x, 2));
    const x = T(SEED_X);
    return {
      y: plain(f(x)),
      dy_dx: [
        [20, 12, 28],
        [8, 8, 20],
        [28, 20, 0],
        [12, 28, 24],
      ],
      dz_dx: plain(tf.grad((v) => tf.stack([f(v), f(v)]))(x)),
    };
  },
});

const DDPG_S = R([4, 3], -1, 1);
const DDPG_W = R([3, 2], -1, 1);
const DDPG_G = R([4, 2]);
conform({
  name: 'DDPG actor: gradients(tanh(s @ w), w, grad_ys=-g) sums over the batch',
  ops: ['placeholder', 'variable', 'matmul', 'tanh', 'negative', 'gradients'],
  src: `
s = placeholder(float32, [None, 3])
feed s = ${lit(DDPG_S)}
g = placeholder(float32, [None, 2])
feed g = ${lit(DDPG_G)}
w = variable(${lit(DDPG_W)})
actions = tanh(s @ w)
actor_grad = gradients(actions, w, grad_ys=-g)[0]
per_example = gradients(tanh(s[0:1] @ w), w, grad_ys=-g[0:1])[0]
`,
  expected: () => {
    const f = (w: tf.Tensor) => tf.tanh(tf.matMul(T(DDPG_S), w));
    return {
      actions: plain(f(T(DDPG_W))),
      actor_grad: (grads(f, [T(DDPG_W)], tf.neg(T(DDPG_G))) as Plain[])[0],
      per_example: plain(
        tf.grad((w) => tf.tanh(tf.matMul(T(DDPG_S).slice([0, 0], [1, 3]), w)))(T(DDPG_W), tf.neg(T(DDPG_G).slice([0, 0], [1, 2]))),
      ),
    };
  },
});

const BIAS_X = R([5, 3]);
const BIAS_W = R([3, 2]);
const BIAS_B = R([2]);
conform({
  name: 'bias broadcast: the bias gradient is summed over the batch',
  ops: ['variable', 'Variable', 'matmul', 'add', 'gradients'],
  src: `
x = constant(${lit(BIAS_X)})
w = variable(${lit(BIAS_W)})
b = Variable(${lit(BIAS_B)})
y = x @ w + b
[dw, db] = gradients(y * y, [w, b])
db_value = db
dw_value = dw
`,
  expected: () => {
    const [dw, db] = grads((w, b) => tf.square(tf.add(tf.matMul(T(BIAS_X), w), b)), [T(BIAS_W), T(BIAS_B)]) as Plain[];
    return { y: plain(tf.add(tf.matMul(T(BIAS_X), T(BIAS_W)), T(BIAS_B))), db_value: db, dw_value: dw };
  },
});

const MLP = {
  x: R([4, 3]),
  w1: R([3, 5], -1, 1),
  b1: R([5], -0.5, 0.5),
  w2: R([5, 3], -1, 1),
  b2: R([3], -0.5, 0.5),
  labels: [
    [1, 0, 0],
    [0, 0, 1],
    [0, 1, 0],
    [0, 0, 1],
  ],
};
conform({
  name: 'MLP with softmax cross-entropy: loss and all four parameter gradients',
  ops: ['relu', 'matmul', 'add', 'softmax_cross_entropy_with_logits', 'reduce_mean', 'gradients'],
  src: `
x = constant(${lit(MLP.x)})
labels = constant(${lit(MLP.labels.map((r) => r.map((v) => v + 0.0)))}, dtype=float32)
w1 = variable(${lit(MLP.w1)})
b1 = variable(${lit(MLP.b1)})
w2 = variable(${lit(MLP.w2)})
b2 = variable(${lit(MLP.b2)})
h = relu(x @ w1 + b1)
logits = h @ w2 + b2
loss = reduce_mean(softmax_cross_entropy_with_logits(labels=labels, logits=logits))
grads = gradients(loss, [w1, b1, w2, b2])
`,
  expected: () => {
    const f = (w1: tf.Tensor, b1: tf.Tensor, w2: tf.Tensor, b2: tf.Tensor) => {
      const h = tf.relu(tf.add(tf.matMul(T(MLP.x), w1), b1));
      const logits = tf.add(tf.matMul(h, w2), b2);
      return tf.mean(tf.neg(tf.sum(tf.mul(T(MLP.labels), tf.logSoftmax(logits)), -1)));
    };
    const params = [T(MLP.w1), T(MLP.b1), T(MLP.w2), T(MLP.b2)];
    return { loss: plain(f(params[0], params[1], params[2], params[3])), grads: grads(f, params) };
  },
});

const GG_X = R([5], 0.2, 2);
conform({
  name: 'grad of grad: d²/dx² of x**3 is 6x',
  ops: ['pow', 'gradients'],
  src: `
x = variable(${lit(GG_X)})
y = x**3
dy = gradients(y, x)[0]
d2y = gradients(dy, x)[0]
`,
  expected: () => {
    const x = T(GG_X);
    return { dy: plain(tf.mul(3, tf.square(x))), d2y: plain(tf.mul(6, x)) };
  },
});

const HESS_X = R([3], -1, 1);
const HESS_A = R([3, 3], -1, 1);
conform({
  name: 'hessian of a quadratic form plus a cubic: A + Aᵀ + diag(6x)',
  ops: ['hessian', 'hessians', 'matmul', 'reshape', 'reduce_sum', 'pow'],
  src: `
x = variable(${lit(HESS_X)})
a = constant(${lit(HESS_A)})
xc = reshape(x, [3, 1])
y = reduce_sum(transpose(xc) @ a @ xc) + reduce_sum(x**3)
h = hessian(y, x)
hs = hessians(y, x)
`,
  expected: () => {
    const a = T(HESS_A);
    const h = tf.add(tf.add(a, tf.transpose(a)), tf.diag(tf.mul(6, T(HESS_X))));
    return { h: plain(h), hs: [plain(h)] };
  },
});

const JAC_X = R([3], -1, 1);
const JAC_W = R([2, 3], -1, 1);
/** TF.js has no jacobian: row i is the gradient of y[i] (a one-hot dy). */
function tfJacobian(f: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor): Plain {
  const y = f(x);
  const rows: tf.Tensor[] = [];
  for (let i = 0; i < y.size; i++) {
    const seed = tf.oneHot(i, y.size).reshape(y.shape).cast('float32');
    rows.push(tf.grad(f)(x, seed));
  }
  return plain(tf.stack(rows).reshape([...y.shape, ...x.shape]));
}
conform({
  name: 'jacobian: shape y.shape + x.shape, row i is ∂y[i]/∂x',
  ops: ['jacobian', 'matmul', 'tanh', 'reshape'],
  src: `
x = variable(${lit(JAC_X)})
w = constant(${lit(JAC_W)})
y = tanh(reshape(w @ reshape(x, [3, 1]), [2]))
j = jacobian(y, x)
`,
  expected: () => ({ j: tfJacobian((x) => tf.tanh(tf.matMul(T(JAC_W), x.reshape([3, 1])).reshape([2])), T(JAC_X)) }),
});

const BJ_X = R([4, 3], -1, 1);
const BJ_W = R([3, 2], -1, 1);
conform({
  name: 'batch_jacobian: shape [b] + y.shape[1:] + x.shape[1:]',
  ops: ['batch_jacobian', 'matmul', 'tanh'],
  src: `
x = variable(${lit(BJ_X)})
w = constant(${lit(BJ_W)})
y = tanh(x @ w)
bj = batch_jacobian(y, x)
`,
  expected: () => {
    // Rows are independent, so per-example jacobians are the diagonal blocks of the full one.
    const out: Plain[] = [];
    for (let i = 0; i < 4; i++)
      out.push(
        tfJacobian((row) => tf.tanh(tf.matMul(row.reshape([1, 3]), T(BJ_W))).reshape([2]), T(BJ_X).slice([i, 0], [1, 3]).reshape([3])),
      );
    return { bj: out };
  },
});

conform({
  name: "stop_gradients vs stop_gradient (TensorFlow's own example)",
  ops: ['constant', 'multiply', 'add', 'gradients', 'stop_gradient'],
  src: `
a = constant(0.)
b = 2 * a
with_stops = gradients(a + b, [a, b], stop_gradients=[a, b])
without = gradients(a + b, [a, b])
c = stop_gradient(a)
through_op = gradients(a + 2 * c, [a])
`,
  // TensorFlow's docs for tf.gradients: [1.0, 1.0] with stop_gradients, [3.0, 1.0] without.
  // With the stop_gradient op, the path through c contributes nothing: 1.
  expected: () => ({ with_stops: [1, 1], without: [3, 1], through_op: [1] }),
});

const UNC_X = R([3]);
conform({
  name: "unconnected xs: None by default, zeros with unconnected_gradients='zero'",
  ops: ['variable', 'sin', 'gradients'],
  src: `
x = variable(${lit(UNC_X)})
u = variable([[1.0, 2.0], [3.0, 4.0]])
y = sin(x)
none = gradients(y, [x, u])
zero = gradients(y, [x, u], unconnected_gradients='zero')
`,
  expected: () => {
    const dx = plain(tf.cos(T(UNC_X)));
    return {
      none: [dx, null],
      zero: [
        dx,
        [
          [0, 0],
          [0, 0],
        ],
      ],
    };
  },
});

conform({
  name: 'integer xs get None (TF.js would differentiate through the cast)',
  ops: ['constant', 'cast', 'multiply', 'gradients'],
  src: `
i = constant([1, 2, 3])
f = variable([0.5, 1.5, 2.5])
y = cast(i, float32) * f
g = gradients(y, [i, f])
`,
  // TensorFlow: the gradient w.r.t. an int32 tensor is None (cast's gradient stops at
  // non-float types); TF.js returns a tensor for it. The float x gets cast(i).
  expected: () => ({ g: [null, [1, 2, 3]] }),
});

const LIST_X = R([2, 3]);
conform({
  name: 'a list of ys: the gradient of sum(y1) + sum(y2)',
  ops: ['variable', 'sin', 'exp', 'reduce_sum', 'gradients'],
  src: `
x = variable(${lit(LIST_X)})
y1 = sin(x)
y2 = reduce_sum(exp(x), axis=1)
g = gradients([y1, y2], x)[0]
`,
  expected: () => ({ g: plain(tf.grad((x) => tf.add(tf.sum(tf.sin(x)), tf.sum(tf.exp(x))))(T(LIST_X))) }),
});

const REUSE_X = R([4], 0.5, 2);
conform({
  name: 'a reused tensor aggregates the gradients of every use',
  ops: ['variable', 'multiply', 'sin', 'log', 'add', 'gradients'],
  src: `
x = variable(${lit(REUSE_X)})
t = x * x
y = t * sin(x) + log(t) + x
g = gradients(y, x)[0]
`,
  expected: () => {
    const f = (x: tf.Tensor) => {
      const t = tf.mul(x, x);
      return tf.add(tf.add(tf.mul(t, tf.sin(x)), tf.log(t)), x);
    };
    return { y: plain(f(T(REUSE_X))), g: plain(tf.grad(f)(T(REUSE_X))) };
  },
});

const GY_X = R([3, 2]);
const GY_W = R([3, 2]);
conform({
  name: 'grad_ys weights every element of y; `gradient` returns the tensor itself',
  ops: ['variable', 'square', 'gradients', 'gradient'],
  src: `
x = variable(${lit(GY_X)})
w = constant(${lit(GY_W)})
y = square(x)
weighted = gradients(y, x, grad_ys=w)[0]
plain_gradient = gradient(y, x)
`,
  expected: () => ({
    weighted: plain(tf.grad((x) => tf.square(x))(T(GY_X), T(GY_W))),
    plain_gradient: plain(tf.mul(2, T(GY_X))),
  }),
});

const OPS_X = R([2, 3], 0.5, 3);
const OPS_Y = R([3], 0.5, 3);
conform({
  name: 'operators: + - * / // % ** @ and comparisons spell the ops',
  ops: [
    'add',
    'subtract',
    'multiply',
    'divide',
    'floordiv',
    'mod',
    'pow',
    'matmul',
    'less',
    'greater_equal',
    'equal',
    'not_equal',
    'less_equal',
    'greater',
    'logical_and',
    'logical_or',
    'negative',
  ],
  src: `
x = variable(${lit(OPS_X)})
y = variable(${lit(OPS_Y)})
e = (x + y) * (x - y) / y + x // y + x % y - x ** y + -x
m = x @ reshape(y, [3, 1])
c1 = x < y
c2 = x >= y
c3 = (x == x) and (x != y)
c4 = (x <= y) or (x > 2 * y)
g = gradients(e, [x, y])
`,
  expected: () => {
    const f = (x: tf.Tensor, y: tf.Tensor) =>
      tf.add(
        tf.sub(tf.add(tf.add(tf.div(tf.mul(tf.add(x, y), tf.sub(x, y)), y), tf.floorDiv(x, y)), tf.mod(x, y)), tf.pow(x, y)),
        tf.neg(x),
      );
    // TensorFlow registers FloorDiv with no gradient: `x // y` contributes nothing (TF.js would
    // differentiate it like a division), so the reference drops it from the gradient.
    const fGrad = (x: tf.Tensor, y: tf.Tensor) =>
      tf.add(tf.sub(tf.add(tf.div(tf.mul(tf.add(x, y), tf.sub(x, y)), y), tf.mod(x, y)), tf.pow(x, y)), tf.neg(x));
    const x = T(OPS_X);
    const y = T(OPS_Y);
    return {
      e: plain(f(x, y)),
      m: plain(tf.matMul(x, y.reshape([3, 1]))),
      c1: plain(tf.less(x, y)),
      c2: plain(tf.greaterEqual(x, y)),
      c3: plain(tf.logicalAnd(tf.equal(x, x), tf.notEqual(x, y))),
      c4: plain(tf.logicalOr(tf.lessEqual(x, y), tf.greater(x, tf.mul(2, y)))),
      g: grads(fGrad, [x, y]),
    };
  },
});

// ---- elementwise unary ops: value and weighted gradient ---------------------------------

type TfUnary = (x: tf.Tensor) => tf.Tensor;
interface UnarySpec {
  op: string;
  tf: TfUnary;
  lo?: number;
  hi?: number;
  /** Kinks (and poles) that the random inputs stay away from. */
  avoid?: number[];
  /** 'none': TensorFlow registers no gradient (the result is None, TF.js gives zeros). */
  grad?: 'tf' | 'none';
  /** The source spelling of the call, when it is not `op(x)`. */
  call?: string;
}
const UNARY: UnarySpec[] = [
  { op: 'negative', tf: tf.neg },
  { op: 'neg', tf: tf.neg },
  { op: 'abs', tf: tf.abs, avoid: [0] },
  { op: 'exp', tf: tf.exp },
  { op: 'expm1', tf: tf.expm1 },
  { op: 'log', tf: tf.log, lo: 0.2, hi: 3 },
  { op: 'log1p', tf: tf.log1p, lo: -0.7, hi: 3 },
  { op: 'sqrt', tf: tf.sqrt, lo: 0.2, hi: 3 },
  { op: 'rsqrt', tf: tf.rsqrt, lo: 0.2, hi: 3 },
  { op: 'square', tf: tf.square },
  { op: 'reciprocal', tf: tf.reciprocal, lo: 0.3, hi: 3 },
  { op: 'sin', tf: tf.sin },
  { op: 'cos', tf: tf.cos },
  { op: 'tan', tf: tf.tan, lo: -1.2, hi: 1.2 },
  { op: 'asin', tf: tf.asin, lo: -0.9, hi: 0.9 },
  { op: 'acos', tf: tf.acos, lo: -0.9, hi: 0.9 },
  { op: 'atan', tf: tf.atan },
  { op: 'sinh', tf: tf.sinh },
  { op: 'cosh', tf: tf.cosh },
  { op: 'tanh', tf: tf.tanh },
  { op: 'sigmoid', tf: tf.sigmoid, lo: -4, hi: 4 },
  { op: 'relu', tf: tf.relu, avoid: [0] },
  { op: 'relu6', tf: tf.relu6, lo: -2, hi: 8, avoid: [0, 6] },
  { op: 'leaky_relu', tf: (x) => tf.leakyRelu(x, 0.2), avoid: [0] },
  { op: 'leaky_relu', tf: (x) => tf.leakyRelu(x, 0.05), avoid: [0], call: 'leaky_relu(x, alpha=0.05)' },
  { op: 'elu', tf: tf.elu, avoid: [0] },
  { op: 'selu', tf: tf.selu, avoid: [0] },
  { op: 'softplus', tf: tf.softplus, lo: -4, hi: 4 },
  // TF.js has no softsign: x / (1 + |x|).
  { op: 'softsign', tf: (x) => tf.div(x, tf.add(1, tf.abs(x))), avoid: [0] },
  { op: 'erf', tf: tf.erf },
  { op: 'identity', tf: (x) => tf.clone(x) },
  // TensorFlow registers Floor, Ceil and Round with a None gradient; Sign's gradient is zeros.
  { op: 'floor', tf: tf.floor, grad: 'none', lo: -3, hi: 3, avoid: [-2, -1, 0, 1, 2] },
  { op: 'ceil', tf: tf.ceil, grad: 'none', lo: -3, hi: 3, avoid: [-2, -1, 0, 1, 2] },
  { op: 'round', tf: tf.round, grad: 'none', lo: -3, hi: 3, avoid: [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5] },
  { op: 'sign', tf: tf.sign, avoid: [0] },
  // stop_gradient: the value passes, the gradient is None (the only path is cut).
  { op: 'stop_gradient', tf: (x) => x, grad: 'none' },
];

for (const u of UNARY) {
  const x = R([2, 3], u.lo ?? -2, u.hi ?? 2, u.avoid);
  const w = R([2, 3]);
  const call = u.call ?? `${u.op}(x)`;
  conform({
    name: `unary ${call}`,
    ops: [u.op, 'gradients'],
    src: `
x = variable(${lit(x)})
w = constant(${lit(w)})
y = ${call}
g = gradients(y, x, grad_ys=w)
`,
    expected: () => ({
      y: plain(u.tf(T(x))),
      g: u.grad === 'none' ? [null] : [plain(tf.grad(u.tf)(T(x), T(w)))],
    }),
  });
}

conform({
  name: 'round, floor, ceil at halves: round is half to even, as TensorFlow',
  ops: ['round', 'floor', 'ceil'],
  src: `
x = constant([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.7, -3.7])
r = round(x)
f = floor(x)
c = ceil(x)
`,
  expected: () => {
    const x = T([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.7, -3.7]);
    return { r: plain(tf.round(x)), f: plain(tf.floor(x)), c: plain(tf.ceil(x)) };
  },
});

conform({
  name: 'is_nan, is_finite on nan and inf; cast truncates toward zero',
  ops: ['is_nan', 'is_finite', 'cast'],
  src: `
x = constant([1.5, inf, -inf, nan, 0.0, -2.7])
n = is_nan(x)
f = is_finite(x)
i = cast(constant([1.9, -1.9, 0.5, -0.5, 7.0]), int32)
b = cast(constant([0.0, 2.0, -1.0]), bool)
back = cast(constant([1, 0, -3]), float32)
`,
  expected: () => {
    const x = T([1.5, Infinity, -Infinity, NaN, 0, -2.7]);
    return {
      n: plain(tf.isNaN(x)),
      f: plain(tf.isFinite(x)),
      i: plain(tf.cast(T([1.9, -1.9, 0.5, -0.5, 7.0]), 'int32')),
      b: plain(tf.cast(T([0, 2, -1]), 'bool')),
      back: [1, 0, -3],
    };
  },
});

const CAST_X = R([3]);
conform({
  name: 'cast float32 → float64 passes the gradient back as float32',
  ops: ['cast', 'gradients', 'multiply'],
  src: `
x = variable(${lit(CAST_X)})
y = cast(x, float64) * cast(x, float64)
g = gradients(y, x)[0]
`,
  expected: () => ({ g: plain(tf.mul(2, T(CAST_X))) }),
});

// ---- elementwise binary ops, with broadcasting ------------------------------------------

interface BinarySpec {
  op: string;
  tf: (x: tf.Tensor, y: tf.Tensor) => tf.Tensor;
  /** The reference for the gradient when TF.js cannot give it ('none' = TensorFlow's None). */
  tfGrad?: ((x: tf.Tensor, y: tf.Tensor) => tf.Tensor) | 'none';
  x?: [number, number];
  y?: [number, number];
  yShape?: number[];
}
const BINARY: BinarySpec[] = [
  { op: 'add', tf: tf.add },
  { op: 'subtract', tf: tf.sub },
  { op: 'multiply', tf: tf.mul },
  { op: 'divide', tf: tf.div, y: [0.5, 2] },
  { op: 'truediv', tf: tf.div, y: [0.5, 2] },
  // x > 0: pow's gradient w.r.t. the exponent is log(x) * x^y.
  { op: 'pow', tf: tf.pow, x: [0.3, 2], y: [-2, 2] },
  // TF.js's Maximum/Minimum gradients do not unbroadcast their second input (a TF.js bug):
  // the reference broadcasts y explicitly, whose gradient sums over the batch axis.
  { op: 'maximum', tf: tf.maximum, tfGrad: (x, y) => tf.maximum(x, tf.broadcastTo(y, x.shape)) },
  { op: 'minimum', tf: tf.minimum, tfGrad: (x, y) => tf.minimum(x, tf.broadcastTo(y, x.shape)) },
  // TF.js's SquaredDifference gradient does not unbroadcast its second input (a TF.js bug):
  // the reference differentiates square(x - y), which is TensorFlow's gradient.
  { op: 'squared_difference', tf: tf.squaredDifference, tfGrad: (x, y) => tf.square(tf.sub(x, y)) },
  { op: 'atan2', tf: tf.atan2, x: [0.3, 2], y: [-2, 2] },
  // x != 0 here (random), where xlogy is x * log(y) and its gradient TF.js's of that product.
  { op: 'xlogy', tf: (x, y) => tf.mul(x, tf.log(y)), y: [0.3, 2] },
  // TensorFlow: FloorDiv has no gradient (None); TF.js differentiates it like a division.
  { op: 'floordiv', tf: tf.floorDiv, tfGrad: 'none', x: [-5, 5], y: [0.5, 2] },
  { op: 'mod', tf: tf.mod, x: [-5, 5], y: [0.7, 2] },
];

for (const bs of BINARY) {
  const x = R([4, 3], ...(bs.x ?? [-2, 2]));
  const y = R(bs.yShape ?? [3], ...(bs.y ?? [-2, 2]));
  const w = R([4, 3]);
  conform({
    name: `binary ${bs.op} with broadcasting [4,3] and [3]`,
    ops: [bs.op, 'gradients'],
    src: `
x = variable(${lit(x)})
y = variable(${lit(y)})
w = constant(${lit(w)})
z = ${bs.op}(x, y)
g = gradients(z, [x, y], grad_ys=w)
`,
    expected: () => ({
      z: plain(bs.tf(T(x), T(y))),
      g: bs.tfGrad === 'none' ? [null, null] : grads(bs.tfGrad ?? bs.tf, [T(x), T(y)], T(w)),
    }),
  });
}

// TensorFlow's xlogy is 0 where x is 0, even where y is 0 (where x * log(y) is NaN), and so
// are both partial derivatives there (_XLogyGrad: xlogy(x != 0, y) and xdivy(x, y)).
conform({
  name: 'xlogy is 0 where x is 0, with zero gradients there',
  ops: ['xlogy', 'gradients'],
  src: `
x = variable([0.0, 0.0, 2.0, -1.5])
y = variable([0.0, 3.0, 0.5, 4.0])
z = xlogy(x, y)
g = gradients(z, [x, y])
`,
  expected: () => ({
    z: [0, 0, 2 * Math.log(0.5), -1.5 * Math.log(4)],
    g: [
      [0, 0, Math.log(0.5), Math.log(4)],
      [0, 0, 2 / 0.5, -1.5 / 4],
    ],
  }),
});

conform({
  name: 'maximum/minimum ties send the gradient to the first argument',
  ops: ['maximum', 'minimum', 'gradients'],
  src: `
a = variable([1.0, 2.0, 3.0])
b = variable([1.0, 5.0, 3.0])
gmax = gradients(maximum(a, b), [a, b])
gmin = gradients(minimum(a, b), [a, b])
`,
  // TensorFlow's _MaximumGrad uses x >= y for the first input (TF.js agrees).
  expected: () => ({
    gmax: grads((a, b) => tf.maximum(a, b), [T([1, 2, 3]), T([1, 5, 3])]),
    gmin: grads((a, b) => tf.minimum(a, b), [T([1, 2, 3]), T([1, 5, 3])]),
  }),
});

conform({
  name: 'pow with x <= 0: the exponent gradient uses log(x) only where x > 0',
  ops: ['pow', 'gradients'],
  src: `
x = variable([-2.0, 0.0, 3.0])
p = variable([2.0, 2.0, 2.0])
z = pow(x, p)
g = gradients(z, [x, p])
`,
  // TensorFlow's _PowGrad: log(x) replaced by 0 where x <= 0; d/dx = p * x^(p-1).
  expected: () => ({
    z: [4, 0, 9],
    g: [
      [-4, 0, 6],
      [0, 0, 9 * Math.log(3)],
    ],
  }),
});

const CMP_X = randomArray(rng, [3, 4], 0, 3, { integer: true });
const CMP_Y = randomArray(rng, [4], 0, 3, { integer: true });
conform({
  name: 'comparisons broadcast, ties included',
  ops: ['equal', 'not_equal', 'less', 'less_equal', 'greater', 'greater_equal'],
  src: `
x = constant(${lit(CMP_X)})
y = constant(${lit(CMP_Y)})
eq = equal(x, y)
ne = not_equal(x, y)
lt = less(x, y)
le = less_equal(x, y)
gt = greater(x, y)
ge = greater_equal(x, y)
`,
  expected: () => {
    const x = T(CMP_X);
    const y = T(CMP_Y);
    return {
      eq: plain(tf.equal(x, y)),
      ne: plain(tf.notEqual(x, y)),
      lt: plain(tf.less(x, y)),
      le: plain(tf.lessEqual(x, y)),
      gt: plain(tf.greater(x, y)),
      ge: plain(tf.greaterEqual(x, y)),
    };
  },
});

conform({
  name: 'logical_and / logical_or / logical_not',
  ops: ['logical_and', 'logical_or', 'logical_not'],
  src: `
p = constant([[True, False], [True, True]])
q = constant([False, True])
a = logical_and(p, q)
o = logical_or(p, q)
n = logical_not(p)
k = not p
`,
  expected: () => {
    const p = T(
      [
        [true, false],
        [true, true],
      ] as never,
      'bool',
    );
    const q = T([false, true] as never, 'bool');
    return { a: plain(tf.logicalAnd(p, q)), o: plain(tf.logicalOr(p, q)), n: plain(tf.logicalNot(p)), k: plain(tf.logicalNot(p)) };
  },
});

const WH_X = R([3, 4]);
const WH_Y = R([3, 4]);
conform({
  name: 'where(cond, x, y): values and gradients to both branches',
  ops: ['where', 'greater', 'gradients'],
  src: `
x = variable(${lit(WH_X)})
y = variable(${lit(WH_Y)})
c = x > y
z = where(c, x * x, y)
g = gradients(z, [x, y])
`,
  expected: () => {
    const c = tf.greater(T(WH_X), T(WH_Y));
    const f = (x: tf.Tensor, y: tf.Tensor) => tf.where(c, tf.mul(x, x), y);
    return { z: plain(f(T(WH_X), T(WH_Y))), g: grads(f, [T(WH_X), T(WH_Y)]) };
  },
});

const CLIP_X = R([3, 4], -3, 3, [-1, 1.5]);
conform({
  name: 'clip_by_value: gradient passes inside the range only',
  ops: ['clip_by_value', 'gradients'],
  src: `
x = variable(${lit(CLIP_X)})
z = clip_by_value(x, -1.0, 1.5)
g = gradients(z, x)[0]
`,
  expected: () => ({ z: plain(tf.clipByValue(T(CLIP_X), -1, 1.5)), g: plain(tf.grad((x) => tf.clipByValue(x, -1, 1.5))(T(CLIP_X))) }),
});

// ---- reductions -------------------------------------------------------------------------

const RED_X = R([3, 4], 0.3, 2);
conform({
  name: 'reductions over all axes, tuples of axes, negative axes, keepdims',
  ops: ['reduce_sum', 'reduce_mean', 'reduce_prod', 'reduce_logsumexp', 'gradients'],
  src: `
x = variable(${lit(RED_X)})
all_sum = reduce_sum(x)
kept = reduce_mean(x, axis=[0, 1], keepdims=True)
neg = reduce_prod(x, axis=-2, keepdims=True)
lse = reduce_logsumexp(x, axis=0)
g = gradients([all_sum, kept, neg, lse], x)[0]
`,
  expected: () => {
    const x = T(RED_X);
    // TF.js's Prod gradient fails on negative axes: axis -2 of a rank-2 tensor is axis 0.
    const f = (v: tf.Tensor) =>
      tf.addN([tf.sum(v), tf.sum(tf.mean(v, [0, 1], true)), tf.sum(tf.prod(v, 0, true)), tf.sum(tf.logSumExp(v, 0))]);
    return {
      all_sum: plain(tf.sum(x)),
      kept: plain(tf.mean(x, [0, 1], true)),
      neg: plain(tf.prod(x, -2, true)),
      lse: plain(tf.logSumExp(x, 0)),
      g: plain(tf.grad(f)(x)),
    };
  },
});

const W4 = R([3]);
conform({
  name: 'weighted reduction gradients: sum, mean, prod, max, min, logsumexp over axis 1',
  ops: ['reduce_sum', 'reduce_mean', 'reduce_prod', 'reduce_max', 'reduce_min', 'reduce_logsumexp', 'gradients'],
  src: `
x = variable(${lit(RED_X)})
w = constant(${lit(W4)})
gs = gradients(reduce_sum(x, axis=1), x, grad_ys=w)[0]
gm = gradients(reduce_mean(x, axis=1), x, grad_ys=w)[0]
gp = gradients(reduce_prod(x, axis=1), x, grad_ys=w)[0]
gx = gradients(reduce_max(x, axis=1), x, grad_ys=w)[0]
gn = gradients(reduce_min(x, axis=1), x, grad_ys=w)[0]
gl = gradients(reduce_logsumexp(x, axis=1), x, grad_ys=w)[0]
`,
  expected: () => {
    const g = (f: (x: tf.Tensor) => tf.Tensor) => plain(tf.grad(f)(T(RED_X), T(W4)));
    return {
      gs: g((x) => tf.sum(x, 1)),
      gm: g((x) => tf.mean(x, 1)),
      gp: g((x) => tf.prod(x, 1)),
      gx: g((x) => tf.max(x, 1)),
      gn: g((x) => tf.min(x, 1)),
      gl: g((x) => tf.logSumExp(x, 1)),
    };
  },
});

conform({
  name: 'reduce_max/reduce_min ties split the gradient equally (TensorFlow, not TF.js)',
  ops: ['reduce_max', 'reduce_min', 'gradients'],
  src: `
x = variable([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
mx = reduce_max(x, axis=1)
mn = reduce_min(x)
gmax = gradients(mx, x)[0]
gmin = gradients(mn, x)[0]
`,
  // TensorFlow's _MinOrMaxGrad divides by the number of tied elements; TF.js gives each tied
  // element the full gradient ([0,1,1],[1,1,1] here), which the spec says not to follow.
  expected: () => ({
    mx: [3, 2],
    mn: 1,
    gmax: [
      [0, 0.5, 0.5],
      [1 / 3, 1 / 3, 1 / 3],
    ],
    gmin: [
      [1, 0, 0],
      [0, 0, 0],
    ],
  }),
});

const ARG_X = R([3, 4]);
conform({
  name: 'argmax / argmin (int32, first index on ties), reduce_all / reduce_any / all / any',
  ops: ['argmax', 'argmin', 'reduce_all', 'reduce_any', 'all', 'any'],
  src: `
x = constant(${lit(ARG_X)})
amax = argmax(x, axis=1)
amin = argmin(x, axis=0)
ties = argmax(constant([1.0, 5.0, 5.0]))
p = x > 0
ra = reduce_all(p, axis=1)
ry = reduce_any(p, axis=0)
a1 = all(p)
a2 = any(p)
`,
  expected: () => {
    const x = T(ARG_X);
    const p = tf.greater(x, 0);
    return {
      amax: plain(tf.argMax(x, 1)),
      amin: plain(tf.argMin(x, 0)),
      ties: 1,
      ra: plain(tf.all(p, 1)),
      ry: plain(tf.any(p, 0)),
      a1: plain(tf.all(p)),
      a2: plain(tf.any(p)),
    };
  },
});

const NORM_X = R([3, 4]);
conform({
  name: 'norm (euclidean over all, and along an axis) and its gradient x / norm',
  ops: ['norm', 'gradients'],
  src: `
x = variable(${lit(NORM_X)})
n = norm(x)
na = norm(x, axis=1)
g = gradients(n, x)[0]
ga = gradients(na, x)[0]
`,
  expected: () => {
    const x = T(NORM_X);
    return {
      n: plain(tf.norm(x)),
      na: plain(tf.norm(x, 'euclidean', 1)),
      g: plain(tf.grad((v) => tf.norm(v))(x)),
      ga: plain(tf.grad((v) => tf.norm(v, 'euclidean', 1))(x)),
    };
  },
});

const CS_X = R([3, 4]);
const CS_W = R([3, 4]);
conform({
  name: 'cumsum along each axis, weighted gradient (reverse cumsum)',
  ops: ['cumsum', 'gradients'],
  src: `
x = variable(${lit(CS_X)})
w = constant(${lit(CS_W)})
c0 = cumsum(x)
c1 = cumsum(x, axis=1)
g0 = gradients(c0, x, grad_ys=w)[0]
g1 = gradients(c1, x, grad_ys=w)[0]
`,
  expected: () => {
    const x = T(CS_X);
    return {
      c0: plain(tf.cumsum(x, 0)),
      c1: plain(tf.cumsum(x, 1)),
      // TF.js's Cumsum gradient fails on these shapes; TensorFlow's is the reverse cumsum of dy.
      g0: plain(tf.cumsum(T(CS_W), 0, false, true)),
      g1: plain(tf.cumsum(T(CS_W), 1, false, true)),
    };
  },
});

conform({
  name: 'allclose with default and explicit tolerances',
  ops: ['allclose'],
  src: `
a = constant([1.0, 2.0, 3.0])
near = allclose(a, a + 1e-6)
far = allclose(a, a + 1e-3)
loose = allclose(a, a + 1e-3, rtol=1e-2)
`,
  // NumPy: |a - b| <= atol + rtol * |b| with rtol=1e-5, atol=1e-8.
  expected: () => ({ near: true, far: false, loose: true }),
});

// ---- shape and movement -----------------------------------------------------------------

const SH_X = R([2, 3, 4]);
const SH_W24 = R([4, 6]);
conform({
  name: 'reshape (-1), transpose (perm and default), expand_dims, squeeze with gradients',
  ops: ['reshape', 'transpose', 'expand_dims', 'squeeze', 'gradients', 'multiply'],
  src: `
x = variable(${lit(SH_X)})
r = reshape(x, [-1, 6])
t = transpose(x, perm=[2, 0, 1])
td = transpose(x)
e = expand_dims(x, 1)
s = squeeze(expand_dims(x, -1), axis=[3])
g = gradients([r * ${lit(SH_W24)}, t * t, td, e, s * 3.0], x)[0]
`,
  expected: () => {
    const x = T(SH_X);
    const f = (v: tf.Tensor) =>
      tf.addN([
        tf.sum(tf.mul(v.reshape([-1, 6]), T(SH_W24))),
        tf.sum(tf.square(tf.transpose(v, [2, 0, 1]))),
        tf.sum(tf.transpose(v)),
        tf.sum(tf.expandDims(v, 1)),
        tf.sum(tf.mul(tf.squeeze(tf.expandDims(v, -1), [3]), 3)),
      ]);
    return {
      r: plain(x.reshape([-1, 6])),
      t: plain(tf.transpose(x, [2, 0, 1])),
      td: plain(tf.transpose(x)),
      e: plain(tf.expandDims(x, 1)),
      s: plain(x),
      g: plain(tf.grad(f)(x)),
    };
  },
});

const ST_A = R([2, 3]);
const ST_B = R([2, 3]);
const ST_W = R([2, 2, 3]);
conform({
  name: 'stack, unstack (destructured), concat with gradients',
  ops: ['stack', 'unstack', 'concat', 'gradients', 'multiply'],
  src: `
a = variable(${lit(ST_A)})
b = variable(${lit(ST_B)})
s = stack([a, b], axis=1)
[u0, u1, u2] = unstack(a, axis=1)
u0v = u0
c = concat([a, b * b], axis=0)
c1 = concat([a, b], -1)
g = gradients([s * ${lit(ST_W)}, u2 * 5.0, c, c1 * c1], [a, b])
`,
  expected: () => {
    const f = (a: tf.Tensor, b: tf.Tensor) =>
      tf.addN([
        tf.sum(tf.mul(tf.stack([a, b], 1), T(ST_W))),
        tf.sum(tf.mul(tf.unstack(a, 1)[2], 5)),
        tf.sum(tf.concat([a, tf.square(b)], 0)),
        tf.sum(tf.square(tf.concat([a, b], -1))),
      ]);
    const a = T(ST_A);
    const b = T(ST_B);
    return {
      s: plain(tf.stack([a, b], 1)),
      u0v: plain(tf.unstack(a, 1)[0]),
      c: plain(tf.concat([a, tf.square(b)], 0)),
      c1: plain(tf.concat([a, b], -1)),
      g: grads(f, [a, b]),
    };
  },
});

const SP_X = R([4, 6]);
conform({
  name: 'split into equal parts and by sizes; gradients of some parts (others get zeros)',
  ops: ['split', 'gradients', 'multiply'],
  src: `
x = variable(${lit(SP_X)})
[p0, p1] = split(x, 2)
[q0, q1, q2] = split(x, [1, 2, 3], axis=1)
p1v = p1
q2v = q2
g = gradients([p0 * p0, q2 * 3.0], x)[0]
`,
  expected: () => {
    const x = T(SP_X);
    const f = (v: tf.Tensor) => tf.add(tf.sum(tf.square(tf.split(v, 2)[0])), tf.sum(tf.mul(tf.split(v, [1, 2, 3], 1)[2], 3)));
    return { p1v: plain(tf.split(x, 2)[1]), q2v: plain(tf.split(x, [1, 2, 3], 1)[2]), g: plain(tf.grad(f)(x)) };
  },
});

const TI_X = R([2, 3]);
const TI_B = R([3]);
conform({
  name: 'tile and broadcast_to: gradients sum the copies',
  ops: ['tile', 'broadcast_to', 'gradients', 'multiply'],
  src: `
x = variable(${lit(TI_X)})
b = variable(${lit(TI_B)})
t = tile(x, [2, 3])
bt = broadcast_to(b, [4, 3])
g = gradients([t * t, bt * bt], [x, b])
`,
  expected: () => {
    const x = T(TI_X);
    const b = T(TI_B);
    const f = (xv: tf.Tensor, bv: tf.Tensor) =>
      tf.add(tf.sum(tf.square(tf.tile(xv, [2, 3]))), tf.sum(tf.square(tf.broadcastTo(bv, [4, 3]))));
    return { t: plain(tf.tile(x, [2, 3])), bt: plain(tf.broadcastTo(b, [4, 3])), g: grads(f, [x, b]) };
  },
});

const RP_X = R([2, 3]);
const RP_W = R([2, 5]);
conform({
  name: 'repeat: one count, a count per element, flattened; gradients sum the copies',
  ops: ['repeat', 'gradients', 'multiply'],
  src: `
x = variable(${lit(RP_X)})
w = constant(${lit(RP_W)})
rows = repeat(x, 2, axis=0)
cols = repeat(x, [2, 0, 3], axis=-1)
flat = repeat(x, 2)
g = gradients([rows * rows, cols * w, flat], x)[0]
`,
  expected: () => {
    const x = T(RP_X);
    const w = T(RP_W);
    // TF.js has no repeat: the same gathers, written out.
    const rows = (v: tf.Tensor) => tf.gather(v, [0, 0, 1, 1], 0);
    const cols = (v: tf.Tensor) => tf.gather(v, [0, 0, 2, 2, 2], 1);
    const flat = (v: tf.Tensor) => tf.gather(tf.reshape(v, [-1]), [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
    const f = (v: tf.Tensor) => tf.add(tf.add(tf.sum(tf.square(rows(v))), tf.sum(tf.mul(cols(v), w))), tf.sum(flat(v)));
    return { rows: plain(rows(x)), cols: plain(cols(x)), flat: plain(flat(x)), g: plain(tf.grad(f)(x)) };
  },
});

const SL_X = R([4, 5]);
conform({
  name: 'slice(x, begin, size) with -1, and its gradient (zeros outside)',
  ops: ['slice', 'gradients', 'multiply'],
  src: `
x = variable(${lit(SL_X)})
s = slice(x, [1, 2], [2, -1])
g = gradients(s * s, x)[0]
`,
  expected: () => {
    const x = T(SL_X);
    return { s: plain(tf.slice(x, [1, 2], [2, -1])), g: plain(tf.grad((v) => tf.square(tf.slice(v, [1, 2], [2, -1])))(x)) };
  },
});

const GA_P = R([4, 3]);
conform({
  name: 'gather on axis 0 and 1; repeated indices accumulate',
  ops: ['gather', 'gradients', 'multiply'],
  src: `
p = variable(${lit(GA_P)})
g0 = gather(p, [2, 0, 2, 2])
g1 = gather(p, [1, 1, 0], axis=1)
d0 = gradients(g0, p)[0]
d1 = gradients(g1 * g1, p)[0]
`,
  expected: () => {
    const p = T(GA_P);
    const i0 = tf.tensor1d([2, 0, 2, 2], 'int32');
    const i1 = tf.tensor1d([1, 1, 0], 'int32');
    return {
      g0: plain(tf.gather(p, i0)),
      g1: plain(tf.gather(p, i1, 1)),
      d0: plain(tf.grad((v) => tf.gather(v, i0))(p)),
      d1: plain(tf.grad((v) => tf.square(tf.gather(v, i1, 1)))(p)),
    };
  },
});

const PAD_X = R([2, 3]);
const PAD_W = R([3, 5]);
conform({
  name: 'pad and reverse with gradients',
  ops: ['pad', 'reverse', 'gradients', 'multiply'],
  src: `
x = variable(${lit(PAD_X)})
p = pad(x, [[1, 0], [0, 2]])
r = reverse(x, [1])
r0 = reverse(x, axis=[0, 1])
g = gradients([p * ${lit(PAD_W)}, r * r, r0 * 2.0], x)[0]
`,
  expected: () => {
    const x = T(PAD_X);
    const f = (v: tf.Tensor) =>
      tf.addN([
        tf.sum(
          tf.mul(
            tf.pad(v, [
              [1, 0],
              [0, 2],
            ]),
            T(PAD_W),
          ),
        ),
        tf.sum(tf.square(tf.reverse(v, [1]))),
        tf.sum(tf.mul(tf.reverse(v, [0, 1]), 2)),
      ]);
    return {
      p: plain(
        tf.pad(x, [
          [1, 0],
          [0, 2],
        ]),
      ),
      r: plain(tf.reverse(x, [1])),
      r0: plain(tf.reverse(x, [0, 1])),
      g: plain(tf.grad(f)(x)),
    };
  },
});

conform({
  name: 'shape, size, rank of a fed placeholder',
  ops: ['shape', 'size', 'rank', 'placeholder'],
  src: `
x = placeholder(float32, [None, 3])
feed x = ${lit(R([5, 3]))}
s = shape(x)
n = size(x)
k = rank(x)
`,
  expected: () => ({ s: [5, 3], n: 15, k: 2 }),
});

const IX_X = R([4, 5, 3]);
const IX_W = R([4, 5]);
conform({
  name: 'NumPy indexing: ints, negative, slices, steps, ellipsis, new axis; strided-slice gradient',
  ops: ['gradients', 'multiply'],
  src: `
x = variable(${lit(IX_X)})
a = x[1]
b = x[-1, :, 0]
c = x[1:3]
d = x[::2, 1::2]
e = x[..., 0]
f = x[:, None, 0]
h = x[-3:-1, ::-2, 2]
g = gradients([d * d, e * ${lit(IX_W)}, h], x)[0]
`,
  expected: () => {
    const xs = IX_X as number[][][];
    const x = T(IX_X);
    const idx = (i: number, j: number, k: number) => xs[i][j][k];
    const d = [0, 2].map((i) => [1, 3].map((j) => [0, 1, 2].map((k) => idx(i, j, k))));
    const h = [1, 2].map((i) => [4, 2, 0].map((j) => idx(i, j, 2)));
    // TF.js has no StridedSlice gradient: the reference is assembled by hand (the slices'
    // gradients scatter dy back into zeros).
    const g = xs.map((plane, i) =>
      plane.map((row, j) =>
        row.map((v, k) => {
          let s = 0;
          if ((i === 0 || i === 2) && (j === 1 || j === 3)) s += 2 * v;
          if (k === 0) s += (IX_W as number[][])[i][j];
          if ((i === 1 || i === 2) && (j === 4 || j === 2 || j === 0) && k === 2) s += 1;
          return s;
        }),
      ),
    );
    return {
      a: xs[1],
      b: xs[3].map((r) => r[0]),
      c: [xs[1], xs[2]],
      d,
      e: xs.map((p) => p.map((r) => r[0])),
      f: plain(tf.expandDims(tf.slice(x, [0, 0, 0], [4, 1, 3]).reshape([4, 3]), 1)),
      h,
      g,
    };
  },
});

// ---- linear algebra ---------------------------------------------------------------------

const MM_A = R([3, 4]);
const MM_B = R([4, 2]);
const MM_W = R([3, 2]);
conform({
  name: 'matmul and @ with transpose_a / transpose_b, weighted gradients',
  ops: ['matmul', 'gradients', 'transpose'],
  src: `
a = variable(${lit(MM_A)})
b = variable(${lit(MM_B)})
w = constant(${lit(MM_W)})
c = a @ b
ct = matmul(transpose(a), transpose(b), transpose_a=True, transpose_b=True)
g = gradients(c, [a, b], grad_ys=w)
gt = gradients(matmul(a, transpose(b), transpose_b=True), [a, b], grad_ys=w)
`,
  expected: () => {
    const f = (a: tf.Tensor, b: tf.Tensor) => tf.matMul(a, b);
    const g = grads(f, [T(MM_A), T(MM_B)], T(MM_W));
    return { c: plain(f(T(MM_A), T(MM_B))), ct: plain(f(T(MM_A), T(MM_B))), g, gt: g };
  },
});

const BMM_A = R([2, 3, 4]);
const BMM_B = R([4, 5]);
const BMM_C = R([1, 5, 2]);
conform({
  name: 'batched matmul with broadcast batch axes; gradients unbroadcast',
  ops: ['matmul', 'gradients'],
  src: `
a = variable(${lit(BMM_A)})
b = variable(${lit(BMM_B)})
c = variable(${lit(BMM_C)})
y = a @ b @ c
g = gradients(y, [a, b, c])
`,
  expected: () => {
    // TF.js's BatchMatMul gradient does not unbroadcast (a TF.js bug), so the reference
    // tiles b and c explicitly: broadcasting is a tile whose gradient sums the copies.
    const f = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
      tf.matMul(tf.matMul(a, tf.tile(b.reshape([1, 4, 5]), [2, 1, 1])), tf.tile(c, [2, 1, 1]));
    return { y: plain(f(T(BMM_A), T(BMM_B), T(BMM_C))), g: grads(f, [T(BMM_A), T(BMM_B), T(BMM_C)]) };
  },
});

const TD_A = R([2, 3, 4]);
const TD_B = R([4, 5]);
const TD_C = R([3, 4, 2]);
conform({
  name: 'tensordot with axes=1, axes=[[1, 2], [0, 1]] and axes=0 (outer product)',
  ops: ['tensordot', 'gradients'],
  src: `
a = variable(${lit(TD_A)})
b = variable(${lit(TD_B)})
c = variable(${lit(TD_C)})
t1 = tensordot(a, b, axes=1)
t2 = tensordot(a, c, axes=[[1, 2], [0, 1]])
t0 = tensordot(b, b, axes=0)
g = gradients([t1, t2], [a, b, c])
`,
  expected: () => {
    // TF.js has no tensordot: reshape + matmul, which is how TensorFlow builds it.
    const t1 = (a: tf.Tensor, b: tf.Tensor) => tf.matMul(a.reshape([6, 4]), b).reshape([2, 3, 5]);
    const t2 = (a: tf.Tensor, c: tf.Tensor) => tf.matMul(a.reshape([2, 12]), c.reshape([12, 2]));
    const b = T(TD_B);
    return {
      t1: plain(t1(T(TD_A), b)),
      t2: plain(t2(T(TD_A), T(TD_C))),
      t0: plain(tf.mul(b.reshape([4, 5, 1, 1]), b.reshape([1, 1, 4, 5]))),
      g: grads((a, bv, c) => tf.add(tf.sum(t1(a, bv)), tf.sum(t2(a, c))), [T(TD_A), b, T(TD_C)]),
    };
  },
});

const ES = { a: R([3, 4]), b: R([4, 2]), s: R([3, 3]), bt: R([2, 3, 4]), bu: R([2, 4, 5]), v: R([4]) };
conform({
  name: "einsum: 'ij,jk->ik', trace 'ii->', diagonal 'ii->i', batched, '...', implicit output",
  ops: ['einsum', 'gradients'],
  src: `
a = variable(${lit(ES.a)})
b = variable(${lit(ES.b)})
s = variable(${lit(ES.s)})
bt = variable(${lit(ES.bt)})
bu = variable(${lit(ES.bu)})
v = variable(${lit(ES.v)})
mm = einsum('ij,jk->ik', a, b)
tr = einsum('ii->', s)
dg = einsum('ii->i', s)
bmm = einsum('bij,bjk->bik', bt, bu)
ell = einsum('...ij->...ji', bt)
imp = einsum('ij,jk', a, b)
outer = einsum('i,j->ij', v, v)
dot = einsum('i,i', v, v)
g = gradients([mm, tr, dg, bmm, outer, dot], [a, b, s, bt, bu, v])
`,
  expected: () => {
    // TF.js's einsum has no gradient: the reference spells each equation with matmul,
    // transpose and masks.
    const eye3 = tf.eye(3);
    const mm = (a: tf.Tensor, b: tf.Tensor) => tf.matMul(a, b);
    const tr = (s: tf.Tensor) => tf.sum(tf.mul(s, eye3));
    const dg = (s: tf.Tensor) => tf.sum(tf.mul(s, eye3), 1);
    const bmm = (x: tf.Tensor, y: tf.Tensor) => tf.matMul(x, y);
    const outer = (v: tf.Tensor, w: tf.Tensor) => tf.mul(v.reshape([4, 1]), w.reshape([1, 4]));
    const dot = (v: tf.Tensor, w: tf.Tensor) => tf.sum(tf.mul(v, w));
    const f = (a: tf.Tensor, b: tf.Tensor, s: tf.Tensor, bt: tf.Tensor, bu: tf.Tensor, v: tf.Tensor) =>
      tf.addN([tf.sum(mm(a, b)), tr(s), tf.sum(dg(s)), tf.sum(bmm(bt, bu)), tf.sum(outer(v, v)), dot(v, v)]);
    const args = [T(ES.a), T(ES.b), T(ES.s), T(ES.bt), T(ES.bu), T(ES.v)];
    return {
      mm: plain(mm(args[0], args[1])),
      tr: plain(tr(args[2])),
      dg: plain(dg(args[2])),
      bmm: plain(bmm(args[3], args[4])),
      ell: plain(tf.transpose(args[3], [0, 2, 1])),
      imp: plain(mm(args[0], args[1])),
      outer: plain(outer(args[5], args[5])),
      dot: plain(dot(args[5], args[5])),
      g: grads(f, args),
    };
  },
});

const TR_S = R([2, 3, 3]);
conform({
  name: 'trace (batched) and matrix_transpose with gradients',
  ops: ['trace', 'matrix_transpose', 'gradients', 'multiply'],
  src: `
s = variable(${lit(TR_S)})
t = trace(s)
m = matrix_transpose(s)
g = gradients([t * 2.0, m * m], s)[0]
`,
  expected: () => {
    const s = T(TR_S);
    const eye = tf.eye(3).reshape([1, 3, 3]);
    const f = (v: tf.Tensor) => tf.add(tf.sum(tf.mul(tf.sum(tf.mul(v, eye), [1, 2]), 2)), tf.sum(tf.square(tf.transpose(v, [0, 2, 1]))));
    return { t: plain(tf.sum(tf.mul(s, eye), [1, 2])), m: plain(tf.transpose(s, [0, 2, 1])), g: plain(tf.grad(f)(s)) };
  },
});

const BAND_M = R([2, 3, 4]);
const BAND_D = R([2, 3]);
const BAND_W = R([2, 3, 4]);
conform({
  name: 'matrix_band_part (lower, upper, a band), matrix_diag and matrix_set_diag with weighted gradients',
  ops: ['matrix_band_part', 'matrix_diag', 'matrix_set_diag', 'gradients', 'multiply'],
  src: `
m = variable(${lit(BAND_M)})
d = variable(${lit(BAND_D)})
w = constant(${lit(BAND_W)})
lower = matrix_band_part(m, -1, 0)
upper = matrix_band_part(m, 0, -1)
band = matrix_band_part(m, 1, 2)
square = matrix_diag(d)
replaced = matrix_set_diag(m, d)
[gm, gd] = gradients([lower * w, band * w * w, replaced * w], [m, d])
gsq = gradients(square * square, d)[0]
`,
  expected: () => {
    const m = T(BAND_M);
    const d = T(BAND_D);
    const w = T(BAND_W);
    // set_diag as TF.js lacks it, and its diag has no gradient: diagonals embedded as
    // v[..., None] * eye, the matrix masked off its diagonal.
    const offDiagonal = tf.sub(1, tf.eye(3, 4).reshape([1, 3, 4]));
    const squares = (v: tf.Tensor) => tf.mul(tf.expandDims(v, 2), tf.eye(3).reshape([1, 3, 3]));
    const setDiag = (a: tf.Tensor, v: tf.Tensor) =>
      tf.add(
        tf.mul(a, offDiagonal),
        tf.pad(squares(v), [
          [0, 0],
          [0, 0],
          [0, 1],
        ]),
      );
    const f = (a: tf.Tensor, v: tf.Tensor) =>
      tf.sum(
        tf.add(
          tf.add(tf.mul(tf.linalg.bandPart(a, -1, 0), w), tf.mul(tf.mul(tf.linalg.bandPart(a, 1, 2), w), w)),
          tf.mul(setDiag(a, v), w),
        ),
      );
    return {
      lower: plain(tf.linalg.bandPart(m, -1, 0)),
      upper: plain(tf.linalg.bandPart(m, 0, -1)),
      band: plain(tf.linalg.bandPart(m, 1, 2)),
      square: plain(squares(d)),
      replaced: plain(setDiag(m, d)),
      gm: plain(tf.grads(f)([m, d])[0]),
      gd: plain(tf.grads(f)([m, d])[1]),
      gsq: plain(tf.grad((v: tf.Tensor) => tf.sum(tf.square(squares(v))))(d)),
    };
  },
});

// ---- neural network ---------------------------------------------------------------------

const NN_X = R([3, 4]);
const NN_W = R([3, 4]);
conform({
  name: 'softmax (last and first axis), log_softmax and l2_loss with weighted gradients',
  ops: ['softmax', 'log_softmax', 'l2_loss', 'gradients'],
  src: `
x = variable(${lit(NN_X)})
w = constant(${lit(NN_W)})
sm = softmax(x)
sm0 = softmax(x, axis=0)
ls = log_softmax(x)
l2 = l2_loss(x)
gsm = gradients(sm, x, grad_ys=w)[0]
gsm0 = gradients(sm0, x, grad_ys=w)[0]
gls = gradients(ls, x, grad_ys=w)[0]
gl2 = gradients(l2, x)[0]
`,
  expected: () => {
    const x = T(NN_X);
    const w = T(NN_W);
    const sm0 = (v: tf.Tensor) => tf.transpose(tf.softmax(tf.transpose(v)));
    return {
      sm: plain(tf.softmax(x)),
      sm0: plain(sm0(x)),
      ls: plain(tf.logSoftmax(x)),
      l2: plain(tf.div(tf.sum(tf.square(x)), 2)),
      gsm: plain(tf.grad((v) => tf.softmax(v))(x, w)),
      gsm0: plain(tf.grad(sm0)(x, w)),
      gls: plain(tf.grad((v) => tf.logSoftmax(v))(x, w)),
      gl2: plain(x),
    };
  },
});

const CE_Z = R([4, 3], -3, 3);
const CE_L = randomArray(rng, [4, 3], 0, 1);
const CE_P = [
  [0.2, 0.5, 0.3],
  [1, 0, 0],
  [0, 0.4, 0.6],
  [0.1, 0.1, 0.8],
];
const CE_I = [2, 0, 1, 1];
conform({
  name: 'the three cross-entropies with logits: values and gradients w.r.t. logits',
  ops: ['sigmoid_cross_entropy_with_logits', 'softmax_cross_entropy_with_logits', 'sparse_softmax_cross_entropy_with_logits', 'gradients'],
  src: `
z = variable(${lit(CE_Z)})
sig = sigmoid_cross_entropy_with_logits(labels=constant(${lit(CE_L)}), logits=z)
soft = softmax_cross_entropy_with_logits(labels=constant(${lit(CE_P)}), logits=z)
sparse = sparse_softmax_cross_entropy_with_logits(labels=constant(${lit(CE_I, true)}), logits=z)
gsig = gradients(sig, z)[0]
gsoft = gradients(soft, z)[0]
gsparse = gradients(sparse, z)[0]
`,
  expected: () => {
    // TF.js's losses module reduces; the reference uses TensorFlow's documented formulas.
    const sig = (z: tf.Tensor) => tf.add(tf.sub(tf.relu(z), tf.mul(z, T(CE_L))), tf.log1p(tf.exp(tf.neg(tf.abs(z)))));
    const soft = (labels: tf.Tensor) => (z: tf.Tensor) => tf.neg(tf.sum(tf.mul(labels, tf.logSoftmax(z)), -1));
    const oneHot = tf.oneHot(tf.tensor1d(CE_I, 'int32'), 3).cast('float32');
    const z = T(CE_Z);
    return {
      sig: plain(sig(z)),
      soft: plain(soft(T(CE_P))(z)),
      sparse: plain(soft(oneHot)(z)),
      gsig: plain(tf.grad(sig)(z)),
      gsoft: plain(tf.grad(soft(T(CE_P)))(z)),
      gsparse: plain(tf.grad(soft(oneHot))(z)),
    };
  },
});

conform({
  name: 'sigmoid_cross_entropy_with_logits at z = 0 gives sigmoid(0) - label',
  ops: ['sigmoid_cross_entropy_with_logits', 'gradients'],
  src: `
z = variable([0.0, 0.0, 0.0])
labels = constant([0.0, 0.25, 1.0])
g = gradients(sigmoid_cross_entropy_with_logits(labels=labels, logits=z), z)[0]
`,
  // TensorFlow's formulation (where(z >= 0) branches) gives 0.5 - label at z = 0.
  expected: () => ({ g: [0.5, 0.25, -0.5] }),
});

const MO_X = R([4, 3]);
conform({
  name: 'moments(x, axes) gives [mean, variance]; gradients of both',
  ops: ['moments', 'gradients', 'multiply'],
  src: `
x = variable(${lit(MO_X)})
[mean, variance] = moments(x, axes=[0])
mean_v = mean
variance_v = variance
g = gradients([mean * 2.0, variance], x)[0]
`,
  expected: () => {
    const x = T(MO_X);
    const m = tf.moments(x, [0]);
    const f = (v: tf.Tensor) => {
      const mv = tf.moments(v, [0]);
      return tf.add(tf.sum(tf.mul(mv.mean, 2)), tf.sum(mv.variance));
    };
    return { mean_v: plain(m.mean), variance_v: plain(m.variance), g: plain(tf.grad(f)(x)) };
  },
});

const CV_X = R([2, 5, 5, 2]);
const CV_F = R([3, 3, 2, 3], -1, 1);
const CV_W1 = R([2, 2, 2, 3]);
const CV_W2 = R([2, 5, 5, 3]);
conform({
  name: 'conv2d NHWC: VALID stride 2 and SAME stride 1, gradients w.r.t. input and filters',
  ops: ['conv2d', 'gradients'],
  src: `
x = variable(${lit(CV_X)})
f = variable(${lit(CV_F)})
valid = conv2d(x, f, strides=2, padding='VALID')
same = conv2d(x, f, strides=[1, 1, 1, 1], padding='SAME')
gv = gradients(valid, [x, f], grad_ys=constant(${lit(CV_W1)}))
gs = gradients(same, [x, f], grad_ys=constant(${lit(CV_W2)}))
`,
  expected: () => {
    const wv = T(CV_W1);
    const valid = (x: tf.Tensor, f: tf.Tensor) => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 2, 'valid');
    const same = (x: tf.Tensor, f: tf.Tensor) => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, 'same');
    return {
      valid: plain(valid(T(CV_X), T(CV_F))),
      same: plain(same(T(CV_X), T(CV_F))),
      gv: grads(valid, [T(CV_X), T(CV_F)], wv),
      gs: grads(same, [T(CV_X), T(CV_F)], T(CV_W2)),
    };
  },
});

const PL_X = R([1, 5, 5, 2]);
conform({
  name: 'max_pool2d and avg_pool2d, VALID and SAME, with gradients',
  ops: ['max_pool2d', 'avg_pool2d', 'gradients', 'multiply'],
  src: `
x = variable(${lit(PL_X)})
mx = max_pool2d(x, ksize=2, strides=2, padding='VALID')
ms = max_pool2d(x, ksize=3, strides=2, padding='SAME')
av = avg_pool2d(x, ksize=2, strides=1, padding='VALID')
as_ = avg_pool2d(x, ksize=3, strides=2, padding='SAME')
g = gradients([mx * mx, ms, av * av, as_], x)[0]
`,
  expected: () => {
    const x = T(PL_X) as tf.Tensor4D;
    const mx = (v: tf.Tensor) => tf.maxPool(v as tf.Tensor4D, 2, 2, 'valid');
    const ms = (v: tf.Tensor) => tf.maxPool(v as tf.Tensor4D, 3, 2, 'same');
    const av = (v: tf.Tensor) => tf.avgPool(v as tf.Tensor4D, 2, 1, 'valid');
    const as = (v: tf.Tensor) => tf.avgPool(v as tf.Tensor4D, 3, 2, 'same');
    // TF.js's AvgPool gradient with SAME padding divides by the full window (1/9) although its
    // forward pass divides by the number of non-padded elements (a TF.js bug). TensorFlow's
    // AvgPoolGrad uses the same counts as the forward pass: the reference spells the SAME
    // average as a window sum (depthwise conv with ones) divided by the window's valid count.
    const ones = tf.ones([3, 3, 2, 1]) as tf.Tensor4D;
    const count = tf.depthwiseConv2d(tf.onesLike(x), ones, 2, 'same');
    const asRef = (v: tf.Tensor) => tf.div(tf.depthwiseConv2d(v as tf.Tensor4D, ones, 2, 'same'), count);
    const f = (v: tf.Tensor) => tf.addN([tf.sum(tf.square(mx(v))), tf.sum(ms(v)), tf.sum(tf.square(av(v))), tf.sum(asRef(v))]);
    return { mx: plain(mx(x)), ms: plain(ms(x)), av: plain(av(x)), as_: plain(as(x)), g: plain(tf.grad(f)(x)) };
  },
});

// ---- sources ----------------------------------------------------------------------------

conform({
  name: 'sources: constant, zeros, ones, fill, zeros_like, ones_like, range, linspace, eye, one_hot',
  ops: ['constant', 'zeros', 'ones', 'fill', 'zeros_like', 'ones_like', 'range', 'linspace', 'eye', 'one_hot', 'variable', 'placeholder'],
  src: `
c = constant([[1, 2], [3, 4]], dtype=float32)
cs = constant(7.0, shape=[2, 3])
z = zeros([2, 3])
zi = zeros([2], int32)
o = ones([3, 1], dtype=float64)
f = fill([2, 2], 7.5)
zl = zeros_like(c)
ol = ones_like(c)
r = range(2, 11, 3)
r1 = range(5)
rf = range(0.5, 2.0, 0.5)
l = linspace(0.0, 1.0, 5)
e = eye(3)
oh = one_hot([0, 2, 1, 3], 3)
v = variable([1.5, 2.5])
p = placeholder(float32, [2])
feed p = [3, 4]
`,
  expected: () => ({
    c: [
      [1, 2],
      [3, 4],
    ],
    cs: plain(tf.fill([2, 3], 7)),
    z: plain(tf.zeros([2, 3])),
    zi: [0, 0],
    o: plain(tf.ones([3, 1])),
    f: plain(tf.fill([2, 2], 7.5)),
    zl: plain(
      tf.zerosLike(
        T([
          [1, 2],
          [3, 4],
        ]),
      ),
    ),
    ol: plain(
      tf.onesLike(
        T([
          [1, 2],
          [3, 4],
        ]),
      ),
    ),
    r: plain(tf.range(2, 11, 3, 'int32')),
    r1: plain(tf.range(0, 5, 1, 'int32')),
    rf: plain(tf.range(0.5, 2, 0.5)),
    l: plain(tf.linspace(0, 1, 5)),
    e: plain(tf.eye(3)),
    // An index out of [0, depth) gives a row of zeros, as TensorFlow.
    oh: plain(tf.oneHot(tf.tensor1d([0, 2, 1, 3], 'int32'), 3)),
    v: [1.5, 2.5],
    p: [3, 4],
  }),
});

// ---- the suite ---------------------------------------------------------------------------

describe('conformance with TensorFlow.js', () => {
  for (const c of cases) {
    const missing = c.ops.filter((op) => !hasOps(op));
    it.skipIf(missing.length > 0)(`${c.name}${missing.length ? ` (waiting for ${missing.join(', ')})` : ''}`, () => {
      const r = run(c.src);
      expect(r.errors().map((d) => `${r.pos(d.span).line}:${r.pos(d.span).column} ${d.code}: ${d.message}`)).toEqual([]);
      const expected = c.expected();
      for (const [name, value] of Object.entries(expected)) expectClose(r.value(name), value, name, c.tol);
    });
  }
});

// Generators are our own (documented, deterministic) so they are not compared with TF.js:
// check the contract instead — ranges, shapes, dtypes and determinism per seed.
describe('feed generators', () => {
  it('randint(low, high, shape, seed) is int32 in [low, high), deterministic per seed', () => {
    const r = run(`
a = constant(randint(-3, 4, [200], seed=5))
b = constant(randint(-3, 4, [200], seed=5))
c = constant(randint(-3, 4, [200], seed=6))
`);
    expect(r.errors()).toEqual([]);
    const a = r.tensor('a');
    expect(a.dtype).toBe('int32');
    const values = Array.from(a.data);
    expect(Math.min(...values)).toBe(-3);
    expect(Math.max(...values)).toBe(3);
    expect(values).toEqual(Array.from(r.tensor('b').data));
    expect(values).not.toEqual(Array.from(r.tensor('c').data));
  });

  it('uniform and normal: float32, in range / with the requested moments, seed 0 when omitted', () => {
    const r = run(`
p = placeholder(float32, [None, 1000])
feed p = uniform([2, 1000], low=-2, high=3)
q = constant(uniform([2, 1000], low=-2, high=3, seed=0))
n = constant(normal([20000], mean=1.5, stddev=0.5, seed=3))
`);
    expect(r.errors()).toEqual([]);
    const p = Array.from(r.tensor('p').data);
    expect(r.tensor('p').shape).toEqual([2, 1000]);
    expect(Math.min(...p)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...p)).toBeLessThan(3);
    expect(p).toEqual(Array.from(r.tensor('q').data));
    const n = Array.from(r.tensor('n').data);
    const mean = n.reduce((s, v) => s + v, 0) / n.length;
    const sd = Math.sqrt(n.reduce((s, v) => s + (v - mean) ** 2, 0) / n.length);
    expect(Math.abs(mean - 1.5)).toBeLessThan(0.02);
    expect(Math.abs(sd - 0.5)).toBeLessThan(0.02);
  });
});

describe('coverage', () => {
  it('every op the spec names is in the registry', () => {
    // A name of the spec's op sections that no op defines must be prose: an argument, a
    // keyword or a literal. Anything else is an op the engine lacks.
    expect(specNames().filter((name) => !lookupOp(name) && !isProseName(name))).toEqual([]);
  });

  it('every op of the spec is exercised by at least one conformance case', () => {
    const covered = new Set(cases.flatMap((c) => c.ops));
    const ops = specOps();
    expect(ops).toContain('sparse_softmax_cross_entropy_with_logits');
    // The feed generators' streams are tgraph's own, with no TensorFlow reference: the feed
    // tests above (and test/engine/npy.test.ts for load) check their ranges, moments and seeds.
    const generators = new Set(specFeedGenerators());
    expect([...generators].sort()).toEqual(['load', 'normal', 'randint', 'uniform']);
    expect(ops.filter((op) => !covered.has(op) && !generators.has(op))).toEqual([]);
  });

  it('at least 25 graphs of our own', () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
  });
});
