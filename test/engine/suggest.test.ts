// "Did you mean": engine/suggest.ts prunes candidates (by length, by a signature of their
// characters, by a band around the diagonal of the edit-distance table) for speed. These
// tests hold it to the plain rule its header states, computed the slow way: the candidate at
// the smallest case-insensitive Levenshtein distance (0.5 for a difference of case only),
// within max(1, min(3, floor(len / 3))), ties to the shorter candidate, then the earlier.

import { describe, expect, it } from 'vitest';
import { closest, didYouMean } from '../../engine/suggest';
import { Rng } from '../support/engine';

function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

function reference(word: string, candidates: readonly string[]): string | undefined {
  const limit = Math.max(1, Math.min(3, Math.floor(word.length / 3)));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    if (c === word) continue;
    const d = c.toLowerCase() === word.toLowerCase() ? 0.5 : levenshtein(word.toLowerCase(), c.toLowerCase());
    if (d > limit) continue;
    if (d < bestDistance || (d === bestDistance && best !== undefined && c.length < best.length)) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

const ALPHABET = 'abcdeABxyz_019';

function randomName(rng: Rng, maxLength: number): string {
  const n = 1 + rng.int(0, maxLength);
  let s = '';
  for (let i = 0; i < n; i++) s += ALPHABET[rng.int(0, ALPHABET.length)];
  return s;
}

/** A word near `base`: a few random edits (substitute, insert, delete, change case). */
function typo(rng: Rng, base: string): string {
  let s = base;
  for (let k = rng.int(0, 4); k > 0; k--) {
    const i = rng.int(0, s.length + 1);
    const c = ALPHABET[rng.int(0, ALPHABET.length)];
    switch (rng.int(0, 4)) {
      case 0:
        s = s.slice(0, i) + c + s.slice(i + 1);
        break;
      case 1:
        s = s.slice(0, i) + c + s.slice(i);
        break;
      case 2:
        if (s.length > 1) s = s.slice(0, i) + s.slice(i + 1);
        break;
      default:
        s = s.slice(0, i) + s.slice(i, i + 1).toUpperCase() + s.slice(i + 1);
    }
  }
  return s;
}

describe('did-you-mean follows its rule exactly', () => {
  it('agrees with a plain Levenshtein search on 3,000 random words and candidate lists', () => {
    const rng = new Rng(20261126);
    let suggested = 0;
    for (let trial = 0; trial < 3000; trial++) {
      const candidates = Array.from({ length: 1 + rng.int(0, 40) }, () => randomName(rng, 12));
      const word = rng.next() < 0.7 ? typo(rng, candidates[rng.int(0, candidates.length)]) : randomName(rng, 12);
      const expected = reference(word, candidates);
      expect(closest(word, candidates), `${word} among ${candidates.join(' ')}`).toBe(expected);
      if (expected !== undefined) suggested++;
    }
    // The comparison means something only if many words do get a suggestion.
    expect(suggested).toBeGreaterThan(1000);
  });

  it('examples: typos, case, ties, limits', () => {
    expect(didYouMean('reduce_summ', ['reduce_sum', 'reduce_mean'])).toBe('; did you mean `reduce_sum`?');
    expect(closest('Softmax', ['softmax', 'softplus'])).toBe('softmax'); // case only: 0.5
    expect(closest('ab', ['abc', 'abcd'])).toBe('abc'); // limit 1 for short words
    expect(closest('abcdef', ['abcdxy', 'abcd'])).toBe('abcd'); // tie at 2: the shorter
    expect(closest('x', ['y', 'z'])).toBe('y'); // tie at 1, same length: the earlier
    expect(closest('matmul', ['tanh', 'sigmoid'])).toBeUndefined();
    expect(didYouMean('w', ['w'])).toBe(''); // the word itself is never suggested
  });
});
