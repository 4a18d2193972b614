import { describe, it, expect } from 'vitest';
import { parse } from '../../engine/syntax/parser';
import { lex, resolveName } from '../../engine/syntax/lexer';
import { LineIndex } from '../../engine/syntax/lineIndex';
import type {
  AssignStmt,
  BinaryExpr,
  CallExpr,
  Expr,
  IndexExpr,
  IndexItem,
  Program,
  Span,
  Stmt,
  SyntaxDiagnostic,
} from '../../engine/syntax/ast';

// ---------------------------------------------------------------------------------------------
// Helpers

/** A compact, unambiguous rendering of an expression: `(op left right)`, `f{a, k=v}`, `x[i]`. */
function show(e: Expr | IndexItem | undefined): string {
  if (!e) return '_';
  switch (e.kind) {
    case 'name':
      return e.text === e.name ? e.name : `${e.text}->${e.name}`;
    case 'number':
      return Number.isNaN(e.value) ? 'nan' : String(e.value) + (e.isInteger ? '' : 'f');
    case 'string':
      return JSON.stringify(e.value);
    case 'constant':
      return String(e.value);
    case 'list':
      return e.bracket + e.elements.map(show).join(' ') + (e.bracket === '[' ? ']' : ')');
    case 'unary':
      return `(${e.op} ${show(e.operand)})`;
    case 'binary':
      return `(${e.op} ${show(e.left)} ${show(e.right)})`;
    case 'call':
      return `${show(e.callee)}{${e.args.map((a) => (a.keyword ? a.keyword.name + '=' : '') + show(a.value)).join(', ')}}`;
    case 'index':
      return `${show(e.target)}[${e.items.map(show).join(', ')}]`;
    case 'slice':
      return `${show(e.start)}:${show(e.stop)}:${show(e.step)}`;
    case 'ellipsis':
      return '...';
    case 'attribute':
      return `${show(e.target)}.${e.attribute.name}`;
    case 'error':
      return 'ERR';
  }
}

function showStmt(s: Stmt): string {
  switch (s.kind) {
    case 'assign':
      return `${s.target.name} = ${show(s.value)}`;
    case 'destructure':
      return `[${s.targets.map((t) => t.name).join(', ')}] = ${show(s.value)}`;
    case 'feed':
      return `feed ${s.target.name} = ${show(s.value)}`;
    case 'def':
    case 'grad':
      return `${s.kind} ${s.name.name}(${s.params.map((p) => p.name).join(', ')}) = ${show(s.body)}`;
    case 'check':
      return `check ${show(s.call)}`;
    case 'assert':
      return `assert ${show(s.expr)}`;
    case 'print':
      return `print ${show(s.expr)}`;
    case 'expr':
      return `expr ${show(s.expr)}`;
  }
}

function stmts(src: string): string[] {
  return parse(src).statements.map(showStmt);
}

/** The expression of a one-statement file `x = EXPR` or `EXPR`. */
function expr(src: string): string {
  const p = parse(src);
  expect(p.diagnostics).toEqual([]);
  expect(p.statements).toHaveLength(1);
  const s = p.statements[0];
  if (s.kind === 'assign') return show(s.value);
  if (s.kind === 'expr') return show(s.expr);
  throw new Error(`unexpected statement ${s.kind}`);
}

function valueOf(p: Program, i = 0): Expr {
  const s = p.statements[i];
  if (s.kind !== 'assign') throw new Error(`statement ${i} is ${s.kind}`);
  return s.value;
}

function text(src: string, span: Span): string {
  return src.slice(span.start, span.end);
}

interface DiagView {
  code: string;
  at: string;
  start: number;
  end: number;
  message: string;
}
function diags(src: string, p: Program = parse(src)): DiagView[] {
  return p.diagnostics.map((d: SyntaxDiagnostic) => ({
    code: d.code,
    at: text(src, d.span),
    start: d.span.start,
    end: d.span.end,
    message: d.message,
  }));
}

function containsError(e: Expr | IndexItem): boolean {
  const stack: (Expr | IndexItem)[] = [e];
  while (stack.length > 0) {
    const x = stack.pop()!;
    switch (x.kind) {
      case 'error':
        return true;
      case 'list':
        stack.push(...x.elements);
        break;
      case 'unary':
        stack.push(x.operand);
        break;
      case 'binary':
        stack.push(x.left, x.right);
        break;
      case 'call':
        stack.push(x.callee, ...x.args.map((a) => a.value));
        break;
      case 'index':
        stack.push(x.target, ...x.items);
        break;
      case 'slice':
        for (const y of [x.start, x.stop, x.step]) if (y) stack.push(y);
        break;
      case 'attribute':
        stack.push(x.target);
        break;
      default:
        break;
    }
  }
  return false;
}

function stmtValue(s: Stmt): Expr | undefined {
  switch (s.kind) {
    case 'assign':
    case 'destructure':
    case 'feed':
      return s.value;
    case 'def':
    case 'grad':
      return s.body;
    case 'check':
      return s.call;
    case 'assert':
    case 'expr':
      return s.expr;
  }
}

// ---------------------------------------------------------------------------------------------

describe('LineIndex', () => {
  it('maps offsets and positions both ways, with LF, CRLF and lone CR', () => {
    const src = 'ab\ncd\r\nef\rg';
    const li = new LineIndex(src);
    expect(li.lineCount).toBe(4);
    expect(li.positionAt(0)).toEqual({ line: 0, character: 0 });
    expect(li.positionAt(2)).toEqual({ line: 0, character: 2 });
    expect(li.positionAt(3)).toEqual({ line: 1, character: 0 });
    expect(li.positionAt(5)).toEqual({ line: 1, character: 2 }); // the \r of \r\n
    expect(li.positionAt(7)).toEqual({ line: 2, character: 0 });
    expect(li.positionAt(10)).toEqual({ line: 3, character: 0 });
    expect(li.positionAt(11)).toEqual({ line: 3, character: 1 });
    expect(li.positionAt(99)).toEqual({ line: 3, character: 1 }); // clamped
    expect(li.offsetAt({ line: 1, character: 1 })).toBe(4);
    expect(li.offsetAt({ line: 1, character: 50 })).toBe(5); // clamped to the line end
    expect(li.offsetAt({ line: 2, character: 0 })).toBe(7);
    expect(li.offsetAt({ line: 9, character: 0 })).toBe(src.length);
    expect(li.offsetAt({ line: -1, character: 3 })).toBe(0);
    for (let o = 0; o <= src.length; o++) {
      if (o === 6) continue; // between \r and \n: not a position of its own
      expect(li.offsetAt(li.positionAt(o))).toBe(o);
    }
  });

  it('counts UTF-16 code units and hides a BOM', () => {
    const li = new LineIndex('\uFEFFx = "😀" + y\nz');
    expect(li.positionAt(1)).toEqual({ line: 0, character: 0 });
    expect(li.positionAt(0)).toEqual({ line: 0, character: 0 });
    expect(li.positionAt(12)).toEqual({ line: 0, character: 11 }); // the emoji counts 2
    expect(li.offsetAt({ line: 0, character: 0 })).toBe(1);
    expect(li.offsetAt({ line: 1, character: 0 })).toBe(14);
    expect(new LineIndex('').lineCount).toBe(1);
    expect(new LineIndex('a\n').lineCount).toBe(2);
  });
});

describe('spans', () => {
  it('gives exact spans for statements, operators, calls and arguments', () => {
    const src = 'x_dims = 3\ny = 2 * x**2  # comment\nz = reduce_sum(y, axis=1)\n';
    const p = parse(src);
    expect(p.diagnostics).toEqual([]);
    const li = new LineIndex(src);

    const y = p.statements[1] as AssignStmt;
    expect(text(src, y.span)).toBe('y = 2 * x**2'); // no comment, no newline
    expect(y.span).toEqual({ start: 11, end: 23 });
    expect(li.positionAt(y.span.start)).toEqual({ line: 1, character: 0 });
    expect(y.target).toEqual({ name: 'y', span: { start: 11, end: 12 } });
    const mul = y.value as BinaryExpr;
    expect(mul.op).toBe('*');
    expect(text(src, mul.span)).toBe('2 * x**2');
    expect(text(src, mul.opSpan)).toBe('*');
    expect(li.positionAt(mul.opSpan.start)).toEqual({ line: 1, character: 6 });
    const pow = mul.right as BinaryExpr;
    expect(text(src, pow.span)).toBe('x**2');
    expect(pow.opSpan).toEqual({ start: 20, end: 22 });

    const z = p.statements[2] as AssignStmt;
    const call = z.value as CallExpr;
    expect(text(src, call.span)).toBe('reduce_sum(y, axis=1)');
    expect(text(src, call.argsSpan)).toBe('(y, axis=1)');
    expect(li.positionAt(call.argsSpan.start)).toEqual({ line: 2, character: 14 });
    expect(li.positionAt(call.argsSpan.end)).toEqual({ line: 2, character: 25 });
    expect(text(src, call.args[0].span)).toBe('y');
    expect(call.args[0].keyword).toBeUndefined();
    expect(text(src, call.args[1].span)).toBe('axis=1');
    expect(call.args[1].keyword).toEqual({ name: 'axis', span: { start: 53, end: 57 } });
    expect(text(src, call.args[1].value.span)).toBe('1');

    expect(p.comments).toEqual([{ span: { start: 25, end: 34 }, text: ' comment' }]);
  });

  it('includes parentheses in the span of the enclosing node, not in the inner node', () => {
    const src = 'w = (a + b) * c';
    const p = parse(src);
    const mul = valueOf(p) as BinaryExpr;
    expect(text(src, mul.span)).toBe('(a + b) * c');
    expect(text(src, mul.left.span)).toBe('a + b');
    const call = valueOf(parse('v = (f)(x)')) as CallExpr;
    expect(call.span).toEqual({ start: 4, end: 10 });
    expect(call.callee.span).toEqual({ start: 5, end: 6 });
  });

  it('spans lists, indexes, slices, attributes and multi-line statements', () => {
    const src = 'a = [1,\n     2]\nb = x[1:, ..., None]\nc = f(x).shape\n';
    const p = parse(src);
    expect(p.diagnostics).toEqual([]);
    expect(text(src, p.statements[0].span)).toBe('a = [1,\n     2]');
    expect(text(src, valueOf(p, 0).span)).toBe('[1,\n     2]');
    const idx = valueOf(p, 1) as IndexExpr;
    expect(text(src, idx.span)).toBe('x[1:, ..., None]');
    expect(idx.items.map((it) => text(src, it.span))).toEqual(['1:', '...', 'None']);
    const attr = valueOf(p, 2);
    expect(attr.kind).toBe('attribute');
    if (attr.kind !== 'attribute') return;
    expect(text(src, attr.span)).toBe('f(x).shape');
    expect(text(src, attr.attribute.span)).toBe('shape');
    expect(text(src, attr.target.span)).toBe('f(x)');
  });

  it('splits a dotted attribute chain after a call into attributes', () => {
    const src = 'r = f(x).shape.rank';
    const v = valueOf(parse(src));
    expect(show(v)).toBe('f{x}.shape.rank');
    if (v.kind !== 'attribute' || v.target.kind !== 'attribute') throw new Error('not attributes');
    expect(text(src, v.attribute.span)).toBe('rank');
    expect(text(src, v.target.attribute.span)).toBe('shape');
    expect(text(src, v.target.span)).toBe('f(x).shape');
  });
});

describe('precedence', () => {
  it.each([
    ['-x**2', '(- (** x 2))'],
    ['a + b * c', '(+ a (* b c))'],
    ['2**-1', '(** 2 (- 1))'],
    ['not a == b', '(not (== a b))'],
    ['a @ b + c', '(+ (@ a b) c)'],
    ['a ** b ** c', '(** a (** b c))'],
    ['-2**-x**2', '(- (** 2 (- (** x 2))))'],
    ['a - b - c', '(- (- a b) c)'],
    ['a / b // c % d', '(% (// (/ a b) c) d)'],
    ['a < b < c', '(< (< a b) c)'],
    ['a or b and c', '(or a (and b c))'],
    ['not a and not b or c', '(or (and (not a) (not b)) c)'],
    ['a + b > c * d', '(> (+ a b) (* c d))'],
    ['a != b == c', '(== (!= a b) c)'],
    ['- - x', '(- (- x))'],
    ['+x * -y', '(* (+ x) (- y))'],
    ['(a + b) * c', '(* (+ a b) c)'],
    ['x**2[0]', '(** x 2[0])'],
    ['-f(x)[0].T', '(- f{x}[0].T)'],
    ['a >= b <= c > d', '(> (<= (>= a b) c) d)'],
  ])('%s', (src, expected) => {
    expect(expr(`v = ${src}`)).toBe(expected);
  });
});

describe('atoms', () => {
  it('parses numbers', () => {
    const p = parse('v = [3, 2.5, .5, 1e-3, 1., 1E5, 0, 007, 2.5e+2]');
    expect(p.diagnostics).toEqual([]);
    const list = valueOf(p);
    if (list.kind !== 'list') throw new Error('not a list');
    expect(list.elements.map((e) => (e.kind === 'number' ? [e.value, e.isInteger] : e.kind))).toEqual([
      [3, true],
      [2.5, false],
      [0.5, false],
      [0.001, false],
      [1, false],
      [100000, false],
      [0, true],
      [7, true],
      [250, false],
    ]);
  });

  it('reads decimal literals exactly as Number does (the parser reads short ones itself)', () => {
    // Random digit strings with a point somewhere, up to 16 characters (the parser's own
    // reading covers 15), and the classic cases of decimal-to-binary rounding.
    let seed = 12345;
    const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const literals = [
      '0.1',
      '0.2',
      '0.3',
      '1.',
      '.5',
      '123456789012345',
      '12345678901234.5',
      '9007199254740993',
      '0.000000000000001',
      '99999999999999.9',
    ];
    for (let i = 0; i < 3000; i++) {
      const digits = Array.from({ length: 1 + Math.floor(random() * 15) }, () => String(Math.floor(random() * 10))).join('');
      const at = Math.floor(random() * (digits.length + 1));
      literals.push(random() < 0.2 ? digits : digits.slice(0, at) + '.' + digits.slice(at));
    }
    const cases = literals.filter((l) => l !== '.');
    const p = parse(cases.map((l, i) => `v${i} = ${l}`).join('\n'));
    expect(p.diagnostics).toEqual([]);
    expect(p.statements.length).toBe(cases.length);
    p.statements.forEach((stmt, i) => {
      if (stmt.kind !== 'assign' || stmt.value.kind !== 'number') throw new Error('not a number');
      expect([cases[i], stmt.value.value, stmt.value.isInteger]).toEqual([cases[i], Number(cases[i]), !cases[i].includes('.')]);
    });
  });

  it('parses nan and inf, also with prefixes, as numbers', () => {
    expect(expr('v = [nan, inf, -inf, np.nan, np.inf, tf.inf, tf.math.nan]')).toBe(
      '[nan Infinityf (- Infinityf) nan Infinityf Infinityf nan]',
    );
    expect(expr('v = math.inf')).toBe('math.inf'); // an unknown prefix stays a name
  });

  it('parses strings with escapes', () => {
    const p = parse(String.raw`v = ['a', "b", 'it\'s', "say \"hi\"", 'back\\slash', 'tab\there', 'nl\n', '\q', "'", '"']`);
    expect(p.diagnostics).toEqual([]);
    const list = valueOf(p);
    if (list.kind !== 'list') throw new Error('not a list');
    expect(list.elements.map((e) => (e.kind === 'string' ? e.value : e.kind))).toEqual([
      'a',
      'b',
      "it's",
      'say "hi"',
      'back\\slash',
      'tab\there',
      'nl\n',
      '\\q',
      "'",
      '"',
    ]);
  });

  it('parses constants, lists and tuples', () => {
    expect(expr('v = [True, False, None]')).toBe('[true false null]');
    expect(expr('v = ()')).toBe('()');
    expect(expr('v = (a,)')).toBe('(a)');
    expect(expr('v = (a, b,)')).toBe('(a b)');
    expect(expr('v = (a)')).toBe('a');
    expect(expr('v = []')).toBe('[]');
    expect(expr('v = [a, [b, c],]')).toBe('[a [b c]]');
    expect(expr('v = 1, 2')).toBe('(1 2)');
  });

  it('joins dotted names and strips the accepted prefixes', () => {
    const src =
      'v = f(tf.nn.softmax, np.float32, tf.compat.v1.placeholder, tf.float32, tf.math.exp, tf.linalg.trace, foo.bar, tf.random.normal, x)';
    const call = valueOf(parse(src)) as CallExpr;
    expect(call.args.map((a) => (a.value.kind === 'name' ? [a.value.text, a.value.name] : a.value.kind))).toEqual([
      ['tf.nn.softmax', 'softmax'],
      ['np.float32', 'float32'],
      ['tf.compat.v1.placeholder', 'placeholder'],
      ['tf.float32', 'float32'],
      ['tf.math.exp', 'exp'],
      ['tf.linalg.trace', 'trace'],
      ['foo.bar', 'foo.bar'],
      ['tf.random.normal', 'tf.random.normal'],
      ['x', 'x'],
    ]);
    expect(text(src, call.args[0].value.span)).toBe('tf.nn.softmax');
    expect(resolveName('tf.compat.v1.placeholder')).toBe('placeholder');
    expect(resolveName('tf.compat.placeholder')).toBe('tf.compat.placeholder');
  });

  it('makes attribute access on non-names an AttributeExpr', () => {
    expect(expr('v = (a).T')).toBe('a.T');
    expect(expr('v = x[0].shape')).toBe('x[0].shape');
    expect(expr('v = [a, b].x')).toBe('[a b].x');
  });

  it('parses index items: expressions, slices, ellipsis and None', () => {
    expect(expr('v = x[1]')).toBe('x[1]');
    expect(expr('v = x[-1]')).toBe('x[(- 1)]');
    expect(expr('v = x[:, 0]')).toBe('x[_:_:_, 0]');
    expect(expr('v = x[1:3]')).toBe('x[1:3:_]');
    expect(expr('v = x[::2]')).toBe('x[_:_:2]');
    expect(expr('v = x[1:]')).toBe('x[1:_:_]');
    expect(expr('v = x[:-1:]')).toBe('x[_:(- 1):_]');
    expect(expr('v = x[a:b:c]')).toBe('x[a:b:c]');
    expect(expr('v = x[..., 0]')).toBe('x[..., 0]');
    expect(expr('v = x[:, None]')).toBe('x[_:_:_, null]');
    expect(expr('v = L[0][1:2, ...]')).toBe('L[0][1:2:_, ...]');
  });
});

describe('statements', () => {
  it('parses the seed example', () => {
    const src = [
      '# The question, as a .tgraph file',
      'x_dims = 3',
      'x = placeholder(float32, [None, x_dims])',
      'feed x = [[5, 3, 7], [2, 2, 5], [7, 5, 0], [3, 7, 6]]',
      'y = 2 * x**2',
      "z = stack([y, y])          # twice as many z's as x's",
      'dy_dx = gradients(y, x)[0] # [[20, 12, 28], [8, 8, 20], [28, 20, 0], [12, 28, 24]]',
      'dz_dx = gradients(z, x)[0] # twice dy_dx: each x reaches two elements of z',
      'check gradients(z, x)',
      'assert allclose(dz_dx, 2 * dy_dx)',
      '',
    ].join('\n');
    const p = parse(src);
    expect(p.diagnostics).toEqual([]);
    expect(p.statements.map(showStmt)).toEqual([
      'x_dims = 3',
      'x = placeholder{float32, [null x_dims]}',
      'feed x = [[5 3 7] [2 2 5] [7 5 0] [3 7 6]]',
      'y = (* 2 (** x 2))',
      'z = stack{[y y]}',
      'dy_dx = gradients{y, x}[0]',
      'dz_dx = gradients{z, x}[0]',
      'check gradients{z, x}',
      'assert allclose{dz_dx, (* 2 dy_dx)}',
    ]);
    expect(p.comments.map((c) => c.text)).toEqual([
      ' The question, as a .tgraph file',
      " twice as many z's as x's",
      ' [[20, 12, 28], [8, 8, 20], [28, 20, 0], [12, 28, 24]]',
      ' twice dy_dx: each x reaches two elements of z',
    ]);
    const check = p.statements[7];
    if (check.kind !== 'check') throw new Error('not a check');
    expect(text(src, check.keywordSpan)).toBe('check');
    expect(text(src, check.span)).toBe('check gradients(z, x)');
  });

  it('treats statement keywords as names when followed by = (or used as names)', () => {
    const src = [
      'check = 3',
      'grad = gradients(y, x)',
      'feed = 1',
      'def = 2',
      'assert = 4',
      'check, grad = f(x)',
      'y = check + grad * feed',
      'check == 3',
      'assert check',
      'feed x = assert',
    ].join('\n');
    const p = parse(src);
    expect(p.diagnostics).toEqual([]);
    expect(p.statements.map(showStmt)).toEqual([
      'check = 3',
      'grad = gradients{y, x}',
      'feed = 1',
      'def = 2',
      'assert = 4',
      '[check, grad] = f{x}',
      'y = (+ check (* grad feed))',
      'expr (== check 3)',
      'assert check',
      'feed x = assert',
    ]);
    expect(p.statements.map((s) => s.kind)).toEqual([
      'assign',
      'assign',
      'assign',
      'assign',
      'assign',
      'destructure',
      'assign',
      'expr',
      'assert',
      'feed',
    ]);
  });

  it('parses destructuring in its three spellings', () => {
    const src = '[a, b] = gradients(y, [x, w])\nc, d = unstack(x)\n(e, f) = split(x, 2)\ng, = h\n[k] = m';
    const p = parse(src);
    expect(p.diagnostics).toEqual([]);
    expect(p.statements.map(showStmt)).toEqual([
      '[a, b] = gradients{y, [x w]}',
      '[c, d] = unstack{x}',
      '[e, f] = split{x, 2}',
      '[g] = h',
      '[k] = m',
    ]);
    const s = p.statements[1];
    if (s.kind !== 'destructure') throw new Error('not a destructure');
    expect(s.targets).toEqual([
      { name: 'c', span: { start: 30, end: 31 } },
      { name: 'd', span: { start: 33, end: 34 } },
    ]);
    expect(text(src, s.span)).toBe('c, d = unstack(x)');
  });

  it('parses def and grad', () => {
    const src = 'def f(a, b) = a * b + 1\ngrad f(a, b, dy) = [dy * b, dy * a]\ndef g() = 1\ndef h(x,) = x\ngrad h(x, dy) = dy';
    const p = parse(src);
    expect(p.diagnostics).toEqual([]);
    expect(p.statements.map(showStmt)).toEqual([
      'def f(a, b) = (+ (* a b) 1)',
      'grad f(a, b, dy) = [(* dy b) (* dy a)]',
      'def g() = 1',
      'def h(x) = x',
      'grad h(x, dy) = dy',
    ]);
    const d = p.statements[0];
    if (d.kind !== 'def') throw new Error('not a def');
    expect(text(src, d.keywordSpan)).toBe('def');
    expect(d.name).toEqual({ name: 'f', span: { start: 4, end: 5 } });
    expect(d.params.map((x) => text(src, x.span))).toEqual(['a', 'b']);
    const g = p.statements[1];
    if (g.kind !== 'grad') throw new Error('not a grad');
    expect(text(src, g.span)).toBe('grad f(a, b, dy) = [dy * b, dy * a]');
    expect(g.params.map((x) => x.name)).toEqual(['a', 'b', 'dy']);
  });

  it('parses feed, check with options, assert and bare expressions', () => {
    expect(
      stmts(
        [
          'feed x = randint(0, 10, [4, 3], seed=1)',
          "check gradients(z, x, eps=1e-3, mode='fast')",
          'assert allclose(a, b, rtol=1e-5)',
          'x + 1',
        ].join('\n'),
      ),
    ).toEqual([
      'feed x = randint{0, 10, [4 3], seed=1}',
      'check gradients{z, x, eps=0.001f, mode="fast"}',
      'assert allclose{a, b, rtol=0.00001f}',
      'expr (+ x 1)',
    ]);
  });

  it('continues lines inside brackets and after a backslash', () => {
    const src = 'y = f(a,\n      b) + \\\n    c\nz = [\n  1,\n\n  2,  # two\n]\n';
    const p = parse(src);
    expect(p.diagnostics).toEqual([]);
    expect(p.statements.map(showStmt)).toEqual(['y = (+ f{a, b} c)', 'z = [1 2]']);
    expect(text(src, p.statements[0].span)).toBe('y = f(a,\n      b) + \\\n    c');
    expect(p.comments).toHaveLength(1);
  });

  it('accepts CRLF, a BOM, tabs and blank lines; offsets stay offsets into the original text', () => {
    const src = '\uFEFFx = 1\t# one\r\n\r\n\ty = x *\t2\r\nz = [1,\r\n 2]\r\n';
    const p = parse(src);
    expect(p.diagnostics).toEqual([]);
    expect(p.statements.map(showStmt)).toEqual(['x = 1', 'y = (* x 2)', 'z = [1 2]']);
    expect(p.statements[0].span).toEqual({ start: 1, end: 6 });
    expect(text(src, p.statements[1].span)).toBe('y = x *\t2');
    expect(p.comments).toEqual([{ span: { start: 7, end: 12 }, text: ' one' }]);
    const li = new LineIndex(src);
    expect(li.positionAt(p.statements[0].span.start)).toEqual({ line: 0, character: 0 });
    expect(li.positionAt(p.statements[1].span.start)).toEqual({ line: 2, character: 1 });
    expect(li.positionAt(p.statements[2].span.end)).toEqual({ line: 4, character: 3 });
  });

  it('exposes the tokens for other tools', () => {
    const toks = lex('y = tf.nn.relu(x)**2 # c\n').tokens;
    expect(toks.map((t) => `${t.kind}:${t.text}`)).toEqual([
      'name:y',
      'op:=',
      'name:tf.nn.relu',
      'op:(',
      'name:x',
      'op:)',
      'op:**',
      'number:2',
      'newline:',
      'eof:',
    ]);
    expect(toks[0].atLineStart).toBe(true);
    expect(toks[2].atLineStart).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------

interface BadCase {
  name: string;
  src: string;
  /** Expected diagnostics: message fragment and the exact source text under the span. */
  diags: { message: string; at: string; code?: string }[];
  /** All statements that remain, rendered with showStmt. */
  statements: string[];
  /** A lexical error that still leaves a usable value (no ErrorExpr in the statement). */
  keepsValue?: boolean;
}

const BAD: BadCase[] = [
  {
    name: 'missing operand at the end of a line keeps the assignment',
    src: 'a = 1\ny = 2 * \nb = y',
    diags: [{ message: 'expected an expression, found end of line', at: '' }],
    statements: ['a = 1', 'y = (* 2 ERR)', 'b = y'],
  },
  {
    name: 'unexpected operator',
    src: 'a = 1\nb = * 3\nc = 2',
    diags: [{ message: "expected an expression, found '*'", at: '*' }],
    statements: ['a = 1', 'b = ERR', 'c = 2'],
  },
  {
    name: 'missing comma in a call',
    src: 'a = f(x y)\nb = 2',
    diags: [{ message: "expected ',' or ')' to close '(' at 1:6, found name 'y'", at: 'y' }],
    statements: ['a = f{x, ERR}', 'b = 2'],
  },
  {
    name: 'mismatched closing bracket',
    src: 'a = [1, 2)\nb = 2',
    diags: [{ message: "expected ']' to close '[' at 1:5, found ')'", at: ')' }],
    statements: ['a = [1 2 ERR]', 'b = 2'],
  },
  {
    name: 'unclosed bracket followed by more statements',
    src: 'a = 1\nb = f(x,\n      y\nc = 3\nd = c',
    diags: [{ message: "unclosed '(': no matching ')' before the next statement (line 4)", at: '(' }],
    statements: ['a = 1', 'b = f{x, y, ERR}', 'c = 3', 'd = c'],
  },
  {
    name: 'unclosed bracket at the end of the file',
    src: 'a = 1\nb = [1, 2',
    diags: [{ message: "unclosed '[': no matching ']' before the end of the file", at: '[' }],
    statements: ['a = 1', 'b = [1 2 ERR]'],
  },
  {
    name: 'unclosed bracket, and a stray closer further down',
    src: 'w = f(1, 2\nq = 3\nr = q)\ns = 4',
    diags: [
      { message: "unclosed '(': no matching ')' before the next statement (line 2)", at: '(' },
      { message: "unexpected ')' after the expression", at: ')' },
    ],
    statements: ['w = f{1, 2, ERR}', 'q = 3', 'r = ERR', 's = 4'],
  },
  {
    name: 'stray closing bracket',
    src: 'a = )\nb = 1',
    diags: [{ message: "expected an expression, found ')'", at: ')' }],
    statements: ['a = ERR', 'b = 1'],
  },
  {
    name: 'trailing junk after a complete value',
    src: 'a = 3 4\nb = 1',
    diags: [{ message: 'unexpected number 4 after the expression', at: '4' }],
    statements: ['a = ERR', 'b = 1'],
  },
  {
    name: 'chained assignment',
    src: 'a = b = 3\nc = 1',
    diags: [{ message: "unexpected '=' after the expression (a statement binds one name; use '==' to compare)", at: '=' }],
    statements: ['a = ERR', 'c = 1'],
  },
  {
    name: 'assignment to a call',
    src: 'f(x) = 3\nc = 1',
    diags: [{ message: "cannot assign to a function call: the left side of '=' must be a name or a list of names", at: 'f(x)' }],
    statements: ['c = 1'],
  },
  {
    name: 'destructuring into a non-name',
    src: '[a, b[0]] = f(x)\n[c, d] = g(x)',
    diags: [{ message: 'cannot assign to an indexing expression: the names to destructure into must be plain names', at: 'b[0]' }],
    statements: ['[c, d] = g{x}'],
  },
  {
    name: 'assignment to a dotted name',
    src: 'tf.x = 1\ny = 2',
    diags: [{ message: "cannot assign to the dotted name 'tf.x'", at: 'tf.x' }],
    statements: ['y = 2'],
  },
  {
    name: 'feed without a name',
    src: 'feed 3 = 4\nfeed x = [1]',
    diags: [{ message: "expected the name of a placeholder after 'feed', found number 3", at: '3' }],
    statements: ['feed x = [1]'],
  },
  {
    name: 'feed without =',
    src: 'feed x [1, 2]\ny = 1',
    diags: [{ message: "expected '=' after 'feed x', found '['", at: '[' }],
    statements: ['feed x = ERR', 'y = 1'],
  },
  {
    name: 'def without a parameter list',
    src: 'def f x = x\ny = f(1)',
    diags: [{ message: "expected '(' and a parameter list after 'def f', found name 'x'", at: 'x' }],
    statements: ['def f() = ERR', 'y = f{1}'],
  },
  {
    name: 'def with an expression as a parameter',
    src: 'def f(x + 1) = x\ny = 1',
    diags: [{ message: "expected ',' or ')' to close '(' at 1:6, found '+'", at: '+' }],
    statements: ['def f(x) = ERR', 'y = 1'],
  },
  {
    name: 'Python-style def with a colon',
    src: 'def f(x):\n    x\ny = 1',
    diags: [{ message: "expected '=' after the parameter list of 'f', found ':'", at: ':' }],
    statements: ['def f(x) = ERR', 'expr x', 'y = 1'],
  },
  {
    name: 'grad with an empty body',
    src: 'grad f(x, dy) =\nz = 1',
    diags: [{ message: 'expected an expression, found end of line', at: '' }],
    statements: ['grad f(x, dy) = ERR', 'z = 1'],
  },
  {
    name: 'check and assert with nothing after them',
    src: 'check\nassert\nz = 1',
    diags: [
      { message: "expected a gradients(...) call after 'check'", at: '' },
      { message: "expected an expression after 'assert'", at: '' },
    ],
    statements: ['check ERR', 'assert ERR', 'z = 1'],
  },
  {
    name: 'unexpected character',
    src: 'a = 1 $ 2\nb = 2',
    diags: [{ message: "unexpected character '$'", at: '$' }],
    statements: ['a = ERR', 'b = 2'],
  },
  {
    name: 'semicolons',
    src: 'a = 1; b = 2\nc = 3',
    diags: [{ message: "unexpected character ';': put each statement on its own line", at: ';' }],
    statements: ['a = ERR', 'c = 3'],
  },
  {
    name: 'unterminated string',
    src: "a = 'abc\nb = 2",
    diags: [{ message: "unterminated string literal: missing the closing '", at: "'abc" }],
    statements: ['a = "abc"', 'b = 2'],
    keepsValue: true,
  },
  {
    name: 'invalid number literal',
    src: 'a = 3x + 1\nb = 2',
    diags: [{ message: "invalid number literal '3x'", at: '3x' }],
    statements: ['a = ERR', 'b = 2'],
  },
  {
    name: 'empty index',
    src: 'a = x[]\nb = 2',
    diags: [{ message: "expected an index between '[' and ']'", at: ']' }],
    statements: ['a = x[ERR]', 'b = 2'],
  },
  {
    name: 'attribute without a name',
    src: 'a = f(x).\nb = 2',
    diags: [{ message: "expected an attribute name after '.', found end of line", at: '' }],
    statements: ['a = ERR', 'b = 2'],
  },
  {
    name: 'not on the right of a comparison',
    src: 'a = b == not c\nd = 1',
    diags: [{ message: "expected an expression, found 'not'", at: 'not' }],
    statements: ['a = (== b ERR)', 'd = 1'],
  },
  {
    name: 'ellipsis outside an index',
    src: 'a = ...\nb = 2',
    diags: [{ message: "'...' is only allowed in an index", at: '...' }],
    statements: ['a = ERR', 'b = 2'],
  },
  {
    name: 'a backslash that does not end the line',
    src: 'a = 1 \\ + 2\nb = 2',
    diags: [{ message: 'a line continuation must be the last character on its line', at: '\\' }],
    statements: ['a = ERR', 'b = 2'],
  },
  {
    name: 'bare expression with junk is dropped',
    src: 'x y\nb = 2',
    diags: [{ message: "unexpected name 'y' after the expression", at: 'y' }],
    statements: ['b = 2'],
  },
  {
    name: 'positional argument after a keyword argument (reported, call kept)',
    src: 'a = f(x, axis=1, 2)\nb = 2',
    diags: [{ message: 'positional argument follows a keyword argument', at: '2' }],
    statements: ['a = f{x, axis=1, 2}', 'b = 2'],
  },
  {
    name: 'several errors in one file',
    src: 'a = (1 +\nb = 2\nc = * 1\nd = f(1 2)\ne = 5',
    diags: [
      { message: "unclosed '(': no matching ')' before the next statement (line 2)", at: '(' },
      { message: "expected an expression, found '*'", at: '*' },
      { message: "expected ',' or ')' to close '(' at 4:6, found number 2", at: '2' },
    ],
    statements: ['a = (+ 1 ERR)', 'b = 2', 'c = ERR', 'd = f{1, ERR}', 'e = 5'],
  },
];

describe('malformed input', () => {
  it.each(BAD.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const p = parse(c.src);
    const got = diags(c.src, p);
    expect(got).toHaveLength(c.diags.length);
    c.diags.forEach((d, i) => {
      expect(got[i].message).toContain(d.message);
      expect(got[i].at).toBe(d.at);
      expect(got[i].code).toBe(d.code ?? 'syntax');
    });
    expect(p.statements.map(showStmt)).toEqual(c.statements);
    // Every statement that stands in for a broken one contains an ErrorExpr where it broke.
    for (const s of p.statements) {
      const v = stmtValue(s);
      const brokenHere = p.diagnostics.some(
        (d) => d.span.start >= s.span.start && d.span.end <= s.span.end && d.message !== 'positional argument follows a keyword argument',
      );
      if (brokenHere && v && !c.keepsValue) expect(containsError(v)).toBe(true);
    }
  });

  it('points zero-width "end of line" errors right after the last token', () => {
    const src = 'y = 2 *   # c\nz = 1';
    const [d] = parse(src).diagnostics;
    expect(d.span).toEqual({ start: 7, end: 7 });
    expect(new LineIndex(src).positionAt(d.span.start)).toEqual({ line: 0, character: 7 });
  });

  it('formats bracket positions as 1-based line:column', () => {
    const src = 'a = 1\nb = 2\nc = g(1,\n       f(x y))';
    const [d] = parse(src).diagnostics;
    expect(d.message).toBe("expected ',' or ')' to close '(' at 4:9, found name 'y'");
    expect(text(src, d.span)).toBe('y');
  });

  it('resyncs only at column-0 statement starts after an unclosed bracket', () => {
    const src = [
      'a = f(1,',
      '  b = 2', // indented: still inside the call
      '  + 3',
      'check gradients(a, x)', // a keyword line: resync here
      'c = 1',
    ].join('\n');
    const p = parse(src);
    expect(diags(src, p).map((d) => [d.at, d.message])).toEqual([
      ['(', "unclosed '(': no matching ')' before the next statement (line 4)"],
    ]);
    // Inside the call, `b = 2` is a keyword argument.
    expect(p.statements.map(showStmt)).toEqual(['a = f{1, b=(+ 2 3), ERR}', 'check gradients{a, x}', 'c = 1']);
  });

  it('does not take a keyword argument at column 0 for a new statement when the bracket closes', () => {
    const p = parse('y = reduce_sum(x,\naxis=1)\nz = y');
    expect(p.diagnostics).toEqual([]);
    expect(p.statements.map(showStmt)).toEqual(['y = reduce_sum{x, axis=1}', 'z = y']);
  });
});

describe('nesting and size limits', () => {
  it('reports a file of 5,000 "(" once, without overflowing the stack', () => {
    const src = '('.repeat(5000);
    const p = parse(src);
    expect(p.diagnostics).toHaveLength(1);
    expect(p.diagnostics[0].code).toBe('nesting-too-deep');
    expect(p.diagnostics[0].message).toContain('200');
    expect(p.diagnostics[0].span).toEqual({ start: 200, end: 201 });
    expect(p.statements).toEqual([]);
  });

  it('reports deep nesting once per statement and goes on with the next statements', () => {
    const deep = '('.repeat(5000) + '1' + ')'.repeat(5000);
    const src = `a = 1\nb = ${deep}\nc = ${'-'.repeat(5000)}1\nd = ${'['.repeat(3000)}\ne = 2 ** ${'2 ** '.repeat(3000)}2\nf = 3\n`;
    const p = parse(src);
    expect(p.diagnostics.map((d) => d.code)).toEqual(['nesting-too-deep', 'nesting-too-deep', 'nesting-too-deep', 'nesting-too-deep']);
    expect(p.statements.map(showStmt)).toEqual(['a = 1', 'b = ERR', 'c = ERR', 'd = ERR', 'e = ERR', 'f = 3']);
  });

  it('honours maxDepth', () => {
    const src = 'v = ' + '('.repeat(10) + 'x' + ')'.repeat(10);
    expect(parse(src, { maxDepth: 10 }).diagnostics).toEqual([]);
    const p = parse(src, { maxDepth: 9 });
    expect(p.diagnostics.map((d) => [d.code, d.span.start])).toEqual([['nesting-too-deep', 13]]);
    expect(p.diagnostics[0].message).toContain('9');
    expect(parse('v = ' + '('.repeat(199) + 'x' + ')'.repeat(199)).diagnostics).toEqual([]);
    expect(parse('v = ' + '('.repeat(200) + 'x' + ')'.repeat(200)).diagnostics).toEqual([]);
    expect(parse('v = ' + '('.repeat(201) + 'x' + ')'.repeat(201)).diagnostics).toHaveLength(1);
    // A long flat chain is not nesting.
    expect(parse('v = ' + '1 + '.repeat(20000) + '1').diagnostics).toEqual([]);
  });

  it('parses a 200,000-character string literal', () => {
    const big = 'ab'.repeat(100000);
    const p = parse(`s = '${big}'\nt = 1`);
    expect(p.diagnostics).toEqual([]);
    const v = valueOf(p);
    expect(v.kind === 'string' && v.value.length).toBe(200000);
    expect(p.statements).toHaveLength(2);
  });

  it('parses a 100,000-line file', () => {
    const seed = [
      'x{i} = placeholder(float32, [None, 3])',
      'feed x{i} = [[5, 3, 7], [2, 2, 5]]',
      'y{i} = 2 * x{i}**2 + tf.nn.softmax(x{i}, axis=-1)[:, 0]  # comment',
      'z{i} = stack([y{i}, y{i}])',
      '[a{i}, b{i}] = gradients(z{i}, [x{i}, y{i}])',
      'def f{i}(p, q) = p * q',
      'grad f{i}(p, q, dy) = [dy * q, dy * p]',
      'check gradients(z{i}, x{i}, eps=1e-3)',
      'assert allclose(a{i}, 2 * b{i})',
      '',
    ];
    const lines: string[] = [];
    for (let i = 0; lines.length < 100000; i++) for (const l of seed) lines.push(l.replaceAll('{i}', String(i)));
    const src = lines.join('\n');
    const p = parse(src);
    expect(p.diagnostics).toEqual([]);
    expect(p.statements).toHaveLength(90000);
    expect(p.comments).toHaveLength(10000);
    const li = new LineIndex(src);
    expect(li.lineCount).toBe(100000);
    expect(li.positionAt(p.statements[89999].span.start)).toEqual({ line: 99998, character: 0 });
  });

  it('survives pathological broken files', () => {
    const n = 20000;
    const unclosed = Array.from({ length: n }, (_, i) => `a${i} = f(`).join('\n');
    let p = parse(unclosed);
    expect(p.statements).toHaveLength(n);
    expect(p.diagnostics).toHaveLength(n);
    const lists = Array.from({ length: n }, (_, i) => `a${i} = [1,`).join('\n') + '\n' + ']'.repeat(n);
    p = parse(lists);
    expect(p.statements.length).toBeGreaterThan(0);
    p = parse('$'.repeat(n));
    expect(p.diagnostics).toHaveLength(n);
    p = parse(')'.repeat(n) + '\nx = 1');
    expect(p.statements.map(showStmt)).toEqual(['x = 1']);
  });
});
