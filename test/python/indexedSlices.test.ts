// TensorFlow's IndexedSlices: the gradient of an embedding table read only by lookups keeps
// one row per id looked up (repeated ids included) beside the ids; made dense, a repeated id's
// rows are summed. Numbers from PyTorch float64's sparse embedding gradient
// (scripts/fixtures/indexed_slices.py), the printed forms TensorFlow's (its IndexedSlices
// defines only __str__; a fetched one is the namedtuple IndexedSlicesValue).

import * as fs from 'fs';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { data, expectNear, printed, py, val } from './support';

interface Case {
  name: string;
  table: number[][];
  ids: unknown;
  ids2: unknown;
  weights: unknown;
  loss: number;
  indices: number[];
  values: number[][];
  dense: number[][];
}

const FIXTURE = path.resolve(__dirname, '..', 'fixtures', 'indexed-slices', 'cases.json');
const { cases } = JSON.parse(fs.readFileSync(FIXTURE, 'utf8')) as { cases: Case[] };

const matrix = (rows: number[][]) => ({ shape: [rows.length, rows[0].length], data: rows.flat() });

/** The fixture's loss, as a TF 1.x graph script. */
function graphScript(c: Case): string {
  const second = c.ids2 === null ? '' : ` + tf.reduce_sum(tf.tanh(tf.nn.embedding_lookup(emb, ${JSON.stringify(c.ids2)}) * w) ** 2)`;
  return [
    'import tensorflow as tf',
    'tf.compat.v1.disable_v2_behavior()',
    `emb = tf.Variable(${JSON.stringify(c.table)}, dtype=tf.float64)`,
    `w = tf.constant(${JSON.stringify(c.weights)}, dtype=tf.float64)`,
    `e = tf.gather(emb, ${JSON.stringify(c.ids)})`,
    `loss = tf.reduce_sum(tf.tanh(e * w) ** 2)${second}`,
    'g = tf.gradients(loss, emb)[0]',
    'with tf.compat.v1.Session() as sess:',
    '    sess.run(tf.compat.v1.global_variables_initializer())',
    '    gv = sess.run(g)',
    '    values = gv.values',
    '    indices = gv.indices',
    '    shape = gv.dense_shape',
    '    dense = sess.run(tf.convert_to_tensor(g))',
    '',
  ].join('\n');
}

describe('tf.gradients through gather/embedding_lookup is an IndexedSlices (TF 1.x graph)', () => {
  it.each(cases)('$name: values per id, indices, and the dense sum', (c) => {
    const a = py(graphScript(c));
    expectNear(val(a, 'values'), matrix(c.values), 'values', 1e-12, 1e-14);
    expect(data(val(a, 'indices'))).toEqual(c.indices);
    expect(data(val(a, 'shape'))).toEqual([c.table.length, c.table[0].length]);
    expectNear(val(a, 'dense'), matrix(c.dense), 'dense', 1e-12, 1e-14);
    // The binding shows the dense gradient, with the sum explained and a note on the slices.
    const g = a.lookup('g')!;
    expectNear(val(a, 'g'), matrix(c.dense), 'g', 1e-12, 1e-14);
    expect(g.describe).toContain('IndexedSlices');
    expect(g.describe).toContain('the rows of a repeated id summed');
  });

  it('prints as TensorFlow prints it, and its fetched value as the namedtuple', () => {
    const src = [
      'import tensorflow as tf',
      'tf.compat.v1.disable_v2_behavior()',
      'emb = tf.Variable([[1., 2.], [3., 4.], [5., 6.], [7., 8.]])',
      'loss = tf.reduce_sum(tf.gather(emb, [0, 2, 0]) ** 2)',
      'g = tf.gradients(loss, emb)[0]',
      'print(g)',
      'print(isinstance(g, tf.IndexedSlices), g.dtype)',
      'with tf.compat.v1.Session() as sess:',
      '    sess.run(tf.compat.v1.global_variables_initializer())',
      '    print(sess.run(g))',
      '',
    ].join('\n');
    expect(printed(py(src))).toBe(
      [
        'IndexedSlices(indices=Tensor("gradients/GatherV2_grad/Reshape_1:0", shape=(3,), dtype=int32), values=Tensor("gradients/GatherV2_grad/Reshape:0", shape=(3, 2), dtype=float32), dense_shape=Tensor("gradients/GatherV2_grad/Cast:0", shape=(2,), dtype=int32))',
        "True <dtype: 'float32'>",
        'IndexedSlicesValue(values=array([[ 2.,  4.],',
        '       [10., 12.],',
        '       [ 2.,  4.]], dtype=float32), indices=array([0, 2, 0], dtype=int32), dense_shape=array([4, 2], dtype=int32))',
        '',
      ].join('\n'),
    );
  });

  it('a table also read densely has a dense gradient, as TensorFlow aggregates it', () => {
    const src = [
      'import tensorflow as tf',
      'tf.compat.v1.disable_v2_behavior()',
      'emb = tf.Variable([[1., 2.], [3., 4.]])',
      'loss = tf.reduce_sum(tf.gather(emb, [1, 1])) + tf.reduce_sum(emb * emb)',
      'g = tf.gradients(loss, emb)[0]',
      'print(isinstance(g, tf.IndexedSlices))',
      '',
    ].join('\n');
    const a = py(src);
    expect(printed(a)).toBe('False\n');
    // 2·emb, plus 1 for each of the two lookups of row 1.
    expect(data(val(a, 'g'))).toEqual([2, 4, 8, 10]);
  });
});

describe('tape.gradient through a lookup is an IndexedSlices (TF 2 eager)', () => {
  it.each(cases)('$name: values per id, and an SGD step applies the dense sum', (c) => {
    const lookups = c.ids2 === null ? [c.ids] : [c.ids, c.ids2];
    const src = [
      'import tensorflow as tf',
      `emb = tf.Variable(${JSON.stringify(c.table)}, dtype=tf.float64)`,
      `w = tf.constant(${JSON.stringify(c.weights)}, dtype=tf.float64)`,
      'with tf.GradientTape() as tape:',
      `    loss = ${lookups.map((ids) => `tf.reduce_sum(tf.tanh(tf.nn.embedding_lookup(emb, ${JSON.stringify(ids)}) * w) ** 2)`).join(' + ')}`,
      'g = tape.gradient(loss, emb)',
      'values = g.values',
      'indices = g.indices',
      'before = emb.numpy()',
      'tf.keras.optimizers.SGD(0.5).apply_gradients([(g, emb)])',
      'after = emb.numpy()',
      '',
    ].join('\n');
    const a = py(src);
    expectNear(val(a, 'values'), matrix(c.values), 'values', 1e-12, 1e-14);
    expect(data(val(a, 'indices'))).toEqual(c.indices);
    const step = c.table.map((row, i) => row.map((x, j) => x - 0.5 * c.dense[i][j]));
    expectNear(val(a, 'after'), matrix(step), 'after', 1e-12, 1e-14);
  });
});
