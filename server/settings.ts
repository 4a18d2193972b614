// The server's settings (the `tgraph.*` section of the client's configuration) with their
// defaults, and how they become the engine's AnalysisOptions. The budgets are engine/budgets.ts's
// table (each `tgraph.<key>` setting is AnalysisOptions' `<key>`); anything malformed a client
// sends falls back to the default instead of reaching the engine.

import type { AnalysisOptions } from '../engine/analysis';
import { BUDGETS, type Budgets, DEFAULT_BUDGETS, budgetValue } from '../engine/budgets';

/** Every budget of engine/budgets.ts (`maxElements`, `evaluationTimeoutMs`, `maxDiagnostics`,
 *  ...), plus what only the editor uses. */
export interface Settings extends Budgets {
  inlayHints: { shapes: boolean; values: boolean };
  /** Defaults of `check gradients(...)` statements and of the "Check gradients" lens. */
  check: { eps: number; atol: number; rtol: number };
  /** Whether Python files that import TensorFlow are analysed (PYTHON.md). */
  python: { enabled: boolean };
}

export const DEFAULT_SETTINGS: Settings = {
  ...DEFAULT_BUDGETS,
  inlayHints: { shapes: true, values: true },
  check: { eps: 1e-3, atol: 1e-5, rtol: 1e-3 },
  python: { enabled: true },
};

function positiveNumber(raw: unknown, fallback: number): number {
  const n = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : fallback;
}

function nonNegativeNumber(raw: unknown, fallback: number): number {
  return raw === 0 || raw === '0' ? 0 : positiveNumber(raw, fallback);
}

function flag(raw: unknown, fallback: boolean): boolean {
  return typeof raw === 'boolean' ? raw : fallback;
}

function record(raw: unknown): Record<string, unknown> {
  return raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
}

/** Reads a `tgraph` configuration section. Both the nested form VS Code returns
 *  (`{inlayHints: {shapes: true}}`) and the flat dotted form some clients send
 *  (`{"inlayHints.shapes": true}`) are accepted. */
export function parseSettings(raw: unknown): Settings {
  const s = record(raw);
  const get = (path: string): unknown => {
    if (path in s) return s[path];
    let cur: unknown = s;
    for (const part of path.split('.')) cur = record(cur)[part];
    return cur;
  };
  const d = DEFAULT_SETTINGS;
  const budgets = { ...DEFAULT_BUDGETS } as Budgets;
  for (const b of BUDGETS) budgets[b.key] = budgetValue(get(b.key), b) ?? b.default;
  return {
    ...budgets,
    inlayHints: {
      shapes: flag(get('inlayHints.shapes'), d.inlayHints.shapes),
      values: flag(get('inlayHints.values'), d.inlayHints.values),
    },
    check: {
      eps: positiveNumber(get('check.eps'), d.check.eps),
      atol: nonNegativeNumber(get('check.atol'), d.check.atol),
      rtol: nonNegativeNumber(get('check.rtol'), d.check.rtol),
    },
    python: { enabled: flag(get('python.enabled'), d.python.enabled) },
  };
}

/** The options every analysis of the server runs with: all the budgets, and the check defaults. */
export function analysisOptions(s: Settings): AnalysisOptions {
  const options: AnalysisOptions = { check: { ...s.check } };
  for (const b of BUDGETS) options[b.key] = s[b.key];
  return options;
}

/** Equal settings need no re-analysis. */
export function sameSettings(a: Settings, b: Settings): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
