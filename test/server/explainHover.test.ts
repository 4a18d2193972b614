// The explanation of the sum on real models, as the hover shows it over the real language
// server (stdio): the same sentences `tgraph run --json` gives (test/engine/
// explain-models.test.ts), on the model files of test/fixtures/explain/models/.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'fs';
import * as path from 'path';
import type { Hover, MarkupContent } from 'vscode-languageserver-protocol/node';
import { LspClient, ROOT, ensureServerBuilt, positionOf, tempDocument } from './helpers';

const models = path.join(ROOT, 'test', 'fixtures', 'explain', 'models');
let client: LspClient;
const docs = new Map<string, { uri: string; text: string }>();

beforeAll(async () => {
  await ensureServerBuilt();
  client = await LspClient.start();
  for (const name of ['conv', 'pooling', 'xent', 'embedding', 'attention', 'layernorm', 'movement']) {
    const text = fs.readFileSync(path.join(models, `${name}.tgraph`), 'utf8');
    const { uri } = tempDocument(text, `${name}.tgraph`);
    await client.open(uri, text);
    docs.set(name, { uri, text });
  }
}, 120_000);

afterAll(async () => {
  await client?.stop();
});

/** The hover on the binding `name =` of model file `file`. */
async function hover(file: string, name: string): Promise<string> {
  const { uri, text } = docs.get(file)!;
  const h = await client.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position: positionOf(text, `${name} =`, 1) });
  return h ? (h.contents as MarkupContent).value : '';
}

describe('the hover explains the sum on real models', () => {
  it('conv2d: the filter at every position of every example, already a mean', async () => {
    const text = await hover('conv', 'df');
    expect(text).toContain('∂(Σloss)/∂f');
    expect(text).toContain('conv2d at line 5 applies f at 5×5 positions of each of 4 examples');
    expect(text).toContain('each entry adds 100 terms');
    expect(text).toContain('already divided by 300');
  });

  it('max pooling routes to the maximum; average pooling shares among windows', async () => {
    expect(await hover('pooling', 'dm')).toContain('routes the gradient to the maximum of each window');
    expect(await hover('pooling', 'da')).toContain('each element of x is in up to 2×2 windows of avg_pool2d');
  });

  it('cross-entropy: the bias sums over the batch, mean or not', async () => {
    const mean = await hover('xent', 'db');
    expect(mean).toContain('the batch axis of x');
    expect(mean).toContain('do not divide again');
    expect(mean).not.toContain('nothing is summed');
    expect(await hover('xent', 'sdb')).toContain('divide by the batch size 3 for the mean');
    expect(await hover('xent', 'gdb')).toContain('already divided by 15');
  });

  it('gather: rows picked twice add two rows, rows never picked get 0', async () => {
    const text = await hover('embedding', 'dE');
    expect(text).toContain('E[0] twice (ids[0], ids[4]) and E[2] twice (ids[1], ids[2])');
    expect(text).toContain('E[3] is never gathered: its gradient is 0');
  });

  it("attention: the sequence axis is named as x's axis, not a broadcast", async () => {
    const text = await hover('attention', 'dWv');
    expect(text).toContain('axis 1 of v (size 5, axis 1 of x)');
    expect(text).not.toMatch(/broadcast/);
  });

  it('layer norm, einsum, tile, slicing', async () => {
    expect(await hover('layernorm', 'dbeta')).toContain('divide by the batch size 3');
    expect(await hover('movement', 'dw')).toContain('the batch axis of x, through einsum at line 5');
    expect(await hover('movement', 'dt')).toContain('axis 1 of t, size 9, 3 copies, from tile at line 7');
    expect(await hover('movement', 'ds')).toContain('8 of the 12 elements of x reach none of them');
  });
});
