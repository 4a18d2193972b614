// `@tf.custom_gradient`: the Python spelling of a .tgraph `grad` rule. The decorated function
// returns `(y, grad)`; each call ends in the engine's `custom_gradient` node (as a .tgraph
// user function's call does), whose rule calls the Python `grad` with the upstream gradient.

import type { Span } from '../../syntax/ast';
import type { Node } from '../../graph';
import { BuildError, type UserFunction } from '../../builder';
import { type CallSite, type KeywordArg, type PyFunction, PyList, PyObject, PyTuple, type PyValue, typeName } from '../values';
import { pyError } from '../errors';
import type { Interpreter } from '../interpreter';
import { GraphTensor, toGraphValue } from './tensor';

export class CustomGradientFunction extends PyObject {
  constructor(
    readonly fn: PyFunction,
    readonly source: string,
  ) {
    super();
  }
  get typeName(): string {
    return 'function';
  }
  override repr(): string {
    return `<function ${this.fn.name}>`;
  }

  override call(rt: Interpreter, args: PyValue[], kwargs: KeywordArg[], site: CallSite): PyValue {
    const b = rt.rt.b;
    // The inputs as graph nodes: the rule gives one gradient per input.
    const inputs: Node[] = args.map((a, i) =>
      b.toTensor(toGraphValue(rt, a, site.argSpans[i] ?? site.span), site.argSpans[i] ?? site.span),
    );
    const tensors = inputs.map((n) => new GraphTensor(n, rt.rt));
    const result = rt.call(this.fn, tensors, kwargs, site);
    if (!(result instanceof PyTuple || result instanceof PyList) || result.items.length !== 2) {
      throw pyError('TypeError', `a @tf.custom_gradient function returns (y, grad_fn), got ${typeName(result)}`, site.span);
    }
    const [y, gradFn] = result.items;
    const out = b.toTensor(toGraphValue(rt, y, site.span), site.span);
    const fn: UserFunction = {
      name: this.fn.name,
      span: this.fn.span,
      params: this.fn.params.map((p) => p.name),
      source: this.source,
      call: () => {
        throw new BuildError(`${this.fn.name} is a Python function: it is called from Python`, site.span, 'not-callable');
      },
      customGrad: (_b, ins, dy) => gradients(rt, gradFn, ins, dy, this.fn.name, site.span),
    };
    return new GraphTensor(b.apply('custom_gradient', [...inputs, out], { fn }, site.span), rt.rt);
  }
}

/** The Python `grad(dy)`'s result: one gradient per input (None where there is none), each
 *  of its input's shape. */
function gradients(rt: Interpreter, gradFn: PyValue, inputs: Node[], dy: Node, name: string, span: Span): (Node | null)[] {
  const b = rt.rt.b;
  const result = rt.call(gradFn, [new GraphTensor(dy, rt.rt)], [], rt.rt.callSiteAt(span));
  const items = result instanceof PyList || result instanceof PyTuple ? [...result.items] : [result];
  if (items.length !== inputs.length) {
    throw new BuildError(
      `the gradient function of ${name} must return ${inputs.length} gradient${inputs.length === 1 ? '' : 's'} (one per input), got ${items.length}`,
      span,
      'bad-grad',
    );
  }
  return items.map((g, i) => {
    if (g === null) return null;
    const node = b.toTensor(toGraphValue(rt, g, span), span, inputs[i].type.dtype);
    const spread = b.apply('broadcast_like', [node, inputs[i]], {}, span);
    return b.apply('reshape_like', [spread, inputs[i]], {}, span);
  });
}

/** `tf.function` as a decorator, with or without arguments: the body runs as TensorFlow
 *  traces and runs it (a Python function is traced into the graph per call anyway). */
export function tfFunction(args: PyValue[]): PyValue {
  const [f] = args;
  if (f instanceof PyObject) return f;
  return new TfFunctionDecorator();
}

class TfFunctionDecorator extends PyObject {
  get typeName(): string {
    return 'function';
  }
  override call(_rt: Interpreter, args: PyValue[]): PyValue {
    return args[0] ?? null;
  }
}
