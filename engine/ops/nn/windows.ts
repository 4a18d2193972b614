// What conv2d and 2-D pooling (NHWC) share: the window attributes and geometry
// (TensorFlow's output sizes and SAME/VALID padding), their static shape rules, their
// dependence, and the normalisation of their arguments.

import { type BoundArgs, type Builder, BuildError, checkDTypeClass } from '../../builder';
import type { Node } from '../../graph';
import { type DType, isInteger } from '../../tensor';
import { type Dim, type Shape, type TensorType, OpError, showShape } from '../../types';
import { type DependenceContext, type Relation, type WindowGeometry, window, windowRelation } from '../dependence';
import { type Attrs, type OpDef } from '../registry';

// ---- windows: conv2d and pooling -----------------------------------------------------------

type Padding = 'SAME' | 'VALID';

/** The attributes of conv2d, pooling and their gradients. */
export type WindowOpAttrs = {
  /** [rows, cols] of the pooling window (pooling only; conv takes it from the filter). */
  ksize?: [number, number];
  strides?: [number, number];
  /** conv2d only. */
  dilations?: [number, number];
  padding: Padding;
};

interface WindowAttrs {
  ksize?: [number, number];
  strides: [number, number];
  dilations: [number, number];
  padding: Padding;
}

export function windowAttrs(attrs: WindowOpAttrs): WindowAttrs {
  return {
    ksize: attrs.ksize,
    strides: attrs.strides ?? [1, 1],
    dilations: attrs.dilations ?? [1, 1],
    padding: attrs.padding,
  };
}

/**
 * Output size and leading padding along one spatial axis, as TensorFlow's
 * GetWindowedOutputSize: VALID keeps windows inside the input; SAME gives ceil(in / stride)
 * outputs and pads the total shortfall with the smaller half before (pad_top = floor(total/2)).
 */
function windowed(inSize: Dim, k: Dim, stride: number, dilation: number, padding: Padding, what: string): { out: Dim; before: number } {
  // Checked here, in the shape rule, and not only where a call's arguments are read: composite
  // ops (conv1d, depthwise and transposed convolutions) hand their attributes straight over.
  if (!Number.isInteger(stride) || stride < 1) throw new OpError(`the ${what} stride must be a positive integer, got ${stride}`);
  if (!Number.isInteger(dilation) || dilation < 1) throw new OpError(`the ${what} dilation must be a positive integer, got ${dilation}`);
  if (inSize === null || k === null) return { out: null, before: 0 };
  const eff = (k - 1) * dilation + 1;
  if (padding === 'VALID') {
    if (inSize < eff) {
      throw new OpError(
        `the ${what} window (effective size ${eff}) is larger than the input (${inSize}) with padding 'VALID': the output would be empty`,
      );
    }
    return { out: Math.floor((inSize - eff) / stride) + 1, before: 0 };
  }
  const out = Math.ceil(inSize / stride);
  const total = Math.max((out - 1) * stride + eff - inSize, 0);
  return { out, before: Math.floor(total / 2) };
}

export interface Geometry {
  N: number;
  H: number;
  W: number;
  C: number;
  KH: number;
  KW: number;
  OH: number;
  OW: number;
  padTop: number;
  padLeft: number;
  sh: number;
  sw: number;
  dh: number;
  dw: number;
}

export function geometry(input: readonly number[], kh: number, kw: number, a: WindowAttrs): Geometry {
  const rows = windowed(input[1], kh, a.strides[0], a.dilations[0], a.padding, 'row');
  const cols = windowed(input[2], kw, a.strides[1], a.dilations[1], a.padding, 'column');
  return {
    N: input[0],
    H: input[1],
    W: input[2],
    C: input[3],
    KH: kh,
    KW: kw,
    OH: rows.out as number,
    OW: cols.out as number,
    padTop: rows.before,
    padLeft: cols.before,
    sh: a.strides[0],
    sw: a.strides[1],
    dh: a.dilations[0],
    dw: a.dilations[1],
  };
}

function checkRank4(t: TensorType, argIndex: number, what: string): void {
  if (t.shape !== null && t.shape.length !== 4) throw new OpError(`${what} must have rank 4, got shape ${showShape(t.shape)}`, argIndex);
}

export function conv2dType(x: TensorType, f: TensorType, attrs: WindowOpAttrs): TensorType {
  if (x.dtype !== f.dtype) throw new OpError(`input is ${x.dtype} but filters are ${f.dtype}`, 1, 'dtype-mismatch');
  checkRank4(x, 0, 'input (NHWC: [batch, height, width, channels])');
  checkRank4(f, 1, 'filters ([height, width, in_channels, out_channels])');
  if (x.shape === null || f.shape === null)
    return { dtype: x.dtype, shape: x.shape === null ? [null, null, null, f.shape?.[3] ?? null] : [x.shape[0], null, null, null] };
  if (x.shape[3] !== null && f.shape[2] !== null && x.shape[3] !== f.shape[2]) {
    throw new OpError(
      `input ${showShape(x.shape)} has ${x.shape[3]} channels but filters ${showShape(f.shape)} expect ${f.shape[2]} (axis 2)`,
      1,
    );
  }
  const a = windowAttrs(attrs);
  const rows = windowed(x.shape[1], f.shape[0], a.strides[0], a.dilations[0], a.padding, 'row');
  const cols = windowed(x.shape[2], f.shape[1], a.strides[1], a.dilations[1], a.padding, 'column');
  return { dtype: x.dtype, shape: [x.shape[0], rows.out, cols.out, f.shape[3]] };
}

export function poolType(x: TensorType, attrs: WindowOpAttrs): TensorType {
  checkRank4(x, 0, 'input (NHWC: [batch, height, width, channels])');
  if (x.shape === null) return { dtype: x.dtype, shape: [null, null, null, null] };
  const a = windowAttrs(attrs);
  const [kh, kw] = a.ksize!;
  const rows = windowed(x.shape[1], kh, a.strides[0], 1, a.padding, 'row');
  const cols = windowed(x.shape[2], kw, a.strides[1], 1, a.padding, 'column');
  return { dtype: x.dtype, shape: [x.shape[0], rows.out, cols.out, x.shape[3]] };
}

/** The upstream gradient of a window op must have the op's output shape. */
export function checkGradShape(dy: TensorType, expected: Shape, argIndex: number): void {
  if (dy.shape === null || expected === null) return;
  if (dy.shape.length !== expected.length || dy.shape.some((d, i) => d !== null && expected[i] !== null && d !== expected[i])) {
    throw new OpError(`gradient has shape ${showShape(dy.shape)} but the op's output has shape ${showShape(expected)}`, argIndex);
  }
}

// ---- dependence ------------------------------------------------------------------------------

/** The window geometry of a node whose NHWC input has `input`'s shape, with `kh` × `kw` taps
 *  (static sizes may be unknown); null when the attributes do not make a window. */
function windowGeometryOf(input: readonly Dim[] | null, kh: Dim, kw: Dim, attrs: WindowOpAttrs, pooling: boolean): WindowGeometry | null {
  if (!input || input.length !== 4) return null;
  const a = windowAttrs(attrs);
  if (!a.strides || !a.padding) return null;
  const dilations: [number, number] = pooling ? [1, 1] : a.dilations;
  try {
    const rows = windowed(input[1], kh, a.strides[0], dilations[0], a.padding, 'row');
    const cols = windowed(input[2], kw, a.strides[1], dilations[1], a.padding, 'column');
    return {
      kh,
      kw,
      oh: rows.out,
      ow: cols.out,
      sh: a.strides[0],
      sw: a.strides[1],
      dh: dilations[0],
      dw: dilations[1],
      padTop: rows.before,
      padLeft: cols.before,
    };
  } catch {
    return null;
  }
}

/** conv2d and its two backprop ops: the tensors x [n, h, w, c], f [th, tw, c, o] and
 *  y [n, oh, ow, o], placed by `roles` (which slot holds which; the op's output is one of
 *  them); `shape` is the slot or output that has x's shape, `filter` the one with f's. */
export function convDependence(roles: { input: number | 'output'; filter: number | 'output'; output: number | 'output' }) {
  const shapeOf = (ctx: DependenceContext<WindowOpAttrs>, at: number | 'output') => (at === 'output' ? ctx.output : ctx.inputs[at]);
  return window<WindowOpAttrs>(
    (ctx): Relation | null => {
      const f = shapeOf(ctx, roles.filter);
      const g = f && f.length === 4 ? windowGeometryOf(shapeOf(ctx, roles.input), f[0], f[1], ctx.attrs, false) : null;
      return g && windowRelation(g, { ...roles, slots: ctx.inputs.length }, false);
    },
    // The slot that lends the output's shape (x for the input's gradient) carries no value.
    { carries: (slot) => slot === roles.input || slot === roles.filter || slot === roles.output },
  );
}

/** Pooling and its gradients: x [n, h, w, c] and y [n, oh, ow, c], placed by `roles`; max
 *  pooling routes through the first maximum of each window of slot `select` (x). */
export function poolDependence(roles: { input: number | 'output'; output: number | 'output' }, values: readonly number[], select?: number) {
  const input = (ctx: DependenceContext<WindowOpAttrs>) => (roles.input === 'output' ? ctx.output : ctx.inputs[roles.input]);
  return window<WindowOpAttrs>(
    (ctx): Relation | null => {
      const ksize = ctx.attrs.ksize ?? null;
      const g = ksize ? windowGeometryOf(input(ctx), ksize[0], ksize[1], ctx.attrs, true) : null;
      if (!g) return null;
      const r = windowRelation(
        g,
        { input: roles.input, filter: null, output: roles.output, slots: ctx.inputs.length },
        true,
        select === undefined ? undefined : { by: select, extreme: 'max' },
      );
      return { ...r, inputs: r.inputs.map((axes, slot) => (values.includes(slot) ? axes : null)) };
    },
    {
      carries: (slot) => values.includes(slot),
      verb: select === undefined ? 'averages' : 'takes the maximum of',
      mean: select === undefined,
    },
  );
}
// ---- argument normalisation (build) --------------------------------------------------------

/** strides/ksize/dilations: an int, [rows, cols] or TensorFlow's [1, rows, cols, 1]. */
export function spatialPair(args: BoundArgs, name: string, fallback: [number, number] | null): [number, number] {
  if (!args.has(name) || args.isNone(name)) {
    if (fallback) return fallback;
    throw new BuildError(`${args.op.name}() is missing argument \`${name}\``, args.callSpan, 'missing-argument');
  }
  const v = args.ints(name);
  const span = args.span(name);
  let pair: [number, number];
  if (v.length === 1) pair = [v[0], v[0]];
  else if (v.length === 2) pair = [v[0], v[1]];
  else if (v.length === 4) {
    if (v[0] !== 1 || v[3] !== 1) {
      throw new BuildError(
        `\`${name}\` ${JSON.stringify(v)}: TensorFlow does not support ${name} in the batch and depth dimensions (the first and last entries must be 1)`,
        span,
        'bad-argument',
      );
    }
    pair = [v[1], v[2]];
  } else {
    throw new BuildError(`\`${name}\` must be an int or a list of 1, 2 or 4 ints, got ${v.length}`, span, 'bad-argument');
  }
  if (pair.some((p) => p < 1)) throw new BuildError(`\`${name}\` must be positive, got ${JSON.stringify(v)}`, span, 'bad-argument');
  return pair;
}

export function paddingArg(args: BoundArgs): Padding {
  const value = args.value('padding');
  if (value.kind === 'list' || value.kind === 'tensor')
    throw new BuildError(
      `${args.op.name}() takes padding 'SAME' or 'VALID', not explicit padding (as TensorFlow's)`,
      args.span('padding'),
      'bad-argument',
    );
  const raw = args.string('padding');
  const p = raw.toUpperCase();
  if (p !== 'SAME' && p !== 'VALID') {
    throw new BuildError(`padding must be 'SAME' or 'VALID', got '${raw}'`, args.span('padding'), 'bad-argument');
  }
  return p;
}

/** TensorFlow's explicit padding, `padding=[[0, 0], [top, bottom], [left, right], [0, 0]]`
 *  (NHWC): the zero padding of all four axes, or null when padding is 'SAME' or 'VALID'.
 *  The op then pads its input and windows it with VALID, as TensorFlow's kernel does. */
export function explicitPaddingArg(b: Builder, args: BoundArgs): number[][] | null {
  const value = args.value('padding');
  if (value.kind !== 'list' && value.kind !== 'tensor') return null;
  const span = args.span('padding');
  const node = b.toTensor(value, span, 'int32');
  const t = node.constant ? b.oracle.constantValue(node) : null;
  if (!t) throw new BuildError('explicit `padding` must be known without feeds', span, 'not-constant');
  if (!isInteger(t.dtype) || t.shape.length !== 2 || t.shape[0] !== 4 || t.shape[1] !== 2) {
    throw new BuildError(
      `padding must be 'SAME', 'VALID' or [[0, 0], [top, bottom], [left, right], [0, 0]], got ${t.dtype} of shape ${showShape(t.shape)}`,
      span,
      'bad-argument',
    );
  }
  const pairs = Array.from({ length: 4 }, (_, k) => [Number(t.data[2 * k]), Number(t.data[2 * k + 1])]);
  if (pairs.some(([before, after]) => before < 0 || after < 0))
    throw new BuildError(`explicit padding must be non-negative, got ${JSON.stringify(pairs)}`, span, 'bad-argument');
  if ([0, 3].some((k) => pairs[k][0] !== 0 || pairs[k][1] !== 0))
    throw new BuildError(
      `explicit padding of the batch and channel axes must be [0, 0], got ${JSON.stringify(pairs)}`,
      span,
      'bad-argument',
    );
  return pairs;
}

/** The lowest finite value of a float dtype: the padding of max pooling, which no maximum
 *  picks while every window holds an input element. Finite, so that the padding itself
 *  raises no -Inf warning. */
export function lowestFinite(dtype: DType): number {
  return dtype === 'float32' ? -3.4028234663852886e38 : -Number.MAX_VALUE;
}

/** `x` padded by explicit padding with `value` (itself when there is none), the span of the
 *  `input` argument's. */
export function explicitlyPadded(b: Builder, args: BoundArgs, x: Node, explicit: number[][] | null, value = 0): Node {
  if (!explicit) return x;
  return b.apply('pad', [x], { paddings: explicit, mode: 'CONSTANT', constant_values: value }, args.callSpan, [args.span('input')]);
}

export function dataFormatArg(args: BoundArgs): void {
  if (args.isNone('data_format')) return;
  const f = args.string('data_format').toUpperCase();
  if (f !== 'NHWC') {
    throw new BuildError(
      `data_format '${f}' is not supported: tgraph computes 2-D convolution and pooling in NHWC ([batch, height, width, channels]), as TensorFlow's CPU kernels; transpose the input`,
      args.span('data_format'),
      'bad-argument',
    );
  }
}

/** The float tensor argument `name`, checked against its parameter's dtype class. */
export function floatArg(_b: Builder, args: BoundArgs, name: string): Node {
  const n = args.tensor(name);
  checkDTypeClass(args.op, args.param(name), n, args.span(name));
  return n;
}

export function applyAt(b: Builder, op: OpDef, inputs: Node[], attrs: Attrs, args: BoundArgs, names: string[]): Node {
  return b.apply(
    op,
    inputs,
    attrs,
    args.callSpan,
    names.map((n) => args.span(n)),
  );
}

export const windowParams = [
  { name: 'input', kind: 'tensor' as const, dtypes: 'float' as const, aliases: ['value', 'x'] },
  { name: 'ksize', kind: 'ints' as const, aliases: ['pool_size', 'window_shape'] },
  { name: 'strides', kind: 'ints' as const },
  { name: 'padding', kind: 'string' as const },
  { name: 'data_format', kind: 'string' as const, default: 'NHWC' },
];
