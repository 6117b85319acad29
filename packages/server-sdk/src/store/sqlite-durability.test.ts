import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDirect, createGroup, logProblems, range, readWholeLog, reportWatermarks, sendText } from '../testing/fixtures.js';
import { laneProblems } from '../testing/conformance-changes.js';
import { runWorkers } from '../testing/workers.js';
import { SQLITE_SCHEMA_VERSION, migrateSqlite } from './sqlite-migrations.js';
import { createSqliteStore } from './sqlite-store.js';

const worker = fileURLToPath(new URL('../testing/workers/store-worker.ts', import.meta.url));
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'parley-sqlite-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const schemaOf = (db: BetterSqlite3.Database) =>
  db.prepare('SELECT type, name, sql FROM sqlite_master ORDER BY name').all();

describe('sqlite store: files', () => {
  it('keeps conversations, members, events and watermarks across close and reopen', async () => {
    const filename = join(dir, 'chat.sqlite');
    const first = createSqliteStore({ filename });
    await createGroup(first, 'g1', ['alice', 'bob']);
    await sendText(first, 'g1', 'alice', 'cmid-0001', 'kept');
    await reportWatermarks(first, 'g1', 'bob', { readSeq: 2 });
    await first.close();

    const second = createSqliteStore({ filename });
    expect(await second.getConversation('g1')).toMatchObject({ lastSeq: 2, memberCount: 2 });
    expect((await readWholeLog(second, 'g1')).map((e) => e.kind)).toEqual(['conversation.created', 'message']);
    expect(await second.getMember('g1', 'bob')).toMatchObject({ readSeq: 2, deliveredSeq: 2 });
    expect(await sendText(second, 'g1', 'alice', 'cmid-0001')).toMatchObject({ duplicate: true, event: { seq: 2 } });
    expect((await sendText(second, 'g1', 'bob', 'cmid-0002')).event.seq).toBe(3);
    await second.close();
  });

  it('migrates an empty file to the current version, and re-opening migrates nothing', () => {
    const db = new BetterSqlite3(join(dir, 'empty.sqlite'));
    expect(migrateSqlite(db)).toEqual({ from: 0, to: SQLITE_SCHEMA_VERSION, readableFrom: 1 });
    const schema = schemaOf(db);
    expect(schema.map((row) => (row as { name: string }).name)).toEqual(
      expect.arrayContaining(['parley_conversations', 'parley_members', 'parley_events', 'parley_events_dedup', 'parley_schema']),
    );
    expect(migrateSqlite(db)).toEqual({ from: SQLITE_SCHEMA_VERSION, to: SQLITE_SCHEMA_VERSION, readableFrom: 1 });
    expect(schemaOf(db)).toEqual(schema);
    db.close();
  });

  it('refuses a file written by a newer schema that does not say which older versions can use it', () => {
    const db = new BetterSqlite3(join(dir, 'newer.sqlite'));
    migrateSqlite(db);
    // (sqlite-schema-compat.test.ts covers newer files that do say so.)
    db.prepare('UPDATE parley_schema SET version = ?, readable_from = NULL').run(SQLITE_SCHEMA_VERSION + 1);
    expect(() => createSqliteStore({ database: db })).toThrow(/newer/);
    db.close();
  });

  it('enforces seq and dedup uniqueness in the schema itself', async () => {
    const db = new BetterSqlite3(join(dir, 'unique.sqlite'));
    const store = createSqliteStore({ database: db });
    await createGroup(store, 'g1', ['alice']);
    const insert = db.prepare(
      `INSERT INTO parley_events (conversation_id, seq, id, sender_id, client_msg_id, ts, kind, data)
       VALUES ('g1', ?, ?, 'alice', ?, 0, 'message', '{"text":"x"}')`,
    );
    expect(() => insert.run(1, 'e_other', 'cmid-fresh')).toThrow(/UNIQUE/);
    insert.run(2, 'e_two', 'cmid-once');
    expect(() => insert.run(3, 'e_three', 'cmid-once')).toThrow(/UNIQUE/);
    db.close();
  });

  it('uses WAL and the chosen synchronous level, and leaves a database it was given open', async () => {
    const db = new BetterSqlite3(join(dir, 'given.sqlite'));
    const store = createSqliteStore({ database: db }, { synchronous: 'NORMAL', busyTimeoutMs: 1234 });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    expect(db.pragma('busy_timeout', { simple: true })).toBe(1234);
    await store.close();
    expect(db.open).toBe(true);
    db.close();

    const other = new BetterSqlite3(join(dir, 'default.sqlite'));
    const full = createSqliteStore({ database: other });
    expect(other.pragma('synchronous', { simple: true })).toBe(2); // FULL
    // The search index writes without its own fsync, and leaves the log's setting as it was, also when it fails.
    const doc = { conversationId: 'c1', seq: 1, ts: 1, senderId: 'alice', tokens: 'hello', version: 1 };
    await full.searchIndex!.apply({ conversationId: 'c1', upserts: [doc], removals: [], throughSeq: 1 });
    expect(other.pragma('synchronous', { simple: true })).toBe(2);
    await expect(full.searchIndex!.apply({ conversationId: 'c1', upserts: null as unknown as [], removals: [], throughSeq: 2 })).rejects.toThrow();
    expect(other.pragma('synchronous', { simple: true })).toBe(2);
    other.close();
  });
});

describe('sqlite store: several processes on one file', () => {
  it('keeps seqs contiguous when two processes append to one conversation at once', async () => {
    const filename = join(dir, 'shared.sqlite');
    const setup = createSqliteStore({ filename });
    await createGroup(setup, 'g1', ['alice', 'bob']);
    await setup.close();

    const perWorker = 150;
    const base = { PARLEY_WORKER_STORE: 'sqlite', PARLEY_WORKER_TARGET: filename, PARLEY_WORKER_OP: 'append' };
    const runs = await runWorkers(worker, ['p1', 'p2'].map((id) => ({
      ...base, PARLEY_WORKER_ID: id, PARLEY_WORKER_COUNT: String(perWorker), PARLEY_WORKER_CONVERSATION: 'g1',
    })));
    expect(runs.map((r) => [r.code, r.stderr])).toEqual([[0, ''], [0, '']]);

    const seqs = runs.flatMap((r) => (r.result as Array<{ seq: number }>).map((e) => e.seq));
    expect(seqs.sort((a, b) => a - b)).toEqual(range(2, 2 * perWorker + 1));
    const store = createSqliteStore({ filename });
    expect(await logProblems(store, 'g1')).toEqual([]);
    // Both processes really wrote: their messages interleave in the log.
    const senders = (await readWholeLog(store, 'g1')).slice(1).map((e) => e.senderId);
    expect(new Set(senders)).toEqual(new Set(['p1', 'p2']));
    await store.close();
  });

  it('keeps lanes a partition of the log when two processes append messages, thread replies and reactions at once', async () => {
    const filename = join(dir, 'lanes.sqlite');
    const setup = createSqliteStore({ filename });
    await createGroup(setup, 'g1', ['alice', 'bob']);
    const root = (await sendText(setup, 'g1', 'alice', 'root', 'root')).event;
    await setup.close();

    const perWorker = 40;
    const base = {
      PARLEY_WORKER_STORE: 'sqlite', PARLEY_WORKER_TARGET: filename, PARLEY_WORKER_OP: 'lanes', PARLEY_WORKER_COUNT: String(perWorker),
      PARLEY_WORKER_CONVERSATION: 'g1', PARLEY_WORKER_ROOT_ID: root.id, PARLEY_WORKER_ROOT_SEQ: String(root.seq),
    };
    const runs = await runWorkers(worker, ['p1', 'p2'].map((id) => ({ ...base, PARLEY_WORKER_ID: id })));
    expect(runs.map((r) => [r.code, r.stderr])).toEqual([[0, ''], [0, '']]);
    const store = createSqliteStore({ filename });
    expect(await logProblems(store, 'g1')).toEqual([]);
    expect(await laneProblems(store, 'g1')).toEqual([]);
    const last = 2 + 3 * 2 * perWorker;
    expect((await store.getConversation('g1'))?.lastSeq).toBe(last);
    expect(await store.readLane('g1', 0, last + 1, 1000)).toHaveLength(2 + 2 * perWorker);
    expect(await store.readChanges('g1', [root.seq], last)).toHaveLength(2 * perWorker);
    expect((await store.countReplies('g1', [root.seq], last)).get(root.seq)?.count).toBe(2 * perWorker);
    await store.close();
  });

  it('creates one direct conversation when two processes open it at once', async () => {
    const filename = join(dir, 'direct.sqlite');
    createSqliteStore({ filename }).close();
    const base = { PARLEY_WORKER_STORE: 'sqlite', PARLEY_WORKER_TARGET: filename, PARLEY_WORKER_OP: 'direct', PARLEY_WORKER_COUNT: '5' };
    const runs = await runWorkers(worker, ['p1', 'p2'].map((id) => ({ ...base, PARLEY_WORKER_ID: id })));
    expect(runs.map((r) => r.code)).toEqual([0, 0]);
    const results = runs.flatMap((r) => r.result as Array<{ id: string; created: boolean }>);
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    const store = createSqliteStore({ filename });
    const { conversation } = await createDirect(store, 'late', 'bob', 'alice');
    expect((await readWholeLog(store, conversation.id)).map((e) => e.seq)).toEqual([1]);
    await store.close();
  });
});
