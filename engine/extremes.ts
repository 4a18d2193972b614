// The largest and smallest of a list of numbers, for lists whose length the user decides:
// `Math.max(...list)` passes every element as an argument and overflows the stack past about
// 120,000 of them (the lint rule in eslint.config.mjs keeps the spread out of engine/).

/** The largest value (-Infinity for none, as Math.max()). */
export function largest(values: ArrayLike<number>): number {
  let best = -Infinity;
  for (let i = 0; i < values.length; i++) best = Math.max(best, values[i]);
  return best;
}

/** The smallest value (Infinity for none, as Math.min()). */
export function smallest(values: ArrayLike<number>): number {
  let best = Infinity;
  for (let i = 0; i < values.length; i++) best = Math.min(best, values[i]);
  return best;
}
