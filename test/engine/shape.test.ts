// Shape and movement ops: values against TensorFlow.js (CPU backend), gradients against
// float64 central differences (`check gradients`), static shapes with unknown sizes, and
// diagnostics that point at the offending argument.

import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { analyze } from '../../engine/analysis';
import { diagnostic, expectChecksPass, expectClose, listValues, node, run, staticShape, toTf, value } from '../support/ops';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('squeeze', () => {
  const src = `
x = placeholder(float32, [1, 3, 1, 2])
feed x = uniform([1, 3, 1, 2], -2, 2, seed=1)
a = squeeze(x)
b = squeeze(x, [0])
c = squeeze(x, axis=-2)
d = squeeze(x, [0, 2])
check gradients(reduce_sum(sin(a)), x)
check gradients(reduce_sum(sin(c) * c), x)
`;
  it('matches tf.squeeze', () => {
    const a = run(src);
    const x = toTf(value(a, 'x'));
    expectClose(value(a, 'a'), tf.squeeze(x));
    expectClose(value(a, 'b'), tf.squeeze(x, [0]));
    expectClose(value(a, 'c'), tf.squeeze(x, [-2]));
    expectClose(value(a, 'd'), tf.squeeze(x, [0, 2]));
    expect(staticShape(a, 'c')).toEqual([1, 3, 2]);
    expectChecksPass(a, 2);
  });

  it('follows TensorFlow on unknown sizes: squeeze() of [?, 1] has unknown rank, squeeze(axis) does not', () => {
    const a = run(`
x = placeholder(float32, [None, 1])
feed x = [[1], [2], [3]]
a = squeeze(x)
b = squeeze(x, 1)
`);
    expect(staticShape(a, 'a')).toBeNull();
    expect(staticShape(a, 'b')).toEqual([null]);
    expect(Array.from(value(a, 'a').data)).toEqual([1, 2, 3]);
    expect(value(a, 'a').shape).toEqual([3]);
  });

  it('refuses to squeeze a size that is not 1, pointing at axis', () => {
    const a = analyze('x = placeholder(float32, [4, 3])\ny = squeeze(x, axis=1)\n');
    const d = diagnostic(a, 'cannot squeeze axis 1 of size 3');
    expect(d.at).toBe('1');
    expect(d.message).toContain('[4, 3]');
  });

  it('reports a runtime size that is not 1 at evaluation', () => {
    const a = analyze('x = placeholder(float32, [None, 3])\nfeed x = [[1, 2, 3], [4, 5, 6]]\ny = squeeze(x, 0)\n');
    expect(diagnostic(a, 'cannot squeeze axis 0 of size 2').at).toBe('squeeze(x, 0)');
  });
});

describe('concat', () => {
  const src = `
x = placeholder(float32, [2, 3])
feed x = uniform([2, 3], -2, 2, seed=2)
y = placeholder(float32, [2, 1])
feed y = uniform([2, 1], -2, 2, seed=3)
z = placeholder(float32, [4, 3])
feed z = uniform([4, 3], -2, 2, seed=4)
a = concat([x, y, x], 1)
b = concat([x, z], axis=0)
c = concat([x, y], -1)
d = concat([x], 0)
check gradients(reduce_sum(sin(a)), [x, y])
check gradients(reduce_sum(sin(b) * b), [x, z])
check gradients(reduce_sum(sin(c)), [x, y])
`;
  it('matches tf.concat', () => {
    const a = run(src);
    const [x, y, z] = ['x', 'y', 'z'].map((n) => toTf(value(a, n)));
    expectClose(value(a, 'a'), tf.concat([x, y, x], 1));
    expectClose(value(a, 'b'), tf.concat([x, z], 0));
    expectClose(value(a, 'c'), tf.concat([x, y], -1));
    expectClose(value(a, 'd'), x);
    expectChecksPass(a, 3);
  });

  it('concatenates 3-D tensors along the middle axis', () => {
    const a = run(`
x = constant(uniform([2, 2, 3], seed=5))
y = constant(uniform([2, 4, 3], seed=6))
c = concat([y, x, y], 1)
`);
    expectClose(value(a, 'c'), tf.concat([toTf(value(a, 'y')), toTf(value(a, 'x')), toTf(value(a, 'y'))], 1));
  });

  it('takes the rows of a nested list literal as the tensors (as TensorFlow)', () => {
    const a = run('c = concat([[1, 2], [3, 4, 5]], 0)\nd = concat([[1, 2], [3, 4]], 0)\n');
    expect(Array.from(value(a, 'c').data)).toEqual([1, 2, 3, 4, 5]);
    expect(Array.from(value(a, 'd').data)).toEqual([1, 2, 3, 4]);
    expect(value(a, 'd').dtype).toBe('int32');
  });

  it('has unknown axis size when an input size is unknown, and its gradient slices at runtime offsets', () => {
    const a = run(`
x = placeholder(float32, [None, 3])
feed x = uniform([2, 3], -1, 1, seed=7)
y = placeholder(float32, [None, 3])
feed y = uniform([4, 3], -1, 1, seed=8)
c = concat([x, y, x], 0)
gx = gradients(c * c, x)[0]
gy = gradients(c * c, y)[0]
check gradients(reduce_sum(sin(c)), [x, y])
`);
    expect(staticShape(a, 'c')).toEqual([null, 3]);
    expect(value(a, 'c').shape).toEqual([8, 3]);
    // x appears twice in c: its gradient is the sum of both slices, 2 * 2x.
    const x = value(a, 'x').data;
    const gx = value(a, 'gx').data;
    for (let i = 0; i < x.length; i++) expect(gx[i]).toBeCloseTo(4 * x[i], 5);
    const y = value(a, 'y').data;
    const gy = value(a, 'gy').data;
    for (let i = 0; i < y.length; i++) expect(gy[i]).toBeCloseTo(2 * y[i], 5);
    expectChecksPass(a, 1);
  });

  it('differentiates twice (the slice of dy has a gradient of its own)', () => {
    const a = run(`
x = placeholder(float32, [2, 2])
feed x = uniform([2, 2], -1, 1, seed=9)
y = placeholder(float32, [2, 3])
feed y = uniform([2, 3], -1, 1, seed=10)
c = concat([x, y], 1)
g = gradients(reduce_sum(sin(c)), x)[0]
check gradients(reduce_sum(g * g), x)
h = hessians(reduce_sum(sin(c)), x)[0]
`);
    expectChecksPass(a, 1);
    const x = value(a, 'x').data;
    const h = value(a, 'h');
    expect(h.shape).toEqual([2, 2, 2, 2]);
    // d²/dx² of Σ sin x is diagonal: -sin(x)
    for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) expect(h.data[i * 4 + j]).toBeCloseTo(i === j ? -Math.sin(x[i]) : 0, 5);
  });

  it('points a size mismatch at the list with both shapes', () => {
    const a = analyze('x = placeholder(float32, [4, 3])\ny = placeholder(float32, [3, 2])\nc = concat([x, y], 1)\n');
    const d = diagnostic(a, 'concat');
    expect(d.at).toBe('[x, y]');
    expect(d.message).toContain('[4, 3]');
    expect(d.message).toContain('[3, 2]');
  });

  it('names the element a size came from when a later one conflicts', () => {
    const a = analyze(
      'x = placeholder(float32, [None, 3])\ny = placeholder(float32, [4, 3])\nz = placeholder(float32, [5, 3])\nc = concat([x, y, z], 1)\n',
    );
    expect(diagnostic(a, 'concat').message).toContain('element 2 has shape [5, 3] but element 1 has shape [4, 3]');
  });

  it('points a bad axis at the axis', () => {
    const a = analyze('x = placeholder(float32, [4, 3])\nc = concat([x, x], axis=2)\n');
    const d = diagnostic(a, 'axis 2 is out of range');
    expect(d.at).toBe('2');
    expect(d.message).toContain('[4, 3]');
  });
});

describe('split', () => {
  const src = `
x = placeholder(float32, [4, 6])
feed x = uniform([4, 6], -2, 2, seed=11)
[a0, a1, a2] = split(x, 3, axis=1)
parts = split(x, [1, -1, 2], 1)
rows = split(x, 2)
last = split(x, [2, 4], axis=-1)
check gradients(reduce_sum(sin(a1)) + reduce_sum(a2 * a2), x)
check gradients(reduce_sum(sin(parts[1])), x)
check gradients(reduce_sum(sin(rows[0]) * rows[1]), x)
`;
  it('matches tf.split', () => {
    const a = run(src);
    const x = toTf(value(a, 'x'));
    const equal = tf.split(x, 3, 1);
    ['a0', 'a1', 'a2'].forEach((n, i) => expectClose(value(a, n), equal[i]));
    const sized = tf.split(x, [1, -1, 2], 1);
    listValues(a, 'parts').forEach((t, i) => expectClose(t, sized[i]));
    expect(listValues(a, 'parts')[1].shape).toEqual([4, 3]);
    const rows = tf.split(x, 2);
    listValues(a, 'rows').forEach((t, i) => expectClose(t, rows[i]));
    const last = tf.split(x, [2, 4], -1);
    listValues(a, 'last').forEach((t, i) => expectClose(t, last[i]));
    expectChecksPass(a, 3);
  });

  it('splits an axis of unknown size by a number and checks divisibility at evaluation', () => {
    const ok = run('x = placeholder(float32, [None, 2])\nfeed x = uniform([6, 2], seed=1)\n[a, b, c] = split(x, 3)\n');
    expect(staticShape(ok, 'a')).toEqual([null, 2]);
    expect(value(ok, 'c').shape).toEqual([2, 2]);
    const bad = analyze('x = placeholder(float32, [None, 2])\nfeed x = uniform([5, 2], seed=1)\n[a, b, c] = split(x, 3)\n');
    expect(diagnostic(bad, 'cannot be split into 3 equal parts').message).toContain('[5, 2]');
    // reported once for the split, not once per part
    expect(bad.diagnostics.filter((d) => d.severity === 'error').length).toBe(1);
  });

  it('points bad splits at num_or_size_splits, with the shape', () => {
    const a = analyze(
      'x = placeholder(float32, [4, 6])\n[a, b] = split(x, 4, axis=1)\n[c, d] = split(x, [2, 3], axis=1)\n[e, f] = split(x, [-1, -1], 1)\n',
    );
    const d1 = diagnostic(a, 'cannot be split into 4 equal parts');
    expect(d1.at).toBe('4');
    expect(d1.message).toContain('[4, 6]');
    const d2 = diagnostic(a, 'add up to 5');
    expect(d2.at).toBe('[2, 3]');
    expect(d2.message).toContain('[4, 6]');
    expect(diagnostic(a, 'at most one -1').at).toBe('[-1, -1]');
  });
});

describe('tile', () => {
  const src = `
x = placeholder(float32, [2, 3])
feed x = uniform([2, 3], -2, 2, seed=12)
y = placeholder(float32, [2, 1, 3])
feed y = uniform([2, 1, 3], -2, 2, seed=13)
a = tile(x, [2, 3])
b = tile(y, [1, 2, 2])
c = tile(x, [1, 1])
check gradients(reduce_sum(sin(a)), x)
check gradients(reduce_sum(sin(b) * b), y)
`;
  it('matches tf.tile', () => {
    const a = run(src);
    expectClose(value(a, 'a'), tf.tile(toTf(value(a, 'x')), [2, 3]));
    expectClose(value(a, 'b'), tf.tile(toTf(value(a, 'y')), [1, 2, 2]));
    expectClose(value(a, 'c'), toTf(value(a, 'x')));
    expectChecksPass(a, 2);
  });

  it('sums the gradient over the tiles', () => {
    const a = run(
      'x = placeholder(float32, [None, 2])\nfeed x = [[1, 2], [3, 4]]\nt = tile(x, [3, 2])\ng = gradients(t, x)[0]\ngg = gradients(t * t, x)[0]\n',
    );
    expect(staticShape(a, 't')).toEqual([null, 4]);
    expect(Array.from(value(a, 'g').data)).toEqual([6, 6, 6, 6]);
    // d/dx Σ over 6 copies of x² = 12x
    expect(Array.from(value(a, 'gg').data)).toEqual([12, 24, 36, 48]);
  });

  it('differentiates twice', () => {
    const a = run(`
x = placeholder(float32, [2, 2])
feed x = uniform([2, 2], -1, 1, seed=14)
g = gradients(reduce_sum(sin(tile(x, [2, 3]))), x)[0]
check gradients(reduce_sum(sin(g)), x)
`);
    expectChecksPass(a, 1);
  });

  it('points a multiples/rank mismatch at multiples', () => {
    const a = analyze('x = placeholder(float32, [4, 3])\nt = tile(x, [2, 2, 2])\n');
    const d = diagnostic(a, 'multiples [2, 2, 2]');
    expect(d.at).toBe('[2, 2, 2]');
    expect(d.message).toContain('[4, 3]');
  });
});

describe('broadcast_to', () => {
  it('matches tf.broadcastTo and sums the gradient back', () => {
    const a = run(`
x = placeholder(float32, [3])
feed x = uniform([3], -2, 2, seed=15)
y = placeholder(float32, [2, 1])
feed y = uniform([2, 1], -2, 2, seed=16)
a = broadcast_to(x, [2, 3])
b = broadcast_to(y, [3, 2, 4])
g = gradients(broadcast_to(x, [4, 3]), x)[0]
check gradients(reduce_sum(sin(a)), x)
check gradients(reduce_sum(sin(b) * b), y)
`);
    expectClose(value(a, 'a'), tf.broadcastTo(toTf(value(a, 'x')), [2, 3]));
    expectClose(value(a, 'b'), tf.broadcastTo(toTf(value(a, 'y')), [3, 2, 4]));
    expect(Array.from(value(a, 'g').data)).toEqual([4, 4, 4]);
    expectChecksPass(a, 2);
  });

  it('points an incompatible input at the input with both shapes', () => {
    const a = analyze('x = placeholder(float32, [4, 3])\nb = broadcast_to(x, [2, 4, 4])\n');
    const d = diagnostic(a, 'cannot broadcast');
    expect(d.at).toBe('x');
    expect(d.message).toContain('[4, 3]');
    expect(d.message).toContain('[2, 4, 4]');
  });
});

describe('pad', () => {
  const src = `
x = placeholder(float32, [3, 4])
feed x = uniform([3, 4], -2, 2, seed=17)
c = pad(x, [[1, 2], [0, 3]])
v = pad(x, [[1, 0], [2, 2]], constant_values=1.5)
r = pad(x, [[2, 1], [3, 3]], 'REFLECT')
s = pad(x, [[3, 2], [1, 4]], mode='symmetric')
check gradients(reduce_sum(sin(c) * c), x)
check gradients(reduce_sum(sin(r) * r), x)
check gradients(reduce_sum(sin(s) * s), x)
`;
  it('matches tf.pad and tf.mirrorPad', () => {
    const a = run(src);
    const x = toTf(value(a, 'x'));
    expectClose(
      value(a, 'c'),
      tf.pad(x, [
        [1, 2],
        [0, 3],
      ]),
    );
    expectClose(
      value(a, 'v'),
      tf.pad(
        x,
        [
          [1, 0],
          [2, 2],
        ],
        1.5,
      ),
    );
    expectClose(
      value(a, 'r'),
      tf.mirrorPad(
        x,
        [
          [2, 1],
          [3, 3],
        ],
        'reflect',
      ),
    );
    expectClose(
      value(a, 's'),
      tf.mirrorPad(
        x,
        [
          [3, 2],
          [1, 4],
        ],
        'symmetric',
      ),
    );
    expectChecksPass(a, 3);
  });

  it('pads a 3-D int tensor and keeps its dtype', () => {
    const a = run('x = constant(randint(0, 9, [2, 1, 3], seed=3))\np = pad(x, [[0, 1], [1, 1], [2, 0]], constant_values=7)\n');
    expect(value(a, 'p').dtype).toBe('int32');
    expectClose(
      value(a, 'p'),
      tf.pad(
        toTf(value(a, 'x')),
        [
          [0, 1],
          [1, 1],
          [2, 0],
        ],
        7,
      ),
    );
  });

  it('has a gradient that slices dy (CONSTANT) or folds the mirrored border back (REFLECT)', () => {
    const a = run(`
x = placeholder(float32, [3])
feed x = [1, 2, 3]
gc = gradients(pad(x, [[2, 1]]), x)[0]
gr = gradients(pad(x, [[2, 1]], 'REFLECT'), x)[0]
gs = gradients(pad(x, [[2, 1]], 'SYMMETRIC'), x)[0]
`);
    expect(Array.from(value(a, 'gc').data)).toEqual([1, 1, 1]);
    // REFLECT [3 2 | 1 2 3 | 2]: x1 appears 3 times, x2 twice
    expect(Array.from(value(a, 'gr').data)).toEqual([1, 3, 2]);
    // SYMMETRIC [2 1 | 1 2 3 | 3]
    expect(Array.from(value(a, 'gs').data)).toEqual([2, 2, 2]);
  });

  it('works on unknown sizes and differentiates twice', () => {
    const a = run(`
x = placeholder(float32, [None, 2])
feed x = uniform([3, 2], -1, 1, seed=18)
p = pad(x, [[1, 1], [1, 0]], 'REFLECT')
g = gradients(reduce_sum(sin(p)), x)[0]
check gradients(reduce_sum(sin(g)), x)
`);
    expect(staticShape(a, 'p')).toEqual([null, 3]);
    expect(value(a, 'p').shape).toEqual([5, 3]);
    expectChecksPass(a, 1);
  });

  it('points bad paddings at paddings, with the shape', () => {
    const a = analyze(
      "x = placeholder(float32, [4, 3])\np = pad(x, [[1, 1]])\nq = pad(x, [[0, 0], [3, 0]], 'REFLECT')\nr = pad(x, [[0, 0], [0, 0]], 'WRAP')\n",
    );
    const d1 = diagnostic(a, 'paddings has 1 row');
    expect(d1.at).toBe('[[1, 1]]');
    expect(d1.message).toContain('[4, 3]');
    const d2 = diagnostic(a, 'REFLECT padding of axis 1');
    expect(d2.at).toBe('[[0, 0], [3, 0]]');
    expect(diagnostic(a, 'mode must be').at).toBe("'WRAP'");
  });
});

describe('reverse', () => {
  it('matches tf.reverse', () => {
    const a = run(`
x = placeholder(float32, [2, 3, 4])
feed x = uniform([2, 3, 4], -2, 2, seed=19)
a = reverse(x, [0])
b = reverse(x, axis=[1])
c = reverse(x, [0, 2])
d = reverse(x, [-1])
e = reverse(x, [])
check gradients(reduce_sum(sin(c) * x), x)
check gradients(reduce_sum(sin(d) * x), x)
`);
    const x = toTf(value(a, 'x'));
    expectClose(value(a, 'a'), tf.reverse(x, [0]));
    expectClose(value(a, 'b'), tf.reverse(x, [1]));
    expectClose(value(a, 'c'), tf.reverse(x, [0, 2]));
    expectClose(value(a, 'd'), tf.reverse(x, [-1]));
    expectClose(value(a, 'e'), x);
    expectChecksPass(a, 2);
  });

  it('points a repeated or bad axis at axis', () => {
    const a = analyze('x = placeholder(float32, [4, 3])\nr = reverse(x, [1, -1])\ns = reverse(x, [2])\n');
    expect(diagnostic(a, 'listed more than once').at).toBe('[1, -1]');
    const d = diagnostic(a, 'axis 2 is out of range');
    expect(d.at).toBe('[2]');
    expect(d.message).toContain('[4, 3]');
  });
});

describe('shape, size, rank', () => {
  it('are int32 values of the runtime shape', () => {
    const a = run(`
x = placeholder(float32, [None, 3])
feed x = uniform([5, 3], seed=1)
s = shape(x)
n = size(x)
r = rank(x)
`);
    expect(value(a, 's').dtype).toBe('int32');
    expect(Array.from(value(a, 's').data)).toEqual([5, 3]);
    expect(staticShape(a, 's')).toEqual([2]);
    expect(Array.from(value(a, 'n').data)).toEqual([15]);
    expect(staticShape(a, 'n')).toEqual([]);
    expect(Array.from(value(a, 'r').data)).toEqual([2]);
    expect(node(a, 's').op.name).toBe('shape');
    // The size is unknown statically: the node reads its input at evaluation.
    expect(node(a, 's').inputs.map((n) => n.op.name)).toEqual(['placeholder']);
  });

  it('are known without feeds when the static shape is, so they can be shapes', () => {
    const a = run(`
x = placeholder(float32, [2, 3])
s = shape(x)
n = size(x)
y = reshape(range(6), shape(x))
z = zeros(shape(x))
u = placeholder(float32, [None, 4])
r = rank(u)
`);
    expect(node(a, 's').op.name).toBe('shape');
    expect(node(a, 's').inputs).toEqual([]);
    expect(Array.from(value(a, 's').data)).toEqual([2, 3]);
    expect(Array.from(value(a, 'n').data)).toEqual([6]);
    expect(value(a, 'y').shape).toEqual([2, 3]);
    expect(value(a, 'z').shape).toEqual([2, 3]);
    expect(Array.from(value(a, 'r').data)).toEqual([2]);
  });

  it('has an unknown length for an unknown rank', () => {
    const a = analyze('x = placeholder(float32, None)\ns = shape(x)\nfeed x = [[1, 2]]\n');
    expect(staticShape(a, 's')).toEqual([null]);
    expect(Array.from(a.valueOf(node(a, 's'))!.data)).toEqual([1, 2]);
  });
});

describe('existing movement ops keep working and blame the right argument', () => {
  it('reshape, transpose, expand_dims, stack, unstack', () => {
    const a = run(`
x = placeholder(float32, [2, 3, 4])
feed x = uniform([2, 3, 4], -2, 2, seed=20)
r = reshape(x, [4, -1])
t = transpose(x, [2, 0, 1])
e = expand_dims(x, -1)
s = stack([x, 2 * x], axis=1)
u = unstack(x, axis=2)
check gradients(reduce_sum(sin(t) * t), x)
check gradients(reduce_sum(sin(s)), x)
`);
    const x = toTf(value(a, 'x'));
    expectClose(value(a, 'r'), tf.reshape(x, [4, -1]));
    expectClose(value(a, 't'), tf.transpose(x, [2, 0, 1]));
    expectClose(value(a, 'e'), tf.expandDims(x, -1));
    expectClose(value(a, 's'), tf.stack([x, tf.mul(x, 2)], 1));
    listValues(a, 'u').forEach((t, i) => expectClose(t, tf.unstack(x, 2)[i]));
    expectChecksPass(a, 2);
  });

  it('transposes a tensor of unknown rank and differentiates it', () => {
    const a = run('x = placeholder(float32, None)\nfeed x = [[1, 2, 3], [4, 5, 6]]\ny = transpose(x)\ng = gradients(y * y, x)[0]\n');
    expect(Array.from(value(a, 'g').data)).toEqual([2, 4, 6, 8, 10, 12]);
  });

  it('points reshape, transpose and expand_dims errors at the static argument', () => {
    const a = analyze('x = placeholder(float32, [4, 3])\nr = reshape(x, [5, 2])\nt = transpose(x, [0, 0])\ne = expand_dims(x, 4)\n');
    const d = diagnostic(a, 'cannot reshape 12 elements');
    expect(d.at).toBe('[5, 2]');
    expect(d.message).toContain('[4, 3]');
    expect(diagnostic(a, 'not a permutation').at).toBe('[0, 0]');
    expect(diagnostic(a, 'axis 4 is out of range').at).toBe('4');
  });
});

describe('stack and concat of nested number lists', () => {
  it('see the rows of the literal, as TensorFlow does', () => {
    const a = run('s = stack([[1, 2], [3, 4]])\nt = stack([[1, 2], [3, 4]], axis=1)\nc = concat([[[1, 2]], [[3, 4]]], 1)\n');
    expect(value(a, 's').shape).toEqual([2, 2]);
    expect(Array.from(value(a, 't').data)).toEqual([1, 3, 2, 4]);
    expect(value(a, 'c').shape).toEqual([1, 4]);
    expect(Array.from(value(a, 'c').data)).toEqual([1, 2, 3, 4]);
  });
});
