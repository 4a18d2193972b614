// What `tgraph run` prints for an analysis: every bound name with dtype, shapes and value,
// then the checks and asserts, then the diagnostics as FILE:LINE:COL: severity: message.
// The JSON form (`--json`) is the spec's contract. Both are written in pieces as they are
// made (a file may bind thousands of large tensors: the whole text is never one string) and
// stop at a byte budget (`maxOutputBytes`) with a marked summary of what was left out.

import type { Analysis, Binding, Diagnostic } from '../analysis';
import { DEFAULT_BUDGETS, formatCount, raiseHint } from '../budgets';
import { sizeOf } from '../tensor';
import type { Value } from '../builder';
import type { Node } from '../graph';
import type { Span } from '../syntax/ast';
import { SharedExplanationTime, explanationLines, explanationsJson } from '../explain';
import { type TensorJson, tensorToJson } from '../format/json';
import { tensorFacts } from './values';

function describeTensor(a: Analysis, label: string, node: Node): string[] {
  const f = tensorFacts(a, node);
  let header = `${label}: ${f.staticType}${f.valueShape === null ? '' : ` (value ${f.valueShape})`}`;
  if (f.runLine !== null) header += ` (from sess.run at line ${f.runLine})`;
  if (f.text !== null) return [header, f.text];
  return [header, f.missing === 'not fed' ? '(not fed)' : '(no value: an input is not fed or failed)'];
}

/** The items a list shows, nested ones included: a list that holds the same list twice, n
 *  levels deep, is 2^n items. */
const MAX_DESCRIBED_ITEMS = 10_000;

function describeValue(a: Analysis, label: string, v: Value, describe?: string, budget = { items: MAX_DESCRIBED_ITEMS }): string[] {
  // A Python value with no tensor form says what it is (a session, a dict, why a name has no
  // value); on a tensor it is a note under the header.
  if (describe !== undefined && v.kind !== 'tensor') return [`${label}: ${describe}`];
  if (describe !== undefined && v.kind === 'tensor') {
    const lines = describeTensor(a, label, v.node);
    return [lines[0], `  (${describe})`, ...lines.slice(1)];
  }
  switch (v.kind) {
    case 'tensor':
      return describeTensor(a, label, v.node);
    case 'list': {
      const lines = [`${label}: list of ${v.items.length}`];
      for (let i = 0; i < v.items.length; i++) {
        if (--budget.items < 0) {
          lines.push(`${label}[${i}:]: not shown (a value shows at most ${formatCount(MAX_DESCRIBED_ITEMS)} items, nested lists included)`);
          break;
        }
        for (const line of describeValue(a, `${label}[${i}]`, v.items[i], undefined, budget)) lines.push(line);
      }
      return lines;
    }
    case 'none':
      return [`${label}: None`];
    case 'function':
      return [`${label}: function(${v.fn.params.join(', ')})${v.fn.customGrad ? ' with a custom gradient' : ''}`];
    case 'string':
      return [`${label}: '${v.value}'`];
    case 'dtype':
      return [`${label}: dtype ${v.dtype}`];
    case 'op':
      return [`${label}: op ${v.op.name}`];
    default:
      return [`${label}: (error)`];
  }
}

/** UTF-8 length of a string. */
export function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) n += c < 0x800 ? 1 : c >= 0xd800 && c < 0xdc00 ? 1 : 2; // a surrogate pair is 4 bytes in all
  }
  return n;
}

/** Writes pieces through `write` in chunks of about 64 KB, up to `maxBytes` in all. */
export class BoundedOutput {
  private pending: string[] = [];
  private pendingBytes = 0;
  written = 0;

  constructor(
    private readonly write: (chunk: string) => void,
    readonly maxBytes: number,
  ) {}

  /** Bytes still allowed. */
  get left(): number {
    return this.maxBytes - this.written - this.pendingBytes;
  }

  /** Adds `piece` if it fits; false (nothing added) when it does not. */
  add(piece: string): boolean {
    const bytes = utf8Length(piece);
    if (bytes > this.left) return false;
    this.force(piece, bytes);
    return true;
  }

  /** Adds `piece` whatever the budget (the closing summary and brackets). */
  force(piece: string, bytes = utf8Length(piece)): void {
    this.pending.push(piece);
    this.pendingBytes += bytes;
    if (this.pendingBytes >= 65536) this.flush();
  }

  flush(): void {
    if (this.pending.length === 0) return;
    this.write(this.pending.join(''));
    this.written += this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
  }
}

function truncationNote(max: number, omitted: number, what: string): string {
  return `output stopped at the budget of ${formatCount(max)} bytes: ${formatCount(omitted)} more ${what} not shown ${raiseHint('maxOutputBytes')}`;
}

export interface ReportOptions {
  json: boolean;
  maxBytes: number;
  /** Told which gradient is being explained while the report is written (null when done). */
  onExplaining?: (span: Span | null) => void;
}

/** Writes what `tgraph run` (or `run --json`) prints; false when the byte budget cut it. */
export function runReport(a: Analysis, file: string, options: ReportOptions, write: (chunk: string) => void): boolean {
  const out = new BoundedOutput(write, options.maxBytes);
  const complete = options.json ? writeJson(a, out, options.onExplaining) : writeText(a, file, out, options.onExplaining);
  out.flush();
  return complete;
}

function writeText(a: Analysis, file: string, out: BoundedOutput, onExplaining?: ReportOptions['onExplaining']): boolean {
  // The diagnostics come last and matter most (the exit code follows them): up to half the
  // budget is kept for them, and the values, checks and asserts get the rest.
  const diagnostics = a.diagnostics.map((d) => formatDiagnostic(a, file, d));
  let diagnosticBytes = 0;
  for (const d of diagnostics) diagnosticBytes += utf8Length(d) + 1;
  const forValues = out.maxBytes - Math.min(diagnosticBytes + 2, Math.floor(out.maxBytes / 2));
  let first = true;
  let omitted = 0;
  const piece = (text: string): void => {
    const chunk = (first ? '' : '\n\n') + text;
    if (omitted > 0 || out.maxBytes - out.left + utf8Length(chunk) > forValues || !out.add(chunk)) omitted++;
    else first = false;
  };
  // What the file printed comes first, as Python writes it.
  const printed = a.prints;
  if (printed?.length) {
    for (const p of printed) if (!out.add(p.text)) break;
    if (!printed[printed.length - 1].text.endsWith('\n')) out.add('\n');
    out.add('\n');
  }
  const explaining = SharedExplanationTime.forRun(a, onExplaining);
  for (const b of a.bindings) {
    if (omitted > 0) {
      omitted++;
      continue;
    }
    const line = a.lines.positionAt(b.span.start).line + 1;
    const lines = describeValue(a, b.name, b.value, b.describe);
    lines[0] += `    (line ${line})`;
    // (a Python script's gradient is explained with the feeds of the run that fetched it)
    const explained = explanationLines(a.python?.explainView(b) ?? a, b, explaining);
    if (explained.length) lines.splice(1, 0, ...explained.map((t) => `  ${t}`));
    piece(lines.join('\n'));
  }
  for (const c of a.checks) {
    const line = a.lines.positionAt(c.stmt.span.start).line + 1;
    piece(
      `check (line ${line}): ${c.passed ? 'passed' : 'FAILED'}${c.expectFail ? ' (expected to fail)' : ''} — ${c.passed ? c.summary : c.message}`,
    );
  }
  for (const s of a.asserts) {
    const line = a.lines.positionAt(s.stmt.span.start).line + 1;
    piece(
      `assert (line ${line}): ${s.passed ? 'passed' : 'FAILED'}${s.expectFail ? ' (expected to fail)' : ''}${s.passed ? '' : ' — ' + s.message}`,
    );
  }
  // A Python script's statements that are not valid Python: no diagnostic (Python's own
  // tooling reports syntax), but run says they were left out.
  for (const n of a.python?.notEvaluated ?? []) {
    if (n.refused !== undefined)
      piece(`not evaluated (line ${a.lines.positionAt(n.span.start).line + 1}): not valid Python (${n.refused}), left out`);
  }
  let diagnosticsLeft = diagnostics.length;
  for (const d of diagnostics) {
    if (!out.add((first ? '' : diagnosticsLeft === diagnostics.length ? '\n\n' : '\n') + d)) break;
    first = false;
    diagnosticsLeft--;
  }
  if (omitted > 0 || diagnosticsLeft > 0) {
    const what =
      diagnosticsLeft > 0
        ? `${omitted > 0 ? `values, checks or asserts and ${formatCount(diagnosticsLeft)} ` : ''}diagnostics`
        : 'values, checks or asserts';
    out.force(`\n\n${file}:1:1: error: ${truncationNote(out.maxBytes, omitted + diagnosticsLeft, what)}\n`);
    return false;
  }
  out.force('\n');
  return true;
}

export function formatDiagnostic(a: Analysis, file: string, d: Diagnostic): string {
  const p = a.lines.positionAt(d.span.start);
  return `${file}:${p.line + 1}:${p.character + 1}: ${d.severity}: ${d.message}`;
}

type JsonValue = TensorJson | null | JsonValue[];

function valueJson(a: Analysis, v: Value): JsonValue | undefined {
  switch (v.kind) {
    case 'tensor': {
      const t = a.valueOf(v.node);
      return t ? tensorToJson(t) : null;
    }
    case 'list':
      return v.items.map((item) => valueJson(a, item) ?? null);
    case 'none':
      return null;
    default:
      return undefined;
  }
}

export function diagnosticJson(a: Analysis, d: Diagnostic) {
  const s = a.lines.positionAt(d.span.start);
  const e = a.lines.positionAt(d.span.end);
  return {
    line: s.line + 1,
    column: s.character + 1,
    endLine: e.line + 1,
    endColumn: e.character + 1,
    severity: d.severity,
    code: d.code,
    message: d.message,
  };
}

/** About how many bytes a value's JSON takes, from a sample of its elements: a value that
 *  cannot fit is never stringified (a 10M-element tensor is a 100 MB string). */
function estimatedJsonBytes(a: Analysis, v: Value, memo = new Map<Value, number>()): number {
  if (v.kind === 'list') {
    // Once per distinct list: a list holding the same list twice, n levels deep, is 2^n items.
    const known = memo.get(v);
    if (known !== undefined) return known;
    const n = v.items.reduce((n, item) => n + estimatedJsonBytes(a, item, memo), 2);
    memo.set(v, n);
    return n;
  }
  if (v.kind !== 'tensor') return 8;
  const t = a.valueOf(v.node);
  if (!t) return 8;
  const size = sizeOf(t.shape);
  const sample = Math.min(size, 1024);
  if (sample === 0) return 64;
  const json = stringifyJson(tensorToJson({ dtype: t.dtype, shape: [sample], data: t.data.subarray(0, sample) }));
  return Math.ceil((json.length / sample) * size) + 64;
}

/** The spec's JSON object, written value by value; a value that would pass the byte budget
 *  is `null` and named in `"truncated"` (the object stays valid JSON). */
function writeJson(a: Analysis, out: BoundedOutput, onExplaining?: ReportOptions['onExplaining']): boolean {
  // The parts after the values are small and written whatever the budget; they are made
  // first so that the values get what is left.
  const rest = runJsonRest(a, onExplaining);
  const tail = stringifyJson(rest).slice(1);
  const reserve = utf8Length(tail) + 256;
  const omitted: string[] = [];
  out.force('{"values":{');
  let first = true;
  for (const b of a.bindings) {
    if (!reportedInJson(a, b)) continue;
    const key = (first ? '' : ',') + JSON.stringify(b.name) + ':';
    first = false;
    // Every top-level name appears; what has no tensor value (a def, an error) is null. A
    // number takes at least 2 bytes: a value that cannot fit is not stringified at all.
    if (
      estimatedJsonBytes(a, b.value) > out.left - reserve ||
      !out.add(key + stringifyJson({ v: valueJson(a, b.value) ?? null }).slice(5, -1))
    ) {
      omitted.push(b.name);
      out.force(key + 'null');
    }
  }
  out.force('}');
  if (omitted.length > 0) {
    out.force(
      `,"truncated":${JSON.stringify({ maxOutputBytes: out.maxBytes, omittedValues: omitted.length, message: truncationNote(out.maxBytes, omitted.length, 'values') })}`,
    );
  }
  out.force(',' + tail + '\n');
  return omitted.length === 0;
}

/** Whether a binding is one of `--json`'s values: a .tgraph file's top-level names but those
 *  bound by destructuring (LANGUAGE.md); a Python script's names as they are at its end,
 *  those bound by unpacking included (`y_val, grads_val = sess.run(...)`). */
function reportedInJson(a: Analysis, b: Binding): boolean {
  if (a.python) return a.lookup(b.name) === b;
  return !b.destructured;
}

/** Everything of the JSON object but the values. */
function runJsonRest(a: Analysis, onExplaining?: ReportOptions['onExplaining']): object {
  const explaining = SharedExplanationTime.forRun(a, onExplaining);
  const checks = a.checks.map((c) => {
    const s = a.lines.positionAt(c.stmt.span.start);
    return {
      line: s.line + 1,
      passed: c.passed,
      expectFail: c.expectFail,
      mode: c.mode,
      maxAbsError: c.maxAbsError,
      maxRelError: c.maxRelError,
      worst: c.worst,
      compared: c.compared,
      message: c.message,
    };
  });
  const asserts = a.asserts.map((s) => ({
    line: a.lines.positionAt(s.stmt.span.start).line + 1,
    passed: s.passed,
    expectFail: s.expectFail,
    message: s.message,
  }));
  const diagnostics = a.diagnostics.map((d) => diagnosticJson(a, d));
  const prints = a.prints.map((p) => ({ line: a.lines.positionAt(p.span.start).line + 1, text: p.text }));
  if (!a.python) {
    // `prints` only where a .tgraph file printed: LANGUAGE.md's files have no print statement.
    return prints.length
      ? { checks, asserts, diagnostics, explanations: explanationsJson(a, explaining), prints }
      : { checks, asserts, diagnostics, explanations: explanationsJson(a, explaining) };
  }
  // A Python script: each gradient explained with the feeds of the run that fetched it, and
  // what the script printed.
  const python = a.python;
  const explanations = Object.assign(
    {},
    ...a.bindings.filter((b) => b.gradient && reportedInJson(a, b)).map((b) => explanationsJson(python.explainView(b), explaining)),
  );
  return { checks, asserts, diagnostics, explanations, prints };
}

/** The whole `tgraph run --json` object at once (tests and tools; the CLI streams it). */
export function runJson(a: Analysis): object {
  const values: Record<string, JsonValue> = {};
  for (const b of a.bindings) if (reportedInJson(a, b)) values[b.name] = valueJson(a, b.value) ?? null;
  return { values, ...runJsonRest(a) };
}

/** JSON.stringify with the spec's spelling of non-finite numbers. A replacer function costs
 *  a call per value (a file with 100,000 diagnostics has a million), so it is used only when
 *  a non-finite number is there to spell: JSON.stringify writes those as `null`, so a text
 *  without `null` had none. */
export function stringifyJson(o: object): string {
  const plain = JSON.stringify(o);
  if (!plain.includes('null') || !hasNonFinite(o)) return plain;
  return JSON.stringify(o, (_k, v) =>
    typeof v === 'number' && !Number.isFinite(v) ? (Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity') : v,
  );
}

/** Whether a non-finite number is anywhere in `o` (walked without recursion). */
function hasNonFinite(o: object): boolean {
  const stack: unknown[] = [o];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'number') {
      if (v - v !== 0) return true; // NaN and ±Infinity
    } else if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const x = v[i];
        if (typeof x === 'number') {
          if (x - x !== 0) return true;
        } else if (x !== null && typeof x === 'object') stack.push(x);
      }
    } else if (v !== null && typeof v === 'object') {
      for (const k in v) stack.push((v as Record<string, unknown>)[k]);
    }
  }
  return false;
}

export interface TestOutcome {
  passed: number;
  failed: number;
  /** One line per failure: `FILE:LINE:COL: message`. */
  lines: string[];
}

/** What `tgraph test` counts in one analysed file: its checks and asserts (an expect-fail
 *  one passes by failing), and every other error as a failure of the file. */
export function testOutcomes(a: Analysis, file: string): TestOutcome {
  const result: TestOutcome = { passed: 0, failed: 0, lines: [] };
  const outcomes = [
    ...a.checks.map((c) => ({
      span: c.stmt.span,
      passed: c.passed,
      expectFail: c.expectFail,
      message: c.message || c.summary,
      kind: 'check',
    })),
    ...a.asserts.map((s) => ({ span: s.stmt.span, passed: s.passed, expectFail: s.expectFail, message: s.message, kind: 'assert' })),
  ];
  for (const o of outcomes) {
    if (o.passed !== o.expectFail) result.passed++;
    else {
      result.failed++;
      const where = formatDiagnostic(a, file, { span: o.span, severity: 'error', code: '', message: '' }).replace(/: error: $/, '');
      result.lines.push(`${where}: ${o.expectFail ? `${o.kind} marked expect-fail passed` : o.message}`);
    }
  }
  const claimed = new Set(['check-failed', 'assert-failed', 'unexpected-pass']);
  for (const d of a.diagnostics) {
    if (d.severity !== 'error' || claimed.has(d.code)) continue;
    result.failed++;
    result.lines.push(formatDiagnostic(a, file, d));
  }
  return result;
}

/** The whole text of `tgraph run` at once (tests, the fuzzer and the bench; the CLI streams
 *  it), within the default byte budget. */
export function formatRun(a: Analysis, file: string, maxBytes = DEFAULT_BUDGETS.maxOutputBytes): string {
  const parts: string[] = [];
  runReport(a, file, { json: false, maxBytes }, (chunk) => parts.push(chunk));
  return parts.join('');
}
