// The gamma family of tf.math: lgamma, digamma and polygamma, each the derivative of the one
// before (TensorFlow's _LgammaGrad, _DigammaGrad, _PolygammaGrad), so gradients of any order
// are polygammas of higher order. The special functions are in special.ts.

import { defineOps } from './registry';
import { binary } from './elementwise/binary';
import { unary } from './elementwise/unary';
import { elementwise } from './dependence';
import { digamma, lgamma, polygamma } from './special';

defineOps([
  unary({
    name: 'lgamma',
    doc: 'log|Γ(x)| elementwise (+inf at 0, -1, -2, ...).',
    f: lgamma,
    grad: (b, x, _y, dy) => b.mul(dy, b.op('digamma', [x])),
  }),
  unary({
    name: 'digamma',
    doc: 'ψ(x) = d/dx log Γ(x) elementwise (NaN at 0, -1, -2, ...).',
    f: digamma,
    grad: (b, x, _y, dy) => b.mul(dy, b.op('polygamma', [b.scalar(1, x.type.dtype), x])),
  }),
  {
    ...binary({
      name: 'polygamma',
      doc: "ψ⁽ᵃ⁾(x), the a-th derivative of digamma, elementwise (a a whole number in x's float dtype; NaN otherwise).",
      params: ['a', 'x'],
      dtypes: 'float',
      f: polygamma,
      // The order a has no derivative (TensorFlow: None).
      grad: (b, a, x, _node, dy) => [null, b.mul(dy, b.op('polygamma', [b.add(a, b.scalar(1, a.type.dtype)), x]))],
    }),
    dependence: elementwise({ carries: (slot) => slot === 1 }),
  },
]);
