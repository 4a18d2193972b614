// Setup of the `js-kernels` test project (vitest.config.mts): the suites it runs again use
// the TypeScript reference kernels instead of the WebAssembly ones.
import { setKernelBackend } from '../../engine/wasm/runtime';

setKernelBackend('js');
