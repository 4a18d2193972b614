// Issue 15's findings, each a hostile input for the CLI (committed in test/fixtures/hostile/,
// or generated here when its point is its size): every one ends with a positioned diagnostic
// naming the setting that bounds it, through the analysis worker, never a hang or a stack
// trace. The time each takes is printed, not asserted (the machine may be busy); a case that
// hangs is killed by the spawn's timeout and fails. The longest case took 14 s here (load 15):
// the spawn's guard and the test's timeout are twenty times that, so a machine three times as
// slow still passes, and only a hang meets them.

import { beforeAll, describe, expect, it, vi } from 'vitest';
import { spawnSync, execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const root = path.resolve(__dirname, '..', '..');
const cli = path.join(root, 'dist', 'cli.js');
const hostile = (name: string) => path.join(root, 'test', 'fixtures', 'hostile', name);
const HANG_GUARD_MS = 300_000;
vi.setConfig({ testTimeout: 2 * HANG_GUARD_MS });

function tgraph(args: string[], cwd = root) {
  const started = Date.now();
  const r = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', timeout: HANG_GUARD_MS, maxBuffer: 256 * 1024 * 1024 });
  const ms = Date.now() - started;
  console.log(`tgraph ${args.map((a) => path.basename(a)).join(' ')}: ${ms} ms, exit ${r.status}`);
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', signal: r.signal };
}

/** The `FILE:LINE:COL: error: message` lines of a run. */
function errors(stdout: string): { line: number; column: number; message: string }[] {
  return [...stdout.matchAll(/^.*?:(\d+):(\d+): error: (.*)$/gm)].map((m) => ({ line: Number(m[1]), column: Number(m[2]), message: m[3] }));
}

beforeAll(() => {
  if (!fs.existsSync(cli)) execFileSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { cwd: root });
}, 120_000);

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'tgraph-bounded-'));

describe('graph building is bounded', () => {
  it.each([
    ['nested-defs.tgraph', 'thirty nested functions each calling the previous twice'],
    ['nested-gradients.tgraph', 'sixteen nested gradients'],
    ['concat-copies.tgraph', 'the gradient of a concat of 20,000 copies'],
  ])('%s (%s): one positioned diagnostic naming the budget', (file) => {
    const r = tgraph(['run', hostile(file)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    const found = errors(r.stdout);
    expect(found).toHaveLength(1);
    expect(found[0].line).toBeGreaterThan(1);
    expect(found[0].message).toMatch(/building stopped.*\(raise tgraph\.(evaluationTimeoutMs|maxGraphNodes)\)/);
  });

  it('a smaller node budget set with --set stops the expansion by nodes, at the call that passed it', () => {
    const r = tgraph(['run', '--set', 'maxGraphNodes=5000', hostile('nested-defs.tgraph')]);
    const found = errors(r.stdout);
    expect(found).toHaveLength(1);
    expect(found[0].message).toMatch(/passed 5,000 nodes.*\(raise tgraph\.maxGraphNodes\)/);
  });
});

describe('every kernel checks its deadline', () => {
  // The budget is ten times what comes before each kernel (up to 0.4 s here, at load 15: the
  // worker, the fills), and each kernel's line is ten times the budget of CPU: a machine three
  // times as fast or as slow still stops inside it, on its line.
  const KERNEL_BUDGET_MS = 5000;
  it.each([
    ['conv2d.tgraph', 'conv2d', 4],
    ['tensordot.tgraph', 'einsum', 3],
    ['matmul.tgraph', 'matmul', 3],
    ['einsum-chain.tgraph', 'einsum', 3],
    ['max-pool.tgraph', 'max_pool2d', 3],
    ['inverse.tgraph', 'matrix_inverse', 3],
  ])('%s stops inside %s with a diagnostic on its line', (file, op, line) => {
    const r = tgraph(['run', '--set', `evaluationTimeoutMs=${KERNEL_BUDGET_MS}`, hostile(file)]);
    expect(r.code).toBe(1);
    const found = errors(r.stdout);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({
      line,
      message: expect.stringMatching(
        new RegExp(`^${op}: stopped inside the kernel: the time budget ran out \\(raise tgraph\\.evaluationTimeoutMs\\)`),
      ),
    });
  });

  it('a time-out is one diagnostic, not one per node', () => {
    const dir = tmp();
    const lines = [
      'x = placeholder(float32, [None, 8])',
      'feed x = uniform([16, 8], seed=1)',
      'w0 = variable(uniform([8, 8], seed=2))',
      'h0 = x',
    ];
    for (let i = 1; i <= 1000; i++) lines.push(`h${i} = tanh(h${i - 1} @ w0) + 0.01 * h${i - 1}`);
    const file = path.join(dir, 'chain.tgraph');
    fs.writeFileSync(file, lines.join('\n') + '\n');
    const r = tgraph(['run', '--set', 'evaluationTimeoutMs=1', file]);
    const timeouts = errors(r.stdout).filter((e) => /time budget ran out/.test(e.message));
    expect(timeouts).toHaveLength(1);
  });
});

describe('memory is counted in bytes', () => {
  it('float64 tensors count 8 bytes an element', () => {
    const r = tgraph(['run', '--set', 'evaluationTimeoutMs=600000', hostile('float64-bytes.tgraph')]);
    const found = errors(r.stdout);
    expect(found).toHaveLength(1);
    expect(found[0].message).toMatch(/more than 800,000,000 bytes in all \(raise tgraph\.maxTotalBytes\)/);
  });

  it('shape() of a size past int32 is an error, not a wrapped number', () => {
    const r = tgraph(['run', hostile('shape-int32.tgraph')]);
    expect(errors(r.stdout)[0]).toMatchObject({ line: 3, message: expect.stringMatching(/3000000000, which does not fit in int32/) });
  });
});

describe('output is streamed and bounded', () => {
  it('run --json stays one valid JSON object and marks what the byte budget left out', () => {
    // (Time enough to compute every value, whatever the machine's load: the point is the bytes.)
    const r = tgraph([
      'run',
      '--json',
      '--set',
      'maxOutputBytes=2000000',
      '--set',
      'evaluationTimeoutMs=600000',
      hostile('json-size.tgraph'),
    ]);
    const o = JSON.parse(r.stdout);
    expect(r.stdout.length).toBeLessThan(2_000_000);
    expect(Object.keys(o.values)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(o.truncated.maxOutputBytes).toBe(2_000_000);
    expect(o.truncated.message).toMatch(/raise tgraph\.maxOutputBytes/);
  });

  it('text run ends with a marked summary past the budget', () => {
    const r = tgraph(['run', '--set', 'maxOutputBytes=300', '--set', 'evaluationTimeoutMs=600000', hostile('json-size.tgraph')]);
    expect(Buffer.byteLength(r.stdout)).toBeLessThan(300 + 400);
    expect(r.stdout).toMatch(/output stopped at the budget of 300 bytes: .* not shown \(raise tgraph\.maxOutputBytes\)/);
  });

  it('a tensor of rank 5,000 prints (flat), no stack overflow', () => {
    const r = tgraph(['run', hostile('rank-5000.tgraph')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('rank-5000 array, flat: [1.]');
  });

  it('a reader that goes away (| head -1) ends the command quietly', () => {
    const out = execFileSync('/bin/sh', ['-c', `"${process.execPath}" "${cli}" run "${hostile('json-size.tgraph')}" 2>&1 | head -1`], {
      encoding: 'utf8',
      timeout: HANG_GUARD_MS,
    });
    expect(out.trim().split('\n')).toHaveLength(1);
    expect(out).not.toMatch(/EPIPE|Error|at /);
  });
});

describe('file shape is bounded', () => {
  it('a file of 900,000 bindings (7 MB) analyses its first maxStatements and says where it stopped', () => {
    const dir = tmp();
    const file = path.join(dir, 'many.tgraph');
    const lines: string[] = [];
    for (let i = 0; i < 900_000; i++) lines.push(`v${i.toString(36)}=1`);
    fs.writeFileSync(file, lines.join('\n') + '\n');
    const r = tgraph(['run', '--set', 'maxOutputBytes=100000', '--set', 'evaluationTimeoutMs=600000', file]);
    const found = errors(r.stdout).filter((e) => /statements/.test(e.message));
    expect(found).toEqual([
      {
        line: 200_001,
        column: 1,
        message: expect.stringMatching(/900,000 statements: the 700,000 from here on are not analysed \(raise tgraph\.maxStatements\)/),
      },
    ]);
  });

  it('a 7.9 MB line is not analysed, and a diagnostic never copies a megabyte string', () => {
    const dir = tmp();
    const file = path.join(dir, 'long.tgraph');
    fs.writeFileSync(file, `x = 1.\ny = placeholder('${'a'.repeat(7_900_000)}', [2])\n`);
    const r = tgraph(['run', file]);
    const found = errors(r.stdout);
    expect(found[0]).toMatchObject({
      line: 2,
      message: expect.stringMatching(/7,900,0\d\d characters, over the budget of 1,000,000 \(raise tgraph\.maxLineLength\)/),
    });
    // With the line allowed, the unknown dtype is reported with the string cut short.
    const allowed = tgraph(['run', '--set', 'maxLineLength=10000000', file]);
    const dtype = errors(allowed.stdout).find((e) => /dtype/.test(e.message));
    expect(dtype).toBeDefined();
    expect(dtype!.message.length).toBeLessThan(2100);
  });
});

describe('budgets from the command line and a config file', () => {
  const file = () => {
    const dir = tmp();
    const f = path.join(dir, 'big.tgraph');
    fs.writeFileSync(f, 'a = ones([2000])\n');
    return { dir, f };
  };

  it('--set maxElements=... is the "raise tgraph.maxElements" of the CLI', () => {
    const { f } = file();
    const tight = tgraph(['run', '--set', 'maxElements=1000', f]);
    expect(errors(tight.stdout)[0].message).toMatch(
      /over the budget of 1,000 \(raise tgraph\.maxElements\)|1,000.*raise tgraph\.maxElements/,
    );
    expect(tgraph(['run', f]).code).toBe(0);
  });

  it('tgraph.config.json in the current folder sets budgets; --set wins over it', () => {
    const { dir, f } = file();
    fs.writeFileSync(path.join(dir, 'tgraph.config.json'), JSON.stringify({ 'tgraph.maxElements': 1000 }));
    expect(tgraph(['run', f], dir).code).toBe(1);
    expect(tgraph(['run', '--set', 'maxElements=5000', f], dir).code).toBe(0);
  });

  it('refuses unknown settings and bad values with a message, no stack trace', () => {
    const { f } = file();
    const r = tgraph(['run', '--set', 'maxElemnts=5', f]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/unknown setting 'maxElemnts'/);
    const bad = tgraph(['run', '--set', 'maxElements=-3', f]);
    expect(bad.stderr).toMatch(/maxElements must be a number ≥ 1/);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('tgraph test', () => {
  it('reports unreadable paths (a broken link, a link loop) and goes on', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'ok.tgraph'), 'assert 1 == 1\n');
    fs.symlinkSync(path.join(dir, 'missing.tgraph'), path.join(dir, 'broken.tgraph'));
    fs.symlinkSync(path.join(dir, 'loop.tgraph'), path.join(dir, 'loop.tgraph'));
    fs.symlinkSync(dir, path.join(dir, 'again'));
    const r = tgraph(['test', dir]);
    expect(r.stdout).toMatch(/broken\.tgraph: cannot read \(ENOENT\)/);
    expect(r.stdout).toMatch(/loop\.tgraph: cannot read \(ELOOP\)/);
    expect(r.stdout).toMatch(/^1 passed, 2 failed$/m);
    expect(r.stderr).toBe('');
  });
});
