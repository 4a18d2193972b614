// `allclose`: NumPy's test of closeness, broadcasting its operands.

import { sizeOf, stridesOf } from '../../tensor';
import { broadcastShapes } from '../../types';
import { defineOps, op } from '../registry';

/** numpy.isclose for one pair: equal values (equal infinities included) are close; NaN is
 *  close to nothing unless `equalNaN`; else |a - b| <= atol + rtol * |b|. */
function isClose(a: number, b: number, rtol: number, atol: number, equalNaN: boolean): boolean {
  if (a === b) return true;
  if (a !== a || b !== b) return equalNaN && a !== a && b !== b;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  return Math.abs(a - b) <= atol + rtol * Math.abs(b);
}
defineOps([
  op<{ rtol: number; atol: number; equal_nan: boolean }>({
    name: 'allclose',
    doc: 'True when every |a - b| <= atol + rtol * |b| (NumPy; broadcasting; NaN is never close unless equal_nan).',
    params: [
      { name: 'a', kind: 'tensor', dtypes: 'numeric', aliases: ['x'] },
      { name: 'b', kind: 'tensor', dtypes: 'numeric', aliases: ['y'] },
      { name: 'rtol', kind: 'float', default: 1e-5 },
      { name: 'atol', kind: 'float', default: 1e-8 },
      { name: 'equal_nan', kind: 'bool', default: false },
    ],
    // NumPy compares values whatever their dtypes, so a and b need not share one.
    infer: ([a, b]) => {
      broadcastShapes(a.shape, b.shape, 1);
      return { dtype: 'bool', shape: [] };
    },
    kernel: ([a, b], attrs, out, ctx) => {
      const data = ctx.alloc(out.dtype, 1);
      const shape = broadcastShapes(a.shape, b.shape, 1) as number[];
      const rtol = attrs.rtol;
      const atol = attrs.atol;
      const equalNaN = attrs.equal_nan === true;
      const A = a.data;
      const B = b.data;
      const n = sizeOf(shape);
      data[0] = 1;
      if (A.length === n && B.length === n) {
        for (let i = 0; i < n; i++) {
          if (!isClose(A[i], B[i], rtol, atol, equalNaN)) {
            data[0] = 0;
            break;
          }
        }
        return data;
      }
      // Broadcast: walk the output index, reading each side through its own strides.
      const rank = shape.length;
      const stride = (s: readonly number[]) => {
        const st = stridesOf(s);
        const lead = rank - s.length;
        return shape.map((_, i) => (i < lead || s[i - lead] === 1 ? 0 : st[i - lead]));
      };
      const sa = stride(a.shape);
      const sb = stride(b.shape);
      const idx = new Array<number>(rank).fill(0);
      let ia = 0;
      let ib = 0;
      for (let o = 0; o < n; o++) {
        if (!isClose(A[ia], B[ib], rtol, atol, equalNaN)) {
          data[0] = 0;
          break;
        }
        for (let k = rank - 1; k >= 0; k--) {
          idx[k]++;
          ia += sa[k];
          ib += sb[k];
          if (idx[k] < shape[k]) break;
          ia -= sa[k] * shape[k];
          ib -= sb[k] * shape[k];
          idx[k] = 0;
        }
      }
      return data;
    },
  }),
]);
