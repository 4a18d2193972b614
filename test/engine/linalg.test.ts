// Linear algebra: matmul (batched, broadcasting, transposes, `@`), einsum (any subscripts:
// diagonals, traces, '...', implicit output, 1..N operands), tensordot, trace,
// matrix_diag_part and matrix_transpose. Values against TensorFlow.js where it has the op
// (tfjs's einsum only takes two operands without repeated labels or '...': every other
// form is compared with a naive loop over all label assignments written here), gradients
// against float64 central differences with `check gradients`, including second derivatives.

import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { analyze } from '../../engine/analysis';
import type { Tensor } from '../../engine/tensor';
import {
  arr,
  errorsOf,
  expectChecksPass,
  expectClose,
  expectCloseTf,
  quietCpuBackend,
  run,
  staticShape,
  toTf,
  value,
} from '../support/numeric';

beforeAll(quietCpuBackend);

/**
 * The reference einsum: loops over every assignment of every label (letters only, explicit
 * `->`), adding the product of the operands' entries into the output entry. Repeated labels
 * within an operand read its diagonal; repeated output labels write a diagonal.
 */
function naiveEinsum(equation: string, operands: Tensor[]): { shape: number[]; data: Float64Array } {
  const [lhs, rhs] = equation.split('->');
  const ins = lhs.split(',');
  const size = new Map<string, number>();
  ins.forEach((subs, i) => [...subs].forEach((c, axis) => size.set(c, operands[i].shape[axis])));
  const labels = [...size.keys()];
  const outShape = [...rhs].map((c) => size.get(c)!);
  const out = new Float64Array(outShape.reduce((p, d) => p * d, 1));
  const flatIndex = (subs: string, shape: readonly number[], at: Map<string, number>) =>
    [...subs].reduce((off, c, axis) => off * shape[axis] + at.get(c)!, 0);
  const at = new Map<string, number>(labels.map((c) => [c, 0]));
  const total = labels.reduce((p, c) => p * size.get(c)!, 1);
  for (let step = 0; step < total; step++) {
    let rest = step;
    for (let k = labels.length - 1; k >= 0; k--) {
      const s = size.get(labels[k])!;
      at.set(labels[k], rest % s);
      rest = Math.floor(rest / s);
    }
    let product = 1;
    ins.forEach((subs, i) => (product *= operands[i].data[flatIndex(subs, operands[i].shape, at)]));
    out[flatIndex(rhs, outShape, at)] += product;
  }
  return { shape: outShape, data: out };
}

// ---- matmul ------------------------------------------------------------------------------

describe('matmul', () => {
  it('broadcasts batch axes: [2,1,3,4] @ [5,4,2] -> [2,5,3,2], as tf.matMul', () => {
    const a = run(`a = constant(normal([2, 1, 3, 4], seed=1))
b = constant(normal([5, 4, 2], seed=2))
c = matmul(a, b)
d = a @ b
`);
    expect(staticShape(a, 'c')).toEqual([2, 5, 3, 2]);
    // TF.js's matMul mis-broadcasts [2, 1] against [5] batches: broadcast explicitly first.
    const expected = tf.matMul(tf.broadcastTo(toTf(value(a, 'a')), [2, 5, 3, 4]), tf.broadcastTo(toTf(value(a, 'b')), [2, 5, 4, 2]));
    expectCloseTf(value(a, 'c'), expected, 'matmul');
    expect(arr(value(a, 'd'))).toEqual(arr(value(a, 'c')));
  });

  it('transpose_a / transpose_b in all four combinations, batched, as tf.matMul', () => {
    const a = run(`a = constant(normal([3, 4, 5], seed=3))
b = constant(normal([3, 5, 2], seed=4))
at = constant(normal([3, 5, 4], seed=5))
bt = constant(normal([3, 2, 5], seed=6))
nn = matmul(a, b)
nt = matmul(a, bt, transpose_b=True)
tn = matmul(at, b, transpose_a=True)
tt = matmul(at, bt, transpose_a=True, transpose_b=True)
adj = matmul(at, bt, adjoint_a=True, adjoint_b=True)
`);
    const [A, B, AT, BT] = ['a', 'b', 'at', 'bt'].map((n) => toTf(value(a, n)));
    expectCloseTf(value(a, 'nn'), tf.matMul(A, B), 'nn');
    expectCloseTf(value(a, 'nt'), tf.matMul(A, BT, false, true), 'nt');
    expectCloseTf(value(a, 'tn'), tf.matMul(AT, B, true, false), 'tn');
    expectCloseTf(value(a, 'tt'), tf.matMul(AT, BT, true, true), 'tt');
    expect(arr(value(a, 'adj'))).toEqual(arr(value(a, 'tt')));
    expect(staticShape(a, 'tt')).toEqual([3, 4, 2]);
  });

  it('int32 matmul is exact; 0 * inf gives NaN as a real dot product does', () => {
    const a = analyze(`i = matmul([[1, 2], [3, 4]], [[5, 6], [7, 8]])
n = matmul([[0., 1.]], [[inf], [1.]])
`);
    expect(value(a, 'i').dtype).toBe('int32');
    expect(arr(value(a, 'i'))).toEqual([19, 22, 43, 50]);
    expect(arr(value(a, 'n'))[0]).toBeNaN();
  });

  it('unknown sizes stay unknown in the static shape and are checked once fed', () => {
    const a = run(`x = placeholder(float32, [None, 3])
feed x = [[1, 2, 3], [4, 5, 6]]
w = constant([[1., 0.], [0., 1.], [1., 1.]])
y = x @ w
u = placeholder(float32, None)
z = matmul(u, w)
`);
    expect(staticShape(a, 'y')).toEqual([null, 2]);
    expect(staticShape(a, 'z')).toBeNull();
    expect(arr(value(a, 'y'))).toEqual([4, 5, 10, 11]);
  });

  it('shape errors point at the offending argument and name both shapes', () => {
    const inner = errorsOf(`a = constant(normal([2, 3]))
c = constant(normal([4, 5]))
y = matmul(a, c)
`);
    expect(inner).toHaveLength(1);
    expect(inner[0][0]).toBe('c');
    expect(inner[0][1]).toContain('[2, 3]');
    expect(inner[0][1]).toContain('[4, 5]');

    const op = errorsOf(`a = constant(normal([2, 3]))
c = constant(normal([4, 5]))
y = a @ c
`);
    expect(op).toHaveLength(1);
    expect(op[0][0]).toBe('c');
    expect(op[0][1]).toMatch(/\[2, 3\].*\[4, 5\]/);

    const rank = errorsOf(`v = constant([1., 2.])
a = constant(normal([2, 3]))
y = matmul(v, a)
`);
    expect(rank).toHaveLength(1);
    expect(rank[0][0]).toBe('v');
    expect(rank[0][1]).toContain('[2]');

    const batch = errorsOf(`a = constant(normal([2, 3, 4]))
b = constant(normal([5, 4, 2]))
y = matmul(a, b)
`);
    expect(batch).toHaveLength(1);
    expect(batch[0][0]).toBe('b');
    expect(batch[0][1]).toContain('[2, 3, 4]');
    expect(batch[0][1]).toContain('[5, 4, 2]');

    const transposed = errorsOf(`a = constant(normal([2, 3]))
b = constant(normal([2, 3]))
y = matmul(a, b, transpose_b=False)
`);
    expect(transposed[0][0]).toBe('b');
  });

  it('gradients match finite differences for every transpose combination and broadcast batches', () => {
    expectChecksPass(
      `a = constant(normal([2, 1, 3, 4], seed=7))
b = constant(normal([5, 4, 2], seed=8))
check gradients(matmul(a, b) ** 2, [a, b])
p = constant(normal([4, 3], seed=9))
q = constant(normal([2, 4], seed=10))
check gradients(matmul(p, q, transpose_a=True, transpose_b=True) ** 2, [p, q])
check gradients(matmul(p, p, transpose_a=True) ** 2, p)
check gradients(matmul(q, q, transpose_b=True) ** 2, q)
m = constant(normal([3, 3], seed=11))
check gradients(matmul(constant(normal([4, 2, 3, 3], seed=12)), m) ** 2, m)
`,
      5,
    );
  });

  it('second derivatives: the gradient of a matmul gradient', () => {
    expectChecksPass(
      `a = constant(normal([3, 4], seed=13))
b = constant(normal([2, 4, 2], seed=14))
ga = gradients(reduce_sum(matmul(a, b) ** 2), a)[0]
check gradients(ga * ga, [a, b])
`,
      1,
    );
  });

  it('gradients unbroadcast over batch axes (TF: summed, not averaged)', () => {
    const a = run(`w = constant([[1., 2.], [3., 4.]])
x = ones([3, 2, 2])
g = gradients(x @ w, w)[0]
`);
    // d sum(x @ w) / dw[k, j] = sum over batch and rows of x[..., i, k] = 3 * 2.
    expect(arr(value(a, 'g'))).toEqual([6, 6, 6, 6]);
  });
});

// ---- einsum ------------------------------------------------------------------------------

describe('einsum', () => {
  it('the forms TF.js supports agree with tf.einsum', () => {
    const src = `a = constant(normal([3, 4], seed=1))
b = constant(normal([4, 5], seed=2))
c = constant(normal([3, 4], seed=3))
v = constant(normal([4], seed=4))
x = constant(normal([2, 3, 4], seed=5))
y = constant(normal([2, 4, 5], seed=6))
mm = einsum('ij,jk->ik', a, b)
tr = einsum('ij->ji', a)
outer = einsum('i,j->ij', v, v)
rows = einsum('ij,ij->i', a, c)
cols = einsum('ij->j', a)
bmm = einsum('bij,bjk->bik', x, y)
dot = einsum('i,i->', v, v)
mv = einsum('ij,j->i', a, v)
`;
    const an = run(src);
    const t = (n: string) => toTf(value(an, n));
    const cases: [string, string, string[]][] = [
      ['mm', 'ij,jk->ik', ['a', 'b']],
      ['tr', 'ij->ji', ['a']],
      ['outer', 'i,j->ij', ['v', 'v']],
      ['rows', 'ij,ij->i', ['a', 'c']],
      ['cols', 'ij->j', ['a']],
      ['bmm', 'bij,bjk->bik', ['x', 'y']],
      ['dot', 'i,i->', ['v', 'v']],
      ['mv', 'ij,j->i', ['a', 'v']],
    ];
    for (const [name, eq, ops] of cases) expectCloseTf(value(an, name), tf.einsum(eq, ...ops.map(t)), name);
  });

  it('repeated labels, reductions, inflation and 3+ operands agree with a naive loop', () => {
    const cases: [string, string, number[][]][] = [
      // [call equation, explicit equation for the reference, operand shapes]
      ['ii->', 'ii->', [[3, 3]]],
      ['ii->i', 'ii->i', [[3, 3]]],
      ['iij->ji', 'iij->ji', [[3, 3, 2]]],
      ['ijk->', 'ijk->', [[2, 3, 4]]],
      ['ijk->kij', 'ijk->kij', [[2, 3, 4]]],
      ['i->ii', 'i->ii', [[3]]],
      [
        'ab,bc->c',
        'ab,bc->c',
        [
          [2, 3],
          [3, 4],
        ],
      ],
      [
        'ab,cd->',
        'ab,cd->',
        [
          [2, 3],
          [3, 4],
        ],
      ],
      [
        'ijj,jk->ik',
        'ijj,jk->ik',
        [
          [2, 3, 3],
          [3, 4],
        ],
      ],
      [
        'aab,bc->ca',
        'aab,bc->ca',
        [
          [3, 3, 2],
          [2, 4],
        ],
      ],
      [
        'ij,jk,kl->il',
        'ij,jk,kl->il',
        [
          [2, 3],
          [3, 4],
          [4, 5],
        ],
      ],
      [
        'ij,jk,kl->',
        'ij,jk,kl->',
        [
          [2, 3],
          [3, 4],
          [4, 2],
        ],
      ],
      [
        'ab,ab,ab->a',
        'ab,ab,ab->a',
        [
          [3, 2],
          [3, 2],
          [3, 2],
        ],
      ],
      [
        'ai,bi,ci,di->abcd',
        'ai,bi,ci,di->abcd',
        [
          [2, 3],
          [2, 3],
          [1, 3],
          [2, 3],
        ],
      ],
      [
        'ij,ji->',
        'ij,ji->',
        [
          [3, 4],
          [4, 3],
        ],
      ],
      [
        'ij,jk',
        'ij,jk->ik',
        [
          [2, 3],
          [3, 4],
        ],
      ],
      ['ba', 'ba->ab', [[2, 3]]],
      ['ii', 'ii->', [[4, 4]]],
      [
        'ij,jk,kl',
        'ij,jk,kl->il',
        [
          [2, 3],
          [3, 4],
          [4, 2],
        ],
      ],
      ['bA', 'bA->Ab', [[2, 3]]],
      [
        'aB,Bc',
        'aB,Bc->ac',
        [
          [2, 3],
          [3, 2],
        ],
      ],
      [
        'i j , j k -> i k',
        'ij,jk->ik',
        [
          [2, 3],
          [3, 2],
        ],
      ],
    ];
    cases.forEach(([eq, explicit, shapes], k) => {
      const names = shapes.map((_, i) => `x${i}`);
      const src =
        shapes.map((s, i) => `${names[i]} = constant(normal([${s.join(', ')}], seed=${10 * k + i}))`).join('\n') +
        `\ny = einsum('${eq}', ${names.join(', ')})\n`;
      const a = run(src);
      const ops = names.map((n) => value(a, n));
      expectClose(value(a, 'y'), naiveEinsum(explicit, ops), `einsum('${eq}')`);
    });
  });

  it("'...' broadcasts batch axes (incl. size 1 and in the middle), as tf.matMul does", () => {
    const a = run(`a = constant(normal([2, 1, 3, 4], seed=21))
b = constant(normal([5, 4, 2], seed=22))
y = einsum('...ij,...jk->...ik', a, b)
z = einsum('...ij,jk->...ik', a, constant(normal([4, 2], seed=23)))
t = einsum('...ij->...ji', a)
m = constant(normal([3, 2, 1, 4], seed=24))
n = constant(normal([4, 5], seed=25))
mid = einsum('i...j,j...->i...', m, n)
imp = einsum('...ij,...jk', a, b)
`);
    expect(staticShape(a, 'y')).toEqual([2, 5, 3, 2]);
    const batched = tf.matMul(tf.broadcastTo(toTf(value(a, 'a')), [2, 5, 3, 4]), tf.broadcastTo(toTf(value(a, 'b')), [2, 5, 4, 2]));
    expectCloseTf(value(a, 'y'), batched, 'batched');
    expect(arr(value(a, 'imp'))).toEqual(arr(value(a, 'y')));
    expectCloseTf(value(a, 't'), tf.transpose(toTf(value(a, 'a')), [0, 1, 3, 2]), 'transpose');
    // mid[i, p, q] = Σ_j m[i, p, 0, j] n[j, q]: the '...' of m is [2, 1], of n is [5] -> [2, 5].
    const M = value(a, 'm');
    const N = value(a, 'n');
    const ref = naiveEinsum('ipj,jq->ipq', [{ ...M, shape: [3, 2, 4] }, N]);
    expectClose(value(a, 'mid'), ref, 'middle ellipsis');
  });

  it('static shapes: unknown sizes propagate, unknown rank with ... gives unknown rank', () => {
    const a = run(`x = placeholder(float32, [None, 3])
feed x = [[1, 2, 3]]
y = einsum('ij,jk->ik', x, ones([3, 2]))
u = placeholder(float32, None)
feed u = ones([2, 3, 4])
z = einsum('...ij->...ji', u)
`);
    expect(staticShape(a, 'y')).toEqual([null, 2]);
    expect(staticShape(a, 'z')).toBeNull();
    expect([...value(a, 'z').shape]).toEqual([2, 4, 3]);
  });

  it('gradients (TF _EinsumGrad) match finite differences for every kind of subscripts', () => {
    expectChecksPass(
      `a = constant(normal([3, 4], seed=31))
b = constant(normal([4, 5], seed=32))
s = constant(normal([3, 3], seed=33))
t3 = constant(normal([3, 3, 2], seed=34))
v = constant(normal([4], seed=35))
check gradients(einsum('ij,jk->ik', a, b) ** 2, [a, b])
check gradients(einsum('ii->', s) ** 2, s)
check gradients(einsum('ii->i', s) ** 2, s)
check gradients(einsum('iij->ji', t3) ** 2, t3)
check gradients(einsum('iij->', t3) ** 2, t3)
check gradients(einsum('abc->ca', t3) ** 2, t3)
check gradients(einsum('i->ii', v) ** 2, v)
check gradients(einsum('ab,bc->c', a, b) ** 2, [a, b])
check gradients(einsum('ij,kl->', a, b) ** 2, [a, b])
t4 = constant(normal([2, 3, 3], seed=38))
check gradients(einsum('ijj,jk->ik', t4, constant(normal([3, 2], seed=36))) ** 2, t4)
check gradients(einsum('ij,jk', a, b) ** 2, [a, b])
check gradients(einsum('ij,jk,kl->il', a, b, constant(normal([5, 2], seed=37))) ** 2, [a, b])
check gradients(einsum('ij,ij,ij->', a, a, a), a)
`,
      13,
    );
  });

  it("gradients with '...' sum back over the axes each operand broadcast", () => {
    expectChecksPass(
      `a = constant(normal([2, 1, 3, 4], seed=41))
b = constant(normal([5, 4, 2], seed=42))
check gradients(einsum('...ij,...jk->...ik', a, b) ** 2, [a, b])
w = constant(normal([4, 2], seed=43))
check gradients(einsum('...ij,jk->...ik', a, w) ** 2, [a, w])
m = constant(normal([3, 2, 1, 4], seed=44))
n = constant(normal([4, 5], seed=45))
check gradients(einsum('i...j,j...->i...', m, n) ** 2, [m, n])
check gradients(einsum('...ii->...i', constant(normal([2, 3, 3], seed=46))) ** 2, [a])
x = constant(normal([2, 3, 3], seed=47))
check gradients(einsum('...ii->...', x) ** 2, x)
check gradients(einsum('...ij->...', x) ** 2, x)
`,
      6,
    );
  });

  it('second derivatives through the einsum gradient', () => {
    expectChecksPass(
      `a = constant(normal([3, 4], seed=51))
b = constant(normal([4, 2], seed=52))
ga = gradients(reduce_sum(einsum('ij,jk->ik', a, b) ** 2), a)[0]
check gradients(ga * ga, [a, b])
s = constant(normal([3, 3], seed=53))
gs = gradients(einsum('ii->', s) ** 3, s)[0]
check gradients(gs * gs, s)
x = constant(normal([2, 1, 3], seed=54))
y = constant(normal([4, 3], seed=55))
gx = gradients(reduce_sum(einsum('...i,...i->...', x, y) ** 2), x)[0]
check gradients(gx * gx, [x, y])
`,
      3,
    );
  });

  it('bad equations and mismatched operands are diagnosed at the argument', () => {
    const src = (line: string) => `a = constant(normal([2, 3]))
c = constant(normal([4, 5]))
s = constant(normal([3, 3]))
y = ${line}
`;
    const count = errorsOf(src(`einsum('ij,jk->ik', a)`));
    expect(count).toHaveLength(1);
    expect(count[0][1]).toMatch(/2 operands but 1 tensor/);

    const size = errorsOf(src(`einsum('ij,jk->ik', a, c)`));
    expect(size).toHaveLength(1);
    expect(size[0][0]).toBe('c');
    expect(size[0][1]).toContain('[2, 3]');
    expect(size[0][1]).toContain('[4, 5]');

    const outLabel = errorsOf(src(`einsum('ij->ik', a)`));
    expect(outLabel[0][0]).toBe(`'ij->ik'`);
    expect(outLabel[0][1]).toContain("'k'");

    const bad = errorsOf(src(`einsum('i$j', a)`));
    expect(bad[0][0]).toBe(`'i$j'`);
    expect(bad[0][1]).toContain("'$'");

    const rank = errorsOf(src(`einsum('ijk->', a)`));
    expect(rank[0][0]).toBe('a');
    expect(rank[0][1]).toContain('[2, 3]');

    const diag = errorsOf(src(`einsum('ii->i', a)`));
    expect(diag[0][0]).toBe('a');

    const ellipsis = errorsOf(src(`einsum('...j->j', a)`));
    expect(ellipsis[0][1]).toContain("'...'");

    const third = errorsOf(src(`einsum('ij,jk,kl->il', a, s, c)`));
    expect(third[0][0]).toBe('c');
    expect(third[0][1]).toMatch(/operand 2/);

    const listed = errorsOf(src(`einsum('ij,jk->ik', [a, a])`));
    expect(listed[0][1]).toMatch(/separate arguments/);

    const twoArrows = errorsOf(src(`einsum('i->j->i', a)`));
    expect(twoArrows[0][1]).toContain("'->'");

    const dtype = errorsOf(src(`einsum('ij,jk->ik', a, [[1], [2], [3]])`));
    expect(dtype).toHaveLength(0);
    const ints = errorsOf(src(`einsum('i,i->', [True], [False])`));
    expect(ints[0][1]).toMatch(/numeric/);
  });
});

// ---- tensordot, trace, diag, transpose ---------------------------------------------------

describe('tensordot', () => {
  it('axes as an int, a pair of lists, a pair of ints, 0 and negative axes', () => {
    const a = run(`a = constant(normal([2, 3, 4], seed=61))
b = constant(normal([4, 5], seed=62))
c = constant(normal([3, 4, 2], seed=63))
v = constant(normal([3], seed=64))
t1 = tensordot(a, b, axes=1)
t2 = tensordot(a, c, axes=[[1, 2], [0, 1]])
t0 = tensordot(v, v, axes=0)
tn = tensordot(a, c, [[-2], [0]])
tp = tensordot(a, b, [2, 0])
`);
    const [A, B, C, V] = ['a', 'b', 'c', 'v'].map((n) => value(a, n));
    expectClose(value(a, 't1'), naiveEinsum('ijk,kl->ijl', [A, B]), 't1');
    expectClose(value(a, 't2'), naiveEinsum('ijk,jkl->il', [A, C]), 't2');
    expectClose(value(a, 't0'), naiveEinsum('i,j->ij', [V, V]), 't0');
    expectClose(value(a, 'tn'), naiveEinsum('ijk,jlm->iklm', [A, C]), 'tn');
    expectClose(value(a, 'tp'), naiveEinsum('ijk,kl->ijl', [A, B]), 'tp');
    // TF.js has no tensordot: reshape + matmul, which is how TensorFlow builds it.
    const ref = tf.matMul(tf.reshape(toTf(A), [6, 4]), toTf(B)).reshape([2, 3, 5]);
    expectCloseTf(value(a, 't1'), ref, 't1 vs reshape+matmul');
  });

  it('gradients match finite differences; mismatched axes name both shapes', () => {
    expectChecksPass(
      `a = constant(normal([2, 3, 4], seed=65))
c = constant(normal([3, 4, 2], seed=66))
check gradients(tensordot(a, c, axes=[[1, 2], [0, 1]]) ** 2, [a, c])
check gradients(tensordot(a, c, axes=0) ** 2, [a, c])
`,
      2,
    );
    const e = errorsOf(`a = constant(normal([2, 3]))
b = constant(normal([4, 5]))
y = tensordot(a, b, axes=1)
`);
    expect(e).toHaveLength(1);
    expect(e[0][0]).toBe('b');
    expect(e[0][1]).toContain('[2, 3]');
    expect(e[0][1]).toContain('[4, 5]');
    expect(errorsOf(`y = tensordot([1., 2.], [1., 2.], axes=3)`)[0][0]).toBe('3');
    expect(errorsOf(`y = tensordot([1., 2.], [1., 2.], axes=[[0], [0, 0]])`)).toHaveLength(1);
  });
});

describe('trace, matrix_diag_part, matrix_transpose', () => {
  it('trace sums the diagonal of the last two axes, batched and rectangular', () => {
    const a = run(`x = constant(normal([2, 3, 3], seed=71))
r = constant(normal([3, 4], seed=72))
t = trace(x)
tr = trace(r)
d = matrix_diag_part(r)
m = matrix_transpose(x)
i = trace([[1, 2], [3, 4]])
`);
    const X = value(a, 'x');
    expectClose(value(a, 't'), naiveEinsum('bii->b', [X]), 'trace');
    const R = value(a, 'r');
    expectClose(value(a, 'tr'), { shape: [], data: [R.data[0] + R.data[5] + R.data[10]] }, 'rectangular trace');
    expectClose(value(a, 'd'), { shape: [3], data: [R.data[0], R.data[5], R.data[10]] }, 'diag part');
    expectCloseTf(value(a, 'm'), tf.transpose(toTf(X), [0, 2, 1]), 'matrix_transpose');
    expect(value(a, 'i').dtype).toBe('int32');
    expect(arr(value(a, 'i'))).toEqual([5]);
  });

  it('gradients match finite differences, also second order', () => {
    expectChecksPass(
      `x = constant(normal([2, 3, 3], seed=73))
r = constant(normal([3, 4], seed=74))
check gradients(trace(x) ** 2, x)
check gradients(trace(r) ** 2, r)
check gradients(matrix_transpose(r) * constant(normal([4, 3], seed=75)), r)
check gradients(matrix_diag_part(x) ** 2, x)
g = gradients(trace(x @ x) ** 2, x)[0]
check gradients(g * g, x)
`,
      5,
    );
  });

  it('rank errors point at the argument', () => {
    expect(errorsOf(`v = constant([1., 2.])\ny = trace(v)\n`)[0][0]).toBe('v');
    expect(errorsOf(`v = constant([1., 2.])\ny = matrix_transpose(v)\n`)[0][0]).toBe('v');
  });
});
