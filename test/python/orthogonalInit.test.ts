// Keras' Orthogonal initializer, the recurrent layers' default recurrent_initializer: seeded
// samples (tgraph's stream, not TensorFlow's) with Keras' property — orthonormal rows of a
// wide matrix, orthonormal columns of a tall one, scaled by the gain.

import { describe, expect, it } from 'vitest';
import { data, py, val } from './support';

/** Expects a square [n, n] product to be gain² times the identity. */
function expectScaledIdentity(product: number[], n: number, gainSquared: number): void {
  expect(product.length).toBe(n * n);
  product.forEach((x, i) => expect(x).toBeCloseTo(i % (n + 1) === 0 ? gainSquared : 0, 5));
}

describe('orthogonal initialization', () => {
  it('gives LSTM and GRU recurrent kernels orthonormal rows, and Orthogonal(gain) scaled columns', () => {
    const a = py(`
import numpy as np
import tensorflow as tf
lstm = tf.keras.layers.LSTM(3)
lstm.build((None, 4, 2))
U = lstm.get_weights()[1]
rows = U @ U.T
gru = tf.keras.layers.GRU(4, recurrent_initializer='orthogonal')
gru.build((None, 2, 2))
G = gru.get_weights()[1]
gru_rows = G @ G.T
W = tf.keras.initializers.Orthogonal(gain=2.0, seed=3)((5, 3)).numpy()
columns = W.T @ W
`);
    expect(a.diagnostics.map((d) => d.message)).toEqual([]);
    expect(val(a, 'U').shape).toEqual([3, 12]);
    expectScaledIdentity(Array.from(data(val(a, 'rows'))), 3, 1);
    expectScaledIdentity(Array.from(data(val(a, 'gru_rows'))), 4, 1);
    expectScaledIdentity(Array.from(data(val(a, 'columns'))), 3, 4);
  });
});
