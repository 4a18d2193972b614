// The client's two views of server results: a read-only side document for computed
// gradients and a webview panel for a gradient's explanation. Both only render what the
// server sent; neither computes anything.

import * as vscode from 'vscode';
import { renderExplainHtml } from './explainPicture';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** One computed gradient (`tgraph/computeGradients` gives a list): its meaning, shape,
 *  NumPy-style value and the explanation of its sum. */
function renderGradient(g: Json): string {
  const shape = Array.isArray(g.shape) ? `[${g.shape.join(', ')}]` : (str(g.staticShape) ?? '');
  const head = [str(g.meaning), str(g.x) ? `w.r.t. ${g.x}` : undefined, str(g.dtype) ? `${g.dtype}${shape}` : shape || undefined]
    .filter(Boolean)
    .join('  ');
  return [head, str(g.value), str(g.explanation)].filter((part) => part !== undefined && part !== '').join('\n');
}

/** One outcome of a gradient check: the server's summary or message. */
function renderCheck(c: Json): string {
  const mark = c.passed === true ? '✓' : c.passed === false ? '✗' : '·';
  return `${mark} ${str(c.call) ?? ''} ${str(c.summary) ?? str(c.message) ?? ''}`.trim();
}

/** A server result as text: computed gradients and check outcomes in readable form, else
 *  the server's own `text`/`message`, else indented JSON. */
export function renderResultText(result: unknown): string {
  if (result === null || result === undefined) return '(no result)';
  if (typeof result === 'string') return result;
  if (isObject(result)) {
    const lines: string[] = [];
    if (str(result.statement)) lines.push(str(result.statement)!);
    if (Array.isArray(result.gradients)) lines.push(...result.gradients.filter(isObject).map(renderGradient));
    if (Array.isArray(result.results)) lines.push(...result.results.filter(isObject).map(renderCheck));
    if (str(result.title)) lines.push(str(result.title)!);
    if (str(result.message)) lines.push(str(result.message)!);
    if (str(result.text)) lines.push(str(result.text)!);
    if (lines.length > (str(result.statement) ? 1 : 0)) return lines.join('\n\n');
  }
  return JSON.stringify(result, null, 2);
}

const GRADIENTS_SCHEME = 'tgraph-gradients';

/** Computed gradients in a virtual, read-only document beside the source (one per source
 *  file, replaced on every "Compute gradients"). */
export class GradientView implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly contents = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly registration: vscode.Disposable;

  constructor() {
    this.registration = vscode.workspace.registerTextDocumentContentProvider(GRADIENTS_SCHEME, this);
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.toString()) ?? '';
  }

  async show(source: vscode.Uri, line: number, text: string): Promise<vscode.TextEditor> {
    const name = source.path.split('/').pop() ?? 'document';
    const viewUri = vscode.Uri.from({
      scheme: GRADIENTS_SCHEME,
      path: `/${name} — gradients`,
      query: source.toString(),
    });
    const header = `# gradients computed at ${vscode.workspace.asRelativePath(source)}:${line + 1}\n\n`;
    this.contents.set(viewUri.toString(), header + text + '\n');
    this.changed.fire(viewUri);
    const document = await vscode.workspace.openTextDocument(viewUri);
    return vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true, preview: true });
  }

  dispose(): void {
    this.registration.dispose();
    this.changed.dispose();
  }
}

/** The explanation of a gradient's sum as a picture (client/explainPicture.ts: the Jacobian
 *  as a heatmap with the summed axes marked, the terms of one entry as bars). One panel,
 *  reused. */
export class ExplainPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;

  show(where: string, result: unknown): vscode.WebviewPanel {
    if (!this.panel) {
      this.panel = vscode.window.createWebviewPanel(
        'tgraph.explain',
        'tgraph: Explain sum',
        { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
        {
          enableScripts: false,
          retainContextWhenHidden: false,
        },
      );
      this.panel.onDidDispose(() => (this.panel = undefined));
    }
    this.panel.title = `Explain sum — ${where}`;
    this.panel.webview.html = this.html(where, result);
    this.panel.reveal(vscode.ViewColumn.Beside, true);
    return this.panel;
  }

  html(where: string, result: unknown): string {
    return renderExplainHtml(result, where);
  }

  dispose(): void {
    this.panel?.dispose();
  }
}
