import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { LogEvent } from '@parley/protocol';
import { createFileStorage } from './file-storage.js';
import type { OutboxEntry } from './client-storage.js';

const root = mkdtempSync(join(tmpdir(), 'parley-file-storage-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(root, `s${++n}`);

const entry = (i: number): OutboxEntry => ({
  clientMsgId: `0190a1b2-0000-7000-8000-${String(i).padStart(12, '0')}`,
  conversationId: 'c1', text: `m${i}`, createdAt: i, status: 'pending', attempts: 0,
});
const message = (seq: number): LogEvent => ({
  id: `e${seq}`, conversationId: 'c1', seq, senderId: 'bob', ts: seq, kind: 'message', clientMsgId: `cm-${seq}-abcdef`, data: { text: `t${seq}` },
});

describe('file storage for Node clients', () => {
  it('keeps the outbox, meta values and the cache across a restart of the process', async () => {
    const dir = freshDir();
    const first = createFileStorage({ dir });
    for (let i = 1; i <= 3; i++) await first.outbox.put(entry(i));
    await first.outbox.delete(entry(2).clientMsgId);
    await first.meta.set('deviceId', 'bot-1');
    await first.events.put([message(1), message(2)]);
    await first.cursors.set('c1', 2);
    await first.close();

    const again = createFileStorage({ dir });
    expect((await again.outbox.list()).map((e) => e.text)).toEqual(['m1', 'm3']);
    expect(await again.meta.get('deviceId')).toBe('bot-1');
    expect((await again.events.list('c1')).map((e) => e.seq)).toEqual([1, 2]);
    expect(await again.cursors.list()).toEqual({ c1: 2 });
    await again.close();
  });

  it('reads past a last line torn by a crash, keeping everything before it', async () => {
    const dir = freshDir();
    const first = createFileStorage({ dir });
    await first.outbox.put(entry(1));
    await first.close();
    appendFileSync(join(dir, 'journal.jsonl'), '{"outbox":{"clientMsgId":"0190a1b2-00');
    const again = createFileStorage({ dir });
    expect((await again.outbox.list()).map((e) => e.text)).toEqual(['m1']);
    await again.outbox.put(entry(2));
    await again.close();
    expect((await reopenOutbox(dir)).map((e) => e.text)).toEqual(['m1', 'm2']);
  });

  it('compacts a long journal without losing what is live', async () => {
    const dir = freshDir();
    const storage = createFileStorage({ dir });
    // Concurrent writes share syncs (group commit), as a bursting client's do.
    const all = Array.from({ length: 2_500 }, (_, i) => i + 1);
    await Promise.all(all.map((i) => storage.outbox.put(entry(i))));
    await Promise.all(all.filter((i) => i % 100 !== 0).map((i) => storage.outbox.delete(entry(i).clientMsgId)));
    await storage.close();
    const lines = readFileSync(join(dir, 'journal.jsonl'), 'utf8').trim().split('\n').length;
    expect(lines).toBeLessThan(2_500);
    expect((await reopenOutbox(dir)).map((e) => e.text)).toEqual(Array.from({ length: 25 }, (_, i) => `m${(i + 1) * 100}`));
  });

  it('keeps the bytes of files to upload across a restart, each written whole, and removes them on delete and clear', async () => {
    const dir = freshDir();
    const first = createFileStorage({ dir });
    await first.files!.put('0190a1b2-0000-7000-8000-000000000001', new Blob(['first file']));
    await first.files!.put('0190a1b2-0000-7000-8000-000000000002', new Uint8Array([7, 8, 9]));
    await first.close();

    const again = createFileStorage({ dir });
    expect(await (await again.files!.get('0190a1b2-0000-7000-8000-000000000001'))!.text()).toBe('first file');
    expect([...new Uint8Array(await (await again.files!.get('0190a1b2-0000-7000-8000-000000000002'))!.arrayBuffer())]).toEqual([7, 8, 9]);
    expect(readdirSync(join(dir, 'files')).filter((name) => name.endsWith('.part'))).toEqual([]);
    await again.files!.delete('0190a1b2-0000-7000-8000-000000000001');
    expect(await again.files!.get('0190a1b2-0000-7000-8000-000000000001')).toBeUndefined();
    // An id is a file name inside the directory, never a path out of it.
    await expect(again.files!.get('../journal.jsonl')).rejects.toMatchObject({ code: 4000 });
    await again.clear();
    expect(existsSync(join(dir, 'files'))).toBe(false);
  });

  it('refuses a directory another live client holds, and takes over one left by a killed process', async () => {
    const dir = freshDir();
    const holder = createFileStorage({ dir });
    expect(() => createFileStorage({ dir })).toThrow(/in use by process/);
    await holder.close();
    writeFileSync(join(dir, 'LOCK'), '2147483646'); // a pid that is not running
    const after = createFileStorage({ dir });
    await after.meta.set('k', 'v');
    await after.close();
  });
});

async function reopenOutbox(dir: string): Promise<OutboxEntry[]> {
  const storage = createFileStorage({ dir });
  const list = await storage.outbox.list();
  await storage.close();
  return list;
}
