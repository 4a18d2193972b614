// "Open as graph" (PYTHON.md): the graph a script built, written as a .tgraph document that
// evaluates to the script's values, with its gradients as calls the explainer reads again.

import * as fs from 'fs';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { analyze, type Analysis } from '../../engine/analysis';
import { exportGraph } from '../../engine/export/graph';
import { openAsGraph } from '../../engine/api/openAsGraph';
import { explanationsJson } from '../../engine/explain';
import type { Tensor } from '../../engine/tensor';

const ROOT = path.resolve(__dirname, '..', '..');
const read = (...p: string[]) => fs.readFileSync(path.join(ROOT, ...p), 'utf8');
const analyse = (text: string, language: 'python' | 'tgraph' = 'python') => analyze(text, { language });

function valueOf(a: Analysis, name: string): Tensor | undefined {
  const b = a.lookup(name);
  return b && b.value.kind === 'tensor' ? a.valueOf(b.value.node) : undefined;
}

function statements(text: string): string[] {
  return text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
}

describe('Open as graph', () => {
  it("writes the seed's script as the graph it built: the run's feed, y, z and both gradients as calls", () => {
    const script = analyse(read('examples', 'python', 'answer_seeded.py'));
    const doc = exportGraph(script, { source: 'answer_seeded.py' });
    expect(statements(doc.text).slice(0, 7)).toEqual([
      'x_dims = 3',
      'batch_size = 4',
      'x = placeholder(float32, [None, 3])',
      'feed x = [[5.0, 0.0, 3.0], [3.0, 7.0, 9.0], [3.0, 5.0, 2.0], [4.0, 7.0, 6.0]]  # as fed by the run at line 13',
      'y = multiply(2.0, pow(x, 2.0))',
      'z = stack([y, y], axis=0)',
      'dy_dx = gradients(y, x)',
    ]);
    const graph = analyse(doc.text, 'tgraph');
    expect(graph.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    // The gradient is explained again, as in the script: each x reaches two elements of z.
    const explained = explanationsJson(graph).dz_dx as unknown as { fanOut: number[]; summedAxes: { origin: string }[] }[];
    expect(explained[0].fanOut).toEqual([2, 2]);
    expect(explained[0].summedAxes.map((a) => a.origin)).toEqual(['stack']);
    const dz = graph.lookup('dz_dx')!;
    expect(
      dz.value.kind === 'list' && dz.value.items[0].kind === 'tensor' && Array.from(graph.valueOf(dz.value.items[0].node)!.data),
    ).toEqual([5, 0, 3, 3, 7, 9, 3, 5, 2, 4, 7, 6].map((x) => 8 * x));
    expect(doc.valuesOnly).toBe(0);
  });

  it('a selection takes its statements and what they need, nothing after', () => {
    const text = read('examples', 'python', 'answer_seeded.py');
    const doc = openAsGraph('file:///w/answer_seeded.py', analyse(text), 7, 7); // z = tf.stack([y, y])
    expect(statements(doc.text).map((s) => s.split(' ')[0])).toEqual(['x', 'feed', 'y', 'z']);
    expect(doc.text).toContain('# answer_seeded.py (the selection), as a graph');
  });

  // Every example script and model: the document evaluates without errors, and every name it
  // shares with the script has the script's value (the document checks this itself and falls
  // back on a value; this test checks it from outside, on the names).
  const files = [
    ...fs.readdirSync(path.join(ROOT, 'examples', 'python')).map((f) => path.join('examples', 'python', f)),
    ...fs
      .readdirSync(path.join(ROOT, 'examples'))
      .filter((f) => f.endsWith('.tgraph'))
      .map((f) => path.join('examples', f)),
    ...fs
      .readdirSync(path.join(ROOT, 'test', 'fixtures', 'explain', 'models'))
      .map((f) => path.join('test', 'fixtures', 'explain', 'models', f)),
  ];
  it.each(files)('%s: the document reproduces the values it names', (file) => {
    const source = analyse(read(file), file.endsWith('.py') ? 'python' : 'tgraph');
    const doc = exportGraph(source);
    const graph = analyse(doc.text, 'tgraph');
    expect(graph.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([]);
    let compared = 0;
    for (const b of graph.bindings) {
      const original = b.value.kind === 'tensor' ? source.lookup(b.name) : undefined;
      // The script may rebind a name: compare only where the script's last binding is this one.
      if (!original || original.value.kind !== 'tensor' || b.value.kind !== 'tensor') continue;
      const want = source.valueOf(original.value.node);
      const got = graph.valueOf(b.value.node);
      if (!want || source.bindings.filter((x) => x.name === b.name).length > 1) continue;
      expect(got?.dtype, b.name).toBe(want.dtype);
      expect(got?.shape, b.name).toEqual(want.shape);
      const tolerance = want.dtype === 'float64' ? 1e-12 : 1e-6;
      Array.from(want.data as ArrayLike<number>).forEach((w, i) => {
        const g = Number(got!.data[i]);
        if (!(w === g || (w !== w && g !== g))) expect(Math.abs(w - g), `${b.name}[${i}]`).toBeLessThanOrEqual(tolerance * Math.abs(w));
      });
      compared++;
    }
    expect(compared).toBeGreaterThan(0);
  });

  it('names a deep chain every few levels instead of nesting it past what the parser takes', () => {
    const script = analyse(
      [
        'import tensorflow as tf',
        'h = tf.constant([[0.5, -0.25]])',
        'w = tf.Variable([[0.9, 0.1], [-0.2, 0.8]])',
        'for i in range(300):',
        '    h = tf.tanh(tf.matmul(h, w)) + 0.01 * h',
        'g = tf.gradients(tf.reduce_sum(h), w)',
      ].join('\n') + '\n',
    );
    const doc = exportGraph(script);
    const graph = analyse(doc.text, 'tgraph');
    expect(graph.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(doc.valuesOnly).toBe(0);
    expect(Math.max(...statements(doc.text).map((s) => s.split('(').length - 1))).toBeLessThanOrEqual(14);
    const g = graph.lookup('g')!;
    const want = script.lookup('g')!;
    const values = (a: Analysis, v: typeof g.value) =>
      v.kind === 'list' && v.items[0].kind === 'tensor' ? Array.from(a.valueOf(v.items[0].node)!.data) : [];
    expect(values(graph, g.value)).toEqual(values(script, want.value));
  });

  it("keeps a gradient call's stop_gradients and unconnected_gradients (TensorFlow's own example: [1, 1], not [3, 1])", () => {
    const source = analyse(
      "a = constant(0.)\nb = 2 * a\ng = gradients(a + b, [a, b], stop_gradients=[a, b])\nu = gradients(a, [a, constant(1.)], unconnected_gradients='zero')\n",
      'tgraph',
    );
    const doc = exportGraph(source);
    expect(doc.text).toContain('g = gradients(add(a, b), [a, b], stop_gradients=[a, b])');
    expect(doc.text).toContain("unconnected_gradients='zero'");
    expect(doc.valuesOnly).toBe(0);
    const graph = analyse(doc.text, 'tgraph');
    const g = graph.lookup('g')!.value;
    expect(g.kind === 'list' && g.items.map((v) => (v.kind === 'tensor' ? Array.from(graph.valueOf(v.node)!.data) : null))).toEqual([
      [1],
      [1],
    ]);
  });

  it('writes what it cannot spell as its value, and says so', () => {
    const script = analyse(read('examples', 'python', 'custom_gradient.py'));
    const doc = exportGraph(script);
    expect(doc.valuesOnly).toBeGreaterThan(0);
    expect(doc.notes.some((n) => /its value only \(`custom_gradient` cannot be written as a call/.test(n))).toBe(true);
    expect(doc.text).toMatch(/# its value only: `custom_gradient` cannot be written/);
    expect(analyse(doc.text, 'tgraph').diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('keeps dtypes a bare literal would lose, and renames names .tgraph reserves', () => {
    const script = analyse(
      'import numpy as np\nimport tensorflow as tf\nfeed = np.array([1, 2, 3])\nsoftmax = tf.constant([1.0, 2.0], dtype=tf.float64)\nout = tf.nn.softmax(softmax) * 2\n',
    );
    const doc = exportGraph(script);
    expect(statements(doc.text)).toEqual([
      'feed_2 = constant([1, 2, 3], dtype=int64)',
      'softmax_2 = constant([1.0, 2.0], dtype=float64)',
      'out = multiply(softmax(softmax_2, axis=-1), constant(2.0, dtype=float64))',
    ]);
    expect(valueOf(analyse(doc.text, 'tgraph'), 'out')?.dtype).toBe('float64');
  });
});
