import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSqliteStore } from './sqlite-store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('SQLite group commit', () => {
  it('commits concurrent appends together, and one failing append fails alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-gc-'));
    dirs.push(dir);
    const filename = join(dir, 'gc.sqlite');
    const store = createSqliteStore({ filename });
    await store.createConversation({ id: 'c1', kind: 'group', title: null, createdBy: 'a', members: ['a'], directKey: null, ts: 1 });
    const message = (conversationId: string, n: number) => ({
      conversationId, senderId: 'a', clientMsgId: `msg-${n}-xyz`, ts: 2, kind: 'message' as const, data: { text: `m${n}` },
    });
    const outcomes = await Promise.allSettled([
      ...Array.from({ length: 20 }, (_, n) => store.append(message('c1', n))),
      store.append(message('missing', 99)),
      ...Array.from({ length: 20 }, (_, n) => store.append(message('c1', n + 20))),
    ]);
    expect(outcomes.filter((o) => o.status === 'rejected')).toHaveLength(1);
    expect(outcomes[20]!.status).toBe('rejected');
    await store.close();

    // Everything acknowledged is in the file, contiguous, after a reopen.
    const reopened = createSqliteStore({ filename });
    const events = await reopened.readAfter('c1', 0, 100);
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 41 }, (_, i) => i + 1));
    expect(events.slice(1).map((e) => (e.kind === 'message' ? e.data.text : ''))).toEqual(Array.from({ length: 40 }, (_, n) => `m${n}`));
    await reopened.close();
  });

  it('commits receipts that arrive together in one transaction: each is durable when it resolves, and a non-member`s answers null alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-gc-'));
    dirs.push(dir);
    const filename = join(dir, 'gc.sqlite');
    const store = createSqliteStore({ filename });
    const users = Array.from({ length: 50 }, (_, i) => `u${i}`);
    await store.createConversation({ id: 'c1', kind: 'group', title: null, createdBy: 'u0', members: users, directKey: null, ts: 1 });
    for (let n = 0; n < 10; n++) await store.append({ conversationId: 'c1', senderId: 'u0', clientMsgId: `msg-${n}-xyz`, ts: 2, kind: 'message', data: { text: `m${n}` } });
    const results = await Promise.all([
      ...users.map((userId, i) => store.updateDeviceWatermarks('c1', userId, 'phone', { deliveredSeq: 11, readSeq: 1 + (i % 10) }, 3)),
      store.updateDeviceWatermarks('c1', 'stranger', 'phone', { deliveredSeq: 11 }, 3),
      // Two devices of one user in the same turn: the member's watermarks are the higher of both.
      store.updateDeviceWatermarks('c1', 'u1', 'laptop', { deliveredSeq: 11, readSeq: 11 }, 3),
    ]);
    expect(results[50]).toBeNull();
    expect(results[51]?.member).toMatchObject({ deliveredSeq: 11, readSeq: 11 });
    await store.close();

    const reopened = createSqliteStore({ filename });
    const members = await reopened.listMembers('c1');
    expect(members.map((m) => [m.userId, m.deliveredSeq, m.readSeq]).sort()).toEqual(
      users.map((userId, i) => [userId, 11, userId === 'u1' ? 11 : 1 + (i % 10)]).sort(),
    );
    await reopened.close();
  });
});
