// Keras' recurrent cells: RNN over one cell or a stack of them computes what the matching
// recurrent layer does with the same weights (one step definition), names the weights as Keras
// does, and a cell called directly returns (output, states) in the form its states were given.

import { describe, expect, it } from 'vitest';
import { data, diagnosticsByLine, printed, py, val } from './support';

describe('Keras recurrent cells', () => {
  it('RNN(cell) is the recurrent layer of that cell, with the same weights', () => {
    for (const cell of ['SimpleRNN', 'LSTM', 'GRU']) {
      const a = py(
        [
          'import numpy as np',
          'import tensorflow as tf',
          'np.random.seed(5)',
          'x = tf.constant(np.random.randn(2, 3, 4).astype(np.float32))',
          `layer = tf.keras.layers.${cell}(3, return_sequences=True)`,
          `network = tf.keras.layers.RNN(tf.keras.layers.${cell}Cell(3), return_sequences=True)`,
          'expected = layer(x)',
          'network.build((None, 3, 4))',
          'network.set_weights(layer.get_weights())',
          'got = network(x)',
        ].join('\n'),
      );
      expect(data(val(a, 'got')), cell).toEqual(data(val(a, 'expected')));
    }
  });

  it('names the weights as Keras does, and a cell returns its states as they were given', () => {
    const a = py(
      [
        'import tensorflow as tf',
        'x = tf.ones((2, 4, 3))',
        'single = tf.keras.layers.RNN(tf.keras.layers.LSTMCell(5), return_sequences=True)',
        'stack = tf.keras.layers.RNN([tf.keras.layers.GRUCell(4), tf.keras.layers.GRUCell(3)])',
        'o = stack(single(x))',
        'print([v.name for v in single.weights + stack.weights])',
        'g = tf.keras.layers.GRUCell(2)',
        'out, state = g(x[:, 0], tf.zeros((2, 2)))',
        'out2, states = g(x[:, 0], [tf.zeros((2, 2))])',
        'print(type(state).__name__ != "list", len(states), [w.shape for w in g.weights])',
      ].join('\n'),
    );
    const [names, forms] = printed(a).trim().split('\n');
    expect(names).toBe(
      "['rnn/lstm_cell/kernel:0', 'rnn/lstm_cell/recurrent_kernel:0', 'rnn/lstm_cell/bias:0', " +
        "'rnn_1/stacked_rnn_cells/gru_cell/kernel:0', 'rnn_1/stacked_rnn_cells/gru_cell/recurrent_kernel:0', " +
        "'rnn_1/stacked_rnn_cells/gru_cell/bias:0', 'rnn_1/stacked_rnn_cells/gru_cell_1/kernel:0', " +
        "'rnn_1/stacked_rnn_cells/gru_cell_1/recurrent_kernel:0', 'rnn_1/stacked_rnn_cells/gru_cell_1/bias:0']",
    );
    expect(forms).toBe('True 1 [TensorShape([3, 6]), TensorShape([2, 6]), TensorShape([2, 6])]');
    expect(data(val(a, 'out'))).toEqual(data(val(a, 'out2')));
  });

  it('refuses what is not a cell, and errors at wrong states, the rest still running', () => {
    const lines = [
      'import tensorflow as tf',
      'x = tf.ones((2, 4, 3))',
      'a = tf.keras.layers.RNN(tf.keras.layers.Dense(3))',
      'b = tf.keras.layers.LSTMCell(2)(x, [tf.zeros((2, 2)), tf.zeros((2, 2))])',
      'c = tf.keras.layers.LSTMCell(2)(x[:, 0], [tf.zeros((2, 2))])',
      'd = tf.keras.layers.RNN([tf.keras.layers.SimpleRNNCell(2), tf.keras.layers.SimpleRNNCell(3)])(x, initial_state=[tf.zeros((2, 2)), tf.zeros((2, 2))])',
      'ok = tf.keras.layers.RNN(tf.keras.layers.SimpleRNNCell(2), return_state=True)(x)',
    ];
    const { a, byLine } = diagnosticsByLine(lines);
    expect(byLine).toEqual([
      ['a', expect.stringContaining('RNN over Dense is not modelled')],
      ['b', expect.stringContaining('expected ndim=2, found ndim=3')],
      ['c', expect.stringContaining('LSTMCell has 2 states, got 1')],
      ['d', expect.stringContaining('each initial state should be [batch, 3], got (2, 2)')],
    ]);
    expect(a.lookup('ok')?.value.kind).toBe('list');
  });
});
