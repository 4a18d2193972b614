// The lens commands from a plain LSP client: `workspace/executeCommand` with the arguments
// the lenses carry answers the data (values, the check's outcome, the explanation and the
// picture's data), through the real server over stdio, started as `tgraph lsp --stdio`.
// (tgraph.randomiseFeed through executeCommand: features.test.ts.)

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CodeLens } from 'vscode-languageserver-protocol/node';
import type { CheckGradientsResult, ComputeGradientsResult, ExplainResult } from '../../protocol';
import { LspClient, SEED, ensureServerBuilt, positionOf, tempDocument } from './helpers';

let client: LspClient;
const { uri } = tempDocument(SEED, 'seed.tgraph');
const lineOf = (needle: string) => positionOf(SEED, needle).line;
const feed = [
  [5, 3, 7],
  [2, 2, 5],
  [7, 5, 0],
  [3, 7, 6],
];

beforeAll(async () => {
  await ensureServerBuilt();
  client = await LspClient.start({ viaCli: true });
  await client.open(uri, SEED);
}, 120_000);

afterAll(async () => {
  await client?.stop();
});

/** Runs the command a lens of `line` carries, as a client that knows nothing of tgraph does. */
async function runLens<R>(line: number, command: string): Promise<R> {
  const lenses = await client.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri } });
  const lens = lenses.find((l) => l.range.start.line === line && l.command?.command === command);
  expect(lens, `a ${command} lens on line ${line}`).toBeDefined();
  return client.request<R>('workspace/executeCommand', { command, arguments: lens!.command!.arguments });
}

describe('workspace/executeCommand answers every lens command with data', () => {
  it('tgraph.computeGradients: the values of dz_dx, 8x, with their meaning and explanation', async () => {
    const r = await runLens<ComputeGradientsResult>(lineOf('dz_dx ='), 'tgraph.computeGradients');
    expect(r.statement).toBe('dz_dx = gradients(z, x)[0]');
    expect(r.gradients).toHaveLength(1);
    const [g] = r.gradients;
    expect(g).toMatchObject({ meaning: '∂(Σz)/∂x', x: 'x', ys: ['z'], dtype: 'float32', shape: [4, 3] });
    expect(g.value).toContain('[[40. 24. 56.]');
    expect(g.json).not.toBeNull();
    expect(g.json!.data).toEqual(feed.flat().map((v) => 8 * v));
    expect(g.explanation).toContain('each x[i,j] reaches 2 of them');
  });

  it('tgraph.checkGradients: the full check passes, with its error, and the lens shows it afterwards', async () => {
    const line = lineOf('dy_dx =');
    const r = await runLens<CheckGradientsResult>(line, 'tgraph.checkGradients');
    expect(r.passed).toBe(true);
    expect(r.results).toHaveLength(1);
    expect(r.results[0]).toMatchObject({ ran: true, passed: true, compared: 12, check: "check gradients(y, x, mode='full')" });
    expect(r.results[0].maxAbsError).toBeLessThan(1e-3);
    expect(r.title).toMatch(/^max err .* ✓$/);
    const lenses = await client.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri } });
    expect(lenses.filter((l) => l.range.start.line === line).map((l) => l.command?.title)).toContain(r.title);
  });

  it("tgraph.checkGradients on jacobian and hessian statements runs a full check: the Jacobian's y, the Hessian's gradient", async () => {
    const text =
      'x = placeholder(float32, [3])\nfeed x = [0.5, -1.0, 2.0]\nJ = jacobian(tanh(x) * x, x)\nH = hessian(reduce_sum(x * x * x), x)\ncheck gradients(x * x, x)\n';
    const doc = tempDocument(text, 'second.tgraph');
    await client.open(doc.uri, text);
    const at = (needle: string) => positionOf(text, needle).line;
    const run = (line: number) =>
      client.request<CheckGradientsResult>('workspace/executeCommand', { command: 'tgraph.checkGradients', arguments: [doc.uri, line] });
    const jacobian = await run(at('J ='));
    expect(jacobian.results).toHaveLength(1);
    expect(jacobian.results[0]).toMatchObject({
      ran: true,
      passed: true,
      mode: 'full',
      compared: 3,
      check: "check gradients(tanh(x) * x, x, mode='full')",
    });
    expect(jacobian.title).toMatch(/^max err .* ✓$/);
    const hessian = await run(at('H ='));
    expect(hessian.results[0]).toMatchObject({
      ran: true,
      passed: true,
      compared: 3,
      check: "check gradients(gradients(reduce_sum(x * x * x), x), x, mode='full')",
    });
    // The second derivative's finite differences: 6x at x = 2 is 12, within the check's tolerance.
    expect(hessian.results[0].worst).not.toBeNull();
    expect(Math.abs(hessian.results[0].worst!.analytic - hessian.results[0].worst!.numeric)).toBeLessThan(0.05);
  });

  it('tgraph.explainSum: the explanation and the picture: the 24 × 12 Jacobian, its pattern, the terms of one entry', async () => {
    const r = await runLens<ExplainResult>(lineOf('dz_dx ='), 'tgraph.explainSum');
    expect(r.explanations).toHaveLength(1);
    const [ex] = r.explanations;
    expect(ex.summedAxes).toEqual(expect.arrayContaining([expect.objectContaining({ tensor: 'z', axis: 0, size: 2, op: 'stack' })]));
    expect(r.pictures).toHaveLength(1);
    const p = r.pictures![0];
    expect(p.jacobian).toMatchObject({ scope: 'full', rows: 24, cols: 12, xShape: [4, 3] });
    expect(p.jacobian!.values).toHaveLength(24 * 12);
    // Each x element reaches 2 elements of z: two structural terms per column.
    expect(p.jacobian!.pattern.reduce((a, b) => a + b, 0)).toBe(24);
    // The chosen entry's terms add up to dz_dx there: 8 x.
    const { flat, index } = p.chosen!;
    const terms = p.contributions!.terms.map((t) => t.partial);
    expect(terms).toHaveLength(2);
    expect(terms.reduce((a, b) => a + b, 0)).toBeCloseTo(8 * feed[index[0]][index[1]], 3);
    expect(p.contributions!.gradient).toBeCloseTo(8 * feed[index[0]][index[1]], 3);
    expect(flat).toBe(index[0] * 3 + index[1]);
  });

  it('takes {uri, line} as well, and refuses unknown commands and arguments with LSP errors', async () => {
    const r = await client.request<ComputeGradientsResult>('workspace/executeCommand', {
      command: 'tgraph.computeGradients',
      arguments: [{ uri, line: lineOf('dy_dx =') }],
    });
    expect(r.gradients[0].value).toContain('[[20. 12. 28.]');
    await expect(client.request('workspace/executeCommand', { command: 'tgraph.nothing', arguments: [uri, 0] })).rejects.toMatchObject({
      code: -32601,
    });
    await expect(
      client.request('workspace/executeCommand', { command: 'tgraph.explainSum', arguments: ['not a line'] }),
    ).rejects.toMatchObject({ code: -32602 });
    // A line without a gradient answers a message, not an error.
    const none = await client.request<ExplainResult>('workspace/executeCommand', {
      command: 'tgraph.explainSum',
      arguments: [uri, lineOf('x_dims')],
    });
    expect(none.explanations).toEqual([]);
    expect(none.message).toBeTruthy();
  });
});
