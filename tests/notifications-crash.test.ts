import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AckFrame } from '@parley/protocol';
import { createSqliteStore } from '@parley/server-sdk/sqlite';
import { testScope } from './helpers/scope.js';
import { until } from './helpers/fixtures.js';
import { startReferenceProcess, type ReferenceProcess } from './helpers/reference-process.js';
import { connectWire, nextId, type WireClient } from './helpers/wire-client.js';
import { startPushService, type PushService } from './helpers/push-service.js';
import { VAPID } from './helpers/notification-setup.js';

// A server SIGKILLed with notifications pending (queued, some attempted and failed) loses none:
// restarted on its data, it sends each user's collapsed notification of everything they missed.

const scope = testScope();
const RECIPIENTS = ['u1', 'u2', 'u3', 'u4', 'u5'];

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'parley-notify-crash-'));
  scope.adopt({ close: () => rmSync(dir, { recursive: true, force: true }) });
  return dir;
}

/** The reference server on its SQLite store, Web Push on from the environment, test-sized timing. */
async function start(dir: string, push: PushService): Promise<ReferenceProcess> {
  const server = await startReferenceProcess(['--dev', '--data-dir', dir], {
    PARLEY_VAPID_PUBLIC_KEY: VAPID.publicKey,
    PARLEY_VAPID_PRIVATE_KEY: VAPID.privateKey,
    PARLEY_VAPID_SUBJECT: VAPID.subject,
    PARLEY_PUSH_ENDPOINTS: push.url,
    PARLEY_NOTIFY_RETRY_MS: '100',
    PARLEY_NOTIFY_MAX_RETRY_MS: '400',
    PARLEY_NOTIFY_MAX_ATTEMPTS: '1000',
    PARLEY_NOTIFY_LEASE_MS: '3000',
    PARLEY_NOTIFY_POLL_MS: '50',
  });
  scope.adopt({ close: () => (server.child.exitCode === null ? server.kill() : undefined) });
  return server;
}

async function connect(server: ReferenceProcess, userId: string): Promise<WireClient> {
  const client = scope.adopt(await connectWire(server.url, { token: await server.issueToken(userId), deviceId: `${userId}-dev` }));
  await client.waitFor((f) => f.type === 'welcome');
  return client;
}

describe('notifications survive a crash (reference server, SQLite)', () => {
  it('sends every pending notification after the server is SIGKILLed and restarted on its data', async () => {
    const dir = dataDir();
    const push = scope.adopt(await startPushService(VAPID.publicKey));
    // The push service is down while the server runs: every attempt fails, so all stay pending.
    push.behave(() => ({ status: 500 }));
    let server = await start(dir, push);
    const owner = await connect(server, 'u0');
    owner.send({ type: 'group.create', reqId: nextId('g-'), title: 'crash', members: RECIPIENTS });
    const created = await owner.waitFor((f) => f.type === 'conversation');
    if (created.type !== 'conversation') throw new Error('no group');
    const group = created.conversation.id;
    // Each recipient's browser registered a subscription (written to the server's own file, as
    // the registration does: the server reads them when it sends).
    const file = createSqliteStore({ filename: join(dir, 'parley.sqlite') });
    for (const userId of RECIPIENTS) {
      const sub = push.subscribe(userId);
      await file.savePushSubscription({ userId, deviceId: `${userId}-browser`, endpoint: sub.endpoint, keys: sub.keys, expirationTime: null, createdAt: Date.now() });
    }
    for (let i = 0; i < 12; i++) owner.send({ type: 'send', conversationId: group, clientMsgId: nextId('c-'), data: { text: `#${i}` } });
    await until(() => owner.frames.filter((f) => f.type === 'ack').length === 12, 30_000, '12 acks');
    await until(() => push.received.length >= 10, 30_000, 'failed attempts under way');
    await server.kill();

    const lastSeq = Math.max(...owner.frames.filter((f): f is AckFrame => f.type === 'ack').map((f) => f.seq));
    expect(push.delivered()).toEqual([]);
    const left = await file.listNotifications({ limit: 100 });
    expect(left.map((n) => n.userId).sort()).toEqual(RECIPIENTS);
    expect(left.every((n) => n.lastSeq === lastSeq)).toBe(true);

    push.behave(() => ({ status: 201 }));
    server = await start(dir, push);
    await until(
      () => RECIPIENTS.every((userId) => push.delivered(userId).some((n) => n.seq === lastSeq)),
      60_000,
      () => `every recipient notified of seq ${lastSeq}; got ${JSON.stringify(RECIPIENTS.map((u) => push.delivered(u).map((n) => n.seq)))}`,
    );
    for (const userId of RECIPIENTS) {
      const [notification] = push.delivered(userId).filter((n) => n.seq === lastSeq);
      expect(notification).toMatchObject({ userId, conversationId: group, title: 'crash', count: 12 });
    }
    expect(push.invalid()).toEqual([]);
    await until(async () => (await file.listNotifications({ limit: 100 })).length === 0, 30_000, 'the queue empty');
    await file.close();
  }, 180_000);
});
