import { describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createChatMetrics, createMemoryStore, createWebhookDispatcher, type ChatStore, type LogFields } from '@parley/server-sdk';
import { createSqliteStore } from '@parley/server-sdk/sqlite';
import { testScope } from './helpers/scope.js';
import { until } from './helpers/fixtures.js';
import { startWebhookReceiver, type Behaviour } from './helpers/webhook-receiver.js';
import { conversationIn, dispatcherOn, storeMessage } from './helpers/webhook-setup.js';

const scope = testScope();
const SECRET = 'whsec-retries';

async function receiver(behaviour?: Behaviour) {
  return scope.adopt(await startWebhookReceiver(SECRET, behaviour));
}
function memoryStore(): ChatStore {
  return scope.adopt(createMemoryStore());
}

describe('webhooks: retries, dead letters, replay', () => {
  it('retries a failing receiver with the same event id until it answers 2xx', async () => {
    const store = memoryStore();
    const hook = await receiver(({ nthForEvent }) => ({ status: nthForEvent <= 3 ? 500 : 204 }));
    const { webhooks, metrics } = dispatcherOn(store, { endpoints: [{ name: 'a', url: hook.url, secret: SECRET }] }, scope.adopt);
    const event = await storeMessage(store, await conversationIn(store), 'again and again');
    await webhooks.enqueue([event]);

    await until(() => hook.delivered().has(event.id), 30_000, 'delivery after three failures');
    expect(hook.received.map((r) => [r.headers['parley-event-id'], r.headers['parley-delivery-attempt'], r.status])).toEqual([
      [event.id, '1', 500],
      [event.id, '2', 500],
      [event.id, '3', 500],
      [event.id, '4', 204],
    ]);
    expect(hook.received.every((r) => r.body === hook.received[0]!.body)).toBe(true);
    await until(async () => (await webhooks.list({ state: 'delivered' })).length === 1, 20_000, 'the delivery settled');
    expect(metrics.webhookAttempts.get({ endpoint: 'a', outcome: 'status' })).toBe(3);
    expect(metrics.webhookAttempts.get({ endpoint: 'a', outcome: 'delivered' })).toBe(1);
  });

  it('retries a receiver slower than the timeout', async () => {
    const store = memoryStore();
    const hook = await receiver(({ nthForEvent }) => (nthForEvent === 1 ? { status: 200, delayMs: 6000 } : { status: 200 }));
    const { webhooks, metrics } = dispatcherOn(store, { endpoints: [{ name: 'a', url: hook.url, secret: SECRET }], timeoutMs: 1500 }, scope.adopt);
    const event = await storeMessage(store, await conversationIn(store), 'slowly');
    await webhooks.enqueue([event]);

    await until(async () => (await webhooks.list({ state: 'delivered' })).length === 1, 30_000, 'delivery after a timeout');
    expect(hook.count(event.id)).toBeGreaterThanOrEqual(2);
    expect(metrics.webhookAttempts.get({ endpoint: 'a', outcome: 'timeout' })).toBeGreaterThanOrEqual(1);
    const [delivered] = await webhooks.list({ state: 'delivered' });
    expect(delivered!.attempts).toBeGreaterThanOrEqual(2);
  });

  it('retries while nothing listens, then delivers when the receiver comes up on its port', async () => {
    const store = memoryStore();
    // Take a free port, then free it: connections to it are refused until the receiver starts.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const url = `http://127.0.0.1:${port}/hooks`;
    const { webhooks, metrics } = dispatcherOn(store, { endpoints: [{ name: 'a', url, secret: SECRET }], maxAttempts: 100 }, scope.adopt);
    const event = await storeMessage(store, await conversationIn(store), 'anyone there?');
    await webhooks.enqueue([event]);
    await until(() => metrics.webhookAttempts.get({ endpoint: 'a', outcome: 'network' }) >= 2, 30_000, 'refused attempts');
    const [pending] = await webhooks.list({ state: 'pending' });
    expect(pending!.lastError).toMatch(/ECONNREFUSED|fetch failed/);

    const hook = scope.adopt(await startWebhookReceiver(SECRET, undefined, port));
    await until(() => hook.delivered().has(event.id), 30_000, 'delivery once the receiver listens');
  });

  it('marks a delivery dead after maxAttempts, lists it, and replays it on demand', async () => {
    const store = memoryStore();
    let healthy = false;
    const hook = await receiver(() => ({ status: healthy ? 200 : 503 }));
    const { webhooks, metrics } = dispatcherOn(store, { endpoints: [{ name: 'a', url: hook.url, secret: SECRET }], maxAttempts: 3 }, scope.adopt);
    const event = await storeMessage(store, await conversationIn(store), 'doomed');
    await webhooks.enqueue([event]);

    await until(async () => (await webhooks.list({ state: 'dead' })).length === 1, 30_000, 'a dead delivery');
    const [dead] = await webhooks.list({ state: 'dead' });
    expect(dead).toMatchObject({ id: `a:${event.id}`, eventId: event.id, attempts: 3, lastError: 'HTTP 503' });
    expect(hook.count(event.id)).toBe(3);
    expect(metrics.webhookDead.get({ endpoint: 'a' })).toBe(1);
    expect(await webhooks.list({ state: 'pending' })).toEqual([]);

    healthy = true;
    expect(await webhooks.replay({ state: 'dead' })).toBe(1);
    await until(() => hook.delivered().has(event.id), 30_000, 'the replayed delivery');
    expect(hook.count(event.id)).toBe(4);
    await until(async () => (await webhooks.list({ state: 'dead' })).length === 0, 20_000, 'no dead delivery left');
    // A delivered one can be sent again by id (a receiver that lost its copy).
    await until(async () => (await webhooks.list({ state: 'delivered' })).length === 1, 20_000, 'the delivery settled');
    expect(await webhooks.replay({ ids: [`a:${event.id}`] })).toBe(1);
    await until(() => hook.count(event.id) === 5, 30_000, 'the delivery replayed by id');
  });

  it('a store that fails under the dispatcher is logged and counted, never thrown', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-hooks-'));
    scope.adopt({ close: () => rmSync(dir, { recursive: true, force: true }) });
    const store = createSqliteStore({ filename: join(dir, 'hooks.sqlite') });
    const hook = await receiver();
    const warnings: LogFields[] = [];
    const logger = { debug() {}, info() {}, error() {}, warn: (_m: string, fields?: LogFields) => void warnings.push(fields ?? {}) };
    const metrics = createChatMetrics();
    const webhooks = scope.adopt(
      createWebhookDispatcher({ store, logger, metrics }, { endpoints: [{ name: 'a', url: hook.url, secret: SECRET }], pollIntervalMs: 20 }),
    );
    const event = await storeMessage(store, await conversationIn(store), 'before the fault');
    await webhooks.enqueue([event]);
    await until(() => hook.delivered().has(event.id), 20_000, 'a delivery while the store works');
    // The database goes away (closed under the dispatcher): every poll fails, and the process stays up.
    await store.close();
    await until(() => metrics.webhookQueueErrors.get() >= 3, 20_000, 'failed polls counted');
    expect(warnings.length).toBeGreaterThanOrEqual(3);
    await expect(webhooks.enqueue([event])).rejects.toThrow(); // the caller (the send path) learns it was not queued
  });
});
