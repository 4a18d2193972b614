// What an editor shows of one analysed document, as plain data: the engine API's answer to
// "what is where" (in the spirit of rust-analyzer's `ide` crate). It crosses the analysis
// worker's boundary (structured clone), so it holds no graph nodes, no closures and no
// syntax tree: only offsets into the analysed text, strings and numbers. The server turns it
// into LSP (positions in the current text), the tests read it directly.
//
// Every name in the text is one `Occurrence` (a flat Int32Array, sorted by start), pointing
// at a `NameTarget`: the binding, parameter, op, dtype or statement keyword it stands for.
// Hovers, definitions, references, rename and semantic tokens are lookups in that table.

import type { Diagnostic } from '../analysis';
import type { BindingKind } from '../analysis';
import type { Span } from '../syntax/ast';

/** Shown in a gradient's hover while its explanation is computed (it replaces this when it
 *  is done). Here, with the plain data, so the protocol thread reads it without the engine. */
export const EXPLANATION_PENDING = '_the sum behind this gradient is being worked out…_';

export type TargetKind = 'binding' | 'parameter' | 'op' | 'dtype' | 'keyword' | 'check' | 'assert' | 'other';

export interface NameTarget {
  kind: TargetKind;
  name: string;
  /** Markdown; empty when the target shows no hover. */
  hover: string;
  /** Where the hover's range is, when not the occurrence itself (a check shows its result
   *  over its keyword). */
  hoverSpan?: Span;
  /** Bindings and parameters: where the name is bound. */
  definition?: Span;
  /** Bindings: what kind of value (outline, completion, tokens). */
  bindingKind?: BindingKind;
  /** Bindings: `tensor float32[4, 3]` (completion, outline). */
  detail?: string;
  /** Function bindings: the parameters (signature help far from the `def`). */
  params?: string[];
  /** Parameters: the other parameters of the same def (a rename may not take their names). */
  siblings?: string[];
  /** Why this name cannot be renamed (ops, dtypes, keywords). */
  refusal?: string;
}

/** Fields of one occurrence in `DocumentSnapshot.occurrences`. */
export const OCC_START = 0;
export const OCC_END = 1;
export const OCC_TARGET = 2;
/** Index into TOKEN_TYPES, or -1: no semantic token. */
export const OCC_TOKEN = 3;
/** Bits of TOKEN_MODIFIERS. */
export const OCC_MODIFIERS = 4;
export const OCC_FIELDS = 5;

export const TOKEN_TYPES = ['variable', 'parameter', 'function', 'type', 'keyword'] as const;
export const TOKEN_MODIFIERS = ['declaration', 'readonly', 'defaultLibrary', 'placeholder', 'gradient', 'trainable'] as const;
export type TokenType = (typeof TOKEN_TYPES)[number];
export type TokenModifier = (typeof TOKEN_MODIFIERS)[number];

export type LensCommand = 'computeGradients' | 'checkGradients' | 'explainSum' | 'randomiseFeed' | null;

export interface LensData {
  /** Where the lens sits (a statement's start). */
  offset: number;
  title: string;
  command: LensCommand;
  /** The statement's text: a check run from the lens is kept under it (see the server). */
  statement?: Span;
}

export interface HintData {
  offset: number;
  label: string;
  kind: 'type' | 'value';
}

export interface SymbolData {
  name: string;
  kind: BindingKind | 'check' | 'assert';
  detail: string;
  span: Span;
  selection: Span;
}

export interface DocumentSnapshot {
  /** The document version analysed (the host's number, echoed). */
  version: number;
  /** Engine diagnostics, spans into the analysed text, in order and capped. */
  diagnostics: Diagnostic[];
  /** Set when the engine failed (a bug) or the worker had to stop: one message. */
  failure?: { message: string; span: Span; code: string };
  status: { milliseconds: number; errors: number; warnings: number; information: number };
  /** OCC_FIELDS ints per name occurrence, sorted by start. */
  occurrences: Int32Array;
  targets: NameTarget[];
  lenses: LensData[];
  hints: HintData[];
  symbols: SymbolData[];
  /** Statements spanning several lines, and runs of comment lines (as the first and last
   *  comment of each run): what folds. */
  folding: { statements: Span[]; commentRuns: Span[] };
  /** Targets (indices) whose hover still waits for an explanation (`Explained` messages
   *  complete them). */
  explaining: number[];
}

/** The occurrence (index into the table) at an offset: the one containing it, else one
 *  ending right at it (the cursor just after a name). */
export function occurrenceAt(occ: Int32Array, offset: number): number {
  const count = occ.length / OCC_FIELDS;
  let lo = 0;
  let hi = count - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (occ[mid * OCC_FIELDS + OCC_START] <= offset) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  // Occurrences may nest (a check's callee inside its statement): prefer the innermost.
  for (let i = found; i >= 0 && i >= found - 3; i--) {
    const at = i * OCC_FIELDS;
    if (occ[at + OCC_START] <= offset && offset < occ[at + OCC_END]) return i;
  }
  for (let i = found; i >= 0 && i >= found - 3; i--) {
    const at = i * OCC_FIELDS;
    if (occ[at + OCC_START] <= offset && offset <= occ[at + OCC_END]) return i;
  }
  return -1;
}

/** Every occurrence of a target, as spans in source order. */
export function occurrencesOf(occ: Int32Array, target: number): Span[] {
  const out: Span[] = [];
  for (let at = 0; at < occ.length; at += OCC_FIELDS) {
    if (occ[at + OCC_TARGET] === target) out.push({ start: occ[at + OCC_START], end: occ[at + OCC_END] });
  }
  return out;
}
