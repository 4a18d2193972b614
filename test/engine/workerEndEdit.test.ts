// What the analysis worker does for an edit at the end of the 1,000-layer chain file (the
// editor scenarios' deep model), counted rather than timed: its turns wait for no timer
// (each timer of 0 ms was a 1 ms sleep before the turn, and on a loaded machine a wait for a
// core after it), the table of values it makes between edits gives way to an edit as soon as
// the host announces one, and what it posts for the edit is proportional to what it changed.

import { serialize } from 'v8';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AnalysisService } from '../../engine/api/worker/service';
import { CONTROL_INTS, CTL_SLOTS, type FromWorker, type PlainOptions } from '../../engine/api/worker/messages';
import type { Analysis } from '../../engine/analysis';
import { generatedChainFile } from '../../bench/editorScenarios';

/** Without a clock, so that a loaded machine analyses as much as a quiet one. */
const OPTIONS: PlainOptions = { explainTimeoutMs: 3_600_000, evaluationTimeoutMs: 3_600_000 };

/** Bytes a message takes as a structured clone (what crosses to the protocol thread). */
const bytesOf = (m: FromWorker) => serialize(m).length;

const nextImmediate = () => new Promise<void>((resolve) => setImmediate(resolve));

afterEach(() => {
  vi.useRealTimers();
});

describe('an edit at the end of the chain file, in the analysis worker', () => {
  it('is analysed and published with no timer firing, and posts a few kB where the whole snapshot is hundreds', async () => {
    // Timers never fire here: whatever the service runs, it runs from its own turns.
    vi.useFakeTimers({ toFake: ['setTimeout', 'setInterval', 'Date'] });
    const posted: FromWorker[] = [];
    const service = new AnalysisService((m) => {
      if (m.type === 'log') throw new Error(m.message);
      posted.push(structuredClone(m));
    });
    service.handle({ type: 'init', control: null, epoch: Date.now() });
    const lines = generatedChainFile().split('\n');
    const last = lines.length - 2;
    const published = (version: number) =>
      posted.some((m) => (m.type === 'snapshot' || m.type === 'snapshotDelta') && m.version === version);
    const analyse = async (version: number) => {
      service.handle({ type: 'analyse', doc: 0, version, text: lines.join('\n'), options: OPTIONS, generation: version });
      // Bounded by turns, not by time: an analysis is one turn, its value table a few more.
      for (let turn = 0; turn < 1000 && !published(version); turn++) await nextImmediate();
      expect(published(version), `version ${version} published`).toBe(true);
    };

    await analyse(1);
    const whole = posted.find((m) => m.type === 'snapshot')!;
    expect(bytesOf(whole)).toBeGreaterThan(200_000);
    for (let version = 2; version <= 4; version++) {
      lines[last] = lines[last].replace(/\d+\.\d/, `${version}.5`);
      const from = posted.length;
      await analyse(version);
      const edit = posted.slice(from);
      // Its diagnostics, then its snapshot as a delta: nothing else, and nothing of the file.
      expect(edit.map((m) => m.type)).toEqual(['diagnostics', 'snapshotDelta']);
      const bytes = edit.reduce((sum, m) => sum + bytesOf(m), 0);
      expect(bytes, `version ${version}`).toBeLessThan(4_000);
    }
    service.handle({ type: 'close', doc: 0 });
  }, 120_000);

  it('stops making the table of values by key as soon as the host has written a newer generation', async () => {
    // The clock stands still: a slice ends only because a newer text is coming (before, the
    // chain file's table of 100,000 nodes was made in one slice here, the edit waiting).
    vi.useFakeTimers({ toFake: ['setTimeout', 'setInterval', 'Date'] });
    const control = new SharedArrayBuffer(CONTROL_INTS * 4);
    const slots = new Int32Array(control);
    const turns: (() => void)[] = [];
    const posted: FromWorker[] = [];
    const service = new AnalysisService(
      (m) => {
        if (m.type === 'log') throw new Error(m.message);
        posted.push(m);
      },
      null,
      (turn) => turns.push(turn),
    );
    const docs = (service as unknown as { docs: Map<number, { analysis?: Analysis; keyed?: Analysis; slicing?: Analysis }> }).docs;
    service.handle({ type: 'init', control, epoch: Date.now() });
    Atomics.store(slots, CTL_SLOTS, 1);
    service.handle({ type: 'analyse', doc: 0, version: 1, text: generatedChainFile(), options: OPTIONS, generation: 1 });
    turns.shift()!(); // the analysis, published
    expect(posted.some((m) => m.type === 'snapshot' && m.version === 1)).toBe(true);
    const state = docs.get(0)!;
    expect(state.keyed).toBeUndefined();

    // The host writes the edit's generation, then posts its text (not read yet).
    Atomics.store(slots, CTL_SLOTS, 2);
    turns.shift()!(); // a turn of the value table
    expect(service.valueTableSlices).toBe(1);
    expect(state.slicing).toBe(state.analysis);
    expect(state.keyed).toBeUndefined();

    // Its text comes: analysed next, with the table as far as it was made.
    const lines = generatedChainFile().split('\n');
    lines[lines.length - 2] = lines[lines.length - 2].replace(/\d+\.\d/, '2.5');
    service.handle({ type: 'analyse', doc: 0, version: 2, text: lines.join('\n'), options: OPTIONS, generation: 2 });
    for (let turn = 0; turn < 10 && !posted.some((m) => m.type === 'snapshotDelta' && m.version === 2); turn++) turns.shift()?.();
    expect(posted.some((m) => m.type === 'snapshotDelta' && m.version === 2)).toBe(true);
    // With no newer text, the table is then made in one slice (the clock stands still).
    turns.shift()!();
    expect(state.keyed).toBe(state.analysis);
    expect(service.valueTableSlices).toBe(1);
    service.handle({ type: 'close', doc: 0 });
  }, 120_000);
});
