// The VS Code client, on every platform: starts the tgraph language server and registers the
// commands behind its code lenses. It is deliberately thin: everything it knows about a
// document comes from the server through LSP (standard features plus the custom `tgraph/*`
// requests); the views here only render what the server returns. How the server is started
// is its entry point's: client/extension.ts (desktop: a Node process over IPC) and
// client/browser.ts (VS Code for the Web: a Web Worker).

import * as vscode from 'vscode';
import {
  CloseAction,
  ErrorAction,
  ExecuteCommandRequest,
  State,
  type BaseLanguageClient,
  type CloseHandlerResult,
  type ErrorHandlerResult,
  type LanguageClientOptions,
  type ExecuteCommandOptions,
  type RegistrationData,
  type WorkspaceEdit as LspWorkspaceEdit,
} from 'vscode-languageclient';
import { AnalysisStatus } from './status';
import {
  ClientNotifications,
  Commands,
  Methods,
  Notifications,
  type AnalysedParams,
  type CheckGradientsResult,
  type ComputeGradientsResult,
  type ExplainResult,
  type OpenAsGraphResult,
  type RandomiseFeedResult,
} from '../protocol';
import { GradientView, ExplainPanel, renderResultText } from './views';
import { CrashPolicy } from './crashPolicy';

const LANGUAGE_ID = 'tgraph';

/** The custom requests of the tgraph server (protocol/): each takes `{uri, line}`, line
 *  0-based (any line of the statement), and answers JSON for the client to show. */
export const Requests = Methods;

/** The lens commands this client implements. The server may also offer some of them
 *  through workspace/executeCommand (for editors without this client); vscode-languageclient
 *  would then register the same command ids and fail to start ("command already exists"),
 *  so those are left out of its registration. */
const CLIENT_COMMANDS: ReadonlySet<string> = new Set([...Object.values(Commands), 'tgraph.restartServer', 'tgraph.showOutput']);

/** What activate() returns: the tests reach the client through it. */
export interface TgraphApi {
  readonly client: BaseLanguageClient;
  readonly output: vscode.OutputChannel;
  /** Resolves when the language server has started (or restarted) and answered initialize. */
  ready(): Promise<void>;
  /** How many times the server has published diagnostics for a document (tests wait on it). */
  diagnosticsPublished(uri: vscode.Uri): number;
  /** The status bar item's text. */
  statusText(): string;
  /** How many times the user was told that the server stopped (once per session). */
  crashNotices(): number;
}

let client: BaseLanguageClient | undefined;

/** Makes the platform's language client with these options (not started). */
export type ClientFactory = (options: LanguageClientOptions, output: vscode.OutputChannel) => BaseLanguageClient;

export async function activateWith(context: vscode.ExtensionContext, newClient: ClientFactory): Promise<TgraphApi> {
  const output = vscode.window.createOutputChannel('tgraph');
  context.subscriptions.push(output);

  const status = new AnalysisStatus(LANGUAGE_ID);
  context.subscriptions.push(status);

  const crashes = new CrashPolicy();
  const publishCounts = new Map<string, number>();
  let crashNotices = 0;
  const clientOptions: LanguageClientOptions = {
    // Python files too: the server analyses those that import TensorFlow (tgraph.python.enabled)
    // and leaves the others alone.
    documentSelector: [{ language: LANGUAGE_ID }, { language: 'python' }],
    outputChannel: output,
    synchronize: { configurationSection: 'tgraph' },
    // The settings at start, so the first analysis already uses them; and whether the
    // workspace is trusted (in an untrusted one the server disables load()). A function:
    // a restart after trust was granted must start trusted.
    initializationOptions: () => ({
      settings: JSON.parse(JSON.stringify(vscode.workspace.getConfiguration('tgraph'))),
      workspaceTrusted: vscode.workspace.isTrusted,
    }),
    // The language server dies only on an engine bug; restart it, and say so once per
    // session (not on every crash) so a crash loop does not flood the user.
    errorHandler: {
      error: (): ErrorHandlerResult => ({ action: ErrorAction.Continue, handled: true }),
      closed: (): CloseHandlerResult => {
        const decision = crashes.onClosed(Date.now());
        output.appendLine(`[client] the language server stopped (${decision.restart ? 'restarting' : 'not restarting'})`);
        if (decision.tellUser) {
          crashNotices++;
          void vscode.window.showWarningMessage(decision.message, 'Show output').then((choice) => {
            if (choice) output.show(true);
          });
        }
        return { action: decision.restart ? CloseAction.Restart : CloseAction.DoNotRestart, handled: true };
      },
    },
    middleware: {
      // Measure edit -> diagnostics time for the status bar (when the server does not
      // report its own analysis time).
      didOpen: (document, next) => {
        status.editSent(document.uri);
        return next(document);
      },
      didChange: (event, next) => {
        if (event.contentChanges.length > 0) status.editSent(event.document.uri);
        return next(event);
      },
      handleDiagnostics: (uri, diagnostics, next) => {
        publishCounts.set(uri.toString(), (publishCounts.get(uri.toString()) ?? 0) + 1);
        next(uri, diagnostics);
        status.diagnosticsReceived(uri);
      },
    },
  };

  client = newClient(clientOptions, output);
  const languageClient = client;
  leaveClientCommandsToClient(languageClient);

  let readyPromise: Promise<void> = Promise.resolve();
  const gradientView = new GradientView();
  context.subscriptions.push(gradientView);
  const explainPanel = new ExplainPanel();
  context.subscriptions.push(explainPanel);

  /** Sends a custom request for the statement at `line`, after the server is running. */
  async function request<R>(method: string, uriArg: unknown, lineArg: unknown): Promise<{ uri: vscode.Uri; line: number; result: R }> {
    const { uri, line } = resolveTarget(uriArg, lineArg);
    await readyPromise;
    const result = await languageClient.sendRequest<R>(method, { uri: uri.toString(), line });
    return { uri, line, result };
  }

  /** Asks VS Code to fetch the lenses of a document again, so a lens title that shows a
   *  check result updates (the server may also send workspace/codeLens/refresh). */
  function refreshLenses(uri: vscode.Uri): void {
    const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (!document) return;
    try {
      languageClient.getFeature('textDocument/codeLens').getProvider(document)?.onDidChangeCodeLensEmitter.fire();
    } catch (error) {
      output.appendLine(`[client] could not refresh lenses: ${String(error)}`);
    }
  }

  function reportFailure(what: string, error: unknown): undefined {
    const message = error instanceof Error ? error.message : String(error);
    output.appendLine(`[client] ${what} failed: ${message}`);
    void vscode.window.showErrorMessage(`tgraph: ${what} failed: ${message}`);
    return undefined;
  }

  context.subscriptions.push(
    vscode.commands.registerCommand('tgraph.computeGradients', async (uriArg?: unknown, lineArg?: unknown) => {
      try {
        const { uri, line, result } = await request<ComputeGradientsResult | null>(Methods.computeGradients, uriArg, lineArg);
        const text = renderResultText(result);
        output.appendLine(`── gradients at ${vscode.workspace.asRelativePath(uri)}:${line + 1} ──`);
        output.appendLine(text);
        await gradientView.show(uri, line, text);
        return result;
      } catch (error) {
        return reportFailure('Compute gradients', error);
      }
    }),
    vscode.commands.registerCommand('tgraph.checkGradients', async (uriArg?: unknown, lineArg?: unknown) => {
      try {
        const { uri, line, result } = await request<CheckGradientsResult | null>(Methods.checkGradients, uriArg, lineArg);
        const summary = checkSummary(result);
        output.appendLine(`── check at ${vscode.workspace.asRelativePath(uri)}:${line + 1} ──`);
        output.appendLine(renderResultText(result));
        if (summary.passed === false) void vscode.window.showWarningMessage(`tgraph: gradient check failed: ${summary.text}`);
        else void vscode.window.showInformationMessage(`tgraph: gradient check ${summary.passed ? 'passed' : 'done'}: ${summary.text}`);
        refreshLenses(uri);
        return result;
      } catch (error) {
        return reportFailure('Check gradients', error);
      }
    }),
    vscode.commands.registerCommand('tgraph.explainSum', async (uriArg?: unknown, lineArg?: unknown) => {
      try {
        const { uri, line, result } = await request<ExplainResult | null>(Methods.explain, uriArg, lineArg);
        explainPanel.show(`${vscode.workspace.asRelativePath(uri)}:${line + 1}`, result);
        return result;
      } catch (error) {
        return reportFailure('Explain sum', error);
      }
    }),
    vscode.commands.registerCommand('tgraph.randomiseFeed', async (uriArg?: unknown, lineArg?: unknown) => {
      try {
        const { result } = await request<RandomiseFeedResult>(Methods.randomiseFeedEdit, uriArg, lineArg);
        if (!result) {
          void vscode.window.showInformationMessage('tgraph: nothing to randomise here');
          return false;
        }
        // The server's edit is an LSP WorkspaceEdit; the client's converter turns it into
        // VS Code's (positions, document versions) so the edit applies to the current text.
        const edit = await languageClient.protocol2CodeConverter.asWorkspaceEdit(result as LspWorkspaceEdit);
        return await vscode.workspace.applyEdit(edit);
      } catch (error) {
        reportFailure('Randomise feed', error);
        return false;
      }
    }),
    // The selection (or the whole file) of a Python script or a .tgraph file, as a new
    // .tgraph document of the graph it built.
    vscode.commands.registerCommand('tgraph.openAsGraph', async (uriArg?: unknown, lineArg?: unknown, endLineArg?: unknown) => {
      try {
        const editor = vscode.window.activeTextEditor;
        const uri = uriArg instanceof vscode.Uri ? uriArg : typeof uriArg === 'string' ? vscode.Uri.parse(uriArg) : editor?.document.uri;
        if (!uri) throw new Error('open a Python script or a .tgraph file first');
        const own = editor && editor.document.uri.toString() === uri.toString() ? editor : undefined;
        const whole = !own || own.selection.isEmpty;
        const line = typeof lineArg === 'number' ? lineArg : whole ? 0 : own.selection.start.line;
        const endLine =
          typeof endLineArg === 'number' ? endLineArg : whole ? Math.max(0, (own?.document.lineCount ?? 1) - 1) : own.selection.end.line;
        await readyPromise;
        const result = await languageClient.sendRequest<OpenAsGraphResult | null>(Methods.openAsGraph, {
          uri: uri.toString(),
          line,
          endLine,
        });
        if (!result) {
          void vscode.window.showInformationMessage(
            'tgraph: this file is not analysed (a Python script needs a TensorFlow import and tgraph.python.enabled)',
          );
          return null;
        }
        const document = await vscode.workspace.openTextDocument({ language: LANGUAGE_ID, content: result.text });
        await vscode.window.showTextDocument(document, { preview: false });
        return result;
      } catch (error) {
        return reportFailure('Open as graph', error);
      }
    }),
    vscode.commands.registerCommand('tgraph.restartServer', async () => {
      output.appendLine('[client] restarting the language server');
      crashes.reset();
      readyPromise =
        languageClient.state === State.Running ? languageClient.stop().then(() => languageClient.start()) : languageClient.start();
      await readyPromise;
    }),
    vscode.commands.registerCommand('tgraph.showOutput', () => output.show(true)),
  );

  // Registered before start: the client keeps the handler across server restarts.
  context.subscriptions.push(
    languageClient.onNotification(Notifications.analysed, (params: Partial<AnalysedParams> | undefined) => {
      if (typeof params?.uri === 'string' && typeof params.milliseconds === 'number') {
        status.analysisReported(vscode.Uri.parse(params.uri), params.milliseconds);
      }
    }),
    languageClient.onDidChangeState((event) => {
      if (event.newState === State.Running) output.appendLine('[client] language server running');
    }),
    // VS Code cannot take trust back without reloading the window, so only a grant is sent.
    // A server that is not running gets the new trust in initializationOptions when it starts.
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      if (languageClient.state === State.Stopped) return;
      languageClient.sendNotification(ClientNotifications.workspaceTrust, { trusted: true }).catch((error: unknown) => {
        output.appendLine(`[client] could not tell the server that the workspace is trusted: ${String(error)}`);
      });
    }),
  );

  readyPromise = languageClient.start();
  context.subscriptions.push({ dispose: () => void languageClient.stop() });
  try {
    await readyPromise;
  } catch (error) {
    output.appendLine(`[client] the language server did not start: ${String(error)}`);
  }

  return {
    client: languageClient,
    output,
    ready: () => readyPromise,
    diagnosticsPublished: (uri) => publishCounts.get(uri.toString()) ?? 0,
    statusText: () => status.text,
    crashNotices: () => crashNotices,
  };
}

/** Stops the language server (the extension's deactivate). */
export async function deactivate(): Promise<void> {
  if (client && client.state !== State.Stopped) await client.stop();
  client = undefined;
}

/** Filters the commands this client implements out of the server's executeCommandProvider
 *  before vscode-languageclient registers them (see CLIENT_COMMANDS). */
function leaveClientCommandsToClient(languageClient: BaseLanguageClient): void {
  const feature = languageClient.getFeature(ExecuteCommandRequest.method) as unknown as {
    register(data: RegistrationData<ExecuteCommandOptions>): void;
  };
  const register = feature.register.bind(feature);
  feature.register = (data) => {
    const commands = (data.registerOptions.commands ?? []).filter((c) => !CLIENT_COMMANDS.has(c));
    register({ ...data, registerOptions: { ...data.registerOptions, commands } });
  };
}

/** The lens commands pass `[uri, line]` (uri as a string or Uri); from the palette they
 *  act on the active editor's cursor line. */
function resolveTarget(uriArg: unknown, lineArg: unknown): { uri: vscode.Uri; line: number } {
  let uri: vscode.Uri | undefined;
  if (uriArg instanceof vscode.Uri) uri = uriArg;
  else if (typeof uriArg === 'string') uri = vscode.Uri.parse(uriArg);
  else if (uriArg && typeof uriArg === 'object' && 'uri' in uriArg) {
    const inner = (uriArg as { uri: unknown }).uri;
    uri = inner instanceof vscode.Uri ? inner : typeof inner === 'string' ? vscode.Uri.parse(inner) : undefined;
  }
  const editor = vscode.window.activeTextEditor;
  if (!uri) {
    if (!editor || editor.document.languageId !== LANGUAGE_ID) throw new Error('open a .tgraph file first');
    uri = editor.document.uri;
  }
  let line = typeof lineArg === 'number' && Number.isInteger(lineArg) && lineArg >= 0 ? lineArg : undefined;
  if (line === undefined) {
    line = editor && editor.document.uri.toString() === uri.toString() ? editor.selection.active.line : 0;
  }
  return { uri, line };
}

/** Reads pass/fail and a one-line summary from a check result, whatever its exact shape
 *  (`{passed, title}`, `{passed, maxError}`, a list of per-x results, ...). */
export function checkSummary(result: unknown): { passed: boolean | undefined; text: string } {
  const items = Array.isArray(result) ? result : [result];
  let passed: boolean | undefined;
  const texts: string[] = [];
  for (const item of items) {
    if (item && typeof item === 'object') {
      const r = item as Record<string, unknown>;
      if (typeof r.passed === 'boolean') passed = (passed ?? true) && r.passed;
      const text = [r.title, r.summary, r.message, r.text].find((t) => typeof t === 'string');
      if (typeof text === 'string') texts.push(text);
      else if (typeof r.maxAbsError === 'number') texts.push(`max err ${r.maxAbsError.toExponential(1)}`);
    } else if (typeof item === 'string') {
      texts.push(item);
    }
  }
  return { passed, text: texts.join('; ') || (passed === undefined ? 'no result' : passed ? '✓' : '✗') };
}
