// The engine's own cost of analysing a deep model and of re-analysing it after an edit, in
// process (no language server, no snapshot): the bench's 1,000-layer chain and a 300-layer
// convolution/attention file, each analysed whole, then edited at its end, in its middle and in
// its feed, as an editor would (each edit takes the previous analysis over). Every edit is also
// given as a ratio to the whole analysis measured in the same run, which the load on the
// machine affects alike.

import { analyzeInStages, type Analysis } from '../engine/analysis';
import { generatedChainFile } from './editorScenarios';

/** A deep model of another shape than the chain: residual convolution blocks on a small
 *  image and self-attention blocks on a sequence, alternating, with the gradient of both
 *  streams' sums with respect to every weight every `gradientEvery` layers. */
export function generatedDeepMixedFile(layers = 300, gradientEvery = 30): string {
  const lines = [
    'image = placeholder(float32, [None, 6, 6, 4])',
    'feed image = uniform([2, 6, 6, 4], seed=1)',
    'tokens = placeholder(float32, [None, 8])',
    'feed tokens = uniform([10, 8], seed=2)',
    'k = variable(uniform([3, 3, 4, 4], seed=3) * 0.05)',
    'wq = variable(uniform([8, 8], seed=4) * 0.3)',
    'wv = variable(uniform([8, 8], seed=5) * 0.3)',
    'c0 = image',
    't0 = tokens',
  ];
  let c = 0;
  let t = 0;
  for (let i = 1; i <= layers; i++) {
    if (i % 2 === 1) {
      lines.push(`c${c + 1} = relu(conv2d(c${c}, k, strides=1, padding='SAME')) * 0.25 + c${c} * 0.75`);
      c++;
    } else {
      lines.push(`t${t + 1} = tanh(softmax((t${t} @ wq) @ transpose(t${t}) * 0.35) @ t${t} @ wv) * 0.5 + t${t} * 0.75`);
      t++;
    }
    if (i % gradientEvery === 0) lines.push(`g${i} = gradients(reduce_sum(c${c}) + reduce_sum(t${t}), [k, wq, wv])`);
  }
  lines.push(`loss = reduce_sum(c${c} * 1.5) + reduce_sum(t${t})`);
  return lines.join('\n') + '\n';
}

export interface EngineEditRow {
  file: string;
  scenario: 'whole' | 'end' | 'middle' | 'feed';
  /** Parse and build, then evaluation (with the checks), ms: medians over the runs. */
  buildMs: number;
  evaluateMs: number;
  totalMs: number;
  /** Kernels run (values computed rather than reused) and values reused, in the last run. */
  kernels: number;
  reused: number;
  /** totalMs over the whole analysis's, same run. */
  ofWhole: number;
}

/** One analysis, timed by stage. */
function timed(text: string, previous?: Analysis): { analysis: Analysis; buildMs: number; evaluateMs: number } {
  const started = performance.now();
  const built = analyzeInStages(text, previous ? { previous, cache: previous.valueCache } : {});
  const builtAt = performance.now();
  const analysis = built.finish();
  return { analysis, buildMs: builtAt - started, evaluateMs: performance.now() - builtAt };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Edits that keep the file valid: a number of its last line, a constant of its middle
 *  statement, the seed of its first feed. The n-th edit makes the n-th variant. */
function editsOf(text: string): Record<'end' | 'middle' | 'feed', (n: number) => string> {
  const lines = text.split('\n');
  const last = lines.length - 2;
  const middle = lines.findIndex((l, i) => i >= lines.length / 2 && /\b0\.\d+/.test(l));
  const feed = lines.findIndex((l) => /^feed .*seed=\d+/.test(l));
  const replaced = (line: number, pattern: RegExp, by: string) =>
    [...lines.slice(0, line), lines[line].replace(pattern, by), ...lines.slice(line + 1)].join('\n');
  return {
    end: (n) => replaced(last, /\* \d+\.\d+/, `* ${(n % 9) + 2}.5`),
    middle: (n) => replaced(middle, /\b0\.\d+/, `0.0${(n % 8) + 2}`),
    feed: (n) => replaced(feed, /seed=\d+/, `seed=${n + 10}`),
  };
}

/** Edits of one kind of the chain file for `seconds`, each taking the previous analysis over
 *  (for a profiler: bench/profile.ts), and the CPU time of each one's evaluation. */
export function profileChainEdits(scenario: 'end' | 'middle' | 'feed', seconds: number): { edits: number; evaluateMs: number[] } {
  const text = generatedChainFile(1000, 50);
  const edit = editsOf(text)[scenario];
  let previous = timed(text).analysis;
  void previous.valueCache;
  const started = performance.now();
  const evaluateMs: number[] = [];
  // (CPU time of the evaluation: on a loaded machine the wall clock counts the other processes)
  while (performance.now() - started < seconds * 1000) {
    const built = analyzeInStages(edit(evaluateMs.length), { previous, cache: previous.valueCache });
    const cpu = process.cpuUsage();
    previous = built.finish();
    const used = process.cpuUsage(cpu);
    evaluateMs.push((used.user + used.system) / 1000);
    void previous.valueCache;
  }
  return { edits: evaluateMs.length, evaluateMs };
}

export function measureEngineChain(runs: number): EngineEditRow[] {
  const files: [string, string][] = [
    ['chain 1000 layers', generatedChainFile(1000, 50)],
    ['conv/attention 300 layers', generatedDeepMixedFile(300, 30)],
  ];
  const rows: EngineEditRow[] = [];
  for (const [file, text] of files) {
    const edits = editsOf(text);
    const whole = { build: [] as number[], evaluate: [] as number[] };
    let analysis: Analysis | undefined;
    for (let r = 0; r < runs; r++) {
      const m = timed(text);
      whole.build.push(m.buildMs);
      whole.evaluate.push(m.evaluateMs);
      analysis = m.analysis;
    }
    const wholeMs = median(whole.build.map((b, i) => b + whole.evaluate[i]));
    rows.push(row(file, 'whole', whole, analysis!, wholeMs));
    for (const scenario of ['end', 'middle', 'feed'] as const) {
      // Each scenario from a fresh analysis whose value table was asked for (as the editor's
      // first edit does), then `runs` edits in a chain.
      let previous = timed(text).analysis;
      void previous.valueCache;
      const times = { build: [] as number[], evaluate: [] as number[] };
      for (let r = 0; r < runs; r++) {
        const m = timed(edits[scenario](r), previous);
        times.build.push(m.buildMs);
        times.evaluate.push(m.evaluateMs);
        previous = m.analysis;
        void previous.valueCache;
      }
      rows.push(row(file, scenario, times, previous, wholeMs));
    }
  }
  return rows;
}

function row(
  file: string,
  scenario: EngineEditRow['scenario'],
  times: { build: number[]; evaluate: number[] },
  last: Analysis,
  wholeMs: number,
): EngineEditRow {
  const totalMs = median(times.build.map((b, i) => b + times.evaluate[i]));
  return {
    file,
    scenario,
    buildMs: median(times.build),
    evaluateMs: median(times.evaluate),
    totalMs,
    kernels: last.stats.computed,
    reused: last.stats.reused,
    ofWhole: totalMs / wholeMs,
  };
}

export function engineChainTable(rows: readonly EngineEditRow[], load: string): string {
  const header = ['file', 'analysis', 'build ms', 'evaluate ms', 'total ms', 'of whole', 'kernels run', 'reused'];
  const body = rows.map((r) => [
    r.file,
    r.scenario,
    r.buildMs.toFixed(1),
    r.evaluateMs.toFixed(1),
    r.totalMs.toFixed(1),
    r.scenario === 'whole' ? '' : r.ofWhole.toFixed(3),
    String(r.kernels),
    String(r.reused),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [
    `engine analysis in process (medians; every edit takes the previous analysis over; load average ${load})`,
    line(header),
    ...body.map(line),
  ].join('\n');
}
