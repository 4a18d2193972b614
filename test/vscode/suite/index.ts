// The extension's tests inside a real VS Code (code-server or @vscode/test-electron): the
// module exports `run(): Promise<void>` (@vscode/test-electron's contract); a rejected
// promise makes the window exit 1. Everything is asserted through the public VS Code API
// (the same calls other extensions and the editor make): hovers, code lenses, inlay hints,
// diagnostics, commands and a WorkspaceEdit.
//
// Bundled by test/vscode/run.mjs to test/vscode/out/suite.js (no mocha: a small runner
// below prints one line per test and the closing `N passed, M failed`).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TgraphApi } from '../../../client/extension';
import { EXTENSION_ID, hintLabel, hoverText, lineOf, log, positionOf, runTests, test, waitFor } from './harness';

let api: TgraphApi;
let seed: vscode.TextDocument;
let seedText: string;

/** Waits until the server has published diagnostics for `uri` more than `after` times. */
async function nextPublish(uri: vscode.Uri, after: number): Promise<readonly vscode.Diagnostic[]> {
  await waitFor('diagnostics from the server', () => (api.diagnosticsPublished(uri) > after ? true : undefined));
  return vscode.languages.getDiagnostics(uri);
}

async function lenses(document: vscode.TextDocument): Promise<vscode.CodeLens[]> {
  return vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', document.uri, 100);
}

/** Replaces the whole document with `text` through a WorkspaceEdit (how the tests restore
 *  the seed after editing it) and waits for the diagnostics of the new text. */
async function setText(document: vscode.TextDocument, text: string): Promise<readonly vscode.Diagnostic[]> {
  const before = api.diagnosticsPublished(document.uri);
  const edit = new vscode.WorkspaceEdit();
  edit.replace(document.uri, new vscode.Range(0, 0, document.lineCount, 0), text);
  assert.ok(await vscode.workspace.applyEdit(edit));
  return nextPublish(document.uri, before);
}

test('the extension activates on a .tgraph file and starts its language server', async () => {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the runner opens a workspace folder');
  const file = path.join(folder.uri.fsPath, 'examples', 'seed.tgraph');
  seed = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
  seedText = seed.getText();
  assert.equal(seed.languageId, 'tgraph');
  await vscode.window.showTextDocument(seed);
  const extension = vscode.extensions.getExtension<TgraphApi>(EXTENSION_ID);
  assert.ok(extension, `${EXTENSION_ID} is loaded`);
  api = await waitFor('the extension to activate', () => (extension.isActive ? extension.exports : undefined));
  await api.ready();
  assert.equal(api.client.isRunning(), true);
  const commands = await vscode.commands.getCommands(true);
  for (const c of [
    'tgraph.computeGradients',
    'tgraph.checkGradients',
    'tgraph.explainSum',
    'tgraph.randomiseFeed',
    'tgraph.restartServer',
  ]) {
    assert.ok(commands.includes(c), `command ${c} is registered`);
  }
});

test('the seed has no diagnostics and the status bar says 0 errors', async () => {
  const diagnostics = await nextPublish(seed.uri, 0);
  assert.deepEqual(
    diagnostics.map((d) => `${d.range.start.line + 1}: ${d.message}`),
    [],
  );
  // The status bar: the server's last analysis time and the error count.
  await waitFor('the status bar', () => (/tgraph [\d.]+ ms .*0 errors/.test(api.statusText()) ? true : undefined));
  log(`status bar: ${api.statusText()}`);
});

test("hover on dz_dx shows its shape [4, 3] and its values, twice dy_dx's", async () => {
  const position = positionOf(seed, 'dz_dx =').translate(0, 2);
  const text = await waitFor('a hover on dz_dx', async () => {
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', seed.uri, position);
    const t = hoverText(hovers ?? []);
    return t.includes('[4, 3]') ? t : undefined;
  });
  log(`hover on dz_dx:\n${text}`);
  assert.ok(text.includes('[4, 3]'), text);
  // dz_dx = 2 * dy_dx = 8 * x: the first row of x is [5, 3, 7].
  assert.ok(text.includes('[[40. 24. 56.]'), text);
  assert.ok(text.includes('[24. 56. 48.]]'), text); // last row, x = [3, 7, 6]
});

test('code lenses: "Compute gradients" and "Check gradients" above gradient statements, "Randomise feed" above the placeholder', async () => {
  const all = await waitFor('code lenses', async () => {
    const found = await lenses(seed);
    return found.some((l) => l.command?.title.includes('Check gradients')) ? found : undefined;
  });
  const titles = all.map((l) => `${l.range.start.line + 1}: ${l.command?.title} (${l.command?.command})`);
  log(`lenses:\n  ${titles.join('\n  ')}`);
  const onLine = (line: number) => all.filter((l) => l.range.start.line === line).map((l) => l.command?.title ?? '');
  const dzLine = lineOf(seed, 'dz_dx =');
  assert.ok(
    onLine(dzLine).some((t) => t.includes('Compute gradients')),
    titles.join('\n'),
  );
  assert.ok(
    onLine(dzLine).some((t) => t.includes('Check gradients')),
    titles.join('\n'),
  );
  const placeholderLine = lineOf(seed, 'x = placeholder');
  assert.ok(
    onLine(placeholderLine).some((t) => t.includes('Randomise feed')),
    titles.join('\n'),
  );
  // The placeholder's lens shows its fed shape.
  assert.ok(
    onLine(placeholderLine).some((t) => t.includes('[4, 3]')),
    titles.join('\n'),
  );
});

test('the "Check gradients" lens reports a pass, and its title shows it afterwards', async () => {
  const dzLine = lineOf(seed, 'dz_dx =');
  const lens = (await lenses(seed)).find((l) => l.range.start.line === dzLine && l.command?.title.includes('Check gradients'));
  assert.ok(lens?.command, 'a Check gradients lens on the dz_dx line');
  assert.equal(lens.command.command, 'tgraph.checkGradients');
  const result = await vscode.commands.executeCommand<unknown>(lens.command.command, ...(lens.command.arguments ?? []));
  log(`check result: ${JSON.stringify(result)}`);
  assert.ok(result && typeof result === 'object', 'the command returns the server result');
  assert.equal((result as { passed?: unknown }).passed, true, JSON.stringify(result));
  const title = await waitFor('the lens title to show the result', async () => {
    const t = (await lenses(seed)).find((l) => l.range.start.line === dzLine && l.command?.command === 'tgraph.checkGradients')?.command
      ?.title;
    return t && t.includes('✓') ? t : undefined;
  });
  assert.match(title, /max err .*✓/);
});

test('the "Compute gradients" lens shows the values in a read-only side view', async () => {
  const dzLine = lineOf(seed, 'dz_dx =');
  const lens = (await lenses(seed)).find((l) => l.range.start.line === dzLine && l.command?.command === 'tgraph.computeGradients');
  assert.ok(lens?.command, 'a Compute gradients lens on the dz_dx line');
  const result = await vscode.commands.executeCommand<unknown>(lens.command.command, ...(lens.command.arguments ?? []));
  assert.ok(result, 'the command returns the server result');
  const view = await waitFor('the gradients view', () => vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'tgraph-gradients'));
  const text = view.getText();
  log(`gradients view:\n${text}`);
  assert.ok(text.includes('40'), text);
  assert.ok(text.includes('56'), text);
  await vscode.window.showTextDocument(seed);
});

test('inlay hints give float32[4, 3]-style shapes after the bindings', async () => {
  const range = new vscode.Range(0, 0, seed.lineCount, 0);
  const hints = await waitFor('inlay hints', async () => {
    const found = await vscode.commands.executeCommand<vscode.InlayHint[]>('vscode.executeInlayHintProvider', seed.uri, range);
    return found && found.length > 0 ? found : undefined;
  });
  const labels = hints.map((h) => `${h.position.line + 1}: ${hintLabel(h)}`);
  log(`inlay hints:\n  ${labels.join('\n  ')}`);
  const onLine = (startsWith: string) =>
    hints
      .filter((h) => h.position.line === lineOf(seed, startsWith))
      .map(hintLabel)
      .join(' ');
  assert.match(onLine('dz_dx ='), /float32\[4, 3\]/);
  assert.match(onLine('z ='), /float32\[2, 4, 3\]/);
  assert.match(onLine('x ='), /float32\[4, 3\]/);
});

test('a shape error typed into the file becomes a diagnostic on its line', async () => {
  const before = api.diagnosticsPublished(seed.uri);
  const badLine = seed.lineCount - (seed.getText().endsWith('\n') ? 1 : 0);
  const edit = new vscode.WorkspaceEdit();
  const prefix = seed.getText().endsWith('\n') ? '' : '\n';
  edit.insert(seed.uri, new vscode.Position(badLine, 0), `${prefix}bad = x + ones([5, 2])\n`);
  assert.ok(await vscode.workspace.applyEdit(edit));
  await nextPublish(seed.uri, before);
  // The first publish after an edit can be of an analysis that began before it: wait for
  // the one that has the error.
  const diagnostics = await waitFor('the shape diagnostic', () => {
    const d = vscode.languages.getDiagnostics(seed.uri);
    return d.length > 0 ? d : undefined;
  });
  log(`diagnostics: ${diagnostics.map((d) => `${d.range.start.line + 1}:${d.range.start.character + 1} ${d.message}`).join('; ')}`);
  assert.equal(diagnostics.length, 1, diagnostics.map((d) => d.message).join('; '));
  const [d] = diagnostics;
  assert.equal(d.severity, vscode.DiagnosticSeverity.Error);
  assert.equal(d.range.start.line, badLine);
  assert.match(d.message, /shape|broadcast/i);
  assert.match(d.message, /5, 2|\[5,2\]/);
  await waitFor('the status bar to count the error', () => (/1 error/.test(api.statusText()) ? true : undefined));
  // Removing the line clears it again.
  await setText(seed, seedText);
  await waitFor('the diagnostics to clear', () => (vscode.languages.getDiagnostics(seed.uri).length === 0 ? true : undefined));
});

test('the "Randomise feed" lens rewrites the feed line with a seeded uniform of the fed shape', async () => {
  const placeholderLine = lineOf(seed, 'x = placeholder');
  const lens = await waitFor('the Randomise feed lens', async () =>
    (await lenses(seed)).find((l) => l.range.start.line === placeholderLine && l.command?.command === 'tgraph.randomiseFeed'),
  );
  const before = api.diagnosticsPublished(seed.uri);
  const applied = await vscode.commands.executeCommand<boolean>(lens.command!.command, ...(lens.command!.arguments ?? []));
  assert.equal(applied, true);
  const feedLine = seed.lineAt(lineOf(seed, 'feed x')).text;
  log(`randomised: ${feedLine}`);
  assert.match(feedLine, /^feed x = uniform\(\[4, 3\].*seed=\d+/);
  const diagnostics = await nextPublish(seed.uri, before);
  // dy_dx and dz_dx still agree (the assert holds for any x), so no diagnostics.
  assert.deepEqual(
    diagnostics.map((d) => d.message),
    [],
  );
  await setText(seed, seedText);
});

test('the "Explain sum" command opens a panel for a gradient', async () => {
  const dzLine = lineOf(seed, 'dz_dx =');
  const result = await vscode.commands.executeCommand<unknown>('tgraph.explainSum', seed.uri.toString(), dzLine);
  log(`explanation: ${JSON.stringify(result)}`);
  assert.ok(result && typeof result === 'object', 'the command returns the server result');
});

test('load() reads a .npy file in the workspace (trusted: the client tells the server so)', async () => {
  // The runner disables workspace trust, which makes every workspace trusted; the untrusted
  // case is tested over stdio (test/server/trust.test.ts).
  assert.equal(vscode.workspace.isTrusted, true);
  const folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
  const dir = path.join(folder, 'loading');
  fs.mkdirSync(dir, { recursive: true });
  // NumPy 1.0 .npy: float32 [1.5, -2] (magic, version, header length, header, data).
  const dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
  const header = dict + ' '.repeat(63 - ((10 + dict.length) % 64)) + '\n';
  const npy = Buffer.concat([
    Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 255, header.length >> 8]),
    Buffer.from(header, 'latin1'),
    Buffer.from(new Float32Array([1.5, -2]).buffer),
  ]);
  fs.writeFileSync(path.join(dir, 'weights.npy'), npy);
  const file = path.join(dir, 'load.tgraph');
  fs.writeFileSync(file, "w = load('weights.npy')\ns = reduce_sum(w)\n");
  const document = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
  const diagnostics = await nextPublish(document.uri, 0);
  assert.deepEqual(
    diagnostics.map((d) => `${d.code}: ${d.message}`),
    [],
  );
  const text = await waitFor('a hover with the loaded values', async () => {
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
      'vscode.executeHoverProvider',
      document.uri,
      positionOf(document, 'w ='),
    );
    const t = hoverText(hovers ?? []);
    return t.includes('1.5') ? t : undefined;
  });
  log(`hover on a loaded tensor:\n${text}`);
  assert.ok(text.includes('-2.'), text);
});

/** The pid of the language server: the child of this extension host running dist/server.js. */
function serverPid(): number | undefined {
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid) continue;
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.includes('server.js')) return Number(entry);
    } catch {
      // the process ended while we looked
    }
  }
  return undefined;
}

test('a Python file that imports TensorFlow: the hover on dz_dx and the "Explain sum" lens', async () => {
  const folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
  const script = await vscode.workspace.openTextDocument(vscode.Uri.file(path.join(folder, 'examples', 'python', 'answer_seeded.py')));
  assert.equal(script.languageId, 'python');
  await vscode.window.showTextDocument(script);
  const position = positionOf(script, 'dz_dx =').translate(0, 2);
  const text = await waitFor('a hover on dz_dx in the script', async () => {
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', script.uri, position);
    const t = hoverText(hovers ?? []);
    return t.includes('∂(Σz)/∂x') ? t : undefined;
  });
  log(`hover on dz_dx in answer_seeded.py:\n${text}`);
  // dz/dx = 8x for NumPy's seed-0 stream, whose first row is [5, 0, 3].
  assert.ok(text.includes('[[40.  0. 24.]'), text);
  assert.ok(text.includes('value from `sess.run` at line 13'), text);
  const dzLine = lineOf(script, 'dz_dx =');
  const explain = await waitFor('the "Explain sum" lens on the script', async () => {
    const found = await lenses(script);
    return found.find((l) => l.range.start.line === dzLine && l.command?.title === 'Explain sum');
  });
  assert.equal(explain.command!.command, 'tgraph.explainSum');
  const result = await vscode.commands.executeCommand<{ explanations: { meaning: string; fanOut: number[] }[] }>(
    explain.command!.command,
    ...(explain.command!.arguments ?? []),
  );
  assert.deepEqual(
    result.explanations.map((e) => [e.meaning, e.fanOut]),
    [['∂(Σz)/∂x', [2, 2]]],
  );
  assert.deepEqual(vscode.languages.getDiagnostics(script.uri), []);
});

test('"tgraph: Open as graph" turns a selection of the script into a .tgraph document that explains the same sum', async () => {
  const folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
  const script = await vscode.workspace.openTextDocument(vscode.Uri.file(path.join(folder, 'examples', 'python', 'answer_seeded.py')));
  const editor = await vscode.window.showTextDocument(script);
  editor.selection = new vscode.Selection(lineOf(script, 'z = tf.stack'), 0, lineOf(script, 'dz_dx ='), 0);
  const result = await vscode.commands.executeCommand<{ text: string } | null>('tgraph.openAsGraph');
  assert.ok(result, 'no graph came back');
  const graph = vscode.window.activeTextEditor!.document;
  assert.equal(graph.languageId, 'tgraph');
  assert.equal(graph.getText(), result.text);
  assert.ok(graph.getText().includes('dz_dx = gradients(z, x)'), graph.getText());
  // The new document is analysed like any .tgraph file: its gradient explains the same sum.
  const text = await waitFor('a hover on dz_dx in the graph', async () => {
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
      'vscode.executeHoverProvider',
      graph.uri,
      positionOf(graph, 'dz_dx ='),
    );
    const t = hoverText(hovers ?? []);
    return t.includes('∂(Σz)/∂x') ? t : undefined;
  });
  assert.ok(text.includes('reaches 2 of them'), text);
});

test('a Python file without TensorFlow gets nothing: no hover, lens, hint or diagnostic', async () => {
  const folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
  const file = path.join(folder, 'plain.py');
  fs.writeFileSync(file, 'import numpy as np\nx = np.array([1.0, 2.0])\ny = x * 2\n');
  const plain = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
  assert.equal(plain.languageId, 'python');
  await vscode.window.showTextDocument(plain);
  // A request the server answers after it has seen plain.py's opening: a hover on the seed.
  await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', seed.uri, positionOf(seed, 'dz_dx ='));
  const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
    'vscode.executeHoverProvider',
    plain.uri,
    positionOf(plain, 'x =').translate(0, 0),
  );
  assert.equal(hoverText(hovers ?? []).includes('float'), false, hoverText(hovers ?? []));
  assert.deepEqual(
    (await lenses(plain)).map((l) => l.command?.title),
    [],
  );
  const hints = await vscode.commands.executeCommand<vscode.InlayHint[]>(
    'vscode.executeInlayHintProvider',
    plain.uri,
    new vscode.Range(0, 0, 3, 0),
  );
  assert.deepEqual((hints ?? []).map(hintLabel), []);
  assert.equal(api.diagnosticsPublished(plain.uri), 0);
  assert.deepEqual(vscode.languages.getDiagnostics(plain.uri), []);
});

test('a language server that dies is restarted, and the user is told once', async () => {
  if (!fs.existsSync('/proc/self/stat')) {
    log('no /proc here: skipping the crash test');
    return;
  }
  const position = positionOf(seed, 'dz_dx =').translate(0, 2);
  for (let crash = 1; crash <= 2; crash++) {
    const pid = await waitFor('the language server process', () => serverPid());
    process.kill(pid, 'SIGKILL');
    const next = await waitFor('a new language server', () => {
      const p = serverPid();
      return p !== undefined && p !== pid && api.client.isRunning() ? p : undefined;
    });
    log(`crash ${crash}: server ${pid} killed, ${next} running`);
    // The restarted server has the document again and answers from a fresh analysis.
    await waitFor('a hover from the restarted server', async () => {
      const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', seed.uri, position);
      return hoverText(hovers ?? []).includes('[[40. 24. 56.]') ? true : undefined;
    });
  }
  assert.equal(api.crashNotices(), 1, 'told once, not on every crash');
  // "tgraph: Restart server" starts a new one on demand.
  const before = serverPid();
  await vscode.commands.executeCommand('tgraph.restartServer');
  const after = await waitFor('the restarted server', () => {
    const p = serverPid();
    return p !== undefined && p !== before && api.client.isRunning() ? p : undefined;
  });
  log(`restart command: server ${before} replaced by ${after}`);
  await waitFor('a hover after the restart command', async () => {
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', seed.uri, position);
    return hoverText(hovers ?? []).includes('[[40. 24. 56.]') ? true : undefined;
  });
  assert.equal(api.crashNotices(), 1, 'a requested restart is not a crash');
});

export async function run(): Promise<void> {
  await runTests({
    // Later tests depend on the first one's document and API.
    stop: () => !api || !seed,
    done: async (counts) => {
      if (process.env.TGRAPH_SUITE_RESULT) fs.writeFileSync(process.env.TGRAPH_SUITE_RESULT, JSON.stringify(counts));
      // Leave the seed as it was on disk (the tests' edits were never saved).
      if (seed?.isDirty) {
        await vscode.window.showTextDocument(seed);
        await vscode.commands.executeCommand('workbench.action.files.revert');
      }
    },
  });
}
