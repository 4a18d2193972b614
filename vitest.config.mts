import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    exclude: ['test/vscode/**', 'node_modules/**'],
    testTimeout: 60_000,
    pool: 'threads',
    projects: [
      // Every suite, with the WebAssembly kernels (the default where they run).
      { extends: true, test: { name: 'engine', include: ['test/**/*.test.ts'] } },
      // The value and gradient suites again on the TypeScript reference kernels, which
      // stay the fallback where WebAssembly SIMD is missing.
      {
        extends: true,
        test: {
          name: 'js-kernels',
          include: ['test/conformance.test.ts', 'test/gradcheck.test.ts', 'test/nn.test.ts', 'test/linalg.test.ts', 'test/kernels.test.ts', 'test/reduce.test.ts', 'test/autodiff.test.ts'],
          setupFiles: ['test/support/jsKernels.ts'],
        },
      },
    ],
  },
});
