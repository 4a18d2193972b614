// `einsum` and `tensordot`. `einsum` is one primitive over one or two operands (TensorFlow's
// Einsum op); a call with more operands is split into a left-to-right chain of binary einsums,
// as tf.einsum splits it into pairwise contractions. Its gradient is TensorFlow's
// _EinsumGrad: another einsum with the output subscripts swapped in. `tensordot` is an einsum
// whose subscripts are generated from `axes`.

import { type Builder, type Value, BuildError, checkDTypeClass, tensorValue } from '../../builder';
import type { Node } from '../../graph';
import type { Span } from '../../syntax/ast';
import { sizeOf, stridesOf } from '../../tensor';
import { type Dim, type Shape, OpError, isFullyKnown, showShape } from '../../types';
import { type DependenceContext, type Relation, type RelationAxis, axisLabels, contraction, elementwise, firstOnly } from '../dependence';
import { deadlineCheck } from '../kernels';
import { type NodeOf, type Param, defineOps, lookupOp, op } from '../registry';
import {
  type Equation,
  type Subs,
  EquationError,
  einsumKernel,
  einsumOutputShape,
  einsumType,
  equationString,
  nodeEquation,
  parseEquation,
  resolveEinsum,
} from './einsumEquation';
import { largest } from '../../extremes';

/** An einsum node's labels: letters as they are, the '...' axes as broadcasting labels
 *  aligned from the right (size 1 against a longer size: broadcast). */
/** An einsum node's: its explicit equation (`ij,jk->ik`). */
type EinsumAttrs = { equation: string };

/** Where the '...' axes start in subscripts, and how many axes follow them. */
type EllipsisAttrs = { start: number; after: number };

function einsumRelation({ attrs, inputs, output }: DependenceContext<EinsumAttrs>): Relation | null {
  let eq: Equation;
  try {
    eq = nodeEquation(attrs.equation);
  } catch {
    return null;
  }
  if (eq.inputs.length !== inputs.length) return null;
  const namedIn = (subs: Subs) => subs.length - (subs.includes('.') ? 1 : 0);
  const blocks = inputs.map((shape, i) => (shape ? shape.length - namedIn(eq.inputs[i]) : -1));
  if (blocks.some((n) => n < 0)) return null;
  const width = Math.max(0, largest(blocks));
  const dots = axisLabels(width, '.');
  const outBlock = output.length - namedIn(eq.output);
  const expand = (subs: Subs, shape: readonly Dim[] | null, block: number): RelationAxis[] => {
    const axes: RelationAxis[] = [];
    for (const c of subs) {
      if (c !== '.') {
        axes.push(c);
        continue;
      }
      const at = axes.length;
      for (let k = 0; k < block; k++) {
        const label = dots[width - block + k];
        const d = shape?.[at + k];
        axes.push(d === 1 && output[outBlockAt(eq.output) + (outBlock - block) + k] !== 1 ? null : label);
      }
    }
    return axes;
  };
  return {
    inputs: inputs.map((shape, i) => expand(eq.inputs[i], shape, blocks[i])),
    output: expand(eq.output, output, outBlock),
    broadcast: dots,
  };
}

/** Where the '...' axes start in subscripts. */
function outBlockAt(subs: Subs): number {
  const i = subs.indexOf('.');
  return i < 0 ? 0 : i;
}

/** Sums or broadcasts the '...' axes (from `start`, before the last `after`) of `big` against
 *  `small`'s: the labels of `big`, with `small`'s size-1 block axes as null. */
function ellipsisRelation(
  big: readonly Dim[],
  small: readonly Dim[],
  start: number,
  after: number,
): { big: readonly RelationAxis[]; small: RelationAxis[] } | null {
  if (big.length < start + after || small.length < start + after) return null;
  const labels = axisLabels(big.length);
  const bb = big.length - start - after;
  const sb = small.length - start - after;
  if (sb > bb) return null;
  const smallAxes: RelationAxis[] = [];
  for (let k = 0; k < small.length; k++) {
    if (k < start) smallAxes.push(labels[k]);
    else if (k >= small.length - after) smallAxes.push(labels[big.length - (small.length - k)]);
    else {
      const j = start + (bb - sb) + (k - start);
      smallAxes.push(small[k] === 1 && big[j] !== 1 ? null : labels[j]);
    }
  }
  return { big: labels, small: smallAxes };
}

// ---- einsum: gradient (TensorFlow's _EinsumGrad) ------------------------------------------

function einsumNode(b: Builder, inputs: Node[], lhs: readonly Subs[], output: Subs): Node {
  return b.op('einsum', inputs, { equation: equationString(lhs, output) });
}

function labelSet(s: Subs): Set<string> {
  return new Set([...s].filter((c) => c !== '.'));
}

/** The axis of `label`'s first occurrence, negative when it comes after the ellipsis. */
function axisOfLabel(subs: Subs, label: string): number {
  const [before, after] = subs.split('.');
  const i = before.indexOf(label);
  if (i >= 0) return i;
  return after.indexOf(label) - after.length;
}

/** Gradient w.r.t. the input of the unary einsum `inSubs -> outSubs` that sums the labels
 *  in `reduced` (TensorFlow's _GetGradReduced). */
function gradReduced(b: Builder, g: Node, outSubs: Subs, inSubs: Subs, x: Node, reduced: Set<string>): Node {
  const reducedSubs = [...inSubs].filter((c, i) => reduced.has(c) && inSubs.indexOf(c) === i).join('');
  const axes = [...reducedSubs].map((c) => axisOfLabel(inSubs, c));
  // TensorFlow compares string lengths, so an ellipsis ("..." has repeated dots) also takes
  // the general path.
  const hasRepeated =
    new Set(inSubs).size + new Set(outSubs).size < inSubs.length + outSubs.length || inSubs.includes('.') || outSubs.includes('.');
  const without = [...inSubs].filter((c) => !reduced.has(c)).join('');
  if (!hasRepeated && without === outSubs) {
    // "abcd->ac": reshape to [a, 1, c, 1] and broadcast to the input's shape.
    let expanded = g;
    for (const axis of [...axes].sort((p, q) => p - q)) expanded = b.op('expand_dims', [expanded], { axis });
    return b.broadcastLike(expanded, x);
  }
  // Prepend the reduced axes by broadcasting, then map back with "bd" + "ca" -> "aabbcd".
  const spread = b.op('broadcast_prepend_dims', [g, x], { axes });
  return einsumNode(b, [spread], [reducedSubs + outSubs], inSubs);
}

/** Gradient w.r.t. `input` of a binary einsum (TensorFlow's _GetGradWrt). */
function gradWrt(b: Builder, dy: Node, other: Node, input: Node, inSubs: Subs, otherSubs: Subs, outSubs: Subs): Node {
  const keep = new Set([...outSubs, ...otherSubs]);
  const reduced = new Set([...labelSet(inSubs)].filter((c) => !keep.has(c)));
  const left = [...inSubs].filter((c) => !reduced.has(c)).join('');
  const g = einsumNode(b, [dy, other], [outSubs, otherSubs], left);
  return reduced.size === 0 ? g : gradReduced(b, g, left, inSubs, input, reduced);
}

/** [start, after]: the ellipsis' first axis and how many axes follow it. */
function ellipsisRange(subs: Subs): [number, number] {
  const i = subs.indexOf('.');
  return i < 0 ? [0, 0] : [i, subs.length - i - 1];
}

function staticBlock(shape: Shape, [start, after]: [number, number]): Dim[] | null {
  if (!isFullyKnown(shape)) return null;
  return shape.slice(start, shape.length - after);
}

function einsumGrad(b: Builder, node: NodeOf<EinsumAttrs>, dy: Node): (Node | null)[] {
  const eq = nodeEquation(node.attrs.equation);
  const out = eq.output;
  if (node.inputs.length === 1) {
    const [x] = node.inputs;
    const inSubs = eq.inputs[0];
    const outLabels = labelSet(out);
    const reduced = new Set([...labelSet(inSubs)].filter((c) => !outLabels.has(c)));
    if (reduced.size === 0) return [einsumNode(b, [dy], [out], inSubs)];
    return [gradReduced(b, dy, out, inSubs, x, reduced)];
  }
  let [xSubs, ySubs] = eq.inputs;
  // "...ij,jk->...ik" is valid, but its VJP "...ik,...ij->jk" needs the ellipsis on both.
  if (out.includes('.')) {
    if (!xSubs.includes('.')) xSubs += '.';
    if (!ySubs.includes('.')) ySubs += '.';
  }
  const [x, y] = node.inputs;
  let gx = gradWrt(b, dy, y, x, xSubs, ySubs, out);
  let gy = gradWrt(b, dy, x, y, ySubs, xSubs, out);
  if (!out.includes('.')) return [gx, gy];
  const rx = ellipsisRange(xSubs);
  const ry = ellipsisRange(ySubs);
  const bx = staticBlock(x.type.shape, rx);
  const by = staticBlock(y.type.shape, ry);
  if (bx && by && showShape(bx) === showShape(by)) return [gx, gy];
  // The operands broadcast against each other over '...': sum each gradient back.
  gx = b.op('sum_ellipsis_to_like', [gx, x], { start: rx[0], after: rx[1] });
  gy = b.op('sum_ellipsis_to_like', [gy, y], { start: ry[0], after: ry[1] });
  return [gx, gy];
}

// ---- helpers for the ellipsis unbroadcast ------------------------------------------------

/** The '...' block of `shape` under [start, after] (sizes between the first `start` axes and
 *  the last `after`). */
function blockOf(shape: readonly number[], start: number, after: number): number[] {
  return shape.slice(start, shape.length - after);
}

/** Axes of `big` (whose block broadcasts `small`'s block) that sum back to `small`. */
function ellipsisSumAxes(big: readonly number[], small: readonly number[], start: number, after: number): number[] {
  const bb = blockOf(big, start, after);
  const sb = blockOf(small, start, after);
  const lead = bb.length - sb.length;
  const axes: number[] = [];
  for (let i = 0; i < bb.length; i++) if (i < lead || (sb[i - lead] === 1 && bb[i] !== 1)) axes.push(start + i);
  return axes;
}

function checkEllipsisCompatible(big: Shape, small: Shape, start: number, after: number): void {
  if (big === null || small === null) return;
  if (big.length < start + after || small.length < start + after)
    throw new OpError(`shapes ${showShape(big)} and ${showShape(small)} have no '...' block at ${start}`);
  const bb = big.slice(start, big.length - after);
  const sb = small.slice(start, small.length - after);
  if (sb.length > bb.length) throw new OpError(`'...' axes ${showShape(sb)} cannot be summed from ${showShape(bb)}`);
  const lead = bb.length - sb.length;
  sb.forEach((d, i) => {
    const e = bb[i + lead];
    if (d !== null && e !== null && d !== 1 && d !== e)
      throw new OpError(`'...' axes ${showShape(sb)} do not broadcast to ${showShape(bb)}`);
  });
  // The labelled axes around the block must agree exactly.
  const outside = (s: readonly Dim[]) => [...s.slice(0, start), ...s.slice(s.length - after)];
  const ob = outside(big);
  const os = outside(small);
  if (ob.some((d, i) => d !== null && os[i] !== null && d !== os[i]))
    throw new OpError(`shapes ${showShape(big)} and ${showShape(small)} differ outside their '...' axes`);
}

// ---- the ops -----------------------------------------------------------------------------

/** tensordot's `axes`: an integer N (the last N axes of a with the first N of b), a pair
 *  [a_axes, b_axes] (each an int or a list), or a constant [2, k] tensor. */
function tensordotAxes(b: Builder, value: Value, span: Span, ra: number, rb: number, sa: Shape, sb: Shape): [number[], number[]] {
  const bad = () =>
    new BuildError('tensordot: `axes` must be an integer N or a pair of axis lists [[a axes], [b axes]]', span, 'bad-argument');
  if (value.kind === 'list') {
    if (value.items.length !== 2) throw bad();
    return [b.staticInts(value.items[0], span, 'axes'), b.staticInts(value.items[1], span, 'axes')];
  }
  if (value.kind !== 'tensor') throw bad();
  const rank = value.node.type.shape?.length;
  const t = value.node.constant ? b.oracle.constantValue(value.node) : undefined;
  if (!t) throw new BuildError('tensordot: `axes` must be known without feeds', span, 'not-constant');
  const flat = Array.from(t.data as ArrayLike<number>);
  if (t.dtype === 'bool' || flat.some((v) => !Number.isInteger(v))) throw bad();
  if (rank === 0) {
    const n = flat[0];
    if (n < 0 || n > ra || n > rb) {
      throw new BuildError(
        `tensordot: axes=${n} must be between 0 and the ranks of a ${showShape(sa)} and b ${showShape(sb)}`,
        span,
        'bad-axis',
      );
    }
    return [Array.from({ length: n }, (_, i) => ra - n + i), Array.from({ length: n }, (_, i) => i)];
  }
  if (rank === 1 && flat.length === 2) return [[flat[0]], [flat[1]]];
  if (rank === 2 && value.node.type.shape![0] === 2) return [flat.slice(0, flat.length / 2), flat.slice(flat.length / 2)];
  throw bad();
}

const MAX_EINSUM_OPERANDS = 8;

const operandParams: Param[] = Array.from({ length: MAX_EINSUM_OPERANDS }, (_, i) => ({
  name: `x${i}`,
  kind: 'tensor' as const,
  default: null,
  dtypes: 'numeric' as const,
  doc: `operand ${i}`,
}));

/** Subscripts of an intermediate in a chain of binary einsums: the labels of `a` and `b` still
 *  needed by the output or the remaining operands, in first-appearance order. */
function intermediateSubs(a: Subs, b: Subs, needed: Set<string>): Subs {
  let s = a.includes('.') || b.includes('.') ? '.' : '';
  for (const c of a + b) if (c !== '.' && needed.has(c) && !s.includes(c)) s += c;
  return s;
}

defineOps([
  op<EinsumAttrs>({
    name: 'einsum',
    doc: "Einstein summation: einsum('ij,jk->ik', a, b). Repeated labels take diagonals, '...' broadcasts, no '->' gives NumPy's implicit output (up to 8 operands).",
    params: [{ name: 'equation', kind: 'string' }, ...operandParams],
    // A call: parse the equation (errors point at it), then one einsum node per operand pair.
    build: (b, args): Value => {
      const text = args.string('equation');
      let eq: Equation;
      try {
        eq = parseEquation(text);
      } catch (e) {
        if (e instanceof EquationError) throw new BuildError(`einsum: ${e.message}`, args.span('equation'), 'bad-equation');
        throw e;
      }
      const given = operandParams.map((p) => p.name).filter((name) => args.has(name));
      given.forEach((name, i) => {
        if (name !== `x${i}`)
          throw new BuildError(`einsum: operands must be given in order (x${i} is missing)`, args.span(name), 'bad-arguments');
      });
      if (given.length === 1 && eq.inputs.length > 1 && args.value('x0').kind === 'list') {
        throw new BuildError(
          `einsum: '${text}' has ${eq.inputs.length} operands: pass them as separate arguments, einsum('${text}', a, b), not as one list`,
          args.span('x0'),
          'bad-arguments',
        );
      }
      if (given.length !== eq.inputs.length) {
        throw new BuildError(
          `einsum: '${text}' has ${eq.inputs.length} operand${eq.inputs.length === 1 ? '' : 's'} but ${given.length} tensor${given.length === 1 ? ' was' : 's were'} given`,
          given.length > eq.inputs.length ? args.span(given[eq.inputs.length]) : args.callSpan,
          'bad-arguments',
        );
      }
      const spans = given.map((n) => args.span(n));
      const op = lookupOp('einsum')!;
      const nodes = b.unifyDTypes(
        given.map((n) => args.tensor(n)),
        spans,
      );
      nodes.forEach((n, i) => checkDTypeClass(op, operandParams[i], n, spans[i]));
      // Check every operand against the whole equation first, so errors name the operand
      // as the user numbered it and point at it.
      try {
        einsumOutputShape(
          eq,
          resolveEinsum(
            eq,
            nodes.map((n) => n.type.shape),
          ),
        );
      } catch (e) {
        if (e instanceof OpError) {
          throw new BuildError(`einsum: ${e.message}`, e.argIndex !== undefined ? spans[e.argIndex] : args.callSpan, e.code);
        }
        throw e;
      }
      if (nodes.length <= 2) {
        return tensorValue(b.apply(op, nodes, { equation: equationString(eq.inputs, eq.output) }, args.callSpan, spans));
      }
      // More operands: contract left to right, keeping the labels still needed later.
      let acc = nodes[0];
      let accSubs = eq.inputs[0];
      for (let i = 1; i < nodes.length; i++) {
        const last = i === nodes.length - 1;
        const needed = new Set([...eq.output, ...eq.inputs.slice(i + 1).join('')]);
        const outSubs = last ? eq.output : intermediateSubs(accSubs, eq.inputs[i], needed);
        acc = b.apply(op, [acc, nodes[i]], { equation: equationString([accSubs, eq.inputs[i]], outSubs) }, args.callSpan, [
          args.callSpan,
          spans[i],
        ]);
        accSubs = outSubs;
      }
      return tensorValue(acc);
    },
    infer: (inputs, attrs) => einsumType(attrs.equation, inputs),
    kernel: (inputs, attrs, out, ctx) =>
      einsumKernel(attrs.equation, inputs, out.shape, ctx.alloc(out.dtype, sizeOf(out.shape)), deadlineCheck(ctx)),
    grad: einsumGrad,
    dependence: contraction(einsumRelation),
  }),
  op<{ axes: number[] }>({
    name: 'broadcast_prepend_dims',
    internal: true,
    doc: "Broadcasts `x` over new leading axes whose sizes are those of `like`'s `axes` (einsum gradients).",
    params: [
      { name: 'x', kind: 'tensor' },
      { name: 'like', kind: 'tensor' },
      { name: 'axes', kind: 'ints' },
    ],
    infer: ([x, like], attrs) => {
      const axes = attrs.axes;
      if (x.shape === null) return { dtype: x.dtype, shape: null };
      const lead = axes.map((a) => {
        if (like.shape === null) return null;
        const r = like.shape.length;
        if (a < -r || a >= r) throw new OpError(`axis ${a} is out of range for ${showShape(like.shape)}`, 1);
        return like.shape[a < 0 ? a + r : a];
      });
      return { dtype: x.dtype, shape: [...lead, ...x.shape] };
    },
    kernel: ([x], _attrs, out, ctx) => {
      const n = sizeOf(out.shape);
      const data = ctx.alloc(out.dtype, n);
      const m = x.data.length;
      for (let off = 0; off < n; off += m) data.set(x.data as never, off);
      return data;
    },
    grad: (b, node, dy) => [
      b.reduceSum(
        dy,
        node.attrs.axes.map((_, i) => i),
      ),
      null,
    ],
    dependence: elementwise({ carries: firstOnly }),
  }),
  op<EllipsisAttrs>({
    name: 'sum_ellipsis_to_like',
    internal: true,
    doc: "Sums `x`'s '...' axes (after `start`, before the last `after`) back to those of `like`, which broadcast (einsum gradients).",
    params: [
      { name: 'x', kind: 'tensor' },
      { name: 'like', kind: 'tensor' },
      { name: 'start', kind: 'int' },
      { name: 'after', kind: 'int' },
    ],
    infer: ([x, like], attrs) => {
      checkEllipsisCompatible(x.shape, like.shape, attrs.start, attrs.after);
      return { dtype: x.dtype, shape: like.shape };
    },
    kernel: ([x, like], attrs, out, ctx) => {
      const start = attrs.start;
      const after = attrs.after;
      const data = ctx.alloc(out.dtype, sizeOf(like.shape));
      const axes = ellipsisSumAxes(x.shape, like.shape, start, after);
      const summed = new Set(axes);
      // Accumulate each element of x into the element of `like` it broadcast from.
      const rank = x.shape.length;
      const outStrides = new Array<number>(rank).fill(0);
      const likeStrides = stridesOf(like.shape);
      const lead = rank - like.shape.length;
      for (let i = 0; i < rank; i++) {
        if (summed.has(i)) continue;
        const j = i < start ? i : i - lead;
        outStrides[i] = likeStrides[j];
      }
      const acc = new Float64Array(data.length);
      const idx = new Array<number>(rank).fill(0);
      let o = 0;
      const X = x.data;
      for (let p = 0; p < X.length; p++) {
        acc[o] += X[p];
        for (let d = rank - 1; d >= 0; d--) {
          o += outStrides[d];
          if (++idx[d] < x.shape[d]) break;
          o -= outStrides[d] * x.shape[d];
          idx[d] = 0;
        }
      }
      for (let i = 0; i < acc.length; i++) data[i] = acc[i];
      return data;
    },
    grad: (b, node, dy) => [b.op('broadcast_ellipsis_to_like', [dy, node.inputs[0]], node.attrs), null],
    dependence: contraction(
      ({ attrs, inputs: [x], output }) => {
        const r = x && ellipsisRelation(x, output, attrs.start, attrs.after);
        return r ? { inputs: [r.big, null], output: r.small } : null;
      },
      { carries: firstOnly },
    ),
  }),
  op<EllipsisAttrs>({
    name: 'broadcast_ellipsis_to_like',
    internal: true,
    doc: "Broadcasts `x`'s '...' axes to those of `like` (the transpose of sum_ellipsis_to_like).",
    params: [
      { name: 'x', kind: 'tensor' },
      { name: 'like', kind: 'tensor' },
      { name: 'start', kind: 'int' },
      { name: 'after', kind: 'int' },
    ],
    infer: ([x, like], attrs) => {
      checkEllipsisCompatible(like.shape, x.shape, attrs.start, attrs.after);
      return { dtype: x.dtype, shape: like.shape };
    },
    kernel: ([x, like], attrs, out, ctx) => {
      const start = attrs.start;
      const after = attrs.after;
      const rank = like.shape.length;
      const data = ctx.alloc(out.dtype, sizeOf(like.shape));
      const summed = new Set(ellipsisSumAxes(like.shape, x.shape, start, after));
      const xStrides = stridesOf(x.shape);
      const lead = rank - x.shape.length;
      const inStrides = new Array<number>(rank).fill(0);
      for (let i = 0; i < rank; i++) if (!summed.has(i)) inStrides[i] = xStrides[i < start ? i : i - lead];
      const idx = new Array<number>(rank).fill(0);
      let s = 0;
      const X = x.data;
      for (let p = 0; p < data.length; p++) {
        data[p] = X[s];
        for (let d = rank - 1; d >= 0; d--) {
          s += inStrides[d];
          if (++idx[d] < like.shape[d]) break;
          s -= inStrides[d] * like.shape[d];
          idx[d] = 0;
        }
      }
      return data;
    },
    grad: (b, node, dy) => [b.op('sum_ellipsis_to_like', [dy, node.inputs[0]], node.attrs), null],
    dependence: contraction(
      ({ attrs, inputs: [x], output }) => {
        const r = x && ellipsisRelation(output, x, attrs.start, attrs.after);
        return r ? { inputs: [r.small, null], output: r.big, broadcast: r.big.filter((l): l is string => typeof l === 'string') } : null;
      },
      { carries: firstOnly },
    ),
  }),
  {
    name: 'tensordot',
    doc: 'Sums products over axes: axes=N contracts the last N axes of a with the first N of b; axes=[[a axes], [b axes]] pairs them.',
    params: [
      { name: 'a', kind: 'tensor', group: 'T', dtypes: 'numeric' },
      { name: 'b', kind: 'tensor', group: 'T', dtypes: 'numeric' },
      { name: 'axes', kind: 'value' },
    ],
    build: (b, args): Value => {
      const spans = [args.span('a'), args.span('b')];
      const [x, y] = b.unifyDTypes([args.tensor('a'), args.tensor('b')], spans);
      const op = lookupOp('tensordot')!;
      checkDTypeClass(op, op.params[0], x, spans[0]);
      checkDTypeClass(op, op.params[1], y, spans[1]);
      if (x.type.shape === null) throw new BuildError('tensordot needs `a` of known rank', spans[0], 'unknown-shape');
      if (y.type.shape === null) throw new BuildError('tensordot needs `b` of known rank', spans[1], 'unknown-shape');
      const ra = x.type.shape.length;
      const rbk = y.type.shape.length;
      const axesSpan = args.span('axes');
      const [aAxesRaw, bAxesRaw] = tensordotAxes(b, args.value('axes'), axesSpan, ra, rbk, x.type.shape, y.type.shape);
      let aAxes = aAxesRaw;
      let bAxes = bAxesRaw;
      if (aAxes.length !== bAxes.length) {
        throw new BuildError(`tensordot: ${aAxes.length} axes of a but ${bAxes.length} of b`, axesSpan, 'bad-axis');
      }
      const norm = (axes: number[], rank: number, what: string) =>
        axes.map((v) => {
          if (v < -rank || v >= rank)
            throw new BuildError(`tensordot: axis ${v} is out of range for ${what} of rank ${rank}`, axesSpan, 'bad-axis');
          return v < 0 ? v + rank : v;
        });
      aAxes = norm(aAxes, ra, 'a');
      bAxes = norm(bAxes, rbk, 'b');
      if (new Set(aAxes).size !== aAxes.length || new Set(bAxes).size !== bAxes.length) {
        throw new BuildError('tensordot: an axis is listed twice', axesSpan, 'bad-axis');
      }
      if (ra + rbk - aAxes.length > 52)
        throw new BuildError('tensordot: more than 52 distinct axes is not supported', args.callSpan, 'unsupported');
      const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
      const aSubs = letters.slice(0, ra).split('');
      let next = ra;
      const bSubs = Array.from({ length: rbk }, () => '');
      bAxes.forEach((axis, i) => (bSubs[axis] = aSubs[aAxes[i]]));
      for (let i = 0; i < rbk; i++) if (!bSubs[i]) bSubs[i] = letters[next++];
      aAxes.forEach((axis, i) => {
        const da = x.type.shape![axis];
        const db = y.type.shape![bAxes[i]];
        if (da !== null && db !== null && da !== db) {
          throw new BuildError(
            `tensordot: axis ${axis} of a ${showShape(x.type.shape)} has size ${da} but axis ${bAxes[i]} of b ${showShape(y.type.shape)} has size ${db}`,
            spans[1],
            'shape-mismatch',
          );
        }
      });
      const contracted = new Set(aAxes);
      const bContracted = new Set(bAxes);
      const out = aSubs.filter((_, i) => !contracted.has(i)).join('') + bSubs.filter((_, i) => !bContracted.has(i)).join('');
      return tensorValue(b.apply('einsum', [x, y], { equation: `${aSubs.join('')},${bSubs.join('')}->${out}` }, args.callSpan, spans));
    },
  },
]);
