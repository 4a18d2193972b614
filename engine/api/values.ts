// What a bound tensor shows wherever it is shown (the hover's markdown, `tgraph run`'s text):
// its static type, the value's shape where the static type does not say it, why it has no
// value when it has none, and the value in NumPy's print format. One description, which each
// place renders in its own layout.

import type { Analysis } from '../analysis';
import type { Node } from '../graph';
import { formatTensor } from '../format/numpy';
import { sizeOf } from '../tensor';
import { showShape } from '../types';

export interface TensorFacts {
  /** `float32[None, 3]`: the type the graph was built with. */
  staticType: string;
  /** The value's shape (`[4, 3]`) when the static shape does not say it; null otherwise. */
  valueShape: string | null;
  /** Elements of the value (0 without one). */
  size: number;
  placeholder: boolean;
  /** The value as NumPy prints it (summarised past the threshold); null when there is none. */
  text: string | null;
  /** Why there is no value: a placeholder not fed, or an input that failed or is not fed. */
  missing: 'not fed' | 'no value' | null;
  /** A Python script's graph tensor: the line of the `sess.run` its value comes from. */
  runLine: number | null;
}

/** `threshold`: past this many elements the value is summarised (NumPy's `...`). */
export function tensorFacts(a: Analysis, node: Node, threshold?: number): TensorFacts {
  const t = a.valueOf(node);
  const placeholder = node.op.name === 'placeholder';
  return {
    staticType: `${node.type.dtype}${showShape(node.type.shape)}`,
    valueShape: t && !sameAsStatic(t.shape, node.type.shape) ? showShape(t.shape) : null,
    size: t ? sizeOf(t.shape) : 0,
    placeholder,
    text: t ? formatTensor(t, threshold === undefined ? undefined : { threshold }) : null,
    missing: t ? null : placeholder ? 'not fed' : 'no value',
    runLine: a.python?.runOf(node)?.line ?? null,
  };
}

/** Whether a value's shape is the static one (an unknown size never is; an unknown rank
 *  counts as `[]`). */
function sameAsStatic(shape: readonly number[], declared: readonly (number | null)[] | null): boolean {
  const d = declared ?? [];
  if (shape.length !== d.length) return false;
  for (let i = 0; i < shape.length; i++) if (shape[i] !== (d[i] ?? -1)) return false;
  return true;
}
