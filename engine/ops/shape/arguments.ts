// Static arguments of the shape ops, and errors that blame the argument at fault.

import { type BoundArgs, type Builder, type Value, tensorValue } from '../../builder';
import { literalRows } from '../../arguments';
import type { Node } from '../../graph';
import type { Span } from '../../syntax/ast';
import { type Dim, ArgError, showShape } from '../../types';
import type { Attrs, OpDef } from '../registry';

// ---- blaming static arguments ------------------------------------------------------------

/** Normalises an axis given in static argument `param`, blaming that argument. */
export function axisArg(axis: number, shape: readonly Dim[], param: string, what = 'axis'): number {
  const rank = shape.length;
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new ArgError(`${what} ${axis} is out of range for a tensor of rank ${rank} (shape ${showShape(shape)})`, param, 'bad-axis');
  }
  return axis < 0 ? axis + rank : axis;
}

/** Adds a primitive node for a surface call whose inputs the caller prepared: an ArgError
 *  points at the static argument it names, other errors at `inputSpans[argIndex]`. */
/** Most parts one split or unstack may make (each part is a graph node). */
export const MAX_SPLIT_PARTS = 10_000;

export function applyBlaming(
  b: Builder,
  args: BoundArgs,
  op: OpDef | string,
  inputs: readonly Node[],
  attrs: Attrs,
  inputSpans: readonly Span[],
): Node {
  return b.apply(op, inputs, attrs, args.callSpan, inputSpans, (param) => args.span(param));
}

/** The usual build of a primitive (Builder.buildPrimitive); `ignored` parameters are accepted
 *  for TensorFlow compatibility and dropped. */
export function buildBlaming(b: Builder, args: BoundArgs, ignored: readonly string[] = []): Value {
  return tensorValue(b.buildPrimitive(args.op, args, ignored));
}

/** The build of stack/concat. A nested list of numbers (`concat([[1, 2], [3, 4]], 0)`)
 *  arrives as one literal tensor, but TensorFlow sees a list of its rows. */
export function buildListOp(b: Builder, args: BoundArgs): Value {
  const span = args.span('values');
  const rows = literalRows(b, args.value('values'), span);
  if (!rows) return buildBlaming(b, args);
  return tensorValue(
    applyBlaming(
      b,
      args,
      args.op,
      rows,
      { axis: args.int('axis'), valuesCount: rows.length },
      rows.map(() => span),
    ),
  );
}

export { ArgError };
