// The web extension's tests in code-server's web worker extension host (as in VS Code for the
// Web): `node test/vscode/run.mjs --web` makes VS Code run the extension there
// (`remote.extensionKind: web`), so package.json's browser entry activates and starts
// dist/web/server.js in a Web Worker. Everything is asserted through the public VS Code API.
// No Node modules: this module runs in a browser worker.
import * as vscode from 'vscode';
import type { TgraphApi } from '../../../client/browser';
import { EXTENSION_ID, hoverText, lineOf, log, positionOf, runTests, test, waitFor } from './harness';

let api: TgraphApi;
let seed: vscode.TextDocument;

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

async function diagnosticsOf(uri: vscode.Uri, after = 0): Promise<readonly vscode.Diagnostic[]> {
  await waitFor('diagnostics from the server', () => (api.diagnosticsPublished(uri) > after ? true : undefined));
  return vscode.languages.getDiagnostics(uri);
}

test('the extension activates in the web worker extension host and starts its server', async () => {
  // A web worker host has no Node: no `process`, and a worker's global scope.
  const scope = globalThis as Record<string, unknown>;
  check(typeof scope.process === 'undefined' && typeof scope.WorkerGlobalScope !== 'undefined', 'the tests run in a web worker');
  const folder = vscode.workspace.workspaceFolders?.[0];
  check(folder, 'the runner opens a workspace folder');
  seed = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder.uri, 'examples', 'seed.tgraph'));
  await vscode.window.showTextDocument(seed);
  const extension = vscode.extensions.getExtension<TgraphApi>(EXTENSION_ID);
  check(extension, `${EXTENSION_ID} is loaded`);
  api = await waitFor('the extension to activate', () => (extension.isActive ? extension.exports : undefined));
  await api.ready();
  check(api.client.isRunning(), 'the language server runs');
});

test('the seed has no diagnostics; the hover on dz_dx shows the sum over stack and its values', async () => {
  const diagnostics = await diagnosticsOf(seed.uri);
  check(diagnostics.length === 0, `no diagnostics, got ${diagnostics.map((d) => d.message).join('; ')}`);
  const text = await waitFor('the hover on dz_dx', async () => {
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
      'vscode.executeHoverProvider',
      seed.uri,
      positionOf(seed, 'dz_dx =').translate(0, 2),
    );
    const t = hoverText(hovers ?? []);
    return t.includes('[[40. 24. 56.]') ? t : undefined;
  });
  check(text.includes('each x[i,j] reaches 2 of them'), text);
});

test('the gradient lenses, and the commands behind them answer their data', async () => {
  const line = lineOf(seed, 'dz_dx =');
  const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', seed.uri, 100);
  const titles = lenses.filter((l) => l.range.start.line === line).map((l) => l.command?.title);
  check(
    JSON.stringify(titles) === JSON.stringify(['Compute gradients', 'Check gradients', 'Explain sum']),
    `lenses: ${JSON.stringify(titles)}`,
  );
  const explained = await vscode.commands.executeCommand<{ pictures?: { jacobian: { rows: number; cols: number } | null }[] }>(
    'tgraph.explainSum',
    seed.uri.toString(),
    line,
  );
  const jacobian = explained?.pictures?.[0]?.jacobian;
  check(jacobian && jacobian.rows === 24 && jacobian.cols === 12, `the picture's Jacobian: ${JSON.stringify(jacobian)}`);
  const checked = await vscode.commands.executeCommand<{ passed: boolean; title: string }>(
    'tgraph.checkGradients',
    seed.uri.toString(),
    line,
  );
  check(checked?.passed === true, `the check: ${JSON.stringify(checked)}`);
  log(`check: ${checked.title}`);
});

test('load() reads a .npy file through the workspace file system', async () => {
  check(vscode.workspace.isTrusted, 'the runner trusts the workspace');
  const folder = vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0].uri, 'web-loading');
  // NumPy 1.0 .npy: float32 [1.5, -2] (magic, version, header length, header, data).
  const dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
  const header = dict + ' '.repeat(63 - ((10 + dict.length) % 64)) + '\n';
  const npy = new Uint8Array(10 + header.length + 8);
  npy.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 255, header.length >> 8]);
  for (let i = 0; i < header.length; i++) npy[10 + i] = header.charCodeAt(i);
  npy.set(new Uint8Array(new Float32Array([1.5, -2]).buffer), 10 + header.length);
  await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(folder, 'weights.npy'), npy);
  const file = vscode.Uri.joinPath(folder, 'load.tgraph');
  await vscode.workspace.fs.writeFile(file, new TextEncoder().encode("w = load('weights.npy')\ns = reduce_sum(w)\n"));
  const document = await vscode.workspace.openTextDocument(file);
  const diagnostics = await diagnosticsOf(document.uri);
  check(diagnostics.length === 0, `no diagnostics, got ${diagnostics.map((d) => `${d.code}: ${d.message}`).join('; ')}`);
  const text = await waitFor('a hover with the loaded values', async () => {
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
      'vscode.executeHoverProvider',
      document.uri,
      positionOf(document, 'w ='),
    );
    const t = hoverText(hovers ?? []);
    return t.includes('1.5') ? t : undefined;
  });
  check(text.includes('-2.'), text);
});

export async function run(): Promise<void> {
  await runTests({ stop: () => !api || !seed });
}
