import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    exclude: ['test/vscode/**', 'node_modules/**'],
    testTimeout: 60_000,
    pool: 'threads',
    projects: [
      // Every suite, with the WebAssembly kernels (the default where they run).
      { extends: true, test: { name: 'engine', include: ['test/**/*.test.ts'] } },
      // The LSP feature suites again against the browser build of the server (the web
      // extension's), in a Web Worker of headless Chromium (test/lsp/browserServer.ts). Not
      // the robustness suite: it stops and restarts the Node server's worker thread, which
      // the browser build does not have (server/browser.ts says why).
      {
        extends: true,
        test: {
          name: 'web-server',
          include: ['test/lsp/features.test.ts', 'test/lsp/commands.test.ts', 'test/lsp/trust.test.ts', 'test/lsp/settings.test.ts', 'test/lsp/positions.test.ts', 'test/lsp/webLoad.test.ts', 'test/lsp/python.test.ts'],
          env: { TGRAPH_LSP_SERVER: 'browser' },
        },
      },
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
