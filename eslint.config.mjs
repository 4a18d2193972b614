// Lint for the whole repository. The import boundaries below keep the layers apart:
// engine/ is the language (no editor, no server, no CLI), server/ serves it over LSP,
// cli/ drives the engine and the server's analysis host from a terminal, and client/ is
// the VS Code extension, which only speaks the wire protocol (protocol/).

import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** `no-restricted-imports` patterns for a layer that must not reach into `dirs`. */
function layerBoundary(dirs, extra = [], message) {
  return {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          {
            regex: `^(\\.\\./)+(${dirs.join('|')})(/|$)`,
            message,
          },
          ...extra,
        ],
      },
    ],
  };
}

const editorLibraries = {
  regex: '^(vscode|vscode-languageserver|vscode-languageclient|vscode-languageserver-[a-z-]+|vscode-jsonrpc)(/|$)',
  message: 'engine/ is editor-independent: the LSP and VS Code libraries belong to server/ and client/.',
};

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'out/**',
      '.vscode-test/**',
      'test/vscode/node_modules/**',
      'test/vscode/out/**',
      'bench/.peers/**',
      'engine/wasm/assembly/**',
      'engine/wasm/kernels.generated.ts',
      'test/editors/neovim/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: {
        console: 'readonly',
        process: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        queueMicrotask: 'readonly',
        performance: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        WebAssembly: 'readonly',
        globalThis: 'readonly',
        __dirname: 'readonly',
        require: 'readonly',
        module: 'writable',
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // tsconfig's noUnusedLocals/noUnusedParameters report these with the compiler's
      // precision (and typecheck runs first in `npm test`).
      '@typescript-eslint/no-unused-vars': 'off',
      'no-unused-vars': 'off',
      // Numeric kernels and parsers build values whose shapes TypeScript cannot follow
      // (typed-array views, JSON from the wire, user-sized records); an `any` there is
      // deliberate and commented, not a slip.
      '@typescript-eslint/no-explicit-any': 'off',
      // Control characters in regexes are the point of the lexers' and the sanitisers'
      // character classes.
      'no-control-regex': 'off',
      // Exhaustive switches declare per-case constants in their case blocks on purpose.
      'no-case-declarations': 'off',
      // `while (true)` loops with a budgeted break are how the bounded loops read best.
      'no-constant-condition': ['error', { checkLoops: false }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-var': 'error',
      // A binding read by a closure before its one assignment (a module that names its own
      // root) cannot be const.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // `const analyzer = this` is how an object-literal method reaches its creator, and
      // `for (let s = this; s; s = s.parent)` how a scope walks its chain: both deliberate.
      '@typescript-eslint/no-this-alias': 'off',
    },
  },
  {
    // A spread passes every element as an argument: past about 120,000 of them it overflows
    // the stack, and in engine/ and server/ the lists are the user's.
    files: ['engine/**/*.ts', 'server/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.object.name='Math'][callee.property.name=/^(max|min)$/] > SpreadElement",
          message: 'Math.max/min of a spread list overflows the stack on long lists: use largest()/smallest() from engine/extremes.ts.',
        },
      ],
    },
  },
  {
    files: ['engine/**/*.ts'],
    rules: layerBoundary(
      ['server', 'client', 'cli', 'protocol'],
      [editorLibraries],
      'engine/ never imports server/, client/, cli/ or protocol/: the layers above import the engine, not the other way round.',
    ),
  },
  {
    files: ['protocol/**/*.ts'],
    rules: layerBoundary(
      ['server', 'client', 'cli'],
      [],
      'protocol/ is the wire format: it may name engine result types, never the server, the client or the CLI.',
    ),
  },
  {
    files: ['server/**/*.ts'],
    rules: layerBoundary(['client', 'cli'], [], 'server/ never imports client/ or cli/.'),
  },
  {
    files: ['client/**/*.ts'],
    rules: layerBoundary(
      ['engine', 'server', 'cli'],
      [],
      'client/ speaks only the wire protocol: import protocol/ (type-only where it can) and the vscode/language-client libraries.',
    ),
  },
  {
    // The web extension's fallback: when the host refuses it a Worker, the browser build of
    // the server runs in the extension's own thread, so this one file starts it directly.
    files: ['client/browser.ts'],
    rules: layerBoundary(
      ['engine', 'cli'],
      [{ regex: '^(\\.\\./)+server/(?!browser$)', message: 'client/browser.ts may start only server/browser.' }],
      'client/ speaks only the wire protocol: import protocol/ (type-only where it can) and the vscode/language-client libraries.',
    ),
  },
  {
    files: ['**/*.mjs', '**/*.js', '**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
