// Layers the Keras tutorials' models meet that were refused: the noise layers (the identity
// outside training, refused in it: their noise is random), Identity, Rescaling, and the
// merging layers' functional forms (tf.keras.layers.add, concatenate, …).

import { describe, expect, it } from 'vitest';
import { scriptsAfter } from './support';

const PRELUDE = `
import numpy as np
import tensorflow as tf
x = tf.constant(np.arange(24, dtype=np.float32).reshape(2, 2, 2, 3) * 0.5 - 3.0)
`;

const run = scriptsAfter(PRELUDE);

const X = Array.from({ length: 24 }, (_, i) => i * 0.5 - 3.0);

describe('layers tutorials meet', () => {
  it('GaussianNoise, GaussianDropout, AlphaDropout, SpatialDropout, ActivityRegularization and Identity give their input outside training', () => {
    const layers = [
      'GaussianNoise(0.1)',
      'GaussianDropout(0.2)',
      'AlphaDropout(0.1)',
      'SpatialDropout2D(0.3)',
      'ActivityRegularization(l1=0.01)',
      'Identity()',
    ];
    const { get } = run(
      layers.map((l, i) => `y${i} = tf.keras.layers.${l}(x, training=False)\nz${i} = tf.keras.layers.${l}(x)`).join('\n'),
    );
    layers.forEach((_, i) => {
      expect(get(`y${i}`)).toEqual(X);
      expect(get(`z${i}`)).toEqual(X);
    });
  });

  it('refuses a noise layer in training, where it is called', () => {
    const { a } = run(`y = tf.keras.layers.GaussianNoise(0.1)(x, training=True)`, false);
    expect(a.diagnostics.map((d) => d.message)).toEqual([
      'not evaluated: GaussianNoise in training is not modelled by tgraph (its noise is random)',
    ]);
  });

  it('Rescaling multiplies and offsets, an integer input as float32', () => {
    const { get } = run(`
pixels = tf.constant([[0, 51, 255]], dtype=tf.int32)
y = tf.keras.layers.Rescaling(1.0 / 127.5, offset=-1)(pixels)
z = tf.keras.layers.Rescaling(2.0)(x)
`);
    [-1, 51 / 127.5 - 1, 1].forEach((v, i) => expect(get('y')[i]).toBeCloseTo(v, 6));
    expect(get('z')).toEqual(X.map((v) => v * 2));
  });

  it("the merging layers' functional forms are the classes called on the inputs", () => {
    const { get } = run(`
a = tf.keras.layers.add([x, x * 2.0, x])
b = tf.keras.layers.concatenate([x, x * 3.0], axis=1)
c = tf.keras.layers.Concatenate(axis=1)([x, x * 3.0])
d = tf.keras.layers.multiply([x, x])
`);
    expect(get('a')).toEqual(X.map((v) => v * 4));
    expect(get('b')).toEqual(get('c'));
    expect(get('d')).toEqual(X.map((v) => v * v));
  });
});
