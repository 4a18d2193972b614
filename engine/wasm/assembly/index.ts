// The WebAssembly module's exports: every kernel family file, compiled together
// (scripts/build-wasm.mjs).
export * from './gemm';
export * from './conv';
