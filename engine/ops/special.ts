// Special functions that JavaScript's Math lacks, accurate to near double precision so that
// float64 gradient checks of ops built on them are meaningful.

const TWO_OVER_SQRT_PI = 1.1283791670955126;

/** erf by its Maclaurin series near 0 and erfc's continued fraction further out
 *  (absolute error below 1e-13 everywhere). */
export function erf(x: number): number {
  if (x !== x) return NaN;
  const ax = Math.abs(x);
  if (ax > 6) return x > 0 ? 1 : -1;
  if (ax < 2.5) {
    // Σ (-1)^n x^(2n+1) / (n! (2n+1))
    const x2 = x * x;
    let term = x;
    let sum = x;
    for (let n = 1; n < 100; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return TWO_OVER_SQRT_PI * sum;
  }
  const c = erfcContinuedFraction(ax);
  return x > 0 ? 1 - c : c - 1;
}

/** erfc(x) for x > 0 by the Laplace continued fraction, evaluated with Lentz's method. */
function erfcContinuedFraction(x: number): number {
  // erfc(x) = exp(-x²)/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + 2/(x + ...)))))
  const tiny = 1e-300;
  let f = x;
  let C = x;
  let D = 0;
  for (let n = 1; n < 500; n++) {
    const a = n / 2;
    D = x + a * D;
    D = Math.abs(D) < tiny ? tiny : D;
    C = x + a / C;
    C = Math.abs(C) < tiny ? tiny : C;
    D = 1 / D;
    const delta = C * D;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}
