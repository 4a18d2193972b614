// After an edit of a feed (Analyzer.refeed: the graph kept, the values of the feed's
// dependents made again), an explanation is taken over when what it was made of is the same
// (the shapes along its path, the values it read), and made again otherwise. Either way it
// is the explanation a fresh analysis of the edited text gives.
import { describe, expect, it } from 'vitest';
import { analyze, type Analysis } from '../../engine/analysis';
import { type Explanation, explainSite, isExplained } from '../../engine/explain';
import { generatedChainFile } from '../../bench/editorScenarios';

function explainAll(a: Analysis): Explanation[] {
  return a.gradientSites.flatMap((site) => site.xs.map((_, i) => explainSite(a, site, i)));
}

function explainedCount(a: Analysis): number {
  return a.gradientSites.reduce((n, site) => n + site.xs.filter((_, i) => isExplained(a, site, i)).length, 0);
}

/** `before` analysed and explained, then `after` as its edit: how many of the edit's
 *  explanations were there before it explained anything, and its explanations beside those
 *  of a fresh analysis of `after`. */
function feedEdit(before: string, after: string) {
  const previous = analyze(before);
  const explainedBefore = explainAll(previous);
  const edited = analyze(after, { previous, cache: previous.valueCache });
  expect(edited.graph).toBe(previous.graph); // (the feed edit kept the graph)
  const kept = explainedCount(edited);
  return {
    kept,
    before: explainedBefore,
    edited: explainAll(edited),
    fresh: explainAll(analyze(after)),
    sites: edited.gradientSites.length,
  };
}

describe('explanations across feed edits', () => {
  it('a deep chain: every gradient is taken over, as a fresh analysis explains it', () => {
    const text = generatedChainFile(200, 50);
    const r = feedEdit(text, text.replace('seed=1', 'seed=7'));
    expect(r.sites).toBe(4);
    expect(r.kept).toBe(4);
    expect(r.edited).toEqual(r.fresh);
    expect(r.edited[0].method).toBe('exact');
    expect(r.edited[3].text).toMatch(/198 matmul ops \(lines 7–207\).*divide by the batch size 16 for the mean\.$/);
  });

  const routed = (feed: string) => `x = placeholder(float32, [None, 3])
feed x = ${feed}
w = variable([[0.5, -1.0], [0.25, 2.0], [-0.5, 1.0]])
y = reduce_max(x @ w, axis=1)
g = gradients(y, w)[0]
`;

  it('a maximum routes by the fed values: made again', () => {
    // The first feed's rows both peak in the second column of x @ w; the second's last row ties.
    const r = feedEdit(routed('[[1., 1., 1.], [2., 2., 2.]]'), routed('[[-9., 1., 1.], [-1., 0., -1.]]'));
    expect(r.kept).toBe(0);
    expect(r.edited).toEqual(r.fresh);
    expect(r.edited[0].text).not.toBe(r.before[0].text);
  });

  const gathered = (ids: string) => `x = placeholder(float32, [4, 3])
feed x = uniform([4, 3], seed=3)
ids = placeholder(int32, [3])
feed ids = ${ids}
w = variable(normal([3, 2], seed=3))
g = gradients(gather(x @ w, ids), x)[0]
`;

  it("a gather's fed indices: made again", () => {
    const r = feedEdit(gathered('[0, 2, 2]'), gathered('[0, 1, 3]'));
    expect(r.kept).toBe(0);
    expect(r.edited).toEqual(r.fresh);
    expect(r.edited[0].text).not.toBe(r.before[0].text);
  });

  const divided = (feed: string) => `x = placeholder(float32, [None, 3])
feed x = ${feed}
w = variable([[0.5, -1.0], [0.25, 2.0], [-0.5, 1.0]])
loss = reduce_sum(x @ w) / reduce_max(x)
g = gradients(loss, w)[0]
`;

  it('a division by a value of the feed (a mean when it is the batch size): made again', () => {
    const mean = '[[1., 2., 0.], [0., 1., 1.], [2., 0., 4.], [1., 1., 1.]]';
    const notMean = '[[1., 2., 0.], [0., 1., 1.], [2., 0., 5.], [1., 1., 1.]]';
    const r = feedEdit(divided(mean), divided(notMean));
    expect(r.kept).toBe(0);
    expect(r.edited).toEqual(r.fresh);
    expect(r.edited[0].advice).toBe('divide');
    expect(feedEdit(divided(notMean), divided(mean)).edited[0].advice).toBe('already-mean');
  });
});
