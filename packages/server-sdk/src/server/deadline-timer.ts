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
 * Deadlines for many items on one timer: each item's `expire` runs at its deadline, rounded up to
 * the next whole second. The server gives every connection with an expiring token one; a timer
 * (and the closures around it) per connection cost ~0.4 KB of heap each (W3 in bench/), an entry
 * here a few bytes. A deadline beyond `setTimeout`'s range (a token valid for 30 days) is waited
 * for in steps, reading the clock again after each, so a clock that jumped is honoured.
 */
export class DeadlineWheel<T> {
  private readonly slots = new Map<number, Set<T>>();
  private handle: unknown;
  private armedFor: number | undefined;

  constructor(
    private readonly expire: (item: T) => void,
    private readonly clock: DeadlineClock = systemClock,
  ) {}

  /** Expires `item` at `deadline` (epoch ms); at once if it has passed. */
  add(deadline: number, item: T): void {
    if (!(deadline - this.clock.now() > 0)) {
      this.expire(item);
      return;
    }
    const slot = Math.ceil(deadline / 1000) * 1000;
    let items = this.slots.get(slot);
    if (!items) this.slots.set(slot, (items = new Set()));
    items.add(item);
    if (this.armedFor === undefined || slot < this.armedFor) this.arm(slot);
  }

  /** Forgets `item` (added with this `deadline`): it will not expire. */
  delete(deadline: number, item: T): void {
    const slot = Math.ceil(deadline / 1000) * 1000;
    const items = this.slots.get(slot);
    if (!items?.delete(item) || items.size > 0) return;
    this.slots.delete(slot);
  }

  /** Items waiting. */
  get size(): number {
    let n = 0;
    for (const items of this.slots.values()) n += items.size;
    return n;
  }

  private arm(slot: number): void {
    if (this.handle !== undefined) this.clock.clearTimeout(this.handle);
    this.armedFor = slot;
    this.handle = this.clock.setTimeout(() => this.fire(), Math.min(Math.max(slot - this.clock.now(), 0), MAX_TIMER_DELAY_MS));
  }

  private fire(): void {
    this.handle = undefined;
    this.armedFor = undefined;
    const now = this.clock.now();
    let next: number | undefined;
    for (const [slot, items] of [...this.slots]) {
      if (slot > now) {
        if (next === undefined || slot < next) next = slot;
        continue;
      }
      this.slots.delete(slot);
      for (const item of items) this.expire(item);
    }
    if (next !== undefined) this.arm(next);
  }
}
