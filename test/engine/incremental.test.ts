// Incremental re-analysis (`analyze(text, { previous })`) must be indistinguishable from a full
// analysis of the same text: same diagnostics, values, checks, asserts, references and
// gradient explanations. Random edits (fixed seeds, so a failure reproduces) are made to every
// example, fixture and grammar file and to a generated file; after each edit the text is
// analysed both ways and the two are compared. Each edited analysis is the `previous` of the
// next edit, so chains of take-overs and roll-backs are exercised, not just one.
import * as fs from 'fs';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { analyze as analyzeWithBudgets, type Analysis, type AnalysisOptions } from '../../engine/analysis';
import type { Value } from '../../engine/builder';
import { explainSite } from '../../engine/explain';
import { formatTensor } from '../../engine/format/numpy';
// The LSP bench's generated model file: long, with gradients, reductions and stacks, so edits
// far from the start leave a long prefix to take over.
import { generatedModelFile } from '../../bench/editor';
// Deep models: the editor scenarios' chain (a gradient every few layers, each walking the whole
// chain back) and residual convolution/attention blocks.
import { generatedChainFile } from '../../bench/editorScenarios';
import { generatedDeepMixedFile } from '../../bench/engineChain';
import { tgraphFiles } from '../support/tgraphFiles';

/** What these tests compare must not depend on the machine's speed: an evaluation or an
 *  explanation that ran out of time in one analysis and not in the other (a loaded machine)
 *  made a mismatch that was no fault of the incremental path. */
const UNTIMED = { evaluationTimeoutMs: 600_000, explainTimeoutMs: 600_000 };
const analyze = (text: string, options: AnalysisOptions = {}): Analysis => analyzeWithBudgets(text, { ...UNTIMED, ...options });

const root = path.resolve(__dirname, '..', '..');

/** Everything an editor shows from an analysis, as comparable strings (by section, so a
 *  mismatch says what differs). Nodes are compared by label, op and value, not identity: the
 *  incremental analysis keeps the previous graph's node objects. */
function snapshot(a: Analysis): Record<string, string> {
  const values = a.bindings.map((binding) => {
    const nodes: string[] = [];
    const walk = (v: Value) => {
      if (v.kind === 'tensor') {
        const t = a.valueOf(v.node);
        nodes.push(`${v.node.label}:${v.node.op.name}:${t ? formatTensor(t, { threshold: 50 }) : 'none'}`);
      } else if (v.kind === 'list') v.items.forEach(walk);
    };
    walk(binding.value);
    return `${binding.name} ${binding.kind} ${binding.span.start} ${binding.gradient ? binding.gradient.path.size : '-'} ${nodes.join('|')}`;
  });
  const sections = {
    diagnostics: a.diagnostics.map((d) => [d.span, d.severity, d.code, d.message, d.related]),
    values,
    checks: a.checks.map((c) => [c.passed, c.message, c.summary]),
    asserts: a.asserts.map((x) => [x.passed, x.message]),
    references: a.references.map((r) => [r.span.start, r.span.end, r.binding.name, r.binding.span.start]),
    statements: a.program.statements.map((s) => [s.kind, s.span.start, s.span.end]),
    comments: a.program.comments.map((c) => [c.span.start, c.span.end]),
    graphSize: [a.graph.nodes.length, a.gradientSites.length],
    explanations: a.gradientSites.map((site) =>
      site.xs.map((_, i) => {
        const e = explainSite(a, site, i);
        return [e.text, e.fanOut, e.method, e.meaning];
      }),
    ),
  };
  return Object.fromEntries(Object.entries(sections).map(([k, v]) => [k, JSON.stringify(v)]));
}

/** The sections where two snapshots differ, abbreviated for a readable failure. */
function differences(full: Record<string, string>, incremental: Record<string, string>): string[] {
  return Object.keys(full)
    .filter((k) => full[k] !== incremental[k])
    .map((k) => `${k}:\n    full        ${full[k].slice(0, 400)}\n    incremental ${incremental[k].slice(0, 400)}`);
}

/** When `after` differs from `before` within one feed line only, an incremental analysis
 *  keeps the graph and builds the feed's nodes again after the others (Analyzer.refeed): its
 *  graph holds the nodes of the feeds' first values, a few more or fewer than a full
 *  analysis's (its feeds' values live in `feeds`, not in nodes anything reads). */
function looseFeedNodes(before: string, after: string, full: Record<string, string>, incremental: Record<string, string>): void {
  let p = 0;
  while (p < before.length && p < after.length && before[p] === after[p]) p++;
  let q = 0;
  while (q < before.length - p && q < after.length - p && before[before.length - 1 - q] === after[after.length - 1 - q]) q++;
  const lineStart = before.lastIndexOf('\n', p - 1) + 1;
  const lineEnd = before.indexOf('\n', lineStart);
  if (!before.startsWith('feed ', lineStart) || before.length - q > (lineEnd < 0 ? before.length : lineEnd)) return;
  const [fullNodes, fullSites] = JSON.parse(full.graphSize) as number[];
  const [nodes, sites] = JSON.parse(incremental.graphSize) as number[];
  if (sites === fullSites && Math.abs(nodes - fullNodes) <= 16) incremental.graphSize = full.graphSize;
}

/** mulberry32: a small seeded generator (the same seed gives the same edits everywhere) whose
 *  low bits are as random as its high ones (a plain LCG's low bits cycle with a short period,
 *  so `random(4)` would repeat and some edits would never be made). */
function randomFrom(seed: number): (n: number) => number {
  let state = seed >>> 0;
  return (n) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

/** Typing that breaks and mends statements: digits, operators, brackets, new statements,
 *  line continuations, and the statements that make `previous` decline (feed, grad). */
const INSERTS = [
  '1',
  ' + 1.',
  '\n',
  'x',
  ')',
  '\ny = 2.\n',
  '# expect-fail\n',
  '\nfeed z = 1.\n',
  'a',
  '0',
  '\nassert 1 > 2\n',
  '.',
  '(',
  '[',
  ' \\\n',
  '\ngrad f(a, dy) = dy\n',
  '\ndef f(a) = a * 2.\n',
];

interface Tally {
  edits: number;
  /** Edits where the incremental analysis took over the previous graph. */
  tookOver: number;
  mismatches: string[];
}

/** `edits` random edits in a chain to `text`, each analysed in full and incrementally. Edits
 *  land in the last 70% of the text (where a prefix can be taken over); a quarter are
 *  deletions only. The chain ends by comparing with an analysis that has no cache at all. */
function editChain(name: string, text: string, edits: number, random: (n: number) => number, tally: Tally): void {
  let previous = analyze(text);
  for (let step = 0; step < edits; step++) {
    const at = Math.floor(text.length * (0.3 + (0.7 * random(1000)) / 1000));
    const deleted = random(3) === 0 ? random(4) : 0;
    const inserted = random(4) === 0 ? '' : INSERTS[random(INSERTS.length)];
    const next = text.slice(0, at) + inserted + text.slice(at + deleted);
    const full = snapshot(analyze(next, { cache: previous.valueCache }));
    const oldGraph = previous.graph;
    const incremental = analyze(next, { cache: previous.valueCache, previous });
    tally.edits++;
    if (incremental.graph === oldGraph) tally.tookOver++;
    const mine = snapshot(incremental);
    looseFeedNodes(text, next, full, mine);
    const diff = differences(full, mine);
    if (diff.length)
      tally.mismatches.push(`${name} step ${step}: insert ${JSON.stringify(inserted)} at ${at}, delete ${deleted}\n  ${diff.join('\n  ')}`);
    text = next;
    previous = incremental;
  }
  const diff = differences(snapshot(analyze(text)), snapshot(previous));
  if (diff.length) tally.mismatches.push(`${name} after ${edits} edits, against an analysis without cache\n  ${diff.join('\n  ')}`);
}

const files = tgraphFiles('examples', 'test/fixtures', 'test/grammar');

describe('incremental re-analysis equals full analysis', () => {
  it('finds the files to edit', () => {
    expect(files.length).toBeGreaterThanOrEqual(30);
    expect(files.some((f) => f.endsWith(path.join('examples', 'nn.tgraph')))).toBe(true);
  });

  // 4 chained edits per file, ~150 edits per seed.
  for (const seed of [12345, 20261126, 2, 11]) {
    it(`after random edits to every example and fixture (seed ${seed})`, () => {
      const random = randomFrom(seed);
      const tally: Tally = { edits: 0, tookOver: 0, mismatches: [] };
      for (const file of files) editChain(path.relative(root, file), fs.readFileSync(file, 'utf8'), 4, random, tally);
      expect(tally.mismatches.slice(0, 3)).toEqual([]);
      expect(tally.edits).toBe(files.length * 4);
      // Not a vacuous comparison: a good share of edits really took the previous graph over.
      expect(tally.tookOver).toBeGreaterThan(tally.edits / 4);
    });
  }

  for (const seed of [99, 4242]) {
    it(`after random edits to a generated 120-statement file (seed ${seed})`, () => {
      // Short chains from the clean text: once an edit leaves a diagnostic (most do) or a
      // feed, every later edit before it declines, so one long chain would mostly decline.
      const random = randomFrom(seed);
      const tally: Tally = { edits: 0, tookOver: 0, mismatches: [] };
      const text = generatedModelFile(120);
      for (let chain = 0; chain < 6; chain++) editChain(`generated chain ${chain}`, text, 4, random, tally);
      expect(tally.mismatches.slice(0, 3)).toEqual([]);
      expect(tally.edits).toBe(24);
      expect(tally.tookOver).toBeGreaterThan(tally.edits / 4);
    });
  }
});

describe('incremental re-analysis of deep models equals full analysis', () => {
  const deep: [string, string][] = [
    ['chain of 120 layers', generatedChainFile(120, 20)],
    ['convolution/attention of 40 layers', generatedDeepMixedFile(40, 10)],
  ];
  for (const [name, text] of deep) {
    it(`after random edits to a ${name}`, () => {
      const random = randomFrom(7);
      const tally: Tally = { edits: 0, tookOver: 0, mismatches: [] };
      for (let chain = 0; chain < 3; chain++) editChain(`${name}, chain ${chain}`, text, 3, random, tally);
      expect(tally.mismatches.slice(0, 3)).toEqual([]);
      expect(tally.tookOver).toBeGreaterThan(tally.edits / 4);
    });
  }

  it('runs no kernel of the kept statements for an edit at the end', () => {
    const text = generatedChainFile(200, 50);
    const first = analyze(text);
    expect(first.diagnostics).toEqual([]);
    // 200 layers and 4 gradients of up to 200 layers back: thousands of kernels.
    expect(first.stats.computed).toBeGreaterThan(5000);
    const edited = text.replace('h200 * 1.5', 'h200 * 2.5');
    const next = analyze(edited, { previous: first, cache: first.valueCache });
    expect(next.graph === first.graph).toBe(true);
    // The last statement's multiply and reduce_sum (its new literal is a source).
    expect(next.stats.computed).toBeLessThanOrEqual(3);
    // What is read of the kept values is the bindings' (not every node of the kept graph).
    expect(next.stats.reused).toBeLessThanOrEqual(next.bindings.length + 3);
    expect(snapshot(next)).toEqual(snapshot(analyze(edited)));
    // And again from that analysis: a chain of take-overs.
    const again = edited.replace('h200 * 2.5', 'h200 * 3.5');
    const third = analyze(again, { previous: next, cache: next.valueCache });
    expect(third.stats.computed).toBeLessThanOrEqual(3);
    expect(snapshot(third)).toEqual(snapshot(analyze(again)));
  });

  it('says the NaN warnings of the kept statements again, intermediate values included', () => {
    // The Inf is made inside an expression (no binding names it) and inside a gradient.
    const text = [
      'x = placeholder(float32, [2])',
      'feed x = [1., 800.]',
      'y = reduce_sum(exp(x) * 0.)',
      'g = gradients(reduce_sum(exp(x * 2.)), x)',
      'z = y + 1.',
      'last = z * 1.5',
    ].join('\n');
    const first = analyze(text);
    expect(first.diagnostics.filter((d) => d.code === 'non-finite').length).toBeGreaterThanOrEqual(2);
    let previous = first;
    for (const factor of ['2.5', '3.5']) {
      const edited = text.replace('z * 1.5', `z * ${factor}`);
      const next = analyze(edited, { previous, cache: previous.valueCache });
      expect(next.graph === first.graph).toBe(true);
      expect(snapshot(next)).toEqual(snapshot(analyze(edited)));
      previous = next;
    }
  });
});

// Graph identity is compared with `===` and `toBe(true/false)`: `expect(g).not.toBe(h)` would
// make vitest deep-compare two whole graphs for its message (tens of seconds).
describe('when previous is taken over and when it declines', () => {
  const source = generatedModelFile(40);
  const appended = source + 'extra = reduce_sum(n1) * 3.\n';

  it('takes over the graph for an edit at the end, with the right values', () => {
    const first = analyze(source);
    const oldGraph = first.graph;
    const next = analyze(appended, { cache: first.valueCache, previous: first });
    expect(next.graph === oldGraph).toBe(true);
    expect(next.diagnostics).toEqual([]);
    const full = analyze(appended);
    const extra = next.lookup('extra')!.value;
    const expected = full.lookup('extra')!.value;
    expect(extra.kind === 'tensor' && expected.kind === 'tensor').toBe(true);
    if (extra.kind === 'tensor' && expected.kind === 'tensor') {
      const value = Array.from(next.valueOf(extra.node)!.data);
      expect(value).toHaveLength(1);
      expect(value).toEqual(Array.from(full.valueOf(expected.node)!.data));
    }
  });

  it('declines an edit to the first statements', () => {
    const first = analyze(source);
    const next = analyze(source.replace('[None, 3]', '[None, 3] '), { cache: first.valueCache, previous: first });
    expect(next.graph === first.graph).toBe(false);
  });

  it('declines when a feed or grad rule follows the edit', () => {
    for (const later of ['feed x = ones([2, 3])\n', 'def f(a) = a * 2.\ngrad f(a, dy) = dy\n']) {
      const first = analyze(source);
      const next = analyze(source + later, { cache: first.valueCache, previous: first });
      expect(next.graph === first.graph).toBe(false);
      expect(snapshot(next)).toEqual(snapshot(analyze(source + later)));
    }
  });

  it('keeps only the statements before the first one that reported a diagnostic', () => {
    // An error near the top: only the statements above it are kept, the rest are built again.
    const broken = source.replace('w = variable(ones([3, 3]))', 'w = variable(ones([3, 3])) + undefined_name');
    const first = analyze(broken);
    expect(first.diagnostics.length).toBeGreaterThan(0);
    const next = analyze(broken + 'q = 1.\n', { cache: first.valueCache, previous: first });
    expect(snapshot(next)).toEqual(snapshot(analyze(broken + 'q = 1.\n')));
    // An error in the last line (the line being typed): everything above it is kept, and the
    // error is reported again, once.
    const typing = source + 'last = n1 * undefined_name\n';
    const before = analyze(typing);
    const after = analyze(typing + 'q = 1.\n', { cache: before.valueCache, previous: before });
    expect(after.graph === before.graph).toBe(true);
    expect(after.diagnostics.map((d) => d.code)).toEqual(['unknown-name']);
    expect(snapshot(after)).toEqual(snapshot(analyze(typing + 'q = 1.\n')));
  });

  it('keeps the statements before a parse error', () => {
    for (const [broken, kept] of [
      [source.replace('w = variable(ones([3, 3]))', 'w = variable(ones([3, 3])) +'), false], // near the top
      [source + 'last = n1 *\n', true], // the line being typed
    ] as const) {
      const first = analyze(broken);
      expect(first.diagnostics.map((d) => d.code)).toContain('syntax');
      const next = analyze(broken + 'q = 1.\n', { cache: first.valueCache, previous: first });
      if (kept) expect(next.graph === first.graph).toBe(true);
      expect(snapshot(next)).toEqual(snapshot(analyze(broken + 'q = 1.\n')));
    }
  });

  it('reads expect-fail comments again for the asserts and checks it keeps', () => {
    // The assert is kept (its failure is found after the graph is built, and made anew), and
    // the edit is in its comment: expect-fail marks it no more.
    const text = source + 'assert 1. > 2.  # expect-fail\nafter = 1.\n';
    const first = analyze(text);
    expect(first.diagnostics.map((d) => [d.code, d.severity])).toEqual([['assert-failed', 'information']]);
    const unmarked = text.replace('# expect-fail', '# expected to pass');
    const next = analyze(unmarked, { cache: first.valueCache, previous: first });
    expect(next.graph === first.graph).toBe(true);
    expect(snapshot(next)).toEqual(snapshot(analyze(unmarked)));
    expect(next.diagnostics.map((d) => d.severity)).toEqual(['error']);
  });

  it('declines when the options differ', () => {
    const plain = analyze(source);
    expect(analyze(appended, { cache: plain.valueCache, previous: plain, check: { atol: 1e-3 } }).graph === plain.graph).toBe(false);
  });

  it('declines a previous analysis that was already superseded', () => {
    const first = analyze(source);
    const second = analyze(appended, { cache: first.valueCache, previous: first });
    expect(second.graph === first.graph).toBe(true);
    // `first` now belongs to the past: its analyzer has moved on to `second`.
    const third = analyze(appended + 'more = 1.\n', { cache: first.valueCache, previous: first });
    expect(third.graph === first.graph).toBe(false);
    expect(snapshot(third)).toEqual(snapshot(analyze(appended + 'more = 1.\n')));
  });
});

describe('an edit of a feed value keeps the graph and equals a full analysis', () => {
  /** Edits of one feed's value: its numbers, their dtype, its shape (a row more), a value that
   *  makes a NaN or an error appear, and the original value back (the error goes away). */
  const FEED_EDITS: ((value: string, random: (n: number) => number) => string)[] = [
    (v, r) => v.replace(/\d+(\.\d*)?/, `${r(90) + 1}.${r(10)}`),
    (v, r) => v.replace(/\d+(\.\d*)?(?!.*\d)/, String(r(1000))),
    (v) => v.replace(/\d+\.\d*/, (d) => String(Math.round(Number(d)))),
    (v) => `${v} * inf`,
    (v) => `-(${v})`,
    (v) => `concat([${v}, ${v}], 0)`,
    (v) => `${v} + no_such_name`,
    (v) => `${v}  # expect-fail`,
    (v) => `(${v}`,
  ];

  /** Every feed edit of `text` in a chain, each compared with a full analysis; the feed's
   *  original value comes back every few edits. Counts the edits that kept the graph. */
  function feedEdits(name: string, text: string, edits: number, random: (n: number) => number, tally: Tally): void {
    const original = text;
    let previous = analyze(text);
    for (let step = 0; step < edits; step++) {
      const feeds = [...text.matchAll(/^feed \w+ = (.*)$/gm)];
      if (feeds.length === 0) return;
      const feed = feeds[random(feeds.length)];
      const start = feed.index! + feed[0].length - feed[1].length;
      const value =
        step % 4 === 3 ? (original.slice(start).match(/^.*$/m)?.[0] ?? feed[1]) : FEED_EDITS[random(FEED_EDITS.length)](feed[1], random);
      const next = text.slice(0, start) + value + text.slice(start + feed[1].length);
      const fullAnalysis = analyze(next, { cache: previous.valueCache });
      const oldGraph = previous.graph;
      const incremental = analyze(next, { cache: previous.valueCache, previous });
      tally.edits++;
      if (incremental.graph === oldGraph) tally.tookOver++;
      const full = snapshot(fullAnalysis);
      const mine = snapshot(incremental);
      looseFeedNodes(text, next, full, mine);
      const spans = (a: Analysis) =>
        JSON.stringify([
          a.bindings.map((b) => (b.value.kind === 'tensor' ? [b.value.node.span, b.value.node.origin.kind] : null)),
          a.gradientSites.map((s) => [s.span, [...s.path].map((n) => n.span.start)]),
        ]);
      // The positions of the values' nodes and of the gradients' paths, moved by the edit.
      full.spans = spans(fullAnalysis);
      mine.spans = spans(incremental);
      const diff = differences(full, mine);
      if (diff.length) tally.mismatches.push(`${name} step ${step}: feed value ${JSON.stringify(value)}\n  ${diff.join('\n  ')}`);
      text = next;
      previous = incremental;
    }
    const diff = differences(snapshot(analyze(text)), snapshot(previous)).filter((d) => !d.startsWith('graphSize'));
    if (diff.length) tally.mismatches.push(`${name} after ${edits} edits, against an analysis without cache\n  ${diff.join('\n  ')}`);
  }

  it('on every example and fixture with a feed', () => {
    const random = randomFrom(20261206);
    const tally: Tally = { edits: 0, tookOver: 0, mismatches: [] };
    for (const file of files) feedEdits(path.relative(root, file), fs.readFileSync(file, 'utf8'), 6, random, tally);
    expect(tally.mismatches.slice(0, 3)).toEqual([]);
    expect(tally.edits).toBeGreaterThan(100);
    expect(tally.tookOver).toBeGreaterThan(tally.edits / 5);
  });

  it('on the chain, whose feed is its second statement (no prefix to take over)', () => {
    const random = randomFrom(15);
    const tally: Tally = { edits: 0, tookOver: 0, mismatches: [] };
    feedEdits('chain of 60 layers', generatedChainFile(60, 10), 16, random, tally);
    expect(tally.mismatches.slice(0, 3)).toEqual([]);
    // Most of these edits change the shape, report an error or follow one: those build anew.
    expect(tally.tookOver).toBeGreaterThanOrEqual(3);
  });

  it("evaluates again only what depends on the feed, and builds the whole file again when the feed's shape changes", () => {
    const text = generatedChainFile(30, 10).replace('h0 = x', 'h0 = x\nc = reduce_sum(w0 * w0)');
    let previous = analyze(text);
    void previous.valueCache;
    const edited = analyze(text.replace('seed=1)', 'seed=123)'), { cache: previous.valueCache, previous });
    expect(edited.graph).toBe(previous.graph);
    // w0 and c are taken over; the chain and its gradients (all through x) are not.
    const full = analyze(text.replace('seed=1)', 'seed=123)'));
    expect(edited.stats.computed).toBeLessThan(full.stats.computed);
    expect(edited.stats.computed).toBeGreaterThan(full.stats.computed / 2);
    const [mine, theirs] = [snapshot(edited), snapshot(full)];
    looseFeedNodes(text, text.replace('seed=1)', 'seed=123)'), theirs, mine);
    expect(mine).toEqual(theirs);
    // A value that moves the lines after it (a hover says "defined at line"): built anew.
    const spread = text.replace('uniform([16, 8], seed=1)', 'uniform([16, 8],\n  seed=1)');
    const moved = analyze(spread, { cache: edited.valueCache, previous: analyze(text) });
    expect(snapshot(moved)).toEqual(snapshot(analyze(spread)));
    previous = edited;
    void previous.valueCache;
    const reshaped = analyze(text.replace('[16, 8], seed=1)', '[5, 8], seed=1)'), { cache: previous.valueCache, previous });
    expect(reshaped.graph).not.toBe(previous.graph);
    expect(snapshot(reshaped)).toEqual(snapshot(analyze(text.replace('[16, 8], seed=1)', '[5, 8], seed=1)'))));
  });
});
