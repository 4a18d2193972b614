// lgamma, digamma and polygamma (TensorFlow.js has none of them): values against closed
// forms (Γ at integers and halves, ψ through Euler's constant, ψ⁽ⁿ⁾ through ζ), the poles as
// TensorFlow gives them, and gradients of every order against float64 central differences.

import { describe, expect, it } from 'vitest';
import { expectChecksPass, run, value } from '../support/ops';

const EULER = 0.5772156649015329;
const close = (got: ArrayLike<number>, want: number[], tol = 1e-14) => {
  expect(got.length).toBe(want.length);
  want.forEach((w, i) => {
    if (!Number.isFinite(w)) expect(got[i], `element ${i}`).toBe(w);
    else expect(Math.abs(got[i] - w), `element ${i}: ${got[i]} vs ${w}`).toBeLessThanOrEqual(tol * (1 + Math.abs(w)));
  });
};

describe('the gamma family', () => {
  it('lgamma: log Γ at integers and halves, reflected below 1/2, +inf at the poles', () => {
    const a = run(`l = tf.math.lgamma(constant([0.5, 1., 1.5, 10., -0.5, 0., -3., 100.], dtype=float64))`);
    const sqrtPi = Math.sqrt(Math.PI);
    close(value(a, 'l').data, [
      Math.log(sqrtPi),
      0,
      Math.log(sqrtPi / 2),
      Math.log(362880),
      Math.log(2 * sqrtPi),
      Infinity,
      Infinity,
      359.1342053695754,
    ]);
  });

  it('digamma: -γ at 1, -γ - 2 ln 2 at 1/2, the recurrence, NaN at the poles', () => {
    const a = run(`d = digamma(constant([1., 0.5, 2., -0.5, 0., -2.], dtype=float64))`);
    const d = value(a, 'd').data;
    close(Array.from(d).slice(0, 4), [-EULER, -EULER - 2 * Math.LN2, 1 - EULER, -EULER - 2 * Math.LN2 + 2]);
    expect(Number.isNaN(d[4]) && Number.isNaN(d[5])).toBe(true);
  });

  it('polygamma: (-1)^(n+1) n! ζ(n+1, x); NaN for an order that is not a whole number', () => {
    const a = run(`p = polygamma(constant([1., 1., 2., 3., 0., 1.5], dtype=float64), constant([1., 0.5, 1., 1., 1., 1.], dtype=float64))`);
    const p = value(a, 'p').data;
    close(Array.from(p).slice(0, 5), [Math.PI ** 2 / 6, Math.PI ** 2 / 2, -2 * 1.2020569031595942, Math.PI ** 4 / 15, -EULER]);
    expect(Number.isNaN(p[5])).toBe(true);
  });

  it('float32 results are the float64 values rounded', () => {
    const a = run(`l = lgamma([0.5, 3.]) \nd = digamma([0.5, 3.])`);
    expect(value(a, 'l').dtype).toBe('float32');
    expect(Array.from(value(a, 'l').data)).toEqual([Math.fround(Math.log(Math.sqrt(Math.PI))), Math.fround(Math.LN2)]);
    expect(Array.from(value(a, 'd').data)).toEqual([Math.fround(-EULER - 2 * Math.LN2), Math.fround(1.5 - EULER)]);
  });

  it('gradients: lgamma′ = digamma, digamma′ = polygamma(1), and again', () => {
    const a = run(`
x = variable([0.3, 1.7, 4.2, -0.4], dtype=float64)
check gradients(reduce_sum(lgamma(x)), x)
check gradients(reduce_sum(digamma(x)), x)
check gradients(reduce_sum(polygamma(2., x)), x)
g = gradients(reduce_sum(lgamma(x)), x)[0]
check gradients(reduce_sum(g * g), x)
`);
    expectChecksPass(a, 4);
  });
});
