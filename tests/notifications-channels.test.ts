import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createChatServer, createDevAuth, createMemoryStore, silentLogger, type ParleyNotification } from '@parley/server-sdk';
import { testScope } from './helpers/scope.js';
import { createGroup, openDirect, sendText, until } from './helpers/fixtures.js';
import { notificationOptions, pushSetup, pushedTo, USERS, VAPID } from './helpers/notification-setup.js';
import { startPushService } from './helpers/push-service.js';

// The channels: Web Push to a real (test) push service that checks VAPID and decrypts like a
// browser's push service, and the app's own `notify` hook, with their retries.

const scope = testScope();
const WAIT = 20_000;

describe('notifications over Web Push', () => {
  it('sends a VAPID-signed, aes128gcm-encrypted push that the push service verifies and the device decrypts', async () => {
    const { server, push, register } = await pushSetup(scope);
    await register('bob');
    const alice = await scope.wire(server, 'alice');
    const group = await createGroup(alice, ['bob'], 'team');
    const dm = await openDirect(alice, 'bob');
    const before = Math.floor(Date.now() / 1000);
    const ack = await sendText(alice, group, 'hello');
    await sendText(alice, dm, 'psst');
    await until(() => pushedTo(push, 'bob-phone').length === 2, WAIT, 'two pushes');
    expect(push.invalid()).toEqual([]);
    // Sent at once, so in either order.
    const first = push.received.find((r) => r.notification?.conversationId === group);
    const second = push.received.find((r) => r.notification?.conversationId === dm);
    // VAPID (RFC 8292): a JWT for this push service's origin, signed with our key, expiring within a day.
    expect(first!.claims).toMatchObject({ aud: push.url, sub: VAPID.subject });
    expect(first!.claims!.exp).toBeGreaterThan(before);
    expect(first!.claims!.exp).toBeLessThanOrEqual(before + 24 * 3600 + 60);
    // RFC 8030: kept a day for an offline device, one topic per conversation, urgent when direct.
    expect(first!.headers).toMatchObject({ ttl: '86400', 'content-encoding': 'aes128gcm', urgency: 'normal' });
    expect(second!.headers).toMatchObject({ urgency: 'high' });
    expect(String(first!.headers.topic)).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(first!.headers.topic).not.toBe(second!.headers.topic);
    const notification: ParleyNotification = first!.notification!;
    expect(notification).toEqual({
      id: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      tag: `parley:${group}`,
      userId: 'bob',
      conversationId: group,
      conversationKind: 'group',
      seq: ack.seq,
      messages: 1,
      count: 1,
      badge: 1,
      senders: [{ id: 'alice', name: 'Alice' }],
      mentioned: false,
      title: 'team',
      body: 'New message from Alice',
      createdAt: expect.any(Number),
    });
  });

  it('retries a push the push service failed (500) with backoff, with the same id, until it is taken', async () => {
    const { server, push, register } = await pushSetup(scope);
    push.behave(({ nth }) => ({ status: nth <= 2 ? 500 : 201 }));
    await register('bob');
    const alice = await scope.wire(server, 'alice');
    const group = await createGroup(alice, ['bob']);
    const ack = await sendText(alice, group, 'try again');
    await until(() => pushedTo(push, 'bob-phone').length === 1, WAIT, 'taken on the third attempt');
    expect(push.received.map((r) => r.status)).toEqual([500, 500, 201]);
    expect(new Set(push.received.map((r) => r.notification!.id)).size).toBe(1);
    expect(pushedTo(push, 'bob-phone')[0]).toMatchObject({ seq: ack.seq });
    await until(async () => (await server.store.listNotifications({ limit: 10 })).length === 0, WAIT, 'settled');
    expect(push.received).toHaveLength(3);
  });

  it('gives up after maxAttempts', async () => {
    const { server, push, register } = await pushSetup(scope, { maxAttempts: 3 });
    push.behave(() => ({ status: 503 }));
    await register('bob');
    const alice = await scope.wire(server, 'alice');
    const group = await createGroup(alice, ['bob']);
    await sendText(alice, group, 'nobody home');
    await until(async () => push.received.length === 3 && (await server.store.listNotifications({ limit: 10 })).length === 0, WAIT, 'three attempts, then given up');
    const metrics = server.chat.metrics.registry.render();
    expect(metrics).toMatch(/parley_notifications_total\{outcome="failed"\} 1/);
    expect(push.received.map((r) => r.status)).toEqual([503, 503, 503]);
  });

  it('removes a subscription the push service says is gone (410), and keeps pushing to the others', async () => {
    const { server, push, register } = await pushSetup(scope);
    push.behave(({ subscription }) => ({ status: subscription === 'bob-old-laptop' ? 410 : 201 }));
    await register('bob', 'bob-old-laptop');
    await register('bob', 'bob-phone');
    const alice = await scope.wire(server, 'alice');
    const group = await createGroup(alice, ['bob']);
    await sendText(alice, group, 'first');
    await until(() => pushedTo(push, 'bob-phone').length === 1, WAIT, 'the phone notified');
    await until(async () => (await server.store.listPushSubscriptions('bob')).length === 1, WAIT, 'the gone subscription removed');
    expect((await server.store.listPushSubscriptions('bob')).map((s) => s.deviceId)).toEqual(['bob-phone']);
    await sendText(alice, group, 'second');
    await until(() => pushedTo(push, 'bob-phone').length === 2, WAIT, 'the phone notified again');
    expect(push.received.filter((r) => r.subscription === 'bob-old-laptop')).toHaveLength(1);
  });

  it('registers a subscription per device: a renewal replaces it, unregister removes it, junk is refused and nothing stored', async () => {
    const { server, push } = await pushSetup(scope);
    const api = server.chat.notifications!;
    expect(api.vapidPublicKey).toBe(VAPID.publicKey);
    await api.registerPush('bob', 'bob-phone', push.subscribe('first'));
    const renewed = push.subscribe('renewed');
    await api.registerPush('bob', 'bob-phone', renewed);
    expect(await server.store.listPushSubscriptions('bob')).toMatchObject([{ deviceId: 'bob-phone', endpoint: renewed.endpoint, keys: renewed.keys }]);
    const good = push.subscribe('good');
    for (const junk of [
      null,
      'https://fcm.googleapis.com/fcm/send/x',
      { ...good, endpoint: 'not a url' },
      { ...good, keys: { p256dh: 'short', auth: good.keys.auth } },
      { ...good, keys: { p256dh: good.keys.p256dh } },
      { ...good, keys: { ...good.keys, auth: 'has spaces in it!!!!!!!' } },
    ]) {
      await expect(api.registerPush('carol', 'carol-phone', junk), JSON.stringify(junk)).rejects.toMatchObject({ code: 4000 });
    }
    await expect(api.registerPush('bad id', 'x', good)).rejects.toMatchObject({ code: 4000 });
    expect(await server.store.listPushSubscriptions('carol')).toEqual([]);
    await api.unregisterPush('bob', 'bob-phone');
    await api.unregisterPush('bob', 'bob-phone');
    expect(await server.store.listPushSubscriptions('bob')).toEqual([]);
  });

  it('POSTs only to the browsers\' push services by default: a subscription naming any other URL is refused', async () => {
    const push = scope.adopt(await startPushService(VAPID.publicKey));
    const server = await scope.server({ notifications: { webPush: { vapid: VAPID } } });
    const api = server.chat.notifications!;
    const sub = push.subscribe('local');
    for (const endpoint of [sub.endpoint, 'http://fcm.googleapis.com/fcm/send/abc', 'https://169.254.169.254/latest', 'https://evil.example/fcm.googleapis.com']) {
      await expect(api.registerPush('bob', 'bob-phone', { ...sub, endpoint }), endpoint).rejects.toMatchObject({ code: 4000 });
    }
    expect(await server.store.listPushSubscriptions('bob')).toEqual([]);
    for (const endpoint of ['https://fcm.googleapis.com/fcm/send/abc:def', 'https://updates.push.services.mozilla.com/wpush/v2/x', 'https://web.push.apple.com/QOx', 'https://wns2-by3p.notify.windows.com/w/?token=x']) {
      await api.registerPush('bob', 'bob-phone', { ...sub, endpoint });
    }
    expect(await server.store.listPushSubscriptions('bob')).toHaveLength(1);
  });
});

describe('notifications through the app\'s own notify hook', () => {
  it('calls the hook with the notification, retries a throw with the same id, and works beside Web Push', async () => {
    const calls: ParleyNotification[] = [];
    const push = scope.adopt(await startPushService(VAPID.publicKey));
    const server = await scope.server({
      users: USERS,
      notifications: notificationOptions(push, {
        notify: async (notification) => {
          calls.push(notification);
          if (calls.length === 1) throw new Error('FCM is down');
        },
      }),
    });
    await server.chat.notifications!.registerPush('bob', 'bob-phone', push.subscribe('bob-phone'));
    const alice = await scope.wire(server, 'alice');
    const dm = await openDirect(alice, 'bob');
    const ack = await sendText(alice, dm, 'through both');
    await until(() => calls.length === 2, WAIT, 'the hook called again after its failure');
    expect({ ...calls[0], createdAt: 0 }).toEqual({ ...calls[1], createdAt: 0 });
    expect(calls[1]).toMatchObject({ userId: 'bob', conversationId: dm, seq: ack.seq, title: 'Alice', body: 'New message', senders: [{ id: 'alice', name: 'Alice' }] });
    // Web Push went out on both attempts (at least once); same id, so the device shows one.
    await until(() => pushedTo(push, 'bob-phone').length === 2, WAIT, 'the pushes');
    expect(pushedTo(push, 'bob-phone').map((n) => n.id)).toEqual([calls[0]!.id, calls[0]!.id]);
    await until(async () => (await server.store.listNotifications({ limit: 10 })).length === 0, WAIT, 'settled');
    expect(calls).toHaveLength(2);
  });

  it('works with the hook alone: no Web Push, so devices cannot register subscriptions', async () => {
    const calls: ParleyNotification[] = [];
    const server = await scope.server({ notifications: { ...notificationOptions(null), notify: async (n) => void calls.push(n) } });
    expect(server.chat.notifications!.vapidPublicKey).toBeNull();
    await expect(server.chat.notifications!.registerPush('bob', 'bob-phone', {})).rejects.toMatchObject({ code: 4030 });
    const alice = await scope.wire(server, 'alice');
    const group = await createGroup(alice, ['bob', 'carol']);
    await sendText(alice, group, 'hi all');
    await until(() => calls.length === 2, WAIT, 'bob and carol');
    expect(calls.map((n) => n.userId).sort()).toEqual(['bob', 'carol']);
  });

  it('refuses at start a configuration that could never send: no channel, or unusable VAPID keys', () => {
    const http = createServer();
    const base = { server: http, store: createMemoryStore(), authenticate: createDevAuth().authenticate, logger: silentLogger };
    expect(() => createChatServer({ ...base, notifications: {} })).toThrow(/webPush.*notify/);
    expect(() => createChatServer({ ...base, notifications: { webPush: { vapid: { ...VAPID, privateKey: 'nope' } } } })).toThrow();
    expect(() => createChatServer({ ...base, notifications: { webPush: { vapid: { ...VAPID, subject: 'ops@parley.test' } } } })).toThrow(/subject/i);
    http.close();
  });
});
