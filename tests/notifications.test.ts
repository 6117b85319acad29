import { describe, expect, it } from 'vitest';
import type { AckFrame } from '@parley/protocol';
import type { ChatStore } from '@parley/server-sdk';
import { testScope } from './helpers/scope.js';
import { createGroup, openDirect, sendText, until } from './helpers/fixtures.js';
import { nextId, type WireClient } from './helpers/wire-client.js';
import { pushSetup, pushedTo } from './helpers/notification-setup.js';

// The rules of who is notified of a message, and when, over real sockets, a real store and a
// real (test) push service: each test shows what a user would see on their phone.

const scope = testScope();
const WAIT = 20_000;

const pending = (store: ChatStore, userId: string) => store.listNotifications({ userId, limit: 100 });

async function sendWith(client: WireClient, conversationId: string, data: Record<string, unknown>): Promise<AckFrame> {
  const clientMsgId = nextId('m-');
  client.send({ type: 'send', conversationId, clientMsgId, data } as never);
  const frame = await client.waitFor((f) => (f.type === 'ack' || f.type === 'nack') && f.clientMsgId === clientMsgId);
  if (frame.type !== 'ack') throw new Error(`send failed: ${JSON.stringify(frame)}`);
  return frame;
}

describe('notifications: who is notified of a message, and when', () => {
  it('notifies a member with no connection at once, and one with a connection only once the delay passed without a device receiving it', async () => {
    const { server, push, register } = await pushSetup(scope, { delayMs: 60 * 60_000 });
    await register('bob');
    await register('carol');
    const alice = await scope.wire(server, 'alice');
    const group = await createGroup(alice, ['bob', 'carol']);
    // bob has the app open (a live connection that has not reported receiving anything); carol does not.
    await scope.wire(server, 'bob');
    const ack = await sendText(alice, group, 'lunch?');

    await until(() => pushedTo(push, 'carol-phone').length === 1, WAIT, 'carol notified at once');
    expect(pushedTo(push, 'carol-phone')[0]).toMatchObject({ userId: 'carol', conversationId: group, seq: ack.seq });
    // bob's waits an hour for his device to receive it: queued, due then, not sent.
    const [bobs] = await pending(server.store, 'bob');
    expect(bobs).toMatchObject({ conversationId: group, lastSeq: ack.seq, attempts: 0 });
    expect(bobs!.nextAttemptAt).toBeGreaterThanOrEqual(ack.ts + 60 * 60_000);
    expect(pushedTo(push, 'bob-phone')).toEqual([]);
  });

  it('sends the notification of a connected member once the delay ran out and no device reported receiving it', async () => {
    const { server, push, register } = await pushSetup(scope, { delayMs: 300 });
    await register('bob');
    const alice = await scope.wire(server, 'alice');
    const group = await createGroup(alice, ['bob']);
    await scope.wire(server, 'bob');
    const ack = await sendText(alice, group, 'still there?');
    await until(() => pushedTo(push, 'bob-phone').length === 1, WAIT, 'bob notified after the delay');
    expect(pushedTo(push, 'bob-phone')[0]).toMatchObject({ seq: ack.seq, count: 1 });
    // The row is completed once the push service took it: right after, not with it.
    await until(async () => (await pending(server.store, 'bob')).length === 0, WAIT, 'the row completed');
  });

  it('cancels the notification when another device of the user reads the message before the delay', async () => {
    const { server, push, register } = await pushSetup(scope, { delayMs: 3_000 });
    await register('bob');
    await register('carol');
    const alice = await scope.wire(server, 'alice');
    const group = await createGroup(alice, ['bob', 'carol']);
    await scope.wire(server, 'carol');
    const bobLaptop = await scope.wire(server, 'bob', 'bob-laptop');
    const ack = await sendText(alice, group, 'read me on your laptop');
    expect((await pending(server.store, 'bob')).map((n) => n.lastSeq)).toEqual([ack.seq]);
    bobLaptop.send({ type: 'receipt', conversationId: group, readSeq: ack.seq });
    await until(async () => (await server.store.getMember(group, 'bob'))?.readSeq === ack.seq, WAIT, 'bob\'s read stored');
    // carol, who read nothing, gets hers when the delay ran out; bob's is gone without a push.
    await until(() => pushedTo(push, 'carol-phone').length === 1, WAIT, 'carol notified after the delay');
    await until(async () => (await pending(server.store, 'bob')).length === 0, WAIT, 'bob\'s notification settled');
    expect(pushedTo(push, 'bob-phone')).toEqual([]);
  });

  it('cancels it too when a device of the user reports having received the message', async () => {
    const { server, push, register } = await pushSetup(scope, { delayMs: 1_000 });
    await register('bob');
    await register('carol');
    const alice = await scope.wire(server, 'alice');
    const group = await createGroup(alice, ['bob', 'carol']);
    await scope.wire(server, 'carol');
    const bob = await scope.wire(server, 'bob');
    const ack = await sendText(alice, group, 'delivered, not read');
    bob.send({ type: 'receipt', conversationId: group, deliveredSeq: ack.seq });
    await until(() => pushedTo(push, 'carol-phone').length === 1, WAIT, 'carol notified');
    await until(async () => (await pending(server.store, 'bob')).length === 0, WAIT, 'bob\'s notification settled');
    expect(pushedTo(push, 'bob-phone')).toEqual([]);
  });

  // In these, bob keeps a connection open and the delay is long enough that anything queued for
  // him is still pending when the test looks: "nothing queued" is then what the server decided
  // at the send, not a notification that already went.

  it('does not notify a member who muted the conversation, until the mute ends', async () => {
    const { server, push, register } = await pushSetup(scope, { delayMs: 2_000 });
    await register('bob');
    await register('carol');
    const alice = await scope.wire(server, 'alice');
    const bob = await scope.wire(server, 'bob');
    const group = await createGroup(alice, ['bob', 'carol']);
    await bob.request({ type: 'mute', reqId: nextId(), conversationId: group, until: Date.now() + 60 * 60_000 });
    await sendText(alice, group, 'while bob is muted');
    // Queued before the ACK: nothing for bob; carol's there (and sent).
    expect(await pending(server.store, 'bob')).toEqual([]);
    await until(() => pushedTo(push, 'carol-phone').length === 1, WAIT, 'carol notified');
    expect(pushedTo(push, 'bob-phone')).toEqual([]);

    await bob.request({ type: 'mute', reqId: nextId(), conversationId: group, until: null });
    const ack = await sendText(alice, group, 'bob unmuted');
    await until(() => pushedTo(push, 'bob-phone').length === 1, WAIT, 'bob notified once unmuted');
    expect(pushedTo(push, 'bob-phone')[0]).toMatchObject({ seq: ack.seq });
  });

  it('does not notify a member of messages from someone they blocked', async () => {
    const { server, push, register } = await pushSetup(scope, { delayMs: 2_000 });
    await register('bob');
    const alice = await scope.wire(server, 'alice');
    const carol = await scope.wire(server, 'carol');
    const group = await createGroup(alice, ['bob', 'carol']);
    const bob = await scope.wire(server, 'bob');
    await bob.request({ type: 'blocks', reqId: nextId(), block: ['alice'] });
    await sendText(alice, group, 'from someone bob blocked');
    expect(await pending(server.store, 'bob')).toEqual([]);
    const ack = await sendText(carol, group, 'from carol');
    await until(() => pushedTo(push, 'bob-phone').length === 1, WAIT, 'bob notified of carol');
    expect(pushedTo(push, 'bob-phone')).toMatchObject([{ seq: ack.seq, senders: [{ id: 'carol', name: 'Carol' }] }]);
  });

  it('notifies a member who asked for mentions only of the messages that mention them, and a conversation\'s own choice wins', async () => {
    const { server, push, register } = await pushSetup(scope, { delayMs: 1_000 });
    await register('bob');
    const alice = await scope.wire(server, 'alice');
    await scope.wire(server, 'bob');
    const group = await createGroup(alice, ['bob'], 'planning');
    const other = await createGroup(alice, ['bob'], 'random');
    await server.chat.notifications!.setNotifyLevel('bob', 'mentions');
    await sendText(alice, group, 'no mention');
    expect(await pending(server.store, 'bob')).toEqual([]);
    const mention = await sendWith(alice, group, { text: '@bob see this', mentions: ['bob'] });
    await until(() => pushedTo(push, 'bob-phone').length === 1, WAIT, 'bob notified of the mention');
    expect(pushedTo(push, 'bob-phone')[0]).toMatchObject({ seq: mention.seq, mentioned: true, title: 'planning', body: 'Alice mentioned you' });

    // "random": everything, whatever bob's default; "planning": nothing but mentions, even once his default is all.
    await server.chat.notifications!.setConversationNotify('bob', other, 'all');
    const plain = await sendText(alice, other, 'plain in random');
    await until(() => pushedTo(push, 'bob-phone').length === 2, WAIT, 'bob notified in random');
    expect(pushedTo(push, 'bob-phone')[1]).toMatchObject({ conversationId: other, seq: plain.seq, mentioned: false });
    await server.chat.notifications!.setNotifyLevel('bob', 'all');
    await server.chat.notifications!.setConversationNotify('bob', group, 'mentions');
    await sendText(alice, group, 'plain in planning');
    expect(await pending(server.store, 'bob')).toEqual([]);
    // And `none` silences everything.
    await server.chat.notifications!.setConversationNotify('bob', other, null);
    await server.chat.notifications!.setNotifyLevel('bob', 'none');
    await sendWith(alice, other, { text: '@bob anything', mentions: ['bob'] });
    expect(await pending(server.store, 'bob')).toEqual([]);
    await expect(server.chat.notifications!.setConversationNotify('mallory', group, 'all')).rejects.toMatchObject({ code: 4040 });
    await expect(server.chat.notifications!.setNotifyLevel('bob', 'loud' as never)).rejects.toMatchObject({ code: 4000 });
  });

  it('collapses several messages into one notification: "3 new messages from Alice", with the unread count and the badge', async () => {
    const { server, push, register } = await pushSetup(scope, { delayMs: 4_000 });
    await register('bob');
    const alice = await scope.wire(server, 'alice');
    const dm = await openDirect(alice, 'bob');
    const group = await createGroup(alice, ['bob', 'carol'], 'team');
    const carol = await scope.wire(server, 'carol');
    await sendText(carol, group, 'earlier, from carol');
    await until(() => pushedTo(push, 'bob-phone').length === 1, WAIT, 'the first notification');
    // bob opens the app but his device does not get to these (a phone in a pocket with a stale socket).
    await scope.wire(server, 'bob');
    for (const text of ['one', 'two', 'three']) await sendText(alice, group, text);
    await until(() => pushedTo(push, 'bob-phone').length === 2, WAIT, 'the collapsed notification');
    const collapsed = pushedTo(push, 'bob-phone')[1]!;
    // Three messages since the last notification (four unread in all, in every conversation too).
    expect(collapsed).toMatchObject({
      conversationId: group, conversationKind: 'group', messages: 3, count: 4, badge: 4, title: 'team',
      body: '3 new messages from Alice', senders: [{ id: 'alice', name: 'Alice' }],
    });
    // Nothing else followed: one notification for the three.
    await sendText(alice, dm, 'and a direct one');
    await until(() => pushedTo(push, 'bob-phone').length === 3, WAIT, 'the direct one');
    expect(pushedTo(push, 'bob-phone')[2]).toMatchObject({ conversationId: dm, conversationKind: 'direct', title: 'Alice', body: 'New message', count: 1, badge: 5 });
    expect(pushedTo(push, 'bob-phone').map((n) => n.tag)).toEqual([`parley:${group}`, `parley:${group}`, `parley:${dm}`]);
  });
});

describe('notifications: what they say', () => {
  it('says who and where, never the text, by default', async () => {
    const { server, push, register } = await pushSetup(scope);
    await register('bob');
    const alice = await scope.wire(server, 'alice');
    const group = await createGroup(alice, ['bob'], 'team');
    await sendText(alice, group, 'the secret plan');
    await until(() => pushedTo(push, 'bob-phone').length === 1, WAIT, 'notified');
    const [notification] = pushedTo(push, 'bob-phone');
    expect(notification).toMatchObject({ title: 'team', body: 'New message from Alice' });
    expect(notification).not.toHaveProperty('text');
    expect(JSON.stringify(notification)).not.toContain('secret');
  });

  it('shows the newest message with previews on', async () => {
    const { server, push, register } = await pushSetup(scope, { previews: true });
    await register('bob');
    const alice = await scope.wire(server, 'alice');
    const group = await createGroup(alice, ['bob'], 'team');
    const dm = await openDirect(alice, 'bob');
    await sendText(alice, group, 'see you at 8');
    await until(() => pushedTo(push, 'bob-phone').length === 1, WAIT, 'notified');
    expect(pushedTo(push, 'bob-phone')[0]).toMatchObject({ title: 'team', body: 'Alice: see you at 8', text: 'see you at 8' });
    await sendText(alice, dm, 'just us');
    await until(() => pushedTo(push, 'bob-phone').length === 2, WAIT, 'notified of the direct message');
    expect(pushedTo(push, 'bob-phone')[1]).toMatchObject({ title: 'Alice', body: 'just us', text: 'just us' });
  });

  it('drops the notification of a member who left the conversation before it was sent', async () => {
    const { server, push, register } = await pushSetup(scope, { delayMs: 1_500 });
    await register('bob');
    await register('carol');
    const alice = await scope.wire(server, 'alice');
    const group = await createGroup(alice, ['bob', 'carol']);
    await scope.wire(server, 'bob');
    await scope.wire(server, 'carol');
    await sendText(alice, group, 'before bob leaves');
    await alice.request({ type: 'members.remove', reqId: nextId(), conversationId: group, userIds: ['bob'] });
    await until(() => pushedTo(push, 'carol-phone').length === 1, WAIT, 'carol notified');
    await until(async () => (await pending(server.store, 'bob')).length === 0, WAIT, 'bob\'s dropped');
    expect(pushedTo(push, 'bob-phone')).toEqual([]);
  });
});

describe('notifications: off', () => {
  it('costs nothing when not configured: no store call for them on any message', async () => {
    const calls: string[] = [];
    const { createMemoryStore } = await import('@parley/server-sdk');
    const inner = createMemoryStore();
    const store = new Proxy(inner, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (typeof prop === 'string' && /Notification|PushSubscription|MemberNotify/.test(prop)) calls.push(prop);
        return value;
      },
    });
    const server = await scope.server({ store });
    const alice = await scope.wire(server, 'alice');
    const group = await createGroup(alice, ['bob']);
    for (const text of ['one', 'two']) await sendText(alice, group, text);
    expect(server.chat.notifications).toBeUndefined();
    expect(calls).toEqual([]);
  });
});
