/** The longest delay `setTimeout` honours: anything above 2^31-1 ms fires after 1 ms instead. */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/** The clock and timer functions a deadline runs on; injectable so tests need not wait. */
export interface DeadlineClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const systemClock: DeadlineClock = {
  now: Date.now,
  setTimeout: (fn, ms) => {
    const handle = setTimeout(fn, ms);
    // A deadline alone must never keep the process alive.
    handle.unref?.();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * Calls `fn` once, at the epoch-ms `deadline`, however far away it is: a token valid for 30 days
 * must not fire at once because `setTimeout` overflows. Waits in steps of at most
 * `MAX_TIMER_DELAY_MS` and reads the clock again after each, so a clock that jumped is honoured.
 * Returns a cancel function.
 *
 * @example
 * const cancel = atDeadline(identity.expiresAt, () => socket.disconnect(true));
 * socket.on('disconnect', cancel);
 */
export function atDeadline(deadline: number, fn: () => void, clock: DeadlineClock = systemClock): () => void {
  let handle: unknown;
  let cancelled = false;
  const arm = () => {
    const remaining = deadline - clock.now();
    if (!(remaining > 0)) {
      handle = undefined;
      fn();
      return;
    }
    handle = clock.setTimeout(() => {
      if (!cancelled) arm();
    }, Math.min(remaining, MAX_TIMER_DELAY_MS));
  };
  arm();
  return () => {
    cancelled = true;
    if (handle !== undefined) clock.clearTimeout(handle);
  };
}
