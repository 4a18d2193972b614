// Helpers for the Python front end's tests: analyse a script (or an example file), read a
// binding's value (a graph tensor's from its run, a NumPy value as it is), what it printed.

import * as fs from 'fs';
import * as path from 'path';
import { expect } from 'vitest';
import type { Analysis, AnalysisOptions, Diagnostic } from '../../engine/analysis';
import type { Value } from '../../engine/builder';
import type { Tensor } from '../../engine/tensor';
import { analyzePython } from '../../engine/python/analysis';

export const EXAMPLES = path.resolve(__dirname, '..', '..', 'examples', 'python');

export function example(name: string): string {
  return fs.readFileSync(path.join(EXAMPLES, name), 'utf8');
}

/** Analyses a script; with `strict` (the default) an error diagnostic fails the test. */
export function py(src: string, options: AnalysisOptions & { strict?: boolean } = {}): Analysis {
  const a = analyzePython(src, options);
  if (options.strict !== false) {
    const errors = a.diagnostics.filter((d) => d.severity === 'error').map((d) => describeDiagnostic(src, d));
    expect(errors, 'error diagnostics').toEqual([]);
  }
  return a;
}

export function describeDiagnostic(src: string, d: Diagnostic): string {
  return `${src.slice(d.span.start, d.span.end)}: ${d.message}`;
}

function tensorOf(a: Analysis, v: Value, name: string): Tensor {
  if (v.kind !== 'tensor') throw new Error(`${name} is not a tensor (${v.kind})`);
  const t = a.valueOf(v.node);
  if (!t) throw new Error(`${name} has no value`);
  return t;
}

/** The value of the binding of `name` live at the end of the script. */
export function val(a: Analysis, name: string): Tensor {
  const b = a.lookup(name);
  if (!b) throw new Error(`${name} is not bound`);
  return tensorOf(a, b.value, name);
}

/** The items of a list binding. */
export function items(a: Analysis, name: string): Tensor[] {
  const b = a.lookup(name);
  if (!b || b.value.kind !== 'list') throw new Error(`${name} is not a list`);
  return b.value.items.map((v, i) => tensorOf(a, v, `${name}[${i}]`));
}

export function data(t: Tensor): number[] {
  return Array.from(t.data as ArrayLike<number>);
}

/** What the script printed, as Python would have written it. */
export function printed(a: Analysis): string {
  return (a.python?.prints ?? []).map((p) => p.text).join('');
}

/** Same shape and |a - e| <= atol + rtol |e| elementwise. */
export function expectNear(
  actual: Tensor,
  expected: { shape: readonly number[]; data: ArrayLike<number> },
  what: string,
  rtol = 1e-5,
  atol = 1e-6,
): void {
  expect([...actual.shape], `${what}: shape`).toEqual([...expected.shape]);
  const e = Array.from(expected.data);
  const got = data(actual);
  for (let i = 0; i < e.length; i++) {
    if (!(Math.abs(got[i] - e[i]) <= atol + rtol * Math.abs(e[i]))) expect.fail(`${what}[${i}]: ${got[i]} vs expected ${e[i]}`);
  }
}

/** expectNear against a TensorFlow.js tensor (anything with shape and dataSync). */
export function nearTf(
  actual: Tensor,
  expected: { shape: readonly number[]; dataSync(): ArrayLike<number> },
  what: string,
  rtol = 1e-5,
  atol = 1e-6,
): void {
  expectNear(actual, { shape: expected.shape, data: expected.dataSync() }, what, rtol, atol);
}

/** The graph node a tensor binding holds. */
export function nodeOf(b: { value: Value } | undefined): import('../../engine/graph').Node {
  if (!b || b.value.kind !== 'tensor') throw new Error('not a tensor binding');
  return b.value.node;
}

/** A runner of short scripts after a shared prelude: the analysis (strict: no diagnostic at
 *  all), and the values of its bindings as plain numbers. */
export function scriptsAfter(prelude: string) {
  return (body: string, strict = true) => {
    const a = py(prelude + body, { strict });
    if (strict) expect(a.diagnostics.map((d) => d.message)).toEqual([]);
    return { a, get: (name: string) => Array.from(data(val(a, name)), (v) => Number(v)) };
  };
}

/** Each value within 1e-6 of the expected one (the same float32 computation reached two ways). */
export function expectAllClose(actual: number[], expected: number[]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));
}

/** A script of one statement per line, analysed leniently, and each diagnostic as [the first
 *  letter of its line (the name the line assigns), its message]. */
export function diagnosticsByLine(lines: string[]): { a: Analysis; byLine: string[][] } {
  const src = lines.join('\n');
  const a = py(src, { strict: false });
  const byLine = a.diagnostics.map((d) => [lines[src.slice(0, d.span.start).split('\n').length - 1][0], d.message]);
  return { a, byLine };
}
