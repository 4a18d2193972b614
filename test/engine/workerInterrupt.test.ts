// The analysis worker's explanation turns give way to a newer text: the service in process,
// its shared memory written by a second thread while an explanation runs (as the host writes
// a document's generation when an edit arrives), must leave the explanation, take the edit,
// and explain every gradient of the newer text afterwards, none lost.

import { Worker as Thread } from 'worker_threads';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../engine/analysis';
import { explainedHover } from '../../engine/api/facts';
import { EXPLANATION_PENDING, type DocumentSnapshot } from '../../engine/api/snapshot';
import { AnalysisService } from '../../engine/api/worker/service';
import { CONTROL_INTS, CTL_PHASE, CTL_SLOTS, PHASES, type FromWorker, type PlainOptions } from '../../engine/api/worker/messages';
import { generatedChainFile } from '../../bench/editorScenarios';

/** Without a clock, so that a loaded machine explains as much as a quiet one. */
const OPTIONS: PlainOptions = { explainTimeoutMs: 3_600_000, evaluationTimeoutMs: 3_600_000 };

type Docs = Map<number, { explaining: number[]; sent?: { snapshot: DocumentSnapshot } }>;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A thread that waits until the worker is explaining, then writes `generation` into the
 *  document's slot: a newer text sent in the middle of an explanation turn. */
function editDuringExplanation(control: SharedArrayBuffer, doc: number, generation: number): Thread {
  return new Thread(
    `const { workerData: d } = require('worker_threads');
     const control = new Int32Array(d.control);
     const nap = new Int32Array(new SharedArrayBuffer(4));
     while (Atomics.load(control, d.phase) !== d.explaining) Atomics.wait(nap, 0, 0, 0.05);
     Atomics.store(control, d.slot, d.generation);`,
    {
      eval: true,
      workerData: { control, phase: CTL_PHASE, explaining: PHASES.indexOf('explaining'), slot: CTL_SLOTS + doc, generation },
    },
  );
}

describe('an edit during an explanation turn', () => {
  it('interrupts it, is analysed, and every gradient is explained afterwards (none lost)', async () => {
    const text = generatedChainFile(600, 50);
    const lines = text.split('\n');
    const last = lines.length - 2;
    lines[last] = lines[last].replace(/\d+\.\d/, '2.5');
    const edited = lines.join('\n');

    const control = new SharedArrayBuffer(CONTROL_INTS * 4);
    const slots = new Int32Array(control);
    const posted: FromWorker[] = [];
    const service = new AnalysisService((m) => {
      if (m.type === 'log') throw new Error(m.message);
      posted.push(m);
    });
    const docs = (service as unknown as { docs: Docs }).docs;
    service.handle({ type: 'init', control, epoch: Date.now() });
    const sentFor = (version: number) => posted.some((m) => (m.type === 'snapshot' || m.type === 'snapshotDelta') && m.version === version);

    Atomics.store(slots, CTL_SLOTS, 1);
    service.handle({ type: 'analyse', doc: 0, version: 1, text, options: OPTIONS, generation: 1 });
    while (!sentFor(1)) await pause(10);
    const targets = docs.get(0)!.explaining.length;
    expect(targets).toBe(12);

    // The edit's generation is written while a gradient is being explained; its text follows.
    const thread = editDuringExplanation(control, 0, 2);
    while (Atomics.load(slots, CTL_SLOTS) !== 2) await pause(1);
    await thread.terminate();
    // The turn running saw it (or, written between two turns, the next one did at once).
    while (service.interruptedExplanations === 0 && docs.get(0)!.explaining.length > 0) await pause(1);
    expect(service.interruptedExplanations).toBeGreaterThanOrEqual(1);
    // The gradient it was explaining waits to be explained again: explained and waiting make all.
    const explainedBefore = posted.filter((m) => m.type === 'explained').length;
    expect(explainedBefore + docs.get(0)!.explaining.length).toBe(targets);
    expect(explainedBefore).toBeLessThan(targets);

    service.handle({ type: 'analyse', doc: 0, version: 2, text: edited, options: OPTIONS, generation: 2 });
    while (!posted.some((m) => m.type === 'diagnostics' && m.version === 2)) await pause(1);
    // No explanation was finished between the interruption and the edit's diagnostics.
    expect(posted.filter((m) => m.type === 'explained').length).toBe(explainedBefore);

    // Then every gradient of the newer text is explained: as an analysis of it from scratch explains it.
    while (!sentFor(2) || docs.get(0)!.explaining.length > 0) await pause(20);
    const snapshot = docs.get(0)!.sent!.snapshot;
    expect(snapshot.version).toBe(2);
    const fresh = analyze(edited, OPTIONS);
    let gradients = 0;
    fresh.bindings.forEach((b, i) => {
      if (!b.gradient) return;
      gradients++;
      expect(snapshot.targets[i].hover).not.toContain(EXPLANATION_PENDING);
      expect(snapshot.targets[i].hover).toBe(explainedHover(fresh, i));
    });
    expect(gradients).toBe(targets);
    service.handle({ type: 'close', doc: 0 });
  }, 120_000);
});
