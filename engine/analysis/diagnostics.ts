// The diagnostics policy: one diagnostic for a file or line over its budget, messages of
// bounded length, and the order and cap of an analysis's diagnostics (errors kept first).

import { formatCount, raiseHint } from '../budgets';
import type { Severity, Diagnostic } from './types';

/** One diagnostic at the start of a file over `maxFileBytes` (UTF-8), or null. */
export function fileSizeDiagnostic(text: string, maxFileBytes: number): Diagnostic | null {
  // A UTF-16 unit is 1 to 3 bytes of UTF-8 (a surrogate pair, 2 units, is 4 bytes): most
  // files are decided without counting.
  if (text.length * 3 <= maxFileBytes) return null;
  let bytes = 0;
  for (let i = 0; i < text.length && bytes <= maxFileBytes; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  if (bytes <= maxFileBytes) return null;
  return {
    span: { start: 0, end: 0 },
    severity: 'error',
    code: 'budget-file-size',
    message: `this file is not analysed: it is larger than the budget of ${formatCount(maxFileBytes)} bytes ${raiseHint('maxFileBytes')}`,
  };
}

const SEVERITY_RANK: Record<Severity, number> = { error: 0, warning: 1, information: 2 };

/** Lines longer than `maxLineLength`: one diagnostic each, and the text with them blanked
 *  (same length, so every other offset holds) for the parser; null when there are none. */
export function longLines(text: string, maxLineLength: number): { text: string; diagnostics: Diagnostic[] } | null {
  if (text.length <= maxLineLength) return null;
  let found: [number, number][] | null = null;
  for (let start = 0; start <= text.length;) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    if (end - start > maxLineLength) (found ??= []).push([start, end]);
    start = end + 1;
  }
  if (!found) return null;
  const parts: string[] = [];
  let at = 0;
  for (const [start, end] of found) {
    parts.push(text.slice(at, start), ' '.repeat(end - start));
    at = end;
  }
  parts.push(text.slice(at));
  return {
    text: parts.join(''),
    diagnostics: found.map(([start, end]) => ({
      span: { start, end: start },
      severity: 'error' as const,
      code: 'budget-line-length',
      message: `this line is not analysed: it has ${formatCount(end - start)} characters, over the budget of ${formatCount(maxLineLength)} ${raiseHint('maxLineLength')}`,
    })),
  };
}

/** Longest diagnostic message: one that quotes the user's text (a string of megabytes, a
 *  name as long as the file) keeps its start and end. */
const MAX_MESSAGE_CHARS = 2000;

export function boundedMessage(message: string): string {
  if (message.length <= MAX_MESSAGE_CHARS) return message;
  const keep = MAX_MESSAGE_CHARS / 2 - 20;
  return `${message.slice(0, keep)} …(${formatCount(message.length - 2 * keep)} characters)… ${message.slice(-keep)}`;
}

/** Diagnostics in source order, capped at `max` as an analysis's are. */
export function orderDiagnostics(diagnostics: readonly Diagnostic[], max: number): Diagnostic[] {
  return capDiagnostics(
    diagnostics.slice().sort((x, y) => x.span.start - y.span.start),
    max,
  );
}

/** At most `max` diagnostics, in source order, and one more saying how many were left out.
 *  Errors are kept first: they decide whether the file fails (the CLI's exit code), and a
 *  page of notes or warnings must not hide the one error that matters. */
export function capDiagnostics(sorted: Diagnostic[], max: number): Diagnostic[] {
  if (sorted.length <= max) return sorted;
  // The first `max` by (severity, source order): counted per severity rather than sorted,
  // as a file of errors on every line has a hundred thousand of them.
  const bySeverity = [0, 0, 0];
  for (const d of sorted) bySeverity[SEVERITY_RANK[d.severity]]++;
  const quota = [0, 0, 0];
  let left = max;
  for (let r = 0; r < 3; r++) left -= quota[r] = Math.min(bySeverity[r], left);
  const kept = new Uint8Array(sorted.length);
  for (let i = 0; i < sorted.length; i++) {
    const r = SEVERITY_RANK[sorted[i].severity];
    if (quota[r] > 0) {
      quota[r]--;
      kept[i] = 1;
    }
  }
  const out: Diagnostic[] = [];
  let firstHidden: Diagnostic | null = null;
  let hiddenSeverity: Severity = 'information';
  for (let i = 0; i < sorted.length; i++) {
    const d = sorted[i];
    if (kept[i]) {
      out.push(d);
      continue;
    }
    firstHidden ??= d;
    if (SEVERITY_RANK[d.severity] < SEVERITY_RANK[hiddenSeverity]) hiddenSeverity = d.severity;
  }
  const hidden = sorted.length - max;
  // Last in the list (the CLI prints it last), at the first hidden problem: where the
  // unseen problems start.
  const summary: Diagnostic = {
    span: firstHidden!.span,
    severity: hiddenSeverity,
    code: 'budget-diagnostics',
    message: `${formatCount(hidden)} more problem${hidden === 1 ? '' : 's'} not shown, the first of them here ${raiseHint('maxDiagnostics')}`,
  };
  out.push(summary);
  return out;
}
