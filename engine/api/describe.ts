// Labels shared by hovers, inlay hints, completion, signature help, lenses and the CLI: a tensor's
// type (`float32[4, 3]`), an op's signature, a gradient's meaning (`∂(Σz)/∂x`).

import type { Analysis } from '../analysis';
import type { Value } from '../builder';
import type { Node } from '../graph';
import type { OpDef, Param } from '../ops/registry';
import { showShape } from '../types';
import { DTYPES } from '../tensor';
import { STATEMENT_KEYWORDS } from '../syntax/lexer';
export { gradientMeaning, nodeName } from '../explain/path';

/** `float32[4, 3]`: the fed (concrete) shape once evaluated, else the static one with `?`. */
export function typeLabel(analysis: Analysis, node: Node): string {
  const t = analysis.valueOf(node);
  return `${node.type.dtype}${showShape(t ? t.shape : node.type.shape)}`;
}

/** A short type for any value (lists show their items). */
export function valueTypeLabel(analysis: Analysis, v: Value, depth = 0): string {
  switch (v.kind) {
    case 'tensor':
      return typeLabel(analysis, v.node);
    case 'list': {
      if (depth > 0 || v.items.length > 4) return `list of ${v.items.length}`;
      return `[${v.items.map((item) => valueTypeLabel(analysis, item, depth + 1)).join(', ')}]`;
    }
    case 'none':
      return 'None';
    case 'function':
      return `function(${v.fn.params.join(', ')})`;
    case 'dtype':
      return `dtype ${v.dtype}`;
    case 'string':
      return 'string';
    case 'op':
      return `op ${v.op.name}`;
    default:
      return 'error';
  }
}

/** A default value as Python spells it. */
export function pythonLiteral(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'string') return `'${v}'`;
  if (Array.isArray(v)) return `[${v.map(pythonLiteral).join(', ')}]`;
  if (typeof v === 'number') return Number.isNaN(v) ? 'nan' : v === Infinity ? 'inf' : v === -Infinity ? '-inf' : String(v);
  return String(v);
}

export function paramLabel(p: Param): string {
  return 'default' in p ? `${p.name}=${pythonLiteral(p.default)}` : p.name;
}

export interface Signature {
  label: string;
  /** [start, end) of each parameter inside `label`. */
  params: [number, number][];
  doc: string;
}

/** `reduce_sum(input_tensor, axis=None, keepdims=False)` with the offsets of each parameter. */
export function opSignature(op: OpDef): Signature {
  return signatureOf(op.name, op.params.map(paramLabel), op.doc);
}

export function signatureOf(name: string, paramLabels: readonly string[], doc: string): Signature {
  let label = `${name}(`;
  const params: [number, number][] = [];
  paramLabels.forEach((p, i) => {
    if (i > 0) label += ', ';
    params.push([label.length, label.length + p.length]);
    label += p;
  });
  label += ')';
  return { label, params, doc };
}

/** Names that the language reserves or that name built-in things: never renamed. */
export const RESERVED_WORDS: ReadonlySet<string> = new Set([
  'and',
  'or',
  'not',
  'True',
  'False',
  'None',
  'nan',
  'inf',
  ...STATEMENT_KEYWORDS,
]);
export { STATEMENT_KEYWORDS, DTYPES };
