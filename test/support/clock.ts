// Time budgets tested without timing: a clock that runs every budget out at its first look.
import { vi } from 'vitest';
import { lookupOp } from '../../engine/ops/registry';

/** Runs `f` on a clock that moves an hour at each reading of Date.now(): every time budget runs
 *  out at its first look at the clock, however fast or busy the machine. */
export function withJumpingClock<T>(f: () => T): T {
  let now = Date.now();
  const clock = vi.spyOn(Date, 'now').mockImplementation(() => (now += 3_600_000));
  try {
    return f();
  } finally {
    clock.mockRestore();
  }
}

/** Runs `f` on a clock that stands still until `owner[method]` is called, then moves an hour
 *  at each reading: everything before that call is in time, and the call's first look at the
 *  clock is past the deadline, however fast or busy the machine. A call that never looks
 *  runs to its end. */
export function withClockJumpingFrom<O extends object, K extends keyof O>(owner: O, method: K, f: () => unknown): void {
  const original = owner[method] as (...args: unknown[]) => unknown;
  let now = Date.now();
  let jumping = false;
  const clock = vi.spyOn(Date, 'now').mockImplementation(() => (jumping ? (now += 3_600_000) : now));
  (owner as Record<K, unknown>)[method] = function (this: unknown, ...args: unknown[]) {
    jumping = true;
    return original.apply(this, args);
  };
  try {
    f();
  } finally {
    (owner as Record<K, unknown>)[method] = original;
    clock.mockRestore();
  }
}

/** withClockJumpingFrom the kernel of op `opName`. */
export function withClockJumpingInKernel(opName: string, f: () => unknown): void {
  const def = lookupOp(opName);
  if (!def?.kernel) throw new Error(`no kernel for op ${opName}`);
  withClockJumpingFrom(def, 'kernel', f);
}
