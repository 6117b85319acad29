import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, type PresenceFrame, type PresenceResultFrame, type ServerFrame } from '@parley/protocol';
import { createMemoryStore, type ChatServerOptions } from '@parley/server-sdk';
import { requireRedis } from './helpers/redis-server.js';
import { REDIS_DEPLOYMENTS, type RedisDeployment } from './helpers/redis-deployments.js';
import type { TestServer } from './helpers/test-server.js';
import { startRedisNode } from './helpers/redis-node.js';
import { createGroup } from './helpers/fixtures.js';
import { testScope } from './helpers/scope.js';
import { nextId, type WireClient } from './helpers/wire-client.js';

const hasRedis = requireRedis();
const scope = testScope();

/** Conversation policy on two nodes sharing one store and one Redis. */
describe.skipIf(!hasRedis).each(REDIS_DEPLOYMENTS)('conversation policy across nodes over %s', (_name, startDeployment) => {
  let redis: RedisDeployment;
  beforeAll(async () => {
    redis = await startDeployment();
  }, 120_000);
  afterAll(async () => {
    await redis?.close();
  });

  async function twoNodes(options: Partial<ChatServerOptions> = {}): Promise<[TestServer, TestServer]> {
    const store = createMemoryStore();
    const keyPrefix = `policy${nextId()}:`;
    const node = async () => scope.adopt(await startRedisNode(redis, store, keyPrefix, options));
    return [await node(), await node()];
  }
  const wire = (s: TestServer, userId: string): Promise<WireClient> => scope.wire(s, userId);

  it('holds one creation rate limit for a user over all nodes', async () => {
    const [a, b] = await twoNodes({ rateLimits: { conversations: { perSecond: 1 / 3600, burst: 2 } } });
    const onA = await wire(a, 'alice');
    const onB = await wire(b, 'alice');
    const create = (w: WireClient) => w.request({ type: 'group.create', reqId: nextId(), title: 't', members: ['bob'] });
    const answers = [await create(onA), await create(onB), await create(onA), await create(onB)];
    expect(answers.map((f) => (f.type === 'error' ? f.code : f.type))).toEqual([
      'conversation', 'conversation', ErrorCode.RATE_LIMITED, ErrorCode.RATE_LIMITED,
    ]);
  });

  it('stops presence between users on different nodes once they share no conversation', async () => {
    const [a, b] = await twoNodes({ presence: { ttlMs: 10_000, graceMs: 50, heartbeatMs: 200 } });
    const alice = await wire(a, 'alice');
    const bob = await wire(b, 'bob');
    const carol = await wire(b, 'carol');
    const g = await createGroup(alice, ['bob']);
    await createGroup(carol, ['bob']);
    const subscribe = (w: WireClient, userIds: string[]) =>
      w.request<PresenceResultFrame>({ type: 'presence.subscribe', reqId: nextId(), userIds });
    expect((await subscribe(alice, ['bob'])).denied).toEqual([]);
    await subscribe(carol, ['bob']);

    await alice.request({ type: 'members.remove', reqId: nextId(), conversationId: g, userIds: ['bob'] });
    const from = alice.frames.length;
    bob.send({ type: 'presence.set', status: 'away' });
    await carol.waitFor((f) => f.type === 'presence' && f.userId === 'bob' && f.status === 'away', 10_000);
    // A round trip on each connection: whatever bob's change sent alice's way has arrived by then.
    await bob.request({ type: 'sync', reqId: nextId(), cursors: [] });
    await alice.request({ type: 'sync', reqId: nextId(), cursors: [] });
    const bobSeen = alice.frames.slice(from).filter((f: ServerFrame): f is PresenceFrame => f.type === 'presence' && f.userId === 'bob');
    expect(bobSeen).toEqual([]);
  });
});
