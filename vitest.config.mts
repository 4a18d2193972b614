import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    exclude: ['test/vscode/suite/**', 'test/vscode/out/**', 'test/vscode/node_modules/**', 'node_modules/**'],
    testTimeout: 60_000,
    pool: 'threads',
    setupFiles: ['test/support/relaxedSimd.ts'],
    projects: [
      // Every suite, with the WebAssembly kernels (the default where they run).
      { extends: true, test: { name: 'engine', include: ['test/**/*.test.ts'] } },
      // The LSP feature suites again against the browser build of the server (the web
      // extension's), in a Web Worker of headless Chromium (test/server/browserServer.ts). Not
      // the robustness suite: it stops and restarts the Node server's worker thread, which
      // the browser build does not have (server/browser.ts says why).
      {
        extends: true,
        test: {
          name: 'web-server',
          include: [
            'test/server/features.test.ts',
            'test/server/commands.test.ts',
            'test/server/trust.test.ts',
            'test/server/settings.test.ts',
            'test/server/positions.test.ts',
            'test/server/webLoad.test.ts',
            'test/server/python.test.ts',
          ],
          env: { TGRAPH_LSP_SERVER: 'browser' },
        },
      },
      // The value and gradient suites again on the TypeScript reference kernels, which
      // stay the fallback where WebAssembly SIMD is missing.
      {
        extends: true,
        test: {
          name: 'js-kernels',
          include: [
            'test/engine/conformance.test.ts',
            'test/engine/gradcheck.test.ts',
            'test/engine/nn.test.ts',
            'test/engine/linalg.test.ts',
            'test/engine/kernels.test.ts',
            'test/engine/reduce.test.ts',
            'test/engine/autodiff.test.ts',
          ],
          setupFiles: ['test/support/jsKernels.ts'],
        },
      },
    ],
  },
});
