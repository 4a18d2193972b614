// The explanation's cost on a deep net: a 1,000-layer chain `h_i = tanh(h_{i-1} @ w0) +
// 0.01 * h_{i-1}` with a gradient every 50 layers (20 gradients), one gradient at the end of
// 1,000 layers, and what users bring: a 300-layer dense/tanh TF 1.x script and a 100-block
// residual conv net, each differentiating its loss w.r.t. every trainable variable. Each file
// is analysed once per run (not timed), then every gradient binding is explained as `tgraph
// run --json` does (`explanationsJson`) on that fresh analysis. The goals: every gradient of
// the chain file in ≤ 300 ms, every weight of a deep model within `tgraph run`'s explanation
// budget; the peer is the analysis of the same file in the same run (the ratio says what
// explaining adds to it).

import { analyze } from '../engine/analysis';
import { explanationsJson } from '../engine/explain';
import { DEFAULT_BUDGETS } from '../engine/budgets';

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

/** What users bring: a TF 1.x script of `layers` dense/tanh layers, each with its own
 *  kernel, bias, gain and shift (four variables a layer: 1,200 for 300 layers), and one
 *  `tf.gradients(loss, tf.trainable_variables())` explaining every one of them. */
export function deepDenseScript(layers = 300, options: { width?: number; batch?: number } = {}): string {
  const width = options.width ?? 8;
  const batch = options.batch ?? 4;
  return [
    'import numpy as np',
    'import tensorflow as tf',
    '',
    `x = tf.placeholder(tf.float32, [None, ${width}])`,
    'h = x',
    `for i in range(${layers}):`,
    "    with tf.variable_scope('layer_%d' % i):",
    `        w = tf.get_variable('kernel', [${width}, ${width}], initializer=tf.random_normal_initializer(stddev=0.3, seed=i))`,
    `        b = tf.get_variable('bias', [${width}], initializer=tf.constant_initializer(0.01))`,
    `        g = tf.get_variable('gain', [${width}], initializer=tf.constant_initializer(1.0))`,
    `        s = tf.get_variable('shift', [${width}], initializer=tf.constant_initializer(0.0))`,
    '        h = tf.nn.tanh((tf.matmul(h, w) + b) * g + s)',
    'loss = tf.reduce_mean(tf.reduce_sum(h ** 2, axis=1))',
    'grads = tf.gradients(loss, tf.trainable_variables())',
    'sess = tf.Session()',
    'sess.run(tf.global_variables_initializer())',
    `x_val = np.linspace(-1, 1, ${batch * width}).reshape(${batch}, ${width})`,
    'grad_vals = sess.run(grads, feed_dict={x: x_val})',
    '',
  ].join('\n');
}

/** A TF 1.x conv net of `blocks` residual blocks (a 3×3 convolution, a bias, relu, added to
 *  the block's input) over 6×6 images with `channels` channels: two variables a block. */
export function deepConvScript(blocks = 100, options: { channels?: number; batch?: number } = {}): string {
  const c = options.channels ?? 4;
  const batch = options.batch ?? 2;
  return [
    'import numpy as np',
    'import tensorflow as tf',
    '',
    `images = tf.placeholder(tf.float32, [None, 6, 6, ${c}])`,
    'h = images',
    `for i in range(${blocks}):`,
    "    with tf.variable_scope('block_%d' % i):",
    `        f = tf.get_variable('filters', [3, 3, ${c}, ${c}], initializer=tf.random_normal_initializer(stddev=0.1, seed=i))`,
    `        b = tf.get_variable('bias', [${c}], initializer=tf.constant_initializer(0.01))`,
    "        h = h + tf.nn.relu(tf.nn.conv2d(h, f, strides=[1, 1, 1, 1], padding='SAME') + b)",
    'loss = tf.reduce_mean(tf.square(h))',
    'grads = tf.gradients(loss, tf.trainable_variables())',
    'sess = tf.Session()',
    'sess.run(tf.global_variables_initializer())',
    `x_val = np.sin(np.arange(${batch * 36 * c})).reshape(${batch}, 6, 6, ${c})`,
    'grad_vals = sess.run(grads, feed_dict={images: x_val})',
    '',
  ].join('\n');
}

/** A fan: `weights` weights of one layer each, side by side, their outputs added pairwise
 *  into one loss (a tree of sums: each weight's path is a few nodes and the tree's depth
 *  long, the site's path thousands), and one gradient of the loss w.r.t. every weight. */
export function fanFile(weights = 1000, options: { width?: number; batch?: number } = {}): string {
  const width = options.width ?? 4;
  const batch = options.batch ?? 3;
  const lines = [`x = placeholder(float32, [None, ${width}])`, `feed x = uniform([${batch}, ${width}], low=-1, high=1, seed=1)`];
  const names: string[] = [];
  let level: string[] = [];
  for (let i = 1; i <= weights; i++) {
    lines.push(`w${i} = variable(normal([${width}, 2], stddev=0.3, seed=${i + 1}))`);
    lines.push(`t${i} = reduce_sum(tanh(x @ w${i}))`);
    names.push(`w${i}`);
    level.push(`t${i}`);
  }
  for (let depth = 1; level.length > 1; depth++) {
    const next: string[] = [];
    for (let j = 0; j < level.length; j += 2) {
      const name = `s${depth}_${j / 2}`;
      lines.push(`${name} = ${j + 1 < level.length ? `${level[j]} + ${level[j + 1]}` : level[j]}`);
      next.push(name);
    }
    level = next;
  }
  lines.push(`loss = ${level[0]}`);
  lines.push(`g = gradients(loss, [${names.join(', ')}])`);
  return lines.join('\n') + '\n';
}

/** A ResNet-like net of `blocks` blocks, each with its own weight, whose output adds the
 *  block's input and the previous block's input (skips of one and two blocks), and one
 *  gradient of its loss w.r.t. the input and every weight. */
export function residualFile(blocks = 100, options: { width?: number; batch?: number } = {}): string {
  const width = options.width ?? 4;
  const batch = options.batch ?? 3;
  const lines = [
    `x = placeholder(float32, [None, ${width}])`,
    `feed x = uniform([${batch}, ${width}], low=-1, high=1, seed=1)`,
    'h0 = x * 1.0',
  ];
  const names: string[] = [];
  for (let i = 1; i <= blocks; i++) {
    lines.push(`w${i} = variable(normal([${width}, ${width}], stddev=0.3, seed=${i + 1}))`);
    const skip = i >= 2 ? ` + 0.5 * h${i - 2}` : '';
    lines.push(`h${i} = relu(h${i - 1} @ w${i}) + h${i - 1}${skip}`);
    names.push(`w${i}`);
  }
  lines.push(`loss = reduce_mean(h${blocks} ** 2)`);
  lines.push(`g = gradients(loss, [h0, ${names.join(', ')}])`);
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

/** One run: a fresh analysis (timed apart), then every gradient explained. */
export function explainOnce(text: string, python = false): { gradients: number; wallMs: number; cpuMs: number; analysisMs: number } {
  const t0 = performance.now();
  const a = analyze(text, python ? { language: 'python' } : {});
  const analysisMs = performance.now() - t0;
  const c0 = process.cpuUsage();
  const t1 = performance.now();
  const gradients = Object.keys(explanationsJson(a)).length;
  const wallMs = performance.now() - t1;
  const c = process.cpuUsage(c0);
  return { gradients, wallMs, cpuMs: (c.user + c.system) / 1000, analysisMs };
}

/** The benchmark's inputs by name (bench/profile.ts profiles one). */
export const EXPLAIN_INPUTS = {
  chain: { text: () => chainFile(1000, 50), python: false },
  last: { text: () => chainFile(1000, 0, { last: true }), python: false },
  dense: { text: () => deepDenseScript(300), python: true },
  conv: { text: () => deepConvScript(100), python: true },
  fan: { text: () => fanFile(1000), python: false },
  residual: { text: () => residualFile(100), python: false },
};

function measureOne(input: string, text: string, runs: number, options: { python?: boolean; goalMs?: number } = {}): ExplainRow {
  const wall: number[] = [];
  const cpu: number[] = [];
  const analysis: number[] = [];
  let gradients = 0;
  for (let r = 0; r < runs; r++) {
    const m = explainOnce(text, options.python);
    gradients = m.gradients;
    wall.push(m.wallMs);
    cpu.push(m.cpuMs);
    analysis.push(m.analysisMs);
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
    met: explainMs.median <= (options.goalMs ?? EXPLAIN_GOAL_MS),
  };
}

/** The goal of the deep models: every weight explained within `tgraph run`'s default
 *  explanation budget (explainRunTimeoutMs). */
export const DEEP_GOAL_MS = DEFAULT_BUDGETS.explainRunTimeoutMs;

/** The chain file (20 gradients), the one gradient at the end of 1,000 layers, and the deep
 *  models' gradients of every weight (a third of the runs: each is seconds long). */
export function measureExplain(runs: number): ExplainRow[] {
  const deepRuns = Math.max(1, Math.floor(runs / 3));
  const deep = { python: true, goalMs: DEEP_GOAL_MS };
  return [
    measureOne('1,000-layer chain, a gradient every 50 layers', EXPLAIN_INPUTS.chain.text(), runs),
    measureOne('1,000-layer chain, one gradient at the end', EXPLAIN_INPUTS.last.text(), runs),
    measureOne(
      `300-layer dense/tanh TF 1.x script, 1,200 weights (goal ≤ ${DEEP_GOAL_MS} ms)`,
      EXPLAIN_INPUTS.dense.text(),
      deepRuns,
      deep,
    ),
    measureOne(`100-block residual conv net, 200 weights (goal ≤ ${DEEP_GOAL_MS} ms)`, EXPLAIN_INPUTS.conv.text(), deepRuns, deep),
    measureOne(`a fan of 1,000 weights into one loss (goal ≤ ${DEEP_GOAL_MS} ms)`, EXPLAIN_INPUTS.fan.text(), deepRuns, {
      goalMs: DEEP_GOAL_MS,
    }),
  ];
}
