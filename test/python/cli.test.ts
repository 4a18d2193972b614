// The CLI on Python: `tgraph run script.py` (what the script prints, then every binding and
// the gradient explanations), `run --json` (the spec's contract, names bound by unpacking
// included), `run - --python` (standard input), `tgraph test` (asserts and check comments).

import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as os from 'os';

const root = path.resolve(__dirname, '..', '..');
const cli = path.join(root, 'dist', 'cli.js');

function tgraph(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', input, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  if (!fs.existsSync(cli)) spawnSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { cwd: root });
});

/** The rows of a printed float32 matrix that follows `label` in the output. */
function matrixAfter(out: string, label: string): number[][] {
  const at = out.indexOf(label);
  expect(at, label).toBeGreaterThanOrEqual(0);
  const rows: number[][] = [];
  for (const line of out
    .slice(at + label.length)
    .split('\n')
    .slice(1)) {
    const m = /^\s*\[+([^\]]*)\]/.exec(line);
    if (!m) break;
    rows.push(m[1].trim().split(/\s+/).map(Number));
    if (line.trimEnd().endsWith(']]')) break;
  }
  return rows;
}

describe('tgraph run on the seed scripts', () => {
  it('answer.py (unchanged): dz/dx is twice dy/dx for the sampled x, and the stack is explained', () => {
    // The seed's script, byte for byte (its SHA-256).
    expect(
      createHash('sha256')
        .update(fs.readFileSync(path.join(root, 'examples/python/answer.py')))
        .digest('hex'),
    ).toBe('3679a417fa8575d546fac711edd245c4cb0f8029a24d08770bfcf6b390ae6c4f');
    const r = tgraph(['run', 'examples/python/answer.py']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const x = matrixAfter(r.stdout, 'x = ');
    const dy = matrixAfter(r.stdout, 'dy/dx = ');
    const dz = matrixAfter(r.stdout, 'dz/dx = ');
    expect(x).toHaveLength(4);
    expect(dy).toEqual(x.map((row) => row.map((v) => 4 * v)));
    expect(dz).toEqual(dy.map((row) => row.map((v) => 2 * v)));
    expect(r.stdout).toMatch(/each x\[i,j\] reaches 2 of them \(axis 0 of z\b[^)]*from stack at line 7\)/);
  });

  it('answer.py with np.random.seed(0) first prints x exactly as NumPy does', () => {
    const r = tgraph(['run', 'examples/python/answer_seeded.py']);
    expect(r.stdout).toContain('x.shape = (4, 3)\nx = \n [[5 0 3]\n [3 7 9]\n [3 5 2]\n [4 7 6]]\n');
    expect(r.stdout).toContain('dz/dx = \n [[40.  0. 24.]\n [24. 56. 72.]\n [24. 40. 16.]\n [32. 56. 48.]]\n');
  });

  it('question.py (no imports) runs with one information diagnostic: the imports it assumed', () => {
    const r = tgraph(['run', '--json', 'examples/python/question.py']);
    const o = JSON.parse(r.stdout);
    expect(o.diagnostics.map((d: { severity: string; code: string }) => `${d.severity} ${d.code}`)).toEqual([
      'information assumed-imports',
    ]);
    expect(o.values.grads_val).toHaveLength(1);
    expect(o.values.grads_val[0].shape).toEqual([4, 3]);
  });
});

describe('tgraph run --json on a script', () => {
  it('follows the JSON contract, with names bound by unpacking, the prints and the explanations', () => {
    const r = tgraph(['run', '--json', 'examples/python/softmax_regression.py']);
    expect(r.code).toBe(0);
    const o = JSON.parse(r.stdout);
    expect(Object.keys(o)).toEqual(expect.arrayContaining(['values', 'checks', 'asserts', 'diagnostics', 'explanations', 'prints']));
    for (const name of ['ce', 'ce2', 'gW', 'gb', 'grad_W', 'grad_b']) expect(o.values[name], name).toBeDefined();
    expect(o.values.gW).toMatchObject({ dtype: 'float32', shape: [4, 3] });
    expect(o.checks).toHaveLength(1);
    expect(o.checks[0].passed).toBe(true);
    expect(o.explanations.grad_W).toMatchObject({ ysElements: 1 });
    expect(o.prints[0]).toMatchObject({ line: 21 });
    expect(o.prints[0].text).toMatch(/^cross entropy /);
  });
});

describe('tgraph run - --python', () => {
  it('reads a pasted script from standard input', () => {
    const r = tgraph(
      ['run', '-', '--python'],
      'import tensorflow as tf\nx = tf.constant([1., 2.])\ny = tf.reduce_sum(x * x)\nsess = tf.Session()\nprint(sess.run(y))\n',
    );
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith('5.0\n\n')).toBe(true);
    expect(r.stdout).toContain('y: float32[] (from sess.run at line 5)');
  });
});

describe('tgraph test on scripts', () => {
  it('counts Python asserts and check comments, and fails on a failing one', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tgraph-py-'));
    try {
      fs.writeFileSync(
        path.join(dir, 'ok.py'),
        'import tensorflow as tf\nx = tf.constant([1., 2.])\ny = tf.reduce_sum(x ** 3)\n# tgraph: check gradients(y, x)\nassert 1 + 1 == 2\n',
      );
      fs.writeFileSync(
        path.join(dir, 'bad.py'),
        'import numpy as np\nimport tensorflow as tf\na = np.ones(3)\nassert a.sum() == 4, "the sum"\n',
      );
      fs.writeFileSync(path.join(dir, 'other.py'), 'print("not a TensorFlow script")\n');
      const r = tgraph(['test', dir]);
      expect(r.stdout).toContain('AssertionError: the sum: a.sum() == 4; a.sum() = 3.0');
      expect(r.stdout.trim().split('\n').pop()).toBe('2 passed, 1 failed');
      expect(r.code).toBe(1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('tgraph run on a script with a syntax error', () => {
  it("leaves the broken statements out and says why in Python's words, with no diagnostic (PYTHON.md)", () => {
    const r = tgraph(['run', '-', '--python'], 'import tensorflow as tf\nx = 1 +* 2\nprint x\ny = 3 z = 4\nw = 5\n');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('not evaluated (line 2): not valid Python (SyntaxError: invalid syntax), left out\n');
    expect(r.stdout).toContain(
      "not evaluated (line 3): not valid Python (SyntaxError: Missing parentheses in call to 'print'. Did you mean print(...)?), left out\n",
    );
    expect(r.stdout.match(/not evaluated \(line 4\): not valid Python \(SyntaxError: invalid syntax\), left out\n/g)).toHaveLength(2);
    expect(r.stdout).not.toContain('information:');
    expect(r.stdout).toMatch(/^w: int32\[\] {4}\(line 5\)\n5$/m);
    expect(r.stdout).not.toMatch(/^[yz]: int32/m);
    const json = JSON.parse(tgraph(['run', '--json', '-', '--python'], 'import tensorflow as tf\nx = 1 +* 2\n').stdout);
    expect(json.diagnostics).toEqual([]);
  });
});

describe('tgraph test with expect-fail', () => {
  it('counts a Python assert or check marked expect-fail as passed when it fails, and failed when it passes', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tgraph-py-'));
    try {
      fs.writeFileSync(
        path.join(dir, 'marked.py'),
        [
          'import tensorflow as tf',
          'x = tf.constant([1., 2.])',
          'y = tf.reduce_sum(tf.abs(x))',
          'assert 1 == 2  # expect-fail',
          '# expect-fail: the next one passes, which is the failure',
          'assert 2 == 2',
          '# tgraph: check gradients(y, x)  (expect-fail: but it passes)',
          '',
        ].join('\n'),
      );
      const r = tgraph(['test', dir]);
      expect(r.stdout.trim().split('\n').pop()).toBe('1 passed, 2 failed');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('tgraph run on hostile scripts (test/fixtures/python-hostile)', () => {
  it('lists that share their items: the values as Python text, with a note at the name, and exit 0', () => {
    const file = path.join('test', 'fixtures', 'python-hostile', 'list-dag.py');
    const r = tgraph(['run', file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${file}:4:5: information: \`x\` is a list of more than 10,000 items once its nested lists are expanded`);
    expect(r.stdout.length).toBeLessThan(3_000_000);
    const json = tgraph(['run', '--json', file]);
    expect(json.code).toBe(0);
    const o = JSON.parse(json.stdout) as { values: Record<string, unknown>; diagnostics: { line: number; column: number; code: string }[] };
    expect(o.values.x).toBeNull();
    expect(o.diagnostics.map((d) => `${d.line}:${d.column} ${d.code}`)).toEqual(['4:5 budget-elements']);
  });

  it('a shared list fetched by sess.run or made a tensor: an error at the argument, and exit 1', () => {
    const file = path.join('test', 'fixtures', 'python-hostile', 'nested-fetch.py');
    const r = tgraph(['run', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`${file}:7:14: error: the fetches of sess.run: this list holds more than 10,000,000 items`);
    expect(r.stdout).toContain(`${file}:11:14: error: a nested list made a tensor: this list holds more than 10,000,000 items`);
  });
});
