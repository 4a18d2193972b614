// Shapes that depend on a fed value, as TF 1.x graphs write them: `tf.reshape(x,
// [tf.shape(x)[0], -1])`, `tf.zeros([tf.shape(x)[0], units])` for an RNN's first state,
// `tf.fill(tf.shape(scores), -1e9)`. The shape is then an int vector input, not a static
// attribute: the shape rule gives the sizes known while building (`known`, None for the rest)
// and, while evaluating, reads the fed sizes from the input's value (the evaluator hands a
// shape rule the input tensors themselves). The ops are reshape_fed (beside reshape) and
// fill_fed (beside fill).

import { type BoundArgs, type Builder, type Value, BuildError, tensorValue } from '../../builder';
import type { Node } from '../../graph';
import type { Span } from '../../syntax/ast';
import { type DType, type Tensor, isInteger } from '../../tensor';
import { type TensorType, OpError, showShape } from '../../types';
import { applyBlaming, buildBlaming } from './arguments';

/** A shape argument known only once fed: its int vector node and the sizes known now. */
export interface FedShape {
  node: Node;
  known: (number | null)[];
}

/** The shape argument `param` when it depends on a fed value; null when it is known
 *  without feeds (the op's static path takes it). */
export function fedShape(b: Builder, args: BoundArgs, param: string): FedShape | null {
  const value = args.value(param);
  const span = args.span(param);
  if (value.kind === 'none' || value.kind === 'error') return null;
  const node = b.toTensor(value, span);
  if (node.constant) return null;
  const what = `\`${param}\``;
  if (!isInteger(node.type.dtype)) throw new BuildError(`${what} must contain integers, got ${node.type.dtype}`, span, 'type-mismatch');
  const shape = node.type.shape;
  if (shape !== null && shape.length !== 1)
    throw new BuildError(`${what} must be a vector of sizes, got shape ${showShape(shape)}`, span, 'shape-mismatch');
  let known: (number | null)[];
  if (value.kind === 'list') {
    known = value.items.map((item) => (item.kind === 'tensor' && !item.node.constant ? null : b.staticInt(item, span, param)));
  } else if (shape !== null && shape[0] !== null) {
    known = new Array<null>(shape[0]).fill(null);
  } else {
    throw new BuildError(`${what} depends on a feed and its length is unknown: the result's rank would be unknown`, span, 'not-constant');
  }
  if (known.some((d) => d !== null && d < -1)) throw new BuildError(`${what} has a negative size`, span, 'bad-shape');
  return { node, known };
}

/** An op on `tensorParam` sized by `sizesParam` (reshape's shape, tile's multiples): built as
 *  usual when the sizes are known without feeds, else `fedOp` with the sizes as an int input,
 *  errors blamed on the argument they are about either way. */
export function buildWithFedSizes(b: Builder, args: BoundArgs, tensorParam: string, sizesParam: string, fedOp: string): Value {
  const fed = fedShape(b, args, sizesParam);
  if (fed === null) return buildBlaming(b, args);
  const inputs = [args.tensor(tensorParam), fed.node];
  return tensorValue(applyBlaming(b, args, fedOp, inputs, { known: fed.known }, [args.span(tensorParam), args.span(sizesParam)]));
}

/** The sizes in a shape input: its value while evaluating, else null. */
export function fedSizes(shape: TensorType): number[] | null {
  const data = (shape as Partial<Tensor>).data;
  return data === undefined ? null : Array.from(data as ArrayLike<number>, Number);
}

/** A shape input must hold integers. */
export function checkShapeInput(shape: TensorType): void {
  if (!isInteger(shape.dtype)) throw new OpError(`the shape must be int32 or int64, got ${shape.dtype}`, 1);
}

/** `value` filled to a fed shape (zeros, ones, fill), of `dtype`. */
export function fillFed(b: Builder, value: Node, dims: FedShape, span: Span, dtype: DType = value.type.dtype): Node {
  if (dims.known.some((d) => d === -1)) throw new BuildError('the shape has a size of -1', span, 'bad-shape');
  const scalar = value.type.dtype === dtype ? value : b.cast(value, dtype);
  return b.apply('fill_fed', [scalar, dims.node], { known: dims.known }, span);
}
