/** Clock and timers, injectable so time-driven behaviour is testable without waiting. */
export interface Timers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  random(): number;
}

/**
 * The longest delay `setTimeout` honours: above it, runtimes fire after 1 ms instead, so a 30-day
 * typing indicator from the server made the client prune in a tight loop. Capped, a timer wakes
 * after 24.8 days at the latest; deadline-driven callers (typing, outbox) recompute what is due.
 */
const MAX_DELAY_MS = 2 ** 31 - 1;

export const systemTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, Math.min(ms, MAX_DELAY_MS)),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
  random: () => Math.random(),
};
