import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, isParleyError } from '@parley/protocol';
import { createGroup, logProblems, readWholeLog, reportWatermarks, sendText } from '../testing/fixtures.js';
import { runWorkers } from '../testing/workers.js';
import { SQLITE_MIGRATIONS, SQLITE_SCHEMA_VERSION, migrateSqlite } from './sqlite-migrations.js';
import { createSqliteStore } from './sqlite-store.js';
import { StoreVersionError } from './schema-compat.js';

// A rolling deploy: the next release migrates the shared file while nodes of this one still run.
const worker = fileURLToPath(new URL('../testing/workers/migrate-worker.ts', import.meta.url));
const NEXT = SQLITE_SCHEMA_VERSION + 1;
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'parley-sqlite-compat-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function recordingLogger() {
  const lines: Array<{ message: string; fields: unknown }> = [];
  return { lines, logger: { warn: (message: string, fields?: unknown) => void lines.push({ message, fields }) } };
}

/** A file with g1 (created, one message), then migrated as the next release's runner would. */
async function fileFromNextRelease(filename: string, mark: { version: number; readableFrom: number }): Promise<void> {
  const current = createSqliteStore({ filename });
  await createGroup(current, 'g1', ['alice', 'bob']);
  await sendText(current, 'g1', 'alice', 'cmid-0002', 'before the upgrade');
  await current.close();
  const db = new BetterSqlite3(filename);
  db.exec(`
    ALTER TABLE parley_events ADD COLUMN edited_at INTEGER;
    CREATE TABLE parley_pins (conversation_id TEXT NOT NULL, seq INTEGER NOT NULL, user_id TEXT NOT NULL, pinned_at INTEGER NOT NULL);
    CREATE INDEX parley_events_by_kind ON parley_events (conversation_id, kind);
  `);
  const columns = db.prepare<[], { name: string }>('PRAGMA table_info(parley_schema)').all();
  if (!columns.some((c) => c.name === 'readable_from')) db.exec('ALTER TABLE parley_schema ADD COLUMN readable_from INTEGER');
  db.prepare('UPDATE parley_schema SET version = ?, readable_from = ? WHERE id = 1').run(mark.version, mark.readableFrom);
  // A newer node's write: its new column filled in.
  db.prepare(
    `INSERT INTO parley_events (conversation_id, seq, id, sender_id, client_msg_id, ts, kind, data, edited_at)
     VALUES ('g1', 3, 'e_newer', 'bob', 'cmid-newer', 3, 'message', '{"text":"from the next release"}', 99)`,
  ).run();
  db.prepare("UPDATE parley_conversations SET last_seq = 3 WHERE id = 'g1'").run();
  db.close();
}

const versionOf = (filename: string) => {
  const db = new BetterSqlite3(filename, { readonly: true });
  // The query released builds run: it must keep working on every file this build touches.
  const row = db.prepare('SELECT version FROM parley_schema WHERE id = 1').get() as { version: number };
  db.close();
  return row.version;
};

describe('sqlite store: a file from a newer Parley', () => {
  it('opens and works when the newer release marked its steps additive, and says so once', async () => {
    const filename = join(dir, 'additive.sqlite');
    await fileFromNextRelease(filename, { version: NEXT, readableFrom: 1 });
    const { lines, logger } = recordingLogger();
    const store = createSqliteStore({ filename }, { logger });

    expect((await readWholeLog(store, 'g1')).map((e) => [e.seq, e.senderId])).toEqual([[1, 'alice'], [2, 'alice'], [3, 'bob']]);
    expect((await sendText(store, 'g1', 'bob', 'cmid-0004', 'after the upgrade')).event.seq).toBe(4);
    expect(await reportWatermarks(store, 'g1', 'alice', { readSeq: 4 })).toMatchObject({ readSeq: 4 });
    await createGroup(store, 'g2', ['carol']);
    expect(await logProblems(store, 'g1')).toEqual([]);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.message).toContain(`version ${NEXT}`);
    expect(lines[0]!.message).toContain(`${SQLITE_SCHEMA_VERSION}`);
    await store.close();
    // This build never writes its older version over the newer one.
    expect(versionOf(filename)).toBe(NEXT);
  });

  it('refuses, with a typed error naming both versions, a file a breaking step made unreadable', async () => {
    const filename = join(dir, 'breaking.sqlite');
    await fileFromNextRelease(filename, { version: NEXT + 1, readableFrom: NEXT + 1 });
    let error: unknown;
    try {
      createSqliteStore({ filename });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(StoreVersionError);
    expect(isParleyError(error)).toBe(true);
    expect(error).toMatchObject({ code: ErrorCode.UNAVAILABLE, store: 'sqlite', found: NEXT + 1, readableFrom: NEXT + 1, supported: SQLITE_SCHEMA_VERSION });
    expect((error as Error).message).toContain(`schema version ${NEXT + 1}`);
    expect((error as Error).message).toContain(`supports (${SQLITE_SCHEMA_VERSION})`);
    expect(versionOf(filename)).toBe(NEXT + 1);
  });

  it('keeps a file of the released schema usable by the released runner after this build opened it', async () => {
    const filename = join(dir, 'released.sqlite');
    const db = new BetterSqlite3(filename);
    // What the released runner (84da372) leaves: the version alone, no readable_from column.
    db.exec('CREATE TABLE parley_schema (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)');
    for (const step of [1, 2]) db.exec(migrateSqliteStep(step));
    db.prepare('INSERT INTO parley_schema (id, version) VALUES (1, 2)').run();
    expect(migrateSqlite(db)).toEqual({ from: 2, to: SQLITE_SCHEMA_VERSION, readableFrom: 1 });
    // The released runner's own statements still run on the file (whether that runner accepts
    // version 3 at all is tests/compat/previous-database.test.ts's business: it does not).
    expect(db.prepare('SELECT version FROM parley_schema WHERE id = 1').get()).toEqual({ version: SQLITE_SCHEMA_VERSION });
    db.prepare('INSERT INTO parley_schema (id, version) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET version = excluded.version').run(2);
    expect(migrateSqlite(db)).toEqual({ from: 2, to: SQLITE_SCHEMA_VERSION, readableFrom: 1 });
    db.close();
  });

  it('migrates a new file once when two processes open it at once', async () => {
    const filename = join(dir, 'race.sqlite');
    const runs = await runWorkers(worker, [{ PARLEY_WORKER_TARGET: filename }, { PARLEY_WORKER_TARGET: filename }]);
    expect(runs.map((r) => [r.code, r.stderr])).toEqual([[0, ''], [0, '']]);
    const froms = runs.map((r) => (r.result as { from: number }).from).sort();
    expect(froms).toEqual([0, SQLITE_SCHEMA_VERSION]);
    const store = createSqliteStore({ filename });
    await createGroup(store, 'g1', ['alice']);
    expect(await logProblems(store, 'g1')).toEqual([]);
    await store.close();
  });
});

function migrateSqliteStep(version: number): string {
  return SQLITE_MIGRATIONS[version - 1]!.sql;
}
