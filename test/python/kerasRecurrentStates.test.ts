// Keras' recurrent layers' states in and out: `initial_state` (an encoder's states starting a
// decoder) continues a sequence exactly where the first part stopped, and Bidirectional's
// `return_state` and `initial_state` are its copies' (forward's, then backward's). Checked as
// identities between runs of the same weights; the numbers themselves against PyTorch are in
// models.test.ts.

import { describe, expect, it } from 'vitest';
import { expectAllClose, py, scriptsAfter, val } from './support';

const PRELUDE = `
import numpy as np
import tensorflow as tf
np.random.seed(5)
x = tf.constant(np.random.randn(2, 5, 3).astype(np.float32))
`;

const run = scriptsAfter(PRELUDE);

describe('initial_state', () => {
  it('continues LSTM, GRU and SimpleRNN sequences where the first part stopped (states as a list or one tensor)', () => {
    const { get } = run(`
lstm = tf.keras.layers.LSTM(4, return_sequences=True, return_state=True)
whole, h, c = lstm(x)
first, h1, c1 = lstm(x[:, :3])
second, h2, c2 = lstm(x[:, 3:], initial_state=[h1, c1])
joined = tf.concat([first, second], axis=1)
gru = tf.keras.layers.GRU(3, return_state=True)
g, g_state = gru(x)
_, g1 = gru(x[:, :2])
g2, _ = gru(x[:, 2:], initial_state=g1)
rnn = tf.keras.layers.SimpleRNN(2, return_sequences=True)
r = rnn(x)
r2 = rnn(x[:, 4:], initial_state=[rnn(x[:, :4])[:, -1]])
`);
    expectAllClose(get('joined'), get('whole'));
    expectAllClose(get('h2'), get('h'));
    expectAllClose(get('c2'), get('c'));
    expectAllClose(get('g2'), get('g'));
    const r = get('r');
    expectAllClose(get('r2'), [...r.slice(8, 10), ...r.slice(18, 20)]);
  });

  it('a masked step before the first real one outputs zeros and keeps the initial state', () => {
    const { get } = run(`
ids = tf.constant([[0, 0, 2, 1], [3, 1, 2, 1]])
words = tf.keras.layers.Embedding(5, 3, mask_zero=True)(ids)
h0 = tf.constant([[0.5, -0.25], [0.1, 0.2]])
rnn = tf.keras.layers.SimpleRNN(2, return_sequences=True, return_state=True)
seq, h = rnn(words, initial_state=h0)
_, real = rnn(words[:1, 2:], initial_state=h0[:1])
`);
    expect(get('seq').slice(0, 4)).toEqual([0, 0, 0, 0]);
    expectAllClose(get('h').slice(0, 2), get('real'));
  });

  it('refuses a count of states the layer does not have', () => {
    const { a } = run(`y = tf.keras.layers.LSTM(2)(x, initial_state=[tf.zeros([2, 2])])`, false);
    expect(a.diagnostics.map((d) => d.message)).toEqual([
      'ValueError: An initial_state was passed that is not compatible with `cell.state_size`: LSTM has 2 states, got 1',
    ]);
  });
});

describe('Bidirectional states', () => {
  it("return_state gives the merged output, then the forward copy's states, then the backward's; initial_state starts each copy", () => {
    const { get } = run(`
both = tf.keras.layers.Bidirectional(tf.keras.layers.LSTM(2, return_state=True))
out, fh, fc, bh, bc = both(x)
joined = tf.concat([fh, bh], axis=-1)
states = [tf.ones([2, 2]) * 0.5, tf.zeros([2, 2]), -tf.ones([2, 2]), tf.ones([2, 2])]
started, sfh, sfc, sbh, sbc = both(x, initial_state=states)
forward, _, _ = both.forward_layer(x, initial_state=states[:2])
backward, _, _ = both.backward_layer(x, initial_state=states[2:])
expected = tf.concat([forward, backward], axis=-1)
`);
    expectAllClose(get('out'), get('joined'));
    expectAllClose(get('started'), get('expected'));
    expect(get('started')).not.toEqual(get('out'));
  });
});

describe("ConvLSTM2D's masks and initial_state", () => {
  it('a masked step keeps the states and the output; initial_state continues a sequence', () => {
    // Keras' backend.rnn: the states after steps 1-2 given as initial_state to step 3 give the
    // states of all three steps; masking the last step gives the output of the first two,
    // masking the first (zero states kept) the output of the last two. The unmasked outputs
    // differ (by 0.16 here), so each equality says the mask or the state was used.
    const a = py(`import numpy as np
import tensorflow as tf
x = tf.constant(np.sin(np.arange(2 * 3 * 4 * 4 * 2, dtype=np.float32)).reshape(2, 3, 4, 4, 2))
layer = tf.keras.layers.ConvLSTM2D(3, 3, padding='same', return_state=True)
full, h, c = layer(x)
first, h2, c2 = layer(x[:, :2])
rest, h3, c3 = layer(x[:, 2:], initial_state=[h2, c2])
masked, hm, cm = layer(x, mask=tf.constant([[True, True, False], [True, True, False]]))
late, _, _ = layer(x, mask=tf.constant([[False, True, True], [False, True, True]]))
tail, _, _ = layer(x[:, 1:])
gap = tf.reduce_max(tf.abs(first - full))
`);
    const near = (x: string, y: string) => expectAllClose(Array.from(val(a, x).data), Array.from(val(a, y).data));
    near('rest', 'full');
    near('h3', 'h');
    near('c3', 'c');
    near('masked', 'first');
    near('cm', 'c2');
    near('late', 'tail');
    expect(val(a, 'gap').data[0]).toBeGreaterThan(0.05);
  });
});
