import type { Database } from 'better-sqlite3';

/**
 * Parley's schema, one step per version. A released step is never edited: a change is a new step.
 * Tables carry a `parley_` prefix so that Parley can share a database file with an application.
 */
export const SQLITE_MIGRATIONS: readonly string[] = [
  // 1: conversations, members, the event log.
  `
  CREATE TABLE parley_conversations (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    title TEXT,
    direct_key TEXT UNIQUE,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_seq INTEGER NOT NULL DEFAULT 0,
    last_activity_at INTEGER NOT NULL,
    member_count INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE parley_members (
    conversation_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    role TEXT NOT NULL,
    joined_at INTEGER NOT NULL,
    delivered_seq INTEGER NOT NULL DEFAULT 0,
    read_seq INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (conversation_id, user_id)
  ) WITHOUT ROWID;
  CREATE INDEX parley_members_by_user ON parley_members (user_id);
  CREATE TABLE parley_events (
    conversation_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    id TEXT NOT NULL UNIQUE,
    sender_id TEXT NOT NULL,
    client_msg_id TEXT NOT NULL,
    ts INTEGER NOT NULL,
    kind TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (conversation_id, seq)
  );
  CREATE UNIQUE INDEX parley_events_dedup ON parley_events (conversation_id, sender_id, client_msg_id);
  `,
  // 2: per-device watermarks and user settings (receipts, privacy).
  `
  CREATE TABLE parley_device_watermarks (
    conversation_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    delivered_seq INTEGER NOT NULL DEFAULT 0,
    read_seq INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, user_id, device_id)
  ) WITHOUT ROWID;
  CREATE TABLE parley_user_settings (
    user_id TEXT PRIMARY KEY,
    read_receipts INTEGER NOT NULL,
    presence INTEGER NOT NULL,
    last_seen INTEGER NOT NULL
  ) WITHOUT ROWID;
  `,
];

/**
 * The schema version this build of Parley writes.
 *
 * @example
 * if (migrateSqlite(db).from < SQLITE_SCHEMA_VERSION) console.log('schema upgraded');
 */
export const SQLITE_SCHEMA_VERSION = SQLITE_MIGRATIONS.length;

export interface MigrationResult {
  /** Version found in the file (0 for a file Parley never touched). */
  from: number;
  /** Version after migrating: always `SQLITE_SCHEMA_VERSION`. */
  to: number;
}

/**
 * Brings a database to the current schema. The version lives in its own `parley_schema` table
 * rather than `PRAGMA user_version`, which belongs to the application when it shares the file.
 * Runs in one IMMEDIATE transaction: two processes opening a new file at once migrate it once,
 * and a crash mid-way leaves the previous version intact.
 *
 * @example
 * const { from, to } = migrateSqlite(new Database('chat.sqlite'));
 */
export function migrateSqlite(db: Database): MigrationResult {
  return db
    .transaction((): MigrationResult => {
      db.exec('CREATE TABLE IF NOT EXISTS parley_schema (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)');
      const row = db.prepare('SELECT version FROM parley_schema WHERE id = 1').get() as { version: number } | undefined;
      const from = row?.version ?? 0;
      if (from > SQLITE_SCHEMA_VERSION) {
        throw new Error(
          `Parley: this SQLite database has schema version ${from}, newer than this version of Parley supports (${SQLITE_SCHEMA_VERSION}). Upgrade @parley/server-sdk.`,
        );
      }
      for (let version = from + 1; version <= SQLITE_SCHEMA_VERSION; version++) db.exec(SQLITE_MIGRATIONS[version - 1]!);
      db.prepare('INSERT INTO parley_schema (id, version) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET version = excluded.version').run(
        SQLITE_SCHEMA_VERSION,
      );
      return { from, to: SQLITE_SCHEMA_VERSION };
    })
    .immediate();
}
