import { encode } from 'notepack.io';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FRAME_EVENT, type PresenceResultFrame } from '@parley/protocol';
import { createMemoryStore, type Logger } from '@parley/server-sdk';
import { requireRedis, startRedis, type RedisProcess } from './helpers/redis-server.js';
import { startRedisNode } from './helpers/redis-node.js';
import { connectAs, isEvent, openDirect, sendText, until } from './helpers/fixtures.js';
import { nextId, type WireClient } from './helpers/wire-client.js';
import type { TestServer } from './helpers/test-server.js';

const hasRedis = requireRedis();

/** A logger that keeps what it was told, so a test can count the warnings of one kind. */
function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  const keep = (message: string, fields?: Record<string, unknown>) => {
    const err = fields?.err;
    warnings.push(`${message}: ${err instanceof Error ? err.message : JSON.stringify(fields ?? {})}`);
  };
  return { warnings, debug: () => {}, info: () => {}, warn: keep, error: keep };
}

// During a rolling deploy a newer release shares Redis with this one: it may publish what this
// version cannot parse, or kinds it does not know. A node must skip those, say so once per kind,
// and keep delivering.
describe.skipIf(!hasRedis)('mixed versions on the Redis bus', () => {
  let redis: RedisProcess;
  let publisher: ReturnType<typeof createClient>;
  const crashes: unknown[] = [];
  const onCrash = (err: unknown) => void crashes.push(err);
  const closing: Array<{ close(): unknown }> = [];
  beforeAll(async () => {
    redis = await startRedis();
    publisher = createClient({ url: redis.url });
    await publisher.connect();
    process.on('unhandledRejection', onCrash);
    process.on('uncaughtException', onCrash);
  });
  afterEach(async () => {
    for (const thing of closing.splice(0).reverse()) await Promise.resolve(thing.close()).catch(() => {});
  });
  afterAll(async () => {
    process.off('unhandledRejection', onCrash);
    process.off('uncaughtException', onCrash);
    await publisher?.quit();
    await redis?.close();
  });

  async function cluster(keyPrefix: string) {
    const store = createMemoryStore();
    const logger = recordingLogger();
    const a: TestServer = await startRedisNode(redis.url, store, keyPrefix, { logger });
    const b: TestServer = await startRedisNode(redis.url, store, keyPrefix, { logger });
    closing.push({ close: () => store.close() }, a, b);
    const alice = await connectAs(a, 'alice');
    const bob = await connectAs(b, 'bob');
    closing.push(alice, bob);
    return { logger, alice, bob, conversationId: await openDirect(alice, 'bob') };
  }

  /** A message each way across the two nodes, delivered live: the bus still works. */
  async function deliversBothWays(alice: WireClient, bob: WireClient, conversationId: string): Promise<void> {
    const toBob = nextId('to-bob-');
    await sendText(alice, conversationId, toBob);
    await until(() => bob.frames.some((f) => isEvent(f) && f.event.kind === 'message' && f.event.data.text === toBob), 30_000, 'alice → bob');
    const toAlice = nextId('to-alice-');
    await sendText(bob, conversationId, toAlice);
    await until(() => alice.frames.some((f) => isEvent(f) && f.event.kind === 'message' && f.event.data.text === toAlice), 30_000, 'bob → alice');
  }

  it('skips malformed and unknown adapter messages on every channel, logs each kind once, keeps delivering', { timeout: 120_000 }, async () => {
    const prefix = `mixed${Date.now()}:`;
    const { logger, alice, bob, conversationId } = await cluster(prefix);
    await deliversBothWays(alice, bob, conversationId);
    const broadcast = `${prefix}sio#/#`;
    const toBobsRoom = `${prefix}sio#/#user:bob#`;
    const garbage = [
      Buffer.from([0xc1]), // not MessagePack at all
      Buffer.from(encode('a newer envelope')),
      Buffer.from(encode(42)),
      Buffer.from(encode(['newer-node', { type: 2, data: [FRAME_EVENT, { type: 'ping' }], nsp: '/' }])), // no options
    ];
    for (let round = 0; round < 3; round++) {
      for (const payload of garbage) {
        await publisher.publish(broadcast, payload);
        await publisher.publish(toBobsRoom, payload);
      }
      for (const json of ['null', '{"type":99,"requestId":"r1","uid":"newer-node"}', '[1,2', '7']) {
        await publisher.publish(`${prefix}sio-request#/#`, json);
        await publisher.publish(`${prefix}sio-response#/#`, json);
      }
    }
    // A newer node pushing a frame type this version does not know to a user's room: it travels
    // as a normal packet, so this node forwards it and nothing on the server reads it.
    const reaction = { type: 'reaction', conversationId, seq: 2, emoji: '👍' };
    await publisher.publish(
      toBobsRoom,
      Buffer.from(encode(['newer-node', { type: 2, data: [FRAME_EVENT, reaction], nsp: '/' }, { rooms: ['user:bob'], except: [], flags: {} }])),
    );

    await deliversBothWays(alice, bob, conversationId);
    expect(bob.invalid).toContainEqual(reaction);
    expect(crashes).toEqual([]);
    // Each kind once, however many messages of it arrived (two nodes: at most one line per node).
    const skips = logger.warnings.filter((line) => line.includes('skipped'));
    expect(skips.length).toBeGreaterThan(0);
    const perKind = new Map<string, number>();
    for (const line of skips) perKind.set(line, (perKind.get(line) ?? 0) + 1);
    expect(Math.max(...perKind.values())).toBeLessThanOrEqual(2);
  });

  it('skips presence records it cannot read and still answers presence', { timeout: 120_000 }, async () => {
    const prefix = `mixedp${Date.now()}:`;
    const { alice, bob, conversationId } = await cluster(prefix);
    await deliversBothWays(alice, bob, conversationId);
    const now = Date.now();
    // What a newer node might leave: a record this version cannot parse, one with a status and
    // fields it does not know, both due to expire so that the next sweep reads them too.
    await publisher.hSet(`${prefix}pr:c:bob`, 'newer-conn-1', '{not json');
    await publisher.hSet(
      `${prefix}pr:c:bob`,
      'newer-conn-2',
      JSON.stringify({ userId: 'bob', connectionId: 'newer-conn-2', deviceId: 'd', status: 'busy', seenAt: 'soon', expiresAt: now + 60_000, mood: 'x' }),
    );
    await publisher.zAdd(`${prefix}pr:exp`, [{ score: now - 1, value: 'bob\nnewer-conn-1' }]);
    const answer = await alice.request<PresenceResultFrame>({ type: 'presence.subscribe', reqId: nextId('p-'), userIds: ['bob'] });
    expect(answer).toMatchObject({ type: 'presence.result', denied: [] });
    expect(answer.users.map((u) => [u.userId, u.status])).toEqual([['bob', 'online']]);
    await deliversBothWays(alice, bob, conversationId);
    expect(crashes).toEqual([]);
  });
});
