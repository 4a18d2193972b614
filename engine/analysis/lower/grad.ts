// `grad f(x, y, dy): BODY`: the gradient rule of a function bound by `def`. The body is
// lowered when autodiff reaches a call of `f`, by the builder differentiating it; each
// gradient it returns is checked to fit its input (TensorFlow refuses one that is larger).

import type * as AST from '../../syntax/ast';
import { type Node } from '../../graph';
import { BuildError, type Value, tensorValue } from '../../builder';
import { showShape } from '../../types';
import type { Analyzer } from '../analyzer';
import { lowerExpr, resolve } from '../expressions';

export function lowerGrad(analyzer: Analyzer, stmt: AST.GradStmt): void {
  const target = resolve(analyzer, stmt.name.name, stmt.name.span, null);
  if (target.kind === 'error') return;
  if (target.kind !== 'function') {
    throw new BuildError(`\`${stmt.name.name}\` is not a function defined with def; a grad rule needs one`, stmt.name.span, 'grad-target');
  }
  const fn = target.fn;
  if (fn.customGrad) throw new BuildError(`\`${fn.name}\` already has a grad rule`, stmt.name.span, 'double-binding');
  if (stmt.params.length !== fn.params.length + 1) {
    throw new BuildError(
      `grad ${fn.name} takes the function's ${fn.params.length} input${fn.params.length === 1 ? '' : 's'} and the upstream gradient: ${fn.params.length + 1} parameters, got ${stmt.params.length}`,
      stmt.name.span,
      'bad-arguments',
    );
  }
  fn.source += '\n' + analyzer.text.slice(stmt.span.start, stmt.span.end);
  fn.customGrad = (b, inputs, dy) => {
    const scope = new Map<string, Value>();
    stmt.params.forEach((p, i) => scope.set(p.name, tensorValue(i < inputs.length ? inputs[i] : dy)));
    const result = analyzer.buildingWith(b, () => b.within(stmt.body.span, undefined, () => lowerExpr(analyzer, stmt.body, scope)));
    const items = inputs.length === 1 && result.kind !== 'list' ? [result] : result.kind === 'list' ? result.items : [result];
    if (items.length !== inputs.length) {
      throw new BuildError(
        `grad ${fn.name} must return ${inputs.length} gradient${inputs.length === 1 ? '' : 's'} (one per input), got ${items.length}`,
        stmt.body.span,
        'bad-grad',
      );
    }
    return items.map((v, i) => {
      if (v.kind === 'none') return null;
      const g = b.toTensor(v, stmt.body.span, inputs[i].type.dtype);
      // A rule may return a scalar or anything that broadcasts up to its input; a gradient
      // larger than its input is the classic missing unbroadcast, and TensorFlow refuses it.
      let spread: Node;
      try {
        spread = b.apply('broadcast_like', [g, inputs[i]], {}, stmt.body.span);
      } catch (e) {
        if (!(e instanceof BuildError)) throw e;
        const param = stmt.params[i]?.name ?? `input ${i + 1}`;
        throw new BuildError(
          `grad ${fn.name} returned shape ${showShape(g.type.shape)} for \`${param}\` of shape ${showShape(inputs[i].type.shape)}: a gradient has its input's shape (sum over the broadcast axes, e.g. reduce_sum(${stmt.params[stmt.params.length - 1]?.name ?? 'dy'}, 0))`,
          stmt.body.span,
          'bad-grad',
        );
      }
      return b.apply('reshape_like', [spread, inputs[i]], {}, stmt.body.span);
    });
  };
  analyzer.addReference(stmt.name.span, analyzer.byName.get(stmt.name.name)!);
}
