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

  it("names each layer's weights by layer.name, whatever order the layers are built in", () => {
    // TF 2: `dense_1/kernel:0` belongs to the layer named dense_1; two layers given one name
    // each have `head/kernel:0` (eager variables are not numbered); Keras' snake case of
    // Conv2D is conv2d, of PReLU p_re_lu.
    const a = py(
      [
        'import tensorflow as tf',
        'd1 = tf.keras.layers.Dense(3)',
        'd2 = tf.keras.layers.Dense(2)',
        "h1 = tf.keras.layers.Dense(2, name='head')",
        "h2 = tf.keras.layers.Dense(2, name='head')",
        'conv = tf.keras.layers.Conv2D(2, 3)',
        'prelu = tf.keras.layers.PReLU()',
        'x = tf.zeros([1, 4])',
        'd2(x)',
        'd1(x)',
        'h2(x)',
        'h1(x)',
        'conv(tf.zeros([1, 5, 5, 1]))',
        'prelu(x)',
        'for layer in [d1, d2, h1, h2, conv, prelu]:',
        '    print(layer.name, [w.name for w in layer.weights])',
      ].join('\n'),
    );
    expect(printed(a)).toBe(
      [
        "dense ['dense/kernel:0', 'dense/bias:0']",
        "dense_1 ['dense_1/kernel:0', 'dense_1/bias:0']",
        "head ['head/kernel:0', 'head/bias:0']",
        "head ['head/kernel:0', 'head/bias:0']",
        "conv2d ['conv2d/kernel:0', 'conv2d/bias:0']",
        "p_re_lu ['p_re_lu/alpha:0']",
        '',
      ].join('\n'),
    );
  });

  it("names Bidirectional's copies forward_/backward_ and the wrapped layer's name", () => {
    const a = py(
      [
        'import tensorflow as tf',
        'first = tf.keras.layers.LSTM(2)',
        'bi = tf.keras.layers.Bidirectional(tf.keras.layers.LSTM(2))',
        "named = tf.keras.layers.Bidirectional(tf.keras.layers.GRU(2, name='enc'))",
        'x = tf.zeros([1, 3, 4])',
        'named(x)',
        'bi(x)',
        'print(bi.forward_layer.name, bi.backward_layer.name, named.forward_layer.name, named.backward_layer.name)',
        'print([w.name for w in bi.weights][::3], [w.name for w in named.weights][::3])',
      ].join('\n'),
    );
    expect(printed(a)).toBe(
      'forward_lstm_1 backward_lstm_1 forward_enc backward_enc\n' +
        "['forward_lstm_1/kernel:0', 'backward_lstm_1/kernel:0'] ['forward_enc/kernel:0', 'backward_enc/kernel:0']\n",
    );
  });

  it("numbers a TF 1.x graph's weight scopes past names taken, as graph name scopes are", () => {
    const a = py(
      [
        'import tensorflow.compat.v1 as tf',
        'tf.disable_eager_execution()',
        'x = tf.placeholder(tf.float32, [None, 4])',
        "h1 = tf.keras.layers.Dense(3, name='head')",
        "h2 = tf.keras.layers.Dense(2, name='head')",
        'd = tf.keras.layers.Dense(2)',
        'h1(x); h2(x); d(x)',
        'print([v.name for v in tf.global_variables()][::2], h2.name)',
      ].join('\n'),
    );
    expect(printed(a)).toBe("['head/kernel:0', 'head_1/kernel:0', 'dense/kernel:0'] head\n");
  });

  it("lists a functional model's TF ops and operators as Keras' TFOpLambda layers, by canonical name, numbered", () => {
    // Keras 2: `tf.nn.relu(t)` on a Keras tensor is the layer tf.nn.relu, `t * 2.0`
    // tf.math.multiply, `b + inp` tf.__operators__.add, `tf.add` tf.math.add, slicing
    // tf.__operators__.getitem (a SlicingOpLambda); those inside a Python function are seen one
    // by one. Ordered by depth from the outputs, as Keras orders layers.
    const a = py(
      [
        'import numpy as np',
        'import tensorflow as tf',
        'def block(t):',
        '    return tf.nn.relu(t) * 2.0',
        'inp = tf.keras.Input(shape=(3,))',
        'b = block(block(inp))',
        "out = tf.keras.layers.Dense(2, kernel_initializer='ones')(b + inp)",
        'out = tf.add(out[:, :1], 1.0)',
        'model = tf.keras.Model(inp, out)',
        'print([layer.name for layer in model.layers])',
        "relu = model.get_layer('tf.nn.relu_1')",
        'print(type(relu).__name__, relu.weights, relu(tf.constant([-1.0, 2.0])).numpy())',
        'print(model(np.array([[1., -2., 3.]], np.float32)).numpy())',
      ].join('\n'),
    );
    expect(printed(a)).toBe(
      "['input_1', 'tf.nn.relu', 'tf.math.multiply', 'tf.nn.relu_1', 'tf.math.multiply_1', 'tf.__operators__.add', 'dense', " +
        "'tf.__operators__.getitem', 'tf.math.add']\n" +
        'TFOpLambda [] [0. 2.]\n' +
        // relu·2 twice: [4, 0, 12]; + input: [5, -2, 15]; a Dense of ones: 18; + 1.
        '[[19.]]\n',
    );
  });
});
