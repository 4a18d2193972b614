// What `tgraph run` prints for an analysis: every bound name with dtype, shapes and value,
// then the checks and asserts, then the diagnostics as FILE:LINE:COL: severity: message.
// The JSON form (`--json`) is the spec's contract.

import type { Analysis, Diagnostic } from '../engine/analysis';
import type { Value } from '../engine/builder';
import type { Node } from '../engine/graph';
import { formatTensor } from '../engine/format/numpy';
import { explanationLines, explanationsJson } from '../engine/explain';
import { type TensorJson, tensorToJson } from '../engine/format/json';
import { showShape } from '../engine/types';
import type { Tensor } from '../engine/tensor';

function header(label: string, node: Node, t: Tensor | undefined): string {
  const fed = t && !sameAsStatic(t.shape, node.type.shape) ? ` (value ${showShape(t.shape)})` : '';
  return `${label}: ${node.type.dtype}${showShape(node.type.shape)}${fed}`;
}

/** Whether a value's shape is the static one (an unknown size never is; an unknown rank
 *  counts as `[]`). */
function sameAsStatic(shape: readonly number[], declared: readonly (number | null)[] | null): boolean {
  const d = declared ?? [];
  if (shape.length !== d.length) return false;
  for (let i = 0; i < shape.length; i++) if (shape[i] !== (d[i] ?? -1)) return false;
  return true;
}

function describeTensor(a: Analysis, label: string, node: Node): string[] {
  const t = a.valueOf(node);
  const lines = [header(label, node, t)];
  if (t) lines.push(formatTensor(t));
  else if (node.op.name === 'placeholder') lines.push('(not fed)');
  else lines.push('(no value: an input is not fed or failed)');
  return lines;
}

function describeValue(a: Analysis, label: string, v: Value): string[] {
  switch (v.kind) {
    case 'tensor':
      return describeTensor(a, label, v.node);
    case 'list':
      return [`${label}: list of ${v.items.length}`, ...v.items.flatMap((item, i) => describeValue(a, `${label}[${i}]`, item))];
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

export function formatRun(a: Analysis, file: string): string {
  const out: string[] = [];
  for (const b of a.bindings) {
    const line = a.lines.positionAt(b.span.start).line + 1;
    const lines = describeValue(a, b.name, b.value);
    lines[0] += `    (line ${line})`;
    const explained = explanationLines(a, b);
    if (explained.length) lines.splice(1, 0, ...explained.map((t) => `  ${t}`));
    out.push(lines.join('\n'));
  }
  for (const c of a.checks) {
    const line = a.lines.positionAt(c.stmt.span.start).line + 1;
    out.push(`check (line ${line}): ${c.passed ? 'passed' : 'FAILED'}${c.expectFail ? ' (expected to fail)' : ''} — ${c.passed ? c.summary : c.message}`);
  }
  for (const s of a.asserts) {
    const line = a.lines.positionAt(s.stmt.span.start).line + 1;
    out.push(`assert (line ${line}): ${s.passed ? 'passed' : 'FAILED'}${s.expectFail ? ' (expected to fail)' : ''}${s.passed ? '' : ' — ' + s.message}`);
  }
  const diags = a.diagnostics.map((d) => formatDiagnostic(a, file, d));
  return out.join('\n\n') + (diags.length ? '\n\n' + diags.join('\n') : '') + '\n';
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

export function runJson(a: Analysis): object {
  const values: Record<string, JsonValue> = {};
  for (const b of a.bindings) {
    if (b.destructured) continue;
    // Every top-level name appears; what has no tensor value (a def, an error) is null.
    values[b.name] = valueJson(a, b.value) ?? null;
  }
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
  const asserts = a.asserts.map((s) => ({ line: a.lines.positionAt(s.stmt.span.start).line + 1, passed: s.passed, expectFail: s.expectFail, message: s.message }));
  return { values, checks, asserts, diagnostics: a.diagnostics.map((d) => diagnosticJson(a, d)), explanations: explanationsJson(a) };
}

/** JSON.stringify with the spec's spelling of non-finite numbers. A replacer function costs
 *  a call per value (a file with 100,000 diagnostics has a million), so it is used only when
 *  a non-finite number is there to spell: JSON.stringify writes those as `null`, so a text
 *  without `null` had none. */
export function stringifyJson(o: object): string {
  const plain = JSON.stringify(o);
  if (!plain.includes('null') || !hasNonFinite(o)) return plain;
  return JSON.stringify(o, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? (Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity') : v));
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
