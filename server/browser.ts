// The tgraph language server in a browser: the web extension's server (VS Code for the Web:
// vscode.dev, github.dev). Its entry point server/webWorker.ts runs it in a Web Worker,
// which client/browser.ts starts; where the editor refuses an extension a Worker (code-server's
// web worker extension host, for an extension installed on the remote), the client runs it
// on a MessageChannel in its own thread with `startOn`.
//
// The analysis runs in this same worker (engine/api/worker/inProcess.ts), not in a nested
// Web Worker: the server is already off the editor's thread; a nested worker would need a
// script URL of the worker's own origin (VS Code for the Web serves extensions from another
// one) and cross-origin isolation for the shared control memory, neither of which an
// extension can count on. The budgets still bound every analysis (the kernels check the
// time budget between blocks); what is lost is stopping a worker that overruns them and
// cancelling an outdated analysis midway, which only a separate worker allows.
//
// load() reads through the client's workspace file system (server/web/files.ts).

import { BrowserMessageReader, BrowserMessageWriter, createConnection } from 'vscode-languageserver/browser';
import { inProcessChannel } from '../engine/api/worker/inProcess';
import { start, type ServerPlatform } from './start';
import { readLoadsThroughClient, webLoadContext } from './web/files';

/** The worker's global scope (this project's TypeScript has no DOM or WebWorker library). */
declare const self: {
  addEventListener(
    type: 'error' | 'unhandledrejection',
    listener: (event: { error?: unknown; reason?: unknown; preventDefault(): void }) => void,
  ): void;
};

export const browserPlatform: ServerPlatform = {
  connect: () => inProcessChannel(),
  loadContext: webLoadContext,
  readLoads: readLoadsThroughClient,
  catchUncaught: (log) => {
    self.addEventListener('error', (event) => {
      event.preventDefault();
      log(`uncaught: ${(event.error as Error)?.stack ?? String(event.error)}`);
    });
    self.addEventListener('unhandledrejection', (event) => {
      event.preventDefault();
      log(`unhandled rejection: ${(event.reason as Error)?.stack ?? String(event.reason)}`);
    });
  },
};

/** What the server talks to its client through: a worker's global scope, or a MessagePort. */
export type ServerPort = ConstructorParameters<typeof BrowserMessageReader>[0];

/** Starts a server that reads its client's messages from `port` and posts its answers there. */
export function startOn(port: ServerPort): void {
  start(createConnection(new BrowserMessageReader(port), new BrowserMessageWriter(port)), browserPlatform);
}
