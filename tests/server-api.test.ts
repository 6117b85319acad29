import { describe, expect, it } from 'vitest';
import { ErrorCode, type LogEvent } from '@parley/protocol';
import type { ChatClient } from '@parley/client-sdk';
import { testScope } from './helpers/scope.js';
import { online, waitFor } from './helpers/sdk.js';

const scope = testScope();

const sentTexts = (chat: ChatClient, id: string) =>
  chat.getMessages(id).filter((m) => m.status === 'sent').map((m) => `${m.senderId}: ${m.deleted ? '(deleted)' : m.text}${m.editedAt ? ' (edited)' : ''}`);

const refusal = (p: Promise<unknown>) => p.then(() => 'stored', (err: { code?: number }) => err.code);

describe('chat.api: the backend writes through the paths clients use', () => {
  it('creates a support chat by the app id, once, and its members see it and what a bot posts in it', async () => {
    const s = await scope.server();
    const alice = scope.client(s, 'alice');
    const agent = scope.client(s, 'agent');
    for (const c of [alice, agent]) await waitFor(c, online);

    const made = await s.chat.api.createGroup({ id: 'order-1234', title: 'Order #1234', members: ['alice', 'agent'], createdBy: 'agent' });
    expect(made.created).toBe(true);
    // A retried create (the backend's request timed out) makes no second group.
    const again = await s.chat.api.createGroup({ id: 'order-1234', title: 'Order #1234', members: ['alice', 'agent'], createdBy: 'agent' });
    expect(again).toMatchObject({ created: false, conversation: { id: 'order-1234' } });

    await waitFor(alice, (c) => c.getConversation('order-1234')?.title === 'Order #1234', 10_000, 'the support chat on alice');
    const sent = await s.chat.api.send({ conversationId: 'order-1234', senderId: 'order-bot', text: 'Your order shipped', clientMsgId: 'shipped-1234' });
    // Retried with the same key: the same message, stored once.
    const retried = await s.chat.api.send({ conversationId: 'order-1234', senderId: 'order-bot', text: 'Your order shipped', clientMsgId: 'shipped-1234' });
    expect(retried).toMatchObject({ duplicate: true, event: { id: sent.event.id, seq: sent.event.seq } });
    await alice.send('order-1234', 'thanks!');

    for (const c of [alice, agent]) {
      await waitFor(c, (x) => sentTexts(x, 'order-1234').length === 2, 10_000, 'both messages');
      expect(sentTexts(c, 'order-1234')).toEqual(['order-bot: Your order shipped', 'alice: thanks!']);
    }
    // The bot's message counts as unread for the members, like anyone else's.
    expect(agent.getConversation('order-1234')?.unread).toBe(2);
    const members = await s.chat.api.listMembers('order-1234');
    expect(members.map((m) => [m.userId, m.role]).sort()).toEqual([['agent', 'owner'], ['alice', 'member']]);
  });

  it('sends as a user: every device of that user shows it as theirs', async () => {
    const s = await scope.server();
    const phone = scope.client(s, 'alice', { deviceId: 'alice-phone' });
    const laptop = scope.client(s, 'alice', { deviceId: 'alice-laptop' });
    for (const c of [phone, laptop]) await waitFor(c, online);
    const { conversation } = await s.chat.api.openDirect('alice', 'bob');
    await s.chat.api.send({ conversationId: conversation.id, senderId: 'alice', text: 'sent from the web form' });
    for (const c of [phone, laptop]) {
      await waitFor(c, (x) => sentTexts(x, conversation.id).length === 1, 10_000, 'the message on each device');
      expect(sentTexts(c, conversation.id)).toEqual(['alice: sent from the web form']);
      expect(c.getConversation(conversation.id)?.unread).toBe(0);
    }
  });

  it('edits and deletes any message, at any age; clients and reads show the result', async () => {
    const s = await scope.server({ messages: { editWindowMs: 0 } });
    const alice = scope.client(s, 'alice');
    const bob = scope.client(s, 'bob');
    for (const c of [alice, bob]) await waitFor(c, online);
    const { id } = await alice.createGroup({ title: 'team', members: ['bob'] });
    await alice.send(id, 'my card number is 4111');
    await waitFor(alice, (c) => sentTexts(c, id).length === 1, 10_000, 'the first message');
    await bob.send(id, 'spam spam');
    await waitFor(alice, (c) => sentTexts(c, id).length === 2, 10_000, 'two messages');
    const [card, spam] = alice.getMessages(id);

    // Users have no edit window here; the backend redacts anyway, and removes the spam.
    await s.chat.api.edit({ conversationId: id, messageId: card!.id!, by: 'moderator', text: 'my card number is ****' });
    await s.chat.api.delete({ conversationId: id, messageId: spam!.id!, by: 'moderator' });
    await s.chat.api.react({ conversationId: id, messageId: card!.id!, by: 'moderator', key: '🛡️' });
    const expected = ['alice: my card number is **** (edited)', 'bob: (deleted)'];
    for (const c of [alice, bob]) {
      await waitFor(c, (x) => sentTexts(x, id).join('|') === expected.join('|'), 10_000, 'the changes').catch((err: Error) => {
        throw new Error(`${err.message}: ${JSON.stringify(sentTexts(c, id))}`);
      });
    }
    expect(alice.getMessages(id)[0]?.reactions.map((r) => [r.key, r.userIds])).toEqual([['🛡️', ['moderator']]]);

    const now = await s.chat.api.getMessage(id, card!.id!);
    expect(now).toMatchObject({ data: { text: 'my card number is ****' }, state: { reactions: [{ key: '🛡️', userIds: ['moderator'] }] } });
    const gone = await s.chat.api.getMessage(id, spam!.id!);
    expect(gone?.state?.deleted).toMatchObject({ by: 'moderator' });
    expect(gone?.data.text).toBeUndefined();
    // History is the timeline as it is now; the redacted text is nowhere in it.
    const page = await s.chat.api.history(id);
    expect(JSON.stringify(page.events)).not.toContain('number is 4111');
    expect(JSON.stringify(page.events)).not.toContain('spam');
    expect(page.events.filter((e) => e.kind === 'message')).toHaveLength(2);
  });

  it('adds and removes members: the added get the conversation, the removed lose it, ownership passes on', async () => {
    const s = await scope.server();
    const alice = scope.client(s, 'alice');
    const carol = scope.client(s, 'carol');
    for (const c of [alice, carol]) await waitFor(c, online);
    const { conversation } = await s.chat.api.createGroup({ title: 'ops', members: ['alice', 'bob'] });
    await waitFor(alice, (c) => c.getConversation(conversation.id) !== undefined, 10_000, 'the group on alice');

    expect(await s.chat.api.addMembers(conversation.id, ['carol', 'bob'], { by: 'hr-bot' })).toEqual(['carol']);
    await waitFor(carol, (c) => c.getConversation(conversation.id) !== undefined, 10_000, 'the group on carol');
    await waitFor(alice, (c) => c.getTimeline(conversation.id).some((i) => i.type === 'system' && i.event === 'added'), 10_000, 'the system line');

    expect(await s.chat.api.removeMembers(conversation.id, ['alice'], { by: 'hr-bot' })).toEqual(['alice']);
    await waitFor(alice, (c) => (c.getConversation(conversation.id)?.members.length ?? 0) === 0, 10_000, 'alice removed');
    const members = await s.chat.api.listMembers(conversation.id);
    expect(members.map((m) => [m.userId, m.role]).sort()).toEqual([['bob', 'owner'], ['carol', 'member']]);
    const page = await s.chat.api.listConversations('carol');
    expect(page.map((row) => row.conversation.id)).toEqual([conversation.id]);
  });

  it('refuses bad input with a typed error and stores nothing', async () => {
    const s = await scope.server();
    const { conversation } = await s.chat.api.createGroup({ id: 'room-1', members: ['alice', 'bob'] });
    const before = (await s.chat.api.getConversation('room-1'))!.lastSeq;
    const api = s.chat.api;
    expect(await refusal(api.send({ conversationId: 'room-1', senderId: 'bot', text: '' }))).toBe(ErrorCode.BAD_FRAME);
    expect(await refusal(api.send({ conversationId: 'room-1', senderId: 'bot' }))).toBe(ErrorCode.BAD_FRAME);
    expect(await refusal(api.send({ conversationId: 'room-1', senderId: 'bad id!', text: 'x' }))).toBe(ErrorCode.BAD_FRAME);
    expect(await refusal(api.send({ conversationId: 'room-1', senderId: 'bot', text: 'x', clientMsgId: 'short' }))).toBe(ErrorCode.BAD_FRAME);
    expect(await refusal(api.send({ conversationId: 'nope', senderId: 'bot', text: 'x' }))).toBe(ErrorCode.NOT_FOUND);
    expect(await refusal(api.send({ conversationId: 'room-1', senderId: 'bot', text: 'hi @carol', mentions: ['carol'] }))).toBe(ErrorCode.FORBIDDEN);
    expect(await refusal(api.send({ conversationId: 'room-1', senderId: 'bot', text: 'x', custom: { f: (() => 1) as never } }))).toBe(ErrorCode.BAD_FRAME);
    expect(await refusal(api.edit({ conversationId: 'room-1', messageId: 'missing', by: 'bot', text: 'x' }))).toBe(ErrorCode.NOT_FOUND);
    expect(await refusal(api.react({ conversationId: 'room-1', messageId: 'missing', by: 'bot', key: 'has space' }))).toBe(ErrorCode.BAD_FRAME);
    expect(await refusal(api.createGroup({ members: [] }))).toBe(ErrorCode.BAD_FRAME);
    expect(await refusal(api.createGroup({ members: ['a'], createdBy: 'b' }))).toBe(ErrorCode.BAD_FRAME);
    expect(await refusal(api.openDirect('a', 'a'))).toBe(ErrorCode.BAD_FRAME);
    expect(await refusal(api.addMembers((await api.openDirect('a', 'b')).conversation.id, ['c'], { by: 'a' }))).toBe(ErrorCode.FORBIDDEN);
    expect(await refusal(api.history('room-1', { limit: 0 }))).toBe(ErrorCode.BAD_FRAME);
    expect(await refusal(api.listMembers('nope'))).toBe(ErrorCode.NOT_FOUND);
    expect((await api.getConversation(conversation.id))!.lastSeq).toBe(before);
  });
});

describe("chat.on('event'): each stored event once, on the node that stored it", () => {
  it('hears client writes, API writes and membership changes once; a repeat is not heard again', async () => {
    const s = await scope.server();
    const heard: LogEvent[] = [];
    const stop = s.chat.on('event', (e) => heard.push(e));
    s.chat.on('event', () => {
      throw new Error('a listener with a bug');
    });
    const alice = await scope.wire(s, 'alice');
    const created = await alice.request({ type: 'group.create', reqId: 'g1', title: 't', members: ['bob'] });
    if (created.type !== 'conversation') throw new Error(`group.create failed: ${JSON.stringify(created)}`);
    const id = created.conversation.id;
    const send = { type: 'send' as const, conversationId: id, clientMsgId: 'm-0000001', data: { text: 'hello' } };
    alice.send(send);
    await alice.waitFor((f) => f.type === 'ack');
    alice.send(send);
    await alice.waitFor((f) => f.type === 'ack' && f.duplicate);
    await s.chat.api.send({ conversationId: id, senderId: 'bot', text: 'from the backend' });
    await s.chat.api.addMembers(id, ['carol'], { by: 'alice' });
    expect(heard.map((e) => [e.seq, e.kind])).toEqual([[1, 'conversation.created'], [2, 'message'], [3, 'message'], [4, 'members.added']]);
    stop();
    await s.chat.api.send({ conversationId: id, senderId: 'bot', text: 'unheard' });
    expect(heard).toHaveLength(4);
  });
});

describe('chat.api.disconnectUser', () => {
  it("closes every connection of the user and no one else's", async () => {
    const s = await scope.server();
    const phone = await scope.wire(s, 'mallory', 'mallory-phone');
    const laptop = await scope.wire(s, 'mallory', 'mallory-laptop');
    const alice = await scope.wire(s, 'alice');
    const closed = (w: { socket: { connected: boolean; once(e: string, f: () => void): void } }) =>
      new Promise<void>((resolve) => (w.socket.connected ? w.socket.once('disconnect', () => resolve()) : resolve()));
    const gone = Promise.all([closed(phone), closed(laptop)]);
    await s.chat.api.disconnectUser('mallory');
    await gone;
    expect(alice.socket.connected).toBe(true);
    await expect(s.chat.api.disconnectUser('bad id!')).rejects.toMatchObject({ code: ErrorCode.BAD_FRAME });
  });
});
