// Settings come from workspace/configuration (with defaults) and a change re-analyses;
// `tgraph lsp --stdio` starts the same server.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hover, InlayHint, MarkupContent } from 'vscode-languageserver-protocol/node';
import * as fs from 'fs';
import * as path from 'path';
import { LspClient, SEED, ensureServerBuilt, positionOf, tempDocument } from './helpers';

beforeAll(async () => {
  await ensureServerBuilt();
}, 120_000);

describe('settings', () => {
  let client: LspClient;
  afterAll(async () => {
    await client?.stop();
  });

  const latest = (uri: string) => client.diagnostics.get(uri)?.at(-1);
  const hints = (uri: string) =>
    client.request<InlayHint[]>('textDocument/inlayHint', {
      textDocument: { uri },
      range: { start: { line: 0, character: 0 }, end: { line: 50, character: 0 } },
    });

  it('applies the budgets and hint settings the client gives, and re-analyses when they change', async () => {
    client = await LspClient.start({ settings: { maxElements: 1000, inlayHints: { shapes: false, values: true } } });
    const text = 'z = zeros([100, 100])\ns = reduce_sum(ones([10, 10]))\n';
    const { uri } = tempDocument(text);
    await client.open(uri, text);
    // The settings arrive just after `initialized`: wait for an analysis that used them.
    const over = await client.until(() => latest(uri)?.diagnostics.find((d) => d.code === 'budget-elements'), 'the budget diagnostic');
    expect(over.message).toMatch(/tgraph\.maxElements/);
    expect(over.range.start.line).toBe(0);
    expect((await hints(uri)).map((h) => h.label)).toEqual(['→ 100.0']);

    const published = client.diagnostics.get(uri)!.length;
    client.settings = {}; // back to the defaults
    await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
    await client.until(
      () => client.diagnostics.get(uri)!.length > published && latest(uri)!.diagnostics.length === 0,
      'a re-analysis without the budget error',
    );
    expect((await hints(uri)).map((h) => h.label)).toEqual([': float32[100, 100]', ': float32[]', '→ 100.0']);

    // Only the hint settings change: no re-analysis is needed, the hints follow.
    const refreshes = client.refreshes.length;
    const analyses = client.analysed.length;
    client.settings = { inlayHints: { values: false } };
    await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
    await client.until(() => client.refreshes.length > refreshes, 'a hint refresh');
    expect((await hints(uri)).map((h) => h.label)).toEqual([': float32[100, 100]', ': float32[]']);
    expect(client.analysed.length).toBe(analyses);
  });

  it('passes the check tolerances to check statements', async () => {
    const published = (uri: string) => client.diagnostics.get(uri)?.length ?? 0;
    const { uri } = tempDocument(SEED);
    await client.open(uri, SEED);
    expect(latest(uri)!.diagnostics).toEqual([]);
    const before = published(uri);
    client.settings = { check: { atol: 0, rtol: 0 } };
    await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
    const failed = await client.until(
      () => published(uri) > before && latest(uri)!.diagnostics.find((d) => d.code === 'check-failed'),
      'a failed check under zero tolerances',
    );
    expect(failed.range.start.line).toBe(positionOf(SEED, 'check').line);
  });

  it('stops evaluation at the time budget', async () => {
    client.settings = { evaluationTimeoutMs: 1 };
    await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
    const text = 'a = ones([300, 300])\n' + Array.from({ length: 8 }, (_, i) => `m${i} = ${i ? `m${i - 1}` : 'a'} @ a / 300.\n`).join('');
    const { uri } = tempDocument(text);
    await client.open(uri, text);
    // Opened before or after the new settings arrive: the analysis under them stops.
    const stopped = await client.until(() => latest(uri)?.diagnostics.find((x) => x.code === 'budget-time'), 'the time budget diagnostic');
    expect(stopped.message).toMatch(/tgraph\.evaluationTimeoutMs/);
  });

  it('applies changed budgets: maxDiagnostics and maxNestingDepth change the diagnostics', async () => {
    const published = (uri: string) => client.diagnostics.get(uri)?.length ?? 0;
    const change = async (settings: Record<string, unknown>) => {
      client.settings = settings;
      await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
    };
    await change({});
    const text = 'a = nope1\nb = nope2\nc = nope3\nd = nope4\ny = 1 + 1 + 1 + 1\n';
    const { uri } = tempDocument(text);
    await client.open(uri, text);
    await client.until(() => latest(uri)?.diagnostics.length === 4, 'the four unknown names under the defaults');

    let before = published(uri);
    await change({ maxDiagnostics: 2 });
    const capped = await client.until(
      () => (published(uri) > before && latest(uri)!.diagnostics.length === 3 ? latest(uri)!.diagnostics : undefined),
      'two diagnostics and how many more',
    );
    expect(capped.map((d) => [d.code, d.range.start.line])).toEqual([
      ['unknown-name', 0],
      ['unknown-name', 1],
      ['budget-diagnostics', 2],
    ]);
    expect(capped[2].message).toMatch(/^2 more problems not shown.*\(raise tgraph\.maxDiagnostics\)$/);

    before = published(uri);
    await change({ maxNestingDepth: 2 });
    const deep = await client.until(
      () => (published(uri) > before ? latest(uri)!.diagnostics.find((d) => d.code === 'nesting-too-deep') : undefined),
      'the nesting budget diagnostic',
    );
    expect(deep.message).toMatch(/tgraph\.maxNestingDepth/);
    // The third `+` of line 4 makes its expression 3 levels deep.
    expect(deep.range).toEqual({ start: { line: 4, character: 14 }, end: { line: 4, character: 15 } });
    expect(latest(uri)!.diagnostics).toHaveLength(5);
    await change({});
  });
});

describe('tgraph lsp --stdio', () => {
  it('serves the same features through the CLI', async () => {
    const client = await LspClient.start({ viaCli: true });
    try {
      expect(client.initializeResult?.serverInfo?.name).toBe('tgraph');
      const { uri } = tempDocument(SEED);
      const d = await client.open(uri, SEED);
      expect(d.diagnostics).toEqual([]);
      const h = await client.request<Hover>('textDocument/hover', { textDocument: { uri }, position: positionOf(SEED, 'dz_dx =') });
      expect((h.contents as MarkupContent).value).toContain('[[40. 24. 56.]');
    } finally {
      await client.stop();
    }
  });
});

describe('load() in the editor', () => {
  it("reads a .npy file beside the document and refuses one outside the document's folder", async () => {
    const client = await LspClient.start();
    try {
      const text = "a = load('a.npy')\nb = load('../outside.npy')\n";
      const { uri, file } = tempDocument(text);
      const dir = path.dirname(file);
      // float32 [2] = [1.5, -2]
      const header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
      const padded = header + ' '.repeat(64 - ((10 + header.length + 1) % 64)) + '\n';
      const bytes = Buffer.concat([
        Buffer.from([0x93]),
        Buffer.from('NUMPY'),
        Buffer.from([1, 0]),
        Buffer.from([padded.length & 255, padded.length >> 8]),
        Buffer.from(padded, 'latin1'),
        Buffer.from(new Float32Array([1.5, -2]).buffer),
      ]);
      fs.writeFileSync(path.join(dir, 'a.npy'), bytes);
      fs.writeFileSync(path.join(dir, '..', 'outside.npy'), bytes);
      await client.open(uri, text);
      const diags = await client.until(() => client.diagnostics.get(uri)?.at(-1)?.diagnostics, 'diagnostics');
      expect(diags.map((d) => d.range.start.line)).toEqual([1]);
      const hover = await client.request<{ contents: { value: string } }>('textDocument/hover', {
        textDocument: { uri },
        position: positionOf(text, 'a ='),
      });
      expect(hover.contents.value).toContain('[ 1.5 -2. ]');
    } finally {
      await client.stop();
    }
  });
});
