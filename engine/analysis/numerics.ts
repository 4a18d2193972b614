// The numerics watch: a node that makes NaN or Inf out of finite inputs gets a warning.

import { type Node } from '../graph';
import { type Tensor, isFloat } from '../tensor';

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
  const what = Number.isNaN(bad.value) ? 'NaN' : bad.value > 0 ? 'Inf' : '-Inf';
  const label = node.label ? ` (in \`${node.label}\`)` : '';
  return `${node.op.name} produced ${what} at index ${bad.index} from finite inputs${label}`;
}

function firstNonFinite(t: Tensor): { index: number; value: number } | null {
  const d = t.data;
  for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i])) return { index: i, value: d[i] };
  return null;
}
