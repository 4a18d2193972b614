// Helpers shared by the op-family tests (shape, indexing): analyse a source, read values,
// compare with TensorFlow.js, and find diagnostics.

import { expect } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { type Analysis, analyze } from '../../engine/analysis';
import type { Tensor } from '../../engine/tensor';

/** Analyses `src`, failing on any error diagnostic. */
export function run(src: string): Analysis {
  const a = analyze(src);
  const errors = a.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code}: ${d.message}`);
  expect(errors).toEqual([]);
  return a;
}

export function node(a: Analysis, name: string) {
  const b = a.lookup(name);
  if (!b || b.value.kind !== 'tensor') throw new Error(`${name} is not a tensor binding`);
  return b.value.node;
}

export function value(a: Analysis, name: string): Tensor {
  const t = a.valueOf(node(a, name));
  if (!t) throw new Error(`${name} has no value`);
  return t;
}

export function staticShape(a: Analysis, name: string) {
  return node(a, name).type.shape;
}

export function listValues(a: Analysis, name: string): Tensor[] {
  const b = a.lookup(name);
  if (!b || b.value.kind !== 'list') throw new Error(`${name} is not a list`);
  return b.value.items.map((item) => {
    if (item.kind !== 'tensor') throw new Error('list item is not a tensor');
    return a.valueOf(item.node)!;
  });
}

export function toTf(t: Tensor): tf.Tensor {
  return tf.tensor(Array.from(t.data), t.shape.slice(), t.dtype === 'int32' ? 'int32' : 'float32');
}

export function expectClose(t: Tensor, ref: tf.Tensor, tol = 1e-6): void {
  expect(t.shape).toEqual(ref.shape);
  const want = ref.dataSync();
  expect(t.data.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    expect(Math.abs(t.data[i] - want[i]), `element ${i}: ${t.data[i]} vs ${want[i]}`).toBeLessThanOrEqual(tol * (1 + Math.abs(want[i])));
  }
}

/** Every `check gradients` in the source ran and passed. */
export function expectChecksPass(a: Analysis, count: number): void {
  expect(a.checks.length).toBe(count);
  for (const c of a.checks) expect(c.passed, c.message).toBe(true);
  for (const c of a.checks) expect(c.compared).toBeGreaterThan(0);
}

/** The error diagnostic whose message contains `part`, and the source text it points at. */
export function diagnostic(a: Analysis, part: string): { message: string; at: string; code: string } {
  const d = a.diagnostics.find((x) => x.severity === 'error' && x.message.includes(part));
  if (!d) throw new Error(`no error containing "${part}"; got ${JSON.stringify(a.diagnostics.map((x) => x.message))}`);
  return { message: d.message, at: a.text.slice(d.span.start, d.span.end), code: d.code };
}
