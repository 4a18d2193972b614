// The VS Code extension on the desktop (and code-server): the language server is
// dist/server.js, a Node process over IPC. Everything else is client/activate.ts.

import type * as vscode from 'vscode';
import { LanguageClient, TransportKind, type ServerOptions } from 'vscode-languageclient/node';
import { activateWith, type TgraphApi } from './activate';

export { deactivate, type TgraphApi } from './activate';

export function activate(context: vscode.ExtensionContext): Promise<TgraphApi> {
  const serverModule = context.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc },
    debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6009'] } },
  };
  return activateWith(context, (options) => new LanguageClient('tgraph', 'tgraph language server', serverOptions, options));
}
