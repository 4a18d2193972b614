// Keras layers' names: every layer answers `layer.name` — Keras' per-class counters (`dense`,
// `dense_1`, numbered in the order the script makes them, a wrapped layer before its
// wrapper) or the `name=` given — and a functional model lists its layers by them.

import { describe, expect, it } from 'vitest';
import { printed, py } from './support';

describe('layer.name', () => {
  it("is Keras' auto name or the name given, on every kind of layer", () => {
    const a = py(
      [
        'import tensorflow as tf',
        'inp = tf.keras.Input(shape=(4,))',
        'd1 = tf.keras.layers.Dense(3)',
        "d2 = tf.keras.layers.Dense(2, name='head')",
        'd3 = tf.keras.layers.Dense(2)',
        'lstm = tf.keras.layers.LSTM(2)',
        'bi = tf.keras.layers.Bidirectional(tf.keras.layers.GRU(2))',
        'td = tf.keras.layers.TimeDistributed(tf.keras.layers.Dense(2))',
        'drop = tf.keras.layers.Dropout(0.5)',
        'norm = tf.keras.layers.LayerNormalization()',
        'lam = tf.keras.layers.Lambda(lambda t: t)',
        'model = tf.keras.Model(inp, d2(drop(d1(inp))))',
        'print([d1.name, d2.name, d3.name, lstm.name, bi.name, td.name, drop.name, norm.name, lam.name])',
        'print([layer.name for layer in model.layers], model.get_layer("head").name)',
      ].join('\n'),
    );
    expect(a.diagnostics.map((d) => d.message)).toEqual([]);
    expect(printed(a)).toBe(
      "['dense', 'head', 'dense_1', 'lstm', 'bidirectional', 'time_distributed', 'dropout', 'layer_normalization', 'lambda']\n" +
        "['input_1', 'dense', 'dropout', 'head'] head\n",
    );
  });
});
