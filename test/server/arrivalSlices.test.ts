// A snapshot from the worker is taken in by slices, the thread free between them
// (engine/api/worker/host.ts): a hover answered between two slices of a large arrival reads
// the previous complete snapshot — its values, marked as the previous version's — never a
// half-applied one; once the last slice is done, the new values. The store runs with its
// worker in process and one step per task, so that every gap is seen.

import { afterEach, describe, expect, it } from 'vitest';
import type { DocumentStore } from '../../server/documents';
import { STALE_NOTE, hover } from '../../server/hover';
import { inProcessChannel } from '../../engine/api/worker/inProcess';
import type { Channel, FromWorker } from '../../engine/api/worker/messages';
import { analyzeInStages } from '../../engine/analysis';
import { snapshotOf } from '../../engine/api/facts';
import { OCC_FIELDS, OCC_TARGET, occurrenceAt } from '../../engine/api/snapshot';
import { generatedChainFile } from '../../bench/editorScenarios';
import { positionOf } from './helpers';
import { storeOnChannel, until } from './storeHarness';

/** The in-process worker; `arrived` counts the snapshots it sent. */
function countingChannel() {
  const inner = inProcessChannel();
  const state = { arrived: 0 };
  const channel: Channel = {
    ...inner,
    onMessage: (listener) =>
      inner.onMessage((m: FromWorker) => {
        if (m.type === 'snapshot' || m.type === 'snapshotDelta') state.arrived++;
        listener(m);
      }),
  };
  return { channel, state };
}

const nextTask = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The hover of the name at `offset` in a snapshot made directly from `text`. */
function expectedHover(text: string, offset: number): string {
  const s = snapshotOf(analyzeInStages(text, {}).finish(), { version: 1, explain: false });
  const i = occurrenceAt(s.occurrences, offset);
  return s.targets[s.occurrences[i * OCC_FIELDS + OCC_TARGET]].hover;
}

let store: DocumentStore | undefined;
afterEach(() => {
  store?.dispose();
  store = undefined;
});

describe('a large snapshot taken in by slices', () => {
  it('answers hovers between its slices from the previous complete snapshot', async () => {
    const { channel, state } = countingChannel();
    const harness = storeOnChannel(channel, { arrivalSliceMs: 0 });
    store = harness.store;
    const { analysed, events } = harness;
    const uri = 'file:///chain.tgraph';
    const text = generatedChainFile(200, 50);
    events.send('open', { textDocument: { uri, languageId: 'tgraph', version: 1, text } });
    await until(() => analysed.includes(1), 'the first analysis', 6000);
    const at = positionOf(text, 'h3 =');
    const hoverNow = () => {
      const view = store!.view(uri)!;
      return { version: view.snapshot.version, value: (hover(view, at, store!.pending(uri))!.contents as { value: string }).value };
    };
    const before = hoverNow();
    expect(before.value).toBe(expectedHover(text, text.indexOf('h3 =')));

    // A feed edit: every value changes, so the whole list of targets comes again.
    const edited = text.replace('seed=1', 'seed=5');
    const arrivedBefore = state.arrived;
    events.send('change', { textDocument: { uri, version: 2 }, contentChanges: [{ text: edited }] });
    // A hover on every task until the diagnostics of version 2 are published; those after
    // its snapshot arrived were answered between the slices that take it in.
    const between: ReturnType<typeof hoverNow>[] = [];
    while (!analysed.includes(2)) {
      const h = hoverNow();
      if (state.arrived > arrivedBefore) between.push(h);
      await nextTask();
    }
    // Several gaps (one step per task): every hover there read version 1, whole, and said so.
    expect(between.length).toBeGreaterThan(2);
    for (const h of between) {
      expect(h.version).toBe(1);
      expect(h.value).toBe(`${before.value}\n\n${STALE_NOTE}`);
    }
    const after = hoverNow();
    expect(after.version).toBe(2);
    expect(after.value).toBe(expectedHover(edited, edited.indexOf('h3 =')));
    expect(after.value).not.toBe(before.value);
  }, 120_000);
});
