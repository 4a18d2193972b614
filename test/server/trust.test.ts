// Workspace trust over a real stdio connection: in an untrusted workspace load() is an
// error on the call that says why and the rest of the file analyses; a trusted workspace (or
// a client that says nothing, like other editors through `tgraph lsp --stdio`) reads the
// .npy file; granting trust later re-analyses and the load works. Then what the shipped
// code can reach at all: no network, no processes, no environment variables from the
// engine or the server's own code.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InlayHint, PublishDiagnosticsParams } from 'vscode-languageserver-protocol/node';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { LspClient, ROOT, ensureServerBuilt, positionOf, type ClientOptions } from './helpers';
import { UNTRUSTED_LOAD_CODE, WorkspaceTrust } from '../../server/trust';

beforeAll(async () => {
  await ensureServerBuilt();
}, 120_000);

/** A NumPy 1.0 .npy file of float32 values (NumPy's layout: magic, version, header, data). */
function npyFloat32(shape: number[], values: number[]): Buffer {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const header = dict + ' '.repeat(63 - ((10 + dict.length) % 64)) + '\n';
  const preamble = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 255, header.length >> 8]);
  return Buffer.concat([preamble, Buffer.from(header, 'latin1'), Buffer.from(new Float32Array(values).buffer)]);
}

// The document sits in a subfolder of the workspace folder; the .npy file beside it.
const TEXT = "w = load('weights.npy')\nx = constant([[1., 2.], [3., 4.]])\ny = reduce_sum(x * 2.)\ns = reduce_sum(w)\n";
const LOAD_CALL = "load('weights.npy')";
let workspace: string;

beforeAll(() => {
  workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'tgraph-trust-'));
  fs.mkdirSync(path.join(workspace, 'models'));
  fs.writeFileSync(path.join(workspace, 'models', 'weights.npy'), npyFloat32([2, 3], [1, 2, 3, 4, 5, 6]));
});

afterAll(() => {
  fs.rmSync(workspace, { recursive: true, force: true });
});

let documents = 0;
/** A new document in the workspace (each client test opens its own). */
function newDocument(): string {
  const file = path.join(workspace, 'models', `doc${documents++}.tgraph`);
  fs.writeFileSync(file, TEXT);
  return pathToFileURL(file).href;
}

async function withClient(options: ClientOptions, body: (client: LspClient) => Promise<void>): Promise<void> {
  const client = await LspClient.start({ workspaceFolders: [workspace], ...options });
  try {
    await body(client);
  } finally {
    await client.stop();
  }
}

function hintLabels(client: LspClient, uri: string): Promise<string[]> {
  return client
    .request<InlayHint[]>('textDocument/inlayHint', {
      textDocument: { uri },
      range: { start: { line: 0, character: 0 }, end: { line: 10, character: 0 } },
    })
    .then((hints) =>
      hints.map((h) => `${h.position.line} ${typeof h.label === 'string' ? h.label : h.label.map((p) => p.value).join('')}`),
    );
}

/** The load works: no diagnostics, w has the file's shape and s the sum of its values. */
async function expectLoaded(client: LspClient, uri: string, published: PublishDiagnosticsParams): Promise<void> {
  expect(published.diagnostics).toEqual([]);
  const labels = await hintLabels(client, uri);
  expect(labels).toContain('0 : float32[2, 3]');
  expect(labels).toContain('3 → 21.0');
}

describe('load() and workspace trust (LSP over stdio)', () => {
  it('untrusted: load() is an error on the call, with the reason and a code; the rest of the file analyses', async () => {
    await withClient({ initializationOptions: { workspaceTrusted: false } }, async (client) => {
      const uri = newDocument();
      const { diagnostics } = await client.open(uri, TEXT);
      expect(diagnostics).toHaveLength(1);
      const [d] = diagnostics;
      expect(d.code).toBe(UNTRUSTED_LOAD_CODE);
      expect(d.severity).toBe(1); // Error
      expect(d.message).toBe(
        'load() is disabled: this workspace is not trusted (VS Code workspace trust); trust the workspace to read .npy files',
      );
      const start = positionOf(TEXT, LOAD_CALL);
      expect(d.range).toEqual({ start, end: { line: start.line, character: start.character + LOAD_CALL.length } });
      // The statements that do not read a file have their values.
      expect(await hintLabels(client, uri)).toContain('2 → 20.0');
    });
  });

  it('trusted, or a client that says nothing (other editors, through `tgraph lsp --stdio`): load() reads the file', async () => {
    await withClient({ initializationOptions: { workspaceTrusted: true } }, async (client) => {
      const uri = newDocument();
      await expectLoaded(client, uri, await client.open(uri, TEXT));
    });
    await withClient({ viaCli: true }, async (client) => {
      const uri = newDocument();
      await expectLoaded(client, uri, await client.open(uri, TEXT));
    });
  });

  it('untrusted, then trust granted (tgraph/workspaceTrust): the open documents are analysed again and the load works', async () => {
    await withClient({ initializationOptions: { workspaceTrusted: false } }, async (client) => {
      const uri = newDocument();
      const opened = await client.open(uri, TEXT);
      expect(opened.diagnostics.map((d) => d.code)).toEqual([UNTRUSTED_LOAD_CODE]);
      const published = client.diagnostics.get(uri)!.length;
      await client.connection.sendNotification('tgraph/workspaceTrust', { trusted: true });
      const again = await client.until(
        () =>
          client.diagnostics
            .get(uri)!
            .slice(published)
            .find((p) => p.diagnostics.length === 0),
        'a re-analysis without the load error',
      );
      await expectLoaded(client, uri, again);
    });
  });
});

describe('WorkspaceTrust', () => {
  it('is untrusted only when the client says workspaceTrusted: false', () => {
    for (const options of [undefined, null, {}, { settings: {} }, { workspaceTrusted: true }, { workspaceTrusted: 'no' }, 'false']) {
      expect(WorkspaceTrust.fromInitializationOptions(options).trusted).toBe(true);
    }
    expect(WorkspaceTrust.fromInitializationOptions({ workspaceTrusted: false }).trusted).toBe(false);
  });

  it('changes only on {trusted: boolean}, and says when it changed', () => {
    const trust = new WorkspaceTrust(false);
    for (const params of [undefined, null, {}, { trusted: 'yes' }, { trusted: 1 }, [true], { trusted: false }])
      expect(trust.update(params)).toBe(false);
    expect(trust.trusted).toBe(false);
    expect(trust.update({ trusted: true })).toBe(true);
    expect(trust.update({ trusted: true })).toBe(false);
    expect(trust.trusted).toBe(true);
  });

  it('disables load with the reason and code when untrusted, and leaves the context alone when trusted', () => {
    const load = { baseDir: '/w/models', workspaceRoots: ['/w'], enabled: true };
    expect(new WorkspaceTrust(true).restrict(load)).toBe(load);
    expect(new WorkspaceTrust(false).restrict(load)).toMatchObject({
      baseDir: '/w/models',
      workspaceRoots: ['/w'],
      enabled: false,
      disabledCode: UNTRUSTED_LOAD_CODE,
    });
  });
});

// ---- what the shipped code can reach -------------------------------------------------------

/** Node modules that reach the network, other processes or run code. */
const FORBIDDEN = new Set([
  'child_process',
  'cluster',
  'dgram',
  'dns',
  'http',
  'http2',
  'https',
  'inspector',
  'net',
  'tls',
  'vm',
  'worker_threads',
]);
const bare = (specifier: string) => specifier.replace(/^node:/, '');

function sourcesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? sourcesUnder(full) : e.name.endsWith('.ts') ? [full] : [];
  });
}

describe('what the engine and the server can reach', () => {
  it("the bundles' own code imports only fs, path and url; network and process modules come only from the LSP transport", async () => {
    const { build } = await import('esbuild');
    const { NODE_BUNDLE, NODE_BUNDLES } = await import('../../scripts/nodeBundles.mjs');
    expect(NODE_BUNDLES.map((b) => b.entry)).toEqual(['cli/main.ts', 'server/main.ts', 'server/analysisWorker.ts']);
    // The analysis runs in a worker thread: started in one place, run from one entry.
    const ANALYSIS_WORKER = new Set(['server/workerChannel.ts', 'server/analysisWorker.ts']);
    for (const { entry, plugins } of NODE_BUNDLES) {
      const result = await build({
        ...NODE_BUNDLE,
        entryPoints: [path.join(ROOT, entry)],
        plugins,
        write: false,
        metafile: true,
        logLevel: 'error',
        absWorkingDir: ROOT,
      });
      const builtinsByInput = new Map<string, string[]>();
      for (const [input, info] of Object.entries(result.metafile!.inputs)) {
        // External imports are Node's modules; a relative one is an import TypeScript
        // elides (used only as a type), or the CLI's load of the server's bundle beside it,
        // which esbuild lists as external too.
        builtinsByInput.set(
          input,
          info.imports.filter((i) => i.external && !i.path.startsWith('.')).map((i) => bare(i.path)),
        );
      }
      const own = [...builtinsByInput].filter(([input]) => /^(engine|server|cli)\//.test(input));
      expect(own.length).toBeGreaterThan(5);
      for (const [input, builtins] of own) {
        const allowed = input.startsWith('engine/')
          ? // v8: one file sets one constant flag (relaxed SIMD for the WebAssembly kernels).
            input === 'engine/wasm/nodeFeatures.ts'
            ? ['v8']
            : ['fs', 'path']
          : ANALYSIS_WORKER.has(input)
            ? ['fs', 'path', 'url', 'worker_threads']
            : // os: the analysis worker lowers its own thread's priority (get/setPriority).
              input === 'server/threadPriority.ts'
              ? ['fs', 'os']
              : ['fs', 'path', 'url'];
        expect(
          builtins.filter((b) => !allowed.includes(b)),
          `${entry}: ${input}`,
        ).toEqual([]);
      }
      // The engine reads files in one place: load().
      const reads = own.filter(([input, b]) => input.startsWith('engine/') && b.includes('fs')).map(([input]) => input);
      expect(reads).toEqual(entry === 'cli/main.ts' ? [] : ['engine/ops/npy.ts']);
      // vscode-jsonrpc's node transport (pipes and sockets the editor may choose) and
      // vscode-languageserver's module resolution helpers, which the server never calls.
      const reaching = [...builtinsByInput]
        .filter(([input, b]) => b.some((m) => FORBIDDEN.has(m) && !(m === 'worker_threads' && ANALYSIS_WORKER.has(input))))
        .map(([input]) => input);
      if (entry === 'server/main.ts') expect(reaching.length).toBeGreaterThan(0);
      for (const input of reaching) expect(input, entry).toMatch(/^node_modules\/vscode-(jsonrpc|languageserver)\//);
    }
  }, 60_000);

  it('no source of the engine, the server or the CLI reads environment variables or evaluates code', () => {
    const sources = ['engine', 'server', 'cli'].flatMap((d) => sourcesUnder(path.join(ROOT, d)));
    expect(sources.length).toBeGreaterThan(20);
    for (const file of sources) {
      const text = fs.readFileSync(file, 'utf8');
      // require/import() of our own files only (the CLI loads the server lazily).
      expect(
        text.match(/process\.env|\beval\s*\(|new\s+Function\s*\(|\b(require|import)\s*\(\s*(?!['"]\.)/g),
        path.relative(ROOT, file),
      ).toBe(null);
    }
  });
});
