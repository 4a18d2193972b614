// For tests of the document store without a client: a store on a given worker channel, the
// document notifications its `TextDocuments` listens to (sent by the test), and a wait for
// what the store does.

import type { Connection } from 'vscode-languageserver';
import { DocumentStore, type DocumentStoreOptions } from '../../server/documents';
import type { Channel } from '../../engine/api/worker/messages';

export function documentEvents() {
  const handlers: Record<string, (event: unknown) => void> = {};
  const on = (name: string) => (handler: (event: unknown) => void) => {
    handlers[name] = handler;
    return { dispose: () => undefined };
  };
  const connection = {
    onDidOpenTextDocument: on('open'),
    onDidChangeTextDocument: on('change'),
    onDidCloseTextDocument: on('close'),
    onWillSaveTextDocument: on('willSave'),
    onWillSaveTextDocumentWaitUntil: on('willSaveWaitUntil'),
    onDidSaveTextDocument: on('save'),
  } as unknown as Connection;
  return { connection, send: (name: string, event: unknown) => handlers[name](event) };
}

/** Waits until `ok`, looking every 5 ms, at most `tries` times. */
export async function until(ok: () => boolean, what: string, tries = 2000): Promise<void> {
  for (let i = 0; i < tries && !ok(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!ok()) throw new Error(`timed out waiting for ${what}`);
}

/** A store whose worker is `channel`; `analysed` lists the versions whose diagnostics it
 *  published. Any log fails the test. */
export function storeOnChannel(channel: Channel, options: Partial<DocumentStoreOptions> = {}) {
  const analysed: number[] = [];
  const store = new DocumentStore({
    kindOf: () => 'tgraph',
    analysisOptions: () => ({}),
    onDiagnostics: (_uri, doc) => analysed.push(doc.version),
    onAnalysed: () => undefined,
    onClosed: () => undefined,
    connect: () => channel,
    log: (m) => {
      throw new Error(`unexpected log: ${m}`);
    },
    ...options,
  });
  const events = documentEvents();
  store.listen(events.connection);
  return { store, analysed, events };
}
