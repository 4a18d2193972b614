// Nothing a user types stops the server; rapid edits end with the diagnostics of the last
// text; requests during a pending analysis answer at the right places.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hover, MarkupContent, PublishDiagnosticsParams } from 'vscode-languageserver-protocol/node';
import { LspClient, SEED, ensureServerBuilt, positionOf, tempDocument } from './helpers';

let client: LspClient;

beforeAll(async () => {
  await ensureServerBuilt();
  client = await LspClient.start();
}, 120_000);

afterAll(async () => {
  await client?.stop();
});

const hoverText = (h: Hover | null) => (h ? (h.contents as MarkupContent).value : '');

const MALFORMED: Record<string, string> = {
  'double equals': 'x = = 3\n',
  'unclosed call': 'y = reduce_sum(ones([2, 3]), \n',
  'stray closers': ')))]]}\nx = 1\n',
  'bad def': 'def (a) = \ndef f(a, a) = a\n',
  'bad feed': 'feed = 3\nfeed y = [1, 2]\nx = placeholder(float32, [2])\nfeed x = [[1, 2, 3]]\n',
  'bad destructure': '[a, b = 3\n[c, d] = [1, 2, 3]\n',
  'bare keywords': 'check\nassert\ngrad\nfeed\ndef\n',
  'unknown names and ops': 'y = foo + bar\nz = reduce_smu(y)\nw = tf.nn.sofmax(1.)\n',
  '5,000 nested parens': 'x = ' + '('.repeat(5000) + '1' + ')'.repeat(5000) + '\n',
  '5,000 unclosed parens': 'x = ' + '('.repeat(5000) + '\n',
  '5,000 nested lists': 'x = ' + '['.repeat(5000) + '1' + ']'.repeat(5000) + '\n',
  'a 20,000-term sum': 'x = 1' + ' + 1'.repeat(20000) + '\n',
  'huge zeros': 'z = zeros([100000, 100000])\nw = reduce_sum(z)\nv = ones([1e9])\n',
  'huge negative and fractional shapes': 'z = zeros([-5, 3])\nw = ones([2.5])\nr = reshape(ones([6]), [-1, -1])\n',
  recursion: 'def f(a) = f(a) + 1\ny = f(2.)\n',
  'unknown rank and unfed': 'x = placeholder(float32, None)\ny = reduce_sum(x, axis=3)\ng = gradients(y, x)\n',
  'gradient of nothing':
    'x = placeholder(int32, [2])\nfeed x = [1, 2]\ng = gradients(x * 2, x)\nh = gradients(None, x)\ncheck gradients(3, x)\n',
  'control characters and unicode': 'x\u0000 = 1\n\u00e9 = 2\n\ud800 = 3\ny = "unterminated\n\u0007\u001b[31m\n',
  'bom, crlf and a trailing backslash': '\ufeffx = 1\r\ny = x + \\\r\n',
  'load outside the workspace': "x = placeholder(float32, [2])\nfeed x = load('../../../../etc/passwd')\n",
  'nan and inf': 'a = log(0.)\nb = sqrt(-1.)\nc = 1e309 * 0\nd = gradients(a + b, [a, b])\n',
  empty: '',
  'only comments': '# nothing\n   # here\n',
};

/** Odd but valid: nothing to report. */
const VALID = new Set(['unknown rank and unfed', 'empty', 'only comments']);

const ALL_REQUESTS = (uri: string, text: string) => {
  const doc = { uri };
  const lines = text.split(/\r\n|\r|\n/);
  const last = { line: lines.length - 1, character: lines[lines.length - 1].length };
  const positions = [{ line: 0, character: 0 }, { line: 0, character: 2 }, { line: 1, character: 4 }, last];
  const range = { start: { line: 0, character: 0 }, end: { line: lines.length, character: 0 } };
  return [
    ...positions.flatMap((position) => [
      client.request('textDocument/hover', { textDocument: doc, position }),
      client.request('textDocument/completion', { textDocument: doc, position }),
      client.request('textDocument/signatureHelp', { textDocument: doc, position }),
      client.request('textDocument/definition', { textDocument: doc, position }),
      client.request('textDocument/references', { textDocument: doc, position, context: { includeDeclaration: true } }),
    ]),
    client.request('textDocument/codeLens', { textDocument: doc }),
    client.request('textDocument/inlayHint', { textDocument: doc, range }),
    client.request('textDocument/documentSymbol', { textDocument: doc }),
    client.request('textDocument/semanticTokens/full', { textDocument: doc }),
    client.request('textDocument/foldingRange', { textDocument: doc }),
    client.request('tgraph/computeGradients', { uri, line: 0 }),
    client.request('tgraph/checkGradients', { uri, line: 2 }),
    client.request('tgraph/explain', { uri, line: 2 }),
    client.request('tgraph/randomiseFeedEdit', { uri, line: 0 }),
  ];
};

describe('malformed documents', () => {
  it('diagnoses every one, answers every request on it, and keeps answering afterwards', async () => {
    const opened: string[] = [];
    for (const [name, text] of Object.entries(MALFORMED)) {
      const { uri } = tempDocument(text, `${name.replace(/\W+/g, '-')}.tgraph`);
      opened.push(uri);
      const d = await client.open(uri, text);
      if (!VALID.has(name)) expect(d.diagnostics.length, name).toBeGreaterThan(0);
      for (const diag of d.diagnostics) {
        expect(diag.source).toBe('tgraph');
        expect(diag.range.start.line).toBeGreaterThanOrEqual(0);
      }
      const answers = await Promise.allSettled(ALL_REQUESTS(uri, text));
      const rejected = answers.filter((a) => a.status === 'rejected').map((a) => String((a as PromiseRejectedResult).reason));
      expect(rejected, name).toEqual([]);
    }
    const budget = client.diagnostics.get(opened[Object.keys(MALFORMED).indexOf('huge zeros')])!.at(-1)!;
    expect(budget.diagnostics.map((d) => d.message).join('\n')).toMatch(/tgraph\.maxElements/);

    // Still alive and answering, with no handler or analysis failure logged.
    const { uri } = tempDocument(SEED, 'seed.tgraph');
    await client.open(uri, SEED);
    const h = await client.request<Hover>('textDocument/hover', { textDocument: { uri }, position: positionOf(SEED, 'dz_dx =') });
    expect(hoverText(h)).toContain('[[40. 24. 56.]');
    expect(client.exitCode()).toBeNull();
    expect(client.stderr).not.toMatch(/failed:|uncaught|unhandled/);
    for (const u of opened) await client.close(u);
  }, 120_000);
});

describe('live analysis', () => {
  it('coalesces rapid edits and publishes the diagnostics of the final text', async () => {
    const base = 'x = placeholder(float32, [None, 3])\nfeed x = uniform([4, 3], seed=3)\n';
    const { uri } = tempDocument(base);
    await client.open(uri, base);
    const before = client.analysed.filter((s) => s.uri === uri).length;
    let version = 1;
    // 40 edits, each a complete text; only the last has a shape error, on line 2 + 39.
    let text = base;
    for (let i = 0; i < 40; i++) {
      text += i === 39 ? 'bad = x + ones([5])\n' : `v${i} = x * ${i}.\n`;
      version = await client.change(uri, text);
    }
    const d: PublishDiagnosticsParams = await client.diagnosticsFor(uri, version);
    expect(d.diagnostics).toHaveLength(1);
    expect(d.diagnostics[0].range.start.line).toBe(41);
    expect(d.diagnostics[0].message).toMatch(/broadcast/);
    const runs = client.analysed.filter((s) => s.uri === uri).length - before;
    expect(runs).toBeLessThan(10); // not one analysis per edit
    // No diagnostics were published for a version older than one already published.
    const versions = (client.diagnostics.get(uri) ?? []).map((p) => p.version!);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    await client.close(uri);
  });

  it('answers hovers at the right place while the analysis of an edit is pending', async () => {
    const text = 'a = ones([2]) * 3.\nb = a + 1.\n';
    const { uri } = tempDocument(text);
    await client.open(uri, text);
    // Insert two lines at the top and ask right away: whether from the previous analysis
    // (mapped through the edit) or the new one, the hover is b's and its range is b's.
    const inserted = '# one\n# two\n';
    const version = await client.change(uri, {
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
      text: inserted,
    });
    const h = await client.request<Hover>('textDocument/hover', { textDocument: { uri }, position: { line: 3, character: 0 } });
    expect(hoverText(h)).toContain('**b** · tensor');
    expect(hoverText(h)).toContain('[4. 4.]');
    expect(h.range).toEqual({ start: { line: 3, character: 0 }, end: { line: 3, character: 1 } });
    await client.diagnosticsFor(uri, version);
    await client.close(uri);
  });

  it("a long document just opened: the build's diagnostics first, then the evaluation's", async () => {
    // 12,000 statements: over the line count from which the build's diagnostics are always
    // published first (however fast the machine builds). The unknown name is found by the
    // build; the NaN only by evaluating.
    const lines = ['a0 = placeholder(float32, [2])', 'feed a0 = [1., 2.]'];
    for (let i = 1; i < 12_000; i++) lines.push(`a${i} = a${i - 1} + 1.`);
    lines.push('nan_here = log(a11999 - a11999 - 1.)', 'unknown_at_the_end + 1');
    const text = lines.join('\n') + '\n';
    const { uri } = tempDocument(text, 'long.tgraph');
    const analysedBefore = client.analysed.length;
    await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'tgraph', version: 1, text } });
    const first = await client.until(() => client.diagnostics.get(uri)?.[0], 'the first diagnostics');
    expect(first.version).toBe(1);
    expect(first.diagnostics.map((d) => d.code)).toEqual(['unknown-name']);
    // A request right away is answered from the complete analysis.
    const h = await client.request<Hover>('textDocument/hover', { textDocument: { uri }, position: { line: 12_001, character: 0 } });
    expect(hoverText(h)).toContain('**nan_here** · tensor');
    expect(hoverText(h)).toContain('[nan nan]');
    const complete = await client.until(() => client.analysed.slice(analysedBefore).find((a) => a.uri === uri), 'the complete analysis');
    expect(complete).toMatchObject({ version: 1, errors: 1, warnings: 1 });
    const last = client.diagnostics.get(uri)!.at(-1)!;
    expect(last.version).toBe(1);
    expect(last.diagnostics.map((d) => [d.code, d.range.start.line])).toEqual([
      ['non-finite', 12_001],
      ['unknown-name', 12_002],
    ]);
    // A short document publishes once, complete.
    const short = tempDocument('y = log(0. - 1.)\n');
    await client.open(short.uri, 'y = log(0. - 1.)\n');
    await client.until(() => client.analysed.find((a) => a.uri === short.uri), 'the short analysis');
    expect(client.diagnostics.get(short.uri)!.map((p) => p.diagnostics.map((d) => d.code))).toEqual([['non-finite']]);
    await client.close(uri);
    await client.close(short.uri);
  }, 60_000);

  it('keeps the latest complete analysis when a document is re-opened and closed', async () => {
    const { uri } = tempDocument(SEED);
    await client.open(uri, SEED);
    await client.close(uri);
    // A closed document answers nothing (and does not crash).
    expect(await client.request('textDocument/hover', { textDocument: { uri }, position: { line: 2, character: 0 } })).toBeNull();
    const d = await client.open(uri, 'q = 1 +\n');
    expect(d.diagnostics[0].code).toBe('syntax');
    await client.close(uri);
  });
});
