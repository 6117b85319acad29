import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { MongoClient } from 'mongodb';
import { createMemoryStore, type ChatStore } from '@parley/server-sdk';
import { createSqliteStore } from '@parley/server-sdk/sqlite';
import { createMongoStore } from '@parley/server-sdk/mongodb';
import { testScope } from './helpers/scope.js';
import { until } from './helpers/fixtures.js';
import { freshDatabaseName, mongoTestUri } from './helpers/mongo-env.js';
import { startWebhookReceiver } from './helpers/webhook-receiver.js';
import { conversationIn, dispatcherOn, storeMessage } from './helpers/webhook-setup.js';
import { nextId } from './helpers/wire-client.js';

const scope = testScope();
const SECRET = 'whsec-nodes';

/** Two handles on one store, as two server nodes have: the same object (memory) or two connections to one database. */
type NodePair = readonly [name: string, open: () => Promise<[ChatStore, ChatStore]>];

function nodePairs(): NodePair[] {
  const dir = mkdtempSync(join(tmpdir(), 'parley-hooks-'));
  const clients: MongoClient[] = [];
  afterAll(async () => {
    for (const client of clients) await client.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const pairs: NodePair[] = [
    ['memory', async () => {
      const store = createMemoryStore();
      return [store, store];
    }],
    ['SQLite', async () => {
      const filename = join(dir, `${nextId('db')}.sqlite`);
      return [createSqliteStore({ filename }), createSqliteStore({ filename })];
    }],
  ];
  const uri = mongoTestUri('webhooks on a shared MongoDB store');
  if (uri) {
    pairs.push(['MongoDB', async () => {
      const name = freshDatabaseName('hooks');
      const opened = await Promise.all([MongoClient.connect(uri), MongoClient.connect(uri)]);
      clients.push(...opened);
      const [a, b] = opened.map((client) => createMongoStore({ db: client.db(name) }));
      await a!.ensureIndexes();
      scope.adopt({ close: () => opened[0]!.db(name).dropDatabase() });
      return [a!, b!];
    }]);
  }
  return pairs;
}

describe.each(nodePairs())('webhooks on a shared store (%s)', (_name, open) => {
  async function nodes() {
    const [a, b] = await open();
    // Both handles close after the test; the same object twice closes once.
    scope.adopt(a);
    if (b !== a) scope.adopt(b);
    return [a, b] as const;
  }

  it('two nodes deliver each event once while both are healthy', async () => {
    const [storeA, storeB] = await nodes();
    const hook = scope.adopt(await startWebhookReceiver(SECRET, () => ({ status: 200, delayMs: 5 })));
    const endpoints = [{ name: 'crm', url: hook.url, secret: SECRET }];
    const nodeA = dispatcherOn(storeA, { endpoints, concurrency: 4 }, scope.adopt);
    const nodeB = dispatcherOn(storeB, { endpoints, concurrency: 4 }, scope.adopt);
    const conversationId = await conversationIn(storeA);
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) {
      const event = await storeMessage(i % 2 ? storeA : storeB, conversationId, `m${i}`);
      ids.push(event.id);
      await (i % 2 ? nodeA : nodeB).webhooks.enqueue([event]);
    }

    await until(() => hook.delivered().size === 40, 60_000, () => `40 deliveries, got ${hook.delivered().size}`);
    await until(async () => (await nodeA.webhooks.list({ state: 'delivered', limit: 100 })).length === 40, 30_000, 'all settled');
    expect(ids.filter((id) => hook.count(id) !== 1)).toEqual([]);
    const attempts = (n: typeof nodeA) => n.metrics.webhookAttempts.get({ endpoint: 'crm', outcome: 'delivered' });
    expect(attempts(nodeA) + attempts(nodeB)).toBe(40);
  }, 120_000);

  it('a delivery claimed by a node that died is sent by another once the lease runs out', async () => {
    const [storeA, storeB] = await nodes();
    const hook = scope.adopt(await startWebhookReceiver(SECRET));
    const conversationId = await conversationIn(storeA);
    const event = await storeMessage(storeA, conversationId, 'orphaned');
    // A node enqueues and claims it, then dies before its POST: nobody settles this claim.
    const dead = dispatcherOn(storeB, { endpoints: [{ name: 'crm', url: 'http://127.0.0.1:9/unreachable', secret: SECRET }], pollIntervalMs: 3_600_000 }, scope.adopt);
    await dead.webhooks.close();
    await dead.webhooks.enqueue([event]);
    expect(await storeB.claimDeliveries(Date.now(), 10, 1500)).toHaveLength(1);

    const live = dispatcherOn(storeA, { endpoints: [{ name: 'crm', url: hook.url, secret: SECRET }] }, scope.adopt);
    await until(() => hook.delivered().has(event.id), 30_000, 'delivery by the surviving node');
    expect(hook.received[0]!.headers['parley-delivery-attempt']).toBe('2');
    await until(async () => (await live.webhooks.list({ state: 'delivered' })).length === 1, 20_000, 'the delivery settled');
  });

  it('a message deleted while its delivery waits arrives erased', async () => {
    const [store] = await nodes();
    let up = false;
    const hook = scope.adopt(await startWebhookReceiver(SECRET, () => ({ status: up ? 200 : 503 })));
    const { webhooks } = dispatcherOn(store, { endpoints: [{ name: 'crm', url: hook.url, secret: SECRET }] }, scope.adopt);
    const conversationId = await conversationIn(store);
    const message = await storeMessage(store, conversationId, 'regrettable secret');
    await webhooks.enqueue([message]);
    await until(() => hook.count(message.id) >= 1, 20_000, 'a failed first attempt');
    expect(hook.received[0]!.body).toContain('regrettable secret');

    const { event: deleted } = await store.append({
      conversationId,
      senderId: 'alice',
      clientMsgId: nextId('del-'),
      ts: Date.now(),
      kind: 'message.deleted',
      data: { messageId: message.id, messageSeq: message.seq },
    });
    await store.eraseMessage(conversationId, message.seq);
    await webhooks.enqueue([deleted]);
    up = true;

    await until(() => hook.delivered().has(message.id) && hook.delivered().has(deleted.id), 30_000, 'both deliveries');
    const delivered = hook.received.filter((r) => r.status === 200).map((r) => r.body);
    expect(delivered.join('\n')).not.toContain('regrettable');
    expect(hook.delivered().get(message.id)).toEqual({
      id: message.id,
      type: 'message',
      createdAt: message.ts,
      conversationId,
      seq: message.seq,
      senderId: 'alice',
      data: {},
    });
    expect(hook.delivered().get(deleted.id)).toMatchObject({ type: 'message.deleted', data: { messageId: message.id, messageSeq: message.seq } });
  });
});
