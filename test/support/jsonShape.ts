// A validator for `tgraph run --json` output, written from the spec (LANGUAGE.md, "The command
// line contract"): returns the list of violations (empty when the object conforms).

const SEVERITIES = new Set(['error', 'warning', 'information']);
const DTYPES = new Set(['float32', 'float64', 'int32', 'bool']);
const NON_FINITE = new Set(['NaN', 'Infinity', '-Infinity']);
const ORIGINS = new Set(['stack', 'concat', 'tile', 'broadcast', 'batch', 'reduction', 'ys-list', 'reuse', 'other']);

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isPositiveInt = (x: unknown) => typeof x === 'number' && Number.isInteger(x) && x >= 1;

function checkTensor(v: unknown, where: string, problems: string[]): void {
  if (!isObject(v)) return void problems.push(`${where}: a tensor value must be an object`);
  const keys = Object.keys(v).sort().join(',');
  if (keys !== 'data,dtype,shape') problems.push(`${where}: tensor keys are ${keys}, expected data,dtype,shape`);
  if (typeof v.dtype !== 'string' || !DTYPES.has(v.dtype)) problems.push(`${where}.dtype: ${String(v.dtype)} is not a dtype`);
  if (!Array.isArray(v.shape) || !v.shape.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0)) {
    return void problems.push(`${where}.shape must be a list of non-negative integers`);
  }
  if (!Array.isArray(v.data)) return void problems.push(`${where}.data must be a flat list`);
  const n = (v.shape as number[]).reduce((a, b) => a * b, 1);
  if (v.data.length !== n) problems.push(`${where}.data has ${v.data.length} elements, shape ${JSON.stringify(v.shape)} needs ${n}`);
  for (let i = 0; i < v.data.length; i++) {
    const x = v.data[i];
    const ok =
      v.dtype === 'bool'
        ? typeof x === 'boolean'
        : v.dtype === 'int32'
          ? typeof x === 'number' && Number.isInteger(x)
          : (typeof x === 'number' && Number.isFinite(x)) || (typeof x === 'string' && NON_FINITE.has(x));
    if (!ok) {
      problems.push(`${where}.data[${i}] = ${JSON.stringify(x)} is not a valid ${String(v.dtype)} element`);
      break;
    }
  }
}

function checkValue(v: unknown, where: string, problems: string[]): void {
  if (v === null) return; // a None list element
  if (Array.isArray(v)) return v.forEach((item, i) => checkValue(item, `${where}[${i}]`, problems));
  checkTensor(v, where, problems);
}

function checkDiagnostic(d: unknown, where: string, problems: string[]): void {
  if (!isObject(d)) return void problems.push(`${where}: a diagnostic must be an object`);
  for (const k of ['line', 'column', 'endLine', 'endColumn']) {
    if (!isPositiveInt(d[k])) problems.push(`${where}.${k} = ${JSON.stringify(d[k])} is not a 1-based integer`);
  }
  if (isPositiveInt(d.line) && isPositiveInt(d.endLine)) {
    const startsAfterEnd =
      (d.endLine as number) < (d.line as number) || (d.endLine === d.line && (d.endColumn as number) < (d.column as number));
    if (startsAfterEnd) problems.push(`${where}: the range ends before it starts`);
  }
  if (typeof d.severity !== 'string' || !SEVERITIES.has(d.severity)) problems.push(`${where}.severity = ${JSON.stringify(d.severity)}`);
  if (typeof d.code !== 'string' || d.code === '') problems.push(`${where}.code must be a non-empty string`);
  if (typeof d.message !== 'string' || d.message === '') problems.push(`${where}.message must be a non-empty string`);
}

function checkExplanation(e: unknown, where: string, problems: string[]): void {
  if (e === null) return; // the explanation of a None gradient
  if (Array.isArray(e)) return e.forEach((item, i) => checkExplanation(item, `${where}[${i}]`, problems));
  if (!isObject(e)) return void problems.push(`${where}: an explanation must be an object`);
  if (typeof e.ysElements !== 'number') problems.push(`${where}.ysElements must be a number`);
  if (!Array.isArray(e.fanOut) || e.fanOut.length !== 2 || !e.fanOut.every((x) => typeof x === 'number')) {
    problems.push(`${where}.fanOut must be [min, max]`);
  }
  if (!Array.isArray(e.summedAxes)) problems.push(`${where}.summedAxes must be a list`);
  else {
    e.summedAxes.forEach((s, i) => {
      if (
        !isObject(s) ||
        typeof s.tensor !== 'string' ||
        typeof s.axis !== 'number' ||
        typeof s.size !== 'number' ||
        typeof s.origin !== 'string' ||
        !ORIGINS.has(s.origin)
      ) {
        problems.push(`${where}.summedAxes[${i}] = ${JSON.stringify(s)} is not {tensor, axis, size, origin}`);
      }
    });
  }
  if (!(e.batchSize === null || typeof e.batchSize === 'number')) problems.push(`${where}.batchSize must be a number or null`);
  if (typeof e.text !== 'string') problems.push(`${where}.text must be a string`);
}

/** The spec's `run --json` shape. `explanations` is optional (its own issue), but validated
 *  when present. */
export function validateRunJson(out: unknown): string[] {
  const problems: string[] = [];
  if (!isObject(out)) return ['the output must be one JSON object'];
  for (const k of ['values', 'checks', 'diagnostics']) if (!(k in out)) problems.push(`missing key \`${k}\``);
  if (out.values !== undefined) {
    if (!isObject(out.values)) problems.push('`values` must be an object');
    else for (const [name, v] of Object.entries(out.values)) checkValue(v, `values.${name}`, problems);
  }
  if (out.checks !== undefined && !Array.isArray(out.checks)) problems.push('`checks` must be a list');
  if (out.diagnostics !== undefined) {
    if (!Array.isArray(out.diagnostics)) problems.push('`diagnostics` must be a list');
    else out.diagnostics.forEach((d, i) => checkDiagnostic(d, `diagnostics[${i}]`, problems));
  }
  if (out.explanations !== undefined) {
    if (!isObject(out.explanations)) problems.push('`explanations` must be an object');
    else for (const [name, e] of Object.entries(out.explanations)) checkExplanation(e, `explanations.${name}`, problems);
  }
  return problems;
}
