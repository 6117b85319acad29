import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogEvent } from '@parley/protocol';
import { createMemoryStore } from '@parley/server-sdk';
import { requireRedis } from './helpers/redis-server.js';
import { REDIS_DEPLOYMENTS, type RedisDeployment } from './helpers/redis-deployments.js';
import { startRedisNode } from './helpers/redis-node.js';
import { testScope } from './helpers/scope.js';
import { online, waitFor } from './helpers/sdk.js';
import { nextId } from './helpers/wire-client.js';

const hasRedis = requireRedis();
const scope = testScope();

/** The server API on one node of a cluster; clients on another. */
describe.skipIf(!hasRedis).each(REDIS_DEPLOYMENTS)('chat.api across nodes over %s', (_name, startDeployment) => {
  let redis: RedisDeployment;
  beforeAll(async () => {
    redis = await startDeployment();
  }, 120_000);
  afterAll(async () => {
    await redis?.close();
  });

  it("reaches clients connected to another node: a new group, a bot's message, an edit, an added member", async () => {
    const store = createMemoryStore();
    const prefix = `api${nextId()}:`;
    const a = scope.adopt(await startRedisNode(redis, store, prefix));
    const b = scope.adopt(await startRedisNode(redis, store, prefix));
    const heardOnA: LogEvent[] = [];
    const heardOnB: LogEvent[] = [];
    a.chat.on('event', (e) => heardOnA.push(e));
    b.chat.on('event', (e) => heardOnB.push(e));
    const alice = scope.client(b, 'alice');
    const carol = scope.client(b, 'carol');
    for (const c of [alice, carol]) await waitFor(c, online);

    const { conversation } = await a.chat.api.createGroup({ id: 'support-42', title: 'Support #42', members: ['alice', 'agent'], createdBy: 'agent' });
    await waitFor(alice, (c) => c.getConversation('support-42')?.title === 'Support #42', 10_000, 'the group on node B');
    const { event } = await a.chat.api.send({ conversationId: conversation.id, senderId: 'support-bot', text: 'An agent will be with you shortly' });
    await a.chat.api.edit({ conversationId: conversation.id, messageId: event.id, by: 'support-bot', text: 'Agent Kim is with you' });
    await waitFor(alice, (c) => c.getMessages('support-42')[0]?.text === 'Agent Kim is with you', 10_000, 'the edited bot message on node B');
    await a.chat.api.addMembers('support-42', ['carol'], { by: 'agent' });
    await waitFor(carol, (c) => c.getConversation('support-42') !== undefined, 10_000, 'the group on carol (node B)');
    // Listeners run on the node that stored each event, and only there.
    expect(heardOnA.map((e) => e.kind)).toEqual(['conversation.created', 'message', 'message.edited', 'members.added']);
    expect(heardOnB).toEqual([]);
  });
});
