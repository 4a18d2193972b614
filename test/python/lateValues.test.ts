// A graph tensor no sess.run fetched still shows a value (the latest run's feeds), and the NaN
// or Inf it makes is warned of like a fetched tensor's: those values were computed at the first
// hover or print, after the diagnostics were made, and the warning was lost (Python fuzz, seed
// 20261602, inputs 256 and 4849).

import { describe, expect, it, vi } from 'vitest';
import { py } from './support';
import { Evaluator } from '../../engine/evaluate';
import type { Node } from '../../engine/graph';

describe('values of tensors no run fetched', () => {
  it('warn of Inf made from finite inputs, at the op', () => {
    const src = [
      'import tensorflow as tf',
      'x = tf.placeholder(tf.float32, [None, 2])',
      'loss = x[0]',
      'for k in range(64):',
      '    loss = loss + loss + loss + loss',
      'sess = tf.Session()',
      'sess.run([], {x: [[1, 2], [3, 4]]})',
    ].join('\n');
    const a = py(src, { strict: false });
    const warnings = a.diagnostics.filter((d) => d.severity === 'warning');
    expect(warnings.map((d) => d.message)).toEqual([expect.stringContaining('produced Inf at index 1 from finite inputs')]);
  });

  it('warn of a literal float32 cannot hold, at the literal', () => {
    const src = [
      'import tensorflow as tf',
      'x = tf.placeholder(tf.float32, [None, 2])',
      'g = x[0]',
      'sess = tf.Session()',
      'sess.run([], {x: [[3, 4]]})',
      'g = g * 10**100',
    ].join('\n');
    const a = py(src, { strict: false });
    const warnings = a.diagnostics.filter((d) => d.severity === 'warning');
    expect(warnings).toHaveLength(1);
    expect(src.slice(warnings[0].span.start, warnings[0].span.end)).toBe('10**100');
  });

  it('that no run can compute are looked for once: the stopped-values note and hovers are told at once', () => {
    // y is fed by no run: each t is tried in the last 8 runs' evaluators while analysing, and
    // was tried in all 8 again by the note (the memory budget stops the last run) and by
    // every hover.
    const src = [
      'import tensorflow as tf',
      'x = tf.placeholder(tf.float32, [None, 2])',
      'y = tf.placeholder(tf.float32, [None, 2])',
      ...Array.from({ length: 20 }, (_, i) => `t${i} = tf.tanh(y * ${i + 1}.0)`),
      'sess = tf.Session()',
      ...Array.from({ length: 8 }, (_, r) => `v${r} = sess.run(x * ${r + 1}.0, {x: [[1, 2]]})`),
      'big = sess.run(tf.ones([1000, 1000]) * 2.0)',
    ].join('\n');
    const asked = vi.spyOn(Evaluator.prototype, 'valueOf');
    try {
      const a = py(src, { strict: false, maxTotalBytes: 1_000_000 });
      expect(a.diagnostics.map((d) => d.code)).toContain('budget-memory');
      const analysing = asked.mock.calls.length;
      for (let i = 0; i < 20; i++) {
        const b = a.lookup(`t${i}`)!;
        expect(b.describe).toMatch(/^no value: evaluation stopped at line 33 .*maxTotalBytes/);
        expect(a.valueOf((b.value as { node: Node }).node)).toBeUndefined();
      }
      // A hover asks the constants' evaluator only (it asked all nine).
      expect(asked.mock.calls.length - analysing).toBe(20);
    } finally {
      asked.mockRestore();
    }
  });
});
