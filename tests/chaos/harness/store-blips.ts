import type { ChatStore } from '@parley/server-sdk';
import type { Rng } from './prng.js';

/** What a real store says when it blips: each is an `Error` from the driver, never a ParleyError. */
const FAILURES = [
  'SQLITE_BUSY: database is locked',
  'SQLITE_IOERR: disk I/O error',
  'connection 7 to 127.0.0.1:27017 closed',
  'Server selection timed out after 2000 ms',
];

export interface BlipStats {
  windows: number;
  /** Calls refused before they reached the store: nothing written. */
  failedBefore: number;
  /** Calls that reached the store and then failed: written, but the caller sees an error. */
  failedAfter: number;
}

/**
 * Wraps a store so that, in short seeded windows, its calls fail the way a real store fails
 * (lock timeouts, I/O errors, a dropped connection): some before the write, some after it (the
 * reply lost). Between windows, and until `start()`, it is the store itself; `stop()` ends them.
 */
export function withStoreBlips<S extends ChatStore>(store: S, rng: Rng, stats: BlipStats): { store: S; start(): void; stop(): void } {
  let blipping = false;
  let timer: NodeJS.Timeout | undefined;
  const schedule = (): void => {
    timer = setTimeout(() => {
      blipping = true;
      stats.windows++;
      timer = setTimeout(() => {
        blipping = false;
        schedule();
      }, rng.int(40, 300));
    }, rng.int(100, 500));
  };

  const wrapped = new Proxy(store, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function' || prop === 'close') return value;
      const method = value as (...args: unknown[]) => Promise<unknown>;
      return async (...args: unknown[]) => {
        // Half the calls in a window: a blip is patchy, so a later call may pass an earlier one.
        if (!blipping || !rng.chance(0.5)) return method.apply(target, args);
        const error = new Error(`${rng.pick(FAILURES)} (chaos blip in ${String(prop)})`);
        if (rng.chance(0.7)) {
          stats.failedBefore++;
          throw error;
        }
        await method.apply(target, args);
        stats.failedAfter++;
        throw error;
      };
    },
  });
  const stop = () => {
    clearTimeout(timer);
    timer = undefined;
    blipping = false;
  };
  return { store: wrapped, start: () => void (timer ?? schedule()), stop };
}
