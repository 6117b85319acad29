import { describe, expect, it } from 'vitest';
import { ErrorCode, PROTOCOL_VERSION, type LogEvent, type SyncFrame } from '@parley/protocol';
import { createChatClientWith } from './chat-client.js';
import { createMemoryStorage } from '../storage/memory-storage.js';
import type { ClientStorage } from '../storage/client-storage.js';
import type { ChatEvents } from '../types.js';
import { createFakeWire, createManualTimers, flushAsync } from '../../test/support/fake-wire.js';
import { message, summary } from '../../test/support/fixtures.js';

const welcome = { type: 'welcome', protocol: PROTOCOL_VERSION, userId: 'me', deviceId: 'd1', serverTime: 1, limits: {} } as const;

/** A client that knows conversation c1 (messages 1 by bob, 2 by me) and is offline until `online()`. */
async function setup(storage: ClientStorage = createMemoryStorage()) {
  const wire = createFakeWire();
  const clock = createManualTimers();
  const chat = createChatClientWith(
    { url: 'http://parley.test', getToken: async () => 'tok', deviceId: 'd1', ackTimeoutMs: 5_000, storage },
    { transport: wire.factory, timers: clock.timers },
  );
  await flushAsync();
  const online = async (events: LogEvent[] = [message(1, 'bob'), message(2, 'me')], lastSeq = events.at(-1)?.seq ?? 0) => {
    wire.accept();
    wire.push(welcome);
    const sync = wire.frames('sync').at(-1) as SyncFrame;
    wire.push({ type: 'sync.result', reqId: sync.reqId, conversations: [summary({ lastSeq })], removed: [], events, hasMore: false });
    await flushAsync();
  };
  const drop = async () => {
    wire.drop();
    await flushAsync();
  };
  return { wire, clock, chat, online, drop, storage };
}

describe('edits, deletes and reactions through the outbox', () => {
  it('rejects what the server would refuse before queueing anything', async () => {
    const { chat, online, storage } = await setup();
    await online();
    await expect(chat.edit('c1', 'c1-e1', 'mine now')).rejects.toMatchObject({ code: ErrorCode.FORBIDDEN });
    await expect(chat.delete('c1', 'c1-e1')).rejects.toMatchObject({ code: ErrorCode.FORBIDDEN });
    await expect(chat.react('c1', 'c1-e1', 'thumbs up')).rejects.toMatchObject({ code: ErrorCode.BAD_FRAME });
    await expect(chat.react('c1', 'c1-e1', 'x'.repeat(65))).rejects.toMatchObject({ code: ErrorCode.BAD_FRAME });
    await expect(chat.edit('c1', 'c1-e2', '')).rejects.toMatchObject({ code: ErrorCode.BAD_FRAME });
    await expect(chat.react('c1', 'c1-e99', '👍')).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND });
    await chat.delete('c1', 'c1-e2');
    await expect(chat.edit('c1', 'c1-e2', 'too late')).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND });
    await expect(chat.react('c1', 'c1-e2', '👍')).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND });
    expect((await storage.outbox.list()).map((e) => e.change?.change.kind)).toEqual(['delete']);
    chat.close();
  });

  it('edits a message never sent in place: one SEND with the new text, no CHANGE', async () => {
    const { chat, wire, online } = await setup();
    const draft = await chat.send('c1', 'helo');
    const shown = await chat.edit('c1', draft.key, { text: 'hello', custom: { v: 2 } });
    expect(shown).toMatchObject({ key: draft.key, text: 'hello', custom: { v: 2 }, status: 'pending' });
    await online();
    expect(wire.frames('send').map((f) => f.data)).toEqual([{ text: 'hello', custom: { v: 2 } }]);
    expect(wire.frames('change')).toEqual([]);
    chat.close();
  });

  it('follows a message that may have reached the server with a CHANGE naming its clientMsgId, in the same order', async () => {
    const { chat, wire, online, drop } = await setup();
    await online();
    const sent = await chat.send('c1', 'helo');
    expect(wire.frames('send')).toHaveLength(1);
    await drop();
    const edited = await chat.edit('c1', sent.key, 'hello');
    expect(edited).toMatchObject({ text: 'hello', status: 'pending' });
    await online();
    const [change] = wire.frames('change');
    expect(change).toMatchObject({ target: { clientMsgId: sent.key }, change: { kind: 'edit', text: 'hello' }, after: sent.key });
    // The message is stored, then the edit: each ack puts its event in the log.
    wire.push({ type: 'ack', conversationId: 'c1', clientMsgId: sent.key, eventId: 'c1-e3', seq: 3, ts: 7_000, duplicate: false });
    wire.push({ type: 'ack', conversationId: 'c1', clientMsgId: change!.clientMsgId, eventId: 'c1-e4', seq: 4, ts: 7_001, duplicate: false });
    await flushAsync();
    expect(chat.getMessages('c1').at(-1)).toMatchObject({ seq: 3, text: 'hello', editedAt: 7_001, status: 'sent' });
    chat.close();
  });

  it('drops a deleted message that was never sent, with the changes queued for it', async () => {
    const { chat, wire, online, storage } = await setup();
    const draft = await chat.send('c1', 'oops');
    await chat.react('c1', draft.key, '👍');
    await chat.delete('c1', draft.key);
    expect(chat.getMessages('c1')).toEqual([]);
    expect(await storage.outbox.list()).toEqual([]);
    await online();
    expect([...wire.frames('send'), ...wire.frames('change')]).toEqual([]);
    chat.close();
  });

  it('cancels a react and an unreact of one key while both are unsent, and reacts twice once', async () => {
    const { chat, wire, online, drop } = await setup();
    await online();
    await drop();
    await chat.react('c1', 'c1-e1', '👍');
    expect(chat.getMessages('c1')[0]?.reactions).toEqual([{ key: '👍', count: 1, mine: true, userIds: ['me'] }]);
    await chat.react('c1', 'c1-e1', '👍');
    await chat.unreact('c1', 'c1-e1', '👍');
    expect(chat.getMessages('c1')[0]?.reactions).toEqual([]);
    await chat.react('c1', 'c1-e1', '🎉');
    await chat.react('c1', 'c1-e1', '🎉');
    await online();
    expect(wire.frames('change').map((f) => f.change)).toEqual([{ kind: 'react', key: '🎉' }]);
    chat.close();
  });

  it('ends a delete whose target is gone already as done, and a refused change as failed, visibly', async () => {
    const { chat, wire, online } = await setup();
    await online([message(1, 'bob'), message(2, 'me'), message(3, 'me')]);
    const errors: ChatEvents['error'][] = [];
    chat.on('error', (e) => errors.push(e));
    await chat.delete('c1', 'c1-e2');
    await chat.edit('c1', 'c1-e3', 'late edit');
    const [del, edit] = wire.frames('change');
    wire.push({ type: 'nack', conversationId: 'c1', clientMsgId: del!.clientMsgId, code: ErrorCode.NOT_FOUND, message: 'no such message', retryable: false });
    wire.push({ type: 'nack', conversationId: 'c1', clientMsgId: edit!.clientMsgId, code: ErrorCode.FORBIDDEN, message: 'too late to edit', retryable: false });
    await flushAsync();
    const [, second, third] = chat.getMessages('c1');
    expect(second?.failedChanges).toBeUndefined();
    expect(third).toMatchObject({ text: 'text 3', failedChanges: [{ clientMsgId: edit!.clientMsgId, kind: 'edit', error: { code: ErrorCode.FORBIDDEN } }] });
    expect(errors.map((e) => e.clientMsgId)).toEqual([edit!.clientMsgId]);
    // Retried, it goes out again with the same id.
    await chat.retry(edit!.clientMsgId);
    expect(chat.getMessages('c1')[2]).toMatchObject({ text: 'late edit' });
    expect(wire.frames('change').at(-1)?.clientMsgId).toBe(edit!.clientMsgId);
    chat.close();
  });

  it('reads and sends an outbox entry a previous release wrote (a message, no change field)', async () => {
    const storage = createMemoryStorage();
    await storage.outbox.put({ clientMsgId: '0190a0a0-0000-7000-8000-000000000001', conversationId: 'c1', text: 'from v4', createdAt: 1, status: 'pending', attempts: 0 });
    const { chat, wire, online } = await setup(storage);
    await online();
    expect(wire.frames('send').map((f) => f.data)).toEqual([{ text: 'from v4' }]);
    chat.close();
  });

  it('erases a deleted message from the cache, and a reload shows the folded history it cached', async () => {
    const storage = createMemoryStorage();
    const first = await setup(storage);
    // A cold tail folded as of seq 6: timeline events 1, 3 and 5 (2, 4 and 6 are changes and replies).
    const secret = { ...message(3, 'bob'), data: { text: 'secret' }, state: { asOfSeq: 6, replyCount: 1 } } as LogEvent;
    await first.online([{ ...message(1, 'bob'), state: { asOfSeq: 6 } } as LogEvent, secret, { ...message(5, 'me'), state: { asOfSeq: 6 } } as LogEvent], 6);
    first.wire.push({ type: 'event', event: { id: 'c1-e7', conversationId: 'c1', seq: 7, senderId: 'bob', ts: 7_000, kind: 'message.deleted', clientMsgId: 'del-bob-7', data: { messageId: 'c1-e3', messageSeq: 3 } } });
    await flushAsync();
    expect(first.chat.getMessages('c1').map((m) => [m.seq, m.deleted])).toEqual([[1, false], [3, true], [5, false]]);
    await first.chat.close();
    expect(JSON.stringify(await storage.events.list('c1'))).not.toContain('secret');

    const again = await setup(storage);
    expect(again.chat.getMessages('c1').map((m) => [m.seq, m.deleted, m.replyCount])).toEqual([[1, false, 0], [3, true, 1], [5, false, 0]]);
    // The cached timeline starts at seq 1: nothing older to page.
    expect(again.chat.getConversation('c1')?.hasOlder).toBe(false);
    again.chat.close();
  });
});
