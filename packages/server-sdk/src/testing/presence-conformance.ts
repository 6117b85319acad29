import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PresenceBackend, PresenceRecord } from '../presence/presence-backend.js';

/** What `runPresenceBackendConformance` needs to make one fresh, empty backend per test. */
export type MakePresenceBackend = () => Promise<{
  backend: PresenceBackend;
  /**
   * Another node's backend over the same shared state (Redis: a second instance with the same
   * prefix). Given, the kit checks that nodes racing to expire a record act on it once.
   */
  peer?: () => PresenceBackend;
  cleanup?: () => Promise<void>;
}>;

const record = (userId: string, connectionId: string, status: 'online' | 'away', seenAt: number, ttl = 1000): PresenceRecord => ({
  userId, connectionId, status, seenAt, expiresAt: seenAt + ttl,
});

/**
 * Registers Parley's presence backend conformance suite (vitest) for one `PresenceBackend`, the
 * way `runStoreConformance` does for stores: aggregation over devices, TTL expiry handed to one
 * caller, last seen that only rises, and the published-status swap. `makeBackend` is called
 * before every test and must return an empty backend.
 *
 * @example
 * import { runPresenceBackendConformance } from '@parley/server-sdk/testing';
 * import { createMemoryPresenceBackend } from '@parley/server-sdk';
 *
 * runPresenceBackendConformance('memory', async () => ({ backend: createMemoryPresenceBackend() }));
 */
export function runPresenceBackendConformance(name: string, makeBackend: MakePresenceBackend, options: { timeoutMs?: number } = {}): void {
  let current: Awaited<ReturnType<MakePresenceBackend>> | undefined;
  const made = () => {
    if (!current) throw new Error('no backend: the conformance suite makes one before each test');
    return current;
  };

  describe(`${name}: PresenceBackend conformance`, { timeout: options.timeoutMs ?? 30_000 }, () => {
    beforeEach(async () => {
      current = await makeBackend();
    });
    afterEach(async () => {
      const done = current;
      current = undefined;
      await done?.cleanup?.();
    });

    it('aggregates devices: online beats away, none live is offline, last seen only rises', async () => {
      const { backend } = made();
      await backend.touch([record('ann', 'c1', 'away', 1000), record('ann', 'c2', 'online', 1100)]);
      const both = await backend.read(['ann', 'nobody'], 1200);
      expect(both.get('ann')).toEqual({ status: 'online', lastSeenAt: 1100 });
      expect(both.get('nobody')).toEqual({ status: 'offline', lastSeenAt: null });
      await backend.remove('ann', 'c2', 1300);
      expect((await backend.read(['ann'], 1350)).get('ann')).toEqual({ status: 'away', lastSeenAt: 1300 });
      // Past the TTL of c1 (1000 + 1000) it no longer counts, even before a sweep.
      expect((await backend.read(['ann'], 2500)).get('ann')).toEqual({ status: 'offline', lastSeenAt: 1300 });
      await backend.remove('ann', 'c1', 900); // an older instant never lowers last seen
      expect((await backend.read(['ann'], 2500)).get('ann')?.lastSeenAt).toBe(1300);
      await backend.remove('ann', 'never-connected', 1400); // harmless
      expect((await backend.read([], 2500)).size).toBe(0);
    });

    it('expires each stale record once, keeps fresh ones, and keeps the expired one’s seenAt as last seen', async () => {
      const { backend } = made();
      await backend.touch([record('bo', 'old', 'online', 1000, 100), record('bo', 'fresh', 'online', 1000, 10_000)]);
      const [first, second] = await Promise.all([backend.expire(2000), backend.expire(2000)]);
      expect([...first, ...second]).toEqual([record('bo', 'old', 'online', 1000, 100)]);
      expect((await backend.read(['bo'], 2000)).get('bo')?.status).toBe('online');
      await backend.touch([record('bo', 'fresh', 'away', 3000, 10_000)]); // a heartbeat refreshes
      expect(await backend.expire(11_500)).toEqual([]);
      expect((await backend.read(['bo'], 11_500)).get('bo')).toEqual({ status: 'away', lastSeenAt: 3000 });
      expect((await backend.expire(13_000)).map((r) => r.connectionId)).toEqual(['fresh']);
      expect((await backend.read(['bo'], 13_000)).get('bo')).toEqual({ status: 'offline', lastSeenAt: 3000 });
    });

    it('hands an expired record to one sweeper only when several sweep at once', async () => {
      const { backend, peer } = made();
      // Another node's backend where there is one; otherwise overlapping sweeps of this one.
      const other = peer ? peer() : backend;
      await backend.touch([record('di', 'a', 'online', 1000, 100), record('di', 'b', 'online', 1000, 100)]);
      const swept = await Promise.all([backend.expire(5000), other.expire(5000), other.expire(5000)]);
      expect(swept.flat().map((r) => r.connectionId).sort()).toEqual(['a', 'b']);
      expect((await other.read(['di'], 5000)).get('di')).toEqual({ status: 'offline', lastSeenAt: 1000 });
    });

    it('swaps the published status so only one node broadcasts a change', async () => {
      const { backend } = made();
      expect(await backend.swapPublished('cy', 'online')).toBeNull();
      expect(await backend.swapPublished('cy', 'online')).toBe('online');
      expect(await backend.swapPublished('cy', 'offline')).toBe('online');
      expect(await backend.swapPublished('other', 'away')).toBeNull();
    });
  });
}
