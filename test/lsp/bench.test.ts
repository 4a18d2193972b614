// Benchmarks of the acceptance criteria (not part of `npm test`: run with
// `TGRAPH_BENCH=1 npx vitest run test/lsp/bench.test.ts`). On a generated 1,000-statement
// file over stdio: edit → diagnostics p95 ≤ 30 ms for an edit near the end, hover p99 ≤ 5 ms,
// server RSS after opening it ≤ 200 MB.

import * as fs from 'fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hover } from 'vscode-languageserver-protocol/node';
import { LspClient, ensureServerBuilt, generatedFile, tempDocument } from './helpers';

function percentile(xs: number[], p: number): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

describe.runIf(process.env.TGRAPH_BENCH)('benchmarks (TGRAPH_BENCH=1)', () => {
  let client: LspClient;
  beforeAll(async () => {
    await ensureServerBuilt();
    client = await LspClient.start();
  }, 120_000);
  afterAll(async () => {
    await client?.stop();
  });

  it('edit near the end → diagnostics, hover, RSS', async () => {
    const text = generatedFile();
    const { uri } = tempDocument(text, 'bench.tgraph');
    const t0 = performance.now();
    await client.open(uri, text);
    const openMs = performance.now() - t0;
    const rss = rssMb(client.child.pid!);

    const lastLine = text.split('\n').length - 2;
    const editTimes: number[] = [];
    for (let i = 0; i < 20; i++) {
      const start = performance.now();
      const version = await client.change(uri, {
        range: { start: { line: lastLine, character: 22 }, end: { line: lastLine, character: 25 } }, // the `1.5`
        text: `${(i % 9) + 1}.${i % 10}`,
      });
      await client.diagnosticsFor(uri, version);
      editTimes.push(performance.now() - start);
    }
    const hoverTimes: number[] = [];
    for (let i = 0; i < 300; i++) {
      const line = 3 + ((i * 37) % 990);
      const start = performance.now();
      await client.request<Hover>('textDocument/hover', { textDocument: { uri }, position: { line, character: 1 } });
      hoverTimes.push(performance.now() - start);
    }
    const last = client.analysed.filter((s) => s.uri === uri).at(-1)!;
    const report = {
      openMs: Math.round(openMs),
      lastAnalysisMs: last.milliseconds,
      editToDiagnosticsP50: percentile(editTimes, 50).toFixed(1),
      editToDiagnosticsP95: percentile(editTimes, 95).toFixed(1),
      hoverP50: percentile(hoverTimes, 50).toFixed(2),
      hoverP99: percentile(hoverTimes, 99).toFixed(2),
      rssMbAfterOpen: Math.round(rss),
      rssMbAfterEdits: Math.round(rssMb(client.child.pid!)),
    };
    // A benchmark, not a test: it prints the numbers against the goals (p95 ≤ 30 ms, hover
    // p99 ≤ 5 ms, RSS ≤ 200 MB) and asserts only that every edit and hover was answered.
    console.log(JSON.stringify({ ...report, goals: { editToDiagnosticsP95: 30, hoverP99: 5, rssMb: 200 } }, null, 2));
    expect(editTimes.every((t) => Number.isFinite(t))).toBe(true);
    expect(hoverTimes.length).toBeGreaterThan(0);
  }, 300_000);
});
