// A float literal that float32 cannot hold becomes ±Inf (or 0) in TensorFlow without a word,
// and a training step from it leaves NaN: the numerics watch warns at the literal itself,
// once per constant, in both front ends; float64 keeps the literal and says nothing.
import { describe, expect, it } from 'vitest';
import { analyze } from '../../engine/analysis';
import { analyzePython } from '../../engine/python/analysis';
import type { Analysis } from '../../engine/analysis';
import type { Node } from '../../engine/graph';

/** The value bound to `name`. */
function valueNamed(a: Analysis, name: string): number[] {
  const v = a.lookup(name)!.value as { node: Node };
  return Array.from(a.valueOf(v.node)!.data);
}

/** The literal-rounded warnings as `'text at the range': message`. */
function rounded(a: Analysis, text: string): string[] {
  return a.diagnostics
    .filter((d) => d.code === 'literal-rounded')
    .map((d) => {
      expect(d.severity).toBe('warning');
      return `'${text.slice(d.span.start, d.span.end)}': ${d.message}`;
    });
}

const INF = (literal: string, sign = '') =>
  `${literal} is ${sign}Inf in float32 (its largest magnitude is 3.4028235e+38): what is computed from it is Inf or NaN; float64 keeps it (dtype float64)`;
const ZERO = (literal: string) =>
  `${literal} is 0 in float32 (its smallest nonzero magnitude is 1.4e-45); float64 keeps it (dtype float64)`;

describe('.tgraph literals float32 cannot hold', () => {
  it('warns at the literal inside the list, once per constant, and keeps TensorFlow’s value', () => {
    const text = [
      'x = constant([1.0, 1e100, 2e100])',
      'y = constant([[1e-60, 2.0], [3.0, 4.0]])',
      'z = x * 2.0',
      'big = constant([1e100, 1.0], dtype=float64)',
      'fine = constant([3.4e38, 1e-45, 0.0, -0.0])',
      'w = x * -1e40',
    ].join('\n');
    const a = analyze(text);
    expect(rounded(a, text)).toEqual([`'1e100': ${INF('1e+100')}`, `'1e-60': ${ZERO('1e-60')}`, `'1e40': ${INF('-1e+40', '-')}`]);
    expect(valueNamed(a, 'x')).toEqual([1, Infinity, Infinity]);
    expect(valueNamed(a, 'y')).toEqual([0, 2, 3, 4]);
    expect(valueNamed(a, 'big')).toEqual([1e100, 1]);
  });
});

describe('Python literals float32 cannot hold', () => {
  it('warns at the literal in tf.constant, tf.Variable and an operand, not in float64', () => {
    const text = [
      'import tensorflow as tf',
      'v = tf.Variable([1_000e97, 0.0])',
      'c = tf.constant(1e-50)',
      'd = tf.constant([1e100, 1.0], dtype=tf.float64)',
      'x = tf.constant([1.0, 2.0])',
      'y = x * 1e40',
    ].join('\n');
    const a = analyzePython(text);
    expect(rounded(a, text)).toEqual([`'1_000e97': ${INF('1e+100')}`, `'1e-50': ${ZERO('1e-50')}`, `'1e40': ${INF('1e+40')}`]);
    expect(valueNamed(a, 'v')).toEqual([Infinity, 0]);
    expect(valueNamed(a, 'd')).toEqual([1e100, 1]);
  });

  it('an int too large for float32 in a float list warns at the list (it is no single literal)', () => {
    const text = ['import tensorflow as tf', 'v = tf.Variable([10**100, 0.0])', 'n = tf.constant(10**100, dtype=tf.float32)'].join('\n');
    const a = analyzePython(text);
    expect(rounded(a, text)).toEqual([`'[10**100, 0.0]': ${INF('1e+100')}`, `'10**100': ${INF('1e+100')}`]);
    expect(valueNamed(a, 'v')).toEqual([Infinity, 0]);
  });

  it('a training step from an Inf weight leaves NaN: the warning names the cause', () => {
    const text = [
      'import tensorflow as tf',
      'v = tf.Variable([10.0, 1e39])',
      'with tf.GradientTape() as tape:',
      '    loss = tf.reduce_sum(v * v)',
      'g = tape.gradient(loss, v)',
      'v.assign_sub(0.1 * g)',
      'after = v + 0.0',
    ].join('\n');
    const a = analyzePython(text);
    expect(rounded(a, text)).toEqual([`'1e39': ${INF('1e+39')}`]);
    expect(Number.isNaN(valueNamed(a, 'after')[1])).toBe(true);
  });
});
