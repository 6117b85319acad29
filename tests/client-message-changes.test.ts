import { describe, expect, it } from 'vitest';
import { createChatClient, createMemoryStorage, type ChatClient, type ClientStorage, type MessageView, type TabEnvironment } from '@parley/client-sdk';
import { createMemoryLocks } from '../packages/client-sdk/test/support/memory-locks.js';
import { testScope } from './helpers/scope.js';
import { online, waitFor } from './helpers/sdk.js';
import type { TestServer } from './helpers/test-server.js';

const scope = testScope();

/** What a user sees of a message once changes are folded in, the same on every device. */
const seen = ({ seq, senderId, text, deleted, editedAt, replyCount, reactions }: MessageView) => ({
  seq, senderId, text, deleted, edited: editedAt !== undefined, replyCount,
  reactions: reactions.map(({ key, count, userIds }) => ({ key, count, userIds })),
});
const timeline = (chat: ChatClient, id: string) => chat.getMessages(id).filter((m) => m.status === 'sent').map(seen);

/** A client that does not connect until told to: what it does meanwhile waits in its outbox. */
function offlineClient(s: TestServer, userId: string, storage: ClientStorage, deviceId: string): ChatClient {
  const chat = createChatClient({
    url: s.url, getToken: () => s.token(userId), storage, deviceId, autoConnect: false, reconnect: { baseMs: 50, maxMs: 300 }, ackTimeoutMs: 2000,
  });
  scope.adopt(chat);
  return chat;
}

/** Settled: nothing of the user's left in the outbox (every message and change acked). */
const settled = (chat: ChatClient) => chat.getSnapshot().connection.status === 'online' &&
  Object.values(chat.getSnapshot().messages).every((list) => list.every((m) => m.status === 'sent' && !m.failedChanges));

describe('editing, deleting, reacting and threads through the client SDK', () => {
  it('delivers changes made offline once, in order, and every device (and a late scroll-back) shows the same', async () => {
    const s = await scope.server();
    const storage = createMemoryStorage();
    const phone = scope.client(s, 'alice', { storage, deviceId: 'alice-phone' });
    const bob = scope.client(s, 'bob');
    for (const c of [phone, bob]) await waitFor(c, online);
    const { id } = await phone.createGroup({ title: 'team', members: ['bob'] });
    const first = await phone.send(id, 'first');
    await waitFor(phone, (c) => c.getMessages(id)[0]?.status === 'sent', 10_000, 'the first message stored');
    await bob.send(id, 'from bob');
    await waitFor(phone, (c) => c.getMessages(id).filter((m) => m.status === 'sent').length === 2, 10_000, 'both messages');
    const bobs = phone.getMessages(id).find((m) => m.senderId === 'bob')!;
    await phone.close();

    const offline = offlineClient(s, 'alice', storage, 'alice-phone');
    const typo = await offline.send(id, 'secnod');
    await offline.edit(id, typo.key, 'second');
    await offline.edit(id, first.key, 'first, edited');
    await offline.react(id, bobs.id!, '👍');
    await offline.react(id, bobs.id!, '🎉');
    await offline.unreact(id, bobs.id!, '🎉');
    const doomed = await offline.send(id, 'never mind');
    await offline.send(id, 'after');
    await offline.delete(id, doomed.key);
    await offline.react(id, first.key, '👀');
    await offline.delete(id, first.key);
    // Shown at once, before any server saw them.
    expect(offline.getMessages(id).map((m) => [m.text, m.deleted, m.reactions.map((r) => r.key)])).toEqual([
      [undefined, true, []], ['from bob', false, ['👍']], ['second', false, []], ['after', false, []],
    ]);

    offline.connect();
    await waitFor(offline, settled, 15_000, 'the outbox to drain');
    await waitFor(bob, (c) => c.getMessages(id).length === 4 && c.getMessages(id)[0]!.deleted, 10_000, 'the changes on bob');
    const expected = [
      { senderId: 'alice', text: undefined, deleted: true, edited: false, reactions: [] },
      { senderId: 'bob', text: 'from bob', deleted: false, reactions: [{ key: '👍', count: 1, userIds: ['alice'] }] },
      { senderId: 'alice', text: 'second', deleted: false, edited: false, reactions: [] },
      { senderId: 'alice', text: 'after', deleted: false, reactions: [] },
    ];
    expect(timeline(offline, id)).toMatchObject(expected);
    expect(timeline(bob, id)).toEqual(timeline(offline, id));
    // Once each, in the order made. Never sent, so never on the wire: the typo (fixed in the queued
    // send), the 🎉 taken back, the message deleted before it left, and the edit and 👀 of the
    // message deleted after them.
    const log = await s.store.readAfter(id, 0, 100);
    expect(log.filter((e) => e.senderId === 'alice' && e.kind !== 'conversation.created').map((e) => e.kind)).toEqual([
      'message', 'message', 'reaction.added', 'message', 'message.deleted',
    ]);
    expect(JSON.stringify(log)).not.toContain('first, edited');

    // Bob edits his own message live; alice's device folds it in.
    await bob.edit(id, bobs.id!, 'from bob, edited');
    await waitFor(offline, (c) => c.getMessages(id)[1]?.text === 'from bob, edited', 10_000, 'the live edit');
    expect(offline.getMessages(id)[1]).toMatchObject({ editedAt: expect.any(Number), reactions: [{ key: '👍', count: 1 }] });
    await waitFor(bob, settled, 10_000, "bob's edit stored");

    // A device that never saw any of it scrolls back through history: the same folded picture.
    const late = scope.client(s, 'bob', { deviceId: 'bob-new' });
    await waitFor(late, (c) => c.getConversation(id) !== undefined, 10_000, 'the conversation');
    while (late.getConversation(id)?.hasOlder) await late.loadOlder(id, 2);
    expect(timeline(late, id)).toEqual(timeline(bob, id));
  });

  it('threads: replies show under their root with replyCount on every device, and loadThread pages them back', async () => {
    const s = await scope.server();
    const alice = scope.client(s, 'alice');
    const bob = scope.client(s, 'bob');
    for (const c of [alice, bob]) await waitFor(c, online);
    const { id } = await alice.createGroup({ title: 'team', members: ['bob'] });
    const root = await alice.send(id, 'root');
    await waitFor(alice, (c) => c.getMessages(id)[0]?.id !== undefined, 10_000, 'the root stored');
    const rootId = alice.getMessages(id)[0]!.id!;
    const pending = await bob.send(id, 'reply 1', { threadId: rootId }).catch(async () => {
      await waitFor(bob, (c) => c.getMessages(id).length === 1, 10_000, 'the root on bob');
      return bob.send(id, 'reply 1', { threadId: rootId });
    });
    expect(pending.threadId).toBe(rootId);
    for (let i = 2; i <= 5; i += 1) await alice.send(id, `reply ${i}`, { threadId: rootId });
    await alice.send(id, 'top level again');
    for (const c of [alice, bob]) {
      await waitFor(c, (x) => x.getMessages(id)[0]?.replyCount === 5 && x.getThread(id, rootId).filter((m) => m.status === 'sent').length === 5, 10_000, 'five replies');
      expect(c.getMessages(id).map((m) => m.text)).toEqual(['root', 'top level again']);
      expect(c.getThread(id, rootId).map((m) => m.text)).toEqual(['reply 1', 'reply 2', 'reply 3', 'reply 4', 'reply 5']);
    }
    expect(root.key).toBe(alice.getMessages(id)[0]!.key);

    const late = scope.client(s, 'bob', { deviceId: 'bob-late' });
    await waitFor(late, (c) => c.getMessages(id)[0]?.replyCount === 5, 10_000, 'the root with its count');
    expect(late.getThread(id, rootId)).toEqual([]);
    expect(await late.loadThread(id, rootId, 3)).toMatchObject({ loaded: 3, hasMore: true });
    expect(await late.loadThread(id, rootId, 3)).toMatchObject({ loaded: 2, hasMore: false });
    expect(late.getThread(id, rootId).map((m) => m.text)).toEqual(['reply 1', 'reply 2', 'reply 3', 'reply 4', 'reply 5']);
    // A thread page never moved the timeline.
    expect(late.getMessages(id).map((m) => m.text)).toEqual(['root', 'top level again']);
  });

  it('two tabs on one storage: a change made in the following tab goes out through the leader and both show it', async () => {
    const s = await scope.server();
    const env: TabEnvironment = { locks: createMemoryLocks(), openChannel: (name) => new BroadcastChannel(name) as unknown as ReturnType<TabEnvironment['openChannel']> };
    const shared: ClientStorage = { ...createMemoryStorage(), scope: `memory:${Math.random().toString(36).slice(2)}` };
    const tab = () => scope.adopt(createChatClient({ url: s.url, getToken: () => s.token('alice'), storage: shared, deviceId: 'alice-web', tabs: env, reconnect: { baseMs: 50, maxMs: 300 } }));
    const leader = tab();
    await waitFor(leader, online);
    const follower = tab();
    const bob = scope.client(s, 'bob');
    const { id } = await leader.createGroup({ title: 'tabs', members: ['bob'] });
    await bob.send(id, 'hello tabs');
    for (const c of [leader, follower]) await waitFor(c, (x) => x.getMessages(id).length === 1, 10_000, 'the message in both tabs');
    const message = follower.getMessages(id)[0]!;
    await follower.react(id, message.id!, '❤️');
    const mine = await follower.send(id, 'from the follower');
    await follower.edit(id, mine.key, 'from the follower, edited');
    for (const c of [leader, follower, bob]) {
      await waitFor(c, (x) => {
        const [first, second] = x.getMessages(id);
        return first?.reactions[0]?.key === '❤️' && second?.status === 'sent' && second.text === 'from the follower, edited';
      }, 10_000, 'the reaction and the edited message');
    }
    expect(timeline(follower, id)).toEqual(timeline(bob, id));
  });
});
