// A hover never waits for a snapshot: between an edit's analysis being done (its diagnostics
// have come from the worker) and its snapshot landing, a hover answers at once from the
// previous snapshot and says its values are from the previous version. The store runs with
// its worker in process, behind a channel that holds the snapshots back until told.

import { afterEach, describe, expect, it } from 'vitest';
import type { DocumentStore } from '../../server/documents';
import { STALE_NOTE, hover } from '../../server/hover';
import { inProcessChannel } from '../../engine/api/worker/inProcess';
import type { Channel, FromWorker } from '../../engine/api/worker/messages';
import { positionOf } from './helpers';
import { storeOnChannel, until } from './storeHarness';

/** The in-process worker, with its snapshots held back while `hold` is set. */
function holdingChannel() {
  const inner = inProcessChannel();
  const held: FromWorker[] = [];
  const seen: FromWorker['type'][] = [];
  let deliver: (m: FromWorker) => void = () => undefined;
  const state = {
    hold: false,
    held,
    seen,
    release() {
      state.hold = false;
      for (const m of held.splice(0)) deliver(m);
    },
  };
  const channel: Channel = {
    ...inner,
    onMessage: (listener) => {
      deliver = listener;
      inner.onMessage((m) => {
        seen.push(m.type);
        if (state.hold && (m.type === 'snapshot' || m.type === 'snapshotDelta')) held.push(m);
        else listener(m);
      });
    },
  };
  return { channel, state };
}

let store: DocumentStore | undefined;
afterEach(() => {
  store?.dispose();
  store = undefined;
});

describe('a hover on a document whose snapshot is being made', () => {
  it('answers at once from the previous snapshot, and says so', async () => {
    const { channel, state } = holdingChannel();
    const harness = storeOnChannel(channel);
    store = harness.store;
    const { analysed, events } = harness;
    const uri = 'file:///pending.tgraph';
    const text = 'x = placeholder(float32, [2])\nfeed x = [1., 2.]\ny = reduce_sum(x * x)\n';
    events.send('open', { textDocument: { uri, languageId: 'tgraph', version: 1, text } });
    await until(() => analysed.includes(1), 'the first analysis');
    const at = positionOf(text, 'y =');
    const first = await store.latestView(uri);
    expect(hover(first!, at, store.pending(uri))!.contents).toMatchObject({ value: expect.stringContaining('5.0') });

    state.hold = true;
    const edited = text.replace('x * x', 'x * x * 3.');
    events.send('change', { textDocument: { uri, version: 2 }, contentChanges: [{ text: edited }] });
    // The worker is done with version 2 (its diagnostics came), its snapshot is held back.
    await until(() => state.held.length > 0, 'the snapshot of version 2');
    expect(state.seen).toContain('diagnostics');
    // Asked now, the view is the previous version's, at once: no timer runs before it.
    let answered = false;
    const pendingView = store.latestView(uri).then((v) => {
      answered = true;
      return v;
    });
    await Promise.resolve();
    await Promise.resolve();
    expect(answered).toBe(true);
    const stale = await pendingView;
    expect(stale!.snapshot.version).toBe(1);
    const staleHover = hover(stale!, at, store.pending(uri))!.contents as { value: string };
    expect(staleHover.value).toContain('5.0');
    expect(staleHover.value).toContain(STALE_NOTE);
    expect(analysed).not.toContain(2); // its diagnostics wait for the snapshot

    state.release();
    await until(() => analysed.includes(2), 'the diagnostics of version 2');
    const fresh = await store.latestView(uri);
    expect(fresh!.snapshot.version).toBe(2);
    const freshHover = hover(fresh!, at, store.pending(uri))!.contents as { value: string };
    expect(freshHover.value).toContain('15.0');
    expect(freshHover.value).not.toContain(STALE_NOTE);
  });
});
