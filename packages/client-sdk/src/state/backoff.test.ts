import { describe, expect, it } from 'vitest';
import { backoffCeiling, fullJitterDelay } from './backoff.js';

const opts = { baseMs: 100, maxMs: 5_000 };

describe('full jitter backoff', () => {
  it('doubles the ceiling per attempt up to maxMs', () => {
    expect([0, 1, 2, 3, 5, 6, 100].map((a) => backoffCeiling(a, opts))).toEqual([
      100, 200, 400, 800, 3_200, 5_000, 5_000,
    ]);
  });

  it('draws from the whole range [0, ceiling)', () => {
    expect(fullJitterDelay(3, opts, () => 0)).toBe(0);
    expect(fullJitterDelay(3, opts, () => 0.999999)).toBe(799);
    expect(fullJitterDelay(50, opts, () => 0.5)).toBe(2_500);
  });

  it('stays within bounds for random draws', () => {
    for (let attempt = 0; attempt < 40; attempt += 1) {
      const delay = fullJitterDelay(attempt, opts);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(backoffCeiling(attempt, opts));
    }
  });
});
