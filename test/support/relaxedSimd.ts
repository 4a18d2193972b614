// Setup of every test project (vitest.config.mts): the WebAssembly kernels run the build the
// CLI and the language server run on Node 20 (relaxed SIMD enabled), whichever test file
// happens to compile the module first in a thread.
import { enableRelaxedSimd } from '../../engine/wasm/nodeFeatures';

enableRelaxedSimd();
