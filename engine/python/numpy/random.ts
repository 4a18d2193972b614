// `np.random`: NumPy's exact streams come from the engine's NumPy random module.

import { PyModule } from '../values';
import type { Runtime } from '../runtime';

const modules = new WeakMap<Runtime, PyModule>();

export function numpyRandomModule(rt: Runtime): PyModule {
  let m = modules.get(rt);
  if (!m) modules.set(rt, (m = new PyModule('numpy.random', () => undefined)));
  return m;
}
