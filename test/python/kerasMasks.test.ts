// Keras' implicit masks: which layers make, pass on and drop a mask (`_keras_mask`, as Keras
// shows it), and what a masked step does — a recurrent layer on right-padded ids ends where
// the same layer on the real steps alone ends, an explicit `mask=` equals the implicit one,
// a masked average is over the real steps. (The numbers of whole masked models against
// PyTorch: models.test.ts' keras12_masking_tf2.)

import { describe, expect, it } from 'vitest';
import { expectAllClose, printed, scriptsAfter } from './support';

const PRELUDE = `
import numpy as np
import tensorflow as tf
np.random.seed(3)
ids = tf.constant([[3, 1, 4, 0, 0], [0, 2, 5, 1, 6]])
embed = tf.keras.layers.Embedding(7, 4, mask_zero=True)
words = embed(ids)
`;

const run = scriptsAfter(PRELUDE);

const REAL = [1, 1, 1, 0, 0, 0, 1, 1, 1, 1];

describe('Keras masks: made, passed on and dropped', () => {
  it('Embedding(mask_zero=True) masks the id 0; Dense, Dropout, an activation and a recurrent sequence pass it on; pooling and a last output drop it', () => {
    const { a, get } = run(`
made = words._keras_mask
computed = embed.compute_mask(ids)
dense = tf.keras.layers.Dense(3)(words)
passed = tf.keras.layers.Activation('relu')(tf.keras.layers.Dropout(0.5)(dense))._keras_mask
sequence = tf.keras.layers.LSTM(2, return_sequences=True)(words)
kept = sequence._keras_mask
last_mask = tf.keras.layers.LSTM(2)(words)._keras_mask
pooled_mask = tf.keras.layers.GlobalAveragePooling1D()(words)._keras_mask
conv_mask = tf.keras.layers.Conv1D(2, 1)(words)._keras_mask
unmasked = tf.keras.layers.Embedding(7, 4)(ids)._keras_mask
`);
    for (const name of ['made', 'computed', 'passed', 'kept']) expect(get(name), name).toEqual(REAL);
    for (const name of ['last_mask', 'pooled_mask', 'conv_mask', 'unmasked']) expect(a.lookup(name)?.value.kind, name).toBe('none');
  });

  it('Masking masks the steps whose every feature is mask_value, and zeroes them', () => {
    const { get } = run(`
frames = tf.constant([[[1.0, 2.0], [-1.0, -1.0], [0.0, 3.0]], [[-1.0, -1.0], [4.0, -1.0], [-1.0, -1.0]]])
masked = tf.keras.layers.Masking(mask_value=-1.0)(frames)
mask = masked._keras_mask
`);
    expect(get('mask')).toEqual([1, 0, 1, 0, 1, 0]);
    // (−1·0 is −0, in Keras too.)
    expect(get('masked').map((x) => x + 0)).toEqual([1, 2, 0, 0, 0, 3, 0, 0, 4, -1, 0, 0]);
  });

  it('merging layers keep the steps every masked input keeps; Concatenate counts an unmasked input as all kept', () => {
    const { get } = run(`
other = tf.keras.layers.Embedding(7, 4, mask_zero=True)(tf.constant([[1, 1, 1, 1, 0], [0, 1, 1, 1, 1]]))
added = tf.keras.layers.Add()([words, other])._keras_mask
joined = tf.keras.layers.Concatenate()([words, tf.ones([2, 5, 2])])._keras_mask
`);
    expect(get('added')).toEqual([1, 1, 1, 0, 0, 0, 1, 1, 1, 1]);
    expect(get('joined')).toEqual(REAL);
  });
});

describe('Keras masks: what a masked step does', () => {
  it('a recurrent layer on right-padded steps ends as it does on the real steps alone, its sequence repeating the last real output', () => {
    const { get } = run(`
lstm = tf.keras.layers.LSTM(3, return_sequences=True, return_state=True)
sequence, h, c = lstm(words)
prefix, h3, c3 = lstm(words[:1, :3])
gru = tf.keras.layers.GRU(2)
last = gru(words)
alone = gru(words[1:, 1:])
`);
    const seq = get('sequence');
    const prefix = get('prefix');
    // Sample 0: steps 0..2 real, steps 3 and 4 repeat step 2's output.
    expectAllClose(seq.slice(0, 9), prefix);
    expectAllClose(seq.slice(9, 12), prefix.slice(6, 9));
    expectAllClose(seq.slice(12, 15), prefix.slice(6, 9));
    expectAllClose(get('h').slice(0, 3), get('h3'));
    expectAllClose(get('c').slice(0, 3), get('c3'));
    // Sample 1 is left-padded: its first output is zeros, and the GRU ends as on the real steps.
    expectAllClose(seq.slice(15, 18), [0, 0, 0]);
    expectAllClose(get('last').slice(2, 4), get('alone'));
  });

  it('an explicit mask= equals the implicit one, and overrides it', () => {
    const { get } = run(`
rnn = tf.keras.layers.SimpleRNN(2, return_sequences=True)
implicit = rnn(words)
explicit = rnn(tf.identity(words), mask=tf.constant([[1, 1, 1, 0, 0], [0, 1, 1, 1, 1]]))
none = rnn(words, mask=tf.ones([2, 5], dtype=tf.bool))
plain = rnn(tf.identity(words))
`);
    expectAllClose(get('explicit'), get('implicit'));
    expectAllClose(get('none'), get('plain'));
    expect(get('none')).not.toEqual(get('implicit'));
  });

  it('GlobalAveragePooling1D averages the real steps only', () => {
    const { get } = run(`
pooled = tf.keras.layers.GlobalAveragePooling1D()(words)
first = tf.reduce_mean(words[0, :3], axis=0)
second = tf.reduce_mean(words[1, 1:], axis=0)
`);
    expectAllClose(get('pooled'), [...get('first'), ...get('second')]);
  });

  it('BatchNormalization in training on masked steps is refused where it is called', () => {
    const { a } = run(`y = tf.keras.layers.BatchNormalization()(words, training=True)`, false);
    expect(a.diagnostics.map((d) => d.message)).toEqual([
      'not evaluated: BatchNormalization in training on masked steps is not modelled by tgraph',
    ]);
  });

  it("the text-classification tutorial's model: stacked Bidirectional LSTMs over a masked Embedding, in Sequential, weights named as Keras numbers them", () => {
    const { a, get } = run(`
model = tf.keras.Sequential([
    embed,
    tf.keras.layers.Bidirectional(tf.keras.layers.LSTM(3, return_sequences=True)),
    tf.keras.layers.Bidirectional(tf.keras.layers.LSTM(2)),
    tf.keras.layers.Dense(1),
])
y = model(ids)
print([v.name for v in model.trainable_variables])
alone = model(ids[1:, 1:])
`);
    const names = ['forward_lstm', 'backward_lstm', 'forward_lstm_1', 'backward_lstm_1'].flatMap((scope) =>
      ['kernel', 'recurrent_kernel', 'bias'].map((w) => `'${scope}/${w}:0'`),
    );
    expect(printed(a)).toBe(`['embedding/embeddings:0', ${names.join(', ')}, 'dense/kernel:0', 'dense/bias:0']\n`);
    // The left-padded sample gives what its real steps alone give.
    expectAllClose(get('y').slice(1), get('alone'));
  });
});
