// The status bar item: the last analysis time and the error count of the active tgraph
// document. The error count is what VS Code holds (vscode.languages.getDiagnostics), so it
// always agrees with the Problems view; the time is the server's own figure when it sends
// its `analysed` notification (protocol/: Notifications.analysed), else the time from an edit
// to the diagnostics it produced.

import * as vscode from 'vscode';

export class AnalysisStatus implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly disposables: vscode.Disposable[] = [];
  /** When the latest edit of each document was sent, by uri. */
  private readonly pendingSince = new Map<string, number>();
  /** Last analysis time of each document, by uri. */
  private readonly lastMs = new Map<string, number>();
  /** Documents whose server reports its own analysis time (preferred over ours). */
  private readonly serverReports = new Set<string>();

  constructor(private readonly languageId: string) {
    this.item = vscode.window.createStatusBarItem('tgraph.status', vscode.StatusBarAlignment.Left, 10);
    this.item.name = 'tgraph analysis';
    this.item.command = 'tgraph.showOutput';
    this.disposables.push(
      this.item,
      vscode.languages.onDidChangeDiagnostics((event) => {
        const active = this.activeDocument();
        if (active && event.uris.some((u) => u.toString() === active.uri.toString())) this.update();
      }),
      vscode.window.onDidChangeActiveTextEditor(() => this.update()),
      vscode.workspace.onDidCloseTextDocument((d) => {
        this.pendingSince.delete(d.uri.toString());
        this.lastMs.delete(d.uri.toString());
        this.serverReports.delete(d.uri.toString());
      }),
    );
    this.update();
  }

  editSent(uri: vscode.Uri): void {
    this.pendingSince.set(uri.toString(), Date.now());
  }

  diagnosticsReceived(uri: vscode.Uri): void {
    const key = uri.toString();
    const since = this.pendingSince.get(key);
    if (since === undefined) return;
    this.pendingSince.delete(key);
    if (!this.serverReports.has(key)) this.lastMs.set(key, Date.now() - since);
    this.update();
  }

  analysisReported(uri: vscode.Uri, durationMs: number): void {
    const key = uri.toString();
    this.lastMs.set(key, durationMs);
    this.serverReports.add(key);
    this.update();
  }

  /** The text shown, for tests and logs. */
  get text(): string {
    return this.item.text;
  }

  private activeDocument(): vscode.TextDocument | undefined {
    const document = vscode.window.activeTextEditor?.document;
    return document && document.languageId === this.languageId ? document : undefined;
  }

  private update(): void {
    const document = this.activeDocument();
    if (!document) {
      this.item.hide();
      return;
    }
    const diagnostics = vscode.languages.getDiagnostics(document.uri);
    const errors = diagnostics.filter((d) => d.severity === vscode.DiagnosticSeverity.Error).length;
    const warnings = diagnostics.filter((d) => d.severity === vscode.DiagnosticSeverity.Warning).length;
    const ms = this.lastMs.get(document.uri.toString());
    const time = ms === undefined ? '…' : ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
    const errorText = errors === 0 ? '$(check) 0 errors' : `$(error) ${errors} error${errors === 1 ? '' : 's'}`;
    this.item.text = `tgraph ${time} ${errorText}`;
    this.item.tooltip = `tgraph: last analysis ${time}; ${errors} error(s), ${warnings} warning(s). Click for the tgraph output.`;
    this.item.backgroundColor = errors > 0 ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    this.item.show();
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
