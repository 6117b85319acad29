import { afterEach, describe, expect, it } from 'vitest';
import 'fake-indexeddb/auto';
import { createIndexedDbStorage, type IndexedDbStorage, type IndexedDbStorageOptions } from './indexeddb-storage.js';
import { newEntry } from '../state/outbox.js';
import { message, summary } from '../../test/support/fixtures.js';

const opened: IndexedDbStorage[] = [];
let dbCount = 0;

/** A storage on a fresh fake IndexedDB database; `reopen` opens the same database anew, like a reload. */
function fresh(options: Omit<IndexedDbStorageOptions, 'dbName'> = {}) {
  const dbName = `parley-test-${(dbCount += 1)}`;
  const open = () => {
    const storage = createIndexedDbStorage({ ...options, dbName });
    opened.push(storage);
    return storage;
  };
  return { storage: open(), reopen: open };
}

afterEach(() => {
  for (const storage of opened.splice(0)) storage.close();
});

describe('IndexedDB storage', () => {
  it('keeps the outbox in clientMsgId order across a reopen, and deletes by id', async () => {
    const { storage, reopen } = fresh();
    await storage.outbox.put(newEntry('0002-b', 'c1', 'second', 2));
    await storage.outbox.put(newEntry('0001-a', 'c1', 'first', 1));
    await storage.outbox.put({ ...newEntry('0003-c', 'c2', 'third', 3), status: 'failed', error: { code: 4040, message: 'not found' } });
    storage.close();

    const reloaded = reopen();
    expect((await reloaded.outbox.list()).map((e) => [e.text, e.status])).toEqual([
      ['first', 'pending'],
      ['second', 'pending'],
      ['third', 'failed'],
    ]);
    await reloaded.outbox.delete('0001-a');
    expect((await reloaded.outbox.list()).map((e) => e.text)).toEqual(['second', 'third']);
  });

  it('keeps meta values and cursors', async () => {
    const { storage, reopen } = fresh();
    await storage.meta.set('deviceId', 'web-1');
    await storage.cursors.set('c1', 7);
    await storage.cursors.set('c2', 3);
    await storage.cursors.set('c1', 9);
    storage.close();
    const reloaded = reopen();
    expect(await reloaded.meta.get('deviceId')).toBe('web-1');
    expect(await reloaded.meta.get('missing')).toBeUndefined();
    expect(await reloaded.cursors.list()).toEqual({ c1: 9, c2: 3 });
  });

  it('pages cached events from the newest, before a seq, per conversation, keeping the latest copy of a seq (the erased form of a deleted message)', async () => {
    const { storage } = fresh();
    await storage.events.put([message(3), message(1), message(2), message(4), message(1, 'bob', { conversationId: 'c2' })]);
    await storage.events.put([message(2, 'bob', { data: {} })]);
    expect((await storage.events.list('c1', { limit: 2 })).map((e) => e.seq)).toEqual([3, 4]);
    expect((await storage.events.list('c1', { beforeSeq: 3, limit: 5 })).map((e) => e.seq)).toEqual([1, 2]);
    expect((await storage.events.list('c1')).find((e) => e.seq === 2)?.data).toEqual({});
    expect((await storage.events.list('c2')).map((e) => e.seq)).toEqual([1]);
    expect(await storage.events.list('nothing')).toEqual([]);
  });

  it('drops a conversation with its events and cursor, and leaves the others alone', async () => {
    const { storage } = fresh();
    await storage.conversations.put(summary());
    await storage.conversations.put(summary({ id: 'c2' }));
    await storage.events.put([message(1), message(1, 'bob', { conversationId: 'c2' })]);
    await storage.cursors.set('c1', 1);
    await storage.cursors.set('c2', 1);
    await storage.conversations.delete('c1');
    expect((await storage.conversations.list()).map((c) => c.id)).toEqual(['c2']);
    expect(await storage.events.list('c1')).toEqual([]);
    expect((await storage.events.list('c2')).length).toBe(1);
    expect(await storage.cursors.list()).toEqual({ c2: 1 });
  });

  it('keeps only the newest events of a conversation past its bound', async () => {
    const { storage } = fresh({ maxEventsPerConversation: 3 });
    await storage.events.put([message(1), message(2), message(3)]);
    await storage.events.put([message(4), message(5)]);
    expect((await storage.events.list('c1')).map((e) => e.seq)).toEqual([3, 4, 5]);
  });

  it('drops the least recently active conversations past its bound, but never one with a message to send', async () => {
    const { storage } = fresh({ maxConversations: 2 });
    await storage.outbox.put(newEntry('0001-a', 'oldest', 'still sending', 1));
    await storage.conversations.put(summary({ id: 'oldest', lastActivityAt: 1 }));
    await storage.conversations.put(summary({ id: 'old', lastActivityAt: 2 }));
    await storage.events.put([message(1, 'bob', { conversationId: 'old' })]);
    await storage.cursors.set('old', 1);
    await storage.conversations.put(summary({ id: 'new', lastActivityAt: 3 }));

    expect((await storage.conversations.list()).map((c) => c.id).sort()).toEqual(['new', 'oldest']);
    expect(await storage.events.list('old')).toEqual([]);
    expect(await storage.cursors.list()).toEqual({});
    expect((await storage.outbox.list()).map((e) => e.text)).toEqual(['still sending']);
  });

  it('touches IndexedDB only on first use, and reports a runtime without one', async () => {
    const saved = globalThis.indexedDB;
    Reflect.deleteProperty(globalThis, 'indexedDB');
    try {
      const storage = createIndexedDbStorage({ dbName: 'nowhere' });
      await expect(storage.outbox.list()).rejects.toThrow(/IndexedDB is not available/);
    } finally {
      globalThis.indexedDB = saved;
    }
  });
});
