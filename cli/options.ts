// The CLI's arguments and inputs: budgets from the defaults, a config file (`--config FILE`,
// else the first `tgraph.config.json` in the current folder or one above it) and `--set
// KEY=VALUE` options, which win; the source file; and where load() may read.

import * as fs from 'fs';
import * as path from 'path';
import { BUDGETS, budgetValue, formatCount, type BudgetKey, type BudgetSpec } from '../engine/budgets';
import type { PlainOptions } from '../engine/api/worker/messages';

const CONFIG_FILE = 'tgraph.config.json';
const MAX_SOURCE_BYTES = 16 * 1024 * 1024;
/** A config is a few settings. */
const MAX_CONFIG_BYTES = 1024 * 1024;

/** A mistake in what the user gave: printed as `tgraph: message`, exit 1. */
export class UserError extends Error {}

export function readSource(file: string): string {
  if (file === '-') return readStandardInput();
  return readBoundedFile(file, MAX_SOURCE_BYTES, '16 MiB');
}

/** A regular file of at most `maxBytes`: a FIFO or a device (`--config /dev/zero`, or a
 *  tgraph.config.json a repository links there) was read until the process had 5.8 GB. */
function readBoundedFile(file: string, maxBytes: number, limit: string): string {
  const stat = fs.statSync(file);
  if (!stat.isFile()) throw new UserError(`${file} is not a file`);
  if (stat.size > maxBytes) throw new UserError(`${file} is larger than ${limit}`);
  return fs.readFileSync(file, 'utf8');
}

/** Standard input up to the source limit, read in pieces: `cat /dev/zero | tgraph run -` was
 *  read whole before its size was looked at, and never ended. */
function readStandardInput(): string {
  const chunks: Buffer[] = [];
  let total = 0;
  const chunk = Buffer.alloc(1 << 16);
  for (;;) {
    let n: number;
    try {
      n = fs.readSync(0, chunk, 0, chunk.length, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10); // a non-blocking terminal: wait for input
        continue;
      }
      if ((e as NodeJS.ErrnoException).code === 'EOF') break;
      throw e;
    }
    if (n === 0) break;
    total += n;
    if (total > MAX_SOURCE_BYTES) throw new UserError('standard input is larger than 16 MiB');
    chunks.push(Buffer.from(chunk.subarray(0, n)));
  }
  return Buffer.concat(chunks).toString('utf8');
}

// ---- options ---------------------------------------------------------------------------------

export interface Parsed {
  positional: string[];
  json: boolean;
  /** `--python`: standard input (or any FILE) is a Python script. */
  python: boolean;
  budgets: Partial<Record<BudgetKey, number>>;
  /** The values of the command's own `--NAME VALUE` options (`--html out.html`). */
  values: Record<string, string>;
}

const BUDGET_KEYS = new Set<string>(BUDGETS.map((b) => b.key));

/** A budget name as a user may spell it: `maxElements` or `tgraph.maxElements`. */
function budgetKey(raw: string, where: string): BudgetKey {
  const key = raw.trim().replace(/^tgraph\./, '');
  if (!BUDGET_KEYS.has(key)) throw new UserError(`${where}: unknown setting '${raw}' (one of ${[...BUDGET_KEYS].join(', ')})`);
  return key as BudgetKey;
}

function budgetNumber(key: BudgetKey, raw: unknown, where: string): number {
  const spec = BUDGETS.find((b) => b.key === key)!;
  const value = budgetValue(raw);
  const { minimum, maximum } = spec as BudgetSpec;
  const within = value !== undefined && value >= minimum && value <= (maximum ?? Infinity);
  if (!within) {
    const range = maximum === undefined ? `≥ ${formatCount(minimum)}` : `from ${formatCount(minimum)} to ${formatCount(maximum)}`;
    throw new UserError(`${where}: ${key} must be a number ${range}, got ${typeof raw === 'number' ? String(raw) : JSON.stringify(raw)}`);
  }
  return value;
}

/** The config file's budgets: `--config FILE`, else tgraph.config.json in the current folder
 *  or above it; none when there is none. */
function configBudgets(explicit: string | undefined): Partial<Record<BudgetKey, number>> {
  let file = explicit;
  if (!file) {
    for (let dir = process.cwd(); ; dir = path.dirname(dir)) {
      const candidate = path.join(dir, CONFIG_FILE);
      if (fs.existsSync(candidate)) {
        file = candidate;
        break;
      }
      if (path.dirname(dir) === dir) break;
    }
  }
  if (!file) return {};
  let text: string;
  try {
    text = readBoundedFile(file, MAX_CONFIG_BYTES, '1 MiB');
  } catch (e) {
    throw e instanceof UserError ? e : new UserError(`${file}: cannot read (${(e as Error).message})`);
  }
  let raw: unknown;
  try {
    // Editors on Windows save JSON with a byte order mark, which JSON.parse refuses.
    raw = JSON.parse(text.replace(/^\ufeff/, ''));
  } catch (e) {
    throw new UserError(`${file}: not a JSON object of settings (${(e as Error).message})`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new UserError(`${file}: not a JSON object of settings`);
  const out: Partial<Record<BudgetKey, number>> = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    const key = budgetKey(k, file);
    out[key] = budgetNumber(key, v, file);
  }
  return out;
}

/** `valueOptions`: the command's own options that take a value (`['html', 'svg']`). */
export function parseArgs(args: string[], valueOptions: readonly string[] = []): Parsed {
  const positional: string[] = [];
  const values: Record<string, string> = {};
  const sets: [BudgetKey, number][] = [];
  let json = false;
  let python = false;
  let config: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--json') json = true;
    else if (a === '--python') python = true;
    else if (a === '--set' || a.startsWith('--set=')) {
      const spec = a === '--set' ? args[++i] : a.slice('--set='.length);
      if (spec === undefined) throw new UserError('--set takes KEY=VALUE');
      const eq = spec.indexOf('=');
      if (eq < 0) throw new UserError(`--set takes KEY=VALUE, got '${spec}'`);
      const key = budgetKey(spec.slice(0, eq), '--set');
      sets.push([key, budgetNumber(key, spec.slice(eq + 1), '--set')]);
    } else if (a === '--config' || a.startsWith('--config=')) {
      config = a === '--config' ? args[++i] : a.slice('--config='.length);
      if (!config) throw new UserError('--config takes a FILE');
    } else if (valueOptions.some((o) => a === `--${o}` || a.startsWith(`--${o}=`))) {
      const name = a.slice(2).split('=')[0];
      const value = a.includes('=') ? a.slice(a.indexOf('=') + 1) : args[++i];
      if (!value) throw new UserError(`--${name} takes a value`);
      values[name] = value;
    } else positional.push(a);
  }
  const budgets = configBudgets(config);
  for (const [k, v] of sets) budgets[k] = v;
  return { positional, json, python, budgets, values };
}

/** A Python script: a `.py` file, or any with `--python`. */
export function isPython(file: string, python: boolean): boolean {
  return python || file.endsWith('.py');
}

/** A Python file in a folder is a test when it uses TensorFlow or has a tgraph check (the
 *  same rule as the editor's for attaching to a .py file, plus the checks). */
export function checksPython(file: string): boolean {
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile() || stat.size > MAX_SOURCE_BYTES) return false;
    return /^\s*(import\s+tensorflow|from\s+tensorflow)|#\s*tgraph:/m.test(fs.readFileSync(file, 'utf8'));
  } catch {
    return false;
  }
}

/** load() may read below the current folder when the file is in it, else below the file's folder. */
export function optionsFor(file: string, budgets: Parsed['budgets'], python = false): PlainOptions {
  const language = isPython(file, python) ? ('python' as const) : undefined;
  const cwd = process.cwd();
  if (file === '-') return { ...budgets, language, load: { baseDir: cwd, workspaceRoots: [cwd], enabled: true } };
  const dir = path.dirname(path.resolve(file));
  const inCwd = dir === cwd || dir.startsWith(cwd + path.sep);
  return { ...budgets, language, load: { baseDir: dir, workspaceRoots: [inCwd ? cwd : dir], enabled: true } };
}
