// Functions of tf.math and tf.linalg that TensorFlow 1.x and 2.x snippets call and that are
// other ops in disguise: divide_no_nan, scalar_mul, matvec, and TensorFlow 1's casts
// (to_float, to_double, to_int32, to_int64).

import { BuildError } from '../builder';
import type { DType } from '../tensor';
import { type OpDef, defineOps } from './registry';
import { composite } from './compose';
import { divNoNaN } from './reduce';

/** TensorFlow 1's tf.to_<dtype>(x): cast(x, dtype). */
function castTo(name: string, dtype: DType): OpDef {
  return composite({
    name,
    doc: `cast(x, ${dtype}) (TensorFlow 1.x).`,
    params: [{ name: 'x', kind: 'tensor' }],
    compose: (b, args) => b.cast(args.tensor('x'), dtype),
  });
}

defineOps([
  composite({
    name: 'divide_no_nan',
    aliases: ['div_no_nan'],
    doc: 'x / y, and 0 where y is 0 (the gradient is 0 there too), as tf.math.divide_no_nan.',
    params: [
      { name: 'x', kind: 'tensor', group: 'T', dtypes: 'float' },
      { name: 'y', kind: 'tensor', group: 'T', dtypes: 'float' },
    ],
    compose: (b, args) => {
      const [x, y] = b.unifyDTypes([args.tensor('x'), args.tensor('y')], [args.span('x'), args.span('y')]);
      return divNoNaN(b, x, y);
    },
  }),
  composite({
    name: 'scalar_mul',
    doc: 'scalar * x for a scalar (tf.math.scalar_mul).',
    params: [
      { name: 'scalar', kind: 'tensor' },
      { name: 'x', kind: 'tensor' },
    ],
    compose: (b, args) => {
      const x = args.tensor('x');
      const scalar = args.tensor('scalar', x.type.dtype);
      if (scalar.type.shape === null || scalar.type.shape.length !== 0) throw new BuildError('scalar_mul(): `scalar` must be a scalar', args.span('scalar'), 'shape-mismatch');
      return b.mul(scalar, x);
    },
  }),
  composite({
    name: 'matvec',
    doc: 'Matrix-vector product a @ b over the last axes, batched (tf.linalg.matvec).',
    params: [
      { name: 'a', kind: 'tensor', group: 'T', dtypes: 'numeric' },
      { name: 'b', kind: 'tensor', group: 'T', dtypes: 'numeric' },
      { name: 'transpose_a', kind: 'bool', default: false, aliases: ['adjoint_a'] },
    ],
    compose: (b, args) => {
      const [a, v] = b.unifyDTypes([args.tensor('a'), args.tensor('b')], [args.span('a'), args.span('b')]);
      const column = b.op('expand_dims', [v], { axis: -1 });
      const product = b.apply('matmul', [a, column], { transpose_a: args.bool('transpose_a'), transpose_b: false }, args.callSpan, [args.span('a'), args.span('b')]);
      return b.op('squeeze', [product], { axis: [-1] });
    },
  }),
  castTo('to_float', 'float32'),
  castTo('to_double', 'float64'),
  castTo('to_int32', 'int32'),
  castTo('to_int64', 'int64'),
]);
