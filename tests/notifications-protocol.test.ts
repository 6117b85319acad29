import { describe, expect, it } from 'vitest';
import { ErrorCode, type ConversationFrame, type ErrorFrame, type PushResultFrame, type SettingsResultFrame, type WelcomeFrame } from '@parley/protocol';
import { testScope } from './helpers/scope.js';
import { createGroup, sendText, until } from './helpers/fixtures.js';
import { connectWire, nextId, type WireClient } from './helpers/wire-client.js';
import { pushSetup, pushedTo, VAPID } from './helpers/notification-setup.js';

// Protocol 8 over real sockets: the welcome tells apps the VAPID key, a device registers its Web
// Push subscription with `push.register` (and the notification then reaches the test push
// service, decrypted), the user's `notify` level and a conversation's own `notify` are set from a
// device and mirrored to the others, and protocol-7 apps get every frame in a form they parse.

const scope = testScope();
const WAIT = 20_000;

const welcomeOf = (w: WireClient) => w.frames.find((f): f is WelcomeFrame => f.type === 'welcome')!;

describe('protocol 8: notifications over the wire', () => {
  it('tells apps the VAPID key in the welcome; a device registers with push.register and gets its notifications; push.unregister stops them', async () => {
    const { server, push } = await pushSetup(scope);
    const bob = await scope.wire(server, 'bob', 'bob-phone');
    expect(welcomeOf(bob).push).toEqual({ vapidPublicKey: VAPID.publicKey });
    const registered = await bob.request<PushResultFrame>({ type: 'push.register', reqId: nextId('p-'), subscription: push.subscribe('bob-phone') });
    expect(registered).toMatchObject({ type: 'push.result', registered: true });
    bob.close();

    const alice = await scope.wire(server, 'alice');
    const group = await createGroup(alice, ['bob'], 'team');
    const ack = await sendText(alice, group, 'hello');
    await until(() => pushedTo(push, 'bob-phone').length === 1, WAIT, 'the push');
    expect(pushedTo(push, 'bob-phone')[0]).toMatchObject({ conversationId: group, seq: ack.seq, title: 'team' });
    expect(push.invalid()).toEqual([]);

    const again = await scope.wire(server, 'bob', 'bob-phone');
    expect(await again.request<PushResultFrame>({ type: 'push.unregister', reqId: nextId('p-') })).toMatchObject({ registered: false });
    again.close();
    await sendText(alice, group, 'anyone?');
    await until(async () => (await server.store.listNotifications({ limit: 10 })).length === 0, WAIT, 'the second notification settled');
    expect(pushedTo(push, 'bob-phone')).toHaveLength(1);
  });

  it('refuses a subscription it cannot use (BAD_FRAME) and Web Push on a server without it (FORBIDDEN, no key in the welcome)', async () => {
    const { server, push } = await pushSetup(scope);
    const bob = await scope.wire(server, 'bob');
    const elsewhere = { ...push.subscribe('x'), endpoint: 'https://evil.example/push/x' };
    expect(await bob.request<ErrorFrame>({ type: 'push.register', reqId: nextId('p-'), subscription: elsewhere })).toMatchObject({ type: 'error', code: ErrorCode.BAD_FRAME });
    const broken = { ...push.subscribe('y'), keys: { p256dh: 'short', auth: 'short' } };
    expect(await bob.request<ErrorFrame>({ type: 'push.register', reqId: nextId('p-'), subscription: broken } as never)).toMatchObject({ type: 'error', code: ErrorCode.BAD_FRAME });

    const plain = await scope.server();
    const carol = await scope.wire(plain, 'carol');
    expect(welcomeOf(carol).push).toBeUndefined();
    expect(await carol.request<ErrorFrame>({ type: 'push.register', reqId: nextId('p-'), subscription: push.subscribe('z') })).toMatchObject({ type: 'error', code: ErrorCode.FORBIDDEN });
  });

  it("sets the user's notify level and a conversation's own, mirrored to the user's other devices; mentions-only holds back other messages", async () => {
    const { server, push, register } = await pushSetup(scope);
    await register('bob');
    const phone = await scope.wire(server, 'bob', 'bob-phone');
    const laptop = await scope.wire(server, 'bob', 'bob-laptop');
    const alice = await scope.wire(server, 'alice');
    const group = await createGroup(alice, ['bob'], 'big group');

    const level = await phone.request<SettingsResultFrame>({ type: 'settings', reqId: nextId('s-'), notify: 'mentions' });
    expect(level.settings).toMatchObject({ notify: 'mentions' });
    await laptop.waitFor((f) => f.type === 'settings.result' && f.reqId === undefined && f.settings.notify === 'mentions');
    // The group's own level wins over the user's: all of it here.
    const answer = await phone.request<ConversationFrame>({ type: 'notify', reqId: nextId('n-'), conversationId: group, level: 'all' });
    expect(answer.conversation).toMatchObject({ id: group, notify: 'all' });
    await laptop.waitFor((f) => f.type === 'conversation' && f.reqId === undefined && f.conversation.id === group && f.conversation.notify === 'all');
    phone.close();
    laptop.close();
    await sendText(alice, group, 'for everyone');
    await until(() => pushedTo(push, 'bob-phone').length === 1, WAIT, 'a push for the group set to all');

    // Back to the user's own level (mentions): a message without a mention is not pushed.
    const again = await scope.wire(server, 'bob', 'bob-phone');
    const reset = await again.request<ConversationFrame>({ type: 'notify', reqId: nextId('n-'), conversationId: group, level: null });
    expect(reset.conversation.notify).toBeUndefined();
    again.close();
    await sendText(alice, group, 'still for everyone');
    await until(async () => (await server.store.listNotifications({ limit: 10 })).length === 0, WAIT, 'nothing pending');
    expect(pushedTo(push, 'bob-phone')).toHaveLength(1);

    // A non-member learns nothing.
    const mallory = await scope.wire(server, 'mallory');
    expect(await mallory.request<ErrorFrame>({ type: 'notify', reqId: nextId('n-'), conversationId: group, level: 'all' })).toMatchObject({ type: 'error', code: ErrorCode.NOT_FOUND });
  });

  it('gives protocol-7 apps their forms: no push in the welcome, settings and summaries without notify', async () => {
    const { server } = await pushSetup(scope);
    const alice = await scope.wire(server, 'alice');
    const group = await createGroup(alice, ['bob']);
    const current = await scope.wire(server, 'bob', 'bob-new');
    const old = scope.adopt(await connectWire(server.url, { token: await server.token('bob'), deviceId: 'bob-old', protocol: 7 }));
    expect(welcomeOf(old).push).toBeUndefined();
    await current.request<SettingsResultFrame>({ type: 'settings', reqId: nextId('s-'), notify: 'none' });
    await current.request<ConversationFrame>({ type: 'notify', reqId: nextId('n-'), conversationId: group, level: 'mentions' });
    await old.waitFor((f) => f.type === 'settings.result');
    await old.waitFor((f) => f.type === 'conversation' && f.conversation.id === group);
    const settings = old.frames.find((f): f is SettingsResultFrame => f.type === 'settings.result')!;
    expect(settings.settings).toEqual({ readReceipts: true, presence: true, lastSeen: true });
    expect(JSON.stringify(old.frames)).not.toContain('notify');
    expect(old.invalid).toEqual([]);
  });
});
