// The examples are tests: every `check` and `assert` in examples/*.tgraph passes, except the
// ones marked expect-fail (a comment containing `expect-fail` on the statement's line or the
// line above), which must fail. The deliberately wrong examples (bug_*.tgraph) fail where
// they say and name the element they say. Each assert is also shown to be able to fail: its
// expected value is changed and the assert must then fail. Finally `tgraph test examples`
// agrees: "N passed, 0 failed", exit 0.

import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { analyze, type Analysis } from '../../engine/analysis';
import { analyzePython } from '../../engine/python/analysis';
import type * as AST from '../../engine/syntax/ast';

const root = path.resolve(__dirname, '..', '..');
const folder = path.join(root, 'examples');
const files = fs
  .readdirSync(folder)
  .filter((f) => f.endsWith('.tgraph'))
  .sort();
const sources = new Map(files.map((f) => [f, fs.readFileSync(path.join(folder, f), 'utf8')]));
const analyses = new Map<string, Analysis>();

function analysis(file: string): Analysis {
  let a = analyses.get(file);
  if (!a) analyses.set(file, (a = analyze(sources.get(file)!)));
  return a;
}

const lineOf = (a: Analysis, offset: number) => a.lines.positionAt(offset).line + 1;

/** Lines (1-based) of the statements marked expect-fail, found from the text alone: a
 *  comment with `expect-fail` on the statement's first line or on the line above. */
function markedLines(text: string): Set<number> {
  const lines = text.split('\n');
  const marked = new Set<number>();
  const comment = (l: string) => {
    const i = l.indexOf('#');
    return i >= 0 && /expect[-_ ]?fail/i.test(l.slice(i));
  };
  lines.forEach((l, i) => {
    if (/^\s*(check|assert)\b/.test(l) && (comment(l) || (i > 0 && comment(lines[i - 1])))) marked.add(i + 1);
  });
  return marked;
}

/** Warnings an example is meant to produce (a NaN or Inf it demonstrates), by file. */
const EXPECTED_WARNINGS: Record<string, { line: number; code: string }[]> = {
  'comparisons_where.tgraph': [{ line: 29, code: 'non-finite' }],
  'custom_gradients.tgraph': [
    { line: 10, code: 'non-finite' },
    { line: 11, code: 'non-finite' },
    { line: 16, code: 'non-finite' },
  ],
};

/** The files of the classic-bugs family: each must contain failing, marked checks. */
const isBug = (f: string) => f.startsWith('bug_') || f === 'custom_gradient.tgraph';

describe.each(files)('examples/%s', (file) => {
  const text = sources.get(file)!;

  it('has no errors outside the statements marked expect-fail, and only the warnings it means', () => {
    const a = analysis(file);
    const marked = a.program.statements.filter((s) => markedLines(text).has(lineOf(a, s.span.start)));
    const inMarked = (d: { span: AST.Span }) => marked.some((s) => d.span.start >= s.span.start && d.span.end <= s.span.end);
    const errors = a.diagnostics.filter((d) => d.severity === 'error' && !inMarked(d));
    expect(errors.map((d) => `${lineOf(a, d.span.start)}: ${d.message}`)).toEqual([]);
    const warnings = a.diagnostics.filter((d) => d.severity === 'warning').map((d) => ({ line: lineOf(a, d.span.start), code: d.code }));
    expect(warnings).toEqual(EXPECTED_WARNINGS[file] ?? []);
  });

  it('marks exactly the statements it means to, and they fail; everything else passes', () => {
    const a = analysis(file);
    const marked = markedLines(text);
    const outcomes = [
      ...a.checks.map((c) => ({ line: lineOf(a, c.stmt.span.start), passed: c.passed, expectFail: c.expectFail, message: c.message })),
      ...a.asserts.map((s) => ({ line: lineOf(a, s.stmt.span.start), passed: s.passed, expectFail: s.expectFail, message: s.message })),
    ].sort((x, y) => x.line - y.line);
    expect(outcomes.length).toBeGreaterThan(0);
    // Every check/assert statement of the text was run, once.
    const statementLines = text.split('\n').flatMap((l, i) => (/^\s*(check|assert)\b/.test(l) ? [i + 1] : []));
    expect(outcomes.map((o) => o.line)).toEqual(statementLines);
    // The engine's marking is the one the text shows.
    expect(outcomes.filter((o) => o.expectFail).map((o) => o.line)).toEqual([...marked].sort((x, y) => x - y));
    const wrong = outcomes.filter((o) => o.passed === o.expectFail);
    expect(wrong.map((o) => `line ${o.line}: ${o.expectFail ? 'marked expect-fail but passed' : o.message}`)).toEqual([]);
    if (isBug(file)) {
      expect(a.checks.some((c) => c.expectFail && !c.passed)).toBe(true);
    } else {
      expect(marked.size).toBe(0);
    }
  });

  it('checks gradients', () => {
    expect(analysis(file).checks.length).toBeGreaterThan(0);
  });

  it('has asserts that fail when their expected value changes', () => {
    // Round r changes the r-th allclose/equal of every assert (not under `not`), all asserts
    // at once: each changed assert must fail, and nothing else may go wrong (no type errors).
    const a = analysis(file);
    const marked = markedLines(text);
    const targets = a.asserts
      .filter((s) => !marked.has(lineOf(a, s.stmt.span.start)))
      .map((s) => ({ line: lineOf(a, s.stmt.span.start), calls: comparisonCalls((s.stmt as AST.AssertStmt).expr) }));
    let mutated = 0;
    for (let round = 0; targets.some((t) => t.calls.length > round); round++) {
      const edits = targets.filter((t) => t.calls.length > round).map((t) => ({ line: t.line, arg: t.calls[round] }));
      let changed = text;
      for (const e of [...edits].sort((x, y) => y.arg.span.start - x.arg.span.start)) {
        const original = text.slice(e.arg.span.start, e.arg.span.end);
        const replacement = /\b(True|False)\b/.test(original) ? `logical_not(${original})` : `(${original}) + 1`;
        changed = changed.slice(0, e.arg.span.start) + replacement + changed.slice(e.arg.span.end);
      }
      const m = analyze(changed);
      const errors = m.diagnostics.filter((d) => d.severity === 'error' && d.code !== 'assert-failed' && d.code !== 'check-failed');
      expect(errors.map((d) => `round ${round}, line ${lineOf(m, d.span.start)}: ${d.message}`)).toEqual([]);
      for (const e of edits) {
        const result = m.asserts.find((s) => lineOf(m, s.stmt.span.start) === e.line);
        expect(result?.passed, `round ${round}: the assert on line ${e.line} still passes with its expected value changed`).toBe(false);
        mutated++;
      }
    }
    // Most asserts compare with allclose/equal; the few that do not are plain comparisons.
    expect(mutated).toBeGreaterThanOrEqual(Math.ceil(targets.length * 0.75));
  });
});

/** The second positional argument of every allclose(...)/equal(...) in an assert, in source
 *  order, except under a `not` (where changing it would make the assert pass). */
function comparisonCalls(e: AST.Expr, negated = false, out: AST.Argument[] = []): AST.Argument[] {
  switch (e.kind) {
    case 'call': {
      const name = e.callee.kind === 'name' ? e.callee.name : '';
      const positional = e.args.filter((x) => !x.keyword);
      if (!negated && (name === 'allclose' || name === 'equal') && positional.length >= 2) out.push(positional[1]);
      else for (const x of e.args) comparisonCalls(x.value, negated, out);
      return out;
    }
    case 'unary':
      return comparisonCalls(e.operand, negated || e.op === 'not', out);
    case 'binary':
      if (e.op === 'and') {
        comparisonCalls(e.left, negated, out);
        comparisonCalls(e.right, negated, out);
      }
      return out;
    default:
      return out;
  }
}

describe('what the examples teach, beyond their asserts', () => {
  it('differentiation: an unconnected x and an integer x get None', () => {
    const a = analysis('differentiation.tgraph');
    expect(a.lookup('d_unused')?.value.kind).toBe('none');
    expect(a.lookup('d_k')?.value.kind).toBe('none');
    expect(a.lookup('zero_unused')?.value.kind).toBe('tensor');
  });

  it('sources: integer literals are int32, float literals float32, dtype= overrides', () => {
    const a = analysis('sources.tgraph');
    const dtype = (name: string) => {
      const v = a.lookup(name)?.value;
      return v?.kind === 'tensor' ? v.node.type.dtype : v?.kind;
    };
    expect([dtype('ints'), dtype('floats'), dtype('r'), dtype('u')]).toEqual(['int32', 'float32', 'int32', 'float32']);
  });

  it('kinks: relu, abs, a maximum tie and floor are information, and every check passes', () => {
    const a = analysis('kinks.tgraph');
    expect(a.checks.every((c) => c.passed)).toBe(true);
    const kinks = a.diagnostics.filter((d) => d.code === 'kink');
    expect(kinks.every((d) => d.severity === 'information')).toBe(true);
    const messages = kinks.map((d) => d.message).join('\n');
    expect(messages).toContain('x[1] = 0 is a kink of relu');
    expect(messages).toMatch(/analytic 0, numeric 0\.5\b/);
    expect(messages).toContain('x[1] = 0 is a kink of abs');
    expect(messages).toContain('p[0] = 1 is a kink of maximum');
    expect(messages).toContain('a kink of floor');
    expect(messages).toMatch(/reduce_max .*non-differentiable/);
  });

  it('bug_wrong_softplus: the check names x[4] with sigmoid(-3) against sigmoid(3)', () => {
    const full = analysis('bug_wrong_softplus.tgraph').checks.find((c) => c.mode === 'full' && !c.passed)!;
    expect(full.worst?.x).toBe('x');
    expect(full.worst?.index).toEqual([4]);
    expect(full.worst?.analytic).toBeCloseTo(1 / (1 + Math.exp(3)), 6);
    expect(full.worst?.numeric).toBeCloseTo(1 / (1 + Math.exp(-3)), 6);
    expect(full.message).toMatch(/gradient check failed \(full\) at x\[4\]: analytic 0\.0474\d*, numeric 0\.9525\d*/);
  });

  it('bug_missing_unbroadcast: a [4, 3] gradient for a [1, 3] bias is refused; one row instead of the sum gives 1 where the batch gives 4', () => {
    const failed = analysis('bug_missing_unbroadcast.tgraph').checks.filter((c) => !c.passed);
    expect(failed).toHaveLength(2);
    expect(failed[0].message).toContain('cannot broadcast [4, 3] to [1, 3]');
    expect(failed[1].worst).toMatchObject({ x: 'b', index: [0, 0] });
    expect(failed[1].worst?.analytic).toBeCloseTo(1, 9);
    expect(failed[1].worst?.numeric).toBeCloseTo(4, 6);
  });

  it('bug_sign_error: the check of a alone passes; with b it names b[1], 6 against -6', () => {
    const checks = analysis('bug_sign_error.tgraph').checks;
    expect(checks[0].passed).toBe(true);
    expect(checks[1].worst).toMatchObject({ x: 'b', index: [1] });
    expect(checks[1].worst?.analytic).toBeCloseTo(6, 6);
    expect(checks[1].worst?.numeric).toBeCloseTo(-6, 6);
    expect(checks.filter((c) => !c.passed).map((c) => c.mode)).toEqual(['full', 'fast', 'full']);
  });

  it('the families use both check modes', () => {
    const all = files.flatMap((f) => analysis(f).checks);
    expect(all.some((c) => c.mode === 'fast' && c.passed)).toBe(true);
    expect(all.some((c) => c.mode === 'full' && c.passed)).toBe(true);
  });
});

describe('tgraph test examples', () => {
  const cli = path.join(root, 'dist', 'cli.js');

  beforeAll(() => {
    if (!fs.existsSync(cli)) {
      const r = spawnSync('npm', ['run', 'build'], { cwd: root, encoding: 'utf8', timeout: 300_000 });
      if (r.status !== 0) throw new Error(`npm run build failed: ${r.stderr}`);
    }
  }, 300_000);

  it('passes every example, counting the expected failures as passes', () => {
    const r = spawnSync(process.execPath, [path.join(root, 'bin', 'tgraph.js'), 'test', 'examples'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 120_000,
    });
    // The Python scripts of examples/python/ are tests too (their asserts and check comments).
    const scripts = fs.readdirSync(path.join(folder, 'python')).filter((f) => f.endsWith('.py'));
    const python = scripts.map((f) => analyzePython(fs.readFileSync(path.join(folder, 'python', f), 'utf8')));
    const total =
      files.reduce((n, f) => n + analysis(f).checks.length + analysis(f).asserts.length, 0) +
      python.reduce((n, a) => n + a.checks.length + a.asserts.length, 0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toEqual([`${total} passed, 0 failed`]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
