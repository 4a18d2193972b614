// The table of first lookups a snapshot keeps (engine/api/firstLookups.ts): whatever the cuts
// an edit sequence makes, it answers as a plain map of the lookups before each cut would.

import { describe, expect, it } from 'vitest';
import { FirstLookups } from '../../engine/api/firstLookups';
import { Rng } from '../support/engine';

describe('first lookups', () => {
  it('answer as a plain map after random cuts and lookups, through the shared tables and their renewal', () => {
    const rng = new Rng(20261207);
    const names = Array.from({ length: 40 }, (_, i) => `n${i}`);
    let table = FirstLookups.empty();
    let plain = new Map<string, number>();
    let end = 0;
    for (let round = 0; round < 300; round++) {
      // Go on from a cut anywhere before the end (an edit), then look names up after it.
      const cut = Math.floor(rng.next() * (end + 1));
      table = table.before(cut);
      plain = new Map([...plain].filter(([, at]) => at < cut));
      end = cut;
      const lookups = 1 + Math.floor(rng.next() * (round % 50 === 0 ? 400 : 8));
      for (let i = 0; i < lookups; i++) {
        end += 1 + Math.floor(rng.next() * 5);
        const name = round % 50 === 0 ? `m${round}_${i}` : names[Math.floor(rng.next() * names.length)];
        table.note(name, end);
        if (!plain.has(name)) plain.set(name, end);
      }
      for (const name of [...names, ...plain.keys()]) expect(table.get(name), `round ${round}, ${name}`).toBe(plain.get(name));
    }
  });
});
