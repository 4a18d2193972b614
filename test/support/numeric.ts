// Helpers shared by the linear-algebra and neural-network op tests: analyse a source (failing
// on errors), read values, compare with TensorFlow.js within rtol/atol, check gradients.

import { expect } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { type Analysis, analyze } from '../../engine/analysis';
import type { Tensor } from '../../engine/tensor';

/** TensorFlow.js's CPU backend, without its "install tfjs-node" banner. */
export async function quietCpuBackend(): Promise<void> {
  const log = console.log;
  const warn = console.warn;
  console.log = () => {};
  console.warn = () => {};
  try {
    await tf.setBackend('cpu');
  } finally {
    console.log = log;
    console.warn = warn;
  }
}

/** Analyses `src`, failing on any error diagnostic (with the text each one points at). */
export function run(src: string): Analysis {
  const a = analyze(src);
  const errors = a.diagnostics
    .filter((d) => d.severity === 'error')
    .map((d) => `${src.slice(d.span.start, d.span.end)}: ${d.message}`)
    .join('\n');
  if (errors) throw new Error(errors);
  return a;
}

export function value(a: Analysis, name: string): Tensor {
  const b = a.lookup(name);
  if (!b || b.value.kind !== 'tensor') throw new Error(`${name} is not a tensor`);
  const t = a.valueOf(b.value.node);
  if (!t) throw new Error(`${name} has no value`);
  return t;
}

export function staticShape(a: Analysis, name: string): (number | null)[] | null {
  const b = a.lookup(name);
  if (!b || b.value.kind !== 'tensor') throw new Error(`${name} is not a tensor`);
  return b.value.node.type.shape ? [...b.value.node.type.shape] : null;
}

export const arr = (t: Tensor) => Array.from(t.data as ArrayLike<number>);

export function toTf(t: Tensor): tf.Tensor {
  return tf.tensor(arr(t), [...t.shape], t.dtype === 'int32' ? 'int32' : 'float32');
}

/** Same shape and |a - e| <= atol + rtol |e| elementwise (NaN where NaN is expected). */
export function expectClose(
  actual: Tensor,
  expected: { shape: readonly number[]; data: ArrayLike<number> },
  what: string,
  rtol = 1e-5,
  atol = 1e-5,
): void {
  expect([...actual.shape], `${what}: shape`).toEqual([...expected.shape]);
  const a = arr(actual);
  const e = Array.from(expected.data);
  expect(a.length, `${what}: size`).toBe(e.length);
  for (let i = 0; i < e.length; i++) {
    if (Number.isNaN(e[i])) {
      expect(a[i], `${what}[${i}]`).toBeNaN();
      continue;
    }
    const ok = Math.abs(a[i] - e[i]) <= atol + rtol * Math.abs(e[i]);
    if (!ok) expect.fail(`${what}[${i}]: ${a[i]} vs expected ${e[i]}`);
  }
}

export function expectCloseTf(actual: Tensor, expected: tf.Tensor, what: string, rtol = 1e-5, atol = 1e-5): void {
  expectClose(actual, { shape: expected.shape, data: expected.dataSync() }, what, rtol, atol);
}

/** Every `check gradients` statement of `src` ran and passed (`count` of them). */
export function expectChecksPass(src: string, count: number): Analysis {
  const a = run(src);
  expect(a.checks.length).toBe(count);
  for (const c of a.checks) expect(c.passed, `${src.slice(c.stmt.span.start, c.stmt.span.end)}: ${c.message || c.summary}`).toBe(true);
  return a;
}

/** Error diagnostics as [text under the span, message]. */
export function errorsOf(src: string): [string, string][] {
  return analyze(src)
    .diagnostics.filter((d) => d.severity === 'error')
    .map((d) => [src.slice(d.span.start, d.span.end), d.message]);
}
