import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, createCluster } from 'redis';
import { createMemoryPresenceBackend } from '@parley/server-sdk';
// Internal: redisScaleOut() builds it; the test drives it directly.
import { createRedisPresenceBackend } from '../packages/server-sdk/src/redis/redis-presence-backend.js';
import { runPresenceBackendConformance } from '@parley/server-sdk/testing';
import { requireRedis, startRedis, type RedisProcess } from './helpers/redis-server.js';
import { startRedisCluster, type RedisClusterProcess } from './helpers/redis-cluster.js';

// Both bundled presence backends pass the kit adapter authors run (`@parley/server-sdk/testing`).
runPresenceBackendConformance('memory', async () => ({ backend: createMemoryPresenceBackend() }));

if (requireRedis()) {
  let prefixes = 0;
  // A fresh prefix per test is an empty backend; a second instance on it is another node.
  const nextPrefix = () => `pb${++prefixes}:`;

  let redis: RedisProcess | undefined;
  let client: ReturnType<typeof createClient> | undefined;
  let cluster: RedisClusterProcess | undefined;
  let clusterClient: ReturnType<typeof createCluster> | undefined;
  beforeAll(async () => {
    redis = await startRedis();
    client = createClient({ url: redis.url });
    await client.connect();
    cluster = await startRedisCluster(3);
    clusterClient = createCluster({ rootNodes: cluster.urls.map((url) => ({ url })) });
    await clusterClient.connect();
  }, 120_000);
  afterAll(async () => {
    await Promise.allSettled([client?.close(), clusterClient?.close()]);
    await Promise.allSettled([redis?.close(), cluster?.close()]);
  });

  runPresenceBackendConformance('redis', async () => {
    if (!client) throw new Error('redis did not start');
    const shared = client;
    const prefix = nextPrefix();
    return { backend: createRedisPresenceBackend(shared, prefix), peer: () => createRedisPresenceBackend(shared, prefix) };
  });

  // Every key a script touches is one it was given, all in one hash slot: the presence of users
  // whose keys would hash to different masters is read, swept and aggregated as on one Redis.
  runPresenceBackendConformance('redis cluster', async () => {
    if (!clusterClient) throw new Error('redis cluster did not start');
    const shared = clusterClient;
    const prefix = nextPrefix();
    const make = () => createRedisPresenceBackend(shared, prefix, { cluster: true });
    return { backend: make(), peer: make };
  });

  describe('redis cluster: one heartbeat, read and sweep over many users', () => {
    // Thirty users' keys, without the hash tag, would land on every master: each script here
    // names all of them at once, which Redis Cluster refuses unless they share one slot.
    const users = Array.from({ length: 30 }, (_, i) => `user-${i}`);
    it('touches, reads and expires them together, each record once', async () => {
      if (!clusterClient) throw new Error('redis cluster did not start');
      const backend = createRedisPresenceBackend(clusterClient, nextPrefix(), { cluster: true });
      await backend.touch(users.map((userId, i) => ({ userId, connectionId: `c-${i}`, status: i % 2 ? 'away' : 'online', seenAt: 1000 + i, expiresAt: 2000 + i })));
      const read = await backend.read(users, 1500);
      expect(users.map((u) => read.get(u)?.status)).toEqual(users.map((_, i) => (i % 2 ? 'away' : 'online')));
      const expired = await backend.expire(2014);
      expect(expired.map((r) => r.userId).sort()).toEqual(users.slice(0, 15).sort());
      const after = await backend.read(users, 2014);
      expect(users.map((u) => after.get(u))).toEqual(users.map((_, i) => ({ status: i < 15 ? 'offline' : i % 2 ? 'away' : 'online', lastSeenAt: 1000 + i })));
    });
  });
}
