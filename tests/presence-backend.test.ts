import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'redis';
import type { PresenceBackend, PresenceRecord } from '../packages/server-sdk/src/presence/presence-backend.js';
import { createMemoryPresenceBackend } from '../packages/server-sdk/src/presence/memory-presence-backend.js';
import { createRedisPresenceBackend } from '../packages/server-sdk/src/redis/redis-presence-backend.js';
import { requireRedis, startRedis, type RedisProcess } from './helpers/redis-server.js';

const hasRedis = requireRedis();
let redis: RedisProcess | undefined;
let client: ReturnType<typeof createClient> | undefined;
let prefixes = 0;

beforeAll(async () => {
  if (!hasRedis) return;
  redis = await startRedis();
  client = createClient({ url: redis.url });
  await client.connect();
});
afterAll(async () => {
  await client?.quit();
  await redis?.close();
});

const record = (userId: string, connectionId: string, status: 'online' | 'away', seenAt: number, ttl = 1000): PresenceRecord => ({
  userId, connectionId, status, seenAt, expiresAt: seenAt + ttl,
});

const backends: Array<[string, () => PresenceBackend | undefined]> = [
  ['memory', () => createMemoryPresenceBackend()],
  ['redis', () => (client ? createRedisPresenceBackend(client, `pb${++prefixes}:`) : undefined)],
];

describe.each(backends)('presence backend: %s', (name, make) => {
  const skip = name === 'redis' && !hasRedis;

  it.skipIf(skip)('aggregates devices: online beats away, none live is offline, last seen only rises', async () => {
    const backend = make()!;
    await backend.touch([record('ann', 'c1', 'away', 1000), record('ann', 'c2', 'online', 1100)]);
    expect((await backend.read(['ann', 'nobody'], 1200)).get('ann')).toEqual({ status: 'online', lastSeenAt: 1100 });
    expect((await backend.read(['nobody'], 1200)).get('nobody')).toEqual({ status: 'offline', lastSeenAt: null });
    await backend.remove('ann', 'c2', 1300);
    expect((await backend.read(['ann'], 1350)).get('ann')).toEqual({ status: 'away', lastSeenAt: 1300 });
    // Past the TTL of c1 (1000 + 1000) it no longer counts, even before a sweep.
    expect((await backend.read(['ann'], 2500)).get('ann')).toEqual({ status: 'offline', lastSeenAt: 1300 });
    await backend.remove('ann', 'c1', 900); // an older instant never lowers last seen
    expect((await backend.read(['ann'], 2500)).get('ann')?.lastSeenAt).toBe(1300);
  });

  it.skipIf(skip)('expires each stale record once, to one caller, and keeps fresh ones', async () => {
    const backend = make()!;
    await backend.touch([record('bo', 'old', 'online', 1000, 100), record('bo', 'fresh', 'online', 1000, 10_000)]);
    const [first, second] = await Promise.all([backend.expire(2000), backend.expire(2000)]);
    expect([...first, ...second].map((r) => r.connectionId)).toEqual(['old']);
    expect((await backend.read(['bo'], 2000)).get('bo')?.status).toBe('online');
    await backend.touch([record('bo', 'fresh', 'away', 3000, 10_000)]); // a heartbeat refreshes
    expect(await backend.expire(11_500)).toEqual([]);
  });

  it.skipIf(skip)('swaps the published status so only one node broadcasts a change', async () => {
    const backend = make()!;
    expect(await backend.swapPublished('cy', 'online')).toBeNull();
    expect(await backend.swapPublished('cy', 'online')).toBe('online');
    expect(await backend.swapPublished('cy', 'offline')).toBe('online');
  });
});
