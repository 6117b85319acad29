import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, PROTOCOL_VERSION, type SyncFrame } from '@parley/protocol';
import { createChatClientWith } from '../client/chat-client.js';
import { createIndexedDbStorage } from './indexeddb-storage.js';
import { createFakeWire } from '../../test/support/fake-wire.js';
import { message, summary } from '../../test/support/fixtures.js';
import type { ChatClient } from '../types.js';

const welcome = { type: 'welcome', protocol: PROTOCOL_VERSION, userId: 'me', deviceId: 'd1', serverTime: 1, limits: {} } as const;
const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 500; i += 1) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  throw new Error(`never happened: ${what}`);
}

/** A client on an IndexedDB database; a second call with the same name is the page reloaded. */
function start(dbName: string): { chat: ChatClient; wire: ReturnType<typeof createFakeWire>; storage: ReturnType<typeof createIndexedDbStorage> } {
  const wire = createFakeWire();
  const storage = createIndexedDbStorage({ dbName });
  const chat = createChatClientWith({ url: 'http://parley.test', getToken: () => 'tok', storage, ackTimeoutMs: 60_000 }, { transport: wire.factory });
  closers.push(() => chat.close(), () => storage.close());
  return { chat, wire, storage };
}

async function serve(wire: ReturnType<typeof createFakeWire>, events = [message(1)]): Promise<SyncFrame> {
  await until(() => wire.auths.length > 0, 'a connection attempt');
  wire.accept();
  wire.push(welcome);
  const sync = wire.frames('sync').at(-1) as SyncFrame;
  wire.push({ type: 'sync.result', reqId: sync.reqId, conversations: [summary({ lastSeq: events.length })], removed: [], events, hasMore: false });
  return sync;
}

describe('the outbox and cache on IndexedDB', () => {
  it('keeps a message sent offline through a reload and flushes it once, with the same clientMsgId', async () => {
    const first = start('reload-outbox');
    await serve(first.wire);
    // Cache writes trail the state (a reload before them only costs a longer sync).
    await until(async () => (await first.storage.cursors.list()).c1 === 1, 'the cache to be written');
    first.wire.drop();
    const sent = await first.chat.send('c1', 'written offline');
    first.chat.close();
    first.storage.close();

    const reloaded = start('reload-outbox');
    // Shown at once, before any connection: the cached log, the own pending message, the user.
    await until(() => reloaded.chat.getMessages('c1').length === 2, 'the cold start');
    expect(reloaded.chat.getMessages('c1').map((m) => [m.text, m.status])).toEqual([['text 1', 'sent'], ['written offline', 'pending']]);
    expect(reloaded.chat.getSnapshot().userId).toBe('me');

    const sync = await serve(reloaded.wire, []);
    expect(sync.cursors.map(({ conversationId, seq }) => ({ conversationId, seq }))).toEqual([{ conversationId: 'c1', seq: 1 }]);
    await until(() => reloaded.wire.frames('send').length === 1, 'the flush');
    expect(reloaded.wire.frames('send')[0]?.clientMsgId).toBe(sent.clientMsgId);
    reloaded.wire.push({ type: 'ack', conversationId: 'c1', clientMsgId: sent.key, eventId: 'e2', seq: 2, ts: 2, duplicate: false });
    await until(async () => (await reloaded.storage.outbox.list()).length === 0, 'the entry to leave storage on its ack');
    expect(reloaded.chat.getMessages('c1').map((m) => [m.text, m.status, m.seq])).toEqual([['text 1', 'sent', 1], ['written offline', 'sent', 2]]);
  });

  it('keeps a failed message failed with its reason across a reload until it is discarded', async () => {
    const first = start('reload-failed');
    await serve(first.wire);
    const sent = await first.chat.send('c1', 'refused');
    first.wire.push({ type: 'nack', conversationId: 'c1', clientMsgId: sent.key, code: ErrorCode.FORBIDDEN, message: 'no', retryable: false });
    await until(async () => (await first.storage.outbox.list())[0]?.status === 'failed', 'the failure to be stored');
    first.chat.close();
    first.storage.close();

    const reloaded = start('reload-failed');
    await until(() => reloaded.chat.getMessages('c1').length === 2, 'the cold start');
    expect(reloaded.chat.getMessages('c1').at(-1)).toMatchObject({ text: 'refused', status: 'failed', error: { code: ErrorCode.FORBIDDEN } });
    await serve(reloaded.wire, []);
    expect(reloaded.wire.frames('send')).toEqual([]);
    await reloaded.chat.discard(sent.key);
    expect(await reloaded.storage.outbox.list()).toEqual([]);
    expect(reloaded.chat.getMessages('c1').map((m) => m.text)).toEqual(['text 1']);
  });
});
