// `def f(x, y): BODY`: binds a function whose body is lowered at each call, by the builder of
// the caller, with the arguments bound to the parameters. Calls are bounded (no recursion,
// at most maxCallDepth deep), and a call's result goes through a `custom_gradient` node so
// that a later `grad f` rule takes effect.

import type * as AST from '../../syntax/ast';
import { type Node } from '../../graph';
import { BuildError, type UserFunction, type Value, tensorValue } from '../../builder';
import { formatCount, raiseHint } from '../../budgets';
import type { Analyzer } from '../analyzer';
import { callChain, lowerExpr } from '../expressions';

export function lowerDef(analyzer: Analyzer, stmt: AST.DefStmt): void {
  const fn: UserFunction = {
    name: stmt.name.name,
    span: stmt.name.span,
    params: stmt.params.map((p) => p.name),
    source: analyzer.text.slice(stmt.span.start, stmt.span.end),
    call(b, args, callSpan) {
      if (args.length !== stmt.params.length) {
        throw new BuildError(
          `${stmt.name.name}() takes ${stmt.params.length} argument${stmt.params.length === 1 ? '' : 's'}, got ${args.length}`,
          callSpan,
          'bad-arguments',
        );
      }
      const calls = analyzer.calls;
      if (calls.names.includes(stmt.name.name)) {
        throw new BuildError(
          `\`${stmt.name.name}\` calls itself (${[...calls.names, stmt.name.name].join(' → ')}); recursive functions are not supported`,
          callSpan,
          'recursive-def',
        );
      }
      const maxCalls = analyzer.budgets.maxCallDepth;
      if (calls.names.length >= maxCalls) {
        throw new BuildError(
          `function calls are nested more than ${formatCount(maxCalls)} deep (${callChain([...calls.names, stmt.name.name])}) ${raiseHint('maxCallDepth')}`,
          callSpan,
          'too-deep',
        );
      }
      calls.names.push(stmt.name.name);
      calls.spans.push(callSpan);
      const depth = calls.exprDepth;
      try {
        const scope = new Map<string, Value>();
        stmt.params.forEach((p, i) => scope.set(p.name, args[i]));
        const inputs = args.map((a) => (a.kind === 'tensor' ? a.node : null));
        const out = analyzer.buildingWith(b, () => b.within(callSpan, undefined, () => lowerExpr(analyzer, stmt.body, scope)));
        if (out.kind !== 'tensor' || inputs.some((n) => n === null)) return out;
        return tensorValue(b.apply('custom_gradient', [...(inputs as Node[]), out.node], { fn }, callSpan));
      } finally {
        calls.names.pop();
        calls.spans.pop();
        calls.exprDepth = depth;
      }
    },
  };
  // Every occurrence after a name's first is reported, by one pass with a set (a scan of the
  // list per parameter took 6 s on a def of 20,000).
  const seen = new Set<string>();
  for (const p of stmt.params) {
    if (seen.has(p.name)) analyzer.report(p.span, 'error', 'double-binding', `parameter \`${p.name}\` appears twice`);
    seen.add(p.name);
  }
  analyzer.bind(stmt.name, stmt, () => ({ kind: 'function', fn }));
}
