// Node-only (the CLI, the language server and its analysis worker, the bench): Node 20's V8
// has relaxed SIMD behind a flag, which the module's faster build needs (runtime.ts). The
// flag is set only where the feature does not validate already (Node 22 and browsers ship
// it), before the first kernel compiles the module; V8's flags are per process, so worker
// threads started later see it too.
import { setFlagsFromString } from 'v8';
import { relaxedSimdValidates } from './runtime';

export function enableRelaxedSimd(): void {
  if (relaxedSimdValidates()) return;
  try {
    setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    // The plain build runs.
  }
}
