// A newer text interrupts an explanation being computed: the worker explains gradients
// between edits, and an edit must not wait for one (tens to hundreds of ms on a deep model).
// The walks over a gradient's path ask `checkInterrupt` where they read the clock; the
// explanation then stops by throwing `ExplainInterrupted`, which every catch-all on the way
// lets through, so that nothing partial is memoised or shown: the caller explains it again
// later, from the start.

/** Thrown out of an explanation whose `interruptible` check said a newer text waits. */
export class ExplainInterrupted extends Error {
  constructor() {
    super('interrupted: a newer text is waiting');
  }
}

// The check of the explanation running (one at a time: explanations are synchronous).
let interrupted: (() => boolean) | null = null;

/** Runs `work` (an explanation), stopping it with ExplainInterrupted at the next check once
 *  `check` says so. */
export function interruptible<T>(check: () => boolean, work: () => T): T {
  const outer = interrupted;
  interrupted = check;
  try {
    return work();
  } finally {
    interrupted = outer;
  }
}

/** Throws ExplainInterrupted when the running explanation is to stop. Callers ask it where
 *  they read the clock (every few hundred steps): the check reads shared memory. */
export function checkInterrupt(): void {
  if (interrupted !== null && interrupted()) throw new ExplainInterrupted();
}
