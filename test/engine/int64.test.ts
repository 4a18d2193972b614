// int64, a dtype of its own: spelled as TensorFlow and NumPy spell it, accepted by every op
// whose TensorFlow kernel takes int64, printed and serialised as NumPy prints int64, and held
// exactly within ±(2^53 - 1) (a diagnostic past that). TensorFlow.js has no int64: values
// within int32 are compared with its int32 kernels, the rest are derived by hand.

import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { run as analyseLoosely } from '../support/engine';
import { node, run, value } from '../support/ops';
import { formatTensor } from '../../engine/format/numpy';
import { tensorToJson } from '../../engine/format/json';
import type { Tensor } from '../../engine/tensor';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const arr = (t: Tensor) => Array.from(t.data as ArrayLike<number>);

describe('int64: a dtype', () => {
  it('is spelled int64, tf.int64, np.int64 and "int64"', () => {
    const a = run(
      [
        'a = placeholder(int64, [2])',
        'b = placeholder(tf.int64, [2])',
        'c = placeholder(np.int64, [2])',
        "d = placeholder('int64', [2])",
        'e = zeros([2], dtype=tf.int64)',
      ].join('\n'),
    );
    for (const name of ['a', 'b', 'c', 'd', 'e']) expect(node(a, name).type.dtype).toBe('int64');
    expect(arr(value(a, 'e'))).toEqual([0, 0]);
  });

  it('prints as NumPy prints int64 and is "int64" in JSON', () => {
    const a = run('x = placeholder(int64, [2, 2])\nfeed x = [[1, -20], [3000000000, 4]]');
    const t = value(a, 'x');
    expect(t.dtype).toBe('int64');
    expect(formatTensor(t)).toBe('[[         1        -20]\n [3000000000          4]]');
    expect(tensorToJson(t)).toEqual({ dtype: 'int64', shape: [2, 2], data: [1, -20, 3000000000, 4] });
  });

  it('is not differentiable: gradients with respect to an int64 tensor are None', () => {
    const a = run('x = placeholder(int64, [2])\nfeed x = [1, 2]\ny = cast(x, float32) * 2.\ng = gradients(y, x)');
    const g = a.lookup('g')!.value;
    expect(g.kind === 'list' && g.items[0].kind).toBe('none');
  });
});

/** Sources binding `r<i>` to `op(x, y)` for each op, over int64 and over int32 inputs. */
function binaryOps(ops: string[], xs: number[], ys: number[], dtype: 'int64' | 'int32'): string {
  const lines = [
    `x = placeholder(${dtype}, [${xs.length}])`,
    `feed x = [${xs.join(', ')}]`,
    `y = placeholder(${dtype}, [${ys.length}])`,
    `feed y = [${ys.join(', ')}]`,
  ];
  ops.forEach((op, i) => lines.push(`r${i} = ${op}(x, y)`));
  return lines.join('\n');
}

describe('int64 arithmetic', () => {
  const xs = [7, -7, 12, 0, -3, 9];
  const ys = [2, 2, -5, 3, -3, 1];

  it('matches the int32 kernels of TensorFlow.js on values within int32', () => {
    const ops: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][] = [
      ['add', tf.add],
      ['subtract', tf.sub],
      ['multiply', tf.mul],
      ['floordiv', tf.floorDiv],
      ['mod', tf.mod],
      ['maximum', tf.maximum],
      ['minimum', tf.minimum],
      ['squared_difference', tf.squaredDifference],
    ];
    const a = run(
      binaryOps(
        ops.map(([n]) => n),
        xs,
        ys,
        'int64',
      ),
    );
    const x = tf.tensor(xs, undefined, 'int32');
    const y = tf.tensor(ys, undefined, 'int32');
    ops.forEach(([name, f], i) => {
      const t = value(a, `r${i}`);
      expect(t.dtype, name).toBe('int64');
      expect(arr(t), name).toEqual(Array.from(f(x, y).dataSync()));
    });
  });

  it('true division gives float64, comparisons bool, as TensorFlow', () => {
    const a = run(binaryOps(['divide', 'less', 'equal'], xs, ys, 'int64'));
    expect(value(a, 'r0').dtype).toBe('float64');
    expect(arr(value(a, 'r0'))).toEqual(xs.map((v, i) => v / ys[i]));
    expect(value(a, 'r1').dtype).toBe('bool');
    expect(arr(value(a, 'r1'))).toEqual(xs.map((v, i) => (v < ys[i] ? 1 : 0)));
    expect(arr(value(a, 'r2'))).toEqual(xs.map((v, i) => (v === ys[i] ? 1 : 0)));
  });

  it('is exact past int32 (by hand), where int32 wraps around as TensorFlow', () => {
    const big = [3000000000, -4000000000, 2 ** 50];
    const small = [3, 7, 2];
    const a64 = run(binaryOps(['add', 'multiply', 'floordiv', 'mod'], big, small, 'int64'));
    expect(arr(value(a64, 'r0'))).toEqual([3000000003, -3999999993, 2 ** 50 + 2]);
    expect(arr(value(a64, 'r1'))).toEqual([9000000000, -28000000000, 2 ** 51]);
    expect(arr(value(a64, 'r2'))).toEqual([1000000000, -571428572, 2 ** 49]);
    expect(arr(value(a64, 'r3'))).toEqual([0, 4, 0]);
    // 3^33 is exact; Math.pow(3, 33) is not.
    expect(arr(value(run(binaryOps(['pow'], [3, -2], [33, 51], 'int64')), 'r0'))).toEqual([5559060566555523, -2251799813685248]);
    // pow of an int64 that leaves the exact range is a diagnostic, not a rounded value.
    const p = analyseLoosely(binaryOps(['pow'], [3, 3], [33, 34], 'int64'));
    expect(p.errors().map((d) => d.code)).toEqual(['int64-range']);
    expect(p.errors()[0].message).toMatch(/pow: the int64 value 166771816996665\d\d \(index 1\)/);
    // int32 products and powers wrap (two's complement), as TensorFlow's and TF.js's kernels.
    const a32 = run(binaryOps(['multiply', 'pow'], [65536, 46341, 3], [65536, 46341, 21], 'int32'));
    const x32 = tf.tensor([65536, 46341, 3], undefined, 'int32');
    const y32 = tf.tensor([65536, 46341, 21], undefined, 'int32');
    expect(arr(value(a32, 'r0'))).toEqual(Array.from(tf.mul(x32, y32).dataSync()));
    expect(arr(value(a32, 'r0'))).toEqual([0, -2147479015, 63]);
    expect(arr(value(a32, 'r1')).slice(2)).toEqual([1870418611]);
    expect(arr(value(a32, 'r1'))[2]).toBe(Array.from(tf.pow(x32, y32).dataSync())[2]);
  });

  it('refuses a result past ±(2^53 - 1) with a diagnostic at the node', () => {
    const r = analyseLoosely('x = placeholder(int64, [1])\nfeed x = [4294967296]\ny = x * x');
    const errors = r.errors();
    expect(errors.map((d) => d.code)).toEqual(['int64-range']);
    expect(errors[0].message).toBe(
      'multiply: the int64 value 18446744073709551616 (index 0) is outside ±9007199254740991: tgraph holds int64 exactly only within ±(2^53 - 1)',
    );
    expect(r.pos(errors[0].span)).toMatchObject({ line: 3, column: 5 });
  });

  it('integer division and modulo by zero are errors, as for int32', () => {
    const r = analyseLoosely(binaryOps(['floordiv', 'mod'], [1], [0], 'int64'));
    expect(r.errors().map((d) => d.code)).toEqual(['division-by-zero', 'division-by-zero']);
  });

  it('unary ops that take integers', () => {
    const a = run(
      'x = placeholder(int64, [4])\nfeed x = [-3, 0, 5, -3000000000]\nn = negative(x)\nb = abs(x)\ns = sign(x)\nq = square(x[0:3] * 1000000)\nr = relu(x)',
    );
    expect(arr(value(a, 'n'))).toEqual([3, 0, -5, 3000000000]);
    expect(arr(value(a, 'b'))).toEqual([3, 0, 5, 3000000000]);
    expect(arr(value(a, 's'))).toEqual([-1, 0, 1, -1]);
    expect(arr(value(a, 'q'))).toEqual([9e12, 0, 25e12]);
    expect(arr(value(a, 'r'))).toEqual([0, 0, 5, 0]);
  });
});

describe('int64 in reductions, casts and shape ops', () => {
  const src = `
x = placeholder(int64, [2, 3])
feed x = [[1, -2, 3000000000], [4, 5, -6]]
s = reduce_sum(x, axis=1)
p = reduce_prod(x, axis=0)
mx = reduce_max(x)
mn = reduce_min(x, axis=1)
m = reduce_mean(x, axis=0)
cs = cumsum(x, axis=1)
am = argmax(x, axis=1)
am32 = argmax(x, axis=1, output_type=int32)
nz = count_nonzero(x)
f = cast(x, float32)
i32 = cast(x, int32)
back = cast([2.9, -2.9, 1e10], int64)
t = transpose(x)
r = reshape(x, [3, 2])
c = concat([x, x], axis=0)
st = stack([x[0], x[1]])
g = gather(x, constant([1, 0, 1], dtype=int64), axis=1)
oh = one_hot(constant([2, 0], dtype=int64), 3)
rg = range(constant(2, dtype=int64), 6)
sh = shape(x, out_type=int64)
sz = size(x, out_type=tf.int64)
w = where(x > 0, x, zeros_like(x))
tl = tile(x[0:1], [2, 1])
pd = pad(x, [[0, 0], [1, 0]])
`;
  it('gives the values TensorFlow gives (by hand; int64 past int32 in column 2)', () => {
    const a = run(src);
    expect(arr(value(a, 's'))).toEqual([2999999999, 3]);
    expect(arr(value(a, 'p'))).toEqual([4, -10, -18000000000]);
    expect(arr(value(a, 'mx'))).toEqual([3000000000]);
    expect(arr(value(a, 'mn'))).toEqual([-2, -6]);
    // The mean of integers truncates toward zero (TensorFlow's integer division).
    expect(arr(value(a, 'm'))).toEqual([2, 1, 1499999997]);
    expect(arr(value(a, 'cs'))).toEqual([1, -1, 2999999999, 4, 9, 3]);
    expect(value(a, 'am').dtype).toBe('int64');
    expect(arr(value(a, 'am'))).toEqual([2, 1]);
    expect(value(a, 'am32').dtype).toBe('int32');
    expect(value(a, 'nz').dtype).toBe('int64');
    expect(arr(value(a, 'nz'))).toEqual([6]);
    expect(arr(value(a, 'f'))).toEqual([1, -2, 3000000000, 4, 5, -6]);
    // int64 → int32 keeps the low 32 bits, as TensorFlow's cast.
    expect(arr(value(a, 'i32'))).toEqual([1, -2, 3000000000 - 2 ** 32, 4, 5, -6]);
    expect(arr(value(a, 'back'))).toEqual([2, -2, 1e10]);
    expect(arr(value(a, 't'))).toEqual([1, 4, -2, 5, 3000000000, -6]);
    expect(value(a, 'r').shape).toEqual([3, 2]);
    expect(arr(value(a, 'c')).slice(6)).toEqual([1, -2, 3000000000, 4, 5, -6]);
    expect(value(a, 'st').dtype).toBe('int64');
    expect(arr(value(a, 'g'))).toEqual([-2, 1, -2, 5, 4, 5]);
    expect(arr(value(a, 'oh'))).toEqual([0, 0, 1, 1, 0, 0]);
    expect(value(a, 'rg').dtype).toBe('int64');
    expect(arr(value(a, 'rg'))).toEqual([2, 3, 4, 5]);
    expect(value(a, 'sh').dtype).toBe('int64');
    expect(arr(value(a, 'sh'))).toEqual([2, 3]);
    expect(value(a, 'sz').dtype).toBe('int64');
    expect(arr(value(a, 'w'))).toEqual([1, 0, 3000000000, 4, 5, 0]);
    expect(arr(value(a, 'tl'))).toEqual([1, -2, 3000000000, 1, -2, 3000000000]);
    expect(arr(value(a, 'pd'))).toEqual([0, 1, -2, 3000000000, 0, 4, 5, -6]);
    for (const name of ['s', 'p', 'mx', 'm', 'cs', 't', 'r', 'c', 'g', 'w', 'tl', 'pd']) expect(value(a, name).dtype, name).toBe('int64');
  });

  it('sparse softmax cross-entropy takes int64 labels, with the gradient checked', () => {
    const a = run(`
logits = placeholder(float32, [2, 3])
feed logits = [[0.5, -1., 2.], [1., 0.25, -0.5]]
labels = constant([2, 0], dtype=int64)
loss = sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
check gradients(loss, logits)
`);
    const logits = tf.tensor([
      [0.5, -1, 2],
      [1, 0.25, -0.5],
    ]);
    const want = tf.losses.softmaxCrossEntropy(
      tf.oneHot(tf.tensor([2, 0], undefined, 'int32'), 3),
      logits,
      undefined,
      undefined,
      tf.Reduction.NONE,
    );
    const got = arr(value(a, 'loss'));
    Array.from(want.dataSync()).forEach((w, i) => expect(got[i]).toBeCloseTo(w, 5));
    expect(a.checks[0].passed).toBe(true);
  });
});
