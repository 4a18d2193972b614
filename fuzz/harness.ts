// Runs one fuzz input through everything a user's text reaches — parse, analysis (graph,
// evaluation, gradients, checks, asserts), the CLI presentation (`formatRun`, `runJson` and
// its JSON text) and the language server's features at every class of position (lsp.ts) —
// and says what went wrong, if anything.
//
// What counts as a failure (each has a `kind`):
//
// - `crash`: an exception escaped `analyze`, `formatRun`, `runJson`, `stringifyJson`, a
//   value read (`valueOf`) or a language-server feature.
// - `internal-error`: the analysis caught an unexpected exception itself and turned it into an
//   `internal-error` (or, for a RangeError, `too-complex`) diagnostic. The user sees a message
//   but it is an engine bug all the same; the stack is recovered (see `ErrorTap`).
// - `silent-error`: an error-looking result without an error diagnostic. Precisely:
//   (a) a top-level binding whose value is the error value, with no error diagnostic that
//       starts at or before the end of its statement;
//   (b) a top-level tensor binding with no value although every placeholder upstream of it is
//       fed (nothing legitimately unknown), with no error diagnostic that starts at or before
//       the end of its statement. The node reported is the first node upstream whose inputs
//       all have values but which has none itself: the op that failed silently;
//   (c) a failed check or assert (not marked expect-fail) with no error diagnostic.
// - `silent-nonfinite`: a top-level binding holds NaN or Inf, no `non-finite` diagnostic was
//   made anywhere, and no source of the graph (a node without inputs: literal, constant,
//   feed, variable, load) holds a non-finite value — NaN appeared from finite data unnoticed;
//   or a constant holds Inf made from a finite literal (1e39 in float32) with no
//   `literal-rounded` warning.
// - `type-mismatch`: an evaluated node's value disagrees with its static type (dtype, rank
//   or a known size): the op's shape rule and its kernel disagree.
// - `bad-diagnostic`: a diagnostic whose span is outside the text or reversed, or whose
//   severity, code or message is empty or invalid.
// - `bad-json`: the `--json` text does not parse back, or a tensor in it has data whose length
//   is not the product of its shape.
// - `slow`: the whole input took longer than `slowMs` (the analysis has its own time budget,
//   far smaller, so this means a budget is not enforced somewhere).
// - `memory`: the process's resident memory rose more than `memoryBudgetBytes` during the
//   input (sampled from another thread every few milliseconds, see `MemoryProbe`).
// (The driver adds `hang` and `process-died` for inputs that never come back.)

import { analyze, type Analysis, type AnalysisOptions, type Diagnostic } from '../engine/analysis';
import { BuildError, Poisoned, type Value } from '../engine/builder';
import type { Node } from '../engine/graph';
import { constantOf } from '../engine/ops/registry';
import type { Tensor } from '../engine/tensor';
import { formatRun, runJson, stringifyJson } from '../engine/api/report';
import { exerciseLsp } from './lsp';
import { Rng, hashString } from './rng';

export type FailureKind =
  | 'crash'
  | 'internal-error'
  | 'silent-error'
  | 'silent-nonfinite'
  | 'type-mismatch'
  | 'bad-diagnostic'
  | 'bad-json'
  | 'slow'
  | 'memory'
  | 'hang'
  | 'process-died';

export interface Failure {
  kind: FailureKind;
  message: string;
  /** The stack of the exception, when there was one. */
  stack?: string;
  /** `engine/ops/shape.ts:123`: the first frame of the project's own code in the stack. */
  location?: string;
  /** Failures with the same signature are one bug: kind, location or op, normalised message. */
  signature: string;
}

export interface HarnessOptions {
  analysis: AnalysisOptions;
  /** An input taking longer than this is a `slow` failure. */
  slowMs: number;
  /** `cpu`: time is this process's CPU time (robust when the machine is busy; for a worker
   *  process of the driver). `wall`: elapsed time (inside a test runner whose other threads
   *  share the process). */
  clock: 'cpu' | 'wall';
  /** A rise of resident memory above this during one input is a `memory` failure. */
  memoryBudgetBytes: number;
  /** Also ask the language server's features (hover, lenses, inlay hints ...) about it. */
  lsp: boolean;
}

export const DEFAULT_HARNESS_OPTIONS: HarnessOptions = {
  analysis: { maxElements: 1e5, maxTotalElements: 1e7, evaluationTimeoutMs: 2000, maxGraphNodes: 200_000, maxTotalBytes: 80_000_000 },
  slowMs: 5000,
  clock: 'wall',
  memoryBudgetBytes: 1024 * 1024 * 1024,
  lsp: true,
};

export interface Outcome {
  failures: Failure[];
  milliseconds: number;
  /** Rise of resident memory during the input, in bytes (0 without a probe). */
  memoryRise: number;
  diagnostics: number;
  /** How many of them are errors. */
  errors: number;
  /** Diagnostic codes seen (for coverage statistics). */
  codes: string[];
}

// ---- recovering the stacks of exceptions the analysis swallows ------------------------------

/**
 * The analysis turns unexpected exceptions into `internal error: <message>` diagnostics and
 * keeps only the message. To report where they came from, we watch the `instanceof Poisoned`
 * test that its catch-all runs first on every exception it catches: `Poisoned` gets a
 * `Symbol.hasInstance` that records every exception it is asked about (and answers exactly as
 * before). No engine file changes.
 */
class ErrorTap {
  private recent: unknown[] = [];
  private installed = false;

  install(): void {
    if (this.installed) return;
    this.installed = true;
    const plain = Function.prototype[Symbol.hasInstance];
    const tap = this;
    Object.defineProperty(Poisoned, Symbol.hasInstance, {
      configurable: true,
      value(this: unknown, e: unknown): boolean {
        if (
          tap.recent.length < 200 &&
          e instanceof Error &&
          !(e instanceof BuildError) &&
          e.constructor !== Poisoned &&
          e.name !== 'OpError'
        )
          tap.recent.push(e);
        return plain.call(this, e);
      },
    });
  }

  reset(): void {
    this.recent = [];
  }

  /** The stack of a recent exception with this message. */
  stackFor(message: string): string | undefined {
    for (let i = this.recent.length - 1; i >= 0; i--) {
      const e = this.recent[i] as Error;
      if (e.message === message || message.includes(e.message)) return e.stack;
    }
    return undefined;
  }
}

const tap = new ErrorTap();

// ---- memory --------------------------------------------------------------------------------

/** Peak resident memory while one input runs, sampled from a worker thread (the main thread
 *  is busy in synchronous code the whole time, so it cannot sample itself). */
export class MemoryProbe {
  private readonly shared = new Int32Array(new SharedArrayBuffer(8));
  private worker: import('worker_threads').Worker | null = null;

  constructor(intervalMs = 10) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Worker } = require('worker_threads') as typeof import('worker_threads');
    const source = `
      const { workerData } = require('worker_threads');
      const peak = new Int32Array(workerData.buffer);
      const sleeper = new Int32Array(new SharedArrayBuffer(4));
      for (;;) {
        const mb = Math.round(process.memoryUsage.rss() / 1048576);
        if (mb > Atomics.load(peak, 0)) Atomics.store(peak, 0, mb);
        if (Atomics.load(peak, 1) === 1) break;
        Atomics.wait(sleeper, 0, 0, ${intervalMs});
      }`;
    this.worker = new Worker(source, { eval: true, workerData: { buffer: this.shared.buffer } });
    this.worker.on('error', () => {}); // no measurement is better than no fuzzing
    this.worker.unref();
  }

  /** Starts a measurement; returns the baseline in MiB. */
  start(): number {
    const now = Math.round(process.memoryUsage.rss() / 1048576);
    Atomics.store(this.shared, 0, now);
    return now;
  }

  /** Peak since `start`, in MiB. */
  peak(): number {
    const now = Math.round(process.memoryUsage.rss() / 1048576);
    return Math.max(now, Atomics.load(this.shared, 0));
  }

  stop(): void {
    Atomics.store(this.shared, 1, 1);
    void this.worker?.terminate();
    this.worker = null;
  }
}

// ---- the run -------------------------------------------------------------------------------

const PROJECT_FRAME = /(?:^|[\s(/\\])((?:engine|cli|server|client|fuzz)[/\\][\w./\\-]+\.ts):(\d+)/;

/** The first frame of the project's own code (not the fuzzer's) in a stack. */
export function locate(stack: string | undefined): string | undefined {
  if (!stack) return undefined;
  for (const line of stack.split('\n').slice(1)) {
    const m = PROJECT_FRAME.exec(line);
    if (m && !m[1].startsWith('fuzz')) return `${m[1].replace(/\\/g, '/')}:${m[2]}`;
  }
  return undefined;
}

/** Numbers, quoted names and long tails removed, so that one bug has one signature. */
function normalise(message: string): string {
  return message
    .replace(/`[^`]*`/g, '`_`')
    .replace(/'[^']*'/g, "'_'")
    .replace(/-?\d+(\.\d+)?(e[+-]?\d+)?/gi, 'N')
    .replace(/\[[N, ?]*\]/g, '[…]')
    .slice(0, 100);
}

function failure(kind: FailureKind, message: string, extra: { stack?: string; key?: string; same?: string } = {}): Failure {
  const location = locate(extra.stack);
  // `same`: the part of the message that identifies the bug (an exception's own message,
  // not which of formatRun/runJson ran into it).
  const signature = [kind, extra.key ?? location ?? '', normalise(extra.same ?? message)].join(' | ');
  return { kind, message, stack: extra.stack, location, signature };
}

/** Runs one input; never throws. */
export function runInput(text: string, options: HarnessOptions = DEFAULT_HARNESS_OPTIONS, probe?: MemoryProbe): Outcome {
  tap.install();
  tap.reset();
  const failures: Failure[] = [];
  const base = probe?.start() ?? 0;
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  let a: Analysis | undefined;
  try {
    a = analyze(text, options.analysis);
  } catch (e) {
    const err = e as Error;
    failures.push(
      failure('crash', `analyze threw ${err?.name ?? typeof e}: ${err?.message ?? String(e)}`, {
        stack: err?.stack,
        same: `${err?.name}: ${err?.message}`,
      }),
    );
  }
  if (a) {
    try {
      formatRun(a, 'fuzz.tgraph');
    } catch (e) {
      const err = e as Error;
      failures.push(
        failure('crash', `formatRun threw ${err?.name}: ${err?.message}`, { stack: err?.stack, same: `${err?.name}: ${err?.message}` }),
      );
    }
    let json: string | undefined;
    try {
      json = stringifyJson(runJson(a));
    } catch (e) {
      const err = e as Error;
      failures.push(
        failure('crash', `runJson/stringifyJson threw ${err?.name}: ${err?.message}`, {
          stack: err?.stack,
          same: `${err?.name}: ${err?.message}`,
        }),
      );
    }
    if (options.lsp) {
      try {
        exerciseLsp(a, new Rng(hashString(text)));
      } catch (e) {
        const err = e as Error;
        failures.push(
          failure('crash', `the language server threw ${err?.name}: ${err?.message}`, {
            stack: err?.stack,
            same: `${err?.name}: ${err?.message}`,
          }),
        );
      }
    }
    try {
      if (json !== undefined) checkJson(json, failures);
      checkDiagnostics(a, failures);
      checkSilentErrors(a, failures);
      checkTypes(a, failures);
      checkNonFinite(a, failures);
    } catch (e) {
      // An invariant check that throws is itself a finding: reading the analysis crashed.
      const err = e as Error;
      failures.push(
        failure('crash', `reading the analysis (valueOf) threw ${err?.name}: ${err?.message}`, {
          stack: err?.stack,
          same: `${err?.name}: ${err?.message}`,
        }),
      );
    }
  }
  const wall = performance.now() - started;
  const cpu = process.cpuUsage(cpuStarted);
  const milliseconds = options.clock === 'cpu' ? (cpu.user + cpu.system) / 1000 : wall;
  const memoryRise = probe ? (probe.peak() - base) * 1048576 : 0;
  if (milliseconds > options.slowMs)
    failures.push(
      failure(
        'slow',
        `took ${Math.round(milliseconds)} ms of ${options.clock === 'cpu' ? 'CPU' : 'wall-clock'} time (budget ${options.slowMs} ms)`,
        { key: 'time' },
      ),
    );
  if (memoryRise > options.memoryBudgetBytes) {
    failures.push(
      failure(
        'memory',
        `resident memory rose by ${Math.round(memoryRise / 1048576)} MiB (budget ${Math.round(options.memoryBudgetBytes / 1048576)} MiB)`,
        { key: 'memory' },
      ),
    );
  }
  return {
    failures: dedupe(failures),
    milliseconds,
    memoryRise,
    diagnostics: a?.diagnostics.length ?? 0,
    errors: a?.diagnostics.filter((d) => d.severity === 'error').length ?? 0,
    codes: a ? [...new Set(a.diagnostics.map((d) => d.code))] : [],
  };
}

function dedupe(failures: Failure[]): Failure[] {
  const seen = new Set<string>();
  return failures.filter((f) => (seen.has(f.signature) ? false : (seen.add(f.signature), true)));
}

function checkJson(json: string, failures: Failure[]): void {
  let o: { values?: Record<string, unknown> };
  try {
    o = JSON.parse(json);
  } catch (e) {
    failures.push(failure('bad-json', `the --json output does not parse: ${(e as Error).message}`, { key: 'parse' }));
    return;
  }
  const visit = (v: unknown, where: string): void => {
    if (v === null) return;
    if (Array.isArray(v)) return v.forEach((x, i) => visit(x, `${where}[${i}]`));
    const t = v as { dtype?: unknown; shape?: unknown; data?: unknown };
    if (typeof t !== 'object' || !Array.isArray(t.shape) || !Array.isArray(t.data)) {
      failures.push(failure('bad-json', `${where} is neither a tensor, a list nor null`, { key: 'value' }));
      return;
    }
    const size = (t.shape as number[]).reduce((p, d) => p * d, 1);
    if (t.data.length !== size)
      failures.push(
        failure('bad-json', `${where}: ${t.data.length} data for shape [${(t.shape as number[]).join(', ')}]`, { key: 'length' }),
      );
    if ((t.data as unknown[]).some((x) => x === null))
      failures.push(failure('bad-json', `${where}: null inside data (a non-finite number not spelled as the spec says)`, { key: 'null' }));
  };
  for (const [name, v] of Object.entries(o.values ?? {})) visit(v, `values.${name}`);
}

function checkDiagnostics(a: Analysis, failures: Failure[]): void {
  const n = a.text.length;
  const bad = (d: { span: { start: number; end: number } }) =>
    !Number.isInteger(d.span.start) || !Number.isInteger(d.span.end) || d.span.start < 0 || d.span.end > n || d.span.start > d.span.end;
  for (const d of a.diagnostics) {
    if (d.code === 'internal-error' || d.code === 'too-complex') {
      const message = d.message.replace(/^internal error: /, '').replace(/^this statement is too complex to analyse \((.*)\)$/, '$1');
      const stack = tap.stackFor(message);
      // Deep nesting past the parser's own limit is the one expected `too-complex`.
      failures.push(failure('internal-error', `${d.code}: ${d.message}`, { stack, key: stack ? undefined : d.code }));
    }
    if (bad(d))
      failures.push(
        failure('bad-diagnostic', `diagnostic ${d.code} has span ${d.span.start}..${d.span.end} in a text of ${n}`, { key: d.code }),
      );
    for (const r of d.related ?? [])
      if (bad(r))
        failures.push(
          failure('bad-diagnostic', `related span of ${d.code} is ${r.span.start}..${r.span.end} in a text of ${n}`, { key: d.code }),
        );
    if (!['error', 'warning', 'information'].includes(d.severity))
      failures.push(failure('bad-diagnostic', `severity ${String(d.severity)}`, { key: d.code }));
    if (typeof d.message !== 'string' || !d.message.trim())
      failures.push(failure('bad-diagnostic', `empty message for ${d.code}`, { key: d.code }));
    if (typeof d.code !== 'string' || !d.code) failures.push(failure('bad-diagnostic', `empty code: ${d.message}`, { key: 'code' }));
  }
}

function errorBefore(diagnostics: readonly Diagnostic[], end: number): boolean {
  return diagnostics.some((d) => d.severity === 'error' && d.span.start <= end);
}

/** Nodes upstream of `root`, root included. */
function upstream(root: Node): Node[] {
  const seen = new Set<Node>();
  const stack = [root];
  while (stack.length) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    for (const i of n.inputs) stack.push(i);
  }
  return [...seen];
}

function tensorsOf(v: Value, out: Node[] = []): Node[] {
  if (v.kind === 'tensor') out.push(v.node);
  else if (v.kind === 'list') for (const item of v.items) tensorsOf(item, out);
  return out;
}

/** Placeholders without a feed and the seeds of checks/jacobians: legitimately valueless. A
 *  script's placeholders are fed per sess.run: a tensor no run fetched has no value. */
function legitimatelyUnknown(a: Analysis, n: Node): boolean {
  return (n.op.name === 'placeholder' && (a.python !== undefined || !a.feeds.has(n))) || n.op.name === 'seed';
}

function checkSilentErrors(a: Analysis, failures: Failure[]): void {
  // A time budget that ran out stopped the analysis wherever it was: every value not made by
  // then is missing for that one reason. Inside a loop the stop can be lines below a binding it
  // left without a value (one made earlier in the same iteration), so its position does not
  // bound what it explains.
  const stopped = a.diagnostics.some((d) => d.severity === 'error' && d.code === 'budget-time');
  for (const b of a.bindings) {
    const end = b.stmt.span.end;
    if (b.value.kind === 'error') {
      // A Python name without a tensor form says why (`describe`: a dict, a name bound by a
      // statement outside the subset, a list with no end): its hover explains it.
      if (!errorBefore(a.diagnostics, end) && !(a.python && b.describe))
        failures.push(
          failure('silent-error', `\`${b.name}\` is an error value but no error diagnostic precedes it`, {
            key: `error-binding:${b.stmt.kind}`,
          }),
        );
      continue;
    }
    for (const node of tensorsOf(b.value)) {
      if (a.valueOf(node)) continue;
      const above = upstream(node);
      if (above.some((n) => legitimatelyUnknown(a, n))) continue;
      if (stopped || errorBefore(a.diagnostics, end)) continue;
      // The op that failed silently: no value although all its inputs have one.
      const culprit = above.filter((n) => !a.valueOf(n) && n.inputs.every((i) => a.valueOf(i))).sort((x, y) => x.id - y.id)[0] ?? node;
      failures.push(
        failure('silent-error', `\`${b.name}\` has no value and no error diagnostic: op \`${culprit.op.name}\` made none from its inputs`, {
          key: `no-value:${culprit.op.name}`,
        }),
      );
      break;
    }
  }
  const hasError = a.diagnostics.some((d) => d.severity === 'error');
  for (const c of a.checks) {
    if (!c.passed && !c.expectFail && !hasError)
      failures.push(failure('silent-error', `a check failed without an error diagnostic: ${c.message}`, { key: 'check' }));
  }
  for (const s of a.asserts) {
    // A script's assert on a name left out (not valid Python, outside the subset) says it
    // could not be evaluated, as the statement it depends on says it was not.
    if (a.python && s.message === 'assert could not be evaluated') continue;
    if (!s.passed && !s.expectFail && !hasError)
      failures.push(failure('silent-error', `an assert failed without an error diagnostic: ${s.message}`, { key: 'assert' }));
  }
}

function checkTypes(a: Analysis, failures: Failure[]): void {
  const seen = new Set<Node>();
  for (const b of a.bindings) {
    for (const root of tensorsOf(b.value)) {
      for (const n of upstream(root)) {
        if (seen.has(n)) continue;
        seen.add(n);
        const t = a.valueOf(n);
        if (!t) continue;
        const s = n.type.shape;
        const dtypeOk = t.dtype === n.type.dtype;
        const shapeOk = s === null || (s.length === t.shape.length && s.every((d, i) => d === null || d === t.shape[i]));
        const size = t.shape.reduce((p, d) => p * d, 1);
        const dataOk = t.data.length === size;
        if (!dtypeOk || !shapeOk || !dataOk) {
          const what = !dataOk
            ? `${t.data.length} data for shape [${t.shape.join(', ')}]`
            : `value ${t.dtype}[${t.shape.join(', ')}] vs static ${n.type.dtype}${s ? `[${s.map((d) => d ?? '?').join(', ')}]` : '<unknown>'}`;
          failures.push(failure('type-mismatch', `op \`${n.op.name}\`: ${what}`, { key: `op:${n.op.name}` }));
        }
      }
    }
  }
}

function firstNonFinite(t: Tensor): boolean {
  if (t.dtype !== 'float32' && t.dtype !== 'float64') return false;
  const d = t.data;
  for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i])) return true;
  return false;
}

function checkNonFinite(a: Analysis, failures: Failure[]): void {
  if (a.diagnostics.some((d) => d.code === 'non-finite' || d.code === 'literal-rounded')) return;
  let found: { name: string; node: Node } | null = null;
  for (const b of a.bindings) {
    for (const node of tensorsOf(b.value)) {
      const t = a.valueOf(node);
      if (t && firstNonFinite(t)) {
        found = { name: b.name, node };
        break;
      }
    }
    if (found) break;
  }
  if (!found) return;
  // Non-finite data that entered from outside (a literal `inf`, a feed) is not the engine's to
  // report; a finite literal that float32 made Inf (1e39) is, as `literal-rounded`.
  for (const n of upstream(found.node)) {
    if (n.inputs.length > 0 && n.origin.kind !== 'literal') continue;
    const t = a.valueOf(n);
    if (!t || !firstNonFinite(t)) continue;
    const literal = constantOf(n);
    if (literal && (literal.lostLiteral !== undefined || !firstNonFinite(literal.value))) {
      failures.push(
        failure('silent-nonfinite', `\`${found.name}\` holds Inf from a finite literal that float32 cannot hold, with no warning`, {
          key: 'op:literal',
        }),
      );
    }
    return;
  }
  // The first node upstream that holds a non-finite value made from finite inputs.
  const culprit = upstream(found.node)
    .filter((n) => {
      const t = a.valueOf(n);
      return (
        t &&
        firstNonFinite(t) &&
        n.inputs.every((i) => {
          const v = a.valueOf(i);
          return v && !firstNonFinite(v);
        })
      );
    })
    .sort((x, y) => x.id - y.id)[0];
  // An op whose definition makes ±Inf with these attributes (an exclusive
  // cumulative_logsumexp's -inf start) said so: that Inf is its value, not a fault.
  const made = culprit && a.valueOf(culprit);
  if (culprit && made && culprit.op.makesInfinity?.(culprit.attrs) && !Array.from(made.data).some(Number.isNaN)) return;
  const op = culprit?.op.name ?? found.node.op.name;
  failures.push(
    failure('silent-nonfinite', `\`${found.name}\` holds NaN/Inf first made by op \`${op}\`, with no non-finite warning`, {
      key: `op:${op}`,
    }),
  );
}
