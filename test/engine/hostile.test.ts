// Hostile inputs (issue 7): each is answered by `analyze` with diagnostics and no exception,
// and the CLI presentation of the result (`formatRun`, `runJson`) does not throw either.
// Every case runs in a fresh process (fuzz/hostile-runner.ts, bundled once): a case that
// hangs is killed after CASE_TIMEOUT_MS and fails instead of stalling the test run, and the
// process's peak resident memory belongs to that case alone. Time and memory are printed for
// every case; time is not asserted (the machine may be busy), memory is bounded generously —
// an input that defeats a budget allocates gigabytes, not megabytes.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { build } from 'esbuild';
import type { AnalysisOptions } from '../../engine/analysis';
import type { HostileReport } from '../../fuzz/hostile-runner';

const root = path.resolve(__dirname, '..', '..');
const CASE_TIMEOUT_MS = 60_000;
const MEMORY_BOUND_MIB = 1024;
const ADDRESS_SPACE_KIB = 6 * 1024 * 1024;
let runner = '';

beforeAll(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tgraph-hostile-'));
  runner = path.join(dir, 'hostile-runner.js');
  await build({
    absWorkingDir: root,
    entryPoints: ['fuzz/hostile-runner.ts'],
    outfile: runner,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'warning',
  });
}, 120_000);

interface Measure {
  name: string;
  chars: number;
  ms: number;
  /** Of `ms`, the analysis alone (the rest is the CLI's presentation of it). */
  analyzeMs: number;
  riseMiB: number;
  diagnostics: number;
  codes: string;
}
const measures: Measure[] = [];

afterAll(() => {
  const rows = measures.map(
    (m) =>
      `  ${m.name.padEnd(42)} ${String(m.chars).padStart(9)} chars ${String(m.ms).padStart(7)} ms (analysis ${String(m.analyzeMs).padStart(6)} ms) ${String(m.riseMiB).padStart(6)} MiB peak rise ${String(m.diagnostics).padStart(7)} diagnostics  ${m.codes.slice(0, 90)}`,
  );
  console.log(`hostile inputs (analysis + CLI presentation, each in a fresh process):\n${rows.join('\n')}`);
  if (runner) fs.rmSync(path.dirname(runner), { recursive: true, force: true });
});

type Report = HostileReport & { text: string };

function hostile(name: string, text: string, options: AnalysisOptions = {}): Report {
  // The address space is capped (ulimit -v), so that an input that defeats the budgets fails
  // in its own process instead of taking the machine's memory from everything else.
  const r = spawnSync('/bin/sh', ['-c', `ulimit -v ${ADDRESS_SPACE_KIB} 2>/dev/null; exec "$0" "$@"`, process.execPath, runner], {
    input: JSON.stringify({ text, options }),
    encoding: 'utf8',
    timeout: CASE_TIMEOUT_MS,
    killSignal: 'SIGKILL',
    maxBuffer: 256 * 1024 * 1024,
  });
  const timedOut = r.status === null;
  let report: HostileReport | undefined;
  try {
    report = JSON.parse(r.stdout.trim().split('\n').pop() ?? '');
  } catch {
    report = undefined;
  }
  measures.push({
    name,
    chars: text.length,
    ms: report ? Math.round(report.ms) : -1,
    analyzeMs: report ? Math.round(report.analyzeMs) : -1,
    riseMiB: report ? Math.round(report.peakRssMiB - report.baseRssMiB) : -1,
    diagnostics: report?.diagnostics.length ?? -1,
    codes: timedOut
      ? `NO ANSWER within ${CASE_TIMEOUT_MS} ms`
      : report
        ? report.thrown
          ? `THREW ${report.thrown.split('\n')[0]}`
          : [...new Set(report.diagnostics.map((d) => d.code))].join(' ')
        : `process died: ${r.signal ?? r.status} ${r.stderr.slice(0, 300)}`,
  });
  expect(timedOut, `${name}: no answer within ${CASE_TIMEOUT_MS} ms`).toBe(false);
  expect(report, `${name}: the process died (${r.signal ?? r.status}): ${r.stderr.slice(0, 2000)}`).toBeDefined();
  expect(report!.thrown, `${name} threw`).toBeUndefined();
  expect(report!.peakRssMiB - report!.baseRssMiB).toBeLessThan(MEMORY_BOUND_MIB);
  for (const d of report!.diagnostics) {
    expect(d.start).toBeGreaterThanOrEqual(0);
    expect(d.end).toBeLessThanOrEqual(text.length);
    expect(d.message.length).toBeGreaterThan(0);
    // An exception the analysis caught is still a bug: it must not be how hostile input ends.
    expect(d.code, d.message).not.toBe('internal-error');
  }
  return { ...report!, text };
}

const errors = (a: Report) => a.diagnostics.filter((d) => d.severity === 'error');
const codes = (a: Report) => new Set(errors(a).map((d) => d.code));

describe('hostile inputs are answered with diagnostics, never an exception', () => {
  it('5,000 nested parentheses', () => {
    const a = hostile('5,000 nested parentheses', `y = ${'('.repeat(5000)}1${')'.repeat(5000)}\nz = 2\n`);
    expect(errors(a).length).toBeGreaterThan(0);
    expect(Object.keys(a.values)).toContain('z'); // the next statement still analysed
  });

  it('5,000 nested brackets, unary minuses and nots', () => {
    expect(errors(hostile('5,000 nested list brackets', `y = ${'['.repeat(5000)}1${']'.repeat(5000)}\n`)).length).toBeGreaterThan(0);
    expect(errors(hostile('5,000 unary minuses', `y = ${'-'.repeat(5000)}1.\n`)).length).toBeGreaterThan(0);
    expect(errors(hostile('5,000 nots', `y = ${'not '.repeat(5000)}True\n`)).length).toBeGreaterThan(0);
    expect(errors(hostile('5,000 unclosed parentheses', `y = ${'('.repeat(5000)}1\n`)).length).toBeGreaterThan(0);
    expect(errors(hostile('5,000 right-nested powers', `y = 1.${' ** 1.'.repeat(5000)}\n`)).length).toBeGreaterThan(0);
  });

  it('a 100,000-term sum on one line (a left-deep tree): over tgraph.maxNestingDepth', () => {
    const a = hostile('100,000-term sum', `y = 1.${' + 1.'.repeat(100_000)}\nafter = 2\n`);
    expect([...codes(a)]).toEqual(['nesting-too-deep']);
    expect(errors(a)[0].message).toContain('tgraph.maxNestingDepth');
    expect(a.values.after).toEqual([2]);
  });

  it('a 100,000-line file of valid statements (a chain 100,000 nodes deep)', () => {
    const lines = ['a0 = placeholder(float32, [2])', 'feed a0 = [1., 2.]'];
    for (let i = 1; i < 100_000; i++) lines.push(`a${i} = a${i - 1} + 1.`);
    lines.push('undefined_at_the_end + 1');
    const a = hostile('100,000-line chain', lines.join('\n') + '\n');
    expect([...codes(a)]).toEqual(['unknown-name']);
    expect(errors(a)[0].line).toBe(100_002);
  });

  it('a 100,000-line file where every line is an error: capped at tgraph.maxDiagnostics', () => {
    const lines = Array.from({ length: 100_000 }, (_, i) => (i % 2 ? `y = unknown_${i} *` : 'y = 1'));
    const a = hostile('100,000 erroneous lines', lines.join('\n'));
    expect(a.diagnostics).toHaveLength(1001);
    expect(a.diagnostics.at(-1)!.message).toContain('tgraph.maxDiagnostics');
  });

  // Two inputs that were quadratic: a did-you-mean over every bound name for every unknown
  // name, and every assert scanning every comment for its expect-fail marker.
  it('20,000 bound names and 20,000 unknown names', () => {
    const lines: string[] = [];
    for (let i = 0; i < 20_000; i++) lines.push(`name_${i} = ${i}.`);
    lines.push('use_0 = 1.');
    // Each a typo of the name bound just before it (suggestions look at the names bound most
    // recently when there are thousands: see MAX_BOUND_CANDIDATES in engine/suggest.ts).
    for (let i = 1; i <= 20_000; i++) lines.push(`use_${i} = use${i - 1} + 1.`);
    const a = hostile('20,000 unknown names among 20,000', lines.join('\n') + '\n', { maxDiagnostics: 100_000 });
    expect(errors(a)).toHaveLength(20_000);
    expect(errors(a)[0].message).toContain('did you mean `use_0`');
    expect(errors(a).at(-1)!.message).toContain('did you mean `use_19999`');
  });

  it('20,000 asserts and 20,000 comments', () => {
    const lines: string[] = ['x = 1.'];
    for (let i = 0; i < 20_000; i++) lines.push(`# note ${i}`, `assert x == 1.`);
    const a = hostile('20,000 asserts, 20,000 comments', lines.join('\n') + '\n');
    expect(errors(a)).toHaveLength(0);
  });

  it('a 10^9-element zeros', () => {
    const a = hostile('zeros([1000000000])', 'z = zeros([1000000000])\n');
    expect(errors(a).length).toBeGreaterThan(0);
    const b = hostile('zeros([100000, 100000])', 'z = zeros([100000, 100000])\ns = reduce_sum(z)\n');
    expect(errors(b).length).toBeGreaterThan(0);
    const c = hostile('ones([2147483648]) and fill', 'o = ones([2147483648])\nf = fill([1e9], 1.)\n');
    expect(errors(c).length).toBeGreaterThan(0);
  });

  it('a range of 10^12', () => {
    const a = hostile('range(10^12)', 'r = range(1000000000000)\n');
    expect(errors(a).length).toBeGreaterThan(0);
    const b = hostile('range(1e12) and range(inf)', 'r = range(1e12)\ns = range(0., inf)\n');
    expect(errors(b).length).toBeGreaterThan(0);
  });

  it('recursive defs, direct and mutual', () => {
    const direct = hostile('direct recursion', 'def f(x) = f(x) + 1\ny = f(2.)\n');
    expect(codes(direct)).toContain('recursive-def');
    const mutual = hostile('mutual recursion', 'def f(x) = g(x) * 2\ndef g(x) = f(x) - 1\ny = f(2.)\n');
    expect(codes(mutual)).toContain('recursive-def');
    // A grad rule that calls its own function is not recursion (the call is one level down),
    // and a second-order gradient goes through the rule again.
    const viaGrad = hostile(
      'a grad rule calling its function',
      "def f(x) = x * 2\ngrad f(x, dy) = f(dy)\nx = variable([1.])\ny = f(x)\ng = gradients(y, x)[0]\nh = gradients(g, x, unconnected_gradients='zero')[0]\n",
    );
    expect(viaGrad.values.g).toEqual([2]);
  });

  it('a chain of 1,000 defs each calling the previous one', () => {
    const lines = ['def f0(x) = x + 1'];
    for (let i = 1; i < 1000; i++) lines.push(`def f${i}(x) = f${i - 1}(x) * 1`);
    lines.push('y = f999(1.)');
    const a = hostile('1,000 nested def calls', lines.join('\n') + '\n');
    expect(errors(a).length).toBeGreaterThan(0); // nesting deeper than the call budget
  });

  it('a 200,000-character string', () => {
    const long = 'a'.repeat(200_000);
    const a = hostile('200,000-character string argument', `y = reduce_sum('${long}')\n`);
    expect(errors(a).length).toBeGreaterThan(0);
    const b = hostile('200,000-character unterminated string', `y = '${long}\nz = 1\n`);
    expect(errors(b).length).toBeGreaterThan(0);
    const c = hostile('200,000-character name', `${long} = 1\ny = ${long}b\n`);
    expect(codes(c)).toContain('unknown-name');
  });

  it('a file with a BOM and CRLF line endings', () => {
    const text = '\ufeffx = placeholder(float32, [2])\r\nfeed x = [1., 2.]\r\ny = x * 2\r\nz = nope + 1\r\n';
    const a = hostile('BOM + CRLF', text);
    expect(a.values.y).toEqual([2, 4]);
    expect([...codes(a)]).toEqual(['unknown-name']);
    const d = errors(a)[0];
    expect([d.line, d.column]).toEqual([4, 5]);
    expect(text.slice(d.start, d.end)).toBe('nope');
  });

  it('lone CRs, NULs, lone surrogates and a BOM in the middle', () => {
    const a = hostile('control characters', 'x = 1.\ry = x\u0000 + 1\nz = \ud800 + 1\nw = 2\ufeff * x\n');
    expect(errors(a).length).toBeGreaterThan(0);
  });

  it('a huge literal and a huge feed', () => {
    const row = `[${Array.from({ length: 1000 }, (_, i) => i % 7).join(', ')}]`;
    const a = hostile('1,000 x 1,000 literal, budget 1e5', `c = [${Array.from({ length: 1000 }, () => row).join(', ')}]\n`, {
      maxElements: 1e5,
    });
    expect(errors(a).length).toBeGreaterThan(0);
  });

  it('extreme numbers', () => {
    const a = hostile(
      'extreme numbers',
      'a = 1e39\nb = [1e39, -0., nan, inf]\nc = zeros([2147483648])\nd = zeros([-1])\ne = zeros([1.5])\nf = range(0, 10, 0)\ng = reshape([1., 2.], [-1, -1])\n',
    );
    expect(errors(a).length).toBeGreaterThan(0);
  });

  it('zero-element tensors with a 2^31 axis (the element budget lets them through)', () => {
    // Slicing, reversing, tiling or padding them must not allocate per-axis index maps of
    // 2^31 entries (8 GiB).
    const a = hostile(
      'zeros([0, 2147483647]) sliced, reversed, tiled, padded',
      'k = zeros([0, 2147483647])\nt = k[:, ::2]\nu = reverse(k, [1])\nw = tile(k, [1, 1])\np = pad(k, [[0, 0], [1, 1]])\n',
    );
    expect(a.values.t).toEqual([]);
    const b = hostile(
      'normal([3.4e38, 4, 0]) and a check on it',
      'a = normal([2, 1, 3, 4], seed=7)\nb = constant(normal([3.4028235e38, 4, -0], seed=8))\ncheck gradients(matmul(a, b) ** 2, [a, b])\n',
    );
    expect(b.diagnostics.length).toBeGreaterThan(0);
  });

  it('a full gradient check over an x of 10^5 elements stops at its budget', () => {
    const a = hostile('check over 1e5 elements', 'x = variable(zeros([100000]))\ny = reduce_sum(x * x)\ncheck gradients(y, x)\n');
    expect(a.diagnostics.length).toBeGreaterThan(0);
  });

  it('a jacobian of 10^4 x 10^4 elements stays within the element budget', () => {
    const a = hostile('jacobian 1e4 x 1e4', 'x = variable(zeros([10000]))\ny = x * 2.\nj = jacobian(y, x)\n');
    expect(errors(a).length).toBeGreaterThan(0);
  });
});
