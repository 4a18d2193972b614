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

/** sin(πx), exact at integers and halves (the argument reduced to [-1, 1) first). */
function sinPi(x: number): number {
  const r = x - 2 * Math.round(x / 2);
  if (r === 0 || r === 1 || r === -1) return 0;
  if (r === 0.5) return 1;
  if (r === -0.5) return -1;
  return Math.sin(Math.PI * r);
}

// Lanczos' approximation, g = 7, 9 terms (relative error about 1e-15 for x >= 0.5).
const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
const HALF_LOG_TWO_PI = 0.9189385332046728;

/** log|Γ(x)|: +inf at the poles (0, -1, -2, ...), reflection below 1/2, as tf.math.lgamma. */
export function lgamma(x: number): number {
  if (x !== x) return NaN;
  if (x === Infinity || x === -Infinity) return Infinity;
  if (x <= 0 && Number.isInteger(x)) return Infinity;
  if (x === 1 || x === 2) return 0;
  if (x < 0.5) return Math.log(Math.PI / Math.abs(sinPi(x))) - lgamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0];
  for (let i = 1; i < LANCZOS.length; i++) a += LANCZOS[i] / (z + i);
  const t = z + LANCZOS_G + 0.5;
  return HALF_LOG_TWO_PI + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** ψ(x) = Γ'(x)/Γ(x): NaN at the poles (0, -1, ...), reflection below 0, the recurrence up
 *  to 10 and the asymptotic series there (error below 1e-16 · ψ). */
export function digamma(x: number): number {
  if (x !== x || x === -Infinity) return NaN;
  if (x === Infinity) return Infinity;
  if (x <= 0) {
    if (Number.isInteger(x)) return NaN;
    // ψ(1 - x) - ψ(x) = π cot(πx)
    return digamma(1 - x) - (Math.PI * cosPi(x)) / sinPi(x);
  }
  let shift = 0;
  while (x < 10) {
    shift -= 1 / x;
    x += 1;
  }
  const f = 1 / (x * x);
  const series = f * (1 / 12 - f * (1 / 120 - f * (1 / 252 - f * (1 / 240 - f * (1 / 132 - f * (691 / 32760 - f / 12))))));
  return shift + Math.log(x) - 0.5 / x - series;
}

function cosPi(x: number): number {
  return sinPi(x + 0.5);
}

// B_2j / (2j)!, j = 1..10: the Euler–Maclaurin coefficients of the Hurwitz zeta tail.
const EM = [
  1 / 12,
  -1 / 720,
  1 / 30240,
  -1 / 1209600,
  1 / 47900160,
  -691 / 1307674368000,
  1 / 74724249600,
  -3617 / 10670622842880000,
  43867 / 5109094217170944000,
  -174611 / 802857662698291200000,
];

/** The Hurwitz zeta ζ(s, q) = Σ_k (q + k)^-s for an integer s >= 2: +inf at q = 0, -1, ...;
 *  the terms summed until q + k >= s + 10, then the Euler–Maclaurin tail. */
function hurwitzZeta(s: number, q: number): number {
  if (q <= 0 && Number.isInteger(q)) return Infinity;
  let sum = 0;
  let w = q;
  const reach = s + 10;
  // Bounded: at most |q| + s + 10 terms; beyond 1e6 the caller's q is absurd for a float.
  for (let k = 0; w < reach && k < 1e6; k++, w += 1) sum += Math.pow(w, -s);
  sum += Math.pow(w, 1 - s) / (s - 1) + 0.5 * Math.pow(w, -s);
  // Σ_j B_2j/(2j)! · s(s+1)…(s+2j-2) · w^(-s-2j+1)
  let rising = s;
  let power = Math.pow(w, -s - 1);
  const w2 = 1 / (w * w);
  for (let j = 0; j < EM.length; j++) {
    const term = EM[j] * rising * power;
    sum += term;
    if (Math.abs(term) < 1e-17 * Math.abs(sum)) break;
    rising *= (s + 2 * j + 1) * (s + 2 * j + 2);
    power *= w2;
  }
  return sum;
}

/** ψ⁽ⁿ⁾(x), the n-th derivative of the digamma function, for integers n >= 0 (NaN for other
 *  n, as tf.math.polygamma): (-1)^(n+1) n! ζ(n + 1, x). */
export function polygamma(n: number, x: number): number {
  if (n !== n || x !== x || n < 0 || !Number.isInteger(n)) return NaN;
  if (n === 0) return digamma(x);
  let factorial = 1;
  for (let k = 2; k <= n && factorial < Infinity; k++) factorial *= k;
  return (n % 2 === 1 ? 1 : -1) * factorial * hurwitzZeta(n + 1, x);
}
