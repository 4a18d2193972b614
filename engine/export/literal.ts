// Tensors and attribute values written back as .tgraph source: what the exported graph
// needs to carry a script's numbers (a feed, a variable's value, a NumPy array) into a file
// that evaluates to the same bits.

import type { Tensor } from '../tensor';
import { shortestFloat32 } from '../format/json';

/** A number as .tgraph reads it back to the same value in `dtype`: float32 values by their
 *  shortest float32 decimal, float64 by JavaScript's shortest round-trip form. */
export function numberLiteral(x: number, dtype: string): string {
  if (x !== x) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (dtype === 'bool') return x ? 'True' : 'False';
  if (Object.is(x, -0)) return '-0.0';
  if (dtype === 'float32') return floatForm(shortestFloat32(x));
  if (dtype === 'float64') return floatForm(String(x));
  return String(x);
}

/** A float written so that it reads as a float (`2.0`, not the integer `2`). */
function floatForm(s: string): string {
  return /[.eEn]/.test(s) ? s : `${s}.0`;
}

/** The nested-list literal of a tensor (`[[1.5, 2.0], [3.0, 4.0]]`, or the scalar itself).
 *  Null when it has more than `maxElements` elements: the caller says why it stopped. */
export function tensorLiteral(t: Tensor, maxElements: number): string | null {
  const n = t.data.length;
  if (n > maxElements) return null;
  const data = t.data as ArrayLike<number | bigint>;
  const item = (i: number) => numberLiteral(Number(data[i]), t.dtype);
  if (t.shape.length === 0) return item(0);
  const parts: string[] = [];
  let flat = 0;
  const walk = (axis: number): void => {
    parts.push('[');
    const size = t.shape[axis];
    for (let i = 0; i < size; i++) {
      if (i > 0) parts.push(', ');
      if (axis === t.shape.length - 1) parts.push(item(flat++));
      else walk(axis + 1);
    }
    parts.push(']');
  };
  walk(0);
  return parts.join('');
}

/** A tensor as an expression of its exact value and dtype: `constant([...], dtype=int64)`;
 *  a zero-element tensor keeps its shape. */
export function constantExpression(t: Tensor, maxElements: number): string | null {
  if (t.data.length === 0) return `zeros(${JSON.stringify(t.shape)}, ${t.dtype})`;
  const literal = tensorLiteral(t, maxElements);
  if (literal === null) return null;
  return `constant(${literal}, dtype=${t.dtype})`;
}

/** A static attribute value (a number, a list of numbers, a string, a dtype name, a bool,
 *  None) as source; null when it is something a call cannot spell (a node, an object). */
export function attributeLiteral(v: unknown): string | null {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return numberLiteral(v, Number.isInteger(v) ? 'int32' : 'float64');
  if (typeof v === 'string') return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (Array.isArray(v)) {
    const items = v.map(attributeLiteral);
    return items.includes(null) ? null : `[${items.join(', ')}]`;
  }
  return null;
}
