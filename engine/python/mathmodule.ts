// The `math` module: Python's floats in, Python's floats out (double precision, as CPython's
// libm calls).

import { PyBuiltin, PyModule, type PyValue } from './values';
import { pyError } from './errors';
import { toFloat } from './operators';
import type { Runtime } from './runtime';

const UNARY: Record<string, (x: number) => number> = {
  exp: Math.exp,
  log1p: Math.log1p,
  expm1: Math.expm1,
  sqrt: Math.sqrt,
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  asin: Math.asin,
  acos: Math.acos,
  atan: Math.atan,
  sinh: Math.sinh,
  cosh: Math.cosh,
  tanh: Math.tanh,
  fabs: Math.abs,
  log2: Math.log2,
  log10: Math.log10,
  erf: erf,
  degrees: (x) => (x * 180) / Math.PI,
  radians: (x) => (x * Math.PI) / 180,
};

/** erf(x) to double precision (Abramowitz–Stegun would be 1e-7: this is a series/continued
 *  fraction as CPython's fallback). */
function erf(x: number): number {
  if (x !== x) return x;
  const ax = Math.abs(x);
  if (ax < 1.5) {
    // Taylor series: 2/√π Σ (-1)^n x^(2n+1) / (n! (2n+1))
    let term = ax;
    let sum = ax;
    for (let n = 1; n < 60; n++) {
      term *= (-ax * ax) / n;
      sum += term / (2 * n + 1);
      if (Math.abs(term / (2 * n + 1)) < 1e-17 * Math.abs(sum)) break;
    }
    const r = (2 / Math.sqrt(Math.PI)) * sum;
    return x < 0 ? -r : r;
  }
  if (ax > 6) return x < 0 ? -1 : 1;
  // continued fraction for erfc
  let f = 0;
  for (let n = 60; n >= 1; n--) f = n / 2 / (ax + f);
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / (ax + f);
  return x < 0 ? erfc - 1 : 1 - erfc;
}

export function mathModule(rt: Runtime): PyModule {
  void rt;
  return new PyModule('math', (name) => {
    if (name === 'pi') return Math.PI;
    if (name === 'e') return Math.E;
    if (name === 'inf') return Infinity;
    if (name === 'nan') return NaN;
    if (name === 'tau') return 2 * Math.PI;
    const f = UNARY[name];
    if (f) {
      return new PyBuiltin(`math.${name}`, (args, _kw, site) => {
        const x = number(args[0], site.argSpans[0] ?? site.span);
        const r = f(x);
        if (r !== r && x === x) throw pyError('ValueError', 'math domain error', site.span);
        return r;
      });
    }
    if (name === 'log') {
      return new PyBuiltin('math.log', (args, _kw, site) => {
        const x = number(args[0], site.argSpans[0] ?? site.span);
        if (x <= 0) throw pyError('ValueError', 'math domain error', site.span);
        return args.length > 1 ? Math.log(x) / Math.log(number(args[1], site.argSpans[1] ?? site.span)) : Math.log(x);
      });
    }
    if (name === 'pow')
      return new PyBuiltin('math.pow', (args, _kw, site) => Math.pow(number(args[0], site.span), number(args[1], site.span)));
    if (name === 'floor' || name === 'ceil' || name === 'trunc') {
      return new PyBuiltin(`math.${name}`, (args, _kw, site) => {
        const v = args[0];
        if (typeof v === 'bigint') return v;
        const x = number(v, site.span);
        if (!Number.isFinite(x))
          throw pyError(
            x !== x ? 'ValueError' : 'OverflowError',
            `cannot convert float ${x !== x ? 'NaN' : 'infinity'} to integer`,
            site.span,
          );
        return BigInt(name === 'floor' ? Math.floor(x) : name === 'ceil' ? Math.ceil(x) : Math.trunc(x));
      });
    }
    if (name === 'isnan' || name === 'isinf' || name === 'isfinite') {
      return new PyBuiltin(`math.${name}`, (args, _kw, site) => {
        const x = number(args[0], site.span);
        return name === 'isnan' ? x !== x : name === 'isinf' ? x === Infinity || x === -Infinity : Number.isFinite(x);
      });
    }
    if (name === 'factorial') {
      return new PyBuiltin('math.factorial', (args, _kw, site) => {
        const n = args[0];
        if (typeof n !== 'bigint' || n < 0n)
          throw pyError('ValueError', 'factorial() only accepts non-negative integral values', site.span);
        if (n > 5000n) throw pyError('OverflowError', "factorial() of more than 5000 is beyond tgraph's bound on Python ints", site.span);
        let r = 1n;
        for (let i = 2n; i <= n; i++) r *= i;
        return r;
      });
    }
    if (name === 'prod' || name === 'fsum' || name === 'hypot' || name === 'atan2' || name === 'copysign' || name === 'isclose') {
      return new PyBuiltin(`math.${name}`, (args, kw, site) => {
        const nums = (name === 'prod' || name === 'fsum' ? rt.interpreter.iterate(args[0], site.span) : args).map((a) =>
          number(a, site.span),
        );
        switch (name) {
          case 'prod':
            return nums.reduce((a, b) => a * b, 1);
          case 'fsum':
            return nums.reduce((a, b) => a + b, 0);
          case 'hypot':
            return Math.hypot(...nums);
          case 'atan2':
            return Math.atan2(nums[0], nums[1]);
          case 'copysign':
            return Math.sign(nums[1]) * Math.abs(nums[0]) || (Object.is(nums[1], -0) ? -Math.abs(nums[0]) : Math.abs(nums[0]));
          default: {
            const rtol = number(kw.find((k) => k.name === 'rel_tol')?.value ?? 1e-9, site.span);
            const atol = number(kw.find((k) => k.name === 'abs_tol')?.value ?? 0, site.span);
            return Math.abs(nums[0] - nums[1]) <= Math.max(rtol * Math.max(Math.abs(nums[0]), Math.abs(nums[1])), atol);
          }
        }
      });
    }
    return undefined;
  });
}

function number(v: PyValue, span: { start: number; end: number }): number {
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return toFloat(v, span);
  if (v !== null && typeof v === 'object' && 'scalar' in v && 'data' in v && (v as { data: ArrayLike<number> }).data.length === 1)
    return (v as { data: ArrayLike<number> }).data[0];
  throw pyError('TypeError', 'must be real number', span);
}
