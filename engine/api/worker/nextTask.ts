// The next macrotask, for work done in turns with the thread's messages read between them.

/** Runs `f` after the tasks waiting now: setImmediate on Node, which runs once the messages
 *  that arrived meanwhile are handled and has no timer's 1 ms minimum (nor a sleep until the
 *  timer fires, which a busy machine turns into a wait for a core); a browser's worker has
 *  no setImmediate. */
export const nextTask: (f: () => void) => void = typeof setImmediate === 'function' ? (f) => setImmediate(f) : (f) => setTimeout(f, 0);
