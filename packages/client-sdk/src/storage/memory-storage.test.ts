import { describe, expect, it } from 'vitest';
import { createMemoryStorage } from './memory-storage.js';
import { newEntry } from '../state/outbox.js';
import { message, summary } from '../../test/support/fixtures.js';

describe('memory storage', () => {
  it('lists the outbox in clientMsgId order and deletes by id', async () => {
    const storage = createMemoryStorage();
    await storage.outbox.put(newEntry('b-0000001', 'c1', 'b', 0));
    await storage.outbox.put(newEntry('a-0000001', 'c1', 'a', 0));
    expect((await storage.outbox.list()).map((e) => e.text)).toEqual(['a', 'b']);
    await storage.outbox.delete('a-0000001');
    expect((await storage.outbox.list()).map((e) => e.text)).toEqual(['b']);
  });

  it('pages cached events from the newest, before a seq, and keeps the latest copy of a seq (the erased form of a deleted message)', async () => {
    const storage = createMemoryStorage();
    await storage.events.put([message(3), message(1), message(2), message(4)]);
    await storage.events.put([message(2, 'bob', { data: {} })]);
    expect((await storage.events.list('c1', { limit: 2 })).map((e) => e.seq)).toEqual([3, 4]);
    expect((await storage.events.list('c1', { beforeSeq: 3, limit: 5 })).map((e) => e.seq)).toEqual([1, 2]);
    expect((await storage.events.list('c1')).find((e) => e.seq === 2)?.data).toEqual({});
  });

  it('keeps the bytes of files to upload, as Blobs, until deleted or cleared', async () => {
    const storage = createMemoryStorage();
    const bytes = new Uint8Array([1, 2, 3]);
    await storage.files!.put('f1', bytes);
    bytes[0] = 9; // the app reuses its buffer: the stored copy does not change
    await storage.files!.put('f2', new Blob(['two']));
    expect([...new Uint8Array(await (await storage.files!.get('f1'))!.arrayBuffer())]).toEqual([1, 2, 3]);
    await storage.files!.delete('f1');
    expect(await storage.files!.get('f1')).toBeUndefined();
    await storage.clear();
    expect(await storage.files!.get('f2')).toBeUndefined();
  });

  it('drops a conversation with its events and cursor', async () => {
    const storage = createMemoryStorage();
    await storage.conversations.put(summary());
    await storage.events.put([message(1)]);
    await storage.cursors.set('c1', 1);
    await storage.conversations.delete('c1');
    expect(await storage.conversations.list()).toEqual([]);
    expect(await storage.events.list('c1')).toEqual([]);
    expect(await storage.cursors.list()).toEqual({});
  });
});
