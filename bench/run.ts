// `npm run bench`: tgraph's engine against TensorFlow.js's CPU backend, side by side in one
// process, on the workloads of bench/workloads.ts. Every result is compared with TF.js
// before its timing counts.
//
//   npm run bench                      ×1, ×4, ×16 sizes, table + docs/bench.svg
//   npm run bench -- --quick           small sizes, few repetitions (CI: still checks results)
//   npm run bench -- --json            one JSON object on stdout
//   npm run bench -- --only=mlp,conv   some workloads (`editor`: the editor latency section)
//   npm run bench -- --no-editor       skip the editor latency section
//   npm run bench -- --only=hostile    the 100,000-line hostile inputs, cold, against TypeScript
//   npm run bench -- --no-hostile      skip them (the quick mode skips them unless named)
//   npm run bench -- --only=explain    the explanation of a 1,000-layer chain's gradients
//   npm run bench -- --no-explain      skip it
//   npm run bench -- --scales=1        some sizes
//   npm run bench -- --svg=FILE        where the plot goes (full mode default docs/bench.svg)
//   npm run bench -- --no-svg
//   npm run bench -- --peers=torch,tfjs-wasm   PyTorch (bench/setup-peers.sh) and TF.js's WASM backend too

import { writeFileSync, mkdirSync } from 'fs';
import * as path from 'path';
import { dirname } from 'path';
import * as os from 'os';
import { FULL_TIMING, QUICK_TIMING, type Measurement, geometricMean, measure, selectWorkloads, warmUp } from './harness';
import { ATOL, RTOL, WORKLOADS, initTfjs, tfjsVersion } from './workloads';
import { plotSvg } from './plot';
import { type EditorLatency, measureEditorLatency } from './editor';
import { type ScenarioReport, measureEditorScenarios } from './editorScenarios';
import { LONG_TASK_MS } from './longTask';
import { HOSTILE_GOAL_MS, type HostileRow, type Spread, measureHostile } from './hostile';
import type { Peer } from './peers/index';
import { type Peak, TorchPeer, findTorchPython } from './peers/torch';
import { tfjsWasmPeer } from './peers/tfjsWasm';
import { kernelBackend, kernelVariant, setKernelBackend } from '../engine/wasm/runtime';
import { EXPLAIN_GOAL_MS, type ExplainRow, measureExplain } from './explain';
import { type EngineEditRow, engineChainTable, measureEngineChain } from './engineChain';
import { enableRelaxedSimd } from '../engine/wasm/nodeFeatures';

enableRelaxedSimd();

interface Options {
  quick: boolean;
  json: boolean;
  /** Tables as Markdown (for BENCHMARKS.md). */
  markdown: boolean;
  only: string[];
  editor: boolean;
  /** The 100,000-line hostile inputs opened cold, against TypeScript (bench/hostile.ts). */
  hostile: boolean;
  /** The explanation of a deep chain's gradients (bench/explain.ts). */
  explain: boolean;
  /** The TF.js comparison workloads (false with `--only=editor`). */
  compute: boolean;
  scales: number[];
  svg: string | null;
  /** Peers beside TF.js's CPU backend: torch, tfjs-wasm. */
  peers: string[];
  /** tgraph's kernels: the WebAssembly ones (default) or the TypeScript reference. */
  kernels: 'wasm' | 'js';
}

const PEERS = ['torch', 'tfjs-wasm'];

function parseArgs(argv: readonly string[]): Options {
  const o: Options = {
    quick: false,
    json: false,
    markdown: false,
    only: [],
    editor: true,
    hostile: true,
    explain: true,
    compute: true,
    scales: [],
    svg: null,
    peers: [],
    kernels: 'wasm',
  };
  let hostileNamed = false;
  let svgSet = false;
  for (const arg of argv) {
    const [key, value] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, ''];
    switch (key) {
      case '--quick':
        o.quick = true;
        break;
      case '--json':
        o.json = true;
        break;
      case '--markdown':
        o.markdown = true;
        break;
      case '--only':
        o.only = value.split(',').filter(Boolean);
        break;
      case '--no-editor':
        o.editor = false;
        break;
      case '--no-hostile':
        o.hostile = false;
        break;
      case '--no-explain':
        o.explain = false;
        break;
      case '--scales':
        o.scales = value.split(',').map(Number);
        if (o.scales.some((s) => !Number.isInteger(s) || s < 1)) throw new Error(`--scales takes positive integers, got ${value}`);
        break;
      case '--svg':
        o.svg = value || null;
        svgSet = true;
        break;
      case '--no-svg':
        o.svg = null;
        svgSet = true;
        break;
      case '--peers':
        o.peers = value.split(',').filter(Boolean);
        if (o.peers.some((p) => !PEERS.includes(p))) throw new Error(`unknown option --peers=${value} (known peers: ${PEERS.join(', ')})`);
        break;
      case '--kernels':
        if (value !== 'wasm' && value !== 'js') throw new Error(`unknown option --kernels=${value} (wasm or js)`);
        o.kernels = value;
        break;
      case '--help':
      case '-h':
        process.stdout.write(
          `usage: npm run bench -- [--quick] [--json | --markdown] [--only=${[...WORKLOADS.map((w) => w.name), 'editor', 'hostile', 'explain'].join(',')}] [--no-editor] [--no-hostile] [--no-explain] [--scales=1,4,16] [--svg=FILE | --no-svg] [--peers=${PEERS.join(',')}] [--kernels=wasm|js]\n`,
        );
        return process.exit(0);
      default:
        throw new Error(`unknown option ${arg} (try --help)`);
    }
  }
  if (o.only.length > 0) {
    o.editor &&= o.only.includes('editor');
    hostileNamed = o.only.includes('hostile');
    o.hostile &&= hostileNamed;
    o.explain &&= o.only.includes('explain');
    o.only = o.only.filter((name) => name !== 'editor' && name !== 'hostile' && name !== 'explain');
    o.compute = o.only.length > 0;
  }
  // A minute of cold 100,000-line runs is not quick: the quick mode runs them when named.
  if (o.quick && !hostileNamed) o.hostile = false;
  if (o.scales.length === 0) o.scales = o.quick ? [1] : [1, 4, 16];
  if (!svgSet && !o.quick && o.scales.length > 1) o.svg = 'docs/bench.svg';
  return o;
}

function fmt(ms: number | null): string {
  if (ms === null) return '—';
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}

function pad(s: string, n: number, right = false): string {
  return right ? s.padStart(n) : s.padEnd(n);
}

function table(ms: readonly Measurement[]): string {
  const header = ['workload', 'size', 'tgraph ms', 'TF.js ms', 'ratio', 'wall: tgraph', 'TF.js', 'ratio', 'samples'];
  const ratio = (m: Measurement, r: number | null) => (r === null ? (m.verified ? '—' : 'MISMATCH') : r.toFixed(2));
  const rows = ms.map((m) => [
    `${m.workload}${WORKLOADS.find((w) => w.name === m.workload)?.extra ? '*' : ''} ×${m.scale}`,
    m.size,
    fmt(m.tgraphMs),
    fmt(m.tfjsMs),
    ratio(m, m.ratio),
    fmt(m.tgraphWallMs),
    fmt(m.tfjsWallMs),
    ratio(m, m.wallRatio),
    String(m.samples),
  ]);
  return render(header, rows, 2);
}

let markdown = false;

/** A table as aligned text, or as Markdown with `--markdown`; columns from `numeric` on are
 *  right-aligned. */
function render(header: string[], rows: string[][], numeric: number): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  if (markdown) {
    const line = (r: string[]) => '| ' + r.map((c, i) => pad(c, widths[i], i >= numeric)).join(' | ') + ' |';
    const rule = '|' + widths.map((w, i) => (i >= numeric ? '-'.repeat(w + 1) + ':' : ' ' + '-'.repeat(w) + ' ')).join('|') + '|';
    return [line(header), rule, ...rows.map(line)].join('\n');
  }
  const line = (r: string[]) => r.map((c, i) => pad(c, widths[i], i >= numeric)).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** Growth of time with work between the smallest and largest scale: the exponent k of
 *  time ∝ work^k (1 is linear; above 1 a super-linear cost). */
function growth(ms: readonly Measurement[], workload: string, side: 'tgraphMs' | 'tfjsMs'): number | null {
  const rows = ms.filter((m) => m.workload === workload && m[side] !== null).sort((a, b) => a.scale - b.scale);
  if (rows.length < 2) return null;
  const first = rows[0];
  const last = rows[rows.length - 1];
  return Math.log(last[side]! / first[side]!) / Math.log(last.scale / first.scale);
}

function scaleTable(ms: readonly Measurement[], scales: readonly number[]): string {
  const workloads = [...new Set(ms.map((m) => m.workload))];
  const header = ['workload', ...scales.flatMap((s) => [`tgraph ×${s}`, `TF.js ×${s}`]), 'growth tgraph', 'growth TF.js'];
  const rows = workloads.map((w) => {
    const cells = [w];
    for (const s of scales) {
      const m = ms.find((x) => x.workload === w && x.scale === s);
      cells.push(fmt(m?.tgraphMs ?? null), fmt(m?.tfjsMs ?? null));
    }
    const g = (side: 'tgraphMs' | 'tfjsMs') => {
      const k = growth(ms, w, side);
      return k === null ? '—' : k.toFixed(2);
    };
    cells.push(g('tgraphMs'), g('tfjsMs'));
    return cells;
  });
  return render(header, rows, 1);
}

function gflops(flops: number | null, ms: number | null): string {
  return flops === null || ms === null ? '' : (flops / ms / 1e6).toFixed(1);
}

/** tgraph against each peer: CPU ms, tgraph / peer, and GFLOP/s where they apply. */
function peerTable(ms: readonly Measurement[], peers: readonly Peer[]): string {
  const header = [
    'workload',
    'tgraph ms',
    'GFLOP/s',
    ...peers.flatMap((p) => [`${p.label} ms`, 'GFLOP/s', `tgraph / ${p.label}`]),
    'tgraph / TF.js',
  ];
  const rows = ms.map((m) => [
    `${m.workload} ×${m.scale}`,
    fmt(m.tgraphMs),
    gflops(m.flops, m.tgraphMs),
    ...m.peers.flatMap((p) => [
      p.present ? (p.verified ? fmt(p.ms) : 'MISMATCH') : '—',
      gflops(m.flops, p.ms),
      p.ratio === null ? '—' : p.ratio.toFixed(2),
    ]),
    m.ratio === null ? '—' : m.ratio.toFixed(2),
  ]);
  return render(header, rows, 1);
}

/** The performance issue's goals, each met or not, with the number. */
function goals(ms: readonly Measurement[], peers: readonly Peer[], peak: Peak | null, geomean: number): string[] {
  const verdict = (met: boolean) => (met ? 'met' : 'NOT MET');
  const lines: string[] = [];
  const timed = ms.filter((m) => m.tgraphMs !== null);
  for (const [name, limit] of [
    ['torch', 2],
    ['tfjs-wasm', 1],
  ] as const) {
    const i = peers.findIndex((p) => p.name === name);
    if (i < 0) continue;
    const rows = timed.filter((m) => m.peers[i].ratio !== null && m.workload !== 'seed-eval');
    if (!rows.length) continue;
    const worst = rows.reduce((w, m) => (m.peers[i].ratio! > w.peers[i].ratio! ? m : w));
    const over = rows.filter((m) => m.peers[i].ratio! > limit).map((m) => `${m.workload} ×${m.scale} ${m.peers[i].ratio!.toFixed(2)}`);
    lines.push(
      `every workload ≤ ${limit}× ${peers[i].label}: ${verdict(over.length === 0)} (worst ${worst.workload} ×${worst.scale} at ${worst.peers[i].ratio!.toFixed(2)}${over.length ? `; over: ${over.join(', ')}` : ''})`,
    );
  }
  for (const [workload, dtype, goal] of [
    ['matmul', 'float32', 25],
    ['matmul-f64', 'float64', 12],
  ] as const) {
    const m = timed.find((x) => x.workload === workload && x.scale === 1);
    if (!m || m.flops === null) continue;
    const g = m.flops / m.tgraphMs! / 1e6;
    lines.push(
      `matmul ≥ ${goal} GFLOP/s ${dtype} on the mlp's shapes: ${verdict(g >= goal)} (${g.toFixed(1)}${peak ? ` of the peak ${peak[dtype].toFixed(1)}` : ''})`,
    );
  }
  const torch = peers.findIndex((p) => p.name === 'torch');
  const seedEval = timed.find((m) => m.workload === 'seed-eval' && m.scale === 1);
  if (torch >= 0 && seedEval?.peers[torch].ratio != null)
    lines.push(`seed-eval ≤ 0.5× PyTorch: ${verdict(seedEval.peers[torch].ratio! <= 0.5)} (${seedEval.peers[torch].ratio!.toFixed(2)})`);
  if (Number.isFinite(geomean)) lines.push(`TF.js-CPU geometric mean ≤ 0.5: ${verdict(geomean <= 0.5)} (${geomean.toFixed(2)})`);
  return lines;
}

/** Editor latency runs: the full one as the server issue states it, the quick one (CI) only
 *  to keep the measurement working. */
const FULL_EDITOR = { statements: 1000, edits: 100, hovers: 1000, pauseMs: 1000 };
const QUICK_EDITOR = { statements: 1000, edits: 10, hovers: 100, pauseMs: 300 };

function editorTable(e: EditorLatency): string {
  const ms = (x: number) => `${fmt(x)} ms`;
  const mb = (x: number | null) => (x === null ? '—' : `${x.toFixed(0)} MB`);
  const verdict = (met: boolean) => (met ? 'met' : 'NOT MET');
  const rows = [
    ['edit → diagnostics p50', ms(e.editToDiagnostics.p50), '', ''],
    ['edit → diagnostics p95', ms(e.editToDiagnostics.p95), `≤ ${e.goals.editToDiagnosticsP95Ms} ms`, verdict(e.met.editToDiagnosticsP95)],
    ['hover p50', ms(e.hover.p50), '', ''],
    ['hover p99', ms(e.hover.p99), `≤ ${e.goals.hoverP99Ms} ms`, verdict(e.met.hoverP99)],
    ["hover p50 / p99 by the client's loop (old)", `${ms(e.hoverClient.p50)} / ${ms(e.hoverClient.p99)}`, '', ''],
    ['server RSS after opening', mb(e.rssMbAfterOpen), `≤ ${e.goals.rssMb} MB`, verdict(e.met.rss)],
    ['server RSS after edits and hovers', mb(e.rssMbAfterEdits), '', ''],
    ['open → first diagnostics', ms(e.openMs), '', ''],
  ];
  const slowest = `slowest edits: ${e.slowest.edits.map((s) => `#${s.edit} ${fmt(s.ms)} ms`).join(', ')}; slowest hovers: ${e.slowest.hovers.map((s) => `line ${s.line} ${fmt(s.ms)} ms`).join(', ')}`;
  return `${e.statements}-statement generated file, ${e.edits} edits of its last line (each waits for its diagnostics), ${e.hovers} hovers across it\n${render(['editor latency', 'measured', 'goal', ''], rows, 1)}\n${slowest}`;
}

const FULL_SCENARIOS = { edits: 20, burst: 100 };
const QUICK_SCENARIOS = { edits: 4, burst: 20 };

function scenarioTable(r: ScenarioReport, load: string): string {
  const ms = (x: number) => `${fmt(x)} ms`;
  const verdict = (met: boolean | null) => (met === null ? '' : met ? 'met' : 'NOT MET');
  const rows = r.results.map((s) => [
    `${s.file}: ${s.scenario}`,
    `${s.edits}`,
    s.scenario === 'burst' ? `last edit ${ms(s.diagnostics.max)}` : `${ms(s.diagnostics.p50)} / ${ms(s.diagnostics.p95)}`,
    s.diagnosticsGoalMs === null ? '' : `≤ ${s.diagnosticsGoalMs} ms ${verdict(s.met.diagnostics)}`,
    `${ms(s.analysis.p50)} / ${ms(s.analysis.p95)}`,
    `${ms(s.hover.p50)} / ${ms(s.hover.p99)} (${s.hovers})`,
    `≤ ${r.goals.hoverP99Ms} ms ${verdict(s.met.hover)}`,
    `${ms(s.hoverClient.p50)} / ${ms(s.hoverClient.p99)}`,
    s.protocolDelayMaxMs === null ? '' : ms(s.protocolDelayMaxMs),
    s.protocolCpuMs === null ? '' : ms(s.protocolCpuMs),
    s.protocolWaitMs === null ? '' : ms(s.protocolWaitMs),
    s.protocolLongTasks === null ? '' : `${s.protocolLongTasks}`,
    s.protocolGcMs === null ? '' : `${ms(s.protocolGcMs)} (${s.protocolMajorGcs ?? 0} full)`,
  ]);
  const rss = Math.max(r.rssMb.blocks ?? 0, r.rssMb.chain ?? 0);
  const failed = r.results.filter((s) => s.met.diagnostics === false || !s.met.hover).map((s) => `${s.file}/${s.scenario}`);
  const rssMet = rss <= r.goals.rssMb;
  const heap = (h: { heapUsedMb: number; heapTotalMb: number; externalMb: number } | null) =>
    h ? `heap ${h.heapUsedMb.toFixed(0)} / ${h.heapTotalMb.toFixed(0)} MB + buffers ${h.externalMb.toFixed(0)} MB` : 'n/a';
  const memory = (['blocks', 'chain'] as const)
    .map((f) => {
      const m = r.memory[f];
      return m ? `  ${f}: RSS ${m.rssMb.toFixed(0)} MB; protocol thread ${heap(m.protocol)}; analysis worker ${heap(m.worker)}\n` : '';
    })
    .join('');
  const note =
    `server RSS (protocol thread + analysis worker) ${rss.toFixed(0)} MB, goal ≤ ${r.goals.rssMb} MB: ${rssMet ? 'met' : 'NOT MET'}
${memory}` + (failed.length === 0 ? `every scenario met its goals (load ${load})` : `goals not met: ${failed.join(', ')} (load ${load})`);
  const header = [
    'scenario',
    'edits',
    'edit → complete diagnostics p50 / p95',
    'goal',
    "of which the worker's analysis",
    'hovers while it is analysed p50 / p99 (response bytes arrived)',
    'goal',
    "same hovers by the client's loop (old)",
    'protocol thread: longest task',
    'protocol thread: CPU',
    'protocol thread: waiting for a core',
    `protocol thread: tasks > ${LONG_TASK_MS} ms`,
    'protocol thread: GC',
  ];
  return `${render(header, rows, 1)}
${note}`;
}

/** Runs of the hostile inputs: the full benchmark's, and the quick mode's when named. */
const FULL_HOSTILE = { lines: 100_000, runs: 7 };
const QUICK_HOSTILE = { lines: 100_000, runs: 1 };

function hostileTable(rows: readonly HostileRow[]): string {
  const s = (x: Spread) => `${fmt(x.median)} [${fmt(x.min)}–${fmt(x.max)}]`;
  const verdict = (met: boolean) => (met ? 'met' : 'NOT MET');
  const body = rows.map((r) => [
    `${r.input} (${r.lines.toLocaleString('en-US')} lines)`,
    s(r.analysis),
    s(r.editorFirst),
    s(r.editorComplete),
    s(r.peer),
    r.ratio.toFixed(2),
    `${verdict(r.met.analysis)} / ${verdict(r.met.editorFirst)}`,
  ]);
  const header = [
    'input',
    'analysis ms',
    'editor: first diagnostics ms',
    'editor: complete ms',
    'TypeScript ms',
    'ratio',
    `< ${HOSTILE_GOAL_MS} ms`,
  ];
  const runs = rows[0]?.analysis.samples.length ?? 0;
  return `each a fresh process, ${runs} run${runs === 1 ? '' : 's'} of each, alternating; median [min–max] wall time; ratio: tgraph's analysis / TypeScript's check of the twin program
${render(header, body, 1)}`;
}

/** Runs of the explanation benchmark: each a fresh analysis of the file, then every gradient. */
const FULL_EXPLAIN_RUNS = 7;
const QUICK_EXPLAIN_RUNS = 2;

function explainTable(rows: readonly ExplainRow[]): string {
  const s = (x: { median: number; min: number; max: number }) => `${fmt(x.median)} [${fmt(x.min)}–${fmt(x.max)}]`;
  const body = rows.map((r) => [
    `${r.input} (${r.gradients} gradient${r.gradients === 1 ? '' : 's'})`,
    s(r.explainMs),
    fmt(r.firstMs),
    s(r.explainCpuMs),
    s(r.analysisMs),
    r.ratio.toFixed(2),
    r.met ? 'met' : 'NOT MET',
  ]);
  const header = ['input', 'explain all, wall ms', 'first run ms', 'CPU ms', 'analysis ms (peer)', 'ratio', `≤ ${EXPLAIN_GOAL_MS} ms`];
  return `each run a fresh analysis (not timed), then every gradient explained as \`tgraph run --json\` does; median [min–max]; ratio: explaining / analysing the same file
${render(header, body, 1)}`;
}

function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    tfjs: tfjsVersion,
    memoryGB: Math.round(os.totalmem() / 2 ** 30),
  };
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  markdown = options.markdown;
  const workloads = options.compute ? selectWorkloads(options.only) : [];
  await initTfjs();
  setKernelBackend(options.kernels);
  const timing = options.quick ? QUICK_TIMING : FULL_TIMING;
  const log = (s: string) => {
    if (!options.json) process.stdout.write(s);
  };
  const info = machine();
  const peers: Peer[] = [];
  let peak: Peak | null = null;
  for (const name of options.compute ? options.peers : []) {
    if (name === 'torch') {
      const python = findTorchPython();
      if (!python) throw new Error('--peers=torch: no python3 here imports torch (bash bench/setup-peers.sh installs it)');
      const torch = new TorchPeer(python);
      await torch.start();
      peak = await torch.peak();
      peers.push(torch);
    } else peers.push(await tfjsWasmPeer());
  }
  log(
    `tgraph (${kernelVariant() === 'relaxed-simd' ? 'WebAssembly relaxed-SIMD kernels' : kernelBackend() === 'wasm' ? 'WebAssembly SIMD kernels' : 'TypeScript kernels'}) vs TensorFlow.js ${info.tfjs} (CPU backend) — ${info.cpu}, ${info.cores} cores, Node ${info.node}${options.quick ? ' — quick mode' : ''}\n`,
  );
  for (const peer of peers) log(`peer: ${peer.describe()}\n`);
  if (peak)
    log(
      `this machine's single-thread peak (2048² matmul in PyTorch): ${peak.float32.toFixed(1)} GFLOP/s float32, ${peak.float64.toFixed(1)} GFLOP/s float64\n`,
    );
  log(
    `results must agree to |a - b| <= ${ATOL} + ${RTOL}·|b| before their timing counts; times are medians of CPU time per repetition (wall time alongside)\n`,
  );
  log(
    `load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} on ${info.cores} cores\n\n`,
  );
  const started = Date.now();
  const measurements: Measurement[] = [];
  if (!options.quick && workloads.length > 1) {
    log(`  warming every workload up on every side ...`);
    await warmUp(workloads, options.scales[0], options.quick, peers);
    log(' done\n');
  }
  for (const scale of options.scales) {
    for (const w of workloads) {
      log(`  ${w.name} ×${scale} ...`);
      const m = await measure(w, scale, options.quick, timing, peers);
      measurements.push(m);
      const others = m.peers.map((p) =>
        p.ms !== null ? `, ${p.peer} ${fmt(p.ms)} ms` : p.present && !p.verified ? `, ${p.peer} RESULTS DIFFER` : '',
      );
      log(
        m.verified
          ? ` ${fmt(m.tgraphMs)} ms vs ${fmt(m.tfjsMs)} ms CPU (ratio ${m.ratio?.toFixed(2)}; wall ${m.wallRatio?.toFixed(2)})${others.join('')}\n`
          : ' RESULTS DIFFER\n',
      );
      if (!options.json) {
        const failed = [
          ...(m.verified ? [] : m.comparisons.map((c) => ({ who: 'TF.js', c }))),
          ...m.peers.flatMap((p) => p.comparisons.map((c) => ({ who: p.peer, c }))),
        ].filter(({ c }) => !c.ok);
        for (const { who, c } of failed) {
          process.stdout.write(
            `      ${who}: ${c.name}: max abs error ${c.maxAbsError.toExponential(2)}, max rel error ${c.maxRelError.toExponential(2)} over ${c.elements} elements\n`,
          );
        }
      }
    }
  }
  // The geometric mean is over the issue's workloads (extras are reported, not averaged).
  const counted = (m: Measurement) => m.ratio !== null && !WORKLOADS.find((w) => w.name === m.workload)?.extra;
  const base = measurements.filter((m) => m.scale === options.scales[0] && counted(m));
  const all = measurements.filter(counted);
  const geomean = geometricMean(base.map((m) => m.ratio!));
  const geomeanAll = geometricMean(all.map((m) => m.ratio!));
  const worst = all.reduce<Measurement | null>((w, m) => (w === null || m.ratio! > w.ratio! ? m : w), null);
  const mismatches = measurements.filter((m) => !m.verified || m.peers.some((p) => p.present && !p.verified));
  if (measurements.length) {
    log('\n' + table(measurements) + '\n');
    if (measurements.some((m) => WORKLOADS.find((w) => w.name === m.workload)?.extra))
      log("* not one of the issue's workloads: shown, not in the geometric mean\n");
    log('\n');
    log(
      `geometric mean of tgraph / TF.js at ×${options.scales[0]}: ${geomean.toFixed(2)}${options.scales.length > 1 ? `; over every size: ${geomeanAll.toFixed(2)}` : ''}\n`,
    );
    if (worst) log(`slowest relative to TF.js: ${worst.workload} ×${worst.scale} (${worst.ratio!.toFixed(2)})\n`);
    if (options.scales.length > 1)
      log(
        '\n' +
          scaleTable(measurements, options.scales) +
          '\n(growth: exponent k of time ∝ work^k between the smallest and largest size; 1 is linear)\n',
      );
    if (peers.length) {
      log('\n' + peerTable(measurements, peers) + '\n');
      log("ratio: tgraph's median CPU time over the peer's (below 1: tgraph is faster); GFLOP/s where the work is matmul or convolution\n");
      for (const peer of peers) for (const note of [...new Set(peer.notes)]) log(`${peer.label} has no ${note}\n`);
      log('\n' + goals(measurements, peers, peak, geomean).join('\n') + '\n');
    }
    if (options.svg) {
      mkdirSync(dirname(options.svg), { recursive: true });
      const extras = new Set(WORKLOADS.filter((w) => w.extra).map((w) => w.name));
      writeFileSync(options.svg, plotSvg(measurements, `tgraph vs TensorFlow.js (CPU): time against work`, extras));
      log(`\nplot written to ${options.svg}\n`);
    }
  }
  let editor: EditorLatency | undefined;
  let scenarios: ScenarioReport | undefined;
  let engineEdits: EngineEditRow[] | undefined;
  if (options.editor) {
    log(`\n  the engine re-analysing deep models after an edit (in process) ...`);
    engineEdits = measureEngineChain(options.quick ? 2 : 5);
    log(
      ' done\n\n' +
        engineChainTable(
          engineEdits,
          os
            .loadavg()
            .map((x) => x.toFixed(2))
            .join(' '),
        ) +
        '\n',
    );
    log(`\n  editor latency (language server over stdio) ...`);
    editor = await measureEditorLatency({ server: path.join(__dirname, 'server.js'), ...(options.quick ? QUICK_EDITOR : FULL_EDITOR) });
    log(' done\n\n' + editorTable(editor) + '\n');
    log(
      `\n  editor scenarios (two files × edit at the end, middle, feed, right after opening, typing burst; hovers while each edit is analysed) ...`,
    );
    scenarios = await measureEditorScenarios({
      server: path.join(__dirname, 'server.js'),
      probe: path.join(__dirname, 'bench-server-probe.js'),
      ...(options.quick ? QUICK_SCENARIOS : FULL_SCENARIOS),
    });
    log(
      ' done\n\n' +
        scenarioTable(
          scenarios,
          os
            .loadavg()
            .map((x) => x.toFixed(2))
            .join(' '),
        ) +
        '\n',
    );
  }
  let hostile: HostileRow[] | undefined;
  if (options.hostile) {
    log(`\n  hostile inputs, cold (analysis, language server, TypeScript) `);
    hostile = await measureHostile(
      {
        worker: path.join(__dirname, 'bench-hostile-worker.js'),
        server: path.join(__dirname, 'server.js'),
        ...(options.quick ? QUICK_HOSTILE : FULL_HOSTILE),
      },
      log,
    );
    log(' done\n\n' + hostileTable(hostile) + '\n');
  }
  for (const peer of peers) await peer.close();
  let explain: ExplainRow[] | undefined;
  if (options.explain) {
    log(`\n  explaining a 1,000-layer chain's gradients ...`);
    explain = measureExplain(options.quick ? QUICK_EXPLAIN_RUNS : FULL_EXPLAIN_RUNS);
    log(
      ` done (load average ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')})\n\n` +
        explainTable(explain) +
        '\n',
    );
  }
  const verdict = mismatches.length
    ? `${mismatches.length} workload(s) DIFFER from TF.js or a peer`
    : measurements.length
      ? 'every result agreed with TF.js'
      : 'done';
  log(`\n${verdict} — ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  if (options.json) {
    const report = {
      date: new Date().toISOString(),
      machine: info,
      kernels: kernelBackend(),
      kernelVariant: kernelVariant(),
      peers: peers.map((p) => ({ name: p.name, what: p.describe() })),
      peakGflops: peak,
      quick: options.quick,
      tolerance: { atol: ATOL, rtol: RTOL },
      scales: options.scales,
      measurements,
      geometricMeanRatio: geomean,
      geometricMeanRatioAllSizes: options.scales.length > 1 ? geomeanAll : undefined,
      allVerified: mismatches.length === 0,
      editor,
      engineEdits,
      scenarios,
      hostile,
      explain,
    };
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  }
  return mismatches.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    // A bad option or workload name is the user's: its message is enough.
    const usage = e instanceof Error && /^unknown (option|workload)|^--scales/.test(e.message);
    process.stderr.write(`bench: ${usage ? (e as Error).message : ((e as Error).stack ?? String(e))}\n`);
    process.exit(2);
  },
);
