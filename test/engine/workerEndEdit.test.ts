// What the analysis worker does for an edit at the end of the 1,000-layer chain file (the
// editor scenarios' deep model), counted rather than timed: its turns wait for no timer
// (each timer of 0 ms was a 1 ms sleep before the turn, and on a loaded machine a wait for a
// core after it), and what it posts for the edit is proportional to what the edit changed.

import { serialize } from 'v8';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AnalysisService } from '../../engine/api/worker/service';
import type { FromWorker, PlainOptions } from '../../engine/api/worker/messages';
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
    expect(vi.getTimerCount()).toBeLessThanOrEqual(1); // at most the wait before explaining
    service.handle({ type: 'close', doc: 0 });
  }, 120_000);
});
