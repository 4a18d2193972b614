// Keras layers' names: `dense`, `dense_1`, ... (a counter per class, per script, as Keras'
// per-session counters), or the `name=` given; each layer answers `layer.name` from here.

import type { PyObject } from '../values';

const LAYER_NAMES = new WeakMap<PyObject, string>();

/** Records a layer's name (functional.ts' kerasLayerClass, as each layer is made). */
export function nameLayer(layer: PyObject, name: string): void {
  LAYER_NAMES.set(layer, name);
}

/** The layer's name, if it is a Keras layer made by the script. */
export function kerasLayerName(layer: PyObject): string | undefined {
  return LAYER_NAMES.get(layer);
}
