// The VS Code extension in VS Code for the Web (vscode.dev, github.dev): package.json's
// `browser` entry. The language server is dist/web/server.js in a Web Worker (or, where the
// host refuses the extension a Worker, server/browser.ts in this thread), and since it
// has no file system, this client reads the files a document's load() names through the
// workspace file system API and hands them over (`tgraph/readFile`), under the rules of the
// desktop: inside a workspace folder, a regular file of at most the size limit, nothing in
// an untrusted workspace. Everything else is client/activate.ts.

import * as vscode from 'vscode';
import {
  BaseLanguageClient,
  BrowserMessageReader,
  BrowserMessageWriter,
  LanguageClient,
  type LanguageClientOptions,
  type MessageTransports,
} from 'vscode-languageclient/browser';
import { ServerRequests, type ReadFileParams, type ReadFileResult } from '../protocol';
import { startOn, type ServerPort } from '../server/browser';
import { activateWith, type TgraphApi } from './activate';

export { deactivate, type TgraphApi } from './activate';

// The extension host's globals (this project's TypeScript has no DOM library).
declare const Worker: new (url: string) => ConstructorParameters<typeof LanguageClient>[3];
declare const MessageChannel: new () => { port1: ServerPort; port2: ServerPort };
declare function btoa(data: string): string;

/** The server on a MessageChannel in the extension host's own thread, a new one at each
 *  (re)start: for a host that refuses the extension a Worker. Its analyses then share the
 *  thread with the other extensions (each is still bounded by the budgets). */
class InThreadLanguageClient extends BaseLanguageClient {
  protected createMessageTransports(): Promise<MessageTransports> {
    const channel = new MessageChannel();
    startOn(channel.port2);
    return Promise.resolve({ reader: new BrowserMessageReader(channel.port1), writer: new BrowserMessageWriter(channel.port1) });
  }
}

/** The language client: the server in a Web Worker, or, where the host refuses one, in this
 *  thread (and the output says so). */
function newClient(serverMain: vscode.Uri, options: LanguageClientOptions, output: vscode.OutputChannel): BaseLanguageClient {
  try {
    return new LanguageClient('tgraph', 'tgraph language server', options, new Worker(serverMain.toString(true)));
  } catch (error) {
    output.appendLine(
      `[client] the language server cannot run in a Web Worker here (${error instanceof Error ? error.message : String(error)}); it runs in the extension host's thread`,
    );
    return new InThreadLanguageClient('tgraph', 'tgraph language server', options);
  }
}

/** Bytes as base64, in chunks (a 64 MiB file must not become one argument list). */
function base64Of(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 8192) binary += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return btoa(binary);
}

/** A file load() names, read through the workspace file system, or why not. */
export async function readForLoad(params: ReadFileParams): Promise<ReadFileResult> {
  const refused = (message: string, code: string): ReadFileResult => ({ refused: message, code });
  if (!vscode.workspace.isTrusted)
    return refused('this workspace is not trusted (VS Code workspace trust); trust the workspace to read .npy files', 'load-untrusted');
  let uri: vscode.Uri;
  try {
    uri = vscode.Uri.parse(params.uri, true);
  } catch {
    return refused(`'${params.uri}' is not a file of this workspace`, 'load-outside');
  }
  const name = uri.path;
  if (!vscode.workspace.getWorkspaceFolder(uri)) return refused(`'${name}' is outside the workspace folders`, 'load-outside');
  let stat: vscode.FileStat;
  try {
    stat = await vscode.workspace.fs.stat(uri);
  } catch {
    return refused(`no such file: '${name}'`, 'load-missing');
  }
  // A link could lead out of the workspace, and the web's file systems cannot say where to.
  if (stat.type & vscode.FileType.SymbolicLink)
    return refused(`'${name}' is a symbolic link; load() reads regular files in the browser`, 'load-refused');
  if (stat.type & vscode.FileType.Directory) return refused(`'${name}' is a directory, not a .npy file`, 'load-not-file');
  if (!(stat.type & vscode.FileType.File)) return refused(`'${name}' is not a regular file`, 'load-not-file');
  if (stat.size > params.maxBytes)
    return refused(`'${name}' is ${stat.size} bytes, over the limit of ${params.maxBytes} bytes`, 'load-too-large');
  try {
    const bytes = await vscode.workspace.fs.readFile(uri);
    if (bytes.length > params.maxBytes) return refused(`'${name}' is over the limit of ${params.maxBytes} bytes`, 'load-too-large');
    return { base64: base64Of(bytes) };
  } catch (error) {
    return refused(`cannot read '${name}': ${error instanceof Error ? error.message : String(error)}`, 'load-missing');
  }
}

export function activate(context: vscode.ExtensionContext): Promise<TgraphApi> {
  const serverMain = vscode.Uri.joinPath(context.extensionUri, 'dist', 'web', 'server.js');
  return activateWith(context, (options, output) => {
    const client = newClient(serverMain, options, output);
    // Registered before start: the client keeps the handler across server restarts.
    context.subscriptions.push(client.onRequest(ServerRequests.readFile, (params: ReadFileParams) => readForLoad(params)));
    return client;
  });
}
