// np.round / np.around (and the ndarray method) with `decimals`: NumPy's scaling, not a
// correctly rounded decimal. For decimals >= 0, rint(x * 10**d) / 10**d; for decimals < 0,
// rint(x / 10**-d) * 10**-d; each step in the array's float type (a float32 array's scale is
// a float32), rint rounding half to even. So np.round(2.675, 2) is 2.67 (2.675 * 100 is
// 267.49999999999997) and np.round(0.5) is 0.0. Integer arrays: unchanged for decimals >= 0;
// for decimals < 0 scaled as float64 and cast back (NumPy's result keeps the integer dtype).

import { NDArray, isFloatNp } from './ndarray';

/** rint: round half to even (the sign of a zero kept, as C's). */
export function roundHalfEven(y: number): number {
  if (!Number.isFinite(y)) return y;
  const r = Math.round(y);
  // Math.round rounds halves up: a half-way y goes to the even neighbour instead.
  const even = r - y === 0.5 && r % 2 !== 0 ? r - 1 : r;
  return even === 0 ? (y < 0 || Object.is(y, -0) ? -0 : 0) : even;
}

export function roundDecimals(a: NDArray, decimals: number): NDArray {
  if (!isFloatNp(a.dtype)) {
    if (decimals >= 0) return new NDArray(a.dtype, a.shape, a.data.slice(), a.scalar);
    const scale = 10 ** -decimals;
    return new NDArray(
      a.dtype,
      a.shape,
      a.data.map((v) => roundHalfEven(v / scale) * scale),
      a.scalar,
    );
  }
  const f = a.dtype === 'float32' ? Math.fround : (v: number) => v;
  const scale = f(10 ** Math.abs(decimals));
  const out = a.data.map((v) => (decimals >= 0 ? f(roundHalfEven(f(v * scale)) / scale) : f(roundHalfEven(f(v / scale)) * scale)));
  return new NDArray(a.dtype, a.shape, out, a.scalar);
}
