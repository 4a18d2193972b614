// The wire protocol between the tgraph server and its clients, in one place: the custom
// requests, commands and notifications with their payload types. The server and the VS Code
// client both import it (the client type-only, apart from the name tables and `lineParams`,
// which import nothing). Lines are 0-based (LSP lines); params may also be given as
// `[uri, line]`, the arguments the lens commands carry.

import type { WorkspaceEdit } from 'vscode-languageserver-types';

export const Methods = {
  computeGradients: 'tgraph/computeGradients',
  checkGradients: 'tgraph/checkGradients',
  explain: 'tgraph/explain',
  randomiseFeedEdit: 'tgraph/randomiseFeedEdit',
  /** The graph the document's statements on lines `line`..`endLine` built, as a .tgraph
   *  document (OpenAsGraphParams → OpenAsGraphResult): "tgraph: Open as graph". */
  openAsGraph: 'tgraph/openAsGraph',
} as const;

/** Commands the lenses carry, each with the arguments `[uri, line]`. The server executes
 *  all of them (workspace/executeCommand), for any LSP client: the gradient commands answer
 *  the data of the request of the same name (ComputeGradientsResult, CheckGradientsResult,
 *  ExplainResult), `tgraph.randomiseFeed` applies its edit and answers `{applied}`. The VS
 *  Code client implements them itself, by sending those requests and drawing the result. */
export const Commands = {
  computeGradients: 'tgraph.computeGradients',
  checkGradients: 'tgraph.checkGradients',
  explainSum: 'tgraph.explainSum',
  randomiseFeed: 'tgraph.randomiseFeed',
  /** Arguments `[uri, line, endLine]`; answers the OpenAsGraphResult (the VS Code client
   *  opens its text as a new .tgraph document). */
  openAsGraph: 'tgraph.openAsGraph',
} as const;

export interface OpenAsGraphParams {
  uri: string;
  /** 0-based first and last lines of the selection (the statements that meet them). */
  line: number;
  endLine: number;
}

export type { GraphDocument as OpenAsGraphResult } from '../engine/export/graph';

/** Accepts `{uri, line, endLine}` or `[uri, line, endLine]`; no endLine means the one line. */
export function rangeParams(raw: unknown): OpenAsGraphParams | null {
  const p = lineParams(raw);
  if (!p) return null;
  const end = Array.isArray(raw) ? raw[2] : (raw as Record<string, unknown>).endLine;
  return { ...p, endLine: typeof end === 'number' && end >= p.line ? end : p.line };
}

export interface LineParams {
  uri: string;
  /** 0-based line of the statement (any line of it). */
  line: number;
}

export type {
  GradientValueJson,
  ComputeGradientsResult,
  CheckOutcomeJson,
  CheckGradientsResult,
  ExplainResult,
} from '../engine/api/results';
export type { ExplainPicture, JacobianGrid } from '../engine/api/picture';
export type { Explanation } from '../engine/explain';
import type { ExplainPicture, JacobianGrid } from '../engine/api/picture';
import type { Contribution, Contributions } from '../engine/explain';

/** `T` as a client reads it from JSON: the computed numbers named by `K` may be non-finite
 *  (a NaN derivative, an infinite term), which JSON carries as null. */
type NonFinite<T, K extends keyof T> = Omit<T, K> & { [P in K]: T[P] extends number[] ? (number | null)[] : T[P] | null };

/** One picture of an `ExplainResult`, as the client receives it. */
export type ExplainPictureJson = Omit<ExplainPicture, 'jacobian' | 'contributions'> & {
  jacobian: NonFinite<JacobianGrid, 'values'> | null;
  contributions:
    | (NonFinite<Omit<Contributions, 'terms'>, 'total' | 'gradient'> & {
        terms: NonFinite<Contribution, 'weight' | 'derivative' | 'partial'>[];
      })
    | null;
};

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

/** Requests the server sends. */
export const ServerRequests = {
  /** Sent by the browser build of the server, which cannot read files itself: the bytes of
   *  a file a document's load() names, read by the client through the editor's workspace
   *  file system (client/browser.ts answers it). */
  readFile: 'tgraph/readFile',
} as const;

export interface ReadFileParams {
  uri: string;
  /** Refuse a larger file (load()'s limit). */
  maxBytes: number;
}

/** The file's bytes as base64, or why it was not read: the message (after "load(): ") and
 *  the diagnostic code. */
export type ReadFileResult = { base64: string } | { refused: string; code: string };
