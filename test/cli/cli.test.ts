// The CLI contract on the examples: `run` prints NumPy-style values, `run --json` follows the
// spec's JSON shape, `test` closes with "N passed, M failed", exit codes are 0 or 1.
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as os from 'os';

const root = path.resolve(__dirname, '..', '..');
const cli = path.join(root, 'dist', 'cli.js');

function tgraph(...args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  if (!fs.existsSync(cli)) spawnSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { cwd: root });
});

const examples = fs
  .readdirSync(path.join(root, 'examples'))
  .filter((f) => f.endsWith('.tgraph'))
  .sort();

/** Checks a `run --json` object against the spec's contract; returns the problems found. */
function specProblems(o: any): string[] {
  const problems: string[] = [];
  const tensor = (v: any, where: string) => {
    if (v === null) return;
    if (Array.isArray(v)) return v.forEach((x, i) => tensor(x, `${where}[${i}]`));
    if (typeof v !== 'object') return problems.push(`${where}: not a tensor, list or null`);
    if (!['float32', 'float64', 'int32', 'int64', 'bool'].includes(v.dtype)) problems.push(`${where}: dtype ${v.dtype}`);
    if (!Array.isArray(v.shape) || v.shape.some((d: any) => !Number.isInteger(d) || d < 0)) problems.push(`${where}: shape`);
    const size = v.shape.reduce((a: number, d: number) => a * d, 1);
    if (!Array.isArray(v.data) || v.data.length !== size) problems.push(`${where}: data length ${v.data?.length} != ${size}`);
    for (const x of v.data ?? []) {
      const ok =
        v.dtype === 'bool' ? typeof x === 'boolean' : typeof x === 'number' || x === 'NaN' || x === 'Infinity' || x === '-Infinity';
      if (!ok) {
        problems.push(`${where}: bad element ${JSON.stringify(x)}`);
        break;
      }
    }
  };
  if (typeof o.values !== 'object') problems.push('values missing');
  for (const [k, v] of Object.entries(o.values ?? {})) tensor(v, `values.${k}`);
  if (!Array.isArray(o.checks)) problems.push('checks missing');
  if (typeof o.explanations !== 'object') problems.push('explanations missing');
  if (!Array.isArray(o.diagnostics)) problems.push('diagnostics missing');
  for (const d of o.diagnostics ?? []) {
    for (const f of ['line', 'column', 'endLine', 'endColumn']) if (!Number.isInteger(d[f]) || d[f] < 1) problems.push(`diagnostic ${f}`);
    if (!['error', 'warning', 'information'].includes(d.severity)) problems.push(`severity ${d.severity}`);
    if (typeof d.code !== 'string' || typeof d.message !== 'string') problems.push('diagnostic code/message');
  }
  return problems;
}

describe('tgraph run', () => {
  it('prints the seed gradients in NumPy style', () => {
    const r = tgraph('run', 'examples/seed.tgraph');
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('[[20. 12. 28.]\n [ 8.  8. 20.]\n [28. 20.  0.]\n [12. 28. 24.]]');
    expect(r.stdout).toContain('[[40. 24. 56.]\n [16. 16. 40.]\n [56. 40.  0.]\n [24. 56. 48.]]');
    expect(r.code).toBe(0);
  });

  it('reports diagnostics as FILE:LINE:COL and exits 1 on errors', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tgraph-cli-'));
    const file = path.join(dir, 'bad.tgraph');
    fs.writeFileSync(file, 'x = placeholder(float32, [2, 3])\ny = x + ones([4, 5])\nz = undefined_thing\n');
    const r = tgraph('run', file);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2:9: error: .*\\[2, 3\\].*\\[4, 5\\]`));
    expect(r.stdout).toContain(`${file}:3:5: error: unknown name \`undefined_thing\``);
  });

  it.each(examples)('run --json %s follows the spec', (name) => {
    const r = tgraph('run', '--json', path.join('examples', name));
    expect([0, 1]).toContain(r.code);
    expect(r.stderr).toBe('');
    const o = JSON.parse(r.stdout);
    expect(specProblems(o)).toEqual([]);
  });

  it('run --json carries the seed values exactly', () => {
    const o = JSON.parse(tgraph('run', '--json', 'examples/seed.tgraph').stdout);
    expect(o.values.dy_dx).toEqual({ dtype: 'float32', shape: [4, 3], data: [20, 12, 28, 8, 8, 20, 28, 20, 0, 12, 28, 24] });
    expect(o.values.dz_dx.data).toEqual([40, 24, 56, 16, 16, 40, 56, 40, 0, 24, 56, 48]);
    expect(o.values.x_dims).toEqual({ dtype: 'int32', shape: [], data: [3] });
    expect(o.checks).toHaveLength(1);
    expect(o.checks[0].passed).toBe(true);
    expect(o.diagnostics).toEqual([]);
  });

  it('spells non-finite numbers as the spec says', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tgraph-cli-'));
    const file = path.join(dir, 'nan.tgraph');
    fs.writeFileSync(file, 'x = constant([-1., 0., 1.])\ny = log(x)\nb = x > 0.\n');
    const o = JSON.parse(tgraph('run', '--json', file).stdout);
    expect(o.values.y.data).toEqual(['NaN', '-Infinity', 0]);
    expect(o.values.b.data).toEqual([false, false, true]);
    expect(o.diagnostics.some((d: any) => d.severity === 'warning' && d.code === 'non-finite')).toBe(true);
  });
});

describe('tgraph run: int64 and Python numbers', () => {
  it('prints and serialises int64 as NumPy and the spec do, and keeps Python numbers exact', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tgraph-cli-'));
    const file = path.join(dir, 'numbers.tgraph');
    fs.writeFileSync(
      file,
      'third = constant(1. / 3., dtype=float64)\nbig = constant(2 ** 40, dtype=float64)\nn = constant([2 ** 40, -3], dtype=int64)\ni = argmax([[1., 5.], [7., 2.]], axis=1)\n',
    );
    const o = JSON.parse(tgraph('run', '--json', file).stdout);
    expect(specProblems(o)).toEqual([]);
    expect(o.values.third).toEqual({ dtype: 'float64', shape: [], data: [0.3333333333333333] });
    expect(o.values.big).toEqual({ dtype: 'float64', shape: [], data: [1099511627776] });
    expect(o.values.n).toEqual({ dtype: 'int64', shape: [2], data: [1099511627776, -3] });
    expect(o.values.i).toEqual({ dtype: 'int64', shape: [2], data: [1, 0] });
    const text = tgraph('run', file).stdout;
    expect(text).toContain('n: int64[2]');
    expect(text).toContain('[1099511627776            -3]');
    expect(text).toContain('0.3333333333333333');
  });
});

describe('tgraph test', () => {
  it('passes on the examples (expected failures count as passed)', () => {
    const r = tgraph('test', 'examples');
    expect(r.stdout).toMatch(/^\d+ passed, 0 failed$/m);
    expect(r.code).toBe(0);
  });

  it('counts failures and exits 1', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tgraph-cli-'));
    fs.writeFileSync(path.join(dir, 'a.tgraph'), 'x = constant([1., 2.])\nassert x > 0.\nassert x > 1.5\ncheck gradients(x * x, x)\n');
    const r = tgraph('test', dir);
    expect(r.stdout.trim().split('\n').pop()).toBe('2 passed, 1 failed');
    expect(r.stdout).toContain('a.tgraph:3:');
    expect(r.code).toBe(1);
  });

  it('never prints a stack trace for bad invocations', () => {
    for (const args of [['run'], ['run', '/nonexistent.tgraph'], ['test', '/nonexistent'], ['frobnicate'], ['run', os.tmpdir()]]) {
      const r = tgraph(...args);
      expect([0, 1]).toContain(r.code);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
