// The numerics watch: a node that makes NaN or Inf out of finite inputs gets a warning, and
// so does a float literal that float32 cannot hold (TensorFlow rounds it silently).

import { type Node } from '../graph';
import { constantOf } from '../ops/registry';
import type { Span } from '../syntax/ast';
import { type Tensor, firstLostToFloat32, isFloat } from '../tensor';

/** A warning of the numerics watch: where, and what. */
export interface NumericWarning {
  readonly span: Span;
  readonly code: 'non-finite' | 'literal-rounded';
  readonly message: string;
}

/** The numerics warning for `node`'s new value, or null: a constant whose literal lost its
 *  value to float32 (at the literal's own range in `text`), or a node that made NaN or Inf
 *  out of finite inputs. */
export function numericWarning(node: Node, value: Tensor, inputs: readonly Tensor[], text: string): NumericWarning | null {
  if (node.op.name === 'const') {
    const lost = roundedLiteral(node, value);
    if (lost === null) return null;
    return { span: literalRange(text, node.span, lost.literal), code: 'literal-rounded', message: roundedLiteralMessage(lost) };
  }
  const message = nonFiniteMessage(node, value, inputs);
  return message === null ? null : { span: node.span, code: 'non-finite', message };
}

/** The warning for a node that made NaN or Inf out of finite inputs, or null. */
export function nonFiniteMessage(node: Node, value: Tensor, inputs: readonly Tensor[]): string | null {
  if (!isFloat(value.dtype)) return null;
  // A value that is one of its inputs (a reshape, an unbroadcast that summed nothing) made
  // nothing new: its NaN, if any, is that input's.
  for (let i = 0; i < inputs.length; i++) if (inputs[i].data === value.data && isFloat(inputs[i].dtype)) return null;
  const bad = firstNonFinite(value);
  if (bad === null) return null;
  if (inputs.some((t) => isFloat(t.dtype) && firstNonFinite(t) !== null)) return null;
  if (node.op.name === 'const' || node.origin.kind === 'literal') return null;
  if (!Number.isNaN(bad.value) && node.op.makesInfinity?.(node.attrs)) return null;
  const what = Number.isNaN(bad.value) ? 'NaN' : bad.value > 0 ? 'Inf' : '-Inf';
  const label = node.label ? ` (in \`${node.label}\`)` : '';
  return `${node.op.name} produced ${what} at index ${bad.index} from finite inputs${label}`;
}

/** The first NaN or ±Inf element. Every value of a document is scanned (a hundred thousand
 *  of a feed edit's): four elements are tested with one comparison (x * 0 is ±0 for a finite
 *  x and NaN otherwise), which halved the scan; the first four that fail are looked at one
 *  by one. */
export function firstNonFinite(t: Tensor): { index: number; value: number } | null {
  const d = t.data;
  const n = d.length;
  let i = 0;
  for (; i + 4 <= n; i += 4) if (d[i] * 0 + d[i + 1] * 0 + d[i + 2] * 0 + d[i + 3] * 0 !== 0) break;
  for (; i < n; i++) if (!Number.isFinite(d[i])) return { index: i, value: d[i] };
  return null;
}

/** A literal's double and what float32 made of it. */
interface RoundedLiteral {
  readonly literal: number;
  readonly rounded: number;
}

/** The first element of a float32 constant whose literal was finite and became ±Inf, or was
 *  nonzero and became 0. The literal is either still in the constant (a weak literal holds
 *  doubles, rounded where the document computes in float32) or was recorded when a literal
 *  was cast (`lostLiteral`); in float64 nothing is lost. */
function roundedLiteral(node: Node, value: Tensor): RoundedLiteral | null {
  const attrs = constantOf(node);
  if (!attrs || value.dtype !== 'float32' || !(value.data instanceof Float32Array)) return null;
  if (attrs.lostLiteral !== undefined) return attrs.lostLiteral;
  const source = attrs.value.data;
  if (source === value.data || source instanceof Float32Array) return null;
  const at = firstLostToFloat32(source, value.data);
  return at < 0 ? null : { literal: source[at], rounded: value.data[at] };
}

function roundedLiteralMessage({ literal, rounded }: RoundedLiteral): string {
  const shown = String(literal);
  if (rounded === 0) return `${shown} is 0 in float32 (its smallest nonzero magnitude is 1.4e-45); float64 keeps it (dtype float64)`;
  return `${shown} is ${rounded > 0 ? 'Inf' : '-Inf'} in float32 (its largest magnitude is 3.4028235e+38): what is computed from it is Inf or NaN; float64 keeps it (dtype float64)`;
}

/** A number literal of either front end (Python's digit separators included), not part of a
 *  name. */
const NUMBER_LITERAL = /(?<![\w.])(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?/g;

/** The range of the number literal worth `literal` (its sign aside) inside `span`: the
 *  constant's own span is a whole list, or a call. The span itself when none is (the literal
 *  was an expression, such as `10**100`). */
function literalRange(text: string, span: Span, literal: number): Span {
  const wanted = Math.abs(literal);
  const inside = text.slice(span.start, span.end);
  for (const m of inside.matchAll(NUMBER_LITERAL)) {
    if (Number(m[0].replace(/_/g, '')) === wanted) return { start: span.start + m.index, end: span.start + m.index + m[0].length };
  }
  return span;
}
