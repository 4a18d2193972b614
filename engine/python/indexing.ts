// `x[...]` on tensors and arrays: Python index values to the engine's strided-slice spec
// (the same `strided_slice` op the .tgraph front end makes for `x[...]`).

import type { Span } from '../syntax/ast';
import type { SpecItem } from '../ops/indexing';
import { PySlice, PyTuple, type PyValue, typeName } from './values';
import { pyError } from './errors';
import { ELLIPSIS_VALUE, type Interpreter } from './interpreter';
import { NDArray } from './numpy/ndarray';

/** The spec of a basic index (ints, slices, None, ...), or null when the index is an
 *  advanced one (a list or an array of indices or booleans). */
export function basicSpec(rt: Interpreter, index: PyValue, span: Span): SpecItem[] | null {
  const items = index instanceof PyTuple ? index.items : [index];
  const spec: SpecItem[] = [];
  for (const item of items) {
    if (item === null) spec.push({ kind: 'newaxis' });
    else if (item === ELLIPSIS_VALUE) spec.push({ kind: 'ellipsis' });
    else if (item instanceof PySlice) {
      const part = (v: PyValue) => (v === null ? null : rt.rt.indexValue(v, span));
      const step = part(item.step);
      if (step === 0) throw pyError('ValueError', 'slice step cannot be zero', span);
      spec.push({ kind: 'slice', start: part(item.start), stop: part(item.stop), step });
    } else if (
      typeof item === 'bigint' ||
      (item instanceof NDArray && item.shape.length === 0 && (item.dtype === 'int32' || item.dtype === 'int64'))
    ) {
      spec.push({ kind: 'index', index: rt.rt.indexValue(item, span) });
    } else if (
      typeof item === 'boolean' ||
      item instanceof NDArray ||
      item instanceof PyTuple ||
      (item !== null && typeof item === 'object' && 'items' in item)
    ) {
      return null;
    } else {
      throw pyError(
        'IndexError',
        `only integers, slices (\`:\`), ellipsis (\`...\`), numpy.newaxis (\`None\`) and integer or boolean arrays are valid indices (got ${typeName(item)})`,
        span,
      );
    }
  }
  return spec;
}
