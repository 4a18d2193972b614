// `feed x = VALUE`: the value a placeholder takes. It must be known without other feeds, and
// it must fit the placeholder's declared shape.

import type * as AST from '../../syntax/ast';
import { BuildError } from '../../builder';
import { showShape } from '../../types';
import type { Analyzer } from '../analyzer';
import { lowerExpr, resolve } from '../expressions';

export function lowerFeed(analyzer: Analyzer, stmt: AST.FeedStmt): void {
  const binding = resolve(analyzer, stmt.target.name, stmt.target.span, null);
  if (binding.kind === 'error') return;
  const ph = binding.kind === 'tensor' ? binding.node : null;
  if (!ph || ph.op.name !== 'placeholder') {
    throw new BuildError(`\`${stmt.target.name}\` is not a placeholder; only placeholders take a feed`, stmt.target.span, 'feed-target');
  }
  const earlier = analyzer.feedSpans.get(ph);
  if (earlier) {
    throw new BuildError(
      `\`${stmt.target.name}\` is already fed at line ${analyzer.line(earlier)}; one feed per placeholder`,
      stmt.target.span,
      'double-feed',
      [{ span: earlier, message: 'first feed' }],
    );
  }
  analyzer.feedSpans.set(ph, stmt.target.span);
  const value = lowerExpr(analyzer, stmt.value, null);
  let node = analyzer.b.toTensor(value, stmt.value.span, ph.type.dtype);
  if (!node.constant)
    throw new BuildError('a feed must be known without other feeds (a literal or a generator)', stmt.value.span, 'not-constant');
  if (node.type.dtype !== ph.type.dtype) node = analyzer.b.cast(node, ph.type.dtype);
  const t = analyzer.evaluator.valueOf(node);
  if (!t) return;
  const declared = ph.type.shape;
  if (declared !== null) {
    const ok = declared.length === t.shape.length && declared.every((d, i) => d === null || d === t.shape[i]);
    if (!ok) {
      throw new BuildError(
        `feed of shape ${showShape(t.shape)} does not match placeholder \`${stmt.target.name}\` of shape ${showShape(declared)}`,
        stmt.value.span,
        'shape-mismatch',
        [{ span: ph.span, message: 'placeholder declared here' }],
      );
    }
  }
  analyzer.feeds.set(ph, { dtype: ph.type.dtype, shape: t.shape.slice(), data: t.data });
}
