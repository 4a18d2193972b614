// Static types: a dtype and a shape whose sizes may be unknown (`null`, shown as `?`).
// The same shape rules run on static shapes while the graph is built and on concrete
// shapes when it is evaluated, so a rule is written once.

import type { DType } from './tensor';

export type Dim = number | null;
/** `null` is an unknown rank (a placeholder declared with shape `None`). */
export type Shape = readonly Dim[] | null;

export interface TensorType {
  readonly dtype: DType;
  readonly shape: Shape;
}

/** Recently seen types, by a hash of dtype and shape (a direct-mapped table: a miss only
 *  costs sharing). */
const SHARED_TYPES = 1024;
const sharedTypes: (TensorType | undefined)[] = new Array(SHARED_TYPES).fill(undefined);

/** An equal type seen before, or `t`. Types are never written to, and a file repeats a few
 *  of them: a 100,000-node graph keeps a handful of type objects (and shape arrays) instead
 *  of one per node, which is less for the collector to trace. */
export function shareType(t: TensorType): TensorType {
  const shape = t.shape;
  if (shape === null) return t;
  const dtype = t.dtype;
  let h =
    Math.imul(dtype.length, 0x9e3779b1) ^
    dtype.charCodeAt(dtype.length - 1) ^
    (dtype.charCodeAt(dtype.length - 2) << 8) ^
    (dtype.charCodeAt(0) << 16);
  h = Math.imul(h ^ shape.length, 0x85ebca6b);
  for (let i = 0; i < shape.length; i++) h = Math.imul(h ^ (shape[i] === null ? -1 : (shape[i] as number) | 0), 0xc2b2ae35);
  const slot = (h ^ (h >>> 15)) & (SHARED_TYPES - 1);
  const seen = sharedTypes[slot];
  if (seen !== undefined && seen.dtype === dtype && sameDims(seen.shape!, shape)) return seen;
  sharedTypes[slot] = t;
  return t;
}

function sameDims(a: readonly Dim[], b: readonly Dim[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** An error in an op's shape or dtype rule. `argIndex` names the input (0-based, in the
 *  op's tensor-input order) that caused it, so the diagnostic can point at that argument. */
export class OpError extends Error {
  constructor(
    message: string,
    readonly argIndex?: number,
    readonly code = 'shape-mismatch',
  ) {
    super(message);
  }
}

/** A shape-rule error caused by a static argument (axis, multiples, paddings...): names the
 *  parameter, so the diagnostic points at that argument. At evaluation time it is an
 *  ordinary OpError. */
export class ArgError extends OpError {
  constructor(
    message: string,
    readonly param: string,
    code = 'shape-mismatch',
  ) {
    super(message, undefined, code);
  }
}

export function showShape(shape: Shape): string {
  if (shape === null) return '<unknown>';
  return '[' + shape.map((d) => (d === null ? '?' : String(d))).join(', ') + ']';
}

export function isFullyKnown(shape: Shape): shape is readonly number[] {
  if (shape === null) return false;
  // (a loop, not `every`: the evaluation asks it of every node and its inputs)
  for (let i = 0; i < shape.length; i++) if (shape[i] === null) return false;
  return true;
}

export function knownSize(shape: Shape): number | null {
  if (!isFullyKnown(shape)) return null;
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Normalises a possibly negative axis against `rank`, or throws an OpError. */
export function normalizeAxis(axis: number, rank: number, argIndex = 0, what = 'axis'): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new OpError(`${what} ${axis} is out of range for a tensor of rank ${rank}`, argIndex);
  }
  return axis < 0 ? axis + rank : axis;
}

/** NumPy broadcasting of two static shapes; the error names both shapes. */
export function broadcastShapes(a: Shape, b: Shape, argIndex = 1): Shape {
  if (a === null || b === null) return null;
  const rank = Math.max(a.length, b.length);
  const out: Dim[] = new Array(rank);
  for (let i = 0; i < rank; i++) {
    const da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
    const db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
    if (da === 1) out[i] = db;
    else if (db === 1) out[i] = da;
    else if (da === null) out[i] = db;
    else if (db === null) out[i] = da;
    else if (da === db) out[i] = da;
    else {
      throw new OpError(
        `shapes ${showShape(a)} and ${showShape(b)} cannot be broadcast together (axis ${i - rank}: ${da} vs ${db})`,
        argIndex,
      );
    }
  }
  return out;
}

/** The axes over which a value of shape `from` was broadcast to reach shape `to`. */
export function broadcastAxes(from: readonly number[], to: readonly number[]): number[] {
  const axes: number[] = [];
  const lead = to.length - from.length;
  for (let i = 0; i < to.length; i++) {
    if (i < lead || (from[i - lead] === 1 && to[i] !== 1)) axes.push(i);
  }
  return axes;
}
