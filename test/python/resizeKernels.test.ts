// tf.image.resize's kernel methods (bicubic, area, lanczos3/5, gaussian, mitchellcubic, and
// antialiased bilinear) and their gradients, against a NumPy float64 reference written from
// TensorFlow's published kernels (scripts/fixtures/resize_kernels.py), up- and downscaling.

import * as fs from 'fs';
import * as path from 'path';
import { describe, it } from 'vitest';
import { expectNear, py, val } from './support';

interface Case {
  method: string;
  antialias: boolean;
  size: [number, number];
  r: unknown;
  out: number[];
  grad: number[];
}

const FIXTURE = path.resolve(__dirname, '..', 'fixtures', 'resize-kernels', 'cases.json');
const { image, cases } = JSON.parse(fs.readFileSync(FIXTURE, 'utf8')) as { image: unknown; cases: Case[] };

describe("tf.image.resize kernel methods match TensorFlow's kernels", () => {
  it.each(cases)('$method antialias=$antialias to $size', (c) => {
    const src = [
      'import tensorflow as tf',
      `image = tf.constant(${JSON.stringify(image)})`,
      `r = tf.constant(${JSON.stringify(c.r)}, dtype=tf.float32)`,
      'with tf.GradientTape() as tape:',
      '    tape.watch(image)',
      `    out = tf.image.resize(image, ${JSON.stringify(c.size)}, method='${c.method}', antialias=${c.antialias ? 'True' : 'False'})`,
      '    loss = tf.reduce_sum(out * r)',
      'grad = tape.gradient(loss, image)',
      '',
    ].join('\n');
    const a = py(src);
    expectNear(val(a, 'out'), { shape: [1, c.size[0], c.size[1], 2], data: c.out }, 'out', 1e-5, 1e-5);
    expectNear(val(a, 'grad'), { shape: [1, 5, 7, 2], data: c.grad }, 'grad', 1e-5, 1e-5);
  });
});
