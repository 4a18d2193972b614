// A graph tensor no sess.run fetched still shows a value (the latest run's feeds), and the NaN
// or Inf it makes is warned of like a fetched tensor's: those values were computed at the first
// hover or print, after the diagnostics were made, and the warning was lost (Python fuzz, seed
// 20261602, inputs 256 and 4849).

import { describe, expect, it } from 'vitest';
import { py } from './support';

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
});
