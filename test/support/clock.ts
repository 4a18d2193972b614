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

/** Runs `f` on a clock that stands still until the kernel of op `opName` starts, then moves
 *  an hour at each reading: everything before the kernel is in time, and the kernel's first
 *  look at the clock is past the deadline, however fast or busy the machine. A kernel that
 *  never looks runs to its end. */
export function withClockJumpingInKernel<T>(opName: string, f: () => T): T {
  const def = lookupOp(opName);
  if (!def?.kernel) throw new Error(`no kernel for op ${opName}`);
  let now = Date.now();
  let jumping = false;
  const clock = vi.spyOn(Date, 'now').mockImplementation(() => (jumping ? (now += 3_600_000) : now));
  const original = def.kernel;
  const kernel = vi.spyOn(def, 'kernel').mockImplementation((...args) => {
    jumping = true;
    return original.apply(def, args);
  });
  try {
    return f();
  } finally {
    kernel.mockRestore();
    clock.mockRestore();
  }
}
