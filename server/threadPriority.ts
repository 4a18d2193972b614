// The analysis worker runs below the protocol thread's priority. A hover needs the protocol
// thread for well under a millisecond, but while an edit is analysed the worker, the editor and
// the machine's other work want the same cores: a hover that arrived then waited for the
// scheduler to give its thread a turn, tens of ms on a loaded machine, though nothing on the
// protocol thread ran long. A few steps of niceness for the worker's thread alone let the
// protocol thread take a core from it as soon as a message arrives; a busy worker with the
// cores to itself loses nothing.
//
// Linux names threads in the process's priority calls: setpriority(PRIO_PROCESS, tid) sets
// the niceness of that thread only. Elsewhere the worker keeps the process's priority.

import * as fs from 'fs';
import * as os from 'os';

/** The worker's niceness above the protocol thread's. */
export const WORKER_NICE_INCREMENT = 5;

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
