// The editor latency section of `npm run bench` (bench/editor.ts), run small so that it
// never rots: the server over stdio answers every edit of the generated file with the
// diagnostics of that edit's version and every hover, and its memory is read. Timings are
// the benchmark's to print, never asserted here.

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { generatedModelFile, measureEditorLatency, percentile, startServer } from '../../bench/editor';
import { NODE_BUNDLE } from '../../scripts/nodeBundles.mjs';
import { SERVER, ensureServerBuilt } from './helpers';

describe('editor latency benchmark (bench/editor.ts)', () => {
  it('the generated file has the requested statements and ends with the edited line', () => {
    const lines = generatedModelFile(1000).trimEnd().split('\n');
    expect(lines).toHaveLength(1000);
    expect(lines.at(-1)).toBe('loss = reduce_sum(x * 1.5)');
    expect(lines.filter((l) => /^g\d+ = gradients\(/.test(l))).toHaveLength(100);
  });

  it('percentiles take the sample at or above the rank', () => {
    const xs = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(xs, 50)).toBe(50);
    expect(percentile(xs, 95)).toBe(95);
    expect(percentile(xs, 99)).toBe(99);
    expect(percentile([7], 99)).toBe(7);
  });

  it('measures edits, hovers and memory of the real server', async () => {
    await ensureServerBuilt();
    const r = await measureEditorLatency({ server: SERVER, statements: 200, edits: 5, hovers: 20, pauseMs: 0, keepSamples: true });
    expect(r.samples!.edits).toHaveLength(5);
    expect(r.samples!.hovers).toHaveLength(20);
    for (const t of [...r.samples!.edits, ...r.samples!.hovers.map((h) => h.ms)]) expect(t).toBeGreaterThan(0);
    // Timed from the write of its bytes to the arrival of the response's, a hover's round trip
    // lies inside the one the client's loop sees (which also waits for that loop).
    for (const h of r.samples!.hovers) expect(h.ms).toBeLessThanOrEqual(h.clientMs);
    expect(r.editToDiagnostics.p95).toBeGreaterThanOrEqual(r.editToDiagnostics.p50);
    expect(r.slowest.hovers[0].line).toBeGreaterThanOrEqual(4);
    if (process.platform === 'linux') expect(r.rssMbAfterOpen).toBeGreaterThan(10);
  }, 120_000);
});

describe('the server probe of the editor scenarios (bench/serverProbe.ts)', () => {
  it("reports the protocol thread's event-loop delay and both threads' heaps", async () => {
    await ensureServerBuilt();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tgraph-probe-'));
    const probe = path.join(dir, 'probe.js');
    await build({
      ...NODE_BUNDLE,
      entryPoints: [path.join(__dirname, '..', '..', 'bench', 'serverProbe.ts')],
      outfile: probe,
      logLevel: 'error',
    });
    const session = await startServer(SERVER, dir, probe);
    try {
      const file = path.join(dir, 'a.tgraph');
      const text = generatedModelFile(100);
      fs.writeFileSync(file, text);
      const uri = pathToFileURL(file).href;
      const analysed = session.analysedOf(uri, 1);
      await session.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'tgraph', version: 1, text } });
      await analysed;
      // A timed request gets the server's own answer (its response is not the connection's).
      const timed = await session.timedRequest<{ contents: { value: string } }>('textDocument/hover', {
        textDocument: { uri },
        position: { line: 3, character: 1 },
      });
      expect(timed.result?.contents.value).toContain('a0');
      expect(timed.arrivalMs).toBeGreaterThan(0);
      // The protocol thread's wait for a core, read from the kernel: a running total.
      const waitedBefore = session.protocolWaitMs();
      await new Promise((resolve) => setTimeout(resolve, 400));
      if (process.platform === 'linux') {
        expect(waitedBefore).toBeGreaterThanOrEqual(0);
        expect(session.protocolWaitMs()).toBeGreaterThanOrEqual(waitedBefore!);
      }
      const lines = session.probeLines();
      const protocol = lines.filter((l) => l.thread === 'protocol');
      const worker = lines.filter((l) => l.thread === 'worker');
      expect(protocol.length).toBeGreaterThan(0);
      expect(worker.length).toBeGreaterThan(0);
      for (const l of protocol) expect(l.delayMaxMs).toBeGreaterThanOrEqual(0);
      for (const l of worker) expect(l.delayMaxMs).toBeUndefined();
      for (const l of lines) {
        expect(l.heapUsedMb).toBeGreaterThan(1);
        expect(l.heapTotalMb).toBeGreaterThanOrEqual(l.heapUsedMb);
        expect(l.externalMb).toBeGreaterThan(0);
      }
    } finally {
      await session.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
