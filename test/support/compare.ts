// Tolerant comparison of nested numeric arrays (engine values vs TensorFlow.js or vs hand
// values), with a message that names the first element out of tolerance.

import { expect } from 'vitest';
import type { Plain } from './engine';

function shapeOfPlain(x: Plain): number[] {
  const shape: number[] = [];
  let cur: Plain = x;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    cur = cur[0] as Plain;
  }
  return shape;
}

function flat(x: Plain): (number | boolean | null)[] {
  return Array.isArray(x) ? x.flatMap((v) => flat(v)) : [x];
}

/** |actual - expected| <= atol + rtol * |expected| elementwise (both 1e-4 unless told),
 *  same nested shape, NaN matching NaN and infinities matching exactly. */
export function expectClose(actual: Plain, expected: Plain, what = 'value', tol: { atol?: number; rtol?: number } = {}): void {
  const atol = tol.atol ?? 1e-4;
  const rtol = tol.rtol ?? 1e-4;
  if (expected === null || actual === null) {
    expect(actual, `${what}: None vs a value`).toBe(expected);
    return;
  }
  expect(shapeOfPlain(actual), `${what}: shape`).toEqual(shapeOfPlain(expected));
  const a = flat(actual);
  const e = flat(expected);
  expect(a.length, `${what}: element count`).toBe(e.length);
  for (let i = 0; i < e.length; i++) {
    const x = a[i];
    const y = e[i];
    if (typeof y === 'boolean' || typeof x === 'boolean') {
      expect(x, `${what}[${i}]`).toBe(y);
      continue;
    }
    if (x === null || y === null) {
      expect(x, `${what}[${i}]`).toBe(y);
      continue;
    }
    if (Number.isNaN(y) || !Number.isFinite(y)) {
      expect(x, `${what}[${i}] (flat)`).toBe(y);
      continue;
    }
    const ok = Math.abs(x - y) <= atol + rtol * Math.abs(y);
    if (!ok) {
      throw new Error(
        `${what}: element ${i} (flat) is ${x}, expected ${y} (|diff| ${Math.abs(x - y)} > ${atol} + ${rtol}·|expected|)\nactual:   ${JSON.stringify(actual)}\nexpected: ${JSON.stringify(expected)}`,
      );
    }
  }
}
