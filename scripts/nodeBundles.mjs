// The Node bundles: the CLI, the language server and the analysis worker both of them start.
// Shared by scripts/build.mjs and by the tests that build a bundle themselves, so every copy
// is laid out alike: the three files side by side in one folder.

export const NODE_BUNDLE = { bundle: true, platform: 'node', target: 'node20', format: 'cjs' };

/** The CLI's `lsp` command loads the server's own bundle beside it, so cli.js carries no
 *  server (its other commands start faster). Sources (the tests) keep the plain import. */
const serverBesideCli = {
  name: 'server-beside-cli',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/server\/main$/ }, (args) =>
      /[\\/]cli[\\/]main\.ts$/.test(args.importer) ? { path: './server.js', external: true } : undefined,
    );
  },
};

/** Entry (from the repository's root) → file name in the bundles' folder. */
export const NODE_BUNDLES = [
  { entry: 'cli/main.ts', file: 'cli.js', plugins: [serverBesideCli] },
  { entry: 'server/main.ts', file: 'server.js' },
  // The analysis worker (server/workerChannel.ts starts it): the engine alone.
  { entry: 'server/analysisWorker.ts', file: 'analysisWorker.js' },
];
