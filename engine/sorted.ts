// Binary search over ascending numbers, shared by the suggestion index (engine/suggest.ts)
// and the diagnostics cap (engine/analysis/analyzer.ts).

/** The first index of the ascending `values` whose value is at least `v`: how many are
 *  below `v`. */
export function firstAtLeast(values: ArrayLike<number>, v: number): number {
  let a = 0;
  let b = values.length;
  while (a < b) {
    const m = (a + b) >>> 1;
    if (values[m] < v) a = m + 1;
    else b = m;
  }
  return a;
}
