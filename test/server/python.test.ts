// The language server on Python files (PYTHON.md, "In VS Code"): a script that imports
// TensorFlow gets hovers, inlay hints (with what print prints), lenses and diagnostics about
// what tgraph evaluated; a Python file without TensorFlow, or with tgraph.python.enabled off,
// gets nothing.

import * as fs from 'fs';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CodeLens, Hover, InlayHint, Location, MarkupContent, SemanticTokens } from 'vscode-languageserver-protocol/node';
import { LspClient, ROOT, ensureServerBuilt, positionOf, tempDocument } from './helpers';

// The seed's script with NumPy seeded: x is NumPy's stream for seed 0 (PYTHON.md's example).
const ANSWER = fs.readFileSync(path.join(ROOT, 'examples', 'python', 'answer_seeded.py'), 'utf8');
const X = [
  [5, 0, 3],
  [3, 7, 9],
  [3, 5, 2],
  [4, 7, 6],
];

const OUTSIDE = `import tensorflow as tf
class Net(tf.keras.Model):
    pass
model = Net()
out = model(tf.constant([1.0]))
w = tf.constant([[1.0, 2.0], [3.0, 4.0]])
bad = tf.matmul(w, tf.constant([1.0, 2.0, 3.0]))
with tf.Session() as sess:
    for i in range(2):
        print('step', i, sess.run(tf.reduce_sum(w)))
`;

const REBINDING = `import tensorflow as tf
a = tf.constant([1.0, 2.0])
b = a * 3
a = tf.constant([[1.0], [2.0]])
c = a + 1
`;

const PLAIN = `import numpy as np
x = np.array([1, 2, 3])
y = x.dot(x) +
print(y)
`;

let client: LspClient;
const answer = tempDocument(ANSWER, 'answer.py');
const outside = tempDocument(OUTSIDE, 'outside.py');
const rebinding = tempDocument(REBINDING, 'rebinding.py');
const plain = tempDocument(PLAIN, 'plain.py');

beforeAll(async () => {
  await ensureServerBuilt();
  client = await LspClient.start();
  await client.open(answer.uri, ANSWER, 'python');
}, 120_000);

afterAll(async () => {
  await client?.stop();
});

const hoverText = (h: Hover | null) => (h ? (h.contents as MarkupContent).value : '');
const hoverAt = async (uri: string, text: string, needle: string, delta = 0, nth = 0) =>
  hoverText(await client.request<Hover>('textDocument/hover', { textDocument: { uri }, position: positionOf(text, needle, delta, nth) }));
/** NumPy's layout of a float32 matrix of whole numbers: `[[40.  0. 24.]`. */
const row = (values: number[]) =>
  '[' + values.map((v) => `${v}.`.padStart(Math.max(...X.flat().map((x) => `${8 * x}.`.length)))).join(' ') + ']';

describe('a script that imports TensorFlow', () => {
  it('has no diagnostics when it runs cleanly', async () => {
    const d = await client.diagnosticsFor(answer.uri, 1);
    expect(d.diagnostics).toEqual([]);
  });

  it('hovers dz_dx with its meaning, explanation, the run it is from and the doubled values', async () => {
    const text = await hoverAt(answer.uri, ANSWER, 'dz_dx =', 2);
    expect(text).toContain('**dz_dx** · gradient');
    expect(text).toContain('∂(Σz)/∂x');
    expect(text).toMatch(/reaches 2 of them/);
    expect(text).toContain('value from `sess.run` at line 13');
    // dz/dx = d(Σ 2·2x²)/dx = 8x, for NumPy's seed-0 stream.
    expect(text).toContain('[' + row(X[0].map((x) => 8 * x)));
    expect(text).toContain('dz_dx = tf.gradients(z,x)');
  });

  it('hovers a use of a name like its definition, and a sess.run result as a NumPy value', async () => {
    const use = await hoverAt(answer.uri, ANSWER, 'dz_dx]', 1);
    expect(use).toContain('**dz_dx** · gradient');
    const fetched = await hoverAt(answer.uri, ANSWER, 'x_val =', 1);
    expect(fetched).toContain('**x_val**');
    expect(fetched).toContain('[[5 0 3]');
  });

  it('shows each print as an inline hint at the end of its line, and the shapes', async () => {
    const hints = await client.request<InlayHint[]>('textDocument/inlayHint', {
      textDocument: { uri: answer.uri },
      range: { start: { line: 0, character: 0 }, end: { line: 100, character: 0 } },
    });
    const label = (h: InlayHint) => (typeof h.label === 'string' ? h.label : h.label.map((p) => p.value).join(''));
    const printLine = positionOf(ANSWER, "print('x.shape ='").line;
    const printHint = hints.find((h) => h.position.line === printLine && label(h).startsWith('▷'));
    expect(printHint && label(printHint)).toBe('▷ x.shape = (4, 3)');
    expect(printHint!.position.character).toBe(ANSWER.split('\n')[printLine].length);
    const dz = hints.find((h) => h.position.line === positionOf(ANSWER, "print('dz/dx").line && label(h).startsWith('▷'));
    expect(dz && label(dz)).toBe(`▷ dz/dx = [${X.map((r) => row(r.map((x) => 8 * x))).join(' ')}]`);
    expect(hints.some((h) => h.position.line === positionOf(ANSWER, 'x = tf.placeholder').line && label(h) === ': float32[4, 3]')).toBe(
      true,
    );
  });

  it('puts "Explain sum" over each gradient statement, and it explains with the run\'s feeds', async () => {
    const lenses = await client.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri: answer.uri } });
    const line = positionOf(ANSWER, 'dz_dx =').line;
    const on = (l: number) => lenses.filter((x) => x.range.start.line === l).map((x) => x.command?.title);
    expect(on(line)).toEqual(['Compute gradients', 'Explain sum']);
    expect(on(positionOf(ANSWER, 'dy_dx =').line)).toEqual(['Compute gradients', 'Explain sum']);
    expect(lenses).toHaveLength(4);
    const r = await client.request<{ explanations: { meaning: string; ysElements: number; fanOut: number[]; text: string }[] }>(
      'tgraph/explain',
      { uri: answer.uri, line },
    );
    expect(r.explanations).toHaveLength(1);
    expect(r.explanations[0]).toMatchObject({ meaning: '∂(Σz)/∂x', ysElements: 24, fanOut: [2, 2] });
    const g = await client.request<{ gradients: { json: { data: number[] } }[] }>('tgraph/computeGradients', { uri: answer.uri, line });
    expect(g.gradients[0].json.data).toEqual(X.flat().map((x) => 8 * x));
  });

  it('"Open as graph": the selected statements as a .tgraph document, with the feeds of the run', async () => {
    const first = positionOf(ANSWER, 'z = tf.stack').line;
    const last = positionOf(ANSWER, 'dz_dx =').line;
    const r = await client.request<{ text: string; computed: number; valuesOnly: number }>('tgraph/openAsGraph', {
      uri: answer.uri,
      line: first,
      endLine: last,
    });
    const statements = r.text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    expect(statements).toEqual([
      'x = placeholder(float32, [None, 3])',
      `feed x = [${X.map((xs) => `[${xs.map((v) => `${v}.0`).join(', ')}]`).join(', ')}]  # as fed by the run at line 13`,
      'y = multiply(2.0, pow(x, 2.0))',
      'z = stack([y, y], axis=0)',
      'dy_dx = gradients(y, x)',
      'dz_dx = gradients(z, x)',
    ]);
    expect(r.valuesOnly).toBe(0);
    // Any LSP client: the command with [uri, line, endLine] answers the same.
    const viaCommand = await client.request<{ text: string }>('workspace/executeCommand', {
      command: 'tgraph.openAsGraph',
      arguments: [answer.uri, first, last],
    });
    expect(viaCommand.text).toBe(r.text);
  });

  it('gives no semantic tokens, completion or rename: the Python extension owns those', async () => {
    const tokens = await client.request<SemanticTokens>('textDocument/semanticTokens/full', { textDocument: { uri: answer.uri } });
    expect(tokens.data).toEqual([]);
    const completion = await client.request<unknown[]>('textDocument/completion', {
      textDocument: { uri: answer.uri },
      position: positionOf(ANSWER, 'tf.stack', 3),
    });
    expect(completion).toEqual([]);
    expect(
      await client.request('textDocument/prepareRename', { textDocument: { uri: answer.uri }, position: positionOf(ANSWER, 'dz_dx =') }),
    ).toBeNull();
  });
});

describe('outside the subset', () => {
  beforeAll(async () => {
    await client.open(outside.uri, OUTSIDE, 'python');
  }, 60_000);

  it('has one information diagnostic for the class, the shape error, and nothing for what depends on the class', async () => {
    const d = (await client.diagnosticsFor(outside.uri, 1)).diagnostics;
    const at = (needle: string) => positionOf(OUTSIDE, needle).line;
    expect(d.map((x) => [x.range.start.line, x.severity])).toEqual([
      [at('class Net'), 3],
      [at('bad ='), 1],
    ]);
    expect(d[0].message).toMatch(/not evaluated/);
    expect(d[1].message).toMatch(/matmul/);
    expect(d[1].range.start).toEqual(positionOf(OUTSIDE, 'tf.matmul(w, ', 'tf.matmul(w, '.length));
  });

  it('says on a skipped name what it depends on', async () => {
    const text = await hoverAt(outside.uri, OUTSIDE, 'out =');
    expect(text).toContain("not evaluated: depends on `Net`, which is outside tgraph's subset (line 2)");
  });

  it('shows a print in a loop with each of its outputs', async () => {
    const hints = await client.request<InlayHint[]>('textDocument/inlayHint', {
      textDocument: { uri: outside.uri },
      range: { start: { line: 0, character: 0 }, end: { line: 100, character: 0 } },
    });
    const p = hints.find((h) => h.position.line === positionOf(OUTSIDE, 'print(').line);
    expect(p?.label).toBe('▷ step 0 10.0 | step 1 10.0');
  });
});

describe('names by binding version', () => {
  beforeAll(async () => {
    await client.open(rebinding.uri, REBINDING, 'python');
  }, 60_000);

  it("goes from a use to the binding live at that line, and lists each version's own uses", async () => {
    const first = positionOf(REBINDING, 'a = tf.constant([1.0');
    const second = positionOf(REBINDING, 'a = tf.constant([[');
    const def1 = await client.request<Location>('textDocument/definition', {
      textDocument: { uri: rebinding.uri },
      position: positionOf(REBINDING, 'a * 3'),
    });
    expect(def1.range.start).toEqual(first);
    const def2 = await client.request<Location>('textDocument/definition', {
      textDocument: { uri: rebinding.uri },
      position: positionOf(REBINDING, 'a + 1'),
    });
    expect(def2.range.start).toEqual(second);
    const refs = await client.request<Location[]>('textDocument/references', {
      textDocument: { uri: rebinding.uri },
      position: first,
      context: { includeDeclaration: true },
    });
    expect(refs.map((r) => r.range.start)).toEqual([first, positionOf(REBINDING, 'a * 3')]);
    expect(await hoverAt(rebinding.uri, REBINDING, 'a + 1')).toContain('float32[2, 1]');
    expect(await hoverAt(rebinding.uri, REBINDING, 'a * 3')).toContain('float32[2]');
  });
});

describe('a Python file tgraph leaves alone', () => {
  it('gets nothing without a TensorFlow import: no diagnostics, hovers, hints or lenses', async () => {
    await client.openOnly(plain.uri, PLAIN, 'python');
    const doc = { textDocument: { uri: plain.uri } };
    expect(await client.request('textDocument/hover', { ...doc, position: positionOf(PLAIN, 'x =') })).toBeNull();
    expect(await client.request('textDocument/codeLens', doc)).toEqual([]);
    expect(
      await client.request('textDocument/inlayHint', {
        ...doc,
        range: { start: { line: 0, character: 0 }, end: { line: 9, character: 0 } },
      }),
    ).toEqual([]);
    // A tgraph document opened after it is analysed (so anything for plain.py was sent first).
    const after = tempDocument('a = constant(1.0)\n', 'after.tgraph');
    await client.open(after.uri, 'a = constant(1.0)\n');
    expect(client.diagnostics.get(plain.uri) ?? []).toEqual([]);
  });

  it('drops what it showed when the TensorFlow import goes', async () => {
    const text = 'import tensorflow as tf\nw = tf.matmul(tf.ones([2, 2]), tf.ones([3]))\n';
    const edited = tempDocument(text, 'edited.py');
    const before = await client.open(edited.uri, text, 'python');
    expect(before.diagnostics).toHaveLength(1);
    await client.change(edited.uri, text.replace('import tensorflow as tf\n', 'import numpy as tf\n'));
    await client.until(
      () => (client.diagnostics.get(edited.uri) ?? []).at(-1)?.diagnostics.length === 0 || undefined,
      'the diagnostics cleared',
    );
    expect(
      await client.request('textDocument/hover', { textDocument: { uri: edited.uri }, position: { line: 1, character: 0 } }),
    ).toBeNull();
  });

  it("drops a script's diagnostics when tgraph.python.enabled is turned off, and shows them again when it is turned on", async () => {
    const text = 'import tensorflow as tf\nw = tf.matmul(tf.ones([2, 2]), tf.ones([3]))\n';
    const toggled = tempDocument(text, 'toggled.py');
    expect((await client.open(toggled.uri, text, 'python')).diagnostics).toHaveLength(1);
    const latest = () => (client.diagnostics.get(toggled.uri) ?? []).at(-1)?.diagnostics.length;
    const publications = () => (client.diagnostics.get(toggled.uri) ?? []).length;
    try {
      client.settings = { python: { enabled: false } };
      await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: {} });
      await client.until(() => latest() === 0 || undefined, 'the diagnostics cleared');
      const cleared = publications();
      client.settings = null;
      await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: {} });
      await client.until(() => (publications() > cleared && latest() === 1) || undefined, 'the diagnostics back');
    } finally {
      client.settings = null;
    }
  });

  it('gets nothing with tgraph.python.enabled off', async () => {
    // As VS Code's client gives them: at start (initializationOptions), and when asked.
    const settings = { python: { enabled: false } };
    const off = await LspClient.start({ settings, initializationOptions: { settings } });
    try {
      const other = tempDocument(ANSWER, 'off.py');
      await off.openOnly(other.uri, ANSWER, 'python');
      expect(
        await off.request('textDocument/hover', { textDocument: { uri: other.uri }, position: positionOf(ANSWER, 'dz_dx =') }),
      ).toBeNull();
      expect(await off.request('textDocument/codeLens', { textDocument: { uri: other.uri } })).toEqual([]);
      expect(off.diagnostics.get(other.uri) ?? []).toEqual([]);
    } finally {
      await off.stop();
    }
  }, 60_000);
});
