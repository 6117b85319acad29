import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import type { ChatStore, ParleyNotification } from '@parley/server-sdk';
import { createSqliteStore } from '@parley/server-sdk/sqlite';
import { createMongoStore } from '@parley/server-sdk/mongodb';
import { testScope } from './helpers/scope.js';
import { createGroup, sendText, until } from './helpers/fixtures.js';
import { freshDatabaseName, mongoTestUri } from './helpers/mongo-env.js';
import { requireRedis, startRedis, type RedisProcess } from './helpers/redis-server.js';
import { CLUSTER_DEV_SECRET, startRedisNode } from './helpers/redis-node.js';
import { startReferenceProcess, type ReferenceProcess } from './helpers/reference-process.js';
import { startPushService, type PushService } from './helpers/push-service.js';
import { notificationOptions, USERS, VAPID } from './helpers/notification-setup.js';
import { connectWire, nextId, type WireClient } from './helpers/wire-client.js';
import type { TestServer } from './helpers/test-server.js';

// Several nodes share one queue: each notification is sent by exactly one of them, a user
// connected to any node counts as connected, and a node killed mid-send is covered by another.

const scope = testScope();
const hasRedis = requireRedis();
const WAIT = 60_000;

/** Two handles on one database, as two nodes have. */
type Pair = readonly [name: string, open: () => Promise<[ChatStore, ChatStore]>];

function pairs(): Pair[] {
  const dir = mkdtempSync(join(tmpdir(), 'parley-notify-nodes-'));
  const clients: MongoClient[] = [];
  afterAll(async () => {
    for (const client of clients) await client.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const out: Pair[] = [
    ['SQLite', async () => {
      const filename = join(dir, `${nextId('db')}.sqlite`);
      return [createSqliteStore({ filename }), createSqliteStore({ filename })];
    }],
  ];
  const uri = mongoTestUri('notifications on a shared MongoDB store');
  if (uri) {
    out.push(['MongoDB', async () => {
      const name = freshDatabaseName('notify');
      const opened = await Promise.all([MongoClient.connect(uri), MongoClient.connect(uri)]);
      clients.push(...opened);
      const [a, b] = opened.map((client) => createMongoStore({ db: client.db(name) }));
      await a!.ensureIndexes();
      scope.adopt({ close: () => opened[0]!.db(name).dropDatabase() });
      return [a!, b!];
    }]);
  }
  return out;
}

describe.skipIf(!hasRedis).each(pairs())('notifications from two nodes over Redis (%s store)', (_name, open) => {
  let redis: RedisProcess;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.close();
  });

  async function twoNodes(push: PushService, delayMs = 0): Promise<[TestServer, TestServer]> {
    const [storeA, storeB] = await open();
    // Adopted first, closed last: after the nodes that use them.
    scope.adopt(storeA);
    scope.adopt(storeB);
    const prefix = `notify${nextId()}:`;
    const options = { users: USERS, notifications: notificationOptions(push, { delayMs, concurrency: 4 }) };
    const a = scope.adopt(await startRedisNode(redis.url, storeA, prefix, options));
    const b = scope.adopt(await startRedisNode(redis.url, storeB, prefix, options));
    return [a, b];
  }

  it('sends each notification once, whichever node stored the message', async () => {
    const push = scope.adopt(await startPushService(VAPID.publicKey));
    push.behave(() => ({ status: 201, delayMs: 5 }));
    const [a, b] = await twoNodes(push);
    const recipients = ['u1', 'u2', 'u3', 'u4', 'u5', 'u6'];
    for (const userId of recipients) await a.chat.notifications!.registerPush(userId, `${userId}-phone`, push.subscribe(userId));
    const onA = await scope.wire(a, 'alice');
    const onB = await scope.wire(b, 'zoe');
    const groups = [await createGroup(onA, [...recipients, 'zoe'], 'one'), await createGroup(onA, [...recipients, 'zoe'], 'two')];
    const last = new Map<string, number>();
    for (let i = 0; i < 30; i++) {
      const group = groups[i % 2]!;
      const ack = await sendText(i % 3 === 0 ? onB : onA, group, `#${i}`);
      last.set(group, ack.seq);
    }
    // Everyone ends up told of the newest message of each group…
    await until(
      () => recipients.every((u) => groups.every((g) => push.delivered(u).some((n) => n.conversationId === g && n.seq === last.get(g)))),
      WAIT,
      () => `every recipient told of the last message of each group: ${JSON.stringify(recipients.map((u) => push.delivered(u).map((n) => n.seq)))}`,
    );
    await until(async () => (await a.store.listNotifications({ limit: 100 })).length === 0, WAIT, 'the queue empty');
    // …and no notification went out twice: one push per id, and the nodes' sends add up to them.
    const ids = push.delivered().map((n: ParleyNotification) => n.id);
    expect(ids.length).toBe(new Set(ids).size);
    const sent = (server: TestServer) => Number(/parley_notification_pushes_total\{channel="web-push",outcome="sent"\} (\d+)/.exec(server.chat.metrics.registry.render())?.[1] ?? 0);
    expect(sent(a) + sent(b)).toBe(ids.length);
    expect(push.invalid()).toEqual([]);
  }, 180_000);

  it('counts a user connected to the other node as connected, and their device\'s receipt there cancels the notification', async () => {
    const push = scope.adopt(await startPushService(VAPID.publicKey));
    const [a, b] = await twoNodes(push, 2_000);
    await a.chat.notifications!.registerPush('bob', 'bob-phone', push.subscribe('bob-phone'));
    await a.chat.notifications!.registerPush('carol', 'carol-phone', push.subscribe('carol-phone'));
    const alice = await scope.wire(a, 'alice');
    const group = await createGroup(alice, ['bob', 'carol']);
    // bob's app is open on node B and reports what it receives, as the SDK does.
    const bob: WireClient = await scope.wire(b, 'bob');
    await scope.wire(b, 'carol');
    const ack = await sendText(alice, group, 'seen on node B');
    await until(() => bob.frames.some((f) => f.type === 'event' && f.event.seq === ack.seq), WAIT, 'bob receives it live through node B');
    bob.send({ type: 'receipt', conversationId: group, deliveredSeq: ack.seq });
    // carol (connected, not reporting) gets hers after the delay; bob's is cancelled.
    await until(() => push.delivered('carol-phone').length === 1, WAIT, 'carol notified after the delay');
    await until(async () => (await a.store.listNotifications({ limit: 10 })).length === 0, WAIT, 'settled');
    expect(push.delivered('bob-phone')).toEqual([]);
  }, 120_000);
});

describe('a node killed mid-send (reference servers on one SQLite file)', () => {
  function dataDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'parley-notify-kill-'));
    scope.adopt({ close: () => rmSync(dir, { recursive: true, force: true }) });
    return dir;
  }
  async function start(dir: string, push: PushService): Promise<ReferenceProcess> {
    const node = await startReferenceProcess(['--dev', '--data-dir', dir], {
      PARLEY_DEV_SECRET: CLUSTER_DEV_SECRET,
      PARLEY_VAPID_PUBLIC_KEY: VAPID.publicKey,
      PARLEY_VAPID_PRIVATE_KEY: VAPID.privateKey,
      PARLEY_VAPID_SUBJECT: VAPID.subject,
      PARLEY_PUSH_ENDPOINTS: push.url,
      PARLEY_NOTIFY_POLL_MS: '50',
      PARLEY_NOTIFY_TIMEOUT_MS: '60000',
      PARLEY_NOTIFY_LEASE_MS: '2000',
    });
    scope.adopt({ close: () => (node.child.exitCode === null ? node.kill() : undefined) });
    return node;
  }

  it('is covered by another node once its lease runs out: the notification is sent', async () => {
    const dir = dataDir();
    const push = scope.adopt(await startPushService(VAPID.publicKey));
    // The first push never gets an answer: the node that sent it is killed while it waits.
    push.behave(({ nth }) => (nth === 1 ? { status: 201, hang: true } : { status: 201 }));
    const nodeA = await start(dir, push);
    const file = createSqliteStore({ filename: join(dir, 'parley.sqlite') });
    scope.adopt(file);
    const sub = push.subscribe('bob-phone');
    await file.savePushSubscription({ userId: 'bob', deviceId: 'bob-phone', endpoint: sub.endpoint, keys: sub.keys, expirationTime: null, createdAt: Date.now() });
    const alice = scope.adopt(await connectWire(nodeA.url, { token: await nodeA.issueToken('alice'), deviceId: 'alice-dev' }));
    await alice.waitFor((f) => f.type === 'welcome');
    const group = await createGroup(alice, ['bob']);
    const ack = await sendText(alice, group, 'are you there?');
    await until(() => push.hanging() === 1, WAIT, 'node A mid-send');
    const nodeB = await start(dir, push);
    await nodeA.kill();
    // Node B claims it once node A's lease ran out, and sends it.
    await until(() => push.delivered('bob-phone').some((n) => n.seq === ack.seq), WAIT, 'sent by node B');
    await until(async () => (await file.listNotifications({ limit: 10 })).length === 0, WAIT, 'settled');
    expect(push.delivered('bob-phone')).toHaveLength(1);
    expect(push.invalid()).toEqual([]);
    void nodeB;
  }, 120_000);
});
