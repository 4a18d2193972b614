// The analysis worker runs below the protocol thread's priority. A hover needs the protocol
// thread for well under a millisecond, but while an edit is analysed the worker, the editor and
// the machine's other work want the same cores: a hover that arrived then waited for the
// scheduler to give its thread a turn, tens of ms on a loaded machine, though nothing on the
// protocol thread ran long. Niceness for the worker's thread lets the protocol thread take a
// core from it as soon as a message arrives; a busy worker with the cores to itself loses
// nothing.
//
// V8's platform threads (the process's pool of helpers: parallel scavenges, concurrent marking
// and sweeping, background compilation) serve both isolates, and a niced worker's collections
// ran on them at the protocol thread's own priority, two of them at once on a 2-core machine.
// They run a few steps below the protocol thread too, above the worker: the protocol thread's
// own collections use them as well, and a helper that holds part of a scavenge should not
// wait behind the worker.
//
// Linux names threads in the process's priority calls: setpriority(PRIO_PROCESS, tid) sets
// the niceness of that thread only. Elsewhere the threads keep the process's priority.

import * as fs from 'fs';
import * as os from 'os';

/** The worker's niceness above the protocol thread's: as far as Linux goes from a thread at
 *  niceness 0, so that the worker runs on what the server's other threads leave (5 steps left
 *  hover tails of 10-50 ms at load 6-13, see BENCHMARKS.md). */
export const WORKER_NICE_INCREMENT = 19;

/** The niceness of the process's other threads (V8's helpers) above the protocol thread's. */
export const HELPER_NICE_INCREMENT = 5;

/** This thread's id, or undefined where the system does not say (not Linux). */
export function threadId(): number | undefined {
  try {
    // "<pid>/task/<tid>"
    const tid = Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
    return Number.isInteger(tid) && tid > 0 ? tid : undefined;
  } catch {
    return undefined;
  }
}

/** Raises the calling thread's niceness by `increment` (at most to 19); returns its niceness
 *  now, or undefined where a thread's priority cannot be set apart from its process's. */
export function lowerThisThreadPriority(increment: number): number | undefined {
  const tid = threadId();
  if (tid === undefined || increment <= 0) return undefined;
  try {
    os.setPriority(tid, Math.min(19, os.getPriority(tid) + increment));
    return os.getPriority(tid);
  } catch {
    return undefined;
  }
}

/** Raises by `increment` (at most to 19) the niceness of this process's other threads that run
 *  at this thread's priority (a thread already below it, such as a worker that lowered its own,
 *  is left alone); returns how many it lowered (0 where threads cannot be told apart). Threads
 *  made later by this thread inherit its priority, not theirs. */
export function lowerOtherThreadsPriority(increment: number): number {
  const self = threadId();
  if (self === undefined || increment <= 0) return 0;
  let lowered = 0;
  try {
    const own = os.getPriority(self);
    for (const name of fs.readdirSync('/proc/self/task')) {
      const tid = Number(name);
      if (tid === self || !Number.isInteger(tid) || tid <= 0) continue;
      try {
        if (os.getPriority(tid) !== own) continue;
        os.setPriority(tid, Math.min(19, own + increment));
        lowered++;
      } catch {
        // the thread ended meanwhile
      }
    }
  } catch {
    // no /proc
  }
  return lowered;
}
