// TensorFlow.js on its CPU backend, the reference the conformance suite compares with.

import * as tf from '@tensorflow/tfjs';
import type { Plain } from './engine';

export { tf };

let ready: Promise<void> | null = null;

/** Selects the CPU backend once (quietly: TF.js prints a hint about tfjs-node otherwise). */
export function initTf(): Promise<void> {
  ready ??= (async () => {
    const warn = console.warn;
    const log = console.log;
    console.warn = () => {};
    console.log = () => {};
    try {
      await tf.setBackend('cpu');
      await tf.ready();
    } finally {
      console.warn = warn;
      console.log = log;
    }
  })();
  return ready;
}

/** A TF.js tensor (or list of them, or null) as nested arrays, bools as booleans. */
export function plain(x: tf.Tensor | (tf.Tensor | null)[] | null | number): Plain {
  if (x === null) return null;
  if (typeof x === 'number') return x;
  if (Array.isArray(x)) return x.map((t) => plain(t));
  const v = x.arraySync() as Plain;
  if (x.dtype !== 'bool') return v;
  const toBool = (y: Plain): Plain => (Array.isArray(y) ? y.map(toBool) : y === null ? null : Boolean(y));
  return toBool(v);
}
