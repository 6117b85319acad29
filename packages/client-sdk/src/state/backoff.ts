/** Exponential backoff bounds: the ceiling doubles from `baseMs` per attempt up to `maxMs`. */
export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 30_000 };

/** The upper bound of the delay before retry number `attempt` (0-based). */
export function backoffCeiling(attempt: number, { baseMs, maxMs }: BackoffOptions): number {
  // Cap the exponent so 2^attempt never overflows into Infinity.
  return Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(0, attempt), 30));
}

/**
 * Full jitter (`random(0, ceiling)`): reconnecting clients spread out instead of arriving in waves
 * after a server restart.
 *
 * @example
 * setTimeout(reconnect, fullJitterDelay(attempt, { baseMs: 500, maxMs: 30_000 }));
 */
export function fullJitterDelay(
  attempt: number,
  options: BackoffOptions,
  random: () => number = Math.random,
): number {
  return Math.floor(random() * backoffCeiling(attempt, options));
}
