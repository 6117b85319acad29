import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, type EventFrame, type LogEvent, type NackFrame, type PresenceResultFrame, type PresenceStatus, type ServerFrame } from '@parley/protocol';
import { createMemoryStore, type ChatServerOptions } from '@parley/server-sdk';
import { requireRedis } from './helpers/redis-server.js';
import { REDIS_DEPLOYMENTS, type RedisDeployment } from './helpers/redis-deployments.js';
import { startRedisNode, type RedisTestNode } from './helpers/redis-node.js';
import { createGroup, isEvent, openDirect, sendText, until } from './helpers/fixtures.js';
import { testScope } from './helpers/scope.js';
import { online, sentTexts, waitFor } from './helpers/sdk.js';
import { nextId, type WireClient } from './helpers/wire-client.js';

const hasRedis = requireRedis();
/** Deadlines of condition waits: generous, since CI shares two cores (a passing wait returns at once). */
const WAIT = 60_000;
const TEST_TIMEOUT = 240_000;
/** Limits out of the way, for the tests that are not about limits. */
const UNLIMITED = { perSecond: 10_000, burst: 10_000 };

/**
 * The scale-out suite, on a single Redis and on a three-master Redis Cluster: two in-process
 * nodes sharing one store and one Redis, users on both.
 */
describe.skipIf(!hasRedis).each(REDIS_DEPLOYMENTS)('@parley/server-sdk/redis on %s', (_name, startDeployment) => {
  const scope = testScope();
  let redis: RedisDeployment;
  beforeAll(async () => {
    redis = await startDeployment();
  }, 120_000);
  afterAll(async () => {
    await redis?.close();
  });

  async function twoNodes(options: Partial<ChatServerOptions> = {}): Promise<[RedisTestNode, RedisTestNode]> {
    const store = createMemoryStore();
    const keyPrefix = `so${nextId()}:`;
    const node = async () => scope.adopt(await startRedisNode(redis, store, keyPrefix, options));
    return [await node(), await node()];
  }
  const wire = (s: RedisTestNode, userId: string): Promise<WireClient> => scope.wire(s, userId);

  const isTypingFrom = (userId: string, conversationId: string) => (f: ServerFrame) =>
    f.type === 'typing.update' && f.userId === userId && f.conversationId === conversationId;

  /**
   * Typing (volatile, so safe to repeat) from `from` until every receiver saw one. On sharded
   * pub/sub a node subscribes to a room's channel when the room's first connection there joins,
   * a moment after the connection's welcome: from the first relayed typing on, that room's
   * pushes reach the receiver's node.
   */
  async function untilRelayed(from: WireClient, conversationId: string, receivers: WireClient[]): Promise<void> {
    const deadline = Date.now() + WAIT;
    for (;;) {
      from.send({ type: 'typing', conversationId });
      const seen = await Promise.all(receivers.map((r) => r.waitFor(isTypingFrom(fromUser(from), conversationId), 500).then(() => true, () => false)));
      if (seen.every(Boolean)) return;
      if (Date.now() > deadline) throw new Error('typing never reached the other node');
    }
  }
  const users = new WeakMap<WireClient, string>();
  const fromUser = (w: WireClient) => users.get(w)!;
  async function userOn(s: RedisTestNode, userId: string): Promise<WireClient> {
    const w = await wire(s, userId);
    users.set(w, userId);
    return w;
  }

  /** The texts of messages from `senderId` a wire client got live in a conversation, in arrival order. */
  const liveFrom = (w: WireClient, conversationId: string, senderId: string) =>
    w.frames
      .filter(isEvent)
      .map((f: EventFrame) => f.event)
      .filter((e) => e.kind === 'message' && e.conversationId === conversationId && e.senderId === senderId)
      .map((e) => (e.kind === 'message' ? e.data.text : undefined));

  it('relays typing and fans every message out live to members on both nodes, each once and in order', async () => {
    const [a, b] = await twoNodes({ rateLimits: { sends: UNLIMITED, typing: UNLIMITED } });
    const [alice, dave] = [await userOn(a, 'alice'), await userOn(a, 'dave')];
    const [bob, carol] = [await userOn(b, 'bob'), await userOn(b, 'carol')];
    const g = await createGroup(alice, ['bob', 'carol', 'dave']);
    await untilRelayed(alice, g, [bob, carol, dave]);
    await untilRelayed(bob, g, [alice, dave, carol]);

    const fromAlice = Array.from({ length: 15 }, (_, i) => `alice ${i}`);
    const fromBob = Array.from({ length: 15 }, (_, i) => `bob ${i}`);
    // Both nodes publish at once: each sender's messages one after the other, the two interleaved.
    await Promise.all([
      (async () => { for (const text of fromAlice) await sendText(alice, g, text); })(),
      (async () => { for (const text of fromBob) await sendText(bob, g, text); })(),
    ]);
    // A sender's own connection gets its ACKs; every other member's gets each message live.
    const expected: Array<[WireClient, string, 'alice' | 'bob', string[]]> = [
      [bob, 'bob', 'alice', fromAlice], [carol, 'carol', 'alice', fromAlice], [dave, 'dave', 'alice', fromAlice],
      [alice, 'alice', 'bob', fromBob], [carol, 'carol', 'bob', fromBob], [dave, 'dave', 'bob', fromBob],
    ];
    for (const [w, name, sender, texts] of expected) {
      await until(() => liveFrom(w, g, sender).length >= texts.length, WAIT, () => `${name} to get ${sender}'s messages live: ${JSON.stringify(liveFrom(w, g, sender))}`);
    }
    for (const [w, , sender, texts] of expected) expect(liveFrom(w, g, sender)).toEqual(texts);
  }, TEST_TIMEOUT);

  it('shares presence across nodes: aggregated over devices on both, away, then offline with last seen', async () => {
    const [a, b] = await twoNodes({ presence: { ttlMs: 10_000, graceMs: 50, heartbeatMs: 200 }, rateLimits: { typing: UNLIMITED } });
    const alice = await userOn(a, 'alice');
    const bobPhone = await userOn(b, 'bob');
    const id = await openDirect(alice, 'bob');
    const subscribed = await alice.request<PresenceResultFrame>({ type: 'presence.subscribe', reqId: nextId(), userIds: ['bob'] });
    expect(subscribed).toMatchObject({ denied: [], users: [{ userId: 'bob', status: 'online', lastSeenAt: null }] });
    // Alice's node asked Redis for bob's presence channel before it answered her; bob's typing,
    // relayed to her across nodes after that, shows the bus carries what bob's node publishes.
    await untilRelayed(bobPhone, id, [alice]);
    const told = () => alice.frames.flatMap((f) => (f.type === 'presence' && f.userId === 'bob' ? [f.status] : []));
    /** Does `act`, then waits until alice is told `status` (a change told after `act`). */
    const tells = async (status: PresenceStatus, act: () => unknown) => {
      const from = told().length;
      await act();
      await until(() => told().slice(from).includes(status), WAIT, () => `alice told ${status}: ${JSON.stringify(told())}`);
    };

    await tells('away', () => bobPhone.send({ type: 'presence.set', status: 'away' }));
    // A second device, on the other node, active: online wins over the phone's away.
    let bobLaptop: WireClient | undefined;
    await tells('online', async () => (bobLaptop = await userOn(a, 'bob')));
    await tells('away', () => bobLaptop!.close());
    await tells('offline', () => bobPhone.close());
    const offline = alice.frames.findLast((f) => f.type === 'presence' && f.status === 'offline');
    expect(offline).toMatchObject({ lastSeenAt: expect.any(Number) });
    // Each change told once. (Bob's phone going online, published as it connected, may reach
    // alice only after she subscribed: that is no change to her.)
    const changes = told();
    if (changes[0] === 'online') changes.shift();
    expect(changes).toEqual(['away', 'online', 'away', 'offline']);
  }, TEST_TIMEOUT);

  it('enforces one send rate limit for a user across all nodes', async () => {
    const [a, b] = await twoNodes({ rateLimits: { sends: { perSecond: 0.001, burst: 4 } } });
    const onA = await wire(a, 'alice');
    const onB = await wire(b, 'alice');
    const id = await openDirect(onA, 'bob');
    const answers = () => [...onA.frames, ...onB.frames].filter((f) => f.type === 'ack' || f.type === 'nack');
    // One send at a time, alternating nodes: each waits for its answer (no timing involved).
    for (const [i, client] of [onA, onB, onA, onB, onA, onB].entries()) {
      client.send({ type: 'send', conversationId: id, clientMsgId: nextId('rl-'), data: { text: 'x' } });
      await until(() => answers().length === i + 1, WAIT, `answer ${i + 1}`);
    }
    const nacks = answers().filter((f): f is NackFrame => f.type === 'nack');
    expect(answers().filter((f) => f.type === 'ack')).toHaveLength(4);
    expect(nacks).toHaveLength(2);
    expect(nacks.every((n) => n.code === ErrorCode.RATE_LIMITED && n.retryable)).toBe(true);
  }, TEST_TIMEOUT);

  it('refuses a member removed on node A on node B at once', async () => {
    const [a, b] = await twoNodes({ rateLimits: { sends: UNLIMITED } });
    const alice = await wire(a, 'alice');
    const bob = await wire(b, 'bob');
    const g = await createGroup(alice, ['bob', 'carol']);
    // Node B has served bob in the group (whatever it keeps of the membership, it is warm).
    await sendText(bob, g, 'before');
    const removed = await alice.request({ type: 'members.remove', reqId: nextId(), conversationId: g, userIds: ['bob'] });
    expect(removed.type).not.toBe('error');
    const clientMsgId = nextId('after-');
    bob.send({ type: 'send', conversationId: g, clientMsgId, data: { text: 'after' } });
    const answer = await bob.waitFor((f) => (f.type === 'ack' || f.type === 'nack') && f.clientMsgId === clientMsgId, WAIT);
    expect(answer).toMatchObject({ type: 'nack', code: ErrorCode.NOT_FOUND, retryable: false });
    const res = await fetch(`${a.url}/api/conversations/${g}/messages?limit=50`, { headers: { authorization: `Bearer ${await a.token('alice')}` } });
    const { events } = (await res.json()) as { events: LogEvent[] };
    expect(events.flatMap((e) => (e.kind === 'message' ? [e.data.text] : []))).toEqual(['before']);
  }, TEST_TIMEOUT);

  it('keeps sending through a Redis outage and converges the other node`s clients once Redis is back', async () => {
    const [a, b] = await twoNodes({ rateLimits: { sends: UNLIMITED } });
    const alice = scope.client(a, 'alice');
    const bob = scope.client(b, 'bob');
    await waitFor(alice, online, WAIT, 'alice online');
    await waitFor(bob, online, WAIT, 'bob online');
    const { id } = await alice.openDirect('bob');
    await alice.send(id, 'before');
    await waitFor(bob, (c) => sentTexts(c, id).length === 1, WAIT, 'the first message on node B');

    await redis.stop();
    for (let i = 0; i < 5; i++) await alice.send(id, `during ${i}`);
    // The store is the truth: sends persist and ACK with Redis down.
    await waitFor(alice, (c) => sentTexts(c, id).length === 6, WAIT, 'acks during the outage');
    // Redis returns only once both nodes have seen it go: the recovery path is what is tested.
    await until(() => a.redisErrors() > 0 && b.redisErrors() > 0, WAIT, 'both nodes noticed the outage');
    await redis.start();
    // Nothing is sent after Redis returns: bob converges by the resync alone.
    await waitFor(bob, (c) => sentTexts(c, id).length === 6, WAIT, 'bob converging after the outage');
    expect(sentTexts(bob, id)).toEqual(sentTexts(alice, id));
  }, TEST_TIMEOUT);
});
