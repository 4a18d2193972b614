// The tf.image preprocessing ops: against TensorFlow.js where it has them (flipLeftRight,
// rgbToGrayscale, grayscaleToRGB), against TensorFlow's formulas written with TensorFlow.js ops
// elsewhere, gradients against float64 central differences, and bad arguments refused at the
// argument as TensorFlow's ValueErrors.

import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { analyze } from '../../engine/analysis';
import { diagnostic, expectChecksPass, expectClose, run, toTf, value } from '../support/ops';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('tf.image ops', () => {
  it('flips, grayscale and bounding boxes match TensorFlow.js and slices of it', () => {
    const a = run(`
x = variable(uniform([2, 4, 5, 3], low=-1, high=1, seed=3))
lr = flip_left_right(x)
ud = flip_up_down(x[0])
gray = rgb_to_grayscale(x)
rgb = grayscale_to_rgb(gray)
crop = crop_to_bounding_box(x, 1, 2, 3, 3)
padded = pad_to_bounding_box(x[1], 2, 1, 7, 8)
centre = central_crop(x, 0.6)
whole = central_crop(x, 1.0)
check gradients(reduce_sum(sin(lr) * ud) + reduce_sum(gray * gray) + reduce_sum(cos(rgb)) + reduce_sum(crop ** 3) + reduce_sum(sin(padded)) + reduce_sum(centre * centre), x)
`);
    const x = toTf(value(a, 'x')) as tf.Tensor4D;
    expectClose(value(a, 'lr'), tf.image.flipLeftRight(x), 0);
    expectClose(value(a, 'ud'), tf.reverse(x.slice([0], [1]).squeeze([0]), 0), 0);
    expectClose(value(a, 'gray'), tf.image.rgbToGrayscale(x), 1e-6);
    expectClose(value(a, 'rgb'), tf.image.grayscaleToRGB(tf.image.rgbToGrayscale(x)), 1e-6);
    expectClose(value(a, 'crop'), x.slice([0, 1, 2, 0], [-1, 3, 3, -1]), 0);
    expectClose(
      value(a, 'padded'),
      tf.pad(x.slice([1], [1]).squeeze([0]), [
        [2, 1],
        [1, 2],
        [0, 0],
      ]),
      0,
    );
    // TensorFlow's margins: int((4 - 4·0.6) / 2) = 0 rows and int((5 - 3) / 2) = 1 column.
    expectClose(value(a, 'centre'), x.slice([0, 0, 1, 0], [-1, 4, 3, -1]), 0);
    expectClose(value(a, 'whole'), x, 0);
    expectChecksPass(a, 1);
  });

  it('brightness, contrast and standardization are TensorFlow’s formulas, the floor 1/√N included', () => {
    const a = run(`
x = variable(uniform([2, 3, 4, 3], low=-1, high=1, seed=5))
flat = variable(0.5 + 0.001 * uniform([3, 2, 3], seed=6))
bright = adjust_brightness(x, 0.3)
contrast = adjust_contrast(x, 1.7)
standard = per_image_standardization(x)
floored = per_image_standardization(flat)
check gradients(reduce_sum(bright ** 2) + reduce_sum(sin(contrast)) + reduce_sum(standard ** 3) + reduce_sum(floored * range(3.)), [x, flat])
`);
    const x = toTf(value(a, 'x'));
    const flat = toTf(value(a, 'flat'));
    expectClose(value(a, 'bright'), x.add(0.3), 1e-6);
    const channelMean = x.mean([1, 2], true);
    expectClose(value(a, 'contrast'), x.sub(channelMean).mul(1.7).add(channelMean), 1e-6);
    const standardized = (t: tf.Tensor, axes: number[], n: number) => {
      const mean = t.mean(axes, true);
      const std = t.sub(mean).square().mean(axes, true).sqrt();
      return t.sub(mean).div(tf.maximum(std, 1 / Math.sqrt(n)));
    };
    expectClose(value(a, 'standard'), standardized(x, [1, 2, 3], 36), 1e-5);
    expectClose(value(a, 'floored'), standardized(flat, [0, 1, 2], 18), 1e-5);
    // The floor is what divides: the deviation is about 3e-4, far under 1/√18.
    expect(Math.max(...value(a, 'floored').data.map(Math.abs))).toBeLessThan(0.01);
    expectChecksPass(a, 1);
  });

  it('refuses bad images and boxes at the argument, as TensorFlow’s ValueErrors', () => {
    const x = 'x = zeros([1, 4, 5, 3])\n';
    expect(diagnostic(analyze(`${x}c = crop_to_bounding_box(x, 2, 0, 3, 5)`), 'height must be >= target + offset').at).toBe('3');
    expect(diagnostic(analyze(`${x}c = crop_to_bounding_box(x, -1, 0, 3, 5)`), 'offset_height must be >= 0').at).toBe('-1');
    expect(diagnostic(analyze(`${x}p = pad_to_bounding_box(x, 0, 1, 4, 5)`), 'width must be <= target - offset').at).toBe('5');
    expect(diagnostic(analyze(`${x}c = central_crop(x, 1.5)`), 'within (0, 1]').at).toBe('1.5');
    expect(diagnostic(analyze(`${x}g = rgb_to_grayscale(zeros([4, 4, 2]))`), '3 channels').at).toBe('zeros([4, 4, 2])');
    expect(diagnostic(analyze(`f = flip_left_right(zeros([4, 4]))`), '[height, width, channels]').at).toBe('zeros([4, 4])');
    expect(diagnostic(analyze(`s = per_image_standardization(zeros([4, 4], dtype=int32))`), 'float').at).toBe('zeros([4, 4], dtype=int32)');
  });
});
