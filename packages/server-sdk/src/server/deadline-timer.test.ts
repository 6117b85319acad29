import { describe, expect, it } from 'vitest';
import { atDeadline, MAX_TIMER_DELAY_MS, type DeadlineClock } from './deadline-timer.js';

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

describe('atDeadline', () => {
  it('waits 30 days for a 30-day deadline, never asking setTimeout for more than it can hold', () => {
    const { clock, advance, delays, now } = fakeClock();
    let fired = 0;
    atDeadline(now() + 30 * DAY, () => fired++, clock);
    advance(1);
    expect(fired).toBe(0);
    advance(25 * DAY);
    expect(fired).toBe(0);
    advance(5 * DAY - 2);
    expect(fired).toBe(0);
    advance(1);
    expect(fired).toBe(1);
    expect(Math.max(...delays)).toBeLessThanOrEqual(MAX_TIMER_DELAY_MS);
  });

  it('fires a near deadline on time, and a past one at once', () => {
    const { clock, advance, now } = fakeClock();
    let fired = 0;
    atDeadline(now() + 1000, () => fired++, clock);
    advance(999);
    expect(fired).toBe(0);
    advance(1);
    expect(fired).toBe(1);
    atDeadline(now() - 5, () => fired++, clock);
    expect(fired).toBe(2);
  });

  it('never fires once cancelled, even between two steps of a long wait', () => {
    const { clock, advance, now } = fakeClock();
    let fired = 0;
    const cancel = atDeadline(now() + 60 * DAY, () => fired++, clock);
    advance(30 * DAY);
    cancel();
    advance(60 * DAY);
    expect(fired).toBe(0);
  });
});
