// A feed edit that keeps the graph evaluates the feed's dependents through a prepared plan
// (engine/plan.ts). Whatever the plan does, the analysis must be the one made from scratch,
// bit for bit: every binding's value, the gradients, checks and diagnostics, NaN/Inf
// warnings appearing and going, kernel errors appearing and going. And its budgets hold: a
// feed edit that runs out of time or is cancelled still says so.
import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyze, type Analysis, type AnalysisOptions } from '../../engine/analysis';
import type { Node } from '../../engine/graph';
import type { Tensor } from '../../engine/tensor';
import { generatedChainFile } from '../../bench/editorScenarios';
import { aliasingChainFile } from '../support/aliasingChain';
import { planEvaluation } from '../../engine/plan';
import type { ConcreteType } from '../../engine/ops/registry';

function bits(t: Tensor | undefined): string {
  return t
    ? `${t.dtype}[${t.shape.join(',')}]:${Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString('hex')}`
    : 'none';
}

/** What an editor reads of an analysis, with every binding's value as its bytes. */
function comparable(a: Analysis): Record<string, unknown> {
  const values: string[] = [];
  for (const b of a.bindings) {
    const visit = (v: { kind: string; node?: Node; items?: unknown[] }) => {
      if (v.kind === 'tensor') values.push(`${b.name}:${v.node!.op.name}:${bits(a.valueOf(v.node!))}`);
      else if (v.kind === 'list') for (const item of v.items!) visit(item as typeof v);
    };
    visit(b.value);
  }
  return {
    diagnostics: a.diagnostics.map((d) => [d.span.start, d.span.end, d.severity, d.code, d.message]),
    values,
    checks: a.checks.map((c) => [c.passed, c.message, c.summary]),
    asserts: a.asserts.map((x) => [x.passed, x.message]),
  };
}

/** Each text in turn, as an edit of the previous analysis, against a full analysis: how many
 *  steps the edits computed through a plan, and of those in its slots. */
function editsMatch(texts: readonly string[], options: AnalysisOptions = {}, keepsGraph = true): { planned: number; slotted: number } {
  let previous = analyze(texts[0], options);
  void previous.valueCache;
  let planned = 0;
  let slotted = 0;
  for (const text of texts.slice(1)) {
    const graph = previous.graph;
    const edited = analyze(text, { ...options, previous, cache: previous.valueCache });
    if (keepsGraph) expect(edited.graph, text).toBe(graph);
    planned += edited.stats.planned ?? 0;
    slotted += edited.stats.slotted ?? 0;
    expect(comparable(edited), text).toEqual(comparable(analyze(text, options)));
    previous = edited;
    void previous.valueCache;
  }
  return { planned, slotted };
}

/** Each feed value in turn, as an edit of the previous analysis, against a full analysis. */
function feedEditsMatch(
  template: (feed: string) => string,
  feeds: readonly string[],
  options: AnalysisOptions = {},
  keepsGraph = true,
): number {
  return editsMatch(feeds.map(template), options, keepsGraph).planned;
}

describe('a feed edit evaluated through its plan equals a full analysis', () => {
  it('on a 200-layer chain with gradients, NaN and Inf appearing and going', () => {
    const chain = generatedChainFile(200, 50);
    const template = (feed: string) => chain.replace('feed x = uniform([16, 8], seed=1)', `feed x = ${feed}`);
    const planned = feedEditsMatch(template, [
      'uniform([16, 8], seed=1)',
      'uniform([16, 8], seed=2)',
      'uniform([16, 8], seed=3) * 3e38',
      'uniform([16, 8], seed=4)',
      '-uniform([16, 8], seed=5)',
      'uniform([16, 8], seed=5) * 0. + inf',
      'uniform([16, 8], seed=6)',
    ]);
    // Every edit ran the plan, and the plan computed the chain and its gradients.
    expect(planned).toBeGreaterThan(6 * 5000);
  });

  it('with views and aliases between the layers (reshape, transpose, indexing)', () => {
    const template = (feed: string) => aliasingChainFile(feed, 60);
    const planned = feedEditsMatch(template, ['uniform([6, 8], seed=1)', 'uniform([6, 8], seed=7)', 'uniform([6, 8], seed=8) * 2.']);
    expect(planned).toBeGreaterThan(1000);
  });

  it('a kernel error of a dependent appears and goes (said once, at its node)', () => {
    const template = (feed: string) =>
      [
        'i = placeholder(int32, [2])',
        `feed i = ${feed}`,
        't = constant([1., 2., 3.])',
        'y = gather(t, i)',
        'z = y * 2.',
        'k = reduce_sum(t * 3.)',
      ].join('\n') + '\n';
    feedEditsMatch(template, ['[0, 1]', '[0, 5]', '[2, 1]', '[7, 7]', '[1, 1]']);
    const failing = analyze(template('[0, 5]'), { previous: analyze(template('[0, 1]')) });
    expect(failing.diagnostics.filter((d) => d.severity === 'error')).toHaveLength(1);
  });
});

describe("a feed plan's slots give the values of a full analysis", () => {
  const chain = generatedChainFile(200, 50);
  const withFeed = (text: string, feed: string) => text.replace('feed x = uniform([16, 8], seed=1)', `feed x = ${feed}`);

  it('reused by edit after edit, over views of a reshaped feed', () => {
    const viewed = generatedChainFile(300, 50).replace('h0 = x', 'h0 = reshape(transpose(reshape(x, [8, 16])), [16, 8])');
    const feeds = [1, 2, 3, 4, 5].map((seed) => `reshape(uniform([128], seed=${seed}), [16, 8])`);
    const { planned, slotted } = editsMatch(feeds.map((feed) => withFeed(viewed, feed)));
    // Most of the chain's steps die in the plan: they ran in its slots, every edit.
    expect(slotted).toBeGreaterThan(planned / 2);
    expect(slotted).toBeGreaterThan(4 * 5000);
  });

  it('over kernels that may hand back their input or a view of it (transpose, indexing)', () => {
    const feeds = [1, 7, 8].map((seed) => `uniform([6, 8], seed=${seed})`);
    const { slotted } = editsMatch(feeds.map((feed) => aliasingChainFile(feed, 240)));
    expect(slotted).toBeGreaterThan(2 * 2000);
    // A split along an axis of unknown size checks the sizes in a node that hands back its
    // input's buffer without being declared a view.
    const split = chain.replace(/^h(\d*[13579]) = tanh\((h\d+) @ w0\)/gm, 'h$1 = concat(split(tanh($2 @ w0), 2, axis=0), axis=0)');
    expect(split).toContain('h9 = concat(split(');
    const splitRun = editsMatch([1, 2, 3].map((seed) => withFeed(split, `uniform([16, 8], seed=${seed})`)));
    expect(splitRun.slotted).toBeGreaterThan(2 * 5000);
  });

  it('in float64', () => {
    const wide = chain
      .replace('x = placeholder(float32, [None, 8])', 'x = placeholder(float64, [None, 8])')
      .replace('w0 = variable(uniform([8, 8], seed=2))', 'w0 = variable(cast(uniform([8, 8], seed=2), float64))');
    const feeds = [1, 2, 3].map((seed) => `cast(uniform([16, 8], seed=${seed}), float64)`);
    const { slotted } = editsMatch(feeds.map((feed) => withFeed(wide, feed)));
    expect(slotted).toBeGreaterThan(2 * 5000);
  });

  it('when the feed changes shape (the plan is not reused for the other shape)', () => {
    const feeds = [
      'uniform([16, 8], seed=1)',
      'uniform([16, 8], seed=2)',
      'uniform([4, 8], seed=3)',
      'uniform([4, 8], seed=4)',
      'uniform([16, 8], seed=5)',
      'uniform([16, 8], seed=6)',
    ];
    const { slotted } = editsMatch(
      feeds.map((feed) => withFeed(chain, feed)),
      {},
      false,
    );
    expect(slotted).toBeGreaterThan(3 * 5000);
  });

  it('with NaN appearing in the middle of the chain, in a value that dies in the plan and in a kept one', () => {
    // h3's square root is an intermediate value; r is a binding's. A feed far below zero makes
    // both NaN from finite inputs: the first cause and its range must be the full analysis's.
    const rooted = chain
      .replace('h3 = tanh(h2 @ w0) + 0.01 * h2', 'h3 = tanh(sqrt(h2 + 1.5) @ w0) + 0.01 * h2')
      .replace('h120 = tanh(h119 @ w0)', 'r = sqrt(h119 + 1.)\nh120 = tanh(h119 @ w0)');
    const feeds = [
      'uniform([16, 8], seed=1)',
      'uniform([16, 8], seed=2) - 1e4',
      'uniform([16, 8], seed=3)',
      'uniform([16, 8], seed=4) * -300.',
      'uniform([16, 8], seed=5)',
    ];
    const texts = feeds.map((feed) => withFeed(rooted, feed));
    const { slotted } = editsMatch(texts);
    expect(slotted).toBeGreaterThan(3 * 5000);
    const warned = analyze(texts[1]).diagnostics.filter((d) => d.code === 'non-finite');
    expect(warned.length).toBeGreaterThan(0);
    expect(warned[0].message).toMatch(/^sqrt produced NaN/);
  });

  it('on feed edits after a structural edit', () => {
    const texts = [
      withFeed(chain, 'uniform([16, 8], seed=1)'),
      withFeed(chain, 'uniform([16, 8], seed=2)'),
      withFeed(chain, 'uniform([16, 8], seed=3)'),
      withFeed(chain.replace('h100 = tanh(h99 @ w0) + 0.01 * h99', 'h100 = tanh(h99 @ w0) + 0.02 * h99'), 'uniform([16, 8], seed=3)'),
      withFeed(chain.replace('h100 = tanh(h99 @ w0) + 0.01 * h99', 'h100 = tanh(h99 @ w0) + 0.02 * h99'), 'uniform([16, 8], seed=4)'),
      withFeed(chain.replace('h100 = tanh(h99 @ w0) + 0.01 * h99', 'h100 = tanh(h99 @ w0) + 0.02 * h99'), 'uniform([16, 8], seed=5)'),
    ];
    const { slotted } = editsMatch(texts, {}, false);
    expect(slotted).toBeGreaterThan(3 * 5000);
  });
});

describe('a feed plan whose steps are computed before they run', () => {
  // A Jacobian's kernel evaluates its rows' graph, which shares nodes with a later binding's
  // gradient (1 - h^2 of tanh's): the kernel computes them through the document's evaluator
  // before the plan reaches them, and the plan must take those values, not compute them again.
  const template = (feed: string) =>
    [
      'x = placeholder(float32, [None, 4])',
      `feed x = ${feed}`,
      'w = variable(uniform([4, 4], seed=2))',
      'h = tanh(x @ w)',
      'j = jacobian(h, w)',
      'g = gradients(reduce_sum(h * h), w)',
      'l = log(1 - h * h)',
    ].join('\n') + '\n';

  it('equals a full analysis, each node computed once', () => {
    const feeds = ['uniform([3, 4], seed=1)', 'uniform([3, 4], seed=5) * 40', 'uniform([3, 4], seed=7)'];
    expect(feedEditsMatch(template, feeds)).toBeGreaterThan(0);
    let previous = analyze(template(feeds[0]));
    void previous.valueCache;
    for (const feed of feeds.slice(1)) {
      const edited = analyze(template(feed), { previous, cache: previous.valueCache });
      // Every node computed once: a step computed again after the kernel computed it would
      // be twice among the evaluator's computed nodes.
      expect(edited.stats.planned).toBeGreaterThan(0);
      const evaluator = (edited as unknown as { evaluator: { computed: readonly Node[] } }).evaluator;
      const computed = evaluator.computed;
      expect(computed.length).toBeGreaterThan(edited.stats.planned!);
      expect(new Set(computed).size).toBe(computed.length);
      previous = edited;
      void previous.valueCache;
    }
  });
});

describe('feed edits between structural edits', () => {
  // Two fed placeholders, a statement between x and its feed, and edits of every kind in
  // turn: the plan kept from before a structural edit (its groups before the edited
  // statement) and the dependents found before it must give the full analysis's values.
  const chain = generatedChainFile(160, 40)
    .replace('feed x = uniform([16, 8], seed=1)', 'k = 0.5\nfeed x = uniform([16, 8], seed=1)')
    .replace(
      'w0 = variable(uniform([8, 8], seed=2))',
      'w0 = variable(uniform([8, 8], seed=2))\ny = placeholder(float32, [None, 8])\nfeed y = uniform([16, 8], seed=3)',
    )
    .replace('h41 = tanh(h40 @ w0) + 0.01 * h40', 'h41 = tanh(h40 @ w0) + 0.01 * h40 + k * y');
  const apply = (text: string, from: string, to: string) => {
    expect(text, from).toContain(from);
    return text.replace(from, to);
  };

  it('at the start, between a placeholder and its feed, in the middle, at the end, of the other feed', () => {
    const edits: ((text: string) => string)[] = [];
    let seed = 1;
    const feed = (placeholder: 'x' | 'y') => (text: string) =>
      text.replace(
        new RegExp(`feed ${placeholder} = uniform\\(\\[16, 8\\], seed=\\d+\\)`),
        `feed ${placeholder} = uniform([16, 8], seed=${++seed + 10})`,
      );
    const structural = (from: string, to: string) => (text: string) => apply(text, from, to);
    edits.push(feed('x'), feed('x'));
    edits.push(structural('h100 = tanh(h99 @ w0) + 0.01 * h99', 'h100 = tanh(h99 @ w0) + 0.02 * h99'), feed('x'), feed('x'));
    edits.push(structural('h150 = tanh(h149 @ w0)', 'h150 = tanh(h149 @ w0 * 0.5)'), feed('x'));
    edits.push(structural('loss = reduce_sum(h160 * 1.5)', 'loss = reduce_sum(h160 * 2.5)'), feed('x'), feed('x'));
    edits.push(structural('k = 0.5', 'k = 0.25'), feed('x'));
    edits.push(structural('h20 = tanh(h19 @ w0) + 0.01 * h19', 'h20 = tanh(h19 @ w0) + 0.03 * h19'), feed('y'), feed('x'), feed('y'));
    edits.push(structural('h30 = tanh(h29 @ w0) + 0.01 * h29', 'h30 = tanh(h29 @ w0) + 0.04 * h29'), feed('x'));
    edits.push(structural('w0 = variable(uniform([8, 8], seed=2))', 'w0 = variable(uniform([8, 8], seed=5))'), feed('x'), feed('x'));
    const texts = [chain];
    for (const edit of edits) texts.push(edit(texts[texts.length - 1]));
    const { planned, slotted } = editsMatch(texts, {}, false);
    expect(planned).toBeGreaterThan(13 * 2000);
    expect(slotted).toBeGreaterThan(planned / 2);
  });

  it('when an edited statement starts with a node that depends on the feed where it started with one that did not', () => {
    const constantFirst = chain.replace('h100 = tanh(h99 @ w0) + 0.01 * h99', 'h100 = 0.5 * tanh(h99 @ w0) + 0.01 * h99');
    const fed = (text: string, seed: number) =>
      text.replace('feed x = uniform([16, 8], seed=1)', `feed x = uniform([16, 8], seed=${seed})`);
    editsMatch([constantFirst, fed(constantFirst, 2), fed(constantFirst, 3), fed(chain, 3), fed(chain, 4), fed(chain, 5)], {}, false);
  });

  it('in float64, with NaN appearing after the structural edit', () => {
    const wide = chain
      .replace('x = placeholder(float32, [None, 8])', 'x = placeholder(float64, [None, 8])')
      .replace('y = placeholder(float32, [None, 8])', 'y = placeholder(float64, [None, 8])')
      .replace('w0 = variable(uniform([8, 8], seed=2))', 'w0 = variable(cast(uniform([8, 8], seed=2), float64))')
      .replace('feed x = uniform([16, 8], seed=1)', 'feed x = cast(uniform([16, 8], seed=1), float64)')
      .replace('feed y = uniform([16, 8], seed=3)', 'feed y = cast(uniform([16, 8], seed=3), float64)')
      .replace('h3 = tanh(h2 @ w0)', 'h3 = tanh(sqrt(h2 + 1.5) @ w0)');
    const fedX = (text: string, value: string) => text.replace(/feed x = .*\n/, `feed x = ${value}\n`);
    const middle = (text: string) => text.replace('h80 = tanh(h79 @ w0) + 0.01 * h79', 'h80 = tanh(h79 @ w0) + 0.05 * h79');
    const texts = [
      wide,
      fedX(wide, 'cast(uniform([16, 8], seed=4), float64)'),
      middle(fedX(wide, 'cast(uniform([16, 8], seed=4), float64)')),
      middle(fedX(wide, 'cast(uniform([16, 8], seed=5), float64) - 1e4')),
      middle(fedX(wide, 'cast(uniform([16, 8], seed=6), float64)')),
      middle(fedX(wide, 'cast(uniform([4, 8], seed=6), float64)')),
      middle(fedX(wide, 'cast(uniform([4, 8], seed=7), float64)')),
    ];
    const { slotted } = editsMatch(texts, {}, false);
    expect(slotted).toBeGreaterThan(2 * 3000);
    expect(analyze(texts[3]).diagnostics.some((d) => d.code === 'non-finite')).toBe(true);
  });
});

describe("every example's feed edits equal full analyses", () => {
  const dir = path.join(__dirname, '../../examples');
  const examples = fs.readdirSync(dir).filter((f) => f.endsWith('.tgraph'));
  let planned = 0;
  it.each(examples)('%s', (file) => {
    const lines = fs.readFileSync(path.join(dir, file), 'utf8').split('\n');
    for (let at = 0; at < lines.length; at++) {
      const line = lines[at];
      if (!/^feed \w+ = /.test(line)) continue;
      // A random feed's seed, or a literal's first number (the shape stays): changed, made
      // large (Inf where it is float32), and back.
      const seeded = /seed=(\d+)/.exec(line);
      const pattern = seeded ? /seed=\d+/ : /\d+(\.\d*)?/;
      const first = seeded ? seeded[0] : pattern.exec(line.slice(line.indexOf('=')))?.[0];
      if (first === undefined) continue;
      const variants = seeded
        ? [first, `seed=${Number(seeded[1]) + 7}`, first]
        : first.includes('.')
          ? [first, `${(Number(first) + 1.5).toFixed(1)}`, '1e39', first]
          : [first, `${Number(first) + 3}`, first];
      const template = (value: string) => [...lines.slice(0, at), line.replace(pattern, value), ...lines.slice(at + 1)].join('\n');
      planned += feedEditsMatch(template, variants, {}, false);
    }
  });
  it('(some of them through a plan)', () => expect(planned).toBeGreaterThan(0));
});

describe('the time budget of a feed edit evaluated through its plan', () => {
  const chain = generatedChainFile(100, 50);
  const edited = chain.replace('seed=1)', 'seed=9)');

  it('a cancelled evaluation (a newer text waiting) stops with one diagnostic', () => {
    const previous = analyze(chain);
    let asked = 0;
    // Cancelled after the evaluation has asked a few times (every few nodes): in the middle.
    const a = analyze(edited, { previous, cache: previous.valueCache, cancelled: () => ++asked > 40 });
    expect(a.graph).toBe(previous.graph);
    expect(a.stats.planned).toBeGreaterThan(0);
    const stops = a.diagnostics.filter((d) => d.code === 'budget-time');
    expect(stops).toHaveLength(1);
    expect(a.diagnostics.filter((d) => d.severity === 'error')).toHaveLength(1);
    // The values before the stop are there, those after it are not.
    const valueOf = (name: string) => a.valueOf((a.lookup(name)!.value as { node: Node }).node);
    expect(valueOf('h1')).toBeDefined();
    expect(valueOf('loss')).toBeUndefined();
  });
});

describe('a feed plan, made in one walk over the nodes', () => {
  // Each step's inputs, type and view are found as the step is placed (engine/plan.ts): every
  // input must be the node's own input, an earlier step or an external, and every node that
  // depends on the feed and is needed must be a step, once.
  it("holds each step's inputs, type and view, on a 200-layer chain with gradients", () => {
    const a = analyze(generatedChainFile(200, 50));
    const nodes = a.graph.nodes;
    const placeholder = nodes.find((n) => n.op.name === 'placeholder')!;
    const recomputed = new Uint8Array(nodes.length);
    for (const node of nodes)
      if (node.inputs.some((i) => i === placeholder || (i.id < nodes.length && nodes[i.id] === i && recomputed[i.id] === 1)))
        recomputed[node.id] = 1;
    const groups = a.bindings.map((b) => {
      const group: Node[] = [];
      const visit = (v: { kind: string; node?: Node; items?: unknown[] }) => {
        if (v.kind === 'tensor') group.push(v.node!);
        else if (v.kind === 'list') for (const item of v.items!) visit(item as typeof v);
      };
      visit(b.value);
      return group;
    });
    const typeOf = (n: Node) => n.type as ConcreteType;
    const plan = planEvaluation(groups, recomputed, Infinity, typeOf)!;
    const { steps, inputs, inputsAt, externals, views, types, groupStarts } = plan;
    expect(plan.runnable).toBe(true);
    expect(new Set(steps).size).toBe(steps.length);
    expect(steps.every((s) => recomputed[s.id] === 1)).toBe(true);
    // Every needed dependent is a step: those reachable from the groups through dependents.
    const needed = new Set<Node>();
    const stack = groups.flat().filter((n) => recomputed[n.id] === 1);
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (needed.has(n)) continue;
      needed.add(n);
      for (const i of n.inputs) if (recomputed[i.id] === 1 && nodes[i.id] === i) stack.push(i);
    }
    expect(steps.length).toBe(needed.size);
    let viewsFound = 0;
    for (let k = 0; k < steps.length; k++) {
      const node = steps[k];
      expect(inputsAt[k + 1] - inputsAt[k]).toBe(node.inputs.length);
      for (let i = 0; i < node.inputs.length; i++) {
        const at = inputs[inputsAt[k] + i];
        if (at >= 0) {
          expect(at).toBeLessThan(k);
          expect(steps[at]).toBe(node.inputs[i]);
        } else {
          expect(externals[-1 - at]).toBe(node.inputs[i]);
          expect(recomputed[node.inputs[i].id]).toBe(0);
        }
      }
      expect(types[k]).toBe(node.type);
      const view = node.op.viewOf ? node.op.viewOf(node.inputs.map(typeOf), node.attrs, typeOf(node)) : -1;
      expect(views[k]).toBe(view);
      if (view >= 0) viewsFound++;
    }
    expect(viewsFound).toBeGreaterThan(0);
    expect(new Set(externals).size).toBe(externals.length);
    for (let g = 0; g < groups.length; g++) expect(groupStarts[g + 1]).toBeGreaterThanOrEqual(groupStarts[g]);
    expect(groupStarts[groups.length]).toBe(steps.length);
  });
});

describe('the first feed edit after a structural edit keeps the plan of the statements before it', () => {
  // The plan made by the feed edits before a structural edit keeps its groups of the bindings
  // the edit kept (engine/plan.ts, PlanPrefix): the first feed edit after it walks only the rest.
  // Its values, diagnostics and checks must be a full analysis's, bit for bit.
  const chain = generatedChainFile(200, 50);
  const fed = (text: string, seed: number) =>
    text.replace(/feed x = uniform\(\[(\d+), 8\], seed=\d+\)/, `feed x = uniform([$1, 8], seed=${seed})`);
  const replaced = (from: string, to: string) => (text: string) => {
    expect(text, from).toContain(from);
    return text.replace(from, to);
  };
  /** Feed edits, the structural edit, feed edits: each against a full analysis. The steps the
   *  first feed edit after the structural edit took from the plan before it. */
  function keptAcross(text: string, structural: (text: string) => string): { kept: number; planned: number } {
    const edited = structural(text);
    const texts = [text, fed(text, 2), fed(text, 3), fed(edited, 3), fed(edited, 4), fed(edited, 5)];
    let previous = analyze(texts[0]);
    void previous.valueCache;
    const kept: number[] = [];
    const planned: number[] = [];
    for (const t of texts.slice(1)) {
      const a = analyze(t, { previous, cache: previous.valueCache });
      expect(comparable(a), t).toEqual(comparable(analyze(t)));
      kept.push(a.stats.keptPlanSteps ?? 0);
      planned.push(a.stats.planned ?? 0);
      previous = a;
      void previous.valueCache;
    }
    // Only the first feed edit after the structural edit makes a plan from a kept one.
    expect([kept[0], kept[1], kept[2], kept[4]]).toEqual([0, 0, 0, 0]);
    return { kept: kept[3], planned: planned[3] };
  }

  it('an edit at the end keeps all of it but the last statement', () => {
    const { kept, planned } = keptAcross(chain, replaced('loss = reduce_sum(h200 * 1.5)', 'loss = reduce_sum(h200 * 2.5)'));
    expect(planned).toBeGreaterThan(5000);
    expect(kept).toBe(planned - 2); // the loss: a multiply and a sum
  });

  it('an edit in the middle keeps the steps of the statements before it', () => {
    const { kept, planned } = keptAcross(chain, replaced('h120 = tanh(h119 @ w0) + 0.01 * h119', 'h120 = tanh(h119 @ w0) + 0.02 * h119'));
    // h1..h119 and the gradients at 50 and 100 layers
    expect(kept).toBeGreaterThan(0.3 * planned);
    expect(kept).toBeLessThan(0.5 * planned);
  });

  it('a gradient deleted, or a statement inserted, before the readers of the feed', () => {
    keptAcross(chain, replaced('g100 = gradients(reduce_sum(h100), w0)\n', ''));
    keptAcross(
      chain,
      replaced('g150 = gradients(reduce_sum(h150), w0)\n', 'g150 = gradients(reduce_sum(h150 * h150), w0)\nz = h150 * 3.\n'),
    );
    const inserted = keptAcross(chain, replaced('h0 = x\n', 'h0 = x\nk = 0.5\n'));
    expect(inserted.kept).toBe(0);
  });

  it('a structural edit that changes the shape of a feed read before it', () => {
    // The feed after its readers: an edit of the loss and the feed's shape in one. The readers
    // before the loss were typed for the old shape: nothing of them may be kept (a feed that
    // acts on earlier statements is analysed anew; the plan also checks the feeds' shapes).
    const late = chain.replace('feed x = uniform([16, 8], seed=1)\n', '') + 'feed x = uniform([16, 8], seed=1)\n';
    const { kept } = keptAcross(late, (t) =>
      t.replace('loss = reduce_sum(h200 * 1.5)', 'loss = reduce_sum(h200 * 2.5)').replace('uniform([16, 8]', 'uniform([4, 8]'),
    );
    expect(kept).toBe(0);
  });
});
