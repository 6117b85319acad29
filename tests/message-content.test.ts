import { describe, expect, it } from 'vitest';
import { ErrorCode, Limits, type HistoryResultFrame } from '@parley/protocol';
import { testScope } from './helpers/scope.js';
import { createGroup, openDirect, syncAll, until } from './helpers/fixtures.js';
import { nextId } from './helpers/wire-client.js';
import { liveMessage, sendData, sendOk, storedMessages } from './helpers/content.js';
import { storeMatrix } from './helpers/store-matrix.js';

/**
 * Message content on the wire: app data (`custom`) and replies (`replyTo`), stored as sent,
 * delivered live and by sync/history, refused with a typed error (nothing stored) when wrong.
 */
const scope = testScope();
const CARD = { kind: 'order', orderId: 'A-1042', items: [{ sku: 'x', qty: 2 }, null], paid: true, total: 12.5, note: 'hi 👋' };

describe.each(storeMatrix('message content'))('message content (%s store)', (_name, makeStore) => {
  async function setup() {
    const s = await scope.server({ store: await makeStore() });
    const [alice, bob] = [await scope.wire(s, 'alice'), await scope.wire(s, 'bob')];
    const id = await createGroup(alice, ['bob']);
    return { s, alice, bob, id };
  }

  it('stores and delivers app data as sent, with or without text, live, by sync and by history', async () => {
    const { alice, bob, id } = await setup();
    const withText = await sendOk(alice, id, { text: 'your order', custom: CARD });
    const customOnly = await sendOk(alice, id, { custom: { poll: { q: 'lunch?', options: ['a', 'b'] } } });
    expect((await liveMessage(bob, id, withText.seq)).data).toEqual({ text: 'your order', custom: CARD });
    expect((await liveMessage(bob, id, customOnly.seq)).data).toEqual({ custom: { poll: { q: 'lunch?', options: ['a', 'b'] } } });
    const { events } = await syncAll(bob, { [id]: 0 });
    expect(events.filter((e) => e.kind === 'message').map((e) => e.data)).toEqual([
      { text: 'your order', custom: CARD },
      { custom: { poll: { q: 'lunch?', options: ['a', 'b'] } } },
    ]);
    const history = await bob.request<HistoryResultFrame>({ type: 'history', reqId: nextId(), conversationId: id, limit: 10 });
    expect(history.events.at(-1)?.data).toEqual({ custom: { poll: { q: 'lunch?', options: ['a', 'b'] } } });
  });

  it('refuses bad app data and empty messages with BAD_FRAME, storing nothing', async () => {
    const { s, alice, id } = await setup();
    const bad: unknown[] = [
      {},
      { custom: ['an', 'array'] },
      { custom: 'a string' },
      { custom: null },
      { text: 'x', custom: { big: 'x'.repeat(Limits.maxCustomBytes + 1) } },
      { custom: JSON.parse('{"__proto__":{"admin":true}}') },
      { custom: { constructor: 1 } },
      { text: '' },
    ];
    for (const data of bad) {
      const answer = await sendData(alice, id, data);
      expect(answer, JSON.stringify(data)).toMatchObject({ type: 'nack', code: ErrorCode.BAD_FRAME, retryable: false });
    }
    expect(await storedMessages(s.store, id)).toEqual([]);
    // The connection is still good.
    await sendOk(alice, id, { custom: { ok: true } });
  });

  it('holds a send to the limits this deployment lowered, as welcome announced them', async () => {
    const s = await scope.server({ store: await makeStore(), limits: { maxTextLength: 10, maxCustomBytes: 64, maxMentions: 1 } });
    const alice = await scope.wire(s, 'alice');
    const id = await createGroup(alice, ['bob', 'carol']);
    for (const data of [{ text: 'x'.repeat(11) }, { custom: { note: 'y'.repeat(64) } }, { text: 'hi', mentions: ['bob', 'carol'] }]) {
      expect(await sendData(alice, id, data), JSON.stringify(data)).toMatchObject({ type: 'nack', code: ErrorCode.BAD_FRAME });
    }
    expect(await storedMessages(s.store, id)).toEqual([]);
    await sendOk(alice, id, { text: 'x'.repeat(10), custom: { note: 'short' }, mentions: ['bob'] });
  });

  it('answers a repeated clientMsgId with the original message, even when the repeat says something else', async () => {
    const { s, alice, id } = await setup();
    const first = await sendOk(alice, id, { text: 'first', custom: { v: 1 } }, 'm-repeat-0001');
    alice.send({ type: 'send', conversationId: id, clientMsgId: 'm-repeat-0001', data: { custom: { v: 2 }, mentions: ['bob'] } });
    const answers = () => alice.frames.filter((f) => (f.type === 'ack' || f.type === 'nack') && f.clientMsgId === 'm-repeat-0001');
    await until(() => answers().length === 2, 10_000, 'the repeat answered');
    const again = answers()[1];
    expect(again).toMatchObject({ seq: first.seq, eventId: first.eventId, duplicate: true });
    expect((await storedMessages(s.store, id)).map((m) => m.data)).toEqual([{ text: 'first', custom: { v: 1 } }]);
  });

  it('fills a reply with the quoted message: id, seq, sender and the start of its text', async () => {
    const { s, alice, bob, id } = await setup();
    const long = await sendOk(alice, id, { text: 'a'.repeat(150) + 'b'.repeat(150) });
    // An emoji (two UTF-16 units) straddles the cut: the preview stops before it, never in it.
    const emoji = await sendOk(alice, id, { text: 'x'.repeat(Limits.maxReplyPreviewLength - 1) + '😀 and more' });
    const card = await sendOk(alice, id, { custom: CARD });
    const short = await sendOk(alice, id, { text: 'short 😀' });
    const replies = [
      [long, 'a'.repeat(150) + 'b'.repeat(50)],
      [emoji, 'x'.repeat(Limits.maxReplyPreviewLength - 1)],
      [card, ''],
      [short, 'short 😀'],
    ] as const;
    for (const [quoted, preview] of replies) {
      const reply = await sendOk(bob, id, { text: 're', replyTo: quoted.eventId });
      const replyTo = { messageId: quoted.eventId, seq: quoted.seq, senderId: 'alice', preview };
      expect((await liveMessage(alice, id, reply.seq)).data).toEqual({ text: 're', replyTo });
    }
    const stored = await storedMessages(s.store, id);
    expect(stored.at(-1)?.data.replyTo).toEqual({ messageId: short.eventId, seq: short.seq, senderId: 'alice', preview: 'short 😀' });
  });

  it('refuses a reply to anything but a message of the same conversation with NOT_FOUND, storing nothing', async () => {
    const { s, alice, bob, id } = await setup();
    const elsewhere = await openDirect(alice, 'carol');
    const theirs = await sendOk(alice, elsewhere, { text: 'in another conversation' });
    const [created] = await s.store.readAfter(id, 0, 1);
    expect(created?.kind).toBe('conversation.created');
    for (const replyTo of [theirs.eventId, created!.id, 'no-such-event']) {
      const answer = await sendData(bob, id, { text: 're', replyTo });
      expect(answer, replyTo).toMatchObject({ type: 'nack', code: ErrorCode.NOT_FOUND });
    }
    expect(await storedMessages(s.store, id)).toEqual([]);
  });

  it('answers a non-member the same NOT_FOUND as a missing conversation, whatever the content', async () => {
    const { s, alice, id } = await setup();
    const quoted = await sendOk(alice, id, { text: 'members only' });
    const mallory = await scope.wire(s, 'mallory');
    const contents = [{ text: 'hi' }, { custom: CARD }, { text: 're', replyTo: quoted.eventId }, { text: 'hi', mentions: ['alice'] }];
    for (const data of contents) {
      const inGroup = await sendData(mallory, id, data);
      const missing = await sendData(mallory, 'no-such-conversation', data);
      expect(inGroup).toMatchObject({ type: 'nack', code: ErrorCode.NOT_FOUND });
      expect({ ...inGroup, clientMsgId: '', conversationId: '' }).toEqual({ ...missing, clientMsgId: '', conversationId: '' });
    }
    expect((await storedMessages(s.store, id)).length).toBe(1);
  });
});
