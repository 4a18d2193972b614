// A fuzz campaign over a range of inputs, in this process: statistics, failures grouped by
// signature, minimisation and saving. The driver (run.ts) runs one per worker process; the
// quick test (test/engine/fuzz.test.ts) runs one directly.

import { DEFAULT_HARNESS_OPTIONS, type Failure, type HarnessOptions, type MemoryProbe, type Outcome, runInput } from './harness';
import { type CorpusFile, type FuzzInput, type InputKind, makeInput } from './inputs';
import { minimise, saveRegression, type MinimiseBudget } from './minimise';
import type { GenerateOptions } from './generate';

export interface Stats {
  inputs: number;
  byKind: Record<InputKind, number>;
  /** Inputs whose analysis had no error diagnostic (the generator's programs that work). */
  clean: number;
  totalMs: number;
  slowest: { index: number; ms: number };
  largestMemoryRise: { index: number; bytes: number };
  /** How often each diagnostic code was produced (coverage of the engine's error paths). */
  codes: Record<string, number>;
}

export interface FailureGroup {
  signature: string;
  kind: Failure['kind'];
  message: string;
  location?: string;
  stack?: string;
  count: number;
  firstIndex: number;
  /** The first few failing inputs' numbers (to reproduce more than one). */
  examples: number[];
  /** The first failing input, whole. */
  input: string;
  minimised?: string;
  saved?: string;
  /** Hangs and deaths: further inputs minimised on their own (they have no stack to group by). */
  others?: { index: number; minimised: string; saved?: string }[];
  /** Hangs and deaths that did not happen again in a fresh process. */
  unreproduced?: number[];
}

export function emptyStats(): Stats {
  return {
    inputs: 0,
    byKind: { generated: 0, 'mutated-file': 0, 'mutated-generated': 0, recipe: 0 },
    clean: 0,
    totalMs: 0,
    slowest: { index: -1, ms: 0 },
    largestMemoryRise: { index: -1, bytes: 0 },
    codes: {},
  };
}

export function addOutcome(stats: Stats, input: FuzzInput, o: Outcome): void {
  stats.inputs++;
  stats.byKind[input.kind]++;
  if (o.errors === 0) stats.clean++;
  stats.totalMs += o.milliseconds;
  if (o.milliseconds > stats.slowest.ms) stats.slowest = { index: input.index, ms: o.milliseconds };
  if (o.memoryRise > stats.largestMemoryRise.bytes) stats.largestMemoryRise = { index: input.index, bytes: o.memoryRise };
  for (const c of o.codes) stats.codes[c] = (stats.codes[c] ?? 0) + 1;
}

export function mergeStats(into: Stats, from: Stats): void {
  into.inputs += from.inputs;
  for (const k of Object.keys(from.byKind) as InputKind[]) into.byKind[k] += from.byKind[k];
  into.clean += from.clean;
  into.totalMs += from.totalMs;
  if (from.slowest.ms > into.slowest.ms) into.slowest = from.slowest;
  if (from.largestMemoryRise.bytes > into.largestMemoryRise.bytes) into.largestMemoryRise = from.largestMemoryRise;
  for (const [c, n] of Object.entries(from.codes)) into.codes[c] = (into.codes[c] ?? 0) + n;
}

export interface CampaignOptions {
  seed: number;
  start: number;
  count: number;
  corpus: readonly CorpusFile[];
  harness?: HarnessOptions;
  generator?: GenerateOptions;
  probe?: MemoryProbe;
  /** Minimise the first input of each new signature. */
  minimise?: boolean;
  minimiseBudget?: Partial<MinimiseBudget>;
  /** Save minimised failures here (no saving when absent). */
  saveDir?: string;
  /** Signatures already handled elsewhere (not minimised or saved again). */
  known?: Set<string>;
  onBegin?(index: number): void;
  onOutcome?(input: FuzzInput, outcome: Outcome): void;
  /** A new signature, before minimising it (which may take a while). */
  onFound?(group: FailureGroup): void;
  /** A new signature, after minimising and saving it. */
  onNewFailure?(group: FailureGroup): void;
  /** Called with each text the minimiser is about to run (the driver keeps the last one on
   *  disk: if it kills the process, that text is the reproducer). */
  onTrial?(text: string): void;
}

/** The predicate for minimising `f`: the same signature still fails. */
export function sameFailure(f: Failure, harness: HarnessOptions, probe?: MemoryProbe): (text: string) => boolean {
  return (text) => runInput(text, harness, probe).failures.some((g) => g.signature === f.signature);
}

export async function minimiseAndSave(group: FailureGroup, failure: Failure, options: CampaignOptions, origin: string): Promise<void> {
  const harness = options.harness ?? DEFAULT_HARNESS_OPTIONS;
  const same = sameFailure(failure, harness, options.probe);
  const predicate = (text: string) => {
    options.onTrial?.(text);
    return same(text);
  };
  // Slow and memory failures cost seconds per test: a few tries only.
  const costly = failure.kind === 'slow' || failure.kind === 'memory';
  const budget = costly ? { maxTests: 20, maxMs: 120_000 } : options.minimiseBudget;
  if (options.minimise !== false) {
    const m = await minimise(group.input, predicate, budget);
    group.minimised = m.text;
  }
  if (options.saveDir) {
    const saved = await saveRegression(options.saveDir, group.minimised ?? group.input, failure, origin, predicate);
    group.saved = saved.file;
  }
}

export async function runCampaign(options: CampaignOptions): Promise<{ stats: Stats; failures: Map<string, FailureGroup> }> {
  const stats = emptyStats();
  const failures = new Map<string, FailureGroup>();
  const harness = options.harness ?? DEFAULT_HARNESS_OPTIONS;
  const known = options.known ?? new Set<string>();
  for (let index = options.start; index < options.start + options.count; index++) {
    options.onBegin?.(index);
    const input = makeInput(options.seed, index, options.corpus, options.generator);
    const outcome = runInput(input.text, harness, options.probe);
    addOutcome(stats, input, outcome);
    options.onOutcome?.(input, outcome);
    for (const f of outcome.failures) {
      const existing = failures.get(f.signature);
      if (existing) {
        existing.count++;
        if (existing.examples.length < 10) existing.examples.push(index);
        continue;
      }
      const group: FailureGroup = {
        signature: f.signature,
        kind: f.kind,
        message: f.message,
        location: f.location,
        stack: f.stack,
        count: 1,
        firstIndex: index,
        examples: [index],
        input: input.text,
      };
      failures.set(f.signature, group);
      if (!known.has(f.signature)) {
        known.add(f.signature);
        options.onFound?.({ ...group });
        if (options.minimise !== false || options.saveDir) await minimiseAndSave(group, f, options, `seed ${options.seed} input ${index}`);
        options.onNewFailure?.(group);
      }
    }
  }
  return { stats, failures };
}
