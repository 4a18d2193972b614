// Indexing (x[...] / strided_slice, slice, gather, gather_nd) and the creation ops
// (one_hot, eye, linspace): values against TensorFlow.js (CPU backend), gradients against
// float64 central differences (`check gradients`), hand-known gradients, and diagnostics.

import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { analyze } from '../../engine/analysis';
import { diagnostic, expectChecksPass, expectClose, node, run, staticShape, toTf, value } from '../support/ops';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

type SS = [
  begin: number[],
  end: number[],
  strides: number[],
  beginMask?: number,
  endMask?: number,
  ellipsisMask?: number,
  newAxisMask?: number,
  shrinkAxisMask?: number,
];

describe('x[...] (strided_slice) follows NumPy/TensorFlow', () => {
  // Each index expression and the tf.stridedSlice call TensorFlow's __getitem__ makes for it.
  const cases: [string, SS][] = [
    ['x[1]', [[1], [2], [1], 0, 0, 0, 0, 1]],
    ['x[-1]', [[-1], [0], [1], 0, 0, 0, 0, 1]],
    ['x[:, 0]', [[0, 0], [0, 1], [1, 1], 1, 1, 0, 0, 2]],
    ['x[1:3]', [[1], [3], [1]]],
    ['x[::2]', [[0], [0], [2], 1, 1]],
    ['x[::-1]', [[0], [0], [-1], 1, 1]],
    ['x[..., 0]', [[0, 0], [0, 1], [1, 1], 0, 0, 1, 0, 2]],
    ['x[:, None]', [[0, 0], [0, 0], [1, 1], 1, 1, 0, 2, 0]],
    ['x[-10:10]', [[-10], [10], [1]]],
    ['x[5:1:-2]', [[5], [1], [-2]]],
    ['x[:, :, ::-2]', [[0, 0, 0], [0, 0, 0], [1, 1, -2], 7, 7]],
    ['x[2, -3:]', [[2, -3], [3, 0], [1, 1], 0, 2, 0, 0, 1]],
    [
      'x[-1:-5:-1, 4:0:-3]',
      [
        [-1, 4],
        [-5, 0],
        [-1, -3],
      ],
    ],
  ];

  it('matches tf.stridedSlice on every case', () => {
    const src = [
      'x = placeholder(float32, [4, 5, 3])',
      'feed x = uniform([4, 5, 3], -2, 2, seed=1)',
      ...cases.map(([e], i) => `y${i} = ${e}`),
    ].join('\n');
    const a = run(src);
    const x = toTf(value(a, 'x'));
    cases.forEach(([expr, args], i) => {
      const [begin, end, strides, bm = 0, em = 0, elm = 0, nm = 0, sm = 0] = args;
      const want = tf.stridedSlice(x, begin, end, strides, bm, em, elm, nm, sm);
      expect(value(a, `y${i}`).shape, expr).toEqual(want.shape);
      expectClose(value(a, `y${i}`), want);
      // static shapes are exact when the input's are known
      expect(node(a, `y${i}`).type.shape, expr).toEqual(want.shape);
    });
  });

  // TensorFlow.js gets these wrong (a shrunk axis after a strided one, an empty slice);
  // the expected values are NumPy's, on x = arange(60).reshape(4, 5, 3).
  it('matches NumPy where TensorFlow.js differs', () => {
    const a = run(`
x = reshape(range(60), [4, 5, 3])
a = x[1:-1, ::-2, 2]
b = x[-2:, -4:-1:2, -1]
c = x[3:1]
d = x[1:3, 10:]
`);
    expect(value(a, 'a').shape).toEqual([2, 3]);
    expect(Array.from(value(a, 'a').data)).toEqual([29, 23, 17, 44, 38, 32]);
    expect(Array.from(value(a, 'b').data)).toEqual([35, 41, 50, 56]);
    expect(value(a, 'c').shape).toEqual([0, 5, 3]);
    expect(value(a, 'd').shape).toEqual([2, 0, 3]);
  });

  it('handles new axes mixed with an ellipsis (NumPy results, written out)', () => {
    const a = run(`
x = reshape(range(24), [2, 3, 4])
a = x[None, ..., ::-1, 1:3]
b = x[..., None]
c = x[1, ..., None, 2]
d = x[...]
e = x[None]
`);
    expect(value(a, 'a').shape).toEqual([1, 2, 3, 2]);
    expect(Array.from(value(a, 'a').data)).toEqual([9, 10, 5, 6, 1, 2, 21, 22, 17, 18, 13, 14]);
    expect(value(a, 'b').shape).toEqual([2, 3, 4, 1]);
    expect(value(a, 'c').shape).toEqual([3, 1]);
    expect(Array.from(value(a, 'c').data)).toEqual([14, 18, 22]);
    expect(value(a, 'd').shape).toEqual([2, 3, 4]);
    expect(value(a, 'e').shape).toEqual([1, 2, 3, 4]);
  });

  it('matches the TensorFlow call strided_slice(x, begin, end, strides, masks)', () => {
    const a = run(`
x = placeholder(float32, [4, 5, 3])
feed x = uniform([4, 5, 3], -2, 2, seed=2)
a = strided_slice(x, [1, 0], [3, 5], [1, 2])
b = strided_slice(x, [0, 0, 1], [0, 0, 2], [1, 1, 1], begin_mask=3, end_mask=3, shrink_axis_mask=4)
c = strided_slice(x, [0, 1], [0, 2], [1, 1], ellipsis_mask=1, new_axis_mask=0)
d = strided_slice(x, [0, 0], [0, 0], [1, -1], begin_mask=3, end_mask=3, new_axis_mask=1)
check gradients(reduce_sum(sin(b)), x)
`);
    const x = toTf(value(a, 'x'));
    expectClose(value(a, 'a'), tf.stridedSlice(x, [1, 0], [3, 5], [1, 2]));
    expectClose(value(a, 'b'), tf.stridedSlice(x, [0, 0, 1], [0, 0, 2], [1, 1, 1], 3, 3, 0, 0, 4));
    expectClose(value(a, 'c'), tf.stridedSlice(x, [0, 1], [0, 2], [1, 1], 0, 0, 1, 0, 0));
    // new axis first, then axis 0 reversed: NumPy x[None, ::-1]
    expect(value(a, 'd').shape).toEqual([1, 4, 5, 3]);
    expectClose(value(a, 'd'), tf.expandDims(tf.reverse(x, [0]), 0));
    expectChecksPass(a, 1);
  });

  it('has gradients that scatter dy back (float64 central differences)', () => {
    const a = run(`
x = placeholder(float32, [4, 5, 3])
feed x = uniform([4, 5, 3], -2, 2, seed=3)
check gradients(reduce_sum(sin(x[1])), x)
check gradients(reduce_sum(sin(x[::-2, 1:4, None, -1])), x)
check gradients(reduce_sum(sin(x[..., ::2]) * x[..., ::2]), x)
check gradients(reduce_sum(sin(x[-10:10, 3:0:-1])), x)
`);
    expectChecksPass(a, 4);
  });

  it('gives the hand-known gradient: ones where the slice reads, zeros elsewhere; repeats add up', () => {
    const a = run(`
x = placeholder(float32, [5])
feed x = [1, 2, 3, 4, 5]
g = gradients(x[::2], x)[0]
h = gradients([x[1:3] * x[1:3], x[::-1], x[:2]], x)[0]
`);
    expect(Array.from(value(a, 'g').data)).toEqual([1, 0, 1, 0, 1]);
    // 2x on x[1:3], plus 1 everywhere from x[::-1], plus 1 on x[:2]
    expect(Array.from(value(a, 'h').data)).toEqual([2, 6, 7, 1, 1]);
  });

  it('differentiates twice (the scatter has the slice as its gradient)', () => {
    const a = run(`
x = placeholder(float32, [3, 4])
feed x = uniform([3, 4], -1, 1, seed=4)
g = gradients(reduce_sum(sin(x[1:, ::-2])), x)[0]
check gradients(reduce_sum(sin(g) * x), x)
`);
    expectChecksPass(a, 1);
  });

  it('slices an axis of unknown size at evaluation, with unknown static sizes', () => {
    const a = run(`
x = placeholder(float32, [None, 3])
feed x = uniform([6, 3], seed=5)
a = x[1:-1, 0]
b = x[-1]
c = x[:, None, ::-1]
check gradients(reduce_sum(sin(a)) + reduce_sum(sin(b)) + reduce_sum(sin(c)), x)
`);
    expect(node(a, 'a').type.shape).toEqual([null]);
    expect(value(a, 'a').shape).toEqual([4]);
    expect(node(a, 'b').type.shape).toEqual([3]);
    expect(node(a, 'c').type.shape).toEqual([null, 1, 3]);
    const x = value(a, 'x').data;
    expect(Array.from(value(a, 'b').data)).toEqual(Array.from(x.subarray(15, 18)));
    expectChecksPass(a, 1);
  });

  it('refuses an out-of-range integer index: statically when the size is known, else at evaluation', () => {
    const s = analyze('x = placeholder(float32, [4, 3])\ny = x[:, 3]\nz = x[-5]\n');
    const d = diagnostic(s, 'index 3 is out of range for axis 1 of size 3');
    expect(d.message).toContain('[4, 3]');
    expect(d.at).toBe('3');
    expect(diagnostic(s, 'index -5 is out of range for axis 0 of size 4').at).toBe('-5');
    const r = analyze('x = placeholder(float32, [None, 3])\nfeed x = [[1, 2, 3], [4, 5, 6]]\ny = x[2]\nz = x[-3]\nw = x[1]\n');
    expect(diagnostic(r, 'index 2 is out of range for axis 0 of size 2').at).toBe('x[2]');
    expect(diagnostic(r, 'index -3 is out of range').at).toBe('x[-3]');
    expect(Array.from(r.valueOf(node(r, 'w'))!.data)).toEqual([4, 5, 6]);
  });

  it('refuses too many indices, two ellipses and a zero step', () => {
    const a = analyze('x = placeholder(float32, [4, 3])\ny = x[0, 0, 0]\nz = x[..., 0, ...]\nw = x[::0]\n');
    expect(diagnostic(a, 'too many indices').message).toContain('[4, 3]');
    expect(diagnostic(a, 'only one ellipsis').at).toBe('x[..., 0, ...]');
    expect(diagnostic(a, 'step cannot be zero').at).toBe('::0');
  });
});

describe('slice', () => {
  it('matches tf.slice, with -1 sizes', () => {
    const a = run(`
x = placeholder(float32, [4, 5, 3])
feed x = uniform([4, 5, 3], -2, 2, seed=6)
a = slice(x, [1, 0, 0], [2, 3, 3])
b = slice(x, [1, 2, 1], [-1, -1, 1])
c = slice(x, [0, 5, 0], [4, 0, 3])
check gradients(reduce_sum(sin(a)), x)
check gradients(reduce_sum(sin(b) * b), x)
`);
    const x = toTf(value(a, 'x'));
    expectClose(value(a, 'a'), tf.slice(x, [1, 0, 0], [2, 3, 3]));
    expectClose(value(a, 'b'), tf.slice(x, [1, 2, 1], [-1, -1, 1]));
    expect(value(a, 'c').shape).toEqual([4, 0, 3]);
    expectChecksPass(a, 2);
  });

  it('places the gradient back at begin', () => {
    const a = run(
      'x = placeholder(float32, [None, 2])\nfeed x = [[1, 2], [3, 4], [5, 6]]\ns = slice(x, [1, 0], [-1, 1])\ng = gradients(s * s, x)[0]\n',
    );
    expect(node(a, 's').type.shape).toEqual([null, 1]);
    expect(Array.from(value(a, 'g').data)).toEqual([0, 0, 6, 0, 10, 0]);
  });

  it('points bad bounds at begin or size, with the input shape', () => {
    const a = analyze(
      'x = placeholder(float32, [4, 3])\na = slice(x, [1, 1], [4, 1])\nb = slice(x, [0], [1])\nc = slice(x, [-1, 0], [1, 1])\n',
    );
    const d = diagnostic(a, 'runs past its size 4');
    expect(d.at).toBe('[4, 1]');
    expect(d.message).toContain('[4, 3]');
    expect(diagnostic(a, 'begin [0] has 1 entries').at).toBe('[0]');
    expect(diagnostic(a, 'is negative').at).toBe('[-1, 0]');
  });
});

describe('gather', () => {
  it('matches tf.gather on several axes and index shapes', () => {
    const a = run(`
x = placeholder(float32, [4, 5, 3])
feed x = uniform([4, 5, 3], -2, 2, seed=7)
a = gather(x, [3, 0, 0, 2])
b = gather(x, [[1, 4], [0, 0], [2, 3]], axis=1)
c = gather(x, 2, axis=-1)
d = gather(x, [[2, 0], [1, 1], [0, 2], [1, 0]], axis=2, batch_dims=1)
check gradients(reduce_sum(sin(a)), x)
check gradients(reduce_sum(sin(b) * b), x)
check gradients(reduce_sum(sin(d)), x)
`);
    const x = toTf(value(a, 'x'));
    expectClose(value(a, 'a'), tf.gather(x, tf.tensor1d([3, 0, 0, 2], 'int32')));
    expectClose(
      value(a, 'b'),
      tf.gather(
        x,
        tf.tensor2d(
          [
            [1, 4],
            [0, 0],
            [2, 3],
          ],
          undefined,
          'int32',
        ),
        1,
      ),
    );
    expectClose(value(a, 'c'), tf.gather(x, tf.scalar(2, 'int32'), 2));
    expectClose(
      value(a, 'd'),
      tf.gather(
        x,
        tf.tensor2d(
          [
            [2, 0],
            [1, 1],
            [0, 2],
            [1, 0],
          ],
          undefined,
          'int32',
        ),
        2,
        1,
      ),
    );
    expect(node(a, 'b').type.shape).toEqual([4, 3, 2, 3]);
    expectChecksPass(a, 3);
  });

  it('accumulates the gradient of repeated indices', () => {
    const a = run(`
x = placeholder(float32, [3])
feed x = [1, 2, 3]
g = gradients(reduce_sum(gather(x, [0, 0, 2])), x)[0]
m = placeholder(float32, [3, 2])
feed m = [[1, 2], [3, 4], [5, 6]]
gm = gradients(gather(m, [[2, 2], [2, 0]]) * 2, m)[0]
`);
    expect(Array.from(value(a, 'g').data)).toEqual([2, 0, 1]);
    expect(Array.from(value(a, 'gm').data)).toEqual([2, 2, 0, 0, 6, 6]);
  });

  it('takes indices from a placeholder and gives them no gradient', () => {
    const a = run(`
x = placeholder(float32, [None, 2])
feed x = [[1, 2], [3, 4], [5, 6]]
i = placeholder(int32, [None])
feed i = [2, 2, 1]
y = gather(x, i)
g = gradients(reduce_sum(y * y), [x, i])
`);
    expect(node(a, 'y').type.shape).toEqual([null, 2]);
    expect(Array.from(value(a, 'y').data)).toEqual([5, 6, 5, 6, 3, 4]);
    const g = a.lookup('g')!.value;
    expect(g.kind).toBe('list');
    if (g.kind !== 'list') return;
    expect(g.items[1].kind).toBe('none');
    expect(g.items[0].kind).toBe('tensor');
    if (g.items[0].kind === 'tensor') expect(Array.from(a.valueOf(g.items[0].node)!.data)).toEqual([0, 0, 6, 8, 20, 24]);
  });

  it('differentiates twice', () => {
    const a = run(`
x = placeholder(float32, [4, 2])
feed x = uniform([4, 2], -1, 1, seed=8)
g = gradients(reduce_sum(sin(gather(x, [1, 3, 1]))), x)[0]
check gradients(reduce_sum(sin(g) * x), x)
`);
    expectChecksPass(a, 1);
  });

  it('reports an out-of-range index at evaluation, naming it', () => {
    const a = analyze(
      'x = placeholder(float32, [3, 2])\nfeed x = [[1, 2], [3, 4], [5, 6]]\ny = gather(x, [0, 3])\nz = gather(x, [[0, -1]])\n',
    );
    expect(diagnostic(a, 'indices[1] = 3 is not in [0, 3)').at).toBe('gather(x, [0, 3])');
    expect(diagnostic(a, 'indices[0, 1] = -1 is not in [0, 3)').at).toBe('gather(x, [[0, -1]])');
  });

  it('points a bad axis at axis and float indices at indices', () => {
    const a = analyze('x = placeholder(float32, [3, 2])\ny = gather(x, [0], axis=2)\nz = gather(x, [0.5])\n');
    const d = diagnostic(a, 'axis 2 is out of range for params of rank 2');
    expect(d.at).toBe('2');
    expect(d.message).toContain('[3, 2]');
    expect(diagnostic(a, 'int32').at).toBe('[0.5]');
  });
});

describe('gather_nd', () => {
  it('matches tf.gatherND and accumulates repeated tuples in its gradient', () => {
    const a = run(`
x = placeholder(float32, [3, 4, 2])
feed x = uniform([3, 4, 2], -2, 2, seed=9)
a = gather_nd(x, [[0, 1], [2, 3], [0, 1]])
b = gather_nd(x, [[[1, 0, 1]], [[2, 2, 0]]])
c = gather_nd(x, [[2]])
check gradients(reduce_sum(sin(a)), x)
check gradients(reduce_sum(sin(b)), x)
v = placeholder(float32, [2, 2])
feed v = [[1, 2], [3, 4]]
g = gradients(reduce_sum(gather_nd(v, [[1, 0], [1, 0], [0, 1]])), v)[0]
`);
    const x = toTf(value(a, 'x'));
    expectClose(
      value(a, 'a'),
      tf.gatherND(
        x,
        tf.tensor2d(
          [
            [0, 1],
            [2, 3],
            [0, 1],
          ],
          undefined,
          'int32',
        ),
      ),
    );
    expectClose(value(a, 'b'), tf.gatherND(x, tf.tensor3d([[[1, 0, 1]], [[2, 2, 0]]], undefined, 'int32')));
    expectClose(value(a, 'c'), tf.gatherND(x, tf.tensor2d([[2]], undefined, 'int32')));
    expect(Array.from(value(a, 'g').data)).toEqual([0, 1, 2, 0]);
    expectChecksPass(a, 2);
  });

  it('reports a tuple out of range at evaluation and too long tuples statically', () => {
    const a = analyze(
      'x = placeholder(float32, [2, 2])\nfeed x = [[1, 2], [3, 4]]\ny = gather_nd(x, [[0, 2]])\nz = gather_nd(x, [[0, 0, 0]])\n',
    );
    expect(diagnostic(a, 'indices[0] = [0, 2] does not index into params of shape [2, 2]').at).toBe('gather_nd(x, [[0, 2]])');
    const d = diagnostic(a, 'index tuples of length 3');
    expect(d.at).toBe('[[0, 0, 0]]');
    expect(d.message).toContain('[2, 2]');
  });
});

describe('gather_nd with batch_dims', () => {
  it('each batch position gathers from its own params; repeated tuples add up in the gradient', () => {
    const a = run(`
x = placeholder(float32, [2, 3, 4])
feed x = reshape(range(24.), [2, 3, 4])
rows = gather_nd(x, [[1], [0]], batch_dims=1)
cells = gather_nd(x, [[[1, 2], [1, 2], [0, 0]], [[2, 3], [0, 1], [2, 3]]], batch_dims=1)
g = gradients(reduce_sum(cells), x)[0]
check gradients(reduce_sum(sin(cells)) + reduce_sum(rows * rows), x)
`);
    expect(value(a, 'rows').shape).toEqual([2, 4]);
    expect(Array.from(value(a, 'rows').data)).toEqual([4, 5, 6, 7, 12, 13, 14, 15]);
    expect(Array.from(value(a, 'cells').data)).toEqual([6, 6, 0, 23, 13, 23]);
    const g = new Array<number>(24).fill(0);
    for (const at of [6, 6, 0, 23, 13, 23]) g[at] += 1;
    expect(Array.from(value(a, 'g').data)).toEqual(g);
    expectChecksPass(a, 1);
    const bad = analyze('x = zeros([2, 3, 4])\nbad = gather_nd(x, [[1], [0], [0]], batch_dims=1)\n');
    expect(diagnostic(bad, 'batch axes of params (shape [2, 3, 4]) and indices (shape [3, 1]) must match').at).toBe('1');
  });
});

describe('one_hot, eye, linspace', () => {
  it('one_hot matches tf.oneHot (out-of-range indices give a row of off_value)', () => {
    const a = run(`
i = [0, 2, 5, -1, 1]
a = one_hot(i, 3)
b = one_hot([[1, 0], [2, 2]], 4, on_value=5., off_value=-1.)
c = one_hot(i, 3, dtype=int32)
d = one_hot([1, 3], 4, axis=0)
e = one_hot([[1, 3], [0, 2]], 4, axis=1)
f = one_hot([0, 1], 2, on_value=3)
`);
    expectClose(value(a, 'a'), tf.oneHot(tf.tensor1d([0, 2, 5, -1, 1], 'int32'), 3, 1, 0, 'float32'));
    expect(value(a, 'a').dtype).toBe('float32');
    expectClose(
      value(a, 'b'),
      tf.oneHot(
        tf.tensor2d(
          [
            [1, 0],
            [2, 2],
          ],
          undefined,
          'int32',
        ),
        4,
        5,
        -1,
        'float32',
      ),
    );
    expect(value(a, 'c').dtype).toBe('int32');
    expectClose(value(a, 'c'), tf.oneHot(tf.tensor1d([0, 2, 5, -1, 1], 'int32'), 3, 1, 0, 'int32'));
    // axis=0: the depth axis first (tf.oneHot in TensorFlow.js has no axis; it is a transpose)
    expectClose(value(a, 'd'), tf.transpose(tf.oneHot(tf.tensor1d([1, 3], 'int32'), 4)));
    expectClose(
      value(a, 'e'),
      tf.transpose(
        tf.oneHot(
          tf.tensor2d(
            [
              [1, 3],
              [0, 2],
            ],
            undefined,
            'int32',
          ),
          4,
        ),
        [0, 2, 1],
      ),
    );
    // TensorFlow takes the dtype from on_value when dtype is not given
    expect(value(a, 'f').dtype).toBe('int32');
    expect(Array.from(value(a, 'f').data)).toEqual([3, 0, 0, 3]);
  });

  it('one_hot has no gradient and takes placeholder indices of unknown size', () => {
    const a = run(`
i = placeholder(int32, [None])
feed i = [2, 0]
x = placeholder(float32, [3])
feed x = [1, 2, 3]
h = one_hot(i, 3)
y = reduce_sum(h * x)
g = gradients(y, x)[0]
gi = gradients(h, i)
`);
    expect(node(a, 'h').type.shape).toEqual([null, 3]);
    expect(Array.from(value(a, 'y').data)).toEqual([4]);
    expect(Array.from(value(a, 'g').data)).toEqual([1, 0, 1]);
    const gi = a.lookup('gi')!.value;
    expect(gi.kind === 'list' && gi.items[0].kind).toBe('none');
  });

  it('one_hot points a bad axis at axis', () => {
    const a = analyze('h = one_hot([1, 2], 3, axis=2)\n');
    const d = diagnostic(a, 'axis 2 is out of range');
    expect(d.at).toBe('2');
    expect(d.message).toContain('[2]');
  });

  it('eye matches tf.eye', () => {
    const a = run('a = eye(3)\nb = eye(2, 4)\nc = eye(4, 2, dtype=int32)\nd = eye(2, batch_shape=[3])\ne = eye(0)\n');
    expectClose(value(a, 'a'), tf.eye(3));
    expectClose(value(a, 'b'), tf.eye(2, 4));
    expectClose(value(a, 'c'), tf.eye(4, 2, undefined, 'int32'));
    expect(value(a, 'c').dtype).toBe('int32');
    expectClose(value(a, 'd'), tf.eye(2, 2, [3]));
    expect(value(a, 'e').shape).toEqual([0, 0]);
  });

  it('linspace matches tf.linspace (float32, both ends included)', () => {
    const a = run(
      'a = linspace(0., 1., 5)\nb = linspace(-3, 7, 11)\nc = linspace(0.1, 0.7, 7)\nd = linspace(2., 5., 1)\ne = linspace(1., 2., 0)\nf = linspace(constant(0., float64), 1., 3)\n',
    );
    expectClose(value(a, 'a'), tf.linspace(0, 1, 5));
    expectClose(value(a, 'b'), tf.linspace(-3, 7, 11));
    expectClose(value(a, 'c'), tf.linspace(0.1, 0.7, 7));
    expect(value(a, 'c').data[6]).toBe(Math.fround(0.7));
    expect(Array.from(value(a, 'd').data)).toEqual([2]);
    expect(value(a, 'e').shape).toEqual([0]);
    expect(value(a, 'b').dtype).toBe('float32');
    expect(value(a, 'f').dtype).toBe('float64');
  });
});

describe('where(condition) alone: the coordinates of the true entries', () => {
  it('matches tf.whereAsync (int64 here, as TensorFlow), with the count known when evaluated', async () => {
    const a = run(`
m = [[True, False, True], [False, False, True]]
i = where(m)
x = placeholder(float32, [None])
feed x = [1., -2., 3., -4.]
j = tf.where(x > 0.)
g = gather(x, j[:, 0])
`);
    const coords = await tf.whereAsync(
      tf.tensor(
        [
          [true, false, true],
          [false, false, true],
        ],
        undefined,
        'bool',
      ),
    );
    expect(value(a, 'i').dtype).toBe('int64');
    expect(value(a, 'i').shape).toEqual(coords.shape);
    expect(Array.from(value(a, 'i').data)).toEqual(Array.from(coords.dataSync()));
    expect(staticShape(a, 'j')).toEqual([null, 1]);
    expect(Array.from(value(a, 'g').data)).toEqual([1, 3]);
  });

  it('refuses x without y', () => {
    const d = analyze('x = constant([1., 2.])\ny = where(x > 0., x)').diagnostics;
    expect(d.map((e) => e.code)).toEqual(['missing-argument']);
  });
});
