// `norm`: vector and matrix norms, built from other ops as TensorFlow builds them.

import { BuildError, checkDTypeClass, tensorValue } from '../../builder';
import type { Node } from '../../graph';
import { OpError } from '../../types';
import { type Attrs, type OpDef, defineOps } from '../registry';
import { checkAxes } from './reduction';

// ---- norm ------------------------------------------------------------------------------

/** tf.norm: built from other ops exactly as TensorFlow's linalg_ops.norm, so its values and
 *  gradient are TensorFlow's (the euclidean norm's gradient x / norm is NaN at 0). */
function normOp(): OpDef {
  const op: OpDef = {
    name: 'norm',
    doc: "Vector norm (ord 'euclidean'/2, 1, inf or p > 0) over axis (None: all elements), or a matrix norm over a pair of axes ('fro', 1, inf).",
    params: [
      { name: 'tensor', kind: 'tensor', dtypes: 'float', aliases: ['x', 'input', 'a'] },
      { name: 'ord', kind: 'value', default: 'euclidean' },
      { name: 'axis', kind: 'axes', default: null },
      { name: 'keepdims', kind: 'bool', default: false, aliases: ['keep_dims'] },
    ],
    build: (b, args) => {
      const x = args.tensor('tensor');
      checkDTypeClass(op, op.params[0], x, args.span('tensor'));
      const keepdims = args.bool('keepdims');
      const rawAxes = args.axes('axis');
      const ordValue = args.value('ord');
      let ord: string | number;
      if (ordValue.kind === 'string') ord = ordValue.value.toLowerCase();
      else if (ordValue.kind === 'none') ord = 'euclidean';
      else ord = args.float('ord');
      const isMatrix = rawAxes !== null && rawAxes.length === 2;
      if (rawAxes !== null && rawAxes.length !== 1 && rawAxes.length !== 2) {
        throw new BuildError('norm(): axis must be None, an integer, or a pair of distinct integers', args.span('axis'), 'bad-axis');
      }
      let axes = rawAxes;
      if (rawAxes && x.type.shape !== null) {
        try {
          axes = checkAxes(rawAxes, x.type.shape.length);
        } catch (e) {
          if (e instanceof OpError) throw new BuildError(`norm(): ${e.message}`, args.span('axis'), 'bad-axis');
          throw e;
        }
      } else if (isMatrix && rawAxes![0] === rawAxes![1]) {
        throw new BuildError('norm(): a matrix norm needs two distinct axes', args.span('axis'), 'bad-axis');
      }
      const ordText = typeof ord === 'string' ? `'${ord}'` : String(ord);
      if (isMatrix) {
        if (ord === 2) {
          throw new BuildError(
            "norm(): ord=2 of a matrix is its largest singular value, which needs an SVD (not available); use 'fro', 1 or inf",
            args.span('ord'),
            'bad-argument',
          );
        }
        if (ord !== 'euclidean' && ord !== 'fro' && ord !== 1 && ord !== Infinity) {
          throw new BuildError(
            `norm(): a matrix norm takes ord 'euclidean', 'fro', 1, 2 or inf, got ${ordText}`,
            args.span('ord'),
            'bad-argument',
          );
        }
      } else if (ord === 'fro') {
        throw new BuildError(
          "norm(): ord='fro' is a matrix norm: pass axis=[a, b] (the vector equivalent is 'euclidean')",
          args.span('ord'),
          'bad-argument',
        );
      } else if (typeof ord === 'string' ? ord !== 'euclidean' : !(ord > 0)) {
        throw new BuildError(
          `norm(): ord must be 'euclidean', 1, 2, inf or a positive number, got ${ordText}`,
          args.span('ord'),
          'bad-argument',
        );
      }
      const at = (name: string, inputs: Node[], attrs: Attrs = {}) => b.apply(name, inputs, attrs, args.callSpan, [args.span('tensor')]);
      const dtype = x.type.dtype;
      let result: Node;
      if (ord === 'euclidean' || ord === 'fro' || ord === 2) {
        result = at('sqrt', [at('reduce_sum', [at('multiply', [x, x])], { axis: axes, keepdims })]);
      } else {
        const magnitude = at('abs', [x]);
        if (ord === 1) {
          if (!isMatrix) result = at('reduce_sum', [magnitude], { axis: axes, keepdims });
          else {
            // Largest column sum: sum over axis[0], then max over axis[1] (and the now
            // size-1 axis[0], which drops it unless keepdims).
            const sums = at('reduce_sum', [magnitude], { axis: [axes![0]], keepdims: true });
            result = at('reduce_max', [sums], { axis: axes, keepdims });
          }
        } else if (ord === Infinity) {
          if (!isMatrix) result = at('reduce_max', [magnitude], { axis: axes, keepdims });
          else {
            // Largest row sum.
            const sums = at('reduce_sum', [magnitude], { axis: [axes![1]], keepdims: true });
            result = at('reduce_max', [sums], { axis: axes, keepdims });
          }
        } else {
          const p = ord as number;
          const powered = at('pow', [magnitude, b.scalar(p, dtype, args.span('ord'))]);
          result = at('pow', [at('reduce_sum', [powered], { axis: axes, keepdims }), b.scalar(1 / p, dtype, args.span('ord'))]);
        }
      }
      return tensorValue(result);
    },
  };
  return op;
}
defineOps([normOp()]);
export { OpError };
