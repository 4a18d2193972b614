// The common prefix and suffix of two texts (engine/api/snapshotDelta.ts `commonEnds`), found
// by comparing blocks, against the character-by-character definition: random texts with
// random edits of every size, at the start, the end and in between, repeated characters
// (where a block comparison could overshoot), and texts that contain each other.

import { describe, expect, it } from 'vitest';
import { commonEnds } from '../../engine/api/snapshotDelta';
import { TextShift } from '../../server/positions';
import { Rng } from '../support/engine';

function byCharacter(a: string, b: string): { prefix: number; suffix: number } {
  const limit = Math.min(a.length, b.length);
  let prefix = 0;
  while (prefix < limit && a[prefix] === b[prefix]) prefix++;
  let suffix = 0;
  while (suffix < limit - prefix && a[a.length - 1 - suffix] === b[b.length - 1 - suffix]) suffix++;
  return { prefix, suffix };
}

describe('commonEnds', () => {
  it('agrees with a comparison character by character on random edits', () => {
    const rng = new Rng(7);
    const alphabet = ['a', 'b', 'x = 1\n', 'é', '😀', ' '];
    const text = (n: number) =>
      Array.from({ length: n }, () => alphabet[Math.floor(rng.next() * (rng.next() < 0.5 ? 2 : alphabet.length))]).join('');
    for (let trial = 0; trial < 3000; trial++) {
      const a = text(Math.floor(rng.next() * (trial % 10 === 0 ? 5000 : 300)));
      const start = Math.floor(rng.next() * (a.length + 1));
      const end = start + Math.floor(rng.next() * (a.length - start + 1));
      const b = a.slice(0, start) + text(Math.floor(rng.next() * 40)) + a.slice(end);
      expect(commonEnds(a, b)).toEqual(byCharacter(a, b));
      expect(commonEnds(b, a)).toEqual(byCharacter(b, a));
    }
    for (const [a, b] of [
      ['', ''],
      ['', 'abc'],
      ['aaaa', 'aaaaaaaa'],
      ['abcabc', 'abc'],
      ['x'.repeat(1000), 'x'.repeat(999) + 'y'],
    ])
      expect(commonEnds(a, b)).toEqual(byCharacter(a, b));
  });

  it("maps the protocol thread's offsets across an edit as the texts say", () => {
    const before = 'a = 1\nb = a * 2\nc = b + 1\n';
    const after = 'a = 1\nb = a * 30\nc = b + 1\n';
    const shift = TextShift.between(before, after);
    expect(shift.toNew(before.indexOf('c ='))).toBe(after.indexOf('c ='));
    expect(shift.toNew(before.indexOf('b ='))).toBe(after.indexOf('b ='));
    expect(shift.toOld(after.indexOf('30') + 1)).toBe(null);
  });
});
