// Every budget of engine/budgets.ts (issue 7): an input just over it, with the budget set
// low, gets the diagnostic that names its setting, at a precise range, and the rest of the
// file is still analysed; just under it gets none. And the table agrees with package.json's
// settings and with the server's parsing of them.

import { describe, expect, it } from 'vitest';
import * as fs from 'fs';
import * as path from 'path';
import { type Analysis, type AnalysisOptions, type Diagnostic, analyze } from '../../engine/analysis';
import { BUDGETS, type BudgetKey, DEFAULT_BUDGETS, formatCount, raiseHint, resolveBudgets } from '../../engine/budgets';
import { explainSite } from '../../engine/explain';
import { explainPicture } from '../../engine/api/picture';
import { runReport } from '../../engine/api/report';
import { withJumpingClock } from '../support/clock';
import { bindingHover } from '../../engine/api/hover';
import { DEFAULT_SETTINGS, analysisOptions, parseSettings } from '../../server/settings';

const root = path.resolve(__dirname, '..', '..');

function run(text: string, options: AnalysisOptions = {}) {
  const a = analyze(text, options);
  return { a, text };
}

/** The source text a diagnostic points at. */
const at = (text: string, d: Diagnostic) => text.slice(d.span.start, d.span.end);

/** The value of a bound name (flat), or undefined. */
function valueOf(a: Analysis, name: string): number[] | undefined {
  const b = a.lookup(name);
  if (!b || b.value.kind !== 'tensor') return undefined;
  const t = a.valueOf(b.value.node);
  return t ? Array.from(t.data as ArrayLike<number>) : undefined;
}

/** The diagnostics that name `tgraph.<key>`. */
const naming = (a: Analysis, key: BudgetKey) => a.diagnostics.filter((d) => d.message.includes(raiseHint(key)));

/** The offset of the n-th (1-based) occurrence of `needle` in `text`. */
function nth(text: string, needle: string, n: number): number {
  let i = -1;
  for (let k = 0; k < n; k++) {
    i = text.indexOf(needle, i + 1);
    if (i < 0) throw new Error(`no occurrence ${n} of ${needle}`);
  }
  return i;
}

describe('the table of budgets', () => {
  it('has one well-formed record per setting', () => {
    const keys = BUDGETS.map((b) => b.key);
    expect(new Set(keys).size).toBe(keys.length);
    for (const b of BUDGETS) {
      expect(b.setting).toBe(`tgraph.${b.key}`);
      expect(Number.isInteger(b.default) && b.default >= 1, b.key).toBe(true);
      expect(b.unit.length, b.key).toBeGreaterThan(0);
      expect(b.description.length, b.key).toBeGreaterThan(20);
      expect(raiseHint(b.key)).toBe(`(raise ${b.setting})`);
    }
  });

  it('matches package.json: every budget is a setting with the same default and description', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
    const props: Record<
      string,
      { type: string; default: unknown; minimum?: number; maximum?: number; description?: string; markdownDescription?: string }
    > = pkg.contributes.configuration.properties;
    for (const b of BUDGETS) {
      const p = props[b.setting];
      expect(p, `${b.setting} is contributed`).toBeDefined();
      expect(p.type, b.setting).toBe('number');
      expect(p.default, b.setting).toBe(b.default);
      expect(p.minimum, b.setting).toBe(b.minimum);
      expect(p.maximum, b.setting).toBe(b.maximum);
      expect(p.markdownDescription ?? p.description, b.setting).toBe(b.description);
    }
    // And no budget-like setting is contributed without a record in the table.
    const budgetLike = Object.keys(props).filter((k) => /^tgraph\.max|TimeoutMs$/.test(k));
    expect(budgetLike.sort()).toEqual(BUDGETS.map((b) => b.setting).sort());
  });

  it('fills in defaults: the CLI (no options) runs under the same budgets as the settings say', () => {
    expect(analyze('x = 1\n').budgets).toEqual(DEFAULT_BUDGETS);
    for (const b of BUDGETS) expect(DEFAULT_SETTINGS[b.key], b.key).toBe(b.default);
    // Malformed values fall back to the default; numeric strings are read; fractions floored.
    const bad = {
      maxDiagnostics: -1,
      maxNestingDepth: Number.NaN,
      maxElements: 'many',
      maxCallDepth: 0,
      maxFileBytes: Infinity,
    } as unknown as AnalysisOptions;
    expect(resolveBudgets(bad)).toEqual(DEFAULT_BUDGETS);
    expect(resolveBudgets({ maxDiagnostics: '7' as unknown as number, maxCallDepth: 3.9 })).toMatchObject({
      maxDiagnostics: 7,
      maxCallDepth: 3,
    });
  });

  it('a budget past what the analysis can work with is taken to the end of its range', () => {
    // Raised to 10^9, nesting and call depth ran into the stack ('too complex to analyse');
    // a heap of 8 MB could not load the analysis (every file an internal error).
    const hostile = { maxNestingDepth: 1e9, maxCallDepth: '1e9', maxWorkerHeapMb: 8 };
    const expected = { maxNestingDepth: 1000, maxCallDepth: 1000, maxWorkerHeapMb: 64 };
    expect(resolveBudgets(hostile as unknown as AnalysisOptions)).toMatchObject(expected);
    expect(analysisOptions(parseSettings(hostile))).toMatchObject(expected);
  });

  it('the server reads every budget from the settings and passes it to the analysis', () => {
    const raw = Object.fromEntries(BUDGETS.map((b, i) => [b.key, b.minimum + i + 1]));
    const options = analysisOptions(parseSettings(raw));
    for (const [i, b] of BUDGETS.entries()) expect(options[b.key], b.key).toBe(b.minimum + i + 1);
    // The flat dotted form and text values, as some clients send them.
    expect(analysisOptions(parseSettings({ maxDiagnostics: '3', maxNestingDepth: -5 }))).toMatchObject({
      maxDiagnostics: 3,
      maxNestingDepth: DEFAULT_BUDGETS.maxNestingDepth,
    });
    expect(analysisOptions(DEFAULT_SETTINGS)).toMatchObject(DEFAULT_BUDGETS);
  });
});

describe('counts in messages', () => {
  it('group thousands as en-US does', () => {
    let seed = 7;
    const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const counts = [0, 1, 999, 1000, 1234567, 1e15, 2 ** 53, 1e21, 1.5, -2500, NaN, Infinity];
    for (let i = 0; i < 2000; i++) counts.push(Math.floor(10 ** (random() * 20)) * (random() < 0.1 ? -1 : 1));
    for (const n of counts) expect(formatCount(n)).toBe(Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : String(n));
  });
});

describe('each budget: over it, one diagnostic that names the setting; under it, none', () => {
  it('maxElements: one tensor', () => {
    const src = 'a = zeros([10])\nb = zeros([11])\nc = [1., 2., 3., 4., 5., 6., 7., 8., 9., 10., 11.]\nafter = a + 1.\n';
    const { a, text } = run(src, { maxElements: 10 });
    const over = naming(a, 'maxElements');
    expect(over.map((d) => [d.code, at(text, d)])).toEqual([
      ['budget-elements', 'zeros([11])'],
      ['budget-elements', '[1., 2., 3., 4., 5., 6., 7., 8., 9., 10., 11.]'],
    ]);
    expect(a.diagnostics).toHaveLength(2);
    expect(valueOf(a, 'after')).toEqual(Array(10).fill(1));
    expect(run(src, { maxElements: 11 }).a.diagnostics).toEqual([]);
  });

  it('maxTotalElements: all the tensors of the document', () => {
    const src = 'a = zeros([6])\nb = ones([6])\nc = 1.\n';
    // The smallest budget the document fits in: at least its two tensors of 6 (the shape
    // arguments are small tensors too).
    let fits = 1;
    while (analyze(src, { maxTotalElements: fits }).diagnostics.length > 0) fits++;
    expect(fits).toBeGreaterThanOrEqual(12);
    expect(fits).toBeLessThanOrEqual(20);
    const { a, text } = run(src, { maxTotalElements: fits - 1 });
    const over = naming(a, 'maxTotalElements');
    expect(over).toHaveLength(1);
    expect(a.diagnostics).toHaveLength(1);
    expect(over[0].code).toBe('budget-elements');
    // The tensor that went over is one made after a: ones([6]), its shape, or the literal.
    expect(['ones([6])', '[6]', '1.']).toContain(at(text, over[0]));
    expect(a.lines.positionAt(over[0].span.start).line).toBeGreaterThanOrEqual(1);
    expect(valueOf(a, 'a')).toEqual(Array(6).fill(0));
  });

  it('evaluationTimeoutMs also bounds a row-by-row jacobian, on its statement', () => {
    const text = 'x = uniform([3000], seed=1)\ny = sin(x) * x\nj = jacobian(y, x)\nafter = 2\n';
    const { a } = run(text, { evaluationTimeoutMs: 20 });
    const over = naming(a, 'evaluationTimeoutMs');
    expect(over.length).toBeGreaterThan(0);
    expect(over.every((d) => d.code === 'budget-time')).toBe(true);
    expect(over.some((d) => a.lines.positionAt(d.span.start).line === 2)).toBe(true);
    expect(a.lookup('after')?.value.kind).toBe('tensor');
  });

  it('evaluationTimeoutMs: the evaluation stops, the statements are still built', () => {
    const heavy =
      'a = ones([300, 300])\n' +
      Array.from({ length: 8 }, (_, i) => `m${i} = ${i ? `m${i - 1}` : 'a'} @ a / 300.\n`).join('') +
      'after = 2\n';
    const { a, text } = run(heavy, { evaluationTimeoutMs: 1 });
    const over = naming(a, 'evaluationTimeoutMs');
    expect(over.length).toBeGreaterThan(0);
    for (const d of over) {
      expect(d.code).toBe('budget-time');
      // At a node of the statements that evaluate: on one of the `m` lines.
      const line = a.lines.positionAt(d.span.start).line;
      expect(line, at(text, d)).toBeGreaterThanOrEqual(1);
      expect(line).toBeLessThanOrEqual(8);
    }
    const after = a.lookup('after');
    expect(after?.value.kind).toBe('tensor');
    expect(a.lookup('m7')?.value.kind).toBe('tensor'); // built, with its static shape
    const light = 'a = ones([3, 3])\nm = a @ a / 3.\n';
    expect(run(light, { evaluationTimeoutMs: 60_000 }).a.diagnostics).toEqual([]);
  });

  it('maxNestingDepth: brackets, a chain of operators, and def bodies through calls', () => {
    const src = 'y = 1 + 1 + 1 + 1 + 1\nz = ((((1))))\nw = -(-(-(-1)))\nafter = 2\n';
    const { a, text } = run(src, { maxNestingDepth: 3 });
    const over = naming(a, 'maxNestingDepth');
    expect(over.map((d) => d.code)).toEqual(['nesting-too-deep', 'nesting-too-deep', 'nesting-too-deep']);
    // The 4th `+` makes the tree 4 deep; the 4th bracket or operator crosses 3 levels.
    expect(over[0].span).toEqual({ start: nth(text, '+', 4), end: nth(text, '+', 4) + 1 });
    expect(over[1].span).toEqual({ start: nth(text, '(', 4), end: nth(text, '(', 4) + 1 });
    expect(at(text, over[2])).toBe('(');
    expect(a.diagnostics).toHaveLength(3);
    expect(valueOf(a, 'after')).toEqual([2]);
    const under = run('y = 1 + 1 + 1 + 1\nz = (((1)))\nw = -(-1)\n', { maxNestingDepth: 3 });
    expect(under.a.diagnostics).toEqual([]);
    expect(valueOf(under.a, 'y')).toEqual([4]);

    // A def adds its body's depth to its caller's: g(1.) nests 6 levels (call, -, call, -, -, x).
    const defs = 'def f(x) = -(-x)\ndef g(x) = -f(x)\ny = g(1.)\nafter = 2\n';
    const through = run(defs, { maxNestingDepth: 5 });
    expect(through.a.diagnostics.map((d) => [d.code, at(defs, d)])).toEqual([['nesting-too-deep', 'g(1.)']]);
    expect(through.a.diagnostics[0].message).toContain(raiseHint('maxNestingDepth'));
    expect(valueOf(through.a, 'after')).toEqual([2]);
    const fits = run(defs, { maxNestingDepth: 6 });
    expect(fits.a.diagnostics).toEqual([]);
    expect(valueOf(fits.a, 'y')).toEqual([-1]);
  });

  it('maxNestingDepth: a 100,000-term sum on one line is refused at the default budget', () => {
    const text = `y = 1.${' + 1.'.repeat(100_000)}\nafter = 2\n`;
    const a = analyze(text);
    expect(a.diagnostics.map((d) => d.code)).toEqual(['nesting-too-deep']);
    const plus = nth(text, '+', DEFAULT_BUDGETS.maxNestingDepth + 1);
    expect(a.diagnostics[0].span).toEqual({ start: plus, end: plus + 1 });
    expect(a.diagnostics[0].message).toContain(raiseHint('maxNestingDepth'));
    expect(valueOf(a, 'after')).toEqual([2]);
  });

  it('maxCallDepth: nested calls of defs (recursion stays its own error)', () => {
    const src = 'def f0(x) = x + 1.\ndef f1(x) = f0(x)\ndef f2(x) = f1(x)\ny = f2(1.)\nafter = 2\n';
    const { a, text } = run(src, { maxCallDepth: 2 });
    expect(a.diagnostics.map((d) => [d.code, at(text, d), a.lines.positionAt(d.span.start).line])).toEqual([['too-deep', 'f0(x)', 1]]);
    expect(a.diagnostics[0].message).toContain(raiseHint('maxCallDepth'));
    expect(valueOf(a, 'after')).toEqual([2]);
    const under = run(src, { maxCallDepth: 3 });
    expect(under.a.diagnostics).toEqual([]);
    expect(valueOf(under.a, 'y')).toEqual([2]);
    const recursive = run('def f(x) = f(x) + 1.\ny = f(2.)\n', { maxCallDepth: 1000 });
    expect(recursive.a.diagnostics.map((d) => d.code)).toEqual(['recursive-def']);
  });

  it('maxCheckEvaluations: a full gradient check (two evaluations per element)', () => {
    const src = 'x = variable([1., 2., 3.])\ny = reduce_sum(x * x)\ncheck gradients(y, x)\nafter = 2\n';
    const { a, text } = run(src, { maxCheckEvaluations: 5 });
    expect(a.diagnostics.map((d) => [d.code, at(text, d)])).toEqual([['check-failed', 'check gradients(y, x)']]);
    expect(a.diagnostics[0].message).toContain(raiseHint('maxCheckEvaluations'));
    expect(a.diagnostics[0].message).toContain("mode='fast'");
    expect(valueOf(a, 'after')).toEqual([2]);
    const under = run(src, { maxCheckEvaluations: 6 });
    expect(under.a.diagnostics).toEqual([]);
    expect(under.a.checks[0].passed).toBe(true);
  });

  it('maxJacobianEntries: the explanation says the counts came from the axes, and why', () => {
    const src = 'x = variable(ones([20, 3]))\nw = variable(ones([3, 4]))\ny = x @ w\ndy_dx = gradients(y, x)[0]\n';
    // ys: 80 elements, x: 60 → a Jacobian of 4,800 entries.
    const over = analyze(src, { maxJacobianEntries: 4799 });
    const site = over.lookup('dy_dx')!.gradient!;
    const structural = explainSite(over, site, 0);
    expect(structural.method).toBe('structure');
    expect(structural.text).toContain(raiseHint('maxJacobianEntries'));
    expect(structural.text).toContain('4,800 entries');
    expect(over.diagnostics).toEqual([]);
    const under = analyze(src, { maxJacobianEntries: 4800 });
    const exact = explainSite(under, under.lookup('dy_dx')!.gradient!, 0);
    expect(exact.method).toBe('exact');
    expect(exact.text).not.toContain('tgraph.');
    // The same counts either way here: only how they were found differs.
    expect(structural.fanOut).toEqual(exact.fanOut);
  });

  it('explainTimeoutMs: a path too long to follow in time gets the plain meaning and the setting', () => {
    // A 3,000-statement chain: a gradient path of 6,000 nodes, more than 1 ms can follow.
    const lines = ['a0 = placeholder(float32, [2])', 'feed a0 = [1., 2.]'];
    for (let i = 1; i < 3000; i++) lines.push(`a${i} = a${i - 1} * 1.00001 + 1.`);
    lines.push('g = gradients(a2999, a0)[0]');
    const src = lines.join('\n') + '\n';
    // The budget runs out on a clock that moves an hour at each reading, however fast or busy
    // the machine; given ten minutes, the same path is followed.
    const over = analyze(src, { explainTimeoutMs: 1000 });
    const plain = withJumpingClock(() => explainSite(over, over.lookup('g')!.gradient!, 0));
    expect(plain.method).toBe('none');
    expect(plain.text).toMatch(/more than can be followed in time/);
    expect(plain.text).toContain(raiseHint('explainTimeoutMs'));
    expect(over.diagnostics).toEqual([]);
    const under = analyze(src, { explainTimeoutMs: 600_000 });
    const followed = explainSite(under, under.lookup('g')!.gradient!, 0);
    expect(followed.method).not.toBe('none');
    expect(followed.text).not.toContain('tgraph.');
  });

  it('explainRunTimeoutMs: tgraph run explains gradients until its time is spent, then gives the plain meaning and the setting', () => {
    const src = 'x = variable(ones([4, 3]))\nw = variable(ones([3, 2]))\ny = x @ w\ng = gradients(y, [x, w])\nh = gradients(y * y, x)[0]\n';
    const report = (a: Analysis) => {
      let text = '';
      runReport(a, 'f.tgraph', { json: false, maxBytes: 1e7 }, (chunk) => (text += chunk));
      return text;
    };
    // Within the budget every gradient is explained.
    const under = report(analyze(src));
    expect(under).not.toContain('not explained');
    expect(under).toContain('[0] ∂(Σy)/∂x: y has 8 elements; each x[i,j] reaches 2 of them');
    // A clock that moves an hour at each reading spends the run's budget before the first.
    const over = analyze(src, { explainRunTimeoutMs: 1000 });
    const text = withJumpingClock(() => report(over));
    const skipped = text.split('\n').filter((l) => l.includes('not explained'));
    expect(skipped).toHaveLength(3);
    for (const line of skipped) {
      expect(line).toContain('spent its 1,000 ms for explanations');
      expect(line).toContain(raiseHint('explainRunTimeoutMs'));
    }
  });

  it('explainTimeoutMs also bounds a hover of many gradients: the first six, sharing one budget', () => {
    const lines = ['x = placeholder(float32, [None, 3])', 'feed x = ones([2, 3])', 'h0 = x'];
    const weights: string[] = [];
    for (let i = 1; i <= 10; i++) {
      lines.push(`w${i} = variable(ones([3, 3]) * 0.1)`, `h${i} = tanh(h${i - 1} @ w${i})`);
      weights.push(`w${i}`);
    }
    lines.push(`g = gradients(reduce_sum(h10), [${weights.join(', ')}])`);
    const src = lines.join('\n') + '\n';
    const hoverOfG = (a: Analysis) => bindingHover(a, a.lookup('g')!);
    const within = hoverOfG(analyze(src));
    expect(within.split('**∂(Σ(reduce_sum(h10)))/∂w').length - 1).toBe(6);
    expect(within).toContain('… and 4 more gradients');
    expect(within).not.toContain('not explained');
    // A clock that moves an hour at each reading spends the budget before the first.
    const over = analyze(src);
    const text = withJumpingClock(() => hoverOfG(over));
    expect(text.split('\n').filter((l) => l.includes('not explained yet'))).toHaveLength(6);
    expect(text).toContain(raiseHint('explainTimeoutMs'));
  });

  it('maxPictureEntries: the "Explain sum" picture draws a block and says which setting', () => {
    const src = 'x = variable(ones([4, 3]))\ny = stack([x * x, 3. * x])\ng = gradients(y, x)[0]\n';
    // ys: 24 elements, x: 12 → 288 entries.
    const over = analyze(src, { maxPictureEntries: 287 });
    const p = explainPicture(over, over.lookup('g')!.gradient!, 0);
    expect(p.jacobian?.scope).toBe('block');
    expect(p.jacobianNote).toContain('288 entries');
    expect(p.jacobianNote).toContain(raiseHint('maxPictureEntries'));
    const under = analyze(src, { maxPictureEntries: 288 });
    const q = explainPicture(under, under.lookup('g')!.gradient!, 0);
    expect(q.jacobian?.scope).toBe('full');
    expect(q.jacobianNote).toBeUndefined();
  });

  it('pictureTimeoutMs: the picture keeps its explanation and says which setting', () => {
    // One x element reaching every element of a 4,096-element y: 4,096 gradient evaluations,
    // a fraction of them in 1 ms.
    const src = 'x = variable([2.])\ny = sin(x * cast(range(4096), float32))\ng = gradients(y, x)[0]\n';
    const over = analyze(src, { pictureTimeoutMs: 1 });
    const p = explainPicture(over, over.lookup('g')!.gradient!, 0);
    expect(p.explanation.fanOut).toEqual([4096, 4096]);
    expect(p.jacobian?.scope ?? 'none').not.toBe('full');
    expect(p.jacobianNote).toContain(raiseHint('pictureTimeoutMs'));
    const under = analyze(src.replace('4096', '16'));
    const q = explainPicture(under, under.lookup('g')!.gradient!, 0);
    expect(q.jacobian?.scope).toBe('full');
    expect(q.jacobianNote).toBeUndefined();
  });

  it('maxFileBytes: over it, one diagnostic at the start of the file and no analysis', () => {
    const text = 'a = 1.\n# é\nb = nope\n'; // 20 UTF-16 units, 21 bytes of UTF-8 (é is 2)
    expect(Buffer.byteLength(text, 'utf8')).toBe(21);
    const over = analyze(text, { maxFileBytes: 20 });
    expect(over.diagnostics).toHaveLength(1);
    expect(over.diagnostics[0]).toMatchObject({ code: 'budget-file-size', severity: 'error', span: { start: 0, end: 0 } });
    expect(over.diagnostics[0].message).toContain(raiseHint('maxFileBytes'));
    expect(over.program.statements).toEqual([]);
    expect(over.bindings).toEqual([]);
    const under = analyze(text, { maxFileBytes: 21 });
    expect(under.diagnostics.map((d) => d.code)).toEqual(['unknown-name']);
    expect(valueOf(under, 'a')).toEqual([1]);
    // Astral characters (surrogate pairs) are 4 bytes.
    expect(analyze('# 𝑥\n', { maxFileBytes: 6 }).diagnostics.map((d) => d.code)).toEqual(['budget-file-size']);
    expect(analyze('# 𝑥\n', { maxFileBytes: 7 }).diagnostics).toEqual([]);
    // The default lets a 100,000-line file through (another test times it).
    const big = Array.from({ length: 100_000 }, (_, i) => `a${i} = ${i}.0 + 1.0`).join('\n');
    expect(Buffer.byteLength(big)).toBeGreaterThan(1_500_000);
    expect(Buffer.byteLength(big)).toBeLessThan(DEFAULT_BUDGETS.maxFileBytes);
  });

  it('maxDiagnostics: the first ones in source order, errors before warnings, then how many more', () => {
    const src = 'a = 1.\nb = nope1\nw = log(0. * a)\nc = nope2\nd = nope3\ne = nope4\nok = 3\n';
    const all = analyze(src).diagnostics;
    expect(all.map((d) => d.code)).toEqual(['unknown-name', 'non-finite', 'unknown-name', 'unknown-name', 'unknown-name']);

    const { a, text } = run(src, { maxDiagnostics: 3 });
    // The errors nope1, nope2, nope3 are kept; the warning (before nope2) and nope4 are not.
    expect(a.diagnostics.map((d) => [d.code, at(text, d)])).toEqual([
      ['unknown-name', 'nope1'],
      ['unknown-name', 'nope2'],
      ['unknown-name', 'nope3'],
      ['budget-diagnostics', 'log(0. * a)'],
    ]);
    const summary = a.diagnostics[3];
    expect(summary.message).toBe(`2 more problems not shown, the first of them here ${raiseHint('maxDiagnostics')}`);
    expect(summary.severity).toBe('error'); // nope4 is hidden
    expect(valueOf(a, 'ok')).toEqual([3]);

    // Only a warning hidden: the summary is a warning.
    const one = analyze(src, { maxDiagnostics: 4 }).diagnostics;
    expect(one.map((d) => d.code)).toEqual(['unknown-name', 'unknown-name', 'unknown-name', 'unknown-name', 'budget-diagnostics']);
    expect(one[4]).toMatchObject({
      severity: 'warning',
      message: `1 more problem not shown, the first of them here ${raiseHint('maxDiagnostics')}`,
    });

    expect(analyze(src, { maxDiagnostics: 5 }).diagnostics).toEqual(all);
  });

  it('maxDiagnostics: a 100,000-line file of errors gives the default number and one more', () => {
    const lines = Array.from({ length: 100_000 }, (_, i) => (i % 2 ? `y${i} = unknown_${i} *` : `x${i} = 1`));
    const a = analyze(lines.join('\n'));
    const max = DEFAULT_BUDGETS.maxDiagnostics;
    expect(a.diagnostics).toHaveLength(max + 1);
    const summary = a.diagnostics[max];
    expect(summary.code).toBe('budget-diagnostics');
    expect(summary.message).toContain(raiseHint('maxDiagnostics'));
    // Every diagnostic kept comes before the first one hidden.
    expect(a.diagnostics[max - 1].span.start).toBeLessThan(summary.span.start);
  });
});

describe('suggestions under the cap', () => {
  it('every typo shown keeps its "did you mean", whatever the cap leaves out', () => {
    // Syntax errors, typos and good lines interleaved: the analysis skips the suggestion of a
    // typo only when at least maxDiagnostics errors start before it.
    const lines: string[] = [];
    for (let i = 0; i < 300; i++) lines.push(i % 3 === 0 ? `value${i} = 1.` : i % 3 === 1 ? `w${i} = valu${i - 1} * 2.` : `v${i} = 1 +`);
    lines[299] = 'late = valu297 * 2.';
    const text = lines.join('\n');
    for (const max of [1, 7, 50, 199, 200, 201, 100_000]) {
      const shown = analyze(text, { maxDiagnostics: max }).diagnostics.filter((d) => d.code === 'unknown-name');
      for (const d of shown) expect(d.message, `${max}: ${d.message}`).toMatch(/did you mean `value\d+`\?$/);
    }
    // Uncapped, every typo is shown with its suggestion (the last one too).
    const all = analyze(text, { maxDiagnostics: 100_000 }).diagnostics.filter((d) => d.code === 'unknown-name');
    expect(all).toHaveLength(101);
    expect(all[100].message).toBe('unknown name `valu297`; did you mean `value297`?');
  });
});

describe('uses before definition: the first ones scan the statements, later ones read an index', () => {
  // Twelve names used before they are bound and four never bound, in a short file (eight scans,
  // then the index) and in a 40,000-statement one (five scans, then the index): every message
  // names the right line, whichever way it was found.
  for (const filler of [0, 40_000]) {
    it(`${filler + 32} statements`, () => {
      const uses = Array.from({ length: 16 }, (_, k) => `use${k} = ${k < 12 ? `late${k}` : `never${k}`} + 1`);
      const fill = Array.from({ length: filler }, (_, i) => `f${i} = ${i}`);
      const defs = Array.from({ length: 16 }, (_, k) => `late${k} = ${k}.`);
      const lines = [...uses, ...fill, ...defs];
      const a = analyze(lines.join('\n') + '\n');
      const found = a.diagnostics.map((d) => d.message);
      expect(found).toHaveLength(16);
      for (let k = 0; k < 16; k++) {
        if (k < 12) expect(found[k]).toBe(`\`late${k}\` is used before it is defined (at line ${16 + filler + k + 1})`);
        else expect(found[k]).toMatch(new RegExp(`^unknown name \`never${k}\``));
      }
    });
  }
});
