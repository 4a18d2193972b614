// The quick fuzz run (issue 7): 5,000 generated and mutated programs with a fixed seed, each
// through parse → analysis (evaluation, gradients, checks, asserts) → the CLI presentation,
// and every saved regression file. A failure prints its minimised input and how to
// reproduce it; the full campaign is `npm run fuzz -- --count 100000`. The fuzzer's own
// parts (determinism, generator quality, mutation, minimisation, failure classification)
// are tested first, in process.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { build } from 'esbuild';
import { DEFAULT_HARNESS_OPTIONS, type HarnessOptions, runInput } from '../../fuzz/harness';
import { loadCorpus, makeInput } from '../../fuzz/inputs';
import type { FailureGroup } from '../../fuzz/campaign';
import { generateProgram } from '../../fuzz/generate';
import { mutate, tokenize } from '../../fuzz/mutate';
import { minimise } from '../../fuzz/minimise';
import { Rng } from '../../fuzz/rng';
import { lookupOp } from '../../engine/ops/registry';

const root = path.resolve(__dirname, '..', '..');
const SEED = 7_2024;
const COUNT = 5000;
const regressionsDir = path.join(root, 'test', 'fuzz-regressions');
const REGRESSION_TIMEOUT_MS = 60_000;

// Inside the test runner other test files share the process and the CPU: time is wall-clock
// and generous (the driver uses CPU time and 5 s).
const harness: HarnessOptions = { ...DEFAULT_HARNESS_OPTIONS, slowMs: 20_000, clock: 'wall' };

describe('the fuzzer itself', () => {
  it('makes the same input from the same seed and index, different ones otherwise', () => {
    const corpus = loadCorpus(root);
    expect(makeInput(5, 17, corpus).text).toBe(makeInput(5, 17, corpus).text);
    const texts = new Set(Array.from({ length: 50 }, (_, i) => makeInput(5, i, corpus).text));
    expect(texts.size).toBeGreaterThan(45);
  });

  it('generates programs that mostly parse and often analyse without errors', () => {
    let parsedClean = 0;
    let clean = 0;
    for (let i = 0; i < 200; i++) {
      const text = generateProgram(new Rng(1000 + i), { errorRate: 0 });
      const o = runInput(text, harness);
      expect(o.failures.filter((f) => f.kind === 'crash')).toEqual([]);
      if (!/syntax/.test(o.codes.join(' '))) parsedClean++;
      if (o.errors === 0) clean++;
    }
    // Without deliberate mistakes almost every program is syntactically right, and a good
    // share is right altogether (random op choice still mismatches shapes now and then).
    expect(parsedClean).toBeGreaterThan(180);
    expect(clean).toBeGreaterThan(40);
  });

  it('mutations keep the text a string and change it', () => {
    const text = 'x = placeholder(float32, [2])\nfeed x = [1., 2.]\ny = x * 2\n';
    expect(tokenize(text).join('')).toBe(text);
    let changed = 0;
    for (let i = 0; i < 100; i++) if (mutate(new Rng(i), text) !== text) changed++;
    expect(changed).toBeGreaterThan(90);
  });

  it('detects a planted failure and minimises it to the lines that matter', async () => {
    // An engine with this bug would answer `reverse(..., axis=None)` with an internal error;
    // here the predicate stands in for it.
    const text = 'a = 1.\nb = [1., 2.]\nc = reverse(b, axis=None)\nd = a + 2.\n';
    const m = await minimise(text, (t) => t.includes('reverse(') && t.includes('None'));
    expect(m.text.length).toBeLessThan(20);
    expect(m.text).toContain('reverse(');
  });

  it('classifies planted engine bugs', () => {
    // Plant bugs in one op for the length of this test (test files run isolated, and the op
    // is restored): each must be reported with the right kind.
    const op = lookupOp('exp')!;
    const saved = { kernel: op.kernel, infer: op.infer };
    const source = 'x = [0.5, 1.]\ny = exp(x)\n';
    const kinds = (): string[] => runInput(source, harness).failures.map((f) => f.kind);
    try {
      expect(kinds()).toEqual([]);
      op.kernel = () => {
        throw new TypeError('planted');
      };
      const thrown = runInput(source, harness).failures;
      expect(thrown.map((f) => f.kind)).toContain('internal-error');
      expect(thrown.find((f) => f.kind === 'internal-error')!.stack).toContain('planted');
      op.kernel = (_inputs, _attrs, out, ctx) => ctx.alloc(out.dtype, 1); // one element short
      expect(kinds()).toContain('type-mismatch');
      op.kernel = undefined; // no value and no diagnostic
      expect(kinds()).toContain('silent-error');
      op.kernel = saved.kernel;
      op.infer = (inputs) => ({ dtype: inputs[0].dtype, shape: [5] }); // static type disagrees
      expect(kinds().length).toBeGreaterThan(0);
    } finally {
      op.kernel = saved.kernel;
      op.infer = saved.infer;
    }
    expect(kinds()).toEqual([]);
  });
});

// The quick run and the regression files go through the real driver, bundled once, in child
// processes: a hang is killed by the driver's watchdog (or by the clock here) instead of
// stalling the test run, time is CPU time, and memory is sampled per input.
let driver = '';
let driverDir = '';

beforeAll(async () => {
  driverDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tgraph-fuzz-'));
  driver = path.join(driverDir, 'fuzz.js');
  await build({
    absWorkingDir: root,
    entryPoints: ['fuzz/run.ts'],
    outfile: driver,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: true,
    logLevel: 'warning',
  });
}, 120_000);

afterAll(() => {
  if (driverDir) fs.rmSync(driverDir, { recursive: true, force: true });
});

function runDriver(args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--enable-source-maps', driver, ...args], { cwd: root });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe(`quick fuzz run: ${COUNT} inputs, seed ${SEED}`, () => {
  it('finds no crash, hang, silent error or broken output', async () => {
    const summary = path.join(driverDir, 'summary.json');
    console.log(
      `fuzz quick run: seed ${SEED}, ${COUNT} inputs; reproduce one input with: npm run fuzz -- --seed ${SEED} --start I --count 1 --jobs 0`,
    );
    const r = await runDriver(
      [
        '--seed',
        String(SEED),
        '--count',
        String(COUNT),
        '--jobs',
        '2',
        '--no-save',
        '--minimise-ms',
        '15000',
        '--hang-ms',
        '15000',
        '--quiet',
        '--json',
        summary,
      ],
      1_500_000,
    );
    console.log(r.stdout + r.stderr);
    expect(fs.existsSync(summary), `the driver did not finish (exit ${r.code})`).toBe(true);
    const result = JSON.parse(fs.readFileSync(summary, 'utf8')) as { stats: { inputs: number }; failures: FailureGroup[] };
    expect(result.stats.inputs).toBe(COUNT);
    // Every failure, with its minimised input, in the assertion message.
    expect(
      result.failures.map(
        (g) =>
          `[${g.kind}] ${g.message} ${g.location ?? ''} — inputs ${g.examples.join(', ')}, minimised: ${JSON.stringify(g.minimised ?? g.input)}`,
      ),
    ).toEqual([]);
    expect(r.code).toBe(0);
  }, 1_600_000);
});

const regressionFiles = fs.existsSync(regressionsDir)
  ? fs
      .readdirSync(regressionsDir)
      .filter((f) => f.endsWith('.tgraph') || f.endsWith('.py'))
      .sort()
  : [];

describe('saved fuzz regressions analyse without a failure', () => {
  it('the folder exists', () => {
    expect(fs.existsSync(regressionsDir)).toBe(true);
  });
  it.each(regressionFiles)(
    '%s',
    (file) => {
      const text = fs.readFileSync(path.join(regressionsDir, file), 'utf8');
      // --check: exit 0 when the input passes, 1 with its failures as JSON on stdout.
      // The address space is capped (ulimit -v) so that a reproducer of a memory bug fails in
      // its own process instead of taking the machine's memory from everything else.
      const r = spawnSync(
        '/bin/sh',
        [
          '-c',
          `ulimit -v ${6 * 1024 * 1024} 2>/dev/null; exec "$0" "$@"`,
          process.execPath,
          '--enable-source-maps',
          driver,
          '--check',
          // A Python script is checked as the Python mode runs it.
          ...(file.endsWith('.py') ? ['--python'] : []),
        ],
        { cwd: root, input: text, encoding: 'utf8', timeout: REGRESSION_TIMEOUT_MS, killSignal: 'SIGKILL' },
      );
      expect(r.status, `no answer within ${REGRESSION_TIMEOUT_MS} ms`).not.toBeNull();
      const failures =
        r.status === 1 ? (JSON.parse(r.stdout) as { kind: string; message: string }[]).map((f) => `[${f.kind}] ${f.message}`) : [];
      expect(failures).toEqual([]);
      expect(r.status, r.stderr).toBe(0);
    },
    REGRESSION_TIMEOUT_MS + 10_000,
  );
});
