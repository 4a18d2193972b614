// The explanation's cost on a deep net: a 1,000-layer chain `h_i = tanh(h_{i-1} @ w0) +
// 0.01 * h_{i-1}` with a gradient every 50 layers (20 gradients), and one gradient at the end
// of 1,000 layers. Each file is analysed once per run (not timed), then every gradient
// binding is explained as `tgraph run --json` does (`explanationsJson`) on that fresh
// analysis. The goal is every gradient of the chain file in ≤ 300 ms; the peer is the
// analysis of the same file in the same run (the ratio says what explaining adds to it).

import { analyze } from '../engine/analysis';
import { explanationsJson } from '../engine/explain';

export const EXPLAIN_GOAL_MS = 300;

/** The chain: `layers` layers of width `width` over a batch of `batch`, a gradient of the
 *  layer's sum w.r.t. w0 every `every` layers (none when 0) and one at the end when `last`. */
export function chainFile(layers = 1000, every = 50, options: { width?: number; batch?: number; last?: boolean } = {}): string {
  const width = options.width ?? 8;
  const batch = options.batch ?? 4;
  const lines = [
    `h0 = placeholder(float32, [None, ${width}])`,
    `feed h0 = uniform([${batch}, ${width}], low=-1, high=1, seed=1)`,
    `w0 = variable(normal([${width}, ${width}], stddev=0.3, seed=2))`,
  ];
  for (let i = 1; i <= layers; i++) {
    lines.push(`h${i} = tanh(h${i - 1} @ w0) + 0.01 * h${i - 1}`);
    if (every > 0 && i % every === 0) lines.push(`g${i} = gradient(reduce_sum(h${i}), w0)`);
  }
  if (options.last) lines.push(`g = gradient(reduce_sum(h${layers}), w0)`);
  return lines.join('\n') + '\n';
}

export interface Spread {
  median: number;
  min: number;
  max: number;
}

export interface ExplainRow {
  input: string;
  gradients: number;
  /** The first explanation of the run (the functions not yet optimised by the VM). */
  firstMs: number;
  explainMs: Spread;
  explainCpuMs: Spread;
  analysisMs: Spread;
  ratio: number;
  met: boolean;
}

function spread(xs: number[]): Spread {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], min: s[0], max: s[s.length - 1] };
}

function measureOne(input: string, text: string, runs: number): ExplainRow {
  const wall: number[] = [];
  const cpu: number[] = [];
  const analysis: number[] = [];
  let gradients = 0;
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    const a = analyze(text);
    analysis.push(performance.now() - t0);
    const c0 = process.cpuUsage();
    const t1 = performance.now();
    gradients = Object.keys(explanationsJson(a)).length;
    wall.push(performance.now() - t1);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  const explainMs = spread(wall);
  const analysisMs = spread(analysis);
  return {
    input,
    gradients,
    firstMs: wall[0],
    explainMs,
    explainCpuMs: spread(cpu),
    analysisMs,
    ratio: explainMs.median / analysisMs.median,
    met: explainMs.median <= EXPLAIN_GOAL_MS,
  };
}

/** The chain file (20 gradients) and the one gradient at the end of 1,000 layers. */
export function measureExplain(runs: number): ExplainRow[] {
  return [
    measureOne('1,000-layer chain, a gradient every 50 layers', chainFile(1000, 50), runs),
    measureOne('1,000-layer chain, one gradient at the end', chainFile(1000, 0, { last: true }), runs),
  ];
}
