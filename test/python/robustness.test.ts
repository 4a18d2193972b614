// Bad input never crashes the Python front end: every example script, mutated at random
// (fixed seeds) by deleting, duplicating and inserting characters, analyses to diagnostics
// without an internal error or an exception, and within the time budget.

import { describe, expect, it } from 'vitest';
import * as fs from 'fs';
import * as path from 'path';
import { analyzePython } from '../../engine/python/analysis';
import { EXAMPLES } from './support';

const scripts = fs
  .readdirSync(EXAMPLES)
  .filter((f) => f.endsWith('.py'))
  .sort();
const PIECES = [
  '(',
  ')',
  '[',
  ']',
  ':',
  ',',
  '.',
  '=',
  '*',
  '**',
  '\n',
  '    ',
  'None',
  'tf.',
  'np.',
  'x',
  '0',
  '1.',
  "'",
  '"',
  '#',
  'lambda',
  'for',
  'if',
  '\\',
];

/** A small deterministic generator (LCG), so failures replay. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

function mutate(text: string, rnd: () => number): string {
  let t = text;
  const edits = 1 + Math.floor(rnd() * 4);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(rnd() * (t.length + 1));
    const kind = rnd();
    if (kind < 0.35) t = t.slice(0, at) + t.slice(at + 1 + Math.floor(rnd() * 8));
    else if (kind < 0.7) t = t.slice(0, at) + PIECES[Math.floor(rnd() * PIECES.length)] + t.slice(at);
    else {
      const from = Math.floor(rnd() * t.length);
      t = t.slice(0, at) + t.slice(from, from + Math.floor(rnd() * 40)) + t.slice(at);
    }
  }
  return t;
}

describe('mutated scripts', () => {
  for (const file of scripts) {
    it(file, () => {
      const text = fs.readFileSync(path.join(EXAMPLES, file), 'utf8');
      const rnd = random(file.length * 7919);
      for (let k = 0; k < 12; k++) {
        const src = mutate(text, rnd);
        const a = analyzePython(src, { evaluationTimeoutMs: 2000 });
        const internal = a.diagnostics.filter((d) => d.code === 'internal-error' || d.code === 'too-complex');
        expect(internal.map((d) => `${d.message} in:\n${src}`)).toEqual([]);
        for (const d of a.diagnostics) {
          expect(d.span.start).toBeGreaterThanOrEqual(0);
          expect(d.span.end).toBeLessThanOrEqual(src.length);
          expect(d.span.start).toBeLessThanOrEqual(d.span.end);
        }
      }
    });
  }
});

describe('errors of values nothing printed', () => {
  it("an eager tensor's kernel error is a diagnostic at its statement, as in a .tgraph file", () => {
    const text = `import tensorflow as tf
emb = tf.keras.layers.Embedding(2, 3, embeddings_initializer="ones")
y = emb(tf.constant([5]))
w = tf.gather(tf.ones([2, 3]), [1])
`;
    const a = analyzePython(text);
    expect(a.diagnostics.map((d) => `${text.slice(d.span.start, d.span.end)}: ${d.severity} ${d.message}`)).toEqual([
      'emb(tf.constant([5])): error gather: indices[0] = 5 is not in [0, 2) (axis 0 of params of shape [2, 3])',
    ]);
  });
});
