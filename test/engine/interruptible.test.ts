// The worker's work between edits can be left for a newer text: an explanation stops at its
// next check (ExplainInterrupted, through every catch-all, nothing partial kept) and is made
// again whole.

import { describe, expect, it } from 'vitest';
import { analyze, type Analysis, type AnalysisOptions } from '../../engine/analysis';
import { explainedHover } from '../../engine/api/facts';
import { explanationsJson, isExplained } from '../../engine/explain';
import { ExplainInterrupted, interruptible } from '../../engine/explain/interrupt';
import { generatedChainFile } from '../../bench/editorScenarios';
import { generatedModelFile } from '../../bench/editor';

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
