// Labels shared by hovers, inlay hints, completion, signature help and lenses: a tensor's
// type (`float32[4, 3]`), an op's signature, a gradient's meaning (`∂(Σz)/∂x`).

import type { Analysis } from '../engine/analysis';
import type { Value } from '../engine/builder';
import type { Node } from '../engine/graph';
import type { OpDef, Param } from '../engine/ops/registry';
import type { GradientSite } from '../engine/ops/differentiation';
import { showShape } from '../engine/types';

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

/** How a node reads in a formula: its bound name, else its source text. */
export function nodeName(analysis: Analysis, node: Node): string {
  if (node.label) return node.label;
  const text = analysis.text.slice(node.span.start, node.span.end).replace(/\s+/g, ' ').trim();
  return text.length > 0 && text.length <= 30 ? text : 'y';
}

/** `∂(Σz)/∂x`, `∂(Σy + Σw)/∂x`; a weighted y (grad_ys) shows as `Σ(g·y)`. */
export function gradientMeaning(analysis: Analysis, site: GradientSite, xIndex: number): string {
  const wrap = (s: string) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(s) ? s : `(${s})`);
  const terms = site.ys.map((y, k) => {
    const g = site.gradYs[k];
    return g ? `Σ(${wrap(nodeName(analysis, g))}·${wrap(nodeName(analysis, y))})` : `Σ${wrap(nodeName(analysis, y))}`;
  });
  const x = site.xs[xIndex];
  const sum = terms.length === 1 ? terms[0] : terms.join(' + ');
  return `∂(${sum})/∂${x ? wrap(nodeName(analysis, x)) : 'x'}`;
}

/** Which x of a gradient site a node is the gradient for. */
export function gradientIndex(site: GradientSite, node: Node): number {
  return site.grads.indexOf(node);
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
export const STATEMENT_KEYWORDS = ['feed', 'def', 'grad', 'check', 'assert'] as const;
export const RESERVED_WORDS = new Set(['and', 'or', 'not', 'True', 'False', 'None', 'nan', 'inf', ...STATEMENT_KEYWORDS]);
export const DTYPES = ['float32', 'float64', 'int32', 'int64', 'bool'] as const;
