// The worker's work between edits can be left for a newer text: an explanation stops at its
// next check (ExplainInterrupted, through every catch-all, nothing partial kept) and is made
// again whole; the table of values by key is made in slices, and an edit arriving before it
// is done is analysed with the part made.

import { describe, expect, it } from 'vitest';
import { analyze, analyzeInStages, type Analysis, type AnalysisOptions } from '../../engine/analysis';
import { explainedHover } from '../../engine/api/facts';
import { explanationsJson, isExplained } from '../../engine/explain';
import { ExplainInterrupted, interruptible } from '../../engine/explain/interrupt';
import { generatedChainFile } from '../../bench/editorScenarios';
import { generatedModelFile } from '../../bench/editor';
import type { Node } from '../../engine/graph';

/** Without a clock, so that a loaded machine explains as much as a quiet one. */
const OPTIONS: AnalysisOptions = { explainTimeoutMs: 3_600_000, evaluationTimeoutMs: 3_600_000 };

/** The bindings' indices (snapshot targets) of the gradients of `a`. */
function gradientTargets(a: Analysis): number[] {
  return a.bindings.flatMap((b, i) => (b.gradient ? [i] : []));
}

/** How many times an explanation of `target` asks whether to stop. */
function checksOf(text: string, target: number): number {
  const a = analyze(text, OPTIONS);
  let checks = 0;
  interruptible(
    () => (checks++, false),
    () => explainedHover(a, target),
  );
  return checks;
}

describe('an explanation interrupted by a newer text', () => {
  // The blocks file's gradients reach x and w through softmax, stack, reduce_max, concat; the
  // chain's through 1,000 layers (a path of 5,000 nodes for its last gradient).
  const files = { chain: generatedChainFile(200, 50), blocks: generatedModelFile(300) };

  for (const [name, text] of Object.entries(files)) {
    it(`is made again whole and equals an uninterrupted one (${name})`, () => {
      const reference = analyze(text, OPTIONS);
      const targets = gradientTargets(reference);
      expect(targets.length).toBeGreaterThanOrEqual(3);
      const expected = targets.map((t) => explainedHover(reference, t));
      // The first, a middle and the last gradient, each stopped at its first, a middle and its
      // last check (counted on an analysis of its own: explaining one gradient memoises
      // readings that the others then skip), then made again without interruption.
      let interrupted = 0;
      for (const target of new Set([targets[0], targets[targets.length >> 1], targets.at(-1)!])) {
        const checks = checksOf(text, target);
        expect(checks).toBeGreaterThan(0);
        for (const stopAt of new Set([1, Math.ceil(checks / 2), checks])) {
          const a = analyze(text, OPTIONS);
          let asked = 0;
          expect(() =>
            interruptible(
              () => ++asked >= stopAt,
              () => explainedHover(a, target),
            ),
          ).toThrow(ExplainInterrupted);
          interrupted++;
          // The x it was explaining was not kept (an x explained before it, whole, may be).
          const site = a.bindings[target].gradient!;
          expect(site.xs.every((_, x) => isExplained(a, site, x))).toBe(false);
          expect(explainedHover(a, target)).toBe(expected[targets.indexOf(target)]);
          if (stopAt === checks) {
            for (const t of targets) explainedHover(a, t);
            expect(explanationsJson(a)).toEqual(explanationsJson(reference));
          }
        }
      }
      expect(interrupted).toBeGreaterThanOrEqual(5);
    });
  }

  it('is not interrupted by a check that never says so, nor outside `interruptible`', () => {
    const text = files.chain;
    const a = analyze(text, OPTIONS);
    const target = gradientTargets(a).at(-1)!;
    const once = interruptible(
      () => false,
      () => explainedHover(a, target),
    );
    expect(once).toBe(explainedHover(analyze(text, OPTIONS), target));
  });
});

describe('the table of values by key made in slices', () => {
  const files = { chain: generatedChainFile(300, 50), blocks: generatedModelFile(400) };

  for (const [name, text] of Object.entries(files)) {
    it(`equals the one made at once (${name})`, () => {
      const atOnce = analyze(text, OPTIONS);
      const whole = atOnce.valueCache;
      const sliced = analyze(text, OPTIONS);
      let slices = 0;
      while (!sliced.prepareValueCache!(() => true)) slices++;
      expect(slices).toBeGreaterThan(5);
      const table = sliced.valueCache;
      expect(table.size).toBe(whole.size);
      expect(table.size).toBeGreaterThan(0);
      // Keys are content keys: a node of one analysis finds its twin's value in the other's table.
      const found = new Set<unknown>();
      atOnce.graph.nodes.forEach((n, i) => {
        const twin = sliced.graph.nodes[i];
        expect(twin.op.name).toBe(n.op.name);
        if (!n.keyed) return;
        const mine = whole.get(n.keyHash1, n.keyHash2);
        expect([twin.keyHash1, twin.keyHash2]).toEqual([n.keyHash1, n.keyHash2]);
        const theirs = table.get(twin.keyHash1, twin.keyHash2);
        expect(theirs === undefined).toBe(mine === undefined);
        if (mine && theirs) {
          expect(theirs.shape).toEqual(mine.shape);
          expect(Array.from(theirs.data)).toEqual(Array.from(mine.data));
          found.add(mine);
        }
      });
      expect(found.size).toBe(whole.size);
    });
  }

  it('half made, serves an edit at the end as a whole one does (fewer values reused, none wrong)', () => {
    const text = generatedChainFile(300, 50);
    const lines = text.split('\n');
    const last = lines.length - 2;
    lines[last] = lines[last].replace(/\d+\.\d/, '2.5');
    const editedText = lines.join('\n');
    const fresh = analyze(editedText, OPTIONS);

    const previous = analyze(text, OPTIONS);
    let slices = 0;
    while (slices < 20 && !previous.prepareValueCache!(() => true)) slices++;
    expect(slices).toBe(20);
    const partial = previous.valueCacheSoFar!;
    const edited = analyzeInStages(editedText, { ...OPTIONS, previous, cache: partial }).finish();
    expect(edited.diagnostics).toEqual(fresh.diagnostics);
    for (const b of fresh.bindings) {
      const mine = edited.lookup(b.name)!;
      if (b.value.kind !== 'tensor' || mine.value.kind !== 'tensor') continue;
      expect(Array.from(edited.valueOf(mine.value.node)!.data)).toEqual(Array.from(fresh.valueOf(b.value.node)!.data));
    }
    // Its own table goes on with the walk left unfinished (not from the start), holds the
    // values of a whole table made after the same edit, and serves the next edit as well.
    let editedSlices = 0;
    while (!edited.prepareValueCache!(() => true)) editedSlices++;
    const whole = analyze(text, OPTIONS);
    let wholeSlices = 0;
    while (!whole.prepareValueCache!(() => true)) wholeSlices++;
    expect(editedSlices).toBeLessThanOrEqual(wholeSlices - slices + 2);
    const editedWhole = analyzeInStages(editedText, { ...OPTIONS, previous: whole, cache: whole.valueCache }).finish();
    const table = edited.valueCache;
    let same = 0;
    for (const n of editedWhole.graph.nodes) {
      const theirs = n.keyed ? editedWhole.valueCache.get(n.keyHash1, n.keyHash2) : undefined;
      const mine = theirs && table.get(n.keyHash1, n.keyHash2);
      if (!mine) continue;
      expect(Array.from(mine.data)).toEqual(Array.from(theirs.data));
      same++;
    }
    expect(same).toBeGreaterThan(0.9 * editedWhole.valueCache.size);
    lines[last] = lines[last].replace(/\d+\.\d/, '3.5');
    const again = analyzeInStages(lines.join('\n'), { ...OPTIONS, previous: edited, cache: edited.valueCache }).finish();
    const freshAgain = analyze(lines.join('\n'), OPTIONS);
    expect(again.diagnostics).toEqual(freshAgain.diagnostics);
    expect(Array.from(again.valueOf((again.lookup('loss')!.value as { node: Node }).node)!.data)).toEqual(
      Array.from(freshAgain.valueOf((freshAgain.lookup('loss')!.value as { node: Node }).node)!.data),
    );
  });
});
