// NumPy's NaN-ignoring reductions (np.nansum, nanmean, nanmax, nanmin, nanargmax, nanargmin):
// the reduction of the array with each NaN replaced by the reduction's identity, and NumPy's
// answer for a lane that is all NaN (sum 0; mean, max and min NaN; argmax/argmin an error).
// Integer and bool arrays hold no NaN: the plain reduction, as NumPy's.

import type { Span } from '../../syntax/ast';
import type { PyValue } from '../values';
import { pyError } from '../errors';
import type { Interpreter } from '../interpreter';
import { NDArray, isFloatNp } from './ndarray';
import { type Reduction, reduce } from './methods';
import type { NpFunction } from './functionSupport';
import { arr } from './functionSupport';

type NanReduction = 'sum' | 'mean' | 'max' | 'min' | 'argmax' | 'argmin';

/** What a NaN stands for in each reduction: it can never be the answer. */
const IDENTITY: Record<NanReduction, number> = { sum: 0, mean: 0, max: -Infinity, min: Infinity, argmax: -Infinity, argmin: Infinity };

function nanReduce(rt: Interpreter, a: NDArray, kind: NanReduction, axis: PyValue, keepdims: boolean, span: Span): NDArray {
  if (!isFloatNp(a.dtype) || !a.data.some((v) => v !== v)) return reduce(rt, a, kind, axis, keepdims, span);
  const fill = IDENTITY[kind];
  const replaced = new NDArray(
    a.dtype,
    a.shape,
    a.data.map((v) => (v !== v ? fill : v)),
  );
  // How many numbers each lane holds: a lane of none is all NaN.
  const present = reduce(
    rt,
    new NDArray(
      'float64',
      a.shape,
      Float64Array.from(a.data, (v) => (v !== v ? 0 : 1)),
    ),
    'sum',
    axis,
    keepdims,
    span,
  );
  if ((kind === 'argmax' || kind === 'argmin') && present.data.some((n) => n === 0))
    throw pyError('ValueError', 'All-NaN slice encountered', span);
  const r = reduce(rt, replaced, (kind === 'mean' ? 'sum' : kind) as Reduction, axis, keepdims, span);
  if (kind === 'mean') for (let i = 0; i < r.data.length; i++) r.data[i] = r.data[i] / present.data[i];
  else if (kind === 'max' || kind === 'min') for (let i = 0; i < r.data.length; i++) if (present.data[i] === 0) r.data[i] = NaN;
  return r;
}

const nanFunction = (kind: NanReduction): NpFunction => ({
  params: kind === 'argmax' || kind === 'argmin' ? ['a', 'axis', 'out', 'keepdims'] : ['a', 'axis', 'dtype', 'out', 'keepdims'],
  impl: (rt, p, site) => nanReduce(rt, arr(rt, p, 'a'), kind, p.get('axis', null), p.get('keepdims', false) === true, site.span),
});

export const NAN_FUNCTIONS: Record<string, NpFunction> = {
  nansum: nanFunction('sum'),
  nanmean: nanFunction('mean'),
  nanmax: nanFunction('max'),
  nanmin: nanFunction('min'),
  nanargmax: nanFunction('argmax'),
  nanargmin: nanFunction('argmin'),
};
