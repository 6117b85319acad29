import { afterEach, describe, expect, it } from 'vitest';
import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { SCHEMA_VERSION } from './indexeddb-schema.js';
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

  it('keeps the bytes of files to upload as Blobs across a reopen, and deletes them by id', async () => {
    const { storage, reopen } = fresh();
    await storage.files!.put('f1', new Blob(['%PDF-1.7 …'], { type: 'application/pdf' }));
    await storage.files!.put('f2', new Uint8Array([1, 2, 3]));
    storage.close();
    const reloaded = reopen();
    const pdf = await reloaded.files!.get('f1');
    expect(pdf).toBeInstanceOf(Blob);
    expect(await pdf!.text()).toBe('%PDF-1.7 …');
    expect([...new Uint8Array(await (await reloaded.files!.get('f2'))!.arrayBuffer())]).toEqual([1, 2, 3]);
    await reloaded.files!.delete('f1');
    await reloaded.files!.delete('never-there');
    expect(await reloaded.files!.get('f1')).toBeUndefined();
    await reloaded.clear();
    expect(await reopen().files!.get('f2')).toBeUndefined();
  });

  it('upgrades a version-1 database in place: its outbox and cache stay, and it keeps files from then on', async () => {
    const dbName = `parley-v1-${(dbCount += 1)}`;
    // The database an earlier release made (schema version 1, its upgrade step as shipped).
    const v1 = await openDB(dbName, 1, {
      upgrade(db) {
        db.createObjectStore('outbox', { keyPath: 'clientMsgId' }).createIndex('byConversation', 'conversationId');
        db.createObjectStore('meta');
        db.createObjectStore('conversations', { keyPath: 'id' }).createIndex('byActivity', 'lastActivityAt');
        db.createObjectStore('events', { keyPath: ['conversationId', 'seq'] });
        db.createObjectStore('cursors');
      },
    });
    await v1.put('outbox', newEntry('0001-a', 'c1', 'queued before the upgrade', 1));
    await v1.put('meta', 'web-1', 'deviceId');
    await v1.put('conversations', summary());
    await v1.put('events', message(1));
    await v1.put('cursors', 1, 'c1');
    v1.close();

    const storage = createIndexedDbStorage({ dbName });
    opened.push(storage);
    expect((await storage.outbox.list()).map((e) => e.text)).toEqual(['queued before the upgrade']);
    expect(await storage.meta.get('deviceId')).toBe('web-1');
    expect((await storage.conversations.list()).map((c) => c.id)).toEqual(['c1']);
    expect((await storage.events.list('c1')).map((e) => e.seq)).toEqual([1]);
    expect(await storage.cursors.list()).toEqual({ c1: 1 });
    await storage.files!.put('f1', new Blob(['bytes']));
    expect(await (await storage.files!.get('f1'))!.text()).toBe('bytes');
    storage.close();

    const raw = await openDB(dbName);
    expect(raw.version).toBe(SCHEMA_VERSION);
    expect(SCHEMA_VERSION).toBe(2);
    expect([...raw.objectStoreNames].sort()).toEqual(['conversations', 'cursors', 'events', 'files', 'meta', 'outbox']);
    raw.close();
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
