// Work done in bounded pieces: a generator that yields between them. The protocol thread
// takes in a snapshot of a thousand targets as such steps, a few milliseconds at a time, and
// answers the hovers that arrive meanwhile; everything else runs the same code to the end at
// once (`runSteps`), so there is one definition of the work either way.

export type Steps<T> = Generator<void, T, void>;

/** How many items a step handles, at most, before it yields (a few tens of µs of work). */
export const ITEMS_PER_STEP = 128;

/** Whether the loop at index `i` should yield before it goes on. */
export function stepEnds(i: number): boolean {
  return i % ITEMS_PER_STEP === ITEMS_PER_STEP - 1;
}

/** Runs every step now. */
export function runSteps<T>(steps: Steps<T>): T {
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
  }
}
