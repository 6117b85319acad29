import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, type NackFrame } from '@parley/protocol';
import { createMemoryStore } from '@parley/server-sdk';
import { requireRedis, startRedis, type RedisProcess } from './helpers/redis-server.js';
import type { TestServer } from './helpers/test-server.js';
import { startRedisNode } from './helpers/redis-node.js';
import { connectAs, openDirect, until } from './helpers/fixtures.js';
import { nextId } from './helpers/wire-client.js';

const hasRedis = requireRedis();

describe.skipIf(!hasRedis)('@parley/server-sdk/redis', () => {
  let redis: RedisProcess;
  const keyPrefix = `test${Date.now()}:`;
  const cleanups: Array<() => Promise<unknown>> = [];
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    await redis.close();
  });

  async function node(store: ReturnType<typeof createMemoryStore>): Promise<TestServer> {
    const server = await startRedisNode(redis.url, store, keyPrefix, { rateLimits: { sends: { perSecond: 0.001, burst: 4 } } });
    cleanups.push(() => server.close());
    return server;
  }

  it('enforces one send rate limit for a user across all nodes', async () => {
    const store = createMemoryStore();
    const [a, b] = [await node(store), await node(store)];
    const onA = await connectAs(a, 'alice', 'alice-a');
    const onB = await connectAs(b, 'alice', 'alice-b');
    const id = await openDirect(onA, 'bob');
    const answers = () => [...onA.frames, ...onB.frames].filter((f) => f.type === 'ack' || f.type === 'nack');
    // One send at a time, alternating nodes: each waits for its answer (no timing involved).
    for (const [i, client] of [onA, onB, onA, onB, onA, onB].entries()) {
      client.send({ type: 'send', conversationId: id, clientMsgId: nextId('rl-'), data: { text: 'x' } });
      await until(() => answers().length === i + 1, 60_000, `answer ${i + 1}`);
    }
    const nacks = answers().filter((f): f is NackFrame => f.type === 'nack');
    expect(answers().filter((f) => f.type === 'ack')).toHaveLength(4);
    expect(nacks).toHaveLength(2);
    expect(nacks.every((n) => n.code === ErrorCode.RATE_LIMITED && n.retryable)).toBe(true);
    onA.close();
    onB.close();
  });
});
