// Segment sums and means, scatter_nd, the tensor_scatter_nd updates and boolean_mask against
// TensorFlow.js (unsortedSegmentSum, scatterND, tensorScatterUpdate, booleanMaskAsync), the
// sorted and mean variants against their definitions, gradients against float64 central
// differences, and TensorFlow's refusals at the argument that causes them.

import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { analyze } from '../../engine/analysis';
import { diagnostic, expectChecksPass, expectClose, listValues, run, staticShape, toTf, value } from '../support/ops';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const DATA = '[[1., 2., 3.], [4., 5., 6.], [7., 8., 9.], [10., 11., 12.]]';

describe('segment reductions', () => {
  it('unsorted_segment_sum matches tf.unsortedSegmentSum; a negative id drops its row', () => {
    const a = run(`
x = variable(${DATA})
s = unsorted_segment_sum(x, [2, 0, 2, 1], 4)
d = tf.math.unsorted_segment_sum(x, [0, -1, 0, 1], num_segments=2)
v = unsorted_segment_sum([[1., 2., 3.], [4., 5., 6.]], [[1, 0, 1], [2, 2, 0]], 3)
check gradients(reduce_sum(s * s), x)
check gradients(reduce_sum(d * [[1., 2., 3.], [4., 5., 6.]]), x)
g = gradients(reduce_sum(d * [[1., 2., 3.], [4., 5., 6.]]), x)[0]
`);
    const x = toTf(value(a, 'x'));
    expectClose(value(a, 's'), tf.unsortedSegmentSum(x, tf.tensor1d([2, 0, 2, 1], 'int32'), 4));
    expect(staticShape(a, 's')).toEqual([4, 3]);
    expect(Array.from(value(a, 'd').data)).toEqual([8, 10, 12, 10, 11, 12]);
    expect(Array.from(value(a, 'v').data)).toEqual([2 + 6, 1 + 3, 4 + 5]);
    expect(value(a, 'v').shape).toEqual([3]);
    expect(Array.from(value(a, 'g').data)).toEqual([1, 2, 3, 0, 0, 0, 1, 2, 3, 4, 5, 6]);
    expectChecksPass(a, 2);
  });

  it('segment_sum and segment_mean take the count from the sorted ids', () => {
    const a = run(`
x = variable(${DATA})
s = segment_sum(x, [0, 0, 2, 2])
m = tf.math.segment_mean(x, [0, 0, 0, 2])
u = unsorted_segment_mean(x, [1, 1, 3, 1], num_segments=4)
check gradients(reduce_sum(s * s) + reduce_sum(m * m) + reduce_sum(u * u), x)
`);
    expect(value(a, 's').shape).toEqual([3, 3]);
    expect(Array.from(value(a, 's').data)).toEqual([5, 7, 9, 0, 0, 0, 17, 19, 21]);
    expect(Array.from(value(a, 'm').data)).toEqual([4, 5, 6, 0, 0, 0, 10, 11, 12]);
    expect(Array.from(value(a, 'u').data)).toEqual([0, 0, 0, 5, 6, 7, 0, 0, 0, 7, 8, 9]);
    expectChecksPass(a, 1);
  });

  it('segment maxima and minima: per segment, empty ones as TensorFlow fills them, the gradient shared among ties', () => {
    const a = run(`
x = variable([[1., 8.], [4., 2.], [3., 6.], [4., 0.]])
mx = unsorted_segment_max(x, [0, 0, 2, 0], 4)
mn = tf.math.unsorted_segment_min(x, [1, 1, 1, -1], num_segments=2)
sx = segment_max(x, [0, 0, 2, 2])
sn = segment_min(x, [1, 1, 1, 1])
i = unsorted_segment_max([3, 9, 4], [1, 1, 0], 3)
g = gradients(reduce_sum(mx * [[1., 10.], [1., 1.], [100., 1000.], [1., 1.]]), x)[0]
check gradients(reduce_sum(sx * sx) + reduce_sum(mn[1] * [3., 4.]), x)
`);
    const lowest = -3.4028234663852886e38;
    expect(Array.from(value(a, 'mx').data)).toEqual([4, 8, lowest, lowest, 3, 6, lowest, lowest]);
    expect(Array.from(value(a, 'mn').data)).toEqual([3.4028234663852886e38, 3.4028234663852886e38, 1, 2]);
    expect(Array.from(value(a, 'sx').data)).toEqual([4, 8, 0, 0, 4, 6]);
    expect(Array.from(value(a, 'sn').data)).toEqual([0, 0, 1, 0]);
    expect(Array.from(value(a, 'i').data)).toEqual([4, 9, -2147483648]);
    // Rows 1 and 3 tie at 4 for segment 0's first column: each gets half its gradient.
    expect(Array.from(value(a, 'g').data)).toEqual([0, 10, 0.5, 0, 100, 1000, 0.5, 0]);
    expectChecksPass(a, 1);
  });

  it("segment products: empty segments are 1, and the gradient is TensorFlow's with zeros (one zero: the others' product; two: none)", () => {
    const a = run(`
x = variable([[2., 0.], [3., 5.], [0., 4.], [1., 0.]])
z = variable([2., 0., 3.])
p = unsorted_segment_prod(x, [0, 0, 1, 0], 3)
s = segment_prod(x, [0, 0, 2, 2])
q = tf.math.unsorted_segment_sqrt_n(x, [0, 0, 1, 0], num_segments=3)
g = gradients(reduce_sum(p * [[1., 10.], [100., 1000.], [7., 7.]]), x)[0]
h = gradients(unsorted_segment_prod(z, [0, 0, 0], 1), z)[0]
d = gradients(unsorted_segment_prod(z, [0, -1, 0], 2)[0], z)[0]
`);
    expect(Array.from(value(a, 'p').data)).toEqual([6, 0, 0, 4, 1, 1]);
    expect(Array.from(value(a, 's').data)).toEqual([6, 0, 1, 1, 0, 0]);
    expectClose(value(a, 'q'), tf.tensor2d([6 / Math.sqrt(3), 5 / Math.sqrt(3), 0, 4, 0, 0], [3, 2]), 1e-6);
    // Segment 0's first column (2, 3, 1) has no zero: each row gets the others' product; its
    // second column has two zeros: nothing. Row 2 alone in segment 1: the empty product, 1.
    expect(Array.from(value(a, 'g').data)).toEqual([3, 0, 2, 0, 100, 1000, 6, 0]);
    expect(Array.from(value(a, 'h').data)).toEqual([0, 6, 0]);
    // The dropped row (id -1) gets no gradient.
    expect(Array.from(value(a, 'd').data)).toEqual([3, 0, 2]);
  });

  it('refuses ids TensorFlow refuses, at the ids', () => {
    const unsorted = analyze(`s = segment_sum([1., 2., 3.], [1, 0, 2])`);
    expect(diagnostic(unsorted, 'not increasing').message).toContain('segment_ids[0] = 1, segment_ids[1] = 0');
    const over = analyze(`s = unsorted_segment_sum([1., 2., 3.], [1, 0, 3], 3)`);
    expect(diagnostic(over, 'out of range').message).toContain('segment_ids[2] = 3 is out of range [0, 3)');
    const shape = analyze(`s = unsorted_segment_sum([[1., 2.]], [0, 1, 2], 3)`);
    expect(diagnostic(shape, 'must start with').message).toContain('[1, 2]');
    expect(diagnostic(analyze(`s = unsorted_segment_sum([1., 2.], variable([0., 1.]), 3)`), 'segment_ids').code).toBe('dtype-mismatch');
  });
});

describe('scatters', () => {
  it('scatter_nd matches tf.scatterND, repeats adding up', () => {
    const a = run(`
u = variable([[1., 2.], [3., 4.], [5., 6.]])
s = scatter_nd([[1], [3], [1]], u, [4, 2])
e = scatter_nd([[0, 1], [2, 0]], [9., 8.], shape=[3, 2])
check gradients(reduce_sum(s * s), u)
`);
    const ref = tf.scatterND(tf.tensor2d([[1], [3], [1]], [3, 1], 'int32'), toTf(value(a, 'u')), [4, 2]);
    expectClose(value(a, 's'), ref);
    expect(Array.from(value(a, 'e').data)).toEqual([0, 9, 0, 0, 8, 0]);
    expectChecksPass(a, 1);
  });

  it('tensor_scatter_nd_update and _add match TensorFlow.js; gradients split between tensor and updates', () => {
    const a = run(`
t = variable([[1., 2.], [3., 4.], [5., 6.]])
u = variable([[10., 20.], [30., 40.]])
w = tensor_scatter_nd_update(t, [[2], [0]], u)
p = tf.tensor_scatter_nd_add(t, [[2], [2]], u)
check gradients(reduce_sum(w * [[1., 2.], [3., 4.], [5., 6.]]), [t, u])
check gradients(reduce_sum(p * p), [t, u])
gt = gradients(reduce_sum(w * [[1., 2.], [3., 4.], [5., 6.]]), [t, u])
`);
    // Fresh tensors for each reference: TensorFlow.js's tensorScatterUpdate writes into the
    // buffer of the tensor it is given.
    const t = () => toTf(value(a, 't'));
    const u = toTf(value(a, 'u'));
    expectClose(value(a, 'w'), tf.tensorScatterUpdate(t().clone(), tf.tensor2d([[2], [0]], [2, 1], 'int32'), u));
    expectClose(value(a, 'p'), tf.add(t(), tf.scatterND(tf.tensor2d([[2], [2]], [2, 1], 'int32'), u, [3, 2])));
    const [gt, gu] = listValues(a, 'gt').map((t) => Array.from(t.data));
    expect(gt).toEqual([0, 0, 3, 4, 0, 0]);
    expect(gu).toEqual([5, 6, 1, 2]);
    expectChecksPass(a, 2);
  });

  it('refuses an index tuple outside the tensor', () => {
    const long = analyze('t = tensor_scatter_nd_update([[1., 2.]], [[0, 0, 0]], [1.])');
    expect(diagnostic(long, 'cannot index a tensor of rank 2').message).toContain('tensor_scatter_nd_update()');
    const a = analyze(`s = scatter_nd([[4]], [1.], [3])`);
    expect(diagnostic(a, 'not in').code).toBe('index-out-of-range');
  });
});

describe('boolean_mask', () => {
  it('matches tf.booleanMaskAsync for masks of rank 1 and 2 and along an axis', async () => {
    const a = run(`
x = variable([[[1., 2.], [3., 4.], [5., 6.]], [[7., 8.], [9., 10.], [11., 12.]]])
m1 = boolean_mask(x, [False, True])
m2 = tf.boolean_mask(x, [[True, False, True], [False, False, True]])
m3 = boolean_mask(x, [True, False, True], axis=1)
check gradients(reduce_sum(m2 * m2) + reduce_sum(m3 * m3), x)
`);
    const x = toTf(value(a, 'x'));
    const ref = async (mask: boolean[] | boolean[][], axis?: number) => tf.booleanMaskAsync(x, tf.tensor(mask, undefined, 'bool'), axis);
    expectClose(value(a, 'm1'), await ref([false, true]));
    expectClose(
      value(a, 'm2'),
      await ref([
        [true, false, true],
        [false, false, true],
      ]),
    );
    expectClose(value(a, 'm3'), await ref([true, false, true], 1));
    expect(value(a, 'm2').shape).toEqual([3, 2]);
    expectChecksPass(a, 1);
  });

  it('refuses a mask that does not fit the tensor', () => {
    const a = analyze(`m = boolean_mask([[1., 2.], [3., 4.]], [True, False, True])`);
    expect(diagnostic(a, "mask's shape").code).toBe('shape-mismatch');
  });
});
