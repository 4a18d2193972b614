// load() in the browser build of the server, on a workspace that is not on a disk (as in
// VS Code for the Web): the server asks its client for the files (`tgraph/readFile`), which
// client/browser.ts reads through the workspace file system. Runs in the `web-server`
// project (TGRAPH_LSP_SERVER=browser); the Node server reads files itself.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hover, MarkupContent } from 'vscode-languageserver-protocol/node';
import { LspClient, ensureServerBuilt } from './helpers';

const WORKSPACE = 'vscode-test-web://mount/project';
const DOC = `${WORKSPACE}/graphs/model.tgraph`;

/** A .npy file (format 1.0, float32, C order) of `values` with `shape`. */
function npy(values: number[], shape: number[]): Uint8Array {
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const total = Math.ceil((10 + dict.length + 1) / 64) * 64;
  const header = dict + ' '.repeat(total - 10 - dict.length - 1) + '\n';
  const out = new Uint8Array(total + values.length * 4);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  const data = new DataView(out.buffer, total);
  values.forEach((v, i) => data.setFloat32(i * 4, v, true));
  return out;
}

const isBrowser = process.env.TGRAPH_LSP_SERVER === 'browser';

describe.skipIf(!isBrowser)('load() through the client, on a web workspace', () => {
  let client: LspClient;

  beforeAll(async () => {
    await ensureServerBuilt();
    client = await LspClient.start({
      workspaceFolderUris: [WORKSPACE],
      files: { [`${WORKSPACE}/data/w.npy`]: npy([1.5, -2, 0.25], [3]) },
    });
  }, 120_000);

  afterAll(async () => {
    await client?.stop();
  });

  it('reads the file the client serves, and evaluates with it', async () => {
    const text = "w = load('../data/w.npy')\ny = reduce_sum(w * 2.)\n";
    const d = await client.open(DOC, text);
    expect(d.diagnostics).toEqual([]);
    expect(client.fileReads).toContain(`${WORKSPACE}/data/w.npy`);
    const h = await client.request<Hover>('textDocument/hover', { textDocument: { uri: DOC }, position: { line: 1, character: 0 } });
    expect((h.contents as MarkupContent).value).toContain('-0.5');
    await client.close(DOC);
  });

  it('refuses what the desktop refuses: outside the workspace, absolute, missing; without asking the client for the first two', async () => {
    const asked = client.fileReads.length;
    const text = "a = load('../../../elsewhere/w.npy')\nb = load('/project/data/w.npy')\nc = load('../data/missing.npy')\n";
    const d = await client.open(`${WORKSPACE}/graphs/refusals.tgraph`, text);
    expect(d.diagnostics.map((x) => [x.range.start.line, x.code])).toEqual([
      [0, 'load-outside'],
      [1, 'load-refused'],
      [2, 'load-missing'],
    ]);
    expect(client.fileReads.slice(asked)).toEqual([`${WORKSPACE}/data/missing.npy`]);
  });
});

describe.skipIf(!isBrowser)('load() in an untrusted web workspace', () => {
  it('is an error that says why, and the client is asked for nothing', async () => {
    await ensureServerBuilt();
    const client = await LspClient.start({
      workspaceFolderUris: [WORKSPACE],
      initializationOptions: { workspaceTrusted: false },
      files: {},
    });
    try {
      const d = await client.open(DOC, "w = load('../data/w.npy')\ny = 1. + 2.\n");
      expect(d.diagnostics.map((x) => x.code)).toEqual(['load-untrusted']);
      expect(client.fileReads).toEqual([]);
    } finally {
      await client.stop();
    }
  }, 120_000);
});
