// The document's evaluation keeps only its bindings' values: every other value is released
// once the nodes that read it have run, and its buffer holds a later result. Whatever is
// released, the values must be those of an evaluation that keeps everything, bit for bit:
// the bindings', a released intermediate's asked for afterwards, and after incremental edits
// (the middle of the file, its feed) that take the previous analysis over.
import { describe, expect, it } from 'vitest';
import { analyze, type Analysis } from '../../engine/analysis';
import { Evaluator, DEFAULT_BUDGET } from '../../engine/evaluate';
import type { Node } from '../../engine/graph';
import type { Tensor } from '../../engine/tensor';
import { generatedChainFile } from '../../bench/editorScenarios';
import { aliasingChainFile } from '../support/aliasingChain';

/** A fresh evaluator of the analysis's graph with its feeds, which releases nothing. */
function keepingEverything(a: Analysis): Evaluator {
  return new Evaluator({ precision: 'float32', feeds: a.feeds, budget: { ...DEFAULT_BUDGET, deadline: Date.now() + 60_000 } });
}

function bits(t: Tensor | undefined): number[] | undefined {
  return t && [...new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength)];
}

function bindingNodes(a: Analysis): Node[] {
  const nodes: Node[] = [];
  const visit = (v: { kind: string; node?: Node; items?: unknown[] }) => {
    if (v.kind === 'tensor') nodes.push(v.node!);
    else if (v.kind === 'list') for (const item of v.items!) visit(item as typeof v);
  };
  for (const b of a.bindings) visit(b.value);
  return nodes;
}

/** Every binding's value equals, bit for bit, a keep-everything evaluation's. */
function expectBindingsAsKeptEvaluation(a: Analysis): void {
  const reference = keepingEverything(a);
  const nodes = bindingNodes(a);
  expect(nodes.length).toBeGreaterThan(10);
  for (const n of nodes) {
    const got = a.valueOf(n);
    expect(got, n.label).toBeDefined();
    expect(bits(got), n.label).toEqual(bits(reference.valueOf(n)));
  }
}

const aliasing = (seed: number) => aliasingChainFile(`uniform([6, 8], seed=${seed})`);

describe('the document evaluation releases the values nobody reads', () => {
  it('keeps the bindings of a 300-layer chain as an evaluation that keeps everything, and few other values', () => {
    const a = analyze(generatedChainFile(300, 50));
    expect(a.diagnostics).toEqual([]);
    expectBindingsAsKeptEvaluation(a);
    // The unnamed intermediates (most of the graph: the gradients' nodes) are not held.
    const evaluator = (a as unknown as { evaluator: Evaluator }).evaluator;
    const intermediates = a.graph.nodes.filter((n) => n.label === undefined && n.inputs.length > 0);
    const held = intermediates.filter((n) => evaluator.peek(n) !== undefined).length;
    expect(intermediates.length).toBeGreaterThan(10_000);
    expect(held).toBeLessThan(intermediates.length / 10);
    // A released value asked for afterwards is computed again, the same.
    const reference = keepingEverything(a);
    for (const n of intermediates.filter((_, i) => i % 997 === 0)) expect(bits(a.valueOf(n))).toEqual(bits(reference.valueOf(n)));
  });

  it('keeps the values that depend on no feed: the next analysis reuses them whatever the edit', () => {
    // (each layer's `w0 * 0.5` depends on no feed)
    const a = analyze(generatedChainFile(300, 50).replace(/@ w0\)/g, '@ (w0 * 0.5))'));
    expect(a.diagnostics).toEqual([]);
    const evaluator = (a as unknown as { evaluator: Evaluator }).evaluator;
    const intermediates = a.graph.nodes.filter((n) => n.label === undefined && n.inputs.length > 0);
    expect(intermediates.length).toBeGreaterThan(4096);
    const constants = intermediates.filter((n) => n.constant);
    expect(constants.length).toBeGreaterThanOrEqual(300);
    expect(constants.filter((n) => evaluator.peek(n) === undefined)).toEqual([]);
    expect(intermediates.filter((n) => evaluator.peek(n) !== undefined).length).toBeLessThan(intermediates.length / 4);
  });

  it('gives the same values through buffers held by two values (reshapes, transposes, indexing)', () => {
    const a = analyze(aliasing(1));
    expect(a.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expectBindingsAsKeptEvaluation(a);
  });

  it('gives the same values after edits of the middle and of the feed that take the analysis over', () => {
    let previous = analyze(aliasing(1));
    void previous.valueCache;
    const lines = aliasing(1).split('\n');
    const middle = lines.findIndex((l) => l.startsWith('h61 ='));
    const edits = [
      [...lines.slice(0, middle), lines[middle].replace('0.01', '0.02'), ...lines.slice(middle + 1)].join('\n'),
      aliasing(3),
      aliasing(3).replace('loss = reduce_sum(h120)', 'loss = reduce_sum(h120 * 2.0)'),
    ];
    for (const text of edits) {
      const next = analyze(text, { previous, cache: previous.valueCache });
      expect(next.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      expectBindingsAsKeptEvaluation(next);
      previous = next;
      void previous.valueCache;
    }
  });
});
