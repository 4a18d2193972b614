// The Python parser (@lezer/python converted to engine/python/ast.ts): exact ranges, the
// float literals the grammar misreads, statements that do not parse, depth and time bounds.

import { describe, expect, it } from 'vitest';
import { parsePython } from '../../engine/python/parse';
import type * as P from '../../engine/python/ast';

const text = (src: string, s: { start: number; end: number }) => src.slice(s.start, s.end);

describe('parsePython', () => {
  it('gives every node its exact range', () => {
    const src = 'y_val, grads = sess.run([y, g], {x: x_val})\nz = 2*(x**2)[0, ::2]\n';
    const m = parsePython(src);
    const [a, b] = m.body as P.Assign[];
    expect(text(src, a.span)).toBe('y_val, grads = sess.run([y, g], {x: x_val})');
    const target = a.targets[0] as P.Tuple;
    expect(target.elts.map((e) => text(src, e.span))).toEqual(['y_val', 'grads']);
    const call = a.value as P.Call;
    expect(text(src, call.func.span)).toBe('sess.run');
    expect(text(src, (call.func as P.Attribute).attrSpan)).toBe('run');
    expect(call.args.map((e) => text(src, e.span))).toEqual(['[y, g]', '{x: x_val}']);
    expect(text(src, call.argsSpan)).toBe('([y, g], {x: x_val})');
    const bin = b.value as P.BinOp;
    expect(text(src, bin.opSpan)).toBe('*');
    expect(text(src, bin.right.span)).toBe('(x**2)[0, ::2]');
    const sub = bin.right as P.Subscript;
    expect(sub.tuple).toBe(true);
    expect(sub.items.map((i) => text(src, i.span))).toEqual(['0', '::2']);
  });

  it('reads floats with a bare trailing point (which the grammar misreads) as floats', () => {
    const src = 'a = 1./3.\nb = [2., 1.e-3, 1. ]\nc = f(2. , x)\nd = x.shape\n';
    const m = parsePython(src);
    expect(m.body.map((s) => s.kind)).toEqual(['Assign', 'Assign', 'Assign', 'Assign']);
    const div = (m.body[0] as P.Assign).value as P.BinOp;
    expect([div.left, div.right].map((e) => (e as P.Constant).value)).toEqual([1, 3]);
    const list = (m.body[1] as P.Assign).value as P.List;
    expect(list.elts.map((e) => [(e as P.Constant).value, text(src, e.span)])).toEqual([
      [2, '2.'],
      [0.001, '1.e-3'],
      [1, '1.'],
    ]);
    expect(((m.body[3] as P.Assign).value as P.Attribute).attr).toBe('shape');
  });

  it('keeps ints exact and strings decoded', () => {
    const m = parsePython("a = 123456789012345678901234567890\nb = 0x1F + 1_000\nc = 'x\\n' \"y\"\nd = r'\\n'\n");
    expect(((m.body[0] as P.Assign).value as P.Constant).value).toBe(123456789012345678901234567890n);
    const sum = (m.body[1] as P.Assign).value as P.BinOp;
    expect([(sum.left as P.Constant).value, (sum.right as P.Constant).value]).toEqual([31n, 1000n]);
    expect(((m.body[2] as P.Assign).value as P.Constant).value).toBe('x\ny');
    expect(((m.body[3] as P.Assign).value as P.Constant).value).toBe('\\n');
  });

  it('chains comparisons as Python does', () => {
    const m = parsePython('ok = 0 <= x < 10 != y\n');
    const c = (m.body[0] as P.Assign).value as P.Compare;
    expect(c.ops).toEqual(['<=', '<', '!=']);
  });

  it('leaves a statement that is not Python out of the tree, as Unparsed with the names it seems to bind', () => {
    const src = 'a = 1\nb = a +* 2\nc, d = 3\nprint a\ndef f(:\n    pass\ne = 4\n';
    const m = parsePython(src);
    expect(m.body.map((s) => s.kind)).toEqual(['Assign', 'Unparsed', 'Assign', 'Unparsed', 'Unparsed', 'Assign']);
    expect((m.body[1] as P.Unparsed).binds.map((n) => n.id)).toEqual(['b']);
    expect((m.body[4] as P.Unparsed).binds.map((n) => n.id)).toEqual(['f']);
    expect(m.syntaxErrors.map((e) => [text(src, e.span), e.message])).toEqual([
      ['*', 'invalid syntax'],
      ['print a', "Missing parentheses in call to 'print'. Did you mean print(...)?"],
      [':', 'invalid syntax'],
    ]);
  });

  it('keeps statements Python has and tgraph does not evaluate, with the names they bind', () => {
    const m = parsePython('try:\n    z = 1\nexcept E as e:\n    pass\nglobal g\nraise E\n');
    expect(m.body.map((s) => (s.kind === 'UnsupportedStmt' ? s.what : s.kind))).toEqual(['`try`', '`global`', '`raise`']);
    expect((m.body[0] as P.UnsupportedStmt).binds.map((n) => n.id).sort()).toEqual(['e', 'z']);
  });

  it('reads check comments with their own ranges', () => {
    const src = 'import tensorflow as tf\ny = x\n# tgraph: check gradients(y, x, eps=1e-4)\n# tgraph: check not a call\n';
    const m = parsePython(src);
    expect(m.checks).toHaveLength(2);
    expect(text(src, m.checks[0].call!.span)).toBe('gradients(y, x, eps=1e-4)');
    expect(m.checks[0].call!.args.map((a) => text(src, a.span))).toEqual(['y', 'x']);
    expect(m.checks[1].call).toBeNull();
  });

  it('bounds the depth it converts, and the time it parses', () => {
    const deep = 'x = ' + '-'.repeat(300) + '1\ny = 1\n';
    const m = parsePython(deep, { maxDepth: 100 });
    expect(m.body.map((s) => s.kind)).toEqual(['TooDeep', 'Assign']);
    const garbage = Array.from({ length: 20_000 }, () => ')]}{[(:=!@#$%^&*').join('\n') + '\nz = 2\n';
    const late = parsePython(garbage, { deadline: Date.now() + 50 });
    expect(late.truncatedAt).not.toBeNull();
  });
});
