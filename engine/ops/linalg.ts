// Linear algebra: `matmul` (batched, TensorFlow 2's broadcasting tf.matmul), `einsum`,
// `tensordot`, `trace`, `matrix_diag_part` and `matrix_transpose`.
//
// `einsum` is one primitive over one or two operands (TensorFlow's Einsum op); a call with
// more operands is split into a left-to-right chain of binary einsums, as tf.einsum splits
// it into pairwise contractions. Its kernel packs each operand into a dense matrix (taking
// diagonals, summing labels only one operand has, broadcasting the `...` axes) and
// multiplies the two with the same cache-friendly loop as matmul. Its gradient is
// TensorFlow's _EinsumGrad: another einsum with the output subscripts swapped in.
// `tensordot` is an einsum whose subscripts are generated from `axes`.

import { sizeOf, stridesOf, type Tensor, type TypedData } from '../tensor';
import { type Dim, type Shape, type TensorType, OpError, broadcastShapes, isFullyKnown, showShape } from '../types';
import { type Builder, type Value, BuildError, checkDTypeClass, tensorValue } from '../builder';
import type { Node } from '../graph';
import type { Span } from '../syntax/ast';
import { type Param, defineOps, lookupOp } from './registry';
import { broadcastStrides, deadlineCheck } from './kernels';
import { matmulWasm } from '../wasm/linalg';
import {
  type DependenceContext,
  type Relation,
  type RelationAxis,
  axisLabels,
  contraction,
  elementwise,
  firstOnly,
  indexMap,
  positionalFlow,
} from './dependence';

// ---- matmul ------------------------------------------------------------------------------

function matmulType(a: TensorType, b: TensorType, ta: boolean, tb: boolean): TensorType {
  if (a.dtype !== b.dtype) throw new OpError(`a is ${a.dtype} but b is ${b.dtype}`, 1, 'dtype-mismatch');
  if (a.dtype === 'bool') throw new OpError('matmul needs numeric tensors', 0, 'dtype-mismatch');
  if (a.shape !== null && a.shape.length < 2) throw new OpError(`matmul needs rank >= 2, a has shape ${showShape(a.shape)}`, 0);
  if (b.shape !== null && b.shape.length < 2) throw new OpError(`matmul needs rank >= 2, b has shape ${showShape(b.shape)}`, 1);
  if (a.shape === null || b.shape === null) return { dtype: a.dtype, shape: null };
  const ra = a.shape.length;
  const rb = b.shape.length;
  const [m, ka] = ta ? [a.shape[ra - 1], a.shape[ra - 2]] : [a.shape[ra - 2], a.shape[ra - 1]];
  const [kb, n] = tb ? [b.shape[rb - 1], b.shape[rb - 2]] : [b.shape[rb - 2], b.shape[rb - 1]];
  if (ka !== null && kb !== null && ka !== kb) {
    throw new OpError(
      `inner dimensions differ: a ${showShape(a.shape)}${ta ? ' (transposed)' : ''} has ${ka} columns, b ${showShape(b.shape)}${tb ? ' (transposed)' : ''} has ${kb} rows`,
      1,
    );
  }
  let batch: Shape;
  try {
    batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2), 1);
  } catch {
    throw new OpError(
      `batch dimensions do not broadcast: a ${showShape(a.shape)} has batch ${showShape(a.shape.slice(0, -2))}, b ${showShape(b.shape)} has batch ${showShape(b.shape.slice(0, -2))}`,
      1,
    );
  }
  return { dtype: a.dtype, shape: [...(batch as Dim[]), m, n] };
}

/** matmul's labels: a [batch..., m, k], b [batch..., k, n] (swapped when transposed) give
 *  [batch..., m, n]; the batch axes broadcast, k is summed. */
function matmulRelation({ attrs, inputs: [a, b], output }: DependenceContext): Relation | null {
  if (!a || !b || a.length < 2 || b.length < 2 || output.length < 2) return null;
  const batch = axisLabels(output.length - 2, 'b');
  const batchOf = (shape: readonly Dim[]) => {
    const lead = batch.length - (shape.length - 2);
    if (lead < 0) return null;
    return shape.slice(0, -2).map((d, k) => (d === 1 && output[k + lead] !== 1 ? null : batch[k + lead]));
  };
  const ba = batchOf(a);
  const bb = batchOf(b);
  if (!ba || !bb) return null;
  const ta = attrs.transpose_a === true;
  const tb = attrs.transpose_b === true;
  return {
    inputs: [
      [...ba, ...(ta ? ['k', 'm'] : ['m', 'k'])],
      [...bb, ...(tb ? ['n', 'k'] : ['k', 'n'])],
    ],
    output: [...batch, 'm', 'n'],
    broadcast: batch,
  };
}

/** An einsum node's labels: letters as they are, the '...' axes as broadcasting labels
 *  aligned from the right (size 1 against a longer size: broadcast). */
function einsumRelation({ attrs, inputs, output }: DependenceContext): Relation | null {
  let eq: Equation;
  try {
    eq = nodeEquation(attrs.equation as string);
  } catch {
    return null;
  }
  if (eq.inputs.length !== inputs.length) return null;
  const namedIn = (subs: Subs) => subs.length - (subs.includes('.') ? 1 : 0);
  const blocks = inputs.map((shape, i) => (shape ? shape.length - namedIn(eq.inputs[i]) : -1));
  if (blocks.some((n) => n < 0)) return null;
  const width = Math.max(0, ...blocks);
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

/** The batched diagonal of the last two axes: [batch..., i, i] ↔ [batch..., i]. */
function diagonalRelation(
  matrix: readonly Dim[] | null,
  diagonalSize: Dim,
): { matrix: RelationAxis[]; diagonal: RelationAxis[]; sizes: Record<string, Dim> } | null {
  if (!matrix || matrix.length < 2) return null;
  const batch = axisLabels(matrix.length - 2, 'b');
  return { matrix: [...batch, 'i', 'i'], diagonal: [...batch, 'i'], sizes: { i: diagonalSize } };
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

function mm(b: Builder, x: Node, y: Node, ta: boolean, tb: boolean): Node {
  return b.op('matmul', [x, y], { transpose_a: ta, transpose_b: tb });
}

let panelScratch = new Float64Array(0);
const noCheck = (): void => undefined;

/**
 * C[M×N] = A[M×K] · B[K×N] (or C += A·B with `accumulate`) for dense row-major float64
 * matrices. B is copied four columns at a time into a contiguous panel, and each 4×4 block
 * of C is summed in sixteen locals over k: one load of A and B feeds four multiply-adds,
 * and no element of C is touched inside the k loop. Every C[i, j] still sums its K products
 * in increasing k, exactly as the textbook loop does.
 */
export function gemm(
  A: Float64Array,
  B: Float64Array,
  C: Float64Array,
  M: number,
  K: number,
  N: number,
  accumulate = false,
  check: () => void = noCheck,
): void {
  const N4 = N - (N % 4);
  const M4 = M - (M % 4);
  if (panelScratch.length < K * 4) panelScratch = new Float64Array(K * 4);
  const P = panelScratch;
  for (let j = 0; j < N4; j += 4) {
    // Between panels of four columns (M·K·4 multiply-adds): the evaluation's deadline.
    check();
    for (let k = 0, p = 0; k < K; k++, p += 4) {
      const b = k * N + j;
      P[p] = B[b];
      P[p + 1] = B[b + 1];
      P[p + 2] = B[b + 2];
      P[p + 3] = B[b + 3];
    }
    for (let i = 0; i < M4; i += 4) {
      let c00 = 0,
        c01 = 0,
        c02 = 0,
        c03 = 0,
        c10 = 0,
        c11 = 0,
        c12 = 0,
        c13 = 0;
      let c20 = 0,
        c21 = 0,
        c22 = 0,
        c23 = 0,
        c30 = 0,
        c31 = 0,
        c32 = 0,
        c33 = 0;
      const a0 = i * K;
      const a1 = a0 + K;
      const a2 = a1 + K;
      const a3 = a2 + K;
      for (let k = 0, p = 0; k < K; k++, p += 4) {
        const b0 = P[p],
          b1 = P[p + 1],
          b2 = P[p + 2],
          b3 = P[p + 3];
        const x0 = A[a0 + k],
          x1 = A[a1 + k],
          x2 = A[a2 + k],
          x3 = A[a3 + k];
        c00 += x0 * b0;
        c01 += x0 * b1;
        c02 += x0 * b2;
        c03 += x0 * b3;
        c10 += x1 * b0;
        c11 += x1 * b1;
        c12 += x1 * b2;
        c13 += x1 * b3;
        c20 += x2 * b0;
        c21 += x2 * b1;
        c22 += x2 * b2;
        c23 += x2 * b3;
        c30 += x3 * b0;
        c31 += x3 * b1;
        c32 += x3 * b2;
        c33 += x3 * b3;
      }
      let o = i * N + j;
      if (accumulate) {
        C[o] += c00;
        C[o + 1] += c01;
        C[o + 2] += c02;
        C[o + 3] += c03;
        o += N;
        C[o] += c10;
        C[o + 1] += c11;
        C[o + 2] += c12;
        C[o + 3] += c13;
        o += N;
        C[o] += c20;
        C[o + 1] += c21;
        C[o + 2] += c22;
        C[o + 3] += c23;
        o += N;
        C[o] += c30;
        C[o + 1] += c31;
        C[o + 2] += c32;
        C[o + 3] += c33;
      } else {
        C[o] = c00;
        C[o + 1] = c01;
        C[o + 2] = c02;
        C[o + 3] = c03;
        o += N;
        C[o] = c10;
        C[o + 1] = c11;
        C[o + 2] = c12;
        C[o + 3] = c13;
        o += N;
        C[o] = c20;
        C[o + 1] = c21;
        C[o + 2] = c22;
        C[o + 3] = c23;
        o += N;
        C[o] = c30;
        C[o + 1] = c31;
        C[o + 2] = c32;
        C[o + 3] = c33;
      }
    }
    for (let i = M4; i < M; i++) {
      let c0 = 0,
        c1 = 0,
        c2 = 0,
        c3 = 0;
      const a = i * K;
      for (let k = 0, p = 0; k < K; k++, p += 4) {
        const x = A[a + k];
        c0 += x * P[p];
        c1 += x * P[p + 1];
        c2 += x * P[p + 2];
        c3 += x * P[p + 3];
      }
      const o = i * N + j;
      if (accumulate) {
        C[o] += c0;
        C[o + 1] += c1;
        C[o + 2] += c2;
        C[o + 3] += c3;
      } else {
        C[o] = c0;
        C[o + 1] = c1;
        C[o + 2] = c2;
        C[o + 3] = c3;
      }
    }
  }
  // The last N % 4 columns: one dot product each.
  for (let j = N4; j < N; j++) {
    check();
    for (let i = 0; i < M; i++) {
      let acc = 0;
      const a = i * K;
      for (let k = 0; k < K; k++) acc += A[a + k] * B[k * N + j];
      if (accumulate) C[i * N + j] += acc;
      else C[i * N + j] = acc;
    }
  }
}

function matmulKernel(
  a: Tensor,
  b: Tensor,
  ta: boolean,
  tb: boolean,
  outShape: readonly number[],
  data: TypedData,
  check: () => void,
): TypedData {
  const rank = outShape.length;
  const M = outShape[rank - 2];
  const N = outShape[rank - 1];
  const K = ta ? a.shape[a.shape.length - 2] : a.shape[a.shape.length - 1];
  const kb = tb ? b.shape[b.shape.length - 1] : b.shape[b.shape.length - 2];
  if (K !== kb) throw new OpError(`inner dimensions differ: a ${showShape(a.shape)} and b ${showShape(b.shape)}`, 1);
  const batchShape = outShape.slice(0, -2);
  const batches = sizeOf(batchShape);
  const aMatrix = M * K;
  const bMatrix = K * N;
  const aBatch = broadcastStrides(a.shape.slice(0, -2), batchShape);
  const bBatch = broadcastStrides(b.shape.slice(0, -2), batchShape);
  // Each operand matrix is copied once into float64 row-major (m, k) and (k, n) order, which
  // undoes the transposes; a batch that broadcasts one matrix reuses its copy.
  const A = new Float64Array(aMatrix);
  const B = new Float64Array(bMatrix);
  const C = new Float64Array(M * N);
  let aLoaded = -1;
  let bLoaded = -1;
  const idx = new Array<number>(batchShape.length).fill(0);
  for (let batch = 0; batch < batches; batch++) {
    let aOff = 0;
    let bOff = 0;
    for (let d = 0; d < idx.length; d++) {
      aOff += idx[d] * aBatch[d];
      bOff += idx[d] * bBatch[d];
    }
    aOff *= aMatrix;
    bOff *= bMatrix;
    if (aOff !== aLoaded) {
      loadMatrix(a.data, aOff, M, K, ta, A);
      aLoaded = aOff;
    }
    if (bOff !== bLoaded) {
      loadMatrix(b.data, bOff, K, N, tb, B);
      bLoaded = bOff;
    }
    gemm(A, B, C, M, K, N, false, check);
    const o = batch * M * N;
    for (let i = 0; i < C.length; i++) data[o + i] = C[i];
    for (let d = idx.length - 1; d >= 0; d--) {
      if (++idx[d] < batchShape[d]) break;
      idx[d] = 0;
    }
  }
  return data;
}

/** Copies the rows×cols matrix at `offset` (stored transposed when `transposed`) into `out`. */
function loadMatrix(src: TypedData, offset: number, rows: number, cols: number, transposed: boolean, out: Float64Array): void {
  if (!transposed) {
    for (let i = 0; i < rows * cols; i++) out[i] = src[offset + i];
    return;
  }
  for (let c = 0; c < cols; c++) {
    const s = offset + c * rows;
    for (let r = 0; r < rows; r++) out[r * cols + c] = src[s + r];
  }
}

// ---- einsum: equations -------------------------------------------------------------------

/** One operand's subscripts with the ellipsis written as the single character '.'. */
type Subs = string;

interface Equation {
  inputs: Subs[];
  output: Subs;
}

const LETTER = /^[A-Za-z]$/;

/** Parses `ij,jk->ik` (spaces ignored; no `->`: NumPy's implicit output — `...` first, then
 *  the labels that appear exactly once, sorted). Throws a message string on bad syntax. */
function parseEquation(text: string): Equation {
  const eq = text.replace(/\s+/g, '');
  const arrow = eq.indexOf('->');
  if (arrow !== eq.lastIndexOf('->')) throw new EquationError(`'${text}' has more than one '->'`);
  const lhs = arrow < 0 ? eq : eq.slice(0, arrow);
  const inputs = lhs.split(',').map((s, i) => tokenize(s, `operand ${i}`));
  let output: Subs;
  if (arrow >= 0) {
    output = tokenize(eq.slice(arrow + 2), 'the output');
    if (eq.slice(arrow + 2).includes(',')) throw new EquationError(`the output subscripts of '${text}' contain ','`);
    for (const c of output) {
      if (c !== '.' && !inputs.some((s) => s.includes(c)))
        throw new EquationError(`output label '${c}' does not appear in any input of '${text}'`);
    }
  } else {
    const counts = new Map<string, number>();
    for (const s of inputs) for (const c of s) if (c !== '.') counts.set(c, (counts.get(c) ?? 0) + 1);
    const once = [...counts.keys()].filter((c) => counts.get(c) === 1).sort();
    output = (inputs.some((s) => s.includes('.')) ? '.' : '') + once.join('');
  }
  return { inputs, output };
}

class EquationError extends Error {}

function tokenize(s: string, what: string): Subs {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '.') {
      if (s.slice(i, i + 3) !== '...') throw new EquationError(`'${s}' (${what}): an ellipsis is written '...'`);
      if (out.includes('.')) throw new EquationError(`'${s}' (${what}) has more than one '...'`);
      out += '.';
      i += 2;
    } else if (LETTER.test(c)) {
      out += c;
    } else {
      throw new EquationError(`'${s}' (${what}): invalid character '${c}' (labels are letters a-z, A-Z)`);
    }
  }
  return out;
}

function showSubs(s: Subs): string {
  return s.replace('.', '...');
}

function equationString(inputs: readonly Subs[], output: Subs): string {
  return `${inputs.map(showSubs).join(',')}->${showSubs(output)}`;
}

const parsedCache = new Map<string, Equation>();

/** The explicit equation stored on an einsum node (parsed once per distinct string). */
function nodeEquation(equation: string): Equation {
  let e = parsedCache.get(equation);
  if (!e) {
    try {
      e = parseEquation(equation);
    } catch (err) {
      throw new OpError(`einsum: ${(err as Error).message}`);
    }
    if (parsedCache.size > 2000) parsedCache.clear();
    parsedCache.set(equation, e);
  }
  return e;
}

// ---- einsum: shapes ----------------------------------------------------------------------

interface Resolved {
  /** Size of each named label (null: unknown). */
  named: Map<string, Dim>;
  /** The broadcast shape of the `...` axes (null: unknown rank). */
  bcast: Dim[] | null;
  /** The `...` axes of each operand (null: unknown, or none when it has no ellipsis). */
  operandBcast: (Dim[] | null)[];
}

/** Checks operands against their subscripts and finds every label's size. Works on static
 *  shapes (null sizes match anything) and on concrete ones. */
function resolveEinsum(eq: Equation, shapes: readonly Shape[]): Resolved {
  if (shapes.length !== eq.inputs.length) {
    throw new OpError(
      `the equation has ${eq.inputs.length} operand${eq.inputs.length === 1 ? '' : 's'} but ${shapes.length} tensor${shapes.length === 1 ? ' was' : 's were'} given`,
    );
  }
  const named = new Map<string, Dim>();
  const firstSeen = new Map<string, number>();
  let bcast: Dim[] | null = [];
  const operandBcast: (Dim[] | null)[] = [];
  eq.inputs.forEach((subs, i) => {
    const shape = shapes[i];
    const hasEllipsis = subs.includes('.');
    const namedCount = subs.length - (hasEllipsis ? 1 : 0);
    if (shape === null) {
      operandBcast.push(hasEllipsis ? null : []);
      if (hasEllipsis) bcast = null;
      for (const c of subs) if (c !== '.' && !named.has(c)) named.set(c, null);
      return;
    }
    if (!hasEllipsis && shape.length !== namedCount) {
      throw new OpError(
        `operand ${i} has shape ${showShape(shape)} (rank ${shape.length}) but its subscripts '${showSubs(subs)}' name ${namedCount} axes`,
        i,
      );
    }
    if (hasEllipsis && shape.length < namedCount) {
      throw new OpError(`operand ${i} has shape ${showShape(shape)} but its subscripts '${showSubs(subs)}' need rank >= ${namedCount}`, i);
    }
    const nb = shape.length - namedCount;
    let axis = 0;
    for (const c of subs) {
      if (c === '.') {
        const block = shape.slice(axis, axis + nb);
        operandBcast.push(block.slice());
        if (bcast !== null) {
          try {
            bcast = broadcastShapes(bcast, block, i) as Dim[];
          } catch {
            throw new OpError(
              `the '...' axes of operand ${i} (shape ${showShape(shape)}) do not broadcast with the other operands' ${showShape(bcast)}`,
              i,
            );
          }
        }
        axis += nb;
        continue;
      }
      const d = shape[axis];
      const prev = named.get(c);
      if (prev !== undefined && prev !== null && d !== null && prev !== d) {
        const j = firstSeen.get(c)!;
        throw new OpError(
          j === i
            ? `label '${c}' labels axes of sizes ${prev} and ${d} in operand ${i} (shape ${showShape(shape)})`
            : `label '${c}' has size ${prev} in operand ${j} (shape ${showShape(shapes[j])}) but ${d} in operand ${i} (shape ${showShape(shape)})`,
          i,
        );
      }
      if (prev === undefined || prev === null) named.set(c, d);
      if (!firstSeen.has(c)) firstSeen.set(c, i);
      axis++;
    }
    if (!hasEllipsis) operandBcast.push([]);
  });
  return { named, bcast, operandBcast };
}

function einsumOutputShape(eq: Equation, r: Resolved): Shape {
  if (!eq.output.includes('.') && r.bcast !== null && r.bcast.length > 0) {
    throw new OpError(
      `the operands' '...' axes ${showShape(r.bcast)} must appear in the output, but the output subscripts '${showSubs(eq.output)}' have no '...'`,
    );
  }
  const out: Dim[] = [];
  for (const c of eq.output) {
    if (c === '.') {
      if (r.bcast === null) return null;
      out.push(...r.bcast);
    } else out.push(r.named.get(c) ?? null);
  }
  return out;
}

function einsumType(equation: string, inputs: readonly TensorType[]): TensorType {
  const eq = nodeEquation(equation);
  if (inputs.length < 1 || inputs.length > 2) throw new OpError(`the einsum primitive takes 1 or 2 operands, got ${inputs.length}`);
  inputs.forEach((t, i) => {
    if (t.dtype !== inputs[0].dtype)
      throw new OpError(`operand ${i} is ${t.dtype} but operand 0 is ${inputs[0].dtype}`, i, 'dtype-mismatch');
    if (t.dtype === 'bool') throw new OpError('einsum needs numeric tensors', i, 'dtype-mismatch');
  });
  return {
    dtype: inputs[0].dtype,
    shape: einsumOutputShape(
      eq,
      resolveEinsum(
        eq,
        inputs.map((t) => t.shape),
      ),
    ),
  };
}

// ---- einsum: kernel ----------------------------------------------------------------------

/** A label of the concrete problem: its size and its element stride in each operand and in
 *  the output (the sum of the strides of every axis it labels: a repeated label walks the
 *  diagonal; 0 where the operand lacks it or broadcasts it). */
interface Label {
  size: number;
  strides: number[];
  outStride: number;
  inOperand: boolean[];
  inOutput: boolean;
}

function einsumLabels(eq: Equation, inputs: readonly Tensor[], outShape: readonly number[]): Label[] {
  const r = resolveEinsum(
    eq,
    inputs.map((t) => t.shape),
  );
  const bcast = r.bcast as number[];
  const labels = new Map<string, Label>();
  const n = inputs.length;
  const make = (size: number): Label => ({
    size,
    strides: new Array(n).fill(0),
    outStride: 0,
    inOperand: new Array(n).fill(false),
    inOutput: false,
  });
  for (const [c, size] of r.named) labels.set(c, make(size as number));
  const bcastLabels = bcast.map((size) => make(size));
  inputs.forEach((t, i) => {
    const subs = eq.inputs[i];
    const strides = stridesOf(t.shape);
    const block = r.operandBcast[i] as number[];
    const lead = bcast.length - block.length;
    let axis = 0;
    for (const c of subs) {
      if (c === '.') {
        for (let k = 0; k < block.length; k++) {
          const l = bcastLabels[lead + k];
          l.inOperand[i] = true;
          if (block[k] !== 1 || l.size === 1) l.strides[i] += strides[axis + k];
        }
        axis += block.length;
      } else {
        const l = labels.get(c)!;
        l.inOperand[i] = true;
        l.strides[i] += strides[axis];
        axis++;
      }
    }
  });
  const outStrides = stridesOf(outShape);
  let axis = 0;
  for (const c of eq.output) {
    if (c === '.') {
      for (let k = 0; k < bcast.length; k++) {
        bcastLabels[k].inOutput = true;
        bcastLabels[k].outStride += outStrides[axis + k];
      }
      axis += bcast.length;
    } else {
      const l = labels.get(c)!;
      l.inOutput = true;
      l.outStride += outStrides[axis];
      axis++;
    }
  }
  return [...labels.values(), ...bcastLabels];
}

/** Offsets of every multi-index over `group` (row-major) for the stride picked by `stride`. */
function offsets(group: readonly Label[], stride: (l: Label) => number): Float64Array {
  let total = 1;
  for (const l of group) total *= l.size;
  const out = new Float64Array(total);
  if (total === 0) return out;
  const idx = new Array<number>(group.length).fill(0);
  let off = 0;
  for (let p = 0; p < total; p++) {
    out[p] = off;
    for (let d = group.length - 1; d >= 0; d--) {
      const s = stride(group[d]);
      off += s;
      if (++idx[d] < group[d].size) break;
      off -= s * group[d].size;
      idx[d] = 0;
    }
  }
  return out;
}

/** packed[r * cols + c] = Σ_s X[base + rowOff[r] + colOff[c] + sumOff[s]]. */
function pack(
  X: ArrayLike<number>,
  base: number,
  rowOff: Float64Array,
  colOff: Float64Array,
  sumOff: Float64Array,
  packed: Float64Array,
): void {
  const rows = rowOff.length;
  const cols = colOff.length;
  const sums = sumOff.length;
  let p = 0;
  if (sums === 1) {
    const s0 = base + sumOff[0];
    for (let r = 0; r < rows; r++) {
      const rb = s0 + rowOff[r];
      for (let c = 0; c < cols; c++) packed[p++] = X[rb + colOff[c]];
    }
    return;
  }
  for (let r = 0; r < rows; r++) {
    const rb = base + rowOff[r];
    for (let c = 0; c < cols; c++) {
      const cb = rb + colOff[c];
      let acc = 0;
      for (let s = 0; s < sums; s++) acc += X[cb + sumOff[s]];
      packed[p++] = acc;
    }
  }
}

function einsumKernel(
  equation: string,
  inputs: readonly Tensor[],
  outShape: readonly number[],
  data: TypedData,
  check: () => void,
): TypedData {
  const eq = nodeEquation(equation);
  const labels = einsumLabels(eq, inputs, outShape);
  const out = (l: Label) => l.outStride;
  if (inputs.length === 1) {
    // out[kept] = Σ over the labels not in the output.
    const kept = labels.filter((l) => l.inOutput);
    const summed = labels.filter((l) => !l.inOutput);
    const inRow = offsets(kept, (l) => l.strides[0]);
    const outRow = offsets(kept, out);
    const packed = new Float64Array(inRow.length);
    pack(
      inputs[0].data,
      0,
      inRow,
      new Float64Array(1),
      offsets(summed, (l) => l.strides[0]),
      packed,
    );
    for (let r = 0; r < packed.length; r++) data[outRow[r]] = packed[r];
    return data;
  }
  // Binary: out[batch, m, n] = Σ_k A[batch, m, k, (ra)] · B[batch, k, n, (rb)], where labels
  // only one operand has and the output lacks (ra, rb) are summed while packing.
  const [A, B] = inputs;
  const inA = (l: Label) => l.inOperand[0];
  const inB = (l: Label) => l.inOperand[1];
  const batch = labels.filter((l) => l.inOutput && inA(l) && inB(l));
  const rowsM = labels.filter((l) => l.inOutput && inA(l) && !inB(l));
  const colsN = labels.filter((l) => l.inOutput && !inA(l) && inB(l));
  const contracted = labels.filter((l) => !l.inOutput && inA(l) && inB(l));
  const sumA = labels.filter((l) => !l.inOutput && inA(l) && !inB(l));
  const sumB = labels.filter((l) => !l.inOutput && !inA(l) && inB(l));
  const sa = (l: Label) => l.strides[0];
  const sb = (l: Label) => l.strides[1];
  const batchA = offsets(batch, sa);
  const batchB = offsets(batch, sb);
  const batchOut = offsets(batch, out);
  const mA = offsets(rowsM, sa);
  const mOut = offsets(rowsM, out);
  const nB = offsets(colsN, sb);
  const nOut = offsets(colsN, out);
  const kA = offsets(contracted, sa);
  const kB = offsets(contracted, sb);
  const rA = offsets(sumA, sa);
  const rB = offsets(sumB, sb);
  const M = mA.length;
  const N = nB.length;
  const K = kA.length;
  const packedA = new Float64Array(M * K);
  const packedB = new Float64Array(K * N);
  const C = new Float64Array(M * N);
  let lastA = -1;
  let lastB = -1;
  for (let t = 0; t < batchA.length; t++) {
    // Broadcast batch axes revisit the same operand block: pack it once.
    if (batchA[t] !== lastA) pack(A.data, (lastA = batchA[t]), mA, kA, rA, packedA);
    if (batchB[t] !== lastB) pack(B.data, (lastB = batchB[t]), kB, nB, rB, packedB);
    check();
    gemm(packedA, packedB, C, M, K, N, false, check);
    const ob = batchOut[t];
    for (let m = 0; m < M; m++) {
      const om = ob + mOut[m];
      const cm = m * N;
      for (let n = 0; n < N; n++) data[om + nOut[n]] = C[cm + n];
    }
  }
  return data;
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

function einsumGrad(b: Builder, node: Node, dy: Node): (Node | null)[] {
  const eq = nodeEquation(node.attrs.equation as string);
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

// ---- diagonal ----------------------------------------------------------------------------

function diagPartType(x: TensorType): TensorType {
  if (x.shape === null) return { dtype: x.dtype, shape: null };
  if (x.shape.length < 2) throw new OpError(`needs a tensor of rank >= 2 (a batch of matrices), got shape ${showShape(x.shape)}`, 0);
  const m = x.shape[x.shape.length - 2];
  const n = x.shape[x.shape.length - 1];
  return { dtype: x.dtype, shape: [...x.shape.slice(0, -2), m === null || n === null ? null : Math.min(m, n)] };
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
  {
    name: 'matmul',
    doc: 'Matrix product of the last two axes, batched over the leading ones, which broadcast (`a @ b`).',
    params: [
      { name: 'a', kind: 'tensor', group: 'T', dtypes: 'numeric', aliases: ['x'] },
      { name: 'b', kind: 'tensor', group: 'T', dtypes: 'numeric', aliases: ['y'] },
      { name: 'transpose_a', kind: 'bool', default: false, aliases: ['adjoint_a'] },
      { name: 'transpose_b', kind: 'bool', default: false, aliases: ['adjoint_b'] },
      // TensorFlow's hints for a sparse kernel: the values are the same without them.
      { name: 'a_is_sparse', kind: 'bool', default: false, keywordOnly: true },
      { name: 'b_is_sparse', kind: 'bool', default: false, keywordOnly: true },
    ],
    build: (b, args) => tensorValue(b.buildPrimitive(args.op, args, ['a_is_sparse', 'b_is_sparse'])),
    infer: ([a, b], attrs) => matmulType(a, b, attrs.transpose_a === true, attrs.transpose_b === true),
    kernel: ([a, b], attrs, out, ctx) => {
      const ta = attrs.transpose_a === true;
      const tb = attrs.transpose_b === true;
      const data = ctx.alloc(out.dtype, sizeOf(out.shape));
      return matmulWasm(a, b, ta, tb, out.shape, data, ctx) ?? matmulKernel(a, b, ta, tb, out.shape, data, deadlineCheck(ctx));
    },
    // TensorFlow's _BatchMatMulV2 rule, then summed over the batch axes each side broadcast.
    // A side no x needs (the data of `x @ W`) is left out.
    grad: (b, node, dy, needs) => {
      const [x, y] = node.inputs;
      const ta = node.attrs.transpose_a === true;
      const tb = node.attrs.transpose_b === true;
      const gx = !needs[0]
        ? null
        : !ta && !tb
          ? mm(b, dy, y, false, true)
          : !ta && tb
            ? mm(b, dy, y, false, false)
            : ta && !tb
              ? mm(b, y, dy, false, true)
              : mm(b, y, dy, true, true);
      const gy = !needs[1]
        ? null
        : !ta && !tb
          ? mm(b, x, dy, true, false)
          : !ta && tb
            ? mm(b, dy, x, true, false)
            : ta && !tb
              ? mm(b, x, dy, false, false)
              : mm(b, dy, x, true, true);
      return [gx && b.sumToLike(gx, x), gy && b.sumToLike(gy, y)];
    },
    dependence: contraction(matmulRelation),
  },
  {
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
    infer: (inputs, attrs) => einsumType(attrs.equation as string, inputs),
    kernel: (inputs, attrs, out, ctx) =>
      einsumKernel(attrs.equation as string, inputs, out.shape, ctx.alloc(out.dtype, sizeOf(out.shape)), deadlineCheck(ctx)),
    grad: einsumGrad,
    dependence: contraction(einsumRelation),
  },
  {
    name: 'broadcast_prepend_dims',
    internal: true,
    doc: "Broadcasts `x` over new leading axes whose sizes are those of `like`'s `axes` (einsum gradients).",
    params: [
      { name: 'x', kind: 'tensor' },
      { name: 'like', kind: 'tensor' },
      { name: 'axes', kind: 'ints' },
    ],
    infer: ([x, like], attrs) => {
      const axes = attrs.axes as number[];
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
        (node.attrs.axes as number[]).map((_, i) => i),
      ),
      null,
    ],
    dependence: elementwise({ carries: firstOnly }),
  },
  {
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
      checkEllipsisCompatible(x.shape, like.shape, attrs.start as number, attrs.after as number);
      return { dtype: x.dtype, shape: like.shape };
    },
    kernel: ([x, like], attrs, out, ctx) => {
      const start = attrs.start as number;
      const after = attrs.after as number;
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
        const r = x && ellipsisRelation(x, output, attrs.start as number, attrs.after as number);
        return r ? { inputs: [r.big, null], output: r.small } : null;
      },
      { carries: firstOnly },
    ),
  },
  {
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
      checkEllipsisCompatible(like.shape, x.shape, attrs.start as number, attrs.after as number);
      return { dtype: x.dtype, shape: like.shape };
    },
    kernel: ([x, like], attrs, out, ctx) => {
      const start = attrs.start as number;
      const after = attrs.after as number;
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
        const r = x && ellipsisRelation(output, x, attrs.start as number, attrs.after as number);
        return r ? { inputs: [r.small, null], output: r.big, broadcast: r.big.filter((l): l is string => typeof l === 'string') } : null;
      },
      { carries: firstOnly },
    ),
  },
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
      if (ra + rbk - aAxes.length > 52) throw new BuildError('tensordot: more than 52 distinct axes', args.callSpan, 'too-complex');
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
  {
    name: 'matrix_diag_part',
    doc: 'The main diagonal of the last two axes (batched; min(rows, columns) entries).',
    params: [{ name: 'input', kind: 'tensor', dtypes: 'numeric', aliases: ['x', 'a'] }],
    infer: ([x]) => diagPartType(x),
    kernel: ([x], _attrs, out, ctx) => {
      const r = x.shape.length;
      const m = x.shape[r - 2];
      const n = x.shape[r - 1];
      const d = Math.min(m, n);
      const batches = sizeOf(x.shape.slice(0, -2));
      const data = ctx.alloc(out.dtype, batches * d);
      for (let t = 0; t < batches; t++) for (let i = 0; i < d; i++) data[t * d + i] = x.data[t * m * n + i * n + i];
      return data;
    },
    // TensorFlow: matrix_set_diag(zeros_like(x), grad).
    grad: (b, node, dy) => [b.op('matrix_diag_embed_like', [dy, node.inputs[0]])],
    dependence: contraction(({ inputs: [x], output }) => {
      const r = diagonalRelation(x, output[output.length - 1] ?? null);
      return r && { inputs: [r.matrix], output: r.diagonal, sizes: r.sizes };
    }),
  },
  {
    name: 'matrix_diag_embed_like',
    internal: true,
    doc: 'Zeros shaped like `like` (a batch of matrices) with `x` on the main diagonal.',
    params: [
      { name: 'x', kind: 'tensor' },
      { name: 'like', kind: 'tensor' },
    ],
    infer: ([x, like]) => {
      const expected = diagPartType({ dtype: x.dtype, shape: like.shape }).shape;
      if (
        expected &&
        x.shape &&
        (expected.length !== x.shape.length || expected.some((d, i) => d !== null && x.shape![i] !== null && d !== x.shape![i]))
      ) {
        throw new OpError(`diagonal ${showShape(x.shape)} does not fit matrices ${showShape(like.shape)}`);
      }
      return { dtype: x.dtype, shape: like.shape };
    },
    kernel: ([x, like], _attrs, out, ctx) => {
      const r = like.shape.length;
      const m = like.shape[r - 2];
      const n = like.shape[r - 1];
      const d = Math.min(m, n);
      const batches = sizeOf(like.shape.slice(0, -2));
      const data = ctx.alloc(out.dtype, batches * m * n);
      for (let t = 0; t < batches; t++) for (let i = 0; i < d; i++) data[t * m * n + i * n + i] = x.data[t * d + i];
      return data;
    },
    grad: (b, _node, dy) => [b.op('matrix_diag_part', [dy]), null],
    dependence: contraction(
      ({ inputs: [x], output }) => {
        const r = diagonalRelation(output, x?.[x.length - 1] ?? null);
        return r && { inputs: [r.diagonal, null], output: r.matrix, sizes: r.sizes };
      },
      { carries: firstOnly },
    ),
  },
  {
    name: 'trace',
    doc: 'Sum of the main diagonal of the last two axes (batched), as tf.linalg.trace.',
    params: [{ name: 'x', kind: 'tensor', dtypes: 'numeric', aliases: ['input', 'a'] }],
    // TensorFlow: reduce_sum(matrix_diag_part(x), axis=-1).
    build: (b, args): Value => {
      const x = args.tensor('x');
      const op = lookupOp('trace')!;
      checkDTypeClass(op, op.params[0], x, args.span('x'));
      const diag = b.apply('matrix_diag_part', [x], {}, args.callSpan, [args.span('x')]);
      return tensorValue(b.apply('reduce_sum', [diag], { axis: [-1], keepdims: false }, args.callSpan));
    },
  },
  {
    name: 'matrix_transpose',
    doc: 'Swaps the last two axes (transposes each matrix of a batch).',
    params: [
      { name: 'a', kind: 'tensor', aliases: ['x', 'input'] },
      { name: 'conjugate', kind: 'bool', default: false },
    ],
    tf1Positional: ['a', 'name', 'conjugate'],
    infer: ([x]) => {
      if (x.shape === null) return { dtype: x.dtype, shape: null };
      if (x.shape.length < 2) throw new OpError(`needs a tensor of rank >= 2, got shape ${showShape(x.shape)}`, 0);
      const s = x.shape.slice();
      const r = s.length;
      [s[r - 2], s[r - 1]] = [s[r - 1], s[r - 2]];
      return { dtype: x.dtype, shape: s };
    },
    kernel: ([x], _attrs, out, ctx) => {
      const r = x.shape.length;
      const m = x.shape[r - 2];
      const n = x.shape[r - 1];
      const batches = sizeOf(x.shape.slice(0, -2));
      const data = ctx.alloc(out.dtype, x.data.length);
      const X = x.data;
      for (let t = 0; t < batches; t++) {
        const base = t * m * n;
        for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) data[base + j * m + i] = X[base + i * n + j];
      }
      return data;
    },
    grad: (b, node, dy) => [b.op('matrix_transpose', [dy], node.attrs)],
    dependence: indexMap(({ output }) => {
      const r = output.length;
      if (r < 2) return null;
      const flow = positionalFlow(r);
      return { from: flow.from.map((f, k) => (k === r - 2 ? [{ slot: 0, axis: r - 1 }] : k === r - 1 ? [{ slot: 0, axis: r - 2 }] : f)) };
    }),
  },
]);
