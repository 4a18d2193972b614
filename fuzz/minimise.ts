// Delta debugging (Zeller's ddmin) of a failing input: the smallest text, by lines, then by
// tokens, then by characters, for which `stillFails` holds. `stillFails` must compare the
// failure's signature, not just "something failed", or the minimiser drifts to another bug.
// Minimised failures are saved as regression fixtures under test/fuzz-regressions/.

import { fuzzLanguage } from './inputs';
import * as fs from 'fs';
import * as path from 'path';
import { tokenize } from './mutate';
import { hashString } from './rng';
import type { Failure } from './harness';

export type Predicate = (text: string) => boolean | Promise<boolean>;

export interface MinimiseBudget {
  /** Most predicate calls. */
  maxTests: number;
  /** Wall-clock limit in milliseconds. */
  maxMs: number;
}

export const DEFAULT_MINIMISE_BUDGET: MinimiseBudget = { maxTests: 4000, maxMs: 60_000 };

class OutOfBudget extends Error {}

/** The smallest sublist of `units` (joined with `join`) that still fails: ddmin. */
async function ddmin(units: string[], join: (u: string[]) => string, test: (text: string) => Promise<boolean>): Promise<string[]> {
  let n = 2;
  while (units.length >= 2) {
    const chunk = Math.ceil(units.length / n);
    let reduced = false;
    for (let start = 0; start < units.length; start += chunk) {
      const complement = units.slice(0, start).concat(units.slice(start + chunk));
      if (complement.length && (await test(join(complement)))) {
        units = complement;
        n = Math.max(n - 1, 2);
        reduced = true;
        break;
      }
    }
    if (!reduced) {
      if (n >= units.length) break;
      n = Math.min(n * 2, units.length);
    }
  }
  return units;
}

/** Lines with their line breaks, so that joining them gives the text back. */
function splitLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

export async function minimise(
  text: string,
  stillFails: Predicate,
  budget: Partial<MinimiseBudget> = {},
): Promise<{ text: string; tests: number }> {
  const limits = { ...DEFAULT_MINIMISE_BUDGET, ...budget };
  const started = Date.now();
  let tests = 0;
  const cache = new Map<string, boolean>();
  const test = async (candidate: string): Promise<boolean> => {
    const known = cache.get(candidate);
    if (known !== undefined) return known;
    if (tests >= limits.maxTests || Date.now() - started > limits.maxMs) throw new OutOfBudget();
    tests++;
    let result: boolean;
    try {
      result = await stillFails(candidate);
    } catch {
      result = false;
    }
    cache.set(candidate, result);
    return result;
  };
  let best = text;
  try {
    best = (await ddmin(splitLines(best), (u) => u.join(''), test)).join('');
    best = (await ddmin(tokenize(best), (u) => u.join(''), test)).join('');
    // Whitespace-only tokens left between others often can go too; then single characters
    // inside the remaining tokens (long names, numbers, strings).
    if (best.length <= 2000) best = (await ddmin([...best], (u) => u.join(''), test)).join('');
  } catch (e) {
    if (!(e instanceof OutOfBudget)) throw e;
  }
  return { text: best, tests };
}

export interface SavedRegression {
  file: string;
  created: boolean;
}

/**
 * Writes a minimised failing input to `dir` as `<kind>-<hash>.tgraph` (`.py` for Python), with a first comment
 * line naming the failure, unless an identical file is already there. The header is kept only
 * if the input still fails with it (`stillFails`), since comments can matter (`expect-fail`).
 */
export async function saveRegression(
  dir: string,
  text: string,
  f: Failure,
  origin: string,
  stillFails?: Predicate,
): Promise<SavedRegression> {
  fs.mkdirSync(dir, { recursive: true });
  const header = `# fuzz regression: ${f.kind}${f.location ? ` at ${f.location}` : ''} (${origin.replace(/[\r\n]/g, ' ')})\n`;
  let content = header + text;
  if (stillFails && !(await stillFails(content))) content = text;
  const hash = hashString(text).toString(16).padStart(8, '0');
  // The same reproducer can show as two kinds (an internal error, then a crash when the CLI
  // reads the same value): one file for it.
  const ext = fuzzLanguage() === 'python' ? 'py' : 'tgraph';
  const twin = fs.readdirSync(dir).find((name) => name.endsWith(`-${hash}.${ext}`));
  if (twin) return { file: path.join(dir, twin), created: false };
  const file = path.join(dir, `${f.kind}-${hash}.${ext}`);
  fs.writeFileSync(file, content);
  return { file, created: true };
}
