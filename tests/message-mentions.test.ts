import { describe, expect, it } from 'vitest';
import { ErrorCode, Limits, type ConversationSummary, type SyncResultFrame } from '@parley/protocol';
import { testScope } from './helpers/scope.js';
import { createGroup, until } from './helpers/fixtures.js';
import { nextId, type WireClient } from './helpers/wire-client.js';
import { liveMessage, sendData, sendOk, storedMessages } from './helpers/content.js';
import { storeMatrix } from './helpers/store-matrix.js';
import type { TestServer } from './helpers/test-server.js';

/**
 * Mentions on the wire: only members can be mentioned, and a mentioned member's summaries count
 * the unread messages that mention them (`unreadMentions`), in sync and over REST.
 */
const scope = testScope();

type Counts = Pick<ConversationSummary, 'unread' | 'unreadMentions'>;
const countsOf = (c: ConversationSummary | undefined): Counts | undefined => c && { unread: c.unread, unreadMentions: c.unreadMentions };

async function syncCounts(w: WireClient, id: string): Promise<Counts | undefined> {
  const result = await w.request<SyncResultFrame>({ type: 'sync', reqId: nextId(), cursors: [] });
  return countsOf(result.conversations.find((c) => c.id === id));
}

async function restCounts(s: TestServer, userId: string, id: string): Promise<Counts | undefined> {
  const res = await fetch(`${s.url}/api/conversations`, { headers: { authorization: `Bearer ${await s.token(userId)}` } });
  expect(res.status).toBe(200);
  const page = (await res.json()) as { conversations: ConversationSummary[] };
  return countsOf(page.conversations.find((c) => c.id === id));
}

describe.each(storeMatrix('message mentions'))('mentions (%s store)', (_name, makeStore) => {
  async function setup() {
    const s = await scope.server({ store: await makeStore() });
    const [alice, bob] = [await scope.wire(s, 'alice'), await scope.wire(s, 'bob')];
    const id = await createGroup(alice, ['bob', 'carol']);
    return { s, alice, bob, id };
  }

  it('stores mentions of members as sent and delivers them', async () => {
    const { s, alice, bob, id } = await setup();
    const ack = await sendOk(alice, id, { text: '@bob @carol look', mentions: ['bob', 'carol'] });
    expect((await liveMessage(bob, id, ack.seq)).data).toEqual({ text: '@bob @carol look', mentions: ['bob', 'carol'] });
    expect((await storedMessages(s.store, id)).map((m) => m.data.mentions)).toEqual([['bob', 'carol']]);
  });

  it('refuses a mention of a non-member (FORBIDDEN), a repeated one or too many (BAD_FRAME), storing nothing', async () => {
    const { s, alice, id } = await setup();
    const outsider = await sendData(alice, id, { text: 'hey @mallory', mentions: ['bob', 'mallory'] });
    expect(outsider).toMatchObject({ type: 'nack', code: ErrorCode.FORBIDDEN, message: 'you can mention members only', retryable: false });
    const twice = await sendData(alice, id, { text: 'hey', mentions: ['bob', 'bob'] });
    expect(twice).toMatchObject({ type: 'nack', code: ErrorCode.BAD_FRAME });
    const many = Array.from({ length: Limits.maxMentions + 1 }, (_, i) => `user-${i}`);
    expect(await sendData(alice, id, { text: 'all', mentions: many })).toMatchObject({ type: 'nack', code: ErrorCode.BAD_FRAME });
    expect(await storedMessages(s.store, id)).toEqual([]);
  });

  it('answers a resend with the original even when a member it mentions has left since', async () => {
    const { s, alice, id } = await setup();
    const first = await sendOk(alice, id, { text: '@carol?', mentions: ['carol'] }, 'm-mention-0001');
    await alice.request({ type: 'members.remove', reqId: nextId(), conversationId: id, userIds: ['carol'] });
    // The ack was lost: the outbox sends the same frame again.
    alice.send({ type: 'send', conversationId: id, clientMsgId: 'm-mention-0001', data: { text: '@carol?', mentions: ['carol'] } });
    const answers = () => alice.frames.filter((f) => (f.type === 'ack' || f.type === 'nack') && f.clientMsgId === 'm-mention-0001');
    await until(() => answers().length === 2, 10_000, 'the resend answered');
    expect(answers()[1]).toMatchObject({ type: 'ack', seq: first.seq, eventId: first.eventId, duplicate: true });
    expect((await storedMessages(s.store, id)).length).toBe(1);
  });

  it('counts unread mentions in the mentioned member`s summaries (sync and REST) until they read', async () => {
    const { s, alice, bob, id } = await setup();
    await sendOk(alice, id, { text: 'hi all' });
    await sendOk(alice, id, { text: '@bob one', mentions: ['bob'] });
    await sendOk(alice, id, { custom: { ping: true }, mentions: ['bob', 'carol'] });
    const last = await sendOk(alice, id, { text: '@carol only', mentions: ['carol'] });
    // bob mentions himself: his own message is never unread.
    await sendOk(bob, id, { text: 'me', mentions: ['bob'] });

    expect(await syncCounts(bob, id)).toEqual({ unread: 4, unreadMentions: 2 });
    expect(await restCounts(s, 'bob', id)).toEqual({ unread: 4, unreadMentions: 2 });
    expect(await restCounts(s, 'carol', id)).toEqual({ unread: 5, unreadMentions: 2 });
    expect(await syncCounts(alice, id)).toEqual({ unread: 1, unreadMentions: 0 });

    bob.send({ type: 'receipt', conversationId: id, readSeq: last.seq });
    await until(async () => (await s.store.getMember(id, 'bob'))?.readSeq === last.seq, 10_000, 'bob`s read stored');
    expect(await syncCounts(bob, id)).toEqual({ unread: 0, unreadMentions: 0 });
    expect(await restCounts(s, 'bob', id)).toEqual({ unread: 0, unreadMentions: 0 });
  });
});
