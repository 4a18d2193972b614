// A hover that arrives while a snapshot is taken in by slices goes in and out between two
// slices: the JSON-RPC library handles it one task after its bytes arrive and writes its
// response one task after that, and the host puts its next slice off behind both
// (server/protocolTurns.ts). Through the real JSON-RPC library on both sides, over in-memory
// streams, with the store's worker in process and one arrival step per slice, so that every
// slice between the hover's bytes and its response's bytes is counted.

import { PassThrough } from 'stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createConnection, ProposedFeatures, StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver/node';
import { createProtocolConnection, type Hover } from 'vscode-languageserver-protocol/node';
import { DocumentStore } from '../../server/documents';
import { STALE_NOTE, hover } from '../../server/hover';
import { ProtocolTurns } from '../../server/protocolTurns';
import { inProcessChannel } from '../../engine/api/worker/inProcess';
import type { Channel, FromWorker } from '../../engine/api/worker/messages';
import { analyzeInStages } from '../../engine/analysis';
import { snapshotOf } from '../../engine/api/facts';
import { OCC_FIELDS, OCC_TARGET, occurrenceAt } from '../../engine/api/snapshot';
import { generatedChainFile } from '../../bench/editorScenarios';
import { positionOf } from './helpers';
import { until } from './storeHarness';

/** The hover of the name at `offset` in a snapshot made directly from `text`. */
function expectedHover(text: string, offset: number): string {
  const s = snapshotOf(analyzeInStages(text, {}).finish(), { version: 1, explain: false });
  const i = occurrenceAt(s.occurrences, offset);
  return s.targets[s.occurrences[i * OCC_FIELDS + OCC_TARGET]].hover;
}

/** A server of documents and hovers on a real connection, and a client on the other ends of
 *  its streams. `slices` counts the arrival slices the host ran; `hoverIn` and `hoverOut`
 *  hold that count when a hover's message reached the server's reader and when its
 *  response's bytes left the server's writer. With `turns` false the host never gives a turn
 *  away (as before protocolTurns.ts). */
function serverAndClient(turns: boolean) {
  const inner = inProcessChannel();
  const counts = {
    slices: 0,
    hoverIn: [] as number[],
    hoverOut: [] as number[],
    published: [] as number[],
    /** Called as a snapshot of this version comes from the worker, before the host sees it. */
    onArrival: undefined as { version: number; then: () => void } | undefined,
  };
  const channel: Channel = {
    ...inner,
    onMessage: (listener) =>
      inner.onMessage((m: FromWorker) => {
        if ((m.type === 'snapshot' || m.type === 'snapshotDelta') && m.version === counts.onArrival?.version) counts.onArrival.then();
        listener(m);
      }),
  };
  const toServer = new PassThrough();
  const toClient = new PassThrough();
  const serverTurns = new ProtocolTurns();
  const write = toClient.write.bind(toClient) as (chunk: unknown, ...rest: unknown[]) => boolean;
  toClient.write = ((chunk: unknown, ...rest: unknown[]) => {
    // (a hover written after version 2 was published does not count: the arrival was over)
    if (String(chunk).includes('"contents"') && !counts.published.includes(2)) counts.hoverOut.push(counts.slices);
    return write(chunk, ...rest);
  }) as typeof toClient.write;
  const reader = new StreamMessageReader(toServer);
  const listen = reader.listen.bind(reader);
  reader.listen = (callback) =>
    listen((m) => {
      if ((m as { method?: string }).method === 'textDocument/hover') counts.hoverIn.push(counts.slices);
      callback(m);
    });
  const connection = createConnection(
    ProposedFeatures.all,
    serverTurns.reader(reader),
    serverTurns.writer(new StreamMessageWriter(toClient)),
    serverTurns.connectionOptions(),
  );
  const store = new DocumentStore({
    kindOf: () => 'tgraph',
    analysisOptions: () => ({}),
    onDiagnostics: (_uri, doc) => counts.published.push(doc.version),
    onAnalysed: () => undefined,
    onClosed: () => undefined,
    connect: () => channel,
    arrivalSliceMs: 0,
    yieldToProtocol: () => {
      const given = turns && serverTurns.yieldToProtocol();
      if (!given) counts.slices++;
      return given;
    },
    log: (m) => {
      throw new Error(`unexpected log: ${m}`);
    },
  });
  store.listen(connection);
  connection.onHover((p) => {
    const view = store.view(p.textDocument.uri);
    return view ? hover(view, p.position, store.pending(p.textDocument.uri)) : null;
  });
  connection.listen();
  const client = createProtocolConnection(new StreamMessageReader(toClient), new StreamMessageWriter(toServer));
  client.listen();
  return { store, client, counts, dispose: () => (store.dispose(), client.dispose(), connection.dispose()) };
}

let session: ReturnType<typeof serverAndClient> | undefined;
afterEach(() => {
  session?.dispose();
  session = undefined;
});

/** Hovers sent all at once as version 2's snapshot comes from the worker (the host takes it
 *  in by slices, one step each): their answers, and how many slices ran between each one's
 *  message reaching the server and its response leaving it. */
async function hoversDuringArrival(turns: boolean) {
  session = serverAndClient(turns);
  const { client, counts } = session;
  const uri = 'file:///chain.tgraph';
  const text = generatedChainFile(200, 50);
  await client.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'tgraph', version: 1, text } });
  await until(() => counts.published.includes(1), 'the first analysis', 6000);
  // A feed edit: every value changes, so the whole list of targets comes again.
  const edited = text.replace('seed=1', 'seed=5');
  const at = positionOf(edited, 'h3 =');
  const hovers: Promise<Hover | null>[] = [];
  counts.onArrival = {
    version: 2,
    then: () => {
      for (let i = 0; i < HOVERS; i++) hovers.push(client.sendRequest('textDocument/hover', { textDocument: { uri }, position: at }));
    },
  };
  await client.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: edited }] });
  await until(() => hovers.length === HOVERS && counts.published.includes(2), 'the edit’s snapshot', 6000);
  const answers = (await Promise.all(hovers)).map((h) => (h?.contents as { value: string } | undefined)?.value);
  // Of the responses, those that left before the arrival was over (all of them, when each
  // waits for no slice; the arrival may end first when each waits behind slices).
  return { answers, text, slicesBetween: counts.hoverOut.map((n, i) => n - counts.hoverIn[i]) };
}

const HOVERS = 4;

describe('a hover during a snapshot’s arrival', () => {
  it('is handled and answered before the arrival’s next slice', async () => {
    const { answers, text, slicesBetween } = await hoversDuringArrival(true);
    expect(slicesBetween).toEqual([0, 0, 0, 0]);
    // Answered from the previous complete snapshot, and marked as the previous version's.
    const previous = `${expectedHover(text, text.indexOf('h3 ='))}\n\n${STALE_NOTE}`;
    expect(answers).toEqual(answers.map(() => previous));
  }, 120_000);

  it('waited behind slices when the host did not give the protocol its turns', async () => {
    const { slicesBetween } = await hoversDuringArrival(false);
    // The first hover behind one slice for its handling and one for its write, each next
    // one behind one more.
    expect(slicesBetween.length).toBeGreaterThanOrEqual(1);
    slicesBetween.forEach((n, i) => expect(n).toBeGreaterThanOrEqual(2 + i));
  }, 120_000);
});
