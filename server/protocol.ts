// The server's custom requests and commands: the contract with the VS Code client (and any
// other client). Lines are 0-based (LSP lines); params may also be given as `[uri, line]`,
// the arguments the lens commands carry.

import type { WorkspaceEdit } from 'vscode-languageserver';
import type { TensorJson } from '../engine/format/json';
import type { Explanation } from './explanation';
import type { ExplainPicture } from './explainPayload';

export const Methods = {
  computeGradients: 'tgraph/computeGradients',
  checkGradients: 'tgraph/checkGradients',
  explain: 'tgraph/explain',
  randomiseFeedEdit: 'tgraph/randomiseFeedEdit',
} as const;

/** Commands the lenses carry. `tgraph.randomiseFeed` is executed by the server
 *  (workspace/executeCommand, it applies the edit itself); the others are the client's
 *  to implement, by sending the request of the same name and showing the result. */
export const Commands = {
  computeGradients: 'tgraph.computeGradients',
  checkGradients: 'tgraph.checkGradients',
  explainSum: 'tgraph.explainSum',
  randomiseFeed: 'tgraph.randomiseFeed',
} as const;

export interface LineParams {
  uri: string;
  /** 0-based line of the statement (any line of it). */
  line: number;
}

export interface GradientValueJson {
  /** `∂(Σz)/∂x` */
  meaning: string;
  x: string;
  ys: string[];
  dtype: string | null;
  shape: number[] | null;
  staticShape: string | null;
  /** NumPy-style text of the value. */
  value: string;
  json: TensorJson | null;
  explanation: string;
}

export interface ComputeGradientsResult {
  uri: string;
  line: number;
  statement: string;
  gradients: GradientValueJson[];
  message?: string;
}

export interface CheckOutcomeJson {
  /** The gradient call checked, and the `check` statement that checked it. */
  call: string;
  check: string;
  /** False when the check could not run (then `message` says why). */
  ran: boolean;
  passed: boolean;
  mode?: 'full' | 'fast';
  maxAbsError?: number;
  maxRelError?: number;
  compared?: number;
  worst?: { x: string; index: number[]; analytic: number; numeric: number } | null;
  message: string;
  summary?: string;
}

export interface CheckGradientsResult {
  uri: string;
  line: number;
  statement: string;
  passed: boolean;
  /** What the lens shows afterwards: `max err 3.1e-9 ✓` or the worst element. */
  title: string;
  results: CheckOutcomeJson[];
}

export interface ExplainResult {
  uri: string;
  line: number;
  statement: string;
  explanations: Explanation[];
  /** One picture per x: the Jacobian heatmap (or a block of it) and the bars of one entry. */
  pictures?: ExplainPicture[];
  message?: string;
}

export type RandomiseFeedResult = WorkspaceEdit | null;

/** Accepts `{uri, line}` or `[uri, line]`. */
export function lineParams(raw: unknown): LineParams | null {
  if (Array.isArray(raw) && typeof raw[0] === 'string' && typeof raw[1] === 'number') return { uri: raw[0], line: raw[1] };
  if (raw && typeof raw === 'object') {
    const p = raw as Record<string, unknown>;
    if (typeof p.uri === 'string' && typeof p.line === 'number') return { uri: p.uri, line: p.line };
  }
  return null;
}

/** Notifications the client sends. */
export const ClientNotifications = {
  /** The user granted workspace trust (VS Code): load() may read files again; the server
   *  analyses the open documents again. Trust at startup comes in
   *  `initializationOptions.workspaceTrusted` (see trust.ts). */
  workspaceTrust: 'tgraph/workspaceTrust',
} as const;

export interface WorkspaceTrustParams {
  trusted: boolean;
}

/** Notifications the server sends. */
export const Notifications = {
  /** After each analysis of a document: for the client's status bar. */
  analysed: 'tgraph/analysed',
} as const;

export interface AnalysedParams {
  uri: string;
  version: number;
  milliseconds: number;
  errors: number;
  warnings: number;
  information: number;
}
