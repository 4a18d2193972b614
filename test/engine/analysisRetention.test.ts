// What an analysis keeps alive: an editor's worker holds the latest analysis of each open
// document and hands it to the next as `previous`. Whether the next one takes it over (an edit
// near the end, or a feed's value) or starts from scratch, the analyses before the previous
// one must be collectable, or the worker's heap grows by a whole analysis per edit.
import { setFlagsFromString } from 'v8';
import { runInNewContext } from 'vm';
import { describe, expect, it } from 'vitest';
import { analyze, type Analysis } from '../../engine/analysis';

setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

const text = (seed: number, scale: number) =>
  [
    'x = placeholder(float32, [None, 4])',
    `feed x = uniform([3, 4], seed=${seed})`,
    'w = variable(uniform([4, 4], seed=2))',
    'h1 = tanh(x @ w)',
    'h2 = tanh(h1 @ w)',
    'g = gradients(reduce_sum(h2), w)',
    `loss = reduce_sum(h2 * ${scale})`,
  ].join('\n') + '\n';

/** Analyses the edits in order, each with the one before as `previous`; true when the first
 *  analysis was collected while the last is still held. */
async function firstCollected(edits: readonly string[]): Promise<boolean> {
  let previous: Analysis = analyze(edits[0]);
  const first = new WeakRef(previous);
  for (const edited of edits.slice(1)) previous = analyze(edited, { previous, cache: previous.valueCache });
  expect(previous.diagnostics).toEqual([]);
  // WeakRefs hold their target until the current job ends.
  await new Promise((resolve) => setTimeout(resolve, 0));
  collect();
  return first.deref() === undefined && previous.lookup('loss') !== undefined;
}

describe('an analysis does not keep the ones before its previous one', () => {
  it('after edits of the feed (each keeping the graph)', async () => {
    expect(await firstCollected([text(1, 1.5), text(3, 1.5), text(4, 1.5), text(5, 1.5)])).toBe(true);
  });

  it('after edits at the end (each taking over the previous one)', async () => {
    expect(await firstCollected([text(1, 1.5), text(1, 2.5), text(1, 3.5), text(1, 4.5)])).toBe(true);
  });
});

describe('an analysis does not keep the values of the one it was made from', () => {
  it('after an edit of the feed, the previous value of what depends on the feed is collectable', async () => {
    /** The analysis after a feed edit, and a reference to its previous analysis's value of h2. */
    const edited = (): { next: Analysis; old: WeakRef<object> } => {
      const previous = analyze(text(1, 1.5));
      const h2 = previous.lookup('h2')!;
      if (h2.value.kind !== 'tensor') throw new Error('h2');
      const old = new WeakRef(previous.valueOf(h2.value.node)!);
      return { next: analyze(text(3, 1.5), { previous, cache: previous.valueCache }), old };
    };
    const { next, old } = edited();
    expect(next.diagnostics).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 0));
    collect();
    expect(old.deref()).toBeUndefined();
    expect(next.lookup('h2')).toBeDefined();
  });
});
