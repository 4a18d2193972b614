// User functions (`def`) inline their body; each call ends in one `custom_gradient` node so
// that a `grad` rule, when the function has one, replaces differentiation through the body
// (as `tf.custom_gradient`). Without a rule, the gradient flows on into the body.

import type { UserFunction } from '../builder';
import { defineOps, op } from './registry';
import { indexMap, positionalFlow } from './dependence';

/** A call's: the function called (its `grad` rule, when it has one, is the gradient). */
type CallAttrs = { fn: UserFunction };

export const customGradient = op<CallAttrs>({
  name: 'custom_gradient',
  internal: true,
  doc: "The result of a user function call: forwards the body's output.",
  params: [],
  infer: (inputs) => inputs[inputs.length - 1],
  kernel: (inputs) => inputs[inputs.length - 1].data,
  grad: (b, node, dy) => {
    const fn = node.attrs.fn;
    const args = node.inputs.slice(0, -1);
    if (!fn.customGrad) return [...args.map(() => null), dy];
    return [...fn.customGrad(b, args, dy), null];
  },
  // With a rule, the rule decides how the result depends on the arguments; without one,
  // the result is the body's, which the graph shows.
  dependence: {
    kind: 'chosen',
    choose: (attrs) =>
      attrs.fn?.customGrad
        ? { kind: 'user-rule', carries: (slot, count) => slot < count - 1 }
        : indexMap(({ inputs, output }) => positionalFlow(output.length, inputs.length - 1), {
            carries: (slot, count) => slot === count - 1,
          }),
  },
});

defineOps([customGradient]);
