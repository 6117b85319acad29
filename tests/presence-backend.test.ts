import { afterAll, beforeAll } from 'vitest';
import { createClient } from 'redis';
import { createMemoryPresenceBackend } from '@parley/server-sdk';
// Internal: redisScaleOut() builds it; the test drives it directly.
import { createRedisPresenceBackend } from '../packages/server-sdk/src/redis/redis-presence-backend.js';
import { runPresenceBackendConformance } from '@parley/server-sdk/testing';
import { requireRedis, startRedis, type RedisProcess } from './helpers/redis-server.js';

// Both bundled presence backends pass the kit adapter authors run (`@parley/server-sdk/testing`).
runPresenceBackendConformance('memory', async () => ({ backend: createMemoryPresenceBackend() }));

if (requireRedis()) {
  let redis: RedisProcess | undefined;
  let client: ReturnType<typeof createClient> | undefined;
  let prefixes = 0;
  beforeAll(async () => {
    redis = await startRedis();
    client = createClient({ url: redis.url });
    await client.connect();
  });
  afterAll(async () => {
    await client?.quit();
    await redis?.close();
  });
  runPresenceBackendConformance('redis', async () => {
    if (!client) throw new Error('redis did not start');
    const shared = client;
    // A fresh prefix per test is an empty backend; a second instance on it is another node.
    const prefix = `pb${++prefixes}:`;
    return { backend: createRedisPresenceBackend(shared, prefix), peer: () => createRedisPresenceBackend(shared, prefix) };
  });
}
