// The WebAssembly module's exports: every kernel family file, compiled together
// (scripts/build-wasm.mjs).
export * from './gemm';
export * from './conv';
export * from './elementwise';
export * from './binary';
export * from './exact';
export * from './reduce';
export * from './select';

/** Where the module's static data (Math.log's tables) ends: the JS glue lays out its
 *  buffers above it. */
export function heapBase(): usize {
  return __heap_base;
}
export * from './softmaxGrad';
