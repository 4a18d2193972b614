// The server with its analysis in a worker, through the real LSP protocol: hovers on one
// document are answered while another runs a bomb; a worker that outgrows its heap is
// stopped and restarted and the document gets a diagnostic naming the statement and the
// setting; hovers on a document whose newer text is pending say so; the LSP lifecycle.

import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { LspClient, ROOT, SERVER, ensureServerBuilt, positionOf, tempDocument } from '../server/helpers';

beforeAll(() => ensureServerBuilt(), 120_000);

let client: LspClient | undefined;
afterEach(async () => {
  await client?.stop();
  client = undefined;
});

const hostile = (name: string) => fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'hostile', name), 'utf8');

const SMALL = 'x = placeholder(float32, [2])\nfeed x = [1., 2.]\ny = reduce_sum(x * x)\n';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

describe('a document never waits for another', () => {
  it('a hover on B is answered within 50 ms while A runs a convolution of minutes', async () => {
    // A's budget is over ten times the hovers' second (30 of them, 20 ms apart, after 300 ms),
    // so A is still busy after the last one on a machine three times as slow; its default 5 s
    // was four times.
    const budgetMs = 15_000;
    client = await LspClient.start({ settings: { evaluationTimeoutMs: budgetMs } });
    const b = tempDocument(SMALL, 'b.tgraph');
    await client.open(b.uri, SMALL);
    const bomb = hostile('conv2d.tgraph');
    const a = tempDocument(bomb, 'a.tgraph');
    // A's analysis takes its whole time budget inside one kernel.
    void client.connection.sendNotification('textDocument/didOpen', {
      textDocument: { uri: a.uri, languageId: 'tgraph', version: 1, text: bomb },
    });
    const at = positionOf(SMALL, 'y =');
    // The hover on B goes through the protocol thread only: it is a lookup.
    await client.connection.sendRequest('textDocument/hover', { textDocument: { uri: b.uri }, position: at });
    await new Promise((r) => setTimeout(r, 300)); // the worker is inside the kernel by now
    const times: number[] = [];
    for (let i = 0; i < 30; i++) {
      const started = performance.now();
      const h = (await client.connection.sendRequest('textDocument/hover', { textDocument: { uri: b.uri }, position: at })) as {
        contents: { value: string };
      } | null;
      times.push(performance.now() - started);
      expect(h?.contents.value).toContain('**y**');
      await new Promise((r) => setTimeout(r, 20));
    }
    // A was busy the whole time: its analysis has not finished (the status notification
    // comes with its complete diagnostics).
    expect(client.analysed.filter((n) => n.uri === a.uri)).toEqual([]);
    times.sort((x, y) => x - y);
    console.log(
      `hover on B while A runs a bomb: p50 ${percentile(times, 50).toFixed(1)} ms, p90 ${percentile(times, 90).toFixed(1)} ms, max ${times[times.length - 1].toFixed(1)} ms`,
    );
    // The median, not the maximum: on a loaded 2-core machine the protocol thread itself
    // can be descheduled for tens of ms now and then; a hover that waited for the analysis
    // would take seconds, every one of them.
    expect(percentile(times, 50)).toBeLessThanOrEqual(50);
    expect(percentile(times, 90)).toBeLessThan(1000);
    // And A gets its diagnostic when its budget runs out.
    await client.until(() => client!.analysed.find((n) => n.uri === a.uri), 'A analysed', 10 * budgetMs);
    const published = client.diagnostics.get(a.uri)!.at(-1)!;
    expect(published.diagnostics.map((d) => d.message)).toEqual([
      expect.stringMatching(/^conv2d: stopped inside the kernel: the time budget ran out \(raise tgraph\.evaluationTimeoutMs\)/),
    ]);
  }, 200_000);

  it('a worker past its heap limit is restarted; the document gets one diagnostic on the statement, the others keep working', async () => {
    client = await LspClient.start({ settings: { maxWorkerHeapMb: 64, maxGraphNodes: 100_000_000, evaluationTimeoutMs: 120_000 } });
    const b = tempDocument(SMALL, 'b.tgraph');
    await client.open(b.uri, SMALL);
    const bomb = hostile('nested-defs.tgraph');
    const a = tempDocument(bomb, 'a.tgraph');
    // (Reaching the heap limit took up to 10 s here at load 20, half the usual wait.)
    const published = await client.open(a.uri, bomb, 'tgraph', 120_000);
    expect(published.diagnostics).toHaveLength(1);
    const d = published.diagnostics[0];
    expect(d.message).toMatch(
      /^the analysis was stopped while building this statement: it needed more than the 64 MB the analysis may use \(raise tgraph\.maxWorkerHeapMb\)/,
    );
    expect(d.range.start.line).toBe(bomb.split('\n').findIndex((l) => l.startsWith('y = f30')));
    // The new worker answers the other document (its text is analysed again).
    await client.change(b.uri, SMALL.replace('x * x', 'x * x * 2.'));
    const again = await client.diagnosticsFor(b.uri);
    expect(again.diagnostics).toEqual([]);
    const h = (await client.connection.sendRequest('textDocument/hover', {
      textDocument: { uri: b.uri },
      position: positionOf(SMALL, 'y ='),
    })) as { contents: { value: string } };
    expect(h.contents.value).toContain('10.0');
  }, 240_000);
});

/** The deep model: `layers` lines `h_i = tanh(h_{i-1} @ w0) + 0.01 * h_{i-1}` on a 16×8 feed. */
function chain(layers: number): string {
  const lines = [
    'x = placeholder(float32, [None, 8])',
    'feed x = uniform([16, 8], seed=1)',
    'w0 = variable(uniform([8, 8], seed=2))',
    'h0 = x',
  ];
  for (let i = 1; i <= layers; i++) lines.push(`h${i} = tanh(h${i - 1} @ w0) + 0.01 * h${i - 1}`);
  return lines.join('\n') + '\n';
}

describe('hovers while a newer text is analysed', () => {
  it('say that the values are from the previous version', async () => {
    client = await LspClient.start();
    const text = chain(1000);
    const doc = tempDocument(text, 'chain.tgraph');
    await client.open(doc.uri, text);
    const at = positionOf(text, 'h0 =');
    const fresh = (await client.connection.sendRequest('textDocument/hover', { textDocument: { uri: doc.uri }, position: at })) as {
      contents: { value: string };
    };
    expect(fresh.contents.value).not.toContain('previous version');
    // An edit of the feed: everything after it is analysed again (hundreds of ms).
    await client.change(doc.uri, text.replace('seed=1', 'seed=7'));
    const stale = (await client.connection.sendRequest('textDocument/hover', { textDocument: { uri: doc.uri }, position: at })) as {
      contents: { value: string };
    };
    expect(stale.contents.value).toContain('values from the previous version of the text');
    await client.diagnosticsFor(doc.uri);
    const after = (await client.connection.sendRequest('textDocument/hover', { textDocument: { uri: doc.uri }, position: at })) as {
      contents: { value: string };
    };
    expect(after.contents.value).not.toContain('previous version');
  }, 120_000);

  it('show the new values once the diagnostics of an edit are out (the snapshot comes as a delta, with them)', async () => {
    client = await LspClient.start();
    const base = chain(300) + 'g = gradients(reduce_sum(h300), w0)\n';
    const withScale = (k: string) => `${base}loss = reduce_sum(h300 * ${k})\n`;
    const doc = tempDocument(withScale('1.5'), 'chainEnd.tgraph');
    await client.open(doc.uri, withScale('1.5'));
    const lossValue = async (text: string) => {
      const h = (await client!.connection.sendRequest('textDocument/hover', {
        textDocument: { uri: doc.uri },
        position: positionOf(text, 'loss ='),
      })) as { contents: { value: string } };
      expect(h.contents.value).not.toContain('previous version');
      return Number(/```python\n([^\n]+)\n```/.exec(h.contents.value)![1]);
    };
    const first = await lossValue(withScale('1.5'));
    expect(Number.isFinite(first) && first !== 0).toBe(true);
    for (const k of ['2.5', '-4', '0.25']) {
      const text = withScale(k);
      await client.change(doc.uri, text);
      await client.diagnosticsFor(doc.uri);
      // reduce_sum(h300 * k) is k times reduce_sum(h300): the values of this very edit.
      expect((await lossValue(text)) / first).toBeCloseTo(Number(k) / 1.5, 4);
    }
  }, 120_000);
});

/** A raw stdio session: frames messages by hand, to send what a real client would not. */
function rawServer() {
  const child = spawn(process.execPath, [SERVER, '--stdio'], { cwd: ROOT, stdio: 'pipe' });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const send = (m: object) => {
    const body = JSON.stringify({ jsonrpc: '2.0', ...m });
    child.stdin.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  };
  const responses = () => [...out.matchAll(/Content-Length: \d+\r\n\r\n(\{.*?\})(?=Content-Length|$)/gs)].map((m) => JSON.parse(m[1]));
  const response = async (id: number) => {
    for (let i = 0; i < 200; i++) {
      const r = responses().find((x) => x.id === id);
      if (r) return r;
      await new Promise((res) => setTimeout(res, 50));
    }
    throw new Error(`no response ${id}: ${out}\n${err}`);
  };
  const exited = () =>
    new Promise<number | null>((resolve) =>
      child.exitCode !== null ? resolve(child.exitCode) : child.on('exit', (code) => resolve(code)),
    );
  return { child, send, response, exited, stderr: () => err };
}

describe('the LSP lifecycle', () => {
  it('refuses requests before initialize, a second initialize, and requests after shutdown', async () => {
    const s = rawServer();
    s.send({
      id: 1,
      method: 'textDocument/hover',
      params: { textDocument: { uri: 'file:///x.tgraph' }, position: { line: 0, character: 0 } },
    });
    expect((await s.response(1)).error.code).toBe(-32002);
    s.send({ id: 2, method: 'initialize', params: { processId: null, rootUri: null, capabilities: {} } });
    expect((await s.response(2)).result.capabilities.hoverProvider).toBe(true);
    s.send({ id: 3, method: 'initialize', params: { processId: null, rootUri: null, capabilities: {} } });
    expect((await s.response(3)).error.code).toBe(-32600);
    s.send({ id: 4, method: 'shutdown' });
    expect((await s.response(4)).result).toBeNull();
    s.send({
      id: 5,
      method: 'textDocument/hover',
      params: { textDocument: { uri: 'file:///x.tgraph' }, position: { line: 0, character: 0 } },
    });
    expect((await s.response(5)).error.code).toBe(-32600);
    s.send({ method: 'exit' });
    expect(await s.exited()).toBe(0);
  }, 60_000);

  it('a framing error ends the process with its reason on stderr', async () => {
    const s = rawServer();
    s.child.stdin.write('Content-Type: nonsense\r\n\r\n{}');
    s.child.stdin.write('this is not a header\r\n\r\n');
    const code = await s.exited();
    expect(code).toBe(1);
    expect(s.stderr()).toMatch(/tgraph language server: cannot read the client's messages/);
    expect(s.stderr()).not.toMatch(/\n\s+at /);
  }, 60_000);

  it('a closed stdout ends the process quietly, with its reason', async () => {
    const s = rawServer();
    s.child.stdout.destroy();
    s.send({ id: 1, method: 'initialize', params: { processId: null, rootUri: null, capabilities: {} } });
    const code = await s.exited();
    expect(code).toBe(1);
    expect(s.stderr()).toMatch(/tgraph language server: (cannot write to the client|the client closed its input)/);
    expect(s.stderr()).not.toMatch(/\n\s+at /);
  }, 60_000);
});

describe('settings a repository cannot raise', () => {
  it('every budget is a restricted configuration in an untrusted workspace', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    const restricted: string[] = pkg.capabilities.untrustedWorkspaces.restrictedConfigurations;
    const budgets = Object.keys(pkg.contributes.configuration.properties).filter((k) => /^tgraph\.max|TimeoutMs$|^tgraph\.check\./.test(k));
    expect(budgets.length).toBeGreaterThan(15);
    for (const k of budgets) expect(restricted, k).toContain(k);
  });
});
