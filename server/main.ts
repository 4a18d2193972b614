// The tgraph language server on Node. Started three ways: `tgraph lsp --stdio` (cli/main.ts
// calls startStdio), the VS Code client (this bundle as the main module, transport from argv:
// --node-ipc or --stdio), and the tests (`node dist/server.js --stdio`). The server itself is
// server/start.ts; this file gives it Node's worker threads and file system.

import * as path from 'path';
import { fileURLToPath } from 'url';
import {
  createConnection,
  IPCMessageReader,
  IPCMessageWriter,
  ProposedFeatures,
  type MessageReader,
  type MessageWriter,
} from 'vscode-languageserver/node';
import type { AnalysisOptions } from '../engine/analysis';
import { nodeWorkerChannel } from './workerChannel';
import { HELPER_NICE_INCREMENT, WORKER_NICE_INCREMENT, lowerOtherThreadsPriority } from './threadPriority';
import { stdioTransport } from './lifecycle';
import { ProtocolTurns } from './protocolTurns';
import { start, type ServerPlatform } from './start';
import { enableRelaxedSimd } from '../engine/wasm/nodeFeatures';

enableRelaxedSimd();

let started = false;

/** Where load('x.npy') may read for a document: its folder, inside the workspace folders
 *  (or its own folder when it is outside them); nothing for an unsaved document. */
export function loadContextFor(uri: string, workspaceFolders: readonly string[]): AnalysisOptions['load'] {
  if (!uri.startsWith('file:')) return { baseDir: null, workspaceRoots: [], enabled: true };
  let dir: string;
  try {
    dir = path.dirname(fileURLToPath(uri));
  } catch {
    return { baseDir: null, workspaceRoots: [], enabled: true };
  }
  const roots = workspaceFolders.filter((f) => f.startsWith('file:')).map((f) => fileURLToPath(f));
  const inside = roots.filter((r) => dir === r || dir.startsWith(r.endsWith(path.sep) ? r : r + path.sep));
  return { baseDir: dir, workspaceRoots: inside.length ? inside : [dir], enabled: true };
}

export const nodePlatform: ServerPlatform = {
  connect: (heapMb) => {
    // Before the worker exists (it lowers its own priority further): V8's helper threads, and
    // any thread made since a worker restart.
    lowerOtherThreadsPriority(HELPER_NICE_INCREMENT);
    return nodeWorkerChannel(heapMb, { niceIncrement: WORKER_NICE_INCREMENT });
  },
  loadContext: loadContextFor,
  catchUncaught: (log) => {
    process.on('uncaughtException', (e) => log(`uncaught: ${e?.stack ?? String(e)}`));
    process.on('unhandledRejection', (e) => log(`unhandled rejection: ${(e as Error)?.stack ?? String(e)}`));
  },
};

/** A connection whose reader and writer count the protocol's queued tasks (protocolTurns.ts),
 *  and the platform that lets a snapshot's arrival put its slices off behind them. */
function startCounted(reader: MessageReader, writer: MessageWriter): void {
  const turns = new ProtocolTurns();
  const connection = createConnection(ProposedFeatures.all, turns.reader(reader), turns.writer(writer), turns.connectionOptions());
  start(connection, { ...nodePlatform, yieldToProtocol: () => turns.yieldToProtocol() });
}

export function startStdio(): void {
  started = true;
  const { reader, writer } = stdioTransport();
  startCounted(reader, writer);
}

// As the main module (the VS Code client starts this bundle; transport from argv). Deferred
// to the end of the current synchronous run because this file is also bundled into the CLI,
// where `require.main === module` holds too and `tgraph lsp --stdio` calls startStdio itself.
if (require.main === module) {
  process.nextTick(() => {
    if (started) return;
    if (process.argv.includes('--stdio')) return startStdio();
    started = true;
    // VS Code's client starts it with --node-ipc.
    if (process.argv.includes('--node-ipc')) return startCounted(new IPCMessageReader(process), new IPCMessageWriter(process));
    start(createConnection(ProposedFeatures.all), nodePlatform);
  });
}
