// The tgraph language server: thin wiring over one Analysis per open document.
import { createConnection, ProposedFeatures, TextDocuments, TextDocumentSyncKind, DiagnosticSeverity } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { analyze } from '../engine/analysis';

export function startStdio(): void {
  start(createConnection(ProposedFeatures.all, process.stdin, process.stdout));
}

function start(connection: ReturnType<typeof createConnection>): void {
  const documents = new TextDocuments(TextDocument);
  connection.onInitialize(() => ({ capabilities: { textDocumentSync: TextDocumentSyncKind.Incremental } }));
  documents.onDidChangeContent(({ document }) => {
    const a = analyze(document.getText());
    const severity = { error: DiagnosticSeverity.Error, warning: DiagnosticSeverity.Warning, information: DiagnosticSeverity.Information };
    connection.sendDiagnostics({
      uri: document.uri,
      diagnostics: a.diagnostics.map((d) => ({
        range: { start: a.lines.positionAt(d.span.start), end: a.lines.positionAt(d.span.end) },
        severity: severity[d.severity],
        code: d.code,
        source: 'tgraph',
        message: d.message,
      })),
    });
  });
  documents.listen(connection);
  connection.listen();
}

if (require.main === module) {
  start(createConnection(ProposedFeatures.all));
}
