// einsum's equations: parsing (`ij,jk->ik`, the `...` axes, NumPy's implicit output),
// checking operands against their subscripts, the output shape, and the kernel. The kernel
// packs each operand into a dense matrix (taking diagonals, summing labels only one operand
// has, broadcasting the `...` axes) and multiplies the two with matmul's `gemm`.

import { type Tensor, type TypedData, stridesOf } from '../../tensor';
import { type Dim, type Shape, type TensorType, OpError, broadcastShapes, showShape } from '../../types';
import { gemm } from './matmul';

// ---- einsum: equations -------------------------------------------------------------------

/** One operand's subscripts with the ellipsis written as the single character '.'. */
export type Subs = string;

export interface Equation {
  inputs: Subs[];
  output: Subs;
}

const LETTER = /^[A-Za-z]$/;

/** Parses `ij,jk->ik` (spaces ignored; no `->`: NumPy's implicit output — `...` first, then
 *  the labels that appear exactly once, sorted). Throws a message string on bad syntax. */
export function parseEquation(text: string): Equation {
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

export class EquationError extends Error {}

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

export function equationString(inputs: readonly Subs[], output: Subs): string {
  return `${inputs.map(showSubs).join(',')}->${showSubs(output)}`;
}

const parsedCache = new Map<string, Equation>();

/** The explicit equation stored on an einsum node (parsed once per distinct string). */
export function nodeEquation(equation: string): Equation {
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
export function resolveEinsum(eq: Equation, shapes: readonly Shape[]): Resolved {
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

export function einsumOutputShape(eq: Equation, r: Resolved): Shape {
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

export function einsumType(equation: string, inputs: readonly TensorType[]): TensorType {
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

export function einsumKernel(
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
