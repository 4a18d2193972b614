// Helpers for ops that are built from other ops (composites): TensorFlow writes many of its
// functions in Python from primitives, and so do we, so that their values and gradients are
// TensorFlow's and need no rule of their own.

import { type BoundArgs, type Builder, type Value, checkDTypeClass, tensorValue } from '../builder';
import type { Node } from '../graph';
import type { OpDef } from './registry';

/** The float tensor `name` of a composite, checked against its parameter's dtype class. */
export function floatInput(args: BoundArgs, name: string): Node {
  const x = args.tensor(name);
  checkDTypeClass(args.op, args.param(name), x, args.span(name));
  return x;
}

/** A composite whose nodes carry the call's span (so diagnostics and hovers point at it). */
export function composite(def: Omit<OpDef, 'build'> & { compose(b: Builder, args: BoundArgs): Value | Node }): OpDef {
  const { compose, ...rest } = def;
  return {
    ...rest,
    build: (b, args) => {
      const made = b.within(args.callSpan, undefined, () => compose(b, args));
      return 'kind' in made ? made : tensorValue(made);
    },
  };
}
