// Functions of tf.math, tf.linalg and tf that TensorFlow 1.x and 2.x snippets call and that
// are other ops in disguise: divide_no_nan, reciprocal_no_nan, scalar_mul, matvec, zero_fraction, in_top_k,
// sequence_mask, polyval, and TensorFlow 1's casts (to_float, to_double, to_int32, to_int64);
// and check_numerics, the identity that stops an evaluation at a NaN or an infinity.

import { BuildError, checkDTypeClass } from '../builder';
import { type DType, allocData, isInteger } from '../tensor';
import { OpError, showShape } from '../types';
import { type OpDef, defineOps, op } from './registry';
import { elementwise } from './dependence';
import { composite } from './compose';
import { divNoNaN } from './reduce/folds';
import { largest } from '../extremes';
import { checkedSize } from './sources';

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
      if (scalar.type.shape === null || scalar.type.shape.length !== 0)
        throw new BuildError('scalar_mul(): `scalar` must be a scalar', args.span('scalar'), 'shape-mismatch');
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
      // TensorFlow's hints for a sparse kernel: the values are the same without them.
      { name: 'a_is_sparse', kind: 'bool', default: false, keywordOnly: true },
      { name: 'b_is_sparse', kind: 'bool', default: false, keywordOnly: true },
    ],
    compose: (b, args) => {
      const [a, v] = b.unifyDTypes([args.tensor('a'), args.tensor('b')], [args.span('a'), args.span('b')]);
      const column = b.op('expand_dims', [v], { axis: -1 });
      const product = b.apply('matmul', [a, column], { transpose_a: args.bool('transpose_a'), transpose_b: false }, args.callSpan, [
        args.span('a'),
        args.span('b'),
      ]);
      return b.op('squeeze', [product], { axis: [-1] });
    },
  }),
  composite({
    name: 'reciprocal_no_nan',
    doc: '1 / x, and 0 where x is 0 (tf.math.reciprocal_no_nan).',
    params: [{ name: 'x', kind: 'tensor', dtypes: 'float' }],
    compose: (b, args) => {
      const x = args.tensor('x');
      return divNoNaN(b, b.onesLike(x), x);
    },
  }),
  composite({
    name: 'zero_fraction',
    doc: 'The fraction of the elements of value that are 0, a float32 scalar (tf.math.zero_fraction; NaN for an empty tensor).',
    params: [{ name: 'value', kind: 'tensor', dtypes: 'numeric' }],
    compose: (b, args) => {
      const value = args.tensor('value');
      const zeros = b.cast(b.op('equal', [value, b.zerosLike(value)]), 'float32');
      return b.op('reduce_mean', [zeros], { axis: null, keepdims: false });
    },
  }),
  composite({
    name: 'in_top_k',
    doc: "Whether each row's target class is among its k largest predictions (ties at the boundary count as in, as TensorFlow), a bool vector (tf.math.in_top_k).",
    params: [
      { name: 'targets', kind: 'tensor', dtypes: 'int' },
      { name: 'predictions', kind: 'tensor', dtypes: 'float' },
      { name: 'k', kind: 'int' },
    ],
    tf1Positional: ['predictions', 'targets', 'k', 'name'],
    compose: (b, args) => {
      const predictions = args.tensor('predictions');
      const targets = args.tensor('targets', 'int32');
      if (!isInteger(targets.type.dtype))
        throw new BuildError(
          `in_top_k(): targets must be int32 or int64, got ${targets.type.dtype}`,
          args.span('targets'),
          'dtype-mismatch',
        );
      const ps = predictions.type.shape;
      if (ps !== null && ps.length !== 2)
        throw new BuildError(
          `in_top_k(): predictions must be [batch, classes], got shape ${showShape(ps)}`,
          args.span('predictions'),
          'shape-mismatch',
        );
      // The target's prediction is in the top k when fewer than k classes score strictly more
      // (InTopK's count); a non-finite one never is.
      const targetScore = b.apply('gather', [predictions, targets], { axis: 1, batch_dims: 1 }, args.callSpan, [
        args.span('predictions'),
        args.span('targets'),
      ]);
      const column = b.op('expand_dims', [targetScore], { axis: -1 });
      const above = b.reduceSum(b.cast(b.op('greater', [predictions, column]), 'int32'), [1]);
      const inTop = b.op('less', [above, b.scalar(args.int('k'), 'int32')]);
      return b.op('logical_and', [inTop, b.op('is_finite', [targetScore])]);
    },
  }),
  composite({
    name: 'sequence_mask',
    doc: 'mask[..., j] = j < lengths[...] for j < maxlen (the largest length by default), as bools or `dtype` (tf.sequence_mask).',
    params: [
      { name: 'lengths', kind: 'tensor', dtypes: 'int' },
      { name: 'maxlen', kind: 'int', default: null },
      { name: 'dtype', kind: 'dtype', default: 'bool' },
    ],
    compose: (b, args) => {
      const lengths = args.tensor('lengths', 'int32');
      // Float lengths would make a fractional maxlen (a shape of 1.98): TensorFlow wants integers.
      checkDTypeClass(args.op, args.param('lengths'), lengths, args.span('lengths'));
      let maxlen = args.optionalInt('maxlen');
      if (maxlen === null) {
        const known = lengths.constant ? b.oracle.constantValue(lengths) : undefined;
        if (!known)
          throw new BuildError(
            'sequence_mask(): without maxlen the lengths must be known without feeds (give maxlen)',
            args.span('lengths'),
            'not-constant',
          );
        maxlen = known.data.length === 0 ? 0 : largest(known.data as ArrayLike<number>);
      }
      if (maxlen < 0)
        throw new BuildError(`sequence_mask(): maxlen must be non-negative, got ${maxlen}`, args.span('maxlen'), 'bad-argument');
      checkedSize(b, [maxlen], args.isNone('maxlen') ? args.span('lengths') : args.span('maxlen'), 'sequence_mask()');
      const data = allocData(lengths.type.dtype, maxlen);
      for (let j = 0; j < maxlen; j++) data[j] = j;
      const positions = b.constant({ dtype: lengths.type.dtype, shape: [maxlen], data }, args.callSpan);
      const mask = b.op('less', [positions, b.op('expand_dims', [lengths], { axis: -1 })]);
      return b.cast(mask, args.dtype('dtype'));
    },
  }),
  composite({
    name: 'accumulate_n',
    doc: "add_n under TensorFlow 1's other name (tf.math.accumulate_n); `shape` and `tensor_dtype` only restate the inputs'.",
    params: [
      { name: 'inputs', kind: 'tensors', group: 'T', dtypes: 'numeric' },
      { name: 'shape', kind: 'shape', default: null },
      { name: 'tensor_dtype', kind: 'dtype', default: null },
    ],
    compose: (b, args) => b.apply('add_n', args.tensors('inputs'), {}, args.callSpan, [args.span('inputs')]),
  }),
  composite({
    name: 'polyval',
    doc: "The polynomial coeffs[0]·x^(n-1) + ... + coeffs[n-1] at x, by Horner's rule (tf.math.polyval); no coefficients give zeros.",
    params: [
      { name: 'coeffs', kind: 'tensors', group: 'T' },
      { name: 'x', kind: 'tensor', group: 'T' },
    ],
    compose: (b, args) => {
      const x = args.tensor('x');
      const coeffs = args.tensors('coeffs');
      if (coeffs.length === 0) return b.zerosLike(x);
      let p = coeffs[0];
      for (const c of coeffs.slice(1)) p = b.add(c, b.mul(p, x));
      return p;
    },
  }),
  op<{ message: string }>({
    name: 'check_numerics',
    doc: 'The tensor unchanged, but an error naming `message` where it has a NaN or an infinity (tf.debugging.check_numerics); its gradient is checked the same way.',
    params: [
      { name: 'tensor', kind: 'tensor', dtypes: 'float', aliases: ['x'] },
      { name: 'message', kind: 'string' },
    ],
    infer: ([x]) => x,
    kernel: ([x], attrs, out, ctx) => {
      let nan = false;
      let inf = false;
      for (let i = 0; i < x.data.length; i++) {
        const v = x.data[i];
        if (v !== v) nan = true;
        else if (v === Infinity || v === -Infinity) inf = true;
      }
      if (nan || inf)
        throw new OpError(
          `${attrs.message} : Tensor had ${nan && inf ? 'NaN and Inf' : nan ? 'NaN' : 'Inf'} values`,
          0,
          'invalid-argument',
        );
      const data = ctx.alloc(out.dtype, x.data.length, true);
      data.set(x.data);
      return data;
    },
    grad: (b, node, dy) => [
      b.op('check_numerics', [dy], {
        message: `Not a number (NaN) or infinity (Inf) values detected in gradient. ${node.attrs.message}`,
      }),
    ],
    dependence: elementwise(),
  }),
  castTo('to_float', 'float32'),
  castTo('to_double', 'float64'),
  castTo('to_int32', 'int32'),
  castTo('to_int64', 'int64'),
]);
