import { describe, expect, it } from 'vitest';
import { DeadlineWheel, MAX_TIMER_DELAY_MS, type DeadlineClock } from './deadline-timer.js';

/** A clock that only moves when the test says so, and records every delay asked for. */
function fakeClock(start = 1_000_000) {
  let now = start;
  let pending: Array<{ at: number; fn: () => void; id: number }> = [];
  let ids = 0;
  const delays: number[] = [];
  const clock: DeadlineClock = {
    now: () => now,
    setTimeout(fn, ms) {
      delays.push(ms);
      const id = ++ids;
      pending.push({ at: now + ms, fn, id });
      return id;
    },
    clearTimeout(handle) {
      pending = pending.filter((t) => t.id !== handle);
    },
  };
  const advance = (ms: number) => {
    now += ms;
    for (;;) {
      const due = pending.filter((t) => t.at <= now).sort((a, b) => a.at - b.at)[0];
      if (!due) return;
      pending = pending.filter((t) => t !== due);
      due.fn();
    }
  };
  return { clock, advance, delays, now: () => now };
}

const DAY = 24 * 3600 * 1000;

describe('DeadlineWheel', () => {
  it('expires each item at its deadline (rounded up to the second) on one timer, and never one that was deleted', () => {
    const { clock, advance, now } = fakeClock(1_000_000);
    const expired: string[] = [];
    const wheel = new DeadlineWheel<string>((item) => expired.push(item), clock);
    wheel.add(now() + 1_500, 'a');
    wheel.add(now() + 1_200, 'b');
    wheel.add(now() + 5_000, 'c');
    wheel.add(now() + 3_000, 'gone');
    wheel.delete(now() + 3_000, 'gone');
    wheel.add(now() - 1, 'late');
    expect(expired).toEqual(['late']);
    advance(1_199);
    expect(expired).toEqual(['late']);
    advance(801);
    expect(expired.sort()).toEqual(['a', 'b', 'late']);
    advance(2_000);
    expect(expired).toHaveLength(3);
    advance(1_000);
    expect(expired).toContain('c');
    expect(wheel.size).toBe(0);
  });

  it('waits 30 days for a 30-day deadline, and an earlier one added later fires first', () => {
    const { clock, advance, delays, now } = fakeClock();
    const expired: string[] = [];
    const wheel = new DeadlineWheel<string>((item) => expired.push(item), clock);
    wheel.add(now() + 30 * DAY, 'month');
    wheel.add(now() + 2_000, 'soon');
    advance(2_000);
    expect(expired).toEqual(['soon']);
    advance(30 * DAY - 3_000);
    expect(expired).toEqual(['soon']);
    advance(1_000);
    expect(expired).toEqual(['soon', 'month']);
    expect(Math.max(...delays)).toBeLessThanOrEqual(MAX_TIMER_DELAY_MS);
  });
});
