// Malformed files: each gives the expected diagnostics (code, severity, message, exact
// 1-based position, related places) without throwing, and the rest of the file still
// analyses (a later valid binding has its value). Each file also goes through the CLI
// (`tgraph run --json`): exit code 0 or 1, no stack trace, output valid against the spec.

import { spawnSync } from 'child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flatten, run, type Plain } from '../support/engine';
import { validateRunJson } from '../support/jsonShape';

interface Expected {
  code: string;
  severity?: 'error' | 'warning' | 'information';
  /** 1-based start of the diagnostic's range. */
  line: number;
  column: number;
  /** 1-based end, when the test pins it. */
  endLine?: number;
  endColumn?: number;
  /** Fragments the message must contain. */
  message: (string | RegExp)[];
  /** Related places (1-based starts), e.g. the first binding of a double binding. */
  related?: { line: number; column: number; message?: string | RegExp }[];
}

interface Case {
  name: string;
  src: string;
  /** Every error/warning the file must give, in source order (information is not listed). */
  expected: Expected[];
  /** A binding after the faults that must still have its value. */
  after: { name: string; value: Plain };
}

const CASES: Case[] = [
  {
    name: 'several syntax errors in one file: each reported, the rest analysed',
    src: 'x = variable([1.0, 2.0])\ny = x +\nz = 3 $ 4\nq = 2 ** * 3\nafter = x * 3.0\n',
    expected: [
      { code: 'syntax', line: 2, column: 8, message: ['expected an expression'] },
      { code: 'syntax', line: 3, column: 7, endLine: 3, endColumn: 8, message: ["unexpected character '$'"] },
      { code: 'syntax', line: 4, column: 10, message: ['expected an expression'] },
    ],
    after: { name: 'after', value: [3, 6] },
  },
  {
    name: 'an unclosed parenthesis and an unterminated string',
    // newlines are ignored inside brackets, but a line that reads as a new statement
    // (`ok1 = a`) ends the unclosed one, so it still binds
    src: "a = 2.0\nw = (a * 2.0\nok1 = a\ns = 'abc\nafter = a + ok1\n",
    expected: [
      { code: 'syntax', line: 2, column: 5, endLine: 2, endColumn: 6, message: ["unclosed '('"] },
      { code: 'syntax', line: 4, column: 5, message: ['unterminated string'] },
    ],
    after: { name: 'after', value: 4 },
  },
  {
    name: 'a statement missing its target, and a stray closing bracket',
    src: '= 5\nb = 1 + 2)\nafter = 4\n',
    expected: [
      { code: 'syntax', line: 1, column: 1, message: [] },
      { code: 'syntax', line: 2, column: 10, message: [')'] },
    ],
    after: { name: 'after', value: 4 },
  },
  {
    name: 'a bracket left open at the end of the file',
    src: 'first = 1\nlast = [1, 2\n',
    expected: [{ code: 'syntax', line: 2, column: 8, message: ["'['"] }],
    after: { name: 'first', value: 1 },
  },
  {
    name: 'an unknown name, with a did-you-mean',
    src: 'x = variable([1.0])\ny = xx * 2.0\nafter = x + 1.0\n',
    expected: [{ code: 'unknown-name', line: 2, column: 5, endLine: 2, endColumn: 7, message: ['`xx`', 'did you mean `x`'] }],
    after: { name: 'after', value: [2] },
  },
  {
    name: 'unknown names: the first one of a statement is reported, and names bound to its error stay silent',
    // (an assignment's operands are resolved without exceptions: the same diagnostics as the
    // exception path, one per statement, none for later uses of the failed binding)
    src: 'x = 1.0\ny = xx * (zz + 1.0)\nw = y + qq\nv = -vv\nu = x + yy + zz\nafter = x + 1.0\n',
    expected: [
      { code: 'unknown-name', line: 2, column: 5, endLine: 2, endColumn: 7, message: ['`xx`'] },
      { code: 'unknown-name', line: 4, column: 6, endLine: 4, endColumn: 8, message: ['`vv`'] },
      { code: 'unknown-name', line: 5, column: 9, endLine: 5, endColumn: 11, message: ['`yy`', 'did you mean `y`'] },
    ],
    after: { name: 'after', value: 2 },
  },
  {
    name: 'an unknown op, with a did-you-mean',
    src: 'x = variable([1.0])\ny = reduce_summ(x, axis=0)\nafter = x + 1.0\n',
    expected: [
      { code: 'unknown-op', line: 2, column: 5, endLine: 2, endColumn: 16, message: ['`reduce_summ`', 'did you mean `reduce_sum`'] },
    ],
    after: { name: 'after', value: [2] },
  },
  {
    name: 'an unknown keyword argument and a misspelt dtype, with did-you-means',
    src: 'x = variable([[1.0, 2.0]])\ns = reduce_sum(x, axs=1)\np = placeholder(flaot32, [2])\nafter = x * 2.0\n',
    expected: [
      { code: 'unknown-argument', line: 2, column: 19, endLine: 2, endColumn: 22, message: ['`axs`', 'did you mean `axis`'] },
      { code: 'unknown-name', line: 3, column: 17, endLine: 3, endColumn: 24, message: ['`flaot32`', 'did you mean `float32`'] },
    ],
    after: { name: 'after', value: [[2, 4]] },
  },
  {
    name: 'use before definition points at both places',
    src: 'y = a * 2\na = 3\nafter = a + 1\n',
    expected: [
      {
        code: 'use-before-definition',
        line: 1,
        column: 5,
        endLine: 1,
        endColumn: 6,
        message: ['`a`', 'before it is defined', 'line 2'],
        related: [{ line: 2, column: 1 }],
      },
    ],
    after: { name: 'after', value: 4 },
  },
  {
    name: 'double binding points at both places',
    src: 'a = 1\nb = 2\na = 5\nafter = a + b\n',
    expected: [
      {
        code: 'double-binding',
        line: 3,
        column: 1,
        endLine: 3,
        endColumn: 2,
        message: ['`a`', 'already bound', 'line 1'],
        related: [{ line: 1, column: 1 }],
      },
    ],
    // the first binding stands
    after: { name: 'after', value: 3 },
  },
  {
    name: 'a dtype mismatch (float32 + int32 tensor) at the offending argument',
    src: 'x = constant([1.0, 2.0])\ni = constant([1, 2])\ny = x + i\nafter = x * 2.0\n',
    expected: [{ code: 'dtype-mismatch', line: 3, column: 9, endLine: 3, endColumn: 10, message: ['int32', 'float32', 'cast'] }],
    after: { name: 'after', value: [2, 4] },
  },
  {
    name: 'shape mismatches at the offending argument, with both shapes',
    src: 'a = zeros([2, 3])\nb = zeros([4])\nc = a + b\nm = matmul(a, zeros([2, 3]))\nr = reshape(a, [4, 2])\nafter = a + 1.0\n',
    expected: [
      { code: 'shape-mismatch', line: 3, column: 9, endLine: 3, endColumn: 10, message: ['[2, 3]', '[4]'] },
      { code: 'shape-mismatch', line: 4, column: 15, endLine: 4, endColumn: 28, message: ['[2, 3]', 'inner dimensions'] },
      { code: 'shape-mismatch', line: 5, column: 16, message: ['[4, 2]', '6'] },
    ],
    after: {
      name: 'after',
      value: [
        [1, 1, 1],
        [1, 1, 1],
      ],
    },
  },
  {
    name: 'a feed whose shape does not match the placeholder',
    src: 'x = placeholder(float32, [None, 3])\nfeed x = [[1, 2]]\nafter = 2\n',
    expected: [
      {
        code: 'shape-mismatch',
        line: 2,
        column: 10,
        endLine: 2,
        endColumn: 18,
        message: ['[1, 2]', '[?, 3]'],
        related: [{ line: 1, column: 5 }],
      },
    ],
    after: { name: 'after', value: 2 },
  },
  {
    name: 'a feed of a non-placeholder, and a second feed of a placeholder',
    src: 'v = variable([1.0])\nfeed v = [2.0]\np = placeholder(float32, [1])\nfeed p = [1.0]\nfeed p = [3.0]\nafter = v * 2.0 + p\n',
    expected: [
      { code: 'feed-target', line: 2, column: 6, endLine: 2, endColumn: 7, message: ['`v`', 'not a placeholder'] },
      { code: 'double-feed', line: 5, column: 6, message: ['`p`', 'already fed', 'line 4'], related: [{ line: 4, column: 6 }] },
    ],
    after: { name: 'after', value: [3] },
  },
  {
    name: '5,000 open parentheses are one diagnostic, not a stack overflow',
    src: `a = 1\ny = ${'('.repeat(5000)}1${')'.repeat(5000)}\nz = ${'('.repeat(5000)}\nafter = a + 1\n`,
    expected: [
      { code: 'nesting-too-deep', line: 2, column: 205, message: ['nested too deeply'] },
      { code: 'nesting-too-deep', line: 3, column: 205, message: ['nested too deeply'] },
    ],
    after: { name: 'after', value: 2 },
  },
  {
    name: 'a recursive def',
    src: 'def f(x) = f(x) + 1.0\ny = f(2.0)\nafter = 2\n',
    expected: [{ code: 'recursive-def', line: 1, column: 12, message: ['`f` calls itself', 'recursive'] }],
    after: { name: 'after', value: 2 },
  },
  {
    name: 'a 10^9-element zeros is over the element budget',
    src: 'z = zeros([1000, 1000, 1000])\nafter = 2\n',
    expected: [{ code: 'budget-elements', line: 1, column: 5, message: ['1,000,000,000 elements', 'budget', 'tgraph.maxElements'] }],
    after: { name: 'after', value: 2 },
  },
  {
    name: 'a range of 10^12 elements is over the budget (not silently wrapped to int32)',
    src: 'r = range(1000000000000)\nrf = range(0.0, 1e12, 1.0)\nafter = 2\n',
    expected: [
      { code: 'budget-elements', line: 1, column: 5, message: ['budget'] },
      { code: 'budget-elements', line: 2, column: 6, message: ['range() of 999,999,995,904 elements', 'budget', 'tgraph.maxElements'] },
    ],
    after: { name: 'after', value: 2 },
  },
  {
    name: 'NaN produced by log(-1) is a warning naming the node',
    src: 'x = constant([1.0, -1.0])\ny = log(x)\nz = y * 2.0\nafter = 2\n',
    // one warning, at the first node that made the NaN (z only propagates it)
    expected: [{ code: 'non-finite', severity: 'warning', line: 2, column: 5, endLine: 2, endColumn: 11, message: ['log', 'NaN', '`y`'] }],
    after: { name: 'after', value: 2 },
  },
  {
    name: 'failed asserts show the values',
    src: 'a = constant([1.0, 2.0])\nb = constant([1.0, 2.5])\nassert allclose(a, b)\nassert equal(a, b)\nassert a < 3.0\nafter = 2\n',
    expected: [
      { code: 'assert-failed', line: 3, column: 8, endLine: 3, endColumn: 22, message: ['allclose(a, b)', 'False', '[1.  2.5]'] },
      { code: 'assert-failed', line: 4, column: 8, message: ['[ True False]', 'b = [1.  2.5]'] },
    ],
    after: { name: 'after', value: 2 },
  },
  {
    name: 'an assert of a non-bool and a check of something that is not a gradient',
    src: 'a = constant([1.0, 2.0])\nassert a * 2.0\ncheck reduce_sum(a)\nafter = 2\n',
    expected: [
      { code: 'dtype-mismatch', line: 2, column: 8, message: ['bool', 'float32'] },
      { code: 'bad-check', line: 3, column: 7, message: ['check expects'] },
    ],
    after: { name: 'after', value: 2 },
  },
  {
    name: 'destructuring the wrong number of names, and a list index out of range',
    src: 'x = variable([1.0, 2.0])\n[a, b] = gradients(x * x, [x])\ng = gradients(x * x, x)[3]\nafter = x + 1.0\n',
    expected: [
      { code: 'type-mismatch', line: 2, column: 10, message: ['list of 1', '2 names'] },
      { code: 'index-out-of-range', line: 3, column: 25, message: ['index 3', 'list of 1'] },
    ],
    after: { name: 'after', value: [2, 3] },
  },
  {
    name: 'a missing argument and too many positional arguments',
    src: 'x = variable([[1.0]])\nm = matmul(x)\nt = transpose(x, [1, 0], False, 3)\nafter = x * 2.0\n',
    expected: [
      { code: 'missing-argument', line: 2, column: 5, message: ['matmul()', '`b`'] },
      { code: 'too-many-arguments', line: 3, column: 33, message: ['transpose()', 'at most 3'] },
    ],
    after: { name: 'after', value: [[2]] },
  },
  {
    name: 'a grad rule for something that is not a def, and one with the wrong parameters',
    src: 'x = variable([1.0])\ngrad x(a, dy) = dy\ndef f(a) = a * 2.0\ngrad f(a) = a\nafter = f(x)\n',
    expected: [
      { code: 'grad-target', line: 2, column: 6, message: ['`x`', 'not a function'] },
      { code: 'bad-arguments', line: 4, column: 6, message: ['2 parameters, got 1'] },
    ],
    after: { name: 'after', value: [2] },
  },
  {
    name: 'CRLF line endings and tabs: columns count characters of the line',
    src: 'x = variable([1.0])\r\n\ty = x + undefined_name\r\nafter = x * 4.0\r\n',
    expected: [{ code: 'unknown-name', line: 2, column: 10, endLine: 2, endColumn: 24, message: ['`undefined_name`'] }],
    after: { name: 'after', value: [4] },
  },
  {
    name: 'non-ASCII characters: an unexpected character after a UTF-16 surrogate pair',
    src: '# a comment with é and 😀\ns = "😀 is fine in a string"\ny = 2 € 3\nafter = 5\n',
    expected: [{ code: 'syntax', line: 3, column: 7, endLine: 3, endColumn: 8, message: ['€'] }],
    after: { name: 'after', value: 5 },
  },
  {
    name: 'an axis out of range and a negative size',
    src: 'x = zeros([2, 3])\ns = reduce_sum(x, axis=5)\nz = zeros([-2, 3])\nafter = x + 2.0\n',
    expected: [
      { code: 'bad-axis', line: 2, column: 24, message: ['5', 'rank 2'] },
      { code: 'bad-shape', line: 3, column: 11, message: ['negative'] },
    ],
    after: {
      name: 'after',
      value: [
        [2, 2, 2],
        [2, 2, 2],
      ],
    },
  },
];

describe('malformed files: expected diagnostics, no throw, the rest still analyses', () => {
  it('there are at least 15 malformed files', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(15);
  });

  for (const c of CASES) {
    it(c.name, () => {
      const r = run(c.src);
      const got = r.diags().filter((d) => d.severity !== 'information');
      const show = () => r.describe();
      expect(
        got.map((d) => d.code),
        show(),
      ).toEqual(c.expected.map((e) => e.code));
      c.expected.forEach((e, i) => {
        const d = got[i];
        const p = r.pos(d.span);
        expect(d.severity, show()).toBe(e.severity ?? 'error');
        expect({ line: p.line, column: p.column }, `${e.code}: ${d.message}`).toEqual({ line: e.line, column: e.column });
        if (e.endLine !== undefined)
          expect({ endLine: p.endLine, endColumn: p.endColumn }, `${e.code}: ${d.message}`).toEqual({
            endLine: e.endLine,
            endColumn: e.endColumn,
          });
        for (const fragment of e.message) {
          if (typeof fragment === 'string') expect(d.message).toContain(fragment);
          else expect(d.message).toMatch(fragment);
        }
        if (e.related) {
          const related = (d.related ?? []).map((rel) => {
            const rp = r.pos(rel.span);
            return { line: rp.line, column: rp.column };
          });
          expect(related).toEqual(e.related.map(({ line, column }) => ({ line, column })));
        }
      });
      expect(r.value(c.after.name)).toEqual(c.after.value);
    });
  }

  it('an empty file and a file of comments have no diagnostics', () => {
    for (const src of ['', '\n\n', '# only a comment\n   # and another\n', '\uFEFFx = 1\n']) {
      expect(run(src).diags()).toEqual([]);
    }
  });
});

// ---- through the CLI ------------------------------------------------------------------------

let work: string;
let launcher: string;

beforeAll(async () => {
  // Private bundles of the CLI and its worker (not dist/, which other suites may be rebuilding), next to a
  // copy of the real launcher so that bin/tgraph.js's own code path is what runs.
  work = mkdtempSync(join(tmpdir(), 'tgraph-malformed-'));
  mkdirSync(join(work, 'bin'));
  mkdirSync(join(work, 'dist'));
  mkdirSync(join(work, 'files'));
  const { NODE_BUNDLE, NODE_BUNDLES } = await import('../../scripts/nodeBundles.mjs');
  for (const { entry, file, plugins } of NODE_BUNDLES) {
    await build({
      ...NODE_BUNDLE,
      entryPoints: [join(__dirname, '..', '..', entry)],
      outfile: join(work, 'dist', file),
      plugins,
      logLevel: 'silent',
    });
  }
  launcher = join(work, 'bin', 'tgraph.js');
  copyFileSync(join(__dirname, '..', '..', 'bin', 'tgraph.js'), launcher);
}, 120_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

function cli(file: string) {
  return spawnSync(process.execPath, [launcher, 'run', '--json', file], { encoding: 'utf8', timeout: 60_000 });
}

const STACK_TRACE = /^\s+at .+\(.*:\d+:\d+\)$|^\s+at .+:\d+:\d+$|\b(TypeError|RangeError|ReferenceError|SyntaxError):/m;

describe('malformed files through `tgraph run --json`', () => {
  CASES.forEach((c, index) => {
    it(c.name, () => {
      const file = join(work, 'files', `case-${index}.tgraph`);
      writeFileSync(file, c.src);
      const out = cli(file);
      expect(out.error).toBeUndefined();
      expect([0, 1]).toContain(out.status);
      expect(out.stderr).not.toMatch(STACK_TRACE);
      expect(out.stderr).not.toMatch(/internal error/i);
      const hasErrors = c.expected.some((e) => (e.severity ?? 'error') === 'error');
      expect(out.status, out.stdout.slice(0, 500)).toBe(hasErrors ? 1 : 0);

      const json = JSON.parse(out.stdout) as {
        values: Record<string, unknown>;
        diagnostics: { line: number; column: number; code: string; severity: string }[];
      };
      expect(validateRunJson(json)).toEqual([]);
      // the JSON diagnostics are the analysis' own, at the same 1-based positions
      const r = run(c.src);
      const want = r.diags().map((d) => ({ ...r.pos(d.span), code: d.code, severity: d.severity }));
      expect(json.diagnostics.map((d) => ({ line: d.line, column: d.column, code: d.code, severity: d.severity }))).toEqual(
        want.map((w) => ({ line: w.line, column: w.column, code: w.code, severity: w.severity })),
      );
      // and the binding after the faults is there, with its value
      const after = json.values[c.after.name] as { data: unknown[] };
      expect(after).toBeDefined();
      expect(after.data).toEqual(flatten(c.after.value));
    });
  });

  it('files the CLI cannot read are an error message and exit 1, not a trace', () => {
    for (const args of [['run', '--json', join(work, 'files', 'missing.tgraph')], ['run', work], ['frobnicate']]) {
      const out = spawnSync(process.execPath, [launcher, ...args], { encoding: 'utf8', timeout: 60_000 });
      expect([0, 1]).toContain(out.status);
      expect(out.status).toBe(1);
      expect(out.stderr).not.toMatch(STACK_TRACE);
      expect(out.stderr.length).toBeGreaterThan(0);
    }
  });

  it('binary garbage and a NUL byte analyse to diagnostics, exit 1, valid JSON', () => {
    const file = join(work, 'files', 'garbage.tgraph');
    writeFileSync(file, Buffer.from([0x78, 0x20, 0x3d, 0x20, 0x00, 0xff, 0xfe, 0x0a, 0x79, 0x20, 0x3d, 0x20, 0x31, 0x0a]));
    const out = cli(file);
    expect(out.status).toBe(1);
    expect(out.stderr).not.toMatch(STACK_TRACE);
    const json = JSON.parse(out.stdout);
    expect(validateRunJson(json)).toEqual([]);
    expect((json.values.y as { data: number[] }).data).toEqual([1]);
  });
});

describe('every example through `tgraph run --json`', () => {
  const examples = join(__dirname, '..', '..', 'examples');
  const files = readdirSync(examples).filter((f) => f.endsWith('.tgraph'));

  it('there are examples', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  for (const f of files) {
    it(f, () => {
      const out = cli(join(examples, f));
      expect([0, 1]).toContain(out.status);
      expect(out.stderr).not.toMatch(STACK_TRACE);
      const json = JSON.parse(out.stdout) as { diagnostics: { severity: string }[] };
      expect(validateRunJson(json)).toEqual([]);
      // exit 1 exactly when the file has errors
      expect(out.status).toBe(json.diagnostics.some((d) => d.severity === 'error') ? 1 : 0);
    });
  }
});

describe('the JSON validator itself', () => {
  it('accepts the spec example and rejects malformed shapes', () => {
    const good = {
      values: {
        x: { dtype: 'float32', shape: [2, 2], data: [1, 'NaN', 'Infinity', -2] },
        g: [null, { dtype: 'bool', shape: [], data: [true] }],
      },
      checks: [],
      diagnostics: [{ line: 1, column: 1, endLine: 1, endColumn: 4, severity: 'error', code: 'syntax', message: 'bad' }],
      explanations: {
        g: [
          null,
          { ysElements: 4, fanOut: [1, 2], summedAxes: [{ tensor: 'z', axis: 0, size: 2, origin: 'stack' }], batchSize: null, text: '...' },
        ],
      },
    };
    expect(validateRunJson(good)).toEqual([]);
    const bad = {
      values: { x: { dtype: 'float32', shape: [2, 2], data: [1, 2, 3] }, i: { dtype: 'int32', shape: [1], data: [1.5] } },
      diagnostics: [{ line: 0, column: 1, endLine: 1, endColumn: 1, severity: 'fatal', code: 'x', message: 'm' }],
    };
    const problems = validateRunJson(bad);
    expect(problems.some((p) => p.includes('missing key `checks`'))).toBe(true);
    expect(problems.some((p) => p.includes('values.x.data has 3 elements'))).toBe(true);
    expect(problems.some((p) => p.includes('values.i.data[0]'))).toBe(true);
    expect(problems.some((p) => p.includes('diagnostics[0].line'))).toBe(true);
    expect(problems.some((p) => p.includes('severity'))).toBe(true);
  });
});
