// The op table at its edges against TensorFlow 2's numbers: kinks and ties (which subgradient,
// which index), 0 and NaN through sqrt, pow, norm and where, integer division signs, wrapping
// and casts out of range, the dtype refusals, empty tensors through the reductions, and
// indices out of range or missing in gathers and segments. Finite differences cannot check a
// value at a kink, so scripts/fixtures/tf_edges.py wrote each expected value from PyTorch or
// NumPy where they agree with TensorFlow, and from TensorFlow's own gradient formula where they
// do not (pow(0, 0)'s NaN, a maximum tie, norm at 0: TensorFlow wins; each entry names its
// source). Run through `tgraph run --json`, as a user's tools read it.

import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { beforeAll, describe, expect, it } from 'vitest';

const DIR = path.join(__dirname, '..', 'fixtures', 'tf-edges');
const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');

type JsonNumber = number | boolean | string;
type Expected = { dtype: string; shape: number[]; data: JsonNumber[]; source: string; rule?: string };
type ExpectedError = { error: string; rule: string };
type Entry = Expected | ExpectedError | Expected[];
type Output = {
  values: Record<string, { dtype: string; shape: number[]; data: JsonNumber[] } | null | ({ data: JsonNumber[] } | null)[]>;
  diagnostics: { line: number; severity: string; message: string }[];
};

function asNumber(v: JsonNumber): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : -Infinity;
}

/** float32 results against float64 references: within float32's rounding; NaN and the
 *  infinities exactly; integers and bools exactly. */
function expectValue(actual: { dtype?: string; shape?: number[]; data: JsonNumber[] } | null, expected: Expected, what: string): void {
  const why = `${what} (${expected.rule ?? expected.source})`;
  expect(actual, `${why}: no value`).not.toBeNull();
  if (actual!.dtype !== undefined) expect(actual!.dtype, `${why}: dtype`).toBe(expected.dtype);
  if (actual!.shape !== undefined) expect(actual!.shape, `${why}: shape`).toEqual(expected.shape);
  expect(actual!.data.length, `${why}: length`).toBe(expected.data.length);
  expected.data.forEach((e, k) => {
    const a = asNumber(actual!.data[k]);
    const x = asNumber(e);
    const close = Number.isFinite(x) ? Math.abs(a - x) <= 1e-6 * Math.abs(x) + 1e-7 : Object.is(a, x) || (a !== a && x !== x);
    if (!close) throw new Error(`${why}[${k}]: ${String(actual!.data[k])}, TensorFlow's ${String(e)}`);
  });
}

function run(file: string): Output {
  const r = spawnSync(process.execPath, [CLI, 'run', '--json', file], { encoding: 'utf8', timeout: 120_000 });
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as Output;
}

const CASES = fs
  .readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.slice(0, -'.json'.length))
  .sort();

describe("the op table's edges against TensorFlow 2", () => {
  beforeAll(() => {
    if (!fs.existsSync(CLI)) spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT });
  });

  it('has the cases the fixture script writes', () => {
    expect(CASES).toEqual(['dtypes', 'empty', 'indices', 'integers', 'kinks', 'numpy_nan', 'singular', 'ties']);
  });

  for (const name of CASES) {
    it(`${name}: every binding is TensorFlow's value, or TensorFlow's refusal`, () => {
      const file = path.join(DIR, fs.existsSync(path.join(DIR, `${name}.py`)) ? `${name}.py` : `${name}.tgraph`);
      const source = fs.readFileSync(file, 'utf8').split('\n');
      const lineOf = (binding: string) => source.findIndex((l) => l.startsWith(`${binding} = `)) + 1;
      const expected = (JSON.parse(fs.readFileSync(path.join(DIR, `${name}.json`), 'utf8')) as { values: Record<string, Entry> }).values;
      const out = run(file);
      const refusedLines = new Set<number>();
      for (const [binding, entry] of Object.entries(expected)) {
        const line = lineOf(binding);
        expect(line, `${binding} is bound in ${path.basename(file)}`).toBeGreaterThan(0);
        if ('error' in entry) {
          refusedLines.add(line);
          const errors = out.diagnostics.filter((d) => d.line === line && d.severity === 'error').map((d) => d.message);
          expect(errors.join('\n'), `${binding}: ${entry.rule}`).toContain(entry.error);
          expect(out.values[binding] ?? null, `${binding} has no value`).toBeNull();
        } else if (Array.isArray(entry)) {
          const items = out.values[binding];
          expect(Array.isArray(items), `${binding} is a list`).toBe(true);
          entry.forEach((e, k) => expectValue((items as ({ data: JsonNumber[] } | null)[])[k], e, `${binding}[${k}]`));
        } else {
          expectValue(out.values[binding] as Expected, entry, binding);
        }
      }
      // No refusal TensorFlow does not make, and no NaN or Inf warning on a line whose values
      // are all finite in TensorFlow (an intermediate of a gradient that no element reads).
      const unexpected = out.diagnostics.filter((d) => d.severity === 'error' && !refusedLines.has(d.line));
      expect(unexpected.map((d) => `${d.line}: ${d.message}`)).toEqual([]);
      for (const [binding, entry] of Object.entries(expected)) {
        if ('error' in entry || !(Array.isArray(entry) ? entry : [entry]).every((e) => e.data.every((v) => Number.isFinite(asNumber(v)))))
          continue;
        const warnings = out.diagnostics.filter((d) => d.line === lineOf(binding) && d.severity === 'warning').map((d) => d.message);
        expect(warnings, `${binding}: all finite in TensorFlow`).toEqual([]);
      }
    });
  }
});
