// The tgraph language server: thin wiring between the protocol and one Analysis per open
// document (engine/analysis/). Each feature lives in its own file; this one declares the
// capabilities, reads the settings and makes sure no handler can take the server down.
//
// The same on every platform: what differs (how the analysis worker is made, where load()
// reads, how escaped errors are caught) is the `ServerPlatform` its entry point gives —
// server/main.ts on Node (stdio, IPC), server/browser.ts in a browser's Web Worker.

import {
  DidChangeConfigurationNotification,
  ResponseError,
  TextDocumentSyncKind,
  CodeLensRefreshRequest,
  type ClientCapabilities,
  type Connection,
  type InitializeResult,
} from 'vscode-languageserver';
// Completion, signature help and rename read the op records (signatures and docs): the one
// part of the engine the protocol thread loads; the analysis is the worker's.
import '../engine/ops';
import type { AnalysisOptions } from '../engine/analysis';
import type { HostOptions } from '../engine/api/worker/host';
import { DocumentStore } from './documents';
import { toDiagnostics } from './diagnostics';
import { LineIndex } from '../engine/syntax/lineIndex';
import type { CheckGradientsResult, ComputeGradientsResult, ExplainResult, OpenAsGraphResult } from '../protocol';
import type { OffsetEdit } from '../engine/api/randomise';
import type { WorkspaceEdit } from 'vscode-languageserver';
import { hover, unexplainedTarget } from './hover';
import { codeLenses } from './lenses';
import { inlayHints } from './inlayHints';
import { completion } from './completion';
import { signatureHelp } from './signatureHelp';
import { definition, documentSymbols, prepareRename, references, rename } from './navigation';
import { legend, semanticTokens } from './semanticTokens';
import { foldingRanges } from './folding';
import { DEFAULT_SETTINGS, analysisOptions, parseSettings, sameSettings, type Settings } from './settings';
import { ClientNotifications, Commands, Methods, Notifications, lineParams, rangeParams, type AnalysedParams } from '../protocol';
import { WorkspaceTrust } from './trust';
import { documentKind, isPythonDocument } from './documentKind';

/** What a server needs from where it runs. */
export interface ServerPlatform {
  /** Makes the analysis worker's channel (a worker thread, a Web Worker, or this thread). */
  connect: HostOptions['connect'];
  /** Where load() may read for a document, given the workspace folders' URIs. */
  loadContext(uri: string, workspaceFolders: readonly string[]): AnalysisOptions['load'];
  /** Where the engine cannot read files itself: reads the files the text's load() calls
   *  name (through the client) and returns the load context with them. */
  readLoads?(connection: Connection, uri: string, text: string, load: AnalysisOptions['load']): Promise<AnalysisOptions['load']>;
  /** Logs what escapes every handler, so that nothing a user types stops the server. */
  catchUncaught(log: (message: string) => void): void;
  /** Whether a task of the protocol library's own is queued (see protocolTurns.ts): a
   *  snapshot's arrival lets it go first. */
  yieldToProtocol?(): boolean;
}

/** Longest a hover on a gradient waits for its explanation (else it says it is coming). */
const EXPLAIN_WAIT_MS = 1000;

export function start(connection: Connection, platform: ServerPlatform): void {
  let settings: Settings = DEFAULT_SETTINGS;
  let client: ClientCapabilities = {};
  /** The workspace folders' URIs: load() stays inside them. */
  let workspaceFolders: string[] = [];
  /** Whether load() may read files (see trust.ts); set from initializationOptions. */
  let trust = new WorkspaceTrust();

  const log = (message: string) => connection.console.error(message);

  const store = new DocumentStore({
    kindOf: (doc) => documentKind(doc, doc.getText(), settings.python.enabled),
    analysisOptions: () => analysisOptions(settings),
    loadContext: (uri) => platform.loadContext(uri, workspaceFolders),
    readLoads: platform.readLoads ? (uri, text, load) => platform.readLoads!(connection, uri, text, load) : undefined,
    restrictLoad: (load) => trust.restrict(load),
    onDiagnostics: (uri, doc, diagnostics, status, lines) => {
      connection.sendDiagnostics({ uri, version: doc.version, diagnostics: toDiagnostics(uri, diagnostics, lines) });
      const params: AnalysedParams = { uri, version: doc.version, ...status, milliseconds: Math.round(status.milliseconds * 10) / 10 };
      void connection.sendNotification(Notifications.analysed, params);
    },
    onAnalysed: () => refreshViews(),
    // A long document's first build: its diagnostics now, the evaluation's when it is done.
    onBuilt: (state, doc, diagnostics, lines) =>
      connection.sendDiagnostics({ uri: state.uri, version: doc.version, diagnostics: toDiagnostics(state.uri, diagnostics, lines) }),
    onClosed: (uri) => connection.sendDiagnostics({ uri, diagnostics: [] }),
    connect: platform.connect,
    yieldToProtocol: platform.yieldToProtocol,
    log,
  });

  function refreshViews(): void {
    const ws = client.workspace;
    const ignore = () => undefined;
    if (ws?.inlayHint?.refreshSupport) connection.languages.inlayHint.refresh().catch(ignore);
    if (ws?.codeLens?.refreshSupport) connection.sendRequest(CodeLensRefreshRequest.type).catch(ignore);
    if (ws?.semanticTokens?.refreshSupport) connection.languages.semanticTokens.refresh();
  }

  /** `guard` for handlers that wait (for a first snapshot, for the worker). */
  function guardAsync<P, R>(name: string, fallback: R, handler: (params: P) => Promise<R>): (params: P) => Promise<R> {
    return async (params: P) => {
      try {
        return await handler(params);
      } catch (e) {
        if (e instanceof ResponseError) throw e;
        log(`${name} failed: ${(e as Error)?.stack ?? String(e)}`);
        return fallback;
      }
    };
  }

  /** Wraps a handler: an exception answers the request with `fallback` and is logged; a
   *  ResponseError (a refusal meant for the user, e.g. renaming an op) is passed on. */
  function guard<P, R>(name: string, fallback: R, handler: (params: P) => R): (params: P) => R {
    return (params: P) => {
      try {
        return handler(params);
      } catch (e) {
        if (e instanceof ResponseError) throw e;
        log(`${name} failed: ${(e as Error)?.stack ?? String(e)}`);
        return fallback;
      }
    };
  }

  // ---- lifecycle and settings ----------------------------------------------------------

  connection.onInitialize((params): InitializeResult => {
    client = params.capabilities ?? {};
    workspaceFolders = (params.workspaceFolders ?? (params.rootUri ? [{ uri: params.rootUri, name: '' }] : [])).map((f) => f.uri);
    trust = WorkspaceTrust.fromInitializationOptions(params.initializationOptions);
    const initial = (params.initializationOptions as { settings?: unknown } | undefined)?.settings;
    if (initial !== undefined) settings = parseSettings(initial);
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        hoverProvider: true,
        codeLensProvider: { resolveProvider: false },
        inlayHintProvider: true,
        completionProvider: { triggerCharacters: ['.'], resolveProvider: false },
        signatureHelpProvider: { triggerCharacters: ['(', ','], retriggerCharacters: [','] },
        definitionProvider: true,
        referencesProvider: true,
        renameProvider: { prepareProvider: true },
        documentSymbolProvider: true,
        semanticTokensProvider: { legend, full: true, range: true },
        foldingRangeProvider: true,
        executeCommandProvider: { commands: Object.values(Commands) },
      },
      serverInfo: { name: 'tgraph', version: '0.1.0' },
    };
  });

  async function pullSettings(pushed?: unknown): Promise<void> {
    let next = settings;
    if (client.workspace?.configuration) {
      try {
        next = parseSettings(await connection.workspace.getConfiguration({ section: 'tgraph' }));
      } catch (e) {
        log(`reading the tgraph settings failed: ${(e as Error)?.message ?? String(e)}`);
      }
    } else if (pushed !== undefined) {
      next = parseSettings(pushed);
    }
    if (sameSettings(next, settings)) return;
    const budgetsChanged =
      JSON.stringify(analysisOptions(next)) !== JSON.stringify(analysisOptions(settings)) ||
      next.python.enabled !== settings.python.enabled;
    settings = next;
    if (budgetsChanged) store.reanalyseAll();
    else refreshViews(); // only the inlay hint settings changed
  }

  connection.onInitialized(() => {
    if (client.workspace?.didChangeConfiguration?.dynamicRegistration) {
      connection.client.register(DidChangeConfigurationNotification.type, { section: 'tgraph' }).catch(() => undefined);
    }
    void pullSettings();
  });

  connection.onNotification(ClientNotifications.workspaceTrust, (params: unknown) => {
    if (trust.update(params)) store.reanalyseAll();
  });

  connection.onDidChangeConfiguration((change) => {
    const pushed = (change?.settings as { tgraph?: unknown } | undefined)?.tgraph;
    void pullSettings(pushed);
  });

  // ---- features --------------------------------------------------------------------------

  // Answered from the latest snapshot at once; only a document never analysed yet waits
  // (briefly) for its first one.
  const view = (uri: string) => store.view(uri);

  // Never waits for an analysis, nor for the snapshot of one that is done: while the current
  // text's snapshot is not published the hover shows the previous one's, marked as such.
  connection.onHover(
    guardAsync('hover', null, async (p) => {
      const v = await store.latestView(p.textDocument.uri);
      if (!v) return null;
      // A gradient whose explanation is not computed yet: asked for first, briefly waited for
      // — unless a newer text of the document is being analysed: the worker is busy with it,
      // and the explanation would be of the previous version. The hover says it is coming.
      const pending = store.pending(p.textDocument.uri);
      const unexplained = pending ? undefined : unexplainedTarget(v, p.position);
      if (unexplained !== undefined) await store.explainNow(p.textDocument.uri, v.snapshot, unexplained, EXPLAIN_WAIT_MS);
      return hover(v, p.position, pending);
    }),
  );

  connection.onCodeLens(
    guardAsync('codeLens', [], async (p) => {
      const v = await store.viewSoon(p.textDocument.uri);
      return v ? codeLenses(v, store.state(p.textDocument.uri)?.lensChecks) : [];
    }),
  );

  connection.languages.inlayHint.on(
    guardAsync('inlayHint', [], async (p) => {
      const v = await store.viewSoon(p.textDocument.uri);
      return v ? inlayHints(v, p.range, settings.inlayHints) : [];
    }),
  );

  // Completion, signature help and rename read and write .tgraph syntax: a Python file's are
  // the user's Python extension's.
  const isPython = (uri: string) => {
    const doc = store.document(uri);
    return doc ? isPythonDocument(doc) : false;
  };

  connection.onCompletion(
    guard('completion', [], (p) => {
      if (isPython(p.textDocument.uri)) return [];
      const parsed = store.parsed(p.textDocument.uri, p.position);
      return parsed ? completion(parsed.current, parsed.position, view(p.textDocument.uri)?.snapshot) : [];
    }),
  );

  connection.onSignatureHelp(
    guard('signatureHelp', null, (p) => {
      if (isPython(p.textDocument.uri)) return null;
      const parsed = store.parsed(p.textDocument.uri, p.position);
      return parsed ? signatureHelp(parsed.current, parsed.position) : null;
    }),
  );

  connection.onDefinition(
    guardAsync('definition', null, async (p) => {
      const v = await store.viewSoon(p.textDocument.uri);
      return v ? definition(v, p.position) : null;
    }),
  );

  connection.onReferences(
    guardAsync('references', [], async (p) => {
      const v = await store.viewSoon(p.textDocument.uri);
      return v ? references(v, p.position, p.context?.includeDeclaration ?? true) : [];
    }),
  );

  // Renames produce edits: they need the analysis of exactly the current text.
  connection.onPrepareRename(
    guardAsync('prepareRename', null, async (p) => {
      if (isPython(p.textDocument.uri)) return null;
      const v = await store.freshView(p.textDocument.uri);
      return v ? prepareRename(v, p.position) : null;
    }),
  );

  connection.onRenameRequest(
    guardAsync('rename', null, async (p) => {
      if (isPython(p.textDocument.uri)) return null;
      const v = await store.freshView(p.textDocument.uri);
      return v ? rename(v, p.position, p.newName) : null;
    }),
  );

  connection.onDocumentSymbol(
    guardAsync('documentSymbol', [], async (p) => {
      const v = await store.viewSoon(p.textDocument.uri);
      return v ? documentSymbols(v) : [];
    }),
  );

  connection.languages.semanticTokens.on(
    guardAsync('semanticTokens', { data: [] }, async (p) => {
      const v = await store.viewSoon(p.textDocument.uri);
      return v ? semanticTokens(v) : { data: [] };
    }),
  );

  connection.languages.semanticTokens.onRange(
    guardAsync('semanticTokens/range', { data: [] }, async (p) => {
      const v = await store.viewSoon(p.textDocument.uri);
      return v ? semanticTokens(v, p.range.start.line, p.range.end.line) : { data: [] };
    }),
  );

  connection.onFoldingRanges(
    guardAsync('foldingRange', [], async (p) => {
      const v = await store.viewSoon(p.textDocument.uri);
      return v ? foldingRanges(v) : [];
    }),
  );

  // ---- lens actions (custom requests, JSON for the client to show) -----------------------

  const withLine = <R>(name: string, run: (uri: string, line: number) => Promise<R | null>) =>
    guardAsync(name, null, (raw: unknown): Promise<R | null> => {
      const p = lineParams(raw);
      if (!p) throw new ResponseError(-32602, `${name} takes {uri, line} or [uri, line]`);
      return run(p.uri, p.line);
    });

  /** A lens request, run by the worker on the analysis of the current text. */
  async function onGraph<R>(uri: string, kind: Parameters<typeof store.host.request>[1], line: number): Promise<R | null> {
    if (!store.document(uri)) return null;
    await store.settled(uri);
    return store.host.request<R>(uri, kind, line, settings.check);
  }

  connection.onRequest(
    Methods.computeGradients,
    withLine<ComputeGradientsResult>(Methods.computeGradients, (uri, line) => onGraph(uri, 'computeGradients', line)),
  );

  connection.onRequest(
    Methods.explain,
    withLine<ExplainResult>(Methods.explain, (uri, line) => onGraph(uri, 'explain', line)),
  );

  /** The full check of the gradients on a line; the lens shows its outcome afterwards. */
  async function checkGradientsAt(uri: string, line: number): Promise<CheckGradientsResult | null> {
    const result = await onGraph<CheckGradientsResult & { version: number }>(uri, 'checkGradients', line);
    const state = store.state(uri);
    if (!result || !state) return result;
    if (result.statement) {
      state.lensChecks.set(result.statement, { passed: result.passed, title: result.title });
      refreshViews();
    }
    const { version: _version, ...answer } = result;
    return answer;
  }

  connection.onRequest(Methods.checkGradients, withLine<CheckGradientsResult>(Methods.checkGradients, checkGradientsAt));

  /** The graph of the statements on lines `line`..`endLine`, as a .tgraph document. */
  async function openAsGraphAt(uri: string, line: number, endLine: number): Promise<OpenAsGraphResult | null> {
    if (!store.document(uri)) return null;
    await store.settled(uri);
    return store.host.request<OpenAsGraphResult | null>(uri, 'openAsGraph', line, undefined, endLine);
  }

  connection.onRequest(
    Methods.openAsGraph,
    guardAsync(Methods.openAsGraph, null, (raw: unknown) => {
      const p = rangeParams(raw);
      if (!p) throw new ResponseError(-32602, `${Methods.openAsGraph} takes {uri, line, endLine} or [uri, line, endLine]`);
      return openAsGraphAt(p.uri, p.line, p.endLine);
    }),
  );

  /** The feed edit for the placeholder on a line, as LSP (the worker answers offsets into
   *  the text of the version it analysed). */
  async function feedEdit(uri: string, line: number): Promise<WorkspaceEdit | null> {
    const answer = await onGraph<{ version: number; edit: OffsetEdit | null }>(uri, 'randomiseFeed', line);
    const text = answer ? store.host.textOf(uri, answer.version) : undefined;
    if (!answer?.edit || text === undefined) return null;
    const lines = new LineIndex(text);
    const range = { start: lines.positionAt(answer.edit.start), end: lines.positionAt(answer.edit.end) };
    return { changes: { [uri]: [{ range, newText: answer.edit.newText }] } };
  }

  connection.onRequest(
    Methods.randomiseFeedEdit,
    withLine(Methods.randomiseFeedEdit, (uri, line) => feedEdit(uri, line)),
  );

  /** Applies the feed edit for the placeholder on a line through the client. */
  async function randomiseFeed(uri: string, line: number): Promise<{ applied: boolean }> {
    const edit = await feedEdit(uri, line);
    if (!edit) return { applied: false };
    try {
      const r = await connection.workspace.applyEdit({ label: 'Randomise feed', edit });
      return { applied: r.applied };
    } catch (e) {
      log(`applying the feed edit failed: ${(e as Error)?.message ?? String(e)}`);
      return { applied: false };
    }
  }

  // Every lens command, for any LSP client: the gradient commands answer the same data as
  // their custom requests (values, the check's outcome, the explanation and the picture's
  // data), for the client to print or draw. VS Code's client runs them itself and draws it.
  const commands: Record<string, (uri: string, line: number) => Promise<unknown>> = {
    [Commands.computeGradients]: (uri, line) => onGraph<ComputeGradientsResult>(uri, 'computeGradients', line),
    [Commands.checkGradients]: checkGradientsAt,
    [Commands.explainSum]: (uri, line) => onGraph<ExplainResult>(uri, 'explain', line),
    [Commands.randomiseFeed]: randomiseFeed,
  };

  connection.onExecuteCommand(
    guardAsync('executeCommand', null, async (p) => {
      if (p.command === Commands.openAsGraph) {
        const range = rangeParams(p.arguments ?? []) ?? rangeParams(p.arguments?.[0]);
        if (!range) throw new ResponseError(-32602, `${p.command} takes the arguments [uri, line, endLine] or [{uri, line, endLine}]`);
        return openAsGraphAt(range.uri, range.line, range.endLine);
      }
      const run = Object.prototype.hasOwnProperty.call(commands, p.command) ? commands[p.command] : undefined;
      if (!run) throw new ResponseError(-32601, `unknown command ${p.command}`);
      const args = lineParams(p.arguments ?? []) ?? lineParams(p.arguments?.[0]);
      if (!args) throw new ResponseError(-32602, `${p.command} takes the arguments [uri, line] or [{uri, line}]`);
      return run(args.uri, args.line);
    }),
  );

  // Nothing a user types may stop the server: log what escapes and carry on.
  platform.catchUncaught(log);

  store.listen(connection);
  connection.listen();
}
