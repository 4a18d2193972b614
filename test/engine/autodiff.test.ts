// TensorFlow 1.x `gradients` semantics, as LANGUAGE.md states them, edge case by edge case;
// the other differentiation functions (`gradient`, `jacobian`, `batch_jacobian`, `hessians`,
// `hessian`), custom gradients (`def` + `grad`), gradients of gradients, and TensorFlow's
// gradient conventions at non-differentiable points.

import { describe, expect, it } from 'vitest';
import { run, type Plain } from '../support/engine';
import { expectClose } from '../support/compare';
import { analyze, type Analysis } from '../../engine/analysis';
import { explainSite } from '../../engine/explain';

/** Runs a source that must analyse without errors. */
function ok(src: string) {
  const r = run(src);
  expect(r.errors().map((d) => `${r.pos(d.span).line}:${r.pos(d.span).column} ${d.code}: ${d.message}`)).toEqual([]);
  return r;
}

const close = (actual: Plain, expected: Plain, what?: string) => expectClose(actual, expected, what, { atol: 1e-5, rtol: 1e-5 });

describe('gradients(ys, xs): TensorFlow 1.x semantics', () => {
  it('returns a list with one entry per x, even for a single tensor x', () => {
    const r = ok(`
x = variable([1.0, 2.0])
u = variable(3.0)
y = x * u
single = gradients(y, x)
several = gradients(y, [x, u, x])
`);
    close(r.value('single'), [[3, 3]]);
    // x listed twice gets its gradient twice; u gets the sum over both elements of y
    close(r.value('several'), [[3, 3], 3, [3, 3]]);
  });

  it('sums over every element of ys: the seed example (dz/dx = 2 dy/dx through stack)', () => {
    const r = ok(`
x = placeholder(float32, [None, 3])
feed x = [[5, 3, 7], [2, 2, 5], [7, 5, 0], [3, 7, 6]]
y = 2 * x**2
z = stack([y, y])
dy_dx = gradients(y, x)[0]
dz_dx = gradients(z, x)[0]
`);
    const dy = [
      [20, 12, 28],
      [8, 8, 20],
      [28, 20, 0],
      [12, 28, 24],
    ];
    close(r.value('dy_dx'), dy);
    close(
      r.value('dz_dx'),
      dy.map((row) => row.map((v) => 2 * v)),
    );
  });

  it('gives None for an x that no y depends on', () => {
    const r = ok(`
x = variable([1.0, 2.0])
other = variable([5.0])
y = sin(x)
g = gradients(y, [x, other])
`);
    const g = r.value('g') as Plain[];
    expect(g).toHaveLength(2);
    close(g[0], [Math.cos(1), Math.cos(2)]);
    expect(g[1]).toBeNull();
  });

  it('gives None for an x that only depends on y (the wrong direction)', () => {
    const r = ok(`
x = variable([1.0, 2.0])
y = x * 2.0
later = y + 1.0
g = gradients(y, [later])
`);
    expect(r.value('g')).toEqual([null]);
  });

  it("gives zeros shaped like x with unconnected_gradients='zero'", () => {
    const r = ok(`
x = variable([1.0, 2.0])
other = variable([[5.0, 6.0, 7.0]], dtype=float64)
y = sin(x)
g = gradients(y, [x, other], unconnected_gradients='zero')
zero_part = g[1]
`);
    const g = r.value('g') as Plain[];
    close(g[0], [Math.cos(1), Math.cos(2)]);
    expect(g[1]).toEqual([[0, 0, 0]]);
    expect(r.tensor('zero_part').dtype).toBe('float64');
  });

  it('rejects an unknown unconnected_gradients value with a diagnostic', () => {
    const r = run(`
x = variable([1.0])
g = gradients(x * 2.0, x, unconnected_gradients='zeros')
fine = 1
`);
    expect(r.errors().map((d) => d.code)).toEqual(['bad-argument']);
    expect(r.errors()[0].message).toContain("'none' or 'zero'");
    expect(r.value('fine')).toBe(1);
  });

  it('gives None for integer and bool xs, even when a float y depends on them', () => {
    const r = ok(`
i = constant([1, 2, 3])
flag = constant([True, False, True])
f = variable([0.5, 1.5, 2.5])
y = cast(i, float32) * f + cast(flag, float32)
g = gradients(y, [i, flag, f])
`);
    expect(r.value('g')).toEqual([null, null, [1, 2, 3]]);
  });

  it('does not flow through integer tensors on the way (cast to int32 cuts the path)', () => {
    const r = ok(`
x = variable([1.7, -2.2, 3.5])
y = cast(cast(x, int32), float32) * x
g = gradients(y, x)[0]
`);
    // only the direct use of x contributes: d/dx = cast(cast(x, int32), float32)
    close(r.value('g'), [1, -2, 3]);
  });

  it('weights by grad_ys, one per y (None entries weigh by ones)', () => {
    const r = ok(`
x = variable([1.0, 2.0, 3.0])
y1 = x * x
y2 = 3.0 * x
weighted = gradients(y1, x, grad_ys=[10.0, 0.0, -1.0])[0]
both = gradients([y1, y2], x, grad_ys=[constant([1.0, 1.0, 1.0]), constant([2.0, 0.0, 1.0])])[0]
partly = gradients([y1, y2], x, grad_ys=[None, constant([2.0, 0.0, 1.0])])[0]
`);
    close(r.value('weighted'), [20, 0, -6]);
    close(r.value('both'), [2 + 6, 4 + 0, 6 + 3]);
    close(r.value('partly'), [2 + 6, 4 + 0, 6 + 3]);
  });

  it('reports grad_ys of the wrong length or shape as a diagnostic', () => {
    const r = run(`
x = variable([1.0, 2.0, 3.0])
g = gradients([x * x, x], x, grad_ys=[constant([1.0, 1.0, 1.0])])
h = gradients(x * x, x, grad_ys=constant([1.0, 2.0]))
fine = x * 2.0
`);
    expect(r.errors().length).toBe(2);
    expect(r.errors()[0].message).toMatch(/grad_ys has 1 entr(y|ies) but ys has 2/);
    expect(r.errors()[1].message).toMatch(/\[2\]/);
    close(r.value('fine'), [2, 4, 6]);
  });

  it('an x that is itself in ys gets the identity contribution', () => {
    const r = ok(`
x = variable([1.0, 2.0])
self = gradients(x, x)[0]
mixed = gradients([x * x, x], x)[0]
`);
    close(r.value('self'), [1, 1]);
    close(r.value('mixed'), [3, 5]);
  });

  it('the same y listed twice counts twice', () => {
    const r = ok(`
x = variable([1.0, 2.0])
y = x * x * x
once = gradients(y, x)[0]
twice = gradients([y, y], x)[0]
`);
    close(r.value('once'), [3, 12]);
    close(r.value('twice'), [6, 24]);
  });

  it('aggregates the gradients of a reused tensor (fan-out through several paths)', () => {
    const r = ok(`
x = variable([0.5, 2.0])
t = exp(x)
y = t * t + sin(t) + t
g = gradients(y, x)[0]
`);
    const expected = [0.5, 2].map((v) => {
      const t = Math.exp(v);
      return (2 * t + Math.cos(t) + 1) * t;
    });
    close(r.value('g'), expected);
  });

  it('stop_gradient cuts the path through it (the value passes unchanged)', () => {
    const r = ok(`
x = variable([1.0, 2.0, 3.0])
frozen = stop_gradient(x)
y = frozen * x
g = gradients(y, x)[0]
only = gradients(stop_gradient(x) * 2.0, x)
`);
    close(r.value('frozen'), [1, 2, 3]);
    close(r.value('g'), [1, 2, 3]);
    expect(r.value('only')).toEqual([null]);
  });

  it("stop_gradients: TensorFlow's example, [1, 1] with the stops and [3, 1] without", () => {
    const r = ok(`
a = constant(0.)
b = 2 * a
with_stops = gradients(a + b, [a, b], stop_gradients=[a, b])
without = gradients(a + b, [a, b])
`);
    close(r.value('with_stops'), [1, 1]);
    close(r.value('without'), [3, 1]);
  });

  it('stop_gradients on an intermediate tensor: it is treated as a constant', () => {
    const r = ok(`
a = variable([2.0, 3.0])
b = a * a
y = a * b
free = gradients(y, a)[0]
held = gradients(y, a, stop_gradients=[b])[0]
single = gradients(y, a, stop_gradients=b)[0]
`);
    close(r.value('free'), [12, 27]);
    close(r.value('held'), [4, 9]);
    close(r.value('single'), [4, 9]);
  });

  it('float64 graphs differentiate in float64', () => {
    const r = ok(`
x = variable([1.0, 2.0], dtype=float64)
third = constant([3.0, 3.0], dtype=float64)
g = gradients(x * x / third, x)[0]
`);
    expect(r.tensor('g').dtype).toBe('float64');
    // 2x/3 in double precision (float32 would give 0.6666666865348816)
    expect(Array.from(r.tensor('g').data)).toEqual([2 / 3, 4 / 3]);
  });

  // A Python float literal that meets a float64 tensor is converted at float64, as
  // tf.convert_to_tensor(0.1, dtype=tf.float64) is the double 0.1 (rounding it to float32
  // first would make x * 0.1 off by 3e-9).
  it('a float literal meeting a float64 tensor keeps double precision', () => {
    const r = ok(`
x = variable([1.0, 2.0], dtype=float64)
y = x * 0.1
g = gradients(x * x * 0.1, x)[0]
`);
    expect(Array.from(r.tensor('y').data)).toEqual([0.1, 0.2]);
    expect(Array.from(r.tensor('g').data)).toEqual([0.2, 0.4]);
  });

  it('differentiates through an unfed placeholder: shapes are known, values are not', () => {
    const r = run(`
x = placeholder(float32, [None, 3])
w = variable([[1.0], [2.0], [3.0]])
g = gradients(x @ w, w)[0]
later = 1
`);
    expect(r.errors()).toEqual([]);
    expect(r.staticShape('g')).toEqual([3, 1]);
    const g = r.a.lookup('g')!.value;
    if (g.kind !== 'tensor') throw new Error('g is not a tensor');
    expect(r.a.valueOf(g.node)).toBeUndefined();
    expect(r.value('later')).toBe(1);
  });
});

describe('unbroadcasting: a sum only where an operand was broadcast', () => {
  it('sum_to_like nodes stand where shapes differ or are unknown, and nowhere else', () => {
    const r = ok(`
x = placeholder(float32, [None, 3])
feed x = [[1., 2., 3.], [4., 5., 6.]]
v = variable([1., 2., 3.])
s = variable(2.)
same = gradients(v * v + v, v)[0]
bias = gradients(x * v + s, [v, s])
batch = gradients(x * x, x)[0]
`);
    // d(v² + v)/dv = 2v + 1; d(Σ x·v + s)/dv = Σ over the rows of x, /ds = 6 elements;
    // d(Σ x²)/dx = 2x.
    close(r.value('same'), [3, 5, 7]);
    close(r.value('bias'), [[5, 7, 9], 6]);
    close(r.value('batch'), [
      [2, 4, 6],
      [8, 10, 12],
    ]);
    const sums = (site: number) =>
      r.a.graph.nodes.filter(
        (n) => n.op.name === 'sum_to_like' && n.origin.kind === 'gradient' && n.origin.call === r.a.gradientSites[site].span,
      );
    // Same shapes, all known: no sum at all.
    expect(sums(0)).toEqual([]);
    // v [3] and s [] are broadcast against x's [None, 3]: each is summed back to its shape.
    expect(sums(1).map((n) => n.type.shape)).toEqual(expect.arrayContaining([[3], []]));
    // x against itself with an unknown batch size: the shapes are equal at run time only,
    // so the sums stay (and sum nothing).
    expect(sums(2).length).toBeGreaterThan(0);
  });
});

describe('gradient nodes only for inputs that reach an x', () => {
  it('the data side of x @ W and the constant side of products and sums are left out', () => {
    const r = ok(`
x = placeholder(float32, [2, 3])
feed x = [[1., 2., 3.], [4., 5., 6.]]
w = variable([[1., 0.], [0., 1.], [1., 1.]])
c = [2., 3.]
y = (x @ w) * c + c / 2. - c
gw = gradients(y, w)[0]
both = gradients(y, [x, w])
`);
    // d(Σ (x @ w) · c)/dw = xᵀ (1 · c): column j of xᵀ's row sums times c[j].
    close(r.value('gw'), [
      [10, 15],
      [14, 21],
      [18, 27],
    ]);
    close(r.value('both'), [
      [
        [2, 3, 5],
        [2, 3, 5],
      ],
      [
        [10, 15],
        [14, 21],
        [18, 27],
      ],
    ]);
    const made = (site: number, op: string) =>
      r.a.graph.nodes.filter((n) => n.op.name === op && n.origin.kind === 'gradient' && n.origin.call === r.a.gradientSites[site].span)
        .length;
    // For w alone: one matmul (xᵀ · dy), one product (dy · c), nothing toward c or x.
    expect(made(0, 'matmul')).toBe(1);
    expect(made(0, 'multiply')).toBe(1);
    expect(made(0, 'negative')).toBe(0);
    expect(made(0, 'divide')).toBe(0);
    // For x and w: both sides of the matmul.
    expect(made(1, 'matmul')).toBe(2);
  });
});

describe('the Jacobian of a y that x does not reach', () => {
  it('is zeros, made without evaluating a row (100,000 rows were seconds of one-hots)', () => {
    // Row by row, each of the 100,000 rows allocated a one-hot of 100,000 elements: 10^10
    // writes, far more than the 200 ms the evaluation is given here.
    const r = run(
      `
w = variable(2.)
k = zeros([100000])
j = jacobian(k, w)
v = variable([1., 2.])
bj = batch_jacobian(zeros([2, 50000]), reshape(v, [2, 1]))
`,
      { evaluationTimeoutMs: 200 },
    );
    expect(r.a.diagnostics).toEqual([]);
    const j = r.tensor('j');
    expect(j.shape).toEqual([100000]);
    expect(j.data.every((e) => e === 0)).toBe(true);
    const bj = r.tensor('bj');
    expect(bj.shape).toEqual([2, 50000, 1]);
    expect(bj.data.every((e) => e === 0)).toBe(true);
  });
});

describe('gradient, jacobian, batch_jacobian, hessians, hessian', () => {
  it('gradient(y, x) is the same sum, as a tensor; a list of xs gives a list', () => {
    const r = ok(`
x = variable([1.0, 2.0])
u = variable(0.5)
y = x * x * u
g = gradient(y, x)
gl = gradient(y, [x, u])
`);
    close(r.value('g'), [1, 2]);
    close(r.value('gl'), [[1, 2], 5]);
  });

  it('jacobian(y, x) has shape y.shape + x.shape: J[i, j, k] = ∂y[i, j]/∂x[k]', () => {
    const r = ok(`
x = variable([1.0, 2.0, 3.0, 4.0])
m = constant([[1.0, 0.0, 2.0, 0.0], [0.0, 1.0, 0.0, 3.0], [1.0, 1.0, 1.0, 1.0]])
y = reshape(m @ reshape(x * x, [4, 1]), [3, 1])
j = jacobian(y, x)
s = jacobian(reduce_sum(x * x), x)
`);
    expect(r.tensor('j').shape).toEqual([3, 1, 4]);
    expect(r.staticShape('j')).toEqual([3, 1, 4]);
    const m = [
      [1, 0, 2, 0],
      [0, 1, 0, 3],
      [1, 1, 1, 1],
    ];
    close(
      r.value('j'),
      m.map((row) => [row.map((v, k) => v * 2 * (k + 1))]),
    );
    close(r.value('s'), [2, 4, 6, 8]);
  });

  it('jacobian of a stack shows the fan-out that gradients sums', () => {
    const r = ok(`
x = variable([1.0, 2.0])
z = stack([x, x])
j = jacobian(z, x)
g = gradients(z, x)[0]
`);
    close(r.value('j'), [
      [
        [1, 0],
        [0, 1],
      ],
      [
        [1, 0],
        [0, 1],
      ],
    ]);
    close(r.value('g'), [2, 2]);
  });

  it('batch_jacobian(y, x) has shape [b] + y.shape[1:] + x.shape[1:]', () => {
    const r = ok(`
x = variable([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
w = constant([[1.0, 0.0, 2.0], [0.0, 1.0, 1.0]])
y = expand_dims(x @ w, 1) * 2.0
bj = batch_jacobian(y, x)
`);
    expect(r.tensor('bj').shape).toEqual([3, 1, 3, 2]);
    // ∂y[b, 0, i]/∂x[b, k] = 2 w[k, i], the same for every row of the batch
    const block = [
      [
        [2, 0],
        [0, 2],
        [4, 2],
      ],
    ];
    close(r.value('bj'), [block, block, block]);
  });

  it('batch_jacobian keeps an unknown batch size in the static shape', () => {
    const r = ok(`
x = placeholder(float32, [None, 2])
feed x = [[1.0, 2.0]]
bj = batch_jacobian(tanh(x), x)
`);
    expect(r.staticShape('bj')).toEqual([null, 2, 2]);
    expect(r.tensor('bj').shape).toEqual([1, 2, 2]);
  });

  it('hessians returns a list (one per x); hessian returns the tensor', () => {
    const r = ok(`
x = variable([1.0, 2.0])
u = variable([3.0])
y = reduce_sum(x ** 3) * reduce_sum(u * u)
hs = hessians(y, [x, u])
h = hessian(reduce_sum(x ** 3), x)
`);
    const hs = r.value('hs') as Plain[];
    expect(hs).toHaveLength(2);
    // ∂²/∂x² = diag(6x) · Σu², ∂²/∂u² = 2 · Σx³
    close(hs[0], [
      [6 * 9, 0],
      [0, 12 * 9],
    ]);
    close(hs[1], [[2 * 9]]);
    close(r.value('h'), [
      [6, 0],
      [0, 12],
    ]);
    expect(r.tensor('h').shape).toEqual([2, 2]);
  });

  it('hessian of a matrix x has shape x.shape + x.shape', () => {
    const r = ok(`
x = variable([[1.0, 2.0], [3.0, 4.0]])
h = hessian(reduce_sum(x * x), x)
`);
    expect(r.tensor('h').shape).toEqual([2, 2, 2, 2]);
    const expected = [0, 1].map((i) => [0, 1].map((j) => [0, 1].map((k) => [0, 1].map((l) => (i === k && j === l ? 2 : 0)))));
    close(r.value('h'), expected);
  });
});

describe('gradients of gradients', () => {
  it('d²/dx² of x**3 is 6x, and d³/dx³ is 6', () => {
    const r = ok(`
x = variable([-1.5, 0.5, 2.0])
y = x ** 3
d1 = gradients(y, x)[0]
d2 = gradients(d1, x)[0]
d3 = gradients(d2, x)[0]
`);
    close(r.value('d1'), [6.75, 0.75, 12]);
    close(r.value('d2'), [-9, 3, 12]);
    close(r.value('d3'), [6, 6, 6]);
  });

  it('second derivatives of the transcendental ops match their closed forms', () => {
    const r = ok(`
x = variable([0.3, 1.1])
t2 = gradients(gradients(tanh(x), x)[0], x)[0]
s2 = gradients(gradients(sigmoid(x), x)[0], x)[0]
l2 = gradients(gradients(log(x), x)[0], x)[0]
`);
    const xs = [0.3, 1.1];
    close(
      r.value('t2'),
      xs.map((v) => -2 * Math.tanh(v) * (1 - Math.tanh(v) ** 2)),
    );
    close(
      r.value('s2'),
      xs.map((v) => {
        const s = 1 / (1 + Math.exp(-v));
        return s * (1 - s) * (1 - 2 * s);
      }),
    );
    close(
      r.value('l2'),
      xs.map((v) => -1 / (v * v)),
    );
  });

  it('a second-order check passes (the gradient graph is differentiable)', () => {
    const r = ok(`
x = variable([0.3, -1.1, 2.0])
g = gradients(reduce_sum(sin(x) * x * x), x)[0]
check gradients(g, x)
check gradients(g, x, mode='fast')
`);
    expect(r.a.checks.map((c) => c.passed)).toEqual([true, true]);
  });
});

describe('custom gradients: def + grad', () => {
  it('a call differentiates by the rule, not through the body (as tf.custom_gradient)', () => {
    const r = ok(`
def f(x) = x * x
grad f(x, dy) = dy * 100.0
x = variable([1.0, 2.0])
y = f(x)
g = gradients(y, x)[0]
`);
    close(r.value('y'), [1, 4]);
    close(r.value('g'), [100, 100]);
  });

  it('without a rule, a def differentiates through its body', () => {
    const r = ok(`
def f(x, w) = tanh(x * w)
x = variable([0.5, -1.0])
g = gradients(f(x, 2.0), x)[0]
`);
    close(
      r.value('g'),
      [0.5, -1].map((v) => 2 * (1 - Math.tanh(2 * v) ** 2)),
    );
  });

  it('a correct rule passes the check: a numerically stable log-sum-exp', () => {
    const r = ok(`
def lse(x) = log(reduce_sum(exp(x - reduce_max(x)))) + reduce_max(x)
grad lse(x, dy) = dy * softmax(x)
x = variable([1.0, 2.0, 3.5])
y = lse(x)
g = gradients(y, x)[0]
check gradients(y, x)
check gradients(y, x, mode='fast')
`);
    expect(r.a.checks.map((c) => c.passed)).toEqual([true, true]);
    const e = [1, 2, 3.5].map(Math.exp);
    const total = e.reduce((a, b) => a + b, 0);
    close(
      r.value('g'),
      e.map((v) => v / total),
    );
  });

  it('a rule for several inputs returns a list, one gradient per input (None allowed)', () => {
    const r = ok(`
def scaled(x, k) = x * k
grad scaled(x, k, dy) = [dy * k, None]
x = variable([1.0, 2.0])
k = variable(3.0)
g = gradients(scaled(x, k), [x, k])
`);
    const g = r.value('g') as Plain[];
    close(g[0], [3, 3]);
    expect(g[1]).toBeNull();
  });

  it('a wrong rule fails the check, naming the worst element and both numbers', () => {
    const r = run(`
def cube(x) = x ** 3
grad cube(x, dy) = dy * 3.0 * x
x = variable([0.5, 2.0, -0.5])
check gradients(cube(x), x)
after = 1
`);
    const [c] = r.a.checks;
    expect(c.passed).toBe(false);
    // 3x vs 3x²: the worst is x[1] = 2 (6 vs 12)
    expect(c.worst).toMatchObject({ x: 'x', index: [1] });
    expect(c.worst!.analytic).toBeCloseTo(6, 6);
    expect(c.worst!.numeric).toBeCloseTo(12, 5);
    const d = r.errors().find((e) => e.code === 'check-failed')!;
    expect(d.message).toMatch(/x\[1\].*analytic 6, numeric 12/);
    expect(r.value('after')).toBe(1);
  });

  it('a rule with the wrong number of gradients is a diagnostic, not a crash', () => {
    const r = run(`
def f(a, b) = a * b
grad f(a, b, dy) = dy
x = variable([1.0])
g = gradients(f(x, x), x)
after = 2
`);
    expect(r.errors().some((d) => d.code === 'bad-grad')).toBe(true);
    expect(r.value('after')).toBe(2);
  });

  it('a rule whose gradient cannot take the input shape is a shape diagnostic', () => {
    const r = run(`
def add_bias(x, b) = x + b
grad add_bias(x, b, dy) = [dy, dy]
x = constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
b = variable([0.5, -1.0])
g = gradients(add_bias(x, b), b)
after = 3
`);
    expect(r.errors().some((d) => d.code === 'bad-grad' && /\[3, 2\]/.test(d.message) && /\[2\]/.test(d.message))).toBe(true);
    expect(r.value('after')).toBe(3);
  });
});

describe("TensorFlow's gradients at non-differentiable points", () => {
  it('relu, abs and sign at 0 give 0', () => {
    const r = ok(`
x = variable([-1.0, 0.0, 2.0])
relu_g = gradients(relu(x), x)[0]
abs_g = gradients(abs(x), x)[0]
sign_g = gradients(sign(x), x)[0]
relu6_g = gradients(relu6(x * 3.0), x)[0]
`);
    close(r.value('relu_g'), [0, 0, 1]);
    close(r.value('abs_g'), [-1, 0, 1]);
    close(r.value('sign_g'), [0, 0, 0]);
    // relu6 passes dy only strictly inside (0, 6): 3x = -3, 0, 6 all get 0 (TensorFlow's Relu6Grad)
    close(r.value('relu6_g'), [0, 0, 0]);
  });

  it('maximum / minimum ties go to the first argument', () => {
    const r = ok(`
a = variable([1.0, 2.0])
b = variable([1.0, 3.0])
gmax = gradients(maximum(a, b), [a, b])
gmin = gradients(minimum(a, b), [a, b])
`);
    close(r.value('gmax'), [
      [1, 0],
      [0, 1],
    ]);
    close(r.value('gmin'), [
      [1, 1],
      [0, 0],
    ]);
  });

  it('reduce_max / reduce_min split the gradient equally among ties', () => {
    const r = ok(`
x = variable([[4.0, 4.0, 1.0, 4.0], [0.0, 0.0, 2.0, 2.0]])
gmax = gradients(reduce_max(x, axis=1), x)[0]
gmin = gradients(reduce_min(x), x)[0]
`);
    close(r.value('gmax'), [
      [1 / 3, 1 / 3, 0, 1 / 3],
      [0, 0, 0.5, 0.5],
    ]);
    close(r.value('gmin'), [
      [0, 0, 0, 0],
      [0.5, 0.5, 0, 0],
    ]);
  });

  it('pow w.r.t. the exponent uses log(x) only where x > 0', () => {
    const r = ok(`
x = variable([-2.0, 0.0, 2.0])
p = variable([3.0, 3.0, 3.0])
g = gradients(x ** p, [x, p])
`);
    close(r.value('g'), [
      [12, 0, 12],
      [0, 0, 8 * Math.log(2)],
    ]);
  });

  it('sigmoid_cross_entropy_with_logits at z = 0 gives sigmoid(0) - label', () => {
    const r = ok(`
z = variable([0.0, 0.0])
labels = constant([0.0, 1.0])
g = gradients(sigmoid_cross_entropy_with_logits(labels=labels, logits=z), z)[0]
`);
    close(r.value('g'), [0.5, -0.5]);
  });

  it('gather with repeated indices accumulates', () => {
    const r = ok(`
p = variable([10.0, 20.0, 30.0])
g = gradients(gather(p, [2, 2, 0, 2]), p)[0]
`);
    close(r.value('g'), [1, 0, 3]);
  });

  it('floor, ceil and round have no gradient (None), as TensorFlow registers them', () => {
    const r = ok(`
x = variable([0.3, 1.7])
g = gradients([floor(x), ceil(x), round(x)], x)
h = gradients(floor(x) + x, x)[0]
`);
    expect(r.value('g')).toEqual([null]);
    close(r.value('h'), [1, 1]);
  });

  it('a check across a kink is reported as information, not as a failure', () => {
    const r = run(`
x = variable([-1.0, 0.0, 2.0])
check gradients(relu(x), x)
`);
    const [c] = r.a.checks;
    expect(r.errors()).toEqual([]);
    expect(c.passed).toBe(true);
    const info = r
      .diags('information')
      .map((d) => d.message)
      .join('\n');
    expect(info).toMatch(/x\[1\]/);
    expect(info).toMatch(/kink/);
    expect(info).toMatch(/relu/);
  });
});

describe('nodes shared between gradients', () => {
  // The bench's chain: h_i = tanh(h_{i-1} @ w0) + 0.01 h_{i-1}, a gradient every `every` layers.
  const chain = (layers: number, every: number, only?: number) => {
    const lines = [
      'x = placeholder(float32, [None, 4])',
      'feed x = uniform([3, 4], seed=1)',
      'w0 = variable(uniform([4, 4], seed=2))',
      'h0 = x',
    ];
    for (let i = 1; i <= layers; i++) {
      lines.push(`h${i} = tanh(h${i - 1} @ w0) + 0.01 * h${i - 1}`);
      // A gradient left out is a comment of its own line, so every line keeps its number.
      if (i % every === 0) lines.push(only === undefined || only === i ? `g${i} = gradients(reduce_sum(h${i}), w0)` : `# g${i} left out`);
    }
    return lines.join('\n') + '\n';
  };
  const bits = (a: Analysis, name: string) => {
    const b = a.bindings.find((x) => x.name === name)!;
    const node = b.value.kind === 'list' && b.value.items[0].kind === 'tensor' ? b.value.items[0].node : null;
    return Array.from(new Uint32Array(Float32Array.from(a.valueOf(node!)!.data).buffer));
  };

  it('each gradient of a chain equals, bit for bit and in its explanation, the same gradient taken alone', () => {
    const all = analyze(chain(24, 6));
    expect(all.diagnostics).toEqual([]);
    for (const k of [6, 12, 18, 24]) {
      const alone = analyze(chain(24, 6, k));
      expect(bits(all, `g${k}`), `g${k}`).toEqual(bits(alone, `g${k}`));
      const site = (a: Analysis) => a.gradientSites.find((s) => a.bindings.find((b) => b.name === `g${k}`)!.gradient === s)!;
      const explained = (a: Analysis) => {
        const e = explainSite(a, site(a), 0);
        return [e.text, e.fanOut, e.method, e.meaning];
      };
      expect(explained(all)).toEqual(explained(alone));
    }
  });

  it("builds a layer's 1 − tanh² once for all the gradients through it, not once per gradient", () => {
    const count = (a: Analysis, op: string) => a.graph.nodes.filter((n) => n.op.name === op).length;
    const all = analyze(chain(24, 6));
    // Four gradients through 24, 18, 12 and 6 layers: one square per layer, where each
    // gradient made its own (60) before.
    expect(count(all, 'square')).toBe(24);
    // The nodes that carry the incoming gradient stay each gradient's own: per gradient of k
    // layers, k of dy·(1 − tanh²) and k − 1 of dy·0.01 (none into h0 = x, which does not
    // reach w0), beside the forward graph's 24.
    expect(count(all, 'multiply')).toBe(24 + [24, 18, 12, 6].reduce((sum, k) => sum + 2 * k - 1, 0));
  });

  it('never shares a node a binding named: two equal gradients stay two values', () => {
    const r = ok(`
x = variable([1.5, -2.5])
g1 = gradients(sign(x), x)
g2 = gradients(sign(x), x)
`);
    close(r.value('g1'), [[0, 0]]);
    close(r.value('g2'), [[0, 0]]);
    const a = r.a;
    const node = (name: string) => {
      const v = a.bindings.find((b) => b.name === name)!.value;
      return v.kind === 'list' && v.items[0].kind === 'tensor' ? v.items[0].node : null;
    };
    expect(node('g1')).not.toBe(node('g2'));
    expect(node('g2')!.label).toBe('g2');
  });
});
