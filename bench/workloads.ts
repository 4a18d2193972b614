// The benchmark workloads: each one is a `.tgraph` source for our engine and the same
// computation written with TensorFlow.js, on the same input values (the tgraph feeds,
// generated once by the documented generator, are copied into TF.js tensors).
//
// What is timed on each side (see BENCHMARKS.md, "Method"):
// - `seed` is the editor's case: every repetition is a whole `analyze(text)` (parse, build the
//   forward and gradient graph, evaluate every binding, with the editor's content keys and
//   NaN watch) against TF.js eager execution of the same statements (make the tensor,
//   forward, `tf.grad` twice, read every value back with dataSync).
// - the others time the engine: the graph (forward and gradient nodes) is built once, as
//   TensorFlow's graph mode builds it once, and each repetition evaluates its outputs with a
//   fresh `Evaluator` (nothing cached). TF.js has no graph mode for gradients, so each of its
//   repetitions runs the forward pass under a tape and the backward pass.

import * as tf from '@tensorflow/tfjs';
import { analyze, type Analysis } from '../engine/analysis';
import { Evaluator } from '../engine/evaluate';
import { Builder } from '../engine/builder';
import { buildGradients } from '../engine/autodiff';
import { runCheck, type CheckRequest } from '../engine/check';
import type { Node } from '../engine/graph';
import type { Tensor } from '../engine/tensor';
import type * as AST from '../engine/syntax/ast';
import { Random } from '../engine/ops/random';

/** Results agree when |ours - tfjs| <= ATOL + RTOL * |tfjs| for every element. */
export const ATOL = 1e-4;
export const RTOL = 1e-4;

export interface OutputComparison {
  name: string;
  elements: number;
  maxAbsError: number;
  maxRelError: number;
  ok: boolean;
}

/** One output of a workload, for the peers' verification. */
export interface Output {
  name: string;
  data: ArrayLike<number>;
}

/** What PyTorch's side of a workload needs (bench/peers/torch_peer.py builds the rest). */
export interface TorchSpec {
  /** Tensors written for it, by the names torch_peer.py reads. */
  inputs: Record<string, Tensor>;
  settings?: Record<string, unknown>;
}

export interface Prepared {
  /** A short description of the size, e.g. "batch 64, 784 → 256 → 10". */
  size: string;
  /** Floating-point operations of one repetition, where GFLOP/s mean something (matmul, conv). */
  flops?: number;
  /** tgraph's outputs, in the order the peers give theirs. */
  outputs(): Output[];
  torch?: TorchSpec;
  /** One timed repetition on each side. */
  tgraph(): void;
  tfjs(): void;
  /** Runs both once and compares every output. */
  verify(): OutputComparison[];
  dispose(): void;
}

export interface Workload {
  name: string;
  what: string;
  /** Reported, but not one of the workloads: left out of the geometric mean. */
  extra?: boolean;
  /** `scale` multiplies the work (×1, ×4, ×16); `quick` shrinks it for CI. */
  prepare(scale: number, quick: boolean): Prepared;
}

// ---- comparing ------------------------------------------------------------------------------

export function compare(name: string, ours: ArrayLike<number>, theirs: ArrayLike<number>): OutputComparison {
  let maxAbs = 0;
  let maxRel = 0;
  let ok = ours.length === theirs.length && ours.length > 0;
  const n = Math.min(ours.length, theirs.length);
  for (let i = 0; i < n; i++) {
    const a = ours[i];
    const b = theirs[i];
    const abs = Math.abs(a - b);
    if (!(abs <= ATOL + RTOL * Math.abs(b))) ok = false;
    if (abs > maxAbs || abs !== abs) maxAbs = abs;
    const rel = abs / Math.max(Math.abs(b), 1e-30);
    if (abs !== 0 && rel > maxRel) maxRel = rel;
  }
  return { name, elements: n, maxAbsError: maxAbs, maxRelError: maxRel, ok };
}

// ---- our side -------------------------------------------------------------------------------

const BIG_BUDGET = { maxElements: 1e9, maxTotalElements: 1e12, evaluationTimeoutMs: 600_000 };

/** Analyses `source` once; fails loudly on any error diagnostic (a benchmark of an error
 *  would measure nothing). */
function analyzed(source: string): Analysis {
  const a = analyze(source, BIG_BUDGET);
  const errors = a.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) throw new Error(`benchmark source has errors: ${errors.map((d) => d.message).join('; ')}\n${source}`);
  return a;
}

function tensorNode(a: Analysis, name: string): Node {
  const b = a.lookup(name);
  if (!b || b.value.kind !== 'tensor') throw new Error(`benchmark source: ${name} is not a tensor`);
  return b.value.node;
}

function feedOf(a: Analysis, name: string): Tensor {
  const t = a.feeds.get(tensorNode(a, name));
  if (!t) throw new Error(`benchmark source: ${name} is not fed`);
  return t;
}

function freshEvaluator(a: Analysis): Evaluator {
  return new Evaluator({
    precision: 'float32',
    feeds: a.feeds,
    budget: { maxElements: BIG_BUDGET.maxElements, maxTotalElements: BIG_BUDGET.maxTotalElements, deadline: Infinity },
  });
}

/** Evaluates `targets` with a fresh evaluator over the analysis' feeds (nothing reused from
 *  earlier runs; intermediate buffers reused by liveness within the run, as a graph runtime
 *  keeps only what its outputs need), or keeping every value as the document's evaluator
 *  does (`seed-eval`, the editor's per-node cost). */
function evaluateFresh(a: Analysis, targets: readonly Node[], keepEveryValue = false): Tensor[] {
  const ev = freshEvaluator(a);
  const values = keepEveryValue ? targets.map((t) => ev.valueOf(t)) : ev.evaluate(targets);
  return targets.map((n, i) => {
    const v = values[i];
    if (!v) throw new Error(`node ${n.op.name} could not be evaluated`);
    return v;
  });
}

/** As `evaluateFresh`, for a caller that drops the results: they are handed back
 *  (`Evaluator.evaluateAndRelease`), so the next evaluation reuses their buffers, as the
 *  peers' allocators reuse the memory of the tensors their callers drop. */
function evaluateDropped(a: Analysis, targets: readonly Node[]): void {
  const ev = freshEvaluator(a);
  ev.evaluateAndRelease(targets, (values) => {
    const missing = values.findIndex((v) => !v);
    if (missing >= 0) throw new Error(`node ${targets[missing].op.name} could not be evaluated`);
  });
}

function tfTensor(t: Tensor): tf.Tensor {
  return tf.tensor(Float32Array.from(t.data as ArrayLike<number>), t.shape as number[], 'float32');
}

/** Runs `fn` under tf.tidy and reads its tensors' values. The values are collected outside
 *  the tidy's return value: tidy walks what it returns looking for tensors, which would
 *  visit every element of a typed array. */
function tidyValues(fn: () => tf.Tensor[]): Float32Array[] {
  const values: Float32Array[] = [];
  tf.tidy(() => {
    for (const t of fn()) values.push(t.dataSync() as Float32Array);
  });
  return values;
}

function namedOutputs(names: readonly string[], values: readonly Tensor[]): Output[] {
  return values.map((t, i) => ({ name: names[i], data: t.data }));
}

// ---- seed -----------------------------------------------------------------------------------

/** The seed example of LANGUAGE.md without its check and assert lines, `copies` times
 *  (names suffixed) in one file: the editor re-analyses the whole file on every edit. */
export function seedSource(copies: number): string {
  const parts: string[] = [];
  for (let k = 0; k < copies; k++) {
    const s = copies === 1 ? '' : `_${k}`;
    parts.push(
      `# The question, as a .tgraph file`,
      `x_dims${s} = 3`,
      `x${s} = placeholder(float32, [None, x_dims${s}])`,
      `feed x${s} = [[5, 3, 7], [2, 2, 5], [7, 5, 0], [3, 7, 6]]`,
      `y${s} = 2 * x${s}**2`,
      `z${s} = stack([y${s}, y${s}])          # twice as many z's as x's`,
      `dy_dx${s} = gradients(y${s}, x${s})[0] # [[20, 12, 28], [8, 8, 20], [28, 20, 0], [12, 28, 24]]`,
      `dz_dx${s} = gradients(z${s}, x${s})[0] # twice dy_dx: each x reaches two elements of z`,
    );
  }
  return parts.join('\n') + '\n';
}

const SEED_FEED = [
  [5, 3, 7],
  [2, 2, 5],
  [7, 5, 0],
  [3, 7, 6],
];

/** The seed's y, z, dy_dx and dz_dx per copy, by TF.js eager execution. */
function seedOnTf(copies: number): Float32Array[] {
  const outputs: Float32Array[] = [];
  for (let k = 0; k < copies; k++) {
    const values = tidyValues(() => {
      const x = tf.tensor2d(SEED_FEED, [4, 3], 'float32');
      const yOf = (v: tf.Tensor) => tf.mul(tf.scalar(2), tf.pow(v, tf.scalar(2)));
      const first = tf.engine().gradients(() => yOf(x) as tf.Tensor, [x]);
      const second = tf.engine().gradients(() => {
        const y = yOf(x);
        return tf.stack([y, y]);
      }, [x]);
      return [first.value, second.value, first.grads[0], second.grads[0]];
    });
    outputs.push(...values);
  }
  return outputs;
}

const seed: Workload = {
  name: 'seed',
  what: 'the seed example (y = 2x², z = stack([y, y]), both gradients) analysed 1,000 times: parse + build + evaluate',
  prepare(scale, quick) {
    const repetitions = quick ? 50 : 1000;
    const copies = scale;
    const source = seedSource(copies);
    const names = ['y', 'z', 'dy_dx', 'dz_dx'];
    const suffix = (k: number) => (copies === 1 ? '' : `_${k}`);
    const tgraphOnce = () => analyze(source);
    const tfOnce = () => seedOnTf(copies);
    const outputs = () => {
      const a = tgraphOnce();
      const list: Output[] = [];
      for (let k = 0; k < copies; k++)
        for (const name of names) list.push({ name: name + suffix(k), data: a.valueOf(tensorNode(a, name + suffix(k)))?.data ?? [] });
      return list;
    };
    return {
      size: `${copies} cop${copies === 1 ? 'y' : 'ies'} of the 8-line file × ${repetitions} analyses`,
      outputs,
      torch: { inputs: {}, settings: { copies, repetitions } },
      tgraph() {
        for (let r = 0; r < repetitions; r++) tgraphOnce();
      },
      tfjs() {
        for (let r = 0; r < repetitions; r++) tfOnce();
      },
      verify() {
        const a = tgraphOnce();
        const theirs = tfOnce();
        const results: OutputComparison[] = [];
        for (let k = 0; k < copies; k++) {
          names.forEach((name, i) => {
            const v = a.valueOf(tensorNode(a, name + suffix(k)));
            results.push(compare(name + suffix(k), v ? v.data : [], theirs[k * names.length + i]));
          });
        }
        const errors = a.diagnostics.filter((d) => d.severity === 'error');
        if (errors.length) results.push({ name: 'diagnostics', elements: errors.length, maxAbsError: NaN, maxRelError: NaN, ok: false });
        return results;
      },
      dispose() {},
    };
  },
};

/** The seed built once and evaluated 1,000 times with fresh evaluators: the engine's own
 *  per-node cost, without parsing, graph building and the editor's content keys. Not one of
 *  the workloads (not in the geometric mean): it shows how `seed` divides. */
const seedEval: Workload = {
  name: 'seed-eval',
  extra: true,
  what: 'the seed example built once, its bindings evaluated 1,000 times by fresh evaluators (engine only)',
  prepare(scale, quick) {
    const repetitions = quick ? 50 : 1000;
    const copies = scale;
    const a = analyzed(seedSource(copies));
    const names = ['y', 'z', 'dy_dx', 'dz_dx'];
    const suffix = (k: number) => (copies === 1 ? '' : `_${k}`);
    const targets: Node[] = [];
    for (let k = 0; k < copies; k++) for (const n of names) targets.push(tensorNode(a, n + suffix(k)));
    return {
      size: `${copies} cop${copies === 1 ? 'y' : 'ies'} × ${repetitions} evaluations`,
      outputs: () =>
        evaluateFresh(a, targets, true).map((t, i) => ({
          name: names[i % names.length] + suffix(Math.floor(i / names.length)),
          data: t.data,
        })),
      torch: { inputs: {}, settings: { copies, repetitions } },
      tgraph() {
        for (let r = 0; r < repetitions; r++) evaluateFresh(a, targets, true);
      },
      tfjs() {
        for (let r = 0; r < repetitions; r++) seedOnTf(copies);
      },
      verify() {
        const ours = evaluateFresh(a, targets, true);
        const theirs = seedOnTf(copies);
        return ours.map((t, i) => compare(names[i % names.length] + suffix(Math.floor(i / names.length)), t.data, theirs[i]));
      },
      dispose() {},
    };
  },
};

// ---- mlp (and its gradient check) -----------------------------------------------------------

export function mlpSource(batch: number, inputs: number, hidden: number, classes: number): string {
  return `# A two-layer perceptron: relu hidden layer, softmax cross-entropy, mean over the batch.
x = placeholder(float32, [None, ${inputs}])
feed x = normal([${batch}, ${inputs}], seed=1)
labels = placeholder(float32, [None, ${classes}])
feed labels = one_hot(randint(0, ${classes}, [${batch}], seed=2), ${classes})
W1 = placeholder(float32, [${inputs}, ${hidden}])
feed W1 = normal([${inputs}, ${hidden}], stddev=0.05, seed=3)
b1 = placeholder(float32, [${hidden}])
feed b1 = normal([${hidden}], stddev=0.1, seed=4)
W2 = placeholder(float32, [${hidden}, ${classes}])
feed W2 = normal([${hidden}, ${classes}], stddev=0.1, seed=5)
b2 = placeholder(float32, [${classes}])
feed b2 = normal([${classes}], stddev=0.1, seed=6)
h = relu(x @ W1 + b1)
logits = h @ W2 + b2
loss = reduce_mean(softmax_cross_entropy_with_logits(labels=labels, logits=logits))
[dW1, db1, dW2, db2] = gradients(loss, [W1, b1, W2, b2])
`;
}

const PARAMS = ['W1', 'b1', 'W2', 'b2'];

function mlpInputs(a: Analysis): Record<string, Tensor> {
  const inputs: Record<string, Tensor> = {};
  for (const name of ['x', 'labels', ...PARAMS]) inputs[name] = feedOf(a, name);
  return inputs;
}

/** Multiply-adds ×2 of the mlp's matmuls, forward and backward (no gradient for x). */
function mlpFlops(s: { batch: number; inputs: number; hidden: number; classes: number }): number {
  const layer1 = s.batch * s.inputs * s.hidden;
  const layer2 = s.batch * s.hidden * s.classes;
  return 2 * (2 * layer1 + 3 * layer2);
}

function mlpSizes(scale: number, quick: boolean) {
  return quick ? { batch: 8 * scale, inputs: 196, hidden: 64, classes: 10 } : { batch: 64 * scale, inputs: 784, hidden: 256, classes: 10 };
}

/** TF.js tensors of the mlp's feeds and its loss as a function of the parameters. */
function mlpOnTf(a: Analysis) {
  const x = tfTensor(feedOf(a, 'x'));
  const labels = tfTensor(feedOf(a, 'labels'));
  const params = PARAMS.map((p) => tfTensor(feedOf(a, p)));
  const loss = (W1: tf.Tensor, b1: tf.Tensor, W2: tf.Tensor, b2: tf.Tensor): tf.Scalar => {
    const h = tf.relu(tf.add(tf.matMul(x as tf.Tensor2D, W1 as tf.Tensor2D), b1));
    const logits = tf.add(tf.matMul(h as tf.Tensor2D, W2 as tf.Tensor2D), b2);
    return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
  };
  return { x, labels, params, loss, dispose: () => tf.dispose([x, labels, ...params]) };
}

const mlp: Workload = {
  name: 'mlp',
  what: 'batch 64, 784 → 256 (relu) → 10, softmax cross-entropy: loss and the gradients of all weights and biases',
  prepare(scale, quick) {
    const s = mlpSizes(scale, quick);
    const a = analyzed(mlpSource(s.batch, s.inputs, s.hidden, s.classes));
    const targets = ['loss', 'dW1', 'db1', 'dW2', 'db2'].map((n) => tensorNode(a, n));
    const t = mlpOnTf(a);
    const tfOnce = (): Float32Array[] =>
      tidyValues(() => {
        const { value, grads } = tf.valueAndGrads((...p: tf.Tensor[]) => t.loss(p[0], p[1], p[2], p[3]))(t.params);
        return [value, ...grads];
      });
    const names = ['loss', 'dW1', 'db1', 'dW2', 'db2'];
    return {
      size: `batch ${s.batch}, ${s.inputs} → ${s.hidden} → ${s.classes}`,
      flops: mlpFlops(s),
      outputs: () => evaluateFresh(a, targets).map((t, i) => ({ name: names[i], data: t.data })),
      torch: { inputs: mlpInputs(a) },
      tgraph: () => evaluateDropped(a, targets),
      tfjs: () => void tfOnce(),
      verify() {
        const ours = evaluateFresh(a, targets);
        const theirs = tfOnce();
        return ['loss', 'dW1', 'db1', 'dW2', 'db2'].map((n, i) => compare(n, ours[i].data, theirs[i]));
      },
      dispose: t.dispose,
    };
  },
};

/**
 * `check gradients(loss, [W1, b1, W2, b2], mode='fast')` on the mlp, as the analysis runs it:
 * the request is made here (with the same seed node and gradients the analysis would build)
 * so that a repetition times the check alone. TF.js has no float64, so its side of the same
 * check — the same random directions u and weight v, the analytic vᵀJu from `tf.grads`
 * with dy = v and central differences along u — runs in float32.
 */
const gradcheck: Workload = {
  name: 'gradcheck',
  what: "check gradients(loss, [W1, b1, W2, b2], mode='fast') on the mlp: float64 analytic and central-difference directional derivatives (TF.js: float32)",
  prepare(scale, quick) {
    const s = mlpSizes(scale, quick);
    const a = analyzed(mlpSource(s.batch, s.inputs, s.hidden, s.classes));
    const site = a.gradientSites[0];
    const document = new Evaluator({ precision: 'float32', feeds: a.feeds, budget: { ...BIG_BUDGET, deadline: Infinity } });
    const b = new Builder(a.graph, { constantValue: (n: Node) => document.valueOf(n) });
    const span = site.span;
    const seeds = site.ys.map((y) => b.apply('seed', [], { dtype: y.type.dtype, shape: y.type.shape }, span));
    const fastGrads = buildGradients(b, { ys: site.ys, xs: site.xs, gradYs: seeds, stopGradients: [], unconnected: 'zero', span }).grads;
    const request: CheckRequest = {
      stmt: { kind: 'check', span } as unknown as AST.CheckStmt,
      site,
      eps: 1e-3,
      atol: 1e-5,
      rtol: 1e-3,
      mode: 'fast',
      seeds,
      fastGrads,
      expectFail: false,
      xNames: PARAMS,
    };
    const ourCheck = () => {
      const fresh = new Evaluator({ precision: 'float32', feeds: a.feeds, budget: { ...BIG_BUDGET, deadline: Infinity } });
      return runCheck(fresh, request);
    };
    const t = mlpOnTf(a);
    // The check's random numbers, drawn exactly as engine/check.ts draws them.
    const v = new Random(7919).normal();
    const units = t.params.map((p, xi) => {
      const rng = new Random(104729 + xi);
      const u = new Float64Array(p.size);
      let norm = 0;
      for (let i = 0; i < u.length; i++) {
        u[i] = rng.normal();
        norm += u[i] * u[i];
      }
      norm = Math.sqrt(norm) || 1;
      for (let i = 0; i < u.length; i++) u[i] /= norm;
      return u;
    });
    const directions = t.params.map((p, xi) => tf.tensor(Float32Array.from(units[xi]), p.shape, 'float32'));
    /** Our check's own analytic vᵀJu per x, recomputed from its gradient values. */
    const ourAnalytic = (along: (i: number) => ArrayLike<number>): number[] => {
      const feeds = new Map<Node, Tensor>(a.feeds);
      for (const n of seeds) feeds.set(n, { dtype: 'float32', shape: [], data: Float64Array.of(v) });
      const fresh = new Evaluator({ precision: 'float64', feeds, budget: { ...BIG_BUDGET, deadline: Infinity } });
      return fastGrads.map((g, i) => {
        const gv = fresh.valueOf(g!)!;
        const u = along(i);
        let dot = 0;
        for (let j = 0; j < u.length; j++) dot += gv.data[j] * u[j];
        return dot;
      });
    };
    const torchInputs = mlpInputs(a);
    PARAMS.forEach((p, i) => (torchInputs['u_' + p] = { dtype: 'float64', shape: t.params[i].shape, data: units[i] }));
    const eps = request.eps;
    const tfCheck = (): { analytic: number[]; numeric: number[] } => {
      const analytic: number[] = [];
      const numeric: number[] = [];
      tf.tidy(() => {
        const f = (...p: tf.Tensor[]) => t.loss(p[0], p[1], p[2], p[3]);
        const grads = tf.grads(f)(t.params, tf.scalar(v));
        grads.forEach((g, i) => analytic.push(tf.sum(tf.mul(g, directions[i])).dataSync()[0]));
        t.params.forEach((p, i) => {
          const at = (sign: number) => {
            const moved = t.params.slice();
            moved[i] = tf.add(p, tf.mul(directions[i], tf.scalar(sign * eps)));
            return f(...moved).dataSync()[0] * v;
          };
          numeric.push((at(1) - at(-1)) / (2 * eps));
        });
      });
      return { analytic, numeric };
    };
    return {
      size: `batch ${s.batch}, ${s.inputs} → ${s.hidden} → ${s.classes}, 4 directions`,
      // PyTorch's side runs the same float64 check: its analytic vᵀJu and its float64
      // differences are both compared with our analytic values.
      outputs: () => {
        const ours = ourAnalytic((i) => units[i]);
        return [
          { name: 'vᵀJu (analytic)', data: ours },
          { name: 'vᵀJu (peer differences vs our analytic)', data: ours },
        ];
      },
      torch: { inputs: torchInputs, settings: { v, eps } },
      tgraph: () => void ourCheck(),
      tfjs: () => void tfCheck(),
      verify() {
        const result = ourCheck();
        const theirs = tfCheck();
        const ours = ourAnalytic((i) => directions[i].dataSync());
        const comparisons = [compare('vᵀJu (analytic)', ours, theirs.analytic)];
        // float32 central differences are only good to ~1e-2 of the derivative: reported,
        // and held to that looser tolerance.
        const numeric = compare('vᵀJu (TF.js float32 differences vs our analytic)', ours, theirs.numeric);
        numeric.ok = ours.every((o, i) => Math.abs(o - theirs.numeric[i]) <= 1e-3 + 2e-2 * Math.abs(o));
        comparisons.push(numeric);
        comparisons.push({
          name: 'our check passed',
          elements: result.compared,
          maxAbsError: result.maxAbsError,
          maxRelError: result.maxRelError,
          ok: result.passed && result.compared === 4,
        });
        return comparisons;
      },
      dispose() {
        t.dispose();
        tf.dispose(directions);
      },
    };
  },
};

// ---- elementwise ------------------------------------------------------------------------------

const elementwise: Workload = {
  name: 'elementwise',
  what: 'y = tanh(x) * sigmoid(x) + exp(-x * x) on 1,000,000 elements, and dy/dx',
  prepare(scale, quick) {
    const n = (quick ? 20_000 : 1_000_000) * scale;
    const a = analyzed(`x = placeholder(float32, [None])
feed x = normal([${n}], seed=1)
y = tanh(x) * sigmoid(x) + exp(-x * x)
dy_dx = gradients(y, x)[0]
`);
    const targets = [tensorNode(a, 'y'), tensorNode(a, 'dy_dx')];
    const x = tfTensor(feedOf(a, 'x'));
    const tfOnce = (): Float32Array[] =>
      tidyValues(() => {
        const { value, grads } = tf.engine().gradients(() => tf.add(tf.mul(tf.tanh(x), tf.sigmoid(x)), tf.exp(tf.mul(tf.neg(x), x))), [x]);
        return [value, grads[0]];
      });
    return {
      size: `${n.toLocaleString('en-US')} elements`,
      outputs: () => namedOutputs(['y', 'dy_dx'], evaluateFresh(a, targets)),
      torch: { inputs: { x: feedOf(a, 'x') } },
      tgraph: () => evaluateDropped(a, targets),
      tfjs: () => void tfOnce(),
      verify() {
        const ours = evaluateFresh(a, targets);
        const theirs = tfOnce();
        return [compare('y', ours[0].data, theirs[0]), compare('dy_dx', ours[1].data, theirs[1])];
      },
      dispose: () => x.dispose(),
    };
  },
};

// ---- conv -------------------------------------------------------------------------------------

const conv: Workload = {
  name: 'conv',
  what: "conv2d of 1×32×32×16 with 3×3×16×16 filters, 'SAME': the output and the gradients of input and filters",
  prepare(scale, quick) {
    const batch = scale;
    const side = quick ? 8 : 32;
    const channels = quick ? 4 : 16;
    const a = analyzed(`x = placeholder(float32, [None, ${side}, ${side}, ${channels}])
feed x = normal([${batch}, ${side}, ${side}, ${channels}], seed=1)
f = placeholder(float32, [3, 3, ${channels}, ${channels}])
feed f = normal([3, 3, ${channels}, ${channels}], stddev=0.1, seed=2)
y = conv2d(x, f, strides=[1, 1, 1, 1], padding='SAME')
[dx, df] = gradients(y, [x, f])
`);
    const targets = ['y', 'dx', 'df'].map((n) => tensorNode(a, n));
    const x = tfTensor(feedOf(a, 'x')) as tf.Tensor4D;
    const f = tfTensor(feedOf(a, 'f')) as tf.Tensor4D;
    const tfOnce = (): Float32Array[] =>
      tidyValues(() => {
        const { value, grads } = tf.engine().gradients(() => tf.conv2d(x, f, 1, 'same'), [x, f]);
        return [value, ...grads];
      });
    return {
      size: `${batch}×${side}×${side}×${channels} * 3×3×${channels}×${channels}`,
      // The output and the two backprops: each 2·positions·(3·3·C)·C operations.
      flops: 3 * 2 * batch * side * side * 9 * channels * channels,
      outputs: () => namedOutputs(['y', 'dx', 'df'], evaluateFresh(a, targets)),
      torch: { inputs: { x: feedOf(a, 'x'), f: feedOf(a, 'f') } },
      tgraph: () => evaluateDropped(a, targets),
      tfjs: () => void tfOnce(),
      verify() {
        const ours = evaluateFresh(a, targets);
        const theirs = tfOnce();
        return ['y', 'dx', 'df'].map((n, i) => compare(n, ours[i].data, theirs[i]));
      },
      dispose: () => tf.dispose([x, f]),
    };
  },
};

// ---- softmax ----------------------------------------------------------------------------------

const softmax: Workload = {
  name: 'softmax',
  what: 'softmax over [512, 1000] and its gradient (weighted by a random grad_ys: the plain sum has gradient 0)',
  prepare(scale, quick) {
    const rows = (quick ? 32 : 512) * scale;
    const cols = quick ? 100 : 1000;
    const a = analyzed(`x = placeholder(float32, [None, ${cols}])
feed x = normal([${rows}, ${cols}], seed=1)
w = placeholder(float32, [None, ${cols}])
feed w = normal([${rows}, ${cols}], seed=2)
y = softmax(x)
dx = gradients(y, x, grad_ys=w)[0]
`);
    const targets = [tensorNode(a, 'y'), tensorNode(a, 'dx')];
    const x = tfTensor(feedOf(a, 'x'));
    const w = tfTensor(feedOf(a, 'w'));
    const tfOnce = (): Float32Array[] =>
      tidyValues(() => {
        const { value, grads } = tf.engine().gradients(() => tf.softmax(x), [x], w);
        return [value, grads[0]];
      });
    return {
      size: `[${rows}, ${cols}]`,
      outputs: () => namedOutputs(['y', 'dx'], evaluateFresh(a, targets)),
      torch: { inputs: { x: feedOf(a, 'x'), w: feedOf(a, 'w') } },
      tgraph: () => evaluateDropped(a, targets),
      tfjs: () => void tfOnce(),
      verify() {
        const ours = evaluateFresh(a, targets);
        const theirs = tfOnce();
        return [compare('y', ours[0].data, theirs[0]), compare('dx', ours[1].data, theirs[1])];
      },
      dispose: () => tf.dispose([x, w]),
    };
  },
};

// ---- matmul -----------------------------------------------------------------------------------

/** The mlp's first layer alone, x @ W1: the kernel's GFLOP/s on the shapes users train. In
 *  float64 (an extra), the TF.js side still computes in float32 (it has no float64), and the
 *  results agree to the comparison's tolerance. */
function matmulWorkload(dtype: 'float32' | 'float64'): Workload {
  return {
    name: dtype === 'float32' ? 'matmul' : 'matmul-f64',
    extra: dtype === 'float64',
    what: `${dtype} matmul of the mlp's first layer, [64, 784] @ [784, 256], forward only`,
    prepare(scale, quick) {
      const [m, k, n] = quick ? [8 * scale, 196, 64] : [64 * scale, 784, 256];
      const a = analyzed(`a = placeholder(${dtype}, [None, ${k}])
feed a = normal([${m}, ${k}], seed=1)
b = placeholder(${dtype}, [${k}, ${n}])
feed b = normal([${k}, ${n}], stddev=0.05, seed=3)
c = a @ b
`);
      const targets = [tensorNode(a, 'c')];
      const ta = tfTensor(feedOf(a, 'a')) as tf.Tensor2D;
      const tb = tfTensor(feedOf(a, 'b')) as tf.Tensor2D;
      const tfOnce = (): Float32Array[] => tidyValues(() => [tf.matMul(ta, tb)]);
      return {
        size: `[${m}, ${k}] @ [${k}, ${n}]${dtype === 'float64' ? ' float64' : ''}`,
        flops: 2 * m * k * n,
        outputs: () => namedOutputs(['c'], evaluateFresh(a, targets)),
        torch: { inputs: { a: feedOf(a, 'a'), b: feedOf(a, 'b') } },
        tgraph: () => evaluateDropped(a, targets),
        tfjs: () => void tfOnce(),
        verify: () => [compare('c', evaluateFresh(a, targets)[0].data, tfOnce()[0])],
        dispose: () => tf.dispose([ta, tb]),
      };
    },
  };
}

export const WORKLOADS: readonly Workload[] = [
  seed,
  mlp,
  elementwise,
  conv,
  softmax,
  gradcheck,
  matmulWorkload('float32'),
  seedEval,
  matmulWorkload('float64'),
];

let tfReady: Promise<void> | null = null;

/** TF.js on its CPU backend, in production mode, without its hint about tfjs-node. */
export function initTfjs(): Promise<void> {
  tfReady ??= (async () => {
    const warn = console.warn;
    const log = console.log;
    console.warn = () => {};
    console.log = () => {};
    try {
      tf.enableProdMode();
      await tf.setBackend('cpu');
      await tf.ready();
    } finally {
      console.warn = warn;
      console.log = log;
    }
  })();
  return tfReady;
}

export const tfjsVersion = tf.version.tfjs;
