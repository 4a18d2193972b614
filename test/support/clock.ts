// Time budgets tested without timing: a clock that runs every budget out at its first look.
import { vi } from 'vitest';

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
