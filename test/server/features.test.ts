// The language server over stdio, feature by feature, on the seed example of the spec.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  CodeLens,
  CompletionItem,
  CompletionList,
  DocumentSymbol,
  FoldingRange,
  Hover,
  InlayHint,
  Location,
  MarkupContent,
  SemanticTokens,
  SignatureHelp,
  WorkspaceEdit,
} from 'vscode-languageserver-protocol/node';
import { LspClient, SEED, applyEdits, decodeTokens, ensureServerBuilt, positionOf, tempDocument } from './helpers';

let client: LspClient;
const { uri } = tempDocument(SEED, 'seed.tgraph');

beforeAll(async () => {
  await ensureServerBuilt();
  client = await LspClient.start();
  await client.open(uri, SEED);
}, 120_000);

afterAll(async () => {
  await client?.stop();
});

const at = (needle: string, delta = 0, nth = 0) => positionOf(SEED, needle, delta, nth);
const doc = { uri };
const hoverText = (h: Hover | null) => (h ? (h.contents as MarkupContent).value : '');
const lineOf = (needle: string) => at(needle).line;

describe('capabilities', () => {
  it('announces every feature', () => {
    const caps = client.initializeResult!.capabilities;
    expect(caps.hoverProvider).toBe(true);
    expect(caps.codeLensProvider).toBeTruthy();
    expect(caps.inlayHintProvider).toBe(true);
    expect(caps.completionProvider).toBeTruthy();
    expect(caps.signatureHelpProvider?.triggerCharacters).toContain('(');
    expect(caps.renameProvider).toEqual({ prepareProvider: true });
    expect(caps.semanticTokensProvider?.legend.tokenTypes).toContain('parameter');
    expect(caps.executeCommandProvider?.commands).toEqual([
      'tgraph.computeGradients',
      'tgraph.checkGradients',
      'tgraph.explainSum',
      'tgraph.randomiseFeed',
      'tgraph.openAsGraph',
    ]);
  });
});

describe('diagnostics', () => {
  it('publishes the seed with no errors, and the analysis status', async () => {
    const d = await client.diagnosticsFor(uri, 1);
    expect(d.diagnostics.filter((x) => x.severity === 1).map((x) => x.message)).toEqual([]);
    const status = await client.until(() => client.analysed.find((s) => s.uri === uri && s.version === 1), 'the analysis status');
    expect(status.errors).toBe(0);
    expect(status.milliseconds).toBeGreaterThan(0);
  });

  it('reports a shape error typed into the file on its line, with code, source and related information', async () => {
    const { uri: u } = tempDocument(SEED, 'edit.tgraph');
    await client.open(u, SEED);
    const line = positionOf(SEED, 'dy_dx =').line;
    const version = await client.change(u, {
      range: { start: { line, character: 0 }, end: { line, character: 0 } },
      text: 'bad = y + ones([2, 5])\n',
    });
    const d = await client.diagnosticsFor(u, version);
    const errors = d.diagnostics.filter((x) => x.severity === 1);
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(errors[0].range.start.line).toBe(line);
    expect(errors[0].message).toMatch(/broadcast/);
    expect(errors[0].source).toBe('tgraph');
    expect(errors[0].code).toBe('shape-mismatch');

    // A double binding points at both places.
    const v2 = await client.change(u, SEED + 'y = 3\n');
    const d2 = await client.diagnosticsFor(u, v2);
    const dbl = d2.diagnostics.find((x) => x.code === 'double-binding')!;
    expect(dbl.range.start.line).toBe(10);
    expect(dbl.relatedInformation?.[0].location.range.start.line).toBe(lineOf('y = 2'));
    expect(dbl.relatedInformation?.[0].location.uri).toBe(u);
    await client.close(u);
  });
});

describe('hover', () => {
  it('shows a gradient: shapes, meaning, the doubled values and its line', async () => {
    const h = await client.request<Hover>('textDocument/hover', { textDocument: doc, position: at('dz_dx =', 2) });
    const text = hoverText(h);
    expect(text).toContain('float32[?, 3]');
    expect(text).toContain('[4, 3]');
    expect(text).toContain('[[40. 24. 56.]');
    expect(text).toContain('[24. 56. 48.]]');
    expect(text).toContain('∂(Σz)/∂x');
    expect(text).toContain('line 8');
    expect(text).toContain('dz_dx = gradients(z, x)[0]');
    expect(h.range).toEqual({ start: at('dz_dx ='), end: at('dz_dx =', 5) });
  });

  it('shows a use of a name like its definition', async () => {
    const h = await client.request<Hover>('textDocument/hover', { textDocument: doc, position: at('2 * dy_dx', 6) });
    const text = hoverText(h);
    expect(text).toContain('**dy_dx** · gradient');
    expect(text).toContain('[[20. 12. 28.]');
    expect(text).toContain('∂(Σy)/∂x');
  });

  it('shows a placeholder with its static and fed shape', async () => {
    const text = hoverText(await client.request<Hover>('textDocument/hover', { textDocument: doc, position: at('x = placeholder') }));
    expect(text).toContain('**x** · placeholder');
    expect(text).toMatch(/float32\[\?, 3\]` · fed shape `\[4, 3\]`/);
    expect(text).toContain('[[5. 3. 7.]');
  });

  it('shows an op signature and doc', async () => {
    const text = hoverText(await client.request<Hover>('textDocument/hover', { textDocument: doc, position: at('stack(', 2) }));
    expect(text).toContain('stack(values, axis=0)');
    const g = hoverText(await client.request<Hover>('textDocument/hover', { textDocument: doc, position: at('gradients(y', 3) }));
    expect(g).toContain('gradients(ys, xs, grad_ys=None');
    expect(g).toMatch(/sum\(ys\)/);
  });

  it('shows the op, not a later binding of the same name, on a call above that binding', async () => {
    const text = 'x = constant([1., 2.])\ny = tanh(x)\ntanh = 2.\nz = tanh * y\n';
    const other = tempDocument(text, 'shadowed-op.tgraph');
    await client.open(other.uri, text);
    const pos = (needle: string, delta = 0) => positionOf(text, needle, delta);
    const call = hoverText(
      await client.request<Hover>('textDocument/hover', { textDocument: { uri: other.uri }, position: pos('tanh(x)', 1) }),
    );
    expect(call).toContain('tanh(x)');
    expect(call).not.toContain('**tanh** ·');
    const use = hoverText(
      await client.request<Hover>('textDocument/hover', { textDocument: { uri: other.uri }, position: pos('tanh * y', 1) }),
    );
    expect(use).toContain('**tanh** ·');
    const definition = await client.request<Location[] | Location | null>('textDocument/definition', {
      textDocument: { uri: other.uri },
      position: pos('tanh(x)', 1),
    });
    expect(definition === null || (Array.isArray(definition) && definition.length === 0)).toBe(true);
  });

  it('shows a check result', async () => {
    const text = hoverText(await client.request<Hover>('textDocument/hover', { textDocument: doc, position: at('check', 1) }));
    expect(text).toContain('check passed ✓');
    expect(text).toMatch(/max abs error \d/);
    expect(text).toContain('12 elements');
  });

  it('answers nothing on blank space and comments', async () => {
    expect(await client.request('textDocument/hover', { textDocument: doc, position: at('# twice', 3) })).toBeNull();
  });
});

describe('code lenses and their actions', () => {
  it('puts the three gradient lenses above each gradient statement and the feed lenses above the placeholder', async () => {
    const lenses = await client.request<CodeLens[]>('textDocument/codeLens', { textDocument: doc });
    const on = (line: number) => lenses.filter((l) => l.range.start.line === line).map((l) => l.command?.title);
    expect(on(lineOf('dy_dx ='))).toEqual(['Compute gradients', 'Check gradients', 'Explain sum']);
    expect(on(lineOf('dz_dx ='))).toEqual(['Compute gradients', 'Check gradients', 'Explain sum']);
    expect(on(lineOf('x = placeholder'))).toEqual(['fed float32[4, 3]', 'Randomise feed']);
    const check = lenses.find((l) => l.command?.command === 'tgraph.checkGradients')!;
    expect(check.command!.arguments).toEqual([uri, lineOf('dy_dx =')]);
  });

  it('checkGradients runs the full check, passes, and the lens shows the error afterwards', async () => {
    const refreshes = client.refreshes.length;
    const r = await client.request<{ passed: boolean; title: string; results: { maxAbsError: number; compared: number; check: string }[] }>(
      'tgraph/checkGradients',
      { uri, line: lineOf('dz_dx =') },
    );
    expect(r.passed).toBe(true);
    expect(r.results).toHaveLength(1);
    expect(r.results[0].check).toBe("check gradients(z, x, mode='full')");
    expect(r.results[0].compared).toBe(12);
    expect(r.results[0].maxAbsError).toBeLessThan(1e-3);
    expect(r.title).toMatch(/^max err .* ✓$/);
    await client.until(() => client.refreshes.slice(refreshes).includes('workspace/codeLens/refresh'), 'a code lens refresh');
    const lenses = await client.request<CodeLens[]>('textDocument/codeLens', { textDocument: doc });
    const titles = lenses.filter((l) => l.range.start.line === lineOf('dz_dx =')).map((l) => l.command?.title);
    expect(titles).toContain(r.title);
    // The other statement's lens is untouched.
    expect(lenses.filter((l) => l.range.start.line === lineOf('dy_dx =')).map((l) => l.command?.title)).toContain('Check gradients');
  });

  it('checkGradients accepts the lens arguments and reports a failing custom gradient with its worst element', async () => {
    const text =
      'x = placeholder(float32, [3])\nfeed x = [1., 2., 3.]\ndef f(a) = a * a\ngrad f(a, dy) = dy * a\ng = gradients(f(x), x)[0]\n';
    const { uri: u } = tempDocument(text);
    await client.open(u, text);
    const r = await client.request<{ passed: boolean; title: string; results: { worst: { x: string; index: number[] } }[] }>(
      'tgraph/checkGradients',
      [u, 4],
    );
    expect(r.passed).toBe(false);
    expect(r.title).toMatch(/^✗ x\[\d\]: analytic .* vs numeric /);
    expect(r.results[0].worst.x).toBe('x');
    await client.close(u);
  });

  it('computeGradients returns the values', async () => {
    const r = await client.request<{ gradients: { meaning: string; value: string; shape: number[]; json: { data: number[] } }[] }>(
      'tgraph/computeGradients',
      { uri, line: lineOf('dz_dx =') },
    );
    expect(r.gradients).toHaveLength(1);
    expect(r.gradients[0].meaning).toBe('∂(Σz)/∂x');
    expect(r.gradients[0].shape).toEqual([4, 3]);
    expect(r.gradients[0].json.data).toEqual([40, 24, 56, 16, 16, 40, 56, 40, 0, 24, 56, 48]);
    expect(r.gradients[0].value).toContain('[[40. 24. 56.]');
  });

  it('explain returns the explanation of the sum', async () => {
    const r = await client.request<{
      explanations: {
        meaning: string;
        text: string;
        ysElements: number;
        x: string;
        ys: string[];
        fanOut: number[];
        summedAxes: { tensor: string; axis: number; size: number; origin: string }[];
      }[];
    }>('tgraph/explain', { uri, line: lineOf('dz_dx =') });
    expect(r.explanations).toHaveLength(1);
    const e = r.explanations[0];
    expect(e).toMatchObject({ meaning: '∂(Σz)/∂x', ysElements: 24, x: 'x', ys: ['z'], fanOut: [2, 2] });
    expect(e.summedAxes[0]).toMatchObject({ tensor: 'z', axis: 0, size: 2, origin: 'stack' });
    // The hover shows the same sentence.
    const h = hoverText(await client.request<Hover>('textDocument/hover', { textDocument: doc, position: at('dz_dx =') }));
    expect(h).toContain(e.text.slice(e.meaning.length).replace(/^[:\s]+/, ''));
  });

  it('answers a line without gradients with a message, not an error', async () => {
    const r = await client.request<{ gradients: unknown[]; message: string }>('tgraph/computeGradients', { uri, line: 0 });
    expect(r.gradients).toEqual([]);
    expect(r.message).toMatch(/no/);
  });

  it('randomiseFeedEdit rewrites the feed with a seeded uniform of the fed shape', async () => {
    const edit = await client.request<WorkspaceEdit>('tgraph/randomiseFeedEdit', { uri, line: lineOf('x = placeholder') });
    const edits = edit.changes![uri];
    expect(edits).toHaveLength(1);
    expect(edits[0].range.start).toEqual({ line: lineOf('feed x'), character: 0 });
    expect(edits[0].newText).toBe('feed x = uniform([4, 3], seed=1)');
    const after = applyEdits(SEED, edits);
    expect(after.split('\n')[lineOf('feed x')]).toBe('feed x = uniform([4, 3], seed=1)');
    expect(after.split('\n')[lineOf('x = placeholder')]).toBe('x = placeholder(float32, [None, x_dims])');
  });

  it('randomiseFeed inserts a feed for an unfed placeholder (None sizes become 4) and applies it through executeCommand', async () => {
    const text = 'w = placeholder(float64, [None, 2])   # weights\nv = reduce_sum(w)\n';
    const { uri: u } = tempDocument(text);
    await client.open(u, text);
    const before = client.appliedEdits.length;
    const result = await client.request<{ applied: boolean }>('workspace/executeCommand', {
      command: 'tgraph.randomiseFeed',
      arguments: [u, 0],
    });
    expect(result).toEqual({ applied: true });
    const edit = client.appliedEdits[before];
    const after = applyEdits(text, edit.changes![u]);
    expect(after).toBe('w = placeholder(float64, [None, 2])   # weights\nfeed w = uniform([4, 2], seed=1)\nv = reduce_sum(w)\n');
    // The edited text analyses cleanly and is fed.
    const v = await client.change(u, after);
    const d = await client.diagnosticsFor(u, v);
    expect(d.diagnostics).toEqual([]);
    const lenses = await client.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri: u } });
    expect(lenses.map((l) => l.command?.title)).toContain('fed float64[4, 2]');
    // Randomising again bumps the seed.
    const again = await client.request<WorkspaceEdit>('tgraph/randomiseFeedEdit', [u, 0]);
    expect(again.changes![u][0].newText).toBe('feed w = uniform([4, 2], seed=2)');
    await client.close(u);
  });
});

describe('inlay hints', () => {
  it('shows fed shapes after names and scalar values at the end of statements', async () => {
    const text = SEED + 'total = reduce_sum(dz_dx)\n';
    const { uri: u } = tempDocument(text);
    await client.open(u, text);
    const hints = await client.request<InlayHint[]>('textDocument/inlayHint', {
      textDocument: { uri: u },
      range: { start: { line: 0, character: 0 }, end: { line: 20, character: 0 } },
    });
    const label = (line: number) => hints.filter((h) => h.position.line === line).map((h) => h.label);
    expect(label(positionOf(text, 'x = placeholder').line)).toEqual([': float32[4, 3]']);
    expect(label(positionOf(text, 'z = stack').line)).toEqual([': float32[2, 4, 3]']);
    expect(label(positionOf(text, 'x_dims').line)).toEqual([': int32[]']); // a literal needs no value hint
    expect(label(positionOf(text, 'total').line)).toEqual([': float32[]', '→ 416.0']); // Σ dz_dx
    const dz = hints.find((h) => h.label === ': float32[4, 3]' && h.position.line === positionOf(text, 'dz_dx =').line)!;
    expect(dz.position).toEqual(positionOf(text, 'dz_dx =', 5));
    // Only the requested range.
    const some = await client.request<InlayHint[]>('textDocument/inlayHint', {
      textDocument: { uri: u },
      range: { start: { line: 4, character: 0 }, end: { line: 5, character: 0 } },
    });
    expect(some.map((h) => h.position.line)).toEqual([4]);
    await client.close(u);
  });
});

describe('completion and signature help', () => {
  const items = (r: CompletionItem[] | CompletionList | null) => (Array.isArray(r) ? r : (r?.items ?? []));

  it('offers op names with signatures, names in scope and dtypes', async () => {
    const r = items(await client.request('textDocument/completion', { textDocument: doc, position: at('y = 2 *', 4) }));
    const sum = r.find((i) => i.label === 'reduce_sum')!;
    expect(sum.detail).toBe('reduce_sum(input_tensor, axis=None, keepdims=False)');
    expect((sum.documentation as MarkupContent).value).toMatch(/[Ss]um/);
    const x = r.find((i) => i.label === 'x')!;
    expect(x.detail).toBe('placeholder float32[4, 3]');
    expect(r.map((i) => i.label)).toContain('x_dims');
    expect(r.map((i) => i.label)).not.toContain('dz_dx'); // bound later
    expect(r.map((i) => i.label)).toEqual(expect.arrayContaining(['float32', 'float64', 'int32', 'bool']));
    expect(r.map((i) => i.label)).not.toContain('sum_to_like'); // internal
  });

  it('offers keyword arguments inside reduce_sum(x, ', async () => {
    const text = SEED + 's = reduce_sum(x, ';
    const { uri: u } = tempDocument(text);
    await client.open(u, text);
    const end = positionOf(text, 's = reduce_sum(x, ', 18);
    const r = items(await client.request('textDocument/completion', { textDocument: { uri: u }, position: end }));
    const kw = r.filter((i) => i.label.endsWith('='));
    expect(kw.map((i) => i.label)).toEqual(['axis=', 'keepdims=']);
    expect(kw[0].detail).toBe('axis=None');
    expect(r.map((i) => i.label)).toContain('dz_dx');

    const sig = await client.request<SignatureHelp>('textDocument/signatureHelp', { textDocument: { uri: u }, position: end });
    expect(sig.signatures[0].label).toBe('reduce_sum(input_tensor, axis=None, keepdims=False)');
    expect(sig.activeParameter).toBe(1);
    expect(sig.signatures[0].parameters![1].label).toEqual([25, 34]); // `axis=None`
    await client.close(u);
  });

  it('signature help follows keyword arguments', async () => {
    const text = 'x = ones([2, 3])\ns = reduce_sum(x, keepdims=True)\n';
    const { uri: u } = tempDocument(text);
    await client.open(u, text);
    const sig = await client.request<SignatureHelp>('textDocument/signatureHelp', {
      textDocument: { uri: u },
      position: positionOf(text, 'True'),
    });
    expect(sig.activeParameter).toBe(2);
    const first = await client.request<SignatureHelp>('textDocument/signatureHelp', {
      textDocument: { uri: u },
      position: positionOf(text, 'x,', 1),
    });
    expect(first.activeParameter).toBe(0);
    const outside = await client.request<SignatureHelp | null>('textDocument/signatureHelp', {
      textDocument: { uri: u },
      position: { line: 0, character: 1 },
    });
    expect(outside).toBeNull();
    await client.close(u);
  });

  it('a long document parses only around the cursor: names from before it, the call being typed, a multi-line call', async () => {
    // 6,000 lines (over 64 KB): the protocol thread parses the statements near the cursor;
    // the names bound far above come from the analysis.
    const lines = ['top = ones([2, 3])', 'def twice(a, b) = a + b'];
    for (let i = 0; i < 6000; i++) lines.push(`v${i} = top + ${i}.`);
    const head = lines.join('\n') + '\nnear = twice(v5999,\n    v1)\ns = reduce_sum(near, ';
    const { uri: u } = tempDocument(head);
    await client.open(u, head);
    // A hover waits for the analysis's snapshot (the names' source), published after the diagnostics.
    await client.request('textDocument/hover', { textDocument: { uri: u }, position: { line: 0, character: 0 } });
    const end = positionOf(head, 's = reduce_sum(near, ', 21);
    const r = items(await client.request('textDocument/completion', { textDocument: { uri: u }, position: end }));
    const labels = r.map((i) => i.label);
    expect(['top', 'twice', 'v0', 'v5999', 'near', 'axis=', 'keepdims='].filter((l) => !labels.includes(l))).toEqual([]);
    expect(r.find((i) => i.label === 'top')!.detail).toBe('tensor float32[2, 3]');
    expect(labels).not.toContain('s'); // the statement being typed
    const sig = await client.request<SignatureHelp>('textDocument/signatureHelp', { textDocument: { uri: u }, position: end });
    expect(sig.signatures[0].label).toBe('reduce_sum(input_tensor, axis=None, keepdims=False)');
    expect(sig.activeParameter).toBe(1);
    // Inside the call that spans two lines.
    const inner = await client.request<SignatureHelp>('textDocument/signatureHelp', {
      textDocument: { uri: u },
      position: positionOf(head, '    v1', 5),
    });
    expect(inner.signatures[0].label).toMatch(/^twice\(a, b\)/);
    expect(inner.activeParameter).toBe(1);
    await client.close(u);
  }, 60_000);

  it('offers statement keywords at the start of a line and attributes after a dot', async () => {
    const text = SEED + 'ch';
    const { uri: u } = tempDocument(text);
    await client.open(u, text);
    const r = items(await client.request('textDocument/completion', { textDocument: { uri: u }, position: { line: 11, character: 2 } }));
    expect(r.map((i) => i.label)).toEqual(expect.arrayContaining(['check', 'feed', 'assert']));
    const v = await client.change(u, SEED + 'n = x.');
    await client.diagnosticsFor(u, v);
    const attrs = items(
      await client.request('textDocument/completion', { textDocument: { uri: u }, position: { line: 11, character: 6 } }),
    );
    expect(attrs.map((i) => i.label)).toEqual(['shape', 'dtype', 'T', 'ndim']);
    await client.close(u);
  });
});

describe('navigation', () => {
  it('goes to the definition of a use', async () => {
    const loc = await client.request<Location>('textDocument/definition', { textDocument: doc, position: at('2 * dy_dx', 5) });
    expect(loc).toEqual({ uri, range: { start: at('dy_dx ='), end: at('dy_dx =', 5) } });
  });

  it('finds every reference of x, with and without the declaration', async () => {
    const refs = await client.request<Location[]>('textDocument/references', {
      textDocument: doc,
      position: at('x**2'),
      context: { includeDeclaration: true },
    });
    // x = placeholder, feed x, x**2, gradients(y, x), gradients(z, x), check gradients(z, x)
    expect(refs).toHaveLength(6);
    expect(refs.map((r) => r.range.start.line)).toEqual([2, 3, 4, 6, 7, 8]);
    const noDecl = await client.request<Location[]>('textDocument/references', {
      textDocument: doc,
      position: at('x**2'),
      context: { includeDeclaration: false },
    });
    expect(noDecl).toHaveLength(5);
  });

  it('renames a name and all its uses; refuses keywords, ops and dtypes', async () => {
    const prep = await client.request<{ range: unknown; placeholder: string }>('textDocument/prepareRename', {
      textDocument: doc,
      position: at('y = 2'),
    });
    expect(prep.placeholder).toBe('y');
    const edit = await client.request<WorkspaceEdit>('textDocument/rename', {
      textDocument: doc,
      position: at('y = 2'),
      newName: 'doubled',
    });
    const after = applyEdits(SEED, edit.changes![uri]);
    expect(after).toContain('doubled = 2 * x**2');
    expect(after).toContain('z = stack([doubled, doubled])');
    expect(after).toContain('dy_dx = gradients(doubled, x)[0]');
    expect(after).toContain("# twice as many z's"); // comments untouched
    expect(edit.changes![uri]).toHaveLength(4);

    await expect(client.request('textDocument/prepareRename', { textDocument: doc, position: at('stack(', 1) })).rejects.toThrow(
      /built-in op/,
    );
    await expect(client.request('textDocument/prepareRename', { textDocument: doc, position: at('float32', 2) })).rejects.toThrow(/dtype/);
    await expect(client.request('textDocument/prepareRename', { textDocument: doc, position: at('check', 2) })).rejects.toThrow(/keyword/);
    await expect(client.request('textDocument/prepareRename', { textDocument: doc, position: at('feed', 1) })).rejects.toThrow(/keyword/);
    await expect(client.request('textDocument/rename', { textDocument: doc, position: at('y = 2'), newName: 'z' })).rejects.toThrow(
      /already bound/,
    );
    await expect(
      client.request('textDocument/rename', { textDocument: doc, position: at('y = 2'), newName: 'reduce_sum' }),
    ).rejects.toThrow(/op/);
    await expect(client.request('textDocument/rename', { textDocument: doc, position: at('y = 2'), newName: '2y' })).rejects.toThrow(
      /not a valid name/,
    );
  });

  it('renames a function parameter within its def only', async () => {
    const text = 'a = 1.\ndef f(a, b) = a * b + a\nc = f(a, 2.)\n';
    const { uri: u } = tempDocument(text);
    await client.open(u, text);
    const edit = await client.request<WorkspaceEdit>('textDocument/rename', {
      textDocument: { uri: u },
      position: positionOf(text, 'a * b'),
      newName: 'p',
    });
    expect(applyEdits(text, edit.changes![u])).toBe('a = 1.\ndef f(p, b) = p * b + p\nc = f(a, 2.)\n');
    const global = await client.request<WorkspaceEdit>('textDocument/rename', {
      textDocument: { uri: u },
      position: { line: 0, character: 0 },
      newName: 'q',
    });
    expect(applyEdits(text, global.changes![u])).toBe('q = 1.\ndef f(a, b) = a * b + a\nc = f(q, 2.)\n');
    await client.close(u);
  });

  it('outlines placeholders, tensors, gradients and checks', async () => {
    const symbols = await client.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: doc });
    const brief = symbols.map((s) => `${s.name}|${s.kind}|${s.detail}`);
    expect(brief).toEqual([
      'x_dims|13|tensor int32[]',
      'x|8|placeholder float32[4, 3]',
      'y|13|tensor float32[4, 3]',
      'z|13|tensor float32[2, 4, 3]',
      'dy_dx|25|gradient float32[4, 3]',
      'dz_dx|25|gradient float32[4, 3]',
      expect.stringMatching(/^check gradients\(z, x\)\|24\|passed · max err \d/),
      'assert allclose(dz_dx, 2 * dy_dx)|24|passed',
    ]);
    const dz = symbols.find((s) => s.name === 'dz_dx')!;
    expect(dz.selectionRange).toEqual({ start: at('dz_dx ='), end: at('dz_dx =', 5) });
  });
});

describe('semantic tokens and folding', () => {
  it('sets placeholders, tensors, gradients, ops, dtypes and keywords apart', async () => {
    const tokens = await client.request<SemanticTokens>('textDocument/semanticTokens/full', { textDocument: doc });
    const legend = client.initializeResult!.capabilities.semanticTokensProvider!.legend;
    const decoded = decodeTokens(tokens.data, legend);
    const tokenAt = (needle: string, nth = 0) => {
      const p = at(needle, 0, nth);
      return decoded.find((t) => t.line === p.line && t.character === p.character);
    };
    expect(tokenAt('x = placeholder')).toMatchObject({ type: 'parameter', modifiers: ['declaration', 'placeholder'], length: 1 });
    expect(tokenAt('x**2')).toMatchObject({ type: 'parameter', modifiers: ['placeholder'] });
    expect(tokenAt('dz_dx =')).toMatchObject({ type: 'variable', modifiers: ['declaration', 'readonly', 'gradient'] });
    expect(tokenAt('y, y')).toMatchObject({ type: 'variable', modifiers: ['readonly'] });
    expect(tokenAt('placeholder(')).toMatchObject({ type: 'function', modifiers: ['defaultLibrary'], length: 11 });
    expect(tokenAt('float32')).toMatchObject({ type: 'type', modifiers: ['defaultLibrary'] });
    expect(tokenAt('feed')).toMatchObject({ type: 'keyword', length: 4 });
    expect(tokenAt('check')).toMatchObject({ type: 'keyword', length: 5 });
    const range = await client.request<SemanticTokens>('textDocument/semanticTokens/range', {
      textDocument: doc,
      range: { start: { line: 4, character: 0 }, end: { line: 4, character: 20 } },
    });
    expect(decodeTokens(range.data, legend).map((t) => t.line)).toEqual([4, 4]);
  });

  it('folds a multi-line call and comment blocks', async () => {
    const text =
      '# a comment\n# on two lines\nx = placeholder(float32, [None, 3])\nfeed x = [[1, 2, 3],\n          [4, 5, 6]]\ny = reduce_sum(\n    x,\n    axis=0,\n)\n';
    const { uri: u } = tempDocument(text);
    await client.open(u, text);
    const folds = await client.request<FoldingRange[]>('textDocument/foldingRange', { textDocument: { uri: u } });
    expect(folds).toEqual([
      { startLine: 0, endLine: 1, kind: 'comment' },
      { startLine: 3, endLine: 4 },
      { startLine: 5, endLine: 8 },
    ]);
    await client.close(u);
  });
});
