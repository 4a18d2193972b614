// Unary elementwise ops: one record each, kernel and TensorFlow's gradient side by side.
// Gradients follow TensorFlow's math_grad.py / nn_grad.py (several use the op's output `y`,
// as TensorFlow does).

import { type Builder } from '../../builder';
import type { Node } from '../../graph';
import { type DType, DTYPES, isFloat, truncateToInt } from '../../tensor';
import { OpError } from '../../types';
import { type WasmUnary, unaryWasm } from '../../wasm/elementwise';
import { elementwise } from '../dependence';
import { type Unary, type UnaryLoop, mapUnary, unaryCodes } from '../kernels';
import { type DTypeClass, type OpDef, defineOps, op } from '../registry';
import { erf } from '../special';

type UnaryGrad = (b: Builder, x: Node, y: Node, dy: Node) => Node | null;

interface UnarySpec {
  name: string;
  aliases?: string[];
  doc: string;
  f: Unary;
  /** Kernel for int32 inputs, when it differs (e.g. integer abs stays exact). */
  fInt?: Unary;
  /** Kernel for int64 inputs, when it differs from `f` (which int64 uses otherwise). */
  fInt64?: Unary;
  /** `f` written out as a loop, for speed (kernels.ts); must compute exactly `f`. */
  loop?: UnaryLoop;
  /** The WebAssembly module's version of `f` (engine/wasm/elementwise.ts says for which data). */
  wasm?: WasmUnary;
  dtypes?: DTypeClass;
  out?: DType;
  grad?: UnaryGrad;
  /** Branch code per value, 0 exactly at a non-differentiable point (see OpDef.kink). */
  kink?: { what: string; code: Unary };
}

const signCode: Unary = (x) => (x > 0 ? 1 : x < 0 ? -1 : 0);
/** floor/ceil jump at integers; round at halves. Odd codes between kinks, 0 on one. */
const integerCode: Unary = (x) => (Number.isInteger(x) ? 0 : 2 * Math.floor(x) + 1);
const halfCode: Unary = (x) => (Number.isInteger(x - 0.5) ? 0 : 2 * Math.floor(x + 0.5) + 1);

export function unary(spec: UnarySpec): OpDef {
  const grad = spec.grad;
  return {
    name: spec.name,
    aliases: spec.aliases,
    doc: spec.doc,
    params: [{ name: 'x', kind: 'tensor', dtypes: spec.dtypes ?? 'float', aliases: ['features', 'input', 'a'] }],
    infer: ([x]) => ({ dtype: spec.out ?? x.dtype, shape: x.shape }),
    kernel: ([x], _attrs, out, ctx) => {
      const wasm = spec.wasm && unaryWasm(spec.wasm, x, out, ctx);
      if (wasm) return wasm;
      const fInt = x.dtype === 'int32' ? spec.fInt : x.dtype === 'int64' ? spec.fInt64 : undefined;
      return fInt ? mapUnary(x, out, ctx, fInt) : mapUnary(x, out, ctx, spec.f, spec.loop);
    },
    grad: grad ? (b, node, dy) => [grad(b, node.inputs[0], node, dy)] : undefined,
    dependence: elementwise(),
    kink: spec.kink && { what: spec.kink.what, codes: unaryCodes(spec.kink.code) },
  };
}

export const s = (b: Builder, v: number, like: Node) => b.scalar(v, like.type.dtype);
export const sq = (b: Builder, x: Node) => b.op('square', [x]);

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** One exp: e = e^-|x| never overflows, and is exactly e^x when x < 0. */
function sigmoid(x: number): number {
  const e = Math.exp(-Math.abs(x));
  return x >= 0 ? 1 / (1 + e) : e / (1 + e);
}

const SELU_SCALE = 1.0507009873554805;
const SELU_ALPHA = 1.6732632423543772;

defineOps([
  unary({
    name: 'negative',
    wasm: 'negative',
    aliases: ['neg'],
    doc: 'Numerical negative, -x.',
    dtypes: 'numeric',
    f: (x) => -x,
    loop: (src, dst, n) => {
      for (let i = 0; i < n; i++) dst[i] = -src[i];
    },
    grad: (b, _x, _y, dy) => b.neg(dy),
  }),
  unary({
    name: 'abs',
    wasm: 'abs',
    kink: { what: 'abs', code: signCode },
    doc: 'Absolute value |x|.',
    dtypes: 'numeric',
    f: Math.abs,
    loop: (src, dst, n) => {
      for (let i = 0; i < n; i++) dst[i] = Math.abs(src[i]);
    },
    // TensorFlow: dy * sign(x), so the gradient at 0 is 0.
    grad: (b, x, _y, dy) => b.mul(dy, b.op('sign', [x])),
  }),
  unary({
    name: 'sign',
    kink: { what: 'sign', code: signCode },
    doc: 'Sign of x: -1, 0 or 1.',
    dtypes: 'numeric',
    f: (x) => (x > 0 ? 1 : x < 0 ? -1 : x === 0 ? 0 : NaN),
    grad: (b, x) => b.zerosLike(x),
  }),
  unary({
    name: 'exp',
    wasm: 'exp',
    doc: 'Exponential e^x.',
    f: Math.exp,
    loop: (src, dst, n) => {
      for (let i = 0; i < n; i++) dst[i] = Math.exp(src[i]);
    },
    grad: (b, _x, y, dy) => b.mul(dy, y),
  }),
  unary({ name: 'expm1', doc: 'e^x - 1, accurate near 0.', f: Math.expm1, grad: (b, x, _y, dy) => b.mul(dy, b.op('exp', [x])) }),
  unary({
    name: 'log',
    doc: 'Natural logarithm.',
    f: Math.log,
    loop: (src, dst, n) => {
      for (let i = 0; i < n; i++) dst[i] = Math.log(src[i]);
    },
    grad: (b, x, _y, dy) => b.mul(dy, b.op('reciprocal', [x])),
  }),
  unary({
    name: 'log1p',
    doc: 'log(1 + x), accurate near 0.',
    f: Math.log1p,
    grad: (b, x, _y, dy) => b.mul(dy, b.op('reciprocal', [b.add(s(b, 1, x), x)])),
  }),
  unary({
    name: 'sqrt',
    wasm: 'sqrt',
    doc: 'Square root.',
    f: Math.sqrt,
    loop: (src, dst, n) => {
      for (let i = 0; i < n; i++) dst[i] = Math.sqrt(src[i]);
    },
    grad: (b, _x, y, dy) => b.div(b.scale(dy, 0.5), y),
  }),
  unary({
    name: 'rsqrt',
    doc: 'Reciprocal square root 1/sqrt(x).',
    f: (x) => 1 / Math.sqrt(x),
    grad: (b, _x, y, dy) => b.mul(b.scale(dy, -0.5), b.mul(y, sq(b, y))),
  }),
  unary({
    name: 'square',
    wasm: 'square',
    doc: 'x * x.',
    dtypes: 'numeric',
    f: (x) => x * x,
    fInt: (x) => Math.imul(x, x),
    loop: (src, dst, n) => {
      for (let i = 0; i < n; i++) {
        const x = src[i];
        dst[i] = x * x;
      }
    },
    grad: (b, x, _y, dy) => b.mul(dy, b.scale(x, 2)),
  }),
  unary({
    name: 'reciprocal',
    wasm: 'reciprocal',
    doc: '1 / x.',
    f: (x) => 1 / x,
    loop: (src, dst, n) => {
      for (let i = 0; i < n; i++) dst[i] = 1 / src[i];
    },
    grad: (b, _x, y, dy) => b.neg(b.mul(dy, sq(b, y))),
  }),
  unary({ name: 'sin', doc: 'Sine.', f: Math.sin, grad: (b, x, _y, dy) => b.mul(dy, b.op('cos', [x])) }),
  unary({ name: 'cos', doc: 'Cosine.', f: Math.cos, grad: (b, x, _y, dy) => b.neg(b.mul(dy, b.op('sin', [x]))) }),
  unary({ name: 'tan', doc: 'Tangent.', f: Math.tan, grad: (b, x, _y, dy) => b.mul(dy, sq(b, b.op('reciprocal', [b.op('cos', [x])]))) }),
  unary({
    name: 'asin',
    doc: 'Inverse sine.',
    f: Math.asin,
    grad: (b, x, _y, dy) => b.mul(dy, b.op('rsqrt', [b.sub(s(b, 1, x), sq(b, x))])),
  }),
  unary({
    name: 'acos',
    doc: 'Inverse cosine.',
    f: Math.acos,
    grad: (b, x, _y, dy) => b.neg(b.mul(dy, b.op('rsqrt', [b.sub(s(b, 1, x), sq(b, x))]))),
  }),
  unary({
    name: 'atan',
    doc: 'Inverse tangent.',
    f: Math.atan,
    grad: (b, x, _y, dy) => b.mul(dy, b.op('reciprocal', [b.add(s(b, 1, x), sq(b, x))])),
  }),
  unary({ name: 'sinh', doc: 'Hyperbolic sine.', f: Math.sinh, grad: (b, x, _y, dy) => b.mul(dy, b.op('cosh', [x])) }),
  unary({ name: 'cosh', doc: 'Hyperbolic cosine.', f: Math.cosh, grad: (b, x, _y, dy) => b.mul(dy, b.op('sinh', [x])) }),
  unary({
    name: 'tanh',
    wasm: 'tanh',
    doc: 'Hyperbolic tangent.',
    f: Math.tanh,
    loop: (src, dst, n) => {
      for (let i = 0; i < n; i++) dst[i] = Math.tanh(src[i]);
    },
    grad: (b, _x, y, dy) => b.mul(dy, b.sub(s(b, 1, y), sq(b, y))),
  }),
  unary({
    name: 'sigmoid',
    wasm: 'sigmoid',
    doc: 'Logistic sigmoid 1 / (1 + e^-x).',
    f: sigmoid,
    loop: (src, dst, n) => {
      for (let i = 0; i < n; i++) {
        const x = src[i];
        const e = Math.exp(-Math.abs(x));
        dst[i] = x >= 0 ? 1 / (1 + e) : e / (1 + e);
      }
    },
    grad: (b, _x, y, dy) => b.mul(dy, b.mul(y, b.sub(s(b, 1, y), y))),
  }),
  unary({
    name: 'relu',
    wasm: 'relu',
    kink: { what: 'relu', code: signCode },
    doc: 'Rectified linear unit max(x, 0).',
    dtypes: 'numeric',
    // TensorFlow's Relu is Eigen's max(x, 0), which keeps x unless x < 0: NaN stays NaN (a
    // diverged layer must not look healthy downstream), as in PyTorch.
    f: (x) => (x < 0 ? 0 : x),
    loop: (src, dst, n) => {
      for (let i = 0; i < n; i++) {
        const x = src[i];
        dst[i] = x < 0 ? 0 : x;
      }
    },
    // TensorFlow's ReluGrad passes dy where x > 0: the gradient at 0 is 0.
    grad: (b, x, _y, dy) => b.where(b.op('greater', [x, s(b, 0, x)]), dy, b.zerosLike(dy)),
  }),
  unary({
    name: 'relu6',
    kink: { what: 'relu6', code: (x) => (x < 0 ? -2 : x === 0 || x === 6 ? 0 : x < 6 ? 1 : 2) },
    doc: 'min(max(x, 0), 6).',
    dtypes: 'numeric',
    f: (x) => Math.min(Math.max(x, 0), 6),
    grad: (b, x, _y, dy) =>
      b.where(b.op('logical_and', [b.op('greater', [x, s(b, 0, x)]), b.op('less', [x, s(b, 6, x)])]), dy, b.zerosLike(dy)),
  }),
  op<{ alpha: number }>({
    name: 'leaky_relu',
    kink: { what: 'leaky_relu', codes: unaryCodes(signCode) },
    doc: 'x where x > 0, alpha * x elsewhere.',
    params: [
      { name: 'features', kind: 'tensor', dtypes: 'float', aliases: ['x'] },
      { name: 'alpha', kind: 'float', default: 0.2 },
    ],
    infer: ([x]) => x,
    kernel: ([x], attrs, out, ctx) => {
      const alpha = attrs.alpha;
      return mapUnary(x, out, ctx, (v) => (v > 0 ? v : alpha * v));
    },
    grad: (b, node, dy) => {
      const x = node.inputs[0];
      return [b.where(b.op('greater', [x, s(b, 0, x)]), dy, b.scale(dy, node.attrs.alpha))];
    },
    dependence: elementwise(),
  }),
  unary({
    name: 'elu',
    doc: 'Exponential linear unit: x where x > 0, e^x - 1 elsewhere.',
    f: (x) => (x > 0 ? x : Math.expm1(x)),
    // TensorFlow's EluGrad reads the output: dy * (y + 1) where y < 0.
    grad: (b, _x, y, dy) => b.where(b.op('less', [y, s(b, 0, y)]), b.mul(dy, b.add(y, s(b, 1, y))), dy),
  }),
  unary({
    name: 'selu',
    doc: 'Scaled exponential linear unit (self-normalising).',
    f: (x) => (x > 0 ? SELU_SCALE * x : SELU_SCALE * SELU_ALPHA * Math.expm1(x)),
    grad: (b, _x, y, dy) =>
      b.where(b.op('less', [y, s(b, 0, y)]), b.mul(dy, b.add(y, s(b, SELU_SCALE * SELU_ALPHA, y))), b.scale(dy, SELU_SCALE)),
  }),
  unary({
    name: 'softplus',
    doc: 'log(1 + e^x), computed stably.',
    f: (x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))),
    grad: (b, x, _y, dy) => b.mul(dy, b.op('sigmoid', [x])),
  }),
  unary({
    name: 'softsign',
    doc: 'x / (1 + |x|).',
    f: (x) => x / (1 + Math.abs(x)),
    grad: (b, x, _y, dy) => b.div(dy, sq(b, b.add(s(b, 1, x), b.op('abs', [x])))),
  }),
  unary({
    name: 'erf',
    doc: 'Gauss error function.',
    f: erf,
    grad: (b, x, _y, dy) => b.mul(dy, b.scale(b.op('exp', [b.neg(sq(b, x))]), 2 / Math.sqrt(Math.PI))),
  }),
  // TensorFlow registers floor, ceil and round with no gradient (None).
  unary({ name: 'floor', kink: { what: 'floor', code: integerCode }, doc: 'Largest integer not greater than x.', f: Math.floor }),
  unary({ name: 'ceil', kink: { what: 'ceil', code: integerCode }, doc: 'Smallest integer not less than x.', f: Math.ceil }),
  unary({
    name: 'round',
    aliases: ['rint'],
    kink: { what: 'round', code: halfCode },
    doc: 'Rounds half to even, as TensorFlow.',
    f: roundHalfEven,
  }),
  // tf.math.real and tf.math.conj of a real tensor are the tensor itself.
  unary({
    name: 'identity',
    aliases: ['real', 'conj'],
    doc: 'Returns x unchanged.',
    dtypes: 'any',
    f: (x) => x,
    grad: (_b, _x, _y, dy) => dy,
  }),
  unary({ name: 'stop_gradient', doc: 'Returns x; no gradient flows through it.', dtypes: 'any', f: (x) => x }),
  unary({ name: 'is_nan', doc: 'True where x is NaN.', out: 'bool', f: (x) => (x !== x ? 1 : 0) }),
  unary({ name: 'is_finite', doc: 'True where x is neither infinite nor NaN.', out: 'bool', f: (x) => (Number.isFinite(x) ? 1 : 0) }),
  unary({ name: 'is_inf', doc: 'True where x is +inf or -inf.', out: 'bool', f: (x) => (x === Infinity || x === -Infinity ? 1 : 0) }),
  unary({ name: 'logical_not', doc: 'Elementwise NOT of a bool tensor.', dtypes: 'bool', f: (x) => (x ? 0 : 1) }),
  op<{ dtype: DType }>({
    name: 'cast',
    doc: 'Converts x to another dtype (floats truncate toward zero when cast to an integer dtype).',
    params: [
      { name: 'x', kind: 'tensor' },
      { name: 'dtype', kind: 'dtype' },
    ],
    infer: ([x], attrs) => {
      // `dtype=None` (or a placeholder of dtype None being fed) names no dtype to cast to.
      if (!DTYPES.includes(attrs.dtype))
        throw new OpError(
          `cast needs a dtype (${DTYPES.join(', ')}), got ${attrs.dtype === null ? 'None' : String(attrs.dtype)}`,
          undefined,
          'dtype-mismatch',
        );
      return { dtype: attrs.dtype, shape: x.shape };
    },
    kernel: ([x], attrs, out, ctx) => {
      const to = attrs.dtype;
      if (to === 'int32' || to === 'int64') {
        if (!isFloat(x.dtype)) return mapUnary(x, out, ctx, (v) => v); // int64 → int32 wraps in the store, as C
        return mapUnary(x, out, ctx, (v) => truncateToInt(v, to));
      }
      if (to === 'bool') return mapUnary(x, out, ctx, (v) => (v !== 0 ? 1 : 0));
      // To a float type: the typed-array copy converts (and rounds to float32) as assignment does.
      const data = ctx.alloc(out.dtype, x.data.length);
      data.set(x.data as never);
      return data;
    },
    grad: (b, node, dy) => {
      const x = node.inputs[0];
      return [isFloat(x.type.dtype) && isFloat(node.type.dtype) ? b.cast(dy, x.type.dtype) : null];
    },
    dependence: elementwise(),
  }),
]);
