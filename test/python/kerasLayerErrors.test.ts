// The Keras layers added for tutorials' models, given what they cannot take: each refusal or
// error is one diagnostic on its own line, and the lines after still evaluate.

import { describe, expect, it } from 'vitest';
import { diagnosticsByLine, val } from './support';

describe('Keras layers on input they cannot take', () => {
  it('say so where they are called, and the rest of the script still runs', () => {
    const lines = [
      'import tensorflow as tf',
      'q = tf.ones((2, 3))',
      'a = tf.keras.layers.MultiHeadAttention(num_heads=2, key_dim=3)(q, q)',
      'b = tf.keras.layers.Attention()(q)',
      "c = tf.keras.layers.Attention(score_mode='general')([tf.ones((1, 2, 3)), tf.ones((1, 2, 3))])",
      'd = tf.keras.layers.MultiHeadAttention(num_heads=2, key_dim=3, attention_axes=(2,))(tf.ones((1, 2, 3)), tf.ones((1, 2, 3)))',
      "e = tf.keras.layers.Conv2DTranspose(2, 3, padding='full')(tf.ones((1, 4, 4, 1)))",
      'f = tf.keras.layers.DepthwiseConv2D(3)(tf.ones((1, 4, 4)))',
      "g = tf.keras.layers.Bidirectional(tf.keras.layers.LSTM(2), merge_mode='max')",
      'h = tf.keras.layers.Cropping1D((2, 3))(tf.ones((1, 5, 2)))',
      'ok = tf.keras.layers.MultiHeadAttention(num_heads=2, key_dim=3)(tf.ones((1, 2, 3)), tf.ones((1, 4, 3)))',
    ];
    const { a, byLine } = diagnosticsByLine(lines);
    expect(byLine).toEqual([
      ['a', expect.stringContaining('MultiHeadAttention on a query of rank other than 3 to 8 is not modelled')],
      ['b', expect.stringContaining('Attention layer must be called on a list of inputs')],
      ['c', expect.stringContaining('ValueError: Received: score_mode="general". Acceptable values are: ["dot", "concat"]')],
      [
        'd',
        expect.stringContaining(
          'MultiHeadAttention(attention_axes=[2]) on inputs of rank 3 is not modelled by tgraph (distinct axes from 1 to 1)',
        ),
      ],
      ['e', expect.stringContaining("padding must be 'valid' or 'same'")],
      ['f', expect.stringContaining('expected ndim=4, found ndim=3')],
      ['g', expect.stringContaining('Invalid merge mode')],
      ['h', expect.stringContaining('leaves nothing of its 5 entries')],
    ]);
    expect(val(a, 'ok').shape).toEqual([1, 2, 3]);
  });

  it('a recurrent layer over no time steps is an error at the call, not a crash (Python fuzz, seed 20261302 input 4991)', () => {
    const lines = [
      'import tensorflow as tf',
      'x = tf.ones((2, 0, 3))',
      'a = tf.keras.layers.SimpleRNN(1)(x)',
      'b = tf.keras.layers.LSTM(2, return_state=True)(x)',
      'c = tf.keras.layers.GRU(2, return_sequences=True)(x, initial_state=tf.zeros((2, 2)))',
      'd = tf.keras.layers.Bidirectional(tf.keras.layers.LSTM(2))(x)',
      'ok = tf.keras.layers.SimpleRNN(1)(tf.ones((2, 1, 3)))',
    ];
    const { a, byLine } = diagnosticsByLine(lines);
    expect(byLine).toEqual(
      ['a', 'b', 'c', 'd'].map((name) => [
        name,
        expect.stringMatching(/^InvalidArgumentError: (SimpleRNN|LSTM|GRU): the inputs \(2, 0, 3\) have no time steps/),
      ]),
    );
    expect(val(a, 'ok').shape).toEqual([2, 1]);
  });
});

// layers13: the 3-D layers, the normalizations and Dot.
describe('3-D, normalization and Dot layers on input they cannot take', () => {
  it('say so at the argument or the call, and the rest of the script still runs', () => {
    const lines = [
      'import numpy as np',
      'import tensorflow as tf',
      'a = tf.keras.layers.GroupNormalization(groups=4)(tf.ones((1, 3, 6)))',
      'b = tf.keras.layers.LayerNormalization(axis=3)(tf.ones((2, 3)))',
      'c = tf.keras.layers.Normalization(mean=[1.0, 2.0], variance=[1.0, 1.0])(tf.ones((2, 3)))',
      'd = tf.keras.layers.Normalization(mean=1.0)',
      'e = tf.keras.layers.Conv3D(2, 3)(tf.ones((1, 4, 4, 2)))',
      'f = tf.keras.layers.Cropping3D(2)(tf.ones((1, 4, 5, 5, 1)))',
      'g = tf.keras.layers.MaxPooling3D(3)(tf.ones((1, 2, 4, 4, 1)))',
      'h = tf.keras.layers.Conv1DTranspose(2, 3)(tf.ones((1, 4, 4, 2)))',
      'i = tf.keras.layers.Dot(axes=0)([tf.ones((2, 3)), tf.ones((2, 3))])',
      'j = tf.keras.layers.Dot(axes=1)([tf.ones((2, 3))] * 3)',
      'n = tf.keras.layers.Normalization(axis=None)',
      'n.adapt(np.array([1.0, 3.0]))',
      'ok = n(tf.constant([5.0, 0.0]))',
    ];
    const { a, byLine } = diagnosticsByLine(lines);
    expect(byLine).toEqual([
      ['a', expect.stringContaining('Number of groups (4) must be a multiple of the number of channels (6)')],
      ['b', expect.stringContaining('invalid axis 3 for an input of rank 2')],
      ['c', expect.stringContaining('the mean has 2 entries, the kept axes 3')],
      ['d', expect.stringContaining('both `mean` and `variance` must be set')],
      ['e', expect.stringContaining('expected ndim=5, found ndim=4')],
      ['f', expect.stringContaining('leaves nothing of its 4 entries')],
      ['g', expect.stringContaining("larger than the input's depth")],
      ['h', expect.stringContaining('expected ndim=3, found ndim=4')],
      ['i', expect.stringContaining('axis 0 of input 0 (rank 2) is not a non-batch axis')],
      ['j', expect.stringContaining('should be called on exactly 2 inputs')],
    ]);
    // The adapted mean 2 and variance 1.
    expect(Array.from(val(a, 'ok').data)).toEqual([3, -2]);
  });
});

describe('constants a layer makes from its arguments are checked before they are made', () => {
  it("UpSampling2D's bilinear weights and MultiHeadAttention's causal mask: the element budget at the argument, not 'too complex' (Python fuzz, seed 20261305 input 4908)", () => {
    const lines = [
      'import tensorflow as tf',
      'x = tf.ones((2, 3, 4, 2))',
      "u = tf.keras.layers.UpSampling2D(2**32, interpolation='bilinear')(x)",
      's = tf.ones((1, 200000, 1))',
      'c = tf.keras.layers.MultiHeadAttention(num_heads=1, key_dim=1)(s, s, use_causal_mask=True)',
      "ok = tf.keras.layers.UpSampling2D(2, interpolation='bilinear')(x)",
    ];
    const { a, byLine } = diagnosticsByLine(lines);
    expect(byLine).toEqual([
      [
        'u',
        expect.stringMatching(
          /^UpSampling2D: the bilinear weights of 38,654,705,664 elements is over the .* budget \(raise tgraph\.maxElements\)/,
        ),
      ],
      ['c', expect.stringMatching(/^the causal mask of 40,000,000,000 elements is over the .* budget \(raise tgraph\.maxElements\)/)],
    ]);
    expect(val(a, 'ok').shape).toEqual([2, 6, 8, 2]);
  });
});

// models14: the preprocessing layers.
describe('preprocessing layers on input they cannot take', () => {
  it('say so at the argument or the call, and the rest of the script still runs', () => {
    const lines = [
      'import tensorflow as tf',
      'ids = tf.constant([[1, 2], [0, 3]])',
      'a = tf.keras.layers.CategoryEncoding(3)(ids)',
      "b = tf.keras.layers.CategoryEncoding(4, output_mode='multi_hot')(ids, count_weights=tf.ones((2, 2)))",
      "c = tf.keras.layers.CategoryEncoding(4, output_mode='one_hot')(ids)",
      "d = tf.keras.layers.CategoryEncoding(4, output_mode='tf_idf')(ids)",
      'e = tf.keras.layers.CategoryEncoding()(ids)',
      'f = tf.keras.layers.Resizing(2, 2)(tf.ones((4, 4)))',
      'g = tf.keras.layers.CenterCrop(0, 2)(tf.ones((1, 4, 4, 1)))',
      'ok = tf.keras.layers.CenterCrop(3, 2)(tf.reshape(tf.range(8.), (1, 2, 4, 1)))',
    ];
    const { a, byLine } = diagnosticsByLine(lines);
    expect(byLine).toEqual([
      ['a', 'InvalidArgumentError: Input values must be in the range 0 <= values < num_tokens with num_tokens=3'],
      ['b', "ValueError: `count_weights` is not used when `output_mode` is not `'count'`."],
      ['c', expect.stringContaining('maximum supported output rank is 2')],
      ['d', expect.stringContaining('Unknown arg for output_mode: "tf_idf"')],
      ['e', expect.stringContaining('num_tokens must be set')],
      ['f', expect.stringContaining('Resizing expects an image [height, width, channels] or a batch of them, got rank 2')],
      ['g', 'ValueError: `height` must be a positive int, got 0'],
    ]);
    // A crop taller than the image is Keras' smart_resize: the centred 2x1 box of the 2x4 image
    // (column 1: a width of trunc(2·2/3) = 1, starting at trunc(3/2)), resized to 3x2 with
    // half-pixel centres (rows sampled at −1/6, 1/2 and 7/6, clamped to the two rows).
    expect(Array.from(val(a, 'ok').data)).toEqual([1, 1, 3, 3, 5, 5]);
  });
});

describe('MultiHeadAttention over several axes', () => {
  it('refuses the masks it cannot place, and attention_axes=(1,) is the default of a sequence', () => {
    const lines = [
      'import tensorflow as tf',
      'import numpy as np',
      'grid = tf.constant(np.random.randn(2, 3, 4, 5).astype(np.float32))',
      'seq = tf.constant(np.random.randn(2, 3, 5).astype(np.float32))',
      'a = tf.keras.layers.MultiHeadAttention(num_heads=2, key_dim=3, attention_axes=(2,))(grid, grid, use_causal_mask=True)',
      'layer = tf.keras.layers.MultiHeadAttention(num_heads=2, key_dim=3)',
      'default = layer(seq, seq)',
      'same = tf.keras.layers.MultiHeadAttention(num_heads=2, key_dim=3, attention_axes=1)',
      'same(seq, seq)',
      'same.set_weights(layer.get_weights())',
      'ok = same(seq, seq)',
    ];
    const { a, byLine } = diagnosticsByLine(lines);
    expect(byLine).toEqual([
      ['a', expect.stringContaining('with a causal or implicit mask is not modelled by tgraph (give attention_mask)')],
    ]);
    expect(Array.from(val(a, 'ok').data)).toEqual(Array.from(val(a, 'default').data));
  });
});

describe('ConvLSTM2D and Conv3DTranspose on what they do not model', () => {
  it('say so at the call or the argument, and the rest of the script still runs', () => {
    const lines = [
      'import tensorflow as tf',
      'v = tf.ones((1, 2, 4, 4, 1))',
      'a = tf.keras.layers.ConvLSTM2D(2, 3)(v, initial_state=[tf.zeros((1, 2)), tf.zeros((1, 2))])',
      'b = tf.keras.layers.Conv3DTranspose(2, 2, dilation_rate=2)(v)',
      "c = tf.keras.layers.Conv3DTranspose(2, 2, padding='full')(v)",
      "ok = tf.keras.layers.ConvLSTM2D(2, 3, padding='same', return_sequences=True)(v)",
    ];
    const { a, byLine } = diagnosticsByLine(lines);
    expect(byLine).toEqual([
      ['a', expect.stringContaining('ConvLSTM2D: each initial state should be [batch, rows, columns, 2], got (1, 2)')],
      ['b', expect.stringContaining('Conv3DTranspose with a dilation_rate other than 1 is not modelled by tgraph')],
      ['c', expect.stringContaining("Conv3DTranspose: padding must be 'valid' or 'same'")],
    ]);
    expect(val(a, 'ok').shape).toEqual([1, 2, 4, 4, 2]);
  });
});
