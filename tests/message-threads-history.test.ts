import { describe, expect, it } from 'vitest';
import { ErrorCode, type SyncResultFrame } from '@parley/protocol';
import { testScope } from './helpers/scope.js';
import { createGroup, syncAll } from './helpers/fixtures.js';
import { connectWire, nextId, type WireClient } from './helpers/wire-client.js';
import { liveMessage, sendData, sendOk } from './helpers/content.js';
import { changeOk, historyPage, pageMessages } from './helpers/changes.js';
import { storeMatrix } from './helpers/store-matrix.js';
import type { TestServer } from './helpers/test-server.js';

/**
 * Threads, and history as it is now: a page lists one lane (the main timeline or a thread) with
 * every message folded as of the conversation's lastSeq, however many changes the log holds; a
 * client without a position gets the timeline's tail folded the same way; clients of protocol 4
 * keep working (changes are placeholders to them; their tails stay contiguous).
 */
const scope = testScope();

describe.each(storeMatrix('threads and history'))('threads and history (%s store)', (_name, makeStore) => {
  async function setup() {
    const s = await scope.server({ store: await makeStore() });
    const [alice, bob] = [await scope.wire(s, 'alice'), await scope.wire(s, 'bob')];
    const id = await createGroup(alice, ['bob']);
    return { s, alice, bob, id };
  }
  const connectAt = async (s: TestServer, userId: string, protocol: number): Promise<WireClient> =>
    scope.adopt(await connectWire(s.url, { token: await s.token(userId), protocol }));

  it('keeps thread replies out of the timeline, lists them by thread, and counts them on the root', async () => {
    const { alice, bob, id } = await setup();
    const root = await sendOk(alice, id, { text: 'release plan?' });
    const replies = [];
    for (const text of ['friday', 'monday', 'after the freeze']) replies.push(await sendOk(bob, id, { text, threadId: root.eventId }));
    const after = await sendOk(alice, id, { text: 'next topic' });
    expect((await liveMessage(alice, id, replies[0]!.seq)).data.thread).toEqual({ messageId: root.eventId, seq: root.seq });
    const timeline = pageMessages(await historyPage(bob, id));
    expect(timeline.map((m) => m.data.text)).toEqual(['release plan?', 'next topic']);
    expect(timeline[0]?.state).toMatchObject({ replyCount: 3, lastReplyAt: replies[2]!.ts, asOfSeq: after.seq });
    const thread = await historyPage(bob, id, { threadId: root.eventId, limit: 2 });
    expect(thread).toMatchObject({ threadId: root.eventId, hasMore: true });
    expect(pageMessages(thread).map((m) => m.data.text)).toEqual(['monday', 'after the freeze']);
    const older = await historyPage(bob, id, { threadId: root.eventId, limit: 2, beforeSeq: thread.events[0]!.seq });
    expect(older).toMatchObject({ hasMore: false });
    expect(pageMessages(older).map((m) => m.data.text)).toEqual(['friday']);
    // Replies are messages: they count as unread like any other.
    const summary = (await syncAll(alice, {})).results[0]!.conversations.find((c) => c.id === id)!;
    expect(summary.unread).toBe(3);
  });

  it('refuses a thread under a reply, another conversation`s message or an unknown id with NOT_FOUND', async () => {
    const { s, alice, bob, id } = await setup();
    const root = await sendOk(alice, id, { text: 'root' });
    const reply = await sendOk(bob, id, { text: 'reply', threadId: root.eventId });
    const other = await createGroup(alice, ['carol']);
    const elsewhere = await sendOk(alice, other, { text: 'elsewhere' });
    for (const threadId of [reply.eventId, elsewhere.eventId, 'e-made-up']) {
      expect(await sendData(bob, id, { text: 'x', threadId }), threadId).toMatchObject({ type: 'nack', code: ErrorCode.NOT_FOUND });
    }
    const asked = await bob.request({ type: 'history', reqId: nextId('h-'), conversationId: id, threadId: elsewhere.eventId });
    expect(asked).toMatchObject({ type: 'error', code: ErrorCode.NOT_FOUND });
    expect((await s.store.readAfter(id, 0, 100)).filter((e) => e.kind === 'message')).toHaveLength(2);
  });

  // 230 writes, one after another, before the pages: on a busy machine with FerretDB that alone
  // took the default 30 s.
  it('pages the timeline by messages, not by changes: 60 messages under 300 reactions and 20 edits', { timeout: 120_000 }, async () => {
    const { alice, bob, id } = await setup();
    const sent = [];
    for (let n = 0; n < 60; n++) sent.push(await sendOk(alice, id, { text: `m${n}` }));
    for (let n = 0; n < 20; n++) await changeOk(alice, id, sent[n * 3]!.eventId, { kind: 'edit', text: `m${n * 3} (edited)` });
    const keys = ['👍', '🎉', '👀', '🚀', '❤️'];
    for (let n = 0; n < 150; n++) {
      await changeOk(n % 2 ? alice : bob, id, sent[n % 60]!.eventId, { kind: 'react', key: keys[Math.floor(n / 60) + (n % 2) * 2]! });
    }
    const newest = await historyPage(bob, id, { limit: 50 });
    expect(newest.hasMore).toBe(true);
    expect(pageMessages(newest).map((m) => m.data.text)).toEqual(sent.slice(10).map((_, i) => (((i + 10) % 3 === 0 && i + 10 < 60) ? `m${i + 10} (edited)` : `m${i + 10}`)));
    const oldest = await historyPage(bob, id, { limit: 50, beforeSeq: newest.events[0]!.seq });
    expect(oldest.hasMore).toBe(false);
    expect(oldest.events.map((e) => e.kind)).toEqual(['conversation.created', ...Array(10).fill('message')]);
    // Every page states the same point of the log, and the reactions folded up to it.
    const last = (await syncAll(bob, { [id]: 0 })).events.at(-1)!.seq;
    for (const m of [...pageMessages(oldest), ...pageMessages(newest)]) expect(m.state?.asOfSeq).toBe(last);
    const m0 = pageMessages(oldest)[0]!;
    expect(m0.state?.reactions?.map((r) => [r.key, r.userIds])).toEqual([['👍', ['bob']], ['🎉', ['bob']], ['👀', ['bob']]]);
  });

  it('gives a client without a position the timeline`s tail folded as of the summary`s lastSeq', async () => {
    const { s, alice, id } = await setup();
    const m = await sendOk(alice, id, { text: 'first' });
    await changeOk(alice, id, m.eventId, { kind: 'edit', text: 'first (edited)' });
    for (let n = 0; n < 60; n++) await changeOk(alice, id, m.eventId, { kind: n % 2 ? 'unreact' : 'react', key: '👍' });
    const carol = await scope.wire(s, 'bob', 'bob-new-phone');
    const result = await carol.request<SyncResultFrame>({ type: 'sync', reqId: nextId('s-'), cursors: [] });
    const summary = result.conversations.find((c) => c.id === id)!;
    const tail = result.events.filter((e) => e.conversationId === id);
    expect(tail.map((e) => e.kind)).toEqual(['conversation.created', 'message']);
    expect(tail[1]).toMatchObject({ data: { text: 'first (edited)' }, state: { asOfSeq: summary.lastSeq } });
    expect(tail[1]!.kind === 'message' && tail[1]!.state?.reactions).toBeFalsy();
  });

  it('serves protocol 4 clients: changes as placeholders, edited text in history, contiguous tails', async () => {
    const { s, alice, id } = await setup();
    const old = await connectAt(s, 'bob', 4);
    const m = await sendOk(alice, id, { text: 'hi' });
    const edit = await changeOk(alice, id, m.eventId, { kind: 'edit', text: 'hi there' });
    const reaction = await changeOk(alice, id, m.eventId, { kind: 'react', key: '👍' });
    const root = await sendOk(alice, id, { text: 'root' });
    const reply = await sendOk(alice, id, { text: 'in thread', threadId: root.eventId });
    const pushed = await old.waitFor((f) => f.type === 'event' && f.event.seq === reaction.seq);
    expect(pushed).toMatchObject({ event: { seq: reaction.seq, kind: 'members.added', data: { userIds: [] } } });
    const inThread = await old.waitFor((f) => f.type === 'event' && f.event.seq === reply.seq);
    expect(inThread).toMatchObject({ event: { kind: 'message', data: { text: 'in thread' } } });
    const synced = await old.request<SyncResultFrame>({ type: 'sync', reqId: nextId('s-'), cursors: [] });
    const tail = synced.events.filter((e) => e.conversationId === id).map((e) => e.seq);
    expect(tail).toEqual(Array.from({ length: reply.seq }, (_, i) => i + 1));
    const page = await historyPage(old, id);
    expect(pageMessages(page).map((e) => e.data.text)).toEqual(['hi there', 'root']);
    expect(page.events.some((e) => e.seq === edit.seq)).toBe(false);
    expect(old.invalid).toEqual([]);
  });
});
