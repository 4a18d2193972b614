// tf.image.resize against TensorFlow.js's resizeBilinear and resizeNearestNeighbor with
// half-pixel centres (TensorFlow 2's), up and down, batched and not; gradients against
// float64 central differences; what tgraph does not model refused at the argument (the kernel
// methods: test/python/resizeKernels.test.ts).

import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { analyze } from '../../engine/analysis';
import { diagnostic, expectChecksPass, expectClose, run, toTf, value } from '../support/ops';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('resize', () => {
  it('bilinear and nearest match TensorFlow.js with half-pixel centres', () => {
    const a = run(`
x = variable(uniform([2, 5, 4, 3], low=-1, high=1, seed=1))
b1 = resize(x, [9, 7])
b2 = resize(x, [3, 2], method='bilinear')
n1 = resize(x, [8, 10], method='nearest')
n2 = resize(x, [2, 3], 'nearest')
h = resize(x[0], [7, 6])
check gradients(reduce_sum(sin(b1)) + reduce_sum(b2 * b2) + reduce_sum(cos(n1)) + reduce_sum(n2) + reduce_sum(h * h), x)
`);
    const x = toTf(value(a, 'x')) as tf.Tensor4D;
    expectClose(value(a, 'b1'), tf.image.resizeBilinear(x, [9, 7], false, true), 1e-5);
    expectClose(value(a, 'b2'), tf.image.resizeBilinear(x, [3, 2], false, true), 1e-5);
    expectClose(value(a, 'n1'), tf.image.resizeNearestNeighbor(x, [8, 10], false, true), 0);
    expectClose(value(a, 'n2'), tf.image.resizeNearestNeighbor(x, [2, 3], false, true), 0);
    expect(value(a, 'h').shape).toEqual([7, 6, 3]);
    expectClose(value(a, 'h'), tf.image.resizeBilinear(x.slice([0], [1]), [7, 6], false, true).squeeze([0]), 1e-5);
    expectChecksPass(a, 1);
  });

  it('refuses what it does not model, at the argument', () => {
    const x = 'x = zeros([1, 4, 4, 1])\n';
    expect(diagnostic(analyze(`${x}r = resize(x, [2, 2], method='cubic')`), "'cubic' is not one of TensorFlow's").at).toBe("'cubic'");
    expect(diagnostic(analyze(`${x}r = resize(x, [2, 2], preserve_aspect_ratio=True)`), 'preserve_aspect_ratio').at).toBe('True');
    expect(diagnostic(analyze(`${x}r = resize(x, [0, 2])`), 'both positive').at).toBe('[0, 2]');
    expect(diagnostic(analyze(`r = resize(zeros([4, 4]), [2, 2])`), 'channels').at).toBe('zeros([4, 4])');
  });

  it('refuses an output past the element budget before making its sampling tables (a fuzz find)', () => {
    const a = analyze('x = zeros([5, 4, 3])\nr = resize(x, [1000000000000, 2])\nok = resize(x, [6, 2])');
    const d = diagnostic(a, 'resize(): the output of 6,000,000,000,000 elements is over');
    expect(d.at).toBe('[1000000000000, 2]');
    expect(value(a, 'ok').shape).toEqual([6, 2, 3]);
  });

  it('refuses a sampling table past the element budget when the output is empty (no channels; a fuzz find)', () => {
    const a = analyze('x = uniform([5, 4, 0])\nr = resize(x, [1000000000000, 2])\nok = resize(x, [6, 2])');
    const d = diagnostic(a, 'resize(): a sampling table of 1,000,000,000,000 elements is over');
    expect(d.at).toBe('[1000000000000, 2]');
    expect(value(a, 'ok').shape).toEqual([6, 2, 0]);
  });
});
