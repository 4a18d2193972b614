// A layer whose size is a user's number is refused by the element budget at that number,
// before any of its weights or initial values is made (a fuzz find: an LSTM of 2**31 units
// made its forget-gate bias, a list of 2**33 entries, and reached the user as "too complex").

import { describe, expect, it } from 'vitest';
import { py } from './support';

describe('recurrent layers past the element budget', () => {
  for (const cell of ['LSTM', 'GRU', 'SimpleRNN']) {
    it(`${cell} is refused at its units, and the script goes on`, () => {
      const src = [
        'import tensorflow as tf',
        `layer = tf.keras.layers.${cell}(2**31, return_sequences=True)`,
        'layer.build((None, 4, 3))',
        'after = tf.ones((2, 2))',
      ].join('\n');
      const a = py(src, { strict: false });
      const errors = a.diagnostics.filter((d) => d.severity === 'error');
      expect(errors.map((d) => d.code)).toEqual(['budget-elements']);
      expect(src.slice(errors[0].span.start, errors[0].span.end)).toBe('2**31');
      expect(errors[0].message).toContain(`${cell}'s recurrent kernel`);
      expect(a.diagnostics.some((d) => d.code === 'too-complex' || d.code === 'internal-error')).toBe(false);
    });
  }
});
