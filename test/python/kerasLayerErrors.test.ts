// The Keras layers added for tutorials' models, given what they cannot take: each refusal or
// error is one diagnostic on its own line, and the lines after still evaluate.

import { describe, expect, it } from 'vitest';
import { py, val } from './support';

describe('Keras layers on input they cannot take', () => {
  it('say so where they are called, and the rest of the script still runs', () => {
    const lines = [
      'import tensorflow as tf',
      'q = tf.ones((2, 3))',
      'a = tf.keras.layers.MultiHeadAttention(num_heads=2, key_dim=3)(q, q)',
      'b = tf.keras.layers.Attention()(q)',
      "c = tf.keras.layers.Attention(score_mode='concat')([tf.ones((1, 2, 3)), tf.ones((1, 2, 3))])",
      'd = tf.keras.layers.MultiHeadAttention(num_heads=2, key_dim=3, attention_axes=(1,))(tf.ones((1, 2, 3)), tf.ones((1, 2, 3)))',
      "e = tf.keras.layers.Conv2DTranspose(2, 3, padding='full')(tf.ones((1, 4, 4, 1)))",
      'f = tf.keras.layers.DepthwiseConv2D(3)(tf.ones((1, 4, 4)))',
      "g = tf.keras.layers.Bidirectional(tf.keras.layers.LSTM(2), merge_mode='max')",
      'h = tf.keras.layers.Cropping1D((2, 3))(tf.ones((1, 5, 2)))',
      'ok = tf.keras.layers.MultiHeadAttention(num_heads=2, key_dim=3)(tf.ones((1, 2, 3)), tf.ones((1, 4, 3)))',
    ];
    const src = lines.join('\n');
    const a = py(src, { strict: false });
    // Each diagnostic by the name its line assigns.
    const byLine = a.diagnostics.map((d) => [lines[src.slice(0, d.span.start).split('\n').length - 1][0], d.message]);
    expect(byLine).toEqual([
      ['a', expect.stringContaining('MultiHeadAttention on a query of rank other than 3 is not modelled')],
      ['b', expect.stringContaining('Attention layer must be called on a list of inputs')],
      ['c', expect.stringContaining('Attention(score_mode="concat") is not modelled')],
      ['d', expect.stringContaining('MultiHeadAttention(attention_axes=...) is not modelled')],
      ['e', expect.stringContaining("padding must be 'valid' or 'same'")],
      ['f', expect.stringContaining('expected ndim=4, found ndim=3')],
      ['g', expect.stringContaining('Invalid merge mode')],
      ['h', expect.stringContaining('leaves nothing of its 5 entries')],
    ]);
    expect(val(a, 'ok').shape).toEqual([1, 2, 3]);
  });
});
