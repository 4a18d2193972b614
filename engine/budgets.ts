// Every limit on work that the user's data sizes, in one table: each is a `tgraph.*` setting
// (package.json contributes it with the same default and description: test/server/budgets.test.ts
// checks), an AnalysisOptions field of the same name (the server passes the settings through;
// the CLI and the tests take the defaults), and a diagnostic that says which setting to raise.
//
// A budget is a whole number ≥ 1 (within its range, where it has one). Anything else a caller
// passes (NaN, a negative number, a string) falls back to the default, and a number outside
// the range is taken to its nearer end: bad options never reach the work they bound.

export interface BudgetSpec {
  /** The AnalysisOptions field; the setting is `tgraph.` + key. */
  readonly key: string;
  readonly setting: string;
  readonly default: number;
  /** What the number counts, for messages and the settings page. */
  readonly unit: string;
  /** One line for the settings page (package.json's markdownDescription). */
  readonly description: string;
  /** The smallest and largest values that work (package.json's minimum and maximum). */
  readonly minimum: number;
  readonly maximum?: number;
}

function budget<K extends string>(key: K, defaultValue: number, unit: string, description: string, range: BudgetRange = {}) {
  return {
    key,
    setting: `tgraph.${key}`,
    default: defaultValue,
    unit,
    description,
    minimum: range.minimum ?? 1,
    maximum: range.maximum,
  } as const;
}

export interface BudgetRange {
  readonly minimum?: number;
  readonly maximum?: number;
}

// Nesting and calls are walked recursively: the worker's stack holds about 3,500 levels of the
// deepest-framed construct (`x[x[...]]`) and 2,000 to 5,000 Python calls, so a budget raised to
// 10^9 ended in 'too complex to analyse (Maximum call stack size exceeded)' instead of its own
// diagnostic. The ceilings keep three times that margin.
const MAX_NESTING_CEILING = 1000;
// Below this, the worker cannot load the analysis at all: `--set maxWorkerHeapMb=8` answered
// every file with "internal error: the analysis worker was stopped".
const MIN_WORKER_HEAP_MB = 64;

export const BUDGETS = [
  budget(
    'maxElements',
    10_000_000,
    'elements',
    'Largest number of elements one tensor may have; a node over it gets a diagnostic and the rest of the file is still analysed.',
  ),
  budget(
    'maxTotalElements',
    100_000_000,
    'elements',
    'Largest number of elements all tensors of one document may hold together; over it, evaluation stops with a diagnostic.',
  ),
  budget(
    'evaluationTimeoutMs',
    5000,
    'milliseconds',
    'Time budget, in milliseconds, for evaluating one document (gradient checks included); over it, evaluation stops with a diagnostic.',
  ),
  budget(
    'maxNestingDepth',
    200,
    'levels',
    'Deepest expression one statement may hold: brackets, operators (a chain `a + b + c` nests one level per operator), calls and subscripts each count a level; a deeper statement gets one diagnostic and is not analysed.',
    { maximum: MAX_NESTING_CEILING },
  ),
  budget(
    'maxCallDepth',
    64,
    'calls',
    'Deepest nesting of calls of functions defined with `def` (a function calling itself is always an error).',
    { maximum: MAX_NESTING_CEILING },
  ),
  budget(
    'maxUnrolledIterations',
    10_000,
    'iterations',
    'Most loop iterations (`for`, `while`, comprehensions) one Python script may run in all: loops over Python values are unrolled into the graph; past it, the loop running is stopped with a diagnostic.',
  ),
  budget(
    'maxCheckEvaluations',
    20_000,
    'evaluations',
    "Most evaluations of the graph one full `check gradients(...)` may make (two per element of the xs); a larger check asks for `mode='fast'`.",
  ),
  budget(
    'maxJacobianEntries',
    100_000,
    'entries',
    'Largest Jacobian (ys elements × x elements) whose element-by-element pattern the gradient explanation computes exactly; beyond it the counts come from the axes.',
  ),
  budget(
    'explainTimeoutMs',
    1000,
    'milliseconds',
    'Time budget, in milliseconds, for explaining one gradient (the sum shown on hovers, lenses and in `tgraph run --json`); over it, the counts come from the axes, or only the plain meaning is given, and the explanation says so.',
  ),
  budget(
    'explainRunTimeoutMs',
    5000,
    'milliseconds',
    'Time budget, in milliseconds, for all the explanations `tgraph run` (and `run --json`) prints for one file; past it, the remaining gradients get only their plain meaning, and say so.',
  ),
  budget(
    'maxPictureEntries',
    4096,
    'entries',
    'Most Jacobian entries the "Explain sum" picture draws; beyond it the picture shows the block one element of x reaches.',
  ),
  budget(
    'pictureTimeoutMs',
    3000,
    'milliseconds',
    'Time budget, in milliseconds, for one "Explain sum" picture (its gradient evaluations included); over it, the picture shows the explanation and says why the rest is missing.',
  ),
  budget('maxFileBytes', 8_000_000, 'bytes', 'Largest file analysed, in bytes (UTF-8); a larger file gets one diagnostic and no analysis.'),
  budget(
    'maxDiagnostics',
    1000,
    'diagnostics',
    'Most diagnostics shown for one file (errors first, then in source order); one more says how many were left out.',
  ),
  budget(
    'maxTotalBytes',
    800_000_000,
    'bytes',
    'Largest memory, in bytes, all tensors of one document may hold together (a float64 element counts 8, a float32 one 4); over it, evaluation stops with a diagnostic.',
  ),
  budget(
    'maxGraphNodes',
    2_000_000,
    'nodes',
    'Most graph nodes one document may build (every op applied, gradients and the bodies of called functions included); over it, the statement that passes it gets a diagnostic and the rest of the file is not built.',
  ),
  budget(
    'maxStatements',
    200_000,
    'statements',
    'Most statements a file may have; the ones past it are not analysed (one diagnostic says so).',
  ),
  budget(
    'maxLineLength',
    1_000_000,
    'characters',
    'Longest line analysed, in characters; a longer line gets one diagnostic and is not analysed.',
  ),
  budget(
    'maxOutputBytes',
    50_000_000,
    'bytes',
    'Most bytes `tgraph run` (and `run --json`) prints for one file; past it, the output ends with a marked summary of what was left out.',
  ),
  budget(
    'maxWorkerHeapMb',
    1024,
    'megabytes',
    "Largest heap, in MB, of the analysis worker (the server's and the CLI's); an analysis that needs more is stopped with a diagnostic on the statement that was running.",
    { minimum: MIN_WORKER_HEAP_MB },
  ),
  budget(
    'workerStopTimeoutMs',
    2000,
    'milliseconds',
    'Time, in milliseconds, the analysis worker is given to stop once its work is out of time or outdated, before it is stopped by force (and restarted) with a diagnostic on the statement that was running.',
  ),
] as const;

export type BudgetKey = (typeof BUDGETS)[number]['key'];
export type Budgets = Record<BudgetKey, number>;

export const DEFAULT_BUDGETS: Readonly<Budgets> = Object.freeze(Object.fromEntries(BUDGETS.map((b) => [b.key, b.default])) as Budgets);

/** The value of a budget: a whole number ≥ 1, or undefined when `raw` is not one (numeric
 *  strings are accepted, as some clients send settings as text); taken into `range`. */
export function budgetValue(raw: unknown, range: BudgetRange = {}): number | undefined {
  const n = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 1) return undefined;
  return Math.min(Math.max(Math.floor(n), range.minimum ?? 1), range.maximum ?? Infinity);
}

/** Every budget of `options`, the defaults filling in what is missing or malformed. */
export function resolveBudgets(options: Partial<Record<BudgetKey, unknown>> = {}): Budgets {
  const out = { ...DEFAULT_BUDGETS } as Budgets;
  for (const b of BUDGETS) {
    const v = budgetValue(options[b.key], b);
    if (v !== undefined) out[b.key] = v;
  }
  return out;
}

/** Whether two option sets have the same budgets (a missing one counting as its default). */
export function sameBudgets(a: Partial<Record<BudgetKey, unknown>>, b: Partial<Record<BudgetKey, unknown>>): boolean {
  const x = resolveBudgets(a);
  const y = resolveBudgets(b);
  return BUDGETS.every((s) => x[s.key] === y[s.key]);
}

/** `(raise tgraph.maxElements)`: what every over-budget message ends with. */
export function raiseHint(key: BudgetKey): string {
  return `(raise tgraph.${key})`;
}

/** 1234567 → `1,234,567`: budgets are read by people. (Grouped here rather than with
 *  toLocaleString, whose first call loads locale data, which a cold start cannot afford.) */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const rounded = Math.round(n);
  const digits = String(Math.abs(rounded));
  if (digits.includes('e')) return rounded.toLocaleString('en-US'); // beyond 1e21
  let grouped = digits.slice(0, ((digits.length - 1) % 3) + 1);
  for (let i = grouped.length; i < digits.length; i += 3) grouped += ',' + digits.slice(i, i + 3);
  return (rounded < 0 ? '-' : '') + grouped;
}
