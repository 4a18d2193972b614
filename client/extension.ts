// The VS Code extension on the desktop (and code-server): the language server is
// dist/server.js, a Node process over IPC. Everything else is client/activate.ts.

import type * as vscode from 'vscode';
import { LanguageClient, TransportKind, type ServerOptions } from 'vscode-languageclient/node';
import { activateWith, type TgraphApi } from './activate';
import { SERVER_ENVIRONMENT } from '../protocol/serverEnvironment';

export { deactivate, type TgraphApi } from './activate';

export function activate(context: vscode.ExtensionContext): Promise<TgraphApi> {
  const serverModule = context.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    // (the client adds its own environment to these)
    run: { module: serverModule, transport: TransportKind.ipc, options: { env: SERVER_ENVIRONMENT } },
    debug: {
      module: serverModule,
      transport: TransportKind.ipc,
      options: { execArgv: ['--nolazy', '--inspect=6009'], env: SERVER_ENVIRONMENT },
    },
  };
  return activateWith(context, (options) => new LanguageClient('tgraph', 'tgraph language server', serverOptions, options));
}
