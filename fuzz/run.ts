// The fuzz driver: `npm run fuzz -- --count N --seed S [--jobs J] [--start I] ...`.
//
// The parent process hands out ranges of input numbers to worker processes (forks of this
// script with --worker). Each worker generates its inputs from (seed, index), runs them
// through the harness, minimises new failures and saves them under test/fuzz-regressions/.
// The parent watches the clock: a worker that spends more than --hang-ms on one input is
// killed and the input recorded as a `hang` (synchronous code cannot be interrupted from
// inside); a worker that dies (out of memory, a native crash) is recorded as `process-died`.
// Either way a new worker continues with the next input. Hangs and deaths are minimised
// afterwards in subprocesses (`--check` mode), within a small budget.
//
// Other modes: --print I (print input I and exit), --check (run the text on stdin once: exit
// 0 when it passes, 1 with the failures as JSON on stdout), --jobs 0 (everything in this
// process, no hang protection).

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { fork, spawnSync, type ChildProcess } from 'child_process';
import { DEFAULT_HARNESS_OPTIONS, type Failure, type HarnessOptions, MemoryProbe, runInput } from './harness';
import { type CorpusFile, corpusFingerprint, fuzzLanguage, loadLanguageCorpus, makeInput } from './inputs';
import { type FailureGroup, type Stats, emptyStats, mergeStats, runCampaign } from './campaign';
import { minimise, saveRegression } from './minimise';

const TIGHT_BOUNDS = { maxGraphNodes: 300, maxStatements: 12, maxLineLength: 120, maxTotalBytes: 200_000, maxOutputBytes: 4000 };

interface Args {
  count: number;
  seed: number;
  start: number;
  jobs: number;
  root: string;
  out: string | null;
  minimise: boolean;
  hangMs: number;
  slowMs: number;
  memoryMiB: number;
  chunk: number;
  /** Wall-clock budget for minimising one failure in process. */
  minimiseMs: number;
  jsonOut: string | null;
  quiet: boolean;
  mode: 'fuzz' | 'worker' | 'check' | 'print';
  print: number;
}

const HELP = `usage: npm run fuzz -- [options]
  --count N        inputs to run (default 1000)
  --seed S         seed (default: random, printed)
  --start I        first input number (default 0); input I of seed S is always the same
  --jobs J         worker processes (default: CPU count); 0 runs in this process
  --out DIR        where minimised failures are saved (default test/fuzz-regressions)
  --no-save        do not save failures
  --no-minimise    do not minimise failures
  --minimise-ms MS time for minimising one failure (default 60000)
  --hang-ms MS     an input running longer is killed as a hang (default 30000)
  --python         Python scripts (examples/python, .py fixtures, scripts in test/python)
                   mutated, and hostile Python recipes, analysed as Python
  --tight-bounds   maxGraphNodes 300, maxStatements 12, maxLineLength 120, maxTotalBytes 2e5:
                   most inputs stop at one of them
  --slow-ms MS     an input taking longer is a 'slow' failure (default 5000)
  --memory-mib M   a resident-memory rise above this is a 'memory' failure (default 1024)
  --json FILE      also write the summary as JSON
  --print I        print input I (with --seed) and exit
  --check          run the text on stdin once; exit 1 and print failures as JSON if any
  --quiet          no progress lines
`;

function findRoot(): string {
  let dir = process.cwd();
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'engine'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}

function parseArgs(argv: string[]): Args {
  const root = findRoot();
  const a: Args = {
    count: 1000,
    seed: Math.floor(Math.random() * 2 ** 31),
    start: 0,
    jobs: os.cpus().length,
    root,
    out: path.join(root, 'test', 'fuzz-regressions'),
    minimise: true,
    hangMs: 30_000,
    slowMs: DEFAULT_HARNESS_OPTIONS.slowMs,
    memoryMiB: DEFAULT_HARNESS_OPTIONS.memoryBudgetBytes / 1048576,
    chunk: 25,
    minimiseMs: 60_000,
    jsonOut: null,
    quiet: false,
    mode: 'fuzz',
    print: -1,
  };
  const num = (i: number, name: string): number => {
    const v = Number(argv[i]);
    if (argv[i] === undefined || !Number.isFinite(v)) throw new Error(`${name} needs a number`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    switch (arg) {
      case '--count':
        a.count = num(++i, arg);
        break;
      case '--seed':
        a.seed = num(++i, arg) >>> 0;
        break;
      case '--start':
        a.start = num(++i, arg);
        break;
      case '--jobs':
        a.jobs = num(++i, arg);
        break;
      case '--out':
        a.out = path.resolve(argv[++i]);
        break;
      case '--no-save':
        a.out = null;
        break;
      case '--no-minimise':
      case '--no-minimize':
        a.minimise = false;
        break;
      case '--hang-ms':
        a.hangMs = num(++i, arg);
        break;
      case '--slow-ms':
        a.slowMs = num(++i, arg);
        break;
      case '--memory-mib':
        a.memoryMiB = num(++i, arg);
        break;
      case '--chunk':
        a.chunk = num(++i, arg);
        break;
      case '--minimise-ms':
      case '--minimize-ms':
        a.minimiseMs = num(++i, arg);
        break;
      case '--json':
        a.jsonOut = path.resolve(argv[++i]);
        break;
      case '--quiet':
        a.quiet = true;
        break;
      // The bounds of issue 15 set so low that most inputs meet one: node and statement
      // counts, line length, bytes (the worker processes inherit it through the environment).
      // Python scripts instead of .tgraph files (the workers inherit it through the environment).
      case '--python':
        process.env.TGRAPH_FUZZ_LANGUAGE = 'python';
        break;
      case '--tight-bounds':
        process.env.TGRAPH_FUZZ_TIGHT_BOUNDS = '1';
        break;
      case '--worker':
        a.mode = 'worker';
        break;
      case '--check':
        a.mode = 'check';
        break;
      case '--print':
        a.mode = 'print';
        a.print = num(++i, arg);
        break;
      case '--help':
      case '-h':
        process.stdout.write(HELP);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown option ${arg}\n${HELP}`);
    }
  }
  return a;
}

function harnessOptions(a: Args): HarnessOptions {
  // CPU time: a busy machine must not turn into 'slow' failures (hangs are still wall-clock).
  const analysis = process.env.TGRAPH_FUZZ_TIGHT_BOUNDS
    ? { ...DEFAULT_HARNESS_OPTIONS.analysis, ...TIGHT_BOUNDS }
    : DEFAULT_HARNESS_OPTIONS.analysis;
  return {
    ...DEFAULT_HARNESS_OPTIONS,
    analysis: { ...analysis, language: fuzzLanguage() },
    clock: 'cpu',
    slowMs: a.slowMs,
    memoryBudgetBytes: a.memoryMiB * 1048576,
  };
}

// ---- worker ----------------------------------------------------------------------------------

type ToWorker =
  | { type: 'init'; args: Args; corpus: CorpusFile[]; scratch: string }
  | { type: 'range'; start: number; count: number }
  | { type: 'known'; signature: string }
  | { type: 'exit' };

type FromWorker =
  | { type: 'ready' }
  | { type: 'begin'; index: number }
  | { type: 'range-done'; stats: Stats; groups: FailureGroup[] }
  | { type: 'found'; group: FailureGroup }
  | { type: 'new-failure'; group: FailureGroup };

function workerMain(): void {
  let args: Args;
  let corpus: CorpusFile[];
  let probe: MemoryProbe;
  let scratch = '';
  const known = new Set<string>();
  const send = (m: FromWorker) => process.send!(m);
  let queue: Promise<void> = Promise.resolve();
  process.on('message', (m: ToWorker) => {
    if (m.type === 'init') {
      args = m.args;
      corpus = m.corpus;
      scratch = m.scratch;
      probe = new MemoryProbe();
      send({ type: 'ready' });
    } else if (m.type === 'known') known.add(m.signature);
    else if (m.type === 'exit') {
      probe?.stop();
      process.exit(0);
    } else if (m.type === 'range') {
      queue = queue.then(async () => {
        const { stats, failures } = await runCampaign({
          seed: args.seed,
          start: m.start,
          count: m.count,
          corpus,
          harness: harnessOptions(args),
          probe,
          minimise: args.minimise,
          minimiseBudget: { maxMs: args.minimiseMs },
          saveDir: args.out ?? undefined,
          known,
          onBegin: (index) => {
            // Collect garbage between inputs when the heap has grown, so that one input's
            // leftovers are not counted against the next one's memory budget.
            if (typeof global.gc === 'function' && process.memoryUsage().heapUsed > 512 * 1048576) global.gc();
            send({ type: 'begin', index });
          },
          // Minimising takes longer than one input: the parent's watchdog allows for it.
          onFound: (group) => send({ type: 'found', group }),
          onNewFailure: (group) => send({ type: 'new-failure', group }),
          onTrial: (text) => fs.writeFileSync(scratch, text),
        });
        send({ type: 'range-done', stats, groups: [...failures.values()] });
      });
    }
  });
}

// ---- check mode (one input on stdin, for the subprocess minimiser) --------------------------

function checkMain(a: Args): number {
  const text = fs.readFileSync(0, 'utf8');
  const probe = new MemoryProbe();
  const outcome = runInput(text, harnessOptions(a), probe);
  probe.stop();
  if (!outcome.failures.length) return 0;
  process.stdout.write(JSON.stringify(outcome.failures.map((f) => ({ kind: f.kind, signature: f.signature, message: f.message }))) + '\n');
  return 1;
}

// ---- parent ----------------------------------------------------------------------------------

/** Hangs and deaths minimised (in subprocesses, slowly) per run. */
const MAX_EXTERNAL_PER_KIND = 5;

const WORKER_ARGV = ['--enable-source-maps', '--max-old-space-size=4096', '--expose-gc'];

interface WorkerSlot {
  child: ChildProcess;
  current: number | null;
  since: number;
  range: { start: number; count: number } | null;
  /** Minimising a failure of input `current`: the clock allows the minimiser's budget. */
  minimising: boolean;
  killedForHang: boolean;
  /** Where the worker writes each text it is minimising (read back if it dies). */
  scratch: string;
}

async function parentMain(a: Args): Promise<number> {
  const started = Date.now();
  const corpus = loadLanguageCorpus(a.root);
  const fingerprint = corpusFingerprint(corpus);
  const log = (s: string) => process.stdout.write(s + '\n');
  log(
    `fuzz${fuzzLanguage() === 'python' ? ' (Python)' : ''}: seed ${a.seed}, inputs ${a.start}..${a.start + a.count - 1}, ${a.jobs} worker${a.jobs === 1 ? '' : 's'}, corpus ${corpus.length} files (fingerprint ${fingerprint})`,
  );
  log(
    `      budgets: maxElements ${DEFAULT_HARNESS_OPTIONS.analysis.maxElements}, maxTotalElements ${DEFAULT_HARNESS_OPTIONS.analysis.maxTotalElements}, evaluationTimeoutMs ${DEFAULT_HARNESS_OPTIONS.analysis.evaluationTimeoutMs}, slow > ${a.slowMs} ms CPU, hang > ${a.hangMs} ms, memory rise > ${a.memoryMiB} MiB`,
  );
  log(`      reproduce one input: npm run fuzz -- --seed ${a.seed} --start I --count 1 --jobs 0`);

  const stats = emptyStats();
  const groups = new Map<string, FailureGroup>();
  const external: { failure: Failure; index: number; text?: string }[] = [];
  const record = (g: FailureGroup) => {
    const existing = groups.get(g.signature);
    if (!existing) groups.set(g.signature, { ...g });
    else {
      existing.count += g.count;
      for (const i of g.examples) if (existing.examples.length < 10 && !existing.examples.includes(i)) existing.examples.push(i);
      existing.minimised ??= g.minimised;
      existing.saved ??= g.saved;
      if (g.firstIndex < existing.firstIndex) {
        existing.firstIndex = g.firstIndex;
        existing.input = g.input;
      }
    }
  };

  if (a.jobs <= 0) {
    const probe = new MemoryProbe();
    let last = Date.now();
    const r = await runCampaign({
      seed: a.seed,
      start: a.start,
      count: a.count,
      corpus,
      harness: harnessOptions(a),
      probe,
      minimise: a.minimise,
      minimiseBudget: { maxMs: a.minimiseMs },
      saveDir: a.out ?? undefined,
      onOutcome: (input) => {
        if (!a.quiet && Date.now() - last > 10_000) {
          last = Date.now();
          log(`  ... ${input.index - a.start + 1}/${a.count}`);
        }
      },
      onNewFailure: (g) =>
        log(`  new failure at input ${g.firstIndex}: ${g.signature}${g.saved ? ` -> ${path.relative(a.root, g.saved)}` : ''}`),
    });
    probe.stop();
    mergeStats(stats, r.stats);
    for (const g of r.failures.values()) record(g);
  } else {
    await runWorkers(a, corpus, stats, record, external, log);
  }

  // Hangs and process deaths: minimise with subprocesses, each run limited by the clock.
  // They have no stack to tell one bug from another, so each of the first few is minimised
  // and saved on its own (identical reproducers collapse into one file).
  const handled = new Map<string, number>();
  for (const entry of external.sort((x, y) => x.index - y.index)) {
    const { failure, index } = entry;
    const g = groups.get(failure.signature)!;
    const n = handled.get(failure.signature) ?? 0;
    if (n >= MAX_EXTERNAL_PER_KIND) continue;
    handled.set(failure.signature, n + 1);
    let text = entry.text ?? makeInput(a.seed, index, corpus).text;
    // A hang while the worker's memory or state was already strained may not reproduce alone.
    if (!externalFails(text, failure.kind, a)) {
      log(`  the ${failure.kind} of input ${index} does not reproduce in a fresh process; kept as is`);
      g.unreproduced = [...(g.unreproduced ?? []), index];
      continue;
    }
    if (a.minimise) {
      log(`  minimising the ${failure.kind} of input ${index} in subprocesses ...`);
      const predicate = (candidate: string) => externalFails(candidate, failure.kind, a);
      text = (await minimise(text, predicate, { maxTests: 60, maxMs: Math.min(15 * 60_000, 4 * a.minimiseMs) })).text;
    }
    const saved = a.out ? (await saveRegression(a.out, text, failure, `seed ${a.seed} input ${index}`)).file : undefined;
    if (index === g.firstIndex || g.minimised === undefined) {
      g.minimised = text;
      g.saved = saved;
    } else g.others = [...(g.others ?? []), { index, minimised: text, saved }];
  }

  const elapsed = (Date.now() - started) / 1000;
  const summary = formatSummary(a, stats, groups, elapsed, fingerprint, corpus.length);
  log(summary);
  if (a.jsonOut) {
    fs.writeFileSync(
      a.jsonOut,
      JSON.stringify(
        {
          seed: a.seed,
          start: a.start,
          count: a.count,
          corpusFingerprint: fingerprint,
          elapsedSeconds: elapsed,
          stats,
          failures: [...groups.values()],
        },
        null,
        2,
      ),
    );
  }
  return groups.size ? 1 : 0;
}

/** For minimising a hang or a death: does `text` still hang (or at least run slow) or kill
 *  the process? Each try gets half the hang budget: a reduced input that is merely slow
 *  still counts, since `--check` reports CPU time over --slow-ms as a failure. */
function externalFails(text: string, kind: Failure['kind'], a: Args): boolean {
  const r = spawnSync(process.execPath, [...WORKER_ARGV, process.argv[1], '--check', '--slow-ms', String(a.slowMs)], {
    input: text,
    timeout: Math.max(a.slowMs * 2, a.hangMs / 2),
    killSignal: 'SIGKILL',
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const timedOut = (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT' || (r.signal === 'SIGKILL' && r.status === null);
  if (kind === 'hang') return timedOut || (r.status === 1 && /"kind":"slow"/.test(r.stdout));
  return !timedOut && r.status !== 0 && r.status !== 1;
}

function runWorkers(
  a: Args,
  corpus: CorpusFile[],
  stats: Stats,
  record: (g: FailureGroup) => void,
  external: { failure: Failure; index: number; text?: string }[],
  log: (s: string) => void,
): Promise<void> {
  return new Promise((resolve) => {
    let next = a.start;
    const end = a.start + a.count;
    const pending: { start: number; count: number }[] = [];
    let finished = 0;
    let failedStarts = 0;
    let lastProgress = Date.now();
    const slots = new Set<WorkerSlot>();
    const known = new Set<string>();

    const take = (): { start: number; count: number } | null => {
      if (pending.length) return pending.shift()!;
      if (next >= end) return null;
      const r = { start: next, count: Math.min(a.chunk, end - next) };
      next += r.count;
      return r;
    };

    const broadcast = (signature: string) => {
      if (known.has(signature)) return;
      known.add(signature);
      for (const s of slots) if (s.child.connected) s.child.send({ type: 'known', signature } satisfies ToWorker);
    };

    const lost = (slot: WorkerSlot, kind: 'hang' | 'process-died', detail: string) => {
      const index = slot.current!;
      const text = makeInput(a.seed, index, corpus).text;
      const failure: Failure = {
        kind,
        message: detail,
        signature: `${kind} | | ${kind === 'hang' ? `no answer within ${a.hangMs} ms` : `worker exited with ${slot.child.signalCode ?? 'code N'}`}`,
      };
      external.push({ failure, index });
      record({ signature: failure.signature, kind, message: failure.message, count: 1, firstIndex: index, examples: [index], input: text });
      // The inputs this worker finished in the range before this one are counted, though
      // their other statistics died with it.
      stats.inputs += index - slot.range!.start + 1;
      finished++;
      log(`  ${kind} at input ${index}: ${detail}`);
      // The rest of the range goes back to the queue.
      const r = slot.range!;
      const rest = r.start + r.count - (index + 1);
      if (rest > 0) pending.unshift({ start: index + 1, count: rest });
    };

    const spawn = () => {
      const child = fork(process.argv[1], ['--worker'], {
        execArgv: WORKER_ARGV,
        serialization: 'advanced',
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      const scratch = path.join(os.tmpdir(), `tgraph-fuzz-${process.pid}-${child.pid}.${fuzzLanguage() === 'python' ? 'py' : 'tgraph'}`);
      const slot: WorkerSlot = { child, current: null, since: Date.now(), range: null, minimising: false, killedForHang: false, scratch };
      slots.add(slot);
      const assign = () => {
        const r = take();
        if (!r) {
          slot.range = null;
          child.send({ type: 'exit' } satisfies ToWorker);
          return;
        }
        slot.range = r;
        child.send({ type: 'range', ...r } satisfies ToWorker);
      };
      child.on('message', (m: FromWorker) => {
        if (m.type === 'ready') {
          for (const s of known) child.send({ type: 'known', signature: s } satisfies ToWorker);
          assign();
        } else if (m.type === 'begin') {
          if (slot.current !== null) finished++;
          slot.current = m.index;
          slot.since = Date.now();
          slot.minimising = false;
          if (!a.quiet && Date.now() - lastProgress > 15_000) {
            lastProgress = Date.now();
            const failing = [...new Set([...known])].length;
            log(`  ... ${finished}/${a.count} inputs, ${failing} distinct failure${failing === 1 ? '' : 's'} so far`);
          }
        } else if (m.type === 'found') {
          record({ ...m.group, count: 0 });
          broadcast(m.group.signature);
          slot.minimising = true;
          slot.since = Date.now();
        } else if (m.type === 'new-failure') {
          slot.minimising = false;
          slot.since = Date.now();
          // Counted when the range is done; recorded now in case the worker dies before that.
          record({ ...m.group, count: 0 });
          broadcast(m.group.signature);
          log(
            `  new failure at input ${m.group.firstIndex}: ${m.group.signature}${m.group.saved ? ` -> ${path.relative(a.root, m.group.saved)}` : ''}`,
          );
        } else if (m.type === 'range-done') {
          if (slot.current !== null) finished++;
          slot.current = null;
          mergeStats(stats, m.stats);
          for (const g of m.groups) {
            record(g);
            broadcast(g.signature);
          }
          assign();
        }
      });
      child.on('exit', (code, signal) => {
        slots.delete(slot);
        const cleanUp = () => fs.rmSync(slot.scratch, { force: true });
        if (slot.range && slot.current !== null && slot.minimising) {
          // The input itself finished (its failure is recorded); minimising one of its
          // failures hung or died. The text being tried is on disk: it is a failure too.
          log(
            `  the worker minimising input ${slot.current} ${slot.killedForHang ? 'ran out of time' : `exited with ${signal ?? code}`}; its failure stays unminimised`,
          );
          let trial: string | undefined;
          let trialMs = 0;
          try {
            trial = fs.readFileSync(slot.scratch, 'utf8');
            trialMs = Date.now() - fs.statSync(slot.scratch).mtimeMs;
          } catch {
            trial = undefined;
          }
          // Out of time: a hang only if the last text tried had run for a hang's worth alone
          // (the file is written when a try starts), not if the tries merely added up.
          const trialHung = slot.killedForHang && trialMs > a.hangMs;
          if (trial !== undefined && (!slot.killedForHang || trialHung)) {
            const kind = slot.killedForHang ? 'hang' : 'process-died';
            const detail = slot.killedForHang
              ? `no answer within ${a.hangMs} ms (while minimising input ${slot.current})`
              : `worker exited with ${signal ?? `code ${code}`} (while minimising input ${slot.current})`;
            const failure: Failure = {
              kind,
              message: detail,
              signature: `${kind} | | ${kind === 'hang' ? `no answer within ${a.hangMs} ms` : `worker exited with ${signal ?? 'code N'}`}`,
            };
            external.push({ failure, index: slot.current, text: trial });
            record({
              signature: failure.signature,
              kind,
              message: detail,
              count: 1,
              firstIndex: slot.current,
              examples: [slot.current],
              input: trial,
            });
          }
          const r = slot.range;
          stats.inputs += slot.current - r.start + 1;
          finished++;
          const rest = r.start + r.count - (slot.current + 1);
          if (rest > 0) pending.unshift({ start: slot.current + 1, count: rest });
        } else if (slot.range && slot.current !== null) {
          lost(
            slot,
            slot.killedForHang ? 'hang' : 'process-died',
            slot.killedForHang ? `no answer within ${a.hangMs} ms` : `worker exited with ${signal ?? `code ${code}`}`,
          );
        } else if (slot.range) {
          // Died before its first input: the whole range goes back, but a worker that cannot
          // start at all must not be respawned forever.
          pending.unshift(slot.range);
          if (++failedStarts > 3) {
            log(`  workers die before their first input (exit ${signal ?? code}); giving up`);
            pending.length = 0;
            next = end;
          }
        }
        cleanUp();
        if (next < end || pending.length) spawn();
        else if (slots.size === 0) {
          clearInterval(watchdog);
          resolve();
        }
      });
      child.send({ type: 'init', args: a, corpus, scratch } satisfies ToWorker);
    };

    const watchdog = setInterval(() => {
      for (const s of slots) {
        // Minimising runs many inputs (each under the analysis's own budgets): it gets its
        // wall-clock budget plus one hang's worth.
        const limit = s.minimising ? a.minimiseMs * 2 + a.hangMs : a.hangMs;
        if (s.current !== null && !s.killedForHang && Date.now() - s.since > limit) {
          s.killedForHang = true;
          s.child.kill('SIGKILL');
        }
      }
    }, 500);

    const n = Math.max(1, Math.min(a.jobs, Math.ceil(a.count / a.chunk)));
    for (let i = 0; i < n; i++) spawn();
  });
}

export function formatSummary(
  a: Pick<Args, 'seed' | 'start' | 'count' | 'root'>,
  stats: Stats,
  groups: Map<string, FailureGroup>,
  elapsed: number,
  fingerprint: string,
  corpusSize: number,
): string {
  const lines: string[] = [];
  const byKind = new Map<string, { distinct: number; inputs: number }>();
  for (const g of groups.values()) {
    const k = byKind.get(g.kind) ?? { distinct: 0, inputs: 0 };
    k.distinct++;
    k.inputs += g.count;
    byKind.set(g.kind, k);
  }
  const count = (kind: string) => byKind.get(kind)?.inputs ?? 0;
  lines.push('');
  lines.push(
    `fuzz summary: ${stats.inputs} inputs (generated ${stats.byKind.generated}, mutated files ${stats.byKind['mutated-file']}, mutated generated ${stats.byKind['mutated-generated']}${stats.byKind.recipe ? `, recipes ${stats.byKind.recipe}` : ''}) in ${elapsed.toFixed(1)} s; seed ${a.seed}, inputs ${a.start}..${a.start + a.count - 1}, corpus ${corpusSize} files (${fingerprint})`,
  );
  lines.push(
    `  crashes ${count('crash')}, internal errors ${count('internal-error')}, silent errors ${count('silent-error')}, silent NaN/Inf ${count('silent-nonfinite')}, type mismatches ${count('type-mismatch')}, bad diagnostics ${count('bad-diagnostic')}, bad JSON ${count('bad-json')}`,
  );
  lines.push(`  hangs ${count('hang')}, process deaths ${count('process-died')}, slow ${count('slow')}, memory ${count('memory')}`);
  lines.push(
    `  clean programs (no error diagnostic) ${stats.clean} (${((100 * stats.clean) / Math.max(1, stats.inputs)).toFixed(1)}%), mean ${(stats.totalMs / Math.max(1, stats.inputs)).toFixed(1)} ms per input, slowest input ${stats.slowest.index} (${Math.round(stats.slowest.ms)} ms), largest memory rise input ${stats.largestMemoryRise.index} (${Math.round(stats.largestMemoryRise.bytes / 1048576)} MiB)`,
  );
  const codes = Object.entries(stats.codes).sort((x, y) => y[1] - x[1]);
  lines.push(`  diagnostic codes reached (${codes.length}): ${codes.map(([c, n]) => `${c} ${n}`).join(', ')}`);
  if (groups.size) {
    lines.push(`  ${groups.size} distinct failure${groups.size === 1 ? '' : 's'}:`);
    const sorted = [...groups.values()].sort((x, y) => y.count - x.count);
    for (const g of sorted) {
      lines.push(`  - [${g.kind}] ${g.message.split('\n')[0].slice(0, 200)}`);
      const n = Math.max(1, g.count, g.examples.length);
      lines.push(
        `      ${n} input${n === 1 ? '' : 's'} (${g.examples
          .slice()
          .sort((x, y) => x - y)
          .join(
            ', ',
          )}${n > g.examples.length ? ', …' : ''})${g.location ? `, at ${g.location}` : ''}${g.saved ? `, saved ${path.relative(a.root, g.saved)}` : ''}`,
      );
      const show = (t: string) => JSON.stringify(t.length > 300 ? t.slice(0, 300) + '…' : t);
      if (g.minimised !== undefined) lines.push(`      minimised: ${show(g.minimised)}`);
      for (const o of g.others ?? [])
        lines.push(`      input ${o.index} minimised: ${show(o.minimised)}${o.saved ? `, saved ${path.relative(a.root, o.saved)}` : ''}`);
      if (g.unreproduced?.length) lines.push(`      not reproduced in a fresh process: inputs ${g.unreproduced.join(', ')}`);
    }
  } else lines.push('  no failures');
  return lines.join('\n');
}

async function main(): Promise<void> {
  let a: Args;
  try {
    a = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`fuzz: ${(e as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  if (a.mode === 'worker') return workerMain();
  if (a.mode === 'check') {
    process.exitCode = checkMain(a);
    return;
  }
  if (a.mode === 'print') {
    process.stdout.write(makeInput(a.seed, a.print, loadLanguageCorpus(a.root)).text);
    return;
  }
  process.exitCode = await parentMain(a);
}

if (require.main === module) void main();
