// Keras' metrics: the functions per sample and the stateful objects' weighted running means,
// against the definitions computed here in plain arithmetic from the same numbers.

import { describe, expect, it } from 'vitest';
import { data, py, val } from './support';

const TRUE = [
  [0, 1, 0],
  [1, 0, 0],
  [0, 0, 1],
  [0, 1, 0],
];
const PRED = [
  [0.1, 0.7, 0.2],
  [0.3, 0.6, 0.1],
  [0.2, 0.2, 0.6],
  [0.5, 0.3, 0.2],
];
const IDS = [1, 0, 2, 1];

const argmax = (row: number[]) => row.indexOf(Math.max(...row));
const binary = (threshold: number) =>
  TRUE.map((row, i) => row.filter((t, j) => t === (PRED[i][j] > threshold ? 1 : 0)).length / row.length);
const inTop = (row: number[], target: number, k: number) => row.filter((v) => v > row[target]).length < k;
const mean = (xs: number[], ws = xs.map(() => 1)) => xs.reduce((s, x, i) => s + x * ws[i], 0) / ws.reduce((s, w) => s + w, 0);

const PRELUDE = `
import tensorflow as tf
y_true = tf.constant(${JSON.stringify(TRUE)}, dtype=tf.float32)
y_pred = tf.constant(${JSON.stringify(PRED)})
ids = tf.constant(${JSON.stringify(IDS)})
`;

function run(body: string) {
  const a = py(PRELUDE + body);
  expect(a.diagnostics.map((d) => d.message)).toEqual([]);
  return (name: string) => Array.from(data(val(a, name)), (x) => Number(x));
}

function expectValues(actual: number[], expected: number[]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((x, i) => expect(x).toBeCloseTo(expected[i], 6));
}

describe('tf.keras.metrics functions', () => {
  it('give a value per sample (accuracy per element), as Keras defines them', () => {
    const get = run(`
cat = tf.keras.metrics.categorical_accuracy(y_true, y_pred)
sparse = tf.keras.metrics.sparse_categorical_accuracy(ids, y_pred)
column = tf.keras.metrics.sparse_categorical_accuracy(tf.reshape(ids, [4, 1]), y_pred)
binary = tf.keras.metrics.binary_accuracy(y_true, y_pred)
low = tf.keras.metrics.binary_accuracy(y_true, y_pred, threshold=0.25)
same = tf.keras.metrics.accuracy(ids, tf.constant([1, 1, 2, 0]))
top = tf.keras.metrics.top_k_categorical_accuracy(y_true, y_pred, k=2)
sparse_top = tf.keras.metrics.sparse_top_k_categorical_accuracy(ids, y_pred, k=1)
mse = tf.keras.metrics.mean_squared_error(y_true, y_pred)
`);
    const categorical = PRED.map((row, i) => (argmax(row) === argmax(TRUE[i]) ? 1 : 0));
    expectValues(get('cat'), categorical);
    expectValues(get('sparse'), categorical);
    expectValues(get('column'), categorical);
    expectValues(get('binary'), binary(0.5));
    expectValues(get('low'), binary(0.25));
    expectValues(
      get('same'),
      [1, 1, 2, 0].map((p, i) => (p === IDS[i] ? 1 : 0)),
    );
    expectValues(
      get('top'),
      PRED.map((row, i) => (inTop(row, IDS[i], 2) ? 1 : 0)),
    );
    expectValues(get('sparse_top'), categorical);
    expectValues(
      get('mse'),
      PRED.map((row, i) => row.reduce((s, p, j) => s + (p - TRUE[i][j]) ** 2, 0) / 3),
    );
  });
});

describe('tf.keras.metrics objects', () => {
  it('average over every update, weighted by sample_weight, until reset', () => {
    const get = run(`
m = tf.keras.metrics.SparseCategoricalAccuracy()
m.update_state(ids[:2], y_pred[:2])
m.update_state(ids[2:], y_pred[2:], sample_weight=[0.5, 2.0])
sparse = m.result()
avg = tf.keras.metrics.Mean()
avg.update_state([1.0, 2.0, 3.0])
avg.update_state(10.0, sample_weight=3.0)
total = avg.result()
avg.reset_state()
empty = avg.result()
b = tf.keras.metrics.BinaryAccuracy(threshold=0.3)
called = b(y_true, y_pred)
c = tf.keras.metrics.CategoricalAccuracy()
c.update_state(y_true, y_pred, sample_weight=tf.constant([[1.0], [2.0], [3.0], [4.0]]))
weighted = c.result()
`);
    const categorical = PRED.map((row, i) => (argmax(row) === argmax(TRUE[i]) ? 1 : 0));
    expectValues(get('sparse'), [mean(categorical, [1, 1, 0.5, 2])]);
    expectValues(get('total'), [mean([1, 2, 3, 10], [1, 1, 1, 3])]);
    expectValues(get('empty'), [0]);
    expectValues(get('called'), [mean(binary(0.3))]);
    expectValues(get('weighted'), [mean(categorical, [1, 2, 3, 4])]);
  });

  it('are outside the subset in a TF 1.x graph, said where they are updated', () => {
    const a = py(`
import tensorflow as tf
tf.compat.v1.disable_eager_execution()
m = tf.keras.metrics.Mean()
m.update_state([1.0, 2.0])
`);
    expect(a.diagnostics.map((d) => [d.severity, d.message])).toEqual([
      ['information', expect.stringContaining('`Mean` metric objects in a TF 1.x graph are outside')],
    ]);
  });
});
