// A real LSP client for the tests: starts the bundled server (dist/server.js) as a child
// process over stdio and talks to it with vscode-languageserver-protocol's connection. With
// TGRAPH_LSP_SERVER=browser it starts the browser build in a Web Worker of headless Chromium
// instead (browserServer.ts): the same suites then test the web extension's server.

import { spawn, type ChildProcessWithoutNullStreams } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { fileURLToPath, pathToFileURL } from 'url';
import { startBrowserServer, type ServerTransport } from './browserServer';
import {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
  type Position,
  type Range,
  type TextEdit,
  type WorkspaceEdit,
  type ApplyWorkspaceEditParams,
  type InitializeResult,
} from 'vscode-languageserver-protocol/node';

export const ROOT = path.resolve(__dirname, '..', '..');
export const SERVER = path.join(ROOT, 'dist', 'server.js');

export const SEED = `# The question, as a .tgraph file
x_dims = 3
x = placeholder(float32, [None, x_dims])
feed x = [[5, 3, 7], [2, 2, 5], [7, 5, 0], [3, 7, 6]]
y = 2 * x**2
z = stack([y, y])          # twice as many z's as x's
dy_dx = gradients(y, x)[0] # [[20, 12, 28], [8, 8, 20], [28, 20, 0], [12, 28, 24]]
dz_dx = gradients(z, x)[0] # twice dy_dx: each x reaches two elements of z
check gradients(z, x)
assert allclose(dz_dx, 2 * dy_dx)
`;

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(full));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(full).mtimeMs);
  }
  return newest;
}

/** Builds the Node bundles (dist/server.js, dist/cli.js and the analysis worker both start)
 *  when missing or older than their sources (`npm test` builds first; this covers running one
 *  test file). Built to a temporary name and renamed, so test files starting in parallel never
 *  see a half-written bundle. */
export async function ensureServerBuilt(): Promise<void> {
  const sources = Math.max(...['server', 'engine', 'cli', 'client', 'protocol'].map((d) => newestSource(path.join(ROOT, d))));
  const { build } = await import('esbuild');
  const { NODE_BUNDLE, NODE_BUNDLES } = await import('../../scripts/nodeBundles.mjs');
  for (const { entry, file, plugins } of NODE_BUNDLES) {
    const out = path.join(ROOT, 'dist', file);
    const built = fs.existsSync(out) ? fs.statSync(out).mtimeMs : 0;
    if (built >= sources) continue;
    const tmp = path.join(ROOT, 'dist', `.${path.basename(out)}.${process.pid}.${Math.random().toString(36).slice(2)}.js`);
    await build({ ...NODE_BUNDLE, entryPoints: [path.join(ROOT, entry)], outfile: tmp, plugins, logLevel: 'error' });
    fs.renameSync(tmp, out);
  }
  // The browser build, as scripts/build.mjs makes it.
  const web = path.join(ROOT, 'dist', 'web', 'server.js');
  if (SERVER_KIND === 'browser' && (!fs.existsSync(web) || fs.statSync(web).mtimeMs < sources)) {
    fs.mkdirSync(path.dirname(web), { recursive: true });
    const tmp = path.join(ROOT, 'dist', 'web', `.server.${process.pid}.${Math.random().toString(36).slice(2)}.js`);
    await build({
      entryPoints: [path.join(ROOT, 'server', 'webWorker.ts')],
      outfile: tmp,
      bundle: true,
      platform: 'browser',
      target: 'es2022',
      format: 'iife',
      logLevel: 'error',
      alias: { path: path.join(ROOT, 'server', 'web', 'path.cjs'), fs: path.join(ROOT, 'server', 'web', 'noFs.ts') },
    });
    fs.renameSync(tmp, web);
  }
}

/** A temporary .tgraph file with `text`, as a file URI. */
export function tempDocument(text: string, name = 'doc.tgraph'): { uri: string; file: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tgraph-lsp-'));
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return { uri: pathToFileURL(file).href, file };
}

export interface ClientOptions {
  /** What the client answers to workspace/configuration for `tgraph` (null: defaults). */
  settings?: Record<string, unknown> | null;
  /** Start through the CLI (`node dist/cli.js lsp --stdio`) instead of the server bundle. */
  viaCli?: boolean;
  /** Sent as the initialize request's initializationOptions (e.g. `{workspaceTrusted: false}`). */
  initializationOptions?: unknown;
  /** Workspace folders (file system paths); none by default. */
  workspaceFolders?: string[];
  /** Workspace folders as URIs of any scheme (a browser's `vscode-test-web://...`). */
  workspaceFolderUris?: string[];
  /** The workspace file system `tgraph/readFile` answers from, by URI (default: the disk). */
  files?: Record<string, Uint8Array>;
}

/** Which build of the server the tests talk to: the Node one (default) or the browser one. */
const SERVER_KIND = process.env.TGRAPH_LSP_SERVER === 'browser' ? 'browser' : 'node';

/** The Node server as a child process over stdio (or through the CLI). */
function nodeServer(options: ClientOptions): ServerTransport {
  const args = options.viaCli ? [path.join(ROOT, 'dist', 'cli.js'), 'lsp', '--stdio'] : [SERVER, '--stdio'];
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, args, { cwd: ROOT, stdio: 'pipe' });
  return {
    reader: new StreamMessageReader(child.stdout),
    writer: new StreamMessageWriter(child.stdin),
    exitCode: () => child.exitCode,
    onOutput: (listener) => child.stderr.on('data', (d: Buffer) => listener(d.toString())),
    end: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const t = setTimeout(() => {
          child.kill();
          resolve();
        }, 2000);
        child.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
      }),
  };
}

/** What a client answers to the browser server's `tgraph/readFile` (client/browser.ts reads
 *  through VS Code's workspace file system; the tests' workspace is the disk). */
function readFileForServer(p: { uri: string; maxBytes: number }): { base64: string } | { refused: string; code: string } {
  let file: string;
  try {
    file = fileURLToPath(p.uri);
  } catch {
    return { refused: `'${p.uri}' is not a file`, code: 'load-outside' };
  }
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(file);
  } catch {
    return { refused: `no such file: '${file}'`, code: 'load-missing' };
  }
  if (stat.isSymbolicLink())
    return { refused: `'${file}' is a symbolic link; load() reads regular files in the browser`, code: 'load-refused' };
  if (stat.isDirectory()) return { refused: `'${file}' is a directory, not a .npy file`, code: 'load-not-file' };
  if (stat.size > p.maxBytes)
    return { refused: `'${file}' is ${stat.size} bytes, over the limit of ${p.maxBytes} bytes`, code: 'load-too-large' };
  return { base64: fs.readFileSync(file).toString('base64') };
}

export class LspClient {
  readonly diagnostics = new Map<string, PublishDiagnosticsParams[]>();
  readonly appliedEdits: WorkspaceEdit[] = [];
  readonly analysed: { uri: string; version: number; milliseconds: number; errors: number }[] = [];
  readonly refreshes: string[] = [];
  /** The URIs the server asked this client to read (`tgraph/readFile`, the browser build). */
  readonly fileReads: string[] = [];
  stderr = '';
  settings: Record<string, unknown> | null;
  private readonly versions = new Map<string, number>();
  private waiters: (() => void)[] = [];

  private constructor(
    private readonly server: ServerTransport,
    readonly connection: ProtocolConnection,
    options: ClientOptions,
  ) {
    this.settings = options.settings ?? null;
  }

  /** null while the server runs, else its exit code. */
  exitCode(): number | null {
    return this.server.exitCode();
  }

  static async start(options: ClientOptions = {}): Promise<LspClient> {
    const server = SERVER_KIND === 'browser' ? await startBrowserServer() : nodeServer(options);
    const connection = createProtocolConnection(server.reader, server.writer);
    const client = new LspClient(server, connection, options);
    server.onOutput((text) => (client.stderr += text));
    // The browser build reads load()'s files through its client: this one reads them from disk.
    connection.onRequest('tgraph/readFile', (p: { uri: string; maxBytes: number }) => {
      client.fileReads.push(p.uri);
      if (!options.files) return readFileForServer(p);
      const bytes = options.files[p.uri];
      return bytes ? { base64: Buffer.from(bytes).toString('base64') } : { refused: `no such file: '${p.uri}'`, code: 'load-missing' };
    });
    connection.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
      const list = client.diagnostics.get(p.uri) ?? [];
      list.push(p);
      client.diagnostics.set(p.uri, list);
      client.wake();
    });
    connection.onNotification('tgraph/analysed', (p: LspClient['analysed'][number]) => {
      client.analysed.push(p);
      client.wake();
    });
    connection.onNotification('window/logMessage', (p: { message: string }) => (client.stderr += `[log] ${p.message}\n`));
    connection.onRequest('workspace/configuration', (p: { items: unknown[] }) => p.items.map(() => client.settings));
    connection.onRequest('client/registerCapability', () => null);
    for (const method of ['workspace/inlayHint/refresh', 'workspace/codeLens/refresh', 'workspace/semanticTokens/refresh']) {
      connection.onRequest(method, () => {
        client.refreshes.push(method);
        return null;
      });
    }
    connection.onRequest('workspace/applyEdit', (p: ApplyWorkspaceEditParams) => {
      client.appliedEdits.push(p.edit);
      return { applied: true };
    });
    connection.listen();
    const init = (await connection.sendRequest('initialize', {
      processId: process.pid,
      rootUri: null,
      workspaceFolders:
        options.workspaceFolderUris?.map((uri) => ({ uri, name: uri })) ??
        options.workspaceFolders?.map((folder) => ({ uri: pathToFileURL(folder).href, name: path.basename(folder) })) ??
        null,
      initializationOptions: options.initializationOptions,
      capabilities: {
        workspace: {
          configuration: true,
          didChangeConfiguration: { dynamicRegistration: true },
          inlayHint: { refreshSupport: true },
          codeLens: { refreshSupport: true },
          semanticTokens: { refreshSupport: true },
          applyEdit: true,
          workspaceEdit: { documentChanges: true },
        },
        textDocument: {
          hover: { contentFormat: ['markdown', 'plaintext'] },
          synchronization: { dynamicRegistration: false },
          publishDiagnostics: { relatedInformation: true, versionSupport: true },
          rename: { prepareSupport: true },
          semanticTokens: { requests: { full: true, range: true }, tokenTypes: [], tokenModifiers: [], formats: ['relative'] },
        },
      },
    })) as InitializeResult;
    client.initializeResult = init;
    await connection.sendNotification('initialized', {});
    return client;
  }

  initializeResult?: InitializeResult;

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Resolves when `ready()` holds (checked after every notification), or rejects. */
  async until<T>(ready: () => T | undefined | null | false, what: string, timeoutMs = 20_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = ready();
      if (value) return value;
      if (this.exitCode() !== null) throw new Error(`server exited (${this.exitCode()}) while waiting for ${what}\n${this.stderr}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}\n${this.stderr}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** The diagnostics published for a document version (the latest such publication). */
  async diagnosticsFor(uri: string, version = this.versions.get(uri)): Promise<PublishDiagnosticsParams> {
    return this.until(() => {
      const list = this.diagnostics.get(uri) ?? [];
      for (let i = list.length - 1; i >= 0; i--) if (list[i].version === version) return list[i];
      return undefined;
    }, `diagnostics of ${uri} v${version}`);
  }

  /** Opens a document and returns its complete diagnostics: a long document's first analysis
   *  publishes its build's diagnostics first (server/documents.ts), the complete ones when
   *  `tgraph/analysed` says it is done. */
  async open(uri: string, text: string, languageId = 'tgraph', timeoutMs?: number): Promise<PublishDiagnosticsParams> {
    const before = this.analysed.length;
    await this.openOnly(uri, text, languageId);
    await this.until(() => this.analysed.slice(before).some((a) => a.uri === uri && a.version === 1), `the analysis of ${uri}`, timeoutMs);
    return this.diagnosticsFor(uri, 1);
  }

  /** Opens a document without waiting for its analysis (a document the server leaves alone
   *  has none). */
  async openOnly(uri: string, text: string, languageId: string): Promise<void> {
    this.versions.set(uri, 1);
    this.diagnostics.delete(uri);
    await this.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version: 1, text } });
  }

  /** Sends a change (whole text, or one range edit) without waiting; returns the version. */
  async change(uri: string, change: string | { range: Range; text: string }): Promise<number> {
    const version = (this.versions.get(uri) ?? 0) + 1;
    this.versions.set(uri, version);
    const contentChanges = typeof change === 'string' ? [{ text: change }] : [change];
    await this.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges });
    return version;
  }

  async close(uri: string): Promise<void> {
    await this.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
  }

  request<R>(method: string, params: unknown): Promise<R> {
    return this.connection.sendRequest(method, params) as Promise<R>;
  }

  async stop(): Promise<void> {
    try {
      await Promise.race([this.connection.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 2000))]);
      await this.connection.sendNotification('exit');
    } catch {
      // already gone
    }
    this.connection.dispose();
    await this.server.end();
  }
}

/** Position of the `nth` occurrence of `needle` in `text` (plus `delta` characters). */
export function positionOf(text: string, needle: string, delta = 0, nth = 0): Position {
  let index = -1;
  for (let i = 0; i <= nth; i++) {
    index = text.indexOf(needle, index + 1);
    if (index < 0) throw new Error(`${needle} not found`);
  }
  const offset = index + delta;
  const before = text.slice(0, offset).split('\n');
  return { line: before.length - 1, character: before[before.length - 1].length };
}

/** Applies LSP text edits (non-overlapping) to a text. */
export function applyEdits(text: string, edits: TextEdit[]): string {
  const lines = text.split('\n');
  const offset = (p: Position) => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  const sorted = edits
    .map((e) => ({ start: offset(e.range.start), end: offset(e.range.end), text: e.newText }))
    .sort((a, b) => b.start - a.start);
  let out = text;
  for (const e of sorted) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

/** Decodes LSP relative semantic tokens. */
export function decodeTokens(data: number[], legend: { tokenTypes: string[]; tokenModifiers: string[] }) {
  const tokens: { line: number; character: number; length: number; type: string; modifiers: string[] }[] = [];
  let line = 0;
  let character = 0;
  for (let i = 0; i < data.length; i += 5) {
    line += data[i];
    character = data[i] === 0 ? character + data[i + 1] : data[i + 1];
    const mods = legend.tokenModifiers.filter((_, k) => data[i + 4] & (1 << k));
    tokens.push({ line, character, length: data[i + 2], type: legend.tokenTypes[data[i + 3]], modifiers: mods });
  }
  return tokens;
}
