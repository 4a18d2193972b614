// Elementwise ops: one record each, kernel and TensorFlow's gradient side by side.
// Unary gradients follow TensorFlow's math_grad.py / nn_grad.py (several use the op's
// output `y`, as TensorFlow does). Binary ops broadcast as NumPy; their gradients sum back
// over the broadcast axes with `sum_to_like`.

import { type Builder, BuildError, checkDTypeClass, tensorValue } from '../builder';
import type { Node } from '../graph';
import { DTYPES, type DType, type Tensor, isFloat, isInteger, stridesOf } from '../tensor';
import { type TensorType, OpError, broadcastShapes } from '../types';
import { type DTypeClass, type OpDef, defineOps } from './registry';
import {
  type Binary,
  type BinaryLoop,
  type Unary,
  type UnaryLoop,
  binaryCodes,
  mapBinary,
  mapTernary,
  mapUnary,
  unaryCodes,
} from './kernels';
import { erf } from './special';
import { type WasmUnary, unaryWasm } from '../wasm/elementwise';
import { elementwise } from './dependence';

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
  /** The WebAssembly module's float32 version of `f` (engine/wasm/elementwise.ts). */
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

const s = (b: Builder, v: number, like: Node) => b.scalar(v, like.type.dtype);
const sq = (b: Builder, x: Node) => b.op('square', [x]);

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
    kink: { what: 'relu', code: signCode },
    doc: 'Rectified linear unit max(x, 0).',
    dtypes: 'numeric',
    f: (x) => (x > 0 ? x : 0),
    loop: (src, dst, n) => {
      for (let i = 0; i < n; i++) {
        const x = src[i];
        dst[i] = x > 0 ? x : 0;
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
  {
    name: 'leaky_relu',
    kink: { what: 'leaky_relu', codes: unaryCodes(signCode) },
    doc: 'x where x > 0, alpha * x elsewhere.',
    params: [
      { name: 'features', kind: 'tensor', dtypes: 'float', aliases: ['x'] },
      { name: 'alpha', kind: 'float', default: 0.2 },
    ],
    infer: ([x]) => x,
    kernel: ([x], attrs, out, ctx) => {
      const alpha = attrs.alpha as number;
      return mapUnary(x, out, ctx, (v) => (v > 0 ? v : alpha * v));
    },
    grad: (b, node, dy) => {
      const x = node.inputs[0];
      return [b.where(b.op('greater', [x, s(b, 0, x)]), dy, b.scale(dy, node.attrs.alpha as number))];
    },
    dependence: elementwise(),
  },
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
  unary({ name: 'round', kink: { what: 'round', code: halfCode }, doc: 'Rounds half to even, as TensorFlow.', f: roundHalfEven }),
  unary({ name: 'identity', doc: 'Returns x unchanged.', dtypes: 'any', f: (x) => x, grad: (_b, _x, _y, dy) => dy }),
  unary({ name: 'stop_gradient', doc: 'Returns x; no gradient flows through it.', dtypes: 'any', f: (x) => x }),
  unary({ name: 'is_nan', doc: 'True where x is NaN.', out: 'bool', f: (x) => (x !== x ? 1 : 0) }),
  unary({ name: 'is_finite', doc: 'True where x is neither infinite nor NaN.', out: 'bool', f: (x) => (Number.isFinite(x) ? 1 : 0) }),
  unary({ name: 'is_inf', doc: 'True where x is +inf or -inf.', out: 'bool', f: (x) => (x === Infinity || x === -Infinity ? 1 : 0) }),
  unary({ name: 'logical_not', doc: 'Elementwise NOT of a bool tensor.', dtypes: 'bool', f: (x) => (x ? 0 : 1) }),
  {
    name: 'cast',
    doc: 'Converts x to another dtype (floats truncate toward zero when cast to an integer dtype).',
    params: [
      { name: 'x', kind: 'tensor' },
      { name: 'dtype', kind: 'dtype' },
    ],
    infer: ([x], attrs) => {
      // `dtype=None` (or a placeholder of dtype None being fed) names no dtype to cast to.
      if (!DTYPES.includes(attrs.dtype as DType))
        throw new OpError(
          `cast needs a dtype (${DTYPES.join(', ')}), got ${attrs.dtype === null ? 'None' : String(attrs.dtype)}`,
          undefined,
          'dtype-mismatch',
        );
      return { dtype: attrs.dtype as DType, shape: x.shape };
    },
    kernel: ([x], attrs, out, ctx) => {
      const to = attrs.dtype as DType;
      // NaN becomes the most negative integer, as TensorFlow's cast does on x86.
      if (to === 'int32') return mapUnary(x, out, ctx, (v) => (v !== v ? -2147483648 : Math.trunc(v)));
      if (to === 'int64') return mapUnary(x, out, ctx, (v) => (v !== v ? -(2 ** 63) : Math.trunc(v)));
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
  },
]);

// ---- binary ----------------------------------------------------------------------------

/** The gradients of x and y before unbroadcasting; `needs` as OpDef.grad's: a side not
 *  needed may be null, and is dropped if built. */
type BinaryGrad = (b: Builder, x: Node, y: Node, z: Node, dy: Node, needs: readonly boolean[]) => [Node | null, Node | null];

interface BinarySpec {
  name: string;
  aliases?: string[];
  doc: string;
  f: Binary;
  /** Kernel for int32 inputs, when it differs (wrapping products, integer division). */
  fInt?: Binary;
  /** Kernel for int64 inputs, when it differs from `f` (which int64 uses otherwise). */
  fInt64?: Binary;
  /** `f` written out as a strided loop, for speed (kernels.ts); must compute exactly `f`. */
  loop?: BinaryLoop;
  dtypes?: DTypeClass;
  /** Output dtype (bool for comparisons). */
  out?: (inputDType: DType) => DType;
  /** Gradient before unbroadcasting: shapes may be the broadcast shape. */
  grad?: BinaryGrad;
  params?: [string, string];
  kink?: { what: string; code: Binary };
  /** multiply scales x by y (or y by x), divide x by y: a division by a batch size is a mean. */
  scales?: 'product' | 'quotient';
}

const tieCode: Binary = (a, b) => (a > b ? 1 : a < b ? -1 : 0);

function binaryType(x: TensorType, y: TensorType, out?: (d: DType) => DType): TensorType {
  if (x.dtype !== y.dtype) throw new OpError(`dtype mismatch: ${x.dtype} and ${y.dtype}`, 1, 'dtype-mismatch');
  return { dtype: out ? out(x.dtype) : x.dtype, shape: broadcastShapes(x.shape, y.shape) };
}

export function binary(spec: BinarySpec): OpDef {
  const grad = spec.grad;
  const [p0, p1] = spec.params ?? ['x', 'y'];
  return {
    name: spec.name,
    aliases: spec.aliases,
    doc: spec.doc,
    params: [
      { name: p0, kind: 'tensor', group: 'T', dtypes: spec.dtypes ?? 'numeric', aliases: p0 === 'x' ? ['a'] : undefined },
      { name: p1, kind: 'tensor', group: 'T', dtypes: spec.dtypes ?? 'numeric', aliases: p1 === 'y' ? ['b'] : undefined },
    ],
    infer: ([x, y]) => binaryType(x, y, spec.out),
    kernel: ([x, y], _attrs, out, ctx) => {
      const fInt = x.dtype === 'int32' ? spec.fInt : x.dtype === 'int64' ? spec.fInt64 : undefined;
      return fInt ? mapBinary(x, y, out, ctx, fInt) : mapBinary(x, y, out, ctx, spec.f, spec.loop);
    },
    grad: grad
      ? (b, node, dy, needs) => {
          const [x, y] = node.inputs;
          const [gx, gy] = grad(b, x, y, node, dy, needs);
          return [gx && needs[0] ? b.sumToLike(gx, x) : null, gy && needs[1] ? b.sumToLike(gy, y) : null];
        }
      : undefined,
    dependence: elementwise({ scales: spec.scales }),
    kink: spec.kink && { what: spec.kink.what, codes: binaryCodes(spec.kink.code) },
  };
}

function intDivide(a: number, b: number): number {
  if (b === 0) throw new OpError('integer division by zero', 1, 'division-by-zero');
  return Math.floor(a / b);
}

function floorMod(a: number, b: number): number {
  const r = a % b;
  return r !== 0 && r < 0 !== b < 0 ? r + b : r;
}

function intModulo(a: number, b: number): number {
  if (b === 0) throw new OpError('integer modulo by zero', 1, 'division-by-zero');
  return floorMod(a, b);
}

/** a ** b by squaring: every partial product divides the result, so it is exact whenever
 *  the result is below 2^53 (Math.pow need not be). */
function intPower(a: number, b: number, times: Binary = (x, y) => x * y): number {
  if (b < 0) throw new OpError('integers to negative integer powers are not allowed', 1);
  let result = 1;
  for (let base = a, e = b; e > 0; e = Math.floor(e / 2)) {
    if (e % 2 === 1) result = times(result, base);
    if (e > 1) base = times(base, base);
  }
  return result;
}

const bool = () => 'bool' as DType;

defineOps([
  binary({
    name: 'add',
    doc: 'x + y, broadcasting.',
    f: (a, b) => a + b,
    loop: (A, ia, sa, B, ib, sb, D, o, n) => {
      if (sa === 1 && sb === 1) for (let j = 0; j < n; j++) D[o + j] = A[ia + j] + B[ib + j];
      else for (let j = 0; j < n; j++, ia += sa, ib += sb) D[o + j] = A[ia] + B[ib];
    },
    grad: (_b, _x, _y, _z, dy) => [dy, dy],
  }),
  binary({
    name: 'subtract',
    aliases: ['sub'],
    doc: 'x - y, broadcasting.',
    f: (a, b) => a - b,
    loop: (A, ia, sa, B, ib, sb, D, o, n) => {
      if (sa === 1 && sb === 1) for (let j = 0; j < n; j++) D[o + j] = A[ia + j] - B[ib + j];
      else for (let j = 0; j < n; j++, ia += sa, ib += sb) D[o + j] = A[ia] - B[ib];
    },
    grad: (b, _x, _y, _z, dy, needs) => [dy, needs[1] ? b.neg(dy) : null],
  }),
  binary({
    name: 'multiply',
    aliases: ['mul'],
    doc: 'x * y, broadcasting.',
    scales: 'product',
    f: (a, b) => a * b,
    fInt: Math.imul,
    loop: (A, ia, sa, B, ib, sb, D, o, n) => {
      if (sa === 1 && sb === 1) for (let j = 0; j < n; j++) D[o + j] = A[ia + j] * B[ib + j];
      else for (let j = 0; j < n; j++, ia += sa, ib += sb) D[o + j] = A[ia] * B[ib];
    },
    grad: (b, x, y, _z, dy, needs) => [needs[0] ? b.mul(dy, y) : null, needs[1] ? b.mul(x, dy) : null],
  }),
  {
    // Integer true division gives float64, as Python TensorFlow's `/`.
    ...binary({
      name: 'divide',
      aliases: ['truediv', 'div', 'realdiv'],
      doc: 'x / y (true division; integer operands give float64).',
      scales: 'quotient',
      f: (a, b) => a / b,
      loop: (A, ia, sa, B, ib, sb, D, o, n) => {
        if (sa === 1 && sb === 1) for (let j = 0; j < n; j++) D[o + j] = A[ia + j] / B[ib + j];
        else for (let j = 0; j < n; j++, ia += sa, ib += sb) D[o + j] = A[ia] / B[ib];
      },
      out: (d) => (isInteger(d) ? 'float64' : d),
      grad: (b, x, y, _z, dy, needs) => [needs[0] ? b.div(dy, y) : null, needs[1] ? b.mul(dy, b.div(b.div(b.neg(x), y), y)) : null],
    }),
  },
  binary({
    name: 'floordiv',
    aliases: ['floor_div'],
    doc: 'Floor of x / y.',
    f: (a, b) => Math.floor(a / b),
    fInt: intDivide,
    fInt64: intDivide,
  }),
  binary({
    name: 'mod',
    aliases: ['floormod', 'floor_mod'],
    doc: 'Remainder of floor division; the result has the sign of y.',
    f: floorMod,
    fInt: intModulo,
    fInt64: intModulo,
    grad: (b, x, y, _z, dy, needs) => [dy, needs[1] ? b.mul(dy, b.neg(b.op('floordiv', [x, y]))) : null],
  }),
  binary({
    name: 'pow',
    doc: 'x ** y, broadcasting.',
    f: Math.pow,
    // int32 powers wrap around as TensorFlow's do.
    fInt: (a, b) => intPower(a, b, Math.imul),
    fInt64: intPower,
    // TensorFlow uses log(x) only where x > 0 for the exponent's gradient.
    grad: (b, x, y, z, dy, needs) => {
      const gx = needs[0] ? b.mul(dy, b.mul(y, b.op('pow', [x, b.sub(y, s(b, 1, y))]))) : null;
      if (!needs[1]) return [gx, null];
      const positive = b.op('greater', [x, s(b, 0, x)]);
      const logX = b.where(positive, b.op('log', [b.where(positive, x, b.onesLike(x))]), b.zerosLike(x));
      return [gx, b.mul(dy, b.mul(z, logX))];
    },
  }),
  binary({
    name: 'maximum',
    kink: { what: 'maximum (a tie)', code: tieCode },
    doc: 'Elementwise maximum; at ties the gradient goes to x (TensorFlow).',
    f: (a, b) => (a >= b || a !== a ? a : b),
    loop: (A, ia, sa, B, ib, sb, D, o, n) => {
      for (let j = 0; j < n; j++, ia += sa, ib += sb) {
        const a = A[ia];
        const b = B[ib];
        D[o + j] = a >= b || a !== a ? a : b;
      }
    },
    grad: (b, x, y, _z, dy, needs) => {
      const xWins = b.op('greater_equal', [x, y]);
      return [needs[0] ? b.where(xWins, dy, b.zerosLike(dy)) : null, needs[1] ? b.where(xWins, b.zerosLike(dy), dy) : null];
    },
  }),
  binary({
    name: 'minimum',
    kink: { what: 'minimum (a tie)', code: tieCode },
    doc: 'Elementwise minimum; at ties the gradient goes to x (TensorFlow).',
    f: (a, b) => (a <= b || a !== a ? a : b),
    loop: (A, ia, sa, B, ib, sb, D, o, n) => {
      for (let j = 0; j < n; j++, ia += sa, ib += sb) {
        const a = A[ia];
        const b = B[ib];
        D[o + j] = a <= b || a !== a ? a : b;
      }
    },
    grad: (b, x, y, _z, dy, needs) => {
      const xWins = b.op('less_equal', [x, y]);
      return [needs[0] ? b.where(xWins, dy, b.zerosLike(dy)) : null, needs[1] ? b.where(xWins, b.zerosLike(dy), dy) : null];
    },
  }),
  binary({
    name: 'squared_difference',
    doc: '(x - y)^2, broadcasting.',
    f: (a, b) => (a - b) * (a - b),
    loop: (A, ia, sa, B, ib, sb, D, o, n) => {
      for (let j = 0; j < n; j++, ia += sa, ib += sb) {
        const d = A[ia] - B[ib];
        D[o + j] = d * d;
      }
    },
    grad: (b, x, y, _z, dy, needs) => {
      const gx = b.mul(dy, b.scale(b.sub(x, y), 2));
      return [gx, needs[1] ? b.neg(gx) : null];
    },
  }),
  binary({
    name: 'atan2',
    doc: 'Angle of the point (x, y): atan(y / x) in the right quadrant. Arguments are (y, x).',
    dtypes: 'float',
    params: ['y', 'x'],
    f: Math.atan2,
    grad: (b, y, x, _z, dy) => {
      const inv = b.div(dy, b.add(sq(b, x), sq(b, y)));
      return [b.mul(x, inv), b.mul(b.neg(y), inv)];
    },
  }),
  binary({
    name: 'equal',
    kink: { what: 'an equality test', code: tieCode },
    doc: 'x == y elementwise.',
    dtypes: 'any',
    out: bool,
    f: (a, b) => (a === b ? 1 : 0),
  }),
  binary({
    name: 'not_equal',
    kink: { what: 'an equality test', code: tieCode },
    doc: 'x != y elementwise.',
    dtypes: 'any',
    out: bool,
    f: (a, b) => (a !== b ? 1 : 0),
  }),
  binary({
    name: 'less',
    kink: { what: 'a comparison (a branch switch)', code: tieCode },
    doc: 'x < y elementwise.',
    out: bool,
    f: (a, b) => (a < b ? 1 : 0),
    loop: (A, ia, sa, B, ib, sb, D, o, n) => {
      for (let j = 0; j < n; j++, ia += sa, ib += sb) D[o + j] = A[ia] < B[ib] ? 1 : 0;
    },
  }),
  binary({
    name: 'less_equal',
    kink: { what: 'a comparison (a branch switch)', code: tieCode },
    doc: 'x <= y elementwise.',
    out: bool,
    f: (a, b) => (a <= b ? 1 : 0),
    loop: (A, ia, sa, B, ib, sb, D, o, n) => {
      for (let j = 0; j < n; j++, ia += sa, ib += sb) D[o + j] = A[ia] <= B[ib] ? 1 : 0;
    },
  }),
  binary({
    name: 'greater',
    kink: { what: 'a comparison (a branch switch)', code: tieCode },
    doc: 'x > y elementwise.',
    out: bool,
    f: (a, b) => (a > b ? 1 : 0),
    loop: (A, ia, sa, B, ib, sb, D, o, n) => {
      for (let j = 0; j < n; j++, ia += sa, ib += sb) D[o + j] = A[ia] > B[ib] ? 1 : 0;
    },
  }),
  binary({
    name: 'greater_equal',
    kink: { what: 'a comparison (a branch switch)', code: tieCode },
    doc: 'x >= y elementwise.',
    out: bool,
    f: (a, b) => (a >= b ? 1 : 0),
    loop: (A, ia, sa, B, ib, sb, D, o, n) => {
      for (let j = 0; j < n; j++, ia += sa, ib += sb) D[o + j] = A[ia] >= B[ib] ? 1 : 0;
    },
  }),
  binary({ name: 'logical_and', doc: 'x AND y for bool tensors.', dtypes: 'bool', f: (a, b) => (a && b ? 1 : 0) }),
  binary({ name: 'logical_or', doc: 'x OR y for bool tensors.', dtypes: 'bool', f: (a, b) => (a || b ? 1 : 0) }),
  binary({ name: 'logical_xor', doc: 'x XOR y for bool tensors.', dtypes: 'bool', f: (a, b) => (a ? 1 : 0) ^ (b ? 1 : 0) }),
  {
    name: 'where',
    aliases: ['where_v2', 'select'],
    doc: 'Picks x where cond is true, y elsewhere (broadcasting); with neither x nor y, the coordinates of the true entries (int64 [n, rank]).',
    params: [
      { name: 'condition', kind: 'tensor', dtypes: 'bool', aliases: ['cond'] },
      { name: 'x', kind: 'tensor', group: 'T', default: null },
      { name: 'y', kind: 'tensor', group: 'T', default: null },
    ],
    build: (b, args) => {
      const hasX = !args.isNone('x');
      if (hasX !== !args.isNone('y'))
        throw new BuildError(
          'where(): x and y must both be given, or neither (then where gives the coordinates of the true entries)',
          args.span(hasX ? 'x' : 'y'),
          'missing-argument',
        );
      if (hasX) return tensorValue(b.buildPrimitive(args.op, args));
      const c = args.tensor('condition');
      checkDTypeClass(args.op, args.param('condition'), c, args.span('condition'));
      return tensorValue(b.apply('where_indices', [c], {}, args.callSpan, [args.span('condition')]));
    },
    infer: ([c, x, y]) => {
      if (c.dtype !== 'bool') throw new OpError(`condition must be bool, got ${c.dtype}`, 0, 'dtype-mismatch');
      if (x.dtype !== y.dtype) throw new OpError(`x is ${x.dtype} but y is ${y.dtype}`, 2, 'dtype-mismatch');
      return { dtype: x.dtype, shape: broadcastShapes(broadcastShapes(c.shape, x.shape, 1), y.shape, 2) };
    },
    kernel: ([c, x, y], _attrs, out, ctx) => mapTernary(c, x, y, out, ctx, (cv, xv, yv) => (cv ? xv : yv)),
    grad: (b, node, dy) => {
      const [c, x, y] = node.inputs;
      const zeros = b.zerosLike(dy);
      return [null, b.sumToLike(b.where(c, dy, zeros), x), b.sumToLike(b.where(c, zeros, dy), y)];
    },
    // The condition chooses between x and y but has no derivative.
    dependence: elementwise({ carries: (slot) => slot > 0 }),
  },
  {
    name: 'where_indices',
    internal: true,
    doc: 'The coordinates of the true entries of a bool tensor, row-major, as int64 [n, rank] (n known when evaluated).',
    params: [],
    // The count is known only from the data: at evaluation the rule is given the value (a
    // Tensor is a TensorType with data) and counts it.
    infer: ([c]) => {
      const data = (c as Partial<Tensor>).data;
      let n: number | null = null;
      if (data) {
        n = 0;
        for (let i = 0; i < data.length; i++) if (data[i]) n++;
      }
      return { dtype: 'int64', shape: c.shape === null ? [n, null] : [n, c.shape.length] };
    },
    kernel: ([c], _attrs, _out, ctx) => {
      const rank = c.shape.length;
      const strides = stridesOf(c.shape);
      let n = 0;
      for (let i = 0; i < c.data.length; i++) if (c.data[i]) n++;
      const data = ctx.alloc('int64', n * rank);
      let k = 0;
      for (let i = 0; i < c.data.length; i++) {
        if (!c.data[i]) continue;
        for (let d = 0; d < rank; d++) data[k++] = Math.floor(i / strides[d]) % c.shape[d];
      }
      return data;
    },
  },
  {
    name: 'clip_by_value',
    doc: 'Clips values to [clip_value_min, clip_value_max] (as minimum then maximum, so the gradient at a bound passes through).',
    params: [
      { name: 't', kind: 'tensor', group: 'T', aliases: ['x'] },
      { name: 'clip_value_min', kind: 'tensor', group: 'T' },
      { name: 'clip_value_max', kind: 'tensor', group: 'T' },
    ],
    build: (b, args) => {
      const [t, lo, hi] = b.unifyDTypes(
        [args.tensor('t'), args.tensor('clip_value_min'), args.tensor('clip_value_max')],
        [args.span('t'), args.span('clip_value_min'), args.span('clip_value_max')],
      );
      const spans = [args.span('t'), args.span('clip_value_max')];
      const low = b.apply('minimum', [t, hi], {}, args.callSpan, spans);
      const clipped = b.apply('maximum', [low, lo], {}, args.callSpan, [args.span('t'), args.span('clip_value_min')]);
      return { kind: 'tensor', node: clipped };
    },
  },
]);
