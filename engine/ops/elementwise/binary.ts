// Binary (and ternary `where`, `clip_by_value`) elementwise ops. They broadcast as NumPy;
// their gradients sum back over the broadcast axes with `sum_to_like`.

import { type Builder, BuildError, checkDTypeClass, tensorValue } from '../../builder';
import type { Node } from '../../graph';
import { type DType, type Tensor, isInteger, stridesOf } from '../../tensor';
import { type TensorType, OpError, broadcastShapes } from '../../types';
import { elementwise } from '../dependence';
import { type Binary, type BinaryLoop, binaryCodes, mapBinary, mapTernary } from '../kernels';
import { type DTypeClass, type OpDef, defineOps } from '../registry';
import { s, sq } from './unary';
import { type WasmBinary, binaryWasm, whereWasm } from '../../wasm/binary';

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
  /** Kernel for float32 inputs, when an intermediate must round to float32 as TensorFlow's
   *  float32 kernel rounds it (floordiv's quotient). */
  fFloat32?: Binary;
  /** `f` written out as a strided loop, for speed (kernels.ts); must compute exactly `f`. */
  loop?: BinaryLoop;
  /** The WebAssembly module's version of `f` on float data (engine/wasm/binary.ts). */
  wasm?: WasmBinary;
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
      const byDType =
        x.dtype === 'int32' ? spec.fInt : x.dtype === 'int64' ? spec.fInt64 : x.dtype === 'float32' ? spec.fFloat32 : undefined;
      const wasm = !byDType && spec.wasm && binaryWasm(spec.wasm, x, y, out, ctx);
      if (wasm) return wasm;
      return byDType ? mapBinary(x, y, out, ctx, byDType) : mapBinary(x, y, out, ctx, spec.f, spec.loop);
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

function truncatedIntDivide(a: number, b: number): number {
  if (b === 0) throw new OpError('integer division by zero', 1, 'division-by-zero');
  return Math.trunc(a / b);
}

function truncatedIntModulo(a: number, b: number): number {
  if (b === 0) throw new OpError('integer modulo by zero', 1, 'division-by-zero');
  return a % b;
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
    wasm: 'add',
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
    wasm: 'subtract',
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
    wasm: 'multiply',
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
      wasm: 'divide',
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
    // TensorFlow's float FloorDiv is floor(x / y) with the quotient rounded to float32 first:
    // 7 // 0.1 is 70 (7 / 0.1f rounds up to 70), where the double quotient floors to 69.
    fFloat32: (a, b) => Math.floor(Math.fround(a / b)),
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
    name: 'truncatediv',
    aliases: ['truncate_div'],
    doc: 'x / y rounded toward zero (C division: -7 / 2 is -3, where floordiv gives -4).',
    f: (a, b) => Math.trunc(a / b),
    fInt: truncatedIntDivide,
    fInt64: truncatedIntDivide,
  }),
  binary({
    name: 'truncatemod',
    aliases: ['truncate_mod'],
    doc: "Remainder of truncated division; the result has the sign of x (C's fmod).",
    f: (a, b) => a % b,
    fInt: truncatedIntModulo,
    fInt64: truncatedIntModulo,
    // x - truncatediv(x, y)·y, the quotient piecewise constant.
    grad: (b, x, y, _z, dy, needs) => [dy, needs[1] ? b.mul(dy, b.neg(b.op('truncatediv', [x, y]))) : null],
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
    wasm: 'maximum',
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
    wasm: 'minimum',
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
    name: 'xlogy',
    doc: 'x * log(y), and 0 where x is 0 (even where y is 0), as tf.math.xlogy: the entropy terms p log p and p log q.',
    dtypes: 'float',
    // At x = 0 the gradient is TensorFlow's 0, not the log(y) of x * log(y) on either side.
    kink: { what: 'x = 0 (where xlogy is defined as 0)', code: (a) => (a === 0 ? 0 : a > 0 ? 1 : -1) },
    f: (a, b) => (a === 0 ? 0 : a * Math.log(b)),
    // TensorFlow's _XLogyGrad: xlogy(x != 0, y) for x and xdivy(x, y) for y, both 0 where x
    // is 0. The division reads 1 there instead of y, so no branch is infinite at y = 0.
    grad: (b, x, y, _z, dy, needs) => {
      const xIsZero = b.op('equal', [x, s(b, 0, x)]);
      const gx = needs[0] ? b.mul(dy, b.op('xlogy', [b.cast(b.op('not_equal', [x, s(b, 0, x)]), x.type.dtype), y])) : null;
      const gy = needs[1] ? b.mul(dy, b.where(xIsZero, b.zerosLike(x), b.div(x, b.where(xIsZero, b.onesLike(y), y)))) : null;
      return [gx, gy];
    },
  }),
  binary({
    name: 'xdivy',
    doc: 'x / y, and 0 where x is 0 (even where y is 0), as tf.math.xdivy.',
    dtypes: 'float',
    kink: { what: 'x = 0 (where xdivy is defined as 0)', code: (a) => (a === 0 ? 0 : a > 0 ? 1 : -1) },
    f: (a, b) => (a === 0 ? 0 : a / b),
    // TensorFlow's _XDivyGrad: xdivy(x != 0, y) for x and xdivy(-x, y^2) for y, both 0 where
    // x is 0 whatever y is.
    grad: (b, x, y, _z, dy, needs) => {
      const gx = needs[0] ? b.mul(dy, b.op('xdivy', [b.cast(b.op('not_equal', [x, s(b, 0, x)]), x.type.dtype), y])) : null;
      const gy = needs[1] ? b.mul(dy, b.op('xdivy', [b.neg(x), sq(b, y)])) : null;
      return [gx, gy];
    },
  }),
  binary({
    name: 'multiply_no_nan',
    aliases: ['mul_no_nan'],
    doc: 'x * y, and 0 where y is 0 (even where x is NaN or infinite), as tf.math.multiply_no_nan.',
    dtypes: 'float',
    f: (a, b) => (b === 0 ? 0 : a * b),
    // TensorFlow's _MulNoNanGrad: multiply_no_nan(dy, y) for x (0 where y is 0) and
    // multiply_no_nan(x, dy) for y (0 where dy is 0, x * dy elsewhere, infinite x included).
    grad: (b, x, y, _z, dy, needs) => [
      needs[0] ? b.op('multiply_no_nan', [dy, y]) : null,
      needs[1] ? b.op('multiply_no_nan', [x, dy]) : null,
    ],
  }),
  binary({
    name: 'equal',
    wasm: 'equal',
    kink: { what: 'an equality test', code: tieCode },
    doc: 'x == y elementwise.',
    dtypes: 'any',
    out: bool,
    f: (a, b) => (a === b ? 1 : 0),
  }),
  binary({
    name: 'not_equal',
    wasm: 'not_equal',
    kink: { what: 'an equality test', code: tieCode },
    doc: 'x != y elementwise.',
    dtypes: 'any',
    out: bool,
    f: (a, b) => (a !== b ? 1 : 0),
  }),
  binary({
    name: 'less',
    wasm: 'less',
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
    wasm: 'less_equal',
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
    wasm: 'greater',
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
    wasm: 'greater_equal',
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
    kernel: ([c, x, y], _attrs, out, ctx) => whereWasm(c, x, y, out, ctx) ?? mapTernary(c, x, y, out, ctx, (cv, xv, yv) => (cv ? xv : yv)),
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
