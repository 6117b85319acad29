import { describe, expect, it } from 'vitest';
import { createMemoryStorage, type ChatClient, type ClientStorage } from '@parley/client-sdk';
import type { TestServer } from './helpers/test-server.js';
import { online, waitFor } from './helpers/sdk.js';
import { until } from './helpers/fixtures.js';
import { testScope } from './helpers/scope.js';

const scope = testScope();
const server = () => scope.server();
const client = (s: TestServer, userId: string, deviceId: string, storage?: ClientStorage): ChatClient =>
  scope.client(s, userId, { deviceId, ...(storage ? { storage } : {}) });

/** What the server's log and the user's read watermark say the unread count is. */
async function serverUnread(s: TestServer, conversationId: string, userId: string): Promise<number> {
  const member = await s.store.getMember(conversationId, userId);
  return s.store.countUnread(conversationId, userId, member!.readSeq);
}
const unread = (chat: ChatClient, id: string) => chat.getConversation(id)?.unread;
const newestSeq = (chat: ChatClient, id: string) => chat.getMessages(id).at(-1)?.seq ?? 0;

describe('unread counts across devices and reconnects', () => {
  it('converges three devices of one user and two other users after online and offline reads', async () => {
    const s = await server();
    const tabletStorage = createMemoryStorage();
    const phone = client(s, 'bob', 'bob-phone');
    const laptop = client(s, 'bob', 'bob-laptop');
    let tablet = client(s, 'bob', 'bob-tablet', tabletStorage);
    const alice = client(s, 'alice', 'alice-1');
    const carol = client(s, 'carol', 'carol-1');
    for (const c of [phone, laptop, tablet, alice, carol]) await waitFor(c, online);
    const { id } = await alice.createGroup({ title: 'team', members: ['bob', 'carol'] });
    for (const c of [phone, laptop, tablet, carol]) await waitFor(c, (x) => x.getConversation(id) !== undefined);

    for (let i = 0; i < 3; i++) await alice.send(id, `a${i}`);
    await carol.send(id, 'c0');
    await waitFor(phone, (c) => unread(c, id) === 4, 5000, 'phone sees 4');
    // The tablet goes offline; the phone reads everything while it is away.
    await waitFor(tablet, (c) => unread(c, id) === 4, 5000, 'tablet sees 4');
    tablet.close();
    phone.markRead(id);
    await waitFor(laptop, (c) => unread(c, id) === 0, 5000, 'laptop cleared live');
    // Carol loses her connection and reads while offline; her read reaches the server when she is back.
    await waitFor(carol, (c) => unread(c, id) === 3, 5000, 'carol sees alice’s 3');
    carol.close();
    carol.markRead(id);
    expect(unread(carol, id)).toBe(0);

    for (let i = 3; i < 6; i++) await alice.send(id, `a${i}`);
    await waitFor(laptop, (c) => unread(c, id) === 3, 5000, 'laptop sees 3 new');
    // The laptop reads part of the new messages: up to the first of them.
    await waitFor(laptop, (c) => c.getMessages(id).some((m) => m.text === 'a3'), 5000, 'a3 on laptop');
    const firstNew = laptop.getMessages(id).find((m) => m.text === 'a3')!.seq!;
    laptop.markRead(id, firstNew);
    await waitFor(phone, (c) => unread(c, id) === 2, 5000, 'phone follows the laptop');

    // The tablet starts again from its storage; carol's client reconnects.
    tablet = client(s, 'bob', 'bob-tablet', tabletStorage);
    carol.connect();
    await waitFor(tablet, (c) => unread(c, id) === 2 && newestSeq(c, id) === newestSeq(phone, id), 5000, 'tablet converges');
    await waitFor(carol, (c) => unread(c, id) === 3, 5000, 'carol converges');
    await waitFor(alice, (c) => unread(c, id) === 1 && newestSeq(c, id) === newestSeq(phone, id), 5000, 'alice converges');

    const expected = { bob: await serverUnread(s, id, 'bob'), carol: await serverUnread(s, id, 'carol'), alice: await serverUnread(s, id, 'alice') };
    expect(expected).toEqual({ bob: 2, carol: 3, alice: 1 });
    expect([phone, laptop, tablet].map((c) => unread(c, id))).toEqual([2, 2, 2]);
    expect([phone, laptop, tablet].map((c) => c.getConversation(id)?.readSeq)).toEqual([firstNew, firstNew, firstNew]);
    // Own messages never count: alice's only unread is carol's message.
    expect(unread(alice, id)).toBe(1);
  });

  it('clears a count read on another device while this one was offline, with no new message', async () => {
    const s = await server();
    const storage = createMemoryStorage();
    const alice = client(s, 'alice', 'alice-1');
    const phone = client(s, 'bob', 'bob-phone');
    let laptop = client(s, 'bob', 'bob-laptop', storage);
    for (const c of [alice, phone, laptop]) await waitFor(c, online);
    const { id } = await alice.openDirect('bob');
    await alice.send(id, 'one');
    await alice.send(id, 'two');
    await waitFor(laptop, (c) => unread(c, id) === 2, 5000, 'laptop sees 2');
    // markRead() reads up to what this device holds: the phone must hold both first.
    await waitFor(phone, (c) => unread(c, id) === 2, 5000, 'phone sees 2');
    laptop.close();
    phone.markRead(id);
    await waitFor(phone, (c) => unread(c, id) === 0);
    await until(async () => (await serverUnread(s, id, 'bob')) === 0, 10_000, async () =>
      `bob's unread count 0, at ${await serverUnread(s, id, 'bob')}`);
    laptop = client(s, 'bob', 'bob-laptop', storage);
    await waitFor(laptop, (c) => online(c) && unread(c, id) === 0, 5000, 'laptop cleared after reconnect');
  });

  it('orders the conversation list by last activity, the same after a reconnect', async () => {
    const s = await server();
    const storage = createMemoryStorage();
    const alice = client(s, 'alice', 'alice-1');
    let bob = client(s, 'bob', 'bob-1', storage);
    await waitFor(alice, online);
    await waitFor(bob, online);
    const first = await alice.openDirect('bob');
    const group = await alice.createGroup({ title: 'later', members: ['bob'] });
    await alice.send(first.id, 'bump the older one');
    await waitFor(bob, (c) => c.getSnapshot().conversations.length === 2 && unread(c, first.id) === 1);
    expect(bob.getSnapshot().conversations.map((c) => c.id)).toEqual([first.id, group.id]);
    bob.close();
    await alice.send(group.id, 'now the group');
    bob = client(s, 'bob', 'bob-1', storage);
    await waitFor(bob, (c) => unread(c, group.id) === 1, 5000, 'group message after reconnect');
    expect(bob.getSnapshot().conversations.map((c) => c.id)).toEqual([group.id, first.id]);
  });
});
