import { fileURLToPath } from 'url';
// The tgraph language server: thin wiring between the protocol and one Analysis per open
// document (engine/analysis.ts). Each feature lives in its own file; this one declares the
// capabilities, reads the settings and makes sure no handler can take the process down.
//
// Started three ways: `tgraph lsp --stdio` (cli/main.ts calls startStdio), the VS Code client
// (this bundle as the main module, transport from argv: --node-ipc or --stdio), and the tests
// (`node dist/server.js --stdio`).

import {
  createConnection, DidChangeConfigurationNotification, ProposedFeatures, ResponseError, TextDocumentSyncKind,
  CodeLensRefreshRequest, type ClientCapabilities, type Connection, type InitializeResult,
} from 'vscode-languageserver/node';
import { DocumentStore, type DocumentState } from './documents';
import { toDiagnostics } from './diagnostics';
import { hover } from './hover';
import { codeLenses } from './lenses';
import { inlayHints } from './inlayHints';
import { completion } from './completion';
import { signatureHelp } from './signatureHelp';
import { definition, documentSymbols, prepareRename, references, rename } from './navigation';
import { legend, semanticTokens } from './semanticTokens';
import { foldingRanges } from './folding';
import { DEFAULT_SETTINGS, analysisOptions, parseSettings, sameSettings, type Settings } from './settings';
import { checkGradients, computeGradients, explainStatement } from './gradients';
import { randomiseFeedEdit } from './randomise';
import { ClientNotifications, Commands, Methods, Notifications, lineParams, type AnalysedParams } from './protocol';
import { WorkspaceTrust } from './trust';

let started = false;

export function startStdio(): void {
  started = true;
  start(createConnection(ProposedFeatures.all, process.stdin, process.stdout));
}

export function start(connection: Connection): void {
  let settings: Settings = DEFAULT_SETTINGS;
  let client: ClientCapabilities = {};
  /** The workspace folders as paths: load() stays inside them. */
  let workspaceRoots: string[] = [];
  /** Whether load() may read files (see trust.ts); set from initializationOptions. */
  let trust = new WorkspaceTrust();

  const log = (message: string) => connection.console.error(message);

  const store = new DocumentStore({
    analysisOptions: () => analysisOptions(settings),
    workspaceRoots: () => workspaceRoots,
    restrictLoad: (load) => trust.restrict(load),
    onAnalysed: published,
    // A long document's first build: its diagnostics now, the evaluation's when it is done.
    onBuilt: (state, doc, built) => connection.sendDiagnostics({ uri: state.uri, version: doc.version, diagnostics: toDiagnostics(state.uri, built) }),
    onClosed: (uri) => connection.sendDiagnostics({ uri, diagnostics: [] }),
    log,
  });

  /** After each analysis: diagnostics, the status notification, and asking the client to
   *  re-request what depends on the analysis (lenses, hints, tokens). */
  function published(state: DocumentState): void {
    const doc = store.document(state.uri);
    if (!doc) return;
    const current = state.analysis && state.analysis.text === doc.getText() ? state.analysis : undefined;
    connection.sendDiagnostics({ uri: state.uri, version: doc.version, diagnostics: toDiagnostics(state.uri, current, state.failure) });
    const counts = { error: 0, warning: 0, information: 0 };
    for (const d of current?.diagnostics ?? []) counts[d.severity]++;
    const status: AnalysedParams = {
      uri: state.uri,
      version: doc.version,
      milliseconds: Math.round(state.analysisMs * 10) / 10,
      errors: counts.error + (state.failure ? 1 : 0),
      warnings: counts.warning,
      information: counts.information,
    };
    void connection.sendNotification(Notifications.analysed, status);
    refreshViews();
  }

  function refreshViews(): void {
    const ws = client.workspace;
    const ignore = () => undefined;
    if (ws?.inlayHint?.refreshSupport) connection.languages.inlayHint.refresh().catch(ignore);
    if (ws?.codeLens?.refreshSupport) connection.sendRequest(CodeLensRefreshRequest.type).catch(ignore);
    if (ws?.semanticTokens?.refreshSupport) connection.languages.semanticTokens.refresh();
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
    workspaceRoots = (params.workspaceFolders ?? (params.rootUri ? [{ uri: params.rootUri, name: '' }] : []))
      .filter((f) => f.uri.startsWith('file:'))
      .map((f) => fileURLToPath(f.uri));
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
        executeCommandProvider: { commands: [Commands.randomiseFeed] },
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
    const budgetsChanged = JSON.stringify(analysisOptions(next)) !== JSON.stringify(analysisOptions(settings));
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

  const view = (uri: string) => store.view(uri);

  connection.onHover(guard('hover', null, (p) => {
    const v = view(p.textDocument.uri);
    return v ? hover(v, p.position) : null;
  }));

  connection.onCodeLens(guard('codeLens', [], (p) => {
    const v = view(p.textDocument.uri);
    return v ? codeLenses(v, store.state(p.textDocument.uri)) : [];
  }));

  connection.languages.inlayHint.on(guard('inlayHint', [], (p) => {
    const v = view(p.textDocument.uri);
    return v ? inlayHints(v, p.range, settings.inlayHints) : [];
  }));

  connection.onCompletion(guard('completion', [], (p) => {
    const current = store.parsed(p.textDocument.uri);
    return current ? completion(current, p.position, view(p.textDocument.uri)) : [];
  }));

  connection.onSignatureHelp(guard('signatureHelp', null, (p) => {
    const current = store.parsed(p.textDocument.uri);
    return current ? signatureHelp(current, p.position, view(p.textDocument.uri)) : null;
  }));

  connection.onDefinition(guard('definition', null, (p) => {
    const v = view(p.textDocument.uri);
    return v ? definition(v, p.position) : null;
  }));

  connection.onReferences(guard('references', [], (p) => {
    const v = view(p.textDocument.uri);
    return v ? references(v, p.position, p.context?.includeDeclaration ?? true) : [];
  }));

  // Renames produce edits: they need the analysis of exactly the current text.
  connection.onPrepareRename(guard('prepareRename', null, (p) => {
    const v = store.freshView(p.textDocument.uri);
    return v ? prepareRename(v, p.position) : null;
  }));

  connection.onRenameRequest(guard('rename', null, (p) => {
    const v = store.freshView(p.textDocument.uri);
    return v ? rename(v, p.position, p.newName) : null;
  }));

  connection.onDocumentSymbol(guard('documentSymbol', [], (p) => {
    const v = view(p.textDocument.uri);
    return v ? documentSymbols(v) : [];
  }));

  connection.languages.semanticTokens.on(guard('semanticTokens', { data: [] }, (p) => {
    const v = view(p.textDocument.uri);
    return v ? semanticTokens(v) : { data: [] };
  }));

  connection.languages.semanticTokens.onRange(guard('semanticTokens/range', { data: [] }, (p) => {
    const v = view(p.textDocument.uri);
    return v ? semanticTokens(v, p.range.start.line, p.range.end.line) : { data: [] };
  }));

  connection.onFoldingRanges(guard('foldingRange', [], (p) => {
    const v = view(p.textDocument.uri);
    return v ? foldingRanges(v) : [];
  }));

  // ---- lens actions (custom requests, JSON for the client to show) -----------------------

  const withLine = <R>(name: string, run: (uri: string, line: number) => R) =>
    guard(name, null, (raw: unknown): R | null => {
      const p = lineParams(raw);
      if (!p) throw new ResponseError(-32602, `${name} takes {uri, line} or [uri, line]`);
      return run(p.uri, p.line);
    });

  connection.onRequest(Methods.computeGradients, withLine(Methods.computeGradients, (uri, line) => {
    const v = store.freshView(uri);
    return v ? computeGradients(uri, v.analysis, line) : null;
  }));

  connection.onRequest(Methods.explain, withLine(Methods.explain, (uri, line) => {
    const v = store.freshView(uri);
    return v ? explainStatement(uri, v.analysis, line) : null;
  }));

  connection.onRequest(Methods.checkGradients, withLine(Methods.checkGradients, (uri, line) => {
    const v = store.freshView(uri);
    const state = store.state(uri);
    if (!v || !state) return null;
    const result = checkGradients(uri, v.analysis, line, store.optionsFor(state));
    if (result.statement) {
      state.lensChecks.set(result.statement, { passed: result.passed, title: result.title });
      refreshViews();
    }
    return result;
  }));

  connection.onRequest(Methods.randomiseFeedEdit, withLine(Methods.randomiseFeedEdit, (uri, line) => {
    const v = store.freshView(uri);
    return v ? randomiseFeedEdit(v, line) : null;
  }));

  connection.onExecuteCommand(guard('executeCommand', null, (p) => {
    if (p.command !== Commands.randomiseFeed) return null;
    const args = lineParams(p.arguments ?? []);
    const v = args && store.freshView(args.uri);
    const edit = v && args ? randomiseFeedEdit(v, args.line) : null;
    if (!edit) return { applied: false };
    return connection.workspace.applyEdit({ label: 'Randomise feed', edit }).then(
      (r) => ({ applied: r.applied }),
      (e) => {
        log(`applying the feed edit failed: ${(e as Error)?.message ?? String(e)}`);
        return { applied: false };
      },
    );
  }));

  // Nothing a user types may stop the server: log what escapes and carry on.
  process.on('uncaughtException', (e) => log(`uncaught: ${e?.stack ?? String(e)}`));
  process.on('unhandledRejection', (e) => log(`unhandled rejection: ${(e as Error)?.stack ?? String(e)}`));

  store.listen(connection);
  connection.listen();
}

// As the main module (the VS Code client starts this bundle; transport from argv). Deferred
// to the end of the current synchronous run because this file is also bundled into the CLI,
// where `require.main === module` holds too and `tgraph lsp --stdio` calls startStdio itself.
if (require.main === module) {
  process.nextTick(() => {
    if (started) return;
    started = true;
    start(createConnection(ProposedFeatures.all));
  });
}
